// Sentences for Compare and Advise, written here from typed fields (the Rust side's English is
// for the command line only).

import { clock, duration } from "../format";
import type { Reach } from "../types";
import type { Difference, Figure, Figures, Note, Trade } from "./types";

export function stateWords(state: Reach): string {
  if (state === "stale") return "unreachable spell (stale binding)";
  if (state === "gave_up") return "lost registration (gave up)";
  return "lost registration";
}

export function differenceText(d: Difference, endMs: number): string {
  return `B ${d.change} ${d.device}'s ${stateWords(d.state)} ${clock(d.start_ms)}–${clock(d.end_ms ?? endMs)}`;
}

export function ms(n: number): string {
  return n === 0 ? "0s" : duration(Math.max(1, Math.round(n / 1000)));
}

export const FIGURES: { figure: Figure; key: keyof Figures; label: string; time: boolean }[] = [
  { figure: "not_registered", key: "not_registered_ms", label: "not registered", time: true },
  { figure: "unreachable", key: "unreachable_ms", label: "unreachable", time: true },
  { figure: "rejections403", key: "rejections_403", label: "403s", time: false },
  { figure: "gave_up", key: "gave_up", label: "gave up", time: false },
  { figure: "dials_ringing_nobody", key: "dials_ringing_nobody", label: "dials ringing nobody", time: false },
  { figure: "stale_bindings_at_end", key: "stale_bindings_at_end", label: "stale bindings at the end", time: false },
];

/** What a change costs in traffic, when it makes a quarter more SIP requests or beyond (as
 * compare::traffic_factor says it in Rust): "costs ×2.0 the SIP requests (26,642 → 53,439)". */
export function trafficText(before: Figures, after: Figures): string | null {
  if (before.requests === 0 || after.requests * 4 < before.requests * 5) return null;
  const n = (v: number) => v.toLocaleString("en");
  return `Costs ×${(after.requests / before.requests).toFixed(1)} the SIP requests (REGISTER, OPTIONS): ${n(before.requests)} → ${n(after.requests)}.`;
}

export function figureValue(f: (typeof FIGURES)[number], v: number): string {
  return f.time ? ms(v) : String(v);
}

export function tradeText(t: Trade): string {
  const f = FIGURES.find((x) => x.figure === t.figure)!;
  return `${f.label} ${figureValue(f, t.before)} → ${figureValue(f, t.after)}`;
}

export function noteText(n: Note): string {
  switch (n.kind) {
    case "already_right":
      return "Every setting is already right: no phone lost its registration or was unreachable, and nothing rang a stale binding.";
    case "nothing_helps":
      return "No Asterisk setting tried makes any figure better.";
    case "none_removes_every_lost":
      return "No Asterisk setting tried removes every lost registration.";
    case "none_clears_unreachable":
      return "No pjsip.conf setting tried removes all the time phones are unreachable (stale bindings).";
    case "nat_forgets_idle":
      return natNote(n);
  }
}

/** "p1", "p1 and p2", "p1, p2 and p3", "16 phones (p1, p2, p3, …)": as the CLI says it. */
function phones(devices: string[]): string {
  if (devices.length <= 1) return devices[0] ?? "";
  if (devices.length === 2) return `${devices[0]} and ${devices[1]}`;
  if (devices.length === 3) return `${devices[0]}, ${devices[1]} and ${devices[2]}`;
  return `${devices.length} phones (${devices.slice(0, 3).join(", ")}, …)`;
}

function natNote(n: Extract<Note, { kind: "nat_forgets_idle" }>): string {
  const who = phones(n.devices);
  const one = n.devices.length === 1;
  const nats = n.nats.join(", ");
  const forgets = n.nats.length > 1 ? "forget" : "forgets";
  const noOption =
    "No registrar option (max_contacts, remove_existing, remove_unavailable, rewrite_contact) changes that";
  if (n.qualify_s !== null && n.outage_at_ms !== null) {
    return (
      `${who} lost ${one ? "its" : "their"} NAT mapping around Asterisk's restart at ${clock(n.outage_at_ms)}: ` +
      `qualify runs every ${n.qualify_s} s, but from the last OPTIONS before the restart to the first after it more than ${n.idle_s} s passed, ` +
      `and ${nats} ${forgets} idle mappings after ${n.idle_s} s. ${noOption}; only traffic the phone itself sends ` +
      `(keep-alives more often than every ${n.idle_s} s) keeps a mapping through an outage, and a shorter registration interval shortens the stale time.`
    );
  }
  if (n.qualify_s !== null) {
    return (
      `${who} ${one ? "is" : "are"} unreachable because ${nats} ${forgets} idle mappings after ${n.idle_s} s, ` +
      `although qualify runs every ${n.qualify_s} s (no OPTIONS reached the phone for that long). ${noOption}; ` +
      `only traffic the phone itself sends more often than every ${n.idle_s} s (keep-alives) keeps the mapping.`
    );
  }
  return (
    `${who} ${one ? "is" : "are"} unreachable between refreshes because ${nats} ${forgets} idle mappings after ${n.idle_s} s. ` +
    `${noOption}; only traffic through the NAT more often than every ${n.idle_s} s does: keep-alives on the phone, or qualify_frequency below ${n.idle_s} s.`
  );
}
