//! `luxevault boutiques show|set`: the house's boutiques (address, time zone, opening hours,
//! closures), the services they give and the associates who give them, as a TOML file. `set`
//! checks the whole file first and names every mistake; then it adds or updates in one
//! transaction and removes nothing (appointments refer to what exists).

use anyhow::{Context, anyhow};
use luxevault_core::appointments::Setup;
use luxevault_core::{Clock, SystemClock};
use luxevault_storage::Appointments;

use crate::config::Config;
use crate::server::open_database;

/// Reads and checks a setup file's text.
pub fn parse_setup(text: &str) -> anyhow::Result<Setup> {
    let setup: Setup = toml::from_str(text).map_err(|e| anyhow!("{}", e.message()))?;
    setup.check().map_err(|errors| anyhow!("{}", errors.join("; ")))?;
    Ok(setup)
}

pub async fn boutiques_show(config: &Config) -> anyhow::Result<String> {
    let db = open_database(config).await?;
    let setup = Appointments::setup(&db).await;
    db.close().await;
    toml::to_string(&setup?).context("could not write the setup as TOML")
}

pub async fn boutiques_set(config: &Config, file: &std::path::Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(file).with_context(|| format!("could not read {}", file.display()))?;
    let setup = parse_setup(&text).map_err(|e| anyhow!("{}: {e}", file.display()))?;
    let db = open_database(config).await?;
    let result = Appointments::apply_setup(&db, &setup, SystemClock.now()).await;
    db.close().await;
    result?;
    Ok(format!(
        "Boutiques set: {} boutiques, {} services, {} associates. The booking page offers them at once.",
        setup.boutiques.len(),
        setup.services.len(),
        setup.associates.len()
    ))
}
