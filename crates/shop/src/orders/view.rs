//! An order as the customer sees it: the pages, the API, the emails and the access copy all
//! show this one view, in the customer's language.

use luxevault_core::{Currency, Lang, Money};
use luxevault_storage::{OrderRow, Orders};
use serde_json::{Value, json};

use crate::Shop;
use crate::error::ShopError;

fn money(minor: i64, currency: &str, lang: &Lang) -> String {
    Currency::from_code(currency).map(|c| Money::new(minor, c).format(lang)).unwrap_or_default()
}

/// An order as the customer sees it (pages and API share it), in `lang` or the order's language.
pub async fn order_view(shop: &Shop, order: &OrderRow, lang: Option<&Lang>) -> Result<Value, ShopError> {
    let lang =
        lang.cloned().or_else(|| Lang::parse(&order.lang)).unwrap_or_else(|| shop.settings().default_lang().clone());
    let t = shop.translations();
    let lines: Vec<Value> = Orders::lines(shop.db(), order.id)
        .await?
        .into_iter()
        .map(|l| {
            json!({
                "name": l.name, "variant_label": l.variant_label, "quantity": l.quantity, "sku": l.sku,
                "unit_price": money(l.unit_minor, &order.currency, &lang),
                "line_total": money(l.total_minor, &order.currency, &lang),
            })
        })
        .collect();
    let history: Vec<Value> = Orders::events(shop.db(), order.id)
        .await?
        .into_iter()
        .map(|e| json!({"at": luxevault_core::Timestamp(e.at).to_rfc3339(), "status": e.to_status, "status_label": t.text(&lang, &format!("order.status.{}", e.to_status), &[])}))
        .collect();
    Ok(json!({
        "id": order.id,
        "number": order.number,
        "status": order.status.as_str(),
        "status_label": t.text(&lang, &format!("order.status.{}", order.status.as_str()), &[]),
        "placed_at": order.created_at.to_rfc3339(),
        "currency": order.currency,
        "lines": lines,
        "subtotal": money(order.subtotal_minor, &order.currency, &lang),
        "total": money(order.total_minor, &order.currency, &lang),
        "contact": {
            "name": order.name.expose(), "email": order.email.expose(), "phone": order.phone.expose(),
            "address_line1": order.address_line1.expose(), "address_line2": order.address_line2.expose(),
            "city": order.city.expose(), "postcode": order.postcode.expose(), "country": order.country,
            // Localised names would need CLDR data; the ISO code is unambiguous on a label.
            "country_name": order.country,
        },
        "history": history,
    }))
}
