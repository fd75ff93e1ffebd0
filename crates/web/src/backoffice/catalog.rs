//! The catalog in the back office: the list of products (filter by text and availability), a
//! new product with its variants, a product's page — publication (now, scheduled, draft),
//! duplication, retirement, texts per shop language (Markdown, SEO), listing and tax class,
//! prices per offered currency, variants (options, customs facts, stock), images with alt texts,
//! collections — and the collections page (create, order, feature). Roles with `ViewCatalog`
//! read; only `EditCatalog` sees the forms and may post them. Handlers read the form and call
//! `shop::catalog::admin`, which checks, audits (`catalog.*`) and writes.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use luxevault_core::catalog::snapshot::{Catalog, Product};
use luxevault_core::catalog::{Availability, StockState};
use luxevault_core::media::{DEFAULT_MAX_BYTES, MediaError, accept_image};
use luxevault_core::staff::Permission;
use luxevault_core::{Currency, Money, Timestamp};
use luxevault_shop::ShopError;
use luxevault_shop::catalog::admin;
use luxevault_shop::staff::members::Actor;
use luxevault_storage::CatalogEditError;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

use super::locale::parse_amount;
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
    let now = state.clock().now();
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
                "publication": p.publication(now),
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
        "can_edit": staff.allows(Permission::EditCatalog),
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
    let now = state.clock().now();
    let position = admin::product_position(state.shop(), &slug).await.map_err(|_| unavailable())?.unwrap_or_default();
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
                "seo_title": text.map(|t| t.seo_title.clone()).unwrap_or_default(),
                "seo_description": text.map(|t| t.seo_description.clone()).unwrap_or_default(),
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
                "colour_code": v.colour.clone().unwrap_or_default(),
                "size": v.size, "stock": v.stock, "material": v.material,
                "barcode": v.barcode, "weight": v.weight_grams, "hs_code": v.hs_code, "origin": v.origin_country,
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
            let alts: Vec<Value> = state
                .settings()
                .langs
                .iter()
                .map(|l| {
                    let alt = product.image_alts.get(i).and_then(|a| a.get(l.as_str())).cloned().unwrap_or_default();
                    json!({"lang": l.as_str(), "alt": alt})
                })
                .collect();
            json!({
                "src": src, "url": crate::present::media_url(src), "n": i + 1,
                "first": i == 0, "last": i + 1 == count, "uploaded": !src.contains('/'), "alts": alts,
            })
        })
        .collect();
    let data = json!({
        "product": {
            "slug": product.slug, "name": name_of(&state, product),
            "availability": product.availability.as_str(), "featured": product.featured, "position": position,
            "price": base_price(&state, &catalog, product),
            "tax_class": product.tax_class,
            "publication": product.publication(now),
            "published_at": product.published_at.map(|t| t.to_rfc3339()),
            "on_sale": product.on_sale(now),
        },
        "collections": catalog.collections.iter().map(|c| json!({
            "slug": c.slug, "name": collection_name(&state, c), "filed": product.collections.contains(&c.id),
        })).collect::<Vec<_>>(),
        "colours": colour_options(&state, &catalog),
        "blank_variant": blank_variant(),
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

/// A refused use case as a page; nothing was written.
fn shop_error(state: &AppState, staff: &StaffContext, error: ShopError) -> Halt {
    let status = match &error {
        ShopError::NotFound(_) => StatusCode::NOT_FOUND,
        ShopError::Invalid { .. } | ShopError::Rejected { .. } | ShopError::Conflict { .. } => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        _ => return unavailable(),
    };
    refused(state, staff, status, &error.message())
}

/// A storage refusal as a page (the upload's checks before the use case).
fn edit_error(state: &AppState, staff: &StaffContext, error: CatalogEditError) -> Halt {
    shop_error(state, staff, admin::edit_error(error))
}

/// Who is editing, for the audit trail.
fn by(staff: &StaffContext) -> (String, String) {
    (staff.actor(), staff.client.clone())
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
    #[serde(default)]
    seo_title: String,
    #[serde(default)]
    seo_description: String,
}

pub async fn save_text(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    StaffForm { staff, form }: StaffForm<TextForm>,
) -> PageResult {
    editable(&state, &staff, &slug).await?;
    let input = admin::TextInput {
        lang: form.lang,
        name: form.name,
        subtitle: form.subtitle,
        description: form.description,
        details: form.details,
        seo_title: form.seo_title,
        seo_description: form.seo_description,
    };
    let (actor, client) = by(&staff);
    admin::set_text(state.shop(), Actor { actor: &actor, client: &client }, &slug, &input)
        .await
        .map_err(|e| shop_error(&state, &staff, e))?;
    back(&slug, "texts")
}

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
    let Ok(position) = form.position.trim().parse::<i32>() else {
        return Err(refused(
            &state,
            &staff,
            StatusCode::UNPROCESSABLE_ENTITY,
            "The position is a whole number from 0 to 10000 (lower comes first).",
        ));
    };
    let (actor, client) = by(&staff);
    let featured = form.featured.is_some();
    admin::set_listing(state.shop(), Actor { actor: &actor, client: &client }, &slug, availability, featured, position)
        .await
        .map_err(|e| shop_error(&state, &staff, e))?;
    back(&slug, "listing")
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
    let (actor, client) = by(&staff);
    admin::set_price(state.shop(), Actor { actor: &actor, client: &client }, &slug, price)
        .await
        .map_err(|e| shop_error(&state, &staff, e))?;
    back(&slug, "prices")
}

pub async fn remove_price(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    StaffForm { staff, form }: StaffForm<PriceForm>,
) -> PageResult {
    let catalog = editable(&state, &staff, &slug).await?;
    let currency = offered_currency(&state, &staff, &catalog, &form.currency)?;
    let (actor, client) = by(&staff);
    admin::remove_price(state.shop(), Actor { actor: &actor, client: &client }, &slug, currency)
        .await
        .map_err(|e| shop_error(&state, &staff, e))?;
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
    let Ok(stock) = form.stock.trim().parse::<i64>() else {
        return Err(refused(
            &state,
            &staff,
            StatusCode::UNPROCESSABLE_ENTITY,
            "The stock is a whole number of pieces.",
        ));
    };
    let Some(availability) = Availability::parse(&form.availability) else {
        return Err(refused(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, "Choose active or retired."));
    };
    let (actor, client) = by(&staff);
    admin::set_variant_stock(
        state.shop(),
        Actor { actor: &actor, client: &client },
        &slug,
        &form.sku,
        stock,
        availability,
    )
    .await
    .map_err(|e| shop_error(&state, &staff, e))?;
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
    editable(&state, &staff, &slug).await?;
    let (actor, client) = by(&staff);
    admin::remove_image(state.shop(), Actor { actor: &actor, client: &client }, &slug, &form.src)
        .await
        .map_err(|e| shop_error(&state, &staff, e))?;
    back(&slug, "images")
}

pub async fn move_image(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    StaffForm { staff, form }: StaffForm<ImageForm>,
) -> PageResult {
    editable(&state, &staff, &slug).await?;
    let up = match form.direction.as_str() {
        "up" => true,
        "down" => false,
        _ => return Err(refused(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, "Move an image up or down.")),
    };
    let (actor, client) = by(&staff);
    admin::move_image(state.shop(), Actor { actor: &actor, client: &client }, &slug, &form.src, up)
        .await
        .map_err(|e| shop_error(&state, &staff, e))?;
    back(&slug, "images")
}

#[derive(Deserialize)]
pub struct AltForm {
    src: String,
    lang: String,
    #[serde(default)]
    alt: String,
}

pub async fn save_image_alt(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    StaffForm { staff, form }: StaffForm<AltForm>,
) -> PageResult {
    editable(&state, &staff, &slug).await?;
    let (actor, client) = by(&staff);
    admin::set_image_alt(
        state.shop(),
        Actor { actor: &actor, client: &client },
        &slug,
        &form.src,
        &form.lang,
        &form.alt,
    )
    .await
    .map_err(|e| shop_error(&state, &staff, e))?;
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
    let (actor, client) = by(&staff);
    admin::add_image(state.shop(), Actor { actor: &actor, client: &client }, &slug, &clean)
        .await
        .map_err(|e| shop_error(&state, &staff, e))?;
    back(&slug, "images")
}

/// Reads a form posted as name/value pairs (rows of variants, one block per language).
fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

/// A whole number typed in a form; empty reads as zero.
fn whole(text: &str, what: &str) -> Result<i64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(0);
    }
    text.parse::<i64>().map_err(|_| format!("The {what} is a whole number."))
}

fn variant_row(fields: &[(String, String)], prefix: &str, label: &str) -> Result<Option<admin::VariantInput>, String> {
    let get = |name: &str| field(fields, &format!("{prefix}{name}"));
    if get("sku").trim().is_empty() {
        return Ok(None);
    }
    Ok(Some(admin::VariantInput {
        sku: get("sku").to_string(),
        size: get("size").to_string(),
        colour: get("colour").to_string(),
        material: get("material").to_string(),
        barcode: get("barcode").to_string(),
        weight_grams: whole(get("weight"), &format!("weight of {label} (grams)"))?,
        hs_code: get("hs_code").to_string(),
        origin_country: get("origin").to_string(),
        stock: whole(get("stock"), &format!("stock of {label}"))?,
    }))
}

fn blank_variant() -> Value {
    json!({"size": "", "colour_code": "", "material": "", "barcode": "", "weight": 0, "hs_code": "", "origin": ""})
}

/// How many empty variant rows the new-product form offers.
const NEW_VARIANT_ROWS: usize = 6;

fn colour_options(state: &AppState, catalog: &Catalog) -> Vec<Value> {
    catalog.colours.iter().map(|c| json!({"code": c.code, "name": colour_name(state, catalog, &c.code)})).collect()
}

fn lang_blocks(state: &AppState) -> Vec<Value> {
    state
        .settings()
        .langs
        .iter()
        .map(|l| json!({"lang": l.as_str(), "label": luxevault_shop::settings::lang_label(l)}))
        .collect()
}

/// `GET /admin/catalog/new`: the form for a new product with its variants.
pub async fn new_product(State(state): State<AppState>, staff: StaffContext) -> PageResult {
    staff.require(Permission::EditCatalog)?;
    let catalog = snapshot(&state).await?;
    let data = json!({
        "langs": lang_blocks(&state),
        "colours": colour_options(&state, &catalog),
        "rows": (0..NEW_VARIANT_ROWS).collect::<Vec<_>>(),
        "blank_variant": blank_variant(),
        "base": catalog.currencies.base().code(),
        "collections": catalog.collections.iter().map(|c| json!({"slug": c.slug, "name": collection_name(&state, c)})).collect::<Vec<_>>(),
    });
    Ok(page(&state, &staff, "admin/product_new.html", "New product", "/admin/catalog", data))
}

/// `POST /admin/catalog/new`: creates the product as a draft and opens its page.
pub async fn create_product(
    State(state): State<AppState>,
    StaffForm { staff, form }: StaffForm<Vec<(String, String)>>,
) -> PageResult {
    staff.require(Permission::EditCatalog)?;
    let catalog = snapshot(&state).await?;
    let unprocessable = |text: String| refused(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, &text);
    let base = catalog.currencies.base();
    let price = parse_amount(field(&form, "price"), base).map_err(unprocessable)?;
    let texts = state
        .settings()
        .langs
        .iter()
        .map(|l| {
            let get = |name: &str| field(&form, &format!("{name}_{}", l.as_str())).to_string();
            admin::TextInput {
                lang: l.as_str().to_string(),
                name: get("name"),
                subtitle: get("subtitle"),
                description: get("description"),
                details: get("details"),
                seo_title: get("seo_title"),
                seo_description: get("seo_description"),
            }
        })
        .collect();
    let mut variants = Vec::new();
    for row in 0..NEW_VARIANT_ROWS {
        if let Some(v) =
            variant_row(&form, &format!("v{row}_"), &format!("variant {}", row + 1)).map_err(unprocessable)?
        {
            variants.push(v);
        }
    }
    let collections = form.iter().filter(|(k, v)| k == "collection" && !v.is_empty()).map(|(_, v)| v.clone()).collect();
    let input = admin::ProductInput {
        handle: field(&form, "handle").to_string(),
        texts,
        price,
        tax_class: field(&form, "tax_class").to_string(),
        variants,
        collections,
    };
    let (actor, client) = by(&staff);
    let slug = admin::create_product(state.shop(), Actor { actor: &actor, client: &client }, &input)
        .await
        .map_err(|e| shop_error(&state, &staff, e))?;
    back(&slug, "publication")
}

/// `POST /admin/catalog/{slug}/variants`: adds a variant.
pub async fn add_variant(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    StaffForm { staff, form }: StaffForm<Vec<(String, String)>>,
) -> PageResult {
    editable(&state, &staff, &slug).await?;
    let unprocessable = |text: String| refused(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, &text);
    let Some(input) = variant_row(&form, "", "the variant").map_err(unprocessable)? else {
        return Err(unprocessable("Give the variant a SKU.".into()));
    };
    let (actor, client) = by(&staff);
    admin::add_variant(state.shop(), Actor { actor: &actor, client: &client }, &slug, &input)
        .await
        .map_err(|e| shop_error(&state, &staff, e))?;
    back(&slug, "variants")
}

/// `POST /admin/catalog/{slug}/variant/details`: a variant's options and customs facts.
pub async fn save_variant_details(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    StaffForm { staff, form }: StaffForm<Vec<(String, String)>>,
) -> PageResult {
    editable(&state, &staff, &slug).await?;
    let unprocessable = |text: String| refused(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, &text);
    let Some(input) = variant_row(&form, "", "the variant").map_err(unprocessable)? else {
        return Err(edit_error(&state, &staff, CatalogEditError::UnknownVariant));
    };
    let (actor, client) = by(&staff);
    admin::edit_variant_details(state.shop(), Actor { actor: &actor, client: &client }, &slug, &input)
        .await
        .map_err(|e| shop_error(&state, &staff, e))?;
    back(&slug, "variants")
}

/// A `datetime-local` value (`2033-11-23T09:30`), read as UTC.
fn parse_datetime(text: &str) -> Option<Timestamp> {
    let (date, time) = text.trim().split_once('T')?;
    let day = Timestamp::from_date(date)?;
    let mut parts = time.split(':');
    let hours: i64 = parts.next()?.parse().ok().filter(|h| (0..24).contains(h))?;
    let minutes: i64 = parts.next()?.parse().ok().filter(|m| (0..60).contains(m))?;
    Some(day.plus_seconds(hours * 3_600 + minutes * 60))
}

#[derive(Deserialize)]
pub struct PublicationForm {
    mode: String,
    #[serde(default)]
    at: String,
}

/// `POST /admin/catalog/{slug}/publication`: publish now, schedule, or back to draft.
pub async fn save_publication(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    StaffForm { staff, form }: StaffForm<PublicationForm>,
) -> PageResult {
    editable(&state, &staff, &slug).await?;
    let publication = match form.mode.as_str() {
        "now" => admin::Publication::Now,
        "draft" => admin::Publication::Draft,
        "schedule" => match parse_datetime(&form.at) {
            Some(at) => admin::Publication::At(at),
            None => {
                return Err(refused(
                    &state,
                    &staff,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Give the date and time of the publication, like 2033-11-23 09:30 (UTC).",
                ));
            }
        },
        _ => {
            return Err(refused(
                &state,
                &staff,
                StatusCode::UNPROCESSABLE_ENTITY,
                "Choose publish, schedule or draft.",
            ));
        }
    };
    let (actor, client) = by(&staff);
    admin::set_publication(state.shop(), Actor { actor: &actor, client: &client }, &slug, publication)
        .await
        .map_err(|e| shop_error(&state, &staff, e))?;
    back(&slug, "publication")
}

#[derive(Deserialize)]
pub struct HandleForm {
    handle: String,
}

/// `POST /admin/catalog/{slug}/duplicate`: a draft copy under a new handle, opened at once.
pub async fn duplicate(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    StaffForm { staff, form }: StaffForm<HandleForm>,
) -> PageResult {
    editable(&state, &staff, &slug).await?;
    let (actor, client) = by(&staff);
    admin::duplicate_product(state.shop(), Actor { actor: &actor, client: &client }, &slug, &form.handle)
        .await
        .map_err(|e| shop_error(&state, &staff, e))?;
    back(form.handle.trim(), "publication")
}

#[derive(Deserialize)]
pub struct AvailabilityForm {
    availability: String,
}

/// `POST /admin/catalog/{slug}/availability`: retire a product, or offer it again.
pub async fn save_availability(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    StaffForm { staff, form }: StaffForm<AvailabilityForm>,
) -> PageResult {
    editable(&state, &staff, &slug).await?;
    let (actor, client) = by(&staff);
    let by = Actor { actor: &actor, client: &client };
    let done = match Availability::parse(&form.availability) {
        Some(Availability::Retired) => admin::retire_product(state.shop(), by, &slug).await,
        Some(Availability::Active) => admin::reactivate_product(state.shop(), by, &slug).await,
        None => return Err(refused(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, "Choose active or retired.")),
    };
    done.map_err(|e| shop_error(&state, &staff, e))?;
    back(&slug, "publication")
}

#[derive(Deserialize)]
pub struct TaxClassForm {
    tax_class: String,
}

pub async fn save_tax_class(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    StaffForm { staff, form }: StaffForm<TaxClassForm>,
) -> PageResult {
    editable(&state, &staff, &slug).await?;
    let (actor, client) = by(&staff);
    admin::set_tax_class(state.shop(), Actor { actor: &actor, client: &client }, &slug, &form.tax_class)
        .await
        .map_err(|e| shop_error(&state, &staff, e))?;
    back(&slug, "listing")
}

#[derive(Deserialize)]
pub struct FileForm {
    collection: String,
    #[serde(default)]
    filed: String,
}

/// `POST /admin/catalog/{slug}/collections`: files the product in a collection or takes it out.
pub async fn file_in_collection(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    StaffForm { staff, form }: StaffForm<FileForm>,
) -> PageResult {
    editable(&state, &staff, &slug).await?;
    let (actor, client) = by(&staff);
    let filed = form.filed != "no";
    admin::file_product(state.shop(), Actor { actor: &actor, client: &client }, &slug, &form.collection, filed)
        .await
        .map_err(|e| shop_error(&state, &staff, e))?;
    back(&slug, "collections")
}

fn collection_name(state: &AppState, c: &luxevault_core::catalog::snapshot::Collection) -> String {
    let lang = state.settings().default_lang();
    luxevault_core::catalog::snapshot::localized(&c.texts, lang, lang)
        .map(|t| t.name.clone())
        .unwrap_or_else(|| c.slug.clone())
}

/// `GET /admin/collections`: the collections in navigation order, each with its products and
/// featured product; forms to create, order and feature.
pub async fn collections(State(state): State<AppState>, staff: StaffContext) -> PageResult {
    staff.require(Permission::ViewCatalog)?;
    let catalog = snapshot(&state).await?;
    let count = catalog.collections.len();
    let rows: Vec<Value> = catalog
        .collections
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let products: Vec<Value> = catalog
                .products
                .iter()
                .filter(|p| p.collections.contains(&c.id))
                .map(|p| json!({"slug": p.slug, "name": name_of(&state, p), "featured": Some(p.id) == c.featured_product}))
                .collect();
            json!({
                "slug": c.slug, "name": collection_name(&state, c), "first": i == 0, "last": i + 1 == count,
                "products": products,
            })
        })
        .collect();
    let data = json!({
        "collections": rows,
        "langs": lang_blocks(&state),
        "can_edit": staff.allows(Permission::EditCatalog),
    });
    Ok(page(&state, &staff, "admin/collections.html", "Collections", "/admin/collections", data))
}

fn to_collections() -> PageResult {
    Ok(Redirect::to("/admin/collections").into_response())
}

/// `POST /admin/collections`: a new collection.
pub async fn create_collection(
    State(state): State<AppState>,
    StaffForm { staff, form }: StaffForm<Vec<(String, String)>>,
) -> PageResult {
    staff.require(Permission::EditCatalog)?;
    let texts: Vec<admin::CollectionTextInput> = state
        .settings()
        .langs
        .iter()
        .map(|l| admin::CollectionTextInput {
            lang: l.as_str().to_string(),
            name: field(&form, &format!("name_{}", l.as_str())).to_string(),
            description: field(&form, &format!("description_{}", l.as_str())).to_string(),
        })
        .collect();
    let (actor, client) = by(&staff);
    admin::create_collection(state.shop(), Actor { actor: &actor, client: &client }, field(&form, "handle"), &texts)
        .await
        .map_err(|e| shop_error(&state, &staff, e))?;
    to_collections()
}

#[derive(Deserialize)]
pub struct MoveForm {
    direction: String,
}

pub async fn move_collection(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    StaffForm { staff, form }: StaffForm<MoveForm>,
) -> PageResult {
    staff.require(Permission::EditCatalog)?;
    let (actor, client) = by(&staff);
    admin::move_collection(state.shop(), Actor { actor: &actor, client: &client }, &slug, form.direction == "up")
        .await
        .map_err(|e| shop_error(&state, &staff, e))?;
    to_collections()
}

#[derive(Deserialize)]
pub struct FeatureForm {
    #[serde(default)]
    product: String,
}

pub async fn feature_in_collection(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    StaffForm { staff, form }: StaffForm<FeatureForm>,
) -> PageResult {
    staff.require(Permission::EditCatalog)?;
    let (actor, client) = by(&staff);
    let product = Some(form.product.trim()).filter(|p| !p.is_empty());
    admin::feature_in_collection(state.shop(), Actor { actor: &actor, client: &client }, &slug, product)
        .await
        .map_err(|e| shop_error(&state, &staff, e))?;
    to_collections()
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
