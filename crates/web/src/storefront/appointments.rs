//! The booking pages: choose a boutique's service and a time, say who you are, and the
//! appointment is booked — server-rendered forms that work without a script or a cookie. The
//! page's script only adds the client's own time zone (Intl), so times read in both clocks.
//! The emailed link opens the appointment the way an order's does: its key sits in the
//! fragment and is posted by the page's script, never sent in a URL.

use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use luxevault_core::Lang;
use luxevault_shop::appointments::{self as shop, BookingRequest};
use luxevault_shop::error::ShopError;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{PageLang, frame, merge, render, respond, title};
use crate::error::PageError;
use crate::state::AppState;

async fn frame_page(
    state: &AppState,
    lang: &Lang,
    path: &str,
    status: StatusCode,
    extra: Value,
) -> Result<Response, PageError> {
    let catalog = state.catalog().await?;
    let t = state.translations();
    let heading = t.text(lang, "appointments.title", &[]);
    let context = merge(frame(state, &catalog, lang, path, &title(state, &heading), ""), extra);
    let mut response = render(state, "appointments.html", &context)?;
    *response.status_mut() = status;
    // What a client typed and their appointment are personal: never kept by a shared cache.
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

#[derive(Deserialize, Default)]
pub struct ChooseQuery {
    #[serde(default)]
    boutique: String,
    #[serde(default)]
    service: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    tz: String,
}

/// What the booking page shows: the boutiques' services, and for the one chosen its week of
/// free times (in the client's zone too, when the script told it) and the form.
async fn choose(
    state: &AppState,
    lang: &Lang,
    query: &ChooseQuery,
    problem: Option<String>,
    form: Value,
) -> Result<Value, PageError> {
    let boutiques = shop::boutiques(state, lang).await?;
    let boutique = boutiques.iter().find(|b| b.slug == query.boutique.trim()).or(boutiques.first()).cloned();
    let mut data = json!({"boutiques": boutiques, "problem": problem, "form": form, "tz": query.tz.trim()});
    if let Some(boutique) = boutique {
        let service =
            boutique.services.iter().find(|s| s.slug == query.service.trim()).or(boutique.services.first()).cloned();
        data["boutique"] = json!(boutique);
        if let Some(service) = service {
            let tz = Some(query.tz.trim())
                .filter(|z| !z.is_empty() && luxevault_core::local_time::ShopTimeZone::parse(z).is_ok());
            let from = Some(query.from.trim()).filter(|f| !f.is_empty());
            let slots = match shop::slots(state, &boutique.slug, &service.slug, from, tz, lang).await {
                Ok(slots) => slots,
                Err(ShopError::Invalid { .. }) => {
                    shop::slots(state, &boutique.slug, &service.slug, None, tz, lang).await?
                }
                Err(other) => return Err(other.into()),
            };
            let zone = luxevault_core::local_time::ShopTimeZone::parse(&slots.boutique_time_zone)
                .unwrap_or_else(|_| luxevault_core::local_time::ShopTimeZone::utc());
            let first = zone.start_of_date(&slots.from).unwrap_or(state.clock().now());
            let week = |days: i64| zone.format_date(zone.days_after(first, days));
            let today = zone.format_date(state.clock().now());
            let days: Vec<Value> = group_by_day(&slots.slots, lang);
            data["service"] = json!(service);
            data["slots"] = json!(slots);
            data["days"] = json!(days);
            data["previous"] = json!((slots.from > today).then(|| week(-shop::DAYS_SHOWN)));
            data["next"] = json!(week(shop::DAYS_SHOWN));
        }
    }
    // A fresh key per page view: a double click of this form books once.
    data["idempotency_key"] = json!(luxevault_shop::auth::new_token().map(|t| t[..32].to_string()).unwrap_or_default());
    Ok(data)
}

/// The week's slots under the day they fall on in the boutique.
fn group_by_day(slots: &[shop::SlotView], lang: &Lang) -> Vec<Value> {
    let mut days: Vec<Value> = Vec::new();
    for slot in slots {
        let (day, time) = slot.boutique_time.split_once(' ').unwrap_or((&slot.boutique_time, ""));
        let entry = json!({"starts_at": slot.starts_at, "time": time, "client_time": slot.client_time,
                           "client_zone": slot.client_zone, "boutique_zone": slot.boutique_zone});
        match days.last_mut() {
            Some(last) if last["day"] == day => {
                if let Some(list) = last["slots"].as_array_mut() {
                    list.push(entry);
                }
            }
            _ => days
                .push(json!({"day": day, "label": luxevault_core::local_time::day_label(day, lang), "slots": [entry]})),
        }
    }
    days
}

pub async fn page(
    State(state): State<AppState>,
    Extension(PageLang(lang)): Extension<PageLang>,
    Query(query): Query<ChooseQuery>,
) -> Response {
    let result = async {
        let empty = json!({"name": "", "email": "", "phone": "", "piece": "", "note": ""});
        let data = choose(&state, &lang, &query, None, empty).await?;
        frame_page(&state, &lang, "/appointments", StatusCode::OK, json!({"booking": data})).await
    }
    .await;
    respond(&state, &lang, "/appointments", result).await
}

#[derive(Deserialize, Default)]
pub struct BookForm {
    #[serde(default)]
    boutique: String,
    #[serde(default)]
    service: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    piece: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    tz: String,
    #[serde(default)]
    idempotency_key: String,
}

/// Books from the form: the confirmation, or the form again with what to correct (a time taken
/// meanwhile shows the week afresh).
pub async fn book(
    State(state): State<AppState>,
    Extension(PageLang(lang)): Extension<PageLang>,
    Form(form): Form<BookForm>,
) -> Response {
    let result = async {
        let request = BookingRequest {
            boutique: form.boutique.clone(),
            service: form.service.clone(),
            starts_at: form.starts_at.clone(),
            name: form.name.clone(),
            email: form.email.clone(),
            phone: form.phone.clone(),
            piece: form.piece.clone(),
            note: form.note.clone(),
            lang: Some(lang.clone()),
            client_time_zone: form.tz.clone(),
            idempotency_key: form.idempotency_key.clone(),
        };
        match shop::book(&state, request).await {
            Ok(booked) => {
                let data = json!({"booked": booked.appointment, "removed": booked.removed});
                frame_page(&state, &lang, "/appointments", StatusCode::CREATED, json!({"confirmation": data})).await
            }
            Err(error @ (ShopError::Invalid { .. } | ShopError::Conflict { .. } | ShopError::NotFound(_))) => {
                let status = match error {
                    ShopError::Conflict { .. } => StatusCode::CONFLICT,
                    ShopError::NotFound(_) => StatusCode::NOT_FOUND,
                    _ => StatusCode::UNPROCESSABLE_ENTITY,
                };
                let query = ChooseQuery {
                    boutique: form.boutique.clone(),
                    service: form.service.clone(),
                    from: String::new(),
                    tz: form.tz.clone(),
                };
                // What the client typed comes back, never the note's card number (the guard).
                let typed = json!({"name": form.name, "email": form.email, "phone": form.phone, "piece": form.piece,
                                   "note": luxevault_core::sensitive::redact_counted(&form.note).0});
                let data = choose(&state, &lang, &query, Some(error.to_string()), typed).await?;
                frame_page(&state, &lang, "/appointments", status, json!({"booking": data})).await
            }
            Err(other) => Err(other.into()),
        }
    }
    .await;
    respond(&state, &lang, "/appointments", result).await
}

/// The emailed link's page before its script posts the key: nothing personal.
pub async fn link(
    State(state): State<AppState>,
    Extension(PageLang(lang)): Extension<PageLang>,
    Path(id): Path<String>,
) -> Response {
    let path = format!("/appointments/{id}");
    let result = match Uuid::parse_str(&id) {
        Ok(id) => {
            let action = format!("{}/appointments/{id}", state.settings().prefix(&lang));
            frame_page(&state, &lang, &path, StatusCode::OK, json!({"link": {"action": action}})).await
        }
        Err(_) => Err(PageError::NotFound),
    };
    respond(&state, &lang, &path, result).await
}

#[derive(Deserialize, Default)]
pub struct ManageForm {
    #[serde(default)]
    key: String,
    /// `view`, `move` or `cancel`.
    #[serde(default)]
    action: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    tz: String,
}

/// The appointment behind a link's key (posted, never in the URL), and what the client does
/// with it: another time, or cancel.
pub async fn manage(
    State(state): State<AppState>,
    Extension(PageLang(lang)): Extension<PageLang>,
    Path(id): Path<String>,
    Form(form): Form<ManageForm>,
) -> Response {
    let path = format!("/appointments/{id}");
    let result = async {
        let id = Uuid::parse_str(&id).map_err(|_| PageError::NotFound)?;
        let mut key = form.key.trim().to_string();
        let mut notice = None;
        let mut status = StatusCode::OK;
        match form.action.as_str() {
            "cancel" => {
                shop::cancel(&state, id, &key).await.map_err(page_refusal)?;
                notice = Some("appointments.cancelled");
            }
            "move" => match shop::reschedule(&state, id, &key, &form.starts_at).await {
                Ok(moved) => {
                    key = moved.key;
                    notice = Some("appointments.moved");
                }
                Err(ShopError::Conflict { .. } | ShopError::Invalid { .. }) => {
                    notice = Some("appointments.taken");
                    status = StatusCode::CONFLICT;
                }
                Err(other) => return Err(page_refusal(other)),
            },
            _ => {}
        }
        let row = match shop::open(&state, id, &key).await {
            Ok(row) => row,
            Err(ShopError::Rejected { .. }) => {
                return frame_page(&state, &lang, &path, StatusCode::BAD_REQUEST, json!({"expired": true})).await;
            }
            Err(other) => return Err(other.into()),
        };
        let view = shop::view(&state, &row, &lang).await?;
        let booked = view.status == "booked";
        let tz = Some(form.tz.trim()).filter(|z| !z.is_empty() && luxevault_core::local_time::ShopTimeZone::parse(z).is_ok());
        let alternatives = if booked {
            shop::slots(&state, &view.boutique, &view.service.slug, None, tz.or(Some(row.client_time_zone.as_str())).filter(|z| !z.is_empty()), &lang)
                .await
                .map(|s| group_by_day(&s.slots, &lang))
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let action = format!("{}/appointments/{id}", state.settings().prefix(&lang));
        let data = json!({"appointment": view, "key": key, "action": action, "notice": notice.map(|k| state.translations().text(&lang, k, &[])),
                          "days": alternatives, "booked": booked});
        frame_page(&state, &lang, &path, status, json!({"manage": data})).await
    }
    .await;
    respond(&state, &lang, &path, result).await
}

fn page_refusal(error: ShopError) -> PageError {
    match error {
        ShopError::Rejected { .. } | ShopError::NotFound(_) => PageError::NotFound,
        other => other.into(),
    }
}
