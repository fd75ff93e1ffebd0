//! Boutique service requests (M1, M3): fittings, sizing, alterations and appointments in a
//! boutique calendar; fitting and sizing data is its own category of personal data (M2).
//!
//! Home of: requesting and confirming an appointment (steps at the person's request before a
//! contract, M3), the reminder job in `jobs`, and the fitting profile's part of the access copy
//! and the erasure in `privacy::rights`.
