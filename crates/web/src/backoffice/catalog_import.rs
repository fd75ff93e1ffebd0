//! `/admin/catalog/import`: a Shopify product CSV uploaded by a member with `EditCatalog`,
//! previewed (a dry run: what would be created, changed, left out) and imported by the same use
//! case as `luxevault catalog import` (`shop::catalog_import`). Images are taken from http(s)
//! URLs on the public internet only: a file path in an uploaded CSV never reads the server's
//! disk, and a URL never reaches its network. Every import (not a
//! preview) is in the audit log as `catalog.import`.

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use luxevault_core::media::DEFAULT_MAX_BYTES;
use luxevault_core::staff::Permission;
use luxevault_shop::catalog_import::{ImportError, ImportOptions, ImportReport, import_catalog};
use serde_json::{Value, json};

use super::session::{csrf_matches, csrf_refused};
use super::{Halt, PageResult, StaffContext, message, page, render, unavailable};
use crate::state::AppState;

/// The largest CSV accepted (a boutique's catalog is far smaller).
pub const MAX_CSV_BYTES: usize = 8 * 1024 * 1024;
/// The route's body limit: the file and room for the form around it.
pub const IMPORT_BODY_BYTES: usize = MAX_CSV_BYTES + 64 * 1024;

const TEMPLATE: &str = "admin/catalog_import.html";
const TITLE: &str = "Import a catalog";

fn empty() -> Value {
    json!({"result": null, "problems": null, "error": null})
}

/// `GET /admin/catalog/import`: the upload form.
pub async fn form(State(state): State<AppState>, staff: StaffContext) -> PageResult {
    staff.require(Permission::EditCatalog)?;
    Ok(page(&state, &staff, TEMPLATE, TITLE, "/admin/catalog", empty()))
}

struct Upload {
    csrf: String,
    csv: Vec<u8>,
    skip_bad: bool,
    apply: bool,
}

async fn read_upload(multipart: &mut Multipart) -> Result<Upload, (StatusCode, String)> {
    let too_large = || {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("The file is too large: files up to {} MiB are accepted.", MAX_CSV_BYTES / (1024 * 1024)),
        )
    };
    let broken = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            (StatusCode::BAD_REQUEST, "The upload could not be read; try again.".to_string())
        }
    };
    let mut upload = Upload { csrf: String::new(), csv: Vec::new(), skip_bad: false, apply: false };
    while let Some(mut field) = multipart.next_field().await.map_err(broken)? {
        match field.name() {
            Some("csrf") => upload.csrf = field.text().await.map_err(broken)?.chars().take(128).collect(),
            Some("skip_bad") => upload.skip_bad = !field.text().await.map_err(broken)?.is_empty(),
            Some("action") => upload.apply = field.text().await.map_err(broken)? == "import",
            Some("file") => {
                while let Some(chunk) = field.chunk().await.map_err(broken)? {
                    if upload.csv.len() + chunk.len() > MAX_CSV_BYTES {
                        return Err(too_large());
                    }
                    upload.csv.extend_from_slice(&chunk);
                }
            }
            _ => {}
        }
    }
    Ok(upload)
}

fn report_data(report: &ImportReport, applied: bool) -> Value {
    let skipped: Vec<String> = report.skipped.iter().flat_map(|b| b.problems.iter().map(ToString::to_string)).collect();
    json!({
        "applied": applied,
        "counts": report.counts(),
        "created": report.created,
        "changed": report.changed,
        "colours": report.colours_created,
        "skipped": skipped,
        "images": report.image_problems,
    })
}

/// `POST /admin/catalog/import`: a multipart form with the CSV, `skip_bad`, and `action`
/// (`preview`, the default, or `import`).
pub async fn upload(State(state): State<AppState>, staff: StaffContext, mut multipart: Multipart) -> PageResult {
    staff.require(Permission::EditCatalog)?;
    let upload = match read_upload(&mut multipart).await {
        Ok(upload) => upload,
        Err((status, text)) => return Err(Halt::from(message(&state, status, Some(&staff), "Not imported", &text))),
    };
    if !csrf_matches(&staff.csrf, &upload.csrf) {
        return Err(Halt::from(csrf_refused()));
    }
    if upload.csv.is_empty() {
        let text = "Choose the CSV file exported from Shopify.";
        return Err(Halt::from(message(&state, StatusCode::BAD_REQUEST, Some(&staff), "Not imported", text)));
    }
    if upload.apply {
        staff.audit(&state, "catalog.import", "catalog", "csv", None).await?;
    }
    let options = ImportOptions {
        dry_run: !upload.apply,
        skip_bad: upload.skip_bad,
        images_dir: None,
        max_image_bytes: DEFAULT_MAX_BYTES,
        public_hosts_only: true,
    };
    let lang = state.settings().default_lang();
    let result = import_catalog(state.db(), state.clock(), lang, &upload.csv, &options, &mut |_, _| {}).await;
    let refused = |data: Value| {
        render(&state, StatusCode::UNPROCESSABLE_ENTITY, Some(&staff), TEMPLATE, TITLE, "/admin/catalog", data)
    };
    match result {
        Ok(report) => {
            let data = json!({"result": report_data(&report, upload.apply), "problems": null, "error": null});
            Ok(page(&state, &staff, TEMPLATE, TITLE, "/admin/catalog", data))
        }
        Err(ImportError::Bad(problems)) => {
            let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
            let error = format!("{}.", ImportError::Bad(problems));
            Ok(refused(json!({"result": null, "problems": lines, "error": error})))
        }
        Err(ImportError::Db(error)) => {
            tracing::error!(%error, "catalog import failed");
            Err(unavailable())
        }
        Err(error) => Ok(refused(json!({"result": null, "problems": null, "error": format!("{error}.")}))),
    }
}
