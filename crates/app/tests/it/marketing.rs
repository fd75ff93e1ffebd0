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

backend_tests!(marketing_goes_only_to_those_who_consent_when_it_is_sent);
