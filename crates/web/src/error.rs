//! Errors as the web edge answers them: JSON `{"error": {"code", "message"}}` for the API, a
//! calm page for the storefront. Internal details go to the log (without personal data), never
//! to the client.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use luxevault_shop::ShopError;
use luxevault_storage::DbError;
use serde::Serialize;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Machine-readable specifics (the fields to correct, the SKUs out of stock).
    pub details: Option<serde_json::Value>,
    /// Seconds after which asking again is worth it (`Retry-After`), for a busy shop.
    pub retry_after: Option<u64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// A stable machine-readable code, e.g. `not_found`, `invalid_json`.
    pub code: String,
    /// A sentence for people.
    pub message: String,
    /// e.g. `fields: [{field, code}]` or `skus: [...]`.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), details: None, retry_after: None }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Something went wrong on our side. Please try again.")
    }

    pub fn unavailable() -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "The shop is busy. Please try again in a moment.")
    }
}

impl From<DbError> for ApiError {
    fn from(error: DbError) -> Self {
        if matches!(error, DbError::NotOpen) {
            return ApiError::new(StatusCode::CONFLICT, "not_open", "The shop has not opened yet.");
        }
        tracing::error!(error = %error, "storage error");
        if error.is_busy() { Self::unavailable() } else { Self::internal() }
    }
}

/// The one place the shop's errors become statuses.
impl From<ShopError> for ApiError {
    fn from(error: ShopError) -> Self {
        let message = error.message().into_owned();
        match error {
            ShopError::NotFound(_) => ApiError::new(StatusCode::NOT_FOUND, "not_found", message),
            ShopError::Rejected { code, .. } => ApiError::new(StatusCode::BAD_REQUEST, code, message),
            ShopError::Invalid { code, .. } => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message),
            ShopError::Conflict { code, .. } => ApiError::new(StatusCode::CONFLICT, code, message),
            ShopError::Unauthenticated { code, .. } => ApiError::new(StatusCode::UNAUTHORIZED, code, message),
            ShopError::Throttled(_) => ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", message),
            ShopError::Unavailable => ApiError::unavailable(),
            ShopError::Busy => ApiError {
                retry_after: Some(luxevault_shop::error::BUSY_RETRY_AFTER_SECS),
                ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", message)
            },
            ShopError::Internal => ApiError::internal(),
            ShopError::Db(db) => ApiError::from(db),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail { code: self.code.to_string(), message: self.message, details: self.details },
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(seconds));
        }
        response
    }
}

/// `Json<T>` whose rejections are JSON errors with the right status: 400 for malformed JSON,
/// 413 for a body over the limit, 415 for another content type, 422 for the wrong shape.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    let status = rejection.status();
    let (code, message) = match &rejection {
        JsonRejection::JsonSyntaxError(_) => ("invalid_json", "The request body is not valid JSON.".to_string()),
        JsonRejection::JsonDataError(e) => ("invalid_body", data_error_message(&e.body_text())),
        JsonRejection::MissingJsonContentType(_) => {
            ("unsupported_media_type", "Send the request body as JSON with Content-Type: application/json.".into())
        }
        _ if status == StatusCode::PAYLOAD_TOO_LARGE => ("body_too_large", "The request body is too large.".into()),
        _ => ("invalid_body", "The request body could not be read.".into()),
    };
    ApiError::new(status, code, message)
}

/// An answer in the form of RFC 9457 (`application/problem+json`), for what no handler answers:
/// an unknown route under `/api/`, a path value of the wrong shape. It carries the API's usual
/// `error` object too, so a client reading either form understands it.
pub fn problem(status: StatusCode, code: &'static str, detail: &str) -> Response {
    let body = serde_json::json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail,
        "error": {"code": code, "message": detail},
    });
    let mut response = (status, Json(body)).into_response();
    response
        .headers_mut()
        .insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/problem+json"));
    response
}

/// `Path<T>` whose rejection is a problem document (400) that names no value: a malformed id
/// gets the same clear answer as any other bad input, never axum's plain text.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(Self(value)),
            Err(_) => Err(problem(
                StatusCode::BAD_REQUEST,
                "invalid_path",
                "A value in the path is not valid here (ids are UUIDs such as 0193a0b2-…).",
            )),
        }
    }
}

/// Names the field that is wrong, never the value that was sent: serde's own message quotes the
/// value (`invalid type: integer `4111…``), which may be a card number or a password.
fn data_error_message(text: &str) -> String {
    let detail = text.split_once("target type: ").map(|(_, d)| d).unwrap_or(text);
    let quotes_value =
        ["invalid type", "invalid value", "invalid length", "unknown variant"].iter().any(|p| detail.contains(p));
    if !quotes_value {
        // "missing field `x`", "unknown field `x`, expected …": names only.
        let first = detail.split(" at line ").next().unwrap_or(detail);
        return format!("The request body has the wrong shape: {first}.");
    }
    match detail.split_once(": ") {
        Some((path, _)) if !path.contains(' ') => {
            format!("The request body has the wrong shape: {path} has the wrong type or value.")
        }
        _ => "The request body has the wrong shape: a value has the wrong type.".to_string(),
    }
}

/// Why a storefront page could not be shown.
#[cfg(test)]
mod tests {
    #[test]
    fn data_errors_never_quote_values() {
        let text = "Failed to deserialize the JSON body into the target type: contact.phone: invalid type: integer `4111111111111111`, expected a string at line 1 column 30";
        let message = super::data_error_message(text);
        assert!(!message.contains("4111"), "{message}");
        assert!(message.contains("contact.phone"), "{message}");
        let missing = super::data_error_message(
            "Failed to deserialize the JSON body into the target type: missing field `lines` at line 1 column 20",
        );
        assert!(missing.contains("missing field `lines`"), "{missing}");
    }
}

#[derive(Debug)]
pub enum PageError {
    NotFound,
    Internal,
    /// The house has not opened, or has nothing on sale yet: the calm "opening soon" page.
    NotOpen,
}

impl From<ShopError> for PageError {
    fn from(error: ShopError) -> Self {
        match error {
            ShopError::NotFound(_) => Self::NotFound,
            ShopError::Db(db) => db.into(),
            other => {
                tracing::error!(error = %other, "a use case failed while rendering a page");
                Self::Internal
            }
        }
    }
}

impl From<DbError> for PageError {
    fn from(error: DbError) -> Self {
        if matches!(error, DbError::NotOpen) {
            return Self::NotOpen;
        }
        tracing::error!(error = %error, "storage error while rendering a page");
        Self::Internal
    }
}
