//! Response headers every page and answer carries: a strict Content-Security-Policy (our own
//! scripts, styles, images and fonts only; no inline code, no third parties), no framing, no
//! sniffing, no referrer to other sites, no powerful browser features.

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

/// Request bodies larger than this are refused with 413: the API takes small JSON documents.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Stripe's events are larger than our own requests.
pub const WEBHOOK_MAX_BODY_BYTES: usize = 512 * 1024;

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; form-action 'self'; \
     base-uri 'none'; frame-ancestors 'none'";

const PERMISSIONS_POLICY: &str =
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=(), interest-cohort=()";

/// JSON answers that may carry personal data or a session token are never kept by a browser or
/// a proxy: every `/api/` answer except the public catalog and the API's own description.
fn private_api(path: &str) -> bool {
    const PUBLIC: &[&str] = &["/api/openapi.json", "/api/v1/products", "/api/v1/collections", "/api/v1/currencies"];
    path.starts_with("/api/") && !PUBLIC.iter().any(|p| path == *p || path.starts_with(&format!("{p}/")))
}

pub async fn headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let https = state.commerce().public_base_url.starts_with("https://");
    let private = private_api(request.uri().path());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if https {
        // Browsers that have seen the shop over HTTPS never fall back to plain HTTP (P18).
        headers.entry(header::STRICT_TRANSPORT_SECURITY).or_insert(HeaderValue::from_static("max-age=31536000"));
    }
    let mut set = |name: HeaderName, value: &'static str| {
        headers.entry(name).or_insert(HeaderValue::from_static(value));
    };
    set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::REFERRER_POLICY, "same-origin");
    set(HeaderName::from_static("permissions-policy"), PERMISSIONS_POLICY);
    set(HeaderName::from_static("cross-origin-opener-policy"), "same-origin");
    set(HeaderName::from_static("cross-origin-resource-policy"), "same-origin");
    if private {
        set(header::CACHE_CONTROL, "no-store");
    }
    response
}

#[cfg(test)]
mod tests {
    #[test]
    fn answers_with_personal_data_are_not_stored() {
        for path in ["/api/v1/orders/0193", "/api/v1/account/login", "/api/v1/account/register", "/api/v1/cart/quote"] {
            assert!(super::private_api(path), "{path}");
        }
        for path in ["/api/v1/products", "/api/v1/products/escarpin", "/api/openapi.json", "/", "/privacy.json"] {
            assert!(!super::private_api(path), "{path}");
        }
    }
}
