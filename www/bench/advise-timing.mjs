// A browser timing run (not a test): `cargo xtask build && node www/bench/advise-timing.mjs`.
//
// Advises a generated site in headless Chromium the way a person does (text in the editor,
// Advise, wait for the ranked list) and prints how long it took, how many runs, and on how many
// workers (navigator.hardwareConcurrency, capped). Site size from the environment:
// AORLAB_BENCH_PHONES (50), AORLAB_BENCH_NATS (5), AORLAB_BENCH_HOURS (8).

import { aorlabCli, launchBrowser, serveDist } from "../tests/harness.mjs";

const phones = process.env.AORLAB_BENCH_PHONES ?? "50";
const nats = process.env.AORLAB_BENCH_NATS ?? "5";
const hours = process.env.AORLAB_BENCH_HOURS ?? "8";

const site = aorlabCli(["gen", "site", "--phones", phones, "--nats", nats, "--hours", hours]);
const server = await serveDist();
const browser = await launchBrowser();
try {
  const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  await page.goto(server.url, { timeout: 60_000 });
  await page.locator("body[data-ready=true]").waitFor({ timeout: 60_000 });
  await page.evaluate((t) => window.aorlab.setText(t), site);
  await page.locator("#open-advise").click();
  await page.locator("#advise-start").click();
  await page.locator('#advise-view[data-state="done"]').waitFor({ timeout: 30 * 60_000 });
  const ms = Number(await page.locator("body").getAttribute("data-advise-ms"));
  const runs = await page.locator("body").getAttribute("data-advise-runs");
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  const status = await page.locator("#advise-status").textContent();
  console.log(`advise in the page: ${phones} phones, ${nats} NATs, ${hours} h`);
  console.log(`  ${(ms / 1000).toFixed(1)} s, ${runs} runs, navigator.hardwareConcurrency = ${cores}`);
  console.log(`  page says: ${status}`);
  const first = await page.locator("#advise-suggestions > li .adv-set").first().textContent().catch(() => "(none)");
  console.log(`  first suggestion: ${first}`);
} finally {
  await browser.close();
  await server.close();
}
