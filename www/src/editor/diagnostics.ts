// The list of diagnostics under the editor: each one a button that moves the cursor there.
// Problems that only follow from another are folded under it ("and 8 more caused by this").
// A pasted file can have tens of thousands of problems: the first LISTED are listed and the
// rest counted (drawing 56,000 items froze the page for seconds after every keystroke).

import type { PlacedDiagnostic } from "./index";

function item(d: PlacedDiagnostic, goTo: (line: number, col: number) => void): HTMLLIElement {
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
  const more = d.follow_ons ?? [];
  if (more.length) {
    const details = document.createElement("details");
    details.className = "follow-ons";
    const summary = document.createElement("summary");
    summary.textContent = `and ${more.length} more caused by this`;
    const ul = document.createElement("ul");
    for (const f of more.slice(0, LISTED)) ul.append(item(f, goTo));
    details.append(summary, ul);
    li.append(details);
  }
  return li;
}

/** How many problems the list shows; the rest are counted in its last line. */
export const LISTED = 100;

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
  for (const d of list.slice(0, LISTED)) ul.append(item(d, goTo));
  if (list.length > LISTED) {
    const rest = document.createElement("li");
    rest.className = "diagnostic unlisted";
    rest.textContent = `and ${list.length - LISTED} more problems below these, not listed: fix the first ones (they often cause the rest)`;
    ul.append(rest);
  }
  root.append(ul);
}
