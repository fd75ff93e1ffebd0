//! Boutique service requests (M1, M3): a client books a fitting, a sizing consultation, an
//! alteration or a private viewing in a boutique, without an account or a cookie; the booking
//! is a step at the client's request before a contract (M3), and what it holds is fitting and
//! sizing information (M2). Two clients never get the same associate at the same time: the
//! database refuses the second booking (`luxevault_storage::Appointments::book`).
//!
//! The client manages the appointment through an emailed link whose key sits in the URL's
//! fragment, as an order's does (`orders::link`), and opens it only until the appointment.

pub(crate) mod ics;

use std::collections::HashSet;

use hmac::{Hmac, KeyInit, Mac};
use luxevault_core::appointments::{AppointmentStatus, AssociateTime, SlotQuery, Span, WeekHours, free_slots, on_grid};
use luxevault_core::local_time::{ShopTimeZone, parse_instant};
use luxevault_core::order::Actor;
use luxevault_core::pii::email_key;
use luxevault_core::{Email, Lang, Timestamp};
use luxevault_storage::{AppointmentRow, Appointments, Booking, BoutiqueRow, NewAppointment, ServiceRow};
use serde::Serialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use crate::Shop;
use crate::error::ShopError;
use crate::outbox::{EmailJob, queue_email};

pub use ics::invitation;

/// The legal basis shown with the form and recorded with each booking (M3).
pub const LEGAL_BASIS: &str = "pre_contract";
const MAX_NAME: usize = 100;
const MAX_PIECE: usize = 200;
const MAX_NOTE: usize = 1000;
/// Days of slots one answer shows.
pub const DAYS_SHOWN: i64 = 7;

#[derive(Debug, Clone, Serialize)]
pub struct ServiceView {
    pub slug: String,
    pub name: String,
    pub duration_minutes: i32,
}

#[derive(Debug, Clone, Serialize)]
pub struct BoutiqueView {
    pub slug: String,
    pub name: String,
    pub address: String,
    pub time_zone: String,
    pub hours: String,
    pub services: Vec<ServiceView>,
}

fn service_name(service: &ServiceRow, lang: &Lang, fallback: &Lang) -> String {
    let names: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&service.names).unwrap_or_default();
    names
        .get(lang.as_str())
        .or_else(|| names.get(fallback.as_str()))
        .and_then(|v| v.as_str())
        .map_or_else(|| service.slug.clone(), str::to_string)
}

fn service_view(shop: &Shop, service: &ServiceRow, lang: &Lang) -> ServiceView {
    ServiceView {
        slug: service.slug.clone(),
        name: service_name(service, lang, shop.settings().default_lang()),
        duration_minutes: service.duration_minutes,
    }
}

/// Every boutique with the services someone there gives.
pub async fn boutiques(shop: &Shop, lang: &Lang) -> Result<Vec<BoutiqueView>, ShopError> {
    let db = shop.db();
    let services = Appointments::services(db).await?;
    let mut views = Vec::new();
    for boutique in Appointments::boutiques(db).await? {
        let mut offered = Vec::new();
        for service in &services {
            if !Appointments::associates_for(db, boutique.id, service.id).await?.is_empty() {
                offered.push(service_view(shop, service, lang));
            }
        }
        views.push(BoutiqueView {
            slug: boutique.slug,
            name: boutique.name,
            address: boutique.address,
            time_zone: boutique.time_zone,
            hours: boutique.hours,
            services: offered,
        });
    }
    Ok(views)
}

/// A free start as the client reads it: in the boutique's time and in their own.
#[derive(Debug, Clone, Serialize)]
pub struct SlotView {
    /// RFC 3339, UTC: what the booking sends back.
    pub starts_at: String,
    pub ends_at: String,
    /// `2027-03-28 10:00` in the boutique's zone.
    pub boutique_time: String,
    /// The same instant in the client's zone.
    pub client_time: String,
    /// `CEST`, `JST`: which clock each reading is on.
    pub boutique_zone: String,
    pub client_zone: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Slots {
    pub boutique: String,
    pub service: ServiceView,
    pub boutique_time_zone: String,
    pub client_time_zone: String,
    pub from: String,
    pub days: i64,
    pub slots: Vec<SlotView>,
}

struct Place {
    boutique: BoutiqueRow,
    service: ServiceRow,
    zone: ShopTimeZone,
    hours: WeekHours,
}

async fn place(shop: &Shop, boutique: &str, service: &str) -> Result<Place, ShopError> {
    let db = shop.db();
    let boutique = Appointments::boutique(db, boutique.trim())
        .await?
        .ok_or_else(|| ShopError::NotFound("No boutique by that name.".into()))?;
    let service = Appointments::service(db, service.trim())
        .await?
        .filter(|s| s.active)
        .ok_or_else(|| ShopError::NotFound("No such service.".into()))?;
    let zone = ShopTimeZone::parse(&boutique.time_zone).map_err(|_| ShopError::Unavailable)?;
    let hours = WeekHours::parse(&boutique.hours).map_err(|_| ShopError::Unavailable)?;
    Ok(Place { boutique, service, zone, hours })
}

/// The client's zone, or the boutique's when they gave none; a wrong name is an error that
/// says what is expected.
fn client_zone(given: Option<&str>, boutique: &ShopTimeZone) -> Result<ShopTimeZone, ShopError> {
    match given.map(str::trim).filter(|z| !z.is_empty()) {
        None => Ok(boutique.clone()),
        Some(name) => ShopTimeZone::parse(name).map_err(|e| ShopError::invalid("invalid_time_zone", e)),
    }
}

/// Free slots of `[from, from + days)` (local dates of the boutique), every associate who
/// gives the service considered; `except` leaves one appointment out of the busy times (its
/// own, when it is being moved).
async fn compute(
    shop: &Shop,
    place: &Place,
    from: &str,
    days: i64,
    except: Option<&AppointmentRow>,
    with_bookings: bool,
) -> Result<Vec<luxevault_core::appointments::Slot<Uuid>>, ShopError> {
    let db = shop.db();
    let start = place
        .zone
        .start_of_date(from)
        .ok_or_else(|| ShopError::invalid("invalid_date", "Give a date as 2027-03-28."))?;
    let end = place.zone.days_after(start, days + 1);
    let associates = Appointments::associates_for(db, place.boutique.id, place.service.id).await?;
    let mut busy =
        if with_bookings { Appointments::busy(db, place.boutique.id, start, end).await? } else { Vec::new() };
    if let Some(own) = except
        && let Some(at) = busy.iter().position(|(a, s)| *a == own.associate_id && *s == own.span)
    {
        busy.remove(at);
    }
    let times: Vec<AssociateTime<Uuid>> = associates
        .iter()
        .map(|a| AssociateTime {
            id: a.id,
            hours: (!a.hours.trim().is_empty()).then(|| WeekHours::parse(&a.hours).ok()).flatten(),
            away: busy.iter().filter(|(id, _)| *id == a.id).map(|(_, s)| *s).collect(),
        })
        .collect();
    let closed: HashSet<String> = Appointments::closures(db, place.boutique.id).await?.into_iter().collect();
    Ok(free_slots(&SlotQuery {
        zone: &place.zone,
        hours: &place.hours,
        closed: &closed,
        from,
        days,
        duration_minutes: i64::from(place.service.duration_minutes),
        now: shop.clock().now(),
        associates: &times,
    }))
}

fn slot_view(span: &Span, boutique: &ShopTimeZone, client: &ShopTimeZone) -> SlotView {
    SlotView {
        starts_at: span.start.to_rfc3339(),
        ends_at: span.end.to_rfc3339(),
        boutique_time: boutique.format_minute(span.start),
        client_time: client.format_minute(span.start),
        boutique_zone: boutique.abbreviation(span.start),
        client_zone: client.abbreviation(span.start),
    }
}

/// The free slots of a service in a boutique over [`DAYS_SHOWN`] days from a local date
/// (today in the boutique when none is given), read in the boutique's and the client's zone.
pub async fn slots(
    shop: &Shop,
    boutique: &str,
    service: &str,
    from: Option<&str>,
    client_time_zone: Option<&str>,
    lang: &Lang,
) -> Result<Slots, ShopError> {
    let place = place(shop, boutique, service).await?;
    let client = client_zone(client_time_zone, &place.zone)?;
    let today = place.zone.format_date(shop.clock().now());
    let from = from.map(str::trim).filter(|f| !f.is_empty()).unwrap_or(&today).to_string();
    let first = place
        .zone
        .start_of_date(&from)
        .ok_or_else(|| ShopError::invalid("invalid_date", "Give a date as 2027-03-28."))?;
    if first > shop.clock().now().plus_days(luxevault_core::appointments::MAX_DAYS_AHEAD) {
        return Err(ShopError::invalid("too_far_ahead", "Appointments are offered up to four months ahead."));
    }
    let found = compute(shop, &place, &from, DAYS_SHOWN, None, true).await?;
    Ok(Slots {
        boutique: place.boutique.slug.clone(),
        service: service_view(shop, &place.service, lang),
        boutique_time_zone: place.zone.name().to_string(),
        client_time_zone: client.name().to_string(),
        from,
        days: DAYS_SHOWN,
        slots: found.iter().map(|s| slot_view(&s.span, &place.zone, &client)).collect(),
    })
}

/// A booking as the client sends it.
#[derive(Debug, Clone, Default)]
pub struct BookingRequest {
    pub boutique: String,
    pub service: String,
    pub starts_at: String,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub piece: String,
    pub note: String,
    pub lang: Option<Lang>,
    pub client_time_zone: String,
    pub idempotency_key: String,
}

/// An appointment as its client reads it.
#[derive(Debug, Clone, Serialize)]
pub struct AppointmentView {
    pub id: Uuid,
    pub status: &'static str,
    pub boutique: String,
    pub boutique_name: String,
    pub address: String,
    pub service: ServiceView,
    pub associate: String,
    pub slot: SlotView,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub piece: String,
    pub note: String,
    pub legal_basis: &'static str,
}

#[derive(Debug)]
pub struct Booked {
    pub appointment: AppointmentView,
    pub replayed: bool,
    /// The fragment key that opens the appointment (also emailed).
    pub key: String,
    /// How many card numbers the guard removed from the note.
    pub removed: usize,
}

fn request_hash(r: &BookingRequest) -> String {
    let mut hasher = Sha256::new();
    for part in [&r.boutique, &r.service, &r.starts_at, &r.name, &r.email, &r.phone, &r.piece, &r.note] {
        hasher.update(part.trim().as_bytes());
        hasher.update([0]);
    }
    hex::encode(hasher.finalize())
}

fn one_line(text: &str, code: &'static str, max: usize, what: &str) -> Result<String, ShopError> {
    let text = text.trim();
    if text.chars().count() > max || text.chars().any(char::is_control) {
        return Err(ShopError::invalid(code, format!("{what} must be one line of at most {max} characters.")));
    }
    Ok(crate::guard::free_text(text, code))
}

/// Books a slot: the start must be one the boutique offers, the client gives a name and a way
/// to reach them (email or phone), and the note passes the sensitive-data guard. The first free
/// associate who gives the service gets it; when the database refuses every one (another client
/// was faster), the answer says to choose again. The same request under the same key is the
/// same appointment.
pub async fn book(shop: &Shop, request: BookingRequest) -> Result<Booked, ShopError> {
    let key = request.idempotency_key.trim();
    if key.len() < 16 || key.len() > 100 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ShopError::invalid("invalid_idempotency_key", "Send an Idempotency-Key of 16 to 100 characters."));
    }
    let place = place(shop, &request.boutique, &request.service).await?;
    let start = parse_instant(&request.starts_at)
        .filter(|t| on_grid(*t))
        .ok_or_else(|| ShopError::invalid("invalid_start", "Choose one of the times offered."))?;
    let name = one_line(&request.name, "name", MAX_NAME, "The name")?;
    if name.is_empty() {
        return Err(ShopError::invalid("name", "Tell us your name."));
    }
    let email = request.email.trim();
    let email = if email.is_empty() {
        None
    } else {
        Some(Email::parse(email).map_err(|_| ShopError::invalid("email", "This email address is not valid."))?)
    };
    let phone = request.phone.trim().to_string();
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    if !phone.is_empty()
        && (!phone.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c)) || !(6..=20).contains(&digits))
    {
        return Err(ShopError::invalid("phone", "This phone number is not valid."));
    }
    if email.is_none() && phone.is_empty() {
        return Err(ShopError::invalid("contact", "Give an email address or a phone number so that we can confirm."));
    }
    let piece = one_line(&request.piece, "piece", MAX_PIECE, "The piece")?;
    let note_raw = request.note.trim();
    if note_raw.chars().count() > MAX_NOTE {
        return Err(ShopError::invalid("note", format!("The note must be at most {MAX_NOTE} characters.")));
    }
    let removed = luxevault_core::sensitive::redact_counted(note_raw).1;
    let note = crate::guard::free_text(note_raw, "note");
    let client = client_zone(Some(&request.client_time_zone), &place.zone)?;
    let lang = request.lang.clone().unwrap_or_else(|| shop.settings().default_lang().clone());

    let day = place.zone.format_date(start);
    let offered = compute(shop, &place, &day, 1, None, true).await?;
    let slot = offered.iter().find(|s| s.span.start == start);
    let hash = request_hash(&request);
    let email_text = email.as_ref().map(|e| e.expose().to_string()).unwrap_or_default();
    let new = NewAppointment {
        boutique_id: place.boutique.id,
        service_id: place.service.id,
        span: Span { start, end: start.plus_seconds(i64::from(place.service.duration_minutes) * 60) },
        name: &name,
        email: &email_text,
        email_key: &email_key(&email_text),
        phone: &phone,
        piece: &piece,
        note: &note,
        lang: lang.as_str(),
        client_time_zone: client.name(),
        legal_basis: LEGAL_BASIS,
        idempotency_key: key,
        request_hash: &hash,
    };
    // A retry after the slot was taken by this very booking finds no free associate: the key answers.
    let candidates: Vec<Uuid> = slot.map(|s| s.free.clone()).unwrap_or_default();
    let now = shop.clock().now();
    let booking = Appointments::book(shop.db(), &new, &candidates, now).await?;
    let (row, replayed) = match booking {
        Booking::Booked(row) => (*row, false),
        Booking::Replayed(row) => (*row, true),
        Booking::KeyReused => {
            return Err(ShopError::conflict(
                "idempotency_key_reused",
                "This Idempotency-Key was used for a different booking; use a new key.",
            ));
        }
        // Not free now: taken by another client since the slots were shown, or never offered.
        Booking::Taken if slot.is_none() && !scheduled(shop, &place, &day, start).await? => {
            return Err(ShopError::conflict(
                "slot_unavailable",
                "That time is not offered; choose one of the times shown.",
            ));
        }
        Booking::Taken => {
            return Err(ShopError::conflict("slot_taken", "That time has just been taken; please choose another."));
        }
    };
    if !replayed {
        after_booking(shop, &row).await?;
        tracing::info!(appointment = %row.id, boutique = %place.boutique.slug, service = %place.service.slug, "appointment booked");
    }
    let view = view(shop, &row, &lang).await?;
    Ok(Booked { appointment: view, replayed, key: key_for(shop, &row), removed })
}

/// Whether `start` is a slot of the boutique's week at all, bookings aside.
async fn scheduled(shop: &Shop, place: &Place, day: &str, start: Timestamp) -> Result<bool, ShopError> {
    Ok(compute(shop, place, day, 1, None, false).await?.iter().any(|s| s.span.start == start))
}

/// The confirmation (with its invitation) and the reminder the day before, to an address given.
async fn after_booking(shop: &Shop, row: &AppointmentRow) -> Result<(), ShopError> {
    if row.email.expose().is_empty() {
        return Ok(());
    }
    let now = shop.clock().now();
    queue_email(
        shop.db(),
        &EmailJob::AppointmentConfirmation { appointment_id: row.id, starts_at: row.span.start.as_micros() },
        now,
    )
    .await?;
    let remind_at = row.span.start.plus_seconds(-24 * 3600);
    if remind_at > now {
        crate::outbox::queue_email_at(
            shop.db(),
            &EmailJob::AppointmentReminder { appointment_id: row.id, starts_at: row.span.start.as_micros() },
            remind_at,
            now,
        )
        .await?;
    }
    Ok(())
}

/// The appointment as its client reads it, in their zone.
pub async fn view(shop: &Shop, row: &AppointmentRow, lang: &Lang) -> Result<AppointmentView, ShopError> {
    let db = shop.db();
    let boutique = Appointments::boutique_by_id(db, row.boutique_id).await?.ok_or(ShopError::Unavailable)?;
    let service = Appointments::service_by_id(db, row.service_id).await?.ok_or(ShopError::Unavailable)?;
    let associate = Appointments::associates_of(db, row.boutique_id)
        .await?
        .into_iter()
        .find(|a| a.id == row.associate_id)
        .map(|a| a.display_name)
        .unwrap_or_default();
    let zone = ShopTimeZone::parse(&boutique.time_zone).unwrap_or_else(|_| ShopTimeZone::utc());
    let client = ShopTimeZone::parse(&row.client_time_zone).unwrap_or_else(|_| zone.clone());
    Ok(AppointmentView {
        id: row.id,
        status: row.status.as_str(),
        boutique: boutique.slug,
        boutique_name: boutique.name,
        address: boutique.address,
        service: service_view(shop, &service, lang),
        associate,
        slot: slot_view(&row.span, &zone, &client),
        name: row.name.expose().clone(),
        email: row.email.expose().clone(),
        phone: row.phone.expose().clone(),
        piece: row.piece.expose().clone(),
        note: row.note.expose().clone(),
        legal_basis: LEGAL_BASIS,
    })
}

fn mac(shop: &Shop, id: Uuid, until_secs: i64) -> Option<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(shop.order_link_key()).ok()?;
    mac.update(b"appointment-link:v1:");
    mac.update(id.as_bytes());
    mac.update(&until_secs.to_be_bytes());
    Some(hex::encode(mac.finalize().into_bytes()))
}

/// The key of the link that manages the appointment until it begins (nothing is stored: an
/// HMAC under the installation's secret over the id and the expiry).
pub fn key_for(shop: &Shop, row: &AppointmentRow) -> String {
    let secs = row.span.start.as_micros() / Timestamp::MICROS_PER_SECOND;
    mac(shop, row.id, secs).map(|m| format!("{secs}.{m}")).unwrap_or_default()
}

/// `/appointments/{id}#key=…` in the client's language.
pub fn manage_url(shop: &Shop, row: &AppointmentRow) -> String {
    let lang = Lang::parse(&row.lang).unwrap_or_else(|| shop.settings().default_lang().clone());
    format!(
        "{}{}/appointments/{}#key={}",
        shop.commerce().public_base_url,
        shop.settings().prefix(&lang),
        row.id,
        key_for(shop, row)
    )
}

/// The appointment the key opens, while it may still be managed.
pub async fn open(shop: &Shop, id: Uuid, key: &str) -> Result<AppointmentRow, ShopError> {
    let refused = || ShopError::rejected("invalid_link", "This link does not open an appointment, or it has expired.");
    let (secs, given) = key.trim().split_once('.').ok_or_else(refused)?;
    let secs: i64 = secs.parse().map_err(|_| refused())?;
    let expected = mac(shop, id, secs).ok_or_else(refused)?;
    if !bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
        return Err(refused());
    }
    if shop.clock().now() >= Timestamp(secs.saturating_mul(Timestamp::MICROS_PER_SECOND)) {
        return Err(refused());
    }
    let row = Appointments::by_id(shop.db(), id).await?.ok_or_else(refused)?;
    // A key made for an earlier start no longer opens a moved appointment.
    if key_for(shop, &row) != key.trim() {
        return Err(refused());
    }
    Ok(row)
}

/// Moves the appointment to another offered start; the client gets a new confirmation and
/// link (the old one stops opening it).
pub async fn reschedule(shop: &Shop, id: Uuid, key: &str, starts_at: &str) -> Result<Booked, ShopError> {
    let row = open(shop, id, key).await?;
    if row.status != AppointmentStatus::Booked {
        return Err(ShopError::conflict("not_booked", "This appointment is no longer booked."));
    }
    let start = parse_instant(starts_at)
        .filter(|t| on_grid(*t))
        .ok_or_else(|| ShopError::invalid("invalid_start", "Choose one of the times offered."))?;
    let db = shop.db();
    let boutique = Appointments::boutique_by_id(db, row.boutique_id).await?.ok_or(ShopError::Unavailable)?;
    let service = Appointments::service_by_id(db, row.service_id).await?.ok_or(ShopError::Unavailable)?;
    let place = place(shop, &boutique.slug, &service.slug).await?;
    let day = place.zone.format_date(start);
    let offered = compute(shop, &place, &day, 1, Some(&row), true).await?;
    let slot = offered.iter().find(|s| s.span.start == start).ok_or_else(|| {
        ShopError::conflict("slot_unavailable", "That time is not offered; choose one of the times shown.")
    })?;
    // The associate the client already had first, when free.
    let mut candidates = slot.free.clone();
    if let Some(at) = candidates.iter().position(|a| *a == row.associate_id) {
        candidates.swap(0, at);
    }
    let span = Span { start, end: start.plus_seconds(i64::from(service.duration_minutes) * 60) };
    let now = shop.clock().now();
    if !Appointments::reschedule(db, id, span, &candidates, now).await? {
        return Err(ShopError::conflict("slot_taken", "That time has just been taken; please choose another."));
    }
    let moved = Appointments::by_id(db, id).await?.ok_or(ShopError::Unavailable)?;
    after_booking(shop, &moved).await?;
    let lang = Lang::parse(&moved.lang).unwrap_or_else(|| shop.settings().default_lang().clone());
    Ok(Booked {
        appointment: view(shop, &moved, &lang).await?,
        replayed: false,
        key: key_for(shop, &moved),
        removed: 0,
    })
}

/// Cancels the appointment; its time is free again at once. Cancelling twice is harmless.
pub async fn cancel(shop: &Shop, id: Uuid, key: &str) -> Result<AppointmentView, ShopError> {
    let row = open(shop, id, key).await?;
    let now = shop.clock().now();
    if Appointments::finish(shop.db(), id, AppointmentStatus::Cancelled, now).await? && !row.email.expose().is_empty() {
        queue_email(shop.db(), &EmailJob::AppointmentCancelled { appointment_id: id }, now).await?;
    }
    let row = Appointments::by_id(shop.db(), id).await?.ok_or(ShopError::Unavailable)?;
    let lang = Lang::parse(&row.lang).unwrap_or_else(|| shop.settings().default_lang().clone());
    view(shop, &row, &lang).await
}

/// Staff record how it went: completed or no-show, once it has begun; never moved back.
pub async fn record_outcome(shop: &Shop, id: Uuid, outcome: AppointmentStatus, actor: &Actor) -> Result<(), ShopError> {
    let row =
        Appointments::by_id(shop.db(), id).await?.ok_or_else(|| ShopError::NotFound("No such appointment.".into()))?;
    if !matches!(outcome, AppointmentStatus::Completed | AppointmentStatus::NoShow) {
        return Err(ShopError::invalid("invalid_outcome", "An outcome is completed or no_show."));
    }
    let now = shop.clock().now();
    if row.span.start > now {
        return Err(ShopError::conflict("not_begun", "An appointment's outcome is recorded once it has begun."));
    }
    if !Appointments::finish(shop.db(), id, outcome, now).await? {
        return Err(ShopError::conflict(
            "already_finished",
            format!("This appointment is already {}.", row.status.as_str()),
        ));
    }
    // A visit keeps the client's sizing profile from its two-year rule (by account when the
    // address is an account's, else as a guest's).
    if outcome == AppointmentStatus::Completed && !row.email.expose().is_empty() {
        let holder = sizing_holder(shop, row.email.expose()).await?;
        luxevault_storage::record_visit(shop.db(), &holder, now).await?;
    }
    tracing::info!(appointment = %id, outcome = outcome.as_str(), by = %actor.as_string(), "appointment outcome recorded");
    Ok(())
}

/// Whose sizing profile an address is: the account's when it is an account's, else a guest's.
pub async fn sizing_holder(shop: &Shop, address: &str) -> Result<luxevault_storage::Holder, ShopError> {
    if let Ok(email) = Email::parse(address)
        && let Some(account) = luxevault_storage::Accounts::by_email(shop.db(), &email).await?
    {
        return Ok(luxevault_storage::Holder::Customer(account.id));
    }
    Ok(luxevault_storage::Holder::Guest(email_key(address)))
}

/// The appointments a person booked with this address, for their access copy.
pub async fn of_email(shop: &Shop, address: &str) -> Result<Vec<serde_json::Value>, ShopError> {
    let rows = Appointments::for_email(shop.db(), &email_key(address)).await?;
    let mut copies = Vec::new();
    for row in rows {
        let lang = Lang::parse(&row.lang).unwrap_or_else(|| shop.settings().default_lang().clone());
        let v = view(shop, &row, &lang).await?;
        copies.push(serde_json::json!({
            "boutique": v.boutique_name, "service": v.service.name, "starts_at": v.slot.starts_at,
            "status": v.status, "name": v.name, "email": v.email, "phone": v.phone, "piece": v.piece,
            "note": v.note, "time_zone": row.client_time_zone, "legal_basis": v.legal_basis,
        }));
    }
    Ok(copies)
}

/// Erasure: the person's appointments lose their details; those still ahead are cancelled,
/// so their time is free. Returns how many.
pub async fn erase_for_email(shop: &Shop, address: &str) -> Result<usize, ShopError> {
    let db = shop.db();
    let now = shop.clock().now();
    let rows = Appointments::for_email(db, &email_key(address)).await?;
    for row in &rows {
        if row.status == AppointmentStatus::Booked && row.span.start > now {
            Appointments::finish(db, row.id, AppointmentStatus::Cancelled, now).await?;
        }
        Appointments::anonymise(db, row.id, now).await?;
    }
    Ok(rows.len())
}
