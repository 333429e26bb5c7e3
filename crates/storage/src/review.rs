//! The final review (tổng kết) of 2019–2025 (issue 6, item 5): for each
//! year, what the system records for the unit (receipts by kind of source,
//! need lines by category and by unit of the time, as in
//! [`crate::report_data`]) and what the units' filed yearly reports say
//! (summed as in [`crate::consolidation`]); the by-unit rows under the units
//! of the time or re-aggregated onto today's units along the lineage
//! ([`domain::reporting::regroup`]). Plain data for [`reports::review`].

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use domain::admin_units::{AdminMap, UnitId};
use domain::reporting::regroup::comparable_areas;
use reports::annual::{CoverageFigure, SourceFigure, default_issuer};
use reports::review::{Regroup, Review, ReviewArea, ReviewYear};

use crate::consolidation::{is_filed, year_fields, year_reports};
use crate::report_data::{self, Period, ReportDataError, UnitFilter};
use crate::reporting::{ANNUAL, FIGURES};
use crate::{Db, StorageError, db_run};

/// What the review is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewSpec {
    /// An administrative-unit code (46 = the city).
    pub unit: String,
    pub from: i32,
    pub to: i32,
    pub regroup: Regroup,
}

/// Why a review cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error(
        "khoảng năm không hợp lệ: {from}–{to} (tối đa 30 năm, từ 2000) / invalid span of years: {from}–{to} (at most 30 years, from 2000)"
    )]
    BadYears { from: i32, to: i32 },
    #[error(transparent)]
    Data(#[from] ReportDataError),
}

impl From<sqlx::Error> for ReviewError {
    fn from(e: sqlx::Error) -> Self {
        ReviewError::Data(ReportDataError::Storage(StorageError::Sql(e)))
    }
}

impl From<StorageError> for ReviewError {
    fn from(e: StorageError) -> Self {
        ReviewError::Data(ReportDataError::Storage(e))
    }
}

/// The unit version a need line's code stood for in a year.
fn version_in(map: &AdminMap, code: &str, year: i32) -> UnitId {
    let on = |m, d| NaiveDate::from_ymd_opt(year, m, d).and_then(|day| map.unit_on(code, day));
    on(7, 1)
        .or_else(|| on(12, 31))
        .or_else(|| on(1, 1))
        .or_else(|| map.versions_of(code).last().copied())
        .map_or_else(|| UnitId::new(code, None), |u| u.id.clone())
}

fn in_scope(filter: &UnitFilter, code: &str) -> bool {
    match filter {
        UnitFilter::All | UnitFilter::Province(_) => true,
        UnitFilter::Codes(codes) => codes.iter().any(|c| c == code),
    }
}

/// One unit version's figures by year.
#[derive(Debug, Clone, Default)]
struct UnitYears {
    /// Money mobilised as its filed report says (domestic + foreign).
    reported: BTreeMap<i32, i64>,
    committed: BTreeMap<i32, i64>,
    need: BTreeMap<i32, i64>,
}

/// Σ of one measure over some units in a year; `None` when none has it.
fn sum_of(
    by_unit: &BTreeMap<UnitId, UnitYears>,
    members: &[&UnitId],
    pick: fn(&UnitYears) -> &BTreeMap<i32, i64>,
    year: i32,
) -> Option<i64> {
    members
        .iter()
        .filter_map(|m| by_unit.get(*m).and_then(|v| pick(v).get(&year).copied()))
        .reduce(i64::saturating_add)
}

/// The final review of a unit over a span of years.
pub async fn review(
    db: &Db,
    map: &AdminMap,
    spec: &ReviewSpec,
    today: NaiveDate,
) -> Result<Review, ReviewError> {
    if spec.from > spec.to || spec.from < 2000 || spec.to - spec.from >= 30 {
        return Err(ReviewError::BadYears {
            from: spec.from,
            to: spec.to,
        });
    }
    let unit = report_data::resolve_unit(db, &spec.unit, today).await?;
    let idx = |k: &str| FIGURES.iter().position(|f| *f == k);
    let (dom, foreign) = (idx("money_domestic"), idx("money_foreign"));
    let mut years = Vec::new();
    let mut by_unit: BTreeMap<UnitId, UnitYears> = BTreeMap::new();
    for year in spec.from..=spec.to {
        let Some(y) = Period::year(year) else {
            return Err(ReviewError::BadYears {
                from: spec.from,
                to: spec.to,
            });
        };
        let period = Period::new(y.from, y.to, y.to.max(today)).map_err(ReviewError::Data)?;
        let groups = report_data::line_groups(db, &unit.filter, &period).await?;
        let source_rows = report_data::sources(db, &unit.filter, &period).await?;
        let state = crate::reporting::year_state(db, ANNUAL, year).await?;
        let fields = year_fields(db, ANNUAL, year).await?;
        let rows = year_reports(map, &state, &fields);

        let mut ry = ReviewYear {
            year,
            reported: vec![0; FIGURES.len()],
            ..ReviewYear::default()
        };
        for s in source_rows {
            if s.budget != 0 {
                ry.state_budget_money = ry
                    .state_budget_money
                    .saturating_add(s.money)
                    .saturating_add(s.goods);
            } else {
                ry.sources.push(SourceFigure {
                    origin: s.origin,
                    donor_type: s.donor_type,
                    receipts: s.receipts,
                    money: s.money,
                    goods: s.goods,
                });
            }
        }
        let mut by_category: BTreeMap<String, CoverageFigure> = BTreeMap::new();
        for g in &groups {
            let f = CoverageFigure {
                key: g.category.clone(),
                label: String::new(),
                lines: g.lines,
                need: g.need,
                committed: g.committed,
                received: g.received,
                delivered: g.delivered,
                children_need: g.children_need,
                children_covered: g.children_covered,
                children_served: g.children_served,
            };
            by_category
                .entry(g.category.clone())
                .or_insert_with(|| CoverageFigure {
                    key: g.category.clone(),
                    ..CoverageFigure::default()
                })
                .add(&f);
            let e = by_unit
                .entry(version_in(map, &g.unit_code, year))
                .or_default();
            *e.committed.entry(year).or_default() += g.committed;
            *e.need.entry(year).or_default() += g.need;
        }
        ry.by_category = by_category.into_values().collect();

        for row in &rows {
            let (o, typed) = (row.obligation, &row.typed);
            if !in_scope(&unit.filter, &o.unit_code) {
                continue;
            }
            ry.expected += 1;
            if !is_filed(&row.status) {
                continue;
            }
            ry.filed += 1;
            if !row.in_sum {
                continue;
            }
            for (total, v) in ry.reported.iter_mut().zip(typed) {
                *total = total.saturating_add(v.unwrap_or(0));
            }
            if let (Ok(id), true) = (o.unit_id.parse::<UnitId>(), o.unit_kind == "admin") {
                let money = [dom, foreign]
                    .iter()
                    .filter_map(|i| i.and_then(|i| typed.get(i).copied().flatten()))
                    .fold(0i64, i64::saturating_add);
                *by_unit
                    .entry(id)
                    .or_default()
                    .reported
                    .entry(year)
                    .or_default() += money;
            }
        }
        years.push(ry);
    }

    let span: Vec<i32> = (spec.from..=spec.to).collect();
    let row_of = |label: String, members: &[&UnitId]| ReviewArea {
        label,
        reported: span
            .iter()
            .map(|y| sum_of(&by_unit, members, |u| &u.reported, *y))
            .collect(),
        committed: span
            .iter()
            .map(|y| sum_of(&by_unit, members, |u| &u.committed, *y).unwrap_or(0))
            .collect(),
        need: span
            .iter()
            .map(|y| sum_of(&by_unit, members, |u| &u.need, *y).unwrap_or(0))
            .collect(),
    };
    let name_of = |id: &UnitId| {
        map.get(id)
            .map_or_else(|| id.code().to_owned(), |u| u.name.clone())
    };
    let mut areas: Vec<ReviewArea> = match spec.regroup {
        Regroup::Historic => by_unit
            .keys()
            .map(|id| {
                let label = match map.get(id) {
                    Some(u) if !u.in_force_on(today) => format!("{} (cũ)", u.name),
                    _ => name_of(id),
                };
                row_of(label, &[id])
            })
            .collect(),
        Regroup::Today => comparable_areas(map, by_unit.keys(), today)
            .into_iter()
            .map(|a| {
                let names: BTreeSet<String> = if a.today.is_empty() {
                    a.members.iter().map(name_of).collect()
                } else {
                    a.today.iter().map(name_of).collect()
                };
                let members: Vec<&UnitId> = a.members.iter().collect();
                row_of(names.into_iter().collect::<Vec<_>>().join(", "), &members)
            })
            .collect(),
    };
    areas.sort_by(|a, b| a.label.cmp(&b.label));

    let demo: Option<(String,)> = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT id FROM need_lines WHERE is_demo = $1 \
             UNION ALL SELECT id FROM report_obligations WHERE is_demo = $1 LIMIT 1",
        )
        .bind(true)
        .fetch_optional(pool)
        .await?
    });
    Ok(Review {
        unit_code: unit.code.clone(),
        unit_name: unit.name.clone(),
        regroup: spec.regroup,
        issued_on: today,
        issuer: default_issuer(unit.level, &unit.name, spec.to),
        fields: FIGURES
            .iter()
            .map(|f| ((*f).to_owned(), reports::consolidated::field_label(f)))
            .collect(),
        years,
        areas,
        demo: demo.is_some(),
    })
}
