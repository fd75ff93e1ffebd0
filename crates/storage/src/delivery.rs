//! Where the house ships, at what rate, and the tax rates per destination: loaded whole, replaced
//! whole (one transaction, so a checkout never sees half a table).

use std::collections::HashMap;

use luxevault_core::ids::new_id;
use luxevault_core::shipping::{RateKind, ShippingRate, ShippingTable, ShippingZone};
use luxevault_core::tax::{TaxMode, TaxRate, TaxTable};
use luxevault_core::{Currency, Money, Timestamp};
use sqlx::FromRow;
use uuid::Uuid;

use crate::catalog::BUMP_VERSION;
use crate::{Db, DbError, on_db};

const ZONES: &str = "SELECT id, name, countries, tax_mode, duties_paid FROM shipping_zones ORDER BY position, name";
const RATES: &str = "SELECT zone_id, code, name, kind, currency, amount_minor, per_kg_minor, free_above_minor \
     FROM shipping_rates ORDER BY zone_id, position";
const TAX_RATES: &str = "SELECT country, tax_class, rate_bp, name FROM tax_rates ORDER BY country, tax_class";
const DELETE_RATES: &str = "DELETE FROM shipping_rates";
const DELETE_ZONES: &str = "DELETE FROM shipping_zones";
const DELETE_TAX_RATES: &str = "DELETE FROM tax_rates";
const INSERT_ZONE: &str = "INSERT INTO shipping_zones (id, name, countries, tax_mode, duties_paid, position) \
     VALUES ($1, $2, $3, $4, $5, $6)";
const INSERT_RATE: &str = "INSERT INTO shipping_rates \
     (id, zone_id, code, name, kind, currency, amount_minor, per_kg_minor, free_above_minor, position) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
const INSERT_TAX_RATE: &str = "INSERT INTO tax_rates (country, tax_class, rate_bp, name) VALUES ($1, $2, $3, $4)";

pub(crate) const STATEMENTS: &[(&str, &str)] = &[
    ("delivery.zones", ZONES),
    ("delivery.rates", RATES),
    ("delivery.tax_rates", TAX_RATES),
    ("delivery.delete_rates", DELETE_RATES),
    ("delivery.delete_zones", DELETE_ZONES),
    ("delivery.delete_tax_rates", DELETE_TAX_RATES),
    ("delivery.insert_zone", INSERT_ZONE),
    ("delivery.insert_rate", INSERT_RATE),
    ("delivery.insert_tax_rate", INSERT_TAX_RATE),
];

#[derive(FromRow)]
struct ZoneRow {
    id: Uuid,
    name: String,
    countries: String,
    tax_mode: String,
    duties_paid: bool,
}

#[derive(FromRow)]
struct RateRow {
    zone_id: Uuid,
    code: String,
    name: String,
    kind: String,
    currency: String,
    amount_minor: i64,
    per_kg_minor: i64,
    free_above_minor: Option<i64>,
}

#[derive(FromRow)]
struct TaxRateRow {
    country: String,
    tax_class: String,
    rate_bp: i32,
    name: String,
}

fn corrupt(what: &str, detail: impl std::fmt::Display) -> DbError {
    DbError::Invalid(format!("stored {what} is invalid: {detail}"))
}

pub struct Delivery;

impl Delivery {
    pub async fn load(db: &Db) -> Result<(ShippingTable, TaxTable), DbError> {
        let (zones, rates, tax_rates) = on_db!(db, pool => {
            let zones: Vec<ZoneRow> = sqlx::query_as(ZONES).fetch_all(pool).await?;
            let rates: Vec<RateRow> = sqlx::query_as(RATES).fetch_all(pool).await?;
            let tax_rates: Vec<TaxRateRow> = sqlx::query_as(TAX_RATES).fetch_all(pool).await?;
            (zones, rates, tax_rates)
        });
        let taxes = TaxTable::new(tax_rates.into_iter().map(|r| {
            let rate = TaxRate { rate_bp: u32::try_from(r.rate_bp).unwrap_or(0), name: r.name };
            (r.country, r.tax_class, rate)
        }))
        .map_err(|e| corrupt("tax rate", e))?;
        let mut by_zone: HashMap<Uuid, Vec<ShippingRate>> = HashMap::new();
        for r in rates {
            let currency = Currency::from_code(&r.currency).map_err(|e| corrupt("shipping currency", e))?;
            let kind = RateKind::parse(&r.kind).ok_or_else(|| corrupt("shipping kind", &r.kind))?;
            by_zone.entry(r.zone_id).or_default().push(ShippingRate {
                code: r.code,
                name: r.name,
                kind,
                price: Money::new(r.amount_minor, currency),
                per_kg: Money::new(r.per_kg_minor, currency),
                free_above: r.free_above_minor.map(|m| Money::new(m, currency)),
            });
        }
        let zones = zones
            .into_iter()
            .map(|z| {
                Ok(ShippingZone {
                    countries: z.countries.split(',').map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect(),
                    tax_mode: TaxMode::parse(&z.tax_mode).ok_or_else(|| corrupt("tax mode", &z.tax_mode))?,
                    duties_paid: z.duties_paid,
                    rates: by_zone.remove(&z.id).unwrap_or_default(),
                    name: z.name,
                })
            })
            .collect::<Result<Vec<_>, DbError>>()?;
        let shipping = ShippingTable::new(zones, &taxes).map_err(|e| corrupt("shipping table", e))?;
        Ok((shipping, taxes))
    }

    /// Replaces every zone, rate and tax rate in one transaction.
    pub async fn replace(db: &Db, shipping: &ShippingTable, taxes: &TaxTable, now: Timestamp) -> Result<(), DbError> {
        let at = now.as_micros();
        on_db!(db, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(DELETE_RATES).execute(&mut *tx).await?;
            sqlx::query(DELETE_ZONES).execute(&mut *tx).await?;
            sqlx::query(DELETE_TAX_RATES).execute(&mut *tx).await?;
            for (position, zone) in shipping.zones().iter().enumerate() {
                let zone_id = new_id(now);
                sqlx::query(INSERT_ZONE)
                    .bind(zone_id)
                    .bind(&zone.name)
                    .bind(zone.countries.join(","))
                    .bind(zone.tax_mode.as_str())
                    .bind(zone.duties_paid)
                    .bind(i32::try_from(position).unwrap_or(i32::MAX))
                    .execute(&mut *tx)
                    .await?;
                for (position, rate) in zone.rates.iter().enumerate() {
                    sqlx::query(INSERT_RATE)
                        .bind(new_id(now))
                        .bind(zone_id)
                        .bind(&rate.code)
                        .bind(&rate.name)
                        .bind(rate.kind.as_str())
                        .bind(rate.price.currency().code())
                        .bind(rate.price.minor())
                        .bind(rate.per_kg.minor())
                        .bind(rate.free_above.map(|m| m.minor()))
                        .bind(i32::try_from(position).unwrap_or(i32::MAX))
                        .execute(&mut *tx)
                        .await?;
                }
            }
            for (country, class, rate) in taxes.rates() {
                sqlx::query(INSERT_TAX_RATE)
                    .bind(country)
                    .bind(class)
                    .bind(i32::try_from(rate.rate_bp).unwrap_or(0))
                    .bind(&rate.name)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(BUMP_VERSION).bind(at).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(())
    }
}
