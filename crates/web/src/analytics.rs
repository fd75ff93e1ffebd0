//! First-party, cookieless analytics (P6, P14, P15; the policy's `website_analytics` purpose on
//! legitimate interests): the storefront script reports a page view — the page's route template,
//! its language, the referring site's host, and the random per-tab id it keeps in
//! `sessionStorage` (`lg_sid`). No IP address, no user agent, no account is stored; the per-tab
//! id goes after the policy's 30 days (retention rule `analytics`).
//!
//! Nothing is recorded when the browser sends `Sec-GPC: 1` or `DNT: 1`, nor for a signed-in
//! customer who restricted their data (Art. 18) or objected to analytics (Art. 21).

use axum::extract::{FromRef, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use luxevault_core::Lang;
use luxevault_storage::{NewPageView, PageViews};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::customer::Customer;
use crate::error::{ApiError, ApiJson};
use crate::limits::{Person, may_process};
use crate::state::AppState;

/// The `sessionStorage` key of the per-tab id (published by the policy, P14).
pub const SID_KEY: &str = "lg_sid";

/// The storefront's pages, as route templates without the language prefix: no slug, id or
/// query ever reaches the table.
pub const PAGE_TEMPLATES: &[&str] = &[
    "/",
    "/collections/{slug}",
    "/products/{slug}",
    "/cart",
    "/privacy",
    "/privacy/centre",
    "/account",
    "/account/reset",
    "/checkout",
    "/orders/{id}",
];

/// The signed-in customer behind a page view, if any. A stale token is no error here: the view
/// is then simply anonymous (the page itself tells the browser to forget the token).
pub struct Viewer(Option<Customer>);

impl<S> FromRequestParts<S> for Viewer
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        Ok(Viewer(crate::customer::resolve(&state, parts).await.ok().flatten()))
    }
}

/// The route template of a storefront path without its language prefix, e.g.
/// `/products/escarpin` → `/products/{slug}`.
pub fn page_template(path: &str) -> Option<&'static str> {
    if let Some(exact) = PAGE_TEMPLATES.iter().find(|t| **t == path && !t.contains('{')) {
        return Some(exact);
    }
    let (section, rest) = path.trim_start_matches('/').split_once('/')?;
    if rest.is_empty() || rest.contains('/') {
        return None;
    }
    match section {
        "collections" => Some("/collections/{slug}"),
        "products" => Some("/products/{slug}"),
        "orders" => Some("/orders/{id}"),
        _ => None,
    }
}

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

fn valid_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
}

fn invalid(message: &'static str) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_page_view", message)
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
    if !PAGE_TEMPLATES.contains(&view.path.as_str()) {
        return Err(invalid("path must be one of the shop's page templates, e.g. /products/{slug}"));
    }
    let lang = Lang::parse(&view.lang)
        .filter(|l| state.settings().langs.contains(l))
        .ok_or_else(|| invalid("lang must be a language of the shop"))?;
    let sid_ok = (16..=64).contains(&view.sid.len()) && view.sid.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !sid_ok {
        return Err(invalid("sid must be 16 to 64 letters, digits or dashes"));
    }
    let referrer = view.referrer.as_deref().map(str::trim).filter(|r| !r.is_empty()).map(str::to_ascii_lowercase);
    if referrer.as_deref().is_some_and(|r| !valid_host(r)) {
        return Err(invalid("referrer must be a host name, e.g. example.com"));
    }
    if opted_out(&headers) {
        return Ok(StatusCode::NO_CONTENT);
    }
    let now = state.clock().now();
    if let Some(customer) = customer {
        // Art. 18 and 21: a restricted or objecting customer's visits are not analysed.
        let person = Person::of_account(&state, customer.id).await?;
        if !may_process(&state, &person, "website_analytics", now).await? {
            return Ok(StatusCode::NO_CONTENT);
        }
    }
    let record =
        NewPageView { path: &view.path, lang: lang.as_str(), referrer_host: referrer.as_deref(), sid: Some(&view.sid) };
    PageViews::record(state.db(), &record, now).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_templates_and_nothing_else_passes() {
        assert_eq!(page_template("/"), Some("/"));
        assert_eq!(page_template("/products/escarpin-alma"), Some("/products/{slug}"));
        assert_eq!(page_template("/orders/0193a0b2"), Some("/orders/{id}"));
        assert_eq!(page_template("/privacy/centre"), Some("/privacy/centre"));
        assert_eq!(page_template("/products/a/b"), None);
        assert_eq!(page_template("/admin"), None);
    }

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
