//! UI strings per language, from `assets/i18n/<lang>.json`, compiled into the binary.

use std::collections::{BTreeMap, HashMap};

use luxevault_core::Lang;
use rust_embed::Embed;

#[derive(Embed)]
#[folder = "assets/i18n/"]
struct Files;

pub struct Translations {
    by_lang: HashMap<String, BTreeMap<String, String>>,
    default_lang: String,
}

impl Translations {
    /// Loads the strings of every offered language; fails with a sentence when one is missing
    /// or is not a flat JSON object of strings.
    pub fn load(langs: &[Lang]) -> Result<Self, String> {
        let mut by_lang = HashMap::new();
        for lang in langs {
            let name = format!("{lang}.json");
            let file = Files::get(&name)
                .ok_or_else(|| format!("no UI strings for the language {lang} (assets/i18n/{name})"))?;
            let strings: BTreeMap<String, String> = serde_json::from_slice(&file.data)
                .map_err(|e| format!("assets/i18n/{name} is not a flat JSON object of strings: {e}"))?;
            by_lang.insert(lang.to_string(), strings);
        }
        let default_lang = langs.first().map(|l| l.to_string()).ok_or("no language is configured")?;
        Ok(Self { by_lang, default_lang })
    }

    /// Every string of a language (for templates).
    pub fn all(&self, lang: &Lang) -> &BTreeMap<String, String> {
        self.by_lang.get(lang.as_str()).or_else(|| self.by_lang.get(&self.default_lang)).unwrap_or_else(|| empty())
    }

    /// One string, with `{name}` placeholders filled in. Falls back to the default language,
    /// then to the key itself, so a missing string is visible but never an error page.
    pub fn text(&self, lang: &Lang, key: &str, args: &[(&str, &str)]) -> String {
        let raw = self
            .by_lang
            .get(lang.as_str())
            .and_then(|m| m.get(key))
            .or_else(|| self.by_lang.get(&self.default_lang).and_then(|m| m.get(key)))
            .map(String::as_str)
            .unwrap_or(key);
        args.iter().fold(raw.to_string(), |text, (name, value)| text.replace(&format!("{{{name}}}"), value))
    }

    /// A counted phrase in the plural form `count` takes in `lang` (`{key}.one` or `{key}.other`,
    /// with `{count}` filled in): "0 commande" in French, "0 orders" in English.
    pub fn count(&self, lang: &Lang, key: &str, count: i64, args: &[(&str, &str)]) -> String {
        let n = count.to_string();
        let mut all: Vec<(&str, &str)> = vec![("count", n.as_str())];
        all.extend_from_slice(args);
        self.text(lang, &format!("{key}.{}", plural_form(lang, count).suffix()), &all)
    }

    /// Fails, naming them, when a language lacks strings the code reads or strings another
    /// language has: a half-translated theme is caught at start, not by a customer.
    pub fn check_required(&self) -> Result<(), String> {
        let mut problems = Vec::new();
        for (lang, strings) in &self.by_lang {
            let missing: Vec<&str> = REQUIRED_KEYS.iter().copied().filter(|k| !strings.contains_key(*k)).collect();
            if !missing.is_empty() {
                problems.push(format!("assets/i18n/{lang}.json lacks {}", missing.join(", ")));
            }
        }
        for (lang, missing) in self.missing_keys() {
            problems.push(format!("assets/i18n/{lang}.json lacks {}", missing.join(", ")));
        }
        if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) }
    }

    /// Languages whose file lacks keys another has: (language, missing keys).
    pub fn missing_keys(&self) -> Vec<(String, Vec<String>)> {
        let all: std::collections::BTreeSet<&String> = self.by_lang.values().flat_map(|m| m.keys()).collect();
        let mut out: Vec<(String, Vec<String>)> = self
            .by_lang
            .iter()
            .map(|(lang, m)| {
                (lang.clone(), all.iter().filter(|k| !m.contains_key(**k)).map(|k| (*k).clone()).collect())
            })
            .filter(|(_, missing): &(String, Vec<String>)| !missing.is_empty())
            .collect();
        out.sort();
        out
    }
}

/// The plural forms the shop's strings distinguish (CLDR's cardinal categories `one` and `other`;
/// a language without a singular form, such as Japanese, uses `other` for every count).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PluralForm {
    One,
    Other,
}

impl PluralForm {
    pub fn suffix(self) -> &'static str {
        match self {
            PluralForm::One => "one",
            PluralForm::Other => "other",
        }
    }
}

/// The plural rule of a language for whole counts: French (and Portuguese) put 0 and 1 in the
/// singular, Japanese, Chinese and Korean have no singular, English and the other European
/// languages the shop may offer use the singular for 1 only.
pub fn plural_form(lang: &Lang, count: i64) -> PluralForm {
    match lang.as_str() {
        "fr" | "pt" if count == 0 || count == 1 => PluralForm::One,
        "fr" | "pt" => PluralForm::Other,
        "ja" | "zh" | "ko" => PluralForm::Other,
        _ if count == 1 => PluralForm::One,
        _ => PluralForm::Other,
    }
}

fn empty() -> &'static BTreeMap<String, String> {
    static EMPTY: std::sync::OnceLock<BTreeMap<String, String>> = std::sync::OnceLock::new();
    EMPTY.get_or_init(BTreeMap::new)
}

/// Keys the Rust code itself reads; each language must have them.
pub const REQUIRED_KEYS: &[&str] = &[
    "quote.unknown_variant",
    "quote.retired",
    "quote.insufficient_stock",
    "quote.sold_out",
    "quote.invalid_quantity",
    "quote.unknown_currency",
    "stock.in_stock",
    "stock.low_stock",
    "stock.sold_out",
    "error.not_found.title",
    "error.not_found.message",
    "error.server.title",
    "error.server.message",
    "meta.home_title",
    "meta.home_description",
    "meta.cart_title",
    "meta.privacy_title",
    "meta.privacy_centre_title",
    "order.status.awaiting_payment",
    "order.status.authorised",
    "order.status.confirmed",
    "order.status.fulfilled",
    "order.status.cancelled",
    "order.status.refunded",
    "meta.account_title",
    "meta.checkout_title",
    "meta.order_title",
    "meta.reset_title",
    "meta.demo_pay_title",
    // The back office (`web::backoffice`): keys its Rust code reads, plural forms included.
    "admin.chart.day",
    "admin.chart.days_left",
    "admin.chart.due",
    "admin.chart.request",
    "admin.col.status",
    "admin.customers.title",
    "admin.dashboard.breaches_owing",
    "admin.dashboard.deadlines.desc",
    "admin.dashboard.deadlines.empty",
    "admin.dashboard.deadlines.title",
    "admin.dashboard.intro",
    "admin.dashboard.open_requests",
    "admin.dashboard.orders_card",
    "admin.dashboard.overdue",
    "admin.dashboard.sales.desc",
    "admin.dashboard.sales.empty",
    "admin.dashboard.sales.title",
    "admin.dashboard.sales_card",
    "admin.dashboard.see_register",
    "admin.dashboard.states.desc",
    "admin.dashboard.states.empty",
    "admin.dashboard.states.title",
    "admin.export.refused",
    "admin.filter.bad_date",
    "admin.language.title",
    "admin.language.unknown",
    "admin.nav.audit",
    "admin.nav.breaches",
    "admin.nav.catalog",
    "admin.nav.consents",
    "admin.nav.customers",
    "admin.nav.dashboard",
    "admin.nav.orders",
    "admin.nav.privacy_requests",
    "admin.nav.retention",
    "admin.nav.staff",
    "admin.not_done",
    "admin.not_found.customer",
    "admin.not_found.order",
    "admin.not_found.product",
    "admin.not_found.request",
    "admin.not_found.staff_member",
    "admin.not_found.title",
    "admin.customer.title",
    "admin.staff.title",
    "admin.order.captured_note",
    "admin.order.fulfilled_note",
    "admin.order.provider_failed",
    "admin.order.reason_needed.text",
    "admin.order.reason_needed.title",
    "admin.order.title",
    "admin.order.wrong_status",
    "admin.orders.bad_search",
    "admin.orders.bad_state",
    "admin.orders.count.one",
    "admin.orders.count.other",
    "admin.orders.number_only",
    "admin.orders.title",
    "admin.payment.awaiting",
    "admin.payment.captured",
    "admin.payment.held",
    "admin.payment.refunded",
    "admin.payment.released",
    "admin.request_kind.access",
    "admin.request_kind.erasure",
    "admin.request_kind.objection",
    "admin.request_kind.portability",
    "admin.request_kind.rectification",
    "admin.request_kind.restriction",
    "admin.request_kind.withdraw_consent",
    "admin.role.accountant",
    "admin.role.associate",
    "admin.role.fulfilment",
    "admin.role.manager",
    "admin.role.owner",
    "admin.role.privacy_officer",
    "admin.sessions.codes_left.one",
    "admin.sessions.codes_left.other",
    "admin.sessions.title",
    "admin.status.authorised",
    "admin.status.awaiting_payment",
    "admin.status.cancelled",
    "admin.status.confirmed",
    "admin.status.fulfilled",
    "admin.status.refunded",
    "admin.unavailable",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn langs() -> Vec<Lang> {
        ["en", "fr"].iter().filter_map(|c| Lang::parse(c)).collect()
    }

    #[test]
    fn every_language_has_every_key() {
        let t = Translations::load(&langs()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.missing_keys(), Vec::<(String, Vec<String>)>::new());
        for lang in langs() {
            for key in REQUIRED_KEYS {
                assert!(t.all(&lang).contains_key(*key), "{lang} lacks {key}");
            }
        }
    }

    #[test]
    fn placeholders_are_filled() {
        let t = Translations::load(&langs()).unwrap_or_else(|e| panic!("{e}"));
        let en = Lang::parse("en").unwrap_or_else(|| panic!("en"));
        let text = t.text(&en, "quote.insufficient_stock", &[("available", "2")]);
        assert!(text.contains('2') && !text.contains("{available}"), "{text}");
        assert_eq!(t.text(&en, "no.such.key", &[]), "no.such.key");
    }

    #[test]
    fn plural_forms_follow_each_languages_rule() {
        let t = Translations::load(&langs()).unwrap_or_else(|e| panic!("{e}"));
        let (en, fr) =
            (Lang::parse("en").unwrap_or_else(|| panic!("en")), Lang::parse("fr").unwrap_or_else(|| panic!("fr")));
        assert_eq!(t.count(&fr, "admin.orders.count", 0, &[]), "0 commande");
        assert_eq!(t.count(&fr, "admin.orders.count", 1, &[]), "1 commande");
        assert_eq!(t.count(&fr, "admin.orders.count", 2, &[]), "2 commandes");
        assert_eq!(t.count(&en, "admin.orders.count", 0, &[]), "0 orders");
        assert_eq!(t.count(&en, "admin.orders.count", 1, &[]), "1 order");
        assert_eq!(t.count(&en, "admin.orders.count", 12, &[]), "12 orders");
        let ja = Lang::parse("ja").unwrap_or_else(|| panic!("ja"));
        assert_eq!(plural_form(&ja, 1), PluralForm::Other);
    }

    #[test]
    fn unknown_language_is_an_error() {
        let xx = Lang::parse("xx").unwrap_or_else(|| panic!("xx"));
        assert!(Translations::load(&[xx]).is_err());
    }
}
