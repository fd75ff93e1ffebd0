//! Customers in the back office: a plain list of the newest accounts and guests, a customer's
//! or a guest's profile
//! (account, orders, consents, privacy requests), the communication records held for them, and
//! the privacy actions — the access copy and erasure — through the same engines the customer's
//! own requests use. Each look and each action is written to the audit log first.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use luxevault_core::Timestamp;
use luxevault_core::order::Actor;
use luxevault_core::staff::Permission;
use luxevault_storage::{Accounts, Consents, Holder, Orders, PersonKind, PrivacyRequests, StaffPages};
use serde::Deserialize;
use serde_json::{Value, json};

use super::orders::{amount, not_found, parse_id, when};
use super::session::StaffForm;
use super::{Halt, PageResult, StaffContext, message, page, render, unavailable};
use crate::state::AppState;
use luxevault_shop::orders::moves::valid_reason;
use luxevault_shop::outbox::{EMAIL_JOB, EmailJob};

const LIST_SIZE: u32 = 50;

#[derive(Deserialize, Default)]
pub struct CustomerQuery {
    /// The start of a username or an email address.
    #[serde(default)]
    q: String,
    #[serde(default)]
    after: String,
}

/// Accounts, newest first, a page at a time; browsing is a link, searching (by the start of a
/// username or email) a posted form, so no name or address ever sits in a URL. Each list is
/// written to the audit log.
pub async fn list(
    State(state): State<AppState>,
    staff: StaffContext,
    Query(mut query): Query<CustomerQuery>,
) -> PageResult {
    query.q.clear();
    list_customers(&state, &staff, &query).await
}

pub async fn search(State(state): State<AppState>, StaffForm { staff, form }: StaffForm<CustomerQuery>) -> PageResult {
    list_customers(&state, &staff, &form).await
}

async fn list_customers(state: &AppState, staff: &StaffContext, query: &CustomerQuery) -> PageResult {
    staff.require(Permission::ViewCustomers)?;
    let term = query.q.trim();
    let action = if term.is_empty() { "customers.list" } else { "customers.search" };
    staff.audit(state, action, "customer", "*", None).await?;
    let shows_email = staff.allows(Permission::ViewCustomerContact);
    let term = (!term.is_empty()).then(|| term.to_lowercase());
    let after = luxevault_storage::Cursor::decode(query.after.trim());
    // Accounts and guests in one list and one cursor: a guest (orders without an account under
    // one email) appears once, by their latest order, and is named only to roles that see
    // contacts (an account by its username, as before).
    let found = luxevault_storage::BackOffice::people(state.db(), term.as_deref(), after, LIST_SIZE)
        .await
        .map_err(|_| unavailable())?;
    let rows: Vec<Value> = found
        .items
        .iter()
        .map(|c| match c.kind {
            PersonKind::Account => json!({
                "id": c.id, "guest": false,
                "username": c.label.expose(), "email": shows_email.then(|| c.email.expose().clone()),
                "orders": c.order_count, "created": when(state, c.at), "last_active": when(state, c.last_active_at),
            }),
            PersonKind::Guest => json!({
                "id": c.id, "guest": true,
                "username": if shows_email { c.label.expose().clone() } else { staff.t(state, "admin.customers.guest") },
                "email": shows_email.then(|| c.email.expose().clone()),
                "orders": c.order_count, "created": when(state, c.at), "last_active": when(state, c.last_active_at),
            }),
        })
        .collect();
    let next = found.next.map(|cursor| json!({"q": query.q.trim(), "after": cursor.encode()}));
    let data = json!({
        "customers": rows,
        "next": next,
        "first_page": query.after.trim().is_empty(),
        "shows_email": shows_email,
        "q": query.q.trim(),
    });
    Ok(page(state, staff, "admin/customers.html", &staff.t(state, "admin.customers.title"), "/admin/customers", data))
}

/// A guest's page: the orders placed without an account under one email (case-insensitively),
/// reached by the id of any of them (no address in the URL), and their contact as on the latest
/// order — with the permissions of a customer's page, and audited as one.
pub async fn guest(State(state): State<AppState>, staff: StaffContext, Path(id): Path<String>) -> PageResult {
    staff.require(Permission::ViewCustomers)?;
    let id = parse_id(&state, &staff, &id, "customer")?;
    let db = state.db();
    let order = Orders::by_id(db, id)
        .await
        .map_err(|_| unavailable())?
        .filter(|o| o.customer_id.is_none() && !o.email.expose().is_empty())
        .ok_or_else(|| not_found(&state, &staff, "customer"))?;
    staff.audit(&state, "guest.view", "order", &id.to_string(), None).await?;
    let orders = Orders::for_guest(db, &luxevault_core::pii::email_key(order.email.expose()), 200)
        .await
        .map_err(|_| unavailable())?;
    let latest = orders.first().unwrap_or(&order);
    let contact = staff.allows(Permission::ViewCustomerContact);
    let rows: Vec<Value> = orders
        .iter()
        .map(|o| {
            json!({"id": o.id, "number": o.number, "status": o.status.as_str(),
                   "status_label": super::orders::status_label(&state, &staff, o.status.as_str()), "placed": when(&state, o.created_at),
                   "total": amount(&state, o.total_minor, &o.currency)})
        })
        .collect();
    let holder = Holder::Guest(luxevault_core::pii::email_key(order.email.expose()));
    let sizing = super::sizing::section(&state, &staff, &holder, &format!("/admin/guests/{id}/sizing")).await?;
    let data = json!({
        "sizing": sizing,
        "guest": {
            "id": latest.id,
            "name": contact.then(|| latest.name.expose().clone()),
            "email": contact.then(|| latest.email.expose().clone()),
            "phone": contact.then(|| latest.phone.expose().clone()),
            "first": orders.last().map(|o| when(&state, o.created_at)),
            "latest": when(&state, latest.created_at),
        },
        "orders": rows,
    });
    Ok(page(&state, &staff, "admin/guest.html", &staff.t(&state, "admin.guest.title"), "/admin/customers", data))
}

#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    reason: String,
}

/// Corrects an account's email at the holder's request (Art. 16): audited with its reason, the
/// recipients of the account's mail told (Art. 19), through the shop's use case.
pub async fn correct_email(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm<EmailForm>,
) -> PageResult {
    use luxevault_shop::orders::contact::{Corrector, correct_account_email};
    staff.require(Permission::ViewCustomerContact)?;
    staff.require(Permission::CorrectCustomerData)?;
    let id = parse_id(&state, &staff, &id, "customer")?;
    let actor = staff.actor();
    let who = Corrector { actor: &actor, client: &staff.client };
    match correct_account_email(&state, id, &form.email, &form.reason, &who).await {
        Ok(()) => Ok(axum::response::Redirect::to(&format!("/admin/customers/{id}")).into_response()),
        Err(error) => {
            let error = crate::error::ApiError::from(error);
            Err(Halt::from(message(
                &state,
                error.status,
                Some(&staff),
                &staff.t(&state, "admin.not_done"),
                &error.message,
            )))
        }
    }
}

fn request_row(row: &luxevault_storage::PrivacyRequestRow, now: Timestamp, with_contact: bool) -> Value {
    let mut value = crate::present::request_view(row, now, with_contact);
    if let Some(map) = value.as_object_mut() {
        map.entry("contact").or_insert(Value::Null);
        for key in ["received_at", "due_at", "target_at"] {
            let short = map.get(key).and_then(Value::as_str).map(|t| t.chars().take(10).collect::<String>());
            map.insert(format!("{key}_day"), json!(short));
        }
    }
    value
}

/// A customer's profile.
pub async fn profile(State(state): State<AppState>, staff: StaffContext, Path(id): Path<String>) -> PageResult {
    staff.require(Permission::ViewCustomers)?;
    let id = parse_id(&state, &staff, &id, "customer")?;
    let db = state.db();
    let account = Accounts::by_id(db, id)
        .await
        .map_err(|_| unavailable())?
        .ok_or_else(|| not_found(&state, &staff, "customer"))?;
    staff.audit(&state, "customer.view", "customer", &id.to_string(), None).await?;
    let (created, active, _) = Accounts::dates(db, id).await.map_err(|_| unavailable())?.unwrap_or_default();
    let orders: Vec<Value> = Orders::for_customer(db, id, 50)
        .await
        .map_err(|_| unavailable())?
        .iter()
        .map(|o| {
            json!({"id": o.id, "number": o.number, "status": o.status.as_str(),
                   "status_label": super::orders::status_label(&state, &staff, o.status.as_str()), "placed": when(&state, o.created_at),
                   "total": amount(&state, o.total_minor, &o.currency)})
        })
        .collect();
    let consents: Vec<Value> = Consents::of_customer(db, id)
        .await
        .map_err(|_| unavailable())?
        .into_iter()
        .rev()
        .map(|c| {
            json!({"purpose": c.purpose, "granted": c.granted, "at": when(&state, Timestamp(c.at)),
                   "policy_version": c.policy_version, "source": c.source, "method": c.method})
        })
        .collect();
    let now = state.clock().now();
    let contact = staff.allows(Permission::ViewCustomerContact);
    let requests: Vec<Value> = PrivacyRequests::of_customer(db, id)
        .await
        .map_err(|_| unavailable())?
        .iter()
        .map(|r| request_row(r, now, contact))
        .collect();
    let sessions = StaffPages::customer_sessions(db, id).await.map_err(|_| unavailable())?;
    let sizing =
        super::sizing::section(&state, &staff, &Holder::Customer(id), &format!("/admin/customers/{id}/sizing")).await?;
    let data = json!({
        "customer": {
            "id": id, "username": account.username.expose(),
            "email": if contact { Some(account.email.expose()) } else { None },
            "lang": account.lang, "created": when(&state, Timestamp(created)), "last_active": when(&state, Timestamp(active)),
            "sessions": sessions,
        },
        "orders": orders,
        "consents": consents,
        "requests": requests,
        "sizing": sizing,
        "can": {
            "messages": staff.allows(Permission::ViewCustomerMessages),
            "export": staff.allows(Permission::ExportCustomerData),
            "erase": staff.allows(Permission::EraseCustomerData),
            "correct": contact && staff.allows(Permission::CorrectCustomerData),
        },
    });
    Ok(page(&state, &staff, "admin/customer.html", &staff.t(&state, "admin.customer.title"), "/admin/customers", data))
}

/// What an email job is, in words (never its secret: a reset token or a code stays in the job).
fn email_label(template: &EmailJob) -> &'static str {
    match template {
        EmailJob::Welcome { .. } => "Welcome",
        EmailJob::RequestCode { .. } => "Privacy request: verification code",
        EmailJob::RequestExtended { .. } => "Privacy request: extension notice",
        EmailJob::InactivityWarning { .. } => "Inactivity warning (account to be deleted)",
        EmailJob::PasswordReset { .. } => "Password reset link",
        EmailJob::OrderConfirmation { .. } => "Order confirmation",
        EmailJob::PaymentReceived { .. } => "Payment received",
        EmailJob::OrderCancelled { .. } => "Order cancelled",
        EmailJob::OrderRefunded { .. } => "Order refunded",
        EmailJob::OrderLink { .. } => "Fresh link to an order",
        EmailJob::RecipientNotice { .. } => "Notice to a recipient of the data (Art. 19)",
        EmailJob::Marketing { .. } => "Marketing email (opted in)",
        EmailJob::RestrictionLifting { .. } => "Notice before a restriction is lifted",
        EmailJob::AlterationReady { .. } => "Alteration ready to collect",
        EmailJob::AppointmentConfirmation { .. } => "Appointment confirmation (with invitation)",
        EmailJob::AppointmentReminder { .. } => "Appointment reminder",
        EmailJob::AppointmentCancelled { .. } => "Appointment cancelled",
    }
}

fn template_name(template: &EmailJob) -> &'static str {
    match template {
        EmailJob::Welcome { .. } => "welcome",
        EmailJob::RequestCode { .. } => "request_code",
        EmailJob::RequestExtended { .. } => "request_extended",
        EmailJob::InactivityWarning { .. } => "inactivity_warning",
        EmailJob::PasswordReset { .. } => "password_reset",
        EmailJob::OrderConfirmation { .. } => "order_confirmation",
        EmailJob::PaymentReceived { .. } => "payment_received",
        EmailJob::OrderCancelled { .. } => "order_cancelled",
        EmailJob::OrderRefunded { .. } => "order_refunded",
        EmailJob::OrderLink { .. } => "order_link",
        EmailJob::RecipientNotice { .. } => "recipient_notice",
        EmailJob::Marketing { .. } => "marketing",
        EmailJob::RestrictionLifting { .. } => "restriction_lifting",
        EmailJob::AlterationReady { .. } => "alteration_ready",
        EmailJob::AppointmentConfirmation { .. } => "appointment_confirmation",
        EmailJob::AppointmentReminder { .. } => "appointment_reminder",
        EmailJob::AppointmentCancelled { .. } => "appointment_cancelled",
    }
}

/// The communication records held for a customer: the emails in the queue (waiting, retrying
/// or given up) about them, their orders or their requests, and the correspondence of their
/// privacy requests.
pub async fn messages(State(state): State<AppState>, staff: StaffContext, Path(id): Path<String>) -> PageResult {
    staff.require(Permission::ViewCustomerMessages)?;
    let id = parse_id(&state, &staff, &id, "customer")?;
    let db = state.db();
    if Accounts::by_id(db, id).await.map_err(|_| unavailable())?.is_none() {
        return Err(not_found(&state, &staff, "customer"));
    }
    staff.audit(&state, "customer.messages.view", "customer", &id.to_string(), None).await?;
    let orders = Orders::for_customer(db, id, 200).await.map_err(|_| unavailable())?;
    let requests = PrivacyRequests::of_customer(db, id).await.map_err(|_| unavailable())?;
    let mut subjects = vec![id];
    subjects.extend(orders.iter().map(|o| o.id));
    subjects.extend(requests.iter().map(|r| r.id));
    let mut jobs = Vec::new();
    for subject in subjects {
        for job in StaffPages::jobs_naming(db, EMAIL_JOB, subject, 50).await.map_err(|_| unavailable())? {
            if !jobs.iter().any(|(j, _): &(luxevault_storage::QueuedJob, EmailJob)| j.id == job.id)
                && let Ok(template) = serde_json::from_str::<EmailJob>(&job.payload)
            {
                jobs.push((job, template));
            }
        }
    }
    jobs.sort_by_key(|(j, _)| std::cmp::Reverse(j.created_at));
    let emails: Vec<Value> = jobs
        .iter()
        .map(|(job, template)| {
            let status = match (job.failed_at, job.attempts) {
                (Some(_), _) => "given up",
                (None, 0) => "queued",
                (None, _) => "retrying",
            };
            json!({
                "label": email_label(template), "template": template_name(template),
                "queued": when(&state, Timestamp(job.created_at)), "next_try": when(&state, Timestamp(job.run_at)),
                "attempts": job.attempts, "max_attempts": job.max_attempts, "status": status,
            })
        })
        .collect();
    let now = state.clock().now();
    let correspondence: Vec<Value> = requests.iter().map(|r| request_row(r, now, false)).collect();
    let data = json!({"customer": {"id": id}, "emails": emails, "requests": correspondence});
    Ok(page(&state, &staff, "admin/customer_messages.html", "Communication records", "/admin/customers", data))
}

#[derive(Deserialize)]
pub struct PrivacyActionForm {
    #[serde(default)]
    reason: String,
    /// Erasure: the customer's username, typed again.
    #[serde(default)]
    confirm: String,
}

fn needs(state: &AppState, staff: &StaffContext, title: &str, text: &str) -> Halt {
    Halt::from(message(state, StatusCode::UNPROCESSABLE_ENTITY, Some(staff), title, text))
}

/// Downloads the customer's access copy — the document the customer gets themselves — for a
/// request made another way. A reason is required and recorded.
pub async fn export(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm<PrivacyActionForm>,
) -> PageResult {
    staff.require(Permission::ExportCustomerData)?;
    let id = parse_id(&state, &staff, &id, "customer")?;
    let reason = valid_reason(&form.reason).ok_or_else(|| {
        needs(&state, &staff, "A reason is needed", "Say why the copy is made (1 to 200 characters).")
    })?;
    if Accounts::by_id(state.db(), id).await.map_err(|_| unavailable())?.is_none() {
        return Err(not_found(&state, &staff, "customer"));
    }
    staff.audit(&state, "privacy.export", "customer", &id.to_string(), Some(&reason)).await?;
    let document = luxevault_shop::privacy::rights::export_document(&state, id).await.map_err(|_| unavailable())?;
    let mut response = Json(document).into_response();
    let headers = response.headers_mut();
    headers
        .insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"customer-data.json\""));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Erases the customer with the engine of the customer's own erasure. A reason and the
/// customer's username typed again are required.
pub async fn erase(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm<PrivacyActionForm>,
) -> PageResult {
    staff.require(Permission::EraseCustomerData)?;
    let id = parse_id(&state, &staff, &id, "customer")?;
    let reason = valid_reason(&form.reason).ok_or_else(|| {
        needs(&state, &staff, "A reason is needed", "Say why the data is erased (1 to 200 characters).")
    })?;
    let account = Accounts::by_id(state.db(), id)
        .await
        .map_err(|_| unavailable())?
        .ok_or_else(|| not_found(&state, &staff, "customer"))?;
    if form.confirm.trim().to_lowercase() != account.username.expose().to_lowercase() {
        return Err(needs(
            &state,
            &staff,
            "Confirmation needed",
            "Type the customer's username exactly to confirm the erasure. Nothing was erased.",
        ));
    }
    staff.audit(&state, "privacy.erase", "customer", &id.to_string(), Some(&reason)).await?;
    let outcome = luxevault_shop::privacy::rights::erase_account(&state, id, Actor::Staff(staff.member.id.to_string()))
        .await
        .map_err(|_| unavailable())?;
    let data = json!({"erased": outcome.erased, "kept": outcome.kept});
    Ok(render(&state, StatusCode::OK, Some(&staff), "admin/erased.html", "Customer erased", "/admin/customers", data))
}
