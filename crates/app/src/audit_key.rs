//! The audit log's key and anchors, outside the database (M8): the key from
//! `LUXEVAULT_AUDIT_KEY` (64 hex digits, or any secret of at least 32 bytes) or else the file
//! `<data_dir>/audit.key`, created readable by its owner only on first start; the anchors in
//! `<data_dir>/audit-anchors.log`. Someone who can write to the database but not read this
//! folder or the environment can neither re-key edited entries nor hide a cut end.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, anyhow, bail};
use luxevault_core::audit::AuditKey;
use luxevault_core::{Clock, SystemClock};
use luxevault_shop::staff::audit_trail::{self, Seal};
use luxevault_storage::Db;

use crate::config::Config;

pub const KEY_ENV: &str = "LUXEVAULT_AUDIT_KEY";
pub const KEY_FILE: &str = "audit.key";
pub const ANCHORS_FILE: &str = "audit-anchors.log";

fn parse_key(text: &str) -> Option<AuditKey> {
    let text = text.trim();
    let bytes = match hex::decode(text) {
        Ok(bytes) if text.len() >= 64 => bytes,
        _ => text.as_bytes().to_vec(),
    };
    AuditKey::new(bytes)
}

fn key_from_file(path: &Path) -> anyhow::Result<AuditKey> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            parse_key(&text).ok_or_else(|| anyhow!("{} holds no audit key of at least 32 bytes", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut fresh = [0u8; 32];
            getrandom::fill(&mut fresh).map_err(|e| anyhow!("no randomness: {e}"))?;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut file = options.open(path).with_context(|| format!("could not create {}", path.display()))?;
            file.write_all(hex::encode(fresh).as_bytes())?;
            file.sync_all()?;
            tracing::info!(file = %path.display(), "audit key created; keep a copy of it apart from the database backups");
            AuditKey::new(fresh.to_vec()).ok_or_else(|| anyhow!("the audit key is too short"))
        }
        Err(e) => Err(e).with_context(|| format!("could not read {}", path.display())),
    }
}

/// Loads (or creates) the key, makes it the process's, records where keyed entries start and
/// anchors the head as it is now.
pub async fn install(config: &Config, db: &Db) -> anyhow::Result<()> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("could not create the data folder {}", config.data_dir.display()))?;
    let key = match std::env::var(KEY_ENV) {
        Ok(text) if !text.trim().is_empty() => match parse_key(&text) {
            Some(key) => key,
            None => bail!("{KEY_ENV} must hold at least 32 bytes (e.g. 64 hexadecimal digits)"),
        },
        _ => key_from_file(&config.data_dir.join(KEY_FILE))?,
    };
    audit_trail::install(Seal { key, anchors: config.data_dir.join(ANCHORS_FILE) });
    audit_trail::anchor_at_start(db, SystemClock.now()).await.context("could not anchor the audit log")?;
    Ok(())
}
