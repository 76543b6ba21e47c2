// The state at a moment, exactly like `Trace::state_at` in crates/sim: the last snapshot at or
// before `t`, rows expired by `t` (to the ms) dropped, whole seconds left shown; at the end,
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
  return {
    at_ms: t,
    contacts: base.contacts
      .filter((c) => c.status === "static" || c.expires_at_ms > t)
      .map((c) => (c.status === "static" ? c : { ...c, expires_in_s: Math.floor((c.expires_at_ms - t) / 1000) })),
    show_contacts: base.show_contacts,
    dial: base.dial,
  };
}
