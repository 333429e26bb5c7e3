//! The coordinator's consolidated city report (issue 6, item 5): the
//! city's yearly figures from the system ([`crate::report_data`]), each
//! expected unit report's typed figures beside what the system records for
//! its area (the same measures as the report form's system column,
//! [`crate::reporting::system_figures`], computed once for the year), the
//! system's figure for the whole city, completeness by level, and the
//! obligations that moved along the map. Plain data for
//! [`reports::consolidated`]; nothing here decides what differs.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use domain::admin_units::{AdminMap, Level};
use domain::reporting::{ReportingUnit, RollUpLevel, completeness};
use reports::annual::CompletenessFigure;
use reports::consolidated::{Consolidation, MovedObligation, UnitReport};

use crate::plans::{Area, Facts, area_of};
use crate::report_data::{self, Period, ReportDataError};
use crate::reporting::{ANNUAL, FIGURES, ObligationRow, YearState};
use crate::{Db, StorageError, db_run};

/// The typed values of every report of a template's year: obligation id →
/// field → value as stored (plain digits for figures).
pub async fn year_fields(
    db: &Db,
    template: &str,
    year: i32,
) -> Result<HashMap<String, HashMap<String, String>>, StorageError> {
    let rows: Vec<(String, String, Option<String>)> = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT obligation_id, field, value FROM report_fields WHERE obligation_id IN \
             (SELECT id FROM report_obligations WHERE template_id = $1 AND year = $2)",
        )
        .bind(template)
        .bind(i64::from(year))
        .fetch_all(pool)
        .await?
    });
    let mut out: HashMap<String, HashMap<String, String>> = HashMap::new();
    for (id, field, value) in rows {
        if let Some(v) = value {
            out.entry(id).or_default().insert(field, v);
        }
    }
    Ok(out)
}

/// The system's value of a report field over an area (see
/// `reporting::system_figures`).
pub fn measure(facts: &Facts, area: &Area, field: &str) -> Option<i64> {
    let (source, indicator) = match field {
        "packages_funded" => ("all", "packages"),
        "children_supported" => ("all", "children"),
        money => (money.trim_start_matches("money_"), "money"),
    };
    facts.measure(area, "all", source, indicator)
}

/// Whether a report status means filed.
pub fn is_filed(status: &str) -> bool {
    matches!(status, "submitted" | "approved" | "locked")
}

/// The administrative unit of an obligation, if it is one.
fn admin_unit<'m>(
    map: &'m AdminMap,
    o: &ObligationRow,
) -> Option<&'m domain::admin_units::AdminUnit> {
    match o.reporting_unit().ok()? {
        ReportingUnit::Admin(id) => map.get(&id),
        ReportingUnit::Organisation { .. } => None,
    }
}

/// One expected report of a year, as the consolidation reads it.
#[derive(Debug, Clone)]
pub struct YearRow<'a> {
    pub obligation: &'a ObligationRow,
    /// `none` or the report's status.
    pub status: String,
    /// Typed figures, one per [`FIGURES`].
    pub typed: Vec<Option<i64>>,
    /// Counted in the sum of the units: an administrative unit's report,
    /// except a commune's when its district (of the time) filed one.
    pub in_sum: bool,
}

/// The year's expected (open) reports with their typed figures.
pub fn year_reports<'a>(
    map: &AdminMap,
    y: &'a YearState,
    fields: &HashMap<String, HashMap<String, String>>,
) -> Vec<YearRow<'a>> {
    let status_of = |o: &ObligationRow| {
        y.reports
            .get(&o.id)
            .map_or("none", |r| r.status.as_str())
            .to_owned()
    };
    let filed_codes: BTreeSet<String> = y
        .obligations
        .iter()
        .filter(|o| !o.is_moved() && is_filed(&status_of(o)))
        .filter_map(|o| admin_unit(map, o).map(|u| u.code.clone()))
        .collect();
    y.obligations
        .iter()
        .filter(|o| !o.is_moved())
        .map(|o| {
            let typed = FIGURES
                .iter()
                .map(|f| {
                    fields
                        .get(&o.id)
                        .and_then(|m| m.get(*f))
                        .and_then(|v| v.parse::<i64>().ok())
                })
                .collect();
            let in_sum = admin_unit(map, o).is_some_and(|u| {
                u.level != Level::Commune
                    || u.parent_code
                        .as_ref()
                        .is_none_or(|p| !filed_codes.contains(p))
            });
            YearRow {
                obligation: o,
                status: status_of(o),
                typed,
                in_sum,
            }
        })
        .collect()
}

/// The consolidation of a year for the city (`today`: the document's date;
/// data recorded until then count).
pub async fn consolidate(
    db: &Db,
    map: &AdminMap,
    year: i32,
    today: NaiveDate,
) -> Result<Consolidation, ReportDataError> {
    let unit = report_data::resolve_unit(db, crate::admin_units::PROVINCE, today).await?;
    let y = Period::year(year).ok_or_else(|| StorageError::Corrupt(format!("year {year}")))?;
    let period = Period::new(y.from, y.to, y.to.max(today))?;
    let mut annual = report_data::annual_figures(db, &unit, &period, today).await?;
    let state = crate::reporting::year_state(db, ANNUAL, year).await?;
    let fields = year_fields(db, ANNUAL, year).await?;
    let next = NaiveDate::from_ymd_opt(year + 1, 1, 1).unwrap_or(y.to);
    let facts = crate::plans::facts(db, y.from, next).await?;

    let rows = year_reports(map, &state, &fields);
    let units = rows
        .iter()
        .map(|r| {
            let o = r.obligation;
            let system = match admin_unit(map, o) {
                Some(u) => {
                    let area = area_of(map, &u.id);
                    FIGURES.iter().map(|f| measure(&facts, &area, f)).collect()
                }
                None => vec![None; FIGURES.len()],
            };
            UnitReport {
                unit: o.unit_name.clone(),
                level: o.unit_level.clone(),
                status: r.status.clone(),
                in_sum: r.in_sum,
                typed: r.typed.clone(),
                system,
            }
        })
        .collect();
    let city_system = FIGURES
        .iter()
        .map(|f| measure(&facts, &Area::All, f))
        .collect();

    // completeness by level, for the city report's section VII
    let due = state
        .period
        .as_ref()
        .map_or(NaiveDate::from_ymd_opt(year, 11, 30).unwrap_or(y.to), |p| {
            p.due_on
        });
    let expected = state.expected()?;
    if !expected.is_empty()
        && let Ok(c) = completeness(map, &expected, &state.expected_reports(), today, due)
    {
        let label = |l: &RollUpLevel| match l {
            RollUpLevel::Admin(Level::Province) => "Cấp tỉnh",
            RollUpLevel::Admin(Level::District) => "Cấp huyện",
            RollUpLevel::Admin(Level::Commune) => "Cấp xã",
            RollUpLevel::Organisation => "Sở, ngành, đoàn thể",
        };
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        annual.completeness = Some(
            c.by_level
                .iter()
                .map(|(l, counts)| CompletenessFigure {
                    unit: label(l).to_owned(),
                    expected: n(counts.expected),
                    on_time: n(counts.on_time),
                    late: n(counts.late),
                    missing: n(counts.missing),
                })
                .collect(),
        );
    }

    // the steps obligations took along the map
    let name = |id: &str| {
        id.parse()
            .ok()
            .and_then(|u| map.get(&u))
            .map_or_else(|| id.to_owned(), |u| u.name.clone())
    };
    let level = |id: &str| {
        id.parse()
            .ok()
            .and_then(|u| map.get(&u))
            .map_or_else(String::new, |u| u.level.as_str().to_owned())
    };
    let moves = state
        .moves
        .iter()
        .map(|m| MovedObligation {
            from: name(&m.from_unit),
            from_level: level(&m.from_unit),
            to: m.targets().iter().map(|t| name(t)).collect(),
            on: m.effective_on,
            reason: m.reason.clone(),
            change_kind: m.change_kind.clone(),
            instrument: m.instrument.clone(),
        })
        .collect();
    Ok(Consolidation {
        annual,
        fields: FIGURES
            .iter()
            .map(|f| ((*f).to_owned(), reports::consolidated::field_label(f)))
            .collect(),
        units,
        city_system,
        moves,
    })
}
