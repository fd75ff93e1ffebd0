//! The application layer: every use case of LuxeVault as a plain async function over the
//! storage and integration traits and the injected clock, and the job runner that carries out
//! queued work. It knows no HTTP (its Cargo.toml names no web framework, a test checks): the web
//! edge parses requests, calls one use case and presents the result; the binary's CLI calls the
//! same functions.
//!
//! Rooms, one per part of the business the policies describe:
//! - `orders`: placing an order, the payment events, capture, cancel, refund, staff moves, the
//!   customer's view of an order;
//! - `privacy`: rights requests and their clocks, the access copy and its archive, erasure,
//!   restriction and objection, Art. 19 notices, retention rules, the published policy;
//! - `staff`: members, second factor, the audit trail;
//! - `accounts`, `auth`, `consent`, `marketing`, `analytics`, `catalog`, `outbox`, `guard` (the
//!   sensitive-data guard at every door), `jobs`;
//! - wave 2: `invoices`, `appointments`, `inbox`, `fulfilment`, `fraud`.

pub mod accounts;
pub mod analytics;
pub mod appointments;
pub mod auth;
pub mod catalog;
pub mod catalog_import;
pub mod consent;
pub mod context;
pub mod delivery;
pub mod error;
pub mod exports;
pub mod fraud;
pub mod fulfilment;
pub mod guard;
pub mod i18n;
pub mod idempotency;
pub mod inbox;
pub mod invoices;
pub mod jobs;
pub mod marketing;
pub mod orders;
pub mod outbox;
pub mod privacy;
pub mod profile;
pub mod settings;
pub mod sizing;
pub mod staff;

pub use context::{CommerceSettings, PublishedPolicy, Shop, ShopParts};
pub use error::{ShopError, ShopResult};
pub use jobs::runner::Worker;
pub use settings::{Controller, ShopSettings, StorageKeys};
