//! The breach register (P19, GDPR Art. 33–34): every breach is recorded with its nature, the
//! categories of data concerned, the people affected, its consequences and the measures taken,
//! and when the authority and the people were told. Staff's free text passes the sensitive-data
//! guard before it is stored (P4).

use luxevault_core::Timestamp;
use luxevault_core::breach::Risk;
use luxevault_storage::{Breaches, NewBreach};
use uuid::Uuid;

use crate::Shop;
use crate::error::ShopError;

/// `YYYY-MM-DDTHH:MM` (as a date-and-time field sends it), read as UTC.
pub fn parse_datetime(text: &str) -> Option<Timestamp> {
    let (date, time) = text.trim().split_once('T')?;
    let day = Timestamp::from_date(date)?;
    let mut hm = time.split(':');
    let (h, m): (i64, i64) = (hm.next()?.parse().ok()?, hm.next()?.parse().ok()?);
    if !(0..24).contains(&h) || !(0..60).contains(&m) {
        return None;
    }
    Some(day.plus_seconds(h * 3600 + m * 60))
}

/// Free text as kept: at most `max` characters, card numbers redacted.
fn kept(text: &str, max: usize) -> String {
    crate::guard::free_text(&text.trim().chars().take(max).collect::<String>(), "breach")
}

/// A breach as staff report it, the fields as typed.
pub struct BreachReport<'a> {
    pub discovered_at: &'a str,
    pub occurred_at: &'a str,
    pub categories: Vec<&'a str>,
    pub nature: &'a str,
    pub risk: &'a str,
    pub people_affected: &'a str,
    pub consequences: &'a str,
    pub measures: &'a str,
}

fn refused(message: &'static str) -> ShopError {
    ShopError::rejected("invalid_breach", message)
}

/// Records a breach; returns its id and its risk (for the audit entry).
pub async fn record(shop: &Shop, report: BreachReport<'_>, recorded_by: Uuid) -> Result<(Uuid, Risk), ShopError> {
    let now = shop.clock().now();
    let policy = &shop.policy().policy;
    let discovered_at = parse_datetime(report.discovered_at)
        .filter(|t| *t <= now)
        .ok_or_else(|| refused("Give when the breach was discovered (not in the future)."))?;
    let occurred_at =
        match report.occurred_at.trim() {
            "" => None,
            text => Some(parse_datetime(text).filter(|t| *t <= discovered_at).ok_or_else(|| {
                refused("When it happened must be a date and time before its discovery, or left empty.")
            })?),
        };
    let categories: Vec<&str> =
        report.categories.into_iter().filter(|v| policy.categories.iter().any(|c| c.id == *v)).collect();
    let nature = kept(report.nature, 2000);
    let risk = Risk::parse(report.risk.trim()).ok_or_else(|| refused("Choose the risk to people."))?;
    let people_affected = report
        .people_affected
        .trim()
        .parse::<i64>()
        .map_err(|_| refused("Give the number of people affected (an estimate)."))?;
    if nature.is_empty() || categories.is_empty() || people_affected < 0 {
        return Err(refused(
            "Describe what happened, tick the categories of data concerned and give the number of people.",
        ));
    }
    let categories = categories.join(",");
    let breach = NewBreach {
        discovered_at,
        occurred_at,
        nature: &nature,
        categories: &categories,
        people_affected,
        consequences: &kept(report.consequences, 2000),
        measures: &kept(report.measures, 2000),
        risk: risk.as_str(),
        recorded_by,
    };
    Ok((Breaches::record(shop.db(), &breach, now).await?, risk))
}

/// Who was told of a breach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Told {
    Authority,
    People,
}

impl Told {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "authority" => Some(Self::Authority),
            "people" => Some(Self::People),
            _ => None,
        }
    }

    /// The audit log's action for this notice.
    pub fn audit_action(self) -> &'static str {
        match self {
            Self::Authority => "breach.authority_notified",
            Self::People => "breach.people_notified",
        }
    }
}

/// Records when the authority or the people were told, with the authority's reference or how
/// the people were told; once each.
pub async fn record_notice(shop: &Shop, id: Uuid, told: Told, at: &str, text: &str) -> Result<(), ShopError> {
    let now = shop.clock().now();
    let at = parse_datetime(at)
        .filter(|t| *t <= now)
        .ok_or_else(|| refused("Give when they were told (not in the future)."))?;
    let text = kept(text, 500);
    if text.is_empty() {
        return Err(refused("Give the authority's reference, or how the people were told."));
    }
    let db = shop.db();
    Breaches::by_id(db, id).await?.ok_or_else(|| ShopError::not_found("No such breach."))?;
    let done = match told {
        Told::Authority => Breaches::authority_notified(db, id, at, &text, now).await?,
        Told::People => Breaches::people_notified(db, id, at, &text, now).await?,
    };
    if !done {
        return Err(ShopError::conflict("already_recorded", "That notice was already recorded."));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_datetime;

    #[test]
    fn datetime_local_values_are_read_as_utc() {
        let t = parse_datetime("2026-11-20T14:30").unwrap_or(luxevault_core::Timestamp(0));
        assert_eq!(t.to_rfc3339(), "2026-11-20T14:30:00Z");
        assert!(parse_datetime("2026-11-20").is_none());
        assert!(parse_datetime("2026-11-20T25:00").is_none());
        assert!(parse_datetime("2026-02-30T10:00").is_none());
        assert!(parse_datetime("").is_none());
    }
}
