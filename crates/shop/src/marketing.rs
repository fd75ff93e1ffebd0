//! Marketing email (P22): a campaign written by staff is queued to every customer whose consent
//! ledger says yes at that moment and who has neither restricted their data (Art. 18) nor
//! objected to marketing (Art. 21(2)), an account or their address alike; each email is checked
//! again when it is sent (`jobs::emails`). Erased customers have no account left to write to.

use luxevault_core::Email;
use luxevault_storage::{Accounts, Marketing};
use uuid::Uuid;

use crate::Shop;
use crate::error::ShopError;
use crate::outbox::{EmailJob, queue_email};
use crate::privacy::limits::{Person, email_key, may_process};

/// Queues a campaign to everyone who may receive it now; returns how many.
pub async fn send_campaign(shop: &Shop, subject: &str, body: &str) -> Result<(Uuid, i64), ShopError> {
    let subject = subject.trim();
    if subject.is_empty() || subject.chars().count() > 150 || subject.chars().any(char::is_control) {
        return Err(ShopError::invalid("invalid_subject", "The subject is one line of 1 to 150 characters."));
    }
    let body = body.trim();
    if body.is_empty() || body.chars().count() > 10_000 {
        return Err(ShopError::invalid("invalid_body", "The text is 1 to 10,000 characters."));
    }
    // Staff's text is stored and mailed: the sensitive-data guard passes over it first (P4).
    let (subject, body) = (crate::guard::free_text(subject, "subject"), crate::guard::free_text(body, "body"));
    let (subject, body) = (subject.as_str(), body.as_str());
    let now = shop.clock().now();
    let db = shop.db();
    let id = Marketing::create(db, subject, body, now).await?;
    let mut queued = 0i64;
    for customer in Marketing::audience(db, now).await? {
        // The database has checked the account's consent, restriction and objection; the
        // register of addresses (a restriction asked for without signing in) is checked here.
        let Some(row) = Accounts::by_id(db, customer).await? else { continue };
        let email = Email::parse(row.email.expose()).ok();
        let person = Person { customer: Some(customer), email_key: email.map(|e| email_key(shop, &e)) };
        if !may_process(shop, &person, "marketing", now).await? {
            continue;
        }
        if queue_email(db, &EmailJob::Marketing { campaign_id: id, customer_id: customer }, now).await? {
            queued += 1;
        }
    }
    Marketing::set_queued(db, id, queued).await?;
    tracing::info!(campaign = %id, queued, "marketing campaign queued");
    Ok((id, queued))
}

/// The one-click unsubscribe address of a customer's marketing email (RFC 8058). It must name
/// the recipient, yet an address travels through mail providers, link scanners and proxies' logs:
/// so the account's id is sealed under the installation's key with a fresh nonce each time (an
/// HMAC-SHA-256 keystream and tag, encrypt-then-MAC). Each link looks unrelated to the others,
/// says nothing of the person, and cannot be forged for another account.
pub fn unsubscribe_url(shop: &Shop, customer: Uuid) -> Result<String, ShopError> {
    Ok(format!("{}/unsubscribe/{}", shop.commerce().public_base_url, seal(shop, customer)?))
}

const NONCE: usize = 8;
const TAG: usize = 12;
/// Hex characters of a sealed id: nonce, the 16 bytes of the id, tag.
pub const TOKEN_CHARS: usize = 2 * (NONCE + 16 + TAG);

fn keyed(shop: &Shop, label: &[u8], parts: &[&[u8]]) -> Result<[u8; 32], ShopError> {
    use hmac::{Hmac, KeyInit, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(shop.order_link_key()).map_err(|_| ShopError::Internal)?;
    mac.update(label);
    for part in parts {
        mac.update(part);
    }
    Ok(mac.finalize().into_bytes().into())
}

fn seal(shop: &Shop, customer: Uuid) -> Result<String, ShopError> {
    let mut nonce = [0u8; NONCE];
    getrandom::fill(&mut nonce).map_err(|_| ShopError::Internal)?;
    let pad = keyed(shop, b"unsubscribe-pad:", &[&nonce])?;
    let sealed: Vec<u8> = customer.as_bytes().iter().zip(pad).map(|(b, p)| b ^ p).collect();
    let tag = keyed(shop, b"unsubscribe-tag:", &[&nonce, &sealed])?;
    Ok(format!("{}{}{}", hex::encode(nonce), hex::encode(&sealed), hex::encode(&tag[..TAG])))
}

fn open(shop: &Shop, token: &str) -> Option<Uuid> {
    use subtle::ConstantTimeEq;
    if token.len() != TOKEN_CHARS {
        return None;
    }
    let bytes = hex::decode(token).ok()?;
    let (nonce, rest) = bytes.split_at(NONCE);
    let (sealed, tag) = rest.split_at(16);
    let expected = keyed(shop, b"unsubscribe-tag:", &[nonce, sealed]).ok()?;
    if !bool::from(expected[..TAG].ct_eq(tag)) {
        return None;
    }
    let pad = keyed(shop, b"unsubscribe-pad:", &[nonce]).ok()?;
    let id: Vec<u8> = sealed.iter().zip(pad).map(|(b, p)| b ^ p).collect();
    Uuid::from_slice(&id).ok()
}

/// Withdraws the marketing consent behind an unsubscribe link, in one step and without signing
/// in (P10, P22). Idempotent: a second use, or the use of an erased account's link, changes
/// nothing and answers the same. The withdrawal is recorded in the consent ledger as its proof.
pub async fn unsubscribe(shop: &Shop, token: &str) -> Result<(), ShopError> {
    let customer = open(shop, token).ok_or_else(|| ShopError::not_found("This unsubscribe link is not valid."))?;
    if Accounts::by_id(shop.db(), customer).await?.is_none() || !crate::consent::is_consent_purpose(shop, "marketing") {
        return Ok(());
    }
    if luxevault_storage::Consents::is_granted(shop.db(), customer, "marketing").await? {
        crate::consent::record(shop, customer, "marketing", false, "/unsubscribe", "one_click").await?;
        tracing::info!(customer = %customer, "marketing consent withdrawn by one-click unsubscribe");
    }
    Ok(())
}
