//! Wiring: open the database, migrate it, seed the demo shop, build the web state and serve
//! until told to stop.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use luxevault_core::Clock;
use luxevault_storage::{CatalogStore, Db, DbOptions, migrate};
use luxevault_web::{AppState, MediaSource, NoMedia};
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
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("could not create the data folder {}", config.data_dir.display()))?;
        Db::open_sqlite(&config.sqlite_path(), &options)
            .await
            .with_context(|| format!("could not open the SQLite database {}", config.sqlite_path().display()))?
    };
    migrate(&db).await.context("could not migrate the database")?;
    Ok(db)
}

/// Writes the demo catalog if the shop has no products yet. Returns whether it did.
pub async fn seed_demo(db: &Db, clock: &dyn Clock) -> anyhow::Result<bool> {
    if !CatalogStore::is_empty(db).await? {
        return Ok(false);
    }
    let catalog = demo::catalog().map_err(anyhow::Error::msg)?;
    CatalogStore::insert(db, &catalog, clock.now()).await.context("could not write the demo catalog")?;
    Ok(true)
}

pub struct Application {
    listener: TcpListener,
    state: AppState,
}

impl Application {
    /// Everything but serving: database, demo seed, state, and the bound listening socket (so a
    /// test binding port 0 learns the real port before the first request).
    pub async fn build(config: &Config, clock: Arc<dyn Clock>, seed: bool) -> anyhow::Result<Self> {
        let db = open_database(config).await?;
        let media: Arc<dyn MediaSource> = if seed {
            if seed_demo(&db, clock.as_ref()).await? {
                tracing::info!("demo catalog written");
            }
            Arc::new(demo::DemoMediaSource)
        } else {
            Arc::new(NoMedia)
        };
        let settings = config.shop_settings()?;
        let state = AppState::new(db, clock, settings, media).map_err(anyhow::Error::msg)?;
        let listener =
            TcpListener::bind(config.bind).await.with_context(|| format!("could not listen on {}", config.bind))?;
        Ok(Self { listener, state })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight and closes the
    /// database.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let db = self.state.db().clone();
        let app = luxevault_web::router(self.state);
        // Peer addresses feed login throttling only; they are never stored raw.
        let service = app.into_make_service_with_connect_info::<SocketAddr>();
        let result = axum::serve(self.listener, service).with_graceful_shutdown(shutdown).await;
        db.close().await;
        result
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
