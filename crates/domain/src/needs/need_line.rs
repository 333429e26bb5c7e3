//! A need line: site × category × period × package × quantity, assessed by
//! a local or school officer, verified by the sector, published by the
//! coordinator (R14, R17, R18, R23).

use chrono::NaiveDate;

use super::Category;
use super::category::Sector;
use crate::authz::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NeedStatus {
    Assessed,
    Verified,
    Published,
    Cancelled,
}

impl NeedStatus {
    pub const ALL: [NeedStatus; 4] = [
        NeedStatus::Assessed,
        NeedStatus::Verified,
        NeedStatus::Published,
        NeedStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NeedStatus::Assessed => "assessed",
            NeedStatus::Verified => "verified",
            NeedStatus::Published => "published",
            NeedStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<NeedStatus> {
        NeedStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// A change of status asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Verify,
    Publish,
    /// Back to the assessor, with a reason.
    Return,
    Cancel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransitionError {
    /// Not possible from the current status.
    NotFrom(NeedStatus),
    /// This role may not do it (e.g. education verifying a nutrition need).
    WrongRole,
    /// Returning or cancelling needs a reason.
    ReasonRequired,
}

impl TransitionError {
    pub fn message_key(self) -> &'static str {
        match self {
            TransitionError::NotFrom(_) => "need-error-transition",
            TransitionError::WrongRole => "denied-role",
            TransitionError::ReasonRequired => "need-error-reason",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedLine {
    pub site_unit_code: String,
    pub category: Category,
    pub period_start: NaiveDate,
    /// Exclusive end of the period.
    pub period_end: NaiveDate,
    /// Number of children (or units) the line is for.
    pub quantity: i64,
    /// Value of one package, in đồng.
    pub unit_value: i64,
    pub status: NeedStatus,
}

impl NeedLine {
    /// The need in đồng; `None` when it would overflow.
    pub fn amount(&self) -> Option<i64> {
        self.quantity.checked_mul(self.unit_value)
    }

    /// Whether two lines' periods overlap (ends exclusive).
    pub fn overlaps(&self, start: NaiveDate, end: NaiveDate) -> bool {
        self.period_start < end && start < self.period_end
    }

    /// The status after `t`, if `role` (of `sector`, for sector officers)
    /// may do it.
    pub fn after(
        &self,
        t: Transition,
        role: Role,
        sector: Option<Sector>,
        reason: Option<&str>,
    ) -> Result<NeedStatus, TransitionError> {
        use NeedStatus as S;
        let coordinating = matches!(role, Role::Admin | Role::Coordinator);
        let reasoned = reason.is_some_and(|r| !r.trim().is_empty());
        match (t, self.status) {
            (Transition::Verify, S::Assessed) => {
                let right_sector =
                    role == Role::SectorOfficer && sector == Some(self.category.verifying_sector());
                if coordinating || right_sector {
                    Ok(S::Verified)
                } else {
                    Err(TransitionError::WrongRole)
                }
            }
            (Transition::Publish, S::Verified) => {
                if coordinating {
                    Ok(S::Published)
                } else {
                    Err(TransitionError::WrongRole)
                }
            }
            (Transition::Return, S::Verified | S::Published) => {
                if !(coordinating || role == Role::SectorOfficer) {
                    Err(TransitionError::WrongRole)
                } else if !reasoned {
                    Err(TransitionError::ReasonRequired)
                } else {
                    Ok(S::Assessed)
                }
            }
            (Transition::Cancel, S::Assessed | S::Verified | S::Published) => {
                if !(coordinating || matches!(role, Role::LocalOfficer | Role::SiteOfficer)) {
                    Err(TransitionError::WrongRole)
                } else if !reasoned {
                    Err(TransitionError::ReasonRequired)
                } else {
                    Ok(S::Cancelled)
                }
            }
            (_, from) => Err(TransitionError::NotFrom(from)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(category: Category) -> NeedLine {
        NeedLine {
            site_unit_code: "20056".into(),
            category,
            period_start: NaiveDate::from_ymd_opt(2026, 11, 1).expect("d"),
            period_end: NaiveDate::from_ymd_opt(2027, 3, 1).expect("d"),
            quantity: 148,
            unit_value: 320_000,
            status: NeedStatus::Assessed,
        }
    }

    #[test]
    fn the_need_is_quantity_times_package_value() {
        assert_eq!(line(Category::WarmClothing).amount(), Some(47_360_000));
        let mut l = line(Category::WarmClothing);
        l.quantity = i64::MAX;
        assert_eq!(l.amount(), None);
    }

    #[test]
    fn health_verifies_nutrition_but_education_may_not() {
        let l = line(Category::Nutrition);
        assert_eq!(
            l.after(
                Transition::Verify,
                Role::SectorOfficer,
                Some(Sector::Health),
                None
            ),
            Ok(NeedStatus::Verified)
        );
        assert_eq!(
            l.after(
                Transition::Verify,
                Role::SectorOfficer,
                Some(Sector::Education),
                None
            ),
            Err(TransitionError::WrongRole)
        );
        assert_eq!(
            l.after(Transition::Verify, Role::LocalOfficer, None, None),
            Err(TransitionError::WrongRole)
        );
    }

    #[test]
    fn only_a_verified_line_is_published_and_only_by_the_coordinator() {
        let mut l = line(Category::WarmClothing);
        assert_eq!(
            l.after(Transition::Publish, Role::Coordinator, None, None),
            Err(TransitionError::NotFrom(NeedStatus::Assessed))
        );
        l.status = NeedStatus::Verified;
        assert_eq!(
            l.after(
                Transition::Publish,
                Role::SectorOfficer,
                Some(Sector::Education),
                None
            ),
            Err(TransitionError::WrongRole)
        );
        assert_eq!(
            l.after(Transition::Publish, Role::Coordinator, None, None),
            Ok(NeedStatus::Published)
        );
    }

    #[test]
    fn returning_and_cancelling_need_a_reason() {
        let mut l = line(Category::Recreation);
        l.status = NeedStatus::Published;
        assert_eq!(
            l.after(Transition::Return, Role::Coordinator, None, Some("  ")),
            Err(TransitionError::ReasonRequired)
        );
        assert_eq!(
            l.after(
                Transition::Return,
                Role::Coordinator,
                None,
                Some("số trẻ sai")
            ),
            Ok(NeedStatus::Assessed)
        );
        l.status = NeedStatus::Cancelled;
        assert_eq!(
            l.after(Transition::Cancel, Role::Coordinator, None, Some("x")),
            Err(TransitionError::NotFrom(NeedStatus::Cancelled))
        );
    }

    #[test]
    fn periods_overlap_only_when_they_share_a_day() {
        let l = line(Category::Nutrition);
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).expect("d");
        assert!(l.overlaps(d(2027, 2, 1), d(2027, 6, 1)));
        assert!(!l.overlaps(d(2027, 3, 1), d(2027, 6, 1)));
        assert!(!l.overlaps(d(2026, 9, 1), d(2026, 11, 1)));
    }
}
