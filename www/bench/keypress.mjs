// Keypress under load: how long a key can wait on the page's thread while a big run's result
// arrives. Headless Chromium; for each text the run is started and every main-thread task
// longer than 50 ms (PerformanceObserver "longtask") from the run's start until its result is
// drawn is listed: a key pressed then waits until the task ends, so the longest is the worst
// echo the result can cause. Texts: the 100,000-line config of the abuse test and a generated
// site (`AORLAB_BENCH_SITE` phones, default 2000, 1 h).
//
//   cargo xtask build && node www/bench/keypress.mjs

import { launchBrowser, serveDist, siteText } from "../tests/harness.mjs";

const SITE = Number(process.env.AORLAB_BENCH_SITE ?? 2000);

function hundredThousandLines() {
  const lines = ["title One hundred thousand lines", "asterisk 22", "pjsip.conf {"];
  for (let i = 0; lines.length < 99_990; i++) {
    lines.push(`[p${i}]`, "type = aor", "max_contacts = 1", "", `[p${i}]`, "type = endpoint", `aors = p${i}`, "");
  }
  lines.push("}", "device desk p0 udp 10.0.0.1:5060", "device phone p1 udp 10.0.0.2:5060");
  lines.push("at 0s register desk phone", "at 10m reboot desk", "until 1h");
  return lines.join("\n");
}

const server = await serveDist();
const browser = await launchBrowser();
try {
  const texts = [["100,000-line config", hundredThousandLines()]];
  if (SITE > 0) texts.push([`${SITE} phones × 1 h`, await siteText(SITE, 20, 1)]);
  for (const [name, text] of texts) {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(server.url);
    await page.locator("body[data-ready=true]").waitFor({ timeout: 30_000 });
    const out = await page.evaluate(async (text) => {
      const tasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) tasks.push({ at: e.startTime, ms: e.duration });
      }).observe({ type: "longtask", buffered: false });
      const runs = () => Number(document.body.dataset.runs);
      const before = runs();
      window.aorlab.setText(text);
      const t0 = performance.now();
      await window.aorlab.run();
      while (runs() <= before) await new Promise((r) => setTimeout(r, 20));
      const done = performance.now() - t0;
      await new Promise((r) => setTimeout(r, 500));
      const at = (t) => `${Math.round(t.ms)} (at ${((t.at - t0) / 1000).toFixed(2)} s)`;
      return { run: done, tasks: tasks.filter((t) => t.at >= t0).map((t) => Math.round(t.ms)), when: tasks.map(at) };
    }, text);
    const worst = Math.max(0, ...out.tasks);
    console.log(`${name}: run ${(out.run / 1000).toFixed(1)} s; main-thread tasks over 50 ms after Run: ${out.tasks.join(", ") || "none"} ms; worst wait for a key ${worst} ms`);
    if (process.env.AORLAB_BENCH_VERBOSE) console.log(`  run done at ${(out.run / 1000).toFixed(2)} s; tasks: ${out.when.join(", ")}`);
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
}
