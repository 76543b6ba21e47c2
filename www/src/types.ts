// The shapes the wasm façade hands over (serde, json-compatible). They mirror the structs in
// crates/sim; the wasm tests (crates/wasm/tests) and the end-to-end tests check them.

export type Severity = "error" | "warning";

export interface Diagnostic {
  line: number;
  col: number;
  end_col: number;
  message: string;
  hint: string | null;
  severity: Severity;
  /** Problems that only follow from this one; absent when there are none. */
  follow_ons?: Diagnostic[];
}

export interface SipText {
  from: string;
  to: string;
  first_line: string;
  text: string;
  /** The request's method, or the answered request's (CSeq) for a response. */
  method: string;
  /** A response's status code (null for a request). */
  code: number | null;
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
  /** For NAT records: what happened to which mapping. */
  nat: NatEvent | null;
  /** The binding's stored URI (change and qualify records). */
  uri: string | null;
  /** A refusal's status code (rejected changes), or a SIP response's. */
  code: number | null;
}

export type NatEvent =
  | { kind: "mapped"; device: string; private: string; public_port: number; protocol: string }
  | { kind: "forgot"; device: string; private: string; public_port: number; protocol: string; idle_ms: number }
  | { kind: "reboot" }
  | { kind: "rebind"; device: string; old_port: number | null; new_port: number };

/** Why a phone stopped being reachable or registered (its first cause). */
export type Cause =
  | { kind: "mapping_forgotten"; nat: string; private: string; public_port: number; protocol: string; idle_ms: number }
  | { kind: "nat_reboot"; nat: string }
  | { kind: "nat_rebind"; nat: string; new_port: number }
  | { kind: "connection_closed"; why: string }
  | { kind: "moved"; address: string }
  | { kind: "rejected"; code: number; reason: string }
  | { kind: "no_answer" }
  | { kind: "binding_removed"; reason: string }
  | { kind: "unknown" };

/** A phone's state: reachable; stale = registered but the binding leads nowhere; unregistered;
 * gave_up; registering (first REGISTER on its way); idle (not asked to register); offline. */
export type Reach = "reachable" | "stale" | "unregistered" | "gave_up" | "registering" | "idle" | "offline";

export interface ContactRow {
  aor: string;
  uri: string;
  expires_in_s: number;
  /** When it expires (sim ms). */
  expires_at_ms: number;
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

/** A binding from added to removed. */
export interface BindingLife {
  aor: string;
  uri: string;
  device: string | null;
  added_ms: number;
  /** null while it still exists at the end. */
  removed_ms: number | null;
  /** "expired" | "deleted on read" | "remove existing" | "remove unavailable" | "connection closed"
   * | "pruned at boot" | "request" | "present" | … */
  ended_by: string;
  /** The plain explanation of how it ended (null while present). */
  end_why: string | null;
  /** When its last grant runs out. */
  expires_ms: number;
  /** For "deleted on read": when it expired. */
  expired_ms: number | null;
  refreshes: number;
}

/** A stretch of a device's reachability. */
export interface Span {
  device: string;
  from_ms: number;
  to_ms: number;
  state: Reach;
  /** For trouble (stale, unregistered, gave_up): its cause as the span began. */
  cause: Cause | null;
}

/** The number of bindings of an AOR from this moment on. */
export interface CountPoint {
  at_ms: number;
  aor: string;
  bindings: number;
  max_contacts: number;
}

/** A stretch where a phone that wanted to be reachable was not: one state, one cause. */
export interface Incident {
  device: string;
  start_ms: number;
  /** null: still lost at the end. */
  end_ms: number | null;
  state: Reach;
  cause: Cause;
  /** "from 1:00 to 4:49 (3m 49s) unreachable …: home forgot …" */
  text: string;
}

export interface DeviceSummary {
  device: string;
  reachable_ms: number;
  wanted_ms: number;
  /** Registered, but the binding led nowhere. */
  unreachable_ms: number;
  /** Not registered (refused, no answer, binding gone, gave up). */
  unregistered_ms: number;
  rejections_403: number;
  gave_up: boolean;
  incidents: Incident[];
  /** One line with the totals and first causes. */
  line: string;
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
  /** Snapshots of the contacts, in time order; see `stateAt` in views. */
  states: State[];
  bindings: BindingLife[];
  reachability: Span[];
  counts: CountPoint[];
  /** Worst first. */
  devices: DeviceSummary[];
  /** One line per phone, worst first (each device's `line`). */
  summary: string[];
  warnings: Diagnostic[];
}

export type RunOutcome =
  | { ok: true; trace: Trace }
  | { ok: false; diagnostics: Diagnostic[] };

// ---- What a Session (crates/wasm/src/session.rs, queries.rs) answers ----

/** How far a run has got. */
export interface Progress {
  at_ms: number;
  until_ms: number;
  events: number;
  done: boolean;
}

/** A finished run as the views hold it: the trace without its records (the worker keeps
 * those and answers windowed queries). */
export interface RunView {
  title: string;
  lesson: string;
  version: string;
  end_ms: number;
  /** Where the scenario asked to stop: above end_ms when the work budget cut the run. */
  until_ms: number;
  epoch_ms: number;
  record_count: number;
  message_count: number;
  bindings: BindingLife[];
  reachability: Span[];
  counts: CountPoint[];
  /** Worst first. */
  devices: DeviceSummary[];
  warnings: Diagnostic[];
  /** [device, NAT] for every device behind a NAT. */
  nat_of: [string, string][];
  device_names: string[];
  aors: string[];
  kinds: string[];
}

export interface RecordFilter {
  device?: string;
  aor?: string;
  kind?: string;
  text?: string;
  messages?: boolean;
}

export interface RecordQuery {
  filter?: RecordFilter;
  around_ms: number;
  before: number;
  after: number;
}

export interface Indexed {
  index: number;
  record: TraceRecord;
}

export interface RecordWindow {
  items: Indexed[];
  matched: number;
  total: number;
  /** Position among the matches of items[0]. */
  first: number;
  /** Position of the last match at or before around_ms (−1: none). */
  at: number;
}

/** One binding PJSIP_DIAL_CONTACTS(endpoint) dials. */
export interface DialTarget {
  endpoint: string;
  aor: string;
  uri: string;
  /** The device a call to it reaches now, if any. */
  reaches: string | null;
}

export interface DialEntry {
  endpoint: string;
  value: string;
  targets: DialTarget[];
}

export interface StateWindow {
  at_ms: number;
  contacts: ContactRow[];
  contacts_total: number;
  contacts_matched: number;
  dial: DialEntry[];
  dial_total: number;
  dial_matched: number;
  show_contacts: string | null;
}

export type MarkerKey = "rejected" | "nat-forgot" | "nat" | "connection" | "asterisk" | "dial" | "qualify";

export interface MarkerRow {
  key: MarkerKey;
  total: number;
  items: Indexed[] | null;
  counts: number[] | null;
}
