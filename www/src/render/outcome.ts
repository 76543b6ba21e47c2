// The "Outcome" panel: the scenario's title and lesson, and the run's summary in sentences.

import type { Trace } from "../types";
import { el } from "./format";

export function renderOutcome(root: HTMLElement, trace: Trace): void {
  root.replaceChildren();
  if (trace.title) root.append(el("h3", "outcome-title", trace.title));
  if (trace.lesson) root.append(el("p", "lesson", trace.lesson));
  if (trace.summary.length > 0) {
    const list = el("ul", "summary-list");
    for (const line of trace.summary) {
      const item = el("li", undefined, line);
      if (/never reachable|gave up|lost|403/i.test(line) && !/\(0 403s\)/.test(line)) {
        item.classList.add("bad");
      }
      list.append(item);
    }
    root.append(list);
  }
}
