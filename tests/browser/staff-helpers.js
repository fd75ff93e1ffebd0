// Staff helpers for the back-office browser tests: a TOTP code computed as an authenticator app
// would, the luxevault CLI against a test server's database, a raw edit of the database (as an
// attacker with access could make), first sign-in with enrolment, and a watcher of every answer.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { execFileSync, spawnSync } from "node:child_process";
import path from "node:path";
import { luxevaultBin } from "./helpers.js";

/** RFC 4648 base32 → bytes. */
function base32(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of text.replace(/[\s=]/g, "").toUpperCase()) {
    const i = alphabet.indexOf(c);
    if (i < 0) throw new Error(`not base32: ${c}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 TOTP: SHA-1, 30-second steps, 6 digits — what an authenticator app computes. */
export function totp(secret, at = Date.now()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const mac = createHmac("sha1", base32(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

/** Runs the luxevault CLI against the server's database. */
export function cli(server, args, input) {
  const full = [...args, "--data-dir", server.dataDir];
  if (server.databaseUrl) full.push("--database-url", server.databaseUrl);
  const env = { ...process.env };
  delete env.LUXEVAULT_DATABASE_URL;
  delete env.LUXEVAULT_CONFIG;
  return spawnSync(luxevaultBin(), full, { input, env, encoding: "utf8", timeout: 60_000 });
}

/** Changes an audit row behind the application's back, as someone with database access could. */
export function tamper(server, sql) {
  if (server.databaseUrl) {
    execFileSync("psql", [server.databaseUrl, "-v", "ON_ERROR_STOP=1", "-qAtc", sql], { timeout: 30_000 });
  } else {
    const db = path.join(server.dataDir, "luxevault.db");
    execFileSync("python3", ["-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()", db, sql],
      { timeout: 30_000 });
  }
}

/** Every answer: strict CSP on HTML, nothing fetched off-origin, no console or page errors. */
export function watch(context, page, origin, also = []) {
  const problems = [];
  context.on("request", (req) => {
    const url = req.url();
    if (!url.startsWith(origin + "/") && !url.startsWith("data:") && !also.some((o) => url.startsWith(o))) problems.push(`off-origin request ${url}`);
  });
  context.on("response", async (res) => {
    if (also.some((o) => res.url().startsWith(o))) return;
    const headers = await res.allHeaders();
    if ((headers["content-type"] || "").includes("text/html") && !(headers["content-security-policy"] || "").includes("script-src 'self'")) {
      problems.push(`HTML without strict CSP: ${res.url()}`);
    }
  });
  page.on("pageerror", (err) => problems.push(`page error ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error" && !/status of (401|403|429)/.test(msg.text())) problems.push(`console: ${msg.text()} (${msg.location()?.url})`);
  });
  return problems;
}

/** Password, then enrolment: returns the TOTP secret and the recovery codes shown. */
export async function signInFirstTime(page, origin, username, password) {
  await page.goto(origin + "/admin");
  assert.equal(new URL(page.url()).pathname, "/admin/login", "signed-out staff land on the sign-in page");
  await page.fill("#username", username);
  await page.fill("#password", password);
  await Promise.all([page.waitForURL("**/admin/enrol"), page.click("button[type=submit]")]);
  const secret = (await page.textContent("[data-testid=totp-secret]")).replace(/\s/g, "");
  assert.match(secret, /^[A-Z2-7]{32}$/);
  assert.ok(await page.locator(".qr svg").count(), "a QR code to scan");
  await page.fill("#code", totp(secret));
  await Promise.all([page.waitForLoadState("load"), page.click("button[type=submit]")]);
  const codes = await page.locator("[data-testid=recovery-codes] code").allTextContents();
  assert.equal(codes.length, 10, "ten recovery codes, shown once");
  await Promise.all([page.waitForURL((u) => u.pathname === "/admin" || u.pathname.startsWith("/admin/")), page.click("a.button")]);
  return { secret, codes };
}

