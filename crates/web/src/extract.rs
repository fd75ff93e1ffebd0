//! Who is asking: the customer behind a bearer token (`Authorization: Bearer …`, the token the
//! browser keeps in localStorage as `lg_session`), the visitor behind a page view, the operator
//! behind the admin token, and the client's address for throttling. Shared by every audience.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use luxevault_core::Timestamp;
use luxevault_storage::Accounts;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::AppState;
use luxevault_shop::auth::{SESSION_IDLE_DAYS, token_hash};

/// A signed-in customer.
#[derive(Debug, Clone)]
pub struct Customer {
    pub id: Uuid,
    /// The hash of the session's token (the token itself is never kept).
    pub session: String,
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer "))?.trim();
    (token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())).then_some(token)
}

fn unauthorised() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "not_signed_in", "Please sign in again.")
}

/// Resolves the session; `None` when there is no token. An invalid or expired token is an error,
/// so a browser holding a stale token learns to forget it.
pub async fn resolve(state: &AppState, parts: &Parts) -> Result<Option<Customer>, ApiError> {
    let Some(token) = bearer(parts) else {
        return if parts.headers.contains_key(header::AUTHORIZATION) { Err(unauthorised()) } else { Ok(None) };
    };
    let hash = token_hash(token);
    let now = state.clock().now();
    let session = Accounts::session(state.db(), &hash).await?.ok_or_else(unauthorised)?;
    let idle_limit = Timestamp(session.last_seen_at).plus_days(SESSION_IDLE_DAYS);
    if now >= Timestamp(session.expires_at) || now >= idle_limit {
        Accounts::delete_session(state.db(), &hash).await?;
        return Err(unauthorised());
    }
    // Touch at most once a minute: a page of requests is one write, not ten.
    if now.as_micros() - session.last_seen_at > 60 * Timestamp::MICROS_PER_SECOND {
        Accounts::touch_session(state.db(), &hash, now).await?;
        Accounts::touch(state.db(), session.customer_id, now).await?;
    }
    Ok(Some(Customer { id: session.customer_id, session: hash }))
}

/// Extractor for routes that need a signed-in customer.
pub struct SignedIn(pub Customer);

impl<S> FromRequestParts<S> for SignedIn
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        resolve(&state, parts).await?.map(SignedIn).ok_or_else(unauthorised)
    }
}

/// Extractor for routes open to guests and customers alike.
pub struct MaybeSignedIn(pub Option<Customer>);

impl<S> FromRequestParts<S> for MaybeSignedIn
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        Ok(MaybeSignedIn(resolve(&state, parts).await?))
    }
}

/// The client's address, for throttling only (never stored raw: throttle keys are keyed
/// hashes). Behind the configured reverse proxies, or a proxy on this machine (a loopback
/// peer), the address they report in `X-Forwarded-For`; the header is ignored from anyone
/// else, who could forge it.
pub struct ClientAddr(pub Option<IpAddr>);

impl<S> FromRequestParts<S> for ClientAddr
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        let trusted = &state.commerce().trusted_proxies;
        Ok(ClientAddr(client_address(
            peer,
            parts.headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()),
            trusted,
        )))
    }
}

/// The nearest address in the forwarding chain that is not one of our proxies. A peer on the
/// loopback address is a process of this machine — a reverse proxy in front of the shop, since
/// nobody else can connect from there — and is believed like a listed one: otherwise, behind
/// a local proxy nobody listed, every customer would share one address and one throttle.
pub(crate) fn client_address(peer: Option<IpAddr>, forwarded: Option<&str>, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = peer?;
    let ours = |a: &IpAddr| a.is_loopback() || trusted.contains(a);
    if !ours(&peer) {
        return Some(peer);
    }
    let chain: Vec<IpAddr> = forwarded.unwrap_or_default().split(',').filter_map(|a| a.trim().parse().ok()).collect();
    chain.into_iter().rev().find(|a| !ours(a)).or(Some(peer))
}

/// The signed-in customer behind a page view, if any. A stale token is no error here: the view
/// is then simply anonymous (the page itself tells the browser to forget the token).
pub struct Viewer(pub Option<Customer>);

impl<S> FromRequestParts<S> for Viewer
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        Ok(Viewer(resolve(&state, parts).await.ok().flatten()))
    }
}

/// The operator, proven by the admin token.
pub struct Operator;

impl<S> FromRequestParts<S> for Operator
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let Some(expected) = state.commerce().admin_token.as_deref() else {
            return Err(ApiError::not_found("Staff operations are not enabled (no admin_token configured)."));
        };
        let given = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        // Compare digests in constant time: neither length nor prefix leaks.
        let (a, b) = (Sha256::digest(given.as_bytes()), Sha256::digest(expected.as_bytes()));
        if given.is_empty() || !bool::from(a.ct_eq(&b)) {
            return Err(ApiError::new(StatusCode::UNAUTHORIZED, "not_authorised", "A valid admin token is required."));
        }
        Ok(Operator)
    }
}

#[cfg(test)]
mod tests {
    use super::client_address;
    use std::net::IpAddr;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    #[test]
    fn forwarded_addresses_count_only_behind_our_proxies() {
        let proxy = [ip("10.0.0.2")];
        assert_eq!(
            client_address(Some(ip("203.0.113.9")), Some("1.2.3.4"), &proxy),
            Some(ip("203.0.113.9")),
            "forged header ignored"
        );
        assert_eq!(
            client_address(Some(ip("10.0.0.2")), Some("1.2.3.4, 198.51.100.7"), &proxy),
            Some(ip("198.51.100.7"))
        );
        assert_eq!(client_address(Some(ip("10.0.0.2")), Some("garbage"), &proxy), Some(ip("10.0.0.2")));
        assert_eq!(client_address(None, None, &proxy), None);
        // A proxy on this machine is believed without being listed; its own address counts
        // when it forwards nothing.
        assert_eq!(client_address(Some(ip("127.0.0.1")), Some("198.51.100.7"), &[]), Some(ip("198.51.100.7")));
        assert_eq!(client_address(Some(ip("::1")), Some("2001:db8::1"), &[]), Some(ip("2001:db8::1")));
        assert_eq!(client_address(Some(ip("127.0.0.1")), None, &[]), Some(ip("127.0.0.1")));
    }
}
