//! Rows of the reporting tables and their translation to the domain's
//! types (`domain::reporting`), and the queries shared by readers and
//! writers, written once for both backends ([`ReportConn`]).

use chrono::{DateTime, NaiveDate, Utc};
use domain::reporting::{
    DeadlineException, Draft, ExceptionDecision, LockStamp, Obligation, ObligationKey, Report,
    ReportingUnit, Stamp, Status, TemplateId,
};
use sqlx::{PgConnection, SqliteConnection};

use crate::StorageError;

/// One obligation as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ObligationRow {
    pub id: String,
    pub template_id: String,
    pub year: i64,
    /// `admin` or `organisation`.
    pub unit_kind: String,
    /// The unit version's id (`483@origin`), or the organisation's id.
    pub unit_id: String,
    /// The administrative code the scope check uses.
    pub unit_code: String,
    /// `district`, `commune`, `department`, `mass_organisation`.
    pub unit_level: String,
    pub unit_name: String,
    pub due_on: NaiveDate,
    pub cutoff_on: NaiveDate,
    /// `open` or `moved`.
    pub state: String,
    pub inherited: bool,
    pub moved_on: Option<NaiveDate>,
    pub is_demo: bool,
}

pub(crate) const OBLIGATION_COLUMNS: &str = "SELECT id, template_id, year, unit_kind, unit_id, unit_code, \
    unit_level, unit_name, due_on, cutoff_on, state, inherited, moved_on, is_demo FROM report_obligations";

impl ObligationRow {
    pub fn is_moved(&self) -> bool {
        self.state == "moved"
    }

    /// The reporting unit, as the domain knows it.
    pub fn reporting_unit(&self) -> Result<ReportingUnit, StorageError> {
        match self.unit_kind.as_str() {
            "admin" => self
                .unit_id
                .parse()
                .map(ReportingUnit::Admin)
                .map_err(|e| StorageError::Corrupt(format!("obligation {}: {e}", self.id))),
            "organisation" => Ok(ReportingUnit::Organisation {
                id: self.unit_id.clone(),
                unit_code: self.unit_code.clone(),
            }),
            other => Err(StorageError::Corrupt(format!(
                "obligation {}: unit kind {other}",
                self.id
            ))),
        }
    }

    pub fn key(&self) -> Result<ObligationKey, StorageError> {
        Ok(ObligationKey {
            template: TemplateId::new(self.template_id.clone()),
            unit: self.reporting_unit()?,
            year: year_of(self.year)?,
        })
    }

    /// The obligation, as the domain knows it (its provenance is read
    /// from `obligation_moves` where needed, not here).
    pub fn obligation(&self) -> Result<Obligation, StorageError> {
        Ok(Obligation {
            key: self.key()?,
            due: self.due_on,
            cutoff: self.cutoff_on,
            moved_from: Vec::new(),
            inherited: self.inherited,
        })
    }
}

pub(crate) fn year_of(y: i64) -> Result<i32, StorageError> {
    i32::try_from(y).map_err(|_| StorageError::Corrupt(format!("year {y}")))
}

/// A report's status and stamps as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReportRow {
    pub obligation_id: String,
    pub status: String,
    pub return_reason: Option<String>,
    pub nil: bool,
    pub draft_version: i64,
    pub row_version: i64,
    pub submitted_by: Option<String>,
    pub submitted_on: Option<NaiveDate>,
    pub approved_by: Option<String>,
    pub approved_on: Option<NaiveDate>,
    pub returned_by: Option<String>,
    pub returned_on: Option<NaiveDate>,
    pub locked: bool,
    pub locked_by: Option<String>,
    pub locked_on: Option<NaiveDate>,
    pub unlocked_by: Option<String>,
    pub unlocked_on: Option<NaiveDate>,
}

pub(crate) const REPORT_COLUMNS: &str = "SELECT obligation_id, status, return_reason, nil, draft_version, \
    row_version, submitted_by, submitted_on, approved_by, approved_on, returned_by, returned_on, locked, \
    locked_by, locked_on, unlocked_by, unlocked_on FROM reports";

/// A draft field as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FieldRow {
    pub obligation_id: String,
    pub field: String,
    pub value: Option<String>,
    pub version: i64,
    pub changed_by: String,
}

/// A deadline exception as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ExceptionRow {
    pub obligation_id: String,
    pub position: i64,
    pub requested_by: String,
    pub requested_on: NaiveDate,
    pub justification: String,
    pub until_on: NaiveDate,
    pub decision: String,
    pub decided_by: Option<String>,
    pub decided_on: Option<NaiveDate>,
    pub refusal_reason: Option<String>,
}

pub(crate) const EXCEPTION_COLUMNS: &str = "SELECT obligation_id, position, requested_by, requested_on, \
    justification, until_on, decision, decided_by, decided_on, refusal_reason FROM report_exceptions";

/// One step of an obligation along the lineage, as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MoveRow {
    pub obligation_id: String,
    pub step: i64,
    pub from_unit: String,
    /// Unit ids, space-separated.
    pub to_units: String,
    pub effective_on: NaiveDate,
    /// `lineage` or `dissolved`.
    pub reason: String,
    pub change_kind: Option<String>,
    pub instrument: String,
}

impl MoveRow {
    pub fn targets(&self) -> Vec<&str> {
        self.to_units.split_whitespace().collect()
    }
}

pub(crate) const MOVE_COLUMNS: &str = "SELECT obligation_id, step, from_unit, to_units, effective_on, \
    reason, change_kind, instrument FROM obligation_moves";

fn stamp(by: &Option<String>, on: Option<NaiveDate>) -> Option<Stamp> {
    match (by, on) {
        (Some(by), Some(on)) => Some(Stamp { by: by.clone(), on }),
        _ => None,
    }
}

pub(crate) fn status_of(row: &ReportRow) -> Result<Status, StorageError> {
    Ok(match row.status.as_str() {
        "draft" => Status::Draft,
        "submitted" => Status::Submitted,
        "approved" => Status::Approved,
        "returned" => Status::Returned {
            reason: row.return_reason.clone().unwrap_or_default(),
        },
        "locked" => Status::Locked,
        other => {
            return Err(StorageError::Corrupt(format!(
                "report {}: status {other}",
                row.obligation_id
            )));
        }
    })
}

pub(crate) fn exception_of(row: &ExceptionRow) -> Result<DeadlineException, StorageError> {
    let decided = stamp(&row.decided_by, row.decided_on);
    let decision = match (row.decision.as_str(), decided) {
        ("pending", _) => ExceptionDecision::Pending,
        ("granted", Some(s)) => ExceptionDecision::Granted(s),
        ("refused", Some(s)) => ExceptionDecision::Refused {
            stamp: s,
            reason: row.refusal_reason.clone().unwrap_or_default(),
        },
        (other, _) => {
            return Err(StorageError::Corrupt(format!(
                "exception of {}: decision {other}",
                row.obligation_id
            )));
        }
    };
    Ok(DeadlineException {
        requested: Stamp {
            by: row.requested_by.clone(),
            on: row.requested_on,
        },
        justification: row.justification.clone(),
        until: row.until_on,
        decision,
    })
}

/// The domain's report of an obligation: a fresh draft when nothing is
/// stored yet.
pub(crate) fn report_of(
    o: &ObligationRow,
    row: Option<&ReportRow>,
    exceptions: &[ExceptionRow],
) -> Result<Report, StorageError> {
    let mut report = Report::new(o.obligation()?);
    let mut ex: Vec<&ExceptionRow> = exceptions.iter().collect();
    ex.sort_by_key(|e| e.position);
    report.exceptions = ex.into_iter().map(exception_of).collect::<Result<_, _>>()?;
    let Some(r) = row else {
        return Ok(report);
    };
    report.status = status_of(r)?;
    report.nil = r.nil;
    report.submitted = stamp(&r.submitted_by, r.submitted_on);
    report.approved = stamp(&r.approved_by, r.approved_on);
    report.returned = stamp(&r.returned_by, r.returned_on);
    report.locked = match (r.locked, r.locked_on) {
        (true, Some(on)) => Some(LockStamp {
            by: r.locked_by.clone(),
            on,
        }),
        _ => None,
    };
    report.unlocked = stamp(&r.unlocked_by, r.unlocked_on);
    Ok(report)
}

/// The domain's draft: its version and fields.
pub(crate) fn draft_of(row: Option<&ReportRow>, fields: &[FieldRow]) -> Draft {
    let mut d = Draft::new();
    d.version = row.map_or(0, |r| u64::try_from(r.draft_version).unwrap_or(0));
    for f in fields {
        if let Some(v) = &f.value {
            d.values.insert(f.field.clone(), v.clone());
        }
        d.changed.insert(
            f.field.clone(),
            domain::reporting::draft::FieldStamp {
                version: u64::try_from(f.version).unwrap_or(0),
                by: f.changed_by.clone(),
            },
        );
    }
    d
}

/// Everything about one obligation's report, read together.
#[derive(Debug, Clone)]
pub(crate) struct Loaded {
    pub obligation: ObligationRow,
    pub row: Option<ReportRow>,
    pub fields: Vec<FieldRow>,
    pub exceptions: Vec<ExceptionRow>,
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// An obligation to insert.
#[derive(Debug, Clone)]
pub(crate) struct NewObligation<'a> {
    pub obligation: &'a Obligation,
    pub name: &'a str,
    pub level: &'a str,
    pub due: NaiveDate,
    pub cutoff: NaiveDate,
    pub inherited: bool,
    pub is_demo: bool,
    pub now: DateTime<Utc>,
}

/// Reading and writing one report inside an open connection or
/// transaction of either backend.
pub(crate) trait ReportConn {
    /// Creates the report row if missing and takes its row lock (a no-op
    /// update: PostgreSQL locks the row until the transaction ends; SQLite's
    /// `BEGIN IMMEDIATE` already serialises writers).
    fn lock_report(
        &mut self,
        id: &str,
        now: DateTime<Utc>,
    ) -> impl std::future::Future<Output = Result<(), StorageError>> + Send;

    /// Inserts an obligation unless its key exists; `true` when inserted.
    fn insert_obligation(
        &mut self,
        o: &NewObligation<'_>,
    ) -> impl std::future::Future<Output = Result<bool, StorageError>> + Send;

    fn load(
        &mut self,
        id: &str,
    ) -> impl std::future::Future<Output = Result<Option<Loaded>, StorageError>> + Send;

    /// Writes the report's status, stamps and exceptions, and the draft's
    /// changed fields; raises the row version.
    fn store(
        &mut self,
        id: &str,
        report: &Report,
        draft: &Draft,
        changed: &[String],
        now: DateTime<Utc>,
    ) -> impl std::future::Future<Output = Result<(), StorageError>> + Send;
}

macro_rules! impl_report_conn {
    ($conn:ty) => {
        impl ReportConn for $conn {
            async fn lock_report(&mut self, id: &str, now: DateTime<Utc>) -> Result<(), StorageError> {
                sqlx::query(
                    "INSERT INTO reports (obligation_id, status, nil, draft_version, row_version, locked, \
                     created_at, updated_at) VALUES ($1, 'draft', FALSE, 0, 0, FALSE, $2, $2) \
                     ON CONFLICT (obligation_id) DO NOTHING",
                )
                .bind(id)
                .bind(now)
                .execute(&mut *self)
                .await?;
                sqlx::query("UPDATE reports SET row_version = row_version WHERE obligation_id = $1")
                    .bind(id)
                    .execute(&mut *self)
                    .await?;
                Ok(())
            }

            async fn insert_obligation(&mut self, n: &NewObligation<'_>) -> Result<bool, StorageError> {
                let o = n.obligation;
                let (kind, unit_id, code) = match &o.key.unit {
                    ReportingUnit::Admin(id) => ("admin", id.as_str().to_owned(), id.code().to_owned()),
                    ReportingUnit::Organisation { id, unit_code } => {
                        ("organisation", id.clone(), unit_code.clone())
                    }
                };
                let done = sqlx::query(
                    "INSERT INTO report_obligations (id, province, template_id, year, unit_kind, unit_id, \
                     unit_code, unit_level, unit_name, due_on, cutoff_on, state, inherited, moved_on, is_demo, \
                     created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,'open',$12,NULL,$13,$14) \
                     ON CONFLICT (template_id, unit_kind, unit_id, year) DO NOTHING",
                )
                .bind(crate::new_id())
                .bind(crate::admin_units::PROVINCE)
                .bind(o.key.template.as_str())
                .bind(i64::from(o.key.year))
                .bind(kind)
                .bind(unit_id)
                .bind(code)
                .bind(n.level)
                .bind(n.name)
                .bind(n.due)
                .bind(n.cutoff)
                .bind(n.inherited)
                .bind(n.is_demo)
                .bind(n.now)
                .execute(&mut *self)
                .await?
                .rows_affected();
                Ok(done > 0)
            }

            async fn load(&mut self, id: &str) -> Result<Option<Loaded>, StorageError> {
                let obligation: Option<ObligationRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "{OBLIGATION_COLUMNS} WHERE id = $1"
                )))
                .bind(id)
                .fetch_optional(&mut *self)
                .await?;
                let Some(obligation) = obligation else {
                    return Ok(None);
                };
                let row: Option<ReportRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "{REPORT_COLUMNS} WHERE obligation_id = $1"
                )))
                .bind(id)
                .fetch_optional(&mut *self)
                .await?;
                let fields: Vec<FieldRow> = sqlx::query_as(
                    "SELECT obligation_id, field, value, version, changed_by FROM report_fields \
                     WHERE obligation_id = $1 ORDER BY field",
                )
                .bind(id)
                .fetch_all(&mut *self)
                .await?;
                let exceptions: Vec<ExceptionRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "{EXCEPTION_COLUMNS} WHERE obligation_id = $1 ORDER BY position"
                )))
                .bind(id)
                .fetch_all(&mut *self)
                .await?;
                Ok(Some(Loaded {
                    obligation,
                    row,
                    fields,
                    exceptions,
                }))
            }

            async fn store(
                &mut self,
                id: &str,
                report: &Report,
                draft: &Draft,
                changed: &[String],
                now: DateTime<Utc>,
            ) -> Result<(), StorageError> {
                let reason = match &report.status {
                    Status::Returned { reason } => Some(reason.clone()),
                    _ => None,
                };
                let (locked_by, locked_on) = match &report.locked {
                    Some(l) => (l.by.clone(), Some(l.on)),
                    None => (None, None),
                };
                let by = |s: &Option<Stamp>| s.as_ref().map(|s| s.by.clone());
                let on = |s: &Option<Stamp>| s.as_ref().map(|s| s.on);
                sqlx::query(
                    "UPDATE reports SET status = $2, return_reason = $3, nil = $4, draft_version = $5, \
                     row_version = row_version + 1, submitted_by = $6, submitted_on = $7, approved_by = $8, \
                     approved_on = $9, returned_by = $10, returned_on = $11, locked = $12, locked_by = $13, \
                     locked_on = $14, unlocked_by = $15, unlocked_on = $16, updated_at = $17 \
                     WHERE obligation_id = $1",
                )
                .bind(id)
                .bind(report.status.as_str())
                .bind(&reason)
                .bind(report.nil)
                .bind(to_i64(draft.version))
                .bind(by(&report.submitted))
                .bind(on(&report.submitted))
                .bind(by(&report.approved))
                .bind(on(&report.approved))
                .bind(by(&report.returned))
                .bind(on(&report.returned))
                .bind(report.locked.is_some())
                .bind(&locked_by)
                .bind(locked_on)
                .bind(by(&report.unlocked))
                .bind(on(&report.unlocked))
                .bind(now)
                .execute(&mut *self)
                .await?;
                for field in changed {
                    let Some(stamp) = draft.changed.get(field) else {
                        continue;
                    };
                    sqlx::query(
                        "INSERT INTO report_fields (obligation_id, field, value, version, changed_by) \
                         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (obligation_id, field) DO UPDATE SET \
                         value = excluded.value, version = excluded.version, changed_by = excluded.changed_by",
                    )
                    .bind(id)
                    .bind(field)
                    .bind(draft.values.get(field))
                    .bind(to_i64(stamp.version))
                    .bind(&stamp.by)
                    .execute(&mut *self)
                    .await?;
                }
                for (i, e) in report.exceptions.iter().enumerate() {
                    let (decided_by, decided_on, refusal) = match &e.decision {
                        ExceptionDecision::Pending => (None, None, None),
                        ExceptionDecision::Granted(s) => (Some(s.by.clone()), Some(s.on), None),
                        ExceptionDecision::Refused { stamp, reason } => {
                            (Some(stamp.by.clone()), Some(stamp.on), Some(reason.clone()))
                        }
                    };
                    sqlx::query(
                        "INSERT INTO report_exceptions (id, obligation_id, position, requested_by, requested_on, \
                         justification, until_on, decision, decided_by, decided_on, refusal_reason) \
                         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) ON CONFLICT (obligation_id, position) \
                         DO UPDATE SET decision = excluded.decision, decided_by = excluded.decided_by, \
                         decided_on = excluded.decided_on, refusal_reason = excluded.refusal_reason",
                    )
                    .bind(crate::new_id())
                    .bind(id)
                    .bind(i64::try_from(i).unwrap_or(i64::MAX))
                    .bind(&e.requested.by)
                    .bind(e.requested.on)
                    .bind(&e.justification)
                    .bind(e.until)
                    .bind(e.decision.as_str())
                    .bind(&decided_by)
                    .bind(decided_on)
                    .bind(&refusal)
                    .execute(&mut *self)
                    .await?;
                }
                Ok(())
            }
        }
    };
}

impl_report_conn!(SqliteConnection);
impl_report_conn!(PgConnection);
