//! Fake
