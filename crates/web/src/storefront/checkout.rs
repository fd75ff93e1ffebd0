//! Pages of accounts, checkout and orders. The forms are driven by `shop.js` against the JSON
//! API; these handlers render the frames and the pages that must work from an emailed link.

use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use luxevault_core::Lang;
use luxevault_core::checkout::countries;
use luxevault_core::order::Actor;
use luxevault_storage::Orders;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{PageLang, frame, merge, render, respond, title};
use crate::error::PageError;
use crate::state::AppState;
use luxevault_shop::orders as shop;
use luxevault_shop::orders::view::{order_for_viewer, order_view};

fn payment_context(state: &AppState) -> Value {
    json!({"provider": state.payments().name(), "test_mode": state.payments().is_test()})
}

fn country_list() -> Vec<Value> {
    // Codes with their English short names would need a data table; the code is shown and the
    // script may localise with Intl.DisplayNames, which every supported browser has.
    countries().map(|code| json!({"code": code, "name": code})).collect()
}

async fn frame_page(
    state: &AppState,
    lang: &Lang,
    path: &str,
    title_key: &str,
    template: &str,
    extra: Value,
) -> Result<Response, PageError> {
    let catalog = state.catalog().await?;
    let t = state.translations();
    let context = merge(frame(state, &catalog, lang, path, &title(state, &t.text(lang, title_key, &[])), ""), extra);
    let mut response = render(state, template, &context)?;
    // Account and order pages are personal: never cached by shared caches.
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

pub async fn account(State(state): State<AppState>, Extension(PageLang(lang)): Extension<PageLang>) -> Response {
    let result = frame_page(
        &state,
        &lang,
        "/account",
        "meta.account_title",
        "account.html",
        json!({"countries": country_list()}),
    )
    .await;
    respond(&state, &lang, "/account", result).await
}

pub async fn reset(State(state): State<AppState>, Extension(PageLang(lang)): Extension<PageLang>) -> Response {
    let result = frame_page(&state, &lang, "/account/reset", "meta.reset_title", "reset.html", json!({})).await;
    respond(&state, &lang, "/account/reset", result).await
}

pub async fn checkout(State(state): State<AppState>, Extension(PageLang(lang)): Extension<PageLang>) -> Response {
    // A fresh key per page view: retries and double clicks of this view reuse it.
    let key = luxevault_shop::auth::new_token().map(|t| t[..32].to_string()).unwrap_or_default();
    let extra =
        json!({"checkout": {"idempotency_key": key, "countries": country_list(), "payment": payment_context(&state)}});
    let result = frame_page(&state, &lang, "/checkout", "meta.checkout_title", "checkout.html", extra).await;
    respond(&state, &lang, "/checkout", result).await
}

#[derive(Deserialize)]
pub struct KeyQuery {
    key: Option<String>,
}

pub async fn order(
    State(state): State<AppState>,
    Extension(PageLang(lang)): Extension<PageLang>,
    Path(id): Path<String>,
    Query(query): Query<KeyQuery>,
) -> Response {
    let path = format!("/orders/{id}");
    let result = order_page(&state, &lang, &id, query.key.as_deref()).await;
    respond(&state, &lang, &path, result).await
}

async fn order_page(state: &AppState, lang: &Lang, id: &str, key: Option<&str>) -> Result<Response, PageError> {
    let id = Uuid::parse_str(id).map_err(|_| PageError::NotFound)?;
    // The page opens by the link's secret only (a signed-in owner sees orders in the account).
    let view = order_for_viewer(state, id, None, Some(key.ok_or(PageError::NotFound)?)).await?;
    let extra = json!({"order": view, "payment": payment_context(state)});
    frame_page(state, lang, &format!("/orders/{id}"), "meta.order_title", "order.html", extra).await
}

/// The demo provider's payment page: stands where Stripe's hosted page would, moves no money.
pub async fn demo_pay_page(
    State(state): State<AppState>,
    Path(session): Path<String>,
    Query(query): Query<KeyQuery>,
) -> Response {
    let lang = state.settings().default_lang().clone();
    let result = demo_page(&state, &session, query.key.as_deref()).await;
    respond(&state, &lang, "/", result).await
}

async fn demo_order(
    state: &AppState,
    session: &str,
    key: Option<&str>,
) -> Result<luxevault_storage::OrderRow, PageError> {
    if state.payments().name() != "demo" || !session.starts_with("demo_cs_") {
        return Err(PageError::NotFound);
    }
    let order = Orders::by_session_id(state.db(), session).await?.ok_or(PageError::NotFound)?;
    if !key.is_some_and(|k| shop::order_link_valid(state, order.id, k)) {
        return Err(PageError::NotFound);
    }
    Ok(order)
}

async fn demo_page(state: &AppState, session: &str, key: Option<&str>) -> Result<Response, PageError> {
    let order = demo_order(state, session, key).await?;
    let lang = Lang::parse(&order.lang).unwrap_or_else(|| state.settings().default_lang().clone());
    let view = order_view(state, &order, None).await.map_err(|_| PageError::Internal)?;
    let extra = json!({"demo": {
        "order_number": order.number,
        "total": view.total,
        "pay_action": format!("/checkout/demo/{session}"),
        "key": key.unwrap_or_default(),
    }, "payment": payment_context(state)});
    frame_page(state, &lang, "/", "meta.demo_pay_title", "demo_pay.html", extra).await
}

#[derive(Deserialize)]
pub struct DemoPayForm {
    key: String,
}

/// "Pay (test)": authorises the order as a card payment would, then sends the customer to the
/// order page. The capture follows through the job queue, as with Stripe.
pub async fn demo_pay(
    State(state): State<AppState>,
    Path(session): Path<String>,
    Form(form): Form<DemoPayForm>,
) -> Response {
    let lang = state.settings().default_lang().clone();
    let order = match demo_order(&state, &session, Some(&form.key)).await {
        Ok(order) => order,
        Err(error) => return respond(&state, &lang, "/", Err(error)).await,
    };
    if let Err(error) =
        shop::payment_authorised(&state, &order, order.payment_id.as_deref(), Actor::Provider("demo")).await
    {
        tracing::error!(error = %error, "demo payment could not be recorded");
        return (StatusCode::INTERNAL_SERVER_ERROR, "The payment could not be recorded. Please try again.")
            .into_response();
    }
    // Relative: the customer stays on the address they used.
    let prefix = state.settings().prefix(&Lang::parse(&order.lang).unwrap_or_else(|| lang.clone()));
    let key = shop::order_link_token(&state, order.id);
    Redirect::to(&format!("{prefix}/orders/{}?key={key}", order.id)).into_response()
}
