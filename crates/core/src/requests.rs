//! Rights requests and their clocks (P17, P21, GDPR Art. 12(3)): answered within one month of
//! receipt — and never later than the policy's own promise (30 days) — extendable by two further
//! months with a notice to the person; the time spent waiting for the person to prove who they
//! are does not count; the house aims at five business days.

use serde::Serialize;

use crate::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    Access,
    Portability,
    Rectification,
    Erasure,
    Restriction,
    Objection,
    WithdrawConsent,
}

impl RequestKind {
    pub const ALL: [RequestKind; 7] = [
        Self::Access,
        Self::Portability,
        Self::Rectification,
        Self::Erasure,
        Self::Restriction,
        Self::Objection,
        Self::WithdrawConsent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Portability => "portability",
            Self::Rectification => "rectification",
            Self::Erasure => "erasure",
            Self::Restriction => "restriction",
            Self::Objection => "objection",
            Self::WithdrawConsent => "withdraw_consent",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// How a request reached the house.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Web,
    Email,
    Whatsapp,
    /// A call to the boutique (a guest who ordered by phone).
    Phone,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Web => "web",
            Self::Email => "email",
            Self::Whatsapp => "whatsapp",
            Self::Phone => "phone",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Web, Self::Email, Self::Whatsapp, Self::Phone].into_iter().find(|c| c.as_str() == text)
    }
}

/// The same moment `months` calendar months later, on the last day of the month when the day
/// does not exist there (31 January + 1 month = 28 or 29 February).
pub fn add_months(at: Timestamp, months: u32) -> Timestamp {
    let (y, m, d, ..) = at.civil();
    let total = y * 12 + i64::from(m) - 1 + i64::from(months);
    let (year, month) = (total.div_euclid(12), total.rem_euclid(12) as u32 + 1);
    let last = days_in_month(year, month);
    let day = d.min(last);
    let midnight = Timestamp::from_date(&format!("{year:04}-{month:02}-{day:02}")).unwrap_or(at);
    let time_of_day = at.as_micros().rem_euclid(Timestamp::MICROS_PER_DAY);
    Timestamp(midnight.as_micros() + time_of_day)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The legal deadline: one calendar month after receipt, capped at the policy's promise of
/// `promised_days`, plus two more months if extended, plus the time paused waiting for the
/// person's proof of identity.
pub fn deadline(received: Timestamp, promised_days: u32, extended: bool, paused_micros: i64) -> Timestamp {
    let month = add_months(received, 1);
    let promised = received.plus_days(i64::from(promised_days));
    let base = month.min(promised);
    let base = if extended { add_months(base, 2) } else { base };
    Timestamp(base.as_micros().saturating_add(paused_micros.max(0)))
}

/// The house's aim: `business_days` working days (Monday to Friday) after receipt.
pub fn target(received: Timestamp, business_days: u32) -> Timestamp {
    let mut at = received;
    let mut left = business_days;
    while left > 0 {
        at = at.plus_days(1);
        // 1970-01-01 was a Thursday: days since the epoch + 3, mod 7, is 0 on Mondays.
        let weekday = (at.as_micros().div_euclid(Timestamp::MICROS_PER_DAY) + 3).rem_euclid(7);
        if weekday < 5 {
            left -= 1;
        }
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Timestamp {
        Timestamp::from_date(text).unwrap_or_else(|| panic!("{text}"))
    }

    #[test]
    fn months_end_on_the_last_day() {
        assert_eq!(add_months(day("2026-01-31"), 1), day("2026-02-28"));
        assert_eq!(add_months(day("2028-01-31"), 1), day("2028-02-29"));
        assert_eq!(add_months(day("2026-11-22"), 2), day("2027-01-22"));
        assert_eq!(add_months(day("2026-12-31"), 2), day("2027-02-28"));
    }

    #[test]
    fn the_deadline_is_the_stricter_of_a_month_and_the_promise() {
        // 31 days in a month of 31: the policy's 30 days is stricter.
        assert_eq!(deadline(day("2026-01-01"), 30, false, 0), day("2026-01-31"));
        // February: the calendar month is stricter.
        assert_eq!(deadline(day("2026-02-01"), 30, false, 0), day("2026-03-01"));
        assert_eq!(deadline(day("2026-01-01"), 30, true, 0), day("2026-03-31"), "extended by two months");
        let paused = 3 * Timestamp::MICROS_PER_DAY;
        assert_eq!(
            deadline(day("2026-01-01"), 30, false, paused),
            day("2026-02-03"),
            "waiting for proof does not count"
        );
    }

    #[test]
    fn the_target_counts_business_days() {
        // Sunday 22 November 2026 + 5 business days = Friday 27 November.
        assert_eq!(target(day("2026-11-22"), 5), day("2026-11-27"));
        // Friday 27 November + 5 = Friday 4 December.
        assert_eq!(target(day("2026-11-27"), 5), day("2026-12-04"));
    }

    #[test]
    fn kinds_round_trip() {
        for kind in RequestKind::ALL {
            assert_eq!(RequestKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(Channel::parse("whatsapp"), Some(Channel::Whatsapp));
        assert_eq!(Channel::parse("fax"), None);
    }
}
