//! Checkout with the demo provider: exactly the policy's order fields (P2), re-priced and
//! stock-reserved under an idempotency key, paid on the test page, captured at the hold point,
//! confirmed by email. No cookies, no card data.

use serde_json::{Value, json};

use crate::support::{Backend, TestApp, pick};

fn contact() -> Value {
    json!({
        "name": "Jeanne Dupont", "email": "pii-canary-7f3a@example.test", "phone": "+33 6 12 34 56 78",
        "address_line1": "12 rue du Faubourg Saint-Honoré", "address_line2": "", "city": "Paris",
        "postcode": "75008", "country": "FR"
    })
}

async fn place(app: &TestApp, key: &str, body: &Value) -> (u16, Value) {
    let response = app
        .client
        .post(app.url("/api/v1/orders"))
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(response.headers().get("set-cookie").is_none(), "checkout set a cookie");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn a_guest_checks_out_pays_and_is_told(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let catalog = app.catalog().await;
    let (_, variant) = pick::in_stock_variant(&catalog, 3);
    let body =
        json!({"lang": "fr", "currency": "GBP", "lines": [{"sku": variant.sku, "quantity": 2}], "contact": contact()});
    let (status, placed) = place(&app, "checkout-key-0001-abcdef", &body).await;
    assert_eq!(status, 201, "{placed}");
    assert_eq!(placed["payment"]["provider"], "demo");
    assert_eq!(placed["payment"]["test_mode"], true);
    let order_id = placed["order"]["id"].as_str().unwrap_or_default().to_string();
    assert!(placed["order"]["number"].as_str().unwrap_or_default().starts_with("ME-2026-"));
    // Stock is reserved at once.
    assert_eq!(app.catalog().await.variant(&variant.sku).map(|(_, v)| v.stock), Some(variant.stock - 2));

    // A double click: the same order, not a second one, and no second reservation.
    let (status, again) = place(&app, "checkout-key-0001-abcdef", &body).await;
    assert_eq!((status, &again["order"]["id"]), (200, &placed["order"]["id"]));
    assert_eq!(app.catalog().await.variant(&variant.sku).map(|(_, v)| v.stock), Some(variant.stock - 2));

    // The demo payment page, then "Pay (test)".
    let redirect = placed["payment"]["redirect_url"].as_str().unwrap_or_default().to_string();
    let page = app.get(&redirect).await;
    assert_eq!(page.status().as_u16(), 200);
    let key = redirect.split("key=").nth(1).unwrap_or_default().to_string();
    let pay = app
        .client
        .post(app.url(redirect.split('#').next().unwrap_or_default()))
        .form(&[("key", key.as_str())])
        .send()
        .await;
    let pay = pay.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(pay.status().as_u16(), 303);
    let order_page = pay.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or_default().to_string();
    assert!(order_page.contains(&format!("/fr/orders/{order_id}#key=")), "{order_page}");

    let (_, order) = order_with_key(&app, &order_id, &key).await;
    assert_eq!(order["status"], "authorised", "held at the review point until captured");
    app.run_jobs().await;
    let (_, order) = order_with_key(&app, &order_id, &key).await;
    assert_eq!(order["status"], "confirmed");
    let history: Vec<&str> =
        order["history"].as_array().into_iter().flatten().filter_map(|h| h["status"].as_str()).collect();
    assert_eq!(history, ["awaiting_payment", "authorised", "confirmed"]);

    // Emails: confirmation and payment received, in French, to the order's address.
    let outbox = app.outbox();
    assert_eq!(outbox.len(), 2, "two emails");
    let number = placed["order"]["number"].as_str().unwrap_or_default();
    assert!(outbox.iter().all(|m| m.contains(number) && m.contains("pii-canary-7f3a@example.test")));
    assert!(outbox.iter().any(|m| m.contains("Votre commande")), "French confirmation");
    // Without the key, the order is not shown: ids reveal nothing.
    assert_eq!(app.get_json(&format!("/api/v1/orders/{order_id}")).await.0, 404);
    assert_eq!(order_with_key(&app, &order_id, &format!("1999999999.{}", "0".repeat(64))).await.0, 404);
    // The order's address alone is a neutral thank-you; posting the key shows the order.
    let page_path = order_page.split('#').next().unwrap_or_default().replace(&app.base, "");
    let html = app.get(&page_path).await;
    assert_eq!(html.status().as_u16(), 200);
    let html = html.text().await.unwrap_or_default();
    assert!(!html.contains("pii-canary") && !html.contains(number), "no order data without the key");
    let opened = app.client.post(app.url(&page_path)).form(&[("key", key.as_str())]).send().await;
    let opened = opened.unwrap_or_else(|e| panic!("{e}")).text().await.unwrap_or_default();
    assert!(opened.contains(number) && opened.contains("pii-canary"), "the key opens the order");
    app.stop().await;
}

/// The order as the API shows it to the holder of a link's key (header `X-Order-Key`).
pub async fn order_with_key(app: &TestApp, order_id: &str, key: &str) -> (u16, Value) {
    let response =
        app.client.get(app.url(&format!("/api/v1/orders/{order_id}"))).header("x-order-key", key).send().await;
    let response = response.unwrap_or_else(|e| panic!("{e}"));
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn checkout_refuses_what_it_should(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let catalog = app.catalog().await;
    let (_, variant) = pick::in_stock_variant(&catalog, 1);
    let (_, sold_out) = pick::sold_out_variant(&catalog);
    let line = json!([{"sku": variant.sku, "quantity": 1}]);
    let body = |contact: Value| json!({"currency": "EUR", "lines": line, "contact": contact});

    let response = app
        .client
        .post(app.url("/api/v1/orders"))
        .json(&body(contact()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status().as_u16(), 400, "an idempotency key is required");

    let mut bad = contact();
    bad["email"] = json!("nope");
    bad["country"] = json!("XX");
    let (status, answer) = place(&app, "checkout-key-0002-abcdef", &body(bad)).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (422, Some("invalid_fields")));
    let fields: Vec<&str> =
        answer["error"]["fields"].as_array().into_iter().flatten().filter_map(|f| f["field"].as_str()).collect();
    assert_eq!(fields, ["email", "country"]);
    assert!(!answer.to_string().contains("Jeanne"), "personal data is not echoed in errors");

    let mut extra = contact();
    extra["date_of_birth"] = json!("1990-01-01");
    let (status, _) = place(&app, "checkout-key-0003-abcdef", &body(extra)).await;
    assert_eq!(status, 422, "P2: no field beyond name, email, phone, address, postcode, country");

    let (status, answer) = place(
        &app,
        "checkout-key-0004-abcdef",
        &json!({"currency": "EUR", "lines": [{"sku": sold_out.sku, "quantity": 1}], "contact": contact()}),
    )
    .await;
    assert_eq!((status, answer["error"]["code"].as_str()), (409, Some("cart_changed")));

    let (status, _) = place(&app, "checkout-key-0005-abcdef", &body(contact())).await;
    assert_eq!(status, 201);
    let mut other = contact();
    other["city"] = json!("Lyon");
    let (status, answer) = place(&app, "checkout-key-0005-abcdef", &body(other)).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (409, Some("idempotency_key_reused")));
    let (status, _) =
        place(&app, "checkout-key-0006-abcdef", &json!({"currency": "EUR", "lines": [], "contact": contact()})).await;
    assert_eq!(status, 400);
    app.stop().await;
}

async fn unpaid_orders_give_their_stock_back(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let catalog = app.catalog().await;
    let (_, variant) = pick::in_stock_variant(&catalog, 1);
    let (status, _) = place(
        &app,
        "checkout-key-0007-abcdef",
        &json!({"currency": "EUR", "lines": [{"sku": variant.sku, "quantity": 1}], "contact": contact()}),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(app.catalog().await.variant(&variant.sku).map(|(_, v)| v.stock), Some(variant.stock - 1));
    app.clock.advance_days(2);
    let cancelled = luxevault_web_sweep(&app).await;
    assert_eq!(cancelled, 1);
    assert_eq!(app.catalog().await.variant(&variant.sku).map(|(_, v)| v.stock), Some(variant.stock), "stock released");
    app.stop().await;
}

async fn luxevault_web_sweep(app: &TestApp) -> usize {
    app.sweep().await
}

async fn account_holders_see_their_orders(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, session) = app
        .post_json(
            "/api/v1/account/register",
            &json!({"username": "jeanne", "email": "jeanne@example.fr", "password": "la soie du matin à Paris"}),
        )
        .await;
    let token = session["token"].as_str().unwrap_or_default().to_string();
    let catalog = app.catalog().await;
    let (_, variant) = pick::in_stock_variant(&catalog, 1);
    let response = app
        .client
        .post(app.url("/api/v1/orders"))
        .bearer_auth(&token)
        .header("Idempotency-Key", "checkout-key-0008-abcdef")
        .json(&json!({"currency": "EUR", "lines": [{"sku": variant.sku, "quantity": 1}], "contact": contact()}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status().as_u16(), 201);
    let listed = app
        .client
        .get(app.url("/api/v1/account/orders"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let listed: Value = listed.json().await.unwrap_or(Value::Null);
    assert_eq!(listed["orders"].as_array().map(Vec::len), Some(1));
    assert_eq!(listed["orders"][0]["lines"][0]["sku"], variant.sku.as_str());
    app.stop().await;
}

async fn concurrent_checkouts_all_succeed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let catalog = app.catalog().await;
    let (_, variant) = pick::in_stock_variant(&catalog, 3);
    let others: Vec<String> = catalog
        .products
        .iter()
        .flat_map(|p| p.variants.iter())
        .filter(|v| v.stock >= 1 && v.sku != variant.sku)
        .take(7)
        .map(|v| v.sku.clone())
        .collect();
    let mut requests = tokio::task::JoinSet::new();
    for (i, sku) in others.iter().enumerate() {
        // Every cart also holds the same piece, in a different order, to contend for one row.
        let lines = if i % 2 == 0 {
            json!([{"sku": variant.sku, "quantity": 1}, {"sku": sku, "quantity": 1}])
        } else {
            json!([{"sku": sku, "quantity": 1}, {"sku": variant.sku, "quantity": 1}])
        };
        let body = json!({"currency": "EUR", "lines": lines, "contact": contact()});
        let request = app
            .client
            .post(app.url("/api/v1/orders"))
            .header("Idempotency-Key", format!("concurrent-checkout-{i:04}-abcdef"))
            .json(&body);
        requests.spawn(async move { request.send().await.map(|r| r.status().as_u16()).unwrap_or(0) });
    }
    let statuses: Vec<u16> = requests.join_all().await;
    let created = statuses.iter().filter(|s| **s == 201).count();
    let refused = statuses.iter().filter(|s| **s == 409).count();
    assert_eq!(created + refused, statuses.len(), "no 500 under contention: {statuses:?}");
    assert_eq!(created as i64, variant.stock.min(statuses.len() as i64), "{statuses:?}");
    app.stop().await;
}

async fn a_retry_finds_its_order_even_for_the_last_piece(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let catalog = app.catalog().await;
    let (_, variant) = pick::in_stock_variant(&catalog, 1);
    let body =
        json!({"currency": "EUR", "lines": [{"sku": variant.sku, "quantity": variant.stock}], "contact": contact()});
    let (status, first) = place(&app, "last-piece-key-0001-abc", &body).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(app.catalog().await.variant(&variant.sku).map(|(_, v)| v.stock), Some(0));
    let (status, again) = place(&app, "last-piece-key-0001-abc", &body).await;
    assert_eq!((status, &again["order"]["id"]), (200, &first["order"]["id"]), "{again}");
    assert_eq!(again["payment"]["redirect_url"], first["payment"]["redirect_url"], "the same payment page");
    // Once the order is cancelled, a replay shows the order instead of reopening payment.
    let id = uuid::Uuid::parse_str(first["order"]["id"].as_str().unwrap_or_default()).unwrap_or_default();
    luxevault_storage::Orders::transition(
        &app.db,
        id,
        luxevault_core::order::OrderStatus::Cancelled,
        &luxevault_core::order::Actor::System,
        "test",
        luxevault_core::Clock::now(&app.clock),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let (status, replay) = place(&app, "last-piece-key-0001-abc", &body).await;
    assert_eq!(status, 200);
    let url = replay["payment"]["redirect_url"].as_str().unwrap_or_default();
    assert!(url.contains(&format!("/orders/{id}#key=")) && !url.contains("/checkout/demo/"), "{url}");
    app.stop().await;
}

backend_tests!(
    concurrent_checkouts_all_succeed,
    a_retry_finds_its_order_even_for_the_last_piece,
    staff_cancel_fulfil_and_refund_with_the_admin_token,
    staff_operations_are_off_without_a_token,
    a_guest_checks_out_pays_and_is_told,
    checkout_refuses_what_it_should,
    unpaid_orders_give_their_stock_back,
    account_holders_see_their_orders,
);

const ADMIN: &str = "an-admin-token-of-at-least-32-characters";

async fn staff(app: &TestApp, order_id: &str, action: &str, token: &str) -> (u16, Value) {
    let response = app
        .client
        .post(app.url(&format!("/api/v1/admin/orders/{order_id}/{action}")))
        .bearer_auth(token)
        .json(&json!({"reason": "customer asked by phone"}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Places a demo order for one piece and pays it on the test page; returns its id.
async fn paid_demo_order(app: &TestApp, key: &str, sku: &str) -> String {
    let (status, placed) =
        place(app, key, &json!({"currency": "EUR", "lines": [{"sku": sku, "quantity": 1}], "contact": contact()}))
            .await;
    assert_eq!(status, 201, "{placed}");
    let redirect = placed["payment"]["redirect_url"].as_str().unwrap_or_default().to_string();
    let link = redirect.split("key=").nth(1).unwrap_or_default().to_string();
    let pay = app
        .client
        .post(app.url(redirect.split('#').next().unwrap_or_default()))
        .form(&[("key", link.as_str())])
        .send()
        .await;
    assert_eq!(pay.map(|r| r.status().as_u16()).unwrap_or(0), 303);
    placed["order"]["id"].as_str().unwrap_or_default().to_string()
}

async fn staff_cancel_fulfil_and_refund_with_the_admin_token(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.admin_token = luxevault::config::Secret::new(ADMIN)).await;
    let catalog = app.catalog().await;
    let (_, variant) = pick::in_stock_variant(&catalog, 3);

    let held = paid_demo_order(&app, "staff-order-key-0001", &variant.sku).await;
    assert_eq!(staff(&app, &held, "cancel", "wrong-token").await.0, 401);
    assert_eq!(staff(&app, &held, "refund", ADMIN).await.0, 409, "not paid yet: cancel, not refund");
    let (status, body) = staff(&app, &held, "cancel", ADMIN).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("cancelled")), "{body}");
    assert_eq!(app.catalog().await.variant(&variant.sku).map(|(_, v)| v.stock), Some(variant.stock), "stock back");
    app.run_jobs().await; // the capture job finds the order cancelled and does nothing

    let paid = paid_demo_order(&app, "staff-order-key-0002", &variant.sku).await;
    app.run_jobs().await;
    assert_eq!(staff(&app, &paid, "cancel", ADMIN).await.0, 409, "paid: refund, not cancel");
    assert_eq!(staff(&app, &paid, "fulfil", ADMIN).await.1["status"], "fulfilled");
    let (status, body) = staff(&app, &paid, "refund", ADMIN).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("refunded")), "{body}");
    assert_eq!(staff(&app, &paid, "refund", ADMIN).await.0, 409, "refunded once");
    app.run_jobs().await;
    let outbox = app.outbox();
    assert!(outbox.iter().any(|m| m.contains("is cancelled")), "cancellation email");
    assert!(outbox.iter().any(|m| m.contains("Your refund for")), "refund email");
    let events = luxevault_storage::Orders::events(&app.db, uuid::Uuid::parse_str(&paid).unwrap_or_default())
        .await
        .unwrap_or_default();
    assert!(
        events.iter().any(|e| e.actor == "staff:admin-token" && e.reason == "customer asked by phone"),
        "who and why recorded"
    );
    app.stop().await;
}

async fn staff_operations_are_off_without_a_token(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, _) = staff(&app, &uuid::Uuid::nil().to_string(), "refund", ADMIN).await;
    assert_eq!(status, 404);
    app.stop().await;
}
