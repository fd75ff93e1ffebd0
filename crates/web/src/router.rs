//! The route table and the layers every request passes through.

use std::time::Duration;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router, middleware};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::state::AppState;
use crate::storefront::PageLang;
use crate::{
    analytics, api, api_account, api_admin, api_consent, api_limits, api_orders, api_requests, api_rights, assets,
    backoffice, checkout_pages, health, marketing, privacy, security, storefront, webhooks,
};

/// Request bodies larger than this are refused with 413: the API takes small JSON documents.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Stripe's events are larger than our own requests.
pub const WEBHOOK_MAX_BODY_BYTES: usize = 512 * 1024;

pub fn router(state: AppState) -> Router {
    let security = middleware::from_fn_with_state(state.clone(), security::headers);
    let mut pages = Router::new();
    for lang in &state.settings().langs {
        let prefix = state.settings().prefix(lang);
        let home = if prefix.is_empty() { "/".to_string() } else { format!("{prefix}/") };
        let mut group = Router::new()
            .route(&home, get(storefront::home))
            .route(&format!("{prefix}/collections/{{slug}}"), get(storefront::collection))
            .route(&format!("{prefix}/products/{{slug}}"), get(storefront::product))
            .route(&format!("{prefix}/cart"), get(storefront::cart))
            .route(&format!("{prefix}/privacy"), get(storefront::privacy))
            .route(&format!("{prefix}/privacy/centre"), get(storefront::privacy_centre))
            .route(&format!("{prefix}/account"), get(checkout_pages::account))
            .route(&format!("{prefix}/account/reset"), get(checkout_pages::reset))
            .route(&format!("{prefix}/checkout"), get(checkout_pages::checkout))
            .route(&format!("{prefix}/orders/{{id}}"), get(checkout_pages::order));
        if !prefix.is_empty() {
            group = group.route(&prefix, get(storefront::home));
        }
        pages = pages.merge(group.layer(Extension(PageLang(lang.clone()))));
    }

    let api = Router::new()
        .route("/api/openapi.json", get(api::openapi))
        .route("/api/v1/products", get(api::list_products))
        .route("/api/v1/products/{slug}", get(api::get_product))
        .route("/api/v1/collections", get(api::list_collections))
        .route("/api/v1/currencies", get(api::list_currencies))
        .route("/api/v1/cart/quote", post(api::quote_cart))
        .route("/api/v1/orders", post(api_orders::place_order))
        .route("/api/v1/orders/{id}", get(api_orders::get_order))
        .route("/api/v1/account/orders", get(api_orders::my_orders))
        .route("/api/v1/admin/orders/{id}/capture", post(api_admin::capture))
        .route("/api/v1/admin/orders/{id}/cancel", post(api_admin::cancel))
        .route("/api/v1/admin/orders/{id}/refund", post(api_admin::refund))
        .route("/api/v1/admin/orders/{id}/fulfil", post(api_admin::fulfil))
        .route("/api/v1/admin/privacy-requests", get(api_requests::open_requests).post(api_requests::log_request))
        .route("/api/v1/admin/privacy-requests/{id}/extend", post(api_requests::extend))
        .route("/api/v1/admin/privacy-requests/{id}/complete", post(api_requests::complete))
        .route("/api/v1/account/requests", get(api_requests::mine).post(api_requests::file))
        .route("/api/v1/privacy/requests", post(api_requests::start_guest))
        .route("/api/v1/privacy/requests/{id}/verify", post(api_requests::verify_guest))
        .route("/api/v1/privacy/requests/{id}/archive", get(api_requests::archive))
        .route("/api/v1/account/export", post(api_rights::export))
        .route("/api/v1/account/erase", post(api_rights::erase))
        .route("/api/v1/account/consents", get(api_consent::list).post(api_consent::change))
        .route("/api/v1/account", get(api_account::me))
        .route("/api/v1/account/register", post(api_account::register))
        .route("/api/v1/account/login", post(api_account::login))
        .route("/api/v1/account/logout", post(api_account::logout))
        .route("/api/v1/account/logout-everywhere", post(api_account::logout_everywhere))
        .route("/api/v1/account/password", post(api_account::change_password))
        .route("/api/v1/account/details", post(api_account::change_details))
        .route("/api/v1/account/password-reset", post(api_account::request_reset))
        .route("/api/v1/account/password-reset/confirm", post(api_account::confirm_reset))
        .route("/api/v1/account/processing", get(api_limits::processing))
        .route("/api/v1/account/objections", post(api_limits::object))
        .route("/api/v1/account/restriction/lift", post(api_limits::lift_mine))
        .route("/api/v1/admin/restrictions", get(api_limits::restrictions))
        .route("/api/v1/admin/restrictions/{id}/lift", post(api_limits::lift))
        .route("/api/v1/admin/marketing/campaigns", post(marketing::create))
        .route("/api/v1/analytics/views", post(analytics::record_view));

    Router::new()
        .merge(pages)
        .merge(backoffice::routes())
        .merge(api)
        .route("/checkout/demo/{session}", get(checkout_pages::demo_pay_page).post(checkout_pages::demo_pay))
        .route("/webhooks/stripe", post(webhooks::stripe).layer(DefaultBodyLimit::max(WEBHOOK_MAX_BODY_BYTES)))
        .route("/privacy.json", get(privacy::current))
        .route("/privacy/versions", get(privacy::versions))
        .route("/privacy/versions/{version}", get(privacy::version))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/static/{*path}", get(assets::static_file))
        .route("/media/{*path}", get(crate::media::serve))
        .fallback(storefront::not_found)
        .with_state(state)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(security)
        // Longer than the slowest payment-provider call with its retries (about a minute), so a
        // checkout is never dropped between the provider's answer and our record of it.
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, Duration::from_secs(90)))
        .layer(CatchPanicLayer::custom(|_| panic_response()))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            // Method and route template only: a URL's path values and query may identify a person.
            let route = request.extensions().get::<MatchedPath>().map(MatchedPath::as_str).unwrap_or("unmatched");
            tracing::info_span!("request", method = %request.method(), route)
        }))
}

fn panic_response() -> Response {
    tracing::error!("a request handler panicked");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        axum::Json(serde_json::json!({"error": {"code": "internal", "message": "Something went wrong on our side."}})),
    )
        .into_response()
}
