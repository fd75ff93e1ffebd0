//! Fitting and sizing, for every door (back office, admin API, the appointments' completion):
//! a client's sizing profile — read only with an audit entry written first, saved after the
//! ranges are checked (core::sizing) and the notes passed through the guard — and the
//! alterations of order lines, moved one step at a time, each move audited, the client told by
//! email when the piece is ready.

use luxevault_core::Timestamp;
use luxevault_core::sizing::{self, AlterationKind, AlterationStatus, Fit, Measurements, SizingError};
use luxevault_storage::{AlterationRow, Holder, NewAlteration, NewSizing, Orders, Sizing, SizingRow};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::Shop;
use crate::error::ShopError;
use crate::outbox::{EmailJob, queue_email};
use crate::staff::audit_trail::{self, AuditEvent};

/// Who is acting, as the audit log names them (`staff:<id>` or `api-token`) and from where.
#[derive(Debug, Clone, Copy)]
pub struct Who<'a> {
    pub actor: &'a str,
    pub client: &'a str,
}

/// A profile as staff give it.
#[derive(Debug, Clone, Default)]
pub struct SizingInput {
    pub measurements: Measurements,
    /// `slim`, `regular`, `relaxed`, or empty for none.
    pub fit: String,
    pub notes: String,
}

fn invalid(error: SizingError) -> ShopError {
    ShopError::invalid(error.field, error.message)
}

fn subject(holder: &Holder, row: Option<&SizingRow>) -> (&'static str, String) {
    match holder {
        Holder::Customer(id) => ("customer", id.to_string()),
        // A guest is named by their profile's id in the log, never by their address.
        Holder::Guest(_) => ("sizing_profile", row.map(|r| r.id.to_string()).unwrap_or_else(|| "new".into())),
    }
}

async fn audit(shop: &Shop, who: Who<'_>, action: &str, kind: &str, id: &str) -> Result<(), ShopError> {
    let event =
        AuditEvent { actor: who.actor, client: who.client, action, subject_kind: kind, subject_id: id, reason: None };
    audit_trail::record_or_refuse(shop.db(), shop.clock().now(), event).await
}

/// The client's profile, read by staff: the audit entry is written first (nothing is shown
/// when it cannot be).
pub async fn profile(shop: &Shop, holder: &Holder, who: Who<'_>) -> Result<Option<SizingRow>, ShopError> {
    let row = Sizing::of(shop.db(), holder).await?;
    let (kind, id) = subject(holder, row.as_ref());
    audit(shop, who, "sizing.view", kind, &id).await?;
    Ok(row)
}

/// Checks a profile: every measurement in its range, a known fit, notes not too long.
pub fn check(input: &SizingInput) -> Result<Option<Fit>, ShopError> {
    sizing::validate(&input.measurements).map_err(invalid)?;
    sizing::validate_notes(&input.notes, "notes").map_err(invalid)?;
    let fit = input.fit.trim();
    if fit.is_empty() {
        return Ok(None);
    }
    Fit::parse(fit).map(Some).ok_or_else(|| ShopError::invalid("fit", "fit must be slim, regular or relaxed."))
}

/// Saves the client's profile (taking or updating it counts as a visit), audited.
pub async fn save(shop: &Shop, holder: &Holder, input: &SizingInput, who: Who<'_>) -> Result<SizingRow, ShopError> {
    let fit = check(input)?;
    let notes = crate::guard::free_text(input.notes.trim(), "sizing.notes");
    let db = shop.db();
    let now = shop.clock().now();
    let before = Sizing::of(db, holder).await?;
    let (kind, id) = subject(holder, before.as_ref());
    audit(shop, who, "sizing.edit", kind, &id).await?;
    Sizing::save(db, holder, &NewSizing { measurements: input.measurements, fit, notes: &notes }, now).await?;
    Sizing::of(db, holder).await?.ok_or(ShopError::Internal)
}

/// Records a visit (an appointment completed): the profile's retention clock starts again.
pub async fn record_visit(shop: &Shop, holder: &Holder) -> Result<(), ShopError> {
    Ok(luxevault_storage::record_visit(shop.db(), holder, shop.clock().now()).await?)
}

/// A profile as the access copy and the admin API show it.
pub fn profile_json(row: &SizingRow) -> Value {
    let mut measurements = serde_json::Map::new();
    for (measure, value) in row.measurements().values() {
        measurements.insert(measure.field.to_string(), json!(value));
    }
    json!({
        "measurements": measurements,
        "fit": row.fit,
        "notes": row.notes,
        "created_at": Timestamp(row.created_at).to_rfc3339(),
        "updated_at": Timestamp(row.updated_at).to_rfc3339(),
        "last_visit_at": Timestamp(row.last_visit_at).to_rfc3339(),
    })
}

/// An alteration as the access copy shows it.
pub fn alteration_json(row: &AlterationRow, order_number: &str) -> Value {
    json!({
        "order_number": order_number, "line": row.line_position, "kind": row.kind, "note": row.note,
        "promised_on": row.promised_on, "status": row.status,
        "opened_at": Timestamp(row.created_at).to_rfc3339(), "updated_at": Timestamp(row.updated_at).to_rfc3339(),
    })
}

/// The alterations of these orders, for a person's copy.
pub async fn alterations_of_orders(
    shop: &Shop,
    orders: &[luxevault_storage::OrderRow],
) -> Result<Vec<Value>, ShopError> {
    let mut all = Vec::new();
    for order in orders {
        for row in Sizing::alterations_of_order(shop.db(), order.id).await? {
            all.push(alteration_json(&row, &order.number));
        }
    }
    Ok(all)
}

/// An alteration as staff open it.
#[derive(Debug, Clone, Default)]
pub struct AlterationInput {
    /// The order line's position, as stored.
    pub line: i32,
    pub kind: String,
    pub note: String,
    /// YYYY-MM-DD, or empty.
    pub promised_on: String,
}

/// Opens an alteration on one line of an order, audited.
pub async fn open_alteration(
    shop: &Shop,
    order: Uuid,
    input: &AlterationInput,
    who: Who<'_>,
) -> Result<Uuid, ShopError> {
    let db = shop.db();
    let kind = AlterationKind::parse(input.kind.trim()).ok_or_else(|| {
        ShopError::invalid("kind", "kind must be one of hem, sleeves, waist, shoulders, taper, other.")
    })?;
    sizing::validate_notes(&input.note, "note").map_err(invalid)?;
    let promised = input.promised_on.trim();
    if !promised.is_empty() && Timestamp::from_date(promised).is_none() {
        return Err(ShopError::invalid("promised_on", "promised_on must be a date such as 2026-12-31."));
    }
    if Orders::by_id(db, order).await?.is_none() {
        return Err(ShopError::not_found("No such order."));
    }
    if !Orders::lines(db, order).await?.iter().any(|l| l.position == input.line) {
        return Err(ShopError::invalid("line", "The order has no such line."));
    }
    let note = crate::guard::free_text(input.note.trim(), "alteration.note");
    audit(shop, who, "alteration.open", "order", &order.to_string()).await?;
    let new = NewAlteration {
        order_id: order,
        line_position: input.line,
        kind: kind.as_str(),
        note: &note,
        promised_on: (!promised.is_empty()).then_some(promised),
        opened_by: who.actor,
    };
    Ok(Sizing::open_alteration(db, &new, shop.clock().now()).await?)
}

/// Moves an alteration to `to` — only the next state — audited; when it becomes ready the client
/// is told by email.
pub async fn move_alteration(
    shop: &Shop,
    id: Uuid,
    to: AlterationStatus,
    who: Who<'_>,
) -> Result<AlterationRow, ShopError> {
    let db = shop.db();
    let row = Sizing::alteration(db, id).await?.ok_or_else(|| ShopError::not_found("No such alteration."))?;
    let from = row.status();
    if !from.may_become(to) {
        return Err(ShopError::conflict(
            "wrong_status",
            format!(
                "An alteration {} cannot become {}: it moves one step forward at a time.",
                from.as_str(),
                to.as_str()
            ),
        ));
    }
    let action = format!("alteration.{}", to.as_str());
    audit(shop, who, &action, "alteration", &id.to_string()).await?;
    let now = shop.clock().now();
    if !Sizing::move_alteration(db, id, from, to, now).await? {
        return Err(ShopError::conflict("wrong_status", "The alteration was moved meanwhile; look again."));
    }
    if to.tells_the_client() {
        queue_email(db, &EmailJob::AlterationReady { alteration_id: id }, now).await?;
    }
    Sizing::alteration(db, id).await?.ok_or(ShopError::Internal)
}
