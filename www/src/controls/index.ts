// Quick controls: per AOR max_contacts / remove_existing / remove_unavailable, per endpoint
// rewrite_contact, and the Asterisk version. They read their values from the text (controls())
// and change it (edit_option / set_version): the text stays the single source of truth.

import { ASTERISK_VERSIONS } from "../editor/language";
import type { Controls } from "../wasm";
import { type OptionEdit, renderObject } from "./objects";

/** "option" edits the pjsip.conf block (objects.ts); "version" the `asterisk` line. */
export type ControlEdit = OptionEdit | { kind: "version"; value: string };

function make<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

let lastKey = "";

/** Objects of each kind with controls: a site's 12,500 AORs took seconds to draw, per run. */
const SHOWN = 200;

/** Renders the controls into `root` (skips the work when nothing changed, unless `force`:
 * an edit that was refused puts the inputs back to what the text says). */
export function renderControls(root: HTMLElement, c: Controls, edit: (e: ControlEdit) => void, force = false): void {
  const key = JSON.stringify(c);
  if (!force && key === lastKey && root.childElementCount > 0) return;
  lastKey = key;
  const focused = document.activeElement?.id;
  root.replaceChildren();

  const version = make("label", "control");
  version.append(make("span", "control-name", "Asterisk"));
  const select = make("select");
  select.id = "control-version";
  select.setAttribute("aria-label", "Asterisk version");
  // Each branch's latest and every release where registrar behaviour changes, saying what changed.
  const menu: [string, string][] = (c.releases ?? []).map((r) => {
    const what = r.changes.join("; ");
    const head = r.latest_of_branch ? `${r.value} (latest, ${r.release})` : r.value;
    return [r.value, what ? `${head}: ${what}` : head];
  });
  if (menu.length === 0) for (const v of ASTERISK_VERSIONS) menu.push([v, v]);
  if (!menu.some(([v]) => v === c.version)) menu.unshift([c.version, c.version]);
  for (const [v, label] of menu) {
    const option = make("option", undefined, label);
    option.value = v;
    option.selected = v === c.version;
    select.append(option);
  }
  select.addEventListener("change", () => edit({ kind: "version", value: select.value }));
  version.append(select);
  root.append(version);

  for (const aor of c.aors.slice(0, SHOWN)) {
    const settings = [
      { option: "max_contacts", setting: aor.max_contacts },
      { option: "remove_existing", setting: aor.remove_existing },
      { option: "remove_unavailable", setting: aor.remove_unavailable },
    ];
    root.append(renderObject({ section: "aor", name: aor.name, templates: aor.templates, settings }, edit));
  }
  for (const ep of c.endpoints.slice(0, SHOWN)) {
    const settings = [{ option: "rewrite_contact", setting: ep.rewrite_contact }];
    root.append(renderObject({ section: "endpoint", name: ep.name, templates: ep.templates, settings }, edit));
  }
  const more = [
    c.aors.length > SHOWN ? `${(c.aors.length - SHOWN).toLocaleString("en")} more AORs` : "",
    c.endpoints.length > SHOWN ? `${(c.endpoints.length - SHOWN).toLocaleString("en")} more endpoints` : "",
  ].filter(Boolean);
  if (more.length) root.append(make("p", "controls-more", `and ${more.join(" and ")}, not listed here: set their options in the text.`));
  if (focused) document.getElementById(focused)?.focus();
}
