//! The published OpenAPI document is one integrators can trust: it validates with
//! openapi-spec-validator (the reference validator, run for real), it lists exactly the routes the
//! router serves, every response says what it means, and every operation that needs a token says
//! which one.

use std::collections::BTreeSet;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::{Backend, TestApp};

/// Setting that names the Python interpreter to run openapi-spec-validator with.
const PYTHON_ENV: &str = "LUXEVAULT_TEST_PYTHON";

const INSTALL_HINT: &str = "openapi-spec-validator is not installed: run `scripts/setup`, or install it with \
     `python3 -m pip install openapi-spec-validator`, or set LUXEVAULT_TEST_PYTHON to a Python that has it";

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// The first interpreter that can import openapi_spec_validator (the same search as the SMTP sink's).
fn validator_python() -> Result<String, String> {
    let candidates: Vec<String> = match std::env::var(PYTHON_ENV) {
        Ok(python) if !python.is_empty() => vec![python],
        _ => vec!["python3".into(), "/usr/bin/python3".into()],
    };
    for python in &candidates {
        let ok = Command::new(python)
            .args(["-c", "import openapi_spec_validator"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Ok(python.clone());
        }
    }
    Err(format!("{INSTALL_HINT} (tried: {})", candidates.join(", ")))
}

async fn document(app: &TestApp) -> Value {
    let (status, doc) = app.get_json("/api/openapi.json").await;
    assert_eq!(status, 200);
    doc
}

/// Every (METHOD, path) under /api/v1 in the document.
fn documented_operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut operations = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in METHODS {
            if item.get(method).is_some() {
                operations.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    operations
}

/// Every (METHOD, path) under /api/v1 the router declares, read from its route table: each
/// `.route("/api/v1/…", get(…).post(…))` names its path and its method routers.
fn routed_operations() -> BTreeSet<(String, String)> {
    let router = include_str!("../../../web/src/router.rs");
    let mut operations = BTreeSet::new();
    for rest in router.split(".route(\"").skip(1) {
        let Some((path, after)) = rest.split_once('"') else { continue };
        if !path.starts_with("/api/v1/") {
            continue;
        }
        // The method routers up to the end of this route's line.
        let line = after.lines().next().unwrap_or_default();
        for method in METHODS {
            let called = line.contains(&format!(" {method}(")) || line.contains(&format!(".{method}("));
            if called {
                operations.insert((method.to_uppercase(), path.to_string()));
            }
        }
    }
    operations
}

async fn the_document_validates_with_openapi_spec_validator(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let doc = document(&app).await;
    app.stop().await;
    let python = validator_python().unwrap_or_else(|hint| panic!("{hint}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, doc.to_string()).unwrap_or_else(|e| panic!("write the document: {e}"));
    let output = Command::new(&python)
        .args(["-m", "openapi_spec_validator", "--validation-errors", "all"])
        .arg(&file)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {python} -m openapi_spec_validator: {e}"));
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "openapi-spec-validator rejects /api/openapi.json:\n{said}");
    assert!(said.contains("OK"), "the validator said: {said}");
}

async fn the_document_and_the_router_list_the_same_operations(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let doc = document(&app).await;
    let documented = documented_operations(&doc);
    let routed = routed_operations();
    assert!(routed.len() > 30, "routes read from router.rs: {routed:?}");
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    assert!(undocumented.is_empty(), "served but not in /api/openapi.json: {undocumented:?}");
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(unrouted.is_empty(), "in /api/openapi.json but not in the router: {unrouted:?}");
    // And the running router really answers each documented operation (no fallback, no 405).
    for (method, path) in &documented {
        let url = app.url(&concrete(path));
        let request = match method.as_str() {
            "GET" => app.client.get(url),
            _ => app.client.request(method.parse().unwrap_or(reqwest::Method::POST), url).json(&serde_json::json!({})),
        };
        let response = request.send().await.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = response.status().as_u16();
        let body = response.text().await.unwrap_or_default();
        assert_ne!(status, 405, "{method} {path}: the router has no such method");
        assert!(!body.contains("No API route matches"), "{method} {path}: the router has no such route");
    }
    app.stop().await;
}

/// A documented path with its templated segments filled in.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment == "{slug}" {
                "no-such-piece".to_string()
            } else if segment.starts_with('{') {
                uuid::Uuid::now_v7().to_string()
            } else {
                segment.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

async fn every_response_is_described(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let doc = document(&app).await;
    app.stop().await;
    let mut missing = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in METHODS {
            let Some(operation) = item.get(method) else { continue };
            let responses = operation["responses"].as_object().cloned().unwrap_or_default();
            assert!(!responses.is_empty(), "{method} {path} has no responses");
            for (status, response) in responses {
                if response["description"].as_str().is_none_or(|d| d.trim().is_empty()) {
                    missing.push(format!("{method} {path} {status}"));
                }
            }
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let name = parameter["name"].as_str().unwrap_or_default();
                if parameter["in"] == "path" {
                    assert!(path.contains(&format!("{{{name}}}")), "{method} {path}: {name} is no path segment");
                }
            }
        }
    }
    assert!(missing.is_empty(), "responses without a description: {missing:#?}");
}

/// The security requirements of one operation: the scheme names, and whether going without is allowed.
fn requirements(operation: &Value) -> (BTreeSet<String>, bool) {
    let mut names = BTreeSet::new();
    let mut optional = false;
    for requirement in operation["security"].as_array().into_iter().flatten() {
        let schemes = requirement.as_object().cloned().unwrap_or_default();
        if schemes.is_empty() {
            optional = true;
        }
        names.extend(schemes.keys().cloned());
    }
    (names, optional)
}

async fn operations_that_need_a_token_declare_its_scheme(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.admin_token = luxevault::config::Secret::new("an-admin-token-of-at-least-32-characters");
    })
    .await;
    let doc = document(&app).await;
    let schemes = &doc["components"]["securitySchemes"];
    for name in ["admin_token", "session_token"] {
        assert_eq!(schemes[name]["type"], "http", "{name}: {schemes}");
        assert_eq!(schemes[name]["scheme"], "bearer", "{name}: {schemes}");
    }
    // The account routes anyone may call: creating an account, signing in, resetting a password.
    let open_account_routes = [
        "/api/v1/account/register",
        "/api/v1/account/login",
        "/api/v1/account/password-reset",
        "/api/v1/account/password-reset/confirm",
    ];
    for (method, path) in documented_operations(&doc) {
        let operation = &doc["paths"][&path][method.to_lowercase()];
        let (names, optional) = requirements(operation);
        if path.starts_with("/api/v1/admin/") {
            assert_eq!(names, BTreeSet::from(["admin_token".to_string()]), "{method} {path}");
            assert!(!optional, "{method} {path}: the admin token is required");
        } else if path.starts_with("/api/v1/account") && !open_account_routes.contains(&path.as_str()) {
            assert_eq!(names, BTreeSet::from(["session_token".to_string()]), "{method} {path}");
            assert!(!optional, "{method} {path}: a session is required");
        }
        // What the running shop does without a token agrees with what the document says.
        let url = app.url(&concrete(&path));
        let request = match method.as_str() {
            "GET" => app.client.get(url),
            "PUT" => app.client.put(url).json(&serde_json::json!({})),
            _ => app.client.post(url).json(&serde_json::json!({})),
        };
        let status = request.send().await.unwrap_or_else(|e| panic!("{method} {path}: {e}")).status().as_u16();
        if status == 401 {
            assert!(!names.is_empty() && !optional, "{method} {path} answers 401 without a token but requires none");
            assert!(operation["responses"].get("401").is_some(), "{method} {path}: 401 not documented");
        } else {
            assert!(names.is_empty() || optional, "{method} {path} requires a token but answers {status} without one");
        }
    }
    app.stop().await;
}

backend_tests!(
    the_document_validates_with_openapi_spec_validator,
    the_document_and_the_router_list_the_same_operations,
    every_response_is_described,
    operations_that_need_a_token_declare_its_scheme,
);
