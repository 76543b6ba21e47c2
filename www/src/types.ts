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
  | string;

export interface TraceRecord {
  at_ms: number;
  kind: RecordKind;
  actor: string;
  summary: string;
  log: string | null;
  why: string | null;
  sip: SipText | null;
}

export interface ContactRow {
  aor: string;
  uri: string;
  expires_in_s: number;
  status: string;
}

export interface State {
  at_ms: number;
  contacts: ContactRow[];
  show_contacts: string;
}

export interface Trace {
  end_ms: number;
  records: TraceRecord[];
  final_state: State;
}

export type RunOutcome =
  | { ok: true; trace: Trace }
  | { ok: false; diagnostics: Diagnostic[] };
