//! The first-run page: the owner opens the house from the back office with the same use case
//! as `luxevault init` (name, seller, currencies, languages, time zone). Only an owner may, and
//! only once signed in with a second factor — never an open page on a fresh server, which anyone
//! could reach before the house does. Staff members themselves are made with
//! `luxevault staff create` on the server.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use luxevault_core::staff::Permission;
use luxevault_shop::profile::{CurrencyOffer, Opening, open_shop, profile};
use serde::Deserialize;
use serde_json::json;

use super::session::StaffForm;
use super::{Halt, PageResult, StaffContext, message, page, unavailable};
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct SetupForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    legal_name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    vat_number: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    currencies: String,
    #[serde(default)]
    languages: String,
    #[serde(default)]
    time_zone: String,
}

pub async fn form(State(state): State<AppState>, staff: StaffContext) -> PageResult {
    staff.require(Permission::ManageStaff)?;
    let current = profile(state.db()).await.map_err(|_| unavailable())?;
    let opened = state.ensure_open().await.is_ok();
    let data = json!({
        "opened": opened,
        "profile": current.map(|p| json!({
            "name": p.name, "legal_name": p.legal_name, "address": p.address, "vat_number": p.vat_number,
            "country": p.country, "time_zone": p.time_zone, "languages": p.languages,
        })),
        "languages": state.settings().langs.iter().map(|l| l.as_str()).collect::<Vec<_>>().join(","),
    });
    Ok(page(&state, &staff, "admin/setup.html", &staff.t(&state, "admin.setup.title"), "/admin/setup", data))
}

pub async fn save(State(state): State<AppState>, StaffForm { staff, form }: StaffForm<SetupForm>) -> PageResult {
    staff.require(Permission::ManageStaff)?;
    let currencies = form
        .currencies
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(CurrencyOffer::parse)
        .collect::<Result<Vec<_>, String>>();
    let currencies = currencies.map_err(|e| {
        Halt::from(message(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(&staff),
            &staff.t(&state, "admin.not_done"),
            &e,
        ))
    })?;
    let opening = Opening {
        name: form.name,
        legal_name: form.legal_name,
        address: form.address,
        vat_number: form.vat_number,
        country: form.country,
        time_zone: form.time_zone,
        languages: form.languages.split(',').map(|l| l.trim().to_string()).filter(|l| !l.is_empty()).collect(),
        base_currency: form.currency,
        currencies,
    };
    staff.audit(&state, "shop.open", "shop", "profile", None).await?;
    match open_shop(state.db(), state.clock(), &opening).await {
        Ok(_) => Ok(Redirect::to("/admin/setup").into_response()),
        Err(error) => Err(Halt::from(message(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(&staff),
            &staff.t(&state, "admin.not_done"),
            &error.message(),
        ))),
    }
}
