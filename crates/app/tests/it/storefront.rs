//! Storefront pages over HTTP: rendered, in both languages, without cookies, under a strict CSP.

use crate::support::{Backend, TestApp, pick};

fn assert_page_headers(response: &reqwest::Response, path: &str) {
    assert!(response.headers().get("set-cookie").is_none(), "{path} set a cookie");
    let csp = response.headers().get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self'"), "{path} CSP: {csp}");
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{path} CSP allows inline code: {csp}");
    assert_eq!(response.headers().get("x-frame-options").and_then(|v| v.to_str().ok()), Some("DENY"));
}

async fn page(app: &TestApp, path: &str) -> String {
    let response = app.get(path).await;
    assert_eq!(response.status().as_u16(), 200, "{path}");
    assert_page_headers(&response, path);
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert!(content_type.starts_with("text/html"), "{path}: {content_type}");
    response.text().await.unwrap_or_default()
}

/// No inline script or style, no handler attributes, nothing from another origin.
fn assert_self_contained(html: &str, path: &str) {
    let lower = html.to_lowercase();
    assert!(!lower.contains(" style=\""), "{path} has an inline style attribute");
    assert!(!lower.contains(" onclick=") && !lower.contains(" onload="), "{path} has an inline handler");
    for script in lower.split("<script").skip(1) {
        let tag = script.split('>').next().unwrap_or_default();
        assert!(tag.contains("src="), "{path} has an inline <script>");
    }
    for attr in ["src=\"http", "href=\"http", "src=\"//", "href=\"//"] {
        assert!(!lower.contains(attr), "{path} loads something from another origin ({attr})");
    }
}

async fn every_page_renders_without_cookies(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let catalog = app.catalog().await;
    let product = &catalog.products[0];
    let collection = &catalog.collections[0];
    for prefix in ["", "/fr"] {
        for path in [
            if prefix.is_empty() { "/".to_string() } else { format!("{prefix}/") },
            format!("{prefix}/collections/{}", collection.slug),
            format!("{prefix}/products/{}", product.slug),
            format!("{prefix}/cart"),
            format!("{prefix}/privacy"),
        ] {
            let html = page(&app, &path).await;
            assert_self_contained(&html, &path);
            let lang = if prefix.is_empty() { "en" } else { "fr" };
            assert!(html.contains(&format!("lang=\"{lang}\"")), "{path} is not in {lang}");
            assert!(html.contains("data-cart-key=\"luxevault_cart\""), "{path} lacks the cart key");
            assert!(html.contains("data-currency-key=\"lg_currency\""), "{path} lacks the currency key");
        }
    }
    // /fr without the trailing slash is the French home too.
    let html = page(&app, "/fr").await;
    assert!(html.contains("lang=\"fr\""));
    app.stop().await;
}

async fn product_page_shows_variants_and_local_prices(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let catalog = app.catalog().await;
    let product = pick::product_with_sizes(&catalog);
    let html = page(&app, &format!("/products/{}", product.slug)).await;
    let en = product.texts.get("en").unwrap_or_else(|| panic!("English name"));
    assert!(html.contains(&en.name.replace('&', "&amp;").replace('\'', "&#x27;")), "product name shown");
    for variant in product.variants.iter() {
        assert!(html.contains(&format!("data-testid=\"variant-{}\"", variant.sku)), "variant {} offered", variant.sku);
    }
    // Prices in every currency travel with the page for the currency picker.
    for code in ["EUR", "GBP", "USD", "CHF", "JPY"] {
        assert!(html.contains(&format!("&quot;{code}&quot;")), "price in {code} present");
    }
    let fr = page(&app, &format!("/fr/products/{}", product.slug)).await;
    let fr_name = &product.texts.get("fr").unwrap_or_else(|| panic!("French name")).name;
    assert!(fr.contains(&fr_name.replace('&', "&amp;").replace('\'', "&#x27;")), "French name shown");
    app.stop().await;
}

async fn sold_out_variants_are_disabled(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let catalog = app.catalog().await;
    let (product, variant) = pick::sold_out_variant(&catalog);
    let html = page(&app, &format!("/products/{}", product.slug)).await;
    let marker = format!("data-testid=\"variant-{}\"", variant.sku);
    let start = html.find(&marker).unwrap_or_else(|| panic!("variant {} on the page", variant.sku));
    let tag_start = html[..start].rfind('<').unwrap_or(0);
    let tag_end = start + html[start..].find('>').unwrap_or(0);
    assert!(html[tag_start..tag_end].contains("disabled"), "sold-out radio is disabled: {}", &html[tag_start..tag_end]);
    app.stop().await;
}

async fn unknown_pages_are_404_in_the_right_language(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (path, lang) in [
        ("/products/no-such-piece", "en"),
        ("/fr/products/no-such-piece", "fr"),
        ("/nowhere", "en"),
        ("/collections/none", "en"),
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status().as_u16(), 404, "{path}");
        assert_page_headers(&response, path);
        let html = response.text().await.unwrap_or_default();
        assert!(html.contains(&format!("lang=\"{lang}\"")), "{path} error page in {lang}");
    }
    // The error page's language links lead to the same address in the other language.
    let html = app.get("/fr/products/no-such-piece").await.text().await.unwrap_or_default();
    assert!(html.contains("href=\"&#x2f;products&#x2f;no-such-piece\""), "English link of the French 404 page");
    app.stop().await;
}

async fn retired_products_leave_the_shop(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let catalog = app.catalog().await;
    let product = &catalog.products[0];
    assert_eq!(app.get(&format!("/products/{}", product.slug)).await.status().as_u16(), 200);
    luxevault_storage::CatalogStore::set_product_availability(
        &app.db,
        &product.slug,
        luxevault_core::catalog::Availability::Retired,
        luxevault_core::Clock::now(&app.clock),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    // The cached snapshot notices the new catalog version on the next request.
    assert_eq!(app.get(&format!("/products/{}", product.slug)).await.status().as_u16(), 404);
    let (_, list) = app.get_json("/api/v1/products").await;
    let slugs: Vec<&str> =
        list["products"].as_array().into_iter().flatten().filter_map(|p| p["slug"].as_str()).collect();
    assert!(!slugs.contains(&product.slug.as_str()), "retired product still listed");
    app.stop().await;
}

async fn static_assets_are_versioned_and_cached(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let html = page(&app, "/").await;
    let css = html
        .split("href=\"")
        .find_map(|s| s.split('"').next().filter(|u| u.contains("shop.css?v=")))
        .map(|u| u.replace("&#x2f;", "/"));
    let css = css.unwrap_or_else(|| panic!("a versioned stylesheet link"));
    let response = app.get(&css).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers().get("cache-control").and_then(|v| v.to_str().ok()),
        Some("public, max-age=31536000, immutable")
    );
    assert!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .starts_with("text/css")
    );
    let stale = app.get("/static/shop.css?v=000000000000").await;
    assert_eq!(stale.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("public, max-age=300"));
    assert_eq!(app.get("/static/nope.js").await.status().as_u16(), 404);
    assert_eq!(app.get("/media/../Cargo.toml").await.status().as_u16(), 404);
    let catalog = app.catalog().await;
    let image = &catalog.products[0].images[0];
    let response = app.get(&format!("/media/{image}")).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("image/svg+xml"));
    app.stop().await;
}

async fn health_probes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_eq!(app.get_json("/healthz").await, (200, serde_json::json!({"status": "ok"})));
    assert_eq!(app.get_json("/readyz").await, (200, serde_json::json!({"status": "ready"})));
    app.db.close().await;
    let (status, body) = app.get_json("/readyz").await;
    assert_eq!((status, body["status"].as_str()), (503, Some("unavailable")));
    assert_eq!(app.get_json("/healthz").await.0, 200, "the process is still up");
    app.stop().await;
}

async fn privacy_page_publishes_the_controller_and_storage(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for path in ["/privacy", "/fr/privacy"] {
        let html = page(&app, path).await;
        for published in
            ["LIEN GROUP", "privacy@liengroup.com", "+86 16657122166", "luxevault_cart", "lg_currency", "lg_session"]
        {
            assert!(html.contains(published), "{path} does not publish {published}");
        }
    }
    app.stop().await;
}

async fn https_shops_send_hsts(backend: Backend) {
    let plain = TestApp::spawn(backend).await;
    assert!(plain.get("/").await.headers().get("strict-transport-security").is_none(), "not over plain HTTP");
    plain.stop().await;
    let app = TestApp::spawn_with(backend, |c| c.public_base_url = "https://maison.example".into()).await;
    let response = app.get("/").await;
    assert_eq!(
        response.headers().get("strict-transport-security").and_then(|v| v.to_str().ok()),
        Some("max-age=31536000")
    );
    app.stop().await;
}

/// Countries are named in the shopper's language by the server (no script needed), in their
/// alphabetical order, while the code is what the form sends.
async fn countries_are_named_in_the_shoppers_language(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (path, named, order) in [
        ("/checkout", ("GB", "United Kingdom"), ["France", "Germany", "Switzerland"]),
        ("/fr/checkout", ("GB", "Royaume-Uni"), ["Allemagne", "États-Unis", "France"]),
        ("/fr/cart", ("US", "États-Unis"), ["Allemagne", "États-Unis", "France"]),
    ] {
        let html = page(&app, path).await;
        let option = html
            .split(&format!(r#"<option value="{}""#, named.0))
            .nth(1)
            .and_then(|rest| rest.split("</option>").next());
        assert!(option.is_some_and(|o| o.ends_with(&format!(">{}", named.1))), "{path}: {named:?} in {option:?}");
        assert!(!html.contains(r#"<option value="GB">GB</option>"#), "{path}: no bare codes");
        let at = |name: &str| html.find(&format!(">{name}</option>")).unwrap_or_else(|| panic!("{path}: {name}"));
        assert!(at(order[0]) < at(order[1]) && at(order[1]) < at(order[2]), "{path}: alphabetical, accents aside");
    }
    app.stop().await;
}

/// Half sizes read "38,5" in French and "38.5" in English, on the page and in the cart's label;
/// the stored size is one value.
async fn decimal_sizes_follow_the_readers_decimal_mark(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fr = page(&app, "/fr/products/escarpin-alma").await;
    assert!(fr.contains(">38,5<"), "French: a decimal comma");
    assert!(!fr.contains(">38.5<"));
    let en = page(&app, "/products/escarpin-alma").await;
    assert!(en.contains(">38.5<"), "English: a decimal point");
    let (status, cart) = app
        .post_json(
            "/api/v1/cart/quote",
            &serde_json::json!({"lang": "fr", "currency": "EUR", "lines": [{"sku": "ME-EA-NOIR-385", "quantity": 1}]}),
        )
        .await;
    assert_eq!(status, 200, "{cart}");
    assert!(cart.to_string().contains("38,5"), "the cart's label too: {cart}");
    app.stop().await;
}

backend_tests!(
    decimal_sizes_follow_the_readers_decimal_mark,
    countries_are_named_in_the_shoppers_language,
    https_shops_send_hsts,
    privacy_page_publishes_the_controller_and_storage,
    every_page_renders_without_cookies,
    product_page_shows_variants_and_local_prices,
    sold_out_variants_are_disabled,
    unknown_pages_are_404_in_the_right_language,
    retired_products_leave_the_shop,
    static_assets_are_versioned_and_cached,
    health_probes,
);
