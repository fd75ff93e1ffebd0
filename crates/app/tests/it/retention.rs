//! Time travel: with the clock moved forward, records past their horizon are anonymised or
//! deleted, records within it are untouched, warnings go out a month before an account is
//! deleted, and every run leaves a purge log of counts.

use luxevault_core::Clock;
use luxevault_core::policy::Policy;
use serde_json::{Value, json};

use crate::support::{Backend, TestApp, pick};

fn policy() -> Policy {
    Policy::parse(include_str!("../../policy/default.toml"), &["en", "fr"]).unwrap_or_else(|e| panic!("{e}"))
}

async fn run(app: &TestApp, dry_run: bool) -> Vec<luxevault_shop::privacy::retention::RuleReport> {
    let now = app.clock.now();
    luxevault_shop::privacy::retention::apply(&app.db, &policy(), now, now, dry_run)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

fn count(reports: &[luxevault_shop::privacy::retention::RuleReport], rule: &str, action: &str) -> i64 {
    reports
        .iter()
        .filter(|r| r.rule == rule)
        .flat_map(|r| r.counts.iter())
        .find(|(a, _)| *a == action)
        .map(|(_, n)| *n)
        .unwrap_or(-1)
}

async fn order(app: &TestApp, key: &str, sku: &str, name: &str) -> String {
    let contact = json!({
        "name": name, "email": "retention@example.test", "phone": "+33 6 00 00 00 00",
        "address_line1": "1 rue de la Paix", "address_line2": "", "city": "Paris", "postcode": "75002", "country": "FR"
    });
    let response = app
        .client
        .post(app.url("/api/v1/orders"))
        .header("Idempotency-Key", key)
        .json(&json!({"currency": "EUR", "lines": [{"sku": sku, "quantity": 1}], "contact": contact}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let body: Value = response.json().await.unwrap_or(Value::Null);
    body["order"]["id"].as_str().unwrap_or_else(|| panic!("order placed: {body}")).to_string()
}

async fn order_row(app: &TestApp, id: &str) -> luxevault_storage::OrderRow {
    let id = uuid::Uuid::parse_str(id).unwrap_or_default();
    luxevault_storage::Orders::by_id(&app.db, id).await.ok().flatten().unwrap_or_else(|| panic!("order {id}"))
}

async fn orders_are_anonymised_after_seven_years(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let catalog = app.catalog().await;
    let (_, variant) = pick::in_stock_variant(&catalog, 3);
    let old = order(&app, "retention-order-0001-abc", &variant.sku, "Ancienne Cliente").await;
    app.clock.advance_days(2556);
    assert_eq!(count(&run(&app, false).await, "orders", "anonymised"), 0, "one day short of seven years");
    let recent = order(&app, "retention-order-0002-abc", &variant.sku, "Nouvelle Cliente").await;
    app.clock.advance_days(2);
    assert_eq!(count(&run(&app, true).await, "orders", "anonymised"), 1, "the preview counts it");
    assert_eq!(order_row(&app, &old).await.name.expose(), "Ancienne Cliente", "a dry run changes nothing");
    assert_eq!(count(&run(&app, false).await, "orders", "anonymised"), 1);
    let anonymised = order_row(&app, &old).await;
    for field in [
        &anonymised.name,
        &anonymised.email,
        &anonymised.phone,
        &anonymised.address_line1,
        &anonymised.city,
        &anonymised.postcode,
    ] {
        assert_eq!(field.expose(), "", "who and where are gone");
    }
    assert!(anonymised.total_minor > 0 && anonymised.country == "FR", "amounts and the country stay (tax law)");
    let lines = luxevault_storage::Orders::lines(&app.db, anonymised.id).await.unwrap_or_default();
    assert_eq!(lines.len(), 1, "the lines stay");
    assert_eq!(order_row(&app, &recent).await.name.expose(), "Nouvelle Cliente", "within its horizon: untouched");
    assert_eq!(count(&run(&app, false).await, "orders", "anonymised"), 0, "once only");
    // The purge log holds counts, never personal data.
    let log = luxevault_storage::RetentionStore::runs(&app.db, 50).await.unwrap_or_default();
    assert!(log.iter().any(|l| l.rule == "orders" && l.action == "anonymised" && l.affected == 1 && !l.dry_run));
    assert!(log.iter().any(|l| l.rule == "orders" && l.dry_run));
    app.stop().await;
}

async fn register(app: &TestApp, username: &str) -> String {
    let (status, body) = app
        .post_json(
            "/api/v1/account/register",
            &json!({"username": username, "email": format!("{username}@example.test"), "password": "la soie du matin à Paris",
                    "marketing_opt_in": true}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body["token"].as_str().unwrap_or_default().to_string()
}

async fn account_exists(app: &TestApp, username: &str) -> bool {
    let email = luxevault_core::Email::parse(&format!("{username}@example.test")).unwrap_or_else(|e| panic!("{e}"));
    luxevault_storage::Accounts::by_email(&app.db, &email).await.ok().flatten().is_some()
}

async fn inactive_accounts_are_warned_then_deleted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    register(&app, "dormante").await;
    register(&app, "fidele").await;
    register(&app, "revient").await;
    app.clock.advance_days(400);
    let (status, _) = app
        .post_json(
            "/api/v1/account/login",
            &json!({"email": "fidele@example.test", "password": "la soie du matin à Paris"}),
        )
        .await;
    assert_eq!(status, 200, "fidele comes back after 400 days");
    app.clock.advance_days(300); // day 700
    assert_eq!(count(&run(&app, false).await, "accounts", "warned"), 0, "not yet a month before two years");
    app.clock.advance_days(1); // day 701: less than 30 days to go
    let reports = run(&app, false).await;
    assert_eq!(count(&reports, "accounts", "warned"), 2, "dormante and revient are warned");
    assert_eq!(count(&reports, "accounts", "deleted"), 0);
    assert_eq!(count(&run(&app, false).await, "accounts", "warned"), 0, "warned once");
    app.run_jobs().await;
    assert_eq!(
        app.outbox().iter().filter(|m| m.contains("deleted in about a month")).count(),
        2,
        "warning emails sent"
    );

    // revient signs in after the warning: the clock starts again.
    let (status, _) = app
        .post_json(
            "/api/v1/account/login",
            &json!({"email": "revient@example.test", "password": "la soie du matin à Paris"}),
        )
        .await;
    assert_eq!(status, 200);
    app.clock.advance_days(30); // day 731: warned exactly 30 days ago
    assert_eq!(count(&run(&app, false).await, "accounts", "deleted"), 0, "a full month of notice");
    app.clock.advance_days(1); // day 732
    assert_eq!(count(&run(&app, true).await, "accounts", "deleted"), 1);
    assert_eq!(count(&run(&app, false).await, "accounts", "deleted"), 1);
    assert!(!account_exists(&app, "dormante").await, "two years inactive, warned a month before: deleted");
    let ledger = luxevault_storage::StaffPages::consent_ledger(&app.db, None, 50).await.unwrap_or_default();
    let closed: Vec<_> = ledger.iter().filter(|r| !r.holder_is_account).collect();
    assert_eq!(closed.len(), 2, "dormante's consent proofs stay, naming no one: {ledger:?}");
    assert!(closed.iter().any(|r| !r.granted && r.source == "retention"), "its withdrawal is recorded");
    assert!(account_exists(&app, "fidele").await, "active 332 days ago: kept");
    assert!(account_exists(&app, "revient").await, "came back after the warning: kept");
    app.stop().await;
}

async fn the_daily_run_happens_once_a_day(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let logged = |app: &TestApp| {
        let db = app.db.clone();
        async move { luxevault_storage::RetentionStore::runs(&db, 1000).await.map(|r| r.len()).unwrap_or(0) }
    };
    app.sweep().await;
    app.run_jobs().await;
    let after_first = logged(&app).await;
    assert!(after_first > 0, "the day's run happened");
    for _ in 0..3 {
        app.clock.advance_minutes(5);
        app.sweep().await;
        app.run_jobs().await;
    }
    assert_eq!(logged(&app).await, after_first, "not again the same day");
    app.clock.advance_days(1);
    app.sweep().await;
    app.run_jobs().await;
    assert!(logged(&app).await > after_first, "the next day's run");
    app.stop().await;
}

backend_tests!(
    orders_are_anonymised_after_seven_years,
    inactive_accounts_are_warned_then_deleted,
    the_daily_run_happens_once_a_day,
);
