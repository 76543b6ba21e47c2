// Reading a record's meaning for the panels' badges.
// TODO(typed trace): the status code comes from the SIP first line until the trace carries it.

import type { TraceRecord } from "../types";

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
