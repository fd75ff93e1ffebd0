//! The back office's gate: password + TOTP, the `__Host-` session cookie, CSRF, timeouts,
//! throttling, sessions a member can end, and the audit log's hash chain (P18, M8).

use luxevault_core::staff::Role;
use luxevault_storage::{AuditFilter, AuditLog};

use crate::staff_support::{NowTs, STAFF_PASSWORD, csrf_of, session_cookie};
use crate::support::{Backend, TestApp};

async fn actions_of(app: &TestApp, actor: &str) -> Vec<String> {
    let filter = AuditFilter { actor: Some(actor.to_string()), ..AuditFilter::default() };
    let entries = AuditLog::page(&app.db, &filter, i64::MAX, 100).await.unwrap_or_else(|e| panic!("audit: {e}"));
    entries.into_iter().map(|e| e.action).collect()
}

/// Signs in again with the password, returning the half-way cookie.
async fn password_step(app: &TestApp, username: &str) -> String {
    let response = app.post_form("/admin/login", None, &[("username", username), ("password", STAFF_PASSWORD)]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers().get("location").and_then(|v| v.to_str().ok()), Some("/admin/login/code"));
    session_cookie(&response).unwrap_or_else(|| panic!("no cookie"))
}

async fn send_code(app: &TestApp, cookie: &str, code: &str) -> reqwest::Response {
    let page = app.get_with_cookie("/admin/login/code", cookie).await.text().await.unwrap_or_default();
    let csrf = csrf_of(&page);
    app.post_form("/admin/login/code", Some(cookie), &[("csrf", &csrf), ("code", code)]).await
}

async fn sign_in_needs_both_factors_and_a_host_cookie(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Nobody signed in: every page leads to the sign-in page.
    let response = app.get("/admin").await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers().get("location").and_then(|v| v.to_str().ok()), Some("/admin/login"));
    let login = app.get("/admin/login").await;
    assert_eq!(login.status(), 200);
    assert!(login.headers().get("set-cookie").is_none(), "no cookie before signing in");
    assert_eq!(login.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));

    let owner = app.staff("claire", Role::Owner).await;
    let response = app.post_form("/admin/login", None, &[("username", "claire"), ("password", STAFF_PASSWORD)]).await;
    let set_cookie = response.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    for attribute in ["__Host-lv_staff=", "Path=/", "Secure", "HttpOnly", "SameSite=Strict"] {
        assert!(set_cookie.contains(attribute), "{attribute} missing from {set_cookie}");
    }
    assert!(!set_cookie.contains("Domain"), "a __Host- cookie has no domain");
    // The password alone opens nothing.
    let half = session_cookie(&response).unwrap_or_default();
    let response = app.get_with_cookie("/admin", &half).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers().get("location").and_then(|v| v.to_str().ok()), Some("/admin/login/code"));

    let (status, page) = owner.get("/admin").await;
    assert_eq!(status, 200);
    let stored = luxevault_storage::Staff::by_id(&app.db, owner.id).await.ok().flatten();
    assert!(stored.and_then(|m| m.last_login_at).is_some(), "the first sign-in (enrolment) counts as a sign-in");
    assert!(page.contains("claire") && page.contains("Owner"), "{page}");
    // The enrolment and the sign-in are in the audit log, under the member's id only.
    let actions = actions_of(&app, &format!("staff:{}", owner.id)).await;
    assert!(actions.contains(&"staff.second_factor_enrolled".to_string()), "{actions:?}");
    assert!(actions.iter().all(|a| !a.contains("claire")));

    // A wrong password: the same answer as an unknown user.
    let wrong = app.post_form("/admin/login", None, &[("username", "claire"), ("password", "not the password!")]).await;
    let unknown =
        app.post_form("/admin/login", None, &[("username", "nobody"), ("password", "not the password!")]).await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(unknown.status(), 401);
    assert_eq!(wrong.text().await.unwrap_or_default(), unknown.text().await.unwrap_or_default());
    app.stop().await;
}

async fn a_wrong_code_is_refused_and_guessing_is_throttled(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let member = app.staff("bruno", Role::Manager).await;
    app.clock.advance_seconds(60);
    let cookie = password_step(&app, "bruno").await;
    let right =
        luxevault_shop::staff::second_factor::code_at(&member.totp_secret, app.clock.now_ts()).unwrap_or_default();
    let wrong = if right == "123456" { "654321" } else { "123456" };
    for attempt in 1..=5 {
        let response = send_code(&app, &cookie, wrong).await;
        assert_eq!(response.status(), 401, "attempt {attempt}");
        assert!(response.text().await.unwrap_or_default().contains("not right"));
    }
    // The sixth guess is refused without being checked — even the right code now waits.
    let response = send_code(&app, &cookie, &right).await;
    assert_eq!(response.status(), 429);
    assert!(session_cookie(&response).is_none(), "no session for a throttled member");
    let actions = actions_of(&app, &format!("staff:{}", member.id)).await;
    assert_eq!(actions.iter().filter(|a| *a == "staff.second_factor_failed").count(), 5, "{actions:?}");
    assert!(actions.contains(&"staff.second_factor_throttled".to_string()));
    app.stop().await;
}

async fn a_code_works_once_and_recovery_codes_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let member = app.staff("ines", Role::Accountant).await;
    app.clock.advance_seconds(60);
    let code =
        luxevault_shop::staff::second_factor::code_at(&member.totp_secret, app.clock.now_ts()).unwrap_or_default();
    let cookie = password_step(&app, "ines").await;
    let response = send_code(&app, &cookie, &code).await;
    assert_eq!(response.status(), 303, "first use of the code");
    let full = session_cookie(&response).unwrap_or_default();
    assert_ne!(full, cookie, "the session token is replaced once both factors are proven");
    assert_eq!(app.get_with_cookie("/admin", &cookie).await.status(), 303, "the half-way token is gone");
    // The same code again (a replay within its 30 seconds) is refused.
    let again = password_step(&app, "ines").await;
    assert_eq!(send_code(&app, &again, &code).await.status(), 401);
    // A recovery code works, once, in any case and with or without its dash.
    let recovery = member.recovery_codes[3].to_uppercase().replace('-', "");
    let response = send_code(&app, &again, &recovery).await;
    assert_eq!(response.status(), 303);
    let third = password_step(&app, "ines").await;
    assert_eq!(send_code(&app, &third, &member.recovery_codes[3]).await.status(), 401, "spent");
    app.stop().await;
}

async fn forged_and_cross_site_posts_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let member = app.staff("marc", Role::Owner).await;
    let (_, page) = member.get("/admin/sessions").await;
    let csrf = csrf_of(&page);
    assert_eq!(csrf.len(), 64);
    // Without the token, or with another session's token: refused, and the session lives on.
    let response = app.post_form("/admin/logout", Some(&member.cookie), &[]).await;
    assert_eq!(response.status(), 403);
    let response = app.post_form("/admin/logout", Some(&member.cookie), &[("csrf", &"0".repeat(64))]).await;
    assert_eq!(response.status(), 403);
    // From another origin, even with the right token (a page that stole it cannot post it).
    let response = app
        .client
        .post(app.url("/admin/logout"))
        .header("cookie", &member.cookie)
        .header("origin", "http://evil.example")
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status(), 403);
    let response = app
        .client
        .post(app.url("/admin/logout"))
        .header("cookie", &member.cookie)
        .header("sec-fetch-site", "cross-site")
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status(), 403);
    assert_eq!(member.get("/admin").await.0, 200, "still signed in");
    // The login form itself refuses cross-site posts (login CSRF).
    let response = app
        .client
        .post(app.url("/admin/login"))
        .header("origin", "http://evil.example")
        .form(&[("username", "marc"), ("password", STAFF_PASSWORD)])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status(), 403);
    // The real thing works.
    let response = app.post_form("/admin/logout", Some(&member.cookie), &[("csrf", &csrf)]).await;
    assert_eq!(response.status(), 303);
    let cleared = response.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(cleared.contains("Max-Age=0"));
    assert_eq!(member.get("/admin").await.0, 303, "signed out server-side");
    app.stop().await;
}

async fn sessions_time_out_and_can_be_ended(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let member = app.staff("lea", Role::Owner).await;
    app.clock.advance_seconds(29 * 60);
    assert_eq!(member.get("/admin").await.0, 200, "29 minutes idle is fine");
    app.clock.advance_seconds(29 * 60);
    assert_eq!(member.get("/admin").await.0, 200, "used again: the idle clock restarted");
    app.clock.advance_seconds(31 * 60);
    assert_eq!(member.get("/admin").await.0, 303, "31 minutes idle: signed out");
    let other = app.staff("lea3", Role::Owner).await;
    app.clock.advance_seconds(31 * 60);
    app.sweep().await;
    let left = luxevault_storage::Staff::sessions_of(&app.db, other.id).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(left.is_empty(), "the sweep deletes expired back-office sessions");

    // Busy all day: still signed out after 12 hours.
    let member = app.staff("lea2", Role::Owner).await;
    for _ in 0..25 {
        app.clock.advance_seconds(29 * 60);
        let _ = member.get("/admin").await;
    }
    assert_eq!(member.get("/admin").await.0, 303);

    // Two devices: the member sees both and ends the other.
    let first = app.staff("noe", Role::Associate).await;
    app.clock.advance_seconds(60);
    let cookie = password_step(&app, "noe").await;
    let code =
        luxevault_shop::staff::second_factor::code_at(&first.totp_secret, app.clock.now_ts()).unwrap_or_default();
    let second = session_cookie(&send_code(&app, &cookie, &code).await).unwrap_or_default();
    let (_, page) = first.get("/admin/sessions").await;
    let rows: Vec<&str> = page.split("<tr data-session=\"").skip(1).collect();
    assert_eq!(rows.len(), 2, "{page}");
    let id_of = |row: &&str| row.split('"').next().unwrap_or_default().to_string();
    let other = rows.iter().find(|r| !r.split('>').next().unwrap_or_default().contains("data-current")).map(id_of);
    let other = other.unwrap_or_else(|| panic!("no other session listed"));
    let ids: Vec<String> = rows.iter().map(id_of).collect();
    let response = first.submit("/admin/sessions", "/admin/sessions/end", &[("id", &other)]).await;
    assert_eq!(response.status(), 303);
    let still = [first.get("/admin").await.0, app.get_with_cookie("/admin", &second).await.status().as_u16()];
    assert!(still.contains(&200) && still.contains(&303), "exactly one session ended: {still:?}");
    // Someone else's session cannot be ended by id.
    let stranger = app.staff("zoe", Role::Associate).await;
    let response = stranger.submit("/admin/sessions", "/admin/sessions/end", &[("id", &ids[0])]).await;
    assert!(response.status() == 404 || response.status() == 303);
    app.stop().await;
}

async fn a_role_change_or_disabling_ends_sessions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let member = app.staff("paul", Role::Manager).await;
    let by = luxevault_shop::staff::members::Actor { actor: "cli", client: "local" };
    luxevault_shop::staff::members::change_role(&app.db, &app.clock, by, member.id, Role::Fulfilment)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(member.get("/admin").await.0, 303, "new rights need a new sign-in");
    let by = luxevault_shop::staff::members::Actor { actor: "cli", client: "local" };
    luxevault_shop::staff::members::set_active(&app.db, &app.clock, by, member.id, false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let response = app.post_form("/admin/login", None, &[("username", "paul"), ("password", STAFF_PASSWORD)]).await;
    assert_eq!(response.status(), 401, "a disabled member cannot sign in");
    // The last owner can be neither demoted nor disabled.
    let owner = app.create_staff("olga", Role::Owner).await;
    let by = luxevault_shop::staff::members::Actor { actor: "cli", client: "local" };
    let refused = luxevault_shop::staff::members::change_role(&app.db, &app.clock, by, owner, Role::Manager).await;
    assert!(matches!(refused, Err(luxevault_shop::staff::members::MemberError::LastOwner)), "{refused:?}");
    app.stop().await;
}

async fn an_edited_or_removed_audit_entry_is_found_by_audit_verify(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let _member = app.staff("yann", Role::Owner).await;
    let _other = app.staff("ana", Role::PrivacyOfficer).await;
    let run = |extra: &[&str]| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_luxevault"));
        command.args(["audit", "verify"]).args(extra).arg("--data-dir").arg(&app.data_dir);
        command.env_remove("LUXEVAULT_DATABASE_URL");
        if !app.database_url.is_empty() {
            command.arg("--database-url").arg(&app.database_url);
        }
        command.output().unwrap_or_else(|e| panic!("run: {e}"))
    };
    let output = run(&[]);
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("intact"), "{stdout}");
    let head = stdout.split("Head ").nth(1).and_then(|s| s.split(' ').next()).unwrap_or_default().to_string();
    assert!(head.contains(':'), "{stdout}");
    assert!(run(&["--expect-head", &head]).status.success());

    // Someone with database access rewrites who did something in entry 2.
    let edit = "UPDATE audit_log SET subject_id = 'someone-else' WHERE seq = 2";
    luxevault_storage_exec(&app, edit).await;
    let output = run(&[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("entry 2 was altered"), "{stderr}");
    assert!(!stderr.contains("panicked"));

    // Someone deletes the tail to hide what they did: the head kept elsewhere shows it.
    let (seq, _) = head.split_once(':').unwrap_or_default();
    luxevault_storage_exec(&app, &format!("DELETE FROM audit_log WHERE seq >= 2 AND seq <= {seq}")).await;
    let output = run(&["--expect-head", &head]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("NOT intact"));
    app.stop().await;
}

/// Raw SQL, as an attacker with database access would run it (no application code involved).
async fn luxevault_storage_exec(app: &TestApp, sql: &str) {
    match &app.db {
        luxevault_storage::Db::Sqlite(pool) => {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string())).execute(pool).await.unwrap_or_else(|e| panic!("{e}"));
        }
        luxevault_storage::Db::Postgres(pool) => {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string())).execute(pool).await.unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

async fn the_audit_viewer_filters_and_only_permitted_roles_open_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let officer = app.staff("priya", Role::PrivacyOfficer).await;
    let fulfilment = app.staff("felix", Role::Fulfilment).await;
    let (status, page) = officer.get(&format!("/admin/audit?actor={}", fulfilment.username)).await;
    assert_eq!(status, 200);
    assert!(page.contains("staff.second_factor_enrolled"), "{page}");
    assert!(page.contains(&fulfilment.id.to_string()));
    assert!(!page.contains(&officer.id.to_string()), "filtered to one member");
    let (status, page) = fulfilment.get("/admin/audit").await;
    assert_eq!(status, 403);
    assert!(!page.contains("staff.second_factor_enrolled") && !page.contains("audit-entries"), "nothing rendered");
    // Fulfilment's navigation does not offer the audit log.
    let (_, page) = fulfilment.get("/admin/sessions").await;
    assert!(!page.contains("href=\"/admin/audit\""));
    app.stop().await;
}

/// `YYYY-MM-DDTHH:MM` of the app's clock, `hours_ago` hours back.
fn local(app: &TestApp, hours_ago: i64) -> String {
    app.clock.now_ts().plus_seconds(-hours_ago * 3600).to_rfc3339()[..16].to_string()
}

async fn breaches_are_registered_with_their_72_hour_clock(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let officer = app.staff("rosa", Role::PrivacyOfficer).await;
    let page = "/admin/privacy/breaches";
    let breach = |discovered: String, risk: &'static str| {
        vec![
            ("discovered_at", discovered),
            ("occurred_at", String::new()),
            ("nature", "A laptop with an export of orders was stolen".to_string()),
            ("category", "contact".to_string()),
            ("category", "delivery".to_string()),
            ("category", "not-a-category".to_string()),
            ("people_affected", "40".to_string()),
            ("consequences", "Possible phishing".to_string()),
            ("measures", "Remote wipe requested".to_string()),
            ("risk", risk.to_string()),
        ]
    };
    let officer = &officer;
    let send = |fields: Vec<(&'static str, String)>| async move {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        officer.submit(page, page, &pairs).await
    };
    // Refused: in the future, no category, no risk.
    assert_eq!(send(breach(local(&app, -2), "risk")).await.status(), 400);
    let mut no_category = breach(local(&app, 1), "risk");
    no_category.retain(|(k, _)| *k != "category");
    assert_eq!(send(no_category).await.status(), 400);
    assert_eq!(send(breach(local(&app, 1), "catastrophic")).await.status(), 400);

    assert_eq!(send(breach(local(&app, 10), "risk")).await.status(), 303);
    let (status, html) = officer.get(page).await;
    assert_eq!(status, 200);
    assert!(html.contains("62 h left"), "72 hours from discovery, 10 gone: {html}");
    assert!(html.contains("contact, delivery") && !html.contains("not-a-category"));
    // One discovered 73 hours ago and never reported: overdue.
    assert_eq!(send(breach(local(&app, 73), "risk")).await.status(), 303);
    let (_, html) = officer.get(page).await;
    assert!(html.contains("overdue by 1 h"), "{html}");
    let id = html.split("data-breach=\"").nth(2).and_then(|s| s.split('"').next()).unwrap_or_default().to_string();
    let told = officer
        .submit(page, &format!("{page}/{id}/authority"), &[("at", &local(&app, 0)), ("text", "CNIL-2026-1142")])
        .await;
    assert_eq!(told.status(), 303);
    let (_, html) = officer.get(page).await;
    assert!(html.contains("CNIL-2026-1142") && !html.contains("overdue"), "{html}");
    let again =
        officer.submit(page, &format!("{page}/{id}/authority"), &[("at", &local(&app, 0)), ("text", "x")]).await;
    assert_eq!(again.status(), 409, "recorded once");

    // High risk: the people are owed a notice too.
    assert_eq!(send(breach(local(&app, 1), "high")).await.status(), 303);
    let (_, html) = officer.get(page).await;
    assert!(html.contains("to tell"), "{html}");
    let actions = actions_of(&app, &format!("staff:{}", officer.id)).await;
    assert_eq!(actions.iter().filter(|a| *a == "breach.record").count(), 3);
    assert!(actions.contains(&"breach.authority_notified".to_string()));

    // Other roles see nothing of the register and cannot write to it.
    for (name, role) in [("mona", Role::Manager), ("fred", Role::Fulfilment), ("alba", Role::Accountant)] {
        let member = app.staff(name, role).await;
        let (status, html) = member.get(page).await;
        assert_eq!(status, 403, "{role:?}");
        assert!(!html.contains("laptop"));
        let pairs = [("csrf", "x"), ("nature", "x")];
        let response = app.post_form(page, Some(&member.cookie), &pairs).await;
        assert_eq!(response.status(), 403, "{role:?}");
    }
    app.stop().await;
}

async fn a_member_changes_their_password_and_other_sessions_end(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let member = app.staff("hugo", Role::Associate).await;
    let member = &member;
    app.clock.advance_seconds(60);
    let cookie = password_step(&app, "hugo").await;
    let code =
        luxevault_shop::staff::second_factor::code_at(&member.totp_secret, app.clock.now_ts()).unwrap_or_default();
    let other_device = session_cookie(&send_code(&app, &cookie, &code).await).unwrap_or_default();
    let new = "un tout nouveau secret";
    let change = |current: &'static str, new: &'static str, confirm: &'static str| async move {
        let fields = [("current", current), ("new", new), ("confirm", confirm)];
        member.submit("/admin/sessions", "/admin/password", &fields).await
    };
    assert_eq!(change("wrong password!", new, new).await.status(), 401);
    assert_eq!(change(STAFF_PASSWORD, new, "something else entirely").await.status(), 400);
    assert_eq!(change(STAFF_PASSWORD, "short", "short").await.status(), 400);
    assert_eq!(change(STAFF_PASSWORD, new, new).await.status(), 200);
    assert_eq!(member.get("/admin").await.0, 200, "this session goes on");
    assert_eq!(app.get_with_cookie("/admin", &other_device).await.status(), 303, "the other device is signed out");
    let old = app.post_form("/admin/login", None, &[("username", "hugo"), ("password", STAFF_PASSWORD)]).await;
    assert_eq!(old.status(), 401);
    let fresh = app.post_form("/admin/login", None, &[("username", "hugo"), ("password", new)]).await;
    assert_eq!(fresh.status(), 303);
    assert!(actions_of(&app, &format!("staff:{}", member.id)).await.contains(&"staff.password_changed".to_string()));
    app.stop().await;
}

async fn password_guessing_is_throttled(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_staff("iris", Role::Manager).await;
    for attempt in 1..=5 {
        let response =
            app.post_form("/admin/login", None, &[("username", "iris"), ("password", "guess number one")]).await;
        assert_eq!(response.status(), 401, "guess {attempt}");
    }
    let response = app.post_form("/admin/login", None, &[("username", "iris"), ("password", STAFF_PASSWORD)]).await;
    assert_eq!(response.status(), 429, "the sixth try waits, even with the right password");
    assert!(session_cookie(&response).is_none());
    app.clock.advance_minutes(16);
    let response = app.post_form("/admin/login", None, &[("username", "iris"), ("password", STAFF_PASSWORD)]).await;
    assert_eq!(response.status(), 303, "after the block, the right password works");
    app.stop().await;
}

backend_tests!(
    password_guessing_is_throttled,
    a_member_changes_their_password_and_other_sessions_end,
    breaches_are_registered_with_their_72_hour_clock,
    the_audit_viewer_filters_and_only_permitted_roles_open_it,
    sign_in_needs_both_factors_and_a_host_cookie,
    a_wrong_code_is_refused_and_guessing_is_throttled,
    a_code_works_once_and_recovery_codes_once,
    forged_and_cross_site_posts_are_refused,
    sessions_time_out_and_can_be_ended,
    a_role_change_or_disabling_ends_sessions,
    an_edited_or_removed_audit_entry_is_found_by_audit_verify,
);
