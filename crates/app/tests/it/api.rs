//! The catalog API and its OpenAPI document.

use serde_json::Value;

use crate::support::{Backend, TestApp, pick};

async fn products_are_listed_in_the_requested_currency_and_language(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let catalog = app.catalog().await;
    let on_sale = catalog.products_on_sale(luxevault_core::Clock::now(&app.clock)).count();
    let (status, body) = app.get_json("/api/v1/products?currency=JPY&lang=fr").await;
    assert_eq!(status, 200);
    let products = body["products"].as_array().cloned().unwrap_or_default();
    assert_eq!(products.len(), on_sale);
    for p in &products {
        assert_eq!(p["price"]["currency"], "JPY");
        assert!(p["price"]["amount_minor"].as_i64().unwrap_or(-1) > 0);
        assert!(p["href"].as_str().unwrap_or_default().starts_with("/fr/products/"));
        assert!(
            p["price"]["formatted"].as_str().unwrap_or_default().ends_with('¥'),
            "French format puts the symbol after"
        );
    }
    let collection = &catalog.collections[0];
    let (status, body) = app.get_json(&format!("/api/v1/products?collection={}", collection.slug)).await;
    assert_eq!(status, 200);
    let expected = catalog.products_in(collection.id, luxevault_core::Clock::now(&app.clock)).count();
    assert_eq!(body["products"].as_array().map(Vec::len), Some(expected));
    let (status, body) = app.get_json("/api/v1/products?collection=nope").await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")));
    app.stop().await;
}

async fn explicit_prices_win_and_missing_ones_are_converted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let catalog = app.catalog().await;
    let explicit = pick::product_with_price_in(&catalog, "GBP");
    let gbp = explicit.prices.iter().find(|m| m.currency().code() == "GBP").map(|m| m.minor());
    let (_, body) = app.get_json(&format!("/api/v1/products/{}?currency=GBP", explicit.slug)).await;
    assert_eq!(body["price"]["amount_minor"].as_i64(), gbp);

    let converted = pick::product_without_price_in(&catalog, "JPY");
    let base = converted.prices.iter().find(|m| m.currency().code() == "EUR").map(|m| m.minor()).unwrap_or(0);
    let offered = catalog.currencies.find("JPY").unwrap_or_else(|| panic!("JPY offered"));
    let (_, body) = app.get_json(&format!("/api/v1/products/{}?currency=JPY", converted.slug)).await;
    let jpy = body["price"]["amount_minor"].as_i64().unwrap_or(0);
    assert_eq!(jpy % offered.rounding_minor, 0, "converted price lands on the rounding step");
    // EUR cents × rate / 100 (JPY has no minor unit), within half a step.
    let rate: f64 = "162.12".parse().unwrap_or(0.0); // only to bound the check, never to compute prices
    let exact = base as f64 / 100.0 * rate;
    assert!((jpy as f64 - exact).abs() <= offered.rounding_minor as f64 / 2.0 + 1.0, "{jpy} vs {exact}");
    let prices = body["prices"].as_array().cloned().unwrap_or_default();
    assert_eq!(prices.len(), 5, "a price in every offered currency");
    app.stop().await;
}

async fn bad_parameters_get_clear_errors(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let slug = app.catalog().await.products[0].slug.clone();
    for (path, code) in [
        ("/api/v1/products?currency=XYZ".to_string(), "unsupported_currency"),
        ("/api/v1/products?currency=%00%01".to_string(), "unsupported_currency"),
        ("/api/v1/products?lang=de".to_string(), "unsupported_language"),
        (format!("/api/v1/products/{slug}?lang=../../etc"), "unsupported_language"),
    ] {
        let (status, body) = app.get_json(&path).await;
        assert_eq!((status, body["error"]["code"].as_str()), (400, Some(code)), "{path}");
        assert!(body["error"]["message"].as_str().unwrap_or_default().contains("use one of"), "{path}: {body}");
    }
    let (status, body) = app.get_json("/api/v1/products/no-such-piece").await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")));
    app.stop().await;
}

async fn collections_and_currencies(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, body) = app.get_json("/api/v1/collections?lang=fr").await;
    assert_eq!(status, 200);
    let collections = body["collections"].as_array().cloned().unwrap_or_default();
    assert!(!collections.is_empty());
    assert!(collections.iter().all(|c| c["product_count"].as_u64().unwrap_or(0) > 0));
    let (status, body) = app.get_json("/api/v1/currencies").await;
    assert_eq!(status, 200);
    let codes: Vec<&str> =
        body["currencies"].as_array().into_iter().flatten().filter_map(|c| c["code"].as_str()).collect();
    assert_eq!(codes, ["EUR", "GBP", "USD", "CHF", "JPY"]);
    let jpy = body["currencies"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["code"] == "JPY")
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(jpy["exponent"], 0);
    app.stop().await;
}

async fn openapi_documents_every_route(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, doc) = app.get_json("/api/openapi.json").await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap_or_default().starts_with("3."));
    // Every API route of the router is in the document.
    let router = include_str!("../../../web/src/router.rs");
    let routes: Vec<&str> = router
        .split(".route(\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|path| path.starts_with("/api/v1/"))
        .collect();
    assert!(routes.len() > 20, "routes found: {routes:?}");
    for path in routes {
        assert!(doc["paths"].get(path).is_some(), "{path} is not in /api/openapi.json");
    }
    for schema in ["QuoteRequest", "QuoteResponse", "ErrorBody", "ProductDetail"] {
        assert!(doc["components"]["schemas"].get(schema).is_some(), "{schema} documented");
    }
    app.stop().await;
}

async fn answers_with_personal_data_or_tokens_are_not_cached(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = serde_json::json!({"username": "cachetest", "email": "cache@example.test", "password": "a long enough passphrase"});
    let response =
        app.client.post(app.url("/api/v1/account/register")).json(&body).send().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status().as_u16(), 201);
    assert_eq!(
        response.headers().get("cache-control").and_then(|v| v.to_str().ok()),
        Some("no-store"),
        "a session token"
    );
    let unknown = app.get(&format!("/api/v1/orders/{}", uuid::Uuid::new_v4())).await;
    assert_eq!(unknown.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
    let catalog = app.get("/api/v1/products").await;
    assert_ne!(
        catalog.headers().get("cache-control").and_then(|v| v.to_str().ok()),
        Some("no-store"),
        "the catalog is public"
    );
    app.stop().await;
}

async fn unknown_routes_and_bad_path_values_answer_problem_documents(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (path, status) in
        [("/api/v1/no-such-thing", 404), ("/api/v2/products", 404), ("/api/v1/orders/not-a-uuid", 400)]
    {
        let response = app.get(path).await;
        assert_eq!(response.status().as_u16(), status, "{path}");
        let kind = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        assert_eq!(kind, "application/problem+json", "{path}");
        let body: Value = response.json().await.unwrap_or_default();
        assert_eq!(body["status"], status, "{path}: {body}");
        assert!(body["title"].is_string() && body["detail"].is_string(), "{path}: {body}");
        assert!(!body.to_string().contains("not-a-uuid"), "the value sent is not repeated: {body}");
    }
    let admin = app
        .client
        .post(app.url("/api/v1/admin/orders/12345/refund"))
        .bearer_auth("wrong")
        .json(&serde_json::json!({"reason": "x"}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(admin.status().is_client_error());
    let page = app.get("/no-such-page").await;
    assert_eq!(page.status().as_u16(), 404);
    let kind = page.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert!(kind.starts_with("text/html"), "pages keep their calm page: {kind}");
    app.stop().await;
}

backend_tests!(
    unknown_routes_and_bad_path_values_answer_problem_documents,
    answers_with_personal_data_or_tokens_are_not_cached,
    products_are_listed_in_the_requested_currency_and_language,
    explicit_prices_win_and_missing_ones_are_converted,
    bad_parameters_get_clear_errors,
    collections_and_currencies,
    openapi_documents_every_route,
);
