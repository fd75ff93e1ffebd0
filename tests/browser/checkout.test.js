// Accounts, checkout and orders in a real browser (Debian's Chromium), against SQLite and
// PostgreSQL: register → sign out → a wrong password → sign in → add to bag → bag → checkout
// (email prefilled from the account, demo provider = test payment, a field the server refuses)
// → a double click on "place order" → demo payment page → pay → order page → the order in the
// account → sign out. On the way: the session token lives in localStorage (`lg_session`, P14)
// exactly while signed in; sign-out ends the session on the server too; a double click and a
// replay of the same request make ONE order (one Idempotency-Key); and the privacy watchers of
// helpers.js (no cookies, strict CSP, only the P14 storage keys, no request leaving the shop,
// no console errors but the 4xx answers this test provokes on purpose).
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  BACKENDS, startServer, launchBrowser, demoCatalog, watchPrivacy, assertNoCookie, assertStorage,
  artifactPath, assertOk,
} from "./helpers.js";

/** An in-stock sized variant (not the first option, so that choosing it is a real change). */
function pickVariant(catalog) {
  for (const product of catalog.products) {
    if (product.retired) continue;
    const inStock = product.variants.filter((v) => v.size && v.stock >= 2);
    if (inStock.length > 1) return { product, variant: inStock[1] };
  }
  for (const product of catalog.products) {
    if (product.retired) continue;
    const variant = product.variants.find((v) => v.stock >= 2);
    if (variant) return { product, variant };
  }
  throw new Error("the demo catalog has no variant in stock");
}

const ORDERS_API = "/api/v1/orders";

for (const backend of BACKENDS) {
  test(`account and checkout flow [${backend}]`, { timeout: 60_000 }, async (t) => {
    const { product, variant } = pickVariant(demoCatalog());
    const server = await startServer(backend);
    t.after(() => server.stop());
    const browser = await launchBrowser();
    t.after(() => browser.close());
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-GB" });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const watch = await watchPrivacy(context, page, server.origin);
    const { origin } = server;
    const tid = (id) => page.getByTestId(id);
    const session = () => page.evaluate(() => localStorage.getItem(document.documentElement.dataset.sessionKey));
    const cart = () => page.evaluate(() => localStorage.getItem(document.documentElement.dataset.cartKey));

    // Every POST to the orders API, in order (the double click is judged on these).
    const orderPosts = [];
    page.on("request", (req) => {
      if (req.method() === "POST" && new URL(req.url()).pathname === ORDERS_API) orderPosts.push(req);
    });

    const stamp = randomBytes(4).toString("hex");
    const username = `claire${stamp}`;
    const email = `claire.${stamp}@example.com`;
    const password = "a long and quiet afternoon in Paris";

    // --- register
    assertOk(assert, await page.goto(origin + "/account"), server);
    await assertNoCookie(assert, page);
    await assertStorage(assert, page, { signedIn: false });
    await tid("register-username").fill(username);
    await tid("register-email").fill(email);
    await tid("register-password").fill(password);
    await tid("register-submit").click();
    await tid("account-username").waitFor({ state: "visible" });
    assert.equal((await tid("account-username").textContent()).trim(), username);
    const firstToken = await session();
    assert.ok(firstToken, "no lg_session in localStorage after registering");
    await assertStorage(assert, page, { signedIn: true });
    await assertNoCookie(assert, page);

    // --- sign out: the token leaves the browser and dies on the server
    await tid("signout").click();
    await tid("signin-email").waitFor({ state: "visible" });
    await page.waitForFunction(() => localStorage.getItem(document.documentElement.dataset.sessionKey) === null);
    await assertStorage(assert, page, { signedIn: false });
    const stale = await fetch(`${origin}/api/v1/account`, { headers: { Authorization: `Bearer ${firstToken}` } });
    assert.equal(stale.status, 401, "the signed-out token still opens the account");

    // --- a wrong password (a 401 on purpose), then the right one
    watch.allowFailedLoad(401, "/api/v1/account/login");
    await tid("signin-email").fill(email);
    await tid("signin-password").fill("not the right passphrase at all");
    await tid("signin-submit").click();
    await tid("account-error").filter({ hasText: /\S/ }).waitFor({ state: "visible" });
    assert.equal(await session(), null, "a failed sign-in stored a session");
    await tid("signin-password").fill(password);
    await tid("signin-submit").click();
    await tid("account-username").waitFor({ state: "visible" });
    const token = await session();
    assert.ok(token, "no lg_session in localStorage after signing in again");
    assert.notEqual(token, firstToken, "signing in again reused the ended session's token");
    await assertStorage(assert, page, { signedIn: true });

    // --- add an in-stock variant to the bag from its product page
    const productPath = `/products/${product.slug}`;
    assertOk(assert, await page.goto(origin + productPath), server);
    await assertNoCookie(assert, page);
    const radio = tid(`variant-${variant.sku}`);
    if ((await radio.count()) > 0) {
      assert.equal(await radio.isDisabled(), false, `in-stock variant ${variant.sku} is disabled`);
      await radio.check();
    }
    await tid("add-to-cart").click();
    await assert.doesNotReject(
      page.waitForFunction(() => document.querySelector("[data-testid='cart-count']").textContent.trim() === "1"),
      "the header cart-count did not become 1",
    );
    assert.deepEqual(JSON.parse(await cart()), { v: 1, lines: [{ sku: variant.sku, qty: 1 }] }, "cart in storage");

    // --- bag → checkout
    await page.locator("a:has([data-testid='cart-count'])").first().click();
    await page.waitForURL(origin + "/cart");
    await tid("cart-line").first().waitFor();
    await tid("cart-checkout").waitFor({ state: "visible" });
    await tid("cart-checkout").click();
    await page.waitForURL(origin + "/checkout");
    await assertNoCookie(assert, page);
    await page.locator("[data-testid='checkout-lines'] li").first().waitFor();
    await assert.doesNotReject(
      page.waitForFunction(
        (want) => document.querySelector("[data-testid='field-email']").value === want, email, { timeout: 5_000 }),
      "the checkout email was not prefilled with the account's email",
    );
    assert.equal(await tid("field-email").inputValue(), email);
    assert.equal(await tid("checkout-test-notice").isVisible(), true, "no test-payment notice at checkout");
    assert.match(await tid("checkout-test-notice").innerText(), /test payment/i);

    await tid("field-name").fill("Claire Dubois");
    await tid("field-phone").fill("+33 6 12 34 56 78");
    await tid("field-address_line1").fill("12 rue du Faubourg Saint-Honoré");
    await tid("field-city").fill("Paris");
    await tid("field-country").selectOption("FR");

    // A postcode the server refuses: a 422 on purpose, the field is marked, no order is made.
    watch.allowFailedLoad(422, ORDERS_API);
    await tid("field-postcode").fill("75008!");
    await tid("checkout-submit").click();
    await assert.doesNotReject(
      page.locator("[data-testid='field-postcode'][aria-invalid='true']").waitFor(),
      "the postcode refused by the server is not marked invalid",
    );
    await tid("checkout-error").filter({ hasText: /\S/ }).waitFor({ state: "visible" });
    assert.equal(page.url(), origin + "/checkout");
    const postsBefore = orderPosts.length;
    assert.equal(postsBefore, 1, "the refused postcode should have cost exactly one POST");
    assert.equal((await orderPosts[0].response()).status(), 422, "the refused postcode was not answered 422");
    await tid("field-postcode").fill("75008");
    await page.screenshot({ path: artifactPath(`checkout-${backend}.png`), fullPage: false });

    // --- a double click on "place order" → the demo payment page
    await tid("checkout-submit").dblclick();
    // The order's key rides in the fragment (never sent); the page's script takes it out of the address.
    await page.waitForURL(/\/checkout\/demo\/demo_cs_[0-9a-f]+/);
    await page.waitForFunction(() => window.location.hash === "");
    assert.ok(!page.url().includes("key"), `a key in the payment page's address: ${page.url()}`);
    await assertNoCookie(assert, page);
    const keys = await Promise.all(orderPosts.map(async (r) => (await r.allHeaders())["idempotency-key"]));
    assert.ok(keys[0] && keys[0].length >= 16, `Idempotency-Key missing or short: ${JSON.stringify(keys[0])}`);
    assert.deepEqual(keys, keys.map(() => keys[0]), "the order POSTs carried different Idempotency-Keys");
    const placed = orderPosts.slice(postsBefore);
    assert.ok(placed.length >= 1, "the double click sent no order POST");
    // (The answers' bodies are not read here: the page navigates away at once and Chromium drops
    // them. The order is identified by the demo payment page, the replay below and the account.)
    for (const req of placed) {
      const res = await req.response();
      assert.ok(res, "an order POST got no answer");
      assert.ok([200, 201].includes(res.status()), `order POST answered ${res.status()}`);
    }
    const replayHeaders = await placed[0].allHeaders();
    assert.equal(replayHeaders.authorization, `Bearer ${token}`, "the order was not sent signed in");
    const orderNumber = (await tid("demo-order-number").textContent()).trim();
    assert.ok(orderNumber, "no order number on the demo payment page");

    // The same request once more (outside the browser): the same order, answered 200.
    const replay = await fetch(origin + ORDERS_API, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "Idempotency-Key": replayHeaders["idempotency-key"],
        Authorization: replayHeaders.authorization,
      },
      body: placed[0].postData(),
    });
    const replayBody = await replay.json();
    assert.equal(replay.status, 200, `a repeat of the same order request was not answered 200: ${JSON.stringify(replayBody)}`);
    const order = replayBody.order;
    assert.equal(order.number, orderNumber, "a repeat of the same order request made another order");
    assert.equal(replayBody.payment.provider, "demo");
    assert.equal(replayBody.payment.test_mode, true);
    assert.equal(new URL(replayBody.payment.redirect_url, origin).pathname, new URL(page.url()).pathname,
      "the repeat sends the browser to another payment page");

    // --- the demo payment page says test payment; the bag is already empty
    assert.equal((await tid("demo-order-number").textContent()).trim(), order.number);
    assert.equal(await tid("demo-test-notice").isVisible(), true, "no test-payment notice on the demo payment page");
    assert.match(await tid("demo-test-notice").innerText(), /test payment/i);
    assert.deepEqual(JSON.parse(await cart()), { v: 1, lines: [] }, "the bag was not emptied when the order was made");
    await page.screenshot({ path: artifactPath(`demo-pay-${backend}.png`), fullPage: false });

    // --- pay → the order page
    await tid("demo-pay").click();
    // The neutral order page posts the fragment's key, and the order is shown in answer.
    await page.waitForURL(new RegExp(`/orders/${order.id}$`));
    await tid("order-number").waitFor();
    assert.ok(!page.url().includes("key"), `a key in the order page's address: ${page.url()}`);
    await assertNoCookie(assert, page);
    assert.equal((await tid("order-number").textContent()).trim(), order.number);
    assert.match((await tid("order-status").textContent()).trim(), /\S/, "no order status shown");
    assert.equal(await tid("order-test-badge").isVisible(), true, "the order page does not say test payment");
    assert.deepEqual(JSON.parse(await cart()), { v: 1, lines: [] }, "the bag is not empty after paying");
    await page.waitForFunction(() => document.querySelector("[data-testid='cart-count']").textContent.trim() === "0");
    await assertStorage(assert, page, { signedIn: true });
    await page.screenshot({ path: artifactPath(`order-${backend}.png`), fullPage: false });

    // --- the order in the account, exactly once
    assertOk(assert, await page.goto(origin + "/account"), server);
    await tid("account-username").waitFor({ state: "visible" });
    await page.locator(`[data-testid='account-order'][data-number='${order.number}']`).waitFor({ state: "visible" });
    assert.equal(await tid("account-order").count(), 1, "the account does not list exactly one order");

    // --- sign out
    await tid("signout").click();
    await tid("signin-email").waitFor({ state: "visible" });
    await page.waitForFunction(() => localStorage.getItem(document.documentElement.dataset.sessionKey) === null);
    await assertStorage(assert, page, { signedIn: false });
    await assertNoCookie(assert, page);
    const after = await fetch(`${origin}/api/v1/account/orders`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(after.status, 401, "the signed-out token still lists the orders");

    // --- privacy over the whole flow
    await watch.verify(assert);
  });
}
