// Time axis helpers: nice tick steps and labels (m:ss / h:mm:ss).

import { clock } from "../format";

const STEPS_MS = [
  100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000,
  900_000, 1_800_000, 3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000,
];

/** A tick step so that about `wanted` ticks fit in [from, to]. */
export function tickStep(from: number, to: number, wanted: number): number {
  const span = Math.max(1, to - from);
  for (const step of STEPS_MS) if (span / step <= wanted) return step;
  return STEPS_MS[STEPS_MS.length - 1]!;
}

export function ticks(from: number, to: number, wanted: number): number[] {
  const step = tickStep(from, to, Math.max(2, wanted));
  const out: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) out.push(t);
  return out;
}

/** A tick label; sub-second steps show tenths. */
export function tickLabel(ms: number, step: number): string {
  if (step < 1000) return `${clock(ms)}.${Math.floor((ms % 1000) / 100)}`;
  return clock(ms);
}

/** A precise moment for tooltips: m:ss, or m:ss.mmm when not on a whole second. */
export function preciseClock(ms: number): string {
  const rest = ms % 1000;
  return rest === 0 ? clock(ms) : `${clock(ms)}.${String(rest).padStart(3, "0")}`;
}
