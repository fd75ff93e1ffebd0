//! The team's language and clock.
//!
//! **Language.** Each member reads the back office in the language they chose on their own page
//! (`/admin/sessions`, stored on their staff row), so a French packer and an English accountant
//! share one shop without fighting over a switch; until they choose, the browser's
//! `Accept-Language` picks among the shop's languages, then the shop's default language. The
//! strings are the storefront's (`luxevault_shop::i18n`, keys under `admin.`), checked at start
//! like every other key, with the same plural rules.
//!
//! **Clock.** Every time shown is in the shop's time zone with its abbreviation
//! (`2026-12-04 00:30 CET`); dates typed into filters are local dates; the dashboard's days start
//! at local midnight. Stored times stay UTC microseconds.

use axum::http::{HeaderMap, header};
use luxevault_core::{Currency, Lang, Money, MoneyError, Timestamp};
use luxevault_storage::StaffRow;

use crate::state::AppState;

/// The language a member reads the back office in (see the module comment).
pub fn member_lang(state: &AppState, member: &StaffRow, headers: &HeaderMap) -> Lang {
    let offered = &state.settings().langs;
    member
        .language
        .as_deref()
        .and_then(Lang::parse)
        .filter(|l| offered.contains(l))
        .or_else(|| browser_lang(headers, offered))
        .unwrap_or_else(|| state.settings().default_lang().clone())
}

/// The first of the browser's languages (by `q`, then order) that the shop offers; `fr-CA`
/// counts as `fr`.
pub fn browser_lang(headers: &HeaderMap, offered: &[Lang]) -> Option<Lang> {
    let header = headers.get(header::ACCEPT_LANGUAGE)?.to_str().ok()?;
    let mut asked: Vec<(u16, usize, Lang)> = header
        .split(',')
        .take(20)
        .enumerate()
        .filter_map(|(i, part)| {
            let mut pieces = part.split(';');
            let tag = pieces.next()?.trim();
            let q = pieces
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let lang = Lang::parse(tag.split('-').next()?)?;
            (q > 0.0).then_some(((q.clamp(0.0, 1.0) * 1000.0) as u16, i, lang))
        })
        .collect();
    asked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    asked.into_iter().map(|(_, _, l)| l).find(|l| offered.contains(l))
}

/// A time as staff read it: `2026-12-04 00:30 CET`, in the shop's time zone.
pub fn when(state: &AppState, at: Timestamp) -> String {
    let zone = &state.settings().time_zone;
    format!("{} {}", zone.format_minute(at), zone.abbreviation(at))
}

/// A local date typed into a filter (`2026-12-04`) as the instant that day begins in the shop.
pub fn local_date(state: &AppState, date: &str) -> Option<Timestamp> {
    state.settings().time_zone.start_of_date(date)
}

/// Reads an amount typed in major units — `1250.00`, `1 250,00`, `1,250.00`, `1.250,00` —
/// for `currency`. The message says what is wrong without repeating the input.
pub fn parse_amount(text: &str, currency: Currency) -> Result<Money, String> {
    let compact: String =
        text.chars().filter(|c| !c.is_whitespace() && *c != '\u{202F}' && *c != '\u{A0}' && *c != '\'').collect();
    if compact.is_empty() {
        return Err("Type an amount.".into());
    }
    if compact.starts_with('-') {
        return Err("A price cannot be negative.".into());
    }
    // The last separator is the decimal one when both appear; a lone comma is a decimal comma.
    let normalised = match (compact.rfind('.'), compact.rfind(',')) {
        (Some(dot), Some(comma)) if comma > dot => compact.replace('.', "").replace(',', "."),
        (Some(_), Some(_)) => compact.replace(',', ""),
        (None, Some(_)) if compact.matches(',').count() == 1 => compact.replace(',', "."),
        _ => compact,
    };
    Money::parse_major(&normalised, currency).map_err(|e| match e {
        MoneyError::TooManyDecimals { .. } if currency.exponent() == 0 => {
            format!("{} has no decimals: type a whole amount.", currency.code())
        }
        MoneyError::TooManyDecimals { exponent, .. } => {
            format!("{} takes at most {exponent} decimals.", currency.code())
        }
        MoneyError::Overflow => "The amount is too large.".into(),
        _ => "The amount is not a number: type digits with an optional decimal point, like 1250.00.".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn langs() -> Vec<Lang> {
        ["en", "fr"].iter().filter_map(|c| Lang::parse(c)).collect()
    }

    fn asking(value: &str) -> Option<String> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_str(value).unwrap_or_else(|e| panic!("{e}")));
        browser_lang(&headers, &langs()).map(|l| l.to_string())
    }

    /// Every `t['…']` a back-office template reads exists in every language (templates run in
    /// strict mode: a missing key would be an error page, caught here instead).
    #[test]
    fn every_key_the_templates_read_exists_in_every_language() {
        let t = luxevault_shop::i18n::Translations::load(&langs()).unwrap_or_else(|e| panic!("{e}"));
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/templates/admin");
        let mut checked = 0;
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{e}")) {
            let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
            let html = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
            for piece in html.split("t['").skip(1) {
                let key = piece.split('\'').next().unwrap_or_default();
                if key.ends_with('.') {
                    continue; // a prefix completed at render time (`t['admin.request_kind.' ~ kind]`)
                }
                for lang in langs() {
                    assert!(t.all(&lang).contains_key(key), "{} reads {key}, missing in {lang}", path.display());
                }
                checked += 1;
            }
        }
        assert!(checked > 100, "only {checked} keys found");
    }

    #[test]
    fn the_browsers_preference_picks_among_the_shops_languages() {
        assert_eq!(asking("fr-FR,fr;q=0.9,en;q=0.8").as_deref(), Some("fr"));
        assert_eq!(asking("de-DE, en;q=0.5, fr;q=0.7").as_deref(), Some("fr"));
        assert_eq!(asking("de, ja").as_deref(), None);
        assert_eq!(asking("fr;q=0, en").as_deref(), Some("en"));
        assert_eq!(asking("*").as_deref(), None);
        assert_eq!(browser_lang(&HeaderMap::new(), &langs()), None);
    }
}
