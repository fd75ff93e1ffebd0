//! Staff's catalog use cases (`shop::catalog::admin`) on both backends: a product created with
//! its variants is a draft until published; a scheduled product appears when the clock passes
//! its time; a copy is a draft with new SKUs; a retired product leaves the shop; Markdown is
//! rendered without letting script through; bad input is refused with a sentence and changes
//! nothing; every change is audited and moves the catalog's version. Also through the back
//! office's forms, as a manager.

use luxevault_core::staff::Role;
use luxevault_core::{Clock, Currency, Money};
use luxevault_shop::ShopError;
use luxevault_shop::catalog::admin::{self, ProductInput, Publication, TextInput, VariantInput};
use luxevault_shop::staff::members::Actor;
use luxevault_storage::{AuditFilter, AuditLog, CatalogStore};

use crate::support::{Backend, TestApp};

const BY: Actor<'static> = Actor { actor: "staff:test", client: "127.0.0.1" };

fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::from_code("EUR").unwrap_or_else(|e| panic!("{e}")))
}

fn variant(sku: &str, size: &str, stock: i64) -> VariantInput {
    VariantInput {
        sku: sku.into(),
        size: size.into(),
        material: "Calfskin".into(),
        barcode: "3760000000017".into(),
        weight_grams: 900,
        hs_code: "4202.21".into(),
        origin_country: "it".into(),
        stock,
        ..VariantInput::default()
    }
}

fn new_bag(handle: &str) -> ProductInput {
    ProductInput {
        handle: handle.into(),
        texts: vec![TextInput {
            lang: "en".into(),
            name: "Cabas Atelier".into(),
            subtitle: "Grained calfskin".into(),
            description: "**Hand-stitched** in Florence.\n\n- two handles\n- one pocket\n\n<script>alert('x')</script>"
                .into(),
            details: "Made in Italy".into(),
            seo_title: "Cabas Atelier, the calfskin tote".into(),
            seo_description: "A tote hand-stitched in Florence.".into(),
        }],
        price: eur(125_000),
        tax_class: "standard".into(),
        variants: vec![variant("CA-ATELIER-S", "S", 3), variant("CA-ATELIER-M", "M", 1)],
        collections: Vec::new(),
    }
}

async fn version(app: &TestApp) -> i64 {
    CatalogStore::version(&app.db).await.unwrap_or_else(|e| panic!("{e}"))
}

async fn page(app: &TestApp, path: &str) -> (u16, String) {
    let response = app.get(path).await;
    (response.status().as_u16(), response.text().await.unwrap_or_default().replace("&#x2f;", "/"))
}

async fn audited(app: &TestApp, action: &str) -> usize {
    AuditLog::page(&app.db, &AuditFilter::default(), i64::MAX, 10_000)
        .await
        .unwrap_or_else(|e| panic!("audit: {e}"))
        .iter()
        .filter(|e| e.action == action)
        .count()
}

fn message(result: Result<impl std::fmt::Debug, ShopError>) -> String {
    match result {
        Ok(done) => panic!("accepted: {done:?}"),
        Err(error @ ShopError::Invalid { .. }) => error.message().into_owned(),
        Err(other) => panic!("not a refusal of the input: {other:?}"),
    }
}

async fn a_created_product_is_a_draft_until_published(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let before = version(&app).await;
    let handle =
        admin::create_product(&app.shop, BY, &new_bag("cabas-atelier")).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(version(&app).await > before, "the version moved");
    let catalog = app.catalog().await;
    let product = catalog.product(&handle).unwrap_or_else(|| panic!("created"));
    assert_eq!(product.published_at, None, "a draft");
    assert_eq!(product.variants.len(), 2);
    let v = &product.variants[0];
    assert_eq!(
        (v.size.as_deref(), v.material.as_deref(), v.weight_grams, v.hs_code.as_str(), v.origin_country.as_str()),
        (Some("S"), Some("Calfskin"), 900, "4202.21", "IT")
    );
    assert_eq!(audited(&app, "catalog.create").await, 1);

    assert_eq!(page(&app, "/products/cabas-atelier").await.0, 404, "a draft is not shown");
    let (_, list) = app.get_json("/api/v1/products").await;
    assert!(!list.to_string().contains("cabas-atelier"), "nor listed");
    let quote = serde_json::json!({"currency": "EUR", "lines": [{"sku": "CA-ATELIER-S", "quantity": 1}]});
    let (_, quoted) = app.post_json("/api/v1/cart/quote", &quote).await;
    assert_ne!(quoted["lines"][0]["status"], "ok", "nor sold: {quoted}");

    admin::set_publication(&app.shop, BY, &handle, Publication::Now).await.unwrap_or_else(|e| panic!("{e}"));
    let (status, html) = page(&app, "/products/cabas-atelier").await;
    assert_eq!(status, 200);
    let title = html.split("<title>").nth(1).and_then(|t| t.split("</title>").next()).unwrap_or_default();
    assert!(title.starts_with("Cabas Atelier, the calfskin tote"), "the SEO title: {title}");
    assert!(html.contains("content=\"A tote hand-stitched in Florence.\""), "the SEO description");
    assert!(html.contains("<strong>Hand-stitched</strong>") && html.contains("<li>two handles</li>"), "Markdown");
    assert!(!html.contains("<script>alert"), "the written script is not a script");
    assert!(html.contains("&lt;script&gt;"), "it is shown as text");
    let (_, quoted) = app.post_json("/api/v1/cart/quote", &quote).await;
    assert_eq!(quoted["lines"][0]["status"], "ok", "{quoted}");

    admin::set_publication(&app.shop, BY, &handle, Publication::Draft).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(page(&app, "/products/cabas-atelier").await.0, 404, "unpublished");
    assert_eq!(audited(&app, "catalog.publish").await, 1);
    assert_eq!(audited(&app, "catalog.unpublish").await, 1);
}

async fn a_scheduled_product_appears_when_its_time_comes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let handle =
        admin::create_product(&app.shop, BY, &new_bag("cabas-prochain")).await.unwrap_or_else(|e| panic!("{e}"));
    let at = app.clock.now().plus_days(2);
    admin::set_publication(&app.shop, BY, &handle, Publication::At(at)).await.unwrap_or_else(|e| panic!("{e}"));
    let before = version(&app).await;
    assert_eq!(page(&app, "/products/cabas-prochain").await.0, 404, "not yet");
    app.clock.advance_days(1);
    assert_eq!(page(&app, "/products/cabas-prochain").await.0, 404, "still not");
    app.clock.advance_days(1);
    assert_eq!(page(&app, "/products/cabas-prochain").await.0, 200, "on time, without a write");
    assert_eq!(version(&app).await, before, "the snapshot was not reloaded for it");
    assert_eq!(audited(&app, "catalog.schedule").await, 1);
}

async fn a_copy_is_a_draft_with_new_skus(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let handle =
        admin::create_product(&app.shop, BY, &new_bag("cabas-original")).await.unwrap_or_else(|e| panic!("{e}"));
    admin::set_publication(&app.shop, BY, &handle, Publication::Now).await.unwrap_or_else(|e| panic!("{e}"));
    let skus = admin::duplicate_product(&app.shop, BY, &handle, "cabas-copie").await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(skus, ["CA-ATELIER-S-2", "CA-ATELIER-M-2"]);
    let catalog = app.catalog().await;
    let copy = catalog.product("cabas-copie").unwrap_or_else(|| panic!("copied"));
    assert_eq!(copy.published_at, None, "a draft");
    assert!(copy.variants.iter().all(|v| v.stock == 0 && v.barcode.is_empty()), "no stock, no barcode");
    assert_eq!(copy.variants[0].weight_grams, 900, "customs facts kept");
    assert_eq!(copy.texts.get("en").map(|t| t.name.as_str()), Some("Cabas Atelier"));
    assert_eq!(copy.prices, [eur(125_000)]);
    let again =
        admin::duplicate_product(&app.shop, BY, &handle, "cabas-copie-2").await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again, ["CA-ATELIER-S-3", "CA-ATELIER-M-3"], "the next free suffix");
    assert!(message(admin::duplicate_product(&app.shop, BY, &handle, "cabas-copie").await).contains("already has"));
    assert_eq!(audited(&app, "catalog.duplicate").await, 2);
}

async fn a_retired_product_leaves_the_shop(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let slug = app.catalog().await.products[0].slug.clone();
    assert_eq!(page(&app, &format!("/products/{slug}")).await.0, 200);
    admin::retire_product(&app.shop, BY, &slug).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(page(&app, &format!("/products/{slug}")).await.0, 404);
    admin::reactivate_product(&app.shop, BY, &slug).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(page(&app, &format!("/products/{slug}")).await.0, 200);
    assert_eq!(audited(&app, "catalog.retire").await, 1);
}

async fn bad_input_is_refused_with_a_sentence(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let taken_sku = app.catalog().await.products[0].variants[0].sku.clone();
    let before = version(&app).await;
    let mut twice = new_bag("cabas-double");
    twice.variants[1].sku = "CA-ATELIER-S".into();
    assert!(message(admin::create_product(&app.shop, BY, &twice).await).contains("SKU CA-ATELIER-S is already taken"));
    let mut taken = new_bag("cabas-pris");
    taken.variants[0].sku = taken_sku;
    assert!(message(admin::create_product(&app.shop, BY, &taken).await).contains("already taken"));
    assert!(
        message(admin::create_product(&app.shop, BY, &new_bag("Cabas Atelier!")).await).contains("handle is not valid")
    );
    let mut heavy = new_bag("cabas-lourd");
    heavy.variants[0].weight_grams = -5;
    assert!(
        message(admin::create_product(&app.shop, BY, &heavy).await)
            .contains("weight of CA-ATELIER-S cannot be negative")
    );
    let mut nameless = new_bag("cabas-anonyme");
    nameless.texts.clear();
    assert!(message(admin::create_product(&app.shop, BY, &nameless).await).contains("name"));
    let mut origin = new_bag("cabas-origine");
    origin.variants[0].origin_country = "Italy".into();
    assert!(message(admin::create_product(&app.shop, BY, &origin).await).contains("two-letter code"));
    assert_eq!(version(&app).await, before, "refusals change nothing");
    assert_eq!(audited(&app, "catalog.create").await, 0, "and are not recorded as changes");
}

async fn card_numbers_in_staff_text_are_redacted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut bag = new_bag("cabas-carte");
    bag.texts[0].description = "Paid with 4242 4242 4242 4242 by the atelier.".into();
    admin::create_product(&app.shop, BY, &bag).await.unwrap_or_else(|e| panic!("{e}"));
    let catalog = app.catalog().await;
    let text = catalog.product("cabas-carte").and_then(|p| p.texts.get("en")).map(|t| t.description.join(" "));
    assert!(text.as_deref().is_some_and(|t| !t.contains("4242 4242 4242 4242")), "{text:?}");
}

async fn collections_are_created_ordered_and_feature_a_product(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let texts = [admin::CollectionTextInput { lang: "en".into(), name: "Atelier".into(), description: String::new() }];
    admin::create_collection(&app.shop, BY, "atelier", &texts).await.unwrap_or_else(|e| panic!("{e}"));
    let catalog = app.catalog().await;
    assert_eq!(catalog.collections.last().map(|c| c.slug.as_str()), Some("atelier"), "created last");
    admin::move_collection(&app.shop, BY, "atelier", true).await.unwrap_or_else(|e| panic!("{e}"));
    let order: Vec<String> = app.catalog().await.collections.iter().map(|c| c.slug.clone()).collect();
    assert_eq!(order.iter().position(|s| s == "atelier"), Some(order.len() - 2), "moved up one");

    // The last product of the first collection, featured, comes first on its page.
    let first = catalog.collections[0].clone();
    let now = app.clock.now();
    let last = catalog.products_in(first.id, now).last().map(|p| p.slug.clone()).unwrap_or_default();
    admin::feature_in_collection(&app.shop, BY, &first.slug, Some(&last)).await.unwrap_or_else(|e| panic!("{e}"));
    let catalog = app.catalog().await;
    assert_eq!(catalog.products_in(first.id, now).next().map(|p| p.slug.clone()), Some(last.clone()));
    let (_, html) = page(&app, &format!("/collections/{}", first.slug)).await;
    let featured_at = html.find(&format!("/products/{last}")).unwrap_or(usize::MAX);
    let others = catalog.products_in(first.id, now).nth(1).map(|p| format!("/products/{}", p.slug)).unwrap_or_default();
    let others_at = html.find(&others).unwrap_or_else(|| panic!("{others} listed"));
    assert!(featured_at < others_at, "the featured product is listed first");
    // Filing in a collection that does not exist is refused.
    let refused = admin::file_product(&app.shop, BY, &last, "no-such", true).await;
    assert!(matches!(refused, Err(ShopError::Invalid { .. })), "{refused:?}");
}

async fn image_alt_texts_follow_their_image(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let product = app.catalog().await.products.iter().find(|p| p.images.len() >= 2).cloned();
    let product = product.unwrap_or_else(|| panic!("a demo product with two images"));
    let first = product.images[0].clone();
    admin::set_image_alt(&app.shop, BY, &product.slug, &first, "en", "The bag from the front")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (_, html) = page(&app, &format!("/products/{}", product.slug)).await;
    assert!(html.contains("alt=\"The bag from the front\""), "the storefront shows the alt text");
    admin::move_image(&app.shop, BY, &product.slug, &first, false).await.unwrap_or_else(|e| panic!("{e}"));
    let moved = app.catalog().await.product(&product.slug).cloned().unwrap_or_else(|| panic!("still there"));
    assert_eq!(moved.images[1], first, "moved down");
    assert_eq!(moved.image_alts[1].get("en").map(String::as_str), Some("The bag from the front"), "the alt moved too");
    assert!(!moved.image_alts[0].contains_key("en"));
    let refused = admin::set_image_alt(&app.shop, BY, &product.slug, "no-such-image", "en", "x").await;
    assert!(matches!(refused, Err(ShopError::NotFound(_))), "{refused:?}");
    assert_eq!(audited(&app, "catalog.image_alt").await, 1, "the refusal is not recorded");
}

async fn a_manager_creates_and_publishes_in_the_back_office(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let manager = app.staff("catalog-manager", Role::Manager).await;
    let (status, form) = manager.get("/admin/catalog/new").await;
    assert_eq!(status, 200);
    assert!(form.contains("name=\"v0_sku\"") && form.contains("name=\"seo_title_en\""));
    let fields = [
        ("handle", "pochette-soir"),
        ("price", "480,00"),
        ("tax_class", "standard"),
        ("name_en", "Pochette Soir"),
        ("description_en", "A *small* evening clutch."),
        ("v0_sku", "PS-SOIR-S"),
        ("v0_size", "S"),
        ("v0_weight", "300"),
        ("v0_stock", "2"),
        ("v1_sku", "PS-SOIR-M"),
        ("v1_size", "M"),
        ("v1_stock", "1"),
    ];
    let response = manager.submit("/admin/catalog/new", "/admin/catalog/new", &fields).await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(page(&app, "/products/pochette-soir").await.0, 404, "a draft");
    let (_, detail) = manager.get("/admin/catalog/pochette-soir").await;
    assert!(detail.contains("data-state=\"draft\""));
    let response = manager
        .submit("/admin/catalog/pochette-soir", "/admin/catalog/pochette-soir/publication", &[("mode", "now")])
        .await;
    assert_eq!(response.status().as_u16(), 303);
    let (status, html) = page(&app, "/products/pochette-soir").await;
    assert_eq!(status, 200);
    assert!(html.contains("<em>small</em>"));
    let sizes: Vec<_> = app
        .catalog()
        .await
        .product("pochette-soir")
        .map(|p| p.variants.iter().filter_map(|v| v.size.clone()).collect())
        .unwrap_or_default();
    assert_eq!(sizes, ["S", "M"]);

    let weight =
        [("handle", "pochette-lourde"), ("price", "10"), ("name_en", "X"), ("v0_sku", "PL-1"), ("v0_weight", "-1")];
    let response = manager.submit("/admin/catalog/new", "/admin/catalog/new", &weight).await;
    assert_eq!(response.status().as_u16(), 422);
    assert!(response.text().await.unwrap_or_default().contains("cannot be negative"));

    let viewer = app.staff("catalog-fulfilment", Role::Fulfilment).await;
    assert_eq!(viewer.get("/admin/catalog/new").await.0, 403, "fulfilment reads the catalog, does not create");
}

backend_tests!(
    a_created_product_is_a_draft_until_published,
    a_scheduled_product_appears_when_its_time_comes,
    a_copy_is_a_draft_with_new_skus,
    a_retired_product_leaves_the_shop,
    bad_input_is_refused_with_a_sentence,
    card_numbers_in_staff_text_are_redacted,
    collections_are_created_ordered_and_feature_a_product,
    image_alt_texts_follow_their_image,
    a_manager_creates_and_publishes_in_the_back_office,
);
