//! The web edge: the only layer that knows HTTP. Storefront pages (server-rendered, cookie-free),
//! the JSON API under `/api/v1/` with its OpenAPI document, health probes, static assets.
//!
//! Handlers translate HTTP into calls on the domain core and storage and back; business rules
//! stay in `luxevault-core`, SQL stays in `luxevault-storage`.

mod api;
mod api_account;
mod assets;
mod auth;
mod catalog_cache;
mod customer;
mod error;
mod health;
mod i18n;
mod outbox;
mod present;
mod router;
mod security;
mod settings;
mod state;
mod storefront;
mod views;

pub use api::ApiDoc;
pub use router::router;
pub use settings::{Controller, ShopSettings, StorageKeys};
pub use state::{AppState, MediaSource, NoMedia};
