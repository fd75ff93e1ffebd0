//! The catalog in the back office: the list of products (filter by text and availability) and a
//! product's page — texts per shop language, listing, prices per offered currency, variants'
//! stock and availability, images (upload, remove, reorder). Roles with `ViewCatalog` read;
//! only `EditCatalog` sees the forms and may post them. Every change goes through
//! `storage::CatalogAdmin` (one transaction that moves the catalog's version, so the storefront
//! reloads) and is written to the audit log as `catalog.*` with the product's slug.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use luxevault_core::catalog::snapshot::{Catalog, Product, ProductText};
use luxevault_core::catalog::{Availability, StockState};
use luxevault_core::media::{DEFAULT_MAX_BYTES, MediaError, accept_image};
use luxevault_core::staff::Permission;
use luxevault_core::{Currency, Money, MoneyError};
use luxevault_storage::{CatalogAdmin, CatalogEditError};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

use super::orders::amount;
use super::session::{StaffForm, csrf_matches, csrf_refused};
use super::{Halt, PageResult, StaffContext, message, page, unavailable};
use crate::state::AppState;

/// The body limit of the upload route: the image limit and room for the form around it.
pub const UPLOAD_BODY_BYTES: usize = 9 * 1024 * 1024;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    availability: String,
}

async fn snapshot(state: &AppState) -> Result<Arc<Catalog>, Halt> {
    state.catalog().await.map_err(|_| unavailable())
}

/// The product's name in the shop's default language (or any language it has).
fn name_of(state: &AppState, product: &Product) -> String {
    let lang = state.settings().default_lang();
    luxevault_core::catalog::snapshot::localized(&product.texts, lang, lang)
        .map(|t| t.name.clone())
        .unwrap_or_else(|| product.slug.clone())
}

fn base_price(state: &AppState, catalog: &Catalog, product: &Product) -> Option<String> {
    let base = catalog.currencies.base();
    product.prices.iter().find(|m| m.currency() == base).map(|m| amount(state, m.minor(), base.code()))
}

/// A colour's name in the shop's default language, else its code.
fn colour_name(state: &AppState, catalog: &Catalog, code: &str) -> String {
    let lang = state.settings().default_lang();
    catalog
        .colour(code)
        .and_then(|c| luxevault_core::catalog::snapshot::localized(&c.names, lang, lang))
        .cloned()
        .unwrap_or_else(|| code.to_string())
}

/// The products, filtered by text (name, slug or SKU) and availability.
pub async fn list(State(state): State<AppState>, staff: StaffContext, Query(query): Query<ListQuery>) -> PageResult {
    staff.require(Permission::ViewCatalog)?;
    let catalog = snapshot(&state).await?;
    let needle = query.q.trim().to_lowercase();
    let availability = Availability::parse(&query.availability);
    let rows: Vec<Value> = catalog
        .products
        .iter()
        .filter(|p| availability.is_none_or(|a| p.availability == a))
        .filter(|p| {
            needle.is_empty()
                || p.slug.contains(&needle)
                || p.texts.values().any(|t| t.name.to_lowercase().contains(&needle))
                || p.variants.iter().any(|v| v.sku.to_lowercase().contains(&needle))
        })
        .map(|p| {
            let collections: Vec<String> = p
                .collections
                .iter()
                .filter_map(|id| catalog.collection_by_id(*id))
                .map(|c| {
                    let lang = state.settings().default_lang();
                    luxevault_core::catalog::snapshot::localized(&c.texts, lang, lang)
                        .map(|t| t.name.clone())
                        .unwrap_or_else(|| c.slug.clone())
                })
                .collect();
            let stock: i64 = p.variants.iter().map(|v| v.stock.max(0)).sum();
            json!({
                "slug": p.slug, "name": name_of(&state, p), "collections": collections,
                "availability": p.availability.as_str(), "featured": p.featured,
                "price": base_price(&state, &catalog, p), "stock": stock,
                "low": p.variants.iter().any(|v| v.stock_state() == StockState::LowStock),
                "sold_out": p.sold_out(),
            })
        })
        .collect();
    let data = json!({
        "products": rows,
        "total": catalog.products.len(),
        "q": query.q.trim(),
        "availability": availability.map(|a| a.as_str()),
        "base": catalog.currencies.base().code(),
    });
    Ok(page(&state, &staff, "admin/catalog.html", "Catalog", "/admin/catalog", data))
}

/// An amount in major units as typed back into the price form: `1250.00`, `198000` for JPY.
fn major_units(money: &Money) -> String {
    money.to_major_string()
}

fn not_found(state: &AppState, staff: &StaffContext) -> Halt {
    super::orders::not_found(state, staff, "product")
}

fn product_of<'a>(
    state: &AppState,
    staff: &StaffContext,
    catalog: &'a Catalog,
    slug: &str,
) -> Result<&'a Product, Halt> {
    catalog.product(slug).ok_or_else(|| not_found(state, staff))
}

/// A product's page.
pub async fn detail(State(state): State<AppState>, staff: StaffContext, Path(slug): Path<String>) -> PageResult {
    staff.require(Permission::ViewCatalog)?;
    let catalog = snapshot(&state).await?;
    let product = product_of(&state, &staff, &catalog, &slug)?;
    let position = CatalogAdmin::position(state.db(), &slug).await.map_err(|_| unavailable())?.unwrap_or_default();
    let texts: Vec<Value> = state
        .settings()
        .langs
        .iter()
        .map(|lang| {
            let text = product.texts.get(lang.as_str());
            json!({
                "lang": lang.as_str(),
                "label": luxevault_shop::settings::lang_label(lang),
                "name": text.map(|t| t.name.clone()).unwrap_or_default(),
                "subtitle": text.map(|t| t.subtitle.clone()).unwrap_or_default(),
                "description": text.map(|t| t.description.join("\n\n")).unwrap_or_default(),
                "details": text.map(|t| t.details.join("\n")).unwrap_or_default(),
                "missing": text.is_none(),
            })
        })
        .collect();
    let base = catalog.currencies.base();
    let prices: Vec<Value> = catalog
        .currencies
        .offered()
        .iter()
        .map(|o| {
            let own = product.prices.iter().find(|m| m.currency() == o.currency);
            let shown = catalog.currencies.price(&product.prices, o).ok().flatten();
            json!({
                "code": o.currency.code(),
                "exponent": o.currency.exponent(),
                "base": o.currency == base,
                "own": own.map(major_units),
                "shown": shown.map(|p| amount(&state, p.money.minor(), o.currency.code())),
            })
        })
        .collect();
    let variants: Vec<Value> = product
        .variants
        .iter()
        .map(|v| {
            json!({
                "sku": v.sku, "colour": v.colour.as_deref().map(|code| colour_name(&state, &catalog, code)),
                "size": v.size, "stock": v.stock,
                "availability": v.availability.as_str(), "state": v.stock_state().as_str(),
            })
        })
        .collect();
    let count = product.images.len();
    let images: Vec<Value> = product
        .images
        .iter()
        .enumerate()
        .map(|(i, src)| {
            json!({
                "src": src, "url": crate::present::media_url(src), "n": i + 1,
                "first": i == 0, "last": i + 1 == count, "uploaded": !src.contains('/'),
            })
        })
        .collect();
    let data = json!({
        "product": {
            "slug": product.slug, "name": name_of(&state, product),
            "availability": product.availability.as_str(), "featured": product.featured, "position": position,
            "price": base_price(&state, &catalog, product),
        },
        "texts": texts,
        "prices": prices,
        "variants": variants,
        "images": images,
        "max_images": luxevault_storage::MAX_IMAGES,
        "can_edit": staff.allows(Permission::EditCatalog),
    });
    let title = format!("{} — catalog", name_of(&state, product));
    Ok(page(&state, &staff, "admin/product.html", &title, "/admin/catalog", data))
}

fn back(slug: &str, anchor: &str) -> PageResult {
    Ok(Redirect::to(&format!("/admin/catalog/{slug}#{anchor}")).into_response())
}

fn refused(state: &AppState, staff: &StaffContext, status: StatusCode, text: &str) -> Halt {
    Halt::from(message(state, status, Some(staff), "Not saved", text))
}

/// A refused edit as a page; nothing was written.
fn edit_error(state: &AppState, staff: &StaffContext, error: CatalogEditError) -> Halt {
    let status = match &error {
        CatalogEditError::Db(_) => return unavailable(),
        CatalogEditError::UnknownProduct
        | CatalogEditError::UnknownVariant
        | CatalogEditError::UnknownMedia
        | CatalogEditError::UnknownImage => StatusCode::NOT_FOUND,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let text = error.to_string();
    let mut chars = text.chars();
    let sentence = chars.next().map(|c| c.to_uppercase().chain(chars).collect::<String>()).unwrap_or_default();
    refused(state, staff, status, &format!("{sentence}. Nothing was changed."))
}

/// Checks the role and that the product exists, before anything is read from the form.
async fn editable(state: &AppState, staff: &StaffContext, slug: &str) -> Result<Arc<Catalog>, Halt> {
    staff.require(Permission::EditCatalog)?;
    let catalog = snapshot(state).await?;
    product_of(state, staff, &catalog, slug)?;
    Ok(catalog)
}

#[derive(Deserialize)]
pub struct TextForm {
    lang: String,
    name: String,
    #[serde(default)]
    subtitle: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    details: String,
}

pub async fn save_text(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    StaffForm { staff, form }: StaffForm<TextForm>,
) -> PageResult {
    editable(&state, &staff, &slug).await?;
    let Some(lang) = state.settings().langs.iter().find(|l| l.as_str() == form.lang).cloned() else {
        return Err(refused(
            &state,
            &staff,
            StatusCode::UNPROCESSABLE_ENTITY,
            "The shop does not offer this language.",
        ));
    };
    // Published text passes the sensitive-data guard like every other free text (P4).
    let guard = luxevault_shop::guard::free_text;
    let description = guard(&form.description.replace("\r\n", "\n"), "description");
    let text = ProductText {
        name: guard(&form.name, "name"),
        subtitle: guard(&form.subtitle, "subtitle"),
        description: description.split("\n\n").map(str::to_string).collect(),
        details: guard(&form.details, "details").lines().map(str::to_string).collect(),
        ..ProductText::default()
    };
    luxevault_storage::check_text(&text).map_err(|e| edit_error(&state, &staff, e))?;
    staff.audit(&state, "catalog.text", "product", &slug, Some(lang.as_str())).await?;
    CatalogAdmin::set_product_text(state.db(), &slug, &lang, &text, state.clock().now())
        .await
        .map_err(|e| edit_error(&state, &staff, e))?;
    back(&slug, "texts")
}

/// Bounds on what staff type, so that totals and lists stay sane (a stock of 2^63−1 would make
/// the back office's sums overflow).
const MAX_STOCK: i64 = 1_000_000;
const MAX_POSITION: i32 = 10_000;

#[derive(Deserialize)]
pub struct ListingForm {
    availability: String,
    #[serde(default)]
    featured: Option<String>,
    position: String,
}

pub async fn save_listing(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    StaffForm { staff, form }: StaffForm<ListingForm>,
) -> PageResult {
    editable(&state, &staff, &slug).await?;
    let Some(availability) = Availability::parse(&form.availability) else {
        return Err(refused(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, "Choose active or retired."));
    };
    let Some(position) = form.position.trim().parse::<i32>().ok().filter(|p| (0..=MAX_POSITION).contains(p)) else {
        return Err(refused(
            &state,
            &staff,
            StatusCode::UNPROCESSABLE_ENTITY,
            "The position is a whole number from 0 to 10000 (lower comes first).",
        ));
    };
    let featured = form.featured.is_some();
    staff.audit(&state, "catalog.listing", "product", &slug, None).await?;
    CatalogAdmin::set_product_listing(state.db(), &slug, availability, featured, position, state.clock().now())
        .await
        .map_err(|e| edit_error(&state, &staff, e))?;
    back(&slug, "listing")
}

/// Reads an amount typed in major units — `1250.00`, `1 250,00`, `1,250.00`, `1.250,00` —
/// for `currency`. The message says what is wrong without repeating the input.
pub fn parse_amount(text: &str, currency: Currency) -> Result<Money, String> {
    let compact: String =
        text.chars().filter(|c| !c.is_whitespace() && *c != '\u{202F}' && *c != '\u{A0}' && *c != '\'').collect();
    if compact.is_empty() {
        return Err("Type an amount.".into());
    }
    if compact.starts_with('-') {
        return Err("A price cannot be negative.".into());
    }
    // The last separator is the decimal one when both appear; a lone comma is a decimal comma.
    let normalised = match (compact.rfind('.'), compact.rfind(',')) {
        (Some(dot), Some(comma)) if comma > dot => compact.replace('.', "").replace(',', "."),
        (Some(_), Some(_)) => compact.replace(',', ""),
        (None, Some(_)) if compact.matches(',').count() == 1 => compact.replace(',', "."),
        _ => compact,
    };
    Money::parse_major(&normalised, currency).map_err(|e| match e {
        MoneyError::TooManyDecimals { .. } if currency.exponent() == 0 => {
            format!("{} has no decimals: type a whole amount.", currency.code())
        }
        MoneyError::TooManyDecimals { exponent, .. } => {
            format!("{} takes at most {exponent} decimals.", currency.code())
        }
        MoneyError::Overflow => "The amount is too large.".into(),
        _ => "The amount is not a number: type digits with an optional decimal point, like 1250.00.".into(),
    })
}

#[derive(Deserialize)]
pub struct PriceForm {
    currency: String,
    #[serde(default)]
    amount: String,
}

fn offered_currency(state: &AppState, staff: &StaffContext, catalog: &Catalog, code: &str) -> Result<Currency, Halt> {
    catalog.currencies.find(code).map(|o| o.currency).ok_or_else(|| {
        refused(state, staff, StatusCode::UNPROCESSABLE_ENTITY, "The shop does not offer this currency.")
    })
}

pub async fn set_price(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    StaffForm { staff, form }: StaffForm<PriceForm>,
) -> PageResult {
    let catalog = editable(&state, &staff, &slug).await?;
    let currency = offered_currency(&state, &staff, &catalog, &form.currency)?;
    let price = parse_amount(&form.amount, currency)
        .and_then(|price| if price.minor() > 0 { Ok(price) } else { Err("A price is more than zero.".to_string()) })
        .map_err(|text| refused(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, &text))?;
    staff.audit(&state, "catalog.price_set", "product", &slug, Some(currency.code())).await?;
    CatalogAdmin::set_price(state.db(), &slug, price, state.clock().now())
        .await
        .map_err(|e| edit_error(&state, &staff, e))?;
    back(&slug, "prices")
}

pub async fn remove_price(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    StaffForm { staff, form }: StaffForm<PriceForm>,
) -> PageResult {
    let catalog = editable(&state, &staff, &slug).await?;
    let currency = offered_currency(&state, &staff, &catalog, &form.currency)?;
    if currency == catalog.currencies.base() {
        return Err(edit_error(&state, &staff, CatalogEditError::BasePriceRequired(currency.code().to_string())));
    }
    staff.audit(&state, "catalog.price_remove", "product", &slug, Some(currency.code())).await?;
    CatalogAdmin::remove_price(state.db(), &slug, currency, state.clock().now())
        .await
        .map_err(|e| edit_error(&state, &staff, e))?;
    back(&slug, "prices")
}

#[derive(Deserialize)]
pub struct VariantForm {
    sku: String,
    stock: String,
    availability: String,
}

pub async fn save_variant(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    StaffForm { staff, form }: StaffForm<VariantForm>,
) -> PageResult {
    let catalog = editable(&state, &staff, &slug).await?;
    if catalog.variant(&form.sku).is_none_or(|(p, _)| p.slug != slug) {
        return Err(edit_error(&state, &staff, CatalogEditError::UnknownVariant));
    }
    let stock = match form.stock.trim().parse::<i64>() {
        Ok(n) if n > MAX_STOCK => {
            return Err(refused(
                &state,
                &staff,
                StatusCode::UNPROCESSABLE_ENTITY,
                "The stock is at most 1,000,000 pieces of one variant.",
            ));
        }
        Ok(n) if n >= 0 => n,
        Ok(_) => return Err(refused(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, "Stock cannot be negative.")),
        Err(_) => {
            return Err(refused(
                &state,
                &staff,
                StatusCode::UNPROCESSABLE_ENTITY,
                "The stock is a whole number of pieces.",
            ));
        }
    };
    let Some(availability) = Availability::parse(&form.availability) else {
        return Err(refused(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, "Choose active or retired."));
    };
    staff.audit(&state, "catalog.variant", "product", &slug, Some(&form.sku)).await?;
    CatalogAdmin::set_variant(state.db(), &form.sku, stock, availability, state.clock().now())
        .await
        .map_err(|e| edit_error(&state, &staff, e))?;
    back(&slug, "variants")
}

#[derive(Deserialize)]
pub struct ImageForm {
    src: String,
    #[serde(default)]
    direction: String,
}

pub async fn remove_image(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    StaffForm { staff, form }: StaffForm<ImageForm>,
) -> PageResult {
    let catalog = editable(&state, &staff, &slug).await?;
    if !product_of(&state, &staff, &catalog, &slug)?.images.contains(&form.src) {
        return Err(edit_error(&state, &staff, CatalogEditError::UnknownImage));
    }
    staff.audit(&state, "catalog.image_remove", "product", &slug, None).await?;
    CatalogAdmin::detach_image(state.db(), &slug, &form.src, state.clock().now())
        .await
        .map_err(|e| edit_error(&state, &staff, e))?;
    back(&slug, "images")
}

pub async fn move_image(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    StaffForm { staff, form }: StaffForm<ImageForm>,
) -> PageResult {
    editable(&state, &staff, &slug).await?;
    let mut images = CatalogAdmin::images(state.db(), &slug).await.map_err(|e| edit_error(&state, &staff, e))?;
    let Some(at) = images.iter().position(|s| *s == form.src) else {
        return Err(edit_error(&state, &staff, CatalogEditError::UnknownImage));
    };
    let to = match form.direction.as_str() {
        "up" => at.checked_sub(1),
        "down" => Some(at + 1).filter(|&t| t < images.len()),
        _ => return Err(refused(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, "Move an image up or down.")),
    };
    let Some(to) = to else { return back(&slug, "images") };
    images.swap(at, to);
    staff.audit(&state, "catalog.image_move", "product", &slug, None).await?;
    CatalogAdmin::reorder_images(state.db(), &slug, &images, state.clock().now())
        .await
        .map_err(|e| edit_error(&state, &staff, e))?;
    back(&slug, "images")
}

/// Kinds of pictures that are images but not accepted here, told apart from "not an image".
fn other_image_kind(bytes: &[u8]) -> bool {
    let head = bytes.get(..64).unwrap_or(bytes);
    head.starts_with(b"GIF8")
        || head.starts_with(b"BM")
        || head.starts_with(b"II*\0")
        || head.starts_with(b"MM\0*")
        || head.get(4..8) == Some(b"ftyp")
        || String::from_utf8_lossy(head).to_ascii_lowercase().contains("<svg")
}

/// Reads the upload form: the CSRF token and the image, at most `DEFAULT_MAX_BYTES` of it.
async fn read_upload(multipart: &mut Multipart) -> Result<(String, Option<Vec<u8>>), (StatusCode, String)> {
    let too_large = || {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("The image is too large: images up to {} MiB are accepted.", DEFAULT_MAX_BYTES / (1024 * 1024)),
        )
    };
    let broken = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            (StatusCode::BAD_REQUEST, "The upload could not be read; try again.".to_string())
        }
    };
    let (mut csrf, mut image) = (String::new(), None);
    while let Some(mut field) = multipart.next_field().await.map_err(broken)? {
        match field.name() {
            Some("csrf") => csrf = field.text().await.map_err(broken)?.chars().take(128).collect(),
            Some("image") => {
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(broken)? {
                    if bytes.len() + chunk.len() > DEFAULT_MAX_BYTES {
                        return Err(too_large());
                    }
                    bytes.extend_from_slice(&chunk);
                }
                image = Some(bytes);
            }
            _ => {}
        }
    }
    Ok((csrf, image))
}

/// `POST /admin/catalog/{slug}/images`: a multipart upload of one image, accepted by its bytes,
/// stripped of its metadata, stored and shown last on the product.
pub async fn upload_image(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    staff: StaffContext,
    mut multipart: Multipart,
) -> PageResult {
    editable(&state, &staff, &slug).await?;
    let (csrf, image) = match read_upload(&mut multipart).await {
        Ok(read) => read,
        Err((status, text)) => return Err(refused(&state, &staff, status, &text)),
    };
    if !csrf_matches(&staff.csrf, &csrf) {
        return Err(Halt::from(csrf_refused()));
    }
    let bytes = image.unwrap_or_default();
    let clean = match accept_image(&bytes, DEFAULT_MAX_BYTES) {
        Ok(clean) => clean,
        Err(error) => {
            let (status, text) = match error {
                MediaError::Empty => (StatusCode::BAD_REQUEST, "Choose an image file to upload.".to_string()),
                MediaError::TooLarge { limit, .. } => (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("The image is too large: images up to {} MiB are accepted.", limit / (1024 * 1024)),
                ),
                MediaError::Unsupported if other_image_kind(&bytes) => (
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "This kind of image is not accepted: upload a JPEG, PNG or WebP file.".to_string(),
                ),
                MediaError::Unsupported => (
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "The file is not an image: upload a JPEG, PNG or WebP file.".to_string(),
                ),
                MediaError::Malformed(kind) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("The file looks like a {kind} image but is damaged or incomplete."),
                ),
            };
            return Err(refused(&state, &staff, status, &text));
        }
    };
    let now = state.clock().now();
    let images = CatalogAdmin::images(state.db(), &slug).await.map_err(|e| edit_error(&state, &staff, e))?;
    if images.len() >= luxevault_storage::MAX_IMAGES {
        return Err(edit_error(&state, &staff, CatalogEditError::TooManyImages));
    }
    staff.audit(&state, "catalog.image_upload", "product", &slug, Some(clean.kind.content_type())).await?;
    let id = CatalogAdmin::store_media(state.db(), &clean, now).await.map_err(|e| edit_error(&state, &staff, e))?;
    CatalogAdmin::attach_image(state.db(), &slug, id, now).await.map_err(|e| edit_error(&state, &staff, e))?;
    back(&slug, "images")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(code: &str) -> Currency {
        Currency::from_code(code).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn amounts_are_read_in_major_units_per_currency() {
        let eur = c("EUR");
        for text in ["1250", "1250.00", "1 250,00", "1\u{202F}250,00", "1,250.00", "1.250,00", " 1250.5 "] {
            let minor = parse_amount(text, eur).map(|m| m.minor());
            assert!(minor == Ok(125_000) || minor == Ok(125_050), "{text}: {minor:?}");
        }
        assert_eq!(parse_amount("0,5", eur).map(|m| m.minor()), Ok(50));
        let jpy = c("JPY");
        assert_eq!(parse_amount("198 000", jpy).map(|m| m.minor()), Ok(198_000));
        assert!(parse_amount("198000.50", jpy).is_err_and(|e| e.contains("no decimals")));
        assert!(parse_amount("-5", eur).is_err_and(|e| e.contains("negative")));
        assert!(parse_amount("12.345", eur).is_err_and(|e| e.contains("at most 2")));
        for garbled in ["", "abc", "12e3", "1,2,3", "1..2", "€12"] {
            assert!(parse_amount(garbled, eur).is_err(), "{garbled}");
        }
    }

    #[test]
    fn prices_are_written_back_in_major_units() {
        assert_eq!(major_units(&Money::new(125_000, c("EUR"))), "1250.00");
        assert_eq!(major_units(&Money::new(5, c("GBP"))), "0.05");
        assert_eq!(major_units(&Money::new(198_000, c("JPY"))), "198000");
    }
}
