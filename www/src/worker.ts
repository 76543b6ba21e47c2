// The simulation's own thread: loads the wasm module the page compiled, runs scenario text,
// posts back the outcome (and, for a text too long to read on the page's thread, its quick
// controls). A throw or a panic (a wasm trap) is reported as "crash"; the page
// then starts a fresh worker.

import init, { controls, panic_for_test, run_scenario } from "../dist/pkg/aorlab_wasm.js";

interface Request {
  type: "init" | "run" | "panic";
  id?: number;
  text?: string;
  /** Also read the quick controls (the page does so itself for short texts). */
  controls?: boolean;
  module?: WebAssembly.Module;
}

const scope = self as unknown as {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent<Request>) => void) | null;
};

let ready: Promise<unknown> | null = null;

scope.onmessage = (event) => {
  const msg = event.data;
  if (msg.type === "init") {
    ready = init({ module_or_path: msg.module! });
    ready.catch((error: unknown) => scope.postMessage({ type: "crash", message: describe(error) }));
    return;
  }
  void (async () => {
    try {
      await ready;
      const started = performance.now();
      if (msg.type === "panic") panic_for_test();
      const outcome = run_scenario(msg.text ?? "");
      const ms = performance.now() - started;
      const read = msg.controls ? controls(msg.text ?? "") : undefined;
      scope.postMessage({ type: "result", id: msg.id, outcome, ms, controls: read });
    } catch (error) {
      scope.postMessage({ type: "crash", id: msg.id, message: describe(error) });
    }
  })();
};

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
