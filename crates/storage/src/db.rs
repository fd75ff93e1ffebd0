//! The database handle: one enum over the two pools, so each query is written once.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

/// Runs `$body` with `$pool` bound to the concrete pool of whichever backend `$db` is.
/// The body is compiled once per backend, so native codecs (UUID, BOOLEAN) work on both.
#[macro_export]
macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::Db::Sqlite($pool) => $body,
            $crate::Db::Postgres($pool) => $body,
        }
    };
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Invalid(String),
    /// The shop has not been opened (`luxevault init`): no base currency to price anything in.
    #[error("the shop has not opened yet: run `luxevault init`")]
    NotOpen,
}

impl DbError {
    /// The database is reachable but saturated (no connection free in time): worth a retry.
    /// The database is reachable but saturated (no connection free in time, SQLite's writer
    /// lock held past the busy timeout, a PostgreSQL deadlock or serialisation failure): worth
    /// a retry, never a 500.
    pub fn is_busy(&self) -> bool {
        match self {
            Self::Sqlx(sqlx::Error::PoolTimedOut) => true,
            Self::Sqlx(sqlx::Error::Database(e)) => {
                matches!(e.code().as_deref(), Some("5" | "6" | "517" | "40001" | "40P01"))
            }
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// How to connect.
#[derive(Debug, Clone)]
pub struct DbOptions {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self { max_connections: 16, acquire_timeout: Duration::from_secs(5) }
    }
}

pub(crate) const STATEMENTS: &[(&str, &str)] = &[("ping", PING)];
const PING: &str = "SELECT 1";
/// SQLite only (so not in STATEMENTS, which every backend prepares): copies the write-ahead log
/// into the database file and truncates the log, whose old frames still hold erased rows.
const SQLITE_CHECKPOINT: &str = "PRAGMA wal_checkpoint(TRUNCATE)";

impl Db {
    /// Opens (creating if needed) the SQLite database file, in WAL mode with a busy timeout so
    /// readers never block the writer and a brief lock is waited for rather than failed, and
    /// with `secure_delete` so deleted content does not survive in free pages.
    pub async fn open_sqlite(path: &Path, options: &DbOptions) -> Result<Self, DbError> {
        let connect = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true)
            // Erased rows are overwritten with zeros, not left readable in free pages (M7).
            .pragma("secure_delete", "ON");
        let pool = SqlitePoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect)
            .await?;
        Ok(Self::Sqlite(pool))
    }

    /// Connects to PostgreSQL. The URL is not echoed in errors: it may hold a password.
    pub async fn open_postgres(url: &str, options: &DbOptions) -> Result<Self, DbError> {
        let connect = PgConnectOptions::from_str(url).map_err(|_| {
            DbError::Invalid("the PostgreSQL URL is not valid (expected postgres://user@host:port/database)".into())
        })?;
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect)
            .await?;
        Ok(Self::Postgres(pool))
    }

    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// Answers when the database does (for `/readyz`).
    pub async fn ping(&self) -> Result<(), DbError> {
        on_db!(self, pool => sqlx::query(PING).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// After an erasure: on SQLite the log's old frames (which still hold the erased values)
    /// are checkpointed and truncated; the database file's freed space is already zeroed by
    /// `secure_delete`. On PostgreSQL nothing is done here: erased rows stay as dead tuples until
    /// the operator's VACUUM (docs/operations.md). Best effort: a reader holding the log makes the
    /// checkpoint stop short, and the next one (SQLite's own, every 1000 pages) finishes it.
    pub async fn scrub_freed_space(&self) -> Result<(), DbError> {
        if let Self::Sqlite(pool) = self {
            sqlx::query(SQLITE_CHECKPOINT).execute(pool).await?;
        }
        Ok(())
    }

    pub async fn close(&self) {
        on_db!(self, pool => pool.close().await)
    }
}
