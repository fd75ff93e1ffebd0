//! The catalog over the JSON API: products, collections, currencies with local prices, and the
//! pricing of a cart against the catalog as it is now.

use axum::Json;
use axum::extract::{Query, State};
use luxevault_core::cart::{self, LineStatus, VariantOffer};
use luxevault_core::catalog::snapshot::{Catalog, Product, localized};
use luxevault_core::pricing::OfferedCurrency;
use luxevault_core::tax::TaxMode;
use luxevault_core::{Lang, Money};
use luxevault_shop::delivery::{self, DeliveryTables, Goods};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ApiJson, ApiPath, ErrorBody};
use crate::present::{media_url, price_in, product_href, product_name, variant_label};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct MoneyView {
    /// ISO 4217 code.
    pub currency: String,
    /// Integer minor units (cents; yen for JPY; fils for KWD).
    pub amount_minor: i64,
    /// For people, in the requested language.
    pub formatted: String,
}

impl MoneyView {
    fn of(money: Money, lang: &Lang) -> Self {
        Self {
            currency: money.currency().code().to_string(),
            amount_minor: money.minor(),
            formatted: money.format(lang),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ImageView {
    pub src: String,
    pub alt: String,
}

#[derive(Serialize, ToSchema)]
pub struct ProductSummary {
    pub slug: String,
    pub name: String,
    pub subtitle: String,
    pub href: String,
    pub image: Option<ImageView>,
    /// The price in the requested currency; absent when the product has no price in it.
    pub price: Option<MoneyView>,
    pub sold_out: bool,
    /// Slugs of the collections the product is filed in.
    pub collections: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ColourView {
    pub code: String,
    pub name: String,
    pub hex: String,
}

#[derive(Serialize, ToSchema)]
pub struct VariantView {
    pub sku: String,
    pub colour: Option<ColourView>,
    pub size: Option<String>,
    pub label: String,
    /// `in_stock`, `low_stock` or `sold_out`.
    pub stock_state: String,
}

#[derive(Serialize, ToSchema)]
pub struct ProductDetail {
    pub slug: String,
    pub name: String,
    pub subtitle: String,
    pub description: Vec<String>,
    pub details: Vec<String>,
    pub href: String,
    pub images: Vec<ImageView>,
    pub price: Option<MoneyView>,
    /// The price in every offered currency.
    pub prices: Vec<MoneyView>,
    pub collections: Vec<String>,
    pub variants: Vec<VariantView>,
}

#[derive(Serialize, ToSchema)]
pub struct ProductList {
    pub products: Vec<ProductSummary>,
}

#[derive(Serialize, ToSchema)]
pub struct CollectionView {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub href: String,
    pub image: Option<ImageView>,
    pub product_count: usize,
}

#[derive(Serialize, ToSchema)]
pub struct CollectionList {
    pub collections: Vec<CollectionView>,
}

#[derive(Serialize, ToSchema)]
pub struct CurrencyView {
    pub code: String,
    pub name: String,
    pub exponent: u32,
    /// Whether prices are set in this currency and converted from it.
    pub base: bool,
}

#[derive(Serialize, ToSchema)]
pub struct CurrencyList {
    pub currencies: Vec<CurrencyView>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CatalogQuery {
    /// Language of texts and formatting, e.g. `fr`; the shop's default when absent.
    lang: Option<String>,
    /// ISO 4217 code of an offered currency; the base currency when absent.
    currency: Option<String>,
    /// Only products in this collection (slug).
    collection: Option<String>,
}

fn resolve_lang(state: &AppState, requested: Option<&str>) -> Result<Lang, ApiError> {
    let settings = state.settings();
    match requested {
        None | Some("") => Ok(settings.default_lang().clone()),
        Some(code) => Lang::parse(code).filter(|l| settings.langs.contains(l)).ok_or_else(|| {
            let offered: Vec<&str> = settings.langs.iter().map(Lang::as_str).collect();
            ApiError::bad_request(
                "unsupported_language",
                format!("Language is not offered; use one of: {}.", offered.join(", ")),
            )
        }),
    }
}

fn resolve_currency<'a>(catalog: &'a Catalog, requested: Option<&str>) -> Result<&'a OfferedCurrency, ApiError> {
    let base = catalog.currencies.base();
    let code = requested.filter(|c| !c.is_empty()).unwrap_or(base.code());
    catalog.currencies.find(code).ok_or_else(|| unsupported_currency(catalog))
}

fn unsupported_currency(catalog: &Catalog) -> ApiError {
    let offered: Vec<&str> = catalog.currencies.offered().iter().map(|o| o.currency.code()).collect();
    ApiError::bad_request(
        "unsupported_currency",
        format!("Currency is not offered; use one of: {}.", offered.join(", ")),
    )
}

fn collection_slugs(catalog: &Catalog, product: &Product) -> Vec<String> {
    product.collections.iter().filter_map(|id| catalog.collection_by_id(*id)).map(|c| c.slug.clone()).collect()
}

fn summary(
    state: &AppState,
    catalog: &Catalog,
    product: &Product,
    lang: &Lang,
    currency: &OfferedCurrency,
) -> ProductSummary {
    let settings = state.settings();
    let (name, subtitle) = product_name(product, lang, settings);
    ProductSummary {
        slug: product.slug.clone(),
        href: product_href(settings, lang, product),
        image: product.images.first().map(|src| ImageView { src: media_url(src), alt: name.clone() }),
        price: price_in(catalog, product, currency).map(|m| MoneyView::of(m, lang)),
        sold_out: product.sold_out(),
        collections: collection_slugs(catalog, product),
        name,
        subtitle,
    }
}

/// Products on sale.
#[utoipa::path(get, path = "/api/v1/products", params(CatalogQuery), tag = "catalog",
    responses((status = 200, body = ProductList), (status = 400, body = ErrorBody), (status = 404, description = "Unknown collection", body = ErrorBody)))]
pub async fn list_products(
    State(state): State<AppState>,
    Query(query): Query<CatalogQuery>,
) -> Result<Json<ProductList>, ApiError> {
    let lang = resolve_lang(&state, query.lang.as_deref())?;
    // A shop that has not opened lists nothing (not an error).
    let catalog = match state.catalog().await {
        Err(luxevault_storage::DbError::NotOpen) => return Ok(Json(ProductList { products: Vec::new() })),
        other => other?,
    };
    let currency = resolve_currency(&catalog, query.currency.as_deref())?;
    let products: Vec<ProductSummary> = match query.collection.as_deref() {
        Some(slug) => {
            let collection =
                catalog.collection(slug).ok_or_else(|| ApiError::not_found("No collection has this slug."))?;
            catalog
                .products_in(collection.id, state.clock().now())
                .map(|p| summary(&state, &catalog, p, &lang, currency))
                .collect()
        }
        None => catalog
            .products_on_sale(state.clock().now())
            .map(|p| summary(&state, &catalog, p, &lang, currency))
            .collect(),
    };
    Ok(Json(ProductList { products }))
}

/// One product with its variants and prices.
#[utoipa::path(get, path = "/api/v1/products/{slug}", params(("slug" = String, Path), CatalogQuery), tag = "catalog",
    responses((status = 200, body = ProductDetail), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_product(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
    Query(query): Query<CatalogQuery>,
) -> Result<Json<ProductDetail>, ApiError> {
    let lang = resolve_lang(&state, query.lang.as_deref())?;
    let catalog = state.catalog().await?;
    let currency = resolve_currency(&catalog, query.currency.as_deref())?;
    let product = catalog
        .product(&slug)
        .filter(|p| p.on_sale(state.clock().now()))
        .ok_or_else(|| ApiError::not_found("No product has this slug."))?;
    let settings = state.settings();
    let (name, subtitle) = product_name(product, &lang, settings);
    let text = localized(&product.texts, &lang, settings.default_lang());
    let variants = product
        .variants
        .iter()
        .filter(|v| v.availability == luxevault_core::catalog::Availability::Active)
        .map(|v| VariantView {
            sku: v.sku.clone(),
            colour: v.colour.as_deref().and_then(|code| catalog.colour(code)).map(|c| ColourView {
                code: c.code.clone(),
                name: localized(&c.names, &lang, settings.default_lang()).cloned().unwrap_or_else(|| c.code.clone()),
                hex: c.hex.clone(),
            }),
            size: v.size.clone(),
            label: variant_label(&catalog, v, &lang, settings),
            stock_state: v.stock_state().as_str().to_string(),
        })
        .collect();
    let prices = catalog
        .currencies
        .offered()
        .iter()
        .filter_map(|o| price_in(&catalog, product, o))
        .map(|m| MoneyView::of(m, &lang))
        .collect();
    Ok(Json(ProductDetail {
        slug: product.slug.clone(),
        description: text.map(|t| t.description.clone()).unwrap_or_default(),
        details: text.map(|t| t.details.clone()).unwrap_or_default(),
        href: product_href(settings, &lang, product),
        images: product.images.iter().map(|src| ImageView { src: media_url(src), alt: name.clone() }).collect(),
        price: price_in(&catalog, product, currency).map(|m| MoneyView::of(m, &lang)),
        prices,
        collections: collection_slugs(&catalog, product),
        variants,
        name,
        subtitle,
    }))
}

/// Collections that hold products on sale.
#[utoipa::path(get, path = "/api/v1/collections", params(CatalogQuery), tag = "catalog",
    responses((status = 200, body = CollectionList), (status = 400, body = ErrorBody)))]
pub async fn list_collections(
    State(state): State<AppState>,
    Query(query): Query<CatalogQuery>,
) -> Result<Json<CollectionList>, ApiError> {
    let lang = resolve_lang(&state, query.lang.as_deref())?;
    // A shop that has not opened lists nothing (not an error).
    let catalog = match state.catalog().await {
        Err(luxevault_storage::DbError::NotOpen) => return Ok(Json(CollectionList { collections: Vec::new() })),
        other => other?,
    };
    let settings = state.settings();
    let collections = catalog
        .collections
        .iter()
        .map(|c| {
            let text = localized(&c.texts, &lang, settings.default_lang());
            let name = text.map(|t| t.name.clone()).unwrap_or_else(|| c.slug.clone());
            CollectionView {
                slug: c.slug.clone(),
                description: text.map(|t| t.description.clone()).unwrap_or_default(),
                href: format!("{}/collections/{}", settings.prefix(&lang), c.slug),
                image: c.image.as_deref().map(|src| ImageView { src: media_url(src), alt: name.clone() }),
                product_count: catalog.products_in(c.id, state.clock().now()).count(),
                name,
            }
        })
        .filter(|c| c.product_count > 0)
        .collect();
    Ok(Json(CollectionList { collections }))
}

/// Currencies the shop prices in.
#[utoipa::path(get, path = "/api/v1/currencies", tag = "catalog", responses((status = 200, body = CurrencyList)))]
pub async fn list_currencies(State(state): State<AppState>) -> Result<Json<CurrencyList>, ApiError> {
    // A shop that has not opened lists nothing (not an error).
    let catalog = match state.catalog().await {
        Err(luxevault_storage::DbError::NotOpen) => return Ok(Json(CurrencyList { currencies: Vec::new() })),
        other => other?,
    };
    let base = catalog.currencies.base();
    let currencies = catalog
        .currencies
        .offered()
        .iter()
        .map(|o| CurrencyView {
            code: o.currency.code().to_string(),
            name: o.currency.name(),
            exponent: o.currency.exponent(),
            base: o.currency == base,
        })
        .collect();
    Ok(Json(CurrencyList { currencies }))
}

#[derive(Deserialize, ToSchema)]
pub struct QuoteRequest {
    /// ISO 4217 code; an unknown one is answered in the base currency with a notice.
    pub currency: String,
    /// Language of messages and formatting; the shop's default when absent.
    #[serde(default)]
    pub lang: Option<String>,
    pub lines: Vec<QuoteLineRequest>,
    /// ISO 3166-1 alpha-2 destination: when given, the answer prices delivery and tax.
    #[serde(default)]
    pub country: Option<String>,
    /// The delivery chosen among `delivery.options` (its `code`); the first when absent.
    #[serde(default)]
    pub delivery: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct QuoteLineRequest {
    pub sku: String,
    pub quantity: i64,
}

#[derive(Serialize, ToSchema)]
pub struct QuoteProduct {
    pub slug: String,
    pub name: String,
    pub href: String,
    pub image: Option<ImageView>,
}

#[derive(Serialize, ToSchema)]
pub struct QuoteLine {
    pub sku: String,
    /// The quantity asked for (lines naming the same SKU are merged).
    pub quantity: i64,
    /// `ok`, `unknown_variant`, `retired`, `insufficient_stock` (priced at `available`) or `invalid_quantity`.
    pub status: String,
    /// Why the line is not `ok`, in the requested language.
    pub message: Option<String>,
    /// Pieces that can be bought now.
    pub available: i64,
    pub product: Option<QuoteProduct>,
    pub variant_label: Option<String>,
    pub unit_price: Option<MoneyView>,
    pub line_total: Option<MoneyView>,
}

#[derive(Serialize, ToSchema)]
pub struct QuoteResponse {
    pub currency: String,
    /// Set when the requested currency is not offered and the base currency was used.
    pub notice: Option<String>,
    pub lines: Vec<QuoteLine>,
    pub subtotal: MoneyView,
    /// Pieces priced.
    pub item_count: i64,
    /// Delivery and tax to `country`, when it was given.
    pub delivery: Option<DeliveryView>,
    /// What the client pays: the subtotal, delivery, and tax added on top (VAT included in
    /// prices is not added again). The subtotal when no country was given.
    pub total: MoneyView,
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryOptionView {
    pub code: String,
    pub name: String,
    /// `flat`, `weight` or `pickup`.
    pub kind: String,
    pub price: MoneyView,
    /// "Complimentary" when free, else the price, in the requested language.
    pub price_text: String,
}

#[derive(Serialize, ToSchema)]
pub struct TaxLineView {
    /// "Including VAT 19%", "Sales tax 8.87%".
    pub label: String,
    /// Basis points: 1900 is 19 %.
    pub rate_bp: u32,
    pub base: MoneyView,
    pub amount: MoneyView,
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryView {
    pub country: String,
    pub options: Vec<DeliveryOptionView>,
    /// The code of the delivery priced (the choice, or the first option).
    pub chosen: Option<String>,
    pub shipping: MoneyView,
    /// `included` (VAT inside the prices), `excluded` (added on top) or `none`.
    pub tax_mode: String,
    pub tax_lines: Vec<TaxLineView>,
    pub tax: MoneyView,
    pub duties_paid: bool,
    /// The duties terms, said plainly before payment.
    pub duties_note: String,
    /// Why the cart cannot be sent there as asked (then `options` may be empty).
    pub problem: Option<String>,
    /// Machine-readable `problem`: `not_delivered`, `unknown_choice`, `no_tax_rate`.
    pub problem_code: Option<String>,
}

/// Re-prices the browser's cart against current prices and stock. Every line gets its own
/// verdict; the rest of the cart is still priced.
#[utoipa::path(post, path = "/api/v1/cart/quote", request_body = QuoteRequest, tag = "cart",
    responses((status = 200, body = QuoteResponse), (status = 400, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn quote_cart(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<QuoteRequest>,
) -> Result<Json<QuoteResponse>, ApiError> {
    let lang = resolve_lang(&state, request.lang.as_deref())?;
    if request.lines.len() > cart::MAX_LINES {
        return Err(ApiError::bad_request(
            "too_many_lines",
            format!("A cart holds at most {} lines.", cart::MAX_LINES),
        ));
    }
    let catalog = state.catalog().await?;
    let t = state.translations();
    let base = catalog.currencies.base().code().to_string();
    let (currency, notice) = match catalog.currencies.find(&request.currency) {
        Some(found) => (found, None),
        None => {
            let base_offer = resolve_currency(&catalog, None)?;
            let requested: String = request.currency.chars().filter(char::is_ascii_alphanumeric).take(8).collect();
            let notice = t.text(&lang, "quote.unknown_currency", &[("requested", &requested), ("currency", &base)]);
            (base_offer, Some(notice))
        }
    };
    let settings = state.settings();
    let merged = cart::merge_lines(request.lines.into_iter().map(|l| (l.sku, l.quantity)));
    let mut quoted = Vec::with_capacity(merged.len());
    let mut lines = Vec::with_capacity(merged.len());
    let mut goods = Vec::with_capacity(merged.len());
    for (sku, quantity) in merged {
        let found = catalog.variant(&sku);
        let offer = found.map(|(product, variant)| VariantOffer {
            on_sale: product.on_sale(state.clock().now())
                && variant.availability == luxevault_core::catalog::Availability::Active,
            stock: variant.stock,
            unit_price: price_in(&catalog, product, currency),
        });
        let line = cart::quote_line(quantity, offer.as_ref())
            .map_err(|_| ApiError::bad_request("amount_too_large", "The cart's total is too large."))?;
        if let (Some((product, variant)), Some(total)) = (found, line.line_total) {
            let supplied = if line.status == LineStatus::InsufficientStock { line.available } else { quantity };
            goods.push(Goods {
                total,
                tax_class: &product.tax_class,
                weight_grams: variant.weight_grams.saturating_mul(supplied),
            });
        }
        let message = match line.status {
            LineStatus::Ok => None,
            LineStatus::UnknownVariant => Some(t.text(&lang, "quote.unknown_variant", &[])),
            LineStatus::Retired => Some(t.text(&lang, "quote.retired", &[])),
            // Never "only 0 available": none left is said plainly.
            LineStatus::InsufficientStock if line.available == 0 => Some(t.text(&lang, "quote.sold_out", &[])),
            LineStatus::InsufficientStock => {
                Some(t.text(&lang, "quote.insufficient_stock", &[("available", &line.available.to_string())]))
            }
            LineStatus::InvalidQuantity => {
                Some(t.text(&lang, "quote.invalid_quantity", &[("max", &cart::MAX_LINE_QUANTITY.to_string())]))
            }
        };
        let product = found.map(|(product, _)| {
            let (name, _) = product_name(product, &lang, settings);
            QuoteProduct {
                slug: product.slug.clone(),
                href: product_href(settings, &lang, product),
                image: product.images.first().map(|src| ImageView { src: media_url(src), alt: name.clone() }),
                name,
            }
        });
        lines.push(QuoteLine {
            // An unknown SKU is echoed only if it looks like one; arbitrary text is not reflected.
            sku: if found.is_some() || luxevault_core::catalog::is_valid_sku(&sku) {
                sku.clone()
            } else {
                String::new()
            },
            quantity,
            status: line.status.as_str().to_string(),
            message,
            available: line.available,
            variant_label: found.map(|(_, variant)| variant_label(&catalog, variant, &lang, settings)),
            unit_price: line.unit_price.map(|m| MoneyView::of(m, &lang)),
            line_total: line.line_total.map(|m| MoneyView::of(m, &lang)),
            product,
        });
        quoted.push(line);
    }
    let subtotal = cart::subtotal(currency.currency, &quoted)
        .map_err(|_| ApiError::bad_request("amount_too_large", "The cart's total is too large."))?;
    let item_count = quoted
        .iter()
        .zip(&lines)
        .filter_map(|(q, l)| {
            q.line_total.map(|_| if q.status == LineStatus::InsufficientStock { q.available } else { l.quantity })
        })
        .sum();
    let delivery = match request.country.as_deref() {
        None => None,
        Some(country) => {
            let country = country.trim().to_ascii_uppercase();
            if !luxevault_core::checkout::is_country(&country) {
                return Err(ApiError::bad_request(
                    "invalid_country",
                    "Give the destination as an ISO 3166-1 alpha-2 code, e.g. FR.",
                ));
            }
            let tables = state.delivery_tables(&catalog).await?;
            Some(delivery_view(
                &state,
                &tables,
                &catalog,
                &lang,
                &country,
                request.delivery.as_deref(),
                subtotal,
                &goods,
            ))
        }
    };
    let total = delivery.as_ref().map(|(_, total)| *total).unwrap_or(subtotal);
    Ok(Json(QuoteResponse {
        currency: currency.currency.code().to_string(),
        notice,
        lines,
        subtotal: MoneyView::of(subtotal, &lang),
        item_count,
        delivery: delivery.map(|(view, _)| view),
        total: MoneyView::of(total, &lang),
    }))
}

#[allow(clippy::too_many_arguments)]
fn delivery_view(
    state: &AppState,
    tables: &DeliveryTables,
    catalog: &Catalog,
    lang: &Lang,
    country: &str,
    choice: Option<&str>,
    subtotal: Money,
    goods: &[Goods<'_>],
) -> (DeliveryView, Money) {
    let t = state.translations();
    let zero = Money::zero(subtotal.currency());
    let option_view = |o: &luxevault_core::shipping::DeliveryOption| DeliveryOptionView {
        code: o.code.clone(),
        name: o.name.clone(),
        kind: o.kind.as_str().to_string(),
        price_text: if o.price.minor() == 0 { t.text(lang, "delivery.free", &[]) } else { o.price.format(lang) },
        price: MoneyView::of(o.price, lang),
    };
    match delivery::quote(tables, &catalog.currencies, country, choice, subtotal, goods) {
        Ok(q) => {
            let included = q.tax_mode != TaxMode::Excluded;
            let view = DeliveryView {
                country: country.to_string(),
                options: q.options.iter().map(option_view).collect(),
                chosen: q.chosen.as_ref().map(|c| c.code.clone()),
                shipping: MoneyView::of(q.shipping, lang),
                tax_mode: q.tax_mode.as_str().to_string(),
                tax_lines: q
                    .tax_lines
                    .iter()
                    .map(|l| TaxLineView {
                        label: delivery::tax_label(state, lang, &l.name, l.rate_bp, included),
                        rate_bp: l.rate_bp,
                        base: MoneyView::of(l.base, lang),
                        amount: MoneyView::of(l.amount, lang),
                    })
                    .collect(),
                tax: MoneyView::of(q.tax, lang),
                duties_paid: q.duties_paid,
                duties_note: delivery::duties_note(state, lang, q.duties_paid),
                problem: None,
                problem_code: None,
            };
            (view, q.total)
        }
        Err(problem) => {
            // Still list what is offered there, so a wrong choice can be corrected.
            let options = tables
                .shipping
                .zone_for(country)
                .and_then(|z| z.options(subtotal, 0, &catalog.currencies).ok())
                .unwrap_or_default();
            let view = DeliveryView {
                country: country.to_string(),
                options: options.iter().map(option_view).collect(),
                chosen: None,
                shipping: MoneyView::of(zero, lang),
                tax_mode: TaxMode::None.as_str().to_string(),
                tax_lines: Vec::new(),
                tax: MoneyView::of(zero, lang),
                duties_paid: false,
                duties_note: String::new(),
                problem: Some(t.text(lang, problem.message_key(), &[])),
                problem_code: Some(problem.message_key().trim_start_matches("delivery.").to_string()),
            };
            (view, subtotal)
        }
    }
}
