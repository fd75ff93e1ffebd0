//! The accountant's files: the orders list (with the list's filters) and the customers as CSV,
//! from a posted form (with the CSRF token), to roles that may export them — orders to roles with
//! `ExportOrders`, customers to roles that may see customers, their emails only to roles that may
//! see contacts. The files themselves, and the audit entry each one writes first, are made by
//! `luxevault_shop::exports`.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use luxevault_core::staff::Permission;
use luxevault_shop::exports::{self, Exporter};
use serde::Deserialize;

use super::orders::{OrderQuery, order_filter};
use super::session::StaffForm;
use super::{Halt, PageResult, message, unavailable};
use crate::state::AppState;

/// The orders matching the list's filters (state, currency, local dates), newest first.
pub async fn orders(State(state): State<AppState>, StaffForm { staff, form }: StaffForm<OrderQuery>) -> PageResult {
    staff.require(Permission::ExportOrders)?;
    let mut query = form;
    // The file follows the filters, not a search for a person.
    query.q.clear();
    let (filter, problems) = order_filter(&state, &staff, &query);
    if let Some(problem) = problems.first() {
        let title = staff.t(&state, "admin.export.refused");
        return Err(Halt::from(message(
            &state,
            StatusCode::BAD_REQUEST,
            Some(&staff),
            &title,
            &staff.t(&state, problem),
        )));
    }
    let actor = staff.actor();
    let by =
        Exporter { actor: &actor, client: &staff.client, with_contact: staff.allows(Permission::ViewCustomerContact) };
    let bytes = exports::orders_csv(state.shop(), by, &filter).await.map_err(|_| unavailable())?;
    Ok(attachment(&state, "orders", bytes))
}

#[derive(Deserialize)]
pub struct NoFields {}

/// Every customer account, newest first.
pub async fn customers(State(state): State<AppState>, StaffForm { staff, .. }: StaffForm<NoFields>) -> PageResult {
    staff.require(Permission::ViewCustomers)?;
    let actor = staff.actor();
    let by =
        Exporter { actor: &actor, client: &staff.client, with_contact: staff.allows(Permission::ViewCustomerContact) };
    let bytes = exports::customers_csv(state.shop(), by).await.map_err(|_| unavailable())?;
    Ok(attachment(&state, "customers", bytes))
}

fn attachment(state: &AppState, what: &str, bytes: Vec<u8>) -> axum::response::Response {
    let name = format!("{what}-{}.csv", exports::file_date(state.shop(), state.clock().now()));
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}
