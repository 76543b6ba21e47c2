// The event log: Asterisk's own log lines and, under each decision, the plain explanation;
// filter by device, AOR and kind; the record at the cursor is highlighted; click → cursor.

import { isRejection, rejectionCode } from "../render/events";
import { clock, el } from "../render/format";
import type { TraceRecord } from "../types";
import type { Ctx } from "./shared";
import { concernsBinding, lastAtOrBefore } from "./shared";

/** At most this many rows are drawn, around the cursor (huge runs stay fast). */
const WINDOW = 600;

export class LogPanel {
  private root: HTMLElement;
  private filters: HTMLElement;
  private list: HTMLOListElement;
  private note: HTMLElement;
  private device: HTMLSelectElement;
  private aor: HTMLSelectElement;
  private kind: HTMLSelectElement;
  private text: HTMLInputElement;
  private ctx: Ctx | null = null;
  private items: Map<number, HTMLLIElement> = new Map();
  private shown: [TraceRecord, number][] = [];
  private range: [number, number] = [0, 0];
  private current: HTMLLIElement | null = null;

  constructor(root: HTMLElement) {
    this.root = root;
    this.filters = el("div", "log-filters");
    this.filters.setAttribute("role", "group");
    this.filters.setAttribute("aria-label", "Filter the log");
    const mk = (label: string, cls: string) => {
      const l = el("label", `log-filter ${cls}`);
      l.append(el("span", undefined, label));
      const s = el("select");
      l.append(s);
      this.filters.append(l);
      s.addEventListener("change", () => this.refilter());
      return s;
    };
    this.device = mk("Device", "f-device");
    this.aor = mk("AOR", "f-aor");
    this.kind = mk("Kind", "f-kind");
    const tl = el("label", "log-filter f-text");
    tl.append(el("span", undefined, "Text"));
    this.text = el("input");
    this.text.type = "search";
    this.text.placeholder = "403, expired, …";
    this.text.addEventListener("input", () => this.refilter());
    tl.append(this.text);
    this.filters.append(tl);
    this.note = el("p", "panel-note log-note");
    this.list = el("ol", "events");
    const scroller = el("div", "log-scroll");
    scroller.append(this.list);
    root.append(this.filters, this.note, scroller);
  }

  private fill(sel: HTMLSelectElement, all: string, values: string[]): void {
    const keep = sel.value;
    sel.replaceChildren();
    const any = el("option", undefined, all);
    any.value = "";
    sel.append(any);
    for (const v of values) {
      const o = el("option", undefined, v);
      o.value = v;
      sel.append(o);
    }
    sel.value = values.includes(keep) ? keep : "";
  }

  update(ctx: Ctx): void {
    const changedTrace = this.ctx?.trace !== ctx.trace;
    this.ctx = ctx;
    if (changedTrace) {
      const t = ctx.trace;
      const devices = [...new Set([...t.devices.map((d) => d.device), ...t.records.flatMap((r) => r.devices)])];
      const aors = [...new Set(t.records.map((r) => r.aor).filter((a): a is string => !!a))];
      const kinds = [...new Set(t.records.map((r) => r.kind))];
      this.fill(this.device, "all devices", devices);
      this.fill(this.aor, "all AORs", aors);
      this.fill(this.kind, "all kinds", kinds);
      this.refilter();
    } else {
      this.mark();
    }
  }

  /** Filter by device / AOR / kind / text, as the user asked. */
  setFilter(f: { device?: string; aor?: string; kind?: string; text?: string }): void {
    if (f.device !== undefined) this.device.value = f.device;
    if (f.aor !== undefined) this.aor.value = f.aor;
    if (f.kind !== undefined) this.kind.value = f.kind;
    if (f.text !== undefined) this.text.value = f.text;
    this.refilter();
  }

  private refilter(): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const device = this.device.value;
    const aor = this.aor.value;
    const kind = this.kind.value;
    const text = this.text.value.trim().toLowerCase();
    this.shown = [];
    ctx.trace.records.forEach((r, i) => {
      if (device && !r.devices.includes(device) && r.actor !== device) return;
      if (aor && r.aor !== aor) return;
      if (kind && r.kind !== kind) return;
      if (text && !`${r.summary}\n${r.log ?? ""}\n${r.why ?? ""}\n${r.actor}`.toLowerCase().includes(text)) return;
      this.shown.push([r, i]);
    });
    this.range = [-1, -1];
    this.draw();
  }

  private draw(): void {
    const ctx = this.ctx!;
    const total = this.shown.length;
    const at = lastAtOrBefore(this.shown, ctx.cursor, ([r]) => r.at_ms);
    let from = 0;
    let to = total;
    if (total > WINDOW) {
      from = Math.max(0, Math.min(at - WINDOW / 2, total - WINDOW));
      to = from + WINDOW;
    }
    this.range = [from, to];
    this.items.clear();
    this.list.replaceChildren();
    const all = ctx.trace.records.length;
    this.note.textContent =
      total === all ? `${all} records` : `${total} of ${all} records match`;
    if (total > WINDOW) this.note.textContent += ` (showing ${from + 1}–${to}, around the cursor)`;
    if (total === 0) {
      this.list.append(el("li", "empty", "No record matches these filters."));
    }
    for (let k = from; k < to; k++) {
      const [r, i] = this.shown[k]!;
      const li = renderRecord(r, i, (idx) => {
        ctx.setCursor(ctx.trace.records[idx]!.at_ms, "log");
        ctx.select({ type: "record", index: idx }, "log");
      });
      this.items.set(i, li);
      this.list.append(li);
    }
    this.current = null;
    this.mark();
  }

  /** Highlight the record at the cursor and the selection. */
  mark(): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const at = lastAtOrBefore(this.shown, ctx.cursor, ([r]) => r.at_ms);
    if (this.shown.length > WINDOW && (at < this.range[0] || at >= this.range[1])) {
      this.draw();
      return;
    }
    const idx = at >= 0 ? this.shown[at]![1] : -1;
    const next = this.items.get(idx) ?? null;
    if (next !== this.current) {
      this.current?.classList.remove("current");
      this.current?.removeAttribute("aria-current");
      next?.classList.add("current");
      next?.setAttribute("aria-current", "time");
      this.current = next;
      if (next && !this.root.hidden) this.scrollTo(next);
    }
    const sel = ctx.selection;
    const binding = sel?.type === "binding" ? ctx.trace.bindings[sel.index] : undefined;
    for (const [i, li] of this.items) {
      const r = ctx.trace.records[i]!;
      const on = (sel?.type === "record" && sel.index === i) || (binding !== undefined && concernsBinding(r, binding));
      li.classList.toggle("selected", on);
    }
  }

  /** Scroll the log (not the page) so the record is in view. */
  private scrollTo(li: HTMLElement): void {
    const box = li.closest<HTMLElement>(".log-scroll");
    if (!box) return;
    const top = li.offsetTop; // .log-scroll is positioned, so this is relative to it
    if (top < box.scrollTop || top + li.offsetHeight > box.scrollTop + box.clientHeight) {
      box.scrollTop = Math.max(0, top - box.clientHeight / 3);
    }
  }

  reveal(): void {
    if (this.current) this.scrollTo(this.current);
  }
}

function renderRecord(record: TraceRecord, index: number, onPick: (i: number) => void): HTMLLIElement {
  const item = el("li", `event kind-${record.kind}`);
  item.dataset.kind = record.kind;
  item.dataset.record = String(index);
  if (record.change) item.dataset.change = record.change;
  const rejected = isRejection(record);
  if (rejected) item.classList.add("rejected");

  const head = el("div", "event-head");
  const time = el("button", "at", clock(record.at_ms));
  time.type = "button";
  time.title = "Move the cursor here";
  time.setAttribute("aria-label", `${clock(record.at_ms)}: move the cursor here`);
  head.append(time);
  head.append(el("span", "actor", record.actor));
  head.append(el("span", "kind", record.change ?? record.kind));
  head.append(el("span", "summary", record.summary));
  if (rejected) head.append(el("span", "badge badge-reject", rejectionCode(record)));
  item.append(head);
  if (record.log) item.append(el("code", "log", record.log));
  if (record.why) item.append(el("p", "why", record.why));
  if (record.sip) {
    const details = el("details", "sip");
    details.append(el("summary", undefined, `SIP message: ${record.sip.first_line}`));
    details.append(el("pre", "mono", record.sip.text));
    item.append(details);
  }
  item.addEventListener("click", (e) => {
    if ((e.target as Element).closest("details")) return;
    onPick(index);
  });
  return item;
}
