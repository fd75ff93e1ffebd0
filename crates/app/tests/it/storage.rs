//! Storage on both backends: every statement prepares, the schema is the same, writes are
//! all-or-nothing, and the catalog's version moves with each write.

use luxevault_core::catalog::Availability;
use luxevault_storage::{CatalogStore, Db, NewCatalog, migrate, on_db, statements};
use sqlx::Executor;

use crate::support::{Backend, TEST_NOW, TestDb};

async fn every_statement_prepares(backend: Backend) {
    let test = TestDb::new(backend).await;
    let mut failures = Vec::new();
    for (name, sql) in statements() {
        let result = on_db!(&test.db, pool => pool.prepare(sqlx::SqlSafeStr::into_sql_str(sql)).await.map(|_| ()));
        if let Err(error) = result {
            failures.push(format!("{name}: {error}"));
        }
    }
    assert!(failures.is_empty(), "statements that do not prepare on {backend:?}:\n{}", failures.join("\n"));
}

async fn migrations_are_idempotent(backend: Backend) {
    let test = TestDb::new(backend).await;
    migrate(&test.db).await.unwrap_or_else(|e| panic!("second migrate: {e}"));
    assert_eq!(CatalogStore::version(&test.db).await.ok(), Some(0), "a fresh catalog has version 0");
    assert_eq!(CatalogStore::is_empty(&test.db).await.ok(), Some(true));
}

fn demo() -> NewCatalog {
    luxevault::demo::catalog().unwrap_or_else(|e| panic!("{e}"))
}

async fn catalog_round_trips(backend: Backend) {
    let test = TestDb::new(backend).await;
    let input = demo();
    CatalogStore::insert(&test.db, &input, TEST_NOW).await.unwrap_or_else(|e| panic!("insert: {e}"));
    let catalog = CatalogStore::load(&test.db).await.unwrap_or_else(|e| panic!("load: {e}"));
    assert_eq!(catalog.version, 1);
    assert_eq!(catalog.products.len(), input.products.len());
    assert_eq!(catalog.collections.len(), input.collections.len());
    assert_eq!(catalog.currencies.base(), input.base_currency);
    for expected in &input.products {
        let product = catalog.product(&expected.slug).unwrap_or_else(|| panic!("{} loaded", expected.slug));
        assert_eq!(product.variants.len(), expected.variants.len());
        assert_eq!(product.images, expected.images, "image order of {}", expected.slug);
        let mut prices = product.prices.clone();
        let mut wanted = expected.prices.clone();
        prices.sort_by_key(|m| m.currency().code().to_string());
        wanted.sort_by_key(|m| m.currency().code().to_string());
        assert_eq!(prices, wanted, "prices of {}", expected.slug);
        for (loaded, wanted) in product.variants.iter().zip(&expected.variants) {
            assert_eq!((&loaded.sku, loaded.stock, &loaded.size), (&wanted.sku, wanted.stock, &wanted.size));
        }
        let fr = product.texts.get("fr").unwrap_or_else(|| panic!("{} has French texts", expected.slug));
        let wanted_fr = expected.texts.iter().find(|(l, _)| l == "fr").map(|(_, t)| t);
        assert_eq!(Some(&fr.description), wanted_fr.map(|t| &t.description));
    }
}

async fn a_failed_write_leaves_nothing(backend: Backend) {
    let test = TestDb::new(backend).await;
    let mut input = demo();
    // The last product names a collection that does not exist: found only after all others
    // were inserted, so this proves the transaction rolls the whole catalog back.
    if let Some(last) = input.products.last_mut() {
        last.collections = vec!["no-such-collection".into()];
    }
    let error = CatalogStore::insert(&test.db, &input, TEST_NOW).await.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(error.contains("unknown collection"), "{error}");
    assert_eq!(CatalogStore::is_empty(&test.db).await.ok(), Some(true), "nothing of the failed import remains");
    assert_eq!(CatalogStore::version(&test.db).await.ok(), Some(0));
}

async fn invalid_catalogs_are_refused_with_a_sentence(backend: Backend) {
    let test = TestDb::new(backend).await;
    type Mutation = Box<dyn Fn(&mut NewCatalog)>;
    let cases: Vec<(Mutation, &str)> = vec![
        (Box::new(|c| c.products[0].slug = "Bad Slug".into()), "not a valid product slug"),
        (Box::new(|c| c.products[0].variants[0].sku = "lower".into()), "not a valid SKU"),
        (
            Box::new(|c| {
                let sku = c.products[0].variants[0].sku.clone();
                c.products[1].variants[0].sku = sku;
            }),
            "appears twice",
        ),
        (Box::new(|c| c.products[0].prices.retain(|m| m.currency().code() != "EUR")), "no price in the base currency"),
        (Box::new(|c| c.products[0].variants[0].stock = -1), "negative stock"),
        (Box::new(|c| c.products[0].variants[0].colour = Some("no-such-colour".into())), "unknown colour"),
    ];
    for (mutate, expected) in cases {
        let mut input = demo();
        mutate(&mut input);
        let error =
            CatalogStore::insert(&test.db, &input, TEST_NOW).await.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(error.contains(expected), "expected {expected:?}, got {error:?}");
    }
    assert_eq!(CatalogStore::is_empty(&test.db).await.ok(), Some(true));
}

async fn writes_move_the_version(backend: Backend) {
    let test = TestDb::new(backend).await;
    CatalogStore::insert(&test.db, &demo(), TEST_NOW).await.unwrap_or_else(|e| panic!("insert: {e}"));
    let catalog = CatalogStore::load(&test.db).await.unwrap_or_else(|e| panic!("load: {e}"));
    let sku = catalog.products[0].variants[0].sku.clone();
    assert_eq!(CatalogStore::set_stock(&test.db, &sku, 7, TEST_NOW).await.ok(), Some(true));
    assert_eq!(CatalogStore::set_stock(&test.db, "NO-SUCH-SKU", 7, TEST_NOW).await.ok(), Some(false));
    assert!(CatalogStore::set_stock(&test.db, &sku, -1, TEST_NOW).await.is_err());
    let slug = catalog.products[1].slug.clone();
    assert_eq!(
        CatalogStore::set_product_availability(&test.db, &slug, Availability::Retired, TEST_NOW).await.ok(),
        Some(true)
    );
    let reloaded = CatalogStore::load(&test.db).await.unwrap_or_else(|e| panic!("load: {e}"));
    assert_eq!(reloaded.version, 4, "insert, two stock writes, one retirement");
    assert_eq!(reloaded.variant(&sku).map(|(_, v)| v.stock), Some(7));
    assert_eq!(reloaded.product(&slug).map(|p| p.availability), Some(Availability::Retired));
}

backend_tests!(
    every_statement_prepares,
    migrations_are_idempotent,
    catalog_round_trips,
    a_failed_write_leaves_nothing,
    invalid_catalogs_are_refused_with_a_sentence,
    writes_move_the_version,
);

/// Tables and columns (name, nullability) after migrating, per backend.
async fn schema_of(db: &Db) -> Vec<(String, String, bool)> {
    const SQLITE: &str = "SELECT m.name, p.name, p.\"notnull\" FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%' ORDER BY 1, 2";
    const POSTGRES: &str = "SELECT table_name::text, column_name::text, is_nullable = 'NO' FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%' ORDER BY 1, 2";
    let rows: Vec<(String, String, bool)> = match db {
        Db::Sqlite(pool) => sqlx::query_as(SQLITE).fetch_all(pool).await.unwrap_or_else(|e| panic!("{e}")),
        Db::Postgres(pool) => sqlx::query_as(POSTGRES).fetch_all(pool).await.unwrap_or_else(|e| panic!("{e}")),
    };
    // SQLite reports INTEGER PRIMARY KEY columns as nullable; compare primary keys as NOT NULL.
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_backends_have_the_same_schema() {
    let sqlite = TestDb::new(Backend::Sqlite).await;
    let postgres = TestDb::new(Backend::Postgres).await;
    let (mut a, mut b) = (schema_of(&sqlite.db).await, schema_of(&postgres.db).await);
    // SQLite does not mark PRIMARY KEY columns NOT NULL in table_info (a historical quirk), so
    // compare names exactly and nullability only where SQLite says NOT NULL.
    a.sort();
    b.sort();
    let names = |rows: &[(String, String, bool)]| rows.iter().map(|(t, c, _)| format!("{t}.{c}")).collect::<Vec<_>>();
    assert_eq!(names(&a), names(&b), "tables and columns differ between SQLite and PostgreSQL");
    for ((table, column, sqlite_not_null), (_, _, pg_not_null)) in a.iter().zip(&b) {
        if *sqlite_not_null {
            assert!(*pg_not_null, "{table}.{column} is NOT NULL on SQLite only");
        }
    }
}
