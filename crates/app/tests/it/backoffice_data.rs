//! The back office's data layer on both backends: order and customer lists (filters, search,
//! keyset pages that never repeat or skip a row), reports, catalog edits reaching the
//! storefront, and uploaded images served over HTTP without their metadata.

use std::collections::HashSet;

use luxevault_core::catalog::Availability;
use luxevault_core::catalog::snapshot::ProductText;
use luxevault_core::media::{DEFAULT_MAX_BYTES, accept_image};
use luxevault_core::order::{Actor, OrderStatus};
use luxevault_core::{Currency, Email, Lang, Money, Timestamp};
use luxevault_storage::{
    Accounts, BackOffice, CatalogAdmin, CatalogEditError, CatalogStore, CreateAccount, CreateOrder, Cursor, Db,
    NewCustomer, NewOrder, NewOrderContact, NewPrivacyRequest, OrderFilter, OrderSearch, OrderSummary, Orders,
    PrivacyRequests,
};
use uuid::Uuid;

use crate::support::{Backend, TEST_NOW, TestApp, TestDb};

const DAY: i64 = Timestamp::MICROS_PER_DAY;

async fn place(
    db: &Db,
    email: &str,
    currency: &str,
    total: i64,
    customer: Option<Uuid>,
    at: Timestamp,
) -> OrderSummary {
    let key = Uuid::new_v4().to_string();
    let order = NewOrder {
        customer_id: customer,
        series: "ME-2026",
        currency,
        subtotal_minor: total,
        total_minor: total,
        lang: "en",
        contact: NewOrderContact {
            name: "A Person",
            email,
            phone: "+33 6 00 00 00 00",
            address_line1: "1 rue de la Paix",
            address_line2: "",
            city: "Paris",
            postcode: "75002",
            country: "FR",
        },
        lines: Vec::new(),
        payment_provider: "demo",
        idempotency_key: &key,
        request_hash: "h",
        actor: Actor::Customer,
        delivery: Default::default(),
        tax_lines: Vec::new(),
    };
    match Orders::create(db, &order, at).await {
        Ok(CreateOrder::Created(row)) => OrderSummary {
            id: row.id,
            number: row.number,
            status: row.status,
            currency: row.currency,
            total_minor: row.total_minor,
            refunded_minor: row.refunded_minor,
            name: row.name,
            email: row.email,
            country: row.country,
            customer_id: row.customer_id,
            placed_at: row.created_at,
        },
        other => panic!("order not created: {other:?}"),
    }
}

async fn move_to(db: &Db, id: Uuid, path: &[OrderStatus]) {
    for &to in path {
        Orders::transition(db, id, to, &Actor::System, "test", TEST_NOW)
            .await
            .unwrap_or_else(|e| panic!("transition: {e}"));
    }
}

/// Every page of a filter, following the cursor, with the page size asked.
async fn all_pages(db: &Db, filter: &OrderFilter, size: u32) -> Vec<Uuid> {
    let mut seen = Vec::new();
    let mut after: Option<Cursor> = None;
    for _ in 0..1000 {
        let page = BackOffice::orders(db, filter, after, size).await.unwrap_or_else(|e| panic!("orders: {e}"));
        assert!(page.items.len() <= size as usize);
        seen.extend(page.items.iter().map(|o| o.id));
        match page.next {
            // Through its text form, as a page's link carries it.
            Some(next) => after = Some(Cursor::decode(&next.encode()).unwrap_or_else(|| panic!("cursor"))),
            None => return seen,
        }
    }
    panic!("pagination did not end")
}

/// The expected order of a list: newest first, ties by id descending.
fn newest_first(mut orders: Vec<&OrderSummary>) -> Vec<Uuid> {
    orders.sort_by_key(|o| std::cmp::Reverse((o.placed_at, o.id)));
    orders.into_iter().map(|o| o.id).collect()
}

async fn orders_filter_and_page_without_repeats_or_gaps(backend: Backend) {
    let test = TestDb::new(backend).await;
    let db = &test.db;
    let emails = ["jane.doe@example.test", "JANE.Smith@example.test", "janet@example.test", "bob@example.test"];
    let mut all = Vec::new();
    // Three instants shared by many orders, so pages must break ties by id.
    for (i, at) in [TEST_NOW, TEST_NOW.plus_seconds(-60), TEST_NOW.plus_days(-3)].into_iter().enumerate() {
        for j in 0..(9 - i * 2) {
            let email = emails[(i + j) % emails.len()];
            let currency = if j % 3 == 0 { "USD" } else { "EUR" };
            all.push(place(db, email, currency, 1_000 * (j as i64 + 1), None, at).await);
        }
    }
    for o in all.iter().step_by(4) {
        move_to(db, o.id, &[OrderStatus::Authorised, OrderStatus::Confirmed]).await;
    }
    let confirmed: HashSet<Uuid> = all.iter().step_by(4).map(|o| o.id).collect();

    // Every order once, newest first, whatever the page size.
    let expected = newest_first(all.iter().collect());
    for size in [1, 4, 7, 50] {
        assert_eq!(all_pages(db, &OrderFilter::default(), size).await, expected, "page size {size}");
    }

    let by = |f: &dyn Fn(&OrderSummary) -> bool| newest_first(all.iter().filter(|o| f(o)).collect());
    let filter = OrderFilter { status: Some(OrderStatus::Confirmed), ..OrderFilter::default() };
    assert_eq!(all_pages(db, &filter, 2).await, by(&|o| confirmed.contains(&o.id)));
    let filter = OrderFilter { currency: Some("USD".into()), ..OrderFilter::default() };
    assert_eq!(all_pages(db, &filter, 3).await, by(&|o| o.currency == "USD"));
    let filter = OrderFilter {
        placed_from: Some(TEST_NOW.plus_seconds(-60)),
        placed_before: Some(TEST_NOW),
        ..OrderFilter::default()
    };
    assert_eq!(all_pages(db, &filter, 2).await, by(&|o| o.placed_at == TEST_NOW.plus_seconds(-60)), "[from, before)");

    // Email prefix, case-insensitive, combined with other filters.
    let search = |text: &str| OrderSearch::parse(text);
    let filter = OrderFilter { search: search("Jane"), ..OrderFilter::default() };
    let jane = |o: &OrderSummary| o.email.expose().to_lowercase().starts_with("jane");
    assert_eq!(all_pages(db, &filter, 2).await, by(&jane), "jane.doe, JANE.Smith and janet");
    let filter = OrderFilter { search: search("jane."), currency: Some("EUR".into()), ..OrderFilter::default() };
    assert_eq!(
        all_pages(db, &filter, 2).await,
        by(&|o| o.email.expose().to_lowercase().starts_with("jane.") && o.currency == "EUR")
    );
    let filter = OrderFilter { search: search("jane.smith@example.test"), ..OrderFilter::default() };
    assert_eq!(all_pages(db, &filter, 50).await, by(&|o| o.email.expose() == "JANE.Smith@example.test"), "exact");
    let filter = OrderFilter { search: search("@example"), ..OrderFilter::default() };
    assert!(all_pages(db, &filter, 50).await.is_empty(), "a prefix, not a substring");
    let filter = OrderFilter { search: search("jan"), status: Some(OrderStatus::Confirmed), ..OrderFilter::default() };
    assert_eq!(all_pages(db, &filter, 50).await, by(&|o| jane(o) && confirmed.contains(&o.id)));

    // An order number, typed in any case.
    let target = &all[5];
    let filter = OrderFilter { search: search(&target.number.to_lowercase()), ..OrderFilter::default() };
    assert_eq!(all_pages(db, &filter, 50).await, vec![target.id]);
    let filter = OrderFilter { search: search("ME-2026-999999"), ..OrderFilter::default() };
    assert!(all_pages(db, &filter, 50).await.is_empty());

    // Page sizes are bounded.
    let page = BackOffice::orders(db, &OrderFilter::default(), None, 0).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(page.items.len(), 1, "at least one row");
    let page = BackOffice::orders(db, &OrderFilter::default(), None, u32::MAX).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(page.items.len(), all.len());
    assert!(page.next.is_none());
}

async fn customers_search_page_and_profile(backend: Backend) {
    let test = TestDb::new(backend).await;
    let db = &test.db;
    let people = [
        ("Amelie", "amelie@example.test"),
        ("amelia_r", "Rose@example.test"),
        ("bernard", "AMEx@example.test"),
        ("Claire", "claire@example.test"),
        ("dora", "dora@example.test"),
    ];
    let mut ids = Vec::new();
    for (i, (username, email)) in people.iter().enumerate() {
        let email = Email::parse(email).unwrap_or_else(|e| panic!("{e}"));
        // Two pairs share an instant.
        let at = TEST_NOW.plus_seconds(-((i as i64) / 2));
        let customer = NewCustomer { username, email: &email, password_hash: "$argon2id$x", lang: "en" };
        match Accounts::create(db, &customer, at).await {
            Ok(CreateAccount::Created(id)) => ids.push((id, at)),
            other => panic!("customer: {other:?}"),
        }
    }
    let mut expected: Vec<(Timestamp, Uuid)> = ids.iter().map(|(id, at)| (*at, *id)).collect();
    expected.sort_by_key(|&k| std::cmp::Reverse(k));
    let expected: Vec<Uuid> = expected.into_iter().map(|(_, id)| id).collect();

    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = BackOffice::customers(db, None, after, 2).await.unwrap_or_else(|e| panic!("{e}"));
        seen.extend(page.items.iter().map(|c| c.id));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, expected, "every customer once, newest first");

    let names = |page: &[luxevault_storage::CustomerSummary]| {
        let mut names: Vec<String> = page.iter().map(|c| c.username.expose().clone()).collect();
        names.sort();
        names
    };
    let found = BackOffice::customers(db, Some("AME"), None, 50).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(names(&found.items), ["Amelie", "amelia_r", "bernard"], "username or email prefix, any case");
    let found = BackOffice::customers(db, Some("rose@"), None, 50).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(names(&found.items), ["amelia_r"]);
    let found = BackOffice::customers(db, Some("example"), None, 50).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(found.items.is_empty(), "a prefix, not a substring");
    let first = BackOffice::customers(db, Some("ame"), None, 2).await.unwrap_or_else(|e| panic!("{e}"));
    let rest = BackOffice::customers(db, Some("ame"), first.next, 2).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(first.items.len() + rest.items.len(), 3);
    assert!(rest.next.is_none());

    // A profile: every order counted, only paid ones summed, per currency.
    let (claire, _) = ids[3];
    let paid = place(db, "claire@example.test", "EUR", 120_000, Some(claire), TEST_NOW).await;
    move_to(db, paid.id, &[OrderStatus::Authorised, OrderStatus::Confirmed]).await;
    let paid_usd = place(db, "claire@example.test", "USD", 5_000, Some(claire), TEST_NOW).await;
    move_to(db, paid_usd.id, &[OrderStatus::Confirmed, OrderStatus::Fulfilled]).await;
    let unpaid = place(db, "claire@example.test", "EUR", 999, Some(claire), TEST_NOW.plus_seconds(5)).await;
    let profile = BackOffice::customer(db, claire, 10).await.ok().flatten().unwrap_or_else(|| panic!("profile"));
    assert_eq!(profile.customer.username.expose(), "Claire");
    assert_eq!(profile.customer.order_count, 3);
    let spent: Vec<(String, i64, i64)> =
        profile.spent.iter().map(|s| (s.currency.clone(), s.orders, s.total_minor)).collect();
    assert_eq!(spent, [("EUR".to_string(), 1, 120_000), ("USD".to_string(), 1, 5_000)]);
    assert_eq!(profile.recent_orders.first().map(|o| o.id), Some(unpaid.id), "newest first");
    let listed = BackOffice::customers(db, Some("claire"), None, 5).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(listed.items.first().map(|c| c.order_count), Some(3));
    assert!(BackOffice::customer(db, Uuid::new_v4(), 10).await.unwrap_or_else(|e| panic!("{e}")).is_none());
}

async fn reports_count_paid_sales_states_and_deadlines(backend: Backend) {
    let test = TestDb::new(backend).await;
    let db = &test.db;
    let day0 = Timestamp(TEST_NOW.as_micros().div_euclid(DAY) * DAY);
    let paid = [(0, "EUR", 10_000), (0, "EUR", 2_500), (0, "JPY", 30_000), (2, "EUR", 7_000)];
    for (day, currency, total) in paid {
        let o = place(db, "p@example.test", currency, total, None, day0.plus_days(day).plus_seconds(3600)).await;
        move_to(db, o.id, &[OrderStatus::Authorised, OrderStatus::Confirmed]).await;
    }
    let fulfilled = place(db, "p@example.test", "EUR", 500, None, day0.plus_days(2)).await;
    move_to(db, fulfilled.id, &[OrderStatus::Confirmed, OrderStatus::Fulfilled]).await;
    // Not money in: authorised only, cancelled, refunded, awaiting payment, and outside the range.
    let authorised = place(db, "p@example.test", "EUR", 1, None, day0).await;
    move_to(db, authorised.id, &[OrderStatus::Authorised]).await;
    let cancelled = place(db, "p@example.test", "EUR", 1, None, day0).await;
    move_to(db, cancelled.id, &[OrderStatus::Cancelled]).await;
    let refunded = place(db, "p@example.test", "EUR", 1, None, day0).await;
    move_to(db, refunded.id, &[OrderStatus::Confirmed, OrderStatus::Refunded]).await;
    place(db, "p@example.test", "EUR", 1, None, day0).await;
    let old = place(db, "p@example.test", "EUR", 1, None, day0.plus_days(-1)).await;
    move_to(db, old.id, &[OrderStatus::Confirmed]).await;

    let sales = BackOffice::sales_by_day(db, day0, day0.plus_days(7), &luxevault_core::local_time::ShopTimeZone::utc())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let got: Vec<(i64, &str, i64, i64)> = sales
        .iter()
        .map(|s| ((s.day.as_micros() - day0.as_micros()) / DAY, s.currency.as_str(), s.orders, s.total_minor))
        .collect();
    assert_eq!(got, [(0, "EUR", 2, 12_500), (0, "JPY", 1, 30_000), (2, "EUR", 2, 7_500)]);

    let states = BackOffice::orders_by_state(db, day0, day0.plus_days(7)).await.unwrap_or_else(|e| panic!("{e}"));
    let count = |s: OrderStatus| states.iter().find(|(x, _)| *x == s).map(|(_, n)| *n);
    assert_eq!(states.len(), OrderStatus::ALL.len(), "zeros listed too");
    assert_eq!(count(OrderStatus::Confirmed), Some(4));
    assert_eq!(count(OrderStatus::Fulfilled), Some(1));
    assert_eq!(count(OrderStatus::AwaitingPayment), Some(1));
    assert_eq!(count(OrderStatus::Refunded), Some(1));
    assert_eq!(count(OrderStatus::Cancelled), Some(1));
    assert_eq!(count(OrderStatus::Authorised), Some(1));

    let request = |status: &'static str, due_in: i64| NewPrivacyRequest {
        status,
        code: None,
        kind: "access",
        channel: "email",
        customer_id: None,
        contact: "someone@example.test",
        received_at: TEST_NOW.plus_days(-10),
        due_at: TEST_NOW.plus_days(due_in),
        target_at: TEST_NOW.plus_days(-5),
    };
    let late = PrivacyRequests::create(db, &request("open", -2), TEST_NOW).await.unwrap_or_else(|e| panic!("{e}"));
    let soon = PrivacyRequests::create(db, &request("open", 3), TEST_NOW).await.unwrap_or_else(|e| panic!("{e}"));
    let extended =
        PrivacyRequests::create(db, &request("extended", 40), TEST_NOW).await.unwrap_or_else(|e| panic!("{e}"));
    PrivacyRequests::create(db, &request("awaiting_verification", 1), TEST_NOW).await.unwrap_or_else(|e| panic!("{e}"));
    let done = PrivacyRequests::create(db, &request("open", 1), TEST_NOW).await.unwrap_or_else(|e| panic!("{e}"));
    PrivacyRequests::close(db, done, "completed", "sent", TEST_NOW).await.unwrap_or_else(|e| panic!("{e}"));
    let open = BackOffice::open_privacy_requests(db).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(open.iter().map(|r| r.id).collect::<Vec<_>>(), [late, soon, extended], "soonest deadline first");
    assert_eq!(open.iter().map(|r| r.days_left(TEST_NOW)).collect::<Vec<_>>(), [-2, 3, 40]);
}

fn text(name: &str) -> ProductText {
    ProductText {
        name: name.into(),
        subtitle: "Calfskin".into(),
        description: vec!["First paragraph.".into(), "  ".into(), "Second.".into()],
        details: vec!["Made in Italy".into()],
        ..ProductText::default()
    }
}

async fn catalog_edits_move_the_version_and_reach_the_storefront(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let db = &app.db;
    let catalog = app.catalog().await;
    let product = catalog.products[0].clone();
    let slug = product.slug.as_str();
    let en = Lang::parse("en").unwrap_or_else(|| panic!("en"));
    let version = CatalogStore::version(db).await.unwrap_or_else(|e| panic!("{e}"));

    CatalogAdmin::set_product_text(db, slug, &en, &text("Escarpin Nouvelle Ligne"), TEST_NOW)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let html = app.get(&format!("/products/{slug}")).await.text().await.unwrap_or_default().replace("&#x2f;", "/");
    assert!(html.contains("Escarpin Nouvelle Ligne"), "the storefront shows the edit at once");

    let sku = product.variants[0].sku.clone();
    CatalogAdmin::set_variant(db, &sku, 3, Availability::Active, TEST_NOW).await.unwrap_or_else(|e| panic!("{e}"));
    let gbp = Currency::from_code("GBP").unwrap_or_else(|e| panic!("{e}"));
    CatalogAdmin::set_price(db, slug, Money::new(123_400, gbp), TEST_NOW).await.unwrap_or_else(|e| panic!("{e}"));
    CatalogAdmin::set_product_listing(db, slug, Availability::Active, true, 99, TEST_NOW)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let reloaded = app.catalog().await;
    assert_eq!(reloaded.version, version + 4, "each write moved the version once");
    let edited = reloaded.product(slug).unwrap_or_else(|| panic!("product"));
    assert_eq!(
        edited.texts.get("en").map(|t| t.description.clone()),
        Some(vec!["First paragraph.".into(), "Second.".into()])
    );
    assert_eq!(reloaded.variant(&sku).map(|(_, v)| v.stock), Some(3));
    assert!(edited.prices.contains(&Money::new(123_400, gbp)));
    assert_eq!(reloaded.products.last().map(|p| p.slug.as_str()), Some(slug), "position 99 lists it last");

    // Refusals write nothing and leave the version alone.
    let sek = Currency::from_code("SEK").unwrap_or_else(|e| panic!("{e}"));
    let eur = Currency::from_code("EUR").unwrap_or_else(|e| panic!("{e}"));
    let refusals: Vec<(Result<(), CatalogEditError>, &str)> = vec![
        (CatalogAdmin::set_price(db, slug, Money::new(1, sek), TEST_NOW).await, "UnknownCurrency"),
        (CatalogAdmin::remove_price(db, slug, eur, TEST_NOW).await.map(|_| ()), "BasePriceRequired"),
        (CatalogAdmin::set_variant(db, "NO-SUCH", 1, Availability::Active, TEST_NOW).await, "UnknownVariant"),
        (CatalogAdmin::set_variant(db, &sku, -1, Availability::Active, TEST_NOW).await, "Invalid"),
        (CatalogAdmin::set_product_text(db, "no-such", &en, &text("x"), TEST_NOW).await, "UnknownProduct"),
        (CatalogAdmin::set_product_text(db, slug, &en, &text(" "), TEST_NOW).await, "Invalid"),
        (CatalogAdmin::set_product_text(db, slug, &en, &text(&"x".repeat(201)), TEST_NOW).await, "Invalid"),
    ];
    for (result, expected) in refusals {
        let error = format!("{:?}", result.err());
        assert!(error.contains(expected), "expected {expected}, got {error}");
    }
    assert_eq!(CatalogStore::version(db).await.ok(), Some(version + 4));

    assert_eq!(CatalogAdmin::remove_price(db, slug, gbp, TEST_NOW).await.ok(), Some(true));
    assert_eq!(CatalogAdmin::remove_price(db, slug, gbp, TEST_NOW).await.ok(), Some(false), "already gone");
    assert_eq!(CatalogStore::version(db).await.ok(), Some(version + 5), "nothing removed, no new version");
    app.stop().await;
}

/// A real JPEG carrying a camera's EXIF with a GPS position, and a comment.
fn photo_with_gps() -> Vec<u8> {
    let mut jpeg = Vec::new();
    let pixels: Vec<u8> = (0..32 * 24 * 3).map(|i| (i % 251) as u8).collect();
    jpeg_encoder::Encoder::new(&mut jpeg, 90)
        .encode(&pixels, 32, 24, jpeg_encoder::ColorType::Rgb)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut exif = b"Exif\0\0MM\0*\0\0\0\x08\0\x01\x88\x25\0\x04\0\0\0\x01\0\0\0\x1a\0\0\0\0".to_vec();
    exif.extend_from_slice(b"GPS-48.8566N-2.3522E-SECRET");
    let segment = |marker: u8, body: &[u8]| {
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
        s.extend_from_slice(body);
        s
    };
    let mut out = jpeg[..2].to_vec();
    out.extend(segment(0xE1, &exif));
    out.extend(segment(0xFE, b"shot by SECRET photographer"));
    out.extend_from_slice(&jpeg[2..]);
    out
}

async fn uploaded_images_are_served_without_metadata(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let db = &app.db;
    let catalog = app.catalog().await;
    let product = catalog.products[0].clone();
    let slug = product.slug.as_str();

    let upload = photo_with_gps();
    assert!(upload.windows(6).any(|w| w == b"SECRET"));
    let clean = accept_image(&upload, DEFAULT_MAX_BYTES).unwrap_or_else(|e| panic!("{e}"));
    let id = CatalogAdmin::store_media(db, &clean, TEST_NOW).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(CatalogAdmin::store_media(db, &clean, TEST_NOW).await.ok(), Some(id), "the same picture is kept once");
    let src = CatalogAdmin::attach_image(db, slug, id, TEST_NOW).await.unwrap_or_else(|e| panic!("{e}"));

    let html = app.get(&format!("/products/{slug}")).await.text().await.unwrap_or_default().replace("&#x2f;", "/");
    let url = format!("/media/{id}");
    assert!(html.contains(&format!("src=\"{url}\"")), "the product page shows the upload");

    let response = app.get(&url).await;
    assert_eq!(response.status().as_u16(), 200);
    let header =
        |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert_eq!(header("content-type"), "image/jpeg");
    assert_eq!(header("cache-control"), "public, max-age=31536000, immutable");
    assert_eq!(header("x-content-type-options"), "nosniff");
    let body = response.bytes().await.unwrap_or_default();
    assert_eq!(body.as_ref(), clean.bytes.as_slice());
    assert!(!body.windows(6).any(|w| w == b"SECRET"), "no EXIF, GPS or comment is served");

    assert_eq!(app.get(&format!("/media/{}", Uuid::new_v4())).await.status().as_u16(), 404);
    assert_eq!(app.get("/media/not-an-id").await.status().as_u16(), 400);
    if let Some(demo) = product.images.iter().find(|s| s.contains('/')) {
        assert_eq!(app.get(&format!("/media/{demo}")).await.status().as_u16(), 200, "demo images still served");
    }

    // Reorder, detach, and the refusals.
    let mut images = CatalogAdmin::images(db, slug).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(images.last(), Some(&src));
    images.reverse();
    CatalogAdmin::reorder_images(db, slug, &images, TEST_NOW).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(app.catalog().await.product(slug).map(|p| p.images.clone()), Some(images.clone()));
    assert!(images.len() > 1, "the demo product has images of its own");
    assert!(matches!(
        CatalogAdmin::reorder_images(db, slug, &images[..1], TEST_NOW).await,
        Err(CatalogEditError::NotAPermutation)
    ));
    assert!(matches!(
        CatalogAdmin::reorder_images(db, slug, &[src.clone(), src.clone()], TEST_NOW).await,
        Err(CatalogEditError::NotAPermutation)
    ));
    assert!(matches!(
        CatalogAdmin::attach_image(db, slug, Uuid::new_v4(), TEST_NOW).await,
        Err(CatalogEditError::UnknownMedia)
    ));
    CatalogAdmin::detach_image(db, slug, &src, TEST_NOW).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(CatalogAdmin::detach_image(db, slug, &src, TEST_NOW).await, Err(CatalogEditError::UnknownImage)));
    let html = app.get(&format!("/products/{slug}")).await.text().await.unwrap_or_default().replace("&#x2f;", "/");
    assert!(!html.contains(&url), "detached from the page");
    assert_eq!(app.get(&url).await.status().as_u16(), 200, "the stored image itself stays (cached URLs)");
    app.stop().await;
}

backend_tests!(
    orders_filter_and_page_without_repeats_or_gaps,
    customers_search_page_and_profile,
    reports_count_paid_sales_states_and_deadlines,
    catalog_edits_move_the_version_and_reach_the_storefront,
    uploaded_images_are_served_without_metadata,
);
