//! How catalog facts are shown: prices in every offered currency, variant labels, cards. Shared
//! by the pages and the JSON API so both say the same thing.

use luxevault_core::catalog::snapshot::{Catalog, Product, Variant, localized};
use luxevault_core::pricing::OfferedCurrency;
use luxevault_core::{Lang, Money};
use serde_json::{Map, Value, json};

use crate::settings::ShopSettings;

/// The product's price in one offered currency (explicit or converted); `None` when it has none.
pub fn price_in(catalog: &Catalog, product: &Product, offered: &OfferedCurrency) -> Option<Money> {
    match catalog.currencies.price(&product.prices, offered) {
        Ok(price) => price.map(|p| p.money),
        Err(error) => {
            tracing::warn!(product = %product.slug, currency = %offered.currency, error = %error, "price overflow");
            None
        }
    }
}

/// `{display, all_json}`: the default-currency text and a JSON map of every offered currency.
pub fn price_view(catalog: &Catalog, product: &Product, lang: &Lang) -> Value {
    let mut all = Map::new();
    for offered in catalog.currencies.offered() {
        if let Some(money) = price_in(catalog, product, offered) {
            all.insert(offered.currency.code().to_string(), Value::String(money.format(lang)));
        }
    }
    let base = catalog.currencies.base().code().to_string();
    let display = all.get(&base).and_then(Value::as_str).unwrap_or_default().to_string();
    json!({"display": display, "all_json": Value::Object(all).to_string()})
}

pub fn product_name(product: &Product, lang: &Lang, settings: &ShopSettings) -> (String, String) {
    localized(&product.texts, lang, settings.default_lang())
        .map(|t| (t.name.clone(), t.subtitle.clone()))
        .unwrap_or_else(|| (product.slug.clone(), String::new()))
}

pub fn colour_name(catalog: &Catalog, code: &str, lang: &Lang, settings: &ShopSettings) -> String {
    catalog
        .colour(code)
        .and_then(|c| localized(&c.names, lang, settings.default_lang()).cloned())
        .unwrap_or_else(|| code.to_string())
}

/// "Noir — 38", "Noir", "38", or the SKU when the variant has neither.
pub fn variant_label(catalog: &Catalog, variant: &Variant, lang: &Lang, settings: &ShopSettings) -> String {
    let colour = variant.colour.as_deref().map(|c| colour_name(catalog, c, lang, settings));
    match (colour, variant.size.as_deref()) {
        (Some(c), Some(s)) => format!("{c} — {s}"),
        (Some(c), None) => c,
        (None, Some(s)) => s.to_string(),
        (None, None) => variant.sku.clone(),
    }
}

pub fn media_url(src: &str) -> String {
    format!("/media/{src}")
}

pub fn first_image(product: &Product, name: &str) -> Value {
    match product.images.first() {
        Some(src) => json!({"src": media_url(src), "alt": name}),
        None => json!({"src": "", "alt": name}),
    }
}

pub fn product_href(settings: &ShopSettings, lang: &Lang, product: &Product) -> String {
    format!("{}/products/{}", settings.prefix(lang), product.slug)
}

/// A product as it appears in a list.
pub fn card(catalog: &Catalog, product: &Product, lang: &Lang, settings: &ShopSettings) -> Value {
    let (name, subtitle) = product_name(product, lang, settings);
    json!({
        "slug": product.slug,
        "name": name,
        "subtitle": subtitle,
        "href": product_href(settings, lang, product),
        "image": first_image(product, &name),
        "price": price_view(catalog, product, lang),
        "sold_out": product.sold_out(),
    })
}
