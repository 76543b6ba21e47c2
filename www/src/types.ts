// The shapes the wasm façade hands over (serde, json-compatible). They mirror the structs in
// crates/sim; the wasm tests (crates/wasm/tests) and the end-to-end tests check them.

export type Severity = "error" | "warning";

export interface Diagnostic {
  line: number;
  col: number;
  message: string;
  hint: string | null;
  severity: Severity;
}

export interface SipText {
  from: string;
  to: string;
  first_line: string;
  text: string;
}

export type RecordKind =
  | "sip"
  | "change"
  | "device"
  | "nat"
  | "connection"
  | "asterisk"
  | "reachability"
  | "dial"
  | "qualify"
  | string;

export interface TraceRecord {
  at_ms: number;
  kind: RecordKind;
  actor: string;
  summary: string;
  log: string | null;
  why: string | null;
  sip: SipText | null;
  /** For registrar changes: "added" | "refreshed" | "removed" | "rejected" | "ignored". */
  change: string | null;
  aor: string | null;
  /** Devices this record concerns. */
  devices: string[];
}

export interface ContactRow {
  aor: string;
  uri: string;
  expires_in_s: number;
  status: string;
  /** The device this binding reaches now, if any. */
  reaches: string | null;
}

export interface State {
  at_ms: number;
  contacts: ContactRow[];
  show_contacts: string;
  /** PJSIP_DIAL_CONTACTS per endpoint: [endpoint, dial string]. */
  dial: [string, string][];
}

export interface Trace {
  title: string;
  lesson: string;
  version: string;
  end_ms: number;
  /** Absolute Unix ms of simulated time 0. */
  epoch_ms: number;
  records: TraceRecord[];
  final_state: State;
  /** Further fields (states, bindings, reachability, counts, devices) are for the timeline. */
  summary: string[];
  warnings: Diagnostic[];
}

export type RunOutcome =
  | { ok: true; trace: Trace }
  | { ok: false; diagnostics: Diagnostic[] };
