//! The back office's pages — orders, customers, privacy requests, consents, retention, staff —
//! for every role: each page and each action answers only to the roles the matrix allows
//! (P18, M8), a refused page shows nothing of the resource, every look and change is in the
//! audit log under ids only, and the rules of the sensitive actions hold (a reason for refunds,
//! the typed username for erasure, one active owner, the CSRF token).

use luxevault_core::staff::{Permission, Role};
use luxevault_storage::{AuditFilter, AuditLog, Orders, Staff};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::staff_support::StaffBrowser;
use crate::support::{Backend, TestApp, pick};

pub(crate) const NAME: &str = "Zephyrine Quillfeather";
pub(crate) const EMAIL: &str = "zq-canary-51d2@example.test";
const USERNAME: &str = "zephyrine-q";
pub(crate) const STREET: &str = "7 Quai Voltaire Canary";
pub(crate) const PHONE: &str = "+33 6 98 76 54 32";
const PASSWORD: &str = "la soie du matin à Paris";
const ADMIN: &str = "an-admin-token-of-at-least-32-characters";

/// What the customer of the fixture looks like in a page body.
const PERSONAL: [&str; 4] = [NAME, EMAIL, USERNAME, STREET];

fn contact() -> Value {
    json!({
        "name": NAME, "email": EMAIL, "phone": PHONE, "address_line1": STREET, "address_line2": "",
        "city": "Paris", "postcode": "75007", "country": "FR"
    })
}

struct Fixture {
    customer: String,
    token: String,
    order: String,
}

pub(crate) async fn register(app: &TestApp, username: &str, email: &str) -> (String, String) {
    let body = json!({"username": username, "email": email, "password": PASSWORD, "marketing_opt_in": true});
    let (status, answer) = app.post_json("/api/v1/account/register", &body).await;
    assert_eq!(status, 201, "{answer}");
    let token = answer["token"].as_str().unwrap_or_default().to_string();
    let parsed = luxevault_core::Email::parse(email).unwrap_or_else(|e| panic!("{e:?}"));
    let account = luxevault_storage::Accounts::by_email(&app.db, &parsed).await.ok().flatten();
    let id = account.map(|a| a.id.to_string()).unwrap_or_else(|| panic!("account stored"));
    (id, token)
}

/// Places an order for one piece (as the account holder when `token` is given) and pays it on
/// the demo page: the order is authorised, its capture queued.
pub(crate) async fn paid_order(app: &TestApp, key: &str, token: Option<&str>) -> String {
    let catalog = app.catalog().await;
    let (_, variant) = pick::in_stock_variant(&catalog, 1);
    let mut request = app
        .client
        .post(app.url("/api/v1/orders"))
        .header("Idempotency-Key", key)
        .json(&json!({"currency": "EUR", "lines": [{"sku": variant.sku, "quantity": 1}], "contact": contact()}));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status().as_u16(), 201);
    let placed: Value = response.json().await.unwrap_or(Value::Null);
    let redirect = placed["payment"]["redirect_url"].as_str().unwrap_or_default().to_string();
    let link = redirect.split("key=").nth(1).unwrap_or_default().to_string();
    let pay = app
        .client
        .post(app.url(redirect.split('#').next().unwrap_or_default()))
        .form(&[("key", link.as_str())])
        .send()
        .await;
    assert_eq!(pay.map(|r| r.status().as_u16()).unwrap_or(0), 303);
    placed["order"]["id"].as_str().unwrap_or_default().to_string()
}

async fn status_of(app: &TestApp, order: &str) -> String {
    let id = Uuid::parse_str(order).unwrap_or_else(|e| panic!("{e}"));
    Orders::by_id(&app.db, id).await.ok().flatten().map(|o| o.status.as_str().to_string()).unwrap_or_default()
}

async fn file_request(app: &TestApp, token: &str) -> String {
    let response = app
        .client
        .post(app.url("/api/v1/account/requests"))
        .bearer_auth(token)
        .json(&json!({"kind": "access"}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status().as_u16(), 201);
    let body: Value = response.json().await.unwrap_or(Value::Null);
    body["id"].as_str().unwrap_or_default().to_string()
}

/// A customer with an account, a marketing consent, a paid order and a privacy request.
async fn fixture(app: &TestApp) -> Fixture {
    let (customer, token) = register(app, USERNAME, EMAIL).await;
    let order = paid_order(app, "bo-pages-fixture-order-1", Some(&token)).await;
    file_request(app, &token).await;
    Fixture { customer, token, order }
}

pub(crate) async fn audit_entries(app: &TestApp) -> Vec<luxevault_core::audit::AuditEntry> {
    AuditLog::page(&app.db, &AuditFilter::default(), i64::MAX, 10_000).await.unwrap_or_else(|e| panic!("audit: {e}"))
}

pub(crate) fn assert_no_personal_data_in_audit(entries: &[luxevault_core::audit::AuditEntry]) {
    for e in entries {
        let columns = [&e.actor, &e.action, &e.subject_kind, &e.subject_id, &e.client];
        for value in columns.into_iter().chain(e.reason.as_ref()) {
            for personal in PERSONAL.iter().chain([&PHONE, &"Quillfeather", &"zq-canary"]) {
                assert!(!value.contains(personal), "personal data in the audit log: {value}");
            }
        }
    }
}

fn role_name(role: Role) -> String {
    format!("r-{}", role.as_str().replace('_', "-"))
}

#[derive(Clone, Copy, Debug)]
enum Post {
    Capture,
    Cancel,
    Fulfil,
    Refund,
    Export,
    Erase,
    LogRequest,
    Extend,
    Complete,
    RetentionPreview,
    StaffCreate,
    StaffRole,
    StaffActive,
    StaffSecondFactor,
    CorrectContact,
    CorrectEmail,
}

impl Post {
    const ALL: [Post; 16] = [
        Post::Fulfil,
        Post::Refund,
        Post::Capture,
        Post::Cancel,
        Post::Export,
        Post::Erase,
        Post::LogRequest,
        Post::Extend,
        Post::Complete,
        Post::RetentionPreview,
        Post::StaffCreate,
        Post::StaffRole,
        Post::StaffActive,
        Post::StaffSecondFactor,
        Post::CorrectContact,
        Post::CorrectEmail,
    ];

    fn permission(self) -> Permission {
        match self {
            Post::Capture | Post::Cancel => Permission::ManageOrders,
            Post::Fulfil => Permission::FulfilOrders,
            Post::Refund => Permission::RefundOrders,
            Post::Export => Permission::ExportCustomerData,
            Post::Erase => Permission::EraseCustomerData,
            Post::LogRequest | Post::Extend | Post::Complete => Permission::HandlePrivacyRequests,
            Post::RetentionPreview => Permission::ViewRetention,
            // Every role that may correct also sees the contact (core::staff's unit test).
            Post::CorrectContact | Post::CorrectEmail => Permission::CorrectCustomerData,
            Post::StaffCreate | Post::StaffRole | Post::StaffActive | Post::StaffSecondFactor => {
                Permission::ManageStaff
            }
        }
    }

    /// The status of a successful action: a redirect, or a page / a download.
    fn success(self) -> u16 {
        match self {
            Post::Export | Post::Erase | Post::RetentionPreview => 200,
            _ => 303,
        }
    }
}

/// The path and form of `action`: on records prepared so that it can succeed when `allowed`,
/// on the fixture's records otherwise (which must come out untouched).
async fn prepare(
    app: &TestApp,
    fx: &Fixture,
    action: Post,
    allowed: bool,
    n: usize,
) -> (String, Vec<(&'static str, String)>) {
    let key = format!("bo-pages-order-{n:04}-abcdef");
    let reason = ("reason", "asked by the client in the boutique".to_string());
    match action {
        Post::Capture | Post::Cancel => {
            let order = if allowed { paid_order(app, &key, None).await } else { fx.order.clone() };
            let verb = if matches!(action, Post::Capture) { "capture" } else { "cancel" };
            (format!("/admin/orders/{order}/{verb}"), vec![reason])
        }
        Post::Fulfil | Post::Refund => {
            let order = if allowed {
                let order = paid_order(app, &key, None).await;
                app.run_jobs().await;
                assert_eq!(status_of(app, &order).await, "confirmed");
                order
            } else {
                fx.order.clone()
            };
            let verb = if matches!(action, Post::Fulfil) { "fulfil" } else { "refund" };
            (format!("/admin/orders/{order}/{verb}"), vec![reason])
        }
        Post::Export => (format!("/admin/customers/{}/export", fx.customer), vec![reason]),
        Post::Erase => {
            if allowed {
                let username = format!("erasable-{n}");
                let (id, _) = register(app, &username, &format!("erasable-{n}@example.test")).await;
                (format!("/admin/customers/{id}/erase"), vec![reason, ("confirm", username)])
            } else {
                (format!("/admin/customers/{}/erase", fx.customer), vec![reason, ("confirm", USERNAME.to_string())])
            }
        }
        Post::LogRequest => (
            "/admin/privacy/requests".to_string(),
            vec![
                ("kind", "erasure".to_string()),
                ("channel", "whatsapp".to_string()),
                ("contact", "+44 7700 900123".to_string()),
                ("received_on", "2026-11-20".to_string()),
            ],
        ),
        Post::Extend | Post::Complete => {
            let request = file_request(app, &fx.token).await;
            if matches!(action, Post::Extend) {
                (
                    format!("/admin/privacy/requests/{request}/extend"),
                    vec![("reason", "several systems to search".to_string())],
                )
            } else {
                (
                    format!("/admin/privacy/requests/{request}/complete"),
                    vec![("outcome", "copy sent".to_string()), ("result", "completed".to_string())],
                )
            }
        }
        Post::RetentionPreview => {
            ("/admin/privacy/retention/preview".to_string(), vec![("as_of", "2033-01-01".to_string())])
        }
        Post::StaffCreate => (
            "/admin/staff".to_string(),
            vec![
                ("username", format!("new-member-{n}")),
                ("name", "New member".to_string()),
                ("role", "associate".to_string()),
                ("password", "a long enough staff password".to_string()),
            ],
        ),
        Post::CorrectContact => {
            let order = if allowed { paid_order(app, &key, None).await } else { fx.order.clone() };
            let mut form: Vec<(&'static str, String)> = [
                ("name", NAME),
                ("email", EMAIL),
                ("phone", "+33 7 00 00 00 01"),
                ("line1", STREET),
                ("line2", ""),
                ("city", "Paris"),
                ("postcode", "75007"),
                ("channel", "phone"),
            ]
            .into_iter()
            .map(|(k, v)| (k, v.to_string()))
            .collect();
            form.push(reason);
            (format!("/admin/orders/{order}/contact"), form)
        }
        Post::CorrectEmail => {
            let customer = if allowed {
                register(app, &format!("correctable-{n}"), &format!("correctable-{n}@example.test")).await.0
            } else {
                fx.customer.clone()
            };
            (
                format!("/admin/customers/{customer}/contact"),
                vec![("email", format!("corrected-{n}@example.test")), reason],
            )
        }
        Post::StaffRole | Post::StaffActive | Post::StaffSecondFactor => {
            let target = app.create_staff(&format!("target-{n}"), Role::Associate).await;
            match action {
                Post::StaffRole => (format!("/admin/staff/{target}/role"), vec![("role", "fulfilment".to_string())]),
                Post::StaffActive => (format!("/admin/staff/{target}/active"), vec![("active", "false".to_string())]),
                _ => (format!("/admin/staff/{target}/second-factor"), vec![]),
            }
        }
    }
}

pub(crate) async fn post(member: &StaffBrowser<'_>, path: &str, form: &[(&'static str, String)]) -> (u16, String) {
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = member.submit("/admin/sessions", path, &fields).await;
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

async fn every_page_and_action_answers_only_to_the_roles_allowed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = fixture(&app).await;
    let number = Orders::by_id(&app.db, Uuid::parse_str(&fx.order).unwrap_or_default())
        .await
        .ok()
        .flatten()
        .map(|o| o.number)
        .unwrap_or_default();
    let pages: Vec<(String, Permission)> = vec![
        ("/admin/orders".into(), Permission::ViewOrders),
        (format!("/admin/orders/{}", fx.order), Permission::ViewOrders),
        ("/admin/customers".into(), Permission::ViewCustomers),
        (format!("/admin/customers/{}", fx.customer), Permission::ViewCustomers),
        (format!("/admin/customers/{}/messages", fx.customer), Permission::ViewCustomerMessages),
        ("/admin/privacy/requests".into(), Permission::HandlePrivacyRequests),
        ("/admin/privacy/consents".into(), Permission::ViewConsents),
        ("/admin/privacy/retention".into(), Permission::ViewRetention),
        ("/admin/staff".into(), Permission::ManageStaff),
    ];
    let mut n = 0;
    for role in Role::ALL {
        let member = app.staff(&role_name(role), role).await;
        for (path, permission) in &pages {
            let (status, body) = member.get(path).await;
            if role.allows(*permission) {
                assert_eq!(status, 200, "{role:?} GET {path}: {body}");
            } else {
                assert_eq!(status, 403, "{role:?} GET {path}");
                for personal in PERSONAL.iter().chain([&number.as_str(), &fx.customer.as_str()]) {
                    assert!(!body.contains(personal), "{role:?} GET {path} shows {personal}");
                }
            }
        }
        // The order page shows the contact and the address only to roles that may see them.
        let (_, order_page) = member.get(&format!("/admin/orders/{}", fx.order)).await;
        let contact = role.allows(Permission::ViewCustomerContact);
        let address = role.allows(Permission::ViewShippingAddress);
        assert_eq!(order_page.contains(EMAIL) && order_page.contains(NAME), contact, "{role:?}: contact");
        assert_eq!(order_page.contains(STREET), address, "{role:?}: address");
        // The parcel's recipient (M5): the name and phone a carrier needs go with the address —
        // fulfilment sees them — and the email only with the contact.
        assert_eq!(order_page.contains(EMAIL), contact, "{role:?}: email");
        assert_eq!(order_page.contains(NAME), contact || address, "{role:?}: recipient's name");
        assert_eq!(order_page.contains(PHONE), contact || address, "{role:?}: recipient's phone");
        if role == Role::Fulfilment {
            assert!(order_page.contains(PHONE) && order_page.contains(NAME), "fulfilment has the parcel's recipient");
            assert!(!order_page.contains(EMAIL), "fulfilment never sees the email");
            assert!(!order_page.contains(&format!("/admin/customers/{}", fx.customer)), "nor the customer link");
            assert!(!order_page.contains("data-testid=\"correct-contact\""), "nor corrects it");
        }
        let correct_form = order_page.contains("data-testid=\"correct-contact\"");
        assert_eq!(correct_form, role.allows(Permission::CorrectCustomerData), "{role:?}: correction form");
        let (_, profile) = member.get(&format!("/admin/customers/{}", fx.customer)).await;
        if role.allows(Permission::ViewCustomers) {
            assert_eq!(profile.contains(EMAIL), contact, "{role:?}: email on the profile");
        }

        // Orders needing to be confirmed first, so that later runs of the queue leave the
        // authorised ones alone (Post::ALL lists fulfil and refund first).
        let mut prepared = Vec::new();
        for action in Post::ALL {
            n += 1;
            let allowed = role.allows(action.permission());
            prepared.push((action, allowed, prepare(&app, &fx, action, allowed, n).await));
        }
        for (action, allowed, (path, form)) in prepared {
            let (status, body) = post(&member, &path, &form).await;
            if allowed {
                assert_eq!(status, action.success(), "{role:?} {action:?} {path}: {body}");
            } else {
                assert_eq!(status, 403, "{role:?} {action:?} {path}");
                for personal in PERSONAL {
                    assert!(!body.contains(personal), "{role:?} {action:?} shows {personal}");
                }
            }
        }
    }
    // Nothing forbidden changed the fixture: the customer is still there.
    let customer = Uuid::parse_str(&fx.customer).unwrap_or_default();
    assert!(luxevault_storage::Accounts::by_id(&app.db, customer).await.ok().flatten().is_some());
    assert_no_personal_data_in_audit(&audit_entries(&app).await);
    app.stop().await;
}

async fn fulfilment_cannot_open_a_customers_messages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = fixture(&app).await;
    let path = format!("/admin/customers/{}/messages", fx.customer);
    let packer = app.staff("packer", Role::Fulfilment).await;
    let (status, body) = packer.get(&path).await;
    assert_eq!(status, 403);
    for shown in PERSONAL.iter().chain(&["Order confirmation", "Welcome", fx.customer.as_str()]) {
        assert!(!body.contains(shown), "the refused page shows {shown}");
    }
    // Nothing was read, so nothing is in the log under the packer's name.
    let entries = audit_entries(&app).await;
    let packer_actor = format!("staff:{}", packer.id);
    assert!(!entries.iter().any(|e| e.actor == packer_actor && e.action == "customer.messages.view"));
    // The associate, who serves the client, sees the records the shop holds.
    let associate = app.staff("associate", Role::Associate).await;
    let (status, body) = associate.get(&path).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Order confirmation"), "the queued confirmation is listed");
    assert!(!body.contains("\"template\""), "job payloads are never shown as such");
    let entries = audit_entries(&app).await;
    assert!(entries.iter().any(|e| e.actor == format!("staff:{}", associate.id)
        && e.action == "customer.messages.view"
        && e.subject_id == fx.customer));
    app.stop().await;
}

async fn views_and_changes_leave_audit_entries_without_personal_data(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.admin_token = luxevault::config::Secret::new(ADMIN)).await;
    let fx = fixture(&app).await;
    let owner = app.staff("owner", Role::Owner).await;
    let actor = format!("staff:{}", owner.id);
    assert_eq!(owner.get(&format!("/admin/orders/{}", fx.order)).await.0, 200);
    assert_eq!(owner.get(&format!("/admin/customers/{}", fx.customer)).await.0, 200);
    assert_eq!(owner.get(&format!("/admin/customers/{}/messages", fx.customer)).await.0, 200);
    assert_eq!(owner.get("/admin/privacy/consents").await.0, 200);
    assert_eq!(owner.get("/admin/privacy/requests").await.0, 200);
    let (status, body) = post(&owner, &format!("/admin/orders/{}/capture", fx.order), &[]).await;
    assert_eq!(status, 303, "{body}");
    assert_eq!(status_of(&app, &fx.order).await, "confirmed");
    assert_eq!(post(&owner, &format!("/admin/orders/{}/fulfil", fx.order), &[]).await.0, 303);
    let why = ("reason", "goodwill gesture, ticket 4411".to_string());
    assert_eq!(post(&owner, &format!("/admin/orders/{}/refund", fx.order), std::slice::from_ref(&why)).await.0, 303);
    assert_eq!(status_of(&app, &fx.order).await, "refunded");
    let export = format!("/admin/customers/{}/export", fx.customer);
    let (status, document) = post(&owner, &export, &[("reason", "request by letter".into())]).await;
    assert_eq!(status, 200);
    assert!(document.contains(EMAIL) && document.contains("luxevault.subject-access.v1"), "the customer's own copy");
    // The order's history names the member by id; the page shows their username.
    let events = Orders::events(&app.db, Uuid::parse_str(&fx.order).unwrap_or_default()).await.unwrap_or_default();
    assert!(events.iter().any(|e| e.actor == actor && e.to_status == "fulfilled"), "{events:?}");
    assert!(
        events
            .iter()
            .any(|e| e.actor == actor && e.to_status == "refunded" && e.reason == "goodwill gesture, ticket 4411"),
        "the refund's reason is in the order's history: {events:?}"
    );

    // The admin-token API is audited as api-token.
    let response = app
        .client
        .get(app.url("/api/v1/admin/privacy-requests"))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status().as_u16(), 200);
    let other = paid_order(&app, "bo-pages-api-order-0001", None).await;
    let response = app
        .client
        .post(app.url(&format!("/api/v1/admin/orders/{other}/cancel")))
        .bearer_auth(ADMIN)
        .json(&json!({"reason": "customer asked by phone"}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status().as_u16(), 200);

    let entries = audit_entries(&app).await;
    let has = |who: &str, action: &str, subject: &str| {
        entries.iter().any(|e| e.actor == who && e.action == action && e.subject_id == subject)
    };
    for (action, subject) in [
        ("order.view", fx.order.as_str()),
        ("customer.view", fx.customer.as_str()),
        ("customer.messages.view", fx.customer.as_str()),
        ("consents.view", "*"),
        ("privacy_requests.view", "*"),
        ("order.capture", fx.order.as_str()),
        ("order.fulfil", fx.order.as_str()),
        ("order.refund", fx.order.as_str()),
        ("privacy.export", fx.customer.as_str()),
    ] {
        assert!(has(&actor, action, subject), "no {action} entry for {subject}");
    }
    let refund = entries.iter().find(|e| e.action == "order.refund").and_then(|e| e.reason.clone());
    assert_eq!(refund.as_deref(), Some("goodwill gesture, ticket 4411"), "the refund's reason is recorded");
    assert!(has("api-token", "privacy_requests.view", "*"));
    assert!(has("api-token", "order.cancel", &other));
    assert_no_personal_data_in_audit(&entries);
    // And the chain is intact.
    let verified = luxevault_shop::staff::audit_trail::verify(&app.db).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(verified.broken.is_none());
    app.stop().await;
}

async fn refunds_need_a_reason_and_erasure_the_typed_username(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = fixture(&app).await;
    app.run_jobs().await;
    assert_eq!(status_of(&app, &fx.order).await, "confirmed");
    let owner = app.staff("owner", Role::Owner).await;
    let refund = format!("/admin/orders/{}/refund", fx.order);
    for reason in ["", "   "] {
        let (status, _) = post(&owner, &refund, &[("reason", reason.to_string())]).await;
        assert_eq!(status, 422);
    }
    assert_eq!(status_of(&app, &fx.order).await, "confirmed", "no refund without a reason");

    let erase = format!("/admin/customers/{}/erase", fx.customer);
    let why = ("reason", "erasure asked by email".to_string());
    for confirm in ["", "someone-else", "zephyrine"] {
        let (status, body) = post(&owner, &erase, &[why.clone(), ("confirm", confirm.to_string())]).await;
        assert_eq!(status, 422, "{body}");
    }
    let (status, _) = post(&owner, &erase, &[("reason", String::new()), ("confirm", USERNAME.to_string())]).await;
    assert_eq!(status, 422, "a reason is required too");
    let customer = Uuid::parse_str(&fx.customer).unwrap_or_default();
    assert!(luxevault_storage::Accounts::by_id(&app.db, customer).await.ok().flatten().is_some(), "nothing erased");
    let (status, body) = post(&owner, &erase, &[why.clone(), ("confirm", USERNAME.to_uppercase())]).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Kept, and why"), "{body}");
    assert!(luxevault_storage::Accounts::by_id(&app.db, customer).await.ok().flatten().is_none(), "erased");
    // The same engine as the customer's own erasure: the order on its way keeps its address
    // until complete; the profile is gone.
    assert_eq!(owner.get(&format!("/admin/customers/{}", fx.customer)).await.0, 404);
    let entries = audit_entries(&app).await;
    let erased = entries.iter().find(|e| e.action == "privacy.erase").unwrap_or_else(|| panic!("no privacy.erase"));
    assert_eq!(
        (erased.subject_id.as_str(), erased.reason.as_deref()),
        (fx.customer.as_str(), Some("erasure asked by email"))
    );
    assert_eq!(entries.iter().filter(|e| e.action == "privacy.erase").count(), 1, "refused attempts erase nothing");
    assert_no_personal_data_in_audit(&entries);
    app.stop().await;
}

async fn the_staff_page_keeps_one_active_owner(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.staff("first-owner", Role::Owner).await;
    let (status, page) = owner.get("/admin/staff").await;
    assert_eq!(status, 200);
    assert!(page.contains("first-owner") && page.contains("data-testid=\"permission-matrix\""));
    // The last active owner can neither be demoted nor disabled.
    let me = owner.id;
    let (status, body) = post(&owner, &format!("/admin/staff/{me}/role"), &[("role", "manager".into())]).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("at least one active owner"));
    assert_eq!(post(&owner, &format!("/admin/staff/{me}/active"), &[("active", "false".into())]).await.0, 409);
    let row = Staff::by_id(&app.db, me).await.ok().flatten().unwrap_or_else(|| panic!("owner"));
    assert_eq!((row.role.as_str(), row.active), ("owner", true));
    // With a second owner, the first can step down.
    let form = [
        ("username", "second-owner".to_string()),
        ("name", "Second".to_string()),
        ("role", "owner".to_string()),
        ("password", "short".to_string()),
    ];
    assert_eq!(post(&owner, "/admin/staff", &form).await.0, 422, "the password rule is enforced");
    let mut form = form;
    form[3].1 = "a long enough staff password".to_string();
    assert_eq!(post(&owner, "/admin/staff", &form).await.0, 303);
    assert_eq!(post(&owner, "/admin/staff", &form).await.0, 409, "usernames are unique");
    let second = Staff::by_username(&app.db, "second-owner").await.ok().flatten().unwrap_or_else(|| panic!("second"));
    assert_eq!(post(&owner, &format!("/admin/staff/{}/second-factor", second.id), &[]).await.0, 303);
    assert_eq!(post(&owner, &format!("/admin/staff/{me}/role"), &[("role", "manager".into())]).await.0, 303);
    let entries = audit_entries(&app).await;
    for action in ["staff.view", "staff.create", "staff.role_change", "staff.second_factor_reset"] {
        assert!(entries.iter().any(|e| e.action == action && e.actor == format!("staff:{me}")), "{action}");
    }
    // Demoted, the member's sessions ended: the page is no longer theirs.
    assert_ne!(owner.get("/admin/staff").await.0, 200);
    app.stop().await;
}

async fn forged_posts_without_csrf_are_refused_on_the_pages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = fixture(&app).await;
    let owner = app.staff("owner", Role::Owner).await;
    let paths = [
        format!("/admin/orders/{}/capture", fx.order),
        format!("/admin/orders/{}/cancel", fx.order),
        format!("/admin/orders/{}/fulfil", fx.order),
        format!("/admin/orders/{}/refund", fx.order),
        format!("/admin/customers/{}/export", fx.customer),
        format!("/admin/customers/{}/erase", fx.customer),
        "/admin/privacy/requests".to_string(),
        "/admin/privacy/retention/preview".to_string(),
        "/admin/staff".to_string(),
        format!("/admin/staff/{}/active", owner.id),
    ];
    let form = [
        ("reason", "forged"),
        ("confirm", USERNAME),
        ("kind", "access"),
        ("channel", "email"),
        ("contact", "x@example.test"),
        ("as_of", "2030-01-01"),
        ("username", "forged-member"),
        ("role", "owner"),
        ("password", "a long enough staff password"),
        ("active", "false"),
    ];
    for path in &paths {
        let response = app.post_form(path, Some(&owner.cookie), &form).await;
        assert_eq!(response.status().as_u16(), 403, "{path} without a token");
        let mut with_wrong = form.to_vec();
        let wrong = "0".repeat(64);
        with_wrong.push(("csrf", &wrong));
        let response = app.post_form(path, Some(&owner.cookie), &with_wrong).await;
        assert_eq!(response.status().as_u16(), 403, "{path} with another token");
    }
    assert_eq!(status_of(&app, &fx.order).await, "authorised", "nothing moved");
    let customer = Uuid::parse_str(&fx.customer).unwrap_or_default();
    assert!(luxevault_storage::Accounts::by_id(&app.db, customer).await.ok().flatten().is_some());
    assert!(Staff::by_username(&app.db, "forged-member").await.ok().flatten().is_none());
    let entries = audit_entries(&app).await;
    assert!(!entries.iter().any(|e| e.action.starts_with("order.") || e.action.starts_with("privacy.")));
    app.stop().await;
}

async fn privacy_requests_are_logged_extended_and_closed_from_the_queue(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let officer = app.staff("officer", Role::PrivacyOfficer).await;
    let form = [
        ("kind", "access".to_string()),
        ("channel", "whatsapp".to_string()),
        ("contact", "+44 7700 900456".to_string()),
        ("received_on", "2026-11-02".to_string()),
    ];
    assert_eq!(post(&officer, "/admin/privacy/requests", &form).await.0, 303);
    let mut web = form.clone();
    web[1].1 = "web".to_string();
    assert_eq!(post(&officer, "/admin/privacy/requests", &web).await.0, 422, "staff log email and WhatsApp");
    let (status, page) = officer.get("/admin/privacy/requests").await;
    assert_eq!(status, 200);
    assert!(page.contains("+44 7700 900456") && page.contains("whatsapp"), "{page}");
    assert!(page.contains("days left"), "the countdown");
    let open = luxevault_storage::PrivacyRequests::open(&app.db).await.unwrap_or_default();
    let id = open.first().map(|r| r.id).unwrap_or_else(|| panic!("logged"));
    let extend = format!("/admin/privacy/requests/{id}/extend");
    assert_eq!(post(&officer, &extend, &[("reason", String::new())]).await.0, 422);
    assert_eq!(post(&officer, &extend, &[("reason", "records in two systems".into())]).await.0, 303);
    assert_eq!(post(&officer, &extend, &[("reason", "again".into())]).await.0, 409, "once only");
    let complete = format!("/admin/privacy/requests/{id}/complete");
    let done = [("outcome", "copy sent by email".to_string()), ("result", "completed".to_string())];
    assert_eq!(post(&officer, &complete, &done).await.0, 303);
    let row = luxevault_storage::PrivacyRequests::by_id(&app.db, id).await.ok().flatten().unwrap_or_else(|| panic!());
    assert_eq!((row.status.as_str(), row.outcome.as_deref()), ("completed", Some("copy sent by email")));
    let entries = audit_entries(&app).await;
    for action in ["privacy_request.log", "privacy_request.extend", "privacy_request.complete"] {
        assert!(entries.iter().any(|e| e.action == action && e.subject_id == id.to_string()), "{action}");
    }
    // The retention page and its preview.
    let (status, body) = post(&officer, "/admin/privacy/retention/preview", &[("as_of", "2034-01-01".into())]).await;
    assert_eq!(status, 200);
    assert!(body.contains("data-testid=\"retention-preview\"") && body.contains("dry run"), "{body}");
    app.stop().await;
}

backend_tests!(
    every_page_and_action_answers_only_to_the_roles_allowed,
    fulfilment_cannot_open_a_customers_messages,
    views_and_changes_leave_audit_entries_without_personal_data,
    refunds_need_a_reason_and_erasure_the_typed_username,
    the_staff_page_keeps_one_active_owner,
    forged_posts_without_csrf_are_refused_on_the_pages,
    privacy_requests_are_logged_extended_and_closed_from_the_queue,
);
