//! Fitting and sizing in the back office: the sizing section of a customer's page (read with an
//! audit entry, edited by the boutique floor) and the alterations block of an order's page
//! (opened on a line, moved one step at a time). Every read and change goes through
//! `luxevault_shop::sizing`, which writes the audit entry first.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use luxevault_core::Timestamp;
use luxevault_core::sizing::{AlterationKind, AlterationStatus, Fit, MEASURES, Measurements};
use luxevault_core::staff::Permission;
use luxevault_shop::ShopError;
use luxevault_shop::sizing::{self, AlterationInput, SizingInput, Who};
use luxevault_storage::{Accounts, Holder, Sizing};
use serde_json::{Value, json};
use uuid::Uuid;

use super::locale::when;
use super::session::StaffForm;
use super::{Halt, PageResult, StaffContext, message, unavailable};
use crate::state::AppState;

// The order page calls into this module, so it keeps its own small helpers (no import circle).
fn parse_id(state: &AppState, staff: &StaffContext, id: &str, what: &str) -> Result<Uuid, Halt> {
    Uuid::parse_str(id).map_err(|_| not_found(state, staff, what))
}

fn not_found(state: &AppState, staff: &StaffContext, what: &str) -> Halt {
    let text = staff.t(state, &format!("admin.not_found.{what}"));
    Halt::from(message(state, StatusCode::NOT_FOUND, Some(staff), &staff.t(state, "admin.not_found.title"), &text))
}

fn refused(state: &AppState, staff: &StaffContext, error: ShopError) -> Halt {
    let status = match &error {
        ShopError::NotFound(_) => StatusCode::NOT_FOUND,
        ShopError::Invalid { .. } | ShopError::Rejected { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        ShopError::Conflict { .. } => StatusCode::CONFLICT,
        _ => return unavailable(),
    };
    Halt::from(message(state, status, Some(staff), &staff.t(state, "admin.not_done"), &error.message()))
}

/// The sizing section of a customer's or a guest's page: `null` for a role that may not read it
/// (nothing is read, nothing audited); otherwise the profile, read with its audit entry, and
/// where its form posts.
pub async fn section(state: &AppState, staff: &StaffContext, holder: &Holder, action: &str) -> Result<Value, Halt> {
    if !staff.allows(Permission::ViewSizing) {
        return Ok(Value::Null);
    }
    let actor = staff.actor();
    let who = Who { actor: &actor, client: &staff.client };
    let row = sizing::profile(state, holder, who).await.map_err(|e| refused(state, staff, e))?;
    let values = row.as_ref().map(|r| r.measurements()).unwrap_or_default().values();
    let measures: Vec<Value> = values
        .iter()
        .map(|(m, v)| {
            json!({"field": m.field, "label": staff.t(state, &format!("admin.sizing.measure.{}", m.field)),
                   "value": v, "min": m.min, "max": m.max})
        })
        .collect();
    let fit = row.as_ref().and_then(|r| r.fit());
    let fits: Vec<Value> = Fit::ALL
        .iter()
        .map(|f| {
            json!({"id": f.as_str(), "label": staff.t(state, &format!("admin.sizing.fit.{}", f.as_str())),
                   "selected": fit == Some(*f)})
        })
        .collect();
    Ok(json!({
        "exists": row.is_some(),
        "measures": measures,
        "fits": fits,
        "fit_label": fit.map(|f| staff.t(state, &format!("admin.sizing.fit.{}", f.as_str()))),
        "notes": row.as_ref().map(|r| r.notes.clone()).unwrap_or_default(),
        "updated": row.as_ref().map(|r| when(state, Timestamp(r.updated_at))),
        "last_visit": row.as_ref().map(|r| when(state, Timestamp(r.last_visit_at))),
        "can_edit": staff.allows(Permission::EditSizing),
        "action": action,
    }))
}

/// A posted profile form as the use case takes it: each measurement a whole number or empty.
pub fn input_of(form: &HashMap<String, String>) -> Result<SizingInput, ShopError> {
    let mut measurements = Measurements::default();
    for measure in MEASURES {
        let text = form.get(measure.field).map(|v| v.trim()).unwrap_or_default();
        let value =
            if text.is_empty() {
                None
            } else {
                Some(text.parse::<i32>().map_err(|_| {
                    ShopError::invalid(measure.field, format!("{} must be a whole number.", measure.field))
                })?)
            };
        measurements.set(measure.field, value);
    }
    Ok(SizingInput {
        measurements,
        fit: form.get("fit").cloned().unwrap_or_default(),
        notes: form.get("notes").cloned().unwrap_or_default(),
    })
}

/// Saves a customer's sizing profile from their page.
pub async fn save(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm<HashMap<String, String>>,
) -> PageResult {
    staff.require(Permission::EditSizing)?;
    let id = parse_id(&state, &staff, &id, "customer")?;
    if Accounts::by_id(state.db(), id).await.map_err(|_| unavailable())?.is_none() {
        return Err(not_found(&state, &staff, "customer"));
    }
    let input = input_of(&form).map_err(|e| refused(&state, &staff, e))?;
    let actor = staff.actor();
    let who = Who { actor: &actor, client: &staff.client };
    sizing::save(&state, &Holder::Customer(id), &input, who).await.map_err(|e| refused(&state, &staff, e))?;
    Ok(Redirect::to(&format!("/admin/customers/{id}#sizing")).into_response())
}

/// Saves a guest's sizing profile from their page (the guest is named by one of their orders;
/// the profile is keyed by the order's email key, as the guest's orders are found).
pub async fn save_guest(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm<HashMap<String, String>>,
) -> PageResult {
    staff.require(Permission::EditSizing)?;
    let id = parse_id(&state, &staff, &id, "customer")?;
    let order = luxevault_storage::Orders::by_id(state.db(), id)
        .await
        .map_err(|_| unavailable())?
        .filter(|o| o.customer_id.is_none() && !o.email.expose().is_empty())
        .ok_or_else(|| not_found(&state, &staff, "customer"))?;
    let holder = Holder::Guest(luxevault_core::pii::email_key(order.email.expose()));
    let input = input_of(&form).map_err(|e| refused(&state, &staff, e))?;
    let actor = staff.actor();
    let who = Who { actor: &actor, client: &staff.client };
    sizing::save(&state, &holder, &input, who).await.map_err(|e| refused(&state, &staff, e))?;
    Ok(Redirect::to(&format!("/admin/guests/{id}#sizing")).into_response())
}

/// The alterations block of an order's page: `null` for a role that may not see fitting data.
pub async fn order_block(
    state: &AppState,
    staff: &StaffContext,
    order: Uuid,
    lines: &[luxevault_storage::OrderLineRow],
) -> Result<Value, Halt> {
    if !staff.allows(Permission::ViewSizing) {
        return Ok(Value::Null);
    }
    let can_edit = staff.allows(Permission::EditSizing);
    let rows = Sizing::alterations_of_order(state.db(), order).await.map_err(|_| unavailable())?;
    let items: Vec<Value> = rows
        .iter()
        .map(|a| {
            let status = a.status();
            let next = status.next().filter(|_| can_edit).map(|n| {
                json!({"id": n.as_str(), "label": staff.t(state, &format!("admin.alteration.move.{}", n.as_str()))})
            });
            let piece =
                lines.iter().find(|l| l.position == a.line_position).map(|l| l.name.clone()).unwrap_or_default();
            json!({
                "id": a.id, "line": a.line_position, "piece": piece,
                "kind": staff.t(state, &format!("admin.alteration.kind.{}", a.kind)),
                "note": a.note, "promised_on": a.promised_on, "status": a.status,
                "status_label": staff.t(state, &format!("admin.alteration.status.{}", a.status)),
                "opened": when(state, Timestamp(a.created_at)), "next": next,
            })
        })
        .collect();
    let kinds: Vec<Value> = AlterationKind::ALL
        .iter()
        .map(|k| json!({"id": k.as_str(), "label": staff.t(state, &format!("admin.alteration.kind.{}", k.as_str()))}))
        .collect();
    let line_choices: Vec<Value> = lines
        .iter()
        .map(|l| json!({"position": l.position, "label": format!("{} — {}", l.name, l.variant_label)}))
        .collect();
    Ok(json!({"items": items, "kinds": kinds, "lines": line_choices, "can_edit": can_edit}))
}

/// Opens an alteration on a line of the order.
pub async fn open(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm<HashMap<String, String>>,
) -> PageResult {
    staff.require(Permission::EditSizing)?;
    let id = parse_id(&state, &staff, &id, "order")?;
    let line = form.get("line").and_then(|l| l.trim().parse::<i32>().ok()).unwrap_or(0);
    let input = AlterationInput {
        line,
        kind: form.get("kind").cloned().unwrap_or_default(),
        note: form.get("note").cloned().unwrap_or_default(),
        promised_on: form.get("promised_on").cloned().unwrap_or_default(),
    };
    let actor = staff.actor();
    let who = Who { actor: &actor, client: &staff.client };
    sizing::open_alteration(&state, id, &input, who).await.map_err(|e| refused(&state, &staff, e))?;
    Ok(Redirect::to(&format!("/admin/orders/{id}#alterations")).into_response())
}

/// Moves an alteration one step forward (`to`: the next state).
pub async fn advance(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm<HashMap<String, String>>,
) -> PageResult {
    staff.require(Permission::EditSizing)?;
    let id = parse_id(&state, &staff, &id, "alteration")?;
    let to = form
        .get("to")
        .and_then(|t| AlterationStatus::parse(t.trim()))
        .ok_or_else(|| refused(&state, &staff, ShopError::invalid("to", "to must be in_work, ready or collected.")))?;
    let actor = staff.actor();
    let who = Who { actor: &actor, client: &staff.client };
    let row = sizing::move_alteration(&state, id, to, who).await.map_err(|e| refused(&state, &staff, e))?;
    Ok(Redirect::to(&format!("/admin/orders/{}#alterations", row.order_id)).into_response())
}
