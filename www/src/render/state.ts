// The state at a moment, as `StateLog::state_at` in crates/sim/src/state_log.rs computes it: the
// last checkpoint at or before `t`, the row changes since, rows expired by `t` (to the ms)
// dropped, whole seconds left shown; stored bindings in contact-id order (aor;@md5), dial
// strings per endpoint in Asterisk's retrieval order with Unreachable ones left out. The
// `pjsip show contacts` text is not rebuilt here (Rust's state_at makes it).

import type { ContactRow, DialTarget, LogRow, State, StateLog, Trace } from "../types";

type Rows = Map<string, [number, number, LogRow]>;

function rowsAt(log: StateLog, t: number): Rows {
  const upTo = (n: number, f: (i: number) => boolean): number => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (f(mid)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const n = upTo(log.changes.length, (i) => log.changes[i]!.at_ms <= t);
  const k = upTo(log.checkpoints.length, (i) => log.checkpoints[i]!.changes <= n);
  const rows: Rows = new Map();
  let from = 0;
  if (k > 0) {
    const cp = log.checkpoints[k - 1]!;
    for (const [a, u, r] of cp.rows) rows.set(`${a},${u}`, [a, u, r]);
    from = cp.changes;
  }
  for (const c of log.changes.slice(from, n)) {
    if (c.row) rows.set(`${c.aor},${c.uri}`, [c.aor, c.uri, c.row]);
    else rows.delete(`${c.aor},${c.uri}`);
  }
  for (const [key, [, , r]] of rows) if (r.expires_at_ms !== null && r.expires_at_ms <= t) rows.delete(key);
  return rows;
}

const byKey = (a: [string, unknown], b: [string, unknown]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

export function stateAt(trace: Trace, t: number): State {
  // At the end, the final state (Asterisk's own view when the run ended) is the state.
  if (t >= trace.end_ms) return { ...trace.final_state, at_ms: t };
  const log = trace.state_log;
  const rows = rowsAt(log, t);
  const id = (a: number, u: number, isStatic: boolean): string =>
    `${log.aors[a]}${isStatic ? "@@" : ";@"}${log.uri_md5[u]}`;
  const device = (r: LogRow): string | null => (r.reaches === null ? null : log.devices[r.reaches]!);
  const dynamic: [string, ContactRow][] = [];
  for (const [a, u, r] of rows.values()) {
    if (r.is_static) continue;
    const at = r.expires_at_ms ?? t;
    dynamic.push([
      id(a, u, false),
      {
        aor: log.aors[a]!,
        uri: log.uris[u]!,
        expires_in_s: Math.floor((at - t) / 1000),
        expires_at_ms: at,
        status: r.status,
        reaches: device(r),
      },
    ]);
  }
  dynamic.sort(byKey);
  const dial: [string, string][] = [];
  const dialTargets: DialTarget[] = [];
  let e = log.endpoints.length;
  while (e > 0 && log.endpoints[e - 1]!.at_ms > t) e--;
  for (const [endpoint, aors] of e > 0 ? log.endpoints[e - 1]!.endpoints : []) {
    const parts: string[] = [];
    for (const a of aors) {
      const ofAor: [string, [number, LogRow]][] = [];
      for (const [ra, u, r] of rows.values()) {
        if (ra !== a || r.status === "Unreachable") continue;
        const after = r.is_static && !log.statics_by_id;
        ofAor.push([`${after ? 1 : 0}${after ? log.uris[u] : id(a, u, r.is_static)}`, [u, r]]);
      }
      ofAor.sort(byKey);
      for (const [, [u, r]] of ofAor) {
        const uri = log.uris[u]!;
        parts.push(`PJSIP/${endpoint}/${uri}`);
        dialTargets.push({ endpoint, aor: log.aors[a]!, uri, reaches: device(r) });
      }
    }
    dial.push([endpoint, parts.join("&")]);
  }
  return {
    at_ms: t,
    contacts: dynamic.map(([, c]) => c),
    show_contacts: "",
    dial,
    dial_targets: dialTargets,
  };
}
