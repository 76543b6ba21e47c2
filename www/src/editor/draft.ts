// The draft: the editor's text, kept across reloads. A short text goes to localStorage at
// every edit, as before. A long one (a pasted 5 MB file) goes to IndexedDB once typing
// pauses: localStorage's quota (about 5 M characters in Chromium) refused it — the draft was
// silently lost on reload — and writing megabytes synchronously at every keystroke stalled
// typing. `document.body.dataset.draft` says where things stand: saved, saving, unavailable.

import { store } from "../share/index";

const KEY = "aorlab.scenario";
/** "idb" while the draft lives in IndexedDB (KEY is then absent). */
const WHERE = "aorlab.scenario.where";
const DB = "aorlab";
const STORE = "drafts";
/** Longer texts skip localStorage (a synchronous write of a megabyte per keystroke shows). */
const LOCAL_MAX_CHARS = 256 * 1024;
const PAUSE_MS = 400;

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function idb<T>(mode: IDBTransactionMode, act: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openDb();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = act(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

function mark(state: "saved" | "saving" | "unavailable"): void {
  document.body.dataset.draft = state;
  if (state === "unavailable") document.body.dataset.storage = "unavailable";
}

/** The saved draft, wherever it is (null when there is none or storage is refused). */
export async function loadDraft(): Promise<string | null> {
  if (store.get(WHERE) !== "idb") return store.get(KEY);
  try {
    return (await idb<string | undefined>("readonly", (s) => s.get(KEY))) ?? null;
  } catch {
    return null;
  }
}

let timer: number | null = null;
let pending: string | null = null;
/** Counts saves, so a long write that finishes late never overrides a newer draft. */
let generation = 0;

async function saveLong(text: string, asOf: number): Promise<void> {
  try {
    await idb("readwrite", (s) => s.put(text, KEY));
    if (asOf !== generation) return;
    // Only now: until the long draft is stored, the previous one stays where it was.
    store.set(WHERE, "idb");
    try {
      window.localStorage.removeItem(KEY);
    } catch {
      // No localStorage: WHERE was not written either.
    }
    mark("saved");
  } catch {
    if (asOf === generation) mark("unavailable");
  }
}

/** Keeps `text` as the draft: at once when short, after a pause in typing when long. */
export function saveDraft(text: string): void {
  generation++;
  if (timer !== null) window.clearTimeout(timer);
  timer = null;
  if (text.length <= LOCAL_MAX_CHARS) {
    pending = null;
    const ok = store.set(KEY, text);
    if (ok && store.get(WHERE) === "idb") {
      store.set(WHERE, "local");
      void idb("readwrite", (s) => s.delete(KEY)).catch(() => undefined);
    }
    mark(ok ? "saved" : "unavailable");
    return;
  }
  pending = text;
  mark("saving");
  timer = window.setTimeout(flushDraft, PAUSE_MS);
}

/** Writes a waiting long draft now (the page is being hidden or left). */
export function flushDraft(): void {
  if (timer !== null) window.clearTimeout(timer);
  timer = null;
  const text = pending;
  pending = null;
  if (text !== null) void saveLong(text, generation);
}

addEventListener("pagehide", flushDraft);
addEventListener("visibilitychange", () => {
  if (document.visibilityState === "hidden") flushDraft();
});
