// Quick controls: per AOR max_contacts / remove_existing / remove_unavailable /
// qualify_frequency / maximum_expiration, per endpoint rewrite_contact, and the Asterisk version.
// They read their values from the text (controls()) and change it (edit_option / set_version):
// the text stays the single source of truth. A site's many AORs are grouped by template and
// found with a search box. The page's controls and Compare's B are two uses of this module,
// each with its own ControlsState.

import type { Controls } from "../wasm";
import { ControlsState, type ObjectSpec, type OptionEdit, renderObject } from "./objects";

export { ControlsState };

/** "option" edits the pjsip.conf block (objects.ts); "version" the `asterisk` line. */
export type ControlEdit = OptionEdit | { kind: "version"; value: string };

function make<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The page's own controls (Compare's B makes its own state). */
const pageControls = new ControlsState("", "Asterisk");

/** Renders the controls into `root` (skips the work when nothing changed, unless `force`:
 * an edit that was refused puts the inputs back to what the text says). */
export function renderControls(
  root: HTMLElement,
  controls: Controls | (() => Controls),
  edit: (e: ControlEdit) => void,
  force = false,
  state: ControlsState = pageControls,
  /** What identifies these controls, when the caller has it already (the worker's JSON);
   * `controls` is then read only when the key changed. */
  known?: string,
): void {
  const read = () => (typeof controls === "function" ? controls() : controls);
  let c = typeof controls === "function" ? undefined : controls;
  const key = known ?? JSON.stringify((c ??= read()));
  if (!force && key === state.lastKey && root.childElementCount > 0) return;
  state.lastKey = key;
  c ??= read();
  const focused = document.activeElement?.id;
  root.replaceChildren();

  const version = make("label", "control");
  version.append(make("span", "control-name", state.versionLabel));
  const select = make("select");
  select.id = `${state.idPrefix}control-version`;
  select.setAttribute("aria-label", `${state.versionLabel} version`);
  // Each branch's latest and every release where registrar behaviour changes, saying what changed.
  const menu: [string, string][] = (c.releases ?? []).map((r) => {
    const what = r.changes.join("; ");
    const head = r.latest_of_branch ? `${r.value} (latest, ${r.release})` : r.value;
    return [r.value, what ? `${head}: ${what}` : head];
  });
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

  const specs = objectSpecs(c);
  if (specs.length > MANY) root.append(renderMany(specs, edit, state));
  else for (const spec of specs) root.append(renderObject(spec, edit, state));
  if (focused) {
    const again = document.getElementById(focused);
    again?.focus();
    if (again instanceof HTMLInputElement && again.type === "search") again.setSelectionRange(again.value.length, again.value.length);
  }
}

function objectSpecs(c: Controls): ObjectSpec[] {
  const aors = c.aors.map((aor): ObjectSpec => ({
    section: "aor",
    name: aor.name,
    templates: aor.templates,
    settings: [
      { option: "max_contacts", setting: aor.max_contacts },
      { option: "remove_existing", setting: aor.remove_existing },
      { option: "remove_unavailable", setting: aor.remove_unavailable },
      { option: "qualify_frequency", setting: aor.qualify_frequency, max: 86400 },
      { option: "maximum_expiration", setting: aor.maximum_expiration, max: 86400 },
    ],
  }));
  const endpoints = c.endpoints.map((ep): ObjectSpec => ({
    section: "endpoint",
    name: ep.name,
    templates: ep.templates,
    settings: [{ option: "rewrite_contact", setting: ep.rewrite_contact }],
  }));
  return [...aors, ...endpoints];
}

/** Past this many AORs and endpoints, the controls are grouped by template and searchable. */
const MANY = 8;
/** A search draws at most this many objects. */
const FOUND_MAX = 24;
/** Objects drawn when a template's group is opened; the rest are counted. */
const GROUP_MAX = 200;

/** The controls of a site: a search box, then a group per template (the first template of
 * each object's chain), each drawn only when opened; a search shows the objects it finds. */
function renderMany(specs: ObjectSpec[], edit: (e: ControlEdit) => void, state: ControlsState): HTMLElement {
  const box = make("div", "controls-many");
  const search = make("input");
  search.type = "search";
  search.id = `${state.idPrefix}controls-search`;
  search.placeholder = "Find an AOR or endpoint";
  search.setAttribute("aria-label", "Find an AOR or endpoint");
  search.value = state.query;
  const found = make("div", "controls-found");
  found.setAttribute("aria-live", "polite");
  const groups = make("div", "controls-groups");
  const draw = () => {
    found.replaceChildren();
    const q = state.query.trim().toLowerCase();
    groups.hidden = q !== "";
    if (!q) return;
    const hits = specs.filter((s) => s.name.toLowerCase().includes(q) || s.templates.some((t) => t.name.toLowerCase().includes(q)));
    const shown = hits.slice(0, FOUND_MAX);
    found.append(make("p", "controls-count", hits.length === 0 ? `Nothing matches “${state.query.trim()}”.` : hits.length > shown.length ? `${hits.length} match; the first ${shown.length}:` : `${hits.length} match:`));
    for (const spec of shown) found.append(renderObject(spec, edit, state));
  };
  search.addEventListener("input", () => {
    state.query = search.value;
    draw();
  });
  const byTemplate = new Map<string, ObjectSpec[]>();
  for (const spec of specs) {
    const key = spec.templates[0]?.name ?? "";
    if (!byTemplate.has(key)) byTemplate.set(key, []);
    byTemplate.get(key)!.push(spec);
  }
  for (const [template, members] of byTemplate) {
    const details = make("details", "controls-template");
    details.dataset.template = template;
    const count = (kind: string, word: string) => {
      const n = members.filter((m) => m.section === kind).length;
      return n ? `${n.toLocaleString("en")} ${word}${n === 1 ? "" : "s"}` : "";
    };
    const what = [count("aor", "AOR"), count("endpoint", "endpoint")].filter(Boolean).join(", ");
    details.append(make("summary", undefined, `${template ? `template ${template}` : "no template"} · ${what}`));
    const fill = () => {
      if (!details.open || details.childElementCount !== 1) return;
      // A site's config can put thousands of objects in one group: draw the first GROUP_MAX.
      for (const spec of members.slice(0, GROUP_MAX)) details.append(renderObject(spec, edit, state));
      const rest = members.length - GROUP_MAX;
      if (rest > 0) details.append(make("p", "controls-more", `and ${rest.toLocaleString("en")} more in this group, not listed here: find one with the box above, or set their options in the text.`));
    };
    details.addEventListener("toggle", () => {
      if (details.open) state.openGroups.add(template);
      else state.openGroups.delete(template);
      fill();
    });
    details.open = state.openGroups.has(template);
    fill();
    groups.append(details);
  }
  box.append(search, found, groups);
  draw();
  return box;
}
