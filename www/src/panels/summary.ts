// The banner at the top: title, lesson, and the run's summary sentences; a lost registration
// links to its moment on the timeline.

import { clock, el } from "../render/format";
import type { Ctx } from "./shared";

export function renderSummary(root: HTMLElement, ctx: Ctx): void {
  const trace = ctx.trace;
  root.replaceChildren();
  const head = el("div", "summary-head");
  if (trace.title) head.append(el("h2", "summary-title", trace.title));
  head.append(el("span", "summary-meta", `Asterisk ${trace.version} · ${clock(trace.end_ms)} simulated`));
  root.append(head);
  if (trace.lesson) root.append(el("p", "lesson", trace.lesson));
  const incidents = trace.devices.flatMap((d) => d.incidents);
  const troubled = new Set(
    trace.devices.filter((d) => d.incidents.length > 0 || d.gave_up || d.reachable_ms === 0).map((d) => d.device),
  );
  if (trace.summary.length === 0) return;
  const list = el("ul", "summary-list");
  for (const line of trace.summary) {
    const item = el("li", "summary-line");
    const device = line.split(" ")[0] ?? "";
    const bad = troubled.has(device) && !/stayed reachable/.test(line);
    item.classList.add(bad ? "bad" : "good");
    item.append(el("span", "summary-icon", bad ? "✕" : "✓"));
    item.lastElementChild!.setAttribute("aria-hidden", "true");
    const incident = incidents.find((i) => i.device === device && line.includes(`from ${clock(i.start_ms)}`));
    if (incident) {
      const b = el("button", "summary-jump", line);
      b.type = "button";
      b.title = `Move the cursor to ${clock(incident.start_ms)}`;
      b.addEventListener("click", () => ctx.setCursor(incident.start_ms, "summary"));
      item.append(b);
    } else {
      item.append(el("span", undefined, line));
    }
    list.append(item);
  }
  root.append(list);
}
