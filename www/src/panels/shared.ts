// What the views share: the selection, names for how a binding ended, and lookups that only
// read the Trace (nothing here decides registrar policy).

import type { RunSource } from "../source";
import type { BindingLife, RunView, TraceRecord } from "../types";

export type Selection = { type: "binding"; index: number } | { type: "record"; index: number } | null;

/** Callbacks the panels and the timeline use to talk to the views. */
export interface Ctx {
  /** The run on screen (without its records: ask `source`). */
  run: RunView;
  source: RunSource;
  cursor: number;
  selection: Selection;
  setCursor(ms: number, from?: string): void;
  select(sel: Selection, from?: string): void;
}

/** How a binding ended, as a person says it, plus a short tag for narrow lanes. */
export const ENDINGS: Record<string, { label: string; short: string; cls: string }> = {
  present: { label: "still present at the end", short: "present", cls: "present" },
  expired: { label: "expired (no refresh in time)", short: "expired", cls: "expired" },
  "deleted on read": {
    label: "expired; deleted later, without a log line, when something read its AOR",
    short: "expired",
    cls: "expired",
  },
  "remove existing": { label: "evicted by remove_existing", short: "evicted", cls: "remove-existing" },
  "remove unavailable": {
    label: "evicted by remove_unavailable",
    short: "unavailable",
    cls: "remove-unavailable",
  },
  "connection closed": { label: "removed: its connection closed", short: "conn. closed", cls: "connection-closed" },
  "pruned at boot": { label: "pruned at boot (restart)", short: "pruned at boot", cls: "pruned-at-boot" },
  request: { label: "unregistered (Expires: 0)", short: "unregistered", cls: "request" },
};

export function ending(endedBy: string): { label: string; short: string; cls: string } {
  return ENDINGS[endedBy] ?? { label: endedBy, short: endedBy, cls: "other" };
}

export const REACH: Record<string, { label: string; cls: string }> = {
  reachable: { label: "reachable", cls: "reachable" },
  stale: { label: "unreachable (registered, stale binding)", cls: "unreachable" },
  unregistered: { label: "not registered", cls: "unregistered" },
  gave_up: { label: "gave up", cls: "gave-up" },
  registering: { label: "registering", cls: "registering" },
  idle: { label: "not registering", cls: "idle" },
  offline: { label: "offline", cls: "offline" },
};

export function reach(state: string): { label: string; cls: string } {
  return REACH[state] ?? { label: state, cls: "other" };
}

/** A message on the wire: a REGISTER, its answer, or Asterisk's qualify OPTIONS. */
export function isMessage(r: TraceRecord): boolean {
  return r.sip !== null;
}

/** A registrar change record about this binding (added, refreshed, removed). */
export function concernsBinding(r: TraceRecord, b: BindingLife): boolean {
  return r.kind === "change" && r.aor === b.aor && r.uri === b.uri;
}

/** The NAT each device is behind. */
export function natOf(run: RunView): Map<string, string> {
  return new Map(run.nat_of);
}

/** Index of the last record at or before `t` (−1 if none) in a time-ordered list. */
export function lastAtOrBefore<T>(items: T[], t: number, at: (x: T) => number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (at(items[mid]!) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

export function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-");
}
