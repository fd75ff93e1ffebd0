//! Product images in several widths for `srcset`: made once from the stored original, in its
//! format, at the offered widths only.

use luxevault_core::media::{DEFAULT_MAX_BYTES, accept_image};
use luxevault_storage::{CatalogAdmin, Renditions};

use crate::support::{Backend, TestApp, pick};

backend_tests!(stored_images_are_offered_at_smaller_widths);

fn wide_png() -> Vec<u8> {
    let image = image::RgbImage::from_fn(2000, 1000, |x, y| image::Rgb([(x % 251) as u8, (y % 241) as u8, 120]));
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png).unwrap_or_else(|e| panic!("{e}"));
    out.into_inner()
}

async fn stored_images_are_offered_at_smaller_widths(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let catalog = app.catalog().await;
    let (product, _) = pick::in_stock_variant(&catalog, 1);
    let clean = accept_image(&wide_png(), DEFAULT_MAX_BYTES).unwrap_or_else(|e| panic!("{e}"));
    let now = luxevault_core::Clock::now(&app.clock);
    let id = CatalogAdmin::store_media(&app.db, &clean, now).await.unwrap_or_else(|e| panic!("{e}"));
    CatalogAdmin::attach_image(&app.db, &product.slug, id, now).await.unwrap_or_else(|e| panic!("{e}"));

    let page = app.get(&format!("/products/{}", product.slug)).await.text().await.unwrap_or_default();
    let page = page.replace("&#x2f;", "/");
    assert!(page.contains(&format!("/media/{id}/480 480w")), "the product page offers the widths");

    let small = app.get(&format!("/media/{id}/480")).await;
    assert_eq!(small.status().as_u16(), 200);
    assert_eq!(small.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("image/png"));
    let bytes = small.bytes().await.unwrap_or_default();
    let decoded = image::load_from_memory(&bytes).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((decoded.width(), decoded.height()), (480, 240));
    let kept = Renditions::get(&app.db, id, 480).await.unwrap_or_default();
    assert_eq!(kept.as_deref(), Some(&bytes[..]), "made once, then served as kept");
    let again = app.get(&format!("/media/{id}/480")).await.bytes().await.unwrap_or_default();
    assert_eq!(again, bytes);
    assert_eq!(app.get(&format!("/media/{id}/500")).await.status().as_u16(), 404, "only the offered widths");
    let original = app.get(&format!("/media/{id}")).await.bytes().await.unwrap_or_default();
    assert_eq!(original.len(), clean.bytes.len(), "the original is kept as uploaded");
}
