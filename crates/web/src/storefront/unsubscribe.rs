//! `/unsubscribe/{token}`: the one-click unsubscribe of marketing email (RFC 8058, P22). A mail
//! client POSTs `List-Unsubscribe=One-Click`; a person following the link sees a page with one
//! button. A GET never unsubscribes (link scanners open links), a POST always answers the same
//! page, and nothing needs a sign-in.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use luxevault_shop::ShopError;
use luxevault_shop::marketing;
use serde_json::json;

use super::{PageError, frame, merge, render, respond, title};
use crate::state::AppState;

async fn page(state: &AppState, token: &str, done: bool) -> Result<Response, PageError> {
    let lang = state.settings().default_lang().clone();
    let catalog = state.catalog().await?;
    let t = state.translations();
    let key = if done { "unsubscribe.done" } else { "unsubscribe.ask" };
    let heading = t.text(&lang, &format!("{key}.title"), &[]);
    let context = merge(
        frame(state, &catalog, &lang, "/unsubscribe", &title(state, &heading), ""),
        json!({"unsubscribe": {
            "title": heading,
            "message": t.text(&lang, &format!("{key}.message"), &[]),
            "done": done,
            "action": format!("/unsubscribe/{token}"),
        }}),
    );
    render(state, "unsubscribe.html", &context)
}

fn invalid() -> Response {
    (StatusCode::NOT_FOUND, "This unsubscribe link is not valid.").into_response()
}

/// The page with the one button.
pub async fn ask(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    if token.len() != marketing::TOKEN_CHARS || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return invalid();
    }
    let lang = state.settings().default_lang().clone();
    respond(&state, &lang, "/", page(&state, &token, false).await).await
}

/// The withdrawal itself, from the mail client's one click or the page's button.
pub async fn confirm(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    match marketing::unsubscribe(&state, &token).await {
        Ok(()) => {
            let lang = state.settings().default_lang().clone();
            respond(&state, &lang, "/", page(&state, &token, true).await).await
        }
        Err(ShopError::NotFound(_)) => invalid(),
        Err(error) => {
            tracing::error!(error = %error, "unsubscribe failed; the mail client will retry");
            (StatusCode::SERVICE_UNAVAILABLE, "Please try again in a moment.").into_response()
        }
    }
}
