// The timeline: an SVG with a time axis, event markers, a lane per binding (styled by how it
// ended), a lane per device (reachable / unreachable / gave up / offline) and the binding count
// per AOR against max_contacts; a cursor to drag, play, zoom and fit. It draws the Trace and
// decides nothing.

import { clock } from "../format";
import type { Ctx } from "../panels/shared";
import { ENDINGS, REACH, ending, reach } from "../panels/shared";
import type { MarkerKey, MarkerRow, RunView } from "../types";
import { GROUP_AFTER, type GroupBy, groupsOf, indexOf, MAX_LANES, matching, troubleCounts, troubleOf } from "./groups";
import { preciseClock, tickLabel, tickStep, ticks } from "./scale";

const NS = "http://www.w3.org/2000/svg";
const SPEEDS = [1, 10, 60, 600];
let instances = 0;

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
  cls?: string,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (cls) node.setAttribute("class", cls);
  return node;
}

function html<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

interface Lane {
  label: string;
  short: string;
  title: string;
  items: number[];
}

/** Up to this many bindings get a lane each; more are packed per device. */
const LANE_PER_BINDING = 40;

/** The binding lanes of an AOR: one per binding (labelled device :port), or, for big runs, the
 * bindings of each device packed into as few lanes as do not overlap. */
function lanesOf(trace: RunView, aor: string, only?: number[]): Lane[] {
  const idx: number[] = only ?? [];
  if (!only) {
    trace.bindings.forEach((b, i) => {
      if (b.aor === aor) idx.push(i);
    });
  }
  if (trace.bindings.length <= LANE_PER_BINDING) {
    return idx.map((i) => {
      const b = trace.bindings[i]!;
      const who = b.device ?? "?";
      const port = b.port;
      return { label: port !== null ? `${who} :${port}` : who, short: who, title: `${aor} · ${b.uri}`, items: [i] };
    });
  }
  const lanes: (Lane & { ends: number })[] = [];
  const byDevice = new Map<string, number[]>();
  for (const i of idx) {
    const who = trace.bindings[i]!.device ?? "?";
    if (!byDevice.has(who)) byDevice.set(who, []);
    byDevice.get(who)!.push(i);
  }
  for (const [who, items] of byDevice) {
    const mine: (Lane & { ends: number })[] = [];
    items.sort((a, b) => trace.bindings[a]!.added_ms - trace.bindings[b]!.added_ms);
    for (const i of items) {
      const b = trace.bindings[i]!;
      let lane = mine.find((l) => l.ends <= b.added_ms);
      if (!lane) {
        const n = mine.length + 1;
        lane = { label: n === 1 ? who : `${who} (${n})`, short: who, title: `${aor} · bindings of ${who}`, items: [], ends: 0 };
        mine.push(lane);
      }
      lane.items.push(i);
      lane.ends = b.removed_ms ?? trace.end_ms;
    }
    lanes.push(...mine);
  }
  return lanes;
}

/** Up to this many AORs that never held a binding are still drawn (a flat 0 line each). */
const IDLE_AORS_DRAWN = 20;

/** About how wide a lane label is (10.5px bold sans). */
function textWidth(text: string): number {
  return text.length * 6.6;
}

type Shape = "diamond" | "square" | "triangle" | "circle" | "cross" | "ring";

/** The marker rows (which record goes on which row is decided in Rust, queries.rs), each a
 * kind of event with its own shape (colour is not the only signal). */
const MARKER_ROWS: Record<MarkerKey, { label: string; shape: Shape }> = {
  rejected: { label: "403", shape: "cross" },
  "nat-forgot": { label: "NAT forgot", shape: "diamond" },
  nat: { label: "NAT", shape: "diamond" },
  connection: { label: "Connection", shape: "square" },
  asterisk: { label: "Asterisk", shape: "triangle" },
  dial: { label: "Dial", shape: "circle" },
  qualify: { label: "Qualify", shape: "ring" },
};

/** Up to this many markers per row are drawn; more show as counts per slice of the window. */
const MAX_MARKERS = 400;
const MARKER_BUCKETS = 120;

/** What the drawing helpers of render() share. */
interface Painter {
  body: SVGGElement;
  labels: SVGGElement;
  section(title: string): void;
  rowLabel(text: string, cy: number, title?: string): void;
  width: number;
  narrow: boolean;
  y(): number;
  down(dy: number): void;
}

/** Items of each kind in the screen-reader list of the lanes. */
const SR_ITEMS = 300;

export class Timeline {
  readonly root: HTMLElement;
  private readonly id = `tl${++instances}`;
  private ctx: Ctx | null = null;
  private view: [number, number] = [0, 1];
  private fitted = true;
  private width = 800;
  private labelW = 130;
  private plot: SVGSVGElement;
  /** The cursor lives in its own layer, so moving it does not repaint the lanes. */
  private overlay: SVGSVGElement;
  private cursorGroup: SVGGElement | null = null;
  private cursorText: SVGTextElement | null = null;
  private cursorLabelBg: SVGRectElement | null = null;
  private tickLabels: SVGTextElement[] = [];

  private tooltip: HTMLElement;
  private frame: HTMLElement;
  private playBtn: HTMLButtonElement;
  private speedSel: HTMLSelectElement;
  private readout: HTMLElement;
  private srList: HTMLElement;
  private legend: HTMLElement;
  private playing = false;
  /** Set while playing at a speed other than the menu's (autoplay). */
  private speedOverride: number | null = null;
  private lastTick = 0;
  /** The marker rows for `markersFor` (asked of the run when the window changes). */
  private markers: MarkerRow[] = [];
  private markersFor = "";
  private markersAsked = "";
  /** Site size: how lanes are grouped, which groups are open, the filter. */
  private groupBy: GroupBy = "nat";
  private open = new Set<string>();
  private filter = "";
  private filterBox: HTMLElement;
  private filterInput: HTMLInputElement;
  private groupSel: HTMLSelectElement;
  private dragging = false;
  private moved = false;

  constructor(root: HTMLElement) {
    this.root = root;
    root.classList.add("timeline");

    const bar = html("div", "tl-toolbar");
    this.playBtn = html("button", "tl-btn tl-play", "▶ Play");
    this.playBtn.type = "button";
    this.playBtn.setAttribute("aria-label", "Play");
    this.playBtn.addEventListener("click", () => this.togglePlay());
    const speedLabel = html("label", "tl-speed");
    speedLabel.append(html("span", "sr-only", "Speed"));
    this.speedSel = html("select");
    for (const s of SPEEDS) {
      const o = html("option", undefined, `${s}×`);
      o.value = String(s);
      this.speedSel.append(o);
    }
    this.speedSel.value = "60";
    speedLabel.append(this.speedSel);
    const zoomIn = this.button("+", "Zoom in", () => this.zoom(0.5));
    const zoomOut = this.button("−", "Zoom out", () => this.zoom(2));
    const fit = this.button("Fit", "Fit the whole run", () => this.fit());
    const prev = this.button("←", "Previous event", () => this.jump(-1));
    const next = this.button("→", "Next event", () => this.jump(1));
    this.readout = html("output", "tl-readout");
    this.readout.setAttribute("aria-live", "off");
    const group = html("div", "tl-group");
    group.append(prev, this.playBtn, next, speedLabel);
    const panLeft = this.button("‹", "Show earlier", () => this.pan(-0.5));
    const panRight = this.button("›", "Show later", () => this.pan(0.5));
    const zoomGroup = html("div", "tl-group");
    zoomGroup.append(panLeft, zoomOut, zoomIn, fit, panRight);
    this.filterBox = html("div", "tl-group tl-find");
    const findLabel = html("label", "tl-find-label");
    findLabel.append(html("span", "sr-only", "Find a device"));
    this.filterInput = html("input");
    this.filterInput.type = "search";
    this.filterInput.placeholder = "Find a device, AOR or NAT";
    this.filterInput.addEventListener("input", () => {
      this.filter = this.filterInput.value.trim().toLowerCase();
      this.render();
    });
    findLabel.append(this.filterInput);
    const groupLabel = html("label", "tl-group-by");
    groupLabel.append(html("span", undefined, "Group by "));
    this.groupSel = html("select");
    for (const [value, text] of [["nat", "NAT"], ["aor", "AOR"]] as const) {
      const o = html("option", undefined, text);
      o.value = value;
      this.groupSel.append(o);
    }
    this.groupSel.addEventListener("change", () => {
      this.groupBy = this.groupSel.value as GroupBy;
      this.open.clear();
      this.render();
    });
    groupLabel.append(this.groupSel);
    this.filterBox.append(findLabel, groupLabel);
    this.filterBox.hidden = true;
    bar.append(group, this.readout, zoomGroup, this.filterBox);

    this.frame = html("div", "tl-frame");
    this.frame.tabIndex = 0;
    this.frame.setAttribute("role", "slider");
    this.frame.setAttribute("aria-label", "Timeline cursor");
    this.frame.setAttribute("aria-valuemin", "0");
    this.frame.setAttribute(
      "aria-describedby",
      `${this.id}-help`,
    );
    this.plot = svg("svg", {}, "tl-svg");
    this.plot.setAttribute("role", "img");
    this.tooltip = html("div", "tl-tooltip");
    this.tooltip.hidden = true;
    this.tooltip.setAttribute("role", "tooltip");
    this.overlay = svg("svg", { "aria-hidden": "true" }, "tl-overlay");
    this.frame.append(this.plot, this.overlay, this.tooltip);

    const help = html(
      "p",
      "tl-help",
      "Drag or click to move the cursor · Ctrl+wheel or pinch to zoom · ←/→ previous/next event · Shift+←/→ 1 s · Home/End · Space play · +/− zoom · PgUp/PgDn pan · 0 fit · Enter select",
    );
    help.id = `${this.id}-help`;
    this.legend = html("div", "tl-legend");
    this.srList = html("div", "sr-only");
    root.append(bar, this.frame, this.legend, help, this.srList);

    this.frame.addEventListener("keydown", (e) => this.onKey(e));
    this.plot.addEventListener("pointerdown", (e) => this.onDown(e));
    this.plot.addEventListener("pointermove", (e) => this.onMove(e));
    this.plot.addEventListener("pointerup", (e) => this.onUp(e));
    this.plot.addEventListener("pointerleave", () => (this.tooltip.hidden = true));
    this.plot.addEventListener("pointercancel", (e) => this.pinchStep(e));
    // Safari reports a trackpad pinch as gesture events rather than Ctrl+wheel.
    let gestureView: [number, number] | null = null;
    this.plot.addEventListener("gesturestart", (e) => {
      e.preventDefault();
      gestureView = [...this.view];
    });
    this.plot.addEventListener("gesturechange", (e) => {
      const scale = (e as Event & { scale?: number }).scale;
      if (!gestureView || !scale) return;
      e.preventDefault();
      this.view = gestureView;
      this.zoom(1 / scale);
    });
    this.plot.addEventListener("wheel", (e) => this.onWheel(e), { passive: false });
    if (typeof ResizeObserver !== "undefined") {
      let last = 0;
      new ResizeObserver(() => {
        const w = Math.floor(this.frame.clientWidth);
        if (w > 0 && w !== last) {
          last = w;
          this.render();
        }
      }).observe(this.frame);
    }
  }

  private button(text: string, label: string, onClick: () => void): HTMLButtonElement {
    const b = html("button", "tl-btn", text);
    b.type = "button";
    b.setAttribute("aria-label", label);
    b.title = label;
    b.addEventListener("click", onClick);
    return b;
  }

  /** A new cursor or selection without redrawing (placeCursor / follow do the rest). */
  setCtxQuiet(ctx: Ctx): void {
    this.ctx = ctx;
  }

  setCtx(ctx: Ctx): void {
    const first = this.ctx === null || this.ctx.run !== ctx.run;
    this.ctx = ctx;
    if (first) {
      const end = Math.max(1, ctx.run.end_ms);
      if (this.fitted || this.view[1] > end) this.view = [0, end];
      this.frame.setAttribute("aria-valuemax", String(ctx.run.end_ms));
      this.markersFor = "";
      this.markersAsked = "";
    }
    this.render();
  }

  // ---- geometry ----
  private x(ms: number): number {
    const [a, b] = this.view;
    const w = this.width - this.labelW - 14;
    return this.labelW + ((ms - a) / (b - a)) * w;
  }
  private t(x: number): number {
    const [a, b] = this.view;
    const w = this.width - this.labelW - 14;
    return a + ((x - this.labelW) / w) * (b - a);
  }

  // ---- drawing ----
  render(): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const trace = ctx.run;
    const width = Math.max(300, Math.floor(this.frame.clientWidth || 800));
    this.askMarkers(width);
    const big = this.isBig(trace);
    this.filterBox.hidden = !big;
    this.width = width;
    const narrow = width < 560;
    this.labelW = narrow ? 78 : 136;
    // The visible window, for tests and for anyone inspecting the page.
    this.frame.dataset.view = `${Math.round(this.view[0])}-${Math.round(this.view[1])}`;
    const s = this.plot;
    s.replaceChildren();
    s.setAttribute("width", String(width));

    const defs = svg("defs");
    defs.append(...this.patterns());
    s.append(defs);

    const clipId = `${this.id}-clip`;
    const clip = svg("clipPath", { id: clipId });
    s.append(clip);

    const body = svg("g");
    const labels = svg("g", {}, "tl-labels");
    let y = 0;
    const AXIS = 26;
    const ROW = narrow ? 20 : 20;
    const LANE = 18;
    const GAP = 5;

    // Axis.
    const axis = svg("g", {}, "tl-axis");
    const [v0, v1] = this.view;
    const wanted = Math.floor((width - this.labelW) / (narrow ? 62 : 88));
    const step = tickStep(v0, v1, wanted);
    y = AXIS;
    const gridTicks = ticks(v0, v1, wanted);
    this.tickLabels = [];
    axis.append(svg("line", { x1: this.labelW, x2: width - 14, y1: y - 0.5, y2: y - 0.5 }, "tl-axis-line"));
    for (const tk of gridTicks) {
      const x = this.x(tk);
      const anchor = x > width - 34 ? "end" : x < this.labelW + 16 ? "start" : "middle";
      const label = svg("text", { x: anchor === "end" ? Math.min(x + 4, width - 2) : anchor === "start" ? x - 3 : x, y: y - 9, "text-anchor": anchor }, "tl-tick");
      label.textContent = tickLabel(tk, step);
      label.dataset.x = String(x);
      this.tickLabels.push(label);
      axis.append(svg("line", { x1: x, x2: x, y1: y - 5, y2: y }, "tl-axis-line"), label);
    }
    y += 6;

    const section = (title: string) => {
      const t = svg("text", { x: 8, y: y + 12 }, "tl-section");
      t.textContent = title;
      labels.append(t);
      y += 18;
    };
    const rowLabel = (text: string, cy: number, title?: string) => {
      const t = svg("text", { x: this.labelW - 8, y: cy + 4, "text-anchor": "end" }, "tl-label");
      t.textContent = text;
      if (title) {
        const tt = svg("title");
        tt.textContent = title;
        t.append(tt);
      }
      labels.append(t);
    };
    const grid = svg("g", {}, "tl-grid");
    body.append(grid);

    const paint: Painter = { body, labels, section, rowLabel, width, narrow, y: () => y, down: (dy: number) => (y += dy) };
    if (big) this.drawLost(paint);

    // Event markers.
    if (this.markers.length > 0) {
      section("Events");
      for (const row of this.markers) {
        const { label, shape } = MARKER_ROWS[row.key as MarkerKey];
        const cy = y + ROW / 2;
        rowLabel(label, cy);
        body.append(svg("line", { x1: this.labelW, x2: width - 14, y1: cy, y2: cy }, "tl-rowline"));
        if (row.counts) this.drawDensity(body, row, y, ROW);
        for (const { record: r, index: i } of row.items ?? []) {
          const x = this.x(r.at_ms);
          const m = this.marker(shape, x, cy, `tl-marker m-${row.key}`);
          m.dataset.record = String(i);
          m.dataset.at = String(r.at_ms);
          m.dataset.tip = `${preciseClock(r.at_ms)} · ${r.actor} · ${r.summary}`;
          m.setAttribute("aria-label", `${clock(r.at_ms)} ${label}: ${r.summary}`);
          if (ctx.selection?.type === "record" && ctx.selection.index === i) m.classList.add("selected");
          body.append(m);
        }
        y += ROW;
      }
      y += GAP;
    }

    if (big) this.drawGroups(paint);

    // Binding lanes, grouped by AOR.
    const aors = [...new Set(trace.bindings.map((b) => b.aor))];
    if (!big && trace.bindings.length > 0) {
      // A heading per AOR, or for many AORs one heading and the AOR in each lane's label.
      const many = aors.length > 4;
      if (many) section("Bindings");
      for (const aor of aors) {
        if (!many) section(`Bindings of ${aor}`);
        for (const lane of lanesOf(trace, aor)) {
          const text = narrow ? lane.short : lane.label;
          rowLabel(many && !narrow ? `${aor} · ${text}` : text, y + LANE / 2, lane.title);
          for (const i of lane.items) body.append(this.bindingBar(i, y, LANE, lane.items.length === 1));
          y += LANE + 3;
        }
      }
      y += GAP;
    }

    // Device lanes.
    const devices = [...new Set(trace.reachability.map((s) => s.device))];
    if (!big && devices.length > 0) {
      section("Devices");
      for (const device of devices) {
        this.deviceLane(paint, device);
      }
      y += GAP;
    }

    // Binding count per AOR against max_contacts (at size: the AORs the filter found, ≤ 10).
    // Grouped in one pass (a filter per AOR was quadratic in the number of AORs).
    const found = big ? matching(trace, this.filter) : null;
    const countsByAor = new Map<string, RunView["counts"]>();
    for (const c of trace.counts) {
      const list = countsByAor.get(c.aor);
      if (list) list.push(c);
      else countsByAor.set(c.aor, [c]);
    }
    if (big) {
      const wanted = new Set(found !== null && found.size <= 10 ? [...found].map((d) => indexOf(trace).aorOf.get(d)) : []);
      for (const aor of [...countsByAor.keys()]) if (!wanted.has(aor)) countsByAor.delete(aor);
    }
    // An AOR that never held a binding is a flat line at 0: with a site's config and few phones
    // (12,500 AORs, two phones) drawing those rows took seconds per run. They are counted instead.
    const idle = [...countsByAor].filter(([, pts]) => pts.every((p) => p.bindings === 0));
    const foldIdle = idle.length > IDLE_AORS_DRAWN;
    if (foldIdle) for (const [aor] of idle) countsByAor.delete(aor);
    if (countsByAor.size > 0 || foldIdle) {
      section("Bindings vs max_contacts");
      const H = 34;
      if (foldIdle) {
        const note = svg("text", { x: 8, y: y + 10 }, "tl-sublabel");
        note.textContent = `${idle.length.toLocaleString("en")} AORs never held a binding (not drawn)`;
        labels.append(note);
        y += 16;
      }
      for (const [aor, pts] of countsByAor) {
        // Several points at one moment: the last one holds.
        const steps: { at: number; n: number; max: number }[] = [];
        for (const p of pts) {
          const last = steps[steps.length - 1];
          if (last && last.at === p.at_ms) {
            last.n = p.bindings;
            last.max = p.max_contacts;
          } else steps.push({ at: p.at_ms, n: p.bindings, max: p.max_contacts });
        }
        const top = Math.max(1, ...steps.map((p) => Math.max(p.n, p.max)));
        const yOf = (n: number) => y + H - 2 - (n / top) * (H - 8);
        rowLabel(`${aor}`, y + H / 2 - 6);
        const maxNow = steps[steps.length - 1]?.max ?? 0;
        const sub = svg("text", { x: this.labelW - 8, y: y + H / 2 + 9, "text-anchor": "end" }, "tl-sublabel");
        sub.textContent = `max ${maxNow}`;
        labels.append(sub);
        let d = "";
        let area = "";
        let maxD = "";
        steps.forEach((p, k) => {
          const xa = this.x(p.at);
          const xb = this.x(steps[k + 1]?.at ?? trace.end_ms);
          d += `${k === 0 ? "M" : "L"}${xa} ${yOf(p.n)} L${xb} ${yOf(p.n)} `;
          area += `M${xa} ${y + H - 2} L${xa} ${yOf(p.n)} L${xb} ${yOf(p.n)} L${xb} ${y + H - 2} Z `;
          maxD += `${k === 0 ? "M" : "L"}${xa} ${yOf(p.max)} L${xb} ${yOf(p.max)} `;
        });
        const g = svg("g", {}, "tl-count");
        g.dataset.aor = aor;
        g.append(svg("path", { d: area }, "tl-count-area"));
        g.append(svg("path", { d: maxD }, "tl-max-line"));
        g.append(svg("path", { d }, "tl-count-line"));
        steps.forEach((p, k) => {
          const xa = this.x(p.at);
          const xb = this.x(steps[k + 1]?.at ?? trace.end_ms);
          if (xb - xa < 3) return;
          const hit = svg("rect", { x: xa, y, width: xb - xa, height: H }, "tl-hit");
          hit.dataset.tip = `${aor}: ${p.n} binding${p.n === 1 ? "" : "s"} of max_contacts ${p.max} from ${preciseClock(p.at)}`;
          g.append(hit);
          if (xb - xa > 22 && (k === 0 || steps[k - 1]!.n !== p.n)) {
            const t = svg("text", { x: xa + 4, y: yOf(p.n) - 3 }, "tl-count-text");
            t.textContent = String(p.n);
            g.append(t);
          }
        });
        body.append(g);
        y += H + 6;
      }
    }

    y += 4;

    s.setAttribute("height", String(y));
    s.setAttribute("viewBox", `0 0 ${width} ${y}`);
    clip.append(svg("rect", { x: this.labelW - 2, y: 0, width: width - this.labelW - 10, height: y }));
    body.setAttribute("clip-path", `url(#${clipId})`);

    for (const tk of gridTicks) {
      const x = this.x(tk);
      grid.append(svg("line", { x1: x, x2: x, y1: AXIS, y2: y }, "tl-gridline"));
    }
    s.append(svg("rect", { x: 0, y: 0, width: this.labelW - 4, height: y }, "tl-label-bg"));
    s.append(axis, labels, body);

    // The cursor.
    this.cursorGroup = svg("g", {}, "tl-cursor");
    this.cursorGroup.append(svg("line", { x1: 0, x2: 0, y1: 4, y2: y }, "tl-cursor-line"));
    this.cursorLabelBg = svg("rect", { x: -24, y: 0, width: 48, height: 17, rx: 4 }, "tl-cursor-bg");
    this.cursorText = svg("text", { x: 0, y: 12.5, "text-anchor": "middle" }, "tl-cursor-text");
    this.cursorGroup.append(this.cursorLabelBg, this.cursorText);
    this.overlay.replaceChildren(this.cursorGroup);
    this.overlay.setAttribute("width", String(width));
    this.overlay.setAttribute("height", String(y));
    this.overlay.setAttribute("viewBox", `0 0 ${width} ${y}`);
    this.placeCursor();

    this.plot.setAttribute("aria-label", this.describe(trace));
    this.renderLegend(trace);
    this.renderList(trace);
  }

  /** Asks the run for the marker rows of the visible window (once per window and width);
   * draws again when they arrive. */
  private askMarkers(width: number): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const [a, b] = this.view;
    const key = `${Math.round(a)}-${Math.round(b)}-${width}`;
    if (key === this.markersFor || key === this.markersAsked) return;
    this.markersAsked = key;
    ctx.source.markers(a, b, MARKER_BUCKETS, MAX_MARKERS).then(
      (rows) => {
        if (this.ctx !== ctx || this.markersAsked !== key) return;
        this.markers = rows;
        this.markersFor = key;
        this.render();
      },
      () => {},
    );
  }

  private isBig(run: RunView): boolean {
    return new Set(run.reachability.map((s) => s.device)).size > GROUP_AFTER;
  }

  /** A row of many markers drawn as bars: how many fall in each slice of the window. */
  private drawDensity(body: SVGGElement, row: MarkerRow, top: number, h: number): void {
    const label = MARKER_ROWS[row.key as MarkerKey].label;
    this.bars(body, row.counts ?? [], top, h, `tl-density m-${row.key}`, (n, from, to) => `${n} × ${label} ${preciseClock(from)} – ${preciseClock(to)} (zoom in to see each)`);
  }

  /** The top row at site size: how many phones had lost their registration, over time. */
  private drawLost(p: Painter): void {
    const run = this.ctx!.run;
    const H = 34;
    const buckets = Math.max(20, Math.floor((p.width - this.labelW - 14) / 4));
    const counts = troubleCounts(indexOf(run).trouble, this.view[0], this.view[1], buckets);
    const most = Math.max(...counts);
    p.section("Phones in trouble");
    const top = p.y();
    p.rowLabel(`${most} at most`, top + H / 2, "Phones unreachable, not registered or given up, at each moment");
    this.bars(p.body, counts, top, H, "tl-lost", (n, from, to) => `${n} phone${n === 1 ? "" : "s"} in trouble ${preciseClock(from)} – ${preciseClock(to)}`);
    p.down(H + 6);
  }

  /** Bars of counts over the window's slices. */
  private bars(body: SVGElement, counts: number[], top: number, h: number, cls: string, tip: (n: number, from: number, to: number) => string): void {
    const g = svg("g", {}, cls);
    const most = Math.max(1, ...counts);
    const [a, b] = this.view;
    const slice = (b - a) / counts.length;
    counts.forEach((n, k) => {
      if (n === 0) return;
      const x0 = this.x(a + k * slice);
      const x1 = this.x(a + (k + 1) * slice);
      const bh = Math.max(1.5, ((h - 4) * n) / most);
      const bar = svg("rect", { x: x0, y: top + h - 2 - bh, width: Math.max(1, x1 - x0), height: bh }, "tl-count-bar");
      bar.dataset.tip = tip(n, Math.round(a + k * slice), Math.round(a + (k + 1) * slice));
      g.append(bar);
    });
    body.append(g);
  }

  /** Lanes at site size: a row per group (NAT or AOR) with its trouble strip, opened on click
   * (or when the filter finds a phone in it), then each phone's lane and its bindings. */
  private drawGroups(p: Painter): void {
    const run = this.ctx!.run;
    const found = matching(run, this.filter);
    const groups = groupsOf(run, this.groupBy);
    const LANE = 18;
    let lanes = 0;
    let hidden = 0;
    p.section(this.filter ? `Phones matching “${this.filter}”` : `Phones by ${this.groupBy === "nat" ? "NAT" : "AOR"}`);
    for (const group of groups) {
      const phones = found ? group.devices.filter((d) => found.has(d)) : group.devices;
      if (phones.length === 0) continue;
      const open = found !== null || this.open.has(group.key);
      if (lanes >= MAX_LANES) {
        hidden += phones.length;
        continue;
      }
      this.groupRow(p, group.key, `${open ? "▾" : "▸"} ${group.label}`, phones, open);
      lanes++;
      if (!open) continue;
      const index = indexOf(run);
      for (const device of phones) {
        if (lanes >= MAX_LANES) {
          hidden++;
          continue;
        }
        this.deviceLane(p, device, "  ");
        lanes++;
        const mine = index.bindingsOf.get(device) ?? [];
        const aor = index.aorOf.get(device) ?? "";
        for (const lane of mine.length ? lanesOf(run, aor, [...mine]) : []) {
          p.rowLabel(`    ${aor} binding`, p.y() + LANE / 2, lane.title);
          for (const i of lane.items) p.body.append(this.bindingBar(i, p.y(), LANE, lane.items.length === 1));
          p.down(LANE + 3);
          lanes++;
        }
      }
    }
    if (found && found.size === 0) {
      p.rowLabel("no phone matches", p.y() + LANE / 2);
      p.down(LANE + 3);
    }
    if (hidden > 0) {
      const t = svg("text", { x: this.labelW, y: p.y() + 13 }, "tl-sublabel tl-more");
      t.textContent = `${hidden} more phone${hidden === 1 ? "" : "s"} not drawn: find them with the box above`;
      p.labels.append(t);
      p.down(20);
    }
    p.down(5);
  }

  /** A group's row: its name (a button that opens or closes it) and a strip of how many of
   * its phones were in trouble over time. */
  private groupRow(p: Painter, key: string, text: string, phones: string[], open: boolean): void {
    const run = this.ctx!.run;
    const H = 20;
    const top = p.y();
    const troubled = new Set(run.devices.filter((d) => d.incidents.length > 0 || d.gave_up).map((d) => d.device));
    const bad = phones.filter((d) => troubled.has(d)).length;
    const toggle = svg("g", { tabindex: 0, role: "button", "aria-expanded": String(open) }, "tl-group-toggle");
    toggle.dataset.group = key;
    const label = svg("text", { x: 8, y: top + H / 2 + 4 }, "tl-group-label");
    label.textContent = `${text} · ${phones.length} phone${phones.length === 1 ? "" : "s"}${bad ? `, ${bad} in trouble` : ""}`;
    toggle.append(svg("rect", { x: 0, y: top, width: p.width - 14, height: H }, "tl-group-bg"));
    const flip = () => {
      if (this.open.has(key)) this.open.delete(key);
      else this.open.add(key);
      this.render();
      this.frame.querySelector<SVGGElement>(`[data-group="${CSS.escape(key)}"]`)?.focus();
    };
    toggle.addEventListener("click", flip);
    toggle.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        e.stopPropagation();
        flip();
      }
    });
    // The strip is part of the toggle (a click anywhere on the row opens it), the name on top.
    const buckets = Math.max(20, Math.floor((p.width - this.labelW - 14) / 4));
    const counts = troubleCounts(troubleOf(run, phones), this.view[0], this.view[1], buckets);
    this.bars(toggle, counts, top, H, "tl-lost tl-group-strip", (n, from, to) => `${n} of ${phones.length} in trouble ${preciseClock(from)} – ${preciseClock(to)}`);
    toggle.append(label);
    p.labels.append(toggle);
    p.down(H + 3);
  }

  /** One phone's lane: its reachability, span by span. */
  private deviceLane(p: Painter, device: string, indent = ""): void {
    const LANE = 18;
    const y = p.y();
    p.rowLabel(`${indent}${device}`, y + LANE / 2);
    for (const sp of indexOf(this.ctx!.run).spansOf.get(device) ?? []) {
      if (sp.to_ms <= sp.from_ms) continue;
      const x0 = this.x(sp.from_ms);
      const x1 = Math.max(x0 + 1, this.x(sp.to_ms));
      const r = reach(sp.state);
      const g = svg("g", {}, `tl-span reach-${r.cls}`);
      g.dataset.tip = `${device}: ${r.label} ${preciseClock(sp.from_ms)} – ${preciseClock(sp.to_ms)}`;
      g.dataset.device = device;
      g.dataset.state = sp.state;
      g.append(svg("rect", { x: x0, y: y + 1, width: x1 - x0, height: LANE - 2 }, "tl-bar"));
      g.append(svg("rect", { x: x0, y: y + 1, width: x1 - x0, height: LANE - 2, fill: `url(#${this.id}-p-${r.cls})` }, "tl-bar-pattern"));
      if (x1 - x0 > textWidth(r.label) + 10) {
        const label = svg("text", { x: x0 + 5, y: y + LANE / 2 + 3.5 }, "tl-bar-text");
        label.textContent = r.label;
        g.append(label);
      }
      p.body.append(g);
    }
    p.down(LANE + 3);
  }

  /** One binding's bar, styled by how it ended. */
  private bindingBar(i: number, y: number, LANE: number, alone: boolean): SVGGElement {
    const ctx = this.ctx!;
    const trace = ctx.run;
    const b = trace.bindings[i]!;
    const end = b.removed_ms ?? trace.end_ms;
    const x0 = this.x(b.added_ms);
    const x1 = Math.max(x0 + 2, this.x(end));
    const top = y + 1;
    const e = ending(b.ended_by);
    const g = svg("g", {}, `tl-binding end-${e.cls}`);
    g.dataset.binding = String(i);
    g.dataset.tip =
      `${b.aor} · ${b.uri}\n` +
      `device: ${b.device ?? "unknown"} · added ${preciseClock(b.added_ms)}` +
      (b.removed_ms !== null ? ` · removed ${preciseClock(b.removed_ms)}` : "") +
      `\n${e.label} · ${b.refreshes} refresh${b.refreshes === 1 ? "" : "es"}`;
    g.append(svg("rect", { x: x0, y: top, width: x1 - x0, height: LANE - 2, rx: 3 }, "tl-bar"));
    g.append(svg("rect", { x: x0, y: top, width: x1 - x0, height: LANE - 2, rx: 3, fill: `url(#${this.id}-p-${e.cls})` }, "tl-bar-pattern"));
    // The end: an open arrow if still present, a stop bar otherwise.
    if (b.removed_ms === null) {
      g.append(svg("path", { d: `M${x1 - 1} ${top} l6 ${(LANE - 2) / 2} l-6 ${(LANE - 2) / 2}z` }, "tl-end"));
    } else {
      g.append(svg("rect", { x: x1 - 3, y: top - 2, width: 3, height: LANE + 2 }, "tl-end"));
    }
    const long = `${e.short}${b.refreshes ? ` · ${b.refreshes}↻` : ""}`;
    if (x1 - x0 > textWidth(e.short) + 12) {
      const label = svg("text", { x: x0 + 6, y: top + LANE / 2 + 2.5 }, "tl-bar-text");
      label.textContent = x1 - x0 > textWidth(long) + 12 ? long : e.short;
      g.append(label);
    } else if (alone && this.width - 14 - x1 > textWidth(e.short) + 12) {
      const label = svg("text", { x: x1 + 9, y: top + LANE / 2 + 2.5 }, "tl-bar-text outside");
      label.textContent = e.short;
      g.append(label);
    }
    if (ctx.selection?.type === "binding" && ctx.selection.index === i) g.classList.add("selected");
    return g;
  }

  private marker(shape: Shape, x: number, cy: number, cls: string): SVGGElement {
    const g = svg("g", { transform: `translate(${x} ${cy})` }, cls);
    const r = 6;
    switch (shape) {
      case "diamond":
        g.append(svg("path", { d: `M0 ${-r} L${r} 0 L0 ${r} L${-r} 0Z` }, "tl-shape"));
        break;
      case "square":
        g.append(svg("rect", { x: -5, y: -5, width: 10, height: 10 }, "tl-shape"));
        break;
      case "triangle":
        g.append(svg("path", { d: `M0 ${-r - 1} L${r + 1} ${r} L${-r - 1} ${r}Z` }, "tl-shape"));
        break;
      case "circle":
        g.append(svg("circle", { r: 5.5 }, "tl-shape"));
        break;
      case "ring":
        g.append(svg("circle", { r: 5 }, "tl-shape ring"));
        break;
      case "cross":
        g.append(svg("circle", { r: 8 }, "tl-shape"));
        g.append(svg("path", { d: "M-3.5 -3.5 L3.5 3.5 M3.5 -3.5 L-3.5 3.5" }, "tl-cross"));
        break;
    }
    g.append(svg("rect", { x: -8, y: -9, width: 16, height: 18 }, "tl-hit"));
    return g;
  }

  private patterns(): SVGElement[] {
    const out: SVGElement[] = [];
    const pat = (name: string, body: (p: SVGPatternElement) => void, size = 6) => {
      const p = svg("pattern", {
        id: `${this.id}-p-${name}`,
        width: size,
        height: size,
        patternUnits: "userSpaceOnUse",
      });
      body(p);
      out.push(p);
    };
    const diag = (p: SVGPatternElement, cls: string) =>
      p.append(svg("path", { d: "M-1 1 l2 -2 M0 6 l6 -6 M5 7 l2 -2" }, cls));
    // Bindings
    pat("present", () => {});
    pat("request", () => {});
    pat("expired", (p) => p.append(svg("circle", { cx: 3, cy: 3, r: 1 }, "pat-dot")));
    pat("remove-existing", (p) => diag(p, "pat-line"));
    pat("remove-unavailable", (p) => {
      diag(p, "pat-line");
      p.append(svg("path", { d: "M-1 5 l2 2 M0 0 l6 6 M5 -1 l2 2" }, "pat-line"));
    });
    pat("connection-closed", (p) => p.append(svg("path", { d: "M0 3 H6" }, "pat-line")));
    pat("pruned-at-boot", (p) => p.append(svg("path", { d: "M3 0 V6" }, "pat-line")));
    pat("other", (p) => p.append(svg("circle", { cx: 3, cy: 3, r: 1 }, "pat-dot")));
    // Devices
    pat("reachable", () => {});
    pat("unreachable", (p) => diag(p, "pat-line"));
    pat("unregistered", (p) => {
      diag(p, "pat-line");
      p.append(svg("path", { d: "M0 3 H6" }, "pat-line"));
    });
    pat("registering", (p) => p.append(svg("circle", { cx: 3, cy: 3, r: 0.8 }, "pat-dot")), 5);
    pat("idle", () => {});
    pat("gave-up", (p) => {
      diag(p, "pat-line");
      p.append(svg("path", { d: "M-1 5 l2 2 M0 0 l6 6 M5 -1 l2 2" }, "pat-line"));
    });
    pat("offline", (p) => p.append(svg("circle", { cx: 3, cy: 3, r: 1.1 }, "pat-dot")), 5);
    return out;
  }

  private renderLegend(trace: RunView): void {
    this.legend.replaceChildren();
    const used = new Set(trace.bindings.map((b) => ending(b.ended_by).cls));
    const states = new Set(trace.reachability.map((s) => reach(s.state).cls));
    const swatch = (cls: string, pattern: string, label: string) => {
      const item = html("span", "tl-legend-item");
      const sw = svg("svg", { width: 26, height: 12, "aria-hidden": "true" }, `tl-swatch ${cls}`);
      sw.append(svg("rect", { x: 0, y: 0, width: 26, height: 12, rx: 2 }, "tl-bar"));
      sw.append(svg("rect", { x: 0, y: 0, width: 26, height: 12, rx: 2, fill: `url(#${this.id}-p-${pattern})` }, "tl-bar-pattern"));
      item.append(sw, html("span", undefined, label));
      return item;
    };
    const groupB = html("span", "tl-legend-group");
    groupB.append(html("span", "tl-legend-title", "Binding ended:"));
    for (const e of Object.values(ENDINGS)) {
      if (used.has(e.cls)) groupB.append(swatch(`end-${e.cls}`, e.cls, e.label));
    }
    const groupD = html("span", "tl-legend-group");
    groupD.append(html("span", "tl-legend-title", "Device:"));
    for (const r of Object.values(REACH)) {
      if (states.has(r.cls)) groupD.append(swatch(`reach-${r.cls}`, r.cls, r.label));
    }
    if (used.size) this.legend.append(groupB);
    if (states.size) this.legend.append(groupD);
  }

  /** A text alternative of the lanes for screen readers: the first SR_ITEMS bindings and
   * spans (a site has thousands; the event log lists them all), made again only when the run
   * or its 403s change, not on every zoom. */
  private renderList(trace: RunView): void {
    const rejected = this.markers.find((m) => m.key === "rejected")?.items ?? [];
    if (this.srListOf?.trace === trace && this.srListOf.rejected === rejected.length) return;
    this.srListOf = { trace, rejected: rejected.length };
    this.srList.replaceChildren();
    const h = html("p", undefined, "Timeline as a list");
    const list = html("ul");
    const more = (n: number, what: string) => {
      if (n > 0) list.append(html("li", undefined, `and ${n} more ${what} (the event log lists every one)`));
    };
    for (const b of trace.bindings.slice(0, SR_ITEMS)) {
      list.append(
        html(
          "li",
          undefined,
          `Binding ${b.aor} ${b.uri} (${b.device ?? "unknown device"}) from ${clock(b.added_ms)} to ${b.removed_ms === null ? "the end" : clock(b.removed_ms)}: ${ending(b.ended_by).label}`,
        ),
      );
    }
    more(trace.bindings.length - SR_ITEMS, "bindings");
    for (const sp of trace.reachability.slice(0, SR_ITEMS)) {
      list.append(html("li", undefined, `${sp.device} ${reach(sp.state).label} from ${clock(sp.from_ms)} to ${clock(sp.to_ms)}`));
    }
    more(trace.reachability.length - SR_ITEMS, "device states");
    for (const { record: r } of rejected.slice(0, SR_ITEMS)) {
      list.append(html("li", undefined, `${clock(r.at_ms)} 403: ${r.summary}`));
    }
    more(rejected.length - SR_ITEMS, "403s");
    this.srList.append(h, list);
  }

  private srListOf: { trace: RunView; rejected: number } | null = null;

  private describe(trace: RunView): string {
    const rej = this.markers.find((m) => m.key === "rejected")?.total ?? 0;
    return (
      `Timeline from 0:00 to ${clock(trace.end_ms)}: ${trace.bindings.length} binding${trace.bindings.length === 1 ? "" : "s"}, ` +
      `${new Set(trace.reachability.map((s) => s.device)).size} devices, ${rej} rejected REGISTER${rej === 1 ? "" : "s"}.`
    );
  }

  placeCursor(): void {
    const ctx = this.ctx;
    if (!ctx || !this.cursorGroup) return;
    const c = ctx.cursor;
    const x = this.x(c);
    const inView = c >= this.view[0] && c <= this.view[1];
    this.cursorGroup.style.display = inView ? "" : "none";
    this.cursorGroup.setAttribute("transform", `translate(${x} 0)`);
    const text = clock(c);
    if (this.cursorText) this.cursorText.textContent = text;
    const w = text.length * 7.2 + 10;
    // Keep the label inside the plot.
    let shift = 0;
    if (x - w / 2 < this.labelW) shift = this.labelW - (x - w / 2);
    if (x + w / 2 > this.width - 2) shift = this.width - 2 - (x + w / 2);
    this.cursorLabelBg?.setAttribute("x", String(-w / 2 + shift));
    this.cursorLabelBg?.setAttribute("width", String(w));
    this.cursorText?.setAttribute("x", String(shift));
    // Tick labels under the cursor's label step aside.
    for (const t of this.tickLabels) {
      const tx = Number(t.dataset.x);
      t.style.visibility = inView && Math.abs(tx - (x + shift)) < w / 2 + 16 ? "hidden" : "";
    }
    this.readout.textContent = `${clock(c)} / ${clock(ctx.run.end_ms)}`;
    this.frame.setAttribute("aria-valuenow", String(c));
    this.frame.setAttribute("aria-valuetext", `${clock(c)} of ${clock(ctx.run.end_ms)}`);
  }

  /** Keeps the cursor in view when zoomed (playing, jumping). */
  follow(): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const [a, b] = this.view;
    const c = ctx.cursor;
    if (c < a || c > b) {
      const span = b - a;
      let na = c - span * 0.1;
      na = Math.max(0, Math.min(na, ctx.run.end_ms - span));
      this.view = [na, na + span];
      this.render();
    } else {
      this.placeCursor();
    }
  }

  // ---- interaction ----
  private zoom(factor: number, around?: number): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const end = Math.max(1, ctx.run.end_ms);
    const [a, b] = this.view;
    const center = around ?? (ctx.cursor >= a && ctx.cursor <= b ? ctx.cursor : (a + b) / 2);
    const span = Math.min(end, Math.max(200, (b - a) * factor));
    const ratio = (center - a) / (b - a);
    let na = center - span * ratio;
    na = Math.max(0, Math.min(na, end - span));
    this.view = [na, na + span];
    this.fitted = span >= end;
    this.render();
  }

  /** Moves the visible window by a fraction of its width (when zoomed in). */
  private pan(fraction: number): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const [a, b] = this.view;
    const span = b - a;
    const na = Math.max(0, Math.min(a + span * fraction, ctx.run.end_ms - span));
    this.view = [na, na + span];
    this.render();
  }

  fit(): void {
    const ctx = this.ctx;
    if (!ctx) return;
    this.view = [0, Math.max(1, ctx.run.end_ms)];
    this.fitted = true;
    this.render();
  }

  /** To the next (or previous) moment something happened, asked of the run. */
  private jump(dir: number): void {
    const ctx = this.ctx;
    if (!ctx) return;
    ctx.source.step(ctx.cursor, dir).then(
      (target) => {
        if (this.ctx === ctx) ctx.setCursor(target, "timeline");
      },
      () => {},
    );
  }

  private onKey(e: KeyboardEvent): void {
    const ctx = this.ctx;
    if (!ctx) return;
    let handled = true;
    switch (e.key) {
      case "ArrowRight":
        if (e.shiftKey) ctx.setCursor(ctx.cursor + 1000, "timeline");
        else this.jump(1);
        break;
      case "ArrowLeft":
        if (e.shiftKey) ctx.setCursor(ctx.cursor - 1000, "timeline");
        else this.jump(-1);
        break;
      case "Home":
        ctx.setCursor(0, "timeline");
        break;
      case "End":
        ctx.setCursor(ctx.run.end_ms, "timeline");
        break;
      case " ":
        this.togglePlay();
        break;
      case "+":
      case "=":
        this.zoom(0.5);
        break;
      case "-":
        this.zoom(2);
        break;
      case "0":
        this.fit();
        break;
      case "PageUp":
        this.pan(-0.5);
        break;
      case "PageDown":
        this.pan(0.5);
        break;
      case "Enter": {
        // Select the record at (or just before) the cursor.
        ctx.source.records({ around_ms: ctx.cursor, before: 1, after: 0 }).then(
          (w) => {
            const last = w.items[w.items.length - 1];
            if (last && this.ctx === ctx) ctx.select({ type: "record", index: last.index }, "timeline");
          },
          () => {},
        );
        break;
      }
      default:
        handled = false;
    }
    if (handled) e.preventDefault();
  }

  private pointX(e: PointerEvent | WheelEvent): number {
    const rect = this.plot.getBoundingClientRect();
    return ((e.clientX - rect.left) / rect.width) * this.width;
  }

  /** Two fingers on a touch screen: pinch zooms around their midpoint. */
  private touches = new Map<number, number>();
  private pinch: { dist: number; view: [number, number]; mid: number } | null = null;

  private pinchStep(e: PointerEvent): boolean {
    if (e.pointerType !== "touch") return false;
    if (e.type === "pointerdown") this.touches.set(e.pointerId, this.pointX(e));
    else if (e.type === "pointermove" && this.touches.has(e.pointerId)) this.touches.set(e.pointerId, this.pointX(e));
    else if (e.type !== "pointermove") this.touches.delete(e.pointerId);
    const xs = [...this.touches.values()];
    if (xs.length !== 2) {
      const was = this.pinch !== null;
      this.pinch = null;
      return was;
    }
    const dist = Math.max(8, Math.abs(xs[0]! - xs[1]!));
    const mid = (xs[0]! + xs[1]!) / 2;
    if (!this.pinch) {
      this.dragging = false;
      this.pinch = { dist, view: [...this.view], mid: this.t(mid) };
      return true;
    }
    const [a, b] = this.pinch.view;
    this.view = [a, b];
    this.zoom(this.pinch.dist / dist, this.pinch.mid);
    return true;
  }

  private onDown(e: PointerEvent): void {
    const ctx = this.ctx;
    if (this.pinchStep(e)) return;
    if (!ctx || e.button !== 0) return;
    // A group's row is a button of its own (its click opens or closes the group).
    if ((e.target as Element).closest("[data-group]")) return;
    const x = this.pointX(e);
    if (x < this.labelW - 4) return;
    this.dragging = true;
    this.moved = false;
    this.plot.setPointerCapture?.(e.pointerId);
    // No preventDefault: the mouse down focuses the frame (keys work next) without a focus ring.
    const target = (e.target as Element).closest("[data-record]");
    if (!target) ctx.setCursor(this.t(x), "timeline");
  }

  private onMove(e: PointerEvent): void {
    const ctx = this.ctx;
    if (!ctx || this.pinchStep(e)) return;
    if (this.dragging) {
      this.moved = true;
      ctx.setCursor(this.t(Math.max(this.labelW, this.pointX(e))), "timeline");
      this.tooltip.hidden = true;
      return;
    }
    const target = (e.target as Element).closest<SVGElement>("[data-tip]");
    if (!target) {
      this.tooltip.hidden = true;
      return;
    }
    this.tooltip.textContent = target.dataset.tip ?? "";
    this.tooltip.hidden = false;
    // Below the lanes (over the legend), never over a neighbouring lane.
    const frame = this.frame.getBoundingClientRect();
    const tw = this.tooltip.offsetWidth;
    const left = Math.max(0, Math.min(e.clientX - frame.left - tw / 2, frame.width - tw));
    this.tooltip.style.left = `${left}px`;
    this.tooltip.style.top = `${frame.height + 4}px`;
  }

  private onUp(e: PointerEvent): void {
    if (this.pinchStep(e)) return;
    const ctx = this.ctx;
    if (!ctx || !this.dragging) return;
    this.dragging = false;
    this.plot.releasePointerCapture?.(e.pointerId);
    if (this.moved) return;
    const el = document.elementFromPoint(e.clientX, e.clientY);
    const rec = el?.closest<SVGElement>("[data-record]");
    const bind = el?.closest<SVGElement>("[data-binding]");
    if (rec) {
      const i = Number(rec.dataset.record);
      ctx.setCursor(Number(rec.dataset.at), "timeline");
      ctx.select({ type: "record", index: i }, "timeline");
    } else if (bind) {
      ctx.select({ type: "binding", index: Number(bind.dataset.binding) }, "timeline");
    }
  }

  /**
   * The wheel scrolls the page, as everywhere else; Ctrl/⌘+wheel (and a trackpad pinch, which
   * the browser reports as Ctrl+wheel) zooms around the pointer. A sideways swipe (or
   * Shift+wheel) pans only while zoomed in, so a fitted timeline never traps the wheel.
   */
  private onWheel(e: WheelEvent): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const x = this.pointX(e);
    if (x < this.labelW) return;
    if (e.ctrlKey || e.metaKey) {
      e.preventDefault();
      this.zoom(e.deltaY > 0 ? 1.25 : 0.8, this.t(x));
      return;
    }
    const sideways = Math.abs(e.deltaX) > Math.abs(e.deltaY) || e.shiftKey;
    if (!sideways || this.fitted) return;
    e.preventDefault();
    const [a, b] = this.view;
    const span = b - a;
    const d = ((e.shiftKey ? e.deltaY || e.deltaX : e.deltaX) / (this.width - this.labelW)) * span;
    const na = Math.max(0, Math.min(a + d, ctx.run.end_ms - span));
    this.view = [na, na + span];
    this.render();
  }

  togglePlay(): void {
    if (this.playing) this.pause();
    else this.play();
  }

  /** Plays the whole run (from the cursor) in about `ms` of real time (the embed's autoplay). */
  playFor(ms: number): void {
    const ctx = this.ctx;
    if (!ctx || this.playing) return;
    this.speedOverride = Math.max(1, ctx.run.end_ms / Math.max(1000, ms));
    this.play();
  }

  play(): void {
    const ctx = this.ctx;
    if (!ctx || this.playing) return;
    if (ctx.cursor >= ctx.run.end_ms) ctx.setCursor(0, "play");
    this.playing = true;
    this.playBtn.textContent = "❚❚ Pause";
    this.playBtn.setAttribute("aria-label", "Pause");
    this.lastTick = performance.now();
    const step = (now: number) => {
      if (!this.playing || !this.ctx) return;
      const dt = now - this.lastTick;
      this.lastTick = now;
      const speed = this.speedOverride ?? (Number(this.speedSel.value) || 1);
      const next = this.ctx.cursor + dt * speed;
      if (next >= this.ctx.run.end_ms) {
        this.ctx.setCursor(this.ctx.run.end_ms, "play");
        this.pause();
        return;
      }
      this.ctx.setCursor(next, "play");
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  }

  pause(): void {
    this.playing = false;
    this.speedOverride = null;
    this.playBtn.textContent = "▶ Play";
    this.playBtn.setAttribute("aria-label", "Play");
  }

  isPlaying(): boolean {
    return this.playing;
  }
}
