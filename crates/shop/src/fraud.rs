//! Fraud prevention (M6, M8, P9): rules and scores that only ever **hold** an order for a person
//! to decide — nothing is declined automatically, the reviewer sees every input, and each
//! decision is logged.
//!
//! The hold point is here: the order flow asks `screen` once a payment is authorised. Today no
//! rule holds an order (`luxevault_core::order::review_after_authorisation`); the rules, the
//! review queue and the decisions arrive in this module.

use luxevault_core::order::{ReviewDecision, review_after_authorisation};
use luxevault_storage::OrderRow;

/// Whether an authorised order may go on to capture, or waits for a person's decision.
pub fn screen(_order: &OrderRow) -> ReviewDecision {
    review_after_authorisation()
}
