//! Storage: every SQL statement of LuxeVault, its migrations, and the connection to SQLite or
//! PostgreSQL.
//!
//! Each statement is written once, as a `&'static str` in a portable subset of SQL (`$n`
//! placeholders, `RETURNING`, `ON CONFLICT`, integer timestamps), and runs on the pool of either
//! backend through [`on_db!`]. A test prepares every statement of [`statements()`] on both.

mod accounts;
mod analytics;
mod appointments;
mod audit;
mod backoffice;
mod breaches;
mod catalog;
mod catalog_admin;
mod catalog_import;
mod consents;
mod db;
mod delivery;
mod jobs;
mod limits;
mod marketing;
mod migrations;
mod orders;
mod policies;
mod profile;
mod refunds;
mod renditions;
mod replays;
mod requests;
mod retention;
mod secrets;
mod sizing;
mod staff;
mod staff_pages;

pub use accounts::{Accounts, CreateAccount, CustomerRow, NewCustomer, SessionRow, ThrottleRow};
pub use analytics::{NewPageView, PageViewRow, PageViews};
pub use appointments::{AppointmentRow, Appointments, AssociateRow, Booking, BoutiqueRow, NewAppointment, ServiceRow};
pub use audit::{AuditFilter, AuditLog, ERASED_NOTE};
pub use backoffice::{
    BackOffice, CurrencyTotal, Cursor, CustomerProfile, CustomerSummary, DEFAULT_PAGE_SIZE, DailySales, MAX_PAGE_SIZE,
    OpenRequest, OrderFilter, OrderSearch, OrderSummary, Page, PersonKind, PersonSummary, prefix_end,
};
pub use breaches::{BreachRow, Breaches, NewBreach};
pub use catalog::{
    CatalogStore, NewCatalog, NewCollection, NewColour, NewCurrency, NewProduct, NewVariant, STANDARD_TAX_CLASS,
};
pub use catalog_admin::{
    CatalogAdmin, CatalogEditError, MAX_IMAGES, StoredMedia, VariantDetails, check_text, media_src,
};
pub use catalog_import::{
    CatalogImport, ImportWrite, ImportedImage, ImportedProduct, StoredColour, StoredImage, StoredProduct, StoredVariant,
};
pub use consents::{ConsentRecord, Consents, NewConsent};
pub use db::{Backend, Db, DbError, DbOptions};
pub use delivery::Delivery;
pub use jobs::{Job, Jobs, NewJob};
pub use limits::{LimitRow, Limits, NewLimit, NoticeRow};
pub use marketing::{CampaignRow, Marketing};
pub use migrations::migrate;
pub use orders::{
    CorrectedContact, CreateOrder, NewOrder, NewOrderContact, NewOrderLine, OrderDelivery, OrderEventRow, OrderLineRow,
    OrderRow, OrderTaxLineRow, Orders, Transition,
};
pub use policies::{PolicyVersionRow, PolicyVersions, Publish};
pub use profile::{NewProfile, ProfileRow, ShopProfile};
pub use refunds::{RefundRow, Refunds};
pub use renditions::Renditions;
pub use replays::{Claim, Replays};
pub use requests::{NewPrivacyRequest, PrivacyRequestRow, PrivacyRequests};
pub use retention::{RetentionOutcome, RetentionStore};
pub use secrets::InstanceSecrets;
pub use sizing::{AlterationRow, Holder, NewAlteration, NewSizing, Sizing, SizingRow, record_visit};
pub use staff::{NewStaff, Staff, StaffRow, StaffSessionRow};
pub use staff_pages::{LedgerRecord, QueuedJob, StaffPages};

/// Every SQL statement the application runs, named, for the test that prepares them all on both
/// backends.
pub fn statements() -> Vec<(&'static str, &'static str)> {
    let mut all = Vec::new();
    all.extend_from_slice(catalog::STATEMENTS);
    all.extend_from_slice(delivery::STATEMENTS);
    all.extend_from_slice(profile::STATEMENTS);
    all.extend_from_slice(renditions::STATEMENTS);
    all.extend_from_slice(accounts::STATEMENTS);
    all.extend_from_slice(orders::STATEMENTS);
    all.extend_from_slice(refunds::STATEMENTS);
    all.extend_from_slice(replays::STATEMENTS);
    all.extend_from_slice(jobs::STATEMENTS);
    all.extend_from_slice(secrets::STATEMENTS);
    all.extend_from_slice(policies::STATEMENTS);
    all.extend_from_slice(retention::STATEMENTS);
    all.extend_from_slice(consents::STATEMENTS);
    all.extend_from_slice(requests::STATEMENTS);
    all.extend_from_slice(staff::STATEMENTS);
    all.extend_from_slice(staff_pages::STATEMENTS);
    all.extend_from_slice(audit::STATEMENTS);
    all.extend_from_slice(breaches::STATEMENTS);
    all.extend_from_slice(limits::STATEMENTS);
    all.extend_from_slice(marketing::STATEMENTS);
    all.extend_from_slice(analytics::STATEMENTS);
    all.extend_from_slice(catalog_admin::STATEMENTS);
    all.extend_from_slice(catalog_import::STATEMENTS);
    all.extend_from_slice(backoffice::STATEMENTS);
    all.extend_from_slice(sizing::STATEMENTS);
    all.extend_from_slice(db::STATEMENTS);
    all.extend_from_slice(appointments::STATEMENTS);
    all
}
