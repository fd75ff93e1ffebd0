// The shop's own analytics in a real browser (Debian's Chromium), against SQLite and PostgreSQL
// (P6, P14): each page reports one view to the shop itself — its route template (never the
// product's slug or a query), its language, the per-tab id `lg_sid` in sessionStorage — and
// nothing else: no cookie, no other origin, no IP or user agent in the request's body. A
// browser with Global Privacy Control on sends nothing and keeps no `lg_sid`.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  BACKENDS, startServer, launchBrowser, demoCatalog, watchPrivacy, assertNoCookie, assertStorage, assertOk,
} from "./helpers.js";

const VIEWS_API = "/api/v1/analytics/views";

for (const backend of BACKENDS) {
  test(`first-party analytics [${backend}]`, { timeout: 60_000 }, async (t) => {
    const product = demoCatalog().products.find((p) => !p.retired);
    const server = await startServer(backend);
    t.after(() => server.stop());
    const browser = await launchBrowser();
    t.after(() => browser.close());
    const { origin } = server;

    // --- an ordinary visit: a view per page, the same tab id throughout
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-GB" });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const watch = await watchPrivacy(context, page, origin);
    const views = [];
    page.on("request", (r) => {
      if (r.method() === "POST" && new URL(r.url()).pathname === VIEWS_API) views.push(r);
    });
    const answered = (r) => r.request().method() === "POST" && new URL(r.url()).pathname === VIEWS_API;
    const [home] = await Promise.all([page.waitForResponse(answered), page.goto(origin + "/")]);
    assert.equal(home.status(), 204, "the home page's view was not received");
    const [productView] = await Promise.all([
      page.waitForResponse(answered),
      page.goto(origin + `/fr/products/${product.slug}?utm_source=letter`),
    ]);
    assert.equal(productView.status(), 204);
    assert.equal(views.length, 2, "not one view per page");
    const bodies = views.map((r) => JSON.parse(r.postData()));
    assert.deepEqual(bodies.map((b) => [b.path, b.lang]), [["/", "en"], ["/products/{slug}", "fr"]]);
    assert.ok(!JSON.stringify(bodies).includes(product.slug), "the product's slug was reported");
    assert.ok(!JSON.stringify(bodies).includes("utm_source"), "the query was reported");
    assert.deepEqual(Object.keys(bodies[0]).sort(), ["lang", "path", "referrer", "sid"], "unexpected fields");
    assert.equal(bodies[0].sid, bodies[1].sid, "the tab's id changed between pages");
    const stored = await page.evaluate(() => sessionStorage.getItem("lg_sid"));
    assert.equal(stored, bodies[0].sid, "lg_sid is not the id reported");
    assert.match(stored, /^[0-9a-f]{32}$/);
    await assertNoCookie(assert, page);
    await assertStorage(assert, page);
    await watch.verify(assert);

    // --- a new tab: a new id (sessionStorage lives as long as the tab)
    const other = await context.newPage();
    const [again] = await Promise.all([other.waitForRequest((r) => new URL(r.url()).pathname === VIEWS_API),
      other.goto(origin + "/")]);
    assert.notEqual(JSON.parse(again.postData()).sid, stored, "another tab shares the id");

    // --- Global Privacy Control: nothing sent, nothing kept in the browser
    const private_ = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-GB" });
    await private_.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, "globalPrivacyControl", { get: () => true });
    });
    const gpcPage = await private_.newPage();
    const sent = [];
    gpcPage.on("request", (r) => { if (new URL(r.url()).pathname === VIEWS_API) sent.push(r); });
    assertOk(assert, await gpcPage.goto(origin + "/"), server);
    assertOk(assert, await gpcPage.goto(origin + `/products/${product.slug}`), server);
    await gpcPage.waitForLoadState("networkidle");
    assert.equal(sent.length, 0, "a view was reported despite Global Privacy Control");
    assert.equal(await gpcPage.evaluate(() => sessionStorage.getItem("lg_sid")), null, "lg_sid kept under GPC");
  });
}
