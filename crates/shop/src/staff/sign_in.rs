//! Signing staff in (P18, M8): the password (Argon2id), then a TOTP code or a single-use
//! recovery code; a new member enrols an authenticator at first sign-in. Every step is throttled,
//! the half-way session is replaced once both factors are proven (no session fixation), and each
//! sign-in, enrolment and failed code is in the audit log.

use luxevault_core::staff::{RECOVERY_CODES, TOTP_ATTEMPTS_ALLOWED, valid_password};
use luxevault_storage::{Accounts, Staff, StaffRow};
use uuid::Uuid;

use crate::Shop;
use crate::auth::{self, new_token, token_hash};
use crate::error::ShopError;
use crate::staff::audit_trail::{self, AuditEvent};
use crate::staff::second_factor;

/// Sign-in guesses per throttle window, as for customers (`auth::begin_sign_in`): per member and
/// client, per member from clients that never signed in as them, per address from such clients.
pub const STAFF_SIGN_IN: auth::SignInLimits = auth::SignInLimits {
    per_client: 5,
    per_account: 10,
    per_address: 50,
    refusal: "Too many attempts. Wait 15 minutes and try again.",
};
/// Password guesses of a signed-in member (changing their own password).
pub const REAUTH_ATTEMPTS_PER_USER: i32 = 5;
const SIGN_IN_DOOR: &str = "staff-login";

/// What the member does next once the password is right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    /// Enter the code from the authenticator app.
    SecondFactor,
    /// Set up an authenticator first.
    Enrol,
}

impl NextStep {
    /// The half-way session's stage as stored.
    pub fn stage(self) -> &'static str {
        match self {
            Self::SecondFactor => "second_factor",
            Self::Enrol => "enrol",
        }
    }
}

fn too_many(text: &'static str) -> ShopError {
    ShopError::throttled(text)
}

async fn record(shop: &Shop, staff_id: Uuid, client: &str, action: &str) -> Result<(), ShopError> {
    let actor = format!("staff:{staff_id}");
    let id = staff_id.to_string();
    let event = AuditEvent { actor: &actor, client, action, subject_kind: "staff", subject_id: &id, reason: None };
    audit_trail::record(shop.db(), shop.clock().now(), event).await.map(|_| ()).map_err(|error| {
        tracing::error!(error = %error, "audit log append failed");
        ShopError::Unavailable
    })
}

/// The first factor: the password, throttled per username and per client. Returns the half-way
/// session's token and what comes next. Unknown usernames, inactive members and wrong passwords
/// get one answer.
pub async fn prove_password(
    shop: &Shop,
    username: &str,
    password: String,
    client: &str,
    device: &str,
) -> Result<(String, NextStep), ShopError> {
    let db = shop.db();
    let now = shop.clock().now();
    let username = username.trim().to_lowercase();
    let subject = auth::client_subject(client.parse().ok());
    let attempt = auth::begin_sign_in(shop, SIGN_IN_DOOR, &username, &subject, STAFF_SIGN_IN).await?;
    let member = Staff::by_username(db, &username).await?;
    let stored = member.as_ref().filter(|m| m.active).map(|m| m.password_hash.expose().clone());
    let right = match auth::verify_password(shop.hashers(), password, stored).await {
        Ok(right) => right,
        Err(auth::AuthError::Busy) => return Err(ShopError::Busy),
        Err(_) => false,
    };
    let Some(member) = member.filter(|_| right) else {
        return Err(ShopError::Unauthenticated {
            code: "invalid_credentials",
            message: "The username or the password is not right.".into(),
        });
    };
    // The password was right: its count is taken back (the code has its own limit).
    auth::signed_in(shop, attempt).await?;
    let next = if member.totp_secret.is_some() { NextStep::SecondFactor } else { NextStep::Enrol };
    let token = new_token()?;
    Staff::insert_session(db, &token_hash(&token), member.id, next.stage(), client, device, now).await?;
    Ok((token, next))
}

/// The second factor: a TOTP code (each accepted once) or a recovery code (each used once).
pub async fn prove_code(shop: &Shop, member: &StaffRow, code: &str, client: &str) -> Result<(), ShopError> {
    let db = shop.db();
    let now = shop.clock().now();
    let key = auth::throttle_key(shop.order_link_key(), "staff-totp", &member.id.to_string());
    if !auth::attempt(db, &key, TOTP_ATTEMPTS_ALLOWED, now).await? {
        let _ = record(shop, member.id, client, "staff.second_factor_throttled").await;
        return Err(too_many("Too many codes tried. Wait 15 minutes, then sign in again."));
    }
    let secret = member.totp_secret.as_ref().map(|s| s.expose().clone()).unwrap_or_default();
    let accepted = match second_factor::check(&secret, code, now) {
        // The same code twice (a replay, or a shoulder-surfed code) is refused.
        Some(step) => Staff::use_totp_step(db, member.id, step).await.unwrap_or(false),
        None => {
            let hash = second_factor::recovery_code_hash(code);
            code.trim().len() >= 10 && Staff::use_recovery_code(db, member.id, &hash, now).await.unwrap_or(false)
        }
    };
    if !accepted {
        let _ = record(shop, member.id, client, "staff.second_factor_failed").await;
        return Err(ShopError::Unauthenticated {
            code: "invalid_code",
            message: "That code is not right, or was already used.".into(),
        });
    }
    let _ = Accounts::clear_throttle(db, &key).await;
    Ok(())
}

/// Both factors proven: a new full session replaces the half-way one; returns its token.
pub async fn finish(
    shop: &Shop,
    half_way_token: &str,
    staff_id: Uuid,
    client: &str,
    device: &str,
    audit_action: &str,
) -> Result<String, ShopError> {
    let db = shop.db();
    let now = shop.clock().now();
    let token = new_token()?;
    Staff::insert_session(db, &token_hash(&token), staff_id, "full", client, device, now).await?;
    Staff::delete_session(db, &token_hash(half_way_token)).await?;
    Staff::logged_in(db, staff_id, now).await?;
    record(shop, staff_id, client, audit_action).await?;
    Ok(token)
}

/// The secret a new member enrols in their authenticator app (made once, kept until confirmed).
pub async fn enrolment_secret(shop: &Shop, member: &StaffRow) -> Result<String, ShopError> {
    if let Some(secret) = &member.pending_totp_secret {
        return Ok(secret.expose().clone());
    }
    let secret = second_factor::new_secret().ok_or(ShopError::Internal)?;
    Staff::set_pending_totp(shop.db(), member.id, &secret, shop.clock().now()).await?;
    Ok(secret)
}

/// Confirms the enrolment with a code from the app; returns the recovery codes, shown once.
pub async fn confirm_enrolment(
    shop: &Shop,
    member: &StaffRow,
    secret: &str,
    code: &str,
    client: &str,
) -> Result<Vec<String>, ShopError> {
    let now = shop.clock().now();
    let key = auth::throttle_key(shop.order_link_key(), "staff-totp", &member.id.to_string());
    if !auth::attempt(shop.db(), &key, TOTP_ATTEMPTS_ALLOWED, now).await? {
        return Err(too_many("Too many codes tried. Wait 15 minutes, then sign in again."));
    }
    let Some(step) = second_factor::check(secret, code, now) else {
        return Err(ShopError::Unauthenticated {
            code: "invalid_code",
            message: "That code is not right. Check the time on your phone and enter the code now shown.".into(),
        });
    };
    let codes = second_factor::new_recovery_codes(RECOVERY_CODES).ok_or(ShopError::Internal)?;
    let hashes: Vec<String> = codes.iter().map(|c| second_factor::recovery_code_hash(c)).collect();
    if !Staff::confirm_totp(shop.db(), member.id, step, &hashes, now).await? {
        return Err(ShopError::Unavailable);
    }
    let _ = Accounts::clear_throttle(shop.db(), &key).await;
    record(shop, member.id, client, "staff.second_factor_enrolled").await?;
    Ok(codes)
}

/// A member changes their own password, the current one first (throttled like a sign-in);
/// every other session of theirs ends.
pub async fn change_own_password(
    shop: &Shop,
    member: &StaffRow,
    this_session: &str,
    current: String,
    new: String,
    confirm: &str,
) -> Result<(), ShopError> {
    let db = shop.db();
    let now = shop.clock().now();
    // Its own budget: guesses at the sign-in page cannot stop a signed-in member here.
    let key = auth::throttle_key(shop.order_link_key(), "staff-reauth:user", &member.username);
    if !auth::attempt(db, &key, REAUTH_ATTEMPTS_PER_USER, now).await? {
        return Err(too_many("Too many attempts. Wait 15 minutes and try again."));
    }
    let stored = Some(member.password_hash.expose().clone());
    if !auth::verify_password(shop.hashers(), current, stored).await? {
        return Err(ShopError::Unauthenticated {
            code: "invalid_credentials",
            message: "The current password is not right.".into(),
        });
    }
    if new != confirm {
        return Err(ShopError::rejected("passwords_differ", "The two new passwords differ."));
    }
    if let Err(rule) = valid_password(&new) {
        return Err(ShopError::rejected("weak_password", format!("The new password is refused: {rule}.")));
    }
    let hash = auth::hash_password(shop.hashers(), new).await?;
    Staff::set_password(db, member.id, &hash, now).await?;
    auth::password_replaced(shop, SIGN_IN_DOOR, &member.username).await?;
    // Other devices signed in with the old password are signed out.
    for other in Staff::sessions_of(db, member.id).await?.iter().filter(|s| s.token_hash != this_session) {
        let _ = Staff::delete_session(db, &other.token_hash).await;
    }
    let _ = Accounts::clear_throttle(db, &key).await;
    Ok(())
}
