//! The web edge: the only layer that knows HTTP. Storefront pages (server-rendered, cookie-free),
//! the JSON API under `/api/v1/` with its OpenAPI document, health probes, static assets.
//!
//! Handlers parse the request, call one use case of `luxevault-shop` and present its result;
//! the shop's errors become status codes and pages here (`error.rs`), and nowhere else.

mod api;
mod assets;
mod backoffice;
mod error;
mod extract;
mod health;
mod media;
mod present;
mod router;
mod security;
mod state;
mod storefront;
mod views;
mod webhooks;

pub use api::ApiDoc;
pub use router::router;
pub use state::{AppState, MediaSource, NoMedia};
