//! A fake Stripe for tests (feature `fake`): an axum server on 127.0.0.1 that speaks the wire format of the
//! endpoints we call, checks what we send the way Stripe would (keys, version, idempotency, amounts,
//! currencies, unknown parameters), emulates the hosted Checkout page, and delivers webhooks signed exactly
//! like Stripe — with controls for duplicates, out-of-order delivery and retries.
//!
//! Webhooks caused by API calls (capture, cancel, refund) are delivered in the background, as Stripe does;
//! [`FakeStripe::settle`] waits for them. Paying (the hosted page or [`FakeStripe::pay`]) delivers its
//! webhooks before answering, so a browser lands on the success page after the shop heard of the payment.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State as AxumState};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::STRIPE_API_VERSION;
use super::webhook::sign;

/// What the hosted page "collects" from the customer. Stripe echoes such details in events; tests check that
/// they never reach our logs, database or parsed events.
pub const FAKE_CUSTOMER_EMAIL: &str = "buyer-canary@example.test";
pub const FAKE_CUSTOMER_NAME: &str = "Camille Canary";

/// Delivery retries after a non-2xx answer, when enabled.
const DELIVERY_RETRIES: usize = 3;

#[derive(Debug, Clone)]
pub struct FakeConfig {
    pub secret_key: String,
    pub webhook_secret: String,
    /// Where events are POSTed; can be set later with [`FakeStripe::set_webhook_url`].
    pub webhook_url: Option<String>,
}

/// One API request as the fake received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub idempotency_key: Option<String>,
    pub stripe_version: Option<String>,
    /// Form (POST) or query (GET) parameters, in order, decoded.
    pub params: Vec<(String, String)>,
}

/// A running fake; clones share it, and the server stops when the last clone is dropped.
#[derive(Clone)]
pub struct FakeStripe {
    inner: Arc<Inner>,
    _server: Arc<ServerTask>,
}

struct ServerTask(tokio::task::JoinHandle<()>);

impl Drop for ServerTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

struct Inner {
    base_url: String,
    secret_key: String,
    webhook_secret: String,
    http: reqwest::Client,
    state: Mutex<State>,
    /// Deliveries running in the background.
    in_flight: tokio::sync::watch::Sender<usize>,
}

#[derive(Default)]
struct State {
    webhook_url: Option<String>,
    signing_time: Option<i64>,
    sessions: HashMap<String, Session>,
    intents: HashMap<String, Value>,
    /// Charges by PaymentIntent id.
    charges: HashMap<String, Value>,
    idempotency: HashMap<String, Saved>,
    requests: Vec<RecordedRequest>,
    deliveries: Vec<(String, u16)>,
    events: Vec<Value>,
    hold: bool,
    held: Vec<PendingEvent>,
    retry_failed: bool,
    last_delivered: Option<PendingEvent>,
    fail_next: Vec<u16>,
}

struct Session {
    object: Value,
    capture_method: String,
    intent_metadata: Map<String, Value>,
}

struct Saved {
    route: String,
    params: Vec<(String, String)>,
    status: u16,
    body: Value,
}

#[derive(Clone)]
struct PendingEvent {
    event_type: String,
    body: Vec<u8>,
}

/// What an API handler decided: the answer, whether Stripe would save it for the idempotency key, and the
/// events it causes.
struct Outcome {
    status: u16,
    body: Value,
    saved: bool,
    events: Vec<(&'static str, Value)>,
}

impl Outcome {
    fn ok(body: Value, events: Vec<(&'static str, Value)>) -> Self {
        Self { status: 200, body, saved: true, events }
    }

    /// Parameter validation failed: Stripe saves nothing, so the key can be reused once fixed.
    fn invalid(message: impl Into<String>, param: Option<&str>) -> Self {
        Self { saved: false, ..Self::error(400, "invalid_request_error", None, message, param) }
    }

    fn error(status: u16, kind: &str, code: Option<&str>, message: impl Into<String>, param: Option<&str>) -> Self {
        let mut error = json!({ "type": kind, "message": message.into() });
        if let Some(code) = code {
            error["code"] = json!(code);
            error["doc_url"] = json!(format!("https://stripe.com/docs/error-codes/{}", code.replace('_', "-")));
        }
        if let Some(param) = param {
            error["param"] = json!(param);
        }
        Self { status, body: json!({ "error": error }), saved: true, events: Vec::new() }
    }

    fn missing(kind: &str, id: &str) -> Self {
        Self::error(
            404,
            "invalid_request_error",
            Some("resource_missing"),
            format!("No such {kind}: '{id}'"),
            Some("id"),
        )
    }
}

impl FakeStripe {
    /// Binds 127.0.0.1 on a free port and serves until the last clone is dropped.
    pub async fn start(config: FakeConfig) -> std::io::Result<FakeStripe> {
        crate::install_crypto_provider();
        let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .user_agent("Stripe/1.0 (+https://stripe.com/docs/webhooks)")
            .build()
            .map_err(std::io::Error::other)?;
        let inner = Arc::new(Inner {
            base_url,
            secret_key: config.secret_key,
            webhook_secret: config.webhook_secret,
            http,
            state: Mutex::new(State { webhook_url: config.webhook_url, ..State::default() }),
            in_flight: tokio::sync::watch::channel(0).0,
        });
        let app = Router::new()
            .route("/pay/{session_id}", get(hosted_page).post(hosted_pay))
            .fallback(api)
            .with_state(inner.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(FakeStripe { inner, _server: Arc::new(ServerTask(server)) })
    }

    /// `http://127.0.0.1:<port>`, for `StripeClient::new(key, Some(base_url))`.
    pub fn base_url(&self) -> String {
        self.inner.base_url.clone()
    }

    pub fn set_webhook_url(&self, url: Option<String>) {
        self.inner.lock().webhook_url = url;
    }

    /// Fixes the time used for signatures and `created` fields (Unix seconds); `None` reads the system clock.
    pub fn set_signing_time(&self, unix: Option<i64>) {
        self.inner.lock().signing_time = unix;
    }

    /// Every API request received so far, including rejected ones.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.inner.lock().requests.clone()
    }

    /// Every delivery attempt so far: event type and the status our endpoint answered (0: no answer).
    pub fn deliveries(&self) -> Vec<(String, u16)> {
        self.inner.lock().deliveries.clone()
    }

    /// Every event the fake generated (delivered, held or not deliverable), as JSON envelopes.
    pub fn events(&self) -> Vec<Value> {
        self.inner.lock().events.clone()
    }

    pub fn payment_intent(&self, id: &str) -> Option<Value> {
        self.inner.lock().intents.get(id).cloned()
    }

    pub fn checkout_session(&self, id: &str) -> Option<Value> {
        self.inner.lock().sessions.get(id).map(|s| s.object.clone())
    }

    /// The next API requests answer these statuses (429 rate limit, 5xx api_error) before any checking,
    /// without saving anything for their idempotency keys — like a proxy or an outage in front of Stripe.
    pub fn fail_next(&self, statuses: Vec<u16>) {
        self.inner.lock().fail_next = statuses;
    }

    /// While on, new events are kept back instead of delivered; see [`Self::release_held`].
    pub fn set_hold(&self, hold: bool) {
        self.inner.lock().hold = hold;
    }

    /// Event types currently held, in the order they were generated.
    pub fn held(&self) -> Vec<String> {
        self.inner.lock().held.iter().map(|e| e.event_type.clone()).collect()
    }

    /// Delivers the held events at these positions, in this order; the others stay held.
    pub async fn release_held(&self, order: Vec<usize>) -> Vec<u16> {
        let picked: Vec<PendingEvent> = {
            let mut state = self.inner.lock();
            let picked = order.iter().filter_map(|&i| state.held.get(i).cloned()).collect();
            let mut index = 0;
            state.held.retain(|_| {
                let keep = !order.contains(&index);
                index += 1;
                keep
            });
            picked
        };
        let mut statuses = Vec::new();
        for event in picked {
            statuses.push(self.inner.deliver(event).await);
        }
        statuses
    }

    /// Delivers every held event, newest first.
    pub async fn flush_reversed(&self) -> Vec<u16> {
        let count = self.inner.lock().held.len();
        self.release_held((0..count).rev().collect()).await
    }

    /// When on, a delivery answered with a non-2xx status (or not answered) is retried up to 3 times.
    pub fn set_retry_failed(&self, retry: bool) {
        self.inner.lock().retry_failed = retry;
    }

    /// Builds, signs and delivers an event now (ignoring hold); returns our endpoint's status (0: no answer).
    pub async fn deliver(&self, event_type: &str, object: Value) -> u16 {
        let event = self.inner.new_event(event_type, object);
        self.inner.deliver(event).await
    }

    /// POSTs exactly this body and `Stripe-Signature` header, for tampering and replay tests.
    pub async fn deliver_raw(&self, body: Vec<u8>, signature_header: String) -> u16 {
        let event_type = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| v.get("type").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_else(|| "raw".into());
        let status = self.inner.post_event(&body, &signature_header).await;
        self.inner.lock().deliveries.push((event_type, status));
        status
    }

    /// Delivers the last delivered event again (same event id, fresh signature), as Stripe's duplicates are.
    pub async fn redeliver_last(&self) -> u16 {
        let last = self.inner.lock().last_delivered.clone();
        match last {
            Some(event) => self.inner.deliver(event).await,
            None => 0,
        }
    }

    /// Waits until the background deliveries are done.
    pub async fn settle(&self) {
        let mut rx = self.inner.in_flight.subscribe();
        let _ = rx.wait_for(|n| *n == 0).await;
    }

    /// What the customer's "Pay" click does: authorises (or, for automatic capture, captures) the payment,
    /// completes the session, delivers `checkout.session.completed` then
    /// `payment_intent.amount_capturable_updated` (or `payment_intent.succeeded`), and returns the success
    /// URL the customer is sent to.
    pub async fn pay(&self, session_id: &str) -> Result<String, String> {
        let (redirect, events) = self.inner.pay(session_id)?;
        for event in events {
            self.inner.emit(event).await;
        }
        Ok(redirect)
    }

    /// The customer never paid: the session expires and `checkout.session.expired` is delivered.
    pub async fn expire(&self, session_id: &str) -> Result<(), String> {
        let object = {
            let mut state = self.inner.lock();
            let session = state.sessions.get_mut(session_id).ok_or("no such checkout session")?;
            if session.object["status"] != "open" {
                return Err("the checkout session is not open".into());
            }
            session.object["status"] = json!("expired");
            session.object["url"] = Value::Null;
            session.object.clone()
        };
        let event = self.inner.new_event("checkout.session.expired", object);
        self.inner.emit(event).await;
        Ok(())
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn now(&self) -> i64 {
        self.lock().signing_time.unwrap_or_else(system_unix)
    }

    /// The event envelope Stripe POSTs, pretty-printed as Stripe's are (so a receiver that re-serialises
    /// the JSON before checking the signature fails, as it would in production).
    fn new_event(&self, event_type: &str, object: Value) -> PendingEvent {
        let envelope = json!({
            "id": format!("evt_{}", Uuid::new_v4().simple()),
            "object": "event",
            "api_version": STRIPE_API_VERSION,
            "created": self.now(),
            "data": { "object": object },
            "livemode": false,
            "pending_webhooks": 1,
            "request": { "id": Value::Null, "idempotency_key": Value::Null },
            "type": event_type,
        });
        let body = serde_json::to_vec_pretty(&envelope).unwrap_or_default();
        self.lock().events.push(envelope);
        PendingEvent { event_type: event_type.to_string(), body }
    }

    /// Holds the event or delivers it.
    async fn emit(&self, event: PendingEvent) {
        let hold = {
            let mut state = self.lock();
            if state.hold {
                state.held.push(event.clone());
            }
            state.hold
        };
        if !hold {
            self.deliver(event).await;
        }
    }

    async fn deliver(&self, event: PendingEvent) -> u16 {
        let (retry, secret) = {
            let mut state = self.lock();
            state.last_delivered = Some(event.clone());
            (state.retry_failed, self.webhook_secret.clone())
        };
        let attempts = if retry { 1 + DELIVERY_RETRIES } else { 1 };
        let mut status = 0;
        for attempt in 0..attempts {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            // Each attempt is signed afresh, as Stripe does.
            let header = sign(&secret, self.now(), &event.body);
            status = self.post_event(&event.body, &header).await;
            self.lock().deliveries.push((event.event_type.clone(), status));
            if (200..300).contains(&status) {
                break;
            }
        }
        status
    }

    async fn post_event(&self, body: &[u8], signature: &str) -> u16 {
        let Some(url) = self.lock().webhook_url.clone() else { return 0 };
        let sent = self
            .http
            .post(url)
            .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
            .header("Stripe-Signature", signature)
            .body(body.to_vec())
            .send()
            .await;
        sent.map(|r| r.status().as_u16()).unwrap_or(0)
    }

    fn pay(&self, session_id: &str) -> Result<(String, Vec<PendingEvent>), String> {
        let now = self.now();
        let (session_object, intent, success_url, manual) = {
            let mut state = self.lock();
            let session = state.sessions.get_mut(session_id).ok_or("no such checkout session")?;
            if session.object["status"] != "open" {
                return Err("this checkout session is no longer open".into());
            }
            let manual = session.capture_method == "manual";
            let amount = session.object["amount_total"].as_i64().unwrap_or(0);
            let currency = session.object["currency"].clone();
            let intent_id = format!("pi_{}", Uuid::new_v4().simple());
            let charge_id = format!("ch_{}", Uuid::new_v4().simple());
            let intent = json!({
                "id": intent_id,
                "object": "payment_intent",
                "amount": amount,
                "amount_capturable": if manual { amount } else { 0 },
                "amount_received": if manual { 0 } else { amount },
                "canceled_at": Value::Null,
                "cancellation_reason": Value::Null,
                "capture_method": session.capture_method,
                "created": now,
                "currency": currency,
                "latest_charge": charge_id,
                "livemode": false,
                "metadata": session.intent_metadata,
                "payment_method": format!("pm_{}", Uuid::new_v4().simple()),
                "status": if manual { "requires_capture" } else { "succeeded" },
            });
            let charge = json!({
                "id": charge_id,
                "object": "charge",
                "amount": amount,
                "amount_captured": if manual { 0 } else { amount },
                "amount_refunded": 0,
                "billing_details": { "email": FAKE_CUSTOMER_EMAIL, "name": FAKE_CUSTOMER_NAME },
                "captured": !manual,
                "created": now,
                "currency": currency,
                "livemode": false,
                "paid": true,
                "payment_intent": intent_id,
                "refunded": false,
                "status": "succeeded",
            });
            session.object["status"] = json!("complete");
            session.object["payment_status"] = json!("paid");
            session.object["payment_intent"] = json!(intent_id);
            session.object["customer_details"] = json!({
                "email": FAKE_CUSTOMER_EMAIL,
                "name": FAKE_CUSTOMER_NAME,
                "address": { "country": "FR", "postal_code": "75008" },
                "phone": Value::Null,
            });
            let session_object = session.object.clone();
            let success_url =
                session.object["success_url"].as_str().unwrap_or_default().replace("{CHECKOUT_SESSION_ID}", session_id);
            state.intents.insert(intent_id.clone(), intent.clone());
            state.charges.insert(intent_id, charge);
            (session_object, intent, success_url, manual)
        };
        let second = if manual { "payment_intent.amount_capturable_updated" } else { "payment_intent.succeeded" };
        let events = vec![self.new_event("checkout.session.completed", session_object), self.new_event(second, intent)];
        Ok((success_url, events))
    }

    fn check_headers(&self, method: &Method, headers: &HeaderMap) -> Option<Outcome> {
        let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        let Some(key) = auth.and_then(|a| a.strip_prefix("Bearer ")) else {
            return Some(Outcome::error(
                401,
                "invalid_request_error",
                None,
                "You did not provide an API key. You need to provide your API key in the Authorization header, \
                 using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
                None,
            ));
        };
        if key != self.secret_key {
            let tail: String = key.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
            return Some(Outcome::error(
                401,
                "invalid_request_error",
                None,
                format!("Invalid API Key provided: {}****{tail}", key.get(..8).unwrap_or("")),
                None,
            ));
        }
        match headers.get("Stripe-Version").and_then(|v| v.to_str().ok()) {
            None => {
                return Some(Outcome::invalid("This fake requires the Stripe-Version header on every request.", None));
            }
            Some(version) if version != STRIPE_API_VERSION => {
                return Some(Outcome::invalid(format!("Invalid Stripe API version: {version}"), None));
            }
            Some(_) => {}
        }
        if method == Method::POST {
            let key = headers.get("Idempotency-Key").and_then(|v| v.to_str().ok()).unwrap_or("");
            if key.is_empty() || key.len() > 255 {
                return Some(Outcome::invalid(
                    "This fake requires an Idempotency-Key header (1 to 255 characters) on every POST.",
                    None,
                ));
            }
            let form = headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
            if !form {
                return Some(Outcome::invalid("Request bodies must be application/x-www-form-urlencoded.", None));
            }
        }
        None
    }

    fn route(&self, method: &Method, path: &str, params: &[(String, String)]) -> Outcome {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let mut state = self.lock();
        match (method.as_str(), segments.as_slice()) {
            ("POST", ["v1", "checkout", "sessions"]) => self.create_session(&mut state, params),
            ("GET", ["v1", "checkout", "sessions", id]) => match state.sessions.get(*id) {
                Some(session) => Outcome::ok(session.object.clone(), Vec::new()),
                None => Outcome::missing("checkout.session", id),
            },
            ("GET", ["v1", "payment_intents", id]) => match state.intents.get(*id) {
                Some(intent) => Outcome::ok(intent.clone(), Vec::new()),
                None => Outcome::missing("payment_intent", id),
            },
            ("POST", ["v1", "payment_intents", id, "capture"]) => self.capture(&mut state, id, params),
            ("POST", ["v1", "payment_intents", id, "cancel"]) => self.cancel(&mut state, id, params),
            ("POST", ["v1", "refunds"]) => self.refund(&mut state, params),
            _ => Outcome::error(
                404,
                "invalid_request_error",
                None,
                format!("Unrecognized request URL ({} {path}).", method.as_str()),
                None,
            ),
        }
    }

    fn create_session(&self, state: &mut State, params: &[(String, String)]) -> Outcome {
        let mut lines: Vec<LineDraft> = Vec::new();
        let mut metadata = Map::new();
        let mut intent_metadata = Map::new();
        let mut capture_method = "automatic".to_string();
        for (name, value) in params {
            if let Some(rest) = name.strip_prefix("line_items[") {
                let Some((index, field)) = rest.split_once(']') else { return unknown(name) };
                let Ok(index) = index.parse::<usize>() else { return unknown(name) };
                if index > lines.len() {
                    return Outcome::invalid(format!("Invalid array: line_items[{index}] has gaps"), Some(name));
                }
                if index == lines.len() {
                    lines.push(LineDraft::default());
                }
                let line = &mut lines[index];
                match field {
                    "[price_data][currency]" => line.currency = Some(value.clone()),
                    "[price_data][unit_amount]" => line.unit_amount = Some(value.clone()),
                    "[price_data][product_data][name]" => line.name = Some(value.clone()),
                    "[quantity]" => line.quantity = Some(value.clone()),
                    _ => return unknown(name),
                }
            } else if let Some(key) = bracketed(name, "metadata") {
                if let Some(problem) = check_metadata(key, value, metadata.len()) {
                    return Outcome::invalid(problem, Some(name));
                }
                metadata.insert(key.to_string(), json!(value));
            } else if let Some(key) = bracketed(name, "payment_intent_data[metadata]") {
                if let Some(problem) = check_metadata(key, value, intent_metadata.len()) {
                    return Outcome::invalid(problem, Some(name));
                }
                intent_metadata.insert(key.to_string(), json!(value));
            } else if name == "payment_intent_data[capture_method]" {
                if !matches!(value.as_str(), "automatic" | "automatic_async" | "manual") {
                    return Outcome::invalid(format!("Invalid capture_method: {value}"), Some(name));
                }
                capture_method = value.clone();
            } else if !matches!(name.as_str(), "mode" | "success_url" | "cancel_url" | "client_reference_id") {
                return unknown(name);
            }
        }
        let get = |key: &str| params.iter().find(|(n, _)| n == key).map(|(_, v)| v.clone());
        match get("mode").as_deref() {
            Some("payment") => {}
            Some(other) => {
                return Outcome::invalid(format!("Invalid mode: {other} (this fake supports payment)"), Some("mode"));
            }
            None => return Outcome::invalid("Missing required param: mode.", Some("mode")),
        }
        for required in ["success_url", "cancel_url"] {
            match get(required) {
                Some(url) if url.starts_with("http://") || url.starts_with("https://") => {}
                Some(_) => return Outcome::invalid(format!("Not a valid URL: {required}"), Some(required)),
                None => return Outcome::invalid(format!("Missing required param: {required}."), Some(required)),
            }
        }
        if get("client_reference_id").is_some_and(|id| id.is_empty() || id.len() > 200) {
            return Outcome::invalid("client_reference_id must be 1 to 200 characters", Some("client_reference_id"));
        }
        if lines.is_empty() {
            return Outcome::invalid("Missing required param: line_items.", Some("line_items"));
        }
        let mut currency: Option<String> = None;
        let mut total: i64 = 0;
        for (i, line) in lines.iter().enumerate() {
            let param = |field: &str| format!("line_items[{i}][{field}]");
            let Some(line_currency) = &line.currency else {
                return Outcome::invalid(format!("Missing required param: {}.", param("price_data][currency")), None);
            };
            if line_currency.len() != 3 || !line_currency.bytes().all(|b| b.is_ascii_lowercase()) {
                return Outcome::invalid(
                    format!(
                        "Invalid currency: {line_currency}. Stripe currencies are three-letter ISO codes in lowercase."
                    ),
                    Some(&param("price_data][currency")),
                );
            }
            if currency.as_ref().is_some_and(|c| c != line_currency) {
                return Outcome::invalid(
                    "All line items must use the same currency.",
                    Some(&param("price_data][currency")),
                );
            }
            currency = Some(line_currency.clone());
            let Some(unit_amount) = line.unit_amount.as_deref().and_then(non_negative_integer) else {
                return Outcome::invalid(
                    "unit_amount must be a non-negative integer in the currency's minor unit",
                    Some(&param("price_data][unit_amount")),
                );
            };
            let Some(quantity) = line.quantity.as_deref().and_then(non_negative_integer).filter(|q| *q > 0) else {
                return Outcome::invalid("quantity must be a positive integer", Some(&param("quantity")));
            };
            if line.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
                return Outcome::invalid(
                    format!("Missing required param: {}.", param("price_data][product_data][name")),
                    None,
                );
            }
            total = total.saturating_add(unit_amount.saturating_mul(quantity));
        }
        let id = format!("cs_test_{}", Uuid::new_v4().simple());
        let created = state.signing_time.unwrap_or_else(system_unix);
        let object = json!({
            "id": id,
            "object": "checkout.session",
            "amount_subtotal": total,
            "amount_total": total,
            "cancel_url": get("cancel_url"),
            "client_reference_id": get("client_reference_id"),
            "created": created,
            "currency": currency,
            "customer": Value::Null,
            "customer_details": Value::Null,
            "expires_at": created + 86_400,
            "livemode": false,
            "metadata": metadata,
            "mode": "payment",
            "payment_intent": Value::Null,
            "payment_status": "unpaid",
            "status": "open",
            "success_url": get("success_url"),
            "ui_mode": "hosted_page",
            "url": format!("{}/pay/{id}", self.base_url),
        });
        state.sessions.insert(id, Session { object: object.clone(), capture_method, intent_metadata });
        Outcome::ok(object, Vec::new())
    }

    fn capture(&self, state: &mut State, id: &str, params: &[(String, String)]) -> Outcome {
        if let Some(name) = params.iter().map(|(n, _)| n).find(|n| *n != "amount_to_capture") {
            return unknown(name);
        }
        let Some(intent) = state.intents.get_mut(id) else { return Outcome::missing("payment_intent", id) };
        let capturable = intent["amount_capturable"].as_i64().unwrap_or(0);
        let amount = match params.first() {
            Some((_, value)) => match non_negative_integer(value).filter(|a| *a > 0) {
                Some(amount) => amount,
                None => {
                    return Outcome::invalid("amount_to_capture must be a positive integer", Some("amount_to_capture"));
                }
            },
            None => capturable,
        };
        if intent["status"] != "requires_capture" {
            let status = intent["status"].as_str().unwrap_or_default().to_string();
            return Outcome::error(
                400,
                "invalid_request_error",
                Some("payment_intent_unexpected_state"),
                format!(
                    "This PaymentIntent could not be captured because it has a status of {status}. Only a \
                     PaymentIntent with one of the following statuses may be captured: requires_capture."
                ),
                None,
            );
        }
        if amount > capturable {
            return Outcome::error(
                400,
                "invalid_request_error",
                Some("amount_too_large"),
                format!("The amount_to_capture ({amount}) is greater than the amount_capturable ({capturable})."),
                Some("amount_to_capture"),
            );
        }
        intent["status"] = json!("succeeded");
        intent["amount_received"] = json!(amount);
        intent["amount_capturable"] = json!(0);
        let intent = intent.clone();
        if let Some(charge) = state.charges.get_mut(id) {
            charge["amount_captured"] = json!(amount);
            charge["captured"] = json!(true);
        }
        Outcome::ok(intent.clone(), vec![("payment_intent.succeeded", intent)])
    }

    fn cancel(&self, state: &mut State, id: &str, params: &[(String, String)]) -> Outcome {
        for (name, value) in params {
            if name != "cancellation_reason" {
                return unknown(name);
            }
            if !matches!(value.as_str(), "duplicate" | "fraudulent" | "requested_by_customer" | "abandoned") {
                return Outcome::invalid(format!("Invalid cancellation_reason: {value}"), Some(name));
            }
        }
        let Some(intent) = state.intents.get_mut(id) else { return Outcome::missing("payment_intent", id) };
        let status = intent["status"].as_str().unwrap_or_default().to_string();
        let cancelable =
            ["requires_payment_method", "requires_capture", "requires_confirmation", "requires_action", "processing"];
        if !cancelable.contains(&status.as_str()) {
            return Outcome::error(
                400,
                "invalid_request_error",
                Some("payment_intent_unexpected_state"),
                format!(
                    "You cannot cancel this PaymentIntent because it has a status of {status}. Only a PaymentIntent \
                     with one of the following statuses may be canceled: {}.",
                    cancelable.join(", ")
                ),
                None,
            );
        }
        intent["status"] = json!("canceled");
        intent["amount_capturable"] = json!(0);
        intent["canceled_at"] = json!(state.signing_time.unwrap_or_else(system_unix));
        intent["cancellation_reason"] = params.first().map(|(_, v)| json!(v)).unwrap_or(Value::Null);
        let intent = intent.clone();
        Outcome::ok(intent.clone(), vec![("payment_intent.canceled", intent)])
    }

    fn refund(&self, state: &mut State, params: &[(String, String)]) -> Outcome {
        let mut intent_id = None;
        let mut amount = None;
        let mut metadata = Map::new();
        for (name, value) in params {
            match name.as_str() {
                "payment_intent" => intent_id = Some(value.clone()),
                "amount" => match non_negative_integer(value).filter(|a| *a > 0) {
                    Some(a) => amount = Some(a),
                    None => return Outcome::invalid("amount must be a positive integer", Some("amount")),
                },
                "reason" if matches!(value.as_str(), "duplicate" | "fraudulent" | "requested_by_customer") => {}
                _ => match bracketed(name, "metadata") {
                    Some(key) => {
                        metadata.insert(key.to_string(), json!(value));
                    }
                    None => return unknown(name),
                },
            }
        }
        let Some(intent_id) = intent_id else {
            return Outcome::invalid("Missing required param: payment_intent.", Some("payment_intent"));
        };
        let Some(intent) = state.intents.get(&intent_id) else { return Outcome::missing("payment_intent", &intent_id) };
        if intent["status"] != "succeeded" {
            return Outcome::error(
                400,
                "invalid_request_error",
                Some("charge_not_captured"),
                "This PaymentIntent has no captured charge to refund; cancel it to release the authorisation.",
                Some("payment_intent"),
            );
        }
        let currency = intent["currency"].clone();
        let Some(charge) = state.charges.get_mut(&intent_id) else { return Outcome::missing("charge", &intent_id) };
        let captured = charge["amount_captured"].as_i64().unwrap_or(0);
        let refunded = charge["amount_refunded"].as_i64().unwrap_or(0);
        let charge_id = charge["id"].as_str().unwrap_or_default().to_string();
        if refunded >= captured {
            return Outcome::error(
                400,
                "invalid_request_error",
                Some("charge_already_refunded"),
                format!("Charge {charge_id} has already been refunded."),
                None,
            );
        }
        let amount = amount.unwrap_or(captured - refunded);
        if amount > captured - refunded {
            return Outcome::error(
                400,
                "invalid_request_error",
                Some("amount_too_large"),
                format!(
                    "Refund amount ({amount}) is greater than unrefunded amount on charge ({}).",
                    captured - refunded
                ),
                Some("amount"),
            );
        }
        charge["amount_refunded"] = json!(refunded + amount);
        charge["refunded"] = json!(refunded + amount == captured);
        let charge = charge.clone();
        let refund = json!({
            "id": format!("re_{}", Uuid::new_v4().simple()),
            "object": "refund",
            "amount": amount,
            "charge": charge_id,
            "created": state.signing_time.unwrap_or_else(system_unix),
            "currency": currency,
            "metadata": metadata,
            "payment_intent": intent_id,
            "status": "succeeded",
        });
        Outcome::ok(refund, vec![("charge.refunded", charge)])
    }
}

#[derive(Default)]
struct LineDraft {
    currency: Option<String>,
    unit_amount: Option<String>,
    name: Option<String>,
    quantity: Option<String>,
}

fn unknown(name: &str) -> Outcome {
    Outcome::invalid(format!("Received unknown parameter: {name}"), Some(name))
}

/// `metadata[key]` → `key`.
fn bracketed<'a>(name: &'a str, prefix: &str) -> Option<&'a str> {
    name.strip_prefix(prefix)?.strip_prefix('[')?.strip_suffix(']').filter(|k| !k.contains('[') && !k.contains(']'))
}

/// Stripe's metadata limits.
fn check_metadata(key: &str, value: &str, count: usize) -> Option<String> {
    if key.is_empty() || key.chars().count() > 40 {
        Some("Metadata keys must be 1 to 40 characters.".into())
    } else if value.chars().count() > 500 {
        Some("Metadata values can have up to 500 characters.".into())
    } else if count >= 50 {
        Some("Metadata can have up to 50 keys.".into())
    } else {
        None
    }
}

fn non_negative_integer(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn system_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn json_response(status: u16, body: &Value, replayed: bool) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, axum::Json(body.clone())).into_response();
    response.headers_mut().insert("Request-Id", header_value(&format!("req_{}", Uuid::new_v4().simple())));
    if replayed {
        response.headers_mut().insert("Idempotent-Replayed", header_value("true"));
    }
    response
}

fn header_value(text: &str) -> header::HeaderValue {
    header::HeaderValue::from_str(text).unwrap_or_else(|_| header::HeaderValue::from_static(""))
}

/// Every `/v1/…` request: record, check, replay or execute, then emit the events in the background.
async fn api(
    AxumState(inner): AxumState<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let raw = if method == Method::GET { uri.query().unwrap_or("").as_bytes().to_vec() } else { body.to_vec() };
    let parsed = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&raw);
    let idempotency_key = headers.get("Idempotency-Key").and_then(|v| v.to_str().ok()).map(str::to_string);
    let stripe_version = headers.get("Stripe-Version").and_then(|v| v.to_str().ok()).map(str::to_string);
    let params = parsed.as_ref().cloned().unwrap_or_default();
    let injected = {
        let mut state = inner.lock();
        state.requests.push(RecordedRequest {
            method: method.to_string(),
            path: path.clone(),
            idempotency_key: idempotency_key.clone(),
            stripe_version,
            params: params.clone(),
        });
        (!state.fail_next.is_empty()).then(|| state.fail_next.remove(0))
    };
    if let Some(status) = injected {
        let kind = if status == 429 { "rate_limit_error" } else { "api_error" };
        let outcome = Outcome::error(status, kind, None, "Injected failure from the fake Stripe.", None);
        return json_response(outcome.status, &outcome.body, false);
    }
    if let Some(rejected) = inner.check_headers(&method, &headers) {
        return json_response(rejected.status, &rejected.body, false);
    }
    if parsed.is_err() {
        return json_response(400, &Outcome::invalid("The request body could not be decoded.", None).body, false);
    }
    let route = format!("{method} {path}");
    if let Some(key) = idempotency_key.as_ref().filter(|_| method == Method::POST) {
        let state = inner.lock();
        if let Some(saved) = state.idempotency.get(key) {
            if saved.route == route && saved.params == params {
                return json_response(saved.status, &saved.body, true);
            }
            let outcome = Outcome::error(
                400,
                "idempotency_error",
                None,
                format!(
                    "Keys for idempotent requests can only be used with the same parameters they were first used \
                     with. Try using a key other than '{key}' if you meant to execute a different request."
                ),
                None,
            );
            return json_response(outcome.status, &outcome.body, false);
        }
    }
    let outcome = inner.route(&method, &path, &params);
    if let (Some(key), true) = (idempotency_key, outcome.saved && method == Method::POST) {
        let saved = Saved { route, params, status: outcome.status, body: outcome.body.clone() };
        inner.lock().idempotency.insert(key, saved);
    }
    if !outcome.events.is_empty() {
        let events: Vec<PendingEvent> =
            outcome.events.into_iter().map(|(kind, object)| inner.new_event(kind, object)).collect();
        inner.in_flight.send_modify(|n| *n += 1);
        let background = inner.clone();
        tokio::spawn(async move {
            for event in events {
                background.emit(event).await;
            }
            background.in_flight.send_modify(|n| *n = n.saturating_sub(1));
        });
    }
    json_response(outcome.status, &outcome.body, false)
}

async fn hosted_page(AxumState(inner): AxumState<Arc<Inner>>, Path(session_id): Path<String>) -> Response {
    let state = inner.lock();
    let Some(session) = state.sessions.get(&session_id) else {
        return (
            StatusCode::NOT_FOUND,
            Html("<!doctype html><title>Not found</title><p>No such checkout session.</p>"),
        )
            .into_response();
    };
    let object = &session.object;
    let amount = object["amount_total"].as_i64().unwrap_or(0);
    let currency = object["currency"].as_str().unwrap_or_default().to_uppercase();
    let cancel = object["cancel_url"].as_str().unwrap_or_default();
    let open = object["status"] == "open";
    let form = if open {
        format!(
            r#"<form method="post" action="/pay/{}"><button type="submit">Pay</button></form>"#,
            escape(&session_id)
        )
    } else {
        "<p>This checkout session is no longer open.</p>".to_string()
    };
    Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Fake Stripe Checkout</title></head><body>\
         <h1>Fake Stripe Checkout</h1><p class=\"amount\">{amount} {currency} (minor units)</p>{form}\
         <p><a href=\"{}\">Back to the shop</a></p></body></html>",
        escape(cancel)
    ))
    .into_response()
}

async fn hosted_pay(AxumState(inner): AxumState<Arc<Inner>>, Path(session_id): Path<String>) -> Response {
    match inner.pay(&session_id) {
        Ok((redirect, events)) => {
            for event in events {
                inner.emit(event).await;
            }
            (StatusCode::SEE_OTHER, [(header::LOCATION, header_value(&redirect))]).into_response()
        }
        Err(message) => {
            (StatusCode::BAD_REQUEST, Html(format!("<!doctype html><p>{}</p>", escape(&message)))).into_response()
        }
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}
