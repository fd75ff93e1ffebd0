//! The dashboard: what each role should see first — sales and orders of the last 30 days as
//! charts, the privacy requests against their deadlines, breaches still owing a notice, and staff
//! whose look at clients' records is unusual (M8). Each panel shows only to roles that may see
//! what it summarises; figures only, no client is named.

use axum::extract::State;
use luxevault_core::Timestamp;
use luxevault_core::breach::{Risk, outstanding};
use luxevault_core::staff::Permission;
use luxevault_storage::{AuditLog, BackOffice, Breaches, Staff};
use serde_json::{Value, json};

use super::charts::{self, Chart, Texts};
use super::{PageResult, StaffContext, page, unavailable};
use crate::state::AppState;

/// The charts' period.
const DAYS: i64 = 30;
/// More looks at clients' records in the last hour than this is worth an owner's attention.
pub const UNUSUAL_READS_PER_HOUR: i64 = 100;

fn chart_json(chart: &Chart) -> Value {
    json!({"svg": chart.svg, "table": chart.table})
}

pub async fn show(State(state): State<AppState>, staff: StaffContext) -> PageResult {
    staff.require(Permission::ViewDashboard)?;
    let db = state.db();
    let now = state.clock().now();
    let today = Timestamp(now.as_micros() - now.as_micros().rem_euclid(Timestamp::MICROS_PER_DAY));
    let from = today.plus_days(-(DAYS - 1));
    let to = today.plus_days(1);
    let lang = state.settings().default_lang().clone();
    let mut cards: Vec<Value> = Vec::new();
    let mut panels: Vec<Value> = Vec::new();

    if staff.allows(Permission::ViewPayments) {
        let sales = BackOffice::sales_by_day(db, from, to).await.map_err(|_| unavailable())?;
        for currency in sales.iter().map(|s| s.currency.clone()).collect::<std::collections::BTreeSet<_>>() {
            let total: i64 = sales.iter().filter(|s| s.currency == currency).map(|s| s.total_minor).sum();
            cards.push(json!({"label": format!("Sales, {DAYS} days, {currency}"),
                              "value": charts::format_amount(total, &currency, &lang), "alert": null}));
        }
        let texts = Texts {
            id: "sales",
            title: "Sales per day",
            desc: "Paid orders per day over the last 30 days, one panel per currency.",
            empty: "No paid order in the last 30 days.",
        };
        panels.push(json!({"title": "Sales per day", "chart": chart_json(&charts::sales_per_day(&texts, &sales, from, to, &lang))}));
    }
    if staff.allows(Permission::ViewOrders) {
        let states = BackOffice::orders_by_state(db, from, to).await.map_err(|_| unavailable())?;
        let placed: i64 = states.iter().map(|(_, n)| n).sum();
        cards.push(json!({"label": format!("Orders, {DAYS} days"), "value": placed.to_string(), "alert": null}));
        let texts = Texts {
            id: "states",
            title: "Orders by state",
            desc: "Orders placed in the last 30 days, by the state they are in now.",
            empty: "No order in the last 30 days.",
        };
        let chart = charts::orders_by_state(&texts, &states, |s| s.as_str().replace('_', " "));
        panels.push(json!({"title": "Orders by state", "chart": chart_json(&chart)}));
    }
    if staff.allows(Permission::HandlePrivacyRequests) {
        let open = BackOffice::open_privacy_requests(db).await.map_err(|_| unavailable())?;
        let overdue = open.iter().filter(|r| r.days_left(now) < 0).count();
        cards.push(json!({"label": "Open privacy requests", "value": open.len().to_string(),
                          "alert": (overdue > 0).then(|| format!("{overdue} overdue"))}));
        let texts = Texts {
            id: "deadlines",
            title: "Privacy requests against their deadlines",
            desc: "Days left before each open request must be answered; overdue ones to the left of zero.",
            empty: "No open request.",
        };
        let chart = charts::privacy_deadlines(&texts, &open, now, |r| {
            format!("{} {}", r.kind.replace('_', " "), &r.id.simple().to_string()[24..])
        });
        panels.push(json!({"title": "Privacy requests", "chart": chart_json(&chart)}));
    }
    if staff.allows(Permission::ViewBreachRegister) {
        let hours = state.policy().policy.breach_notice_hours;
        let breaches = Breaches::recent(db, 200).await.map_err(|_| unavailable())?;
        let owing = breaches
            .iter()
            .filter(|b| {
                let risk = Risk::parse(&b.risk).unwrap_or(Risk::High);
                let due = outstanding(
                    risk,
                    Timestamp(b.discovered_at),
                    hours,
                    b.authority_notified_at.is_some(),
                    b.people_notified_at.is_some(),
                    now,
                );
                !due.nothing()
            })
            .count();
        cards.push(json!({"label": "Breaches owing a notice", "value": owing.to_string(),
                          "alert": (owing > 0).then(|| "see the breach register".to_string())}));
    }
    let mut unusual: Vec<Value> = Vec::new();
    if staff.allows(Permission::ViewAudit) {
        let since = now.plus_seconds(-3600).as_micros();
        let heavy = AuditLog::heavy_readers(db, since, UNUSUAL_READS_PER_HOUR).await.map_err(|_| unavailable())?;
        let members = if heavy.is_empty() { Vec::new() } else { Staff::all(db).await.map_err(|_| unavailable())? };
        for (actor, count) in heavy {
            let name = members
                .iter()
                .find(|m| actor.strip_prefix("staff:") == Some(m.id.to_string().as_str()))
                .map(|m| m.username.clone())
                .unwrap_or_else(|| actor.clone());
            tracing::warn!(actor = %actor, count, "unusual number of client records opened in an hour");
            unusual.push(json!({"who": name, "count": count}));
        }
    }
    let data = json!({
        "cards": cards,
        "panels": panels,
        "unusual": unusual,
        "threshold": UNUSUAL_READS_PER_HOUR,
        "can_audit": staff.allows(Permission::ViewAudit),
    });
    Ok(page(&state, &staff, "admin/dashboard.html", "Dashboard", "/admin", data))
}
