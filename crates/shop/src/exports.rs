//! CSV exports for the accountant: the orders and the customers a back-office list shows, as
//! files a spreadsheet or bookkeeping software opens. Amounts are decimals in major units next to
//! their ISO currency (`1250.00`, `EUR`), times are the shop's local time with its offset
//! (`2026-12-04T00:30:00+01:00`), so a day's takings add up the way the boutique lived that day.
//! Column names are fixed English identifiers, whatever the member's language: an import maps
//! them once. Every export is written to the audit log before a row is read (a bulk look at
//! personal data, like any other), and every cell is neutralised against formula injection.

use luxevault_core::{Currency, Money, Timestamp};
use luxevault_storage::{BackOffice, Cursor, MAX_PAGE_SIZE, OrderFilter};

use crate::Shop;
use crate::error::ShopError;
use crate::privacy::archive::neutralised;
use crate::staff::audit_trail::{AuditEvent, record_or_refuse};

/// More rows than this in one file is a job for the database, not a spreadsheet.
pub const MAX_ROWS: usize = 100_000;

/// Who exports, and whether their role may see the customers' contact details (names, emails).
#[derive(Debug, Clone, Copy)]
pub struct Exporter<'a> {
    pub actor: &'a str,
    pub client: &'a str,
    pub with_contact: bool,
}

/// The orders matching `filter`, newest first, as CSV.
pub async fn orders_csv(shop: &Shop, by: Exporter<'_>, filter: &OrderFilter) -> Result<Vec<u8>, ShopError> {
    audit(shop, by, "orders.export", "order").await?;
    let zone = &shop.settings().time_zone;
    let mut header = vec!["number", "placed_at", "status", "currency", "total", "refunded", "country"];
    if by.with_contact {
        header.extend(["name", "email"]);
    }
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut after: Option<Cursor> = None;
    loop {
        let page = BackOffice::orders(shop.db(), filter, after, MAX_PAGE_SIZE).await?;
        for o in &page.items {
            let mut row = vec![
                o.number.clone(),
                zone.format_with_offset(o.placed_at),
                o.status.as_str().to_string(),
                o.currency.clone(),
                decimal(o.total_minor, &o.currency),
                decimal(o.refunded_minor, &o.currency),
                o.country.clone(),
            ];
            if by.with_contact {
                row.extend([o.name.expose().clone(), o.email.expose().clone()]);
            }
            rows.push(row);
        }
        match page.next {
            Some(next) if rows.len() < MAX_ROWS => after = Some(next),
            _ => break,
        }
    }
    rows.truncate(MAX_ROWS);
    csv_of(&header, &rows)
}

/// The customers' accounts, newest first, as CSV (the email only with `with_contact`).
pub async fn customers_csv(shop: &Shop, by: Exporter<'_>) -> Result<Vec<u8>, ShopError> {
    audit(shop, by, "customers.export", "customer").await?;
    let zone = &shop.settings().time_zone;
    let mut header = vec!["username"];
    if by.with_contact {
        header.push("email");
    }
    header.extend(["language", "created_at", "last_active_at", "orders"]);
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut after: Option<Cursor> = None;
    loop {
        let page = BackOffice::customers(shop.db(), None, after, MAX_PAGE_SIZE).await?;
        for c in &page.items {
            let mut row = vec![c.username.expose().clone()];
            if by.with_contact {
                row.push(c.email.expose().clone());
            }
            row.extend([
                c.lang.clone(),
                zone.format_with_offset(c.created_at),
                zone.format_with_offset(c.last_active_at),
                c.order_count.to_string(),
            ]);
            rows.push(row);
        }
        match page.next {
            Some(next) if rows.len() < MAX_ROWS => after = Some(next),
            _ => break,
        }
    }
    rows.truncate(MAX_ROWS);
    csv_of(&header, &rows)
}

async fn audit(shop: &Shop, by: Exporter<'_>, action: &str, kind: &str) -> Result<(), ShopError> {
    let event =
        AuditEvent { actor: by.actor, client: by.client, action, subject_kind: kind, subject_id: "*", reason: None };
    record_or_refuse(shop.db(), shop.clock().now(), event).await
}

/// `1250.00` for 125000 EUR minor units; `198000` for yen.
fn decimal(minor: i64, currency: &str) -> String {
    Currency::from_code(currency).map(|c| Money::new(minor, c).to_major_string()).unwrap_or_else(|_| minor.to_string())
}

fn csv_of(header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, ShopError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(header).map_err(|_| ShopError::Internal)?;
    for row in rows {
        writer.write_record(row.iter().map(|c| neutralised(c).into_owned())).map_err(|_| ShopError::Internal)?;
    }
    writer.into_inner().map_err(|_| ShopError::Internal)
}

/// When a file was made, for its name: `2026-12-04`, the shop's local date.
pub fn file_date(shop: &Shop, now: Timestamp) -> String {
    shop.settings().time_zone.format_date(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_decimals_in_major_units() {
        assert_eq!(decimal(125_000, "EUR"), "1250.00");
        assert_eq!(decimal(198_000, "JPY"), "198000");
        assert_eq!(decimal(5, "XXX"), "5");
    }

    #[test]
    fn cells_that_would_run_as_formulas_are_kept_as_text() {
        let rows = vec![vec!["=1+1".to_string(), "@SUM(A1)".to_string(), "1250.00".to_string()]];
        let text = String::from_utf8(csv_of(&["a", "b", "c"], &rows).unwrap_or_default()).unwrap_or_default();
        assert_eq!(text.lines().nth(1), Some("'=1+1,'@SUM(A1),1250.00"));
    }
}
