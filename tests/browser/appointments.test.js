// Booking a fitting in a real browser set to Tokyo time, against SQLite and PostgreSQL: the
// week's times read in the Paris boutique's clock and in the visitor's, the booking is
// confirmed (a card number in the note is removed), the emailed link opens the appointment
// through its fragment key, moves it to another time, then cancels it. No cookie throughout.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS, startServer, launchBrowser, watchPrivacy, assertNoCookie, artifactPath, assertOk, waitForEmail } from "./helpers.js";
import { cli, watch, signInFirstTime } from "./staff-helpers.js";

const ASSOCIATE_PASSWORD = "ganse de soie 1947 atelier";

function linkIn(text) {
  const decoded = text.replace(/=\r?\n/g, "").replace(/=3D/g, "=");
  const match = /(https?:\/\/[^\s"<>]*\/appointments\/[0-9a-f-]{36}#key=[0-9]+\.[0-9a-f]{64})/.exec(decoded);
  if (!match) throw new Error("no appointment link in the email");
  return match[1];
}

for (const backend of BACKENDS) {
  test(`a client books, moves and cancels a fitting [${backend}]`, { timeout: 60_000 }, async (t) => {
    const server = await startServer(backend);
    t.after(() => server.stop());
    const browser = await launchBrowser();
    t.after(() => browser.close());
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "en-GB", timezoneId: "Asia/Tokyo" });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const watch = await watchPrivacy(context, page, server.origin);
    const tid = (id) => page.getByTestId(id);

    assertOk(assert, await page.goto(server.origin + "/"), server);
    await tid("footer-appointments").click();
    // The page asks once more with the visitor's zone: times read in both clocks.
    await page.waitForURL(/tz=Asia%2FTokyo/);
    await tid("appointment-service").selectOption("fitting");
    await page.getByRole("button", { name: "Show times" }).click();
    await tid("appointment-slot").first().waitFor();
    assert.match(await tid("appointment-client-time").first().innerText(), /JST/);
    assert.match(await tid("appointment-legal-basis").innerText(), /before a contract/);
    await page.screenshot({ path: artifactPath(`appointments-book-${backend}.png`), fullPage: true });

    await tid("appointment-slot").first().check();
    await tid("appointment-name").fill("Aiko Tanaka");
    await tid("appointment-email").fill("aiko@example.test");
    await page.locator("textarea[name=note]").fill("My card 4242 4242 4242 4242, thank you");
    await tid("appointment-book").click();
    await tid("appointment-confirmed").waitFor();
    assert.match(await tid("appointment-when").innerText(), /CE(S)?T.*JST/);
    assert.match(await page.locator("[role=status]").first().innerText(), /card number/i);

    const mail = await waitForEmail(server, (text) => text.includes("aiko@example.test") && text.includes("text/calendar"));
    assert.ok(!mail.text.includes("4242 4242 4242 4242"), "no card number in the email");
    const link = linkIn(mail.text);
    assertOk(assert, await page.goto(link), server);
    await tid("appointment-summary").waitFor();
    assert.ok(!page.url().includes("key="), "the key left the address bar");
    assert.equal(await tid("appointment-status").innerText(), "Booked");
    const before = await tid("appointment-when").innerText();

    await tid("appointment-slot").nth(2).check();
    await tid("appointment-move-submit").click();
    await tid("appointment-notice").waitFor();
    assert.match(await tid("appointment-notice").innerText(), /moved/);
    assert.notEqual(await tid("appointment-when").innerText(), before);
    await page.screenshot({ path: artifactPath(`appointments-moved-${backend}.png`), fullPage: true });

    await tid("appointment-cancel").click();
    await tid("appointment-notice").waitFor();
    assert.equal(await tid("appointment-status").innerText(), "Cancelled");
    await waitForEmail(server, (text) => text.includes("METHOD:CANCEL"));
    await assertNoCookie(assert, page);
    await watch.verify(assert);
  });
}

for (const backend of BACKENDS) {
  test(`an associate reads the boutique's calendar and records an absence [${backend}]`, { timeout: 60_000 }, async (t) => {
    const server = await startServer(backend);
    t.after(() => server.stop());
    // A client books an alteration (Camille's alone) through the API.
    const slots = await (await fetch(server.origin + "/api/v1/boutiques/paris/slots?service=alteration")).json();
    const start = slots.slots[0].starts_at;
    const day = slots.slots[0].boutique_time.slice(0, 10);
    const booked = await fetch(server.origin + "/api/v1/appointments", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": "browser-calendar-booking-01" },
      body: JSON.stringify({ boutique: "paris", service: "alteration", starts_at: start, name: "Margaux Laurent", email: "margaux@example.test", piece: "Veste Opéra" }),
    });
    assert.equal(booked.status, 201);

    const made = cli(server, ["staff", "create", "--username", "camille", "--email", "camille@maison.example", "--name", "Camille", "--role", "associate", "--password-stdin"],
      ASSOCIATE_PASSWORD + "\n");
    assert.equal(made.status, 0, made.stderr);
    const browser = await launchBrowser();
    t.after(() => browser.close());
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const problems = watch(context, page, server.origin);
    await signInFirstTime(page, server.origin, "camille", ASSOCIATE_PASSWORD);

    await page.goto(`${server.origin}/admin/appointments?boutique=paris&view=day&from=${day}`);
    await page.getByTestId("calendar-appointment").first().waitFor();
    assert.match(await page.getByTestId("calendar-client").first().innerText(), /Margaux Laurent/);
    assert.match(await page.getByTestId("calendar").innerText(), /Veste Opéra/);
    assert.match(await page.getByTestId("calendar-status").first().innerText(), /booked/i);
    await page.screenshot({ path: artifactPath(`appointments-calendar-${backend}.png`), fullPage: true });

    // Camille away the whole day: the booking page offers no alteration that day any more.
    const form = page.getByTestId("absence-form");
    await form.locator("select[name=associate]").selectOption({ label: "Camille" });
    await form.locator("input[name=from]").fill(`${day}T00:00`);
    await form.locator("input[name=until]").fill(`${day}T23:45`);
    await Promise.all([page.waitForLoadState("load"), form.locator("button[type=submit]").click()]);
    assert.equal(await page.getByTestId("error").count(), 0);
    const after = await (await fetch(server.origin + "/api/v1/boutiques/paris/slots?service=alteration")).json();
    assert.ok(!after.slots.some((s) => s.boutique_time.startsWith(day)), `no alteration offered on ${day}`);
    assert.deepEqual(problems, []);
  });
}
