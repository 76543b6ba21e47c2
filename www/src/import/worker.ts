// The import's own thread: parsing a large log or capture never blocks the page. Loads the
// wasm module the page compiled, calls import_capture, posts back the outcome.

import init, { import_capture } from "../../dist/pkg/aorlab_wasm.js";

interface Request {
  type: "init" | "import";
  id?: number;
  module?: WebAssembly.Module;
  bytes?: Uint8Array;
  conf?: string;
  release?: string;
  anonymise?: boolean;
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
    return;
  }
  void (async () => {
    try {
      await ready;
      const started = performance.now();
      const outcome = import_capture(msg.bytes ?? new Uint8Array(), msg.conf || undefined, msg.release || undefined, msg.anonymise ?? false);
      scope.postMessage({ type: "result", id: msg.id, outcome, ms: performance.now() - started });
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      scope.postMessage({ type: "crash", id: msg.id, message });
    }
  })();
};
