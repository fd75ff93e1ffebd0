//! The breach register page (P19): record a breach, see the hours left to tell the supervisory
//! authority (the policy's `breach_notice_hours` from discovery), record who was told and when.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use luxevault_core::Timestamp;
use luxevault_core::breach::{Risk, authority_deadline, outstanding};
use luxevault_core::staff::Permission;
use luxevault_shop::ShopError;
use luxevault_shop::privacy::breaches::{self, BreachReport, Told};
use luxevault_storage::Breaches;
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
                "discovered_local": super::locale::when(state, Timestamp(b.discovered_at)),
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
    let report = BreachReport {
        discovered_at: field(&form, "discovered_at"),
        occurred_at: field(&form, "occurred_at"),
        categories: form.iter().filter(|(k, _)| k == "category").map(|(_, v)| v.as_str()).collect(),
        nature: field(&form, "nature"),
        risk: field(&form, "risk"),
        people_affected: field(&form, "people_affected"),
        consequences: field(&form, "consequences"),
        measures: field(&form, "measures"),
    };
    match breaches::record(&state, report, staff.member.id).await {
        Ok((id, risk)) => {
            staff.audit(&state, "breach.record", "breach", &id.to_string(), Some(risk.as_str())).await?;
            Ok(Redirect::to("/admin/privacy/breaches").into_response())
        }
        Err(error) => refused(&state, &staff, error).await,
    }
}

/// The register again with the sentence of a refused entry, or the busy answer.
async fn refused(state: &AppState, staff: &StaffContext, error: ShopError) -> PageResult {
    match error {
        ShopError::NotFound(_) => Err(not_found()),
        ShopError::Rejected { message, .. } => register(state, staff, StatusCode::BAD_REQUEST, Some(&message)).await,
        ShopError::Conflict { message, .. } => register(state, staff, StatusCode::CONFLICT, Some(&message)).await,
        _ => Err(unavailable()),
    }
}

/// Records that the authority (`/authority`) or the people (`/people`) were told.
pub async fn notified(
    State(state): State<AppState>,
    Path((id, whom)): Path<(String, String)>,
    StaffForm { staff, form }: StaffForm<Fields>,
) -> PageResult {
    staff.require(Permission::ViewBreachRegister)?;
    let (Ok(id), Some(told)) = (Uuid::parse_str(&id), Told::parse(&whom)) else { return Err(not_found()) };
    match breaches::record_notice(&state, id, told, field(&form, "at"), field(&form, "text")).await {
        Ok(()) => {
            staff.audit(&state, told.audit_action(), "breach", &id.to_string(), None).await?;
            Ok(Redirect::to("/admin/privacy/breaches").into_response())
        }
        Err(error) => refused(&state, &staff, error).await,
    }
}

fn not_found() -> Halt {
    Halt::from((StatusCode::NOT_FOUND, "No such breach.").into_response())
}
