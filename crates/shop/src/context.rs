//! What every use case can reach: the database, the clock, the policy in force, the payment
//! gateway, the shop's settings and its cached catalog. Built once by the binary; cheap to clone.

use std::sync::Arc;

use luxevault_core::Clock;
use luxevault_core::catalog::snapshot::Catalog;
use luxevault_integrations::payments::PaymentGateway;
use luxevault_storage::{Db, DbError};

use crate::catalog::CatalogCache;
use crate::i18n::Translations;
use crate::settings::ShopSettings;

/// How the shop trades: its public address (for links in emails and payment pages), order
/// numbering, and payment settings.
#[derive(Debug, Clone)]
pub struct CommerceSettings {
    /// `https://shop.example` — no trailing slash.
    pub public_base_url: String,
    /// Order numbers read `<prefix>-<year>-<counter>`.
    pub order_prefix: String,
    /// Orders not paid within this many hours are cancelled and their stock released.
    pub unpaid_order_hours: i64,
    /// The sender of the shop's email, e.g. `Maison Élégance <boutique@maison.example>`.
    pub mail_from: String,
    /// Reverse proxies whose `X-Forwarded-For` is believed (for per-client throttling).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The token for automating staff operations over the API (audited as `api-token`).
    pub admin_token: Option<String>,
    /// The Stripe webhook signing secret (`whsec_…`), when Stripe is used.
    pub stripe_webhook_secret: Option<String>,
    /// How many password checks run at once and how many wait (memory: 19 MiB per verifier).
    pub password_hashing: crate::auth::HashingLimits,
    /// The folder of `.eml` copies the mailer writes when no SMTP server is configured: erasure
    /// deletes the person's messages from it.
    pub mail_outbox: Option<std::path::PathBuf>,
}

/// The privacy policy in force, with its canonical JSON (what `/privacy.json` serves).
pub struct PublishedPolicy {
    pub policy: luxevault_core::policy::Policy,
    pub json: serde_json::Value,
}

/// The shop: the context of every use case.
#[derive(Clone)]
pub struct Shop(Arc<Inner>);

struct Inner {
    db: Db,
    policy: PublishedPolicy,
    payments: PaymentGateway,
    commerce: CommerceSettings,
    /// Signs the order links sent to guests and keys the hashes of addresses (generated once per
    /// installation, kept in the database).
    order_link_key: Vec<u8>,
    clock: Arc<dyn Clock>,
    settings: ShopSettings,
    catalog: CatalogCache,
    delivery: crate::delivery::DeliveryCache,
    opened: std::sync::atomic::AtomicBool,
    translations: Translations,
    hashers: crate::auth::PasswordHashers,
}

/// What the binary wires together into the shop.
pub struct ShopParts {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub settings: ShopSettings,
    pub payments: PaymentGateway,
    pub commerce: CommerceSettings,
    /// Signs the order links sent to guests.
    pub order_link_key: Vec<u8>,
    pub policy: luxevault_core::policy::Policy,
}

impl Shop {
    /// Builds the shop, loading its UI strings; fails with a sentence when a configured language
    /// has no strings.
    pub fn new(parts: ShopParts) -> Result<Self, String> {
        let ShopParts { db, clock, settings, payments, commerce, order_link_key, policy } = parts;
        if settings.langs.is_empty() {
            return Err("at least one language must be configured".into());
        }
        let translations = Translations::load(&settings.langs)?;
        translations.check_required()?;
        let json = serde_json::to_value(&policy).map_err(|e| format!("policy: {e}"))?;
        let hashers = crate::auth::PasswordHashers::start(commerce.password_hashing)?;
        Ok(Self(Arc::new(Inner {
            db,
            policy: PublishedPolicy { policy, json },
            payments,
            commerce,
            order_link_key,
            clock,
            settings,
            catalog: CatalogCache::new(),
            delivery: Default::default(),
            opened: std::sync::atomic::AtomicBool::new(false),
            translations,
            hashers,
        })))
    }

    pub fn db(&self) -> &Db {
        &self.0.db
    }

    pub fn clock(&self) -> &dyn Clock {
        self.0.clock.as_ref()
    }

    pub fn policy(&self) -> &PublishedPolicy {
        &self.0.policy
    }

    pub fn payments(&self) -> &PaymentGateway {
        &self.0.payments
    }

    pub fn commerce(&self) -> &CommerceSettings {
        &self.0.commerce
    }

    /// The installation's secret key (order links, keyed hashes of addresses and throttles).
    /// The password verifiers: every password check of the shop goes through them.
    pub fn hashers(&self) -> &crate::auth::PasswordHashers {
        &self.0.hashers
    }

    pub fn order_link_key(&self) -> &[u8] {
        &self.0.order_link_key
    }

    pub fn settings(&self) -> &ShopSettings {
        &self.0.settings
    }

    pub fn translations(&self) -> &Translations {
        &self.0.translations
    }

    pub(crate) fn delivery_cache(&self) -> &crate::delivery::DeliveryCache {
        &self.0.delivery
    }

    /// The catalog; `DbError::NotOpen` until the house has a base currency (`luxevault init`).
    pub async fn catalog(&self) -> Result<Arc<Catalog>, DbError> {
        self.ensure_open().await?;
        self.0.catalog.get(&self.0.db).await
    }

    /// Whether the house has opened: asked of the database until it has, then remembered (a
    /// shop never loses its base currency).
    pub async fn ensure_open(&self) -> Result<(), DbError> {
        use std::sync::atomic::Ordering;
        if self.0.opened.load(Ordering::Relaxed) {
            return Ok(());
        }
        if !luxevault_storage::ShopProfile::has_base_currency(&self.0.db).await? {
            return Err(DbError::NotOpen);
        }
        self.0.opened.store(true, Ordering::Relaxed);
        Ok(())
    }
}
