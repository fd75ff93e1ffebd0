//! The back office's lists and dashboard: orders filtered and paged, customers searched, no
//! name or email ever in a URL (searches are posted), email search only for roles that may see
//! contacts, every list and search in the audit log; the dashboard's panels per role and the
//! unusual-access alert (M8).

use luxevault_core::audit::AuditEntry;
use luxevault_core::staff::Role;
use luxevault_storage::{AuditFilter, AuditLog};

use crate::backoffice_pages::{EMAIL, NAME, paid_order, register};
use crate::support::{Backend, TestApp};

async fn actions(app: &TestApp) -> Vec<String> {
    let entries = AuditLog::page(&app.db, &AuditFilter::default(), i64::MAX, 500).await.unwrap_or_default();
    entries.into_iter().map(|e| e.action).collect()
}

async fn orders_are_filtered_paged_and_searched_by_post(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, token) = register(&app, "odile", "odile.canary@example.test").await;
    let mut numbers = Vec::new();
    for i in 0..3 {
        let id = paid_order(&app, &format!("lists-order-key-{i:04}"), Some(&token)).await;
        let order = luxevault_storage::Orders::by_id(&app.db, uuid::Uuid::parse_str(&id).unwrap_or_default()).await;
        numbers.push(order.ok().flatten().map(|o| o.number).unwrap_or_default());
    }
    let manager = app.staff("manon", Role::Manager).await;
    let (status, html) = manager.get("/admin/orders").await;
    assert_eq!(status, 200);
    for number in &numbers {
        assert!(html.contains(number.as_str()), "{number} listed");
    }
    assert!(html.contains(EMAIL) && html.contains(NAME), "a manager sees contacts");
    // A search by email is posted, never in the address; the list shows only the matches.
    let response = manager.submit("/admin/orders", "/admin/orders", &[("q", "ZQ-Canary")]).await;
    assert_eq!(response.status(), 200);
    let found = response.text().await.unwrap_or_default();
    assert_eq!(found.matches("href=\"/admin/orders/").count(), 3, "the three orders of that email");
    assert!(!found.contains("q=zq") && !found.contains("zq-canary-51d2%40"), "no email in any link");
    let response = manager.submit("/admin/orders", "/admin/orders", &[("q", &numbers[1])]).await;
    let found = response.text().await.unwrap_or_default();
    assert_eq!(found.matches("href=\"/admin/orders/").count(), 1, "one order by its number");
    // A query string cannot carry a search.
    let (_, html) = manager.get("/admin/orders?q=nobody%40example.test").await;
    assert_eq!(html.matches("href=\"/admin/orders/").count(), 3, "q in a URL is ignored");
    // Filters: a state with no order, a bad date, a currency.
    let (_, html) = manager.get("/admin/orders?status=refunded").await;
    assert!(html.contains("No order matches."));
    let (status, html) = manager.get("/admin/orders?from=22-11-2026").await;
    assert_eq!(status, 400);
    assert!(html.contains("Dates are written"));
    let (_, html) = manager.get("/admin/orders?currency=JPY").await;
    assert!(html.contains("No order matches."));
    let acts = actions(&app).await;
    assert!(acts.contains(&"orders.search".to_string()) && acts.contains(&"orders.list".to_string()), "{acts:?}");

    // Fulfilment sees the parcel's name but no email, and may not search by email.
    let fulfil = app.staff("fabien", Role::Fulfilment).await;
    let (status, html) = fulfil.get("/admin/orders").await;
    assert_eq!(status, 200);
    assert!(html.contains(NAME) && !html.contains(EMAIL), "the parcel's name, no email, for fulfilment");
    let response = fulfil.submit("/admin/orders", "/admin/orders", &[("q", "zq-canary")]).await;
    assert_eq!(response.status(), 400);
    let body = response.text().await.unwrap_or_default();
    assert!(body.contains("order number only") && !body.contains(EMAIL), "{body}");
    // The accountant sees orders without names.
    let accountant = app.staff("agathe", Role::Accountant).await;
    let (_, html) = accountant.get("/admin/orders").await;
    assert!(html.contains(numbers[0].as_str()) && !html.contains(NAME) && !html.contains(EMAIL));
    app.stop().await;
}

async fn orders_page_by_cursor_without_repeats(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for i in 0..53 {
        paid_order(&app, &format!("many-orders-key-{i:04}"), None).await;
        app.clock.advance_seconds(1);
    }
    let owner = app.staff("octave", Role::Owner).await;
    let (_, first) = owner.get("/admin/orders").await;
    let ids = |html: &str| -> Vec<String> {
        html.split("href=\"/admin/orders/").skip(1).filter_map(|s| s.split('"').next()).map(str::to_string).collect()
    };
    let page_one = ids(&first);
    assert_eq!(page_one.len(), 50);
    let next = first.split("data-testid=\"next\"").next().and_then(|s| s.rsplit("href=\"").next()).unwrap_or_default();
    let next = next.split('"').next().unwrap_or_default().replace("&amp;", "&").replace("&#x2f;", "/");
    assert!(next.starts_with("/admin/orders?"), "{next}");
    let (_, second) = owner.get(&next).await;
    let page_two = ids(&second);
    assert_eq!(page_two.len(), 3);
    assert!(page_two.iter().all(|id| !page_one.contains(id)), "no order on both pages");
    assert!(!second.contains("data-testid=\"next\""), "the last page has no next");
    app.stop().await;
}

async fn customers_are_searched_by_post_and_emails_shown_by_role(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    register(&app, "ambre", "ambre.canary@example.test").await;
    register(&app, "basile", "basile.canary@example.test").await;
    let officer = app.staff("paola", Role::PrivacyOfficer).await;
    let response = officer.submit("/admin/customers", "/admin/customers", &[("q", "AMB")]).await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap_or_default();
    assert!(html.contains("ambre") && !html.contains("basile"), "{html}");
    assert!(html.contains("ambre.canary@example.test"), "the privacy officer sees contacts");
    let response = officer.submit("/admin/customers", "/admin/customers", &[("q", "basile.canary@")]).await;
    let html = response.text().await.unwrap_or_default();
    assert!(html.contains("basile") && !html.contains(">ambre<"));
    assert!(actions(&app).await.contains(&"customers.search".to_string()));
    // Roles without the customers list: 403 on the search too, nothing rendered.
    for (name, role) in [("fanny", Role::Fulfilment), ("arnaud", Role::Accountant)] {
        let member = app.staff(name, role).await;
        let response = member.submit("/admin/orders", "/admin/customers", &[("q", "amb")]).await;
        assert_eq!(response.status(), 403, "{role:?}");
        assert!(!response.text().await.unwrap_or_default().contains("ambre"));
    }
    app.stop().await;
}

async fn the_dashboard_shows_each_role_its_panels_and_unusual_access(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, token) = register(&app, "celine", "celine.canary@example.test").await;
    paid_order(&app, "dashboard-order-key-1", Some(&token)).await;
    app.run_jobs().await; // the capture: the order is paid
    let accountant = app.staff("aurore", Role::Accountant).await;
    let (status, html) = accountant.get("/admin").await;
    assert_eq!(status, 200);
    assert!(html.contains("Sales per day") && html.contains("Orders by state"), "{html}");
    assert!(!html.contains("Privacy requests against"), "not the accountant's");
    assert!(html.contains("<svg") && html.contains("role=\"img\""));
    assert!(!html.contains("celine") && !html.contains(NAME), "the dashboard names no client");
    let officer = app.staff("pia", Role::PrivacyOfficer).await;
    let (_, html) = officer.get("/admin").await;
    assert!(html.contains("Privacy requests against") && !html.contains("Sales per day"));
    assert!(html.contains("Breaches owing a notice"));
    // Fulfilment has no dashboard: it lands on the orders.
    let fulfil = app.staff("felicien", Role::Fulfilment).await;
    let response = app.get_with_cookie("/admin", &fulfil.cookie).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers().get("location").and_then(|v| v.to_str().ok()), Some("/admin/orders"));

    // A member who opens 101 client records in an hour shows on the owner's dashboard.
    let snoop = app.staff("sylvain", Role::Associate).await;
    for i in 0..101 {
        let entry = AuditEntry {
            seq: 0,
            at: luxevault_core::Clock::now(&app.clock).as_micros(),
            actor: format!("staff:{}", snoop.id),
            action: "customer.view".into(),
            subject_kind: "customer".into(),
            subject_id: format!("c-{i}"),
            client: "127.0.0.1".into(),
            reason: None,
            prev_hash: String::new(),
            hash: String::new(),
        };
        AuditLog::append(&app.db, entry, luxevault_shop::staff::audit_trail::installed_key().as_ref())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let owner = app.staff("olympe", Role::Owner).await;
    let (_, html) = owner.get("/admin").await;
    assert!(html.contains("data-testid=\"unusual-access\"") && html.contains("sylvain (101)"), "{html}");
    let (_, html) = accountant.get("/admin").await;
    assert!(!html.contains("unusual-access"), "only for roles that read the audit log");
    app.clock.advance_minutes(61);
    let owner = app.staff("olympe2", Role::Owner).await;
    let (_, html) = owner.get("/admin").await;
    assert!(!html.contains("unusual-access"), "an hour later the alert is gone");
    app.stop().await;
}

backend_tests!(
    orders_are_filtered_paged_and_searched_by_post,
    orders_page_by_cursor_without_repeats,
    customers_are_searched_by_post_and_emails_shown_by_role,
    the_dashboard_shows_each_role_its_panels_and_unusual_access,
);
