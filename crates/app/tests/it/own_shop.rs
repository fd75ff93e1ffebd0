//! A boutique's own shop: a shop started without `--demo` answers calmly until it opens;
//! `init` opens it; delivery and tax follow the destination, exact in every currency.

use luxevault_core::Lang;
use luxevault_core::shipping::{RateKind, ShippingRate, ShippingTable, ShippingZone};
use luxevault_core::tax::{STANDARD, TaxMode, TaxRate, TaxTable};
use luxevault_core::{Currency, Money};
use luxevault_shop::orders::{self, PlaceError, PlaceOrder};
use luxevault_shop::profile::{CurrencyOffer, Opening, open_shop};
use luxevault_storage::{Delivery, Orders};
use serde_json::{Value, json};

use crate::support::{Backend, TestApp, pick};
use crate::use_cases::contact;

backend_tests!(
    an_unopened_shop_answers_every_page_calmly,
    an_order_to_germany_carries_vat_included_and_to_the_us_delivery_without_vat,
    delivery_choices_and_destinations_are_checked,
    init_and_shipping_from_the_command_line,
    a_boutique_opens_with_init_and_its_shopify_catalog,
    the_owner_opens_the_house_from_the_back_office,
);

const STOREFRONT: &[&str] = &[
    "/",
    "/fr",
    "/collections/none",
    "/products/none",
    "/cart",
    "/checkout",
    "/privacy",
    "/privacy/centre",
    "/account",
    "/account/reset",
    "/orders/0190e2a4-0000-7000-8000-000000000000",
    "/fr/cart",
];

/// The real binary against the test shop's database, with no terminal to ask on.
fn luxevault(app: &TestApp, args: &[&str]) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_luxevault"));
    command.args(args).arg("--data-dir").arg(&app.data_dir).env_remove("LUXEVAULT_DATABASE_URL");
    if !app.database_url.is_empty() {
        command.arg("--database-url").arg(&app.database_url);
    }
    command.stdin(std::process::Stdio::null()).output().unwrap_or_else(|e| panic!("run: {e}"))
}

fn opening() -> Opening {
    Opening {
        name: "Atelier Lune".into(),
        legal_name: "Atelier Lune SARL".into(),
        address: "3 rue de Sévigné\n75004 Paris".into(),
        vat_number: "FR00999999999".into(),
        country: "FR".into(),
        time_zone: "Europe/Paris".into(),
        languages: vec!["fr".into(), "en".into()],
        base_currency: "EUR".into(),
        currencies: vec![
            CurrencyOffer::parse("USD:1.085:10").unwrap_or_else(|e| panic!("{e}")),
            CurrencyOffer::parse("JPY:162:1000").unwrap_or_else(|e| panic!("{e}")),
        ],
    }
}

async fn an_unopened_shop_answers_every_page_calmly(backend: Backend) {
    let app = TestApp::spawn_unopened(backend).await;
    for path in STOREFRONT {
        let response = app.get(path).await;
        let status = response.status().as_u16();
        assert!(status < 500, "{path} answered {status}");
    }
    let home = app.get("/").await.text().await.unwrap_or_default();
    assert!(home.contains("data-testid=\"opening-soon\""), "the home page says the shop opens soon");
    assert_eq!(app.get_json("/api/v1/products").await, (200, json!({"products": []})));
    assert_eq!(app.get_json("/api/v1/currencies").await, (200, json!({"currencies": []})));
    let (status, body) = app.post_json("/api/v1/cart/quote", &json!({"currency": "EUR", "lines": []})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("not_open")), "{body}");
    let (status, ready) = app.get_json("/readyz").await;
    assert_eq!((status, ready["status"].as_str()), (503, Some("not_open")));

    let opened = open_shop(&app.db, &app.clock, &opening()).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(opened.delivery_seeded, "the first opening writes a starting delivery table");
    assert_eq!(opened.currencies, vec!["EUR", "USD", "JPY"]);
    assert_eq!(app.get_json("/readyz").await.0, 200, "an opened shop is ready");
    let home = app.get("/").await;
    assert_eq!(home.status().as_u16(), 200);
    assert!(home.text().await.unwrap_or_default().contains("opening-soon"), "nothing is published yet");
    let (_, currencies) = app.get_json("/api/v1/currencies").await;
    assert_eq!(currencies["currencies"].as_array().map(Vec::len), Some(3));
    let (shipping, taxes) = Delivery::load(&app.db).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(shipping.zone_for("DE").map(|z| z.tax_mode), Some(TaxMode::Included));
    assert_eq!(taxes.rate("DE", STANDARD).map(|r| r.rate_bp), Some(1900));
    assert_eq!(shipping.zone_for("JP").map(|z| (z.tax_mode, z.duties_paid)), Some((TaxMode::None, false)));

    // Opening again changes the profile; a currency priced in cannot silently vanish, and bad
    // values are refused with a sentence naming them.
    let mut bad = opening();
    bad.time_zone = "Europe/Atlantis".into();
    let error = open_shop(&app.db, &app.clock, &bad).await.err().map(|e| e.message().into_owned());
    assert!(error.is_some_and(|e| e.contains("Europe/Atlantis")));
    let mut bad = opening();
    bad.country = "XX".into();
    assert!(open_shop(&app.db, &app.clock, &bad).await.is_err());
    let mut bad = opening();
    bad.languages = vec!["tlh".into()];
    assert!(open_shop(&app.db, &app.clock, &bad).await.is_err(), "a language without strings is refused");
    let again = open_shop(&app.db, &app.clock, &opening()).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(!again.delivery_seeded, "a second opening keeps the house's own delivery table");
}

/// Quotes one line of `sku` to `country` in `currency`.
async fn quote(app: &TestApp, sku: &str, currency: &str, country: &str) -> Value {
    let request = json!({"currency": currency, "lines": [{"sku": sku, "quantity": 1}], "country": country});
    let (status, body) = app.post_json("/api/v1/cart/quote", &request).await;
    assert_eq!(status, 200, "{body}");
    body
}

fn minor(value: &Value) -> i64 {
    value["amount_minor"].as_i64().unwrap_or_else(|| panic!("an amount: {value}"))
}

async fn place(app: &TestApp, sku: &str, currency: &str, country: &str, key: &str) -> luxevault_storage::OrderRow {
    let mut to = contact("client@example.test", "");
    to.country = country.into();
    let place = PlaceOrder {
        lang: Lang::parse("en").unwrap_or_else(|| panic!("en")),
        currency,
        lines: vec![(sku.to_string(), 1)],
        contact: to,
        customer: None,
        idempotency_key: key,
        delivery: None,
    };
    orders::place_order(&app.shop, place).await.unwrap_or_else(|e| panic!("{e:?}")).order
}

async fn an_order_to_germany_carries_vat_included_and_to_the_us_delivery_without_vat(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let catalog = app.catalog().await;
    let (_, variant) = pick::in_stock_variant(&catalog, 5);
    let sku = variant.sku.clone();

    // Germany, in euros: the price includes 19 % VAT; no delivery charge; nothing more to pay.
    let de = quote(&app, &sku, "EUR", "DE").await;
    let subtotal = minor(&de["subtotal"]);
    let lines = de["delivery"]["tax_lines"].as_array().cloned().unwrap_or_default();
    assert_eq!(lines.len(), 1, "{de}");
    assert_eq!(lines[0]["rate_bp"], 1900);
    let vat = (subtotal * 1900 + 11_900 / 2) / 11_900;
    assert_eq!(minor(&lines[0]["amount"]), vat, "19/119 of the gross, rounded half up");
    assert_eq!(minor(&lines[0]["base"]) + vat, subtotal);
    assert_eq!(lines[0]["label"], "Including VAT 19%");
    assert_eq!(minor(&de["total"]), subtotal, "VAT included is not added again");
    assert_eq!(de["delivery"]["duties_paid"], true);
    let order = place(&app, &sku, "EUR", "DE", "own-shop-de-000000001").await;
    assert_eq!((order.subtotal_minor, order.total_minor), (subtotal, subtotal));
    assert_eq!((order.delivery.tax_minor, order.delivery.tax_included), (vat, true));
    let stored = Orders::tax_lines(&app.db, order.id).await.unwrap_or_default();
    assert_eq!(stored.iter().map(|l| (l.rate_bp, l.amount_minor)).collect::<Vec<_>>(), vec![(1900, vat)]);

    // France is taxed at 20 %, by the same rule.
    let fr = quote(&app, &sku, "EUR", "FR").await;
    assert_eq!(fr["delivery"]["tax_lines"][0]["rate_bp"], 2000);

    // The United States: a delivery line, no VAT, duties paid by the client — in USD, in EUR
    // (the same rate, set in each) and in JPY (converted from the euro rate to whole yen).
    for (currency, shipping) in [("USD", 6_500), ("EUR", 6_000), ("JPY", 0)] {
        let us = quote(&app, &sku, currency, "US").await;
        let delivery = &us["delivery"];
        assert_eq!(delivery["tax_lines"], json!([]), "{us}");
        assert_eq!(delivery["tax_mode"], "none");
        assert_eq!(delivery["duties_paid"], false);
        assert!(delivery["duties_note"].as_str().is_some_and(|n| n.contains("carrier")), "{delivery}");
        assert_eq!(delivery["chosen"], "express");
        let subtotal = minor(&us["subtotal"]);
        let charged = minor(&delivery["shipping"]);
        if currency == "JPY" {
            // €60 at the demo's rate, to the yen.
            let rate = catalog.currencies.find("JPY").map(|o| o.rate.to_decimal_string()).unwrap_or_default();
            let expected = (60.0 * rate.parse::<f64>().unwrap_or(0.0)).round() as i64;
            assert_eq!(charged, expected, "{delivery}");
        } else {
            assert_eq!(charged, shipping);
        }
        assert_eq!(minor(&us["total"]), subtotal + charged);
        let key = format!("own-shop-us-{currency}-0000001");
        let order = place(&app, &sku, currency, "US", &key).await;
        assert_eq!(order.currency, currency);
        assert_eq!(order.delivery.shipping_minor, charged);
        assert_eq!(order.total_minor, order.subtotal_minor + charged, "totals exact in {currency}");
        assert_eq!(order.delivery.tax_minor, 0);
        assert!(Orders::tax_lines(&app.db, order.id).await.unwrap_or_default().is_empty());
    }
}

async fn delivery_choices_and_destinations_are_checked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let catalog = app.catalog().await;
    let (_, variant) = pick::in_stock_variant(&catalog, 2);
    let sku = variant.sku.clone();
    let eur = Currency::from_code("EUR").unwrap_or_else(|e| panic!("{e}"));
    // A house that delivers only to Germany, with a paid standard rate free above €5 000 and
    // US-style tax added on top, to see every rule at once.
    let taxes = TaxTable::new([("DE".into(), STANDARD.into(), TaxRate { rate_bp: 1900, name: "vat".into() })])
        .unwrap_or_else(|e| panic!("{e}"));
    let zone = ShippingZone {
        name: "Germany".into(),
        countries: vec!["DE".into()],
        tax_mode: TaxMode::Excluded,
        duties_paid: true,
        rates: vec![
            ShippingRate {
                code: "standard".into(),
                name: "Standard".into(),
                kind: RateKind::Flat,
                price: Money::new(2_500, eur),
                per_kg: Money::zero(eur),
                free_above: Some(Money::new(50_000_000, eur)),
            },
            ShippingRate {
                code: "pickup".into(),
                name: "Boutique".into(),
                kind: RateKind::Pickup,
                price: Money::zero(eur),
                per_kg: Money::zero(eur),
                free_above: None,
            },
        ],
    };
    let shipping = ShippingTable::new(vec![zone], &taxes).unwrap_or_else(|e| panic!("{e}"));
    Delivery::replace(&app.db, &shipping, &taxes, luxevault_core::Clock::now(&app.clock))
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let de = quote(&app, &sku, "EUR", "DE").await;
    let subtotal = minor(&de["subtotal"]);
    assert_eq!(minor(&de["delivery"]["shipping"]), 2_500);
    // Excluded: 19 % of goods and delivery, added.
    let tax = ((subtotal + 2_500) * 1900 + 5_000) / 10_000;
    assert_eq!(minor(&de["delivery"]["tax"]), tax, "{de}");
    assert_eq!(minor(&de["total"]), subtotal + 2_500 + tax);
    let request =
        json!({"currency": "EUR", "lines": [{"sku": sku, "quantity": 1}], "country": "DE", "delivery": "pickup"});
    let (_, pickup) = app.post_json("/api/v1/cart/quote", &request).await;
    assert_eq!(minor(&pickup["delivery"]["shipping"]), 0);
    assert_eq!(minor(&pickup["total"]), subtotal + (subtotal * 1900 + 5_000) / 10_000);

    let jp = quote(&app, &sku, "EUR", "JP").await;
    assert_eq!(jp["delivery"]["problem_code"], "not_delivered", "{jp}");
    assert_eq!(minor(&jp["total"]), subtotal);
    let (status, body) =
        app.post_json("/api/v1/cart/quote", &json!({"currency": "EUR", "lines": [], "country": "Narnia"})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_country")));

    let mut to = contact("client@example.test", "");
    to.country = "JP".into();
    let refused = orders::place_order(
        &app.shop,
        PlaceOrder {
            lang: Lang::parse("en").unwrap_or_else(|| panic!("en")),
            currency: "EUR",
            lines: vec![(sku.clone(), 1)],
            contact: to,
            customer: None,
            idempotency_key: "own-shop-jp-0000000001",
            delivery: None,
        },
    )
    .await;
    assert!(matches!(refused, Err(PlaceError::Delivery(_))), "no order to a country not delivered");
    let mut to = contact("client@example.test", "");
    to.country = "DE".into();
    let body = json!({
        "currency": "EUR",
        "lines": [{"sku": sku, "quantity": 1}],
        "delivery": "drone",
        "contact": {"name": "A B", "email": "a@example.test", "phone": "+49 30 1234567", "address_line1": "Unter den Linden 1",
                    "city": "Berlin", "postcode": "10117", "country": "DE"},
    });
    let response = app
        .client
        .post(app.url("/api/v1/orders"))
        .header("Idempotency-Key", "own-shop-drone-000000001")
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status().as_u16(), 409);
    let answer: Value = response.json().await.unwrap_or_default();
    assert_eq!(answer["error"]["code"], "unknown_choice", "{answer}");
    assert_eq!(Orders::for_email(&app.db, "a@example.test", 5).await.unwrap_or_default().len(), 0);
}

async fn init_and_shipping_from_the_command_line(backend: Backend) {
    let app = TestApp::spawn_unopened(backend).await;
    let run = |args: &[&str]| luxevault(&app, args);
    let missing = run(&["init", "--country", "FR"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("init needs --name"), "{missing:?}");
    let bad = run(&["init", "--name", "Lune", "--country", "XX", "--currency", "EUR", "--time-zone", "UTC"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("'XX' is not an ISO 3166-1 country code"));
    let done = run(&[
        "init",
        "--name",
        "Atelier Lune",
        "--legal-name",
        "Atelier Lune SARL",
        "--address",
        "3 rue de Sévigné / 75004 Paris",
        "--country",
        "FR",
        "--currency",
        "EUR",
        "--currencies",
        "USD:1.085:10,JPY:162:1000",
        "--languages",
        "fr,en",
        "--time-zone",
        "Europe/Paris",
    ]);
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    assert!(String::from_utf8_lossy(&done.stdout).contains("currencies EUR, USD, JPY"));
    assert_eq!(app.get_json("/readyz").await.0, 200);

    let shown = run(&["shipping", "show"]);
    let text = String::from_utf8_lossy(&shown.stdout).to_string();
    assert!(text.contains("[[zone]]") && text.contains("country = \"DE\""), "{text}");
    let file = app.data_dir.join("delivery.toml");
    std::fs::write(&file, text.replace("rate = \"19\"", "rate = \"nineteen\"")).unwrap_or_else(|e| panic!("{e}"));
    let refused = run(&["shipping", "set", &file.to_string_lossy()]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("'nineteen' is not a percentage"));
    std::fs::write(&file, text.replace("rate = \"19\"", "rate = \"7\"")).unwrap_or_else(|e| panic!("{e}"));
    let set = run(&["shipping", "set", &file.to_string_lossy()]);
    assert!(set.status.success(), "{}", String::from_utf8_lossy(&set.stderr));
    let (_, taxes) = Delivery::load(&app.db).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(taxes.rate("DE", STANDARD).map(|r| r.rate_bp), Some(700));
}

/// The path of a boutique moving from Shopify: `init`, then its product CSV, and the shop sells.
async fn a_boutique_opens_with_init_and_its_shopify_catalog(backend: Backend) {
    let app = TestApp::spawn_unopened(backend).await;
    let run = |args: &[&str]| luxevault(&app, args);
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/catalog/shopify_products.csv");
    let before = run(&["catalog", "import", &fixture.to_string_lossy()]);
    assert!(!before.status.success(), "an import before init is refused");
    assert!(String::from_utf8_lossy(&before.stderr).contains("luxevault init"));
    let init = run(&[
        "init",
        "--name",
        "Maison Alma",
        "--country",
        "FR",
        "--currency",
        "EUR",
        "--currencies",
        "USD:1.085:10,JPY:162:1000",
        "--languages",
        "en,fr",
        "--time-zone",
        "Europe/Paris",
    ]);
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));
    let imported = run(&["catalog", "import", &fixture.to_string_lossy()]);
    assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));
    // The CLI publishes at the wall clock's time; the shop's test clock catches up with it.
    app.clock.set(luxevault_core::Clock::now(&luxevault_core::SystemClock).plus_seconds(60));

    let page = app.get("/products/sac-alma").await;
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap_or_default();
    assert!(html.contains("Sac Alma") && html.contains("SA-S-NOIR"), "the imported piece is on its page");
    assert!(html.replace("&#x2f;", "/").contains("src=\"/media/"), "with its images");
    let home = app.get("/").await.text().await.unwrap_or_default();
    assert!(!home.contains("opening-soon"), "a published piece opens the shop");
    for path in STOREFRONT {
        let status = app.get(path).await.status().as_u16();
        assert!(status < 500, "{path} answered {status}");
    }
    // The starting table: VAT included to Germany, none to Japan, in every offered currency.
    for currency in ["EUR", "USD", "JPY"] {
        let de = quote(&app, "SA-S-NOIR", currency, "DE").await;
        let subtotal = minor(&de["subtotal"]);
        assert_eq!(de["delivery"]["tax_lines"][0]["rate_bp"], 1900, "{de}");
        assert_eq!(minor(&de["delivery"]["tax_lines"][0]["amount"]), (subtotal * 1900 + 5_950) / 11_900);
        assert_eq!(minor(&de["total"]), subtotal);
        let jp = quote(&app, "SA-S-NOIR", currency, "JP").await;
        assert_eq!(jp["delivery"]["tax_lines"], json!([]));
        assert_eq!(minor(&jp["total"]), minor(&jp["subtotal"]));
    }
}

/// The first-run page: the owner (signed in with a second factor) opens the house with the same
/// use case as `init`; a manager may not; a bad value is refused with its reason.
async fn the_owner_opens_the_house_from_the_back_office(backend: Backend) {
    let app = TestApp::spawn_unopened(backend).await;
    let manager = app.staff("margaux", luxevault_core::staff::Role::Manager).await;
    assert_eq!(manager.get("/admin/setup").await.0, 403, "only an owner opens the house");
    let owner = app.staff("celeste", luxevault_core::staff::Role::Owner).await;
    let (status, page) = owner.get("/admin/setup").await;
    assert_eq!(status, 200);
    assert!(page.contains("data-testid=\"setup-not-open\""), "the page says the house is not open");
    let mut form = vec![
        ("name", "Maison Lune"),
        ("legal_name", "Maison Lune SAS"),
        ("address", "1 place Vendôme\n75001 Paris"),
        ("vat_number", "FR00111111111"),
        ("country", "FR"),
        ("currency", "EUR"),
        ("currencies", "USD:1.085:10, JPY:162:1000"),
        ("languages", "en,fr"),
        ("time_zone", "Mars/Olympus"),
    ];
    let refused = owner.submit("/admin/setup", "/admin/setup", &form).await;
    assert_eq!(refused.status().as_u16(), 422);
    let text = refused.text().await.unwrap_or_default().replace("&#x2f;", "/");
    assert!(text.contains("Mars/Olympus"), "the reason is said");
    assert_eq!(app.get_json("/readyz").await.0, 503);
    form.retain(|(k, _)| *k != "time_zone");
    form.push(("time_zone", "Europe/Paris"));
    let saved = owner.submit("/admin/setup", "/admin/setup", &form).await;
    assert_eq!(saved.status().as_u16(), 303);
    assert_eq!(app.get_json("/readyz").await.0, 200, "the house is open");
    let (_, page) = owner.get("/admin/setup").await;
    assert!(page.contains("data-testid=\"setup-open\"") && page.contains("Maison Lune SAS"));
    let (_, currencies) = app.get_json("/api/v1/currencies").await;
    assert_eq!(currencies["currencies"].as_array().map(Vec::len), Some(3));
}
