// The scenario editor (CodeMirror 6): colouring, diagnostics from the Rust parser as underlines
// (message + hint on hover), completion from the option table, Ctrl/Cmd+Enter to run.
//
// Keyboard: Tab and Shift+Tab move focus in and out (CodeMirror's accessible default: no Tab
// binding); Ctrl+] / Ctrl+[ indent. "Tab key indents" binds Tab (indentWithTab); Esc then
// Tab still leaves. Lines wrap unless "Wrap lines" is off.

import { autocompletion, closeBrackets, completionKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { bracketMatching, indentOnInput, syntaxHighlighting } from "@codemirror/language";
import { type Diagnostic as LintDiagnostic, lintGutter, setDiagnostics } from "@codemirror/lint";
import { highlightSelectionMatches, searchKeymap } from "@codemirror/search";
import { Compartment, EditorSelection, EditorState, type Extension } from "@codemirror/state";
import {
  EditorView,
  drawSelection,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
} from "@codemirror/view";
import { completionTypingGuard, type OptionSpec, scenarioCompletion } from "./complete";
import { scenarioHighlight, scenarioLanguage } from "./language";

/** A diagnostic as the Rust parser reports it (1-based line and columns). */
export interface PlacedDiagnostic {
  line: number;
  col: number;
  end_col?: number;
  severity: "error" | "warning" | string;
  message: string;
  hint: string | null;
  /** Problems that only follow from this one ("and N more caused by this"). */
  follow_ons?: PlacedDiagnostic[];
}

export interface ScenarioEditor {
  view: EditorView;
  text(): string;
  /** Replaces the whole text as one undoable change. */
  replace(text: string): void;
  showDiagnostics(list: PlacedDiagnostic[]): void;
  /** Moves the cursor to line:col (1-based) and focuses the editor. */
  goTo(line: number, col: number): void;
  setWrap(on: boolean): void;
  setTabIndents(on: boolean): void;
}

export interface EditorOptions {
  parent: HTMLElement;
  text: string;
  options: OptionSpec[];
  readOnly?: boolean;
  label?: string;
  onChange?: (text: string) => void;
  onRun?: () => void;
  /** Soft-wrap long lines (default true). */
  wrap?: boolean;
  /** Tab indents instead of moving focus (default false). */
  tabIndents?: boolean;
}

/**
 * How many problems are marked in the text (underline, gutter): the first ones. Marking every
 * problem of a pasted 5 MB file (56,000 of them) took seconds per keystroke.
 */
export const MARKED = 1000;

/** Where a diagnostic sits in the document, clamped to the text. */
export function rangeOf(state: EditorState, d: PlacedDiagnostic): { from: number; to: number } {
  const lineNo = Math.min(Math.max(1, d.line || 1), state.doc.lines);
  const line = state.doc.line(lineNo);
  const from = line.from + Math.min(Math.max(0, (d.col || 1) - 1), line.length);
  let to = line.from + Math.min(Math.max(0, (d.end_col ?? d.col) - 1), line.length);
  if (to <= from) to = Math.min(line.to, from + 1);
  if (to <= from && line.length > 0) return { from: line.from, to: line.to };
  return { from, to };
}

export function createEditor(opts: EditorOptions): ScenarioEditor {
  const wrapping = new Compartment();
  const tabKey = new Compartment();
  const wrapWith = (on: boolean) => (on ? EditorView.lineWrapping : []);
  const tabWith = (on: boolean) => (on ? keymap.of([indentWithTab]) : []);
  const extensions: Extension[] = [
    lineNumbers(),
    highlightActiveLineGutter(),
    history(),
    drawSelection(),
    indentOnInput(),
    bracketMatching(),
    closeBrackets(),
    highlightActiveLine(),
    highlightSelectionMatches(),
    lintGutter(),
    scenarioLanguage,
    syntaxHighlighting(scenarioHighlight),
    // Before autocompletion(): its Enter guard must see the key before the list accepts it.
    completionTypingGuard,
    autocompletion({ override: [scenarioCompletion(opts.options)], activateOnTyping: true }),
    wrapping.of(wrapWith(opts.wrap ?? true)),
    tabKey.of(tabWith(opts.tabIndents ?? false)),
    keymap.of([
      {
        key: "Mod-Enter",
        preventDefault: true,
        run: () => {
          opts.onRun?.();
          return true;
        },
      },
      ...completionKeymap,
      ...defaultKeymap,
      ...historyKeymap,
      ...searchKeymap,
    ]),
    EditorView.contentAttributes.of({
      "aria-label": opts.label ?? "Scenario text",
      spellcheck: "false",
      autocapitalize: "off",
      autocorrect: "off",
    }),
    EditorView.updateListener.of((update) => {
      if (update.docChanged) opts.onChange?.(update.state.doc.toString());
    }),
  ];
  if (opts.readOnly) extensions.push(EditorState.readOnly.of(true), EditorView.editable.of(false));

  const view = new EditorView({
    parent: opts.parent,
    state: EditorState.create({ doc: opts.text, extensions }),
  });

  return {
    view,
    text: () => view.state.doc.toString(),
    replace(text: string) {
      const old = view.state.doc.toString();
      if (text === old) return;
      // Only the part that differs, so the cursor, the scroll position and undo stay precise.
      let start = 0;
      const limit = Math.min(old.length, text.length);
      while (start < limit && old.charCodeAt(start) === text.charCodeAt(start)) start++;
      let end = 0;
      while (
        end < limit - start &&
        old.charCodeAt(old.length - 1 - end) === text.charCodeAt(text.length - 1 - end)
      )
        end++;
      const changes = { from: start, to: old.length - end, insert: text.slice(start, text.length - end) };
      const head = view.state.selection.main.head;
      const mapped = head <= start ? head : head >= old.length - end ? head + text.length - old.length : start + changes.insert.length;
      view.dispatch({
        changes,
        selection: EditorSelection.cursor(Math.max(0, Math.min(mapped, text.length))),
        userEvent: "input.replace",
      });
    },
    showDiagnostics(list: PlacedDiagnostic[]) {
      const state = view.state;
      const marks: LintDiagnostic[] = [];
      for (const d of list.slice(0, MARKED)) {
        const { from, to } = rangeOf(state, d);
        const more = d.follow_ons?.length ?? 0;
        const tail = more ? `\nand ${more} more caused by this` : "";
        marks.push({
          from,
          to,
          severity: d.severity === "warning" ? "warning" : "error",
          message: `${d.hint ? `${d.message}\nhint: ${d.hint}` : d.message}${tail}`,
          source: `line ${d.line}:${d.col}`,
        });
        // A follow-on elsewhere (an endpoint naming a refused AOR) is marked softly there.
        for (const f of (d.follow_ons ?? []).slice(0, MARKED)) {
          if (f.line === d.line) continue;
          const at = rangeOf(state, f);
          marks.push({
            ...at,
            severity: "info",
            message: `${f.message}\n(caused by line ${d.line}:${d.col}: ${d.message})`,
            source: `line ${f.line}:${f.col}`,
          });
        }
      }
      view.dispatch(setDiagnostics(state, marks));
    },
    setWrap(on: boolean) {
      view.dispatch({ effects: wrapping.reconfigure(wrapWith(on)) });
    },
    setTabIndents(on: boolean) {
      view.dispatch({ effects: tabKey.reconfigure(tabWith(on)) });
    },
    goTo(line: number, col: number) {
      const { from } = rangeOf(view.state, { line, col, severity: "error", message: "", hint: null });
      view.dispatch({ selection: EditorSelection.cursor(from), scrollIntoView: true });
      view.focus();
    },
  };
}
