//! The privacy policy as code: one machine-readable file that says who the controller is, which
//! data categories exist, what each purpose uses and on which legal basis, who receives what and
//! under which transfer safeguard, what the browser stores, how long records are kept, which
//! rights people have and how fast they are answered. The published policy (`/privacy`,
//! `/privacy.json`) is rendered from it, and the code's behaviour is checked against it, so the
//! page and the system cannot drift apart.
//!
//! Parsing and checking only: no I/O here. Errors name the line of the file.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

/// A text in every language of the shop: `{ en = "…", fr = "…" }`.
pub type Text = BTreeMap<String, String>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// A label of this version, e.g. "2026-11-22".
    pub version: String,
    /// The day it takes effect, `YYYY-MM-DD` (M12: when posted).
    pub effective: String,
    pub title: Text,
    pub introduction: Text,
    pub categories: Vec<Category>,
    pub purposes: Vec<Purpose>,
    pub recipients: Vec<Recipient>,
    pub transfers: Text,
    pub browser_storage: Vec<StorageItem>,
    pub retention: Vec<RetentionRule>,
    pub rights: Rights,
    pub security: Vec<Text>,
    pub breach_notice_hours: u32,
    pub children: Children,
    /// "We do not sell personal data" — must be true; the code has no way to sell it.
    pub no_sale: bool,
    /// "No automated decision-making or profiling" — must be false for this shop.
    pub automated_decisions: bool,
    pub sensitive_data: Text,
    pub changes: Text,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// e.g. "contact"; purposes, recipients and the data inventory refer to it.
    pub id: String,
    pub name: Text,
    pub examples: Text,
    /// Where the data comes from (M4).
    pub sources: Vec<Source>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    ThePerson,
    Automatic,
    Providers,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegalBasis {
    /// Art. 6(1)(b), performing a contract.
    Contract,
    /// Art. 6(1)(b), steps at the person's request before a contract (M3).
    PreContract,
    /// Art. 6(1)(c).
    LegalObligation,
    /// Art. 6(1)(f).
    LegitimateInterests,
    /// Art. 6(1)(a), withdrawable at any time.
    Consent,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Purpose {
    pub id: String,
    pub name: Text,
    pub legal_basis: LegalBasis,
    pub categories: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Safeguard {
    /// EU Standard Contractual Clauses.
    Sccs,
    /// UK International Data Transfer Agreement.
    Idta,
    /// Only countries with an adequacy decision.
    Adequacy,
    /// Data stays in the EEA/UK.
    NoTransfer,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipient {
    /// e.g. "stripe"; every integration declares the recipient it sends to.
    pub id: String,
    pub name: Text,
    pub purpose: String,
    pub location: Text,
    pub safeguards: Vec<Safeguard>,
    /// What it receives — only what its purpose needs (M5).
    pub categories: Vec<String>,
    /// Bound by a data processing agreement (P12).
    pub dpa: bool,
    /// Where the recipient takes notices of erasure, rectification and restriction (GDPR
    /// Art. 19), e.g. its privacy team's email address. Without one, each notice is recorded
    /// for staff to pass on by other means.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy_contact: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StorageKind {
    LocalStorage,
    SessionStorage,
    /// Server-side records of the same purpose (internal page views).
    Server,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageItem {
    pub key: String,
    pub kind: StorageKind,
    pub class: Text,
    pub purpose: Text,
    pub lifetime: Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetentionAction {
    Delete,
    Anonymise,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionRule {
    /// e.g. "orders"; the retention engine runs each rule by this id.
    pub id: String,
    pub records: Text,
    /// How long after the rule's starting event (placed, last active, withdrawn…).
    pub keep_days: u32,
    pub then: RetentionAction,
    pub reason: Text,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rights {
    /// The legal deadline (GDPR Art. 12(3): one month; the policy says 30 days).
    pub answer_within_days: u32,
    /// The house's aim.
    pub target_business_days: u32,
    pub how: Text,
    pub complaint: Text,
    pub list: Vec<Right>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Right {
    pub id: String,
    pub name: Text,
    pub description: Text,
    pub applies_under: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Children {
    pub minimum_age: u8,
    pub text: Text,
}

/// The rights the policies promise (P16); the file must list each.
pub const REQUIRED_RIGHTS: &[&str] =
    &["access", "rectification", "erasure", "portability", "objection", "restriction", "withdraw_consent"];

/// The data categories of the data-processing policy (M2); the file must declare each.
pub const REQUIRED_CATEGORIES: &[&str] = &[
    "identification",
    "contact",
    "communication_records",
    "order_details",
    "fitting_and_sizing",
    "delivery",
    "invoice_records",
    "payment_status",
    "website_usage",
    "device_and_log",
    "compliance_records",
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("policy file, line {line}: {message}")]
pub struct PolicyError {
    pub line: usize,
    pub message: String,
}

fn line_of(source: &str, needle: &str) -> usize {
    source.lines().position(|l| l.contains(needle)).map(|i| i + 1).unwrap_or(1)
}

impl Policy {
    /// Parses and checks a policy file. `languages` are the shop's: every text needs each.
    pub fn parse(source: &str, languages: &[&str]) -> Result<Self, PolicyError> {
        let policy: Policy = toml::from_str(source).map_err(|e| PolicyError {
            line: e.span().map(|s| source[..s.start.min(source.len())].lines().count().max(1)).unwrap_or(1),
            message: e.message().to_string(),
        })?;
        policy.check(source, languages)?;
        Ok(policy)
    }

    fn check(&self, source: &str, languages: &[&str]) -> Result<(), PolicyError> {
        let fail = |needle: &str, message: String| Err(PolicyError { line: line_of(source, needle), message });
        if !is_date(&self.effective) {
            return fail("effective", format!("effective must be a date YYYY-MM-DD, not {:?}", self.effective));
        }
        let categories: HashSet<&str> = self.categories.iter().map(|c| c.id.as_str()).collect();
        for required in REQUIRED_CATEGORIES {
            if !categories.contains(required) {
                return fail("[[categories]]", format!("the data category {required:?} (M2) is not declared"));
            }
        }
        let purposes: HashSet<&str> = self.purposes.iter().map(|p| p.id.as_str()).collect();
        for purpose in &self.purposes {
            for category in &purpose.categories {
                if !categories.contains(category.as_str()) {
                    return fail(
                        &format!("\"{category}\""),
                        format!("purpose {} uses an undeclared category {category:?}", purpose.id),
                    );
                }
            }
        }
        for recipient in &self.recipients {
            if !purposes.contains(recipient.purpose.as_str()) {
                return fail(
                    &format!("\"{}\"", recipient.purpose),
                    format!("recipient {} serves an undeclared purpose {:?}", recipient.id, recipient.purpose),
                );
            }
            if !recipient.dpa {
                return fail(
                    &format!("\"{}\"", recipient.id),
                    format!("recipient {} has no data processing agreement (P12)", recipient.id),
                );
            }
            if recipient.safeguards.is_empty() {
                return fail(
                    &format!("\"{}\"", recipient.id),
                    format!("recipient {} names no transfer safeguard (P13)", recipient.id),
                );
            }
            if let Some(contact) = &recipient.privacy_contact
                && crate::Email::parse(contact).is_err()
            {
                return fail(
                    "privacy_contact",
                    format!("recipient {}: privacy_contact must be an email address", recipient.id),
                );
            }
            for category in &recipient.categories {
                if !categories.contains(category.as_str()) {
                    return fail(
                        &format!("\"{category}\""),
                        format!("recipient {} receives an undeclared category {category:?}", recipient.id),
                    );
                }
            }
        }
        let rights: HashSet<&str> = self.rights.list.iter().map(|r| r.id.as_str()).collect();
        for required in REQUIRED_RIGHTS {
            if !rights.contains(required) {
                return fail("[rights]", format!("the right {required:?} (P16) is not listed"));
            }
        }
        if self.rights.answer_within_days == 0 || self.rights.answer_within_days > 30 {
            return fail(
                "answer_within_days",
                "answer_within_days must be between 1 and 30 (the legal deadline)".into(),
            );
        }
        if !self.no_sale {
            return fail("no_sale", "no_sale must be true: LuxeVault has no way to sell personal data".into());
        }
        if self.automated_decisions {
            return fail(
                "automated_decisions",
                "automated_decisions must be false: orders are only ever held for a person".into(),
            );
        }
        let mut seen = HashSet::new();
        for id in self
            .categories
            .iter()
            .map(|c| &c.id)
            .chain(self.purposes.iter().map(|p| &p.id))
            .chain(self.recipients.iter().map(|r| &r.id))
        {
            if !seen.insert(id) {
                return fail(&format!("\"{id}\""), format!("the id {id:?} is declared twice"));
            }
        }
        self.check_texts(source, languages)
    }

    fn check_texts(&self, source: &str, languages: &[&str]) -> Result<(), PolicyError> {
        let value = serde_json::to_value(self).map_err(|e| PolicyError { line: 1, message: e.to_string() })?;
        let mut problem = None;
        walk_texts(&value, &mut |text| {
            if problem.is_some() {
                return;
            }
            if let Some(lang) =
                languages.iter().find(|l| text.get(**l).and_then(|v| v.as_str()).is_none_or(str::is_empty))
            {
                let sample = text.values().find_map(|v| v.as_str()).unwrap_or_default();
                let snippet: String = sample.chars().take(40).collect();
                problem = Some(PolicyError {
                    line: line_of(source, &snippet),
                    message: format!("a text lacks its {lang} version"),
                });
            }
        });
        problem.map_or(Ok(()), Err)
    }

    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }

    pub fn recipient(&self, id: &str) -> Option<&Recipient> {
        self.recipients.iter().find(|r| r.id == id)
    }

    pub fn retention_rule(&self, id: &str) -> Option<&RetentionRule> {
        self.retention.iter().find(|r| r.id == id)
    }
}

/// Calls `f` on every object that looks like a `Text` (all keys two-letter language codes).
fn walk_texts(value: &serde_json::Value, f: &mut impl FnMut(&serde_json::Map<String, serde_json::Value>)) {
    match value {
        serde_json::Value::Object(map) => {
            let is_text = !map.is_empty() && map.iter().all(|(k, v)| k.len() == 2 && v.is_string());
            if is_text {
                f(map);
            } else {
                map.values().for_each(|v| walk_texts(v, f));
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| walk_texts(v, f)),
        _ => {}
    }
}

fn is_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    matches!(parts.as_slice(), [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2
        && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()))
        && (1..=12).contains(&m.parse::<u32>().unwrap_or(0)) && (1..=31).contains(&d.parse::<u32>().unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULT: &str = include_str!("../../app/policy/default.toml");

    fn parse(source: &str) -> Result<Policy, PolicyError> {
        Policy::parse(source, &["en", "fr"])
    }

    #[test]
    fn the_default_policy_holds_every_promise() {
        let policy = parse(DEFAULT).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(policy.rights.answer_within_days, 30, "P17");
        assert_eq!(policy.rights.target_business_days, 5, "P17");
        assert_eq!(policy.breach_notice_hours, 72, "P19");
        assert_eq!(policy.children.minimum_age, 16, "P20");
        let keys: Vec<&str> =
            policy.browser_storage.iter().filter(|s| s.kind != StorageKind::Server).map(|s| s.key.as_str()).collect();
        for key in ["luxevault_cart", "lg_session", "lg_sid", "lg_currency"] {
            assert!(keys.contains(&key), "P14: {key}");
        }
        let days = |id: &str| policy.retention_rule(id).map(|r| r.keep_days);
        assert_eq!(days("orders"), Some(2557), "P15: 7 years");
        assert_eq!(days("accounts"), Some(730), "P15: 2 years of inactivity");
        assert_eq!(days("analytics"), Some(30), "P15: 30 days");
        assert_eq!(days("marketing_consent"), Some(365), "P15: withdrawal + 1 year");
        for recipient in ["stripe", "carriers", "cloud_host", "email_service"] {
            assert!(policy.recipient(recipient).is_some(), "P12: {recipient}");
        }
        let stripe = policy.recipient("stripe").map(|r| r.categories.clone()).unwrap_or_default();
        assert!(!stripe.contains(&"contact".to_string()), "M5: Stripe is sent no contact data");
        let marketing = policy.purposes.iter().find(|p| p.legal_basis == LegalBasis::Consent);
        assert!(marketing.is_some_and(|p| p.categories == ["contact"]), "P22: marketing by consent, email only");
    }

    #[test]
    fn errors_name_the_line() {
        let broken = DEFAULT.replacen("breach_notice_hours = 72", "breach_notice_hours = \"soon\"", 1);
        let error = parse(&broken).err().unwrap_or_else(|| panic!("refused"));
        let expected = DEFAULT.lines().position(|l| l.contains("breach_notice_hours")).map(|i| i + 1);
        assert_eq!(Some(error.line), expected, "{error}");
    }

    #[test]
    fn broken_promises_are_refused() {
        let cases: Vec<(String, &str)> = vec![
            (DEFAULT.replacen("no_sale = true", "no_sale = false", 1), "no_sale"),
            (DEFAULT.replacen("automated_decisions = false", "automated_decisions = true", 1), "automated_decisions"),
            (DEFAULT.replacen("answer_within_days = 30", "answer_within_days = 45", 1), "answer_within_days"),
            (DEFAULT.replacen("\"withdraw_consent\"", "\"withdraw\"", 1), "withdraw_consent"),
            (DEFAULT.replacen("dpa = true", "dpa = false", 1), "data processing agreement"),
            (DEFAULT.replacen("effective = \"2026-11-22\"", "effective = \"soon\"", 1), "effective"),
        ];
        for (source, expected) in cases {
            let error = parse(&source).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(error.contains(expected), "expected {expected:?} in {error:?}");
        }
    }

    #[test]
    fn every_text_needs_every_language() {
        let policy = Policy::parse(DEFAULT, &["en", "fr", "de"]);
        assert!(policy.err().is_some_and(|e| e.message.contains("de version")));
    }
}
