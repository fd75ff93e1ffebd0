//! The back office's read models: the orders and customers lists (filters, search, keyset
//! pagination), a customer's profile, and the reports behind the dashboard charts.
//!
//! Lists are newest first and paged by a cursor, the last row's (placed_at, id): a page never
//! repeats or skips a row, even when many share a timestamp, and the 50th page costs what the
//! first does. Searches are exact or prefix matches on lowercase keys, which are index ranges
//! (migration 0011), never `%x%` scans.

use luxevault_core::local_time::ShopTimeZone;
use luxevault_core::order::OrderStatus;
use luxevault_core::{Pii, Timestamp};
use sqlx::FromRow;
use uuid::Uuid;

use crate::{Db, DbError, on_db};

/// Rows per page when the caller asks for none, and the most it may ask for.
pub const DEFAULT_PAGE_SIZE: u32 = 50;
pub const MAX_PAGE_SIZE: u32 = 200;

// Where the keyset bound is (at, id): rows strictly before it, newest first. Written as two
// comparisons rather than a row value so SQLite's planner ranges over the index too.
macro_rules! order_list {
    ($where:literal) => {
        concat!(
            "SELECT id, number, status, currency, total_minor, refunded_minor, name, email, country, customer_id, created_at ",
            "FROM orders WHERE created_at <= $1 AND (created_at < $1 OR id < $2) AND created_at >= $3 ",
            "AND (CAST($4 AS TEXT) IS NULL OR currency = CAST($4 AS TEXT)) ",
            $where,
            " ORDER BY created_at DESC, id DESC LIMIT $5"
        )
    };
}

const ORDERS: &str = order_list!("");
const ORDERS_IN_STATE: &str = order_list!("AND status = $6");
const ORDERS_BY_EMAIL: &str =
    order_list!("AND email_key >= $6 AND email_key < $7 AND (CAST($8 AS TEXT) IS NULL OR status = CAST($8 AS TEXT))");
const ORDER_BY_NUMBER: &str = "SELECT id, number, status, currency, total_minor, refunded_minor, name, email, country, customer_id, \
     created_at FROM orders WHERE number = $1";

macro_rules! customer_list {
    ($where:literal) => {
        concat!(
            "SELECT c.id, c.username, c.email, c.lang, c.created_at, c.last_active_at, ",
            "(SELECT COUNT(*) FROM orders o WHERE o.customer_id = c.id) AS order_count ",
            "FROM customers c WHERE c.created_at <= $1 AND (c.created_at < $1 OR c.id < $2) ",
            $where,
            " ORDER BY c.created_at DESC, c.id DESC LIMIT $3"
        )
    };
}

const CUSTOMERS: &str = customer_list!("");
// Two index ranges united, so neither backend is tempted to walk every customer by date.
const CUSTOMERS_MATCHING: &str = customer_list!(
    "AND c.id IN (SELECT id FROM customers WHERE username_key >= $4 AND username_key < $5 \
     UNION SELECT id FROM customers WHERE email_key >= $4 AND email_key < $5)"
);
const CUSTOMER: &str = "SELECT c.id, c.username, c.email, c.lang, c.created_at, c.last_active_at, \
     (SELECT COUNT(*) FROM orders o WHERE o.customer_id = c.id) AS order_count FROM customers c WHERE c.id = $1";
const CUSTOMER_SPENT: &str = "SELECT currency, COUNT(*) AS orders, CAST(SUM(total_minor) AS BIGINT) AS total_minor \
     FROM orders WHERE customer_id = $1 AND status IN ('confirmed', 'fulfilled') GROUP BY currency ORDER BY currency";
const CUSTOMER_RECENT: &str = "SELECT id, number, status, currency, total_minor, refunded_minor, name, email, country, customer_id, \
     created_at FROM orders WHERE customer_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2";

// The customers list with the guests among them: accounts by when they were opened, and each
// guest — the orders placed without an account under one email, case-insensitively — once, by
// their latest order (whose id stands for them: no address in a URL or a cursor). Each branch
// walks its own index to the page's end, then the two are merged on the one (at, id) cursor.
macro_rules! people_list {
    ($accounts:literal, $guests:literal) => {
        concat!(
            "SELECT kind, id, label, email, at, active, order_count FROM (",
            "SELECT * FROM (SELECT 'account' AS kind, c.id, c.username AS label, c.email, c.created_at AS at, ",
            "c.last_active_at AS active, (SELECT COUNT(*) FROM orders o WHERE o.customer_id = c.id) AS order_count ",
            "FROM customers c WHERE c.created_at <= $1 AND (c.created_at < $1 OR c.id < $2) ",
            $accounts,
            " ORDER BY c.created_at DESC, c.id DESC LIMIT $3) a ",
            "UNION ALL ",
            "SELECT * FROM (SELECT 'guest' AS kind, o.id, o.name AS label, o.email, o.created_at AS at, ",
            "o.created_at AS active, (SELECT COUNT(*) FROM orders g WHERE g.customer_id IS NULL ",
            "AND g.email_key = o.email_key) AS order_count ",
            "FROM orders o WHERE o.customer_id IS NULL AND o.email <> '' ",
            "AND o.created_at <= $1 AND (o.created_at < $1 OR o.id < $2) ",
            "AND NOT EXISTS (SELECT 1 FROM orders n WHERE n.customer_id IS NULL AND n.email_key = o.email_key ",
            "AND (n.created_at > o.created_at OR (n.created_at = o.created_at AND n.id > o.id))) ",
            $guests,
            " ORDER BY o.created_at DESC, o.id DESC LIMIT $3) g",
            ") people ORDER BY at DESC, id DESC LIMIT $3"
        )
    };
}

const PEOPLE: &str = people_list!("", "");
const PEOPLE_MATCHING: &str = people_list!(
    "AND c.id IN (SELECT id FROM customers WHERE username_key >= $4 AND username_key < $5 \
     UNION SELECT id FROM customers WHERE email_key >= $4 AND email_key < $5)",
    "AND o.email_key >= $4 AND o.email_key < $5"
);

// Quarter hours: every time zone's offset is a whole number of them, so the page can fold them
// into the shop's local days exactly.
const SALES_BY_DAY: &str = "SELECT created_at / 900000000 AS day, currency, COUNT(*) AS orders, \
     CAST(SUM(total_minor) AS BIGINT) AS total_minor FROM orders \
     WHERE status IN ('confirmed', 'fulfilled') AND created_at >= $1 AND created_at < $2 \
     GROUP BY created_at / 900000000, currency ORDER BY day, currency";
const ORDERS_BY_STATE: &str =
    "SELECT status, COUNT(*) AS orders FROM orders WHERE created_at >= $1 AND created_at < $2 GROUP BY status";
const OPEN_REQUESTS: &str = "SELECT id, kind, status, received_at, due_at, target_at FROM privacy_requests \
     WHERE status IN ('open', 'extended') ORDER BY due_at, id";

pub(crate) const STATEMENTS: &[(&str, &str)] = &[
    ("backoffice.orders", ORDERS),
    ("backoffice.orders_in_state", ORDERS_IN_STATE),
    ("backoffice.orders_by_email", ORDERS_BY_EMAIL),
    ("backoffice.order_by_number", ORDER_BY_NUMBER),
    ("backoffice.customers", CUSTOMERS),
    ("backoffice.people", PEOPLE),
    ("backoffice.people_matching", PEOPLE_MATCHING),
    ("backoffice.customers_matching", CUSTOMERS_MATCHING),
    ("backoffice.customer", CUSTOMER),
    ("backoffice.customer_spent", CUSTOMER_SPENT),
    ("backoffice.customer_recent", CUSTOMER_RECENT),
    ("backoffice.sales_by_day", SALES_BY_DAY),
    ("backoffice.orders_by_state", ORDERS_BY_STATE),
    ("backoffice.open_requests", OPEN_REQUESTS),
];

/// Where a page ends: the last row's time and id. Opaque to the page (`encode`/`decode` for a
/// query string); it names a record, never a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cursor {
    pub at: i64,
    pub id: Uuid,
}

impl Cursor {
    pub fn encode(&self) -> String {
        format!("{}.{}", self.at, self.id.simple())
    }

    /// `None` for anything `encode` did not make.
    pub fn decode(text: &str) -> Option<Self> {
        let (at, id) = text.split_once('.')?;
        if id.len() != 32 {
            return None;
        }
        Some(Self { at: at.parse().ok()?, id: Uuid::try_parse(id).ok()? })
    }

    /// Before every row.
    const END: Cursor = Cursor { at: i64::MAX, id: Uuid::max() };
}

/// One page of a list, and the cursor of the next when there is one.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Cursor>,
}

fn page_size(limit: u32) -> i64 {
    i64::from(limit.clamp(1, MAX_PAGE_SIZE))
}

/// Cuts the one extra row fetched to learn whether a next page exists.
fn into_page<T>(mut items: Vec<T>, limit: i64, key: impl Fn(&T) -> Cursor) -> Page<T> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let next = if items.len() > limit {
        items.truncate(limit);
        items.last().map(key)
    } else {
        None
    };
    Page { items, next }
}

/// The smallest string greater than every string starting with `prefix` (in code-point order,
/// which is byte order for UTF-8): the exclusive end of a prefix range. `None` when the prefix
/// is all U+10FFFF, which no key starts with.
pub fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let mut next = u32::from(last) + 1;
        if (0xD800..0xE000).contains(&next) {
            next = 0xE000;
        }
        if let Some(c) = char::from_u32(next) {
            chars.push(c);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// What a staff member typed in the orders search box.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderSearch {
    /// An order number, matched exactly (case-insensitively): `ME-2026-000123`.
    Number(String),
    /// The start of (or a whole) customer's email, lowercase.
    EmailPrefix(String),
}

impl OrderSearch {
    /// A number looks like `LETTERS-…-DIGITS` (no `@`, ends with a digit, has a hyphen);
    /// anything else is the start of an email. `None` for blank input.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let number_like = !text.contains('@')
            && text.contains('-')
            && text.ends_with(|c: char| c.is_ascii_digit())
            && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        Some(if number_like {
            Self::Number(text.to_ascii_uppercase())
        } else {
            // Orders are keyed by the address lowercased in full Unicode (migration 0027).
            Self::EmailPrefix(luxevault_core::pii::email_key(text))
        })
    }
}

/// Filters of the orders list; all optional.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    /// ISO code, e.g. "EUR".
    pub currency: Option<String>,
    /// Placed at or after.
    pub placed_from: Option<Timestamp>,
    /// Placed strictly before.
    pub placed_before: Option<Timestamp>,
    pub search: Option<OrderSearch>,
}

#[derive(FromRow)]
struct OrderListRecord {
    id: Uuid,
    number: String,
    status: String,
    currency: String,
    total_minor: i64,
    refunded_minor: i64,
    name: String,
    email: String,
    country: String,
    customer_id: Option<Uuid>,
    created_at: i64,
}

/// An order as a row of the list. Name and email are personal data and print redacted.
#[derive(Debug, Clone)]
pub struct OrderSummary {
    pub id: Uuid,
    pub number: String,
    pub status: OrderStatus,
    pub currency: String,
    pub total_minor: i64,
    /// What was refunded of the total so far.
    pub refunded_minor: i64,
    pub name: Pii<String>,
    pub email: Pii<String>,
    pub country: String,
    pub customer_id: Option<Uuid>,
    pub placed_at: Timestamp,
}

impl OrderSummary {
    pub fn cursor(&self) -> Cursor {
        Cursor { at: self.placed_at.as_micros(), id: self.id }
    }
}

impl TryFrom<OrderListRecord> for OrderSummary {
    type Error = DbError;

    fn try_from(r: OrderListRecord) -> Result<Self, DbError> {
        let status = OrderStatus::parse(&r.status)
            .ok_or_else(|| DbError::Invalid(format!("stored order status {:?}", r.status)))?;
        Ok(Self {
            id: r.id,
            number: r.number,
            status,
            currency: r.currency,
            total_minor: r.total_minor,
            refunded_minor: r.refunded_minor,
            name: Pii::new(r.name),
            email: Pii::new(r.email),
            country: r.country,
            customer_id: r.customer_id,
            placed_at: Timestamp(r.created_at),
        })
    }
}

#[derive(FromRow)]
struct CustomerRecord {
    id: Uuid,
    username: String,
    email: String,
    lang: String,
    created_at: i64,
    last_active_at: i64,
    order_count: i64,
}

/// A customer as a row of the list.
#[derive(Debug, Clone)]
pub struct CustomerSummary {
    pub id: Uuid,
    pub username: Pii<String>,
    pub email: Pii<String>,
    pub lang: String,
    pub created_at: Timestamp,
    pub last_active_at: Timestamp,
    /// Every order linked to the account, whatever its state.
    pub order_count: i64,
}

impl CustomerSummary {
    pub fn cursor(&self) -> Cursor {
        Cursor { at: self.created_at.as_micros(), id: self.id }
    }
}

impl From<CustomerRecord> for CustomerSummary {
    fn from(r: CustomerRecord) -> Self {
        Self {
            id: r.id,
            username: Pii::new(r.username),
            email: Pii::new(r.email),
            lang: r.lang,
            created_at: Timestamp(r.created_at),
            last_active_at: Timestamp(r.last_active_at),
            order_count: r.order_count,
        }
    }
}

#[derive(FromRow)]
struct PersonRecord {
    kind: String,
    id: Uuid,
    label: String,
    email: String,
    at: i64,
    active: i64,
    order_count: i64,
}

/// Whether a row of the customers list is an account or a guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonKind {
    Account,
    /// Orders placed without an account under one email; `id` is the latest one's.
    Guest,
}

/// A row of the customers list: an account (its id, username, when opened and last active) or
/// a guest (the id of their latest order, the name on it, when it was placed).
#[derive(Debug, Clone)]
pub struct PersonSummary {
    pub kind: PersonKind,
    pub id: Uuid,
    /// The account's username, or the name on the guest's latest order.
    pub label: Pii<String>,
    pub email: Pii<String>,
    /// When the account was opened, or the guest's latest order placed: the list's order.
    pub at: Timestamp,
    pub last_active_at: Timestamp,
    pub order_count: i64,
}

impl PersonSummary {
    pub fn cursor(&self) -> Cursor {
        Cursor { at: self.at.as_micros(), id: self.id }
    }
}

impl From<PersonRecord> for PersonSummary {
    fn from(r: PersonRecord) -> Self {
        Self {
            kind: if r.kind == "guest" { PersonKind::Guest } else { PersonKind::Account },
            id: r.id,
            label: Pii::new(r.label),
            email: Pii::new(r.email),
            at: Timestamp(r.at),
            last_active_at: Timestamp(r.active),
            order_count: r.order_count,
        }
    }
}

/// Paid orders and their total in one currency.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct CurrencyTotal {
    pub currency: String,
    pub orders: i64,
    pub total_minor: i64,
}

/// A customer's page: the account, what they spent (paid orders, per currency), their latest
/// orders.
#[derive(Debug, Clone)]
pub struct CustomerProfile {
    pub customer: CustomerSummary,
    pub spent: Vec<CurrencyTotal>,
    pub recent_orders: Vec<OrderSummary>,
}

/// Paid orders of one UTC day in one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailySales {
    /// The shop's local date, as midnight UTC of that calendar date (`ShopTimeZone::calendar_day`).
    pub day: Timestamp,
    pub currency: String,
    pub orders: i64,
    pub total_minor: i64,
}

#[derive(FromRow)]
struct DailySalesRecord {
    day: i64,
    currency: String,
    orders: i64,
    total_minor: i64,
}

/// An open rights request and its clock (no contact details: a chart does not need them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenRequest {
    pub id: Uuid,
    pub kind: String,
    pub status: String,
    pub received_at: Timestamp,
    /// The legal deadline (P17: 30 days, or as extended).
    pub due_at: Timestamp,
    /// The house's own aim (5 business days).
    pub target_at: Timestamp,
}

impl OpenRequest {
    /// Whole days until the deadline, rounded down; negative once overdue (−1 from the first
    /// microsecond late).
    pub fn days_left(&self, now: Timestamp) -> i64 {
        (self.due_at.as_micros() - now.as_micros()).div_euclid(Timestamp::MICROS_PER_DAY)
    }
}

#[derive(FromRow)]
struct OpenRequestRecord {
    id: Uuid,
    kind: String,
    status: String,
    received_at: i64,
    due_at: i64,
    target_at: i64,
}

/// The back office's reads.
pub struct BackOffice;

impl BackOffice {
    /// Orders, newest first, filtered, one page after `after` (the previous page's `next`).
    /// `limit` is clamped to 1..=[`MAX_PAGE_SIZE`].
    pub async fn orders(
        db: &Db,
        filter: &OrderFilter,
        after: Option<Cursor>,
        limit: u32,
    ) -> Result<Page<OrderSummary>, DbError> {
        let limit = page_size(limit);
        // The end of the date range is a bound like the cursor: take the earlier of the two.
        let mut bound = after.unwrap_or(Cursor::END);
        if let Some(before) = filter.placed_before {
            bound = bound.min(Cursor { at: before.as_micros(), id: Uuid::nil() });
        }
        let from = filter.placed_from.map_or(i64::MIN, Timestamp::as_micros);
        let currency = filter.currency.as_deref();
        let status = filter.status.map(OrderStatus::as_str);
        let records: Vec<OrderListRecord> = match &filter.search {
            Some(OrderSearch::Number(number)) => {
                let found: Option<OrderListRecord> =
                    on_db!(db, pool => sqlx::query_as(ORDER_BY_NUMBER).bind(number).fetch_optional(pool).await)?;
                found
                    .into_iter()
                    .filter(|r| {
                        Cursor { at: r.created_at, id: r.id } < bound
                            && r.created_at >= from
                            && currency.is_none_or(|c| c == r.currency)
                            && status.is_none_or(|s| s == r.status)
                    })
                    .collect()
            }
            Some(OrderSearch::EmailPrefix(prefix)) => {
                if prefix.is_empty() {
                    Vec::new()
                } else {
                    let end = prefix_end(prefix).unwrap_or_else(|| format!("{prefix}\u{10FFFF}"));
                    on_db!(db, pool => sqlx::query_as(ORDERS_BY_EMAIL)
                        .bind(bound.at)
                        .bind(bound.id)
                        .bind(from)
                        .bind(currency)
                        .bind(limit + 1)
                        .bind(prefix)
                        .bind(&end)
                        .bind(status)
                        .fetch_all(pool)
                        .await)?
                }
            }
            None => match status {
                Some(status) => on_db!(db, pool => sqlx::query_as(ORDERS_IN_STATE)
                    .bind(bound.at)
                    .bind(bound.id)
                    .bind(from)
                    .bind(currency)
                    .bind(limit + 1)
                    .bind(status)
                    .fetch_all(pool)
                    .await)?,
                None => on_db!(db, pool => sqlx::query_as(ORDERS)
                    .bind(bound.at)
                    .bind(bound.id)
                    .bind(from)
                    .bind(currency)
                    .bind(limit + 1)
                    .fetch_all(pool)
                    .await)?,
            },
        };
        let items = records.into_iter().map(OrderSummary::try_from).collect::<Result<Vec<_>, _>>()?;
        Ok(into_page(items, limit, OrderSummary::cursor))
    }

    /// Customers, newest first; with `search`, those whose username or email starts with it
    /// (case-insensitively).
    pub async fn customers(
        db: &Db,
        search: Option<&str>,
        after: Option<Cursor>,
        limit: u32,
    ) -> Result<Page<CustomerSummary>, DbError> {
        let limit = page_size(limit);
        let bound = after.unwrap_or(Cursor::END);
        // The keys are stored as Rust's to_lowercase() makes them (accounts.rs).
        let search = search.map(luxevault_core::pii::email_key).filter(|s| !s.is_empty());
        let records: Vec<CustomerRecord> = match search {
            Some(prefix) => {
                let end = prefix_end(&prefix).unwrap_or_else(|| format!("{prefix}\u{10FFFF}"));
                on_db!(db, pool => sqlx::query_as(CUSTOMERS_MATCHING)
                    .bind(bound.at)
                    .bind(bound.id)
                    .bind(limit + 1)
                    .bind(&prefix)
                    .bind(&end)
                    .fetch_all(pool)
                    .await)?
            }
            None => on_db!(db, pool => sqlx::query_as(CUSTOMERS)
                .bind(bound.at)
                .bind(bound.id)
                .bind(limit + 1)
                .fetch_all(pool)
                .await)?,
        };
        let items = records.into_iter().map(CustomerSummary::from).collect();
        Ok(into_page(items, limit, CustomerSummary::cursor))
    }

    /// The customers list with the guests among them, newest first (an account by its opening,
    /// a guest by their latest order); with `search`, those whose username or email starts with
    /// it (case-insensitively, in full Unicode: orders carry the address's key, migration 0027).
    pub async fn people(
        db: &Db,
        search: Option<&str>,
        after: Option<Cursor>,
        limit: u32,
    ) -> Result<Page<PersonSummary>, DbError> {
        let limit = page_size(limit);
        let bound = after.unwrap_or(Cursor::END);
        let search = search.map(luxevault_core::pii::email_key).filter(|s| !s.is_empty());
        let records: Vec<PersonRecord> = match search {
            Some(prefix) => {
                let end = prefix_end(&prefix).unwrap_or_else(|| format!("{prefix}\u{10FFFF}"));
                on_db!(db, pool => sqlx::query_as(PEOPLE_MATCHING)
                    .bind(bound.at)
                    .bind(bound.id)
                    .bind(limit + 1)
                    .bind(&prefix)
                    .bind(&end)
                    .fetch_all(pool)
                    .await)?
            }
            None => on_db!(db, pool => sqlx::query_as(PEOPLE)
                .bind(bound.at)
                .bind(bound.id)
                .bind(limit + 1)
                .fetch_all(pool)
                .await)?,
        };
        let items = records.into_iter().map(PersonSummary::from).collect();
        Ok(into_page(items, limit, PersonSummary::cursor))
    }

    /// A customer's profile, with up to `recent` of their latest orders.
    pub async fn customer(db: &Db, id: Uuid, recent: u32) -> Result<Option<CustomerProfile>, DbError> {
        let recent = page_size(recent);
        let (record, spent, orders) = on_db!(db, pool => {
            let record: Option<CustomerRecord> = sqlx::query_as(CUSTOMER).bind(id).fetch_optional(pool).await?;
            if record.is_none() {
                return Ok(None);
            }
            let spent: Vec<CurrencyTotal> = sqlx::query_as(CUSTOMER_SPENT).bind(id).fetch_all(pool).await?;
            let orders: Vec<OrderListRecord> =
                sqlx::query_as(CUSTOMER_RECENT).bind(id).bind(recent).fetch_all(pool).await?;
            Ok::<_, sqlx::Error>((record, spent, orders))
        })?;
        let Some(record) = record else { return Ok(None) };
        let recent_orders = orders.into_iter().map(OrderSummary::try_from).collect::<Result<Vec<_>, _>>()?;
        Ok(Some(CustomerProfile { customer: record.into(), spent, recent_orders }))
    }

    /// Paid orders (money captured: confirmed or fulfilled; not authorised-only, cancelled or
    /// refunded) per local day of placing in `zone` and currency, over `[from, to)`, by day then
    /// currency. Days without sales are absent.
    pub async fn sales_by_day(
        db: &Db,
        from: Timestamp,
        to: Timestamp,
        zone: &ShopTimeZone,
    ) -> Result<Vec<DailySales>, DbError> {
        const QUARTER_HOUR: i64 = 900 * Timestamp::MICROS_PER_SECOND;
        let rows: Vec<DailySalesRecord> = on_db!(db, pool => sqlx::query_as(SALES_BY_DAY)
            .bind(from.as_micros())
            .bind(to.as_micros())
            .fetch_all(pool)
            .await)?;
        let mut days: Vec<DailySales> = Vec::new();
        for r in rows {
            let day = zone.calendar_day(Timestamp(r.day.saturating_mul(QUARTER_HOUR)));
            match days.iter_mut().find(|d| d.day == day && d.currency == r.currency) {
                Some(d) => {
                    d.orders += r.orders;
                    d.total_minor += r.total_minor;
                }
                None => {
                    days.push(DailySales { day, currency: r.currency, orders: r.orders, total_minor: r.total_minor })
                }
            }
        }
        days.sort_by(|a, b| (a.day, &a.currency).cmp(&(b.day, &b.currency)));
        Ok(days)
    }

    /// How many orders placed in `[from, to)` are in each state, every state listed (zeros too),
    /// in the state machine's order.
    pub async fn orders_by_state(db: &Db, from: Timestamp, to: Timestamp) -> Result<Vec<(OrderStatus, i64)>, DbError> {
        let rows: Vec<(String, i64)> = on_db!(db, pool => sqlx::query_as(ORDERS_BY_STATE)
            .bind(from.as_micros())
            .bind(to.as_micros())
            .fetch_all(pool)
            .await)?;
        let mut counts: Vec<(OrderStatus, i64)> = OrderStatus::ALL.iter().map(|&s| (s, 0)).collect();
        for (status, n) in rows {
            let status = OrderStatus::parse(&status)
                .ok_or_else(|| DbError::Invalid(format!("stored order status {status:?}")))?;
            if let Some(entry) = counts.iter_mut().find(|(s, _)| *s == status) {
                entry.1 = n;
            }
        }
        Ok(counts)
    }

    /// Rights requests being worked on (verified, open or extended), soonest deadline first.
    pub async fn open_privacy_requests(db: &Db) -> Result<Vec<OpenRequest>, DbError> {
        let rows: Vec<OpenRequestRecord> = on_db!(db, pool => sqlx::query_as(OPEN_REQUESTS).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(|r| OpenRequest {
                id: r.id,
                kind: r.kind,
                status: r.status,
                received_at: Timestamp(r.received_at),
                due_at: Timestamp(r.due_at),
                target_at: Timestamp(r.target_at),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_ranges_cover_exactly_the_prefix() {
        assert_eq!(prefix_end("jane").as_deref(), Some("janf"));
        assert_eq!(prefix_end("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_end("\u{D7FF}").as_deref(), Some("\u{E000}"));
        assert_eq!(prefix_end("\u{10FFFF}"), None);
        for key in ["jane", "jane@x.fr", "janez", "jane\u{10FFFF}"] {
            assert!(("jane".."janf").contains(&key), "{key}");
        }
        for key in ["janf", "jan", "jan@"] {
            assert!(!("jane".."janf").contains(&key), "{key}");
        }
    }

    #[test]
    fn search_tells_numbers_from_emails() {
        assert_eq!(OrderSearch::parse(" me-2026-000123 "), Some(OrderSearch::Number("ME-2026-000123".into())));
        assert_eq!(OrderSearch::parse("Jane@X"), Some(OrderSearch::EmailPrefix("jane@x".into())));
        assert_eq!(OrderSearch::parse("jane"), Some(OrderSearch::EmailPrefix("jane".into())));
        assert_eq!(OrderSearch::parse("anne-2"), Some(OrderSearch::Number("ANNE-2".into())));
        assert_eq!(OrderSearch::parse("a.b-2"), Some(OrderSearch::EmailPrefix("a.b-2".into())));
        assert_eq!(OrderSearch::parse("   "), None);
    }

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        let c = Cursor { at: 1_795_341_600_000_000, id: Uuid::from_u128(0x0123_4567_89ab_cdef) };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        for bad in ["", ".", "12", "x.00000000000000000000000000000001", "1.zz", "1.0123-4567"] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn days_left_rounds_down_and_goes_negative_when_late() {
        let day = Timestamp::MICROS_PER_DAY;
        let r = OpenRequest {
            id: Uuid::nil(),
            kind: "access".into(),
            status: "open".into(),
            received_at: Timestamp(0),
            due_at: Timestamp(10 * day),
            target_at: Timestamp(5 * day),
        };
        assert_eq!(r.days_left(Timestamp(0)), 10);
        assert_eq!(r.days_left(Timestamp(9 * day + 1)), 0);
        assert_eq!(r.days_left(Timestamp(10 * day)), 0);
        assert_eq!(r.days_left(Timestamp(10 * day + 1)), -1);
    }
}
