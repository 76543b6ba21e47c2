// A and B on one time axis: per phone, A's reachability lane directly above B's, one scale and
// one cursor for both. Drawn from the traces' reachability spans (no policy here).

import { clock, el } from "../format";
import { tickStep, ticks, tickLabel } from "../timeline/scale";
import type { Reach, Span, Trace } from "../types";

const SVG = "http://www.w3.org/2000/svg";
const LABEL_W = 120;
const LANE_H = 11;
const PAIR_GAP = 7;
const AXIS_H = 18;
/** Phones drawn; the rest (reachable throughout on both sides come last) fold into a line. */
const MAX_PHONES = 24;

const TROUBLE: Reach[] = ["stale", "unregistered", "gave_up"];

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

function byDevice(spans: Span[]): Map<string, Span[]> {
  const m = new Map<string, Span[]>();
  for (const s of spans) {
    const list = m.get(s.device) ?? [];
    list.push(s);
    m.set(s.device, list);
  }
  return m;
}

export function stateAt(spans: Span[] | undefined, t: number): Reach | null {
  if (!spans) return null;
  for (const s of spans) if (s.from_ms <= t && t < s.to_ms) return s.state;
  return spans.length ? spans[spans.length - 1]!.state : null;
}

export const STATE_LABEL: Record<Reach, string> = {
  reachable: "reachable",
  stale: "unreachable (stale binding)",
  unregistered: "not registered",
  gave_up: "gave up",
  registering: "registering",
  idle: "idle",
  offline: "offline",
};

export class PairedLanes {
  readonly root: HTMLElement;
  private plot: SVGSVGElement;
  private readout: HTMLElement;
  private atCursor: HTMLElement;
  private a: Map<string, Span[]> = new Map();
  private b: Map<string, Span[]> = new Map();
  private devices: string[] = [];
  private end = 1;
  private cursor = 0;
  private width = 800;
  private cursorLine: SVGLineElement | null = null;

  constructor(root: HTMLElement) {
    this.root = root;
    root.classList.add("cmp-lanes");
    this.readout = el("output", "cmp-readout");
    this.plot = svg("svg", { class: "cmp-svg", role: "slider", tabindex: 0, "aria-label": "Cursor on both timelines" });
    this.atCursor = el("ul", "cmp-at-cursor");
    this.atCursor.setAttribute("aria-live", "polite");
    const legend = el("p", "cmp-legend");
    for (const [cls, label] of [
      ["reachable", "reachable"],
      ["stale", "registered but unreachable (stale binding)"],
      ["unregistered", "not registered / gave up"],
      ["idle", "not trying / offline"],
    ]) {
      const key = el("span", `cmp-key reach-${cls}`);
      key.setAttribute("aria-hidden", "true");
      legend.append(key, el("span", undefined, label));
    }
    root.append(this.readout, this.plot, legend, this.atCursor);
    const move = (e: PointerEvent) => this.setCursor(this.t(e.offsetX));
    this.plot.addEventListener("pointerdown", (e) => {
      this.plot.setPointerCapture(e.pointerId);
      move(e);
      this.plot.focus();
    });
    this.plot.addEventListener("pointermove", (e) => {
      if (e.buttons & 1) move(e);
    });
    this.plot.addEventListener("keydown", (e) => {
      const step = e.shiftKey ? 1000 : this.end / 100;
      const to: Record<string, number> = {
        ArrowRight: this.cursor + step,
        ArrowLeft: this.cursor - step,
        Home: 0,
        End: this.end,
      };
      if (!(e.key in to)) return;
      e.preventDefault();
      this.setCursor(to[e.key]!);
    });
    if (typeof ResizeObserver !== "undefined") {
      new ResizeObserver(() => {
        const w = Math.floor(root.clientWidth);
        if (w > 0 && w !== this.width) this.draw();
      }).observe(root);
    }
  }

  show(a: Trace, b: Trace): void {
    this.a = byDevice(a.reachability);
    this.b = byDevice(b.reachability);
    this.end = Math.max(1, a.end_ms, b.end_ms);
    const trouble = (d: string) =>
      [this.a.get(d), this.b.get(d)].some((list) => list?.some((s) => TROUBLE.includes(s.state)));
    const names = [...new Set([...a.devices.map((d) => d.device), ...b.devices.map((d) => d.device)])];
    // Phones with trouble on either side first (A's worst-first order), the rest after.
    this.devices = [...names.filter(trouble), ...names.filter((d) => !trouble(d))];
    this.cursor = Math.min(this.cursor, this.end);
    this.draw();
  }

  setCursor(ms: number): void {
    this.cursor = Math.max(0, Math.min(this.end, Math.round(Number.isFinite(ms) ? ms : 0)));
    this.root.dataset.cursor = String(this.cursor);
    this.placeCursor();
  }

  private x(ms: number): number {
    return LABEL_W + (ms / this.end) * (this.width - LABEL_W - 10);
  }

  private t(x: number): number {
    return ((x - LABEL_W) / (this.width - LABEL_W - 10)) * this.end;
  }

  private draw(): void {
    this.width = Math.max(320, Math.floor(this.root.clientWidth || 800));
    const shown = this.devices.slice(0, MAX_PHONES);
    const height = AXIS_H + shown.length * (2 * LANE_H + PAIR_GAP) + 4;
    const s = this.plot;
    s.replaceChildren();
    s.setAttribute("width", String(this.width));
    s.setAttribute("height", String(height));
    s.setAttribute("aria-valuemin", "0");
    s.setAttribute("aria-valuemax", String(this.end));
    const step = tickStep(0, this.end, Math.floor((this.width - LABEL_W) / 70));
    for (const t of ticks(0, this.end, Math.floor((this.width - LABEL_W) / 70))) {
      const x = this.x(t);
      s.append(svg("line", { x1: x, x2: x, y1: AXIS_H - 4, y2: height, class: "cmp-grid" }));
      // The last label would be cut at the right edge: anchor it there.
      const anchor = x > this.width - 30 ? "end" : "middle";
      const label = svg("text", { x, y: AXIS_H - 6, class: "cmp-tick", "text-anchor": anchor });
      label.textContent = tickLabel(t, step);
      s.append(label);
    }
    shown.forEach((device, i) => {
      const y = AXIS_H + i * (2 * LANE_H + PAIR_GAP);
      const name = svg("text", { x: 4, y: y + LANE_H + 3, class: "cmp-name" });
      name.textContent = device;
      s.append(name);
      for (const [side, spans, dy] of [["A", this.a.get(device), 0], ["B", this.b.get(device), LANE_H]] as const) {
        const tag = svg("text", { x: LABEL_W - 14, y: y + dy + LANE_H - 2, class: "cmp-lane-tag" });
        tag.textContent = side;
        s.append(tag);
        const lane = svg("g", { "data-device": device, "data-side": side });
        for (const sp of spans ?? []) {
          const x1 = this.x(sp.from_ms);
          const w = Math.max(0.5, this.x(sp.to_ms) - x1);
          const r = svg("rect", { x: x1, y: y + dy, width: w, height: LANE_H - 1, class: `cmp-span reach-${sp.state}` });
          const tip = svg("title");
          tip.textContent = `${side} ${device}: ${STATE_LABEL[sp.state]} ${clock(sp.from_ms)}–${clock(sp.to_ms)}`;
          r.append(tip);
          lane.append(r);
        }
        s.append(lane);
      }
    });
    this.cursorLine = svg("line", { y1: AXIS_H - 4, y2: height, class: "cmp-cursor" });
    s.append(this.cursorLine);
    this.root.dataset.phones = String(this.devices.length);
    if (this.devices.length > shown.length) {
      this.root.dataset.folded = String(this.devices.length - shown.length);
    }
    this.placeCursor();
  }

  private placeCursor(): void {
    const x = this.x(this.cursor);
    this.cursorLine?.setAttribute("x1", String(x));
    this.cursorLine?.setAttribute("x2", String(x));
    this.plot.setAttribute("aria-valuenow", String(this.cursor));
    this.plot.setAttribute("aria-valuetext", clock(this.cursor));
    this.readout.textContent = `Cursor ${clock(this.cursor)} of ${clock(this.end)} — A above B for each phone${
      this.devices.length > MAX_PHONES ? ` (${MAX_PHONES} of ${this.devices.length} phones shown, troubled first)` : ""
    }`;
    // Where the two sides differ at the cursor, in words.
    this.atCursor.replaceChildren();
    for (const d of this.devices) {
      const sa = stateAt(this.a.get(d), this.cursor);
      const sb = stateAt(this.b.get(d), this.cursor);
      if (sa === sb || sa === null || sb === null) continue;
      const li = el("li", undefined, `At ${clock(this.cursor)} ${d}: A ${STATE_LABEL[sa]}, B ${STATE_LABEL[sb]}`);
      li.dataset.device = d;
      this.atCursor.append(li);
      if (this.atCursor.childElementCount >= 6) break;
    }
  }
}
