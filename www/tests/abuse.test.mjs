// The page under abuse (issue 14, item 4), as a person meets it: a 5 MB paste, a
// 100,000-line scenario, a share link at the size limit and one just over it, a scenario over
// every limit (devices, events, simulated time, a 1 MB line, the share link). Each time the
// page keeps answering, names the limit that was hit, and loses no text (all of it is still
// there; a reload brings the draft back).
//
// Typing echo — a keydown to the character drawn (the editor's DOM changed and the next frame
// ran) — is measured and recorded in abuse-echo.json beside the screenshots; the aim is
// ≤ 100 ms. The test's own check is functional and generous (the character appears, the page
// answers) because wall-clock time on a loaded 2-core CI machine is not the page's speed.
// Limits are read from the page (limits() in wasm), never written here.
// Screenshots: abuse-paste-5mb.png, abuse-100k-lines.png, abuse-link-over.png,
// abuse-every-limit.png.

import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { deflateRawSync } from "node:zlib";
import { openPage, ready, screenshotPath, startServedBrowser, stopServedBrowser, text } from "./harness.mjs";

const AIM_MS = 100;
/** Echo times per case, written to abuse-echo.json. */
const echoes = {};

const CONF = "pjsip.conf {\n[alice]\ntype = aor\nmax_contacts = 1\n\n[alice]\ntype = endpoint\naors = alice\n}\n";

/** Waits until the page has finished a run after `before` runs (big texts take a while). */
async function runAfter(page, before) {
  await page.waitForFunction((n) => Number(document.body.dataset.runs) > n, before, { timeout: 120_000 });
}

const runs = async (page) => Number(await page.locator("body").getAttribute("data-runs"));

/** Pastes `big` over the whole text: select all, Ctrl+V, as a person does. */
async function pasteAll(page, context, big) {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await page.evaluate((t) => navigator.clipboard.writeText(t), big);
  await page.locator(".cm-content").click();
  await page.keyboard.press("Control+a");
  const before = await runs(page);
  await page.keyboard.press("Control+v");
  await runAfter(page, before);
}

/** The echo probe: keydown → the editor's DOM changes → the next frame is drawn. */
async function probeEcho(page) {
  await page.evaluate(() => {
    if (window.echo) return;
    const echo = { down: null, times: [] };
    window.echo = echo;
    document.addEventListener("keydown", () => (echo.down = performance.now()), true);
    new MutationObserver(() => {
      const down = echo.down;
      if (down === null) return;
      echo.down = null;
      requestAnimationFrame(() => echo.times.push(performance.now() - down));
    }).observe(document.querySelector(".cm-content"), { childList: true, subtree: true, characterData: true });
  });
}

/** Goes to the end of the text and types `line` on a new line at a person's pace; records each echo. */
async function typeAtEnd(page, name, line) {
  await probeEcho(page);
  await page.locator(".cm-content").focus();
  await page.keyboard.press("Control+End");
  const times = [];
  for (const key of ["Enter", ...line]) {
    const seen = await page.evaluate(() => window.echo.times.length);
    await page.keyboard.press(key);
    // Generous: the character appears at all (a frozen page fails here).
    await page.waitForFunction((n) => window.echo.times.length > n, seen, { timeout: 20_000 });
    times.push(Number((await page.evaluate(() => window.echo.times.at(-1))).toFixed(1)));
    await page.waitForTimeout(120);
  }
  const sorted = [...times].sort((a, b) => a - b);
  echoes[name] = { times, median: sorted[Math.floor(sorted.length / 2)], max: sorted.at(-1), aim: AIM_MS };
  return times;
}

/** The problems listed under the editor, as text. */
const listed = (page) => page.locator("#diagnostics").innerText();

/** Copy link on a text too long for one: the page says so and names the limit. */
async function copyLinkRefused(page, limits) {
  await page.locator("#copy-link").click();
  const said = page.locator("#share-done");
  await said.getByText(/too long for a share link/).waitFor();
  const message = await said.innerText();
  assert.match(message, new RegExp(`at most ${Math.ceil(limits.link_text_bytes / 1024)} KB|limited to ${limits.link_chars.toLocaleString("en")}`));
  assert.equal(await page.locator("#share-url").isVisible(), false, "no unusable link offered");
  return message;
}

/** Reloads once the draft is stored, and checks the whole text came back. */
async function reloadKeepsDraft(page, expected) {
  await page.locator("body[data-draft=saved]").waitFor({ timeout: 30_000 });
  await page.reload({ timeout: 60_000 });
  await ready(page);
  const back = await text(page);
  assert.equal(back.length, expected.length, "the reloaded draft has every character");
  assert.ok(back === expected, "the reloaded draft is the same text");
}

/** A v1 link fragment of `payload` stored (deflate level 0), so its length follows the text's. */
function storedLink(payload) {
  return `v1.${deflateRawSync(Buffer.from(payload, "utf8"), { level: 0 }).toString("base64url")}`;
}

/** The longest link a text padded with `x` can make within `chars` (base64 skips some lengths). */
function linkOfLength(head, chars) {
  let pad = Math.max(0, Math.floor(((chars - 3) * 3) / 4) - head.length - 16);
  while (storedLink(`\n${head}# ${"x".repeat(pad + 1)}\n`).length <= chars) pad++;
  const text = `${head}# ${"x".repeat(pad)}\n`;
  return { text, fragment: storedLink(`\n${text}`) };
}

describe("the page under abuse", () => {
  let server;
  let browser;
  let limits;
  before(async () => {
    ({ server, browser } = await startServedBrowser());
    const { page, context } = await openPage(browser, server.url);
    await ready(page);
    limits = await page.evaluate(() => window.aorlab.limits());
    await context.close();
  });
  after(async () => {
    writeFileSync(screenshotPath("abuse-echo").replace(/\.png$/, ".json"), `${JSON.stringify(echoes, null, 2)}\n`);
    await stopServedBrowser({ server, browser });
  });

  test("a 5 MB paste: typing still echoes, the device limit is named, no text lost", async (t) => {
    const { page, context, problems } = await openPage(browser, server.url);
    await ready(page);
    let big = `title A pasted 5 MB file\nasterisk 22\n${CONF}`;
    for (let i = 0; big.length < 5 * 1024 * 1024; i++) {
      // Every tenth name repeats the one before: thousands of "declared twice" problems.
      const name = i % 10 === 9 ? i - 1 : i;
      big += `device phone${name} alice udp 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:5060 expires 300\n`;
    }
    big = big.slice(0, -1);
    await pasteAll(page, context, big);
    assert.match(await listed(page), new RegExp(`\\d+ devices; the limit is ${limits.devices}`));
    // The first problems are listed, the rest counted (drawing them all froze the page).
    const items = page.locator("#diagnostics > ul > li");
    assert.ok((await items.count()) <= 101, `${await items.count()} items listed`);
    assert.match(await items.last().innerText(), /^and \d+ more problems below these, not listed/);
    assert.match(await page.locator("#status").innerText(), /problems? in the scenario/);

    const times = await typeAtEnd(page, "paste-5mb", "# still here");
    t.diagnostic(`typing echo after a 5 MB paste (ms): ${times.join(" ")}`);
    const mine = `${big}\n# still here`;
    assert.ok((await text(page)) === mine, "all 5 MB and the typed line are in the editor");
    await copyLinkRefused(page, limits);
    await page.screenshot({ path: screenshotPath("abuse-paste-5mb") });
    await reloadKeepsDraft(page, mine);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("a 100,000-line scenario (a site's pjsip.conf) runs in the worker while typing still echoes", async (t) => {
    const { page, context, problems } = await openPage(browser, server.url);
    await ready(page);
    // 12,500 AOR/endpoint pairs, two phones on them: the shape of a big site's pasted config.
    const lines = ["title One hundred thousand lines", "asterisk 22", "pjsip.conf {"];
    for (let i = 0; lines.length < 99_990; i++) {
      lines.push(`[p${i}]`, "type = aor", "max_contacts = 1", "", `[p${i}]`, "type = endpoint", `aors = p${i}`, "");
    }
    lines.push("}", "device desk p0 udp 10.0.0.1:5060", "device phone p1 udp 10.0.0.2:5060");
    lines.push("at 0s register desk phone", "at 10m reboot desk", "until 1h");
    const big = lines.join("\n");
    assert.ok(lines.length >= 100_000, `${lines.length} lines`);
    await pasteAll(page, context, big);
    assert.match(await page.locator("#status").innerText(), /records until/, "the long scenario ran");

    const times = await typeAtEnd(page, "lines-100k", "# and one more");
    t.diagnostic(`typing echo in a 100,000-line text (ms): ${times.join(" ")}`);
    assert.ok((await text(page)) === `${big}\n# and one more`, "every line is still there");
    // The last lines are drawn (scrolled to the end), with their line numbers.
    const lastNumber = await page.locator(".cm-lineNumbers .cm-gutterElement").last().innerText();
    assert.ok(Number(lastNumber) >= 100_000, `the gutter counts to ${lastNumber}`);
    await page.screenshot({ path: screenshotPath("abuse-100k-lines") });
    // The last sections are coloured as pjsip.conf, not underlined as invalid statements
    // (CodeMirror starts a long text's colouring where it is shown, without the block's start).
    const wavy = await page.evaluate(() =>
      [...document.querySelectorAll(".cm-line span")].filter((n) => getComputedStyle(n).textDecorationStyle === "wavy").map((n) => n.textContent),
    );
    assert.deepEqual(wavy, [], "no pjsip.conf word is drawn as an invalid statement");
    // Quick controls: one group (no template) of 25,000 objects; opened, it draws the first 200
    // and counts the rest.
    const group = page.locator("#controls details.controls-template").first();
    assert.match(await group.locator("summary").innerText(), /^no template · 12,\d{3} AORs, 12,\d{3} endpoints$/);
    await group.locator("summary").click();
    const more = group.locator(".controls-more");
    assert.match(await more.innerText(), /^and 24,\d{3} more in this group, not listed here/);
    // A run whose controls are the same (a comment typed) keeps the drawn ones (the worker's
    // JSON is compared with what is shown; www/bench/keypress.mjs measures what that saves).
    await group.evaluate((el) => { el.dataset.drawn = "before"; });
    let before = await runs(page);
    await page.locator(".cm-content").focus();
    await page.keyboard.press("Control+End");
    await page.keyboard.type(" (again)");
    await runAfter(page, before);
    assert.equal(await group.getAttribute("data-drawn"), "before", "the same controls were not redrawn");
    // A changed option is drawn: p1's max_contacts from the text, opened group kept open.
    before = await runs(page);
    await page.evaluate(() => window.aorlab.setText(window.aorlab.text().replace("[p1]\ntype = aor\nmax_contacts = 1", "[p1]\ntype = aor\nmax_contacts = 7")));
    await runAfter(page, before);
    const redrawn = page.locator("#controls details.controls-template").first();
    assert.equal(await redrawn.getAttribute("data-drawn"), null, "new controls are drawn");
    assert.equal(await redrawn.evaluate((el) => el.open), true, "the opened group stays open");
    const p1 = redrawn.locator("fieldset.control-group").nth(1);
    assert.equal(await p1.locator("legend").innerText(), "AOR p1");
    assert.equal(await p1.locator("input[type=number]").first().inputValue(), "7");
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("a share link at the size limit opens; one just over is refused by name and the draft stays", async () => {
    const head = `title At the link limit\nasterisk 22\n${CONF}device desk alice udp 192.168.1.10:5060\nat 0s register desk\nuntil 1m\n`;
    const atLimit = linkOfLength(head, limits.link_chars);
    assert.ok(atLimit.fragment.length <= limits.link_chars && atLimit.fragment.length >= limits.link_chars - 3);
    const { page, context, problems } = await openPage(browser, `${server.url}#${atLimit.fragment}`);
    await ready(page);
    assert.ok((await text(page)) === atLimit.text, "the link's text opens whole");
    assert.equal(await page.locator("#notice[data-kind=problem]").isVisible(), false, "no problem reported");
    // Something of the person's own, then a link one step too long in a new tab of the same browser.
    await typeAtEnd(page, "link-at-limit", "# mine");
    const mine = await text(page);
    await page.locator("body[data-draft=saved]").waitFor();
    const over = linkOfLength(`${head}# one more line\n`, limits.link_chars + 8).fragment;
    assert.ok(over.length > limits.link_chars);
    const other = await openPage(browser, `${server.url}#${over}`);
    await ready(other.page);
    const notice = other.page.locator("#notice");
    await notice.waitFor({ state: "visible" });
    assert.match(await notice.innerText(), new RegExp(`${over.length} characters long; links longer than ${limits.link_chars} are refused`));
    await other.page.screenshot({ path: screenshotPath("abuse-link-over") });
    await other.context.close();
    const again = await context.newPage();
    await again.goto(`${server.url}#${over}`);
    await ready(again);
    assert.ok((await text(again)) === mine, "the refused link left the draft in the editor");
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("a scenario over every limit says which, and keeps all its text", async (t) => {
    const { page, context, problems } = await openPage(browser, server.url);
    await ready(page);
    const days = limits.duration_ms / 86_400_000;
    const parts = [`title Over every limit\nasterisk 22\n${CONF}`];
    for (let i = 0; i <= limits.devices; i++) parts.push(`device d${i} alice udp 10.1.${i >> 8}.${i & 255}:5060\n`);
    for (let i = 0; i <= limits.events; i++) parts.push(`at ${i}s register d0\n`);
    parts.push(`# a line of a megabyte: ${"x".repeat(1024 * 1024)}\n`);
    parts.push(`until ${days + 1}d`);
    const big = parts.join("");
    await pasteAll(page, context, big);
    const list = await listed(page);
    assert.match(list, new RegExp(`${limits.devices + 1} devices; the limit is ${limits.devices}`));
    assert.match(list, new RegExp(`${limits.events + 1} timeline events; the limit is ${limits.events}`));
    assert.match(list, new RegExp(`limited to ${days} days`));
    await copyLinkRefused(page, limits);

    const times = await typeAtEnd(page, "every-limit", "# typed");
    t.diagnostic(`typing echo over every limit (ms): ${times.join(" ")}`);
    const mine = `${big}\n# typed`;
    assert.ok((await text(page)) === mine, "all the text is there");
    await page.screenshot({ path: screenshotPath("abuse-every-limit") });
    await reloadKeepsDraft(page, mine);
    assert.deepEqual(problems, []);
    await context.close();
  });
});
