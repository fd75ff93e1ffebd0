//! Creating and changing staff members: one service for `luxevault staff create` and the staff
//! page, so the rules (username shape, password length, one owner at least) hold for both.

use luxevault_core::staff::{Role, valid_password, valid_username};
use luxevault_core::{Clock, Pii};
use luxevault_storage::{Db, DbError, NewStaff, Staff};
use uuid::Uuid;

use crate::auth;
use crate::staff::audit_trail::{self, AuditEvent};

#[derive(Debug, thiserror::Error)]
pub enum MemberError {
    #[error("a username has 3 to 32 characters: lowercase letters, digits, '.', '-' or '_'")]
    Username,
    #[error("{0}")]
    Password(&'static str),
    #[error("the username or the email is already taken")]
    Taken,
    #[error("this is not an email address")]
    Email,
    #[error("the shop must keep at least one active owner")]
    LastOwner,
    #[error("no such staff member")]
    Unknown,
    #[error("the shop does not offer that language")]
    Language,
    #[error("the password could not be hashed")]
    Hashing,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Who is acting, for the audit log.
pub struct Actor<'a> {
    pub actor: &'a str,
    pub client: &'a str,
}

/// Who a new member is: an email (every member has one), a username (the email's local part
/// when empty), how colleagues see their name (the username when empty).
pub struct NewMember<'a> {
    pub email: &'a str,
    pub username: &'a str,
    pub display_name: &'a str,
}

fn username_from_email(email: &str) -> Option<String> {
    let local = email.split('@').next()?;
    let name: String = local
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'))
        .take(32)
        .collect();
    luxevault_core::staff::valid_username(&name).then_some(name)
}

/// Creates a member who will set up their second factor at first sign-in.
#[allow(clippy::too_many_arguments)]
pub async fn create(
    db: &Db,
    clock: &dyn Clock,
    hashers: &auth::PasswordHashers,
    by: Actor<'_>,
    new: &NewMember<'_>,
    role: Role,
    password: Pii<String>,
) -> Result<Uuid, MemberError> {
    let email = match new.email.trim() {
        "" => String::new(),
        text => luxevault_core::Email::parse(text).map_err(|_| MemberError::Email)?.expose().to_lowercase(),
    };
    // The username is the email's local part when none is given (`claire` for claire@maison.fr).
    let username = match new.username.trim() {
        "" => username_from_email(&email).ok_or(MemberError::Username)?,
        given => given.to_lowercase(),
    };
    let display_name = new.display_name;
    if !valid_username(&username) || luxevault_core::sensitive::has_card_number(&username) {
        return Err(MemberError::Username);
    }
    valid_password(password.expose()).map_err(MemberError::Password)?;
    let hash = auth::hash_password(hashers, password.expose().clone()).await.map_err(|_| MemberError::Hashing)?;
    let display_name = if display_name.trim().is_empty() { username.as_str() } else { display_name.trim() };
    let display_name = crate::guard::free_text(&display_name.chars().take(80).collect::<String>(), "display_name");
    let now = clock.now();
    let member = NewStaff {
        username: &username,
        email: &email,
        display_name: &display_name,
        role: role.as_str(),
        password_hash: &hash,
    };
    let id = Staff::create(db, &member, now).await?.ok_or(MemberError::Taken)?;
    let id_text = id.to_string();
    let event = AuditEvent {
        actor: by.actor,
        client: by.client,
        action: "staff.create",
        subject_kind: "staff",
        subject_id: &id_text,
        reason: Some(role.as_str()),
    };
    audit_trail::record(db, now, event).await?;
    Ok(id)
}

/// Changes a member's role (their sessions end); the last active owner cannot be demoted.
pub async fn change_role(db: &Db, clock: &dyn Clock, by: Actor<'_>, id: Uuid, role: Role) -> Result<(), MemberError> {
    let member = Staff::by_id(db, id).await?.ok_or(MemberError::Unknown)?;
    if member.role == "owner" && role != Role::Owner && member.active && Staff::active_owners(db).await? <= 1 {
        return Err(MemberError::LastOwner);
    }
    let now = clock.now();
    Staff::set_role(db, id, role.as_str(), now).await?;
    let id_text = id.to_string();
    let event = AuditEvent {
        actor: by.actor,
        client: by.client,
        action: "staff.role_change",
        subject_kind: "staff",
        subject_id: &id_text,
        reason: Some(role.as_str()),
    };
    audit_trail::record(db, now, event).await?;
    Ok(())
}

/// Disables or re-enables a member (disabling ends their sessions); never the last owner.
pub async fn set_active(db: &Db, clock: &dyn Clock, by: Actor<'_>, id: Uuid, active: bool) -> Result<(), MemberError> {
    let member = Staff::by_id(db, id).await?.ok_or(MemberError::Unknown)?;
    if !active && member.role == "owner" && member.active && Staff::active_owners(db).await? <= 1 {
        return Err(MemberError::LastOwner);
    }
    let now = clock.now();
    Staff::set_active(db, id, active, now).await?;
    let id_text = id.to_string();
    let action = if active { "staff.enable" } else { "staff.disable" };
    let event = AuditEvent {
        actor: by.actor,
        client: by.client,
        action,
        subject_kind: "staff",
        subject_id: &id_text,
        reason: None,
    };
    audit_trail::record(db, now, event).await?;
    Ok(())
}

/// Removes a member's second factor after a lost phone: they set it up again at next sign-in.
pub async fn reset_second_factor(db: &Db, clock: &dyn Clock, by: Actor<'_>, id: Uuid) -> Result<(), MemberError> {
    Staff::by_id(db, id).await?.ok_or(MemberError::Unknown)?;
    let now = clock.now();
    Staff::reset_totp(db, id, now).await?;
    let id_text = id.to_string();
    let event = AuditEvent {
        actor: by.actor,
        client: by.client,
        action: "staff.second_factor_reset",
        subject_kind: "staff",
        subject_id: &id_text,
        reason: None,
    };
    audit_trail::record(db, now, event).await?;
    Ok(())
}

/// The language a member reads the back office in, among the shop's `offered` languages;
/// `None` goes back to the browser's. A language the shop does not offer is refused.
pub async fn set_language(
    db: &Db,
    clock: &dyn Clock,
    id: Uuid,
    language: Option<&luxevault_core::Lang>,
    offered: &[luxevault_core::Lang],
) -> Result<(), MemberError> {
    if language.is_some_and(|l| !offered.contains(l)) {
        return Err(MemberError::Language);
    }
    Staff::set_language(db, id, language.map(|l| l.as_str()), clock.now()).await?;
    Ok(())
}
