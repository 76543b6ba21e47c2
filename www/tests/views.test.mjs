// The views (summary, timeline, contacts, ladder, log) on their own test page
// (tests/fixtures/views.html), bundled here with esbuild from src/views.ts and run over the real
// wasm module in www/dist (so `cargo xtask build` must have run).

import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { build } from "esbuild";
import { dist, launchBrowser, openPage, root, screenshotPath, serveDist, www } from "./harness.mjs";

const out = join(dist, "views-test");
const presetsDir = join(root, "crates", "sim", "presets");
const presets = readdirSync(presetsDir)
  .filter((f) => f.endsWith(".aorlab"))
  .map((f) => f.replace(/\.aorlab$/, ""));

async function buildTestPage() {
  mkdirSync(join(out, "presets"), { recursive: true });
  await build({
    entryPoints: [join(www, "tests", "fixtures", "views-entry.ts")],
    bundle: true,
    format: "esm",
    target: "es2022",
    outfile: join(out, "views.js"),
    logLevel: "warning",
  });
  copyFileSync(join(www, "tests", "fixtures", "views.html"), join(out, "index.html"));
  copyFileSync(join(www, "style.css"), join(out, "style.css"));
  for (const p of presets) copyFileSync(join(presetsDir, `${p}.aorlab`), join(out, "presets", `${p}.aorlab`));
}

/** What each preset must show on the timeline: its lesson, as marks. */
const LESSONS = {
  demo: async (page) => {
    assert.ok((await page.locator(".tl-marker.m-rejected").count()) >= 1, "a 403 marker");
    assert.ok((await page.locator(".tl-span.reach-gave-up, .tl-span.reach-unreachable").count()) >= 1);
  },
  "nat-403": async (page) => {
    assert.equal(await page.locator(".tl-marker.m-rejected").count(), 1, "one 403 marker");
    assert.ok((await page.locator('.tl-span.reach-unreachable[data-device="desk"]').count()) >= 1, "desk unreachable");
    assert.equal(await page.locator('.tl-span.reach-gave-up[data-device="desk"]').count(), 1, "desk gave up");
    assert.ok((await page.locator(".tl-marker.m-nat").count()) >= 1, "NAT markers");
    // The lost registration in the summary moves the cursor to where it started.
    await page.locator(".summary-line[data-device=desk] > details > summary").click();
    await page.locator(".summary-jump", { hasText: "from 1:00 to 4:49 (3m 49s) unreachable" }).click();
    assert.equal(await page.evaluate(() => window.views.cursor()), 60_000);
    // The panels redraw on the next frame after the cursor moves: wait for what a person sees.
    await page.locator(".panel-contacts", { hasText: /reaches nobody \(stale\)/ }).waitFor({ timeout: 5_000 });
  },
  "three-phones": async (page) => {
    assert.equal(await page.locator(".tl-binding.end-present").count(), 3);
    assert.equal(await page.locator(".tl-marker.m-dial").count(), 1);
  },
  "remove-existing": async (page) => {
    assert.ok((await page.locator(".tl-binding.end-remove-existing").count()) >= 1);
  },
  "double-max": async (page) => {
    assert.ok((await page.locator(".tl-binding.end-expired").count()) >= 1);
    assert.ok((await page.locator(".tl-count .tl-max-line").count()) >= 1);
  },
  "tcp-drop": async (page) => {
    assert.equal(await page.locator(".tl-binding.end-connection-closed").count(), 1);
    assert.ok((await page.locator(".tl-marker.m-connection").count()) >= 1);
    assert.ok((await page.locator(".tl-marker.m-rejected").count()) >= 1);
  },
  restart: async (page) => {
    assert.equal(await page.locator(".tl-binding.end-pruned-at-boot").count(), 1);
    assert.equal(await page.locator(".tl-marker.m-asterisk").count(), 2);
  },
  "old-remove-existing": async (page) => {
    assert.ok((await page.locator(".tl-binding.end-remove-existing").count()) >= 2);
  },
  "max-contacts-zero": async (page) => {
    assert.ok((await page.locator(".tl-marker.m-rejected").count()) >= 1);
    assert.equal(await page.locator(".tl-binding").count(), 0);
  },
  "remove-unavailable": async (page) => {
    assert.equal(await page.locator(".tl-binding.end-remove-unavailable").count(), 1);
    assert.ok((await page.locator(".tl-marker.m-qualify").count()) >= 1);
  },
  "ring-order": async (page) => {
    assert.equal(await page.locator(".tl-marker.m-dial").count(), 2);
  },
  "qualify-nat": async (page) => {
    // The NAT forgets lobby's mapping (a marker of its own), never desk's: qualify answers refresh it.
    assert.ok((await page.locator(".tl-marker.m-nat-forgot").count()) >= 1, "a NAT-forgot marker");
    assert.ok((await page.locator('.tl-span.reach-unreachable[data-device="lobby"]').count()) >= 1);
    assert.equal(await page.locator('.tl-span.reach-unreachable[data-device="desk"]').count(), 0);
  },
  keepalives: async (page) => {
    assert.ok((await page.locator(".tl-marker.m-nat-forgot").count()) >= 1);
    assert.equal(await page.locator('.tl-span.reach-unreachable[data-device="stun"]').count(), 1);
    assert.equal(await page.locator('.tl-span.reach-unreachable[data-device="crlf"]').count(), 1);
  },
  "tcp-nat-idle": async (page) => {
    assert.ok((await page.locator(".tl-marker.m-nat-forgot").count()) >= 1);
    assert.ok((await page.locator('.tl-span.reach-unreachable[data-device="quiet"]').count()) >= 1);
    assert.equal(await page.locator('.tl-span.reach-unreachable[data-device="crlf"]').count(), 0);
    assert.equal(await page.locator('.tl-span.reach-unreachable[data-device="both"]').count(), 0);
  },
};

describe("views", () => {
  let server;
  let browser;

  before(async () => {
    await buildTestPage();
    server = await serveDist();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(query, options) {
    const opened = await openPage(browser, `${server.url}views-test/?${query}`, options);
    await opened.page.locator("body[data-ready=true]").waitFor({ timeout: 15_000 });
    return opened;
  }

  test("every preset has a lesson check", () => {
    assert.deepEqual([...presets].sort(), Object.keys(LESSONS).sort());
  });

  for (const name of presets) {
    test(`preset ${name}: its lesson is visible`, async () => {
      const { page, context, problems } = await open(`preset=${name}`);
      const trace = await page.evaluate(() => window.trace);
      await page.locator(".summary-title", { hasText: trace.title }).waitFor({ state: "visible" });
      await page.locator(".lesson", { hasText: trace.lesson }).waitFor({ state: "visible" });
      for (const line of trace.summary) {
        await page.locator(".summary-line", { hasText: line }).waitFor({ state: "visible" });
      }
      assert.equal(await page.locator(".tl-binding").count(), trace.bindings.length);
      await LESSONS[name]?.(page);
      assert.deepEqual(problems, []);
      await context.close();
    });
  }

  test("scrubbing the cursor changes the contacts table", async () => {
    const { page, context, problems } = await open("preset=three-phones");
    const rows = page.locator(".panel-contacts table.contacts tbody tr");
    await page.evaluate(() => window.views.setCursor(1000));
    await page.waitForFunction(() => document.querySelectorAll(".panel-contacts tbody tr").length === 1);
    assert.match(await rows.first().innerText(), /reaches home/);
    await page.evaluate(() => window.views.setCursor(120_000));
    await page.waitForFunction(() => document.querySelectorAll(".panel-contacts tbody tr").length === 3);
    assert.match(await page.locator(".rings").innerText(), /home.*office.*mobile|would ring/s);

    // Dragging on the timeline moves the cursor; the table follows.
    await page.evaluate(() => window.views.setCursor(0));
    const box = await page.locator(".tl-svg").boundingBox();
    await page.mouse.move(box.x + box.width * 0.15, box.y + 10);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.25, box.y + 10, { steps: 4 });
    await page.mouse.up();
    const cursor = await page.evaluate(() => window.views.cursor());
    assert.ok(cursor > 120_000 && cursor < 590_000, `cursor moved to ${cursor}`);
    await page.waitForFunction(() => document.querySelectorAll(".panel-contacts tbody tr").length === 3);
    assert.match(await page.locator(".tl-readout").innerText(), /^\d+:\d\d \/ 30:00$/);

    // Keys: Home, then → jumps to the next event.
    await page.locator(".tl-frame").focus();
    await page.keyboard.press("Home");
    assert.equal(await page.evaluate(() => window.views.cursor()), 0);
    await page.keyboard.press("ArrowRight");
    const next = await page.evaluate(() => window.views.cursor());
    assert.ok(next > 0 && next <= 2020, `next event at ${next}`);
    const events = await page.evaluate(() => window.viewEvents);
    assert.ok(events.includes(`cursor ${next}`), "onCursor was called");
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("clicking a ladder message shows its SIP text", async () => {
    const { page, context, problems } = await open("preset=nat-403&panel=ladder");
    await page.evaluate(() => window.views.setCursor(289_060));
    await page.locator(".panel-ladder .msg").first().waitFor({ state: "visible" });
    const heads = await page.locator(".ladder-col").allInnerTexts();
    assert.deepEqual(heads, ["desk", "soft", "NAT home", "Asterisk"]);
    // A REGISTER's label carries its Expires (the record's typed field), the same number as
    // the header in its text.
    const register = page.locator(".panel-ladder .msg", { hasText: /REGISTER \(Expires \d+\)/ }).first();
    const labelled = /REGISTER \(Expires (\d+)\)/.exec(await register.innerText())[1];
    await register.click();
    assert.match(await page.locator(".sip-text").innerText(), new RegExp(`^Expires: ${labelled}$`, "m"));
    const forbidden = page.locator(".panel-ladder .msg", { hasText: "403 Forbidden" });
    await forbidden.click();
    const text = await page.locator(".sip-text").innerText();
    assert.match(text, /^SIP\/2\.0 403 Forbidden/);
    // The same record is selected in the log.
    await page.locator(".tab", { hasText: "Event log" }).click();
    assert.equal(await page.evaluate(() => window.views.panel()), "log");
    await page.locator(".panel-log .event.selected").first().waitFor({ state: "visible" });
    const events = await page.evaluate(() => window.viewEvents);
    assert.ok(events.includes("panel log"), "onPanel was called");
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("clicking a binding selects it in the log; zoom, fit and play", async () => {
    const { page, context, problems } = await open("preset=tcp-drop&panel=log");
    const closed = page.locator(".tl-binding.end-connection-closed");
    await closed.hover();
    await page.locator(".tl-tooltip", { hasText: "connection closed" }).waitFor({ state: "visible" });
    await closed.click();
    const selected = await page.locator(".panel-log .event.selected").allInnerTexts();
    assert.ok(selected.length >= 2, "the binding's added and removed records are selected");
    assert.ok(selected.some((t) => /binding removed/.test(t)), selected.join("\n"));
    await page.locator(".tl-binding.end-connection-closed.selected").waitFor();

    const ticks = () => page.locator(".tl-tick").evaluateAll((ts) => ts.map((t) => t.textContent).join(" "));
    const before = await ticks();
    await page.getByRole("button", { name: "Zoom in" }).click();
    await page.getByRole("button", { name: "Zoom in" }).click();
    const zoomed = await ticks();
    assert.notEqual(zoomed, before, "zooming changes the axis");
    await page.getByRole("button", { name: "Show later" }).click();
    assert.notEqual(await ticks(), zoomed, "panning moves the axis");
    await page.getByRole("button", { name: "Fit the whole run" }).click();
    assert.equal(await ticks(), before, "fit shows the whole run again");

    await page.evaluate(() => window.views.setCursor(0));
    await page.locator(".tl-speed select").selectOption("600");
    await page.getByRole("button", { name: "Play" }).click();
    await page.waitForTimeout(400);
    await page.getByRole("button", { name: "Pause" }).click();
    const at = await page.evaluate(() => window.views.cursor());
    assert.ok(at > 60_000, `playing at 600× moved the cursor to ${at}`);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("the log filters by device, and a record moves the cursor", async () => {
    const { page, context, problems } = await open("preset=nat-403&panel=log");
    const all = await page.locator(".panel-log .event").count();
    await page.locator(".f-device select").selectOption("desk");
    const filtered = await page.locator(".panel-log .event").count();
    assert.ok(filtered > 0 && filtered < all, `${filtered} of ${all}`);
    const idx = await page.locator(".panel-log .event").evaluateAll((items) => items.map((li) => Number(li.dataset.record)));
    const ok = await page.evaluate(
      (idx) => idx.every((i) => window.trace.records[i].devices.includes("desk") || window.trace.records[i].actor === "desk"),
      idx,
    );
    assert.ok(ok, "every shown record concerns desk");
    await page.locator(".f-kind select").selectOption("change");
    await page.locator(".panel-log .event.rejected .log", { hasText: "will exceed max contacts" }).waitFor();
    await page.locator(".panel-log .event.rejected .at").click();
    assert.equal(await page.evaluate(() => window.views.cursor()), 289_060);
    await page.locator(".panel-log .event.current.rejected").waitFor();
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("screenshots: 1440 and 390 wide, light and dark", async () => {
    for (const [w, h] of [
      [1440, 900],
      [390, 844],
    ]) {
      for (const scheme of ["light", "dark"]) {
        const { page, context, problems } = await open("preset=nat-403", {
          viewport: { width: w, height: h },
          colorScheme: scheme,
        });
        await page.evaluate(() => window.views.setCursor(289_060));
        await page.waitForTimeout(50);
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        assert.ok(overflow <= 0, `${w}px ${scheme}: the page is ${overflow}px wider than the screen`);
        await page.screenshot({ path: screenshotPath(`views-${w}-${scheme}`) });
        await page.screenshot({ path: screenshotPath(`views-${w}-${scheme}-full`), fullPage: true });
        if (scheme === "light") {
          // The other two panels, for a look.
          await page.evaluate(() => window.views.setPanel("ladder"));
          await page.locator(".panel-ladder .msg", { hasText: "403 Forbidden" }).click();
          await page.locator(".views-panels").screenshot({ path: screenshotPath(`views-${w}-ladder`) });
          await page.evaluate(() => window.views.setPanel("log"));
          await page.locator(".views-panels").screenshot({ path: screenshotPath(`views-${w}-log`) });
        }
        assert.deepEqual(problems, []);
        await context.close();
      }
    }
  });

  test("compact mode: summary, timeline and one panel", async () => {
    const { page, context, problems } = await open("preset=restart&compact=1&panel=log", {
      viewport: { width: 700, height: 600 },
    });
    assert.equal(await page.locator(".tabs").isVisible(), false);
    assert.equal(await page.locator(".panel-log").isVisible(), true);
    assert.equal(await page.locator(".panel-contacts").isVisible(), false);
    await page.locator(".summary-title").waitFor({ state: "visible" });
    await page.locator(".tl-binding.end-pruned-at-boot").waitFor({ state: "visible" });
    await page.evaluate(() => window.views.setPanel("contacts"));
    assert.equal(await page.locator(".panel-contacts").isVisible(), true);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("data-theme overrides the system theme", async () => {
    const { page, context } = await open("preset=demo&theme=dark", { colorScheme: "light" });
    const dark = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.evaluate(() => (document.documentElement.dataset.theme = "light"));
    const light = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.notEqual(dark, light);
    await context.close();
  });
});
