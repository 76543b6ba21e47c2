// Share links and embed code. The scenario lives in the URL fragment (`#v1.…`, made by the Rust
// link codec through wasm); nothing from a link is ever inserted as HTML.

/** Escapes text for an HTML attribute value in double quotes. */
export function attr(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The address of a sibling page (index.html / embed.html) without query or fragment. */
export function pageUrl(page: "" | "embed.html"): string {
  const url = new URL(page || "./", location.href);
  url.search = "";
  url.hash = "";
  return url.href;
}

/**
 * What the copied iframe allows: scripts (the simulation), and popups that escape the sandbox
 * so "Open in aorlab ↗" can open the playground in a new tab as an ordinary page. No
 * same-origin, no forms, no top navigation.
 */
export const EMBED_SANDBOX = "allow-scripts allow-popups allow-popups-to-escape-sandbox";

export function embedCode(fragment: string, title: string): string {
  const src = `${pageUrl("embed.html")}#${fragment}`;
  const name = title.trim() ? `aorlab: ${title.trim()}` : "aorlab scenario";
  return `<iframe src="${attr(src)}" title="${attr(name)}" sandbox="${EMBED_SANDBOX}" loading="lazy" style="width:100%;height:480px;border:0"></iframe>`;
}

/** Copies text; falls back to a selected textarea where the Clipboard API is refused. */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.append(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch {
      ok = false;
    }
    area.remove();
    return ok;
  }
}

/** Where this tab remembers the fragments the page itself wrote into the address bar (as
 * digests, newest last). */
const OWN_ADDRESS = "aorlab.address.own";
/** How many of this tab's own fragments are remembered. */
const OWN_KEPT = 32;

/** A short digest of a fragment (two 32-bit FNV-1a-style hashes with different primes, 64 bits
 * in all): the list stays small however long the links are. */
function digest(fragment: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ fragment.length;
  for (let i = 0; i < fragment.length; i++) {
    const c = fragment.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x0100019d);
  }
  return (a >>> 0).toString(36) + "." + (b >>> 0).toString(36);
}

function ownDigests(): string[] {
  try {
    const kept = JSON.parse(window.sessionStorage.getItem(OWN_ADDRESS) ?? "[]") as unknown;
    return Array.isArray(kept) ? kept.filter((d): d is string => typeof d === "string") : [];
  } catch {
    return [];
  }
}

/** Whether `fragment` is one this tab's page wrote itself (following its own text), not a link
 * someone opened: the address lags the text by up to a second, so after a quick reload the
 * saved draft is newer than such a fragment. Any of the tab's recent fragments counts, not
 * only the last: a write that lands while the reload is already under way (the timer fired
 * during unload) must not make the address the reload used look like a stranger's link. */
export function isOwnAddress(fragment: string): boolean {
  return fragment !== "" && ownDigests().includes(digest(fragment));
}

function rememberOwn(fragment: string): void {
  if (fragment === "") return;
  const d = digest(fragment);
  const kept = ownDigests().filter((k) => k !== d);
  kept.push(d);
  try {
    window.sessionStorage.setItem(OWN_ADDRESS, JSON.stringify(kept.slice(-OWN_KEPT)));
  } catch {
    // No session storage: every address reads as a link someone opened (the safe side).
  }
}

/** Keeps the address bar on the newest link, at most about once a second. */
export class AddressBar {
  private timer: number | null = null;
  private last = 0;
  private pending: (() => string) | null = null;

  constructor(private readonly minGapMs = 1000) {}

  follow(make: () => string): void {
    this.pending = make;
    if (this.timer !== null) return;
    const wait = Math.max(0, this.last + this.minGapMs - Date.now());
    this.timer = window.setTimeout(() => this.flush(), wait);
  }

  flush(): void {
    if (this.timer !== null) window.clearTimeout(this.timer);
    this.timer = null;
    const make = this.pending;
    this.pending = null;
    if (!make) return;
    this.last = Date.now();
    const fragment = make();
    try {
      // No fragment (a text too long for a link): no stale link either.
      history.replaceState(history.state, "", fragment ? `#${fragment}` : `${location.pathname}${location.search}`);
      rememberOwn(fragment);
    } catch {
      // A sandboxed or odd context may refuse; the Copy link button still works.
    }
  }
}

/** localStorage that never throws (a sandboxed iframe has none). */
export const store = {
  get(key: string): string | null {
    try {
      return window.localStorage.getItem(key);
    } catch {
      return null;
    }
  },
  set(key: string, value: string): boolean {
    try {
      window.localStorage.setItem(key, value);
      return true;
    } catch {
      return false;
    }
  },
};

/** Parses a time like 90, 90s, 5m, 1h30m, 1:30 into ms (null if not a time). */
export function parseTime(text: string | null): number | null {
  if (!text) return null;
  const s = text.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const clock = /^(\d+):(\d\d)(?::(\d\d))?$/.exec(s);
  if (clock) {
    const [a, b, c] = [Number(clock[1]), Number(clock[2]), clock[3] ? Number(clock[3]) : null];
    return (c === null ? a * 60 + b : a * 3600 + b * 60 + c) * 1000;
  }
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  let total = 0;
  let rest = s;
  while (rest.length) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)/.exec(rest);
    if (!m) return null;
    total += Number(m[1]) * units[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return Math.round(total);
}
