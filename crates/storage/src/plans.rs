//! Yearly mobilisation plans (R7) at every level — the city, a former
//! district, a commune, a department, a mass organisation — with targets
//! per category, kind of source and indicator, stored as rows (data, not
//! constants), and their live progress computed from what the system holds.
//!
//! What "actual" means, per indicator (the same measures fill the system's
//! column of a unit's yearly report, see [`Facts`]):
//! - **money** (đồng): committed money allocated to need lines — FTS's rule
//!   that a pledge counts once it is a commitment, and only once, on the
//!   line it was assigned to;
//! - **packages**: packages those allocations pay for in full, line by line
//!   (`allocated ÷ package value`, rounded down, at most the line's count);
//! - **children**: children served by deliveries handed over and not
//!   rejected, at most the line's count (lượt — unique children need the
//!   registry).
//!
//! A need line belongs to a plan when its period starts within the plan's
//! dates, its site lies in the plan's area (the unit, its units below, and
//! the units that became them — records keep the codes of their time), and
//! it is not cancelled. A kind of source is the donor's origin (domestic /
//! foreign) or type (business, fund, mass organisation, individual).
//! Some actuals are not the system's to know, and are `None` (shown as "—",
//! never as 0): the state budget for management (R13) is kept apart from
//! donations and is not recorded here; children served cannot be split by
//! the donor of each package; and a department's or mass organisation's
//! plan covers what it mobilises itself, which the system cannot attribute
//! (its yearly report gives it).

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use domain::admin_units::{AdminMap, UnitId};
use domain::authz::Visibility;
use domain::needs::Category;
use serde_json::json;

use crate::audit::{AuditActor, AuditConn, AuditRecord};
use crate::{Db, StorageError, db_run, db_tx};

/// Levels a plan can be made at.
pub const LEVELS: [&str; 5] = [
    "city",
    "district",
    "commune",
    "department",
    "mass_organisation",
];

/// Kinds of source a target can be set for (`all` = every source).
pub const SOURCES: [&str; 8] = [
    "all",
    "domestic",
    "foreign",
    "business",
    "fund",
    "mass_organisation",
    "individual",
    "state_budget",
];

/// What a target counts.
pub const INDICATORS: [&str; 3] = ["money", "children", "packages"];

/// Categories a target can be set for: `all` and every need category.
pub fn categories() -> Vec<&'static str> {
    std::iter::once("all")
        .chain(Category::ALL.iter().map(|c| c.as_str()))
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Plan {
    pub id: String,
    pub name: String,
    pub level: String,
    pub unit_code: String,
    pub org_id: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub note: String,
    pub created_by: String,
    pub is_demo: bool,
}

impl Plan {
    /// Whether the plan is an organisation's (department, mass organisation).
    pub fn is_organisation(&self) -> bool {
        matches!(self.level.as_str(), "department" | "mass_organisation")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Target {
    pub id: String,
    pub plan_id: String,
    pub category: String,
    pub source: String,
    pub indicator: String,
    pub target: i64,
}

/// A plan as entered.
#[derive(Debug, Clone)]
pub struct NewPlan {
    pub name: String,
    pub level: String,
    pub unit_code: String,
    pub org_id: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub note: String,
    pub is_demo: bool,
}

/// Why a plan or a target is refused; each names its field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanRefusal {
    EmptyName,
    BadLevel,
    /// The end is not after the start.
    BadDates,
    UnknownUnit,
    /// A department's or mass organisation's plan needs that organisation.
    UnknownOrganisation,
    BadCategory,
    BadSource,
    BadIndicator,
    /// The target as typed: negative, not a number, too large (field named).
    Figure(domain::reporting::ReportingError),
    UnknownPlan,
}

impl PlanRefusal {
    pub fn message_key(&self) -> &'static str {
        match self {
            PlanRefusal::EmptyName => "plan-error-name",
            PlanRefusal::BadLevel => "plan-error-level",
            PlanRefusal::BadDates => "plan-error-dates",
            PlanRefusal::UnknownUnit => "plan-error-unit",
            PlanRefusal::UnknownOrganisation => "plan-error-org",
            PlanRefusal::BadCategory | PlanRefusal::BadSource | PlanRefusal::BadIndicator => {
                "plan-error-target-kind"
            }
            PlanRefusal::Figure(e) => e.message_key(),
            PlanRefusal::UnknownPlan => "plan-error-unknown",
        }
    }

    pub fn field(&self) -> &'static str {
        match self {
            PlanRefusal::EmptyName => "name",
            PlanRefusal::BadLevel => "level",
            PlanRefusal::BadDates => "ends_on",
            PlanRefusal::UnknownUnit => "unit_code",
            PlanRefusal::UnknownOrganisation => "org_id",
            PlanRefusal::BadCategory => "category",
            PlanRefusal::BadSource => "source",
            PlanRefusal::BadIndicator => "indicator",
            PlanRefusal::Figure(_) => "target",
            PlanRefusal::UnknownPlan => "plan",
        }
    }
}

const PLAN_COLUMNS: &str = "SELECT id, name, level, unit_code, org_id, starts_on, ends_on, note, created_by, \
    is_demo FROM plans";

/// Creates a plan, audited. The caller has checked the actor may edit data
/// of `unit_code`.
pub async fn create(
    db: &Db,
    p: &NewPlan,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<Result<String, PlanRefusal>, StorageError> {
    let name = domain::text::clean(&p.name);
    if name.is_empty() {
        return Ok(Err(PlanRefusal::EmptyName));
    }
    if !LEVELS.contains(&p.level.as_str()) {
        return Ok(Err(PlanRefusal::BadLevel));
    }
    if p.ends_on <= p.starts_on {
        return Ok(Err(PlanRefusal::BadDates));
    }
    if crate::admin_units::versions_of(db, &p.unit_code)
        .await?
        .is_empty()
    {
        return Ok(Err(PlanRefusal::UnknownUnit));
    }
    let org_id = p.org_id.clone().filter(|o| !o.trim().is_empty());
    let needs_org = matches!(p.level.as_str(), "department" | "mass_organisation");
    match &org_id {
        Some(o) if crate::organisations::get(db, o).await?.is_none() => {
            return Ok(Err(PlanRefusal::UnknownOrganisation));
        }
        None if needs_org => return Ok(Err(PlanRefusal::UnknownOrganisation)),
        _ => {}
    }
    let id = crate::new_id();
    let note = domain::text::clean(&p.note);
    db_tx!(db, |tx| {
        sqlx::query(
            "INSERT INTO plans (id, province, name, level, unit_code, org_id, starts_on, ends_on, note, \
             created_by, is_demo, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$12)",
        )
        .bind(&id)
        .bind(crate::admin_units::PROVINCE)
        .bind(&name)
        .bind(&p.level)
        .bind(&p.unit_code)
        .bind(&org_id)
        .bind(p.starts_on)
        .bind(p.ends_on)
        .bind(&note)
        .bind(&actor.name)
        .bind(p.is_demo)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let rec = AuditRecord {
            actor: actor.clone(),
            at: now,
            action: "create",
            entity: "plan",
            entity_id: id.clone(),
            before: None,
            after: Some(
                json!({"name": name, "level": p.level, "unit_code": p.unit_code,
                "org_id": org_id, "starts_on": p.starts_on.to_string(), "ends_on": p.ends_on.to_string()}),
            ),
        };
        (*tx).append(&rec).await?;
    });
    Ok(Ok(id))
}

/// Plans whose area the viewer may see, newest first.
pub async fn list(db: &Db, visibility: &Visibility) -> Result<Vec<Plan>, StorageError> {
    let rows: Vec<Plan> = db_run!(db, |pool| {
        sqlx::query_as::<_, Plan>(sqlx::AssertSqlSafe(format!(
            "{PLAN_COLUMNS} ORDER BY starts_on DESC, name"
        )))
        .fetch_all(pool)
        .await?
    });
    Ok(rows
        .into_iter()
        .filter(|p| visibility.allows_unit(&p.unit_code))
        .collect())
}

pub async fn get(db: &Db, id: &str) -> Result<Option<Plan>, StorageError> {
    let row = db_run!(db, |pool| {
        sqlx::query_as::<_, Plan>(sqlx::AssertSqlSafe(format!("{PLAN_COLUMNS} WHERE id = $1")))
            .bind(id)
            .fetch_optional(pool)
            .await?
    });
    Ok(row)
}

pub async fn targets(db: &Db, plan_id: &str) -> Result<Vec<Target>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, Target>(
            "SELECT id, plan_id, category, source, indicator, target FROM plan_targets \
             WHERE plan_id = $1 ORDER BY indicator, category, source",
        )
        .bind(plan_id)
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

/// Sets a target (creates it, or changes the one with the same category,
/// source and indicator), audited with its value before and after. The
/// target is read as typed (`1.234.567` or `1234567`); negative or not a
/// number is refused naming the field.
#[allow(clippy::too_many_arguments)] // one argument per column of the target
pub async fn set_target(
    db: &Db,
    plan_id: &str,
    category: &str,
    source: &str,
    indicator: &str,
    typed: &str,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<Result<i64, PlanRefusal>, StorageError> {
    if get(db, plan_id).await?.is_none() {
        return Ok(Err(PlanRefusal::UnknownPlan));
    }
    if !categories().contains(&category) {
        return Ok(Err(PlanRefusal::BadCategory));
    }
    if !SOURCES.contains(&source) {
        return Ok(Err(PlanRefusal::BadSource));
    }
    if !INDICATORS.contains(&indicator) {
        return Ok(Err(PlanRefusal::BadIndicator));
    }
    let value = match domain::reporting::parse_figure("target", typed) {
        Ok(Some(v)) => v,
        Ok(None) => {
            return Ok(Err(PlanRefusal::Figure(
                domain::reporting::ReportingError::NotANumber {
                    field: "target".into(),
                    value: String::new(),
                },
            )));
        }
        Err(e) => return Ok(Err(PlanRefusal::Figure(e))),
    };
    db_tx!(db, |tx| {
        let before: Option<(String, i64)> = sqlx::query_as(
            "SELECT id, target FROM plan_targets WHERE plan_id = $1 AND category = $2 AND source = $3 \
             AND indicator = $4",
        )
        .bind(plan_id)
        .bind(category)
        .bind(source)
        .bind(indicator)
        .fetch_optional(&mut *tx)
        .await?;
        let id = match &before {
            Some((id, _)) => {
                sqlx::query(
                    "UPDATE plan_targets SET target = $1, updated_by = $2, updated_at = $3 WHERE id = $4",
                )
                .bind(value)
                .bind(&actor.name)
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                id.clone()
            }
            None => {
                let id = crate::new_id();
                sqlx::query(
                    "INSERT INTO plan_targets (id, plan_id, category, source, indicator, target, updated_by, \
                     updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
                )
                .bind(&id)
                .bind(plan_id)
                .bind(category)
                .bind(source)
                .bind(indicator)
                .bind(value)
                .bind(&actor.name)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                id
            }
        };
        sqlx::query("UPDATE plans SET updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(plan_id)
            .execute(&mut *tx)
            .await?;
        let what = json!({"plan_id": plan_id, "category": category, "source": source,
            "indicator": indicator});
        let rec = AuditRecord {
            actor: actor.clone(),
            at: now,
            action: "set_target",
            entity: "plan_target",
            entity_id: id,
            before: before.map(|(_, t)| json!({"what": what, "target": t})),
            after: Some(json!({"what": what, "target": value})),
        };
        (*tx).append(&rec).await?;
    });
    Ok(Ok(value))
}

/// Removes a target of a plan, audited. `false` when there was none.
pub async fn delete_target(
    db: &Db,
    plan_id: &str,
    target_id: &str,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    let done = db_tx!(db, |tx| {
        let before: Option<Target> = sqlx::query_as(
            "SELECT id, plan_id, category, source, indicator, target FROM plan_targets \
             WHERE id = $1 AND plan_id = $2",
        )
        .bind(target_id)
        .bind(plan_id)
        .fetch_optional(&mut *tx)
        .await?;
        match before {
            None => false,
            Some(t) => {
                sqlx::query("DELETE FROM plan_targets WHERE id = $1")
                    .bind(target_id)
                    .execute(&mut *tx)
                    .await?;
                let rec = AuditRecord {
                    actor: actor.clone(),
                    at: now,
                    action: "delete",
                    entity: "plan_target",
                    entity_id: t.id.clone(),
                    before: Some(json!({"plan_id": t.plan_id, "category": t.category,
                        "source": t.source, "indicator": t.indicator, "target": t.target})),
                    after: None,
                };
                (*tx).append(&rec).await?;
                true
            }
        }
    });
    Ok(done)
}

// ------------------------------------------------------------------ facts

/// One need line's allocations from one kind of donor (or none).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LineFact {
    pub line_id: String,
    pub category: String,
    pub unit_code: String,
    pub quantity: i64,
    pub unit_value: i64,
    pub amount: i64,
    /// `None` for a line without allocations.
    pub origin: Option<String>,
    pub donor_type: Option<String>,
    pub allocated: i64,
}

/// What the system holds about the need lines of a span of time: their
/// allocations by kind of donor and the children their deliveries served.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub lines: Vec<LineFact>,
    /// Children served per line (deliveries handed over, not rejected).
    pub children: HashMap<String, i64>,
}

/// An area: every need line, or those whose site's unit code is in the set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Area {
    All,
    Codes(BTreeSet<String>),
}

impl Area {
    pub fn covers(&self, code: &str) -> bool {
        match self {
            Area::All => true,
            Area::Codes(c) => c.contains(code),
        }
    }
}

/// The area of an administrative unit version: its code, the codes of the
/// units below it while it existed, and the codes of the units that became
/// any of those (need lines keep the codes of their time). The province is
/// [`Area::All`].
pub fn area_of(map: &AdminMap, unit: &UnitId) -> Area {
    let Some(u) = map.get(unit) else {
        return Area::Codes(BTreeSet::from([unit.code().to_owned()]));
    };
    if u.parent_code.is_none() {
        return Area::All;
    }
    let mut codes = BTreeSet::new();
    let mut ids: Vec<&domain::admin_units::AdminUnit> = vec![u];
    let mut seen: BTreeSet<UnitId> = BTreeSet::new();
    while let Some(v) = ids.pop() {
        if !seen.insert(v.id.clone()) {
            continue;
        }
        codes.insert(v.code.clone());
        // units below it that overlapped its life
        for child in map.units.iter().filter(|c| {
            c.parent_code.as_deref() == Some(v.code.as_str())
                && overlaps(c.valid_from, c.valid_to, v.valid_from, v.valid_to)
        }) {
            ids.push(child);
        }
        ids.extend(map.predecessors(&v.id));
    }
    Area::Codes(codes)
}

fn overlaps(
    a_from: Option<NaiveDate>,
    a_to: Option<NaiveDate>,
    b_from: Option<NaiveDate>,
    b_to: Option<NaiveDate>,
) -> bool {
    let starts_before_b_ends = match (a_from, b_to) {
        (Some(f), Some(t)) => f < t,
        _ => true,
    };
    let ends_after_b_starts = match (a_to, b_from) {
        (Some(t), Some(f)) => t > f,
        _ => true,
    };
    starts_before_b_ends && ends_after_b_starts
}

/// The facts of the need lines whose period starts in `[from, to)`.
pub async fn facts(db: &Db, from: NaiveDate, to: NaiveDate) -> Result<Facts, StorageError> {
    let lines: Vec<LineFact> = db_run!(db, |pool| {
        sqlx::query_as::<_, LineFact>(
            "SELECT n.id AS line_id, n.category, n.unit_code, n.quantity, n.unit_value, n.amount, \
             d.origin, d.donor_type, CAST(COALESCE(SUM(a.amount), 0) AS BIGINT) AS allocated \
             FROM need_lines n JOIN periods p ON p.id = n.period_id \
             LEFT JOIN live_allocations a ON a.need_line_id = n.id \
             LEFT JOIN pledges g ON g.id = a.pledge_id \
             LEFT JOIN donors d ON d.id = g.donor_id \
             WHERE p.starts_on >= $1 AND p.starts_on < $2 AND n.status <> 'cancelled' \
             GROUP BY n.id, n.category, n.unit_code, n.quantity, n.unit_value, n.amount, d.origin, d.donor_type \
             ORDER BY n.id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(pool)
        .await?
    });
    let wanted: BTreeSet<&str> = lines.iter().map(|l| l.line_id.as_str()).collect();
    let children = crate::deliveries::axes_by_line(db)
        .await?
        .into_iter()
        .filter(|(id, _)| wanted.contains(id.as_str()))
        .map(|(id, axes)| (id, axes.children_served))
        .collect();
    Ok(Facts { lines, children })
}

impl Facts {
    fn source_matches(f: &LineFact, source: &str) -> bool {
        match source {
            "all" => true,
            "domestic" | "foreign" => f.origin.as_deref() == Some(source),
            other => f.donor_type.as_deref() == Some(other),
        }
    }

    /// The actual of one target over an area, or `None` when the system
    /// cannot know it (see the module's documentation).
    pub fn measure(
        &self,
        area: &Area,
        category: &str,
        source: &str,
        indicator: &str,
    ) -> Option<i64> {
        if source == "state_budget" {
            return None;
        }
        let in_scope = |f: &&LineFact| {
            area.covers(&f.unit_code) && (category == "all" || f.category == category)
        };
        match indicator {
            "money" => Some(
                self.lines
                    .iter()
                    .filter(in_scope)
                    .filter(|f| Self::source_matches(f, source))
                    .fold(0i64, |acc, f| acc.saturating_add(f.allocated)),
            ),
            "packages" => {
                let mut by_line: HashMap<&str, (i64, i64, i64)> = HashMap::new();
                for f in self
                    .lines
                    .iter()
                    .filter(in_scope)
                    .filter(|f| Self::source_matches(f, source))
                {
                    let e = by_line
                        .entry(&f.line_id)
                        .or_insert((0, f.unit_value, f.quantity));
                    e.0 = e.0.saturating_add(f.allocated);
                }
                Some(by_line.values().fold(0i64, |acc, (allocated, value, qty)| {
                    let paid = if *value > 0 { allocated / value } else { 0 };
                    acc.saturating_add(paid.min(*qty).max(0))
                }))
            }
            "children" if source == "all" => {
                let mut seen: BTreeSet<&str> = BTreeSet::new();
                let mut total = 0i64;
                for f in self.lines.iter().filter(in_scope) {
                    if seen.insert(&f.line_id) {
                        let served = self.children.get(&f.line_id).copied().unwrap_or(0);
                        total = total.saturating_add(served.min(f.quantity).max(0));
                    }
                }
                Some(total)
            }
            _ => None,
        }
    }

    /// The need (đồng) of the lines in the area.
    pub fn need(&self, area: &Area) -> i64 {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        self.lines
            .iter()
            .filter(|f| area.covers(&f.unit_code) && seen.insert(&f.line_id))
            .fold(0i64, |acc, f| acc.saturating_add(f.amount))
    }
}

/// A target and what has been achieved against it (`None`: not the
/// system's to know).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub target: Target,
    pub actual: Option<i64>,
}

/// The plan's targets with their live actuals.
pub async fn progress(db: &Db, map: &AdminMap, plan: &Plan) -> Result<Vec<Progress>, StorageError> {
    let targets = targets(db, &plan.id).await?;
    if plan.is_organisation() {
        return Ok(targets
            .into_iter()
            .map(|target| Progress {
                target,
                actual: None,
            })
            .collect());
    }
    let facts = facts(db, plan.starts_on, plan.ends_on).await?;
    let area = plan_area(map, plan);
    Ok(targets
        .into_iter()
        .map(|target| Progress {
            actual: facts.measure(&area, &target.category, &target.source, &target.indicator),
            target,
        })
        .collect())
}

/// The area of a plan: its unit as it stood when the plan started (or the
/// latest version of that code).
pub fn plan_area(map: &AdminMap, plan: &Plan) -> Area {
    let unit = map
        .unit_on(&plan.unit_code, plan.starts_on)
        .or_else(|| map.versions_of(&plan.unit_code).last().copied());
    match unit {
        Some(u) => area_of(map, &u.id),
        None => Area::Codes(BTreeSet::from([plan.unit_code.clone()])),
    }
}
