// The views of a run: summary, timeline, and at the cursor the contacts, the SIP ladder and the
// event log. Everything shown comes from the Trace; the page computes no policy.

import { el } from "./format";
import { ContactsPanel } from "./panels/contacts";
import { Ladder } from "./panels/ladder";
import { LogPanel } from "./panels/log";
import type { Ctx, Selection } from "./panels/shared";
import { renderSummary } from "./panels/summary";
import { Timeline } from "./timeline/timeline";
import type { RunSource } from "./source";
import type { RunView } from "./types";

export type PanelName = "contacts" | "ladder" | "log";

export interface Views {
  /** Shows a finished run: its view, and where to ask for the rest. */
  update(run: RunView, source: RunSource): void;
  /** A line above the views (e.g. that they show the last good run), or none. */
  setNotice(text: string | null): void;
  setCursor(ms: number): void;
  cursor(): number;
  setPanel(p: PanelName): void;
  panel(): string;
  /** Plays the run from the cursor in about `ms` (the Play button shows Pause meanwhile). */
  playFor(ms: number): void;
  pause(): void;
  isPlaying(): boolean;
}

export interface ViewsOptions {
  compact?: boolean;
  panel?: PanelName;
  onCursor?: (ms: number) => void;
  onPanel?: (p: string) => void;
}

const PANELS: { name: PanelName; title: string }[] = [
  { name: "contacts", title: "Contacts" },
  { name: "ladder", title: "SIP ladder" },
  { name: "log", title: "Event log" },
];

let mounted = 0;

export function mountViews(root: HTMLElement, opts: ViewsOptions = {}): Views {
  const id = `v${++mounted}`;
  root.replaceChildren();
  root.classList.add("views");
  root.classList.toggle("compact", !!opts.compact);

  const summary = el("div", "views-summary");
  summary.setAttribute("aria-label", "Summary");
  const tlBox = el("div", "views-timeline");
  tlBox.setAttribute("aria-label", "Timeline");
  const timeline = new Timeline(tlBox);

  const tabs = el("div", "tabs");
  tabs.setAttribute("role", "tablist");
  tabs.setAttribute("aria-label", "At the cursor");
  const bodies = new Map<PanelName, HTMLElement>();
  const buttons = new Map<PanelName, HTMLButtonElement>();
  for (const { name, title } of PANELS) {
    const button = el("button", "tab", title);
    button.type = "button";
    button.id = `${id}-tab-${name}`;
    button.dataset.panel = name;
    button.setAttribute("role", "tab");
    button.setAttribute("aria-controls", `${id}-panel-${name}`);
    button.addEventListener("click", () => setPanel(name));
    tabs.append(button);
    buttons.set(name, button);
    const body = el("div", `tab-panel panel-${name}`);
    body.id = `${id}-panel-${name}`;
    body.dataset.panel = name;
    body.setAttribute("role", "tabpanel");
    body.setAttribute("aria-labelledby", button.id);
    bodies.set(name, body);
  }
  tabs.addEventListener("keydown", (e) => {
    const i = PANELS.findIndex((p) => p.name === current);
    let j = -1;
    if (e.key === "ArrowRight") j = (i + 1) % PANELS.length;
    else if (e.key === "ArrowLeft") j = (i + PANELS.length - 1) % PANELS.length;
    else if (e.key === "Home") j = 0;
    else if (e.key === "End") j = PANELS.length - 1;
    if (j < 0) return;
    e.preventDefault();
    setPanel(PANELS[j]!.name);
    buttons.get(PANELS[j]!.name)!.focus();
  });
  const panelsBox = el("div", "views-panels");
  panelsBox.append(tabs, ...bodies.values());
  const empty = el("p", "views-empty", "Run a scenario to see its timeline.");
  const notice = el("p", "views-notice");
  notice.setAttribute("role", "status");
  notice.hidden = true;
  root.append(notice, empty, summary, tlBox, panelsBox);
  for (const n of [summary, tlBox, panelsBox]) n.hidden = true;

  const contacts = new ContactsPanel(bodies.get("contacts")!, (at) => {
    // Cursor moved → state asked of the run → drawn: the figure the timing run reads.
    if (movedAt !== null && at === cursorMs) {
      root.dataset.cursorToDrawnMs = (performance.now() - movedAt).toFixed(2);
      movedAt = null;
    }
  });
  const ladder = new Ladder(bodies.get("ladder")!);
  const log = new LogPanel(bodies.get("log")!);

  let trace: RunView | null = null;
  let source: RunSource | null = null;
  let movedAt: number | null = null;
  let cursorMs = 0;
  let requested: number | null = null;
  let selection: Selection = null;
  let current: PanelName = opts.panel ?? "contacts";
  let pending = 0;

  const ctx = (): Ctx => ({
    run: trace!,
    source: source!,
    cursor: cursorMs,
    selection,
    setCursor: (ms: number) => setCursor(ms),
    select: (sel: Selection) => select(sel),
  });

  /** Redraw what depends on the cursor, at most once a frame. */
  function schedule(): void {
    if (pending) return;
    pending = requestAnimationFrame(() => {
      pending = 0;
      drawAtCursor();
    });
  }

  function drawAtCursor(): void {
    if (!trace) return;
    const c = ctx();
    if (current === "contacts") void contacts.render(c, true);
    if (current === "ladder") void ladder.render(c);
    if (current === "log") log.update(c);
  }

  function setPanel(p: PanelName): void {
    if (!PANELS.some((x) => x.name === p)) return;
    const changed = p !== current;
    current = p;
    for (const { name } of PANELS) {
      const on = name === p;
      bodies.get(name)!.hidden = !on;
      const b = buttons.get(name)!;
      b.setAttribute("aria-selected", String(on));
      b.tabIndex = on ? 0 : -1;
    }
    root.dataset.panel = p;
    if (trace) {
      drawAtCursor();
      if (p === "log") log.reveal();
    }
    if (changed) opts.onPanel?.(p);
  }

  function setCursor(ms: number): void {
    if (!trace) {
      // Before the first run: keep it for then (a link's t=…).
      requested = Number.isFinite(ms) ? Math.max(0, Math.round(ms)) : null;
      return;
    }
    const end = trace.end_ms;
    const next = Math.max(0, Math.min(end, Math.round(Number.isFinite(ms) ? ms : 0)));
    if (next === cursorMs && trace) return;
    cursorMs = next;
    movedAt = performance.now();
    root.dataset.cursor = String(cursorMs);
    if (!trace) return;
    timeline.setCtxQuiet(ctx());
    timeline.follow();
    // The contacts are asked for at once (the worker answers in a millisecond or two); the
    // other panels redraw at the next frame.
    if (current === "contacts") void contacts.render(ctx());
    else schedule();
    opts.onCursor?.(cursorMs);
  }

  function select(sel: Selection): void {
    selection = sel;
    timeline.setCtx(ctx());
    drawAtCursor();
  }

  setPanel(current);
  return {
    setNotice(text: string | null) {
      notice.textContent = text ?? "";
      notice.hidden = text === null;
    },
    update(next: RunView, nextSource: RunSource) {
      const first = trace === null;
      // The first run opens at its end (the outcome), or where a link asked; later runs keep
      // the cursor, and one at the end stays at the (new) end.
      const atEnd = first ? requested === null : cursorMs >= trace!.end_ms;
      if (first && requested !== null) cursorMs = requested;
      trace = next;
      source = nextSource;
      selection = null;
      empty.hidden = true;
      for (const n of [summary, tlBox, panelsBox]) n.hidden = false;
      cursorMs = atEnd ? next.end_ms : Math.min(cursorMs, next.end_ms);
      root.dataset.cursor = String(cursorMs);
      renderSummary(summary, ctx());
      timeline.setCtx(ctx());
      drawAtCursor();
      if (first) opts.onCursor?.(cursorMs);
    },
    setCursor,
    cursor: () => cursorMs,
    setPanel,
    panel: () => current,
    playFor: (ms: number) => timeline.playFor(ms),
    pause: () => timeline.pause(),
    isPlaying: () => timeline.isPlaying(),
  };
}
