// A pool of Compare/Advise workers: jobs wait in a queue and each idle worker takes the next.
// Cancel stops every worker at once (terminate: a run in wasm cannot be interrupted) and fails
// what was waiting; fresh workers start at the next job. A job past JOB_LIMIT_MS, or one that
// crashes, fails alone and its worker is replaced.

import type { WorkRequest } from "./worker";

/** Workers for advise: one per core, but no more than this (memory: each holds traces). */
export const MAX_WORKERS = 8;
/** A single run longer than this is stopped (the engine's own budgets should come first). */
const JOB_LIMIT_MS = 120_000;

export type WorkReply = { kind: "done"; answer: unknown; ms: number } | { kind: "failed"; message: string } | { kind: "cancelled" };

interface Task {
  work: WorkRequest;
  resolve: (r: WorkReply) => void;
  /** How far the job's run has come, 0..1 (advise jobs report it). */
  onProgress?: (fraction: number) => void;
}

interface Slot {
  worker: Worker;
  task: (Task & { id: number; timer: number }) | null;
}

export class Pool {
  private slots: (Slot | null)[];
  private queue: Task[] = [];
  private nextId = 1;

  constructor(
    private readonly module: WebAssembly.Module,
    readonly size: number,
    private readonly name: string,
  ) {
    this.slots = new Array<Slot | null>(Math.max(1, size)).fill(null);
  }

  run(work: WorkRequest, onProgress?: (fraction: number) => void): Promise<WorkReply> {
    return new Promise((resolve) => {
      this.queue.push({ work, resolve, ...(onProgress ? { onProgress } : {}) });
      this.pump();
    });
  }

  /** Jobs queued or running. */
  pending(): number {
    return this.queue.length + this.slots.filter((s) => s?.task).length;
  }

  /** Stops everything now: running and waiting jobs answer "cancelled". */
  cancel(): void {
    const waiting = this.queue;
    this.queue = [];
    for (let i = 0; i < this.slots.length; i++) {
      const slot = this.slots[i];
      if (!slot) continue;
      slot.worker.terminate();
      this.slots[i] = null;
      if (slot.task) {
        window.clearTimeout(slot.task.timer);
        slot.task.resolve({ kind: "cancelled" });
      }
    }
    for (const t of waiting) t.resolve({ kind: "cancelled" });
  }

  private start(i: number): Slot {
    const worker = new Worker(new URL("./compare/worker.js", import.meta.url), { type: "module", name: `${this.name}-${i + 1}` });
    worker.postMessage({ type: "init", module: this.module });
    const slot: Slot = { worker, task: null };
    worker.onmessage = (event: MessageEvent) => {
      const msg = event.data as { id: number; answer?: unknown; ms?: number; crash?: string; progress?: number };
      if (!slot.task || slot.task.id !== msg.id) return;
      if (msg.progress !== undefined) slot.task.onProgress?.(msg.progress);
      else if (msg.crash !== undefined) this.finish(i, { kind: "failed", message: msg.crash }, true);
      else this.finish(i, { kind: "done", answer: msg.answer, ms: msg.ms ?? 0 }, false);
    };
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      this.finish(i, { kind: "failed", message: event.message || "a worker stopped" }, true);
    };
    return slot;
  }

  private finish(i: number, reply: WorkReply, replace: boolean): void {
    const slot = this.slots[i];
    if (!slot?.task) return;
    const task = slot.task;
    slot.task = null;
    window.clearTimeout(task.timer);
    if (replace) {
      // After a trap the module's memory may be inconsistent: a fresh worker takes over.
      slot.worker.terminate();
      this.slots[i] = null;
    }
    task.resolve(reply);
    this.pump();
  }

  private pump(): void {
    for (let i = 0; i < this.slots.length && this.queue.length > 0; i++) {
      if (this.slots[i]?.task) continue;
      const slot = (this.slots[i] ??= this.start(i));
      const task = this.queue.shift()!;
      const id = this.nextId++;
      const timer = window.setTimeout(
        () => this.finish(i, { kind: "failed", message: `a run took longer than ${JOB_LIMIT_MS / 1000} s and was stopped` }, true),
        JOB_LIMIT_MS,
      );
      slot.task = { ...task, id, timer };
      slot.worker.postMessage({ type: "work", id, work: task.work });
    }
  }
}

/** How many workers advise uses: one per core the browser reports, capped. */
export function workersForThisMachine(): number {
  const cores = typeof navigator !== "undefined" ? navigator.hardwareConcurrency || 2 : 2;
  return Math.max(1, Math.min(MAX_WORKERS, cores));
}
