//! The one integration-test binary (one link, many tests). Every test that touches storage or
//! HTTP runs twice, on SQLite and on PostgreSQL, through `backend_tests!`.

#[macro_use]
mod support;

mod account;
mod admin_api;
mod analytics;
mod api;
mod appointments;
mod audit_chain;
mod backoffice;
mod backoffice_data;
mod backoffice_i18n;
mod backoffice_lists;
mod backoffice_pages;
mod catalog_admin;
mod catalog_details;
mod catalog_import;
mod catalog_pages;
mod checkout;
mod cli;
mod conformance;
mod consent;
mod hostile;
mod inventory;
mod marketing;
mod openapi;
mod own_shop;
mod payments;
mod people;
mod policy;
mod privacy;
mod quote;
mod refunds;
mod renditions;
mod requests;
mod restriction;
mod retention;
mod rights;
mod robustness;
mod sensitive;
mod sizing;
mod snapshots;
mod staff_support;
mod storage;
mod storefront;
mod url_privacy;
mod use_cases;
