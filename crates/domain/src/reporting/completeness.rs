//! Completeness and timeliness, DHIS2-style (REPORTING_RATE,
//! REPORTING_RATE_ON_TIME, EXPECTED_REPORTS), per reporting unit and rolled
//! up by level under the units of the time.
//!
//! For each obligation, as of a date:
//! - **submitted**: its report is filed (submitted, approved or locked) and
//!   its latest submission is on or before the date. A nil report ("nothing
//!   to report") counts as submitted. A returned report does not: it must
//!   be filed again.
//! - **on time**: submitted on or before the due date, or before the end of
//!   a granted exception; otherwise **late**. The latest submission counts,
//!   so a report returned and filed again after the deadline is late unless
//!   the approver granted an exception.
//! - **missing**: not submitted, whatever the date; **overdue** when the
//!   on-time deadline has also passed (the dashboard's "has not reported").
//!
//! So `on_time + late == submitted` and `submitted + missing == expected`.
//! Rates are integers in basis points (1 % = 100 bp), rounded down so that
//! a rate is never shown as 100 % while a report is missing.
//!
//! The roll-up places each unit under its parent as of the roll-up date
//! (normally the due date): for 2024 the city → districts → communes, for
//! 2025 (due 30 Nov, after the reform) the city → communes. A unit no longer
//! in force on that date (an obligation that was not moved) goes under the
//! unit bearing its parent's code on that date, else under its parent of
//! the time. An organisation goes under the unit it works in.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use super::error::ReportingError;
use super::obligation::{Obligation, ObligationKey, ReportingUnit};
use super::status::{Report, Status};
use crate::admin_units::{AdminMap, Level};

/// Where one obligation stands on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    OnTime,
    Late,
    Missing { overdue: bool },
}

/// The standing of `obligation`, given its report (if any), as of `as_of`.
pub fn standing(obligation: &Obligation, report: Option<&Report>, as_of: NaiveDate) -> Standing {
    let deadline = report.map_or(obligation.due, Report::on_time_until);
    let filed_on = report
        .filter(|r| r.status.is_filed())
        .and_then(|r| r.submitted.as_ref())
        .map(|s| s.on)
        .filter(|&on| on <= as_of);
    match filed_on {
        Some(on) if on <= deadline => Standing::OnTime,
        Some(_) => Standing::Late,
        None => Standing::Missing {
            overdue: as_of > deadline,
        },
    }
}

/// Counts of obligations. `submitted + missing == expected`,
/// `on_time + late == submitted`; the other counts are subsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub expected: u64,
    pub submitted: u64,
    pub on_time: u64,
    pub late: u64,
    pub missing: u64,
    /// Missing and past the on-time deadline.
    pub overdue: u64,
    /// Submitted as "nothing to report".
    pub nil: u64,
    /// Submitted and approved (or locked after approval).
    pub approved: u64,
    /// Missing because an approver returned the report.
    pub returned: u64,
    /// With a granted exception.
    pub with_exception: u64,
}

impl Counts {
    /// Count one obligation.
    pub fn record(&mut self, obligation: &Obligation, report: Option<&Report>, as_of: NaiveDate) {
        self.expected += 1;
        if report.is_some_and(|r| r.exception_until().is_some()) {
            self.with_exception += 1;
        }
        let stands = standing(obligation, report, as_of);
        match stands {
            Standing::OnTime | Standing::Late => {
                self.submitted += 1;
                if stands == Standing::OnTime {
                    self.on_time += 1;
                } else {
                    self.late += 1;
                }
                if report.is_some_and(|r| r.nil) {
                    self.nil += 1;
                }
                if report.is_some_and(|r| matches!(r.status, Status::Approved | Status::Locked)) {
                    self.approved += 1;
                }
            }
            Standing::Missing { overdue } => {
                self.missing += 1;
                if overdue {
                    self.overdue += 1;
                }
                if report.is_some_and(|r| matches!(r.status, Status::Returned { .. })) {
                    self.returned += 1;
                }
            }
        }
    }

    pub fn add(&mut self, other: &Counts) {
        self.expected += other.expected;
        self.submitted += other.submitted;
        self.on_time += other.on_time;
        self.late += other.late;
        self.missing += other.missing;
        self.overdue += other.overdue;
        self.nil += other.nil;
        self.approved += other.approved;
        self.returned += other.returned;
        self.with_exception += other.with_exception;
    }

    /// Reporting rate: submitted / expected, in basis points.
    pub fn reporting_rate_bp(&self) -> Option<u32> {
        rate_bp(self.submitted, self.expected)
    }

    /// Reporting rate on time: on time / expected, in basis points.
    pub fn on_time_rate_bp(&self) -> Option<u32> {
        rate_bp(self.on_time, self.expected)
    }
}

/// `part / whole` in basis points, rounded down; `None` when nothing is expected.
pub fn rate_bp(part: u64, whole: u64) -> Option<u32> {
    if whole == 0 {
        return None;
    }
    let bp = u128::from(part.min(whole)) * 10_000 / u128::from(whole);
    u32::try_from(bp).ok()
}

/// The level a roll-up row belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RollUpLevel {
    Admin(Level),
    Organisation,
}

/// One unit of the roll-up: its own obligations and those of everything
/// under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitCompleteness {
    pub unit: ReportingUnit,
    /// The unit's name as of the time (organisations: their id).
    pub name: String,
    pub level: RollUpLevel,
    pub own: Counts,
    pub total: Counts,
    pub children: Vec<UnitCompleteness>,
}

impl UnitCompleteness {
    /// The row of `unit` in this subtree.
    pub fn find(&self, unit: &ReportingUnit) -> Option<&UnitCompleteness> {
        if &self.unit == unit {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(unit))
    }
}

/// Completeness of a set of obligations as of a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completeness {
    pub as_of: NaiveDate,
    /// The date whose units the roll-up uses.
    pub units_of: NaiveDate,
    pub by_unit: BTreeMap<ReportingUnit, Counts>,
    /// The sum of the units' own counts at each level.
    pub by_level: BTreeMap<RollUpLevel, Counts>,
    /// The roll-up; normally one root, the province / city.
    pub roots: Vec<UnitCompleteness>,
    pub total: Counts,
}

/// Completeness and timeliness of `obligations` (each matched to its report
/// by key) as of `as_of`, rolled up under the units in force on `units_of`
/// (normally the due date).
pub fn completeness(
    map: &AdminMap,
    obligations: &[Obligation],
    reports: &[Report],
    as_of: NaiveDate,
    units_of: NaiveDate,
) -> Result<Completeness, ReportingError> {
    let by_key: BTreeMap<&ObligationKey, &Report> =
        reports.iter().map(|r| (&r.obligation.key, r)).collect();
    let mut seen: BTreeSet<&ObligationKey> = BTreeSet::new();
    let mut by_unit: BTreeMap<ReportingUnit, Counts> = BTreeMap::new();
    let mut total = Counts::default();
    for o in obligations {
        if !seen.insert(&o.key) {
            continue; // one obligation per key
        }
        let mut one = Counts::default();
        one.record(o, by_key.get(&o.key).copied(), as_of);
        by_unit.entry(o.key.unit.clone()).or_default().add(&one);
        total.add(&one);
    }

    // every unit with obligations, and its ancestors, with its parent
    let mut parent: BTreeMap<ReportingUnit, Option<ReportingUnit>> = BTreeMap::new();
    let mut info: BTreeMap<ReportingUnit, (String, RollUpLevel)> = BTreeMap::new();
    for unit in by_unit.keys() {
        let mut current = unit.clone();
        while !parent.contains_key(&current) {
            let (name, level, up) = describe(map, &current, units_of)?;
            info.insert(current.clone(), (name, level));
            parent.insert(current.clone(), up.clone());
            match up {
                Some(p) => current = p,
                None => break,
            }
        }
    }
    let mut children: BTreeMap<&ReportingUnit, Vec<&ReportingUnit>> = BTreeMap::new();
    let mut roots: Vec<&ReportingUnit> = Vec::new();
    for (unit, up) in &parent {
        match up {
            Some(p) => children.entry(p).or_default().push(unit),
            None => roots.push(unit),
        }
    }
    let order = |u: &&ReportingUnit| (info.get(*u).map(|i| i.1), (*u).clone());
    for list in children.values_mut() {
        list.sort_by_key(order);
    }
    roots.sort_by_key(order);

    fn build(
        unit: &ReportingUnit,
        children: &BTreeMap<&ReportingUnit, Vec<&ReportingUnit>>,
        info: &BTreeMap<ReportingUnit, (String, RollUpLevel)>,
        by_unit: &BTreeMap<ReportingUnit, Counts>,
        depth: usize,
    ) -> UnitCompleteness {
        let own = by_unit.get(unit).copied().unwrap_or_default();
        let kids: Vec<UnitCompleteness> = if depth > 8 {
            Vec::new() // the map has three levels; a deeper chain is a cycle
        } else {
            children
                .get(unit)
                .map(|list| {
                    list.iter()
                        .map(|c| build(c, children, info, by_unit, depth + 1))
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut total = own;
        for k in &kids {
            total.add(&k.total);
        }
        let (name, level) = info
            .get(unit)
            .cloned()
            .unwrap_or_else(|| (unit.to_string(), RollUpLevel::Organisation));
        UnitCompleteness {
            unit: unit.clone(),
            name,
            level,
            own,
            total,
            children: kids,
        }
    }

    let roots: Vec<UnitCompleteness> = roots
        .into_iter()
        .map(|r| build(r, &children, &info, &by_unit, 0))
        .collect();
    let mut by_level: BTreeMap<RollUpLevel, Counts> = BTreeMap::new();
    for (unit, counts) in &by_unit {
        if let Some((_, level)) = info.get(unit) {
            by_level.entry(*level).or_default().add(counts);
        }
    }
    Ok(Completeness {
        as_of,
        units_of,
        by_unit,
        by_level,
        roots,
        total,
    })
}

/// Name, level and roll-up parent of a reporting unit.
fn describe(
    map: &AdminMap,
    unit: &ReportingUnit,
    on: NaiveDate,
) -> Result<(String, RollUpLevel, Option<ReportingUnit>), ReportingError> {
    match unit {
        ReportingUnit::Admin(id) => {
            let u = map
                .get(id)
                .ok_or_else(|| ReportingError::UnknownUnit { unit: id.clone() })?;
            let last_day = if u.in_force_on(on) {
                on
            } else if u.valid_to.is_some_and(|t| t <= on) {
                u.valid_to.and_then(|t| t.pred_opt()).unwrap_or(on)
            } else {
                u.valid_from.unwrap_or(on)
            };
            let up = u.parent_code.as_deref().and_then(|code| {
                map.unit_on(code, on)
                    .or_else(|| map.unit_on(code, last_day))
                    .map(|p| ReportingUnit::Admin(p.id.clone()))
            });
            Ok((u.name.clone(), RollUpLevel::Admin(u.level), up))
        }
        ReportingUnit::Organisation { id, unit_code } => {
            let up = map
                .unit_on(unit_code, on)
                .map(|p| ReportingUnit::Admin(p.id.clone()));
            Ok((id.clone(), RollUpLevel::Organisation, up))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin_units::{UnitId, embedded_map};
    use crate::authz::Role;
    use crate::reporting::exception::ExceptionVerdict;
    use crate::reporting::obligation::{
        ReportingPeriod, TemplateId, admin_reporting_units, expected_obligations,
    };
    use crate::reporting::obligation::{Template, UnitKind};
    use crate::reporting::status::ReportAction;
    use crate::reporting::test_support::{d, person};
    use proptest::prelude::*;

    fn map() -> &'static AdminMap {
        match embedded_map() {
            Ok(m) => m,
            Err(e) => panic!("{e}"),
        }
    }

    fn unit(code: &str, on: NaiveDate) -> ReportingUnit {
        ReportingUnit::Admin(
            map()
                .unit_on(code, on)
                .unwrap_or_else(|| panic!("no {code} on {on}"))
                .id
                .clone(),
        )
    }

    /// 2024: due 30 Nov, cut-off 10 Dec (late submissions accepted until then).
    fn period() -> ReportingPeriod {
        ReportingPeriod::yearly(2024)
            .and_then(|p| p.with_cutoff(d(2024, 12, 10)))
            .expect("period")
    }

    fn obligation(u: ReportingUnit) -> Obligation {
        Obligation::new(TemplateId::new("annual-results"), u, &period())
    }

    fn coordinator() -> crate::authz::Actor {
        person("u-coord", Role::Coordinator, &[])
    }

    fn submit(o: &Obligation, on: NaiveDate, nil: bool) -> Report {
        let officer = person("u-officer", Role::LocalOfficer, &[o.key.unit.scope_code()]);
        Report::new(o.clone())
            .apply(ReportAction::Submit { nil }, &officer, on)
            .expect("submit")
    }

    /// The hand-made set, as of 15 Dec 2024, in Nam Đông district and A Lưới:
    /// - Nam Đông district: submitted 28 Nov → on time, approved
    /// - Khe Tre: submitted 5 Dec → late
    /// - Hương Phú: nil report on 30 Nov → on time, nil
    /// - Hương Sơn: nothing → missing, overdue
    /// - Hương Lộc: exception to 12 Dec, submitted 11 Dec → on time
    /// - Thượng Quảng: submitted then returned → missing, returned
    /// - Trung Sơn (A Lưới): submitted 1 Dec but 20 Dec is after as_of → missing
    /// - the women's union (city): a draft → missing
    fn hand_made() -> (Vec<Obligation>, Vec<Report>) {
        let on = d(2024, 11, 30);
        let nam_dong = obligation(unit("483", on));
        let khe_tre = obligation(unit("20161", on));
        let huong_phu = obligation(unit("20164", on));
        let huong_son = obligation(unit("20167", on));
        let huong_loc = obligation(unit("20170", on));
        let thuong_quang = obligation(unit("20173", on));
        let trung_son = obligation(unit("20056", on));
        let women = obligation(ReportingUnit::Organisation {
            id: "hoi-lhpn".into(),
            unit_code: "46".into(),
        });
        let mut reports = vec![
            submit(&nam_dong, d(2024, 11, 28), false)
                .apply(ReportAction::Approve, &coordinator(), d(2024, 11, 29))
                .expect("approve"),
            submit(&khe_tre, d(2024, 12, 5), false),
            submit(&huong_phu, d(2024, 11, 30), true),
        ];
        let officer = person("u-hl", Role::LocalOfficer, &["20170"]);
        let excepted = Report::new(huong_loc.clone())
            .request_exception(&officer, "bão số 6", d(2024, 12, 12), d(2024, 11, 25))
            .and_then(|r| {
                r.decide_exception(&coordinator(), ExceptionVerdict::Grant, d(2024, 11, 26))
            })
            .and_then(|r| {
                r.apply(
                    ReportAction::Submit { nil: false },
                    &officer,
                    d(2024, 12, 11),
                )
            })
            .expect("exception then submit");
        reports.push(excepted);
        reports.push(
            submit(&thuong_quang, d(2024, 11, 20), false)
                .apply(
                    ReportAction::Return {
                        reason: "thiếu".into(),
                    },
                    &coordinator(),
                    d(2024, 11, 21),
                )
                .expect("return"),
        );
        let mut future = submit(&trung_son, d(2024, 12, 1), false);
        if let Some(s) = future.submitted.as_mut() {
            s.on = d(2024, 12, 20);
        }
        reports.push(future);
        reports.push(Report::new(women.clone()));
        let obligations = vec![
            nam_dong,
            khe_tre,
            huong_phu,
            huong_son,
            huong_loc,
            thuong_quang,
            trung_son,
            women,
        ];
        (obligations, reports)
    }

    #[test]
    fn each_obligation_stands_where_the_hand_made_set_says() {
        let (obligations, reports) = hand_made();
        let as_of = d(2024, 12, 15);
        let got: Vec<Standing> = obligations
            .iter()
            .map(|o| {
                let r = reports.iter().find(|r| r.obligation.key == o.key);
                standing(o, r, as_of)
            })
            .collect();
        assert_eq!(
            got,
            vec![
                Standing::OnTime,
                Standing::Late,
                Standing::OnTime,
                Standing::Missing { overdue: true },
                Standing::OnTime,
                Standing::Missing { overdue: true },
                Standing::Missing { overdue: true },
                Standing::Missing { overdue: true },
            ]
        );
        // before the due date nothing is overdue
        let o = &obligations[3];
        assert_eq!(
            standing(o, None, d(2024, 11, 30)),
            Standing::Missing { overdue: false }
        );
        // the exception holds overdue off until its date
        let huong_loc = reports
            .iter()
            .find(|r| r.obligation.key == obligations[4].key)
            .expect("report");
        let mut draft = huong_loc.clone();
        draft.status = Status::Draft;
        assert_eq!(
            standing(&obligations[4], Some(&draft), d(2024, 12, 12)),
            Standing::Missing { overdue: false }
        );
        assert_eq!(
            standing(&obligations[4], Some(&draft), d(2024, 12, 13)),
            Standing::Missing { overdue: true }
        );
    }

    #[test]
    fn the_2024_roll_up_is_city_then_districts_then_communes() {
        let (obligations, reports) = hand_made();
        let c = completeness(
            map(),
            &obligations,
            &reports,
            d(2024, 12, 15),
            d(2024, 11, 30),
        )
        .expect("completeness");
        assert_eq!(
            c.total,
            Counts {
                expected: 8,
                submitted: 4,
                on_time: 3,
                late: 1,
                missing: 4,
                overdue: 4,
                nil: 1,
                approved: 1,
                returned: 1,
                with_exception: 1,
            }
        );
        assert_eq!(c.total.reporting_rate_bp(), Some(5_000));
        assert_eq!(c.total.on_time_rate_bp(), Some(3_750));

        assert_eq!(c.roots.len(), 1, "one city");
        let city = &c.roots[0];
        assert_eq!(city.name, "Tỉnh Thừa Thiên Huế");
        assert_eq!(city.total, c.total);
        let names: Vec<&str> = city.children.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, vec!["Huyện A Lưới", "Huyện Nam Đông", "hoi-lhpn"]);

        let nam_dong = city
            .find(&unit("483", d(2024, 11, 30)))
            .expect("Nam Đông row");
        assert_eq!(nam_dong.level, RollUpLevel::Admin(Level::District));
        assert_eq!(nam_dong.own.expected, 1);
        assert_eq!(nam_dong.own.on_time, 1);
        assert_eq!(nam_dong.children.len(), 5);
        assert_eq!(
            (
                nam_dong.total.expected,
                nam_dong.total.submitted,
                nam_dong.total.on_time,
                nam_dong.total.late,
                nam_dong.total.missing
            ),
            (6, 4, 3, 1, 2)
        );
        assert_eq!(
            nam_dong.total.reporting_rate_bp(),
            Some(6_666),
            "4/6 rounded down"
        );

        let communes = c
            .by_level
            .get(&RollUpLevel::Admin(Level::Commune))
            .copied()
            .unwrap_or_default();
        assert_eq!(
            (communes.expected, communes.submitted, communes.late),
            (6, 3, 1)
        );
        let districts = c
            .by_level
            .get(&RollUpLevel::Admin(Level::District))
            .copied()
            .unwrap_or_default();
        assert_eq!((districts.expected, districts.on_time), (1, 1));
        assert_eq!(
            c.by_level
                .get(&RollUpLevel::Organisation)
                .map(|x| x.missing),
            Some(1)
        );
        assert_eq!(c.by_unit.len(), 8);
    }

    #[test]
    fn the_2025_roll_up_is_city_then_communes() {
        let period = ReportingPeriod::yearly(2025).expect("2025");
        let template = Template {
            id: TemplateId::new("annual-results"),
            applies_to: vec![
                UnitKind::Admin(Level::District),
                UnitKind::Admin(Level::Commune),
            ],
        };
        let obligations = expected_obligations(
            &admin_reporting_units(map(), period.due),
            &[template],
            &period,
        );
        let reports: Vec<Report> = obligations
            .iter()
            .take(10)
            .map(|o| submit(o, d(2025, 11, 20), false))
            .collect();
        let c = completeness(map(), &obligations, &reports, d(2025, 12, 1), period.due)
            .expect("completeness");
        assert_eq!(c.roots.len(), 1);
        let city = &c.roots[0];
        assert_eq!(city.name, "Thành phố Huế");
        assert_eq!(city.children.len(), 40);
        assert!(
            city.children
                .iter()
                .all(|u| u.level == RollUpLevel::Admin(Level::Commune) && u.children.is_empty())
        );
        assert_eq!(
            (
                city.total.expected,
                city.total.on_time,
                city.total.missing,
                city.total.overdue
            ),
            (40, 10, 30, 30)
        );
        assert_eq!(city.total.reporting_rate_bp(), Some(2_500));
        assert_eq!(
            c.by_level.keys().copied().collect::<Vec<_>>(),
            vec![RollUpLevel::Admin(Level::Commune)]
        );
    }

    #[test]
    fn a_unit_gone_before_the_roll_up_date_sits_under_the_city_of_that_date() {
        // Nam Đông's 2025 obligation, not moved: it still shows, under Huế city
        let period = ReportingPeriod::yearly(2025).expect("2025");
        let o = Obligation::new(
            TemplateId::new("annual-results"),
            ReportingUnit::Admin(UnitId::new("483", None)),
            &period,
        );
        let c = completeness(map(), &[o], &[], d(2025, 12, 1), period.due).expect("completeness");
        assert_eq!(c.roots.len(), 1);
        assert_eq!(c.roots[0].name, "Thành phố Huế");
        assert_eq!(c.roots[0].children[0].name, "Huyện Nam Đông");
        assert_eq!(c.total.missing, 1);
    }

    #[test]
    fn nothing_expected_has_no_rate_and_an_unknown_unit_is_an_error() {
        let c = completeness(map(), &[], &[], d(2024, 12, 1), d(2024, 11, 30)).expect("empty");
        assert_eq!(c.total, Counts::default());
        assert_eq!(c.total.reporting_rate_bp(), None);
        assert!(c.roots.is_empty());
        let ghost = obligation(ReportingUnit::Admin(UnitId::new("99999", None)));
        assert_eq!(
            completeness(map(), &[ghost], &[], d(2024, 12, 1), d(2024, 11, 30)),
            Err(ReportingError::UnknownUnit {
                unit: UnitId::new("99999", None)
            })
        );
        assert_eq!(rate_bp(1, 3), Some(3_333));
        assert_eq!(rate_bp(2, 3), Some(6_666));
        assert_eq!(
            rate_bp(29_999, 30_000),
            Some(9_999),
            "never 100 % while one is missing"
        );
        assert_eq!(rate_bp(u64::MAX, u64::MAX), Some(10_000));
    }

    // --- properties --------------------------------------------------------

    /// A report state for a generated obligation: none, draft, returned, or
    /// filed on a day offset from 1 Nov 2024 (0..60), nil or not, with or
    /// without an exception to 1..20 days after the due date.
    #[derive(Debug, Clone)]
    enum Gen {
        None,
        Draft,
        Returned,
        Filed {
            day: i64,
            nil: bool,
            exception: Option<i64>,
            approved: bool,
        },
    }

    fn gen_state() -> impl Strategy<Value = Gen> {
        prop_oneof![
            Just(Gen::None),
            Just(Gen::Draft),
            Just(Gen::Returned),
            (
                0i64..60,
                any::<bool>(),
                proptest::option::of(1i64..20),
                any::<bool>()
            )
                .prop_map(|(day, nil, exception, approved)| Gen::Filed {
                    day,
                    nil,
                    exception,
                    approved
                }),
        ]
    }

    fn materialise(o: &Obligation, g: &Gen) -> Option<Report> {
        let mut r = Report::new(o.clone());
        let start = d(2024, 11, 1);
        match g {
            Gen::None => return None,
            Gen::Draft => {}
            Gen::Returned => {
                r.status = Status::Returned { reason: "x".into() };
                r.submitted = Some(crate::reporting::Stamp {
                    by: "u".into(),
                    on: start,
                });
            }
            Gen::Filed {
                day,
                nil,
                exception,
                approved,
            } => {
                r.status = if *approved {
                    Status::Approved
                } else {
                    Status::Submitted
                };
                r.nil = *nil;
                r.submitted = Some(crate::reporting::Stamp {
                    by: "u".into(),
                    on: start + chrono::Duration::days(*day),
                });
                if let Some(extra) = exception {
                    r.exceptions.push(crate::reporting::DeadlineException {
                        requested: crate::reporting::Stamp {
                            by: "u".into(),
                            on: start,
                        },
                        justification: "j".into(),
                        until: o.due + chrono::Duration::days(*extra),
                        decision: crate::reporting::ExceptionDecision::Granted(
                            crate::reporting::Stamp {
                                by: "c".into(),
                                on: start,
                            },
                        ),
                    });
                }
            }
        }
        Some(r)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn counts_add_up_at_every_node(
            states in proptest::collection::vec(gen_state(), 1..60),
            as_of_day in 0i64..70,
        ) {
            let on = d(2024, 11, 30);
            let communes = map().units_of_level_on(Level::Commune, on);
            let obligations: Vec<Obligation> = states
                .iter()
                .enumerate()
                .map(|(i, _)| obligation(ReportingUnit::Admin(communes[i % communes.len()].id.clone())))
                .collect();
            let reports: Vec<Report> = obligations
                .iter()
                .zip(&states)
                .filter_map(|(o, g)| materialise(o, g))
                .collect();
            let as_of = d(2024, 11, 1) + chrono::Duration::days(as_of_day);
            let c = completeness(map(), &obligations, &reports, as_of, on).expect("completeness");
            let mut distinct: Vec<&ObligationKey> = obligations.iter().map(|o| &o.key).collect();
            distinct.sort();
            distinct.dedup();
            prop_assert_eq!(c.total.expected, distinct.len() as u64);
            fn check(n: &UnitCompleteness) -> Result<(), TestCaseError> {
                for x in [n.own, n.total] {
                    prop_assert_eq!(x.on_time + x.late + x.missing, x.expected);
                    prop_assert_eq!(x.on_time + x.late, x.submitted);
                    prop_assert!(x.overdue <= x.missing);
                    prop_assert!(x.returned <= x.missing);
                    prop_assert!(x.nil <= x.submitted && x.approved <= x.submitted);
                    prop_assert!(x.reporting_rate_bp().is_none_or(|r| r <= 10_000));
                    prop_assert!(x.on_time_rate_bp() <= x.reporting_rate_bp());
                }
                let mut sum = n.own;
                for k in &n.children {
                    sum.add(&k.total);
                    check(k)?;
                }
                prop_assert_eq!(sum, n.total);
                Ok(())
            }
            let mut roots_total = Counts::default();
            for r in &c.roots {
                check(r)?;
                roots_total.add(&r.total);
            }
            prop_assert_eq!(roots_total, c.total);
            let mut levels = Counts::default();
            for x in c.by_level.values() {
                levels.add(x);
            }
            prop_assert_eq!(levels, c.total);
        }
    }
}
