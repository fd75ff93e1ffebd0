// Delivery, tax and duties at checkout in a real browser, against SQLite and PostgreSQL: a
// guest's bag goes to Germany (VAT 19 % included in the total, duties paid), then to the
// United States (an express delivery line added, no VAT, duties said to be the client's),
// places the order, pays on the demo page, and the order page shows the same delivery, total
// and duties terms. The privacy watchers of helpers.js run throughout.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  BACKENDS, startServer, launchBrowser, demoCatalog, watchPrivacy, assertNoCookie, artifactPath, assertOk, amount,
} from "./helpers.js";

function pickVariant(catalog) {
  for (const product of catalog.products) {
    if (product.retired) continue;
    const variant = product.variants.find((v) => v.stock >= 2);
    if (variant) return { product, variant };
  }
  throw new Error("the demo catalog has no variant in stock");
}

for (const backend of BACKENDS) {
  test(`delivery and tax follow the destination [${backend}]`, { timeout: 60_000 }, async (t) => {
    const { variant } = pickVariant(demoCatalog());
    const server = await startServer(backend);
    t.after(() => server.stop());
    const browser = await launchBrowser();
    t.after(() => browser.close());
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "en-GB" });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const watch = await watchPrivacy(context, page, server.origin);
    const { origin } = server;
    const tid = (id) => page.getByTestId(id);

    // A bag with one piece, in euros.
    assertOk(assert, await page.goto(origin + "/"), server);
    await page.evaluate((sku) => {
      const keys = document.documentElement.dataset;
      localStorage.setItem(keys.cartKey, JSON.stringify({ v: 1, lines: [{ sku, qty: 1 }] }));
    }, variant.sku);
    // The bag already prices delivery to a chosen country, as checkout will.
    assertOk(assert, await page.goto(origin + "/cart"), server);
    await tid("cart-line").first().waitFor();
    await tid("cart-country").selectOption("US");
    await page.waitForFunction(() => /carrier/.test(document.querySelector("[data-testid='cart-duties']").textContent));
    assert.equal(amount(await tid("cart-shipping").innerText()), 60);
    assert.equal(amount(await tid("cart-total").innerText()), amount(await tid("cart-subtotal").innerText()) + 60);
    await tid("cart-country").selectOption("DE");
    await tid("cart-tax").first().waitFor();
    assert.match(await page.locator("[data-cart-tax-included]").innerText(), /VAT 19%/);
    await page.screenshot({ path: artifactPath(`delivery-cart-${backend}.png`), fullPage: true });

    assertOk(assert, await page.goto(origin + "/checkout"), server);
    await page.locator("[data-testid='checkout-lines'] li").first().waitFor();

    // Germany: VAT included and shown, nothing added, duties paid.
    await tid("field-country").selectOption("DE");
    await tid("checkout-tax").filter({ hasText: /\S/ }).first().waitFor();
    await page.waitForFunction(() => /VAT 19%/.test(document.querySelector("[data-checkout-tax-included]").textContent));
    const subtotal = amount(await tid("checkout-subtotal").innerText());
    assert.equal(amount(await tid("checkout-total").innerText()), subtotal, "VAT included is not added to the total");
    assert.match(await tid("checkout-duties").innerText(), /nothing more to pay/);
    await page.screenshot({ path: artifactPath(`delivery-de-${backend}.png`), fullPage: true });

    // The United States: express delivery added, no VAT line, duties on arrival.
    await tid("field-country").selectOption("US");
    await page.waitForFunction(() => /carrier/.test(document.querySelector("[data-testid='checkout-duties']").textContent));
    assert.equal(await tid("checkout-tax").count(), 0, "no VAT on an export");
    assert.equal(await tid("delivery-express").isChecked(), true);
    const shipping = amount(await tid("checkout-shipping").innerText());
    assert.equal(shipping, 60, "international express is €60");
    assert.equal(amount(await tid("checkout-total").innerText()), subtotal + shipping);

    await tid("field-name").fill("Grace Lee");
    await tid("field-email").fill("grace.lee@example.com");
    await tid("field-phone").fill("+1 212 555 0100");
    await tid("field-address_line1").fill("700 Fifth Avenue");
    await tid("field-city").fill("New York");
    await tid("field-postcode").fill("10019");
    await tid("checkout-submit").click();
    await page.waitForURL(/\/checkout\/demo\//);
    await tid("demo-pay").click();
    await page.waitForURL(/\/orders\//);
    assert.equal(amount(await tid("order-delivery").innerText()), 60);
    assert.equal(amount(await tid("order-total").innerText()), subtotal + 60);
    assert.match(await tid("order-duties").innerText(), /carrier/);
    await page.screenshot({ path: artifactPath(`delivery-order-${backend}.png`), fullPage: true });
    await assertNoCookie(assert, page);
    await watch.verify(assert);
  });
}
