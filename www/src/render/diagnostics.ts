// Errors in the scenario text, each with its place (line:column) and a hint.

import type { Diagnostic } from "../types";
import { el } from "./format";

export function renderDiagnostics(root: HTMLElement, diagnostics: Diagnostic[]): void {
  root.replaceChildren();
  root.hidden = diagnostics.length === 0;
  if (diagnostics.length === 0) return;
  const list = el("ul", "diagnostics");
  for (const d of diagnostics) {
    const item = el("li", `diagnostic severity-${d.severity}`);
    item.append(el("span", "place", `${d.line}:${d.col}`));
    item.append(el("span", "message", d.message));
    if (d.hint) item.append(el("span", "hint", d.hint));
    list.append(item);
  }
  root.append(list);
}
