// The main staff flows in a real browser (Debian's Chromium), against SQLite and PostgreSQL:
// a guest's order is placed and paid on the demo provider; the owner signs in (password + TOTP),
// reads the dashboard's charts, finds the order by the guest's email through the posted search
// (the address never reaches the URL), opens it, marks it fulfilled, logs a privacy request that
// came by email and sees its deadline in the queue, records a breach and sees its 72-hour clock,
// adds a fulfilment colleague with the staff page, and finds each of these in the audit log.
// The fulfilment colleague then signs in, sees the order's shipping address but not the
// customer's email, and is refused the customer pages and the audit log.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { BACKENDS, startServer, launchBrowser, demoCatalog, artifactPath } from "./helpers.js";
import { cli, watch, signInFirstTime } from "./staff-helpers.js";

const OWNER_PASSWORD = "velours et soie 1923";

function pickVariant(catalog) {
  for (const product of catalog.products) {
    if (product.retired) continue;
    const variant = product.variants.find((v) => v.stock >= 2);
    if (variant) return variant;
  }
  throw new Error("the demo catalog has no variant in stock");
}

/** A guest order through the API, paid on the demo provider's page. */
async function paidGuestOrder(origin, email, sku) {
  const response = await fetch(origin + "/api/v1/orders", {
    method: "POST",
    headers: { "Content-Type": "application/json", "Idempotency-Key": `flows-${randomBytes(12).toString("hex")}` },
    body: JSON.stringify({
      lang: "en", currency: "EUR", lines: [{ sku, quantity: 1 }],
      contact: { name: "Aurélie Marchand", email, phone: "+33 6 12 34 56 78", address_line1: "12 rue du Bac",
        address_line2: "", city: "Paris", postcode: "75007", country: "FR" },
    }),
  });
  const body = await response.json();
  assert.equal(response.status, 201, JSON.stringify(body));
  const redirect = new URL(body.payment.redirect_url, origin);
  const paid = await fetch(origin + redirect.pathname, {
    method: "POST", redirect: "manual", headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: origin },
    // The order's key travels in the fragment (never sent to the server by a browser); the page's
    // script posts it with the payment, as this does.
    body: new URLSearchParams({ key: new URLSearchParams(redirect.hash.slice(1)).get("key") }),
  });
  assert.equal(paid.status, 303, "paid on the demo page");
  return body.order;
}

for (const backend of BACKENDS) {
  test(`back office flows [${backend}]`, { timeout: 240_000 }, async (t) => {
    const server = await startServer(backend);
    t.after(() => server.stop());
    const browser = await launchBrowser();
    t.after(() => browser.close());
    const { origin } = server;
    const guestEmail = `aurelie.${randomBytes(4).toString("hex")}@example.com`;
    const order = await paidGuestOrder(origin, guestEmail, pickVariant(demoCatalog()).sku);

    const made = cli(server, ["staff", "create", "--username", "celeste", "--name", "Céleste", "--role", "owner", "--password-stdin"],
      OWNER_PASSWORD + "\n");
    assert.equal(made.status, 0, made.stderr);
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const problems = watch(context, page, origin);
    await signInFirstTime(page, origin, "celeste", OWNER_PASSWORD);

    // Dashboard: charts drawn on the server, each with its data table for screen readers.
    await page.goto(origin + "/admin");
    assert.ok(await page.locator("[data-testid=chart] svg[role=img]").count() >= 3, "sales, states and deadlines");
    assert.ok(await page.locator("[data-testid=chart] table caption").count() >= 3);
    await page.screenshot({ path: artifactPath(`backoffice-dashboard-${backend}.png`), fullPage: true });

    // Orders: search by the guest's email; the address stays out of the URL.
    await page.click("nav.bo-nav >> text=Orders");
    await page.fill("#f-q", guestEmail.slice(0, 12));
    await Promise.all([page.waitForLoadState("load"), page.click("form.filters button[type=submit]")]);
    assert.equal(new URL(page.url()).search, "", "the search is posted, not put in the address");
    assert.ok(!page.url().includes("aurelie"));
    const rows = page.locator("[data-testid=orders] tbody tr");
    assert.equal(await rows.count(), 1);
    assert.match(await rows.first().textContent(), new RegExp(order.number));
    await Promise.all([page.waitForURL(`**/admin/orders/${order.id}`), page.click(`text=${order.number}`)]);
    assert.match(await page.textContent("[data-testid=order-contact]"), new RegExp(guestEmail.replace(".", "\\.")));
    // The demo capture runs in the background: wait until the payment is taken, then ship it.
    for (let i = 0; i < 50; i += 1) {
      if ((await page.textContent("[data-testid=order-status]")).includes("confirmed")) break;
      await new Promise((r) => setTimeout(r, 200));
      await page.reload();
    }
    await page.fill("#fulfil-reason", "Colissimo 8R0001");
    await Promise.all([page.waitForLoadState("load"), page.click("button:has-text(\"Mark fulfilled\")")]);
    assert.match(await page.textContent("[data-testid=order-status]"), /fulfilled/);
    assert.match(await page.textContent("[data-testid=order-history]"), /Colissimo 8R0001/);
    await page.screenshot({ path: artifactPath(`backoffice-order-${backend}.png`), fullPage: true });

    // A privacy request that came by email, logged with its clock.
    await page.goto(origin + "/admin/privacy/requests");
    await page.click("details.log-request summary");
    await page.selectOption("#log-kind", "access");
    await page.selectOption("#log-channel", "email");
    await page.fill("#log-contact", guestEmail);
    await Promise.all([page.waitForLoadState("load"), page.click("button:has-text(\"Log the request\")")]);
    await page.goto(origin + "/admin/privacy/requests");
    assert.match(await page.textContent("main"), /days? left/);

    // A breach, with its 72-hour clock.
    await page.goto(origin + "/admin/privacy/breaches");
    const now = new Date(Date.now() - 2 * 3600_000).toISOString().slice(0, 16);
    await page.fill("#b-discovered", now);
    await page.fill("#b-nature", "A backup copy was left readable on a shared drive");
    await page.check("input[name=category][value=contact]");
    await page.fill("#b-people", "12");
    await page.selectOption("#b-risk", "risk");
    await Promise.all([page.waitForLoadState("load"), page.click("button:has-text(\"Record the breach\")")]);
    assert.match(await page.textContent("[data-testid=hours-left]"), /^(69|70) h left$/);

    // A colleague for fulfilment, created on the staff page.
    await page.goto(origin + "/admin/staff");
    await page.fill("#new-email", "theo@maison.example");
    await page.fill("#new-username", "theo");
    await page.fill("#new-name", "Théo");
    await page.selectOption("#new-role", "fulfilment");
    await page.fill("#new-password", "cartons et rubans 77");
    await Promise.all([page.waitForLoadState("load"), page.click("form.form-grid button[type=submit]")]);
    assert.match(await page.textContent("main"), /theo/);

    // Everything above is in the audit log, under ids.
    await page.goto(origin + "/admin/audit");
    const audit = await page.textContent("[data-testid=audit-entries]");
    for (const action of ["orders.search", "order.view", "order.fulfil", "privacy_request.log", "breach.record", "staff.create"]) {
      assert.ok(audit.includes(action), `${action} is in the audit log`);
    }
    assert.ok(!audit.includes(guestEmail), "the audit log holds no email");
    assert.deepEqual(problems, [], "owner's pages");

    // Théo (fulfilment): the parcel's address, not the customer's email; no customers, no audit.
    const theoContext = await browser.newContext();
    const theo = await theoContext.newPage();
    const theoProblems = watch(theoContext, theo, origin);
    await signInFirstTime(theo, origin, "theo", "cartons et rubans 77");
    await theo.goto(`${origin}/admin/orders/${order.id}`);
    assert.match(await theo.textContent("[data-testid=order-shipping]"), /12 rue du Bac/);
    assert.equal(await theo.locator("[data-testid=order-contact]").count(), 0, "no contact for fulfilment");
    assert.ok(!(await theo.content()).includes(guestEmail));
    for (const path of ["/admin/customers", "/admin/audit", "/admin/privacy/requests", "/admin/staff"]) {
      const answer = await theo.goto(origin + path);
      assert.equal(answer.status(), 403, path);
    }
    assert.deepEqual(theoProblems.filter((p) => !/status of 403/.test(p)), [], "fulfilment's pages");
  });
}
