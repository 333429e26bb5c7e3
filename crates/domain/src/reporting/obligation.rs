//! Reporting obligations: template × reporting unit × period (a year), with
//! a due date (default 30 November of the year, R24) and a data cut-off date
//! (default the due date).
//!
//! - **Due date**: a report submitted on or before it is on time; after it,
//!   late (DHIS2's "timely" deadline).
//! - **Cut-off date** (chốt số liệu): the last day the unit may submit or
//!   edit; from the next day the period is closed (DHIS2's expiry) unless an
//!   approver granted an exception. It is never before the due date; when it
//!   equals it (the default) a report is either on time or not accepted
//!   without an exception, and "late" only appears when the coordinator sets
//!   a later cut-off.
//!
//! The period is the calendar year and the report is due in that same year
//! (30 Nov 2025 for 2025) — not the next one, the off-by-one DHIS2 had with
//! its November financial year (dhis2-core PR #22314).

use std::fmt;

use chrono::NaiveDate;

use super::error::ReportingError;
use super::migration::MoveRecord;
use crate::admin_units::{AdminMap, Level, UnitId};
use crate::organisation::OrgType;

/// The id of a report template (e.g. `"annual-results"`), as stored.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TemplateId(pub String);

impl TemplateId {
    pub fn new(id: impl Into<String>) -> Self {
        TemplateId(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TemplateId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who reports: one version of an administrative unit (a code alone is not
/// an identity — see `admin_units`), or an organisation (department, mass
/// organisation, fund) by id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReportingUnit {
    Admin(UnitId),
    /// `unit_code` is the administrative unit the organisation works in:
    /// it bounds who may act for it (the scope check) and places it in the
    /// roll-up. Organisations do not follow the admin-unit lineage.
    Organisation {
        id: String,
        unit_code: String,
    },
}

impl ReportingUnit {
    /// The administrative unit code the scope check uses.
    pub fn scope_code(&self) -> &str {
        match self {
            ReportingUnit::Admin(id) => id.code(),
            ReportingUnit::Organisation { unit_code, .. } => unit_code,
        }
    }

    pub fn admin(&self) -> Option<&UnitId> {
        match self {
            ReportingUnit::Admin(id) => Some(id),
            ReportingUnit::Organisation { .. } => None,
        }
    }
}

impl fmt::Display for ReportingUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReportingUnit::Admin(id) => write!(f, "{id}"),
            ReportingUnit::Organisation { id, .. } => write!(f, "org:{id}"),
        }
    }
}

/// What kind of reporting unit a template is addressed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UnitKind {
    Admin(Level),
    Organisation(OrgType),
}

/// A reporting unit and its kind, as [`expected_obligations`] takes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportingUnitInfo {
    pub unit: ReportingUnit,
    pub kind: UnitKind,
}

/// A report template and the kinds of unit that must file it each year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub id: TemplateId,
    pub applies_to: Vec<UnitKind>,
}

/// A reporting year with its deadlines (configurable per year).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReportingPeriod {
    pub year: i32,
    pub due: NaiveDate,
    pub cutoff: NaiveDate,
}

impl ReportingPeriod {
    /// The default: due 30 November of `year`, cut-off the same day.
    pub fn yearly(year: i32) -> Result<Self, ReportingError> {
        let due = NaiveDate::from_ymd_opt(year, 11, 30)
            .ok_or(ReportingError::DueBeforeYear { year, due: None })?;
        Ok(ReportingPeriod {
            year,
            due,
            cutoff: due,
        })
    }

    /// Deadlines set by the coordinator. The due date may not fall before
    /// the year it reports on, nor the cut-off before the due date.
    pub fn new(year: i32, due: NaiveDate, cutoff: NaiveDate) -> Result<Self, ReportingError> {
        let start = NaiveDate::from_ymd_opt(year, 1, 1)
            .ok_or(ReportingError::DueBeforeYear { year, due: None })?;
        if due < start {
            return Err(ReportingError::DueBeforeYear {
                year,
                due: Some(due),
            });
        }
        if cutoff < due {
            return Err(ReportingError::CutoffBeforeDue { due, cutoff });
        }
        Ok(ReportingPeriod { year, due, cutoff })
    }

    /// The same year with another due date; a cut-off that was equal to the
    /// old due date (the default) follows it.
    pub fn with_due(self, due: NaiveDate) -> Result<Self, ReportingError> {
        let cutoff = if self.cutoff == self.due {
            due
        } else {
            self.cutoff
        };
        ReportingPeriod::new(self.year, due, cutoff)
    }

    /// The same year with another cut-off.
    pub fn with_cutoff(self, cutoff: NaiveDate) -> Result<Self, ReportingError> {
        ReportingPeriod::new(self.year, self.due, cutoff)
    }
}

/// What identifies an obligation: one report of one template by one unit
/// for one year.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObligationKey {
    pub template: TemplateId,
    pub unit: ReportingUnit,
    pub year: i32,
}

impl fmt::Display for ObligationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} × {} × {}", self.template, self.unit, self.year)
    }
}

/// A reporting obligation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Obligation {
    pub key: ObligationKey,
    pub due: NaiveDate,
    pub cutoff: NaiveDate,
    /// Obligations of units that stopped existing and whose duty this one
    /// carries (see [`super::migration`]); empty when nothing moved here.
    pub moved_from: Vec<MoveRecord>,
    /// True when the obligation exists only because duties moved here (the
    /// unit was not itself expected to file this template this year).
    pub inherited: bool,
}

impl Obligation {
    pub fn new(template: TemplateId, unit: ReportingUnit, period: &ReportingPeriod) -> Self {
        Obligation {
            key: ObligationKey {
                template,
                unit,
                year: period.year,
            },
            due: period.due,
            cutoff: period.cutoff,
            moved_from: Vec::new(),
            inherited: false,
        }
    }

    pub fn unit(&self) -> &ReportingUnit {
        &self.key.unit
    }
}

/// Every administrative unit in force on `on` (all levels), as reporting
/// units — the ones expected to report when `on` is the due date.
pub fn admin_reporting_units(map: &AdminMap, on: NaiveDate) -> Vec<ReportingUnitInfo> {
    map.units_on(on)
        .into_iter()
        .map(|u| ReportingUnitInfo {
            unit: ReportingUnit::Admin(u.id.clone()),
            kind: UnitKind::Admin(u.level),
        })
        .collect()
}

/// The obligations of a period: each template × each unit of a kind it
/// applies to. `units` are the units alive on the due date (for
/// administrative units, [`admin_reporting_units`] of the due date);
/// duplicates are dropped. Sorted by template, then unit.
pub fn expected_obligations(
    units: &[ReportingUnitInfo],
    templates: &[Template],
    period: &ReportingPeriod,
) -> Vec<Obligation> {
    let mut out: Vec<Obligation> = templates
        .iter()
        .flat_map(|t| {
            units
                .iter()
                .filter(|u| t.applies_to.contains(&u.kind))
                .map(|u| Obligation::new(t.id.clone(), u.unit.clone(), period))
        })
        .collect();
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out.dedup_by(|a, b| a.key == b.key);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin_units::embedded_map;
    use crate::reporting::test_support::d;

    fn map() -> &'static AdminMap {
        match embedded_map() {
            Ok(m) => m,
            Err(e) => panic!("{e}"),
        }
    }

    fn annual() -> Template {
        Template {
            id: TemplateId::new("annual-results"),
            applies_to: vec![
                UnitKind::Admin(Level::District),
                UnitKind::Admin(Level::Commune),
                UnitKind::Organisation(OrgType::Department),
                UnitKind::Organisation(OrgType::MassOrganisation),
            ],
        }
    }

    #[test]
    fn the_default_period_is_due_on_30_november_of_the_same_year() {
        let p = ReportingPeriod::yearly(2025).expect("2025");
        assert_eq!(p.due, d(2025, 11, 30));
        assert_eq!(p.cutoff, d(2025, 11, 30));
        assert_eq!(p.year, 2025);
    }

    #[test]
    fn deadlines_are_configurable_within_reason() {
        let p = ReportingPeriod::yearly(2025).expect("2025");
        let moved = p.with_due(d(2025, 11, 25)).expect("earlier due");
        assert_eq!(
            (moved.due, moved.cutoff),
            (d(2025, 11, 25), d(2025, 11, 25))
        );
        let later = p.with_cutoff(d(2025, 12, 15)).expect("later cut-off");
        assert_eq!(
            (later.due, later.cutoff),
            (d(2025, 11, 30), d(2025, 12, 15))
        );
        // a due date that moves keeps a cut-off set apart from it
        let kept = later.with_due(d(2025, 12, 1)).expect("due inside");
        assert_eq!(kept.cutoff, d(2025, 12, 15));
        assert_eq!(
            p.with_cutoff(d(2025, 11, 29)),
            Err(ReportingError::CutoffBeforeDue {
                due: d(2025, 11, 30),
                cutoff: d(2025, 11, 29)
            })
        );
        assert_eq!(
            ReportingPeriod::new(2025, d(2024, 12, 31), d(2025, 1, 31)),
            Err(ReportingError::DueBeforeYear {
                year: 2025,
                due: Some(d(2024, 12, 31))
            })
        );
        // due in the next year is allowed (a report on 2025 due in January 2026)
        assert!(ReportingPeriod::new(2025, d(2026, 1, 15), d(2026, 1, 15)).is_ok());
    }

    #[test]
    fn obligations_are_template_times_unit_of_a_kind_it_applies_to() {
        let period = ReportingPeriod::yearly(2024).expect("2024");
        let mut units = admin_reporting_units(map(), period.due);
        units.push(ReportingUnitInfo {
            unit: ReportingUnit::Organisation {
                id: "hlhpn".into(),
                unit_code: "46".into(),
            },
            kind: UnitKind::Organisation(OrgType::MassOrganisation),
        });
        units.push(ReportingUnitInfo {
            unit: ReportingUnit::Organisation {
                id: "truong-hong-kim".into(),
                unit_code: "20056".into(),
            },
            kind: UnitKind::Organisation(OrgType::School),
        });
        let duplicate = units[0].clone();
        units.push(duplicate);
        let obligations = expected_obligations(&units, &[annual()], &period);
        let districts = map().units_of_level_on(Level::District, period.due).len();
        let communes = map().units_of_level_on(Level::Commune, period.due).len();
        assert_eq!(districts, 9, "nine districts in 2024");
        assert_eq!(communes, 141, "141 communes on 30 Nov 2024");
        // the province does not file this template, the school neither,
        // the women's union does; the duplicate is dropped
        assert_eq!(obligations.len(), districts + communes + 1);
        assert!(
            obligations
                .iter()
                .all(|o| o.due == d(2024, 11, 30) && o.key.year == 2024 && o.moved_from.is_empty())
        );
        let nam_dong = ReportingUnit::Admin("483@origin".parse().expect("id"));
        assert!(obligations.iter().any(|o| o.key.unit == nam_dong));
        let mut sorted = obligations.clone();
        sorted.sort_by(|a, b| a.key.cmp(&b.key));
        assert_eq!(sorted, obligations);
    }

    #[test]
    fn in_2025_the_units_alive_on_the_due_date_are_the_forty_communes() {
        let period = ReportingPeriod::yearly(2025).expect("2025");
        let units = admin_reporting_units(map(), period.due);
        let obligations = expected_obligations(&units, &[annual()], &period);
        assert_eq!(obligations.len(), 40, "no districts after 1 Jul 2025");
        assert!(
            obligations
                .iter()
                .all(|o| o.key.unit.admin().is_some_and(|id| id.code() != "483"))
        );
    }
}
