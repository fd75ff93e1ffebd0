//! The breach register (P19; GDPR Art. 33–34): every personal-data breach is recorded, whatever
//! its size (Art. 33(5)); the supervisory authority is told within the policy's deadline (72 hours
//! from discovery) unless the breach is unlikely to result in a risk to people, and the people
//! themselves are told without undue delay when the risk is high.

use crate::Timestamp;

/// How serious the breach is for the people whose data it touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Risk {
    /// Unlikely to result in a risk (e.g. encrypted data, key safe): recorded, no notice due.
    Unlikely,
    /// A risk: the authority must be told.
    Risk,
    /// A high risk: the authority and the people must be told.
    High,
}

impl Risk {
    pub const ALL: [Risk; 3] = [Risk::Unlikely, Risk::Risk, Risk::High];

    pub fn as_str(self) -> &'static str {
        match self {
            Risk::Unlikely => "unlikely",
            Risk::Risk => "risk",
            Risk::High => "high",
        }
    }

    pub fn parse(s: &str) -> Option<Risk> {
        Risk::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Risk::Unlikely => "Unlikely to result in a risk",
            Risk::Risk => "Risk to people's rights",
            Risk::High => "High risk to people's rights",
        }
    }

    pub fn authority_must_be_told(self) -> bool {
        !matches!(self, Risk::Unlikely)
    }

    pub fn people_must_be_told(self) -> bool {
        matches!(self, Risk::High)
    }
}

/// When the authority must have been told: `hours` after the breach was discovered.
pub fn authority_deadline(discovered_at: Timestamp, hours: u32) -> Timestamp {
    discovered_at.plus_seconds(i64::from(hours) * 3600)
}

/// What is still owed on a breach at `now`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outstanding {
    /// Authority notice due and not given; with the hours left (negative once late).
    pub authority: Option<i64>,
    /// People's notice due and not given.
    pub people: bool,
}

impl Outstanding {
    pub fn nothing(&self) -> bool {
        self.authority.is_none() && !self.people
    }
}

pub fn outstanding(
    risk: Risk,
    discovered_at: Timestamp,
    hours: u32,
    authority_notified: bool,
    people_notified: bool,
    now: Timestamp,
) -> Outstanding {
    let authority = (risk.authority_must_be_told() && !authority_notified).then(|| {
        let left = authority_deadline(discovered_at, hours).as_micros() - now.as_micros();
        left.div_euclid(3600 * Timestamp::MICROS_PER_SECOND)
    });
    Outstanding { authority, people: risk.people_must_be_told() && !people_notified }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3600;

    #[test]
    fn the_authority_has_72_hours_from_discovery() {
        let found = Timestamp(1_800_000_000_000_000);
        assert_eq!(authority_deadline(found, 72), found.plus_seconds(72 * HOUR));
        let now = found.plus_seconds(10 * HOUR);
        assert_eq!(outstanding(Risk::Risk, found, 72, false, false, now).authority, Some(62));
        let late = found.plus_seconds(73 * HOUR);
        assert_eq!(outstanding(Risk::Risk, found, 72, false, false, late).authority, Some(-1), "late shows negative");
        assert!(outstanding(Risk::Risk, found, 72, true, false, late).nothing());
    }

    #[test]
    fn who_must_be_told_follows_the_risk() {
        let found = Timestamp(1_800_000_000_000_000);
        assert!(outstanding(Risk::Unlikely, found, 72, false, false, found).nothing(), "recorded, no notice due");
        let high = outstanding(Risk::High, found, 72, true, false, found);
        assert!(high.people && high.authority.is_none());
        assert!(!outstanding(Risk::Risk, found, 72, true, false, found).people);
        for r in Risk::ALL {
            assert_eq!(Risk::parse(r.as_str()), Some(r));
        }
    }
}
