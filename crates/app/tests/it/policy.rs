//! The published policy comes from the policy file: `/privacy.json` says what the file says
//! with the controller's contacts (P1), every version stays readable (M12), a changed file
//! needs a new version, and an integration may only send data to a listed recipient (P12).

use std::sync::Arc;

use luxevault::server::Application;
use luxevault_core::ManualClock;

use crate::support::{Backend, TEST_NOW, TestApp, config_for};

const DEFAULT: &str = include_str!("../../policy/default.toml");

async fn the_policy_is_published_as_data(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, doc) = app.get_json("/privacy.json").await;
    assert_eq!(status, 200);
    assert_eq!(doc["controller"]["email"], "privacy@liengroup.com");
    assert_eq!(doc["controller"]["whatsapp"], "+86 16657122166");
    assert_eq!(doc["rights"]["answer_within_days"], 30);
    assert_eq!(doc["no_sale"], true);
    assert!(doc["purposes"].as_array().is_some_and(|p| p.len() >= 6));
    let (status, versions) = app.get_json("/privacy/versions").await;
    assert_eq!(status, 200);
    let current = versions["current"].as_str().unwrap_or_default().to_string();
    assert_eq!(versions["versions"][0]["version"], current.as_str());
    let (status, archived) = app.get_json(&format!("/privacy/versions/{current}")).await;
    assert_eq!(status, 200);
    assert_eq!(archived["version"], current.as_str());
    assert_eq!(app.get_json("/privacy/versions/no-such-version").await.0, 404);
    app.stop().await;
}

async fn a_new_version_is_archived_and_an_unversioned_edit_refused(backend: Backend) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (mut config, _pg) = config_for(backend, &dir).await;
    let file = dir.path().join("policy.toml");
    config.policy_file = file.to_string_lossy().into_owned();
    let clock = || Arc::new(ManualClock::new(TEST_NOW));

    std::fs::write(&file, DEFAULT).unwrap_or_else(|e| panic!("{e}"));
    let first = Application::build(&config, clock(), true).await.unwrap_or_else(|e| panic!("{e:#}"));
    drop(first);

    // An edit that keeps the version label is refused, naming the problem.
    let edited = DEFAULT.replacen("breach_notice_hours = 72", "breach_notice_hours = 48", 1);
    std::fs::write(&file, &edited).unwrap_or_else(|e| panic!("{e}"));
    let error = Application::build(&config, clock(), true).await.err().map(|e| format!("{e:#}")).unwrap_or_default();
    assert!(error.contains("give it a new version"), "{error}");

    // With a new version it is published, and the first stays readable.
    std::fs::write(&file, edited.replacen("version = \"2026-11-22\"", "version = \"2026-12-01\"", 1))
        .unwrap_or_else(|e| panic!("{e}"));
    let app = Application::build(&config, clock(), true).await.unwrap_or_else(|e| panic!("{e:#}"));
    let versions = luxevault_storage::PolicyVersions::list(app.state().db()).await.unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = versions.iter().map(|v| v.version.as_str()).collect();
    assert!(names.contains(&"2026-11-22") && names.contains(&"2026-12-01"), "{names:?}");
    let old = luxevault_storage::PolicyVersions::content(app.state().db(), "2026-11-22")
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    assert!(old.contains("\"breach_notice_hours\":72"), "the old version is kept as published");
    let newest = versions.iter().find(|v| v.version == "2026-12-01").map(|v| v.changes.clone()).unwrap_or_default();
    assert_eq!(newest, "[\"breach_notice_hours\"]", "what changed is recorded with the version");
}

async fn an_unlisted_recipient_stops_the_shop(backend: Backend) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (mut config, _pg) = config_for(backend, &dir).await;
    let file = dir.path().join("policy.toml");
    // The same policy without Stripe among its recipients.
    let start = DEFAULT.find("id = \"stripe\"").unwrap_or_else(|| panic!("stripe listed"));
    let block_start = DEFAULT[..start].rfind("[[recipients]]").unwrap_or(start);
    // The block ends where the next table or array of tables begins.
    let block_end = DEFAULT[start..].find("\n[").map(|i| start + i + 1).unwrap_or(DEFAULT.len());
    let without = format!("{}{}", &DEFAULT[..block_start], &DEFAULT[block_end..]);
    std::fs::write(&file, without).unwrap_or_else(|e| panic!("{e}"));
    config.policy_file = file.to_string_lossy().into_owned();
    config.stripe_secret_key = luxevault::config::Secret::new("sk_test_unlisted");
    config.stripe_webhook_secret = luxevault::config::Secret::new("whsec_unlisted");
    let error = Application::build(&config, Arc::new(ManualClock::new(TEST_NOW)), true)
        .await
        .err()
        .map(|e| format!("{e:#}"))
        .unwrap_or_default();
    assert!(error.contains("\"stripe\"") && error.contains("P12"), "{error}");
}

async fn storage_keys_must_be_published(backend: Backend) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (mut config, _pg) = config_for(backend, &dir).await;
    config.shop.cart_storage_key = "my_cart".into();
    let error = Application::build(&config, Arc::new(ManualClock::new(TEST_NOW)), true)
        .await
        .err()
        .map(|e| format!("{e:#}"))
        .unwrap_or_default();
    assert!(error.contains("my_cart") && error.contains("P14"), "{error}");
}

backend_tests!(
    storage_keys_must_be_published,
    the_policy_is_published_as_data,
    a_new_version_is_archived_and_an_unversioned_edit_refused,
    an_unlisted_recipient_stops_the_shop,
);
