//! Rights requests and their clocks: logged by staff when they arrive by email or WhatsApp
//! (P21), due within a month and never later than the policy's 30 days, extendable once by two
//! months with a notice, the five-business-day aim shown, overdue ones flagged (P17).

use luxevault_core::Clock;
use serde_json::{Value, json};

use crate::support::{Backend, TestApp};

const ADMIN: &str = "an-admin-token-of-at-least-32-characters";

async fn staff(app: &TestApp, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = app.client.request(method, app.url(path)).bearer_auth(ADMIN);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap_or_else(|e| panic!("{e}"));
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn requests_by_email_are_logged_with_their_clock(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.admin_token = luxevault::config::Secret::new(ADMIN)).await;
    let body =
        json!({"kind": "access", "channel": "email", "contact": "demandeur@example.test", "received_on": "2026-11-20"});
    let (status, logged) = staff(&app, reqwest::Method::POST, "/api/v1/admin/privacy-requests", Some(body)).await;
    assert_eq!(status, 201, "{logged}");
    assert_eq!(logged["due_at"], "2026-12-20T00:00:00Z", "one month after the day it arrived");
    assert_eq!(logged["target_at"], "2026-11-27T00:00:00Z", "five business days after Friday 20 November");
    assert_eq!(logged["days_left"], 27);
    let id = logged["id"].as_str().unwrap_or_default().to_string();

    let (status, extended) = staff(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/admin/privacy-requests/{id}/extend"),
        Some(json!({"reason": "Your orders span three boutiques whose records we are gathering."})),
    )
    .await;
    assert_eq!(status, 200, "{extended}");
    assert_eq!(extended["due_at"], "2027-02-20T00:00:00Z", "two more months");
    assert_eq!(extended["status"], "extended");
    app.run_jobs().await;
    let notice = app.outbox().into_iter().find(|m| m.contains("demandeur@example.test")).unwrap_or_default();
    assert!(
        notice.contains("three boutiques") && notice.contains("2027-02-20"),
        "the person is told why and until when"
    );
    assert!(notice.contains("Reply-To: privacy@liengroup.com"), "answers to privacy mail reach the privacy contact");
    let (status, _) = staff(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/admin/privacy-requests/{id}/extend"),
        Some(json!({"reason": "again"})),
    )
    .await;
    assert_eq!(status, 409, "once only");

    app.clock.advance_days(100);
    let (_, open) = staff(&app, reqwest::Method::GET, "/api/v1/admin/privacy-requests", None).await;
    assert_eq!(open["requests"][0]["overdue"], true, "past its deadline: flagged");
    let (status, closed) = staff(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/admin/privacy-requests/{id}/complete"),
        Some(json!({"outcome": "copy of the data sent by email"})),
    )
    .await;
    assert_eq!((status, closed["status"].as_str()), (200, Some("completed")));
    let (_, open) = staff(&app, reqwest::Method::GET, "/api/v1/admin/privacy-requests", None).await;
    assert_eq!(open["requests"].as_array().map(Vec::len), Some(0));
    app.stop().await;
}

async fn bad_requests_are_refused_clearly(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.admin_token = luxevault::config::Secret::new(ADMIN)).await;
    for (body, code) in [
        (json!({"kind": "everything", "channel": "email", "contact": "a@b.test"}), "invalid_kind"),
        (json!({"kind": "access", "channel": "fax", "contact": "a@b.test"}), "invalid_channel"),
        (json!({"kind": "access", "channel": "email", "contact": ""}), "invalid_contact"),
        (
            json!({"kind": "access", "channel": "email", "contact": "a@b.test", "received_on": "2030-01-01"}),
            "invalid_date",
        ),
        (json!({"kind": "access", "channel": "email", "contact": "a@b.test", "received_on": "soon"}), "invalid_date"),
    ] {
        let (status, answer) =
            staff(&app, reqwest::Method::POST, "/api/v1/admin/privacy-requests", Some(body.clone())).await;
        assert_eq!((status, answer["error"]["code"].as_str()), (422, Some(code)), "{body}");
    }
    let anonymous = app.client.get(app.url("/api/v1/admin/privacy-requests")).send().await.map(|r| r.status().as_u16());
    assert_eq!(anonymous.unwrap_or(0), 401);
    app.stop().await;
}

async fn account_holders_file_requests_and_see_their_clocks(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, session) = app
        .post_json("/api/v1/account/register", &json!({"username": "requerante", "email": "requerante@example.test", "password": "la soie du matin à Paris"}))
        .await;
    let token = session["token"].as_str().unwrap_or_default().to_string();
    let filed = app
        .client
        .post(app.url("/api/v1/account/requests"))
        .bearer_auth(&token)
        .json(&json!({"kind": "rectification"}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(filed.status().as_u16(), 201);
    let due = app.clock.now().plus_days(30).to_rfc3339();
    let mine: Value = app
        .client
        .get(app.url("/api/v1/account/requests"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or(Value::Null);
    assert_eq!(mine["requests"][0]["kind"], "rectification");
    assert_eq!(
        mine["requests"][0]["due_at"],
        due.as_str(),
        "30 days: stricter than the calendar month from 22 November"
    );
    assert!(mine["requests"][0].get("contact").is_none(), "the account sees its requests, not staff fields");
    app.stop().await;
}

backend_tests!(
    requests_by_email_are_logged_with_their_clock,
    bad_requests_are_refused_clearly,
    account_holders_file_requests_and_see_their_clocks,
);

pub(crate) mod guests {
    //! A person without an account: request on the privacy centre, code by email, then the copy
    //! (its link expires) or the erasure.

    use serde_json::{Value, json};

    use crate::support::{Backend, TestApp, pick};

    pub(crate) const GUEST: &str = "invitee-canary@example.test";

    async fn guest_order(app: &TestApp) -> Value {
        let catalog = app.catalog().await;
        let (_, variant) = pick::in_stock_variant(&catalog, 1);
        let contact = json!({"name": "Invitée Canari", "email": GUEST, "phone": "+33 6 55 44 33 22",
            "address_line1": "3 place Vendôme", "address_line2": "", "city": "Paris", "postcode": "75001", "country": "FR"});
        let (status, body) = {
            let response = app
                .client
                .post(app.url("/api/v1/orders"))
                .header("Idempotency-Key", "guest-request-order-0001")
                .json(&json!({"currency": "EUR", "lines": [{"sku": variant.sku, "quantity": 1}], "contact": contact}))
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            (response.status().as_u16(), response.json::<Value>().await.unwrap_or(Value::Null))
        };
        assert_eq!(status, 201, "{body}");
        body
    }

    /// Starts a request and returns its id and the code emailed to the guest.
    pub(crate) async fn start(app: &TestApp, kind: &str) -> (String, String) {
        let (status, started) =
            app.post_json("/api/v1/privacy/requests", &json!({"kind": kind, "email": GUEST, "lang": "en"})).await;
        assert_eq!(status, 202, "{started}");
        app.run_jobs().await;
        let mail = app.outbox().into_iter().rev().find(|m| m.contains("Your code:")).unwrap_or_default();
        let code = mail
            .lines()
            .find_map(|l| l.strip_prefix("Subject: Your code: "))
            .map(|c| c.trim().to_string())
            .unwrap_or_else(|| panic!("a code was emailed: {mail}"));
        (started["request_id"].as_str().unwrap_or_default().to_string(), code)
    }

    async fn a_guest_downloads_a_copy_with_an_emailed_code(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let placed = guest_order(&app).await;
        let (id, code) = start(&app, "access").await;
        let wrong = if code == "000000" { "111111" } else { "000000" };
        let (status, answer) =
            app.post_json(&format!("/api/v1/privacy/requests/{id}/verify"), &json!({"code": wrong})).await;
        assert_eq!((status, answer["error"]["code"].as_str()), (400, Some("invalid_code")));
        let (status, ready) =
            app.post_json(&format!("/api/v1/privacy/requests/{id}/verify"), &json!({"code": code})).await;
        assert_eq!((status, ready["status"].as_str()), (200, Some("ready")), "{ready}");
        let url = ready["download_url"].as_str().unwrap_or_default().to_string();
        let token = ready["download_token"].as_str().unwrap_or_default().to_string();
        assert!(!url.contains(&token) && !url.contains('?'), "the token stays out of the URL: {url}");
        let download = |token: String| {
            let request = app.client.post(app.url(&url)).json(&json!({"token": token}));
            async move { request.send().await.unwrap_or_else(|e| panic!("{e}")) }
        };
        let copy = download(token.clone()).await;
        assert_eq!(copy.status().as_u16(), 200);
        assert!(copy.headers().get("content-disposition").is_some());
        let archive = crate::support::unzip(&copy.bytes().await.unwrap_or_default());
        let document: Value = serde_json::from_str(&archive["data.json"]).unwrap_or(Value::Null);
        assert!(archive["orders.csv"].contains(placed["order"]["number"].as_str().unwrap_or("?")));
        assert!(archive["requests.csv"].lines().nth(1).is_some_and(|l| l.contains(",access,web,completed,")));
        assert!(archive["index.html"].contains("Legitimate interests"));
        assert_eq!(document["data"]["orders"][0]["number"], placed["order"]["number"]);
        assert!(document["about_this_data"]["purposes"].is_array());
        // The same code does not work twice; the link expires after the policy's 7 days.
        let (status, _) = app.post_json(&format!("/api/v1/privacy/requests/{id}/verify"), &json!({"code": code})).await;
        assert_eq!(status, 400);
        app.clock.advance_days(8);
        assert_eq!(download(token.clone()).await.status().as_u16(), 404);
        assert_eq!(download(format!("0{token}")).await.status().as_u16(), 404);
        app.stop().await;
    }

    async fn codes_expire_and_guessing_stops(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let (id, code) = start(&app, "access").await;
        for _ in 0..5 {
            let (status, _) =
                app.post_json(&format!("/api/v1/privacy/requests/{id}/verify"), &json!({"code": "abcdef"})).await;
            assert_eq!(status, 400);
        }
        let (status, _) = app.post_json(&format!("/api/v1/privacy/requests/{id}/verify"), &json!({"code": code})).await;
        assert_eq!(status, 429, "five tries, then a new code is needed");
        let (id, code) = start(&app, "access").await;
        app.clock.advance_minutes(16);
        let (status, _) = app.post_json(&format!("/api/v1/privacy/requests/{id}/verify"), &json!({"code": code})).await;
        assert_eq!(status, 400, "a code works 15 minutes");
        app.stop().await;
    }

    async fn a_guest_erases_their_orders(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        guest_order(&app).await;
        let (id, code) = start(&app, "erasure").await;
        // Waiting for the proof does not count against the deadline.
        app.clock.advance_minutes(10);
        let (status, done) =
            app.post_json(&format!("/api/v1/privacy/requests/{id}/verify"), &json!({"code": code})).await;
        assert_eq!((status, done["status"].as_str()), (200, Some("completed")), "{done}");
        assert!(done["kept"].to_string().contains("tax law"), "told what is kept and why");
        assert!(
            done["notified"].as_array().is_some_and(|n| n.iter().any(|r| r["recipient"] == "email_service")),
            "told which recipients were notified: {done}"
        );
        let dump = crate::support::dump_text(&app.db).await;
        assert!(!dump.contains("Invitée Canari") && !dump.contains("3 place Vendôme"), "who and where are gone");
        app.stop().await;
    }

    backend_tests!(
        a_guest_downloads_a_copy_with_an_emailed_code,
        codes_expire_and_guessing_stops,
        a_guest_erases_their_orders
    );
}
