//! The shop's order flow, independent of HTTP: placing an order (re-priced, stock reserved,
//! idempotent), opening the payment, applying what the payment provider reports, capturing at
//! the review hold point. Called by the API handlers, the webhook receiver and the job runner.

use hmac::{Hmac, KeyInit, Mac};
use luxevault_core::cart::{self, LineStatus, VariantOffer};
use luxevault_core::catalog::Availability;
use luxevault_core::checkout::OrderContact;
use luxevault_core::order::{Actor, OrderStatus, ReviewDecision, review_after_authorisation};
use luxevault_core::{Lang, Timestamp};
use luxevault_integrations::payments::{CheckoutLine, CheckoutRequest, PaymentError};
use luxevault_storage::{
    CreateOrder, DbError, Jobs, NewJob, NewOrder, NewOrderContact, NewOrderLine, OrderRow, Orders, Transition,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::outbox::{EmailJob, queue_email};
use crate::present::{price_in, product_name, variant_label};
use crate::state::AppState;

pub const CAPTURE_JOB: &str = "capture_payment";

#[derive(Debug)]
pub enum PlaceError {
    UnsupportedCurrency,
    EmptyCart,
    /// Lines whose price or stock changed since the cart was shown: re-quote.
    CartChanged(Vec<String>),
    OutOfStock(Vec<String>),
    KeyReused,
    PaymentUnavailable,
    Db(DbError),
}

impl From<DbError> for PlaceError {
    fn from(error: DbError) -> Self {
        Self::Db(error)
    }
}

pub struct PlaceOrder<'a> {
    pub lang: Lang,
    pub currency: &'a str,
    pub lines: Vec<(String, i64)>,
    pub contact: OrderContact,
    pub customer: Option<Uuid>,
    pub idempotency_key: &'a str,
}

pub struct Placed {
    pub order: OrderRow,
    pub redirect_url: String,
    /// A repeat of an earlier identical request.
    pub replayed: bool,
}

/// The secret in a guest's order link: an HMAC of the order id under the installation's key, so
/// nothing needs storing and the link cannot be guessed from the id.
pub fn order_link_token(state: &AppState, order: Uuid) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(state.order_link_key()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(b"order-link:");
    mac.update(order.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

pub fn order_link_valid(state: &AppState, order: Uuid, key: &str) -> bool {
    use subtle::ConstantTimeEq;
    let expected = order_link_token(state, order);
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(key.as_bytes()))
}

/// The customer-facing address of an order, with its secret.
pub fn order_url(state: &AppState, order: &OrderRow) -> String {
    let lang = Lang::parse(&order.lang).unwrap_or_else(|| state.settings().default_lang().clone());
    format!(
        "{}{}/orders/{}?key={}",
        state.commerce().public_base_url,
        state.settings().prefix(&lang),
        order.id,
        order_link_token(state, order.id)
    )
}

fn request_hash(place: &PlaceOrder<'_>) -> String {
    let c = &place.contact;
    let mut hasher = Sha256::new();
    for part in [
        place.currency,
        c.name.expose(),
        c.email.expose(),
        c.phone.expose(),
        c.address_line1.expose(),
        c.address_line2.expose(),
        c.city.expose(),
        c.postcode.expose(),
        &c.country,
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    for (sku, quantity) in &place.lines {
        hasher.update(sku.as_bytes());
        hasher.update(quantity.to_le_bytes());
    }
    hasher.update(place.customer.map(|c| c.to_string()).unwrap_or_default().as_bytes());
    hex::encode(hasher.finalize())
}

fn year_of(now: Timestamp) -> i32 {
    i32::try_from(now.civil().0).unwrap_or(i32::MAX)
}

/// Places an order: re-prices the cart against the catalog, reserves stock and records the order
/// under the idempotency key, then opens the payment. A repeat of the same request returns the
/// same order and payment page.
pub async fn place_order(state: &AppState, place: PlaceOrder<'_>) -> Result<Placed, PlaceError> {
    let now = state.clock().now();
    let catalog = state.catalog().await?;
    let currency = *catalog.currencies.find(place.currency).ok_or(PlaceError::UnsupportedCurrency)?;
    let merged = cart::merge_lines(place.lines.iter().cloned());
    if merged.is_empty() || merged.len() > cart::MAX_LINES {
        return Err(PlaceError::EmptyCart);
    }
    let settings = state.settings();
    let mut lines = Vec::with_capacity(merged.len());
    let mut changed = Vec::new();
    let mut subtotal = luxevault_core::Money::zero(currency.currency);
    for (sku, quantity) in &merged {
        let found = catalog.variant(sku);
        let offer = found.map(|(product, variant)| VariantOffer {
            on_sale: product.on_sale() && variant.availability == Availability::Active,
            stock: variant.stock,
            unit_price: price_in(&catalog, product, &currency),
        });
        let quoted =
            cart::quote_line(*quantity, offer.as_ref()).map_err(|_| PlaceError::CartChanged(vec![sku.clone()]))?;
        match (quoted.status, found, quoted.unit_price, quoted.line_total) {
            (LineStatus::Ok, Some((product, variant)), Some(unit), Some(total)) => {
                subtotal = subtotal.checked_add(total).map_err(|_| PlaceError::CartChanged(vec![sku.clone()]))?;
                lines.push(NewOrderLine {
                    sku: sku.clone(),
                    product_slug: product.slug.clone(),
                    name: product_name(product, &place.lang, settings).0,
                    variant_label: variant_label(&catalog, variant, &place.lang, settings),
                    quantity: i32::try_from(*quantity).unwrap_or(i32::MAX),
                    unit_minor: unit.minor(),
                    total_minor: total.minor(),
                });
            }
            _ => changed.push(sku.clone()),
        }
    }
    if !changed.is_empty() {
        return Err(PlaceError::CartChanged(changed));
    }
    let hash = request_hash(&place);
    let series = format!("{}-{}", state.commerce().order_prefix, year_of(now));
    let c = &place.contact;
    let new_order = NewOrder {
        customer_id: place.customer,
        series: &series,
        currency: currency.currency.code(),
        subtotal_minor: subtotal.minor(),
        // Delivery and duties are offered free by the house for now: total = subtotal.
        total_minor: subtotal.minor(),
        lang: place.lang.as_str(),
        contact: NewOrderContact {
            name: c.name.expose(),
            email: c.email.expose(),
            phone: c.phone.expose(),
            address_line1: c.address_line1.expose(),
            address_line2: c.address_line2.expose(),
            city: c.city.expose(),
            postcode: c.postcode.expose(),
            country: &c.country,
        },
        lines,
        payment_provider: state.payments().name(),
        idempotency_key: place.idempotency_key,
        request_hash: &hash,
        actor: Actor::Customer,
    };
    let (order, replayed) = match Orders::create(state.db(), &new_order, now).await? {
        CreateOrder::Created(order) => (*order, false),
        CreateOrder::Replayed(order) => (*order, true),
        CreateOrder::KeyReused => return Err(PlaceError::KeyReused),
        CreateOrder::OutOfStock(skus) => return Err(PlaceError::OutOfStock(skus)),
    };
    tracing::info!(order = %order.id, number = %order.number, replayed, "order placed");
    let redirect_url = open_payment(state, &order, &new_order.lines_for_payment(&order)).await?;
    Ok(Placed { order, redirect_url, replayed })
}

trait PaymentLines {
    fn lines_for_payment(&self, order: &OrderRow) -> Vec<CheckoutLine>;
}

impl PaymentLines for NewOrder<'_> {
    fn lines_for_payment(&self, _order: &OrderRow) -> Vec<CheckoutLine> {
        self.lines
            .iter()
            .map(|l| CheckoutLine {
                name: format!("{} — {}", l.name, l.variant_label),
                unit_amount_minor: l.unit_minor,
                quantity: u32::try_from(l.quantity).unwrap_or(1),
            })
            .collect()
    }
}

/// Opens (or, for a repeated request, re-opens: the provider replays its answer to the same
/// idempotency key) the payment page of an order.
async fn open_payment(state: &AppState, order: &OrderRow, lines: &[CheckoutLine]) -> Result<String, PlaceError> {
    let now = state.clock().now();
    let key = order_link_token(state, order.id);
    if state.payments().name() == "demo"
        && let Some(session) = &order.payment_session_id
    {
        return Ok(format!("/checkout/demo/{session}?key={key}"));
    }
    let lang = Lang::parse(&order.lang).unwrap_or_else(|| state.settings().default_lang().clone());
    let base = &state.commerce().public_base_url;
    let prefix = state.settings().prefix(&lang);
    let currency = luxevault_core::Currency::from_code(&order.currency).map_err(|_| PlaceError::PaymentUnavailable)?;
    let request = CheckoutRequest {
        order_id: order.id,
        order_number: order.number.clone(),
        currency,
        lines: lines.to_vec(),
        success_url: format!("{base}{prefix}/orders/{}?key={key}", order.id),
        cancel_url: format!("{base}{prefix}/cart"),
        idempotency_key: format!("order-{}-checkout", order.id),
    };
    match state.payments().create_checkout(&request).await {
        Ok(session) => {
            Orders::set_payment(state.db(), order.id, &session.session_id, session.payment_id.as_deref(), now).await?;
            if state.payments().name() == "demo" {
                Ok(format!("/checkout/demo/{}?key={key}", session.session_id))
            } else {
                Ok(session.redirect_url)
            }
        }
        Err(error) => {
            tracing::warn!(order = %order.id, error = %error, "could not open the payment");
            // Nothing was charged: give the stock back so the pieces are not held by a dead order.
            Orders::transition(
                state.db(),
                order.id,
                OrderStatus::Cancelled,
                &Actor::System,
                "payment page could not be opened",
                now,
            )
            .await?;
            Err(PlaceError::PaymentUnavailable)
        }
    }
}

#[derive(Serialize, Deserialize)]
struct CaptureJob {
    order_id: Uuid,
}

/// The payment of an order is authorised: record it, then pass the review hold point.
pub async fn payment_authorised(state: &AppState, order: &OrderRow, actor: Actor) -> Result<(), DbError> {
    let now = state.clock().now();
    if let Transition::Applied { .. } =
        Orders::transition(state.db(), order.id, OrderStatus::Authorised, &actor, "payment authorised", now).await?
    {
        queue_email(state.db(), &EmailJob::OrderConfirmation { order_id: order.id }, now).await?;
        match review_after_authorisation() {
            ReviewDecision::Release => {
                let job = NewJob {
                    kind: CAPTURE_JOB,
                    payload: serde_json::to_string(&CaptureJob { order_id: order.id }).unwrap_or_default(),
                    dedupe_key: Some(format!("capture:{}", order.id)),
                    run_at: now,
                    max_attempts: 10,
                };
                Jobs::enqueue(state.db(), &job, now).await?;
            }
            ReviewDecision::Hold => tracing::info!(order = %order.id, "order held for review"),
        }
    }
    Ok(())
}

/// Money taken: the order is confirmed.
pub async fn payment_captured(state: &AppState, order_id: Uuid, actor: Actor) -> Result<(), DbError> {
    let now = state.clock().now();
    if let Transition::Applied { .. } =
        Orders::transition(state.db(), order_id, OrderStatus::Confirmed, &actor, "payment captured", now).await?
    {
        queue_email(state.db(), &EmailJob::PaymentReceived { order_id }, now).await?;
    }
    Ok(())
}

pub async fn order_cancelled(state: &AppState, order_id: Uuid, actor: Actor, reason: &str) -> Result<(), DbError> {
    let now = state.clock().now();
    if let Transition::Applied { from } =
        Orders::transition(state.db(), order_id, OrderStatus::Cancelled, &actor, reason, now).await?
        && from != OrderStatus::AwaitingPayment
    {
        queue_email(state.db(), &EmailJob::OrderCancelled { order_id }, now).await?;
    }
    Ok(())
}

pub async fn order_refunded(state: &AppState, order_id: Uuid, actor: Actor) -> Result<(), DbError> {
    let now = state.clock().now();
    if let Transition::Applied { .. } =
        Orders::transition(state.db(), order_id, OrderStatus::Refunded, &actor, "payment refunded", now).await?
    {
        queue_email(state.db(), &EmailJob::OrderRefunded { order_id }, now).await?;
    }
    Ok(())
}

/// Runs a capture job: takes the authorised money. A provider outage is retried by the queue.
pub async fn run_capture(state: &AppState, payload: &str) -> Result<(), String> {
    let job: CaptureJob = serde_json::from_str(payload).map_err(|e| format!("bad capture job: {e}"))?;
    let order = Orders::by_id(state.db(), job.order_id).await.map_err(|e| e.to_string())?.ok_or("order gone")?;
    if order.status != OrderStatus::Authorised {
        return Ok(());
    }
    let payment_id = order.payment_id.clone().ok_or("the order has no payment id yet")?;
    let key = format!("order-{}-capture", order.id);
    match state.payments().capture(&payment_id, order.total_minor, &key).await {
        Ok(()) => payment_captured(state, order.id, Actor::System).await.map_err(|e| e.to_string()),
        Err(PaymentError::Unavailable(e)) => Err(format!("payment provider unavailable: {e}")),
        Err(error) => {
            tracing::warn!(order = %order.id, error = %error, "capture refused; the order stays authorised for staff");
            Ok(())
        }
    }
}

/// Cancels orders left unpaid past the limit, giving their stock back.
pub async fn cancel_unpaid(state: &AppState) -> Result<usize, DbError> {
    let now = state.clock().now();
    let cutoff =
        Timestamp(now.as_micros() - state.commerce().unpaid_order_hours * 3_600 * Timestamp::MICROS_PER_SECOND);
    let stale = Orders::stale_unpaid(state.db(), cutoff, 100).await?;
    for order in &stale {
        order_cancelled(state, order.id, Actor::System, "not paid in time").await?;
    }
    Ok(stale.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years() {
        assert_eq!(year_of(Timestamp(0)), 1970);
        assert_eq!(year_of(Timestamp(1_795_341_600 * Timestamp::MICROS_PER_SECOND)), 2026);
        assert_eq!(year_of(Timestamp(1_767_225_599 * Timestamp::MICROS_PER_SECOND)), 2025, "last second of 2025");
        assert_eq!(year_of(Timestamp(1_767_225_600 * Timestamp::MICROS_PER_SECOND)), 2026);
    }
}
