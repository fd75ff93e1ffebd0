//! Signing in to the back office: password (Argon2id), then a TOTP code or a recovery code; a new
//! member sets up their authenticator at first sign-in. Every step is throttled, the session
//! token is replaced when the second factor is proven, and the member can see and end their
//! sessions.

use axum::extract::{Form, FromRequest, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use luxevault_core::Timestamp;
use luxevault_core::staff::{RECOVERY_CODES, SECOND_FACTOR_MINUTES, TOTP_ATTEMPTS_ALLOWED};
use luxevault_storage::Staff;
use serde::Deserialize;
use serde_json::json;

use super::session::{self, StaffContext, StaffForm, client_of, csrf_matches, csrf_token};
use super::{message, render};
use crate::state::AppState;
use luxevault_shop::auth::{self, new_token, token_hash};
use luxevault_shop::staff::second_factor;

/// Sign-in guesses per username, and per client address, per throttle window.
const LOGIN_ATTEMPTS_PER_USER: i32 = 5;
const LOGIN_ATTEMPTS_PER_ADDRESS: i32 = 50;

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
    let db = state.db();
    let now = state.clock().now();
    let username = form.username.trim().to_lowercase();
    let key = state.order_link_key();
    let user_key = auth::throttle_key(key, "staff-login:user", &username);
    let addr_key = auth::throttle_key(key, "staff-login:addr", &client);
    let allowed = match (
        auth::attempt(db, &user_key, LOGIN_ATTEMPTS_PER_USER, now).await,
        auth::attempt(db, &addr_key, LOGIN_ATTEMPTS_PER_ADDRESS, now).await,
    ) {
        (Ok(a), Ok(b)) => a && b,
        _ => return unavailable(),
    };
    if !allowed {
        return login_refused(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            "Too many attempts. Wait 15 minutes and try again.",
        );
    }
    let Ok(member) = Staff::by_username(db, &username).await else { return unavailable() };
    let stored = member.as_ref().filter(|m| m.active).map(|m| m.password_hash.expose().clone());
    let ok = match auth::verify_password(form.password, stored).await {
        Ok(ok) => ok,
        Err(auth::AuthError::Busy) => return unavailable(),
        Err(_) => false,
    };
    let Some(member) = member.filter(|_| ok) else {
        return login_refused(&state, StatusCode::UNAUTHORIZED, "The username or the password is not right.");
    };
    // The password was right: its guesses start again from zero (the code has its own limit).
    let _ = db_clear(&state, &user_key).await;
    let stage = if member.totp_secret.is_some() { "second_factor" } else { "enrol" };
    let Ok(token) = new_token() else { return unavailable() };
    let agent = user_agent(&parts.headers);
    if Staff::insert_session(db, &token_hash(&token), member.id, stage, &client, &agent, now).await.is_err() {
        return unavailable();
    }
    let next = if stage == "enrol" { "/admin/enrol" } else { "/admin/login/code" };
    with_cookie(Redirect::to(next).into_response(), session::set_cookie(&token))
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
    let db = state.db();
    let now = state.clock().now();
    let key = auth::throttle_key(state.order_link_key(), "staff-totp", &member.id.to_string());
    match auth::attempt(db, &key, TOTP_ATTEMPTS_ALLOWED, now).await {
        Ok(true) => {}
        Ok(false) => {
            let _ = record(&state, &member.id.to_string(), &client, "staff.second_factor_throttled").await;
            return code_refused(
                &state,
                &csrf,
                StatusCode::TOO_MANY_REQUESTS,
                "Too many codes tried. Wait 15 minutes, then sign in again.",
            );
        }
        Err(_) => return unavailable(),
    }
    let secret = member.totp_secret.as_ref().map(|s| s.expose().clone()).unwrap_or_default();
    let accepted = match second_factor::check(&secret, &form.code, now) {
        // The same code twice (a replay, or a shoulder-surfed code) is refused.
        Some(step) => Staff::use_totp_step(db, member.id, step).await.unwrap_or(false),
        None => {
            let hash = second_factor::recovery_code_hash(&form.code);
            form.code.trim().len() >= 10 && Staff::use_recovery_code(db, member.id, &hash, now).await.unwrap_or(false)
        }
    };
    if !accepted {
        let _ = record(&state, &member.id.to_string(), &client, "staff.second_factor_failed").await;
        return code_refused(&state, &csrf, StatusCode::UNAUTHORIZED, "That code is not right, or was already used.");
    }
    let _ = db_clear(&state, &key).await;
    finish_sign_in(&state, &parts.headers, &token, member.id, &client).await
}

async fn db_clear(state: &AppState, key: &str) -> Result<(), luxevault_storage::DbError> {
    luxevault_storage::Accounts::clear_throttle(state.db(), key).await
}

fn code_refused(state: &AppState, csrf: &str, status: StatusCode, text: &str) -> Response {
    render(state, status, None, "admin/code.html", "Your code", "", json!({"csrf": csrf, "error": text}))
}

/// Both factors proven: a new token replaces the half-way one (no session fixation).
async fn finish_sign_in(
    state: &AppState,
    headers: &HeaderMap,
    old_token: &str,
    staff_id: uuid::Uuid,
    client: &str,
) -> Response {
    let db = state.db();
    let now = state.clock().now();
    let Ok(token) = new_token() else { return unavailable() };
    let agent = user_agent(headers);
    if Staff::insert_session(db, &token_hash(&token), staff_id, "full", client, &agent, now).await.is_err()
        || Staff::delete_session(db, &token_hash(old_token)).await.is_err()
        || Staff::logged_in(db, staff_id, now).await.is_err()
    {
        return unavailable();
    }
    if record(state, &staff_id.to_string(), client, "staff.sign_in").await.is_err() {
        return unavailable();
    }
    with_cookie(Redirect::to("/admin").into_response(), session::set_cookie(&token))
}

async fn record(state: &AppState, staff_id: &str, client: &str, action: &str) -> Result<(), ()> {
    let actor = format!("staff:{staff_id}");
    let event = luxevault_shop::staff::audit_trail::AuditEvent {
        actor: &actor,
        client,
        action,
        subject_kind: "staff",
        subject_id: staff_id,
        reason: None,
    };
    luxevault_shop::staff::audit_trail::record(state.db(), state.clock().now(), event).await.map(|_| ()).map_err(|_| ())
}

pub async fn enrol_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some((token, member)) = pending(&state, &headers, "enrol").await else {
        return Redirect::to("/admin/login").into_response();
    };
    let secret = match &member.pending_totp_secret {
        Some(secret) => secret.expose().clone(),
        None => {
            let Some(secret) = second_factor::new_secret() else { return unavailable() };
            if Staff::set_pending_totp(state.db(), member.id, &secret, state.clock().now()).await.is_err() {
                return unavailable();
            }
            secret
        }
    };
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
    let now = state.clock().now();
    let key = auth::throttle_key(state.order_link_key(), "staff-totp", &member.id.to_string());
    if !auth::attempt(state.db(), &key, TOTP_ATTEMPTS_ALLOWED, now).await.unwrap_or(false) {
        let text = "Too many codes tried. Wait 15 minutes, then sign in again.";
        return enrol_form(&state, &token, &member.username, &secret, StatusCode::TOO_MANY_REQUESTS, Some(text));
    }
    let Some(step) = second_factor::check(&secret, &form.code, now) else {
        let text = "That code is not right. Check the time on your phone and enter the code now shown.";
        return enrol_form(&state, &token, &member.username, &secret, StatusCode::UNAUTHORIZED, Some(text));
    };
    let Some(codes) = second_factor::new_recovery_codes(RECOVERY_CODES) else { return unavailable() };
    let hashes: Vec<String> = codes.iter().map(|c| second_factor::recovery_code_hash(c)).collect();
    match Staff::confirm_totp(state.db(), member.id, step, &hashes, now).await {
        Ok(true) => {}
        _ => return unavailable(),
    }
    let _ = db_clear(&state, &key).await;
    if record(&state, &member.id.to_string(), &client, "staff.second_factor_enrolled").await.is_err() {
        return unavailable();
    }
    // Sign in fully, and show the recovery codes once, on the answer itself.
    let Ok(new) = new_token() else { return unavailable() };
    let db = state.db();
    if Staff::insert_session(db, &token_hash(&new), member.id, "full", &client, &user_agent(&parts.headers), now)
        .await
        .is_err()
        || Staff::delete_session(db, &token_hash(&token)).await.is_err()
        || Staff::logged_in(db, member.id, now).await.is_err()
    {
        return unavailable();
    }
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
            })
        })
        .collect();
    let codes_left = Staff::recovery_codes_left(state.db(), staff.member.id).await.unwrap_or(0);
    render(
        &state,
        StatusCode::OK,
        Some(&staff),
        "admin/sessions.html",
        "Your sessions",
        "",
        json!({"sessions": list, "recovery_codes_left": codes_left}),
    )
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
    let db = state.db();
    let now = state.clock().now();
    let refuse = |status: StatusCode, text: &str| message(&state, status, Some(&staff), "Your password", text);
    let key = auth::throttle_key(state.order_link_key(), "staff-login:user", &staff.member.username);
    if !auth::attempt(db, &key, LOGIN_ATTEMPTS_PER_USER, now).await.unwrap_or(false) {
        return refuse(StatusCode::TOO_MANY_REQUESTS, "Too many attempts. Wait 15 minutes and try again.");
    }
    let stored = Some(staff.member.password_hash.expose().clone());
    if !auth::verify_password(form.current, stored).await.unwrap_or(false) {
        return refuse(StatusCode::UNAUTHORIZED, "The current password is not right.");
    }
    if form.new != form.confirm {
        return refuse(StatusCode::BAD_REQUEST, "The two new passwords differ.");
    }
    if let Err(rule) = luxevault_core::staff::valid_password(&form.new) {
        return refuse(StatusCode::BAD_REQUEST, &format!("The new password is refused: {rule}."));
    }
    let Ok(hash) = auth::hash_password(form.new).await else { return unavailable() };
    if Staff::set_password(db, staff.member.id, &hash, now).await.is_err() {
        return unavailable();
    }
    // Other devices signed in with the old password are signed out.
    let Ok(sessions) = Staff::sessions_of(db, staff.member.id).await else { return unavailable() };
    for other in sessions.iter().filter(|s| s.token_hash != staff.token_hash) {
        let _ = Staff::delete_session(db, &other.token_hash).await;
    }
    let _ = db_clear(&state, &key).await;
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
