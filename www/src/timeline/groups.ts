// The timeline at site size: phones grouped per NAT (or per AOR), groups folded until opened or
// until the filter finds a phone in them, and a row counting phones that lost their
// registration over time. Pure data from the RunView; timeline.ts draws it.

import type { RunView, Span } from "../types";

/** Past this many phones the timeline groups its lanes (smaller runs keep a lane each). */
export const GROUP_AFTER = 12;
/** At most this many lanes are drawn; the filter narrows the rest. */
export const MAX_LANES = 300;

export type GroupBy = "nat" | "aor";

export interface LaneGroup {
  key: string;
  label: string;
  /** Phones in the group, in the run's device order (worst first). */
  devices: string[];
}

const TROUBLE = new Set(["stale", "unregistered", "gave_up"]);

/** What the views index once per run. */
export interface RunIndex {
  spansOf: Map<string, Span[]>;
  bindingsOf: Map<string, number[]>;
  aorOf: Map<string, string>;
  natOf: Map<string, string>;
  /** Every phone's trouble starts (+1) and ends (−1), in time order. */
  trouble: [number, number][];
}

const indexes = new WeakMap<RunView, RunIndex>();

export function indexOf(run: RunView): RunIndex {
  let index = indexes.get(run);
  if (index) return index;
  const spansOf = new Map<string, Span[]>();
  const trouble: [number, number][] = [];
  for (const sp of run.reachability) {
    if (!spansOf.has(sp.device)) spansOf.set(sp.device, []);
    spansOf.get(sp.device)!.push(sp);
    if (TROUBLE.has(sp.state) && sp.to_ms > sp.from_ms) trouble.push([sp.from_ms, 1], [sp.to_ms, -1]);
  }
  trouble.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const bindingsOf = new Map<string, number[]>();
  const aorOf = new Map<string, string>();
  run.bindings.forEach((b, i) => {
    const who = b.device ?? "?";
    if (!bindingsOf.has(who)) bindingsOf.set(who, []);
    bindingsOf.get(who)!.push(i);
    if (b.device && !aorOf.has(b.device)) aorOf.set(b.device, b.aor);
  });
  index = { spansOf, bindingsOf, aorOf, natOf: new Map(run.nat_of), trouble };
  indexes.set(run, index);
  return index;
}

/** The phones of the run, grouped per NAT (phones on the open internet last) or per AOR. */
export function groupsOf(run: RunView, by: GroupBy): LaneGroup[] {
  const index = indexOf(run);
  const phones = [...new Set([...run.devices.map((d) => d.device), ...index.spansOf.keys()])];
  const groups = new Map<string, LaneGroup>();
  for (const d of phones) {
    const key = by === "nat" ? (index.natOf.get(d) ?? "") : (index.aorOf.get(d) ?? "");
    if (!groups.has(key)) {
      const label = key === "" ? (by === "nat" ? "no NAT" : "no binding") : by === "nat" ? `NAT ${key}` : `AOR ${key}`;
      groups.set(key, { key, label, devices: [] });
    }
    groups.get(key)!.devices.push(d);
  }
  return [...groups.values()].sort((a, b) => (a.key === "") === (b.key === "") ? a.key.localeCompare(b.key, undefined, { numeric: true }) : a.key === "" ? 1 : -1);
}

/** Phones whose name, AOR or NAT contains the filter (lower case); all when it is empty. */
export function matching(run: RunView, filter: string): Set<string> | null {
  if (!filter) return null;
  const index = indexOf(run);
  const out = new Set<string>();
  for (const d of new Set([...run.devices.map((x) => x.device), ...index.spansOf.keys()])) {
    const hay = `${d} ${index.aorOf.get(d) ?? ""} ${index.natOf.get(d) ?? ""}`.toLowerCase();
    if (hay.includes(filter)) out.add(d);
  }
  return out;
}

/**
 * How many phones were in trouble (registered but unreachable, not registered, gave up) in each
 * of `buckets` equal slices of [from, to]: the most at any moment of the slice.
 */
export function troubleCounts(events: [number, number][], from: number, to: number, buckets: number): number[] {
  const out = new Array<number>(buckets).fill(0);
  const width = Math.max(1, to - from) / buckets;
  let now = 0;
  let k = 0;
  // Everything before the window sets the level the window starts at.
  while (k < events.length && events[k]![0] <= from) now += events[k++]![1];
  for (let b = 0; b < buckets; b++) {
    const end = from + (b + 1) * width;
    let most = now;
    while (k < events.length && events[k]![0] < end) {
      now += events[k++]![1];
      most = Math.max(most, now);
    }
    out[b] = most;
  }
  return out;
}

/** The trouble events of some phones only (a group's strip). */
export function troubleOf(run: RunView, devices: string[]): [number, number][] {
  const index = indexOf(run);
  const out: [number, number][] = [];
  for (const d of devices) {
    for (const sp of index.spansOf.get(d) ?? []) {
      if (TROUBLE.has(sp.state) && sp.to_ms > sp.from_ms) out.push([sp.from_ms, 1], [sp.to_ms, -1]);
    }
  }
  return out.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}
