//! The JSON API under `/api/v1/`, documented by the OpenAPI document at `/api/openapi.json`.

//!
//! Handlers by part of the business, each parsing input, calling one use case of
//! `luxevault_shop` and presenting its answer. The OpenAPI registry below is the one list of the
//! API's paths.

pub mod account;
pub mod admin;
pub mod admin_contact;
pub mod admin_lists;
pub mod analytics;
pub mod appointments;
pub mod catalog;
pub mod consent;
pub mod limits;
pub mod marketing;
pub mod orders;
pub mod privacy;
pub mod requests;
pub mod rights;
pub mod sizing;

use axum::Json;
use utoipa::openapi::RefOr;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

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
        appointments::list_boutiques,
        appointments::list_slots,
        appointments::book_appointment,
        appointments::get_appointment,
        appointments::reschedule_appointment,
        appointments::cancel_appointment,
        appointments::appointments_calendar,
        appointments::appointment_outcome,
        orders::place_order,
        orders::my_orders,
        orders::get_order,
        orders::fresh_link,
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
        admin_contact::correct,
        admin_lists::orders,
        admin_lists::customers,
        admin_lists::products,
        admin_lists::create_product,
        admin_lists::set_publication,
        admin_lists::set_stock,
        sizing::get_sizing,
        sizing::put_sizing,
        limits::processing,
        limits::object,
        limits::lift_mine,
        limits::restrictions,
        limits::lift,
        marketing::create,
        analytics::record_view,
    ),
    components(schemas(ErrorBody)),
    modifiers(&Published)
)]
pub struct ApiDoc;

/// The security scheme of a signed-in customer's session token (`Authorization: Bearer`, the
/// token `register` and `login` return; see `extract::SignedIn`).
pub const SESSION_TOKEN: &str = "session_token";
/// The security scheme of the operator's admin token (`Authorization: Bearer`; see `extract::Operator`).
pub const ADMIN_TOKEN: &str = "admin_token";

/// The security scheme of an emailed order link's key (header `X-Order-Key`; see `orders::link`).
pub const ORDER_KEY: &str = "order_key";

/// What makes the generated document one an integrator can trust: the two bearer schemes, and a
/// description on every response (OpenAPI requires one; an annotation that gives none gets what
/// that status always means in this API).
struct Published;

impl Modify for Published {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            SESSION_TOKEN,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("64 hexadecimal characters")
                    .description(Some(
                        "A customer's session: the `token` that register, login and a password change return.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            ADMIN_TOKEN,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The operator's admin token (`admin_token` in the configuration)."))
                    .build(),
            ),
        );
        components.add_security_scheme(
            ORDER_KEY,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Order-Key",
                "The key of an emailed order link: what follows `#key=` in the link (30 days).",
            ))),
        );
        for item in openapi.paths.paths.values_mut() {
            let operations = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
            for operation in operations.into_iter().flatten() {
                for (status, response) in &mut operation.responses.responses {
                    if let RefOr::T(response) = response
                        && response.description.trim().is_empty()
                    {
                        response.description = usual_meaning(status).to_string();
                    }
                }
            }
        }
    }
}

/// What a status means across this API, for the responses whose annotation says nothing more.
fn usual_meaning(status: &str) -> &'static str {
    match status {
        "200" => "Done; the answer is in the body.",
        "201" => "Created; the new record is in the body.",
        "202" => "Accepted; what happens next is said in the body and by email.",
        "204" => "Done; no body.",
        "400" => "The request is malformed; `error.code` says how.",
        "401" => "No valid token: sign in again (or send the admin token).",
        "404" => "Nothing is found under this path (or it is not yours to see).",
        "409" => "The request conflicts with the record's current state; `error.code` says which.",
        "413" => "The body is larger than the API accepts.",
        "415" => "The body is not `application/json`.",
        "422" => "A field is invalid; `error.details` names the fields when there are several.",
        "429" => "Too many attempts; wait before trying again.",
        "502" => "The payment provider refused; nothing changed here.",
        "503" => "A service the shop relies on is unavailable just now; nothing was changed, try again.",
        _ => "See `error.code` and `error.message`.",
    }
}

pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
