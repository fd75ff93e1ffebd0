//! Careless and hostile clients (issue #11): guesses from elsewhere never lock the real person
//! out yet stay bounded; password checks beyond the verifiers' queue are answered 503 with
//! Retry-After; slow and idle sockets are closed while normal requests are answered; a client
//! that never finishes its headers cannot hold the shutdown.

use luxevault_core::staff::Role;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::staff_support::STAFF_PASSWORD;
use crate::support::{Backend, TestApp};

const PASSWORD: &str = "la soie du matin, à Paris";

/// A JSON POST from `client`, as a reverse proxy on this machine reports it.
async fn post_from(app: &TestApp, client: &str, path: &str, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .header("x-forwarded-for", client)
        .json(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {path}: {e}"))
}

async fn sign_in_from(app: &TestApp, client: &str, email: &str, password: &str) -> u16 {
    let body = json!({"email": email, "password": password});
    post_from(app, client, "/api/v1/account/login", &body).await.status().as_u16()
}

async fn register_from(app: &TestApp, client: &str, username: &str, email: &str) -> String {
    let body = json!({"username": username, "email": email, "password": PASSWORD});
    let response = post_from(app, client, "/api/v1/account/register", &body).await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap_or_default();
    body["token"].as_str().unwrap_or_default().to_string()
}

async fn guesses_from_elsewhere_never_lock_the_customer_out(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = "198.51.100.10";
    let token = register_from(&app, owner, "lucie", "lucie@example.fr").await;
    assert_eq!(sign_in_from(&app, owner, "lucie@example.fr", PASSWORD).await, 200);
    // Forty addresses guess three times each: 120 guesses at one account.
    let mut checked = 0;
    for n in 0..40 {
        for guess in 0..3 {
            let status =
                sign_in_from(&app, &format!("203.0.113.{n}"), "lucie@example.fr", &format!("guess {guess}")).await;
            assert!(status == 401 || status == 429, "{status}");
            checked += usize::from(status == 401);
        }
    }
    assert!(checked <= 10, "the attacker is slowed: {checked} of 120 guesses were checked");
    assert_eq!(sign_in_from(&app, owner, "lucie@example.fr", PASSWORD).await, 200, "the owner still signs in");
    // Signed in, she can still prove it is her: re-authentication has a budget of its own.
    let change = json!({"current_password": PASSWORD, "new_password": "un jardin sous la pluie"});
    let response = app
        .client
        .post(app.url("/api/v1/account/password"))
        .bearer_auth(&token)
        .json(&change)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status(), 200);
    // A new password starts the account's budget for new clients again.
    assert_eq!(sign_in_from(&app, "192.0.2.77", "lucie@example.fr", "un jardin sous la pluie").await, 200);
    app.stop().await;
}

async fn a_busy_shared_address_does_not_lock_out_those_it_knows(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // No X-Forwarded-For: every request shares one address, as behind a proxy nobody listed.
    let (status, _) = app
        .post_json(
            "/api/v1/account/register",
            &json!({"username": "ines", "email": "ines@example.fr", "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, 201);
    let mut refused = false;
    for n in 0..110 {
        let (status, _) = app
            .post_json("/api/v1/account/login", &json!({"email": format!("nobody{n}@example.fr"), "password": "guess"}))
            .await;
        refused |= status == 429;
    }
    assert!(refused, "credential stuffing from one address is refused");
    let (status, body) =
        app.post_json("/api/v1/account/login", &json!({"email": "ines@example.fr", "password": PASSWORD})).await;
    assert_eq!(status, 200, "a customer who signed in from there before still can: {body}");
    app.stop().await;
}

async fn guesses_from_elsewhere_never_lock_staff_out(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create_staff("iris", Role::Manager).await;
    let sign_in = |client: &'static str, password: &'static str| {
        let request = app
            .client
            .post(app.url("/admin/login"))
            .header("x-forwarded-for", client)
            .form(&[("username", "iris"), ("password", password)]);
        async move { request.send().await.map(|r| r.status().as_u16()).unwrap_or(0) }
    };
    assert_eq!(sign_in("198.51.100.20", STAFF_PASSWORD).await, 303);
    let attackers = ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4", "203.0.113.5"];
    let mut checked = 0;
    for attacker in attackers {
        for _ in 0..6 {
            let status = sign_in(attacker, "guess number one").await;
            assert!(status == 401 || status == 429, "{status}");
            checked += usize::from(status == 401);
        }
    }
    assert!(checked <= 10, "{checked} of 30 guesses were checked");
    assert_eq!(sign_in("198.51.100.20", STAFF_PASSWORD).await, 303, "the member still signs in");
    app.stop().await;
}

async fn a_full_hashing_queue_answers_503_with_retry_after(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| {
        config.password_verifiers = 1;
        config.password_queue = 0;
        config.password_queue_wait_seconds = 0;
    })
    .await;
    // Three loops keep the one verifier busy; sign-ins meanwhile find no room.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut busy = tokio::task::JoinSet::new();
    for _ in 0..3 {
        let (hashers, stop) = (app.shop.hashers().clone(), stop.clone());
        busy.spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                if hashers.verify("une phrase".into(), None).await.is_err() {
                    tokio::task::yield_now().await;
                }
            }
        });
    }
    let mut answer = None;
    for n in 0..100 {
        let body = json!({"email": format!("visitor{n}@example.fr"), "password": "guess"});
        let response = post_from(&app, &format!("192.0.2.{n}"), "/api/v1/account/login", &body).await;
        if response.status() == 503 {
            let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_string);
            let body: Value = response.json().await.unwrap_or_default();
            answer = Some((retry_after, body));
            break;
        }
        assert_eq!(response.status(), 401);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    busy.join_all().await;
    let (retry_after, body) = answer.unwrap_or_else(|| panic!("no sign-in met a full queue"));
    assert_eq!(retry_after.as_deref(), Some("5"));
    assert_eq!(body["error"]["code"], "busy", "{body}");
    app.stop().await;
}

/// Reads (and drops) whatever comes until the server closes the connection or resets it.
async fn until_closed(mut socket: TcpStream) {
    let mut buffer = [0u8; 512];
    while let Ok(1..) = socket.read(&mut buffer).await {}
}

async fn slow_and_idle_sockets_are_closed_while_the_shop_answers(backend: Backend) {
    // Each slow socket is two descriptors in this process: the test's end and the server's.
    let limit = rlimit::increase_nofile_limit(8192).unwrap_or(0);
    assert!(limit >= 4500, "this test needs 4,500 open files; the limit is {limit}");
    let app = TestApp::spawn_with(backend, |config| {
        config.header_read_timeout_seconds = 1;
        config.max_connections = 1500;
    })
    .await;
    let address = app.base.trim_start_matches("http://").to_string();
    let mut sockets = tokio::task::JoinSet::new();
    for n in 0..2000 {
        let socket = TcpStream::connect(&address).await.unwrap_or_else(|e| panic!("connect {n}: {e}"));
        sockets.spawn(async move {
            let mut socket = socket;
            match n % 4 {
                // Idle: says nothing.
                0 => {}
                // Partial headers, never finished.
                1 => {
                    let _ = socket.write_all(b"GET /healthz HTTP/1.1\r\nHost: shop\r\n").await;
                }
                // Drips its headers, a byte at a time.
                2 => {
                    for byte in b"GET /healthz HTTP/1.1\r\nHost: shop\r\nX-Slow: yes\r\n".iter() {
                        if socket.write_all(&[*byte]).await.is_err() {
                            break;
                        }
                        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                    }
                }
                // One request, then idle on the kept-alive connection.
                _ => {
                    let _ = socket.write_all(b"GET /healthz HTTP/1.1\r\nHost: shop\r\n\r\n").await;
                }
            }
            until_closed(socket).await;
        });
    }
    // Meanwhile the shop answers.
    for _ in 0..5 {
        let response = app.client.get(app.url("/healthz")).send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(response.status(), 200);
    }
    // Every slow socket is closed by the server (a guard, not a timing: it only stops a hang).
    let all_closed = tokio::time::timeout(std::time::Duration::from_secs(300), sockets.join_all()).await;
    let closed = all_closed.unwrap_or_else(|_| panic!("slow sockets were left open"));
    assert_eq!(closed.len(), 2000);
    let response = app.client.get(app.url("/healthz")).send().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status(), 200);
    app.stop().await;
}

async fn a_stuck_client_cannot_hold_the_shutdown(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| {
        config.header_read_timeout_seconds = 3600;
        config.shutdown_drain_seconds = 1;
    })
    .await;
    let address = app.base.trim_start_matches("http://").to_string();
    let mut stuck = TcpStream::connect(&address).await.unwrap_or_else(|e| panic!("{e}"));
    stuck.write_all(b"GET /healthz HTTP/1.1\r\nHost: shop\r\n").await.unwrap_or_else(|e| panic!("{e}"));
    // The request is in: the server holds the connection.
    assert_eq!(app.get("/healthz").await.status(), 200);
    let stopped = tokio::time::timeout(std::time::Duration::from_secs(120), app.stop()).await;
    assert!(stopped.is_ok(), "the server waited on a client that never finished its headers");
    drop(stuck);
}

backend_tests!(
    guesses_from_elsewhere_never_lock_the_customer_out,
    a_busy_shared_address_does_not_lock_out_those_it_knows,
    guesses_from_elsewhere_never_lock_staff_out,
    a_full_hashing_queue_answers_503_with_retry_after,
    slow_and_idle_sockets_are_closed_while_the_shop_answers,
    a_stuck_client_cannot_hold_the_shutdown,
);
