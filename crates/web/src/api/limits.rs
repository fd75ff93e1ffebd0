//! Restriction (Art. 18) and objection (Art. 21) over the JSON API. A restriction is granted
//! when an account holder asks for it from the privacy centre (`POST /api/v1/account/requests`
//! with kind `restriction`), when a guest proves their address for one, or when staff complete
//! a logged restriction request; each time the recipients of the person's data are told
//! (Art. 19). The person may end their own restriction at once; staff lift one only after telling
//! the person, with the date (Art. 18(3)). Objections are recorded per purpose.

use axum::Json;
use axum::extract::State;
use luxevault_core::Timestamp;
use luxevault_shop::privacy::limits::{self, Person, RESTRICTION};
use luxevault_storage::Limits;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::{ApiError, ApiJson, ApiPath};
use crate::extract::{Operator, SignedIn};
use crate::state::AppState;

fn limit_view(limit: &luxevault_storage::LimitRow) -> Value {
    json!({
        "id": limit.id, "kind": limit.kind, "purpose": if limit.purpose.is_empty() { None } else { Some(&limit.purpose) },
        "since": Timestamp(limit.started_at).to_rfc3339(),
        "lifts_at": limit.lifted_at.map(|t| Timestamp(t).to_rfc3339()),
    })
}

async fn processing_view(state: &AppState, person: &Person) -> Result<Value, ApiError> {
    let processing = limits::processing(state, person).await?;
    let restriction = processing.restriction.as_ref().map(limit_view);
    let objections: serde_json::Map<String, Value> = processing
        .objections
        .into_iter()
        .map(|(purpose, objected)| (purpose.to_string(), Value::Bool(objected)))
        .collect();
    Ok(json!({"restricted": restriction.is_some(), "restriction": restriction, "objections": objections}))
}

/// Whether the account's data is restricted, and the purposes it objects to.
#[utoipa::path(get, path = "/api/v1/account/processing", tag = "rights", security(("session_token" = [])),
    responses((status = 200, description = "{restricted, restriction, objections: {purpose: bool}}"), (status = 401, body = crate::error::ErrorBody)))]
pub async fn processing(State(state): State<AppState>, SignedIn(customer): SignedIn) -> Result<Json<Value>, ApiError> {
    let person = Person::of_account(&state, customer.id).await?;
    Ok(Json(processing_view(&state, &person).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectionChange {
    /// website_analytics, fraud_prevention or marketing.
    pub purpose: String,
    /// true to object, false to withdraw the objection.
    pub objected: bool,
}

/// Objects to a purpose resting on legitimate interests (or to marketing), or withdraws the
/// objection. Website analytics and marketing stop at once; an objection to fraud prevention is
/// recorded and opened as a request that staff weigh and answer within the deadline.
#[utoipa::path(post, path = "/api/v1/account/objections", tag = "rights", security(("session_token" = [])), request_body = ObjectionChange,
    responses((status = 200, description = "The account's restriction and objections, and the request opened if any"),
        (status = 401, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn object(
    State(state): State<AppState>,
    SignedIn(customer): SignedIn,
    ApiJson(change): ApiJson<ObjectionChange>,
) -> Result<Json<Value>, ApiError> {
    let request = limits::object_for_account(&state, customer.id, &change.purpose, change.objected).await?;
    let person = Person::of_account(&state, customer.id).await?;
    let mut view = processing_view(&state, &person).await?;
    if let (Some(id), Some(map)) = (request, view.as_object_mut()) {
        map.insert("request_id".into(), json!(id));
    }
    Ok(Json(view))
}

/// Ends the account's own restriction at once: the person who asked for it asks to end it.
#[utoipa::path(post, path = "/api/v1/account/restriction/lift", tag = "rights", security(("session_token" = [])),
    responses((status = 200, description = "The account's restriction and objections"), (status = 401, body = crate::error::ErrorBody)))]
pub async fn lift_mine(State(state): State<AppState>, SignedIn(customer): SignedIn) -> Result<Json<Value>, ApiError> {
    let person = Person::of_account(&state, customer.id).await?;
    limits::withdraw(&state, &person, RESTRICTION, "").await?;
    Ok(Json(processing_view(&state, &person).await?))
}

/// Every restriction in force, for staff.
#[utoipa::path(get, path = "/api/v1/admin/restrictions", tag = "staff", security(("admin_token" = [])),
    responses((status = 200, description = "{restrictions: [...]}"), (status = 401, body = crate::error::ErrorBody)))]
pub async fn restrictions(State(state): State<AppState>, _: Operator) -> Result<Json<Value>, ApiError> {
    let rows = Limits::active_restrictions(state.db(), state.clock().now()).await?;
    let list: Vec<Value> = rows
        .iter()
        .map(|l| {
            let mut v = limit_view(l);
            if let Some(map) = v.as_object_mut() {
                map.insert("request_id".into(), json!(l.request_id));
                map.insert("customer_id".into(), json!(l.customer_id));
            }
            v
        })
        .collect();
    Ok(Json(json!({"restrictions": list})))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LiftNotice {
    /// Days between the notice to the person and the lifting (1–90; 14 when absent).
    #[serde(default)]
    pub notice_days: Option<i64>,
}

/// Lifts a restriction after telling the person (Art. 18(3)): an email goes now, with the date;
/// the restriction stays in force until then.
#[utoipa::path(post, path = "/api/v1/admin/restrictions/{id}/lift", tag = "staff", security(("admin_token" = [])), params(("id" = Uuid, Path)), request_body = LiftNotice,
    responses((status = 200, description = "The restriction with the day it lifts"), (status = 401, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn lift(
    State(state): State<AppState>,
    _: Operator,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(notice): ApiJson<LiftNotice>,
) -> Result<Json<Value>, ApiError> {
    let limit = limits::lift_after_notice(&state, id, notice.notice_days).await?;
    Ok(Json(limit_view(&limit)))
}
