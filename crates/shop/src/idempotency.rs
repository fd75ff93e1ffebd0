//! Requests made under an Idempotency-Key (staff's order moves, from the admin API and from the
//! back office's forms): the first answer is kept a day, keyed by the door's scope and the key,
//! with a digest of what was asked, so a retry whose answer was lost gets the same answer instead
//! of a second move or a "wrong status". The same machinery as an order's placement — a key from
//! the client, a SHA-256 digest of the request to tell a reused key apart — kept in a table of its
//! own since a move, unlike a placement, makes no row to hang the key on. The answer is opaque
//! here (a status number and a body the edge wrote); nothing personal goes in it.

pub use luxevault_storage::Claim;
use luxevault_storage::Replays;
use sha2::{Digest, Sha256};

use crate::Shop;
use crate::error::ShopError;

/// A digest of the parts of a request that make it this request (the move, the order, the body).
pub fn request_digest(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hex::encode(hasher.finalize())
}

/// Claims `key` within `scope` for the request of digest `digest`, or says what to answer.
pub async fn claim(shop: &Shop, scope: &str, key: &str, digest: &str) -> Result<Claim, ShopError> {
    Ok(Replays::claim(shop.db(), scope, key, digest, shop.clock().now()).await?)
}

/// Keeps the answer of the request that claimed `key`.
pub async fn finish(shop: &Shop, scope: &str, key: &str, status: u16, body: &str) -> Result<(), ShopError> {
    Ok(Replays::finish(shop.db(), scope, key, i32::from(status), body).await?)
}

/// Gives `key` back unanswered (the shop or the provider was unavailable): a retry runs again.
pub async fn forget(shop: &Shop, scope: &str, key: &str) -> Result<(), ShopError> {
    Ok(Replays::forget(shop.db(), scope, key).await?)
}
