// The cheap Compare/Advise calls, made on the page's own thread (no scenario runs here: those
// go to the workers). The wasm module is already initialised by loadSim (wasm.ts).

import {
  advise_conclude,
  advise_next_round,
  apply_sets,
  decode_link,
  encode_pair_link,
} from "../../dist/pkg/aorlab_wasm.js";
import type { Advice, Answer, Baseline, Job, Measured } from "./types";

export function applySets(text: string, sets: string[]): Answer<string> {
  return apply_sets(text, sets) as Answer<string>;
}

export function nextRound(baseline: Baseline, measured: Measured[]): Job[] {
  return advise_next_round(baseline, measured) as Job[];
}

export function conclude(baseline: Baseline, measured: Measured[]): Advice {
  return advise_conclude(baseline, measured) as Advice;
}

/** The fragment (no `#`) of a link holding both sides; it opens into Compare. */
export function pairLink(a: string, b: string, t?: number): string {
  return encode_pair_link(a, b, t);
}

/** Side B of a two-sided link in `fragment`, or null (a plain link, or none). */
export function sideB(fragment: string): string | null {
  if (!fragment) return null;
  const d = decode_link(fragment) as { b: string | null; problem: string | null };
  return d.b ?? null;
}
