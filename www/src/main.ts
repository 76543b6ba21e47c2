// The page: load the wasm simulation, run the scenario text, render the result.
// The page computes no policy; everything it shows comes from the Trace.

import { renderContacts } from "./render/contacts";
import { renderDiagnostics } from "./render/diagnostics";
import { renderEvents } from "./render/events";
import { clock } from "./render/format";
import { renderOutcome } from "./render/outcome";
import type { Sim } from "./wasm";
import { loadSim } from "./wasm";

function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node as T;
}

const editor = byId<HTMLTextAreaElement>("scenario");
const runButton = byId<HTMLButtonElement>("run");
const status = byId<HTMLElement>("status");
const diagnostics = byId<HTMLElement>("diagnostics");
const contacts = byId<HTMLElement>("contacts");
const events = byId<HTMLElement>("events");
const outcomePanel = byId<HTMLElement>("outcome");
const failure = byId<HTMLElement>("failure");

function run(sim: Sim): void {
  const started = performance.now();
  failure.hidden = true;
  try {
    const outcome = sim.run(editor.value);
    const took = performance.now() - started;
    if (!outcome.ok) {
      renderDiagnostics(diagnostics, outcome.diagnostics);
      const n = outcome.diagnostics.length;
      status.textContent = `${n} problem${n === 1 ? "" : "s"} in the scenario`;
      status.dataset.state = "error";
      return;
    }
    const { trace } = outcome;
    renderDiagnostics(diagnostics, trace.warnings);
    renderOutcome(outcomePanel, trace);
    renderContacts(contacts, trace.final_state);
    renderEvents(events, trace.records);
    status.textContent = `${trace.records.length} events until ${clock(trace.end_ms)} · simulated in ${took.toFixed(1)} ms`;
    status.dataset.state = "ok";
  } catch (error) {
    showFailure(error);
  }
}

function showFailure(error: unknown): void {
  console.error(error);
  failure.hidden = false;
  failure.textContent = `Something broke inside the simulation: ${error instanceof Error ? error.message : String(error)}`;
  status.textContent = "failed";
  status.dataset.state = "error";
}

async function start(): Promise<void> {
  status.textContent = "loading…";
  const sim = await loadSim();
  byId<HTMLElement>("version").textContent = `aorlab ${sim.version}`;
  editor.value = sim.demoScenario();
  runButton.disabled = false;
  runButton.addEventListener("click", () => run(sim));
  editor.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      run(sim);
    }
  });
  run(sim);
  document.body.dataset.ready = "true";
}

start().catch(showFailure);
