// Cart page edge cases through the UI, against SQLite and PostgreSQL: a stored
// cart with an unknown SKU and a quantity above stock shows a message on each
// line and still prices what can be priced; garbage in the cart key shows the
// empty bag instead of breaking the page.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  BACKENDS, startServer, launchBrowser, demoCatalog, watchPrivacy, assertNoCookie, assertStorage, amount, assertOk,
} from "./helpers.js";

/** An in-stock variant (with its product) whose stock is small enough to exceed. */
function pickInStock(catalog) {
  for (const product of catalog.products) {
    if (product.retired) continue;
    const variant = product.variants.find((v) => v.stock > 0 && v.stock < 90);
    if (variant) return { product, variant };
  }
  throw new Error("the demo catalog has no variant in stock");
}

for (const backend of BACKENDS) {
  test(`cart page edge cases [${backend}]`, { timeout: 60_000 }, async (t) => {
    const catalog = demoCatalog();
    const { product, variant } = pickInStock(catalog);
    const server = await startServer(backend);
    t.after(() => server.stop());
    const browser = await launchBrowser();
    t.after(() => browser.close());
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const watch = await watchPrivacy(context, page, server.origin);
    const { origin } = server;

    // --- a crafted cart: an unknown SKU and more than the stock of a real one
    assertOk(assert, await page.goto(origin + "/"), server);
    await assertNoCookie(assert, page);
    const tooMany = variant.stock + 3;
    await page.evaluate((cart) => {
      localStorage.setItem(document.documentElement.dataset.cartKey, JSON.stringify(cart));
    }, { v: 1, lines: [{ sku: "NOT-A-SKU", qty: 1 }, { sku: variant.sku, qty: tooMany }] });

    assertOk(assert, await page.goto(origin + "/cart"), server);
    await assertNoCookie(assert, page);
    const lines = page.getByTestId("cart-line");
    await lines.first().waitFor();
    assert.equal(await lines.count(), 2, "both stored lines are shown");
    const unknown = page.locator("[data-testid='cart-line'][data-sku='NOT-A-SKU']");
    const short = page.locator(`[data-testid='cart-line'][data-sku='${variant.sku}']`);
    assert.equal(await unknown.count(), 1, "no line for the unknown SKU");
    assert.equal(await short.count(), 1, `no line for ${variant.sku}`);
    for (const [what, line] of [["unknown SKU", unknown], ["over-stock line", short]]) {
      const msg = line.getByTestId("line-message");
      assert.equal(await msg.count(), 1, `the ${what} has no line-message`);
      assert.match((await msg.textContent()).trim(), /\S/, `the ${what}'s line-message is empty`);
    }
    // Priced at what is available, in the default currency (EUR for the demo).
    const subtotal = (await page.getByTestId("cart-subtotal").textContent()).trim();
    assert.ok(subtotal.includes("€"), `subtotal ${JSON.stringify(subtotal)} is not a € amount`);
    assert.equal(amount(subtotal), variant.stock * Number(product.prices.EUR),
      `subtotal ${subtotal} ≠ ${variant.stock} available × €${product.prices.EUR}`);
    assert.equal(await page.getByTestId("cart-empty").isVisible(), false);
    await assertStorage(assert, page);

    // --- garbage in the cart key
    await page.evaluate(() => {
      localStorage.setItem(document.documentElement.dataset.cartKey, "{this is not json");
    });
    assertOk(assert, await page.goto(origin + "/cart"), server);
    await assertNoCookie(assert, page);
    await page.getByTestId("cart-empty").waitFor({ state: "visible" });
    assert.equal(await page.getByTestId("cart-line").count(), 0);
    assert.equal((await page.getByTestId("cart-count").textContent()).trim(), "0");
    // The other pages still work with the garbage in place.
    assertOk(assert, await page.goto(origin + `/products/${product.slug}`), server);
    await assertNoCookie(assert, page);
    assert.equal((await page.getByTestId("cart-count").textContent()).trim(), "0");
    await assertStorage(assert, page);
    await watch.verify(assert);
  });
}
