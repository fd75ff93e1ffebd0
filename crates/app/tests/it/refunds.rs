//! Partial refunds and staff moves under retries (issue 11, items 9 and 10): several refunds add
//! up to the total and only then is the order refunded; more than remains is refused before the
//! provider hears of it; refunds racing never pass the money taken; Stripe's `charge.refunded`
//! is applied once and never lowers the refunded total; an admin move retried with its
//! Idempotency-Key gets the first answer back and makes one move, the same key for another
//! request gets 422; a back-office move form sent twice makes one move.

use luxevault_core::staff::Role;
use luxevault_storage::{Orders, Refunds};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Backend, TestApp, pick};

backend_tests!(
    partial_refunds_add_up_to_the_total_and_end_refunded,
    a_refund_above_what_remains_is_refused_and_nothing_reaches_stripe,
    concurrent_partial_refunds_never_exceed_what_was_captured,
    concurrent_reservations_in_storage_never_exceed_the_total,
    stripe_partial_refunds_are_applied_once_and_never_go_back,
    an_admin_move_retried_with_its_key_is_answered_once,
    a_back_office_refund_sent_twice_is_made_once,
);

const ADMIN: &str = "an-admin-token-of-at-least-32-characters";

fn decimal(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

async fn order_row(app: &TestApp, id: &str) -> luxevault_storage::OrderRow {
    let id = Uuid::parse_str(id).unwrap_or_else(|e| panic!("{e}"));
    Orders::by_id(&app.db, id).await.ok().flatten().unwrap_or_else(|| panic!("the order"))
}

async fn refund(app: &TestApp, order: &str, body: Value, key: Option<&str>) -> (u16, Value, bool) {
    let mut request =
        app.client.post(app.url(&format!("/api/v1/admin/orders/{order}/refund"))).bearer_auth(ADMIN).json(&body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.unwrap_or_else(|e| panic!("{e}"));
    let status = response.status().as_u16();
    let replayed = response.headers().get("idempotent-replayed").is_some();
    (status, response.json().await.unwrap_or(Value::Null), replayed)
}

async fn staff_move(app: &TestApp, order: &str, action: &str, reason: &str, key: Option<&str>) -> (u16, Value, bool) {
    let mut request = app
        .client
        .post(app.url(&format!("/api/v1/admin/orders/{order}/{action}")))
        .bearer_auth(ADMIN)
        .json(&json!({"reason": reason}));
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.unwrap_or_else(|e| panic!("{e}"));
    let status = response.status().as_u16();
    let replayed = response.headers().get("idempotent-replayed").is_some();
    (status, response.json().await.unwrap_or(Value::Null), replayed)
}

/// An order paid at the fake Stripe and captured: confirmed.
async fn captured_at_stripe(
    app: &TestApp,
    fake: &luxevault_integrations::payments::stripe::fake::FakeStripe,
    key: &str,
) -> String {
    let catalog = app.catalog().await;
    let (_, variant) = pick::in_stock_variant(&catalog, 3);
    let placed = crate::payments::order(app, key, &variant.sku).await;
    let order_id = placed["order"]["id"].as_str().unwrap_or_default().to_string();
    let session = placed["payment"]["redirect_url"]
        .as_str()
        .unwrap_or_default()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    fake.pay(&session).await.unwrap_or_else(|e| panic!("pay: {e}"));
    app.run_jobs().await;
    fake.settle().await;
    assert_eq!(order_row(app, &order_id).await.status.as_str(), "confirmed");
    order_id
}

/// A demo order paid and captured: confirmed.
async fn captured_demo(app: &TestApp, key: &str) -> String {
    let order = crate::backoffice_pages::paid_order(app, key, None).await;
    app.run_jobs().await;
    assert_eq!(order_row(app, &order).await.status.as_str(), "confirmed");
    order
}

fn refund_requests(fake: &luxevault_integrations::payments::stripe::fake::FakeStripe) -> Vec<(String, String)> {
    fake.requests()
        .into_iter()
        .filter(|r| r.path == "/v1/refunds")
        .map(|r| {
            let amount = r.params.iter().find(|(k, _)| k == "amount").map(|(_, v)| v.clone()).unwrap_or_default();
            (r.idempotency_key.unwrap_or_default(), amount)
        })
        .collect()
}

async fn partial_refunds_add_up_to_the_total_and_end_refunded(backend: Backend) {
    let (app, fake) = crate::payments::with_stripe(backend).await;
    let order = captured_at_stripe(&app, &fake, "refund-order-key-00001").await;
    let total = order_row(&app, &order).await.total_minor;
    let part = total / 3;
    assert!(part > 0);

    // Twice the same amount: two refunds, two keys — Stripe must not take the second for a retry.
    for (n, expected_refunded) in [(1, part), (2, 2 * part)] {
        let (status, body, _) =
            refund(&app, &order, json!({"reason": "one piece returned", "amount": decimal(part)}), None).await;
        assert_eq!(status, 200, "refund {n}: {body}");
        assert_eq!(body["status"], "confirmed", "partly refunded, still confirmed: {body}");
        assert_eq!(body["refunded"]["amount"], decimal(expected_refunded));
        assert_eq!(body["refundable"]["amount"], decimal(total - expected_refunded));
        fake.settle().await;
        let row = order_row(&app, &order).await;
        assert_eq!(
            (row.status.as_str(), row.refunded_minor),
            ("confirmed", expected_refunded),
            "Stripe's webhook lowers nothing"
        );
    }
    // The rest, with no amount: the order is refunded in full.
    let (status, body, _) = refund(&app, &order, json!({"reason": "the rest, goodwill"}), None).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("refunded")), "{body}");
    fake.settle().await;
    let row = order_row(&app, &order).await;
    assert_eq!((row.status.as_str(), row.refunded_minor), ("refunded", total));

    let sent = refund_requests(&fake);
    assert_eq!(sent.len(), 3, "{sent:?}");
    let amounts: Vec<&str> = sent.iter().map(|(_, a)| a.as_str()).collect();
    let rest = (total - 2 * part).to_string();
    assert_eq!(amounts, vec![part.to_string().as_str(), part.to_string().as_str(), rest.as_str()]);
    let mut keys: Vec<&str> = sent.iter().map(|(k, _)| k.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), 3, "one idempotency key per refund: {sent:?}");
    let pi = row.payment_id.clone().unwrap_or_default();
    let intent = fake.payment_intent(&pi).unwrap_or_else(|| panic!("the payment intent"));
    let charge_refunded = fake
        .events()
        .iter()
        .filter(|e| e["type"] == "charge.refunded")
        .filter_map(|e| e["data"]["object"]["amount_refunded"].as_i64())
        .max();
    assert_eq!(charge_refunded, Some(total), "Stripe refunded exactly the total: {intent}");

    // The records, the customer's view and the emails agree.
    let records = Refunds::for_order(&app.db, row.id).await.unwrap_or_default();
    assert_eq!(records.iter().map(|r| r.amount_minor).sum::<i64>(), total);
    assert!(records.iter().all(|r| r.state == "done" && r.provider_refund_id.is_some()), "{records:?}");
    app.run_jobs().await;
    let outbox = app.outbox();
    let partly: Vec<&String> = outbox
        .iter()
        .filter(|m| m.contains("Part of your order") || m.contains("Une partie de votre commande"))
        .collect();
    assert_eq!(partly.len(), 2, "one email per partial refund");
    assert_eq!(outbox.iter().filter(|m| m.contains("Your refund for") || m.contains("Votre remboursement")).count(), 1);
    app.stop().await;
}

async fn a_refund_above_what_remains_is_refused_and_nothing_reaches_stripe(backend: Backend) {
    let (app, fake) = crate::payments::with_stripe(backend).await;
    let order = captured_at_stripe(&app, &fake, "refund-order-key-00002").await;
    let total = order_row(&app, &order).await.total_minor;
    for bad in [decimal(total + 1), "0".into(), "0.00".into(), "-5".into(), "abc".into(), "1.234".into()] {
        let (status, body, _) = refund(&app, &order, json!({"reason": "too much", "amount": bad}), None).await;
        assert_eq!(status, 422, "{bad}: {body}");
        assert_eq!(body["error"]["code"], "invalid_amount", "{body}");
        assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    assert!(refund_requests(&fake).is_empty(), "nothing asked of Stripe");
    // After a partial refund, more than the rest is refused too.
    let (status, _, _) = refund(&app, &order, json!({"reason": "a part", "amount": decimal(total - 100)}), None).await;
    assert_eq!(status, 200);
    let (status, body, _) = refund(&app, &order, json!({"reason": "too much", "amount": "1.01"}), None).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| m.contains("1.00 EUR")), "says what remains: {body}");
    assert_eq!(refund_requests(&fake).len(), 1);
    let row = order_row(&app, &order).await;
    assert_eq!((row.status.as_str(), row.refunded_minor), ("confirmed", total - 100));
    assert!(Refunds::for_order(&app.db, row.id).await.unwrap_or_default().len() == 1, "no record of a refused refund");
    app.stop().await;
}

async fn concurrent_partial_refunds_never_exceed_what_was_captured(backend: Backend) {
    // The demo provider refunds whatever it is asked: only the shop's own check stands.
    let app = TestApp::spawn_with(backend, |c| c.admin_token = luxevault::config::Secret::new(ADMIN)).await;
    let order = captured_demo(&app, "refund-order-key-00003").await;
    let total = order_row(&app, &order).await.total_minor;
    let part = total * 2 / 5;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let client = app.client.clone();
        let url = app.url(&format!("/api/v1/admin/orders/{order}/refund"));
        let body = json!({"reason": "racing refunds", "amount": decimal(part)});
        tasks.push(tokio::spawn(async move {
            client.post(url).bearer_auth(ADMIN).json(&body).send().await.map(|r| r.status().as_u16()).unwrap_or(0)
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap_or(0));
    }
    let made = statuses.iter().filter(|s| **s == 200).count();
    assert_eq!(made, 2, "two refunds of 40% fit, no third: {statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 422), "the others are refused with a reason: {statuses:?}");
    let row = order_row(&app, &order).await;
    let records = Refunds::for_order(&app.db, row.id).await.unwrap_or_default();
    let done: i64 = records.iter().filter(|r| r.state == "done").map(|r| r.amount_minor).sum();
    assert_eq!((row.refunded_minor, done), (2 * part, 2 * part));
    assert!(row.refunded_minor <= total);
    assert_eq!(row.status.as_str(), "confirmed");
    // The admin API's list says what was refunded next to the total.
    let list: Value = app
        .client
        .get(app.url("/api/v1/admin/orders"))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or(Value::Null);
    let listed = list["orders"].as_array().and_then(|o| o.iter().find(|o| o["id"] == order.as_str()).cloned());
    assert_eq!(listed.map(|o| o["refunded"]["amount"].clone()), Some(json!(decimal(2 * part))), "{list}");
    app.stop().await;
}

async fn concurrent_reservations_in_storage_never_exceed_the_total(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.admin_token = luxevault::config::Secret::new(ADMIN)).await;
    let order = captured_demo(&app, "refund-order-key-00004").await;
    let row = order_row(&app, &order).await;
    let part = row.total_minor * 3 / 10;
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let db = app.db.clone();
        let id = row.id;
        let now = crate::support::TEST_NOW;
        tasks.push(tokio::spawn(async move { Refunds::reserve(&db, id, part, "race", "staff:test", now).await }));
    }
    let mut reserved = 0;
    for task in tasks {
        match task.await {
            Ok(Ok(Some(_))) => reserved += 1,
            Ok(Ok(None)) => {}
            other => panic!("a reservation failed outright: {other:?}"),
        }
    }
    assert_eq!(reserved, 3, "three of 30% fit, a fourth does not");
    let after = order_row(&app, &order).await;
    assert_eq!(after.refunded_minor, 3 * part);
    assert_eq!(Refunds::for_order(&app.db, row.id).await.unwrap_or_default().len(), 3);
    app.stop().await;
}

async fn stripe_partial_refunds_are_applied_once_and_never_go_back(backend: Backend) {
    let (app, fake) = crate::payments::with_stripe(backend).await;
    let order = captured_at_stripe(&app, &fake, "refund-order-key-00005").await;
    let row = order_row(&app, &order).await;
    let total = row.total_minor;
    let pi = row.payment_id.clone().unwrap_or_default();
    let charge = |amount: i64, full: bool| {
        json!({"id": "ch_dashboard", "object": "charge", "payment_intent": pi, "amount": total,
               "amount_refunded": amount, "refunded": full})
    };
    // A partial refund made in Stripe's dashboard: the total is recorded, the order stays confirmed.
    assert_eq!(fake.deliver("charge.refunded", charge(300, false)).await, 200);
    let after = order_row(&app, &order).await;
    assert_eq!((after.status.as_str(), after.refunded_minor), ("confirmed", 300));
    let events = Orders::events(&app.db, row.id).await.map(|e| e.len()).unwrap_or(0);
    // Redelivered: nothing changes.
    assert_eq!(fake.redeliver_last().await, 200);
    assert_eq!(order_row(&app, &order).await.refunded_minor, 300);
    // A late event with a smaller total (out of order) lowers nothing.
    assert_eq!(fake.deliver("charge.refunded", charge(100, false)).await, 200);
    assert_eq!(order_row(&app, &order).await.refunded_minor, 300);
    assert_eq!(fake.deliver("charge.refunded", charge(500, false)).await, 200);
    let after = order_row(&app, &order).await;
    assert_eq!((after.status.as_str(), after.refunded_minor), ("confirmed", 500));
    assert_eq!(Orders::events(&app.db, row.id).await.map(|e| e.len()).unwrap_or(0), events, "no move while partial");
    // What remains refundable by staff accounts for it.
    let (status, body, _) =
        refund(&app, &order, json!({"reason": "too much", "amount": decimal(total - 499)}), None).await;
    assert_eq!(status, 422, "{body}");
    // A full refund in the dashboard: refunded; a late partial one after it moves nothing back.
    assert_eq!(fake.deliver("charge.refunded", charge(total, true)).await, 200);
    let after = order_row(&app, &order).await;
    assert_eq!((after.status.as_str(), after.refunded_minor), ("refunded", total));
    assert_eq!(fake.deliver("charge.refunded", charge(500, false)).await, 200);
    let after = order_row(&app, &order).await;
    assert_eq!((after.status.as_str(), after.refunded_minor), ("refunded", total));
    app.stop().await;
}

async fn an_admin_move_retried_with_its_key_is_answered_once(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.admin_token = luxevault::config::Secret::new(ADMIN)).await;
    let held = crate::backoffice_pages::paid_order(&app, "refund-order-key-00006", None).await;
    let other = crate::backoffice_pages::paid_order(&app, "refund-order-key-00007", None).await;
    let key = "cancel-retry-key-0001";
    let (status, first, replayed) = staff_move(&app, &held, "cancel", "client changed their mind", Some(key)).await;
    assert_eq!((status, first["status"].as_str(), replayed), (200, Some("cancelled"), false), "{first}");
    // The answer was lost: the retry gets it again, and no second move is made.
    let (status, again, replayed) = staff_move(&app, &held, "cancel", "client changed their mind", Some(key)).await;
    assert_eq!((status, replayed), (200, true));
    assert_eq!(again, first);
    let id = Uuid::parse_str(&held).unwrap_or_default();
    let cancels =
        Orders::events(&app.db, id).await.unwrap_or_default().iter().filter(|e| e.to_status == "cancelled").count();
    assert_eq!(cancels, 1);
    // Without a key, a retry is a second request: the order is already cancelled.
    assert_eq!(staff_move(&app, &held, "cancel", "client changed their mind", None).await.0, 409);
    // The same key for another request: refused, and nothing moves.
    let (status, body, _) = staff_move(&app, &held, "cancel", "another reason", Some(key)).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("idempotency_key_reused")), "{body}");
    let (status, body, _) = staff_move(&app, &other, "cancel", "client changed their mind", Some(key)).await;
    assert_eq!(status, 422, "another order: {body}");
    assert_eq!(order_row(&app, &other).await.status.as_str(), "authorised");
    let (status, body, _) = staff_move(&app, &held, "capture", "client changed their mind", Some(key)).await;
    assert_eq!(status, 422, "another move: {body}");
    // A malformed key is refused before anything happens.
    let (status, body, _) = staff_move(&app, &other, "cancel", "why", Some("short")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("idempotency_key_required")), "{body}");

    // An error answer is kept too: the retry of a refused move gets the same refusal.
    let (status, refused, _) = staff_move(&app, &other, "fulfil", "too early", Some("fulfil-early-key-0001")).await;
    assert_eq!(status, 409, "{refused}");
    let (status, again, replayed) =
        staff_move(&app, &other, "fulfil", "too early", Some("fulfil-early-key-0001")).await;
    assert_eq!((status, replayed, again), (409, true, refused));

    // A partial refund retried: one refund.
    app.run_jobs().await; // captures `other`
    assert_eq!(order_row(&app, &other).await.status.as_str(), "confirmed");
    let body = json!({"reason": "a gesture", "amount": "1.00"});
    let (status, first, _) = refund(&app, &other, body.clone(), Some("refund-retry-key-0001")).await;
    assert_eq!(status, 200, "{first}");
    let (status, again, replayed) = refund(&app, &other, body, Some("refund-retry-key-0001")).await;
    assert_eq!((status, replayed), (200, true));
    assert_eq!(again, first);
    let other_id = Uuid::parse_str(&other).unwrap_or_default();
    assert_eq!(Refunds::for_order(&app.db, other_id).await.unwrap_or_default().len(), 1, "one refund");
    assert_eq!(order_row(&app, &other).await.refunded_minor, 100);
    let (status, body, _) =
        refund(&app, &other, json!({"reason": "a gesture", "amount": "2.00"}), Some("refund-retry-key-0001")).await;
    assert_eq!(status, 422, "another amount under the same key: {body}");
    // The same amount again under a new key is a new refund.
    let (status, _, _) =
        refund(&app, &other, json!({"reason": "a gesture", "amount": "1.00"}), Some("refund-retry-key-0002")).await;
    assert_eq!(status, 200);
    assert_eq!(order_row(&app, &other).await.refunded_minor, 200);
    app.stop().await;
}

fn once_of(html: &str, action: &str) -> String {
    html.split("action=\"/admin/orders/")
        .filter(|s| s.contains(&format!("/{action}\"")))
        .find_map(|form| {
            form.split("name=\"once\" value=\"").nth(1).and_then(|s| s.split('"').next()).map(str::to_string)
        })
        .unwrap_or_else(|| panic!("no one-time key on the {action} form"))
}

async fn a_back_office_refund_sent_twice_is_made_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let order = captured_demo(&app, "refund-order-key-00008").await;
    let total = order_row(&app, &order).await.total_minor;
    let owner = app.staff("oriane", Role::Owner).await;
    let page = format!("/admin/orders/{order}");
    let (_, html) = owner.get(&page).await;
    assert!(html.contains("data-testid=\"refund-amount\""), "the refund form asks for an amount");
    let once = once_of(&html, "refund");
    // A French decimal comma, sent twice with the page's one-time key (a double click).
    let form = [("reason", "one scarf returned"), ("amount", "1,50"), ("once", once.as_str())];
    let first = owner.submit(&page, &format!("/admin/orders/{order}/refund"), &form).await;
    assert_eq!(first.status(), 303);
    let second = owner.submit(&page, &format!("/admin/orders/{order}/refund"), &form).await;
    assert_eq!(second.status(), 303, "the same answer");
    let row = order_row(&app, &order).await;
    assert_eq!((row.status.as_str(), row.refunded_minor), ("confirmed", 150), "one refund of 1.50");
    // The page says so, and lists the refund.
    let (_, html) = owner.get(&page).await;
    assert!(
        html.contains("data-testid=\"order-refunds\"") && html.contains("one scarf returned"),
        "the refunds listed"
    );
    assert!(html.contains("data-testid=\"order-refunded\""), "the refunded total shown");
    assert!(html.contains("partly refunded") || html.contains("remboursé en partie"), "partly refunded");
    // More than remains: refused with a sentence, nothing refunded.
    let once = once_of(&html, "refund");
    let too_much = decimal(total);
    let form = [("reason", "too much"), ("amount", too_much.as_str()), ("once", once.as_str())];
    let refused = owner.submit(&page, &format!("/admin/orders/{order}/refund"), &form).await;
    assert_eq!(refused.status(), 422);
    assert_eq!(order_row(&app, &order).await.refunded_minor, 150);
    // Back to the form, corrected, sent again with its key: a refusal is not kept.
    let corrected = [("reason", "the other scarf"), ("amount", "1.00"), ("once", once.as_str())];
    assert_eq!(owner.submit(&page, &format!("/admin/orders/{order}/refund"), &corrected).await.status(), 303);
    assert_eq!(order_row(&app, &order).await.refunded_minor, 250);
    // The rest, amount left as the page fills it in: refunded.
    let (_, html) = owner.get(&page).await;
    let once = once_of(&html, "refund");
    let rest = decimal(total - 250);
    assert!(html.contains(&format!("value=\"{rest}\"")), "the field holds what remains");
    let form = [("reason", "the rest"), ("amount", rest.as_str()), ("once", once.as_str())];
    assert_eq!(owner.submit(&page, &format!("/admin/orders/{order}/refund"), &form).await.status(), 303);
    let row = order_row(&app, &order).await;
    assert_eq!((row.status.as_str(), row.refunded_minor), ("refunded", total));
    app.stop().await;
}
