//! Marketing email only with opt-in consent (P22): a campaign is queued to customers whose
//! consent ledger says yes, and each email is checked again when sent, so a consent withdrawn
//! meanwhile stops it. Erased customers, and those who restricted their data or objected to
//! marketing, get nothing (their cases: restriction.rs).

use serde_json::json;

use crate::restriction::{ADMIN, call, register, spawn};
use crate::support::{Backend, TestApp};

async fn campaign(app: &TestApp, subject: &str) -> (u16, serde_json::Value) {
    call(
        app,
        reqwest::Method::POST,
        "/api/v1/admin/marketing/campaigns",
        ADMIN,
        Some(json!({"subject": subject, "body": "Les nouvelles pièces de la maison vous attendent en boutique."})),
    )
    .await
}

async fn marketing_goes_only_to_those_who_consent_when_it_is_sent(backend: Backend) {
    let app = spawn(backend).await;
    register(&app, "abonnee", true).await;
    register(&app, "discrete", false).await;
    let changes_mind = register(&app, "hesitante", true).await;
    let withdrew = register(&app, "partie", true).await;
    let (status, _) = call(
        &app,
        reqwest::Method::POST,
        "/api/v1/account/consents",
        &withdrew,
        Some(json!({"purpose": "marketing", "granted": false, "source": "/account"})),
    )
    .await;
    assert_eq!(status, 201);
    let erased = register(&app, "effacee", true).await;
    let (status, _) = call(
        &app,
        reqwest::Method::POST,
        "/api/v1/account/erase",
        &erased,
        Some(json!({"password": "la soie du matin à Paris"})),
    )
    .await;
    assert_eq!(status, 200);

    let (status, queued) = campaign(&app, "La collection d'hiver").await;
    assert_eq!((status, queued["queued"].as_i64()), (201, Some(2)), "abonnee and hesitante: {queued}");
    // hesitante withdraws before the queue runs: the email is checked again as it is sent.
    let (status, _) = call(
        &app,
        reqwest::Method::POST,
        "/api/v1/account/consents",
        &changes_mind,
        Some(json!({"purpose": "marketing", "granted": false, "source": "/account"})),
    )
    .await;
    assert_eq!(status, 201);
    app.run_jobs().await;
    let sent: Vec<String> = app.outbox().into_iter().filter(|m| m.contains("Subject: La collection d'hiver")).collect();
    assert_eq!(sent.len(), 1, "one email sent");
    assert!(sent[0].contains("To: abonnee@example.test"), "{}", sent[0]);
    assert!(sent[0].contains("/account"), "it says how to withdraw");

    for (body, code) in [
        (json!({"subject": "", "body": "x"}), "invalid_subject"),
        (json!({"subject": "Deux\nlignes", "body": "x"}), "invalid_subject"),
        (json!({"subject": "Bonjour", "body": "  "}), "invalid_body"),
    ] {
        let (status, answer) =
            call(&app, reqwest::Method::POST, "/api/v1/admin/marketing/campaigns", ADMIN, Some(body)).await;
        assert_eq!((status, answer["error"]["code"].as_str()), (422, Some(code)));
    }
    let (status, _) = call(
        &app,
        reqwest::Method::POST,
        "/api/v1/admin/marketing/campaigns",
        "not-the-admin-token-at-all-0000000000",
        Some(json!({"subject": "x", "body": "y"})),
    )
    .await;
    assert_eq!(status, 401, "staff only");
    app.stop().await;
}

async fn one_click_unsubscribe_withdraws_consent_without_signing_in(backend: Backend) {
    let app = spawn(backend).await;
    register(&app, "abonnee", true).await;
    let (status, _) = campaign(&app, "Les soieries").await;
    assert_eq!(status, 201);
    app.run_jobs().await;
    let mail = app.outbox().into_iter().find(|m| m.contains("Subject: Les soieries")).unwrap_or_default();
    // RFC 8058: the header pair mail clients act on, with an address that names no one.
    let header = mail.lines().find(|l| l.starts_with("List-Unsubscribe: ")).unwrap_or_default();
    assert!(mail.lines().any(|l| l == "List-Unsubscribe-Post: List-Unsubscribe=One-Click"), "{mail}");
    let url = header.trim_start_matches("List-Unsubscribe: <").trim_end_matches('>').to_string();
    let path = url.split_once("/unsubscribe/").map(|(_, t)| format!("/unsubscribe/{t}")).unwrap_or_default();
    assert_eq!(path.len(), "/unsubscribe/".len() + luxevault_shop::marketing::TOKEN_CHARS, "{header}");
    let id = customer_id(&app).await;
    assert!(!path.contains(&id.simple().to_string()), "the account's id is sealed, not shown: {path}");
    assert!(!url.contains("abonnee") && !url.contains('@'), "no personal data in the address: {url}");

    // Following the link only asks; link scanners change nothing.
    let page = app.get(&path).await;
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().await.unwrap_or_default().contains("method=\"post\""));
    assert_eq!(marketing_consent(&app).await, Some(true), "a GET never unsubscribes");
    // The mail client's one click: no sign-in, idempotent, recorded in the ledger.
    for _ in 0..2 {
        let response = app
            .client
            .post(app.url(&path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("List-Unsubscribe=One-Click")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(response.status().as_u16(), 200);
    }
    assert_eq!(marketing_consent(&app).await, Some(false));
    let records = withdrawals(&app).await;
    assert_eq!(records, 1, "one withdrawal recorded, however often the link is used");
    // The next campaign does not reach them.
    let (_, queued) = campaign(&app, "Les cachemires").await;
    assert_eq!(queued["queued"].as_i64(), Some(0));
    // A forged or damaged link is refused and changes nothing.
    let mut forged = path.clone();
    forged.replace_range(forged.len() - 1.., if path.ends_with('0') { "1" } else { "0" });
    let response = app.client.post(app.url(&forged)).send().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status().as_u16(), 404);
    app.stop().await;
}

async fn customer_id(app: &TestApp) -> uuid::Uuid {
    let email = luxevault_core::Email::parse("abonnee@example.test").unwrap_or_else(|e| panic!("{e:?}"));
    luxevault_storage::Accounts::by_email(&app.db, &email).await.ok().flatten().map(|a| a.id).unwrap_or_default()
}

async fn marketing_consent(app: &TestApp) -> Option<bool> {
    let id = customer_id(app).await;
    luxevault_storage::Consents::is_granted(&app.db, id, "marketing").await.ok()
}

async fn withdrawals(app: &TestApp) -> usize {
    let id = customer_id(app).await;
    let records = luxevault_storage::Consents::of_customer(&app.db, id).await.unwrap_or_default();
    records.iter().filter(|r| !r.granted && r.method == "one_click" && r.source == "/unsubscribe").count()
}

backend_tests!(
    one_click_unsubscribe_withdraws_consent_without_signing_in,
    marketing_goes_only_to_those_who_consent_when_it_is_sent
);
