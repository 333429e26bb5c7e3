//! Classifications of communes and villages — xã đặc biệt khó khăn, khu vực
//! I/II/III, thôn đặc biệt khó khăn — held as data per unit and period, each
//! set by an instrument (QĐ 900/QĐ-TTg 2017, QĐ 861/QĐ-TTg 2021 …).
//! Eligibility is judged as of the support date, so periods matter.

use chrono::NaiveDate;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClassificationKind {
    /// Xã đặc biệt khó khăn.
    XaDbkk,
    KhuVucI,
    KhuVucII,
    KhuVucIII,
    /// Thôn đặc biệt khó khăn (a village of the commune).
    ThonDbkk,
}

impl ClassificationKind {
    pub const ALL: [ClassificationKind; 5] = [
        ClassificationKind::XaDbkk,
        ClassificationKind::KhuVucI,
        ClassificationKind::KhuVucII,
        ClassificationKind::KhuVucIII,
        ClassificationKind::ThonDbkk,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ClassificationKind::XaDbkk => "xa_dbkk",
            ClassificationKind::KhuVucI => "khu_vuc_1",
            ClassificationKind::KhuVucII => "khu_vuc_2",
            ClassificationKind::KhuVucIII => "khu_vuc_3",
            ClassificationKind::ThonDbkk => "thon_dbkk",
        }
    }

    /// Whether the classification names a village inside the commune.
    pub fn is_for_village(self) -> bool {
        self == ClassificationKind::ThonDbkk
    }
}

impl fmt::Display for ClassificationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ClassificationKind {
    type Err = ClassificationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ClassificationKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or(ClassificationError::UnknownKind)
    }
}

/// A classification as entered, before it is accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewClassification {
    pub unit_code: String,
    pub kind: ClassificationKind,
    pub village: Option<String>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub instrument: String,
}

/// What is wrong with an entered classification; each maps to a message id
/// that names the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassificationError {
    UnknownKind,
    MissingInstrument,
    VillageRequired,
    VillageNotAllowed,
    EndsBeforeItStarts,
}

impl ClassificationError {
    pub fn message_key(self) -> &'static str {
        match self {
            ClassificationError::UnknownKind => "classification-error-kind",
            ClassificationError::MissingInstrument => "classification-error-instrument",
            ClassificationError::VillageRequired => "classification-error-village-required",
            ClassificationError::VillageNotAllowed => "classification-error-village-not-allowed",
            ClassificationError::EndsBeforeItStarts => "classification-error-period",
        }
    }

    /// The form field the error points at.
    pub fn field(self) -> &'static str {
        match self {
            ClassificationError::UnknownKind => "kind",
            ClassificationError::MissingInstrument => "instrument",
            ClassificationError::VillageRequired | ClassificationError::VillageNotAllowed => {
                "village"
            }
            ClassificationError::EndsBeforeItStarts => "valid_to",
        }
    }
}

impl NewClassification {
    /// Checks the rules a classification must meet; text is normalised.
    pub fn validate(mut self) -> Result<Self, ClassificationError> {
        self.instrument = crate::text::clean(&self.instrument);
        self.village = self
            .village
            .map(|v| crate::text::clean(&v))
            .filter(|v| !v.is_empty());
        if self.instrument.is_empty() {
            return Err(ClassificationError::MissingInstrument);
        }
        match (self.kind.is_for_village(), &self.village) {
            (true, None) => return Err(ClassificationError::VillageRequired),
            (false, Some(_)) => return Err(ClassificationError::VillageNotAllowed),
            _ => {}
        }
        if let Some(to) = self.valid_to
            && to <= self.valid_from
        {
            return Err(ClassificationError::EndsBeforeItStarts);
        }
        Ok(self)
    }

    /// Whether the classification is in force on a date (end exclusive).
    pub fn in_force_on(&self, on: NaiveDate) -> bool {
        self.valid_from <= on && self.valid_to.is_none_or(|to| on < to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    fn kv3() -> NewClassification {
        NewClassification {
            unit_code: "20056".into(),
            kind: ClassificationKind::KhuVucIII,
            village: None,
            valid_from: date(2021, 6, 4),
            valid_to: Some(date(2026, 1, 1)),
            instrument: " QĐ 861/QĐ-TTg ".into(),
        }
    }

    #[test]
    fn a_valid_classification_is_accepted_with_clean_text() {
        let c = kv3().validate().expect("valid");
        assert_eq!(c.instrument, "QĐ 861/QĐ-TTg");
        assert!(c.in_force_on(date(2025, 12, 31)));
        assert!(!c.in_force_on(date(2026, 1, 1)));
    }

    #[test]
    fn a_village_classification_needs_a_village() {
        let mut c = kv3();
        c.kind = ClassificationKind::ThonDbkk;
        assert_eq!(c.validate(), Err(ClassificationError::VillageRequired));
    }

    #[test]
    fn a_period_must_end_after_it_starts() {
        let mut c = kv3();
        c.valid_to = Some(c.valid_from);
        let err = c.validate().expect_err("refused");
        assert_eq!(err, ClassificationError::EndsBeforeItStarts);
        assert_eq!(err.field(), "valid_to");
    }

    #[test]
    fn an_instrument_is_required() {
        let mut c = kv3();
        c.instrument = "   ".into();
        assert_eq!(c.validate(), Err(ClassificationError::MissingInstrument));
    }
}
