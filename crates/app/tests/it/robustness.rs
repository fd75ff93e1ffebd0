//! No input makes the server fail: every API route, fed malformed, empty, oversized and odd
//! bodies and headers, answers with a 4xx (or a 2xx), never a 5xx and never a dropped connection.

use serde_json::json;

use crate::support::{Backend, TestApp};

fn api_routes() -> Vec<(String, bool)> {
    let router = include_str!("../../../web/src/router.rs");
    let mut routes = Vec::new();
    for chunk in router.split(".route(").skip(1) {
        let Some(path) = chunk.strip_prefix('"').and_then(|c| c.split('"').next()) else { continue };
        if !path.starts_with("/api/v1/") && !path.starts_with("/webhooks/") && !path.starts_with("/checkout/demo/") {
            continue;
        }
        let call = chunk.split(')').next().unwrap_or_default();
        let path = path
            .replace("{id}", "01938a52-0000-7000-8000-000000000000")
            .replace("{slug}", "nope")
            .replace("{session}", "demo_cs_x");
        if call.contains("get(") {
            routes.push((path.clone(), false));
        }
        if call.contains("post(") {
            routes.push((path, true));
        }
    }
    routes
}

async fn no_input_makes_the_server_fail(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.admin_token = luxevault::config::Secret::new("an-admin-token-of-at-least-32-characters")
    })
    .await;
    let routes = api_routes();
    assert!(routes.len() > 30, "{routes:?}");
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("application/json", b"".to_vec()),
        ("application/json", b"null".to_vec()),
        ("application/json", b"[]".to_vec()),
        ("application/json", b"{}".to_vec()),
        ("application/json", b"{\"kind\":\"access\",\"email\":\"\xe2\x80\xae@x.y\",\"code\":\"\\u0000\"}".to_vec()),
        (
            "application/json",
            json!({"currency": "EUR", "lines": [{"sku": "A", "quantity": 1e300}], "password": 4111111111111111u64})
                .to_string()
                .into_bytes(),
        ),
        ("application/json", b"{\"a\":".repeat(2000)),
        ("text/plain", b"hello".to_vec()),
        ("application/x-www-form-urlencoded", b"key=%ff%fe".to_vec()),
    ];
    let tokens = ["", "Bearer ", "Bearer an-admin-token-of-at-least-32-characters", "Bearer \u{202e}", "Basic abc"];
    for (path, is_post) in &routes {
        for token in tokens {
            if *is_post {
                for (content_type, body) in &bodies {
                    let mut request =
                        app.client.post(app.url(path)).header("content-type", *content_type).body(body.clone());
                    if !token.is_empty() {
                        request = request.header("authorization", token);
                    }
                    let status = request.send().await.map(|r| r.status().as_u16()).unwrap_or(0);
                    assert!((200..500).contains(&status), "POST {path} ({content_type}, {token:?}) answered {status}");
                }
            } else {
                for query in ["", "?key=%00", "?lang=%ff&currency=%e2%80%ae", "?token=../../"] {
                    let mut request = app.client.get(app.url(&format!("{path}{query}")));
                    if !token.is_empty() {
                        request = request.header("authorization", token);
                    }
                    let status = request.send().await.map(|r| r.status().as_u16()).unwrap_or(0);
                    assert!((200..500).contains(&status), "GET {path}{query} ({token:?}) answered {status}");
                }
            }
        }
    }
    // And the server is still well.
    assert_eq!(app.get_json("/readyz").await.0, 200);
    app.stop().await;
}

backend_tests!(no_input_makes_the_server_fail);
