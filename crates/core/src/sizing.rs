//! Fitting and sizing (M2's own category): a client's sizing profile — measurements, shoe and
//! ring sizes, the fit they prefer — and the alterations the boutique makes to a piece they
//! ordered, with the state machine of an alteration. No I/O here.
//!
//! Measurements are whole millimetres; shoe sizes are kept in tenths (EU 38.5 is 385, UK 5.5 is
//! 55) so that half sizes stay exact; a ring size is the EU/ISO size, the inner circumference in
//! millimetres. Each is optional and checked against a range a person can have, with a sentence
//! that names the field and the range.

use serde::{Deserialize, Serialize};

/// The longest note kept on a profile or an alteration.
pub const NOTES_MAX_CHARS: usize = 1000;

/// One measurement of the profile: its field name, the range accepted (inclusive) and the unit
/// as the error message says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measure {
    pub field: &'static str,
    pub min: i32,
    pub max: i32,
    /// How the range reads in an error: "mm", "EU size ×10"…
    pub unit: &'static str,
}

/// The measurements a luxury-fashion boutique takes, in the order they are shown.
pub const MEASURES: [Measure; 11] = [
    Measure { field: "height_mm", min: 1000, max: 2300, unit: "mm" },
    Measure { field: "chest_mm", min: 600, max: 1600, unit: "mm" },
    Measure { field: "waist_mm", min: 450, max: 1600, unit: "mm" },
    Measure { field: "hips_mm", min: 600, max: 1700, unit: "mm" },
    Measure { field: "inseam_mm", min: 500, max: 1100, unit: "mm" },
    Measure { field: "shoulder_mm", min: 300, max: 650, unit: "mm" },
    Measure { field: "sleeve_mm", min: 400, max: 950, unit: "mm" },
    Measure { field: "neck_mm", min: 280, max: 550, unit: "mm" },
    Measure { field: "shoe_eu_tenths", min: 330, max: 500, unit: "tenths of an EU size (38.5 is 385)" },
    Measure { field: "shoe_uk_tenths", min: 10, max: 150, unit: "tenths of a UK size (5.5 is 55)" },
    Measure { field: "ring_eu", min: 40, max: 76, unit: "EU ring size (inner circumference in mm)" },
];

/// The fit a client prefers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fit {
    Slim,
    Regular,
    Relaxed,
}

impl Fit {
    pub const ALL: [Fit; 3] = [Fit::Slim, Fit::Regular, Fit::Relaxed];

    pub fn as_str(self) -> &'static str {
        match self {
            Fit::Slim => "slim",
            Fit::Regular => "regular",
            Fit::Relaxed => "relaxed",
        }
    }

    pub fn parse(s: &str) -> Option<Fit> {
        Fit::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// The measurements of a profile, each optional, in [`MEASURES`] order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measurements {
    pub height_mm: Option<i32>,
    pub chest_mm: Option<i32>,
    pub waist_mm: Option<i32>,
    pub hips_mm: Option<i32>,
    pub inseam_mm: Option<i32>,
    pub shoulder_mm: Option<i32>,
    pub sleeve_mm: Option<i32>,
    pub neck_mm: Option<i32>,
    pub shoe_eu_tenths: Option<i32>,
    pub shoe_uk_tenths: Option<i32>,
    pub ring_eu: Option<i32>,
}

impl Measurements {
    /// Each measurement with its definition, in [`MEASURES`] order.
    pub fn values(&self) -> [(Measure, Option<i32>); 11] {
        let v = [
            self.height_mm,
            self.chest_mm,
            self.waist_mm,
            self.hips_mm,
            self.inseam_mm,
            self.shoulder_mm,
            self.sleeve_mm,
            self.neck_mm,
            self.shoe_eu_tenths,
            self.shoe_uk_tenths,
            self.ring_eu,
        ];
        let mut out = [(MEASURES[0], None); 11];
        for (i, slot) in out.iter_mut().enumerate() {
            *slot = (MEASURES[i], v[i]);
        }
        out
    }

    /// Sets the measurement named `field`; `false` when no measurement has that name.
    pub fn set(&mut self, field: &str, value: Option<i32>) -> bool {
        let slot = match field {
            "height_mm" => &mut self.height_mm,
            "chest_mm" => &mut self.chest_mm,
            "waist_mm" => &mut self.waist_mm,
            "hips_mm" => &mut self.hips_mm,
            "inseam_mm" => &mut self.inseam_mm,
            "shoulder_mm" => &mut self.shoulder_mm,
            "sleeve_mm" => &mut self.sleeve_mm,
            "neck_mm" => &mut self.neck_mm,
            "shoe_eu_tenths" => &mut self.shoe_eu_tenths,
            "shoe_uk_tenths" => &mut self.shoe_uk_tenths,
            "ring_eu" => &mut self.ring_eu,
            _ => return false,
        };
        *slot = value;
        true
    }

    /// Whether no measurement is given.
    pub fn is_empty(&self) -> bool {
        self.values().iter().all(|(_, v)| v.is_none())
    }
}

/// Why a profile or an alteration was refused: the field, and a sentence for the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SizingError {
    pub field: &'static str,
    pub message: String,
}

impl std::fmt::Display for SizingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Checks every measurement against its range; the first one outside is refused, named.
pub fn validate(measurements: &Measurements) -> Result<(), SizingError> {
    for (measure, value) in measurements.values() {
        if let Some(v) = value
            && !(measure.min..=measure.max).contains(&v)
        {
            return Err(SizingError {
                field: measure.field,
                message: format!(
                    "{} must be between {} and {} ({}); {} is outside.",
                    measure.field, measure.min, measure.max, measure.unit, v
                ),
            });
        }
    }
    Ok(())
}

/// Checks a note's length (the guard removes card numbers from it before it is kept).
pub fn validate_notes(notes: &str, field: &'static str) -> Result<(), SizingError> {
    let n = notes.chars().count();
    if n > NOTES_MAX_CHARS {
        return Err(SizingError {
            field,
            message: format!("{field} has at most {NOTES_MAX_CHARS} characters; this one has {n}."),
        });
    }
    Ok(())
}

/// What an alteration changes on a piece.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlterationKind {
    Hem,
    Sleeves,
    Waist,
    Shoulders,
    Taper,
    Other,
}

impl AlterationKind {
    pub const ALL: [AlterationKind; 6] = [
        AlterationKind::Hem,
        AlterationKind::Sleeves,
        AlterationKind::Waist,
        AlterationKind::Shoulders,
        AlterationKind::Taper,
        AlterationKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlterationKind::Hem => "hem",
            AlterationKind::Sleeves => "sleeves",
            AlterationKind::Waist => "waist",
            AlterationKind::Shoulders => "shoulders",
            AlterationKind::Taper => "taper",
            AlterationKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<AlterationKind> {
        AlterationKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Where an alteration stands: requested → in work → ready → collected, one step at a time,
/// never backwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlterationStatus {
    Requested,
    InWork,
    Ready,
    Collected,
}

impl AlterationStatus {
    pub const ALL: [AlterationStatus; 4] =
        [AlterationStatus::Requested, AlterationStatus::InWork, AlterationStatus::Ready, AlterationStatus::Collected];

    pub fn as_str(self) -> &'static str {
        match self {
            AlterationStatus::Requested => "requested",
            AlterationStatus::InWork => "in_work",
            AlterationStatus::Ready => "ready",
            AlterationStatus::Collected => "collected",
        }
    }

    pub fn parse(s: &str) -> Option<AlterationStatus> {
        AlterationStatus::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The one state that may follow, if any.
    pub fn next(self) -> Option<AlterationStatus> {
        match self {
            AlterationStatus::Requested => Some(AlterationStatus::InWork),
            AlterationStatus::InWork => Some(AlterationStatus::Ready),
            AlterationStatus::Ready => Some(AlterationStatus::Collected),
            AlterationStatus::Collected => None,
        }
    }

    /// Whether an alteration may move from `self` to `to`: only to the next state.
    pub fn may_become(self, to: AlterationStatus) -> bool {
        self.next() == Some(to)
    }

    /// Whether the client is told of this state (the piece can be collected).
    pub fn tells_the_client(self) -> bool {
        self == AlterationStatus::Ready
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measurements_in_range_pass_and_out_of_range_name_the_field() {
        let mut m =
            Measurements { height_mm: Some(1720), shoe_eu_tenths: Some(385), ring_eu: Some(52), ..Default::default() };
        assert_eq!(validate(&m), Ok(()));
        assert_eq!(validate(&Measurements::default()), Ok(()));
        m.waist_mm = Some(20);
        let error = validate(&m).err().unwrap_or_else(|| panic!("refused"));
        assert_eq!(error.field, "waist_mm");
        assert!(error.message.contains("between 450 and 1600"), "{}", error.message);
        for measure in MEASURES {
            let mut edge = Measurements::default();
            assert!(edge.set(measure.field, Some(measure.min)));
            assert_eq!(validate(&edge), Ok(()), "{}", measure.field);
            edge.set(measure.field, Some(measure.max + 1));
            assert_eq!(validate(&edge).map_err(|e| e.field), Err(measure.field));
        }
        assert!(!m.set("weight_kg", Some(60)));
    }

    #[test]
    fn notes_have_a_maximum_length() {
        assert!(validate_notes(&"é".repeat(NOTES_MAX_CHARS), "notes").is_ok());
        assert!(validate_notes(&"é".repeat(NOTES_MAX_CHARS + 1), "notes").is_err());
    }

    #[test]
    fn an_alteration_moves_forward_one_step_at_a_time_never_backwards() {
        use AlterationStatus as S;
        assert!(S::Requested.may_become(S::InWork));
        assert!(S::InWork.may_become(S::Ready));
        assert!(S::Ready.may_become(S::Collected));
        for from in S::ALL {
            for to in S::ALL {
                let forward_one =
                    S::ALL.iter().position(|s| *s == to) == S::ALL.iter().position(|s| *s == from).map(|i| i + 1);
                assert_eq!(from.may_become(to), forward_one, "{from:?} -> {to:?}");
            }
        }
        assert_eq!(S::Collected.next(), None);
        assert!(S::Ready.tells_the_client() && !S::InWork.tells_the_client());
    }

    #[test]
    fn names_round_trip() {
        for s in AlterationStatus::ALL {
            assert_eq!(AlterationStatus::parse(s.as_str()), Some(s));
        }
        for k in AlterationKind::ALL {
            assert_eq!(AlterationKind::parse(k.as_str()), Some(k));
        }
        for f in Fit::ALL {
            assert_eq!(Fit::parse(f.as_str()), Some(f));
        }
        assert_eq!(Fit::parse("baggy"), None);
    }
}
