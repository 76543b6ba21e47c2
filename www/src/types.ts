// The shapes the wasm façade hands over. They are generated from the Rust types
// (src/generated/trace.ts, written by `cargo xtask types`; a Rust test fails while it is stale):
// this module re-exports them under the page's names and adds the page's own query shapes.

export type {
  BindingChange,
  BindingLife,
  Cause,
  ContactRow,
  CountPoint,
  DeviceSummary,
  Diagnostic,
  DialEntry,
  DialTarget,
  EndedBy,
  Incident,
  Indexed,
  MarkerRow,
  NatEvent,
  Progress,
  Reach,
  RecordKind,
  RecordWindow,
  RunView,
  Severity,
  SipText,
  Span,
  StateWindow,
} from "./generated/trace";
// `Record` would hide TypeScript's own Record<K, V>.
export type { Record as TraceRecord } from "./generated/trace";

import type { RecordKind } from "./generated/trace";

/** What the log and the ladder ask for (Session.records in crates/wasm/src/session.rs). */
export interface RecordFilter {
  device?: string;
  aor?: string;
  kind?: RecordKind;
  text?: string;
  messages?: boolean;
}

export interface RecordQuery {
  filter?: RecordFilter;
  around_ms: number;
  before: number;
  after: number;
}

/** The timeline's marker rows (crates/wasm/src/queries.rs: MARKER_KEYS). */
export type MarkerKey = "rejected" | "nat-forgot" | "nat" | "connection" | "asterisk" | "dial" | "qualify";

import type { BindingLife, CountPoint, DeviceSummary, Diagnostic, Record as TraceRecordT, Span } from "./generated/trace";

/** A whole trace as `run_scenario` and the compare worker hand it over (the compare view reads
 * it; the playground's views hold a RunView and ask a Session instead). */
export interface Trace {
  title: string;
  lesson: string;
  version: string;
  end_ms: number;
  epoch_ms: number;
  records: TraceRecordT[];
  bindings: BindingLife[];
  reachability: Span[];
  counts: CountPoint[];
  devices: DeviceSummary[];
  summary: string[];
  warnings: Diagnostic[];
}
