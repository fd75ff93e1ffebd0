//! The `luxevault` binary's library: configuration, wiring of storage, web and jobs, the demo
//! shop, and the commands of the CLI. `main.rs` only parses arguments and calls in here, so the
//! test suite can start the very same application on a random port.

pub mod audit_key;
pub mod boutique_cli;
pub mod catalog_cli;
pub mod config;
pub mod demo;
pub mod server;
pub mod shop_cli;
pub mod staff_cli;
pub mod telemetry;
