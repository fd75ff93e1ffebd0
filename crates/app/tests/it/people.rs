//! People as staff meet them (issue 11, item 8; P16, M5, M10): fulfilment sees the parcel's
//! recipient and nothing about the person beyond it; staff correct an order's or an account's
//! contact (Art. 16), audited without the data in the chain, the recipients told (Art. 19);
//! guests appear among the customers with their orders; a privacy request that gives only a
//! phone number is verified by a call-back to the number on the orders and answered — a copy or
//! an erasure of the orders with that number. On both databases.

use luxevault_core::Timestamp;
use luxevault_core::staff::Role;
use luxevault_storage::{BackOffice, Limits, Orders, PersonKind, PrivacyRequests};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::backoffice_pages::{
    EMAIL, NAME, PHONE, assert_no_personal_data_in_audit, audit_entries, paid_order, post, register,
};
use crate::support::{Backend, TestApp, pick};

fn guest_contact(name: &str, email: &str, phone: &str) -> Value {
    json!({
        "name": name, "email": email, "phone": phone, "address_line1": "12 Rue du Bac", "address_line2": "",
        "city": "Paris", "postcode": "75007", "country": "FR"
    })
}

/// Places a guest order (unpaid) and returns its id and number.
async fn guest_order(app: &TestApp, key: &str, contact: Value) -> (Uuid, String) {
    let catalog = app.catalog().await;
    let (_, variant) = pick::in_stock_variant(&catalog, 1);
    let response = app
        .client
        .post(app.url("/api/v1/orders"))
        .header("Idempotency-Key", key)
        .json(&json!({"currency": "EUR", "lines": [{"sku": variant.sku, "quantity": 1}], "contact": contact}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status().as_u16(), 201);
    let placed: Value = response.json().await.unwrap_or(Value::Null);
    let id = Uuid::parse_str(placed["order"]["id"].as_str().unwrap_or_default()).unwrap_or_else(|e| panic!("{e}"));
    let number = placed["order"]["number"].as_str().unwrap_or_default().to_string();
    (id, number)
}

async fn order(app: &TestApp, id: Uuid) -> luxevault_storage::OrderRow {
    Orders::by_id(&app.db, id).await.ok().flatten().unwrap_or_else(|| panic!("order {id}"))
}

fn correction(phone: &str, email: &str, line1: &str, reason: &str) -> Vec<(&'static str, String)> {
    [
        ("name", NAME),
        ("email", email),
        ("phone", phone),
        ("line1", line1),
        ("line2", ""),
        ("city", "Paris"),
        ("postcode", "75007"),
        ("channel", "phone"),
        ("reason", reason),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_string()))
    .collect()
}

async fn fulfilment_sees_the_parcels_recipient_and_no_staff_reasons(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = paid_order(&app, "people-reasons-0001-abcdef", None).await;
    let manager = app.staff("manager", Role::Manager).await;
    let why = ("reason", "her sister Ysolde called to cancel".to_string());
    assert_eq!(post(&manager, &format!("/admin/orders/{id}/cancel"), std::slice::from_ref(&why)).await.0, 303);
    let packer = app.staff("packer", Role::Fulfilment).await;
    let (status, page) = packer.get(&format!("/admin/orders/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains(NAME) && page.contains(PHONE), "the recipient's name and phone for the label");
    assert!(!page.contains(EMAIL), "never the email");
    assert!(!page.contains("Ysolde"), "staff's reasons may name people beyond the parcel");
    let (_, page) = manager.get(&format!("/admin/orders/{id}")).await;
    assert!(page.contains("Ysolde") && page.contains(EMAIL), "the manager reads the history and the contact");
    app.stop().await;
}

async fn staff_correct_an_orders_contact_audited_and_the_recipients_told(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = Uuid::parse_str(&paid_order(&app, "people-correct-0001-abcdef", None).await).unwrap_or_default();
    let path = format!("/admin/orders/{id}/contact");
    let officer = app.staff("officer", Role::PrivacyOfficer).await;
    let (_, page) = officer.get(&format!("/admin/orders/{id}")).await;
    assert!(page.contains("data-testid=\"correct-contact\""), "the form on the order page");
    // Roles that may not correct are refused, and nothing changes.
    for role in [Role::Fulfilment, Role::Associate, Role::Accountant] {
        let member = app.staff(&format!("no-{}", role.as_str().replace('_', "-")), role).await;
        let form = correction("+33 7 11 22 33 44", EMAIL, "9 Quai Voltaire", "typo");
        assert_eq!(post(&member, &path, &form).await.0, 403, "{role:?}");
    }
    // Checked as checkout checks: a bad email, a card number in the address, no reason.
    let bad = [
        correction(PHONE, "not-an-email", "9 Quai Voltaire", "typo"),
        correction(PHONE, EMAIL, "4242 4242 4242 4242", "typo"),
        correction("+33 7 11 22 33 44", EMAIL, "9 Quai Voltaire", ""),
        correction(PHONE, EMAIL, "7 Quai Voltaire Canary", "nothing changes"),
    ];
    for form in &bad {
        let (status, body) = post(&officer, &path, form).await;
        assert_eq!(status, 422, "{body}");
        assert!(!body.contains("4242 4242"), "the card number is never echoed");
    }
    assert_eq!(order(&app, id).await.phone.expose(), PHONE, "nothing changed");
    assert!(!crate::support::dump_text(&app.db).await.contains("4242 4242 4242 4242"), "nor stored");

    let new_email = "zq-corrected-51d2@example.test";
    let form = correction("+33 7 11 22 33 44", new_email, "9 Quai Voltaire", "the client called: typo in the email");
    let (status, body) = post(&officer, &path, &form).await;
    assert_eq!(status, 303, "{body}");
    let row = order(&app, id).await;
    assert_eq!(
        (row.email.expose().as_str(), row.phone.expose().as_str(), row.address_line1.expose().as_str()),
        (new_email, "+33 7 11 22 33 44", "9 Quai Voltaire")
    );
    // Audited under ids: the chained entry names the order; no personal data in the log.
    let entries = audit_entries(&app).await;
    let entry = entries.iter().find(|e| e.action == "order.contact.correct" && e.subject_id == id.to_string());
    assert!(entry.is_some(), "the correction is audited");
    assert_no_personal_data_in_audit(&entries);
    for e in &entries {
        for value in [&e.actor, &e.action, &e.subject_id].into_iter().chain(e.reason.as_ref()) {
            assert!(!value.contains("zq-corrected") && !value.contains("11 22 33"), "{value}");
        }
    }
    // A rectification request records it, and the recipients that received the data are told.
    let request = rectification_of(&app).await;
    assert_eq!(request.status, "completed");
    assert!(request.contact.expose().is_empty(), "the request keeps no copy of the data");
    let notices = Limits::notices(&app.db, request.id).await.unwrap_or_default();
    assert!(notices.iter().any(|n| n.recipient == "email_service"), "{:?}", notices.len());
    assert!(request.outcome.unwrap_or_default().contains("recipients notified"), "Art. 19 in the record");

    // Once the parcel has left, the address stays; the contact can still be corrected.
    app.run_jobs().await;
    let owner = app.staff("owner", Role::Owner).await;
    assert_eq!(post(&owner, &format!("/admin/orders/{id}/fulfil"), &[]).await.0, 303);
    let form = correction("+33 7 11 22 33 44", new_email, "1 Rue Ailleurs", "moved house");
    let correct = luxevault_shop::orders::contact::ContactCorrection {
        address_line1: luxevault_core::Pii::new("1 Rue Ailleurs".into()),
        ..luxevault_shop::orders::contact::ContactCorrection::of(&order(&app, id).await)
    };
    let actor = format!("staff:{}", owner.id);
    let who = luxevault_shop::orders::contact::Corrector { actor: &actor, client: "test" };
    let refused =
        luxevault_shop::orders::contact::correct_order_contact(&app.shop, id, &correct, "email", "moved", &who).await;
    assert!(matches!(refused, Err(luxevault_shop::ShopError::Conflict { code: "address_locked", .. })), "{refused:?}");
    // The page's form has no address fields any more: what it posts keeps the order's address.
    let (status, body) = post(&owner, &path, &form).await;
    assert_eq!(status, 422, "only the address differed, and it is not taken: {body}");
    let form = correction("+33 7 99 88 77 66", new_email, "ignored", "second number given");
    assert_eq!(post(&owner, &path, &form).await.0, 303);
    let row = order(&app, id).await;
    assert_eq!(
        (row.phone.expose().as_str(), row.address_line1.expose().as_str()),
        ("+33 7 99 88 77 66", "9 Quai Voltaire")
    );
    app.stop().await;
}

async fn the_admin_api_corrects_an_orders_contact(backend: Backend) {
    const TOKEN: &str = "an-admin-token-of-at-least-32-characters";
    let app = TestApp::spawn_with(backend, |c| c.admin_token = luxevault::config::Secret::new(TOKEN)).await;
    let id = paid_order(&app, "people-api-0001-abcdef", None).await;
    let path = app.url(&format!("/api/v1/admin/orders/{id}/contact"));
    let body = |phone: &str, email: &str| {
        json!({"name": NAME, "email": email, "phone": phone, "address_line1": "9 Quai Voltaire", "city": "Paris",
               "postcode": "75007", "channel": "email", "reason": "the client wrote: new number"})
    };
    let send = |json: Value, token: Option<&'static str>| {
        let mut request = app.client.post(path.clone()).json(&json);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move {
            let response = request.send().await.unwrap_or_else(|e| panic!("{e}"));
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    assert_eq!(send(body("+33 7 12 12 12 12", EMAIL), None).await.0, 401);
    let (status, answer) = send(body("+33 7 12 12 12 12", "not-an-email"), Some(TOKEN)).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (422, Some("invalid_contact")), "{answer}");
    let (status, answer) = send(body("+33 7 12 12 12 12", EMAIL), Some(TOKEN)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["changed"], json!(["phone", "address_line1"]));
    assert!(!answer.to_string().contains("12 12 12"), "the answer names fields, not values");
    let row = order(&app, Uuid::parse_str(&id).unwrap_or_default()).await;
    assert_eq!(row.phone.expose(), "+33 7 12 12 12 12");
    let entries = audit_entries(&app).await;
    assert!(
        entries.iter().any(|e| e.actor == "api-token" && e.action == "order.contact.correct" && e.subject_id == id)
    );
    assert_no_personal_data_in_audit(&entries);
    app.stop().await;
}

async fn rectification_of(app: &TestApp) -> luxevault_storage::PrivacyRequestRow {
    let rows: Vec<(Uuid,)> = luxevault_storage::on_db!(&app.db, pool => sqlx::query_as(
        "SELECT id FROM privacy_requests WHERE kind = 'rectification' ORDER BY received_at DESC, id DESC"
    ).fetch_all(pool).await)
    .unwrap_or_default();
    let id = rows.first().map(|r| r.0).unwrap_or_else(|| panic!("a rectification request"));
    PrivacyRequests::by_id(&app.db, id).await.ok().flatten().unwrap_or_else(|| panic!("request"))
}

async fn staff_correct_an_accounts_email_and_the_recipients_are_told(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (customer, _) = register(&app, "wrong-address", "wrong-addres@example.test").await;
    let path = format!("/admin/customers/{customer}/contact");
    let associate = app.staff("associate", Role::Associate).await;
    let (_, profile) = associate.get(&format!("/admin/customers/{customer}")).await;
    assert!(!profile.contains("data-testid=\"correct-email\""), "associates do not correct records");
    let form = [("email", "right-address@example.test".to_string()), ("reason", "typo".to_string())];
    assert_eq!(post(&associate, &path, &form).await.0, 403);
    let manager = app.staff("manager", Role::Manager).await;
    let (_, profile) = manager.get(&format!("/admin/customers/{customer}")).await;
    assert!(profile.contains("data-testid=\"correct-email\""), "the form on the profile");
    assert_eq!(post(&manager, &path, &[("email", "nope".to_string()), ("reason", "typo".into())]).await.0, 422);
    assert_eq!(post(&manager, &path, &form).await.0, 303);
    let id = Uuid::parse_str(&customer).unwrap_or_default();
    let account = luxevault_storage::Accounts::by_id(&app.db, id).await.ok().flatten().unwrap_or_else(|| panic!());
    assert_eq!(account.email.expose(), "right-address@example.test");
    let entries = audit_entries(&app).await;
    assert!(entries.iter().any(|e| e.action == "customer.contact.correct" && e.subject_id == customer));
    assert!(entries.iter().all(|e| !e.reason.clone().unwrap_or_default().contains("right-address")));
    let requests = PrivacyRequests::of_customer(&app.db, id).await.unwrap_or_default();
    let rectified = requests.iter().find(|r| r.kind == "rectification").unwrap_or_else(|| panic!("recorded"));
    assert!(!Limits::notices(&app.db, rectified.id).await.unwrap_or_default().is_empty(), "recipients told");
    app.stop().await;
}

async fn guests_appear_among_customers_with_their_orders(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (account, _) = register(&app, "with-account", "with-account@example.test").await;
    let ada = guest_contact("Ada Guestwright", "Ada.Guest@Example.test", "+33 6 11 11 11 11");
    let (first, first_number) = guest_order(&app, "people-guest-0001-abcdef", ada.clone()).await;
    let mut ada_again = ada.clone();
    ada_again["email"] = json!("ada.guest@example.test");
    let (latest, latest_number) = guest_order(&app, "people-guest-0002-abcdef", ada_again).await;
    let (other, _) = guest_order(
        &app,
        "people-guest-0003-abcdef",
        guest_contact("Bertil Other", "bertil@example.test", "+46 70 123 45 67"),
    )
    .await;
    // The read model: one row per guest (case-insensitively), the accounts among them, and a
    // cursor that walks every row once, two at a time.
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = BackOffice::people(&app.db, None, after, 1).await.unwrap_or_else(|e| panic!("{e}"));
        seen.extend(page.items.iter().map(|p| (p.kind, p.id, p.order_count)));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let guests: Vec<_> = seen.iter().filter(|(k, ..)| *k == PersonKind::Guest).collect();
    assert_eq!(guests.len(), 2, "{seen:?}");
    assert!(guests.iter().any(|(_, id, count)| *id == latest && *count == 2), "Ada once, by her latest order");
    assert!(guests.iter().any(|(_, id, count)| *id == other && *count == 1));
    assert!(seen.iter().any(|(k, id, _)| *k == PersonKind::Account && id.to_string() == account));
    let mut ids: Vec<_> = seen.iter().map(|(_, id, _)| *id).collect();
    ids.dedup();
    assert_eq!(ids.len(), seen.len(), "no row twice");
    let found = BackOffice::people(&app.db, Some("ADA.g"), None, 50).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(found.items.iter().map(|p| p.id).collect::<Vec<_>>(), vec![latest], "search by email prefix");

    // The page: guests listed, audited as the customers list is.
    let associate = app.staff("associate", Role::Associate).await;
    let (status, list) = associate.get("/admin/customers").await;
    assert_eq!(status, 200);
    assert_eq!(list.matches(&format!("/admin/guests/{latest}")).count(), 1, "{list}");
    assert!(list.contains("Ada Guestwright") && list.contains("with-account"));
    assert!(!list.contains(&format!("/admin/guests/{first}")), "a guest appears once");
    // A guest's page: their orders and contact, with the permissions and audit of a profile.
    for id in [first, latest] {
        let (status, page) = associate.get(&format!("/admin/guests/{id}")).await;
        assert_eq!(status, 200);
        assert!(page.contains(&first_number) && page.contains(&latest_number), "both orders");
        assert!(page.contains("ada.guest@example.test") && page.contains("+33 6 11 11 11 11"));
        assert!(!page.contains("Bertil"), "nobody else's");
    }
    let entries = audit_entries(&app).await;
    assert!(entries.iter().any(|e| e.action == "customers.list"));
    assert!(entries.iter().any(|e| e.action == "guest.view" && e.subject_id == latest.to_string()));
    for role in [Role::Fulfilment, Role::Accountant] {
        let member = app.staff(&format!("g-{}", role.as_str()), role).await;
        let (status, page) = member.get(&format!("/admin/guests/{latest}")).await;
        assert_eq!(status, 403, "{role:?}");
        assert!(!page.contains("Ada") && !page.contains(&latest_number), "{role:?}");
    }
    // An account's order is no guest's page.
    let (_, token) = register(&app, "holder", "holder@example.test").await;
    let holders = paid_order(&app, "people-guest-0004-abcdef", Some(&token)).await;
    assert_eq!(associate.get(&format!("/admin/guests/{holders}")).await.0, 404);
    assert_eq!(associate.get(&format!("/admin/guests/{}", Uuid::now_v7())).await.0, 404);
    app.stop().await;
}

/// Logs a request from the privacy queue's form and returns its id.
async fn log_request(app: &TestApp, officer: &crate::staff_support::StaffBrowser<'_>, kind: &str, phone: &str) -> Uuid {
    let before: Vec<Uuid> = PrivacyRequests::open(&app.db).await.unwrap_or_default().iter().map(|r| r.id).collect();
    let form = [
        ("kind", kind.to_string()),
        ("channel", "phone".to_string()),
        ("contact", phone.to_string()),
        ("received_on", String::new()),
    ];
    assert_eq!(post(officer, "/admin/privacy/requests", &form).await.0, 303);
    let open = PrivacyRequests::open(&app.db).await.unwrap_or_default();
    open.iter().map(|r| r.id).find(|id| !before.contains(id)).unwrap_or_else(|| panic!("logged"))
}

async fn a_phone_only_request_is_verified_by_call_back_and_answered(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let phone = "+33 6 42 42 10 10";
    let (mine, my_number) = guest_order(
        &app,
        "people-phone-0001-abcdef",
        guest_contact("Céleste Phoneonly", "celeste@example.test", phone),
    )
    .await;
    let (theirs, their_number) = guest_order(
        &app,
        "people-phone-0002-abcdef",
        guest_contact("Someone Else", "else@example.test", "+33 6 00 00 00 01"),
    )
    .await;
    let officer = app.staff("officer", Role::PrivacyOfficer).await;
    // The person gives the number written their own way: it finds the orders all the same.
    let access = log_request(&app, &officer, "access", "+33642421010").await;
    let complete = |id: Uuid| format!("/admin/privacy/requests/{id}/complete");
    let done = [("outcome", "copy sent by WhatsApp".to_string()), ("result", "completed".to_string())];
    // Not answered before the person is proven; no copy either.
    assert_eq!(post(&officer, &complete(access), &done).await.0, 409);
    assert_eq!(post(&officer, &format!("/admin/privacy/requests/{access}/copy"), &[]).await.0, 409);
    // Staff call the number on the order back, and record it.
    let (status, body) = post(&officer, &format!("/admin/privacy/requests/{access}/verify"), &[]).await;
    assert_eq!(status, 303, "{body}");
    let row = PrivacyRequests::by_id(&app.db, access).await.ok().flatten().unwrap_or_else(|| panic!());
    assert_eq!(row.verified_by.as_deref(), Some(format!("staff:{}", officer.id).as_str()));
    assert_eq!(row.verification_method.as_deref(), Some("call_back"));
    assert!(row.verified_at.is_some());
    assert_eq!(post(&officer, &format!("/admin/privacy/requests/{access}/verify"), &[]).await.0, 409, "once");
    let (_, queue) = officer.get("/admin/privacy/requests").await;
    assert!(queue.contains("call-back to the number on the order") && queue.contains("officer"), "who and how");
    // The copy covers the orders with that number, and no one else's.
    let (status, copy) = post(&officer, &format!("/admin/privacy/requests/{access}/copy"), &[]).await;
    assert_eq!(status, 200);
    assert!(copy.contains(&my_number) && copy.contains("luxevault.subject-access.v1"), "{copy}");
    assert!(!copy.contains(&their_number) && !copy.contains("else@example.test"));
    assert!(copy.contains("call_back"), "the copy says how the request was verified");
    assert_eq!(post(&officer, &complete(access), &done).await.0, 303);
    let entries = audit_entries(&app).await;
    for action in ["privacy_request.verify", "privacy_request.copy", "privacy_request.complete"] {
        assert!(entries.iter().any(|e| e.action == action && e.subject_id == access.to_string()), "{action}");
    }
    assert_no_personal_data_in_audit(&entries);
    for e in &entries {
        assert!(!e.reason.clone().unwrap_or_default().contains("42 42"), "no number in the log");
    }
    // The request's number lives as an emailed copy's address does: cleared with the copy's rule.
    let later = Timestamp(app.shop.clock().now().as_micros() + 8 * Timestamp::MICROS_PER_DAY);
    PrivacyRequests::expire_archives(&app.db, later, false).await.unwrap_or_else(|e| panic!("{e}"));
    let row = PrivacyRequests::by_id(&app.db, access).await.ok().flatten().unwrap_or_else(|| panic!());
    assert_eq!(row.contact.expose(), "", "the number is gone with the copy's rule");

    // Erasure by phone: proven the same way, it erases the orders with that number only.
    let erase = log_request(&app, &officer, "erasure", phone).await;
    let done = [("outcome", "erased at the person's request".to_string()), ("result", "completed".to_string())];
    assert_eq!(post(&officer, &complete(erase), &done).await.0, 409, "not before the call-back");
    assert_eq!(order(&app, mine).await.email.expose(), "celeste@example.test", "nothing erased yet");
    assert_eq!(post(&officer, &format!("/admin/privacy/requests/{erase}/verify"), &[]).await.0, 303);
    assert_eq!(post(&officer, &complete(erase), &done).await.0, 303);
    let erased = order(&app, mine).await;
    assert!(erased.email.expose().is_empty() && erased.phone.expose().is_empty(), "the orders with the number");
    assert_eq!(order(&app, theirs).await.email.expose(), "else@example.test", "no one else's");
    let row = PrivacyRequests::by_id(&app.db, erase).await.ok().flatten().unwrap_or_else(|| panic!());
    assert_eq!((row.status.as_str(), row.contact.expose().as_str()), ("completed", ""), "the number goes");
    assert!(!Limits::notices(&app.db, erase).await.unwrap_or_default().is_empty(), "recipients told (Art. 19)");

    // A number no order holds cannot be called back: there is nothing on file to call.
    let unknown = log_request(&app, &officer, "access", "+44 20 7946 0000").await;
    assert_eq!(post(&officer, &format!("/admin/privacy/requests/{unknown}/verify"), &[]).await.0, 409);
    // An email request is not verified this way.
    let by_mail = luxevault_shop::privacy::requests::log_received(&app.shop, "access", "email", "a@example.test", None)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(post(&officer, &format!("/admin/privacy/requests/{}/verify", by_mail.id), &[]).await.0, 409);
    app.stop().await;
}

backend_tests!(
    fulfilment_sees_the_parcels_recipient_and_no_staff_reasons,
    staff_correct_an_orders_contact_audited_and_the_recipients_told,
    staff_correct_an_accounts_email_and_the_recipients_are_told,
    guests_appear_among_customers_with_their_orders,
    a_phone_only_request_is_verified_by_call_back_and_answered,
    the_admin_api_corrects_an_orders_contact,
);
