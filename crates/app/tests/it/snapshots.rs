//! Whole answers pinned as snapshots (insta): the API's error bodies, and an email as the
//! customer reads it. A change to any of them shows as a diff to review, on both databases.

use serde_json::json;

use crate::support::{Backend, TestApp, pick};

async fn error_bodies_say_what_to_correct_and_nothing_more(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let catalog = app.catalog().await;
    let (_, variant) = pick::in_stock_variant(&catalog, 1);
    let order = json!({
        "currency": "EUR",
        "lines": [{"sku": variant.sku, "quantity": 1}],
        "contact": {"name": "Jeanne Dupont", "email": "jeanne@example.test", "phone": "+33 6 12 34 56 78",
            "address_line1": "12 rue du Faubourg", "address_line2": "card 4111 1111 1111 1111",
            "city": "Paris", "postcode": "75008", "country": "FR"},
    });
    let mut bodies = serde_json::Map::new();
    let (status, body) = app.post_json("/api/v1/orders", &order).await;
    bodies.insert(format!("no idempotency key ({status})"), body);
    let response = app
        .client
        .post(app.url("/api/v1/orders"))
        .header("idempotency-key", "snapshot-key-000000001")
        .json(&order)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let status = response.status().as_u16();
    bodies.insert(format!("card number in the address ({status})"), response.json().await.unwrap_or_default());
    let response = app
        .client
        .post(app.url("/api/v1/orders"))
        .header("idempotency-key", "snapshot-key-000000002")
        .header("content-type", "application/json")
        .body("{\"currency\": 4111111111111111")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let status = response.status().as_u16();
    bodies.insert(format!("malformed JSON ({status})"), response.json().await.unwrap_or_default());
    let (status, body) = app.get_json("/api/v1/products/no-such-piece").await;
    bodies.insert(format!("unknown product ({status})"), body);
    let (status, body) =
        app.post_json("/api/v1/privacy/requests", &json!({"kind": "gossip", "email": "a@example.test"})).await;
    bodies.insert(format!("unknown right ({status})"), body);
    let (status, body) = app
        .post_json(&format!("/api/v1/privacy/requests/{}/verify", uuid::Uuid::new_v4()), &json!({"code": "000000"}))
        .await;
    bodies.insert(format!("wrong code ({status})"), body);
    insta::assert_json_snapshot!("api_error_bodies", bodies);
    app.stop().await;
}

async fn the_order_confirmation_reads_as_the_customer_reads_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let placed = crate::use_cases::place(&app, "snapshot-email-0000000001", "jeanne@example.test")
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    luxevault_shop::orders::payment_authorised(
        &app.shop,
        &placed.order,
        Some("pay_demo_snapshot"),
        luxevault_core::order::Actor::Provider("demo"),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    app.run_jobs().await;
    // The confirmation, not the payment receipt that the capture queues in the same run.
    let subject_line = format!("Subject: Your order {}", placed.order.number);
    let mail = app.outbox().into_iter().find(|m| m.contains(&subject_line)).unwrap_or_default();
    assert!(!mail.is_empty(), "the confirmation was sent");
    assert!(!mail.contains("Reply-To:"), "answers about an order go to the boutique, not the privacy inbox");
    let parsed = luxevault_integrations::mail::testing::parse_email(mail.as_bytes())
        .unwrap_or_else(|| panic!("the outbox holds a readable message"));
    let number = placed.order.number.as_str();
    let text = parsed.text.trim_end().replace(number, "[number]").replace(&placed.order.id.to_string(), "[order id]");
    let subject = format!("Subject: {}", parsed.subject.replace(number, "[number]"));
    insta::with_settings!({filters => vec![(r"key=[0-9]+\.[0-9a-f]{64}", "key=[order link secret]"), (r"http://127\.0\.0\.1:[0-9]+", "[shop]")]}, {
        insta::assert_snapshot!("order_confirmation_email", format!("{subject}\n\n{text}"));
    });
    app.stop().await;
}

backend_tests!(
    error_bodies_say_what_to_correct_and_nothing_more,
    the_order_confirmation_reads_as_the_customer_reads_it
);
