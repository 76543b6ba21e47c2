// The banner at the top: title, lesson, and one line per phone, worst first (totals of time
// unreachable, time not registered, 403s). Each troubled phone's incidents open on demand; each
// incident moves the cursor to where it started. Everything is read from typed fields.

import { clock, duration, el } from "../format";
import type { DeviceSummary, RunView } from "../types";
import type { Ctx } from "./shared";

/** What the summary reads: the run's headline and phones, and a way to move the cursor (the
 * compare view hands whole traces). */
export type SummaryCtx = Pick<Ctx, "setCursor"> & { run: Pick<RunView, "title" | "lesson" | "version" | "end_ms" | "devices"> };

/** Past this many phones, the ones reachable throughout fold into one line. */
const FOLD_GOOD_AFTER = 8;
/** Past this many phones in trouble, the rest (less bad: the list is worst first) fold too,
 * under a line of site totals, so a whole site reads in a screen. */
const SHOW_TROUBLED = 8;

function troubled(d: DeviceSummary): boolean {
  return d.incidents.length > 0 || d.gave_up || d.rejections_403 > 0 || d.wanted_ms === 0;
}

function deviceLine(d: DeviceSummary, ctx: SummaryCtx): HTMLLIElement {
  const bad = troubled(d);
  const item = el("li", `summary-line ${bad ? "bad" : "good"}`);
  item.dataset.device = d.device;
  const icon = el("span", "summary-icon", bad ? "✕" : "✓");
  icon.setAttribute("aria-hidden", "true");
  item.append(icon);
  if (d.incidents.length === 0) {
    item.append(el("span", undefined, d.line));
    return item;
  }
  const details = el("details", "summary-details");
  details.append(el("summary", "summary-text", d.line));
  const list = el("ul", "summary-incidents");
  for (const inc of d.incidents) {
    const li = el("li", `incident incident-${inc.state}`);
    const b = el("button", "summary-jump", inc.text);
    b.type = "button";
    b.title = `Move the cursor to ${clock(inc.start_ms)}`;
    b.addEventListener("click", () => ctx.setCursor(inc.start_ms, "summary"));
    li.append(b);
    list.append(li);
  }
  details.append(list);
  item.append(details);
  return item;
}

export function renderSummary(root: HTMLElement, ctx: SummaryCtx): void {
  const trace = ctx.run;
  root.replaceChildren();
  const head = el("div", "summary-head");
  if (trace.title) head.append(el("h2", "summary-title", trace.title));
  head.append(el("span", "summary-meta", `Asterisk ${trace.version} · ${clock(trace.end_ms)} simulated`));
  root.append(head);
  if (trace.lesson) root.append(el("p", "lesson", trace.lesson));
  if (trace.devices.length === 0) return;
  // `devices` arrives worst first.
  const list = el("ul", "summary-list");
  const good = trace.devices.filter((d) => !troubled(d));
  const bad = trace.devices.filter(troubled);
  const fold = trace.devices.length > FOLD_GOOD_AFTER && good.length > 1;
  if (bad.length > SHOW_TROUBLED) root.append(siteTotals(trace.devices, bad));
  for (const d of bad.slice(0, SHOW_TROUBLED)) list.append(deviceLine(d, ctx));
  if (bad.length > SHOW_TROUBLED) list.append(moreTroubled(bad.slice(SHOW_TROUBLED), ctx));
  if (!fold) for (const d of good) list.append(deviceLine(d, ctx));
  if (fold) {
    const item = el("li", "summary-line good");
    const icon = el("span", "summary-icon", "✓");
    icon.setAttribute("aria-hidden", "true");
    const details = el("details", "summary-details");
    details.append(el("summary", "summary-text", `${good.length} more phones reachable throughout`));
    const names = el("ul", "summary-incidents");
    // Drawn when opened: a site has thousands.
    details.addEventListener("toggle", () => {
      if (details.open && names.childElementCount === 0) {
        for (const d of good) names.append(el("li", undefined, d.line));
      }
    });
    details.append(names);
    item.append(icon, details);
    list.append(item);
  }
  root.append(list);
}

/** One line for the whole site: how many phones had trouble, and the summed figures. */
function siteTotals(all: DeviceSummary[], bad: DeviceSummary[]): HTMLParagraphElement {
  const sum = (f: (d: DeviceSummary) => number) => bad.reduce((n, d) => n + f(d), 0);
  const unreachable = bad.filter((d) => d.unreachable_ms > 0).length;
  const unregistered = bad.filter((d) => d.unregistered_ms > 0).length;
  const gaveUp = bad.filter((d) => d.gave_up).length;
  const secs = (f: (d: DeviceSummary) => number) => duration(Math.round(sum(f) / 1000));
  const refused = sum((d) => d.rejections_403);
  const parts = [`${bad.length} of ${all.length} phones had trouble`];
  if (unreachable) parts.push(`${unreachable} unreachable, ${secs((d) => d.unreachable_ms)} in all`);
  if (unregistered) parts.push(`${unregistered} not registered, ${secs((d) => d.unregistered_ms)} in all`);
  if (refused) parts.push(`${refused} × 403`);
  if (gaveUp) parts.push(`${gaveUp} gave up`);
  return el("p", "summary-totals", `${parts.join(" · ")}. The worst ${SHOW_TROUBLED} first:`);
}

/** The other troubled phones, drawn only when opened (a site can have thousands). */
function moreTroubled(rest: DeviceSummary[], ctx: SummaryCtx): HTMLLIElement {
  const item = el("li", "summary-line bad summary-more");
  const icon = el("span", "summary-icon", "✕");
  icon.setAttribute("aria-hidden", "true");
  const details = el("details", "summary-details");
  details.append(el("summary", "summary-text", `${rest.length} more phones with trouble`));
  const inner = el("ul", "summary-list");
  details.addEventListener("toggle", () => {
    if (details.open && inner.childElementCount === 0) {
      for (const d of rest) inner.append(deviceLine(d, ctx));
    }
  });
  details.append(inner);
  item.append(icon, details);
  return item;
}
