//! Bringing a catalog from Shopify and taking it away: a product CSV in Shopify's format is read
//! whole and checked first (`core::catalog_csv`), compared with the catalog, and what it creates
//! or changes is written in one transaction (`storage::CatalogImport`). Importing the same file
//! again writes nothing. Images named by path or URL are fetched, checked and stripped of their
//! metadata like an upload (`core::media::accept_image`); one that cannot be had is reported and
//! its product imported without it (an existing product keeps the images it has, as it does
//! when the file names none for it).
//!
//! The CLI runs this with the database and clock only; a back-office upload can call the same
//! functions (with `images_dir: None`, so a file cannot read the server's disk).

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use luxevault_core::catalog::snapshot::ProductText;
use luxevault_core::catalog_csv::{self, BadProduct, CsvImage, CsvProduct, CsvVariant, ParsedProduct, Problem};
use luxevault_core::media::{CleanImage, ImageKind, accept_image};
use luxevault_core::{Clock, Lang, Money};
use luxevault_integrations::images::ImageFetcher;
use luxevault_storage::{
    CatalogAdmin, CatalogImport, Db, DbError, ImportWrite, ImportedImage, ImportedProduct, StoredColour, StoredImage,
    StoredProduct, StoredVariant, check_text,
};
use uuid::Uuid;

use crate::guard::free_text;

/// The colour given to a colour first met in an import: a neutral grey, for staff to adjust.
pub const NEW_COLOUR_HEX: &str = "#8c8c8c";

#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Report what would change; write nothing.
    pub dry_run: bool,
    /// Import the good products of a file that has bad ones.
    pub skip_bad: bool,
    /// Where relative image paths are read from; `None` refuses local paths.
    pub images_dir: Option<PathBuf>,
    /// The largest image accepted, in bytes.
    pub max_image_bytes: usize,
    /// Fetch image URLs from hosts on the public internet only (a file uploaded through the
    /// web must not make the server read its own network).
    pub public_hosts_only: bool,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    pub dry_run: bool,
    pub created: Vec<String>,
    pub changed: Vec<String>,
    pub unchanged: usize,
    pub colours_created: Vec<String>,
    /// Products left out with `skip_bad`, each with its problems.
    pub skipped: Vec<BadProduct>,
    /// Images that could not be had, one sentence each.
    pub image_problems: Vec<String>,
}

impl ImportReport {
    /// `3 created, 1 changed, 0 unchanged`.
    pub fn counts(&self) -> String {
        format!("{} created, {} changed, {} unchanged", self.created.len(), self.changed.len(), self.unchanged)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("no base currency is configured; run `luxevault init` first")]
    NoBaseCurrency,
    #[error("{0}")]
    File(Problem),
    #[error("the file has {} problem{}; nothing was imported", .0.len(), if .0.len() == 1 { "" } else { "s" })]
    Bad(Vec<Problem>),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Imports a Shopify product CSV. `progress(done, total)` is called as products are prepared
/// (fetching their images is the slow part).
pub async fn import_catalog(
    db: &Db,
    clock: &dyn Clock,
    lang: &Lang,
    csv: &[u8],
    options: &ImportOptions,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<ImportReport, ImportError> {
    let base = CatalogImport::base_currency(db).await?.ok_or(ImportError::NoBaseCurrency)?;
    let mut parsed = catalog_csv::parse(csv, base).map_err(ImportError::File)?;
    let stored = CatalogImport::products(db, lang.as_str()).await?;
    let stored_by_slug: HashMap<&str, &StoredProduct> = stored.iter().map(|p| (p.slug.as_str(), p)).collect();
    let owner_of_sku: HashMap<&str, &str> =
        stored.iter().flat_map(|p| p.variants.iter().map(move |v| (v.sku.as_str(), p.slug.as_str()))).collect();

    // Texts through the guard, then the checks that need the catalog.
    let mut good = Vec::with_capacity(parsed.products.len());
    for mut item in std::mem::take(&mut parsed.products) {
        guard_texts(&mut item.product);
        let mut problems = Vec::new();
        let text = ProductText {
            name: item.product.title.clone(),
            subtitle: String::new(),
            description: item.product.description.clone(),
            details: Vec::new(),
            seo_title: String::new(),
            seo_description: String::new(),
        };
        if let Err(e) = check_text(&text) {
            let column = if e.to_string().contains("description") { "Body (HTML)" } else { "Title" };
            problems.push(at(item.line, column, e.to_string()));
        }
        for (v, line) in item.product.variants.iter().zip(&item.variant_lines) {
            if let Some(owner) = owner_of_sku.get(v.sku.as_str())
                && *owner != item.product.handle
            {
                problems.push(at(*line, "Variant SKU", format!("'{}' is a variant of the product {owner}", v.sku)));
            }
        }
        if item.product.images.len() > luxevault_storage::MAX_IMAGES {
            let line = item.image_lines.last().copied().unwrap_or(item.line);
            problems.push(at(
                line,
                "Image Src",
                format!("a product shows at most {} images", luxevault_storage::MAX_IMAGES),
            ));
        }
        if problems.is_empty() {
            good.push(item);
        } else {
            parsed.bad.push(BadProduct { handle: item.product.handle.clone(), problems });
        }
    }
    if !parsed.bad.is_empty() && !options.skip_bad {
        let mut problems: Vec<Problem> = parsed.problems().cloned().collect();
        problems.sort_by_key(|p| p.line);
        return Err(ImportError::Bad(problems));
    }

    let mut colours = ColourBook::new(CatalogImport::colours(db).await?);
    let fetcher = if options.public_hosts_only {
        ImageFetcher::public_only(options.max_image_bytes)
    } else {
        ImageFetcher::new(options.max_image_bytes)
    }
    .ok();
    let mut report =
        ImportReport { dry_run: options.dry_run, skipped: std::mem::take(&mut parsed.bad), ..Default::default() };
    let mut write = ImportWrite { lang: lang.as_str().to_string(), ..Default::default() };
    let total = good.len();
    for (done, item) in good.into_iter().enumerate() {
        let (images, complete) = load_images(&item, options, fetcher.as_ref(), &mut report.image_problems).await;
        let variants: Vec<StoredVariant> = item
            .product
            .variants
            .iter()
            .map(|v| StoredVariant {
                sku: v.sku.clone(),
                colour_code: v.colour.as_deref().map(|name| colours.code_for(name)),
                size: v.size.clone(),
                material: v.material.clone(),
                stock: v.stock,
                weight_grams: v.weight_grams,
                barcode: v.barcode.clone(),
            })
            .collect();
        let mut imported = ImportedProduct {
            slug: item.product.handle.clone(),
            name: item.product.title.clone(),
            description: item.product.description.join("\n\n"),
            seo_title: item.product.seo_title.clone(),
            seo_description: item.product.seo_description.clone(),
            status: item.product.status,
            price: item.product.price,
            variants,
            images: Some(images),
        };
        match stored_by_slug.get(imported.slug.as_str()) {
            None => {
                report.created.push(imported.slug.clone());
                write.products.push(imported);
            }
            Some(existing) => {
                // A file naming no image for a product leaves its images alone.
                let named = !item.product.images.is_empty();
                let images_same = match &imported.images {
                    Some(images) if complete && named => same_images(db, images, &existing.images).await?,
                    _ => true,
                };
                if !complete || !named || images_same {
                    imported.images = None;
                }
                if images_same && same_product(&imported, existing) {
                    report.unchanged += 1;
                } else {
                    report.changed.push(imported.slug.clone());
                    write.products.push(imported);
                }
            }
        }
        progress(done + 1, total);
    }
    write.new_colours = colours.created.clone();
    report.colours_created = colours.created.into_iter().map(|(code, _, _)| code).collect();
    if !options.dry_run {
        CatalogImport::write(db, &write, base, clock.now()).await?;
    }
    Ok(report)
}

fn at(line: u64, column: &str, message: impl Into<String>) -> Problem {
    Problem { line, column: Some(column.to_string()), message: message.into() }
}

fn guard_texts(product: &mut CsvProduct) {
    product.title = free_text(&product.title, "product title");
    for paragraph in &mut product.description {
        *paragraph = free_text(paragraph, "product description");
    }
    product.seo_title = free_text(&product.seo_title, "SEO title");
    product.seo_description = free_text(&product.seo_description, "SEO description");
    for image in &mut product.images {
        image.alt = free_text(&image.alt, "image alt text");
    }
    for variant in &mut product.variants {
        for value in [&mut variant.size, &mut variant.colour, &mut variant.material].into_iter().flatten() {
            *value = free_text(value, "variant option");
        }
    }
}

/// Whether the stored product already says what the file says (images compared apart).
fn same_product(imported: &ImportedProduct, stored: &StoredProduct) -> bool {
    let texts = imported.name == stored.name
        && imported.description == stored.description
        && imported.seo_title == stored.seo_title
        && imported.seo_description == stored.seo_description;
    let listing = imported.status == stored.status && Some(imported.price.minor()) == stored.price_minor;
    let variants = imported.variants.iter().enumerate().all(|(i, v)| {
        // Same facts and same place among the stored variants the file lists.
        let listed: Vec<&StoredVariant> =
            stored.variants.iter().filter(|s| imported.variants.iter().any(|w| w.sku == s.sku)).collect();
        listed.get(i).is_some_and(|s| *s == v)
    });
    texts && listing && variants
}

/// Whether these images are already the product's, in this order with these alt texts.
async fn same_images(db: &Db, images: &[ImportedImage], stored: &[StoredImage]) -> Result<bool, DbError> {
    if images.len() != stored.len() {
        return Ok(false);
    }
    for (image, stored) in images.iter().zip(stored) {
        if image.alt != stored.alt {
            return Ok(false);
        }
        match CatalogImport::media_src_by_hash(db, &image.image.sha256).await? {
            Some(src) if src == stored.src => {}
            _ => return Ok(false),
        }
    }
    Ok(true)
}

/// The product's images that could be had, and whether that is all of them.
async fn load_images(
    item: &ParsedProduct,
    options: &ImportOptions,
    fetcher: Option<&ImageFetcher>,
    problems: &mut Vec<String>,
) -> (Vec<ImportedImage>, bool) {
    let mut images = Vec::new();
    let mut complete = true;
    for (image, line) in item.product.images.iter().zip(&item.image_lines) {
        match load_image(image, options, fetcher).await {
            Ok(clean) => {
                if !images.iter().any(|i: &ImportedImage| i.image.sha256 == clean.sha256) {
                    images.push(ImportedImage { image: clean, alt: image.alt.clone() });
                }
            }
            Err(why) => {
                complete = false;
                problems.push(format!(
                    "line {line}, column Image Src: '{}' {why}; {} is imported without it",
                    shown_src(&image.src),
                    item.product.handle
                ));
            }
        }
    }
    (images, complete)
}

async fn load_image(
    image: &CsvImage,
    options: &ImportOptions,
    fetcher: Option<&ImageFetcher>,
) -> Result<CleanImage, String> {
    let src = image.src.as_str();
    let bytes = if src.starts_with("http://") || src.starts_with("https://") {
        let fetcher = fetcher.ok_or_else(|| "could not be fetched (no HTTP client)".to_string())?;
        fetcher.fetch(src).await.map_err(|e| format!("could not be fetched ({e})"))?
    } else if src.contains("://") {
        return Err("is neither an http(s) address nor a file path".into());
    } else {
        let dir =
            options.images_dir.as_ref().ok_or_else(|| "is a file path, and files are not read here".to_string())?;
        let path = dir.join(src);
        let size = std::fs::metadata(&path).map_err(|_| "could not be read".to_string())?.len();
        if size > options.max_image_bytes as u64 {
            return Err(format!("is larger than {} bytes", options.max_image_bytes));
        }
        std::fs::read(&path).map_err(|_| "could not be read".to_string())?
    };
    accept_image(&bytes, options.max_image_bytes).map_err(|e| format!("is not accepted: {e}"))
}

/// A source as shown in a message: without its query string (signed URLs carry tokens there).
fn shown_src(src: &str) -> String {
    let cut = src.split(['?', '#']).next().unwrap_or("");
    cut.chars().take(120).collect()
}

/// Colours by name: the existing ones, and those this import creates.
struct ColourBook {
    existing: Vec<StoredColour>,
    /// (code, hex, name)
    created: Vec<(String, String, String)>,
}

impl ColourBook {
    fn new(existing: Vec<StoredColour>) -> Self {
        Self { existing, created: Vec::new() }
    }

    /// The code of the colour called `name` (its code, or its name in any language, ignoring
    /// case), creating it when there is none.
    fn code_for(&mut self, name: &str) -> String {
        let lower = name.to_lowercase();
        let known = self
            .existing
            .iter()
            .find(|c| c.code == lower)
            .or_else(|| self.existing.iter().find(|c| c.names.iter().any(|(_, n)| n.to_lowercase() == lower)));
        if let Some(colour) = known {
            return colour.code.clone();
        }
        if let Some((code, _, _)) = self.created.iter().find(|(_, _, n)| n.to_lowercase() == lower) {
            return code.clone();
        }
        let taken: HashSet<&str> = self
            .existing
            .iter()
            .map(|c| c.code.as_str())
            .chain(self.created.iter().map(|(c, _, _)| c.as_str()))
            .collect();
        let stem = catalog_csv::colour_code_for(name).unwrap_or_else(|| "colour".into());
        let mut code = stem.clone();
        let mut n = 2;
        while taken.contains(code.as_str()) {
            code = format!("{stem}-{n}");
            n += 1;
        }
        self.created.push((code.clone(), NEW_COLOUR_HEX.into(), name.to_string()));
        code
    }
}

// ---------------------------------------------------------------------------------------------
// Export

#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// Where the shop is reached (`https://boutique.example`): images become
    /// `<base>/media/<id>` URLs, unless written as files.
    pub media_base_url: String,
    /// Name stored images as files (`<handle>-<n>.<ext>`) and hand their bytes back.
    pub image_files: bool,
}

#[derive(Debug, Clone, Default)]
pub struct ExportedCatalog {
    pub csv: String,
    pub products: usize,
    /// (file name, bytes), with `image_files`.
    pub images: Vec<(String, Vec<u8>)>,
}

/// The catalog as a Shopify product CSV, texts in `lang`.
pub async fn export_catalog(db: &Db, lang: &Lang, options: &ExportOptions) -> Result<ExportedCatalog, ImportError> {
    let base = CatalogImport::base_currency(db).await?.ok_or(ImportError::NoBaseCurrency)?;
    let colours = CatalogImport::colours(db).await?;
    let colour_name = |code: &str| -> String {
        let Some(colour) = colours.iter().find(|c| c.code == code) else { return code.to_string() };
        colour
            .names
            .iter()
            .find(|(l, _)| l == lang.as_str())
            .or_else(|| colour.names.first())
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| code.to_string())
    };
    let mut out = ExportedCatalog::default();
    let mut products = Vec::new();
    for p in CatalogImport::products(db, lang.as_str()).await? {
        let mut images = Vec::new();
        for (i, image) in p.images.iter().enumerate() {
            let stored = match Uuid::try_parse(&image.src) {
                Ok(id) if options.image_files => CatalogAdmin::media(db, id).await?,
                _ => None,
            };
            let src = match stored {
                Some(media) => {
                    let name = format!("{}-{}.{}", p.slug, i + 1, extension(media.kind));
                    out.images.push((name.clone(), media.bytes));
                    name
                }
                None => format!("{}/media/{}", options.media_base_url.trim_end_matches('/'), image.src),
            };
            images.push(CsvImage { src, alt: image.alt.clone() });
        }
        products.push(CsvProduct {
            handle: p.slug.clone(),
            title: p.name.clone(),
            description: p
                .description
                .split("\n\n")
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            status: p.status,
            seo_title: p.seo_title.clone(),
            seo_description: p.seo_description.clone(),
            price: Money::new(p.price_minor.unwrap_or(0), base),
            variants: p
                .variants
                .iter()
                .map(|v| CsvVariant {
                    sku: v.sku.clone(),
                    size: v.size.clone(),
                    colour: v.colour_code.as_deref().map(&colour_name),
                    material: v.material.clone(),
                    stock: v.stock,
                    weight_grams: v.weight_grams,
                    barcode: v.barcode.clone(),
                })
                .collect(),
            images,
        });
    }
    out.products = products.len();
    out.csv = catalog_csv::write(&products);
    Ok(out)
}

fn extension(kind: ImageKind) -> &'static str {
    match kind {
        ImageKind::Jpeg => "jpg",
        ImageKind::Png => "png",
        ImageKind::WebP => "webp",
    }
}
