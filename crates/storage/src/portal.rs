//! Read queries of the public portal and the open data: what is needed and
//! still missing, what came in, where it went, what was delivered and how
//! many children the fully received needs serve. Aggregated in SQL; only
//! group rows (a few per commune and category) come back.
//!
//! **Visibility.** Everything here is public. A donor's name leaves the
//! database only when the donor consented to publication and is not
//! anonymous (`publish_name AND NOT anonymous`, decided in the SQL, so no
//! other name is ever read); no tax code, phone or e-mail is selected; no
//! staff user name is selected; nothing about a child exists here — only the
//! number of children a need line serves.
//!
//! **Received.** A pledge's receipts fill its allocations in the order the
//! allocations were made (as `receipts::received_by_line` does), written
//! here with window sums: an allocation starting at `before` on its pledge
//! receives `clamp(received by the pledge − before, 0, amount)`.
//!
//! **Areas.** Need lines keep the commune code their site had when entered.
//! The portal shows today's communes: [`areas`] maps each code to the unit
//! bearing it today or, when it no longer exists, to the unit of today it
//! became through the lineage (nearest first; ties by code).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};

use crate::flows::IS_STATE_BUDGET;
use crate::{Db, StorageError, db_run};

/// A commune (or ward) of today.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Area {
    pub code: String,
    pub name: String,
}

/// The commune of today for every unit code that need lines carry.
#[derive(Debug, Clone, Default)]
pub struct Areas {
    by_line_code: HashMap<String, Area>,
}

impl Areas {
    /// Today's commune for a need line's unit code (the code itself when
    /// the map does not know it).
    pub fn of(&self, line_code: &str) -> Area {
        self.by_line_code.get(line_code).cloned().unwrap_or(Area {
            code: line_code.to_owned(),
            name: line_code.to_owned(),
        })
    }

    /// The need lines' unit codes that lie in today's commune `code`.
    pub fn line_codes_of(&self, code: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .by_line_code
            .iter()
            .filter(|(_, a)| a.code == code)
            .map(|(k, _)| k.clone())
            .collect();
        out.sort();
        out
    }

    /// Today's communes that have need lines, by name.
    pub fn communes(&self) -> Vec<Area> {
        let codes: Vec<&String> = self.by_line_code.keys().collect();
        self.communes_of(codes)
    }

    /// Today's communes of the given need lines' unit codes, by name.
    pub fn communes_of<'a>(&self, line_codes: impl IntoIterator<Item = &'a String>) -> Vec<Area> {
        let mut out: Vec<Area> = line_codes.into_iter().map(|c| self.of(c)).collect();
        out.sort_by(|a, b| a.name.cmp(&b.name).then(a.code.cmp(&b.code)));
        out.dedup();
        out
    }
}

/// The unit codes of published need lines (for the portal's filter).
pub async fn published_unit_codes(db: &Db) -> Result<Vec<String>, StorageError> {
    let rows: Vec<(String,)> = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT DISTINCT unit_code FROM need_lines WHERE status = 'published' ORDER BY unit_code",
        )
        .fetch_all(pool)
        .await?
    });
    Ok(rows.into_iter().map(|(c,)| c).collect())
}

/// Maps every unit code used by need lines to today's commune (`today`:
/// the date whose map counts as today's).
pub async fn areas(db: &Db, today: NaiveDate) -> Result<Areas, StorageError> {
    let rows: Vec<(String, String, String, i64)> = db_run!(db, |pool| {
        sqlx::query_as(
            "WITH RECURSIVE walk(start_code, unit_id, depth) AS ( \
               SELECT DISTINCT n.unit_code, u.id, 0 FROM need_lines n \
                 JOIN admin_units u ON u.code = n.unit_code \
               UNION \
               SELECT w.start_code, l.to_unit, w.depth + 1 FROM walk w \
                 JOIN unit_lineage l ON l.from_unit = w.unit_id WHERE w.depth < 16 \
             ) \
             SELECT w.start_code, u.code, u.name, CAST(w.depth AS BIGINT) FROM walk w \
             JOIN admin_units u ON u.id = w.unit_id \
             WHERE (u.valid_from IS NULL OR u.valid_from <= $1) \
               AND (u.valid_to IS NULL OR u.valid_to > $1) \
             ORDER BY w.start_code, 4, u.code",
        )
        .bind(today)
        .fetch_all(pool)
        .await?
    });
    let mut by_line_code: HashMap<String, Area> = HashMap::new();
    for (start, code, name, _) in rows {
        by_line_code.entry(start).or_insert(Area { code, name });
    }
    // Codes that reach no unit of today keep their latest name.
    let unmapped: Vec<(String,)> = db_run!(db, |pool| {
        sqlx::query_as("SELECT DISTINCT unit_code FROM need_lines")
            .fetch_all(pool)
            .await?
    });
    if unmapped.iter().any(|(c,)| !by_line_code.contains_key(c)) {
        let names = crate::admin_units::latest_names(db).await?;
        for (code,) in unmapped {
            if !by_line_code.contains_key(&code) {
                let name = names.get(&code).cloned().unwrap_or_else(|| code.clone());
                by_line_code.insert(code.clone(), Area { code, name });
            }
        }
    }
    Ok(Areas { by_line_code })
}

// ------------------------------------------------------------------ needs

/// Filters of the open-needs section (all optional).
#[derive(Debug, Clone, Default)]
pub struct NeedFilter {
    /// Need lines' unit codes (those of one commune of today); `Some(empty)`
    /// matches nothing.
    pub unit_codes: Option<Vec<String>>,
    pub category: Option<String>,
    pub period_id: Option<String>,
}

impl NeedFilter {
    /// ` AND n.unit_code IN ($k, …)` with placeholders from `first`.
    fn unit_clause(&self, first: usize) -> String {
        match &self.unit_codes {
            None => String::new(),
            Some(codes) if codes.is_empty() => " AND 1 = 0".to_owned(),
            Some(codes) => {
                let marks: Vec<String> = (0..codes.len())
                    .map(|i| format!("${}", first + i))
                    .collect();
                format!(" AND n.unit_code IN ({})", marks.join(", "))
            }
        }
    }

    fn codes(&self) -> &[String] {
        self.unit_codes.as_deref().unwrap_or(&[])
    }
}

/// Published need lines of one unit code, category and period, summed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NeedGroup {
    pub unit_code: String,
    pub category: String,
    pub period_id: String,
    pub period_name: String,
    pub lines: i64,
    pub need: i64,
    pub committed: i64,
    /// Σ of each line's own gap (an over-covered line hides no other's).
    pub gap: i64,
}

/// Committed (allocated) per need line.
const COMMITTED_BY_LINE: &str =
    "SELECT need_line_id, SUM(amount) AS committed FROM live_allocations GROUP BY need_line_id";

/// Published need lines grouped by unit code, category and period.
pub async fn need_groups(db: &Db, f: &NeedFilter) -> Result<Vec<NeedGroup>, StorageError> {
    let sql = format!(
        "SELECT n.unit_code, n.category, n.period_id, p.name AS period_name, \
         CAST(COUNT(*) AS BIGINT) AS lines, CAST(SUM(n.amount) AS BIGINT) AS need, \
         CAST(COALESCE(SUM(c.committed), 0) AS BIGINT) AS committed, \
         CAST(SUM(CASE WHEN n.amount > COALESCE(c.committed, 0) \
                  THEN n.amount - COALESCE(c.committed, 0) ELSE 0 END) AS BIGINT) AS gap \
         FROM need_lines n JOIN periods p ON p.id = n.period_id \
         LEFT JOIN ({COMMITTED_BY_LINE}) c ON c.need_line_id = n.id \
         WHERE n.status = 'published' AND ($1 IS NULL OR n.category = $1) \
         AND ($2 IS NULL OR n.period_id = $2){} \
         GROUP BY n.unit_code, n.category, n.period_id, p.name \
         ORDER BY n.unit_code, n.category, n.period_id",
        f.unit_clause(3)
    );
    let rows = db_run!(db, |pool| {
        let mut q = sqlx::query_as::<_, NeedGroup>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(&f.category)
            .bind(&f.period_id);
        for c in f.codes() {
            q = q.bind(c);
        }
        q.fetch_all(pool).await?
    });
    Ok(rows)
}

/// One published need line still missing money.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OpenLine {
    pub id: String,
    pub site_name: String,
    pub unit_code: String,
    pub category: String,
    pub period_name: String,
    pub need: i64,
    pub committed: i64,
    pub gap: i64,
}

/// The published lines with the largest gaps (at most `limit`).
pub async fn open_lines(
    db: &Db,
    f: &NeedFilter,
    limit: i64,
) -> Result<Vec<OpenLine>, StorageError> {
    let sql = format!(
        "SELECT id, site_name, unit_code, category, period_name, need, committed, gap FROM ( \
           SELECT n.id, s.name AS site_name, n.unit_code, n.category, p.name AS period_name, \
           n.amount AS need, CAST(COALESCE(c.committed, 0) AS BIGINT) AS committed, \
           CAST(n.amount - COALESCE(c.committed, 0) AS BIGINT) AS gap \
           FROM need_lines n JOIN organisations s ON s.id = n.site_id \
           JOIN periods p ON p.id = n.period_id \
           LEFT JOIN ({COMMITTED_BY_LINE}) c ON c.need_line_id = n.id \
           WHERE n.status = 'published' AND ($1 IS NULL OR n.category = $1) \
           AND ($2 IS NULL OR n.period_id = $2){} \
         ) x WHERE gap > 0 ORDER BY gap DESC, id LIMIT $3",
        f.unit_clause(4)
    );
    let rows = db_run!(db, |pool| {
        let mut q = sqlx::query_as::<_, OpenLine>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(&f.category)
            .bind(&f.period_id)
            .bind(limit);
        for c in f.codes() {
            q = q.bind(c);
        }
        q.fetch_all(pool).await?
    });
    Ok(rows)
}

/// What each allocation has received (FIFO within its pledge), as a CTE
/// named `alloc_received(id, need_line_id, pledge_id, amount, received)`.
const ALLOC_RECEIVED: &str = "got AS ( \
       SELECT pledge_id, SUM(amount) AS got FROM live_receipts GROUP BY pledge_id \
     ), alloc AS ( \
       SELECT a.id, a.need_line_id, a.pledge_id, a.amount, \
       SUM(a.amount) OVER (PARTITION BY a.pledge_id ORDER BY a.created_at, a.id \
         ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - a.amount AS a_start \
       FROM live_allocations a \
     ), alloc_received AS ( \
       SELECT x.id, x.need_line_id, x.pledge_id, x.amount, \
       CASE WHEN COALESCE(g.got, 0) - x.a_start >= x.amount THEN x.amount \
            WHEN COALESCE(g.got, 0) - x.a_start > 0 THEN COALESCE(g.got, 0) - x.a_start \
            ELSE 0 END AS received \
       FROM alloc x LEFT JOIN got g ON g.pledge_id = x.pledge_id \
     )";

/// A published need line as the open data shows it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PublicNeed {
    pub id: String,
    pub site_id: String,
    pub site_name: String,
    pub unit_code: String,
    pub category: String,
    pub period_id: String,
    pub period_name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub package_code: String,
    pub package_version: i64,
    pub children: i64,
    pub unit_value: i64,
    pub need: i64,
    pub committed: i64,
    pub received: i64,
    pub gap: i64,
}

/// Every published need line, largest gap first.
pub async fn published_needs(db: &Db) -> Result<Vec<PublicNeed>, StorageError> {
    let sql = format!(
        "WITH {ALLOC_RECEIVED}, by_line AS ( \
           SELECT need_line_id, SUM(amount) AS committed, SUM(received) AS received \
           FROM alloc_received GROUP BY need_line_id \
         ) \
         SELECT n.id, n.site_id, s.name AS site_name, n.unit_code, n.category, n.period_id, \
         p.name AS period_name, p.starts_on, p.ends_on, k.code AS package_code, \
         k.version AS package_version, n.quantity AS children, n.unit_value, n.amount AS need, \
         CAST(COALESCE(b.committed, 0) AS BIGINT) AS committed, \
         CAST(COALESCE(b.received, 0) AS BIGINT) AS received, \
         CAST(CASE WHEN n.amount > COALESCE(b.committed, 0) THEN n.amount - COALESCE(b.committed, 0) \
              ELSE 0 END AS BIGINT) AS gap \
         FROM need_lines n JOIN organisations s ON s.id = n.site_id \
         JOIN periods p ON p.id = n.period_id JOIN packages k ON k.id = n.package_id \
         LEFT JOIN by_line b ON b.need_line_id = n.id \
         WHERE n.status = 'published' ORDER BY 17 DESC, n.id"
    );
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, PublicNeed>(sqlx::AssertSqlSafe(sql.clone()))
            .fetch_all(pool)
            .await?
    });
    Ok(rows)
}

// ----------------------------------------------------------- what came in

/// The donor's name when it may be shown, else NULL — decided in SQL.
const PUBLIC_NAME: &str = "CASE WHEN d.publish_name AND NOT d.anonymous THEN d.name END";

/// Receipts, all of them, summed.
/// What came in as donations. The state budget for management and
/// coordination (R13: receipts into an account of purpose `state_budget`)
/// is never a donation: it is left out of the donation figures and shown
/// apart (`state_budget`, `state_budget_receipts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, sqlx::FromRow)]
pub struct ReceiptTotals {
    pub receipts: i64,
    pub money: i64,
    pub goods: i64,
    pub state_budget_receipts: i64,
    pub state_budget: i64,
}

pub async fn receipt_totals(db: &Db) -> Result<ReceiptTotals, StorageError> {
    let sql = format!(
        "SELECT CAST(COALESCE(SUM(CASE WHEN is_sb THEN 0 ELSE 1 END), 0) AS BIGINT) AS receipts, \
         CAST(COALESCE(SUM(CASE WHEN NOT is_sb AND kind = 'money' THEN amount ELSE 0 END), 0) AS BIGINT) AS money, \
         CAST(COALESCE(SUM(CASE WHEN NOT is_sb AND kind = 'goods' THEN amount ELSE 0 END), 0) AS BIGINT) AS goods, \
         CAST(COALESCE(SUM(CASE WHEN is_sb THEN 1 ELSE 0 END), 0) AS BIGINT) AS state_budget_receipts, \
         CAST(COALESCE(SUM(CASE WHEN is_sb THEN amount ELSE 0 END), 0) AS BIGINT) AS state_budget \
         FROM (SELECT r.kind, r.amount, {IS_STATE_BUDGET} AS is_sb FROM live_receipts r) x"
    );
    let row = db_run!(db, |pool| {
        sqlx::query_as::<_, ReceiptTotals>(sqlx::AssertSqlSafe(sql.clone()))
            .fetch_one(pool)
            .await?
    });
    Ok(row)
}

/// Receipts by kind of source: donor type and origin.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SourceTotals {
    pub donor_type: String,
    pub origin: String,
    pub receipts: i64,
    pub money: i64,
    pub goods: i64,
}

pub async fn receipts_by_source(db: &Db) -> Result<Vec<SourceTotals>, StorageError> {
    let rows = db_run!(db, |pool| {
        let sql = format!(
            "SELECT d.donor_type, d.origin, CAST(COUNT(*) AS BIGINT) AS receipts, \
             CAST(SUM(CASE WHEN r.kind = 'money' THEN r.amount ELSE 0 END) AS BIGINT) AS money, \
             CAST(SUM(CASE WHEN r.kind = 'goods' THEN r.amount ELSE 0 END) AS BIGINT) AS goods \
             FROM live_receipts r JOIN pledges g ON g.id = r.pledge_id JOIN donors d ON d.id = g.donor_id \
             WHERE NOT {IS_STATE_BUDGET} \
             GROUP BY d.donor_type, d.origin ORDER BY 4 DESC, 1, 2"
        );
        sqlx::query_as::<_, SourceTotals>(sqlx::AssertSqlSafe(sql))
            .fetch_all(pool)
            .await?
    });
    Ok(rows)
}

/// Receipts of one public donor, or of every anonymous donor together
/// (`name`, `donor_type` and `origin` all `None`): no row ever pairs an
/// anonymous donor's own total with anything that names them.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DonorTotals {
    pub name: Option<String>,
    pub donor_type: Option<String>,
    pub origin: Option<String>,
    pub receipts: i64,
    pub money: i64,
    pub goods: i64,
}

impl DonorTotals {
    pub fn total(&self) -> i64 {
        self.money.saturating_add(self.goods)
    }
}

/// What came in by donor, largest first; anonymous donors pooled in one row.
pub async fn receipts_by_donor(db: &Db) -> Result<Vec<DonorTotals>, StorageError> {
    let sql = format!(
        "SELECT name, donor_type, origin, CAST(COUNT(*) AS BIGINT) AS receipts, \
         CAST(SUM(CASE WHEN kind = 'money' THEN amount ELSE 0 END) AS BIGINT) AS money, \
         CAST(SUM(CASE WHEN kind = 'goods' THEN amount ELSE 0 END) AS BIGINT) AS goods FROM ( \
           SELECT CASE WHEN d.publish_name AND NOT d.anonymous THEN d.id END AS donor_key, \
           {PUBLIC_NAME} AS name, \
           CASE WHEN d.publish_name AND NOT d.anonymous THEN d.donor_type END AS donor_type, \
           CASE WHEN d.publish_name AND NOT d.anonymous THEN d.origin END AS origin, \
           r.kind, r.amount \
           FROM live_receipts r JOIN pledges g ON g.id = r.pledge_id JOIN donors d ON d.id = g.donor_id \
           WHERE NOT {IS_STATE_BUDGET} \
         ) x GROUP BY donor_key, name, donor_type, origin \
         ORDER BY SUM(amount) DESC, name"
    );
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, DonorTotals>(sqlx::AssertSqlSafe(sql.clone()))
            .fetch_all(pool)
            .await?
    });
    Ok(rows)
}

/// One receipt as the public sees it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PublicReceipt {
    pub id: String,
    pub receipt_no: String,
    pub received_on: NaiveDate,
    /// `money` or `goods`.
    pub kind: String,
    /// `bank`, `cash` or `goods`.
    pub method: String,
    pub amount: i64,
    pub receiver_name: String,
    /// `None`: an anonymous donor (or one who did not consent).
    pub donor_name: Option<String>,
    pub donor_type: String,
    pub donor_origin: String,
}

/// Donations received, latest first (at most `limit` when given); the
/// state budget for management is not a donation and is left out.
pub async fn public_receipts(
    db: &Db,
    limit: Option<i64>,
) -> Result<Vec<PublicReceipt>, StorageError> {
    let sql = format!(
        "SELECT r.id, r.receipt_no, r.received_on, r.kind, r.method, r.amount, \
         o.name AS receiver_name, {PUBLIC_NAME} AS donor_name, d.donor_type, \
         d.origin AS donor_origin \
         FROM live_receipts r JOIN pledges g ON g.id = r.pledge_id JOIN donors d ON d.id = g.donor_id \
         JOIN organisations o ON o.id = r.receiver_id \
         WHERE NOT {IS_STATE_BUDGET} \
         ORDER BY r.received_on DESC, r.created_at DESC, r.id DESC LIMIT $1"
    );
    let limit = limit.unwrap_or(i64::MAX);
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, PublicReceipt>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(limit)
            .fetch_all(pool)
            .await?
    });
    Ok(rows)
}

// ---------------------------------------------------------- where it went

/// Allocations to one site and category, summed, with what of them has
/// been received.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AllocationGroup {
    pub unit_code: String,
    pub site_id: String,
    pub site_name: String,
    pub category: String,
    pub allocations: i64,
    pub amount: i64,
    pub received: i64,
}

pub async fn allocation_groups(db: &Db) -> Result<Vec<AllocationGroup>, StorageError> {
    let sql = format!(
        "WITH {ALLOC_RECEIVED} \
         SELECT n.unit_code, n.site_id, s.name AS site_name, n.category, \
         CAST(COUNT(*) AS BIGINT) AS allocations, CAST(SUM(x.amount) AS BIGINT) AS amount, \
         CAST(SUM(x.received) AS BIGINT) AS received \
         FROM alloc_received x JOIN need_lines n ON n.id = x.need_line_id \
         JOIN organisations s ON s.id = n.site_id \
         GROUP BY n.unit_code, n.site_id, s.name, n.category \
         ORDER BY n.unit_code, n.site_id, n.category"
    );
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, AllocationGroup>(sqlx::AssertSqlSafe(sql.clone()))
            .fetch_all(pool)
            .await?
    });
    Ok(rows)
}

/// One allocation as the public sees it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PublicAllocation {
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub need_line_id: String,
    pub unit_code: String,
    pub site_id: String,
    pub site_name: String,
    pub category: String,
    pub period_id: String,
    pub period_name: String,
    pub amount: i64,
    pub received: i64,
    /// `None`: an anonymous donor (or one who did not consent).
    pub donor_name: Option<String>,
    pub donor_type: String,
    pub donor_origin: String,
    /// Allocated beyond the need by a coordinator's logged decision.
    pub overridden: i64,
}

/// Every allocation, oldest first.
pub async fn public_allocations(db: &Db) -> Result<Vec<PublicAllocation>, StorageError> {
    let sql = format!(
        "WITH {ALLOC_RECEIVED} \
         SELECT a.id, a.created_at, a.need_line_id, n.unit_code, n.site_id, s.name AS site_name, \
         n.category, n.period_id, p.name AS period_name, a.amount, \
         CAST(x.received AS BIGINT) AS received, {PUBLIC_NAME} AS donor_name, d.donor_type, \
         d.origin AS donor_origin, \
         CAST(CASE WHEN a.override_reason IS NULL THEN 0 ELSE 1 END AS BIGINT) AS overridden \
         FROM live_allocations a JOIN alloc_received x ON x.id = a.id \
         JOIN need_lines n ON n.id = a.need_line_id JOIN organisations s ON s.id = n.site_id \
         JOIN periods p ON p.id = n.period_id \
         JOIN pledges g ON g.id = a.pledge_id JOIN donors d ON d.id = g.donor_id \
         ORDER BY a.created_at, a.id"
    );
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, PublicAllocation>(sqlx::AssertSqlSafe(sql.clone()))
            .fetch_all(pool)
            .await?
    });
    Ok(rows)
}

// ------------------------------------------------------------- deliveries

/// Deliveries (handover minutes) of one commune code and category.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeliveryGroup {
    /// The sites' unit code (mapped to today's commune by [`Areas`]).
    pub unit_code: String,
    pub category: String,
    /// Handover minutes of delivered deliveries (handed over, not rejected).
    pub handovers: i64,
    /// Of those, signed for by the receiving site (possibly with issues).
    pub accepted: i64,
    /// Of those, accepted with non-conformities still open.
    pub with_issues: i64,
    /// Value handed over, đồng.
    pub delivered_value: i64,
    /// Value accepted, đồng: what non-conformities keep out excluded
    /// (`domain::needs::delivery::accepted_value`, here in SQL).
    pub accepted_value: i64,
}

/// Delivered deliveries by unit code and category. The accepted value of a
/// delivery follows `domain::needs::delivery::accepted_value`: zero unless
/// accepted; else its value less what its non-conformities keep out (an
/// unresolved one or a return or discount its value, a resolved
/// replacement nothing), never below zero.
pub async fn delivery_groups(db: &Db) -> Result<Vec<DeliveryGroup>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, DeliveryGroup>(
            "WITH kept AS ( \
               SELECT delivery_id, SUM(CASE WHEN action = 'replace' AND resolved THEN 0 \
                 WHEN value > 0 THEN value ELSE 0 END) AS kept_out \
               FROM nonconformities GROUP BY delivery_id \
             ), d AS ( \
               SELECT x.unit_code, n.category, x.value, \
               CASE WHEN x.status IN ('accepted', 'accepted_with_issues') THEN 1 ELSE 0 END AS ok, \
               CASE WHEN x.status = 'accepted_with_issues' THEN 1 ELSE 0 END AS issues, \
               COALESCE(k.kept_out, 0) AS kept_out \
               FROM deliveries x JOIN need_lines n ON n.id = x.need_line_id \
               LEFT JOIN kept k ON k.delivery_id = x.id \
               WHERE x.status IN ('handed_over', 'site_signed', 'accepted', 'accepted_with_issues') \
             ) \
             SELECT unit_code, category, CAST(COUNT(*) AS BIGINT) AS handovers, \
             CAST(SUM(ok) AS BIGINT) AS accepted, CAST(SUM(issues) AS BIGINT) AS with_issues, \
             CAST(SUM(value) AS BIGINT) AS delivered_value, \
             CAST(SUM(CASE WHEN ok = 0 OR value - kept_out <= 0 THEN 0 \
                           ELSE value - kept_out END) AS BIGINT) AS accepted_value \
             FROM d GROUP BY unit_code, category ORDER BY unit_code, category",
        )
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

// ------------------------------------------------------- children reached

/// Children of fully received need lines, by unit code and category.
///
/// *Children reached* counts, for every need line that is not cancelled
/// and whose whole value has been received (money in the account or goods
/// in the store, assigned to that line), the number of children the line
/// serves. A child supported in two categories or two periods is counted in
/// each. Only counts: no child is known here.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ChildrenGroup {
    pub unit_code: String,
    pub category: String,
    pub children: i64,
}

pub async fn children_groups(db: &Db) -> Result<Vec<ChildrenGroup>, StorageError> {
    let sql = format!(
        "WITH {ALLOC_RECEIVED}, by_line AS ( \
           SELECT need_line_id, SUM(received) AS received FROM alloc_received GROUP BY need_line_id \
         ) \
         SELECT n.unit_code, n.category, CAST(SUM(n.quantity) AS BIGINT) AS children \
         FROM need_lines n JOIN by_line b ON b.need_line_id = n.id \
         WHERE n.status <> 'cancelled' AND b.received >= n.amount \
         GROUP BY n.unit_code, n.category ORDER BY n.unit_code, n.category"
    );
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, ChildrenGroup>(sqlx::AssertSqlSafe(sql.clone()))
            .fetch_all(pool)
            .await?
    });
    Ok(rows)
}

/// Children of fully received lines as a table: today's communes (rows,
/// by name) × the given categories (columns).
pub fn children_table(
    groups: &[ChildrenGroup],
    areas: &Areas,
    categories: &[&str],
) -> (Vec<Area>, Vec<Vec<u64>>) {
    let mut by_area: BTreeMap<(String, String), Vec<u64>> = BTreeMap::new();
    for g in groups {
        let Some(col) = categories.iter().position(|c| *c == g.category) else {
            continue;
        };
        let a = areas.of(&g.unit_code);
        let row = by_area
            .entry((a.name, a.code))
            .or_insert_with(|| vec![0; categories.len()]);
        row[col] = row[col].saturating_add(u64::try_from(g.children).unwrap_or(0));
    }
    let mut names = Vec::with_capacity(by_area.len());
    let mut rows = Vec::with_capacity(by_area.len());
    for ((name, code), row) in by_area {
        names.push(Area { code, name });
        rows.push(row);
    }
    (names, rows)
}

// -------------------------------------------------------------------- IATI

/// A need line that has received money or allocations: one IATI activity.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ActivityLine {
    pub id: String,
    pub site_id: String,
    pub site_name: String,
    pub unit_code: String,
    pub category: String,
    pub status: String,
    pub period_name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub need: i64,
    pub updated_at: DateTime<Utc>,
}

/// Need lines with at least one allocation.
pub async fn activity_lines(db: &Db) -> Result<Vec<ActivityLine>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, ActivityLine>(
            "SELECT n.id, n.site_id, s.name AS site_name, n.unit_code, n.category, n.status, \
             p.name AS period_name, p.starts_on, p.ends_on, n.amount AS need, n.updated_at \
             FROM need_lines n JOIN organisations s ON s.id = n.site_id \
             JOIN periods p ON p.id = n.period_id \
             WHERE EXISTS (SELECT 1 FROM live_allocations a WHERE a.need_line_id = n.id) \
             ORDER BY n.id",
        )
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

/// The part of one receipt that went to one need line (receipts fill a
/// pledge's allocations in order, so a receipt may feed several lines and
/// a line several receipts).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IncomingPortion {
    pub need_line_id: String,
    pub receipt_id: String,
    pub received_on: NaiveDate,
    pub kind: String,
    pub amount: i64,
    pub donor_name: Option<String>,
    pub donor_type: String,
}

pub async fn incoming_portions(db: &Db) -> Result<Vec<IncomingPortion>, StorageError> {
    let sql = format!(
        "WITH ra AS ( \
           SELECT r.id, r.pledge_id, r.received_on, r.kind, r.amount, \
           SUM(r.amount) OVER (PARTITION BY r.pledge_id ORDER BY r.received_on, r.created_at, r.id \
             ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - r.amount AS r_start \
           FROM live_receipts r \
         ), aa AS ( \
           SELECT a.id, a.need_line_id, a.pledge_id, a.amount, \
           SUM(a.amount) OVER (PARTITION BY a.pledge_id ORDER BY a.created_at, a.id \
             ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - a.amount AS a_start \
           FROM live_allocations a \
         ) \
         SELECT aa.need_line_id, ra.id AS receipt_id, ra.received_on, ra.kind, \
         CAST((CASE WHEN ra.r_start + ra.amount < aa.a_start + aa.amount \
                    THEN ra.r_start + ra.amount ELSE aa.a_start + aa.amount END) \
            - (CASE WHEN ra.r_start > aa.a_start THEN ra.r_start ELSE aa.a_start END) AS BIGINT) AS amount, \
         {PUBLIC_NAME} AS donor_name, d.donor_type \
         FROM aa JOIN ra ON ra.pledge_id = aa.pledge_id \
           AND ra.r_start < aa.a_start + aa.amount AND aa.a_start < ra.r_start + ra.amount \
         JOIN pledges g ON g.id = aa.pledge_id JOIN donors d ON d.id = g.donor_id \
         ORDER BY aa.need_line_id, ra.received_on, ra.id"
    );
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, IncomingPortion>(sqlx::AssertSqlSafe(sql.clone()))
            .fetch_all(pool)
            .await?
    });
    Ok(rows)
}
