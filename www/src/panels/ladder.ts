// The SIP ladder around the cursor: a column per device, per NAT and for Asterisk; each message
// an arrow from sender to receiver (passing its NAT); click → the full message text.

import { clock, el } from "../format";
import type { DeviceSummary, TraceRecord } from "../types";
import type { Ctx } from "./shared";
import { isMessage, natOf } from "./shared";

const BEFORE = 7;
const AFTER = 7;

interface Column {
  name: string;
  kind: "device" | "nat" | "asterisk";
}

/** Past this many phones, only those in the messages shown get a column. */
const ALL_COLUMNS_UP_TO = 8;

function columns(ctx: Ctx, messages: TraceRecord[]): { cols: Column[]; nat: Map<string, string> } {
  const nat = natOf(ctx.run);
  const devices: string[] = [];
  const natNames = new Set(nat.values());
  const add = (d: string) => {
    if (d !== "asterisk" && !devices.includes(d) && !natNames.has(d)) devices.push(d);
  };
  const phones: DeviceSummary[] = ctx.run.devices.length <= ALL_COLUMNS_UP_TO ? ctx.run.devices : [];
  for (const d of phones) add(d.device);
  for (const m of messages) if (!m.sip) add(m.devices[0] ?? "asterisk");
  for (const m of messages) {
    if (m.sip) {
      add(m.sip.from);
      add(m.sip.to);
    }
  }
  const cols: Column[] = [];
  // Devices behind a NAT first, then their NAT, then the rest, then Asterisk.
  const nats = [...new Set(devices.map((d) => nat.get(d)).filter((n): n is string => !!n))];
  for (const n of nats) {
    for (const d of devices) if (nat.get(d) === n) cols.push({ name: d, kind: "device" });
    cols.push({ name: n, kind: "nat" });
  }
  for (const d of devices) if (!nat.has(d)) cols.push({ name: d, kind: "device" });
  cols.push({ name: "asterisk", kind: "asterisk" });
  return { cols, nat };
}

function ends(r: TraceRecord): [string, string] {
  if (r.sip) return [r.sip.from, r.sip.to];
  return ["asterisk", r.devices[0] ?? "asterisk"];
}

function label(r: TraceRecord): string {
  if (r.sip) {
    // A response: its status line after "SIP/2.0 " (code and reason phrase).
    if (r.sip.code !== null) return r.sip.first_line.slice("SIP/2.0 ".length);
    const method = r.sip.method;
    if (method === "OPTIONS") return "OPTIONS (qualify)";
    // The request's own Expires header, a typed field of the message record.
    const exp = r.sip.expires;
    return exp !== null ? `${method} (Expires ${exp})` : method;
  }
  return "OPTIONS (qualify)";
}

export class Ladder {
  private root: HTMLElement;
  private shownText: number | null = null;
  private asked = 0;

  constructor(root: HTMLElement) {
    this.root = root;
  }

  /** Asks for the messages around the cursor (and the one to show) and draws them. */
  async render(ctx: Ctx): Promise<void> {
    const ask = ++this.asked;
    const around = BEFORE + AFTER;
    try {
      const w = await ctx.source.records({ filter: { messages: true }, around_ms: ctx.cursor, before: around, after: around });
      const selected = ctx.selection?.type === "record" ? ctx.selection.index : null;
      const show = this.shownText ?? selected;
      const pick = show === null ? null : (w.items.find((i) => i.index === show)?.record ?? (await ctx.source.record(show)));
      if (ask !== this.asked) return;
      // The same window as ever: BEFORE messages before the first one after the cursor.
      const k = w.at + 1;
      const from = Math.max(0, Math.min(k - BEFORE, w.matched - around));
      const to = Math.min(w.matched, from + around);
      const shown = w.items.slice(from - w.first, to - w.first).map(({ record, index }) => [record, index] as [TraceRecord, number]);
      this.draw(ctx, shown, { from, to, k, all: w.matched }, pick && (show === this.shownText || isMessage(pick)) ? [show!, pick] : null);
    } catch {
      // The run was replaced meanwhile: the next render asks the new one.
    }
  }

  private draw(
    ctx: Ctx,
    shown: [TraceRecord, number][],
    at: { from: number; to: number; k: number; all: number },
    text: [number, TraceRecord] | null,
  ): void {
    const root = this.root;
    const focused = (document.activeElement as HTMLElement | null)?.closest?.<HTMLElement>(".msg")?.dataset.record;
    const hadFocus = root.contains(document.activeElement);
    root.replaceChildren();
    if (at.all === 0) {
      root.append(el("p", "empty", "No messages in this run."));
      return;
    }
    const { from, to, k } = at;
    const { cols, nat } = columns(ctx, shown.map(([r]) => r));
    root.append(
      el(
        "p",
        "panel-note",
        `Messages ${from + 1}–${to} of ${at.all}, around ${clock(ctx.cursor)} (${clock(shown[0]![0].at_ms)} – ${clock(shown[shown.length - 1]![0].at_ms)}).`,
      ),
    );

    const ladder = el("div", "ladder");
    ladder.style.setProperty("--cols", String(cols.length));
    const head = el("div", "ladder-head");
    head.append(el("span", "ladder-time-head", "time"));
    const lanes = el("div", "ladder-lanes");
    cols.forEach((c) => lanes.append(el("span", `ladder-col col-${c.kind}`, c.kind === "asterisk" ? "Asterisk" : c.kind === "nat" ? `NAT ${c.name}` : c.name)));
    head.append(lanes);
    ladder.append(head);

    const body = el("ol", "ladder-body");
    const pos = (name: string) => {
      const i = cols.findIndex((c) => c.name === name);
      return ((i < 0 ? cols.length - 1 : i) + 0.5) / cols.length;
    };
    const selected = ctx.selection?.type === "record" ? ctx.selection.index : null;
    let cursorPlaced = false;
    shown.forEach(([r, idx], j) => {
      if (!cursorPlaced && from + j === k) {
        body.append(this.nowLine(ctx.cursor));
        cursorPlaced = true;
      }
      const li = el("li", "msg-row");
      const b = el("button", "msg");
      b.type = "button";
      b.dataset.record = String(idx);
      if (r.sip) {
        const code = r.sip.code;
        if (code !== null) b.classList.add(`resp-${Math.floor(code / 100)}xx`);
        else b.classList.add("req", ...(r.sip.method === "OPTIONS" ? ["qualify"] : []));
      } else b.classList.add("req", "qualify");
      if (selected === idx) b.classList.add("selected");
      if (this.shownText === idx) b.setAttribute("aria-pressed", "true");
      const [src, dst] = ends(r);
      const a = pos(src);
      const z = pos(dst);
      b.append(el("span", "msg-time", clock(r.at_ms)));
      const track = el("span", "msg-track");
      const arrow = el("span", `msg-arrow ${z >= a ? "right" : "left"}`);
      arrow.style.left = `${Math.min(a, z) * 100}%`;
      arrow.style.width = `${Math.abs(z - a) * 100}%`;
      arrow.append(el("span", "msg-label", label(r)));
      track.append(arrow);
      // The NAT the message passes through.
      const device = src === "asterisk" ? dst : src;
      const via = nat.get(device);
      if (via) {
        const dot = el("span", "msg-via");
        dot.style.left = `${pos(via) * 100}%`;
        dot.title = `through NAT ${via}`;
        track.append(dot);
      }
      b.append(track);
      b.setAttribute("aria-label", `${clock(r.at_ms)} ${src} to ${dst}: ${label(r)}. Show the message.`);
      b.title = r.summary;
      b.addEventListener("click", () => {
        this.shownText = idx;
        ctx.select({ type: "record", index: idx }, "ladder");
      });
      li.append(b);
      body.append(li);
    });
    if (!cursorPlaced) body.append(this.nowLine(ctx.cursor));
    ladder.append(body);
    root.append(ladder);

    // The message text.
    const pane = el("div", "sip-pane");
    pane.setAttribute("aria-live", "polite");
    if (text) {
      const r = text[1];
      const h = el("div", "sip-pane-head");
      h.append(el("strong", undefined, `${clock(r.at_ms)} · ${ends(r).join(" → ")}`));
      const close = el("button", "tl-btn sip-close", "Close");
      close.type = "button";
      close.addEventListener("click", () => {
        this.shownText = null;
        ctx.select(null, "ladder");
      });
      h.append(close);
      pane.append(h);
      pane.append(el("pre", "sip-text mono", r.sip ? r.sip.text : `${r.summary}\n(a qualify OPTIONS ping; its text is not recorded)`));
    } else {
      pane.append(el("p", "empty", "Click a message to see its full text."));
    }
    root.append(pane);
    if (hadFocus && focused !== undefined) {
      root.querySelector<HTMLElement>(`.msg[data-record="${focused}"]`)?.focus({ preventScroll: true });
    }
  }

  private nowLine(ms: number): HTMLLIElement {
    const li = el("li", "ladder-now");
    li.append(el("span", undefined, `cursor ${clock(ms)}`));
    li.setAttribute("aria-label", `cursor at ${clock(ms)}`);
    return li;
  }
}
