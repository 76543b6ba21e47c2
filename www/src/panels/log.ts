// The event log: Asterisk's own log lines and, under each decision, the plain explanation;
// filter by device, AOR and kind; the record at the cursor is highlighted; click → cursor.

import { isRejection, rejectionCode } from "./records";
import { clock, el } from "../format";
import type { RecordFilter, RecordKind, RecordWindow, TraceRecord } from "../types";
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
  private items: Map<number, [HTMLLIElement, TraceRecord]> = new Map();
  private shown: RecordWindow | null = null;
  private asked = 0;
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
    const changedRun = this.ctx?.run !== ctx.run;
    this.ctx = ctx;
    if (changedRun) {
      const run = ctx.run;
      this.fill(this.device, "all devices", run.device_names);
      this.fill(this.aor, "all AORs", run.aors);
      this.fill(this.kind, "all kinds", run.kinds);
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

  /** Asks for the matching records around the cursor (the worker filters) and draws them. */
  private refilter(): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const filter: RecordFilter = {
      device: this.device.value,
      aor: this.aor.value,
      text: this.text.value.trim(),
      ...(this.kind.value ? { kind: this.kind.value as RecordKind } : {}),
    };
    const ask = ++this.asked;
    ctx.source.records({ filter, around_ms: ctx.cursor, before: WINDOW / 2, after: WINDOW / 2 }).then(
      (w) => {
        if (ask !== this.asked || ctx !== this.ctx) return;
        this.shown = w;
        this.draw();
      },
      () => {},
    );
  }

  private draw(): void {
    const ctx = this.ctx!;
    const w = this.shown!;
    this.items.clear();
    this.list.replaceChildren();
    const from = w.first;
    const to = w.first + w.items.length;
    this.note.textContent = w.matched === w.total ? `${w.total} records` : `${w.matched} of ${w.total} records match`;
    if (w.matched > w.items.length) this.note.textContent += ` (showing ${from + 1}–${to}, around the cursor)`;
    // At site size the engine counts routine exchanges instead of writing each (docs/world.md).
    const { routine_qualify: q, routine_refresh: r } = ctx.run;
    if (q + r > 0) {
      const parts = [q ? `${q.toLocaleString("en")} qualify OPTIONS answered as before` : "", r ? `${r.toLocaleString("en")} routine refreshes` : ""];
      this.note.textContent += ` · not listed: ${parts.filter(Boolean).join(" and ")} (counted, as on every site over 50 phones; the first of each per phone and every one that differs are listed)`;
    }
    if (w.matched === 0) {
      this.list.append(el("li", "empty", "No record matches these filters."));
    }
    for (const { record, index } of w.items) {
      const li = renderRecord(record, index, () => {
        ctx.setCursor(record.at_ms, "log");
        ctx.select({ type: "record", index }, "log");
      });
      this.items.set(index, [li, record]);
      this.list.append(li);
    }
    this.current = null;
    this.mark();
  }

  /** Highlight the record at the cursor and the selection (asking for more when the cursor
   * leaves the records drawn). */
  mark(): void {
    const ctx = this.ctx;
    const w = this.shown;
    if (!ctx || !w) return;
    const items = w.items;
    const at = lastAtOrBefore(items, ctx.cursor, (i) => i.record.at_ms);
    const moreBefore = w.first > 0 && at < 0;
    const moreAfter = w.first + items.length < w.matched && at === items.length - 1;
    if (moreBefore || moreAfter) {
      this.refilter();
      return;
    }
    const next = at >= 0 ? (this.items.get(items[at]!.index)?.[0] ?? null) : null;
    if (next !== this.current) {
      this.current?.classList.remove("current");
      this.current?.removeAttribute("aria-current");
      next?.classList.add("current");
      next?.setAttribute("aria-current", "time");
      this.current = next;
      if (next && !this.root.hidden) this.scrollTo(next);
    }
    const sel = ctx.selection;
    const binding = sel?.type === "binding" ? ctx.run.bindings[sel.index] : undefined;
    for (const [i, [li, r]] of this.items) {
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
