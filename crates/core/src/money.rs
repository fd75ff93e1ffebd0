//! Money in integer minor units, ISO 4217 currencies, exact exchange rates and price rounding.
//!
//! Floating point never touches an amount: amounts are `i64` minor units (cents, yen, fils), rates
//! are exact decimals, and conversions are done in `i128` with one explicit rounding step.

use std::fmt;

use crate::Lang;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("{0:?} is not an ISO 4217 currency code")]
    UnknownCurrency(String),
    #[error("{0:?} is not an amount (digits with an optional decimal point)")]
    InvalidAmount(String),
    #[error("{amount:?} has more decimals than {currency} allows ({exponent})")]
    TooManyDecimals { amount: String, currency: String, exponent: u32 },
    #[error("{0:?} is not an exchange rate (a positive decimal number)")]
    InvalidRate(String),
    #[error("the amount is too large")]
    Overflow,
    #[error("cannot combine {0} with {1}")]
    CurrencyMismatch(String, String),
}

/// An ISO 4217 currency with its number of decimal places (0 for JPY, 2 for EUR, 3 for KWD).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    code: [u8; 3],
    exponent: u8,
}

impl Currency {
    pub fn from_code(code: &str) -> Result<Self, MoneyError> {
        let unknown = || MoneyError::UnknownCurrency(code.chars().take(8).collect());
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(unknown());
        }
        let upper = code.to_ascii_uppercase();
        let iso = iso_currency::Currency::from_code(&upper).ok_or_else(unknown)?;
        // Precious metals and funds have no minor unit; they are not prices.
        let exponent = iso.exponent().ok_or_else(unknown)?;
        let mut bytes = [0u8; 3];
        bytes.copy_from_slice(upper.as_bytes());
        Ok(Self { code: bytes, exponent: u8::try_from(exponent).map_err(|_| unknown())? })
    }

    pub fn code(&self) -> &str {
        // Constructed from validated ASCII only.
        std::str::from_utf8(&self.code).unwrap_or("XXX")
    }

    pub fn exponent(&self) -> u32 {
        u32::from(self.exponent)
    }

    /// The English name, e.g. "Swiss franc".
    pub fn name(&self) -> String {
        iso_currency::Currency::from_code(self.code()).map(|c| c.name().to_string()).unwrap_or_default()
    }

    /// The symbol shown next to amounts in the given language. Codes where a symbol would be
    /// ambiguous or unusual in luxury retail (CHF, and `$` outside English).
    pub fn symbol(&self, lang: &Lang) -> String {
        let fr = lang.as_str() == "fr";
        match self.code() {
            "EUR" => "€".into(),
            "GBP" => "£".into(),
            "JPY" => "¥".into(),
            "USD" if fr => "$US".into(),
            "USD" => "$".into(),
            other => other.into(),
        }
    }

    fn scale(&self) -> i128 {
        10i128.pow(self.exponent())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl serde::Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// An amount of money: integer minor units of one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    pub fn zero(currency: Currency) -> Self {
        Self::new(0, currency)
    }

    pub fn minor(&self) -> i64 {
        self.minor
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// Parses a non-negative amount written in major units ("2450", "395.50").
    pub fn parse_major(text: &str, currency: Currency) -> Result<Self, MoneyError> {
        let invalid = || MoneyError::InvalidAmount(text.chars().take(32).collect());
        let (whole, frac) = match text.split_once('.') {
            Some((w, f)) => (w, f),
            None => (text, ""),
        };
        if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        if text.contains('.') && (frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit())) {
            return Err(invalid());
        }
        let exponent = currency.exponent();
        let significant = frac.trim_end_matches('0');
        if significant.len() > exponent as usize {
            return Err(MoneyError::TooManyDecimals {
                amount: text.chars().take(32).collect(),
                currency: currency.code().to_string(),
                exponent,
            });
        }
        let whole: i128 = whole.parse().map_err(|_| MoneyError::Overflow)?;
        let mut frac_minor: i128 = 0;
        for (i, digit) in significant.bytes().enumerate() {
            frac_minor += i128::from(digit - b'0') * 10i128.pow(exponent - 1 - i as u32);
        }
        let minor =
            whole.checked_mul(currency.scale()).and_then(|m| m.checked_add(frac_minor)).ok_or(MoneyError::Overflow)?;
        Ok(Self::new(i64::try_from(minor).map_err(|_| MoneyError::Overflow)?, currency))
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch(self.currency.to_string(), other.currency.to_string()));
        }
        let minor = self.minor.checked_add(other.minor).ok_or(MoneyError::Overflow)?;
        Ok(Self::new(minor, self.currency))
    }

    pub fn checked_mul(self, quantity: u32) -> Result<Money, MoneyError> {
        let minor = self.minor.checked_mul(i64::from(quantity)).ok_or(MoneyError::Overflow)?;
        Ok(Self::new(minor, self.currency))
    }

    /// Formats the amount for people reading the given language: `€2,450`, `2 450 €`,
    /// `CHF 395.50`, `¥420,000`. Decimals are shown only when the amount has a fractional part,
    /// as luxury houses print round prices.
    ///
    /// Written here rather than with an ICU crate: two conventions cover the shop's languages
    /// and the ICU data crates would add megabytes to the binary for them.
    /// The amount in major units with the currency's decimals and no symbol or grouping —
    /// `1250.00`, `198000` (JPY), `-0.05` — for machines: exports and forms.
    pub fn to_major_string(&self) -> String {
        let exponent = self.currency.exponent();
        if exponent == 0 {
            return self.minor.to_string();
        }
        let scale = 10i64.pow(exponent);
        let sign = if self.minor < 0 { "-" } else { "" };
        let (whole, frac) = ((self.minor / scale).abs(), (self.minor % scale).abs());
        format!("{sign}{whole}.{frac:0width$}", width = exponent as usize)
    }

    pub fn format(&self, lang: &Lang) -> String {
        let exponent = self.currency.exponent();
        let scale = self.currency.scale() as u128;
        let abs = u128::from(self.minor.unsigned_abs());
        let (whole, frac) = (abs / scale, abs % scale);
        let fr = lang.as_str() == "fr";
        let (group_sep, decimal_sep) = if fr { ('\u{202f}', ',') } else { (',', '.') };
        let mut digits = group_digits(whole, group_sep);
        if frac != 0 {
            digits.push(decimal_sep);
            digits.push_str(&format!("{:0width$}", frac, width = exponent as usize));
        }
        let sign = if self.minor < 0 { "-" } else { "" };
        let symbol = self.currency.symbol(lang);
        if fr {
            format!("{sign}{digits}\u{a0}{symbol}")
        } else if symbol.chars().count() > 1 && symbol.chars().all(|c| c.is_ascii_alphabetic()) {
            format!("{sign}{symbol}\u{a0}{digits}")
        } else {
            format!("{sign}{symbol}{digits}")
        }
    }
}

fn group_digits(value: u128, separator: char) -> String {
    let raw = value.to_string();
    let mut out = String::with_capacity(raw.len() + raw.len() / 3);
    for (i, ch) in raw.chars().enumerate() {
        if i > 0 && (raw.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(ch);
    }
    out
}

/// An exact, positive decimal exchange rate: how many units of the target currency one unit of
/// the source currency buys (`0.8412` GBP per EUR).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    mantissa: u64,
    scale: u32,
}

impl Rate {
    pub const ONE: Rate = Rate { mantissa: 1, scale: 0 };
    const MAX_SCALE: u32 = 12;

    pub fn parse(text: &str) -> Result<Self, MoneyError> {
        let invalid = || MoneyError::InvalidRate(text.chars().take(32).collect());
        let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
        let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits_only(whole) || !digits_only(frac) || (text.contains('.') && frac.is_empty()) {
            return Err(invalid());
        }
        let frac = frac.trim_end_matches('0');
        let scale = u32::try_from(frac.len()).map_err(|_| invalid())?;
        if scale > Self::MAX_SCALE {
            return Err(invalid());
        }
        let mantissa: u64 = format!("{whole}{frac}").parse().map_err(|_| invalid())?;
        if mantissa == 0 {
            return Err(invalid());
        }
        Ok(Self { mantissa, scale })
    }

    /// The rate as a decimal string, for storage and display.
    pub fn to_decimal_string(&self) -> String {
        let raw = format!("{:0width$}", self.mantissa, width = self.scale as usize + 1);
        let split = raw.len() - self.scale as usize;
        if self.scale == 0 { raw } else { format!("{}.{}", &raw[..split], &raw[split..]) }
    }
}

/// Converts `amount` into `to` at `rate` and rounds half away from zero to a multiple of
/// `increment_minor` (e.g. 1000 to land on whole tens of euros). A positive amount never rounds
/// down to zero: the smallest result is one increment.
pub fn convert(amount: Money, to: Currency, rate: Rate, increment_minor: i64) -> Result<Money, MoneyError> {
    let increment = i128::from(increment_minor.max(1));
    let numerator = i128::from(amount.minor)
        .checked_mul(i128::from(rate.mantissa))
        .and_then(|n| n.checked_mul(to.scale()))
        .ok_or(MoneyError::Overflow)?;
    let denominator = amount
        .currency
        .scale()
        .checked_mul(10i128.pow(rate.scale))
        .and_then(|d| d.checked_mul(increment))
        .ok_or(MoneyError::Overflow)?;
    let steps = div_round_half_away(numerator, denominator);
    let steps = if steps == 0 && numerator > 0 { 1 } else { steps };
    let minor = steps.checked_mul(increment).ok_or(MoneyError::Overflow)?;
    Ok(Money::new(i64::try_from(minor).map_err(|_| MoneyError::Overflow)?, to))
}

/// Integer division rounded half away from zero (the rounding VAT law asks for).
pub(crate) fn div_round_half_away(numerator: i128, denominator: i128) -> i128 {
    let (q, r) = (numerator / denominator, numerator % denominator);
    if 2 * r.abs() >= denominator { q + numerator.signum() } else { q }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cur(code: &str) -> Currency {
        Currency::from_code(code).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn major_strings_are_plain_decimals() {
        assert_eq!(Money::new(125_000, cur("EUR")).to_major_string(), "1250.00");
        assert_eq!(Money::new(5, cur("GBP")).to_major_string(), "0.05");
        assert_eq!(Money::new(-5, cur("GBP")).to_major_string(), "-0.05");
        assert_eq!(Money::new(198_000, cur("JPY")).to_major_string(), "198000");
    }

    fn en() -> Lang {
        Lang::parse("en").unwrap_or_else(|| panic!("en"))
    }

    fn fr() -> Lang {
        Lang::parse("fr").unwrap_or_else(|| panic!("fr"))
    }

    #[test]
    fn exponents_follow_iso_4217() {
        assert_eq!(cur("EUR").exponent(), 2);
        assert_eq!(cur("jpy").exponent(), 0);
        assert_eq!(cur("KWD").exponent(), 3);
        assert!(Currency::from_code("XAU").is_err(), "metals have no minor unit");
        assert!(Currency::from_code("ZZZ").is_err());
        assert!(Currency::from_code("€").is_err());
    }

    #[test]
    fn parses_major_units_exactly() {
        assert_eq!(Money::parse_major("2450", cur("EUR")).map(|m| m.minor()), Ok(245_000));
        assert_eq!(Money::parse_major("395.5", cur("EUR")).map(|m| m.minor()), Ok(39_550));
        assert_eq!(Money::parse_major("420000", cur("JPY")).map(|m| m.minor()), Ok(420_000));
        assert_eq!(Money::parse_major("1.234", cur("KWD")).map(|m| m.minor()), Ok(1_234));
        assert_eq!(Money::parse_major("12.00", cur("JPY")).map(|m| m.minor()), Ok(12));
        assert!(matches!(Money::parse_major("12.5", cur("JPY")), Err(MoneyError::TooManyDecimals { .. })));
        for bad in ["", "-1", "1e3", "1.", ".5", "1,5", "١٢", "99999999999999999999"] {
            assert!(Money::parse_major(bad, cur("EUR")).is_err(), "{bad:?} must be rejected");
        }
    }

    #[test]
    fn formats_for_each_language() {
        let m = |minor, code| Money::new(minor, cur(code));
        assert_eq!(m(245_000, "EUR").format(&en()), "€2,450");
        assert_eq!(m(245_000, "EUR").format(&fr()), "2\u{202f}450\u{a0}€");
        assert_eq!(m(39_550, "CHF").format(&en()), "CHF\u{a0}395.50");
        assert_eq!(m(39_550, "CHF").format(&fr()), "395,50\u{a0}CHF");
        assert_eq!(m(420_000, "JPY").format(&en()), "¥420,000");
        assert_eq!(m(275_000, "USD").format(&fr()), "2\u{202f}750\u{a0}$US");
        assert_eq!(m(1_234, "KWD").format(&en()), "KWD\u{a0}1.234");
        assert_eq!(m(5, "EUR").format(&en()), "€0.05");
        assert_eq!(m(0, "GBP").format(&en()), "£0");
    }

    #[test]
    fn converts_and_rounds_to_the_increment() {
        let eur = |minor| Money::new(minor, cur("EUR"));
        let gbp = Rate::parse("0.8412").unwrap_or(Rate::ONE);
        // 2,450 EUR × 0.8412 = 2,060.94 GBP → nearest 10 GBP = 2,060
        assert_eq!(convert(eur(245_000), cur("GBP"), gbp, 1_000).map(|m| m.minor()), Ok(206_000));
        // JPY has no minor unit: 2,450 × 162.12 = 397,194 → nearest ¥1,000 = 397,000
        let jpy = Rate::parse("162.12").unwrap_or(Rate::ONE);
        assert_eq!(convert(eur(245_000), cur("JPY"), jpy, 1_000).map(|m| m.minor()), Ok(397_000));
        // Three decimals, Stripe's rule that the last digit is 0: increment 10 fils.
        let kwd = Rate::parse("0.3342").unwrap_or(Rate::ONE);
        assert_eq!(convert(eur(1_999), cur("KWD"), kwd, 10).map(|m| m.minor()), Ok(6_680));
        // Half rounds away from zero; a small positive price never becomes free.
        assert_eq!(convert(eur(500), cur("EUR"), Rate::ONE, 1_000).map(|m| m.minor()), Ok(1_000));
        assert_eq!(convert(eur(1), cur("EUR"), Rate::ONE, 1_000).map(|m| m.minor()), Ok(1_000));
        assert_eq!(convert(eur(0), cur("EUR"), Rate::ONE, 1_000).map(|m| m.minor()), Ok(0));
        assert_eq!(convert(eur(i64::MAX), cur("JPY"), jpy, 1), Err(MoneyError::Overflow));
    }

    #[test]
    fn rates_parse_exactly() {
        assert_eq!(Rate::parse("0.8412").map(|r| r.to_decimal_string()), Ok("0.8412".into()));
        assert_eq!(Rate::parse("162.120").map(|r| r.to_decimal_string()), Ok("162.12".into()));
        assert_eq!(Rate::parse("1").map(|r| r.to_decimal_string()), Ok("1".into()));
        for bad in ["0", "0.000", "-1", "1,2", "", "abc", "1.0000000000001"] {
            assert!(Rate::parse(bad).is_err(), "{bad:?} must be rejected");
        }
    }

    fn currency_strategy() -> impl Strategy<Value = Currency> {
        prop::sample::select(vec!["EUR", "GBP", "USD", "CHF", "JPY", "KWD", "BHD", "ISK"]).prop_map(cur)
    }

    proptest! {
        #[test]
        fn conversion_lands_on_the_increment_within_half_a_step(
            minor in 0i64..10_000_000_000,
            from in currency_strategy(),
            to in currency_strategy(),
            mantissa in 1u64..10_000_000,
            scale in 0u32..7,
            increment in prop::sample::select(vec![1i64, 5, 10, 100, 1_000, 5_000]),
        ) {
            let rate = Rate { mantissa, scale };
            let exact_num = i128::from(minor) * i128::from(mantissa) * to.scale();
            let den = from.scale() * 10i128.pow(scale);
            let out = match convert(Money::new(minor, from), to, rate, increment) {
                Ok(out) => out,
                Err(MoneyError::Overflow) => {
                    // Only a result that truly does not fit in i64 may overflow.
                    prop_assert!(exact_num / den + i128::from(increment) > i128::from(i64::MAX));
                    return Ok(());
                }
                Err(e) => return Err(TestCaseError::fail(e.to_string())),
            };
            prop_assert_eq!(out.currency(), to);
            prop_assert_eq!(out.minor() % increment, 0);
            // Compare against the exact value, scaled to avoid fractions: |out - exact| ≤ increment/2.
            let diff = (i128::from(out.minor()) * den - exact_num).abs();
            if minor > 0 && out.minor() == increment && exact_num * 2 < den * i128::from(increment) {
                // The "never free" floor: allowed to exceed half a step.
                prop_assert!(exact_num > 0);
            } else {
                prop_assert!(2 * diff <= den * i128::from(increment), "off by more than half a step");
            }
        }

        #[test]
        fn conversion_is_monotonic(
            a in 0i64..1_000_000_000, b in 0i64..1_000_000_000,
            mantissa in 1u64..10_000_000, scale in 0u32..7,
        ) {
            let rate = Rate { mantissa, scale };
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            let c = |m| convert(Money::new(m, cur("EUR")), cur("JPY"), rate, 100).map(|x| x.minor());
            let (x, y) = (c(lo).map_err(|e| TestCaseError::fail(e.to_string()))?, c(hi).map_err(|e| TestCaseError::fail(e.to_string()))?);
            prop_assert!(x <= y);
        }

        #[test]
        fn parse_then_format_round_trips_digits(whole in 0u64..10_000_000_000, cents in 0u32..100) {
            let text = format!("{whole}.{cents:02}");
            let money = Money::parse_major(&text, cur("EUR")).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(money.minor(), whole as i64 * 100 + i64::from(cents));
            let shown: String = money.format(&en()).chars().filter(|c| c.is_ascii_digit()).collect();
            let expected = if cents == 0 { whole.to_string() } else { format!("{whole}{cents:02}") };
            prop_assert_eq!(shown, expected);
        }

        #[test]
        fn parse_never_panics(text in "\\PC{0,24}") {
            let _ = Money::parse_major(&text, cur("EUR"));
            let _ = Rate::parse(&text);
            let _ = Currency::from_code(&text);
        }
    }
}
