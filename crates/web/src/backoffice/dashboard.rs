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
    // The shop's days: from local midnight 29 days ago to the end of today.
    let zone = &state.settings().time_zone;
    let from = zone.days_after(now, -(DAYS - 1));
    let to = zone.days_after(now, 1);
    // The charts count calendar days: local dates, each as midnight UTC of that date.
    let (first_day, after_last_day) = (zone.calendar_day(from), zone.calendar_day(from).plus_days(DAYS));
    let lang = staff.lang.clone();
    let t = |key: &str| staff.t(&state, key);
    let days = DAYS.to_string();
    let mut cards: Vec<Value> = Vec::new();
    let mut panels: Vec<Value> = Vec::new();

    if staff.allows(Permission::ViewPayments) {
        let sales = BackOffice::sales_by_day(db, from, to, zone).await.map_err(|_| unavailable())?;
        for currency in sales.iter().map(|s| s.currency.clone()).collect::<std::collections::BTreeSet<_>>() {
            let total: i64 = sales.iter().filter(|s| s.currency == currency).map(|s| s.total_minor).sum();
            let label = staff.t_with(&state, "admin.dashboard.sales_card", &[("days", &days), ("currency", &currency)]);
            cards.push(json!({"label": label,
                              "value": charts::format_amount(total, &currency, &lang), "alert": null}));
        }
        let (title, desc, empty) =
            (t("admin.dashboard.sales.title"), t("admin.dashboard.sales.desc"), t("admin.dashboard.sales.empty"));
        let texts = Texts { id: "sales", title: &title, desc: &desc, empty: &empty, day: &t("admin.chart.day") };
        let chart = charts::sales_per_day(&texts, &sales, first_day, after_last_day, &lang);
        panels.push(json!({"title": title, "chart": chart_json(&chart)}));
    }
    if staff.allows(Permission::ViewOrders) {
        let states = BackOffice::orders_by_state(db, from, to).await.map_err(|_| unavailable())?;
        let placed: i64 = states.iter().map(|(_, n)| n).sum();
        let label = staff.t_with(&state, "admin.dashboard.orders_card", &[("days", &days)]);
        cards.push(json!({"label": label, "value": staff.count(&state, "admin.orders.count", placed), "alert": null}));
        let (title, desc, empty) =
            (t("admin.dashboard.states.title"), t("admin.dashboard.states.desc"), t("admin.dashboard.states.empty"));
        let columns = [t("admin.col.status"), t("admin.orders.title")];
        let texts = Texts { id: "states", title: &title, desc: &desc, empty: &empty, day: "" };
        let chart = charts::orders_by_state(&texts, &columns, &states, |s| {
            super::orders::status_label(&state, &staff, s.as_str())
        });
        panels.push(json!({"title": title, "chart": chart_json(&chart)}));
    }
    if staff.allows(Permission::HandlePrivacyRequests) {
        let open = BackOffice::open_privacy_requests(db).await.map_err(|_| unavailable())?;
        let overdue = open.iter().filter(|r| r.days_left(now) < 0).count();
        let overdue_text = staff.t_with(&state, "admin.dashboard.overdue", &[("count", &overdue.to_string())]);
        cards.push(json!({"label": t("admin.dashboard.open_requests"), "value": open.len().to_string(),
                          "alert": (overdue > 0).then_some(overdue_text)}));
        let (title, desc, empty) = (
            t("admin.dashboard.deadlines.title"),
            t("admin.dashboard.deadlines.desc"),
            t("admin.dashboard.deadlines.empty"),
        );
        let columns = [t("admin.chart.request"), t("admin.chart.due"), t("admin.chart.days_left")];
        let texts = Texts { id: "deadlines", title: &title, desc: &desc, empty: &empty, day: "" };
        let chart = charts::privacy_deadlines(&texts, &open, now, &columns, |r| {
            format!("{} {}", t(&format!("admin.request_kind.{}", r.kind)), &r.id.simple().to_string()[24..])
        });
        panels.push(json!({"title": t("admin.nav.privacy_requests"), "chart": chart_json(&chart)}));
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
        cards.push(json!({"label": t("admin.dashboard.breaches_owing"), "value": owing.to_string(),
                          "alert": (owing > 0).then(|| t("admin.dashboard.see_register"))}));
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
    let intro = staff.t_with(
        &state,
        "admin.dashboard.intro",
        &[("role", &t(&format!("admin.role.{}", staff.role.as_str()))), ("days", &days), ("zone", zone.name())],
    );
    let data = json!({
        "intro": intro,
        "cards": cards,
        "panels": panels,
        "unusual": unusual,
        "threshold": UNUSUAL_READS_PER_HOUR,
        "can_audit": staff.allows(Permission::ViewAudit),
    });
    Ok(page(&state, &staff, "admin/dashboard.html", &t("admin.nav.dashboard"), "/admin", data))
}
