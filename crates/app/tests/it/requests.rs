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
