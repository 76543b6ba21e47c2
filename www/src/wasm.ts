// Loading the wasm module and calling it. The only files that know about the generated glue
// (www/dist/pkg, written by `cargo xtask build`) are this one and worker.ts.
//
// The page compiles the module once: the main thread instantiates it for the quick calls
// (presets, option table, controls, links) and hands the compiled module to a Web Worker that
// runs the simulations, so typing never waits for a run.

import init, * as glue from "../dist/pkg/aorlab_wasm.js";
import type { OptionSpec } from "./editor/complete";
import { localSource, type QueryMethod, type RunSource, sourceOver } from "./source";
import type { Diagnostic, Progress, RunView } from "./types";
import type { FromWorker, ToWorker } from "./worker";

export interface Preset {
  name: string;
  title: string;
  lesson: string;
  text: string;
}

/** One entry of the version menu (asterisk_releases() in wasm). */
export interface AsteriskRelease {
  /** What to write after `asterisk`: "22" (a branch's latest) or "20.16". */
  value: string;
  release: string;
  latest_of_branch: boolean;
  /** What changed in the registrar at this release. */
  changes: string[];
}

/** Where a control's value comes from (crates/sim/src/edit: `Source`); lines are 1-based. */
export type Source =
  | { from: "section"; line: number }
  | { from: "template"; name: string; line: number; users: string[]; user_count: number }
  | { from: "default" };

export interface Setting<T> {
  value: T;
  source: Source;
}

/** A template an object inherits from, and every section that uses it. */
export interface TemplateRef {
  name: string;
  line: number;
  /** The first ten sections that use it, and how many do. */
  users: string[];
  user_count: number;
}

export interface AorControls {
  name: string;
  line: number;
  max_contacts: Setting<number>;
  remove_existing: Setting<boolean>;
  remove_unavailable: Setting<boolean>;
  qualify_frequency: Setting<number>;
  maximum_expiration: Setting<number>;
  templates: TemplateRef[];
}

export interface EndpointControls {
  name: string;
  line: number;
  rewrite_contact: Setting<boolean>;
  templates: TemplateRef[];
}

export interface Controls {
  version: string;
  /** The version menu (filled in by loadSim). */
  releases?: AsteriskRelease[];
  aors: AorControls[];
  endpoints: EndpointControls[];
}

/** What editOption did: the new text, the line written and the sections it changes. */
export type EditOutcome =
  | { ok: true; text: string; line: number; affects: string[] }
  | { ok: false; problem: string };

export interface LinkView {
  t: number | null;
  panel: string | null;
}

export interface DecodedLink {
  text: string;
  view: LinkView;
  problem: string | null;
}

/** The limits the parser and the link codec enforce (limits() in wasm). */
export interface Limits {
  devices: number;
  events: number;
  duration_ms: number;
  /** Characters of a share link's fragment. */
  link_chars: number;
  /** UTF-8 bytes of text a share link may unpack to. */
  link_text_bytes: number;
}

export interface Sim {
  version: string;
  limits: Limits;
  /** The version menu. */
  releases: AsteriskRelease[];
  module: WebAssembly.Module;
  demoScenario(): string;
  /** A run on this thread (the embed): parse, run to the end, keep the trace for queries. */
  session(text: string): { ok: true; view: RunView; source: RunSource; free(): void } | { ok: false; diagnostics: Diagnostic[] };
  presets(): Preset[];
  optionTable(): OptionSpec[];
  controls(text: string): Controls;
  /** Sets an option in the object's own section (no template) or in one of its templates. */
  editOption(text: string, kind: string, name: string, template: string | undefined, option: string, value: string): EditOutcome;
  setVersion(text: string, version: string): string;
  encodeLink(text: string, t?: number, panel?: string): string;
  decodeLink(fragment: string): DecodedLink;
}

/** Fetches and compiles the wasm (relative to this bundle, so any path prefix works). */
export async function compileModule(): Promise<WebAssembly.Module> {
  const url = new URL("./pkg/aorlab_wasm_bg.wasm", import.meta.url);
  try {
    return await WebAssembly.compileStreaming(fetch(url));
  } catch {
    // A server without application/wasm: compile from bytes.
    const bytes = await (await fetch(url)).arrayBuffer();
    return WebAssembly.compile(bytes);
  }
}

export async function loadSim(module?: WebAssembly.Module): Promise<Sim> {
  const compiled = module ?? (await compileModule());
  await init({ module_or_path: compiled });
  const releases = glue.asterisk_releases() as AsteriskRelease[];
  return {
    version: glue.version(),
    limits: glue.limits() as Limits,
    releases,
    module: compiled,
    demoScenario: () => glue.demo_scenario(),
    session: (text: string) => {
      const session = new glue.Session(text);
      const problems = session.problems() as Diagnostic[] | null;
      if (problems !== null) {
        session.free();
        return { ok: false, diagnostics: problems };
      }
      while (!(session.advance(1_000_000) as Progress).done);
      return { ok: true, view: session.view() as RunView, source: localSource(session), free: () => session.free() };
    },
    presets: () => glue.presets() as Preset[],
    optionTable: () => glue.option_table() as OptionSpec[],
    controls: (text: string) => ({ ...(glue.controls(text) as Controls), releases }),
    editOption: (text, kind, name, template, option, value) =>
      glue.edit_option(text, kind, name, template, option, value) as EditOutcome,
    setVersion: (text, version) => glue.set_version(text, version),
    encodeLink: (text, t, panel) => glue.encode_link(text, t, panel),
    decodeLink: (fragment) => glue.decode_link(fragment) as DecodedLink,
  };
}

/** What a run in the worker gives back. */
export type RunReply =
  | { kind: "done"; view: RunView; source: RunSource; ms: number; controlsJson?: string }
  | { kind: "problems"; diagnostics: Diagnostic[]; ms: number }
  | { kind: "crash"; message: string }
  | { kind: "cancelled" }
  | { kind: "superseded" };

/** A run going for longer than this is stopped when newer text asks to run. */
const SUPERSEDE_AFTER_MS = 500;

interface Job {
  id: number;
  text: string;
  panic: boolean;
  controls: boolean;
  resolve: (r: RunReply) => void;
  onProgress?: (p: Progress) => void;
}

/**
 * Runs scenarios in Web Workers, newest text only: a run asked for while another is going
 * replaces any waiting one. Two workers take turns: `shown` keeps the run the views show and
 * answers their queries; the other runs the next text and, when it finishes, becomes `shown`.
 * So the cursor works during a long run, Cancel terminates only the running worker, and a
 * throw or panic inside wasm kills nothing but its own worker. No time limit: the user sees the
 * progress and decides; the engine's work budget ends runaway runs with a partial result.
 */
export class SimWorker {
  private shown: Worker | null = null;
  private spare: Worker | null = null;
  private busy: (Job & { worker: Worker; since: number }) | null = null;
  private waiting: Job | null = null;
  private nextId = 1;
  private nextQuery = 1;
  private asked = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  restarts = 0;
  /** For the tests: a smaller work budget in every worker (0: the engine's own). */
  private budget = 0;
  /** For the tests: a smaller record budget in every worker (0: the engine's own). */
  private records = 0;

  constructor(private readonly module: WebAssembly.Module) {
    // Start at once: the worker loads while the page builds the editor.
    this.spare = this.start();
  }

  /** `controls`: also read the quick controls there (for texts too long to read on the page's thread). */
  run(text: string, opts: { panic?: boolean; controls?: boolean; onProgress?: (p: Progress) => void } = {}): Promise<RunReply> {
    return new Promise((resolve) => {
      this.waiting?.resolve({ kind: "superseded" });
      // A long run of text that has since changed is not worth finishing.
      if (this.busy && performance.now() - this.busy.since > SUPERSEDE_AFTER_MS) this.stop("superseded");
      this.waiting = { id: this.nextId++, text, panic: !!opts.panic, controls: !!opts.controls, resolve, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) };
      this.pump();
    });
  }

  /** Stops the run in progress (its worker is terminated); the shown run stays. */
  cancel(): void {
    this.stop("cancelled");
    this.pump();
  }

  private stop(kind: "cancelled" | "superseded"): void {
    const busy = this.busy;
    if (!busy) return;
    this.busy = null;
    busy.worker.terminate();
    busy.resolve({ kind });
  }

  running(): boolean {
    return this.busy !== null;
  }

  /** For the tests only: runs from now on get this work budget (0: the engine's own). */
  workBudgetForTest(budget: number): void {
    this.budget = budget;
    this.postBudgets();
  }

  /** For the tests only: runs from now on keep at most this many records (0: the engine's own). */
  recordBudgetForTest(records: number): void {
    this.records = records;
    this.postBudgets();
  }

  private postBudgets(): void {
    for (const w of [this.shown, this.spare, this.busy?.worker]) w?.postMessage(this.budgets());
  }

  /** The test guards as the worker takes them. */
  private budgets(): ToWorker {
    return { type: "budget", budget: this.budget, records: this.records };
  }

  private start(): Worker {
    const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module", name: "aorlab-sim" });
    worker.postMessage({ type: "init", module: this.module } satisfies ToWorker);
    if (this.budget || this.records) worker.postMessage(this.budgets());
    worker.onmessage = (event: MessageEvent<FromWorker>) => this.onMessage(worker, event.data);
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      this.onMessage(worker, { type: "crash", message: event.message || "the simulation worker stopped" });
    };
    return worker;
  }

  private onMessage(worker: Worker, msg: FromWorker): void {
    const busy = this.busy?.worker === worker ? this.busy : null;
    if (msg.type === "answer") {
      const asked = this.asked.get(msg.q);
      this.asked.delete(msg.q);
      if (msg.error !== undefined) asked?.reject(new Error(msg.error));
      else asked?.resolve(msg.value);
      return;
    }
    if (msg.type === "progress") {
      if (busy && busy.id === msg.id) busy.onProgress?.(msg.progress);
      return;
    }
    if (msg.type === "crash") {
      // After a trap the module's memory may be inconsistent: this worker is done for.
      worker.terminate();
      this.restarts++;
      if (worker === this.shown) this.shown = null;
      if (worker === this.spare) this.spare = null;
      if (busy) {
        this.busy = null;
        busy.resolve({ kind: "crash", message: msg.message });
      }
      this.pump();
      return;
    }
    if (!busy || busy.id !== msg.id) return;
    this.busy = null;
    const { outcome, ms } = msg;
    const controls = msg.controlsJson !== undefined ? { controlsJson: msg.controlsJson } : {};
    if (outcome.ok) {
      // The new run is shown; the old shown worker lets go of its trace and waits as the spare.
      if (this.shown) {
        this.shown.postMessage({ type: "free" } satisfies ToWorker);
        this.spare ??= this.shown;
        if (this.spare !== this.shown) this.shown.terminate();
      }
      this.shown = worker;
      busy.resolve({ kind: "done", view: outcome.view as RunView, source: this.sourceOf(worker), ms, ...controls });
    } else {
      if (this.spare && this.spare !== worker) worker.terminate();
      else this.spare = worker;
      busy.resolve({ kind: "problems", diagnostics: outcome.diagnostics as Diagnostic[], ms });
    }
    this.pump();
  }

  /** Queries to the worker that holds a run (they fail once it holds another). */
  private sourceOf(worker: Worker): RunSource {
    return sourceOver(<T>(method: QueryMethod, ...args: unknown[]) => {
      if (worker !== this.shown) return Promise.reject(new Error("that run is no longer kept"));
      const q = this.nextQuery++;
      return new Promise<T>((resolve, reject) => {
        this.asked.set(q, { resolve: resolve as (v: unknown) => void, reject });
        worker.postMessage({ type: "ask", q, method, args } satisfies ToWorker);
      });
    });
  }

  private pump(): void {
    if (this.busy || !this.waiting) return;
    const job = this.waiting;
    this.waiting = null;
    const worker = this.spare ?? this.start();
    this.spare = null;
    this.busy = { ...job, worker, since: performance.now() };
    worker.postMessage((job.panic ? { type: "panic", id: job.id } : { type: "run", id: job.id, text: job.text, controls: job.controls }) satisfies ToWorker);
  }
}
