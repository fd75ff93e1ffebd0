//! The route table and the layers every request passes through.

use std::time::Duration;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Extension, Router, middleware};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::api::{
    self, account, admin, admin_contact, admin_lists, analytics, appointments, catalog, consent, limits, marketing,
    orders, privacy, requests, rights, sizing,
};
use crate::security::{self, MAX_BODY_BYTES, WEBHOOK_MAX_BODY_BYTES};
use crate::state::AppState;
use crate::storefront::PageLang;
use crate::storefront::{self, appointments as appointments_pages, checkout};
use crate::{assets, backoffice, health, webhooks};

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
            .route(&format!("{prefix}/account"), get(checkout::account))
            .route(&format!("{prefix}/account/reset"), get(checkout::reset))
            .route(&format!("{prefix}/checkout"), get(checkout::checkout))
            .route(&format!("{prefix}/orders/{{id}}"), get(checkout::order).post(checkout::open_order))
            .route(&format!("{prefix}/orders/{{id}}/link"), post(checkout::fresh_link))
            .route(&format!("{prefix}/appointments"), get(appointments_pages::page).post(appointments_pages::book))
            .route(
                &format!("{prefix}/appointments/{{id}}"),
                get(appointments_pages::link).post(appointments_pages::manage),
            );
        if !prefix.is_empty() {
            group = group.route(&prefix, get(storefront::home));
        }
        pages = pages.merge(group.layer(Extension(PageLang(lang.clone()))));
    }

    let api = Router::new()
        .route("/api/openapi.json", get(api::openapi))
        .route("/api/v1/products", get(catalog::list_products))
        .route("/api/v1/products/{slug}", get(catalog::get_product))
        .route("/api/v1/collections", get(catalog::list_collections))
        .route("/api/v1/currencies", get(catalog::list_currencies))
        .route("/api/v1/cart/quote", post(catalog::quote_cart))
        .route("/api/v1/boutiques", get(appointments::list_boutiques))
        .route("/api/v1/boutiques/{slug}/slots", get(appointments::list_slots))
        .route("/api/v1/appointments", post(appointments::book_appointment))
        .route("/api/v1/appointments/{id}", get(appointments::get_appointment))
        .route("/api/v1/appointments/{id}/reschedule", post(appointments::reschedule_appointment))
        .route("/api/v1/appointments/{id}/cancel", post(appointments::cancel_appointment))
        .route("/api/v1/admin/appointments", get(appointments::appointments_calendar))
        .route("/api/v1/admin/appointments/{id}/outcome", post(appointments::appointment_outcome))
        .route("/api/v1/orders", post(orders::place_order))
        .route("/api/v1/orders/{id}", get(orders::get_order))
        .route("/api/v1/orders/{id}/link", post(orders::fresh_link))
        .route("/api/v1/account/orders", get(orders::my_orders))
        .route("/api/v1/admin/orders", get(admin_lists::orders))
        .route("/api/v1/admin/customers", get(admin_lists::customers))
        .route("/api/v1/admin/customers/{id}/sizing", get(sizing::get_sizing).put(sizing::put_sizing))
        .route("/api/v1/admin/products", get(admin_lists::products).post(admin_lists::create_product))
        .route("/api/v1/admin/products/{slug}/publication", post(admin_lists::set_publication))
        .route("/api/v1/admin/products/{slug}/variants/{sku}/stock", put(admin_lists::set_stock))
        .route("/api/v1/admin/orders/{id}/capture", post(admin::capture))
        .route("/api/v1/admin/orders/{id}/cancel", post(admin::cancel))
        .route("/api/v1/admin/orders/{id}/refund", post(admin::refund))
        .route("/api/v1/admin/orders/{id}/fulfil", post(admin::fulfil))
        .route("/api/v1/admin/orders/{id}/contact", post(admin_contact::correct))
        .route("/api/v1/admin/privacy-requests", get(requests::open_requests).post(requests::log_request))
        .route("/api/v1/admin/privacy-requests/{id}/extend", post(requests::extend))
        .route("/api/v1/admin/privacy-requests/{id}/complete", post(requests::complete))
        .route("/api/v1/account/requests", get(requests::mine).post(requests::file))
        .route("/api/v1/privacy/requests", post(requests::start_guest))
        .route("/api/v1/privacy/requests/{id}/verify", post(requests::verify_guest))
        .route("/api/v1/privacy/requests/{id}/archive", post(requests::archive))
        .route("/api/v1/account/export", post(rights::export))
        .route("/api/v1/account/erase", post(rights::erase))
        .route("/api/v1/account/consents", get(consent::list).post(consent::change))
        .route("/api/v1/account", get(account::me))
        .route("/api/v1/account/register", post(account::register))
        .route("/api/v1/account/login", post(account::login))
        .route("/api/v1/account/logout", post(account::logout))
        .route("/api/v1/account/logout-everywhere", post(account::logout_everywhere))
        .route("/api/v1/account/password", post(account::change_password))
        .route("/api/v1/account/details", post(account::change_details))
        .route("/api/v1/account/password-reset", post(account::request_reset))
        .route("/api/v1/account/password-reset/confirm", post(account::confirm_reset))
        .route("/api/v1/account/processing", get(limits::processing))
        .route("/api/v1/account/objections", post(limits::object))
        .route("/api/v1/account/restriction/lift", post(limits::lift_mine))
        .route("/api/v1/admin/restrictions", get(limits::restrictions))
        .route("/api/v1/admin/restrictions/{id}/lift", post(limits::lift))
        .route("/api/v1/admin/marketing/campaigns", post(marketing::create))
        .route("/api/v1/analytics/views", post(analytics::record_view));

    Router::new()
        .merge(pages)
        .merge(backoffice::routes())
        .merge(api)
        .route("/checkout/demo/{session}", get(checkout::demo_pay_page).post(checkout::demo_pay))
        .route("/unsubscribe/{token}", get(storefront::unsubscribe::ask).post(storefront::unsubscribe::confirm))
        .route("/webhooks/stripe", post(webhooks::stripe::stripe).layer(DefaultBodyLimit::max(WEBHOOK_MAX_BODY_BYTES)))
        .route("/privacy.json", get(privacy::current))
        .route("/privacy/versions", get(privacy::versions))
        .route("/privacy/versions/{version}", get(privacy::version))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/static/{*path}", get(assets::static_file))
        .route("/media/{*path}", get(crate::media::serve))
        .fallback(fallback)
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

/// What no route answers: a problem document under `/api/` (RFC 9457), the calm not-found page
/// everywhere else.
async fn fallback(state: axum::extract::State<AppState>, uri: axum::http::Uri) -> Response {
    if uri.path() == "/api" || uri.path().starts_with("/api/") {
        return crate::error::problem(StatusCode::NOT_FOUND, "not_found", "No API route matches this path.");
    }
    storefront::not_found(state, uri).await
}
