// Advise: the scenario as written is run again with each setting that decides registrations
// changed, in parallel Web Workers (pool.ts), and the changes are ranked by what they measurably
// do. The search itself (which changes, pairs, ranking) is Rust's (crates/sim/src/advise.rs);
// this file only hands jobs to workers, shows progress and draws the typed result.

import { el } from "../format";
import type { Pool, WorkReply } from "./pool";
import { conclude, nextRound } from "./sim";
import type { Advice, Answer, Job, Measured, Start, Suggestion } from "./types";
import { differenceText, FIGURES, figureValue, noteText, tradeText, trafficText } from "./words";

/** Difference lines shown per suggestion before "and N more". */
const DIFFS_SHOWN = 4;

export interface AdviseDeps {
  pool: Pool;
  textA(): string;
  /** Opens a suggestion in Compare: B = A with `set` applied. */
  compare(set: string[]): void;
}

export class AdviseView {
  readonly root: HTMLElement;
  private startButton: HTMLButtonElement;
  private cancelButton: HTMLButtonElement;
  private progress = el("progress", "adv-progress");
  private status = el("p", "adv-status");
  private out = el("div", "adv-result");
  private session = 0;
  private text = "";

  constructor(root: HTMLElement, private readonly deps: AdviseDeps) {
    this.root = root;
    root.classList.add("adv-view");
    const what = el(
      "p",
      "adv-what",
      "Advise runs this scenario again with each pjsip.conf setting that decides registrations changed (max_contacts, remove_existing, remove_unavailable, qualify_frequency, expirations, rewrite_contact, the expiry sweep, the Asterisk release; on a template when phones share one; pairs and triples when no single change fixes everything) and ranks the changes by what they measurably do. It says so when no setting helps.",
    );
    this.startButton = el("button", "adv-start", "Advise");
    this.startButton.type = "button";
    this.startButton.id = "advise-start";
    this.startButton.addEventListener("click", () => void this.run());
    this.cancelButton = el("button", "adv-cancel", "Cancel");
    this.cancelButton.type = "button";
    this.cancelButton.id = "advise-cancel";
    this.cancelButton.disabled = true;
    this.cancelButton.addEventListener("click", () => this.cancel());
    this.progress.id = "advise-progress";
    this.progress.max = 1;
    this.progress.value = 0;
    this.progress.hidden = true;
    this.status.id = "advise-status";
    this.status.setAttribute("role", "status");
    this.status.setAttribute("aria-live", "polite");
    this.out.id = "advise-result";
    const row = el("div", "cmp-row");
    row.append(this.startButton, this.cancelButton, this.progress);
    root.append(what, row, this.status, this.out);
  }

  cancel(): void {
    if (!this.cancelButton.disabled) {
      this.session++;
      this.deps.pool.cancel();
      this.done();
      this.status.textContent = "Cancelled. Nothing was kept; press Advise to start again.";
      this.status.dataset.state = "cancelled";
      this.root.dataset.state = "cancelled";
    }
  }

  private done(): void {
    this.startButton.disabled = false;
    this.cancelButton.disabled = true;
    this.progress.hidden = true;
  }

  private async run(): Promise<void> {
    const session = ++this.session;
    const text = this.deps.textA();
    this.text = text;
    const started = performance.now();
    this.startButton.disabled = true;
    this.cancelButton.disabled = false;
    this.progress.hidden = false;
    this.out.replaceChildren();
    this.root.dataset.state = "running";
    let total = 1;
    let finished = 0;
    // How far each run in a worker has come (0..1), for a bar that moves within long runs.
    const partial = new Map<number, number>();
    let running = "";
    const show = (what: string) => {
      running = what;
      let inFlight = 0;
      for (const f of partial.values()) inFlight += f;
      this.progress.max = total;
      this.progress.value = finished + inFlight;
      this.status.textContent = `${what}: ${finished} of ${total} runs · ${this.deps.pool.size} worker${this.deps.pool.size === 1 ? "" : "s"} · ${((performance.now() - started) / 1000).toFixed(1)} s`;
      this.status.dataset.state = "running";
      this.root.dataset.finished = String(finished);
    };
    const live = () => session === this.session;
    show("Running the scenario as written");
    const first = await this.deps.pool.run({ type: "start", text });
    if (!live()) return;
    const start = this.answer<Start>(first);
    if (!start) return;
    finished = 1;
    const measured: Measured[] = [];
    let jobs: Job[] = start.jobs;
    let round = 1;
    while (jobs.length > 0) {
      total += jobs.length;
      const label = round === 1 ? "Trying single changes" : round === 2 ? "Trying pairs" : "Trying triples";
      show(label);
      const replies = await Promise.all(
        jobs.map((job, i) =>
          this.deps.pool
            .run({ type: "measure", text, job }, (f) => {
              partial.set(i, f);
              if (live()) show(running);
            })
            .then((r) => {
              partial.delete(i);
              finished++;
              if (live()) show(label);
              return r;
            }),
        ),
      );
      if (!live()) return;
      for (const r of replies) {
        // A candidate that cannot run (or crashed) is left out, as on the command line.
        if (r.kind === "done" && (r.answer as Answer<Measured>).ok) measured.push((r.answer as { value: Measured }).value);
      }
      jobs = nextRound(start.baseline, measured);
      round++;
    }
    const advice = conclude(start.baseline, measured);
    const seconds = (performance.now() - started) / 1000;
    this.done();
    this.status.textContent = `Advised in ${seconds.toFixed(1)} s: ${advice.runs} runs on ${this.deps.pool.size} worker${this.deps.pool.size === 1 ? "" : "s"}.`;
    this.status.dataset.state = "ok";
    this.root.dataset.state = "done";
    document.body.dataset.adviseMs = String(Math.round(seconds * 1000));
    document.body.dataset.adviseRuns = String(advice.runs);
    this.render(advice);
  }

  /** The value of a finished job, or null after saying why there is none. */
  private answer<T>(reply: WorkReply): T | null {
    if (reply.kind === "done") {
      const a = reply.answer as Answer<T>;
      if (a.ok) return a.value;
      this.fail(`Cannot advise: ${a.problem}.`);
      return null;
    }
    this.fail(reply.kind === "cancelled" ? "Cancelled." : `Advise failed: ${reply.message}`);
    return null;
  }

  private fail(message: string): void {
    this.done();
    this.status.textContent = message;
    this.status.dataset.state = "error";
    this.root.dataset.state = "error";
  }

  private render(advice: Advice): void {
    const out = this.out;
    const notes = el("ul", "adv-notes");
    notes.id = "advise-notes";
    for (const n of advice.notes) {
      const li = el("li", `adv-note adv-note-${n.kind}`, noteText(n));
      li.dataset.kind = n.kind;
      notes.append(li);
    }
    if (advice.notes.length) out.append(notes);
    if (advice.already_right) return;
    const list = el("ol", "adv-suggestions");
    list.id = "advise-suggestions";
    advice.suggestions.forEach((s, i) => list.append(this.suggestion(s, i, advice.end_ms)));
    out.append(el("h3", undefined, advice.suggestions.length ? "Suggestions, best first" : "No setting tried helps"), list);
    for (const p of advice.phone_side) {
      const li = el("p", "adv-phone");
      li.dataset.kind = "phone-side";
      li.append(
        el("strong", undefined, `On the phone side (not pjsip.conf): keep-alives every ${p.keepalive.every_s} s on ${p.keepalive.devices.join(", ")}`),
        el("span", undefined, ` → ${this.figures(advice.before.total, p.after)}`),
      );
      out.append(li);
    }
    if (this.text !== this.deps.textA()) {
      out.append(el("p", "adv-stale", "The scenario changed since this advice was made: press Advise again."));
    }
  }

  private figures(before: Advice["before"]["total"], after: Advice["before"]["total"]): string {
    return FIGURES.filter((f) => before[f.key] !== 0 || after[f.key] !== 0)
      .map((f) => `${f.label} ${figureValue(f, before[f.key])} → ${figureValue(f, after[f.key])}`)
      .join(", ");
  }

  private suggestion(s: Suggestion, i: number, end: number): HTMLLIElement {
    const li = el("li", "adv-suggestion");
    li.dataset.index = String(i);
    if (s.removes_every_lost_registration) li.dataset.fixes = "true";
    const head = el("div", "adv-head");
    head.append(el("code", "adv-set", s.set.join("  ")));
    if (s.removes_every_lost_registration) head.append(el("span", "adv-badge adv-fixes", "removes every lost registration"));
    if (s.all_clear) head.append(el("span", "adv-badge adv-fixes", "nothing left wrong"));
    if (s.trades.length) head.append(el("span", "adv-badge adv-trades", "trades one problem for another"));
    const open = el("button", "adv-compare", "Compare");
    open.type = "button";
    open.title = "Open this change as B in Compare";
    open.addEventListener("click", () => this.deps.compare(s.set));
    head.append(open);
    li.append(head, el("p", "adv-figures", this.figures(s.before, s.after)));
    if (s.trades.length) li.append(el("p", "adv-trade", `Worse: ${s.trades.map(tradeText).join("; ")}`));
    const traffic = trafficText(s.before, s.after);
    if (traffic) li.append(el("p", "adv-traffic", traffic));
    const diffs = el("ul", "adv-diffs");
    for (const d of s.differences.slice(0, DIFFS_SHOWN)) diffs.append(el("li", `cmp-${d.change}`, differenceText(d, end)));
    if (s.differences.length > DIFFS_SHOWN) diffs.append(el("li", undefined, `… and ${s.differences.length - DIFFS_SHOWN} more (Compare lists them all)`));
    li.append(diffs);
    return li;
  }
}
