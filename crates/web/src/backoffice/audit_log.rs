//! The audit log viewer: newest first, filtered by member, record or action, paginated by
//! sequence number. It shows identifiers, as the log holds nothing else.

use axum::extract::{Query, State};
use luxevault_core::Timestamp;
use luxevault_core::staff::Permission;
use luxevault_storage::{AuditFilter, AuditLog, Staff};
use serde::Deserialize;
use serde_json::json;

use super::{PageResult, StaffContext, page, unavailable};
use crate::state::AppState;

const PAGE_SIZE: i64 = 50;

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    /// A staff username, `cli` or `api-token`.
    #[serde(default)]
    actor: String,
    #[serde(default)]
    subject_kind: String,
    #[serde(default)]
    subject_id: String,
    #[serde(default)]
    action: String,
    /// Show entries before this sequence number (the "older" link).
    before: Option<i64>,
}

fn non_empty(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.chars().take(100).collect())
}

pub async fn list(State(state): State<AppState>, staff: StaffContext, Query(query): Query<AuditQuery>) -> PageResult {
    staff.require(Permission::ViewAudit)?;
    let db = state.db();
    let members = Staff::all(db).await.map_err(|_| unavailable())?;
    let name_of = |actor: &str| -> String {
        match actor.strip_prefix("staff:") {
            Some(id) => members
                .iter()
                .find(|m| m.id.to_string() == id)
                .map(|m| m.username.clone())
                .unwrap_or_else(|| actor.to_string()),
            None => actor.to_string(),
        }
    };
    // Staff are filtered by username in the form; the log itself knows only their ids.
    let actor = non_empty(&query.actor).map(|a| match members.iter().find(|m| m.username == a) {
        Some(m) => format!("staff:{}", m.id),
        None => a,
    });
    let filter = AuditFilter {
        actor,
        subject_kind: non_empty(&query.subject_kind),
        subject_id: non_empty(&query.subject_id),
        action: non_empty(&query.action),
    };
    let before = query.before.unwrap_or(i64::MAX);
    let entries = AuditLog::page(db, &filter, before, PAGE_SIZE + 1).await.map_err(|_| unavailable())?;
    let more = entries.len() > usize::try_from(PAGE_SIZE).unwrap_or(50);
    let rows: Vec<_> = entries
        .iter()
        .take(usize::try_from(PAGE_SIZE).unwrap_or(50))
        .map(|e| {
            json!({
                "seq": e.seq,
                "at": Timestamp(e.at).to_rfc3339(),
                "at_local": super::locale::when(&state, Timestamp(e.at)),
                "actor": name_of(&e.actor),
                "action": e.action,
                "subject_kind": e.subject_kind,
                "subject_id": e.subject_id,
                "client": e.client,
                "reason": e.reason,
                "hash": &e.hash[..12.min(e.hash.len())],
            })
        })
        .collect();
    let older = if more { rows.last().and_then(|r| r["seq"].as_i64()) } else { None };
    // The heads written down outside the database: what `audit verify` holds the table to.
    let anchors = luxevault_shop::staff::audit_trail::recorded_anchors(5);
    let anchored: Vec<_> = anchors
        .heads
        .iter()
        .map(|a| json!({"seq": a.seq, "at": a.at, "hash": &a.hash[..15.min(a.hash.len())]}))
        .collect();
    let data = json!({
        "anchors": anchored,
        "keyed_from": anchors.keyed_from,
        "entries": rows,
        "older": older,
        "filter": {
            "actor": query.actor.trim(),
            "subject_kind": query.subject_kind.trim(),
            "subject_id": query.subject_id.trim(),
            "action": query.action.trim(),
        },
    });
    Ok(page(&state, &staff, "admin/audit.html", &staff.t(&state, "admin.nav.audit"), "/admin/audit", data))
}
