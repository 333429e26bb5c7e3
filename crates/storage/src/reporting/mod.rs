//! The reporting regime in storage (issue 6; R24, R25): reporting periods,
//! obligations generated for the units in force, reports whose every change
//! goes through `domain::reporting` (transitions, draft saves, exceptions)
//! and is written with its audit row in one transaction, obligations moved
//! along the map, and what completeness needs.
//!
//! The rules live in `domain::reporting`; this module only loads the rows,
//! asks the domain, and stores what it answers. Dates are calendar dates in
//! Vietnam, passed in by the caller (`today`); timestamps are UTC.
//!
//! Concurrency: a write locks its report first (see
//! [`rows::ReportConn::lock_report`]) and reads it inside the same
//! transaction, so two writers of one report take turns, and a draft saved
//! from an older version is refused by `Draft::save` with the fields that
//! changed since — never silently overwritten.

pub mod rows;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use domain::admin_units::{AdminMap, Level};
use domain::authz::{Actor, Visibility};
use domain::organisation::OrgType;
use domain::reporting::{
    Changes, Draft, ExceptionVerdict, MoveReason, Obligation, ObligationKey, Report, ReportAction,
    ReportingError, ReportingPeriod, ReportingUnit, ReportingUnitInfo, SavePolicy, Template,
    TemplateId, UnitKind, admin_reporting_units, expected_obligations, migrate, parse_figure,
};
use serde_json::json;

use crate::audit::{AuditActor, AuditConn, AuditRecord};
use crate::{Db, StorageError, db_run, db_tx};

use rows::{
    EXCEPTION_COLUMNS, MOVE_COLUMNS, OBLIGATION_COLUMNS, REPORT_COLUMNS, ReportConn, draft_of,
    report_of,
};
pub use rows::{ExceptionRow, FieldRow, MoveRow, ObligationRow, ReportRow};

/// The yearly results report (R22, R24): every district, commune,
/// department and mass organisation files it before 30 November.
pub const ANNUAL: &str = "annual-results";

/// The template of the yearly results report.
pub fn annual_template() -> Template {
    Template {
        id: TemplateId::new(ANNUAL),
        applies_to: vec![
            UnitKind::Admin(Level::District),
            UnitKind::Admin(Level::Commune),
            UnitKind::Organisation(OrgType::Department),
            UnitKind::Organisation(OrgType::MassOrganisation),
        ],
    }
}

/// The yearly results report owed by some kinds of unit only (e.g. the
/// districts alone, as before 2024 when communes reported to them).
pub fn annual_template_for(kinds: &[UnitKind]) -> Template {
    Template {
        id: TemplateId::new(ANNUAL),
        applies_to: kinds.to_vec(),
    }
}

/// Figures the unit types, each shown beside the system's (see
/// [`system_figures`]).
pub const FIGURES: [&str; 9] = [
    "money_domestic",
    "money_foreign",
    "money_business",
    "money_fund",
    "money_mass_organisation",
    "money_individual",
    "money_state_budget",
    "packages_funded",
    "children_supported",
];

/// Narrative sections the unit writes.
pub const NARRATIVE: [&str; 3] = ["results", "difficulties", "proposals"];

/// Why a report change was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The domain's answer: a transition not allowed, a deadline passed, a
    /// conflict between two editors …
    Reporting(ReportingError),
    /// The obligation moved to the units that replaced its unit; its draft
    /// is kept for reference and cannot change.
    Moved,
    /// Typed figures refused, one error per field; nothing was saved.
    Figures(Vec<ReportingError>),
    /// A field that is not part of the template.
    UnknownField(String),
}

impl From<ReportingError> for Refusal {
    fn from(e: ReportingError) -> Self {
        Refusal::Reporting(e)
    }
}

/// A reporting year as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PeriodRow {
    pub template_id: String,
    pub year: i64,
    pub due_on: NaiveDate,
    pub cutoff_on: NaiveDate,
    pub units_on: NaiveDate,
    pub opened_by: String,
}

/// Opening a reporting year.
#[derive(Debug, Clone)]
pub struct OpenYear {
    pub template: Template,
    pub year: i32,
    pub due: NaiveDate,
    pub cutoff: NaiveDate,
    /// The date whose administrative units are expected to report —
    /// normally the day the year is opened (or the due date, if that is
    /// earlier). Units that stop existing before the due date hand their
    /// obligations on ([`migrate_obligations`]). Organisations are those in
    /// force on the due date: they do not follow the lineage.
    pub units_on: NaiveDate,
    pub is_demo: bool,
}

/// What opening a year wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Opened {
    pub obligations: usize,
    /// Obligations that already existed (opening twice adds only new ones).
    pub existing: usize,
}

fn corrupt(e: impl std::fmt::Display) -> StorageError {
    StorageError::Corrupt(e.to_string())
}

/// Opens a reporting year: stores its deadlines and one obligation per unit
/// expected to report ([`expected_obligations`]). Opening a year again keeps
/// its deadlines and adds only the obligations that are missing. Audited.
pub async fn open_year(
    db: &Db,
    map: &AdminMap,
    spec: &OpenYear,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<Result<Opened, ReportingError>, StorageError> {
    let period = match ReportingPeriod::new(spec.year, spec.due, spec.cutoff) {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    let mut units = admin_reporting_units(map, spec.units_on);
    let mut names: HashMap<ReportingUnit, (String, String)> = HashMap::new();
    for u in &units {
        if let ReportingUnit::Admin(id) = &u.unit
            && let Some(a) = map.get(id)
        {
            names.insert(
                u.unit.clone(),
                (a.name.clone(), a.level.as_str().to_owned()),
            );
        }
    }
    let orgs = crate::organisations::list(
        db,
        &Visibility::All,
        &crate::organisations::OrgFilter::default(),
    )
    .await?;
    for o in orgs {
        let Ok(kind) = o.org_type.parse::<OrgType>() else {
            continue;
        };
        let alive = o.valid_from.is_none_or(|f| f <= period.due)
            && o.valid_to.is_none_or(|t| period.due < t);
        let Some(code) = o.unit_code.clone() else {
            continue;
        };
        if !alive {
            continue;
        }
        let unit = ReportingUnit::Organisation {
            id: o.id.clone(),
            unit_code: code,
        };
        names.insert(unit.clone(), (o.name.clone(), kind.as_str().to_owned()));
        units.push(ReportingUnitInfo {
            unit,
            kind: UnitKind::Organisation(kind),
        });
    }
    let obligations = expected_obligations(&units, std::slice::from_ref(&spec.template), &period);
    let template = spec.template.id.as_str().to_owned();
    let opened = db_tx!(db, |tx| {
        sqlx::query(
            "INSERT INTO reporting_periods (template_id, year, due_on, cutoff_on, units_on, opened_by, is_demo, \
             opened_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT (template_id, year) DO NOTHING",
        )
        .bind(&template)
        .bind(i64::from(spec.year))
        .bind(period.due)
        .bind(period.cutoff)
        .bind(spec.units_on)
        .bind(&actor.name)
        .bind(spec.is_demo)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        // the year's stored deadlines win over the ones asked for
        let (due, cutoff): (NaiveDate, NaiveDate) = sqlx::query_as(
            "SELECT due_on, cutoff_on FROM reporting_periods WHERE template_id = $1 AND year = $2",
        )
        .bind(&template)
        .bind(i64::from(spec.year))
        .fetch_one(&mut *tx)
        .await?;
        let mut out = Opened::default();
        for o in &obligations {
            let (name, level) = names
                .get(&o.key.unit)
                .cloned()
                .unwrap_or_else(|| (o.key.unit.to_string(), String::new()));
            let new = rows::NewObligation {
                obligation: o,
                name: &name,
                level: &level,
                due,
                cutoff,
                inherited: false,
                is_demo: spec.is_demo,
                now,
            };
            if (*tx).insert_obligation(&new).await? {
                out.obligations += 1;
            } else {
                out.existing += 1;
            }
        }
        let rec = AuditRecord {
            actor: actor.clone(),
            at: now,
            action: "open_year",
            entity: "reporting_period",
            entity_id: format!("{template}/{}", spec.year),
            before: None,
            after: Some(
                json!({"due_on": due.to_string(), "cutoff_on": cutoff.to_string(), "units_on": spec.units_on.to_string(),
                "obligations_added": out.obligations}),
            ),
        };
        (*tx).append(&rec).await?;
        out
    });
    Ok(Ok(opened))
}

/// Changes a year's due date and cut-off (and those of its obligations).
/// Audited with the dates before and after.
pub async fn set_deadlines(
    db: &Db,
    template: &str,
    year: i32,
    due: NaiveDate,
    cutoff: NaiveDate,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<Result<(), ReportingError>, StorageError> {
    if let Err(e) = ReportingPeriod::new(year, due, cutoff) {
        return Ok(Err(e));
    }
    let Some(before) = period(db, template, year).await? else {
        return Err(StorageError::NotFound {
            what: format!("reporting period {template}/{year}"),
        });
    };
    db_tx!(db, |tx| {
        sqlx::query(
            "UPDATE reporting_periods SET due_on = $1, cutoff_on = $2 WHERE template_id = $3 AND year = $4",
        )
        .bind(due)
        .bind(cutoff)
        .bind(template)
        .bind(i64::from(year))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE report_obligations SET due_on = $1, cutoff_on = $2 WHERE template_id = $3 AND year = $4",
        )
        .bind(due)
        .bind(cutoff)
        .bind(template)
        .bind(i64::from(year))
        .execute(&mut *tx)
        .await?;
        let rec = AuditRecord {
            actor: actor.clone(),
            at: now,
            action: "set_deadlines",
            entity: "reporting_period",
            entity_id: format!("{template}/{year}"),
            before: Some(
                json!({"due_on": before.due_on.to_string(), "cutoff_on": before.cutoff_on.to_string()}),
            ),
            after: Some(json!({"due_on": due.to_string(), "cutoff_on": cutoff.to_string()})),
        };
        (*tx).append(&rec).await?;
    });
    Ok(Ok(()))
}

pub async fn period(db: &Db, template: &str, year: i32) -> Result<Option<PeriodRow>, StorageError> {
    let row = db_run!(db, |pool| {
        sqlx::query_as::<_, PeriodRow>(
            "SELECT template_id, year, due_on, cutoff_on, units_on, opened_by FROM reporting_periods \
             WHERE template_id = $1 AND year = $2",
        )
        .bind(template)
        .bind(i64::from(year))
        .fetch_optional(pool)
        .await?
    });
    Ok(row)
}

/// Every opened year of a template, latest first.
pub async fn periods(db: &Db, template: &str) -> Result<Vec<PeriodRow>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, PeriodRow>(
            "SELECT template_id, year, due_on, cutoff_on, units_on, opened_by FROM reporting_periods \
             WHERE template_id = $1 ORDER BY year DESC",
        )
        .bind(template)
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

/// What moving obligations along the map did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Moved {
    /// Obligations that left a unit that stopped existing.
    pub moved: usize,
    /// Obligations created for successors (others were merged into the
    /// successor's own).
    pub created: usize,
    /// Steps recorded.
    pub steps: usize,
    /// Filed obligations of units gone, which stay with them.
    pub stayed: usize,
}

/// Moves the open obligations of units that stopped existing before their
/// due date (as far as `as_of`) to their successors
/// ([`domain::reporting::migrate`]): the old obligation is marked `moved`
/// (its draft kept for reference), the successors get theirs (or the duty
/// is merged into the one they have), and each step is recorded in
/// `obligation_moves` and the audit log. Running again changes nothing
/// until the map moves on.
pub async fn migrate_obligations(
    db: &Db,
    map: &AdminMap,
    as_of: NaiveDate,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<Result<Moved, ReportingError>, StorageError> {
    let out = db_tx!(db, |tx| {
        let open: Vec<ObligationRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{OBLIGATION_COLUMNS} WHERE state = 'open' ORDER BY template_id, year, unit_id"
        )))
        .fetch_all(&mut *tx)
        .await?;
        let filed: Vec<(String,)> = sqlx::query_as(
            "SELECT obligation_id FROM reports WHERE status IN ('submitted', 'approved', 'locked')",
        )
        .fetch_all(&mut *tx)
        .await?;
        let filed_ids: BTreeSet<String> = filed.into_iter().map(|(id,)| id).collect();
        let mut by_key: BTreeMap<ObligationKey, &ObligationRow> = BTreeMap::new();
        let mut obligations = Vec::with_capacity(open.len());
        let mut filed_set = BTreeSet::new();
        for row in &open {
            let o = row.obligation()?;
            if filed_ids.contains(&row.id) {
                filed_set.insert(o.key.clone());
            }
            by_key.insert(o.key.clone(), row);
            obligations.push(o);
        }
        let migration = match migrate(map, &obligations, &filed_set, as_of) {
            Ok(m) => m,
            Err(e) => return Ok(Err(e)),
        };
        let mut moved = Moved {
            stayed: migration.stayed.len(),
            ..Moved::default()
        };
        // new obligations for successors
        for o in &migration.obligations {
            if by_key.contains_key(&o.key) {
                continue;
            }
            let (name, level) = match &o.key.unit {
                ReportingUnit::Admin(id) => map.get(id).map_or_else(
                    || (id.to_string(), String::new()),
                    |u| (u.name.clone(), u.level.as_str().to_owned()),
                ),
                ReportingUnit::Organisation { id, .. } => (id.clone(), String::new()),
            };
            let is_demo = o
                .moved_from
                .iter()
                .filter_map(|r| by_key.get(&r.origin))
                .any(|r| r.is_demo);
            let new = rows::NewObligation {
                obligation: o,
                name: &name,
                level: &level,
                due: o.due,
                cutoff: o.cutoff,
                inherited: true,
                is_demo,
                now,
            };
            if (*tx).insert_obligation(&new).await? {
                moved.created += 1;
            }
        }
        // the steps, and the obligations that left
        let mut steps_of: BTreeMap<&ObligationKey, i64> = BTreeMap::new();
        for m in &migration.moves {
            let Some(row) = by_key.get(&m.obligation) else {
                continue;
            };
            let step = steps_of.entry(&m.obligation).or_insert(0);
            *step += 1;
            let (reason, kind) = match &m.reason {
                MoveReason::Lineage { kind, .. } => ("lineage", Some(kind.as_str())),
                MoveReason::Dissolved { .. } => ("dissolved", None),
            };
            let to: Vec<&str> = m.to.iter().map(|u| u.as_str()).collect();
            let n = sqlx::query(
                "INSERT INTO obligation_moves (id, obligation_id, step, from_unit, to_units, effective_on, \
                 reason, change_kind, instrument, recorded_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) \
                 ON CONFLICT (obligation_id, from_unit) DO NOTHING",
            )
            .bind(crate::new_id())
            .bind(&row.id)
            .bind(*step)
            .bind(m.from.as_str())
            .bind(to.join(" "))
            .bind(m.effective)
            .bind(reason)
            .bind(kind)
            .bind(m.reason.instrument())
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            moved.steps += usize::try_from(n).unwrap_or(0);
        }
        let kept: BTreeSet<&ObligationKey> = migration.obligations.iter().map(|o| &o.key).collect();
        for (key, row) in &by_key {
            if kept.contains(key) {
                continue;
            }
            let first = migration
                .moves
                .iter()
                .find(|m| &m.obligation == key)
                .map(|m| m.effective);
            sqlx::query(
                "UPDATE report_obligations SET state = 'moved', moved_on = $1 WHERE id = $2",
            )
            .bind(first)
            .bind(&row.id)
            .execute(&mut *tx)
            .await?;
            let to: Vec<String> = migration
                .moves
                .iter()
                .filter(|m| &m.obligation == key)
                .flat_map(|m| m.to.iter().map(|u| u.to_string()))
                .collect();
            let rec = AuditRecord {
                actor: actor.clone(),
                at: now,
                action: "move",
                entity: "report_obligation",
                entity_id: row.id.clone(),
                before: Some(json!({"unit_id": row.unit_id, "year": row.year, "state": "open"})),
                after: Some(
                    json!({"state": "moved", "moved_on": first.map(|d| d.to_string()), "to": to}),
                ),
            };
            (*tx).append(&rec).await?;
            moved.moved += 1;
        }
        moved
    });
    Ok(Ok(out))
}

/// An obligation with its report's status, for lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub obligation: ObligationRow,
    pub report: Option<ReportRow>,
}

impl Listed {
    /// `none` (nothing written yet) or the report's status.
    pub fn status(&self) -> &str {
        self.report.as_ref().map_or("none", |r| r.status.as_str())
    }
}

/// Obligations of a template (all years, or one), with their reports,
/// those the viewer may see; by year (latest first), then unit name.
pub async fn list(
    db: &Db,
    visibility: &Visibility,
    template: &str,
    year: Option<i32>,
) -> Result<Vec<Listed>, StorageError> {
    let (obligations, reports): (Vec<ObligationRow>, Vec<ReportRow>) = db_run!(db, |pool| {
        let o = sqlx::query_as::<_, ObligationRow>(sqlx::AssertSqlSafe(format!(
            "{OBLIGATION_COLUMNS} WHERE template_id = $1 AND ($2 IS NULL OR year = $2) \
             ORDER BY year DESC, unit_name, unit_id"
        )))
        .bind(template)
        .bind(year.map(i64::from))
        .fetch_all(pool)
        .await?;
        let r = sqlx::query_as::<_, ReportRow>(sqlx::AssertSqlSafe(format!(
            "{REPORT_COLUMNS} WHERE obligation_id IN (SELECT id FROM report_obligations \
             WHERE template_id = $1 AND ($2 IS NULL OR year = $2))"
        )))
        .bind(template)
        .bind(year.map(i64::from))
        .fetch_all(pool)
        .await?;
        (o, r)
    });
    let mut reports: HashMap<String, ReportRow> = reports
        .into_iter()
        .map(|r| (r.obligation_id.clone(), r))
        .collect();
    Ok(obligations
        .into_iter()
        .filter(|o| visibility.allows_unit(&o.unit_code))
        .map(|o| Listed {
            report: reports.remove(&o.id),
            obligation: o,
        })
        .collect())
}

/// A year of a template as completeness needs it.
#[derive(Debug, Clone, Default)]
pub struct YearState {
    pub period: Option<PeriodRow>,
    /// Every obligation, open and moved.
    pub obligations: Vec<ObligationRow>,
    /// The domain's reports, by obligation id (only those stored).
    pub reports: HashMap<String, Report>,
    /// The steps of the year's moved obligations, in order.
    pub moves: Vec<MoveRow>,
}

impl YearState {
    /// The obligations expected now: open ones (moved ones passed their
    /// duty on), as the domain knows them.
    pub fn expected(&self) -> Result<Vec<Obligation>, StorageError> {
        self.obligations
            .iter()
            .filter(|o| !o.is_moved())
            .map(ObligationRow::obligation)
            .collect()
    }

    /// Reports of the expected obligations.
    pub fn expected_reports(&self) -> Vec<Report> {
        self.obligations
            .iter()
            .filter(|o| !o.is_moved())
            .filter_map(|o| self.reports.get(&o.id).cloned())
            .collect()
    }
}

/// Everything about one year of a template.
pub async fn year_state(db: &Db, template: &str, year: i32) -> Result<YearState, StorageError> {
    let y = i64::from(year);
    let (obligations, rows, exceptions, moves) = db_run!(db, |pool| {
        let o: Vec<ObligationRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{OBLIGATION_COLUMNS} WHERE template_id = $1 AND year = $2 ORDER BY unit_name, unit_id"
        )))
        .bind(template)
        .bind(y)
        .fetch_all(pool)
        .await?;
        let sub = "(SELECT id FROM report_obligations WHERE template_id = $1 AND year = $2)";
        let r: Vec<ReportRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{REPORT_COLUMNS} WHERE obligation_id IN {sub}"
        )))
        .bind(template)
        .bind(y)
        .fetch_all(pool)
        .await?;
        let e: Vec<ExceptionRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{EXCEPTION_COLUMNS} WHERE obligation_id IN {sub} ORDER BY obligation_id, position"
        )))
        .bind(template)
        .bind(y)
        .fetch_all(pool)
        .await?;
        let m: Vec<MoveRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{MOVE_COLUMNS} WHERE obligation_id IN {sub} ORDER BY effective_on, obligation_id, step"
        )))
        .bind(template)
        .bind(y)
        .fetch_all(pool)
        .await?;
        (o, r, e, m)
    });
    let mut ex_by: HashMap<&str, Vec<ExceptionRow>> = HashMap::new();
    for e in &exceptions {
        ex_by
            .entry(e.obligation_id.as_str())
            .or_default()
            .push(e.clone());
    }
    let by_id: HashMap<&str, &ObligationRow> =
        obligations.iter().map(|o| (o.id.as_str(), o)).collect();
    let mut reports = HashMap::new();
    for r in &rows {
        let Some(o) = by_id.get(r.obligation_id.as_str()) else {
            continue;
        };
        let ex = ex_by
            .get(r.obligation_id.as_str())
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        reports.insert(r.obligation_id.clone(), report_of(o, Some(r), ex)?);
    }
    Ok(YearState {
        period: period(db, template, year).await?,
        obligations,
        reports,
        moves,
    })
}

/// One obligation's report, read for a page.
#[derive(Debug, Clone)]
pub struct ReportState {
    pub obligation: ObligationRow,
    pub row: Option<ReportRow>,
    pub report: Report,
    pub draft: Draft,
    pub fields: Vec<FieldRow>,
    pub exceptions: Vec<ExceptionRow>,
    /// The steps this obligation took (when it moved).
    pub moves_out: Vec<MoveRow>,
    /// Steps of other obligations of the same template and year that
    /// ended at this unit: the duties it carries.
    pub moves_in: Vec<MoveRow>,
}

pub async fn get(db: &Db, id: &str) -> Result<Option<ReportState>, StorageError> {
    let loaded = db_run!(db, |pool| {
        let mut conn = pool.acquire().await?;
        conn.load(id).await?
    });
    let Some(l) = loaded else {
        return Ok(None);
    };
    let report = report_of(&l.obligation, l.row.as_ref(), &l.exceptions)?;
    let draft = draft_of(l.row.as_ref(), &l.fields);
    let year = rows::year_of(l.obligation.year)?;
    let moves = year_state_moves(db, &l.obligation.template_id, year).await?;
    let moves_out = moves
        .iter()
        .filter(|m| m.obligation_id == l.obligation.id)
        .cloned()
        .collect();
    let moves_in = moves
        .iter()
        .filter(|m| {
            m.obligation_id != l.obligation.id
                && m.targets().contains(&l.obligation.unit_id.as_str())
        })
        .cloned()
        .collect();
    Ok(Some(ReportState {
        obligation: l.obligation,
        row: l.row,
        report,
        draft,
        fields: l.fields,
        exceptions: l.exceptions,
        moves_out,
        moves_in,
    }))
}

async fn year_state_moves(
    db: &Db,
    template: &str,
    year: i32,
) -> Result<Vec<MoveRow>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, MoveRow>(sqlx::AssertSqlSafe(format!(
            "{MOVE_COLUMNS} WHERE obligation_id IN (SELECT id FROM report_obligations \
             WHERE template_id = $1 AND year = $2) ORDER BY effective_on, obligation_id, step"
        )))
        .bind(template)
        .bind(i64::from(year))
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

/// Moves recorded for one obligation (the steps it took).
pub async fn moves_of(db: &Db, obligation_id: &str) -> Result<Vec<MoveRow>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, MoveRow>(sqlx::AssertSqlSafe(format!(
            "{MOVE_COLUMNS} WHERE obligation_id = $1 ORDER BY step"
        )))
        .bind(obligation_id)
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

/// Reads typed changes: figures through `parse_figure` (stored as plain
/// digits; blank clears), narrative cleaned (NFC, trimmed). Every refused
/// figure is returned, each naming its field.
pub fn check_changes(changes: &Changes) -> Result<Changes, Refusal> {
    let mut out = Changes::new();
    let mut errors = Vec::new();
    for (field, value) in &changes.0 {
        if FIGURES.contains(&field.as_str()) {
            match value.as_deref().map(|v| parse_figure(field, v)) {
                None | Some(Ok(None)) => {
                    out.0.insert(field.clone(), None);
                }
                Some(Ok(Some(n))) => {
                    out.0.insert(field.clone(), Some(n.to_string()));
                }
                Some(Err(e)) => errors.push(e),
            }
        } else if NARRATIVE.contains(&field.as_str()) {
            let text = value
                .as_deref()
                .map(domain::text::clean)
                .filter(|t| !t.is_empty());
            out.0.insert(field.clone(), text);
        } else {
            return Err(Refusal::UnknownField(field.clone()));
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Refusal::Figures(errors))
    }
}

/// Who acts, for the domain (authorisation) and for the audit log.
#[derive(Debug, Clone)]
pub struct By<'a> {
    pub actor: &'a Actor,
    pub audit: &'a AuditActor,
}

impl By<'_> {
    fn user(&self) -> String {
        self.actor.user_id.clone().unwrap_or_default()
    }
}

fn report_json(r: &Report) -> serde_json::Value {
    json!({
        "status": r.status.as_str(),
        "reason": match &r.status { domain::reporting::Status::Returned { reason } => Some(reason.clone()), _ => None },
        "nil": r.nil,
        "exceptions": r.exceptions.iter().map(|e| json!({"until": e.until.to_string(), "decision": e.decision.as_str()})).collect::<Vec<_>>(),
    })
}

/// Saves a draft (and, with `submit`, submits it: `Some(nil)`), made on the
/// draft as it was at version `opened_at`. Figures are checked first
/// ([`check_changes`]); then the domain decides: the report must be
/// editable by the actor before its deadline (`ReportAction::Edit`), and a
/// save from an older version is refused with the fields changed since
/// (`Draft::save`, strict). Written with its audit row.
#[allow(clippy::too_many_arguments)] // the save's inputs, each needed
pub async fn save(
    db: &Db,
    id: &str,
    opened_at: u64,
    changes: &Changes,
    submit: Option<bool>,
    by: &By<'_>,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Result<Report, Refusal>, StorageError> {
    let changes = match check_changes(changes) {
        Ok(c) => c,
        Err(r) => return Ok(Err(r)),
    };
    let out = db_tx!(db, |tx| {
        (*tx).lock_report(id, now).await?;
        let Some(l) = (*tx).load(id).await? else {
            return Err(StorageError::NotFound {
                what: format!("report obligation {id}"),
            });
        };
        if l.obligation.is_moved() {
            return Ok(Err(Refusal::Moved));
        }
        let report = report_of(&l.obligation, l.row.as_ref(), &l.exceptions)?;
        let draft = draft_of(l.row.as_ref(), &l.fields);
        let effective = changes
            .0
            .iter()
            .any(|(f, v)| draft.values.get(f) != v.as_ref());
        let mut next = report.clone();
        if effective || opened_at != draft.version {
            next = match next.apply(ReportAction::Edit, by.actor, today) {
                Ok(r) => r,
                Err(e) => return Ok(Err(Refusal::Reporting(e))),
            };
        }
        let saved = match draft.save(opened_at, &changes, &by.user(), SavePolicy::Strict) {
            Ok(s) => s,
            Err(c) => return Ok(Err(Refusal::Reporting(ReportingError::Conflict(c)))),
        };
        if let Some(nil) = submit {
            next = match next.apply(ReportAction::Submit { nil }, by.actor, today) {
                Ok(r) => r,
                Err(e) => return Ok(Err(Refusal::Reporting(e))),
            };
        }
        if saved.changed.is_empty() && next == report {
            return Ok(Ok(report));
        }
        (*tx)
            .store(id, &next, &saved.draft, &saved.changed, now)
            .await?;
        let values: BTreeMap<&String, Option<&String>> = saved
            .changed
            .iter()
            .map(|f| (f, saved.draft.values.get(f)))
            .collect();
        let rec = AuditRecord {
            actor: by.audit.clone(),
            at: now,
            action: if submit.is_some() {
                "submit"
            } else {
                "save_draft"
            },
            entity: "report",
            entity_id: id.to_owned(),
            before: Some(report_json(&report)),
            after: Some(
                json!({"report": report_json(&next), "draft_version": saved.draft.version,
                "changed": values}),
            ),
        };
        (*tx).append(&rec).await?;
        Ok::<Result<Report, Refusal>, StorageError>(Ok(next))
    })?;
    Ok(out)
}

/// Applies a transition (approve, return with a reason, lock, unlock,
/// submit without changes, the cut-off lock) through `Report::apply`;
/// written with its audit row.
pub async fn act(
    db: &Db,
    id: &str,
    action: ReportAction,
    by: &By<'_>,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Result<Report, Refusal>, StorageError> {
    change(db, id, by, now, action.as_str(), |report, draft| {
        report
            .apply(action.clone(), by.actor, today)
            .map(|r| (r, draft.clone()))
            .map_err(Refusal::Reporting)
    })
    .await
}

/// The unit asks for a later deadline, with a justification.
pub async fn request_exception(
    db: &Db,
    id: &str,
    justification: &str,
    until: NaiveDate,
    by: &By<'_>,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Result<Report, Refusal>, StorageError> {
    change(db, id, by, now, "request_exception", |report, draft| {
        report
            .request_exception(by.actor, justification, until, today)
            .map(|r| (r, draft.clone()))
            .map_err(Refusal::Reporting)
    })
    .await
}

/// An approver grants or refuses the waiting exception request.
pub async fn decide_exception(
    db: &Db,
    id: &str,
    verdict: ExceptionVerdict,
    by: &By<'_>,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Result<Report, Refusal>, StorageError> {
    change(db, id, by, now, "decide_exception", |report, draft| {
        report
            .decide_exception(by.actor, verdict.clone(), today)
            .map(|r| (r, draft.clone()))
            .map_err(Refusal::Reporting)
    })
    .await
}

/// Lock, load, let `f` decide, store, audit — one transaction.
async fn change<F>(
    db: &Db,
    id: &str,
    by: &By<'_>,
    now: DateTime<Utc>,
    what: &'static str,
    f: F,
) -> Result<Result<Report, Refusal>, StorageError>
where
    F: Fn(&Report, &Draft) -> Result<(Report, Draft), Refusal>,
{
    let out = db_tx!(db, |tx| {
        (*tx).lock_report(id, now).await?;
        let Some(l) = (*tx).load(id).await? else {
            return Err(StorageError::NotFound {
                what: format!("report obligation {id}"),
            });
        };
        if l.obligation.is_moved() {
            return Ok(Err(Refusal::Moved));
        }
        let report = report_of(&l.obligation, l.row.as_ref(), &l.exceptions)?;
        let draft = draft_of(l.row.as_ref(), &l.fields);
        let (next, draft) = match f(&report, &draft) {
            Ok(x) => x,
            Err(r) => return Ok(Err(r)),
        };
        (*tx).store(id, &next, &draft, &[], now).await?;
        let rec = AuditRecord {
            actor: by.audit.clone(),
            at: now,
            action: what,
            entity: "report",
            entity_id: id.to_owned(),
            before: Some(report_json(&report)),
            after: Some(report_json(&next)),
        };
        (*tx).append(&rec).await?;
        Ok::<Result<Report, Refusal>, StorageError>(Ok(next))
    })?;
    Ok(out)
}

/// Locks every approved report whose cut-off (or granted exception) has
/// passed and that nobody unlocked by hand (`ReportAction::CutOffLock`, by
/// the system). Returns how many were locked.
pub async fn lock_past_cutoff(
    db: &Db,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<usize, StorageError> {
    let candidates: Vec<(String,)> = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT r.obligation_id FROM reports r JOIN report_obligations o ON o.id = r.obligation_id \
             WHERE r.status = 'approved' AND r.unlocked_by IS NULL AND o.cutoff_on < $1 AND o.state = 'open'",
        )
        .bind(today)
        .fetch_all(pool)
        .await?
    });
    let system = Actor::public();
    let audit = AuditActor::system("cut-off");
    let by = By {
        actor: &system,
        audit: &audit,
    };
    let mut n = 0;
    for (id,) in candidates {
        // a later exception keeps it open: the domain says no, nothing is written
        if act(db, &id, ReportAction::CutOffLock, &by, today, now)
            .await?
            .is_ok()
        {
            n += 1;
        }
    }
    Ok(n)
}

/// The system's figures beside the unit's typed ones, for an obligation:
/// what the need lines of its area whose period starts in its year hold
/// (see `plans::Facts`). `None` where the system cannot know (the state
/// budget; any figure of an organisation, whose own mobilisation the
/// system cannot attribute).
pub async fn system_figures(
    db: &Db,
    map: &AdminMap,
    o: &ObligationRow,
) -> Result<BTreeMap<&'static str, Option<i64>>, StorageError> {
    let mut out: BTreeMap<&'static str, Option<i64>> = FIGURES.iter().map(|f| (*f, None)).collect();
    let ReportingUnit::Admin(unit) = o.reporting_unit()? else {
        return Ok(out);
    };
    let year = rows::year_of(o.year)?;
    let (Some(from), Some(to)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year + 1, 1, 1),
    ) else {
        return Err(corrupt(format!("year {year}")));
    };
    let facts = crate::plans::facts(db, from, to).await?;
    let area = crate::plans::area_of(map, &unit);
    for field in FIGURES {
        let (source, indicator) = match field {
            "packages_funded" => ("all", "packages"),
            "children_supported" => ("all", "children"),
            money => (money.trim_start_matches("money_"), "money"),
        };
        out.insert(field, facts.measure(&area, "all", source, indicator));
    }
    Ok(out)
}
