//! Personal data, wrapped so it cannot leak by accident.
//!
//! `Pii<T>` prints as `Pii(<redacted>)` in `Debug`, has no `Display`, and is read only through
//! [`Pii::expose`], so a `tracing` field, an error message or a `{:?}` of a struct holding a
//! customer's email never shows the email. It serialises as the raw value because API answers,
//! templates and exports must carry it: those places build their output explicitly.
//! Modelled on Hyperswitch's `masking` crate.

use std::fmt;

#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Pii<T>(T);

impl<T> Pii<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The personal value itself. Every call site is a place where personal data flows.
    pub fn expose(&self) -> &T {
        &self.0
    }

    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for Pii<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pii(<redacted>)")
    }
}

impl<T> From<T> for Pii<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

impl<T: serde::Serialize> serde::Serialize for Pii<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Pii<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Self)
    }
}

/// An email address, checked for shape and kept with its lowercase form for look-ups.
#[derive(Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Email(Pii<String>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("this is not an email address")]
pub struct InvalidEmail;

impl Email {
    /// Accepts `local@domain.tld` with no spaces or control characters, up to 254 characters.
    /// (Deliverability is proven by sending, not by a regular expression.)
    pub fn parse(text: &str) -> Result<Self, InvalidEmail> {
        let text = text.trim();
        let (local, domain) = text.rsplit_once('@').ok_or(InvalidEmail)?;
        let ok = text.len() <= 254
            && !local.is_empty()
            && local.len() <= 64
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !text.chars().any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>' || c == ',')
            && !local.contains('@');
        if ok { Ok(Self(Pii::new(text.to_string()))) } else { Err(InvalidEmail) }
    }

    pub fn expose(&self) -> &str {
        self.0.expose()
    }

    /// The form used to find an account: lowercase.
    pub fn normalized(&self) -> String {
        email_key(self.0.expose())
    }
}

/// The form an address is looked up by: lowercased in full Unicode (SQL's lower() folds only
/// A-Z), so "Élodie@…" and "élodie@…" are one person on both databases.
pub fn email_key(address: &str) -> String {
    address.trim().to_lowercase()
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Email(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn debug_never_shows_the_value() {
        let email = Email::parse("pii-canary-7f3a@example.test").unwrap_or_else(|e| panic!("{e}"));
        let shown = format!("{email:?} {:?}", Pii::new("Jeanne Dupont"));
        assert!(!shown.contains("canary") && !shown.contains("Jeanne"), "{shown}");
    }

    #[test]
    fn emails() {
        assert!(Email::parse("a@b.co").is_ok());
        assert_eq!(Email::parse("  Jeanne@Example.FR ").map(|e| e.normalized()), Ok("jeanne@example.fr".into()));
        for bad in ["", "a", "a@b", "@b.co", "a@.co", "a b@c.co", "a@b.co.", "<a@b.co>", "a@b@c.co"] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn pii_debug_redacts_anything(value in "\\PC{1,40}") {
            let shown = format!("{:?}", Pii::new(value.clone()));
            prop_assert_eq!(shown, "Pii(<redacted>)");
        }
    }
}
