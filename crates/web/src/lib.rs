//! The web edge: the only layer that knows HTTP. Storefront pages (server-rendered, cookie-free),
//! the JSON API under `/api/v1/` with its OpenAPI document, health probes, static assets.
//!
//! Handlers translate HTTP into calls on the domain core and storage and back; business rules
//! stay in `luxevault-core`, SQL stays in `luxevault-storage`.

mod analytics;
mod api;
mod api_account;
mod api_admin;
mod api_consent;
mod api_limits;
mod api_orders;
mod api_requests;
mod api_rights;
mod archive;
mod assets;
mod audit_trail;
mod auth;
mod backoffice;
mod catalog_cache;
pub mod charts;
mod checkout_pages;
mod customer;
mod emails;
mod error;
mod health;
mod i18n;
mod limits;
mod marketing;
mod media;
mod notices;
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

pub use analytics::SID_KEY as ANALYTICS_SID_KEY;
pub use api::ApiDoc;
pub use audit_trail::{Verification as AuditVerification, verify as verify_audit_log};
pub use backoffice::members::{self as staff_members, Actor as StaffActor, MemberError};
pub use backoffice::second_factor::code_at as totp_code_at;
pub use retention::{
    KNOWN_RULES, RuleReport, apply as apply_retention, apply_observed as apply_retention_observed,
    check_rules as check_retention_rules,
};
pub use router::router;
pub use settings::{Controller, ShopSettings, StorageKeys};
pub use state::{AppState, CommerceSettings, MediaSource, NoMedia, Parts, PublishedPolicy};
pub use worker::Worker;
