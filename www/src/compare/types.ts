// The shapes of Compare and Advise as the wasm façade hands them over (crates/wasm/src/compare.rs).
// They mirror crates/sim/src/{compare,advise}.rs; the page reads these fields, never sentences.

import type { Reach, Trace } from "../types";

/** `{ ok, value }` or `{ ok: false, problem }`: every compare/advise call answers with one. */
export type Answer<T> = { ok: true; value: T } | { ok: false; problem: string };

export interface Figures {
  not_registered_ms: number;
  unreachable_ms: number;
  rejections_403: number;
  gave_up: number;
  dials_ringing_nobody: number;
  stale_bindings_at_end: number;
  /** SIP requests between the phones and Asterisk (REGISTER, OPTIONS). */
  requests: number;
}

export interface PhoneFigures extends Figures {
  device: string;
}

export interface Outcome {
  version: string;
  total: Figures;
  phones: PhoneFigures[];
}

export type Change = "removes" | "adds";

export interface Difference {
  change: Change;
  device: string;
  state: Reach;
  start_ms: number;
  /** null: lasted to the end. */
  end_ms: number | null;
}

export interface Comparison {
  sets: string[];
  a: Outcome;
  b: Outcome;
  differences: Difference[];
}

export interface Compared {
  a: Trace;
  b: Trace;
  comparison: Comparison;
}

export type Figure =
  | "not_registered"
  | "unreachable"
  | "rejections403"
  | "gave_up"
  | "dials_ringing_nobody"
  | "stale_bindings_at_end";

export interface Trade {
  figure: Figure;
  before: number;
  after: number;
}

export interface PhoneKeepalive {
  devices: string[];
  every_s: number;
}

export interface Job {
  set: string[];
  ideas: number;
  keepalive: PhoneKeepalive | null;
}

/** Opaque to the page: measured in a worker, handed back to advise_next_round / conclude. */
export interface Measured {
  job: Job;
  figures: Figures;
  spells: unknown;
}

export interface Baseline {
  outcome: Outcome;
  already_right: boolean;
  spells: unknown;
  quiet: unknown[];
}

export interface Start {
  baseline: Baseline;
  jobs: Job[];
}

export interface Suggestion {
  set: string[];
  ideas: number;
  before: Figures;
  after: Figures;
  removes_every_lost_registration: boolean;
  /** Nothing wrong at all after it (no lost registration, never unreachable, nothing stale). */
  all_clear: boolean;
  trades: Trade[];
  differences: Difference[];
}

export interface PhoneSide {
  keepalive: PhoneKeepalive;
  after: Figures;
}

export type Note =
  | { kind: "already_right" }
  | { kind: "nothing_helps" }
  | { kind: "none_removes_every_lost" }
  | { kind: "none_clears_unreachable" }
  | {
      kind: "nat_forgets_idle";
      devices: string[];
      nats: string[];
      idle_s: number;
      /** The AORs' qualify_frequency when it is already below idle_s. */
      qualify_s: number | null;
      /** An Asterisk restart or crash inside the silence the NAT forgot in. */
      outage_at_ms: number | null;
    };

export interface Advice {
  before: Outcome;
  /** When the scenario ends (a difference with end_ms null lasts until then). */
  end_ms: number;
  already_right: boolean;
  suggestions: Suggestion[];
  phone_side: PhoneSide[];
  notes: Note[];
  runs: number;
}
