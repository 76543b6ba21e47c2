// Compare: the scenario as written (A, the editor's text) against a changed copy (B), side by
// side: both summaries, both timelines on one axis with one cursor, and the difference list.
// B is changed with its own quick controls (the same edit logic as the page's), the version
// menu, or by editing its text. Both runs happen in a worker; typing never waits.

import { type ControlEdit, ControlsState, renderControls } from "../controls/index";
import { el } from "../format";
import { store } from "../share/index";
import { renderSummary, type SummaryCtx } from "../panels/summary";
import type { Trace } from "../types";
import type { Sim } from "../wasm";
import { PairedLanes } from "./lanes";
import type { Pool } from "./pool";
import { pairLink } from "./sim";
import type { Answer, Compared } from "./types";
import { differenceText } from "./words";

const DEBOUNCE_MS = 300;
/** Where B is kept across reloads (localStorage; removed when Compare is closed). */
export const KEPT_B = "aorlab.compare.b";
/** A hand-edited B longer than this is not kept (localStorage holds about 5 M characters
 * for the whole page, and the editor's draft comes first); B made by changes always is. */
const KEPT_TEXT_MAX = 256 * 1024;

/** B as kept: its text when short enough, and the changes it was made with (null: edited by
 * hand). Without the text, B is rebuilt from A and the changes. */
export interface KeptB {
  changes: string[] | null;
  text?: string;
}

export interface CompareDeps {
  sim: Sim;
  pool: Pool;
  /** The editor's text: side A. */
  textA(): string;
  /** Where share links point (the page's URL without fragment). */
  pageUrl(): string;
  copy(text: string): Promise<boolean>;
}

function button(text: string, id: string, cls = ""): HTMLButtonElement {
  const b = el("button", cls, text);
  b.type = "button";
  b.id = id;
  return b;
}

export class CompareView {
  readonly root: HTMLElement;
  private a = "";
  private b = "";
  /** The changes B was made with, as `--set` strings; null once B's text was edited by hand. */
  private changes: string[] | null = [];
  private generation = 0;
  private running = false;
  private again = false;
  private timer: number | null = null;
  private lanes: PairedLanes;
  private controls = el("div", "controls cmp-controls");
  private controlsState = new ControlsState("cmp-", "B: Asterisk");
  private changesLine = el("p", "cmp-changes");
  private textBox = el("textarea", "cmp-b-text");
  private status = el("p", "cmp-status");
  private diffs = el("ul", "cmp-differences");
  private sumA = el("div", "cmp-summary");
  private sumB = el("div", "cmp-summary");
  private linkOut = el("input", "share-url");
  private result: Compared | null = null;

  constructor(root: HTMLElement, private readonly deps: CompareDeps) {
    this.root = root;
    root.classList.add("cmp-view");
    const what = el(
      "p",
      "cmp-what",
      "Compare runs the scenario as written (A, the editor's text) and a changed copy (B) and lists what B removes and adds: lost registrations and unreachable spells, phone by phone. Change B with the controls below, or edit its text.",
    );
    this.status.setAttribute("role", "status");
    this.status.setAttribute("aria-live", "polite");
    this.status.id = "cmp-status";
    this.diffs.id = "cmp-differences";
    this.diffs.setAttribute("aria-label", "Differences");
    this.controls.id = "cmp-controls";
    this.changesLine.id = "cmp-changes";
    this.textBox.id = "cmp-b-text";
    this.textBox.spellcheck = false;
    this.textBox.setAttribute("aria-label", "Side B's scenario text");
    this.textBox.addEventListener("input", () => {
      this.b = this.textBox.value;
      this.changes = null;
      this.describeChanges();
      this.keep();
      this.schedule();
    });
    const textDetails = el("details", "cmp-b-details");
    textDetails.append(el("summary", undefined, "B's text (edit it freely; A stays the editor's text)"), this.textBox);

    const reset = button("Reset B to A", "cmp-reset");
    reset.addEventListener("click", () => this.open());
    const share = button("Copy two-sided link", "cmp-copy-link");
    this.linkOut.id = "cmp-link";
    this.linkOut.readOnly = true;
    this.linkOut.hidden = true;
    this.linkOut.setAttribute("aria-label", "Two-sided share link");
    share.addEventListener("click", async () => {
      const link = `${this.deps.pageUrl()}#${pairLink(this.a || this.deps.textA(), this.b)}`;
      this.linkOut.value = link;
      this.linkOut.hidden = false;
      const copied = await this.deps.copy(link);
      share.textContent = copied ? "Link copied ✓" : "Copy this link:";
      window.setTimeout(() => (share.textContent = "Copy two-sided link"), 3000);
    });
    const row = el("div", "cmp-row");
    row.append(reset, share);

    const sides = el("div", "cmp-sides");
    const colA = el("section", "cmp-side");
    colA.setAttribute("aria-label", "A: as written");
    colA.append(el("h3", undefined, "A: as written"), this.sumA);
    const colB = el("section", "cmp-side");
    colB.setAttribute("aria-label", "B: changed");
    colB.append(el("h3", undefined, "B: changed"), this.sumB);
    sides.append(colA, colB);

    const lanesBox = el("div");
    this.lanes = new PairedLanes(lanesBox);
    const diffHead = el("h3", undefined, "What B changes");
    root.append(what, this.controls, this.changesLine, textDetails, row, this.linkOut, this.status, diffHead, this.diffs, lanesBox, sides);
  }

  /** Starts a comparison: B is `b` (e.g. from advice or a link) or a fresh copy of A. */
  open(b?: string, changes: string[] | null = b === undefined ? [] : null): void {
    this.a = this.deps.textA();
    this.b = b ?? this.a;
    this.changes = changes;
    this.textBox.value = this.b;
    this.renderControls();
    this.describeChanges();
    this.keep();
    void this.compare();
  }

  /** Keeps B for the next visit: its changes, or its text when edited by hand. */
  private keep(): void {
    const kept: KeptB = { changes: this.changes };
    if (this.b.length <= KEPT_TEXT_MAX) kept.text = this.b;
    store.set(KEPT_B, JSON.stringify(kept));
  }

  /** A changed in the editor: compare again (B keeps its own text). */
  textAChanged(): void {
    if (this.root.closest("[hidden]")) return;
    this.schedule();
  }

  private schedule(): void {
    if (this.timer !== null) window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.compare(), DEBOUNCE_MS);
  }

  private describeChanges(): void {
    const c = this.changes;
    const unkept = c === null && this.b.length > KEPT_TEXT_MAX ? " It is too long to keep across a reload: copy the two-sided link to keep it." : "";
    this.changesLine.textContent =
      c === null
        ? `B: its own text (edited).${unkept}`
        : c.length === 0
          ? "B is the same as A: change something below."
          : `B: ${c.join(", ")}`;
  }

  private edited(text: string, change: string): void {
    this.b = text;
    this.textBox.value = text;
    if (this.changes !== null) this.changes = [...this.changes.filter((c) => c.split("=")[0] !== change.split("=")[0]), change];
    this.describeChanges();
    this.keep();
    this.renderControls();
    this.schedule();
  }

  /** B's quick controls: the page's controls (version, per AOR and endpoint the registrar's
   * options, grouped by template and searchable on a site), editing B's text. */
  private renderControls(force = true): void {
    const c = this.deps.sim.controls(this.b);
    renderControls(this.controls, { ...c, releases: this.deps.sim.releases }, (e) => this.controlEdit(e), force, this.controlsState);
  }

  private controlEdit(e: ControlEdit): void {
    if (e.kind === "version") {
      this.edited(this.deps.sim.setVersion(this.b, e.value), `asterisk=${e.value}`);
      return;
    }
    const out = this.deps.sim.editOption(this.b, e.section, e.name, e.template, e.option, e.value);
    if (!out.ok) {
      this.status.textContent = `Could not change B's ${e.option}: ${out.problem}`;
      this.status.dataset.state = "error";
      this.renderControls();
      return;
    }
    this.edited(out.text, `${e.section}.${e.template ?? e.name}.${e.option}=${e.value}`);
  }

  private async compare(): Promise<void> {
    if (this.timer !== null) window.clearTimeout(this.timer);
    this.timer = null;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.a = this.deps.textA();
    const gen = ++this.generation;
    this.status.textContent = "Running A and B…";
    this.status.dataset.state = "running";
    const started = performance.now();
    const reply = await this.deps.pool.run({ type: "compare", a: this.a, b: this.b, sets: this.changes ?? [] });
    this.running = false;
    if (this.again) {
      this.again = false;
      void this.compare();
      return;
    }
    if (gen !== this.generation) return;
    if (reply.kind !== "done") {
      this.status.textContent = reply.kind === "cancelled" ? "Stopped." : `The comparison failed: ${reply.message}`;
      this.status.dataset.state = "error";
      return;
    }
    const answer = reply.answer as Answer<Compared>;
    if (!answer.ok) {
      this.status.textContent = `Cannot compare: ${answer.problem}. Fix it (A in the editor, B in its text) and it runs again.`;
      this.status.dataset.state = "error";
      return;
    }
    this.result = answer.value;
    this.render(answer.value, performance.now() - started);
  }

  private render(c: Compared, ms: number): void {
    const { a, b, comparison } = c;
    this.status.textContent = `A: Asterisk ${a.version}, B: Asterisk ${b.version} · both run in ${(ms / 1000).toFixed(1)} s`;
    this.status.dataset.state = "ok";
    this.diffs.replaceChildren();
    const end = Math.max(a.end_ms, b.end_ms);
    for (const d of comparison.differences) {
      const li = el("li", `cmp-diff cmp-${d.change}`);
      li.dataset.change = d.change;
      li.dataset.device = d.device;
      const jump = el("button", "summary-jump", differenceText(d, end));
      jump.type = "button";
      jump.addEventListener("click", () => this.lanes.setCursor(d.start_ms));
      li.append(jump);
      this.diffs.append(li);
    }
    for (const change of ["removes", "adds"] as const) {
      if (!comparison.differences.some((d) => d.change === change)) {
        const li = el("li", "cmp-diff cmp-nothing", `B ${change} nothing`);
        li.dataset.change = `${change}-nothing`;
        this.diffs.append(li);
      }
    }
    const totals = [
      ["stale bindings ring nobody at the end", comparison.a.total.stale_bindings_at_end, comparison.b.total.stale_bindings_at_end],
      ["dials ring nobody", comparison.a.total.dials_ringing_nobody, comparison.b.total.dials_ringing_nobody],
      ["SIP requests (REGISTER, OPTIONS)", comparison.a.total.requests, comparison.b.total.requests],
    ] as const;
    for (const [what, x, y] of totals) {
      if (x !== y) this.diffs.append(el("li", "cmp-diff", `A: ${x} ${what}; B: ${y}`));
    }
    this.lanes.show(a, b);
    this.lanes.setCursor(this.firstDifference(c));
    const ctx = (trace: Trace): SummaryCtx => ({
      run: trace,
      setCursor: (ms: number) => this.lanes.setCursor(ms),
    });
    renderSummary(this.sumA, ctx(a));
    renderSummary(this.sumB, ctx(b));
    this.root.dataset.compared = String(this.generation);
    document.body.dataset.compared = String(this.generation);
  }

  private firstDifference(c: Compared): number {
    const starts = c.comparison.differences.map((d) => d.start_ms);
    return starts.length ? Math.min(...starts) : 0;
  }

  /** The last comparison (for tests and the timing page). */
  last(): Compared | null {
    return this.result;
  }
}
