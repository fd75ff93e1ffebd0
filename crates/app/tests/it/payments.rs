//! Stripe, end to end against a fake Stripe that checks what we send and signs what it sends
//! exactly as Stripe does: hosted Checkout with manual capture, webhooks verified and applied
//! once, out-of-order and duplicate deliveries, bad signatures; and mail through a real SMTP
//! server, surviving an outage.

use luxevault_integrations::mail::testing::SmtpSink;
use luxevault_integrations::payments::stripe::fake::{FAKE_CUSTOMER_EMAIL, FAKE_CUSTOMER_NAME, FakeConfig, FakeStripe};
use luxevault_storage::Jobs;
use serde_json::{Value, json};

use crate::support::{Backend, TestApp, pick};

const SECRET_KEY: &str = "sk_test_luxevault_fake";
const WEBHOOK_SECRET: &str = "whsec_luxevault_fake";

fn contact() -> Value {
    json!({
        "name": "Jeanne Dupont", "email": "pii-canary-7f3a@example.test", "phone": "+33 6 12 34 56 78",
        "address_line1": "12 rue du Faubourg Saint-Honoré", "address_line2": "Escalier B", "city": "Paris",
        "postcode": "75008", "country": "FR"
    })
}

pub(crate) async fn with_stripe(backend: Backend) -> (TestApp, FakeStripe) {
    let fake = FakeStripe::start(FakeConfig {
        secret_key: SECRET_KEY.into(),
        webhook_secret: WEBHOOK_SECRET.into(),
        webhook_url: None,
    })
    .await
    .unwrap_or_else(|e| panic!("fake Stripe: {e}"));
    let base = fake.base_url().to_string();
    let app = TestApp::spawn_with(backend, |config| {
        config.stripe_secret_key = luxevault::config::Secret::new(SECRET_KEY);
        config.stripe_webhook_secret = luxevault::config::Secret::new(WEBHOOK_SECRET);
        config.stripe_api_base = base;
        config.admin_token = luxevault::config::Secret::new("an-admin-token-of-at-least-32-characters");
    })
    .await;
    fake.set_webhook_url(Some(app.url("/webhooks/stripe")));
    // Stripe signs with its own clock; ours is the test's. Sign at the test's "now".
    fake.set_signing_time(Some(crate::support::TEST_NOW.as_micros() / 1_000_000));
    (app, fake)
}

pub(crate) async fn order(app: &TestApp, key: &str, sku: &str) -> Value {
    let response = app
        .client
        .post(app.url("/api/v1/orders"))
        .header("Idempotency-Key", key)
        .json(&json!({"currency": "EUR", "lines": [{"sku": sku, "quantity": 1}], "contact": contact()}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status().as_u16(), 201);
    response.json().await.unwrap_or(Value::Null)
}

async fn status_of(app: &TestApp, order_id: &str) -> String {
    let id = uuid::Uuid::parse_str(order_id).unwrap_or_else(|e| panic!("{e}"));
    let order = luxevault_storage::Orders::by_id(&app.db, id).await.ok().flatten().unwrap_or_else(|| panic!("order"));
    order.status.as_str().to_string()
}

async fn stripe_checkout_end_to_end(backend: Backend) {
    let (app, fake) = with_stripe(backend).await;
    let catalog = app.catalog().await;
    let (product, variant) = pick::in_stock_variant(&catalog, 1);
    let placed = order(&app, "stripe-order-key-0001", &variant.sku).await;
    assert_eq!(
        (placed["payment"]["provider"].as_str(), placed["payment"]["test_mode"].as_bool()),
        (Some("stripe"), Some(true))
    );
    let redirect = placed["payment"]["redirect_url"].as_str().unwrap_or_default().to_string();
    assert!(redirect.starts_with(&format!("{}/pay/cs_", fake.base_url())), "{redirect}");
    let order_id = placed["order"]["id"].as_str().unwrap_or_default().to_string();

    // What we sent Stripe: the pinned version, an idempotency key, minor units, manual capture,
    // and nothing about the customer (M5, P4).
    let requests = fake.requests();
    let create =
        requests.iter().find(|r| r.path == "/v1/checkout/sessions").unwrap_or_else(|| panic!("session created"));
    assert_eq!(create.idempotency_key.as_deref(), Some(format!("order-{order_id}-checkout").as_str()));
    assert!(create.stripe_version.is_some());
    let param = |name: &str| create.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let eur = catalog.currencies.find("EUR").copied().unwrap_or_else(|| panic!("EUR"));
    let unit = catalog.currencies.price(&product.prices, &eur).ok().flatten().map(|p| p.money.minor().to_string());
    assert_eq!(param("line_items[0][price_data][unit_amount]"), unit);
    assert_eq!(param("line_items[0][price_data][currency]").as_deref(), Some("eur"));
    assert_eq!(param("payment_intent_data[capture_method]").as_deref(), Some("manual"));
    for (_, value) in requests.iter().flat_map(|r| r.params.iter()) {
        for personal in ["pii-canary", "Jeanne", "Dupont", "Faubourg", "75008", "+33"] {
            assert!(!value.contains(personal), "personal data sent to Stripe: {value}");
        }
    }

    // The customer pays on Stripe's page; Stripe tells us by signed webhooks.
    let session = redirect.rsplit('/').next().unwrap_or_default().to_string();
    let success = fake.pay(&session).await.unwrap_or_else(|e| panic!("pay: {e}"));
    // Back to the neutral page: no key at Stripe, in its logs or in the browser's history.
    assert!(success.ends_with(&format!("/orders/{order_id}")), "{success}");
    assert_eq!(status_of(&app, &order_id).await, "authorised", "held at the review point, money not yet taken");
    assert!(fake.deliveries().iter().all(|(_, status)| *status == 200), "{:?}", fake.deliveries());

    // Released for capture: the job captures, Stripe confirms by webhook.
    app.run_jobs().await;
    fake.settle().await;
    assert_eq!(status_of(&app, &order_id).await, "confirmed");
    let captures: Vec<_> = fake.requests().into_iter().filter(|r| r.path.ends_with("/capture")).collect();
    assert_eq!(captures.len(), 1);
    assert_eq!(captures[0].idempotency_key.as_deref(), Some(format!("order-{order_id}-capture").as_str()));

    // A redelivered event changes nothing; a bad signature is refused.
    let events_before =
        luxevault_storage::Orders::events(&app.db, uuid::Uuid::parse_str(&order_id).unwrap_or_default())
            .await
            .map(|e| e.len())
            .ok();
    assert_eq!(fake.redeliver_last().await, 200);
    let events_after = luxevault_storage::Orders::events(&app.db, uuid::Uuid::parse_str(&order_id).unwrap_or_default())
        .await
        .map(|e| e.len())
        .ok();
    assert_eq!(events_before, events_after);
    let body =
        br#"{"id":"evt_forged","object":"event","type":"payment_intent.succeeded","data":{"object":{}}}"#.to_vec();
    assert_eq!(fake.deliver_raw(body.clone(), "t=1795341600,v1=deadbeef".into()).await, 400);
    assert_eq!(fake.deliver_raw(body, String::new()).await, 400);

    // A refund by staff goes to Stripe under its own idempotency key; Stripe's charge.refunded
    // that follows changes nothing more.
    let refunded = app
        .client
        .post(app.url(&format!("/api/v1/admin/orders/{order_id}/refund")))
        .bearer_auth("an-admin-token-of-at-least-32-characters")
        .json(&json!({"reason": "returned unworn"}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(refunded.status().as_u16(), 200);
    fake.settle().await;
    assert_eq!(status_of(&app, &order_id).await, "refunded");
    let refund = fake.requests().into_iter().find(|r| r.path == "/v1/refunds").unwrap_or_else(|| panic!("refund sent"));
    // One key per refund record: a second refund of the same amount is a new refund at Stripe.
    let key = refund.idempotency_key.unwrap_or_default();
    assert!(key.starts_with(&format!("order-{order_id}-refund-")) && key.len() > 50, "{key}");

    // What Stripe echoes about the buyer never lands in our database (P7: payment status only).
    let dump = crate::support::dump_text(&app.db).await;
    assert!(!dump.contains(FAKE_CUSTOMER_EMAIL) && !dump.contains(FAKE_CUSTOMER_NAME));
    app.stop().await;
}

async fn out_of_order_events_never_move_an_order_back(backend: Backend) {
    let (app, fake) = with_stripe(backend).await;
    let catalog = app.catalog().await;
    let (_, variant) = pick::in_stock_variant(&catalog, 2);
    let placed = order(&app, "stripe-order-key-0002", &variant.sku).await;
    let order_id = placed["order"]["id"].as_str().unwrap_or_default().to_string();
    let session = placed["payment"]["redirect_url"]
        .as_str()
        .unwrap_or_default()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    fake.set_hold(true);
    fake.pay(&session).await.unwrap_or_else(|e| panic!("pay: {e}"));
    assert_eq!(status_of(&app, &order_id).await, "awaiting_payment", "events held back");
    let statuses = fake.flush_reversed().await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(status_of(&app, &order_id).await, "authorised");
    fake.set_hold(false);
    app.run_jobs().await;
    fake.settle().await;
    assert_eq!(status_of(&app, &order_id).await, "confirmed");
    // A late "authorised" (a new event id) after the capture is ignored, not applied.
    let pi = luxevault_storage::Orders::by_id(&app.db, uuid::Uuid::parse_str(&order_id).unwrap_or_default())
        .await
        .ok()
        .flatten()
        .and_then(|o| o.payment_id)
        .unwrap_or_default();
    let late = json!({"id": pi, "object": "payment_intent", "amount_capturable": 100, "status": "requires_capture", "metadata": {"order_id": order_id}});
    assert_eq!(fake.deliver("payment_intent.amount_capturable_updated", late).await, 200);
    assert_eq!(status_of(&app, &order_id).await, "confirmed");
    app.stop().await;
}

async fn mail_goes_through_smtp_and_survives_an_outage(backend: Backend) {
    let sink = SmtpSink::start().unwrap_or_else(|e| panic!("SMTP sink: {e}"));
    let url = sink.url();
    let app = TestApp::spawn_with(backend, |config| config.smtp_url = luxevault::config::Secret::new(url)).await;
    let (_, session) = app
        .post_json("/api/v1/account/register", &json!({"username": "jeanne", "email": "jeanne@example.fr", "password": "la soie du matin à Paris", "lang": "fr"}))
        .await;
    assert!(session["token"].is_string());
    assert_eq!(app.run_jobs().await, 1);
    let messages = sink.messages().await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].subject, "Bienvenue chez Maison Élégance");
    assert!(messages[0].to.contains("jeanne@example.fr"));
    assert!(messages[0].html.as_deref().unwrap_or_default().contains("Maison"));
    assert_eq!(messages[0].header("Auto-Submitted"), Some("auto-generated"));

    // The mail server goes away: the next email waits in the queue, nothing is lost.
    sink.stop();
    app.post_json("/api/v1/account/password-reset", &json!({"email": "jeanne@example.fr"})).await;
    app.run_jobs().await;
    assert_eq!(Jobs::pending(&app.db, "email").await.ok(), Some(1), "kept for a retry");
    assert_eq!(Jobs::failed(&app.db, "email").await.ok(), Some(0));
    app.clock.advance_minutes(1);
    app.run_jobs().await;
    assert_eq!(Jobs::pending(&app.db, "email").await.ok(), Some(1), "still kept");
    app.stop().await;
}

/// A node's job is leased for half a minute and the lease renewed while the job runs: a slow
/// SMTP server does not hand the job to a second node, and when the node is killed mid-job the
/// job is taken over half a minute later — not after the five minutes a long lease would cost a
/// paid order's capture and confirmation.
async fn a_running_job_keeps_its_lease_and_a_dead_nodes_job_is_taken_over_soon(backend: Backend) {
    let sink = SmtpSink::start().unwrap_or_else(|e| panic!("SMTP sink: {e}"));
    let url = sink.url();
    let app = TestApp::spawn_with(backend, |config| config.smtp_url = luxevault::config::Secret::new(url)).await;
    app.post_json(
        "/api/v1/account/register",
        &json!({"username": "lente", "email": "lente@example.fr", "password": "la soie du matin à Paris"}),
    )
    .await;
    // An SMTP server that accepts the connection and never greets: the send hangs.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("{e}"));
    let silent_url = format!("smtp://{}", silent.local_addr().unwrap_or_else(|e| panic!("{e}")));
    let held = tokio::spawn(async move {
        let mut sockets = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            sockets.push(socket);
        }
    });
    let mailer = luxevault_integrations::mail::Mailer::from_url(Some(&silent_url), &app.data_dir)
        .unwrap_or_else(|e| panic!("{e}"));
    let node = luxevault_shop::Worker::new(app.shop.clone(), mailer)
        .unwrap_or_else(|e| panic!("{e}"))
        .renewing_every(std::time::Duration::from_millis(50));
    let running = tokio::spawn(async move { node.run_due().await });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!running.is_finished(), "the send hangs on the silent server");

    // 45 s on the shop's clock, past the first lease's 30 s: renewed meanwhile, still the node's.
    app.clock.advance_seconds(25);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    app.clock.advance_seconds(20);
    assert_eq!(app.run_jobs().await, 0, "a running job's renewed lease keeps a second node off it");
    assert!(sink.messages().await.is_empty());

    // The node is killed mid-send; half a minute later another node sends the email once.
    running.abort();
    let _ = running.await;
    app.clock.advance_seconds(31);
    assert_eq!(app.run_jobs().await, 1, "taken over when the dead node's lease ran out");
    let messages = sink.messages().await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(messages[0].to.contains("lente@example.fr"));
    held.abort();
    app.stop().await;
}

backend_tests!(
    a_running_job_keeps_its_lease_and_a_dead_nodes_job_is_taken_over_soon,
    a_cancel_reaching_an_authorised_order_releases_the_money,
    a_capture_reported_first_still_sends_the_confirmation,
    stripe_checkout_end_to_end,
    out_of_order_events_never_move_an_order_back,
    mail_goes_through_smtp_and_survives_an_outage
);

fn session_of(placed: &Value) -> String {
    placed["payment"]["redirect_url"].as_str().unwrap_or_default().rsplit('/').next().unwrap_or_default().to_string()
}

fn outbox_texts(app: &TestApp) -> Vec<String> {
    std::fs::read_dir(app.data_dir.join("outbox"))
        .map(|dir| dir.filter_map(|e| e.ok()).filter_map(|e| std::fs::read_to_string(e.path()).ok()).collect())
        .unwrap_or_default()
}

/// A payment page that expires after the client authorised (or any cancel that is not Stripe's
/// own) cancels the order and releases the money held on the card: it does not stay held.
async fn a_cancel_reaching_an_authorised_order_releases_the_money(backend: Backend) {
    let (app, fake) = with_stripe(backend).await;
    let catalog = app.catalog().await;
    let (_, variant) = pick::in_stock_variant(&catalog, 2);
    let placed = order(&app, "stripe-order-key-void-01", &variant.sku).await;
    let order_id = placed["order"]["id"].as_str().unwrap_or_default().to_string();
    let session = session_of(&placed);
    fake.pay(&session).await.unwrap_or_else(|e| panic!("pay: {e}"));
    fake.settle().await;
    assert_eq!(status_of(&app, &order_id).await, "authorised");
    let mut expired = fake.checkout_session(&session).unwrap_or_else(|| panic!("the session"));
    expired["status"] = json!("expired");
    assert_eq!(fake.deliver("checkout.session.expired", expired).await, 200);
    assert_eq!(status_of(&app, &order_id).await, "cancelled");
    let pi = luxevault_storage::Orders::by_id(&app.db, uuid::Uuid::parse_str(&order_id).unwrap_or_default())
        .await
        .ok()
        .flatten()
        .and_then(|o| o.payment_id)
        .unwrap_or_else(|| panic!("the order knows its payment"));
    app.run_jobs().await;
    let intent = fake.payment_intent(&pi).unwrap_or_else(|| panic!("the payment intent"));
    assert_eq!(intent["status"], "canceled", "the authorisation is released: {intent}");
    // Run again: nothing more is asked of Stripe, and the order stays cancelled.
    let cancels = || fake.requests().iter().filter(|r| r.path.ends_with("/cancel")).count();
    let before = cancels();
    app.run_jobs().await;
    assert_eq!(cancels(), before);
    assert_eq!(status_of(&app, &order_id).await, "cancelled");
    app.stop().await;
}

/// `payment_intent.succeeded` first, `amount_capturable_updated` never (or late): the order is
/// confirmed and the client still gets the order confirmation, once.
async fn a_capture_reported_first_still_sends_the_confirmation(backend: Backend) {
    let (app, fake) = with_stripe(backend).await;
    let catalog = app.catalog().await;
    let (_, variant) = pick::in_stock_variant(&catalog, 2);
    let placed = order(&app, "stripe-order-key-first-01", &variant.sku).await;
    let order_id = placed["order"]["id"].as_str().unwrap_or_default().to_string();
    let succeeded = json!({
        "id": "pi_luxevault_first_capture", "object": "payment_intent", "status": "succeeded",
        "amount_received": 100, "metadata": {"order_id": order_id}
    });
    assert_eq!(fake.deliver("payment_intent.succeeded", succeeded).await, 200);
    assert_eq!(status_of(&app, &order_id).await, "confirmed");
    app.run_jobs().await;
    let number = placed["order"]["number"].as_str().unwrap_or_default().to_string();
    let texts = outbox_texts(&app);
    let confirmations = texts.iter().filter(|t| t.contains("Thank you for your order") && t.contains(&number)).count();
    assert_eq!(confirmations, 1, "one order confirmation");
    assert!(texts.iter().any(|t| t.contains("We have received your payment")), "and the payment notice");
    app.stop().await;
}
