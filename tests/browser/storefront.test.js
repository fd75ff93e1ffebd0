// The storefront flow in a real browser (Debian's Chromium), against SQLite and
// PostgreSQL: home → product card → size → add to bag → currency → language →
// reload → cart page (quantity, remove), with the privacy promises (P6, P14)
// checked on the way: no cookies, no Set-Cookie, strict CSP, only the P14
// storage keys, no request leaving the shop, no console errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  BACKENDS, startServer, launchBrowser, demoCatalog, watchPrivacy, assertNoCookie,
  assertStorage, artifactPath, amount, assertOk,
} from "./helpers.js";

/** First product with sizes, more than one variant in stock, and (if any) a sold-out variant. */
function pickProduct(catalog) {
  const sized = catalog.products.filter(
    (p) => !p.retired && p.variants.some((v) => v.size) && p.variants.filter((v) => v.stock > 0).length > 1,
  );
  assert.ok(sized.length > 0, "the demo catalog has no product with sizes and >1 variants in stock");
  const product = sized.find((p) => p.variants.some((v) => v.stock === 0)) || sized[0];
  const inStock = product.variants.filter((v) => v.stock > 0);
  return {
    product,
    // Not the first in-stock variant, so that choosing it is a real change of selection.
    chosen: inStock[1],
    soldOut: product.variants.find((v) => v.stock === 0) || null,
  };
}

const count = (page) => page.getByTestId("cart-count");

for (const backend of BACKENDS) {
  test(`storefront flow [${backend}]`, { timeout: 60_000 }, async (t) => {
    const catalog = demoCatalog();
    const { product, chosen, soldOut } = pickProduct(catalog);
    const server = await startServer(backend);
    t.after(() => server.stop());
    const browser = await launchBrowser();
    t.after(() => browser.close());
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-GB" });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const watch = await watchPrivacy(context, page, server.origin);
    const { origin } = server;

    // --- home page
    assertOk(assert, await page.goto(origin + "/"), server);
    assert.equal(await page.getAttribute("html", "lang"), "en");
    await assertNoCookie(assert, page);
    await assert.doesNotReject(count(page).waitFor(), "no cart-count in the header");
    assert.equal((await count(page).textContent()).trim(), "0");

    // --- follow a product card (from the home page, or through the product's collection)
    const productPath = `/products/${product.slug}`;
    const cardOnHome = page.locator(`[data-testid="product-card"][href="${productPath}"]`);
    if ((await cardOnHome.count()) === 0) {
      const collectionPath = `/collections/${product.collections[0]}`;
      await page.locator(`a[href="${collectionPath}"]`).first().click();
      await page.waitForURL(origin + collectionPath);
      await assertNoCookie(assert, page);
    }
    await page.locator(`[data-testid="product-card"][href="${productPath}"]`).first().click();
    await page.waitForURL(origin + productPath);
    await assertNoCookie(assert, page);
    assert.ok((await page.title()).includes(product.en.name), `product page title ${await page.title()}`);

    // --- sizes: pick an in-stock size; a sold-out one is disabled
    const radio = page.getByTestId(`variant-${chosen.sku}`);
    assert.equal(await radio.getAttribute("type"), "radio");
    assert.equal(await radio.isDisabled(), false, `in-stock variant ${chosen.sku} is disabled`);
    await radio.check(); // a real click on the option (the transparent radio sits over its label)
    assert.equal(await radio.isChecked(), true, `variant ${chosen.sku} not checked after clicking it`);
    if (soldOut) {
      assert.equal(await page.getByTestId(`variant-${soldOut.sku}`).isDisabled(), true,
        `sold-out variant ${soldOut.sku} is not disabled`);
    }

    // --- add to bag
    await page.getByTestId("add-to-cart").click();
    await page.getByTestId("add-feedback").filter({ hasText: /\S/ }).waitFor();
    await assert.doesNotReject(
      page.waitForFunction(() => document.querySelector("[data-testid='cart-count']").textContent.trim() === "1"),
      "the header cart-count did not become 1",
    );
    const stored = await page.evaluate(() => localStorage.getItem(document.documentElement.dataset.cartKey));
    assert.deepEqual(JSON.parse(stored), { v: 1, lines: [{ sku: chosen.sku, qty: 1 }] }, "cart in storage");

    // --- currency: GBP without reload
    const price = page.locator("main .price").first();
    const prices = JSON.parse(await price.getAttribute("data-prices"));
    assert.ok(prices.GBP && prices.GBP.includes("£"), `data-prices has no £ price: ${JSON.stringify(prices)}`);
    assert.equal((await price.textContent()).trim(), prices.EUR, "default currency shown first");
    await page.evaluate(() => { window.__lvNoReload = true; });
    await page.getByTestId("currency-picker").selectOption("GBP");
    await assert.doesNotReject(
      page.waitForFunction((gbp) => document.querySelector("main .price").textContent.trim() === gbp, prices.GBP),
      "the product price did not switch to GBP",
    );
    assert.equal(await page.evaluate(() => window.__lvNoReload), true, "the currency switch reloaded the page");
    const allPrices = await page.locator(".price").allTextContents();
    assert.ok(allPrices.every((p) => p.includes("£")), `not every price is in £: ${allPrices}`);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: artifactPath(`product-${backend}.png`), fullPage: false });

    // --- language: French version of the same page
    await page.getByTestId("lang-fr").first().click();
    await page.waitForURL(`${origin}/fr${productPath}`);
    await assertNoCookie(assert, page);
    assert.equal(await page.getAttribute("html", "lang"), "fr");
    assert.ok((await page.title()).includes(product.fr.name), `French title: ${await page.title()}`);
    assert.equal(await page.getByTestId("currency-picker").inputValue(), "GBP", "currency lost on language switch");

    // --- reload: cart and currency kept
    assertOk(assert, await page.reload(), server);
    await assertNoCookie(assert, page);
    await page.waitForFunction(() => document.querySelector("[data-testid='cart-count']").textContent.trim() === "1");
    assert.equal(await page.getByTestId("currency-picker").inputValue(), "GBP", "currency lost on reload");
    await page.waitForFunction(() => document.querySelector("main .price").textContent.includes("£"));
    const frPrices = await page.locator(".price").allTextContents();
    assert.ok(frPrices.length > 0 && frPrices.every((p) => p.includes("£")), `prices after reload: ${frPrices}`);

    // --- cart page
    await page.locator("a:has([data-testid='cart-count'])").first().click();
    await page.waitForURL(`${origin}/fr/cart`);
    await assertNoCookie(assert, page);
    const lines = page.getByTestId("cart-line");
    await lines.first().waitFor();
    assert.equal(await lines.count(), 1);
    assert.equal(await lines.first().getAttribute("data-sku"), chosen.sku);
    const subtotal = page.getByTestId("cart-subtotal");
    await page.waitForFunction(() => /£/.test(document.querySelector("[data-testid='cart-subtotal']").textContent));
    const sub1 = (await subtotal.textContent()).trim();
    const lineTotal = (await lines.first().locator(".line-total").textContent()).trim();
    assert.ok(lineTotal.includes("£"), `line total ${lineTotal}`);
    assert.equal(amount(sub1), amount(lineTotal), `subtotal ${sub1} ≠ line total ${lineTotal}`);
    assert.equal(amount(sub1), amount(prices.GBP), `subtotal ${sub1} ≠ product price ${prices.GBP}`);
    await page.screenshot({ path: artifactPath(`cart-${backend}.png`), fullPage: false });

    await page.getByTestId("line-qty").fill("2");
    await page.getByTestId("line-qty").press("Enter");
    await assert.doesNotReject(
      page.waitForFunction(
        (want) => document.querySelector("[data-testid='cart-subtotal']").textContent.replace(/[^0-9]/g, "") === want,
        String(2 * amount(sub1)),
      ),
      "the subtotal did not double",
    );
    await page.waitForFunction(() => document.querySelector("[data-testid='cart-count']").textContent.trim() === "2");

    await page.getByTestId("line-remove").click();
    await page.getByTestId("cart-empty").waitFor({ state: "visible" });
    assert.equal(await lines.count(), 0);
    await page.waitForFunction(() => document.querySelector("[data-testid='cart-count']").textContent.trim() === "0");

    // --- privacy over the whole flow
    await assertStorage(assert, page);
    const { requests } = await watch.verify(assert);
    assert.ok(requests.some((u) => u.includes("/api/v1/cart/quote")), "the cart page never called the quote API");
  });
}
