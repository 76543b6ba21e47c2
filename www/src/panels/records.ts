// Reading a record's meaning for the panels' badges: typed fields only.

import type { TraceRecord } from "../types";

/** The status code a record carries: a SIP response's, or a refusal's (rejected changes). */
export function statusCode(record: TraceRecord): number | null {
  return record.sip?.code ?? record.code ?? null;
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
  return code !== null ? String(code) : "rejected";
}
