//! Boutique appointments over the JSON API: boutiques and their services, free slots read in
//! the boutique's and the client's time zone, booking with an `Idempotency-Key`, and the
//! client's own view, move and cancellation with the key of their emailed link (header
//! `X-Appointment-Key`, never in the URL). Staff's calendar and outcomes under `/admin`.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use luxevault_core::Lang;
use luxevault_core::appointments::AppointmentStatus;
use luxevault_core::local_time::ShopTimeZone;
use luxevault_core::order::Actor;
use luxevault_shop::appointments::{self as shop, AppointmentView, BookingRequest, BoutiqueView, Slots};
use luxevault_storage::Appointments;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::api::admin::audit_api_call;
use crate::error::{ApiError, ApiJson, ApiPath};
use crate::extract::{ClientAddr, Operator};
use crate::state::AppState;

/// The header that carries the key of an emailed appointment link (what follows `#key=`).
pub const APPOINTMENT_KEY_HEADER: &str = "x-appointment-key";

fn lang_of(state: &AppState, lang: Option<&str>) -> Lang {
    lang.and_then(Lang::parse)
        .filter(|l| state.settings().langs.contains(l))
        .unwrap_or_else(|| state.settings().default_lang().clone())
}

fn link_key(headers: &HeaderMap) -> Result<String, ApiError> {
    headers
        .get(APPOINTMENT_KEY_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .filter(|k| !k.trim().is_empty())
        .ok_or_else(|| {
            ApiError::bad_request("key_required", "Send the key of your appointment link in X-Appointment-Key.")
        })
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LangQuery {
    /// Language of the services' names.
    lang: Option<String>,
}

/// The boutiques and the services someone there gives.
#[utoipa::path(get, path = "/api/v1/boutiques", tag = "appointments", params(LangQuery),
    responses((status = 200, description = "Every boutique with its services", body = Vec<Value>)))]
pub async fn list_boutiques(
    State(state): State<AppState>,
    Query(query): Query<LangQuery>,
) -> Result<Json<Vec<BoutiqueView>>, ApiError> {
    let lang = lang_of(&state, query.lang.as_deref());
    Ok(Json(shop::boutiques(&state, &lang).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SlotQuery {
    /// The service's slug, e.g. `fitting`.
    service: String,
    /// First local date of the boutique shown (YYYY-MM-DD); today when absent. Seven days are shown.
    from: Option<String>,
    /// The client's IANA time zone (e.g. `Asia/Tokyo`): each slot is also written in it.
    tz: Option<String>,
    lang: Option<String>,
}

/// Free slots of a service in a boutique over seven days: each start in UTC, in the boutique's
/// time and in the client's.
#[utoipa::path(get, path = "/api/v1/boutiques/{slug}/slots", tag = "appointments", params(("slug" = String, Path), SlotQuery),
    responses((status = 200, description = "The free slots", body = Value), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn list_slots(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
    Query(query): Query<SlotQuery>,
) -> Result<Json<Slots>, ApiError> {
    let lang = lang_of(&state, query.lang.as_deref());
    Ok(Json(shop::slots(&state, &slug, &query.service, query.from.as_deref(), query.tz.as_deref(), &lang).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookRequest {
    pub boutique: String,
    pub service: String,
    /// A `starts_at` the slots offered, RFC 3339.
    pub starts_at: String,
    pub name: String,
    /// An email address or a phone number, or both: to confirm.
    #[serde(default)]
    #[schema(value_type = String)]
    pub email: luxevault_core::Pii<String>,
    #[serde(default)]
    #[schema(value_type = String)]
    pub phone: luxevault_core::Pii<String>,
    /// The piece the client would like to see or try.
    #[serde(default)]
    pub piece: String,
    /// Anything the boutique should know (card numbers are removed).
    #[serde(default)]
    #[schema(value_type = String)]
    pub note: luxevault_core::Pii<String>,
    #[serde(default)]
    pub lang: Option<String>,
    /// The client's IANA time zone; the boutique's when absent.
    #[serde(default)]
    pub time_zone: String,
}

#[derive(Serialize, ToSchema)]
pub struct BookedAnswer {
    #[schema(value_type = Object)]
    pub appointment: AppointmentView,
    /// How many card numbers were removed from the note (never stored).
    pub removed_card_numbers: usize,
    /// The legal basis of the booking, as recorded (M3).
    pub legal_basis: &'static str,
}

/// Books a slot. Send the same `Idempotency-Key` for retries: they answer 200 with the one
/// appointment. A slot another client took first answers 409 `slot_taken`: choose again.
#[utoipa::path(post, path = "/api/v1/appointments", tag = "appointments", request_body = BookRequest,
    params(("Idempotency-Key" = String, Header, description = "Unique per booking attempt; the same for its retries.")),
    responses((status = 201, body = BookedAnswer), (status = 200, description = "A repeat of the same request", body = BookedAnswer),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn book_appointment(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<BookRequest>,
) -> Result<(StatusCode, Json<BookedAnswer>), ApiError> {
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let lang = lang_of(&state, request.lang.as_deref());
    let booked = shop::book(
        &state,
        BookingRequest {
            boutique: request.boutique,
            service: request.service,
            starts_at: request.starts_at,
            name: request.name,
            email: request.email.into_inner(),
            phone: request.phone.into_inner(),
            piece: request.piece,
            note: request.note.into_inner(),
            lang: Some(lang),
            client_time_zone: request.time_zone,
            idempotency_key: key,
        },
    )
    .await?;
    let status = if booked.replayed { StatusCode::OK } else { StatusCode::CREATED };
    Ok((
        status,
        Json(BookedAnswer {
            appointment: booked.appointment,
            removed_card_numbers: booked.removed,
            legal_basis: shop::LEGAL_BASIS,
        }),
    ))
}

/// The appointment, for whoever holds the key of its emailed link (until it begins).
#[utoipa::path(get, path = "/api/v1/appointments/{id}", tag = "appointments",
    params(("id" = Uuid, Path), ("X-Appointment-Key" = String, Header, description = "What follows `#key=` in the emailed link.")),
    responses((status = 200, description = "The appointment", body = Value), (status = 400, body = crate::error::ErrorBody)))]
pub async fn get_appointment(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: HeaderMap,
) -> Result<Json<AppointmentView>, ApiError> {
    let row = shop::open(&state, id, &link_key(&headers)?).await?;
    let lang = Lang::parse(&row.lang).unwrap_or_else(|| state.settings().default_lang().clone());
    Ok(Json(shop::view(&state, &row, &lang).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RescheduleRequest {
    /// A `starts_at` the slots offered, RFC 3339.
    pub starts_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct MovedAnswer {
    #[schema(value_type = Object)]
    pub appointment: AppointmentView,
    /// The key of the new link (also emailed); the old one no longer opens the appointment.
    pub key: String,
}

/// Moves the appointment to another free slot; a new confirmation and link are emailed.
#[utoipa::path(post, path = "/api/v1/appointments/{id}/reschedule", tag = "appointments", request_body = RescheduleRequest,
    params(("id" = Uuid, Path), ("X-Appointment-Key" = String, Header, description = "What follows `#key=` in the emailed link.")),
    responses((status = 200, body = MovedAnswer), (status = 400, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn reschedule_appointment(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<RescheduleRequest>,
) -> Result<Json<MovedAnswer>, ApiError> {
    let moved = shop::reschedule(&state, id, &link_key(&headers)?, &request.starts_at).await?;
    Ok(Json(MovedAnswer { appointment: moved.appointment, key: moved.key }))
}

/// Cancels the appointment; its time is free again at once.
#[utoipa::path(post, path = "/api/v1/appointments/{id}/cancel", tag = "appointments",
    params(("id" = Uuid, Path), ("X-Appointment-Key" = String, Header, description = "What follows `#key=` in the emailed link.")),
    responses((status = 200, description = "The cancelled appointment", body = Value), (status = 400, body = crate::error::ErrorBody)))]
pub async fn cancel_appointment(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: HeaderMap,
) -> Result<Json<AppointmentView>, ApiError> {
    Ok(Json(shop::cancel(&state, id, &link_key(&headers)?).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CalendarQuery {
    /// The boutique's slug.
    boutique: String,
    /// First local date (YYYY-MM-DD); today when absent.
    from: Option<String>,
    /// 1 to 31 days; 7 when absent.
    days: Option<i64>,
}

/// A boutique's calendar: every appointment starting in the days asked, with its client.
#[utoipa::path(get, path = "/api/v1/admin/appointments", tag = "staff", security(("admin_token" = [])), params(CalendarQuery),
    responses((status = 200, description = "The appointments", body = Value), (status = 401, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn appointments_calendar(
    State(state): State<AppState>,
    _: Operator,
    ClientAddr(client): ClientAddr,
    Query(query): Query<CalendarQuery>,
) -> Result<Json<Value>, ApiError> {
    let db = state.db();
    let boutique = Appointments::boutique(db, query.boutique.trim())
        .await?
        .ok_or_else(|| ApiError::not_found("No boutique by that name."))?;
    let zone = ShopTimeZone::parse(&boutique.time_zone).unwrap_or_else(|_| ShopTimeZone::utc());
    let today = zone.format_date(state.clock().now());
    let from = query.from.as_deref().unwrap_or(&today);
    let start =
        zone.start_of_date(from).ok_or_else(|| ApiError::bad_request("invalid_date", "Give a date as 2027-03-28."))?;
    let end = zone.days_after(start, query.days.unwrap_or(7).clamp(1, 31));
    audit_api_call(&state, client, "appointments.calendar", "boutique", &boutique.slug, None).await?;
    let rows = Appointments::in_range(db, boutique.id, start, end).await?;
    let mut items = Vec::new();
    for row in rows {
        let lang = Lang::parse(&row.lang).unwrap_or_else(|| state.settings().default_lang().clone());
        items.push(
            json!({"id": row.id, "status": row.status.as_str(), "appointment": shop::view(&state, &row, &lang).await?}),
        );
    }
    Ok(Json(json!({"boutique": boutique.slug, "time_zone": zone.name(), "appointments": items})))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeRequest {
    /// `completed` or `no_show`.
    pub outcome: String,
}

/// Records how an appointment went, once it has begun: `completed` or `no_show`.
#[utoipa::path(post, path = "/api/v1/admin/appointments/{id}/outcome", tag = "staff", security(("admin_token" = [])),
    params(("id" = Uuid, Path)), request_body = OutcomeRequest,
    responses((status = 200, description = "Recorded"), (status = 401, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn appointment_outcome(
    State(state): State<AppState>,
    _: Operator,
    ClientAddr(client): ClientAddr,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<OutcomeRequest>,
) -> Result<Json<Value>, ApiError> {
    let outcome = AppointmentStatus::parse(request.outcome.trim()).ok_or_else(|| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_outcome", "An outcome is completed or no_show.")
    })?;
    audit_api_call(&state, client, "appointment.outcome", "appointment", &id.to_string(), Some(outcome.as_str()))
        .await?;
    shop::record_outcome(&state, id, outcome, &Actor::Staff("api-token".into())).await?;
    Ok(Json(json!({"id": id, "status": outcome.as_str()})))
}
