//! Payment providers in the shop's words: open a hosted checkout for an order, then capture, cancel or
//! refund the authorised payment. Capture is always manual so that a person can hold an order for review
//! before any money moves (fraud prevention never declines by itself).

pub mod stripe;

use luxevault_core::Currency;
use uuid::Uuid;

pub use stripe::StripeClient;

/// One line of the order as the payment page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutLine {
    /// Product name as shown to the customer (catalog data, not personal data).
    pub name: String,
    pub unit_amount_minor: i64,
    pub quantity: u32,
}

/// What a provider needs to take payment for an order — and nothing about the customer (M5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutRequest {
    pub order_id: Uuid,
    pub order_number: String,
    pub currency: Currency,
    pub lines: Vec<CheckoutLine>,
    pub success_url: String,
    pub cancel_url: String,
    /// Derived by the caller from the order id, so a retried checkout never opens a second session.
    pub idempotency_key: String,
}

/// A checkout opened at the provider; the customer is sent to `redirect_url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutSession {
    pub session_id: String,
    /// Stripe creates the PaymentIntent only when the customer pays, so it is usually `None` here and
    /// arrives with the `checkout.session.completed` webhook.
    pub payment_id: Option<String>,
    pub redirect_url: String,
}

/// Why a payment operation failed, sorted by what the caller should do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    /// The provider said no; the message is safe to show to the customer or the staff.
    #[error("payment declined: {0}")]
    Declined(String),
    /// We sent something the provider rejects; retrying the same request will not help.
    #[error("payment request rejected: {0}")]
    InvalidRequest(String),
    /// Network trouble, rate limit or a provider outage: retry later with the same idempotency key.
    #[error("payment provider unavailable: {0}")]
    Unavailable(String),
    /// Our own set-up is wrong (bad key, bad base URL).
    #[error("payment provider misconfigured: {0}")]
    Configuration(String),
}

impl PaymentError {
    /// Whether the same request may succeed later.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

/// The configured payment provider. An enum rather than a trait object: there are two providers, and
/// async methods stay plain `async fn`.
#[derive(Debug, Clone)]
pub enum PaymentGateway {
    Demo(DemoGateway),
    Stripe(StripeClient),
}

impl PaymentGateway {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Demo(_) => "demo",
            Self::Stripe(_) => "stripe",
        }
    }

    /// Whether no real money can move: the demo provider always, Stripe with a test-mode key.
    pub fn is_test(&self) -> bool {
        match self {
            Self::Demo(_) => true,
            Self::Stripe(client) => client.is_test_mode(),
        }
    }

    pub async fn create_checkout(&self, req: &CheckoutRequest) -> Result<CheckoutSession, PaymentError> {
        match self {
            Self::Demo(demo) => demo.create_checkout(req),
            Self::Stripe(client) => client.create_checkout(req).await,
        }
    }

    /// Captures `amount_minor` of an authorised payment (at most what was authorised).
    pub async fn capture(
        &self,
        payment_id: &str,
        amount_minor: i64,
        idempotency_key: &str,
    ) -> Result<(), PaymentError> {
        match self {
            Self::Demo(demo) => demo.check_amount(amount_minor),
            Self::Stripe(client) => client.capture(payment_id, amount_minor, idempotency_key).await,
        }
    }

    /// Releases an authorisation without taking money.
    pub async fn cancel(&self, payment_id: &str, idempotency_key: &str) -> Result<(), PaymentError> {
        match self {
            Self::Demo(_) => Ok(()),
            Self::Stripe(client) => client.cancel(payment_id, idempotency_key).await,
        }
    }

    /// Refunds a captured payment, fully when `amount_minor` is `None`. Returns the provider's refund id.
    pub async fn refund(
        &self,
        payment_id: &str,
        amount_minor: Option<i64>,
        idempotency_key: &str,
    ) -> Result<String, PaymentError> {
        match self {
            Self::Demo(demo) => demo.refund(amount_minor),
            Self::Stripe(client) => client.refund(payment_id, amount_minor, idempotency_key).await,
        }
    }
}

/// A provider that takes no money and calls no one: the demo shop and local development. The "payment page"
/// is a page of our own shop, `/checkout/demo/{session_id}`.
#[derive(Debug, Clone, Default)]
pub struct DemoGateway;

impl DemoGateway {
    pub fn new() -> Self {
        Self
    }

    fn create_checkout(&self, req: &CheckoutRequest) -> Result<CheckoutSession, PaymentError> {
        validate_checkout(req)?;
        let session_id = format!("demo_cs_{}", Uuid::new_v4().simple());
        Ok(CheckoutSession {
            payment_id: Some(format!("demo_pi_{}", Uuid::new_v4().simple())),
            redirect_url: format!("/checkout/demo/{session_id}"),
            session_id,
        })
    }

    fn check_amount(&self, amount_minor: i64) -> Result<(), PaymentError> {
        if amount_minor > 0 { Ok(()) } else { Err(PaymentError::InvalidRequest("the amount must be positive".into())) }
    }

    fn refund(&self, amount_minor: Option<i64>) -> Result<String, PaymentError> {
        if let Some(amount) = amount_minor {
            self.check_amount(amount)?;
        }
        Ok(format!("demo_re_{}", Uuid::new_v4().simple()))
    }
}

/// Checks that hold for every provider, so the demo shop fails the way Stripe would.
pub(crate) fn validate_checkout(req: &CheckoutRequest) -> Result<(), PaymentError> {
    if req.lines.is_empty() {
        return Err(PaymentError::InvalidRequest("a checkout needs at least one line".into()));
    }
    for line in &req.lines {
        if line.unit_amount_minor < 0 {
            return Err(PaymentError::InvalidRequest("a line's unit amount cannot be negative".into()));
        }
        if line.quantity == 0 {
            return Err(PaymentError::InvalidRequest("a line's quantity must be at least 1".into()));
        }
        if line.name.trim().is_empty() {
            return Err(PaymentError::InvalidRequest("a line needs a name".into()));
        }
    }
    validate_idempotency_key(&req.idempotency_key)
}

/// Stripe accepts keys of 1 to 255 characters; we also keep them printable ASCII so they fit a header.
pub(crate) fn validate_idempotency_key(key: &str) -> Result<(), PaymentError> {
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(PaymentError::InvalidRequest(
            "the idempotency key must be 1 to 255 printable ASCII characters".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn request() -> CheckoutRequest {
        CheckoutRequest {
            order_id: Uuid::nil(),
            order_number: "ME-2026-0001".into(),
            currency: Currency::from_code("EUR").unwrap_or_else(|e| panic!("{e}")),
            lines: vec![CheckoutLine { name: "Escarpin Alma".into(), unit_amount_minor: 89_000, quantity: 1 }],
            success_url: "https://shop.test/ok".into(),
            cancel_url: "https://shop.test/cancel".into(),
            idempotency_key: "order:1:checkout".into(),
        }
    }

    #[tokio::test]
    async fn demo_gateway_takes_no_money_and_answers_with_our_own_page() {
        let gateway = PaymentGateway::Demo(DemoGateway::new());
        assert_eq!(gateway.name(), "demo");
        assert!(gateway.is_test());
        let session = gateway.create_checkout(&request()).await.unwrap_or_else(|e| panic!("{e}"));
        assert!(session.session_id.starts_with("demo_cs_"));
        assert_eq!(session.redirect_url, format!("/checkout/demo/{}", session.session_id));
        let payment_id = session.payment_id.unwrap_or_default();
        assert!(payment_id.starts_with("demo_pi_"));
        assert_eq!(gateway.capture(&payment_id, 89_000, "k1").await, Ok(()));
        assert_eq!(gateway.cancel(&payment_id, "k2").await, Ok(()));
        let refund = gateway.refund(&payment_id, None, "k3").await.unwrap_or_default();
        assert!(refund.starts_with("demo_re_"));
    }

    #[tokio::test]
    async fn demo_gateway_rejects_what_stripe_would_reject() {
        let gateway = PaymentGateway::Demo(DemoGateway::new());
        let mut empty = request();
        empty.lines.clear();
        assert!(matches!(gateway.create_checkout(&empty).await, Err(PaymentError::InvalidRequest(_))));
        let mut zero = request();
        zero.lines[0].quantity = 0;
        assert!(matches!(gateway.create_checkout(&zero).await, Err(PaymentError::InvalidRequest(_))));
        let mut no_key = request();
        no_key.idempotency_key.clear();
        assert!(matches!(gateway.create_checkout(&no_key).await, Err(PaymentError::InvalidRequest(_))));
        assert!(gateway.capture("demo_pi_x", 0, "k").await.is_err());
        assert!(gateway.refund("demo_pi_x", Some(-5), "k").await.is_err());
    }
}
