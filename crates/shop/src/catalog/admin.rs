//! Staff's catalog edits, for every door (the back office today, an import or the CLI later):
//! creating a product with its variants, editing, duplicating, retiring, publishing (now, at a
//! time, or back to draft), texts in Markdown with SEO texts, image alt texts, prices, stock,
//! images, and collections (create, order, file and feature a product).
//!
//! Each use case checks its input and refuses with a sentence before anything is written, passes
//! staff's free text through the sensitive-data guard, records an audit entry `catalog.*` (or
//! refuses when the audit log cannot take it), then makes one storage write, which moves the
//! catalog's version so every node's snapshot reloads.

use std::collections::HashSet;

use luxevault_core::catalog::snapshot::{Catalog, Product, ProductText};
use luxevault_core::catalog::{Availability, is_valid_sku, is_valid_slug};
use luxevault_core::media::CleanImage;
use luxevault_core::{Currency, Lang, Money, Timestamp};
use luxevault_storage::{CatalogAdmin, CatalogEditError, CatalogStore, NewProduct, NewVariant, VariantDetails};
use uuid::Uuid;

use crate::guard::free_text;
use crate::staff::audit_trail::{self, AuditEvent};
use crate::staff::members::Actor;
use crate::{Shop, ShopError};

/// Bounds on what staff type, so totals and lists stay sane.
pub const MAX_STOCK: i64 = 1_000_000;
pub const MAX_WEIGHT_GRAMS: i64 = 1_000_000;
pub const MAX_POSITION: i32 = 10_000;
const MAX_OPTION_CHARS: usize = 60;
const MAX_SEO_TITLE_CHARS: usize = 120;
const MAX_SEO_DESCRIPTION_CHARS: usize = 320;
const MAX_ALT_CHARS: usize = 300;
const MAX_VARIANTS: usize = 200;

/// A product's texts in one language as staff type them. The description is Markdown; a blank
/// line separates paragraphs (older plain descriptions read the same).
#[derive(Debug, Clone, Default)]
pub struct TextInput {
    pub lang: String,
    pub name: String,
    pub subtitle: String,
    pub description: String,
    /// One detail per line.
    pub details: String,
    pub seo_title: String,
    pub seo_description: String,
}

/// One variant: its options (size, colour, material), identifiers, customs facts and stock.
#[derive(Debug, Clone, Default)]
pub struct VariantInput {
    pub sku: String,
    pub size: String,
    /// A colour code of the shop's palette, or empty.
    pub colour: String,
    pub material: String,
    pub barcode: String,
    pub weight_grams: i64,
    pub hs_code: String,
    pub origin_country: String,
    pub stock: i64,
}

/// A new product as staff describe it; it is written as a draft.
#[derive(Debug, Clone)]
pub struct ProductInput {
    pub handle: String,
    pub texts: Vec<TextInput>,
    /// The price in the shop's base currency; other currencies convert until given their own.
    pub price: Money,
    pub tax_class: String,
    pub variants: Vec<VariantInput>,
    /// Collection handles to file it in.
    pub collections: Vec<String>,
}

/// When a product shows on the storefront.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Publication {
    Now,
    At(Timestamp),
    Draft,
}

fn invalid(message: impl Into<String>) -> ShopError {
    ShopError::invalid("catalog", message.into())
}

/// A storage refusal in the shop's words: one sentence that says nothing was changed.
pub fn edit_error(error: CatalogEditError) -> ShopError {
    let text = error.to_string();
    let mut chars = text.chars();
    let sentence: String = chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default();
    let sentence = format!("{sentence}. Nothing was changed.");
    match error {
        CatalogEditError::Db(error) => ShopError::Db(error),
        CatalogEditError::UnknownProduct
        | CatalogEditError::UnknownVariant
        | CatalogEditError::UnknownMedia
        | CatalogEditError::UnknownImage => ShopError::not_found(sentence),
        _ => invalid(sentence),
    }
}

async fn audit(
    shop: &Shop,
    by: Actor<'_>,
    action: &str,
    kind: &str,
    id: &str,
    reason: Option<&str>,
) -> Result<(), ShopError> {
    let event = AuditEvent { actor: by.actor, client: by.client, action, subject_kind: kind, subject_id: id, reason };
    audit_trail::record_or_refuse(shop.db(), shop.clock().now(), event).await
}

async fn snapshot(shop: &Shop) -> Result<std::sync::Arc<Catalog>, ShopError> {
    Ok(shop.catalog().await?)
}

fn product_in<'a>(catalog: &'a Catalog, slug: &str) -> Result<&'a Product, ShopError> {
    catalog.product(slug).ok_or_else(|| ShopError::not_found("There is no product with this handle."))
}

fn collection_in<'a>(
    catalog: &'a Catalog,
    slug: &str,
) -> Result<&'a luxevault_core::catalog::snapshot::Collection, ShopError> {
    catalog.collection(slug).ok_or_else(|| invalid("There is no collection with this handle."))
}

fn shop_lang(shop: &Shop, code: &str) -> Result<Lang, ShopError> {
    shop.settings()
        .langs
        .iter()
        .find(|l| l.as_str() == code)
        .cloned()
        .ok_or_else(|| invalid("The shop does not offer this language."))
}

fn check_handle(handle: &str, what: &str) -> Result<(), ShopError> {
    if is_valid_slug(handle) {
        Ok(())
    } else {
        Err(invalid(format!(
            "The {what} handle is not valid: use lowercase letters, digits and hyphens, not at either end."
        )))
    }
}

fn one_line(text: &str, what: &str, max: usize) -> Result<String, ShopError> {
    let text = text.trim();
    if text.contains('\n') || text.chars().count() > max {
        return Err(invalid(format!("The {what} is one line of at most {max} characters.")));
    }
    Ok(text.to_string())
}

/// Texts as they will be kept: guarded, trimmed, checked.
fn product_text(input: &TextInput) -> Result<ProductText, ShopError> {
    let description = free_text(&input.description.replace("\r\n", "\n"), "description");
    let text = ProductText {
        name: free_text(input.name.trim(), "name"),
        subtitle: free_text(input.subtitle.trim(), "subtitle"),
        description: description.split("\n\n").map(str::to_string).collect(),
        details: free_text(&input.details.replace("\r\n", "\n"), "details").lines().map(str::to_string).collect(),
        seo_title: one_line(&free_text(&input.seo_title, "seo_title"), "SEO title", MAX_SEO_TITLE_CHARS)?,
        seo_description: one_line(
            &free_text(&input.seo_description, "seo_description"),
            "SEO description",
            MAX_SEO_DESCRIPTION_CHARS,
        )?,
    };
    luxevault_storage::check_text(&text).map_err(edit_error)?;
    Ok(text)
}

fn check_tax_class(tax_class: &str) -> Result<String, ShopError> {
    let class = tax_class.trim();
    let class = if class.is_empty() { luxevault_storage::STANDARD_TAX_CLASS } else { class };
    if class.len() > 40
        || !class.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    {
        return Err(invalid("The tax class is a short name in lowercase letters, like standard or reduced."));
    }
    Ok(class.to_string())
}

fn optional(text: String) -> Option<String> {
    Some(text).filter(|t| !t.is_empty())
}

/// A variant as it will be kept, checked against the shop's colours.
fn variant(catalog: &Catalog, input: &VariantInput) -> Result<NewVariant, ShopError> {
    let sku = input.sku.trim().to_uppercase();
    if !is_valid_sku(&sku) {
        return Err(invalid("A SKU is up to 64 letters, digits and hyphens, like ME-CABAS-38."));
    }
    let details = details(catalog, &sku, input)?;
    if !(0..=MAX_STOCK).contains(&input.stock) {
        return Err(invalid(format!("The stock of {sku} is a whole number from 0 to 1,000,000.")));
    }
    Ok(NewVariant {
        sku,
        colour: details.colour,
        size: details.size,
        material: details.material,
        barcode: details.barcode,
        weight_grams: details.weight_grams,
        hs_code: details.hs_code,
        origin_country: details.origin_country,
        stock: input.stock,
    })
}

fn details(catalog: &Catalog, sku: &str, input: &VariantInput) -> Result<VariantDetails, ShopError> {
    let colour = input.colour.trim();
    if !colour.is_empty() && catalog.colour(colour).is_none() {
        return Err(invalid(format!("The colour of {sku} is not one of the shop's colours.")));
    }
    if input.weight_grams < 0 {
        return Err(invalid(format!("The weight of {sku} cannot be negative.")));
    }
    if input.weight_grams > MAX_WEIGHT_GRAMS {
        return Err(invalid(format!("The weight of {sku} is at most 1,000,000 grams.")));
    }
    let barcode = input.barcode.trim();
    if barcode.len() > 14 || !barcode.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(format!("The barcode of {sku} is up to 14 digits (EAN, UPC or GTIN).")));
    }
    let hs_code = input.hs_code.trim();
    if hs_code.len() > 13 || !hs_code.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(invalid(format!("The HS code of {sku} is digits with optional dots, like 4202.21.")));
    }
    let origin = input.origin_country.trim().to_uppercase();
    if !origin.is_empty() && (origin.len() != 2 || !origin.bytes().all(|b| b.is_ascii_uppercase())) {
        return Err(invalid(format!("The country of origin of {sku} is a two-letter code, like IT or FR.")));
    }
    Ok(VariantDetails {
        colour: optional(colour.to_string()),
        size: optional(one_line(&free_text(&input.size, "size"), "size", MAX_OPTION_CHARS)?),
        material: optional(one_line(&free_text(&input.material, "material"), "material", MAX_OPTION_CHARS)?),
        barcode: barcode.to_string(),
        weight_grams: input.weight_grams,
        hs_code: hs_code.to_string(),
        origin_country: origin,
    })
}

/// Creates a product as a draft, with its texts, base price, tax class and variants. Returns
/// its handle.
pub async fn create_product(shop: &Shop, by: Actor<'_>, input: &ProductInput) -> Result<String, ShopError> {
    let catalog = snapshot(shop).await?;
    let handle = input.handle.trim().to_string();
    check_handle(&handle, "product")?;
    if catalog.product(&handle).is_some() {
        return Err(invalid(format!("A product already has the handle {handle}.")));
    }
    let mut texts = Vec::new();
    for text in &input.texts {
        let lang = shop_lang(shop, &text.lang)?;
        if text.name.trim().is_empty() && text.subtitle.trim().is_empty() && text.description.trim().is_empty() {
            continue; // a language left blank
        }
        texts.push((lang.as_str().to_string(), product_text(text)?));
    }
    if texts.is_empty() {
        return Err(invalid("Give the product a name in at least one language."));
    }
    let base = catalog.currencies.base();
    if input.price.currency() != base {
        return Err(invalid(format!("The price is given in the base currency {}.", base.code())));
    }
    if input.price.minor() <= 0 {
        return Err(invalid("A price is more than zero."));
    }
    if input.variants.is_empty() {
        return Err(invalid("A product has at least one variant (a SKU with its stock)."));
    }
    if input.variants.len() > MAX_VARIANTS {
        return Err(invalid(format!("A product has at most {MAX_VARIANTS} variants.")));
    }
    let mut variants = Vec::with_capacity(input.variants.len());
    let mut skus = HashSet::new();
    for v in &input.variants {
        let v = variant(&catalog, v)?;
        if !skus.insert(v.sku.clone()) || catalog.variant(&v.sku).is_some() {
            return Err(invalid(format!("The SKU {} is already taken: each variant has its own.", v.sku)));
        }
        variants.push(v);
    }
    for slug in &input.collections {
        if catalog.collection(slug).is_none() {
            return Err(invalid("There is no collection with this handle."));
        }
    }
    let product = NewProduct {
        slug: handle.clone(),
        collections: input.collections.clone(),
        texts,
        variants,
        prices: vec![input.price],
        tax_class: check_tax_class(&input.tax_class)?,
        published_at: None,
        ..NewProduct::default()
    };
    audit(shop, by, "catalog.create", "product", &handle, None).await?;
    CatalogAdmin::create_product(shop.db(), &product, shop.clock().now()).await.map_err(edit_error)?;
    Ok(handle)
}

/// Adds a variant (a size, colour or material with its SKU and stock) to a product.
pub async fn add_variant(shop: &Shop, by: Actor<'_>, slug: &str, input: &VariantInput) -> Result<String, ShopError> {
    let catalog = snapshot(shop).await?;
    product_in(&catalog, slug)?;
    let v = variant(&catalog, input)?;
    if catalog.variant(&v.sku).is_some() {
        return Err(invalid(format!("The SKU {} is already taken: each variant has its own.", v.sku)));
    }
    audit(shop, by, "catalog.variant_add", "product", slug, Some(&v.sku)).await?;
    CatalogAdmin::add_variant(shop.db(), slug, &v, shop.clock().now()).await.map_err(edit_error)?;
    Ok(v.sku)
}

/// Edits a variant's options, barcode, weight and customs facts (its SKU stays).
pub async fn edit_variant_details(
    shop: &Shop,
    by: Actor<'_>,
    slug: &str,
    input: &VariantInput,
) -> Result<(), ShopError> {
    let catalog = snapshot(shop).await?;
    let sku = input.sku.trim();
    if catalog.variant(sku).is_none_or(|(p, _)| p.slug != slug) {
        return Err(ShopError::not_found("There is no variant with this SKU. Nothing was changed."));
    }
    let details = details(&catalog, sku, input)?;
    audit(shop, by, "catalog.variant_details", "product", slug, Some(sku)).await?;
    CatalogAdmin::set_variant_details(shop.db(), sku, &details, shop.clock().now()).await.map_err(edit_error)
}

/// Sets a variant's stock and whether it is on sale.
pub async fn set_variant_stock(
    shop: &Shop,
    by: Actor<'_>,
    slug: &str,
    sku: &str,
    stock: i64,
    availability: Availability,
) -> Result<(), ShopError> {
    let catalog = snapshot(shop).await?;
    if catalog.variant(sku).is_none_or(|(p, _)| p.slug != slug) {
        return Err(ShopError::not_found("There is no variant with this SKU. Nothing was changed."));
    }
    if stock < 0 {
        return Err(invalid("Stock cannot be negative."));
    }
    if stock > MAX_STOCK {
        return Err(invalid("The stock is at most 1,000,000 pieces of one variant."));
    }
    audit(shop, by, "catalog.variant", "product", slug, Some(sku)).await?;
    CatalogAdmin::set_variant(shop.db(), sku, stock, availability, shop.clock().now()).await.map_err(edit_error)
}

/// Writes a product's texts in one language (Markdown description, SEO title and description).
pub async fn set_text(shop: &Shop, by: Actor<'_>, slug: &str, input: &TextInput) -> Result<(), ShopError> {
    let catalog = snapshot(shop).await?;
    product_in(&catalog, slug)?;
    let lang = shop_lang(shop, &input.lang)?;
    let text = product_text(input)?;
    audit(shop, by, "catalog.text", "product", slug, Some(lang.as_str())).await?;
    CatalogAdmin::set_product_text(shop.db(), slug, &lang, &text, shop.clock().now()).await.map_err(edit_error)
}

/// Sets whether a product is on sale, featured on the home page, and its place in lists.
pub async fn set_listing(
    shop: &Shop,
    by: Actor<'_>,
    slug: &str,
    availability: Availability,
    featured: bool,
    position: i32,
) -> Result<(), ShopError> {
    if !(0..=MAX_POSITION).contains(&position) {
        return Err(invalid("The position is a whole number from 0 to 10000 (lower comes first)."));
    }
    product_in(&*snapshot(shop).await?, slug)?;
    audit(shop, by, "catalog.listing", "product", slug, None).await?;
    CatalogAdmin::set_product_listing(shop.db(), slug, availability, featured, position, shop.clock().now())
        .await
        .map_err(edit_error)
}

/// Sets the tax class of a product.
pub async fn set_tax_class(shop: &Shop, by: Actor<'_>, slug: &str, tax_class: &str) -> Result<(), ShopError> {
    let class = check_tax_class(tax_class)?;
    product_in(&*snapshot(shop).await?, slug)?;
    audit(shop, by, "catalog.tax_class", "product", slug, Some(&class)).await?;
    CatalogAdmin::set_tax_class(shop.db(), slug, &class, shop.clock().now()).await.map_err(edit_error)
}

/// Retires a product: it leaves the storefront; old carts and orders still resolve.
pub async fn retire_product(shop: &Shop, by: Actor<'_>, slug: &str) -> Result<(), ShopError> {
    set_availability(shop, by, slug, Availability::Retired, "catalog.retire").await
}

/// Offers a retired product again.
pub async fn reactivate_product(shop: &Shop, by: Actor<'_>, slug: &str) -> Result<(), ShopError> {
    set_availability(shop, by, slug, Availability::Active, "catalog.reactivate").await
}

async fn set_availability(
    shop: &Shop,
    by: Actor<'_>,
    slug: &str,
    availability: Availability,
    action: &str,
) -> Result<(), ShopError> {
    let catalog = snapshot(shop).await?;
    product_in(&catalog, slug)?;
    audit(shop, by, action, "product", slug, None).await?;
    let found = CatalogStore::set_product_availability(shop.db(), slug, availability, shop.clock().now()).await?;
    if found { Ok(()) } else { Err(ShopError::not_found("There is no product with this handle.")) }
}

/// Publishes a product now, schedules it for a time, or makes it a draft again.
pub async fn set_publication(
    shop: &Shop,
    by: Actor<'_>,
    slug: &str,
    publication: Publication,
) -> Result<(), ShopError> {
    let catalog = snapshot(shop).await?;
    product_in(&catalog, slug)?;
    let now = shop.clock().now();
    let (at, action, reason) = match publication {
        Publication::Now => (Some(now), "catalog.publish", None),
        Publication::At(at) if at <= now => (Some(at), "catalog.publish", None),
        Publication::At(at) => (Some(at), "catalog.schedule", Some(at.to_rfc3339())),
        Publication::Draft => (None, "catalog.unpublish", None),
    };
    audit(shop, by, action, "product", slug, reason.as_deref()).await?;
    CatalogAdmin::set_publication(shop.db(), slug, at, now).await.map_err(edit_error)
}

/// The SKUs a copy gets: each original SKU with the first suffix `-2`, `-3`… that makes all of
/// them free.
fn copy_skus(catalog: &Catalog, skus: &[String]) -> Result<Vec<String>, ShopError> {
    for n in 2..1_000 {
        let candidates: Vec<String> = skus.iter().map(|s| format!("{s}-{n}")).collect();
        if candidates.iter().all(|c| is_valid_sku(c) && catalog.variant(c).is_none()) {
            return Ok(candidates);
        }
    }
    Err(invalid("No free SKUs were found for the copy; rename the original's SKUs first."))
}

/// Copies a product under a new handle, as a draft: same texts, prices, tax class, images and
/// collections; variants with new SKUs (the original's plus `-2`…), no barcode (a barcode names
/// one article) and no stock. Returns the copy's SKUs.
pub async fn duplicate_product(
    shop: &Shop,
    by: Actor<'_>,
    slug: &str,
    new_handle: &str,
) -> Result<Vec<String>, ShopError> {
    let catalog = snapshot(shop).await?;
    let original = product_in(&catalog, slug)?;
    let handle = new_handle.trim().to_string();
    check_handle(&handle, "product")?;
    if catalog.product(&handle).is_some() {
        return Err(invalid(format!("A product already has the handle {handle}.")));
    }
    let kept: Vec<_> = original.variants.iter().filter(|v| v.availability == Availability::Active).collect();
    let skus = copy_skus(&catalog, &kept.iter().map(|v| v.sku.clone()).collect::<Vec<_>>())?;
    let variants = kept
        .iter()
        .zip(&skus)
        .map(|(v, sku)| NewVariant {
            sku: sku.clone(),
            colour: v.colour.clone(),
            size: v.size.clone(),
            material: v.material.clone(),
            barcode: String::new(),
            weight_grams: v.weight_grams,
            hs_code: v.hs_code.clone(),
            origin_country: v.origin_country.clone(),
            stock: 0,
        })
        .collect();
    let mut texts: Vec<(String, ProductText)> = original.texts.iter().map(|(l, t)| (l.clone(), t.clone())).collect();
    texts.sort_by(|a, b| a.0.cmp(&b.0));
    let copy = NewProduct {
        slug: handle.clone(),
        featured: false,
        collections: original
            .collections
            .iter()
            .filter_map(|id| catalog.collection_by_id(*id))
            .map(|c| c.slug.clone())
            .collect(),
        images: original.images.clone(),
        image_alts: original
            .image_alts
            .iter()
            .map(|alts| alts.iter().map(|(l, a)| (l.clone(), a.clone())).collect())
            .collect(),
        texts,
        variants,
        prices: original.prices.clone(),
        tax_class: original.tax_class.clone(),
        published_at: None,
    };
    audit(shop, by, "catalog.duplicate", "product", &handle, Some(slug)).await?;
    CatalogAdmin::create_product(shop.db(), &copy, shop.clock().now()).await.map_err(edit_error)?;
    Ok(skus)
}

/// Sets a product's own price in an offered currency.
pub async fn set_price(shop: &Shop, by: Actor<'_>, slug: &str, price: Money) -> Result<(), ShopError> {
    if price.minor() <= 0 {
        return Err(invalid("A price is more than zero."));
    }
    let catalog = snapshot(shop).await?;
    product_in(&catalog, slug)?;
    if catalog.currencies.find(price.currency().code()).is_none() {
        return Err(edit_error(CatalogEditError::UnknownCurrency(price.currency().code().to_string())));
    }
    audit(shop, by, "catalog.price_set", "product", slug, Some(price.currency().code())).await?;
    CatalogAdmin::set_price(shop.db(), slug, price, shop.clock().now()).await.map_err(edit_error)
}

/// Removes a product's own price in a currency (it converts from the base price again).
pub async fn remove_price(shop: &Shop, by: Actor<'_>, slug: &str, currency: Currency) -> Result<(), ShopError> {
    let catalog = snapshot(shop).await?;
    if currency == catalog.currencies.base() {
        return Err(edit_error(CatalogEditError::BasePriceRequired(currency.code().to_string())));
    }
    audit(shop, by, "catalog.price_remove", "product", slug, Some(currency.code())).await?;
    CatalogAdmin::remove_price(shop.db(), slug, currency, shop.clock().now()).await.map_err(edit_error).map(|_| ())
}

/// Stores an uploaded image (already accepted and stripped) and shows it last on a product.
pub async fn add_image(shop: &Shop, by: Actor<'_>, slug: &str, image: &CleanImage) -> Result<String, ShopError> {
    let now = shop.clock().now();
    let images = CatalogAdmin::images(shop.db(), slug).await.map_err(edit_error)?;
    if images.len() >= luxevault_storage::MAX_IMAGES {
        return Err(edit_error(CatalogEditError::TooManyImages));
    }
    audit(shop, by, "catalog.image_upload", "product", slug, Some(image.kind.content_type())).await?;
    let id: Uuid = CatalogAdmin::store_media(shop.db(), image, now).await.map_err(edit_error)?;
    CatalogAdmin::attach_image(shop.db(), slug, id, now).await.map_err(edit_error)
}

/// Stops showing an image on a product (the stored bytes stay).
pub async fn remove_image(shop: &Shop, by: Actor<'_>, slug: &str, src: &str) -> Result<(), ShopError> {
    let catalog = snapshot(shop).await?;
    if !product_in(&catalog, slug)?.images.iter().any(|s| s == src) {
        return Err(edit_error(CatalogEditError::UnknownImage));
    }
    audit(shop, by, "catalog.image_remove", "product", slug, None).await?;
    CatalogAdmin::detach_image(shop.db(), slug, src, shop.clock().now()).await.map_err(edit_error)
}

/// Moves an image one place up or down (its alt texts move with it).
pub async fn move_image(shop: &Shop, by: Actor<'_>, slug: &str, src: &str, up: bool) -> Result<(), ShopError> {
    let mut images = CatalogAdmin::images(shop.db(), slug).await.map_err(edit_error)?;
    let at = images.iter().position(|s| s == src).ok_or_else(|| edit_error(CatalogEditError::UnknownImage))?;
    let to = if up { at.checked_sub(1) } else { Some(at + 1).filter(|&t| t < images.len()) };
    let Some(to) = to else { return Ok(()) };
    images.swap(at, to);
    audit(shop, by, "catalog.image_move", "product", slug, None).await?;
    CatalogAdmin::reorder_images(shop.db(), slug, &images, shop.clock().now()).await.map_err(edit_error)
}

/// Sets the alt text of a product's image in one language (empty removes it).
pub async fn set_image_alt(
    shop: &Shop,
    by: Actor<'_>,
    slug: &str,
    src: &str,
    lang: &str,
    alt: &str,
) -> Result<(), ShopError> {
    let catalog = snapshot(shop).await?;
    if !product_in(&catalog, slug)?.images.iter().any(|s| s == src) {
        return Err(edit_error(CatalogEditError::UnknownImage));
    }
    let lang = shop_lang(shop, lang)?;
    let alt = one_line(&free_text(alt, "image_alt"), "alt text", MAX_ALT_CHARS)?;
    audit(shop, by, "catalog.image_alt", "product", slug, Some(lang.as_str())).await?;
    CatalogAdmin::set_image_alt(shop.db(), slug, src, &lang, &alt, shop.clock().now()).await.map_err(edit_error)
}

/// A product's place in lists (the snapshot keeps only the order).
pub async fn product_position(shop: &Shop, slug: &str) -> Result<Option<i32>, ShopError> {
    Ok(CatalogAdmin::position(shop.db(), slug).await?)
}

/// A new collection's texts in one language.
#[derive(Debug, Clone, Default)]
pub struct CollectionTextInput {
    pub lang: String,
    pub name: String,
    pub description: String,
}

/// Creates a collection, last in the storefront's navigation (shown once it has a product).
pub async fn create_collection(
    shop: &Shop,
    by: Actor<'_>,
    handle: &str,
    texts: &[CollectionTextInput],
) -> Result<String, ShopError> {
    let handle = handle.trim().to_string();
    check_handle(&handle, "collection")?;
    let mut kept = Vec::new();
    for text in texts.iter().filter(|t| !t.name.trim().is_empty()) {
        let lang = shop_lang(shop, &text.lang)?;
        let name = one_line(&free_text(&text.name, "collection_name"), "collection name", 200)?;
        let description = free_text(text.description.trim(), "collection_description");
        if description.chars().count() > 2_000 {
            return Err(invalid("A collection's description is at most 2000 characters."));
        }
        kept.push((lang.as_str().to_string(), name, description));
    }
    if kept.is_empty() {
        return Err(invalid("Give the collection a name in at least one language."));
    }
    audit(shop, by, "catalog.collection_create", "collection", &handle, None).await?;
    CatalogAdmin::create_collection(shop.db(), &handle, &kept, shop.clock().now()).await.map_err(edit_error)?;
    Ok(handle)
}

/// Moves a collection one place up or down in the navigation.
pub async fn move_collection(shop: &Shop, by: Actor<'_>, handle: &str, up: bool) -> Result<(), ShopError> {
    collection_in(&*snapshot(shop).await?, handle)?;
    audit(shop, by, "catalog.collection_move", "collection", handle, Some(if up { "up" } else { "down" })).await?;
    CatalogAdmin::move_collection(shop.db(), handle, up, shop.clock().now()).await.map_err(edit_error)
}

/// Files a product in a collection, or takes it out.
pub async fn file_product(
    shop: &Shop,
    by: Actor<'_>,
    product: &str,
    collection: &str,
    filed: bool,
) -> Result<(), ShopError> {
    let catalog = snapshot(shop).await?;
    product_in(&catalog, product)?;
    collection_in(&catalog, collection)?;
    let action = if filed { "catalog.collection_file" } else { "catalog.collection_unfile" };
    audit(shop, by, action, "product", product, Some(collection)).await?;
    CatalogAdmin::file_product(shop.db(), product, collection, filed, shop.clock().now()).await.map_err(edit_error)
}

/// Puts a product first on a collection's page (filing it there), or removes the feature.
pub async fn feature_in_collection(
    shop: &Shop,
    by: Actor<'_>,
    collection: &str,
    product: Option<&str>,
) -> Result<(), ShopError> {
    let catalog = snapshot(shop).await?;
    collection_in(&catalog, collection)?;
    if let Some(product) = product {
        product_in(&catalog, product)?;
    }
    audit(shop, by, "catalog.collection_feature", "collection", collection, product).await?;
    CatalogAdmin::feature_in_collection(shop.db(), collection, product, shop.clock().now()).await.map_err(edit_error)
}
