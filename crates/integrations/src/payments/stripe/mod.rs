//! Stripe over its plain HTTP API: a few form-encoded POSTs, no SDK (research §1.13: the Rust SDK is a
//! release candidate with one maintainer; we need five endpoints).

#[cfg(feature = "fake")]
pub mod fake;
pub mod webhook;

use std::fmt;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::{CheckoutRequest, CheckoutSession, PaymentError, validate_checkout, validate_idempotency_key};

/// The API version every request and our webhook endpoints are pinned to; Stripe renders webhook payloads
/// in the endpoint's version, so the two must agree.
pub const STRIPE_API_VERSION: &str = "2026-09-30.endive";
pub const DEFAULT_API_BASE: &str = "https://api.stripe.com";

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// Retries after the first attempt, on `Unavailable` only, always with the same idempotency key.
const MAX_RETRIES: u32 = 2;

/// A Stripe API client bound to one secret key and base URL.
#[derive(Clone)]
pub struct StripeClient {
    http: reqwest::Client,
    base_url: String,
    secret_key: SecretString,
    retry_backoff: Duration,
}

impl fmt::Debug for StripeClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StripeClient")
            .field("base_url", &self.base_url)
            .field("test_mode", &self.is_test_mode())
            .finish()
    }
}

impl StripeClient {
    /// `base_url` defaults to Stripe's own API; tests point it at the local fake.
    pub fn new(secret_key: SecretString, base_url: Option<&str>) -> Result<Self, PaymentError> {
        let key = secret_key.expose_secret();
        let known_prefix = ["sk_test_", "sk_live_", "rk_test_", "rk_live_"].iter().any(|p| key.starts_with(p));
        if !known_prefix || key.bytes().any(|b| !b.is_ascii_graphic()) {
            return Err(PaymentError::Configuration(
                "the Stripe secret key must be a secret (sk_…) or restricted (rk_…) key".into(),
            ));
        }
        let base_url = base_url.unwrap_or(DEFAULT_API_BASE).trim_end_matches('/').to_string();
        let parsed = url::Url::parse(&base_url)
            .map_err(|_| PaymentError::Configuration("the Stripe API base is not a URL".into()))?;
        if !matches!(parsed.scheme(), "https" | "http") {
            return Err(PaymentError::Configuration("the Stripe API base must be an http(s) URL".into()));
        }
        crate::install_crypto_provider();
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("LuxeVault/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| PaymentError::Configuration(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self { http, base_url, secret_key, retry_backoff: Duration::from_millis(500) })
    }

    /// The first wait between retries (doubled each time); tests shorten it.
    pub fn with_retry_backoff(mut self, backoff: Duration) -> Self {
        self.retry_backoff = backoff;
        self
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn is_test_mode(&self) -> bool {
        let key = self.secret_key.expose_secret();
        key.starts_with("sk_test_") || key.starts_with("rk_test_")
    }

    pub async fn create_checkout(&self, req: &CheckoutRequest) -> Result<CheckoutSession, PaymentError> {
        validate_checkout(req)?;
        let session: SessionResponse =
            self.post("/v1/checkout/sessions", &checkout_params(req), &req.idempotency_key).await?;
        let redirect_url = session
            .url
            .ok_or_else(|| PaymentError::Unavailable("Stripe answered a checkout session without a URL".into()))?;
        Ok(CheckoutSession { session_id: session.id, payment_id: session.payment_intent, redirect_url })
    }

    pub async fn capture(
        &self,
        payment_id: &str,
        amount_minor: i64,
        idempotency_key: &str,
    ) -> Result<(), PaymentError> {
        check_id(payment_id)?;
        if amount_minor <= 0 {
            return Err(PaymentError::InvalidRequest("the amount to capture must be positive".into()));
        }
        let params = vec![("amount_to_capture".to_string(), amount_minor.to_string())];
        let _: IdOnly =
            self.post(&format!("/v1/payment_intents/{payment_id}/capture"), &params, idempotency_key).await?;
        Ok(())
    }

    pub async fn cancel(&self, payment_id: &str, idempotency_key: &str) -> Result<(), PaymentError> {
        check_id(payment_id)?;
        let _: IdOnly = self.post(&format!("/v1/payment_intents/{payment_id}/cancel"), &[], idempotency_key).await?;
        Ok(())
    }

    pub async fn refund(
        &self,
        payment_id: &str,
        amount_minor: Option<i64>,
        idempotency_key: &str,
    ) -> Result<String, PaymentError> {
        check_id(payment_id)?;
        let mut params = vec![("payment_intent".to_string(), payment_id.to_string())];
        if let Some(amount) = amount_minor {
            if amount <= 0 {
                return Err(PaymentError::InvalidRequest("the amount to refund must be positive".into()));
            }
            params.push(("amount".into(), amount.to_string()));
        }
        let refund: IdOnly = self.post("/v1/refunds", &params, idempotency_key).await?;
        Ok(refund.id)
    }

    /// One POST with bounded retries. Retries reuse the idempotency key, so Stripe answers a retry of a
    /// request it already executed with the saved response instead of executing it twice.
    async fn post<T: for<'de> Deserialize<'de>>(
        &self,
        path: &str,
        params: &[(String, String)],
        idempotency_key: &str,
    ) -> Result<T, PaymentError> {
        validate_idempotency_key(idempotency_key)?;
        let mut attempt = 0;
        loop {
            match self.post_once(path, params, idempotency_key).await {
                Err(Failure { error: PaymentError::Unavailable(message), may_retry: true })
                    if attempt < MAX_RETRIES =>
                {
                    attempt += 1;
                    tracing::warn!(path_kind = path_kind(path), attempt, "Stripe unavailable, retrying: {message}");
                    tokio::time::sleep(self.retry_backoff * 2u32.pow(attempt - 1)).await;
                }
                Err(failure) => return Err(failure.error),
                Ok(value) => return Ok(value),
            }
        }
    }

    async fn post_once<T: for<'de> Deserialize<'de>>(
        &self,
        path: &str,
        params: &[(String, String)],
        idempotency_key: &str,
    ) -> Result<T, Failure> {
        let response = self
            .http
            .post(format!("{}{path}", self.base_url))
            .bearer_auth(self.secret_key.expose_secret())
            .header("Stripe-Version", STRIPE_API_VERSION)
            .header("Idempotency-Key", idempotency_key)
            .form(params)
            .send()
            .await
            .map_err(|e| Failure::retryable(network_message(&e)))?;
        let status = response.status().as_u16();
        // Stripe says explicitly when a retry cannot help (or can), overriding the status-based guess.
        let should_retry = response
            .headers()
            .get("Stripe-Should-Retry")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.eq_ignore_ascii_case("true"));
        let body = response.bytes().await.map_err(|e| Failure::retryable(network_message(&e)))?;
        if (200..300).contains(&status) {
            return serde_json::from_slice(&body).map_err(|_| Failure {
                error: PaymentError::Unavailable(format!("Stripe answered {status} with an unreadable body")),
                may_retry: false,
            });
        }
        let error = map_error(status, &body);
        let may_retry = should_retry.unwrap_or(true) && error.is_retryable();
        Err(Failure { error, may_retry })
    }
}

struct Failure {
    error: PaymentError,
    may_retry: bool,
}

impl Failure {
    fn retryable(message: String) -> Self {
        Self { error: PaymentError::Unavailable(message), may_retry: true }
    }
}

/// The route without ids, for logs.
fn path_kind(path: &str) -> &'static str {
    if path.starts_with("/v1/checkout/sessions") {
        "checkout_session"
    } else if path.ends_with("/capture") {
        "capture"
    } else if path.ends_with("/cancel") {
        "cancel"
    } else if path.starts_with("/v1/refunds") {
        "refund"
    } else {
        "other"
    }
}

/// reqwest's error text includes the URL, which holds ids but nothing personal; we still say only the kind.
fn network_message(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection failed"
    } else if error.is_body() || error.is_decode() {
        "connection broken while reading the answer"
    } else {
        "request failed"
    };
    format!("Stripe {kind}")
}

#[derive(Deserialize)]
struct IdOnly {
    id: String,
}

#[derive(Deserialize)]
struct SessionResponse {
    id: String,
    url: Option<String>,
    payment_intent: Option<String>,
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    error: StripeErrorBody,
}

#[derive(Deserialize)]
struct StripeErrorBody {
    #[serde(rename = "type")]
    kind: Option<String>,
    code: Option<String>,
    message: Option<String>,
}

/// Stripe error JSON and status to what the caller should do. Stripe's messages describe our parameters
/// (we send no personal data), so they are kept for the staff.
fn map_error(status: u16, body: &[u8]) -> PaymentError {
    let parsed = serde_json::from_slice::<ErrorEnvelope>(body).ok().map(|e| e.error);
    let kind = parsed.as_ref().and_then(|e| e.kind.clone()).unwrap_or_default();
    let code = parsed.as_ref().and_then(|e| e.code.clone());
    let message = parsed.and_then(|e| e.message).unwrap_or_else(|| format!("Stripe answered HTTP {status}"));
    let detail = match code {
        Some(code) => format!("{message} ({code})"),
        None => message,
    };
    match status {
        _ if kind == "card_error" => PaymentError::Declined(detail),
        401 | 403 => PaymentError::Configuration(detail),
        409 | 429 => PaymentError::Unavailable(detail),
        400..=499 => PaymentError::InvalidRequest(detail),
        _ => PaymentError::Unavailable(detail),
    }
}

/// Ids go into URL paths, so they are restricted to Stripe's own alphabet: no `/`, `?`, `..` or `%`.
fn check_id(id: &str) -> Result<(), PaymentError> {
    if id.is_empty() || id.len() > 255 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(PaymentError::InvalidRequest("this is not a Stripe payment id".into()));
    }
    Ok(())
}

/// The Checkout Session form: order ids and line items only — no customer name, email, phone or address (M5);
/// Stripe's hosted page asks the customer for what the card network needs.
fn checkout_params(req: &CheckoutRequest) -> Vec<(String, String)> {
    let currency = req.currency.code().to_ascii_lowercase();
    let order_id = req.order_id.to_string();
    let mut params = vec![("mode".to_string(), "payment".to_string())];
    for (i, line) in req.lines.iter().enumerate() {
        let prefix = format!("line_items[{i}]");
        params.push((format!("{prefix}[price_data][currency]"), currency.clone()));
        params.push((format!("{prefix}[price_data][unit_amount]"), line.unit_amount_minor.to_string()));
        params.push((format!("{prefix}[price_data][product_data][name]"), line.name.clone()));
        params.push((format!("{prefix}[quantity]"), line.quantity.to_string()));
    }
    params.extend([
        ("success_url".to_string(), req.success_url.clone()),
        ("cancel_url".to_string(), req.cancel_url.clone()),
        ("client_reference_id".to_string(), order_id.clone()),
        ("metadata[order_id]".to_string(), order_id.clone()),
        ("metadata[order_number]".to_string(), req.order_number.clone()),
        ("payment_intent_data[capture_method]".to_string(), "manual".to_string()),
        ("payment_intent_data[metadata][order_id]".to_string(), order_id),
    ]);
    params
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payments::{CheckoutLine, PaymentGateway};
    use luxevault_core::Currency;
    use uuid::Uuid;

    fn key(k: &str) -> SecretString {
        SecretString::from(k.to_string())
    }

    #[test]
    fn keys_decide_test_mode_and_never_show_in_debug() {
        let test = StripeClient::new(key("sk_test_canary123"), None).unwrap_or_else(|e| panic!("{e}"));
        assert!(PaymentGateway::Stripe(test.clone()).is_test());
        assert_eq!(PaymentGateway::Stripe(test.clone()).name(), "stripe");
        assert!(!format!("{test:?}").contains("canary"));
        assert!(StripeClient::new(key("rk_test_x"), None).map(|c| c.is_test_mode()).unwrap_or(false));
        assert!(!StripeClient::new(key("sk_live_x"), None).map(|c| c.is_test_mode()).unwrap_or(true));
        assert!(matches!(StripeClient::new(key("pk_test_x"), None), Err(PaymentError::Configuration(_))));
        assert!(matches!(StripeClient::new(key("sk_test_x"), Some("ftp://x")), Err(PaymentError::Configuration(_))));
    }

    #[test]
    fn checkout_form_uses_bracket_notation_and_no_customer_data() {
        let req = CheckoutRequest {
            order_id: Uuid::nil(),
            order_number: "ME-1".into(),
            currency: Currency::from_code("EUR").unwrap_or_else(|e| panic!("{e}")),
            lines: vec![
                CheckoutLine { name: "Sac Iris".into(), unit_amount_minor: 250_000, quantity: 1 },
                CheckoutLine { name: "Foulard".into(), unit_amount_minor: 39_000, quantity: 2 },
            ],
            success_url: "https://s/ok?session={CHECKOUT_SESSION_ID}".into(),
            cancel_url: "https://s/no".into(),
            idempotency_key: "k".into(),
        };
        let params = checkout_params(&req);
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("line_items[1][price_data][currency]"), Some("eur"));
        assert_eq!(get("line_items[1][price_data][unit_amount]"), Some("39000"));
        assert_eq!(get("line_items[1][price_data][product_data][name]"), Some("Foulard"));
        assert_eq!(get("line_items[1][quantity]"), Some("2"));
        assert_eq!(get("payment_intent_data[capture_method]"), Some("manual"));
        assert_eq!(get("client_reference_id"), Some(Uuid::nil().to_string().as_str()));
        assert!(params.iter().all(|(n, _)| !n.contains("customer") && !n.contains("email") && !n.contains("shipping")));
    }

    #[test]
    fn errors_map_to_what_the_caller_should_do() {
        let card = br#"{"error":{"type":"card_error","code":"card_declined","message":"Your card was declined."}}"#;
        assert_eq!(map_error(402, card), PaymentError::Declined("Your card was declined. (card_declined)".into()));
        let invalid = br#"{"error":{"type":"invalid_request_error","message":"No such payment_intent"}}"#;
        assert!(matches!(map_error(404, invalid), PaymentError::InvalidRequest(_)));
        assert!(matches!(map_error(401, b"{}"), PaymentError::Configuration(_)));
        assert!(matches!(map_error(429, b"{}"), PaymentError::Unavailable(_)));
        assert!(matches!(map_error(503, b"<html>"), PaymentError::Unavailable(_)));
    }

    #[test]
    fn ids_in_paths_are_checked() {
        assert!(check_id("pi_3MtwBwLkdIwHu7ix28a3tqPa").is_ok());
        for bad in ["", "pi_1/../refunds", "pi_1?x=1", "pi 1", "pi_%2F", "pi_1#"] {
            assert!(check_id(bad).is_err(), "{bad}");
        }
    }
}
