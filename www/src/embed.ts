// The embed view for iframes in documentation: summary, timeline and one panel (views.ts in
// compact mode), read-only unless `editor=1`. Works inside `sandbox="allow-scripts"` (opaque
// origin: no storage, no workers from our origin), so the simulation runs on this thread.
//
// Query flags: panel=contacts|ladder|log, t=<time like 5m>, autoplay=1,
// theme=light|dark|auto, editor=1, height=<px>. The scenario is the `#v1.…` fragment.
// Tells the parent its preferred height: postMessage({ type: "aorlab:height", height }).

import { createEditor, type PlacedDiagnostic, type ScenarioEditor } from "./editor/index";
import { renderDiagnosticList } from "./editor/diagnostics";
import { parseTime, pageUrl } from "./share/index";
import type { RunView } from "./types";
import { mountViews, type PanelName, type Views } from "./views";
import { loadSim, type Sim } from "./wasm";

const params = new URLSearchParams(location.search);
const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = byId<HTMLElement>("status");
const failure = byId<HTMLElement>("failure");
const notice = byId<HTMLElement>("notice");
const openFull = byId<HTMLAnchorElement>("open-full");

const theme = params.get("theme");
if (theme === "light" || theme === "dark") document.documentElement.dataset.theme = theme;
const heightHint = Number(params.get("height"));
if (Number.isFinite(heightHint) && heightHint >= 120 && heightHint <= 4000) {
  document.body.style.minHeight = `${Math.round(heightHint)}px`;
}

let lastHeight = 0;
function postHeight(): void {
  // The content's own height (not the frame's), so a parent that applies it cannot loop.
  const style = getComputedStyle(document.body);
  const height = Math.ceil(
    document.body.getBoundingClientRect().height + parseFloat(style.marginTop) + parseFloat(style.marginBottom),
  );
  if (Math.abs(height - lastHeight) < 2) return;
  lastHeight = height;
  document.body.dataset.postedHeight = String(height);
  if (window.parent !== window) window.parent.postMessage({ type: "aorlab:height", height }, "*");
}

function fail(message: string): void {
  failure.hidden = false;
  failure.textContent = message;
  postHeight();
}

let sim: Sim;
let views: Views;
let editor: ScenarioEditor | null = null;
let trace: RunView | null = null;
/** The wasm memory of the run on screen, let go when the next one is shown. */
let freeShown: (() => void) | null = null;
let text = "";

function run(): void {
  let outcome;
  try {
    outcome = sim.session(text);
  } catch (error) {
    // A trap leaves the module unusable: load it afresh for the next run.
    fail(`Something broke inside the simulation: ${error instanceof Error ? error.message : String(error)}`);
    void loadSim().then((fresh) => (sim = fresh));
    return;
  }
  failure.hidden = true;
  const diagnosticsBox = document.getElementById("embed-diagnostics");
  if (!outcome.ok) {
    status.textContent = `${outcome.diagnostics.length} problem(s) in the scenario`;
    status.dataset.state = "error";
    editor?.showDiagnostics(outcome.diagnostics as PlacedDiagnostic[]);
    if (diagnosticsBox && editor) {
      const ed = editor;
      renderDiagnosticList(diagnosticsBox, outcome.diagnostics as PlacedDiagnostic[], (l, c) => ed.goTo(l, c));
    }
    postHeight();
    return;
  }
  trace = outcome.view;
  freeShown?.();
  freeShown = outcome.free;
  editor?.showDiagnostics(trace.warnings as PlacedDiagnostic[]);
  if (diagnosticsBox) diagnosticsBox.hidden = true;
  status.textContent = "";
  status.dataset.state = "ok";
  const title = byId<HTMLElement>("embed-title");
  title.textContent = trace.title;
  title.title = trace.title; // the whole title when a narrow frame cuts it with "…"
  views.update(trace, outcome.source);
  updateOpenLink();
  postHeight();
}

function updateOpenLink(): void {
  const t = trace ? views.cursor() : undefined;
  openFull.href = `${pageUrl("")}#${sim.encodeLink(text, t, views.panel())}`;
}

/** Plays the run (about 20 s) with the timeline's own player, so its button says Pause; a
 * touch or key from the reader stops it. */
function autoplay(): void {
  const stop = (event: Event) => {
    // The Play/Pause button does its own toggling.
    if ((event.target as Element | null)?.closest?.(".tl-play")) return;
    views.pause();
  };
  document.addEventListener("pointerdown", stop, { once: true });
  document.addEventListener("keydown", stop, { once: true });
  if (trace && views.cursor() >= trace.end_ms) views.setCursor(0);
  views.playFor(20_000);
}

async function start(): Promise<void> {
  status.textContent = "loading…";
  sim = await loadSim();
  const decoded = sim.decodeLink(location.hash);
  if (!location.hash) {
    notice.textContent = "This embed has no scenario in its link; showing the demo.";
    notice.hidden = false;
  } else if (decoded.problem) {
    notice.textContent = decoded.problem;
    notice.hidden = false;
  }
  text = location.hash && decoded.text.trim() ? decoded.text : sim.demoScenario();

  const wanted = params.get("panel") ?? decoded.view.panel;
  const panel = (["contacts", "ladder", "log"] as const).find((p) => p === wanted);
  views = mountViews(byId("views"), {
    compact: true,
    ...(panel ? { panel: panel as PanelName } : {}),
    onCursor: () => updateOpenLink(),
    onPanel: () => {
      updateOpenLink();
      postHeight();
    },
  });

  if (params.get("editor") === "1") {
    const host = byId<HTMLElement>("embed-editor");
    host.hidden = false;
    const box = document.createElement("div");
    box.id = "embed-diagnostics";
    box.className = "diagnostics-box";
    box.hidden = true;
    host.after(box);
    let timer = 0;
    editor = createEditor({
      parent: host,
      text,
      options: sim.optionTable(),
      label: "Scenario text (embedded)",
      onChange: (next) => {
        text = next;
        window.clearTimeout(timer);
        timer = window.setTimeout(run, 300);
      },
      onRun: () => run(),
    });
  }

  run();
  const t = parseTime(params.get("t")) ?? decoded.view.t;
  if (t !== null && trace) views.setCursor(t);
  if (params.get("autoplay") === "1") autoplay();
  // For the end-to-end tests: where the cursor is.
  Object.assign(window, { aorlab: { cursor: () => views.cursor(), text: () => text } });
  new ResizeObserver(() => postHeight()).observe(document.body);
  window.addEventListener("resize", postHeight);
  // The panels and the timeline's markers are asked of the run (answered at once on this
  // thread): ready once they are drawn, so the first posted height is the whole content.
  await new Promise((done) => setTimeout(done, 0));
  postHeight();
  document.body.dataset.ready = "true";
}

start().catch((error) => fail(`aorlab could not start: ${error instanceof Error ? error.message : String(error)}`));
