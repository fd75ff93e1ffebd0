//! A boutique moving from Shopify: its product CSV imports (variants, colours, images through the
//! media cleaning), shows on the storefront, a bad file imports nothing, a second import changes
//! nothing, and an export imports into an empty shop and exports to the same file.

use std::path::{Path, PathBuf};
use std::process::Command;

use luxevault_core::media::DEFAULT_MAX_BYTES;
use luxevault_core::{Currency, Lang, ManualClock, Rate};
use luxevault_shop::catalog_import::{
    ExportOptions, ImportError, ImportOptions, ImportReport, export_catalog, import_catalog,
};
use luxevault_storage::{CatalogImport, CatalogStore, Db, NewCatalog, NewCurrency};

use crate::staff_support::csrf_of;
use crate::support::{Backend, TEST_NOW, TestApp, TestDb, config_for};

backend_tests!(
    a_shopify_catalog_imports_and_shows_on_the_storefront,
    a_bad_file_names_line_and_column_and_imports_nothing,
    importing_the_same_file_twice_changes_nothing,
    an_export_imports_into_an_empty_shop_and_exports_the_same_file,
    an_unreachable_image_is_reported_and_its_product_imported_without_it,
    the_cli_imports_and_exports,
    the_back_office_previews_then_imports_an_upload,
    card_numbers_in_a_file_are_not_kept,
);

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/catalog")
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixtures().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn options() -> ImportOptions {
    ImportOptions {
        dry_run: false,
        skip_bad: false,
        images_dir: Some(fixtures()),
        max_image_bytes: DEFAULT_MAX_BYTES,
        public_hosts_only: false,
    }
}

fn en() -> Lang {
    Lang::parse("en").unwrap_or_else(|| panic!("en"))
}

async fn import(db: &Db, csv: &[u8], options: &ImportOptions) -> Result<ImportReport, ImportError> {
    import_catalog(db, &ManualClock::new(TEST_NOW), &en(), csv, options, &mut |_, _| {}).await
}

/// An empty shop with its currencies, as `luxevault init` leaves it.
async fn set_up_currencies(db: &Db) {
    let eur = Currency::from_code("EUR").unwrap_or_else(|e| panic!("{e}"));
    let catalog = NewCatalog {
        base_currency: eur,
        currencies: vec![NewCurrency { currency: eur, rate: Rate::ONE, rounding_minor: 1 }],
        colours: vec![],
        collections: vec![],
        products: vec![],
    };
    CatalogStore::insert(db, &catalog, TEST_NOW).await.unwrap_or_else(|e| panic!("{e}"));
}

async fn empty_shop(backend: Backend) -> TestDb {
    let shop = TestDb::new(backend).await;
    set_up_currencies(&shop.db).await;
    shop
}

/// The stored images a page shows (minijinja writes `/` as `&#x2f;` in attributes).
fn media_ids(page: &str) -> Vec<String> {
    page.replace("&#x2f;", "/")
        .split("src=\"/media/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|id| uuid::Uuid::try_parse(id).is_ok())
        .map(String::from)
        .collect()
}

async fn a_shopify_catalog_imports_and_shows_on_the_storefront(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let report = import(&app.db, &fixture("shopify_products.csv"), &options()).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.created, vec!["sac-alma", "carre-soie", "escarpin-lune", "pochette-ancienne"]);
    assert!(report.image_problems.is_empty(), "{:?}", report.image_problems);
    // "Noir" and "Ivoire" are the demo's colours (by code); "Bleu Nuit" is new.
    assert_eq!(report.colours_created, vec!["bleu-nuit"]);

    let response = app.get("/products/sac-alma").await;
    assert_eq!(response.status().as_u16(), 200);
    let page = response.text().await.unwrap_or_default();
    assert!(page.contains("Sac Alma"));
    assert!(page.contains("Un sac en cuir grainé, cousu main."), "the description's first paragraph");
    assert!(page.contains("Fermoir en laiton &amp; doublure en lin."), "the second paragraph, as text");
    assert!(!page.contains("alert(") && !page.contains("<strong>cuir"), "no HTML of the file is kept");
    assert!(page.contains("Bleu Nuit") && page.contains("Black"), "both colours");
    assert!(page.contains("SA-M-BLEU-NUIT"));
    let images = media_ids(&page);
    assert_eq!(images.len(), 2, "{images:?}");
    for id in &images {
        let media = app.get(&format!("/media/{id}")).await;
        assert_eq!(media.status().as_u16(), 200);
        let bytes = media.bytes().await.unwrap_or_default();
        assert!(bytes.starts_with(b"\x89PNG"), "a PNG");
        assert!(!bytes.windows(19).any(|w| w == b"SECRET-PHOTOGRAPHER"), "metadata stripped");
    }

    let page = app.get("/products/carre-soie").await.text().await.unwrap_or_default();
    assert!(page.contains("Carré de soie") && page.contains("Ourlets roulottés à la main."));
    let [jpeg] = media_ids(&page).try_into().unwrap_or_else(|ids: Vec<String>| panic!("{ids:?}"));
    let bytes = app.get(&format!("/media/{jpeg}")).await.bytes().await.unwrap_or_default();
    assert!(bytes.starts_with(&[0xFF, 0xD8]), "a JPEG");
    assert!(!bytes.windows(20).any(|w| w == b"SECRET-CAMERA-SERIAL"), "EXIF stripped");

    // What the storefront does not show yet is stored all the same.
    let stored = CatalogImport::products(&app.db, "en").await.unwrap_or_else(|e| panic!("{e}"));
    let find = |slug: &str| stored.iter().find(|p| p.slug == slug).unwrap_or_else(|| panic!("{slug}"));
    let alma = find("sac-alma");
    assert_eq!(alma.price_minor, Some(125_000));
    assert_eq!(alma.seo_title, "Sac Alma en cuir grainé");
    assert_eq!(alma.images.first().map(|i| i.alt.as_str()), Some("Sac Alma noir, de face"));
    let s = alma.variants.first().unwrap_or_else(|| panic!("variant"));
    assert_eq!((s.sku.as_str(), s.size.as_deref(), s.colour_code.as_deref()), ("SA-S-NOIR", Some("S"), Some("noir")));
    assert_eq!((s.stock, s.weight_grams, s.barcode.as_str()), (3, 850, "3760000000011"));
    assert_eq!(find("carre-soie").variants.first().and_then(|v| v.material.as_deref()), Some("Soie"));
    use luxevault_core::catalog_csv::Status;
    assert_eq!(find("escarpin-lune").status, Status::Draft);
    assert_eq!(find("pochette-ancienne").status, Status::Archived);
    app.stop().await;
}

async fn a_bad_file_names_line_and_column_and_imports_nothing(backend: Backend) {
    let shop = empty_shop(backend).await;
    let version = CatalogStore::version(&shop.db).await.unwrap_or_else(|e| panic!("{e}"));
    let bad = fixture("bad_products.csv");
    match import(&shop.db, &bad, &options()).await {
        Err(ImportError::Bad(problems)) => {
            let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
            assert_eq!(
                lines,
                vec![
                    "line 3, column Variant Price: '12,x' is not an amount".to_string(),
                    "line 7, column Variant SKU: a variant needs its SKU".to_string(),
                ]
            );
        }
        other => panic!("expected the file's problems, got {other:?}"),
    }
    assert!(CatalogImport::products(&shop.db, "en").await.unwrap_or_default().is_empty(), "nothing imported");
    assert_eq!(CatalogStore::version(&shop.db).await.unwrap_or(-1), version);

    let skip = ImportOptions { skip_bad: true, ..options() };
    let report = import(&shop.db, &bad, &skip).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.created, vec!["carre-soie"]);
    let skipped: Vec<&str> = report.skipped.iter().map(|b| b.handle.as_str()).collect();
    assert_eq!(skipped, vec!["sac-alma", "escarpin-lune"]);
    let stored = CatalogImport::products(&shop.db, "en").await.unwrap_or_default();
    assert_eq!(stored.iter().map(|p| p.slug.as_str()).collect::<Vec<_>>(), vec!["carre-soie"]);

    // No base currency: a sentence telling what to do.
    let bare = TestDb::new(backend).await;
    let error = import(&bare.db, &bad, &options()).await.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(error.contains("run `luxevault init` first"), "{error}");
}

async fn importing_the_same_file_twice_changes_nothing(backend: Backend) {
    let shop = empty_shop(backend).await;
    let csv = fixture("shopify_products.csv");
    let first = import(&shop.db, &csv, &options()).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(first.counts(), "4 created, 0 changed, 0 unchanged");
    let version = CatalogStore::version(&shop.db).await.unwrap_or_else(|e| panic!("{e}"));
    let before = CatalogImport::products(&shop.db, "en").await.unwrap_or_else(|e| panic!("{e}"));

    let again = import(&shop.db, &csv, &options()).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again.counts(), "0 created, 0 changed, 4 unchanged");
    assert!(again.colours_created.is_empty());
    assert_eq!(CatalogStore::version(&shop.db).await.unwrap_or(-1), version, "the version did not move");
    assert_eq!(CatalogImport::products(&shop.db, "en").await.unwrap_or_default(), before);

    // One price changed: a dry run says so and writes nothing; the import then changes one product.
    let text = String::from_utf8_lossy(&csv).replace(",390.00,", ",395.00,");
    let dry = ImportOptions { dry_run: true, ..options() };
    let preview = import(&shop.db, text.as_bytes(), &dry).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(preview.changed, vec!["carre-soie"]);
    assert_eq!(CatalogStore::version(&shop.db).await.unwrap_or(-1), version, "a dry run writes nothing");
    let done = import(&shop.db, text.as_bytes(), &options()).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(done.counts(), "0 created, 1 changed, 3 unchanged");
    let after = CatalogImport::products(&shop.db, "en").await.unwrap_or_default();
    let price = after.iter().find(|p| p.slug == "carre-soie").and_then(|p| p.price_minor);
    assert_eq!(price, Some(39_500));
    assert!(CatalogStore::version(&shop.db).await.unwrap_or(-1) > version);

    // A file without images for a product leaves the product's images alone.
    let bare = "Handle,Title,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Variant SKU,Variant Price\n\
                carre-soie,Carré de soie,Couleur,Ivoire,Matière,Soie,CS-IVOIRE,395.00\n";
    let report = import(&shop.db, bare.as_bytes(), &options()).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.changed, vec!["carre-soie"], "stock, weight and texts are what this file says");
    let after = CatalogImport::products(&shop.db, "en").await.unwrap_or_default();
    let images = after.iter().find(|p| p.slug == "carre-soie").map(|p| p.images.len());
    assert_eq!(images, Some(1));
}

async fn an_export_imports_into_an_empty_shop_and_exports_the_same_file(backend: Backend) {
    let first = empty_shop(backend).await;
    import(&first.db, &fixture("shopify_products.csv"), &options()).await.unwrap_or_else(|e| panic!("{e}"));
    let export_options = ExportOptions { media_base_url: "https://boutique.example".into(), image_files: true };
    let exported = export_catalog(&first.db, &en(), &export_options).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(exported.products, 4);
    assert_eq!(exported.images.len(), 3);
    assert!(exported.csv.starts_with("Handle,Title,Body (HTML),"));
    assert!(exported.csv.contains("sac-alma-1.png") && exported.csv.contains("Bleu Nuit"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for (name, bytes) in &exported.images {
        std::fs::write(dir.path().join(name), bytes).unwrap_or_else(|e| panic!("{e}"));
    }

    let second = empty_shop(backend).await;
    let from_export = ImportOptions { images_dir: Some(dir.path().to_path_buf()), ..options() };
    let report = import(&second.db, exported.csv.as_bytes(), &from_export).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.counts(), "4 created, 0 changed, 0 unchanged");
    assert!(report.image_problems.is_empty(), "{:?}", report.image_problems);
    let again = export_catalog(&second.db, &en(), &export_options).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again.csv, exported.csv, "the same file");
    assert_eq!(again.images, exported.images, "the same images");

    // Without image files, images are the shop's own URLs.
    let urls = ExportOptions { image_files: false, ..export_options };
    let linked = export_catalog(&second.db, &en(), &urls).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(linked.csv.contains("https://boutique.example/media/") && linked.images.is_empty());
}

/// Serves `remote.png` at `/remote.png`; anything else is a 404.
async fn image_server() -> (String, tokio::task::JoinHandle<()>) {
    use axum::routing::get;
    let png = fixture("remote.png");
    let router = axum::Router::new().route("/remote.png", get(move || async move { png.clone() }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (format!("http://{addr}"), server)
}

async fn an_unreachable_image_is_reported_and_its_product_imported_without_it(backend: Backend) {
    let shop = empty_shop(backend).await;
    let (base, server) = image_server().await;
    let csv = format!(
        "Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Price,Image Src,Image Position\n\
         foulard-ciel,Foulard Ciel,Title,Default Title,FC-1,150.00,{base}/remote.png,1\n\
         foulard-ciel,,,,,,http://127.0.0.1:1/gone.png?token=abc,2\n\
         foulard-ciel,,,,,,{base}/missing.png,3\n\
         foulard-ciel,,,,,,not-an-image.png,4\n"
    );
    let report = import(&shop.db, csv.as_bytes(), &options()).await.unwrap_or_else(|e| panic!("{e}"));
    server.abort();
    assert_eq!(report.created, vec!["foulard-ciel"]);
    let problems = report.image_problems.join("\n");
    assert_eq!(report.image_problems.len(), 3, "{problems}");
    assert!(
        problems.contains("line 3, column Image Src: 'http://127.0.0.1:1/gone.png' could not be fetched"),
        "{problems}"
    );
    assert!(!problems.contains("token=abc"), "no query string in messages");
    assert!(problems.contains("line 4, column Image Src") && problems.contains("404"), "{problems}");
    assert!(problems.contains("line 5, column Image Src: 'not-an-image.png' is not accepted"), "{problems}");
    assert!(problems.contains("foulard-ciel is imported without it"));
    let stored = CatalogImport::products(&shop.db, "en").await.unwrap_or_default();
    let images = stored.first().map(|p| p.images.len());
    assert_eq!(images, Some(1), "the reachable image only");
}

async fn card_numbers_in_a_file_are_not_kept(backend: Backend) {
    let shop = empty_shop(backend).await;
    let csv = "Handle,Title,Body (HTML),SEO Description,Variant SKU,Variant Price\n\
               gant-nuit,Gant 4111 1111 1111 1111,<p>Carte 4111-1111-1111-1111 oubliée</p>,4111111111111111,GN-1,80\n";
    import(&shop.db, csv.as_bytes(), &options()).await.unwrap_or_else(|e| panic!("{e}"));
    let stored = CatalogImport::products(&shop.db, "en").await.unwrap_or_default();
    let product = stored.first().unwrap_or_else(|| panic!("imported"));
    let mark = luxevault_core::sensitive::mark("1111");
    for text in [&product.name, &product.description, &product.seo_description] {
        assert!(text.contains(&mark) && !text.contains("4111"), "{text}");
    }
}

fn luxevault(data_dir: &Path, database_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_luxevault"));
    command.arg("--data-dir").arg(data_dir).current_dir(data_dir);
    if database_url.is_empty() {
        command.env_remove("LUXEVAULT_DATABASE_URL");
    } else {
        command.env("LUXEVAULT_DATABASE_URL", database_url);
    }
    command
}

async fn the_cli_imports_and_exports(backend: Backend) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (config, _pg) = config_for(backend, &dir).await;
    let url = config.database_url.clone();
    let file = fixtures().join("shopify_products.csv");
    let run = |args: &[&str]| {
        let output = luxevault(dir.path(), &url).args(args).output().unwrap_or_else(|e| panic!("run: {e}"));
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        (output.status.code(), text(&output.stdout), text(&output.stderr))
    };
    let path = file.to_string_lossy().into_owned();

    let (code, _, stderr) = run(&["catalog", "import", &path]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("run `luxevault init` first"), "{stderr}");

    {
        let db = luxevault::server::open_database(&config).await.unwrap_or_else(|e| panic!("{e:#}"));
        set_up_currencies(&db).await;
        db.close().await;
    }
    let (code, stdout, stderr) = run(&["catalog", "import", &path, "--dry-run"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("Dry run") && stdout.contains("4 created, 0 changed"), "{stdout}");
    let (code, stdout, stderr) = run(&["catalog", "import", &path]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("4 created, 0 changed, 0 unchanged."), "{stdout}");
    assert!(stdout.contains("New colours") && stdout.contains("bleu-nuit"), "{stdout}");
    let (code, stdout, _) = run(&["catalog", "import", &path]);
    assert_eq!(code, Some(0));
    assert!(stdout.contains("0 created, 0 changed, 4 unchanged."), "{stdout}");

    let bad = fixtures().join("bad_products.csv").to_string_lossy().into_owned();
    let (code, _, stderr) = run(&["catalog", "import", &bad]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("line 3, column Variant Price: '12,x' is not an amount"), "{stderr}");
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    assert!(!stderr.contains("panicked"));

    let (code, stdout, _) = run(&["catalog", "export"]);
    assert_eq!(code, Some(0));
    assert!(stdout.starts_with("Handle,Title,Body (HTML)"), "{stdout}");
    assert!(stdout.contains("SA-M-BLEU-NUIT"));
    let out = dir.path().join("export.csv");
    let images = dir.path().join("images");
    let (code, _, stderr) =
        run(&["catalog", "export", "--output", &out.to_string_lossy(), "--images", &images.to_string_lossy()]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("Exported 4 products") && stderr.contains("3 images"), "{stderr}");
    assert!(images.join("sac-alma-1.png").exists());
    let written = std::fs::read_to_string(&out).unwrap_or_default();
    assert!(written.contains("sac-alma-2.png"));
}

const BOUNDARY: &str = "lv-import-boundary-41c2";

/// A `multipart/form-data` body: `(name, is_file, bytes)` per field.
fn multipart(fields: &[(&str, bool, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, is_file, bytes) in fields {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        let filename = if *is_file { "; filename=\"products_export.csv\"\r\nContent-Type: text/csv" } else { "" };
        body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"{filename}\r\n\r\n").as_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn the_back_office_previews_then_imports_an_upload(backend: Backend) {
    use luxevault_core::staff::Role;
    use luxevault_storage::{AuditFilter, AuditLog};
    let app = TestApp::spawn(backend).await;
    let associate = app.staff("ines", Role::Associate).await;
    assert_eq!(associate.get("/admin/catalog/import").await.0, 403, "viewing the catalog is not editing it");
    let manager = app.staff("margaux", Role::Manager).await;
    let (status, page) = manager.get("/admin/catalog/import").await;
    assert_eq!(status, 200);
    let csrf = csrf_of(&page);
    let post = |body: Vec<u8>| async {
        let response = app
            .client
            .post(app.url("/admin/catalog/import"))
            .header("cookie", &manager.cookie)
            .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
            .body(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("upload: {e}"));
        (response.status().as_u16(), response.text().await.unwrap_or_default())
    };
    let csv = fixture("shopify_products.csv");
    let version = CatalogStore::version(&app.db).await.unwrap_or(-1);
    // A URL into the server's own network is not fetched for an upload.
    let local = format!(
        "Handle,Title,Variant SKU,Variant Price,Image Src\nfoulard-nuit,Foulard Nuit,FN-1,90,{}/media/x.png\n",
        app.base
    );
    let (status, page) = post(multipart(&[
        ("csrf", false, csrf.as_bytes()),
        ("file", true, local.as_bytes()),
        ("action", false, b"preview"),
    ]))
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("not on the public internet"), "{page}");

    let (status, page) =
        post(multipart(&[("csrf", false, csrf.as_bytes()), ("file", true, &csv), ("action", false, b"preview")])).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Preview — nothing was written") && page.contains("4 created, 0 changed, 0 unchanged"),
        "{page}"
    );
    // An uploaded file's paths never read the server's disk.
    assert!(page.contains("alma-noir.png&#x27; is a file path, and files are not read here"), "{page}");
    assert_eq!(CatalogStore::version(&app.db).await.unwrap_or(-1), version, "a preview writes nothing");

    let (status, _) =
        post(multipart(&[("csrf", false, b"forged"), ("file", true, &csv), ("action", false, b"import")])).await;
    assert_eq!(status, 403, "no import without the form's token");

    let (status, page) =
        post(multipart(&[("csrf", false, csrf.as_bytes()), ("file", true, &csv), ("action", false, b"import")])).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Imported") && page.contains("4 created"), "{page}");
    assert_eq!(app.get("/products/sac-alma").await.status().as_u16(), 200);
    let audit = AuditLog::page(&app.db, &AuditFilter::default(), i64::MAX, 1000).await.unwrap_or_default();
    assert!(audit.iter().any(|e| e.action == "catalog.import"), "the import is in the audit log");

    let bad = fixture("bad_products.csv");
    let (status, page) =
        post(multipart(&[("csrf", false, csrf.as_bytes()), ("file", true, &bad), ("action", false, b"import")])).await;
    assert_eq!(status, 422);
    assert!(page.contains("line 3, column Variant Price: &#x27;12,x&#x27; is not an amount"), "{page}");
    assert!(page.contains("nothing was imported"));
    app.stop().await;
}
