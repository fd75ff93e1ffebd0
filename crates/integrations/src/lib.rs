//! Everything LuxeVault says to the outside world: payment providers (a demo provider and Stripe), Stripe's
//! webhooks, and outgoing email. Each recipient gets only what its purpose needs (M5): Stripe receives order
//! ids and line items, never the customer's name, email, phone or address.
//!
//! With the `fake` feature the crate also carries test doubles that speak the real wire formats: a fake Stripe
//! server ([`payments::stripe::fake`]) and a real SMTP sink ([`mail::testing`]).

pub mod images;
pub mod mail;
pub mod payments;

/// Installs `ring` as the process-wide rustls crypto provider. reqwest is built without a provider so that
/// no second crypto library (aws-lc) enters the binary; call this once at start-up. Calling it again, or
/// after someone else installed a provider, is harmless.
pub fn install_crypto_provider() {
    // Err only means a provider is already installed, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}
