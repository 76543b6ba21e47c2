// The playground shell as a person uses it: the CodeMirror editor with diagnostics, Ctrl+Enter,
// text kept across reloads, the presets menu, the quick controls, and a panic inside wasm that
// the page survives. Screenshots: playground-{1440,390}-{light,dark}.png.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { nextRun, openPage, ready, runs, screenshotPath, startServedBrowser, stopServedBrowser, text } from "./harness.mjs";

export { nextRun, ready, text };

describe("playground shell", () => {
  let server;
  let browser;
  before(async () => ({ server, browser } = await startServedBrowser()));
  after(() => stopServedBrowser({ server, browser }));

  test("a typed error shows at its line; fixing it brings the result back", async () => {
    const { page, context, problems } = await openPage(browser, server.url);
    await ready(page);
    const lines = (await text(page)).split("\n").length;
    await page.locator(".cm-content").click();
    await page.keyboard.press("Control+End");
    const before = await runs(page);
    await page.keyboard.type("\nfrobnicate everything", { delay: 5 });
    await nextRun(page, before);
    const place = page.locator("#diagnostics .diagnostic .place").first();
    await place.waitFor({ state: "visible" });
    const at = await place.innerText();
    const expected = (await text(page)).split("\n").findIndex((l) => l.startsWith("frobnicate")) + 1;
    assert.ok(expected > lines - 1, `the new line is at the end (${expected})`);
    assert.equal(at.split(":")[0], String(expected), `diagnostic at ${at}`);
    assert.ok((await page.locator(".cm-lintRange-error").count()) >= 1, "an underline in the editor");
    // Hovering the underline shows the message and the hint.
    await page.locator(".cm-lintRange-error").first().hover();
    const tip = page.locator(".cm-tooltip-lint");
    await tip.waitFor({ state: "visible" });
    const message = await page.locator("#diagnostics .diagnostic .message").first().innerText();
    assert.ok((await tip.innerText()).includes(message), `the tooltip shows "${message}"`);
    assert.match(await page.locator("#status").innerText(), /problem/);
    // Clicking the place moves the editor's cursor there.
    await place.click();
    const cursorLine = await page.evaluate(() => {
      const view = document.querySelector(".cm-content");
      return view ? document.querySelector(".cm-activeLineGutter")?.textContent : null;
    });
    assert.equal(cursorLine, String(expected));

    const again = await runs(page);
    await page.locator(".cm-content").click();
    await page.keyboard.press("Control+End");
    await page.keyboard.press("Shift+Home");
    await page.keyboard.press("Backspace");
    await page.keyboard.press("Backspace");
    await nextRun(page, again);
    await page.locator("#diagnostics").waitFor({ state: "hidden" });
    assert.equal(await page.locator("#status").getAttribute("data-state"), "ok");
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("Ctrl+Enter runs at once, and the text survives a reload", async () => {
    const { page, context, problems } = await openPage(browser, server.url);
    await ready(page);
    await page.locator(".cm-content").click();
    await page.keyboard.press("Control+Home");
    await page.keyboard.type("# kept across reloads\n");
    const before = await runs(page);
    const t0 = Date.now();
    await page.keyboard.press("Control+Enter");
    await nextRun(page, before);
    assert.ok(Date.now() - t0 < 2000);
    // Open the page without the link: the saved text comes back from localStorage.
    await page.goto(server.url, { timeout: 30_000 });
    await ready(page);
    assert.match(await text(page), /^# kept across reloads\n/);
    await page.reload({ timeout: 30_000 });
    await ready(page);
    assert.match(await text(page), /^# kept across reloads\n/);
    // A navigation may abort the previous page's favicon request: not the page's problem.
    assert.deepEqual(problems.filter((p) => !/favicon\.svg net::ERR_ABORTED/.test(p)), []);
    await context.close();
  });

  test("every preset loads and shows its lesson; undo brings the text back", async () => {
    const { page, context, problems } = await openPage(browser, server.url);
    await ready(page);
    const original = await text(page);
    // The menu opens from its button and Escape closes it (focus back on the button).
    await page.locator("#presets > summary").click();
    await page.locator("button.preset").first().waitFor({ state: "visible" });
    await page.locator("button.preset").first().focus();
    await page.keyboard.press("Escape");
    assert.equal(await page.locator("#presets").evaluate((d) => d.open), false);
    const names = await page.locator("button.preset").evaluateAll((bs) => bs.map((b) => b.dataset.preset));
    assert.ok(names.length >= 10, `presets: ${names}`);
    for (const name of names) {
      await page.locator("#presets > summary").click();
      const button = page.locator(`button.preset[data-preset="${name}"]`);
      const lesson = (await button.locator("span").innerText()).trim();
      assert.ok(lesson.length > 10, `${name} has a lesson`);
      const before = await runs(page);
      await button.click();
      await nextRun(page, before);
      assert.equal(await page.locator("#status").getAttribute("data-state"), "ok", `${name} runs`);
      await page.locator("#views").getByText(lesson, { exact: false }).first().waitFor({ state: "visible" });
      assert.match(await page.locator("#notice").innerText(), /Loaded the preset/);
    }
    // The last preset replaced the text as one change: Undo (the notice's button) restores.
    const before = await text(page);
    await page.locator("#notice").getByRole("button", { name: "Undo" }).click();
    assert.notEqual(await text(page), before);
    assert.ok(original.length > 0);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("the max_contacts quick control edits the text and changes the outcome", async () => {
    const { page, context, problems } = await openPage(browser, server.url);
    await ready(page);
    await page.locator("#presets > summary").click();
    let before = await runs(page);
    await page.locator('button.preset[data-preset="nat-403"]').click();
    await nextRun(page, before);
    const summary = page.locator("#views [aria-label=Summary]");
    // The summary names the refused REGISTER (the title and lesson also say 403: not those).
    assert.match(await summary.innerText(), /REGISTER rejected/);
    const max = page.locator("#control-alice-max_contacts");
    assert.equal(await max.inputValue(), "2");
    before = await runs(page);
    await max.fill("4");
    await max.press("Enter");
    await nextRun(page, before);
    assert.match(await text(page), /^max_contacts = 4$/m);
    assert.doesNotMatch(await text(page), /^max_contacts = 2$/m);
    assert.doesNotMatch(await summary.innerText(), /REGISTER rejected/);
    // The version menu lists each branch's latest and every release where the registrar
    // changes, saying what changed.
    assert.match(await page.locator('#control-version option[value="20.16"]').textContent(), /200 OK Contacts sorted by id/);
    assert.match(await page.locator('#control-version option[value="18"]').textContent(), /latest, 18\.26\.4/);
    // The version select edits the `asterisk` line.
    before = await runs(page);
    await page.locator("#control-version").selectOption("16.8");
    await nextRun(page, before);
    assert.match(await text(page), /^asterisk 16\.8$/m);
    // rewrite_contact off: one checkbox, one line changed.
    before = await runs(page);
    await page.locator("#control-alice-rewrite_contact").uncheck();
    await nextRun(page, before);
    assert.match(await text(page), /^rewrite_contact = no$/m);
    // All of it undoes step by step in the editor.
    await page.locator(".cm-content").click();
    await page.keyboard.press("Control+z");
    assert.match(await text(page), /^rewrite_contact = yes$/m);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("completion offers pjsip.conf option names from the option table", async () => {
    const { page, context, problems } = await openPage(browser, server.url);
    await ready(page);
    await page.evaluate(() => window.aorlab.setText("asterisk 22\npjsip.conf {\n[alice]\ntype = aor\n\n}\nuntil 1m\n"));
    await page.locator(".cm-content").click();
    await page.keyboard.press("Control+Home");
    for (let i = 0; i < 4; i++) await page.keyboard.press("ArrowDown");
    await page.keyboard.type("max_c");
    const option = page.locator(".cm-tooltip-autocomplete li", { hasText: "max_contacts" });
    await option.first().waitFor({ state: "visible" });
    await option.first().click();
    await page.keyboard.type("3");
    assert.match(await text(page), /^max_contacts = 3$/m);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("completion after `asterisk` offers the registrar's own release list", async () => {
    const { page, context, problems } = await openPage(browser, server.url);
    await ready(page);
    await page.evaluate(() => window.aorlab.setText("title t\n\nuntil 1m\n"));
    await page.locator(".cm-content").click();
    await page.keyboard.press("Control+Home");
    await page.keyboard.press("ArrowDown");
    // The version menu of the quick controls, before typing (the text's own version is added
    // to it when it is not a known release).
    const menu = await page.locator("#control-version option").evaluateAll((os) => os.map((o) => o.value));
    await page.keyboard.type("asterisk 2");
    const offered = page.locator(".cm-tooltip-autocomplete li");
    await offered.first().waitFor({ state: "visible" });
    const labels = await offered.allTextContents();
    // The same values as that menu (one list, from Rust).
    const starting = menu.filter((v) => v.startsWith("2"));
    assert.ok(starting.length >= 3, menu.join(" "));
    for (const v of starting) assert.ok(labels.includes(v), `${v} not offered: ${labels.join(" ")}`);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("a panic inside wasm is shown and the page keeps working", async () => {
    const { page, context } = await openPage(browser, server.url);
    await ready(page);
    const textBefore = await text(page);
    await page.evaluate(() => window.aorlab.panicForTest());
    const failure = page.locator("#failure");
    await failure.waitFor({ state: "visible" });
    assert.match(await failure.innerText(), /Something broke inside the simulation/);
    assert.equal(await text(page), textBefore, "the text is kept");
    assert.ok((await page.evaluate(() => window.aorlab.restarts())) >= 1, "the worker was restarted");
    const before = await runs(page);
    await page.locator("#run").click();
    await nextRun(page, before);
    await failure.waitFor({ state: "hidden" });
    assert.equal(await page.locator("#status").getAttribute("data-state"), "ok");
    await context.close();
  });

  for (const [width, height] of [
    [1440, 900],
    [390, 844],
  ]) {
    for (const scheme of ["light", "dark"]) {
      test(`screenshot ${width} ${scheme}`, async () => {
        const { page, context, problems } = await openPage(browser, server.url, {
          viewport: { width, height },
          colorScheme: scheme,
        });
        await ready(page);
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
        await page.screenshot({ path: screenshotPath(`playground-${width}-${scheme}`) });
        assert.deepEqual(problems, []);
        await context.close();
      });
    }
  }
});
