//! Boutique appointments without I/O: opening hours, the free slots of a service over some days
//! in the boutique's time zone (daylight-saving changes included), and the 15-minute blocks an
//! appointment occupies — the unit of the database's guarantee that no associate is ever booked
//! twice at once.

use std::collections::HashSet;

use crate::clock::Timestamp;
use crate::local_time::ShopTimeZone;

/// Appointments start and end on this grid; each block of it an associate gives is one row
/// under a unique key, so two bookings can never overlap, whatever the database.
pub const BLOCK_MINUTES: i64 = 15;
/// Slots are offered every half hour.
pub const SLOT_STEP_MINUTES: i64 = 30;
/// How far ahead slots are offered.
pub const MAX_DAYS_AHEAD: i64 = 120;
/// The least notice a boutique needs to prepare a fitting.
pub const MIN_NOTICE_MINUTES: i64 = 120;

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// One opening period on a weekday, in local minutes after midnight: `tue 10:00-19:00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opening {
    /// 0 = Monday … 6 = Sunday.
    pub weekday: u8,
    pub open: u16,
    pub close: u16,
}

/// A week of openings, written one period per line or separated by `;`:
/// `tue-sat 10:00-19:00; sun 14:00-18:00`. Days absent are closed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WeekHours(pub Vec<Opening>);

impl WeekHours {
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut openings = Vec::new();
        for part in text.split([';', '\n']).map(str::trim).filter(|p| !p.is_empty()) {
            let (days, times) = part
                .split_once(char::is_whitespace)
                .ok_or_else(|| format!("'{}' needs days and hours, e.g. tue-sat 10:00-19:00", clip(part)))?;
            let (first, last) = match days.trim().split_once('-') {
                Some((a, b)) => (weekday(a)?, weekday(b)?),
                None => (weekday(days)?, weekday(days)?),
            };
            let (open, close) =
                times.trim().split_once('-').ok_or_else(|| format!("'{}' needs hours as 10:00-19:00", clip(part)))?;
            let (open, close) = (minute_of_day(open)?, minute_of_day(close)?);
            if close <= open {
                return Err(format!("'{}': closing comes before opening", clip(part)));
            }
            let mut day = first;
            loop {
                openings.push(Opening { weekday: day, open, close });
                if day == last {
                    break;
                }
                day = (day + 1) % 7;
            }
        }
        openings.sort_by_key(|o| (o.weekday, o.open));
        for pair in openings.windows(2) {
            if pair[0].weekday == pair[1].weekday && pair[1].open < pair[0].close {
                return Err(format!("two openings overlap on {}", DAYS[usize::from(pair[0].weekday)]));
            }
        }
        Ok(Self(openings))
    }

    /// The canonical text, one period per `;`.
    pub fn to_text(&self) -> String {
        self.0
            .iter()
            .map(|o| format!("{} {}-{}", DAYS[usize::from(o.weekday)], hhmm(o.open), hhmm(o.close)))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn on(&self, weekday: u8) -> impl Iterator<Item = &Opening> {
        self.0.iter().filter(move |o| o.weekday == weekday)
    }
}

fn clip(text: &str) -> String {
    text.chars().take(40).collect()
}

fn weekday(text: &str) -> Result<u8, String> {
    let text = text.trim().to_ascii_lowercase();
    DAYS.iter()
        .position(|d| text.starts_with(d))
        .and_then(|p| u8::try_from(p).ok())
        .ok_or_else(|| format!("'{}' is not a day (mon, tue, … sun)", clip(&text)))
}

fn minute_of_day(text: &str) -> Result<u16, String> {
    let bad = || format!("'{}' is not a time of day such as 09:30", clip(text));
    let (h, m) = text.trim().split_once(':').ok_or_else(bad)?;
    let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if h > 24 || m > 59 || (h == 24 && m > 0) || i64::from(m) % BLOCK_MINUTES != 0 {
        return Err(format!("'{}' must be a quarter hour between 00:00 and 24:00", clip(text)));
    }
    Ok(h * 60 + m)
}

fn hhmm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// A span of time `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: Timestamp,
    pub end: Timestamp,
}

impl Span {
    fn overlaps(&self, other: &Span) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// An associate who gives the service: their week (the boutique's when they have none of their
/// own) and when they are away or already booked.
#[derive(Debug, Clone)]
pub struct AssociateTime<Id> {
    pub id: Id,
    pub hours: Option<WeekHours>,
    pub away: Vec<Span>,
}

/// One bookable start, with the associates free for the whole of it (in the given order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot<Id> {
    pub span: Span,
    pub free: Vec<Id>,
}

/// What the free slots are computed from.
pub struct SlotQuery<'a, Id> {
    pub zone: &'a ShopTimeZone,
    pub hours: &'a WeekHours,
    /// Local dates (`2026-12-24`) the boutique is closed.
    pub closed: &'a HashSet<String>,
    /// First local date shown.
    pub from: &'a str,
    pub days: i64,
    pub duration_minutes: i64,
    pub now: Timestamp,
    pub associates: &'a [AssociateTime<Id>],
}

/// Every start, every half hour, when the boutique is open for the whole service, at least
/// [`MIN_NOTICE_MINUTES`] from now, and at least one associate is free; local times are turned
/// into instants in the boutique's zone, so a day across a change of clocks keeps its 10:00.
pub fn free_slots<Id: Clone>(query: &SlotQuery<'_, Id>) -> Vec<Slot<Id>> {
    let mut slots = Vec::new();
    let Ok(first) = query.from.parse::<jiff::civil::Date>() else { return slots };
    let duration = query.duration_minutes.max(BLOCK_MINUTES);
    let earliest = query.now.plus_seconds(MIN_NOTICE_MINUTES * 60);
    for offset in 0..query.days.clamp(0, MAX_DAYS_AHEAD) {
        let Ok(date) = first.checked_add(jiff::Span::new().days(offset)) else { break };
        let day = date.to_string();
        if query.closed.contains(&day) {
            continue;
        }
        let weekday = u8::try_from(date.weekday().to_monday_zero_offset()).unwrap_or(0);
        for opening in query.hours.on(weekday) {
            let mut minute = i64::from(opening.open);
            while minute + duration <= i64::from(opening.close) {
                if let Some(start) = query.zone.at_local(&day, minute) {
                    let span = Span { start, end: start.plus_seconds(duration * 60) };
                    let free: Vec<Id> = query
                        .associates
                        .iter()
                        .filter(|a| works(a, query.hours, weekday, minute, duration))
                        .filter(|a| !a.away.iter().any(|busy| busy.overlaps(&span)))
                        .map(|a| a.id.clone())
                        .collect();
                    if span.start >= earliest && !free.is_empty() {
                        slots.push(Slot { span, free });
                    }
                }
                minute += SLOT_STEP_MINUTES;
            }
        }
    }
    slots
}

fn works<Id>(associate: &AssociateTime<Id>, boutique: &WeekHours, weekday: u8, minute: i64, duration: i64) -> bool {
    let week = associate.hours.as_ref().unwrap_or(boutique);
    week.on(weekday).any(|o| i64::from(o.open) <= minute && minute + duration <= i64::from(o.close))
}

/// The 15-minute blocks `[start, end)` covers, as the instants they begin.
pub fn blocks(span: &Span) -> Vec<Timestamp> {
    let step = BLOCK_MINUTES * 60 * Timestamp::MICROS_PER_SECOND;
    let first = span.start.as_micros() - span.start.as_micros().rem_euclid(step);
    (0..)
        .map(|i| Timestamp(first + i * step))
        .take_while(|t| *t < span.end)
        .take(usize::try_from(24 * 60 / BLOCK_MINUTES).unwrap_or(96))
        .collect()
}

/// Whether an instant sits on the grid (the API takes only starts of offered slots).
pub fn on_grid(at: Timestamp) -> bool {
    at.as_micros().rem_euclid(BLOCK_MINUTES * 60 * Timestamp::MICROS_PER_SECOND) == 0
}

/// Where an appointment is in its life; never back from an outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppointmentStatus {
    Booked,
    Cancelled,
    Completed,
    NoShow,
}

impl AppointmentStatus {
    pub const ALL: [Self; 4] = [Self::Booked, Self::Cancelled, Self::Completed, Self::NoShow];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Booked => "booked",
            Self::Cancelled => "cancelled",
            Self::Completed => "completed",
            Self::NoShow => "no_show",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Only a booked appointment moves: to cancelled, or, once begun, to an outcome.
    pub fn can_become(self, next: Self) -> bool {
        self == Self::Booked && next != Self::Booked
    }
}

/// A house's boutiques, services and associates, as `luxevault boutiques set` reads them.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setup {
    #[serde(default, rename = "boutique")]
    pub boutiques: Vec<BoutiqueSetup>,
    #[serde(default, rename = "service")]
    pub services: Vec<ServiceSetup>,
    #[serde(default, rename = "associate")]
    pub associates: Vec<AssociateSetup>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoutiqueSetup {
    pub slug: String,
    pub name: String,
    pub address: String,
    /// IANA, e.g. `Europe/Paris`.
    pub time_zone: String,
    /// `tue-sat 10:00-19:00; sun 14:00-18:00`.
    pub hours: String,
    /// Local dates the boutique is closed.
    #[serde(default)]
    pub closed: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSetup {
    pub slug: String,
    /// The service's name per language: `{ en = "Fitting", fr = "Essayage" }`.
    pub names: std::collections::BTreeMap<String, String>,
    pub duration_minutes: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssociateSetup {
    /// The boutique's slug.
    pub boutique: String,
    /// The first name clients see.
    pub name: String,
    /// Their own week; the boutique's hours when absent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hours: String,
    /// The services' slugs they give.
    pub services: Vec<String>,
}

impl Setup {
    /// Every mistake of the file, each in a sentence naming where it is; nothing is written
    /// unless there is none.
    pub fn check(&self) -> Result<(), Vec<String>> {
        let mut errors = Vec::new();
        let slug_ok = |s: &str| crate::catalog::is_valid_slug(s);
        let mut seen = HashSet::new();
        for b in &self.boutiques {
            let at = format!("boutique '{}'", clip(&b.slug));
            if !slug_ok(&b.slug) {
                errors.push(format!("{at}: the slug must be lowercase letters, digits and hyphens"));
            }
            if !seen.insert(b.slug.clone()) {
                errors.push(format!("{at} is given twice"));
            }
            if b.name.trim().is_empty() || b.address.trim().is_empty() {
                errors.push(format!("{at}: give its name and address"));
            }
            if let Err(e) = ShopTimeZone::parse(&b.time_zone) {
                errors.push(format!("{at}: {e}"));
            }
            if let Err(e) = WeekHours::parse(&b.hours) {
                errors.push(format!("{at}: {e}"));
            }
            for day in &b.closed {
                if Timestamp::from_date(day).is_none() {
                    errors.push(format!("{at}: '{}' is not a date such as 2026-12-25", clip(day)));
                }
            }
        }
        let mut services = HashSet::new();
        for s in &self.services {
            let at = format!("service '{}'", clip(&s.slug));
            if !slug_ok(&s.slug) {
                errors.push(format!("{at}: the slug must be lowercase letters, digits and hyphens"));
            }
            if !services.insert(s.slug.clone()) {
                errors.push(format!("{at} is given twice"));
            }
            if s.names.is_empty() || s.names.values().any(|n| n.trim().is_empty()) {
                errors.push(format!("{at}: give its name in each language"));
            }
            if !(15..=480).contains(&s.duration_minutes) || i64::from(s.duration_minutes) % BLOCK_MINUTES != 0 {
                errors.push(format!("{at}: the duration must be a number of quarter hours between 15 and 480 minutes"));
            }
        }
        for a in &self.associates {
            let at = format!("associate '{}'", clip(&a.name));
            if a.name.trim().is_empty() {
                errors.push("an associate needs a name".into());
            }
            if !seen.contains(&a.boutique) {
                errors.push(format!("{at}: no boutique '{}' in the file", clip(&a.boutique)));
            }
            if !a.hours.trim().is_empty()
                && let Err(e) = WeekHours::parse(&a.hours)
            {
                errors.push(format!("{at}: {e}"));
            }
            for s in &a.services {
                if !services.contains(s) {
                    errors.push(format!("{at}: no service '{}' in the file", clip(s)));
                }
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_setup_names_every_mistake() {
        use super::*;
        let mut names = std::collections::BTreeMap::new();
        names.insert("en".to_string(), "Fitting".to_string());
        let good = Setup {
            boutiques: vec![BoutiqueSetup {
                slug: "tokyo".into(),
                name: "Ginza".into(),
                address: "Ginza 6".into(),
                time_zone: "Asia/Tokyo".into(),
                hours: "mon-sat 11:00-20:00".into(),
                closed: vec!["2027-01-01".into()],
            }],
            services: vec![ServiceSetup { slug: "fitting".into(), names, duration_minutes: 60 }],
            associates: vec![AssociateSetup {
                boutique: "tokyo".into(),
                name: "Aoi".into(),
                hours: String::new(),
                services: vec!["fitting".into()],
            }],
        };
        assert_eq!(good.check(), Ok(()));
        let mut bad = good.clone();
        bad.boutiques[0].time_zone = "Mars/Olympus".into();
        bad.services[0].duration_minutes = 50;
        bad.associates[0].services.push("tea".into());
        let errors = bad.check().err().unwrap_or_default();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors.iter().any(|e| e.contains("Mars/Olympus")) && errors.iter().any(|e| e.contains("'tea'")));
    }

    use super::*;

    fn paris() -> ShopTimeZone {
        ShopTimeZone::parse("Europe/Paris").unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn hours_read_as_a_boutique_writes_them() {
        let week = WeekHours::parse("tue-sat 10:00-19:00; sun 14:00-18:00").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(week.0.len(), 6);
        assert_eq!(
            week.to_text(),
            "tue 10:00-19:00; wed 10:00-19:00; thu 10:00-19:00; fri 10:00-19:00; sat 10:00-19:00; sun 14:00-18:00"
        );
        assert_eq!(WeekHours::parse(&week.to_text()), Ok(week));
        for (bad, says) in [
            ("tue 19:00-10:00", "closing comes before"),
            ("tue 10:00-12:00; tue 11:00-13:00", "overlap"),
            ("someday 10:00-12:00", "not a day"),
            ("tue 10:10-12:00", "quarter hour"),
            ("tue", "needs days and hours"),
        ] {
            let error = WeekHours::parse(bad).err().unwrap_or_default();
            assert!(error.contains(says), "{bad}: {error}");
        }
        // A week that wraps: Saturday to Monday.
        assert_eq!(WeekHours::parse("sat-mon 10:00-12:00").map(|w| w.0.len()), Ok(3));
    }

    #[test]
    fn slots_keep_their_local_time_across_a_change_of_clocks() {
        let zone = paris();
        let hours = WeekHours::parse("mon-sun 10:00-12:00").unwrap_or_else(|e| panic!("{e}"));
        let closed = HashSet::new();
        let associates = vec![AssociateTime { id: 1, hours: None, away: Vec::new() }];
        // Paris moves to summer time in the night of 27 to 28 March 2027.
        let query = SlotQuery {
            zone: &zone,
            hours: &hours,
            closed: &closed,
            from: "2027-03-27",
            days: 2,
            duration_minutes: 60,
            now: Timestamp::from_date("2027-01-01").unwrap_or(Timestamp(0)),
            associates: &associates,
        };
        let slots = free_slots(&query);
        let local: Vec<String> = slots.iter().map(|s| zone.format_with_offset(s.span.start)).collect();
        assert_eq!(
            local,
            [
                "2027-03-27T10:00:00+01:00",
                "2027-03-27T10:30:00+01:00",
                "2027-03-27T11:00:00+01:00",
                "2027-03-28T10:00:00+02:00",
                "2027-03-28T10:30:00+02:00",
                "2027-03-28T11:00:00+02:00",
            ]
        );
        // Seen from Tokyo (no summer time), the same 10:00 is 18:00 one day and 17:00 the next.
        let tokyo = ShopTimeZone::parse("Asia/Tokyo").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(tokyo.format_minute(slots[0].span.start), "2027-03-27 18:00");
        assert_eq!(tokyo.format_minute(slots[3].span.start), "2027-03-28 17:00");
    }

    #[test]
    fn slots_need_an_associate_free_for_the_whole_service_and_notice() {
        let zone = paris();
        let hours = WeekHours::parse("mon-sun 10:00-12:00").unwrap_or_else(|e| panic!("{e}"));
        let day = "2027-01-12";
        let at = |minute: i64| zone.at_local(day, minute).unwrap_or(Timestamp(0));
        let busy = Span { start: at(10 * 60 + 30), end: at(11 * 60) };
        let associates = vec![
            AssociateTime { id: "camille", hours: None, away: vec![busy] },
            AssociateTime {
                id: "hugo",
                hours: Some(WeekHours::parse("mon-sun 11:00-12:00").unwrap_or_default()),
                away: vec![],
            },
        ];
        let closed = HashSet::new();
        let query = SlotQuery {
            zone: &zone,
            hours: &hours,
            closed: &closed,
            from: day,
            days: 1,
            duration_minutes: 60,
            now: Timestamp::from_date("2027-01-01").unwrap_or(Timestamp(0)),
            associates: &associates,
        };
        let slots: Vec<(String, Vec<&str>)> =
            free_slots(&query).into_iter().map(|s| (zone.format_minute(s.span.start), s.free)).collect();
        assert_eq!(
            slots,
            vec![
                // 10:00–11:00 overlaps Camille's booking; Hugo starts at 11:00.
                ("2027-01-12 11:00".to_string(), vec!["camille", "hugo"]),
            ]
        );
        let late = SlotQuery { now: at(10 * 60), ..query };
        assert_eq!(free_slots(&late).len(), 0, "11:00 is less than two hours after 10:00");
        let closed_that_day: HashSet<String> = [day.to_string()].into();
        let query = SlotQuery {
            closed: &closed_that_day,
            now: Timestamp::from_date("2027-01-01").unwrap_or(Timestamp(0)),
            ..late
        };
        assert!(free_slots(&query).is_empty(), "closed that day");
    }

    #[test]
    fn blocks_cover_the_span_on_the_grid() {
        let start = Timestamp::from_date("2027-01-12").unwrap_or(Timestamp(0)).plus_seconds(10 * 3600);
        let span = Span { start, end: start.plus_seconds(45 * 60) };
        let blocks = blocks(&span);
        assert_eq!(blocks.len(), 3);
        assert!(blocks.iter().all(|b| on_grid(*b)));
        assert!(!on_grid(start.plus_seconds(60)));
        assert!(AppointmentStatus::Booked.can_become(AppointmentStatus::Completed));
        assert!(!AppointmentStatus::Completed.can_become(AppointmentStatus::Cancelled));
        assert!(!AppointmentStatus::Cancelled.can_become(AppointmentStatus::Booked));
    }
}
