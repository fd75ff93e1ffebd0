//! What every handler can reach.

use std::borrow::Cow;
use std::sync::Arc;

use luxevault_core::Clock;
use luxevault_core::catalog::snapshot::Catalog;
use luxevault_storage::{Db, DbError};

use crate::catalog_cache::CatalogCache;
use crate::i18n::Translations;
use crate::settings::ShopSettings;
use crate::views::Views;

/// Where product and collection images come from (the demo shop's compiled-in images today,
/// uploaded images later).
pub trait MediaSource: Send + Sync + 'static {
    fn get(&self, path: &str) -> Option<Cow<'static, [u8]>>;
}

/// A shop without media.
pub struct NoMedia;

impl MediaSource for NoMedia {
    fn get(&self, _path: &str) -> Option<Cow<'static, [u8]>> {
        None
    }
}

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    db: Db,
    clock: Arc<dyn Clock>,
    settings: ShopSettings,
    catalog: CatalogCache,
    views: Views,
    translations: Translations,
    media: Arc<dyn MediaSource>,
}

impl AppState {
    /// Builds the state, loading templates and UI strings; fails with a sentence when the theme
    /// is broken or a configured language has no strings.
    pub fn new(
        db: Db,
        clock: Arc<dyn Clock>,
        settings: ShopSettings,
        media: Arc<dyn MediaSource>,
    ) -> Result<Self, String> {
        if settings.langs.is_empty() {
            return Err("at least one language must be configured".into());
        }
        let translations = Translations::load(&settings.langs)?;
        translations.check_required()?;
        let views = Views::load()?;
        Ok(Self(Arc::new(Inner { db, clock, settings, catalog: CatalogCache::new(), views, translations, media })))
    }

    pub fn db(&self) -> &Db {
        &self.0.db
    }

    pub fn clock(&self) -> &dyn Clock {
        self.0.clock.as_ref()
    }

    pub fn settings(&self) -> &ShopSettings {
        &self.0.settings
    }

    pub(crate) fn views(&self) -> &Views {
        &self.0.views
    }

    pub(crate) fn translations(&self) -> &Translations {
        &self.0.translations
    }

    pub(crate) fn media(&self) -> &dyn MediaSource {
        self.0.media.as_ref()
    }

    pub async fn catalog(&self) -> Result<Arc<Catalog>, DbError> {
        self.0.catalog.get(&self.0.db).await
    }
}
