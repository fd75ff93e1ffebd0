//! Fulfilment (P7, M1): carriers, tracking numbers, carrier events and delivery confirmation,
//! returns. Today a staff member marks an order fulfilled (`orders::moves::OrderMove::Fulfil`);
//! the carriers' integration and its events arrive here.
//!
//! Home of: handing an order to a carrier (only what delivery needs, M5), applying a verified
//! carrier event (idempotent, never moving a shipment backwards), the tracking poll job in
//! `jobs`, and the delivery-confirmation email.
