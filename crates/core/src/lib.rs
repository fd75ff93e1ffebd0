//! The domain core of LuxeVault: money, currencies, prices, the catalog's rules and cart pricing.
//!
//! Nothing in this crate performs I/O. Storage, HTTP and integrations depend on it, never the
//! reverse, so every business rule here can be tested with plain values.

pub mod account;
pub mod appointments;
pub mod audit;
pub mod breach;
pub mod cart;
pub mod catalog;
pub mod catalog_csv;
pub mod checkout;
pub mod clock;
pub mod country_names;
pub mod ids;
pub mod inventory;
pub mod lang;
pub mod local_time;
pub mod media;
pub mod money;
pub mod order;
pub mod pii;
pub mod policy;
pub mod pricing;
pub mod renditions;
pub mod requests;
pub mod sensitive;
pub mod shipping;
pub mod sizing;
pub mod staff;
pub mod tax;

pub use clock::{Clock, ManualClock, SystemClock, Timestamp};
pub use lang::Lang;
pub use money::{Currency, Money, MoneyError, Rate};
pub use pii::{Email, Pii};
