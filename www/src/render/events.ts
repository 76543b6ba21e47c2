// The "Events" panel: every record of the trace, with Asterisk's own log line and the plain
// explanation. Rejections (403) are marked so they stand out.

import type { TraceRecord } from "../types";
import { clock, el } from "./format";

/** The SIP status code of a response record, if it is one ("SIP/2.0 403 Forbidden" → 403). */
export function statusCode(record: TraceRecord): number | null {
  const match = record.sip?.first_line.match(/^SIP\/2\.0\s+(\d{3})\b/);
  return match ? Number(match[1]) : null;
}

/** A record that tells of a refused registration: a rejection by the registrar or a 4xx–6xx
 * response on the wire. */
export function isRejection(record: TraceRecord): boolean {
  if (record.change === "rejected") return true;
  const code = statusCode(record);
  return code !== null && code >= 400;
}

/** The status code to show on a rejection's badge. */
export function rejectionCode(record: TraceRecord): string {
  const code = statusCode(record);
  if (code !== null) return String(code);
  const match = `${record.summary} ${record.why ?? ""}`.match(/\b([456]\d\d)\b/);
  return match ? match[1]! : "rejected";
}

export function renderEvents(root: HTMLElement, records: TraceRecord[]): void {
  root.replaceChildren();
  if (records.length === 0) {
    root.append(el("p", "empty", "Nothing happened."));
    return;
  }
  const list = el("ol", "events");
  for (const record of records) list.append(renderRecord(record));
  root.append(list);
}

function renderRecord(record: TraceRecord): HTMLLIElement {
  const item = el("li", `event kind-${record.kind}`);
  item.dataset.kind = record.kind;
  if (record.change) item.dataset.change = record.change;
  const rejected = isRejection(record);
  if (rejected) item.classList.add("rejected");

  const head = el("div", "event-head");
  const time = el("time", "at", clock(record.at_ms));
  time.dateTime = `PT${record.at_ms / 1000}S`;
  head.append(time);
  head.append(el("span", "actor", record.actor));
  head.append(el("span", "kind", record.kind));
  head.append(el("span", "summary", record.summary));
  if (rejected) {
    head.append(el("span", "badge badge-reject", rejectionCode(record)));
  }
  item.append(head);

  if (record.log) item.append(el("code", "log", record.log));
  if (record.why) item.append(el("p", "why", record.why));
  if (record.sip) {
    const details = el("details", "sip");
    details.append(el("summary", undefined, `SIP message: ${record.sip.first_line}`));
    details.append(el("pre", "mono", record.sip.text));
    item.append(details);
  }
  return item;
}
