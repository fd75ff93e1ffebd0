//! The rights of a signed-in customer over their data (P16, M10), each after a fresh proof of
//! identity (the password again, throttled like a sign-in): a copy of everything held on them in
//! a machine-readable document with the Art. 15 information, and erasure — deleting what may be
//! deleted, anonymising what the law makes the house keep, and saying what was kept and why.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use luxevault_core::Pii;
use luxevault_core::order::Actor;
use luxevault_shop::auth::reauthenticate;
use luxevault_shop::privacy::rights::{self, Erasure};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiJson};
use crate::extract::SignedIn;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reauthentication {
    /// The account's password, again: rights over personal data need a fresh proof of identity.
    #[schema(value_type = String)]
    pub password: Pii<String>,
}

/// A copy of all the data held on the signed-in customer (access and portability): a ZIP archive
/// of the JSON document, CSV files of its tables and a readable page with the Art. 15 information.
#[utoipa::path(post, path = "/api/v1/account/export", request_body = Reauthentication, tag = "rights", security(("session_token" = [])),
    responses((status = 200, description = "The archive (application/zip), as an attachment"), (status = 401, body = crate::error::ErrorBody),
        (status = 429, body = crate::error::ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    SignedIn(customer): SignedIn,
    ApiJson(request): ApiJson<Reauthentication>,
) -> Result<Response, ApiError> {
    reauthenticate(&state, customer.id, request.password, "The password is not right.").await?;
    Ok(archive_response(rights::account_archive(&state, customer.id).await?))
}

/// The archive of a subject-access document as a download (ZIP: data.json, CSV files, index.html).
pub fn archive_response(bytes: Vec<u8>) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/zip"));
    headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"my-data.zip\""));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Erases the signed-in customer: the account, its sessions and consents are deleted; orders
/// are anonymised (amounts, items and country stay for accounting law), except orders still on
/// their way, whose delivery details stay until delivered. The answer says what was kept and why.
#[utoipa::path(post, path = "/api/v1/account/erase", request_body = Reauthentication, tag = "rights", security(("session_token" = [])),
    responses((status = 200, description = "What was erased and what was kept, and why"), (status = 401, body = crate::error::ErrorBody),
        (status = 429, body = crate::error::ErrorBody)))]
pub async fn erase(
    State(state): State<AppState>,
    SignedIn(customer): SignedIn,
    ApiJson(request): ApiJson<Reauthentication>,
) -> Result<(StatusCode, Json<Erasure>), ApiError> {
    reauthenticate(&state, customer.id, request.password, "The password is not right.").await?;
    let outcome = rights::erase_account(&state, customer.id, Actor::Customer).await?;
    Ok((StatusCode::OK, Json(outcome)))
}
