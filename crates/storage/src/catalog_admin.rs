//! Catalog editing by staff: a product's texts, listing and prices, a variant's stock and
//! availability, and its images (uploaded ones stored in `media`). Every write is one
//! transaction that also moves the catalog's version, so the storefront's cache reloads.

use luxevault_core::catalog::Availability;
use luxevault_core::catalog::snapshot::ProductText;
use luxevault_core::ids::new_id;
use luxevault_core::media::{CleanImage, ImageKind};
use luxevault_core::{Currency, Lang, Money, Timestamp};
use uuid::Uuid;

use crate::catalog::{
    BUMP_VERSION, INSERT_COLLECTION, INSERT_COLLECTION_TEXT, INSERT_PRICE, INSERT_PRODUCT, INSERT_PRODUCT_COLLECTION,
    INSERT_PRODUCT_IMAGE, INSERT_PRODUCT_IMAGE_ALT, INSERT_PRODUCT_TEXT, INSERT_VARIANT,
};
use crate::{Db, DbError, NewProduct, NewVariant, on_db};

const PRODUCT_ID: &str = "SELECT id FROM products WHERE slug = $1";
const PRODUCT_POSITION: &str = "SELECT position FROM products WHERE slug = $1";
const UPSERT_TEXT: &str = "INSERT INTO product_texts (product_id, lang, name, subtitle, description, details, \
     seo_title, seo_description) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (product_id, lang) DO UPDATE \
     SET name = excluded.name, subtitle = excluded.subtitle, description = excluded.description, \
     details = excluded.details, seo_title = excluded.seo_title, seo_description = excluded.seo_description";
const TOUCH_PRODUCT: &str = "UPDATE products SET updated_at = $2 WHERE id = $1";
const SET_LISTING: &str =
    "UPDATE products SET availability = $2, featured = $3, position = $4, updated_at = $5 WHERE slug = $1";
const SET_VARIANT: &str = "UPDATE variants SET stock = $2, availability = $3 WHERE sku = $1";
const CURRENCY_IS_BASE: &str = "SELECT is_base FROM currencies WHERE code = $1";
const UPSERT_PRICE: &str = "INSERT INTO product_prices (product_id, currency, amount_minor) VALUES ($1, $2, $3) \
     ON CONFLICT (product_id, currency) DO UPDATE SET amount_minor = excluded.amount_minor";
const DELETE_PRICE: &str = "DELETE FROM product_prices WHERE product_id = $1 AND currency = $2";
const INSERT_MEDIA: &str = "INSERT INTO media (id, content_type, bytes, byte_size, sha256, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (sha256) DO NOTHING";
const MEDIA_BY_HASH: &str = "SELECT id FROM media WHERE sha256 = $1";
const MEDIA: &str = "SELECT content_type, bytes FROM media WHERE id = $1";
const MEDIA_EXISTS: &str = "SELECT COUNT(*) FROM media WHERE id = $1";
const IMAGES_OF: &str = "SELECT src FROM product_images WHERE product_id = $1 ORDER BY position";
const DELETE_IMAGES_OF: &str = "DELETE FROM product_images WHERE product_id = $1";
const INSERT_IMAGE: &str = "INSERT INTO product_images (product_id, position, src) VALUES ($1, $2, $3)";
const SKU_TAKEN: &str = "SELECT COUNT(*) FROM variants WHERE sku = $1";
const NEXT_PRODUCT_POSITION: &str = "SELECT COALESCE(MAX(position), -1) + 1 FROM products";
const NEXT_VARIANT_POSITION: &str = "SELECT COALESCE(MAX(position), -1) + 1 FROM variants WHERE product_id = $1";
const COLLECTION_ID: &str = "SELECT id FROM collections WHERE slug = $1";
const SET_VARIANT_DETAILS: &str = "UPDATE variants SET colour_code = $2, size = $3, material = $4, barcode = $5, \
     weight_grams = $6, hs_code = $7, origin_country = $8 WHERE sku = $1";
const SET_PUBLICATION: &str = "UPDATE products SET published_at = $2, updated_at = $3 WHERE slug = $1";
const SET_TAX_CLASS: &str = "UPDATE products SET tax_class = $2, updated_at = $3 WHERE slug = $1";
const UPSERT_IMAGE_ALT: &str = "INSERT INTO product_image_alts (product_id, position, lang, alt) VALUES ($1, $2, $3, $4) \
     ON CONFLICT (product_id, position, lang) DO UPDATE SET alt = excluded.alt";
const DELETE_IMAGE_ALT: &str = "DELETE FROM product_image_alts WHERE product_id = $1 AND position = $2 AND lang = $3";
const ALTS_OF: &str = "SELECT i.src, a.lang, a.alt FROM product_image_alts a JOIN product_images i \
     ON i.product_id = a.product_id AND i.position = a.position WHERE a.product_id = $1";
const DELETE_ALTS_OF: &str = "DELETE FROM product_image_alts WHERE product_id = $1";
const NEXT_COLLECTION_POSITION: &str = "SELECT COALESCE(MAX(position), -1) + 1 FROM collections";
const COLLECTIONS_IN_ORDER: &str = "SELECT slug FROM collections ORDER BY position, slug";
const SET_COLLECTION_POSITION: &str = "UPDATE collections SET position = $2 WHERE slug = $1";
const SET_COLLECTION_FEATURE: &str = "UPDATE collections SET featured_product_id = $2 WHERE id = $1";
const UNFEATURE: &str = "UPDATE collections SET featured_product_id = NULL WHERE id = $1 AND featured_product_id = $2";
const NEXT_LINK_POSITION: &str =
    "SELECT COALESCE(MAX(position), -1) + 1 FROM product_collections WHERE product_id = $1";
const IS_FILED: &str = "SELECT COUNT(*) FROM product_collections WHERE product_id = $1 AND collection_id = $2";
const UNFILE: &str = "DELETE FROM product_collections WHERE product_id = $1 AND collection_id = $2";

pub(crate) const STATEMENTS: &[(&str, &str)] = &[
    ("catalog_admin.product_id", PRODUCT_ID),
    ("catalog_admin.product_position", PRODUCT_POSITION),
    ("catalog_admin.upsert_text", UPSERT_TEXT),
    ("catalog_admin.touch_product", TOUCH_PRODUCT),
    ("catalog_admin.set_listing", SET_LISTING),
    ("catalog_admin.set_variant", SET_VARIANT),
    ("catalog_admin.currency_is_base", CURRENCY_IS_BASE),
    ("catalog_admin.upsert_price", UPSERT_PRICE),
    ("catalog_admin.delete_price", DELETE_PRICE),
    ("catalog_admin.insert_media", INSERT_MEDIA),
    ("catalog_admin.media_by_hash", MEDIA_BY_HASH),
    ("catalog_admin.media", MEDIA),
    ("catalog_admin.media_exists", MEDIA_EXISTS),
    ("catalog_admin.images_of", IMAGES_OF),
    ("catalog_admin.delete_images_of", DELETE_IMAGES_OF),
    ("catalog_admin.insert_image", INSERT_IMAGE),
    ("catalog_admin.sku_taken", SKU_TAKEN),
    ("catalog_admin.next_product_position", NEXT_PRODUCT_POSITION),
    ("catalog_admin.next_variant_position", NEXT_VARIANT_POSITION),
    ("catalog_admin.collection_id", COLLECTION_ID),
    ("catalog_admin.set_variant_details", SET_VARIANT_DETAILS),
    ("catalog_admin.set_publication", SET_PUBLICATION),
    ("catalog_admin.set_tax_class", SET_TAX_CLASS),
    ("catalog_admin.upsert_image_alt", UPSERT_IMAGE_ALT),
    ("catalog_admin.delete_image_alt", DELETE_IMAGE_ALT),
    ("catalog_admin.alts_of", ALTS_OF),
    ("catalog_admin.delete_alts_of", DELETE_ALTS_OF),
    ("catalog_admin.next_collection_position", NEXT_COLLECTION_POSITION),
    ("catalog_admin.collections_in_order", COLLECTIONS_IN_ORDER),
    ("catalog_admin.set_collection_position", SET_COLLECTION_POSITION),
    ("catalog_admin.set_collection_feature", SET_COLLECTION_FEATURE),
    ("catalog_admin.unfeature", UNFEATURE),
    ("catalog_admin.next_link_position", NEXT_LINK_POSITION),
    ("catalog_admin.is_filed", IS_FILED),
    ("catalog_admin.unfile", UNFILE),
];

/// Longest accepted texts, in characters.
pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_SUBTITLE_CHARS: usize = 300;
pub const MAX_DESCRIPTION_CHARS: usize = 20_000;
pub const MAX_DETAILS_CHARS: usize = 5_000;
/// Most images one product may show.
pub const MAX_IMAGES: usize = 24;

/// Why an edit was refused. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum CatalogEditError {
    #[error("there is no product with this slug")]
    UnknownProduct,
    #[error("there is no variant with this SKU")]
    UnknownVariant,
    #[error("the currency {0} is not offered by the shop")]
    UnknownCurrency(String),
    #[error("the price in the base currency {0} can be changed but not removed")]
    BasePriceRequired(String),
    #[error("there is no stored image with this id")]
    UnknownMedia,
    #[error("the product does not show this image")]
    UnknownImage,
    #[error("the new order must list each of the product's images exactly once")]
    NotAPermutation,
    #[error("a product shows at most {MAX_IMAGES} images")]
    TooManyImages,
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for CatalogEditError {
    fn from(e: sqlx::Error) -> Self {
        Self::Db(DbError::Sqlx(e))
    }
}

/// A stored image, as served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMedia {
    pub kind: ImageKind,
    pub bytes: Vec<u8>,
}

/// The `src` a product image stored in `media` has in `product_images` (and so in the catalog
/// snapshot): the id, which the storefront turns into `/media/<id>`.
pub fn media_src(id: Uuid) -> String {
    id.hyphenated().to_string()
}

fn clean_lines(items: &[String]) -> Vec<&str> {
    items.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).collect()
}

/// Whether a product text would be accepted by [`CatalogAdmin::set_product_text`] (checked
/// there too), so a caller can refuse it before recording anything.
pub fn check_text(text: &ProductText) -> Result<(), CatalogEditError> {
    let too_long =
        |what: &str, max: usize| Err(CatalogEditError::Invalid(format!("the {what} is longer than {max} characters")));
    if text.name.trim().is_empty() {
        return Err(CatalogEditError::Invalid("the name is empty".into()));
    }
    if text.name.chars().count() > MAX_NAME_CHARS || text.name.contains('\n') {
        return too_long("name (one line)", MAX_NAME_CHARS);
    }
    if text.subtitle.chars().count() > MAX_SUBTITLE_CHARS || text.subtitle.contains('\n') {
        return too_long("subtitle (one line)", MAX_SUBTITLE_CHARS);
    }
    if text.description.iter().map(|p| p.chars().count() + 2).sum::<usize>() > MAX_DESCRIPTION_CHARS {
        return too_long("description", MAX_DESCRIPTION_CHARS);
    }
    if text.details.iter().map(|d| d.chars().count() + 1).sum::<usize>() > MAX_DETAILS_CHARS {
        return too_long("list of details", MAX_DETAILS_CHARS);
    }
    if text.details.iter().any(|d| d.contains('\n')) {
        return Err(CatalogEditError::Invalid("a detail is one line".into()));
    }
    Ok(())
}

/// Catalog writes for the back office.
pub struct CatalogAdmin;

impl CatalogAdmin {
    /// Writes (or replaces) a product's texts in one language. Paragraphs and details are
    /// trimmed; empty ones are dropped.
    pub async fn set_product_text(
        db: &Db,
        slug: &str,
        lang: &Lang,
        text: &ProductText,
        now: Timestamp,
    ) -> Result<(), CatalogEditError> {
        check_text(text)?;
        let description = clean_lines(&text.description).join("\n\n");
        let details = clean_lines(&text.details).join("\n");
        on_db!(db, pool => {
            let mut tx = pool.begin().await?;
            let id: Option<Uuid> = sqlx::query_scalar(PRODUCT_ID).bind(slug).fetch_optional(&mut *tx).await?;
            let id = id.ok_or(CatalogEditError::UnknownProduct)?;
            sqlx::query(UPSERT_TEXT)
                .bind(id)
                .bind(lang.as_str())
                .bind(text.name.trim())
                .bind(text.subtitle.trim())
                .bind(&description)
                .bind(&details)
                .bind(text.seo_title.trim())
                .bind(text.seo_description.trim())
                .execute(&mut *tx)
                .await?;
            sqlx::query(TOUCH_PRODUCT).bind(id).bind(now.as_micros()).execute(&mut *tx).await?;
            sqlx::query(BUMP_VERSION).bind(now.as_micros()).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Sets whether a product is on sale, featured on the home page, and its place in lists
    /// (ascending; ties by slug).
    pub async fn set_product_listing(
        db: &Db,
        slug: &str,
        availability: Availability,
        featured: bool,
        position: i32,
        now: Timestamp,
    ) -> Result<(), CatalogEditError> {
        on_db!(db, pool => {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(SET_LISTING)
                .bind(slug)
                .bind(availability.as_str())
                .bind(featured)
                .bind(position)
                .bind(now.as_micros())
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(CatalogEditError::UnknownProduct);
            }
            sqlx::query(BUMP_VERSION).bind(now.as_micros()).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Sets a variant's stock and whether it is on sale.
    pub async fn set_variant(
        db: &Db,
        sku: &str,
        stock: i64,
        availability: Availability,
        now: Timestamp,
    ) -> Result<(), CatalogEditError> {
        if stock < 0 {
            return Err(CatalogEditError::Invalid("stock cannot be negative".into()));
        }
        on_db!(db, pool => {
            let mut tx = pool.begin().await?;
            let done =
                sqlx::query(SET_VARIANT).bind(sku).bind(stock).bind(availability.as_str()).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Err(CatalogEditError::UnknownVariant);
            }
            sqlx::query(BUMP_VERSION).bind(now.as_micros()).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Sets a product's own price in a currency the shop offers (instead of the converted one).
    pub async fn set_price(db: &Db, slug: &str, price: Money, now: Timestamp) -> Result<(), CatalogEditError> {
        if price.minor() < 0 {
            return Err(CatalogEditError::Invalid("a price cannot be negative".into()));
        }
        let code = price.currency().code().to_string();
        on_db!(db, pool => {
            let mut tx = pool.begin().await?;
            let id: Option<Uuid> = sqlx::query_scalar(PRODUCT_ID).bind(slug).fetch_optional(&mut *tx).await?;
            let id = id.ok_or(CatalogEditError::UnknownProduct)?;
            let offered: Option<bool> =
                sqlx::query_scalar(CURRENCY_IS_BASE).bind(&code).fetch_optional(&mut *tx).await?;
            if offered.is_none() {
                return Err(CatalogEditError::UnknownCurrency(code));
            }
            sqlx::query(UPSERT_PRICE).bind(id).bind(&code).bind(price.minor()).execute(&mut *tx).await?;
            sqlx::query(TOUCH_PRODUCT).bind(id).bind(now.as_micros()).execute(&mut *tx).await?;
            sqlx::query(BUMP_VERSION).bind(now.as_micros()).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Removes a product's own price in a currency, so the storefront converts from the base
    /// price again. The base price itself cannot be removed. Returns whether there was one.
    pub async fn remove_price(
        db: &Db,
        slug: &str,
        currency: Currency,
        now: Timestamp,
    ) -> Result<bool, CatalogEditError> {
        let code = currency.code().to_string();
        on_db!(db, pool => {
            let mut tx = pool.begin().await?;
            let id: Option<Uuid> = sqlx::query_scalar(PRODUCT_ID).bind(slug).fetch_optional(&mut *tx).await?;
            let id = id.ok_or(CatalogEditError::UnknownProduct)?;
            match sqlx::query_scalar::<_, bool>(CURRENCY_IS_BASE).bind(&code).fetch_optional(&mut *tx).await? {
                None => return Err(CatalogEditError::UnknownCurrency(code)),
                Some(true) => return Err(CatalogEditError::BasePriceRequired(code)),
                Some(false) => {}
            }
            let removed = sqlx::query(DELETE_PRICE).bind(id).bind(&code).execute(&mut *tx).await?.rows_affected() > 0;
            if removed {
                sqlx::query(TOUCH_PRODUCT).bind(id).bind(now.as_micros()).execute(&mut *tx).await?;
                sqlx::query(BUMP_VERSION).bind(now.as_micros()).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(removed)
        })
    }

    /// Stores an image already accepted by `core::media::accept_image` (so stripped of its
    /// metadata) and returns its id. The same bytes stored twice keep their first id.
    pub async fn store_media(db: &Db, image: &CleanImage, now: Timestamp) -> Result<Uuid, CatalogEditError> {
        let id = new_id(now);
        let size = i64::try_from(image.bytes.len()).map_err(|_| CatalogEditError::Invalid("image too large".into()))?;
        on_db!(db, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(INSERT_MEDIA)
                .bind(id)
                .bind(image.kind.content_type())
                .bind(image.bytes.as_slice())
                .bind(size)
                .bind(&image.sha256)
                .bind(now.as_micros())
                .execute(&mut *tx)
                .await?;
            let stored: Uuid = sqlx::query_scalar(MEDIA_BY_HASH).bind(&image.sha256).fetch_one(&mut *tx).await?;
            tx.commit().await?;
            Ok(stored)
        })
    }

    /// A product's place in lists (the snapshot keeps only the order), if the product exists.
    pub async fn position(db: &Db, slug: &str) -> Result<Option<i32>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_scalar(PRODUCT_POSITION).bind(slug).fetch_optional(pool).await)?)
    }

    /// A stored image by id.
    pub async fn media(db: &Db, id: Uuid) -> Result<Option<StoredMedia>, DbError> {
        let row: Option<(String, Vec<u8>)> =
            on_db!(db, pool => sqlx::query_as(MEDIA).bind(id).fetch_optional(pool).await)?;
        match row {
            None => Ok(None),
            Some((content_type, bytes)) => {
                let kind = ImageKind::from_content_type(&content_type)
                    .ok_or_else(|| DbError::Invalid(format!("stored media type {content_type:?}")))?;
                Ok(Some(StoredMedia { kind, bytes }))
            }
        }
    }

    /// A product's image sources, in order.
    pub async fn images(db: &Db, slug: &str) -> Result<Vec<String>, CatalogEditError> {
        on_db!(db, pool => {
            let id: Option<Uuid> = sqlx::query_scalar(PRODUCT_ID).bind(slug).fetch_optional(pool).await?;
            let id = id.ok_or(CatalogEditError::UnknownProduct)?;
            let srcs: Vec<String> = sqlx::query_scalar(IMAGES_OF).bind(id).fetch_all(pool).await?;
            Ok(srcs)
        })
    }

    /// Shows a stored image on a product, last. Returns its `src`.
    pub async fn attach_image(db: &Db, slug: &str, media: Uuid, now: Timestamp) -> Result<String, CatalogEditError> {
        let src = media_src(media);
        let wanted = src.clone();
        Self::edit_images(
            db,
            slug,
            now,
            move |images| {
                if images.contains(&wanted) {
                    return Ok(());
                }
                if images.len() >= MAX_IMAGES {
                    return Err(CatalogEditError::TooManyImages);
                }
                images.push(wanted);
                Ok(())
            },
            Some(media),
        )
        .await?;
        Ok(src)
    }

    /// Stops showing an image (by its `src`) on a product. The stored bytes stay: URLs of
    /// stored images are immutable and may be cached.
    pub async fn detach_image(db: &Db, slug: &str, src: &str, now: Timestamp) -> Result<(), CatalogEditError> {
        let src = src.to_string();
        Self::edit_images(
            db,
            slug,
            now,
            move |images| {
                let before = images.len();
                images.retain(|s| *s != src);
                if images.len() == before { Err(CatalogEditError::UnknownImage) } else { Ok(()) }
            },
            None,
        )
        .await
    }

    /// Puts a product's images in a new order: `order` lists each current `src` exactly once.
    pub async fn reorder_images(db: &Db, slug: &str, order: &[String], now: Timestamp) -> Result<(), CatalogEditError> {
        let order = order.to_vec();
        Self::edit_images(
            db,
            slug,
            now,
            move |images| {
                let mut a = images.clone();
                let mut b = order.clone();
                a.sort();
                b.sort();
                if a != b {
                    return Err(CatalogEditError::NotAPermutation);
                }
                *images = order;
                Ok(())
            },
            None,
        )
        .await
    }

    /// Reads a product's images, applies `change`, writes them back densely numbered, in one
    /// transaction with the version bump.
    async fn edit_images(
        db: &Db,
        slug: &str,
        now: Timestamp,
        change: impl FnOnce(&mut Vec<String>) -> Result<(), CatalogEditError>,
        must_exist: Option<Uuid>,
    ) -> Result<(), CatalogEditError> {
        on_db!(db, pool => {
            let mut tx = pool.begin().await?;
            let id: Option<Uuid> = sqlx::query_scalar(PRODUCT_ID).bind(slug).fetch_optional(&mut *tx).await?;
            let id = id.ok_or(CatalogEditError::UnknownProduct)?;
            if let Some(media) = must_exist {
                let n: i64 = sqlx::query_scalar(MEDIA_EXISTS).bind(media).fetch_one(&mut *tx).await?;
                if n == 0 {
                    return Err(CatalogEditError::UnknownMedia);
                }
            }
            let mut images: Vec<String> = sqlx::query_scalar(IMAGES_OF).bind(id).fetch_all(&mut *tx).await?;
            let before = images.clone();
            change(&mut images)?;
            if images != before {
                // Alt texts are keyed by position: they move with their image.
                let alts: Vec<(String, String, String)> = sqlx::query_as(ALTS_OF).bind(id).fetch_all(&mut *tx).await?;
                sqlx::query(DELETE_ALTS_OF).bind(id).execute(&mut *tx).await?;
                sqlx::query(DELETE_IMAGES_OF).bind(id).execute(&mut *tx).await?;
                for (position, src) in images.iter().enumerate() {
                    let position = i32::try_from(position).map_err(|_| CatalogEditError::TooManyImages)?;
                    sqlx::query(INSERT_IMAGE).bind(id).bind(position).bind(src).execute(&mut *tx).await?;
                    for (_, lang, alt) in alts.iter().filter(|(s, _, _)| s == src) {
                        sqlx::query(UPSERT_IMAGE_ALT).bind(id).bind(position).bind(lang).bind(alt).execute(&mut *tx).await?;
                    }
                }
                sqlx::query(TOUCH_PRODUCT).bind(id).bind(now.as_micros()).execute(&mut *tx).await?;
                sqlx::query(BUMP_VERSION).bind(now.as_micros()).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }
}

/// A variant's descriptive facts, as staff edit them (stock and availability have their own form).
#[derive(Debug, Clone, Default)]
pub struct VariantDetails {
    pub colour: Option<String>,
    pub size: Option<String>,
    pub material: Option<String>,
    pub barcode: String,
    pub weight_grams: i64,
    pub hs_code: String,
    pub origin_country: String,
}

fn position_of(n: usize) -> Result<i32, CatalogEditError> {
    i32::try_from(n).map_err(|_| CatalogEditError::Invalid("the list is too long".into()))
}

/// Catalog writes of a real boutique: creating products and collections, publication, variant
/// details, alt texts. Each is one transaction that moves the catalog's version.
impl CatalogAdmin {
    /// Writes a new product with its texts, prices, variants, images and collections. The handle
    /// and every SKU must be free; collections are named by slug. Returns the product's id.
    pub async fn create_product(db: &Db, p: &NewProduct, now: Timestamp) -> Result<Uuid, CatalogEditError> {
        let at = now.as_micros();
        let product_id = new_id(now);
        on_db!(db, pool => {
            let mut tx = pool.begin().await?;
            let taken: Option<Uuid> = sqlx::query_scalar(PRODUCT_ID).bind(&p.slug).fetch_optional(&mut *tx).await?;
            if taken.is_some() {
                return Err(CatalogEditError::Invalid(format!("a product already has the handle {}", p.slug)));
            }
            let position: i32 = sqlx::query_scalar(NEXT_PRODUCT_POSITION).fetch_one(&mut *tx).await?;
            sqlx::query(INSERT_PRODUCT)
                .bind(product_id)
                .bind(&p.slug)
                .bind(Availability::Active.as_str())
                .bind(p.featured)
                .bind(position)
                .bind(at)
                .bind(&p.tax_class)
                .bind(p.published_at.map(Timestamp::as_micros))
                .execute(&mut *tx)
                .await?;
            for (lang, text) in &p.texts {
                sqlx::query(INSERT_PRODUCT_TEXT)
                    .bind(product_id)
                    .bind(lang)
                    .bind(text.name.trim())
                    .bind(text.subtitle.trim())
                    .bind(clean_lines(&text.description).join("\n\n"))
                    .bind(clean_lines(&text.details).join("\n"))
                    .bind(text.seo_title.trim())
                    .bind(text.seo_description.trim())
                    .execute(&mut *tx)
                    .await?;
            }
            for (i, slug) in p.collections.iter().enumerate() {
                let collection: Option<Uuid> =
                    sqlx::query_scalar(COLLECTION_ID).bind(slug).fetch_optional(&mut *tx).await?;
                let collection = collection
                    .ok_or_else(|| CatalogEditError::Invalid(format!("there is no collection with the handle {slug}")))?;
                sqlx::query(INSERT_PRODUCT_COLLECTION)
                    .bind(product_id)
                    .bind(collection)
                    .bind(position_of(i)?)
                    .execute(&mut *tx)
                    .await?;
            }
            for (i, src) in p.images.iter().enumerate() {
                sqlx::query(INSERT_PRODUCT_IMAGE).bind(product_id).bind(position_of(i)?).bind(src).execute(&mut *tx).await?;
                for (lang, alt) in p.image_alts.get(i).into_iter().flatten() {
                    sqlx::query(INSERT_PRODUCT_IMAGE_ALT)
                        .bind(product_id)
                        .bind(position_of(i)?)
                        .bind(lang)
                        .bind(alt)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            for (i, v) in p.variants.iter().enumerate() {
                let taken: i64 = sqlx::query_scalar(SKU_TAKEN).bind(&v.sku).fetch_one(&mut *tx).await?;
                if taken > 0 {
                    return Err(CatalogEditError::Invalid(format!("the SKU {} is already taken", v.sku)));
                }
                sqlx::query(INSERT_VARIANT)
                    .bind(new_id(now))
                    .bind(product_id)
                    .bind(&v.sku)
                    .bind(&v.colour)
                    .bind(&v.size)
                    .bind(v.stock)
                    .bind(Availability::Active.as_str())
                    .bind(position_of(i)?)
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
                    .bind(product_id)
                    .bind(price.currency().code())
                    .bind(price.minor())
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(BUMP_VERSION).bind(at).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(product_id)
        })
    }

    /// Adds a variant to a product, last. The SKU must be free.
    pub async fn add_variant(db: &Db, slug: &str, v: &NewVariant, now: Timestamp) -> Result<(), CatalogEditError> {
        on_db!(db, pool => {
            let mut tx = pool.begin().await?;
            let id: Option<Uuid> = sqlx::query_scalar(PRODUCT_ID).bind(slug).fetch_optional(&mut *tx).await?;
            let id = id.ok_or(CatalogEditError::UnknownProduct)?;
            let taken: i64 = sqlx::query_scalar(SKU_TAKEN).bind(&v.sku).fetch_one(&mut *tx).await?;
            if taken > 0 {
                return Err(CatalogEditError::Invalid(format!("the SKU {} is already taken", v.sku)));
            }
            let position: i32 = sqlx::query_scalar(NEXT_VARIANT_POSITION).bind(id).fetch_one(&mut *tx).await?;
            sqlx::query(INSERT_VARIANT)
                .bind(new_id(now))
                .bind(id)
                .bind(&v.sku)
                .bind(&v.colour)
                .bind(&v.size)
                .bind(v.stock)
                .bind(Availability::Active.as_str())
                .bind(position)
                .bind(&v.material)
                .bind(&v.barcode)
                .bind(v.weight_grams)
                .bind(&v.hs_code)
                .bind(&v.origin_country)
                .execute(&mut *tx)
                .await?;
            sqlx::query(TOUCH_PRODUCT).bind(id).bind(now.as_micros()).execute(&mut *tx).await?;
            sqlx::query(BUMP_VERSION).bind(now.as_micros()).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Sets a variant's options and customs facts.
    pub async fn set_variant_details(
        db: &Db,
        sku: &str,
        details: &VariantDetails,
        now: Timestamp,
    ) -> Result<(), CatalogEditError> {
        if details.weight_grams < 0 {
            return Err(CatalogEditError::Invalid("a weight cannot be negative".into()));
        }
        on_db!(db, pool => {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(SET_VARIANT_DETAILS)
                .bind(sku)
                .bind(&details.colour)
                .bind(&details.size)
                .bind(&details.material)
                .bind(&details.barcode)
                .bind(details.weight_grams)
                .bind(&details.hs_code)
                .bind(&details.origin_country)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(CatalogEditError::UnknownVariant);
            }
            sqlx::query(BUMP_VERSION).bind(now.as_micros()).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Publishes a product from `at` on (now or later), or makes it a draft again (`None`).
    pub async fn set_publication(
        db: &Db,
        slug: &str,
        at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<(), CatalogEditError> {
        on_db!(db, pool => {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(SET_PUBLICATION)
                .bind(slug)
                .bind(at.map(Timestamp::as_micros))
                .bind(now.as_micros())
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(CatalogEditError::UnknownProduct);
            }
            sqlx::query(BUMP_VERSION).bind(now.as_micros()).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Sets the tax class a product's rates are looked up by.
    pub async fn set_tax_class(db: &Db, slug: &str, tax_class: &str, now: Timestamp) -> Result<(), CatalogEditError> {
        on_db!(db, pool => {
            let mut tx = pool.begin().await?;
            let done =
                sqlx::query(SET_TAX_CLASS).bind(slug).bind(tax_class).bind(now.as_micros()).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Err(CatalogEditError::UnknownProduct);
            }
            sqlx::query(BUMP_VERSION).bind(now.as_micros()).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Sets (or, when empty, removes) the alt text of one of a product's images in a language.
    pub async fn set_image_alt(
        db: &Db,
        slug: &str,
        src: &str,
        lang: &Lang,
        alt: &str,
        now: Timestamp,
    ) -> Result<(), CatalogEditError> {
        on_db!(db, pool => {
            let mut tx = pool.begin().await?;
            let id: Option<Uuid> = sqlx::query_scalar(PRODUCT_ID).bind(slug).fetch_optional(&mut *tx).await?;
            let id = id.ok_or(CatalogEditError::UnknownProduct)?;
            let images: Vec<String> = sqlx::query_scalar(IMAGES_OF).bind(id).fetch_all(&mut *tx).await?;
            let at = images.iter().position(|s| s == src).ok_or(CatalogEditError::UnknownImage)?;
            let position = position_of(at)?;
            if alt.trim().is_empty() {
                sqlx::query(DELETE_IMAGE_ALT).bind(id).bind(position).bind(lang.as_str()).execute(&mut *tx).await?;
            } else {
                sqlx::query(UPSERT_IMAGE_ALT)
                    .bind(id)
                    .bind(position)
                    .bind(lang.as_str())
                    .bind(alt.trim())
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(TOUCH_PRODUCT).bind(id).bind(now.as_micros()).execute(&mut *tx).await?;
            sqlx::query(BUMP_VERSION).bind(now.as_micros()).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Writes a new collection, last in the list. `texts` are (language, name, description).
    pub async fn create_collection(
        db: &Db,
        slug: &str,
        texts: &[(String, String, String)],
        now: Timestamp,
    ) -> Result<Uuid, CatalogEditError> {
        let id = new_id(now);
        on_db!(db, pool => {
            let mut tx = pool.begin().await?;
            let taken: Option<Uuid> = sqlx::query_scalar(COLLECTION_ID).bind(slug).fetch_optional(&mut *tx).await?;
            if taken.is_some() {
                return Err(CatalogEditError::Invalid(format!("a collection already has the handle {slug}")));
            }
            let position: i32 = sqlx::query_scalar(NEXT_COLLECTION_POSITION).fetch_one(&mut *tx).await?;
            sqlx::query(INSERT_COLLECTION)
                .bind(id)
                .bind(slug)
                .bind(None::<String>)
                .bind(position)
                .bind(now.as_micros())
                .execute(&mut *tx)
                .await?;
            for (lang, name, description) in texts {
                sqlx::query(INSERT_COLLECTION_TEXT).bind(id).bind(lang).bind(name).bind(description).execute(&mut *tx).await?;
            }
            sqlx::query(BUMP_VERSION).bind(now.as_micros()).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Moves a collection one place up or down in the storefront's navigation.
    pub async fn move_collection(db: &Db, slug: &str, up: bool, now: Timestamp) -> Result<(), CatalogEditError> {
        on_db!(db, pool => {
            let mut tx = pool.begin().await?;
            let mut order: Vec<String> = sqlx::query_scalar(COLLECTIONS_IN_ORDER).fetch_all(&mut *tx).await?;
            let at = order
                .iter()
                .position(|s| s == slug)
                .ok_or_else(|| CatalogEditError::Invalid("there is no collection with this handle".into()))?;
            let to = if up { at.checked_sub(1) } else { Some(at + 1).filter(|&t| t < order.len()) };
            if let Some(to) = to {
                order.swap(at, to);
                for (position, slug) in order.iter().enumerate() {
                    sqlx::query(SET_COLLECTION_POSITION).bind(slug).bind(position_of(position)?).execute(&mut *tx).await?;
                }
                sqlx::query(BUMP_VERSION).bind(now.as_micros()).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Files a product in a collection (last among its collections) or takes it out (and off
    /// the collection's feature).
    pub async fn file_product(
        db: &Db,
        product: &str,
        collection: &str,
        filed: bool,
        now: Timestamp,
    ) -> Result<(), CatalogEditError> {
        on_db!(db, pool => {
            let mut tx = pool.begin().await?;
            let product_id: Option<Uuid> = sqlx::query_scalar(PRODUCT_ID).bind(product).fetch_optional(&mut *tx).await?;
            let product_id = product_id.ok_or(CatalogEditError::UnknownProduct)?;
            let collection_id: Option<Uuid> =
                sqlx::query_scalar(COLLECTION_ID).bind(collection).fetch_optional(&mut *tx).await?;
            let collection_id = collection_id
                .ok_or_else(|| CatalogEditError::Invalid("there is no collection with this handle".into()))?;
            let is_filed: i64 = sqlx::query_scalar(IS_FILED).bind(product_id).bind(collection_id).fetch_one(&mut *tx).await?;
            match (filed, is_filed > 0) {
                (true, false) => {
                    let position: i32 =
                        sqlx::query_scalar(NEXT_LINK_POSITION).bind(product_id).fetch_one(&mut *tx).await?;
                    sqlx::query(INSERT_PRODUCT_COLLECTION)
                        .bind(product_id)
                        .bind(collection_id)
                        .bind(position)
                        .execute(&mut *tx)
                        .await?;
                }
                (false, true) => {
                    sqlx::query(UNFILE).bind(product_id).bind(collection_id).execute(&mut *tx).await?;
                    sqlx::query(UNFEATURE).bind(collection_id).bind(product_id).execute(&mut *tx).await?;
                }
                _ => {}
            }
            sqlx::query(BUMP_VERSION).bind(now.as_micros()).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Puts a product first on a collection's page, filing it there if it was not. `None`
    /// removes the feature.
    pub async fn feature_in_collection(
        db: &Db,
        collection: &str,
        product: Option<&str>,
        now: Timestamp,
    ) -> Result<(), CatalogEditError> {
        on_db!(db, pool => {
            let mut tx = pool.begin().await?;
            let collection_id: Option<Uuid> =
                sqlx::query_scalar(COLLECTION_ID).bind(collection).fetch_optional(&mut *tx).await?;
            let collection_id = collection_id
                .ok_or_else(|| CatalogEditError::Invalid("there is no collection with this handle".into()))?;
            let product_id = match product {
                None => None,
                Some(slug) => {
                    let product_id: Option<Uuid> =
                        sqlx::query_scalar(PRODUCT_ID).bind(slug).fetch_optional(&mut *tx).await?;
                    let product_id = product_id.ok_or(CatalogEditError::UnknownProduct)?;
                    let is_filed: i64 =
                        sqlx::query_scalar(IS_FILED).bind(product_id).bind(collection_id).fetch_one(&mut *tx).await?;
                    if is_filed == 0 {
                        let position: i32 =
                            sqlx::query_scalar(NEXT_LINK_POSITION).bind(product_id).fetch_one(&mut *tx).await?;
                        sqlx::query(INSERT_PRODUCT_COLLECTION)
                            .bind(product_id)
                            .bind(collection_id)
                            .bind(position)
                            .execute(&mut *tx)
                            .await?;
                    }
                    Some(product_id)
                }
            };
            sqlx::query(SET_COLLECTION_FEATURE).bind(collection_id).bind(product_id).execute(&mut *tx).await?;
            sqlx::query(BUMP_VERSION).bind(now.as_micros()).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }
}
