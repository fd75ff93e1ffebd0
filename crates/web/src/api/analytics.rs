//! `POST /api/v1/analytics/views`: the storefront script's page views for the shop's own,
//! cookieless analytics (P6, P14). The rules — what is kept, and when nothing is — are
//! `luxevault_shop::analytics`; here the browser's Global Privacy Control and Do Not Track
//! headers are read and the answer is always the same.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use luxevault_shop::analytics;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiJson};
use crate::extract::Viewer;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PageView {
    /// The page's route template, e.g. `/products/{slug}` (one of the storefront's pages).
    pub path: String,
    /// The page's language, e.g. `en`.
    pub lang: String,
    /// The referring site's host, when the visitor came from another site.
    #[serde(default)]
    pub referrer: Option<String>,
    /// The random per-tab id from `sessionStorage` (16–64 letters, digits or dashes).
    pub sid: String,
}

/// Whether the browser asks not to be tracked (Global Privacy Control or Do Not Track).
pub fn opted_out(headers: &HeaderMap) -> bool {
    ["sec-gpc", "dnt"].iter().any(|name| headers.get(*name).and_then(|v| v.to_str().ok()).map(str::trim) == Some("1"))
}

/// Records a page view of the shop's own analytics; answers 204 whether or not it was kept.
#[utoipa::path(post, path = "/api/v1/analytics/views", tag = "analytics", request_body = PageView,
    responses((status = 204, description = "Received (not kept under Sec-GPC or DNT, or for a restricted or objecting customer)"),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn record_view(
    State(state): State<AppState>,
    headers: HeaderMap,
    Viewer(customer): Viewer,
    ApiJson(view): ApiJson<PageView>,
) -> Result<StatusCode, ApiError> {
    let view =
        analytics::PageView { path: &view.path, lang: &view.lang, referrer: view.referrer.as_deref(), sid: &view.sid };
    analytics::record_view(&state, view, customer.map(|c| c.id), opted_out(&headers)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gpc_and_dnt_opt_out() {
        let mut headers = HeaderMap::new();
        assert!(!opted_out(&headers));
        headers.insert("sec-gpc", axum::http::HeaderValue::from_static("1"));
        assert!(opted_out(&headers));
        let mut headers = HeaderMap::new();
        headers.insert("dnt", axum::http::HeaderValue::from_static("1"));
        assert!(opted_out(&headers));
        headers.insert("dnt", axum::http::HeaderValue::from_static("0"));
        assert!(!opted_out(&headers));
    }
}
