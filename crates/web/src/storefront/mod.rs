//! Storefront pages, server-rendered, in the language of the URL (`/…` default, `/fr/…`).
//! They set no cookies: the cart and the chosen currency live in the browser's localStorage.

pub mod appointments;
pub mod checkout;
mod markdown;
pub mod unsubscribe;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use luxevault_core::Lang;
use luxevault_core::catalog::snapshot::{Catalog, localized};
use serde_json::{Value, json};

use crate::assets::versioned_url;
use crate::error::PageError;
use crate::present::{card, colour_name, media_url, price_view, product_name, variant_label};
use crate::state::AppState;
use luxevault_shop::settings::lang_label;

/// The language a page is served in, set by the route group.
#[derive(Clone)]
pub struct PageLang(pub Lang);

/// Everything about the page's frame: the shop, its languages and currencies, navigation.
pub(crate) fn frame(
    state: &AppState,
    catalog: &Catalog,
    lang: &Lang,
    path: &str,
    title: &str,
    description: &str,
) -> Value {
    frame_of(state, Some(catalog), lang, path, title, description)
}

/// The frame of a page that may have no catalog to show (a shop not opened yet).
fn frame_of(
    state: &AppState,
    catalog: Option<&Catalog>,
    lang: &Lang,
    path: &str,
    title: &str,
    description: &str,
) -> Value {
    let settings = state.settings();
    let prefix = settings.prefix(lang);
    let langs: Vec<Value> = settings
        .langs
        .iter()
        .map(|l| {
            let href = format!("{}{}", settings.prefix(l), path);
            let href = if href.is_empty() { "/".to_string() } else { href };
            json!({"code": l.as_str(), "label": lang_label(l), "href": href, "current": l == lang})
        })
        .collect();
    let currencies: Vec<Value> = catalog
        .map(|c| c.currencies.offered())
        .unwrap_or_default()
        .iter()
        .map(|o| json!({"code": o.currency.code(), "symbol": o.currency.symbol(lang), "name": o.currency.name()}))
        .collect();
    let collections: Vec<Value> = catalog
        .map(|c| c.collections.as_slice())
        .unwrap_or_default()
        .iter()
        .filter(|c| catalog.is_some_and(|catalog| catalog.products_in(c.id, state.clock().now()).next().is_some()))
        .map(|c| {
            let name = localized(&c.texts, lang, settings.default_lang())
                .map(|t| t.name.clone())
                .unwrap_or_else(|| c.slug.clone());
            let href = format!("{prefix}/collections/{}", c.slug);
            json!({"slug": c.slug, "name": name, "current": path == format!("/collections/{}", c.slug), "href": href})
        })
        .collect();
    let home = if prefix.is_empty() { "/".to_string() } else { format!("{prefix}/") };
    json!({
        "shop": {
            "name": settings.name,
            "tagline": settings.tagline,
            "lang": lang.as_str(),
            "langs": langs,
            "currencies": currencies,
            "default_currency": catalog.map(|c| c.currencies.base().code().to_string()).unwrap_or_default(),
            "storage": {"cart_key": settings.storage.cart, "currency_key": settings.storage.currency, "session_key": settings.storage.session, "sid_key": luxevault_shop::analytics::SID_KEY},
            "assets": {"css": versioned_url("shop.css"), "js": versioned_url("shop.js")},
            // The page's route template for the shop's own analytics (no slug or id).
            "page": luxevault_shop::analytics::page_template(path).unwrap_or(""),
            "nav": {
                "home": home,
                "cart": format!("{prefix}/cart"),
                "privacy": format!("{prefix}/privacy"),
                "privacy_centre": format!("{prefix}/privacy/centre"),
                "appointments": format!("{prefix}/appointments"),
                "account": format!("{prefix}/account"),
                "checkout": format!("{prefix}/checkout"),
                "collections": collections,
            },
            "api": {"quote": "/api/v1/cart/quote"},
        },
        "t": state.translations().all(lang),
        "page": {"title": title, "description": description},
    })
}

pub(crate) fn merge(mut base: Value, extra: Value) -> Value {
    if let (Some(base), Value::Object(extra)) = (base.as_object_mut(), extra) {
        base.extend(extra);
    }
    base
}

pub(crate) fn render(state: &AppState, template: &str, context: &Value) -> Result<Response, PageError> {
    match state.views().render(template, context) {
        Ok(html) => Ok(page_response(StatusCode::OK, html)),
        Err(error) => {
            tracing::error!(template, error = %format!("{error:#}"), "template failed");
            Err(PageError::Internal)
        }
    }
}

fn page_response(status: StatusCode, html: String) -> Response {
    let mut response = (status, Html(html)).into_response();
    // Pages hold prices and stock: always revalidate.
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

pub(crate) fn title(state: &AppState, part: &str) -> String {
    if part.is_empty() { state.settings().name.clone() } else { format!("{part} — {}", state.settings().name) }
}

pub async fn home(State(state): State<AppState>, Extension(PageLang(lang)): Extension<PageLang>) -> Response {
    respond(&state, &lang, "/", home_page(&state, &lang).await).await
}

async fn home_page(state: &AppState, lang: &Lang) -> Result<Response, PageError> {
    let catalog = state.catalog().await?;
    if !catalog.products.iter().any(|p| p.on_sale(state.clock().now())) {
        return Err(PageError::NotOpen);
    }
    let settings = state.settings();
    let t = state.translations();
    let collections: Vec<Value> = catalog
        .collections
        .iter()
        .filter(|c| catalog.products_in(c.id, state.clock().now()).next().is_some())
        .map(|c| {
            let text = localized(&c.texts, lang, settings.default_lang());
            let name = text.map(|t| t.name.clone()).unwrap_or_else(|| c.slug.clone());
            json!({
                "slug": c.slug,
                "name": name,
                "description": text.map(|t| t.description.clone()).unwrap_or_default(),
                "href": format!("{}/collections/{}", settings.prefix(lang), c.slug),
                "image": {"src": c.image.as_deref().map(media_url).unwrap_or_default(), "alt": name},
            })
        })
        .collect();
    let featured: Vec<Value> = catalog
        .products
        .iter()
        .filter(|p| p.on_sale(state.clock().now()) && p.featured)
        .take(8)
        .map(|p| card(&catalog, p, lang, settings))
        .collect();
    let context = merge(
        frame(
            state,
            &catalog,
            lang,
            "/",
            &title(state, &t.text(lang, "meta.home_title", &[])),
            &t.text(lang, "meta.home_description", &[]),
        ),
        json!({"collections": collections, "featured": featured}),
    );
    render(state, "home.html", &context)
}

pub async fn collection(
    State(state): State<AppState>,
    Extension(PageLang(lang)): Extension<PageLang>,
    Path(slug): Path<String>,
) -> Response {
    respond(&state, &lang, &format!("/collections/{slug}"), collection_page(&state, &lang, &slug).await).await
}

async fn collection_page(state: &AppState, lang: &Lang, slug: &str) -> Result<Response, PageError> {
    let catalog = state.catalog().await?;
    let settings = state.settings();
    let collection = catalog.collection(slug).ok_or(PageError::NotFound)?;
    let text = localized(&collection.texts, lang, settings.default_lang());
    let name = text.map(|t| t.name.clone()).unwrap_or_else(|| collection.slug.clone());
    let description = text.map(|t| t.description.clone()).unwrap_or_default();
    let products: Vec<Value> =
        catalog.products_in(collection.id, state.clock().now()).map(|p| card(&catalog, p, lang, settings)).collect();
    let context = merge(
        frame(state, &catalog, lang, &format!("/collections/{slug}"), &title(state, &name), &description),
        json!({
            "collection": {
                "slug": collection.slug,
                "name": name,
                "description": description,
                "image": {"src": collection.image.as_deref().map(media_url).unwrap_or_default(), "alt": name},
            },
            "products": products,
        }),
    );
    render(state, "collection.html", &context)
}

pub async fn product(
    State(state): State<AppState>,
    Extension(PageLang(lang)): Extension<PageLang>,
    Path(slug): Path<String>,
) -> Response {
    respond(&state, &lang, &format!("/products/{slug}"), product_page(&state, &lang, &slug).await).await
}

async fn product_page(state: &AppState, lang: &Lang, slug: &str) -> Result<Response, PageError> {
    let catalog = state.catalog().await?;
    let settings = state.settings();
    let t = state.translations();
    let product = catalog.product(slug).filter(|p| p.on_sale(state.clock().now())).ok_or(PageError::NotFound)?;
    let (name, subtitle) = product_name(product, lang, settings);
    let text = localized(&product.texts, lang, settings.default_lang());
    let active: Vec<_> =
        product.variants.iter().filter(|v| v.availability == luxevault_core::catalog::Availability::Active).collect();

    let mut colours: Vec<Value> = Vec::new();
    let mut sizes: Vec<String> = Vec::new();
    for variant in &active {
        if let Some(code) = &variant.colour
            && !colours.iter().any(|c| c["code"] == code.as_str())
        {
            let hex = catalog.colour(code).map(|c| c.hex.clone()).unwrap_or_default();
            colours.push(json!({"code": code, "name": colour_name(&catalog, code, lang, settings), "hex": hex}));
        }
        if let Some(size) = &variant.size
            && !sizes.contains(size)
        {
            sizes.push(size.clone());
        }
    }
    let variants: Vec<Value> = active
        .iter()
        .map(|v| {
            let state_ = v.stock_state();
            json!({
                "sku": v.sku,
                "colour_code": v.colour,
                "colour_name": v.colour.as_deref().map(|c| colour_name(&catalog, c, lang, settings)),
                "hex": v.colour.as_deref().and_then(|c| catalog.colour(c)).map(|c| c.hex.clone()),
                "size": v.size,
                "size_label": v.size.as_deref().map(|s| luxevault_core::catalog::size_label(s, lang)),
                "stock": v.stock.max(0),
                "state": state_.as_str(),
                "state_label": t.text(lang, &format!("stock.{}", state_.as_str()), &[]),
                "label": variant_label(&catalog, v, lang, settings),
            })
        })
        .collect();
    let default_sku = active.iter().find(|v| v.stock > 0).or(active.first()).map(|v| v.sku.clone()).unwrap_or_default();
    let collection = product.collections.first().and_then(|id| catalog.collection_by_id(*id)).map(|c| {
        let name = localized(&c.texts, lang, settings.default_lang())
            .map(|t| t.name.clone())
            .unwrap_or_else(|| c.slug.clone());
        json!({"name": name, "href": format!("{}/collections/{}", settings.prefix(lang), c.slug)})
    });
    let related: Vec<Value> = product
        .collections
        .first()
        .map(|id| {
            catalog
                .products_in(*id, state.clock().now())
                .filter(|p| p.id != product.id)
                .take(4)
                .map(|p| card(&catalog, p, lang, settings))
                .collect()
        })
        .unwrap_or_default();
    let images: Vec<Value> = product
        .images
        .iter()
        .enumerate()
        .map(|(i, src)| {
            let alt = product.image_alt(i, lang, settings.default_lang());
            json!({"src": media_url(src), "srcset": crate::present::srcset(src), "alt": if alt.is_empty() { name.as_str() } else { alt }})
        })
        .collect();
    let description = text.map(|t| t.description.join("\n\n")).unwrap_or_default();
    let description_html = markdown::to_html(&description);
    let seo_title = text.map(|t| t.seo_title.clone()).filter(|t| !t.is_empty());
    let page_title = seo_title.unwrap_or_else(|| title(state, &name));
    let meta_description = text
        .map(|t| t.seo_description.clone())
        .filter(|d| !d.is_empty())
        .or_else(|| text.and_then(|t| t.description.first()).map(|p| markdown::to_plain(p)))
        .unwrap_or_else(|| subtitle.clone());
    let context = merge(
        frame(state, &catalog, lang, &format!("/products/{slug}"), &page_title, &meta_description),
        json!({
            "product": {
                "slug": product.slug,
                "name": name,
                "subtitle": subtitle,
                "description": !description.is_empty(),
                "description_html": description_html,
                "details": text.map(|t| t.details.clone()).unwrap_or_default(),
                "images": images,
                "price": price_view(&catalog, product, lang),
                "collection": collection,
                "colours": colours,
                "sizes": sizes,
                "variants": variants,
                "default_sku": default_sku,
                "sold_out": product.sold_out(),
            },
            "related": related,
        }),
    );
    render(state, "product.html", &context)
}

pub async fn cart(State(state): State<AppState>, Extension(PageLang(lang)): Extension<PageLang>) -> Response {
    respond(&state, &lang, "/cart", cart_page(&state, &lang).await).await
}

async fn cart_page(state: &AppState, lang: &Lang) -> Result<Response, PageError> {
    let catalog = state.catalog().await?;
    let t = state.translations();
    let countries = checkout::country_list(lang);
    // The house's own country first guess, as the checkout makes it.
    let preferred = if lang.as_str() == "fr" { "FR" } else { "GB" };
    let context = merge(
        frame(state, &catalog, lang, "/cart", &title(state, &t.text(lang, "meta.cart_title", &[])), ""),
        json!({"countries": countries, "preferred_country": preferred}),
    );
    render(state, "cart.html", &context)
}

pub async fn privacy(State(state): State<AppState>, Extension(PageLang(lang)): Extension<PageLang>) -> Response {
    respond(&state, &lang, "/privacy", privacy_page(&state, &lang).await).await
}

async fn privacy_page(state: &AppState, lang: &Lang) -> Result<Response, PageError> {
    let catalog = state.catalog().await?;
    let settings = state.settings();
    let t = state.translations();
    let context = merge(
        frame(state, &catalog, lang, "/privacy", &title(state, &t.text(lang, "meta.privacy_title", &[])), ""),
        json!({
            "controller": {"name": settings.controller.name, "email": settings.controller.email, "whatsapp": settings.controller.whatsapp},
            "policy": luxevault_shop::privacy::policy::published_document(state),
        }),
    );
    render(state, "privacy.html", &context)
}

/// Unknown paths: a 404 page in the language of the URL's prefix.
pub async fn not_found(State(state): State<AppState>, uri: axum::http::Uri) -> Response {
    let settings = state.settings();
    let first = uri.path().trim_start_matches('/').split('/').next().unwrap_or_default();
    let lang = settings.langs.iter().find(|l| l.as_str() == first).unwrap_or(settings.default_lang()).clone();
    let prefix = settings.prefix(&lang);
    let path = uri.path().strip_prefix(prefix.as_str()).unwrap_or(uri.path());
    error_page(&state, &lang, path, PageError::NotFound).await
}

pub(crate) async fn respond(
    state: &AppState,
    lang: &Lang,
    path: &str,
    result: Result<Response, PageError>,
) -> Response {
    match result {
        Ok(response) => response,
        Err(error) => error_page(state, lang, path, error).await,
    }
}

/// The error page; `path` (without the language prefix) lets its language links point at the
/// same address in the other languages.
async fn error_page(state: &AppState, lang: &Lang, path: &str, error: PageError) -> Response {
    let (status, key) = match error {
        PageError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
        PageError::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "server"),
        PageError::NotOpen => return opening_page(state, lang, path),
    };
    let t = state.translations();
    let title_text = t.text(lang, &format!("error.{key}.title"), &[]);
    let message = t.text(lang, &format!("error.{key}.message"), &[]);
    let rendered = match state.catalog().await {
        Ok(catalog) => {
            let context = merge(
                frame(state, &catalog, lang, path, &title(state, &title_text), ""),
                json!({"error": {"status": status.as_u16(), "title": title_text, "message": message}}),
            );
            state.views().render("error.html", &context).ok()
        }
        Err(_) => None,
    };
    match rendered {
        Some(html) => page_response(status, html),
        None => (status, format!("{title_text}\n\n{message}\n")).into_response(),
    }
}

/// Until the house has opened (`luxevault init`) and published a piece, a calm page says so.
/// A 200: nothing is broken, and it tells search engines nothing is wrong either.
fn opening_page(state: &AppState, lang: &Lang, path: &str) -> Response {
    let t = state.translations();
    let heading = t.text(lang, "opening.title", &[]);
    let catalog = None;
    let context = merge(
        frame_of(state, catalog, lang, path, &title(state, &heading), &t.text(lang, "opening.lead", &[])),
        json!({"opening": {"title": heading, "lead": t.text(lang, "opening.lead", &[])}}),
    );
    match state.views().render("opening.html", &context) {
        Ok(html) => page_response(StatusCode::OK, html),
        Err(error) => {
            tracing::error!(error = %format!("{error:#}"), "opening page failed");
            (StatusCode::OK, heading).into_response()
        }
    }
}

/// The privacy centre: where anyone exercises their rights (P16, P21).
pub async fn privacy_centre(State(state): State<AppState>, Extension(PageLang(lang)): Extension<PageLang>) -> Response {
    let result = privacy_centre_page(&state, &lang).await;
    respond(&state, &lang, "/privacy/centre", result).await
}

async fn privacy_centre_page(state: &AppState, lang: &Lang) -> Result<Response, PageError> {
    let catalog = state.catalog().await?;
    let settings = state.settings();
    let t = state.translations();
    let pick = |text: &luxevault_core::policy::Text| {
        text.get(lang.as_str()).or_else(|| text.get(settings.default_lang().as_str())).cloned().unwrap_or_default()
    };
    let rights: Vec<Value> = state
        .policy()
        .policy
        .rights
        .list
        .iter()
        .filter(|r| luxevault_core::requests::RequestKind::parse(&r.id).is_some())
        .map(|r| json!({"id": r.id, "name": pick(&r.name), "description": pick(&r.description)}))
        .collect();
    let context = merge(
        frame(
            state,
            &catalog,
            lang,
            "/privacy/centre",
            &title(state, &t.text(lang, "meta.privacy_centre_title", &[])),
            "",
        ),
        json!({
            "rights": rights,
            "deadlines": {
                "answer_within_days": state.policy().policy.rights.answer_within_days,
                "target_business_days": state.policy().policy.rights.target_business_days,
            },
        }),
    );
    render(state, "privacy_centre.html", &context)
}
