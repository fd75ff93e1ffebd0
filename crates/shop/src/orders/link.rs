//! The link that opens a guest's order, and only for 30 days.
//!
//! The link is `/orders/{id}#key=<expiry>.<mac>`: the key is an HMAC under the installation's
//! secret over the order id and the link's expiry, so nothing is stored, a link cannot be
//! forged from an id, and an old link stops opening the order after [`LINK_DAYS`]. The key sits
//! in the URL's *fragment*, which a browser never sends: it is in no request line, no access or
//! proxy log, no `Referer`. The order page's own script reads it, clears it from the address bar
//! and posts it (`POST /orders/{id}`), and the order is shown in answer to that post. Without the
//! key the same address is a neutral "thank you, your confirmation is on its way by email" —
//! which is why the payment provider's success URL carries no key at all: the provider, its
//! logs and the customer's history hold nothing that opens the order's personal data.
//!
//! An expired (but genuine) link says so and offers a fresh one, which [`send_fresh_link`] mails
//! to the address the order was placed with when the person gives that same address; the answer
//! is the same whether or not the order exists and the address matches.

use std::net::IpAddr;

use hmac::{Hmac, KeyInit, Mac};
use luxevault_core::{Email, Lang, Timestamp};
use luxevault_storage::{OrderRow, Orders};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use uuid::Uuid;

use crate::Shop;
use crate::auth;
use crate::error::ShopError;
use crate::outbox::{EmailJob, queue_email};

/// How long an emailed order link opens the order.
pub const LINK_DAYS: i64 = 30;

/// Fresh links one address may ask for an order in the throttle's window.
const FRESH_LINKS_ALLOWED: i32 = 3;

/// What a key says about an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyCheck {
    Valid,
    /// Genuine, but older than [`LINK_DAYS`].
    Expired,
    /// Not a key of this order (or no key at all).
    Invalid,
}

fn mac(shop: &Shop, order: Uuid, expires_secs: i64) -> Option<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(shop.order_link_key()).ok()?;
    mac.update(b"order-link:v2:");
    mac.update(order.as_bytes());
    mac.update(&expires_secs.to_be_bytes());
    Some(hex::encode(mac.finalize().into_bytes()))
}

/// The key of a link to `order` that opens it until `expires`.
pub fn key_until(shop: &Shop, order: Uuid, expires: Timestamp) -> String {
    let secs = expires.as_micros() / Timestamp::MICROS_PER_SECOND;
    mac(shop, order, secs).map(|m| format!("{secs}.{m}")).unwrap_or_default()
}

/// A key that opens `order` for [`LINK_DAYS`] from now.
pub fn fresh_key(shop: &Shop, order: Uuid) -> String {
    key_until(shop, order, shop.clock().now().plus_days(LINK_DAYS))
}

pub fn check(shop: &Shop, order: Uuid, key: &str) -> KeyCheck {
    let Some((secs, given)) = key.trim().split_once('.') else { return KeyCheck::Invalid };
    let Ok(secs) = secs.parse::<i64>() else { return KeyCheck::Invalid };
    let Some(expected) = mac(shop, order, secs) else { return KeyCheck::Invalid };
    if !bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
        return KeyCheck::Invalid;
    }
    let expires = Timestamp(secs.saturating_mul(Timestamp::MICROS_PER_SECOND));
    if shop.clock().now() < expires { KeyCheck::Valid } else { KeyCheck::Expired }
}

/// The order's address without any secret: the page a payment provider sends the customer back
/// to, and the page behind every emailed link.
pub fn order_path(shop: &Shop, order: &OrderRow) -> String {
    let lang = Lang::parse(&order.lang).unwrap_or_else(|| shop.settings().default_lang().clone());
    format!("{}/orders/{}", shop.settings().prefix(&lang), order.id)
}

/// The customer-facing link of an order for an email: its address, and a fresh key in the fragment.
pub fn order_url(shop: &Shop, order: &OrderRow) -> String {
    format!("{}{}#key={}", shop.commerce().public_base_url, order_path(shop, order), fresh_key(shop, order.id))
}

/// Mails a fresh link to the order's own address when `email` is that address. Says nothing
/// either way (no such order, another address, an anonymised order: the same `Ok`), and only a
/// few links an hour go to one address, so the form is neither an oracle nor a mail cannon.
pub async fn send_fresh_link(shop: &Shop, order: Uuid, email: &str, client: Option<IpAddr>) -> Result<(), ShopError> {
    let now = shop.clock().now();
    let client_key = auth::throttle_key(
        shop.order_link_key(),
        "order-link:address",
        &client.map(|a| a.to_string()).unwrap_or_default(),
    );
    if !auth::attempt(shop.db(), &client_key, auth::ADDRESS_ATTEMPTS_ALLOWED, now).await? {
        return Err(auth::too_many());
    }
    let Ok(email) = Email::parse(email) else { return Ok(()) };
    let Some(row) = Orders::by_id(shop.db(), order).await? else { return Ok(()) };
    let stored = row.email.expose();
    let matches = Email::parse(stored).is_ok_and(|s| s.normalized() == email.normalized());
    if !matches {
        return Ok(());
    }
    let order_key = auth::throttle_key(shop.order_link_key(), "order-link:order", &order.to_string());
    if auth::attempt(shop.db(), &order_key, FRESH_LINKS_ALLOWED, now).await? {
        queue_email(shop.db(), &EmailJob::OrderLink { order_id: order }, now).await?;
    }
    Ok(())
}
