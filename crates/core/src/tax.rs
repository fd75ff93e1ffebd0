//! Tax on an order: VAT included in the price (the EU way, at the destination's rate under the
//! One-Stop Shop), tax added on top as an estimate (US sales tax), or none (exports). Each order
//! keeps one line per rate — base and amount — computed on the sum of the goods at that rate,
//! rounded half away from zero once per rate, so the lines add up exactly in every currency.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::money::{Currency, Money, MoneyError, div_round_half_away};

/// The tax class every product has unless the house says otherwise; delivery is taxed at it.
pub const STANDARD: &str = "standard";

/// How a destination is taxed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxMode {
    /// Prices include the destination's VAT: the total does not change, the VAT is shown in it.
    Included,
    /// Prices are net; the tax is added on top (shown as an estimate where the law makes the
    /// final amount the carrier's or the state's).
    Excluded,
    /// No tax is collected (exports outside the VAT area).
    None,
}

impl TaxMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Included => "included",
            Self::Excluded => "excluded",
            Self::None => "none",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "included" => Some(Self::Included),
            "excluded" => Some(Self::Excluded),
            "none" => Some(Self::None),
            _ => None,
        }
    }
}

/// A rate in basis points (1900 = 19 %) and the tax's short name (`vat`, `sales_tax`, `gst`),
/// which the storefront translates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxRate {
    pub rate_bp: u32,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaxError {
    #[error("no tax rate is configured for {0}")]
    NoRate(String),
    #[error("a rate must be between 0 and 100 %")]
    BadRate,
    #[error(transparent)]
    Money(#[from] MoneyError),
}

/// The rates per destination country and tax class.
#[derive(Debug, Clone, Default)]
pub struct TaxTable {
    rates: HashMap<(String, String), TaxRate>,
}

impl TaxTable {
    pub fn new(rates: impl IntoIterator<Item = (String, String, TaxRate)>) -> Result<Self, TaxError> {
        let mut table = HashMap::new();
        for (country, class, rate) in rates {
            if rate.rate_bp > 10_000 {
                return Err(TaxError::BadRate);
            }
            table.insert((country, class), rate);
        }
        Ok(Self { rates: table })
    }

    /// The rate for goods of `class` sent to `country`; a class the country does not list
    /// falls back to its standard rate.
    pub fn rate(&self, country: &str, class: &str) -> Option<&TaxRate> {
        self.rates
            .get(&(country.to_string(), class.to_string()))
            .or_else(|| self.rates.get(&(country.to_string(), STANDARD.to_string())))
    }

    pub fn rates(&self) -> impl Iterator<Item = (&str, &str, &TaxRate)> {
        self.rates.iter().map(|((country, class), rate)| (country.as_str(), class.as_str(), rate))
    }

    pub fn is_empty(&self) -> bool {
        self.rates.is_empty()
    }
}

/// An amount to tax (a line's total, or the delivery) and its class.
#[derive(Debug, Clone, Copy)]
pub struct Taxable<'a> {
    pub amount: Money,
    pub class: &'a str,
}

/// One rate's share of an order: `base` is the amount before tax, `amount` the tax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxLine {
    pub name: String,
    pub rate_bp: u32,
    pub base: Money,
    pub amount: Money,
}

/// The tax lines of an order to `country` taxed in `mode`. Amounts are what the client is
/// charged for each item (gross when included, net when excluded).
pub fn tax_lines(
    mode: TaxMode,
    country: &str,
    currency: Currency,
    items: &[Taxable<'_>],
    table: &TaxTable,
) -> Result<Vec<TaxLine>, TaxError> {
    if mode == TaxMode::None {
        return Ok(Vec::new());
    }
    // Sum per rate first: rounding once per rate keeps the lines exact.
    let mut per_rate: BTreeMap<(u32, String), Money> = BTreeMap::new();
    for item in items {
        let rate = table.rate(country, item.class).ok_or_else(|| TaxError::NoRate(country.to_string()))?;
        let sum = per_rate.entry((rate.rate_bp, rate.name.clone())).or_insert_with(|| Money::zero(currency));
        *sum = sum.checked_add(item.amount)?;
    }
    let mut lines = Vec::with_capacity(per_rate.len());
    for ((rate_bp, name), sum) in per_rate.into_iter().rev() {
        let rate = i128::from(rate_bp);
        let minor = i128::from(sum.minor());
        let tax = match mode {
            TaxMode::Included => div_round_half_away(minor * rate, 10_000 + rate),
            _ => div_round_half_away(minor * rate, 10_000),
        };
        let tax = i64::try_from(tax).map_err(|_| MoneyError::Overflow)?;
        let base = if mode == TaxMode::Included { sum.minor() - tax } else { sum.minor() };
        lines.push(TaxLine { name, rate_bp, base: Money::new(base, currency), amount: Money::new(tax, currency) });
    }
    Ok(lines)
}

/// The VAT standard rates of the EU member states in force in 2026 (basis points), for a
/// house that sells across the Union under the One-Stop Shop. A house sets reduced rates and
/// corrects these with `luxevault shipping set`.
pub const EU_STANDARD_VAT: &[(&str, u32)] = &[
    ("AT", 2000),
    ("BE", 2100),
    ("BG", 2000),
    ("CY", 1900),
    ("CZ", 2100),
    ("DE", 1900),
    ("DK", 2500),
    ("EE", 2400),
    ("ES", 2100),
    ("FI", 2550),
    ("FR", 2000),
    ("GR", 2400),
    ("HR", 2500),
    ("HU", 2700),
    ("IE", 2300),
    ("IT", 2200),
    ("LT", 2100),
    ("LU", 1700),
    ("LV", 2100),
    ("MT", 1800),
    ("NL", 2100),
    ("PL", 2300),
    ("PT", 2300),
    ("RO", 2100),
    ("SE", 2500),
    ("SI", 2200),
    ("SK", 2300),
];

/// A rate as people write it: `19 %`, `25,5 %` in French, `8.875%`.
pub fn format_rate(rate_bp: u32, french: bool) -> String {
    let whole = rate_bp / 100;
    let frac = rate_bp % 100;
    let number = if frac == 0 {
        whole.to_string()
    } else {
        let frac = format!("{frac:02}");
        let frac = frac.trim_end_matches('0');
        format!("{whole}{}{frac}", if french { ',' } else { '.' })
    };
    if french { format!("{number}\u{a0}%") } else { format!("{number}%") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn c(code: &str) -> Currency {
        Currency::from_code(code).unwrap_or_else(|e| panic!("{e}"))
    }

    fn table() -> TaxTable {
        let vat = |bp| TaxRate { rate_bp: bp, name: "vat".into() };
        TaxTable::new([
            ("DE".to_string(), STANDARD.to_string(), vat(1900)),
            ("DE".to_string(), "reduced".to_string(), vat(700)),
            ("FR".to_string(), STANDARD.to_string(), vat(2000)),
            ("US".to_string(), STANDARD.to_string(), TaxRate { rate_bp: 887, name: "sales_tax".into() }),
        ])
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn vat_included_is_carved_out_of_the_gross_price() {
        let eur = c("EUR");
        let items = [Taxable { amount: Money::new(119_000, eur), class: STANDARD }];
        let lines = tax_lines(TaxMode::Included, "DE", eur, &items, &table()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].amount, Money::new(19_000, eur));
        assert_eq!(lines[0].base, Money::new(100_000, eur));
        assert_eq!(lines[0].rate_bp, 1900);
    }

    #[test]
    fn one_line_per_rate_and_unknown_classes_take_the_standard_rate() {
        let eur = c("EUR");
        let items = [
            Taxable { amount: Money::new(245_000, eur), class: STANDARD },
            Taxable { amount: Money::new(10_700, eur), class: "reduced" },
            Taxable { amount: Money::new(2_500, eur), class: "leather" },
        ];
        let lines = tax_lines(TaxMode::Included, "DE", eur, &items, &table()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(lines.iter().map(|l| l.rate_bp).collect::<Vec<_>>(), vec![1900, 700]);
        // 247 500 × 19/119 = 39 516.8… → 39 517; 10 700 × 7/107 = 700.
        assert_eq!(lines[0].amount.minor(), 39_517);
        assert_eq!(lines[0].base.minor() + lines[0].amount.minor(), 247_500);
        assert_eq!(lines[1].amount.minor(), 700);
    }

    #[test]
    fn yen_has_no_decimals_to_hide_in() {
        let jpy = c("JPY");
        let items = [Taxable { amount: Money::new(398_000, jpy), class: STANDARD }];
        let lines = tax_lines(TaxMode::Included, "DE", jpy, &items, &table()).unwrap_or_else(|e| panic!("{e}"));
        // 398 000 × 19/119 = 63 546.2… → ¥63 546
        assert_eq!(lines[0].amount, Money::new(63_546, jpy));
        assert_eq!(lines[0].base, Money::new(334_454, jpy));
    }

    #[test]
    fn excluded_tax_is_added_and_none_has_no_lines() {
        let usd = c("USD");
        let items = [Taxable { amount: Money::new(100_000, usd), class: STANDARD }];
        let lines = tax_lines(TaxMode::Excluded, "US", usd, &items, &table()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(lines[0].amount, Money::new(8_870, usd));
        assert_eq!(lines[0].base, Money::new(100_000, usd));
        assert!(tax_lines(TaxMode::None, "US", usd, &items, &table()).unwrap_or_default().is_empty());
    }

    #[test]
    fn a_destination_without_a_rate_is_an_error_not_zero_tax() {
        let eur = c("EUR");
        let items = [Taxable { amount: Money::new(1_000, eur), class: STANDARD }];
        assert_eq!(tax_lines(TaxMode::Included, "IT", eur, &items, &table()), Err(TaxError::NoRate("IT".into())));
    }

    #[test]
    fn rates_read_as_people_write_them() {
        assert_eq!(format_rate(1900, false), "19%");
        assert_eq!(format_rate(2550, true), "25,5\u{a0}%");
        assert_eq!(format_rate(887, false), "8.87%");
        assert!(EU_STANDARD_VAT.iter().any(|(c, r)| *c == "DE" && *r == 1900));
        assert_eq!(EU_STANDARD_VAT.len(), 27);
    }

    proptest! {
        #[test]
        fn included_lines_always_add_up_to_the_gross(amounts in proptest::collection::vec(0i64..10_000_000, 1..8)) {
            let eur = c("EUR");
            let classes = [STANDARD, "reduced"];
            let items: Vec<Taxable<'_>> = amounts
                .iter()
                .enumerate()
                .map(|(i, a)| Taxable { amount: Money::new(*a, eur), class: classes[i % 2] })
                .collect();
            let lines = tax_lines(TaxMode::Included, "DE", eur, &items, &table()).unwrap_or_default();
            let gross: i64 = amounts.iter().sum();
            let sum: i64 = lines.iter().map(|l| l.base.minor() + l.amount.minor()).sum();
            prop_assert_eq!(sum, gross);
            for line in &lines {
                prop_assert!(line.amount.minor() >= 0 && line.amount.minor() <= line.base.minor() + line.amount.minor());
            }
        }
    }
}
