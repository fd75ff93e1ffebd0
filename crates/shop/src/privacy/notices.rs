//! GDPR Art. 19: after an erasure, a rectification or a restriction, each recipient of the
//! policy that received the person's data is told, unless that is impossible. What it is told is
//! the request's reference and the ids it already holds (a payment id, an order number), never
//! more personal data than it has. Each notice is recorded (`recipient_notices`): to whom, when
//! and how — by email to the recipient's privacy contact from the policy, in place for the host
//! of our own database, or left to staff when the policy names no contact.

use luxevault_core::order::OrderStatus;
use luxevault_storage::{Limits, OrderRow, Orders};
use serde::Serialize;
use uuid::Uuid;

use crate::Shop;
use crate::error::ShopError;
use crate::outbox::{EmailJob, queue_email};

/// What left the shop about a person, gathered before their data is erased or changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Received {
    /// Recipient id → the references it holds.
    pub by_recipient: Vec<(&'static str, Vec<String>)>,
}

/// Works out which recipients received the person's data, from their orders (and whether an
/// account sent them email): the payment provider the ids of its payments, the carriers the
/// orders handed to them, the email service the messages about the orders or the account, and
/// the host everything.
pub async fn received(shop: &Shop, orders: &[OrderRow], had_account: bool) -> Result<Received, ShopError> {
    let mut stripe = Vec::new();
    let mut carriers = Vec::new();
    let mut emailed = Vec::new();
    for order in orders {
        if order.payment_provider == "stripe" {
            stripe.extend(order.payment_id.iter().cloned());
            stripe.extend(order.payment_session_id.iter().cloned());
        }
        let shipped = order.status == OrderStatus::Fulfilled
            || Orders::events(shop.db(), order.id).await?.iter().any(|e| e.to_status == "fulfilled");
        if shipped {
            carriers.push(format!("order {}", order.number));
        }
        emailed.push(format!("order {}", order.number));
    }
    if had_account {
        emailed.push("account emails".to_string());
    }
    let mut by_recipient = Vec::new();
    if !stripe.is_empty() {
        by_recipient.push(("stripe", stripe));
    }
    if !carriers.is_empty() {
        by_recipient.push(("carriers", carriers));
    }
    if !emailed.is_empty() {
        by_recipient.push(("email_service", emailed));
        by_recipient.push(("cloud_host", Vec::new()));
    }
    Ok(Received { by_recipient })
}

/// A recipient told of a change to a person's data, as the person's answer names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notified {
    /// The recipient's id in the policy (`stripe`, `email_service`, …).
    pub recipient: String,
    /// Its name, in the shop's default language.
    pub name: String,
    /// `email` (to its privacy contact), `in_place` (our own host), `no_contact` (left to staff).
    pub method: &'static str,
}

/// The ids of the recipients told, for a request's record.
pub fn names(notified: &[Notified]) -> Vec<&str> {
    notified.iter().map(|n| n.recipient.as_str()).collect()
}

/// Tells each recipient of the policy that received the data, records how, and returns what the
/// person is told.
pub async fn notify(shop: &Shop, request: Uuid, received: &Received) -> Result<Vec<Notified>, ShopError> {
    let now = shop.clock().now();
    let policy = &shop.policy().policy;
    let lang = shop.settings().default_lang().clone();
    let mut told = Vec::new();
    for (id, references) in &received.by_recipient {
        // Only recipients the published policy lists receive anything at all (P12).
        let Some(recipient) = policy.recipient(id) else { continue };
        let method = if *id == "cloud_host" {
            "in_place"
        } else if recipient.privacy_contact.is_some() {
            "email"
        } else {
            "no_contact"
        };
        let notice = Limits::add_notice(shop.db(), request, id, method, &references.join(", "), now).await?;
        if method == "email" {
            queue_email(shop.db(), &EmailJob::RecipientNotice { notice_id: notice }, now).await?;
        }
        let name = recipient.name.get(lang.as_str()).cloned().unwrap_or_else(|| (*id).to_string());
        told.push(Notified { recipient: (*id).to_string(), name, method });
    }
    tracing::info!(request = %request, recipients = told.len(), "recipients notified (Art. 19)");
    Ok(told)
}

/// Records a request an account holder made from their account, answered at `contact`: one the
/// house carries out at once (so that its notices have a reference), or one staff must weigh (an
/// objection to fraud prevention). Open until it is closed.
pub async fn record_request(
    shop: &Shop,
    kind: luxevault_core::requests::RequestKind,
    customer: Uuid,
    contact: &str,
) -> Result<Uuid, ShopError> {
    use luxevault_core::requests::{Channel, deadline, target};
    let now = shop.clock().now();
    let rights = &shop.policy().policy.rights;
    let request = luxevault_storage::NewPrivacyRequest {
        status: "open",
        code: None,
        kind: kind.as_str(),
        channel: Channel::Web.as_str(),
        customer_id: Some(customer),
        contact,
        received_at: now,
        due_at: deadline(now, rights.answer_within_days, false, 0),
        target_at: target(now, rights.target_business_days),
    };
    Ok(luxevault_storage::PrivacyRequests::create(shop.db(), &request, now).await?)
}

/// A rectification of the account's username or email: the recipients that received them (the
/// email service, with the messages sent to the account; the host) are told (Art. 19), and the
/// request is recorded as done, for the person's list of requests (without the address: the
/// account is where the person is answered, and the record must not outlive it with the address).
pub async fn account_rectified(shop: &Shop, customer: Uuid) -> Result<(), ShopError> {
    let request = record_request(shop, luxevault_core::requests::RequestKind::Rectification, customer, "").await?;
    let received = received(shop, &[], true).await?;
    let told = notify(shop, request, &received).await?;
    let outcome = format!("account details corrected; recipients notified: {}", names(&told).join(", "));
    luxevault_storage::PrivacyRequests::close(shop.db(), request, "completed", &outcome, shop.clock().now()).await?;
    Ok(())
}
