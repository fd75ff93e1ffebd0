//! The sensitive-data guard at the application's doors (P4, M11): free text from customers and
//! staff passes here before it is stored, logged, mailed or audited. Card numbers are replaced by
//! a mark keeping their last four digits (`luxevault_core::sensitive`); how many were removed is
//! logged with the field's name, never the number.

use luxevault_core::sensitive::redact_counted;

/// `text` as it may be kept.
pub fn free_text(text: &str, field: &'static str) -> String {
    let (kept, removed) = redact_counted(text);
    if removed > 0 {
        tracing::warn!(field, removed, "card numbers removed from free text");
    }
    kept
}
