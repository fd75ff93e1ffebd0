//! Staff moves on an order — the one implementation behind the admin-token API and the back
//! office: capture a held payment, cancel, refund in full, mark fulfilled. Each is recorded with
//! its reason in the order's history.

use luxevault_core::order::{Actor, OrderStatus};
use luxevault_integrations::payments::PaymentError;
use luxevault_storage::{DbError, OrderRow, Orders, Transition};
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
            Self::Provider(PaymentError::Unavailable(_)) => "The payment provider is unavailable; try again.".into(),
            Self::Provider(other) => format!("The payment provider refused: {other}"),
            Self::Db(_) => "The shop is unavailable for a moment; try again.".into(),
        }
    }
}

/// Makes a staff move on an order — the one implementation behind the admin-token API and the
/// back office: capture a held payment, cancel an unpaid order (releasing the authorisation),
/// refund a paid one in full, mark a confirmed one fulfilled. `reason` goes to the order's
/// history where the move records one.
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
        OrderMove::Refund => {
            if !matches!(found.status, OrderStatus::Confirmed | OrderStatus::Fulfilled) {
                return Err(wrong("refunded"));
            }
            let payment = found.payment_id.clone().ok_or_else(|| wrong("refunded without a payment"))?;
            shop.payments()
                .refund(&payment, None, &format!("order-{id}-refund"))
                .await
                .map_err(OrderMoveError::Provider)?;
            orders::order_refunded_because(shop, id, actor, reason).await?;
        }
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
