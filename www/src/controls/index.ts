// Quick controls: per AOR max_contacts / remove_existing / remove_unavailable, per endpoint
// rewrite_contact, and the Asterisk version. They read their values from the text (controls())
// and change it (set_option / set_version): the text stays the single source of truth.

import { ASTERISK_VERSIONS } from "../editor/language";
import type { Controls } from "../wasm";

export interface ControlEdit {
  /** "option" edits a section of the pjsip.conf block; "version" the `asterisk` line. */
  kind: "option" | "version";
  name?: string;
  section?: "aor" | "endpoint";
  option?: string;
  value: string;
}

function make<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function checkbox(label: string, checked: boolean, id: string, onChange: (v: boolean) => void): HTMLElement {
  const wrap = make("label", "control check");
  const input = make("input");
  input.type = "checkbox";
  input.checked = checked;
  input.id = id;
  input.addEventListener("change", () => onChange(input.checked));
  wrap.append(input, document.createTextNode(` ${label}`));
  return wrap;
}

let lastKey = "";

/** Renders the controls into `root` (skips the work when nothing changed). */
export function renderControls(root: HTMLElement, c: Controls, edit: (e: ControlEdit) => void): void {
  const key = JSON.stringify(c);
  if (key === lastKey && root.childElementCount > 0) return;
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

  for (const aor of c.aors) {
    const group = make("fieldset", "control-group");
    group.dataset.aor = aor.name;
    group.append(make("legend", undefined, `AOR ${aor.name}`));
    const max = make("label", "control");
    max.append(make("span", "control-name", "max_contacts"));
    const input = make("input");
    input.type = "number";
    input.min = "0";
    input.max = "100";
    input.value = String(aor.max_contacts);
    input.id = `control-${aor.name}-max_contacts`;
    input.setAttribute("aria-label", `max_contacts of AOR ${aor.name}`);
    input.addEventListener("change", () => {
      const n = Math.max(0, Math.min(100000, Math.floor(Number(input.value))));
      if (Number.isFinite(n)) edit({ kind: "option", name: aor.name, section: "aor", option: "max_contacts", value: String(n) });
    });
    max.append(input);
    group.append(max);
    for (const option of ["remove_existing", "remove_unavailable"] as const) {
      group.append(
        checkbox(option, aor[option], `control-${aor.name}-${option}`, (v) =>
          edit({ kind: "option", name: aor.name, section: "aor", option, value: v ? "yes" : "no" }),
        ),
      );
    }
    root.append(group);
  }
  for (const endpoint of c.endpoints) {
    const group = make("fieldset", "control-group");
    group.dataset.endpoint = endpoint.name;
    group.append(make("legend", undefined, `endpoint ${endpoint.name}`));
    group.append(
      checkbox("rewrite_contact", endpoint.rewrite_contact, `control-${endpoint.name}-rewrite_contact`, (v) =>
        edit({ kind: "option", name: endpoint.name, section: "endpoint", option: "rewrite_contact", value: v ? "yes" : "no" }),
      ),
    );
    root.append(group);
  }
  if (focused) document.getElementById(focused)?.focus();
}
