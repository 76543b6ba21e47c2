// Runs imports in their own Web Worker (started at the first import, so the import's wasm
// module is fetched only then), newest request only. An import that takes longer than
// IMPORT_LIMIT_MS is stopped (the worker is replaced), so the page never freezes.

import type { ImportOutcome } from "./types";

export type ImportReply =
  | { kind: "done"; outcome: ImportOutcome; ms: number }
  | { kind: "crash"; message: string }
  | { kind: "timeout" }
  | { kind: "superseded" };

export interface ImportRequest {
  bytes: Uint8Array;
  conf: string;
  release: string;
  anonymise: boolean;
  /** What-if changes, `aorlab run --set` syntax. */
  sets: string[];
}

export const IMPORT_LIMIT_MS = 30_000;

export class ImportWorker {
  private worker: Worker | null = null;
  private busy: { id: number; resolve: (r: ImportReply) => void; timer: number } | null = null;
  private waiting: { req: ImportRequest; resolve: (r: ImportReply) => void } | null = null;
  private nextId = 1;


  run(req: ImportRequest): Promise<ImportReply> {
    return new Promise((resolve) => {
      this.waiting?.resolve({ kind: "superseded" });
      this.waiting = { req, resolve };
      this.pump();
    });
  }

  private start(): Worker {
    const worker = new Worker(new URL("./import/worker.js", import.meta.url), { type: "module", name: "aorlab-import" });
    worker.onmessage = (event: MessageEvent) => {
      const msg = event.data as { type: string; id: number; outcome?: ImportOutcome; ms?: number; message?: string };
      if (!this.busy || msg.id !== this.busy.id) return;
      if (msg.type === "result") this.finish({ kind: "done", outcome: msg.outcome!, ms: msg.ms ?? 0 }, false);
      else this.finish({ kind: "crash", message: msg.message ?? "unknown error" }, true);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      this.finish({ kind: "crash", message: event.message || "the import worker failed" }, true);
    };
    return worker;
  }

  private pump(): void {
    if (this.busy || !this.waiting) return;
    const { req, resolve } = this.waiting;
    this.waiting = null;
    this.worker ??= this.start();
    const id = this.nextId++;
    const timer = window.setTimeout(() => this.finish({ kind: "timeout" }, true), IMPORT_LIMIT_MS);
    this.busy = { id, resolve, timer };
    this.worker.postMessage({ type: "import", id, ...req });
  }

  private finish(reply: ImportReply, restart: boolean): void {
    const busy = this.busy;
    if (!busy) return;
    window.clearTimeout(busy.timer);
    this.busy = null;
    if (restart) {
      this.worker?.terminate();
      this.worker = null;
    }
    busy.resolve(reply);
    this.pump();
  }
}
