//! The shop's own analytics, first-party and cookieless (P6, P14, P15): a page view keeps the
//! page's template, its language, the referring host and the per-tab `lg_sid` — never the IP
//! address or the user agent; browsers that send `Sec-GPC: 1` or `DNT: 1` are not counted; and
//! after the policy's 30 days the retention rule `analytics` removes the session id, so no view
//! is linked to another any more (time travel, both databases).

use luxevault_core::Clock;
use luxevault_core::policy::Policy;
use serde_json::json;

use crate::support::{Backend, TestApp};

const AGENT: &str = "CanaryBrowser/9.9 (agent-canary-4242)";

async fn post_view(app: &TestApp, body: serde_json::Value, headers: &[(&str, &str)]) -> u16 {
    let mut request = app.client.post(app.url("/api/v1/analytics/views")).header("User-Agent", AGENT).json(&body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.map(|r| r.status().as_u16()).unwrap_or(0)
}

fn view(sid: &str) -> serde_json::Value {
    json!({"path": "/products/{slug}", "lang": "fr", "referrer": "Magazine.Example", "sid": sid})
}

async fn rows(app: &TestApp) -> Vec<luxevault_storage::PageViewRow> {
    luxevault_storage::PageViews::recent(&app.db, 1000).await.unwrap_or_default()
}

async fn page_views_keep_no_address_and_respect_gpc_and_dnt(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_eq!(post_view(&app, view("0123456789abcdef0123"), &[]).await, 204);
    let stored = rows(&app).await;
    assert_eq!(stored.len(), 1);
    let row = &stored[0];
    assert_eq!(
        (row.path.as_str(), row.lang.as_str(), row.referrer_host.as_deref(), row.sid.as_deref()),
        ("/products/{slug}", "fr", Some("magazine.example"), Some("0123456789abcdef0123"))
    );
    let dump = crate::support::dump_text(&app.db).await;
    assert!(!dump.contains("agent-canary-4242"), "the user agent is never stored");
    assert!(!dump.contains("127.0.0.1"), "the address is never stored");

    assert_eq!(post_view(&app, view("gpc-gpc-gpc-gpc-gpc-1"), &[("Sec-GPC", "1")]).await, 204);
    assert_eq!(post_view(&app, view("dnt-dnt-dnt-dnt-dnt-1"), &[("DNT", "1")]).await, 204);
    assert_eq!(rows(&app).await.len(), 1, "Global Privacy Control and Do Not Track are honoured");

    for body in [
        json!({"path": "/products/escarpin-alma", "lang": "fr", "sid": "0123456789abcdef0123"}),
        json!({"path": "/products/{slug}?email=x@y.z", "lang": "fr", "sid": "0123456789abcdef0123"}),
        json!({"path": "/", "lang": "de", "sid": "0123456789abcdef0123"}),
        json!({"path": "/", "lang": "en", "sid": "short"}),
        json!({"path": "/", "lang": "en", "sid": "0123456789abcdef0123", "referrer": "https://a.example/?q=1"}),
        json!({"path": "/", "lang": "en", "sid": "0123456789abcdef0123", "ip": "1.2.3.4"}),
    ] {
        let status = post_view(&app, body.clone(), &[]).await;
        assert!(status == 422 || status == 400, "{body} answered {status}");
    }
    assert_eq!(rows(&app).await.len(), 1, "nothing else kept");
    app.stop().await;
}

async fn analytics_lose_their_linkage_after_thirty_days(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let policy =
        Policy::parse(include_str!("../../policy/default.toml"), &["en", "fr"]).unwrap_or_else(|e| panic!("{e}"));
    let run = |dry_run: bool| {
        let db = app.db.clone();
        let policy = policy.clone();
        let now = app.clock.now();
        async move {
            let reports = luxevault_shop::privacy::retention::apply(&db, &policy, now, now, dry_run)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            reports
                .iter()
                .find(|r| r.rule == "analytics")
                .and_then(|r| r.counts.iter().find(|(a, _)| *a == "anonymised").map(|(_, n)| *n))
                .unwrap_or(-1)
        }
    };
    assert_eq!(post_view(&app, view("old-visit-old-visit-01"), &[]).await, 204);
    assert_eq!(post_view(&app, view("old-visit-old-visit-01"), &[]).await, 204);
    app.clock.advance_days(29);
    assert_eq!(post_view(&app, view("new-visit-new-visit-01"), &[]).await, 204);
    assert_eq!(run(false).await, 0, "29 days: within the horizon");
    app.clock.advance_days(2); // the old visit is 31 days old, the new one 2
    assert_eq!(run(true).await, 2, "the preview counts them");
    assert!(rows(&app).await.iter().all(|r| r.sid.is_some()), "a dry run changes nothing");
    assert_eq!(run(false).await, 2);
    let after = rows(&app).await;
    assert_eq!(after.len(), 3, "the views stay, as figures");
    let old: Vec<_> = after.iter().filter(|r| r.sid.is_none()).collect();
    assert_eq!(old.len(), 2, "past 30 days: no linkage left");
    assert!(old.iter().all(|r| r.path == "/products/{slug}" && r.lang == "fr"));
    assert_eq!(
        after.iter().filter(|r| r.sid.as_deref() == Some("new-visit-new-visit-01")).count(),
        1,
        "within 30 days: untouched"
    );
    assert_eq!(run(false).await, 0, "once only");
    let log = luxevault_storage::RetentionStore::runs(&app.db, 100).await.unwrap_or_default();
    assert!(log.iter().any(|l| l.rule == "analytics" && l.action == "anonymised" && l.affected == 2 && !l.dry_run));
    app.stop().await;
}

backend_tests!(page_views_keep_no_address_and_respect_gpc_and_dnt, analytics_lose_their_linkage_after_thirty_days);
