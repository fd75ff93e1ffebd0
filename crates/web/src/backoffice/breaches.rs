//! The breach register page (P19): record a breach, see the hours left to tell the supervisory
//! authority (the policy's `breach_notice_hours` from discovery), record who was told and when.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use luxevault_core::Timestamp;
use luxevault_core::breach::{Risk, authority_deadline, outstanding};
use luxevault_core::staff::Permission;
use luxevault_storage::{Breaches, NewBreach};
use serde_json::{Value, json};
use uuid::Uuid;

use super::session::StaffForm;
use super::{Halt, PageResult, StaffContext, render, unavailable};
use crate::state::AppState;

/// A form as posted: every field, repeated checkboxes included.
type Fields = Vec<(String, String)>;

fn field<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim()).unwrap_or_default()
}

/// `YYYY-MM-DDTHH:MM` (an `<input type="datetime-local">`, read as UTC).
pub fn parse_datetime(text: &str) -> Option<Timestamp> {
    let (date, time) = text.trim().split_once('T')?;
    let day = Timestamp::from_date(date)?;
    let mut hm = time.split(':');
    let (h, m): (i64, i64) = (hm.next()?.parse().ok()?, hm.next()?.parse().ok()?);
    if !(0..24).contains(&h) || !(0..60).contains(&m) {
        return None;
    }
    Some(day.plus_seconds(h * 3600 + m * 60))
}

fn short(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

pub async fn list(State(state): State<AppState>, staff: StaffContext) -> PageResult {
    staff.require(Permission::ViewBreachRegister)?;
    register(&state, &staff, StatusCode::OK, None).await
}

async fn register(state: &AppState, staff: &StaffContext, status: StatusCode, error: Option<&str>) -> PageResult {
    let policy = &state.policy().policy;
    let hours = policy.breach_notice_hours;
    let now = state.clock().now();
    let rows = Breaches::recent(state.db(), 200).await.map_err(|_| unavailable())?;
    let breaches: Vec<Value> = rows
        .iter()
        .map(|b| {
            let risk = Risk::parse(&b.risk).unwrap_or(Risk::High);
            let owed = outstanding(
                risk,
                Timestamp(b.discovered_at),
                hours,
                b.authority_notified_at.is_some(),
                b.people_notified_at.is_some(),
                now,
            );
            json!({
                "id": b.id,
                "discovered": Timestamp(b.discovered_at).to_rfc3339(),
                "deadline": authority_deadline(Timestamp(b.discovered_at), hours).to_rfc3339(),
                "nature": b.nature,
                "categories": b.categories,
                "people_affected": b.people_affected,
                "consequences": b.consequences,
                "measures": b.measures,
                "risk": risk.label(),
                "authority_due": risk.authority_must_be_told(),
                "people_due": risk.people_must_be_told(),
                "hours_left": owed.authority,
                "people_owed": owed.people,
                "authority_notified": b.authority_notified_at.map(|t| Timestamp(t).to_rfc3339()),
                "authority_reference": b.authority_reference,
                "people_notified": b.people_notified_at.map(|t| Timestamp(t).to_rfc3339()),
                "people_notice": b.people_notice,
            })
        })
        .collect();
    let categories: Vec<Value> = policy
        .categories
        .iter()
        .map(|c| json!({"id": c.id, "name": c.name.get("en").cloned().unwrap_or_else(|| c.id.clone())}))
        .collect();
    let risks: Vec<Value> = Risk::ALL.iter().map(|r| json!({"id": r.as_str(), "label": r.label()})).collect();
    let data = json!({
        "breaches": breaches,
        "categories": categories,
        "risks": risks,
        "hours": hours,
        "error": error,
        "can_record": staff.allows(Permission::ViewBreachRegister),
    });
    Ok(render(state, status, Some(staff), "admin/breaches.html", "Breach register", "/admin/privacy/breaches", data))
}

pub async fn record(State(state): State<AppState>, StaffForm { staff, form }: StaffForm<Fields>) -> PageResult {
    staff.require(Permission::ViewBreachRegister)?;
    let now = state.clock().now();
    let policy = &state.policy().policy;
    let Some(discovered_at) = parse_datetime(field(&form, "discovered_at")).filter(|t| *t <= now) else {
        return register(
            &state,
            &staff,
            StatusCode::BAD_REQUEST,
            Some("Give when the breach was discovered (not in the future)."),
        )
        .await;
    };
    let occurred_at = match field(&form, "occurred_at") {
        "" => None,
        text => match parse_datetime(text).filter(|t| *t <= discovered_at) {
            Some(t) => Some(t),
            None => {
                let text = "When it happened must be a date and time before its discovery, or left empty.";
                return register(&state, &staff, StatusCode::BAD_REQUEST, Some(text)).await;
            }
        },
    };
    let categories: Vec<&str> = form
        .iter()
        .filter(|(k, _)| k == "category")
        .map(|(_, v)| v.as_str())
        .filter(|v| policy.categories.iter().any(|c| c.id == *v))
        .collect();
    let nature = short(field(&form, "nature"), 2000);
    let Some(risk) = Risk::parse(field(&form, "risk")) else {
        return register(&state, &staff, StatusCode::BAD_REQUEST, Some("Choose the risk to people.")).await;
    };
    let Ok(people_affected) = field(&form, "people_affected").parse::<i64>() else {
        return register(
            &state,
            &staff,
            StatusCode::BAD_REQUEST,
            Some("Give the number of people affected (an estimate)."),
        )
        .await;
    };
    if nature.is_empty() || categories.is_empty() || people_affected < 0 {
        let text = "Describe what happened, tick the categories of data concerned and give the number of people.";
        return register(&state, &staff, StatusCode::BAD_REQUEST, Some(text)).await;
    }
    let categories = categories.join(",");
    let breach = NewBreach {
        discovered_at,
        occurred_at,
        nature: &nature,
        categories: &categories,
        people_affected,
        consequences: &short(field(&form, "consequences"), 2000),
        measures: &short(field(&form, "measures"), 2000),
        risk: risk.as_str(),
        recorded_by: staff.member.id,
    };
    let id = Breaches::record(state.db(), &breach, now).await.map_err(|_| unavailable())?;
    staff.audit(&state, "breach.record", "breach", &id.to_string(), Some(risk.as_str())).await?;
    Ok(Redirect::to("/admin/privacy/breaches").into_response())
}

/// Records that the authority (`/authority`) or the people (`/people`) were told.
pub async fn notified(
    State(state): State<AppState>,
    Path((id, whom)): Path<(String, String)>,
    StaffForm { staff, form }: StaffForm<Fields>,
) -> PageResult {
    staff.require(Permission::ViewBreachRegister)?;
    let Ok(id) = Uuid::parse_str(&id) else { return Err(not_found()) };
    let now = state.clock().now();
    let Some(at) = parse_datetime(field(&form, "at")).filter(|t| *t <= now) else {
        return register(
            &state,
            &staff,
            StatusCode::BAD_REQUEST,
            Some("Give when they were told (not in the future)."),
        )
        .await;
    };
    let text = short(field(&form, "text"), 500);
    if text.is_empty() {
        let message = "Give the authority's reference, or how the people were told.";
        return register(&state, &staff, StatusCode::BAD_REQUEST, Some(message)).await;
    }
    let db = state.db();
    Breaches::by_id(db, id).await.map_err(|_| unavailable())?.ok_or_else(not_found)?;
    let (done, action) = match whom.as_str() {
        "authority" => (Breaches::authority_notified(db, id, at, &text, now).await, "breach.authority_notified"),
        "people" => (Breaches::people_notified(db, id, at, &text, now).await, "breach.people_notified"),
        _ => return Err(not_found()),
    };
    if !done.map_err(|_| unavailable())? {
        return register(&state, &staff, StatusCode::CONFLICT, Some("That notice was already recorded.")).await;
    }
    staff.audit(&state, action, "breach", &id.to_string(), None).await?;
    Ok(Redirect::to("/admin/privacy/breaches").into_response())
}

fn not_found() -> Halt {
    Halt::from((StatusCode::NOT_FOUND, "No such breach.").into_response())
}

#[cfg(test)]
mod tests {
    use super::parse_datetime;

    #[test]
    fn datetime_local_values_are_read_as_utc() {
        let t = parse_datetime("2026-11-20T14:30").unwrap_or(luxevault_core::Timestamp(0));
        assert_eq!(t.to_rfc3339(), "2026-11-20T14:30:00Z");
        assert!(parse_datetime("2026-11-20").is_none());
        assert!(parse_datetime("2026-11-20T25:00").is_none());
        assert!(parse_datetime("2026-02-30T10:00").is_none());
        assert!(parse_datetime("").is_none());
    }
}
