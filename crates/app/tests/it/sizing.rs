//! Fitting and sizing (M2, M3): a client's sizing profile round-trips through the admin API with
//! its ranges checked, is read and edited only by the roles allowed (fulfilment and the
//! accountant get 403) with every read in the audit log, is published as its own category and
//! retention rule, is in the access copy and gone after erasure, and a guest's is deleted 2
//! years after the last visit. Alterations of an order line move forward one step at a time,
//! each move audited, and the client is told by email when the piece is ready.

use luxevault_core::Clock;
use luxevault_core::order::Actor;
use luxevault_core::policy::Policy;
use luxevault_core::staff::Role;
use luxevault_shop::sizing::{SizingInput, Who};
use luxevault_storage::{AuditFilter, AuditLog, Holder, Sizing};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::backoffice_pages::{paid_order, register};
use crate::support::{Backend, TestApp};

const ADMIN: &str = "an-admin-token-of-at-least-32-characters";
const SIZING_CANARY: &str = "épaule gauche plus basse canary-9c1";

async fn admin_app(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, |c| c.admin_token = luxevault::config::Secret::new(ADMIN)).await
}

async fn call(app: &TestApp, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = app.client.request(method, app.url(path)).bearer_auth(ADMIN);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap_or_else(|e| panic!("{path}: {e}"));
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn audit(app: &TestApp, action: &str) -> Vec<luxevault_core::audit::AuditEntry> {
    let filter = AuditFilter { action: Some(action.into()), ..AuditFilter::default() };
    AuditLog::page(&app.db, &filter, i64::MAX, 1000).await.unwrap_or_else(|e| panic!("audit: {e}"))
}

fn uuid(text: &str) -> Uuid {
    Uuid::parse_str(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

async fn first_line(app: &TestApp, order: &str) -> i32 {
    let lines = luxevault_storage::Orders::lines(&app.db, uuid(order)).await.unwrap_or_default();
    lines.first().map(|l| l.position).unwrap_or_else(|| panic!("the order has a line"))
}

fn profile_body() -> Value {
    json!({
        "measurements": {"height_mm": 1720, "chest_mm": 880, "waist_mm": 690, "shoe_eu_tenths": 385, "ring_eu": 52},
        "fit": "slim",
        "notes": format!("{SIZING_CANARY}; card 4111 1111 1111 1111"),
    })
}

async fn a_profile_round_trips_and_bad_values_are_refused(backend: Backend) {
    let app = admin_app(backend).await;
    let (customer, _) = register(&app, "sizing-round", "sizing-round@example.test").await;
    let path = format!("/api/v1/admin/customers/{customer}/sizing");
    assert_eq!(call(&app, reqwest::Method::GET, &path, None).await.0, 404, "no profile yet");
    let (status, saved) = call(&app, reqwest::Method::PUT, &path, Some(profile_body())).await;
    assert_eq!(status, 200, "{saved}");
    let (status, read) = call(&app, reqwest::Method::GET, &path, None).await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["measurements"]["height_mm"], 1720);
    assert_eq!(read["measurements"]["shoe_eu_tenths"], 385);
    assert_eq!(read["measurements"]["hips_mm"], Value::Null);
    assert_eq!(read["fit"], "slim");
    let notes = read["notes"].as_str().unwrap_or_default();
    assert!(notes.contains(SIZING_CANARY), "{notes}");
    assert!(!notes.contains("4111 1111 1111 1111"), "the guard removed the card number: {notes}");
    // Out of range, unknown fit, unknown field, notes too long: clear 4xx, nothing changed.
    let cases = [
        (json!({"measurements": {"waist_mm": 20}}), 422, "waist_mm"),
        (json!({"measurements": {"ring_eu": 200}}), 422, "ring_eu"),
        (json!({"fit": "baggy"}), 422, "fit"),
        (json!({"notes": "x".repeat(1001)}), 422, "notes"),
    ];
    for (body, expected, code) in cases {
        let (status, answer) = call(&app, reqwest::Method::PUT, &path, Some(body.clone())).await;
        assert_eq!(status, expected, "{body}: {answer}");
        assert_eq!(answer["error"]["code"], code, "{answer}");
        assert!(answer["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let (status, _) = call(&app, reqwest::Method::PUT, &path, Some(json!({"measurements": {"weight_kg": 60}}))).await;
    assert!((400..500).contains(&status), "an unknown measurement is refused: {status}");
    let (_, again) = call(&app, reqwest::Method::GET, &path, None).await;
    assert_eq!(again["measurements"]["waist_mm"], 690, "the refused edits changed nothing");
    let unknown = format!("/api/v1/admin/customers/{}/sizing", Uuid::nil());
    assert_eq!(call(&app, reqwest::Method::GET, &unknown, None).await.0, 404);
    // Reads and edits by the token are audited under ids only.
    let reads = audit(&app, "sizing.view").await;
    assert!(reads.iter().any(|e| e.actor == "api-token" && e.subject_id == customer), "{reads:?}");
    assert!(!audit(&app, "sizing.edit").await.is_empty());
    for e in reads {
        assert!(!e.reason.unwrap_or_default().contains("canary"));
    }
    app.stop().await;
}

async fn fulfilment_gets_403_and_an_associates_read_is_audited(backend: Backend) {
    let app = admin_app(backend).await;
    let (customer, _) = register(&app, "sizing-roles", "sizing-roles@example.test").await;
    let path = format!("/api/v1/admin/customers/{customer}/sizing");
    assert_eq!(call(&app, reqwest::Method::PUT, &path, Some(profile_body())).await.0, 200);
    let page = format!("/admin/customers/{customer}");
    let associate = app.staff("sz-associate", Role::Associate).await;
    let (status, html) = associate.get(&page).await;
    assert_eq!(status, 200);
    assert!(html.contains("data-testid=\"sizing-profile\"") && html.contains(SIZING_CANARY), "the associate reads it");
    let reads = audit(&app, "sizing.view").await;
    let by_associate = format!("staff:{}", associate.id);
    assert!(
        reads.iter().any(|e| e.actor == by_associate && e.subject_kind == "customer" && e.subject_id == customer),
        "the associate's read is in the audit log: {reads:?}"
    );
    // The associate edits it from the page.
    let form = [("height_mm", "1750"), ("waist_mm", "700"), ("fit", "regular"), ("notes", "ourlet 2 cm")];
    let response = associate.submit(&page, &format!("{page}/sizing"), &form).await;
    assert_eq!(response.status().as_u16(), 303);
    let row = Sizing::of(&app.db, &Holder::Customer(uuid(&customer))).await.ok().flatten();
    assert_eq!(row.as_ref().and_then(|r| r.height_mm), Some(1750));
    assert_eq!(row.as_ref().and_then(|r| r.chest_mm), None, "the form replaces the profile");
    let bad = associate.submit(&page, &format!("{page}/sizing"), &[("waist_mm", "5")]).await;
    assert_eq!(bad.status().as_u16(), 422);
    // Fulfilment and the accountant: 403 on the page and on the edit, nothing shown.
    for (name, role) in [("sz-packer", Role::Fulfilment), ("sz-books", Role::Accountant)] {
        let member = app.staff(name, role).await;
        let (status, html) = member.get(&page).await;
        assert_eq!(status, 403, "{role:?}");
        assert!(!html.contains("ourlet") && !html.contains("1750"), "{role:?} sees nothing");
        let response = member.submit("/admin/orders", &format!("{page}/sizing"), &[("height_mm", "1800")]).await;
        assert_eq!(response.status().as_u16(), 403, "{role:?} may not edit");
        let actor = format!("staff:{}", member.id);
        assert!(!audit(&app, "sizing.view").await.iter().any(|e| e.actor == actor));
    }
    // The privacy officer reads (for requests) but has no form.
    let officer = app.staff("sz-officer", Role::PrivacyOfficer).await;
    let (status, html) = officer.get(&page).await;
    assert_eq!(status, 200);
    assert!(html.contains("data-testid=\"sizing-profile\"") && !html.contains(&format!("{page}/sizing\"")));
    let response = officer.submit(&page, &format!("{page}/sizing"), &[("height_mm", "1800")]).await;
    assert_eq!(response.status().as_u16(), 403);
    app.stop().await;
}

async fn the_sizing_category_and_its_retention_are_published(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, doc) = app.get_json("/privacy.json").await;
    assert_eq!(status, 200);
    let ids = |key: &str| -> Vec<String> {
        doc[key]
            .as_array()
            .map(|a| a.iter().filter_map(|c| c["id"].as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    };
    assert!(ids("categories").contains(&"fitting_and_sizing".to_string()), "{}", doc["categories"]);
    assert!(ids("retention").contains(&"sizing_profiles".to_string()), "{}", doc["retention"]);
    let service = doc["purposes"].as_array().and_then(|p| p.iter().find(|p| p["id"] == "service_requests")).cloned();
    let service = service.unwrap_or(Value::Null);
    assert!(service["categories"].as_array().is_some_and(|c| c.iter().any(|c| c == "fitting_and_sizing")), "{service}");
    app.stop().await;
}

async fn the_access_copy_holds_the_profile_and_erasure_removes_it(backend: Backend) {
    let app = admin_app(backend).await;
    let (customer, token) = register(&app, "sizing-copy", "sizing-copy@example.test").await;
    let path = format!("/api/v1/admin/customers/{customer}/sizing");
    assert_eq!(call(&app, reqwest::Method::PUT, &path, Some(profile_body())).await.0, 200);
    let id = uuid(&customer);
    let document =
        luxevault_shop::privacy::rights::export_document(&app.shop, id).await.unwrap_or_else(|e| panic!("{e}"));
    let profile = &document["data"]["sizing_profile"];
    assert_eq!(profile["measurements"]["chest_mm"], 880, "{profile}");
    assert!(profile["notes"].as_str().is_some_and(|n| n.contains(SIZING_CANARY)));
    let policy_categories = document["about_this_data"]["categories"].to_string();
    assert!(policy_categories.contains("fitting_and_sizing"));
    // The archive the customer downloads has it as CSV too.
    let response = app
        .client
        .post(app.url("/api/v1/account/export"))
        .bearer_auth(&token)
        .json(&json!({"password": "la soie du matin à Paris"}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status().as_u16(), 200);
    let archive = crate::support::unzip(&response.bytes().await.unwrap_or_default());
    assert!(archive["sizing_profile.csv"].contains("880"), "{}", archive["sizing_profile.csv"]);
    // Erased with the account.
    let erasure = luxevault_shop::privacy::rights::erase_account(&app.shop, id, Actor::Customer)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(erasure.erased.iter().any(|e| e.contains("sizing")), "{:?}", erasure.erased);
    assert_eq!(Sizing::of(&app.db, &Holder::Customer(id)).await.ok().flatten(), None);
    let dump = crate::support::dump_text(&app.db).await;
    assert!(!dump.contains("canary-9c1"), "nothing of the profile is left");
    app.stop().await;
}

fn policy() -> Policy {
    Policy::parse(include_str!("../../policy/default.toml"), &["en", "fr"]).unwrap_or_else(|e| panic!("{e}"))
}

async fn retention_deletes_a_guests_profile_two_years_after_the_last_visit(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (customer, _) = register(&app, "sizing-keeps", "sizing-keeps@example.test").await;
    let who = Who { actor: "staff:test", client: "local" };
    let input = SizingInput { fit: "relaxed".into(), ..SizingInput::default() };
    let account = Holder::Customer(uuid(&customer));
    let gone = Holder::Guest(luxevault_core::pii::email_key("Élodie.Guest@Example.test"));
    let returning = Holder::Guest(luxevault_core::pii::email_key("retour@example.test"));
    for holder in [&account, &gone, &returning] {
        luxevault_shop::sizing::save(&app.shop, holder, &input, who).await.unwrap_or_else(|e| panic!("{e}"));
    }
    // The same guest, however the address is written (full Unicode lowercase).
    assert!(
        Sizing::of(&app.db, &Holder::Guest(luxevault_core::pii::email_key("élodie.guest@example.test")))
            .await
            .ok()
            .flatten()
            .is_some()
    );
    app.clock.advance_days(400);
    luxevault_storage::record_visit(&app.db, &returning, app.clock.now()).await.unwrap_or_else(|e| panic!("{e}"));
    app.clock.advance_days(331);
    let now = app.clock.now();
    let policy = policy();
    let apply = |dry| luxevault_shop::privacy::retention::apply(&app.db, &policy, now, now, dry);
    let preview = apply(true).await.unwrap_or_else(|e| panic!("{e}"));
    let deleted = |reports: &[luxevault_shop::privacy::retention::RuleReport]| {
        reports.iter().find(|r| r.rule == "sizing_profiles").and_then(|r| r.counts.first().map(|c| c.1))
    };
    assert_eq!(deleted(&preview), Some(1), "the dry run counts the one guest past 2 years");
    assert!(Sizing::of(&app.db, &gone).await.ok().flatten().is_some(), "a dry run deletes nothing");
    let reports = apply(false).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(deleted(&reports), Some(1));
    assert!(Sizing::of(&app.db, &gone).await.ok().flatten().is_none(), "2 years without a visit: deleted");
    assert!(Sizing::of(&app.db, &returning).await.ok().flatten().is_some(), "a recent visitor keeps it");
    assert!(Sizing::of(&app.db, &account).await.ok().flatten().is_some(), "an account holder keeps it");
    app.stop().await;
}

async fn alterations_move_forward_are_audited_and_the_client_is_told_when_ready(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let order = paid_order(&app, "sizing-alteration-order-1", None).await;
    app.run_jobs().await;
    let before = app.outbox().len();
    let associate = app.staff("alt-associate", Role::Associate).await;
    let page = format!("/admin/orders/{order}");
    let (status, html) = associate.get(&page).await;
    assert_eq!(status, 200);
    assert!(html.contains("data-testid=\"alterations\""), "the associate sees the block");
    let first = first_line(&app, &order).await.to_string();
    let form = [
        ("line", first.as_str()),
        ("kind", "hem"),
        ("note", "raccourcir de 2 cm canary-alt"),
        ("promised_on", "2026-12-01"),
    ];
    let response = associate.submit(&page, &format!("{page}/alterations"), &form).await;
    assert_eq!(response.status().as_u16(), 303);
    let bad = associate.submit(&page, &format!("{page}/alterations"), &[("line", "9"), ("kind", "hem")]).await;
    assert_eq!(bad.status().as_u16(), 422, "no such line");
    let rows = Sizing::alterations_of_order(&app.db, uuid(&order)).await.unwrap_or_default();
    assert_eq!(rows.len(), 1);
    let alteration = rows[0].id;
    assert_eq!(rows[0].status, "requested");
    let step = |to: &'static str| {
        let path = format!("/admin/alterations/{alteration}/move");
        let page = page.clone();
        let associate = &associate;
        async move { associate.submit(&page, &path, &[("to", to)]).await.status().as_u16() }
    };
    assert_eq!(step("ready").await, 409, "no skipping a step");
    assert_eq!(step("in_work").await, 303);
    assert_eq!(step("requested").await, 409, "never backwards");
    assert_eq!(step("ready").await, 303);
    app.run_jobs().await;
    let mails = app.outbox();
    assert_eq!(mails.len(), before + 1, "the client is told once it is ready");
    let last = mails.iter().find(|m| m.contains("alteration") || m.contains("retouche")).cloned().unwrap_or_default();
    assert!(!last.contains("canary-alt"), "the note stays in the boutique");
    assert_eq!(step("collected").await, 303);
    assert_eq!(step("collected").await, 409);
    for action in ["alteration.open", "alteration.in_work", "alteration.ready", "alteration.collected"] {
        assert_eq!(audit(&app, action).await.len(), 1, "{action} audited once");
    }
    // Fulfilment sees the order, not the fitting data.
    let packer = app.staff("alt-packer", Role::Fulfilment).await;
    let (status, html) = packer.get(&page).await;
    assert_eq!(status, 200);
    assert!(!html.contains("data-testid=\"alterations\"") && !html.contains("canary-alt"));
    let path = format!("/admin/alterations/{alteration}/move");
    assert_eq!(packer.submit(&page, &path, &[("to", "collected")]).await.status().as_u16(), 403);
    // The access copy of the email's holder lists it; anonymising the order clears the note.
    luxevault_storage::Orders::anonymise(&app.db, uuid(&order), app.clock.now())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let rows = Sizing::alterations_of_order(&app.db, uuid(&order)).await.unwrap_or_default();
    assert_eq!(rows[0].note, "", "the note goes with the order's personal data");
    assert_eq!(rows[0].status, "collected");
    app.stop().await;
}

async fn a_guests_copy_lists_their_alterations_and_profile_and_erasure_takes_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let order = paid_order(&app, "sizing-alteration-order-2", None).await;
    let who = Who { actor: "staff:test", client: "local" };
    let input = luxevault_shop::sizing::AlterationInput {
        line: first_line(&app, &order).await,
        kind: "sleeves".into(),
        note: "manches -1 cm".into(),
        promised_on: String::new(),
    };
    luxevault_shop::sizing::open_alteration(&app.shop, uuid(&order), &input, who)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let row = luxevault_storage::Orders::by_id(&app.db, uuid(&order)).await.ok().flatten();
    let email = row.map(|o| o.email.expose().clone()).unwrap_or_default();
    let guest = Holder::Guest(luxevault_core::pii::email_key(&email));
    let profile = SizingInput { fit: "slim".into(), ..SizingInput::default() };
    luxevault_shop::sizing::save(&app.shop, &guest, &profile, who).await.unwrap_or_else(|e| panic!("{e}"));
    // Staff read and edit it on the guest's page, audited under the profile's id, never the address.
    let associate = app.staff("guest-associate", Role::Associate).await;
    let page = format!("/admin/guests/{order}");
    let (status, html) = associate.get(&page).await;
    assert_eq!(status, 200);
    assert!(html.contains("data-testid=\"sizing-profile\""), "the guest's profile is shown");
    let response = associate.submit(&page, &format!("{page}/sizing"), &[("fit", "slim"), ("neck_mm", "380")]).await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(Sizing::of(&app.db, &guest).await.ok().flatten().and_then(|r| r.neck_mm), Some(380));
    let reads = audit(&app, "sizing.view").await;
    let by = format!("staff:{}", associate.id);
    assert!(reads.iter().any(|e| e.actor == by && e.subject_kind == "sizing_profile" && !e.subject_id.contains('@')));
    let packer = app.staff("guest-packer", Role::Fulfilment).await;
    let response = packer.submit("/admin/orders", &format!("{page}/sizing"), &[("fit", "relaxed")]).await;
    assert_eq!(response.status().as_u16(), 403);
    let request = luxevault_shop::privacy::requests::log_received(&app.shop, "access", "email", &email, None)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let document = luxevault_shop::privacy::rights::document_for_email(&app.shop, &email, &request)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(document["data"]["sizing_profile"]["fit"], "slim");
    assert_eq!(document["data"]["alterations"][0]["kind"], "sleeves");
    assert_eq!(document["data"]["alterations"][0]["note"], "manches -1 cm");
    // A guest's erasure by email takes the profile too.
    let erasure_request = luxevault_shop::privacy::requests::log_received(&app.shop, "erasure", "email", &email, None)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let lang = luxevault_core::Lang::parse("en").unwrap_or_else(|| panic!("en"));
    let erasure =
        luxevault_shop::privacy::rights::erase_by_email(&app.shop, erasure_request.id, &email, &lang, app.clock.now())
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(erasure.erased.iter().any(|e| e.contains("sizing")), "{:?}", erasure.erased);
    assert_eq!(Sizing::of(&app.db, &guest).await.ok().flatten(), None);
    app.stop().await;
}

backend_tests!(
    a_profile_round_trips_and_bad_values_are_refused,
    fulfilment_gets_403_and_an_associates_read_is_audited,
    the_sizing_category_and_its_retention_are_published,
    the_access_copy_holds_the_profile_and_erasure_removes_it,
    retention_deletes_a_guests_profile_two_years_after_the_last_visit,
    alterations_move_forward_are_audited_and_the_client_is_told_when_ready,
    a_guests_copy_lists_their_alterations_and_profile_and_erasure_takes_it,
);
