//! Time, injected. Nothing in LuxeVault reads the system clock directly: services receive a
//! [`Clock`], so tests can move time forward (retention, deadlines, expiries) deterministically.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// A point in time as integer UTC microseconds since the Unix epoch.
///
/// Stored as `BIGINT` on every backend: text timestamps sort wrongly below one second on SQLite,
/// and integers compare and index the same way everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub const MICROS_PER_SECOND: i64 = 1_000_000;
    pub const MICROS_PER_DAY: i64 = 86_400 * Self::MICROS_PER_SECOND;

    pub fn as_micros(self) -> i64 {
        self.0
    }

    pub fn plus_seconds(self, seconds: i64) -> Self {
        Self(self.0.saturating_add(seconds.saturating_mul(Self::MICROS_PER_SECOND)))
    }

    pub fn plus_days(self, days: i64) -> Self {
        Self(self.0.saturating_add(days.saturating_mul(Self::MICROS_PER_DAY)))
    }

    /// The UTC calendar date and time: (year, month, day, hour, minute, second).
    /// Howard Hinnant's days-to-civil algorithm; a calendar crate for this one conversion is not
    /// worth its weight.
    pub fn civil(self) -> (i64, u32, u32, u32, u32, u32) {
        let days = self.0.div_euclid(Self::MICROS_PER_DAY);
        let seconds = self.0.rem_euclid(Self::MICROS_PER_DAY) / Self::MICROS_PER_SECOND;
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        (year, month, day, (seconds / 3_600) as u32, (seconds % 3_600 / 60) as u32, (seconds % 60) as u32)
    }

    /// Midnight UTC of a calendar date, e.g. "2033-11-23"; `None` when it is not one.
    pub fn from_date(text: &str) -> Option<Self> {
        let mut parts = text.split('-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        let (y, m, d): (i64, i64, i64) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
        if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
            return None;
        }
        // Hinnant's days-from-civil, the inverse of `civil`.
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        let at = Self(days * Self::MICROS_PER_DAY);
        // Reject days a month does not have (31 April): they would not round-trip.
        let (_, month, day, ..) = at.civil();
        (i64::from(month) == (if mp < 10 { mp + 3 } else { mp - 9 }) && i64::from(day) == d).then_some(at)
    }

    /// RFC 3339 in UTC, to the second: `2026-11-22T10:00:00Z`.
    pub fn to_rfc3339(self) -> String {
        let (y, mo, d, h, mi, s) = self.civil();
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    }
}

/// The source of "now".
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let micros = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Timestamp(micros)
    }
}

/// A clock that only moves when told to; shared between a test and the app it drives.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    pub fn new(start: Timestamp) -> Self {
        Self(Arc::new(AtomicI64::new(start.0)))
    }

    pub fn set(&self, to: Timestamp) {
        self.0.store(to.0, Ordering::SeqCst);
    }

    pub fn advance_seconds(&self, seconds: i64) {
        self.0.fetch_add(seconds.saturating_mul(Timestamp::MICROS_PER_SECOND), Ordering::SeqCst);
    }

    pub fn advance_minutes(&self, minutes: i64) {
        self.0.fetch_add(minutes.saturating_mul(60 * Timestamp::MICROS_PER_SECOND), Ordering::SeqCst);
    }

    pub fn advance_days(&self, days: i64) {
        self.0.fetch_add(days.saturating_mul(Timestamp::MICROS_PER_DAY), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let clock = ManualClock::new(Timestamp(1_000));
        assert_eq!(clock.now(), Timestamp(1_000));
        clock.advance_days(2);
        assert_eq!(clock.now(), Timestamp(1_000 + 2 * Timestamp::MICROS_PER_DAY));
    }

    #[test]
    fn calendar_dates() {
        assert_eq!(Timestamp(0).to_rfc3339(), "1970-01-01T00:00:00Z");
        assert_eq!(Timestamp(1_795_341_600 * Timestamp::MICROS_PER_SECOND).to_rfc3339(), "2026-11-22T10:00:00Z");
        assert_eq!(Timestamp(951_825_600 * Timestamp::MICROS_PER_SECOND).to_rfc3339(), "2000-02-29T12:00:00Z");
        assert_eq!(Timestamp(1_767_225_599 * Timestamp::MICROS_PER_SECOND).to_rfc3339(), "2025-12-31T23:59:59Z");
        assert_eq!(Timestamp(-1).to_rfc3339(), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn dates_parse_to_midnight_utc() {
        assert_eq!(Timestamp::from_date("2026-11-22").map(|t| t.to_rfc3339()), Some("2026-11-22T00:00:00Z".into()));
        assert_eq!(Timestamp::from_date("2000-02-29").map(|t| t.to_rfc3339()), Some("2000-02-29T00:00:00Z".into()));
        for bad in ["2026-04-31", "2026-02-29", "2026-13-01", "26-11-22", "2026-11-22x", "", "2026-1-2"] {
            assert!(Timestamp::from_date(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn system_clock_is_after_2020() {
        assert!(SystemClock.now() > Timestamp(1_577_836_800 * Timestamp::MICROS_PER_SECOND));
    }
}
