//! Restriction (GDPR Art. 18) and objection (Art. 21), as services the rest of the shop asks
//! before it processes someone's data. A restriction stops every processing but storage; an
//! objection stops one purpose resting on legitimate interests (website analytics; fraud
//! prevention goes to staff, who must weigh it, Art. 21(1)) or marketing (absolute, Art. 21(2)).
//!
//! The checks live where the processing happens: the marketing audience and each marketing
//! email as it is sent, the analytics endpoint, the retention engine's deletion of inactive
//! accounts. A person without an account is known by a keyed hash of their email address only.

use luxevault_core::{Email, Timestamp};
use luxevault_storage::{Accounts, Limits, NewLimit, OrderRow, Orders, PrivacyRequests};
use uuid::Uuid;

use crate::Shop;
use crate::error::ShopError;
use crate::privacy::notices::{self, Notified};

pub const RESTRICTION: &str = "restriction";
pub const OBJECTION: &str = "objection";

/// Purposes a person may object to here: those on legitimate interests that do not keep the
/// shop running or lawful (the policy's `website_operation` serves every other purpose), and
/// marketing (Art. 21(2)).
pub const OBJECTABLE: &[&str] = &["website_analytics", "fraud_prevention", "marketing"];
/// Objections that take effect at once; the others are weighed by staff (Art. 21(1)).
pub const OBJECTION_STOPS_AT_ONCE: &[&str] = &["website_analytics", "marketing"];

/// Who a limit applies to: an account, an email address, or both.
#[derive(Debug, Clone, Default)]
pub struct Person {
    pub customer: Option<Uuid>,
    /// The keyed hash of the normalised email address (never the address).
    pub email_key: Option<String>,
}

/// The keyed hash under which a person's email address is known to the register.
pub fn email_key(shop: &Shop, email: &Email) -> String {
    crate::auth::throttle_key(shop.order_link_key(), "limit:email", &email.normalized())
}

impl Person {
    pub fn account(customer: Uuid) -> Self {
        Self { customer: Some(customer), email_key: None }
    }

    /// The account and the email address it uses: a restriction made as a guest covers it too.
    pub async fn of_account(shop: &Shop, customer: Uuid) -> Result<Self, ShopError> {
        let email = Accounts::by_id(shop.db(), customer).await?.and_then(|row| Email::parse(row.email.expose()).ok());
        Ok(Self { customer: Some(customer), email_key: email.map(|e| email_key(shop, &e)) })
    }

    /// The address and, when an account uses it, that account.
    pub async fn of_email(shop: &Shop, email: &Email) -> Result<Self, ShopError> {
        let customer = Accounts::by_email(shop.db(), email).await?.map(|row| row.id);
        Ok(Self { customer, email_key: Some(email_key(shop, email)) })
    }
}

/// Whether the person's data may be used for `purpose` at `at`: not restricted, and no
/// objection to that purpose in force.
pub async fn may_process(shop: &Shop, person: &Person, purpose: &str, at: Timestamp) -> Result<bool, ShopError> {
    let limits = Limits::in_force(shop.db(), person.customer, person.email_key.as_deref(), at).await?;
    Ok(!limits.iter().any(|l| l.kind == RESTRICTION || (l.kind == OBJECTION && l.purpose == purpose)))
}

/// Records a restriction (once: a person already restricted keeps the one in force).
pub async fn restrict(shop: &Shop, person: &Person, request: Option<Uuid>) -> Result<Uuid, ShopError> {
    let now = shop.clock().now();
    let limits = Limits::in_force(shop.db(), person.customer, person.email_key.as_deref(), now).await?;
    if let Some(existing) = limits.iter().find(|l| l.kind == RESTRICTION && l.lifted_at.is_none()) {
        return Ok(existing.id);
    }
    let limit = NewLimit {
        kind: RESTRICTION,
        purpose: "",
        customer: person.customer,
        email_key: person.email_key.as_deref(),
        request,
    };
    Ok(Limits::add(shop.db(), &limit, now).await?)
}

/// Records an objection to `purpose` (once).
pub async fn object(shop: &Shop, person: &Person, purpose: &str, request: Option<Uuid>) -> Result<(), ShopError> {
    let now = shop.clock().now();
    let limits = Limits::in_force(shop.db(), person.customer, person.email_key.as_deref(), now).await?;
    if limits.iter().any(|l| l.kind == OBJECTION && l.purpose == purpose) {
        return Ok(());
    }
    let limit = NewLimit {
        kind: OBJECTION,
        purpose,
        customer: person.customer,
        email_key: person.email_key.as_deref(),
        request,
    };
    Limits::add(shop.db(), &limit, now).await?;
    Ok(())
}

/// Ends the person's own limits of `kind` (and `purpose`) at once: the person asked.
pub async fn withdraw(shop: &Shop, person: &Person, kind: &str, purpose: &str) -> Result<usize, ShopError> {
    let now = shop.clock().now();
    let mut ended = 0;
    for limit in Limits::in_force(shop.db(), person.customer, person.email_key.as_deref(), now).await? {
        if limit.kind == kind && limit.purpose == purpose && Limits::lift(shop.db(), limit.id, now, None, now).await? {
            ended += 1;
        }
    }
    Ok(ended)
}

/// The orders held on a person: those of the account and those placed with the address.
pub async fn orders_of(shop: &Shop, customer: Option<Uuid>, email: Option<&Email>) -> Result<Vec<OrderRow>, ShopError> {
    let mut orders = match customer {
        Some(id) => Orders::for_customer(shop.db(), id, i64::MAX).await?,
        None => Vec::new(),
    };
    if let Some(email) = email {
        for order in Orders::for_email(shop.db(), &email.normalized(), i64::MAX).await? {
            if !orders.iter().any(|o| o.id == order.id) {
                orders.push(order);
            }
        }
    }
    Ok(orders)
}

/// Grants a restriction request: the flag, the recipients told, the request closed with what was
/// done. Returns the recipients told.
pub async fn grant_restriction(
    shop: &Shop,
    request: Uuid,
    person: &Person,
    email: Option<&Email>,
    staff_outcome: Option<&str>,
) -> Result<Vec<Notified>, ShopError> {
    restrict(shop, person, Some(request)).await?;
    let orders = orders_of(shop, person.customer, email).await?;
    let received = notices::received(shop, &orders, person.customer.is_some()).await?;
    let told = notices::notify(shop, request, &received).await?;
    let names = notices::names(&told);
    let done = staff_outcome.unwrap_or("restricted: only storage from now on");
    let outcome =
        if names.is_empty() { done.to_string() } else { format!("{done}; recipients notified: {}", names.join(", ")) };
    PrivacyRequests::close(shop.db(), request, "completed", &outcome, shop.clock().now()).await?;
    tracing::info!(request = %request, "processing restricted at the person's request");
    Ok(told)
}

/// Where a person's processing stands: the restriction in force, if any, and each purpose one
/// may object to with whether they do.
#[derive(Debug)]
pub struct Processing {
    pub restriction: Option<luxevault_storage::LimitRow>,
    pub objections: Vec<(&'static str, bool)>,
}

/// The person's restriction and objections in force now.
pub async fn processing(shop: &Shop, person: &Person) -> Result<Processing, ShopError> {
    let now = shop.clock().now();
    let in_force = Limits::in_force(shop.db(), person.customer, person.email_key.as_deref(), now).await?;
    let restriction = in_force.iter().find(|l| l.kind == RESTRICTION).cloned();
    let objections = OBJECTABLE
        .iter()
        .map(|purpose| (*purpose, in_force.iter().any(|l| l.kind == OBJECTION && l.purpose == *purpose)))
        .collect();
    Ok(Processing { restriction, objections })
}

/// An account holder objects to a purpose (or withdraws the objection). Website analytics and
/// marketing stop at once; an objection to fraud prevention is recorded and opened as a request
/// that staff weigh (Art. 21(1)). Returns the request opened, if any.
pub async fn object_for_account(
    shop: &Shop,
    customer: Uuid,
    purpose: &str,
    objected: bool,
) -> Result<Option<Uuid>, ShopError> {
    use luxevault_core::requests::RequestKind;
    if !OBJECTABLE.contains(&purpose) {
        return Err(ShopError::invalid(
            "not_objectable",
            "One can object here to website_analytics, fraud_prevention or marketing.",
        ));
    }
    let person = Person::account(customer);
    if !objected {
        withdraw(shop, &person, OBJECTION, purpose).await?;
        return Ok(None);
    }
    let mut opened = None;
    if !OBJECTION_STOPS_AT_ONCE.contains(&purpose) {
        // Art. 21(1): processing stops unless the house shows compelling grounds: staff decide.
        let account =
            Accounts::by_id(shop.db(), customer).await?.ok_or_else(|| ShopError::not_found("No such account."))?;
        opened = Some(notices::record_request(shop, RequestKind::Objection, customer, account.email.expose()).await?);
    }
    object(shop, &person, purpose, opened).await?;
    Ok(opened)
}

/// Staff lift a restriction only after telling the person (Art. 18(3)): the email goes now, with
/// the date, and the restriction stays in force until then (`notice_days`, 1–90, 14 by default).
pub async fn lift_after_notice(
    shop: &Shop,
    id: Uuid,
    notice_days: Option<i64>,
) -> Result<luxevault_storage::LimitRow, ShopError> {
    let days = notice_days.unwrap_or(14);
    if !(1..=90).contains(&days) {
        return Err(ShopError::invalid(
            "invalid_notice",
            "notice_days is between 1 and 90: the person is told before the restriction is lifted.",
        ));
    }
    let limit = Limits::by_id(shop.db(), id)
        .await?
        .filter(|l| l.kind == RESTRICTION)
        .ok_or_else(|| ShopError::not_found("No such restriction."))?;
    if limit.lifted_at.is_some() {
        return Err(ShopError::conflict("not_in_force", "This restriction is already lifted or being lifted."));
    }
    let now = shop.clock().now();
    if !Limits::lift(shop.db(), id, now.plus_days(days), Some(now), now).await? {
        return Err(ShopError::conflict("not_in_force", "This restriction is no longer in force."));
    }
    crate::outbox::queue_email(shop.db(), &crate::outbox::EmailJob::RestrictionLifting { limit_id: id }, now).await?;
    Limits::by_id(shop.db(), id).await?.ok_or(ShopError::Internal)
}
