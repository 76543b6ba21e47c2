// A Compare/Advise worker: loads the wasm module the page compiled and runs whole scenarios
// (both sides of a comparison, the scenario as written, one advise job, posting how far it has
// come). Several run at once (pool.ts); a throw or a wasm trap is reported and the pool
// replaces this worker.

import init, { advise_measure, advise_start, compare_texts } from "../../dist/pkg/aorlab_wasm.js";

export type WorkRequest =
  | { type: "compare"; a: string; b: string; sets: string[] }
  | { type: "start"; text: string }
  | { type: "measure"; text: string; job: unknown };

type Message = { type: "init"; module: WebAssembly.Module } | { type: "work"; id: number; work: WorkRequest };

const scope = self as unknown as {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent<Message>) => void) | null;
};

let ready: Promise<unknown> | null = null;

/** Progress messages at most this often (a run reports every few thousand events). */
const PROGRESS_GAP_MS = 100;

function perform(work: WorkRequest, id: number): unknown {
  switch (work.type) {
    case "compare":
      return compare_texts(work.a, work.b, work.sets);
    case "start":
      return advise_start(work.text);
    case "measure": {
      let last = 0;
      return advise_measure(work.text, work.job, (at: number, until: number) => {
        const now = performance.now();
        if (now - last < PROGRESS_GAP_MS) return;
        last = now;
        scope.postMessage({ id, progress: until > 0 ? Math.min(1, at / until) : 0 });
      });
    }
  }
}

scope.onmessage = (event) => {
  const msg = event.data;
  if (msg.type === "init") {
    ready = init({ module_or_path: msg.module });
    return;
  }
  void (async () => {
    try {
      await ready;
      const started = performance.now();
      const answer = perform(msg.work, msg.id);
      scope.postMessage({ id: msg.id, answer, ms: performance.now() - started });
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      scope.postMessage({ id: msg.id, crash: message });
    }
  })();
};
