// The shapes `import_capture` hands over: they mirror crates/capture/src/report.rs (and the
// types it uses). Only the fields the page reads are listed.

export type BlindSpotKind =
  | "earlier_bindings"
  | "restarts"
  | "log_lines"
  | "qualify_from_options"
  | "connection_closes"
  | "server_address"
  | "second_resolution"
  | "time_zone"
  | "unreadable_streams"
  | "fragments"
  | "tcp_gaps"
  | "truncated_blocks"
  | "unlogged_registers";

export interface Place {
  kind: "line" | "packet";
  n: number;
}

export interface ImportError {
  place: Place | null;
  message: string;
  hint: string | null;
}

export interface Answer {
  status: number;
  reason: string;
  expires_header: number | null;
  contacts: [string, number | null][];
}

export type Field = "answered" | "status" | "reason" | "expires_header" | "contacts" | "contact_expires";

export interface Difference {
  field: Field;
  contact: string | null;
  captured: string;
  model: string;
}

export interface Row {
  at_us: number;
  clock: string;
  device: string;
  aor: string;
  transport: string;
  peer: string;
  contacts: string[];
  expires: string | null;
  retransmission: boolean;
  captured: Answer | null;
  model: Answer | null;
  differences: Difference[];
  hint: string | null;
}

export interface AddressUse {
  peer: string;
  transport: string;
  from_us: number;
  change: "new_port" | "new_address" | "new_connection" | null;
}

export interface Device {
  name: string;
  aor: string;
  instance: string | null;
  call_ids: string[];
  user_agent: string | null;
  addresses: AddressUse[];
  /** Indexes into `rows` (the story's REGISTERs). */
  registers: number[];
}

/** A registered stretch, as the 200 OKs listed the binding (crates/capture/src/registered.rs). */
export interface Stretch {
  from_us: number;
  to_us: number;
  end: "expired" | "not_listed" | "capture_end";
}

/** One captured REGISTER the what-if answers differently (crates/capture/src/whatif.rs). */
export interface Changed {
  register: number;
  at_us: number;
  clock: string;
  device: string;
  captured: Answer | null;
  whatif: Answer | null;
  differences: Difference[];
  why: string[];
  baseline_differs: boolean;
}

export interface DeviceTime {
  device: string;
  captured: Stretch[];
  whatif: Stretch[];
  captured_ms: number;
  whatif_ms: number;
}

export interface WhatIf {
  sets: string[];
  release: string;
  conf: string;
  compared: number;
  changed: Changed[];
  devices: DeviceTime[];
  span_ms: number;
  cannot_know: string[];
}

/** A control's value and where it is written (crates/sim/src/edit). */
export interface Setting<T> {
  value: T;
  source: { from: "section"; line: number } | { from: "template"; name: string; line: number; users: string[] } | { from: "default" };
}

export interface Controls {
  aors: { name: string; max_contacts: Setting<number>; remove_existing: Setting<boolean>; remove_unavailable: Setting<boolean> }[];
  endpoints: { name: string; rewrite_contact: Setting<boolean> }[];
}

export type ServerEvent =
  | { kind: "connection_closed"; at_us: number; conn: number; peer: string; by: "device" | "server" | null; how: "fin" | "rst" | "logged_removal" }
  | { kind: "stopped"; at_us: number; how: "graceful" | "unlogged" }
  | { kind: "booted"; at_us: number; version: string | null }
  | { kind: "qualify"; at_us: number; aor: string; uri: string; status: "reachable" | "unreachable" }
  | { kind: "log"; at_us: number; text: string };

export interface DeviceOutcome {
  device: string;
  answered: number;
  refused_by_asterisk: number;
  refused_by_model: number | null;
  last_status_asterisk: number | null;
  last_status_model: number | null;
}

export interface Report {
  capture: {
    input: "asterisk_log" | "pcap" | "pcap_ng";
    units_read: number;
    packets: { at_us: number }[];
    events: ServerEvent[];
    warnings: { place: Place | null; message: string }[];
    utc_offset_s: number | null;
  };
  story: { devices: Device[] };
  release: { name: string; from: "given" | "capture" | "default" };
  blind_spots: { kind: BlindSpotKind; explain: string }[];
  unknown_settings: string | null;
  rows: Row[];
  outcomes: DeviceOutcome[];
  check: { passed: number; failed: number; unanswered: number } | null;
  /** Per device (as `story.devices`): registered as Asterisk's 200 OKs listed it. */
  registered: Stretch[][];
  whatif: WhatIf | null;
  controls: Controls | null;
  scenario: string;
}

export type ImportOutcome = { ok: true; report: Report } | { ok: false; error: ImportError };
