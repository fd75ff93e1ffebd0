//! How catalog facts are shown: prices in every offered currency, variant labels, cards. Shared
//! by the pages and the JSON API so both say the same thing.

use luxevault_core::Lang;
use luxevault_core::catalog::snapshot::{Catalog, Product};
use serde_json::{Map, Value, json};

use luxevault_shop::ShopSettings;
pub use luxevault_shop::catalog::{colour_name, price_in, product_name, variant_label};

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

pub fn media_url(src: &str) -> String {
    format!("/media/{src}")
}

/// `srcset` of an image stored in the database (its src is an id): the offered widths, each
/// served as the original when that is no wider. The demo's compiled-in images have none.
pub fn srcset(src: &str) -> String {
    if uuid::Uuid::try_parse(src).is_err() {
        return String::new();
    }
    luxevault_core::renditions::WIDTHS.iter().map(|w| format!("/media/{src}/{w} {w}w")).collect::<Vec<_>>().join(", ")
}

pub fn first_image(product: &Product, name: &str) -> Value {
    match product.images.first() {
        Some(src) => json!({"src": media_url(src), "srcset": srcset(src), "alt": name}),
        None => json!({"src": "", "srcset": "", "alt": name}),
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

/// A rights request as staff and the person see it: its clocks, and the contact for staff only.
pub fn request_view(
    row: &luxevault_storage::PrivacyRequestRow,
    now: luxevault_core::Timestamp,
    with_contact: bool,
) -> Value {
    let days_left = (row.due_at.as_micros() - now.as_micros()).div_euclid(luxevault_core::Timestamp::MICROS_PER_DAY);
    let open = matches!(row.status.as_str(), "open" | "extended");
    let mut value = json!({
        "id": row.id, "kind": row.kind, "channel": row.channel, "status": row.status,
        "received_at": row.received_at.to_rfc3339(), "due_at": row.due_at.to_rfc3339(), "target_at": row.target_at.to_rfc3339(),
        "days_left": if open { Some(days_left) } else { None },
        "overdue": open && now > row.due_at,
        "extension_reason": row.extension_reason, "completed_at": row.completed_at.map(|t| t.to_rfc3339()), "outcome": row.outcome,
    });
    if with_contact && let Some(map) = value.as_object_mut() {
        map.insert("contact".into(), Value::String(row.contact.expose().clone()));
    }
    value
}
