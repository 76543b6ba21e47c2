// The playground: editor, presets, quick controls, share; the simulation runs in a worker and
// the views (views.ts) render its Trace. The page computes no policy.

import { undo } from "@codemirror/commands";
import { type ComparePanel, mountCompare } from "./compare/index";
import { type ControlEdit, renderControls } from "./controls/index";
import { describeEdit } from "./controls/objects";
import { renderDiagnosticList } from "./editor/diagnostics";
import { loadDraft, saveDraft } from "./editor/draft";
import { setAsteriskVersions } from "./editor/language";
import { mountImport } from "./import/index";
import { createEditor, type PlacedDiagnostic, type ScenarioEditor } from "./editor/index";
import { AddressBar, copyText, embedCode, isOwnAddress, pageUrl, store } from "./share/index";
import { clock } from "./format";
import type { Progress, RunView } from "./types";
import { mountViews, type PanelName, type Views } from "./views";
import { compileModule, type Controls, loadSim, type Sim, SimWorker } from "./wasm";

const WRAP_KEY = "aorlab.editor.wrap";
const TAB_KEY = "aorlab.editor.tab-indents";
const PREVIOUS_KEY = "aorlab.scenario.before-link";
const DEBOUNCE_MS = 250;

function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node as T;
}

const runButton = byId<HTMLButtonElement>("run");
const status = byId<HTMLElement>("status");
const diagnosticsBox = byId<HTMLElement>("diagnostics");
const failure = byId<HTMLElement>("failure");
const notice = byId<HTMLElement>("notice");
const progressBox = byId<HTMLElement>("run-progress");
const progressBar = byId<HTMLProgressElement>("run-bar");
const progressSaid = byId<HTMLElement>("run-said");
/** Short runs finish before the progress shows (no flicker). */
const PROGRESS_AFTER_MS = 300;

let sim: Sim;
let worker: SimWorker;
let editor: ScenarioEditor;
let views: Views;
let comparePanel: ComparePanel | null = null;
let trace: RunView | null = null;
/** When the run on screen finished (wall clock), for the "last good run" notice. */
let shownAt: Date | null = null;
let debounce: number | null = null;
let runs = 0;
const address = new AddressBar(1000);

/** Shows a message (always as text) with optional buttons. */
function showNotice(message: string, kind: "info" | "problem", actions: [string, () => void][] = []): void {
  notice.replaceChildren();
  notice.dataset.kind = kind;
  const text = document.createElement("span");
  text.className = "notice-text";
  text.textContent = message;
  notice.append(text);
  for (const [label, act] of actions) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    button.addEventListener("click", () => {
      act();
      notice.hidden = true;
    });
    notice.append(button);
  }
  const close = document.createElement("button");
  close.type = "button";
  close.className = "notice-close";
  close.textContent = "Dismiss";
  close.addEventListener("click", () => (notice.hidden = true));
  notice.append(close);
  notice.hidden = false;
}

function showFailure(error: unknown): void {
  console.warn("aorlab:", error);
  failure.hidden = false;
  const message = error instanceof Error ? error.message : String(error);
  failure.textContent = `Something broke inside the simulation: ${message}. Your text is kept; edit it or press Run to try again.`;
  status.textContent = "failed";
  status.dataset.state = "error";
}

function showProblems(list: PlacedDiagnostic[]): void {
  editor.showDiagnostics(list);
  renderDiagnosticList(diagnosticsBox, list, (line, col) => editor.goTo(line, col));
}

async function runNow(panic = false): Promise<void> {
  if (debounce !== null) window.clearTimeout(debounce);
  debounce = null;
  const text = editor.text();
  const asked = performance.now();
  let latest = null as Progress | null;
  const showSoon = window.setTimeout(() => showProgress(latest), PROGRESS_AFTER_MS);
  const reply = await worker.run(text, { panic, controls: !isQuick(text), onProgress: (p) => showProgress((latest = p)) });
  window.clearTimeout(showSoon);
  if (reply.kind === "superseded") return;
  if ((reply.kind === "done") && reply.controlsJson !== undefined) {
    showControlsJson(reply.controlsJson);
    // A big text's result is drawn in a second task, so a key pressed meanwhile echoes first.
    await new Promise((r) => window.setTimeout(r, 0));
  }
  progressBox.hidden = true;
  document.body.dataset.runs = String(++runs);
  if (reply.kind === "cancelled") {
    const where = latest ? ` at ${clock(latest.at_ms)} of ${clock(latest.until_ms)}` : "";
    status.textContent = `Run cancelled${where}.${trace ? " The views show the previous run." : ""}`;
    status.dataset.state = "cancelled";
    if (trace) views.setNotice(`The last run was cancelled; these views show the previous run (finished at ${shownAt!.toLocaleTimeString()}).`);
    return;
  }
  if (reply.kind === "crash") {
    showFailure(reply.message);
    if (trace) views.setNotice(`The last run failed; these views show the previous run (finished at ${shownAt!.toLocaleTimeString()}).`);
    return;
  }
  failure.hidden = true;
  if (reply.kind === "problems") {
    showProblems(reply.diagnostics as PlacedDiagnostic[]);
    // Follow-on problems are counted with their cause ("and N more caused by this").
    const n = reply.diagnostics.length;
    const shown = trace ? " — the results show the last good run" : " — fix them to see the results";
    status.textContent = `${n} problem${n === 1 ? "" : "s"} in the scenario${shown}`;
    status.dataset.state = "error";
    if (trace) {
      views.setNotice(
        `The scenario has ${n === 1 ? "an error" : "errors"}: these views show the last good run, from before the error (finished at ${shownAt!.toLocaleTimeString()}).`,
      );
    }
    return;
  }
  const run = reply.view;
  trace = run;
  shownAt = new Date();
  showProblems(run.warnings as PlacedDiagnostic[]);
  const drawStart = performance.now();
  views.update(run, reply.source);
  views.setNotice(
    run.end_ms < run.until_ms
      ? `Partial result: the simulation stopped at ${clock(run.end_ms)} of ${clock(run.until_ms)} (see the warning under the editor). The views show what happened until then.`
      : null,
  );
  const drawn = performance.now();
  // Records written, not events handled: a site's routine exchanges are counted, not written,
  // so the count is far below the events the progress line showed while it ran.
  status.textContent = `${run.record_count.toLocaleString("en")} records until ${clock(run.end_ms)} · simulated in ${reply.ms.toFixed(1)} ms, drawn in ${(drawn - drawStart).toFixed(1)} ms`;
  status.dataset.state = run.end_ms < run.until_ms ? "partial" : "ok";
  document.body.dataset.editToRedrawMs = (drawn - asked).toFixed(2);
  followAddress();
}

/** The run's progress (simulated time reached of the time asked for) and its Cancel button. */
function showProgress(p: Progress | null): void {
  if (!worker.running()) return;
  progressBox.hidden = false;
  progressBar.max = Math.max(1, p?.until_ms ?? 1);
  if (p) progressBar.value = p.at_ms;
  else progressBar.removeAttribute("value");
  progressSaid.textContent = p
    ? `Simulating… ${clock(p.at_ms)} of ${clock(p.until_ms)} (${p.events.toLocaleString("en")} events)`
    : "Simulating…";
  status.textContent = "running…";
  status.dataset.state = "running";
  if (trace) views.setNotice("Simulating the new text: these views show the previous run until it finishes.");
}

function scheduleRun(): void {
  if (debounce !== null) window.clearTimeout(debounce);
  debounce = window.setTimeout(() => void runNow(), DEBOUNCE_MS);
}

/**
 * Short enough to read on the page's own thread at every keystroke (controls, link). A longer
 * text cannot travel in a link anyway (it unpacks to at most `link_text_bytes`, and a
 * JavaScript string is never longer than its UTF-8 bytes); its controls are read by the
 * worker with the run.
 */
function isQuick(text: string): boolean {
  return text.length <= sim.limits.link_text_bytes;
}

/** The share link's fragment, or why this text cannot have one (the limit, named). */
function currentLink(): { fragment: string } | { tooLong: () => string } {
  const text = editor.text();
  const { link_chars, link_text_bytes } = sim.limits;
  const kb = (n: number) => `${Math.ceil(n / 1024).toLocaleString("en")} KB`;
  if (!isQuick(text)) {
    // Said only when asked (Copy link): counting the bytes of 5 MB is not free.
    return { tooLong: () => `This scenario is too long for a share link: ${kb(new TextEncoder().encode(text).length)} of text, and a link carries at most ${kb(link_text_bytes)}.` };
  }
  const t = trace ? views.cursor() : undefined;
  const fragment = sim.encodeLink(text, t, views.panel());
  if (fragment.length > link_chars) {
    return { tooLong: () => `This scenario is too long for a share link: packed, its link has ${fragment.length.toLocaleString("en")} characters, and links are limited to ${link_chars.toLocaleString("en")}.` };
  }
  return { fragment };
}

/** The address bar follows the text; a text too long for a link leaves it without one. */
function followAddress(): void {
  address.follow(() => {
    const link = currentLink();
    return "fragment" in link ? link.fragment : "";
  });
}

function showControls(controls: ReturnType<Sim["controls"]>, force: boolean): void {
  renderControls(byId("controls"), controls, applyControl, force);
}

/** A long text's controls as the worker read them (JSON): parsed and drawn only when they
 * differ from what is shown (the text is the key). */
function showControlsJson(json: string): void {
  renderControls(byId("controls"), () => ({ ...(JSON.parse(json) as Controls), releases: sim.releases }), applyControl, false, undefined, json);
}

function refreshControls(force = false): void {
  // A long text's controls are read by the worker with the run (and not copied out here).
  if (editor.view.state.doc.length > sim.limits.link_text_bytes) return;
  const text = editor.text();
  try {
    showControls(sim.controls(text), force);
  } catch (error) {
    console.warn("aorlab: controls", error);
  }
}

/** Says what a quick control did (or why it could not), never nothing. */
function controlSaid(message: string, kind: "ok" | "problem"): void {
  const said = byId<HTMLElement>("controls-said");
  said.textContent = message;
  said.dataset.kind = kind;
}

function applyControl(edit: ControlEdit): void {
  const text = editor.text();
  if (edit.kind === "version") {
    editor.replace(sim.setVersion(text, edit.value));
    controlSaid(`Asterisk ${edit.value}.`, "ok");
    void runNow();
    return;
  }
  const outcome = sim.editOption(text, edit.section, edit.name, edit.template, edit.option, edit.value);
  if (!outcome.ok) {
    controlSaid(`Could not change ${edit.option}: ${outcome.problem}`, "problem");
    refreshControls(true);
    return;
  }
  editor.replace(outcome.text);
  controlSaid(describeEdit(edit, outcome.line, outcome.affects), "ok");
  void runNow();
}

/** Reading a site's controls takes a while (hundreds of ms at 2,000 AORs): then they wait for
 * a pause in typing, like the run. */
let controlsMs = 0;
let controlsTimer: number | null = null;

function refreshControlsSoon(): void {
  if (controlsTimer !== null) window.clearTimeout(controlsTimer);
  controlsTimer = null;
  const go = () => {
    const t0 = performance.now();
    refreshControls();
    controlsMs = performance.now() - t0;
  };
  if (controlsMs < 30) go();
  else controlsTimer = window.setTimeout(go, DEBOUNCE_MS);
}

function onTextChange(text: string): void {
  saveDraft(text);
  refreshControlsSoon();
  scheduleRun();
  followAddress();
  comparePanel?.textChanged();
}

function fillPresets(): void {
  const list = byId<HTMLUListElement>("preset-list");
  const menu = byId<HTMLDetailsElement>("presets");
  const summary = menu.querySelector("summary")!;
  const items = () => [...list.querySelectorAll<HTMLButtonElement>("button.preset")];
  // A menu: arrows move between presets, Home/End jump, Escape or a click elsewhere closes it.
  summary.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    event.preventDefault();
    menu.open = true;
    const all = items();
    (event.key === "ArrowDown" ? all[0] : all[all.length - 1])?.focus();
  });
  list.addEventListener("keydown", (event) => {
    const all = items();
    const i = all.indexOf(document.activeElement as HTMLButtonElement);
    const to: Record<string, number> = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: all.length - 1 };
    if (!(event.key in to)) return;
    event.preventDefault();
    all[(to[event.key]! + all.length) % all.length]?.focus();
  });
  menu.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && menu.open) {
      menu.open = false;
      summary.focus();
    }
  });
  document.addEventListener("click", (event) => {
    if (menu.open && !menu.contains(event.target as Node)) menu.open = false;
  });
  for (const preset of sim.presets()) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "preset";
    button.dataset.preset = preset.name;
    const title = document.createElement("strong");
    title.textContent = preset.title || preset.name;
    const lesson = document.createElement("span");
    lesson.textContent = preset.lesson;
    button.append(title, lesson);
    button.addEventListener("click", () => {
      menu.open = false;
      editor.replace(preset.text);
      // Read it from the top: the cursor (and the keyboard focus) go to the editor's start.
      editor.goTo(1, 1);
      void runNow();
      showNotice(`Loaded the preset “${preset.title || preset.name}”. Your previous text is one undo away (Ctrl+Z).`, "info", [
        ["Undo", () => undoOnce()],
      ]);
    });
    item.append(button);
    list.append(item);
  }
}

/** Wrap lines / Tab key indents: checkboxes under the editor, remembered in localStorage. */
function editorSettings(): { wrap: boolean; tabIndents: boolean } {
  const wrap = store.get(WRAP_KEY) !== "no";
  const tabIndents = store.get(TAB_KEY) === "yes";
  const wrapBox = byId<HTMLInputElement>("opt-wrap");
  const tabBox = byId<HTMLInputElement>("opt-tab");
  wrapBox.checked = wrap;
  tabBox.checked = tabIndents;
  wrapBox.addEventListener("change", () => {
    editor.setWrap(wrapBox.checked);
    store.set(WRAP_KEY, wrapBox.checked ? "yes" : "no");
  });
  tabBox.addEventListener("change", () => {
    editor.setTabIndents(tabBox.checked);
    store.set(TAB_KEY, tabBox.checked ? "yes" : "no");
  });
  return { wrap, tabIndents };
}

function undoOnce(): void {
  undo(editor.view);
}

/** The text to start with: a link in the address, else the saved text, else the demo. */
function initialText(saved: string | null): { text: string; t: number | null; panel: string | null } {
  const hash = location.hash.replace(/^#/, "");
  if (hash) {
    const decoded = sim.decodeLink(hash);
    // The page's own address after a reload: the draft is at least as new (it is saved at every
    // edit; the address follows at most once a second), so a quick reload keeps the last edit.
    if (isOwnAddress(hash) && saved !== null && saved !== decoded.text) return { text: saved, t: null, panel: null };
    if (saved !== null && saved !== decoded.text) store.set(PREVIOUS_KEY, saved);
    const restore: [string, () => void][] =
      saved !== null && saved !== decoded.text ? [["Open my previous text", () => editor.replace(saved)]] : [];
    if (decoded.problem) {
      const recovered = decoded.text.trim() !== "";
      showNotice(
        `${decoded.problem}${recovered ? "" : " The editor shows your previous text (or the demo) instead."}`,
        "problem",
        restore,
      );
      if (recovered) return { text: decoded.text, t: null, panel: null };
      return { text: saved ?? sim.demoScenario(), t: null, panel: null };
    }
    if (restore.length) showNotice("Opened the scenario from the link.", "info", restore);
    return { text: decoded.text, t: decoded.view.t, panel: decoded.view.panel };
  }
  return { text: saved ?? sim.demoScenario(), t: null, panel: null };
}

async function start(): Promise<void> {
  status.textContent = "loading…";
  const module = await compileModule();
  sim = await loadSim(module);
  setAsteriskVersions(sim.releases.map((r) => r.value));
  worker = new SimWorker(module);
  byId<HTMLElement>("version").textContent = `aorlab ${sim.version}`;

  const first = initialText(await loadDraft());
  const panel = (["contacts", "ladder", "log"] as const).find((p) => p === first.panel);
  views = mountViews(byId("views"), {
    ...(panel ? { panel } : {}),
    onCursor: () => followAddress(),
    onPanel: () => followAddress(),
  });
  editor = createEditor({
    parent: byId("editor"),
    text: first.text,
    options: sim.optionTable(),
    onChange: onTextChange,
    onRun: () => void runNow(),
    ...editorSettings(),
  });
  // The saved text is overwritten only by an edit (a link opened is not yet the user's work).
  fillPresets();
  refreshControls();
  mountImport(byId("capture-import"), { openScenario: (text) => (editor.replace(text), void runNow()) });

  runButton.disabled = false;
  runButton.addEventListener("click", () => void runNow());
  byId("run-cancel").addEventListener("click", () => worker.cancel());

  const done = byId<HTMLElement>("share-done");
  const shareUrl = byId<HTMLInputElement>("share-url");
  const confirm = (message: string, value: string) => {
    done.textContent = message;
    done.dataset.kind = "ok";
    shareUrl.value = value;
    shareUrl.hidden = false;
    window.setTimeout(() => {
      if (done.textContent === message) done.textContent = "";
    }, 4000);
  };
  const refuse = (message: string) => {
    done.textContent = message;
    done.dataset.kind = "problem";
    shareUrl.value = "";
    shareUrl.hidden = true;
  };
  byId("copy-link").addEventListener("click", async () => {
    address.flush();
    const made = currentLink();
    if ("tooLong" in made) return refuse(made.tooLong());
    const link = `${pageUrl("")}#${made.fragment}`;
    confirm((await copyText(link)) ? "Link copied ✓" : "Copy this link:", link);
  });
  byId("copy-embed").addEventListener("click", async () => {
    const made = currentLink();
    if ("tooLong" in made) return refuse(made.tooLong());
    const code = embedCode(made.fragment, trace?.title ?? "");
    confirm((await copyText(code)) ? "Embed code copied ✓" : "Copy this code:", code);
  });

  // A link pasted into this tab's address bar changes only the fragment: open it.
  window.addEventListener("hashchange", async () => {
    const before = editor.text();
    const next = initialText(await loadDraft());
    if (next.text === before) return;
    editor.replace(next.text);
    void runNow().then(() => {
      if (next.t !== null && trace) views.setCursor(next.t);
      const panel = (["contacts", "ladder", "log"] as const).find((p) => p === next.panel);
      if (panel) views.setPanel(panel);
    });
  });

  // Compare / Advise: a panel of their own (src/compare); a two-sided link opens Compare.
  const hashAtStart = location.hash.replace(/^#/, "");
  comparePanel = mountCompare(byId("compare"), { sim, textA: () => editor.text(), pageUrl: () => pageUrl(""), copy: copyText });
  for (const [id, open] of [
    ["open-compare", () => comparePanel!.openCompare()],
    ["open-advise", () => comparePanel!.openAdvise()],
  ] as const) {
    byId<HTMLButtonElement>(id).disabled = false;
    byId(id).addEventListener("click", open);
  }
  window.addEventListener("hashchange", () => comparePanel!.openLink(location.hash.replace(/^#/, "")));

  await runNow();
  // A two-sided link wins; else Compare comes back as it was left (B kept across reloads).
  if (!comparePanel.openLink(hashAtStart)) comparePanel.restore();
  // Open on the link's moment, else on the end of the run (the outcome).
  if (trace) views.setCursor(first.t ?? trace.end_ms);
  document.body.dataset.firstRenderMs = performance.now().toFixed(0);
  document.body.dataset.ready = "true";

  // For the end-to-end tests and the timing page: read/replace the text, trigger a panic.
  Object.assign(window, {
    aorlab: {
      text: () => editor.text(),
      setText: (text: string) => editor.replace(text),
      run: () => runNow(),
      panicForTest: () => runNow(true),
      running: () => worker.running(),
      workBudgetForTest: (budget: number) => worker.workBudgetForTest(budget),
      recordBudgetForTest: (records: number) => worker.recordBudgetForTest(records),
      restarts: () => worker.restarts,
      limits: () => sim.limits,
      views: () => views as { panel(): string; cursor(): number; setCursor(ms: number): void; setPanel(p: PanelName): void },
    },
  });
}

start().catch(showFailure);
