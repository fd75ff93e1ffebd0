//! The back office under `/admin`: staff sign in with a password and a TOTP code, and each sees
//! only what their role allows (`core::staff`). Every look at a customer's personal data and
//! every change is written to the audit log before the page is shown.
//!
//! Server-rendered pages (templates in `assets/templates/admin/`), forms with a CSRF token, a
//! session cookie under a `__Host-` name — the only cookie LuxeVault ever sets.

pub mod appointments;
pub mod audit_log;
pub mod breaches;
pub mod catalog;
pub mod catalog_import;
pub mod charts;
pub mod customers;
pub mod dashboard;
pub mod exports;
pub mod locale;
pub mod login;
pub mod orders;
pub mod privacy_pages;
pub mod session;
pub mod setup;
pub mod sizing;
pub mod staff_page;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use luxevault_core::staff::Permission;
use serde_json::{Value, json};

use crate::assets::versioned_url;
use crate::state::AppState;
use luxevault_shop::staff::audit_trail::{self, AuditEvent};
pub use session::StaffContext;

/// The back office's routes; the caller merges them into the app.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/login", get(login::login_page).post(login::login))
        .route("/admin/login/code", get(login::code_page).post(login::code))
        .route("/admin/enrol", get(login::enrol_page).post(login::enrol))
        .route("/admin/logout", post(login::logout))
        .route("/admin/sessions", get(login::sessions))
        .route("/admin/sessions/end", post(login::end_session))
        .route("/admin/password", post(login::change_password))
        .route("/admin/language", post(login::set_language))
        .route("/admin", get(dashboard))
        .route("/admin/audit", get(audit_log::list))
        .route("/admin/setup", get(setup::form).post(setup::save))
        .route("/admin/privacy/breaches", get(breaches::list).post(breaches::record))
        .route("/admin/privacy/breaches/{id}/{whom}", post(breaches::notified))
        .merge(page_routes())
        .layer(axum::middleware::from_fn(session::refuse_cross_site))
}

/// Orders, customers, the privacy office and staff pages.
fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/admin/orders", get(orders::list).post(orders::search))
        .route("/admin/orders/export", post(exports::orders))
        .route("/admin/customers/export", post(exports::customers))
        .route("/admin/orders/{id}", get(orders::detail))
        .route("/admin/orders/{id}/capture", post(orders::capture))
        .route("/admin/orders/{id}/cancel", post(orders::cancel))
        .route("/admin/orders/{id}/fulfil", post(orders::fulfil))
        .route("/admin/orders/{id}/refund", post(orders::refund))
        .route("/admin/orders/{id}/contact", post(orders::correct_contact))
        .route("/admin/customers", get(customers::list).post(customers::search))
        .route("/admin/customers/{id}", get(customers::profile))
        .route("/admin/customers/{id}/messages", get(customers::messages))
        .route("/admin/customers/{id}/export", post(customers::export))
        .route("/admin/customers/{id}/erase", post(customers::erase))
        .route("/admin/customers/{id}/sizing", post(sizing::save))
        .route("/admin/guests/{id}/sizing", post(sizing::save_guest))
        .route("/admin/orders/{id}/alterations", post(sizing::open))
        .route("/admin/alterations/{id}/move", post(sizing::advance))
        .route("/admin/customers/{id}/contact", post(customers::correct_email))
        .route("/admin/guests/{id}", get(customers::guest))
        .route("/admin/appointments", get(appointments::calendar))
        .route("/admin/appointments/{id}/outcome", post(appointments::outcome))
        .route("/admin/appointments/absences", post(appointments::absence))
        .route("/admin/appointments/closures", post(appointments::closure))
        .route("/admin/appointments/hours", post(appointments::hours))
        .route("/admin/privacy/requests", get(privacy_pages::requests).post(privacy_pages::log))
        .route("/admin/privacy/requests/{id}/extend", post(privacy_pages::extend))
        .route("/admin/privacy/requests/{id}/complete", post(privacy_pages::complete))
        .route("/admin/privacy/requests/{id}/verify", post(privacy_pages::verify))
        .route("/admin/privacy/requests/{id}/copy", post(privacy_pages::copy))
        .route("/admin/privacy/consents", get(privacy_pages::consents))
        .route("/admin/privacy/retention", get(privacy_pages::retention))
        .route("/admin/privacy/retention/preview", post(privacy_pages::preview))
        .route("/admin/staff", get(staff_page::list).post(staff_page::create))
        .route("/admin/staff/{id}/role", post(staff_page::change_role))
        .route("/admin/staff/{id}/active", post(staff_page::set_active))
        .route("/admin/staff/{id}/second-factor", post(staff_page::reset_second_factor))
        .merge(catalog_routes())
}

/// The catalog: products, their texts, listing, prices, variants and images.
fn catalog_routes() -> Router<AppState> {
    Router::new()
        .route("/admin/catalog", get(catalog::list))
        .route(
            "/admin/catalog/import",
            get(catalog_import::form)
                .post(catalog_import::upload)
                .layer(DefaultBodyLimit::max(catalog_import::IMPORT_BODY_BYTES)),
        )
        .route("/admin/catalog/new", get(catalog::new_product).post(catalog::create_product))
        .route("/admin/catalog/{slug}", get(catalog::detail))
        .route("/admin/catalog/{slug}/publication", post(catalog::save_publication))
        .route("/admin/catalog/{slug}/duplicate", post(catalog::duplicate))
        .route("/admin/catalog/{slug}/availability", post(catalog::save_availability))
        .route("/admin/catalog/{slug}/tax-class", post(catalog::save_tax_class))
        .route("/admin/catalog/{slug}/collections", post(catalog::file_in_collection))
        .route("/admin/catalog/{slug}/variants", post(catalog::add_variant))
        .route("/admin/catalog/{slug}/variant/details", post(catalog::save_variant_details))
        .route("/admin/catalog/{slug}/images/alt", post(catalog::save_image_alt))
        .route("/admin/collections", get(catalog::collections).post(catalog::create_collection))
        .route("/admin/collections/{slug}/move", post(catalog::move_collection))
        .route("/admin/collections/{slug}/feature", post(catalog::feature_in_collection))
        .route("/admin/catalog/{slug}/text", post(catalog::save_text))
        .route("/admin/catalog/{slug}/listing", post(catalog::save_listing))
        .route("/admin/catalog/{slug}/price", post(catalog::set_price))
        .route("/admin/catalog/{slug}/price/remove", post(catalog::remove_price))
        .route("/admin/catalog/{slug}/variant", post(catalog::save_variant))
        .route(
            "/admin/catalog/{slug}/images",
            post(catalog::upload_image).layer(DefaultBodyLimit::max(catalog::UPLOAD_BODY_BYTES)),
        )
        .route("/admin/catalog/{slug}/images/remove", post(catalog::remove_image))
        .route("/admin/catalog/{slug}/images/move", post(catalog::move_image))
}

/// The sections of the back office (label keys), each shown to the roles that may open it.
const SECTIONS: &[(&str, &str, Permission)] = &[
    ("/admin", "admin.nav.dashboard", Permission::ViewDashboard),
    ("/admin/orders", "admin.nav.orders", Permission::ViewOrders),
    ("/admin/customers", "admin.nav.customers", Permission::ViewCustomers),
    ("/admin/appointments", "admin.nav.appointments", Permission::ViewFittingNotes),
    ("/admin/catalog", "admin.nav.catalog", Permission::ViewCatalog),
    ("/admin/collections", "admin.nav.collections", Permission::ViewCatalog),
    ("/admin/privacy/requests", "admin.nav.privacy_requests", Permission::HandlePrivacyRequests),
    ("/admin/privacy/consents", "admin.nav.consents", Permission::ViewConsents),
    ("/admin/privacy/retention", "admin.nav.retention", Permission::ViewRetention),
    ("/admin/privacy/breaches", "admin.nav.breaches", Permission::ViewBreachRegister),
    ("/admin/audit", "admin.nav.audit", Permission::ViewAudit),
    ("/admin/staff", "admin.nav.staff", Permission::ManageStaff),
    ("/admin/setup", "admin.nav.setup", Permission::ManageStaff),
];

/// A page a handler stops at (refused, unavailable): boxed so `Result<_, Halt>` stays small.
pub struct Halt(Box<Response>);

impl IntoResponse for Halt {
    fn into_response(self) -> Response {
        *self.0
    }
}

impl From<Response> for Halt {
    fn from(response: Response) -> Self {
        Halt(Box::new(response))
    }
}

/// What back-office handlers return: a page, or where they stopped.
pub type PageResult = Result<Response, Halt>;

/// Renders a back-office page (200) in its frame; `current` is the section to highlight in the
/// navigation (`/admin/orders`…).
pub fn page(
    state: &AppState,
    staff: &StaffContext,
    template: &str,
    title: &str,
    current: &str,
    data: Value,
) -> Response {
    render(state, StatusCode::OK, Some(staff), template, title, current, data)
}

/// Renders a template in the back-office frame. Templates run in strict mode: every key a
/// template reads must be present in `data` (use `null` for "none").
pub fn render(
    state: &AppState,
    status: StatusCode,
    staff: Option<&StaffContext>,
    template: &str,
    title: &str,
    current: &str,
    data: Value,
) -> Response {
    let lang = staff.map(|s| s.lang.clone()).unwrap_or_else(|| state.settings().default_lang().clone());
    let t = state.translations();
    let nav: Vec<Value> = staff
        .map(|s| {
            SECTIONS
                .iter()
                .filter(|(_, _, p)| s.allows(*p))
                .map(|(href, label, _)| {
                    json!({"href": href, "label": t.text(&lang, label, &[]), "current": *href == current})
                })
                .collect()
        })
        .unwrap_or_default();
    let context = json!({
        "shop": {"name": state.settings().name},
        "assets": {"css": versioned_url("admin.css")},
        "title": title,
        "nav": nav,
        "staff": staff.map(|s| json!({
            "name": s.member.display_name,
            "username": s.member.username,
            "role": t.text(&lang, &format!("admin.role.{}", s.role.as_str()), &[]),
            "csrf": s.csrf,
        })),
        "data": data,
        "t": t.all(&lang),
        "lang": lang.as_str(),
    });
    match state.views().render(template, &context) {
        Ok(html) => (status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response(),
        Err(error) => {
            tracing::error!(template, error = %error, "back-office template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "The page could not be shown.").into_response()
        }
    }
}

impl StaffContext {
    /// Writes an audit entry for this member; on failure the page is refused (503), so no
    /// access goes unrecorded.
    pub async fn audit(
        &self,
        state: &AppState,
        action: &str,
        subject_kind: &str,
        subject_id: &str,
        reason: Option<&str>,
    ) -> Result<(), Halt> {
        let actor = self.actor();
        let event = AuditEvent { actor: &actor, client: &self.client, action, subject_kind, subject_id, reason };
        match audit_trail::record(state.db(), state.clock().now(), event).await {
            Ok(_) => Ok(()),
            Err(error) => {
                tracing::error!(error = %error, "audit log append failed");
                Err(Halt::from(
                    (StatusCode::SERVICE_UNAVAILABLE, "The audit log is unavailable; nothing was shown or changed.")
                        .into_response(),
                ))
            }
        }
    }
}

/// The answer when the database fails under a page.
pub fn unavailable() -> Halt {
    Halt::from(
        (StatusCode::SERVICE_UNAVAILABLE, "The back office is unavailable for a moment; try again.").into_response(),
    )
}

/// A page that says one thing (an error or a confirmation).
pub fn message(
    state: &AppState,
    status: StatusCode,
    staff: Option<&StaffContext>,
    title: &str,
    text: &str,
) -> Response {
    render(state, status, staff, "admin/message.html", title, "", json!({"text": text}))
}

async fn dashboard(state: axum::extract::State<AppState>, staff: StaffContext) -> Response {
    if !staff.allows(Permission::ViewDashboard) {
        // Roles without the dashboard land on their first section.
        let first = SECTIONS.iter().find(|(_, _, p)| staff.allows(*p)).map(|(href, _, _)| *href);
        return match first {
            Some(href) if href != "/admin" => axum::response::Redirect::to(href).into_response(),
            _ => session::forbidden(),
        };
    }
    dashboard::show(state, staff).await.into_response()
}
