//! The catalog's SQL: loading the whole catalog snapshot, its version, and writing a catalog.

use std::collections::HashMap;

use luxevault_core::catalog::Availability;
use luxevault_core::catalog::snapshot::{Catalog, Collection, CollectionText, Colour, Product, ProductText, Variant};
use luxevault_core::ids::new_id;
use luxevault_core::pricing::{CurrencyTable, OfferedCurrency};
use luxevault_core::{Currency, Money, Rate, Timestamp};
use sqlx::FromRow;
use uuid::Uuid;

use crate::{Db, DbError, on_db};

const VERSION: &str = "SELECT version FROM catalog_state WHERE id = 1";
pub(crate) const BUMP_VERSION: &str = "INSERT INTO catalog_state (id, version, updated_at) VALUES (1, 1, $1) \
     ON CONFLICT (id) DO UPDATE SET version = catalog_state.version + 1, updated_at = excluded.updated_at";
const CURRENCIES: &str = "SELECT code, rate, rounding_minor, is_base FROM currencies ORDER BY position, code";
const COLOURS: &str = "SELECT code, hex FROM colours ORDER BY code";
const COLOUR_NAMES: &str = "SELECT colour_code, lang, name FROM colour_names";
const COLLECTIONS: &str = "SELECT id, slug, image, featured_product_id FROM collections ORDER BY position, slug";
const COLLECTION_TEXTS: &str = "SELECT collection_id, lang, name, description FROM collection_texts";
const PRODUCTS: &str =
    "SELECT id, slug, availability, featured, tax_class, published_at FROM products ORDER BY position, slug";
const PRODUCT_TEXTS: &str =
    "SELECT product_id, lang, name, subtitle, description, details, seo_title, seo_description FROM product_texts";
const PRODUCT_COLLECTIONS: &str =
    "SELECT product_id, collection_id FROM product_collections ORDER BY product_id, position";
const PRODUCT_IMAGES: &str = "SELECT product_id, position, src FROM product_images ORDER BY product_id, position";
const PRODUCT_IMAGE_ALTS: &str = "SELECT product_id, position, lang, alt FROM product_image_alts";
const VARIANTS: &str = "SELECT id, product_id, sku, colour_code, size, material, barcode, weight_grams, hs_code, \
     origin_country, stock, availability FROM variants ORDER BY product_id, position";
const PRICES: &str = "SELECT product_id, currency, amount_minor FROM product_prices";
const COUNT_PRODUCTS: &str = "SELECT COUNT(*) FROM products";

const INSERT_CURRENCY: &str = "INSERT INTO currencies (code, rate, rounding_minor, is_base, position, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6)";
const INSERT_COLOUR: &str = "INSERT INTO colours (code, hex) VALUES ($1, $2)";
const INSERT_COLOUR_NAME: &str = "INSERT INTO colour_names (colour_code, lang, name) VALUES ($1, $2, $3)";
pub(crate) const INSERT_COLLECTION: &str =
    "INSERT INTO collections (id, slug, image, position, created_at) VALUES ($1, $2, $3, $4, $5)";
pub(crate) const INSERT_COLLECTION_TEXT: &str =
    "INSERT INTO collection_texts (collection_id, lang, name, description) VALUES ($1, $2, $3, $4)";
pub(crate) const INSERT_PRODUCT: &str = "INSERT INTO products (id, slug, availability, featured, position, created_at, updated_at, \
     tax_class, published_at) VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8)";
pub(crate) const INSERT_PRODUCT_TEXT: &str = "INSERT INTO product_texts (product_id, lang, name, subtitle, description, details, \
     seo_title, seo_description) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
pub(crate) const INSERT_PRODUCT_COLLECTION: &str =
    "INSERT INTO product_collections (product_id, collection_id, position) VALUES ($1, $2, $3)";
pub(crate) const INSERT_PRODUCT_IMAGE: &str =
    "INSERT INTO product_images (product_id, position, src) VALUES ($1, $2, $3)";
pub(crate) const INSERT_PRODUCT_IMAGE_ALT: &str =
    "INSERT INTO product_image_alts (product_id, position, lang, alt) VALUES ($1, $2, $3, $4)";
pub(crate) const INSERT_VARIANT: &str = "INSERT INTO variants (id, product_id, sku, colour_code, size, stock, availability, position, \
     material, barcode, weight_grams, hs_code, origin_country) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";
pub(crate) const INSERT_PRICE: &str =
    "INSERT INTO product_prices (product_id, currency, amount_minor) VALUES ($1, $2, $3)";
const SET_STOCK: &str = "UPDATE variants SET stock = $2 WHERE sku = $1";
const SET_PRODUCT_AVAILABILITY: &str = "UPDATE products SET availability = $2, updated_at = $3 WHERE slug = $1";

pub(crate) const STATEMENTS: &[(&str, &str)] = &[
    ("catalog.version", VERSION),
    ("catalog.bump_version", BUMP_VERSION),
    ("catalog.currencies", CURRENCIES),
    ("catalog.colours", COLOURS),
    ("catalog.colour_names", COLOUR_NAMES),
    ("catalog.collections", COLLECTIONS),
    ("catalog.collection_texts", COLLECTION_TEXTS),
    ("catalog.products", PRODUCTS),
    ("catalog.product_texts", PRODUCT_TEXTS),
    ("catalog.product_collections", PRODUCT_COLLECTIONS),
    ("catalog.product_images", PRODUCT_IMAGES),
    ("catalog.product_image_alts", PRODUCT_IMAGE_ALTS),
    ("catalog.variants", VARIANTS),
    ("catalog.prices", PRICES),
    ("catalog.count_products", COUNT_PRODUCTS),
    ("catalog.insert_currency", INSERT_CURRENCY),
    ("catalog.insert_colour", INSERT_COLOUR),
    ("catalog.insert_colour_name", INSERT_COLOUR_NAME),
    ("catalog.insert_collection", INSERT_COLLECTION),
    ("catalog.insert_collection_text", INSERT_COLLECTION_TEXT),
    ("catalog.insert_product", INSERT_PRODUCT),
    ("catalog.insert_product_text", INSERT_PRODUCT_TEXT),
    ("catalog.insert_product_collection", INSERT_PRODUCT_COLLECTION),
    ("catalog.insert_product_image", INSERT_PRODUCT_IMAGE),
    ("catalog.insert_product_image_alt", INSERT_PRODUCT_IMAGE_ALT),
    ("catalog.insert_variant", INSERT_VARIANT),
    ("catalog.insert_price", INSERT_PRICE),
    ("catalog.set_stock", SET_STOCK),
    ("catalog.set_product_availability", SET_PRODUCT_AVAILABILITY),
];

#[derive(FromRow)]
struct CurrencyRow {
    code: String,
    rate: String,
    rounding_minor: i64,
    is_base: bool,
}

#[derive(FromRow)]
struct ColourRow {
    code: String,
    hex: String,
}

#[derive(FromRow)]
struct ColourNameRow {
    colour_code: String,
    lang: String,
    name: String,
}

#[derive(FromRow)]
struct CollectionRow {
    id: Uuid,
    slug: String,
    image: Option<String>,
    featured_product_id: Option<Uuid>,
}

#[derive(FromRow)]
struct CollectionTextRow {
    collection_id: Uuid,
    lang: String,
    name: String,
    description: String,
}

#[derive(FromRow)]
struct ProductRow {
    id: Uuid,
    slug: String,
    availability: String,
    featured: bool,
    tax_class: String,
    published_at: Option<i64>,
}

#[derive(FromRow)]
struct ProductTextRow {
    product_id: Uuid,
    lang: String,
    name: String,
    subtitle: String,
    description: String,
    details: String,
    seo_title: String,
    seo_description: String,
}

#[derive(FromRow)]
struct ProductLinkRow {
    product_id: Uuid,
    collection_id: Uuid,
}

#[derive(FromRow)]
struct ProductImageRow {
    product_id: Uuid,
    position: i32,
    src: String,
}

#[derive(FromRow)]
struct ProductImageAltRow {
    product_id: Uuid,
    position: i32,
    lang: String,
    alt: String,
}

#[derive(FromRow)]
struct VariantRow {
    id: Uuid,
    product_id: Uuid,
    sku: String,
    colour_code: Option<String>,
    size: Option<String>,
    material: Option<String>,
    barcode: String,
    weight_grams: i64,
    hs_code: String,
    origin_country: String,
    stock: i64,
    availability: String,
}

#[derive(FromRow)]
struct PriceRow {
    product_id: Uuid,
    currency: String,
    amount_minor: i64,
}

/// A catalog to write in one go (the demo shop, an import).
#[derive(Debug, Clone)]
pub struct NewCatalog {
    pub base_currency: Currency,
    pub currencies: Vec<NewCurrency>,
    pub colours: Vec<NewColour>,
    pub collections: Vec<NewCollection>,
    pub products: Vec<NewProduct>,
}

#[derive(Debug, Clone)]
pub struct NewCurrency {
    pub currency: Currency,
    pub rate: Rate,
    pub rounding_minor: i64,
}

#[derive(Debug, Clone)]
pub struct NewColour {
    pub code: String,
    pub hex: String,
    /// (language, name)
    pub names: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct NewCollection {
    pub slug: String,
    pub image: Option<String>,
    /// (language, name, description)
    pub texts: Vec<(String, String, String)>,
}

#[derive(Debug, Clone)]
pub struct NewProduct {
    pub slug: String,
    pub featured: bool,
    pub collections: Vec<String>,
    pub images: Vec<String>,
    /// Per image (same order as `images`): (language, alt text).
    pub image_alts: Vec<Vec<(String, String)>>,
    pub texts: Vec<(String, ProductText)>,
    pub variants: Vec<NewVariant>,
    pub prices: Vec<Money>,
    pub tax_class: String,
    /// `None` writes a draft.
    pub published_at: Option<Timestamp>,
}

impl Default for NewProduct {
    fn default() -> Self {
        Self {
            slug: String::new(),
            featured: false,
            collections: Vec::new(),
            images: Vec::new(),
            image_alts: Vec::new(),
            texts: Vec::new(),
            variants: Vec::new(),
            prices: Vec::new(),
            tax_class: STANDARD_TAX_CLASS.to_string(),
            published_at: None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct NewVariant {
    pub sku: String,
    pub colour: Option<String>,
    pub size: Option<String>,
    pub material: Option<String>,
    pub barcode: String,
    pub weight_grams: i64,
    pub hs_code: String,
    pub origin_country: String,
    pub stock: i64,
}

/// The tax class a product has unless the house says otherwise (the column's default).
pub const STANDARD_TAX_CLASS: &str = "standard";

/// Reads and writes the catalog.
pub struct CatalogStore;

fn split_paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).map(String::from).collect()
}

fn split_lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect()
}

fn corrupt(what: &str, detail: impl std::fmt::Display) -> DbError {
    DbError::Invalid(format!("stored {what} is invalid: {detail}"))
}

impl CatalogStore {
    /// The catalog's version; it changes with every write, so a cached snapshot knows it is stale.
    pub async fn version(db: &Db) -> Result<i64, DbError> {
        let version: Option<i64> = on_db!(db, pool => sqlx::query_scalar(VERSION).fetch_optional(pool).await)?;
        Ok(version.unwrap_or(0))
    }

    pub async fn is_empty(db: &Db) -> Result<bool, DbError> {
        let count: i64 = on_db!(db, pool => sqlx::query_scalar(COUNT_PRODUCTS).fetch_one(pool).await)?;
        Ok(count == 0)
    }

    /// Loads the whole catalog. The version is read first: if a write lands while loading, the
    /// snapshot is labelled older than its data and is simply reloaded on the next request.
    pub async fn load(db: &Db) -> Result<Catalog, DbError> {
        let version = Self::version(db).await?;
        let (currencies, colours, colour_names, collections, collection_texts) = on_db!(db, pool => {
            let currencies: Vec<CurrencyRow> = sqlx::query_as(CURRENCIES).fetch_all(pool).await?;
            let colours: Vec<ColourRow> = sqlx::query_as(COLOURS).fetch_all(pool).await?;
            let colour_names: Vec<ColourNameRow> = sqlx::query_as(COLOUR_NAMES).fetch_all(pool).await?;
            let collections: Vec<CollectionRow> = sqlx::query_as(COLLECTIONS).fetch_all(pool).await?;
            let collection_texts: Vec<CollectionTextRow> = sqlx::query_as(COLLECTION_TEXTS).fetch_all(pool).await?;
            Ok::<_, sqlx::Error>((currencies, colours, colour_names, collections, collection_texts))
        })?;
        let (products, texts, links, images, alts, variants, prices) = on_db!(db, pool => {
            let products: Vec<ProductRow> = sqlx::query_as(PRODUCTS).fetch_all(pool).await?;
            let texts: Vec<ProductTextRow> = sqlx::query_as(PRODUCT_TEXTS).fetch_all(pool).await?;
            let links: Vec<ProductLinkRow> = sqlx::query_as(PRODUCT_COLLECTIONS).fetch_all(pool).await?;
            let images: Vec<ProductImageRow> = sqlx::query_as(PRODUCT_IMAGES).fetch_all(pool).await?;
            let alts: Vec<ProductImageAltRow> = sqlx::query_as(PRODUCT_IMAGE_ALTS).fetch_all(pool).await?;
            let variants: Vec<VariantRow> = sqlx::query_as(VARIANTS).fetch_all(pool).await?;
            let prices: Vec<PriceRow> = sqlx::query_as(PRICES).fetch_all(pool).await?;
            Ok::<_, sqlx::Error>((products, texts, links, images, alts, variants, prices))
        })?;

        let mut base = None;
        let mut offered = Vec::with_capacity(currencies.len());
        for row in currencies {
            let currency = Currency::from_code(&row.code).map_err(|e| corrupt("currency", e))?;
            let rate = Rate::parse(&row.rate).map_err(|e| corrupt("exchange rate", e))?;
            if row.is_base {
                base = Some(currency);
            }
            offered.push(OfferedCurrency { currency, rate, rounding_minor: row.rounding_minor });
        }
        let table = match base {
            Some(base) => CurrencyTable::new(base, offered).map_err(|e| corrupt("currency table", e))?,
            None => {
                return Err(DbError::Invalid(
                    "no base currency is configured; run with --demo or import a catalog".into(),
                ));
            }
        };

        let mut colour_list: Vec<Colour> =
            colours.into_iter().map(|c| Colour { code: c.code, hex: c.hex, names: HashMap::new() }).collect();
        for row in colour_names {
            if let Some(colour) = colour_list.iter_mut().find(|c| c.code == row.colour_code) {
                colour.names.insert(row.lang, row.name);
            }
        }

        let mut collection_list: Vec<Collection> = collections
            .into_iter()
            .map(|c| Collection {
                id: c.id,
                slug: c.slug,
                image: c.image,
                texts: HashMap::new(),
                featured_product: c.featured_product_id,
            })
            .collect();
        for row in collection_texts {
            if let Some(c) = collection_list.iter_mut().find(|c| c.id == row.collection_id) {
                c.texts.insert(row.lang, CollectionText { name: row.name, description: row.description });
            }
        }

        let mut index: HashMap<Uuid, usize> = HashMap::with_capacity(products.len());
        let mut product_list = Vec::with_capacity(products.len());
        for row in products {
            let availability = Availability::parse(&row.availability)
                .ok_or_else(|| corrupt("product availability", &row.availability))?;
            index.insert(row.id, product_list.len());
            product_list.push(Product {
                id: row.id,
                slug: row.slug,
                availability,
                featured: row.featured,
                texts: HashMap::new(),
                images: Vec::new(),
                image_alts: Vec::new(),
                collections: Vec::new(),
                variants: Vec::new(),
                prices: Vec::new(),
                tax_class: row.tax_class,
                published_at: row.published_at.map(Timestamp),
            });
        }
        for row in texts {
            if let Some(p) = index.get(&row.product_id).and_then(|&i| product_list.get_mut(i)) {
                let text = ProductText {
                    name: row.name,
                    subtitle: row.subtitle,
                    description: split_paragraphs(&row.description),
                    details: split_lines(&row.details),
                    seo_title: row.seo_title,
                    seo_description: row.seo_description,
                };
                p.texts.insert(row.lang, text);
            }
        }
        for row in links {
            if let Some(p) = index.get(&row.product_id).and_then(|&i| product_list.get_mut(i)) {
                p.collections.push(row.collection_id);
            }
        }
        // Alt texts are keyed by image position; the snapshot lines them up with `images`.
        let mut image_at: HashMap<(Uuid, i32), usize> = HashMap::with_capacity(images.len());
        for row in images {
            if let Some(p) = index.get(&row.product_id).and_then(|&i| product_list.get_mut(i)) {
                image_at.insert((row.product_id, row.position), p.images.len());
                p.images.push(row.src);
                p.image_alts.push(HashMap::new());
            }
        }
        for row in alts {
            let Some(&slot) = image_at.get(&(row.product_id, row.position)) else { continue };
            if let Some(p) = index.get(&row.product_id).and_then(|&i| product_list.get_mut(i))
                && let Some(alts) = p.image_alts.get_mut(slot)
            {
                alts.insert(row.lang, row.alt);
            }
        }
        for row in variants {
            let availability = Availability::parse(&row.availability)
                .ok_or_else(|| corrupt("variant availability", &row.availability))?;
            if let Some(p) = index.get(&row.product_id).and_then(|&i| product_list.get_mut(i)) {
                p.variants.push(Variant {
                    id: row.id,
                    sku: row.sku,
                    colour: row.colour_code,
                    size: row.size,
                    material: row.material,
                    barcode: row.barcode,
                    weight_grams: row.weight_grams,
                    hs_code: row.hs_code,
                    origin_country: row.origin_country,
                    stock: row.stock,
                    availability,
                });
            }
        }
        for row in prices {
            let currency = Currency::from_code(&row.currency).map_err(|e| corrupt("price currency", e))?;
            if let Some(p) = index.get(&row.product_id).and_then(|&i| product_list.get_mut(i)) {
                p.prices.push(Money::new(row.amount_minor, currency));
            }
        }
        Ok(Catalog::new(version, table, colour_list, collection_list, product_list))
    }

    /// Writes a whole catalog in one transaction: either all of it is there afterwards, or none.
    pub async fn insert(db: &Db, catalog: &NewCatalog, now: Timestamp) -> Result<(), DbError> {
        validate(catalog)?;
        let at = now.as_micros();
        on_db!(db, pool => {
            let mut tx = pool.begin().await?;
            for (position, c) in catalog.currencies.iter().enumerate() {
                sqlx::query(INSERT_CURRENCY)
                    .bind(c.currency.code())
                    .bind(c.rate.to_decimal_string())
                    .bind(c.rounding_minor)
                    .bind(c.currency == catalog.base_currency)
                    .bind(position as i32)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
            }
            for colour in &catalog.colours {
                sqlx::query(INSERT_COLOUR).bind(&colour.code).bind(&colour.hex).execute(&mut *tx).await?;
                for (lang, name) in &colour.names {
                    sqlx::query(INSERT_COLOUR_NAME).bind(&colour.code).bind(lang).bind(name).execute(&mut *tx).await?;
                }
            }
            let mut collection_ids: HashMap<&str, Uuid> = HashMap::new();
            for (position, c) in catalog.collections.iter().enumerate() {
                let id = new_id(now);
                collection_ids.insert(&c.slug, id);
                sqlx::query(INSERT_COLLECTION)
                    .bind(id)
                    .bind(&c.slug)
                    .bind(&c.image)
                    .bind(position as i32)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                for (lang, name, description) in &c.texts {
                    sqlx::query(INSERT_COLLECTION_TEXT)
                        .bind(id)
                        .bind(lang)
                        .bind(name)
                        .bind(description)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            for (position, p) in catalog.products.iter().enumerate() {
                let id = new_id(now);
                sqlx::query(INSERT_PRODUCT)
                    .bind(id)
                    .bind(&p.slug)
                    .bind(Availability::Active.as_str())
                    .bind(p.featured)
                    .bind(position as i32)
                    .bind(at)
                    .bind(&p.tax_class)
                    .bind(p.published_at.map(Timestamp::as_micros))
                    .execute(&mut *tx)
                    .await?;
                for (lang, text) in &p.texts {
                    sqlx::query(INSERT_PRODUCT_TEXT)
                        .bind(id)
                        .bind(lang)
                        .bind(&text.name)
                        .bind(&text.subtitle)
                        .bind(text.description.join("\n\n"))
                        .bind(text.details.join("\n"))
                        .bind(&text.seo_title)
                        .bind(&text.seo_description)
                        .execute(&mut *tx)
                        .await?;
                }
                for (i, slug) in p.collections.iter().enumerate() {
                    let collection = collection_ids.get(slug.as_str()).copied().ok_or_else(|| {
                        DbError::Invalid(format!("product {} names an unknown collection {slug}", p.slug))
                    })?;
                    sqlx::query(INSERT_PRODUCT_COLLECTION).bind(id).bind(collection).bind(i as i32).execute(&mut *tx).await?;
                }
                for (i, src) in p.images.iter().enumerate() {
                    sqlx::query(INSERT_PRODUCT_IMAGE).bind(id).bind(i as i32).bind(src).execute(&mut *tx).await?;
                    for (lang, alt) in p.image_alts.get(i).into_iter().flatten() {
                        sqlx::query(INSERT_PRODUCT_IMAGE_ALT)
                            .bind(id)
                            .bind(i as i32)
                            .bind(lang)
                            .bind(alt)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                for (i, v) in p.variants.iter().enumerate() {
                    sqlx::query(INSERT_VARIANT)
                        .bind(new_id(now))
                        .bind(id)
                        .bind(&v.sku)
                        .bind(&v.colour)
                        .bind(&v.size)
                        .bind(v.stock)
                        .bind(Availability::Active.as_str())
                        .bind(i as i32)
                        .bind(&v.material)
                        .bind(&v.barcode)
                        .bind(v.weight_grams)
                        .bind(&v.hs_code)
                        .bind(&v.origin_country)
                        .execute(&mut *tx)
                        .await?;
                }
                for price in &p.prices {
                    sqlx::query(INSERT_PRICE)
                        .bind(id)
                        .bind(price.currency().code())
                        .bind(price.minor())
                        .execute(&mut *tx)
                        .await?;
                }
            }
            sqlx::query(BUMP_VERSION).bind(at).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, DbError>(())
        })
    }

    /// Sets a variant's stock (an inventory count, a restock). Returns whether the SKU exists.
    pub async fn set_stock(db: &Db, sku: &str, stock: i64, now: Timestamp) -> Result<bool, DbError> {
        if stock < 0 {
            return Err(DbError::Invalid("stock cannot be negative".into()));
        }
        on_db!(db, pool => {
            let mut tx = pool.begin().await?;
            let found = sqlx::query(SET_STOCK).bind(sku).bind(stock).execute(&mut *tx).await?.rows_affected() > 0;
            sqlx::query(BUMP_VERSION).bind(now.as_micros()).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, DbError>(found)
        })
    }

    /// Retires or re-activates a product. Returns whether the slug exists.
    pub async fn set_product_availability(
        db: &Db,
        slug: &str,
        availability: Availability,
        now: Timestamp,
    ) -> Result<bool, DbError> {
        on_db!(db, pool => {
            let mut tx = pool.begin().await?;
            let found = sqlx::query(SET_PRODUCT_AVAILABILITY)
                .bind(slug)
                .bind(availability.as_str())
                .bind(now.as_micros())
                .execute(&mut *tx)
                .await?
                .rows_affected()
                > 0;
            sqlx::query(BUMP_VERSION).bind(now.as_micros()).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, DbError>(found)
        })
    }
}

/// Checks a catalog before any row is written, so a bad import fails with a sentence, not a
/// constraint violation halfway.
fn validate(catalog: &NewCatalog) -> Result<(), DbError> {
    use luxevault_core::catalog::{is_valid_sku, is_valid_slug};
    let invalid = |msg: String| Err(DbError::Invalid(msg));
    if !catalog.currencies.iter().any(|c| c.currency == catalog.base_currency) {
        return invalid(format!("the base currency {} is not among the offered currencies", catalog.base_currency));
    }
    let mut skus = std::collections::HashSet::new();
    for p in &catalog.products {
        if !is_valid_slug(&p.slug) {
            return invalid(format!("{:?} is not a valid product slug (lowercase letters, digits, hyphens)", p.slug));
        }
        if !p.prices.iter().any(|m| m.currency() == catalog.base_currency) {
            return invalid(format!("product {} has no price in the base currency {}", p.slug, catalog.base_currency));
        }
        if p.texts.is_empty() {
            return invalid(format!("product {} has no name in any language", p.slug));
        }
        for v in &p.variants {
            if !is_valid_sku(&v.sku) {
                return invalid(format!("{:?} is not a valid SKU (uppercase letters, digits, hyphens)", v.sku));
            }
            if !skus.insert(v.sku.as_str()) {
                return invalid(format!("SKU {} appears twice", v.sku));
            }
            if v.stock < 0 {
                return invalid(format!("SKU {} has negative stock", v.sku));
            }
            if v.weight_grams < 0 {
                return invalid(format!("SKU {} has a negative weight", v.sku));
            }
            if let Some(colour) = &v.colour
                && !catalog.colours.iter().any(|c| &c.code == colour)
            {
                return invalid(format!("SKU {} names an unknown colour {colour}", v.sku));
            }
        }
    }
    for c in &catalog.collections {
        if !is_valid_slug(&c.slug) {
            return invalid(format!("{:?} is not a valid collection slug", c.slug));
        }
    }
    Ok(())
}
