//! The data inventory (crates/core/src/inventory.rs) against the real schema, on both databases:
//! no column is stored without saying what it holds, and no declaration names a column that is
//! gone.

use luxevault_core::inventory::{INVENTORY, declared};
use luxevault_storage::Db;

use crate::support::{Backend, TestDb};

/// Every (table, column) of the migrated schema, sqlx's own bookkeeping left out.
async fn columns_of(db: &Db) -> Vec<(String, String)> {
    const SQLITE: &str = "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%' ORDER BY 1, 2";
    const POSTGRES: &str = "SELECT table_name::text, column_name::text FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%' ORDER BY 1, 2";
    match db {
        Db::Sqlite(pool) => sqlx::query_as(SQLITE).fetch_all(pool).await.unwrap_or_else(|e| panic!("{e}")),
        Db::Postgres(pool) => sqlx::query_as(POSTGRES).fetch_all(pool).await.unwrap_or_else(|e| panic!("{e}")),
    }
}

async fn every_stored_column_is_declared(backend: Backend) {
    let test = TestDb::new(backend).await;
    let columns = columns_of(&test.db).await;
    assert!(columns.iter().any(|(t, c)| t == "orders" && c == "email"), "the schema listing found the orders table");

    let undeclared: Vec<String> =
        columns.iter().filter(|(t, c)| declared(t, c).is_none()).map(|(t, c)| format!("{t}.{c}")).collect();
    assert!(
        undeclared.is_empty(),
        "columns stored on {backend:?} without a data-inventory declaration: {}; declare them in \
         crates/core/src/inventory.rs (category, purposes and source if they hold personal data, \
         Secret for credentials and their hashes, NotPersonal otherwise)",
        undeclared.join(", ")
    );

    let stale: Vec<String> = INVENTORY
        .iter()
        .filter(|d| !columns.iter().any(|(t, c)| t == d.table && c == d.column))
        .map(|d| format!("{}.{}", d.table, d.column))
        .collect();
    assert!(
        stale.is_empty(),
        "crates/core/src/inventory.rs declares columns the {backend:?} schema does not have: {}; remove or \
         rename them there",
        stale.join(", ")
    );
}

backend_tests!(every_stored_column_is_declared);
