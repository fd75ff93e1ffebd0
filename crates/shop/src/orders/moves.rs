//! Staff moves on an order — the one implementation behind the admin-token API and the back
//! office: capture a held payment, cancel, refund (in full or in part), mark fulfilled. Each is
//! recorded with its reason in the order's history; each refund is a record of its own.

use luxevault_core::order::{Actor, OrderStatus};
use luxevault_core::{Currency, Money};
use luxevault_integrations::payments::PaymentError;
use luxevault_storage::{DbError, OrderRow, Orders, Refunds, Transition};
use uuid::Uuid;

use crate::Shop;
use crate::orders;

/// A staff reason as recorded: trimmed, 1 to 200 characters.
pub fn valid_reason(text: &str) -> Option<String> {
    let reason = text.trim();
    // Free text from staff passes the sensitive-data guard before it is stored or audited (P4).
    (!reason.is_empty() && reason.chars().count() <= 200).then(|| crate::guard::free_text(reason, "reason"))
}

/// A move staff can make on an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderMove {
    Capture,
    Cancel,
    Refund,
    Fulfil,
}

impl OrderMove {
    /// The audit log's action for this move.
    pub fn audit_action(self) -> &'static str {
        match self {
            OrderMove::Capture => "order.capture",
            OrderMove::Cancel => "order.cancel",
            OrderMove::Refund => "order.refund",
            OrderMove::Fulfil => "order.fulfil",
        }
    }
}

/// Why a move was not made.
#[derive(Debug)]
pub enum OrderMoveError {
    NotFound,
    /// The order's status does not allow it; `what` finishes "An order that is … cannot be …".
    WrongStatus {
        status: OrderStatus,
        what: &'static str,
    },
    /// A refund of nothing, of less than nothing, or of more than remains refundable: nothing
    /// was asked of the provider. `refundable` is what remains, in minor units of `currency`.
    Amount {
        refundable: i64,
        currency: String,
    },
    Provider(PaymentError),
    Db(DbError),
}

impl From<DbError> for OrderMoveError {
    fn from(error: DbError) -> Self {
        Self::Db(error)
    }
}

impl OrderMoveError {
    /// One sentence for staff, without personal data.
    pub fn message(&self) -> String {
        match self {
            Self::NotFound => "No such order.".into(),
            Self::WrongStatus { status, what } => format!("An order that is {} cannot be {what}.", status.as_str()),
            Self::Amount { refundable, currency } => match Currency::from_code(currency) {
                Ok(c) if *refundable > 0 => format!(
                    "A refund must be more than 0 and at most the {} {currency} still refundable.",
                    Money::new(*refundable, c).to_major_string()
                ),
                _ => "Nothing remains to be refunded on this order.".into(),
            },
            Self::Provider(PaymentError::Unavailable(_)) => "The payment provider is unavailable; try again.".into(),
            Self::Provider(other) => format!("The payment provider refused: {other}"),
            Self::Db(_) => "The shop is unavailable for a moment; try again.".into(),
        }
    }
}

/// Makes a staff move on an order — the one implementation behind the admin-token API and the
/// back office: capture a held payment, cancel an unpaid order (releasing the authorisation),
/// refund what remains of a paid one (see [`refund_order`] for part of it), mark a confirmed one
/// fulfilled. `reason` goes to the order's history where the move records one.
pub async fn move_order(
    shop: &Shop,
    id: Uuid,
    action: OrderMove,
    actor: Actor,
    reason: &str,
) -> Result<OrderRow, OrderMoveError> {
    let found = Orders::by_id(shop.db(), id).await?.ok_or(OrderMoveError::NotFound)?;
    let wrong = |what: &'static str| OrderMoveError::WrongStatus { status: found.status, what };
    match action {
        OrderMove::Capture => {
            if found.status != OrderStatus::Authorised {
                return Err(wrong("captured"));
            }
            let payment = found.payment_id.clone().ok_or_else(|| wrong("captured before its payment id is known"))?;
            shop.payments()
                .capture(&payment, found.total_minor, &format!("order-{id}-capture"))
                .await
                .map_err(OrderMoveError::Provider)?;
            orders::payment_captured(shop, id, actor).await?;
        }
        OrderMove::Cancel => {
            match (found.status, found.payment_id.as_deref()) {
                (OrderStatus::Authorised, Some(payment)) => {
                    shop.payments()
                        .cancel(payment, &format!("order-{id}-cancel"))
                        .await
                        .map_err(OrderMoveError::Provider)?;
                }
                (OrderStatus::AwaitingPayment | OrderStatus::Authorised, _) => {}
                _ => return Err(wrong("cancelled (refund it instead)")),
            }
            orders::order_cancelled(shop, id, actor, reason, orders::HeldMoney::AlreadyReleased).await?;
        }
        OrderMove::Refund => return refund_order(shop, id, None, actor, reason).await,
        OrderMove::Fulfil => {
            let now = shop.clock().now();
            match Orders::transition(shop.db(), id, OrderStatus::Fulfilled, &actor, reason, now).await? {
                Transition::Applied { .. } => {}
                _ => return Err(wrong("fulfilled")),
            }
        }
    }
    Orders::by_id(shop.db(), id).await?.ok_or(OrderMoveError::NotFound)
}

/// Refunds `amount_minor` of a paid order (what remains refundable when `None`), for `reason`
/// (already through [`valid_reason`]). The amount is reserved first, in storage, so two refunds
/// racing can never together pass the money taken; then the provider is asked under a key of its
/// own (`order-<id>-refund-<refund id>`: a second refund of the same amount is a new refund, a
/// retry of this one is not). The order moves to `refunded` when its refunded total reaches its
/// total; until then it stays confirmed or fulfilled, partly refunded. The customer is told of
/// each refund by email.
pub async fn refund_order(
    shop: &Shop,
    id: Uuid,
    amount_minor: Option<i64>,
    actor: Actor,
    reason: &str,
) -> Result<OrderRow, OrderMoveError> {
    let found = Orders::by_id(shop.db(), id).await?.ok_or(OrderMoveError::NotFound)?;
    let wrong = |what: &'static str| OrderMoveError::WrongStatus { status: found.status, what };
    if !matches!(found.status, OrderStatus::Confirmed | OrderStatus::Fulfilled) {
        return Err(wrong("refunded"));
    }
    let payment = found.payment_id.clone().ok_or_else(|| wrong("refunded without a payment"))?;
    let too_much = |order: &OrderRow| OrderMoveError::Amount {
        refundable: order.refundable_minor(),
        currency: order.currency.clone(),
    };
    let amount = amount_minor.unwrap_or_else(|| found.refundable_minor());
    if amount <= 0 || amount > found.refundable_minor() {
        return Err(too_much(&found));
    }
    let now = shop.clock().now();
    let actor_name = actor.as_string();
    let Some(refund_id) = Refunds::reserve(shop.db(), id, amount, reason, &actor_name, now).await? else {
        // Another refund or move got there first: say how the order stands now.
        let now_found = Orders::by_id(shop.db(), id).await?.ok_or(OrderMoveError::NotFound)?;
        if !matches!(now_found.status, OrderStatus::Confirmed | OrderStatus::Fulfilled) {
            return Err(OrderMoveError::WrongStatus { status: now_found.status, what: "refunded" });
        }
        return Err(too_much(&now_found));
    };
    let key = format!("order-{id}-refund-{refund_id}");
    let provider_refund = match shop.payments().refund(&payment, Some(amount), &key).await {
        Ok(provider_refund) => provider_refund,
        Err(error) => {
            // Nothing refunded (or, after an outage, not known to be): the reservation is given
            // back. Should the provider have refunded after all, its `charge.refunded` raises
            // the refunded total again (never above what it reports).
            tracing::warn!(order = %id, error = %error, "refund refused or not answered; reservation released");
            Refunds::release(shop.db(), refund_id, shop.clock().now()).await?;
            return Err(OrderMoveError::Provider(error));
        }
    };
    let now = shop.clock().now();
    let after = Orders::by_id(shop.db(), id).await?.ok_or(OrderMoveError::NotFound)?;
    if after.refunded_minor >= after.total_minor {
        Refunds::settle(shop.db(), refund_id, &provider_refund, &[], now).await?;
        orders::order_refunded_because(shop, id, actor, reason).await?;
    } else {
        let email = crate::outbox::EmailJob::OrderRefunded { order_id: id, refund_id: Some(refund_id) };
        Refunds::settle(shop.db(), refund_id, &provider_refund, &[orders::email_job(&email, now)], now).await?;
    }
    tracing::info!(order = %id, refund = %refund_id, "refund made");
    Orders::by_id(shop.db(), id).await?.ok_or(OrderMoveError::NotFound)
}
