//! The house itself — name, seller details, time zone, languages — and the currencies it
//! trades in, as `luxevault init` (or the first-run page) sets them.

use luxevault_core::pricing::OfferedCurrency;
use luxevault_core::{Currency, Timestamp};
use sqlx::FromRow;

use crate::catalog::BUMP_VERSION;
use crate::{Db, DbError, on_db};

const GET: &str = "SELECT name, legal_name, address, vat_number, country, time_zone, languages, created_at, updated_at \
     FROM shop_profile WHERE id = 1";
const UPSERT: &str = "INSERT INTO shop_profile \
     (id, name, legal_name, address, vat_number, country, time_zone, languages, created_at, updated_at) \
     VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $8) \
     ON CONFLICT (id) DO UPDATE SET name = excluded.name, legal_name = excluded.legal_name, \
     address = excluded.address, vat_number = excluded.vat_number, country = excluded.country, \
     time_zone = excluded.time_zone, languages = excluded.languages, updated_at = excluded.updated_at";
const UPSERT_CURRENCY: &str = "INSERT INTO currencies (code, rate, rounding_minor, is_base, position, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6) \
     ON CONFLICT (code) DO UPDATE SET rate = excluded.rate, rounding_minor = excluded.rounding_minor, \
     is_base = excluded.is_base, position = excluded.position, updated_at = excluded.updated_at";
const CURRENCY_CODES: &str = "SELECT code FROM currencies";
const CURRENCY_PRICED: &str = "SELECT COUNT(*) FROM product_prices WHERE currency = $1";
const DELETE_CURRENCY: &str = "DELETE FROM currencies WHERE code = $1";
const HAS_BASE: &str = "SELECT COUNT(*) FROM currencies WHERE is_base";

pub(crate) const STATEMENTS: &[(&str, &str)] = &[
    ("profile.get", GET),
    ("profile.upsert", UPSERT),
    ("profile.upsert_currency", UPSERT_CURRENCY),
    ("profile.currency_codes", CURRENCY_CODES),
    ("profile.currency_priced", CURRENCY_PRICED),
    ("profile.delete_currency", DELETE_CURRENCY),
    ("profile.has_base", HAS_BASE),
];

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ProfileRow {
    pub name: String,
    pub legal_name: String,
    pub address: String,
    pub vat_number: String,
    pub country: String,
    pub time_zone: String,
    /// Comma-separated, default first.
    pub languages: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What `init` writes.
pub struct NewProfile<'a> {
    pub name: &'a str,
    pub legal_name: &'a str,
    pub address: &'a str,
    pub vat_number: &'a str,
    pub country: &'a str,
    pub time_zone: &'a str,
    pub languages: &'a str,
    pub base_currency: Currency,
    /// In display order; must hold the base currency.
    pub currencies: &'a [OfferedCurrency],
}

pub struct ShopProfile;

impl ShopProfile {
    pub async fn get(db: &Db) -> Result<Option<ProfileRow>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as::<_, ProfileRow>(GET).fetch_optional(pool).await?))
    }

    /// Whether the shop has a base currency: without one it cannot price a piece.
    pub async fn has_base_currency(db: &Db) -> Result<bool, DbError> {
        let count: i64 = on_db!(db, pool => sqlx::query_scalar(HAS_BASE).fetch_one(pool).await?);
        Ok(count > 0)
    }

    /// Writes the profile and the offered currencies in one transaction. A currency no longer
    /// offered is removed unless pieces are priced in it (then nothing is written).
    pub async fn set(db: &Db, profile: &NewProfile<'_>, now: Timestamp) -> Result<(), DbError> {
        if !profile.currencies.iter().any(|c| c.currency == profile.base_currency) {
            return Err(DbError::Invalid(format!(
                "the base currency {} must be one of the offered currencies",
                profile.base_currency
            )));
        }
        let at = now.as_micros();
        on_db!(db, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(UPSERT)
                .bind(profile.name)
                .bind(profile.legal_name)
                .bind(profile.address)
                .bind(profile.vat_number)
                .bind(profile.country)
                .bind(profile.time_zone)
                .bind(profile.languages)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            let existing: Vec<String> = sqlx::query_scalar(CURRENCY_CODES).fetch_all(&mut *tx).await?;
            for code in existing {
                if profile.currencies.iter().any(|c| c.currency.code() == code) {
                    continue;
                }
                let priced: i64 = sqlx::query_scalar(CURRENCY_PRICED).bind(&code).fetch_one(&mut *tx).await?;
                if priced > 0 {
                    return Err(DbError::Invalid(format!(
                        "{code} is no longer offered but {priced} piece(s) have a price in it; remove those prices first"
                    )));
                }
                sqlx::query(DELETE_CURRENCY).bind(&code).execute(&mut *tx).await?;
            }
            for (position, c) in profile.currencies.iter().enumerate() {
                sqlx::query(UPSERT_CURRENCY)
                    .bind(c.currency.code())
                    .bind(c.rate.to_decimal_string())
                    .bind(c.rounding_minor)
                    .bind(c.currency == profile.base_currency)
                    .bind(i32::try_from(position).unwrap_or(i32::MAX))
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(BUMP_VERSION).bind(at).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(())
    }
}
