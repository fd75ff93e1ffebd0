//! What a real catalog carries beyond the demo (variant customs facts, tax class, publication,
//! SEO texts, image alt texts) survives a write and a load, and publication is decided at read
//! time against the shop's clock.

use luxevault_core::Timestamp;
use luxevault_storage::{CatalogStore, NewCatalog};

use crate::support::{Backend, TEST_NOW, TestDb};

fn demo() -> NewCatalog {
    luxevault::demo::catalog().unwrap_or_else(|e| panic!("{e}"))
}

async fn catalog_details_round_trip(backend: Backend) {
    let test = TestDb::new(backend).await;
    let mut input = demo();
    let tomorrow = TEST_NOW.plus_days(1);
    {
        let [first, second, third, ..] = input.products.as_mut_slice() else { panic!("three demo products") };
        first.tax_class = "reduced".into();
        first.published_at = None;
        first.image_alts =
            vec![vec![("en".into(), "The bag from the front".into()), ("fr".into(), "Le sac de face".into())]];
        for (_, text) in &mut first.texts {
            text.seo_title = format!("{} | SEO", text.name);
            text.seo_description = "Searchable".into();
        }
        let variant = &mut first.variants[0];
        variant.material = Some("Calfskin".into());
        variant.barcode = "3760000000017".into();
        variant.weight_grams = 850;
        variant.hs_code = "4202.21".into();
        variant.origin_country = "IT".into();
        second.published_at = Some(tomorrow);
        third.published_at = Some(TEST_NOW);
    }
    CatalogStore::insert(&test.db, &input, TEST_NOW).await.unwrap_or_else(|e| panic!("insert: {e}"));
    let catalog = CatalogStore::load(&test.db).await.unwrap_or_else(|e| panic!("load: {e}"));
    let [first, second, third, ..] = input.products.as_slice() else { panic!("three demo products") };

    let draft = catalog.product(&first.slug).unwrap_or_else(|| panic!("draft loaded"));
    assert_eq!(draft.tax_class, "reduced");
    assert_eq!(draft.published_at, None);
    assert!(!draft.on_sale(TEST_NOW) && !draft.on_sale(Timestamp(i64::MAX)), "a draft is never on sale");
    let en = luxevault_core::Lang::parse("en").unwrap_or_else(|| panic!("en"));
    let fr = luxevault_core::Lang::parse("fr").unwrap_or_else(|| panic!("fr"));
    assert_eq!(draft.image_alt(0, &fr, &en), "Le sac de face");
    assert_eq!(draft.image_alt(0, &en, &fr), "The bag from the front");
    assert_eq!(draft.image_alt(1, &en, &fr), "", "an image without alt text");
    let text = draft.texts.get("en").unwrap_or_else(|| panic!("en text"));
    assert!(text.seo_title.ends_with("| SEO") && text.seo_description == "Searchable");
    let v = &draft.variants[0];
    assert_eq!(
        (v.material.as_deref(), v.barcode.as_str(), v.weight_grams, v.hs_code.as_str(), v.origin_country.as_str()),
        (Some("Calfskin"), "3760000000017", 850, "4202.21", "IT")
    );
    assert_eq!(draft.variants[1..].iter().map(|v| v.weight_grams).max(), Some(0), "weight defaults to 0");

    let scheduled = catalog.product(&second.slug).unwrap_or_else(|| panic!("scheduled loaded"));
    assert_eq!(scheduled.tax_class, "standard");
    assert!(!scheduled.on_sale(TEST_NOW), "scheduled for tomorrow");
    assert!(scheduled.on_sale(tomorrow), "on sale from its time on");
    assert!(catalog.product(&third.slug).is_some_and(|p| p.on_sale(TEST_NOW)), "published now is on sale now");

    let on_sale_now = catalog.products_on_sale(TEST_NOW).count();
    assert_eq!(on_sale_now, input.products.len() - 2);
    assert_eq!(catalog.products_on_sale(tomorrow).count(), input.products.len() - 1);
}

async fn a_negative_weight_is_refused(backend: Backend) {
    let test = TestDb::new(backend).await;
    let mut input = demo();
    input.products[0].variants[0].weight_grams = -1;
    let error = CatalogStore::insert(&test.db, &input, TEST_NOW).await.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(error.contains("negative weight"), "{error}");
}

backend_tests!(catalog_details_round_trip, a_negative_weight_is_refused);
