// The captured story on a timeline: one lane per device with every REGISTER (coloured by the
// answer Asterisk really gave), the stretches the device was registered as Asterisk's own
// 200 OKs listed its binding, and its address changes (a new source port of the same device is
// marked as a NAT rebinding). With a what-if, a second bar per lane shows the what-if's
// registered stretches and the REGISTERs it would answer differently are ringed. A server lane
// carries restarts and TCP closes. Drawn as SVG from the report's fields; nothing is computed
// here but positions. The time axis reuses the playground timeline's tick helpers.

import { ticks, tickLabel, tickStep } from "../timeline/scale";
import type { Report, Row, Stretch } from "./types";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 960;
const LABEL = 150;
const RIGHT = 16;
const AXIS = 26;
const LANE = 46;

function node<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, title?: string): SVGElementTagNameMap[K] {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
  if (title) {
    const t = document.createElementNS(SVG, "title");
    t.textContent = title;
    n.append(t);
  }
  return n;
}

function statusClass(row: Row): string {
  const s = row.captured?.status;
  if (s === undefined) return "none";
  return s < 300 ? "ok" : "refused";
}

function answerWords(row: Row): string {
  return row.captured ? `${row.captured.status} ${row.captured.reason}` : "no captured answer";
}

/** The timeline as an SVG element (inside a figure with a caption and a legend). */
export function storyLanes(r: Report): HTMLElement {
  const starts = [...r.capture.packets.map((p) => p.at_us), ...r.capture.events.map((e) => e.at_us)];
  const t0 = Math.min(...starts);
  const last = Math.max(...starts, t0 + 1000);
  // A little room after the last message, so its marks are not cut at the edge.
  const t1 = last + (last - t0) * 0.03;
  const span = t1 - t0;
  const x = (us: number) => LABEL + ((us - t0) / span) * (WIDTH - LABEL - RIGHT);
  const devices = r.story.devices;
  const height = AXIS + LANE * (devices.length + 1) + 8;
  const svg = node("svg", { viewBox: `0 0 ${WIDTH} ${height}`, class: "import-lanes", role: "img", "aria-label": "The captured story on a timeline" });

  // The axis: time since the first captured message.
  const fromMs = 0;
  const toMs = span / 1000;
  const step = tickStep(fromMs, toMs, 8);
  for (const ms of ticks(fromMs, toMs, 8)) {
    const px = x(t0 + ms * 1000);
    svg.append(node("line", { x1: px, x2: px, y1: AXIS - 4, y2: height - 4, class: "lanes-grid" }));
    const label = node("text", { x: px, y: AXIS - 8, class: "lanes-tick", "text-anchor": "middle" });
    label.textContent = tickLabel(ms, step);
    svg.append(label);
  }

  // The server lane: restarts and TCP closes.
  const serverY = AXIS;
  const serverLabel = node("text", { x: 6, y: serverY + LANE / 2 + 4, class: "lanes-name" });
  serverLabel.textContent = "Asterisk";
  svg.append(serverLabel);
  for (const e of r.capture.events) {
    const px = x(e.at_us);
    if (e.kind === "booted") svg.append(node("path", { d: `M${px - 6},${serverY + 30} L${px},${serverY + 18} L${px + 6},${serverY + 30} Z`, class: "lanes-boot", "data-kind": "boot" }, `Asterisk ready${e.version ? ` (${e.version})` : ""}`));
    else if (e.kind === "stopped") svg.append(node("rect", { x: px - 5, y: serverY + 19, width: 10, height: 10, class: "lanes-stop", "data-kind": "stop" }, `Asterisk stopped (${e.how === "graceful" ? "cleanly" : "without a logged end"})`));
    else if (e.kind === "connection_closed") svg.append(node("path", { d: `M${px - 4},${serverY + 20} L${px + 4},${serverY + 28} M${px + 4},${serverY + 20} L${px - 4},${serverY + 28}`, class: "lanes-close", "data-kind": "close" }, `TCP connection ${e.conn} to ${e.peer} closed (${e.how}${e.by ? ` by the ${e.by}` : ", seen only in Asterisk's log"})`));
  }

  // Asterisk down (a stop until the next boot): shaded across every lane.
  r.capture.events.forEach((e, k) => {
    if (e.kind !== "stopped") return;
    const boot = r.capture.events.slice(k + 1).find((b) => b.kind === "booted");
    const to = boot ? boot.at_us : t1;
    svg.append(node("rect", { x: x(e.at_us), y: serverY + 8, width: Math.max(2, x(to) - x(e.at_us)), height: height - serverY - 12, class: "lanes-down" }, `Asterisk down ${boot ? "until it was ready again" : "until the capture ends"}: no REGISTER is answered`));
  });

  devices.forEach((d, i) => {
    const y = AXIS + LANE * (i + 1);
    const g = node("g", { class: "lanes-device", "data-device": d.name });
    svg.append(g);
    g.append(node("line", { x1: 0, x2: WIDTH, y1: y, y2: y, class: "lanes-sep" }));
    const name = node("text", { x: 6, y: y + 18, class: "lanes-name" });
    name.textContent = d.name;
    const aor = node("text", { x: 6, y: y + 34, class: "lanes-sub" });
    aor.textContent = `AOR ${d.aor}`;
    g.append(name, aor);
    const bar = (s: Stretch, cls: string, top: number, h: number, what: string) =>
      node("rect", { x: x(s.from_us), y: y + top, width: Math.max(2, x(s.to_us) - x(s.from_us)), height: h, class: cls }, `${what} ${s.end === "capture_end" ? "until the capture ends" : s.end === "expired" ? "until its expiry passed" : "until a later 200 OK no longer listed it"}`);
    for (const s of r.registered[i] ?? []) g.append(bar(s, "lanes-registered", 14, 9, "registered (Asterisk's 200 OKs)"));
    const wi = r.whatif?.devices[i];
    for (const s of wi?.whatif ?? []) g.append(bar(s, "lanes-whatif", 26, 6, "registered in the what-if"));
    // Address changes: a new port of the same device is a NAT rebinding.
    for (const a of d.addresses.slice(1)) {
      const px = x(a.from_us);
      const rebinding = a.change === "new_port";
      const mark = node("g", { class: rebinding ? "lanes-rebinding" : "lanes-moved", "data-change": a.change ?? "" }, `${rebinding ? "NAT rebinding: same device, new source port" : a.change === "new_address" ? "new source address" : "new connection"} — ${a.transport} ${a.peer}`);
      mark.append(node("line", { x1: px, x2: px, y1: y + 4, y2: y + LANE - 4 }));
      const flip = px > WIDTH - 140;
      const t = node("text", { x: flip ? px - 3 : px + 3, y: y + 10, "text-anchor": flip ? "end" : "start" });
      t.textContent = rebinding ? `new port :${a.peer.split(":").pop()}` : a.peer;
      mark.append(t);
      g.append(mark);
    }
    const changed = new Set(r.whatif?.changed.map((c) => c.register) ?? []);
    for (const k of d.registers) {
      const row = r.rows[k];
      if (!row || row.retransmission) continue;
      const px = x(row.at_us);
      const unregister = row.expires === "0";
      const title = `${row.clock} REGISTER from ${row.transport} ${row.peer}${row.expires !== null ? `, Expires ${row.expires}` : ""} → ${answerWords(row)}`;
      g.append(node("circle", { cx: px, cy: y + 18, r: 5, class: `lanes-register ${statusClass(row)}${unregister ? " unregister" : ""}`, "data-status": row.captured?.status ?? "none" }, title));
      if (changed.has(k)) {
        const c = r.whatif!.changed.find((x) => x.register === k)!;
        g.append(node("circle", { cx: px, cy: y + 18, r: 9, class: "lanes-changed" }, `what if: ${c.whatif ? `${c.whatif.status} ${c.whatif.reason}` : "no answer"} instead of ${answerWords(row)}`));
      }
    }
  });

  const fig = document.createElement("figure");
  fig.className = "import-lanes-figure";
  const cap = document.createElement("figcaption");
  cap.textContent = `The captured story, from ${new Date(t0 / 1000).toISOString().slice(11, 23)} UTC (time since the first message). Bars: registered as Asterisk's own 200 OKs listed the binding${r.whatif ? "; the thin bar below: the what-if" : ""}. Dots: REGISTERs, green answered 2xx, red refused, grey no captured answer, hollow Expires: 0${r.whatif ? "; ringed: answered differently in the what-if" : ""}. ${r.capture.events.some((e) => e.kind === "stopped") ? " Shaded: Asterisk down." : ""} Hover for details.`;
  fig.append(svg, cap);
  return fig;
}
