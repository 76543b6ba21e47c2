// What if, grounded in the captured traffic: quick controls for the imported pjsip.conf (the
// settings that decide registrations, for the AORs and endpoints the capture shows), a release,
// and free `--set` lines. Each change becomes a `TYPE.SECTION.OPTION=VALUE` line (the syntax
// and edit logic of `aorlab run --set`); the import replays the captured REGISTERs with them and
// the result lists the REGISTERs answered differently and each phone's registered time.

import type { Answer, Report, Setting, WhatIf } from "./types";

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function where(s: Setting<unknown>): string {
  if (s.source.from === "section") return `pjsip.conf line ${s.source.line}`;
  if (s.source.from === "template") return `template [${s.source.name}], line ${s.source.line}`;
  return "Asterisk's default";
}

/** The what-if's changes: control key (`aor.alice.max_contacts`) → value, plus free lines. */
export class Changes {
  readonly values = new Map<string, string>();
  release = "";
  free = "";

  /** The `--set` lines, in a stable order. */
  sets(): string[] {
    const out = [...this.values.entries()].sort().map(([k, v]) => `${k}=${v}`);
    if (this.release.trim()) out.push(`asterisk=${this.release.trim()}`);
    for (const l of this.free.split(/\s+/)) if (l) out.push(l);
    return out;
  }

  clear(): void {
    this.values.clear();
    this.release = "";
    this.free = "";
  }
}

/** The controls for the AORs and endpoints the capture shows (others cannot change its answers). */
export function whatIfControls(r: Report, changes: Changes, changed: () => void): HTMLElement {
  const box = el("section", { class: "import-whatif-controls", "aria-label": "What if: change the site's settings" });
  box.append(el("h3", {}, "What if — change the site's settings and replay the captured REGISTERs"));
  const c = r.controls;
  if (!c) return box;
  const aors = new Set(r.story.devices.map((d) => d.aor));
  const set = (key: string, value: string, base: string) => {
    if (value === base) changes.values.delete(key);
    else changes.values.set(key, value);
    changed();
  };
  const grid = el("div", { class: "import-whatif-grid" });
  // Each control's way back to the site's value (for "Back to the site's settings").
  const resets: (() => void)[] = [];
  for (const a of c.aors.filter((x) => aors.has(x.name))) {
    const row = el("div", { class: "import-whatif-row", "data-aor": a.name });
    row.append(el("span", { class: "import-whatif-name" }, `AOR ${a.name}`));
    const maxKey = `aor.${a.name}.max_contacts`;
    const max = el("input", { type: "number", min: "0", max: "1000", value: changes.values.get(maxKey) ?? String(a.max_contacts.value), "aria-label": `max_contacts of AOR ${a.name}`, "data-option": "max_contacts" });
    max.title = `site: ${a.max_contacts.value} (${where(a.max_contacts)})`;
    resets.push(() => (max.value = String(a.max_contacts.value)));
    max.addEventListener("input", () => {
      if (/^\d+$/.test(max.value)) set(maxKey, max.value, String(a.max_contacts.value));
    });
    const lab = el("label", {}, "max_contacts ");
    lab.append(max);
    row.append(lab);
    for (const [opt, s] of [["remove_existing", a.remove_existing], ["remove_unavailable", a.remove_unavailable]] as const) {
      const key = `aor.${a.name}.${opt}`;
      const box = el("input", { type: "checkbox", "data-option": opt, "aria-label": `${opt} of AOR ${a.name}` });
      box.checked = (changes.values.get(key) ?? (s.value ? "yes" : "no")) === "yes";
      box.title = `site: ${s.value ? "yes" : "no"} (${where(s)})`;
      resets.push(() => (box.checked = s.value));
      box.addEventListener("change", () => set(key, box.checked ? "yes" : "no", s.value ? "yes" : "no"));
      const l = el("label");
      l.append(box, document.createTextNode(` ${opt}`));
      row.append(l);
    }
    const ep = c.endpoints.find((e) => e.name === a.name);
    if (ep) {
      const key = `endpoint.${ep.name}.rewrite_contact`;
      const box = el("input", { type: "checkbox", "data-option": "rewrite_contact", "aria-label": `rewrite_contact of endpoint ${ep.name}` });
      box.checked = (changes.values.get(key) ?? (ep.rewrite_contact.value ? "yes" : "no")) === "yes";
      box.title = `site: ${ep.rewrite_contact.value ? "yes" : "no"} (${where(ep.rewrite_contact)})`;
      resets.push(() => (box.checked = ep.rewrite_contact.value));
      box.addEventListener("change", () => set(key, box.checked ? "yes" : "no", ep.rewrite_contact.value ? "yes" : "no"));
      const l = el("label");
      l.append(box, document.createTextNode(" rewrite_contact (endpoint)"));
      row.append(l);
    }
    grid.append(row);
  }
  box.append(grid);
  const more = el("div", { class: "import-whatif-more" });
  const rel = el("input", { type: "text", id: "import-whatif-release", size: "8", placeholder: "as above", value: changes.release, "aria-label": "What-if Asterisk release" });
  rel.addEventListener("input", () => {
    changes.release = rel.value;
    changed();
  });
  const relLabel = el("label", {}, "release ");
  relLabel.append(rel);
  const free = el("input", { type: "text", id: "import-whatif-set", size: "44", placeholder: "more: global.contact_expiration_check_interval=10", value: changes.free, "aria-label": "More changes, TYPE.SECTION.OPTION=VALUE" });
  const takeFree = () => {
    if (changes.free === free.value) return;
    changes.free = free.value;
    changed();
  };
  free.addEventListener("change", takeFree);
  free.addEventListener("keydown", (e) => {
    if (e.key === "Enter") takeFree();
  });
  const freeLabel = el("label", {}, "--set ");
  freeLabel.append(free);
  const reset = el("button", { type: "button", id: "import-whatif-reset" }, "Back to the site's settings");
  reset.addEventListener("click", () => {
    changes.clear();
    for (const r of resets) r();
    rel.value = "";
    free.value = "";
    changed();
  });
  more.append(relLabel, freeLabel, reset);
  box.append(more);
  return box;
}

function answer(a: Answer | null): string {
  if (!a) return "no answer";
  const c = a.contacts.map(([u, e]) => `${u}${e === null ? "" : ` (${e}s)`}`);
  return `${a.status} ${a.reason}${c.length ? ` — ${c.join(", ")}` : ""}`;
}

function seconds(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(0)} s` : `${(ms / 1000).toFixed(3)} s`;
}

/** The what-if's result: REGISTERs answered differently, registered time, what it cannot know. */
export function whatIfResult(w: WhatIf): HTMLElement {
  const box = el("section", { class: "import-whatif", "aria-label": "What-if result" });
  const head = el("p", { class: "import-whatif-verdict", "data-changed": String(w.changed.length) }, `What if ${w.sets.join(" ")} (Asterisk ${w.release}): ${w.changed.length} of ${w.compared} captured REGISTERs would be answered differently`);
  head.dataset.state = w.changed.length ? "bad" : "ok";
  box.append(head);
  if (w.changed.length) {
    const t = el("table", { class: "import-whatif-changed" });
    t.append(el("caption", {}, "Answered differently (UTC)"));
    const h = el("tr");
    for (const c of ["time", "device", "Asterisk answered", "what if", "why (the model's log, in Asterisk's words)"]) h.append(el("th", { scope: "col" }, c));
    t.append(h);
    for (const c of w.changed) {
      const tr = el("tr", { "data-differs": "true" });
      const why = el("td");
      for (const l of c.why) why.append(el("div", {}, l));
      if (c.baseline_differs) why.append(el("div", { class: "import-hint" }, "The model already answers this one differently with the site's pjsip.conf: not (only) the change."));
      tr.append(el("td", {}, c.clock), el("td", {}, c.device), el("td", {}, answer(c.captured)), el("td", { class: "import-whatif-answer" }, answer(c.whatif)), why);
      t.append(tr);
    }
    box.append(t);
  }
  const t = el("table", { class: "import-whatif-devices" });
  t.append(el("caption", {}, `Registered during the capture (${seconds(w.span_ms)})`));
  const h = el("tr");
  for (const c of ["device", "captured", "what if", ""]) h.append(el("th", { scope: "col" }, c));
  t.append(h);
  for (const d of w.devices) {
    const tr = el("tr", { "data-device": d.device });
    const diff = d.whatif_ms - d.captured_ms;
    const word = diff > 0 ? "longer" : diff < 0 ? "shorter" : "same";
    const cell = el("td", { class: "import-whatif-delta", "data-delta": word }, word === "same" ? "" : `${word} by ${seconds(Math.abs(diff))}`);
    tr.append(el("td", {}, d.device), el("td", {}, seconds(d.captured_ms)), el("td", {}, seconds(d.whatif_ms)), cell);
    t.append(tr);
  }
  box.append(t);
  const know = el("ul", { class: "import-whatif-limits" });
  for (const c of w.cannot_know) know.append(el("li", {}, c));
  box.append(el("h4", {}, "What the replay cannot know"), know);
  return box;
}
