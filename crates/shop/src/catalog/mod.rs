//! The catalog snapshot, cached in memory and reloaded when its version in the database moves,
//! and how its facts read in a language: prices in an offered currency, names, variant labels
//! (the order flow records them on each line; the pages and the API show the same words).
//!
//! Staff's catalog edits (creating, publishing, duplicating, retiring products; collections)
//! are in `admin`.
//!
//! Every read checks the version (one primary-key lookup), so several nodes on one PostgreSQL
//! see each other's catalog writes on their next request; reloads are serialised so a change
//! does not make every concurrent request load the catalog at once.

pub mod admin;

use std::sync::{Arc, RwLock};

use luxevault_core::catalog::snapshot::{Catalog, Product, Variant, localized};
use luxevault_core::pricing::OfferedCurrency;
use luxevault_core::{Lang, Money};
use luxevault_storage::{CatalogStore, Db, DbError};

use crate::settings::ShopSettings;

pub struct CatalogCache {
    current: RwLock<Option<Arc<Catalog>>>,
    reload: tokio::sync::Mutex<()>,
}

impl CatalogCache {
    pub fn new() -> Self {
        Self { current: RwLock::new(None), reload: tokio::sync::Mutex::new(()) }
    }

    fn cached(&self) -> Option<Arc<Catalog>> {
        self.current.read().map(|c| c.clone()).unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    pub async fn get(&self, db: &Db) -> Result<Arc<Catalog>, DbError> {
        let version = CatalogStore::version(db).await?;
        if let Some(catalog) = self.cached().filter(|c| c.version == version) {
            return Ok(catalog);
        }
        let _guard = self.reload.lock().await;
        if let Some(catalog) = self.cached().filter(|c| c.version >= version) {
            return Ok(catalog);
        }
        let fresh = Arc::new(CatalogStore::load(db).await?);
        let mut slot = self.current.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        *slot = Some(fresh.clone());
        Ok(fresh)
    }
}

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
    let size = variant.size.as_deref().map(|s| luxevault_core::catalog::size_label(s, lang));
    match (colour, size) {
        (Some(c), Some(s)) => format!("{c} — {s}"),
        (Some(c), None) => c,
        (None, Some(s)) => s,
        (None, None) => variant.sku.clone(),
    }
}

impl Default for CatalogCache {
    fn default() -> Self {
        Self::new()
    }
}
