//! Wiring: open the database, migrate it, seed the demo shop, build the web state and serve
//! until told to stop.

mod connections;

pub use connections::ConnectionLimits;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use luxevault_core::local_time::ShopTimeZone;
use luxevault_core::policy::Policy;
use luxevault_core::pricing::OfferedCurrency;
use luxevault_core::{Clock, Lang};
use luxevault_integrations::mail::Mailer;
use luxevault_integrations::payments::{DemoGateway, PaymentGateway, StripeClient};
use luxevault_shop::{CommerceSettings, Shop, ShopParts, ShopSettings, Worker};
use luxevault_storage::{
    CatalogStore, Db, DbOptions, Delivery, InstanceSecrets, NewProfile, PolicyVersions, ProfileRow, Publish,
    ShopProfile, migrate,
};
use luxevault_web::{AppState, MediaSource, NoMedia};
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;

use crate::config::Config;
use crate::demo;

/// Opens the configured database (creating the data folder for SQLite) and brings its schema
/// up to date.
pub async fn open_database(config: &Config) -> anyhow::Result<Db> {
    let options = DbOptions { max_connections: config.database_max_connections, ..DbOptions::default() };
    let db = if config.uses_postgres() {
        Db::open_postgres(config.database_url.trim(), &options).await.context("could not connect to PostgreSQL")?
    } else {
        create_private_dir(&config.data_dir)
            .with_context(|| format!("could not create the data folder {}", config.data_dir.display()))?;
        let db = Db::open_sqlite(&config.sqlite_path(), &options)
            .await
            .with_context(|| format!("could not open the SQLite database {}", config.sqlite_path().display()))?;
        owner_only(&config.sqlite_path())
            .with_context(|| format!("could not make {} readable by its owner only", config.sqlite_path().display()))?;
        db
    };
    migrate(&db).await.context("could not migrate the database")?;
    crate::audit_key::install(config, &db).await?;
    Ok(db)
}

/// The data folder holds personal data (the database, the outbox, uploaded images): made readable
/// by its owner only when LuxeVault creates it; a folder the operator made keeps its mode.
fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    if dir.exists() {
        return Ok(());
    }
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// The SQLite database and its journal files are readable and writable by their owner only
/// (SQLite gives its WAL and shared-memory files the database file's mode).
fn owner_only(database: &std::path::Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for suffix in ["", "-wal", "-shm"] {
            let path = std::path::PathBuf::from(format!("{}{suffix}", database.display()));
            if path.exists() {
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = database;
    Ok(())
}

/// Writes the demo catalog if the shop has no products yet. Returns whether it did.
pub async fn seed_demo(db: &Db, clock: &dyn Clock) -> anyhow::Result<bool> {
    demo::seed_boutiques(db, clock.now()).await.context("could not write the demo boutique")?;
    if !CatalogStore::is_empty(db).await? {
        return Ok(false);
    }
    let catalog = demo::catalog().map_err(anyhow::Error::msg)?;
    CatalogStore::insert(db, &catalog, clock.now()).await.context("could not write the demo catalog")?;
    if ShopProfile::get(db).await?.is_none() {
        let currencies: Vec<OfferedCurrency> = catalog
            .currencies
            .iter()
            .map(|c| OfferedCurrency { currency: c.currency, rate: c.rate, rounding_minor: c.rounding_minor })
            .collect();
        let profile = NewProfile {
            name: "Maison Élégance",
            legal_name: "Maison Élégance SAS",
            address: "12 rue du Faubourg Saint-Honoré\n75008 Paris\nFrance",
            vat_number: "FR00123456789",
            country: "FR",
            time_zone: "Europe/Paris",
            languages: "en,fr",
            base_currency: catalog.base_currency,
            currencies: &currencies,
        };
        ShopProfile::set(db, &profile, clock.now()).await.context("could not write the demo profile")?;
        let (shipping, taxes) = demo::delivery(catalog.base_currency).map_err(anyhow::Error::msg)?;
        Delivery::replace(db, &shipping, &taxes, clock.now()).await.context("could not write the demo delivery")?;
    }
    Ok(true)
}

/// The configured face of the shop, with what the house said of itself at `init`: its name,
/// languages and time zone win over the configuration file's.
pub fn house_settings(mut settings: ShopSettings, profile: Option<ProfileRow>) -> anyhow::Result<ShopSettings> {
    let Some(profile) = profile else { return Ok(settings) };
    settings.name = profile.name;
    let langs: Vec<Lang> = profile.languages.split(',').filter_map(|l| Lang::parse(l.trim())).collect();
    if !langs.is_empty() {
        settings.langs = langs;
    }
    settings.time_zone = ShopTimeZone::parse(&profile.time_zone).map_err(anyhow::Error::msg)?;
    Ok(settings)
}

pub struct Application {
    listener: TcpListener,
    state: AppState,
    worker: Option<Worker>,
    connections: ConnectionLimits,
}

fn payment_gateway(config: &Config) -> anyhow::Result<PaymentGateway> {
    if config.stripe_secret_key.is_empty() {
        return Ok(PaymentGateway::Demo(DemoGateway::new()));
    }
    let base = Some(config.stripe_api_base.trim()).filter(|b| !b.is_empty());
    let key = secrecy::SecretString::from(config.stripe_secret_key.expose().to_string());
    let client = StripeClient::new(key, base).map_err(|e| anyhow::anyhow!("Stripe: {e}"))?;
    Ok(PaymentGateway::Stripe(client))
}

const DEFAULT_POLICY: &str = include_str!("../policy/default.toml");

/// Reads and checks the privacy policy, archives it if it is a new version, and refuses to start
/// when an enabled integration sends data to a recipient the policy does not list (P12).
/// Checks a policy against the running shop: it parses, its retention rules are ones the engine
/// can apply, it declares every category and purpose the data inventory uses (P8, M4), it
/// publishes every recipient the configuration sends data to with what it receives (P12, M5),
/// and the browser keys the shop writes (P14). `serve` refuses to start and `policy check`
/// fails, with the sentence, when any does not hold.
pub fn check_policy(config: &Config, source: &str, origin: &str) -> anyhow::Result<Policy> {
    let languages: Vec<&str> = config.shop.languages.iter().map(String::as_str).collect();
    let policy = Policy::parse(source, &languages).map_err(|e| anyhow::anyhow!("{origin}: {e}"))?;
    luxevault_shop::privacy::retention::check_rules(&policy).map_err(|e| anyhow::anyhow!("{origin}: {e}"))?;
    luxevault_core::inventory::check_against(&policy)
        .map_err(|e| anyhow::anyhow!("{origin} does not cover what the shop stores:\n{e}"))?;
    let mut enabled = vec![("cloud_host", "hosting")];
    if !config.stripe_secret_key.is_empty() {
        enabled.push(("stripe", "stripe_secret_key"));
    }
    if !config.smtp_url.is_empty() {
        enabled.push(("email_service", "smtp_url"));
    }
    for (recipient, setting) in &enabled {
        if policy.recipient(recipient).is_none() {
            anyhow::bail!(
                "{setting} sends personal data to the recipient {recipient:?}, which {origin} does not list: publish it first (P12)"
            );
        }
    }
    let recipients: Vec<&str> = enabled.iter().map(|(r, _)| *r).collect();
    luxevault_core::inventory::check_recipients(&policy, &recipients)
        .map_err(|e| anyhow::anyhow!("{origin} understates what its recipients receive:\n{e}"))?;
    // The browser keys the shop writes are the ones the policy publishes (P14).
    for (setting, key) in [
        ("shop.cart_storage_key", &config.shop.cart_storage_key),
        ("shop.currency_storage_key", &config.shop.currency_storage_key),
        ("shop.session_storage_key", &config.shop.session_storage_key),
        ("the analytics session id", &luxevault_shop::analytics::SID_KEY.to_string()),
    ] {
        if !policy.browser_storage.iter().any(|item| &item.key == key) {
            anyhow::bail!("{setting} is {key:?}, which {origin} does not list under browser_storage (P14)");
        }
    }
    Ok(policy)
}

pub async fn load_policy(config: &Config, db: &Db, clock: &dyn Clock) -> anyhow::Result<Policy> {
    let (source, origin) = if config.policy_file.trim().is_empty() {
        (DEFAULT_POLICY.to_string(), "the built-in policy".to_string())
    } else {
        let path = config.policy_file.trim();
        (
            std::fs::read_to_string(path).with_context(|| format!("could not read the policy file {path}"))?,
            path.to_string(),
        )
    };
    let policy = check_policy(config, &source, &origin)?;
    let content = serde_json::to_string(&policy)?;
    let hash = hex::encode(Sha256::digest(content.as_bytes()));
    match PolicyVersions::publish(db, &policy.version, &policy.effective, &hash, &content, clock.now()).await? {
        Publish::Published => tracing::info!(version = %policy.version, "privacy policy version published"),
        Publish::Unchanged => {}
        Publish::Conflict => anyhow::bail!(
            "{origin} changed but its version is still {:?}: give it a new version (the one published stays readable)",
            policy.version
        ),
    }
    Ok(policy)
}

/// The key that signs order links: made once per installation, shared by every node.
async fn order_link_key(db: &Db, clock: &dyn Clock) -> anyhow::Result<Vec<u8>> {
    let mut fresh = [0u8; 32];
    getrandom::fill(&mut fresh).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let stored = InstanceSecrets::get_or_create(db, "order_links", &hex::encode(fresh), clock.now()).await?;
    hex::decode(stored).context("the stored order-link key is damaged")
}

impl Application {
    /// Everything but serving: database, demo seed, state, and the bound listening socket (so a
    /// test binding port 0 learns the real port before the first request).
    pub async fn build(config: &Config, clock: Arc<dyn Clock>, seed: bool) -> anyhow::Result<Self> {
        // One TLS crypto provider (ring) for every outbound client: Stripe, SMTP, and tests.
        luxevault_integrations::install_crypto_provider();
        let listener =
            TcpListener::bind(config.bind).await.with_context(|| format!("could not listen on {}", config.bind))?;
        let local = listener.local_addr()?;
        let db = open_database(config).await?;
        let media: Arc<dyn MediaSource> = if seed {
            if seed_demo(&db, clock.as_ref()).await? {
                tracing::info!("demo catalog written");
            }
            Arc::new(demo::DemoMediaSource)
        } else {
            Arc::new(NoMedia)
        };
        let settings = house_settings(config.shop_settings()?, ShopProfile::get(&db).await?)?;
        let payments = payment_gateway(config)?;
        if config.smtp_url.is_empty() {
            tracing::info!("no smtp_url: email is written to the outbox folder");
        }
        let smtp_url = Some(config.smtp_url.expose().trim()).filter(|u| !u.is_empty());
        let mailer = Mailer::from_url(smtp_url, &config.data_dir.join("outbox")).map_err(|e| anyhow::anyhow!("{e}"))?;
        let commerce = CommerceSettings {
            public_base_url: config.public_base_url(local),
            order_prefix: config.order_prefix.clone(),
            unpaid_order_hours: config.unpaid_order_hours,
            mail_from: config.mail_from.clone(),
            admin_token: Some(config.admin_token.expose().to_string()).filter(|t| !t.trim().is_empty()),
            trusted_proxies: config.trusted_proxies.clone(),
            stripe_webhook_secret: Some(config.stripe_webhook_secret.expose().to_string()).filter(|s| !s.is_empty()),
            password_hashing: config.password_hashing(),
            // Even with SMTP configured now, copies from before may still be there.
            mail_outbox: Some(config.data_dir.join("outbox")),
        };
        let link_key = order_link_key(&db, clock.as_ref()).await?;
        let policy = load_policy(config, &db, clock.as_ref()).await?;
        let shop = Shop::new(ShopParts { db, clock, settings, payments, commerce, order_link_key: link_key, policy })
            .map_err(anyhow::Error::msg)?;
        let worker = Worker::new(shop.clone(), mailer).map_err(anyhow::Error::msg)?;
        let state = AppState::new(shop, media).map_err(anyhow::Error::msg)?;
        let connections = ConnectionLimits {
            max_connections: config.max_connections,
            header_read_timeout: std::time::Duration::from_secs(config.header_read_timeout_seconds),
            drain: std::time::Duration::from_secs(config.shutdown_drain_seconds),
        }
        .fitted_to_open_files(config.database_max_connections);
        Ok(Self { listener, state, worker: Some(worker), connections })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Takes the job runner out, so a test drives the queue itself instead of a background loop.
    pub fn take_worker(&mut self) -> Option<Worker> {
        self.worker.take()
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight (for at most the
    /// drain time) and closes the database.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let db = self.state.db().clone();
        let (stop_worker, stopped) = tokio::sync::watch::channel(false);
        let worker = self.worker.map(|worker| tokio::spawn(worker.run(stopped)));
        let app = luxevault_web::router(self.state);
        connections::serve(self.listener, app, self.connections, shutdown).await;
        let _ = stop_worker.send(true);
        if let Some(worker) = worker {
            let _ = worker.await;
        }
        db.close().await;
        Ok(())
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
