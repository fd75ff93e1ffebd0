//! The order's life: a state machine where every move is recorded with who, when and why.
//!
//! ```text
//! awaiting_payment ──authorised──▶ authorised ──captured──▶ confirmed ──▶ fulfilled
//!        │                             │                        │             │
//!        └──────────▶ cancelled ◀──────┘                        └──▶ refunded ◀┘
//! ```
//! Payment providers deliver events late, twice and out of order, so a transition that would move
//! an order backwards (a late "authorised" after "confirmed") is ignored rather than applied.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    AwaitingPayment,
    /// The payment is authorised but not taken: the hold point where a person may review the
    /// order before money moves (manual capture).
    Authorised,
    /// Money taken; the boutique prepares the order.
    Confirmed,
    Fulfilled,
    Cancelled,
    Refunded,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 6] =
        [Self::AwaitingPayment, Self::Authorised, Self::Confirmed, Self::Fulfilled, Self::Cancelled, Self::Refunded];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AwaitingPayment => "awaiting_payment",
            Self::Authorised => "authorised",
            Self::Confirmed => "confirmed",
            Self::Fulfilled => "fulfilled",
            Self::Cancelled => "cancelled",
            Self::Refunded => "refunded",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// How far along the order is; moves only forward.
    fn rank(self) -> u8 {
        match self {
            Self::AwaitingPayment => 0,
            Self::Authorised => 1,
            Self::Confirmed => 2,
            Self::Fulfilled => 3,
            Self::Cancelled | Self::Refunded => 4,
        }
    }

    pub fn is_final(self) -> bool {
        matches!(self, Self::Cancelled | Self::Refunded)
    }

    /// Whether the stock reserved by the order goes back on the shelf when it ends here.
    pub fn releases_stock(self) -> bool {
        self == Self::Cancelled
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("the order is already {0}")]
    AlreadyThere(&'static str),
    #[error("an order that is {from} cannot become {to}")]
    NotAllowed { from: &'static str, to: &'static str },
    #[error("the order has moved past {0} already")]
    Stale(&'static str),
}

/// Checks a move. `Stale` means a late event: the caller ignores it quietly.
pub fn check_transition(from: OrderStatus, to: OrderStatus) -> Result<(), TransitionError> {
    use OrderStatus::*;
    if from == to {
        return Err(TransitionError::AlreadyThere(from.as_str()));
    }
    let allowed = matches!(
        (from, to),
        (AwaitingPayment, Authorised)
            | (AwaitingPayment, Confirmed)
            | (AwaitingPayment, Cancelled)
            | (Authorised, Confirmed)
            | (Authorised, Cancelled)
            | (Confirmed, Fulfilled)
            | (Confirmed, Refunded)
            | (Fulfilled, Refunded)
    );
    if allowed {
        Ok(())
    } else if to.rank() < from.rank() || from.is_final() {
        Err(TransitionError::Stale(to.as_str()))
    } else {
        Err(TransitionError::NotAllowed { from: from.as_str(), to: to.as_str() })
    }
}

/// Who moved an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Customer,
    System,
    /// A payment provider's event (e.g. "stripe").
    Provider(&'static str),
    Staff(String),
}

impl Actor {
    pub fn as_string(&self) -> String {
        match self {
            Self::Customer => "customer".into(),
            Self::System => "system".into(),
            Self::Provider(name) => format!("provider:{name}"),
            Self::Staff(id) => format!("staff:{id}"),
        }
    }
}

/// The hold point between authorisation and capture. Today every authorised order is released
/// for capture; fraud screening will return `Hold` here for a person to decide (never decline).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewDecision {
    Release,
    Hold,
}

pub fn review_after_authorisation() -> ReviewDecision {
    ReviewDecision::Release
}

#[cfg(test)]
mod tests {
    use super::OrderStatus::*;
    use super::*;

    #[test]
    fn the_happy_path_moves_forward() {
        for (from, to) in
            [(AwaitingPayment, Authorised), (Authorised, Confirmed), (Confirmed, Fulfilled), (Fulfilled, Refunded)]
        {
            assert_eq!(check_transition(from, to), Ok(()), "{from:?} → {to:?}");
        }
    }

    #[test]
    fn late_events_are_stale_not_errors() {
        assert_eq!(check_transition(Confirmed, Authorised), Err(TransitionError::Stale("authorised")));
        assert_eq!(check_transition(Cancelled, Authorised), Err(TransitionError::Stale("authorised")));
        assert_eq!(check_transition(Refunded, Confirmed), Err(TransitionError::Stale("confirmed")));
    }

    #[test]
    fn forbidden_moves() {
        assert!(matches!(check_transition(AwaitingPayment, Fulfilled), Err(TransitionError::NotAllowed { .. })));
        assert!(matches!(check_transition(AwaitingPayment, Refunded), Err(TransitionError::NotAllowed { .. })));
        assert!(
            matches!(check_transition(Fulfilled, Cancelled), Err(TransitionError::NotAllowed { .. })),
            "refund instead"
        );
        assert_eq!(check_transition(Confirmed, Confirmed), Err(TransitionError::AlreadyThere("confirmed")));
    }

    #[test]
    fn every_status_round_trips_and_no_final_status_moves() {
        for status in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(status.as_str()), Some(status));
            if status.is_final() {
                for to in OrderStatus::ALL {
                    assert!(check_transition(status, to).is_err(), "{status:?} → {to:?}");
                }
            }
        }
    }
}
