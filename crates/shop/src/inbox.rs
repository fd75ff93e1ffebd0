//! Communications (P5, M11): WhatsApp Business and email messages in one staff inbox, kept as
//! communication records; sensitive data sent unasked is detected and card numbers redacted
//! before anything is stored, logged, mailed or audited.
//!
//! Home of: receiving a message (after the webhook's signature is checked at the edge), threads
//! linked to a customer or an order, staff replies through `outbox`, and the records' part of
//! the access copy, the erasure and the retention rules.
