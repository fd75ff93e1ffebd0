//! Boutique appointments (issue 13): slots right in both time zones across a change of clocks,
//! one confirmation for twenty clients asking for one slot at once, an invitation the client's
//! calendar reads, the emailed link that moves and cancels, and the booking in the access copy
//! and the erasure.

use luxevault_core::Clock;
use mail_parser::MimeHeaders;
use serde_json::{Value, json};

use crate::support::{Backend, TestApp};

const ADMIN: &str = "an-admin-token-of-at-least-32-characters";

async fn get(app: &TestApp, path: &str) -> (u16, Value) {
    let response = app.client.get(app.url(path)).send().await.unwrap_or_else(|e| panic!("{e}"));
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn book(app: &TestApp, key: &str, body: &Value) -> (u16, Value) {
    let response = app
        .client
        .post(app.url("/api/v1/appointments"))
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn with_key(app: &TestApp, method: reqwest::Method, path: &str, key: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = app.client.request(method, app.url(path)).header("X-Appointment-Key", key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap_or_else(|e| panic!("{e}"));
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn first_slot(slots: &Value) -> String {
    slots["slots"][0]["starts_at"].as_str().unwrap_or_else(|| panic!("a slot: {slots}")).to_string()
}

/// The link's key, as the confirmation email carries it.
fn key_in(mail: &str) -> String {
    let decoded = mail.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=");
    decoded
        .split("#key=")
        .nth(1)
        .map(|rest| rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '.').collect())
        .unwrap_or_else(|| panic!("a link in {mail}"))
}

async fn slots_read_right_in_both_zones_across_a_change_of_clocks(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.clock.advance_days(60);
    // Paris changes to summer time on Sunday 28 March 2027; the boutique opens Tuesday to Saturday.
    let (status, slots) =
        get(&app, "/api/v1/boutiques/paris/slots?service=fitting&from=2027-03-27&tz=Asia/Tokyo").await;
    assert_eq!(status, 200, "{slots}");
    let list = slots["slots"].as_array().cloned().unwrap_or_default();
    let at = |boutique_time: &str| {
        list.iter()
            .find(|s| s["boutique_time"] == boutique_time)
            .unwrap_or_else(|| panic!("{boutique_time} in {slots}"))
            .clone()
    };
    let saturday = at("2027-03-27 10:00");
    assert_eq!(saturday["starts_at"], "2027-03-27T09:00:00Z");
    assert_eq!(
        (saturday["client_time"].as_str(), saturday["boutique_zone"].as_str()),
        (Some("2027-03-27 18:00"), Some("CET"))
    );
    let tuesday = at("2027-03-30 10:00");
    assert_eq!(tuesday["starts_at"], "2027-03-30T08:00:00Z", "the boutique's 10:00 is an hour earlier in UTC");
    assert_eq!(
        (tuesday["client_time"].as_str(), tuesday["boutique_zone"].as_str()),
        (Some("2027-03-30 17:00"), Some("CEST"))
    );
    assert!(
        !list.iter().any(|s| s["boutique_time"].as_str().is_some_and(|t| t.starts_with("2027-03-28"))),
        "closed on Sunday"
    );
    let (status, answer) = get(&app, "/api/v1/boutiques/paris/slots?service=fitting&tz=Mars/Olympus").await;
    assert_eq!((status, answer["error"]["code"].as_str()), (422, Some("invalid_time_zone")));
    let (status, _) = get(&app, "/api/v1/boutiques/nowhere/slots?service=fitting").await;
    assert_eq!(status, 404);
    app.stop().await;
}

async fn twenty_clients_asking_for_one_slot_get_one_confirmation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.clock.advance_days(7);
    // Alterations are given by one associate only: one slot, one client.
    let (_, slots) = get(&app, "/api/v1/boutiques/paris/slots?service=alteration").await;
    let start = first_slot(&slots);
    let mut asks = tokio::task::JoinSet::new();
    for i in 0..20 {
        let body = json!({"boutique": "paris", "service": "alteration", "starts_at": start,
                          "name": format!("Cliente {i}"), "email": format!("cliente{i}@example.test")});
        let request = app
            .client
            .post(app.url("/api/v1/appointments"))
            .header("Idempotency-Key", format!("concurrent-booking-{i:04}-key"))
            .json(&body);
        asks.spawn(async move {
            match request.send().await {
                Ok(r) => (r.status().as_u16(), r.json::<Value>().await.unwrap_or(Value::Null)),
                Err(_) => (0, Value::Null),
            }
        });
    }
    let answers: Vec<(u16, Value)> = asks.join_all().await;
    let confirmed = answers.iter().filter(|(s, _)| *s == 201).count();
    let taken = answers.iter().filter(|(s, b)| *s == 409 && b["error"]["code"] == "slot_taken").count();
    assert_eq!((confirmed, taken), (1, 19), "{answers:?}");
    app.run_jobs().await;
    let confirmations = app.outbox().iter().filter(|m| m.contains("text/calendar")).count();
    assert_eq!(confirmations, 1, "one confirmation email");
    let (_, again) = get(&app, "/api/v1/boutiques/paris/slots?service=alteration").await;
    assert_ne!(first_slot(&again), start, "the slot is no longer offered");
    app.stop().await;
}

async fn the_link_shows_moves_and_cancels_and_the_invitation_reads(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.clock.advance_days(7);
    let (_, slots) = get(&app, "/api/v1/boutiques/paris/slots?service=fitting&tz=America/New_York").await;
    let start = first_slot(&slots);
    let body = json!({"boutique": "paris", "service": "fitting", "starts_at": start, "name": "Ines Moreau",
                      "email": "ines@example.test", "piece": "Robe Alma, taille 38",
                      "note": "Paiement: 4242 4242 4242 4242 merci", "time_zone": "America/New_York", "lang": "fr"});
    let (status, booked) = book(&app, "booking-with-invitation-0001", &body).await;
    assert_eq!(status, 201, "{booked}");
    assert_eq!(booked["legal_basis"], "pre_contract", "steps at the client's request before a contract (M3)");
    assert_eq!(booked["removed_card_numbers"], 1);
    assert!(!booked["appointment"]["note"].as_str().unwrap_or_default().contains("4242 4242 4242 4242"));
    let (status, replay) = book(&app, "booking-with-invitation-0001", &body).await;
    assert_eq!(
        (status, &replay["appointment"]["id"]),
        (200, &booked["appointment"]["id"]),
        "a retry is the same booking"
    );
    let mut other = body.clone();
    other["name"] = json!("Quelqu'un d'autre");
    let (status, reused) = book(&app, "booking-with-invitation-0001", &other).await;
    assert_eq!((status, reused["error"]["code"].as_str()), (409, Some("idempotency_key_reused")), "{reused}");
    let id = booked["appointment"]["id"].as_str().unwrap_or_default().to_string();

    app.run_jobs().await;
    let mails = app.outbox();
    let mail =
        mails.iter().find(|m| m.contains("text/calendar")).unwrap_or_else(|| panic!("a confirmation: {mails:?}"));
    let parsed = mail_parser::MessageParser::default().parse(mail.as_bytes()).unwrap_or_else(|| panic!("a message"));
    let calendar_part = parsed
        .attachments()
        .find(|p| p.content_type().is_some_and(|t| t.ctype() == "text" && t.subtype() == Some("calendar")))
        .unwrap_or_else(|| panic!("a text/calendar part"));
    let ics = String::from_utf8_lossy(calendar_part.contents()).into_owned();
    let calendar: icalendar::Calendar = ics.parse().unwrap_or_else(|e| panic!("a valid calendar: {e}\n{ics}"));
    let text = calendar.to_string();
    assert!(text.contains("METHOD:REQUEST"), "{text}");
    assert!(text.contains(&format!("DTSTART:{}", start.replace(['-', ':'], ""))), "starts at {start} UTC: {text}");
    assert!(!text.contains("4242"), "no card number in the invitation");
    let key = key_in(mail);

    let (status, seen) = with_key(&app, reqwest::Method::GET, &format!("/api/v1/appointments/{id}"), &key, None).await;
    assert_eq!((status, seen["name"].as_str()), (200, Some("Ines Moreau")), "{seen}");
    let (status, _) = with_key(&app, reqwest::Method::GET, &format!("/api/v1/appointments/{id}"), "1.abc", None).await;
    assert_eq!(status, 400, "a forged key opens nothing");

    let later = slots["slots"][3]["starts_at"].as_str().unwrap_or_default().to_string();
    let (status, moved) = with_key(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/appointments/{id}/reschedule"),
        &key,
        Some(json!({"starts_at": later})),
    )
    .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["appointment"]["slot"]["starts_at"], later.as_str());
    let (status, _) = with_key(&app, reqwest::Method::GET, &format!("/api/v1/appointments/{id}"), &key, None).await;
    assert_eq!(status, 400, "the old link no longer opens a moved appointment");
    let new_key = moved["key"].as_str().unwrap_or_default().to_string();
    let (_, free) = get(&app, "/api/v1/boutiques/paris/slots?service=fitting").await;
    assert!(
        free["slots"].as_array().is_some_and(|s| s.iter().any(|x| x["starts_at"] == start.as_str())),
        "the first time is free again"
    );

    let (status, cancelled) =
        with_key(&app, reqwest::Method::POST, &format!("/api/v1/appointments/{id}/cancel"), &new_key, None).await;
    assert_eq!((status, cancelled["status"].as_str()), (200, Some("cancelled")), "{cancelled}");
    app.run_jobs().await;
    assert!(app.outbox().iter().any(|m| m.contains("METHOD:CANCEL")), "the cancellation removes it from the calendar");
    app.stop().await;
}

async fn bookings_need_a_name_a_contact_and_an_offered_time(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.clock.advance_days(7);
    let (_, slots) = get(&app, "/api/v1/boutiques/paris/slots?service=sizing").await;
    let start = first_slot(&slots);
    let base = json!({"boutique": "paris", "service": "sizing", "starts_at": start, "name": "Léa", "phone": "+33 6 12 34 56 78"});
    let mut n = 0;
    for (change, code, status) in [
        (json!({"name": ""}), "name", 422),
        (json!({"phone": ""}), "contact", 422),
        (json!({"email": "not-an-address"}), "email", 422),
        (json!({"starts_at": "2027-01-12T09:07:00Z"}), "invalid_start", 422),
        (json!({"starts_at": "2026-01-01T09:00:00Z"}), "slot_unavailable", 409),
        (json!({"service": "tea"}), "not_found", 404),
    ] {
        n += 1;
        let mut body = base.clone();
        for (k, v) in change.as_object().into_iter().flatten() {
            body[k] = v.clone();
        }
        let (got, answer) = book(&app, &format!("invalid-booking-{n:04}-key"), &body).await;
        assert_eq!(got, status, "{change}: {answer}");
        if status != 404 {
            assert_eq!(answer["error"]["code"], code, "{change}: {answer}");
        }
    }
    let (status, answer) = book(&app, "short", &base).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (422, Some("invalid_idempotency_key")));
    let (status, _) = book(&app, "valid-phone-only-booking-01", &base).await;
    assert_eq!(status, 201, "a phone number is enough");
    app.stop().await;
}

async fn an_appointment_is_in_the_access_copy_and_goes_with_the_erasure(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.admin_token = luxevault::config::Secret::new(ADMIN)).await;
    app.clock.advance_days(7);
    let (_, slots) = get(&app, "/api/v1/boutiques/paris/slots?service=fitting").await;
    let body = json!({"boutique": "paris", "service": "fitting", "starts_at": first_slot(&slots), "name": "Noor Canary",
                      "email": "noor.canary@example.test", "piece": "Sac Iris canary"});
    let (status, _) = book(&app, "booking-for-erasure-0001", &body).await;
    assert_eq!(status, 201);
    let shop = &app.shop;
    let copy = luxevault_shop::appointments::of_email(shop, "NOOR.CANARY@example.test").await.unwrap_or_default();
    assert_eq!(copy.len(), 1, "found by address whatever its case");
    assert_eq!(copy[0]["piece"], "Sac Iris canary");
    let response =
        app.client.get(app.url("/api/v1/admin/appointments?boutique=paris&days=14")).bearer_auth(ADMIN).send().await;
    let calendar: Value = match response {
        Ok(r) if r.status().as_u16() == 200 => r.json().await.unwrap_or(Value::Null),
        other => panic!("the calendar: {other:?}"),
    };
    assert!(calendar.to_string().contains("Noor Canary"), "staff see the client in the calendar: {calendar}");
    let erased =
        luxevault_shop::appointments::erase_for_email(shop, "noor.canary@example.test").await.unwrap_or_default();
    assert_eq!(erased, 1);
    let rows = luxevault_storage::Appointments::in_range(
        &app.db,
        luxevault_storage::Appointments::boutique(&app.db, "paris")
            .await
            .ok()
            .flatten()
            .map(|b| b.id)
            .unwrap_or_default(),
        luxevault_core::Timestamp(0),
        app.clock.now().plus_days(365),
    )
    .await
    .unwrap_or_default();
    assert!(
        rows.iter().all(|r| r.name.expose().is_empty() && r.email.expose().is_empty() && r.piece.expose().is_empty())
    );
    assert!(
        rows.iter().all(|r| r.status == luxevault_core::appointments::AppointmentStatus::Cancelled),
        "its time is free"
    );
    app.stop().await;
}

/// The associate's calendar: the day's appointments with the client, their past orders and the
/// outcome once begun (audited); an absence takes the associate's times off the booking page;
/// fulfilment and the accountant never open it.
async fn the_calendar_shows_the_day_records_outcomes_and_absences(backend: Backend) {
    use luxevault_core::staff::Role;
    let app = TestApp::spawn(backend).await;
    app.clock.advance_days(7);
    let (_, slots) = get(&app, "/api/v1/boutiques/paris/slots?service=alteration").await;
    let start = first_slot(&slots);
    let body = json!({"boutique": "paris", "service": "alteration", "starts_at": start, "name": "Chloé Martin", "email": "chloe@example.test"});
    let (status, booked) = book(&app, "calendar-booking-000001", &body).await;
    assert_eq!(status, 201, "{booked}");
    let id = booked["appointment"]["id"].as_str().unwrap_or_default().to_string();
    let day = booked["appointment"]["slot"]["boutique_time"].as_str().unwrap_or_default()[..10].to_string();

    let associate = app.staff("camille", Role::Associate).await;
    let path = format!("/admin/appointments?boutique=paris&view=day&from={day}");
    let (status, html) = associate.get(&path).await;
    assert_eq!(status, 200);
    assert!(html.contains("Chloé Martin") && html.contains("chloe@example.test"), "the client, for the associate");
    assert!(!html.contains("name=\"outcome\""), "no outcome before the appointment begins");
    for role in [Role::Fulfilment, Role::Accountant] {
        let other = app.staff(&format!("x{}", role.as_str()), role).await;
        assert_eq!(other.get(&path).await.0, 403, "{role:?}");
    }

    // The appointment begins: the associate records it as completed, once.
    let at = luxevault_core::local_time::parse_instant(&start).unwrap_or(luxevault_core::Timestamp(0));
    let ahead = (at.as_micros() - app.clock.now().as_micros()) / 1_000_000 + 60;
    app.clock.advance_seconds(ahead);
    // The earlier session has timed out meanwhile: the associate signs in again.
    let associate = app.staff("camillelater", Role::Associate).await;
    let response = associate
        .submit(&path, &format!("/admin/appointments/{id}/outcome"), &[("boutique", "paris"), ("outcome", "completed")])
        .await;
    assert_eq!(response.status(), 303);
    let went = response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert!(!went.contains("error"), "{went}");
    let (_, html) = associate.get(&path).await;
    assert!(html.contains("Completed"), "recorded");
    let again = associate
        .submit(&path, &format!("/admin/appointments/{id}/outcome"), &[("boutique", "paris"), ("outcome", "no_show")])
        .await;
    let target = again.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert!(target.contains("error=outcome"), "never moved back: {target}");
    let entries = crate::backoffice_pages::audit_entries(&app).await;
    assert!(entries.iter().any(|e| e.action == "appointment.outcome" && e.subject_id == id), "audited");
    assert!(entries.iter().any(|e| e.action == "appointments.calendar"), "the look at the calendar is audited");

    // Camille away the whole of the next open day: no alteration (hers alone) is offered then.
    let (_, week) = get(&app, "/api/v1/boutiques/paris/slots?service=alteration").await;
    let next_day = week["slots"][0]["boutique_time"].as_str().unwrap_or_default()[..10].to_string();
    let (_, calendar) = associate.get("/admin/appointments?boutique=paris").await;
    let camille = calendar
        .split("<option value=\"")
        .filter_map(|s| s.split_once("\">Camille<").map(|(id, _)| id.to_string()))
        .next()
        .unwrap_or_else(|| panic!("Camille in the associates"));
    let response = associate
        .submit(
            "/admin/appointments?boutique=paris",
            "/admin/appointments/absences",
            &[
                ("boutique", "paris"),
                ("associate", &camille),
                ("from", &format!("{next_day}T00:00")),
                ("until", &format!("{next_day}T23:45")),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    // Camille's own week: afternoons only; a wrong week is refused and changes nothing.
    let bad = associate
        .submit(
            "/admin/appointments?boutique=paris",
            "/admin/appointments/hours",
            &[("boutique", "paris"), ("associate", &camille), ("hours", "someday")],
        )
        .await;
    assert!(bad.headers().get("location").and_then(|v| v.to_str().ok()).is_some_and(|l| l.contains("error=hours")));
    let set = associate
        .submit(
            "/admin/appointments?boutique=paris",
            "/admin/appointments/hours",
            &[("boutique", "paris"), ("associate", &camille), ("hours", "tue-sat 14:00-19:00")],
        )
        .await;
    assert_eq!(set.status(), 303);
    let (_, after) = get(&app, "/api/v1/boutiques/paris/slots?service=alteration").await;
    assert!(
        after["slots"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|s| s["boutique_time"].as_str().is_some_and(|t| &t[11..] >= "14:00")),
        "only afternoons with Camille: {after}"
    );
    assert!(
        !after["slots"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|s| s["boutique_time"].as_str().is_some_and(|t| t.starts_with(&next_day))),
        "no time with Camille on {next_day}"
    );
    app.stop().await;
}

/// A house sets up its own boutiques, services and associates from a file: every mistake is
/// named and nothing written; then the booking page offers the new boutique at once, and the
/// same file again changes nothing.
async fn a_house_sets_up_its_boutiques_from_a_file(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let file = app.data_dir.join("boutiques.toml");
    let run = |args: &[&str]| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_luxevault"));
        command.args(args).arg("--data-dir").arg(&app.data_dir).env_remove("LUXEVAULT_DATABASE_URL");
        if !app.database_url.is_empty() {
            command.arg("--database-url").arg(&app.database_url);
        }
        command.output().unwrap_or_else(|e| panic!("{e}"))
    };
    let text = r#"
[[boutique]]
slug = "tokyo"
name = "Maison Élégance Ginza"
address = "6-10-1 Ginza, Chūō, Tokyo"
time_zone = "Asia/Tokyo"
hours = "mon-sat 11:00-20:00"
closed = ["2027-01-01"]

[[service]]
slug = "kimono-fitting"
names = { en = "Kimono fitting", fr = "Essayage de kimono" }
duration_minutes = 90

[[associate]]
boutique = "tokyo"
name = "Aoi"
services = ["kimono-fitting"]
"#;
    std::fs::write(&file, text.replace("Asia/Tokyo", "Asia/Atlantis").replace("= 90", "= 50"))
        .unwrap_or_else(|e| panic!("{e}"));
    let refused = run(&["boutiques", "set", &file.to_string_lossy()]);
    let said = String::from_utf8_lossy(&refused.stderr).to_string();
    assert!(!refused.status.success());
    assert!(said.contains("Asia/Atlantis") && said.contains("quarter hours"), "every mistake named: {said}");
    assert_eq!(get(&app, "/api/v1/boutiques").await.1.as_array().map(Vec::len), Some(1), "nothing written");

    std::fs::write(&file, text).unwrap_or_else(|e| panic!("{e}"));
    for _ in 0..2 {
        let set = run(&["boutiques", "set", &file.to_string_lossy()]);
        assert!(set.status.success(), "{}", String::from_utf8_lossy(&set.stderr));
    }
    let (_, boutiques) = get(&app, "/api/v1/boutiques?lang=fr").await;
    let tokyo = boutiques.as_array().into_iter().flatten().find(|b| b["slug"] == "tokyo").cloned().unwrap_or_default();
    assert_eq!(tokyo["services"][0]["name"], "Essayage de kimono", "{boutiques}");
    app.clock.advance_days(7);
    let (status, slots) = get(&app, "/api/v1/boutiques/tokyo/slots?service=kimono-fitting&tz=Europe/Paris").await;
    assert_eq!(status, 200, "{slots}");
    assert_eq!(slots["slots"][0]["boutique_time"].as_str().map(|t| &t[11..]), Some("11:00"), "{slots}");
    let shown = run(&["boutiques", "show"]);
    let shown = String::from_utf8_lossy(&shown.stdout).to_string();
    assert!(shown.contains("slug = \"tokyo\"") && shown.contains("name = \"Aoi\""), "{shown}");
    let setup = luxevault_storage::Appointments::setup(&app.db).await.unwrap_or_default();
    assert_eq!(setup.associates.iter().filter(|a| a.name == "Aoi").count(), 1, "the same file twice: one Aoi");
    app.stop().await;
}

backend_tests!(
    a_house_sets_up_its_boutiques_from_a_file,
    the_calendar_shows_the_day_records_outcomes_and_absences,
    slots_read_right_in_both_zones_across_a_change_of_clocks,
    twenty_clients_asking_for_one_slot_get_one_confirmation,
    the_link_shows_moves_and_cancels_and_the_invitation_reads,
    bookings_need_a_name_a_contact_and_an_offered_time,
    an_appointment_is_in_the_access_copy_and_goes_with_the_erasure,
);
