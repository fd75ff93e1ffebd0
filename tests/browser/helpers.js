// Shared helpers for the real-browser tests: start a LuxeVault demo server on a
// free loopback port (SQLite or a fresh PostgreSQL database), launch Debian's
// Chromium through playwright-core, and watch every page for privacy breaches.
//
// Environment:
//   LUXEVAULT_BIN            path of the luxevault binary (default <repo>/target/debug/luxevault)
//   LUXEVAULT_CHROMIUM       Chromium executable (default /usr/bin/chromium)
//   LUXEVAULT_TEST_PG        PostgreSQL server URL without database
//                            (default postgres://postgres@127.0.0.1:5432)
//   LUXEVAULT_BROWSER_BACKENDS  comma list, default "sqlite,postgres"
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, rmSync, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { inflateRawSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const ARTIFACTS = path.join(REPO_ROOT, "tests", "browser", "artifacts");
export const BACKENDS = (process.env.LUXEVAULT_BROWSER_BACKENDS || "sqlite,postgres")
  .split(",")
  .map((s) => s.trim())
  .filter(Boolean);

/** The P14 browser-storage names. */
export const P14 = {
  localStorage: ["luxevault_cart", "lg_session", "lg_currency"],
  sessionStorage: ["lg_sid"],
};

const PG_BASE = (process.env.LUXEVAULT_TEST_PG || "postgres://postgres@127.0.0.1:5432").replace(/\/+$/, "");

export function luxevaultBin() {
  const bin = process.env.LUXEVAULT_BIN
    ? path.resolve(REPO_ROOT, process.env.LUXEVAULT_BIN)
    : path.join(REPO_ROOT, "target", "debug", "luxevault");
  if (!existsSync(bin)) {
    throw new Error(
      `luxevault binary not found at ${bin}. Build it first with \`cargo build -p luxevault\` ` +
        `(from ${REPO_ROOT}) or point LUXEVAULT_BIN at an existing binary.`,
    );
  }
  return bin;
}

/** The demo catalog, read at test time so that slugs/SKUs may change freely. */
export function demoCatalog() {
  return JSON.parse(readFileSync(path.join(REPO_ROOT, "crates", "app", "demo", "catalog.json"), "utf8"));
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function psql(sql) {
  const u = new URL(PG_BASE);
  const args = ["-h", u.hostname, "-p", u.port || "5432", "-U", decodeURIComponent(u.username || "postgres"),
    "-d", "test", "-v", "ON_ERROR_STOP=1", "-qAtc", sql];
  try {
    execFileSync("psql", args, { stdio: ["ignore", "pipe", "pipe"], timeout: 30_000 });
  } catch (err) {
    throw new Error(`psql failed (${sql}): ${err.stderr?.toString() || err.message}`);
  }
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Starts `luxevault serve --demo` on a fresh data dir and free port. Returns
 * {origin, backend, stop()}; stop() kills the server, drops the database and
 * removes the data dir, and is safe to call more than once.
 */
export async function startServer(backend) {
  const bin = luxevaultBin();
  const dataDir = mkdtempSync(path.join(tmpdir(), "lv-browser-"));
  const port = await freePort();
  const args = ["serve", "--demo", "--data-dir", dataDir, "--bind", `127.0.0.1:${port}`];
  let dbName = null;
  if (backend === "postgres") {
    dbName = `lv_browser_${randomBytes(6).toString("hex")}`;
    psql(`CREATE DATABASE "${dbName}"`);
    args.push("--database-url", `${PG_BASE}/${dbName}`);
  } else if (backend !== "sqlite") {
    throw new Error(`unknown backend ${backend}`);
  }

  const env = { ...process.env };
  delete env.LUXEVAULT_DATABASE_URL; // the backend is chosen by this test only
  delete env.LUXEVAULT_CONFIG;
  env.NO_COLOR = "1";
  const child = spawn(bin, args, { cwd: dataDir, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  let exited = null;
  const onData = (chunk) => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const exitPromise = new Promise((resolve) => child.on("exit", (code, signal) => {
    exited = { code, signal };
    resolve(exited);
  }));

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (!exited) {
      child.kill("SIGTERM");
      const t = setTimeout(() => { if (!exited) child.kill("SIGKILL"); }, 5_000);
      await exitPromise;
      clearTimeout(t);
    }
    try {
      if (dbName) psql(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  };

  const origin = `http://127.0.0.1:${port}`;
  try {
    const deadline = Date.now() + 45_000;
    while (!output.includes("LuxeVault is serving")) {
      if (exited) throw new Error(`luxevault exited early (${JSON.stringify(exited)}):\n${output}`);
      if (Date.now() > deadline) throw new Error(`luxevault did not announce itself within 45 s:\n${output}`);
      await sleep(50);
    }
    for (;;) {
      try {
        const res = await fetch(`${origin}/healthz`);
        if (res.status === 200) break;
      } catch { /* not yet */ }
      if (exited) throw new Error(`luxevault exited (${JSON.stringify(exited)}):\n${output}`);
      if (Date.now() > deadline) throw new Error(`GET /healthz never answered 200:\n${output}`);
      await sleep(50);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const databaseUrl = dbName ? `${PG_BASE}/${dbName}` : null;
  return { origin, backend, dataDir, databaseUrl, stop, log: () => output };
}

/**
 * The emails the server wrote to `<data-dir>/outbox/` (no SMTP in the demo), oldest first:
 * [{file, mtimeMs, text}].
 */
export function outboxMessages(dataDir) {
  const dir = path.join(dataDir, "outbox");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith(".eml"))
    .map((name) => {
      const file = path.join(dir, name);
      return { file, mtimeMs: statSync(file).mtimeMs, text: readFileSync(file, "utf8") };
    })
    .sort((a, b) => a.mtimeMs - b.mtimeMs || a.file.localeCompare(b.file));
}

/**
 * Waits (the email queue runs in the background) for the newest outbox email that `match`
 * accepts, and returns it; fails after `timeout` ms naming what the outbox held.
 */
export async function waitForEmail(server, match, { timeout = 15_000 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const messages = outboxMessages(server.dataDir);
    const found = messages.reverse().find((m) => match(m.text));
    if (found) return found;
    if (Date.now() > deadline) {
      const subjects = messages.map((m) => (/^Subject: (.*)$/m.exec(m.text) || [, "?"])[1]);
      throw new Error(`no matching email in the outbox within ${timeout} ms (subjects: ${JSON.stringify(subjects)})`);
    }
    await sleep(100);
  }
}

export const CHROMIUM_ARGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export async function launchBrowser() {
  const executablePath = process.env.LUXEVAULT_CHROMIUM || "/usr/bin/chromium";
  if (!existsSync(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath}: apt-get install -y chromium`);
  }
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
}

export function artifactPath(name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, name);
}

/**
 * Records every request/response of a browser context and every console error,
 * page error and CSP violation of a page. `verify()` asserts the privacy rules
 * and returns the recorded data.
 */
export async function watchPrivacy(context, page, origin) {
  const requests = [];
  const responses = [];
  const consoleErrors = [];
  // Chromium logs "Failed to load resource: … status of 4xx" for every 4xx answer; a test that
  // provokes one on purpose declares it with allowFailedLoad(status, path) (see below).
  const failedLoads = [];
  const allowedFailures = [];
  const pageErrors = [];
  const cspViolations = [];
  context.on("request", (req) => requests.push(req.url()));
  context.on("response", (res) => responses.push(res));
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const text = msg.text();
    const failed = /^Failed to load resource: the server responded with a status of (4\d\d)\b/.exec(text);
    if (failed) failedLoads.push({ status: Number(failed[1]), url: msg.location()?.url || "", at: page.url() });
    else consoleErrors.push(`${text} @ ${page.url()}`);
  });
  page.on("pageerror", (err) => pageErrors.push(`${err.message} @ ${page.url()}`));
  await page.exposeBinding("__lvCspViolation", (_src, v) => cspViolations.push(v));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      // eslint-disable-next-line no-undef
      window.__lvCspViolation(`${e.violatedDirective} blocked ${e.blockedURI} on ${location.pathname}`);
    });
  });

  async function verify(assert) {
    const outside = requests.filter((u) => !(u.startsWith(origin + "/") || u === origin || u.startsWith("data:")));
    assert.deepEqual(outside, [], "requests left the shop's origin");

    const cookieSetters = [];
    const htmlWithoutCsp = [];
    for (const res of responses) {
      const url = res.url();
      if (url.startsWith("data:")) continue;
      const headers = await res.headersArray();
      if (headers.some((h) => h.name.toLowerCase() === "set-cookie")) cookieSetters.push(url);
      const all = await res.allHeaders();
      const ctype = all["content-type"] || "";
      if (ctype.includes("text/html")) {
        const csp = all["content-security-policy"] || "";
        if (!csp.includes("script-src 'self'")) htmlWithoutCsp.push(`${url} (csp: ${JSON.stringify(csp)})`);
      }
    }
    assert.deepEqual(cookieSetters, [], "responses carried a Set-Cookie header");
    assert.deepEqual(htmlWithoutCsp, [], "HTML responses without a strict CSP");
    assert.deepEqual(cspViolations, [], "CSP violations");
    assert.deepEqual(pageErrors, [], "uncaught page errors");
    // A "Failed to load resource" error is accepted only for a 4xx the test declared and that was
    // really answered (same status, same origin-relative path); every other one fails.
    const answered = new Set(responses.map((r) => `${r.status()} ${r.url()}`));
    const unexpectedLoads = failedLoads
      .filter((f) => !(answered.has(`${f.status} ${f.url}`) && allowedFailures.some(
        (a) => a.status === f.status && f.url.startsWith(origin + "/") &&
          new URL(f.url).pathname === a.path)))
      .map((f) => `Failed to load resource: status ${f.status} for ${f.url} @ ${f.at}`);
    assert.deepEqual([...consoleErrors, ...unexpectedLoads], [], "console errors");
    assert.deepEqual(await context.cookies(), [], "the browser holds cookies");
    return { requests, responses, failedLoads };
  }
  /** Declares a 4xx answer the test provokes on purpose (exact status, exact path without query). */
  function allowFailedLoad(status, path) {
    allowedFailures.push({ status, path });
  }
  return { verify, requests, responses, allowFailedLoad };
}

/** document.cookie must be empty on every page visited. */
export async function assertNoCookie(assert, page) {
  const cookie = await page.evaluate(() => document.cookie);
  assert.equal(cookie, "", `document.cookie is not empty on ${page.url()}`);
}

/**
 * localStorage ⊆ {cart key, currency key}, sessionStorage ⊆ {lg_sid}. With `{ signedIn: true }` the
 * session key (`lg_session`) is allowed too and must be present; with `{ signedIn: false }` it must
 * be absent; by default (a guest who never signed in) it is not allowed at all.
 */
export async function assertStorage(assert, page, { signedIn } = {}) {
  const s = await page.evaluate(() => ({
    cartKey: document.documentElement.dataset.cartKey,
    sessionKey: document.documentElement.dataset.sessionKey,
    currencyKey: document.documentElement.dataset.currencyKey,
    local: Object.keys(localStorage),
    session: Object.keys(sessionStorage),
  }));
  // P14 names the keys; the demo runs on the default configuration.
  assert.equal(s.cartKey, "luxevault_cart", "data-cart-key is not the P14 name");
  assert.equal(s.currencyKey, "lg_currency", "data-currency-key is not the P14 name");
  if (s.sessionKey !== undefined) assert.equal(s.sessionKey, "lg_session", "data-session-key is not the P14 name");
  // A guest who never signed in holds no session: only the cart and the currency.
  const allowedLocal = new Set([s.cartKey, s.currencyKey]);
  if (signedIn !== undefined) {
    assert.equal(s.sessionKey, "lg_session", `<html data-session-key> missing on ${page.url()}`);
    assert.equal(s.local.includes(s.sessionKey), signedIn,
      `${s.sessionKey} ${signedIn ? "missing while signed in" : "still stored after sign-out"} on ${page.url()} (keys: ${s.local})`);
    if (signedIn) allowedLocal.add(s.sessionKey);
  }
  assert.deepEqual(s.local.filter((k) => !allowedLocal.has(k)), [], `unexpected localStorage keys (all: ${s.local})`);
  assert.deepEqual(s.session.filter((k) => !P14.sessionStorage.includes(k)), [],
    `unexpected sessionStorage keys (all: ${s.session})`);
  return s;
}

/** A navigation must answer 200; otherwise fail with the server's last log lines. */
export function assertOk(assert, response, server) {
  assert.ok(response, "navigation gave no response");
  if (response.status() !== 200) {
    const tail = server.log().replace(/\x1b\[[0-9;]*m/g, "").split("\n").slice(-15).join("\n");
    assert.fail(`${response.url()} answered ${response.status()} (expected 200); server log tail:\n${tail}`);
  }
}

/** Digits of a formatted amount ("£1,320", "1 320 £") as a number. */
export function amount(text) {
  const digits = String(text).replace(/[^0-9]/g, "");
  if (!digits) throw new Error(`no amount in ${JSON.stringify(text)}`);
  return Number(digits);
}

/**
 * The entries of a ZIP archive (a Buffer), by name, as Buffers: a reader of just what the shop's
 * archives use (stored or deflated entries, read through the central directory), so the tests
 * need no package for it.
 */
export function readZip(buffer) {
  const END = 0x06054b50, CENTRAL = 0x02014b50, LOCAL = 0x04034b50;
  let end = -1;
  for (let i = buffer.length - 22; i >= Math.max(0, buffer.length - 22 - 0xffff); i--) {
    if (buffer.readUInt32LE(i) === END) { end = i; break; }
  }
  if (end < 0) throw new Error("not a ZIP archive: no end of central directory");
  const count = buffer.readUInt16LE(end + 10);
  let at = buffer.readUInt32LE(end + 16);
  const entries = new Map();
  for (let n = 0; n < count; n++) {
    if (buffer.readUInt32LE(at) !== CENTRAL) throw new Error(`bad central directory entry ${n}`);
    const method = buffer.readUInt16LE(at + 10);
    const compressed = buffer.readUInt32LE(at + 20);
    const nameLength = buffer.readUInt16LE(at + 28);
    const extraLength = buffer.readUInt16LE(at + 30);
    const commentLength = buffer.readUInt16LE(at + 32);
    const local = buffer.readUInt32LE(at + 42);
    const name = buffer.subarray(at + 46, at + 46 + nameLength).toString("utf8");
    if (buffer.readUInt32LE(local) !== LOCAL) throw new Error(`bad local header for ${name}`);
    const start = local + 30 + buffer.readUInt16LE(local + 26) + buffer.readUInt16LE(local + 28);
    const data = buffer.subarray(start, start + compressed);
    if (method === 0) entries.set(name, Buffer.from(data));
    else if (method === 8) entries.set(name, inflateRawSync(data));
    else throw new Error(`${name}: compression method ${method} is not one the shop uses`);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Checks an access archive: its entries, the JSON copy and the readable page; returns the copy. */
export function assertArchive(assert, buffer) {
  const entries = readZip(buffer);
  assert.deepEqual([...entries.keys()].sort(),
    ["alterations.csv", "consents.csv", "data.json", "index.html", "order_events.csv", "order_lines.csv", "orders.csv", "requests.csv",
      "sizing_profile.csv"],
    "the archive's entries");
  const copy = JSON.parse(entries.get("data.json").toString("utf8"));
  const page = entries.get("index.html").toString("utf8");
  assert.match(page, /^<!doctype html>/, "index.html is not an HTML page");
  assert.ok(!/<script/i.test(page), "index.html carries a script");
  for (const part of ["data.json", "orders.csv"]) assert.ok(page.includes(part), `index.html does not list ${part}`);
  assert.match(entries.get("orders.csv").toString("utf8"), /^number,status,placed_at,/, "orders.csv has no header");
  return { entries, copy, page };
}
