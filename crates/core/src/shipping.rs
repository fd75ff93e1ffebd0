//! Delivery: the zones a house ships to, the ways it delivers in each and what they cost, and the
//! duties terms a client reads before paying. The table is loaded from storage; these are its
//! rules.

use serde::Serialize;

use crate::checkout::is_country;
use crate::money::{Currency, Money, MoneyError};
use crate::pricing::CurrencyTable;
use crate::tax::{TaxMode, TaxTable};

/// The zone that takes every country no other zone names.
pub const REST_OF_WORLD: &str = "*";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RateKind {
    /// One price per parcel.
    Flat,
    /// The price covers the first kilogram; each started kilogram after it adds `per_kg`.
    Weight,
    /// Collected at the boutique: free.
    Pickup,
}

impl RateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Flat => "flat",
            Self::Weight => "weight",
            Self::Pickup => "pickup",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "flat" => Some(Self::Flat),
            "weight" => Some(Self::Weight),
            "pickup" => Some(Self::Pickup),
            _ => None,
        }
    }
}

/// A way to deliver in a zone, priced in one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShippingRate {
    /// Stable code the client's choice names (`standard`, `express`, `pickup`).
    pub code: String,
    pub name: String,
    pub kind: RateKind,
    pub price: Money,
    pub per_kg: Money,
    /// Free when the goods reach this amount.
    pub free_above: Option<Money>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShippingZone {
    pub name: String,
    /// ISO codes, or [`REST_OF_WORLD`].
    pub countries: Vec<String>,
    pub tax_mode: TaxMode,
    /// Delivered duty paid: the house pays import duties and taxes.
    pub duties_paid: bool,
    pub rates: Vec<ShippingRate>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShippingError {
    #[error("zone {zone}: '{country}' is not a country code")]
    UnknownCountry { zone: String, country: String },
    #[error("{country} is in two zones ({first} and {second})")]
    CountryTwice { country: String, first: String, second: String },
    #[error("zone {0} has no countries")]
    NoCountries(String),
    #[error("zone {zone}: the delivery code '{code}' is used twice for {currency}")]
    CodeTwice { zone: String, code: String, currency: String },
    #[error("zone {zone}: {country} has no {mode} tax rate; add one")]
    NoTaxRate { zone: String, country: String, mode: &'static str },
    #[error("zone {zone}: delivery '{code}' mixes currencies")]
    MixedCurrencies { zone: String, code: String },
}

/// Every zone a house ships to, checked whole: a country in at most one zone, every rate in
/// one currency, every taxed country with a rate.
#[derive(Debug, Clone, Default)]
pub struct ShippingTable {
    zones: Vec<ShippingZone>,
}

impl ShippingTable {
    pub fn new(zones: Vec<ShippingZone>, taxes: &TaxTable) -> Result<Self, ShippingError> {
        let mut seen: Vec<(&str, &str)> = Vec::new();
        for zone in &zones {
            if zone.countries.is_empty() {
                return Err(ShippingError::NoCountries(zone.name.clone()));
            }
            for country in &zone.countries {
                if country != REST_OF_WORLD && !is_country(country) {
                    return Err(ShippingError::UnknownCountry { zone: zone.name.clone(), country: country.clone() });
                }
                if let Some((_, first)) = seen.iter().find(|(c, _)| c == country) {
                    return Err(ShippingError::CountryTwice {
                        country: country.clone(),
                        first: (*first).to_string(),
                        second: zone.name.clone(),
                    });
                }
                seen.push((country, &zone.name));
                if zone.tax_mode != TaxMode::None
                    && country != REST_OF_WORLD
                    && taxes.rate(country, crate::tax::STANDARD).is_none()
                {
                    return Err(ShippingError::NoTaxRate {
                        zone: zone.name.clone(),
                        country: country.clone(),
                        mode: zone.tax_mode.as_str(),
                    });
                }
            }
            for (i, rate) in zone.rates.iter().enumerate() {
                let currency = rate.price.currency();
                if rate.per_kg.currency() != currency || rate.free_above.is_some_and(|f| f.currency() != currency) {
                    return Err(ShippingError::MixedCurrencies { zone: zone.name.clone(), code: rate.code.clone() });
                }
                if zone.rates[..i].iter().any(|r| r.code == rate.code && r.price.currency() == currency) {
                    return Err(ShippingError::CodeTwice {
                        zone: zone.name.clone(),
                        code: rate.code.clone(),
                        currency: currency.to_string(),
                    });
                }
            }
        }
        Ok(Self { zones })
    }

    pub fn zones(&self) -> &[ShippingZone] {
        &self.zones
    }

    pub fn is_empty(&self) -> bool {
        self.zones.is_empty()
    }

    /// The zone of a destination: the one naming it, else the rest of the world, if any.
    pub fn zone_for(&self, country: &str) -> Option<&ShippingZone> {
        self.zones
            .iter()
            .find(|z| z.countries.iter().any(|c| c == country))
            .or_else(|| self.zones.iter().find(|z| z.countries.iter().any(|c| c == REST_OF_WORLD)))
    }
}

/// A delivery offered to the client for one cart, priced in the cart's currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryOption {
    pub code: String,
    pub name: String,
    pub kind: RateKind,
    pub price: Money,
}

impl ShippingZone {
    /// The deliveries of this zone for goods worth `goods` weighing `weight_grams`, in the goods'
    /// currency: a rate set in that currency, else the base-currency rate converted at the
    /// shop's rate and rounded to whole units.
    pub fn options(
        &self,
        goods: Money,
        weight_grams: i64,
        currencies: &CurrencyTable,
    ) -> Result<Vec<DeliveryOption>, MoneyError> {
        let target = goods.currency();
        let mut options = Vec::new();
        let mut codes: Vec<&str> = Vec::new();
        for rate in &self.rates {
            if !codes.contains(&rate.code.as_str()) {
                codes.push(&rate.code);
            }
        }
        for code in codes {
            let explicit = self.rates.iter().find(|r| r.code == code && r.price.currency() == target);
            let rate = match explicit {
                Some(rate) => rate.clone(),
                None => {
                    let Some(base) =
                        self.rates.iter().find(|r| r.code == code && r.price.currency() == currencies.base())
                    else {
                        continue;
                    };
                    let Some(offered) = currencies.find(target.code()) else { continue };
                    convert_rate(base, target, offered.rate)?
                }
            };
            let price = delivery_price(&rate, goods, weight_grams)?;
            options.push(DeliveryOption { code: rate.code, name: rate.name, kind: rate.kind, price });
        }
        Ok(options)
    }
}

fn convert_rate(rate: &ShippingRate, to: Currency, fx: crate::money::Rate) -> Result<ShippingRate, MoneyError> {
    let whole = 10i64.pow(to.exponent());
    let convert =
        |m: Money| crate::money::convert(m, to, fx, whole).map(|c| if m.minor() == 0 { Money::zero(to) } else { c });
    Ok(ShippingRate {
        code: rate.code.clone(),
        name: rate.name.clone(),
        kind: rate.kind,
        price: convert(rate.price)?,
        per_kg: convert(rate.per_kg)?,
        free_above: rate.free_above.map(convert).transpose()?,
    })
}

/// What one rate costs for these goods.
pub fn delivery_price(rate: &ShippingRate, goods: Money, weight_grams: i64) -> Result<Money, MoneyError> {
    let currency = rate.price.currency();
    if rate.kind == RateKind::Pickup || rate.free_above.is_some_and(|free| goods.minor() >= free.minor()) {
        return Ok(Money::zero(currency));
    }
    match rate.kind {
        RateKind::Weight => {
            let started_kg = weight_grams.max(0).saturating_add(999) / 1000;
            let extra = u32::try_from((started_kg - 1).max(0)).map_err(|_| MoneyError::Overflow)?;
            rate.price.checked_add(rate.per_kg.checked_mul(extra)?)
        }
        _ => Ok(rate.price),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Rate;
    use crate::pricing::OfferedCurrency;
    use crate::tax::{STANDARD, TaxRate};

    fn c(code: &str) -> Currency {
        Currency::from_code(code).unwrap_or_else(|e| panic!("{e}"))
    }

    fn eur(minor: i64) -> Money {
        Money::new(minor, c("EUR"))
    }

    fn taxes() -> TaxTable {
        TaxTable::new([
            ("FR".to_string(), STANDARD.to_string(), TaxRate { rate_bp: 2000, name: "vat".into() }),
            ("DE".to_string(), STANDARD.to_string(), TaxRate { rate_bp: 1900, name: "vat".into() }),
        ])
        .unwrap_or_else(|e| panic!("{e}"))
    }

    fn rate(code: &str, kind: RateKind, price: Money, free_above: Option<Money>) -> ShippingRate {
        ShippingRate {
            code: code.into(),
            name: code.into(),
            kind,
            price,
            per_kg: Money::zero(price.currency()),
            free_above,
        }
    }

    fn zone(name: &str, countries: &[&str], mode: TaxMode, rates: Vec<ShippingRate>) -> ShippingZone {
        ShippingZone {
            name: name.into(),
            countries: countries.iter().map(|c| c.to_string()).collect(),
            tax_mode: mode,
            duties_paid: mode != TaxMode::None,
            rates,
        }
    }

    fn currencies() -> CurrencyTable {
        let offer = |code, fx: &str, step| OfferedCurrency {
            currency: c(code),
            rate: Rate::parse(fx).unwrap_or(Rate::ONE),
            rounding_minor: step,
        };
        CurrencyTable::new(
            c("EUR"),
            vec![offer("EUR", "1", 1000), offer("USD", "1.0850", 1000), offer("JPY", "162.12", 1000)],
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_country_finds_its_zone_or_the_rest_of_the_world() {
        let table = ShippingTable::new(
            vec![zone("EU", &["FR", "DE"], TaxMode::Included, vec![]), zone("World", &["*"], TaxMode::None, vec![])],
            &taxes(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(table.zone_for("DE").map(|z| z.name.as_str()), Some("EU"));
        assert_eq!(table.zone_for("JP").map(|z| z.name.as_str()), Some("World"));
    }

    #[test]
    fn a_bad_table_is_refused_with_its_reason() {
        let twice = ShippingTable::new(
            vec![zone("A", &["FR"], TaxMode::Included, vec![]), zone("B", &["FR"], TaxMode::Included, vec![])],
            &taxes(),
        );
        assert!(matches!(twice, Err(ShippingError::CountryTwice { .. })));
        let untaxed = ShippingTable::new(vec![zone("EU", &["IT"], TaxMode::Included, vec![])], &taxes());
        assert_eq!(untaxed.err().map(|e| e.to_string()), Some("zone EU: IT has no included tax rate; add one".into()));
        let bogus = ShippingTable::new(vec![zone("X", &["XX"], TaxMode::None, vec![])], &taxes());
        assert!(matches!(bogus, Err(ShippingError::UnknownCountry { .. })));
    }

    #[test]
    fn free_above_an_amount_and_pickup_is_free() {
        let standard = rate("standard", RateKind::Flat, eur(2_500), Some(eur(50_000)));
        assert_eq!(delivery_price(&standard, eur(49_999), 0), Ok(eur(2_500)));
        assert_eq!(delivery_price(&standard, eur(50_000), 0), Ok(eur(0)));
        let pickup = rate("pickup", RateKind::Pickup, eur(0), None);
        assert_eq!(delivery_price(&pickup, eur(10), 0), Ok(eur(0)));
    }

    #[test]
    fn weight_rates_count_started_kilograms_after_the_first() {
        let mut heavy = rate("freight", RateKind::Weight, eur(3_000), None);
        heavy.per_kg = eur(500);
        assert_eq!(delivery_price(&heavy, eur(0), 800), Ok(eur(3_000)));
        assert_eq!(delivery_price(&heavy, eur(0), 1_000), Ok(eur(3_000)));
        assert_eq!(delivery_price(&heavy, eur(0), 1_001), Ok(eur(3_500)));
        assert_eq!(delivery_price(&heavy, eur(0), 3_200), Ok(eur(4_500)));
    }

    #[test]
    fn options_use_the_rate_in_the_currency_else_convert_the_base_rate() {
        let usd = Money::new(4_000, c("USD"));
        let z = zone(
            "World",
            &["*"],
            TaxMode::None,
            vec![rate("express", RateKind::Flat, eur(5_000), None), rate("express", RateKind::Flat, usd, None)],
        );
        let in_usd = z.options(Money::new(100_000, c("USD")), 0, &currencies()).unwrap_or_default();
        assert_eq!(in_usd[0].price, usd);
        let in_jpy = z.options(Money::new(1_000_000, c("JPY")), 0, &currencies()).unwrap_or_default();
        // €50 × 162.12 = ¥8 106
        assert_eq!(in_jpy[0].price, Money::new(8_106, c("JPY")));
    }
}
