//! Rules of the catalog: what is for sale and how stock is shown.

use serde::Serialize;

/// At or below this many pieces a variant shows "only a few left".
pub const LOW_STOCK_THRESHOLD: i64 = 2;

/// Whether a product or a variant is offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    /// On sale.
    Active,
    /// No longer offered; kept so old carts and orders still resolve.
    Retired,
}

impl Availability {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Retired => "retired",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "active" => Some(Self::Active),
            "retired" => Some(Self::Retired),
            _ => None,
        }
    }
}

/// What a customer is told about a variant's stock. Exact counts are shown only when low.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StockState {
    InStock,
    LowStock,
    SoldOut,
}

impl StockState {
    pub fn of(stock: i64) -> Self {
        match stock {
            s if s <= 0 => Self::SoldOut,
            s if s <= LOW_STOCK_THRESHOLD => Self::LowStock,
            _ => Self::InStock,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::InStock => "in_stock",
            Self::LowStock => "low_stock",
            Self::SoldOut => "sold_out",
        }
    }
}

/// A URL-safe identifier for products and collections: lowercase ASCII letters, digits, hyphens.
pub fn is_valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 120
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
}

/// A stock-keeping unit: uppercase ASCII letters, digits and hyphens.
pub fn is_valid_sku(sku: &str) -> bool {
    !sku.is_empty()
        && sku.len() <= 64
        && sku
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stock_states() {
        assert_eq!(StockState::of(-1), StockState::SoldOut);
        assert_eq!(StockState::of(0), StockState::SoldOut);
        assert_eq!(StockState::of(1), StockState::LowStock);
        assert_eq!(StockState::of(LOW_STOCK_THRESHOLD), StockState::LowStock);
        assert_eq!(StockState::of(LOW_STOCK_THRESHOLD + 1), StockState::InStock);
    }

    #[test]
    fn slugs_and_skus() {
        assert!(is_valid_slug("cabas-riviera"));
        assert!(!is_valid_slug("Cabas"));
        assert!(!is_valid_slug("a/b"));
        assert!(!is_valid_slug("-a"));
        assert!(is_valid_sku("ME-CR-NOIR-38"));
        assert!(!is_valid_sku("me-cr"));
        assert!(!is_valid_sku(""));
    }
}
