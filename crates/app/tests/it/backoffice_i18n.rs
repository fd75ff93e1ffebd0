//! The team's language and clock: the back office in French for a member who chose it (or whose
//! browser asks for it), times in the shop's zone (the demo maison: Europe/Paris), the
//! dashboard's days cut at local midnight, date filters read as local dates, plural forms per
//! language; and the accountant's CSV exports (content, permissions, audit entry, neutralised
//! cells).

use luxevault_core::staff::Role;
use luxevault_storage::{AuditFilter, AuditLog, Orders};
use serde_json::{Value, json};

use crate::backoffice_pages::{EMAIL, NAME, paid_order, register};
use crate::staff_support::StaffBrowser;
use crate::support::{Backend, TestApp, pick};

/// 2026-11-22 23:30 UTC: already 00:30 on the 23rd in Paris (CET, UTC+1).
const LATE_EVENING_UTC_MINUTES: i64 = 13 * 60 + 30;

async fn number_of(app: &TestApp, id: &str) -> String {
    let id = uuid::Uuid::parse_str(id).unwrap_or_else(|e| panic!("{e}"));
    Orders::by_id(&app.db, id).await.ok().flatten().map(|o| o.number).unwrap_or_default()
}

async fn in_french(member: &StaffBrowser<'_>) {
    let response = member.submit("/admin/sessions", "/admin/language", &[("language", "fr")]).await;
    assert_eq!(response.status(), 303, "the language is saved");
}

async fn actions(app: &TestApp) -> Vec<String> {
    let entries = AuditLog::page(&app.db, &AuditFilter::default(), i64::MAX, 500).await.unwrap_or_default();
    entries.into_iter().map(|e| e.action).collect()
}

async fn the_back_office_reads_in_french_with_paris_times(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.clock.advance_minutes(LATE_EVENING_UTC_MINUTES);
    let id = paid_order(&app, "i18n-order-key-1", None).await;
    app.run_jobs().await; // the capture: the order is paid
    let number = number_of(&app, &id).await;
    let owner = app.staff("francoise", Role::Owner).await;
    in_french(&owner).await;

    let (status, html) = owner.get("/admin/orders").await;
    assert_eq!(status, 200);
    assert!(html.contains("<html lang=\"fr\">"), "{html}");
    assert!(html.contains("<h1>Commandes</h1>") && html.contains("Passée le") && html.contains("Tableau de bord"));
    assert!(html.contains("1 commande ·"), "the count in the French singular: {html}");
    assert!(html.contains("2026-11-23 00:30 CET"), "placed at 23:30 UTC, shown as Paris lives it: {html}");
    assert!(html.contains(">confirmée<") && html.contains(&number));
    for english in
        ["Placed (UTC)", ">Orders<", "Dashboard", "Sign out", "Older orders", "confirmed<", "2026-11-22 23:30"]
    {
        assert!(!html.contains(english), "no English leftover {english:?}");
    }
    // Dates typed into the filters are Paris dates: the order belongs to the 23rd.
    let (_, html) = owner.get("/admin/orders?from=2026-11-23&to=2026-11-23").await;
    assert!(html.contains(&number) && html.contains("1 commande"), "{html}");
    let (_, html) = owner.get("/admin/orders?to=2026-11-22").await;
    assert!(!html.contains(&number) && html.contains("0 commande ·"), "0 is singular in French: {html}");
    let (status, html) = owner.get("/admin/orders?from=22-11-2026").await;
    assert_eq!(status, 400);
    assert!(html.contains("Les dates s’écrivent 2026-11-22."), "{html}");

    let (status, html) = owner.get(&format!("/admin/orders/{id}")).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("Commande {number}")) && html.contains("Résumé") && html.contains("Historique"));
    assert!(html.contains("Client et livraison") && html.contains("Sous-total"));
    assert!(html.contains("data-testid=\"order-placed\">2026-11-23 00:30 CET<"), "{html}");
    for english in ["Summary", "History", "(UTC)", "Customer and delivery", "Subtotal", "Refund in full"] {
        assert!(!html.contains(english), "no English leftover {english:?}");
    }

    let (status, html) = owner.get("/admin").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Bonjour, francoise") && html.contains("Ventes par jour") && html.contains("Commandes par état")
    );
    assert!(html.contains("Europe&#x2f;Paris"), "the intro names the zone its days follow");
    for english in ["Good day", "Sales per day", "Orders by state", "Figures of the last"] {
        assert!(!html.contains(english), "no English leftover {english:?}");
    }
    // The sale counts on the Paris day it was made, the 23rd, not on the UTC day.
    assert!(html.contains("<tr><td>2026-11-23</td>"), "the 23rd has the sale: {html}");
    assert!(!html.contains("<tr><td>2026-11-22</td>"), "nothing on the UTC day");

    let (_, html) = owner.get("/admin/staff").await;
    assert!(
        html.contains("<h1>Équipe et rôles</h1>") && html.contains("Propriétaire") && !html.contains("Staff and roles")
    );
    let (_, html) = owner.get("/admin/audit").await;
    assert!(
        html.contains("<h1>Journal d’audit</h1>") && html.contains("CET</time>") && !html.contains("No entries match")
    );
    let (_, html) = owner.get("/admin/sessions").await;
    assert!(html.contains("Vos sessions") && html.contains("Il vous reste 10 codes de secours inutilisés."), "{html}");

    // English for a member who chose nothing and whose browser asks nothing: the shop's default.
    let edward = app.staff("edward", Role::Owner).await;
    let (_, html) = edward.get("/admin/orders?status=refunded").await;
    assert!(html.contains("<h1>Orders</h1>") && html.contains("0 orders ·"), "{html}");
    assert!(html.contains("<html lang=\"en\">"));
    let (_, html) = edward.get("/admin/orders").await;
    assert!(html.contains("1 order ·") && html.contains("2026-11-23 00:30 CET"), "{html}");
    // …and French when the browser asks for it.
    let response = app
        .client
        .get(app.url("/admin/orders"))
        .header("cookie", &edward.cookie)
        .header("accept-language", "fr-FR,fr;q=0.9,en;q=0.5")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let html = response.text().await.unwrap_or_default();
    assert!(html.contains("<h1>Commandes</h1>"), "{html}");
    // A language the shop does not offer is refused.
    let response = edward.submit("/admin/sessions", "/admin/language", &[("language", "de")]).await;
    assert_eq!(response.status(), 422);
    app.stop().await;
}

/// Places an order whose contact's name a spreadsheet would run as a formula.
async fn order_named(app: &TestApp, key: &str, name: &str) -> String {
    let catalog = app.catalog().await;
    let (_, variant) = pick::in_stock_variant(&catalog, 1);
    let contact = json!({
        "name": name, "email": "formula.canary@example.test", "phone": "+33 6 11 22 33 44",
        "address_line1": "3 rue de Seine", "address_line2": "", "city": "Paris", "postcode": "75006", "country": "FR"
    });
    let response = app
        .client
        .post(app.url("/api/v1/orders"))
        .header("Idempotency-Key", key)
        .json(&json!({"currency": "EUR", "lines": [{"sku": variant.sku, "quantity": 1}], "contact": contact}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status().as_u16(), 201);
    let placed: Value = response.json().await.unwrap_or(Value::Null);
    placed["order"]["id"].as_str().unwrap_or_default().to_string()
}

async fn csv_of(response: reqwest::Response) -> (u16, String, String) {
    let status = response.status().as_u16();
    let kind = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    (status, kind, response.text().await.unwrap_or_default())
}

async fn the_accountant_exports_orders_and_customers_as_csv(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.clock.advance_minutes(LATE_EVENING_UTC_MINUTES);
    let (_, token) = register(&app, "celestine", "celestine.canary@example.test").await;
    let paid = paid_order(&app, "export-order-key-1", Some(&token)).await;
    app.run_jobs().await;
    let formula = order_named(&app, "export-order-key-2", "=HYPERLINK(\"http://evil.example\")").await;
    let (paid, formula) = (number_of(&app, &paid).await, number_of(&app, &formula).await);

    // The accountant: the orders file, no names or emails (their role sees none).
    let accountant = app.staff("aurelien", Role::Accountant).await;
    let (_, list) = accountant.get("/admin/orders").await;
    assert!(list.contains("data-testid=\"export-orders\""), "the accountant is offered the export");
    assert!(!list.contains("data-testid=\"export-customers\""));
    let (status, kind, text) = csv_of(accountant.submit("/admin/orders", "/admin/orders/export", &[]).await).await;
    assert_eq!(status, 200, "{text}");
    assert!(kind.starts_with("text/csv"), "{kind}");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("number,placed_at,status,currency,total,refunded,country"));
    let paid_row = text.lines().find(|l| l.starts_with(&paid)).unwrap_or_else(|| panic!("{text}"));
    let fields: Vec<&str> = paid_row.split(',').collect();
    assert_eq!(fields[1], "2026-11-23T00:30:00+01:00", "local time with its offset: {paid_row}");
    assert_eq!((fields[2], fields[3], fields[5], fields[6]), ("confirmed", "EUR", "0.00", "FR"));
    let total = fields[4];
    assert!(total.contains('.') && total.split('.').nth(1).map(str::len) == Some(2), "a decimal amount: {total}");
    assert!(total.parse::<f64>().is_ok_and(|t| t > 0.0), "{total}");
    assert!(text.contains(&formula), "every order, paid or not");
    assert!(!text.contains(NAME) && !text.contains(EMAIL) && !text.contains("HYPERLINK"), "no contact for the books");
    // The list's filters apply, dates in Paris time.
    let response = accountant
        .submit("/admin/orders", "/admin/orders/export", &[("from", "2026-11-24"), ("status", ""), ("currency", "")])
        .await;
    let (_, _, text) = csv_of(response).await;
    assert_eq!(text.lines().count(), 1, "nothing placed from the 24th: {text}");
    let response = accountant.submit("/admin/orders", "/admin/orders/export", &[("from", "24/11/2026")]).await;
    assert_eq!(response.status(), 400);
    assert!(actions(&app).await.contains(&"orders.export".to_string()), "the export is in the audit log");
    // The customers are not the accountant's.
    let response = accountant.submit("/admin/orders", "/admin/customers/export", &[]).await;
    assert_eq!(response.status(), 403);
    assert!(!response.text().await.unwrap_or_default().contains("celestine"));

    // Neither file for fulfilment; the orders file not for an associate either.
    let packer = app.staff("fulbert", Role::Fulfilment).await;
    assert_eq!(packer.submit("/admin/orders", "/admin/orders/export", &[]).await.status(), 403);
    assert_eq!(packer.submit("/admin/orders", "/admin/customers/export", &[]).await.status(), 403);
    let associate = app.staff("astrid", Role::Associate).await;
    assert_eq!(associate.submit("/admin/orders", "/admin/orders/export", &[]).await.status(), 403);

    // The owner: contacts included, and a cell a spreadsheet would run is kept as text.
    let owner = app.staff("oriane", Role::Owner).await;
    let (_, _, text) = csv_of(owner.submit("/admin/orders", "/admin/orders/export", &[]).await).await;
    assert_eq!(text.lines().next(), Some("number,placed_at,status,currency,total,refunded,country,name,email"));
    assert!(text.contains(NAME) && text.contains(EMAIL));
    let formula_row = text.lines().find(|l| l.starts_with(&formula)).unwrap_or_default();
    assert!(formula_row.contains("\"'=HYPERLINK(\"\"http://evil.example\"\")\""), "{formula_row}");
    assert!(!text.contains(",=HYPERLINK"), "never a bare formula");
    // The customers: the associate sees them and their emails.
    let (status, kind, text) = csv_of(associate.submit("/admin/customers", "/admin/customers/export", &[]).await).await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/csv"));
    assert_eq!(text.lines().next(), Some("username,email,language,created_at,last_active_at,orders"));
    let row = text.lines().find(|l| l.starts_with("celestine,")).unwrap_or_else(|| panic!("{text}"));
    assert!(row.starts_with("celestine,celestine.canary@example.test,"), "{row}");
    assert!(row.contains("2026-11-23T00:30:00+01:00") && row.ends_with(",1"), "{row}");
    let entries = AuditLog::page(&app.db, &AuditFilter::default(), i64::MAX, 500).await.unwrap_or_default();
    let export = entries.iter().find(|e| e.action == "customers.export").unwrap_or_else(|| panic!("audited"));
    assert_eq!(export.actor, format!("staff:{}", associate.id));
    // A form from elsewhere (no CSRF token) gets nothing.
    let response = app.post_form("/admin/orders/export", Some(&owner.cookie), &[]).await;
    assert_eq!(response.status(), 403);
    app.stop().await;
}

backend_tests!(the_back_office_reads_in_french_with_paris_times, the_accountant_exports_orders_and_customers_as_csv);
