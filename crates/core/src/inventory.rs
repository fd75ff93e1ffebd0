//! The data inventory, as code: every column of every table the migrations create, with what it
//! holds. A column of personal data names its data category, the purposes it serves and where it
//! comes from (M2, M4, P8); a credential or a hash of one is a secret, never exported; anything
//! else says it is not personal. The categories and purposes are the policy file's own ids, and
//! [`check_against`] proves the policy declares each one and lets each purpose use the category.
//!
//! An integration test compares this list with the real schema on both databases: a column stored
//! without a declaration here fails the build, and so does a declaration of a column that is gone.
//!
//! How columns are classified:
//! - a column whose value, on its row, says something about a person — who they are, how to reach
//!   them, what they ordered, where it goes, when they did something — is personal, and so is an
//!   id that points at a person (a customer id, wherever it is copied), because it links the row
//!   to them;
//! - the surrogate keys of records that are not people (order ids, line positions) are not;
//! - a credential, a hash of one, or a keyed hash of a personal identifier is a secret: it is
//!   personal-adjacent, erased with its person, and never exported, shown or logged;
//! - purposes are the uses the code has for the column today, and nothing is kept for
//!   `legal_compliance` that the retention engine does not keep after anonymising an order.
//!
//! No I/O here.

use std::collections::HashSet;

use crate::policy::{Policy, Source};

/// One column of one table, and what it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnDeclaration {
    pub table: &'static str,
    pub column: &'static str,
    pub kind: DataKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataKind {
    /// Personal data of a category of the policy file (e.g. "contact"), used for the listed
    /// purposes (e.g. "order_fulfilment"), from the given source (M4).
    Personal { category: &'static str, purposes: &'static [&'static str], source: Source },
    /// A credential or a hash of one (password hash, token hash, a keyed hash of an email or an
    /// address): personal-adjacent when it belongs to someone, never exported, shown or logged.
    Secret,
    /// Holds nothing about a person: the catalog, counters, queue bookkeeping, purge logs.
    NotPersonal,
    /// About the shop's own staff (their back-office accounts and sessions): governed by the
    /// house's notice to its employees, not by the customer privacy policy, never exported to
    /// customers; credentials among them are stored hashed or kept out of every page and log.
    Staff,
}

impl ColumnDeclaration {
    pub fn is_personal(&self) -> bool {
        matches!(self.kind, DataKind::Personal { .. })
    }
}

const fn personal(
    table: &'static str,
    column: &'static str,
    category: &'static str,
    purposes: &'static [&'static str],
    source: Source,
) -> ColumnDeclaration {
    ColumnDeclaration { table, column, kind: DataKind::Personal { category, purposes, source } }
}

const fn secret(table: &'static str, column: &'static str) -> ColumnDeclaration {
    ColumnDeclaration { table, column, kind: DataKind::Secret }
}

const fn staff(table: &'static str, column: &'static str) -> ColumnDeclaration {
    ColumnDeclaration { table, column, kind: DataKind::Staff }
}

const fn not_personal(table: &'static str, column: &'static str) -> ColumnDeclaration {
    ColumnDeclaration { table, column, kind: DataKind::NotPersonal }
}

use Source::{Automatic, Providers, ThePerson};

// The purposes of the columns below, by use.
/// A boutique appointment the person asked for: steps at their request before a contract (M3).
const SERVICE_REQUEST: &[&str] = &["service_requests"];
/// An account: signing in, following one's orders, managing one's details, and the emails about
/// it (welcome, password reset, inactivity warning).
const ACCOUNT: &[&str] = &["order_fulfilment", "website_operation"];
/// Sessions, reset links and their times: signing in and keeping accounts safe.
const ACCOUNT_SECURITY: &[&str] = &["fraud_prevention", "website_operation"];
/// When an account was opened, last active, warned before deletion: keeping and deleting it on time.
const ACCOUNT_LOG: &[&str] = &["website_operation"];
/// Who and where an order goes to: delivering it, and the confirmation and updates that recap them.
const RECIPIENT: &[&str] = &["order_fulfilment", "order_updates"];
/// The country of delivery: also kept with the anonymised order, for tax law (the place of supply).
const DELIVERY_COUNTRY: &[&str] = &["order_fulfilment", "order_updates", "legal_compliance"];
/// What was ordered, for how much, and what happened to it: kept 7 years, anonymised.
const ORDER: &[&str] = &["order_fulfilment", "order_updates", "legal_compliance"];
/// What the payment provider reports about an order's payment.
const PAYMENT: &[&str] = &["order_fulfilment"];
/// Failed sign-in and reset attempts, counted to slow down guessing.
const THROTTLING: &[&str] = &["fraud_prevention"];
/// Records kept to prove what the house did: consents (GDPR Art. 7(1)) and rights requests
/// (Art. 12, 5(2)).
const CONSENT_PROOF: &[&str] = &["legal_compliance"];
/// The audit log's pointer to whose data a staff member looked at or changed: securing the records
/// (P18) and proving how they were handled (Art. 5(2)).
const AUDIT_TRAIL: &[&str] = &["website_operation", "legal_compliance"];
/// Page views of the shop's own, cookieless analytics.
const ANALYTICS: &[&str] = &["website_analytics"];
/// A client's sizing profile and the alterations of their pieces: boutique service requests
/// (fittings, sizing, alterations), asked by the person before or around a contract (M3).
const SERVICE: &[&str] = &["service_requests", "website_operation"];

/// Every column of every table of the schema (migrations 0001 onwards), in migration order.
pub const INVENTORY: &[ColumnDeclaration] = &[
    // 0001: the catalog — the shop's own data, about no one.
    not_personal("catalog_state", "id"),
    not_personal("catalog_state", "version"),
    not_personal("catalog_state", "updated_at"),
    not_personal("currencies", "code"),
    not_personal("currencies", "rate"),
    not_personal("currencies", "rounding_minor"),
    not_personal("currencies", "is_base"),
    not_personal("currencies", "position"),
    not_personal("currencies", "updated_at"),
    not_personal("colours", "code"),
    not_personal("colours", "hex"),
    not_personal("colour_names", "colour_code"),
    not_personal("colour_names", "lang"),
    not_personal("colour_names", "name"),
    not_personal("collections", "id"),
    not_personal("collections", "slug"),
    not_personal("collections", "image"),
    not_personal("collections", "position"),
    not_personal("collections", "created_at"),
    not_personal("collection_texts", "collection_id"),
    not_personal("collection_texts", "lang"),
    not_personal("collection_texts", "name"),
    not_personal("collection_texts", "description"),
    not_personal("products", "id"),
    not_personal("products", "slug"),
    not_personal("products", "availability"),
    not_personal("products", "featured"),
    not_personal("products", "position"),
    not_personal("products", "created_at"),
    not_personal("products", "updated_at"),
    not_personal("product_texts", "product_id"),
    not_personal("product_texts", "lang"),
    not_personal("product_texts", "name"),
    not_personal("product_texts", "subtitle"),
    not_personal("product_texts", "description"),
    not_personal("product_texts", "details"),
    not_personal("product_collections", "product_id"),
    not_personal("product_collections", "collection_id"),
    not_personal("product_collections", "position"),
    not_personal("product_images", "product_id"),
    not_personal("product_images", "position"),
    not_personal("product_images", "src"),
    not_personal("variants", "id"),
    not_personal("variants", "product_id"),
    not_personal("variants", "sku"),
    not_personal("variants", "colour_code"),
    not_personal("variants", "size"),
    not_personal("variants", "stock"),
    not_personal("variants", "availability"),
    not_personal("variants", "position"),
    not_personal("product_prices", "product_id"),
    not_personal("product_prices", "currency"),
    not_personal("product_prices", "amount_minor"),
    // 0002: accounts (P3: username, email, a one-way password hash).
    personal("customers", "id", "identification", ACCOUNT, ThePerson),
    personal("customers", "username", "identification", ACCOUNT, ThePerson),
    personal("customers", "username_key", "identification", ACCOUNT, ThePerson),
    personal("customers", "email", "contact", ACCOUNT, ThePerson),
    personal("customers", "email_key", "contact", ACCOUNT, ThePerson),
    secret("customers", "password_hash"),
    // The language the person wants us to write in.
    personal("customers", "lang", "contact", ACCOUNT, ThePerson),
    personal("customers", "created_at", "device_and_log", ACCOUNT_LOG, Automatic),
    personal("customers", "last_active_at", "device_and_log", ACCOUNT_LOG, Automatic),
    personal("customers", "password_changed_at", "device_and_log", ACCOUNT_SECURITY, Automatic),
    secret("customer_sessions", "token_hash"),
    personal("customer_sessions", "customer_id", "identification", ACCOUNT, ThePerson),
    personal("customer_sessions", "created_at", "device_and_log", ACCOUNT_SECURITY, Automatic),
    personal("customer_sessions", "last_seen_at", "device_and_log", ACCOUNT_SECURITY, Automatic),
    personal("customer_sessions", "expires_at", "device_and_log", ACCOUNT_SECURITY, Automatic),
    secret("password_resets", "token_hash"),
    personal("password_resets", "customer_id", "identification", ACCOUNT, ThePerson),
    personal("password_resets", "created_at", "device_and_log", ACCOUNT_SECURITY, Automatic),
    personal("password_resets", "expires_at", "device_and_log", ACCOUNT_SECURITY, Automatic),
    personal("password_resets", "used_at", "device_and_log", ACCOUNT_SECURITY, Automatic),
    // The key is an HMAC of an email or an address under the installation's key, never the value.
    secret("throttles", "key"),
    personal("throttles", "failures", "device_and_log", THROTTLING, Automatic),
    personal("throttles", "window_started_at", "device_and_log", THROTTLING, Automatic),
    personal("throttles", "blocked_until", "device_and_log", THROTTLING, Automatic),
    not_personal("order_counters", "series"),
    not_personal("order_counters", "last_number"),
    // Orders: the order data of the privacy policy (P2) and the order itself.
    not_personal("boutiques", "id"),
    not_personal("boutiques", "slug"),
    not_personal("boutiques", "name"),
    not_personal("boutiques", "address"),
    not_personal("boutiques", "time_zone"),
    not_personal("boutiques", "hours"),
    not_personal("boutiques", "position"),
    not_personal("boutiques", "created_at"),
    not_personal("boutique_closures", "boutique_id"),
    not_personal("boutique_closures", "day"),
    not_personal("services", "id"),
    not_personal("services", "slug"),
    not_personal("services", "names"),
    not_personal("services", "duration_minutes"),
    not_personal("services", "position"),
    not_personal("services", "active"),
    // Associates appear to clients by the first name they choose; their calendar is the house's.
    not_personal("associates", "id"),
    not_personal("associates", "boutique_id"),
    not_personal("associates", "display_name"),
    not_personal("associates", "staff_id"),
    not_personal("associates", "hours"),
    not_personal("associates", "active"),
    not_personal("associate_services", "associate_id"),
    not_personal("associate_services", "service_id"),
    not_personal("associate_absences", "id"),
    not_personal("associate_absences", "associate_id"),
    not_personal("associate_absences", "starts_at"),
    not_personal("associate_absences", "ends_at"),
    not_personal("appointments", "id"),
    not_personal("appointments", "boutique_id"),
    not_personal("appointments", "service_id"),
    not_personal("appointments", "associate_id"),
    personal("appointments", "starts_at", "fitting_and_sizing", SERVICE_REQUEST, ThePerson),
    personal("appointments", "ends_at", "fitting_and_sizing", SERVICE_REQUEST, ThePerson),
    personal("appointments", "status", "fitting_and_sizing", SERVICE_REQUEST, ThePerson),
    personal("appointments", "name", "identification", SERVICE_REQUEST, ThePerson),
    personal("appointments", "email", "contact", SERVICE_REQUEST, ThePerson),
    personal("appointments", "email_key", "contact", SERVICE_REQUEST, ThePerson),
    personal("appointments", "phone", "contact", SERVICE_REQUEST, ThePerson),
    personal("appointments", "piece", "fitting_and_sizing", SERVICE_REQUEST, ThePerson),
    personal("appointments", "note", "communication_records", SERVICE_REQUEST, ThePerson),
    personal("appointments", "lang", "fitting_and_sizing", SERVICE_REQUEST, ThePerson),
    personal("appointments", "client_time_zone", "fitting_and_sizing", SERVICE_REQUEST, ThePerson),
    not_personal("appointments", "legal_basis"),
    not_personal("appointments", "idempotency_key"),
    not_personal("appointments", "request_hash"),
    not_personal("appointments", "reminded_for"),
    not_personal("appointments", "created_at"),
    not_personal("appointments", "updated_at"),
    not_personal("appointments", "anonymised_at"),
    not_personal("appointment_blocks", "associate_id"),
    not_personal("appointment_blocks", "block_at"),
    not_personal("appointment_blocks", "appointment_id"),
    not_personal("orders", "id"),
    personal("orders", "number", "order_details", ORDER, ThePerson),
    // Cleared when the order is anonymised: the account's link to it does not outlive the account.
    personal("orders", "customer_id", "identification", ACCOUNT, ThePerson),
    personal("orders", "status", "order_details", ORDER, ThePerson),
    personal("orders", "currency", "order_details", ORDER, ThePerson),
    personal("orders", "subtotal_minor", "order_details", ORDER, ThePerson),
    personal("orders", "total_minor", "order_details", ORDER, ThePerson),
    // The language the order was placed in, and its emails are written in.
    personal("orders", "lang", "order_details", ORDER, ThePerson),
    personal("orders", "name", "identification", RECIPIENT, ThePerson),
    personal("orders", "email", "contact", RECIPIENT, ThePerson),
    personal("orders", "email_key", "contact", RECIPIENT, ThePerson),
    personal("orders", "phone", "contact", RECIPIENT, ThePerson),
    personal("orders", "address_line1", "delivery", RECIPIENT, ThePerson),
    personal("orders", "address_line2", "delivery", RECIPIENT, ThePerson),
    personal("orders", "city", "delivery", RECIPIENT, ThePerson),
    personal("orders", "postcode", "delivery", RECIPIENT, ThePerson),
    personal("orders", "country", "delivery", DELIVERY_COUNTRY, ThePerson),
    // Which provider the person chose to pay with ("stripe", "demo").
    personal("orders", "payment_provider", "order_details", ORDER, ThePerson),
    personal("orders", "payment_session_id", "payment_status", PAYMENT, Providers),
    personal("orders", "payment_id", "payment_status", PAYMENT, Providers),
    personal("orders", "payment_url", "payment_status", PAYMENT, Providers),
    // A key the browser made up for one checkout, so a retry does not order twice.
    not_personal("orders", "idempotency_key"),
    // SHA-256 of the checkout request: name, email, phone, address and lines.
    secret("orders", "request_hash"),
    personal("orders", "created_at", "order_details", ORDER, ThePerson),
    personal("orders", "updated_at", "order_details", ORDER, ThePerson),
    not_personal("order_lines", "order_id"),
    not_personal("order_lines", "position"),
    personal("order_lines", "sku", "order_details", ORDER, ThePerson),
    personal("order_lines", "product_slug", "order_details", ORDER, ThePerson),
    personal("order_lines", "name", "order_details", ORDER, ThePerson),
    personal("order_lines", "variant_label", "order_details", ORDER, ThePerson),
    personal("order_lines", "quantity", "order_details", ORDER, ThePerson),
    personal("order_lines", "unit_minor", "order_details", ORDER, ThePerson),
    personal("order_lines", "total_minor", "order_details", ORDER, ThePerson),
    // What delivery and tax the order was charged (0014).
    personal("orders", "shipping_code", "order_details", ORDER, ThePerson),
    personal("orders", "shipping_name", "order_details", ORDER, ThePerson),
    personal("orders", "shipping_minor", "order_details", ORDER, ThePerson),
    personal("orders", "tax_minor", "order_details", ORDER, ThePerson),
    personal("orders", "tax_included", "order_details", ORDER, ThePerson),
    personal("orders", "duties_paid", "order_details", ORDER, ThePerson),
    not_personal("order_tax_lines", "order_id"),
    not_personal("order_tax_lines", "position"),
    personal("order_tax_lines", "name", "order_details", ORDER, ThePerson),
    personal("order_tax_lines", "rate_bp", "order_details", ORDER, ThePerson),
    personal("order_tax_lines", "base_minor", "order_details", ORDER, ThePerson),
    personal("order_tax_lines", "amount_minor", "order_details", ORDER, ThePerson),
    // 0024: what was refunded of an order, one record per refund. Staff's reason is free text
    // about the person's order (erased with it, like the history's); the provider's refund id
    // leads to the provider's record of the person (erased with the other payment references).
    personal("orders", "refunded_minor", "order_details", ORDER, ThePerson),
    not_personal("order_refunds", "id"),
    not_personal("order_refunds", "order_id"),
    personal("order_refunds", "amount_minor", "order_details", ORDER, ThePerson),
    personal("order_refunds", "reason", "order_details", ORDER, ThePerson),
    personal("order_refunds", "state", "order_details", ORDER, ThePerson),
    personal("order_refunds", "provider_refund_id", "payment_status", PAYMENT, Providers),
    personal("order_refunds", "actor", "order_details", ORDER, ThePerson),
    personal("order_refunds", "created_at", "order_details", ORDER, ThePerson),
    personal("order_refunds", "settled_at", "order_details", ORDER, ThePerson),
    // 0024: the answers of requests made under an Idempotency-Key (order moves by staff): ids,
    // statuses and error sentences, never personal data; kept a day.
    not_personal("request_replays", "scope"),
    not_personal("request_replays", "idem_key"),
    not_personal("request_replays", "request_hash"),
    not_personal("request_replays", "status"),
    not_personal("request_replays", "body"),
    not_personal("request_replays", "created_at"),
    // The house itself (a company, set by `luxevault init`), its delivery terms and tax rates.
    not_personal("shop_profile", "id"),
    not_personal("shop_profile", "name"),
    not_personal("shop_profile", "legal_name"),
    not_personal("shop_profile", "address"),
    not_personal("shop_profile", "vat_number"),
    not_personal("shop_profile", "country"),
    not_personal("shop_profile", "time_zone"),
    not_personal("shop_profile", "languages"),
    not_personal("shop_profile", "created_at"),
    not_personal("shop_profile", "updated_at"),
    not_personal("shipping_zones", "id"),
    not_personal("shipping_zones", "name"),
    not_personal("shipping_zones", "countries"),
    not_personal("shipping_zones", "tax_mode"),
    not_personal("shipping_zones", "duties_paid"),
    not_personal("shipping_zones", "position"),
    not_personal("shipping_rates", "id"),
    not_personal("shipping_rates", "zone_id"),
    not_personal("shipping_rates", "code"),
    not_personal("shipping_rates", "name"),
    not_personal("shipping_rates", "kind"),
    not_personal("shipping_rates", "currency"),
    not_personal("shipping_rates", "amount_minor"),
    not_personal("shipping_rates", "per_kg_minor"),
    not_personal("shipping_rates", "free_above_minor"),
    not_personal("shipping_rates", "position"),
    not_personal("tax_rates", "country"),
    not_personal("tax_rates", "tax_class"),
    not_personal("tax_rates", "rate_bp"),
    not_personal("tax_rates", "name"),
    // Catalog details (0015).
    not_personal("variants", "material"),
    not_personal("variants", "barcode"),
    not_personal("variants", "weight_grams"),
    not_personal("variants", "hs_code"),
    not_personal("variants", "origin_country"),
    not_personal("products", "tax_class"),
    not_personal("products", "published_at"),
    not_personal("product_texts", "seo_title"),
    not_personal("product_texts", "seo_description"),
    not_personal("product_image_alts", "product_id"),
    not_personal("product_image_alts", "position"),
    not_personal("product_image_alts", "lang"),
    not_personal("product_image_alts", "alt"),
    // Resized copies of product images (0022).
    not_personal("media_renditions", "media_id"),
    not_personal("media_renditions", "width"),
    not_personal("media_renditions", "bytes"),
    not_personal("media_renditions", "created_at"),
    // A collection's featured product (0017).
    not_personal("collections", "featured_product_id"),
    // The order's history: who moved it (customer, system, provider, staff id) and why.
    not_personal("order_events", "id"),
    not_personal("order_events", "order_id"),
    personal("order_events", "at", "order_details", ORDER, ThePerson),
    personal("order_events", "from_status", "order_details", ORDER, ThePerson),
    personal("order_events", "to_status", "order_details", ORDER, ThePerson),
    personal("order_events", "actor", "order_details", ORDER, ThePerson),
    personal("order_events", "reason", "order_details", ORDER, ThePerson),
    // Provider events received, kept to ignore replays. The event id lets us fetch the event,
    // and the person's payment in it, from the provider: it is personal data, pseudonymised.
    not_personal("payment_events", "provider"),
    personal("payment_events", "event_id", "payment_status", PAYMENT, Providers),
    personal("payment_events", "event_type", "payment_status", PAYMENT, Providers),
    personal("payment_events", "received_at", "payment_status", PAYMENT, Providers),
    not_personal("instance_secrets", "name"),
    secret("instance_secrets", "value"),
    not_personal("instance_secrets", "created_at"),
    // The job queue: the payload holds ids and, for a password-reset email, the reset token until
    // it is sent; the dedupe key names a customer id for account emails. Errors never quote data.
    not_personal("jobs", "id"),
    not_personal("jobs", "kind"),
    secret("jobs", "payload"),
    personal("jobs", "dedupe_key", "identification", ACCOUNT, ThePerson),
    not_personal("jobs", "run_at"),
    not_personal("jobs", "attempts"),
    not_personal("jobs", "max_attempts"),
    not_personal("jobs", "locked_until"),
    not_personal("jobs", "last_error"),
    not_personal("jobs", "failed_at"),
    not_personal("jobs", "created_at"),
    // 0003: the published versions of the policy.
    not_personal("policy_versions", "version"),
    not_personal("policy_versions", "effective"),
    not_personal("policy_versions", "content_hash"),
    not_personal("policy_versions", "content"),
    not_personal("policy_versions", "published_at"),
    not_personal("policy_versions", "changes"),
    // 0004: the retention engine's marks and its purge log (counts per rule, no one named).
    not_personal("orders", "anonymised_at"),
    personal("customers", "inactivity_warned_at", "device_and_log", ACCOUNT_LOG, Automatic),
    not_personal("retention_runs", "id"),
    not_personal("retention_runs", "rule"),
    not_personal("retention_runs", "started_at"),
    not_personal("retention_runs", "as_of"),
    not_personal("retention_runs", "dry_run"),
    not_personal("retention_runs", "action"),
    not_personal("retention_runs", "affected"),
    not_personal("orders", "erasure_requested_at"),
    // 0006: rights requests — records of privacy requests are compliance records.
    not_personal("privacy_requests", "id"),
    personal("privacy_requests", "kind", "compliance_records", CONSENT_PROOF, ThePerson),
    personal("privacy_requests", "channel", "compliance_records", CONSENT_PROOF, ThePerson),
    personal("privacy_requests", "customer_id", "compliance_records", CONSENT_PROOF, ThePerson),
    personal("privacy_requests", "contact", "compliance_records", CONSENT_PROOF, ThePerson),
    personal("privacy_requests", "status", "compliance_records", CONSENT_PROOF, Automatic),
    personal("privacy_requests", "received_at", "compliance_records", CONSENT_PROOF, ThePerson),
    personal("privacy_requests", "due_at", "compliance_records", CONSENT_PROOF, Automatic),
    personal("privacy_requests", "target_at", "compliance_records", CONSENT_PROOF, Automatic),
    personal("privacy_requests", "extended_at", "compliance_records", CONSENT_PROOF, Automatic),
    personal("privacy_requests", "extension_reason", "compliance_records", CONSENT_PROOF, Automatic),
    personal("privacy_requests", "completed_at", "compliance_records", CONSENT_PROOF, Automatic),
    personal("privacy_requests", "outcome", "compliance_records", CONSENT_PROOF, Automatic),
    secret("privacy_requests", "code_hash"),
    personal("privacy_requests", "code_expires_at", "compliance_records", CONSENT_PROOF, Automatic),
    personal("privacy_requests", "code_attempts", "compliance_records", CONSENT_PROOF, Automatic),
    personal("privacy_requests", "verified_at", "compliance_records", CONSENT_PROOF, Automatic),
    secret("privacy_requests", "archive_token_hash"),
    // 0025: who proved the person's identity for a request (a staff member) and how.
    staff("privacy_requests", "verified_by"),
    personal("privacy_requests", "verification_method", "compliance_records", CONSENT_PROOF, Automatic),
    personal("privacy_requests", "archive_expires_at", "compliance_records", CONSENT_PROOF, Automatic),
    // 0005: the consent ledger — each record is the proof of a consent given or withdrawn.
    not_personal("consents", "id"),
    personal("consents", "holder_id", "compliance_records", CONSENT_PROOF, ThePerson),
    personal("consents", "purpose", "compliance_records", CONSENT_PROOF, ThePerson),
    personal("consents", "granted", "compliance_records", CONSENT_PROOF, ThePerson),
    personal("consents", "at", "compliance_records", CONSENT_PROOF, ThePerson),
    personal("consents", "policy_version", "compliance_records", CONSENT_PROOF, ThePerson),
    personal("consents", "source", "compliance_records", CONSENT_PROOF, ThePerson),
    personal("consents", "method", "compliance_records", CONSENT_PROOF, ThePerson),
    // 0010: staff, their sessions and second factor (staff data), and the audit log.
    staff("staff", "id"),
    staff("staff", "username"),
    staff("staff", "display_name"),
    staff("staff", "role"),
    secret("staff", "password_hash"),
    secret("staff", "totp_secret"),
    secret("staff", "pending_totp_secret"),
    staff("staff", "totp_last_step"),
    staff("staff", "active"),
    staff("staff", "created_at"),
    staff("staff", "updated_at"),
    staff("staff", "last_login_at"),
    staff("staff", "language"),
    staff("staff", "email"),
    staff("staff_recovery_codes", "staff_id"),
    secret("staff_recovery_codes", "code_hash"),
    staff("staff_recovery_codes", "used_at"),
    secret("staff_sessions", "token_hash"),
    staff("staff_sessions", "staff_id"),
    staff("staff_sessions", "stage"),
    staff("staff_sessions", "created_at"),
    staff("staff_sessions", "last_seen_at"),
    staff("staff_sessions", "client_addr"),
    staff("staff_sessions", "user_agent"),
    not_personal("audit_log", "seq"),
    not_personal("audit_log", "at"),
    // `staff:<id>`, `cli` or `api-token`, and the address the staff member worked from.
    staff("audit_log", "actor"),
    staff("audit_log", "client"),
    not_personal("audit_log", "action"),
    not_personal("audit_log", "subject_kind"),
    // The id of the customer, order or request touched: never its contents.
    personal("audit_log", "subject_id", "compliance_records", AUDIT_TRAIL, Automatic),
    // Written by staff; the back office asks for a reason, not for personal details.
    staff("audit_log", "reason"),
    not_personal("audit_log", "prev_hash"),
    not_personal("audit_log", "hash"),
    // 0021: staff's free text about an audited action, kept out of the chain so that erasure
    // can clear it (the chained entry holds the reference only).
    not_personal("audit_notes", "reference"),
    not_personal("audit_notes", "subject_kind"),
    personal("audit_notes", "subject_id", "compliance_records", AUDIT_TRAIL, Automatic),
    staff("audit_notes", "reason"),
    not_personal("audit_notes", "created_at"),
    not_personal("audit_notes", "erased_at"),
    // 0013: the breach register — about incidents, naming no customer (counts and categories).
    not_personal("breaches", "id"),
    not_personal("breaches", "discovered_at"),
    not_personal("breaches", "occurred_at"),
    not_personal("breaches", "nature"),
    not_personal("breaches", "categories"),
    not_personal("breaches", "people_affected"),
    not_personal("breaches", "consequences"),
    not_personal("breaches", "measures"),
    not_personal("breaches", "risk"),
    not_personal("breaches", "authority_notified_at"),
    not_personal("breaches", "authority_reference"),
    not_personal("breaches", "people_notified_at"),
    not_personal("breaches", "people_notice"),
    staff("breaches", "recorded_by"),
    not_personal("breaches", "created_at"),
    not_personal("breaches", "updated_at"),
    // 0009: restrictions and objections (Art. 18, 21) — records of the person's choices.
    not_personal("processing_limits", "id"),
    personal("processing_limits", "kind", "compliance_records", CONSENT_PROOF, ThePerson),
    personal("processing_limits", "purpose", "compliance_records", CONSENT_PROOF, ThePerson),
    personal("processing_limits", "customer_id", "compliance_records", CONSENT_PROOF, ThePerson),
    // An HMAC of a guest's email under the installation's key: compared, never reversed or shown.
    secret("processing_limits", "email_key"),
    personal("processing_limits", "request_id", "compliance_records", CONSENT_PROOF, ThePerson),
    personal("processing_limits", "started_at", "compliance_records", CONSENT_PROOF, ThePerson),
    personal("processing_limits", "lifted_at", "compliance_records", CONSENT_PROOF, Automatic),
    personal("processing_limits", "lift_notice_at", "compliance_records", CONSENT_PROOF, Automatic),
    // The notices to recipients (Art. 19): which one, how, when, and the references it holds.
    not_personal("recipient_notices", "id"),
    personal("recipient_notices", "request_id", "compliance_records", CONSENT_PROOF, Automatic),
    personal("recipient_notices", "recipient", "compliance_records", CONSENT_PROOF, Automatic),
    personal("recipient_notices", "method", "compliance_records", CONSENT_PROOF, Automatic),
    personal("recipient_notices", "reference", "compliance_records", CONSENT_PROOF, Automatic),
    personal("recipient_notices", "notified_at", "compliance_records", CONSENT_PROOF, Automatic),
    // Marketing campaigns: the staff's text, about no one.
    not_personal("marketing_campaigns", "id"),
    not_personal("marketing_campaigns", "subject"),
    not_personal("marketing_campaigns", "body"),
    not_personal("marketing_campaigns", "created_at"),
    not_personal("marketing_campaigns", "queued"),
    // Page views (P6, P14): no IP, no user agent, no account; the per-tab id goes after 30 days.
    not_personal("page_views", "id"),
    personal("page_views", "at", "website_usage", ANALYTICS, Automatic),
    personal("page_views", "path", "website_usage", ANALYTICS, Automatic),
    personal("page_views", "lang", "website_usage", ANALYTICS, Automatic),
    personal("page_views", "referrer_host", "website_usage", ANALYTICS, Automatic),
    personal("page_views", "sid", "website_usage", ANALYTICS, Automatic),
    // 0011: uploaded product images, stored after every metadata block was stripped
    // (core::media): pictures of the shop's products, about no one.
    not_personal("media", "id"),
    not_personal("media", "content_type"),
    not_personal("media", "bytes"),
    not_personal("media", "byte_size"),
    not_personal("media", "sha256"),
    not_personal("media", "created_at"),
    // 0029: fitting and sizing (M2) — a client's sizing profile, by account or guest email.
    not_personal("sizing_profiles", "id"),
    personal("sizing_profiles", "customer_id", "identification", SERVICE, ThePerson),
    // The guest's address lowercased (core::pii::email_key), as orders are keyed.
    personal("sizing_profiles", "email_key", "contact", SERVICE, ThePerson),
    personal("sizing_profiles", "height_mm", "fitting_and_sizing", SERVICE, ThePerson),
    personal("sizing_profiles", "chest_mm", "fitting_and_sizing", SERVICE, ThePerson),
    personal("sizing_profiles", "waist_mm", "fitting_and_sizing", SERVICE, ThePerson),
    personal("sizing_profiles", "hips_mm", "fitting_and_sizing", SERVICE, ThePerson),
    personal("sizing_profiles", "inseam_mm", "fitting_and_sizing", SERVICE, ThePerson),
    personal("sizing_profiles", "shoulder_mm", "fitting_and_sizing", SERVICE, ThePerson),
    personal("sizing_profiles", "sleeve_mm", "fitting_and_sizing", SERVICE, ThePerson),
    personal("sizing_profiles", "neck_mm", "fitting_and_sizing", SERVICE, ThePerson),
    personal("sizing_profiles", "shoe_eu_tenths", "fitting_and_sizing", SERVICE, ThePerson),
    personal("sizing_profiles", "shoe_uk_tenths", "fitting_and_sizing", SERVICE, ThePerson),
    personal("sizing_profiles", "ring_eu", "fitting_and_sizing", SERVICE, ThePerson),
    personal("sizing_profiles", "fit", "fitting_and_sizing", SERVICE, ThePerson),
    personal("sizing_profiles", "notes", "fitting_and_sizing", SERVICE, ThePerson),
    personal("sizing_profiles", "created_at", "fitting_and_sizing", SERVICE, ThePerson),
    personal("sizing_profiles", "updated_at", "fitting_and_sizing", SERVICE, ThePerson),
    personal("sizing_profiles", "last_visit_at", "fitting_and_sizing", SERVICE, ThePerson),
    // Alterations of an order line: what, the note, the promised day, where it stands.
    not_personal("alterations", "id"),
    not_personal("alterations", "order_id"),
    not_personal("alterations", "line_position"),
    personal("alterations", "kind", "fitting_and_sizing", SERVICE, ThePerson),
    personal("alterations", "note", "fitting_and_sizing", SERVICE, ThePerson),
    personal("alterations", "promised_on", "fitting_and_sizing", SERVICE, ThePerson),
    personal("alterations", "status", "fitting_and_sizing", SERVICE, ThePerson),
    personal("alterations", "created_at", "fitting_and_sizing", SERVICE, ThePerson),
    personal("alterations", "updated_at", "fitting_and_sizing", SERVICE, ThePerson),
    staff("alterations", "opened_by"),
];

/// The declaration of one column, if it has one.
pub fn declared(table: &str, column: &str) -> Option<&'static ColumnDeclaration> {
    INVENTORY.iter().find(|d| d.table == table && d.column == column)
}

/// Checks the inventory against a policy: every category and purpose it names is declared there,
/// each purpose uses the category of the column (P8), and the column's source is one the
/// category lists (M4). Lists every disagreement, one per line.
pub fn check_against(policy: &Policy) -> Result<(), String> {
    let mut problems = Vec::new();
    for declaration in INVENTORY {
        let DataKind::Personal { category, purposes, source } = declaration.kind else { continue };
        let at = format!("{}.{}", declaration.table, declaration.column);
        match policy.category(category) {
            None => problems.push(format!("{at}: the category {category:?} is not in the policy")),
            Some(declared) if !declared.sources.contains(&source) => problems.push(format!(
                "{at}: comes from {source:?}, which the policy does not list as a source of {category:?}"
            )),
            Some(_) => {}
        }
        if purposes.is_empty() {
            problems.push(format!("{at}: personal data with no purpose"));
        }
        for purpose in purposes {
            match policy.purposes.iter().find(|p| p.id == *purpose) {
                None => problems.push(format!("{at}: the purpose {purpose:?} is not in the policy")),
                Some(p) if !p.categories.iter().any(|c| c == category) => problems
                    .push(format!("{at}: the policy's purpose {purpose:?} does not use the category {category:?}")),
                Some(_) => {}
            }
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("\n")) }
}

/// What the shop's own code sends to each recipient, by category (M5: only what the recipient's
/// purpose needs). The host keeps every category the inventory stores.
pub const SENT_TO_RECIPIENTS: &[(&str, &[&str])] = &[
    // The checkout: order number, lines and amounts; Stripe reports the payment status back.
    ("stripe", &["order_details", "payment_status"]),
    // Transactional email: the person's name and address, the order and its delivery address.
    ("email_service", &["identification", "contact", "delivery", "order_details"]),
];

/// Checks that every recipient the running shop sends data to (`enabled`: "cloud_host" always,
/// "stripe" and "email_service" when configured) is published by the policy with every category
/// it receives (P12, M5). Lists every disagreement, one per line.
pub fn check_recipients(policy: &Policy, enabled: &[&str]) -> Result<(), String> {
    let stored: HashSet<&str> = INVENTORY
        .iter()
        .filter_map(|d| match d.kind {
            DataKind::Personal { category, .. } => Some(category),
            _ => None,
        })
        .collect();
    let mut problems = Vec::new();
    for id in enabled {
        let Some(recipient) = policy.recipient(id) else {
            problems
                .push(format!("the shop sends personal data to {id:?}, which the policy does not list as a recipient"));
            continue;
        };
        let sent: Vec<&str> = if *id == "cloud_host" {
            let mut all: Vec<&str> = stored.iter().copied().collect();
            all.sort_unstable();
            all
        } else {
            SENT_TO_RECIPIENTS.iter().find(|(r, _)| r == id).map(|(_, c)| c.to_vec()).unwrap_or_default()
        };
        for category in sent {
            if !recipient.categories.iter().any(|c| c == category) {
                problems.push(format!("{id:?} receives {category:?}, which the policy does not say it receives"));
            }
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("\n")) }
}

/// What the policy publishes that this shop's code does not process (categories and purposes no
/// stored column uses): not an error — a policy may cover processing outside the shop — but
/// worth the operator's eye.
pub fn published_but_unused(policy: &Policy) -> Vec<String> {
    let mut categories = HashSet::new();
    let mut purposes = HashSet::new();
    for declaration in INVENTORY {
        if let DataKind::Personal { category, purposes: used, .. } = declaration.kind {
            categories.insert(category);
            purposes.extend(used.iter().copied());
        }
    }
    let mut notes: Vec<String> = policy
        .categories
        .iter()
        .filter(|c| !categories.contains(c.id.as_str()))
        .map(|c| format!("category {:?}", c.id))
        .collect();
    notes.extend(
        policy.purposes.iter().filter(|p| !purposes.contains(p.id.as_str())).map(|p| format!("purpose {:?}", p.id)),
    );
    notes
}

/// Declarations that name the same column twice (the inventory must say one thing per column).
pub fn duplicates() -> Vec<String> {
    let mut seen = HashSet::new();
    INVENTORY
        .iter()
        .filter(|d| !seen.insert((d.table, d.column)))
        .map(|d| format!("{}.{}", d.table, d.column))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULT: &str = include_str!("../../app/policy/default.toml");

    fn default_policy() -> Policy {
        Policy::parse(DEFAULT, &["en", "fr"]).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_default_policy_publishes_every_recipient_with_what_it_receives() {
        let policy = default_policy();
        assert_eq!(check_recipients(&policy, &["cloud_host", "stripe", "email_service"]), Ok(()));
        let mut narrower = policy.clone();
        if let Some(r) = narrower.recipients.iter_mut().find(|r| r.id == "email_service") {
            r.categories.retain(|c| c != "delivery");
        }
        let refused = check_recipients(&narrower, &["email_service"]).err().unwrap_or_default();
        assert!(refused.contains("\"email_service\" receives \"delivery\""), "{refused}");
        narrower.recipients.retain(|r| r.id != "stripe");
        let refused = check_recipients(&narrower, &["stripe"]).err().unwrap_or_default();
        assert!(refused.contains("does not list"), "{refused}");
        assert_eq!(check_recipients(&narrower, &["cloud_host"]), Ok(()), "what is not enabled is not checked");
    }

    #[test]
    fn the_default_policy_accepts_the_inventory() {
        if let Err(problems) = check_against(&default_policy()) {
            panic!("the data inventory and crates/app/policy/default.toml disagree:\n{problems}");
        }
    }

    #[test]
    fn every_personal_column_is_used_by_its_purposes_in_the_policy() {
        let policy = default_policy();
        let mut problems = Vec::new();
        for d in INVENTORY {
            if let DataKind::Personal { category, purposes, .. } = d.kind {
                for purpose in purposes {
                    let uses = policy.purposes.iter().find(|p| p.id == *purpose).map(|p| &p.categories);
                    if !uses.is_some_and(|c| c.iter().any(|c| c == category)) {
                        problems.push(format!("{}.{} ({category}) for {purpose}", d.table, d.column));
                    }
                }
            }
        }
        assert!(problems.is_empty(), "purposes the policy does not let use these categories:\n{}", problems.join("\n"));
    }

    #[test]
    fn a_column_is_declared_once() {
        assert_eq!(duplicates(), Vec::<String>::new());
    }

    #[test]
    fn credentials_and_contacts_are_declared_as_they_are() {
        assert_eq!(declared("customers", "password_hash").map(|d| d.kind), Some(DataKind::Secret), "P3");
        assert_eq!(declared("customer_sessions", "token_hash").map(|d| d.kind), Some(DataKind::Secret));
        assert_eq!(declared("password_resets", "token_hash").map(|d| d.kind), Some(DataKind::Secret));
        assert_eq!(declared("jobs", "payload").map(|d| d.kind), Some(DataKind::Secret), "carries reset tokens");
        let category = |table: &str, column: &str| match declared(table, column).map(|d| d.kind) {
            Some(DataKind::Personal { category, .. }) => Some(category),
            _ => None,
        };
        assert_eq!(category("orders", "email"), Some("contact"));
        assert_eq!(category("orders", "postcode"), Some("delivery"));
        assert_eq!(category("orders", "name"), Some("identification"));
        assert_eq!(category("customers", "username"), Some("identification"));
        // A link to a person is personal data; an order's own id is not.
        assert_eq!(category("customer_sessions", "customer_id"), Some("identification"));
        assert_eq!(category("orders", "customer_id"), Some("identification"));
        assert_eq!(declared("orders", "id").map(|d| d.kind), Some(DataKind::NotPersonal));
        assert_eq!(declared("orders", "no_such_column"), None);
    }

    #[test]
    fn p2_the_order_data_collected_is_exactly_the_policys() {
        let contact: Vec<&str> = INVENTORY
            .iter()
            .filter(|d| d.table == "orders")
            .filter(|d| {
                matches!(
                    d.kind,
                    DataKind::Personal {
                        category: "identification" | "contact" | "delivery",
                        source: Source::ThePerson,
                        ..
                    }
                )
            })
            // The account link, and the email's lookup form (derived from `email`, not collected).
            .filter(|d| d.column != "customer_id" && d.column != "email_key")
            .map(|d| d.column)
            .collect();
        assert_eq!(
            contact,
            ["name", "email", "phone", "address_line1", "address_line2", "city", "postcode", "country"],
            "P2: name, email, phone, shipping address, postcode, country"
        );
    }

    #[test]
    fn a_policy_without_a_category_or_purpose_is_refused_with_the_column() {
        let mut policy = default_policy();
        policy.purposes.retain(|p| p.id != "order_updates");
        let problems = check_against(&policy).err().unwrap_or_default();
        assert!(problems.contains("orders.email: the purpose \"order_updates\" is not in the policy"), "{problems}");
        let mut policy = default_policy();
        if let Some(p) = policy.purposes.iter_mut().find(|p| p.id == "order_fulfilment") {
            p.categories.retain(|c| c != "contact");
        }
        let problems = check_against(&policy).err().unwrap_or_default();
        assert!(
            problems.contains(
                "orders.email: the policy's purpose \"order_fulfilment\" does not use the category \"contact\""
            ),
            "{problems}"
        );
        let mut policy = default_policy();
        policy.categories.retain(|c| c.id != "payment_status");
        let problems = check_against(&policy).err().unwrap_or_default();
        assert!(
            problems.contains("orders.payment_id: the category \"payment_status\" is not in the policy"),
            "{problems}"
        );
    }
}
