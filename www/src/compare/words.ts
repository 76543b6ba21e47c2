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
      return (
        `${n.device} is unreachable between refreshes because ${n.nat} forgets idle mappings after ${n.idle_s} s. ` +
        `No registrar option (max_contacts, remove_existing, remove_unavailable, rewrite_contact) changes that; ` +
        `only traffic through the NAT more often than every ${n.idle_s} s does: keep-alives on the phone, or qualify_frequency below ${n.idle_s} s.`
      );
  }
}
