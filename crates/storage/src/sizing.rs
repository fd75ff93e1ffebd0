//! Fitting and sizing: a client's sizing profile (one per account, or per guest email key) and
//! the alterations of order lines. The shop checks the values (core::sizing) and passes free
//! text through the guard before it reaches these statements.

use luxevault_core::Timestamp;
use luxevault_core::ids::new_id;
use luxevault_core::sizing::{AlterationStatus, Fit, Measurements};
use sqlx::FromRow;
use uuid::Uuid;

use crate::{Db, DbError, on_db};

const BY_CUSTOMER: &str = "SELECT id, customer_id, height_mm, chest_mm, waist_mm, hips_mm, inseam_mm, shoulder_mm, \
     sleeve_mm, neck_mm, shoe_eu_tenths, shoe_uk_tenths, ring_eu, fit, notes, created_at, updated_at, last_visit_at \
     FROM sizing_profiles WHERE customer_id = $1";
const BY_EMAIL_KEY: &str = "SELECT id, customer_id, height_mm, chest_mm, waist_mm, hips_mm, inseam_mm, shoulder_mm, \
     sleeve_mm, neck_mm, shoe_eu_tenths, shoe_uk_tenths, ring_eu, fit, notes, created_at, updated_at, last_visit_at \
     FROM sizing_profiles WHERE email_key = $1";
const UPSERT_CUSTOMER: &str = "INSERT INTO sizing_profiles (id, customer_id, email_key, height_mm, chest_mm, waist_mm, \
     hips_mm, inseam_mm, shoulder_mm, sleeve_mm, neck_mm, shoe_eu_tenths, shoe_uk_tenths, ring_eu, fit, notes, \
     created_at, updated_at, last_visit_at) VALUES ($1, $2, NULL, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
     $16, $16, $16) ON CONFLICT (customer_id) DO UPDATE SET height_mm = $3, chest_mm = $4, waist_mm = $5, hips_mm = $6, \
     inseam_mm = $7, shoulder_mm = $8, sleeve_mm = $9, neck_mm = $10, shoe_eu_tenths = $11, shoe_uk_tenths = $12, \
     ring_eu = $13, fit = $14, notes = $15, updated_at = $16, last_visit_at = $16";
const UPSERT_GUEST: &str = "INSERT INTO sizing_profiles (id, customer_id, email_key, height_mm, chest_mm, waist_mm, \
     hips_mm, inseam_mm, shoulder_mm, sleeve_mm, neck_mm, shoe_eu_tenths, shoe_uk_tenths, ring_eu, fit, notes, \
     created_at, updated_at, last_visit_at) VALUES ($1, NULL, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
     $16, $16, $16) ON CONFLICT (email_key) DO UPDATE SET height_mm = $3, chest_mm = $4, waist_mm = $5, hips_mm = $6, \
     inseam_mm = $7, shoulder_mm = $8, sleeve_mm = $9, neck_mm = $10, shoe_eu_tenths = $11, shoe_uk_tenths = $12, \
     ring_eu = $13, fit = $14, notes = $15, updated_at = $16, last_visit_at = $16";
const VISIT_CUSTOMER: &str =
    "UPDATE sizing_profiles SET last_visit_at = $2 WHERE customer_id = $1 AND last_visit_at < $2";
const VISIT_GUEST: &str = "UPDATE sizing_profiles SET last_visit_at = $2 WHERE email_key = $1 AND last_visit_at < $2";
const DELETE_CUSTOMER: &str = "DELETE FROM sizing_profiles WHERE customer_id = $1";
const DELETE_GUEST: &str = "DELETE FROM sizing_profiles WHERE email_key = $1";
// A guest's profile (no account keeps it) with no visit since the cutoff.
const GUESTS_DUE: &str = "SELECT COUNT(*) FROM sizing_profiles WHERE customer_id IS NULL AND last_visit_at < $1";
const DELETE_GUESTS_DUE: &str = "DELETE FROM sizing_profiles WHERE id IN (SELECT id FROM sizing_profiles \
     WHERE customer_id IS NULL AND last_visit_at < $1 ORDER BY last_visit_at LIMIT $2)";

const INSERT_ALTERATION: &str = "INSERT INTO alterations (id, order_id, line_position, kind, note, promised_on, status, \
     opened_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'requested', $7, $8, $8)";
const ALTERATION: &str = "SELECT id, order_id, line_position, kind, note, promised_on, status, opened_by, created_at, \
     updated_at FROM alterations WHERE id = $1";
const ALTERATIONS_OF_ORDER: &str = "SELECT id, order_id, line_position, kind, note, promised_on, status, opened_by, \
     created_at, updated_at FROM alterations WHERE order_id = $1 ORDER BY created_at, id";
// Compare-and-set: only from the state the caller read, so two moves at once make one.
const MOVE_ALTERATION: &str = "UPDATE alterations SET status = $3, updated_at = $4 WHERE id = $1 AND status = $2";
pub(crate) const ERASE_NOTES_OF_ORDER: &str = "UPDATE alterations SET note = '' WHERE order_id = $1 AND note <> ''";
const ERASE_NOTES_OF_ANONYMISED: &str = "UPDATE alterations SET note = '' WHERE note <> '' \
     AND order_id IN (SELECT id FROM orders WHERE anonymised_at IS NOT NULL)";

pub(crate) const STATEMENTS: &[(&str, &str)] = &[
    ("sizing.by_customer", BY_CUSTOMER),
    ("sizing.by_email_key", BY_EMAIL_KEY),
    ("sizing.upsert_customer", UPSERT_CUSTOMER),
    ("sizing.upsert_guest", UPSERT_GUEST),
    ("sizing.visit_customer", VISIT_CUSTOMER),
    ("sizing.visit_guest", VISIT_GUEST),
    ("sizing.delete_customer", DELETE_CUSTOMER),
    ("sizing.delete_guest", DELETE_GUEST),
    ("sizing.guests_due", GUESTS_DUE),
    ("sizing.delete_guests_due", DELETE_GUESTS_DUE),
    ("sizing.insert_alteration", INSERT_ALTERATION),
    ("sizing.alteration", ALTERATION),
    ("sizing.alterations_of_order", ALTERATIONS_OF_ORDER),
    ("sizing.move_alteration", MOVE_ALTERATION),
    ("sizing.erase_notes_of_order", ERASE_NOTES_OF_ORDER),
    ("sizing.erase_notes_of_anonymised", ERASE_NOTES_OF_ANONYMISED),
];

/// Whose profile: an account, or a guest by the email key (`luxevault_core::pii::email_key`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holder {
    Customer(Uuid),
    Guest(String),
}

/// A stored sizing profile.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct SizingRow {
    pub id: Uuid,
    pub customer_id: Option<Uuid>,
    pub height_mm: Option<i32>,
    pub chest_mm: Option<i32>,
    pub waist_mm: Option<i32>,
    pub hips_mm: Option<i32>,
    pub inseam_mm: Option<i32>,
    pub shoulder_mm: Option<i32>,
    pub sleeve_mm: Option<i32>,
    pub neck_mm: Option<i32>,
    pub shoe_eu_tenths: Option<i32>,
    pub shoe_uk_tenths: Option<i32>,
    pub ring_eu: Option<i32>,
    pub fit: Option<String>,
    pub notes: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_visit_at: i64,
}

impl SizingRow {
    pub fn measurements(&self) -> Measurements {
        Measurements {
            height_mm: self.height_mm,
            chest_mm: self.chest_mm,
            waist_mm: self.waist_mm,
            hips_mm: self.hips_mm,
            inseam_mm: self.inseam_mm,
            shoulder_mm: self.shoulder_mm,
            sleeve_mm: self.sleeve_mm,
            neck_mm: self.neck_mm,
            shoe_eu_tenths: self.shoe_eu_tenths,
            shoe_uk_tenths: self.shoe_uk_tenths,
            ring_eu: self.ring_eu,
        }
    }

    pub fn fit(&self) -> Option<Fit> {
        self.fit.as_deref().and_then(Fit::parse)
    }
}

/// A profile as saved (already checked, notes already through the guard).
pub struct NewSizing<'a> {
    pub measurements: Measurements,
    pub fit: Option<Fit>,
    pub notes: &'a str,
}

/// One alteration of an order line.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct AlterationRow {
    pub id: Uuid,
    pub order_id: Uuid,
    pub line_position: i32,
    pub kind: String,
    pub note: String,
    pub promised_on: Option<String>,
    pub status: String,
    /// `staff:<id>` or `api-token`.
    pub opened_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl AlterationRow {
    pub fn status(&self) -> AlterationStatus {
        AlterationStatus::parse(&self.status).unwrap_or(AlterationStatus::Requested)
    }
}

pub struct NewAlteration<'a> {
    pub order_id: Uuid,
    pub line_position: i32,
    pub kind: &'a str,
    pub note: &'a str,
    pub promised_on: Option<&'a str>,
    pub opened_by: &'a str,
}

pub struct Sizing;

impl Sizing {
    /// The profile of an account or of a guest email key.
    pub async fn of(db: &Db, holder: &Holder) -> Result<Option<SizingRow>, DbError> {
        Ok(match holder {
            Holder::Customer(id) => {
                on_db!(db, pool => sqlx::query_as(BY_CUSTOMER).bind(*id).fetch_optional(pool).await)?
            }
            Holder::Guest(key) => {
                on_db!(db, pool => sqlx::query_as(BY_EMAIL_KEY).bind(key.as_str()).fetch_optional(pool).await)?
            }
        })
    }

    /// Creates or replaces the profile; saving it counts as a visit.
    pub async fn save(db: &Db, holder: &Holder, profile: &NewSizing<'_>, now: Timestamp) -> Result<(), DbError> {
        let m = profile.measurements;
        let (sql, key): (&'static str, String) = match holder {
            Holder::Customer(_) => (UPSERT_CUSTOMER, String::new()),
            Holder::Guest(key) => (UPSERT_GUEST, key.clone()),
        };
        let customer = match holder {
            Holder::Customer(id) => Some(*id),
            Holder::Guest(_) => None,
        };
        let fit = profile.fit.map(Fit::as_str);
        let id = new_id(now);
        on_db!(db, pool => {
            let query = sqlx::query(sql).bind(id);
            let query = match customer {
                Some(c) => query.bind(c),
                None => query.bind(key.as_str()),
            };
            query
                .bind(m.height_mm)
                .bind(m.chest_mm)
                .bind(m.waist_mm)
                .bind(m.hips_mm)
                .bind(m.inseam_mm)
                .bind(m.shoulder_mm)
                .bind(m.sleeve_mm)
                .bind(m.neck_mm)
                .bind(m.shoe_eu_tenths)
                .bind(m.shoe_uk_tenths)
                .bind(m.ring_eu)
                .bind(fit)
                .bind(profile.notes)
                .bind(now.as_micros())
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    /// Deletes the profile of an account or a guest; `true` when there was one.
    pub async fn delete(db: &Db, holder: &Holder) -> Result<bool, DbError> {
        let n = match holder {
            Holder::Customer(id) => {
                on_db!(db, pool => sqlx::query(DELETE_CUSTOMER).bind(*id).execute(pool).await.map(|r| r.rows_affected()))?
            }
            Holder::Guest(key) => {
                on_db!(db, pool => sqlx::query(DELETE_GUEST).bind(key.as_str()).execute(pool).await.map(|r| r.rows_affected()))?
            }
        };
        Ok(n > 0)
    }

    /// Guest profiles with no visit since `cutoff`.
    pub async fn guests_due(db: &Db, cutoff: Timestamp) -> Result<i64, DbError> {
        Ok(on_db!(db, pool => sqlx::query_scalar(GUESTS_DUE).bind(cutoff.as_micros()).fetch_one(pool).await)?)
    }

    /// Deletes them, batch by batch; returns how many.
    pub async fn delete_guests_due(db: &Db, cutoff: Timestamp) -> Result<i64, DbError> {
        let mut total = 0i64;
        loop {
            let n = on_db!(db, pool => sqlx::query(DELETE_GUESTS_DUE)
                .bind(cutoff.as_micros())
                .bind(500i64)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()))?;
            total = total.saturating_add(i64::try_from(n).unwrap_or(i64::MAX));
            if n == 0 {
                return Ok(total);
            }
        }
    }

    pub async fn open_alteration(db: &Db, new: &NewAlteration<'_>, now: Timestamp) -> Result<Uuid, DbError> {
        let id = new_id(now);
        on_db!(db, pool => sqlx::query(INSERT_ALTERATION)
            .bind(id)
            .bind(new.order_id)
            .bind(new.line_position)
            .bind(new.kind)
            .bind(new.note)
            .bind(new.promised_on)
            .bind(new.opened_by)
            .bind(now.as_micros())
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(id)
    }

    pub async fn alteration(db: &Db, id: Uuid) -> Result<Option<AlterationRow>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(ALTERATION).bind(id).fetch_optional(pool).await)?)
    }

    pub async fn alterations_of_order(db: &Db, order: Uuid) -> Result<Vec<AlterationRow>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(ALTERATIONS_OF_ORDER).bind(order).fetch_all(pool).await)?)
    }

    /// Moves an alteration from `from` to `to`; `false` when it was no longer in `from`.
    pub async fn move_alteration(
        db: &Db,
        id: Uuid,
        from: AlterationStatus,
        to: AlterationStatus,
        now: Timestamp,
    ) -> Result<bool, DbError> {
        let n = on_db!(db, pool => sqlx::query(MOVE_ALTERATION)
            .bind(id)
            .bind(from.as_str())
            .bind(to.as_str())
            .bind(now.as_micros())
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Clears the notes of an order's alterations (with the order's personal data).
    pub async fn erase_notes_of_order(db: &Db, order: Uuid) -> Result<(), DbError> {
        on_db!(db, pool => sqlx::query(ERASE_NOTES_OF_ORDER).bind(order).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Clears the notes of every anonymised order's alterations (after the retention run).
    pub async fn erase_notes_of_anonymised(db: &Db) -> Result<(), DbError> {
        on_db!(db, pool => sqlx::query(ERASE_NOTES_OF_ANONYMISED).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}

/// Records a visit of the client (an appointment completed, a fitting): the profile's retention
/// clock starts again. Does nothing when the client has no profile.
pub async fn record_visit(db: &Db, holder: &Holder, now: Timestamp) -> Result<(), DbError> {
    match holder {
        Holder::Customer(id) => {
            on_db!(db, pool => sqlx::query(VISIT_CUSTOMER).bind(*id).bind(now.as_micros()).execute(pool).await.map(|r| r.rows_affected()))?
        }
        Holder::Guest(key) => {
            on_db!(db, pool => sqlx::query(VISIT_GUEST).bind(key.as_str()).bind(now.as_micros()).execute(pool).await.map(|r| r.rows_affected()))?
        }
    };
    Ok(())
}
