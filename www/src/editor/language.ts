// The scenario language for CodeMirror: top-level statements, device options, actions, times,
// addresses and `#` comments, and the embedded `pjsip.conf { … }` block with its own syntax
// ([section], key = value, `;` comments). Colouring only; the Rust parser is the judge.

import { HighlightStyle, StreamLanguage, type StringStream } from "@codemirror/language";
import { tags as t } from "@lezer/highlight";

/** Statements a line may start with (as in crates/sim/src/parse.rs). */
export const STATEMENTS = [
  "asterisk",
  "seed",
  "title",
  "lesson",
  "systemname",
  "pjsip.conf",
  "nat",
  "device",
  "at",
  "until",
];
/** What an `at TIME …` line may do. */
export const ACTIONS = [
  "register",
  "unregister",
  "unregister-all",
  "reboot",
  "roam",
  "offline",
  "online",
  "drop",
  "nat",
  "asterisk",
  "dial",
];
/** Options on a `device` line. */
export const DEVICE_OPTIONS = [
  "behind",
  "expires",
  "refresh",
  "on-403",
  "on-timeout",
  "keepalive",
  "answers-options",
  "contact-params",
  "rinstance",
  "offline",
];
/** Words that are values more than names. */
const ATOMS = new Set([
  "udp",
  "tcp",
  "tls",
  "ws",
  "wss",
  "give-up",
  "retry",
  "restart",
  "reload",
  "public",
  "udp-timeout",
  "tcp-timeout",
  "outbound",
  "both",
  "mapping",
  "filtering",
  "endpoint-independent",
  "address-dependent",
  "crlf",
  "stun",
  "options",
  "yes",
  "no",
  "reboot",
  "rebind",
]);

/** The releases `asterisk` completes to: the registrar's own list (asterisk_releases() in wasm,
 * every release where registrar behaviour changes and each branch's latest), set once the
 * module is loaded. Empty until then: there is no second list to drift from the first. */
export const ASTERISK_VERSIONS: string[] = [];

export function setAsteriskVersions(values: string[]): void {
  ASTERISK_VERSIONS.splice(0, ASTERISK_VERSIONS.length, ...values);
}

interface State {
  conf: boolean;
  /** Index of the word on this line (0 = the statement). */
  word: number;
  /** The line's first word. */
  head: string;
  /** In a pjsip.conf line, past the `=`. */
  value: boolean;
}

const TIME = /^\d+(\.\d+)?(ms|s|m|h|d)\b/;
const ADDRESS = /^(\d{1,3}\.){3}\d{1,3}(:\d+)?|^\[[0-9a-fA-F:]+\](:\d+)?/;

function confToken(stream: StringStream, state: State): string | null {
  if (stream.sol()) state.value = false;
  if (stream.eatSpace()) return null;
  if (stream.peek() === ";") {
    stream.skipToEnd();
    return "comment";
  }
  if (stream.sol() && stream.match(/^\s*\}\s*$/)) {
    state.conf = false;
    return "brace";
  }
  if (stream.sol() && stream.match(/^\[[^\]]*\](\([^)]*\))?/)) return "heading";
  if (!state.value) {
    if (stream.match(/^[A-Za-z0-9_.-]+/)) return "propertyName";
    if (stream.eat("=")) {
      state.value = true;
      return "operator";
    }
    stream.next();
    return null;
  }
  if (stream.match(ADDRESS)) return "string";
  if (stream.match(/^(yes|no|true|false|on|off)\b/)) return "bool";
  if (stream.match(/^-?\d+(\.\d+)?\b/)) return "number";
  if (stream.match(/^[^;\s,]+/)) return "atom";
  stream.next();
  return null;
}

function scenarioToken(stream: StringStream, state: State): string | null {
  if (stream.sol()) {
    state.word = 0;
    state.head = "";
  }
  if (stream.eatSpace()) return null;
  if (stream.peek() === "#") {
    stream.skipToEnd();
    return "comment";
  }
  const index = state.word++;
  if (index === 0) {
    // A pjsip.conf line with no `pjsip.conf {` seen above it: an `asterisk reload {` block, or
    // a long text that CodeMirror started parsing where it is shown (past 100,000 lines it
    // skips ahead with a fresh state). Coloured as pjsip.conf, not as an invalid statement;
    // the Rust parser is the judge.
    if (stream.match(/^(\[|[\w.-]+\s*=)/, false)) {
      state.conf = true;
      state.value = false;
      return confToken(stream, state);
    }
    if (stream.match(/^\}\s*$/)) return "brace";
    const m = stream.match(/^\S+/) as RegExpMatchArray | null;
    const word = m ? m[0] : "";
    state.head = word;
    if (word === "pjsip.conf") return "keyword";
    return STATEMENTS.includes(word) ? "keyword" : "invalid";
  }
  if (state.head === "pjsip.conf" && stream.eat("{")) {
    state.conf = true;
    return "brace";
  }
  if (state.head === "title" || state.head === "lesson") {
    stream.skipToEnd();
    return "docString";
  }
  if (stream.match(TIME)) return "number";
  if (stream.match(ADDRESS)) return "string";
  if (stream.match(/^\d+(\.\d+)?\b/)) return "number";
  const m = stream.match(/^[^\s#]+/) as RegExpMatchArray | null;
  if (!m) {
    stream.next();
    return null;
  }
  const word = m[0];
  if (state.head === "at" && index === 2 && ACTIONS.includes(word)) return "operatorKeyword";
  if (state.head === "device" && DEVICE_OPTIONS.includes(word)) return "modifier";
  if (state.head === "nat" && index === 1) return "variableName";
  if (state.head === "device" && index <= 2) return "variableName";
  if (ATOMS.has(word)) return "atom";
  if (word.startsWith("sip:")) return "string";
  return "variableName";
}

export const scenarioLanguage = StreamLanguage.define<State>({
  name: "aorlab",
  startState: () => ({ conf: false, word: 0, head: "", value: false }),
  copyState: (s) => ({ ...s }),
  token(stream, state) {
    return state.conf ? confToken(stream, state) : scenarioToken(stream, state);
  },
  languageData: {
    commentTokens: { line: "#" },
    // No auto-closing `{`: the block's `}` stands alone lines later and people type it
    // themselves (an automatic one would be left over as a stray `}`).
    closeBrackets: { brackets: ["(", "[", '"'] },
  },
  tokenTable: {
    heading: t.heading,
    propertyName: t.propertyName,
    operator: t.operator,
    bool: t.bool,
    number: t.number,
    atom: t.atom,
    string: t.string,
    comment: t.lineComment,
    keyword: t.keyword,
    invalid: t.invalid,
    brace: t.brace,
    docString: t.docString,
    operatorKeyword: t.operatorKeyword,
    modifier: t.modifier,
    variableName: t.variableName,
  },
});

/** Colours from CSS variables (shell.css), so light and dark both work. */
export const scenarioHighlight = HighlightStyle.define([
  { tag: t.keyword, color: "var(--hl-keyword)", fontWeight: "600" },
  { tag: t.operatorKeyword, color: "var(--hl-action)", fontWeight: "600" },
  { tag: t.modifier, color: "var(--hl-option)" },
  { tag: t.number, color: "var(--hl-number)" },
  { tag: t.string, color: "var(--hl-address)" },
  { tag: t.lineComment, color: "var(--hl-comment)", fontStyle: "italic" },
  { tag: t.heading, color: "var(--hl-section)", fontWeight: "600" },
  { tag: t.propertyName, color: "var(--hl-property)" },
  { tag: t.bool, color: "var(--hl-atom)" },
  { tag: t.atom, color: "var(--hl-atom)" },
  { tag: t.docString, color: "var(--hl-doc)" },
  { tag: t.brace, color: "var(--hl-keyword)", fontWeight: "600" },
  { tag: t.invalid, color: "var(--hl-invalid)", textDecoration: "underline wavy" },
  { tag: t.variableName, color: "var(--hl-name)" },
]);
