//! `luxevault init` (the house opens: name, seller, currencies, languages, time zone) and
//! `luxevault shipping show|set` (its delivery zones, rates and tax rates as a TOML file).

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Context, anyhow};
use luxevault_core::money::{Currency, Money};
use luxevault_core::shipping::{RateKind, ShippingRate, ShippingTable, ShippingZone};
use luxevault_core::tax::{TaxMode, TaxRate, TaxTable};
use luxevault_core::{Clock, SystemClock};
use luxevault_shop::profile::{CurrencyOffer, Opening, open_shop};
use luxevault_storage::Delivery;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::server::open_database;

/// What `init` was given on the command line; what is missing is asked for on a terminal.
#[derive(Debug, Default, Clone)]
pub struct InitArgs {
    pub name: Option<String>,
    pub legal_name: Option<String>,
    pub address: Option<String>,
    pub vat_number: Option<String>,
    pub country: Option<String>,
    pub currency: Option<String>,
    pub currencies: Option<String>,
    pub languages: Option<String>,
    pub time_zone: Option<String>,
}

fn ask(question: &str, default: Option<&str>) -> anyhow::Result<String> {
    let mut err = std::io::stderr();
    match default {
        Some(d) if !d.is_empty() => write!(err, "{question} [{d}]: ")?,
        _ => write!(err, "{question}: ")?,
    }
    err.flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let answer = line.trim().to_string();
    Ok(if answer.is_empty() { default.unwrap_or_default().to_string() } else { answer })
}

/// A value from its flag, else asked on a terminal, else the default or an error naming the flag.
fn value(
    given: Option<String>,
    flag: &str,
    question: &str,
    default: Option<&str>,
    interactive: bool,
) -> anyhow::Result<String> {
    if let Some(value) = given {
        return Ok(value);
    }
    if interactive {
        return ask(question, default);
    }
    match default {
        Some(d) => Ok(d.to_string()),
        None => Err(anyhow!("init needs --{flag} (or run it on a terminal to be asked)")),
    }
}

pub async fn init(config: &Config, args: InitArgs) -> anyhow::Result<String> {
    let interactive = std::io::stdin().is_terminal();
    let name = value(args.name, "name", "The shop's name", None, interactive)?;
    let legal_name = value(args.legal_name, "legal-name", "Legal entity (on invoices)", Some(""), interactive)?;
    let address = value(args.address, "address", "Postal address (lines separated by ' / ')", Some(""), interactive)?;
    let vat_number = value(args.vat_number, "vat-number", "VAT number", Some(""), interactive)?;
    let country = value(args.country, "country", "Country of establishment (ISO code, e.g. FR)", None, interactive)?;
    let currency = value(args.currency, "currency", "Base currency (ISO code, e.g. EUR)", None, interactive)?;
    let currencies = value(
        args.currencies,
        "currencies",
        "Other currencies as CODE:RATE:STEP, comma-separated (e.g. USD:1.085:10,JPY:162:1000)",
        Some(""),
        interactive,
    )?;
    let languages =
        value(args.languages, "languages", "Languages, default first (e.g. en,fr)", Some("en"), interactive)?;
    let time_zone = value(args.time_zone, "time-zone", "Time zone (e.g. Europe/Paris)", None, interactive)?;
    let currencies = currencies
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(CurrencyOffer::parse)
        .collect::<Result<Vec<_>, String>>()
        .map_err(|e| anyhow!("--currencies: {e}"))?;
    let opening = Opening {
        name,
        legal_name,
        address: address.split(" / ").map(str::trim).collect::<Vec<_>>().join("\n"),
        vat_number,
        country,
        time_zone,
        languages: languages.split(',').map(|l| l.trim().to_string()).filter(|l| !l.is_empty()).collect(),
        base_currency: currency,
        currencies,
    };
    let db = open_database(config).await?;
    let result = open_shop(&db, &SystemClock, &opening).await;
    db.close().await;
    let opened = result.map_err(|e| anyhow!("{}", e.message()))?;
    let mut answer = format!(
        "{} is set up: currencies {}, languages {}, time zone {}.",
        opening.name.trim(),
        opened.currencies.join(", "),
        opening.languages.join(", "),
        opening.time_zone.trim()
    );
    if opened.delivery_seeded {
        answer.push_str(
            "\nA starting delivery table was written (complimentary delivery, EU VAT included, no VAT outside the EU): \
             review it with `luxevault shipping show` and change it with `luxevault shipping set FILE`.",
        );
    }
    answer.push_str("\nNext: add pieces in the back office or with `luxevault catalog import FILE.csv`.");
    Ok(answer)
}

/// The delivery file: `[[tax]]` rates and `[[zone]]`s with their `[[zone.rate]]`s.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryFile {
    #[serde(default)]
    pub tax: Vec<TaxEntry>,
    #[serde(default)]
    pub zone: Vec<ZoneEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxEntry {
    pub country: String,
    #[serde(default = "standard")]
    pub class: String,
    /// Percent, e.g. "19" or "8.875".
    pub rate: String,
    /// vat, sales_tax or gst.
    #[serde(default = "vat")]
    pub name: String,
}

fn standard() -> String {
    luxevault_core::tax::STANDARD.to_string()
}

fn vat() -> String {
    "vat".into()
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneEntry {
    pub name: String,
    /// ISO codes; "*" for the rest of the world.
    pub countries: Vec<String>,
    /// included, excluded or none.
    pub tax: String,
    pub duties_paid: bool,
    #[serde(default)]
    pub rate: Vec<RateEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateEntry {
    pub code: String,
    pub name: String,
    /// flat, weight or pickup.
    pub kind: String,
    pub currency: String,
    pub price: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_kg: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free_above: Option<String>,
}

/// Percent text to basis points: "19" → 1900, "8.875" refused (two decimals at most).
fn rate_bp(text: &str) -> Result<u32, String> {
    let (whole, frac) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
    let whole: u32 = whole.parse().map_err(|_| format!("'{text}' is not a percentage such as 19 or 5.5"))?;
    if frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("'{text}': give at most two decimals"));
    }
    let frac: u32 = format!("{frac:0<2}").parse().unwrap_or(0);
    Ok(whole.saturating_mul(100).saturating_add(frac))
}

pub fn parse_delivery(text: &str) -> Result<(ShippingTable, TaxTable), String> {
    let file: DeliveryFile = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut rates = Vec::new();
    for t in &file.tax {
        let bp = rate_bp(&t.rate).map_err(|e| format!("tax {}: {e}", t.country))?;
        rates.push((
            t.country.trim().to_ascii_uppercase(),
            t.class.clone(),
            TaxRate { rate_bp: bp, name: t.name.clone() },
        ));
    }
    let taxes = TaxTable::new(rates).map_err(|e| e.to_string())?;
    let mut zones = Vec::new();
    for z in file.zone {
        let tax_mode = TaxMode::parse(&z.tax)
            .ok_or_else(|| format!("zone {}: tax must be included, excluded or none, not '{}'", z.name, z.tax))?;
        let mut zone_rates = Vec::new();
        for r in z.rate {
            let at = |what: &str| format!("zone {}, rate {}: {what}", z.name, r.code);
            let currency = Currency::from_code(&r.currency).map_err(|_| at("unknown currency"))?;
            let money = |text: &str| Money::parse_major(text.trim(), currency).map_err(|e| at(&e.to_string()));
            let kind = RateKind::parse(&r.kind).ok_or_else(|| at("kind must be flat, weight or pickup"))?;
            zone_rates.push(ShippingRate {
                code: r.code.clone(),
                name: r.name.clone(),
                kind,
                price: money(&r.price)?,
                per_kg: r.per_kg.as_deref().map(money).transpose()?.unwrap_or(Money::zero(currency)),
                free_above: r.free_above.as_deref().map(money).transpose()?,
            });
        }
        zones.push(ShippingZone {
            name: z.name,
            countries: z.countries.iter().map(|c| c.trim().to_ascii_uppercase()).collect(),
            tax_mode,
            duties_paid: z.duties_paid,
            rates: zone_rates,
        });
    }
    let shipping = ShippingTable::new(zones, &taxes).map_err(|e| e.to_string())?;
    Ok((shipping, taxes))
}

pub fn render_delivery(shipping: &ShippingTable, taxes: &TaxTable) -> Result<String, String> {
    let mut tax: Vec<TaxEntry> = taxes
        .rates()
        .map(|(country, class, rate)| TaxEntry {
            country: country.to_string(),
            class: class.to_string(),
            rate: luxevault_core::tax::format_rate(rate.rate_bp, false).trim_end_matches('%').to_string(),
            name: rate.name.clone(),
        })
        .collect();
    tax.sort_by(|a, b| (&a.country, &a.class).cmp(&(&b.country, &b.class)));
    let zone = shipping
        .zones()
        .iter()
        .map(|z| ZoneEntry {
            name: z.name.clone(),
            countries: z.countries.clone(),
            tax: z.tax_mode.as_str().to_string(),
            duties_paid: z.duties_paid,
            rate: z
                .rates
                .iter()
                .map(|r| RateEntry {
                    code: r.code.clone(),
                    name: r.name.clone(),
                    kind: r.kind.as_str().to_string(),
                    currency: r.price.currency().to_string(),
                    price: r.price.to_major_string(),
                    per_kg: (r.per_kg.minor() != 0).then(|| r.per_kg.to_major_string()),
                    free_above: r.free_above.map(|m| m.to_major_string()),
                })
                .collect(),
        })
        .collect();
    toml::to_string_pretty(&DeliveryFile { tax, zone }).map_err(|e| e.to_string())
}

pub async fn shipping_show(config: &Config) -> anyhow::Result<String> {
    let db = open_database(config).await?;
    let loaded = Delivery::load(&db).await;
    db.close().await;
    let (shipping, taxes) = loaded?;
    render_delivery(&shipping, &taxes).map_err(anyhow::Error::msg)
}

pub async fn shipping_set(config: &Config, file: &std::path::Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(file).with_context(|| format!("could not read {}", file.display()))?;
    let (shipping, taxes) = parse_delivery(&text).map_err(|e| anyhow!("{}: {e}", file.display()))?;
    let db = open_database(config).await?;
    let result = Delivery::replace(&db, &shipping, &taxes, SystemClock.now()).await;
    db.close().await;
    result?;
    Ok(format!(
        "Delivery set: {} zones, {} tax rates. Checkouts use it from their next quote.",
        shipping.zones().len(),
        taxes.rates().count()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delivery_file_round_trips_and_bad_files_say_why() {
        let text = r#"
[[tax]]
country = "DE"
rate = "19"

[[zone]]
name = "Germany"
countries = ["DE"]
tax = "included"
duties_paid = true

[[zone.rate]]
code = "standard"
name = "Standard"
kind = "flat"
currency = "EUR"
price = "25"
free_above = "500"
"#;
        let (shipping, taxes) = parse_delivery(text).unwrap_or_else(|e| panic!("{e}"));
        let again = render_delivery(&shipping, &taxes).unwrap_or_else(|e| panic!("{e}"));
        let (shipping2, _) = parse_delivery(&again).unwrap_or_else(|e| panic!("{e}\n{again}"));
        assert_eq!(shipping.zones(), shipping2.zones());
        let untaxed = text.replace("country = \"DE\"\nrate", "country = \"AT\"\nrate");
        let error = parse_delivery(&untaxed).err().unwrap_or_default();
        assert!(error.contains("DE has no included tax rate"), "{error}");
        assert!(parse_delivery("[[zone]]\nname = 1").is_err());
        assert_eq!(rate_bp("5.5"), Ok(550));
        assert!(rate_bp("8.875").is_err());
    }
}
