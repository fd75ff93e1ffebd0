//! Benchmark of the back office's lists and searches (scripts/bench-backoffice runs it).
//!
//!   bench_backoffice sqlite DIR          a fresh SQLite database in DIR
//!   bench_backoffice postgres URL        a fresh, empty PostgreSQL database at URL
//!
//! Seeds BENCH_CUSTOMERS (100,000) customers and BENCH_ORDERS (200,000) orders straight into the
//! tables (multi-row INSERTs in one transaction; timestamps rounded to the second so thousands of
//! rows share one, as the keyset pages must handle), runs ANALYZE, then times each read of
//! `storage::BackOffice` BENCH_REPS times and prints the median and the slowest, in milliseconds.
//! Figures only: nothing is asserted.
#![allow(clippy::print_stdout, clippy::expect_used, clippy::unwrap_used)]

use std::time::{Duration, Instant};

use luxevault_core::Timestamp;
use luxevault_core::order::OrderStatus;
use luxevault_storage::{BackOffice, Cursor, Db, DbOptions, OrderFilter, OrderSearch, migrate, on_db};
use uuid::Uuid;

const NOW: i64 = 1_795_341_600_000_000;
const YEAR: i64 = 365 * Timestamp::MICROS_PER_DAY;
const CURRENCIES: [&str; 5] = ["EUR", "GBP", "USD", "CHF", "JPY"];
const STATES: [&str; 6] = ["awaiting_payment", "authorised", "confirmed", "fulfilled", "cancelled", "refunded"];
const NAMES: [&str; 12] =
    ["amelie", "bernard", "claire", "dora", "emile", "fanny", "gaston", "helene", "ines", "jules", "louise", "marcel"];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Seeds the tables; returns the customers (id, username) and the email of one who ordered.
async fn seed(db: &Db, customers: usize, orders: usize) -> (Vec<(Uuid, String)>, String) {
    let mut rng = Rng(42);
    let mut ordered = String::new();
    let mut people = Vec::with_capacity(customers);
    for i in 0..customers {
        // Spread over two years, to the second.
        let at = (NOW - rng.below(2 * YEAR as u64 / 1_000_000) as i64 * 1_000_000) / 1_000_000 * 1_000_000;
        let id = luxevault_core::ids::new_id(Timestamp(at));
        let name = NAMES[i % NAMES.len()];
        people.push((id, format!("{name}{i}"), format!("{name}.{i}@example.test"), at));
    }
    on_db!(db, pool => {
        let mut tx = pool.begin().await.unwrap();
        for chunk in people.chunks(1_000) {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO customers (id, username, username_key, email, email_key, password_hash, lang, created_at, \
                 last_active_at, password_changed_at) ",
            );
            q.push_values(chunk, |mut b, (id, username, email, at)| {
                b.push_bind(*id)
                    .push_bind(username.clone())
                    .push_bind(username.to_lowercase())
                    .push_bind(email.clone())
                    .push_bind(email.to_lowercase())
                    .push_bind("$argon2id$v=19$m=19456,t=2,p=1$bench$bench")
                    .push_bind("en")
                    .push_bind(*at)
                    .push_bind(*at)
                    .push_bind(*at);
            });
            q.build().execute(&mut *tx).await.unwrap();
        }
        let mut rows = Vec::with_capacity(1_000);
        for n in 0..orders {
            let guest = rng.below(5) == 0;
            let who = rng.below(people.len() as u64) as usize;
            let (customer, email) = if guest {
                (None, format!("Guest.{n}@Example.test"))
            } else {
                if ordered.is_empty() {
                    ordered = people[who].2.to_uppercase();
                }
                (Some(people[who].0), people[who].2.clone())
            };
            let at = (NOW - rng.below(YEAR as u64 / 1_000_000) as i64 * 1_000_000) / 1_000_000 * 1_000_000;
            let total = 10_000 + rng.below(500_000) as i64;
            rows.push((
                luxevault_core::ids::new_id(Timestamp(at)),
                format!("ME-2026-{n:07}"),
                customer,
                STATES[rng.below(STATES.len() as u64) as usize],
                CURRENCIES[rng.below(CURRENCIES.len() as u64) as usize],
                total,
                email,
                at,
            ));
            if rows.len() == 1_000 || n + 1 == orders {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO orders (id, number, customer_id, status, currency, subtotal_minor, total_minor, lang, \
                     name, email, phone, address_line1, address_line2, city, postcode, country, payment_provider, \
                     idempotency_key, request_hash, created_at, updated_at) ",
                );
                q.push_values(rows.drain(..), |mut b, (id, number, customer, status, currency, total, email, at)| {
                    b.push_bind(id)
                        .push_bind(number)
                        .push_bind(customer)
                        .push_bind(status)
                        .push_bind(currency)
                        .push_bind(total)
                        .push_bind(total)
                        .push_bind("en")
                        .push_bind("A Person")
                        .push_bind(email)
                        .push_bind("+33 6 00 00 00 00")
                        .push_bind("1 rue de la Paix")
                        .push_bind("")
                        .push_bind("Paris")
                        .push_bind("75002")
                        .push_bind("FR")
                        .push_bind("demo")
                        .push_bind(id.to_string())
                        .push_bind("h")
                        .push_bind(at)
                        .push_bind(at);
                });
                q.build().execute(&mut *tx).await.unwrap();
            }
        }
        tx.commit().await.unwrap();
        sqlx::query("ANALYZE").execute(pool).await.unwrap();
    });
    (people.into_iter().map(|(id, username, ..)| (id, username)).collect(), ordered)
}

/// Times `f` `reps` times; prints the median and the slowest in ms, and the rows it returned.
async fn time<F, Fut>(label: &str, reps: usize, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    let mut times: Vec<Duration> = Vec::with_capacity(reps);
    let mut rows = 0;
    for _ in 0..reps {
        let start = Instant::now();
        rows = f().await;
        times.push(start.elapsed());
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1_000.0;
    println!(
        "  {label:<44} median {:>8.2} ms   max {:>8.2} ms   rows {rows}",
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1])
    );
}

async fn cursor_of_page(db: &Db, filter: &OrderFilter, page: usize) -> Option<Cursor> {
    let mut after = None;
    for _ in 1..page {
        after = BackOffice::orders(db, filter, after, 50).await.unwrap().next;
    }
    after
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let options = DbOptions::default();
    let db = match (args.get(1).map(String::as_str), args.get(2)) {
        (Some("sqlite"), Some(dir)) => {
            Db::open_sqlite(&std::path::Path::new(dir).join("bench.sqlite3"), &options).await.unwrap()
        }
        (Some("postgres"), Some(url)) => Db::open_postgres(url, &options).await.unwrap(),
        _ => {
            eprintln!("usage: bench_backoffice sqlite DIR | postgres URL");
            std::process::exit(2);
        }
    };
    migrate(&db).await.unwrap();
    let customers = env("BENCH_CUSTOMERS", 100_000);
    let orders = env("BENCH_ORDERS", 200_000);
    let reps = env("BENCH_REPS", 25).max(1);
    let start = Instant::now();
    let (people, ordered) = seed(&db, customers, orders).await;
    println!(
        "{:?}: seeded {customers} customers and {orders} orders in {:.1} s",
        db.backend(),
        start.elapsed().as_secs_f64()
    );

    let all = OrderFilter::default();
    time("orders: first page (50)", reps, || async {
        BackOffice::orders(&db, &all, None, 50).await.unwrap().items.len()
    })
    .await;
    let page50 = cursor_of_page(&db, &all, 50).await;
    time("orders: page 50 by cursor", reps, || async {
        BackOffice::orders(&db, &all, page50, 50).await.unwrap().items.len()
    })
    .await;
    let confirmed = OrderFilter { status: Some(OrderStatus::Confirmed), ..OrderFilter::default() };
    time("orders: state=confirmed, first page", reps, || async {
        BackOffice::orders(&db, &confirmed, None, 50).await.unwrap().items.len()
    })
    .await;
    let confirmed50 = cursor_of_page(&db, &confirmed, 50).await;
    time("orders: state=confirmed, page 50", reps, || async {
        BackOffice::orders(&db, &confirmed, confirmed50, 50).await.unwrap().items.len()
    })
    .await;
    let chf = OrderFilter {
        currency: Some("CHF".into()),
        placed_from: Some(Timestamp(NOW - 30 * Timestamp::MICROS_PER_DAY)),
        ..OrderFilter::default()
    };
    time("orders: CHF, last 30 days, first page", reps, || async {
        BackOffice::orders(&db, &chf, None, 50).await.unwrap().items.len()
    })
    .await;
    let prefix = OrderFilter { search: OrderSearch::parse("claire.1"), ..OrderFilter::default() };
    time("orders: email prefix \"claire.1\"", reps, || async {
        BackOffice::orders(&db, &prefix, None, 50).await.unwrap().items.len()
    })
    .await;
    let exact = OrderFilter { search: OrderSearch::parse(&ordered), ..OrderFilter::default() };
    time("orders: a customer's whole email, upper case", reps, || async {
        BackOffice::orders(&db, &exact, None, 50).await.unwrap().items.len()
    })
    .await;
    let number = OrderFilter { search: OrderSearch::parse("me-2026-0123456"), ..OrderFilter::default() };
    time("orders: order number", reps, || async {
        BackOffice::orders(&db, &number, None, 50).await.unwrap().items.len()
    })
    .await;
    time("customers: first page (50)", reps, || async {
        BackOffice::customers(&db, None, None, 50).await.unwrap().items.len()
    })
    .await;
    let mut after = None;
    for _ in 1..50 {
        after = BackOffice::customers(&db, None, after, 50).await.unwrap().next;
    }
    time("customers: page 50 by cursor", reps, || async {
        BackOffice::customers(&db, None, after, 50).await.unwrap().items.len()
    })
    .await;
    time("customers: prefix \"claire1\" (user or email)", reps, || async {
        BackOffice::customers(&db, Some("claire1"), None, 50).await.unwrap().items.len()
    })
    .await;
    time("customers: prefix \"c\" (8,000+ match)", reps, || async {
        BackOffice::customers(&db, Some("c"), None, 50).await.unwrap().items.len()
    })
    .await;
    let someone = people[people.len() / 2].0;
    time("customer profile", reps, || async {
        BackOffice::customer(&db, someone, 10).await.unwrap().map_or(0, |p| p.recent_orders.len())
    })
    .await;
    let month = Timestamp(NOW - 30 * Timestamp::MICROS_PER_DAY);
    time("report: sales per day, 30 days", reps, || async {
        BackOffice::sales_by_day(&db, month, Timestamp(NOW + 1), &luxevault_core::local_time::ShopTimeZone::utc())
            .await
            .unwrap()
            .len()
    })
    .await;
    time("report: sales per day, 365 days", reps, || async {
        BackOffice::sales_by_day(
            &db,
            Timestamp(NOW - YEAR),
            Timestamp(NOW + 1),
            &luxevault_core::local_time::ShopTimeZone::utc(),
        )
        .await
        .unwrap()
        .len()
    })
    .await;
    time("report: orders by state, 30 days", reps, || async {
        BackOffice::orders_by_state(&db, month, Timestamp(NOW + 1)).await.unwrap().len()
    })
    .await;
    time("report: open privacy requests", reps, || async {
        BackOffice::open_privacy_requests(&db).await.unwrap().len()
    })
    .await;
    db.close().await;
}
