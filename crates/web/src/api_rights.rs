//! The rights of a signed-in customer over their data (P16, M10), each after a fresh proof of
//! identity (the password again, throttled like a sign-in): a copy of everything held on them in
//! a machine-readable document with the Art. 15 information, and erasure — deleting what may be
//! deleted, anonymising what the law makes the house keep, and saying what was kept and why.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use luxevault_core::order::{Actor, OrderStatus};
use luxevault_core::requests::RequestKind;
use luxevault_core::{Lang, Pii, Timestamp};
use luxevault_storage::{Accounts, Consents, Orders, PrivacyRequests};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api_orders::order_view;
use crate::customer::SignedIn;
use crate::error::{ApiError, ApiJson};
use crate::shop;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reauthentication {
    /// The account's password, again: rights over personal data need a fresh proof of identity.
    #[schema(value_type = String)]
    pub password: Pii<String>,
}

/// Everything held on the customer, with what the policy says about each part: the access copy
/// the customer downloads, and the one staff hand over for a request made another way.
pub async fn export_document(state: &AppState, customer: Uuid) -> Result<Value, ApiError> {
    let db = state.db();
    let account = Accounts::by_id(db, customer).await?.ok_or_else(|| ApiError::not_found("No such account."))?;
    let (created, active, password_changed) = Accounts::dates(db, customer).await?.unwrap_or_default();
    let mut orders = Vec::new();
    for order in Orders::for_customer(db, customer, i64::MAX).await? {
        orders.push(order_view(state, &order, None).await?);
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
    let person = crate::limits::Person::of_account(state, customer).await?;
    let limits = limits_of(state, &person).await?;
    let policy = &state.policy().policy;
    let published = crate::privacy::published_document(state);
    Ok(json!({
        "format": "luxevault.subject-access.v1",
        "generated_at": state.clock().now().to_rfc3339(),
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
            "consents": consents,
            "sessions": sessions,
            "requests": requests,
            "restrictions_and_objections": limits,
        },
        // GDPR Art. 15(1): purposes, categories, recipients, retention, rights, sources.
        "about_this_data": about(state),
    }))
}

/// A copy of all the data held on the signed-in customer (access and portability): a ZIP archive
/// of the JSON document, CSV files of its tables and a readable page with the Art. 15 information.
#[utoipa::path(post, path = "/api/v1/account/export", request_body = Reauthentication, tag = "rights",
    responses((status = 200, description = "The archive (application/zip), as an attachment"), (status = 401, body = crate::error::ErrorBody),
        (status = 429, body = crate::error::ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    SignedIn(customer): SignedIn,
    ApiJson(request): ApiJson<Reauthentication>,
) -> Result<Response, ApiError> {
    crate::api_account::reauthenticate(&state, customer.id, request.password, "The password is not right.").await?;
    let document = export_document(&state, customer.id).await?;
    let lang = Accounts::by_id(state.db(), customer.id)
        .await?
        .and_then(|row| Lang::parse(&row.lang))
        .unwrap_or_else(|| state.settings().default_lang().clone());
    tracing::info!(customer = %customer.id, "personal data exported at the customer's request");
    archive_response(&state, &document, &lang)
}

/// The archive of a subject-access document as a download (ZIP: data.json, CSV files, index.html).
pub fn archive_response(state: &AppState, document: &Value, lang: &Lang) -> Result<Response, ApiError> {
    let bytes = crate::archive::build(&state.policy().policy, document, lang)?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/zip"));
    headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"my-data.zip\""));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Erases an account: unpaid orders cancelled and anonymised, completed ones anonymised, orders on
/// their way marked to follow once complete (their address is needed to deliver them, M10), then
/// the account with its sessions and consents. Returns how many orders were anonymised and the
/// numbers of those kept for now.
pub async fn erase_account_data(
    state: &AppState,
    customer: uuid::Uuid,
    orders: &[luxevault_storage::OrderRow],
    now: Timestamp,
    actor: Actor,
) -> Result<(usize, Vec<String>), ApiError> {
    let db = state.db();
    let mut anonymised = 0;
    let mut in_progress = Vec::new();
    for order in orders {
        match order.status {
            OrderStatus::AwaitingPayment => {
                shop::order_cancelled(state, order.id, actor.clone(), "account erased before payment").await?;
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
    Accounts::delete(db, customer).await?;
    Ok((anonymised, in_progress))
}

/// The person's restrictions and objections, lifted or not, as their copy shows them.
async fn limits_of(state: &AppState, person: &crate::limits::Person) -> Result<Vec<Value>, ApiError> {
    let rows = luxevault_storage::Limits::of_person(state.db(), person.customer, person.email_key.as_deref()).await?;
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
    json!({
        "id": r.id, "kind": r.kind, "channel": r.channel, "status": r.status,
        "received_at": r.received_at.to_rfc3339(), "due_at": r.due_at.to_rfc3339(),
        "completed_at": r.completed_at.map(|t| t.to_rfc3339()), "outcome": r.outcome,
    })
}

/// Erases the signed-in customer: the account, its sessions and consents are deleted; orders
/// are anonymised (amounts, items and country stay for accounting law), except orders still on
/// their way, whose delivery details stay until delivered. The answer says what was kept and why.
#[utoipa::path(post, path = "/api/v1/account/erase", request_body = Reauthentication, tag = "rights",
    responses((status = 200, description = "What was erased and what was kept, and why"), (status = 401, body = crate::error::ErrorBody),
        (status = 429, body = crate::error::ErrorBody)))]
pub async fn erase(
    State(state): State<AppState>,
    SignedIn(customer): SignedIn,
    ApiJson(request): ApiJson<Reauthentication>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    crate::api_account::reauthenticate(&state, customer.id, request.password, "The password is not right.").await?;
    let outcome = erase_account(&state, customer.id, Actor::Customer).await?;
    Ok((StatusCode::OK, Json(outcome)))
}

/// Erases a customer's account — the one engine for the customer's own erasure and for staff
/// acting on a request: the account, its sessions and consents are deleted; orders are
/// anonymised, except orders still on their way, kept until delivered. Returns what was erased
/// and what was kept, and why, in the customer's language.
pub async fn erase_account(state: &AppState, customer: Uuid, actor: Actor) -> Result<Value, ApiError> {
    let lang = Accounts::by_id(state.db(), customer)
        .await?
        .and_then(|row| Lang::parse(&row.lang))
        .unwrap_or_else(|| state.settings().default_lang().clone());
    let now = state.clock().now();
    let db = state.db();
    let orders = Orders::for_customer(db, customer, i64::MAX).await?;
    // The request is recorded (without the address, which goes with the account) so that the
    // notices to the recipients that received the data (Art. 19) have a reference.
    let request = crate::notices::record_request(state, RequestKind::Erasure, customer, "").await?;
    let received = crate::notices::received(state, &orders, true).await?;
    let notified = crate::notices::notify(state, request, &received).await?;
    let (anonymised, in_progress) = erase_account_data(state, customer, &orders, now, actor.clone()).await?;
    PrivacyRequests::close(db, request, "completed", &erasure_outcome(&notified), now).await?;
    tracing::info!(customer = %customer, anonymised, kept = in_progress.len(), by = %actor.as_string(), "account erased");
    let kept = kept_explained(state, &lang, &in_progress);
    Ok(json!({
        "erased": erased_list(state, &lang, &["rights.erased.account", "rights.erased.sessions", "rights.erased.consents", "rights.erased.orders"]),
        "kept": kept,
        "notified": notified,
        "request_id": request,
    }))
}

fn about(state: &AppState) -> Value {
    let policy = &state.policy().policy;
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
    state: &AppState,
    email: &str,
    request: &luxevault_storage::PrivacyRequestRow,
) -> Result<Value, ApiError> {
    let mut orders = Vec::new();
    for order in Orders::for_email(state.db(), &email.to_lowercase(), i64::MAX).await? {
        orders.push(order_view(state, &order, None).await?);
    }
    let limits = match luxevault_core::Email::parse(email) {
        Ok(address) => limits_of(state, &crate::limits::Person::of_email(state, &address).await?).await?,
        Err(_) => Vec::new(),
    };
    let published = crate::privacy::published_document(state);
    Ok(json!({
        "format": "luxevault.subject-access.v1",
        "generated_at": state.clock().now().to_rfc3339(),
        "controller": published["controller"],
        "policy_version": state.policy().policy.version,
        "data": {"email": email, "orders": orders, "requests": [request_row(request)], "restrictions_and_objections": limits},
        "about_this_data": about(state),
    }))
}

/// Erasure for a person proven to hold an email address: their completed orders anonymised,
/// unpaid ones cancelled and anonymised, orders on their way marked to follow once complete.
pub async fn erase_by_email(
    state: &AppState,
    request: uuid::Uuid,
    email: &str,
    lang: &Lang,
    now: Timestamp,
) -> Result<Value, ApiError> {
    let orders = Orders::for_email(state.db(), &email.to_lowercase(), i64::MAX).await?;
    let held_any = !orders.is_empty();
    let received = crate::notices::received(state, &orders, false).await?;
    let notified = crate::notices::notify(state, request, &received).await?;
    let in_progress = erase_orders_of_email(state, email, now).await?;
    if !held_any {
        return Ok(json!({"erased": [], "kept": [], "notified": notified}));
    }
    Ok(json!({
        "erased": erased_list(state, lang, &["rights.erased.orders"]),
        "kept": kept_explained(state, lang, &in_progress),
        "notified": notified,
    }))
}

/// The orders placed with an address: unpaid ones cancelled and anonymised, completed ones
/// anonymised, those on their way marked to follow once complete (their numbers returned).
pub async fn erase_orders_of_email(state: &AppState, email: &str, now: Timestamp) -> Result<Vec<String>, ApiError> {
    let db = state.db();
    let mut in_progress = Vec::new();
    for order in Orders::for_email(db, &email.to_lowercase(), i64::MAX).await? {
        match order.status {
            OrderStatus::AwaitingPayment => {
                shop::order_cancelled(state, order.id, Actor::Customer, "erasure requested before payment").await?;
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
pub fn kept_explained(state: &AppState, lang: &Lang, in_progress: &[String]) -> Vec<Value> {
    let t = state.translations();
    let years = state.policy().policy.retention_rule("orders").map(|r| r.keep_days / 365).unwrap_or(7).to_string();
    let mut kept = vec![json!({
        "what": t.text(lang, "rights.kept.orders.what", &[]),
        "why": t.text(lang, "rights.kept.orders.why", &[("years", &years)]),
    })];
    if !in_progress.is_empty() {
        kept.push(json!({
            "what": t.text(lang, "rights.kept.in_progress.what", &[("orders", &in_progress.join(", "))]),
            "why": t.text(lang, "rights.kept.in_progress.why", &[]),
        }));
    }
    kept
}

/// The request's record of an erasure: what was done and which recipients were told.
pub fn erasure_outcome(notified: &[Value]) -> String {
    let names: Vec<&str> = notified.iter().filter_map(|n| n["recipient"].as_str()).collect();
    if names.is_empty() {
        "account erased; orders anonymised, orders on their way when complete".to_string()
    } else {
        format!(
            "account erased; orders anonymised, orders on their way when complete; recipients notified: {}",
            names.join(", ")
        )
    }
}

fn erased_list(state: &AppState, lang: &Lang, keys: &[&str]) -> Vec<String> {
    keys.iter().map(|key| state.translations().text(lang, key, &[])).collect()
}
