//! `luxevault catalog import FILE.csv` and `luxevault catalog export`: a boutique moving from
//! Shopify brings its product CSV, and can take its catalog away in the same format. The work is
//! `luxevault_shop::catalog_import`; here are the files, the progress bar and the sentences.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};
use luxevault_core::SystemClock;
use luxevault_core::media::DEFAULT_MAX_BYTES;
use luxevault_shop::catalog_import::{self, ExportOptions, ImportError, ImportOptions};

use crate::config::Config;
use crate::server::open_database;

/// Imports `file`; returns the lines of the report (stdout). Any error is a sentence (with the
/// file's problems above it, one a line).
pub async fn import(
    config: &Config,
    file: &Path,
    dry_run: bool,
    skip_bad: bool,
    images: Option<PathBuf>,
) -> anyhow::Result<Vec<String>> {
    let settings = config.shop_settings()?;
    let csv = std::fs::read(file).with_context(|| format!("could not read {}", file.display()))?;
    let images_dir = images.or_else(|| file.parent().map(Path::to_path_buf)).unwrap_or_else(|| PathBuf::from("."));
    let options = ImportOptions {
        dry_run,
        skip_bad,
        images_dir: Some(images_dir),
        max_image_bytes: DEFAULT_MAX_BYTES,
        public_hosts_only: false,
    };
    let db = open_database(config).await?;
    // The bar goes to stderr, and only to a terminal: stdout keeps the report, for scripts.
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} import [{bar:30}] {pos}/{len} products")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar
    });
    let mut on_progress = |done: usize, total: usize| {
        if let Some(bar) = &bar {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
    };
    let result =
        catalog_import::import_catalog(&db, &SystemClock, settings.default_lang(), &csv, &options, &mut on_progress)
            .await;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    db.close().await;
    let report = match result {
        Ok(report) => report,
        Err(ImportError::Bad(problems)) => {
            let mut lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
            lines.push(format!(
                "{}; nothing was imported (--skip-bad imports the good products only)",
                ImportError::Bad(problems)
            ));
            return Err(anyhow!(lines.join("\n")));
        }
        Err(e) => return Err(anyhow!("{}: {e}", file.display())),
    };
    let mut lines = Vec::new();
    if dry_run {
        lines.push("Dry run — nothing was written.".to_string());
    }
    for problem in &report.image_problems {
        lines.push(format!("Image left out: {problem}"));
    }
    for bad in &report.skipped {
        for problem in &bad.problems {
            lines.push(format!("Skipped: {problem}"));
        }
    }
    if !report.colours_created.is_empty() {
        lines.push(format!("New colours (grey until set in the back office): {}.", report.colours_created.join(", ")));
    }
    let verb = if dry_run { "Would import" } else { "Imported" };
    lines.push(format!("{verb} {}: {}.", file.display(), report.counts()));
    if !report.skipped.is_empty() {
        let n = report.skipped.iter().filter(|b| !b.handle.is_empty()).count();
        let rows = report.skipped.iter().any(|b| b.handle.is_empty());
        lines.push(format!(
            "Skipped {n} bad product{}{} (see above).",
            if n == 1 { "" } else { "s" },
            if rows { " and rows without a product" } else { "" }
        ));
    }
    Ok(lines)
}

/// Writes the catalog as a Shopify product CSV to `output` (stdout when `None`); with
/// `images`, stored images are written there as files the CSV names. Returns a line for stderr
/// when the CSV went to a file.
pub async fn export(config: &Config, output: Option<&Path>, images: Option<&Path>) -> anyhow::Result<Option<String>> {
    let settings = config.shop_settings()?;
    let db = open_database(config).await?;
    let options = ExportOptions { media_base_url: config.public_base_url(config.bind), image_files: images.is_some() };
    let result = catalog_import::export_catalog(&db, settings.default_lang(), &options).await;
    db.close().await;
    let exported = result?;
    if let Some(dir) = images {
        std::fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
        for (name, bytes) in &exported.images {
            let path = dir.join(name);
            std::fs::write(&path, bytes).with_context(|| format!("could not write {}", path.display()))?;
        }
    }
    match output {
        Some(path) => {
            std::fs::write(path, &exported.csv).with_context(|| format!("could not write {}", path.display()))?;
            Ok(Some(format!(
                "Exported {} products to {}{}.",
                exported.products,
                path.display(),
                images.map(|d| format!(" and {} images to {}", exported.images.len(), d.display())).unwrap_or_default()
            )))
        }
        None => {
            use std::io::Write;
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(exported.csv.as_bytes()).context("could not write to standard output")?;
            stdout.flush().context("could not write to standard output")?;
            Ok(None)
        }
    }
}
