// Compare and Advise (issue 13) as a person uses them: click Compare, change a quick control
// for B, read the difference list and move the shared cursor; click Advise, watch progress,
// Cancel, type meanwhile, run again, open a suggestion in Compare; open a two-sided share link.
// Screenshots: compare.png, advise.png, advise-running.png, compare-link.png, compare-dark.png.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { deflateRawSync } from "node:zlib";
import { aorlabCli, loadPreset, openPage, ready, screenshotPath, startServedBrowser, stopServedBrowser, text } from "./harness.mjs";

/** A two-sided link as the Rust codec makes it: `ab=<bytes of A>` in the view line. */
function pairLink(a, b) {
  const payload = `p=compare&ab=${Buffer.byteLength(a, "utf8")}\n${a}${b}`;
  return `v1.${deflateRawSync(Buffer.from(payload, "utf8"), { level: 9 }).toString("base64url")}`;
}

/** Waits for a comparison newer than `n` to be drawn. */
async function compared(page, n = 0) {
  await page.waitForFunction((k) => Number(document.body.dataset.compared ?? 0) > k, n, { timeout: 20_000 });
  return Number(await page.locator("body").getAttribute("data-compared"));
}

const differences = (page) => page.locator("#cmp-differences li").allTextContents();

describe("compare and advise", () => {
  let server;
  let browser;
  before(async () => ({ server, browser } = await startServedBrowser()));
  after(() => stopServedBrowser({ server, browser }));

  test("Compare: change B's max_contacts, read what B removes and adds, move the shared cursor", async () => {
    const { page, context, problems } = await openPage(browser, server.url);
    await ready(page);
    await loadPreset(page, "nat-403");
    await page.locator("#open-compare").click();
    let n = await compared(page);
    assert.match(await page.locator("#cmp-changes").textContent(), /same as A/);
    assert.deepEqual(await differences(page), ["B removes nothing", "B adds nothing"]);
    // The page says what it does.
    assert.match(await page.locator(".cmp-what").textContent(), /scenario as written \(A/);

    const max = page.locator("#cmp-control-alice-max_contacts");
    await max.fill("3");
    await max.press("Tab");
    n = await compared(page, n);
    assert.match(await page.locator("#cmp-changes").textContent(), /aor\.alice\.max_contacts=3/);
    const diffs = await differences(page);
    assert.ok(diffs.includes("B removes desk's lost registration (gave up) 4:49–30:00"), diffs.join("\n"));
    assert.ok(diffs.some((d) => /^B adds desk's unreachable spell \(stale binding\) 6:00–9:49$/.test(d)), diffs.join("\n"));
    // A stays the editor's text; B's text has the override.
    assert.match(await text(page), /max_contacts = 2/);
    assert.match(await page.locator("#cmp-b-text").inputValue(), /max_contacts = 3/);
    // Both summaries, both lanes per phone on one axis.
    assert.match(await page.locator(".cmp-side").first().textContent(), /desk/);
    assert.equal(await page.locator('.cmp-lanes g[data-device="desk"]').count(), 2);

    // Clicking a difference moves the one cursor; at 5:00 desk differs between A and B.
    await page.locator("#cmp-differences button", { hasText: "removes desk's lost registration" }).click();
    const cursor = Number(await page.locator(".cmp-lanes").getAttribute("data-cursor"));
    assert.ok(cursor >= 289_000 && cursor < 290_000, `cursor at ${cursor}`);
    await page.locator(".cmp-svg").press("ArrowRight");
    assert.match(await page.locator(".cmp-at-cursor").textContent(), /desk: A gave up, B reachable/);

    // The version switch for B.
    await page.locator("#cmp-control-version").selectOption("20");
    await compared(page, n);
    assert.match(await page.locator("#cmp-changes").textContent(), /asterisk=20/);
    assert.match(await page.locator("#cmp-status").textContent(), /B: Asterisk 20 /);
    await page.locator("#compare").screenshot({ path: screenshotPath("compare") });
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("a reload keeps Compare and B as they were; Close forgets B", async () => {
    const { page, context, problems } = await openPage(browser, server.url);
    await ready(page);
    await loadPreset(page, "nat-403");
    await page.locator("#open-compare").click();
    let n = await compared(page);
    const max = page.locator("#cmp-control-alice-max_contacts");
    await max.fill("3");
    await max.press("Tab");
    await compared(page, n);
    // B edited by hand too: the text is what comes back.
    await page.locator(".cmp-b-details > summary").click();
    await page.locator("#cmp-b-text").press("End");
    await page.locator("#cmp-b-text").pressSequentially("\n# kept across reloads\n");
    await page.reload();
    await ready(page);
    await page.locator("#compare:not([hidden])").waitFor();
    await compared(page);
    assert.match(await page.locator("#cmp-b-text").inputValue(), /max_contacts = 3/);
    assert.match(await page.locator("#cmp-b-text").inputValue(), /# kept across reloads/);
    assert.match(await page.locator("#cmp-changes").textContent(), /its own text/);
    // The restored B is compared again (a later run may redraw the list: wait for the line).
    await page.locator("#cmp-differences li", { hasText: "B removes desk's lost registration (gave up) 4:49–30:00" }).waitFor({ timeout: 20_000 });
    await page.locator("#cmp-close").click();
    await page.reload();
    await ready(page);
    assert.ok(await page.locator("#compare").isHidden());
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("Compare on a site: B's controls are grouped by template; one edit on the template changes every phone", async () => {
    const { page, context, problems } = await openPage(browser, server.url);
    await ready(page);
    const site = aorlabCli(["gen", "site", "--phones", "12", "--nats", "3", "--hours", "1"]);
    await page.evaluate((t) => window.aorlab.setText(t), site);
    await page.locator("#open-compare").click();
    let n = await compared(page);
    // 12 AORs and 12 endpoints: a search box and one group per template, not 24 fieldsets.
    const search = page.locator("#cmp-controls-search");
    assert.ok(await search.isVisible());
    assert.equal(await page.locator("#cmp-controls fieldset").count(), 0);
    assert.match(await page.locator("#cmp-controls .controls-template").first().textContent(), /template phone-ep · 12 endpoints|template phone-aor · 12 AORs/);
    // The page's own controls are untouched by B's (their own ids and search).
    assert.equal(await page.locator("#controls-search").inputValue(), "");
    await search.click();
    await page.keyboard.type("p00003");
    const qualify = page.locator("#cmp-control-p00003-qualify_frequency");
    await qualify.waitFor();
    assert.equal(await qualify.inputValue(), "60");
    assert.match(await page.locator("#cmp-control-p00003-qualify_frequency-source").textContent(), /from template phone-aor/);
    // Edit the template, not the one AOR: every phone's qualify changes.
    await page.locator("#cmp-target-p00003-aor-phone-aor").check();
    await qualify.fill("30");
    await qualify.press("Tab");
    n = await compared(page, n);
    assert.match(await page.locator("#cmp-changes").textContent(), /aor\.phone-aor\.qualify_frequency=30/);
    assert.match(await page.locator("#cmp-b-text").inputValue(), /\[phone-aor\]\(!\)\ntype = aor\n(.*\n)*qualify_frequency = 30/);
    assert.match(await text(page), /qualify_frequency = 60/);
    await page.locator("#compare").screenshot({ path: screenshotPath("compare-site") });
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("Advise: progress, Cancel while typing, run again, open a suggestion in Compare", async () => {
    const { page, context, problems } = await openPage(browser, server.url);
    await ready(page);
    // A site big enough that advising takes a while (longer than typing a line, even on a fast
    // machine): 200 phones behind 4 NATs for a day.
    const site = aorlabCli(["gen", "site", "--phones", "200", "--nats", "4", "--hours", "24"]);
    await page.evaluate((t) => window.aorlab.setText(t), site);
    await page.locator("#open-advise").click();
    assert.match(await page.locator(".adv-what").textContent(), /runs this scenario again/);
    await page.locator("#advise-start").click();
    await page.locator("#advise-progress").waitFor({ state: "visible" });
    await page.waitForFunction(() => Number(document.querySelector("#advise-view")?.dataset.finished ?? 0) >= 1, null, {
      timeout: 90_000,
    });
    assert.match(await page.locator("#advise-status").textContent(), /of \d+ runs · \d+ workers?/);
    await page.locator("#compare").screenshot({ path: screenshotPath("advise-running") });

    // Typing in the editor while the workers run: every key lands at once.
    await page.locator(".cm-content").click();
    await page.keyboard.press("Control+End");
    const typed = performance.now();
    await page.keyboard.type("# still typing\n");
    assert.ok((await text(page)).endsWith("# still typing\n"));
    const typingMs = performance.now() - typed;
    assert.ok(typingMs < 5_000, `typing took ${typingMs} ms`);
    assert.equal(await page.locator("#advise-view").getAttribute("data-state"), "running");

    await page.locator("#advise-cancel").click();
    assert.equal(await page.locator("#advise-view").getAttribute("data-state"), "cancelled");
    assert.match(await page.locator("#advise-status").textContent(), /Cancelled/);
    assert.ok(await page.locator("#advise-progress").isHidden());
    assert.ok(await page.locator("#advise-start").isEnabled());

    // Again, on nat-403 (small: it finishes).
    await loadPreset(page, "nat-403");
    await page.locator("#tab-advise").click();
    await page.locator("#advise-start").click();
    await page.locator('#advise-view[data-state="done"]').waitFor({ timeout: 60_000 });
    const first = page.locator("#advise-suggestions > li").first();
    assert.equal(await first.getAttribute("data-fixes"), "true");
    assert.match(await first.textContent(), /removes every lost registration/);
    assert.match(await first.locator(".adv-figures").textContent(), /403s 1 → 0/);
    // What it costs in traffic is said beside it, and is not a problem it "trades" for.
    assert.match(await first.locator(".adv-traffic").textContent(), /^Costs ×[\d.]+ the SIP requests \(REGISTER, OPTIONS\): \d+ → \d+\.$/);
    assert.equal(await first.locator(".adv-trades").count(), 0);
    // A change that ends the 403 but leaves desk unreachable longer says it trades.
    assert.ok((await page.locator("#advise-suggestions .adv-trade").count()) > 0);
    assert.match(await page.locator("#advise-notes").textContent(), /desk is unreachable between refreshes because home forgets idle mappings after 60 s/);
    assert.match(await page.locator("#advise-status").textContent(), /Advised in [\d.]+ s: \d+ runs on \d+ workers?/);
    await page.locator("#compare").screenshot({ path: screenshotPath("advise") });

    const set = (await first.locator(".adv-set").textContent()).trim();
    const n = Number((await page.locator("body").getAttribute("data-compared")) ?? 0);
    await first.locator(".adv-compare").click();
    await compared(page, n);
    assert.ok(await page.locator("#compare-view").isVisible());
    assert.ok((await page.locator("#cmp-changes").textContent()).includes(set.split(/\s+/)[0]));
    const diffs = await differences(page);
    assert.ok(diffs.includes("B removes desk's lost registration (gave up) 4:49–30:00"), diffs.join("\n"));
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("Advise says so when every setting is already right", async () => {
    const { page, context, problems } = await openPage(browser, server.url);
    await ready(page);
    await loadPreset(page, "three-phones");
    await page.locator("#open-advise").click();
    await page.locator("#advise-start").click();
    await page.locator('#advise-view[data-state="done"]').waitFor({ timeout: 30_000 });
    assert.equal(await page.locator("#advise-notes li").first().getAttribute("data-kind"), "already_right");
    assert.equal(await page.locator("#advise-suggestions").count(), 0);
    assert.match(await page.locator("#advise-status").textContent(), /1 runs?/);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("a two-sided link opens straight into Compare; Copy two-sided link round-trips", async () => {
    const { page: p0, context: c0 } = await openPage(browser, server.url);
    await ready(p0);
    await loadPreset(p0, "nat-403");
    const textA = await text(p0);
    await c0.close();
    const textB = textA.replace("remove_existing = no", "remove_existing = yes");
    assert.notEqual(textA, textB);

    const { page, context, problems } = await openPage(browser, `${server.url}#${pairLink(textA, textB)}`);
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    await ready(page);
    await compared(page);
    assert.ok(await page.locator("#compare-view").isVisible());
    assert.equal(await text(page), textA);
    assert.equal(await page.locator("#cmp-b-text").inputValue(), textB);
    assert.match(await page.locator("#cmp-changes").textContent(), /its own text/);
    const diffs = await differences(page);
    assert.ok(diffs.includes("B removes desk's lost registration (gave up) 4:49–30:00"), diffs.join("\n"));
    await page.locator("#compare").screenshot({ path: screenshotPath("compare-link") });

    await page.locator("#cmp-copy-link").click();
    const link = await page.locator("#cmp-link").inputValue();
    assert.match(link, /#v1\.[A-Za-z0-9_-]+$/);
    const other = await openPage(browser, link, { colorScheme: "dark" });
    await ready(other.page);
    await compared(other.page);
    assert.equal(await other.page.locator("#cmp-b-text").inputValue(), textB);
    await other.page.locator("#compare").screenshot({ path: screenshotPath("compare-dark") });
    assert.deepEqual(other.problems, []);
    await other.context.close();
    assert.deepEqual(problems, []);
    await context.close();
  });
});
