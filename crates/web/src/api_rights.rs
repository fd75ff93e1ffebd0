//! The rights of a signed-in customer over their data (P16, M10), each after a fresh proof of
//! identity (the password again, throttled like a sign-in): a copy of everything held on them in
//! a machine-readable document with the Art. 15 information, and erasure — deleting what may be
//! deleted, anonymising what the law makes the house keep, and saying what was kept and why.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use luxevault_core::order::{Actor, OrderStatus};
use luxevault_core::{Lang, Pii, Timestamp};
use luxevault_storage::{Accounts, Consents, Orders};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api_orders::order_view;
use crate::auth;
use crate::customer::{Customer, SignedIn};
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

async fn reauthenticate(state: &AppState, customer: &Customer, password: Pii<String>) -> Result<(), ApiError> {
    let now = state.clock().now();
    let row = Accounts::by_id(state.db(), customer.id).await?.ok_or_else(|| ApiError::not_found("No such account."))?;
    let key = auth::throttle_key(state.order_link_key(), "login:account", &row.email.expose().to_lowercase());
    if !auth::attempt(state.db(), &key, auth::ACCOUNT_ATTEMPTS_ALLOWED, now).await? {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "Too many attempts. Please wait a few minutes.",
        ));
    }
    if !auth::verify_password(password.into_inner(), Some(row.password_hash)).await? {
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "invalid_credentials", "The password is not right."));
    }
    // A right password starts the count again, as a sign-in does.
    Accounts::clear_throttle(state.db(), &key).await?;
    Ok(())
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
        },
        // GDPR Art. 15(1): purposes, categories, recipients, retention, rights, sources.
        "about_this_data": about(state),
    }))
}

/// A copy of all the data held on the signed-in customer (access and portability), as one JSON
/// document with the Art. 15 information, downloaded as a file.
#[utoipa::path(post, path = "/api/v1/account/export", request_body = Reauthentication, tag = "rights",
    responses((status = 200, description = "The document, as an attachment"), (status = 401, body = crate::error::ErrorBody),
        (status = 429, body = crate::error::ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    SignedIn(customer): SignedIn,
    ApiJson(request): ApiJson<Reauthentication>,
) -> Result<Response, ApiError> {
    reauthenticate(&state, &customer, request.password).await?;
    let document = export_document(&state, customer.id).await?;
    tracing::info!(customer = %customer.id, "personal data exported at the customer's request");
    let mut response = Json(document).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"my-data.json\""));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
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
    reauthenticate(&state, &customer, request.password).await?;
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
    let mut anonymised = 0;
    let mut in_progress = Vec::new();
    for order in &orders {
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
    tracing::info!(customer = %customer, anonymised, kept = in_progress.len(), by = %actor.as_string(), "account erased");
    let kept = kept_explained(state, &lang, &in_progress);
    Ok(json!({
        "erased": erased_list(state, &lang, &["rights.erased.account", "rights.erased.sessions", "rights.erased.consents", "rights.erased.orders"]),
        "kept": kept,
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
pub async fn document_for_email(state: &AppState, email: &str) -> Result<Value, ApiError> {
    let mut orders = Vec::new();
    for order in Orders::for_email(state.db(), &email.to_lowercase(), i64::MAX).await? {
        orders.push(order_view(state, &order, None).await?);
    }
    let published = crate::privacy::published_document(state);
    Ok(json!({
        "format": "luxevault.subject-access.v1",
        "generated_at": state.clock().now().to_rfc3339(),
        "controller": published["controller"],
        "policy_version": state.policy().policy.version,
        "data": {"email": email, "orders": orders},
        "about_this_data": about(state),
    }))
}

/// Erasure for a person proven to hold an email address: their completed orders anonymised,
/// unpaid ones cancelled and anonymised, orders on their way marked to follow once complete.
pub async fn erase_by_email(state: &AppState, email: &str, lang: &Lang, now: Timestamp) -> Result<Value, ApiError> {
    let db = state.db();
    let mut in_progress = Vec::new();
    let orders = Orders::for_email(db, &email.to_lowercase(), i64::MAX).await?;
    let held_any = !orders.is_empty();
    for order in orders {
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
    if !held_any {
        return Ok(json!({"erased": [], "kept": []}));
    }
    Ok(
        json!({"erased": erased_list(state, lang, &["rights.erased.orders"]), "kept": kept_explained(state, lang, &in_progress)}),
    )
}

/// What was kept and why (M10), in the person's language; the years come from the policy.
fn kept_explained(state: &AppState, lang: &Lang, in_progress: &[String]) -> Vec<Value> {
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

fn erased_list(state: &AppState, lang: &Lang, keys: &[&str]) -> Vec<String> {
    keys.iter().map(|key| state.translations().text(lang, key, &[])).collect()
}
