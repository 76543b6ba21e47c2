// The Compare / Advise panel: two views behind tabs, opened from the scenario toolbar, and
// straight into Compare by a two-sided share link. Runs go to Web Workers (pool.ts).

import { el } from "../format";
import type { Sim } from "../wasm";
import { AdviseView } from "./advise";
import { Pool, workersForThisMachine } from "./pool";
import { applySets, sideB } from "./sim";
import { STYLE } from "./style";
import { store } from "../share/index";
import { CompareView, KEPT_B, type KeptB } from "./view";

export interface CompareMountDeps {
  sim: Sim;
  textA(): string;
  pageUrl(): string;
  copy(text: string): Promise<boolean>;
}

export interface ComparePanel {
  openCompare(b?: string, changes?: string[] | null): void;
  openAdvise(): void;
  /** The editor's text changed. */
  textChanged(): void;
  /** Opens Compare when `fragment` is a two-sided link; says whether it was. */
  openLink(fragment: string): boolean;
  /** Reopens Compare with the B kept from the last visit, if it was open then. */
  restore(): void;
}

export function mountCompare(root: HTMLElement, deps: CompareMountDeps): ComparePanel {
  document.head.append(el("style", undefined, STYLE));
  root.classList.add("panel", "compare-panel");
  root.hidden = true;
  const tabs = el("div", "cmp-tabs");
  tabs.setAttribute("role", "tablist");
  const title = el("h2", undefined, "What if");
  const compareTab = el("button", "tab", "Compare");
  const adviseTab = el("button", "tab", "Advise");
  const close = el("button", "cmp-close", "Close");
  for (const [b, id] of [
    [compareTab, "tab-compare"],
    [adviseTab, "tab-advise"],
    [close, "cmp-close"],
  ] as const) {
    b.type = "button";
    b.id = id;
  }
  compareTab.setAttribute("role", "tab");
  adviseTab.setAttribute("role", "tab");
  tabs.append(title, compareTab, adviseTab, close);
  const compareBox = el("div");
  compareBox.id = "compare-view";
  compareBox.setAttribute("role", "tabpanel");
  const adviseBox = el("div");
  adviseBox.id = "advise-view";
  adviseBox.setAttribute("role", "tabpanel");
  root.append(tabs, compareBox, adviseBox);

  const compare = new CompareView(compareBox, {
    sim: deps.sim,
    // One worker for Compare (both sides run in it), apart from Advise's so Cancel stops only those.
    pool: new Pool(deps.sim.module, 1, "aorlab-compare"),
    textA: deps.textA,
    pageUrl: deps.pageUrl,
    copy: deps.copy,
  });

  const show = (which: "compare" | "advise") => {
    root.hidden = false;
    compareBox.hidden = which !== "compare";
    adviseBox.hidden = which !== "advise";
    compareTab.setAttribute("aria-selected", String(which === "compare"));
    adviseTab.setAttribute("aria-selected", String(which === "advise"));
    root.dataset.view = which;
    root.scrollIntoView({ block: "start", behavior: "smooth" });
  };

  const panel: ComparePanel = {
    openCompare(b?: string, changes?: string[] | null) {
      show("compare");
      compare.open(b, changes ?? (b === undefined ? [] : null));
    },
    openAdvise() {
      show("advise");
    },
    textChanged() {
      if (!root.hidden && !compareBox.hidden) compare.textAChanged();
    },
    openLink(fragment: string) {
      const b = sideB(fragment);
      if (b === null) return false;
      panel.openCompare(b, null);
      return true;
    },
    restore() {
      const raw = store.get(KEPT_B);
      if (raw === null) return;
      let kept: KeptB;
      try {
        kept = JSON.parse(raw) as KeptB;
      } catch {
        return;
      }
      if (typeof kept.text === "string") return panel.openCompare(kept.text, kept.changes ?? null);
      if (Array.isArray(kept.changes)) {
        const b = applySets(deps.textA(), kept.changes);
        if (b.ok) return panel.openCompare(b.value, kept.changes);
      }
      // Too long to have been kept, or its changes no longer apply to A: B starts as A.
      panel.openCompare();
    },
  };

  const advise = new AdviseView(adviseBox, {
    pool: new Pool(deps.sim.module, workersForThisMachine(), "aorlab-advise"),
    textA: deps.textA,
    compare: (set) => {
      const b = applySets(deps.textA(), set);
      if (b.ok) panel.openCompare(b.value, set);
    },
  });

  compareTab.addEventListener("click", () => {
    if (compareBox.dataset.compared === undefined && compare.last() === null) panel.openCompare();
    else show("compare");
  });
  adviseTab.addEventListener("click", () => show("advise"));
  close.addEventListener("click", () => {
    advise.cancel();
    root.hidden = true;
    try {
      window.localStorage.removeItem(KEPT_B);
    } catch {
      // No storage: nothing was kept.
    }
  });
  return panel;
}
