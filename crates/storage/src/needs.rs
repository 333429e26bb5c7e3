//! Need lines and their coverage axes, computed from flows.

use chrono::{DateTime, NaiveDate, Utc};
use domain::authz::Visibility;
use domain::needs::{Coverage, NeedStatus};
use serde_json::json;

use crate::audit::{AuditActor, AuditConn, AuditRecord};
use crate::{Db, StorageError, db_run, db_tx};

/// A need line as entered.
#[derive(Debug, Clone)]
pub struct NewNeedLine {
    pub site_id: String,
    pub period_id: String,
    pub package_id: String,
    pub quantity: i64,
    pub note: String,
    pub is_demo: bool,
}

/// Why a need line cannot be stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NeedInputError {
    UnknownSite,
    NotASite,
    UnknownPeriod,
    UnknownPackage,
    BadQuantity,
    Overflow,
    /// A preschool site given a primary package, or the other way round.
    AgeBandMismatch,
}

impl NeedInputError {
    pub fn message_key(self) -> &'static str {
        match self {
            NeedInputError::UnknownSite | NeedInputError::NotASite => "need-error-site",
            NeedInputError::UnknownPeriod => "need-error-period",
            NeedInputError::UnknownPackage => "need-error-package",
            NeedInputError::BadQuantity => "need-error-quantity",
            NeedInputError::Overflow => "error-overflow",
            NeedInputError::AgeBandMismatch => "need-error-age-band",
        }
    }

    pub fn field(self) -> &'static str {
        match self {
            NeedInputError::UnknownSite | NeedInputError::NotASite => "site_id",
            NeedInputError::UnknownPeriod => "period_id",
            NeedInputError::UnknownPackage | NeedInputError::AgeBandMismatch => "package_id",
            NeedInputError::BadQuantity | NeedInputError::Overflow => "quantity",
        }
    }
}

/// A stored need line with its names and coverage.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NeedRow {
    pub id: String,
    pub site_id: String,
    pub site_name: String,
    pub unit_code: String,
    pub category: String,
    pub period_id: String,
    pub period_name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub package_id: String,
    pub package_code: String,
    pub package_version: i64,
    pub age_band: String,
    pub quantity: i64,
    pub unit_value: i64,
    pub amount: i64,
    pub status: String,
    pub status_reason: Option<String>,
    pub note: String,
    pub is_demo: bool,
    pub pledged: i64,
    pub committed: i64,
    /// Filled from receipts after the query (see `receipts::received_by_line`).
    #[sqlx(skip)]
    pub received: i64,
    /// Filled from deliveries after the query (see `deliveries::axes_by_line`):
    /// handed over and not rejected.
    #[sqlx(skip)]
    pub delivered: i64,
    /// Accepted by the receiving site, less what non-conformities keep out.
    #[sqlx(skip)]
    pub accepted: i64,
    /// Children served by the deliveries, at most the line's count.
    #[sqlx(skip)]
    pub children_served: i64,
    /// `children_served` counts the unique children on rosters.
    #[sqlx(skip)]
    pub children_from_roster: bool,
}

impl NeedRow {
    pub fn coverage(&self) -> Coverage {
        Coverage {
            need: self.amount,
            pledged: self.pledged,
            committed: self.committed,
            allocated: self.committed,
            received: self.received,
            delivered: self.delivered,
            accepted: self.accepted,
        }
    }

    fn fill_delivery_axes(&mut self, axes: crate::deliveries::LineAxes) {
        self.delivered = axes.delivered;
        self.accepted = axes.accepted;
        // The same children are not counted twice on one line.
        self.children_served = axes.children_served.min(self.quantity);
        self.children_from_roster = axes.from_roster;
    }

    /// The children-served axis as published: a count of children on
    /// rosters from 1 to 4 is withheld (`None`, shown `<5`), as
    /// `domain::disclosure` withholds every small published count of
    /// children.
    pub fn children_served_public(&self) -> Option<i64> {
        let threshold = i64::try_from(domain::disclosure::THRESHOLD).unwrap_or(i64::MAX);
        let small = self.children_from_roster && (1..threshold).contains(&self.children_served);
        (!small).then_some(self.children_served)
    }
}

const NEED_SELECT: &str = "SELECT n.id, n.site_id, s.name AS site_name, n.unit_code, n.category, n.period_id, \
    p.name AS period_name, p.starts_on, p.ends_on, n.package_id, k.code AS package_code, \
    k.version AS package_version, k.age_band, n.quantity, n.unit_value, n.amount, n.status, n.status_reason, \
    n.note, n.is_demo, \
    CAST(COALESCE((SELECT SUM(a.amount) FROM live_allocations a WHERE a.need_line_id = n.id), 0) \
      + COALESCE((SELECT SUM(g.amount) FROM pledges g WHERE g.need_line_id = n.id AND g.status = 'pledged' AND g.origin <> 'public'), 0) \
      AS BIGINT) AS pledged, \
    CAST(COALESCE((SELECT SUM(a.amount) FROM live_allocations a WHERE a.need_line_id = n.id), 0) AS BIGINT) AS committed \
    FROM need_lines n JOIN organisations s ON s.id = n.site_id JOIN periods p ON p.id = n.period_id \
    JOIN packages k ON k.id = n.package_id";

/// A need line checked against the catalogue, ready to insert.
struct Resolved {
    unit_code: String,
    category: &'static str,
    unit_value: i64,
    amount: i64,
    note: String,
}

async fn resolve(
    db: &Db,
    input: &NewNeedLine,
) -> Result<Result<Resolved, NeedInputError>, StorageError> {
    if input.quantity <= 0 {
        return Ok(Err(NeedInputError::BadQuantity));
    }
    let Some(site) = crate::organisations::get(db, &input.site_id).await? else {
        return Ok(Err(NeedInputError::UnknownSite));
    };
    let is_site = site
        .org_type
        .parse::<domain::organisation::OrgType>()
        .is_ok_and(|t| t.is_site());
    let Some(unit_code) = site.unit_code.clone().filter(|_| is_site) else {
        return Ok(Err(NeedInputError::NotASite));
    };
    if crate::catalogue::period(db, &input.period_id)
        .await?
        .is_none()
    {
        return Ok(Err(NeedInputError::UnknownPeriod));
    }
    let Some(package) = crate::catalogue::package(db, &input.package_id).await? else {
        return Ok(Err(NeedInputError::UnknownPackage));
    };
    let site_band = domain::needs::category::site_band(&site.org_type, &site.name);
    if !domain::needs::category::band_fits(site_band, package.version.age_band) {
        return Ok(Err(NeedInputError::AgeBandMismatch));
    }
    let Some(amount) = input.quantity.checked_mul(package.unit_value) else {
        return Ok(Err(NeedInputError::Overflow));
    };
    Ok(Ok(Resolved {
        unit_code,
        category: package.version.category.as_str(),
        unit_value: package.unit_value,
        amount,
        note: domain::text::clean(&input.note),
    }))
}

/// Creates a need line (status `assessed`), audited. The caller has checked
/// that the site lies in the actor's scope.
pub async fn create(
    db: &Db,
    input: &NewNeedLine,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<Result<String, NeedInputError>, StorageError> {
    Ok(create_many(db, std::slice::from_ref(input), actor, now)
        .await?
        .map(|mut ids| ids.pop().unwrap_or_default())
        .map_err(|mut errs| errs.pop().map_or(NeedInputError::BadQuantity, |(_, e)| e)))
}

/// Creates many need lines in one transaction: all or none. On bad input,
/// every problem is returned with the index of its line and nothing is
/// written.
pub async fn create_many(
    db: &Db,
    inputs: &[NewNeedLine],
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<Result<Vec<String>, Vec<(usize, NeedInputError)>>, StorageError> {
    let mut resolved = Vec::with_capacity(inputs.len());
    let mut problems = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        match resolve(db, input).await? {
            Ok(r) => resolved.push(r),
            Err(e) => problems.push((i, e)),
        }
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    let ids: Vec<String> = inputs.iter().map(|_| crate::new_id()).collect();
    db_tx!(db, |tx| {
        for ((id, input), r) in ids.iter().zip(inputs).zip(&resolved) {
            sqlx::query(
                "INSERT INTO need_lines (id, province, site_id, unit_code, category, period_id, package_id, \
                 quantity, unit_value, amount, status, note, assessed_by, is_demo, created_at, updated_at) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$15)",
            )
            .bind(id)
            .bind(crate::admin_units::PROVINCE)
            .bind(&input.site_id)
            .bind(&r.unit_code)
            .bind(r.category)
            .bind(&input.period_id)
            .bind(&input.package_id)
            .bind(input.quantity)
            .bind(r.unit_value)
            .bind(r.amount)
            .bind(NeedStatus::Assessed.as_str())
            .bind(&r.note)
            .bind(&actor.name)
            .bind(input.is_demo)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let rec = AuditRecord {
                actor: actor.clone(),
                at: now,
                action: "create",
                entity: "need_line",
                entity_id: id.clone(),
                before: None,
                after: Some(
                    json!({"site_id": input.site_id, "period_id": input.period_id,
                    "package_id": input.package_id, "quantity": input.quantity,
                    "unit_value": r.unit_value, "amount": r.amount, "note": r.note}),
                ),
            };
            (*tx).append(&rec).await?;
        }
    });
    Ok(Ok(ids))
}

/// Filters for the list of need lines.
#[derive(Debug, Clone, Default)]
pub struct NeedFilter {
    pub status: Option<String>,
    pub category: Option<String>,
    pub period_id: Option<String>,
    pub unit_code: Option<String>,
    /// Only lines the public may see (published).
    pub public_only: bool,
}

/// Need lines the viewer may see, largest gap first.
pub async fn list(
    db: &Db,
    visibility: &Visibility,
    f: &NeedFilter,
) -> Result<Vec<NeedRow>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, NeedRow>(sqlx::AssertSqlSafe(format!(
            "{NEED_SELECT} WHERE ($1 IS NULL OR n.status = $1) AND ($2 IS NULL OR n.category = $2) \
             AND ($3 IS NULL OR n.period_id = $3) AND ($4 IS NULL OR n.unit_code = $4)"
        )))
        .bind(&f.status)
        .bind(&f.category)
        .bind(&f.period_id)
        .bind(&f.unit_code)
        .fetch_all(pool)
        .await?
    });
    let mut rows: Vec<NeedRow> = rows
        .into_iter()
        .filter(|r| {
            if f.public_only || matches!(visibility, Visibility::PublicOnly) {
                r.status == NeedStatus::Published.as_str()
            } else {
                visibility.allows_unit(&r.unit_code)
            }
        })
        .collect();
    let received = crate::receipts::received_by_line(db).await?;
    let delivered = crate::deliveries::axes_by_line(db).await?;
    for r in &mut rows {
        r.received = received.get(&r.id).copied().unwrap_or(0);
        r.fill_delivery_axes(delivered.get(&r.id).copied().unwrap_or_default());
    }
    rows.sort_by(|a, b| {
        b.coverage()
            .gap()
            .cmp(&a.coverage().gap())
            .then(a.id.cmp(&b.id))
    });
    Ok(rows)
}

pub async fn get(db: &Db, id: &str) -> Result<Option<NeedRow>, StorageError> {
    let mut row = db_run!(db, |pool| {
        sqlx::query_as::<_, NeedRow>(sqlx::AssertSqlSafe(format!(
            "{NEED_SELECT} WHERE n.id = $1"
        )))
        .bind(id)
        .fetch_optional(pool)
        .await?
    });
    if let Some(r) = &mut row {
        r.received = crate::receipts::received_by_line(db)
            .await?
            .get(id)
            .copied()
            .unwrap_or(0);
        r.fill_delivery_axes(
            crate::deliveries::axes_by_line(db)
                .await?
                .get(id)
                .copied()
                .unwrap_or_default(),
        );
    }
    Ok(row)
}

/// Moves a line from `from` to `to` (checked by the domain beforehand),
/// audited. `Ok(false)` when the line was no longer in `from` (someone else
/// changed it first): nothing is written.
pub async fn set_status(
    db: &Db,
    id: &str,
    from: NeedStatus,
    to: NeedStatus,
    reason: Option<&str>,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    let changed = db_tx!(db, |tx| {
        let n = sqlx::query(
            "UPDATE need_lines SET status = $1, status_reason = $2, updated_at = $3, \
             verified_by = CASE WHEN $1 = 'verified' THEN $4 ELSE verified_by END, \
             published_by = CASE WHEN $1 = 'published' THEN $4 ELSE published_by END \
             WHERE id = $5 AND status = $6",
        )
        .bind(to.as_str())
        .bind(reason)
        .bind(now)
        .bind(&actor.name)
        .bind(id)
        .bind(from.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 1 {
            let rec = AuditRecord {
                actor: actor.clone(),
                at: now,
                action: "status",
                entity: "need_line",
                entity_id: id.to_owned(),
                before: Some(json!({"status": from.as_str()})),
                after: Some(json!({"status": to.as_str(), "reason": reason})),
            };
            (*tx).append(&rec).await?;
        }
        n == 1
    });
    Ok(changed)
}

/// One allocation covering a line, with its donor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowRow {
    /// The allocation.
    pub id: String,
    pub donor_name: String,
    /// The donor's name if they consented to publish it and are not
    /// anonymous.
    pub public_name: Option<String>,
    pub amount: i64,
    pub override_reason: Option<String>,
}

/// What covers a line, oldest first (reversed allocations cover nothing).
pub async fn flows(db: &Db, line_id: &str) -> Result<Vec<FlowRow>, StorageError> {
    let rows: Vec<(String, String, bool, bool, i64, Option<String>)> = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT a.id, d.name, d.publish_name, d.anonymous, a.amount, a.override_reason FROM live_allocations a \
             JOIN pledges g ON g.id = a.pledge_id JOIN donors d ON d.id = g.donor_id \
             WHERE a.need_line_id = $1 ORDER BY a.created_at",
        )
        .bind(line_id)
        .fetch_all(pool)
        .await?
    });
    Ok(rows
        .into_iter()
        .map(
            |(id, name, publish, anonymous, amount, override_reason)| FlowRow {
                id,
                public_name: (publish && !anonymous).then(|| name.clone()),
                donor_name: name,
                amount,
                override_reason,
            },
        )
        .collect())
}
