//! An order as the customer sees it: the pages, the API, the emails and the access copy all
//! show this one view, in the customer's language. It holds the order's contact details for its
//! owner, so it has no `Debug`: it is serialised for them and for nobody else.

use luxevault_core::{Currency, Lang, Money, Timestamp};
use luxevault_storage::{OrderRow, Orders, Refunds};
use serde::Serialize;
use uuid::Uuid;

use super::link::{self, KeyCheck};
use crate::Shop;
use crate::error::ShopError;

#[derive(Serialize)]
pub struct OrderView {
    pub id: Uuid,
    pub number: String,
    pub status: &'static str,
    pub status_label: String,
    pub placed_at: String,
    pub currency: String,
    pub lines: Vec<LineView>,
    pub subtotal: String,
    pub total: String,
    /// The amounts as decimal numbers in the order's currency, for machines (portability).
    pub subtotal_amount: String,
    pub total_amount: String,
    /// What was refunded of the total so far ("0,00 €" when nothing), and as a decimal number.
    pub refunded: String,
    pub refunded_amount: String,
    /// Some of the total was refunded, not all of it (the order stays confirmed or fulfilled).
    pub partly_refunded: bool,
    /// Each refund made: when and how much.
    pub refunds: Vec<RefundView>,
    /// How the order is delivered and what it cost; `None` for orders from before delivery was
    /// priced.
    pub delivery: Option<DeliveryView>,
    /// One line per rate: inside the total when `tax_included`, added to it otherwise.
    pub tax_lines: Vec<TaxLineView>,
    pub tax_included: bool,
    /// The duties terms the client accepted before paying.
    pub duties_note: String,
    pub contact: ContactView,
    pub history: Vec<EventView>,
}

#[derive(Serialize)]
pub struct RefundView {
    pub at: String,
    pub amount: String,
    pub amount_decimal: String,
}

#[derive(Serialize)]
pub struct DeliveryView {
    pub code: String,
    pub name: String,
    /// "Complimentary" when free.
    pub price: String,
    pub amount: String,
}

#[derive(Serialize)]
pub struct TaxLineView {
    /// "Including VAT 19%".
    pub label: String,
    pub rate_bp: i32,
    pub amount: String,
    pub amount_decimal: String,
    pub base_decimal: String,
}

#[derive(Serialize)]
pub struct LineView {
    pub name: String,
    pub variant_label: String,
    pub quantity: i32,
    pub sku: String,
    pub unit_price: String,
    pub line_total: String,
    pub unit_amount: String,
    pub line_total_amount: String,
}

#[derive(Serialize)]
pub struct ContactView {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub address_line1: String,
    pub address_line2: String,
    pub city: String,
    pub postcode: String,
    pub country: String,
    /// Localised names would need CLDR data; the ISO code is unambiguous on a label.
    pub country_name: String,
}

#[derive(Serialize)]
pub struct EventView {
    pub at: String,
    pub status: String,
    pub status_label: String,
}

fn money(minor: i64, currency: &str, lang: &Lang) -> String {
    Currency::from_code(currency).map(|c| Money::new(minor, c).format(lang)).unwrap_or_default()
}

fn amount(minor: i64, currency: &str) -> String {
    Currency::from_code(currency).map(|c| Money::new(minor, c).to_major_string()).unwrap_or_default()
}

/// The view of `order` in `lang`, or in the order's own language.
pub async fn order_view(shop: &Shop, order: &OrderRow, lang: Option<&Lang>) -> Result<OrderView, ShopError> {
    let lang =
        lang.cloned().or_else(|| Lang::parse(&order.lang)).unwrap_or_else(|| shop.settings().default_lang().clone());
    let t = shop.translations();
    let status_label = |status: &str| t.text(&lang, &format!("order.status.{status}"), &[]);
    let lines = Orders::lines(shop.db(), order.id)
        .await?
        .into_iter()
        .map(|l| LineView {
            unit_price: money(l.unit_minor, &order.currency, &lang),
            line_total: money(l.total_minor, &order.currency, &lang),
            unit_amount: amount(l.unit_minor, &order.currency),
            line_total_amount: amount(l.total_minor, &order.currency),
            name: l.name,
            variant_label: l.variant_label,
            quantity: l.quantity,
            sku: l.sku,
        })
        .collect();
    let history = Orders::events(shop.db(), order.id)
        .await?
        .into_iter()
        .map(|e| EventView {
            at: Timestamp(e.at).to_rfc3339(),
            status_label: status_label(&e.to_status),
            status: e.to_status,
        })
        .collect();
    let refunds = Refunds::for_order(shop.db(), order.id)
        .await?
        .into_iter()
        .filter(|r| r.state == "done")
        .map(|r| RefundView {
            at: Timestamp(r.created_at).to_rfc3339(),
            amount: money(r.amount_minor, &order.currency, &lang),
            amount_decimal: amount(r.amount_minor, &order.currency),
        })
        .collect();
    let d = &order.delivery;
    let delivery = (!d.shipping_code.is_empty()).then(|| DeliveryView {
        code: d.shipping_code.clone(),
        name: d.shipping_name.clone(),
        price: if d.shipping_minor == 0 {
            t.text(&lang, "delivery.free", &[])
        } else {
            money(d.shipping_minor, &order.currency, &lang)
        },
        amount: amount(d.shipping_minor, &order.currency),
    });
    let tax_lines = Orders::tax_lines(shop.db(), order.id)
        .await?
        .into_iter()
        .map(|l| TaxLineView {
            label: crate::delivery::tax_label(
                shop,
                &lang,
                &l.name,
                u32::try_from(l.rate_bp).unwrap_or(0),
                d.tax_included,
            ),
            rate_bp: l.rate_bp,
            amount: money(l.amount_minor, &order.currency, &lang),
            amount_decimal: amount(l.amount_minor, &order.currency),
            base_decimal: amount(l.base_minor, &order.currency),
        })
        .collect();
    let duties_note =
        if delivery.is_some() { crate::delivery::duties_note(shop, &lang, d.duties_paid) } else { String::new() };
    Ok(OrderView {
        delivery,
        tax_lines,
        tax_included: d.tax_included,
        duties_note,
        id: order.id,
        number: order.number.clone(),
        status: order.status.as_str(),
        status_label: status_label(order.status.as_str()),
        placed_at: order.created_at.to_rfc3339(),
        currency: order.currency.clone(),
        lines,
        subtotal: money(order.subtotal_minor, &order.currency, &lang),
        total: money(order.total_minor, &order.currency, &lang),
        subtotal_amount: amount(order.subtotal_minor, &order.currency),
        total_amount: amount(order.total_minor, &order.currency),
        refunded: money(order.refunded_minor, &order.currency, &lang),
        refunded_amount: amount(order.refunded_minor, &order.currency),
        partly_refunded: order.refunded_minor > 0 && order.refunded_minor < order.total_minor,
        refunds,
        contact: ContactView {
            name: order.name.expose().clone(),
            email: order.email.expose().clone(),
            phone: order.phone.expose().clone(),
            address_line1: order.address_line1.expose().clone(),
            address_line2: order.address_line2.expose().clone(),
            city: order.city.expose().clone(),
            postcode: order.postcode.expose().clone(),
            country: order.country.clone(),
            country_name: luxevault_core::country_names::country_name(&lang, &order.country),
        },
        history,
    })
}

/// The error code of a genuine order link older than its 30 days (`orders::link`).
pub const LINK_EXPIRED: &str = "link_expired";

/// The order, for whoever may see it: its owner (signed in) or whoever holds a current key of
/// its link. "No such order" and "not yours" are the same answer: ids reveal nothing. A genuine
/// but expired key is told apart ([`LINK_EXPIRED`]), so the page can offer a fresh link.
pub async fn order_for_viewer(
    shop: &Shop,
    id: Uuid,
    viewer: Option<Uuid>,
    key: Option<&str>,
) -> Result<OrderView, ShopError> {
    let not_found = || ShopError::not_found("No order matches this link.");
    let check = key.map_or(KeyCheck::Invalid, |k| link::check(shop, id, k));
    let order = Orders::by_id(shop.db(), id).await?.ok_or_else(not_found)?;
    let owner = viewer.is_some_and(|c| order.customer_id == Some(c));
    match check {
        _ if owner => order_view(shop, &order, None).await,
        KeyCheck::Valid => order_view(shop, &order, None).await,
        KeyCheck::Expired => Err(ShopError::rejected(
            LINK_EXPIRED,
            "This link has expired. Ask for a fresh one: it goes to the address the order was placed with.",
        )),
        KeyCheck::Invalid => Err(not_found()),
    }
}
