//! Local prices. A luxury house sets explicit prices per currency; where a product has none in a
//! currency, its base-currency price is converted at the stored rate and rounded to that
//! currency's step (e.g. whole tens), never shown with odd cents.

use crate::money::{Currency, Money, MoneyError, Rate, convert};

/// A currency the shop offers, with how to derive prices that were not set explicitly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfferedCurrency {
    pub currency: Currency,
    /// Units of this currency per one unit of the base currency.
    pub rate: Rate,
    /// Converted prices are rounded to a multiple of this many minor units.
    pub rounding_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PricingError {
    #[error("the base currency {0} must be one of the offered currencies")]
    BaseNotOffered(String),
    #[error("no currency is offered")]
    NothingOffered,
}

/// The offered currencies, in display order, and the base currency.
#[derive(Debug, Clone)]
pub struct CurrencyTable {
    base: Currency,
    offered: Vec<OfferedCurrency>,
}

/// Where a price came from: set by the house, or converted from the base price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceSource {
    Explicit,
    Converted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Price {
    pub money: Money,
    pub source: PriceSource,
}

impl CurrencyTable {
    pub fn new(base: Currency, offered: Vec<OfferedCurrency>) -> Result<Self, PricingError> {
        if offered.is_empty() {
            return Err(PricingError::NothingOffered);
        }
        if !offered.iter().any(|o| o.currency == base) {
            return Err(PricingError::BaseNotOffered(base.to_string()));
        }
        Ok(Self { base, offered })
    }

    pub fn base(&self) -> Currency {
        self.base
    }

    pub fn offered(&self) -> &[OfferedCurrency] {
        &self.offered
    }

    /// The offered currency with this code (any case), if the shop offers it.
    pub fn find(&self, code: &str) -> Option<&OfferedCurrency> {
        let currency = Currency::from_code(code).ok()?;
        self.offered.iter().find(|o| o.currency == currency)
    }

    /// The price of a product in `target`, from the product's explicit prices (any currencies).
    /// `None` when the product has neither a price in `target` nor a base price.
    pub fn price(&self, explicit: &[Money], target: &OfferedCurrency) -> Result<Option<Price>, MoneyError> {
        if let Some(money) = explicit.iter().find(|m| m.currency() == target.currency) {
            return Ok(Some(Price { money: *money, source: PriceSource::Explicit }));
        }
        let Some(base_price) = explicit.iter().find(|m| m.currency() == self.base) else {
            return Ok(None);
        };
        let money = convert(*base_price, target.currency, target.rate, target.rounding_minor)?;
        Ok(Some(Price { money, source: PriceSource::Converted }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(code: &str) -> Currency {
        Currency::from_code(code).unwrap_or_else(|e| panic!("{e}"))
    }

    fn table() -> CurrencyTable {
        let offer = |code, rate: &str, step| OfferedCurrency {
            currency: c(code),
            rate: Rate::parse(rate).unwrap_or(Rate::ONE),
            rounding_minor: step,
        };
        CurrencyTable::new(
            c("EUR"),
            vec![offer("EUR", "1", 1_000), offer("GBP", "0.8412", 1_000), offer("JPY", "162.12", 1_000)],
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn explicit_price_wins_over_conversion() {
        let t = table();
        let prices = [Money::new(245_000, c("EUR")), Money::new(210_000, c("GBP"))];
        let gbp = t.find("gbp").copied().unwrap_or_else(|| panic!("gbp offered"));
        let price = t.price(&prices, &gbp).ok().flatten();
        assert_eq!(price, Some(Price { money: Money::new(210_000, c("GBP")), source: PriceSource::Explicit }));
    }

    #[test]
    fn missing_price_is_converted_from_base_and_rounded() {
        let t = table();
        let prices = [Money::new(245_000, c("EUR"))];
        let jpy = t.find("JPY").copied().unwrap_or_else(|| panic!("jpy offered"));
        let price = t.price(&prices, &jpy).ok().flatten();
        assert_eq!(price, Some(Price { money: Money::new(397_000, c("JPY")), source: PriceSource::Converted }));
    }

    #[test]
    fn no_base_price_means_no_price() {
        let t = table();
        let jpy = t.find("JPY").copied().unwrap_or_else(|| panic!("jpy offered"));
        assert_eq!(t.price(&[Money::new(210_000, c("GBP"))], &jpy), Ok(None));
    }

    #[test]
    fn table_requires_its_base() {
        let gbp = OfferedCurrency { currency: c("GBP"), rate: Rate::ONE, rounding_minor: 1 };
        assert!(CurrencyTable::new(c("EUR"), vec![gbp]).is_err());
        assert!(CurrencyTable::new(c("EUR"), vec![]).is_err());
        assert!(table().find("USD").is_none());
        assert!(table().find("nonsense").is_none());
    }
}
