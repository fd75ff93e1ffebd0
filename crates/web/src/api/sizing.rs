//! A customer's sizing profile over the admin API (fitting and sizing data): read and replaced
//! with the operator's admin token, each call in the audit log (actor `api-token`) before it is
//! answered, through the same use cases as the back office.

use axum::Json;
use axum::extract::State;
use luxevault_core::sizing::Measurements;
use luxevault_shop::sizing::{self, SizingInput, Who};
use luxevault_storage::{Accounts, Holder};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::admin::API_AUDIT_ACTOR;
use crate::error::{ApiError, ApiJson, ApiPath};
use crate::extract::{ClientAddr, Operator};
use crate::state::AppState;

/// A profile as given.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SizingBody {
    /// In whole millimetres; shoe sizes in tenths (EU 38.5 is 385); ring: EU size.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub measurements: Measurements,
    /// `slim`, `regular` or `relaxed`; absent for none.
    pub fit: Option<String>,
    /// Free text (at most 1000 characters); card numbers are removed before it is kept.
    #[serde(default)]
    pub notes: String,
}

/// A stored profile.
#[derive(Debug, Serialize, ToSchema)]
pub struct SizingProfile {
    pub customer_id: Uuid,
    #[schema(value_type = Object)]
    pub measurements: Measurements,
    pub fit: Option<String>,
    pub notes: String,
    /// RFC 3339, UTC.
    pub updated_at: String,
    /// The client's last visit (RFC 3339, UTC): the retention clock of a guest's profile.
    pub last_visit_at: String,
}

fn answer(customer: Uuid, row: &luxevault_storage::SizingRow) -> SizingProfile {
    SizingProfile {
        customer_id: customer,
        measurements: row.measurements(),
        fit: row.fit.clone(),
        notes: row.notes.clone(),
        updated_at: luxevault_core::Timestamp(row.updated_at).to_rfc3339(),
        last_visit_at: luxevault_core::Timestamp(row.last_visit_at).to_rfc3339(),
    }
}

async fn account(state: &AppState, id: Uuid) -> Result<(), ApiError> {
    match Accounts::by_id(state.db(), id).await? {
        Some(_) => Ok(()),
        None => Err(ApiError::not_found("No such customer.")),
    }
}

/// A customer's sizing profile (read audited).
#[utoipa::path(get, path = "/api/v1/admin/customers/{id}/sizing", tag = "staff", security(("admin_token" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, description = "The profile", body = SizingProfile),
        (status = 401, description = "No valid admin token", body = crate::error::ErrorBody),
        (status = 404, description = "No such customer, or no profile yet", body = crate::error::ErrorBody)))]
pub async fn get_sizing(
    State(state): State<AppState>,
    _: Operator,
    ClientAddr(client): ClientAddr,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<SizingProfile>, ApiError> {
    account(&state, id).await?;
    let client = client.map(|a| a.to_string()).unwrap_or_else(|| "unknown".into());
    let who = Who { actor: API_AUDIT_ACTOR, client: &client };
    let row = sizing::profile(&state, &Holder::Customer(id), who)
        .await?
        .ok_or_else(|| ApiError::not_found("This customer has no sizing profile yet."))?;
    Ok(Json(answer(id, &row)))
}

/// Creates or replaces a customer's sizing profile (audited; counts as a visit).
#[utoipa::path(put, path = "/api/v1/admin/customers/{id}/sizing", tag = "staff", security(("admin_token" = [])),
    params(("id" = Uuid, Path)), request_body = SizingBody,
    responses((status = 200, description = "The profile as saved", body = SizingProfile),
        (status = 401, description = "No valid admin token", body = crate::error::ErrorBody),
        (status = 404, description = "No such customer", body = crate::error::ErrorBody),
        (status = 422, description = "A measurement out of range, an unknown fit, notes too long", body = crate::error::ErrorBody)))]
pub async fn put_sizing(
    State(state): State<AppState>,
    _: Operator,
    ClientAddr(client): ClientAddr,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<SizingBody>,
) -> Result<Json<SizingProfile>, ApiError> {
    account(&state, id).await?;
    let client = client.map(|a| a.to_string()).unwrap_or_else(|| "unknown".into());
    let who = Who { actor: API_AUDIT_ACTOR, client: &client };
    let input = SizingInput { measurements: body.measurements, fit: body.fit.unwrap_or_default(), notes: body.notes };
    let row = sizing::save(&state, &Holder::Customer(id), &input, who).await?;
    Ok(Json(answer(id, &row)))
}
