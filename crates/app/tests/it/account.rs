//! Customer accounts: Argon2id hashes (P3), bearer sessions kept only as hashes, no enumeration,
//! throttled guessing, revocation, single-use reset links.

use serde_json::{Value, json};

use crate::support::{Backend, TestApp};

const PASSWORD: &str = "la soie du matin, à Paris";

async fn register(app: &TestApp, username: &str, email: &str) -> String {
    let (status, body) = app
        .post_json(
            "/api/v1/account/register",
            &json!({"username": username, "email": email, "password": PASSWORD, "lang": "fr"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body["token"].as_str().unwrap_or_default().to_string()
}

async fn with_token(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap_or_else(|e| panic!("{path}: {e}"));
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn passwords_are_hashed_and_tokens_never_stored(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = register(&app, "jeanne.d", "Jeanne@Example.fr").await;
    assert_eq!(token.len(), 64);
    let (status, me) = with_token(&app, reqwest::Method::GET, "/api/v1/account", &token, None).await;
    assert_eq!((status, me["username"].as_str(), me["lang"].as_str()), (200, Some("jeanne.d"), Some("fr")));
    // P3: the database holds an Argon2id hash, never the password; sessions hold token hashes.
    let dump = crate::support::dump_text(&app.db).await;
    assert!(!dump.contains(PASSWORD), "the password is stored somewhere in clear");
    assert!(!dump.contains(&token), "a session token is stored in clear");
    assert!(dump.contains("$argon2id$"), "Argon2id hash stored");
    app.stop().await;
}

async fn sign_in_does_not_reveal_accounts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    register(&app, "camille", "camille@example.fr").await;
    let (s1, b1) = app
        .post_json("/api/v1/account/login", &json!({"email": "camille@example.fr", "password": "not the password"}))
        .await;
    let (s2, b2) = app
        .post_json("/api/v1/account/login", &json!({"email": "nobody@example.fr", "password": "not the password"}))
        .await;
    assert_eq!((s1, s2), (401, 401));
    assert_eq!(b1, b2, "same answer for a known and an unknown email");
    let (status, body) =
        app.post_json("/api/v1/account/login", &json!({"email": "CAMILLE@example.fr", "password": PASSWORD})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["account"]["username"], "camille");
    let (s1, b1) = app.post_json("/api/v1/account/password-reset", &json!({"email": "camille@example.fr"})).await;
    let (s2, b2) = app.post_json("/api/v1/account/password-reset", &json!({"email": "nobody@example.fr"})).await;
    assert_eq!((s1, s2), (202, 202));
    assert_eq!(b1, b2, "same answer to a reset request either way");
    app.stop().await;
}

async fn guessing_is_throttled(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    register(&app, "louise", "louise@example.fr").await;
    for _ in 0..5 {
        let (status, _) = app
            .post_json("/api/v1/account/login", &json!({"email": "louise@example.fr", "password": "wrong wrong wrong"}))
            .await;
        assert_eq!(status, 401);
    }
    let (status, body) =
        app.post_json("/api/v1/account/login", &json!({"email": "louise@example.fr", "password": PASSWORD})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (429, Some("too_many_attempts")),
        "even the right password waits"
    );
    app.clock.advance_minutes(16);
    let (status, _) =
        app.post_json("/api/v1/account/login", &json!({"email": "louise@example.fr", "password": PASSWORD})).await;
    assert_eq!(status, 200, "the block lifts");
    app.stop().await;
}

async fn logout_and_password_change_revoke_sessions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let first = register(&app, "margaux", "margaux@example.fr").await;
    let (_, second) =
        app.post_json("/api/v1/account/login", &json!({"email": "margaux@example.fr", "password": PASSWORD})).await;
    let second = second["token"].as_str().unwrap_or_default().to_string();
    let (status, _) = with_token(&app, reqwest::Method::POST, "/api/v1/account/logout", &first, None).await;
    assert_eq!(status, 204);
    assert_eq!(with_token(&app, reqwest::Method::GET, "/api/v1/account", &first, None).await.0, 401, "logged out");
    assert_eq!(
        with_token(&app, reqwest::Method::GET, "/api/v1/account", &second, None).await.0,
        200,
        "other device unaffected"
    );
    let new_password = "un autre mot de passe, plus long";
    let (status, changed) = with_token(
        &app,
        reqwest::Method::POST,
        "/api/v1/account/password",
        &second,
        Some(json!({"current_password": PASSWORD, "new_password": new_password})),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(
        with_token(&app, reqwest::Method::GET, "/api/v1/account", &second, None).await.0,
        401,
        "old sessions end"
    );
    let third = changed["token"].as_str().unwrap_or_default().to_string();
    assert_eq!(with_token(&app, reqwest::Method::GET, "/api/v1/account", &third, None).await.0, 200);
    let (status, _) = with_token(&app, reqwest::Method::POST, "/api/v1/account/logout-everywhere", &third, None).await;
    assert_eq!(status, 204);
    assert_eq!(with_token(&app, reqwest::Method::GET, "/api/v1/account", &third, None).await.0, 401);
    // A malformed or forged token is refused, never a 500.
    for token in ["x", &"0".repeat(64), "../../etc/passwd"] {
        assert_eq!(with_token(&app, reqwest::Method::GET, "/api/v1/account", token, None).await.0, 401);
    }
    app.stop().await;
}

async fn sessions_expire(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = register(&app, "ines", "ines@example.fr").await;
    app.clock.advance_days(29);
    assert_eq!(
        with_token(&app, reqwest::Method::GET, "/api/v1/account", &token, None).await.0,
        200,
        "used within the idle limit"
    );
    app.clock.advance_days(31);
    assert_eq!(
        with_token(&app, reqwest::Method::GET, "/api/v1/account", &token, None).await.0,
        401,
        "idle for 31 days"
    );
    app.stop().await;
}

async fn reset_links_work_once_and_expire(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    register(&app, "helene", "helene@example.fr").await;
    let (status, _) = app.post_json("/api/v1/account/password-reset", &json!({"email": "helene@example.fr"})).await;
    assert_eq!(status, 202);
    let token = crate::support::queued_reset_token(&app.db).await;
    let new_password = "une nouvelle saison commence";
    let (status, body) = app
        .post_json("/api/v1/account/password-reset/confirm", &json!({"token": token, "new_password": new_password}))
        .await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = app
        .post_json("/api/v1/account/password-reset/confirm", &json!({"token": token, "new_password": new_password}))
        .await;
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_token")), "single use");
    let (status, _) =
        app.post_json("/api/v1/account/login", &json!({"email": "helene@example.fr", "password": new_password})).await;
    assert_eq!(status, 200);
    // A link older than an hour is refused.
    app.post_json("/api/v1/account/password-reset", &json!({"email": "helene@example.fr"})).await;
    let token = crate::support::queued_reset_token(&app.db).await;
    app.clock.advance_minutes(61);
    let (status, _) = app
        .post_json(
            "/api/v1/account/password-reset/confirm",
            &json!({"token": token, "new_password": "encore un autre mot"}),
        )
        .await;
    assert_eq!(status, 400);
    app.stop().await;
}

async fn registration_checks_its_fields(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (body, code) in [
        (json!({"username": "ab", "email": "a@b.co", "password": PASSWORD}), "invalid_username"),
        (json!({"username": "abc", "email": "nope", "password": PASSWORD}), "invalid_email"),
        (json!({"username": "abc", "email": "a@b.co", "password": "short"}), "weak_password"),
        (json!({"username": "abc", "email": "a@b.co", "password": "password1234"}), "weak_password"),
    ] {
        let (status, answer) = app.post_json("/api/v1/account/register", &body).await;
        assert_eq!((status, answer["error"]["code"].as_str()), (422, Some(code)), "{body}");
        assert!(!answer.to_string().contains("password1234"), "the password is not echoed");
    }
    let (status, _) = app
        .post_json(
            "/api/v1/account/register",
            &json!({"username": "abc", "email": "a@b.co", "password": PASSWORD, "birthday": "x"}),
        )
        .await;
    assert_eq!(status, 422, "no field beyond the policy's account data (P3)");
    register(&app, "zoe", "zoe@example.fr").await;
    let (status, body) = app
        .post_json(
            "/api/v1/account/register",
            &json!({"username": "ZOE", "email": "other@example.fr", "password": PASSWORD}),
        )
        .await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("username_taken")));
    app.stop().await;
}

async fn parallel_guesses_do_not_outrun_the_limit(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    register(&app, "oceane", "oceane@example.fr").await;
    let mut guesses = tokio::task::JoinSet::new();
    for i in 0..20 {
        let body = json!({"email": "oceane@example.fr", "password": format!("wrong guess number {i}")});
        let request = app.client.post(app.url("/api/v1/account/login")).json(&body);
        guesses.spawn(async move { request.send().await.map(|r| r.status().as_u16()).unwrap_or(0) });
    }
    let statuses: Vec<u16> = guesses.join_all().await;
    let checked = statuses.iter().filter(|s| **s == 401).count();
    assert!(checked <= 5, "at most 5 guesses were checked, not {checked}: {statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 20 - checked, "{statuses:?}");
    app.stop().await;
}

async fn a_rejected_new_password_keeps_the_reset_link(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    register(&app, "agathe", "agathe@example.fr").await;
    app.post_json("/api/v1/account/password-reset", &json!({"email": "agathe@example.fr"})).await;
    let token = crate::support::queued_reset_token(&app.db).await;
    let (status, _) = app
        .post_json(
            "/api/v1/account/password-reset/confirm",
            &json!({"token": token, "new_password": "agathe-was-here-2026"}),
        )
        .await;
    assert_eq!(status, 422, "a password containing the username is refused");
    let (status, _) = app
        .post_json(
            "/api/v1/account/password-reset/confirm",
            &json!({"token": token, "new_password": "un jardin sous la pluie"}),
        )
        .await;
    assert_eq!(status, 204, "the link still works");
    app.stop().await;
}

backend_tests!(
    parallel_guesses_do_not_outrun_the_limit,
    a_rejected_new_password_keeps_the_reset_link,
    passwords_are_hashed_and_tokens_never_stored,
    sign_in_does_not_reveal_accounts,
    guessing_is_throttled,
    logout_and_password_change_revoke_sessions,
    sessions_expire,
    reset_links_work_once_and_expire,
    registration_checks_its_fields,
);
