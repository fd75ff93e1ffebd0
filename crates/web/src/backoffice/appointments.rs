//! The boutique calendar: a day or a week of a boutique's appointments, by associate if asked,
//! each with its client and, for the associate preparing it, the client's past orders; the
//! outcome of an appointment once begun (completed, no-show); associates' absences and the
//! boutique's closures; and the weeks' appointments with how many led to an order.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use luxevault_core::appointments::{AppointmentStatus, Span};
use luxevault_core::local_time::{ShopTimeZone, day_label};
use luxevault_core::order::Actor;
use luxevault_core::pii::email_key;
use luxevault_core::staff::Permission;
use luxevault_shop::ShopError;
use luxevault_storage::{Appointments, Orders};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::charts::{self, Texts};
use super::session::StaffForm;
use super::{PageResult, StaffContext, page, unavailable};
use crate::state::AppState;

/// Weeks the chart looks back over.
const WEEKS: i64 = 8;
/// An appointment "led to an order" when its client ordered within this many days after it.
const CONVERSION_DAYS: i64 = 30;

#[derive(Deserialize, Default)]
pub struct CalendarQuery {
    #[serde(default)]
    boutique: String,
    #[serde(default)]
    from: String,
    /// `day` or `week`.
    #[serde(default)]
    view: String,
    #[serde(default)]
    associate: String,
    #[serde(default)]
    error: String,
}

pub async fn calendar(
    State(state): State<AppState>,
    staff: StaffContext,
    Query(query): Query<CalendarQuery>,
) -> PageResult {
    staff.require(Permission::ViewFittingNotes)?;
    let db = state.db();
    let boutiques = Appointments::boutiques(db).await.map_err(|_| unavailable())?;
    let Some(boutique) = boutiques.iter().find(|b| b.slug == query.boutique.trim()).or(boutiques.first()).cloned()
    else {
        let title = staff.t(&state, "admin.appointments.title");
        return Ok(page(
            &state,
            &staff,
            "admin/appointments.html",
            &title,
            "/admin/appointments",
            json!({"empty": true}),
        ));
    };
    staff.audit(&state, "appointments.calendar", "boutique", &boutique.slug, None).await?;
    let zone = ShopTimeZone::parse(&boutique.time_zone).unwrap_or_else(|_| ShopTimeZone::utc());
    let now = state.clock().now();
    let today = zone.format_date(now);
    let from = Some(query.from.trim()).filter(|f| zone.start_of_date(f).is_some()).unwrap_or(&today).to_string();
    let week = query.view != "day";
    let days = if week { 7 } else { 1 };
    let start = zone.start_of_date(&from).unwrap_or(now);
    let end = zone.days_after(start, days);
    let associates = Appointments::associates_of(db, boutique.id).await.map_err(|_| unavailable())?;
    let chosen: Option<Uuid> =
        Uuid::parse_str(query.associate.trim()).ok().filter(|id| associates.iter().any(|a| a.id == *id));
    let services = Appointments::services(db).await.map_err(|_| unavailable())?;
    let rows = Appointments::in_range(db, boutique.id, start, end).await.map_err(|_| unavailable())?;
    let contact = staff.allows(Permission::ViewCustomerContact);
    let orders_seen = staff.allows(Permission::ViewOrders);
    let mut by_day: Vec<Value> = Vec::new();
    for row in rows.iter().filter(|r| chosen.is_none_or(|id| r.associate_id == id)) {
        let day = zone.format_date(row.span.start);
        let service = services.iter().find(|s| s.id == row.service_id);
        let service_name = service
            .map(|s| {
                let names: serde_json::Map<String, Value> = serde_json::from_str(&s.names).unwrap_or_default();
                names.get(staff.lang.as_str()).and_then(Value::as_str).unwrap_or(&s.slug).to_string()
            })
            .unwrap_or_default();
        let associate =
            associates.iter().find(|a| a.id == row.associate_id).map(|a| a.display_name.clone()).unwrap_or_default();
        // The client's past orders, for the associate who prepares the appointment.
        let past: Vec<Value> = if orders_seen && !row.email.expose().is_empty() {
            Orders::for_email(db, &email_key(row.email.expose()), 5)
                .await
                .map_err(|_| unavailable())?
                .iter()
                .map(|o| json!({"id": o.id, "number": o.number, "status": o.status.as_str(), "placed": zone.format_date(o.created_at)}))
                .collect()
        } else {
            Vec::new()
        };
        // The client's sizing profile, for the associate preparing the fitting (its read audited).
        let sizing = if staff.allows(Permission::ViewSizing) && !row.email.expose().is_empty() {
            let holder = luxevault_shop::appointments::sizing_holder(&state, row.email.expose())
                .await
                .map_err(|_| unavailable())?;
            let section = super::sizing::section(&state, &staff, &holder, "").await?;
            let measures: Vec<Value> = section["measures"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|m| !m["value"].is_null())
                .map(|m| json!({"label": m["label"], "value": m["value"]}))
                .collect();
            (section["exists"] == true).then(|| json!({"fit": section["fit_label"], "measures": measures}))
        } else {
            None
        };
        let begun = row.span.start <= now;
        let item = json!({
            "id": row.id, "time": zone.format_minute(row.span.start)[11..].to_string(),
            "until": zone.format_minute(row.span.end).get(11..).unwrap_or_default(), "service": service_name, "associate": associate,
            "status": row.status.as_str(), "status_label": staff.t(&state, &format!("admin.appointments.status.{}", row.status.as_str())),
            "name": row.name.expose(), "email": contact.then(|| row.email.expose().clone()), "phone": contact.then(|| row.phone.expose().clone()),
            "piece": row.piece.expose(), "note": row.note.expose(), "past_orders": past, "sizing": sizing,
            "can_record": begun && row.status == AppointmentStatus::Booked,
        });
        match by_day.last_mut() {
            Some(last) if last["day"] == day.as_str() => {
                if let Some(list) = last["appointments"].as_array_mut() {
                    list.push(item);
                }
            }
            _ => by_day.push(json!({"day": day, "label": day_label(&day, &staff.lang), "appointments": [item]})),
        }
    }
    let chart = weekly_chart(&state, &staff, boutique.id, &zone).await?;
    let step = |d: i64| zone.format_date(zone.days_after(start, d));
    let data = json!({
        "empty": false,
        "boutique": {"slug": boutique.slug, "name": boutique.name, "time_zone": zone.name(), "hours": boutique.hours},
        "boutiques": boutiques.iter().map(|b| json!({"slug": b.slug, "name": b.name})).collect::<Vec<_>>(),
        "associates": associates.iter().map(|a| json!({"id": a.id, "name": a.display_name, "hours": a.hours})).collect::<Vec<_>>(),
        "associate": chosen, "view": if week { "week" } else { "day" }, "from": from,
        "label": day_label(&from, &staff.lang), "previous": step(-days), "next": step(days), "today": today,
        "days": by_day, "chart": {"svg": chart.svg, "table": chart.table},
        "closures": Appointments::closures(db, boutique.id).await.map_err(|_| unavailable())?,
        "error": Some(query.error.trim()).filter(|e| !e.is_empty()).map(|e| staff.t(&state, &format!("admin.appointments.error.{e}"))),
    });
    let title = staff.t(&state, "admin.appointments.title");
    Ok(page(&state, &staff, "admin/appointments.html", &title, "/admin/appointments", data))
}

/// The last weeks' appointments as bars, with how many were honoured and led to an order.
async fn weekly_chart(
    state: &AppState,
    staff: &StaffContext,
    boutique: Uuid,
    zone: &ShopTimeZone,
) -> Result<charts::Chart, super::Halt> {
    let db = state.db();
    let now = state.clock().now();
    let this_week = zone.start_of_day(now);
    let from = zone.days_after(this_week, -7 * (WEEKS - 1));
    let rows =
        Appointments::in_range(db, boutique, from, zone.days_after(this_week, 7)).await.map_err(|_| unavailable())?;
    let mut bars: Vec<(String, i64, i64, i64)> = Vec::new();
    for w in 0..WEEKS {
        let start = zone.days_after(from, 7 * w);
        let end = zone.days_after(start, 7);
        let week: Vec<_> = rows.iter().filter(|r| r.span.start >= start && r.span.start < end).collect();
        let booked =
            i64::try_from(week.iter().filter(|r| r.status != AppointmentStatus::Cancelled).count()).unwrap_or(0);
        let honoured =
            i64::try_from(week.iter().filter(|r| r.status == AppointmentStatus::Completed).count()).unwrap_or(0);
        let mut converted = 0;
        for r in week.iter().filter(|r| r.status == AppointmentStatus::Completed && !r.email.expose().is_empty()) {
            let orders = Orders::for_email(db, &email_key(r.email.expose()), 20).await.map_err(|_| unavailable())?;
            let window_end = r.span.start.plus_days(CONVERSION_DAYS);
            if orders.iter().any(|o| o.created_at >= r.span.start && o.created_at < window_end) {
                converted += 1;
            }
        }
        bars.push((day_label(&zone.format_date(start), &staff.lang), booked, honoured, converted));
    }
    let title = staff.t(state, "admin.appointments.chart_title");
    let desc = staff.t(state, "admin.appointments.chart_desc");
    let empty = staff.t(state, "admin.appointments.chart_empty");
    let texts = Texts { id: "appointments-weekly", title: &title, desc: &desc, empty: &empty, day: "" };
    let columns = [
        staff.t(state, "admin.appointments.col_week"),
        staff.t(state, "admin.appointments.col_booked"),
        staff.t(state, "admin.appointments.col_honoured"),
        staff.t(state, "admin.appointments.col_ordered"),
    ];
    Ok(charts::appointments_per_week(&texts, &columns, &bars))
}

fn back(boutique: &str, error: Option<&str>) -> axum::response::Response {
    let mut query = vec![("boutique", boutique.to_string())];
    if let Some(error) = error {
        query.push(("error", error.to_string()));
    }
    let target = format!("/admin/appointments?{}", serde_urlencoded::to_string(&query).unwrap_or_default());
    Redirect::to(&target).into_response()
}

#[derive(Deserialize)]
pub struct OutcomeForm {
    #[serde(default)]
    boutique: String,
    #[serde(default)]
    outcome: String,
}

/// Records how an appointment went: completed or a no-show (never undone).
pub async fn outcome(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<String>,
    StaffForm { staff, form }: StaffForm<OutcomeForm>,
) -> PageResult {
    staff.require(Permission::ViewFittingNotes)?;
    let Ok(id) = Uuid::parse_str(&id) else { return Ok(back(&form.boutique, Some("not_found"))) };
    let Some(outcome) = AppointmentStatus::parse(form.outcome.trim()) else {
        return Ok(back(&form.boutique, Some("outcome")));
    };
    staff.audit(&state, "appointment.outcome", "appointment", &id.to_string(), Some(outcome.as_str())).await?;
    match luxevault_shop::appointments::record_outcome(&state, id, outcome, &Actor::Staff(staff.member.id.to_string()))
        .await
    {
        Ok(()) => Ok(back(&form.boutique, None)),
        Err(ShopError::Conflict { .. } | ShopError::Invalid { .. }) => Ok(back(&form.boutique, Some("outcome"))),
        Err(ShopError::NotFound(_)) => Ok(back(&form.boutique, Some("not_found"))),
        Err(_) => Err(unavailable()),
    }
}

#[derive(Deserialize)]
pub struct AbsenceForm {
    #[serde(default)]
    boutique: String,
    #[serde(default)]
    associate: String,
    /// Local date and time, `2027-01-12T10:00` (a datetime-local field).
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
}

fn local_instant(zone: &ShopTimeZone, text: &str) -> Option<luxevault_core::Timestamp> {
    let (date, time) = text.trim().split_once('T')?;
    let (h, m) = time.split_once(':')?;
    let (h, m): (i64, i64) = (h.parse().ok()?, m.get(..2)?.parse().ok()?);
    zone.at_local(date, h * 60 + m)
}

/// An associate away (a day off, a training): no slot is offered with them meanwhile.
pub async fn absence(State(state): State<AppState>, StaffForm { staff, form }: StaffForm<AbsenceForm>) -> PageResult {
    staff.require(Permission::ViewFittingNotes)?;
    let db = state.db();
    let Some(boutique) = Appointments::boutique(db, form.boutique.trim()).await.map_err(|_| unavailable())? else {
        return Ok(back("", Some("not_found")));
    };
    let zone = ShopTimeZone::parse(&boutique.time_zone).unwrap_or_else(|_| ShopTimeZone::utc());
    let associates = Appointments::associates_of(db, boutique.id).await.map_err(|_| unavailable())?;
    let associate = Uuid::parse_str(form.associate.trim()).ok().filter(|id| associates.iter().any(|a| a.id == *id));
    let (Some(associate), Some(start), Some(end)) =
        (associate, local_instant(&zone, &form.from), local_instant(&zone, &form.until))
    else {
        return Ok(back(&boutique.slug, Some("absence")));
    };
    if end <= start {
        return Ok(back(&boutique.slug, Some("absence")));
    }
    staff.audit(&state, "associate.absence", "associate", &associate.to_string(), None).await?;
    Appointments::add_absence(db, associate, Span { start, end }, state.clock().now())
        .await
        .map_err(|_| unavailable())?;
    Ok(back(&boutique.slug, None))
}

#[derive(Deserialize)]
pub struct HoursForm {
    #[serde(default)]
    boutique: String,
    #[serde(default)]
    associate: String,
    /// `tue-sat 12:00-19:00`; empty: the boutique's hours.
    #[serde(default)]
    hours: String,
}

/// An associate's own week: the slots offered with them follow it from the next look.
pub async fn hours(State(state): State<AppState>, StaffForm { staff, form }: StaffForm<HoursForm>) -> PageResult {
    staff.require(Permission::ViewFittingNotes)?;
    let db = state.db();
    let Some(boutique) = Appointments::boutique(db, form.boutique.trim()).await.map_err(|_| unavailable())? else {
        return Ok(back("", Some("not_found")));
    };
    let associates = Appointments::associates_of(db, boutique.id).await.map_err(|_| unavailable())?;
    let Some(associate) =
        Uuid::parse_str(form.associate.trim()).ok().filter(|id| associates.iter().any(|a| a.id == *id))
    else {
        return Ok(back(&boutique.slug, Some("not_found")));
    };
    let hours = match form.hours.trim() {
        "" => String::new(),
        text => match luxevault_core::appointments::WeekHours::parse(text) {
            Ok(week) => week.to_text(),
            Err(_) => return Ok(back(&boutique.slug, Some("hours"))),
        },
    };
    staff.audit(&state, "associate.hours", "associate", &associate.to_string(), None).await?;
    Appointments::set_associate_hours(db, associate, &hours).await.map_err(|_| unavailable())?;
    Ok(back(&boutique.slug, None))
}

#[derive(Deserialize)]
pub struct ClosureForm {
    #[serde(default)]
    boutique: String,
    #[serde(default)]
    day: String,
}

/// A day the boutique is closed (a holiday): no slot is offered that day.
pub async fn closure(State(state): State<AppState>, StaffForm { staff, form }: StaffForm<ClosureForm>) -> PageResult {
    staff.require(Permission::ViewFittingNotes)?;
    let db = state.db();
    let Some(boutique) = Appointments::boutique(db, form.boutique.trim()).await.map_err(|_| unavailable())? else {
        return Ok(back("", Some("not_found")));
    };
    let day = form.day.trim();
    if luxevault_core::Timestamp::from_date(day).is_none() {
        return Ok(back(&boutique.slug, Some("closure")));
    }
    staff.audit(&state, "boutique.closure", "boutique", &boutique.slug, Some(day)).await?;
    Appointments::add_closure(db, boutique.id, day).await.map_err(|_| unavailable())?;
    Ok(back(&boutique.slug, None))
}
