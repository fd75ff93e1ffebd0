//! Personal data never reaches the logs: the real binary, at debug level, runs the flows that
//! handle the most personal data, and its whole log is searched for canary values.

use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::json;

use crate::support::{Backend, PgDatabase};

const CANARIES: &[&str] = &[
    "pii-canary-7f3a@example.test",
    "canary-user-7f3a",
    "Canary Jeanne Dupontel",
    "+33 6 98 76 54 32",
    "7 rue Canari",
    "Canaryville",
    "CANARY 42",
    "secret canary passphrase 7f3a",
];

/// The server process, stopped when the test ends, even when an assertion fails first.
struct Server(std::process::Child);

impl Server {
    fn stop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn personal_data_never_reaches_the_logs(backend: Backend) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(0);
    let pg = match backend {
        Backend::Postgres => Some(PgDatabase::create().await),
        Backend::Sqlite => None,
    };
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap_or_else(|e| panic!("{e}"));
    let mut command = Command::new(env!("CARGO_BIN_EXE_luxevault"));
    command
        .args(["serve", "--demo", "--bind", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(dir.path().join("data"))
        .env("LUXEVAULT_LOG", "debug")
        .env_remove("LUXEVAULT_DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::from(log));
    if let Some(pg) = &pg {
        command.args(["--database-url", &pg.url]);
    }
    let mut child = Server(command.spawn().unwrap_or_else(|e| panic!("start luxevault: {e}")));
    let base = format!("http://127.0.0.1:{port}");
    luxevault_integrations::install_crypto_provider();
    let client = reqwest::Client::new();
    let mut up = false;
    for _ in 0..100 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "the server did not start");

    let post = |path: &str, body: serde_json::Value| client.post(format!("{base}{path}")).json(&body).send();
    let registered = post(
        "/api/v1/account/register",
        json!({"username": CANARIES[1], "email": CANARIES[0], "password": CANARIES[7], "lang": "en"}),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(registered.status().as_u16(), 201);
    post("/api/v1/account/login", json!({"email": CANARIES[0], "password": "wrong and canary-free"})).await.ok();
    post("/api/v1/account/password-reset", json!({"email": CANARIES[0]})).await.ok();
    // Malformed input echoing personal data must not be logged either.
    post("/api/v1/account/login", json!({"email": CANARIES[0]})).await.ok();

    let products: serde_json::Value = client
        .get(format!("{base}/api/v1/products/escarpin-alma"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or_default();
    let catalog = luxevault::demo::catalog().unwrap_or_else(|e| panic!("{e}"));
    let sku = catalog
        .products
        .iter()
        .flat_map(|p| &p.variants)
        .find(|v| v.stock > 0)
        .map(|v| v.sku.clone())
        .unwrap_or_default();
    assert!(products.is_object());
    let contact = json!({
        "name": CANARIES[2], "email": CANARIES[0], "phone": CANARIES[3], "address_line1": CANARIES[4],
        "address_line2": "", "city": CANARIES[5], "postcode": CANARIES[6], "country": "FR"
    });
    let placed: serde_json::Value = client
        .post(format!("{base}/api/v1/orders"))
        .header("Idempotency-Key", "privacy-canary-order-0001")
        .json(&json!({"currency": "EUR", "lines": [{"sku": sku, "quantity": 1}], "contact": contact}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or_default();
    let redirect = placed["payment"]["redirect_url"].as_str().unwrap_or_default().to_string();
    let key = redirect.split("key=").nth(1).unwrap_or_default().to_string();
    let pay_path = redirect.split('#').next().unwrap_or_default().to_string();
    client.post(format!("{base}{pay_path}")).form(&[("key", key.as_str())]).send().await.ok();
    // A bad contact: the error names fields, the log names nothing.
    client
        .post(format!("{base}/api/v1/orders"))
        .header("Idempotency-Key", "privacy-canary-order-0002")
        .json(&json!({"currency": "EUR", "lines": [{"sku": sku, "quantity": 1}], "contact": {"name": CANARIES[2], "email": "not-an-email", "phone": CANARIES[3], "address_line1": CANARIES[4], "city": CANARIES[5], "postcode": CANARIES[6], "country": "FR"}}))
        .send()
        .await
        .ok();

    // Let the job runner send the emails (welcome, reset, confirmation, payment received).
    let outbox = dir.path().join("data").join("outbox");
    for _ in 0..100 {
        if std::fs::read_dir(&outbox).map(|d| d.count()).unwrap_or(0) >= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let sent = std::fs::read_dir(&outbox).map(|d| d.count()).unwrap_or(0);
    child.stop();
    assert!(sent >= 4, "the flows ran to the end ({sent} emails)");
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    assert!(log.contains("order placed") && log.contains("/api/v1/orders"), "the log is not empty: {log}");
    for canary in CANARIES {
        assert!(!log.contains(canary), "the log contains personal data ({canary})");
    }
    drop(pg);
}

backend_tests!(personal_data_never_reaches_the_logs);
