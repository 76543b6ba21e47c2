// A browser timing run (not a test): `cargo xtask build && node www/bench/timing.mjs`.
//
// In headless Chromium on localhost it measures, and prints as tables:
//  - edit-to-redraw for every preset: the text changes → the worker simulates → the views are
//    updated → the next frame is painted (median and worst of N edits; Ctrl+Enter path, i.e.
//    without the 250 ms typing debounce);
//  - first-load transfer: every file the playground fetches, raw and gzip -9;
//  - time to first render: navigation start → the first run drawn (median of N cold loads);
//  - the cursor at site size (AORLAB_BENCH_SITE phones, 20 NATs, AORLAB_BENCH_SITE_HOURS h): the
//    run in the worker (wall time, progress shown meanwhile), then MOVES cursor moves, each timed
//    from the move to the contacts panel drawn from the worker's answer (state_at in Rust +
//    transfer + DOM) and to the next painted frame.

import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { dist, launchBrowser, serveDist, siteText } from "../tests/harness.mjs";

const EDITS = Number(process.env.AORLAB_BENCH_EDITS ?? 7);
const LOADS = Number(process.env.AORLAB_BENCH_LOADS ?? 5);
/** The site for the cursor timing (0: skip): `aorlab gen site --phones N --nats 20 --hours H`. */
const SITE_PHONES = Number(process.env.AORLAB_BENCH_SITE ?? 2000);
const SITE_HOURS = Number(process.env.AORLAB_BENCH_SITE_HOURS ?? 24);
const MOVES = Number(process.env.AORLAB_BENCH_MOVES ?? 40);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(" | ")} |`;
  console.log(line(headers));
  console.log(`| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`);
  for (const r of rows) console.log(line(r));
  console.log();
}

const server = await serveDist();
const browser = await launchBrowser();
try {
  // 1. First load: transfer and time to first render (a fresh context each time = cold cache).
  const renders = [];
  let fetched = [];
  for (let i = 0; i < LOADS; i++) {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    const urls = [];
    page.on("requestfinished", (r) => urls.push(r.url()));
    await page.goto(server.url);
    await page.locator("body[data-ready=true]").waitFor({ timeout: 30_000 });
    renders.push(Number(await page.locator("body").getAttribute("data-first-render-ms")));
    if (i === 0) fetched = urls;
    await context.close();
  }
  const files = [...new Set(fetched.map((u) => new URL(u).pathname))]
    .map((p) => (p === "/" ? "/index.html" : p))
    .filter((p) => statSync(join(dist, p), { throwIfNoEntry: false })?.isFile());
  let raw = 0;
  let gz = 0;
  const rows = files.map((p) => {
    const bytes = readFileSync(join(dist, p));
    const g = gzipSync(bytes, { level: 9 }).length;
    raw += bytes.length;
    gz += g;
    return [p, kb(bytes.length), kb(g)];
  });
  rows.push(["total", kb(raw), kb(gz)]);
  console.log("First-load transfer (every file the playground fetches):\n");
  table(["file", "raw", "gzip -9"], rows);
  console.log(`Time to first render (navigation → first run drawn), ${LOADS} cold loads:`);
  console.log(`  median ${median(renders)} ms, all: ${renders.join(", ")} ms\n`);

  // 2. Edit-to-redraw per preset.
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await page.goto(server.url);
  await page.locator("body[data-ready=true]").waitFor({ timeout: 30_000 });
  const presets = await page.locator("button.preset").evaluateAll((bs) => bs.map((b) => b.dataset.preset));
  const results = [];
  for (const name of presets) {
    await page.locator("#presets > summary").click();
    await page.locator(`button.preset[data-preset="${name}"]`).click();
    await page.waitForTimeout(300);
    const times = await page.evaluate(async (n) => {
      const out = [];
      const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      for (let i = 0; i < n; i++) {
        const text = window.aorlab.text();
        const t0 = performance.now();
        // One keystroke's worth of change: a space at the end of the first line.
        const nl = text.indexOf("\n");
        window.aorlab.setText(`${text.slice(0, nl)}${i % 2 ? "" : " "}${text.slice(nl)}`);
        await window.aorlab.run();
        const drawn = performance.now();
        await frame();
        out.push({ total: performance.now() - t0, toViews: drawn - t0 });
      }
      return out;
    }, EDITS);
    const status = await page.locator("#status").innerText();
    const sim = /simulated in ([\d.]+) ms/.exec(status)?.[1] ?? "?";
    const draw = /drawn in ([\d.]+) ms/.exec(status)?.[1] ?? "?";
    const totals = times.map((t) => t.total);
    results.push([
      name,
      `${median(totals).toFixed(1)} ms`,
      `${Math.max(...totals).toFixed(1)} ms`,
      `${sim} ms`,
      `${draw} ms`,
    ]);
  }
  console.log(`Edit-to-redraw per preset (text changed → worker run → views updated → next frame), ${EDITS} edits each:\n`);
  table(["preset", "median", "worst", "simulate (last)", "views.update (last)"], results);
  await context.close();

  // 3. The cursor at site size: a generated site is run in the worker, then the cursor moves.
  if (SITE_PHONES > 0) await siteCursor(browser, server);
} finally {
  await browser.close();
  await server.close();
}

async function siteCursor(browser, server) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await page.goto(server.url);
  await page.locator("body[data-ready=true]").waitFor({ timeout: 30_000 });
  const text = await siteText(SITE_PHONES, 20, SITE_HOURS);
  const ran = await page.evaluate(async (text) => {
    const before = Number(document.body.dataset.runs);
    const t0 = performance.now();
    window.aorlab.setText(text);
    await window.aorlab.run();
    while (Number(document.body.dataset.runs) <= before) await new Promise((r) => setTimeout(r, 50));
    return { ms: performance.now() - t0, status: document.getElementById("status").textContent };
  }, text);
  console.log(`Site: ${SITE_PHONES} phones behind 20 NATs, ${SITE_HOURS} h (${(text.length / 1024).toFixed(0)} KB of text)`);
  console.log(`  run in the worker: ${(ran.ms / 1000).toFixed(1)} s wall — ${ran.status}\n`);
  const times = await page.evaluate(async (moves) => {
    const views = window.aorlab.views();
    const root = document.querySelector(".views");
    const end = Number(document.querySelector(".tl-frame").getAttribute("aria-valuemax"));
    const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    const out = [];
    for (let i = 0; i < moves; i++) {
      // Spread over the run, not in order (a person drags and jumps).
      const t = Math.round(((i * 7919) % moves) / moves * end) + 1;
      delete root.dataset.cursorToDrawnMs;
      const t0 = performance.now();
      views.setCursor(t);
      while (root.dataset.cursorToDrawnMs === undefined) await new Promise((r) => setTimeout(r, 0));
      const drawn = Number(root.dataset.cursorToDrawnMs);
      await frame();
      out.push({ drawn, painted: performance.now() - t0, rows: document.querySelectorAll(".panel-contacts tr.contact").length });
    }
    return out;
  }, MOVES);
  const drawn = times.map((t) => t.drawn);
  const painted = times.map((t) => t.painted);
  console.log(`Cursor moves at ${SITE_PHONES} phones (${MOVES} moves; contacts panel, ≤ ${Math.max(...times.map((t) => t.rows))} rows drawn):\n`);
  table(
    ["from the move to", "median", "90th percentile", "worst"],
    [
      ["contacts drawn (state_at + transfer + DOM)", ...stats(drawn)],
      ["next frame painted", ...stats(painted)],
    ],
  );
  await context.close();
}

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return [`${at(0.5).toFixed(1)} ms`, `${at(0.9).toFixed(1)} ms`, `${s[s.length - 1].toFixed(1)} ms`];
}
