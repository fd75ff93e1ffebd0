//! The customer's rights over their data, after a fresh proof of identity: a complete copy in a
//! machine-readable document (access, portability) and erasure that keeps only what the law
//! requires and says so (P16, M10).

use serde_json::{Value, json};

use crate::support::{Backend, TestApp, pick};

const PASSWORD: &str = "la soie du matin à Paris";
const ADMIN: &str = "an-admin-token-of-at-least-32-characters";
const EMAIL: &str = "rights-canary-7f3a@example.test";

async fn signed_in(app: &TestApp) -> String {
    let body = json!({"username": "titulaire", "email": EMAIL, "password": PASSWORD, "marketing_opt_in": true});
    let (status, answer) = app.post_json("/api/v1/account/register", &body).await;
    assert_eq!(status, 201, "{answer}");
    answer["token"].as_str().unwrap_or_default().to_string()
}

async fn post(app: &TestApp, path: &str, token: &str, body: Value) -> reqwest::Response {
    app.client.post(app.url(path)).bearer_auth(token).json(&body).send().await.unwrap_or_else(|e| panic!("{e}"))
}

async fn order(app: &TestApp, token: &str, key: &str, sku: &str) -> Value {
    let contact = json!({
        "name": "Titulaire Canari", "email": EMAIL, "phone": "+33 6 11 22 33 44",
        "address_line1": "9 quai Voltaire", "address_line2": "", "city": "Paris", "postcode": "75007", "country": "FR"
    });
    let response = app
        .client
        .post(app.url("/api/v1/orders"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&json!({"currency": "EUR", "lines": [{"sku": sku, "quantity": 1}], "contact": contact}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status().as_u16(), 201);
    response.json().await.unwrap_or(Value::Null)
}

async fn pay(app: &TestApp, placed: &Value) {
    let redirect = placed["payment"]["redirect_url"].as_str().unwrap_or_default();
    let key = redirect.split("key=").nth(1).unwrap_or_default();
    let form = [("key", key)];
    let response = app.client.post(app.url(redirect.split('#').next().unwrap_or_default())).form(&form).send().await;
    assert_eq!(response.map(|r| r.status().as_u16()).unwrap_or(0), 303);
}

async fn a_customer_gets_a_copy_of_everything(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = signed_in(&app).await;
    let catalog = app.catalog().await;
    let (_, variant) = pick::in_stock_variant(&catalog, 1);
    let placed = order(&app, &token, "rights-export-0001-abc", &variant.sku).await;
    let wrong = post(&app, "/api/v1/account/export", &token, json!({"password": "not my password at all"})).await;
    assert_eq!(wrong.status().as_u16(), 401, "a fresh proof of identity first");
    let response = post(&app, "/api/v1/account/export", &token, json!({"password": PASSWORD})).await;
    assert_eq!(response.status().as_u16(), 200);
    let header =
        |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let disposition = header("content-disposition");
    assert_eq!(disposition, "attachment; filename=\"my-data.zip\"");
    assert_eq!(header("content-type"), "application/zip");
    let bytes = response.bytes().await.unwrap_or_default();
    let archive = crate::support::unzip(&bytes);
    assert_eq!(
        archive.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "alterations.csv",
            "consents.csv",
            "data.json",
            "index.html",
            "order_events.csv",
            "order_lines.csv",
            "orders.csv",
            "requests.csv",
            "sizing_profile.csv"
        ],
    );
    let text = archive["data.json"].clone();
    let document: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    assert_eq!(document["data"]["account"]["email"], EMAIL);
    assert_eq!(document["data"]["orders"][0]["number"], placed["order"]["number"]);
    assert_eq!(document["data"]["orders"][0]["contact"]["address_line1"], "9 quai Voltaire");
    // Portable: amounts as decimal numbers with their currency, beside the formatted text.
    let order = &document["data"]["orders"][0];
    let total = order["total_amount"].as_str().unwrap_or_default();
    assert!(total.parse::<f64>().is_ok_and(|t| t > 0.0) && order["currency"].is_string(), "{order}");
    assert!(order["lines"][0]["unit_amount"].as_str().is_some_and(|a| a.parse::<f64>().is_ok()), "{order}");
    assert_eq!(document["data"]["consents"][0]["purpose"], "marketing");
    assert!(document["data"]["sessions"].as_array().is_some_and(|s| !s.is_empty()));
    for part in ["purposes", "recipients", "retention", "categories", "rights"] {
        assert!(
            document["about_this_data"][part].is_array() || document["about_this_data"][part].is_object(),
            "Art. 15: {part}"
        );
    }
    let number = placed["order"]["number"].as_str().unwrap_or("?");
    let orders_csv = &archive["orders.csv"];
    assert!(orders_csv.starts_with("number,status,placed_at,"), "{orders_csv}");
    assert!(orders_csv.lines().nth(1).is_some_and(|l| l.starts_with(number) && l.contains("9 quai Voltaire")));
    assert!(archive["order_lines.csv"].contains(&variant.sku));
    assert!(archive["order_events.csv"].lines().count() >= 2, "{}", archive["order_events.csv"]);
    assert!(archive["consents.csv"].lines().nth(1).is_some_and(|l| l.starts_with("marketing,true,")));
    // The readable page: the Art. 15 information, in plain HTML.
    let page = &archive["index.html"];
    for expected in [
        "<html lang=\"en\">",
        "Legitimate interests",
        "Stripe",
        "Shipping carriers",
        "2557 days",
        "From you",
        "orders.csv",
    ] {
        assert!(page.contains(expected), "index.html lacks {expected}");
    }
    assert!(!page.contains("<script") && !page.contains("http://") && !page.contains("https://"), "self-contained");
    for entry in archive.values() {
        assert!(!entry.contains("$argon2id$") && !entry.contains(&token), "no credential in the copy");
    }
    app.stop().await;
}

async fn erasure_keeps_only_what_the_law_requires(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.admin_token = luxevault::config::Secret::new(ADMIN)).await;
    let token = signed_in(&app).await;
    let catalog = app.catalog().await;
    let skus: Vec<String> = catalog
        .products
        .iter()
        .flat_map(|p| &p.variants)
        .filter(|v| v.stock >= 1)
        .take(3)
        .map(|v| v.sku.clone())
        .collect();
    let unpaid = order(&app, &token, "rights-erase-0001-abc", &skus[0]).await;
    let on_its_way = order(&app, &token, "rights-erase-0002-abc", &skus[1]).await;
    pay(&app, &on_its_way).await;
    let done = order(&app, &token, "rights-erase-0003-abc", &skus[2]).await;
    pay(&app, &done).await;
    app.run_jobs().await;
    let staff = |id: Value, action: &'static str| {
        let request = app
            .client
            .post(app.url(&format!("/api/v1/admin/orders/{}/{action}", id.as_str().unwrap_or_default())))
            .bearer_auth(ADMIN)
            .json(&json!({"reason": "delivered"}));
        async move { request.send().await.map(|r| r.status().as_u16()).unwrap_or(0) }
    };
    assert_eq!(staff(done["order"]["id"].clone(), "fulfil").await, 200);

    let response = post(&app, "/api/v1/account/erase", &token, json!({"password": PASSWORD})).await;
    assert_eq!(response.status().as_u16(), 200);
    let outcome: Value = response.json().await.unwrap_or(Value::Null);
    let kept = outcome["kept"].to_string();
    assert!(kept.contains("accounting and tax law"), "the person is told what is kept and why: {outcome}");
    assert!(
        kept.contains(on_its_way["order"]["number"].as_str().unwrap_or("?")),
        "the order on its way is named: {outcome}"
    );
    // Art. 19: the recipients that received the data are told, and the person is told which.
    let notified: Vec<(&str, &str)> = outcome["notified"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|n| (n["recipient"].as_str().unwrap_or("?"), n["method"].as_str().unwrap_or("?")))
        .collect();
    assert!(notified.contains(&("carriers", "no_contact")), "the delivered order went to a carrier: {outcome}");
    assert!(notified.contains(&("email_service", "no_contact")) && notified.contains(&("cloud_host", "in_place")));
    let request = uuid::Uuid::parse_str(outcome["request_id"].as_str().unwrap_or_default()).unwrap_or_default();
    let notices = luxevault_storage::Limits::notices(&app.db, request).await.unwrap_or_default();
    assert_eq!(notices.len(), notified.len(), "each notice is recorded");
    let carrier = notices.iter().find(|n| n.recipient == "carriers").map(|n| n.reference.clone()).unwrap_or_default();
    assert_eq!(
        carrier,
        format!("order {}", done["order"]["number"].as_str().unwrap_or("?")),
        "only the delivered order"
    );

    let (status, _) = app.post_json("/api/v1/account/login", &json!({"email": EMAIL, "password": PASSWORD})).await;
    assert_eq!(status, 401, "the account is gone");
    let row = |placed: &Value| {
        let id = uuid::Uuid::parse_str(placed["order"]["id"].as_str().unwrap_or_default()).unwrap_or_default();
        let db = app.db.clone();
        async move { luxevault_storage::Orders::by_id(&db, id).await.ok().flatten().unwrap_or_else(|| panic!("order kept")) }
    };
    let unpaid_row = row(&unpaid).await;
    assert_eq!(
        (unpaid_row.status.as_str(), unpaid_row.email.expose().as_str()),
        ("cancelled", ""),
        "unpaid: cancelled and anonymised"
    );
    assert_eq!(row(&done).await.email.expose(), "", "delivered: anonymised");
    let travelling = row(&on_its_way).await;
    assert_eq!(travelling.email.expose(), EMAIL, "on its way: the address is still needed");
    assert!(travelling.total_minor > 0);

    // Once delivered, the daily retention run removes the rest.
    assert_eq!(staff(on_its_way["order"]["id"].clone(), "fulfil").await, 200);
    let policy = luxevault_core::policy::Policy::parse(include_str!("../../policy/default.toml"), &["en", "fr"])
        .unwrap_or_else(|e| panic!("{e}"));
    let now = luxevault_core::Clock::now(&app.clock);
    luxevault_shop::privacy::retention::apply(&app.db, &policy, now, now, false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(row(&on_its_way).await.email.expose(), "");
    let dump = crate::support::dump_text(&app.db).await;
    for trace in [EMAIL, "Titulaire Canari", "9 quai Voltaire", "titulaire"] {
        assert!(!dump.contains(trace), "{trace} is still stored after erasure");
    }
    app.stop().await;
}

async fn details_are_corrected_after_the_password(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = signed_in(&app).await;
    let (_, other) = app
        .post_json(
            "/api/v1/account/register",
            &json!({"username": "autre", "email": "autre@example.test", "password": PASSWORD}),
        )
        .await;
    assert!(other["token"].is_string());
    let change = |body: Value| post(&app, "/api/v1/account/details", &token, body);
    assert_eq!(
        change(json!({"password": "wrong password here", "email": "new@example.test"})).await.status().as_u16(),
        401
    );
    let taken = change(json!({"password": PASSWORD, "email": "AUTRE@example.test"})).await;
    assert_eq!(taken.status().as_u16(), 409);
    let taken = change(json!({"password": PASSWORD, "username": "Autre"})).await;
    assert_eq!(taken.status().as_u16(), 409);
    let fixed = change(json!({"password": PASSWORD, "email": "corrigee@example.test", "lang": "fr"})).await;
    assert_eq!(fixed.status().as_u16(), 200);
    let body: Value = fixed.json().await.unwrap_or(Value::Null);
    assert_eq!(
        (body["email"].as_str(), body["lang"].as_str(), body["username"].as_str()),
        (Some("corrigee@example.test"), Some("fr"), Some("titulaire"))
    );
    let (status, _) =
        app.post_json("/api/v1/account/login", &json!({"email": "corrigee@example.test", "password": PASSWORD})).await;
    assert_eq!(status, 200, "signs in with the corrected address");
    let same = change(json!({"password": PASSWORD, "username": "TITULAIRE"})).await;
    assert_eq!(same.status().as_u16(), 200, "changing only the case of one's own username is allowed");
    // Art. 19: each correction is recorded as a rectification, with the recipients told.
    let mine: Value = app
        .client
        .get(app.url("/api/v1/account/requests"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or(Value::Null);
    let rectifications: Vec<&Value> =
        mine["requests"].as_array().into_iter().flatten().filter(|r| r["kind"] == "rectification").collect();
    assert_eq!(rectifications.len(), 2, "the address, then the username: {mine}");
    assert!(rectifications.iter().all(|r| r["status"] == "completed"
        && r["outcome"].as_str().is_some_and(|o| o.contains("email_service") && o.contains("cloud_host"))));
    app.stop().await;
}

/// Every file under the data folder, by path, as bytes (the SQLite file and its log included).
fn files_under(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                out.push((path, bytes));
            }
        }
    }
    out
}

fn holds(bytes: &[u8], needle: &str) -> bool {
    bytes.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

async fn erasure_leaves_no_canary_in_any_file(backend: Backend) {
    const EMAIL: &str = "canary-q7x2@example.test";
    const USERNAME: &str = "canaryq7x2user";
    const NAME: &str = "Zqx7name Canari";
    const PHONE: &str = "+33 6 47 19 83 26";
    const LINE1: &str = "31 rue Zqx7street";
    const LINE2: &str = "Zqx7floor";
    const CITY: &str = "Zqx7city";
    const REASON: &str = "Zqx7reason: Mme Zqx7name asked";
    let app = TestApp::spawn_with(backend, |c| c.admin_token = luxevault::config::Secret::new(ADMIN)).await;
    let body = json!({"username": USERNAME, "email": EMAIL, "password": PASSWORD, "marketing_opt_in": true});
    let (status, answer) = app.post_json("/api/v1/account/register", &body).await;
    assert_eq!(status, 201, "{answer}");
    let token = answer["token"].as_str().unwrap_or_default().to_string();
    let catalog = app.catalog().await;
    let skus: Vec<String> = catalog
        .products
        .iter()
        .flat_map(|p| &p.variants)
        .filter(|v| v.stock >= 1)
        .take(2)
        .map(|v| v.sku.clone())
        .collect();
    let contact = json!({"name": NAME, "email": EMAIL, "phone": PHONE, "address_line1": LINE1,
                         "address_line2": LINE2, "city": CITY, "postcode": "75007", "country": "FR"});
    let mut placed = Vec::new();
    for (i, sku) in skus.iter().enumerate() {
        let response = app
            .client
            .post(app.url("/api/v1/orders"))
            .bearer_auth(&token)
            .header("Idempotency-Key", format!("canary-order-{i}-abcdef"))
            .json(&json!({"currency": "EUR", "lines": [{"sku": sku, "quantity": 1}], "contact": contact}))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(response.status().as_u16(), 201);
        placed.push(response.json::<Value>().await.unwrap_or(Value::Null));
    }
    // The first is paid (its emails written to the outbox), then refunded by staff, who write
    // the person's name in the reason as staff do.
    pay(&app, &placed[0]).await;
    app.run_jobs().await;
    let id = placed[0]["order"]["id"].as_str().unwrap_or_default().to_string();
    let refund = app
        .client
        .post(app.url(&format!("/api/v1/admin/orders/{id}/refund")))
        .bearer_auth(ADMIN)
        .json(&json!({"reason": REASON}))
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0);
    assert_eq!(refund, 200);
    let outbox = app.outbox().join("\n");
    assert!(outbox.contains(EMAIL) && outbox.contains(NAME), "the outbox held the person's messages");
    // The refund email is still queued, and the second order is unpaid, when the person asks.
    let queued = |db: luxevault_storage::Db, order: String| async move {
        let payloads: Vec<String> =
            luxevault_storage::on_db!(&db, pool => sqlx::query_scalar("SELECT payload FROM jobs")
            .fetch_all(pool)
            .await)
            .unwrap_or_default();
        payloads.iter().filter(|p| p.contains(&order)).count()
    };
    assert!(queued(app.db.clone(), id.clone()).await > 0, "an email about the order is queued");

    let response = post(&app, "/api/v1/account/erase", &token, json!({"password": PASSWORD})).await;
    assert_eq!(response.status().as_u16(), 200);
    let outcome: Value = response.json().await.unwrap_or(Value::Null);
    let kept = outcome["kept"].to_string();
    assert!(kept.contains("accounting and tax law"), "what is kept and why: {outcome}");
    assert!(outcome["erased"].to_string().contains("emails"), "the mail copies are named: {outcome}");
    assert_eq!(queued(app.db.clone(), id.clone()).await, 0, "the queued email is not sent");
    app.run_jobs().await;

    let canaries = [EMAIL, USERNAME, NAME, PHONE, LINE1, LINE2, CITY, "Zqx7reason"];
    let mut found = Vec::new();
    for (path, bytes) in files_under(&app.data_dir) {
        for canary in canaries {
            if holds(&bytes, canary) {
                found.push(format!("{canary} in {}", path.display()));
            }
        }
    }
    let dump = crate::support::dump_text(&app.db).await;
    for canary in canaries {
        if holds(dump.as_bytes(), canary) {
            found.push(format!("{canary} in a table"));
        }
    }
    assert!(found.is_empty(), "personal data left after erasure:\n{}", found.join("\n"));
    // The refund's entry is still on the chain, its reason a reference to the cleared note, and
    // the chain verifies.
    let entries = luxevault_storage::AuditLog::page(&app.db, &Default::default(), i64::MAX, 1_000)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let refund = entries.iter().find(|e| e.action == "order.refund" && e.subject_id == id);
    assert_eq!(refund.and_then(|e| e.reason.as_deref()), Some(luxevault_storage::ERASED_NOTE), "{entries:?}");
    let verified = luxevault_shop::staff::audit_trail::verify(&app.db).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(verified.broken.is_none(), "{:?}", verified.broken);
    app.stop().await;
}

backend_tests!(
    erasure_leaves_no_canary_in_any_file,
    a_customer_gets_a_copy_of_everything,
    erasure_keeps_only_what_the_law_requires,
    details_are_corrected_after_the_password,
);
