// The list of diagnostics under the editor: each one a button that moves the cursor there.

import type { PlacedDiagnostic } from "./index";

export function renderDiagnosticList(
  root: HTMLElement,
  list: PlacedDiagnostic[],
  goTo: (line: number, col: number) => void,
): void {
  root.replaceChildren();
  root.hidden = list.length === 0;
  if (list.length === 0) return;
  const ul = document.createElement("ul");
  ul.className = "diagnostics";
  for (const d of list) {
    const li = document.createElement("li");
    li.className = `diagnostic severity-${d.severity}`;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "place";
    button.textContent = `${d.line}:${d.col}`;
    button.title = `Go to line ${d.line}, column ${d.col}`;
    button.addEventListener("click", () => goTo(d.line, d.col));
    const message = document.createElement("span");
    message.className = "message";
    message.textContent = d.message;
    li.append(button, message);
    if (d.hint) {
      const hint = document.createElement("span");
      hint.className = "hint";
      hint.textContent = d.hint;
      li.append(hint);
    }
    ul.append(li);
  }
  root.append(ul);
}
