//! The test kit: spawns the real application on a random port with a fresh database, and hands
//! the test a client, the database and a clock it can move.

use std::net::SocketAddr;
use std::sync::Arc;

use luxevault::config::Config;
use luxevault::server::Application;
use luxevault_core::{ManualClock, Timestamp};
use luxevault_storage::Db;
use tokio::sync::oneshot;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates, for each named `async fn name(backend: Backend)` in the calling module, a test in
/// `sqlite::name` and one in `postgres::name`.
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::support::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::support::Backend::Postgres).await
                }
            )*
        }
    };
}

/// The PostgreSQL server tests create their databases on (trust auth on loopback in CI).
pub fn postgres_admin_url() -> String {
    std::env::var("LUXEVAULT_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A database of its own for one test, dropped when the test ends (even when it fails).
pub struct PgDatabase {
    pub name: String,
    pub url: String,
}

impl PgDatabase {
    pub async fn create() -> Self {
        let admin_url = postgres_admin_url();
        let name = format!("lv_t_{}", uuid::Uuid::new_v4().simple());
        let admin = sqlx::PgPool::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL must be running at {admin_url} for the tests: {e}"));
        let create = format!("CREATE DATABASE \"{name}\"");
        sqlx::query(sqlx::AssertSqlSafe(create)).execute(&admin).await.unwrap_or_else(|e| panic!("create {name}: {e}"));
        admin.close().await;
        let base = admin_url.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(admin_url);
        Self { url: format!("{base}/{name}"), name }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs outside async context guarantees: use a runtime of its own on a thread.
        let _ = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                return;
            };
            runtime.block_on(async move {
                if let Ok(admin) = sqlx::PgPool::connect(&postgres_admin_url()).await {
                    let drop = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                    let _ = sqlx::query(sqlx::AssertSqlSafe(drop)).execute(&admin).await;
                    admin.close().await;
                }
            });
        })
        .join();
    }
}

/// A fresh empty database of the given backend, migrated, with what keeps it alive.
pub struct TestDb {
    pub db: Db,
    _dir: tempfile::TempDir,
    _pg: Option<PgDatabase>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> Self {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let (config, pg) = config_for(backend, &dir).await;
        let db = luxevault::server::open_database(&config).await.unwrap_or_else(|e| panic!("open database: {e:#}"));
        Self { db, _dir: dir, _pg: pg }
    }
}

pub async fn config_for(backend: Backend, dir: &tempfile::TempDir) -> (Config, Option<PgDatabase>) {
    let mut config = Config {
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        data_dir: dir.path().to_path_buf(),
        database_max_connections: 4,
        ..Config::default()
    };
    let pg = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => {
            let pg = PgDatabase::create().await;
            config.database_url = pg.url.clone();
            Some(pg)
        }
    };
    (config, pg)
}

/// 2026-11-22T10:00:00Z, the tests' "now" unless they move it.
pub const TEST_NOW: Timestamp = Timestamp(1_795_341_600_000_000);

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub clock: ManualClock,
    pub db: Db,
    pub data_dir: std::path::PathBuf,
    /// The PostgreSQL URL (empty on SQLite, whose file is in `data_dir`), for CLI tests.
    pub database_url: String,
    /// The application layer itself, for tests of a use case one level below HTTP.
    pub shop: luxevault_shop::Shop,
    worker: Option<luxevault_shop::Worker>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    _dir: tempfile::TempDir,
    _pg: Option<PgDatabase>,
}

impl TestApp {
    /// The demo shop on a random port.
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    pub async fn spawn_with(backend: Backend, configure: impl FnOnce(&mut Config)) -> Self {
        Self::start(backend, true, configure).await
    }

    /// A shop started without `--demo`: nothing opened, nothing to sell.
    pub async fn spawn_unopened(backend: Backend) -> Self {
        Self::start(backend, false, |_| {}).await
    }

    async fn start(backend: Backend, demo: bool, configure: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let (mut config, pg) = config_for(backend, &dir).await;
        configure(&mut config);
        luxevault::telemetry::init(config.log_format);
        let clock = ManualClock::new(TEST_NOW);
        let mut app = Application::build(&config, Arc::new(clock.clone()), demo)
            .await
            .unwrap_or_else(|e| panic!("build app: {e:#}"));
        let worker = app.take_worker();
        let data_dir = config.data_dir.clone();
        let database_url = config.database_url.clone();
        let addr = app.local_addr().unwrap_or_else(|e| panic!("local addr: {e}"));
        let db = app.state().db().clone();
        let shop = app.state().shop().clone();
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let _ = app
                .run_until_stopped(async {
                    let _ = rx.await;
                })
                .await;
        });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|e| panic!("client: {e}"));
        Self {
            base: format!("http://{addr}"),
            client,
            clock,
            db,
            data_dir,
            database_url,
            shop,
            worker,
            shutdown: Some(tx),
            server: Some(server),
            _dir: dir,
            _pg: pg,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or_else(|e| panic!("GET {path}: body is not JSON: {e}"));
        (status, body)
    }

    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
        let response =
            self.client.post(self.url(path)).json(body).send().await.unwrap_or_else(|e| panic!("POST {path}: {e}"));
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        let body = if text.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("POST {path}: body is not JSON: {e}: {text}"))
        };
        (status, body)
    }

    /// Runs every job due now (email, capture), as the background runner would.
    pub async fn run_jobs(&self) -> usize {
        match &self.worker {
            Some(worker) => worker.run_due().await.unwrap_or_else(|e| panic!("jobs: {e}")),
            None => 0,
        }
    }

    /// Runs the periodic order sweep (unpaid orders); returns how many were cancelled.
    pub async fn sweep(&self) -> usize {
        match &self.worker {
            Some(worker) => worker.sweep().await.unwrap_or_else(|e| panic!("sweep: {e}")),
            None => 0,
        }
    }

    /// The emails written to the outbox folder (no SMTP configured), as raw text.
    pub fn outbox(&self) -> Vec<String> {
        let dir = self.data_dir.join("outbox");
        let mut files: Vec<_> =
            std::fs::read_dir(&dir).map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect()).unwrap_or_default();
        files.sort();
        files.iter().filter_map(|p| std::fs::read(p).ok()).map(|b| String::from_utf8_lossy(&b).into_owned()).collect()
    }

    /// The demo catalog as the test sees it in storage.
    pub async fn catalog(&self) -> luxevault_core::catalog::snapshot::Catalog {
        luxevault_storage::CatalogStore::load(&self.db).await.unwrap_or_else(|e| panic!("load catalog: {e}"))
    }

    /// Stops the server and waits for it, so the database is released before it is dropped.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

/// Picks demo products by what a test needs, so tests do not hard-code catalog content.
pub mod pick {
    use luxevault_core::catalog::snapshot::{Catalog, Product, Variant};

    pub fn product_with_sizes(catalog: &Catalog) -> &Product {
        catalog
            .products
            .iter()
            .find(|p| p.variants.iter().filter(|v| v.size.is_some() && v.stock > 0).count() >= 2)
            .unwrap_or_else(|| panic!("the demo catalog has a product with several sizes in stock"))
    }

    pub fn in_stock_variant(catalog: &Catalog, at_least: i64) -> (&Product, &Variant) {
        catalog
            .products
            .iter()
            .flat_map(|p| p.variants.iter().map(move |v| (p, v)))
            .find(|(_, v)| v.stock >= at_least)
            .unwrap_or_else(|| panic!("the demo catalog has a variant with stock ≥ {at_least}"))
    }

    pub fn sold_out_variant(catalog: &Catalog) -> (&Product, &Variant) {
        catalog
            .products
            .iter()
            .flat_map(|p| p.variants.iter().map(move |v| (p, v)))
            .find(|(_, v)| v.stock == 0)
            .unwrap_or_else(|| panic!("the demo catalog has a sold-out variant"))
    }

    /// A product with no explicit price in `currency` (so its price there is converted).
    pub fn product_without_price_in<'a>(catalog: &'a Catalog, currency: &str) -> &'a Product {
        catalog
            .products
            .iter()
            .find(|p| !p.prices.iter().any(|m| m.currency().code() == currency))
            .unwrap_or_else(|| panic!("the demo catalog has a product without an explicit {currency} price"))
    }

    pub fn product_with_price_in<'a>(catalog: &'a Catalog, currency: &str) -> &'a Product {
        catalog
            .products
            .iter()
            .find(|p| p.prices.iter().any(|m| m.currency().code() == currency))
            .unwrap_or_else(|| panic!("the demo catalog has a product with an explicit {currency} price"))
    }
}

/// Every text and blob value of every table, concatenated: for scanning the database for
/// values that must never be stored (passwords, tokens, card numbers).
pub async fn dump_text(db: &Db) -> String {
    let mut out = String::new();
    match db {
        Db::Sqlite(pool) => {
            let tables: Vec<String> =
                sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
                    .fetch_all(pool)
                    .await
                    .unwrap_or_default();
            for table in tables {
                let sql = format!("SELECT * FROM \"{table}\"");
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await.unwrap_or_default();
                for row in rows {
                    use sqlx::Row;
                    for i in 0..row.len() {
                        if let Ok(Some(text)) = row.try_get::<Option<String>, _>(i) {
                            out.push_str(&text);
                            out.push('\n');
                        }
                    }
                }
            }
        }
        Db::Postgres(pool) => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
            )
            .fetch_all(pool)
            .await
            .unwrap_or_default();
            for table in tables {
                let sql = format!("SELECT CAST(t AS text) FROM \"{table}\" t");
                let rows: Vec<String> =
                    sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await.unwrap_or_default();
                out.push_str(&rows.join("\n"));
                out.push('\n');
            }
        }
    }
    out
}

/// The token of the most recently queued password-reset email.
pub async fn queued_reset_token(db: &Db) -> String {
    let payloads: Vec<String> = luxevault_storage::on_db!(db, pool => sqlx::query_scalar(
        "SELECT payload FROM jobs WHERE kind = 'email' ORDER BY created_at DESC"
    )
    .fetch_all(pool)
    .await)
    .unwrap_or_default();
    payloads
        .iter()
        .filter_map(|p| serde_json::from_str::<serde_json::Value>(p).ok())
        .find(|v| v["template"] == "password_reset")
        .and_then(|v| v["token"].as_str().map(String::from))
        .unwrap_or_else(|| panic!("a password-reset email is queued"))
}

/// The entries of a ZIP archive, by name, as text.
pub fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, String> {
    use std::io::Read;
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap_or_else(|e| panic!("not a ZIP archive: {e}"));
    let mut entries = std::collections::BTreeMap::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap_or_else(|e| panic!("entry {i}: {e}"));
        let name = file.name().map(|n| n.to_string()).unwrap_or_else(|e| panic!("entry {i}: {e}"));
        let mut text = String::new();
        file.read_to_string(&mut text).unwrap_or_else(|e| panic!("entry {i} is not UTF-8 text: {e}"));
        entries.insert(name, text);
    }
    entries
}

/// Privacy contacts of the recipients, as a house would add them to its policy file (Art. 19).
pub const CARRIERS_CONTACT: &str = "privacy@carrier.example";
pub const EMAIL_SERVICE_CONTACT: &str = "dpo@mail-service.example";

/// The built-in policy with privacy contacts for the carriers and the email service, written to
/// a file of its own (the path to set as `policy_file`).
pub fn policy_with_contacts() -> std::path::PathBuf {
    let source = include_str!("../../policy/default.toml")
        .replace(
            "safeguards = [\"sccs\", \"idta\"]\ncategories = [\"identification\", \"contact\", \"delivery\"]\n",
            &format!(
                "safeguards = [\"sccs\", \"idta\"]\ncategories = [\"identification\", \"contact\", \"delivery\"]\nprivacy_contact = \"{CARRIERS_CONTACT}\"\n"
            ),
        )
        .replace(
            "purpose = \"order_updates\"\n",
            &format!("purpose = \"order_updates\"\nprivacy_contact = \"{EMAIL_SERVICE_CONTACT}\"\n"),
        );
    let before = include_str!("../../policy/default.toml").matches("privacy_contact = \"").count();
    assert_eq!(
        source.matches("privacy_contact = \"").count(),
        before + 2,
        "the policy's recipients moved: update this helper"
    );
    let path = std::env::temp_dir().join(format!("luxevault-policy-{}.toml", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, source).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    path
}
