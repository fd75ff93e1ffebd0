//! A card number is never kept (P4, M11): typed into a checkout field, a username or a staff
//! reason, it is refused or replaced by a mark keeping its last four digits before anything is
//! stored, audited or put in an order's history.

use luxevault_core::order::Actor;
use serde_json::json;

use crate::support::{Backend, TestApp, dump_text, pick};

const ADMIN: &str = "an-admin-token-of-at-least-32-characters";
const CARD: &str = "4242 4242 4242 4242";

async fn card_numbers_typed_anywhere_are_never_kept(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.admin_token = luxevault::config::Secret::new(ADMIN)).await;
    let catalog = app.catalog().await;
    let (_, variant) = pick::in_stock_variant(&catalog, 1);
    // The checkout refuses it in any field, without echoing it.
    for (field, value) in
        [("address_line2", CARD), ("phone", "4242-4242-4242-4242"), ("name", "Jeanne 4242424242424242")]
    {
        let mut contact = json!({"name": "Jeanne Dupont", "email": "jeanne@example.test", "phone": "+33 6 12 34 56 78",
            "address_line1": "12 rue du Faubourg", "city": "Paris", "postcode": "75008", "country": "FR"});
        contact[field] = json!(value);
        let response = app
            .client
            .post(app.url("/api/v1/orders"))
            .header("idempotency-key", format!("sensitive-key-{field}-0000"))
            .json(&json!({"currency": "EUR", "lines": [{"sku": variant.sku, "quantity": 1}], "contact": contact}))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(response.status().as_u16(), 422, "{field}");
        let body = response.text().await.unwrap_or_default();
        assert!(body.contains("card_number") && body.contains(field) && !body.contains("4242"), "{field}: {body}");
    }
    // A username is refused.
    let (status, body) = app
        .post_json(
            "/api/v1/account/register",
            &json!({"username": "4242424242424242", "email": "cardholder@example.test", "password": "a long enough passphrase"}),
        )
        .await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("invalid_username")), "{body}");
    // A staff reason is kept redacted in the order's history and in the audit log.
    let placed = crate::use_cases::place(&app, "sensitive-order-000000001", "jeanne@example.test")
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    luxevault_shop::orders::payment_authorised(&app.shop, &placed.order, Some("pay_demo_s"), Actor::Provider("demo"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    app.run_jobs().await;
    let refund = app
        .client
        .post(app.url(&format!("/api/v1/admin/orders/{}/refund", placed.order.id)))
        .bearer_auth(ADMIN)
        .json(&json!({"reason": format!("the client read {CARD} aloud on the phone")}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(refund.status().as_u16(), 200, "{}", refund.text().await.unwrap_or_default());
    let events = luxevault_storage::Orders::events(&app.db, placed.order.id).await.unwrap_or_default();
    let reason = events.iter().find(|e| e.to_status == "refunded").map(|e| e.reason.clone()).unwrap_or_default();
    assert_eq!(reason, "the client read [card number removed, ending 4242] aloud on the phone");
    // A request logged with a card number as its contact is refused.
    let response = app
        .client
        .post(app.url("/api/v1/admin/privacy-requests"))
        .bearer_auth(ADMIN)
        .json(&json!({"kind": "access", "channel": "whatsapp", "contact": CARD}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status().as_u16(), 422);
    let everything = dump_text(&app.db).await;
    assert!(!everything.contains(CARD) && !everything.contains("4242424242424242"), "a card number was stored");
    assert!(everything.contains("ending 4242"), "the mark says what was removed");
    app.stop().await;
}

backend_tests!(card_numbers_typed_anywhere_are_never_kept);
