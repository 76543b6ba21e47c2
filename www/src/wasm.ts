// Loading the wasm module and calling it. The only files that know about the generated glue
// (www/dist/pkg, written by `cargo xtask build`) are this one and worker.ts.
//
// The page compiles the module once: the main thread instantiates it for the quick calls
// (presets, option table, controls, links) and hands the compiled module to a Web Worker that
// runs the simulations, so typing never waits for a run.

import init, * as glue from "../dist/pkg/aorlab_wasm.js";
import type { OptionSpec } from "./editor/complete";
import type { RunOutcome } from "./types";

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
  | { from: "template"; name: string; line: number; users: string[] }
  | { from: "default" };

export interface Setting<T> {
  value: T;
  source: Source;
}

/** A template an object inherits from, and every section that uses it. */
export interface TemplateRef {
  name: string;
  line: number;
  users: string[];
}

export interface AorControls {
  name: string;
  line: number;
  max_contacts: Setting<number>;
  remove_existing: Setting<boolean>;
  remove_unavailable: Setting<boolean>;
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
  run(text: string): RunOutcome;
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
    run: (text: string) => glue.run_scenario(text) as RunOutcome,
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
  | { kind: "done"; outcome: RunOutcome; ms: number; controls?: Controls }
  | { kind: "crash"; message: string }
  | { kind: "superseded" };

/** Longest a run may take before the worker is stopped and started again. */
const RUN_LIMIT_MS = 20_000;

/**
 * Runs scenarios in a Web Worker, newest text only: a run asked for while another is going
 * replaces any waiting one. A run that throws or panics inside wasm kills nothing but that
 * worker, which is started again for the next run.
 */
export class SimWorker {
  private worker: Worker | null = null;
  private busy: { resolve: (r: RunReply) => void; timer: number } | null = null;
  private waiting: { text: string; panic: boolean; controls: boolean; resolve: (r: RunReply) => void } | null = null;
  private nextId = 1;
  restarts = 0;

  constructor(private readonly module: WebAssembly.Module) {
    // Start at once: the worker loads while the page builds the editor.
    this.worker = this.start();
  }

  /** `controls`: also read the quick controls there (for texts too long to read on the page's thread). */
  run(text: string, panic = false, controls = false): Promise<RunReply> {
    return new Promise((resolve) => {
      this.waiting?.resolve({ kind: "superseded" });
      this.waiting = { text, panic, controls, resolve };
      this.pump();
    });
  }

  private start(): Worker {
    const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module", name: "aorlab-sim" });
    worker.postMessage({ type: "init", module: this.module });
    worker.onmessage = (event: MessageEvent) => {
      const msg = event.data as { type: string; outcome?: RunOutcome; ms?: number; message?: string; controls?: Controls };
      if (msg.type === "result")
        this.finish({ kind: "done", outcome: msg.outcome!, ms: msg.ms ?? 0, ...(msg.controls ? { controls: msg.controls } : {}) }, false);
      else if (msg.type === "crash") this.finish({ kind: "crash", message: msg.message ?? "unknown error" }, true);
    };
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      this.finish({ kind: "crash", message: event.message || "the simulation worker stopped" }, true);
    };
    return worker;
  }

  private finish(reply: RunReply, restart: boolean): void {
    const busy = this.busy;
    this.busy = null;
    if (busy) window.clearTimeout(busy.timer);
    if (restart) {
      // After a trap the module's memory may be inconsistent: start afresh.
      this.worker?.terminate();
      this.worker = null;
      this.restarts++;
    }
    busy?.resolve(reply);
    this.pump();
  }

  private pump(): void {
    if (this.busy || !this.waiting) return;
    const job = this.waiting;
    this.waiting = null;
    this.worker ??= this.start();
    const timer = window.setTimeout(
      () => this.finish({ kind: "crash", message: `the simulation took longer than ${RUN_LIMIT_MS / 1000} s and was stopped` }, true),
      RUN_LIMIT_MS,
    );
    this.busy = { resolve: job.resolve, timer };
    this.worker.postMessage({ type: job.panic ? "panic" : "run", id: this.nextId++, text: job.text, controls: job.controls });
  }
}
