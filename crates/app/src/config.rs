//! Configuration: built-in defaults, then a TOML file, then `LUXEVAULT_*` environment variables,
//! then command-line flags — each overriding the one before. Every key is documented in
//! README.md and in `luxevault.example.toml`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use luxevault_core::Lang;
use luxevault_shop::auth::HashingLimits;
use luxevault_shop::{Controller, ShopSettings, StorageKeys};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address and port to listen on.
    pub bind: SocketAddr,
    /// Folder for the SQLite database and the shop's files.
    pub data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL; empty for SQLite in the data folder.
    pub database_url: String,
    /// Largest number of database connections per process.
    pub database_max_connections: u32,
    /// `text` for people, `json` for log collectors.
    pub log_format: LogFormat,
    /// The shop's public address, for links in emails and payment pages (e.g.
    /// `https://maison.example`); `http://<bind>` when empty.
    pub public_base_url: String,
    /// `smtp://host:port` (or `smtps://user:pass@host:465`); empty writes `.eml` files to
    /// `<data_dir>/outbox`.
    pub smtp_url: Secret,
    /// The sender of the shop's email.
    pub mail_from: String,
    /// Stripe secret (or restricted) key; empty uses the demo payment provider.
    pub stripe_secret_key: Secret,
    /// Stripe's webhook signing secret (`whsec_…`).
    pub stripe_webhook_secret: Secret,
    /// Stripe's API address (a local fake in tests); empty for Stripe's own.
    pub stripe_api_base: String,
    /// Order numbers read `<order_prefix>-<year>-<counter>`.
    pub order_prefix: String,
    /// Addresses of the reverse proxies in front of the shop, whose `X-Forwarded-For` header
    /// names the client (for per-client throttling); empty trusts no one.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The privacy policy file (TOML); empty uses the built-in one, which reproduces the
    /// house's published policies.
    pub policy_file: String,
    /// Bearer token for staff operations over `/api/v1/admin/…` (at least 32 characters);
    /// empty disables them.
    pub admin_token: Secret,
    /// Orders left unpaid this long are cancelled and their stock released.
    pub unpaid_order_hours: i64,
    /// Password checks (Argon2id) run at once; each verifier keeps 19 MiB for the process's life.
    pub password_verifiers: usize,
    /// Password checks that may wait for a verifier; beyond them the answer is 503 + Retry-After.
    pub password_queue: usize,
    /// How long a password check waits for a verifier before the answer is 503 + Retry-After.
    pub password_queue_wait_seconds: u64,
    /// Open client connections at most (lowered to fit the process's open-file limit).
    pub max_connections: usize,
    /// A client has this long to send a request's headers, and a kept-alive connection may sit
    /// idle this long between requests; then the server closes it.
    pub header_read_timeout_seconds: u64,
    /// After SIGTERM or Ctrl-C, requests in flight get this long to finish; then the rest of the
    /// connections are dropped and the process exits.
    pub shutdown_drain_seconds: u64,
    pub shop: ShopConfig,
}

/// A configured secret: read like any value, never printed.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() { "Secret(<empty>)" } else { "Secret(<redacted>)" })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShopConfig {
    pub name: String,
    pub tagline: String,
    /// Languages offered, default first (each needs crates/shop/assets/i18n/<code>.json).
    pub languages: Vec<String>,
    /// localStorage key of the cart (the privacy policy publishes it).
    pub cart_storage_key: String,
    /// localStorage key of the chosen currency (the privacy policy publishes it).
    pub currency_storage_key: String,
    /// localStorage key of a signed-in customer's session token (the privacy policy publishes it).
    pub session_storage_key: String,
    /// The data controller and its privacy contacts, shown on /privacy.
    pub controller_name: String,
    pub privacy_email: String,
    pub privacy_whatsapp: String,
}

impl Default for Config {
    fn default() -> Self {
        let storage = StorageKeys::default();
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./data"),
            database_url: String::new(),
            database_max_connections: 16,
            log_format: LogFormat::Text,
            public_base_url: String::new(),
            smtp_url: Secret::default(),
            mail_from: "Maison Élégance <boutique@maison-elegance.example>".into(),
            stripe_secret_key: Secret::default(),
            stripe_webhook_secret: Secret::default(),
            stripe_api_base: String::new(),
            order_prefix: "ME".into(),
            admin_token: Secret::default(),
            policy_file: String::new(),
            trusted_proxies: Vec::new(),
            unpaid_order_hours: 24,
            password_verifiers: 1,
            password_queue: 64,
            password_queue_wait_seconds: 5,
            max_connections: 1000,
            header_read_timeout_seconds: 10,
            shutdown_drain_seconds: 10,
            shop: ShopConfig {
                name: "Maison Élégance".into(),
                tagline: "Maison de couture, Paris".into(),
                languages: vec!["en".into(), "fr".into()],
                cart_storage_key: storage.cart,
                currency_storage_key: storage.currency,
                session_storage_key: storage.session,
                controller_name: "LIEN GROUP".into(),
                privacy_email: "privacy@liengroup.com".into(),
                privacy_whatsapp: "+86 16657122166".into(),
            },
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Invalid(String),
    #[error("configuration: {0}")]
    Figment(#[from] Box<figment::Error>),
}

/// Values given on the command line; `None` leaves the configured value.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<SocketAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
}

const DEFAULT_FILE: &str = "luxevault.toml";

/// Environment variables `LUXEVAULT_<KEY>` that are configuration. Others with the prefix
/// (`LUXEVAULT_LOG`, `LUXEVAULT_CONFIG`, test settings) belong to something else and are left
/// alone, while the file stays strict about unknown keys.
fn is_config_key(key: &str) -> bool {
    const TOP: &[&str] = &[
        "bind",
        "data_dir",
        "database_url",
        "database_max_connections",
        "log_format",
        "public_base_url",
        "smtp_url",
        "mail_from",
        "stripe_secret_key",
        "stripe_webhook_secret",
        "stripe_api_base",
        "order_prefix",
        "admin_token",
        "policy_file",
        "trusted_proxies",
        "unpaid_order_hours",
        "password_verifiers",
        "password_queue",
        "password_queue_wait_seconds",
        "max_connections",
        "header_read_timeout_seconds",
        "shutdown_drain_seconds",
    ];
    let key = key.to_ascii_lowercase();
    TOP.contains(&key.as_str()) || key.starts_with("shop__")
}

impl Config {
    /// Reads the configuration. `file` must exist when given; without it, `./luxevault.toml` is
    /// read if present.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) if !path.exists() => {
                return Err(ConfigError::Invalid(format!("the configuration file {} does not exist", path.display())));
            }
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None if Path::new(DEFAULT_FILE).exists() => figment = figment.merge(Toml::file_exact(DEFAULT_FILE)),
            None => {}
        }
        let config: Config = figment
            .merge(Env::prefixed("LUXEVAULT_").filter(|key| is_config_key(key.as_str())).split("__"))
            .merge(Serialized::defaults(overrides))
            .extract()
            .map_err(Box::new)?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let url = self.database_url.trim();
        if !(url.is_empty() || url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(ConfigError::Invalid(
                "database_url must start with postgres:// (or be empty to use SQLite in the data folder)".into(),
            ));
        }
        if self.unpaid_order_hours < 1 {
            return Err(ConfigError::Invalid("unpaid_order_hours must be at least 1".into()));
        }
        if !self.order_prefix.chars().all(|c| c.is_ascii_alphanumeric()) || self.order_prefix.is_empty() {
            return Err(ConfigError::Invalid("order_prefix must be letters and digits, e.g. \"ME\"".into()));
        }
        if !self.stripe_secret_key.is_empty() && self.stripe_webhook_secret.is_empty() {
            return Err(ConfigError::Invalid(
                "stripe_webhook_secret is required with stripe_secret_key: without it payments are never confirmed"
                    .into(),
            ));
        }
        if !self.admin_token.is_empty() && self.admin_token.expose().chars().count() < 32 {
            return Err(ConfigError::Invalid("admin_token must have at least 32 characters".into()));
        }
        if !(1..=64).contains(&self.password_verifiers) {
            return Err(ConfigError::Invalid("password_verifiers must be between 1 and 64 (each takes 19 MiB)".into()));
        }
        if self.max_connections == 0 {
            return Err(ConfigError::Invalid("max_connections must be at least 1".into()));
        }
        if !(1..=3600).contains(&self.header_read_timeout_seconds) {
            return Err(ConfigError::Invalid("header_read_timeout_seconds must be between 1 and 3600".into()));
        }
        if self.password_queue_wait_seconds > 600 || self.shutdown_drain_seconds > 3600 {
            return Err(ConfigError::Invalid(
                "password_queue_wait_seconds must be at most 600 and shutdown_drain_seconds at most 3600".into(),
            ));
        }
        if self.database_max_connections == 0 {
            return Err(ConfigError::Invalid("database_max_connections must be at least 1".into()));
        }
        self.shop_settings().map(|_| ())
    }

    pub fn shop_settings(&self) -> Result<ShopSettings, ConfigError> {
        let mut langs = Vec::new();
        for code in &self.shop.languages {
            let lang = Lang::parse(code).ok_or_else(|| {
                ConfigError::Invalid(format!("shop.languages: {code:?} is not a language code such as \"en\""))
            })?;
            if langs.contains(&lang) {
                return Err(ConfigError::Invalid(format!("shop.languages lists {code} twice")));
            }
            langs.push(lang);
        }
        if langs.is_empty() {
            return Err(ConfigError::Invalid("shop.languages must name at least one language".into()));
        }
        let key_ok = |k: &str| {
            !k.is_empty() && k.len() <= 64 && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        };
        for key in [&self.shop.cart_storage_key, &self.shop.currency_storage_key, &self.shop.session_storage_key] {
            if !key_ok(key) {
                return Err(ConfigError::Invalid(format!("storage key {key:?} must be 1–64 letters, digits, _ or -")));
            }
        }
        let keys = [&self.shop.cart_storage_key, &self.shop.currency_storage_key, &self.shop.session_storage_key];
        if keys[0] == keys[1] || keys[0] == keys[2] || keys[1] == keys[2] {
            return Err(ConfigError::Invalid("the cart, currency and session storage keys must differ".into()));
        }
        Ok(ShopSettings {
            name: self.shop.name.clone(),
            tagline: self.shop.tagline.clone(),
            langs,
            storage: StorageKeys {
                cart: self.shop.cart_storage_key.clone(),
                currency: self.shop.currency_storage_key.clone(),
                session: self.shop.session_storage_key.clone(),
            },
            controller: Controller {
                name: self.shop.controller_name.clone(),
                email: self.shop.privacy_email.clone(),
                whatsapp: self.shop.privacy_whatsapp.clone(),
            },
            // The house's own zone comes from its profile (`luxevault init`); UTC until then.
            time_zone: luxevault_core::local_time::ShopTimeZone::utc(),
        })
    }

    /// The password verifiers' limits.
    pub fn password_hashing(&self) -> HashingLimits {
        HashingLimits {
            verifiers: self.password_verifiers,
            queue: self.password_queue,
            queue_wait: Duration::from_secs(self.password_queue_wait_seconds),
        }
    }

    /// The public address, without a trailing slash; the listening address when not configured.
    pub fn public_base_url(&self, listening: SocketAddr) -> String {
        let url = self.public_base_url.trim().trim_end_matches('/');
        if url.is_empty() { format!("http://{listening}") } else { url.to_string() }
    }

    pub fn uses_postgres(&self) -> bool {
        !self.database_url.trim().is_empty()
    }

    pub fn sqlite_path(&self) -> PathBuf {
        self.data_dir.join("luxevault.db")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_file_lists_the_defaults() {
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../luxevault.example.toml");
        let loaded = Config::load(Some(&example), &Overrides::default()).unwrap_or_else(|e| panic!("{e}"));
        let as_json = |c: &Config| serde_json::to_value(c).unwrap_or_default();
        assert_eq!(as_json(&loaded), as_json(&Config::default()), "luxevault.example.toml drifted from the defaults");
    }

    #[test]
    fn only_configuration_keys_are_read_from_the_environment() {
        assert!(is_config_key("DATABASE_URL"));
        assert!(is_config_key("SHOP__NAME"));
        assert!(!is_config_key("LOG"));
        assert!(!is_config_key("TEST_POSTGRES"));
        assert!(!is_config_key("BIN"));
    }
}
