//! The shop's clock on the wall: its IANA time zone, so staff read times and days as the
//! boutique lives them (a dashboard day starts at local midnight), while everything stored stays
//! UTC microseconds. The time-zone database is compiled in (jiff's bundle), so a server without
//! /usr/share/zoneinfo — a container, say — reads the same times.

use crate::clock::Timestamp;

/// An instant written as RFC 3339 (`2027-01-15T09:00:00+01:00`), as the API takes times.
pub fn parse_instant(text: &str) -> Option<Timestamp> {
    let at: jiff::Timestamp = text.trim().parse().ok()?;
    Some(Timestamp(at.as_microsecond()))
}

#[derive(Debug, Clone, PartialEq)]
pub struct ShopTimeZone {
    name: String,
    zone: jiff::tz::TimeZone,
}

impl ShopTimeZone {
    /// `Europe/Paris`, `Asia/Tokyo`, `UTC`. An unknown name is an error that names it.
    pub fn parse(name: &str) -> Result<Self, String> {
        let name = name.trim();
        let zone = jiff::tz::TimeZone::get(name).map_err(|_| {
            format!("'{}' is not a time zone name (e.g. Europe/Paris)", name.chars().take(64).collect::<String>())
        })?;
        Ok(Self { name: name.to_string(), zone })
    }

    pub fn utc() -> Self {
        Self { name: "UTC".into(), zone: jiff::tz::TimeZone::UTC }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    fn zoned(&self, at: Timestamp) -> Option<jiff::Zoned> {
        jiff::Timestamp::from_microsecond(at.as_micros()).ok().map(|t| t.to_zoned(self.zone.clone()))
    }

    /// `2026-12-04 09:30` in the shop's zone.
    pub fn format_minute(&self, at: Timestamp) -> String {
        self.zoned(at).map(|z| z.strftime("%Y-%m-%d %H:%M").to_string()).unwrap_or_default()
    }

    /// `2026-12-04`, the local day.
    pub fn format_date(&self, at: Timestamp) -> String {
        self.zoned(at).map(|z| z.strftime("%Y-%m-%d").to_string()).unwrap_or_default()
    }

    /// The zone's abbreviation or offset at that moment (`CET`, `+09`).
    pub fn abbreviation(&self, at: Timestamp) -> String {
        self.zoned(at).map(|z| z.strftime("%Z").to_string()).unwrap_or_default()
    }

    /// The instant local midnight began on the local day holding `at` (a day may not have a
    /// midnight on a DST change; jiff then takes the first instant of the day).
    pub fn start_of_day(&self, at: Timestamp) -> Timestamp {
        self.zoned(at)
            .and_then(|z| z.start_of_day().ok())
            .map(|z| Timestamp(z.timestamp().as_microsecond()))
            .unwrap_or(at)
    }

    /// The instant a local date (`2026-12-04`) begins; `None` for anything else.
    pub fn start_of_date(&self, date: &str) -> Option<Timestamp> {
        let date = date.trim();
        Timestamp::from_date(date)?;
        let date: jiff::civil::Date = date.parse().ok()?;
        let zoned = date.to_zoned(self.zone.clone()).ok()?.start_of_day().ok()?;
        Some(Timestamp(zoned.timestamp().as_microsecond()))
    }

    /// The start of the local day `days` calendar days after the one holding `at` (a day
    /// across a DST change lasts 23 or 25 hours, so this is not `days * 24` hours).
    pub fn days_after(&self, at: Timestamp, days: i64) -> Timestamp {
        self.zoned(at)
            .and_then(|z| z.checked_add(jiff::Span::new().try_days(days).ok()?).ok())
            .and_then(|z| z.start_of_day().ok())
            .map(|z| Timestamp(z.timestamp().as_microsecond()))
            .unwrap_or(at)
    }

    /// `2026-12-04T00:30:00+01:00`: the local time with its offset, for files other programs read.
    pub fn format_with_offset(&self, at: Timestamp) -> String {
        self.zoned(at).map(|z| z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()).unwrap_or_default()
    }

    /// The instant a local date's clock reads `minute` minutes after midnight (`10:00` on
    /// `2027-03-28` in Paris is 08:00 UTC, the day before 09:00 UTC). A time the clocks skip
    /// falls after the gap, a time they repeat is its first occurrence (RFC 5545's rule).
    pub fn at_local(&self, date: &str, minute: i64) -> Option<Timestamp> {
        let date: jiff::civil::Date = date.trim().parse().ok()?;
        if !(0..24 * 60).contains(&minute) {
            return None;
        }
        let hour = i8::try_from(minute / 60).ok()?;
        let min = i8::try_from(minute % 60).ok()?;
        let zoned = date.at(hour, min, 0, 0).to_zoned(self.zone.clone()).ok()?;
        Some(Timestamp(zoned.timestamp().as_microsecond()))
    }

    /// The local calendar date holding `at`, as midnight UTC of that date: a day number charts
    /// can count in without a time zone.
    pub fn calendar_day(&self, at: Timestamp) -> Timestamp {
        Timestamp::from_date(&self.format_date(at)).unwrap_or(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        let t: jiff::Timestamp = text.parse().unwrap_or_else(|e| panic!("{e}"));
        Timestamp(t.as_microsecond())
    }

    #[test]
    fn times_read_in_the_shops_zone() {
        let paris = ShopTimeZone::parse("Europe/Paris").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(paris.format_minute(at("2026-12-03T23:30:00Z")), "2026-12-04 00:30");
        assert_eq!(paris.format_minute(at("2026-07-01T10:00:00Z")), "2026-07-01 12:00");
        let tokyo = ShopTimeZone::parse("Asia/Tokyo").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(tokyo.format_date(at("2026-12-03T16:00:00Z")), "2026-12-04");
    }

    #[test]
    fn a_local_day_starts_at_local_midnight() {
        let paris = ShopTimeZone::parse("Europe/Paris").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(paris.start_of_day(at("2026-12-04T10:00:00Z")), at("2026-12-03T23:00:00Z"));
        assert_eq!(ShopTimeZone::utc().start_of_day(at("2026-12-04T10:00:00Z")), at("2026-12-04T00:00:00Z"));
    }

    #[test]
    fn local_dates_and_offsets() {
        let paris = ShopTimeZone::parse("Europe/Paris").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(paris.start_of_date("2026-12-04"), Some(at("2026-12-03T23:00:00Z")));
        assert_eq!(paris.start_of_date("04/12/2026"), None);
        // The night clocks go forward: that day lasts 23 hours.
        assert_eq!(paris.days_after(at("2026-03-28T12:00:00Z"), 1), at("2026-03-28T23:00:00Z"));
        assert_eq!(paris.days_after(at("2026-03-28T12:00:00Z"), 2), at("2026-03-29T22:00:00Z"));
        assert_eq!(paris.format_with_offset(at("2026-12-03T23:30:00Z")), "2026-12-04T00:30:00+01:00");
        assert_eq!(paris.calendar_day(at("2026-12-03T23:30:00Z")), at("2026-12-04T00:00:00Z"));
        assert_eq!(paris.abbreviation(at("2026-12-03T23:30:00Z")), "CET");
    }

    #[test]
    fn unknown_zones_are_named_in_the_error() {
        let error = ShopTimeZone::parse("Mars/Olympus").err().unwrap_or_default();
        assert!(error.contains("Mars/Olympus"), "{error}");
    }
}
