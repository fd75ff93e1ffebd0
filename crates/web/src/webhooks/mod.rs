//! Events from outside services, each verified exactly as its sender signs it before it changes
//! anything, applied once, never moving a state backwards.

pub mod stripe;
