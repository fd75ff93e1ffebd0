//! The privacy core's use cases: each promise of the policies about a person's data is carried
//! out here, once, for the storefront, the API, the back office, the jobs and the CLI alike.

pub mod archive;
pub mod breaches;
pub mod copies;
pub mod limits;
pub mod notices;
pub mod policy;
pub mod requests;
pub mod retention;
pub mod rights;
