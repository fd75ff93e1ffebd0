//! Restriction (GDPR Art. 18) and objection (Art. 21), as services the rest of the shop asks
//! before it processes someone's data. A restriction stops every processing but storage; an
//! objection stops one purpose resting on legitimate interests (website analytics; fraud
//! prevention goes to staff, who must weigh it, Art. 21(1)) or marketing (absolute, Art. 21(2)).
//!
//! The checks live where the processing happens: the marketing audience and each marketing
//! email as it is sent, the analytics endpoint, the retention engine's deletion of inactive
//! accounts. A person without an account is known by a keyed hash of their email address only.

use luxevault_core::{Email, Timestamp};
use luxevault_storage::{Accounts, Limits, NewLimit};
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::AppState;

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
pub fn email_key(state: &AppState, email: &Email) -> String {
    crate::auth::throttle_key(state.order_link_key(), "limit:email", &email.normalized())
}

impl Person {
    pub fn account(customer: Uuid) -> Self {
        Self { customer: Some(customer), email_key: None }
    }

    /// The account and the email address it uses: a restriction made as a guest covers it too.
    pub async fn of_account(state: &AppState, customer: Uuid) -> Result<Self, ApiError> {
        let email = Accounts::by_id(state.db(), customer).await?.and_then(|row| Email::parse(row.email.expose()).ok());
        Ok(Self { customer: Some(customer), email_key: email.map(|e| email_key(state, &e)) })
    }

    /// The address and, when an account uses it, that account.
    pub async fn of_email(state: &AppState, email: &Email) -> Result<Self, ApiError> {
        let customer = Accounts::by_email(state.db(), email).await?.map(|row| row.id);
        Ok(Self { customer, email_key: Some(email_key(state, email)) })
    }
}

/// Whether the person's data may be used for `purpose` at `at`: not restricted, and no
/// objection to that purpose in force.
pub async fn may_process(state: &AppState, person: &Person, purpose: &str, at: Timestamp) -> Result<bool, ApiError> {
    let limits = Limits::in_force(state.db(), person.customer, person.email_key.as_deref(), at).await?;
    Ok(!limits.iter().any(|l| l.kind == RESTRICTION || (l.kind == OBJECTION && l.purpose == purpose)))
}

/// Records a restriction (once: a person already restricted keeps the one in force).
pub async fn restrict(state: &AppState, person: &Person, request: Option<Uuid>) -> Result<Uuid, ApiError> {
    let now = state.clock().now();
    let limits = Limits::in_force(state.db(), person.customer, person.email_key.as_deref(), now).await?;
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
    Ok(Limits::add(state.db(), &limit, now).await?)
}

/// Records an objection to `purpose` (once).
pub async fn object(state: &AppState, person: &Person, purpose: &str, request: Option<Uuid>) -> Result<(), ApiError> {
    let now = state.clock().now();
    let limits = Limits::in_force(state.db(), person.customer, person.email_key.as_deref(), now).await?;
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
    Limits::add(state.db(), &limit, now).await?;
    Ok(())
}

/// Ends the person's own limits of `kind` (and `purpose`) at once: the person asked.
pub async fn withdraw(state: &AppState, person: &Person, kind: &str, purpose: &str) -> Result<usize, ApiError> {
    let now = state.clock().now();
    let mut ended = 0;
    for limit in Limits::in_force(state.db(), person.customer, person.email_key.as_deref(), now).await? {
        if limit.kind == kind && limit.purpose == purpose && Limits::lift(state.db(), limit.id, now, None, now).await? {
            ended += 1;
        }
    }
    Ok(ended)
}
