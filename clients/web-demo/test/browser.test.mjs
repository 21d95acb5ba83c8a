// The web demo in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core;
// no browser is downloaded) against a real server: two browser contexts as two users exchange
// messages live with receipts and presence; one goes offline and receives what it missed when
// back; a page reload keeps the unsent outbox (IndexedDB), which then goes out exactly once.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createReadStream, mkdirSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, resolve } from "node:path";
import { after, before, test } from "node:test";

import { chromium } from "playwright-core";

import { OpenChatClient, nodeTransport } from "../../typescript-sdk/dist/src/node.js";
import { Server, freePort, token } from "../../typescript-sdk/dist/test/server.js";

const DIST = resolve(import.meta.dirname, "../dist");
const SHOTS = resolve(import.meta.dirname, "../test-results");
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const WAIT = 20_000;
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".map": "application/json" };

let server;
let pages;
let browser;
let pageUrl;

function serveStatic(port) {
  const http = createServer((request, response) => {
    const path = new URL(request.url, "http://x").pathname;
    const file = join(DIST, path === "/" ? "index.html" : path);
    response.setHeader("content-type", TYPES[extname(file)] ?? "application/octet-stream");
    createReadStream(file)
      .on("error", () => response.writeHead(404).end())
      .pipe(response);
  });
  return new Promise((done) => http.listen(port, "127.0.0.1", () => done(http)));
}

before(async () => {
  const pagePort = await freePort();
  pageUrl = `http://127.0.0.1:${pagePort}`;
  server = await Server.start({
    OPENCHAT_WEB_ALLOWED_ORIGINS: pageUrl,
    OPENCHAT_HEARTBEAT_INTERVAL: "1",
    OPENCHAT_HEARTBEAT_TIMEOUT: "3",
  });
  pages = await serveStatic(pagePort);
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_FLAGS });
  mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  pages?.close();
  await server?.stop();
});

async function signIn(userId) {
  const context = await browser.newContext({ viewport: { width: 900, height: 520 } });
  const page = await context.newPage();
  page.on("pageerror", (error) => console.error(`[${userId}] page error:`, error));
  await page.goto(`${pageUrl}/?server=${encodeURIComponent(server.baseUrl)}`);
  await page.fill("#token", token(userId));
  await page.click("#signin-button");
  await page.locator("#connection", { hasText: "online" }).waitFor({ timeout: WAIT });
  return { context, page };
}

async function open(page, conversationId) {
  await page.locator(`.conversation[data-id="${conversationId}"]`).click({ timeout: WAIT });
}

function bubble(page, text) {
  return page.locator(`#messages li[data-text="${text}"]`);
}

test("two users chat live in Chromium, across a network loss and a page reload", async () => {
  const alice = `alice-${randomUUID().slice(0, 6)}`;
  const bob = `bob-${randomUUID().slice(0, 6)}`;
  const setup = new OpenChatClient({ transport: nodeTransport(server.baseUrl), token: token(alice), deviceId: "setup", live: false });
  await setup.start();
  const group = await setup.createGroup("Team", [bob]);
  await setup.close();

  const a = await signIn(alice);
  const b = await signIn(bob);
  await open(a.page, group.conversationId);
  await open(b.page, group.conversationId);

  // Live, both ways, with presence and receipts.
  await a.page.locator(`#presence [data-user="${bob}"]`, { hasText: "online" }).waitFor({ timeout: WAIT });
  await a.page.fill("#text", "hello bob");
  await a.page.click("#send");
  await bubble(b.page, "hello bob").waitFor({ timeout: WAIT });
  await b.page.fill("#text", "hi alice");
  await b.page.click("#send");
  await bubble(a.page, "hi alice").waitFor({ timeout: WAIT });
  await a.page.locator('#messages li[data-text="hello bob"][data-status="read"]').waitFor({ timeout: WAIT });
  await a.page.screenshot({ path: join(SHOTS, "web-alice.png") });
  await b.page.screenshot({ path: join(SHOTS, "web-bob.png") });

  // Bob's network goes away; what alice sends meanwhile reaches him when it is back.
  await b.context.setOffline(true);
  await b.page.locator("#connection", { hasText: "offline" }).waitFor({ timeout: WAIT });
  for (const text of ["missed 1", "missed 2", "missed 3"]) {
    await a.page.fill("#text", text);
    await a.page.click("#send");
    await a.page.locator(`#messages li[data-text="${text}"][data-seq]`).waitFor({ timeout: WAIT });
  }
  assert.equal(await bubble(b.page, "missed 1").count(), 0);
  await b.context.setOffline(false);
  await bubble(b.page, "missed 3").waitFor({ timeout: WAIT });
  const seen = await b.page.locator("#messages li[data-seq]").evaluateAll((items) => items.map((li) => li.dataset.text));
  assert.deepEqual(seen, ["hello bob", "hi alice", "missed 1", "missed 2", "missed 3"]);

  // The server cannot be reached; bob writes a message, reloads the page: it is still there,
  // pending, and goes out once the server is reachable again.
  const blocked = `${server.baseUrl}/**`;
  await b.context.route(blocked, (route) => route.abort());
  await b.page.locator("#connection", { hasText: "offline" }).waitFor({ timeout: WAIT });
  await b.page.fill("#text", "kept across reload");
  await b.page.click("#send");
  await b.page.locator('#messages li.pending[data-text="kept across reload"]').waitFor({ timeout: WAIT });
  await b.page.reload();
  await open(b.page, group.conversationId);
  await b.page.locator('#messages li.pending[data-text="kept across reload"]').waitFor({ timeout: WAIT });
  await b.page.screenshot({ path: join(SHOTS, "web-bob-pending-after-reload.png") });
  await b.context.unroute(blocked);
  await b.page.locator('#messages li[data-text="kept across reload"][data-seq]').waitFor({ timeout: WAIT });
  await bubble(a.page, "kept across reload").waitFor({ timeout: WAIT });
  assert.equal(await bubble(a.page, "kept across reload").count(), 1, "delivered exactly once");
  await a.page.screenshot({ path: join(SHOTS, "web-alice-after.png") });
});
