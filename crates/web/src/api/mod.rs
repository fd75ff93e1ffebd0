//! The JSON API under `/api/v1/`, documented by the OpenAPI document at `/api/openapi.json`.

//!
//! Handlers by part of the business, each parsing input, calling one use case of
//! `luxevault_shop` and presenting its answer. The OpenAPI registry below is the one list of the
//! API's paths.

pub mod account;
pub mod admin;
pub mod analytics;
pub mod catalog;
pub mod consent;
pub mod limits;
pub mod marketing;
pub mod orders;
pub mod privacy;
pub mod requests;
pub mod rights;

use axum::Json;
use utoipa::OpenApi;

use crate::error::ErrorBody;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "LuxeVault API",
        description = "The shop's catalog, cart pricing, accounts, orders, consents and rights requests, and staff operations (admin token). Amounts are integer minor units of the currency (cents; yen for JPY)."
    ),
    paths(
        catalog::list_products,
        catalog::get_product,
        catalog::list_collections,
        catalog::list_currencies,
        catalog::quote_cart,
        account::register,
        account::login,
        account::logout,
        account::logout_everywhere,
        account::me,
        account::change_password,
        account::change_details,
        account::request_reset,
        account::confirm_reset,
        orders::place_order,
        orders::my_orders,
        orders::get_order,
        consent::list,
        consent::change,
        rights::export,
        rights::erase,
        requests::log_request,
        requests::open_requests,
        requests::extend,
        requests::complete,
        requests::file,
        requests::mine,
        requests::start_guest,
        requests::verify_guest,
        requests::archive,
        admin::capture,
        admin::cancel,
        admin::refund,
        admin::fulfil,
        limits::processing,
        limits::object,
        limits::lift_mine,
        limits::restrictions,
        limits::lift,
        marketing::create,
        analytics::record_view,
    ),
    components(schemas(ErrorBody))
)]
pub struct ApiDoc;

pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
