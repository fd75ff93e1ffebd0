//! Rights requests and their clocks (P17, P21). Staff log the requests that arrive by email or
//! WhatsApp; account holders file theirs from their account; people without an account prove
//! they hold an address with an emailed code. Each request is due one month after receipt at the
//! latest (never later than the policy's promise), extendable once by two months with a notice,
//! with the policy's five-business-day aim alongside.

use luxevault_core::order::Actor;
use luxevault_core::requests::{Channel, RequestKind, deadline, target};
use luxevault_core::{Email, Lang, Timestamp};
use luxevault_storage::{Accounts, DbError, NewPrivacyRequest, Orders, PrivacyRequestRow, PrivacyRequests};
use uuid::Uuid;

use crate::Shop;
use crate::auth;
use crate::error::ShopError;
use crate::outbox::{EmailJob, queue_email};
use crate::privacy::limits::{self, Person};
use crate::privacy::notices::{self, Notified};
use crate::privacy::rights::{self, Erasure, Kept};

/// A request as it stands after a staff action, with the recipients told and what was kept when
/// carrying it out did either.
#[derive(Debug)]
pub struct Closed {
    pub request: PrivacyRequestRow,
    pub notified: Option<Vec<Notified>>,
    pub kept: Option<Vec<Kept>>,
}

async fn open_request(
    shop: &Shop,
    kind: RequestKind,
    channel: Channel,
    customer: Option<Uuid>,
    contact: &str,
    received: Timestamp,
) -> Result<Uuid, DbError> {
    let rights = &shop.policy().policy.rights;
    let request = NewPrivacyRequest {
        status: "open",
        code: None,
        kind: kind.as_str(),
        channel: channel.as_str(),
        customer_id: customer,
        contact,
        received_at: received,
        due_at: deadline(received, rights.answer_within_days, false, 0),
        target_at: target(received, rights.target_business_days),
    };
    PrivacyRequests::create(shop.db(), &request, shop.clock().now()).await
}

fn invalid_kind() -> ShopError {
    ShopError::invalid("invalid_kind", "kind must be one of the seven rights")
}

/// Logs a request that arrived by email, WhatsApp or a call (P21); its clock starts on the day
/// it arrived (`received_on`, YYYY-MM-DD; today when absent). `contact` is the email address or
/// the phone number it came from; a request that gives only a phone number is answered once
/// staff have called the number on its orders back ([`verify_by_call_back`]).
pub async fn log_received(
    shop: &Shop,
    kind: &str,
    channel: &str,
    contact: &str,
    received_on: Option<&str>,
) -> Result<PrivacyRequestRow, ShopError> {
    let kind = RequestKind::parse(kind).ok_or_else(invalid_kind)?;
    let channel = Channel::parse(channel)
        .ok_or_else(|| ShopError::invalid("invalid_channel", "channel must be email, whatsapp, phone or web"))?;
    let contact = contact.trim();
    let card = luxevault_core::sensitive::has_card_number(contact);
    if contact.is_empty() || contact.chars().count() > 254 || contact.chars().any(char::is_control) || card {
        return Err(ShopError::invalid(
            "invalid_contact",
            "contact must be the email address or number the request came from",
        ));
    }
    let now = shop.clock().now();
    let received = match received_on {
        Some(day) => Timestamp::from_date(day)
            .ok_or_else(|| ShopError::invalid("invalid_date", "received_on must be a date YYYY-MM-DD"))?,
        None => now,
    };
    if received > now {
        return Err(ShopError::invalid("invalid_date", "received_on cannot be in the future"));
    }
    let id = open_request(shop, kind, channel, None, contact, received).await?;
    tracing::info!(request = %id, kind = kind.as_str(), channel = channel.as_str(), "privacy request logged");
    PrivacyRequests::by_id(shop.db(), id).await?.ok_or_else(no_such_request)
}

fn no_such_request() -> ShopError {
    ShopError::not_found("No such request.")
}

/// The method staff record when they proved a phone-only request's person.
pub const CALL_BACK: &str = "call_back";

/// The phone number a request gives, as orders are matched by it (`core::checkout::phone_key`);
/// `None` when its contact is an email address or blank.
pub fn phone_of(row: &PrivacyRequestRow) -> Option<String> {
    let contact = row.contact.expose();
    if contact.contains('@') {
        return None;
    }
    luxevault_core::checkout::phone_key(contact)
}

/// Records that staff proved the person of a request that gives only a phone number: they
/// called back the number already on the person's orders (never a number the request gave
/// anew) and the person answered. Who did it, when, and the method are kept on the request; no
/// code exists, so none is logged. Refused when the request gives no phone number, no order
/// holds it, or it is closed or proven already.
pub async fn verify_by_call_back(shop: &Shop, id: Uuid, actor: &Actor) -> Result<PrivacyRequestRow, ShopError> {
    let row = PrivacyRequests::by_id(shop.db(), id).await?.ok_or_else(no_such_request)?;
    if !matches!(row.status.as_str(), "open" | "extended") {
        return Err(ShopError::conflict("not_open", "Only an open request can be verified."));
    }
    let phone = phone_of(&row).ok_or_else(|| {
        ShopError::conflict("not_a_phone", "This request gives no phone number: verify the person another way.")
    })?;
    if Orders::for_phone(shop.db(), &phone, 1).await?.is_empty() {
        return Err(ShopError::conflict(
            "no_order_with_number",
            "No order holds this number, so there is no number on file to call back.",
        ));
    }
    let now = shop.clock().now();
    if !PrivacyRequests::verify_by_staff(shop.db(), id, &actor.as_string(), CALL_BACK, now).await? {
        return Err(ShopError::conflict("already_verified", "This request's person is already verified."));
    }
    tracing::info!(request = %id, method = CALL_BACK, "privacy request verified by staff");
    PrivacyRequests::by_id(shop.db(), id).await?.ok_or(ShopError::Internal)
}

/// The access copy of a phone-only request (access or portability), once staff proved the
/// person: the orders placed with the number. The request's contact is then kept as long as an
/// emailed copy's link would be (the `request_archives` rule) and cleared with it by the
/// retention run, as for a request made by email.
pub async fn phone_access_copy(shop: &Shop, id: Uuid) -> Result<serde_json::Value, ShopError> {
    let row = PrivacyRequests::by_id(shop.db(), id).await?.ok_or_else(no_such_request)?;
    let phone =
        phone_of(&row).ok_or_else(|| ShopError::conflict("not_a_phone", "This request gives no phone number."))?;
    if !matches!(RequestKind::parse(&row.kind), Some(RequestKind::Access | RequestKind::Portability)) {
        return Err(ShopError::conflict("not_access", "Only an access or portability request has a copy."));
    }
    if row.verified_at.is_none() {
        return Err(unverified());
    }
    let now = shop.clock().now();
    // No link is sent (staff hand the copy over): the hash of a token nobody holds only times
    // the contact's erasure with the rule of the copies behind links.
    let never_sent = auth::new_token()?;
    PrivacyRequests::set_archive(shop.db(), id, &auth::token_hash(&never_sent), now.plus_days(archive_days(shop)))
        .await?;
    rights::document_for_phone(shop, &phone, &row).await
}

fn unverified() -> ShopError {
    ShopError::conflict(
        "not_verified",
        "Verify the person first: call back the number on their orders, then record it.",
    )
}

/// Extends a request by two months, once, and queues the notice telling the person why.
pub async fn extend_request(shop: &Shop, id: Uuid, reason: &str) -> Result<PrivacyRequestRow, ShopError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(ShopError::invalid("reason_required", "Give the reason, in a sentence the person will read."));
    }
    // Free text that is stored and mailed passes the sensitive-data guard (P4, M11).
    let reason = crate::guard::free_text(reason, "extension_reason");
    let reason = reason.as_str();
    let row = PrivacyRequests::by_id(shop.db(), id).await?.ok_or_else(no_such_request)?;
    let now = shop.clock().now();
    if now > row.due_at {
        return Err(ShopError::conflict("too_late", "The deadline has passed: it can no longer be extended."));
    }
    let due = deadline(row.received_at, shop.policy().policy.rights.answer_within_days, true, 0);
    if !PrivacyRequests::extend(shop.db(), id, due, reason, now).await? {
        return Err(ShopError::conflict("not_open", "Only an open request can be extended, and only once."));
    }
    queue_email(shop.db(), &EmailJob::RequestExtended { request_id: id }, now).await?;
    PrivacyRequests::by_id(shop.db(), id).await?.ok_or_else(no_such_request)
}

/// Files a request from the account (identity proven by the session), answered at the account's
/// email address. A restriction needs no weighing when the holder asks for it: it is granted at
/// once (Art. 18), and the recipients told.
pub async fn file_for_account(shop: &Shop, customer: Uuid, kind: &str) -> Result<Closed, ShopError> {
    let kind = RequestKind::parse(kind).ok_or_else(invalid_kind)?;
    let account =
        Accounts::by_id(shop.db(), customer).await?.ok_or_else(|| ShopError::not_found("No such account."))?;
    let now = shop.clock().now();
    let id = open_request(shop, kind, Channel::Web, Some(customer), account.email.expose(), now).await?;
    let notified = if kind == RequestKind::Restriction {
        let person = Person::of_account(shop, customer).await?;
        let email = Email::parse(account.email.expose()).ok();
        Some(limits::grant_restriction(shop, id, &person, email.as_ref(), None).await?)
    } else {
        None
    };
    let request = PrivacyRequests::by_id(shop.db(), id).await?.ok_or(ShopError::Internal)?;
    Ok(Closed { request, notified, kept: None })
}

/// Closes a request as completed (or refused, with the reason), for the API and the back office
/// alike. Completing an erasure or a restriction carries it out and tells the recipients of the
/// person's data (Art. 19).
pub async fn complete_request(
    shop: &Shop,
    id: Uuid,
    outcome: &str,
    refused: bool,
    actor: Actor,
) -> Result<Closed, ShopError> {
    let outcome = outcome.trim();
    if outcome.is_empty() || outcome.chars().count() > 1000 {
        return Err(ShopError::invalid("outcome_required", "Say what was done, or why not."));
    }
    let outcome = crate::guard::free_text(outcome, "outcome");
    let outcome = outcome.as_str();
    let now = shop.clock().now();
    let status = if refused { "refused" } else { "completed" };
    let row = PrivacyRequests::by_id(shop.db(), id).await?;
    // A request that gives only a phone number is answered once the person is proven (M10),
    // when there is anything to disclose or erase: orders placed with the number. (Saying that
    // nothing is held under a number, or refusing, discloses nothing.)
    let phone = row.as_ref().filter(|r| r.customer_id.is_none()).and_then(phone_of);
    if let (false, Some(number), Some(r)) = (refused, &phone, &row)
        && r.verified_at.is_none()
        && matches!(r.status.as_str(), "open" | "extended")
        && !Orders::for_phone(shop.db(), number, 1).await?.is_empty()
    {
        return Err(unverified());
    }
    let granting = !refused
        && row.as_ref().is_some_and(|r| {
            r.kind == RequestKind::Restriction.as_str() && matches!(r.status.as_str(), "open" | "extended")
        });
    if let (true, Some(row)) = (granting, &row) {
        // A restriction granted by staff: the person (their account and their address) is
        // flagged, the recipients are told, and the request closes with both.
        let email = Email::parse(row.contact.expose()).ok();
        let mut person = match &email {
            Some(email) => Person::of_email(shop, email).await?,
            None => Person::default(),
        };
        if let Some(customer) = row.customer_id {
            person.customer = Some(customer);
        }
        if person.customer.is_none() && person.email_key.is_none() {
            return Err(ShopError::conflict(
                "no_person",
                "This request names no account or email address to restrict; restrict by hand and record it.",
            ));
        }
        let notified = limits::grant_restriction(shop, id, &person, email.as_ref(), Some(outcome)).await?;
        let request = PrivacyRequests::by_id(shop.db(), id).await?.ok_or(ShopError::Internal)?;
        return Ok(Closed { request, notified: Some(notified), kept: None });
    }
    let erasing = !refused
        && row.as_ref().is_some_and(|r| {
            r.kind == RequestKind::Erasure.as_str() && matches!(r.status.as_str(), "open" | "extended")
        });
    if let (true, Some(row), Some(phone)) = (erasing, &row, &phone) {
        return complete_phone_erasure(shop, row, phone, outcome).await;
    }
    if let (true, Some(row)) = (erasing, &row) {
        return complete_erasure(shop, row, outcome, actor).await;
    }
    if !PrivacyRequests::close(shop.db(), id, status, outcome, now).await? {
        return Err(ShopError::conflict("not_open", "This request is already closed, or does not exist."));
    }
    let request = PrivacyRequests::by_id(shop.db(), id).await?.ok_or(ShopError::Internal)?;
    Ok(Closed { request, notified: None, kept: None })
}

/// An erasure request logged by staff, the person's identity checked by them: the account using
/// the address (or the request's account) is erased, the orders placed with the address are
/// anonymised as the person's own erasure would, the recipients that received the data are told
/// (Art. 19), and the request closes with what staff said and who was told.
async fn complete_erasure(
    shop: &Shop,
    row: &PrivacyRequestRow,
    outcome: &str,
    actor: Actor,
) -> Result<Closed, ShopError> {
    let now = shop.clock().now();
    let email = Email::parse(row.contact.expose()).ok();
    let account = match &email {
        Some(email) => Accounts::by_email(shop.db(), email).await?.map(|a| a.id),
        None => None,
    }
    .or(row.customer_id);
    if account.is_none() && email.is_none() {
        return Err(ShopError::conflict(
            "no_person",
            "This request names no account or email address to erase; erase by hand and record it.",
        ));
    }
    let orders = limits::orders_of(shop, account, email.as_ref()).await?;
    let received = notices::received(shop, &orders, account.is_some()).await?;
    let notified = notices::notify(shop, row.id, &received).await?;
    let mut in_progress = Vec::new();
    if let Some(customer) = account {
        let of_account: Vec<_> = orders.iter().filter(|o| o.customer_id == Some(customer)).cloned().collect();
        in_progress.extend(rights::erase_account_data(shop, customer, &of_account, now, actor.clone()).await?.1);
    }
    if let Some(email) = &email {
        for number in rights::erase_orders_of_email(shop, &email.normalized(), now).await? {
            if !in_progress.contains(&number) {
                in_progress.push(number);
            }
        }
    }
    let names = notices::names(&notified);
    let record = if names.is_empty() {
        outcome.to_string()
    } else {
        format!("{outcome}; recipients notified: {}", names.join(", "))
    };
    if !PrivacyRequests::close(shop.db(), row.id, "completed", &record, now).await? {
        return Err(ShopError::conflict("not_open", "This request is already closed."));
    }
    tracing::info!(request = %row.id, kept = in_progress.len(), "erasure carried out on a logged request");
    let request = PrivacyRequests::by_id(shop.db(), row.id).await?.ok_or(ShopError::Internal)?;
    let lang = shop.settings().default_lang().clone();
    Ok(Closed { request, notified: Some(notified), kept: Some(rights::kept_explained(shop, &lang, &in_progress)) })
}

/// An erasure request that gives only a phone number, its person proven by a call-back: the
/// orders placed with the number are erased as an email's would be, the recipients told.
async fn complete_phone_erasure(
    shop: &Shop,
    row: &PrivacyRequestRow,
    phone: &str,
    outcome: &str,
) -> Result<Closed, ShopError> {
    let now = shop.clock().now();
    let (notified, in_progress) = rights::erase_by_phone(shop, row.id, phone, now).await?;
    let names = notices::names(&notified);
    let record = if names.is_empty() {
        outcome.to_string()
    } else {
        format!("{outcome}; recipients notified: {}", names.join(", "))
    };
    if !PrivacyRequests::close(shop.db(), row.id, "completed", &record, now).await? {
        return Err(ShopError::conflict("not_open", "This request is already closed."));
    }
    crate::privacy::copies::scrub(shop).await?;
    tracing::info!(request = %row.id, kept = in_progress.len(), "erasure carried out on a phone request");
    let request = PrivacyRequests::by_id(shop.db(), row.id).await?.ok_or(ShopError::Internal)?;
    let lang = shop.settings().default_lang().clone();
    Ok(Closed { request, notified: Some(notified), kept: Some(rights::kept_explained(shop, &lang, &in_progress)) })
}

/// How long a code works, and how many tries it allows.
const CODE_MINUTES: i64 = 15;
const CODE_ATTEMPTS: i32 = 5;
/// How long an access request's download link works: the policy's `request_archives` rule.
fn archive_days(shop: &Shop) -> i64 {
    shop.policy().policy.retention_rule("request_archives").map(|r| i64::from(r.keep_days)).unwrap_or(7)
}

fn six_digits() -> Result<String, ShopError> {
    let mut bytes = [0u8; 4];
    getrandom::fill(&mut bytes).map_err(|_| ShopError::Internal)?;
    Ok(format!("{:06}", u32::from_le_bytes(bytes) % 1_000_000))
}

// ---------------------------------------------------------------------------------------------
// People without an account: the request is made on the privacy centre with an email address;
// a one-time code sent there proves they hold it (the clock waits meanwhile); an access request
// then gets a download link that expires, an erasure is carried out at once.

/// Starts a request about the data held under an email address; a code goes to that address.
/// The caller answers the same whether or not the house holds anything under it. Throttled per
/// client address and per email address (keyed hashes, never the address itself).
pub async fn start_for_address(
    shop: &Shop,
    kind: &str,
    email: &str,
    lang: Option<String>,
    client: Option<std::net::IpAddr>,
) -> Result<Uuid, ShopError> {
    let kind = RequestKind::parse(kind).ok_or_else(invalid_kind)?;
    let email =
        Email::parse(email).map_err(|_| ShopError::invalid("invalid_email", "This is not an email address."))?;
    let now = shop.clock().now();
    let key = auth::throttle_key(
        shop.order_link_key(),
        "request:address",
        &client.map(|a| a.to_string()).unwrap_or_default(),
    );
    let per_email = auth::throttle_key(shop.order_link_key(), "request:email", &email.normalized());
    if !auth::attempt(shop.db(), &key, auth::ADDRESS_ATTEMPTS_ALLOWED, now).await?
        || !auth::attempt(shop.db(), &per_email, 3, now).await?
    {
        return Err(ShopError::throttled("Too many requests. Please wait a few minutes."));
    }
    let code = six_digits()?;
    let code_hash = auth::token_hash(&code);
    let rights = &shop.policy().policy.rights;
    let new = NewPrivacyRequest {
        status: "awaiting_verification",
        code: Some((&code_hash, now.plus_seconds(CODE_MINUTES * 60))),
        kind: kind.as_str(),
        channel: Channel::Web.as_str(),
        customer_id: None,
        contact: &email.normalized(),
        received_at: now,
        due_at: deadline(now, rights.answer_within_days, false, 0),
        target_at: target(now, rights.target_business_days),
    };
    let id = PrivacyRequests::create(shop.db(), &new, now).await?;
    queue_email(shop.db(), &EmailJob::RequestCode { request_id: id, code, lang: lang.unwrap_or_default() }, now)
        .await?;
    Ok(id)
}

/// What happens once the person has proven they hold the address.
#[derive(Debug)]
pub enum Verified {
    /// Access or portability: the copy waits behind a secret link until `expires`.
    Archive { token: String, expires: Timestamp },
    /// Erasure, carried out at once.
    Erased(Erasure),
    /// Restriction, granted at once.
    Restricted(Vec<Notified>),
    /// The other rights go to staff, who answer by `due_at`.
    Open { due_at: Timestamp },
}

/// Checks the emailed code (five tries, fifteen minutes), then carries out what needs no
/// weighing: the copy of an access request, an erasure, a restriction. The other rights wait
/// for staff.
pub async fn verify_address(shop: &Shop, id: Uuid, code: &str, lang: Option<&str>) -> Result<Verified, ShopError> {
    use subtle::ConstantTimeEq;
    let wrong =
        || ShopError::rejected("invalid_code", "This code is not right, or has expired. You can ask for a new one.");
    let now = shop.clock().now();
    let (hash, expires, attempts, status) = PrivacyRequests::verification(shop.db(), id).await?.ok_or_else(wrong)?;
    if status != "awaiting_verification" {
        return Err(wrong());
    }
    if attempts >= CODE_ATTEMPTS {
        return Err(ShopError::throttled("Too many tries: ask for a new code."));
    }
    PrivacyRequests::count_attempt(shop.db(), id).await?;
    let given = auth::token_hash(code.trim());
    let matches = hash.as_deref().is_some_and(|h| bool::from(h.as_bytes().ct_eq(given.as_bytes())));
    if !matches || expires.is_none_or(|e| Timestamp(e) <= now) {
        return Err(wrong());
    }
    if !PrivacyRequests::verify(shop.db(), id, now).await? {
        return Err(wrong());
    }
    let request = PrivacyRequests::by_id(shop.db(), id).await?.ok_or(ShopError::Internal)?;
    match RequestKind::parse(&request.kind) {
        Some(RequestKind::Access | RequestKind::Portability) => {
            let token = auth::new_token()?;
            let expires = now.plus_days(archive_days(shop));
            PrivacyRequests::set_archive(shop.db(), id, &auth::token_hash(&token), expires).await?;
            PrivacyRequests::close(shop.db(), id, "completed", "copy made available for download", now).await?;
            Ok(Verified::Archive { token, expires })
        }
        Some(RequestKind::Erasure) => {
            let lang = lang
                .and_then(Lang::parse)
                .filter(|l| shop.settings().langs.contains(l))
                .unwrap_or_else(|| shop.settings().default_lang().clone());
            let erasure = rights::erase_by_email(shop, id, request.contact.expose(), &lang, now).await?;
            let names = notices::names(&erasure.notified);
            let record = if names.is_empty() {
                "orders anonymised; orders on their way kept until complete".to_string()
            } else {
                format!(
                    "orders anonymised; orders on their way kept until complete; recipients notified: {}",
                    names.join(", ")
                )
            };
            PrivacyRequests::close(shop.db(), id, "completed", &record, now).await?;
            crate::privacy::copies::scrub(shop).await?;
            Ok(Verified::Erased(erasure))
        }
        Some(RequestKind::Restriction) => {
            let email = Email::parse(request.contact.expose()).map_err(|_| ShopError::Internal)?;
            let person = Person::of_email(shop, &email).await?;
            Ok(Verified::Restricted(limits::grant_restriction(shop, id, &person, Some(&email), None).await?))
        }
        _ => Ok(Verified::Open { due_at: request.due_at }),
    }
}

/// The archive of the data held under a request's address, while its secret link is valid; the
/// same "expired" answer for a wrong link, an expired one and no such request.
pub async fn archive_behind_link(shop: &Shop, id: Uuid, token: Option<&str>) -> Result<Vec<u8>, ShopError> {
    use subtle::ConstantTimeEq;
    let gone = || ShopError::not_found("This link has expired. Make a new request from the privacy centre.");
    let now = shop.clock().now();
    let (hash, expires) = PrivacyRequests::archive(shop.db(), id).await?.ok_or_else(gone)?;
    let given = auth::token_hash(token.unwrap_or_default());
    let valid = hash.as_deref().is_some_and(|h| bool::from(h.as_bytes().ct_eq(given.as_bytes())))
        && expires.is_some_and(|e| Timestamp(e) > now);
    if !valid {
        return Err(gone());
    }
    let request = PrivacyRequests::by_id(shop.db(), id).await?.ok_or_else(gone)?;
    let document = rights::document_for_email(shop, request.contact.expose(), &request).await?;
    crate::privacy::archive::build(&shop.policy().policy, &document, shop.settings().default_lang())
}
