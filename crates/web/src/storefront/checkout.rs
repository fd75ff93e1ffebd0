//! Pages of accounts, checkout and orders. The forms are driven by `shop.js` against the JSON
//! API; these handlers render the frames and the pages that must work from an emailed link.

use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use luxevault_core::Lang;
use luxevault_core::country_names::CountryNames;
use luxevault_core::order::Actor;
use luxevault_storage::Orders;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{PageLang, frame, merge, render, respond, title};
use crate::error::PageError;
use crate::extract::ClientAddr;
use crate::state::AppState;
use luxevault_shop::error::ShopError;
use luxevault_shop::orders as shop;
use luxevault_shop::orders::link::{self, KeyCheck};
use luxevault_shop::orders::view::{LINK_EXPIRED, order_for_viewer, order_view};

fn payment_context(state: &AppState) -> Value {
    json!({"provider": state.payments().name(), "test_mode": state.payments().is_test()})
}

/// Every country by its name in the page's language, alphabetically.
pub(super) fn country_list(lang: &Lang) -> Vec<Value> {
    CountryNames::of(lang).sorted().iter().map(|(code, name)| json!({"code": code, "name": name})).collect()
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
        json!({"countries": country_list(&lang)}),
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
    let extra = json!({"checkout": {"idempotency_key": key, "countries": country_list(&lang), "payment": payment_context(&state)}});
    let result = frame_page(&state, &lang, "/checkout", "meta.checkout_title", "checkout.html", extra).await;
    respond(&state, &lang, "/checkout", result).await
}

#[derive(Deserialize)]
pub struct KeyQuery {
    key: Option<String>,
}

/// The order's address as anyone reaches it (the provider's success URL, an emailed link before
/// its script runs): a neutral "thank you", no personal data. The page's script posts the key
/// from the fragment (`#key=`, see `orders::link`) to the same address, which shows the order.
/// A key in the query string is an old link (keys were once sent there): it is not trusted
/// with the order and is answered as expired, with the way to a fresh link.
pub async fn order(
    State(state): State<AppState>,
    Extension(PageLang(lang)): Extension<PageLang>,
    Path(id): Path<String>,
    Query(query): Query<KeyQuery>,
) -> Response {
    let path = format!("/orders/{id}");
    let state_name = if query.key.is_some() { "expired" } else { "thanks" };
    let result = match Uuid::parse_str(&id) {
        Ok(id) => order_frame(&state, &lang, id, json!({"state": state_name})).await,
        Err(_) => Err(PageError::NotFound),
    };
    respond(&state, &lang, &path, result).await
}

#[derive(Deserialize)]
pub struct KeyForm {
    #[serde(default)]
    key: String,
}

/// The order behind a link's key, posted by the page's script (the key never travels in a URL).
pub async fn open_order(
    State(state): State<AppState>,
    Extension(PageLang(lang)): Extension<PageLang>,
    Path(id): Path<String>,
    Form(form): Form<KeyForm>,
) -> Response {
    let path = format!("/orders/{id}");
    let result = open_order_page(&state, &lang, &id, &form.key).await;
    respond(&state, &lang, &path, result).await
}

async fn open_order_page(state: &AppState, lang: &Lang, id: &str, key: &str) -> Result<Response, PageError> {
    let id = Uuid::parse_str(id).map_err(|_| PageError::NotFound)?;
    // The page opens by the link's key only (a signed-in owner sees orders in the account).
    match order_for_viewer(state, id, None, Some(key)).await {
        Ok(view) => {
            let extra = json!({"order": view, "payment": payment_context(state)});
            frame_page(state, lang, &format!("/orders/{id}"), "meta.order_title", "order.html", extra).await
        }
        Err(ShopError::Rejected { code: LINK_EXPIRED, .. }) => {
            order_frame(state, lang, id, json!({"state": "expired"})).await
        }
        Err(error) => Err(error.into()),
    }
}

async fn order_frame(state: &AppState, lang: &Lang, id: Uuid, link: Value) -> Result<Response, PageError> {
    let action = format!("{}/orders/{id}", state.settings().prefix(lang));
    let extra = json!({"link": merge(link, json!({"action": action, "fresh_action": format!("{action}/link")})),
        "payment": payment_context(state)});
    frame_page(state, lang, &format!("/orders/{id}"), "meta.order_title", "order.html", extra).await
}

#[derive(Deserialize)]
pub struct FreshLinkForm {
    #[serde(default)]
    email: String,
}

/// "Send me a fresh link": the same answer whether or not the order exists and the address is
/// the order's (`orders::link::send_fresh_link`).
pub async fn fresh_link(
    State(state): State<AppState>,
    Extension(PageLang(lang)): Extension<PageLang>,
    ClientAddr(client): ClientAddr,
    Path(id): Path<String>,
    Form(form): Form<FreshLinkForm>,
) -> Response {
    let path = format!("/orders/{id}");
    let result = match Uuid::parse_str(&id) {
        Ok(id) => match link::send_fresh_link(&state, id, &form.email, client).await {
            Ok(()) => order_frame(&state, &lang, id, json!({"state": "sent"})).await,
            Err(ShopError::Throttled(_)) => order_frame(&state, &lang, id, json!({"state": "throttled"})).await,
            Err(error) => Err(error.into()),
        },
        Err(_) => Err(PageError::NotFound),
    };
    respond(&state, &lang, &path, result).await
}

/// The demo provider's payment page: stands where Stripe's hosted page would, moves no money.
pub async fn demo_pay_page(State(state): State<AppState>, Path(session): Path<String>) -> Response {
    let lang = state.settings().default_lang().clone();
    let result = demo_page(&state, &session).await;
    respond(&state, &lang, "/", result).await
}

/// The order of a demo checkout session. Like the provider's hosted page, the page is reached by
/// its session id (random, shown to the browser that placed the order); paying also takes the
/// order's key, which the page's script reads from the fragment into the form.
async fn demo_order(state: &AppState, session: &str) -> Result<luxevault_storage::OrderRow, PageError> {
    if state.payments().name() != "demo" || !session.starts_with("demo_cs_") {
        return Err(PageError::NotFound);
    }
    Orders::by_session_id(state.db(), session).await?.ok_or(PageError::NotFound)
}

async fn demo_page(state: &AppState, session: &str) -> Result<Response, PageError> {
    let order = demo_order(state, session).await?;
    let lang = Lang::parse(&order.lang).unwrap_or_else(|| state.settings().default_lang().clone());
    let view = order_view(state, &order, None).await.map_err(|_| PageError::Internal)?;
    let extra = json!({"demo": {
        "order_number": order.number,
        "total": view.total,
        "pay_action": format!("/checkout/demo/{session}"),
    }, "payment": payment_context(state)});
    frame_page(state, &lang, "/", "meta.demo_pay_title", "demo_pay.html", extra).await
}

#[derive(Deserialize)]
pub struct DemoPayForm {
    #[serde(default)]
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
    let order = match demo_order(&state, &session).await {
        Ok(order) if link::check(&state, order.id, &form.key) == KeyCheck::Valid => order,
        Ok(_) => return respond(&state, &lang, "/", Err(PageError::NotFound)).await,
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
    let key = link::fresh_key(&state, order.id);
    Redirect::to(&format!("{prefix}/orders/{}#key={key}", order.id)).into_response()
}
