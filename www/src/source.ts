// What the views ask of a finished run, answered by a wasm `Session` (crates/wasm/src/session.rs)
// that keeps the whole trace: in the simulation worker for the playground, on the page's own
// thread for the embed (a sandboxed iframe may not start workers). The views hold only a
// RunView and ask for what they draw.

import type { MarkerRow, RecordQuery, RecordWindow, StateWindow, TraceRecord } from "./types";

export interface RunSource {
  /** Contacts and dial strings at `t` whose AOR, URI, device or endpoint contains `filter`. */
  stateAt(t: number, filter: string, limit: number): Promise<StateWindow>;
  records(query: RecordQuery): Promise<RecordWindow>;
  record(index: number): Promise<TraceRecord | null>;
  markers(from: number, to: number, buckets: number, maxItems: number): Promise<MarkerRow[]>;
  /** The next moment something happened after `t` (dir > 0), or the last one before it. */
  step(t: number, dir: number): Promise<number>;
}

/** The wasm glue's Session class, as far as the queries use it. */
export interface SessionHandle {
  state_at(t: number, filter: string, limit: number): unknown;
  records(device: string, aor: string, kind: string, text: string, messages: boolean, aroundMs: number, before: number, after: number): unknown;
  record(index: number): unknown;
  markers(from: number, to: number, buckets: number, maxItems: number): unknown;
  step(t: number, dir: number): number;
  free(): void;
}

export type QueryMethod = keyof RunSource;

/** Answers one query from a session (the worker's and the embed's one switch). */
export function answer(session: SessionHandle, method: QueryMethod, args: unknown[]): unknown {
  const n = (i: number) => Number(args[i]);
  switch (method) {
    case "stateAt":
      return session.state_at(n(0), String(args[1] ?? ""), n(2));
    case "records": {
      const q = args[0] as RecordQuery;
      const f = q.filter ?? {};
      return session.records(f.device ?? "", f.aor ?? "", f.kind ?? "", f.text ?? "", !!f.messages, q.around_ms, q.before, q.after);
    }
    case "record":
      return session.record(n(0)) ?? null;
    case "markers":
      return session.markers(n(0), n(1), n(2), n(3));
    case "step":
      return session.step(n(0), n(1));
  }
}

/** A source over a session on this thread (the embed). */
export function localSource(session: SessionHandle): RunSource {
  const ask = <T>(method: QueryMethod, ...args: unknown[]) =>
    new Promise<T>((resolve) => resolve(answer(session, method, args) as T));
  return sourceOver(ask);
}

/** A source from one `ask` function: every method is a query by name. */
export function sourceOver(ask: <T>(method: QueryMethod, ...args: unknown[]) => Promise<T>): RunSource {
  return {
    stateAt: (t, filter, limit) => ask("stateAt", t, filter, limit),
    records: (query) => ask("records", query),
    record: (index) => ask("record", index),
    markers: (from, to, buckets, maxItems) => ask("markers", from, to, buckets, maxItems),
    step: (t, dir) => ask("step", t, dir),
  };
}
