//! docs/policy-conformance.md stays true: every promise has a row, and every test a row names
//! exists.

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn every_claimed_test_exists() {
    let doc = std::fs::read_to_string(repo().join("docs/policy-conformance.md")).unwrap_or_else(|e| panic!("{e}"));
    let promises: Vec<String> = (1..=22).map(|n| format!("P{n}")).chain((1..=12).map(|n| format!("M{n}"))).collect();
    for promise in &promises {
        assert!(doc.contains(&format!("\n| {promise} |")), "{promise} has no row in docs/policy-conformance.md");
    }
    let mut claims = 0;
    let mut missing = Vec::new();
    let mut absent = Vec::new();
    for cell in doc.split('`').skip(1).step_by(2) {
        // Every file the document names, as the code or the test of a promise, exists.
        let path = cell.split_once("::").map(|(f, _)| f).unwrap_or(cell);
        let named_file = path.starts_with("crates/") || path.starts_with("tests/") || path.starts_with("scripts/");
        if named_file && !repo().join(path).exists() {
            absent.push(path.to_string());
        }
        let Some((file, name)) = cell.split_once("::") else { continue };
        if !(file.ends_with(".rs") || file.ends_with(".js")) {
            continue;
        }
        claims += 1;
        let source = std::fs::read_to_string(repo().join(file)).unwrap_or_default();
        let found = if file.ends_with(".rs") {
            source.contains(&format!("fn {name}("))
        } else {
            source.contains(&format!("`{name} [${{backend}}]`")) || source.contains(&format!("\"{name}\""))
        };
        if !found {
            missing.push(cell.to_string());
        }
    }
    assert!(claims > 20, "the document names its tests ({claims} found)");
    assert!(missing.is_empty(), "docs/policy-conformance.md names tests that do not exist: {missing:?}");
    assert!(absent.is_empty(), "docs/policy-conformance.md names files that do not exist: {absent:?}");
}

/// The application layer knows no HTTP: its manifest names no web framework, and no source file
/// of it uses one. The web edge alone maps the shop's errors to statuses.
#[test]
fn the_application_layer_knows_no_http() {
    let manifest = std::fs::read_to_string(repo().join("crates/shop/Cargo.toml")).unwrap_or_else(|e| panic!("{e}"));
    let table: toml::Table = manifest.parse().unwrap_or_else(|e| panic!("crates/shop/Cargo.toml: {e}"));
    let mut named: Vec<String> = Vec::new();
    for section in ["dependencies", "dev-dependencies"] {
        if let Some(deps) = table.get(section).and_then(|d| d.as_table()) {
            named.extend(deps.keys().cloned());
        }
    }
    for forbidden in ["axum", "http", "tower", "tower-http", "hyper", "utoipa", "luxevault-web"] {
        assert!(!named.iter().any(|d| d == forbidden), "crates/shop depends on {forbidden}");
    }
    let mut stack = vec![repo().join("crates/shop/src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{e}")).flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let source = std::fs::read_to_string(&path).unwrap_or_default();
                for word in ["axum::", "StatusCode", "luxevault_web", "utoipa"] {
                    assert!(!source.contains(word), "{} names {word}", path.display());
                }
            }
        }
    }
}
