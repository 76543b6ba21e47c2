// Shared by the end-to-end tests: serve www/dist, open it in Debian's Chromium.
//
// The server is the real one (`xtask serve --no-build --port 0`) when `cargo xtask test`
// runs us (it sets AORLAB_XTASK); run by hand (`node --test tests/` after `cargo xtask
// build`) a tiny node server over www/dist stands in.

import { execFileSync, spawn } from "node:child_process";
import { createReadStream, existsSync, mkdirSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const www = resolve(here, "..");
export const root = resolve(www, "..");
export const dist = join(www, "dist");

export const screenshotDir =
  process.env.AORLAB_SCREENSHOTS ?? join(root, "target", "screenshots");

const chromiumPath = process.env.AORLAB_CHROMIUM ?? "/usr/bin/chromium";

/** Starts a server over www/dist; resolves to { url, close }. */
export async function serveDist() {
  if (!existsSync(join(dist, "index.html"))) {
    throw new Error("www/dist is empty: run `cargo xtask build` first");
  }
  return process.env.AORLAB_XTASK ? serveWithXtask(process.env.AORLAB_XTASK) : serveWithNode();
}

function serveWithXtask(xtask) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(xtask, ["serve", "--no-build", "--port", "0"], {
      cwd: root,
      stdio: ["pipe", "pipe", "inherit"],
    });
    let seen = "";
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`xtask serve printed no URL within 20 s:\n${seen}`));
    }, 20_000);
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`xtask serve exited (${code}):\n${seen}`)));
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      seen += chunk;
      const match = seen.match(/serving \S+ at (http:\/\/\S+\/)/);
      if (match) {
        clearTimeout(timer);
        resolvePromise({
          url: match[1],
          close: () =>
            new Promise((done) => {
              child.removeAllListeners("exit");
              child.once("exit", () => done());
              child.kill();
            }),
        });
      }
    });
  });
}

const types = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".map": "application/json",
};

function serveWithNode() {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
    let file = join(dist, path);
    if (!file.startsWith(dist)) {
      res.writeHead(403).end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    if (!existsSync(file)) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, {
      "Content-Type": types[extname(file)] ?? "application/octet-stream",
      // As xtask serve: sandboxed embeds (opaque origin) load scripts and wasm with CORS.
      "Access-Control-Allow-Origin": "*",
    });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolvePromise) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      resolvePromise({
        url: `http://127.0.0.1:${port}/`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

/** Launches Debian's Chromium (Playwright cannot download browsers here). */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** The served page and a browser for one describe block (close them with stopServedBrowser). */
export async function startServedBrowser() {
  return { server: await serveDist(), browser: await launchBrowser() };
}

export async function stopServedBrowser({ server, browser }) {
  await browser?.close();
  await server?.close();
}

/** Opens a page that fails the test on any console error or uncaught exception. */
export async function openPage(browser, url, options = {}) {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1440, height: 900 },
    colorScheme: options.colorScheme ?? "light",
    deviceScaleFactor: 1,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const problems = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });
  page.on("requestfailed", (request) => {
    const why = request.failure()?.errorText ?? "";
    // A run superseded by an edit terminates its worker; on a loaded machine that can happen
    // while the new worker's script is still loading, which aborts that load: expected.
    if (/\/worker\.js$/.test(request.url()) && why === "net::ERR_ABORTED") return;
    // Chromium fetches the icon after "load"; a reload or navigation right then cancels it.
    if (/\/favicon\.svg$/.test(request.url()) && why === "net::ERR_ABORTED") return;
    problems.push(`request failed: ${request.url()} ${why}`);
  });
  const responses = [];
  page.on("response", (response) => responses.push(response));
  // A loaded 2-core machine (builds alongside) can take a while to fire "load".
  await page.goto(url, { timeout: options.gotoTimeout ?? 30_000 });
  return { page, context, problems, responses };
}

export function screenshotPath(name) {
  mkdirSync(screenshotDir, { recursive: true });
  return join(screenshotDir, `${name}.png`);
}

// What a person waits for and reads, shared by the page tests.

/** The page (or embed) finished starting. */
export async function ready(page) {
  await page.locator("body[data-ready=true]").waitFor({ timeout: 30_000 });
}

/** The editor's text. */
export const text = (page) => page.evaluate(() => window.aorlab.text());

/** How many runs the playground has finished. */
export const runs = async (page) => Number(await page.locator("body").getAttribute("data-runs"));

/** Waits until the page has finished more runs than `before`. */
export async function nextRun(page, before) {
  await page.waitForFunction((n) => Number(document.body.dataset.runs) > n, before, { timeout: 15_000 });
}

/** Opens the Presets menu and loads one, as a person does; waits for its run. */
export async function loadPreset(page, name) {
  await page.locator("#presets > summary").click();
  const before = await runs(page);
  await page.locator(`button.preset[data-preset="${name}"]`).click();
  await nextRun(page, before);
}

/** `aorlab gen site --phones N --nats M --hours H` (the wasm export the CLI's generator is
 * behind), made in node from www/dist: the text a person would paste. */
export async function siteText(phones, nats, hours) {
  const { readFileSync } = await import("node:fs");
  const glue = await import(join(dist, "pkg", "aorlab_wasm.js"));
  glue.initSync({ module: readFileSync(join(dist, "pkg", "aorlab_wasm_bg.wasm")) });
  return glue.site_scenario(phones, nats, hours);
}

/** Pastes `value` into the editor as a person does: click, select all, Ctrl+V. */
export async function paste(page, value) {
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
  await page.evaluate((t) => navigator.clipboard.writeText(t), value);
  await page.locator(".cm-content").click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.press("ControlOrMeta+v");
}

/** Runs the native `aorlab` (the debug build in the target dir, else `cargo run`); its stdout. */
export function aorlabCli(args) {
  const target = process.env.CARGO_TARGET_DIR ?? join(root, "target");
  const bin = ["debug", "release"].map((p) => join(target, p, process.platform === "win32" ? "aorlab.exe" : "aorlab")).find(existsSync);
  const [cmd, pre] = bin ? [bin, []] : ["cargo", ["run", "-q", "-p", "aorlab", "--"]];
  return execFileSync(cmd, [...pre, ...args], { cwd: root, encoding: "utf8" });
}
