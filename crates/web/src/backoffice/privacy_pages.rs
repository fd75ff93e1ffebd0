//! The privacy office's pages: the queue of rights requests with their clocks (P17, P21), the
//! consent ledger, and the retention rules with the purge log (P15, M7). Request actions go
//! through the same use cases as the admin-token API (`luxevault_shop::privacy::requests`).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use luxevault_core::Timestamp;
use luxevault_core::policy::RetentionAction;
use luxevault_core::requests::{Channel, RequestKind};
use luxevault_core::staff::Permission;
use luxevault_storage::{PrivacyRequests, RetentionStore, StaffPages};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::orders::{parse_id, when};
use super::session::StaffForm;
use super::{Halt, PageResult, StaffContext, message, page, unavailable};
use crate::error::ApiError;
use crate::present::request_view as view;
use crate::state::AppState;
use luxevault_shop::ShopError;
use luxevault_shop::privacy::requests::{
    complete_request, extend_request, log_received, phone_access_copy, phone_of, verify_by_call_back,
};

const LEDGER_PAGE: i64 = 50;

/// A refused request action, shown with the status the API would answer.
fn request_failed(state: &AppState, staff: &StaffContext, error: ShopError) -> Halt {
    let error = ApiError::from(error);
    Halt::from(message(state, error.status, Some(staff), "Not done", &error.message))
}

/// Every open request, the most urgent first, with its deadline, the five-business-day aim and
/// a form for each action; and a form to log a request that came by email or WhatsApp.
pub async fn requests(State(state): State<AppState>, staff: StaffContext) -> PageResult {
    staff.require(Permission::HandlePrivacyRequests)?;
    staff.audit(&state, "privacy_requests.view", "privacy_request", "*", None).await?;
    let now = state.clock().now();
    let rows = PrivacyRequests::open(state.db()).await.map_err(|_| unavailable())?;
    let members = luxevault_storage::Staff::all(state.db()).await.map_err(|_| unavailable())?;
    let requests: Vec<Value> = rows
        .iter()
        .map(|r| {
            let mut v = view(r, now, true);
            let target_days = (r.target_at.as_micros() - now.as_micros()).div_euclid(Timestamp::MICROS_PER_DAY);
            if let Some(map) = v.as_object_mut() {
                map.insert("received".into(), json!(when(&state, r.received_at)));
                map.insert("due".into(), json!(when(&state, r.due_at)));
                map.insert("target".into(), json!(when(&state, r.target_at)));
                map.insert("target_days".into(), json!(target_days));
                map.insert("customer_id".into(), json!(r.customer_id));
                map.insert("extended".into(), json!(r.status == "extended"));
                let phone_only = r.customer_id.is_none() && phone_of(r).is_some();
                map.insert("phone_only".into(), json!(phone_only));
                map.insert(
                    "has_copy".into(),
                    json!(matches!(RequestKind::parse(&r.kind), Some(RequestKind::Access | RequestKind::Portability))),
                );
                map.insert("verification".into(), json!(verification_line(&state, &staff, r, &members)));
            }
            v
        })
        .collect();
    let kinds: Vec<&str> = RequestKind::ALL.iter().map(|k| k.as_str()).collect();
    let data = json!({
        "requests": requests,
        "kinds": kinds,
        "today": now.to_rfc3339().chars().take(10).collect::<String>(),
        "target_business_days": state.policy().policy.rights.target_business_days,
        "answer_within_days": state.policy().policy.rights.answer_within_days,
    });
    Ok(page(&state, &staff, "admin/privacy_requests.html", "Privacy requests", "/admin/privacy/requests", data))
}

/// "Verified by call-back to the number on the order — claire, 2026-12-04 10:12 CET": who proved
/// a request's person, how and when, when staff did.
fn verification_line(
    state: &AppState,
    staff: &StaffContext,
    row: &luxevault_storage::PrivacyRequestRow,
    members: &[luxevault_storage::StaffRow],
) -> Option<String> {
    let method = row.verification_method.as_deref()?;
    let by = row.verified_by.as_deref().unwrap_or_default();
    let who = by
        .strip_prefix("staff:")
        .and_then(|id| members.iter().find(|m| m.id.to_string() == id))
        .map(|m| m.username.clone())
        .unwrap_or_else(|| by.to_string());
    let at = row.verified_at.map(|t| when(state, t)).unwrap_or_default();
    let how = staff.t(state, &format!("admin.request.verified.{method}"));
    Some(staff.t_with(state, "admin.request.verified", &[("how", &how), ("who", &who), ("at", &at)]))
}

/// Records that the person of a phone-only request was proven by a call-back to the number on
/// their orders (who, when, how: on the request; audited).
pub async fn verify(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, form: _ }: StaffForm<ExtendForm>,
) -> PageResult {
    staff.require(Permission::HandlePrivacyRequests)?;
    let id = parse_id(&state, &staff, &id, "request")?;
    staff.audit(&state, "privacy_request.verify", "privacy_request", &id.to_string(), None).await?;
    verify_by_call_back(&state, id, &luxevault_core::order::Actor::Staff(staff.member.id.to_string()))
        .await
        .map_err(|e| request_failed(&state, &staff, e))?;
    Ok(Redirect::to("/admin/privacy/requests").into_response())
}

/// Downloads the access copy of a phone-only request once its person is proven: the orders
/// placed with the number (JSON, the document the privacy centre's copy holds). Audited.
pub async fn copy(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, form: _ }: StaffForm<ExtendForm>,
) -> PageResult {
    use axum::http::{HeaderValue, header};
    staff.require(Permission::HandlePrivacyRequests)?;
    staff.require(Permission::ExportCustomerData)?;
    let id = parse_id(&state, &staff, &id, "request")?;
    staff.audit(&state, "privacy_request.copy", "privacy_request", &id.to_string(), None).await?;
    let document = phone_access_copy(&state, id).await.map_err(|e| request_failed(&state, &staff, e))?;
    let mut response = axum::Json(document).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"request-data.json\""));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

#[derive(Deserialize)]
pub struct LogForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    received_on: String,
}

/// Logs a request that arrived by email or WhatsApp (P21).
pub async fn log(State(state): State<AppState>, StaffForm { staff, form }: StaffForm<LogForm>) -> PageResult {
    staff.require(Permission::HandlePrivacyRequests)?;
    if Channel::parse(&form.channel).is_none_or(|c| c == Channel::Web) {
        let error = ShopError::invalid("invalid_channel", "Staff log requests that came by email, WhatsApp or a call.");
        return Err(request_failed(&state, &staff, error));
    }
    let day = Some(form.received_on.trim()).filter(|d| !d.is_empty());
    let row = log_received(&state, &form.kind, &form.channel, &form.contact, day)
        .await
        .map_err(|e| request_failed(&state, &staff, e))?;
    staff.audit(&state, "privacy_request.log", "privacy_request", &row.id.to_string(), None).await?;
    Ok(Redirect::to("/admin/privacy/requests").into_response())
}

#[derive(Deserialize)]
pub struct ExtendForm {
    #[serde(default)]
    reason: String,
}

/// Extends a request once, by two months; the reason is told to the person.
pub async fn extend(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm<ExtendForm>,
) -> PageResult {
    staff.require(Permission::HandlePrivacyRequests)?;
    let id = parse_id(&state, &staff, &id, "request")?;
    staff.audit(&state, "privacy_request.extend", "privacy_request", &id.to_string(), None).await?;
    extend_request(&state, id, &form.reason).await.map_err(|e| request_failed(&state, &staff, e))?;
    Ok(Redirect::to("/admin/privacy/requests").into_response())
}

#[derive(Deserialize)]
pub struct CompleteForm {
    #[serde(default)]
    outcome: String,
    /// "completed" or "refused".
    #[serde(default)]
    result: String,
}

/// Closes a request as completed or refused, with its outcome.
pub async fn complete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm<CompleteForm>,
) -> PageResult {
    staff.require(Permission::HandlePrivacyRequests)?;
    let id = parse_id(&state, &staff, &id, "request")?;
    let refused = form.result == "refused";
    let action = if refused { "privacy_request.refuse" } else { "privacy_request.complete" };
    staff.audit(&state, action, "privacy_request", &id.to_string(), None).await?;
    complete_request(
        &state,
        id,
        &form.outcome,
        refused,
        luxevault_core::order::Actor::Staff(staff.member.id.to_string()),
    )
    .await
    .map_err(|e| request_failed(&state, &staff, e))?;
    Ok(Redirect::to("/admin/privacy/requests").into_response())
}

#[derive(Deserialize, Default)]
pub struct LedgerQuery {
    /// `<at>_<id>` of the last record of the previous page.
    before: Option<String>,
}

fn cursor(text: &str) -> Option<(i64, Uuid)> {
    let (at, id) = text.split_once('_')?;
    Some((at.parse().ok()?, Uuid::parse_str(id).ok()?))
}

/// The consent ledger, newest first, paginated by cursor.
pub async fn consents(
    State(state): State<AppState>,
    staff: StaffContext,
    Query(query): Query<LedgerQuery>,
) -> PageResult {
    staff.require(Permission::ViewConsents)?;
    staff.audit(&state, "consents.view", "consent", "*", None).await?;
    let before = query.before.as_deref().and_then(cursor);
    let mut records =
        StaffPages::consent_ledger(state.db(), before, LEDGER_PAGE + 1).await.map_err(|_| unavailable())?;
    let more = records.len() > usize::try_from(LEDGER_PAGE).unwrap_or(50);
    records.truncate(usize::try_from(LEDGER_PAGE).unwrap_or(50));
    let older = if more { records.last().map(|r| format!("{}_{}", r.at, r.id)) } else { None };
    let rows: Vec<Value> = records
        .iter()
        .map(|r| {
            json!({"customer_id": r.holder_is_account.then_some(r.holder_id), "purpose": r.purpose, "granted": r.granted, "at": when(&state, Timestamp(r.at)),
                   "policy_version": r.policy_version, "source": r.source, "method": r.method})
        })
        .collect();
    let data = json!({"records": rows, "older": older, "first_page": before.is_none()});
    Ok(page(&state, &staff, "admin/consents.html", "Consent records", "/admin/privacy/consents", data))
}

fn english(text: &luxevault_core::policy::Text) -> String {
    text.get("en").or_else(|| text.values().next()).cloned().unwrap_or_default()
}

async fn retention_page(state: &AppState, staff: &StaffContext, preview: Value) -> PageResult {
    let policy = &state.policy().policy;
    let rules: Vec<Value> = policy
        .retention
        .iter()
        .map(|r| {
            json!({
                "id": r.id, "records": english(&r.records), "keep_days": r.keep_days,
                "then": if r.then == RetentionAction::Anonymise { "anonymise" } else { "delete" },
                "reason": english(&r.reason),
            })
        })
        .collect();
    let runs: Vec<Value> = RetentionStore::runs(state.db(), 100)
        .await
        .map_err(|_| unavailable())?
        .iter()
        .map(|r| {
            json!({"rule": r.rule, "started": when(state, Timestamp(r.started_at)), "as_of": when(state, Timestamp(r.as_of)),
                   "dry_run": r.dry_run, "action": r.action, "affected": r.affected})
        })
        .collect();
    let data = json!({
        "rules": rules, "runs": runs, "preview": preview,
        "today": state.clock().now().to_rfc3339().chars().take(10).collect::<String>(),
    });
    Ok(page(state, staff, "admin/retention.html", "Retention", "/admin/privacy/retention", data))
}

/// The policy's retention rules, the last runs and their purge logs.
pub async fn retention(State(state): State<AppState>, staff: StaffContext) -> PageResult {
    staff.require(Permission::ViewRetention)?;
    retention_page(&state, &staff, Value::Null).await
}

#[derive(Deserialize)]
pub struct PreviewForm {
    #[serde(default)]
    as_of: String,
}

/// A dry run as of a day: what each rule would do then (logged as a dry run).
pub async fn preview(State(state): State<AppState>, StaffForm { staff, form }: StaffForm<PreviewForm>) -> PageResult {
    staff.require(Permission::ViewRetention)?;
    let Some(as_of) = Timestamp::from_date(form.as_of.trim()) else {
        let text = "Give the day as YYYY-MM-DD.";
        return Err(Halt::from(message(&state, StatusCode::UNPROCESSABLE_ENTITY, Some(&staff), "Not a date", text)));
    };
    staff.audit(&state, "retention.preview", "retention", form.as_of.trim(), None).await?;
    let now = state.clock().now();
    let reports = luxevault_shop::privacy::retention::apply(state.db(), &state.policy().policy, as_of, now, true)
        .await
        .map_err(|_| unavailable())?;
    let lines: Vec<Value> = reports
        .iter()
        .map(|r| {
            let counts: Vec<Value> = r.counts.iter().map(|(a, n)| json!({"action": a, "count": n})).collect();
            json!({"rule": r.rule, "keep_days": r.keep_days, "counts": counts, "note": r.note})
        })
        .collect();
    retention_page(&state, &staff, json!({"as_of": form.as_of.trim(), "rules": lines})).await
}
