//! The resized copies of stored images (see `core::renditions`): read, and written once.

use luxevault_core::Timestamp;
use uuid::Uuid;

use crate::{Db, DbError, on_db};

const GET: &str = "SELECT bytes FROM media_renditions WHERE media_id = $1 AND width = $2";
const PUT: &str = "INSERT INTO media_renditions (media_id, width, bytes, created_at) VALUES ($1, $2, $3, $4) \
     ON CONFLICT (media_id, width) DO NOTHING";

pub(crate) const STATEMENTS: &[(&str, &str)] = &[("renditions.get", GET), ("renditions.put", PUT)];

pub struct Renditions;

impl Renditions {
    /// The stored copy at `width`: `Some(empty)` when the original is no wider.
    pub async fn get(db: &Db, media: Uuid, width: u32) -> Result<Option<Vec<u8>>, DbError> {
        let width = i32::try_from(width).unwrap_or(i32::MAX);
        Ok(on_db!(db, pool => sqlx::query_scalar(GET).bind(media).bind(width).fetch_optional(pool).await?))
    }

    /// Keeps a copy (two nodes making the same one at once keep the first).
    pub async fn put(db: &Db, media: Uuid, width: u32, bytes: &[u8], now: Timestamp) -> Result<(), DbError> {
        let width = i32::try_from(width).unwrap_or(i32::MAX);
        on_db!(db, pool => sqlx::query(PUT).bind(media).bind(width).bind(bytes).bind(now.as_micros()).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}
