//! The back office's catalog pages: the list and a product's page open to roles with
//! `ViewCatalog`, every change only to `EditCatalog` (owner, manager) and with the CSRF token;
//! edits reach the storefront (the catalog's version moves), prices are typed in major units per
//! currency (JPY has none), uploads are accepted by their bytes and stored without metadata, and
//! every change is in the audit log under the product's slug.

use luxevault_core::staff::{Permission, Role};
use luxevault_core::{Currency, Money};
use luxevault_storage::{AuditFilter, AuditLog, CatalogStore};

use crate::staff_support::{StaffBrowser, csrf_of};
use crate::support::{Backend, TestApp};

const BOUNDARY: &str = "lv-test-boundary-7f3a";

/// A `multipart/form-data` body: `(name, filename, bytes)` per field.
fn multipart(fields: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, filename, bytes) in fields {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match filename {
            Some(file) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => {
                body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes())
            }
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Posts a multipart body as the member's browser would.
async fn upload(staff: &StaffBrowser<'_>, slug: &str, body: Vec<u8>) -> (u16, String) {
    let response = staff
        .app
        .client
        .post(staff.app.url(&format!("/admin/catalog/{slug}/images")))
        .header("cookie", &staff.cookie)
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("upload: {e}"));
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

/// The member's CSRF token (from a page every signed-in member may open).
async fn csrf(staff: &StaffBrowser<'_>) -> String {
    csrf_of(&staff.get("/admin/sessions").await.1)
}

/// A real JPEG carrying a camera's EXIF with a GPS position, and a comment.
fn photo_with_gps() -> Vec<u8> {
    let mut jpeg = Vec::new();
    let pixels: Vec<u8> = (0..32 * 24 * 3).map(|i| (i % 251) as u8).collect();
    jpeg_encoder::Encoder::new(&mut jpeg, 90)
        .encode(&pixels, 32, 24, jpeg_encoder::ColorType::Rgb)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut exif = b"Exif\0\0MM\0*\0\0\0\x08\0\x01\x88\x25\0\x04\0\0\0\x01\0\0\0\x1a\0\0\0\0".to_vec();
    exif.extend_from_slice(b"GPS-48.8566N-2.3522E-SECRET");
    let segment = |marker: u8, body: &[u8]| {
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&u16::try_from(body.len() + 2).unwrap_or(u16::MAX).to_be_bytes());
        s.extend_from_slice(body);
        s
    };
    let mut out = jpeg[..2].to_vec();
    out.extend(segment(0xE1, &exif));
    out.extend(segment(0xFE, b"shot by SECRET photographer"));
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

async fn version(app: &TestApp) -> i64 {
    CatalogStore::version(&app.db).await.unwrap_or_else(|e| panic!("{e}"))
}

async fn catalog_actions(app: &TestApp) -> Vec<(String, String, Option<String>)> {
    AuditLog::page(&app.db, &AuditFilter::default(), i64::MAX, 10_000)
        .await
        .unwrap_or_else(|e| panic!("audit: {e}"))
        .into_iter()
        .filter(|e| e.action.starts_with("catalog."))
        .map(|e| {
            assert_eq!(e.subject_kind, "product");
            (e.action, e.subject_id, e.reason)
        })
        .collect()
}

async fn prices(app: &TestApp, slug: &str) -> Vec<Money> {
    app.catalog().await.product(slug).map(|p| p.prices.clone()).unwrap_or_default()
}

async fn storefront(app: &TestApp, slug: &str) -> String {
    app.get(&format!("/products/{slug}")).await.text().await.unwrap_or_default().replace("&#x2f;", "/")
}

async fn every_role_sees_and_changes_only_what_it_may(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let catalog = app.catalog().await;
    let product = catalog.products[0].clone();
    let slug = product.slug.as_str();
    let sku = product.variants[0].sku.as_str();
    let first_image = product.images[0].clone();
    for role in Role::ALL {
        let staff = app.staff(&format!("cat-{}", role.as_str()), role).await;
        let view = role.allows(Permission::ViewCatalog);
        let edit = role.allows(Permission::EditCatalog);
        assert_eq!(edit, matches!(role, Role::Owner | Role::Manager), "{role:?}");
        let (status, list) = staff.get("/admin/catalog").await;
        assert_eq!(status, if view { 200 } else { 403 }, "{role:?} list");
        assert_eq!(list.contains(slug), view, "{role:?}: a refused list shows nothing");
        let (status, detail) = staff.get(&format!("/admin/catalog/{slug}")).await;
        assert_eq!(status, if view { 200 } else { 403 }, "{role:?} product");
        assert_eq!(detail.contains(&format!("/admin/catalog/{slug}/listing")), edit, "{role:?}: forms only to editors");
        assert_eq!(detail.contains("enctype=\"multipart/form-data\""), edit);

        if edit {
            continue;
        }
        let before = version(&app).await;
        let base = format!("/admin/catalog/{slug}");
        let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
            (format!("{base}/text"), vec![("lang", "en"), ("name", "Hijacked")]),
            (format!("{base}/listing"), vec![("availability", "retired"), ("position", "1")]),
            (format!("{base}/price"), vec![("currency", "GBP"), ("amount", "1.00")]),
            (format!("{base}/price/remove"), vec![("currency", "GBP")]),
            (format!("{base}/variant"), vec![("sku", sku), ("stock", "0"), ("availability", "retired")]),
            (format!("{base}/images/remove"), vec![("src", first_image.as_str())]),
            (format!("{base}/images/move"), vec![("src", first_image.as_str()), ("direction", "down")]),
        ];
        for (path, form) in posts {
            let response = staff.submit("/admin/sessions", &path, &form).await;
            assert_eq!(response.status().as_u16(), 403, "{role:?} POST {path}");
        }
        let token = csrf(&staff).await;
        let body = multipart(&[("csrf", None, token.as_bytes()), ("image", Some("p.jpg"), &photo_with_gps())]);
        assert_eq!(upload(&staff, slug, body).await.0, 403, "{role:?} upload");
        assert_eq!(version(&app).await, before, "{role:?}: nothing changed");
    }
    assert!(catalog_actions(&app).await.is_empty(), "refused posts write no catalog entry");
    app.stop().await;
}

async fn edits_reach_the_storefront_and_the_audit_log(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let catalog = app.catalog().await;
    let product = catalog.products[0].clone();
    let slug = product.slug.clone();
    let sku = product.variants[0].sku.clone();
    let manager = app.staff("cat-manager", Role::Manager).await;
    let page = format!("/admin/catalog/{slug}");
    let post = |what: &str| format!("/admin/catalog/{slug}/{what}");
    let start = version(&app).await;

    // The list filters by text and availability.
    let (_, list) = manager.get("/admin/catalog?q=zzz-no-such&availability=").await;
    assert!(list.contains("No product matches") && !list.contains(&slug));
    let (_, list) = manager.get(&format!("/admin/catalog?q={sku}&availability=active")).await;
    assert!(list.contains(&format!("/admin/catalog/{slug}")));
    let (_, list) = manager.get("/admin/catalog?q=&availability=retired").await;
    assert!(!list.contains(&format!("/admin/catalog/{slug}\"")), "no demo product is retired");

    // Texts.
    let text = [
        ("lang", "en"),
        ("name", "Escarpin Nouvelle Ligne"),
        ("subtitle", "Nappa"),
        ("description", "First paragraph.\r\n\r\nSecond paragraph."),
        ("details", "Made in Italy\r\nHand-finished"),
    ];
    let response = manager.submit(&page, &post("text"), &text).await;
    assert_eq!(response.status().as_u16(), 303);
    assert!(storefront(&app, &slug).await.contains("Escarpin Nouvelle Ligne"), "the shop shows the edit at once");
    let edited = app.catalog().await;
    let en = edited.product(&slug).and_then(|p| p.texts.get("en").cloned()).unwrap_or_else(|| panic!("en text"));
    assert_eq!(en.description, ["First paragraph.", "Second paragraph."]);
    assert_eq!(en.details, ["Made in Italy", "Hand-finished"]);
    let response = manager.submit(&page, &post("text"), &[("lang", "en"), ("name", "  ")]).await;
    assert_eq!(response.status().as_u16(), 422, "an empty name is refused");
    let response = manager.submit(&page, &post("text"), &[("lang", "xx"), ("name", "X")]).await;
    assert_eq!(response.status().as_u16(), 422, "a language the shop does not offer");

    // Listing.
    let response = manager
        .submit(&page, &post("listing"), &[("availability", "active"), ("position", "99"), ("featured", "on")])
        .await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(app.catalog().await.products.last().map(|p| p.slug.clone()), Some(slug.clone()), "listed last");
    let response = manager.submit(&page, &post("listing"), &[("availability", "gone"), ("position", "1")]).await;
    assert_eq!(response.status().as_u16(), 422);
    for position in ["first", "-1", "2147483647"] {
        let response =
            manager.submit(&page, &post("listing"), &[("availability", "active"), ("position", position)]).await;
        assert_eq!(response.status().as_u16(), 422, "position {position}");
    }

    // Prices, typed in major units per currency.
    let c = |code: &str| Currency::from_code(code).unwrap_or_else(|e| panic!("{e}"));
    for (code, typed, minor) in
        [("GBP", "1 250,00", 125_000), ("JPY", "198 000", 198_000), ("USD", "1,399.50", 139_950)]
    {
        let response = manager.submit(&page, &post("price"), &[("currency", code), ("amount", typed)]).await;
        assert_eq!(response.status().as_u16(), 303, "{code} {typed}");
        assert!(prices(&app, &slug).await.contains(&Money::new(minor, c(code))), "{code} {typed}");
    }
    let (_, html) = manager.get(&page).await;
    assert!(html.contains("value=\"198000\"") && html.contains("value=\"1250.00\""), "own prices shown in major units");
    let before = version(&app).await;
    for (code, typed, says) in [
        ("JPY", "1250.50", "no decimals"),
        ("EUR", "-5", "negative"),
        ("EUR", "12.345", "at most 2 decimals"),
        ("EUR", "douze", "not a number"),
        ("EUR", "", "Type an amount"),
        ("EUR", "0", "more than zero"),
        ("EUR", "0,00", "more than zero"),
        ("SEK", "10", "does not offer this currency"),
    ] {
        let response = manager.submit(&page, &post("price"), &[("currency", code), ("amount", typed)]).await;
        assert_eq!(response.status().as_u16(), 422, "{code} {typed}");
        assert!(response.text().await.unwrap_or_default().contains(says), "{code} {typed}: {says}");
    }
    let response = manager.submit(&page, &post("price/remove"), &[("currency", "EUR")]).await;
    assert_eq!(response.status().as_u16(), 422, "the base price stays");
    assert_eq!(version(&app).await, before, "refusals change nothing");
    let response = manager.submit(&page, &post("price/remove"), &[("currency", "GBP")]).await;
    assert_eq!(response.status().as_u16(), 303);
    assert!(!prices(&app, &slug).await.iter().any(|m| m.currency() == c("GBP")), "GBP is converted again");

    // Stock and availability of a variant.
    let response =
        manager.submit(&page, &post("variant"), &[("sku", &sku), ("stock", "7"), ("availability", "active")]).await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(app.catalog().await.variant(&sku).map(|(_, v)| v.stock), Some(7));
    for (stock, availability) in
        [("-1", "active"), ("many", "active"), ("3", "maybe"), ("9223372036854775807", "active"), ("1000001", "active")]
    {
        let form = [("sku", sku.as_str()), ("stock", stock), ("availability", availability)];
        assert_eq!(
            manager.submit(&page, &post("variant"), &form).await.status().as_u16(),
            422,
            "{stock} {availability}"
        );
    }
    let other = catalog.products.iter().find(|p| p.slug != slug).map(|p| p.variants[0].sku.clone()).unwrap_or_default();
    let form = [("sku", other.as_str()), ("stock", "1"), ("availability", "active")];
    assert_eq!(manager.submit(&page, &post("variant"), &form).await.status().as_u16(), 404, "another product's SKU");
    let form = [("sku", sku.as_str()), ("stock", "0"), ("availability", "retired")];
    assert_eq!(manager.submit(&page, &post("variant"), &form).await.status().as_u16(), 303);
    let (_, html) = manager.get("/admin/catalog").await;
    let row = html.split(&format!("data-product=\"{slug}\"")).nth(1).and_then(|r| r.split("</tr>").next());
    let sold_out = app.catalog().await.product(&slug).is_some_and(|p| p.sold_out());
    assert_eq!(row.is_some_and(|r| r.contains("sold out")), sold_out, "the list flags a sold-out product");

    // Forged: no token, a wrong token.
    let response =
        app.post_form(&post("listing"), Some(&manager.cookie), &[("availability", "retired"), ("position", "1")]).await;
    assert_eq!(response.status().as_u16(), 403);
    let response = app
        .post_form(
            &post("listing"),
            Some(&manager.cookie),
            &[("csrf", "0".repeat(64).as_str()), ("availability", "retired"), ("position", "1")],
        )
        .await;
    assert_eq!(response.status().as_u16(), 403);

    // 1 text + 1 listing + 3 prices + 1 removal + 2 variant edits, each once in the log and the version.
    assert_eq!(version(&app).await, start + 8);
    let actions = catalog_actions(&app).await;
    let count = |action: &str| actions.iter().filter(|(a, s, _)| a == action && *s == slug).count();
    assert_eq!(count("catalog.text"), 1);
    assert_eq!(count("catalog.listing"), 1);
    assert_eq!(count("catalog.price_set"), 3);
    assert_eq!(count("catalog.price_remove"), 1);
    assert_eq!(count("catalog.variant"), 2);
    assert_eq!(actions.len(), 8, "refused edits are not logged as changes: {actions:?}");
    assert!(actions.iter().any(|(a, _, r)| a == "catalog.price_set" && r.as_deref() == Some("JPY")));
    app.stop().await;
}

async fn uploads_are_stripped_shown_and_refused_when_bad(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let catalog = app.catalog().await;
    let product = catalog.products[0].clone();
    let slug = product.slug.clone();
    let owner = app.staff("cat-owner", Role::Owner).await;
    let token = csrf(&owner).await;

    let photo = photo_with_gps();
    assert!(contains(&photo, b"SECRET"));
    let body = multipart(&[("csrf", None, token.as_bytes()), ("image", Some("IMG_0042.jpg"), &photo)]);
    assert_eq!(upload(&owner, &slug, body).await.0, 303);
    let images = app.catalog().await.product(&slug).map(|p| p.images.clone()).unwrap_or_default();
    assert_eq!(images.len(), product.images.len() + 1);
    let id = images.last().cloned().unwrap_or_default();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "stored by id: {id}");
    let url = format!("/media/{id}");
    assert!(storefront(&app, &slug).await.contains(&format!("src=\"{url}\"")), "the shop shows the upload");
    let (_, page) = owner.get(&format!("/admin/catalog/{slug}")).await;
    assert!(page.replace("&#x2f;", "/").contains(&format!("src=\"{url}\"")), "the back office shows the thumbnail");
    let response = app.get(&url).await;
    assert_eq!(response.status().as_u16(), 200);
    let served = response.bytes().await.unwrap_or_default();
    assert!(served.starts_with(&[0xFF, 0xD8, 0xFF]));
    assert!(!contains(&served, b"SECRET") && !contains(&served, b"Exif"), "no EXIF, GPS or comment is served");

    // Reorder: the upload moves up one place; then it is removed.
    let form = [("src", id.as_str()), ("direction", "up")];
    assert_eq!(
        owner.submit("/admin/sessions", &format!("/admin/catalog/{slug}/images/move"), &form).await.status(),
        303
    );
    let moved = app.catalog().await.product(&slug).map(|p| p.images.clone()).unwrap_or_default();
    assert_eq!(moved.iter().position(|s| *s == id), Some(images.len() - 2));
    let form = [("src", id.as_str())];
    assert_eq!(
        owner.submit("/admin/sessions", &format!("/admin/catalog/{slug}/images/remove"), &form).await.status(),
        303
    );
    assert!(!storefront(&app, &slug).await.contains(&url), "removed from the shop");
    let form = [("src", "no-such-image.svg")];
    assert_eq!(
        owner.submit("/admin/sessions", &format!("/admin/catalog/{slug}/images/remove"), &form).await.status(),
        404
    );

    // Bad uploads: a clear 4xx each, nothing attached.
    let before = version(&app).await;
    let t = token.as_bytes();
    let mut gif = b"GIF89a".to_vec();
    gif.extend_from_slice(&[0; 32]);
    let too_large = vec![0xFF; luxevault_core::media::DEFAULT_MAX_BYTES + 1];
    let cases: Vec<(Vec<u8>, u16, &str)> = vec![
        (
            multipart(&[("csrf", None, t), ("image", Some("notes.txt"), b"just some words".as_slice())]),
            415,
            "not an image",
        ),
        (multipart(&[("csrf", None, t), ("image", Some("a.gif"), &gif)]), 415, "JPEG, PNG or WebP"),
        (
            multipart(&[("csrf", None, t), ("image", Some("a.jpg"), b"\xFF\xD8\xFF\xE0broken".as_slice())]),
            422,
            "damaged",
        ),
        (multipart(&[("csrf", None, t), ("image", Some(""), b"".as_slice())]), 400, "Choose an image"),
        (multipart(&[("csrf", None, t)]), 400, "Choose an image"),
        (multipart(&[("csrf", None, t), ("image", Some("big.jpg"), &too_large)]), 413, "too large"),
        (multipart(&[("image", Some("p.jpg"), &photo)]), 403, "not sent from the back office"),
        (multipart(&[("csrf", None, [b'0'; 64].as_slice()), ("image", Some("p.jpg"), &photo)]), 403, "not sent from"),
    ];
    for (body, status, says) in cases {
        let (got, text) = upload(&owner, &slug, body).await;
        assert_eq!(got, status, "{says}: {text}");
        assert!(text.contains(says), "{says}: {text}");
    }
    assert_eq!(version(&app).await, before, "no bad upload changed the catalog");

    let actions = catalog_actions(&app).await;
    let names: Vec<&str> = actions.iter().map(|(a, _, _)| a.as_str()).collect();
    assert_eq!(names, ["catalog.image_remove", "catalog.image_move", "catalog.image_upload"], "newest first");
    assert!(actions.iter().all(|(_, s, _)| *s == slug));
    app.stop().await;
}

backend_tests!(
    every_role_sees_and_changes_only_what_it_may,
    edits_reach_the_storefront_and_the_audit_log,
    uploads_are_stripped_shown_and_refused_when_bad,
);
