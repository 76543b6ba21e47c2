// The foundation slice, as a person sees it: the demo runs in the page, the contact table shows
// the one stored binding, and the second phone's 403 is in the event list.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { openPage, screenshotPath, startServedBrowser, stopServedBrowser } from "./harness.mjs";

describe("foundation page", () => {
  let server;
  let browser;
  before(async () => ({ server, browser } = await startServedBrowser()));
  after(() => stopServedBrowser({ server, browser }));

  test("the demo shows the stored contact and the 403", async () => {
    const { page, context, problems, responses } = await openPage(browser, server.url);
    await page.locator("body[data-ready=true]").waitFor({ timeout: 15_000 });

    // The scenario text came from the wasm module.
    const scenario = await page.evaluate(() => window.aorlab.text());
    assert.match(scenario, /max_contacts\s*=\s*1/);

    // The wasm file was served with the type that streaming compilation needs.
    const wasm = responses.find((r) => r.url().endsWith(".wasm"));
    assert.ok(wasm, "the page fetched a .wasm file");
    assert.equal(wasm.headers()["content-type"], "application/wasm");

    // Contacts: exactly one binding, for alice, with a sip:alice@… URI.
    const rows = page.locator("table.contacts tbody tr");
    assert.equal(await rows.count(), 1);
    const cells = await rows.first().locator("td").allInnerTexts();
    assert.equal(cells[0], "alice");
    const uri = await rows.first().locator("code.uri").innerText();
    assert.match(uri, /^sip:alice@\S+$/);
    await page.getByText(uri, { exact: true }).waitFor({ state: "visible" });
    // The stored binding is the first phone's (the second one was refused).
    const firstDevice = scenario.match(/^device\s+(\S+)/m)?.[1];
    assert.ok(firstDevice, "the demo declares devices");
    assert.match(cells[1], new RegExp(`reaches ${firstDevice}\\b`));

    // Events: in the event log panel, Asterisk's own log line for the refused phone, visible and marked as rejected.
    await page.getByRole("tab", { name: "Event log" }).click();
    const exceed = page.locator(".event .log", { hasText: "will exceed max contacts of 1" });
    await exceed.first().waitFor({ state: "visible" });
    assert.match(await exceed.first().innerText(), /to AOR 'alice'/);
    const rejected = page.locator(".event.rejected");
    assert.ok((await rejected.count()) >= 1, "a rejected event is marked");
    await page.locator(".event.rejected", { hasText: "403" }).first().waitFor({ state: "visible" });

    // Times are m:ss.
    const times = await page.locator(".event .at").allInnerTexts();
    for (const t of times) assert.match(t, /^\d+:\d\d(:\d\d)?$/);

    // The README picture: the first screen, with the contact table and the 403 in view.
    await page.setViewportSize({ width: 1440, height: 1200 });
    await page.screenshot({ path: screenshotPath("foundation") });
    await page.screenshot({ path: screenshotPath("foundation-full"), fullPage: true });
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("dark theme renders the same content", async () => {
    const { page, context, problems } = await openPage(browser, server.url, { colorScheme: "dark" });
    await page.locator("body[data-ready=true]").waitFor({ timeout: 15_000 });
    await page.getByRole("tab", { name: "Event log" }).click();
    await page.locator(".event.rejected").first().waitFor({ state: "visible" });
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.notEqual(background, "rgb(246, 247, 249)", "the dark palette is applied");
    await page.screenshot({ path: screenshotPath("foundation-dark"), fullPage: true });
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("an error in the text shows a diagnostic with its place, and fixing it recovers", async () => {
    const { page, context, problems } = await openPage(browser, server.url);
    await page.locator("body[data-ready=true]").waitFor({ timeout: 15_000 });
    const demo = await page.evaluate(() => window.aorlab.text());

    await page.evaluate(() => window.aorlab.setText("this is not a scenario !!!\n"));
    await page.getByRole("button", { name: "Run", exact: true }).click();
    const diagnostic = page.locator(".diagnostic").first();
    await diagnostic.waitFor({ state: "visible" });
    assert.match(await diagnostic.locator(".place").innerText(), /^\d+:\d+$/);
    assert.match(await page.locator("#status").innerText(), /problem/);

    await page.evaluate((text) => window.aorlab.setText(text), demo);
    await page.locator(".cm-content").press("Control+Enter");
    await page.locator("#diagnostics").waitFor({ state: "hidden" });
    await page.getByRole("tab", { name: "Event log" }).click();
    await page.locator(".event.rejected").first().waitFor({ state: "visible" });
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("a phone-sized screen shows everything without sideways scrolling", async () => {
    const { page, context, problems } = await openPage(browser, server.url, {
      viewport: { width: 390, height: 844 },
    });
    await page.locator("body[data-ready=true]").waitFor({ timeout: 15_000 });
    await page.getByRole("tab", { name: "Event log" }).click();
    await page.locator(".event.rejected").first().waitFor({ state: "visible" });
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
    await page.screenshot({ path: screenshotPath("foundation-phone"), fullPage: true });
    assert.deepEqual(problems, []);
    await context.close();
  });
});
