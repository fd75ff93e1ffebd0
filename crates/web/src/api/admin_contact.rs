//! Rectification over the admin-token API (Art. 16): an integrator (a CRM, the boutique's phone
//! desk) corrects an order's contact, and its address before the parcel leaves, through the use
//! case the back office calls (`shop::orders::contact`): checked as at checkout, audited as
//! `api-token` without the data in the chained entry, the recipients told (Art. 19).

use axum::Json;
use axum::extract::State;
use luxevault_core::Pii;
use luxevault_shop::orders::contact::{ContactCorrection, Corrector, correct_order_contact};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

use super::admin::API_AUDIT_ACTOR;
use crate::error::{ApiError, ApiJson, ApiPath};
use crate::extract::{ClientAddr, Operator};
use crate::state::AppState;

/// The order's contact and address as corrected: every field, as at checkout (the country stays
/// the order's); `channel` says how the person asked; `reason` is required (no personal data).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactCorrectionBody {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub address_line1: String,
    #[serde(default)]
    pub address_line2: String,
    pub city: String,
    pub postcode: String,
    /// `email`, `whatsapp`, `phone` or `web`.
    pub channel: String,
    pub reason: String,
}

/// Corrects an order's contact (name, email, phone always; the address until the parcel leaves).
#[utoipa::path(post, path = "/api/v1/admin/orders/{id}/contact", tag = "staff", security(("admin_token" = [])), params(("id" = Uuid, Path)), request_body = ContactCorrectionBody,
    responses((status = 200, description = "Corrected: the fields changed (names only) and the recipients told"),
        (status = 401, description = "No or a wrong admin token", body = crate::error::ErrorBody),
        (status = 404, description = "No such order", body = crate::error::ErrorBody),
        (status = 409, description = "The address can no longer change, or the contact was erased", body = crate::error::ErrorBody),
        (status = 422, description = "A field, the channel or the reason is not valid", body = crate::error::ErrorBody)))]
pub async fn correct(
    State(state): State<AppState>,
    _: Operator,
    ClientAddr(client): ClientAddr,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ContactCorrectionBody>,
) -> Result<Json<Value>, ApiError> {
    let correction = ContactCorrection {
        name: Pii::new(body.name),
        email: Pii::new(body.email),
        phone: Pii::new(body.phone),
        address_line1: Pii::new(body.address_line1),
        address_line2: Pii::new(body.address_line2),
        city: Pii::new(body.city),
        postcode: Pii::new(body.postcode),
    };
    let client = client.map(|a| a.to_string()).unwrap_or_else(|| "unknown".into());
    let who = Corrector { actor: API_AUDIT_ACTOR, client: &client };
    let done = correct_order_contact(&state, id, &correction, &body.channel, &body.reason, &who).await?;
    Ok(Json(json!({
        "id": done.order.id, "number": done.order.number, "changed": done.changed,
        "request_id": done.request_id, "notified": done.notified,
    })))
}
