//! Restriction (GDPR Art. 18), objection (Art. 21) and the notices to recipients (Art. 19).
//! A restriction granted — by the account holder from the privacy centre, by staff completing a
//! logged request, by a guest who proved their address — stops every processing but storage:
//! marketing, analytics and the retention engine's deletion of an inactive account. The person
//! is told before it is lifted. Objections are recorded per purpose and enforced where the
//! processing happens. Each recipient that received the person's data is told, and how is
//! recorded.

use luxevault_core::Clock;
use serde_json::{Value, json};

use crate::support::{Backend, CARRIERS_CONTACT, EMAIL_SERVICE_CONTACT, TestApp, pick, policy_with_contacts};

pub(crate) const ADMIN: &str = "an-admin-token-of-at-least-32-characters";
const PASSWORD: &str = "la soie du matin à Paris";

pub(crate) async fn spawn(backend: Backend) -> TestApp {
    let policy = policy_with_contacts();
    TestApp::spawn_with(backend, move |c| {
        c.admin_token = luxevault::config::Secret::new(ADMIN);
        c.policy_file = policy.to_string_lossy().into_owned();
    })
    .await
}

pub(crate) async fn register(app: &TestApp, username: &str, opt_in: bool) -> String {
    let body = json!({"username": username, "email": format!("{username}@example.test"), "password": PASSWORD, "marketing_opt_in": opt_in});
    let (status, answer) = app.post_json("/api/v1/account/register", &body).await;
    assert_eq!(status, 201, "{answer}");
    answer["token"].as_str().unwrap_or_default().to_string()
}

pub(crate) async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap_or_else(|e| panic!("{e}"));
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A page view reported by the storefront script, signed in or not; returns the status.
pub(crate) async fn view(app: &TestApp, token: Option<&str>, sid: &str) -> u16 {
    let mut request = app
        .client
        .post(app.url("/api/v1/analytics/views"))
        .json(&json!({"path": "/products/{slug}", "lang": "en", "referrer": "news.example", "sid": sid}));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.map(|r| r.status().as_u16()).unwrap_or(0)
}

pub(crate) async fn views_of(app: &TestApp, sid: &str) -> usize {
    let rows = luxevault_storage::PageViews::recent(&app.db, 1000).await.unwrap_or_default();
    rows.iter().filter(|r| r.sid.as_deref() == Some(sid)).count()
}

/// An order placed (with the account's token, or as a guest), paid with the demo provider and
/// handed to the carrier by staff; returns its number.
pub(crate) async fn delivered_order(app: &TestApp, token: Option<&str>, email: &str, key: &str) -> String {
    let catalog = app.catalog().await;
    let (_, variant) = pick::in_stock_variant(&catalog, 2);
    let contact = json!({
        "name": "Cliente Canari", "email": email, "phone": "+33 6 12 12 12 12",
        "address_line1": "12 rue Cambon", "address_line2": "", "city": "Paris", "postcode": "75001", "country": "FR"
    });
    let mut request = app
        .client
        .post(app.url("/api/v1/orders"))
        .header("Idempotency-Key", key)
        .json(&json!({"currency": "EUR", "lines": [{"sku": variant.sku, "quantity": 1}], "contact": contact}));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let placed: Value = request.send().await.unwrap_or_else(|e| panic!("{e}")).json().await.unwrap_or(Value::Null);
    let redirect = placed["payment"]["redirect_url"].as_str().unwrap_or_else(|| panic!("placed: {placed}"));
    let demo_key = redirect.split("key=").nth(1).unwrap_or_default();
    let paid = app
        .client
        .post(app.url(redirect.split('#').next().unwrap_or_default()))
        .form(&[("key", demo_key)])
        .send()
        .await
        .map(|r| r.status().as_u16());
    assert_eq!(paid.unwrap_or(0), 303);
    app.run_jobs().await;
    let id = placed["order"]["id"].as_str().unwrap_or_default();
    let (status, answer) = call(
        app,
        reqwest::Method::POST,
        &format!("/api/v1/admin/orders/{id}/fulfil"),
        ADMIN,
        Some(json!({"reason": "handed to the carrier"})),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    placed["order"]["number"].as_str().unwrap_or_default().to_string()
}

fn recipients(notified: &Value) -> Vec<(String, String)> {
    notified
        .as_array()
        .into_iter()
        .flatten()
        .map(|n| (n["recipient"].as_str().unwrap_or("?").to_string(), n["method"].as_str().unwrap_or("?").to_string()))
        .collect()
}

async fn a_restriction_stops_all_but_storage_and_is_lifted_after_notice(backend: Backend) {
    let app = spawn(backend).await;
    let token = register(&app, "restreinte", true).await;
    let number = delivered_order(&app, Some(&token), "restreinte@example.test", "restriction-order-0001").await;
    assert_eq!(view(&app, Some(&token), "sid-before-restriction-0001").await, 204);
    assert_eq!(views_of(&app, "sid-before-restriction-0001").await, 1, "counted before the restriction");

    // The account holder asks from the privacy centre: granted at once, recipients told.
    let (status, filed) =
        call(&app, reqwest::Method::POST, "/api/v1/account/requests", &token, Some(json!({"kind": "restriction"})))
            .await;
    assert_eq!((status, filed["status"].as_str()), (201, Some("completed")), "{filed}");
    let told = recipients(&filed["notified"]);
    for expected in [("carriers", "email"), ("email_service", "email"), ("cloud_host", "in_place")] {
        assert!(told.contains(&(expected.0.to_string(), expected.1.to_string())), "{expected:?} in {told:?}");
    }
    assert!(!told.iter().any(|(r, _)| r == "stripe"), "the demo provider: Stripe received nothing");
    assert!(filed["outcome"].as_str().unwrap_or_default().contains("carriers"), "the outcome names the recipients");
    let request = uuid::Uuid::parse_str(filed["id"].as_str().unwrap_or_default()).unwrap_or_default();
    let notices = luxevault_storage::Limits::notices(&app.db, request).await.unwrap_or_default();
    assert_eq!(notices.len(), 3, "one notice recorded per recipient: {notices:?}");
    let carriers = notices.iter().find(|n| n.recipient == "carriers").unwrap_or_else(|| panic!("{notices:?}"));
    assert_eq!(carriers.reference, format!("order {number}"), "only what the carrier already holds");

    app.run_jobs().await;
    let outbox = app.outbox();
    let to_carrier = outbox
        .iter()
        .find(|m| m.contains(&format!("To: {CARRIERS_CONTACT}")))
        .unwrap_or_else(|| panic!("the carrier's privacy contact was written to"));
    assert!(to_carrier.contains(&number) && to_carrier.contains(&request.to_string()), "{to_carrier}");
    for secret in ["restreinte@example.test", "Cliente Canari", "12 rue Cambon"] {
        assert!(!to_carrier.contains(secret), "no more personal data than the carrier holds: {secret}");
    }
    assert!(outbox.iter().any(|m| m.contains(&format!("To: {EMAIL_SERVICE_CONTACT}"))));

    let (_, state) = call(&app, reqwest::Method::GET, "/api/v1/account/processing", &token, None).await;
    assert_eq!(state["restricted"], true, "{state}");
    // The person's copy holds the restriction too (Art. 15).
    let copy = app
        .client
        .post(app.url("/api/v1/account/export"))
        .bearer_auth(&token)
        .json(&json!({"password": PASSWORD}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let archive = crate::support::unzip(&copy.bytes().await.unwrap_or_default());
    let document: Value = serde_json::from_str(&archive["data.json"]).unwrap_or(Value::Null);
    assert_eq!(document["data"]["restrictions_and_objections"][0]["kind"], "restriction", "{document}");

    // Analytics: not counted while restricted.
    assert_eq!(view(&app, Some(&token), "sid-while-restricted-00001").await, 204);
    assert_eq!(views_of(&app, "sid-while-restricted-00001").await, 0, "a restricted customer's visit is not analysed");
    // Marketing: not sent.
    let (status, campaign) = call(
        &app,
        reqwest::Method::POST,
        "/api/v1/admin/marketing/campaigns",
        ADMIN,
        Some(json!({"subject": "La collection d'hiver", "body": "Découvrez-la en boutique."})),
    )
    .await;
    assert_eq!((status, campaign["queued"].as_i64()), (201, Some(0)), "{campaign}");
    // Retention: two years without a visit neither warn nor delete a restricted account.
    app.clock.advance_days(800);
    let policy = luxevault_core::policy::Policy::parse(include_str!("../../policy/default.toml"), &["en", "fr"])
        .unwrap_or_else(|e| panic!("{e}"));
    let now = app.clock.now();
    for _ in 0..2 {
        let reports = luxevault_shop::privacy::retention::apply(&app.db, &policy, now, now, false)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let accounts = reports.iter().find(|r| r.rule == "accounts").map(|r| r.counts.clone()).unwrap_or_default();
        assert_eq!(accounts, vec![("deleted", 0), ("warned", 0)], "a restricted account is kept as it is");
    }
    app.clock.advance_days(-800);

    // Staff lift it, but only after telling the person, with the date.
    let (_, list) = call(&app, reqwest::Method::GET, "/api/v1/admin/restrictions", ADMIN, None).await;
    let id = list["restrictions"][0]["id"].as_str().unwrap_or_default().to_string();
    let (status, bad) = call(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/admin/restrictions/{id}/lift"),
        ADMIN,
        Some(json!({"notice_days": 0})),
    )
    .await;
    assert_eq!((status, bad["error"]["code"].as_str()), (422, Some("invalid_notice")), "never lifted without notice");
    let (status, lifting) = call(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/admin/restrictions/{id}/lift"),
        ADMIN,
        Some(json!({"notice_days": 14})),
    )
    .await;
    assert_eq!(status, 200, "{lifting}");
    let date = app.clock.now().plus_days(14).to_rfc3339()[..10].to_string();
    app.run_jobs().await;
    let notice = app
        .outbox()
        .into_iter()
        .find(|m| m.contains("To: restreinte@example.test") && m.contains("will be lifted"))
        .unwrap_or_else(|| panic!("the person is told before the restriction is lifted"));
    assert!(notice.contains(&date), "the notice gives the date {date}: {notice}");
    let (status, _) =
        call(&app, reqwest::Method::POST, &format!("/api/v1/admin/restrictions/{id}/lift"), ADMIN, Some(json!({})))
            .await;
    assert_eq!(status, 409, "already being lifted");
    app.clock.advance_days(13);
    let (_, state) = call(&app, reqwest::Method::GET, "/api/v1/account/processing", &token, None).await;
    assert_eq!(state["restricted"], true, "still in force until the date told");
    app.clock.advance_days(2);
    let (_, state) = call(&app, reqwest::Method::GET, "/api/v1/account/processing", &token, None).await;
    assert_eq!(state["restricted"], false, "lifted on the date told");
    assert_eq!(view(&app, Some(&token), "sid-after-the-lifting-0001").await, 204);
    assert_eq!(views_of(&app, "sid-after-the-lifting-0001").await, 1, "counted again");
    app.stop().await;
}

async fn staff_grant_a_logged_restriction_for_an_address(backend: Backend) {
    let app = spawn(backend).await;
    let email = "par-courrier@example.test";
    let number = delivered_order(&app, None, email, "restriction-order-0002").await;
    let (status, logged) = call(
        &app,
        reqwest::Method::POST,
        "/api/v1/admin/privacy-requests",
        ADMIN,
        Some(json!({"kind": "restriction", "channel": "email", "contact": email})),
    )
    .await;
    assert_eq!(status, 201, "{logged}");
    let id = logged["id"].as_str().unwrap_or_default().to_string();
    let (status, done) = call(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/admin/privacy-requests/{id}/complete"),
        ADMIN,
        Some(json!({"outcome": "restricted while the person contests the accuracy of the address"})),
    )
    .await;
    assert_eq!((status, done["status"].as_str()), (200, Some("completed")), "{done}");
    assert!(recipients(&done["notified"]).contains(&("carriers".to_string(), "email".to_string())), "{done}");
    assert!(done["outcome"].as_str().unwrap_or_default().starts_with("restricted while"), "{done}");
    app.run_jobs().await;
    assert!(
        app.outbox().iter().any(|m| m.contains(&format!("To: {CARRIERS_CONTACT}")) && m.contains(&number)),
        "the carrier is told"
    );
    // The register knows the address only by its keyed hash.
    let dump = crate::support::dump_text(&app.db).await;
    let stored_keys: Vec<String> = luxevault_storage::on_db!(&app.db, pool => sqlx::query_scalar(
        "SELECT email_key FROM processing_limits WHERE email_key IS NOT NULL"
    )
    .fetch_all(pool)
    .await)
    .unwrap_or_default();
    assert_eq!(stored_keys.len(), 1);
    assert!(!stored_keys[0].contains(email) && stored_keys[0].len() >= 32, "a keyed hash, not the address");
    assert!(dump.contains(&stored_keys[0]));

    // The same person opens an account later and opts in: still restricted, no marketing.
    let token = app
        .post_json(
            "/api/v1/account/register",
            &json!({"username": "par-courrier", "email": email, "password": PASSWORD, "marketing_opt_in": true}),
        )
        .await
        .1["token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let (_, state) = call(&app, reqwest::Method::GET, "/api/v1/account/processing", &token, None).await;
    assert_eq!(state["restricted"], true, "{state}");
    let (status, campaign) = call(
        &app,
        reqwest::Method::POST,
        "/api/v1/admin/marketing/campaigns",
        ADMIN,
        Some(json!({"subject": "Avant-première", "body": "Une soirée en boutique."})),
    )
    .await;
    assert_eq!((status, campaign["queued"].as_i64()), (201, Some(0)), "restricted by address: {campaign}");
    assert_eq!(view(&app, Some(&token), "sid-restricted-by-address1").await, 204);
    assert_eq!(views_of(&app, "sid-restricted-by-address1").await, 0);
    app.stop().await;
}

async fn a_guest_restricts_with_an_emailed_code(backend: Backend) {
    let app = spawn(backend).await;
    let (id, code) = crate::requests::guests::start(&app, "restriction").await;
    let (status, done) = app.post_json(&format!("/api/v1/privacy/requests/{id}/verify"), &json!({"code": code})).await;
    assert_eq!((status, done["status"].as_str(), done["restricted"].as_bool()), (200, Some("completed"), Some(true)));
    assert_eq!(recipients(&done["notified"]), Vec::<(String, String)>::new(), "nothing held: no one to tell");
    let token = register_with(&app, crate::requests::guests::GUEST).await;
    let (_, state) = call(&app, reqwest::Method::GET, "/api/v1/account/processing", &token, None).await;
    assert_eq!(state["restricted"], true, "the address is restricted, whatever account uses it");
    app.stop().await;
}

async fn register_with(app: &TestApp, email: &str) -> String {
    let body = json!({"username": "invitee", "email": email, "password": PASSWORD, "marketing_opt_in": true});
    let (status, answer) = app.post_json("/api/v1/account/register", &body).await;
    assert_eq!(status, 201, "{answer}");
    answer["token"].as_str().unwrap_or_default().to_string()
}

async fn objections_are_recorded_per_purpose_and_enforced(backend: Backend) {
    let app = spawn(backend).await;
    let token = register(&app, "opposante", true).await;
    let object = |purpose: &'static str, objected: bool| {
        call(
            &app,
            reqwest::Method::POST,
            "/api/v1/account/objections",
            &token,
            Some(json!({"purpose": purpose, "objected": objected})),
        )
    };
    let (status, state) = object("website_analytics", true).await;
    assert_eq!((status, state["objections"]["website_analytics"].as_bool()), (200, Some(true)), "{state}");
    assert_eq!(state["restricted"], false, "an objection is not a restriction");
    assert_eq!(view(&app, Some(&token), "sid-objecting-to-analytics").await, 204);
    assert_eq!(views_of(&app, "sid-objecting-to-analytics").await, 0, "objected: not counted");
    assert_eq!(view(&app, None, "sid-someone-else-entirely-1").await, 204);
    assert_eq!(views_of(&app, "sid-someone-else-entirely-1").await, 1, "others are");

    let (_, state) = object("website_analytics", false).await;
    assert_eq!(state["objections"]["website_analytics"], false);
    assert_eq!(view(&app, Some(&token), "sid-objection-withdrawn-01").await, 204);
    assert_eq!(views_of(&app, "sid-objection-withdrawn-01").await, 1, "withdrawn as easily");

    // Fraud prevention: recorded, and a request staff must weigh and answer (Art. 21(1)).
    let (status, state) = object("fraud_prevention", true).await;
    assert_eq!((status, state["objections"]["fraud_prevention"].as_bool()), (200, Some(true)));
    let request = state["request_id"].as_str().unwrap_or_else(|| panic!("a request is opened: {state}")).to_string();
    let (_, open) = call(&app, reqwest::Method::GET, "/api/v1/admin/privacy-requests", ADMIN, None).await;
    assert!(open["requests"].as_array().into_iter().flatten().any(|r| r["id"] == request && r["kind"] == "objection"));

    // Marketing (Art. 21(2)): absolute, even with the consent still given.
    let (_, consents) = call(&app, reqwest::Method::GET, "/api/v1/account/consents", &token, None).await;
    assert_eq!(consents["current"]["marketing"], true);
    let (status, _) = object("marketing", true).await;
    assert_eq!(status, 200);
    let (_, campaign) = call(
        &app,
        reqwest::Method::POST,
        "/api/v1/admin/marketing/campaigns",
        ADMIN,
        Some(json!({"subject": "Les soldes privées", "body": "Pour vous seule."})),
    )
    .await;
    assert_eq!(campaign["queued"], 0, "{campaign}");

    let (status, answer) = object("order_fulfilment", true).await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (422, Some("not_objectable")),
        "a contract is not objected to"
    );
    app.stop().await;
}

async fn staff_carry_out_a_logged_erasure_and_tell_the_recipients(backend: Backend) {
    let app = spawn(backend).await;
    let email = "effacement@example.test";
    let body = json!({"username": "effacement", "email": email, "password": PASSWORD, "marketing_opt_in": true});
    let (status, session) = app.post_json("/api/v1/account/register", &body).await;
    assert_eq!(status, 201, "{session}");
    let token = session["token"].as_str().unwrap_or_default().to_string();
    let with_account = delivered_order(&app, Some(&token), email, "erasure-order-account-01").await;
    let as_guest = delivered_order(&app, None, email, "erasure-order-guest-0001").await;
    let (status, logged) = call(
        &app,
        reqwest::Method::POST,
        "/api/v1/admin/privacy-requests",
        ADMIN,
        Some(json!({"kind": "erasure", "channel": "email", "contact": email})),
    )
    .await;
    assert_eq!(status, 201, "{logged}");
    let id = logged["id"].as_str().unwrap_or_default().to_string();
    let (status, done) = call(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/admin/privacy-requests/{id}/complete"),
        ADMIN,
        Some(json!({"outcome": "identity checked by a reply from the address"})),
    )
    .await;
    assert_eq!((status, done["status"].as_str()), (200, Some("completed")), "{done}");
    let told = recipients(&done["notified"]);
    for expected in [("carriers", "email"), ("email_service", "email"), ("cloud_host", "in_place")] {
        assert!(told.contains(&(expected.0.to_string(), expected.1.to_string())), "{expected:?} in {told:?}");
    }
    assert!(done["kept"].to_string().contains("tax law"), "what is kept and why: {done}");
    let (status, _) = app.post_json("/api/v1/account/login", &json!({"email": email, "password": PASSWORD})).await;
    assert_eq!(status, 401, "the account is erased");
    let dump = crate::support::dump_text(&app.db).await;
    assert!(!dump.contains("Cliente Canari") && !dump.contains("12 rue Cambon"), "both orders are anonymised");
    app.run_jobs().await;
    let to_carrier = app
        .outbox()
        .into_iter()
        .find(|m| m.contains(&format!("To: {CARRIERS_CONTACT}")))
        .unwrap_or_else(|| panic!("the carrier is told"));
    assert!(to_carrier.contains(&with_account) && to_carrier.contains(&as_guest), "{to_carrier}");
    assert!(!to_carrier.contains(email), "the carrier is not sent the address");
    app.stop().await;
}

backend_tests!(
    staff_carry_out_a_logged_erasure_and_tell_the_recipients,
    a_restriction_stops_all_but_storage_and_is_lifted_after_notice,
    staff_grant_a_logged_restriction_for_an_address,
    a_guest_restricts_with_an_emailed_code,
    objections_are_recorded_per_purpose_and_enforced,
);
