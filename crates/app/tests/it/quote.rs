//! `POST /api/v1/cart/quote`: the browser's cart re-priced, line by line, never a 500.

use serde_json::{Value, json};

use crate::support::{Backend, TestApp, pick};

fn line<'a>(body: &'a Value, sku: &str) -> &'a Value {
    body["lines"].as_array().and_then(|lines| lines.iter().find(|l| l["sku"] == sku)).unwrap_or(&Value::Null)
}

async fn prices_a_cart_in_the_chosen_currency(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let catalog = app.catalog().await;
    let (product, variant) = pick::in_stock_variant(&catalog, 3);
    let gbp = catalog.currencies.find("GBP").copied().unwrap_or_else(|| panic!("GBP"));
    let unit = catalog.currencies.price(&product.prices, &gbp).ok().flatten().map(|p| p.money.minor()).unwrap_or(0);
    let (status, body) = app
        .post_json(
            "/api/v1/cart/quote",
            &json!({"currency": "gbp", "lang": "en", "lines": [{"sku": variant.sku, "quantity": 2}]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["currency"], "GBP");
    assert_eq!(body["notice"], Value::Null);
    let l = line(&body, &variant.sku);
    assert_eq!(l["status"], "ok");
    assert_eq!(l["unit_price"]["amount_minor"].as_i64(), Some(unit));
    assert_eq!(l["line_total"]["amount_minor"].as_i64(), Some(unit * 2));
    assert_eq!(body["subtotal"]["amount_minor"].as_i64(), Some(unit * 2));
    assert!(body["subtotal"]["formatted"].as_str().unwrap_or_default().starts_with('£'));
    assert_eq!(body["item_count"], 2);
    assert_eq!(l["product"]["slug"], product.slug.as_str());
    app.stop().await;
}

async fn each_bad_line_gets_a_message_and_the_rest_is_priced(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let catalog = app.catalog().await;
    let (product, good) = pick::in_stock_variant(&catalog, 3);
    let (_, scarce) = catalog
        .products
        .iter()
        .flat_map(|p| p.variants.iter().map(move |v| (p, v)))
        .find(|(_, v)| v.stock >= 1 && v.stock <= 2)
        .unwrap_or_else(|| panic!("a low-stock variant"));
    let (_, sold_out) = pick::sold_out_variant(&catalog);
    let eur = catalog.currencies.find("EUR").copied().unwrap_or_else(|| panic!("EUR"));
    let good_unit =
        catalog.currencies.price(&product.prices, &eur).ok().flatten().map(|p| p.money.minor()).unwrap_or(0);
    let request = json!({"currency": "EUR", "lang": "fr", "lines": [
        {"sku": good.sku, "quantity": 1},
        {"sku": "ME-NO-SUCH-PIECE", "quantity": 1},
        {"sku": scarce.sku, "quantity": 5},
        {"sku": sold_out.sku, "quantity": 1},
        {"sku": good.sku, "quantity": 1},
        {"sku": "<script>alert(1)</script>", "quantity": 1},
    ]});
    let (status, body) = app.post_json("/api/v1/cart/quote", &request).await;
    assert_eq!(status, 200, "{body}");
    let lines = body["lines"].as_array().cloned().unwrap_or_default();
    assert_eq!(lines.len(), 5, "duplicate SKUs are merged: {body}");
    let merged = line(&body, &good.sku);
    assert_eq!((merged["quantity"].as_i64(), merged["status"].as_str()), (Some(2), Some("ok")));
    let unknown = line(&body, "ME-NO-SUCH-PIECE");
    assert_eq!(unknown["status"], "unknown_variant");
    assert!(unknown["message"].as_str().unwrap_or_default().len() > 5, "a message in French");
    let short = line(&body, &scarce.sku);
    assert_eq!(short["status"], "insufficient_stock");
    assert_eq!(short["available"].as_i64(), Some(scarce.stock));
    assert!(short["message"].as_str().unwrap_or_default().contains(&scarce.stock.to_string()));
    assert_eq!(line(&body, &sold_out.sku)["status"], "insufficient_stock");
    assert_eq!(line(&body, &sold_out.sku)["available"], 0);
    let none_left = line(&body, &sold_out.sku)["message"].as_str().unwrap_or_default().to_string();
    assert!(!none_left.contains('0'), "never \"only 0 available\": {none_left}");
    assert_eq!(none_left, "Cette pièce est épuisée.");
    // Arbitrary text is not reflected back.
    assert!(!body.to_string().contains("<script>"), "{body}");
    let scarce_unit = short["unit_price"]["amount_minor"].as_i64().unwrap_or(0);
    assert_eq!(body["subtotal"]["amount_minor"].as_i64(), Some(good_unit * 2 + scarce_unit * scarce.stock));
    app.stop().await;
}

async fn retired_and_invalid_quantities(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let catalog = app.catalog().await;
    let (product, variant) = pick::in_stock_variant(&catalog, 1);
    luxevault_storage::CatalogStore::set_product_availability(
        &app.db,
        &product.slug,
        luxevault_core::catalog::Availability::Retired,
        luxevault_core::Clock::now(&app.clock),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let (_, other) = app
        .catalog()
        .await
        .products
        .iter()
        .filter(|p| p.on_sale(luxevault_core::Clock::now(&app.clock)))
        .flat_map(|p| p.variants.iter().map(|v| (p.slug.clone(), v.clone())))
        .find(|(_, v)| v.stock >= 1)
        .unwrap_or_else(|| panic!("another variant in stock"));
    let request = json!({"currency": "EUR", "lines": [
        {"sku": variant.sku, "quantity": 1},
        {"sku": other.sku, "quantity": 0},
    ]});
    let (status, body) = app.post_json("/api/v1/cart/quote", &request).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(line(&body, &variant.sku)["status"], "retired");
    assert_eq!(line(&body, &other.sku)["status"], "invalid_quantity");
    for quantity in [-3, 100, 1_000_000_000_000i64] {
        let (status, body) = app
            .post_json(
                "/api/v1/cart/quote",
                &json!({"currency": "EUR", "lines": [{"sku": other.sku, "quantity": quantity}]}),
            )
            .await;
        assert_eq!(
            (status, line(&body, &other.sku)["status"].as_str()),
            (200, Some("invalid_quantity")),
            "quantity {quantity}"
        );
    }
    assert_eq!(body["subtotal"]["amount_minor"], 0);
    app.stop().await;
}

async fn unknown_currency_falls_back_with_a_notice(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let catalog = app.catalog().await;
    let (_, variant) = pick::in_stock_variant(&catalog, 1);
    let (status, body) = app
        .post_json("/api/v1/cart/quote", &json!({"currency": "XAU", "lines": [{"sku": variant.sku, "quantity": 1}]}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["currency"], "EUR");
    let notice = body["notice"].as_str().unwrap_or_default();
    assert!(notice.contains("XAU") && notice.contains("EUR"), "{notice}");
    assert_eq!(line(&body, &variant.sku)["status"], "ok");
    let (_, body) = app.post_json("/api/v1/cart/quote", &json!({"currency": "<b>€</b>", "lines": []})).await;
    assert!(!body.to_string().contains("<b>"), "the requested currency is not reflected raw: {body}");
    app.stop().await;
}

async fn malformed_requests_get_json_errors(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let url = app.url("/api/v1/cart/quote");
    let send = |body: Vec<u8>, content_type: &'static str| {
        let client = app.client.clone();
        let url = url.clone();
        async move {
            let response = client
                .post(url)
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or_else(|e| panic!("error body is JSON: {e}"));
            (status, body["error"]["code"].as_str().unwrap_or_default().to_string())
        }
    };
    assert_eq!(send(b"{not json".to_vec(), "application/json").await, (400, "invalid_json".into()));
    assert_eq!(send(b"".to_vec(), "application/json").await.0, 400);
    assert_eq!(send(br#"{"currency": "EUR"}"#.to_vec(), "application/json").await, (422, "invalid_body".into()));
    assert_eq!(
        send(br#"{"currency": 5, "lines": "x"}"#.to_vec(), "application/json").await,
        (422, "invalid_body".into())
    );
    assert_eq!(
        send(br#"{"currency": "EUR", "lines": []}"#.to_vec(), "text/plain").await,
        (415, "unsupported_media_type".into())
    );
    let mut huge = br#"{"currency": "EUR", "lines": [], "pad": ""#.to_vec();
    huge.extend(std::iter::repeat_n(b'x', 200 * 1024));
    huge.extend(br#""}"#);
    assert_eq!(send(huge, "application/json").await, (413, "body_too_large".into()));
    let many: Vec<Value> = (0..101).map(|i| json!({"sku": format!("ME-X-{i}"), "quantity": 1})).collect();
    let (status, body) = app.post_json("/api/v1/cart/quote", &json!({"currency": "EUR", "lines": many})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("too_many_lines")));
    let (status, body) =
        app.post_json("/api/v1/cart/quote", &json!({"currency": "EUR", "lang": "xx", "lines": []})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("unsupported_language")));
    // The server is still fine afterwards.
    assert_eq!(app.get_json("/healthz").await.0, 200);
    app.stop().await;
}

async fn stock_changes_are_seen_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let catalog = app.catalog().await;
    let (_, variant) = pick::in_stock_variant(&catalog, 1);
    let request = json!({"currency": "EUR", "lines": [{"sku": variant.sku, "quantity": 1}]});
    assert_eq!(line(&app.post_json("/api/v1/cart/quote", &request).await.1, &variant.sku)["status"], "ok");
    luxevault_storage::CatalogStore::set_stock(&app.db, &variant.sku, 0, luxevault_core::Clock::now(&app.clock))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (_, body) = app.post_json("/api/v1/cart/quote", &request).await;
    assert_eq!(line(&body, &variant.sku)["status"], "insufficient_stock");
    app.stop().await;
}

backend_tests!(
    prices_a_cart_in_the_chosen_currency,
    each_bad_line_gets_a_message_and_the_rest_is_priced,
    retired_and_invalid_quantities,
    unknown_currency_falls_back_with_a_notice,
    malformed_requests_get_json_errors,
    stock_changes_are_seen_at_once,
);
