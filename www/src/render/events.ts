// The "Events" panel: every record of the trace, with Asterisk's own log line and the plain
// explanation. Rejections (403) are marked so they stand out.

import type { TraceRecord } from "../types";
import { clock, el } from "./format";

/** The SIP status code of a response record, if it is one ("SIP/2.0 403 Forbidden" → 403). */
export function statusCode(record: TraceRecord): number | null {
  const match = record.sip?.first_line.match(/^SIP\/2\.0\s+(\d{3})\b/);
  return match ? Number(match[1]) : null;
}

/** A record that tells of a refused registration: a 4xx/5xx/6xx response or a rejection. */
export function isRejection(record: TraceRecord): boolean {
  const code = statusCode(record);
  if (code !== null) return code >= 400;
  const text = `${record.summary} ${record.log ?? ""}`;
  return /\b403\b|exceed max contacts|rejected/i.test(text);
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
    const code = statusCode(record);
    head.append(el("span", "badge badge-reject", code ? `${code}` : "403"));
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
