//! The Stripe client against the fake Stripe, and the fake's webhooks against a tiny receiver that checks
//! signatures the way the shop will.
#![cfg(feature = "fake")]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use luxevault_core::Currency;
use luxevault_integrations::payments::stripe::fake::{FAKE_CUSTOMER_EMAIL, FAKE_CUSTOMER_NAME, FakeConfig, FakeStripe};
use luxevault_integrations::payments::stripe::webhook::{self, PaymentUpdate, StripeEvent};
use luxevault_integrations::payments::stripe::{STRIPE_API_VERSION, StripeClient};
use luxevault_integrations::payments::{CheckoutLine, CheckoutRequest, PaymentError, PaymentGateway};
use secrecy::SecretString;
use serde_json::json;
use uuid::Uuid;

const KEY: &str = "sk_test_fake_key_0001";
const WEBHOOK_SECRET: &str = "whsec_fake_secret";
/// The fake signs with this time; the receiver checks against it.
const NOW: i64 = 1_800_000_000;

#[derive(Default)]
struct Received {
    events: Vec<StripeEvent>,
    headers: Vec<String>,
    bodies: Vec<Vec<u8>>,
    fail_next: usize,
}

type Receiver = Arc<Mutex<Received>>;

fn lock(receiver: &Receiver) -> std::sync::MutexGuard<'_, Received> {
    receiver.lock().unwrap_or_else(|p| p.into_inner())
}

async fn webhook_handler(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let mut received = lock(&receiver);
    if received.fail_next > 0 {
        received.fail_next -= 1;
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    let signature = headers.get("Stripe-Signature").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    if webhook::verify(&body, &signature, WEBHOOK_SECRET, NOW, webhook::DEFAULT_TOLERANCE_SECS).is_err() {
        return StatusCode::BAD_REQUEST;
    }
    match webhook::parse_event(&body) {
        Ok(event) => {
            received.events.push(event);
            received.headers.push(signature);
            received.bodies.push(body.to_vec());
            StatusCode::OK
        }
        Err(_) => StatusCode::BAD_REQUEST,
    }
}

struct Harness {
    fake: FakeStripe,
    gateway: PaymentGateway,
    receiver: Receiver,
    _server: tokio::task::JoinHandle<()>,
}

async fn harness() -> Harness {
    let receiver: Receiver = Arc::default();
    let app = Router::new().route("/webhooks/stripe", post(webhook_handler)).with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("{e}"));
    let address = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let fake = FakeStripe::start(FakeConfig {
        secret_key: KEY.into(),
        webhook_secret: WEBHOOK_SECRET.into(),
        webhook_url: Some(format!("http://{address}/webhooks/stripe")),
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    fake.set_signing_time(Some(NOW));
    let client = StripeClient::new(SecretString::from(KEY), Some(&fake.base_url()))
        .unwrap_or_else(|e| panic!("{e}"))
        .with_retry_backoff(Duration::from_millis(5));
    Harness { fake, gateway: PaymentGateway::Stripe(client), receiver, _server: server }
}

fn order_id() -> Uuid {
    Uuid::parse_str("0190f6a4-7c1e-7d2a-9b3c-112233445566").unwrap_or_else(|e| panic!("{e}"))
}

fn request(key: &str) -> CheckoutRequest {
    CheckoutRequest {
        order_id: order_id(),
        order_number: "ME-2026-0042".into(),
        currency: Currency::from_code("EUR").unwrap_or_else(|e| panic!("{e}")),
        lines: vec![
            CheckoutLine { name: "Escarpin Alma".into(), unit_amount_minor: 89_000, quantity: 1 },
            CheckoutLine { name: "Foulard Iris".into(), unit_amount_minor: 25_000, quantity: 2 },
        ],
        success_url: "https://shop.test/checkout/done?session={CHECKOUT_SESSION_ID}".into(),
        cancel_url: "https://shop.test/cart".into(),
        idempotency_key: key.into(),
    }
}

const TOTAL: i64 = 89_000 + 2 * 25_000;

fn updates(receiver: &Receiver) -> Vec<PaymentUpdate> {
    lock(receiver).events.iter().map(|e| e.update.clone()).collect()
}

/// Opens a checkout and pays it; returns the PaymentIntent id.
async fn paid_checkout(h: &Harness, key: &str) -> String {
    let session = h.gateway.create_checkout(&request(key)).await.unwrap_or_else(|e| panic!("{e}"));
    h.fake.pay(&session.session_id).await.unwrap_or_else(|e| panic!("{e}"));
    h.fake.payment_intent_id_of(&session.session_id)
}

trait SessionIntent {
    fn payment_intent_id_of(&self, session_id: &str) -> String;
}

impl SessionIntent for FakeStripe {
    fn payment_intent_id_of(&self, session_id: &str) -> String {
        self.checkout_session(session_id)
            .and_then(|s| s["payment_intent"].as_str().map(str::to_string))
            .unwrap_or_else(|| panic!("session {session_id} has no payment intent"))
    }
}

#[tokio::test]
async fn checkout_pay_capture_refund_through_the_hosted_page() {
    let h = harness().await;
    let session = h.gateway.create_checkout(&request("order:1:checkout")).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(session.session_id.starts_with("cs_test_"), "{session:?}");
    assert_eq!(session.redirect_url, format!("{}/pay/{}", h.fake.base_url(), session.session_id));
    assert_eq!(session.payment_id, None, "Stripe creates the PaymentIntent when the customer pays");

    // The customer's browser: the page, then the form POST, which answers 303 to our success URL.
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let page = browser.get(&session.redirect_url).send().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap_or_default();
    assert!(html.contains(&format!(r#"action="/pay/{}""#, session.session_id)) && html.contains(">Pay<"), "{html}");
    let paid = browser.post(&session.redirect_url).send().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(paid.status(), 303);
    let location = paid.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert_eq!(location, format!("https://shop.test/checkout/done?session={}", session.session_id));

    let payment_id = h.fake.payment_intent_id_of(&session.session_id);
    assert!(payment_id.starts_with("pi_"));
    assert_eq!(
        updates(&h.receiver),
        vec![
            PaymentUpdate::CheckoutCompleted {
                session_id: session.session_id.clone(),
                payment_id: Some(payment_id.clone()),
                paid: true,
                order_id: Some(order_id()),
            },
            PaymentUpdate::Authorized {
                payment_id: payment_id.clone(),
                amount_capturable: TOTAL,
                order_id: Some(order_id())
            },
        ]
    );
    assert_eq!(h.fake.payment_intent(&payment_id).map(|pi| pi["status"].clone()), Some(json!("requires_capture")));

    h.gateway.capture(&payment_id, TOTAL, "order:1:capture").await.unwrap_or_else(|e| panic!("{e}"));
    h.fake.settle().await;
    let refund =
        h.gateway.refund(&payment_id, Some(25_000), "order:1:refund:1").await.unwrap_or_else(|e| panic!("{e}"));
    assert!(refund.starts_with("re_"));
    h.fake.settle().await;
    h.gateway.refund(&payment_id, None, "order:1:refund:2").await.unwrap_or_else(|e| panic!("{e}"));
    h.fake.settle().await;
    let later = updates(&h.receiver).split_off(2);
    assert_eq!(
        later,
        vec![
            PaymentUpdate::Captured {
                payment_id: payment_id.clone(),
                amount_received: TOTAL,
                order_id: Some(order_id())
            },
            PaymentUpdate::Refunded { payment_id: payment_id.clone(), amount_refunded: 25_000, fully: false },
            PaymentUpdate::Refunded { payment_id: payment_id.clone(), amount_refunded: TOTAL, fully: true },
        ]
    );
    assert!(h.fake.deliveries().iter().all(|(_, status)| *status == 200), "{:?}", h.fake.deliveries());
    // Nothing more to refund.
    assert!(matches!(
        h.gateway.refund(&payment_id, None, "order:1:refund:3").await,
        Err(PaymentError::InvalidRequest(_))
    ));

    // What we sent: pinned version and a key on every request, order ids but nothing about the customer.
    let requests = h.fake.requests();
    assert_eq!(requests.len(), 5);
    for r in &requests {
        assert_eq!(r.stripe_version.as_deref(), Some(STRIPE_API_VERSION));
        assert!(r.idempotency_key.is_some());
        for (name, value) in &r.params {
            for forbidden in ["customer", "email", "phone", "shipping", "address", "name]"] {
                assert!(!name.contains(forbidden) || name.ends_with("[product_data][name]"), "{name}");
            }
            assert!(!value.contains('@'), "{name}={value}");
        }
    }
    let checkout = &requests[0];
    assert_eq!(checkout.path, "/v1/checkout/sessions");
    let get = |k: &str| checkout.params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(get("metadata[order_id]"), Some(order_id().to_string()));
    assert_eq!(get("metadata[order_number]").as_deref(), Some("ME-2026-0042"));
    assert_eq!(get("payment_intent_data[metadata][order_id]"), Some(order_id().to_string()));
    assert_eq!(requests[1].params, vec![("amount_to_capture".to_string(), TOTAL.to_string())]);

    // Stripe echoed the customer's details; the parsed events kept none of them.
    let received = lock(&h.receiver);
    assert!(String::from_utf8_lossy(&received.bodies[0]).contains(FAKE_CUSTOMER_EMAIL));
    let kept = format!("{:?}", received.events);
    assert!(!kept.contains(FAKE_CUSTOMER_EMAIL) && !kept.contains(FAKE_CUSTOMER_NAME), "{kept}");
}

#[tokio::test]
async fn webhooks_are_signed_and_shaped_like_stripes() {
    let h = harness().await;
    paid_checkout(&h, "order:2:checkout").await;
    let received = lock(&h.receiver);
    let header = &received.headers[0];
    let (t, v1) = header.split_once(',').unwrap_or_default();
    assert_eq!(t, format!("t={NOW}"));
    assert!(v1.len() == 67 && v1.starts_with("v1=") && v1[3..].bytes().all(|b| b.is_ascii_hexdigit()), "{header}");
    let envelope: serde_json::Value = serde_json::from_slice(&received.bodies[0]).unwrap_or_default();
    assert!(envelope["id"].as_str().is_some_and(|id| id.starts_with("evt_")));
    assert_eq!(envelope["object"], "event");
    assert_eq!(envelope["api_version"], STRIPE_API_VERSION);
    assert_eq!(envelope["created"], NOW);
    assert_eq!(envelope["livemode"], false);
    assert_eq!(envelope["pending_webhooks"], 1);
    assert_eq!(envelope["type"], "checkout.session.completed");
    assert_eq!(envelope["data"]["object"]["object"], "checkout.session");
    assert_eq!(received.events[1].event_type, "payment_intent.amount_capturable_updated");
}

#[tokio::test]
async fn stripe_checks_what_we_send() {
    let h = harness().await;
    let wrong_key = StripeClient::new(SecretString::from("sk_test_wrong"), Some(&h.fake.base_url()))
        .map(PaymentGateway::Stripe)
        .unwrap_or_else(|e| panic!("{e}"));
    let err = wrong_key.create_checkout(&request("k-wrong")).await;
    assert!(matches!(&err, Err(PaymentError::Configuration(m)) if m.contains("Invalid API Key")), "{err:?}");

    let payment_id = paid_checkout(&h, "order:3:checkout").await;
    let err = h.gateway.capture(&payment_id, TOTAL + 1, "order:3:capture:too-much").await;
    assert!(matches!(&err, Err(PaymentError::InvalidRequest(m)) if m.contains("amount_too_large")), "{err:?}");
    let err = h.gateway.capture("pi_doesnotexist", 100, "order:3:capture:unknown").await;
    assert!(matches!(&err, Err(PaymentError::InvalidRequest(m)) if m.contains("resource_missing")), "{err:?}");
    let err = h.gateway.refund(&payment_id, None, "order:3:refund:early").await;
    assert!(matches!(&err, Err(PaymentError::InvalidRequest(m)) if m.contains("charge_not_captured")), "{err:?}");
    h.gateway.cancel(&payment_id, "order:3:cancel").await.unwrap_or_else(|e| panic!("{e}"));
    h.fake.settle().await;
    assert_eq!(
        updates(&h.receiver).last(),
        Some(&PaymentUpdate::Canceled { payment_id: payment_id.clone(), order_id: Some(order_id()) })
    );
    let err = h.gateway.capture(&payment_id, TOTAL, "order:3:capture:late").await;
    assert!(
        matches!(&err, Err(PaymentError::InvalidRequest(m)) if m.contains("payment_intent_unexpected_state")),
        "{err:?}"
    );

    // An id that could escape its path segment is refused before any request.
    let before = h.fake.requests().len();
    assert!(matches!(h.gateway.capture("pi_1/../../v1/refunds", 1, "k").await, Err(PaymentError::InvalidRequest(_))));
    assert_eq!(h.fake.requests().len(), before);

    // Raw requests that break the rules.
    let http = reqwest::Client::new();
    let url = format!("{}/v1/checkout/sessions", h.fake.base_url());
    let form = |currency: &str, amount: &str, extra: Option<(&str, &str)>| {
        let mut params = vec![
            ("mode".to_string(), "payment".to_string()),
            ("success_url".into(), "https://shop.test/ok".into()),
            ("cancel_url".into(), "https://shop.test/no".into()),
            ("line_items[0][price_data][currency]".into(), currency.to_string()),
            ("line_items[0][price_data][unit_amount]".into(), amount.to_string()),
            ("line_items[0][price_data][product_data][name]".into(), "Sac".into()),
            ("line_items[0][quantity]".into(), "1".into()),
        ];
        if let Some((k, v)) = extra {
            params.push((k.into(), v.into()));
        }
        params
    };
    let send = |auth: Option<&'static str>, version: bool, key: Option<&'static str>, params: Vec<(String, String)>| {
        let mut req = http.post(&url).form(&params);
        if let Some(auth) = auth {
            req = req.bearer_auth(auth);
        }
        if version {
            req = req.header("Stripe-Version", STRIPE_API_VERSION);
        }
        if let Some(key) = key {
            req = req.header("Idempotency-Key", key);
        }
        async move {
            let response = req.send().await.unwrap_or_else(|e| panic!("{e}"));
            let status = response.status().as_u16();
            (status, response.json::<serde_json::Value>().await.unwrap_or_default())
        }
    };
    assert_eq!(send(Some(KEY), true, Some("r1"), form("eur", "100", None)).await.0, 200);
    assert_eq!(send(None, true, Some("r2"), form("eur", "100", None)).await.0, 401);
    assert_eq!(send(Some("sk_test_other"), true, Some("r3"), form("eur", "100", None)).await.0, 401);
    assert_eq!(send(Some(KEY), false, Some("r4"), form("eur", "100", None)).await.0, 400);
    assert_eq!(send(Some(KEY), true, None, form("eur", "100", None)).await.0, 400);
    let (status, body) = send(Some(KEY), true, Some("r5"), form("EUR", "100", None)).await;
    assert_eq!((status, body["error"]["type"].as_str()), (400, Some("invalid_request_error")), "{body}");
    for amount in ["12.5", "-1", "abc", ""] {
        assert_eq!(send(Some(KEY), true, Some("r6"), form("eur", amount, None)).await.0, 400, "{amount}");
    }
    let (status, body) =
        send(Some(KEY), true, Some("r7"), form("eur", "100", Some(("customer_email", "x@y.test")))).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["param"], "customer_email");
}

#[tokio::test]
async fn idempotency_like_stripe() {
    let h = harness().await;
    let first = h.gateway.create_checkout(&request("order:4:checkout")).await.unwrap_or_else(|e| panic!("{e}"));
    let again = h.gateway.create_checkout(&request("order:4:checkout")).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(first, again, "same key and parameters: the saved answer");
    let mut changed = request("order:4:checkout");
    changed.lines[0].quantity = 2;
    let err = h.gateway.create_checkout(&changed).await;
    assert!(matches!(&err, Err(PaymentError::InvalidRequest(m)) if m.contains("same parameters")), "{err:?}");

    // A capture retried with its key does not capture twice, and errors are replayed too.
    let payment_id = paid_checkout(&h, "order:5:checkout").await;
    h.gateway.capture(&payment_id, 1_000, "order:5:capture").await.unwrap_or_else(|e| panic!("{e}"));
    h.gateway.capture(&payment_id, 1_000, "order:5:capture").await.unwrap_or_else(|e| panic!("{e}"));
    h.fake.settle().await;
    let captured = updates(&h.receiver).iter().filter(|u| matches!(u, PaymentUpdate::Captured { .. })).count();
    assert_eq!(captured, 1);
}

#[tokio::test]
async fn retries_unavailable_with_the_same_key_and_gives_up() {
    let h = harness().await;
    h.fake.fail_next(vec![503, 429]);
    let session = h.gateway.create_checkout(&request("order:6:checkout")).await;
    assert!(session.is_ok(), "{session:?}");
    let keys: Vec<_> = h.fake.requests().iter().map(|r| r.idempotency_key.clone()).collect();
    assert_eq!(keys, vec![Some("order:6:checkout".to_string()); 3]);

    h.fake.fail_next(vec![500, 502, 503]);
    let err = h.gateway.create_checkout(&request("order:7:checkout")).await;
    assert!(matches!(err, Err(PaymentError::Unavailable(_))), "{err:?}");
    assert_eq!(h.fake.requests().len(), 6, "one try and two retries");

    // A client error is not retried.
    let before = h.fake.requests().len();
    assert!(h.gateway.capture("pi_unknown", 1, "order:8:capture").await.is_err());
    assert_eq!(h.fake.requests().len(), before + 1);

    // Nothing answers: Unavailable.
    let down = StripeClient::new(SecretString::from(KEY), Some("http://127.0.0.1:9"))
        .map(|c| PaymentGateway::Stripe(c.with_retry_backoff(Duration::from_millis(1))))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(down.cancel("pi_1", "k").await, Err(PaymentError::Unavailable(_))));
}

#[tokio::test]
async fn out_of_order_duplicate_tampered_and_retried_deliveries() {
    let h = harness().await;
    h.fake.set_hold(true);
    let session = h.gateway.create_checkout(&request("order:9:checkout")).await.unwrap_or_else(|e| panic!("{e}"));
    h.fake.pay(&session.session_id).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(h.fake.held(), vec!["checkout.session.completed", "payment_intent.amount_capturable_updated"]);
    assert!(updates(&h.receiver).is_empty());
    assert_eq!(h.fake.flush_reversed().await, vec![200, 200]);
    let kinds: Vec<_> = lock(&h.receiver).events.iter().map(|e| e.event_type.clone()).collect();
    assert_eq!(kinds, vec!["payment_intent.amount_capturable_updated", "checkout.session.completed"]);

    // release_held picks an order and leaves the rest.
    let payment_id = h.fake.payment_intent_id_of(&session.session_id);
    h.gateway.capture(&payment_id, TOTAL, "order:9:capture").await.unwrap_or_else(|e| panic!("{e}"));
    h.fake.settle().await;
    h.gateway.refund(&payment_id, Some(1), "order:9:refund").await.unwrap_or_else(|e| panic!("{e}"));
    h.fake.settle().await;
    assert_eq!(h.fake.held(), vec!["payment_intent.succeeded", "charge.refunded"]);
    assert_eq!(h.fake.release_held(vec![1]).await, vec![200]);
    assert_eq!(h.fake.held(), vec!["payment_intent.succeeded"]);
    assert_eq!(h.fake.release_held(vec![0]).await, vec![200]);
    h.fake.set_hold(false);

    // A duplicate carries the same event id.
    assert_eq!(h.fake.redeliver_last().await, 200);
    let ids: Vec<_> = lock(&h.receiver).events.iter().map(|e| e.id.clone()).collect();
    assert_eq!(ids[ids.len() - 1], ids[ids.len() - 2]);

    // Tampered or badly signed bodies are refused by the receiver.
    let body = br#"{"id":"evt_x","object":"event","created":1800000000,"type":"payment_intent.succeeded","data":{"object":{"id":"pi_x","amount_received":1}}}"#.to_vec();
    let good = webhook::sign(WEBHOOK_SECRET, NOW, &body);
    let mut tampered = body.clone();
    tampered[40] = b'X';
    assert_eq!(h.fake.deliver_raw(tampered, good.clone()).await, 400);
    assert_eq!(h.fake.deliver_raw(body.clone(), webhook::sign("whsec_other", NOW, &body)).await, 400);
    assert_eq!(h.fake.deliver_raw(body.clone(), webhook::sign(WEBHOOK_SECRET, NOW - 3600, &body)).await, 400);
    assert_eq!(h.fake.deliver_raw(body, good).await, 200);

    // Free-form events, and retries after failures.
    let status =
        h.fake.deliver("payment_intent.payment_failed", json!({"id": "pi_f", "object": "payment_intent"})).await;
    assert_eq!(status, 200);
    assert_eq!(updates(&h.receiver).last(), Some(&PaymentUpdate::Failed { payment_id: "pi_f".into(), order_id: None }));
    h.fake.set_retry_failed(true);
    lock(&h.receiver).fail_next = 2;
    assert_eq!(h.fake.deliver("customer.created", json!({"id": "cus_1"})).await, 200);
    let tail: Vec<_> = h.fake.deliveries().split_off(h.fake.deliveries().len() - 3);
    let expected: Vec<(String, u16)> = [500, 500, 200].iter().map(|s| ("customer.created".to_string(), *s)).collect();
    assert_eq!(tail, expected);
    lock(&h.receiver).fail_next = 10;
    assert_eq!(h.fake.deliver("customer.created", json!({"id": "cus_2"})).await, 500);
    let failures = h.fake.deliveries().iter().rev().take_while(|(_, s)| *s == 500).count();
    assert_eq!(failures, 4, "one delivery and three retries");
}

#[tokio::test]
async fn expired_checkout_cannot_be_paid() {
    let h = harness().await;
    let session = h.gateway.create_checkout(&request("order:10:checkout")).await.unwrap_or_else(|e| panic!("{e}"));
    h.fake.expire(&session.session_id).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        updates(&h.receiver),
        vec![PaymentUpdate::CheckoutExpired { session_id: session.session_id.clone(), order_id: Some(order_id()) }]
    );
    assert!(h.fake.pay(&session.session_id).await.is_err(), "an expired session cannot be paid");
    let page = reqwest::get(format!("{}/pay/{}", h.fake.base_url(), "cs_test_nope")).await.map(|r| r.status().as_u16());
    assert_eq!(page.ok(), Some(404));
}
