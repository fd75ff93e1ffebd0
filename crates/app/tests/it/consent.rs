//! The consent ledger: marketing only by opt-in (P22), withdrawable as easily as given (P10),
//! every change an appended record with its proof, and withdrawn consents kept one more year.

use luxevault_core::Clock;
use serde_json::{Value, json};

use crate::support::{Backend, TestApp};

async fn call(app: &TestApp, method: reqwest::Method, path: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap_or_else(|e| panic!("{e}"));
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn register(app: &TestApp, username: &str, opt_in: bool) -> String {
    let body = json!({"username": username, "email": format!("{username}@example.test"), "password": "la soie du matin à Paris", "marketing_opt_in": opt_in});
    let (status, answer) = app.post_json("/api/v1/account/register", &body).await;
    assert_eq!(status, 201, "{answer}");
    answer["token"].as_str().unwrap_or_default().to_string()
}

async fn marketing_is_opt_in_and_withdrawal_is_one_step(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let silent = register(&app, "silencieuse", false).await;
    let (_, consents) = call(&app, reqwest::Method::GET, "/api/v1/account/consents", &silent, None).await;
    assert_eq!(consents["current"]["marketing"], false, "never assumed");
    assert_eq!(consents["records"].as_array().map(Vec::len), Some(0));

    let keen = register(&app, "curieuse", true).await;
    let (_, consents) = call(&app, reqwest::Method::GET, "/api/v1/account/consents", &keen, None).await;
    assert_eq!(consents["current"]["marketing"], true);
    let first = &consents["records"][0];
    assert_eq!(
        (first["granted"].as_bool(), first["source"].as_str(), first["method"].as_str()),
        (Some(true), Some("/account"), Some("checkbox"))
    );
    assert_eq!(first["policy_version"], "2026-11-22", "the policy version shown is recorded");

    app.clock.advance_days(3);
    let change = json!({"purpose": "marketing", "granted": false, "source": "/account"});
    let (status, _) = call(&app, reqwest::Method::POST, "/api/v1/account/consents", &keen, Some(change)).await;
    assert_eq!(status, 201);
    let (_, consents) = call(&app, reqwest::Method::GET, "/api/v1/account/consents", &keen, None).await;
    assert_eq!(consents["current"]["marketing"], false, "withdrawn in one step");
    assert_eq!(consents["records"].as_array().map(Vec::len), Some(2), "appended, the proof of both kept");

    for (body, code) in [
        (json!({"purpose": "order_fulfilment", "granted": false, "source": "/account"}), "not_a_consent_purpose"),
        (
            json!({"purpose": "marketing", "granted": true, "source": "https://elsewhere.example/?email=x"}),
            "invalid_source",
        ),
    ] {
        let (status, answer) = call(&app, reqwest::Method::POST, "/api/v1/account/consents", &keen, Some(body)).await;
        assert_eq!((status, answer["error"]["code"].as_str()), (422, Some(code)));
    }
    assert_eq!(call(&app, reqwest::Method::GET, "/api/v1/account/consents", &"0".repeat(64), None).await.0, 401);
    app.stop().await;
}

async fn withdrawn_consents_are_kept_one_year(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = register(&app, "ephemere", true).await;
    let policy = luxevault_core::policy::Policy::parse(include_str!("../../policy/default.toml"), &["en", "fr"])
        .unwrap_or_else(|e| panic!("{e}"));
    let run = |dry: bool| {
        let now = app.clock.now();
        let db = app.db.clone();
        let policy = policy.clone();
        async move {
            luxevault_shop::privacy::retention::apply(&db, &policy, now, now, dry)
                .await
                .unwrap_or_else(|e| panic!("{e}"))
        }
    };
    let deleted = |reports: Vec<luxevault_shop::privacy::retention::RuleReport>| {
        reports
            .into_iter()
            .find(|r| r.rule == "marketing_consent")
            .and_then(|r| r.counts.first().map(|(_, n)| *n))
            .unwrap_or(-1)
    };
    app.clock.advance_days(10);
    call(
        &app,
        reqwest::Method::POST,
        "/api/v1/account/consents",
        &token,
        Some(json!({"purpose": "marketing", "granted": false, "source": "/account"})),
    )
    .await;
    app.clock.advance_days(365);
    assert_eq!(deleted(run(false).await), 0, "a year to the day: still kept");
    app.clock.advance_days(1);
    assert_eq!(deleted(run(true).await), 2, "the preview counts both records");
    assert_eq!(deleted(run(false).await), 2, "withdrawn more than a year ago: gone");
    // Sign in again (the session has expired) and find the ledger empty.
    let (_, session) = app
        .post_json(
            "/api/v1/account/login",
            &json!({"email": "ephemere@example.test", "password": "la soie du matin à Paris"}),
        )
        .await;
    let token = session["token"].as_str().unwrap_or_default().to_string();
    let (_, consents) = call(&app, reqwest::Method::GET, "/api/v1/account/consents", &token, None).await;
    assert_eq!(consents["records"].as_array().map(Vec::len), Some(0));
    app.stop().await;
}

/// Erasure deletes the account but not the proof of its consents (policy: "until consent
/// withdrawn + 1 year"): the erasure records the withdrawal, the proofs stay naming no one —
/// no name, no address, a holder id that no account or order carries any more — and the
/// retention rule removes them a year later.
async fn consent_proofs_outlive_erasure_detached_until_their_year(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = register(&app, "oubliee", true).await;
    let email = luxevault_core::Email::parse("oubliee@example.test").unwrap_or_else(|e| panic!("{e}"));
    let holder = luxevault_storage::Accounts::by_email(&app.db, &email)
        .await
        .ok()
        .flatten()
        .map(|a| a.id)
        .unwrap_or_else(|| panic!("the account exists"));
    app.clock.advance_days(2);
    let (status, erasure) = call(
        &app,
        reqwest::Method::POST,
        "/api/v1/account/erase",
        &token,
        Some(json!({"password": "la soie du matin à Paris"})),
    )
    .await;
    assert_eq!(status, 200, "{erasure}");
    assert!(erasure["kept"].to_string().contains("consent"), "the person is told the proof stays: {erasure}");
    assert!(!erasure["erased"].to_string().contains("consent"), "and not told it was erased: {erasure}");

    let ledger =
        luxevault_storage::StaffPages::consent_ledger(&app.db, None, 50).await.unwrap_or_else(|e| panic!("{e}"));
    let proofs: Vec<_> = ledger.iter().filter(|r| r.holder_id == holder).collect();
    assert_eq!(proofs.len(), 2, "the grant and the withdrawal erasure recorded");
    assert!(proofs.iter().all(|r| !r.holder_is_account), "the holder is no account any more");
    let withdrawal = proofs.iter().find(|r| !r.granted).unwrap_or_else(|| panic!("a withdrawal"));
    assert_eq!((withdrawal.source.as_str(), withdrawal.method.as_str()), ("erasure", "account_closed"));
    let text = format!("{proofs:?}");
    assert!(!text.contains("oubliee"), "no name or address in the proof: {text}");
    let orders_naming = luxevault_storage::Orders::for_customer(&app.db, holder, 10).await.unwrap_or_default();
    assert!(orders_naming.is_empty(), "no order links the holder to a person");

    let policy = luxevault_core::policy::Policy::parse(include_str!("../../policy/default.toml"), &["en", "fr"])
        .unwrap_or_else(|e| panic!("{e}"));
    let deleted = |reports: Vec<luxevault_shop::privacy::retention::RuleReport>| {
        reports
            .into_iter()
            .find(|r| r.rule == "marketing_consent")
            .and_then(|r| r.counts.first().map(|(_, n)| *n))
            .unwrap_or(-1)
    };
    app.clock.advance_days(365);
    let now = app.clock.now();
    let reports = luxevault_shop::privacy::retention::apply(&app.db, &policy, now, now, false).await;
    assert_eq!(deleted(reports.unwrap_or_else(|e| panic!("{e}"))), 0, "a year to the day: still kept");
    app.clock.advance_days(1);
    let now = app.clock.now();
    let reports = luxevault_shop::privacy::retention::apply(&app.db, &policy, now, now, false).await;
    assert_eq!(deleted(reports.unwrap_or_else(|e| panic!("{e}"))), 2, "a year after the withdrawal: gone");
    let ledger = luxevault_storage::StaffPages::consent_ledger(&app.db, None, 50).await.unwrap_or_default();
    assert!(ledger.iter().all(|r| r.holder_id != holder));
    app.stop().await;
}

backend_tests!(
    marketing_is_opt_in_and_withdrawal_is_one_step,
    withdrawn_consents_are_kept_one_year,
    consent_proofs_outlive_erasure_detached_until_their_year
);
