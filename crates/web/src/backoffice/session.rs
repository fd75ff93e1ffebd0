//! The back-office session: a `__Host-` cookie (Secure, HttpOnly, SameSite=Strict) holding a
//! random token of which the database keeps only the hash; idle and absolute timeouts; and the
//! CSRF defences every state-changing request passes (origin check + a per-session token).
//!
//! The storefront never sets a cookie: only `/admin` does.

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use luxevault_core::Timestamp;
use luxevault_core::staff::{Permission, Role, SESSION_ABSOLUTE_HOURS, SESSION_IDLE_MINUTES};
use luxevault_storage::{Staff, StaffRow};
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use crate::state::AppState;
use luxevault_shop::auth::token_hash;

/// The cookie's name: `__Host-` makes the browser refuse it unless Secure, path `/`, no domain.
pub const COOKIE: &str = "__Host-lv_staff";
/// How often (at most) a session's last-seen time is written: not on every click.
const TOUCH_EVERY_SECONDS: i64 = 60;

/// `Set-Cookie` for a new session token.
pub fn set_cookie(token: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("{COOKIE}={token}; Path=/; Secure; HttpOnly; SameSite=Strict"))
        .unwrap_or(HeaderValue::from_static("__Host-lv_staff=; Path=/; Secure; HttpOnly; SameSite=Strict"))
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_cookie() -> HeaderValue {
    HeaderValue::from_static("__Host-lv_staff=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// The session token from the request's cookies, if it looks like one of ours.
pub fn token_from(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_string())
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The CSRF token of a session: an HMAC of the session token, so nothing more is stored and a
/// token is worthless without the cookie it belongs to.
pub fn csrf_token(state: &AppState, session_token: &str) -> String {
    use hmac::{Hmac, KeyInit, Mac};
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(state.order_link_key()) else { return String::new() };
    mac.update(b"staff-csrf:");
    mac.update(session_token.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Whether a session row is still alive at `now`.
pub fn alive(created_at: i64, last_seen_at: i64, now: Timestamp) -> bool {
    let idle_limit = last_seen_at + SESSION_IDLE_MINUTES * 60 * Timestamp::MICROS_PER_SECOND;
    let absolute_limit = created_at + SESSION_ABSOLUTE_HOURS * 3600 * Timestamp::MICROS_PER_SECOND;
    now.as_micros() < idle_limit && now.as_micros() < absolute_limit
}

/// The client's address as the audit log records it.
pub fn client_of(parts: &Parts, state: &AppState) -> String {
    let peer = parts.extensions.get::<ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
    let forwarded = parts.headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
    crate::extract::client_address(peer, forwarded, &state.commerce().trusted_proxies)
        .map(|a| a.to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// A signed-in staff member with both factors proven: what every back-office handler receives.
#[derive(Debug, Clone)]
pub struct StaffContext {
    pub member: StaffRow,
    pub role: Role,
    pub token_hash: String,
    pub csrf: String,
    pub client: String,
    /// The language this member reads the back office in (`locale::member_lang`).
    pub lang: luxevault_core::Lang,
}

impl StaffContext {
    /// Goes on only if the member's role allows `permission`; otherwise a 403 page that shows
    /// nothing of the resource.
    pub fn require(&self, permission: Permission) -> Result<(), super::Halt> {
        if self.role.allows(permission) { Ok(()) } else { Err(super::Halt::from(forbidden())) }
    }

    pub fn allows(&self, permission: Permission) -> bool {
        self.role.allows(permission)
    }

    /// A back-office string in this member's language.
    pub fn t(&self, state: &AppState, key: &str) -> String {
        state.translations().text(&self.lang, key, &[])
    }

    /// A back-office string with `{name}` placeholders filled in.
    pub fn t_with(&self, state: &AppState, key: &str, args: &[(&str, &str)]) -> String {
        state.translations().text(&self.lang, key, args)
    }

    /// A counted phrase in the plural form of this member's language.
    pub fn count(&self, state: &AppState, key: &str, count: i64) -> String {
        state.translations().count(&self.lang, key, count, &[])
    }

    /// The audit log's name for this member.
    pub fn actor(&self) -> String {
        format!("staff:{}", self.member.id)
    }
}

/// The 403 page: the same for every refused resource, so it reveals nothing about it.
pub fn forbidden() -> Response {
    let body = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not allowed</title>\
                <link rel=\"icon\" href=\"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Crect width='32' height='32' fill='%231c1917'/%3E%3C/svg%3E\"></head>\
                <body><main><h1>Not allowed</h1><p>Your role does not give access to this page. \
                Ask the owner of the shop if you need it.</p><p><a href=\"/admin\">Back to the dashboard</a></p>\
                </main></body></html>";
    (StatusCode::FORBIDDEN, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

/// The session behind a request at any stage (password done, enrolment, full), if alive.
pub async fn current_session(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<(String, luxevault_storage::StaffSessionRow, StaffRow)>, Response> {
    let Some(token) = token_from(headers) else { return Ok(None) };
    let hash = token_hash(&token);
    let db = state.db();
    let now = state.clock().now();
    let session = Staff::session(db, &hash).await.map_err(|_| unavailable())?;
    let Some(session) = session else { return Ok(None) };
    if !alive(session.created_at, session.last_seen_at, now) {
        let _ = Staff::delete_session(db, &hash).await;
        return Ok(None);
    }
    let member = Staff::by_id(db, session.staff_id).await.map_err(|_| unavailable())?;
    let Some(member) = member.filter(|m| m.active) else {
        let _ = Staff::delete_session(db, &hash).await;
        return Ok(None);
    };
    if now.as_micros() - session.last_seen_at > TOUCH_EVERY_SECONDS * Timestamp::MICROS_PER_SECOND {
        Staff::touch_session(db, &hash, now).await.map_err(|_| unavailable())?;
    }
    Ok(Some((token, session, member)))
}

fn unavailable() -> Response {
    (StatusCode::SERVICE_UNAVAILABLE, "The back office is unavailable for a moment; try again.").into_response()
}

impl FromRequestParts<AppState> for StaffContext {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some((token, session, member)) = current_session(state, &parts.headers).await? else {
            return Err(Redirect::to("/admin/login").into_response());
        };
        match session.stage.as_str() {
            "full" => {}
            "enrol" => return Err(Redirect::to("/admin/enrol").into_response()),
            _ => return Err(Redirect::to("/admin/login/code").into_response()),
        }
        let Some(role) = Role::parse(&member.role) else { return Err(forbidden()) };
        Ok(StaffContext {
            lang: super::locale::member_lang(state, &member, &parts.headers),
            csrf: csrf_token(state, &token),
            client: client_of(parts, state),
            token_hash: session.token_hash,
            member,
            role,
        })
    }
}

/// A form posted by a signed-in member, accepted only with the session's CSRF token (field
/// `csrf`). The origin check of [`refuse_cross_site`] runs before it.
pub struct StaffForm<T> {
    pub staff: StaffContext,
    pub form: T,
}

impl<T: DeserializeOwned> FromRequest<AppState> for StaffForm<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let staff = StaffContext::from_request_parts(&mut parts, state).await?;
        let bytes = axum::body::to_bytes(body, crate::security::MAX_BODY_BYTES)
            .await
            .map_err(|_| bad_form("The form is too large."))?;
        let fields: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&bytes).map_err(|_| bad_form("The form could not be read."))?;
        let sent = fields.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or_default();
        if !csrf_matches(&staff.csrf, sent) {
            return Err(csrf_refused());
        }
        let form = serde_urlencoded::from_bytes(&bytes).map_err(|e| bad_form(&field_error(&e.to_string())))?;
        Ok(StaffForm { staff, form })
    }
}

pub fn csrf_matches(expected: &str, sent: &str) -> bool {
    !expected.is_empty() && expected.len() == sent.len() && bool::from(expected.as_bytes().ct_eq(sent.as_bytes()))
}

/// The field a form error is about, without quoting what was sent.
fn field_error(serde_message: &str) -> String {
    match serde_message.split('`').nth(1) {
        Some(field) if serde_message.starts_with("missing field") => format!("The field {field} is missing."),
        _ => "A field of the form has an invalid value.".into(),
    }
}

fn bad_form(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], message.to_string())
        .into_response()
}

pub fn csrf_refused() -> Response {
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "This form was not sent from the back office (or the page is too old). Reload the page and try again.",
    )
        .into_response()
}

/// Middleware on every `/admin` route: a state-changing request must come from our own pages.
/// Browsers say where a request comes from (`Sec-Fetch-Site`, `Origin`); a cross-site form or
/// script is refused before any handler runs, whatever the cookie.
pub async fn refuse_cross_site(request: Request, next: Next) -> Response {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && !same_origin(request.headers()) {
        return csrf_refused();
    }
    let mut response = next.run(request).await;
    // Staff pages hold personal data: never cached, never indexed.
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex, nofollow"));
    response
}

fn same_origin(headers: &HeaderMap) -> bool {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = get("sec-fetch-site")
        && site != "same-origin"
        && site != "none"
    {
        return false;
    }
    match (get("origin"), get("host")) {
        (Some(origin), Some(host)) => {
            origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://")).is_some_and(|o| o == host)
        }
        // Without Origin (old clients, curl): the CSRF token still has to match.
        (None, _) => true,
        (Some(_), None) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn cross_site_requests_are_told_apart() {
        assert!(same_origin(&headers(&[("origin", "http://127.0.0.1:8080"), ("host", "127.0.0.1:8080")])));
        assert!(!same_origin(&headers(&[("origin", "http://127.0.0.1:9999"), ("host", "127.0.0.1:8080")])));
        assert!(!same_origin(&headers(&[("origin", "null"), ("host", "127.0.0.1:8080")])));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "same-site"), ("host", "127.0.0.1:8080")])));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(same_origin(&headers(&[("sec-fetch-site", "same-origin"), ("host", "shop.example")])));
    }

    #[test]
    fn the_cookie_is_read_only_in_its_exact_shape() {
        let token = "a".repeat(64);
        let h = headers(&[]);
        assert_eq!(token_from(&h), None);
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("x=1; {COOKIE}={token}")).unwrap_or(HeaderValue::from_static("")),
        );
        assert_eq!(token_from(&h), Some(token));
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("__Host-lv_staff=short"));
        assert_eq!(token_from(&h), None);
    }

    #[test]
    fn sessions_expire_when_idle_and_in_any_case() {
        let start = 1_000_000_000_000_000;
        let minute = 60 * Timestamp::MICROS_PER_SECOND;
        assert!(alive(start, start, Timestamp(start + 29 * minute)));
        assert!(!alive(start, start, Timestamp(start + 31 * minute)));
        // Busy all day: still ends after 12 hours.
        let last = start + 12 * 60 * minute - minute;
        assert!(!alive(start, last, Timestamp(start + 12 * 60 * minute)));
    }

    #[test]
    fn csrf_comparison_needs_the_exact_token() {
        assert!(csrf_matches("abc", "abc"));
        assert!(!csrf_matches("abc", "abd"));
        assert!(!csrf_matches("abc", ""));
        assert!(!csrf_matches("", ""));
    }
}
