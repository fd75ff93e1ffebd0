//! `luxevault`: the shop in one binary.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use luxevault::config::{Config, Overrides};
use luxevault::server::{Application, open_database, shutdown_signal};
use luxevault::telemetry;
use luxevault_core::SystemClock;

#[derive(Parser)]
#[command(name = "luxevault", version, about = "A self-hosted commerce platform for luxury boutiques")]
struct Cli {
    /// Configuration file (TOML). Default: ./luxevault.toml when it exists.
    #[arg(long, global = true, env = "LUXEVAULT_CONFIG")]
    config: Option<PathBuf>,
    /// Folder for the SQLite database and the shop's files.
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// PostgreSQL URL (postgres://user@host:port/db); SQLite in the data folder when absent.
    #[arg(long, global = true, env = "LUXEVAULT_DATABASE_URL")]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the shop (migrates the database first).
    Serve {
        /// Address and port to listen on.
        #[arg(long)]
        bind: Option<std::net::SocketAddr>,
        /// Seed a demo shop (catalog, images, demo payments) on first start.
        #[arg(long)]
        demo: bool,
    },
    /// Bring the database schema up to date and exit.
    Migrate,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let bind = match &cli.command {
        Command::Serve { bind, .. } => *bind,
        Command::Migrate => None,
    };
    let overrides = Overrides { bind, data_dir: cli.data_dir.clone(), database_url: cli.database_url.clone() };
    let config = match Config::load(cli.config.as_deref(), &overrides) {
        Ok(config) => config,
        Err(error) => return fail(&error.to_string()),
    };
    telemetry::init(config.log_format);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => return fail(&format!("could not start the async runtime: {error}")),
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve { demo, .. } => serve(&config, demo).await,
            Command::Migrate => {
                let db = open_database(&config).await?;
                db.close().await;
                say("The database schema is up to date.");
                Ok(())
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&format!("{error:#}")),
    }
}

async fn serve(config: &Config, demo: bool) -> anyhow::Result<()> {
    let app = Application::build(config, Arc::new(SystemClock), demo).await?;
    let addr = app.local_addr()?;
    let backend = if config.uses_postgres() { "PostgreSQL" } else { "SQLite" };
    tracing::info!(%addr, backend, demo, "listening");
    say(&format!(
        "LuxeVault is serving http://{addr} ({backend}{}). Press Ctrl-C to stop.",
        if demo { ", demo shop" } else { "" }
    ));
    app.run_until_stopped(shutdown_signal()).await?;
    Ok(())
}

#[allow(clippy::print_stdout)] // the CLI's own answer to the operator
fn say(line: &str) {
    println!("{line}");
}

#[allow(clippy::print_stderr)]
fn fail(message: &str) -> ExitCode {
    eprintln!("luxevault: {message}");
    ExitCode::FAILURE
}
