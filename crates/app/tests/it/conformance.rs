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
    for cell in doc.split('`').skip(1).step_by(2) {
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
}
