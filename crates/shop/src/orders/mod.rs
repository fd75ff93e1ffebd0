//! The shop's order flow, independent of HTTP: placing an order (re-priced, stock reserved,
//! idempotent), opening the payment, applying what the payment provider reports, capturing at
//! the review hold point. Called by the API handlers, the webhook receiver and the job runner.

pub mod contact;
pub mod link;
pub mod moves;
pub mod payment_events;
pub mod view;

use luxevault_core::cart::{self, LineStatus, VariantOffer};
use luxevault_core::catalog::Availability;
use luxevault_core::checkout::OrderContact;
use luxevault_core::order::{Actor, OrderStatus, ReviewDecision};
use luxevault_core::{Lang, Timestamp};
use luxevault_integrations::payments::{CheckoutLine, CheckoutRequest, PaymentError};
use luxevault_storage::{
    CreateOrder, DbError, NewJob, NewOrder, NewOrderContact, NewOrderLine, OrderDelivery, OrderRow, OrderTaxLineRow,
    Orders, Transition,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::Shop;
use crate::catalog::{price_in, product_name, variant_label};
use crate::outbox::EmailJob;

pub const CAPTURE_JOB: &str = "capture_payment";
/// Releases the money authorised for an order that was cancelled before it was captured.
pub const VOID_JOB: &str = "void_payment";

#[derive(Debug)]
pub enum PlaceError {
    UnsupportedCurrency,
    EmptyCart,
    /// Lines whose price or stock changed since the cart was shown: re-quote.
    CartChanged(Vec<String>),
    OutOfStock(Vec<String>),
    /// Delivery to the order's country cannot be priced as asked (not delivered there, an
    /// unknown choice, a missing tax rate).
    Delivery(crate::delivery::DeliveryError),
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
    /// The delivery the client chose (a rate code); the first offered when `None`.
    pub delivery: Option<&'a str>,
}

pub struct Placed {
    pub order: OrderRow,
    pub redirect_url: String,
    /// A repeat of an earlier identical request.
    pub replayed: bool,
}

/// The emailed link of an order (see [`link`]: a 30-day key in the URL's fragment).
pub use link::order_url;

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
        place.delivery.unwrap_or(""),
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
/// same order and payment page, whatever happened to prices and stock since.
pub async fn place_order(shop: &Shop, place: PlaceOrder<'_>) -> Result<Placed, PlaceError> {
    let now = shop.clock().now();
    let hash = request_hash(&place);
    // A retry first: it must find its order even when its own reservation took the last piece.
    if let Some((order, stored)) = Orders::by_idempotency_key(shop.db(), place.idempotency_key).await? {
        if stored != hash {
            return Err(PlaceError::KeyReused);
        }
        let redirect_url = resume(shop, &order).await?;
        return Ok(Placed { order, redirect_url, replayed: true });
    }
    let catalog = shop.catalog().await?;
    let currency = *catalog.currencies.find(place.currency).ok_or(PlaceError::UnsupportedCurrency)?;
    let merged = cart::merge_lines(place.lines.iter().cloned());
    if merged.is_empty() || merged.len() > cart::MAX_LINES {
        return Err(PlaceError::EmptyCart);
    }
    let settings = shop.settings();
    let mut lines = Vec::with_capacity(merged.len());
    let mut changed = Vec::new();
    let mut subtotal = luxevault_core::Money::zero(currency.currency);
    let mut goods = Vec::with_capacity(merged.len());
    for (sku, quantity) in &merged {
        let found = catalog.variant(sku);
        let offer = found.map(|(product, variant)| VariantOffer {
            on_sale: product.on_sale(now) && variant.availability == Availability::Active,
            stock: variant.stock,
            unit_price: price_in(&catalog, product, &currency),
        });
        let quoted =
            cart::quote_line(*quantity, offer.as_ref()).map_err(|_| PlaceError::CartChanged(vec![sku.clone()]))?;
        match (quoted.status, found, quoted.unit_price, quoted.line_total) {
            (LineStatus::Ok, Some((product, variant)), Some(unit), Some(total)) => {
                subtotal = subtotal.checked_add(total).map_err(|_| PlaceError::CartChanged(vec![sku.clone()]))?;
                goods.push(crate::delivery::Goods {
                    total,
                    tax_class: &product.tax_class,
                    weight_grams: variant.weight_grams.saturating_mul(*quantity),
                });
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
    let tables = shop.delivery_tables(&catalog).await?;
    let priced =
        crate::delivery::quote(&tables, &catalog.currencies, &place.contact.country, place.delivery, subtotal, &goods)
            .map_err(PlaceError::Delivery)?;
    let series = format!("{}-{}", shop.commerce().order_prefix, year_of(now));
    let c = &place.contact;
    let new_order = NewOrder {
        customer_id: place.customer,
        series: &series,
        currency: currency.currency.code(),
        subtotal_minor: subtotal.minor(),
        total_minor: priced.total.minor(),
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
        payment_provider: shop.payments().name(),
        idempotency_key: place.idempotency_key,
        request_hash: &hash,
        actor: Actor::Customer,
        delivery: OrderDelivery {
            shipping_code: priced.chosen.as_ref().map(|c| c.code.clone()).unwrap_or_default(),
            shipping_name: priced.chosen.as_ref().map(|c| c.name.clone()).unwrap_or_default(),
            shipping_minor: priced.shipping.minor(),
            tax_minor: priced.tax.minor(),
            tax_included: priced.tax_mode != luxevault_core::tax::TaxMode::Excluded,
            duties_paid: priced.duties_paid,
        },
        tax_lines: priced
            .tax_lines
            .iter()
            .map(|l| OrderTaxLineRow {
                name: l.name.clone(),
                rate_bp: i32::try_from(l.rate_bp).unwrap_or(0),
                base_minor: l.base.minor(),
                amount_minor: l.amount.minor(),
            })
            .collect(),
    };
    let (order, replayed) = match Orders::create(shop.db(), &new_order, now).await? {
        CreateOrder::Created(order) => (*order, false),
        CreateOrder::Replayed(order) => (*order, true),
        CreateOrder::KeyReused => return Err(PlaceError::KeyReused),
        CreateOrder::OutOfStock(skus) => return Err(PlaceError::OutOfStock(skus)),
    };
    tracing::info!(order = %order.id, number = %order.number, replayed, "order placed");
    let redirect_url = resume(shop, &order).await?;
    Ok(Placed { order, redirect_url, replayed })
}

/// Where to send the customer for an order: its payment page while it awaits payment (opened
/// once, then the same page again), otherwise the order's own page.
async fn resume(shop: &Shop, order: &OrderRow) -> Result<String, PlaceError> {
    if order.status != OrderStatus::AwaitingPayment {
        // The customer's own browser placed it: the key rides in the fragment, never sent on.
        return Ok(format!("{}#key={}", link::order_path(shop, order), link::fresh_key(shop, order.id)));
    }
    if let Some(url) = Orders::payment_url(shop.db(), order.id).await? {
        return Ok(payment_page(shop, order, url));
    }
    open_payment(shop, order).await
}

/// The payment page as the customer's browser gets it: the demo page, which stands in for the
/// provider's, also gets the order's key in the fragment (its form posts it back with the
/// payment). Nothing secret is stored with the order.
fn payment_page(shop: &Shop, order: &OrderRow, url: String) -> String {
    if shop.payments().name() != "demo" {
        return url;
    }
    let page = url.split(['?', '#']).next().unwrap_or_default();
    format!("{page}#key={}", link::fresh_key(shop, order.id))
}

/// Opens the payment page of an order, from the order as stored. A failure leaves the order
/// awaiting payment: the customer's retry opens it again, and the sweep cancels it if never paid.
async fn open_payment(shop: &Shop, order: &OrderRow) -> Result<String, PlaceError> {
    let now = shop.clock().now();
    let lang = Lang::parse(&order.lang).unwrap_or_else(|| shop.settings().default_lang().clone());
    let base = &shop.commerce().public_base_url;
    let prefix = shop.settings().prefix(&lang);
    let currency = luxevault_core::Currency::from_code(&order.currency).map_err(|_| PlaceError::PaymentUnavailable)?;
    let mut lines: Vec<CheckoutLine> = Orders::lines(shop.db(), order.id)
        .await?
        .into_iter()
        .map(|l| CheckoutLine {
            name: format!("{} — {}", l.name, l.variant_label),
            unit_amount_minor: l.unit_minor,
            quantity: u32::try_from(l.quantity).unwrap_or(1),
        })
        .collect();
    // The provider charges the sum of the lines: delivery and a tax added on top are lines too,
    // so the page shows and charges the order's total.
    let t = shop.translations();
    let delivery = &order.delivery;
    if delivery.shipping_minor > 0 {
        let name = t.text(&lang, "delivery.line", &[("name", &delivery.shipping_name)]);
        lines.push(CheckoutLine { name, unit_amount_minor: delivery.shipping_minor, quantity: 1 });
    }
    if !delivery.tax_included && delivery.tax_minor > 0 {
        let name = t.text(&lang, "tax.added_line", &[]);
        lines.push(CheckoutLine { name, unit_amount_minor: delivery.tax_minor, quantity: 1 });
    }
    let request = CheckoutRequest {
        order_id: order.id,
        order_number: order.number.clone(),
        currency,
        lines,
        // No key: the provider sends the customer back to the neutral "thank you" page.
        success_url: format!("{base}{}", link::order_path(shop, order)),
        cancel_url: format!("{base}{prefix}/cart"),
        idempotency_key: format!("order-{}-checkout", order.id),
    };
    match shop.payments().create_checkout(&request).await {
        Ok(session) => {
            let url = session.redirect_url;
            Orders::set_payment(shop.db(), order.id, &session.session_id, session.payment_id.as_deref(), &url, now)
                .await?;
            Ok(payment_page(shop, order, url))
        }
        Err(error) => {
            tracing::warn!(order = %order.id, error = %error, "could not open the payment; the order waits for a retry");
            Err(PlaceError::PaymentUnavailable)
        }
    }
}

#[derive(Serialize, Deserialize)]
struct CaptureJob {
    order_id: Uuid,
}

pub(crate) fn email_job(email: &EmailJob, now: Timestamp) -> NewJob<'static> {
    let (kind, payload, dedupe_key, max_attempts) = crate::outbox::job_parts(email);
    NewJob { kind, payload, dedupe_key, run_at: now, max_attempts }
}

/// The payment of an order is authorised: record it, queue the confirmation and, past the
/// review hold point, the capture — all in one transaction. Money authorised for an order that
/// was cancelled meanwhile (a late payment) is released at once.
pub async fn payment_authorised(
    shop: &Shop,
    order: &OrderRow,
    payment_id: Option<&str>,
    actor: Actor,
) -> Result<(), DbError> {
    let now = shop.clock().now();
    let mut jobs = vec![email_job(&EmailJob::OrderConfirmation { order_id: order.id }, now)];
    match crate::fraud::screen(order) {
        ReviewDecision::Release => jobs.push(NewJob {
            kind: CAPTURE_JOB,
            payload: serde_json::to_string(&CaptureJob { order_id: order.id }).unwrap_or_default(),
            dedupe_key: Some(format!("capture:{}", order.id)),
            run_at: now,
            max_attempts: 10,
        }),
        ReviewDecision::Hold => tracing::info!(order = %order.id, "order held for review"),
    }
    let moved =
        Orders::transition_with(shop.db(), order.id, OrderStatus::Authorised, &actor, "payment authorised", &jobs, now)
            .await?;
    if moved == Transition::Ignored && current_status(shop, order.id).await? == Some(OrderStatus::Cancelled) {
        let payment = payment_id.map(str::to_string).or_else(|| order.payment_id.clone());
        if let Some(payment) = payment {
            tracing::warn!(order = %order.id, "payment authorised for a cancelled order: releasing it");
            if let Err(error) = shop.payments().cancel(&payment, &format!("order-{}-void", order.id)).await {
                tracing::error!(order = %order.id, error = %error, "could not release a late authorisation; staff must void it");
            }
        }
    }
    Ok(())
}

async fn current_status(shop: &Shop, order_id: Uuid) -> Result<Option<OrderStatus>, DbError> {
    Ok(Orders::by_id(shop.db(), order_id).await?.map(|o| o.status))
}

/// Money taken: the order is confirmed. Money taken for an order cancelled meanwhile is
/// refunded at once.
pub async fn payment_captured(shop: &Shop, order_id: Uuid, actor: Actor) -> Result<(), DbError> {
    let now = shop.clock().now();
    let mut jobs = vec![email_job(&EmailJob::PaymentReceived { order_id }, now)];
    // Events arrive in any order: when the capture is the first word of the payment (Stripe's
    // `payment_intent.succeeded` before `amount_capturable_updated`), the order skips
    // `authorised`, and its confirmation would never be queued — queue it here, first.
    if current_status(shop, order_id).await? == Some(OrderStatus::AwaitingPayment) {
        jobs.insert(0, email_job(&EmailJob::OrderConfirmation { order_id }, now));
    }
    let moved =
        Orders::transition_with(shop.db(), order_id, OrderStatus::Confirmed, &actor, "payment captured", &jobs, now)
            .await?;
    if moved == Transition::Ignored
        && let Some(order) = Orders::by_id(shop.db(), order_id).await?
        && order.status == OrderStatus::Cancelled
        && let Some(payment) = order.payment_id
    {
        tracing::error!(order = %order_id, "payment captured for a cancelled order: refunding it");
        if let Err(error) = shop.payments().refund(&payment, None, &format!("order-{order_id}-refund-late")).await {
            tracing::error!(order = %order_id, error = %error, "could not refund a late capture; staff must refund it");
        }
    }
    Ok(())
}

/// Whether the money an authorised order holds was already released by whoever cancelled it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeldMoney {
    /// Staff's cancel released it at the provider first, or the provider itself cancelled it.
    AlreadyReleased,
    /// Release it (a void job): an expired payment page, the unpaid-order sweep, an erasure.
    Release,
}

pub async fn order_cancelled(
    shop: &Shop,
    order_id: Uuid,
    actor: Actor,
    reason: &str,
    money: HeldMoney,
) -> Result<(), DbError> {
    let now = shop.clock().now();
    let before = current_status(shop, order_id).await?;
    // Nobody is told of an abandoned checkout; a cancelled paid-for order is explained, and the
    // money held on the client's card is released at the provider (in the same transaction as
    // the move, so a crash cannot leave it held) — unless it was released already.
    let jobs: Vec<NewJob<'_>> = match before {
        Some(OrderStatus::Authorised) => {
            let mut jobs = vec![email_job(&EmailJob::OrderCancelled { order_id }, now)];
            if money == HeldMoney::Release {
                jobs.push(NewJob {
                    kind: VOID_JOB,
                    payload: serde_json::to_string(&CaptureJob { order_id }).unwrap_or_default(),
                    dedupe_key: Some(format!("void:{order_id}")),
                    run_at: now,
                    max_attempts: 10,
                });
            }
            jobs
        }
        _ => vec![],
    };
    Orders::transition_with(shop.db(), order_id, OrderStatus::Cancelled, &actor, reason, &jobs, now).await?;
    Ok(())
}

pub async fn order_refunded(shop: &Shop, order_id: Uuid, actor: Actor) -> Result<(), DbError> {
    order_refunded_because(shop, order_id, actor, "payment refunded").await
}

/// A refund decided by staff: their reason goes to the order's history.
pub async fn order_refunded_because(shop: &Shop, order_id: Uuid, actor: Actor, reason: &str) -> Result<(), DbError> {
    let now = shop.clock().now();
    let jobs = [email_job(&EmailJob::OrderRefunded { order_id, refund_id: None }, now)];
    Orders::transition_with(shop.db(), order_id, OrderStatus::Refunded, &actor, reason, &jobs, now).await?;
    Ok(())
}

/// Runs a void job: releases the authorisation of a cancelled order (idempotent at the
/// provider by its key). An outage is retried by the queue; a provider that says the payment is
/// already released or captured ends the job (staff see the order's history).
pub async fn run_void(shop: &Shop, payload: &str) -> Result<(), String> {
    let job: CaptureJob = serde_json::from_str(payload).map_err(|e| format!("bad void job: {e}"))?;
    let order = Orders::by_id(shop.db(), job.order_id).await.map_err(|e| e.to_string())?.ok_or("order gone")?;
    if order.status != OrderStatus::Cancelled {
        return Ok(());
    }
    let Some(payment_id) = order.payment_id.clone() else { return Ok(()) };
    match shop.payments().cancel(&payment_id, &format!("order-{}-void", order.id)).await {
        Ok(()) => {
            tracing::info!(order = %order.id, "authorisation released for a cancelled order");
            Ok(())
        }
        Err(PaymentError::Unavailable(e)) => Err(format!("payment provider unavailable: {e}")),
        Err(error) => {
            tracing::warn!(order = %order.id, error = %error, "the provider refused to release the authorisation");
            Ok(())
        }
    }
}

/// Runs a capture job: takes the authorised money. A provider outage is retried by the queue.
pub async fn run_capture(shop: &Shop, payload: &str) -> Result<(), String> {
    let job: CaptureJob = serde_json::from_str(payload).map_err(|e| format!("bad capture job: {e}"))?;
    let order = Orders::by_id(shop.db(), job.order_id).await.map_err(|e| e.to_string())?.ok_or("order gone")?;
    if order.status != OrderStatus::Authorised {
        return Ok(());
    }
    let payment_id = order.payment_id.clone().ok_or("the order has no payment id yet")?;
    let key = format!("order-{}-capture", order.id);
    match shop.payments().capture(&payment_id, order.total_minor, &key).await {
        Ok(()) => payment_captured(shop, order.id, Actor::System).await.map_err(|e| e.to_string()),
        Err(PaymentError::Unavailable(e)) => Err(format!("payment provider unavailable: {e}")),
        Err(error) => {
            tracing::warn!(order = %order.id, error = %error, "capture refused; the order stays authorised for staff");
            Ok(())
        }
    }
}

/// Cancels orders left unpaid past the limit, giving their stock back.
pub async fn cancel_unpaid(shop: &Shop) -> Result<usize, DbError> {
    let now = shop.clock().now();
    let cutoff = Timestamp(now.as_micros() - shop.commerce().unpaid_order_hours * 3_600 * Timestamp::MICROS_PER_SECOND);
    let stale = Orders::stale_unpaid(shop.db(), cutoff, 100).await?;
    for order in &stale {
        order_cancelled(shop, order.id, Actor::System, "not paid in time", HeldMoney::Release).await?;
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
