//! Rectification of an order's contact by staff (GDPR Art. 16, P16, M10): the name, email and
//! phone always, the shipping address while the parcel has not left (an order awaiting payment,
//! authorised or confirmed). The fields are checked as checkout checks them (one rule,
//! `core::checkout::ContactInput`), the reason passes the sensitive-data guard, the change is
//! written to the audit log first (the reason in its erasable notes, never the data itself in the
//! chained entry: the entry names the order and the fields), a rectification request is recorded
//! for the person's history, and every recipient that received the old data is told (Art. 19,
//! `privacy::notices`). The back office and the admin API both call [`correct_order_contact`].

use luxevault_core::checkout::ContactInput;
use luxevault_core::order::OrderStatus;
use luxevault_core::requests::{Channel, RequestKind, deadline, target};
use luxevault_core::{Email, Pii};
use luxevault_storage::{CorrectedContact, NewPrivacyRequest, OrderRow, Orders, PrivacyRequests};
use uuid::Uuid;

use crate::Shop;
use crate::error::ShopError;
use crate::privacy::notices::{self, Notified};
use crate::staff::audit_trail::{AuditEvent, record_or_refuse};

/// The contact and address as staff typed them (every field; the country stays the order's:
/// delivery and tax were priced to it).
#[derive(Debug, Clone, Default)]
pub struct ContactCorrection {
    pub name: Pii<String>,
    pub email: Pii<String>,
    pub phone: Pii<String>,
    pub address_line1: Pii<String>,
    pub address_line2: Pii<String>,
    pub city: Pii<String>,
    pub postcode: Pii<String>,
}

impl ContactCorrection {
    /// The order's current contact, for the form's first values.
    pub fn of(order: &OrderRow) -> Self {
        Self {
            name: order.name.clone(),
            email: order.email.clone(),
            phone: order.phone.clone(),
            address_line1: order.address_line1.clone(),
            address_line2: order.address_line2.clone(),
            city: order.city.clone(),
            postcode: order.postcode.clone(),
        }
    }
}

/// Who corrects, for the audit log: the actor as the log names it (`staff:<id>`, `api-token`)
/// and the client they came from.
pub struct Corrector<'a> {
    pub actor: &'a str,
    pub client: &'a str,
}

/// What a correction did: the fields changed (names, never values), the recipients told, and
/// the rectification request recorded.
#[derive(Debug)]
pub struct Corrected {
    pub order: OrderRow,
    pub changed: Vec<&'static str>,
    pub notified: Vec<Notified>,
    pub request_id: Uuid,
}

/// Whether the order's parcel has not left yet, so its address may still change.
pub fn address_correctable(status: OrderStatus) -> bool {
    matches!(status, OrderStatus::AwaitingPayment | OrderStatus::Authorised | OrderStatus::Confirmed)
}

/// Corrects an order's contact and (before the parcel leaves) its address. `channel` says how
/// the person asked (email, whatsapp, phone or web); `reason` is required (1 to 200 characters).
pub async fn correct_order_contact(
    shop: &Shop,
    id: Uuid,
    correction: &ContactCorrection,
    channel: &str,
    reason: &str,
    who: &Corrector<'_>,
) -> Result<Corrected, ShopError> {
    let reason = crate::orders::moves::valid_reason(reason)
        .ok_or_else(|| ShopError::invalid("reason_required", "Give a reason of 1 to 200 characters."))?;
    let channel = Channel::parse(channel.trim())
        .ok_or_else(|| ShopError::invalid("invalid_channel", "channel must be email, whatsapp, phone or web"))?;
    let order = Orders::by_id(shop.db(), id).await?.ok_or_else(|| ShopError::not_found("No such order."))?;
    if order.email.expose().is_empty() {
        return Err(ShopError::conflict("erased", "This order's contact was erased: there is nothing to correct."));
    }
    let input = ContactInput {
        name: correction.name.clone(),
        email: correction.email.clone(),
        phone: correction.phone.clone(),
        address_line1: correction.address_line1.clone(),
        address_line2: correction.address_line2.clone(),
        city: correction.city.clone(),
        postcode: correction.postcode.clone(),
        country: order.country.clone(),
    };
    // The same rules as checkout: a card number typed into a field is refused, never stored.
    let valid = input.validate().map_err(|errors| {
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        ShopError::invalid("invalid_contact", format!("These fields are not valid: {}.", fields.join(", ")))
    })?;
    let mut changed = Vec::new();
    let pairs: [(&'static str, &str, &str, bool); 7] = [
        ("name", valid.name.expose(), order.name.expose(), false),
        ("email", valid.email.expose(), order.email.expose(), false),
        ("phone", valid.phone.expose(), order.phone.expose(), false),
        ("address_line1", valid.address_line1.expose(), order.address_line1.expose(), true),
        ("address_line2", valid.address_line2.expose(), order.address_line2.expose(), true),
        ("city", valid.city.expose(), order.city.expose(), true),
        ("postcode", valid.postcode.expose(), order.postcode.expose(), true),
    ];
    let mut address_changed = false;
    for (field, new, old, address) in pairs {
        if new != old {
            changed.push(field);
            address_changed |= address;
        }
    }
    if changed.is_empty() {
        return Err(ShopError::invalid("unchanged", "Nothing differs from what the order holds."));
    }
    if address_changed && !address_correctable(order.status) {
        return Err(ShopError::conflict(
            "address_locked",
            "The parcel has left or the order is closed: its address can no longer be corrected (its contact can).",
        ));
    }
    let now = shop.clock().now();
    // Audited before it is done: the chained entry names the order and the fields; the staff's
    // reason goes to the erasable notes (migration 0021).
    let actor = who.actor;
    let note = format!("{reason} (fields: {})", changed.join(", "));
    let subject = id.to_string();
    record_or_refuse(
        shop.db(),
        now,
        AuditEvent {
            actor,
            client: who.client,
            action: "order.contact.correct",
            subject_kind: "order",
            subject_id: &subject,
            reason: Some(&note),
        },
    )
    .await?;
    // Who received the old data is worked out before it changes.
    let received = notices::received(shop, std::slice::from_ref(&order), false).await?;
    let request_id = open_rectification(shop, channel, order.customer_id).await?;
    let contact = CorrectedContact {
        name: valid.name.expose(),
        email: valid.email.expose(),
        phone: valid.phone.expose(),
        address_line1: valid.address_line1.expose(),
        address_line2: valid.address_line2.expose(),
        city: valid.city.expose(),
        postcode: valid.postcode.expose(),
    };
    if !Orders::correct_contact(shop.db(), id, &contact, order.status, now).await? {
        PrivacyRequests::close(shop.db(), request_id, "refused", "the order changed while it was corrected", now)
            .await?;
        return Err(ShopError::conflict("order_moved", "The order changed meanwhile: open it again and retry."));
    }
    let notified = notices::notify(shop, request_id, &received).await?;
    let names = notices::names(&notified);
    let mut outcome = format!("order {} contact corrected ({})", order.number, changed.join(", "));
    if !names.is_empty() {
        outcome.push_str(&format!("; recipients notified: {}", names.join(", ")));
    }
    PrivacyRequests::close(shop.db(), request_id, "completed", &outcome, now).await?;
    tracing::info!(order = %id, request = %request_id, fields = changed.len(), "order contact corrected");
    let order = Orders::by_id(shop.db(), id).await?.ok_or(ShopError::Internal)?;
    Ok(Corrected { order, changed, notified, request_id })
}

/// The rectification request a correction is recorded under, without the data (the order
/// holds it; the record must not outlive its erasure with a copy).
async fn open_rectification(shop: &Shop, channel: Channel, customer: Option<Uuid>) -> Result<Uuid, ShopError> {
    let now = shop.clock().now();
    let rights = &shop.policy().policy.rights;
    let request = NewPrivacyRequest {
        status: "open",
        code: None,
        kind: RequestKind::Rectification.as_str(),
        channel: channel.as_str(),
        customer_id: customer,
        contact: "",
        received_at: now,
        due_at: deadline(now, rights.answer_within_days, false, 0),
        target_at: target(now, rights.target_business_days),
    };
    Ok(PrivacyRequests::create(shop.db(), &request, now).await?)
}

/// Staff correct an account's email (the address it is reached at and signs in with), with a
/// reason: audited first, checked as at registration, refused when another account uses it,
/// and the recipients of the account's mail told (Art. 19) as the holder's own correction does.
pub async fn correct_account_email(
    shop: &Shop,
    customer: Uuid,
    email: &str,
    reason: &str,
    who: &Corrector<'_>,
) -> Result<(), ShopError> {
    let reason = crate::orders::moves::valid_reason(reason)
        .ok_or_else(|| ShopError::invalid("reason_required", "Give a reason of 1 to 200 characters."))?;
    let email =
        Email::parse(email).map_err(|_| ShopError::invalid("invalid_email", "This is not an email address."))?;
    let account = luxevault_storage::Accounts::by_id(shop.db(), customer)
        .await?
        .ok_or_else(|| ShopError::not_found("No such account."))?;
    if account.email.expose() == email.expose() {
        return Err(ShopError::invalid("unchanged", "This is already the account's email."));
    }
    let actor = who.actor;
    let subject = customer.to_string();
    let note = format!("{reason} (fields: email)");
    record_or_refuse(
        shop.db(),
        shop.clock().now(),
        AuditEvent {
            actor,
            client: who.client,
            action: "customer.contact.correct",
            subject_kind: "customer",
            subject_id: &subject,
            reason: Some(&note),
        },
    )
    .await?;
    let updated = luxevault_storage::Accounts::update_details(
        shop.db(),
        customer,
        account.username.expose(),
        &email,
        &account.lang,
    )
    .await?;
    match updated {
        luxevault_storage::CreateAccount::Created(_) => {}
        luxevault_storage::CreateAccount::UsernameTaken => return Err(ShopError::Internal),
        luxevault_storage::CreateAccount::EmailTaken => {
            return Err(ShopError::conflict("account_exists", "Another account already uses this email."));
        }
    }
    crate::privacy::notices::account_rectified(shop, customer).await?;
    tracing::info!(customer = %customer, "account email corrected by staff");
    Ok(())
}
