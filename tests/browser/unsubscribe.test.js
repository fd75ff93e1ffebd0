// One-click unsubscribe in a real browser (Debian's Chromium), against SQLite and PostgreSQL
// (RFC 8058, P22): a customer who agreed to marketing gets a campaign; the email carries the
// List-Unsubscribe header pair; the address in it opens a page with one button (opening it
// changes nothing), the button withdraws the consent without signing in, and the ledger says so.
// On the way, the privacy watchers of helpers.js: no cookies, strict CSP, no request leaving
// the shop, no console errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { BACKENDS, startServer, launchBrowser, watchPrivacy, assertNoCookie, waitForEmail } from "./helpers.js";

const ADMIN = "a-browser-test-admin-token-of-32-characters";
process.env.LUXEVAULT_ADMIN_TOKEN = ADMIN;

async function json(origin, path, { method = "GET", body, token } = {}) {
  const headers = { Accept: "application/json" };
  if (body) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(origin + path, { method, headers, body: body && JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

for (const backend of BACKENDS) {
  test(`one-click unsubscribe [${backend}]`, { timeout: 60_000 }, async (t) => {
    const server = await startServer(backend);
    t.after(() => server.stop());
    const { origin } = server;
    const username = `abonnee${randomBytes(4).toString("hex")}`;
    const registered = await json(origin, "/api/v1/account/register", {
      method: "POST",
      body: { username, email: `${username}@example.test`, password: "la soie du matin à Paris", marketing_opt_in: true },
    });
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    const session = registered.body.token;
    const subject = `Les soieries ${randomBytes(3).toString("hex")}`;
    const campaign = await json(origin, "/api/v1/admin/marketing/campaigns", {
      method: "POST", token: ADMIN, body: { subject, body: "Les nouvelles pièces vous attendent." },
    });
    assert.equal(campaign.status, 201, JSON.stringify(campaign.body));
    const mail = await waitForEmail(server, (text) => text.includes(`Subject: ${subject}`));
    assert.match(mail.text, /^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m);
    const link = /^List-Unsubscribe: <([^>]+)>\r?$/m.exec(mail.text)?.[1];
    assert.ok(link, "the email names its unsubscribe address");
    const path = new URL(link).pathname;

    const browser = await launchBrowser();
    t.after(() => browser.close());
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "en-GB" });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const watch = await watchPrivacy(context, page, origin);

    await page.goto(origin + path);
    await page.getByRole("heading", { name: "Stop marketing email" }).waitFor();
    const before = await json(origin, "/api/v1/account/consents", { token: session });
    assert.equal(before.body.current.marketing, true, "opening the page changes nothing");
    await page.getByRole("button", { name: "Unsubscribe" }).click();
    await page.getByRole("heading", { name: "You are unsubscribed" }).waitFor();
    await assertNoCookie(assert, page);

    const after = await json(origin, "/api/v1/account/consents", { token: session });
    assert.equal(after.body.current.marketing, false, "the consent is withdrawn");
    const proof = after.body.records.find((r) => r.purpose === "marketing" && !r.granted);
    assert.equal(proof?.method, "one_click");
    assert.equal(proof?.source, "/unsubscribe");
    await watch.verify(assert);
  });
}
