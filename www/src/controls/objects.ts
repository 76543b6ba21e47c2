// The per-object quick controls (AOR max_contacts / remove_existing / remove_unavailable,
// endpoint rewrite_contact). Each says where its value comes from — the section's own line, a
// template, or Asterisk's default — and, for a section that uses templates, lets the person
// choose where an edit goes: an override in that section only, or the template (saying how
// many sections that changes). All of it is typed data from crates/sim/src/edit.

import type { Setting, Source, TemplateRef } from "../wasm";

export interface OptionEdit {
  kind: "option";
  name: string;
  section: "aor" | "endpoint";
  option: string;
  value: string;
  /** Undefined: override in the object's own section; else the template to change. */
  template?: string;
  /** Where the value came from before the edit (for saying what the edit did). */
  source: Source;
}

/** What one set of controls remembers across re-renders. The page's controls and Compare's
 * B have one each, so their ids, searches, open groups and edit targets never mix. */
export class ControlsState {
  /** The JSON of the controls last drawn (nothing changed: nothing to draw). */
  lastKey = "";
  /** What the person typed in the search box. */
  query = "";
  /** Template groups the person opened. */
  readonly openGroups = new Set<string>();
  /** Where edits of each object go: object key → template or "". */
  readonly targets = new Map<string, string>();
  /** `idPrefix` starts every element id ("" for the page's, "cmp-" for B's);
   * `versionLabel` names the release menu. */
  constructor(
    readonly idPrefix: string,
    readonly versionLabel: string,
  ) {}
}

function make<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** "from template aor-tpl · line 4" and friends. */
export function sourceText(source: Source): string {
  switch (source.from) {
    case "section":
      return `set here · line ${source.line}`;
    case "template":
      return `from template ${source.name} · line ${source.line}`;
    default:
      return "default";
  }
}

function sections(n: number): string {
  return `${n} section${n === 1 ? "" : "s"}`;
}

export interface ObjectSpec {
  section: "aor" | "endpoint";
  name: string;
  templates: TemplateRef[];
  /** `max`: the largest value the number input offers (seconds for the expiry options). */
  settings: { option: string; setting: Setting<number> | Setting<boolean>; max?: number }[];
}

/** One fieldset for an AOR or endpoint. */
export function renderObject(spec: ObjectSpec, edit: (e: OptionEdit) => void, state: ControlsState): HTMLElement {
  const key = `${spec.section}:${spec.name}`;
  const targets = state.targets;
  const target = () => {
    const t = targets.get(key);
    return t && spec.templates.some((x) => x.name === t) ? t : undefined;
  };
  const group = make("fieldset", "control-group");
  group.dataset[spec.section] = spec.name;
  group.append(make("legend", undefined, `${spec.section === "aor" ? "AOR" : "endpoint"} ${spec.name}`));
  for (const { option, setting, max } of spec.settings) {
    const id = `${state.idPrefix}control-${spec.name}-${option}`;
    const send = (value: string) =>
      edit({ kind: "option", name: spec.name, section: spec.section, option, value, template: target(), source: setting.source });
    const item = make("div", "control-item");
    const label = make("label", typeof setting.value === "number" ? "control" : "control check");
    const input = make("input");
    input.id = id;
    if (typeof setting.value === "number") {
      input.type = "number";
      input.min = "0";
      input.max = String(max ?? 100);
      input.value = String(setting.value);
      input.setAttribute("aria-label", `${option} of ${spec.section === "aor" ? "AOR" : "endpoint"} ${spec.name}`);
      input.addEventListener("change", () => {
        const n = Math.floor(Number(input.value));
        if (Number.isFinite(n)) send(String(Math.max(0, Math.min(100000, n))));
      });
      label.append(make("span", "control-name", option), input);
    } else {
      input.type = "checkbox";
      input.checked = setting.value;
      input.addEventListener("change", () => send(input.checked ? "yes" : "no"));
      label.append(input, document.createTextNode(` ${option}`));
    }
    const from = make("small", "control-source", sourceText(setting.source));
    from.id = `${id}-source`;
    from.dataset.from = setting.source.from;
    input.setAttribute("aria-describedby", from.id);
    item.append(label, from);
    group.append(item);
  }
  if (spec.templates.length) group.append(targetChooser(spec, key, state));
  return group;
}

/** "Change in: ( ) [101] only  ( ) template aor-tpl — 3 sections". */
function targetChooser(spec: ObjectSpec, key: string, state: ControlsState): HTMLElement {
  const targets = state.targets;
  const box = make("div", "control-target");
  box.setAttribute("role", "radiogroup");
  box.setAttribute("aria-label", `Where edits of ${spec.name} go`);
  box.append(make("span", "control-target-label", "Change in:"));
  const current = targets.get(key) ?? "";
  const choices: [string, string, string][] = [
    ["", `[${spec.name}] only`, `an override in [${spec.name}]'s own section`],
    ...spec.templates.map(
      (t): [string, string, string] => [
        t.name,
        `template ${t.name} — ${sections(t.user_count)}`,
        `changes [${t.name}] (line ${t.line}), used by ${t.users.map((u) => `[${u}]`).join(", ")}${t.user_count > t.users.length ? ` and ${t.user_count - t.users.length} more` : ""}`,
      ],
    ),
  ];
  for (const [value, text, title] of choices) {
    const label = make("label", "control check");
    label.title = title;
    const radio = make("input");
    radio.type = "radio";
    radio.name = `${state.idPrefix}target-${key}`;
    radio.value = value;
    radio.id = `${state.idPrefix}target-${spec.name}-${spec.section}-${value || "section"}`;
    radio.checked = value === current || (!spec.templates.some((t) => t.name === current) && value === "");
    radio.addEventListener("change", () => {
      if (radio.checked) targets.set(key, value);
    });
    label.append(radio, document.createTextNode(` ${text}`));
    box.append(label);
  }
  return box;
}

/** What an edit did, in words for the status line under the controls. */
export function describeEdit(e: OptionEdit, line: number, affects: string[]): string {
  const set = `${e.option} = ${e.value}`;
  if (!e.template) {
    const over = e.source.from === "template" ? `, overriding template ${e.source.name} for [${e.name}] only` : "";
    return `${set} set in [${e.name}] (line ${line})${over}.`;
  }
  const list = affects.map((a) => `[${a}]`).join(", ");
  let text = `${set} changed in template ${e.template} (line ${line}): affects ${sections(affects.length)} (${list}).`;
  if (e.source.from === "section") {
    text += ` [${e.name}] still sets its own ${e.option}, which wins; choose “[${e.name}] only” to change it.`;
  }
  return text;
}
