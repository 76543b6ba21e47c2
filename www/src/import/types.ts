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
  | "truncated_blocks";

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
}

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
    packets: unknown[];
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
  scenario: string;
}

export type ImportOutcome = { ok: true; report: Report } | { ok: false; error: ImportError };
