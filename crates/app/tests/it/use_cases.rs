//! The application layer's use cases called directly, one level below HTTP, on a fresh database
//! of each backend: order placement, the request lifecycle, erasure. These are the functions the
//! API, the back office, the jobs and the CLI all call.

use luxevault_core::checkout::{ContactInput, OrderContact};
use luxevault_core::order::{Actor, OrderStatus};
use luxevault_core::{Lang, Pii};
use luxevault_shop::ShopError;
use luxevault_shop::orders::{self, PlaceError, PlaceOrder, Placed};
use luxevault_shop::privacy::{requests, rights};
use luxevault_storage::{Orders, PrivacyRequests};

use crate::support::{Backend, TestApp, dump_text, pick};

pub fn contact(email: &str, address_line2: &str) -> OrderContact {
    ContactInput {
        name: Pii::new("Jeanne Dupont".into()),
        email: Pii::new(email.into()),
        phone: Pii::new("+33 6 12 34 56 78".into()),
        address_line1: Pii::new("12 rue du Faubourg Saint-Honoré".into()),
        address_line2: Pii::new(address_line2.into()),
        city: Pii::new("Paris".into()),
        postcode: Pii::new("75008".into()),
        country: "FR".into(),
    }
    .validate()
    .unwrap_or_else(|e| panic!("{e:?}"))
}

/// Places a guest order of one piece in euros under `key`.
pub async fn place(app: &TestApp, key: &str, email: &str) -> Result<Placed, PlaceError> {
    let catalog = app.catalog().await;
    let (_, variant) = pick::in_stock_variant(&catalog, 2);
    let place = PlaceOrder {
        lang: Lang::parse("en").unwrap_or_else(|| panic!("en")),
        currency: "EUR",
        lines: vec![(variant.sku.clone(), 1)],
        contact: contact(email, ""),
        customer: None,
        idempotency_key: key,
        delivery: None,
    };
    orders::place_order(&app.shop, place).await
}

async fn placing_an_order_is_idempotent_and_refuses_what_changed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let first = place(&app, "use-case-key-0000000001", "jeanne@example.test").await.unwrap_or_else(|e| panic!("{e:?}"));
    assert!(!first.replayed);
    assert_eq!(first.order.status, OrderStatus::AwaitingPayment);
    let again = place(&app, "use-case-key-0000000001", "jeanne@example.test").await.unwrap_or_else(|e| panic!("{e:?}"));
    assert!(again.replayed, "the same request under the same key is the same order");
    assert_eq!((again.order.id, again.redirect_url), (first.order.id, first.redirect_url));
    let other = place(&app, "use-case-key-0000000001", "someone.else@example.test").await;
    assert!(matches!(other, Err(PlaceError::KeyReused)), "{:?}", other.err());

    let mut unknown = PlaceOrder {
        lang: Lang::parse("en").unwrap_or_else(|| panic!("en")),
        currency: "EUR",
        lines: vec![("NO-SUCH-SKU".into(), 1)],
        contact: contact("jeanne@example.test", ""),
        customer: None,
        idempotency_key: "use-case-key-0000000002",
        delivery: None,
    };
    let changed = orders::place_order(&app.shop, unknown).await;
    assert!(matches!(&changed, Err(PlaceError::CartChanged(skus)) if skus == &["NO-SUCH-SKU".to_string()]));
    unknown = PlaceOrder {
        lang: Lang::parse("en").unwrap_or_else(|| panic!("en")),
        currency: "XXX",
        lines: vec![("NO-SUCH-SKU".into(), 1)],
        contact: contact("jeanne@example.test", ""),
        customer: None,
        idempotency_key: "use-case-key-0000000003",
        delivery: None,
    };
    assert!(matches!(orders::place_order(&app.shop, unknown).await, Err(PlaceError::UnsupportedCurrency)));
    let count = Orders::for_email(&app.db, "jeanne@example.test", 10).await.unwrap_or_default().len();
    assert_eq!(count, 1, "refused placements record nothing");
    app.stop().await;
}

async fn a_request_lives_its_life_through_the_use_cases(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let shop = &app.shop;
    let refused = requests::log_received(shop, "gossip", "email", "a@example.test", None).await;
    assert!(matches!(refused, Err(ShopError::Invalid { code: "invalid_kind", .. })), "{refused:?}");
    let refused = requests::log_received(shop, "access", "email", "a@example.test", Some("2030-01-01")).await;
    assert!(matches!(refused, Err(ShopError::Invalid { code: "invalid_date", .. })), "{refused:?}");
    let row = requests::log_received(shop, "access", "whatsapp", "+33612345678", Some("2026-11-20"))
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(row.status, "open");
    assert_eq!(row.due_at.to_rfc3339(), "2026-12-20T00:00:00Z");

    // Staff's reason is mailed to the person and stored: a card number in it is never kept.
    let reason = "Your card 4111 1111 1111 1111 was mentioned; we gather the boutiques' records.";
    let extended = requests::extend_request(shop, row.id, reason).await.unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(extended.status, "extended");
    let kept = extended.extension_reason.clone().unwrap_or_default();
    assert!(kept.contains("ending 1111") && !kept.contains("4111 1111"), "{kept}");
    let twice = requests::extend_request(shop, row.id, "again").await;
    assert!(matches!(twice, Err(ShopError::Conflict { code: "not_open", .. })), "{twice:?}");

    let empty = requests::complete_request(shop, row.id, "  ", false, Actor::System).await;
    assert!(matches!(empty, Err(ShopError::Invalid { code: "outcome_required", .. })), "{empty:?}");
    let closed = requests::complete_request(shop, row.id, "copy sent by WhatsApp", false, Actor::System)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(closed.request.status, "completed");
    assert!(closed.notified.is_none(), "an access request tells no recipient");
    let again = requests::complete_request(shop, row.id, "again", false, Actor::System).await;
    assert!(matches!(again, Err(ShopError::Conflict { code: "not_open", .. })), "{again:?}");
    let missing = requests::extend_request(shop, uuid::Uuid::new_v4(), "a reason").await;
    assert!(matches!(missing, Err(ShopError::NotFound(_))), "{missing:?}");
    assert!(!dump_text(&app.db).await.contains("4111 1111 1111 1111"), "no card number anywhere in the database");
    app.stop().await;
}

async fn erasure_by_address_anonymises_and_says_what_was_kept(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let shop = &app.shop;
    let unpaid =
        place(&app, "erasure-key-000000000001", "erase.me@example.test").await.unwrap_or_else(|e| panic!("{e:?}"));
    let paid =
        place(&app, "erasure-key-000000000002", "erase.me@example.test").await.unwrap_or_else(|e| panic!("{e:?}"));
    orders::payment_authorised(shop, &paid.order, Some("pay_demo_1"), Actor::Provider("demo"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let row = requests::log_received(shop, "erasure", "email", "erase.me@example.test", None)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let lang = Lang::parse("en").unwrap_or_else(|| panic!("en"));
    let now = luxevault_core::Clock::now(&app.clock);
    let erasure = rights::erase_by_email(shop, row.id, "erase.me@example.test", &lang, now)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));

    let unpaid_now = Orders::by_id(&app.db, unpaid.order.id).await.ok().flatten().unwrap_or_else(|| panic!("kept"));
    assert_eq!(unpaid_now.status, OrderStatus::Cancelled, "an unpaid order is cancelled before it is anonymised");
    assert!(!unpaid_now.email.expose().contains("erase.me"), "and anonymised");
    let paid_now = Orders::by_id(&app.db, paid.order.id).await.ok().flatten().unwrap_or_else(|| panic!("kept"));
    assert!(paid_now.email.expose().contains("erase.me"), "an order on its way keeps its address until delivered");
    assert!(
        erasure.kept.iter().any(|k| k.what.contains(&paid.order.number)),
        "the person is told which order is kept for now: {:?}",
        erasure.kept
    );
    let told: Vec<&str> = erasure.notified.iter().map(|n| n.recipient.as_str()).collect();
    assert!(told.contains(&"email_service") && told.contains(&"cloud_host"), "{told:?}");
    assert_eq!(PrivacyRequests::by_id(&app.db, row.id).await.ok().flatten().map(|r| r.status), Some("open".into()));
    // The whole answer, pinned: the sentences the person reads, the same on both databases.
    let mut answer = serde_json::to_value(&erasure).unwrap_or_default();
    let numbers = [unpaid.order.number.as_str(), paid.order.number.as_str()];
    redact_numbers(&mut answer, &numbers);
    insta::assert_json_snapshot!("erasure_by_address_answer", answer);
    app.stop().await;
}

/// Order numbers carry the year: the snapshot names them by role.
fn redact_numbers(value: &mut serde_json::Value, numbers: &[&str]) {
    match value {
        serde_json::Value::String(text) => {
            for (i, number) in numbers.iter().enumerate() {
                *text = text.replace(number, &format!("[order {}]", i + 1));
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| redact_numbers(v, numbers)),
        serde_json::Value::Object(map) => map.values_mut().for_each(|v| redact_numbers(v, numbers)),
        _ => {}
    }
}

async fn an_authorised_payment_is_never_declined_by_the_system(backend: Backend) {
    // P9: no automated decision. The hold point after authorisation only releases the order to
    // capture or holds it for a person; no rule cancels or refunds on its own.
    let app = TestApp::spawn(backend).await;
    let placed = place(&app, "p9-key-00000000000000001", "p9@example.test").await.unwrap_or_else(|e| panic!("{e:?}"));
    orders::payment_authorised(&app.shop, &placed.order, Some("pay_demo_p9"), Actor::Provider("demo"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    app.run_jobs().await;
    let order = Orders::by_id(&app.db, placed.order.id).await.ok().flatten().unwrap_or_else(|| panic!("order"));
    assert!(
        matches!(order.status, OrderStatus::Authorised | OrderStatus::Confirmed),
        "released to capture or held for a person, never declined: {:?}",
        order.status
    );
    let events = Orders::events(&app.db, placed.order.id).await.unwrap_or_default();
    assert!(
        !events.iter().any(|e| matches!(e.to_status.as_str(), "cancelled" | "refunded")),
        "the system declined nothing: {:?}",
        events.iter().map(|e| e.to_status.clone()).collect::<Vec<_>>()
    );
    app.stop().await;
}

/// An address differing only in the case of a non-ASCII letter is the same person's, on both
/// databases: a guest's request finds the orders, staff's search finds them, and orders keyed
/// before the key was Unicode-folded are re-keyed by the migration.
async fn email_addresses_match_whatever_their_case_beyond_ascii(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let placed =
        place(&app, "use-case-key-unicode-0001", "Élodie.Œillet@Exemple.FR").await.unwrap_or_else(|e| panic!("{e:?}"));
    let found = |key: &'static str| {
        let db = app.db.clone();
        async move { Orders::for_email(&db, &luxevault_core::pii::email_key(key), 10).await.unwrap_or_default() }
    };
    assert_eq!(found("élodie.œillet@exemple.fr").await.len(), 1, "lowercase finds it");
    assert_eq!(found("ÉLODIE.ŒILLET@EXEMPLE.FR").await.len(), 1, "uppercase too");
    let search = luxevault_storage::OrderSearch::parse("ÉLODIE.Œ").unwrap_or_else(|| panic!("a search"));
    let filter = luxevault_storage::OrderFilter { search: Some(search), ..Default::default() };
    let listed =
        luxevault_storage::BackOffice::orders(&app.db, &filter, None, 10).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(listed.items.iter().map(|o| o.id).collect::<Vec<_>>(), vec![placed.order.id], "staff's prefix search");

    // A row keyed as SQL's lower() left it (É kept upper case) is re-keyed on migration.
    let legacy = "UPDATE orders SET email_key = 'Élodie.Œillet@exemple.fr'";
    let _ =
        luxevault_storage::on_db!(&app.db, pool => sqlx::query(legacy).execute(pool).await.map(|r| r.rows_affected()));
    assert!(found("élodie.œillet@exemple.fr").await.is_empty(), "the legacy key misses it");
    assert_eq!(Orders::rekey_emails(&app.db).await.unwrap_or_default(), 1);
    assert_eq!(found("élodie.œillet@exemple.fr").await.len(), 1, "re-keyed");
    app.stop().await;
}

backend_tests!(
    email_addresses_match_whatever_their_case_beyond_ascii,
    placing_an_order_is_idempotent_and_refuses_what_changed,
    a_request_lives_its_life_through_the_use_cases,
    erasure_by_address_anonymises_and_says_what_was_kept,
    an_authorised_payment_is_never_declined_by_the_system,
);
