//! The admin-token API that a headless front end or an ERP reads: products (drafts too),
//! orders and customers, a page at a time with an opaque cursor, audited when personal data is
//! read.

use luxevault_storage::AuditLog;
use serde_json::{Value, json};

use crate::support::{Backend, TestApp, pick};

backend_tests!(orders_customers_and_products_page_through_with_cursors, an_erp_writes_the_catalog);

const ADMIN: &str = "an-admin-token-of-at-least-32-characters";

async fn get(app: &TestApp, path: &str, token: Option<&str>) -> (u16, Value) {
    let mut request = app.client.get(app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap_or_else(|e| panic!("GET {path}: {e}"));
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

async fn orders_customers_and_products_page_through_with_cursors(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.admin_token = luxevault::config::Secret::new(ADMIN)).await;
    for (i, email) in ["a@example.test", "b@example.test", "c@example.test"].iter().enumerate() {
        crate::use_cases::place(&app, &format!("admin-api-order-{i:010}"), email)
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        app.clock.advance_minutes(1);
    }
    assert_eq!(get(&app, "/api/v1/admin/orders", None).await.0, 401);
    assert_eq!(get(&app, "/api/v1/admin/orders", Some("wrong-token-of-at-least-32-characters")).await.0, 401);

    let (status, first) = get(&app, "/api/v1/admin/orders?limit=2", Some(ADMIN)).await;
    assert_eq!(status, 200, "{first}");
    let orders = first["orders"].as_array().cloned().unwrap_or_default();
    assert_eq!(orders.len(), 2);
    assert_eq!(orders[0]["email"], "c@example.test", "newest first");
    assert!(orders[0]["total"]["amount"].as_str().is_some_and(|a| a.contains('.')), "decimal amounts: {first}");
    let next = first["next_cursor"].as_str().unwrap_or_else(|| panic!("a next page: {first}")).to_string();
    let (_, second) = get(&app, &format!("/api/v1/admin/orders?limit=2&cursor={next}"), Some(ADMIN)).await;
    let rest = second["orders"].as_array().cloned().unwrap_or_default();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0]["email"], "a@example.test");
    assert!(second["next_cursor"].is_null());
    let (_, waiting) = get(&app, "/api/v1/admin/orders?status=awaiting_payment&currency=EUR", Some(ADMIN)).await;
    assert_eq!(waiting["orders"].as_array().map(Vec::len), Some(3));
    let (_, none) = get(&app, "/api/v1/admin/orders?status=refunded", Some(ADMIN)).await;
    assert_eq!(none["orders"].as_array().map(Vec::len), Some(0));
    for bad in ["status=lost", "cursor=nonsense", "from=2026-13-01", "currency=EURO"] {
        let (status, body) = get(&app, &format!("/api/v1/admin/orders?{bad}"), Some(ADMIN)).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    }

    let (status, customers) = get(&app, "/api/v1/admin/customers?limit=5", Some(ADMIN)).await;
    assert_eq!(status, 200, "{customers}");
    assert!(customers["customers"].is_array());

    let catalog = app.catalog().await;
    let (product, _) = pick::in_stock_variant(&catalog, 1);
    let (_, products) = get(&app, "/api/v1/admin/products?limit=5", Some(ADMIN)).await;
    let page = products["products"].as_array().cloned().unwrap_or_default();
    assert_eq!(page.len(), 5);
    let handles: Vec<&str> = page.iter().filter_map(|p| p["handle"].as_str()).collect();
    let mut sorted = handles.clone();
    sorted.sort_unstable();
    assert_eq!(handles, sorted, "by handle");
    let mut seen = handles.len();
    let mut cursor = products["next_cursor"].as_str().map(String::from);
    while let Some(after) = cursor {
        let (_, more) = get(&app, &format!("/api/v1/admin/products?limit=5&cursor={after}"), Some(ADMIN)).await;
        seen += more["products"].as_array().map(Vec::len).unwrap_or(0);
        cursor = more["next_cursor"].as_str().map(String::from);
    }
    assert_eq!(seen, catalog.products.len(), "the pages hold every product once");
    let (_, published) = get(&app, "/api/v1/admin/products?status=published&limit=100", Some(ADMIN)).await;
    assert!(published["products"].as_array().is_some_and(|p| p.iter().any(|p| p["handle"] == product.slug.as_str())));
    assert_eq!(get(&app, "/api/v1/admin/products?status=lost", Some(ADMIN)).await.0, 400);

    let entries = AuditLog::after(&app.db, 0, 1_000).await.unwrap_or_default();
    let reads: Vec<&str> = entries.iter().filter(|e| e.actor == "api-token").map(|e| e.action.as_str()).collect();
    assert!(reads.iter().filter(|a| **a == "orders.list").count() >= 4, "every page of orders is audited: {reads:?}");
    assert!(reads.contains(&"customers.list"));
}

async fn send(app: &TestApp, method: reqwest::Method, path: &str, body: &Value) -> (u16, Value) {
    let response = app
        .client
        .request(method, app.url(path))
        .bearer_auth(ADMIN)
        .json(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

async fn an_erp_writes_the_catalog(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.admin_token = luxevault::config::Secret::new(ADMIN)).await;
    let product = json!({
        "handle": "gilet-erp",
        "price": "890.00",
        "texts": [{"lang": "en", "name": "Cashmere waistcoat", "description": "Knitted in Scotland."}],
        "variants": [
            {"sku": "GILET-ERP-S", "size": "S", "stock": 2, "weight_grams": 300, "hs_code": "611012", "origin_country": "GB"},
            {"sku": "GILET-ERP-M", "size": "M", "stock": 3, "weight_grams": 320},
        ],
    });
    let (status, created) = send(&app, reqwest::Method::POST, "/api/v1/admin/products", &product).await;
    assert_eq!((status, created["status"].as_str()), (201, Some("draft")), "{created}");
    assert_eq!(app.get("/products/gilet-erp").await.status().as_u16(), 404, "a draft is not on the storefront");
    let (status, again) = send(&app, reqwest::Method::POST, "/api/v1/admin/products", &product).await;
    assert_eq!(status, 422, "the handle is taken: {again}");
    let mut bad = product.clone();
    bad["handle"] = json!("gilet-erp-2");
    bad["price"] = json!("eight hundred");
    assert_eq!(send(&app, reqwest::Method::POST, "/api/v1/admin/products", &bad).await.0, 400);

    let (status, published) =
        send(&app, reqwest::Method::POST, "/api/v1/admin/products/gilet-erp/publication", &json!({"publish": "now"}))
            .await;
    assert_eq!((status, published["status"].as_str()), (200, Some("published")), "{published}");
    let page = app.get("/products/gilet-erp").await;
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().await.unwrap_or_default().contains("Cashmere waistcoat"));

    let stock = "/api/v1/admin/products/gilet-erp/variants/GILET-ERP-S/stock";
    assert_eq!(send(&app, reqwest::Method::PUT, stock, &json!({"stock": 7})).await.0, 204);
    let catalog = app.catalog().await;
    assert_eq!(catalog.variant("GILET-ERP-S").map(|(_, v)| v.stock), Some(7));
    assert_eq!(send(&app, reqwest::Method::PUT, stock, &json!({"stock": -1})).await.0, 422);
    let missing = "/api/v1/admin/products/gilet-erp/variants/NO-SUCH/stock";
    assert_eq!(send(&app, reqwest::Method::PUT, missing, &json!({"stock": 1})).await.0, 404);
    let (status, _) = send(
        &app,
        reqwest::Method::POST,
        "/api/v1/admin/products/gilet-erp/publication",
        &json!({"publish": "next tuesday"}),
    )
    .await;
    assert_eq!(status, 400);

    let entries = AuditLog::after(&app.db, 0, 1_000).await.unwrap_or_default();
    let writes: Vec<&str> = entries.iter().filter(|e| e.actor == "api-token").map(|e| e.action.as_str()).collect();
    assert!(writes.iter().any(|a| a.starts_with("catalog.")), "catalog writes are audited: {writes:?}");
}
