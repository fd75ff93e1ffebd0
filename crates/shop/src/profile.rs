//! Opening a house: its name and seller details, the currencies it trades in, its languages and
//! time zone — what `luxevault init` and the first-run page ask for — and, on the first opening,
//! a starting delivery table (home, the EU with its VAT rates, the rest of the world) that the
//! house then adjusts with `luxevault shipping set`.

use luxevault_core::checkout::is_country;
use luxevault_core::local_time::ShopTimeZone;
use luxevault_core::money::{Currency, Money, Rate};
use luxevault_core::pricing::OfferedCurrency;
use luxevault_core::shipping::{REST_OF_WORLD, RateKind, ShippingRate, ShippingTable, ShippingZone};
use luxevault_core::tax::{EU_STANDARD_VAT, STANDARD, TaxMode, TaxRate, TaxTable};
use luxevault_core::{Clock, Lang};
use luxevault_storage::{Db, Delivery, NewProfile, ProfileRow, ShopProfile};

use crate::error::ShopError;
use crate::guard;

/// One currency the house offers: `EUR`, or `USD:1.085:10` (rate per base unit, prices rounded
/// to 10 dollars when converted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrencyOffer {
    pub code: String,
    /// Units of this currency per unit of the base currency; `1` for the base itself.
    pub rate: String,
    /// Converted prices are rounded to a multiple of this, in major units (`10`, `0.05`, `1000`).
    pub step: String,
}

impl CurrencyOffer {
    /// `CODE[:RATE[:STEP]]`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut parts = text.trim().split(':');
        let code = parts.next().unwrap_or_default().trim().to_ascii_uppercase();
        let rate = parts.next().map(str::trim).filter(|r| !r.is_empty()).unwrap_or("1").to_string();
        let step = parts.next().map(str::trim).filter(|r| !r.is_empty()).unwrap_or("1").to_string();
        if parts.next().is_some() {
            return Err(format!("'{}' should read CODE[:RATE[:STEP]], e.g. USD:1.085:10", clip(text)));
        }
        Ok(Self { code, rate, step })
    }
}

/// What a house says about itself when it opens.
#[derive(Debug, Clone)]
pub struct Opening {
    pub name: String,
    pub legal_name: String,
    /// Postal address, lines separated by newlines.
    pub address: String,
    pub vat_number: String,
    /// ISO 3166-1 alpha-2 of establishment.
    pub country: String,
    pub time_zone: String,
    /// Default first.
    pub languages: Vec<String>,
    pub base_currency: String,
    /// May omit the base currency (it is added first).
    pub currencies: Vec<CurrencyOffer>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// The starting delivery table was written (first opening only).
    pub delivery_seeded: bool,
    pub currencies: Vec<String>,
}

fn clip(text: &str) -> String {
    text.chars().take(40).collect()
}

fn invalid(code: &'static str, message: String) -> ShopError {
    ShopError::Invalid { code, message: message.into() }
}

fn text_field(value: &str, field: &'static str, max: usize, required: bool) -> Result<String, ShopError> {
    let value = value.trim();
    if required && value.is_empty() {
        return Err(invalid("missing_field", format!("{field} is required")));
    }
    if value.chars().count() > max {
        return Err(invalid("too_long", format!("{field} is longer than {max} characters")));
    }
    Ok(guard::free_text(value, field))
}

fn offered(offer: &CurrencyOffer, base: Currency) -> Result<OfferedCurrency, ShopError> {
    let currency = Currency::from_code(&offer.code).map_err(|_| {
        invalid("unknown_currency", format!("'{}' is not an ISO 4217 currency code", clip(&offer.code)))
    })?;
    let rate = if currency == base {
        Rate::ONE
    } else {
        Rate::parse(&offer.rate).map_err(|_| {
            invalid(
                "bad_rate",
                format!("{}: '{}' is not an exchange rate (units per one {base})", currency, clip(&offer.rate)),
            )
        })?
    };
    let step = Money::parse_major(&offer.step, currency).ok().filter(|m| m.minor() > 0).ok_or_else(|| {
        invalid("bad_step", format!("{currency}: '{}' is not a rounding step such as 1 or 10", clip(&offer.step)))
    })?;
    Ok(OfferedCurrency { currency, rate, rounding_minor: step.minor() })
}

/// Validates and writes the house's profile and currencies (one transaction), then, on the
/// first opening, the starting delivery table.
pub async fn open_shop(db: &Db, clock: &dyn Clock, opening: &Opening) -> Result<Opened, ShopError> {
    let name = text_field(&opening.name, "name", 120, true)?;
    let legal_name = text_field(&opening.legal_name, "legal name", 200, false)?;
    let address = text_field(&opening.address, "address", 500, false)?;
    let vat_number = text_field(&opening.vat_number, "VAT number", 32, false)?;
    let country = opening.country.trim().to_ascii_uppercase();
    if !is_country(&country) {
        return Err(invalid(
            "bad_country",
            format!("'{}' is not an ISO 3166-1 country code such as FR", clip(&country)),
        ));
    }
    let time_zone = ShopTimeZone::parse(&opening.time_zone).map_err(|e| invalid("bad_time_zone", e))?;
    let mut langs: Vec<Lang> = Vec::new();
    for code in &opening.languages {
        let lang = Lang::parse(code.trim())
            .ok_or_else(|| invalid("bad_language", format!("'{}' is not a language code such as en", clip(code))))?;
        if !langs.contains(&lang) {
            langs.push(lang);
        }
    }
    if langs.is_empty() {
        return Err(invalid("bad_language", "name at least one language".into()));
    }
    crate::i18n::Translations::load(&langs).map_err(|e| invalid("bad_language", e))?;
    let base = Currency::from_code(opening.base_currency.trim()).map_err(|_| {
        invalid("unknown_currency", format!("'{}' is not an ISO 4217 currency code", clip(&opening.base_currency)))
    })?;
    let mut currencies = vec![OfferedCurrency { currency: base, rate: Rate::ONE, rounding_minor: 1 }];
    for offer in &opening.currencies {
        let currency = offered(offer, base)?;
        match currencies.iter_mut().find(|c| c.currency == currency.currency) {
            Some(existing) if currency.currency == base => existing.rounding_minor = currency.rounding_minor,
            Some(_) => return Err(invalid("currency_twice", format!("{} is listed twice", currency.currency))),
            None => currencies.push(currency),
        }
    }
    let languages = langs.iter().map(|l| l.as_str()).collect::<Vec<_>>().join(",");
    let now = clock.now();
    let profile = NewProfile {
        name: &name,
        legal_name: &legal_name,
        address: &address,
        vat_number: &vat_number,
        country: &country,
        time_zone: time_zone.name(),
        languages: &languages,
        base_currency: base,
        currencies: &currencies,
    };
    ShopProfile::set(db, &profile, now).await.map_err(|e| match e {
        luxevault_storage::DbError::Invalid(message) => invalid("currency_in_use", message),
        other => ShopError::Db(other),
    })?;
    let (shipping, _) = Delivery::load(db).await?;
    let delivery_seeded = shipping.is_empty();
    if delivery_seeded {
        let (shipping, taxes) = starting_delivery(&country, base)?;
        Delivery::replace(db, &shipping, &taxes, now).await?;
    }
    tracing::info!(delivery_seeded, "the shop's profile was written");
    Ok(Opened { delivery_seeded, currencies: currencies.iter().map(|c| c.currency.to_string()).collect() })
}

/// Home (with boutique pick-up), the rest of the EU at each country's VAT with duties paid, and
/// the rest of the world without VAT and with duties paid by the client — all delivered free to
/// start with, so the house sets its own prices before the first order.
pub fn starting_delivery(home: &str, base: Currency) -> Result<(ShippingTable, TaxTable), ShopError> {
    let in_eu = EU_STANDARD_VAT.iter().any(|(c, _)| *c == home);
    let taxes = TaxTable::new(
        EU_STANDARD_VAT
            .iter()
            .map(|(c, bp)| (c.to_string(), STANDARD.to_string(), TaxRate { rate_bp: *bp, name: "vat".into() })),
    )
    .map_err(|_| ShopError::Internal)?;
    let free = |code: &str, name: &str, kind| ShippingRate {
        code: code.into(),
        name: name.into(),
        kind,
        price: Money::zero(base),
        per_kg: Money::zero(base),
        free_above: None,
    };
    let mut zones = vec![ShippingZone {
        name: "Home".into(),
        countries: vec![home.to_string()],
        tax_mode: if in_eu { TaxMode::Included } else { TaxMode::None },
        duties_paid: true,
        rates: vec![
            free("standard", "Standard delivery", RateKind::Flat),
            free("pickup", "Collect at the boutique", RateKind::Pickup),
        ],
    }];
    if in_eu {
        zones.push(ShippingZone {
            name: "European Union".into(),
            countries: EU_STANDARD_VAT.iter().map(|(c, _)| c.to_string()).filter(|c| c != home).collect(),
            tax_mode: TaxMode::Included,
            duties_paid: true,
            rates: vec![free("standard", "Standard delivery", RateKind::Flat)],
        });
    }
    zones.push(ShippingZone {
        name: "Rest of the world".into(),
        countries: vec![REST_OF_WORLD.to_string()],
        tax_mode: TaxMode::None,
        duties_paid: false,
        rates: vec![free("standard", "Standard delivery", RateKind::Flat)],
    });
    let shipping = ShippingTable::new(zones, &taxes).map_err(|_| ShopError::Internal)?;
    Ok((shipping, taxes))
}

/// The house's profile, if it has opened.
pub async fn profile(db: &Db) -> Result<Option<ProfileRow>, ShopError> {
    Ok(ShopProfile::get(db).await?)
}
