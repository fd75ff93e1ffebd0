//! The SQL of a catalog import and export (Shopify's product CSV): the catalog as the file sees
//! it (one language, the base price, variants with their 0015 facts, images with alt texts), and
//! one transaction writing the products an import creates or changes, their new colours and
//! images, and moving the catalog's version only when something was written.

use std::collections::HashMap;

use luxevault_core::catalog::Availability;
use luxevault_core::catalog_csv::Status;
use luxevault_core::ids::new_id;
use luxevault_core::media::CleanImage;
use luxevault_core::{Currency, Money, Timestamp};
use sqlx::FromRow;
use uuid::Uuid;

use crate::catalog::BUMP_VERSION;
use crate::catalog_admin::media_src;
use crate::{Db, DbError, on_db};

const BASE_CURRENCY: &str = "SELECT code FROM currencies WHERE is_base = $1 ORDER BY position, code";
const COLOURS: &str = "SELECT code FROM colours ORDER BY code";
const COLOUR_NAMES: &str = "SELECT colour_code, lang, name FROM colour_names ORDER BY colour_code, lang";
const PRODUCTS: &str = "SELECT p.id, p.slug, p.availability, p.published_at, t.name, t.description, t.seo_title, \
     t.seo_description FROM products p LEFT JOIN product_texts t ON t.product_id = p.id AND t.lang = $1 \
     ORDER BY p.position, p.slug";
const BASE_PRICES: &str = "SELECT pp.product_id, pp.amount_minor FROM product_prices pp \
     JOIN currencies c ON c.code = pp.currency WHERE c.is_base = $1";
const VARIANTS: &str = "SELECT product_id, sku, colour_code, size, material, stock, weight_grams, barcode \
     FROM variants ORDER BY product_id, position, sku";
const IMAGES: &str = "SELECT product_id, position, src FROM product_images ORDER BY product_id, position";
const ALTS: &str = "SELECT product_id, position, alt FROM product_image_alts WHERE lang = $1";
const MEDIA_BY_HASH: &str = "SELECT id FROM media WHERE sha256 = $1";

const PRODUCT_ID: &str = "SELECT id FROM products WHERE slug = $1";
const NEXT_POSITION: &str = "SELECT CAST(COALESCE(MAX(position), -1) + 1 AS BIGINT) FROM products";
const INSERT_PRODUCT: &str = "INSERT INTO products (id, slug, availability, featured, position, created_at, updated_at, \
     published_at) VALUES ($1, $2, $3, $4, $5, $6, $6, $7)";
const UPDATE_PRODUCT: &str = "UPDATE products SET availability = $2, \
     published_at = CASE WHEN $3 THEN COALESCE(published_at, $4) ELSE NULL END, updated_at = $4 WHERE id = $1";
const UPSERT_TEXT: &str = "INSERT INTO product_texts (product_id, lang, name, subtitle, description, details, seo_title, \
     seo_description) VALUES ($1, $2, $3, '', $4, '', $5, $6) ON CONFLICT (product_id, lang) DO UPDATE SET \
     name = excluded.name, description = excluded.description, seo_title = excluded.seo_title, \
     seo_description = excluded.seo_description";
const UPSERT_PRICE: &str = "INSERT INTO product_prices (product_id, currency, amount_minor) VALUES ($1, $2, $3) \
     ON CONFLICT (product_id, currency) DO UPDATE SET amount_minor = excluded.amount_minor";
const UPSERT_VARIANT: &str = "INSERT INTO variants (id, product_id, sku, colour_code, size, stock, availability, position, \
     material, barcode, weight_grams) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
     ON CONFLICT (sku) DO UPDATE SET colour_code = excluded.colour_code, size = excluded.size, stock = excluded.stock, \
     position = excluded.position, material = excluded.material, barcode = excluded.barcode, \
     weight_grams = excluded.weight_grams";
const INSERT_COLOUR: &str = "INSERT INTO colours (code, hex) VALUES ($1, $2) ON CONFLICT (code) DO NOTHING";
const INSERT_COLOUR_NAME: &str =
    "INSERT INTO colour_names (colour_code, lang, name) VALUES ($1, $2, $3) ON CONFLICT (colour_code, lang) DO NOTHING";
const INSERT_MEDIA: &str = "INSERT INTO media (id, content_type, bytes, byte_size, sha256, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (sha256) DO NOTHING";
const DELETE_IMAGES: &str = "DELETE FROM product_images WHERE product_id = $1";
const INSERT_IMAGE: &str = "INSERT INTO product_images (product_id, position, src) VALUES ($1, $2, $3)";
const DELETE_ALTS: &str = "DELETE FROM product_image_alts WHERE product_id = $1 AND lang = $2";
const INSERT_ALT: &str = "INSERT INTO product_image_alts (product_id, position, lang, alt) VALUES ($1, $2, $3, $4)";

pub(crate) const STATEMENTS: &[(&str, &str)] = &[
    ("catalog_import.base_currency", BASE_CURRENCY),
    ("catalog_import.colours", COLOURS),
    ("catalog_import.colour_names", COLOUR_NAMES),
    ("catalog_import.products", PRODUCTS),
    ("catalog_import.base_prices", BASE_PRICES),
    ("catalog_import.variants", VARIANTS),
    ("catalog_import.images", IMAGES),
    ("catalog_import.alts", ALTS),
    ("catalog_import.media_by_hash", MEDIA_BY_HASH),
    ("catalog_import.product_id", PRODUCT_ID),
    ("catalog_import.next_position", NEXT_POSITION),
    ("catalog_import.insert_product", INSERT_PRODUCT),
    ("catalog_import.update_product", UPDATE_PRODUCT),
    ("catalog_import.upsert_text", UPSERT_TEXT),
    ("catalog_import.upsert_price", UPSERT_PRICE),
    ("catalog_import.upsert_variant", UPSERT_VARIANT),
    ("catalog_import.insert_colour", INSERT_COLOUR),
    ("catalog_import.insert_colour_name", INSERT_COLOUR_NAME),
    ("catalog_import.insert_media", INSERT_MEDIA),
    ("catalog_import.delete_images", DELETE_IMAGES),
    ("catalog_import.insert_image", INSERT_IMAGE),
    ("catalog_import.delete_alts", DELETE_ALTS),
    ("catalog_import.insert_alt", INSERT_ALT),
];

/// A product as an import compares it and an export writes it, in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredProduct {
    pub slug: String,
    pub name: String,
    /// Paragraphs separated by a blank line.
    pub description: String,
    pub seo_title: String,
    pub seo_description: String,
    pub status: Status,
    /// In the base currency, if the product has one.
    pub price_minor: Option<i64>,
    pub variants: Vec<StoredVariant>,
    pub images: Vec<StoredImage>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredVariant {
    pub sku: String,
    pub colour_code: Option<String>,
    pub size: Option<String>,
    pub material: Option<String>,
    pub stock: i64,
    pub weight_grams: i64,
    pub barcode: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredImage {
    /// A media id (see [`media_src`]) or a compiled-in demo path.
    pub src: String,
    pub alt: String,
}

/// A colour and its names by language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredColour {
    pub code: String,
    pub names: Vec<(String, String)>,
}

/// A product to create or update. Its variants are upserted by SKU (variants the file does not
/// list stay: orders name them); its images, when given, replace the product's.
#[derive(Debug, Clone)]
pub struct ImportedProduct {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub seo_title: String,
    pub seo_description: String,
    pub status: Status,
    pub price: Money,
    pub variants: Vec<StoredVariant>,
    /// `None`: leave the product's images as they are.
    pub images: Option<Vec<ImportedImage>>,
}

/// An image already accepted by `core::media::accept_image` (metadata stripped).
#[derive(Debug, Clone)]
pub struct ImportedImage {
    pub image: CleanImage,
    pub alt: String,
}

/// Everything an import writes, in one transaction.
#[derive(Debug, Clone, Default)]
pub struct ImportWrite {
    /// The language of the names, descriptions and alt texts.
    pub lang: String,
    /// (code, hex, name in `lang`)
    pub new_colours: Vec<(String, String, String)>,
    pub products: Vec<ImportedProduct>,
}

#[derive(FromRow)]
struct ProductRow {
    id: Uuid,
    slug: String,
    availability: String,
    published_at: Option<i64>,
    name: Option<String>,
    description: Option<String>,
    seo_title: Option<String>,
    seo_description: Option<String>,
}

#[derive(FromRow)]
struct VariantRow {
    product_id: Uuid,
    sku: String,
    colour_code: Option<String>,
    size: Option<String>,
    material: Option<String>,
    stock: i64,
    weight_grams: i64,
    barcode: String,
}

pub struct CatalogImport;

impl CatalogImport {
    /// The shop's base currency, `None` before the shop is set up.
    pub async fn base_currency(db: &Db) -> Result<Option<Currency>, DbError> {
        let code: Option<String> =
            on_db!(db, pool => sqlx::query_scalar(BASE_CURRENCY).bind(true).fetch_optional(pool).await)?;
        code.map(|c| Currency::from_code(&c).map_err(|e| DbError::Invalid(format!("stored base currency: {e}"))))
            .transpose()
    }

    pub async fn colours(db: &Db) -> Result<Vec<StoredColour>, DbError> {
        let (codes, names) = on_db!(db, pool => {
            let codes: Vec<String> = sqlx::query_scalar(COLOURS).fetch_all(pool).await?;
            let names: Vec<(String, String, String)> = sqlx::query_as(COLOUR_NAMES).fetch_all(pool).await?;
            Ok::<_, sqlx::Error>((codes, names))
        })?;
        let mut colours: Vec<StoredColour> =
            codes.into_iter().map(|code| StoredColour { code, names: Vec::new() }).collect();
        for (code, lang, name) in names {
            if let Some(c) = colours.iter_mut().find(|c| c.code == code) {
                c.names.push((lang, name));
            }
        }
        Ok(colours)
    }

    /// Every product with its texts in `lang` (empty when it has none there), in list order.
    pub async fn products(db: &Db, lang: &str) -> Result<Vec<StoredProduct>, DbError> {
        let (rows, prices, variants, images, alts) = on_db!(db, pool => {
            let rows: Vec<ProductRow> = sqlx::query_as(PRODUCTS).bind(lang).fetch_all(pool).await?;
            let prices: Vec<(Uuid, i64)> = sqlx::query_as(BASE_PRICES).bind(true).fetch_all(pool).await?;
            let variants: Vec<VariantRow> = sqlx::query_as(VARIANTS).fetch_all(pool).await?;
            let images: Vec<(Uuid, i32, String)> = sqlx::query_as(IMAGES).fetch_all(pool).await?;
            let alts: Vec<(Uuid, i32, String)> = sqlx::query_as(ALTS).bind(lang).fetch_all(pool).await?;
            Ok::<_, sqlx::Error>((rows, prices, variants, images, alts))
        })?;
        let prices: HashMap<Uuid, i64> = prices.into_iter().collect();
        let alts: HashMap<(Uuid, i32), String> = alts.into_iter().map(|(p, i, a)| ((p, i), a)).collect();
        let mut index = HashMap::with_capacity(rows.len());
        let mut products = Vec::with_capacity(rows.len());
        for row in rows {
            let status = match (Availability::parse(&row.availability), row.published_at) {
                (Some(Availability::Retired), _) => Status::Archived,
                (Some(Availability::Active), None) => Status::Draft,
                (Some(Availability::Active), Some(_)) => Status::Active,
                (None, _) => return Err(DbError::Invalid(format!("stored availability {:?}", row.availability))),
            };
            index.insert(row.id, products.len());
            products.push(StoredProduct {
                slug: row.slug,
                name: row.name.unwrap_or_default(),
                description: row.description.unwrap_or_default(),
                seo_title: row.seo_title.unwrap_or_default(),
                seo_description: row.seo_description.unwrap_or_default(),
                status,
                price_minor: prices.get(&row.id).copied(),
                variants: Vec::new(),
                images: Vec::new(),
            });
        }
        for v in variants {
            if let Some(p) = index.get(&v.product_id).and_then(|&i| products.get_mut(i)) {
                p.variants.push(StoredVariant {
                    sku: v.sku,
                    colour_code: v.colour_code,
                    size: v.size,
                    material: v.material,
                    stock: v.stock,
                    weight_grams: v.weight_grams,
                    barcode: v.barcode,
                });
            }
        }
        for (product, position, src) in images {
            if let Some(p) = index.get(&product).and_then(|&i| products.get_mut(i)) {
                let alt = alts.get(&(product, position)).cloned().unwrap_or_default();
                p.images.push(StoredImage { src, alt });
            }
        }
        Ok(products)
    }

    /// The `src` of stored media with these bytes (by their SHA-256), if stored already.
    pub async fn media_src_by_hash(db: &Db, sha256: &str) -> Result<Option<String>, DbError> {
        let id: Option<Uuid> =
            on_db!(db, pool => sqlx::query_scalar(MEDIA_BY_HASH).bind(sha256).fetch_optional(pool).await)?;
        Ok(id.map(media_src))
    }

    /// Writes an import in one transaction; the catalog's version moves only when it writes a
    /// product. Nothing is written when any statement fails.
    pub async fn write(db: &Db, import: &ImportWrite, base: Currency, now: Timestamp) -> Result<(), DbError> {
        if import.products.is_empty() && import.new_colours.is_empty() {
            return Ok(());
        }
        let at = now.as_micros();
        let lang = import.lang.as_str();
        on_db!(db, pool => {
            let mut tx = pool.begin().await?;
            for (code, hex, name) in &import.new_colours {
                sqlx::query(INSERT_COLOUR).bind(code).bind(hex).execute(&mut *tx).await?;
                sqlx::query(INSERT_COLOUR_NAME).bind(code).bind(lang).bind(name).execute(&mut *tx).await?;
            }
            let next: i64 = sqlx::query_scalar(NEXT_POSITION).fetch_one(&mut *tx).await?;
            let mut position = i32::try_from(next).map_err(|_| DbError::Invalid("too many products".into()))?;
            for p in &import.products {
                let availability =
                    if p.status == Status::Archived { Availability::Retired } else { Availability::Active };
                let published = p.status != Status::Draft;
                let existing: Option<Uuid> = sqlx::query_scalar(PRODUCT_ID).bind(&p.slug).fetch_optional(&mut *tx).await?;
                let id = match existing {
                    Some(id) => {
                        sqlx::query(UPDATE_PRODUCT)
                            .bind(id)
                            .bind(availability.as_str())
                            .bind(published)
                            .bind(at)
                            .execute(&mut *tx)
                            .await?;
                        id
                    }
                    None => {
                        let id = new_id(now);
                        sqlx::query(INSERT_PRODUCT)
                            .bind(id)
                            .bind(&p.slug)
                            .bind(availability.as_str())
                            .bind(false)
                            .bind(position)
                            .bind(at)
                            .bind(published.then_some(at))
                            .execute(&mut *tx)
                            .await?;
                        position += 1;
                        id
                    }
                };
                sqlx::query(UPSERT_TEXT)
                    .bind(id)
                    .bind(lang)
                    .bind(&p.name)
                    .bind(&p.description)
                    .bind(&p.seo_title)
                    .bind(&p.seo_description)
                    .execute(&mut *tx)
                    .await?;
                if p.price.currency() != base {
                    return Err(DbError::Invalid(format!("product {} is not priced in the base currency", p.slug)));
                }
                sqlx::query(UPSERT_PRICE).bind(id).bind(base.code()).bind(p.price.minor()).execute(&mut *tx).await?;
                for (i, v) in p.variants.iter().enumerate() {
                    let i = i32::try_from(i).map_err(|_| DbError::Invalid("too many variants".into()))?;
                    sqlx::query(UPSERT_VARIANT)
                        .bind(new_id(now))
                        .bind(id)
                        .bind(&v.sku)
                        .bind(&v.colour_code)
                        .bind(&v.size)
                        .bind(v.stock)
                        .bind(Availability::Active.as_str())
                        .bind(i)
                        .bind(&v.material)
                        .bind(&v.barcode)
                        .bind(v.weight_grams)
                        .execute(&mut *tx)
                        .await?;
                }
                if let Some(images) = &p.images {
                    sqlx::query(DELETE_IMAGES).bind(id).execute(&mut *tx).await?;
                    sqlx::query(DELETE_ALTS).bind(id).bind(lang).execute(&mut *tx).await?;
                    for (i, image) in images.iter().enumerate() {
                        let i = i32::try_from(i).map_err(|_| DbError::Invalid("too many images".into()))?;
                        let clean = &image.image;
                        let size = i64::try_from(clean.bytes.len()).map_err(|_| DbError::Invalid("image too large".into()))?;
                        sqlx::query(INSERT_MEDIA)
                            .bind(new_id(now))
                            .bind(clean.kind.content_type())
                            .bind(clean.bytes.as_slice())
                            .bind(size)
                            .bind(&clean.sha256)
                            .bind(at)
                            .execute(&mut *tx)
                            .await?;
                        let media: Uuid = sqlx::query_scalar(MEDIA_BY_HASH).bind(&clean.sha256).fetch_one(&mut *tx).await?;
                        sqlx::query(INSERT_IMAGE).bind(id).bind(i).bind(media_src(media)).execute(&mut *tx).await?;
                        if !image.alt.is_empty() {
                            sqlx::query(INSERT_ALT).bind(id).bind(i).bind(lang).bind(&image.alt).execute(&mut *tx).await?;
                        }
                    }
                }
            }
            if !import.products.is_empty() {
                sqlx::query(BUMP_VERSION).bind(at).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, DbError>(())
        })
    }
}
