//! What the payment provider reports, applied to orders (P7): only the status and the provider's
//! ids are kept, never card details. The web edge verifies the signature first; here each
//! event is applied once and never moves an order backwards.

use luxevault_core::order::Actor;
use luxevault_integrations::payments::stripe::webhook::{PaymentUpdate, StripeEvent};
use luxevault_storage::{DbError, OrderRow, Orders, Refunds};
use uuid::Uuid;

use super::{HeldMoney, order_cancelled, order_refunded, payment_authorised, payment_captured};
use crate::Shop;

const PROVIDER: &str = "stripe";

async fn order_for(shop: &Shop, payment_id: Option<&str>, order_id: Option<Uuid>) -> Result<Option<OrderRow>, DbError> {
    if let Some(payment_id) = payment_id
        && let Some(order) = Orders::by_payment_id(shop.db(), payment_id).await?
    {
        return Ok(Some(order));
    }
    match order_id {
        Some(id) => Orders::by_id(shop.db(), id).await,
        None => Ok(None),
    }
}

/// Applies a verified Stripe event once (its id is recorded). Every step is idempotent as well,
/// so a redelivery racing the first delivery does no harm, and none moves an order backwards.
pub async fn apply_stripe_event(shop: &Shop, event: &StripeEvent) -> Result<(), DbError> {
    let db = shop.db();
    if Orders::payment_event_seen(db, PROVIDER, &event.id).await? {
        return Ok(());
    }
    let now = shop.clock().now();
    let actor = Actor::Provider(PROVIDER);
    match &event.update {
        PaymentUpdate::CheckoutCompleted { session_id, payment_id, order_id, .. } => {
            let order = match Orders::by_session_id(db, session_id).await? {
                Some(order) => Some(order),
                None => order_for(shop, None, *order_id).await?,
            };
            if let (Some(order), Some(payment_id)) = (order, payment_id) {
                Orders::set_payment_id(db, order.id, payment_id, now).await?;
            }
        }
        PaymentUpdate::Authorized { payment_id, order_id, .. } => {
            if let Some(order) = order_for(shop, Some(payment_id), *order_id).await? {
                Orders::set_payment_id(db, order.id, payment_id, now).await?;
                payment_authorised(shop, &order, Some(payment_id), actor).await?;
            }
        }
        PaymentUpdate::Captured { payment_id, order_id, .. } => {
            if let Some(order) = order_for(shop, Some(payment_id), *order_id).await? {
                payment_captured(shop, order.id, actor).await?;
            }
        }
        PaymentUpdate::Canceled { payment_id, order_id } => {
            if let Some(order) = order_for(shop, Some(payment_id), *order_id).await? {
                order_cancelled(shop, order.id, actor, "payment cancelled at Stripe", HeldMoney::AlreadyReleased)
                    .await?;
            }
        }
        PaymentUpdate::CheckoutExpired { session_id, order_id } => {
            let order = match Orders::by_session_id(db, session_id).await? {
                Some(order) => Some(order),
                None => order_for(shop, None, *order_id).await?,
            };
            if let Some(order) = order {
                order_cancelled(shop, order.id, actor, "payment page expired", HeldMoney::Release).await?;
            }
        }
        PaymentUpdate::Refunded { payment_id, amount_refunded, fully } => {
            // Stripe reports the charge's refunded total (refunds made in its dashboard too): the
            // order's refunded total becomes that when higher, never lower; a full refund moves
            // the order to refunded. A redelivery or a late, smaller total changes nothing.
            if let Some(order) = order_for(shop, Some(payment_id), None).await? {
                let total = if *fully { order.total_minor } else { *amount_refunded };
                Refunds::provider_total(db, order.id, total, now).await?;
                if *fully || *amount_refunded >= order.total_minor {
                    order_refunded(shop, order.id, actor).await?;
                }
            }
        }
        PaymentUpdate::Failed { .. } | PaymentUpdate::Other => {}
    }
    Orders::record_payment_event(db, PROVIDER, &event.id, &event.event_type, now).await?;
    Ok(())
}
