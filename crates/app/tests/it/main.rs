//! The one integration-test binary (one link, many tests). Every test that touches storage or
//! HTTP runs twice, on SQLite and on PostgreSQL, through `backend_tests!`.

#[macro_use]
mod support;

mod account;
mod api;
mod backoffice_data;
mod checkout;
mod cli;
mod conformance;
mod consent;
mod inventory;
mod payments;
mod policy;
mod privacy;
mod quote;
mod requests;
mod retention;
mod rights;
mod robustness;
mod storage;
mod storefront;
