//! Delivery and tax for a cart or an order: which ways the house delivers to the client's
//! country, what each costs, the tax lines, the duties terms and the total. One computation for
//! the cart quote, the checkout and the order itself, so what the client saw is what is charged.
//!
//! The zones, rates and tax rates are cached like the catalog: reloaded when the catalog version
//! (which every change to them bumps) moves; the caller passes the version of the catalog it read.

use std::sync::{Arc, RwLock};

use luxevault_core::Money;
use luxevault_core::catalog::snapshot::Catalog;
use luxevault_core::pricing::CurrencyTable;
use luxevault_core::shipping::{DeliveryOption, ShippingTable};
use luxevault_core::tax::{self, TaxLine, TaxMode, TaxTable, Taxable};
use luxevault_storage::{Db, DbError, Delivery};

use crate::Shop;

/// The zones and tax rates in force, at one catalog version.
pub struct DeliveryTables {
    pub version: i64,
    pub shipping: ShippingTable,
    pub taxes: TaxTable,
}

#[derive(Default)]
pub struct DeliveryCache {
    current: RwLock<Option<Arc<DeliveryTables>>>,
}

impl DeliveryCache {
    /// The tables at `version`, the catalog version the caller just read (every change to them
    /// moves it), so a quote asks the database for the version once.
    pub async fn get(&self, db: &Db, version: i64) -> Result<Arc<DeliveryTables>, DbError> {
        let cached = self.current.read().map(|c| c.clone()).unwrap_or_else(|p| p.into_inner().clone());
        if let Some(tables) = cached.filter(|t| t.version == version) {
            return Ok(tables);
        }
        let (shipping, taxes) = Delivery::load(db).await?;
        let fresh = Arc::new(DeliveryTables { version, shipping, taxes });
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Some(fresh.clone());
        Ok(fresh)
    }
}

impl Shop {
    /// The delivery tables current with `catalog` (read just before).
    pub async fn delivery_tables(&self, catalog: &Catalog) -> Result<Arc<DeliveryTables>, DbError> {
        self.delivery_cache().get(self.db(), catalog.version).await
    }
}

/// One priced line of goods: what the client pays for it, its tax class and its weight.
#[derive(Debug, Clone, Copy)]
pub struct Goods<'a> {
    pub total: Money,
    pub tax_class: &'a str,
    pub weight_grams: i64,
}

/// Delivery, tax and total of a cart to one country.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryQuote {
    /// The ways the house delivers there, cheapest first as configured.
    pub options: Vec<DeliveryOption>,
    /// The client's choice, or the first option; `None` when the house has set no zones at all
    /// (then delivery is free and no tax is computed, as before zones existed).
    pub chosen: Option<DeliveryOption>,
    pub tax_mode: TaxMode,
    /// Delivered duty paid: nothing more to pay on arrival.
    pub duties_paid: bool,
    pub tax_lines: Vec<TaxLine>,
    pub subtotal: Money,
    pub shipping: Money,
    /// The sum of the tax lines: inside the total when included, added to it when excluded.
    pub tax: Money,
    pub total: Money,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryError {
    /// The house does not deliver to this country (in this currency).
    NotDelivered,
    /// The chosen delivery is not offered there.
    UnknownChoice,
    /// A taxed country has no rate for these goods: the house's table needs one.
    NoTaxRate,
    TooLarge,
}

impl DeliveryError {
    /// A translation key of the storefront's strings (shop/assets/i18n).
    pub fn message_key(&self) -> &'static str {
        match self {
            Self::NotDelivered => "delivery.not_delivered",
            Self::UnknownChoice => "delivery.unknown_choice",
            Self::NoTaxRate => "delivery.no_tax_rate",
            Self::TooLarge => "delivery.too_large",
        }
    }
}

/// Prices delivery and tax for goods worth `subtotal` (the sum of `goods`) sent to `country`.
pub fn quote(
    tables: &DeliveryTables,
    currencies: &CurrencyTable,
    country: &str,
    choice: Option<&str>,
    subtotal: Money,
    goods: &[Goods<'_>],
) -> Result<DeliveryQuote, DeliveryError> {
    let currency = subtotal.currency();
    let zero = Money::zero(currency);
    if tables.shipping.is_empty() {
        return Ok(DeliveryQuote {
            options: Vec::new(),
            chosen: None,
            tax_mode: TaxMode::None,
            duties_paid: true,
            tax_lines: Vec::new(),
            subtotal,
            shipping: zero,
            tax: zero,
            total: subtotal,
        });
    }
    let zone = tables.shipping.zone_for(country).ok_or(DeliveryError::NotDelivered)?;
    let weight = goods.iter().fold(0i64, |sum, g| sum.saturating_add(g.weight_grams));
    let options = zone.options(subtotal, weight, currencies).map_err(|_| DeliveryError::TooLarge)?;
    let chosen = match choice.filter(|c| !c.is_empty()) {
        Some(code) => options.iter().find(|o| o.code == code).cloned().ok_or(DeliveryError::UnknownChoice)?,
        None => options.first().cloned().ok_or(DeliveryError::NotDelivered)?,
    };
    let mut taxable: Vec<Taxable<'_>> = goods.iter().map(|g| Taxable { amount: g.total, class: g.tax_class }).collect();
    if chosen.price.minor() > 0 {
        // Delivery is taxed at the destination's standard rate.
        taxable.push(Taxable { amount: chosen.price, class: tax::STANDARD });
    }
    let tax_lines = tax::tax_lines(zone.tax_mode, country, currency, &taxable, &tables.taxes).map_err(|e| match e {
        tax::TaxError::NoRate(_) | tax::TaxError::BadRate => DeliveryError::NoTaxRate,
        tax::TaxError::Money(_) => DeliveryError::TooLarge,
    })?;
    let tax =
        tax_lines.iter().try_fold(zero, |sum, l| sum.checked_add(l.amount)).map_err(|_| DeliveryError::TooLarge)?;
    let mut total = subtotal.checked_add(chosen.price).map_err(|_| DeliveryError::TooLarge)?;
    if zone.tax_mode == TaxMode::Excluded {
        total = total.checked_add(tax).map_err(|_| DeliveryError::TooLarge)?;
    }
    Ok(DeliveryQuote {
        shipping: chosen.price,
        options,
        chosen: Some(chosen),
        tax_mode: zone.tax_mode,
        duties_paid: zone.duties_paid,
        tax_lines,
        subtotal,
        tax,
        total,
    })
}

/// How a tax line reads: "Including VAT 19%" inside the total, "Sales tax 8.87%" on top.
pub fn tax_label(shop: &Shop, lang: &luxevault_core::Lang, name: &str, rate_bp: u32, included: bool) -> String {
    let t = shop.translations();
    let key = format!("tax.{name}");
    let tax_name = t.text(lang, &key, &[]);
    let rate = tax::format_rate(rate_bp, lang.as_str() == "fr");
    let template = if included { "tax.included_line" } else { "tax.line" };
    t.text(lang, template, &[("name", &tax_name), ("rate", &rate)])
}

/// The duties sentence a client reads before paying.
pub fn duties_note(shop: &Shop, lang: &luxevault_core::Lang, duties_paid: bool) -> String {
    shop.translations().text(lang, if duties_paid { "delivery.duties_paid" } else { "delivery.duties_unpaid" }, &[])
}
