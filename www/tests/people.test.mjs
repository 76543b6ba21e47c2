// The page as people really use it (issue 12): an admin's own pjsip.conf with templates, the
// keyboard (Tab, arrows), the mouse wheel, typing the way people type, diagnostics that lead to
// the cause, and a documentation page with embeds. Each test does what the person did and
// checks what they see. Screenshots: controls-templates.png, docs-example-{700,360}[-full].png,
// embed-360.png, diagnostics-grouped.png, timeline-tooltip.png.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { loadPreset, nextRun, openPage, ready, runs, screenshotPath, startServedBrowser, stopServedBrowser, text } from "./harness.mjs";

/** Replaces the text and waits for its run. */
async function load(page, scenario) {
  const before = await runs(page);
  await page.evaluate((t) => window.aorlab.setText(t), scenario);
  await page.evaluate(() => window.aorlab.run());
  await nextRun(page, before);
}
const editorFocused = (page) =>
  page.evaluate(() => !!document.activeElement?.closest(".cm-editor"));

/** A site written the way real pjsip.conf files are: everything through templates. */
const TEMPLATED = `asterisk 22
pjsip.conf {
[aor-tpl](!)
type = aor
max_contacts = 1

[ep-tpl](!)
type = endpoint
rewrite_contact = yes

[101](aor-tpl)
[102](aor-tpl)
[103](aor-tpl)

[101](ep-tpl)
aors = 101
[102](ep-tpl)
aors = 102
[103](ep-tpl)
aors = 103
}
device desk 101 udp 192.168.1.10:5060 expires 300
device soft 101 udp 192.168.1.11:5062 expires 300
at 0s register desk
at 5s register soft
until 2m
`;

/** A typo in a template read by three AORs whose endpoints then name refused AORs. */
const TEMPLATE_TYPO = TEMPLATED.replace("max_contacts = 1", "max_contact = 1");

describe("the page as people use it", () => {
  let server;
  let browser;
  before(async () => ({ server, browser } = await startServedBrowser()));
  after(() => stopServedBrowser({ server, browser }));

  test("1. quick controls on a templated pjsip.conf say where values come from and edit there", async () => {
    const { page, context, problems } = await openPage(browser, server.url);
    await ready(page);
    await load(page, TEMPLATED);
    const summary = page.locator("#views [aria-label=Summary]");
    // max_contacts 1 from the template: the second phone of AOR 101 is refused (403).
    assert.match(await summary.innerText(), /soft\b.*\b[1-9]\d* × 403/);
    const source = (id) => page.locator(`#control-${id}-source`).innerText();
    assert.equal(await source("101-max_contacts"), "from template aor-tpl · line 5");
    assert.equal(await source("101-remove_existing"), "default");
    assert.equal(await source("102-rewrite_contact"), "from template ep-tpl · line 9");

    // Tick remove_existing for AOR 101: an override in [101] only, said on screen, and the 403 goes.
    let before = await runs(page);
    await page.locator("#control-101-remove_existing").check();
    await nextRun(page, before);
    assert.match(await text(page), /^\[101\]\(aor-tpl\)\nremove_existing = yes\n\[102\]/m);
    assert.match(await page.locator("#controls-said").innerText(), /remove_existing = yes set in \[101\] \(line 12\)/);
    assert.equal(await source("101-remove_existing"), "set here · line 12");
    assert.equal(await source("102-remove_existing"), "default", "102 is untouched");
    assert.doesNotMatch(await summary.innerText(), /\b[1-9]\d* × 403/, "remove_existing evicts instead");

    // Untick rewrite_contact for endpoint 102: overrides the template for 102 only.
    before = await runs(page);
    await page.locator("#control-102-rewrite_contact").uncheck();
    await nextRun(page, before);
    assert.match(await text(page), /^\[102\]\(ep-tpl\)\nrewrite_contact = no\naors = 102$/m);
    assert.match(await page.locator("#controls-said").innerText(), /overriding template ep-tpl for \[102\] only/);
    assert.equal(await page.locator("#control-101-rewrite_contact").isChecked(), true);

    // max_contacts for 103, choosing the template: every user changes, and the page says so.
    await page.locator("#target-103-aor-aor-tpl").check();
    before = await runs(page);
    await page.locator("#control-103-max_contacts").fill("3");
    await page.locator("#control-103-max_contacts").press("Enter");
    await nextRun(page, before);
    assert.match(await text(page), /^\[aor-tpl\]\(!\)\ntype = aor\nmax_contacts = 3$/m);
    assert.match(
      await page.locator("#controls-said").innerText(),
      /max_contacts = 3 changed in template aor-tpl \(line 5\): affects 3 sections \(\[101\], \[102\], \[103\]\)/,
    );
    for (const n of ["101", "102", "103"]) {
      assert.equal(await page.locator(`#control-${n}-max_contacts`).inputValue(), "3", `AOR ${n}`);
    }
    // The choice stays after the re-render.
    assert.equal(await page.locator("#target-103-aor-aor-tpl").isChecked(), true);
    await page.locator(".quick").screenshot({ path: screenshotPath("controls-templates") });
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("2. the wheel over the timeline scrolls the page; Ctrl+wheel and the buttons zoom", async () => {
    const { page, context, problems } = await openPage(browser, server.url, { viewport: { width: 1440, height: 700 } });
    await ready(page);
    const frame = page.locator(".views .tl-frame").first();
    await frame.scrollIntoViewIfNeeded();
    const viewBefore = await frame.getAttribute("data-view");
    const box = await frame.boundingBox();
    await page.mouse.move(box.x + box.width * 0.6, box.y + Math.min(40, box.height / 2));
    const y0 = await page.evaluate(() => window.scrollY);
    await page.mouse.wheel(0, 300);
    await page.waitForFunction((y) => window.scrollY > y, y0, { timeout: 5000 });
    assert.equal(await frame.getAttribute("data-view"), viewBefore, "plain wheel does not zoom");
    const y1 = await page.evaluate(() => window.scrollY);
    await page.mouse.wheel(0, -200);
    await page.waitForFunction((y) => window.scrollY < y, y1, { timeout: 5000 });
    assert.equal(await frame.getAttribute("data-view"), viewBefore, "wheel up does not zoom either");

    // Ctrl+wheel zooms around the pointer and leaves the page where it is.
    const fb = await frame.boundingBox();
    await page.mouse.move(fb.x + fb.width * 0.6, fb.y + Math.min(40, fb.height / 2));
    const y2 = await page.evaluate(() => window.scrollY);
    await page.keyboard.down("Control");
    await page.mouse.wheel(0, -100);
    await page.keyboard.up("Control");
    await page.waitForFunction((v) => document.querySelector(".views .tl-frame").dataset.view !== v, viewBefore);
    const [a, b] = (await frame.getAttribute("data-view")).split("-").map(Number);
    const [a0, b0] = viewBefore.split("-").map(Number);
    assert.ok(b - a < b0 - a0, `zoomed in: ${a}-${b} from ${a0}-${b0}`);
    assert.equal(await page.evaluate(() => window.scrollY), y2);
    // The Fit button brings the whole run back.
    await page.getByRole("button", { name: "Fit the whole run" }).first().click();
    assert.equal(await frame.getAttribute("data-view"), viewBefore);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("2c. a two-finger pinch on a touch screen zooms the timeline", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
    const page = await context.newPage();
    const problems = [];
    page.on("pageerror", (e) => problems.push(e.message));
    await page.goto(server.url, { timeout: 30_000 });
    await ready(page);
    const frame = page.locator(".views .tl-frame").first();
    await frame.scrollIntoViewIfNeeded();
    const before = await frame.getAttribute("data-view");
    const box = await page.locator(".views .tl-svg").first().boundingBox();
    const cdp = await context.newCDPSession(page);
    const y = box.y + Math.min(60, box.height / 2);
    const mid = box.x + box.width * 0.65;
    const points = (d) => [
      { x: mid - d, y, id: 1 },
      { x: mid + d, y, id: 2 },
    ];
    await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: points(20) });
    for (const d of [30, 45, 60, 80]) {
      await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: points(d) });
    }
    await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
    const [a, b] = (await frame.getAttribute("data-view")).split("-").map(Number);
    const [a0, b0] = before.split("-").map(Number);
    assert.ok(b - a < (b0 - a0) / 2, `pinched open: ${a}-${b} from ${a0}-${b0}`);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("2b. the wheel over an embedded timeline scrolls the documentation page", async () => {
    const { page, context, problems } = await openPage(browser, "about:blank", { viewport: { width: 700, height: 700 } });
    await page.goto(`${server.url}docs-example.html`, { waitUntil: "domcontentloaded", timeout: 30_000 });
    const inside = page.frameLocator("#embed-nat-403");
    await inside.locator("body[data-ready=true]").waitFor({ timeout: 45_000 });
    const tl = inside.locator(".tl-frame").first();
    await tl.scrollIntoViewIfNeeded();
    const box = await tl.boundingBox();
    await page.mouse.move(box.x + box.width * 0.6, box.y + Math.min(30, box.height / 2));
    const view = await tl.getAttribute("data-view");
    const y0 = await page.evaluate(() => window.scrollY);
    await page.mouse.wheel(0, 300);
    await page.waitForFunction((y) => window.scrollY > y, y0, { timeout: 5000 });
    assert.equal(await tl.getAttribute("data-view"), view);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("3. Tab leaves the editor; the Presets menu works with arrows; focus lands in the editor", async () => {
    const { page, context, problems } = await openPage(browser, server.url);
    await ready(page);
    const original = await text(page);
    await page.locator(".cm-content").click();
    await page.keyboard.press("Control+Home");
    await page.keyboard.press("Tab");
    assert.equal(await editorFocused(page), false, "Tab moved focus out of the editor");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "opt-wrap");
    assert.equal(await text(page), original, "and indented nothing");
    await page.keyboard.press("Shift+Tab");
    assert.equal(await editorFocused(page), true, "Shift+Tab comes back");
    await page.keyboard.press("Shift+Tab");
    assert.equal(await editorFocused(page), false, "Shift+Tab leaves backwards");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "run");

    // "Tab key indents": Tab indents; Esc then Tab still leaves.
    await page.locator("#opt-tab").check();
    await page.locator(".cm-content").click();
    await page.keyboard.press("Control+Home");
    await page.keyboard.press("Tab");
    assert.equal(await editorFocused(page), true);
    assert.match(await text(page), /^\s+\S/, "indented");
    await page.keyboard.press("Escape");
    await page.keyboard.press("Tab");
    assert.equal(await editorFocused(page), false, "Esc, Tab leaves");
    await page.locator("#opt-tab").uncheck();

    // The Presets menu from the keyboard: Down opens it on the first preset, arrows move, Enter loads.
    await page.locator("#presets > summary").focus();
    await page.keyboard.press("ArrowDown");
    assert.equal(await page.locator("#presets").evaluate((d) => d.open), true);
    const focusedPreset = () => page.evaluate(() => document.activeElement?.dataset?.preset ?? null);
    const names = await page.locator("button.preset").evaluateAll((bs) => bs.map((b) => b.dataset.preset));
    assert.equal(await focusedPreset(), names[0]);
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowDown");
    assert.equal(await focusedPreset(), names[2]);
    await page.keyboard.press("ArrowUp");
    assert.equal(await focusedPreset(), names[1]);
    await page.keyboard.press("End");
    assert.equal(await focusedPreset(), names.at(-1));
    await page.keyboard.press("Home");
    await page.keyboard.press("ArrowDown");
    const before = await runs(page);
    await page.keyboard.press("Enter");
    await nextRun(page, before);
    assert.equal(await page.locator("#presets").evaluate((d) => d.open), false);
    assert.equal(await editorFocused(page), true, "focus is in the editor after loading");
    const head = await page.evaluate(() => document.querySelector(".cm-activeLineGutter")?.textContent);
    assert.equal(head, "1", "at the top of the new text");
    assert.match(await page.locator("#notice").innerText(), /Loaded the preset/);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("4. typing a block with its own } and an option after a completion leaves no stray text", async () => {
    const { page, context, problems } = await openPage(browser, server.url);
    await ready(page);
    await load(page, "asterisk 22\n");
    await page.locator(".cm-content").click();
    await page.keyboard.press("Control+End");
    const before = await runs(page);
    await page.keyboard.type("pjsip.conf {\n[alice]\ntype = aor\nmax_contacts = 1\n", { delay: 10 });
    // An option picked from the list, then " = 60" typed as people do anyway.
    await page.keyboard.type("qualify_freq", { delay: 10 });
    const option = page.locator(".cm-tooltip-autocomplete li", { hasText: "qualify_frequency" });
    await option.first().waitFor({ state: "visible" });
    // A person reads the list before picking; CodeMirror ignores an Enter within 75 ms of the
    // list opening (interactionDelay) so that a list popping up can't steal a fast Enter.
    await page.waitForTimeout(200);
    await page.keyboard.press("Enter");
    await page.keyboard.type(" = 60\n", { delay: 10 });
    await page.keyboard.type("[alice]\ntype = endpoint\naors = alice\n}\n", { delay: 10 });
    await page.keyboard.type("device desk alice udp 10.0.0.1:5060 expires 60\nat 0s register desk\nuntil 5m\n", {
      delay: 10,
    });
    await page.waitForFunction((n) => Number(document.body.dataset.runs) > n && document.querySelector("#status")?.dataset.state === "ok", before, { timeout: 15_000 });
    const typed = await text(page);
    assert.equal(
      typed,
      "asterisk 22\npjsip.conf {\n[alice]\ntype = aor\nmax_contacts = 1\nqualify_frequency = 60\n[alice]\ntype = endpoint\naors = alice\n}\ndevice desk alice udp 10.0.0.1:5060 expires 60\nat 0s register desk\nuntil 5m\n",
    );
    assert.equal(await page.locator("#diagnostics").isHidden(), true);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("5. a template typo is one diagnostic with its follow-ons; names are underlined where they are", async () => {
    const { page, context, problems } = await openPage(browser, server.url);
    await ready(page);
    await load(page, TEMPLATE_TYPO);
    const top = page.locator("#diagnostics > ul > li.diagnostic");
    const typoLine = TEMPLATE_TYPO.split("\n").indexOf("max_contact = 1") + 1;
    const first = top.filter({ hasText: "named 'max_contact'" });
    assert.equal(await first.count(), 1);
    assert.equal(await first.locator(":scope > .place").innerText(), `${typoLine}:1`);
    assert.match(await first.locator(":scope > .hint").innerText(), /did you mean 'max_contacts'\?/);
    const more = first.locator("details.follow-ons");
    assert.equal(await more.locator("summary").innerText(), "and 8 more caused by this");
    assert.equal(await top.count(), 1, "nothing else is listed beside it");
    await more.locator("summary").click();
    assert.equal(await more.locator("li.diagnostic").count(), 8);
    assert.equal(await more.locator("li.diagnostic", { hasText: "lists AOR" }).count(), 3);
    await page.locator(".scenario").screenshot({ path: screenshotPath("diagnostics-grouped") });

    // A misspelt device in an action: the place is the name's column.
    await load(page, TEMPLATED.replace("at 5s register soft", "at 5s register soft mob104"));
    const line = TEMPLATED.split("\n").indexOf("at 5s register soft") + 1;
    const item = page.locator("#diagnostics li.diagnostic", { hasText: "no device named 'mob104'" });
    assert.equal(await item.locator(".place").innerText(), `${line}:21`);
    await item.locator(".place").click();
    const at = await page.evaluate(() => {
      const view = document.querySelector(".cm-content").cmView?.view;
      return view ? view.state.selection.main.head - view.state.doc.lineAt(view.state.selection.main.head).from : null;
    });
    if (at !== null) assert.equal(at, 20);
    assert.deepEqual(problems, []);
    await context.close();
  });

  for (const width of [700, 360]) {
    test(`6. the documentation page at ${width} px: frames show everything; Open in aorlab opens`, async () => {
      const { page, context, problems } = await openPage(browser, "about:blank", { viewport: { width, height: 800 } });
      await page.goto(`${server.url}docs-example.html`, { waitUntil: "domcontentloaded", timeout: 30_000 });
      for (const id of ["embed-nat-403", "embed-remove-existing"]) {
        const frame = page.locator(`#${id}`);
        assert.equal(await frame.getAttribute("sandbox"), "allow-scripts allow-popups allow-popups-to-escape-sandbox");
        await frame.scrollIntoViewIfNeeded();
        const inside = page.frameLocator(`#${id}`);
        await inside.locator("body[data-ready=true]").waitFor({ timeout: 45_000 });
        // Sized from the height message, in full: nothing inside is cut off.
        await page.waitForFunction(
          (i) => {
            const f = document.getElementById(i);
            return f && Number(f.dataset.postedHeight) > 0 && Math.abs(f.getBoundingClientRect().height - Number(f.dataset.postedHeight)) < 4;
          },
          id,
          { timeout: 10_000 },
        );
        const [frameHeight, content] = await Promise.all([
          frame.evaluate((f) => f.clientHeight),
          inside.locator("body").evaluate(() => document.documentElement.scrollHeight),
        ]);
        assert.ok(content <= frameHeight + 2, `${id}: content ${content}px in a ${frameHeight}px frame`);
        if (id === "embed-nat-403") assert.ok(frameHeight > 760, `${id} is ${frameHeight}px tall: not capped`);
      }
      // "Open in aorlab ↗" inside the sandboxed frame opens the playground with the scenario.
      // The outer page is scrolled to the frame first, as a reader does: a sandboxed frame is
      // cross-origin, and Chromium stops painting one that is off screen, so a click into it
      // waits for a stable element that never comes (CI saw no popup once). Clicked before the
      // screenshots, whose full-page capture resizes the viewport under the frames.
      await page.evaluate(() => window.scrollTo(0, document.getElementById("embed-nat-403").offsetTop - 120));
      const link = page.frameLocator("#embed-nat-403").locator("#open-full");
      await link.evaluate((a) => new Promise((done, fail) => {
        const until = Date.now() + 15_000;
        const check = () => {
          if (a.href.includes("#v1.")) done();
          else if (Date.now() > until) fail(new Error(`the link still points at ${a.href}`));
          else setTimeout(check, 50);
        };
        check();
      }));
      const [opened] = await Promise.all([context.waitForEvent("page", { timeout: 30_000 }), link.click()]);
      await opened.waitForLoadState("domcontentloaded");
      await opened.locator("body[data-ready=true]").waitFor({ timeout: 30_000 });
      assert.match(await opened.evaluate(() => window.aorlab.text()), /rewrite_contact/);
      assert.match(opened.url(), /\/#v1\./);
      await opened.close();

      await page.evaluate(() => window.scrollTo(0, document.getElementById("embed-nat-403").offsetTop - 120));
      await page.waitForTimeout(200);
      await page.screenshot({ path: screenshotPath(`docs-example-${width}`) });
      await page.screenshot({ path: screenshotPath(`docs-example-${width}-full`), fullPage: true });
      assert.deepEqual(problems.filter((p) => !/favicon/.test(p)), []);
      await context.close();
    });
  }

  test("7a. embed autoplay: the button says Pause while playing", async () => {
    const { page, context, problems } = await openPage(browser, `${server.url}embed.html?autoplay=1&t=0#${await presetFragment(browser, server, "nat-403")}`);
    await ready(page);
    const play = page.locator(".tl-play");
    await page.waitForFunction(() => window.aorlab.cursor() > 0);
    assert.equal((await play.innerText()).trim(), "❚❚ Pause");
    await play.click();
    assert.equal((await play.innerText()).trim(), "▶ Play");
    const stopped = await page.evaluate(() => window.aorlab.cursor());
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => window.aorlab.cursor()), stopped, "paused");
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("7b. Copy embed code keeps the cursor time, like Copy link", async () => {
    const { page, context, problems } = await openPage(browser, server.url);
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    await ready(page);
    await page.evaluate(() => window.aorlab.views().setCursor(42_000));
    await page.locator("#copy-embed").click();
    await page.locator("#share-done").getByText(/Embed code copied/).waitFor();
    const code = await page.locator("#share-url").inputValue();
    assert.match(code, /sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox"/);
    const src = /src="([^"]+)"/.exec(code)[1].replace(/&amp;/g, "&");
    const embed = await openPage(browser, src);
    await ready(embed.page);
    assert.equal(await embed.page.evaluate(() => window.aorlab.cursor()), 42_000);
    assert.deepEqual(embed.problems, []);
    await embed.context.close();
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("7c. the binding tooltip does not cover the neighbouring lanes", async () => {
    const { page, context, problems } = await openPage(browser, server.url);
    await ready(page);
    await loadPreset(page, "nat-403");
    const lanes = page.locator(".views .tl-svg [data-tip]");
    assert.ok((await page.locator(".views .tl-svg [data-binding]").count()) >= 2, "nat-403 has two bindings");
    const lane = await page.locator(".views .tl-svg [data-binding]").nth(0).boundingBox();
    await page.mouse.move(lane.x + Math.min(lane.width / 2, 40), lane.y + lane.height / 2);
    const tip = page.locator(".views .tl-tooltip");
    await tip.waitFor({ state: "visible" });
    const t = await tip.boundingBox();
    const boxes = await lanes.evaluateAll((ls) => ls.map((l) => l.getBoundingClientRect().toJSON()));
    for (const b of boxes) {
      const overlap = t.x < b.right && t.x + t.width > b.left && t.y < b.bottom && t.y + t.height > b.top;
      assert.ok(!overlap, `the tooltip ${JSON.stringify(t)} covers a lane ${JSON.stringify(b)}`);
    }
    assert.ok((await tip.innerText()).length > 5);
    await page.locator(".views-timeline").screenshot({ path: screenshotPath("timeline-tooltip") });
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("7d. at 360 px the embed header keeps the title on one line", async () => {
    const fragment = await presetFragment(browser, server, "nat-403");
    const { page, context, problems } = await openPage(browser, `${server.url}embed.html#${fragment}`, {
      viewport: { width: 360, height: 700 },
    });
    await ready(page);
    const title = page.locator("#embed-title");
    const [height, lineHeight] = await title.evaluate((e) => [e.getBoundingClientRect().height, parseFloat(getComputedStyle(e).lineHeight) || 20]);
    assert.ok(height <= lineHeight * 1.3, `the title is ${height}px tall (line ${lineHeight}px)`);
    const bar = await page.locator(".embed-bar").boundingBox();
    assert.ok(bar.height < 60, `the header is ${bar.height}px tall`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${overflow}px too wide`);
    await page.screenshot({ path: screenshotPath("embed-360") });
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("7e. long lines wrap in the editor (and stop wrapping when asked)", async () => {
    const { page, context, problems } = await openPage(browser, server.url);
    await ready(page);
    await loadPreset(page, "nat-403");
    const line = page.locator(".cm-line", { hasText: "keepalive crlf 30s" });
    const visible = async () =>
      line.evaluate((l) => {
        const scroller = l.closest(".cm-scroller").getBoundingClientRect();
        const range = document.createRange();
        range.selectNodeContents(l);
        const rects = [...range.getClientRects()];
        return rects.every((r) => r.right <= scroller.right + 1);
      });
    assert.equal(await visible(), true, "the whole line is visible");
    assert.equal(await page.locator("#opt-wrap").isChecked(), true);
    await page.locator("#opt-wrap").uncheck();
    const overflow = await page.locator(".cm-scroller").evaluate((s) => s.scrollWidth - s.clientWidth);
    assert.ok(overflow > 0, "without wrapping the line runs past the edge");
    await page.reload({ timeout: 30_000 });
    await ready(page);
    assert.equal(await page.locator("#opt-wrap").isChecked(), false, "the choice is remembered");
    await page.locator("#opt-wrap").check();
    assert.deepEqual(problems.filter((p) => !/favicon\.svg net::ERR_ABORTED/.test(p)), []);
    await context.close();
  });

  test("a site's summary reads in a screen: totals, the worst eight, the rest on demand", async () => {
    const { page, context, problems } = await openPage(browser, server.url);
    await ready(page);
    // Twelve phones behind a NAT that forgets idle mappings after 60 s: all of them end up
    // unreachable between refreshes.
    const phones = Array.from({ length: 12 }, (_, i) => `p${String(i + 1).padStart(2, "0")}`);
    const conf = phones.map((p) => `[${p}](ep)\naors = ${p}\n[${p}](aor)\n`).join("\n");
    const devices = phones
      .map((p, i) => `device ${p} ${p} udp 192.168.1.${10 + i}:5060 behind home expires 300`)
      .join("\n");
    await load(
      page,
      `asterisk 22\npjsip.conf {\n[ep](!)\ntype = endpoint\nrewrite_contact = yes\n[aor](!)\ntype = aor\nmax_contacts = 1\n\n${conf}}\nnat home public 203.0.113.7 udp-timeout 60s\n${devices}\nat 0s register ${phones.join(" ")}\nuntil 5m\n`,
    );
    await page.locator(".summary-totals").waitFor();
    assert.match(await page.locator(".summary-totals").innerText(), /^12 of 12 phones had trouble · 12 unreachable, [\dhms ]+ in all · .*\d+ × 403\. The worst 8 first:$/);
    const shown = page.locator(".views-summary .summary-list > li.summary-line");
    assert.equal(await shown.count(), 9, "eight phones and one folded line");
    const more = page.locator(".summary-more > details");
    assert.equal(await more.locator("summary").innerText(), "4 more phones with trouble");
    assert.equal(await more.locator("li.summary-line").count(), 0, "drawn only when opened");
    await more.locator("summary").click();
    await more.locator("li.summary-line").nth(3).waitFor(); // drawn on the toggle event
    assert.equal(await more.locator("li.summary-line").count(), 4);
    assert.deepEqual(problems, []);
    await context.close();
  });
});

/** The share fragment of a preset, made by the page itself (the wasm link codec). */
async function presetFragment(browser, server, name) {
  const { page, context } = await openPage(browser, server.url);
  await ready(page);
  await loadPreset(page, name);
  await page.locator("#copy-link").click();
  const link = await page.locator("#share-url").inputValue();
  await context.close();
  return link.split("#")[1];
}
