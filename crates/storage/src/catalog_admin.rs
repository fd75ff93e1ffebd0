//! Catalog editing by staff: a product's texts, listing and prices, a variant's stock and
//! availability, and its images (uploaded ones stored in `media`). Every write is one
//! transaction that also moves the catalog's version, so the storefront's cache reloads.

use luxevault_core::catalog::Availability;
use luxevault_core::catalog::snapshot::ProductText;
use luxevault_core::ids::new_id;
use luxevault_core::media::{CleanImage, ImageKind};
use luxevault_core::{Currency, Lang, Money, Timestamp};
use uuid::Uuid;

use crate::catalog::BUMP_VERSION;
use crate::{Db, DbError, on_db};

const PRODUCT_ID: &str = "SELECT id FROM products WHERE slug = $1";
const PRODUCT_POSITION: &str = "SELECT position FROM products WHERE slug = $1";
const UPSERT_TEXT: &str = "INSERT INTO product_texts (product_id, lang, name, subtitle, description, details) \
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (product_id, lang) DO UPDATE SET name = excluded.name, \
     subtitle = excluded.subtitle, description = excluded.description, details = excluded.details";
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
                sqlx::query(DELETE_IMAGES_OF).bind(id).execute(&mut *tx).await?;
                for (position, src) in images.iter().enumerate() {
                    let position = i32::try_from(position).map_err(|_| CatalogEditError::TooManyImages)?;
                    sqlx::query(INSERT_IMAGE).bind(id).bind(position).bind(src).execute(&mut *tx).await?;
                }
                sqlx::query(TOUCH_PRODUCT).bind(id).bind(now.as_micros()).execute(&mut *tx).await?;
                sqlx::query(BUMP_VERSION).bind(now.as_micros()).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }
}
