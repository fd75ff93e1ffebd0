// The customer's rights from the account page in a real browser (Debian's Chromium), against
// SQLite and PostgreSQL: register → an order placed with the account (through the API, awaiting
// payment) → /account → "Your data": a wrong password first (a 401 on purpose, said in the error
// region) → the copy downloaded as my-data.zip (fetched, saved from a blob: URL under the strict
// CSP) holding the account's email and the order → the email corrected (the greeting follows) →
// "Delete my account": refused without the confirmation tick, then done with the password and the
// tick → the server's erased and kept lists (what + why) shown in place of the account, the
// session key gone, the old token dead, and signing in again refused. On the way, the privacy
// watchers of helpers.js (no cookies, strict CSP and no violation, only the P14 storage keys, no
// request leaving the shop, no console errors but the 4xx answers this test provokes).
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import {
  BACKENDS, startServer, launchBrowser, demoCatalog, watchPrivacy, assertNoCookie, assertStorage,
  artifactPath, assertOk, assertArchive,
} from "./helpers.js";

const EXPORT_API = "/api/v1/account/export";
const DETAILS_API = "/api/v1/account/details";
const ERASE_API = "/api/v1/account/erase";
const LOGIN_API = "/api/v1/account/login";

/** Any variant in stock. */
function pickVariant(catalog) {
  for (const product of catalog.products) {
    if (product.retired) continue;
    const variant = product.variants.find((v) => v.stock >= 2);
    if (variant) return variant;
  }
  throw new Error("the demo catalog has no variant in stock");
}

/** An order placed with the account through the JSON API, as the checkout page would place it. */
async function placeOrder(origin, token, email, sku) {
  const response = await fetch(origin + "/api/v1/orders", {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json",
      Authorization: `Bearer ${token}`,
      "Idempotency-Key": `rights-test-${randomBytes(12).toString("hex")}`,
    },
    body: JSON.stringify({
      lang: "en",
      currency: "EUR",
      lines: [{ sku, quantity: 1 }],
      contact: {
        name: "Inès Lefèvre",
        email,
        phone: "+33 6 11 22 33 44",
        address_line1: "3 rue de la Paix",
        address_line2: "",
        city: "Paris",
        postcode: "75002",
        country: "FR",
      },
    }),
  });
  const body = await response.json();
  assert.equal(response.status, 201, `the order was not placed: ${JSON.stringify(body)}`);
  assert.ok(body.order?.number, "the placed order has no number");
  return body.order;
}

for (const backend of BACKENDS) {
  test(`account rights [${backend}]`, { timeout: 90_000 }, async (t) => {
    const variant = pickVariant(demoCatalog());
    const server = await startServer(backend);
    t.after(() => server.stop());
    const browser = await launchBrowser();
    t.after(() => browser.close());
    const context = await browser.newContext({
      viewport: { width: 1280, height: 900 }, locale: "en-GB", acceptDownloads: true,
    });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const watch = await watchPrivacy(context, page, server.origin);
    const { origin } = server;
    const tid = (id) => page.getByTestId(id);
    const session = () => page.evaluate(() => localStorage.getItem(document.documentElement.dataset.sessionKey));
    const posted = (path) => (r) => r.request().method() === "POST" && new URL(r.url()).pathname === path;

    const stamp = randomBytes(4).toString("hex");
    const username = `ines${stamp}`;
    const email = `ines.${stamp}@example.com`;
    const newEmail = `ines.lefevre.${stamp}@example.org`;
    const password = "the garden at Giverny in June";

    // --- register
    assertOk(assert, await page.goto(origin + "/account"), server);
    await assertNoCookie(assert, page);
    assert.equal(await tid("account-data").isVisible(), false, "the data panel is shown while signed out");
    await tid("register-username").fill(username);
    await tid("register-email").fill(email);
    await tid("register-password").fill(password);
    await tid("register-submit").click();
    await tid("account-username").waitFor({ state: "visible" });
    const token = await session();
    assert.ok(token, "no lg_session in localStorage after registering");
    await assertStorage(assert, page, { signedIn: true });

    // --- an order with the account, then the account page again (it lists it)
    const order = await placeOrder(origin, token, email, variant.sku);
    assertOk(assert, await page.goto(origin + "/account"), server);
    await page.locator(`[data-testid='account-order'][data-number='${order.number}']`).waitFor({ state: "visible" });

    // --- the data panel, its details form prefilled with the account
    await tid("account-data").waitFor({ state: "visible" });
    assert.equal(await tid("data-details-username").inputValue(), username, "the username is not prefilled");
    assert.equal(await tid("data-details-email").inputValue(), email, "the email is not prefilled");
    assert.equal(await tid("data-erase-confirm").isChecked(), false, "the erasure confirmation is pre-ticked");

    // --- a copy with a wrong password (a 401 on purpose): said in the error region, no download
    watch.allowFailedLoad(401, EXPORT_API);
    let downloads = 0;
    page.on("download", () => downloads++);
    await tid("data-password").fill("not the right passphrase at all");
    const [refused] = await Promise.all([page.waitForResponse(posted(EXPORT_API)), tid("data-export").click()]);
    assert.equal(refused.status(), 401, "a wrong password was not refused");
    await tid("account-error").filter({ hasText: /\S/ }).waitFor({ state: "visible" });
    assert.equal(await tid("account-error").getAttribute("aria-live"), "assertive");
    assert.match(await tid("account-error").innerText(), /password is not right/i);
    assert.equal(await tid("data-password").getAttribute("aria-invalid"), "true");
    assert.equal(downloads, 0, "a refused export still downloaded something");

    // --- the copy: saved from the answer as my-data.zip (data.json, CSV files, index.html), with the
    //     account's email and the order
    await tid("data-password").fill(password);
    const [download, exported] = await Promise.all([
      page.waitForEvent("download"),
      page.waitForResponse(posted(EXPORT_API)),
      tid("data-export").click(),
    ]);
    assert.equal(exported.status(), 200);
    assert.match(exported.headers()["content-disposition"] || "", /attachment; filename="my-data.zip"/);
    assert.equal(download.suggestedFilename(), "my-data.zip");
    assert.ok(download.url().startsWith(`blob:${origin}/`), `the copy was not saved from a blob: URL (${download.url()})`);
    const { copy, entries } = assertArchive(assert, await readFile(await download.path()));
    assert.ok(entries.get("orders.csv").toString("utf8").includes(order.number), "orders.csv lacks the order");
    assert.equal(copy.data?.account?.email, email, "the copy does not hold the account's email");
    assert.equal(copy.data?.account?.username, username, "the copy does not hold the username");
    assert.ok(JSON.stringify(copy.data.orders).includes(order.number), "the copy does not hold the order");
    assert.ok(Array.isArray(copy.about_this_data?.purposes) && copy.about_this_data.purposes.length > 0,
      "the copy lacks about_this_data.purposes");
    await tid("data-export-status").filter({ hasText: /my-data\.zip/ }).waitFor({ state: "visible" });
    assert.equal(await tid("account-error").isVisible(), false, "the wrong-password error is still shown");
    assert.equal(await tid("data-password").inputValue(), "", "the password stays in the field");
    assert.equal(page.url(), origin + "/account", "the download navigated away from the account");
    assert.equal(downloads, 1, "not exactly one download");
    await assertStorage(assert, page, { signedIn: true });

    // --- objection to analytics, then a restriction and its end: asked on the page, held by the server
    const processing = async () =>
      (await fetch(`${origin}/api/v1/account/processing`, { headers: { Authorization: `Bearer ${token}` } })).json();
    await page.locator("[data-testid='object-analytics']:not([disabled])").waitFor();
    assert.equal(await tid("object-analytics").isChecked(), false, "an objection is ticked before any was made");
    const [objected] = await Promise.all([
      page.waitForResponse(posted("/api/v1/account/objections")),
      tid("object-analytics").check(),
    ]);
    assert.equal(objected.status(), 200, "the objection was not recorded");
    assert.equal((await processing()).objections?.website_analytics, true, "the server holds no objection");
    const [restricting] = await Promise.all([
      page.waitForResponse(posted("/api/v1/account/requests")),
      tid("restrict").click(),
    ]);
    assert.equal(restricting.status(), 201, "the restriction was not granted");
    await tid("unrestrict").waitFor({ state: "visible" });
    assert.match(await tid("processing-status").innerText(), /\d/, "the restriction's date is not shown");
    assert.equal((await processing()).restricted, true, "the server holds no restriction");
    const [lifting] = await Promise.all([
      page.waitForResponse(posted("/api/v1/account/restriction/lift")),
      tid("unrestrict").click(),
    ]);
    assert.equal(lifting.status(), 200);
    await tid("restrict").waitFor({ state: "visible" });
    assert.equal((await processing()).restricted, false, "the restriction was not ended");

    // --- correct the email: the greeting follows, and the server holds the new address
    await tid("data-details-email").fill(newEmail);
    await tid("data-details-password").fill(password);
    const [corrected] = await Promise.all([page.waitForResponse(posted(DETAILS_API)), tid("data-details-submit").click()]);
    assert.equal(corrected.status(), 200, "the details were not corrected");
    await tid("data-details-status").filter({ hasText: /updated/ }).waitFor({ state: "visible" });
    assert.equal((await tid("account-email").textContent()).trim(), newEmail, "the greeting still shows the old email");
    assert.equal((await tid("account-username").textContent()).trim(), username);
    assert.equal(await tid("data-details-password").inputValue(), "", "the password stays in the field");
    const me = await fetch(`${origin}/api/v1/account`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal((await me.json()).email, newEmail, "the server does not hold the corrected email");

    // --- delete without the confirmation tick: refused on the page, nothing asked of the boutique
    const erasePosts = [];
    page.on("request", (r) => { if (r.method() === "POST" && new URL(r.url()).pathname === ERASE_API) erasePosts.push(r); });
    await tid("data-erase-password").fill(password);
    await tid("data-erase").click();
    await tid("account-error").filter({ hasText: /tick the box/i }).waitFor({ state: "visible" });
    assert.equal(await tid("data-erase-confirm").getAttribute("aria-invalid"), "true");
    assert.deepEqual(erasePosts, [], "the erasure was asked for without the confirmation");
    await page.screenshot({ path: artifactPath(`account-rights-${backend}.png`), fullPage: true });

    // --- delete with the password and the tick: what was erased and kept, in place of the account
    await tid("data-erase-confirm").check();
    const [erased] = await Promise.all([page.waitForResponse(posted(ERASE_API)), tid("data-erase").click()]);
    assert.equal(erased.status(), 200, "the account was not erased");
    const outcome = await erased.json();
    await tid("account-erased").waitFor({ state: "visible" });
    assert.equal(await tid("account-data").isVisible(), false, "the account is still shown after erasure");
    assert.equal(await tid("account-username").isVisible(), false, "the greeting is still shown after erasure");
    assert.equal(await tid("signin-email").isVisible(), false, "the sign-in form replaced the outcome");
    const erasedShown = await tid("erased-list").locator("li").allInnerTexts();
    assert.ok(outcome.erased.length > 0, "the server erased nothing");
    assert.deepEqual(erasedShown.map((s) => s.trim()), outcome.erased, "the erased list is not the server's");
    const keptShown = await tid("kept-list").locator("li").allInnerTexts();
    assert.equal(keptShown.length, outcome.kept.length, "the kept list is not the server's");
    assert.ok(keptShown.length > 0, "nothing is said to be kept (the order records are)");
    outcome.kept.forEach((entry, i) => {
      assert.ok(keptShown[i].includes(entry.what), `kept item ${i} lacks what: ${entry.what}`);
      assert.ok(keptShown[i].includes(entry.why), `kept item ${i} lacks why: ${entry.why}`);
    });
    assert.equal(await tid("erased-home").getAttribute("href"), "/", "no link home");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "erased-title", "focus did not move to the outcome");
    await page.screenshot({ path: artifactPath(`account-erased-${backend}.png`), fullPage: false });
    await page.waitForFunction(() => localStorage.getItem(document.documentElement.dataset.sessionKey) === null);
    await assertStorage(assert, page, { signedIn: false });
    await assertNoCookie(assert, page);
    const stale = await fetch(`${origin}/api/v1/account`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(stale.status, 401, "the erased account's token still opens it");

    // --- the link home, then signing in again fails, with either email (two 401s on purpose)
    await tid("erased-home").click();
    await page.waitForURL(origin + "/");
    watch.allowFailedLoad(401, LOGIN_API);
    assertOk(assert, await page.goto(origin + "/account"), server);
    await tid("signin-email").waitFor({ state: "visible" });
    for (const address of [newEmail, email]) {
      await tid("signin-email").fill(address);
      await tid("signin-password").fill(password);
      const [login] = await Promise.all([page.waitForResponse(posted(LOGIN_API)), tid("signin-submit").click()]);
      assert.equal(login.status(), 401, `signing in as ${address} after erasure did not fail`);
      await tid("account-error").filter({ hasText: /\S/ }).waitFor({ state: "visible" });
      assert.equal(await tid("account-username").isVisible(), false);
    }
    await assertStorage(assert, page, { signedIn: false });

    // --- privacy over the whole flow
    await watch.verify(assert);
  });
}
