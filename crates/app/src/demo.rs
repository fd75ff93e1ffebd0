//! The demo shop: a catalog of a Paris maison with drawn images, compiled into the binary and
//! written on first start with `--demo`.

use std::borrow::Cow;

use luxevault_core::catalog::snapshot::ProductText;
use luxevault_core::shipping::{RateKind, ShippingRate, ShippingTable, ShippingZone};
use luxevault_core::tax::{EU_STANDARD_VAT, STANDARD, TaxMode, TaxRate, TaxTable};
use luxevault_core::{Currency, Money, Rate, Timestamp};
use luxevault_storage::{
    NewCatalog, NewCollection, NewColour, NewCurrency, NewProduct, NewVariant, STANDARD_TAX_CLASS,
};
use luxevault_web::MediaSource;
use rust_embed::Embed;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Embed)]
#[folder = "demo/media/"]
struct DemoMedia;

/// Images of the demo catalog, served under `/media/`.
pub struct DemoMediaSource;

impl MediaSource for DemoMediaSource {
    fn get(&self, path: &str) -> Option<Cow<'static, [u8]>> {
        DemoMedia::get(path).map(|file| file.data)
    }
}

const CATALOG_JSON: &str = include_str!("../demo/catalog.json");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoCatalog {
    base_currency: String,
    currencies: Vec<DemoCurrency>,
    colours: BTreeMap<String, DemoColour>,
    collections: Vec<DemoCollection>,
    products: Vec<DemoProduct>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoCurrency {
    code: String,
    rate: String,
    rounding_minor: i64,
}

#[derive(Deserialize)]
struct DemoColour {
    hex: String,
    #[serde(flatten)]
    names: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct DemoCollectionText {
    name: String,
    description: String,
}

#[derive(Deserialize)]
struct DemoCollection {
    slug: String,
    image: Option<String>,
    #[serde(flatten)]
    texts: BTreeMap<String, DemoCollectionText>,
}

#[derive(Deserialize)]
struct DemoProductText {
    name: String,
    subtitle: String,
    description: Vec<String>,
    details: Vec<String>,
}

#[derive(Deserialize)]
struct DemoVariant {
    sku: String,
    colour: Option<String>,
    size: Option<String>,
    #[serde(default)]
    material: Option<String>,
    #[serde(default)]
    weight_grams: i64,
    #[serde(default)]
    hs_code: String,
    #[serde(default)]
    origin_country: String,
    stock: i64,
}

#[derive(Deserialize)]
struct DemoProduct {
    slug: String,
    collections: Vec<String>,
    #[serde(default)]
    featured: bool,
    images: Vec<String>,
    #[serde(default)]
    tax_class: Option<String>,
    variants: Vec<DemoVariant>,
    prices: BTreeMap<String, String>,
    #[serde(flatten)]
    texts: BTreeMap<String, DemoProductText>,
}

/// The demo catalog, parsed and checked.
pub fn catalog() -> Result<NewCatalog, String> {
    let demo: DemoCatalog = serde_json::from_str(CATALOG_JSON).map_err(|e| format!("demo/catalog.json: {e}"))?;
    let currency = |code: &str| Currency::from_code(code).map_err(|e| format!("demo/catalog.json: {e}"));
    let base_currency = currency(&demo.base_currency)?;
    let mut currencies = Vec::new();
    for c in &demo.currencies {
        currencies.push(NewCurrency {
            currency: currency(&c.code)?,
            rate: Rate::parse(&c.rate).map_err(|e| format!("demo/catalog.json: {e}"))?,
            rounding_minor: c.rounding_minor,
        });
    }
    let colours = demo
        .colours
        .into_iter()
        .map(|(code, c)| NewColour { code, hex: c.hex, names: c.names.into_iter().collect() })
        .collect();
    let collections = demo
        .collections
        .into_iter()
        .map(|c| NewCollection {
            slug: c.slug,
            image: c.image,
            texts: c.texts.into_iter().map(|(lang, t)| (lang, t.name, t.description)).collect(),
        })
        .collect();
    let mut products = Vec::new();
    for p in demo.products {
        let mut prices = Vec::new();
        for (code, amount) in &p.prices {
            let money =
                Money::parse_major(amount, currency(code)?).map_err(|e| format!("demo product {}: {e}", p.slug))?;
            prices.push(money);
        }
        for image in &p.images {
            if DemoMedia::get(image).is_none() {
                return Err(format!("demo product {} names a missing image {image}", p.slug));
            }
        }
        products.push(NewProduct {
            slug: p.slug,
            featured: p.featured,
            collections: p.collections,
            images: p.images,
            texts: p
                .texts
                .into_iter()
                .map(|(lang, t)| {
                    (
                        lang,
                        ProductText {
                            name: t.name,
                            subtitle: t.subtitle,
                            description: t.description,
                            details: t.details,
                            ..ProductText::default()
                        },
                    )
                })
                .collect(),
            variants: p
                .variants
                .into_iter()
                .map(|v| NewVariant {
                    sku: v.sku,
                    colour: v.colour,
                    size: v.size,
                    material: v.material,
                    weight_grams: v.weight_grams,
                    hs_code: v.hs_code,
                    origin_country: v.origin_country,
                    stock: v.stock,
                    ..NewVariant::default()
                })
                .collect(),
            prices,
            tax_class: p.tax_class.unwrap_or_else(|| STANDARD_TAX_CLASS.to_string()),
            // The demo shop has no drafts: every piece has been on sale for as long as it exists.
            published_at: Some(Timestamp(0)),
            ..NewProduct::default()
        });
    }
    Ok(NewCatalog { base_currency, currencies, colours, collections, products })
}

/// The demo maison's delivery: complimentary in France (or collected at the Paris boutique) and
/// across the EU with each country's VAT included and duties paid; international express
/// elsewhere, without VAT and with duties paid by the client on arrival.
pub fn delivery(base: Currency) -> Result<(ShippingTable, TaxTable), String> {
    // Monaco is in the French VAT area.
    let taxes = TaxTable::new(
        EU_STANDARD_VAT
            .iter()
            .chain([("MC", 2000)].iter())
            .map(|(c, bp)| (c.to_string(), STANDARD.to_string(), TaxRate { rate_bp: *bp, name: "vat".into() })),
    )
    .map_err(|e| e.to_string())?;
    let eur = |minor| Money::new(minor, base);
    let rate = |code: &str, name: &str, kind, price: Money, free_above: Option<Money>| ShippingRate {
        code: code.into(),
        name: name.into(),
        kind,
        price,
        per_kg: Money::zero(price.currency()),
        free_above,
    };
    let usd = Currency::from_code("USD").map_err(|e| e.to_string())?;
    let zones = vec![
        ShippingZone {
            name: "France".into(),
            countries: vec!["FR".into(), "MC".into()],
            tax_mode: TaxMode::Included,
            duties_paid: true,
            rates: vec![
                rate("standard", "Standard delivery", RateKind::Flat, eur(0), None),
                rate("pickup", "Collect at the Paris boutique", RateKind::Pickup, eur(0), None),
            ],
        },
        ShippingZone {
            name: "European Union".into(),
            countries: EU_STANDARD_VAT.iter().map(|(c, _)| c.to_string()).filter(|c| c != "FR").collect(),
            tax_mode: TaxMode::Included,
            duties_paid: true,
            rates: vec![rate("standard", "Express delivery", RateKind::Flat, eur(0), None)],
        },
        ShippingZone {
            name: "International".into(),
            countries: vec!["*".into()],
            tax_mode: TaxMode::None,
            duties_paid: false,
            rates: vec![
                rate("express", "International express", RateKind::Flat, eur(6_000), Some(eur(1_000_000))),
                rate(
                    "express",
                    "International express",
                    RateKind::Flat,
                    Money::new(6_500, usd),
                    Some(Money::new(1_100_000, usd)),
                ),
            ],
        },
    ];
    let shipping = ShippingTable::new(zones, &taxes).map_err(|e| e.to_string())?;
    Ok((shipping, taxes))
}

/// The demo maison's boutique calendar: the Paris boutique, Tuesday to Saturday, closed on
/// Christmas Day; four services; Camille gives every one, Hugo fittings and private viewings.
pub async fn seed_boutiques(
    db: &luxevault_storage::Db,
    now: luxevault_core::Timestamp,
) -> Result<(), luxevault_storage::DbError> {
    use luxevault_storage::{Appointments, BoutiqueRow};
    if !Appointments::boutiques(db).await?.is_empty() {
        return Ok(());
    }
    let paris = BoutiqueRow {
        id: luxevault_core::ids::new_id(now),
        slug: "paris".into(),
        name: "Maison Élégance Paris".into(),
        address: "12 rue du Faubourg Saint-Honoré, 75008 Paris".into(),
        time_zone: "Europe/Paris".into(),
        hours: "tue-sat 10:00-19:00".into(),
    };
    let boutique = Appointments::add_boutique(db, &paris, 0, now).await?;
    Appointments::add_closure(db, boutique, "2026-12-25").await?;
    Appointments::add_closure(db, boutique, "2027-12-25").await?;
    let mut services = Vec::new();
    for (position, (slug, en, fr, minutes)) in [
        ("fitting", "Fitting", "Essayage", 60),
        ("sizing", "Sizing consultation", "Conseil de taille", 30),
        ("alteration", "Alteration", "Retouche", 30),
        ("private-viewing", "Private viewing", "Présentation privée", 90),
    ]
    .into_iter()
    .enumerate()
    {
        let names = serde_json::json!({"en": en, "fr": fr}).to_string();
        let id =
            Appointments::add_service(db, slug, &names, minutes, i32::try_from(position).unwrap_or(0), now).await?;
        services.push(id);
    }
    Appointments::add_associate(db, boutique, "Camille", None, "", &services, now).await?;
    Appointments::add_associate(db, boutique, "Hugo", None, "tue-sat 12:00-19:00", &[services[0], services[3]], now)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn demo_catalog_parses_and_has_its_images() {
        let catalog = super::catalog().unwrap_or_else(|e| panic!("{e}"));
        assert!(catalog.products.len() >= 25, "about 30 products");
        assert_eq!(catalog.currencies.len(), 5);
    }
}
