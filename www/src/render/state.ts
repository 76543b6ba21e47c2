// The state at a moment, exactly like `Trace::state_at` in crates/sim: the last snapshot at or
// before `t`, expiries reduced by the whole seconds elapsed, expired rows dropped; at the end,
// the final state.

import type { State, Trace } from "../types";

export function stateAt(trace: Trace, t: number): State {
  // At the end, the final snapshot is the state.
  if (t >= trace.end_ms) return { ...trace.final_state, at_ms: t };
  const states = trace.states;
  let lo = 0;
  let hi = states.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (states[mid]!.at_ms <= t) lo = mid + 1;
    else hi = mid;
  }
  const base = lo === 0 ? (states[0] ?? trace.final_state) : states[lo - 1]!;
  const dt = Math.floor(Math.max(0, t - base.at_ms) / 1000);
  return {
    at_ms: t,
    contacts: base.contacts
      .map((c) => ({ ...c, expires_in_s: c.expires_in_s - dt }))
      .filter((c) => c.expires_in_s > 0 || c.status === "static"),
    show_contacts: base.show_contacts,
    dial: base.dial,
  };
}
