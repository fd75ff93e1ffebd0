//! Languages of the shop's texts.

use std::fmt;

/// A language code the shop offers, such as `en` or `fr` (lowercase ISO 639-1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Lang(String);

impl Lang {
    /// Accepts two or three ASCII letters, in any case.
    pub fn parse(code: &str) -> Option<Self> {
        let ok = (2..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphabetic());
        ok.then(|| Self(code.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Lang;

    #[test]
    fn parses_codes() {
        assert_eq!(Lang::parse("FR").map(|l| l.to_string()), Some("fr".to_string()));
        assert!(Lang::parse("f").is_none());
        assert!(Lang::parse("fr-FR").is_none());
        assert!(Lang::parse("../").is_none());
    }
}
