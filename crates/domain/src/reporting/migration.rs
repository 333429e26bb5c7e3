//! Obligations follow the map. When a reporting unit stops existing before
//! its obligation is due, the open obligation moves along the lineage of
//! `admin_units` to the unit(s) that replaced it; what was filed stays with
//! the unit that filed it.
//!
//! How a move is computed:
//! - **Horizon.** An obligation is followed through every change that takes
//!   effect on or before `min(as_of, due date)`. Changes after the due date
//!   never move it: the unit owed the report while it existed (Nam Đông's
//!   2024 report, due 30 Nov 2024, stays Nam Đông's, filed or missing).
//!   Changes after `as_of` are not applied yet (the unit still exists
//!   today); running again later applies them, and running once late or in
//!   steps gives the same obligations (a test checks it).
//! - **One step.** A unit ended by lineage edges (merge, split, rename,
//!   retype, recode, transfer, same) hands its obligation to every edge
//!   target. A unit ended without successor — the districts abolished on
//!   1 Jul 2025 — hands it to the units that took over its communes: the
//!   successors, on that date, of every commune it had the day before.
//! - **Chains.** Steps repeat until each branch reaches a unit in force at
//!   the horizon. Nam Đông's 2025 obligation (due 30 Nov 2025) goes to
//!   Huyện Phú Lộc on 1 Jan 2025 (NQ 1314, merge), and Phú Lộc being
//!   abolished on 1 Jul 2025, on to the eight communes that replaced it —
//!   the whole enlarged district, the Nam Đông part and the old Phú Lộc
//!   part alike, because the duty passed through Phú Lộc. (Following only
//!   Nam Đông's own communes would end at Khe Tre, Nam Đông and Long Quảng;
//!   we follow the legal chain, which is what the resolutions say.)
//! - **One obligation per successor.** Each final unit gets the obligation
//!   (same template, year, due and cut-off dates). If it already has one
//!   for that template and year — its own, or one moved there from another
//!   unit — the duty is merged into it, not doubled: completeness still
//!   expects one report from it. Each obligation records in `moved_from`
//!   where its duties came from, by which steps, on which dates, under
//!   which instrument.
//! - **What moves.** Only open obligations (no filed report: none, draft or
//!   returned). A filed one (submitted, approved, locked) stays attached to
//!   the unit that filed it. A draft of a moved obligation stays with the
//!   old obligation for reference; the new units start their own.
//!   Organisations do not follow the admin-unit lineage and never move.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use chrono::NaiveDate;

use super::error::ReportingError;
use super::obligation::{Obligation, ObligationKey, ReportingUnit};
use super::status::Report;
use super::{Text, dmy};
use crate::admin_units::{AdminMap, AdminUnit, ChangeKind, UnitId};

/// Why an obligation moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoveReason {
    /// The unit was changed by lineage edges (merged, split, renamed, …).
    Lineage {
        kind: ChangeKind,
        instrument: String,
    },
    /// The unit was abolished without successor (the districts on
    /// 1 Jul 2025); its communes' successors took over.
    Dissolved { instrument: String },
}

impl MoveReason {
    pub fn instrument(&self) -> &str {
        match self {
            MoveReason::Lineage { instrument, .. } | MoveReason::Dissolved { instrument } => {
                instrument
            }
        }
    }
}

/// One step of a move: a unit that ended, and where its duty went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveStep {
    pub from: UnitId,
    pub to: Vec<UnitId>,
    pub effective: NaiveDate,
    pub reason: MoveReason,
}

/// Where a duty carried by an obligation came from: the original
/// obligation and the steps that brought it here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveRecord {
    pub origin: ObligationKey,
    pub steps: Vec<MoveStep>,
}

/// A move for the coordinator to see: `obligation` left `from` on
/// `effective` for `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObligationMove {
    pub obligation: ObligationKey,
    pub from: UnitId,
    pub to: Vec<UnitId>,
    pub reason: MoveReason,
    pub effective: NaiveDate,
}

impl ObligationMove {
    /// One line for the coordinator, with unit names from `map`.
    pub fn describe(&self, map: &AdminMap) -> Text {
        let name = |id: &UnitId| {
            map.get(id)
                .map_or_else(|| id.to_string(), |u| u.name.clone())
        };
        let to = self.to.iter().map(name).collect::<Vec<_>>().join(", ");
        let from = name(&self.from);
        let date = dmy(self.effective);
        let why = self.reason.instrument();
        let (vi_how, en_how) = match &self.reason {
            MoveReason::Lineage { kind, .. } => (format!("thay đổi {kind}"), format!("{kind}")),
            MoveReason::Dissolved { .. } => (
                "giải thể cấp huyện".to_owned(),
                "district abolished".to_owned(),
            ),
        };
        Text {
            vi: format!(
                "Báo cáo {} năm {} của {from} chuyển cho {to} từ ngày {date} ({vi_how}, {why}).",
                self.obligation.template, self.obligation.year
            ),
            en: format!(
                "The {} report for {} of {from} moved to {to} on {date} ({en_how}, {why}).",
                self.obligation.template, self.obligation.year
            ),
        }
    }
}

/// The outcome of [`migrate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// Every obligation after the moves, sorted by key: the ones that did
    /// not move, the filed ones that stayed, and the successors' ones.
    pub obligations: Vec<Obligation>,
    /// Every step taken, in the order of the input obligations.
    pub moves: Vec<ObligationMove>,
    /// Filed obligations of units that no longer exist at the horizon:
    /// they stay with the unit that filed them.
    pub stayed: Vec<ObligationKey>,
}

/// The keys of obligations whose report is filed (submitted, approved, locked).
pub fn filed_keys(reports: &[Report]) -> BTreeSet<ObligationKey> {
    reports
        .iter()
        .filter(|r| r.status.is_filed())
        .map(|r| r.obligation.key.clone())
        .collect()
}

fn ended_by(unit: &AdminUnit, horizon: NaiveDate) -> bool {
    unit.valid_to.is_some_and(|t| t <= horizon)
}

fn unit<'m>(map: &'m AdminMap, id: &UnitId) -> Result<&'m AdminUnit, ReportingError> {
    map.get(id)
        .ok_or_else(|| ReportingError::UnknownUnit { unit: id.clone() })
}

/// Where the duty of a unit that ended goes, in one step.
fn step(map: &AdminMap, ended: &AdminUnit) -> Result<MoveStep, ReportingError> {
    let no_successor = |on| ReportingError::NoSuccessor {
        unit: ended.id.clone(),
        on,
    };
    let Some(end) = ended.valid_to else {
        return Err(no_successor(NaiveDate::MAX));
    };
    let edges = map.edges_from(&ended.id);
    let (targets, reason): (Vec<UnitId>, MoveReason) = if let Some(first) = edges.first() {
        (
            edges.iter().map(|e| e.to.clone()).collect(),
            MoveReason::Lineage {
                kind: first.kind,
                instrument: first.instrument.clone(),
            },
        )
    } else if let Some(dissolution) = map.dissolution_of(&ended.id) {
        let eve = end.pred_opt().ok_or_else(|| no_successor(end))?;
        let mut targets = Vec::new();
        for child in map.children_on(&ended.code, eve) {
            if child.valid_to == Some(end) {
                targets.extend(map.edges_from(&child.id).into_iter().map(|e| e.to.clone()));
            } else {
                targets.push(child.id.clone());
            }
        }
        (
            targets,
            MoveReason::Dissolved {
                instrument: dissolution.instrument.clone(),
            },
        )
    } else {
        (
            Vec::new(),
            MoveReason::Dissolved {
                instrument: String::new(),
            },
        )
    };
    let mut to: Vec<UnitId> = targets;
    to.sort();
    to.dedup();
    if to.is_empty() {
        return Err(no_successor(end));
    }
    Ok(MoveStep {
        from: ended.id.clone(),
        to,
        effective: end,
        reason,
    })
}

/// Move the open obligations of units that stopped existing before their
/// due date (as far as `as_of`) to their successors. `filed` holds the
/// keys of obligations with a filed report ([`filed_keys`]).
pub fn migrate(
    map: &AdminMap,
    obligations: &[Obligation],
    filed: &BTreeSet<ObligationKey>,
    as_of: NaiveDate,
) -> Result<Migration, ReportingError> {
    let mut out: BTreeMap<ObligationKey, Obligation> = BTreeMap::new();
    let mut moving: Vec<(&Obligation, BTreeMap<UnitId, Vec<MoveStep>>)> = Vec::new();
    let mut moves = Vec::new();
    let mut stayed = Vec::new();

    for o in obligations {
        let horizon = as_of.min(o.due);
        let gone = match &o.key.unit {
            ReportingUnit::Admin(id) => ended_by(unit(map, id)?, horizon),
            ReportingUnit::Organisation { .. } => false,
        };
        if !gone {
            out.entry(o.key.clone()).or_insert_with(|| o.clone());
            continue;
        }
        if filed.contains(&o.key) {
            stayed.push(o.key.clone());
            out.entry(o.key.clone()).or_insert_with(|| o.clone());
            continue;
        }
        let ReportingUnit::Admin(start) = &o.key.unit else {
            continue; // organisations were kept above
        };
        // breadth-first along the lineage to the units in force at the horizon
        let mut finals: BTreeMap<UnitId, Vec<MoveStep>> = BTreeMap::new();
        let mut visited: BTreeSet<UnitId> = BTreeSet::from([start.clone()]);
        let mut queue: VecDeque<(UnitId, Vec<MoveStep>)> =
            VecDeque::from([(start.clone(), Vec::new())]);
        while let Some((id, path)) = queue.pop_front() {
            let u = unit(map, &id)?;
            if !ended_by(u, horizon) {
                finals.entry(id).or_insert(path);
                continue;
            }
            let s = step(map, u)?;
            moves.push(ObligationMove {
                obligation: o.key.clone(),
                from: s.from.clone(),
                to: s.to.clone(),
                reason: s.reason.clone(),
                effective: s.effective,
            });
            for t in &s.to {
                if visited.insert(t.clone()) {
                    let mut next = path.clone();
                    next.push(s.clone());
                    queue.push_back((t.clone(), next));
                }
            }
        }
        moving.push((o, finals));
    }

    // the successors' obligations: merged into one that exists, else new
    for (o, finals) in moving {
        for (target, path) in finals {
            let key = ObligationKey {
                template: o.key.template.clone(),
                unit: ReportingUnit::Admin(target),
                year: o.key.year,
            };
            let mut records: Vec<MoveRecord> = o
                .moved_from
                .iter()
                .map(|r| MoveRecord {
                    origin: r.origin.clone(),
                    steps: r.steps.iter().chain(&path).cloned().collect(),
                })
                .collect();
            if !o.inherited {
                records.push(MoveRecord {
                    origin: o.key.clone(),
                    steps: path.clone(),
                });
            }
            let entry = out.entry(key.clone()).or_insert_with(|| Obligation {
                key,
                due: o.due,
                cutoff: o.cutoff,
                moved_from: Vec::new(),
                inherited: true,
            });
            for r in records {
                if !entry.moved_from.iter().any(|x| x.origin == r.origin) {
                    entry.moved_from.push(r);
                }
            }
        }
    }

    Ok(Migration {
        obligations: out.into_values().collect(),
        moves,
        stayed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin_units::{Level, embedded_map};
    use crate::authz::Role;
    use crate::reporting::obligation::{
        ReportingPeriod, Template, TemplateId, UnitKind, admin_reporting_units,
        expected_obligations,
    };
    use crate::reporting::status::ReportAction;
    use crate::reporting::test_support::{d, person};

    fn map() -> &'static AdminMap {
        match embedded_map() {
            Ok(m) => m,
            Err(e) => panic!("{e}"),
        }
    }

    fn id(s: &str) -> UnitId {
        s.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    fn name(u: &UnitId) -> String {
        map()
            .get(u)
            .map_or_else(|| u.to_string(), |x| x.name.clone())
    }

    fn names(units: &[UnitId]) -> Vec<String> {
        let mut v: Vec<String> = units.iter().map(name).collect();
        v.sort();
        v
    }

    fn annual(year: i32, unit: &str) -> Obligation {
        Obligation::new(
            TemplateId::new("annual-results"),
            ReportingUnit::Admin(id(unit)),
            &ReportingPeriod::yearly(year).expect("period"),
        )
    }

    fn obligation_units(m: &Migration) -> Vec<String> {
        let mut v: Vec<String> = m
            .obligations
            .iter()
            .filter_map(|o| o.key.unit.admin().map(name))
            .collect();
        v.sort();
        v
    }

    const PHU_LOC_COMMUNES: [&str; 8] = [
        "Xã Chân Mây - Lăng Cô",
        "Xã Hưng Lộc",
        "Xã Khe Tre",
        "Xã Long Quảng",
        "Xã Lộc An",
        "Xã Nam Đông",
        "Xã Phú Lộc",
        "Xã Vinh Lộc",
    ];

    #[test]
    fn nam_dong_2025_moves_to_phu_loc_then_to_the_communes_that_replaced_it() {
        let o = annual(2025, "483@origin");
        let m = migrate(
            map(),
            std::slice::from_ref(&o),
            &BTreeSet::new(),
            d(2025, 12, 1),
        )
        .expect("migrate");
        assert_eq!(m.moves.len(), 2, "{:#?}", m.moves);
        let first = &m.moves[0];
        assert_eq!(first.obligation, o.key);
        assert_eq!(first.from, id("483@origin"));
        assert_eq!(first.to, vec![id("482@2025-01-01")]);
        assert_eq!(first.effective, d(2025, 1, 1));
        assert_eq!(
            first.reason,
            MoveReason::Lineage {
                kind: ChangeKind::Merge,
                instrument: "NQ 1314/NQ-UBTVQH15".into()
            }
        );
        let second = &m.moves[1];
        assert_eq!(second.from, id("482@2025-01-01"));
        assert_eq!(second.effective, d(2025, 7, 1));
        assert!(
            matches!(&second.reason, MoveReason::Dissolved { instrument } if instrument.starts_with("Luật 72/2025/QH15"))
        );
        assert_eq!(names(&second.to), PHU_LOC_COMMUNES);

        // one obligation per successor, all due 30 Nov 2025, each saying where it came from
        assert_eq!(obligation_units(&m), PHU_LOC_COMMUNES);
        for n in &m.obligations {
            assert!(n.inherited);
            assert_eq!((n.due, n.cutoff, n.key.year), (o.due, o.cutoff, 2025));
            assert_eq!(n.moved_from.len(), 1);
            let r = &n.moved_from[0];
            assert_eq!(r.origin, o.key);
            let path: Vec<(String, NaiveDate)> = r
                .steps
                .iter()
                .map(|s| (s.from.to_string(), s.effective))
                .collect();
            assert_eq!(
                path,
                vec![
                    ("483@origin".to_owned(), d(2025, 1, 1)),
                    ("482@2025-01-01".to_owned(), d(2025, 7, 1))
                ]
            );
            let unit = map().get(n.key.unit.admin().expect("admin")).expect("unit");
            assert!(unit.in_force_on(n.due) && unit.level == Level::Commune);
        }
        let text = m.moves[0].describe(map());
        assert!(
            text.vi
                .contains("Huyện Nam Đông chuyển cho Huyện Phú Lộc từ ngày 01/01/2025"),
            "{}",
            text.vi
        );
        assert!(
            text.en
                .contains("moved to Huyện Phú Lộc on 01/01/2025 (merge, NQ 1314/NQ-UBTVQH15)"),
            "{}",
            text.en
        );
    }

    #[test]
    fn as_of_march_2025_nam_dong_2025_is_with_phu_loc_and_a_later_run_ends_at_the_same_communes() {
        let o = annual(2025, "483@origin");
        let none = BTreeSet::new();
        let march = migrate(map(), std::slice::from_ref(&o), &none, d(2025, 3, 1)).expect("march");
        assert_eq!(march.moves.len(), 1);
        assert_eq!(march.obligations.len(), 1);
        let at_phu_loc = &march.obligations[0];
        assert_eq!(
            at_phu_loc.key.unit,
            ReportingUnit::Admin(id("482@2025-01-01"))
        );
        assert!(at_phu_loc.inherited);
        // on 1 Dec the inherited obligation moves on
        let december = migrate(map(), &march.obligations, &none, d(2025, 12, 1)).expect("december");
        let at_once = migrate(map(), &[o], &none, d(2025, 12, 1)).expect("at once");
        assert_eq!(
            december.obligations, at_once.obligations,
            "in steps or at once, the same"
        );
        // and a run with nothing left to move changes nothing
        let again = migrate(map(), &at_once.obligations, &none, d(2026, 1, 1)).expect("again");
        assert!(again.moves.is_empty());
        assert_eq!(again.obligations, at_once.obligations);
    }

    #[test]
    fn nam_dong_2024_stays_with_nam_dong_filed_or_not() {
        let o = annual(2024, "483@origin");
        let officer = person("u-nd", Role::LocalOfficer, &["483"]);
        let filed = Report::new(o.clone())
            .apply(
                ReportAction::Submit { nil: false },
                &officer,
                d(2024, 11, 25),
            )
            .expect("submit");
        for keys in [filed_keys(std::slice::from_ref(&filed)), BTreeSet::new()] {
            let m =
                migrate(map(), std::slice::from_ref(&o), &keys, d(2025, 12, 1)).expect("migrate");
            assert!(
                m.moves.is_empty(),
                "due 30 Nov 2024, Nam Đông still existed"
            );
            assert_eq!(m.obligations, vec![o.clone()]);
            assert!(m.stayed.is_empty());
        }
    }

    #[test]
    fn a_filed_2025_report_of_a_unit_that_is_gone_stays_with_it() {
        // Phong Điền district (a thị xã from 1 Jan 2025) filed early, then the district was abolished
        let o = annual(2025, "476@2025-01-01");
        let officer = person("u-pd", Role::LocalOfficer, &["476"]);
        let filed = Report::new(o.clone())
            .apply(
                ReportAction::Submit { nil: false },
                &officer,
                d(2025, 6, 20),
            )
            .expect("submit");
        let m = migrate(
            map(),
            std::slice::from_ref(&o),
            &filed_keys(&[filed]),
            d(2025, 12, 1),
        )
        .expect("migrate");
        assert!(m.moves.is_empty());
        assert_eq!(m.stayed, vec![o.key.clone()]);
        assert_eq!(m.obligations, vec![o]);
    }

    #[test]
    fn a_commune_unaffected_by_the_changes_keeps_its_obligation() {
        // Trung Sơn (A Lưới) in 2024, and as of March 2025 for 2025; Xã A Lưới 1 in 2025
        let cases = [
            (annual(2024, "20056@2020-01-01"), d(2025, 12, 1)),
            (annual(2025, "20056@2020-01-01"), d(2025, 3, 1)),
            (annual(2025, "20056@2025-07-01"), d(2025, 12, 1)),
        ];
        for (o, as_of) in cases {
            let m =
                migrate(map(), std::slice::from_ref(&o), &BTreeSet::new(), as_of).expect("migrate");
            assert!(m.moves.is_empty(), "{}", o.key);
            assert_eq!(m.obligations, vec![o]);
        }
    }

    #[test]
    fn a_district_in_2025_hands_its_obligation_to_the_communes_that_replaced_it() {
        let o = annual(2025, "481@origin");
        let m = migrate(
            map(),
            std::slice::from_ref(&o),
            &BTreeSet::new(),
            d(2025, 12, 1),
        )
        .expect("migrate");
        assert_eq!(m.moves.len(), 1);
        assert_eq!(m.moves[0].effective, d(2025, 7, 1));
        assert_eq!(
            names(&m.moves[0].to),
            [
                "Xã A Lưới 1",
                "Xã A Lưới 2",
                "Xã A Lưới 3",
                "Xã A Lưới 4",
                "Xã A Lưới 5"
            ]
        );
        // the two districts of the old Huế city share Phường Hóa Châu
        let thuan_hoa = migrate(
            map(),
            &[annual(2025, "474@2025-01-01")],
            &BTreeSet::new(),
            d(2025, 12, 1),
        )
        .expect("Thuận Hóa");
        let phu_xuan = migrate(
            map(),
            &[annual(2025, "475@2025-01-01")],
            &BTreeSet::new(),
            d(2025, 12, 1),
        )
        .expect("Phú Xuân");
        assert!(obligation_units(&thuan_hoa).contains(&"Phường Hóa Châu".to_owned()));
        assert!(obligation_units(&phu_xuan).contains(&"Phường Hóa Châu".to_owned()));
    }

    #[test]
    fn moved_duties_merge_into_the_successors_own_obligations_without_doubling() {
        let period = ReportingPeriod::yearly(2025).expect("2025");
        let template = Template {
            id: TemplateId::new("annual-results"),
            applies_to: vec![
                UnitKind::Admin(Level::District),
                UnitKind::Admin(Level::Commune),
            ],
        };
        // the obligations as created at the start of 2025, before the reform:
        // the districts and communes of 1 Jan 2025, Nam Đông's made the year before
        let mut early = expected_obligations(
            &admin_reporting_units(map(), d(2025, 1, 1)),
            std::slice::from_ref(&template),
            &period,
        );
        early.push(annual(2025, "483@origin"));
        // plus the forty communes' own, made after the reform
        let own = expected_obligations(
            &admin_reporting_units(map(), period.due),
            std::slice::from_ref(&template),
            &period,
        );
        let all: Vec<Obligation> = early.iter().chain(&own).cloned().collect();
        let m = migrate(map(), &all, &BTreeSet::new(), d(2025, 12, 1)).expect("migrate");
        assert_eq!(
            m.obligations.len(),
            40,
            "one per commune of today, nothing doubled"
        );
        assert!(m.obligations.iter().all(|o| !o.inherited));
        let khe_tre = m
            .obligations
            .iter()
            .find(|o| o.key.unit == ReportingUnit::Admin(id("20161@2025-07-01")))
            .expect("Xã Khe Tre");
        let origins: Vec<String> = khe_tre
            .moved_from
            .iter()
            .map(|r| r.origin.unit.to_string())
            .collect();
        assert!(origins.contains(&"483@origin".to_owned()), "{origins:?}");
        assert!(
            origins.contains(&"482@2025-01-01".to_owned()),
            "{origins:?}"
        );
        assert!(
            origins.contains(&"20161@2025-01-01".to_owned()),
            "Thị trấn Khe Tre: {origins:?}"
        );
        // Nam Đông's duty is at Xã Vinh Lộc too: it passed through Phú Lộc district
        let vinh_loc = m
            .obligations
            .iter()
            .find(|o| o.key.unit == ReportingUnit::Admin(id("20122@2025-07-01")))
            .expect("Xã Vinh Lộc");
        assert!(
            vinh_loc
                .moved_from
                .iter()
                .any(|r| r.origin.unit == ReportingUnit::Admin(id("483@origin")))
        );
    }

    #[test]
    fn organisations_do_not_move_and_unknown_units_are_refused() {
        let o = Obligation::new(
            TemplateId::new("annual-results"),
            ReportingUnit::Organisation {
                id: "hoi-lhpn-nam-dong".into(),
                unit_code: "483".into(),
            },
            &ReportingPeriod::yearly(2025).expect("2025"),
        );
        let m = migrate(
            map(),
            std::slice::from_ref(&o),
            &BTreeSet::new(),
            d(2025, 12, 1),
        )
        .expect("migrate");
        assert_eq!(m.obligations, vec![o]);
        assert!(m.moves.is_empty());
        assert_eq!(
            migrate(
                map(),
                &[annual(2025, "99999@origin")],
                &BTreeSet::new(),
                d(2025, 12, 1)
            ),
            Err(ReportingError::UnknownUnit {
                unit: id("99999@origin")
            })
        );
    }
}
