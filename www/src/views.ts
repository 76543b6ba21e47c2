// The views of a run: summary, timeline, and at the cursor the contacts, the SIP ladder and the
// event log. Everything shown comes from the Trace; the page computes no policy.

import { renderContacts } from "./render/contacts";
import { renderEvents } from "./render/events";
import { el } from "./render/format";
import { renderOutcome } from "./render/outcome";
import { stateAt } from "./render/state";
import type { Trace } from "./types";

export type PanelName = "contacts" | "ladder" | "log";

export interface Views {
  update(trace: Trace): void;
  setCursor(ms: number): void;
  cursor(): number;
  setPanel(p: PanelName): void;
  panel(): string;
}

export interface ViewsOptions {
  compact?: boolean;
  panel?: PanelName;
  onCursor?: (ms: number) => void;
  onPanel?: (p: string) => void;
}

const PANELS: PanelName[] = ["contacts", "ladder", "log"];

export function mountViews(root: HTMLElement, opts: ViewsOptions = {}): Views {
  root.replaceChildren();
  root.classList.add("views");
  const summary = el("div", "views-summary");
  const tabs = el("div", "tabs");
  tabs.setAttribute("role", "tablist");
  const bodies = new Map<PanelName, HTMLElement>();
  const buttons = new Map<PanelName, HTMLButtonElement>();
  for (const name of PANELS) {
    const button = el("button", "tab", name);
    button.type = "button";
    button.setAttribute("role", "tab");
    button.addEventListener("click", () => setPanel(name));
    tabs.append(button);
    buttons.set(name, button);
    const body = el("div", `tab-panel panel-${name}`);
    body.setAttribute("role", "tabpanel");
    bodies.set(name, body);
  }
  root.append(summary, tabs, ...bodies.values());

  let trace: Trace | null = null;
  let cursorMs = 0;
  let current: PanelName = opts.panel ?? "contacts";

  function renderAtCursor(): void {
    if (!trace) return;
    renderContacts(bodies.get("contacts")!, stateAt(trace, cursorMs));
  }

  function setPanel(p: PanelName): void {
    current = p;
    for (const name of PANELS) {
      bodies.get(name)!.hidden = name !== p;
      buttons.get(name)!.setAttribute("aria-selected", String(name === p));
    }
    opts.onPanel?.(p);
  }

  function setCursor(ms: number): void {
    const end = trace?.end_ms ?? 0;
    cursorMs = Math.max(0, Math.min(end, Math.round(ms)));
    renderAtCursor();
    opts.onCursor?.(cursorMs);
  }

  setPanel(current);
  return {
    update(next: Trace) {
      trace = next;
      renderOutcome(summary, next);
      renderEvents(bodies.get("log")!, next.records);
      cursorMs = Math.min(cursorMs, next.end_ms);
      renderAtCursor();
    },
    setCursor,
    cursor: () => cursorMs,
    setPanel,
    panel: () => current,
  };
}
