//! Roll-ups of the coverage axes (by site, commune, category, period or
//! programme) and what is overdue, for the coordinator's pages.
//!
//! Every roll-up is built from the need lines as `needs::list` computes
//! them — the same per-line axes, never stored totals — and its gap is the
//! sum of each line's own gap, so a surplus at one line never hides a gap
//! at another.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use domain::admin_units::AdminMap;
use domain::authz::Visibility;
use domain::needs::Coverage;
use domain::needs::instalments::Instalment;

use crate::needs::{NeedFilter, NeedRow};
use crate::{Db, StorageError, db_run};

/// What a roll-up groups the need lines by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RollupBy {
    Site,
    Commune,
    Category,
    Period,
    /// A mobilisation plan (kế hoạch, đề án): the lines of its area whose
    /// period starts within its span. A line may fall under several plans
    /// (a commune's and the city's).
    Programme,
}

impl RollupBy {
    pub const ALL: [RollupBy; 5] = [
        RollupBy::Site,
        RollupBy::Commune,
        RollupBy::Category,
        RollupBy::Period,
        RollupBy::Programme,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RollupBy::Site => "site",
            RollupBy::Commune => "commune",
            RollupBy::Category => "category",
            RollupBy::Period => "period",
            RollupBy::Programme => "programme",
        }
    }

    pub fn parse(s: &str) -> Option<RollupBy> {
        RollupBy::ALL.into_iter().find(|b| b.as_str() == s)
    }
}

/// One group of a roll-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollupRow {
    /// The group's key: site id, commune code, category, period id or plan id.
    pub key: String,
    /// The group's name (a category's key for `Category`, translated by the
    /// page).
    pub label: String,
    pub lines: i64,
    /// Children (or units) of the lines.
    pub quantity: i64,
    /// Children served by the deliveries, each line capped at its count.
    pub children_served: i64,
    /// The axes summed line by line.
    pub coverage: Coverage,
    /// Σ of each line's own gap.
    pub gap: i64,
}

impl RollupRow {
    fn new(key: String, label: String) -> RollupRow {
        RollupRow {
            key,
            label,
            lines: 0,
            quantity: 0,
            children_served: 0,
            coverage: Coverage::default(),
            gap: 0,
        }
    }

    fn add(&mut self, n: &NeedRow) {
        let c = n.coverage();
        self.lines += 1;
        self.quantity = self.quantity.saturating_add(n.quantity);
        self.children_served = self.children_served.saturating_add(n.children_served);
        self.gap = self.gap.saturating_add(c.gap());
        self.coverage = self.coverage.plus(c);
    }
}

/// Sums need lines into one row (the total of a page).
pub fn total(rows: &[NeedRow]) -> RollupRow {
    let mut t = RollupRow::new(String::new(), String::new());
    for n in rows {
        t.add(n);
    }
    t
}

/// The name of a commune code: its latest version's name, else the code.
fn commune_name(map: &AdminMap, code: &str) -> String {
    map.versions_of(code)
        .last()
        .map_or_else(|| code.to_owned(), |u| u.name.clone())
}

/// Groups need lines (already scoped and computed by `needs::list`),
/// largest gap first. `plans` are the plans the viewer may see, used for
/// `Programme`.
pub fn group(
    rows: &[NeedRow],
    by: RollupBy,
    map: &AdminMap,
    plans: &[crate::plans::Plan],
) -> Vec<RollupRow> {
    let mut groups: BTreeMap<String, RollupRow> = BTreeMap::new();
    if by == RollupBy::Programme {
        for plan in plans {
            let area = crate::plans::plan_area(map, plan);
            let mut row = RollupRow::new(plan.id.clone(), plan.name.clone());
            for n in rows.iter().filter(|n| {
                area.covers(&n.unit_code)
                    && n.starts_on >= plan.starts_on
                    && n.starts_on < plan.ends_on
            }) {
                row.add(n);
            }
            if row.lines > 0 {
                groups.insert(plan.id.clone(), row);
            }
        }
    } else {
        for n in rows {
            let (key, label) = match by {
                RollupBy::Site => (n.site_id.clone(), n.site_name.clone()),
                RollupBy::Commune => (n.unit_code.clone(), commune_name(map, &n.unit_code)),
                RollupBy::Category => (n.category.clone(), n.category.clone()),
                RollupBy::Period | RollupBy::Programme => {
                    (n.period_id.clone(), n.period_name.clone())
                }
            };
            groups
                .entry(key.clone())
                .or_insert_with(|| RollupRow::new(key, label))
                .add(n);
        }
    }
    let mut out: Vec<RollupRow> = groups.into_values().collect();
    out.sort_by(|a, b| b.gap.cmp(&a.gap).then_with(|| a.key.cmp(&b.key)));
    out
}

/// A roll-up of the need lines the viewer may see.
pub async fn rollup(
    db: &Db,
    visibility: &Visibility,
    filter: &NeedFilter,
    by: RollupBy,
    map: &AdminMap,
) -> Result<Vec<RollupRow>, StorageError> {
    let rows = crate::needs::list(db, visibility, filter).await?;
    let plans = if by == RollupBy::Programme {
        crate::plans::list(db, visibility).await?
    } else {
        Vec::new()
    };
    Ok(group(&rows, by, map, &plans))
}

/// Something late, for the coordinator's dashboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overdue {
    /// A committed or recorded pledge (or one of its instalments) due
    /// before today and not yet received in full: what is missing.
    Pledge {
        pledge_id: String,
        donor_id: String,
        donor_name: String,
        due_on: NaiveDate,
        missing: i64,
    },
    /// A planned delivery whose date has passed without a handover.
    Delivery {
        delivery_id: String,
        need_line_id: String,
        site_name: String,
        planned_on: NaiveDate,
        value: i64,
    },
    /// A verified or published line whose period has started with nothing
    /// committed to it.
    Uncovered {
        need_line_id: String,
        site_name: String,
        category: String,
        starts_on: NaiveDate,
        gap: i64,
    },
}

impl Overdue {
    pub fn since(&self) -> NaiveDate {
        match self {
            Overdue::Pledge { due_on, .. } => *due_on,
            Overdue::Delivery { planned_on, .. } => *planned_on,
            Overdue::Uncovered { starts_on, .. } => *starts_on,
        }
    }
}

/// (pledge, donor, donor name, pledge amount, due on, received so far).
type PledgeDue = (String, String, String, i64, Option<NaiveDate>, i64);
/// (delivery, line, site name, unit code, planned on, value).
type PlannedRow = (String, String, String, String, NaiveDate, i64);

/// What is overdue on `today` within the viewer's area, oldest first.
/// Pledges are the province's (donors are not bound to a unit), shown to
/// those who see everything; a pledge with instalments is late from its
/// first instalment due and not covered by what was received.
pub async fn overdue(
    db: &Db,
    visibility: &Visibility,
    today: NaiveDate,
) -> Result<Vec<Overdue>, StorageError> {
    let lines = crate::needs::list(db, visibility, &NeedFilter::default()).await?;
    overdue_with_lines(db, visibility, today, &lines).await
}

/// [`overdue`] with the viewer's need lines already loaded (the dashboard
/// lists them for the largest gaps too, and they are the costly part).
pub async fn overdue_with_lines(
    db: &Db,
    visibility: &Visibility,
    today: NaiveDate,
    lines: &[crate::needs::NeedRow],
) -> Result<Vec<Overdue>, StorageError> {
    let mut out = Vec::new();
    if matches!(visibility, Visibility::All) {
        out.extend(overdue_pledges(db, None, today).await?);
    }
    let planned: Vec<PlannedRow> = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT d.id, d.need_line_id, s.name, d.unit_code, d.planned_on, d.value FROM deliveries d \
             JOIN organisations s ON s.id = d.site_id WHERE d.status = 'planned' AND d.planned_on < $1",
        )
        .bind(today)
        .fetch_all(pool)
        .await?
    });
    for (delivery_id, need_line_id, site_name, unit, planned_on, value) in planned {
        if visibility.allows_unit(&unit) {
            out.push(Overdue::Delivery {
                delivery_id,
                need_line_id,
                site_name,
                planned_on,
                value,
            });
        }
    }
    for n in lines {
        let started = n.starts_on <= today && today < n.ends_on;
        let open = n.status == "verified" || n.status == "published";
        if started && open && n.committed == 0 {
            out.push(Overdue::Uncovered {
                gap: n.coverage().gap(),
                need_line_id: n.id.clone(),
                site_name: n.site_name.clone(),
                category: n.category.clone(),
                starts_on: n.starts_on,
            });
        }
    }
    out.sort_by_key(Overdue::since);
    Ok(out)
}

/// Pledges (of one donor, or all) with money due before `today` and not
/// received: from their instalments if they have any, else their due date.
pub async fn overdue_pledges(
    db: &Db,
    donor_id: Option<&str>,
    today: NaiveDate,
) -> Result<Vec<Overdue>, StorageError> {
    let pledges: Vec<PledgeDue> = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT g.id, g.donor_id, d.name, g.amount, g.due_on, \
             CAST(COALESCE((SELECT SUM(r.amount) FROM live_receipts r WHERE r.pledge_id = g.id), 0) AS BIGINT) \
             FROM pledges g JOIN donors d ON d.id = g.donor_id \
             WHERE g.status IN ('pledged', 'committed') AND g.origin <> 'public' \
             AND ($1 IS NULL OR g.donor_id = $1)",
        )
        .bind(donor_id)
        .fetch_all(pool)
        .await?
    });
    let schedules = crate::instalments::all(db, donor_id).await?;
    let mut out = Vec::new();
    for (pledge_id, donor_id, donor_name, amount, due_on, received) in pledges {
        let schedule: Vec<Instalment> = match schedules.get(&pledge_id) {
            Some(s) => s.clone(),
            None => due_on
                .map(|due_on| Instalment { amount, due_on })
                .into_iter()
                .collect(),
        };
        if let Some((since, missing)) =
            domain::needs::instalments::overdue(&schedule, received, today)
        {
            out.push(Overdue::Pledge {
                pledge_id,
                donor_id,
                donor_name,
                due_on: since,
                missing,
            });
        }
    }
    out.sort_by_key(Overdue::since);
    Ok(out)
}
