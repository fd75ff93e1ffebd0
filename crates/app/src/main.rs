//! `luxevault`: the shop in one binary.

use std::io::IsTerminal;
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
    /// Open the house: its name, seller details, currencies, languages and time zone (asked for
    /// on a terminal when a flag is missing). Run again to change them.
    Init {
        #[arg(long)]
        name: Option<String>,
        /// The legal entity named on invoices.
        #[arg(long)]
        legal_name: Option<String>,
        /// Postal address, lines separated by " / ".
        #[arg(long)]
        address: Option<String>,
        #[arg(long)]
        vat_number: Option<String>,
        /// ISO 3166-1 alpha-2 country of establishment.
        #[arg(long)]
        country: Option<String>,
        /// The base currency (ISO 4217): prices are set in it.
        #[arg(long)]
        currency: Option<String>,
        /// Other currencies offered, CODE:RATE:STEP comma-separated (e.g. USD:1.085:10).
        #[arg(long)]
        currencies: Option<String>,
        /// Languages, default first (e.g. en,fr).
        #[arg(long)]
        languages: Option<String>,
        /// IANA time zone (e.g. Europe/Paris).
        #[arg(long)]
        time_zone: Option<String>,
    },
    /// Delivery zones, rates and tax rates.
    Shipping {
        #[command(subcommand)]
        action: ShippingCommand,
    },
    /// Boutiques, their services and associates (appointments).
    Boutiques {
        #[command(subcommand)]
        action: BoutiquesCommand,
    },
    /// Bring the database schema up to date and exit.
    Migrate,
    /// The retention rules of the privacy policy.
    Retention {
        #[command(subcommand)]
        action: RetentionCommand,
    },
    /// Staff members of the back office.
    Staff {
        #[command(subcommand)]
        action: StaffCommand,
    },
    /// The audit log of staff access to personal data.
    Audit {
        #[command(subcommand)]
        action: AuditCommand,
    },
    /// The catalog as a Shopify product CSV: import (from Shopify) and export.
    Catalog {
        #[command(subcommand)]
        action: CatalogCommand,
    },
    /// The privacy policy file.
    Policy {
        #[command(subcommand)]
        action: PolicyCommand,
    },
}

#[derive(Subcommand)]
enum ShippingCommand {
    /// Print the delivery table as a TOML file (the format `shipping set` reads).
    Show,
    /// Replace the whole delivery table with a TOML file, checked first.
    Set { file: std::path::PathBuf },
}

#[derive(Subcommand)]
enum BoutiquesCommand {
    /// Print the boutiques, services and associates as a TOML file (the format `set` reads).
    Show,
    /// Add or update boutiques, services and associates from a TOML file, checked first.
    Set { file: std::path::PathBuf },
}

#[derive(Subcommand)]
enum CatalogCommand {
    /// Import products from a Shopify product CSV: checked whole first, written in one
    /// transaction; importing the same file again changes nothing.
    Import {
        /// The CSV file (Shopify's product export format).
        file: PathBuf,
        /// Report what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Import the good products of a file that has bad ones (default: a bad file imports nothing).
        #[arg(long)]
        skip_bad: bool,
        /// Folder of the images the CSV names by relative path (default: the CSV's folder).
        #[arg(long, value_name = "DIR")]
        images: Option<PathBuf>,
    },
    /// Export the catalog as a Shopify product CSV.
    Export {
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Write the stored images into this folder and name them in the CSV by file name.
        #[arg(long, value_name = "DIR")]
        images: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Check a policy file against the data inventory and this configuration, as `serve` does.
    Check {
        /// The policy file (TOML).
        file: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum StaffCommand {
    /// Create a staff member (the first owner, typically). The password is read from standard
    /// input, or asked for without echo on a terminal.
    Create {
        /// The member's email address (every member has one).
        #[arg(long, required_unless_present = "username")]
        email: Option<String>,
        /// How they sign in; the email's local part when absent.
        #[arg(long)]
        username: Option<String>,
        /// owner, manager, associate, fulfilment, accountant or privacy_officer.
        #[arg(long)]
        role: String,
        /// How colleagues see the member's name (default: the username).
        #[arg(long)]
        name: Option<String>,
        /// Read the password from standard input (one line).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Remove a member's second factor (lost phone): they set up a new one at next sign-in.
    ResetSecondFactor {
        #[arg(long)]
        username: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain of the whole audit log and report the first altered or missing entry.
    Verify {
        /// SEQ:HASH printed by an earlier run: also proves nothing was cut from the end since.
        #[arg(long, value_name = "SEQ:HASH")]
        expect_head: Option<String>,
    },
}

#[derive(Subcommand)]
enum RetentionCommand {
    /// Apply every retention rule now (or, with --dry-run, report what it would do).
    Run {
        /// Only count what would be anonymised or deleted; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// With --dry-run: as of this day (YYYY-MM-DD), to preview what is coming.
        #[arg(long, requires = "dry_run", value_name = "YYYY-MM-DD")]
        as_of: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let bind = match &cli.command {
        Command::Serve { bind, .. } => *bind,
        Command::Migrate
        | Command::Init { .. }
        | Command::Shipping { .. }
        | Command::Boutiques { .. }
        | Command::Retention { .. }
        | Command::Staff { .. }
        | Command::Audit { .. }
        | Command::Catalog { .. }
        | Command::Policy { .. } => None,
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
            Command::Init {
                name,
                legal_name,
                address,
                vat_number,
                country,
                currency,
                currencies,
                languages,
                time_zone,
            } => {
                let args = luxevault::shop_cli::InitArgs {
                    name,
                    legal_name,
                    address,
                    vat_number,
                    country,
                    currency,
                    currencies,
                    languages,
                    time_zone,
                };
                say(&luxevault::shop_cli::init(&config, args).await?);
                Ok(())
            }
            Command::Shipping { action: ShippingCommand::Show } => {
                say(luxevault::shop_cli::shipping_show(&config).await?.trim_end());
                Ok(())
            }
            Command::Shipping { action: ShippingCommand::Set { file } } => {
                say(&luxevault::shop_cli::shipping_set(&config, &file).await?);
                Ok(())
            }
            Command::Boutiques { action: BoutiquesCommand::Show } => {
                say(luxevault::boutique_cli::boutiques_show(&config).await?.trim_end());
                Ok(())
            }
            Command::Boutiques { action: BoutiquesCommand::Set { file } } => {
                say(&luxevault::boutique_cli::boutiques_set(&config, &file).await?);
                Ok(())
            }
            Command::Migrate => {
                let db = open_database(&config).await?;
                db.close().await;
                say("The database schema is up to date.");
                Ok(())
            }
            Command::Retention { action: RetentionCommand::Run { dry_run, as_of } } => {
                retention_run(&config, dry_run, as_of.as_deref()).await
            }
            Command::Staff { action: StaffCommand::Create { email, username, role, name, password_stdin } } => {
                let password = luxevault::staff_cli::read_password(password_stdin)?;
                let (email, username) = (email.unwrap_or_default(), username.unwrap_or_default());
                let done =
                    luxevault::staff_cli::create(&config, &email, &username, &role, name.as_deref(), password).await?;
                say(&done);
                Ok(())
            }
            Command::Staff { action: StaffCommand::ResetSecondFactor { username } } => {
                say(&luxevault::staff_cli::reset_second_factor(&config, &username).await?);
                Ok(())
            }
            Command::Audit { action: AuditCommand::Verify { expect_head } } => {
                say(&luxevault::staff_cli::audit_verify(&config, expect_head.as_deref()).await?);
                Ok(())
            }
            Command::Catalog { action: CatalogCommand::Import { file, dry_run, skip_bad, images } } => {
                for line in luxevault::catalog_cli::import(&config, &file, dry_run, skip_bad, images).await? {
                    say(&line);
                }
                Ok(())
            }
            Command::Catalog { action: CatalogCommand::Export { output, images } } => {
                if let Some(line) =
                    luxevault::catalog_cli::export(&config, output.as_deref(), images.as_deref()).await?
                {
                    note(&line);
                }
                Ok(())
            }
            Command::Policy { action: PolicyCommand::Check { file } } => policy_check(&config, &file),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&format!("{error:#}")),
    }
}

/// `policy check FILE`: the same checks as `serve`, a summary when the file holds, and what it
/// publishes that this shop does not process.
fn policy_check(config: &Config, file: &std::path::Path) -> anyhow::Result<()> {
    let origin = file.display().to_string();
    let source =
        std::fs::read_to_string(file).map_err(|e| anyhow::anyhow!("could not read the policy file {origin}: {e}"))?;
    let policy = luxevault::server::check_policy(config, &source, &origin)?;
    say(&format!(
        "{origin}: version {} holds: {} categories, {} purposes, {} recipients, {} retention rules, checked against the data inventory.",
        policy.version,
        policy.categories.len(),
        policy.purposes.len(),
        policy.recipients.len(),
        policy.retention.len()
    ));
    let unused = luxevault_core::inventory::published_but_unused(&policy);
    if !unused.is_empty() {
        say(&format!("Published but not processed by this shop's own records: {}.", unused.join(", ")));
    }
    Ok(())
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

async fn retention_run(config: &Config, dry_run: bool, as_of: Option<&str>) -> anyhow::Result<()> {
    let clock = SystemClock;
    let now = luxevault_core::Clock::now(&clock);
    let as_of = match as_of {
        Some(day) => luxevault_core::Timestamp::from_date(day)
            .ok_or_else(|| anyhow::anyhow!("--as-of {day:?} is not a date such as 2027-01-31"))?,
        None => now,
    };
    let db = open_database(config).await?;
    let policy = luxevault::server::load_policy(config, &db, &clock).await?;
    let mode = if dry_run {
        format!("Dry run as of {} — nothing was changed.", &as_of.to_rfc3339()[..10])
    } else {
        "Applied.".into()
    };
    // The bar goes to stderr, and only to a terminal: stdout keeps one line per rule, for scripts.
    let bar = if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(policy.retention.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} retention [{bar:30}] {pos}/{len} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Some(bar)
    } else {
        None
    };
    let mut lines = Vec::new();
    let result = luxevault_shop::privacy::retention::apply_observed(
        &db,
        &policy,
        as_of,
        now,
        dry_run,
        &mut |position, total, report| {
            let line = rule_line(position, total, report, dry_run);
            if let Some(bar) = &bar {
                bar.set_message(report.rule.clone());
                bar.inc(1);
            }
            lines.push(line);
        },
    )
    .await;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    db.close().await;
    result?;
    say(&mode);
    for line in lines {
        say(&line);
    }
    Ok(())
}

/// One line of the report: `[i/n] rule: counts — kept N days (note)`.
fn rule_line(
    position: usize,
    total: usize,
    report: &luxevault_shop::privacy::retention::RuleReport,
    dry_run: bool,
) -> String {
    let counts: Vec<String> = report
        .counts
        .iter()
        .map(|(action, n)| if dry_run { format!("{n} would be {action}") } else { format!("{n} {action}") })
        .collect();
    let note = report.note.map(|n| format!(" ({n})")).unwrap_or_default();
    format!("[{position}/{total}] {}: {} — kept {} days{note}", report.rule, counts.join(", "), report.keep_days)
}

#[allow(clippy::print_stdout)] // the CLI's own answer to the operator
fn say(line: &str) {
    println!("{line}");
}

/// A line for the operator that is not the command's output (which may be going to a pipe).
#[allow(clippy::print_stderr)]
fn note(line: &str) {
    eprintln!("{line}");
}

#[allow(clippy::print_stderr)]
fn fail(message: &str) -> ExitCode {
    eprintln!("luxevault: {message}");
    ExitCode::FAILURE
}
