//! Migrations: one portable set for both backends, with a per-backend file only where a dialect
//! forces it (none yet). Embedded in the binary, applied in order, each in a transaction;
//! PostgreSQL takes an advisory lock so several nodes starting at once migrate once.

use std::borrow::Cow;

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AssertSqlSafe, SqlSafeStr};

use crate::{Db, DbError, on_db};

struct Step {
    version: i64,
    description: &'static str,
    portable: &'static str,
    sqlite: Option<&'static str>,
    postgres: Option<&'static str>,
}

const STEPS: &[Step] = &[
    Step {
        version: 1,
        description: "catalog",
        portable: include_str!("../migrations/0001_catalog.sql"),
        sqlite: None,
        postgres: None,
    },
    Step {
        version: 2,
        description: "accounts orders jobs",
        portable: include_str!("../migrations/0002_accounts_orders.sql"),
        sqlite: None,
        postgres: None,
    },
    Step {
        version: 3,
        description: "policy versions",
        portable: include_str!("../migrations/0003_policy_versions.sql"),
        sqlite: None,
        postgres: None,
    },
    Step {
        version: 4,
        description: "retention",
        portable: include_str!("../migrations/0004_retention.sql"),
        sqlite: None,
        postgres: None,
    },
    Step {
        version: 5,
        description: "consents",
        portable: include_str!("../migrations/0005_consents.sql"),
        sqlite: None,
        postgres: None,
    },
    Step {
        version: 6,
        description: "privacy requests",
        portable: include_str!("../migrations/0006_privacy_requests.sql"),
        sqlite: None,
        postgres: None,
    },
    Step {
        version: 7,
        description: "policy changes",
        portable: include_str!("../migrations/0007_policy_changes.sql"),
        sqlite: None,
        postgres: None,
    },
    Step {
        version: 8,
        description: "retention index",
        portable: include_str!("../migrations/0008_retention_index.sql"),
        sqlite: None,
        postgres: None,
    },
    Step {
        version: 9,
        description: "privacy controls",
        portable: include_str!("../migrations/0009_privacy_controls.sql"),
        sqlite: None,
        postgres: None,
    },
    Step {
        version: 10,
        description: "staff audit",
        portable: include_str!("../migrations/0010_staff_audit.sql"),
        sqlite: None,
        postgres: None,
    },
    Step {
        version: 11,
        description: "back office",
        portable: include_str!("../migrations/0011_backoffice.sql"),
        sqlite: None,
        postgres: Some(include_str!("../migrations/0011_backoffice.postgres.sql")),
    },
    Step {
        version: 13,
        description: "breaches",
        portable: include_str!("../migrations/0013_breaches.sql"),
        sqlite: None,
        postgres: None,
    },
    Step {
        version: 14,
        description: "own shop",
        portable: include_str!("../migrations/0014_own_shop.sql"),
        sqlite: None,
        postgres: None,
    },
    Step {
        version: 15,
        description: "catalog details",
        portable: include_str!("../migrations/0015_catalog_details.sql"),
        sqlite: None,
        postgres: None,
    },
    Step {
        version: 17,
        description: "collection feature",
        portable: include_str!("../migrations/0017_collection_feature.sql"),
        sqlite: None,
        postgres: None,
    },
    Step {
        version: 20,
        description: "staff language",
        portable: include_str!("../migrations/0020_staff_language.sql"),
        sqlite: None,
        postgres: None,
    },
    Step {
        version: 21,
        description: "audit notes",
        portable: include_str!("../migrations/0021_audit_notes.sql"),
        sqlite: None,
        postgres: None,
    },
    Step {
        version: 22,
        description: "media renditions",
        portable: include_str!("../migrations/0022_media_renditions.sql"),
        sqlite: None,
        postgres: Some(include_str!("../migrations/0022_media_renditions.postgres.sql")),
    },
    Step {
        version: 23,
        description: "staff email",
        portable: include_str!("../migrations/0023_staff_email.sql"),
        sqlite: None,
        postgres: None,
    },
    Step {
        version: 24,
        description: "order refunds",
        portable: include_str!("../migrations/0024_order_refunds.sql"),
        sqlite: None,
        postgres: None,
    },
    Step {
        version: 25,
        description: "people",
        portable: include_str!("../migrations/0025_people.sql"),
        sqlite: None,
        postgres: None,
    },
    Step {
        version: 26,
        description: "consent proofs",
        portable: include_str!("../migrations/0026_consent_proofs.sql"),
        sqlite: None,
        postgres: None,
    },
    Step {
        version: 27,
        description: "order email key",
        portable: include_str!("../migrations/0027_order_email_key.sql"),
        sqlite: None,
        postgres: Some(include_str!("../migrations/0027_order_email_key.postgres.sql")),
    },
    Step {
        version: 28,
        description: "appointments",
        portable: include_str!("../migrations/0028_appointments.sql"),
        sqlite: None,
        postgres: None,
    },
    Step {
        version: 29,
        description: "sizing",
        portable: include_str!("../migrations/0029_sizing.sql"),
        sqlite: None,
        postgres: None,
    },
];

fn migrator(db: &Db) -> Migrator {
    let migrations = STEPS
        .iter()
        .map(|step| {
            let sql = match db {
                Db::Sqlite(_) => step.sqlite.unwrap_or(step.portable),
                Db::Postgres(_) => step.postgres.unwrap_or(step.portable),
            };
            Migration::new(
                step.version,
                Cow::Borrowed(step.description),
                MigrationType::Simple,
                AssertSqlSafe(sql).into_sql_str(),
                false,
            )
        })
        .collect();
    Migrator::with_migrations(migrations)
}

/// The schema version before which orders' email keys were folded by SQL (ASCII only).
const UNICODE_EMAIL_KEYS: i64 = 27;

/// Brings the schema up to date. Safe to call on every start.
pub async fn migrate(db: &Db) -> Result<(), DbError> {
    let before = applied_version(db).await;
    let migrator = migrator(db);
    on_db!(db, pool => migrator.run(pool).await)?;
    if before < UNICODE_EMAIL_KEYS {
        crate::Orders::rekey_emails(db).await?;
    }
    Ok(())
}

/// The latest step applied; 0 on a new database (no migrations table yet).
async fn applied_version(db: &Db) -> i64 {
    const APPLIED: &str = "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success";
    let version: Result<i64, sqlx::Error> = on_db!(db, pool => sqlx::query_scalar(APPLIED).fetch_one(pool).await);
    version.unwrap_or(0)
}
