//! Signing in to the back office: password (Argon2id), then a TOTP code or a recovery code; a new
//! member sets up their authenticator at first sign-in. Every step is throttled, the session
//! token is replaced when the second factor is proven, and the member can see and end their
//! sessions.

use axum::extract::{Form, FromRequest, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use luxevault_core::Timestamp;
use luxevault_core::staff::SECOND_FACTOR_MINUTES;
use luxevault_shop::ShopError;
use luxevault_shop::staff::second_factor;
use luxevault_shop::staff::sign_in::{self, NextStep};
use luxevault_storage::Staff;
use serde::Deserialize;
use serde_json::json;

use super::session::{self, StaffContext, StaffForm, client_of, csrf_matches, csrf_token};
use super::{message, render};
use crate::error::ApiError;
use crate::state::AppState;

/// A refused step: the status and sentence the shop gave; `None` when the shop is busy.
fn refusal(error: ShopError) -> Option<(StatusCode, String)> {
    if matches!(error, ShopError::Unavailable | ShopError::Internal | ShopError::Db(_)) {
        return None;
    }
    let error = ApiError::from(error);
    Some((error.status, error.message))
}

pub async fn login_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Ok(Some((_, s, _))) = session::current_session(&state, &headers).await
        && s.stage == "full"
    {
        return Redirect::to("/admin").into_response();
    }
    render(&state, StatusCode::OK, None, "admin/login.html", "Sign in", "", json!({"error": null}))
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
}

pub async fn login(State(state): State<AppState>, request: axum::extract::Request) -> Response {
    let (parts, body) = request.into_parts();
    let client = client_of(&parts, &state);
    let Ok(Form(form)) =
        Form::<LoginForm>::from_request(axum::extract::Request::from_parts(parts.clone(), body), &state).await
    else {
        return login_refused(&state, StatusCode::BAD_REQUEST, "Enter your username and password.");
    };
    let device = user_agent(&parts.headers);
    match sign_in::prove_password(&state, &form.username, form.password, &client, &device).await {
        Ok((token, next)) => {
            let next = if next == NextStep::Enrol { "/admin/enrol" } else { "/admin/login/code" };
            with_cookie(Redirect::to(next).into_response(), session::set_cookie(&token))
        }
        Err(ShopError::Busy) => {
            let message = ShopError::Busy.message().into_owned();
            let mut page = login_refused(&state, StatusCode::SERVICE_UNAVAILABLE, &message);
            let wait = axum::http::HeaderValue::from(luxevault_shop::error::BUSY_RETRY_AFTER_SECS);
            page.headers_mut().insert(header::RETRY_AFTER, wait);
            page
        }
        Err(error) => match refusal(error) {
            Some((status, text)) => login_refused(&state, status, &text),
            None => unavailable(),
        },
    }
}

fn login_refused(state: &AppState, status: StatusCode, text: &str) -> Response {
    render(state, status, None, "admin/login.html", "Sign in", "", json!({"error": text}))
}

fn unavailable() -> Response {
    (StatusCode::SERVICE_UNAVAILABLE, "The back office is busy; try again in a moment.").into_response()
}

fn with_cookie(mut response: Response, cookie: axum::http::HeaderValue) -> Response {
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}

/// A short, non-identifying description of the browser, for the sessions list.
fn user_agent(headers: &HeaderMap) -> String {
    let ua = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let browser = ["Firefox", "Edg", "Chrome", "Safari"].into_iter().find(|b| ua.contains(b)).unwrap_or("Browser");
    let system = ["Windows", "Mac OS", "iPhone", "iPad", "Android", "Linux"]
        .into_iter()
        .find(|s| ua.contains(s))
        .unwrap_or("unknown system");
    let browser = if browser == "Edg" { "Edge" } else { browser };
    format!("{browser} on {system}")
}

/// The session between the password and the second factor, still within its few minutes.
async fn pending(state: &AppState, headers: &HeaderMap, stage: &str) -> Option<(String, luxevault_storage::StaffRow)> {
    let (token, session, member) = session::current_session(state, headers).await.ok().flatten()?;
    let fresh = state.clock().now().as_micros()
        < session.created_at + SECOND_FACTOR_MINUTES * 60 * Timestamp::MICROS_PER_SECOND;
    (session.stage == stage && fresh).then_some((token, member))
}

pub async fn code_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some((token, _)) = pending(&state, &headers, "second_factor").await else {
        return Redirect::to("/admin/login").into_response();
    };
    let csrf = csrf_token(&state, &token);
    render(&state, StatusCode::OK, None, "admin/code.html", "Your code", "", json!({"csrf": csrf, "error": null}))
}

#[derive(Deserialize)]
pub struct CodeForm {
    csrf: String,
    code: String,
}

pub async fn code(State(state): State<AppState>, request: axum::extract::Request) -> Response {
    let (parts, body) = request.into_parts();
    let client = client_of(&parts, &state);
    let Some((token, member)) = pending(&state, &parts.headers, "second_factor").await else {
        return Redirect::to("/admin/login").into_response();
    };
    let csrf = csrf_token(&state, &token);
    let Ok(Form(form)) =
        Form::<CodeForm>::from_request(axum::extract::Request::from_parts(parts.clone(), body), &state).await
    else {
        return code_refused(&state, &csrf, StatusCode::BAD_REQUEST, "Enter the code from your authenticator app.");
    };
    if !csrf_matches(&csrf, &form.csrf) {
        return session::csrf_refused();
    }
    if let Err(error) = sign_in::prove_code(&state, &member, &form.code, &client).await {
        return match refusal(error) {
            Some((status, text)) => code_refused(&state, &csrf, status, &text),
            None => unavailable(),
        };
    }
    match sign_in::finish(&state, &token, member.id, &client, &user_agent(&parts.headers), "staff.sign_in").await {
        Ok(new) => with_cookie(Redirect::to("/admin").into_response(), session::set_cookie(&new)),
        Err(_) => unavailable(),
    }
}

fn code_refused(state: &AppState, csrf: &str, status: StatusCode, text: &str) -> Response {
    render(state, status, None, "admin/code.html", "Your code", "", json!({"csrf": csrf, "error": text}))
}

pub async fn enrol_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some((token, member)) = pending(&state, &headers, "enrol").await else {
        return Redirect::to("/admin/login").into_response();
    };
    let Ok(secret) = sign_in::enrolment_secret(&state, &member).await else { return unavailable() };
    enrol_form(&state, &token, &member.username, &secret, StatusCode::OK, None)
}

fn enrol_form(
    state: &AppState,
    token: &str,
    username: &str,
    secret: &str,
    status: StatusCode,
    error: Option<&str>,
) -> Response {
    let url = second_factor::provisioning_url(secret, username, &state.settings().name).unwrap_or_default();
    let qr = second_factor::qr_svg(&url).unwrap_or_default();
    // The secret in groups of four, for typing into an app by hand.
    let grouped: Vec<String> = secret.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect();
    let data = json!({"csrf": csrf_token(state, token), "qr": qr, "secret": grouped.join(" "), "error": error});
    render(state, status, None, "admin/enrol.html", "Set up your second factor", "", data)
}

pub async fn enrol(State(state): State<AppState>, request: axum::extract::Request) -> Response {
    let (parts, body) = request.into_parts();
    let client = client_of(&parts, &state);
    let Some((token, member)) = pending(&state, &parts.headers, "enrol").await else {
        return Redirect::to("/admin/login").into_response();
    };
    let Some(secret) = member.pending_totp_secret.as_ref().map(|s| s.expose().clone()) else {
        return Redirect::to("/admin/enrol").into_response();
    };
    let form = Form::<CodeForm>::from_request(axum::extract::Request::from_parts(parts.clone(), body), &state).await;
    let Ok(Form(form)) = form else {
        return enrol_form(&state, &token, &member.username, &secret, StatusCode::BAD_REQUEST, Some("Enter the code."));
    };
    if !csrf_matches(&csrf_token(&state, &token), &form.csrf) {
        return session::csrf_refused();
    }
    let codes = match sign_in::confirm_enrolment(&state, &member, &secret, &form.code, &client).await {
        Ok(codes) => codes,
        Err(error) => {
            return match refusal(error) {
                Some((status, text)) => enrol_form(&state, &token, &member.username, &secret, status, Some(&text)),
                None => unavailable(),
            };
        }
    };
    // Sign in fully, and show the recovery codes once, on the answer itself.
    let device = user_agent(&parts.headers);
    let Ok(new) = sign_in::finish(&state, &token, member.id, &client, &device, "staff.sign_in").await else {
        return unavailable();
    };
    let page = render(
        &state,
        StatusCode::OK,
        None,
        "admin/recovery_codes.html",
        "Your recovery codes",
        "",
        json!({"codes": codes}),
    );
    with_cookie(page, session::set_cookie(&new))
}

#[derive(Deserialize)]
pub struct NoFields {}

pub async fn logout(State(state): State<AppState>, StaffForm { staff, .. }: StaffForm<NoFields>) -> Response {
    let _ = Staff::delete_session(state.db(), &staff.token_hash).await;
    let _ = staff.audit(&state, "staff.sign_out", "staff", &staff.member.id.to_string(), None).await;
    with_cookie(Redirect::to("/admin/login").into_response(), session::clear_cookie())
}

pub async fn sessions(State(state): State<AppState>, staff: StaffContext) -> Response {
    let Ok(rows) = Staff::sessions_of(state.db(), staff.member.id).await else { return unavailable() };
    let now = state.clock().now();
    let list: Vec<_> = rows
        .iter()
        .filter(|s| s.stage == "full" && session::alive(s.created_at, s.last_seen_at, now))
        .map(|s| {
            json!({
                "id": s.token_hash,
                "current": s.token_hash == staff.token_hash,
                "device": s.user_agent,
                "address": s.client_addr,
                "started": Timestamp(s.created_at).to_rfc3339(),
                "last_seen": Timestamp(s.last_seen_at).to_rfc3339(),
                "started_local": super::locale::when(&state, Timestamp(s.created_at)),
                "last_seen_local": super::locale::when(&state, Timestamp(s.last_seen_at)),
            })
        })
        .collect();
    let codes_left = Staff::recovery_codes_left(state.db(), staff.member.id).await.unwrap_or(0);
    render(
        &state,
        StatusCode::OK,
        Some(&staff),
        "admin/sessions.html",
        &staff.t(&state, "admin.sessions.title"),
        "",
        json!({
            "sessions": list,
            "recovery_codes_left": codes_left,
            "codes_left": staff.count(&state, "admin.sessions.codes_left", codes_left),
            "language": staff.member.language,
            "languages": state.settings().langs.iter()
                .map(|l| json!({"code": l.as_str(), "label": luxevault_shop::settings::lang_label(l)}))
                .collect::<Vec<_>>(),
        }),
    )
}

#[derive(Deserialize)]
pub struct LanguageForm {
    #[serde(default)]
    language: String,
}

/// The member chooses the language they read the back office in (empty: the browser's).
pub async fn set_language(
    State(state): State<AppState>,
    StaffForm { staff, form }: StaffForm<LanguageForm>,
) -> Response {
    use luxevault_shop::staff::members::{self, MemberError};
    let code = form.language.trim();
    let chosen = luxevault_core::Lang::parse(code);
    let offered = &state.settings().langs;
    match (code.is_empty(), chosen) {
        (false, None) => language_refused(&state, &staff),
        (_, chosen) => {
            match members::set_language(state.db(), state.clock(), staff.member.id, chosen.as_ref(), offered).await {
                Ok(()) => Redirect::to("/admin/sessions").into_response(),
                Err(MemberError::Language) => language_refused(&state, &staff),
                Err(_) => unavailable(),
            }
        }
    }
}

fn language_refused(state: &AppState, staff: &StaffContext) -> Response {
    let (title, text) = (staff.t(state, "admin.language.title"), staff.t(state, "admin.language.unknown"));
    message(state, StatusCode::UNPROCESSABLE_ENTITY, Some(staff), &title, &text)
}

#[derive(Deserialize)]
pub struct EndSession {
    id: String,
}

pub async fn end_session(State(state): State<AppState>, StaffForm { staff, form }: StaffForm<EndSession>) -> Response {
    match Staff::end_session_of(state.db(), &form.id, staff.member.id).await {
        Ok(true) => {
            let _ = staff.audit(&state, "staff.session_ended", "staff", &staff.member.id.to_string(), None).await;
            if form.id == staff.token_hash {
                return with_cookie(Redirect::to("/admin/login").into_response(), session::clear_cookie());
            }
            Redirect::to("/admin/sessions").into_response()
        }
        Ok(false) => message(&state, StatusCode::NOT_FOUND, Some(&staff), "Session", "That session has already ended."),
        Err(_) => unavailable(),
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

/// A member changes their own password: the current one first; every other session ends.
pub async fn change_password(
    State(state): State<AppState>,
    StaffForm { staff, form }: StaffForm<PasswordForm>,
) -> Response {
    let refuse = |status: StatusCode, text: &str| message(&state, status, Some(&staff), "Your password", text);
    let changed =
        sign_in::change_own_password(&state, &staff.member, &staff.token_hash, form.current, form.new, &form.confirm)
            .await;
    if let Err(error) = changed {
        return match refusal(error) {
            Some((status, text)) => refuse(status, &text),
            None => unavailable(),
        };
    }
    if staff.audit(&state, "staff.password_changed", "staff", &staff.member.id.to_string(), None).await.is_err() {
        return unavailable();
    }
    message(
        &state,
        StatusCode::OK,
        Some(&staff),
        "Your password",
        "Your password is changed; your other sessions have ended.",
    )
}
