// The import's own thread: parsing a large log or capture never blocks the page. Fetches the
// import's own wasm module (aorlab_import_wasm, not part of the playground's), calls
// import_capture, posts back the outcome.

import init, { import_capture } from "../../dist/pkg/aorlab_import_wasm.js";

interface Request {
  type: "import";
  id?: number;
  bytes?: Uint8Array;
  conf?: string;
  release?: string;
  anonymise?: boolean;
  sets?: string[];
}

const scope = self as unknown as {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent<Request>) => void) | null;
};

// This bundle is dist/import/worker.js; the module sits in dist/pkg.
const ready = init({ module_or_path: new URL("../pkg/aorlab_import_wasm_bg.wasm", import.meta.url) });

scope.onmessage = (event) => {
  const msg = event.data;
  void (async () => {
    try {
      await ready;
      const started = performance.now();
      const outcome = import_capture(msg.bytes ?? new Uint8Array(), msg.conf || undefined, msg.release || undefined, msg.anonymise ?? false, msg.sets ?? []);
      scope.postMessage({ type: "result", id: msg.id, outcome, ms: performance.now() - started });
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      scope.postMessage({ type: "crash", id: msg.id, message });
    }
  })();
};
