//! The web edge: the only layer that knows HTTP. Storefront pages (server-rendered, cookie-free),
//! the JSON API under `/api/v1/` with its OpenAPI document, health probes, static assets.
//!
//! Handlers translate HTTP into calls on the domain core and storage and back; business rules
//! stay in `luxevault-core`, SQL stays in `luxevault-storage`.

mod api;
mod api_account;
mod api_admin;
mod api_consent;
mod api_orders;
mod api_requests;
mod api_rights;
mod assets;
mod auth;
mod catalog_cache;
pub mod charts;
mod checkout_pages;
mod customer;
mod emails;
mod error;
mod health;
mod i18n;
mod media;
mod outbox;
mod present;
mod privacy;
mod retention;
mod router;
mod security;
mod settings;
mod shop;
mod state;
mod storefront;
mod views;
mod webhooks;
mod worker;

pub use api::ApiDoc;
pub use retention::{KNOWN_RULES, RuleReport, apply as apply_retention, check_rules as check_retention_rules};
pub use router::router;
pub use settings::{Controller, ShopSettings, StorageKeys};
pub use state::{AppState, CommerceSettings, MediaSource, NoMedia, Parts, PublishedPolicy};
pub use worker::Worker;
