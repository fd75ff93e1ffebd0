//! The rights of a person over their data (P16, M10), carried out once for every door (the
//! account, the privacy centre, staff completing a logged request): a copy of everything held
//! on them in a machine-readable document with the Art. 15 information, and erasure — deleting
//! what may be deleted, anonymising what the law makes the house keep, and saying what was kept
//! and why. Identity is proven before these are called (a password again, an emailed code, or
//! staff who checked it).
//!
//! The access copy is a document format of its own (`luxevault.subject-access.v1`), written
//! into the archive as `data.json` and read back for its CSV tables: it is JSON by nature, so
//! it is built as a `serde_json::Value`. The erasure's answer is a typed `Erasure`.

use luxevault_core::order::{Actor, OrderStatus};
use luxevault_core::requests::RequestKind;
use luxevault_core::{Lang, Timestamp};
use luxevault_storage::{Accounts, Consents, Holder, Orders, PrivacyRequests, Sizing};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::Shop;
use crate::error::ShopError;
use crate::orders;
use crate::orders::view::order_view;
use crate::privacy::notices::{self, Notified};

/// What an erasure did, as the person is told: what was erased, what was kept and why (M10),
/// which recipients were told (Art. 19).
#[derive(Debug, Clone, Serialize)]
pub struct Erasure {
    pub erased: Vec<String>,
    pub kept: Vec<Kept>,
    pub notified: Vec<Notified>,
    /// The request recorded for the erasure (the account's own erasure records one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<Uuid>,
}

/// Something kept after an erasure, and the reason, in the person's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Kept {
    pub what: String,
    pub why: String,
}

/// Everything held on the customer, with what the policy says about each part: the access copy
/// the customer downloads, and the one staff hand over for a request made another way.
pub async fn export_document(shop: &Shop, customer: Uuid) -> Result<Value, ShopError> {
    let db = shop.db();
    let account = Accounts::by_id(db, customer).await?.ok_or_else(|| ShopError::not_found("No such account."))?;
    let (created, active, password_changed) = Accounts::dates(db, customer).await?.unwrap_or_default();
    let mut orders = Vec::new();
    for order in Orders::for_customer(db, customer, i64::MAX).await? {
        orders.push(order_view(shop, &order, None).await?);
    }
    let consents: Vec<Value> = Consents::of_customer(db, customer)
        .await?
        .into_iter()
        .map(|r| {
            json!({"purpose": r.purpose, "granted": r.granted, "at": Timestamp(r.at).to_rfc3339(),
                   "policy_version": r.policy_version, "source": r.source, "method": r.method})
        })
        .collect();
    let sessions: Vec<Value> = Accounts::sessions_of(db, customer)
        .await?
        .into_iter()
        .map(|s| {
            json!({"created_at": Timestamp(s.created_at).to_rfc3339(), "last_used_at": Timestamp(s.last_seen_at).to_rfc3339(),
                   "expires_at": Timestamp(s.expires_at).to_rfc3339()})
        })
        .collect();
    let requests: Vec<Value> = PrivacyRequests::of_customer(db, customer).await?.iter().map(request_row).collect();
    let (sizing_profile, alterations) =
        sizing_of(shop, &Holder::Customer(customer), &account_orders(shop, customer).await?).await?;
    let appointments = crate::appointments::of_email(shop, account.email.expose()).await?;
    let person = crate::privacy::limits::Person::of_account(shop, customer).await?;
    let limits = limits_of(shop, &person).await?;
    let policy = &shop.policy().policy;
    let published = crate::privacy::policy::published_document(shop);
    Ok(json!({
        "format": "luxevault.subject-access.v1",
        "generated_at": shop.clock().now().to_rfc3339(),
        "controller": published["controller"],
        "policy_version": policy.version,
        "data": {
            "account": {
                "username": account.username.expose(),
                "email": account.email.expose(),
                "language": account.lang,
                "created_at": Timestamp(created).to_rfc3339(),
                "last_active_at": Timestamp(active).to_rfc3339(),
                "password_changed_at": Timestamp(password_changed).to_rfc3339(),
                "password": "kept only as a one-way Argon2id hash, which is not disclosed",
            },
            "orders": orders,
            "appointments": appointments,
            "consents": consents,
            "sessions": sessions,
            "requests": requests,
            "restrictions_and_objections": limits,
            "sizing_profile": sizing_profile,
            "alterations": alterations,
        },
        // GDPR Art. 15(1): purposes, categories, recipients, retention, rights, sources.
        "about_this_data": about(shop),
    }))
}

/// Erases an account: unpaid orders cancelled and anonymised, completed ones anonymised, orders on
/// their way marked to follow once complete (their address is needed to deliver them, M10), then
/// the account with its sessions and consents. Returns how many orders were anonymised and the
/// numbers of those kept for now.
pub async fn erase_account_data(
    shop: &Shop,
    customer: uuid::Uuid,
    orders: &[luxevault_storage::OrderRow],
    now: Timestamp,
    actor: Actor,
) -> Result<(usize, Vec<String>), ShopError> {
    let db = shop.db();
    let mut anonymised = 0;
    let mut in_progress = Vec::new();
    for order in orders {
        match order.status {
            OrderStatus::AwaitingPayment => {
                orders::order_cancelled(
                    shop,
                    order.id,
                    actor.clone(),
                    "account erased before payment",
                    orders::HeldMoney::Release,
                )
                .await?;
                Orders::anonymise(db, order.id, now).await?;
                anonymised += 1;
            }
            // Paid and on its way: the address is needed to deliver it (M10).
            OrderStatus::Authorised | OrderStatus::Confirmed => {
                Orders::request_erasure(db, order.id, now).await?;
                in_progress.push(order.number.clone());
            }
            OrderStatus::Fulfilled | OrderStatus::Cancelled | OrderStatus::Refunded => {
                Orders::anonymise(db, order.id, now).await?;
                anonymised += 1;
            }
        }
    }
    // The consent proofs stay, naming no one once the account is gone, for the policy's year
    // after this withdrawal (P16: erased, yet the house can show its mail was consented).
    luxevault_storage::Consents::withdraw_all(db, customer, &shop.policy().policy.version, "erasure", now).await?;
    Accounts::delete(db, customer).await?;
    Ok((anonymised, in_progress))
}

async fn account_orders(shop: &Shop, customer: Uuid) -> Result<Vec<luxevault_storage::OrderRow>, ShopError> {
    Ok(Orders::for_customer(shop.db(), customer, i64::MAX).await?)
}

/// The person's sizing profile (fitting and sizing, M2) and the alterations of their orders,
/// as their copy shows them.
async fn sizing_of(
    shop: &Shop,
    holder: &Holder,
    orders: &[luxevault_storage::OrderRow],
) -> Result<(Value, Vec<Value>), ShopError> {
    let profile =
        Sizing::of(shop.db(), holder).await?.map(|row| crate::sizing::profile_json(&row)).unwrap_or(Value::Null);
    Ok((profile, crate::sizing::alterations_of_orders(shop, orders).await?))
}

/// The person's restrictions and objections, lifted or not, as their copy shows them.
async fn limits_of(shop: &Shop, person: &crate::privacy::limits::Person) -> Result<Vec<Value>, ShopError> {
    let rows = luxevault_storage::Limits::of_person(shop.db(), person.customer, person.email_key.as_deref()).await?;
    Ok(rows
        .iter()
        .map(|l| {
            json!({
                "kind": l.kind, "purpose": if l.purpose.is_empty() { None } else { Some(&l.purpose) },
                "since": Timestamp(l.started_at).to_rfc3339(), "until": l.lifted_at.map(|t| Timestamp(t).to_rfc3339()),
            })
        })
        .collect())
}

/// A request as the person's copy shows it.
fn request_row(r: &luxevault_storage::PrivacyRequestRow) -> Value {
    let mut row = json!({
        "id": r.id, "kind": r.kind, "channel": r.channel, "status": r.status,
        "received_at": r.received_at.to_rfc3339(), "due_at": r.due_at.to_rfc3339(),
        "completed_at": r.completed_at.map(|t| t.to_rfc3339()), "outcome": r.outcome,
    });
    // How the person was proven, when staff did it (a call-back): the method and when.
    if let (Some(method), Some(map)) = (&r.verification_method, row.as_object_mut()) {
        map.insert("verification".into(), json!(method));
        map.insert("verified_at".into(), json!(r.verified_at.map(|t| t.to_rfc3339())));
    }
    row
}

/// Erases a customer's account — the one engine for the customer's own erasure and for staff
/// acting on a request: the account, its sessions and consents are deleted; orders are
/// anonymised, except orders still on their way, kept until delivered. Returns what was erased
/// and what was kept, and why, in the customer's language.
pub async fn erase_account(shop: &Shop, customer: Uuid, actor: Actor) -> Result<Erasure, ShopError> {
    let lang = Accounts::by_id(shop.db(), customer)
        .await?
        .and_then(|row| Lang::parse(&row.lang))
        .unwrap_or_else(|| shop.settings().default_lang().clone());
    let now = shop.clock().now();
    let db = shop.db();
    let orders = Orders::for_customer(db, customer, i64::MAX).await?;
    let had_consents = !luxevault_storage::Consents::of_customer(db, customer).await?.is_empty();
    let mut addresses: Vec<String> = orders.iter().map(|o| o.email.expose().to_string()).collect();
    if let Some(account) = Accounts::by_id(db, customer).await? {
        addresses.push(account.email.expose().to_string());
    }
    // The request is recorded (without the address, which goes with the account) so that the
    // notices to the recipients that received the data (Art. 19) have a reference.
    let request = notices::record_request(shop, RequestKind::Erasure, customer, "").await?;
    let received = notices::received(shop, &orders, true).await?;
    let notified = notices::notify(shop, request, &received).await?;
    // The sizing profile goes with the account (and one kept under its address as a guest).
    let mut had_sizing = Sizing::delete(db, &Holder::Customer(customer)).await?;
    for address in &addresses {
        had_sizing |= Sizing::delete(db, &Holder::Guest(luxevault_core::pii::email_key(address))).await?;
    }
    let (anonymised, in_progress) = erase_account_data(shop, customer, &orders, now, actor.clone()).await?;
    let mut appointments = 0;
    for address in &addresses {
        appointments += crate::appointments::erase_for_email(shop, address).await?;
    }
    let mut named: Vec<Uuid> = vec![customer];
    named.extend(orders.iter().filter(|o| !in_progress.contains(&o.number)).map(|o| o.id));
    crate::privacy::copies::erase(shop, &named, &addresses).await?;
    // Notes about the account itself stay: the erasure's own entry says why it was erased.
    // Staff's notes are not needed to deliver: those of the orders on their way go too.
    let order_ids: Vec<Uuid> = orders.iter().map(|o| o.id).collect();
    crate::privacy::copies::erase_staff_notes(shop, "order", &order_ids).await?;
    PrivacyRequests::close(db, request, "completed", &erasure_outcome(&notified), now).await?;
    crate::privacy::copies::scrub(shop).await?;
    tracing::info!(customer = %customer, anonymised, kept = in_progress.len(), by = %actor.as_string(), "account erased");
    let mut erased_keys = vec!["rights.erased.account", "rights.erased.sessions", "rights.erased.orders"];
    if appointments > 0 {
        erased_keys.push("rights.erased.appointments");
    }
    erased_keys.push("rights.erased.mail");
    let mut kept = kept_explained(shop, &lang, &in_progress);
    if had_consents {
        let days = shop.policy().policy.retention_rule("marketing_consent").map_or(365, |r| r.keep_days).to_string();
        let t = shop.translations();
        kept.push(Kept {
            what: t.text(&lang, "rights.kept.consents.what", &[]),
            why: t.text(&lang, "rights.kept.consents.why", &[("days", &days)]),
        });
    }
    if had_sizing {
        erased_keys.push("rights.erased.sizing");
    }
    Ok(Erasure { erased: erased_list(shop, &lang, &erased_keys), kept, notified, request_id: Some(request) })
}

fn about(shop: &Shop) -> Value {
    let policy = &shop.policy().policy;
    json!({
        "categories": policy.categories,
        "purposes": policy.purposes,
        "recipients": policy.recipients,
        "retention": policy.retention,
        "rights": policy.rights,
        "complaint": policy.rights.complaint,
    })
}

/// The copy for a person proven to hold an email address but without an account: the orders
/// placed with it, with the Art. 15 information.
pub async fn document_for_email(
    shop: &Shop,
    email: &str,
    request: &luxevault_storage::PrivacyRequestRow,
) -> Result<Value, ShopError> {
    let mut orders = Vec::new();
    let placed = Orders::for_email(shop.db(), &luxevault_core::pii::email_key(email), i64::MAX).await?;
    for order in &placed {
        orders.push(order_view(shop, order, None).await?);
    }
    let (sizing_profile, alterations) =
        sizing_of(shop, &Holder::Guest(luxevault_core::pii::email_key(email)), &placed).await?;
    let limits = match luxevault_core::Email::parse(email) {
        Ok(address) => limits_of(shop, &crate::privacy::limits::Person::of_email(shop, &address).await?).await?,
        Err(_) => Vec::new(),
    };
    let appointments = crate::appointments::of_email(shop, email).await?;
    let published = crate::privacy::policy::published_document(shop);
    Ok(json!({
        "format": "luxevault.subject-access.v1",
        "generated_at": shop.clock().now().to_rfc3339(),
        "controller": published["controller"],
        "policy_version": shop.policy().policy.version,
        "data": {"email": email, "orders": orders, "appointments": appointments, "requests": [request_row(request)], "restrictions_and_objections": limits,
                 "sizing_profile": sizing_profile, "alterations": alterations},
        "about_this_data": about(shop),
    }))
}

/// The copy for a person proven (by staff's call-back) to hold a phone number: the orders placed
/// with it, with the Art. 15 information. `phone_key` is `core::checkout::phone_key`'s.
pub async fn document_for_phone(
    shop: &Shop,
    phone_key: &str,
    request: &luxevault_storage::PrivacyRequestRow,
) -> Result<Value, ShopError> {
    let mut orders = Vec::new();
    let placed = Orders::for_phone(shop.db(), phone_key, i64::MAX).await?;
    for order in &placed {
        orders.push(order_view(shop, order, None).await?);
    }
    // The alterations of those orders (fitting and sizing, M2); a sizing profile is kept by
    // account or email, never by phone.
    let alterations = crate::sizing::alterations_of_orders(shop, &placed).await?;
    let published = crate::privacy::policy::published_document(shop);
    Ok(json!({
        "format": "luxevault.subject-access.v1",
        "generated_at": shop.clock().now().to_rfc3339(),
        "controller": published["controller"],
        "policy_version": shop.policy().policy.version,
        "data": {"phone": request.contact.expose(), "orders": orders, "requests": [request_row(request)],
                 "alterations": alterations},
        "about_this_data": about(shop),
    }))
}

/// Erasure for a person proven (by staff's call-back) to hold a phone number: the orders placed
/// with it treated as an email's are — unpaid ones cancelled, completed ones anonymised, those on
/// their way kept until complete — their mail copies and staff notes erased, the recipients told.
/// Returns the recipients told and the numbers of the orders kept until complete.
pub async fn erase_by_phone(
    shop: &Shop,
    request: Uuid,
    phone_key: &str,
    now: Timestamp,
) -> Result<(Vec<Notified>, Vec<String>), ShopError> {
    let orders = Orders::for_phone(shop.db(), phone_key, i64::MAX).await?;
    let received = notices::received(shop, &orders, false).await?;
    let notified = notices::notify(shop, request, &received).await?;
    let addresses: Vec<String> =
        orders.iter().map(|o| o.email.expose().to_lowercase()).filter(|e| !e.is_empty()).collect();
    let in_progress = erase_orders(shop, &orders, now).await?;
    let named: Vec<Uuid> = orders.iter().filter(|o| !in_progress.contains(&o.number)).map(|o| o.id).collect();
    crate::privacy::copies::erase(shop, &named, &addresses).await?;
    let order_ids: Vec<Uuid> = orders.iter().map(|o| o.id).collect();
    crate::privacy::copies::erase_staff_notes(shop, "order", &order_ids).await?;
    Ok((notified, in_progress))
}

/// Erasure for a person proven to hold an email address: their completed orders anonymised,
/// unpaid ones cancelled and anonymised, orders on their way marked to follow once complete.
pub async fn erase_by_email(
    shop: &Shop,
    request: uuid::Uuid,
    email: &str,
    lang: &Lang,
    now: Timestamp,
) -> Result<Erasure, ShopError> {
    let orders = Orders::for_email(shop.db(), &luxevault_core::pii::email_key(email), i64::MAX).await?;
    let had_sizing = Sizing::delete(shop.db(), &Holder::Guest(luxevault_core::pii::email_key(email))).await?;
    let appointments = crate::appointments::erase_for_email(shop, email).await?;
    let held_any = !orders.is_empty() || appointments > 0 || had_sizing;
    let received = notices::received(shop, &orders, false).await?;
    let notified = notices::notify(shop, request, &received).await?;
    let in_progress = erase_orders_of_email(shop, email, now).await?;
    let named: Vec<Uuid> = orders.iter().filter(|o| !in_progress.contains(&o.number)).map(|o| o.id).collect();
    crate::privacy::copies::erase(shop, &named, &[email.to_string()]).await?;
    let order_ids: Vec<Uuid> = orders.iter().map(|o| o.id).collect();
    crate::privacy::copies::erase_staff_notes(shop, "order", &order_ids).await?;
    if !held_any {
        return Ok(Erasure { erased: Vec::new(), kept: Vec::new(), notified, request_id: None });
    }
    let mut erased_keys = vec!["rights.erased.orders"];
    if appointments > 0 {
        erased_keys.push("rights.erased.appointments");
    }
    erased_keys.push("rights.erased.mail");
    if had_sizing {
        erased_keys.push("rights.erased.sizing");
    }
    Ok(Erasure {
        erased: erased_list(shop, lang, &erased_keys),
        kept: kept_explained(shop, lang, &in_progress),
        notified,
        request_id: None,
    })
}

/// The orders placed with an address: unpaid ones cancelled and anonymised, completed ones
/// anonymised, those on their way marked to follow once complete (their numbers returned).
pub async fn erase_orders_of_email(shop: &Shop, email: &str, now: Timestamp) -> Result<Vec<String>, ShopError> {
    let orders = Orders::for_email(shop.db(), &luxevault_core::pii::email_key(email), i64::MAX).await?;
    erase_orders(shop, &orders, now).await
}

/// These orders erased as a person's: unpaid ones cancelled and anonymised, completed ones
/// anonymised, those on their way marked to follow once complete (their numbers returned).
pub async fn erase_orders(
    shop: &Shop,
    list: &[luxevault_storage::OrderRow],
    now: Timestamp,
) -> Result<Vec<String>, ShopError> {
    let db = shop.db();
    let mut in_progress = Vec::new();
    for order in list {
        match order.status {
            OrderStatus::AwaitingPayment => {
                orders::order_cancelled(
                    shop,
                    order.id,
                    Actor::Customer,
                    "erasure requested before payment",
                    orders::HeldMoney::Release,
                )
                .await?;
                Orders::anonymise(db, order.id, now).await?;
            }
            OrderStatus::Authorised | OrderStatus::Confirmed => {
                Orders::request_erasure(db, order.id, now).await?;
                in_progress.push(order.number.clone());
            }
            _ => Orders::anonymise(db, order.id, now).await?,
        }
    }
    Ok(in_progress)
}

/// What was kept and why (M10), in the person's language; the years come from the policy.
pub fn kept_explained(shop: &Shop, lang: &Lang, in_progress: &[String]) -> Vec<Kept> {
    let t = shop.translations();
    let years = shop.policy().policy.retention_rule("orders").map(|r| r.keep_days / 365).unwrap_or(7).to_string();
    let mut kept = vec![Kept {
        what: t.text(lang, "rights.kept.orders.what", &[]),
        why: t.text(lang, "rights.kept.orders.why", &[("years", &years)]),
    }];
    if !in_progress.is_empty() {
        kept.push(Kept {
            what: t.text(lang, "rights.kept.in_progress.what", &[("orders", &in_progress.join(", "))]),
            why: t.text(lang, "rights.kept.in_progress.why", &[]),
        });
    }
    kept
}

/// The request's record of an erasure: what was done and which recipients were told.
pub fn erasure_outcome(notified: &[Notified]) -> String {
    let names = notices::names(notified);
    if names.is_empty() {
        "account erased; orders anonymised, orders on their way when complete".to_string()
    } else {
        format!(
            "account erased; orders anonymised, orders on their way when complete; recipients notified: {}",
            names.join(", ")
        )
    }
}

fn erased_list(shop: &Shop, lang: &Lang, keys: &[&str]) -> Vec<String> {
    keys.iter().map(|key| shop.translations().text(lang, key, &[])).collect()
}

/// The language the account chose, or the shop's default.
pub async fn account_lang(shop: &Shop, customer: Uuid) -> Result<Lang, ShopError> {
    Ok(Accounts::by_id(shop.db(), customer)
        .await?
        .and_then(|row| Lang::parse(&row.lang))
        .unwrap_or_else(|| shop.settings().default_lang().clone()))
}

/// The customer's copy as the archive they download (ZIP: `data.json`, CSV files, `index.html`),
/// in their language (access and portability, Art. 15 and 20).
pub async fn account_archive(shop: &Shop, customer: Uuid) -> Result<Vec<u8>, ShopError> {
    let document = export_document(shop, customer).await?;
    let lang = account_lang(shop, customer).await?;
    tracing::info!(customer = %customer, "personal data exported at the customer's request");
    crate::privacy::archive::build(&shop.policy().policy, &document, &lang)
}
