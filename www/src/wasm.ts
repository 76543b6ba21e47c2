// Loading the wasm module and calling it. The only file that knows about the generated glue
// (www/dist/pkg, written by `cargo xtask build`).

import init, { demo_scenario, run_scenario, version } from "../dist/pkg/aorlab_wasm.js";
import type { RunOutcome } from "./types";

export interface Sim {
  version: string;
  demoScenario(): string;
  run(text: string): RunOutcome;
}

export async function loadSim(): Promise<Sim> {
  // Relative to this bundle (dist/main.js), so the page works under any path prefix.
  await init({ module_or_path: new URL("./pkg/aorlab_wasm_bg.wasm", import.meta.url) });
  return {
    version: version(),
    demoScenario: () => demo_scenario(),
    run: (text: string) => run_scenario(text) as RunOutcome,
  };
}
