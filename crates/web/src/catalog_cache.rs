//! The catalog snapshot, cached in memory and reloaded when its version in the database moves.
//!
//! Every read checks the version (one primary-key lookup), so several nodes on one PostgreSQL
//! see each other's catalog writes on their next request; reloads are serialised so a change
//! does not make every concurrent request load the catalog at once.

use std::sync::{Arc, RwLock};

use luxevault_core::catalog::snapshot::Catalog;
use luxevault_storage::{CatalogStore, Db, DbError};

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
