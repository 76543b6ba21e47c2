// "Bring your own capture": drop an Asterisk log (pjsip logger on) or a pcap/pcapng, or paste
// log text; optionally the server's pjsip.conf and release. The wasm import (in its own worker)
// returns typed rows: every captured REGISTER, Asterisk's answer and, with a pjsip.conf, the
// model's, differences marked; the captured story drawn as device lanes; and the what-if: quick
// controls whose changes replay the captured REGISTERs with changed settings. Nothing leaves the
// browser. The page reads fields; it computes no policy.

import { ImportWorker, IMPORT_LIMIT_MS } from "./worker-client";
import type { Answer, Report, Row } from "./types";
import { STYLE } from "./style";
import { storyLanes } from "./lanes";
import { Changes, whatIfControls, whatIfResult } from "./whatif";

/** The import's input limit (crates/capture/src/limits.rs). */
const MAX_BYTES = 64 * 1024 * 1024;
const RECHECK_MS = 300;

export interface ImportOptions {
  /** Put a scenario into the editor and run it. */
  openScenario(text: string): void;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function answerText(a: Answer | null): string {
  if (!a) return "no answer";
  const contacts = a.contacts.map(([uri, e]) => `${uri}${e === null ? "" : ` (${e}s)`}`);
  return `${a.status} ${a.reason}${contacts.length ? ` — ${contacts.join(", ")}` : ""}`;
}

const KIND: Record<Report["capture"]["input"], string> = { asterisk_log: "Asterisk log", pcap: "pcap", pcap_ng: "pcapng" };
const FROM: Record<Report["release"]["from"], string> = {
  given: "as given",
  capture: "named by the capture",
  default: "default: the capture names none",
};
const CHANGE: Record<string, string> = { new_port: "new port: NAT rebinding?", new_address: "new address", new_connection: "new connection" };

export function mountImport(parent: HTMLElement, options: ImportOptions): void {
  const style = el("style", {}, STYLE);
  const head = el("div", { class: "panel-head" });
  head.append(el("h2", { id: "import-title" }, "Bring your own capture"));
  const note = el("p", { class: "panel-note" }, "Drop an Asterisk log (with pjsip set logger on) or a pcap/pcapng file, or paste log lines. Nothing leaves the browser. Limits: 64 MiB, 500 000 packets, 100 000 SIP messages, 65 535 bytes per message.");
  const drop = el("div", { class: "import-drop", id: "import-drop", tabindex: "0", role: "button", "aria-label": "Drop a log or capture file here, or press Enter to choose one" });
  const file = el("input", { type: "file", id: "import-file", accept: ".log,.txt,.pcap,.pcapng,.cap,*/*" });
  drop.append(el("span", {}, "Drop a file here, or "), file);
  const paste = el("textarea", { id: "import-paste", rows: "4", spellcheck: "false", placeholder: "…or paste log lines here (from the full log, with their timestamps)", "aria-label": "Paste log text" });
  const conf = el("textarea", { id: "import-conf", rows: "6", spellcheck: "false", placeholder: "the server's pjsip.conf (optional: without it nothing is checked and nothing inferred)", "aria-label": "pjsip.conf" });
  const release = el("input", { id: "import-release", type: "text", placeholder: "from the capture", size: "10", "aria-label": "Asterisk release" });
  const anonymise = el("input", { id: "import-anonymise", type: "checkbox" });
  const settings = el("div", { class: "import-settings" });
  const relLabel = el("label", {}, "Asterisk release ");
  relLabel.append(release);
  const anonLabel = el("label");
  anonLabel.append(anonymise, document.createTextNode(" anonymise addresses, users and hosts"));
  settings.append(relLabel, anonLabel);
  const go = el("button", { id: "import-run", type: "button" }, "Import");
  const status = el("p", { id: "import-status", class: "status", role: "status", "aria-live": "polite" });
  const result = el("div", { id: "import-result", class: "import-result" });
  // Parts re-rendered on their own, so the what-if controls keep focus while the replay reruns.
  const part = { head: el("div"), lanes: el("div"), controls: el("div", { id: "import-whatif-host" }), whatif: el("div"), tables: el("div") };
  result.append(part.head, part.lanes, part.controls, part.whatif, part.tables);
  parent.replaceChildren(style, head, note, drop, paste, el("h3", {}, "pjsip.conf (to hold the model against the answers)"), conf, settings, go, status, result);

  const worker = new ImportWorker();
  let bytes: Uint8Array | null = null;
  let source = "";
  let recheck: number | null = null;
  const changes = new Changes();
  let controlsFor = "";

  const fail = (message: string) => {
    status.dataset.state = "error";
    status.textContent = message;
  };

  async function run(): Promise<void> {
    if (!bytes) {
      fail("Nothing to import: drop a file or paste log lines first.");
      return;
    }
    status.dataset.state = "busy";
    status.textContent = `reading ${source}…`;
    const sets = conf.value.trim() ? changes.sets() : [];
    const reply = await worker.run({ bytes, conf: conf.value, release: release.value, anonymise: anonymise.checked, sets });
    if (reply.kind === "superseded") return;
    if (reply.kind === "timeout") return fail(`The import took longer than ${IMPORT_LIMIT_MS / 1000} s and was stopped. Cut the input to the time of interest.`);
    if (reply.kind === "crash") return fail(`The import failed: ${reply.message}`);
    if (!reply.outcome.ok) {
      const e = reply.outcome.error;
      const where = e.place ? `${e.place.kind} ${e.place.n}: ` : "";
      return fail(`${source}: ${where}${e.message}${e.hint ? ` — ${e.hint}` : ""}`);
    }
    status.dataset.state = "ok";
    status.textContent = `${source} read in ${reply.ms.toFixed(0)} ms`;
    render(reply.outcome.report);
  }

  function take(data: Uint8Array, name: string): void {
    if (data.byteLength > MAX_BYTES) {
      bytes = null;
      fail(`${name} has ${(data.byteLength / 1048576).toFixed(0)} MiB; the limit is 64 MiB. Cut it to the time of interest (editcap -A/-B, or sed on the log).`);
      return;
    }
    bytes = data;
    source = name;
    changes.clear();
    controlsFor = "";
    void run();
  }

  async function takeFile(f: File): Promise<void> {
    if (f.size > MAX_BYTES) {
      fail(`${f.name} has ${(f.size / 1048576).toFixed(0)} MiB; the limit is 64 MiB. Cut it to the time of interest (editcap -A/-B, or sed on the log).`);
      return;
    }
    take(new Uint8Array(await f.arrayBuffer()), f.name);
  }

  file.addEventListener("change", () => {
    const f = file.files?.[0];
    if (f) void takeFile(f);
  });
  drop.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      file.click();
    }
  });
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    const f = e.dataTransfer?.files?.[0];
    if (f) void takeFile(f);
  });
  go.addEventListener("click", () => {
    if (paste.value.trim()) take(new TextEncoder().encode(paste.value), "pasted log");
    else void run();
  });
  // The what-if: an edited pjsip.conf or release re-checks the same captured REGISTERs.
  const later = () => {
    if (!bytes) return;
    if (recheck !== null) window.clearTimeout(recheck);
    recheck = window.setTimeout(() => void run(), RECHECK_MS);
  };
  conf.addEventListener("input", later);
  release.addEventListener("input", later);
  anonymise.addEventListener("change", () => {
    // The controls name sections as the (anonymised or not) conf does: start them afresh.
    changes.clear();
    controlsFor = "";
    later();
  });

  function renderControls(r: Report): void {
    // Rebuilt only when the conf's controls change (not on every replay), keeping focus.
    const key = JSON.stringify([r.controls, r.story.devices.map((d) => d.aor), anonymise.checked]);
    if (key === controlsFor) return;
    controlsFor = key;
    part.controls.replaceChildren(...(r.controls ? [whatIfControls(r, changes, later)] : []));
  }

  function render(r: Report): void {
    const out: HTMLElement[] = [];
    const registers = r.rows.filter((x) => !x.retransmission).length;
    out.push(
      el(
        "p",
        { class: "import-summary" },
        `${KIND[r.capture.input]}: ${r.capture.packets.length} SIP messages, ${registers} REGISTERs from ${r.story.devices.length} devices; model: Asterisk ${r.release.name} (${FROM[r.release.from]})`,
      ),
    );
    if (r.check) {
      const verdict = el("p", { class: "import-verdict", "data-passed": String(r.check.passed), "data-failed": String(r.check.failed) }, `${r.check.passed} passed, ${r.check.failed} failed`);
      verdict.dataset.state = r.check.failed ? "bad" : "ok";
      out.push(verdict);
    }
    const blind = el("section", { class: "import-blind", "aria-label": "What this input can't tell" });
    blind.append(el("h3", {}, "What this input can't tell"));
    const list = el("ul");
    for (const b of r.blind_spots) list.append(el("li", { "data-kind": b.kind }, b.explain));
    if (r.unknown_settings) list.append(el("li", { "data-kind": "no_conf" }, `Without a pjsip.conf these are unknown and nothing is inferred: ${r.unknown_settings}. Paste it above to check the model against every answer.`));
    blind.append(list);
    out.push(blind);
    part.head.replaceChildren(...out);
    part.lanes.replaceChildren(storyLanes(r));
    renderControls(r);
    part.whatif.replaceChildren(...(r.whatif ? [whatIfResult(r.whatif)] : []));
    out.length = 0;
    out.push(devicesTable(r), registersTable(r));
    if (r.capture.warnings.length) {
      const w = el("ul", { class: "import-warnings" });
      for (const x of r.capture.warnings) w.append(el("li", {}, `${x.place ? `${x.place.kind} ${x.place.n}: ` : ""}${x.message}`));
      out.push(el("h3", {}, "Warnings"), w);
    }
    const actions = el("div", { class: "import-actions" });
    const open = el("button", { type: "button", id: "import-open" }, "Open as scenario");
    open.title = "Put the capture into the editor as a scenario (an approximation: simulated devices refresh on their own)";
    open.addEventListener("click", () => options.openScenario(r.scenario));
    const save = el("button", { type: "button", id: "import-save" }, "Download site.aorlab");
    save.addEventListener("click", () => {
      const a = el("a", { href: URL.createObjectURL(new Blob([r.scenario], { type: "text/plain" })), download: "site.aorlab" });
      a.click();
      URL.revokeObjectURL(a.href);
    });
    actions.append(open, save);
    out.push(actions);
    part.tables.replaceChildren(...out);
  }
}

function devicesTable(r: Report): HTMLElement {
  const t = el("table", { class: "import-devices" });
  t.append(el("caption", {}, "Devices"));
  const h = el("tr");
  const checked = r.check !== null;
  const cols = ["device", "AOR", "addresses", "user agent", "refused by Asterisk"];
  if (checked) cols.push("refused by the model");
  for (const c of cols) h.append(el("th", { scope: "col" }, c));
  t.append(h);
  for (const d of r.story.devices) {
    const tr = el("tr");
    const addrs = d.addresses.map((a) => `${a.transport} ${a.peer}${a.change ? ` (${CHANGE[a.change]})` : ""}`).join(" → ");
    const o = r.outcomes.find((x) => x.device === d.name);
    tr.append(el("td", {}, d.name), el("td", {}, d.aor), el("td", {}, addrs), el("td", {}, d.user_agent ?? ""));
    tr.append(el("td", { class: "import-refused-asterisk" }, o ? `${o.refused_by_asterisk} of ${o.answered}` : ""));
    if (checked) {
      const m = el("td", { class: "import-refused-model" }, o && o.refused_by_model !== null ? `${o.refused_by_model} of ${o.answered}` : "");
      if (o && o.refused_by_model !== o.refused_by_asterisk) m.dataset.differs = "true";
      tr.append(m);
    }
    t.append(tr);
  }
  return t;
}

function registersTable(r: Report): HTMLElement {
  const t = el("table", { class: "import-registers" });
  t.append(el("caption", {}, "Every REGISTER and its answer (UTC)"));
  const h = el("tr");
  const cols = ["time", "device", "from", "Contact / Expires", "Asterisk answered"];
  if (r.check) cols.push("model says");
  for (const c of cols) h.append(el("th", { scope: "col" }, c));
  t.append(h);
  for (const row of r.rows) t.append(registerRow(row, r.check !== null));
  return t;
}

function registerRow(row: Row, checked: boolean): HTMLElement {
  const tr = el("tr");
  if (row.retransmission) {
    tr.append(el("td", {}, row.clock), el("td", {}, row.device), el("td", { colspan: checked ? "4" : "3" }, "retransmission"));
    return tr;
  }
  const differs = row.differences.length > 0;
  tr.dataset.differs = String(differs);
  tr.append(
    el("td", {}, row.clock),
    el("td", {}, row.device),
    el("td", {}, `${row.transport} ${row.peer}`),
    el("td", {}, `${row.contacts.join(", ")}${row.expires !== null ? ` · Expires ${row.expires}` : ""}`),
    el("td", {}, answerText(row.captured)),
  );
  if (checked) {
    const cell = el("td");
    if (!row.captured) cell.textContent = "not compared (no captured answer)";
    else if (!differs) cell.textContent = "same";
    else {
      cell.append(el("div", {}, answerText(row.model)));
      const ul = el("ul", { class: "import-diffs" });
      for (const d of row.differences) ul.append(el("li", { "data-field": d.field }, `${d.field.replace("_", " ")}${d.contact ? ` ${d.contact}` : ""}: Asterisk ${d.captured}, model ${d.model}`));
      cell.append(ul);
      if (row.hint) cell.append(el("div", { class: "import-hint" }, `? ${row.hint}`));
    }
    tr.append(cell);
  }
  return tr;
}
