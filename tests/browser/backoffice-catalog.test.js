// A real boutique's catalog in a real browser (Debian's Chromium), against SQLite and PostgreSQL:
// a manager (made with `luxevault staff create`, signed in with password + TOTP) creates a product
// with two sizes in the back office — Markdown description, SEO title, SKUs, weights, HS code,
// country of origin, stock — and it is a draft the shop does not show; she publishes it; then a
// shopper finds it in the product list (the catalog API) and opens its page,
// picks the second size, adds it to the bag and buys it with the demo payment. The manager then
// sees the sold piece gone from that size's stock. No off-origin request, strict CSP, no console
// errors on the way.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { BACKENDS, startServer, launchBrowser, artifactPath, assertOk } from "./helpers.js";
import { cli, watch, signInFirstTime } from "./staff-helpers.js";

const MANAGER_PASSWORD = "cuir grainé et fil de lin";

for (const backend of BACKENDS) {
  test(`back office catalog: create, publish, buy [${backend}]`, { timeout: 180_000 }, async (t) => {
    const server = await startServer(backend);
    t.after(() => server.stop());
    const browser = await launchBrowser();
    t.after(() => browser.close());
    const { origin } = server;
    const stamp = randomBytes(3).toString("hex");
    const handle = `pochette-soir-${stamp}`;
    const sku = `PS-${stamp.toUpperCase()}`;

    const made = cli(server, ["staff", "create", "--username", "margaux", "--name", "Margaux", "--role", "manager",
      "--password-stdin"], MANAGER_PASSWORD + "\n");
    assert.equal(made.status, 0, made.stderr);

    // --- the manager creates the product with two sizes
    const staffContext = await browser.newContext({ locale: "en-GB" });
    const staff = await staffContext.newPage();
    staff.setDefaultTimeout(10_000);
    const staffProblems = watch(staffContext, staff, origin);
    await signInFirstTime(staff, origin, "margaux", MANAGER_PASSWORD);
    await staff.goto(origin + "/admin/catalog");
    await Promise.all([staff.waitForURL("**/admin/catalog/new"), staff.getByTestId("new-product").click()]);
    await staff.fill("#new-handle", handle);
    await staff.fill("#new-price", "480,00");
    await staff.fill("#name-en", "Pochette Soir");
    await staff.fill("#subtitle-en", "Satin and grained calfskin");
    await staff.fill("#description-en", "A **small** evening clutch.\n\n- a chain strap\n- a mirror\n\n<script>window.pwned = 1</script>");
    await staff.fill("#seo-title-en", "Pochette Soir, the evening clutch");
    await staff.fill("#seo-description-en", "An evening clutch in satin and calfskin.");
    const rows = [["S", "3", "280"], ["M", "2", "320"]];
    for (const [i, [size, stock, weight]] of rows.entries()) {
      await staff.fill(`#v${i}-sku`, `${sku}-${size}`);
      await staff.fill(`#v${i}-size`, size);
      await staff.fill(`#v${i}-stock`, stock);
      await staff.fill(`#v${i}-weight`, weight);
      await staff.fill(`#v${i}-material`, "Satin");
      await staff.fill(`#v${i}-hs`, "4202.22");
      await staff.fill(`#v${i}-origin`, "IT");
    }
    await Promise.all([staff.waitForURL(`**/admin/catalog/${handle}*`), staff.click("[data-testid=new-product-form] button[type=submit]")]);
    assert.equal(await staff.getAttribute("[data-testid=product-publication]", "data-state"), "draft");
    const variantRows = staff.locator("[data-testid=product-variants] tbody tr");
    assert.equal(await variantRows.count(), 2, "two sizes");
    assert.match(await variantRows.nth(1).innerText(), /4202\.22/);

    // A draft is not in the shop.
    const hidden = await fetch(`${origin}/products/${handle}`);
    assert.equal(hidden.status, 404, "a draft is shown");

    // --- published
    await Promise.all([staff.waitForLoadState("load"), staff.getByTestId("publish-now").click()]);
    assert.equal(await staff.getAttribute("[data-testid=product-publication]", "data-state"), "published");
    await staff.screenshot({ path: artifactPath(`backoffice-catalog-${backend}.png`), fullPage: false });

    // --- a shopper finds it and buys size M
    const list = await (await fetch(`${origin}/api/v1/products?currency=EUR&lang=en`)).json();
    const listed = list.products.find((p) => p.slug === handle);
    assert.ok(listed, "the published product is listed");
    const shopContext = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-GB" });
    const page = await shopContext.newPage();
    page.setDefaultTimeout(10_000);
    const shopProblems = watch(shopContext, page, origin);
    const tid = (id) => page.getByTestId(id);
    assertOk(assert, await page.goto(origin + new URL(listed.href, origin).pathname), server);
    assert.equal(await page.title(), "Pochette Soir, the evening clutch — " + (await page.title()).split(" — ").pop());
    assert.equal(await page.getAttribute("meta[name=description]", "content"), "An evening clutch in satin and calfskin.");
    assert.equal(await page.locator(".disclosure__body strong").first().innerText(), "small", "Markdown rendered");
    assert.equal(await page.evaluate(() => window.pwned), undefined, "the written script did not run");
    await tid(`variant-${sku}-M`).check();
    await tid("add-to-cart").click();
    await page.waitForFunction(() => document.querySelector("[data-testid='cart-count']").textContent.trim() === "1");
    await page.goto(origin + "/cart");
    await tid("cart-line").first().waitFor();
    await tid("cart-checkout").click();
    await page.waitForURL(origin + "/checkout");
    await page.locator("[data-testid='checkout-lines'] li").first().waitFor();
    await tid("field-email").fill(`ines.${stamp}@example.com`);
    await tid("field-name").fill("Inès Laurent");
    await tid("field-phone").fill("+33 6 98 76 54 32");
    await tid("field-address_line1").fill("3 place Vendôme");
    await tid("field-city").fill("Paris");
    await tid("field-postcode").fill("75001");
    await tid("field-country").selectOption("FR");
    await tid("checkout-submit").click();
    await page.waitForURL(/\/checkout\/demo\/demo_cs_[0-9a-f]+/);
    const number = (await tid("demo-order-number").textContent()).trim();
    await tid("demo-pay").click();
    await page.waitForURL(/\/orders\/[0-9a-f-]+$/);
    assert.equal((await tid("order-number").textContent()).trim(), number);
    assert.match(await page.locator("main").innerText(), /Pochette Soir/);

    // --- the manager sees one piece of M gone
    await staff.goto(`${origin}/admin/catalog/${handle}`);
    const stockM = await staff.locator(`[data-testid=product-variants] tr[data-sku="${sku}-M"] input[name=stock]`).inputValue();
    assert.equal(stockM, "1", "one piece of size M was sold");
    const stockS = await staff.locator(`[data-testid=product-variants] tr[data-sku="${sku}-S"] input[name=stock]`).inputValue();
    assert.equal(stockS, "3", "size S untouched");

    assert.deepEqual(staffProblems, [], "manager's pages");
    assert.deepEqual(shopProblems, [], "shopper's pages");
  });
}
