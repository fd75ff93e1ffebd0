//! Orders: created with their stock reserved under an idempotency key, moved through the state
//! machine with every move recorded, and the payment events already applied.

use luxevault_core::ids::new_id;
use luxevault_core::order::{Actor, OrderStatus, TransitionError, check_transition};
use luxevault_core::{Pii, Timestamp};
use sqlx::FromRow;
use uuid::Uuid;

use crate::jobs::NewJob;
use crate::{Db, DbError, on_db};

const BY_KEY: &str = "SELECT id, request_hash FROM orders WHERE idempotency_key = $1";
const PAYMENT_URL: &str = "SELECT payment_url FROM orders WHERE id = $1";
const RESERVE: &str =
    "UPDATE variants SET stock = stock - $2 WHERE sku = $1 AND stock >= $2 AND availability = 'active'";
const RELEASE: &str = "UPDATE variants SET stock = stock + $2 WHERE sku = $1";
const NEXT_NUMBER: &str = "INSERT INTO order_counters (series, last_number) VALUES ($1, 1) \
     ON CONFLICT (series) DO UPDATE SET last_number = order_counters.last_number + 1 RETURNING last_number";
const INSERT_ORDER: &str = "INSERT INTO orders (id, number, customer_id, status, currency, subtotal_minor, total_minor, \
     lang, name, email, phone, address_line1, address_line2, city, postcode, country, payment_provider, \
     idempotency_key, request_hash, created_at, updated_at, shipping_code, shipping_name, shipping_minor, tax_minor, \
     tax_included, duties_paid, email_key) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20, \
     $21, $22, $23, $24, $25, $26, $27)";
const INSERT_TAX_LINE: &str = "INSERT INTO order_tax_lines (order_id, position, name, rate_bp, base_minor, amount_minor) \
     VALUES ($1, $2, $3, $4, $5, $6)";
const TAX_LINES: &str =
    "SELECT name, rate_bp, base_minor, amount_minor FROM order_tax_lines WHERE order_id = $1 ORDER BY position";
const INSERT_LINE: &str = "INSERT INTO order_lines (order_id, position, sku, product_slug, name, variant_label, quantity, \
     unit_minor, total_minor) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
const INSERT_EVENT: &str = "INSERT INTO order_events (id, order_id, at, from_status, to_status, actor, reason) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";
const BUMP_CATALOG: &str = "UPDATE catalog_state SET version = version + 1, updated_at = $1 WHERE id = 1";
const STATUS: &str = "SELECT status FROM orders WHERE id = $1";
const SET_STATUS: &str = "UPDATE orders SET status = $2, updated_at = $4 WHERE id = $1 AND status = $3";
// A provider may not know the payment id yet (Stripe creates it when the customer pays): never
// forget one already learnt.
const SET_PAYMENT: &str = "UPDATE orders SET payment_session_id = $2, payment_id = COALESCE($3, payment_id), \
     payment_url = $5, updated_at = $4 WHERE id = $1";
const SET_PAYMENT_ID: &str =
    "UPDATE orders SET payment_id = $2, updated_at = $3 WHERE id = $1 AND (payment_id IS NULL OR payment_id = $2)";
const LINES: &str = "SELECT position, sku, product_slug, name, variant_label, quantity, unit_minor, total_minor \
     FROM order_lines WHERE order_id = $1 ORDER BY position";
const EVENTS: &str =
    "SELECT at, from_status, to_status, actor, reason FROM order_events WHERE order_id = $1 ORDER BY at, id";
const RECORD_PAYMENT_EVENT: &str = "INSERT INTO payment_events (provider, event_id, event_type, received_at) \
     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
// Erasure: who and where go, the amounts, lines and country stay (tax law), as in retention.
const ANONYMISE_ONE: &str = "UPDATE orders SET name = '', email = '', email_key = '', phone = '', address_line1 = '', address_line2 = '', \
     city = '', postcode = '', customer_id = NULL, request_hash = '', payment_session_id = NULL, payment_id = NULL, \
     payment_url = NULL, anonymised_at = $2 WHERE id = $1";
// Staff's free text on the order's history (a refund's reason may name the person) goes with
// the order's personal data; the events themselves (when, which move, by whom) stay.
const ERASE_STAFF_REASONS: &str =
    "UPDATE order_events SET reason = $2 WHERE order_id = $1 AND actor LIKE 'staff:%' AND reason <> ''";
/// What a staff reason on an erased order's history reads as.
pub const ERASED_REASON: &str = "(erased with the person's data)";
const REQUEST_ERASURE: &str = "UPDATE orders SET erasure_requested_at = $2 WHERE id = $1";
const PAYMENT_EVENT_SEEN: &str = "SELECT COUNT(*) FROM payment_events WHERE provider = $1 AND event_id = $2";

macro_rules! select_orders {
    ($where:literal) => {
        concat!(
            "SELECT id, number, customer_id, status, currency, subtotal_minor, total_minor, lang, name, email, ",
            "phone, address_line1, address_line2, city, postcode, country, payment_provider, payment_session_id, ",
            "payment_id, created_at, updated_at, shipping_code, shipping_name, shipping_minor, tax_minor, ",
            "tax_included, duties_paid, refunded_minor FROM orders ",
            $where
        )
    };
}
const BY_ID: &str = select_orders!("WHERE id = $1");
const BY_PAYMENT: &str = select_orders!("WHERE payment_id = $1");
const BY_SESSION: &str = select_orders!("WHERE payment_session_id = $1");
const FOR_CUSTOMER: &str = select_orders!("WHERE customer_id = $1 ORDER BY created_at DESC LIMIT $2");
// The back office's plain list: the newest orders, for the order pages.
const FOR_EMAIL: &str = select_orders!("WHERE email_key = $1 ORDER BY created_at DESC LIMIT $2");
const EMAILS_TO_KEY: &str = "SELECT id, email FROM orders WHERE email <> ''";
const SET_EMAIL_KEY: &str = "UPDATE orders SET email_key = $2 WHERE id = $1";
// A phone number's orders: the key is core::checkout::phone_key's, computed in SQL with the
// expression of the index in migration 0025 (written the same, so both backends use it).
const FOR_PHONE: &str = select_orders!(
    "WHERE REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(phone, ' ', ''), '-', ''), '.', ''), '(', ''), ')', '') = $1 \
     ORDER BY created_at DESC LIMIT $2"
);
// A guest's orders: placed without an account under this email (its Unicode-lowercased key).
const FOR_GUEST: &str =
    select_orders!("WHERE email_key = $1 AND customer_id IS NULL ORDER BY created_at DESC, id DESC LIMIT $2");
// Rectification: the contact and address as staff corrected them, only while the order is in
// the state the use case checked (so an address never changes under a parcel just handed over).
const CORRECT_CONTACT: &str = "UPDATE orders SET name = $2, email = $3, phone = $4, address_line1 = $5, \
     address_line2 = $6, city = $7, postcode = $8, updated_at = $9, email_key = $11 WHERE id = $1 AND status = $10 \
     AND email <> ''";
const STALE_UNPAID: &str =
    select_orders!("WHERE status = 'awaiting_payment' AND created_at < $1 ORDER BY created_at LIMIT $2");

pub(crate) const STATEMENTS: &[(&str, &str)] = &[
    ("orders.by_key", BY_KEY),
    ("orders.payment_url", PAYMENT_URL),
    ("orders.reserve", RESERVE),
    ("orders.release", RELEASE),
    ("orders.next_number", NEXT_NUMBER),
    ("orders.insert_order", INSERT_ORDER),
    ("orders.insert_tax_line", INSERT_TAX_LINE),
    ("orders.tax_lines", TAX_LINES),
    ("orders.insert_line", INSERT_LINE),
    ("orders.insert_event", INSERT_EVENT),
    ("orders.bump_catalog", BUMP_CATALOG),
    ("orders.status", STATUS),
    ("orders.set_status", SET_STATUS),
    ("orders.set_payment", SET_PAYMENT),
    ("orders.set_payment_id", SET_PAYMENT_ID),
    ("orders.lines", LINES),
    ("orders.events", EVENTS),
    ("orders.record_payment_event", RECORD_PAYMENT_EVENT),
    ("orders.for_phone", FOR_PHONE),
    ("orders.for_guest", FOR_GUEST),
    ("orders.correct_contact", CORRECT_CONTACT),
    ("orders.payment_event_seen", PAYMENT_EVENT_SEEN),
    ("orders.anonymise_one", ANONYMISE_ONE),
    ("orders.erase_staff_reasons", ERASE_STAFF_REASONS),
    ("orders.request_erasure", REQUEST_ERASURE),
    ("orders.by_id", BY_ID),
    ("orders.by_payment", BY_PAYMENT),
    ("orders.by_session", BY_SESSION),
    ("orders.for_customer", FOR_CUSTOMER),
    ("orders.for_email", FOR_EMAIL),
    ("orders.emails_to_key", EMAILS_TO_KEY),
    ("orders.set_email_key", SET_EMAIL_KEY),
    ("orders.stale_unpaid", STALE_UNPAID),
];

#[derive(FromRow)]
struct OrderRecord {
    id: Uuid,
    number: String,
    customer_id: Option<Uuid>,
    status: String,
    currency: String,
    subtotal_minor: i64,
    total_minor: i64,
    lang: String,
    name: String,
    email: String,
    phone: String,
    address_line1: String,
    address_line2: String,
    city: String,
    postcode: String,
    country: String,
    payment_provider: String,
    payment_session_id: Option<String>,
    payment_id: Option<String>,
    created_at: i64,
    updated_at: i64,
    shipping_code: String,
    shipping_name: String,
    shipping_minor: i64,
    tax_minor: i64,
    tax_included: bool,
    duties_paid: bool,
    refunded_minor: i64,
}

/// An order as stored. Contact fields are personal data and print redacted.
#[derive(Debug, Clone)]
pub struct OrderRow {
    pub id: Uuid,
    pub number: String,
    pub customer_id: Option<Uuid>,
    pub status: OrderStatus,
    pub currency: String,
    pub subtotal_minor: i64,
    pub total_minor: i64,
    pub lang: String,
    pub name: Pii<String>,
    pub email: Pii<String>,
    pub phone: Pii<String>,
    pub address_line1: Pii<String>,
    pub address_line2: Pii<String>,
    pub city: Pii<String>,
    pub postcode: Pii<String>,
    pub country: String,
    pub payment_provider: String,
    pub payment_session_id: Option<String>,
    pub payment_id: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub delivery: OrderDelivery,
    /// What was refunded of `total_minor` so far (reserved while a refund is asked of the
    /// provider); never above the total.
    pub refunded_minor: i64,
}

impl OrderRow {
    /// What may still be refunded of the money taken.
    pub fn refundable_minor(&self) -> i64 {
        (self.total_minor - self.refunded_minor).max(0)
    }
}

/// An order's contact and address as corrected (rectification).
pub struct CorrectedContact<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
    pub address_line1: &'a str,
    pub address_line2: &'a str,
    pub city: &'a str,
    pub postcode: &'a str,
}

/// What an order was charged for delivery and tax. `tax_minor` is inside the total when
/// `tax_included`, added to it otherwise.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderDelivery {
    /// Empty for orders placed before delivery was priced (free, no tax lines).
    pub shipping_code: String,
    pub shipping_name: String,
    pub shipping_minor: i64,
    pub tax_minor: i64,
    pub tax_included: bool,
    pub duties_paid: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct OrderTaxLineRow {
    pub name: String,
    pub rate_bp: i32,
    pub base_minor: i64,
    pub amount_minor: i64,
}

impl TryFrom<OrderRecord> for OrderRow {
    type Error = DbError;

    fn try_from(r: OrderRecord) -> Result<Self, DbError> {
        let status = OrderStatus::parse(&r.status)
            .ok_or_else(|| DbError::Invalid(format!("stored order status {:?}", r.status)))?;
        Ok(Self {
            id: r.id,
            number: r.number,
            customer_id: r.customer_id,
            status,
            currency: r.currency,
            subtotal_minor: r.subtotal_minor,
            total_minor: r.total_minor,
            lang: r.lang,
            name: Pii::new(r.name),
            email: Pii::new(r.email),
            phone: Pii::new(r.phone),
            address_line1: Pii::new(r.address_line1),
            address_line2: Pii::new(r.address_line2),
            city: Pii::new(r.city),
            postcode: Pii::new(r.postcode),
            country: r.country,
            payment_provider: r.payment_provider,
            payment_session_id: r.payment_session_id,
            payment_id: r.payment_id,
            created_at: Timestamp(r.created_at),
            updated_at: Timestamp(r.updated_at),
            delivery: OrderDelivery {
                shipping_code: r.shipping_code,
                shipping_name: r.shipping_name,
                shipping_minor: r.shipping_minor,
                tax_minor: r.tax_minor,
                tax_included: r.tax_included,
                duties_paid: r.duties_paid,
            },
            refunded_minor: r.refunded_minor,
        })
    }
}

#[derive(Debug, Clone, FromRow)]
pub struct OrderLineRow {
    pub position: i32,
    pub sku: String,
    pub product_slug: String,
    pub name: String,
    pub variant_label: String,
    pub quantity: i32,
    pub unit_minor: i64,
    pub total_minor: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct OrderEventRow {
    pub at: i64,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor: String,
    pub reason: String,
}

pub struct NewOrderLine {
    pub sku: String,
    pub product_slug: String,
    pub name: String,
    pub variant_label: String,
    pub quantity: i32,
    pub unit_minor: i64,
    pub total_minor: i64,
}

/// Contact and shipping fields, already validated by the core.
pub struct NewOrderContact<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
    pub address_line1: &'a str,
    pub address_line2: &'a str,
    pub city: &'a str,
    pub postcode: &'a str,
    pub country: &'a str,
}

pub struct NewOrder<'a> {
    pub customer_id: Option<Uuid>,
    /// The order number's series, e.g. "ME-2026"; numbers count up within it.
    pub series: &'a str,
    pub currency: &'a str,
    pub subtotal_minor: i64,
    pub total_minor: i64,
    pub lang: &'a str,
    pub contact: NewOrderContact<'a>,
    pub lines: Vec<NewOrderLine>,
    pub payment_provider: &'a str,
    pub idempotency_key: &'a str,
    /// A digest of the request, so a key reused for another cart is refused.
    pub request_hash: &'a str,
    pub actor: Actor,
    pub delivery: OrderDelivery,
    pub tax_lines: Vec<OrderTaxLineRow>,
}

#[derive(Debug)]
pub enum CreateOrder {
    Created(Box<OrderRow>),
    /// The same request again under the same key: the order it made.
    Replayed(Box<OrderRow>),
    /// The key was used for a different request.
    KeyReused,
    /// These SKUs do not have the stock asked for; nothing was written.
    OutOfStock(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    Applied {
        from: OrderStatus,
    },
    /// A late or repeated event: the order is already there or past it. Nothing changed.
    Ignored,
    Refused(TransitionError),
    NotFound,
}

pub struct Orders;

fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.is_unique_violation())
}

impl Orders {
    /// Creates an order and reserves its stock in one transaction, under an idempotency key:
    /// a double submit or a retry yields the one order.
    pub async fn create(db: &Db, order: &NewOrder<'_>, now: Timestamp) -> Result<CreateOrder, DbError> {
        match Self::try_create(db, order, now).await {
            Err(DbError::Sqlx(ref e)) if is_unique_violation(e) => Self::replay(db, order).await,
            other => other,
        }
    }

    async fn replay(db: &Db, order: &NewOrder<'_>) -> Result<CreateOrder, DbError> {
        let existing: Option<(Uuid, String)> =
            on_db!(db, pool => sqlx::query_as(BY_KEY).bind(order.idempotency_key).fetch_optional(pool).await)?;
        match existing {
            Some((_, hash)) if hash != order.request_hash => Ok(CreateOrder::KeyReused),
            Some((id, _)) => match Self::by_id(db, id).await? {
                Some(row) => Ok(CreateOrder::Replayed(Box::new(row))),
                None => Err(DbError::Invalid("an order vanished during creation".into())),
            },
            None => Err(DbError::Invalid("the order could not be found under its idempotency key".into())),
        }
    }

    async fn try_create(db: &Db, order: &NewOrder<'_>, now: Timestamp) -> Result<CreateOrder, DbError> {
        // A retry: answer with the order it made, before touching stock.
        let known: Option<(Uuid, String)> =
            on_db!(db, pool => sqlx::query_as(BY_KEY).bind(order.idempotency_key).fetch_optional(pool).await)?;
        if known.is_some() {
            return Self::replay(db, order).await;
        }
        let at = now.as_micros();
        let id = new_id(now);
        let outcome = on_db!(db, pool => {
            // The first statement writes: SQLite then takes the writer lock at once (waiting under
            // the busy timeout) instead of failing to upgrade a read lock under contention.
            let mut tx = pool.begin().await?;
            {
                let mut short = Vec::new();
                // In SKU order: two carts holding the same pieces lock them in the same order,
                // so PostgreSQL never deadlocks between them.
                let mut by_sku: Vec<&NewOrderLine> = order.lines.iter().collect();
                by_sku.sort_by(|a, b| a.sku.cmp(&b.sku));
                for line in by_sku {
                    let reserved = sqlx::query(RESERVE).bind(&line.sku).bind(i64::from(line.quantity)).execute(&mut *tx).await?;
                    if reserved.rows_affected() == 0 {
                        short.push(line.sku.clone());
                    }
                }
                if !short.is_empty() {
                    tx.rollback().await?;
                    Err(short)
                } else {
                    let counter: i64 = sqlx::query_scalar(NEXT_NUMBER).bind(order.series).fetch_one(&mut *tx).await?;
                    let number = format!("{}-{counter:06}", order.series);
                    let c = &order.contact;
                    sqlx::query(INSERT_ORDER)
                        .bind(id)
                        .bind(&number)
                        .bind(order.customer_id)
                        .bind(OrderStatus::AwaitingPayment.as_str())
                        .bind(order.currency)
                        .bind(order.subtotal_minor)
                        .bind(order.total_minor)
                        .bind(order.lang)
                        .bind(c.name)
                        .bind(c.email)
                        .bind(c.phone)
                        .bind(c.address_line1)
                        .bind(c.address_line2)
                        .bind(c.city)
                        .bind(c.postcode)
                        .bind(c.country)
                        .bind(order.payment_provider)
                        .bind(order.idempotency_key)
                        .bind(order.request_hash)
                        .bind(at)
                        .bind(&order.delivery.shipping_code)
                        .bind(&order.delivery.shipping_name)
                        .bind(order.delivery.shipping_minor)
                        .bind(order.delivery.tax_minor)
                        .bind(order.delivery.tax_included)
                        .bind(order.delivery.duties_paid)
                        .bind(luxevault_core::pii::email_key(c.email))
                        .execute(&mut *tx)
                        .await?;
                    for (position, line) in order.tax_lines.iter().enumerate() {
                        sqlx::query(INSERT_TAX_LINE)
                            .bind(id)
                            .bind(position as i32)
                            .bind(&line.name)
                            .bind(line.rate_bp)
                            .bind(line.base_minor)
                            .bind(line.amount_minor)
                            .execute(&mut *tx)
                            .await?;
                    }
                    for (position, line) in order.lines.iter().enumerate() {
                        sqlx::query(INSERT_LINE)
                            .bind(id)
                            .bind(position as i32)
                            .bind(&line.sku)
                            .bind(&line.product_slug)
                            .bind(&line.name)
                            .bind(&line.variant_label)
                            .bind(line.quantity)
                            .bind(line.unit_minor)
                            .bind(line.total_minor)
                            .execute(&mut *tx)
                            .await?;
                    }
                    sqlx::query(INSERT_EVENT)
                        .bind(new_id(now))
                        .bind(id)
                        .bind(at)
                        .bind(None::<String>)
                        .bind(OrderStatus::AwaitingPayment.as_str())
                        .bind(order.actor.as_string())
                        .bind("order placed")
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(BUMP_CATALOG).bind(at).execute(&mut *tx).await?;
                    tx.commit().await?;
                    Ok(())
                }
            }
        });
        match outcome {
            // The same key may have won the last pieces a moment ago (a double click).
            Err(short) => match Self::replay(db, order).await {
                Ok(replayed @ (CreateOrder::Replayed(_) | CreateOrder::KeyReused)) => Ok(replayed),
                _ => Ok(CreateOrder::OutOfStock(short)),
            },
            Ok(()) => match Self::by_id(db, id).await? {
                Some(row) => Ok(CreateOrder::Created(Box::new(row))),
                None => Err(DbError::Invalid("the new order could not be read back".into())),
            },
        }
    }

    /// Moves an order, recording who, when and why; gives stock back when it is cancelled.
    /// Compare-and-set on the status, so two events racing cannot both apply.
    pub async fn transition(
        db: &Db,
        order_id: Uuid,
        to: OrderStatus,
        actor: &Actor,
        reason: &str,
        now: Timestamp,
    ) -> Result<Transition, DbError> {
        Self::transition_with(db, order_id, to, actor, reason, &[], now).await
    }

    /// A move and the work it sets off (an email, a capture) in one transaction: either the
    /// order moved and its jobs are queued, or neither — a crash between the two loses nothing.
    pub async fn transition_with(
        db: &Db,
        order_id: Uuid,
        to: OrderStatus,
        actor: &Actor,
        reason: &str,
        jobs: &[NewJob<'_>],
        now: Timestamp,
    ) -> Result<Transition, DbError> {
        for _ in 0..3 {
            let current: Option<String> =
                on_db!(db, pool => sqlx::query_scalar(STATUS).bind(order_id).fetch_optional(pool).await)?;
            let Some(current) = current else { return Ok(Transition::NotFound) };
            let from = OrderStatus::parse(&current).ok_or_else(|| DbError::Invalid("stored order status".into()))?;
            match check_transition(from, to) {
                Ok(()) => {}
                Err(TransitionError::AlreadyThere(_) | TransitionError::Stale(_)) => return Ok(Transition::Ignored),
                Err(refused) => return Ok(Transition::Refused(refused)),
            }
            let at = now.as_micros();
            let applied = on_db!(db, pool => {
                let mut tx = pool.begin().await?;
                let moved = sqlx::query(SET_STATUS).bind(order_id).bind(to.as_str()).bind(from.as_str()).bind(at).execute(&mut *tx).await?;
                if moved.rows_affected() == 0 {
                    tx.rollback().await?;
                    false
                } else {
                    sqlx::query(INSERT_EVENT)
                        .bind(new_id(now))
                        .bind(order_id)
                        .bind(at)
                        .bind(from.as_str())
                        .bind(to.as_str())
                        .bind(actor.as_string())
                        .bind(reason)
                        .execute(&mut *tx)
                        .await?;
                    for job in jobs {
                        sqlx::query(crate::jobs::ENQUEUE)
                            .bind(new_id(now))
                            .bind(job.kind)
                            .bind(&job.payload)
                            .bind(&job.dedupe_key)
                            .bind(job.run_at.as_micros())
                            .bind(job.max_attempts)
                            .bind(at)
                            .execute(&mut *tx)
                            .await?;
                    }
                    if to.releases_stock() {
                        let mut lines: Vec<OrderLineRow> = sqlx::query_as(LINES).bind(order_id).fetch_all(&mut *tx).await?;
                        lines.sort_by(|a, b| a.sku.cmp(&b.sku));
                        for line in lines {
                            sqlx::query(RELEASE).bind(&line.sku).bind(i64::from(line.quantity)).execute(&mut *tx).await?;
                        }
                        sqlx::query(BUMP_CATALOG).bind(at).execute(&mut *tx).await?;
                    }
                    tx.commit().await?;
                    true
                }
            });
            if applied {
                return Ok(Transition::Applied { from });
            }
        }
        Ok(Transition::Ignored)
    }

    /// Where the customer pays: the provider's session, its payment id if known, the page.
    pub async fn set_payment(
        db: &Db,
        order_id: Uuid,
        session_id: &str,
        payment_id: Option<&str>,
        payment_url: &str,
        now: Timestamp,
    ) -> Result<(), DbError> {
        on_db!(db, pool => sqlx::query(SET_PAYMENT)
            .bind(order_id)
            .bind(session_id)
            .bind(payment_id)
            .bind(now.as_micros())
            .bind(payment_url)
            .execute(pool)
            .await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The payment page of an order, once opened.
    pub async fn payment_url(db: &Db, order_id: Uuid) -> Result<Option<String>, DbError> {
        let url: Option<Option<String>> =
            on_db!(db, pool => sqlx::query_scalar(PAYMENT_URL).bind(order_id).fetch_optional(pool).await)?;
        Ok(url.flatten())
    }

    /// The order made under an idempotency key, and the digest of the request that made it.
    pub async fn by_idempotency_key(db: &Db, key: &str) -> Result<Option<(OrderRow, String)>, DbError> {
        let found: Option<(Uuid, String)> =
            on_db!(db, pool => sqlx::query_as(BY_KEY).bind(key).fetch_optional(pool).await)?;
        match found {
            Some((id, hash)) => Ok(Self::by_id(db, id).await?.map(|row| (row, hash))),
            None => Ok(None),
        }
    }

    /// Learns the payment id of an order (a checkout session reports it when completed).
    pub async fn set_payment_id(db: &Db, order_id: Uuid, payment_id: &str, now: Timestamp) -> Result<bool, DbError> {
        let n = on_db!(db, pool => sqlx::query(SET_PAYMENT_ID)
            .bind(order_id)
            .bind(payment_id)
            .bind(now.as_micros())
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    async fn one(db: &Db, sql: &'static str, key: impl ToString) -> Result<Option<OrderRow>, DbError> {
        let key = key.to_string();
        let row: Option<OrderRecord> = on_db!(db, pool => sqlx::query_as(sql).bind(&key).fetch_optional(pool).await)?;
        row.map(OrderRow::try_from).transpose()
    }

    pub async fn by_id(db: &Db, id: Uuid) -> Result<Option<OrderRow>, DbError> {
        let row: Option<OrderRecord> = on_db!(db, pool => sqlx::query_as(BY_ID).bind(id).fetch_optional(pool).await)?;
        row.map(OrderRow::try_from).transpose()
    }

    pub async fn by_payment_id(db: &Db, payment_id: &str) -> Result<Option<OrderRow>, DbError> {
        Self::one(db, BY_PAYMENT, payment_id).await
    }

    pub async fn by_session_id(db: &Db, session_id: &str) -> Result<Option<OrderRow>, DbError> {
        Self::one(db, BY_SESSION, session_id).await
    }

    pub async fn for_customer(db: &Db, customer: Uuid, limit: i64) -> Result<Vec<OrderRow>, DbError> {
        let rows: Vec<OrderRecord> =
            on_db!(db, pool => sqlx::query_as(FOR_CUSTOMER).bind(customer).bind(limit).fetch_all(pool).await)?;
        rows.into_iter().map(OrderRow::try_from).collect()
    }

    /// Orders placed with this email address (lowercase), newest first: what a person proven to
    /// hold the address may see or have erased.
    /// Keys every order's address as the application folds it (after migration 27, once).
    pub async fn rekey_emails(db: &Db) -> Result<u64, DbError> {
        let rows: Vec<(Uuid, String)> = on_db!(db, pool => sqlx::query_as(EMAILS_TO_KEY).fetch_all(pool).await)?;
        let mut changed = 0;
        for (id, email) in rows {
            let key = luxevault_core::pii::email_key(&email);
            changed += on_db!(db, pool => sqlx::query(SET_EMAIL_KEY).bind(id).bind(&key).execute(pool).await.map(|r| r.rows_affected()))?;
        }
        Ok(changed)
    }

    pub async fn for_email(db: &Db, email_lowercase: &str, limit: i64) -> Result<Vec<OrderRow>, DbError> {
        let rows: Vec<OrderRecord> =
            on_db!(db, pool => sqlx::query_as(FOR_EMAIL).bind(email_lowercase).bind(limit).fetch_all(pool).await)?;
        rows.into_iter().map(OrderRow::try_from).collect()
    }

    /// Orders placed with this phone number (its `core::checkout::phone_key`), newest first: what
    /// a person proven to hold the number may see or have erased.
    pub async fn for_phone(db: &Db, phone_key: &str, limit: i64) -> Result<Vec<OrderRow>, DbError> {
        let rows: Vec<OrderRecord> =
            on_db!(db, pool => sqlx::query_as(FOR_PHONE).bind(phone_key).bind(limit).fetch_all(pool).await)?;
        rows.into_iter().map(OrderRow::try_from).collect()
    }

    /// A guest's orders: those placed without an account under this email (lowercase).
    pub async fn for_guest(db: &Db, email_lowercase: &str, limit: i64) -> Result<Vec<OrderRow>, DbError> {
        let rows: Vec<OrderRecord> =
            on_db!(db, pool => sqlx::query_as(FOR_GUEST).bind(email_lowercase).bind(limit).fetch_all(pool).await)?;
        rows.into_iter().map(OrderRow::try_from).collect()
    }

    /// Writes a corrected contact and address onto an order still in `status` (and not
    /// anonymised); `false` when it moved on meanwhile.
    pub async fn correct_contact(
        db: &Db,
        id: Uuid,
        contact: &CorrectedContact<'_>,
        status: OrderStatus,
        now: Timestamp,
    ) -> Result<bool, DbError> {
        let n = on_db!(db, pool => sqlx::query(CORRECT_CONTACT)
            .bind(id)
            .bind(contact.name)
            .bind(contact.email)
            .bind(contact.phone)
            .bind(contact.address_line1)
            .bind(contact.address_line2)
            .bind(contact.city)
            .bind(contact.postcode)
            .bind(now.as_micros())
            .bind(status.as_str())
            .bind(luxevault_core::pii::email_key(contact.email))
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Orders still awaiting payment that were placed before `cutoff` (abandoned checkouts).
    pub async fn stale_unpaid(db: &Db, cutoff: Timestamp, limit: i64) -> Result<Vec<OrderRow>, DbError> {
        let rows: Vec<OrderRecord> = on_db!(db, pool => sqlx::query_as(STALE_UNPAID).bind(cutoff.as_micros()).bind(limit).fetch_all(pool).await)?;
        rows.into_iter().map(OrderRow::try_from).collect()
    }

    pub async fn lines(db: &Db, order_id: Uuid) -> Result<Vec<OrderLineRow>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(LINES).bind(order_id).fetch_all(pool).await)?)
    }

    pub async fn tax_lines(db: &Db, order_id: Uuid) -> Result<Vec<OrderTaxLineRow>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(TAX_LINES).bind(order_id).fetch_all(pool).await)?)
    }

    pub async fn events(db: &Db, order_id: Uuid) -> Result<Vec<OrderEventRow>, DbError> {
        Ok(on_db!(db, pool => sqlx::query_as(EVENTS).bind(order_id).fetch_all(pool).await)?)
    }

    /// Removes the person from an order, keeping what accounting law needs.
    pub async fn anonymise(db: &Db, order_id: Uuid, now: Timestamp) -> Result<(), DbError> {
        on_db!(db, pool => async {
            let mut tx = pool.begin().await?;
            sqlx::query(ANONYMISE_ONE).bind(order_id).bind(now.as_micros()).execute(&mut *tx).await?;
            sqlx::query(ERASE_STAFF_REASONS).bind(order_id).bind(ERASED_REASON).execute(&mut *tx).await?;
            // The notes of the order's alterations go with its personal data.
            sqlx::query(crate::sizing::ERASE_NOTES_OF_ORDER).bind(order_id).execute(&mut *tx).await?;
            sqlx::query(crate::refunds::ERASE_FOR_ORDER).bind(order_id).bind(ERASED_REASON).execute(&mut *tx).await?;
            tx.commit().await
        }
        .await)?;
        Ok(())
    }

    /// Marks an order to be anonymised as soon as it is complete (its customer asked for erasure).
    pub async fn request_erasure(db: &Db, order_id: Uuid, now: Timestamp) -> Result<(), DbError> {
        on_db!(db, pool => sqlx::query(REQUEST_ERASURE).bind(order_id).bind(now.as_micros()).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Whether a provider's event was applied already.
    pub async fn payment_event_seen(db: &Db, provider: &str, event_id: &str) -> Result<bool, DbError> {
        let n: i64 = on_db!(db, pool => sqlx::query_scalar(PAYMENT_EVENT_SEEN).bind(provider).bind(event_id).fetch_one(pool).await)?;
        Ok(n > 0)
    }

    /// Records a provider's event id once it has been applied; `false` when it was seen before (a redelivery).
    pub async fn record_payment_event(
        db: &Db,
        provider: &str,
        event_id: &str,
        event_type: &str,
        now: Timestamp,
    ) -> Result<bool, DbError> {
        let n = on_db!(db, pool => sqlx::query(RECORD_PAYMENT_EVENT)
            .bind(provider)
            .bind(event_id)
            .bind(event_type)
            .bind(now.as_micros())
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }
}
