//! Boutiques, services, associates and the appointments clients book. A booking writes the
//! appointment and the 15-minute blocks it occupies in one transaction; the blocks' primary key
//! (associate, block) is what makes a double booking impossible, not a check before writing.

use luxevault_core::appointments::{AppointmentStatus, Span, blocks};
use luxevault_core::ids::new_id;
use luxevault_core::{Pii, Timestamp};
use sqlx::FromRow;
use uuid::Uuid;

use crate::{Db, DbError, on_db};

const BOUTIQUES: &str = "SELECT id, slug, name, address, time_zone, hours FROM boutiques ORDER BY position, name";
const BOUTIQUE_BY_SLUG: &str = "SELECT id, slug, name, address, time_zone, hours FROM boutiques WHERE slug = $1";
const BOUTIQUE_BY_ID: &str = "SELECT id, slug, name, address, time_zone, hours FROM boutiques WHERE id = $1";
const INSERT_BOUTIQUE: &str = "INSERT INTO boutiques (id, slug, name, address, time_zone, hours, position, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (slug) DO NOTHING";
const CLOSURES: &str = "SELECT day FROM boutique_closures WHERE boutique_id = $1 ORDER BY day";
const ADD_CLOSURE: &str = "INSERT INTO boutique_closures (boutique_id, day) VALUES ($1, $2) ON CONFLICT DO NOTHING";
const SERVICES: &str =
    "SELECT id, slug, names, duration_minutes, active FROM services WHERE active = TRUE ORDER BY position, slug";
const SERVICE_BY_SLUG: &str = "SELECT id, slug, names, duration_minutes, active FROM services WHERE slug = $1";
const SERVICE_BY_ID: &str = "SELECT id, slug, names, duration_minutes, active FROM services WHERE id = $1";
const INSERT_SERVICE: &str = "INSERT INTO services (id, slug, names, duration_minutes, position, active) \
     VALUES ($1, $2, $3, $4, $5, TRUE) ON CONFLICT (slug) DO NOTHING";
const ASSOCIATES_FOR: &str = "SELECT a.id, a.boutique_id, a.display_name, a.staff_id, a.hours FROM associates a \
     JOIN associate_services s ON s.associate_id = a.id WHERE a.boutique_id = $1 AND s.service_id = $2 \
     AND a.active = TRUE ORDER BY a.display_name, a.id";
const ASSOCIATES_OF: &str = "SELECT id, boutique_id, display_name, staff_id, hours FROM associates \
     WHERE boutique_id = $1 AND active = TRUE ORDER BY display_name, id";
const INSERT_ASSOCIATE: &str = "INSERT INTO associates (id, boutique_id, display_name, staff_id, hours, active) \
     VALUES ($1, $2, $3, $4, $5, TRUE)";
const LINK_SERVICE: &str =
    "INSERT INTO associate_services (associate_id, service_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
const ADD_ABSENCE: &str =
    "INSERT INTO associate_absences (id, associate_id, starts_at, ends_at) VALUES ($1, $2, $3, $4)";
const ABSENCES: &str = "SELECT x.associate_id, x.starts_at, x.ends_at FROM associate_absences x \
     JOIN associates a ON a.id = x.associate_id WHERE a.boutique_id = $1 AND x.ends_at > $2 AND x.starts_at < $3";
const BOOKED: &str = "SELECT associate_id, starts_at, ends_at FROM appointments WHERE boutique_id = $1 \
     AND status = 'booked' AND ends_at > $2 AND starts_at < $3";
const BY_KEY: &str = "SELECT id, request_hash FROM appointments WHERE idempotency_key = $1";
const INSERT: &str = "INSERT INTO appointments (id, boutique_id, service_id, associate_id, starts_at, ends_at, status, \
     name, email, email_key, phone, piece, note, lang, client_time_zone, legal_basis, idempotency_key, request_hash, \
     created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'booked', $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
     $17, $18, $18)";
const INSERT_BLOCK: &str =
    "INSERT INTO appointment_blocks (associate_id, block_at, appointment_id) VALUES ($1, $2, $3)";
const DELETE_BLOCKS: &str = "DELETE FROM appointment_blocks WHERE appointment_id = $1";
const MOVE: &str = "UPDATE appointments SET associate_id = $2, starts_at = $3, ends_at = $4, updated_at = $5 \
     WHERE id = $1 AND status = 'booked'";
const SET_STATUS: &str = "UPDATE appointments SET status = $2, updated_at = $3 WHERE id = $1 AND status = 'booked'";
const MARK_REMINDED: &str = "UPDATE appointments SET reminded_for = $2 WHERE id = $1 AND status = 'booked' \
     AND starts_at = $2 AND (reminded_for IS NULL OR reminded_for <> $2)";
const IN_RANGE: &str = "SELECT id, boutique_id, service_id, associate_id, starts_at, ends_at, status, name, email, phone, \
     piece, note, lang, client_time_zone, legal_basis, request_hash, reminded_for, created_at FROM appointments \
     WHERE boutique_id = $1 AND starts_at >= $2 AND starts_at < $3 ORDER BY starts_at, id";
const FOR_EMAIL: &str = "SELECT id, boutique_id, service_id, associate_id, starts_at, ends_at, status, name, email, \
     phone, piece, note, lang, client_time_zone, legal_basis, request_hash, reminded_for, created_at FROM appointments \
     WHERE email_key = $1 ORDER BY starts_at, id";
const BY_ID: &str = "SELECT id, boutique_id, service_id, associate_id, starts_at, ends_at, status, name, email, phone, \
     piece, note, lang, client_time_zone, legal_basis, request_hash, reminded_for, created_at FROM appointments \
     WHERE id = $1";
// Erasure and retention: the client's details go; when, where and what stay, for the calendar's
// history and the weekly figures.
const ANONYMISE: &str = "UPDATE appointments SET name = '', email = '', email_key = '', phone = '', piece = '', \
     note = '', client_time_zone = '', anonymised_at = $2 WHERE id = $1";
const COUNT_ENDED_BEFORE: &str = "SELECT COUNT(*) FROM appointments WHERE ends_at < $1 AND anonymised_at IS NULL";
const ANONYMISE_ENDED_BEFORE: &str = "UPDATE appointments SET name = '', email = '', email_key = '', phone = '', \
     piece = '', note = '', client_time_zone = '', anonymised_at = $2 WHERE ends_at < $1 AND anonymised_at IS NULL";
const WEEKLY: &str = "SELECT starts_at, status FROM appointments WHERE boutique_id = $1 AND starts_at >= $2 \
     AND starts_at < $3";

// The house's setup (`luxevault boutiques set`): added or updated by slug (an associate by
// name within the boutique); nothing is removed, since appointments refer to them.
const UPSERT_BOUTIQUE: &str = "INSERT INTO boutiques (id, slug, name, address, time_zone, hours, position, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (slug) DO UPDATE SET name = excluded.name, \
     address = excluded.address, time_zone = excluded.time_zone, hours = excluded.hours, position = excluded.position";
const BOUTIQUE_ID: &str = "SELECT id FROM boutiques WHERE slug = $1";
const UPSERT_SERVICE: &str = "INSERT INTO services (id, slug, names, duration_minutes, position, active) \
     VALUES ($1, $2, $3, $4, $5, TRUE) ON CONFLICT (slug) DO UPDATE SET names = excluded.names, \
     duration_minutes = excluded.duration_minutes, position = excluded.position, active = TRUE";
const SERVICE_ID: &str = "SELECT id FROM services WHERE slug = $1";
const ASSOCIATE_ID: &str = "SELECT id FROM associates WHERE boutique_id = $1 AND display_name = $2";
const UPDATE_ASSOCIATE: &str = "UPDATE associates SET hours = $2, active = TRUE WHERE id = $1";
const CLEAR_SERVICES: &str = "DELETE FROM associate_services WHERE associate_id = $1";
const ALL_SERVICES: &str = "SELECT id, slug, names, duration_minutes, active FROM services ORDER BY position, slug";
const SERVICES_OF: &str = "SELECT s.slug FROM associate_services x JOIN services s ON s.id = x.service_id \
     WHERE x.associate_id = $1 ORDER BY s.position, s.slug";

pub(crate) const STATEMENTS: &[(&str, &str)] = &[
    ("appointments.upsert_boutique", UPSERT_BOUTIQUE),
    ("appointments.boutique_id", BOUTIQUE_ID),
    ("appointments.upsert_service", UPSERT_SERVICE),
    ("appointments.service_id", SERVICE_ID),
    ("appointments.associate_id", ASSOCIATE_ID),
    ("appointments.update_associate", UPDATE_ASSOCIATE),
    ("appointments.clear_services", CLEAR_SERVICES),
    ("appointments.all_services", ALL_SERVICES),
    ("appointments.services_of", SERVICES_OF),
    ("appointments.boutiques", BOUTIQUES),
    ("appointments.boutique_by_slug", BOUTIQUE_BY_SLUG),
    ("appointments.boutique_by_id", BOUTIQUE_BY_ID),
    ("appointments.insert_boutique", INSERT_BOUTIQUE),
    ("appointments.closures", CLOSURES),
    ("appointments.add_closure", ADD_CLOSURE),
    ("appointments.services", SERVICES),
    ("appointments.service_by_slug", SERVICE_BY_SLUG),
    ("appointments.service_by_id", SERVICE_BY_ID),
    ("appointments.insert_service", INSERT_SERVICE),
    ("appointments.associates_for", ASSOCIATES_FOR),
    ("appointments.associates_of", ASSOCIATES_OF),
    ("appointments.insert_associate", INSERT_ASSOCIATE),
    ("appointments.link_service", LINK_SERVICE),
    ("appointments.add_absence", ADD_ABSENCE),
    ("appointments.absences", ABSENCES),
    ("appointments.booked", BOOKED),
    ("appointments.by_key", BY_KEY),
    ("appointments.insert", INSERT),
    ("appointments.insert_block", INSERT_BLOCK),
    ("appointments.delete_blocks", DELETE_BLOCKS),
    ("appointments.move", MOVE),
    ("appointments.set_status", SET_STATUS),
    ("appointments.mark_reminded", MARK_REMINDED),
    ("appointments.in_range", IN_RANGE),
    ("appointments.for_email", FOR_EMAIL),
    ("appointments.by_id", BY_ID),
    ("appointments.anonymise", ANONYMISE),
    ("appointments.count_ended_before", COUNT_ENDED_BEFORE),
    ("appointments.anonymise_ended_before", ANONYMISE_ENDED_BEFORE),
    ("appointments.weekly", WEEKLY),
];

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct BoutiqueRow {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub address: String,
    pub time_zone: String,
    pub hours: String,
}

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ServiceRow {
    pub id: Uuid,
    pub slug: String,
    /// JSON: `{"en": "Fitting", "fr": "Essayage"}`.
    pub names: String,
    pub duration_minutes: i32,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct AssociateRow {
    pub id: Uuid,
    pub boutique_id: Uuid,
    pub display_name: String,
    pub staff_id: Option<Uuid>,
    /// Empty: the boutique's hours.
    pub hours: String,
}

#[derive(FromRow)]
struct RawAppointment {
    id: Uuid,
    boutique_id: Uuid,
    service_id: Uuid,
    associate_id: Uuid,
    starts_at: i64,
    ends_at: i64,
    status: String,
    name: String,
    email: String,
    phone: String,
    piece: String,
    note: String,
    lang: String,
    client_time_zone: String,
    legal_basis: String,
    request_hash: String,
    reminded_for: Option<i64>,
    created_at: i64,
}

/// An appointment as stored; the client's details are personal data and print redacted.
#[derive(Debug, Clone)]
pub struct AppointmentRow {
    pub id: Uuid,
    pub boutique_id: Uuid,
    pub service_id: Uuid,
    pub associate_id: Uuid,
    pub span: Span,
    pub status: AppointmentStatus,
    pub name: Pii<String>,
    pub email: Pii<String>,
    pub phone: Pii<String>,
    pub piece: Pii<String>,
    pub note: Pii<String>,
    pub lang: String,
    pub client_time_zone: String,
    pub legal_basis: String,
    pub request_hash: String,
    pub reminded_for: Option<Timestamp>,
    pub created_at: Timestamp,
}

impl From<RawAppointment> for AppointmentRow {
    fn from(r: RawAppointment) -> Self {
        Self {
            id: r.id,
            boutique_id: r.boutique_id,
            service_id: r.service_id,
            associate_id: r.associate_id,
            span: Span { start: Timestamp(r.starts_at), end: Timestamp(r.ends_at) },
            status: AppointmentStatus::parse(&r.status).unwrap_or(AppointmentStatus::Cancelled),
            name: Pii::new(r.name),
            email: Pii::new(r.email),
            phone: Pii::new(r.phone),
            piece: Pii::new(r.piece),
            note: Pii::new(r.note),
            lang: r.lang,
            client_time_zone: r.client_time_zone,
            legal_basis: r.legal_basis,
            request_hash: r.request_hash,
            reminded_for: r.reminded_for.map(Timestamp),
            created_at: Timestamp(r.created_at),
        }
    }
}

/// A booking as the client asked for it, guarded and validated by the application layer.
pub struct NewAppointment<'a> {
    pub boutique_id: Uuid,
    pub service_id: Uuid,
    pub span: Span,
    pub name: &'a str,
    pub email: &'a str,
    pub email_key: &'a str,
    pub phone: &'a str,
    pub piece: &'a str,
    pub note: &'a str,
    pub lang: &'a str,
    pub client_time_zone: &'a str,
    pub legal_basis: &'a str,
    pub idempotency_key: &'a str,
    pub request_hash: &'a str,
}

/// What a booking came to.
#[derive(Debug)]
pub enum Booking {
    Booked(Box<AppointmentRow>),
    /// The same request again under its key: the appointment it made.
    Replayed(Box<AppointmentRow>),
    /// The key was used for a different request.
    KeyReused,
    /// Every associate who could give it is taken at that time.
    Taken,
}

pub struct Appointments;

impl Appointments {
    /// Applies a checked setup in one transaction: boutiques and services added or updated by
    /// slug, closures added, each associate's week and services set.
    pub async fn apply_setup(
        db: &Db,
        setup: &luxevault_core::appointments::Setup,
        now: Timestamp,
    ) -> Result<(), DbError> {
        on_db!(db, pool => {
            let mut tx = pool.begin().await?;
            for (position, b) in setup.boutiques.iter().enumerate() {
                sqlx::query(UPSERT_BOUTIQUE).bind(new_id(now)).bind(&b.slug).bind(&b.name).bind(&b.address)
                    .bind(&b.time_zone).bind(&b.hours).bind(i32::try_from(position).unwrap_or(0)).bind(now.as_micros())
                    .execute(&mut *tx).await?;
                let id: Uuid = sqlx::query_scalar(BOUTIQUE_ID).bind(&b.slug).fetch_one(&mut *tx).await?;
                for day in &b.closed {
                    sqlx::query(ADD_CLOSURE).bind(id).bind(day).execute(&mut *tx).await?;
                }
            }
            for (position, s) in setup.services.iter().enumerate() {
                let names = serde_json::to_string(&s.names).unwrap_or_else(|_| "{}".into());
                sqlx::query(UPSERT_SERVICE).bind(new_id(now)).bind(&s.slug).bind(&names).bind(s.duration_minutes)
                    .bind(i32::try_from(position).unwrap_or(0)).execute(&mut *tx).await?;
            }
            for a in &setup.associates {
                let boutique: Uuid = sqlx::query_scalar(BOUTIQUE_ID).bind(&a.boutique).fetch_one(&mut *tx).await?;
                let known: Option<Uuid> = sqlx::query_scalar(ASSOCIATE_ID).bind(boutique).bind(&a.name).fetch_optional(&mut *tx).await?;
                let id = match known {
                    Some(id) => {
                        sqlx::query(UPDATE_ASSOCIATE).bind(id).bind(&a.hours).execute(&mut *tx).await?;
                        sqlx::query(CLEAR_SERVICES).bind(id).execute(&mut *tx).await?;
                        id
                    }
                    None => {
                        let id = new_id(now);
                        sqlx::query(INSERT_ASSOCIATE).bind(id).bind(boutique).bind(&a.name).bind(None::<Uuid>).bind(&a.hours)
                            .execute(&mut *tx).await?;
                        id
                    }
                };
                for slug in &a.services {
                    let service: Uuid = sqlx::query_scalar(SERVICE_ID).bind(slug).fetch_one(&mut *tx).await?;
                    sqlx::query(LINK_SERVICE).bind(id).bind(service).execute(&mut *tx).await?;
                }
            }
            tx.commit().await?;
            Ok::<(), sqlx::Error>(())
        })?;
        Ok(())
    }

    /// The setup as stored, in the file's shape (`luxevault boutiques show`).
    pub async fn setup(db: &Db) -> Result<luxevault_core::appointments::Setup, DbError> {
        use luxevault_core::appointments::{AssociateSetup, BoutiqueSetup, ServiceSetup, Setup};
        let mut setup = Setup::default();
        let boutiques = Self::boutiques(db).await?;
        for b in &boutiques {
            setup.boutiques.push(BoutiqueSetup {
                slug: b.slug.clone(),
                name: b.name.clone(),
                address: b.address.clone(),
                time_zone: b.time_zone.clone(),
                hours: b.hours.clone(),
                closed: Self::closures(db, b.id).await?,
            });
        }
        let services: Vec<ServiceRow> = on_db!(db, pool => sqlx::query_as(ALL_SERVICES).fetch_all(pool).await)?;
        for s in services.iter().filter(|s| s.active) {
            setup.services.push(ServiceSetup {
                slug: s.slug.clone(),
                names: serde_json::from_str(&s.names).unwrap_or_default(),
                duration_minutes: s.duration_minutes,
            });
        }
        for b in &boutiques {
            for a in Self::associates_of(db, b.id).await? {
                let services: Vec<String> =
                    on_db!(db, pool => sqlx::query_scalar(SERVICES_OF).bind(a.id).fetch_all(pool).await)?;
                setup.associates.push(AssociateSetup {
                    boutique: b.slug.clone(),
                    name: a.display_name,
                    hours: a.hours,
                    services,
                });
            }
        }
        Ok(setup)
    }

    pub async fn boutiques(db: &Db) -> Result<Vec<BoutiqueRow>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(BOUTIQUES).fetch_all(pool).await)?)
    }

    pub async fn boutique(db: &Db, slug: &str) -> Result<Option<BoutiqueRow>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(BOUTIQUE_BY_SLUG).bind(slug).fetch_optional(pool).await)?)
    }

    pub async fn boutique_by_id(db: &Db, id: Uuid) -> Result<Option<BoutiqueRow>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(BOUTIQUE_BY_ID).bind(id).fetch_optional(pool).await)?)
    }

    /// Adds a boutique unless one has that slug; returns its id either way.
    pub async fn add_boutique(db: &Db, b: &BoutiqueRow, position: i32, now: Timestamp) -> Result<Uuid, DbError> {
        on_db!(db, pool => sqlx::query(INSERT_BOUTIQUE).bind(b.id).bind(&b.slug).bind(&b.name).bind(&b.address)
            .bind(&b.time_zone).bind(&b.hours).bind(position).bind(now.as_micros()).execute(pool).await
            .map(|r| r.rows_affected()))?;
        Self::boutique(db, &b.slug).await?.map(|b| b.id).ok_or_else(|| DbError::Invalid("the boutique vanished".into()))
    }

    pub async fn closures(db: &Db, boutique: Uuid) -> Result<Vec<String>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_scalar(CLOSURES).bind(boutique).fetch_all(pool).await)?)
    }

    pub async fn add_closure(db: &Db, boutique: Uuid, day: &str) -> Result<(), DbError> {
        on_db!(db, pool => sqlx::query(ADD_CLOSURE).bind(boutique).bind(day).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn services(db: &Db) -> Result<Vec<ServiceRow>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(SERVICES).fetch_all(pool).await)?)
    }

    pub async fn service(db: &Db, slug: &str) -> Result<Option<ServiceRow>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(SERVICE_BY_SLUG).bind(slug).fetch_optional(pool).await)?)
    }

    pub async fn service_by_id(db: &Db, id: Uuid) -> Result<Option<ServiceRow>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(SERVICE_BY_ID).bind(id).fetch_optional(pool).await)?)
    }

    /// Adds a service unless one has that slug; returns its id either way.
    pub async fn add_service(
        db: &Db,
        slug: &str,
        names_json: &str,
        duration_minutes: i32,
        position: i32,
        now: Timestamp,
    ) -> Result<Uuid, DbError> {
        on_db!(db, pool => sqlx::query(INSERT_SERVICE).bind(new_id(now)).bind(slug).bind(names_json)
            .bind(duration_minutes).bind(position).execute(pool).await.map(|r| r.rows_affected()))?;
        Self::service(db, slug).await?.map(|s| s.id).ok_or_else(|| DbError::Invalid("the service vanished".into()))
    }

    /// The associates of a boutique who give a service, in a stable order (the first free one
    /// gets a booking).
    pub async fn associates_for(db: &Db, boutique: Uuid, service: Uuid) -> Result<Vec<AssociateRow>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(ASSOCIATES_FOR).bind(boutique).bind(service).fetch_all(pool).await)?)
    }

    pub async fn associates_of(db: &Db, boutique: Uuid) -> Result<Vec<AssociateRow>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(ASSOCIATES_OF).bind(boutique).fetch_all(pool).await)?)
    }

    pub async fn add_associate(
        db: &Db,
        boutique: Uuid,
        display_name: &str,
        staff_id: Option<Uuid>,
        hours: &str,
        services: &[Uuid],
        now: Timestamp,
    ) -> Result<Uuid, DbError> {
        let id = new_id(now);
        on_db!(db, pool => sqlx::query(INSERT_ASSOCIATE).bind(id).bind(boutique).bind(display_name).bind(staff_id)
            .bind(hours).execute(pool).await.map(|r| r.rows_affected()))?;
        for service in services {
            on_db!(db, pool => sqlx::query(LINK_SERVICE).bind(id).bind(service).execute(pool).await.map(|r| r.rows_affected()))?;
        }
        Ok(id)
    }

    /// An associate's own week (empty: the boutique's hours).
    pub async fn set_associate_hours(db: &Db, associate: Uuid, hours: &str) -> Result<bool, DbError> {
        let n = on_db!(db, pool => sqlx::query(UPDATE_ASSOCIATE).bind(associate).bind(hours).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    pub async fn add_absence(db: &Db, associate: Uuid, span: Span, now: Timestamp) -> Result<(), DbError> {
        on_db!(db, pool => sqlx::query(ADD_ABSENCE).bind(new_id(now)).bind(associate).bind(span.start.as_micros())
            .bind(span.end.as_micros()).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// (associate, span) of every absence and booked appointment of the boutique overlapping
    /// `[from, to)`: the times nobody can book them.
    pub async fn busy(db: &Db, boutique: Uuid, from: Timestamp, to: Timestamp) -> Result<Vec<(Uuid, Span)>, DbError> {
        let mut rows: Vec<(Uuid, i64, i64)> = on_db!(db, pool => sqlx::query_as(ABSENCES).bind(boutique)
            .bind(from.as_micros()).bind(to.as_micros()).fetch_all(pool).await)?;
        let booked: Vec<(Uuid, i64, i64)> = on_db!(db, pool => sqlx::query_as(BOOKED).bind(boutique)
            .bind(from.as_micros()).bind(to.as_micros()).fetch_all(pool).await)?;
        rows.extend(booked);
        Ok(rows.into_iter().map(|(a, s, e)| (a, Span { start: Timestamp(s), end: Timestamp(e) })).collect())
    }

    pub async fn by_id(db: &Db, id: Uuid) -> Result<Option<AppointmentRow>, DbError> {
        let row: Option<RawAppointment> =
            on_db!(db, pool => sqlx::query_as(BY_ID).bind(id).fetch_optional(pool).await)?;
        Ok(row.map(AppointmentRow::from))
    }

    pub async fn in_range(
        db: &Db,
        boutique: Uuid,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<AppointmentRow>, DbError> {
        let rows: Vec<RawAppointment> = on_db!(db, pool => sqlx::query_as(IN_RANGE).bind(boutique)
            .bind(from.as_micros()).bind(to.as_micros()).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(AppointmentRow::from).collect())
    }

    /// The appointments booked with an address (its Unicode-lowercased key).
    pub async fn for_email(db: &Db, email_key: &str) -> Result<Vec<AppointmentRow>, DbError> {
        if email_key.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<RawAppointment> =
            on_db!(db, pool => sqlx::query_as(FOR_EMAIL).bind(email_key).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(AppointmentRow::from).collect())
    }

    /// Books the first of `associates` free for the whole span: the appointment and its blocks
    /// in one transaction, the next associate tried when the blocks' key refuses one.
    pub async fn book(
        db: &Db,
        new: &NewAppointment<'_>,
        associates: &[Uuid],
        now: Timestamp,
    ) -> Result<Booking, DbError> {
        if let Some(answer) = Self::replay(db, new).await? {
            return Ok(answer);
        }
        for associate in associates {
            let id = new_id(now);
            match Self::try_book(db, id, new, *associate, now).await {
                Ok(()) => {
                    let row =
                        Self::by_id(db, id).await?.ok_or_else(|| DbError::Invalid("a booking vanished".into()))?;
                    return Ok(Booking::Booked(Box::new(row)));
                }
                Err(DbError::Sqlx(sqlx::Error::Database(e))) if e.is_unique_violation() => {
                    // The same request may have won meanwhile under its key; else this
                    // associate is taken: the next one.
                    if let Some(answer) = Self::replay(db, new).await? {
                        return Ok(answer);
                    }
                }
                Err(other) => return Err(other),
            }
        }
        Ok(Booking::Taken)
    }

    async fn replay(db: &Db, new: &NewAppointment<'_>) -> Result<Option<Booking>, DbError> {
        let known: Option<(Uuid, String)> =
            on_db!(db, pool => sqlx::query_as(BY_KEY).bind(new.idempotency_key).fetch_optional(pool).await)?;
        Ok(match known {
            Some((_, hash)) if hash != new.request_hash => Some(Booking::KeyReused),
            Some((id, _)) => Self::by_id(db, id).await?.map(|row| Booking::Replayed(Box::new(row))),
            None => None,
        })
    }

    async fn try_book(
        db: &Db,
        id: Uuid,
        new: &NewAppointment<'_>,
        associate: Uuid,
        now: Timestamp,
    ) -> Result<(), DbError> {
        let at = now.as_micros();
        on_db!(db, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(INSERT)
                .bind(id).bind(new.boutique_id).bind(new.service_id).bind(associate)
                .bind(new.span.start.as_micros()).bind(new.span.end.as_micros())
                .bind(new.name).bind(new.email).bind(new.email_key).bind(new.phone).bind(new.piece).bind(new.note)
                .bind(new.lang).bind(new.client_time_zone).bind(new.legal_basis).bind(new.idempotency_key)
                .bind(new.request_hash).bind(at)
                .execute(&mut *tx).await?;
            for block in blocks(&new.span) {
                sqlx::query(INSERT_BLOCK).bind(associate).bind(block.as_micros()).bind(id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<(), sqlx::Error>(())
        })?;
        Ok(())
    }

    /// Moves a booked appointment to `span` with the first of `associates` free then; its old
    /// blocks are freed in the same transaction, so a failed move leaves it where it was.
    /// Returns whether it moved.
    pub async fn reschedule(
        db: &Db,
        id: Uuid,
        span: Span,
        associates: &[Uuid],
        now: Timestamp,
    ) -> Result<bool, DbError> {
        for associate in associates {
            let moved = on_db!(db, pool => {
                let mut tx = pool.begin().await?;
                let updated = sqlx::query(MOVE).bind(id).bind(associate).bind(span.start.as_micros())
                    .bind(span.end.as_micros()).bind(now.as_micros()).execute(&mut *tx).await?.rows_affected();
                if updated == 0 {
                    tx.rollback().await?;
                    return Ok(false);
                }
                sqlx::query(DELETE_BLOCKS).bind(id).execute(&mut *tx).await?;
                let mut taken = false;
                for block in blocks(&span) {
                    let inserted = sqlx::query(INSERT_BLOCK).bind(associate).bind(block.as_micros()).bind(id).execute(&mut *tx).await;
                    match inserted {
                        Ok(_) => {}
                        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                            taken = true;
                            break;
                        }
                        Err(other) => return Err(DbError::from(other)),
                    }
                }
                if taken {
                    tx.rollback().await?;
                    Ok::<bool, DbError>(false)
                } else {
                    tx.commit().await?;
                    Ok(true)
                }
            })?;
            if moved {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Ends a booked appointment: cancelled, completed or a no-show; its blocks are freed when
    /// cancelled. `false` when it was not booked (never moved back).
    pub async fn finish(db: &Db, id: Uuid, status: AppointmentStatus, now: Timestamp) -> Result<bool, DbError> {
        if status == AppointmentStatus::Booked {
            return Ok(false);
        }
        let n = on_db!(db, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(SET_STATUS).bind(id).bind(status.as_str()).bind(now.as_micros()).execute(&mut *tx).await?.rows_affected();
            if n > 0 && status == AppointmentStatus::Cancelled {
                sqlx::query(DELETE_BLOCKS).bind(id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<u64, sqlx::Error>(n)
        })?;
        Ok(n > 0)
    }

    /// Records that the reminder for the appointment's current start is sent; `false` when it
    /// was already, or the appointment moved or ended (then no reminder is due).
    pub async fn mark_reminded(db: &Db, id: Uuid, start: Timestamp) -> Result<bool, DbError> {
        let n = on_db!(db, pool => sqlx::query(MARK_REMINDED).bind(id).bind(start.as_micros()).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    pub async fn anonymise(db: &Db, id: Uuid, now: Timestamp) -> Result<(), DbError> {
        on_db!(db, pool => sqlx::query(ANONYMISE).bind(id).bind(now.as_micros()).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Appointments ended before `cutoff` still naming their client.
    pub async fn count_ended_before(db: &Db, cutoff: Timestamp) -> Result<i64, DbError> {
        Ok(on_db!(db, pool => sqlx::query_scalar(COUNT_ENDED_BEFORE).bind(cutoff.as_micros()).fetch_one(pool).await)?)
    }

    pub async fn anonymise_ended_before(db: &Db, cutoff: Timestamp, now: Timestamp) -> Result<i64, DbError> {
        let n = on_db!(db, pool => sqlx::query(ANONYMISE_ENDED_BEFORE).bind(cutoff.as_micros()).bind(now.as_micros())
            .execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(i64::try_from(n).unwrap_or(i64::MAX))
    }

    /// (start, status) of the boutique's appointments in `[from, to)`, for the weekly chart.
    pub async fn starts(
        db: &Db,
        boutique: Uuid,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<(i64, String)>, DbError> {
        Ok(
            on_db!(db, pool => sqlx::query_as(WEEKLY).bind(boutique).bind(from.as_micros()).bind(to.as_micros()).fetch_all(pool).await)?,
        )
    }
}
