//! Pricing a cart. The cart lives in the customer's browser, so everything it says is re-checked
//! here against current prices and stock; each line gets its own verdict and the rest of the cart
//! is still priced.

use serde::Serialize;

use crate::money::{Currency, Money, MoneyError};

pub const MAX_LINE_QUANTITY: i64 = 99;
pub const MAX_LINES: usize = 100;

/// The verdict on one cart line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
    Ok,
    UnknownVariant,
    Retired,
    InsufficientStock,
    InvalidQuantity,
}

impl LineStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::UnknownVariant => "unknown_variant",
            Self::Retired => "retired",
            Self::InsufficientStock => "insufficient_stock",
            Self::InvalidQuantity => "invalid_quantity",
        }
    }
}

/// What the catalog says about the variant a line asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VariantOffer {
    /// Both the product and the variant are on sale.
    pub on_sale: bool,
    pub stock: i64,
    /// The unit price in the quote's currency, if the product has one.
    pub unit_price: Option<Money>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotedLine {
    pub status: LineStatus,
    /// Pieces that can be bought now (stock, never negative).
    pub available: i64,
    pub unit_price: Option<Money>,
    /// `unit_price` × the quantity that can be supplied; `None` when the line cannot be priced.
    pub line_total: Option<Money>,
}

/// Prices one line: `quantity` pieces of a variant the catalog describes as `offer`
/// (`None` when the catalog does not know the SKU).
pub fn quote_line(quantity: i64, offer: Option<&VariantOffer>) -> Result<QuotedLine, MoneyError> {
    let Some(offer) = offer else {
        return Ok(QuotedLine { status: LineStatus::UnknownVariant, available: 0, unit_price: None, line_total: None });
    };
    let available = offer.stock.max(0);
    let unpriced = |status| QuotedLine { status, available, unit_price: offer.unit_price, line_total: None };
    let Some(unit_price) = offer.unit_price.filter(|_| offer.on_sale) else {
        return Ok(unpriced(LineStatus::Retired));
    };
    if !(1..=MAX_LINE_QUANTITY).contains(&quantity) {
        return Ok(unpriced(LineStatus::InvalidQuantity));
    }
    let (status, supplied) =
        if quantity > available { (LineStatus::InsufficientStock, available) } else { (LineStatus::Ok, quantity) };
    let supplied = u32::try_from(supplied).map_err(|_| MoneyError::Overflow)?;
    let line_total = unit_price.checked_mul(supplied)?;
    Ok(QuotedLine { status, available, unit_price: Some(unit_price), line_total: Some(line_total) })
}

/// The sum of the priced lines.
pub fn subtotal<'a>(currency: Currency, lines: impl IntoIterator<Item = &'a QuotedLine>) -> Result<Money, MoneyError> {
    lines
        .into_iter()
        .filter_map(|line| line.line_total)
        .try_fold(Money::zero(currency), |sum, total| sum.checked_add(total))
}

/// Merges lines that name the same SKU (a browser may send duplicates), keeping first-seen order,
/// so stock is checked against the total asked for.
pub fn merge_lines(lines: impl IntoIterator<Item = (String, i64)>) -> Vec<(String, i64)> {
    let mut merged: Vec<(String, i64)> = Vec::new();
    for (sku, quantity) in lines {
        match merged.iter_mut().find(|(s, _)| *s == sku) {
            Some((_, q)) => *q = q.saturating_add(quantity),
            None => merged.push((sku, quantity)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn eur(minor: i64) -> Money {
        Money::new(minor, Currency::from_code("EUR").unwrap_or_else(|e| panic!("{e}")))
    }

    fn offer(stock: i64) -> VariantOffer {
        VariantOffer { on_sale: true, stock, unit_price: Some(eur(100_000)) }
    }

    #[test]
    fn each_line_gets_its_verdict() -> Result<(), MoneyError> {
        assert_eq!(quote_line(2, Some(&offer(5)))?.line_total, Some(eur(200_000)));
        assert_eq!(quote_line(1, None)?.status, LineStatus::UnknownVariant);
        let retired = VariantOffer { on_sale: false, ..offer(5) };
        assert_eq!(quote_line(1, Some(&retired))?.status, LineStatus::Retired);
        assert_eq!(quote_line(0, Some(&offer(5)))?.status, LineStatus::InvalidQuantity);
        assert_eq!(quote_line(100, Some(&offer(500)))?.status, LineStatus::InvalidQuantity);
        let short = quote_line(4, Some(&offer(2)))?;
        assert_eq!(
            (short.status, short.available, short.line_total),
            (LineStatus::InsufficientStock, 2, Some(eur(200_000)))
        );
        let sold_out = quote_line(1, Some(&offer(-3)))?;
        assert_eq!((sold_out.available, sold_out.line_total), (0, Some(eur(0))));
        Ok(())
    }

    #[test]
    fn subtotal_skips_unpriced_lines() -> Result<(), MoneyError> {
        let lines = [quote_line(2, Some(&offer(5)))?, quote_line(1, None)?, quote_line(1, Some(&offer(1)))?];
        assert_eq!(subtotal(eur(0).currency(), &lines)?, eur(300_000));
        Ok(())
    }

    #[test]
    fn duplicate_skus_merge() {
        let merged = merge_lines([("A".to_string(), 1), ("B".to_string(), 2), ("A".to_string(), 3)]);
        assert_eq!(merged, vec![("A".to_string(), 4), ("B".to_string(), 2)]);
    }

    proptest! {
        #[test]
        fn a_line_never_supplies_more_than_stock(quantity in -5i64..200, stock in -5i64..200) {
            let line = quote_line(quantity, Some(&offer(stock))).map_err(|e| TestCaseError::fail(e.to_string()))?;
            if let Some(total) = line.line_total {
                prop_assert!(total.minor() <= stock.max(0) * 100_000);
                prop_assert!(total.minor() <= quantity.max(0) * 100_000);
            }
            prop_assert!(line.status != LineStatus::Ok || (quantity <= stock && (1..=MAX_LINE_QUANTITY).contains(&quantity)));
        }
    }
}
