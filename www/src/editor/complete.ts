// Completion: statements, device options and actions of the scenario language, and pjsip.conf
// option names and values from the registrar's own option table (option_table() in wasm), so
// completion and the parser never drift apart.

import {
  type Completion,
  type CompletionContext,
  type CompletionResult,
  closeCompletion,
  pickedCompletion,
  selectedCompletion,
} from "@codemirror/autocomplete";
import { type EditorState, Prec, StateField } from "@codemirror/state";
import { EditorView, keymap } from "@codemirror/view";
import { ACTIONS, ASTERISK_VERSIONS, DEVICE_OPTIONS, STATEMENTS } from "./language";

export interface OptionSpec {
  section: string;
  name: string;
  kind: string;
  default: string;
  doc: string;
  values?: string[];
  min?: number;
  max?: number;
}

const TYPES = ["aor", "endpoint", "transport", "global", "domain_alias", "auth", "identify"];

/** How far back completion looks for the block and section it is in. */
const LOOK_BACK_LINES = 5_000;

/**
 * Is line `n` (1-based) inside the pjsip.conf block? And the section type there. Looks back
 * from `n` to the nearest block edge (at most LOOK_BACK_LINES: scanning from line 1 at every
 * keystroke cost tens of milliseconds at the end of a 100,000-line text); past that it judges
 * by the line itself (`key = value` or `[section]` is pjsip.conf).
 */
function confContext(state: EditorState, n: number): { inConf: boolean; section: string | null } {
  let inConf: boolean | null = null;
  let sectionStart = -1;
  for (let i = n - 1; i >= Math.max(1, n - LOOK_BACK_LINES); i--) {
    const text = state.doc.line(i).text;
    if (/^\s*\}\s*$/.test(text)) inConf = false;
    else if (/^\s*pjsip\.conf\s*\{/.test(text)) inConf = true;
    else if (/^\s*\[/.test(text) && sectionStart < 0) sectionStart = i;
    if (inConf !== null) break;
  }
  if (inConf === null) inConf = n > LOOK_BACK_LINES && /^\s*(\[|[\w.-]+\s*=)/.test(state.doc.line(n).text);
  if (!inConf || sectionStart < 0) return { inConf, section: null };
  for (let i = sectionStart + 1; i <= Math.min(state.doc.lines, sectionStart + LOOK_BACK_LINES); i++) {
    const text = state.doc.line(i).text;
    if (/^\s*[[}]/.test(text)) break;
    const m = /^\s*type\s*=\s*([\w-]+)/.exec(text);
    if (m) return { inConf, section: m[1] ?? null };
  }
  return { inConf, section: null };
}

/**
 * Completion never fights typing: a word typed in full closes the list (so Enter is a new
 * line, not a "pick"); `validFor` keeps a list only while the typed word is not yet a label.
 */
export function scenarioCompletion(options: OptionSpec[]) {
  const source = completionSource(options);
  return (context: CompletionContext): CompletionResult | null => {
    const result = source(context);
    if (!result) return null;
    const typed = context.state.sliceDoc(result.from, context.pos);
    const labels = new Set(result.options.map((o) => o.label));
    if (typed && labels.has(typed)) return null;
    // Keep the list while the word grows (filtered in place: no close-and-reopen that would
    // restart the list's Enter delay), but ask again once the word is a whole label.
    const grows = result.validFor instanceof RegExp ? result.validFor : null;
    return {
      from: result.from,
      options: result.options,
      validFor: (text: string) => grows !== null && grows.test(text) && !labels.has(text),
    };
  };
}

/**
 * After picking an option name (which inserts `name = `), the ` = ` a person goes on to
 * type is already there: swallow spaces and `=` typed right at that spot, instead of
 * leaving `name = = 60`.
 */
const pickedAssignment = StateField.define<number | null>({
  create: () => null,
  update(value, tr) {
    const picked = tr.annotation(pickedCompletion);
    if (picked) {
      const head = tr.newSelection.main.head;
      const before = tr.newDoc.sliceString(Math.max(0, head - 3), head);
      return before === " = " ? head : null;
    }
    if (tr.docChanged) return null;
    if (tr.selection && tr.newSelection.main.head !== value) return null;
    return value;
  },
});

/**
 * Enter after a word typed in full is a new line, even while the list still shows the answer
 * to an earlier prefix (the re-query after the last key can lag behind a fast typist): picking
 * the word the person already typed would only swallow their Enter.
 */
const enterAfterFullWord = Prec.highest(
  keymap.of([
    {
      key: "Enter",
      run: (view) => {
        const picked = selectedCompletion(view.state);
        if (!picked) return false;
        const head = view.state.selection.main.head;
        const line = view.state.doc.lineAt(head);
        const word = /[\w.:-]*$/.exec(line.text.slice(0, head - line.from))?.[0] ?? "";
        if (word !== picked.label) return false;
        closeCompletion(view);
        return false; // the default keymap inserts the new line
      },
    },
  ]),
);

export const completionTypingGuard = [
  enterAfterFullWord,
  pickedAssignment,
  EditorView.inputHandler.of((view, from, to, text) => {
    const at = view.state.field(pickedAssignment, false);
    if (at == null || from !== at || to !== at || !/^[ =]+/.test(text)) return false;
    const rest = text.replace(/^[ =]+/, "");
    if (rest) view.dispatch({ changes: { from, insert: rest }, selection: { anchor: from + rest.length }, userEvent: "input.type" });
    return true;
  }),
];

function completionSource(options: OptionSpec[]) {
  return (context: CompletionContext): CompletionResult | null => {
    const line = context.state.doc.lineAt(context.pos);
    const before = line.text.slice(0, context.pos - line.from);
    const word = context.matchBefore(/[\w.:-]*/);
    if (!word) return null;
    if (word.from === word.to && !context.explicit && !/\s$/.test(before)) return null;
    const { inConf, section } = confContext(context.state, line.number);
    const from = word.from;

    if (inConf) {
      const kv = /^\s*([\w.-]+)\s*=\s*[^;]*$/.exec(before);
      if (kv) {
        const name = kv[1]!;
        if (name === "type") return { from, options: TYPES.map((label) => ({ label, type: "enum" })) };
        const spec =
          options.find((o) => o.name === name && (section === null || o.section === section)) ??
          options.find((o) => o.name === name);
        if (!spec) return null;
        const values =
          spec.kind === "bool" ? ["yes", "no"] : spec.kind === "choice" ? (spec.values ?? []) : [];
        const list: Completion[] = values.map((label) => ({
          label,
          type: "enum",
          detail: label === spec.default ? "default" : undefined,
        }));
        if (list.length === 0 && spec.default) {
          list.push({ label: spec.default, type: "constant", detail: "default", info: spec.doc });
        }
        return list.length ? { from, options: list } : null;
      }
      if (/^\s*[\w.-]*$/.test(before)) {
        const seen = new Set<string>();
        const list: Completion[] = [];
        for (const o of options) {
          if (section !== null && o.section !== section) continue;
          if (o.kind === "no_effect" || seen.has(o.name)) continue;
          seen.add(o.name);
          list.push({
            label: o.name,
            type: "property",
            detail: `${o.section}${o.default ? ` · default ${o.default}` : ""}`,
            info: o.doc,
            apply: `${o.name} = `,
          });
        }
        return { from, options: list, validFor: /^[\w.-]*$/ };
      }
      return null;
    }

    const words = before.trimStart().split(/\s+/);
    const index = words.length - 1;
    if (index === 0) {
      return {
        from,
        options: STATEMENTS.map((label) => ({
          label,
          type: "keyword",
          apply: label === "pjsip.conf" ? "pjsip.conf {\n\n}" : `${label} `,
        })),
        validFor: /^[\w.-]*$/,
      };
    }
    const head = words[0];
    if (head === "at" && index === 2) {
      return { from, options: ACTIONS.map((label) => ({ label, type: "function" })) };
    }
    if (head === "asterisk" && index === 1) {
      return {
        from,
        options: [
          ...ASTERISK_VERSIONS.map((label) => ({ label, type: "constant" })),
          { label: "restart", type: "function" },
          { label: "reload", type: "function" },
        ],
      };
    }
    if (head === "device" && index === 3) {
      return { from, options: ["udp", "tcp", "tls", "ws", "wss"].map((label) => ({ label, type: "enum" })) };
    }
    if (head === "device" && /on-(403|timeout)$/.test(words[index - 1] ?? "")) {
      return { from, options: ["give-up", "retry"].map((label) => ({ label, type: "enum" })) };
    }
    if (head === "device" && index >= 5) {
      return {
        from,
        options: DEVICE_OPTIONS.map((label) => ({ label, type: "property" })),
        validFor: /^[\w-]*$/,
      };
    }
    return null;
  };
}
