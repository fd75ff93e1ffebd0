// The back office in a real browser (Debian's Chromium), against SQLite and PostgreSQL:
// the first owner is made with `luxevault staff create`, signs in with a password, sets up TOTP
// by reading the key off the enrolment page (the code computed here as an authenticator app
// would), sees the recovery codes once and lands on the dashboard with a `__Host-` cookie that
// scripts cannot read. A page on another origin that posts a form to the back office is refused
// and the owner stays signed in. A fulfilment member cannot open the audit log or a customer's
// messages (403, nothing rendered); a wrong TOTP code is refused and, after five, even the right
// one is throttled. Finally an audit row edited behind the application's back is reported by
// `luxevault audit verify`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { BACKENDS, startServer, launchBrowser, freePort, artifactPath } from "./helpers.js";
import { totp, cli, tamper, watch, signInFirstTime } from "./staff-helpers.js";

const OWNER_PASSWORD = "velours et soie 1923";
const FULFIL_PASSWORD = "cartons et rubans 77";

for (const backend of BACKENDS) {
  test(`back office gate [${backend}]`, { timeout: 240_000 }, async () => {
    const server = await startServer(backend);
    const browser = await launchBrowser();
    const evil = createServer((req, res) => {
      // A page of another origin that posts a form to the back office as soon as it opens.
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<!doctype html><form id="f" method="post" action="${server.origin}/admin/logout"><input name="csrf" value="guess"></form>
        <script>document.getElementById("f").submit()</script>`);
    });
    const evilPort = await freePort();
    await new Promise((resolve) => evil.listen(evilPort, "127.0.0.1", resolve));
    try {
      // The first owner, from the shell; the password on standard input, never in the arguments.
      let made = cli(server, ["staff", "create", "--username", "celeste", "--name", "Céleste", "--role", "owner", "--password-stdin"],
        OWNER_PASSWORD + "\n");
      assert.equal(made.status, 0, made.stderr);
      assert.match(made.stdout, /Created celeste \(owner\)/);
      made = cli(server, ["staff", "create", "--username", "theo", "--role", "fulfilment", "--password-stdin"], FULFIL_PASSWORD + "\n");
      assert.equal(made.status, 0, made.stderr);
      const refused = cli(server, ["staff", "create", "--username", "x", "--role", "owner", "--password-stdin"], "short\n");
      assert.notEqual(refused.status, 0);
      assert.match(refused.stderr, /username has 3 to 32 characters|at least 12 characters/);

      // The owner signs in and enrols.
      const ownerContext = await browser.newContext();
      const owner = await ownerContext.newPage();
      const ownerProblems = watch(ownerContext, owner, server.origin, [`http://127.0.0.1:${evilPort}/`]);
      await signInFirstTime(owner, server.origin, "celeste", OWNER_PASSWORD);
      await owner.goto(server.origin + "/admin");
      assert.match(await owner.textContent("[data-testid=me]"), /Céleste/);
      const cookies = await ownerContext.cookies();
      assert.equal(cookies.length, 1, "one cookie: the back-office session");
      assert.equal(cookies[0].name, "__Host-lv_staff");
      assert.equal(cookies[0].httpOnly, true);
      assert.equal(cookies[0].secure, true);
      assert.equal(cookies[0].sameSite, "Strict");
      assert.equal(await owner.evaluate(() => document.cookie), "", "scripts cannot read the session");

      // A forged cross-site POST: refused, and the owner is still signed in.
      const forged = await ownerContext.newPage();
      const [forgedResponse] = await Promise.all([
        forged.waitForResponse((r) => r.url() === `${server.origin}/admin/logout`),
        forged.goto(`http://127.0.0.1:${evilPort}/`),
      ]);
      assert.equal(forgedResponse.status(), 403, "the forged form is refused");
      await forged.close();
      const still = await owner.goto(server.origin + "/admin/audit");
      assert.equal(still.status(), 200, "still signed in after the forged request");
      const auditText = await owner.textContent("[data-testid=audit-entries]");
      assert.match(auditText, /staff\.create/);
      assert.match(auditText, /staff\.second_factor_enrolled/);
      assert.ok(!auditText.includes(OWNER_PASSWORD));

      // Fulfilment: no audit log, no customer's messages — 403 and nothing of them rendered.
      const fulfilContext = await browser.newContext();
      const fulfil = await fulfilContext.newPage();
      const fulfilProblems = watch(fulfilContext, fulfil, server.origin);
      const theo = await signInFirstTime(fulfil, server.origin, "theo", FULFIL_PASSWORD);
      await fulfil.goto(server.origin + "/admin/sessions");
      const navText = await fulfil.textContent(".bo-nav");
      assert.ok(!/Audit log|Customers|Staff/.test(navText), `fulfilment's navigation: ${navText}`);
      let denied = await fulfil.goto(server.origin + "/admin/audit");
      assert.equal(denied.status(), 403);
      assert.equal(await fulfil.locator("[data-testid=audit-entries]").count(), 0);
      denied = await fulfil.goto(server.origin + "/admin/customers/0190a0b1-0000-7000-8000-000000000001/messages");
      assert.equal(denied.status(), 403, "a customer's messages are not for fulfilment");
      assert.doesNotMatch(await fulfil.content(), /messages?<\/h1>/i);

      // Sign out, then a wrong code five times: refused; the sixth try waits, even if right.
      await fulfil.goto(server.origin + "/admin/sessions");
      await Promise.all([fulfil.waitForURL("**/admin/login"), fulfil.click("[data-testid=sign-out]")]);
      await fulfil.fill("#username", "theo");
      await fulfil.fill("#password", FULFIL_PASSWORD);
      await Promise.all([fulfil.waitForURL("**/admin/login/code"), fulfil.click("button[type=submit]")]);
      const right = totp(theo.secret, Date.now() + 30_000);
      const wrong = right === "000000" ? "111111" : "000000";
      for (let i = 1; i <= 5; i += 1) {
        await fulfil.fill("#code", wrong);
        const [answer] = await Promise.all([fulfil.waitForResponse((r) => r.request().method() === "POST"), fulfil.click("button[type=submit]")]);
        assert.equal(answer.status(), 401, `wrong code ${i}`);
        assert.match(await fulfil.textContent("[data-testid=error]"), /not right/);
      }
      await fulfil.fill("#code", totp(theo.secret));
      const [throttled] = await Promise.all([fulfil.waitForResponse((r) => r.request().method() === "POST"), fulfil.click("button[type=submit]")]);
      assert.equal(throttled.status(), 429);
      assert.match(await fulfil.textContent("[data-testid=error]"), /Too many codes/);
      await fulfil.screenshot({ path: artifactPath(`backoffice-throttled-${backend}.png`) });

      assert.deepEqual(ownerProblems, [], "owner's pages");
      assert.deepEqual(fulfilProblems, [], "fulfilment's pages");

      // The audit log verifies; an edited row is found, by number.
      let verify = cli(server, ["audit", "verify"]);
      assert.equal(verify.status, 0, verify.stderr);
      assert.match(verify.stdout, /intact: \d+ entr(y|ies) verified/);
      tamper(server, "UPDATE audit_log SET actor = 'cli' WHERE seq = 3");
      verify = cli(server, ["audit", "verify"]);
      assert.notEqual(verify.status, 0);
      assert.match(verify.stderr, /entry 3 was altered/);
    } finally {
      evil.close();
      await browser.close();
      await server.stop();
    }
  });
}
