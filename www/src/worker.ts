// The simulation's own thread. It loads the wasm module the page compiled, runs scenario text in
// slices (posting progress between them) and keeps the finished run in a wasm `Session`, which
// answers the views' queries. The page keeps two of these: one holds the run on screen, the other
// runs the next text, so the cursor keeps working during a long run and Cancel is a terminate.
// A throw or a panic (a wasm trap) is reported as "crash"; the page then drops this worker.

import init, { controls, panic_for_test, record_budget_for_test, Session, work_budget_for_test } from "../dist/pkg/aorlab_wasm.js";
import { answer, type QueryMethod } from "./source";
import type { Progress } from "./types";

export type ToWorker =
  | { type: "init"; module: WebAssembly.Module }
  // `controls`: also read the quick controls (the page reads a short text's itself).
  | { type: "run"; id: number; text: string; controls?: boolean }
  | { type: "panic"; id: number }
  | { type: "ask"; q: number; method: QueryMethod; args: unknown[] }
  | { type: "free" }
  // For the tests: smaller guards (0: the engine's own).
  | { type: "budget"; budget: number; records: number };

export type FromWorker =
  | { type: "progress"; id: number; progress: Progress }
  | { type: "result"; id: number; outcome: { ok: true; view: unknown } | { ok: false; diagnostics: unknown }; ms: number; controlsJson?: string }
  | { type: "answer"; q: number; value?: unknown; error?: string }
  | { type: "crash"; id?: number; message: string };

/** A slice of events takes about SLICE_MS (its size adapts: an event of a 2,000-phone site
 * costs far more than one of a preset); progress is posted at most every PROGRESS_MS. */
const SLICE_MS = 40;
const PROGRESS_MS = 100;

const scope = self as unknown as {
  postMessage(message: FromWorker): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
};

let ready: Promise<unknown> | null = null;
let session: Session | null = null;

function post(message: FromWorker): void {
  scope.postMessage(message);
}

function run(id: number, text: string, withControls = false): void {
  // As JSON text: a site's controls are hundreds of thousands of small objects, and a string
  // crosses to the page in one copy where an object graph is rebuilt on the page's thread; the
  // page compares it with what it shows and parses it only when it changed.
  const read = withControls ? { controlsJson: JSON.stringify(controls(text)) } : {};
  const started = performance.now();
  const next = new Session(text);
  const problems = next.problems();
  if (problems !== null) {
    next.free();
    post({ type: "result", id, outcome: { ok: false, diagnostics: problems }, ms: performance.now() - started, ...read });
    return;
  }
  let last = started;
  let slice = 100;
  for (;;) {
    const t0 = performance.now();
    const progress = next.advance(slice) as Progress;
    if (progress.done) break;
    const now = performance.now();
    const took = Math.max(0.1, now - t0);
    slice = Math.max(1, Math.min(slice * 4, 1_000_000, Math.round((slice * SLICE_MS) / took)));
    if (now - last >= PROGRESS_MS) {
      last = now;
      post({ type: "progress", id, progress });
    }
  }
  session?.free();
  session = next;
  post({ type: "result", id, outcome: { ok: true, view: next.view() }, ms: performance.now() - started, ...read });
}

scope.onmessage = (event) => {
  const msg = event.data;
  if (msg.type === "init") {
    ready = init({ module_or_path: msg.module });
    ready.catch((error: unknown) => post({ type: "crash", message: describe(error) }));
    return;
  }
  void (async () => {
    await ready;
    if (msg.type === "ask") {
      try {
        if (!session) throw new Error("no run is kept here");
        post({ type: "answer", q: msg.q, value: answer(session, msg.method, msg.args) });
      } catch (error) {
        if (error instanceof WebAssembly.RuntimeError) post({ type: "crash", message: describe(error) });
        else post({ type: "answer", q: msg.q, error: describe(error) });
      }
      return;
    }
    if (msg.type === "budget") {
      work_budget_for_test(msg.budget);
      record_budget_for_test(msg.records);
      return;
    }
    if (msg.type === "free") {
      session?.free();
      session = null;
      return;
    }
    try {
      if (msg.type === "panic") panic_for_test();
      else run(msg.id, msg.text, msg.controls);
    } catch (error) {
      post({ type: "crash", id: msg.id, message: describe(error) });
    }
  })();
};

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
