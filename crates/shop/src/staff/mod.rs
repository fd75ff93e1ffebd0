//! The house's staff: members and their roles, the second factor, the tamper-evident audit
//! trail of every read and write of personal data.

pub mod audit_trail;
pub mod members;
pub mod second_factor;
pub mod sign_in;
