// The whole day in the page's worker against the native CLI, on the same commit and text:
// `aorlab gen site` (AORLAB_BENCH_SITE phones, default 2000; AORLAB_BENCH_SITE_HOURS, default
// 24) is run by `target/release/aorlab run` and then in headless Chromium (the page's Run),
// and the CPU time of each is read from /proc (the CLI's, and every process of the browser
// this script started), so other work on a shared machine changes the wall times far more
// than the ratio.
//
//   cargo xtask build && cargo build --release -p aorlab && node www/bench/worker-ratio.mjs

import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { launchBrowser, root, serveDist } from "../tests/harness.mjs";

const PHONES = Number(process.env.AORLAB_BENCH_SITE ?? 2000);
const HOURS = Number(process.env.AORLAB_BENCH_SITE_HOURS ?? 24);
const TICK = 100; // clock ticks per second (USER_HZ)
const cli = join(process.env.CARGO_TARGET_DIR ?? join(root, "target"), "release", "aorlab");

/** CPU seconds of every process below this one (the browser and its children). */
function childrenCpu() {
  const procs = new Map();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, "utf8");
      const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
      procs.set(Number(d), { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / TICK });
    } catch {
      // Gone meanwhile.
    }
  }
  const below = (pid) => {
    for (let p = procs.get(pid)?.ppid ?? 0, i = 0; p > 1 && i < 64; p = procs.get(p)?.ppid ?? 0, i++) {
      if (p === process.pid) return true;
    }
    return false;
  };
  let cpu = 0;
  for (const [pid, p] of procs) if (below(pid)) cpu += p.cpu;
  return cpu;
}

const text = spawnSync(cli, ["gen", "site", "--phones", String(PHONES), "--nats", "20", "--hours", String(HOURS)], { encoding: "utf8", maxBuffer: 1 << 28 }).stdout;
const file = join(process.env.TMPDIR ?? "/tmp", `aorlab-site-${PHONES}-${HOURS}.txt`);
(await import("node:fs")).writeFileSync(file, text);

let t0 = Date.now();
const native = spawnSync("/usr/bin/time", ["-f", "%U %S", cli, "run", file], { encoding: "utf8", maxBuffer: 1 << 30 });
const [user, sys] = native.stderr.trim().split("\n").at(-1).split(" ").map(Number);
const nativeWall = (Date.now() - t0) / 1000;
const nativeCpu = user + sys;

const server = await serveDist();
const browser = await launchBrowser();
try {
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.locator("body[data-ready=true]").waitFor({ timeout: 30_000 });
  await page.evaluate((t) => window.aorlab.setText(t), text);
  await new Promise((r) => setTimeout(r, 3000));
  const c0 = childrenCpu();
  t0 = Date.now();
  const status = await page.evaluate(async () => {
    const runs = () => Number(document.body.dataset.runs);
    const before = runs();
    await window.aorlab.run();
    while (runs() <= before) await new Promise((r) => setTimeout(r, 50));
    return document.getElementById("status").textContent;
  });
  const pageWall = (Date.now() - t0) / 1000;
  const pageCpu = childrenCpu() - c0;
  console.log(`${PHONES} phones × ${HOURS} h (${(text.length / 1024).toFixed(0)} KB of text)`);
  console.log(`  native CLI: ${nativeWall.toFixed(1)} s wall, ${nativeCpu.toFixed(1)} s CPU`);
  console.log(`  page:       ${pageWall.toFixed(1)} s wall, ${pageCpu.toFixed(1)} s CPU (every browser process) — ${status}`);
  console.log(`  page / native: ${(pageCpu / nativeCpu).toFixed(2)} × in CPU time, ${(pageWall / nativeWall).toFixed(2)} × in wall time`);
} finally {
  await browser.close();
  await server.close();
}
