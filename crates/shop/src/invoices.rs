//! Invoice-based ordering and payment coordination (M6; issue "invoices"): a sales associate
//! prepares an order, the shop issues a numbered invoice (and credit notes on refunds) with a
//! payment link or bank-transfer details, and bank statements are reconciled against it.
//!
//! Home of: issuing an invoice (numbering rules in `luxevault_core`, rows in
//! `luxevault_storage`), reconciliation of a statement, the invoice job kinds in `jobs`. The
//! order flow calls in here on capture and refund; the web edge only presents invoices.
