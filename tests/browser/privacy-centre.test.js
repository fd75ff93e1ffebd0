// The privacy centre in a real browser (Debian's Chromium), against SQLite and PostgreSQL: a
// guest who ordered without an account asks for a copy of their data. A guest order is placed
// through the API (from Node, with an email unique to the test); then, in the browser: the home
// page → the footer's "Privacy centre" link → choose "access", give the email → the six-digit
// code read from the email the server wrote to its outbox (no SMTP in the demo) → a wrong code
// first (a 400 on purpose, shown in the error region) → the right one → the download link, its
// expiry shown → the archive downloaded (my-data.zip: data.json, CSV files, a readable index.html),
// its entries read, holding the order and the Art. 15 information. On the
// way, the privacy watchers of helpers.js: no cookies, no Set-Cookie, strict CSP, only the P14
// storage keys (a guest: no session), no request leaving the shop, no console errors but the
// 4xx this test provokes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import {
  BACKENDS, startServer, launchBrowser, demoCatalog, watchPrivacy, assertNoCookie, assertStorage,
  artifactPath, assertOk, waitForEmail, assertArchive,
} from "./helpers.js";

const REQUESTS_API = "/api/v1/privacy/requests";

/** Any variant in stock. */
function pickVariant(catalog) {
  for (const product of catalog.products) {
    if (product.retired) continue;
    const variant = product.variants.find((v) => v.stock >= 2);
    if (variant) return variant;
  }
  throw new Error("the demo catalog has no variant in stock");
}

/** A guest order through the JSON API, as the checkout page would place it. */
async function placeGuestOrder(origin, email, sku) {
  const response = await fetch(origin + "/api/v1/orders", {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json",
      "Idempotency-Key": `centre-test-${randomBytes(12).toString("hex")}`,
    },
    body: JSON.stringify({
      lang: "en",
      currency: "EUR",
      lines: [{ sku, quantity: 1 }],
      contact: {
        name: "Hélène Marchand",
        email,
        phone: "+33 6 98 76 54 32",
        address_line1: "8 place Vendôme",
        address_line2: "",
        city: "Paris",
        postcode: "75001",
        country: "FR",
      },
    }),
  });
  const body = await response.json();
  assert.equal(response.status, 201, `the guest order was not placed: ${JSON.stringify(body)}`);
  assert.ok(body.order?.number, "the placed order has no number");
  return body.order;
}

for (const backend of BACKENDS) {
  test(`guest access request [${backend}]`, { timeout: 60_000 }, async (t) => {
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

    // --- a guest order under an address unique to this test
    const email = `helene.${randomBytes(4).toString("hex")}@example.com`;
    const order = await placeGuestOrder(origin, email, variant.sku);

    // --- home → the footer's privacy-centre link
    assertOk(assert, await page.goto(origin + "/"), server);
    await assertNoCookie(assert, page);
    const footerLink = tid("footer-privacy-centre");
    assert.equal((await footerLink.textContent()).trim(), "Privacy centre");
    await footerLink.click();
    await page.waitForURL(origin + "/privacy/centre");
    await assertNoCookie(assert, page);
    await assertStorage(assert, page);
    assert.equal(await tid("centre-signed-in").isVisible(), false, "a guest is told they are signed in");
    assert.match(await tid("centre-deadline").innerText(), /30 days/);
    const kinds = await tid("centre-kind").locator("option:not([disabled])").evaluateAll(
      (options) => options.map((o) => o.value));
    assert.deepEqual([...kinds].sort(),
      ["access", "erasure", "objection", "portability", "rectification", "restriction", "withdraw_consent"],
      "the right picker does not offer exactly the seven rights");

    // --- nothing chosen: the page says so without asking the boutique
    await tid("centre-submit").click();
    await tid("centre-error").filter({ hasText: /\S/ }).waitFor({ state: "visible" });
    assert.equal(await tid("centre-kind").getAttribute("aria-invalid"), "true");

    // --- access, for that address → the code step
    await tid("centre-kind").selectOption("access");
    await tid("centre-email").fill(email);
    const [started] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === REQUESTS_API),
      tid("centre-submit").click(),
    ]);
    assert.equal(started.status(), 202, "the request was not accepted");
    const { request_id: requestId } = await started.json();
    await tid("centre-code").waitFor({ state: "visible" });
    assert.equal(await tid("centre-error").isVisible(), false, "the earlier error is still shown");
    assert.ok((await tid("centre-code-sent").innerText()).includes(email), "the code step does not name the address");

    // --- the code, from the email written to the outbox
    const mail = await waitForEmail(server, (text) =>
      new RegExp(`^To: .*${email.replace(/[.]/g, "\\.")}`, "mi").test(text) && /^Subject: Your code: \d{6}\s*$/m.test(text));
    const code = /^Subject: Your code: (\d{6})\s*$/m.exec(mail.text)[1];

    // --- a wrong code first (a 400 on purpose): said in the error region, the field marked
    const verifyPath = `${REQUESTS_API}/${requestId}/verify`;
    watch.allowFailedLoad(400, verifyPath);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
    await tid("centre-code").fill(wrong);
    const [refused] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === verifyPath),
      tid("centre-verify").click(),
    ]);
    assert.equal(refused.status(), 400, "a wrong code was not refused");
    await tid("centre-error").filter({ hasText: /\S/ }).waitFor({ state: "visible" });
    assert.equal(await tid("centre-error").getAttribute("aria-live"), "assertive");
    assert.equal(await tid("centre-code").getAttribute("aria-invalid"), "true");

    // --- the right code → the download link and its expiry
    await tid("centre-code").fill(code);
    await tid("centre-verify").click();
    await tid("centre-download").waitFor({ state: "visible" });
    assert.equal(await tid("centre-error").isVisible(), false, "the wrong-code error is still shown");
    assert.match(await tid("centre-expires").innerText(), /\d/, "the link's expiry date is not shown");
    const href = await tid("centre-download").getAttribute("href");
    // The token is posted with the download, never put in the link.
    assert.equal(href, `${REQUESTS_API}/${requestId}/archive`, `unexpected download link ${href}`);
    await page.screenshot({ path: artifactPath(`privacy-centre-${backend}.png`), fullPage: false });

    // --- the download: the archive, with the order (JSON and CSV) and the Art. 15 information
    const [download] = await Promise.all([page.waitForEvent("download"), tid("centre-download").click()]);
    assert.equal(download.suggestedFilename(), "my-data.zip");
    const { copy, entries, page: readable } = assertArchive(assert, await readFile(await download.path()));
    assert.ok(JSON.stringify(copy.data).includes(order.number), "the copy does not hold the order number");
    const ordersCsv = entries.get("orders.csv").toString("utf8").split("\n");
    assert.ok(ordersCsv[1]?.startsWith(order.number) && ordersCsv[1].includes(email), "orders.csv lacks the order");
    assert.ok(entries.get("order_lines.csv").toString("utf8").includes(variant.sku), "order_lines.csv lacks the item");
    assert.match(entries.get("requests.csv").toString("utf8"), /,access,web,completed,/, "requests.csv lacks the request");
    for (const heading of ["Why we use your data", "Who receives it", "How long we keep it", "where each comes from"]) {
      assert.ok(readable.includes(heading), `index.html lacks “${heading}” (Art. 15)`);
    }
    assert.ok(Array.isArray(copy.about_this_data?.purposes) && copy.about_this_data.purposes.length > 0,
      "the copy lacks about_this_data.purposes");
    assert.equal(page.url(), origin + "/privacy/centre", "the download navigated away from the centre");
    await assertNoCookie(assert, page);
    await assertStorage(assert, page);

    // --- another request for the same address: a restriction (Art. 18), granted once proven; the
    //     page says so and names the recipients told of it (Art. 19)
    await tid("centre-again").click();
    await tid("centre-kind").selectOption("restriction");
    await tid("centre-email").fill(email);
    const [restricting] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === REQUESTS_API),
      tid("centre-submit").click(),
    ]);
    assert.equal(restricting.status(), 202, "the restriction request was not accepted");
    const { request_id: restrictionId } = await restricting.json();
    const second = await waitForEmail(server, (text) =>
      new RegExp(`^To: .*${email.replace(/[.]/g, "\\.")}`, "mi").test(text) &&
      /^Subject: Your code: \d{6}\s*$/m.test(text) && !text.includes(`Your code: ${code}`));
    const secondCode = /^Subject: Your code: (\d{6})\s*$/m.exec(second.text)[1];
    await tid("centre-code").fill(secondCode);
    const [granted] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === `${REQUESTS_API}/${restrictionId}/verify`),
      tid("centre-verify").click(),
    ]);
    assert.equal(granted.status(), 200, "the restriction was not granted");
    await tid("centre-restricted").waitFor({ state: "visible" });
    assert.equal(await tid("centre-erased").isVisible(), false, "a restriction is shown as an erasure");
    const told = await tid("centre-notified-list").locator("li").allInnerTexts();
    assert.ok(told.some((name) => /email service/i.test(name)), `the email service is not named among ${told}`);

    // --- the same link in French
    assertOk(assert, await page.goto(origin + "/fr/privacy/centre"), server);
    assert.equal((await tid("footer-privacy-centre").textContent()).trim(), "Centre de confidentialité");
    assert.equal(await tid("footer-privacy-centre").getAttribute("href"), "/fr/privacy/centre");

    // --- privacy over the whole flow
    await watch.verify(assert);
  });
}
