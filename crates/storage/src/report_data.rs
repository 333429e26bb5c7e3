//! The system's own figures for the yearly report (issue 6, item 4): what
//! was mobilised, by kind of source (the state budget for management, R13,
//! apart), cash and in kind; need against coverage; children supported as
//! lượt by category, age band and unit; money in and out by month. Every
//! sum is computed in SQL on either backend; only group rows come back
//! (a few per unit, category and age band), and Rust only relabels them.
//!
//! **Which unit.** A report is about a unit code with everything below it
//! and, for the years before the 2025 reform, the units of the time that
//! became it ([`crate::admin_units::expand_scope`]: descendants at any time
//! and predecessors along the lineage). A province-level code selects the
//! rows of that province; `VN` the whole country (the national roll-up, by
//! province). Need lines keep the code their site had when entered; the
//! by-unit tables re-aggregate those codes onto today's communes.
//!
//! **Which period.** Need lines whose period *starts* in the reporting
//! period (a winter that straddles two years counts once); receipts and
//! deliveries dated in it; nothing recorded after the cut-off day.
//!
//! **Mobilised.** Receipts into the accounts, cash books and stores of
//! organisations located in the unit (for a province or the country: all
//! of its receipts). Receipts into an account of purpose `state_budget`
//! (by the account's number at the end of the receipt's account label) are the R13 line, never
//! added to the mobilised resources.
//!
//! **Received / covered.** A pledge's receipts (up to the cut-off) fill its
//! allocations in the order they were made (as `receipts::received_by_line`
//! does). A line's children count as *covered* when what it received
//! reaches its need; *served* are the children of deliveries handed over
//! (capped at the line's own count, so one child is not counted twice for
//! one line).
//!
//! Children's data never appear: only the counts of need lines and
//! deliveries. Unique children, sex and ethnicity come from the rosters of
//! deliveries handed over in the period ([`crate::rosters::reached`]); while
//! no delivery carries a roster they are reported as not available.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use reports::annual::{
    AnnualFigures, CompletenessFigure, CoverageFigure, MonthFigure, ReachedFigure, SourceFigure,
    TargetFigure, UnitLevel, default_issuer,
};

use crate::summaries::DELIVERED;
use crate::{Backend, Db, StorageError, db_run};

/// The code that selects every province: the national roll-up.
pub const NATIONAL: &str = "VN";

/// The 34 provinces and centrally-run cities from 1 July 2025 (Resolution
/// 202/2025/QH15), with their codes as written in the national list. Used to
/// label the national roll-up (the shipped map covers Huế only).
pub const PROVINCES_2025: [(&str, &str); 34] = [
    ("01", "Thành phố Hà Nội"),
    ("04", "Tỉnh Cao Bằng"),
    ("08", "Tỉnh Tuyên Quang"),
    ("11", "Tỉnh Điện Biên"),
    ("12", "Tỉnh Lai Châu"),
    ("14", "Tỉnh Sơn La"),
    ("15", "Tỉnh Lào Cai"),
    ("19", "Tỉnh Thái Nguyên"),
    ("20", "Tỉnh Lạng Sơn"),
    ("22", "Tỉnh Quảng Ninh"),
    ("24", "Tỉnh Bắc Ninh"),
    ("25", "Tỉnh Phú Thọ"),
    ("31", "Thành phố Hải Phòng"),
    ("33", "Tỉnh Hưng Yên"),
    ("37", "Tỉnh Ninh Bình"),
    ("38", "Tỉnh Thanh Hóa"),
    ("40", "Tỉnh Nghệ An"),
    ("42", "Tỉnh Hà Tĩnh"),
    ("44", "Tỉnh Quảng Trị"),
    ("46", "Thành phố Huế"),
    ("48", "Thành phố Đà Nẵng"),
    ("51", "Tỉnh Quảng Ngãi"),
    ("52", "Tỉnh Gia Lai"),
    ("56", "Tỉnh Khánh Hòa"),
    ("66", "Tỉnh Đắk Lắk"),
    ("68", "Tỉnh Lâm Đồng"),
    ("75", "Tỉnh Đồng Nai"),
    ("79", "Thành phố Hồ Chí Minh"),
    ("80", "Tỉnh Tây Ninh"),
    ("82", "Tỉnh Đồng Tháp"),
    ("86", "Tỉnh Vĩnh Long"),
    ("91", "Tỉnh An Giang"),
    ("92", "Thành phố Cần Thơ"),
    ("96", "Tỉnh Cà Mau"),
];

/// The organisation whose presence marks a synthetic (benchmark) data set.
pub const SYNTHETIC_MARKER: &str = "scale-synthetic-marker";

/// Why the figures could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum ReportDataError {
    #[error("không có đơn vị hành chính mã '{0}' / no administrative unit has code '{0}'")]
    UnknownUnit(String),
    #[error(
        "kỳ báo cáo không hợp lệ: từ {from} đến {to}, chốt số liệu {cut_off} / invalid reporting period: {from} to {to}, cut-off {cut_off}"
    )]
    BadPeriod {
        from: NaiveDate,
        to: NaiveDate,
        cut_off: NaiveDate,
    },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<sqlx::Error> for ReportDataError {
    fn from(e: sqlx::Error) -> Self {
        ReportDataError::Storage(StorageError::Sql(e))
    }
}

/// The reporting period: first and last day (inclusive), and the data
/// cut-off day (inclusive): events dated after `min(to, cut_off)` and
/// records entered after the end of `cut_off` (Vietnam time) do not count.
/// The cut-off may lie after the period (a report of last year drawn up
/// today counts what was recorded until today about last year).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub year: i32,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub cut_off: NaiveDate,
}

impl Period {
    /// A calendar year, cut off at its last day.
    pub fn year(year: i32) -> Option<Period> {
        let from = NaiveDate::from_ymd_opt(year, 1, 1)?;
        let to = NaiveDate::from_ymd_opt(year, 12, 31)?;
        Some(Period {
            year,
            from,
            to,
            cut_off: to,
        })
    }

    /// A period with its own cut-off; refused when it is empty or the
    /// cut-off precedes it.
    pub fn new(
        from: NaiveDate,
        to: NaiveDate,
        cut_off: NaiveDate,
    ) -> Result<Period, ReportDataError> {
        if to < from || cut_off < from {
            return Err(ReportDataError::BadPeriod { from, to, cut_off });
        }
        Ok(Period {
            year: from.year(),
            from,
            to,
            cut_off,
        })
    }

    /// The last day whose data count.
    pub fn last_counted(&self) -> NaiveDate {
        self.to.min(self.cut_off)
    }

    /// The end of the cut-off day in Vietnam (UTC+7), as a UTC instant:
    /// records entered before it count.
    fn end_instant(&self) -> DateTime<Utc> {
        let next = self.cut_off + Duration::days(1);
        let local = next.and_hms_opt(0, 0, 0).unwrap_or_default();
        Utc.from_utc_datetime(&local) - Duration::hours(7)
    }
}

/// Which rows a report reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnitFilter {
    /// Every province.
    All,
    /// Rows of one province (the `province` column).
    Province(String),
    /// Rows whose unit code is one of these (the unit, its descendants and
    /// predecessors).
    Codes(Vec<String>),
}

/// The unit a report is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportUnit {
    pub code: String,
    pub name: String,
    pub level: UnitLevel,
    pub filter: UnitFilter,
}

/// Resolves a unit code (as typed by a person) to the unit and its rows.
pub async fn resolve_unit(
    db: &Db,
    code: &str,
    today: NaiveDate,
) -> Result<ReportUnit, ReportDataError> {
    let code = code.trim();
    if code.eq_ignore_ascii_case(NATIONAL) {
        return Ok(ReportUnit {
            code: NATIONAL.to_owned(),
            name: "Toàn quốc".to_owned(),
            level: UnitLevel::National,
            filter: UnitFilter::All,
        });
    }
    let versions = crate::admin_units::versions_of(db, code).await?;
    let current = versions
        .iter()
        .find(|u| u.in_force_on(today))
        .or(versions.last())
        .cloned();
    if let Some((_, name)) = PROVINCES_2025.iter().find(|(c, _)| *c == code) {
        let name = current.map_or_else(|| (*name).to_owned(), |u| u.name);
        return Ok(ReportUnit {
            code: code.to_owned(),
            name,
            level: UnitLevel::Province,
            filter: UnitFilter::Province(code.to_owned()),
        });
    }
    let Some(unit) = current else {
        return Err(ReportDataError::UnknownUnit(code.to_owned()));
    };
    let level = match unit.level.as_str() {
        "province" => UnitLevel::Province,
        "district" => UnitLevel::District,
        _ => UnitLevel::Commune,
    };
    let filter = if level == UnitLevel::Province {
        UnitFilter::Province(code.to_owned())
    } else {
        let codes = crate::admin_units::expand_scope(db, &[code.to_owned()]).await?;
        UnitFilter::Codes(codes.into_iter().collect())
    };
    Ok(ReportUnit {
        code: code.to_owned(),
        name: unit.name,
        level,
        filter,
    })
}

/// Placeholders `$first, …` for `n` values.
fn marks(first: usize, n: usize) -> String {
    (0..n)
        .map(|i| format!("${}", first + i))
        .collect::<Vec<_>>()
        .join(", ")
}

impl UnitFilter {
    /// ` AND <alias>.province = $k` or ` AND <alias>.<code_col> IN (…)`,
    /// with placeholders from `first`, and the values to bind.
    fn clause(&self, alias: &str, code_col: &str, first: usize) -> (String, Vec<String>) {
        match self {
            UnitFilter::All => (String::new(), Vec::new()),
            UnitFilter::Province(p) => {
                (format!(" AND {alias}.province = ${first}"), vec![p.clone()])
            }
            UnitFilter::Codes(codes) if codes.is_empty() => (" AND 1 = 0".to_owned(), Vec::new()),
            UnitFilter::Codes(codes) => (
                format!(" AND {alias}.{code_col} IN ({})", marks(first, codes.len())),
                codes.clone(),
            ),
        }
    }

    /// The receipts of the unit: by province, or by the receiving
    /// organisation's unit.
    fn receipt_clause(&self, first: usize) -> (String, Vec<String>) {
        match self {
            UnitFilter::All => (String::new(), Vec::new()),
            UnitFilter::Province(p) => (format!(" AND r.province = ${first}"), vec![p.clone()]),
            UnitFilter::Codes(codes) if codes.is_empty() => (" AND 1 = 0".to_owned(), Vec::new()),
            UnitFilter::Codes(codes) => (
                format!(
                    " AND r.receiver_id IN (SELECT o.id FROM organisations o WHERE o.unit_code IN ({}))",
                    marks(first, codes.len())
                ),
                codes.clone(),
            ),
        }
    }
}

/// One group of need lines: unit code (of the time) × category × age band.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LineGroup {
    pub province: String,
    pub unit_code: String,
    pub category: String,
    pub age_band: String,
    pub lines: i64,
    pub children_need: i64,
    pub need: i64,
    pub committed: i64,
    pub received: i64,
    pub delivered: i64,
    pub children_covered: i64,
    pub children_served: i64,
}

impl LineGroup {
    fn figure(&self, key: String) -> CoverageFigure {
        CoverageFigure {
            key,
            label: String::new(),
            lines: self.lines,
            need: self.need,
            committed: self.committed,
            received: self.received,
            delivered: self.delivered,
            children_need: self.children_need,
            children_covered: self.children_covered,
            children_served: self.children_served,
        }
    }
}

/// A value bound to a placeholder of a report query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Param {
    Date(NaiveDate),
    /// An instant, compared with `TIMESTAMP` columns written in UTC.
    Instant(DateTime<Utc>),
    Text(String),
}

/// One report query: SQL with `$1…$n` placeholders and their values. The
/// same text runs on SQLite, PostgreSQL and (in `report bench`) DuckDB.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub sql: String,
    pub params: Vec<Param>,
}

macro_rules! bind_all {
    ($q:expr, $params:expr) => {{
        let mut q = $q;
        for p in $params {
            q = match p {
                Param::Date(d) => q.bind(*d),
                Param::Instant(t) => q.bind(*t),
                Param::Text(s) => q.bind(s.clone()),
            };
        }
        q
    }};
}

/// The live query of [`line_groups`]: every delivery and receipt read
/// (the oracle the summaries are checked against, and the query for a
/// cut-off that is not the end of a year).
pub fn line_groups_query(filter: &UnitFilter, period: &Period) -> Query {
    line_groups_sql(filter, period, Source::Live)
}

/// The year whose end is the period's last counted day, if it is one: then
/// the yearly summaries give what was received and delivered up to it.
fn summary_year(period: &Period) -> Option<i32> {
    let last = period.last_counted();
    (last.month() == 12 && last.day() == 31).then_some(last.year())
}

/// Where [`line_groups_sql`] reads what was received and delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// Every allocation, receipt and delivery.
    Live,
    /// The allocations filled in order with `report_pledge_received` up to
    /// this year (migration 0014), delivered from `report_line_delivered`.
    PledgeYear(i32),
    /// `report_line_received` (migration 0015) and `report_line_delivered`
    /// up to this year: no allocation or receipt read.
    LineYear(i32),
}

/// The query of [`line_groups`] on the summaries of migration 0014
/// (`report_pledge_received`, `report_line_delivered`; the allocations
/// still filled in order): `None` when the last counted day is not the end
/// of a year.
pub fn line_groups_summary_query(filter: &UnitFilter, period: &Period) -> Option<Query> {
    summary_year(period).map(|y| line_groups_sql(filter, period, Source::PledgeYear(y)))
}

/// The query of [`line_groups`] on the per-line summaries
/// (`report_line_received` of migration 0015, `report_line_delivered`):
/// `None` when the last counted day is not the end of a year. It counts
/// every live allocation as made before the cut-off, so it answers only
/// when [`allocations_after_cut_off`] is false.
pub fn line_groups_line_summary_query(filter: &UnitFilter, period: &Period) -> Option<Query> {
    summary_year(period).map(|y| line_groups_sql(filter, period, Source::LineYear(y)))
}

/// Whether any allocation (reversed ones too) was made at or after the end
/// of the period's cut-off day: then the per-line summaries, which count
/// every allocation, do not answer for it.
pub async fn allocations_after_cut_off(db: &Db, period: &Period) -> Result<bool, StorageError> {
    let end = period.end_instant();
    let row: Option<(String,)> = db_run!(db, |pool| {
        sqlx::query_as("SELECT id FROM allocations WHERE created_at >= $1 LIMIT 1")
            .bind(end)
            .fetch_optional(pool)
            .await?
    });
    Ok(row.is_some())
}

fn line_groups_sql(filter: &UnitFilter, period: &Period, source: Source) -> Query {
    // Live: $1 from, $2 to, $3 last counted day, $4 end instant, unit values
    // from $5. On the pledge summaries: no $3 (the year is written in), $3
    // end instant, unit values from $4. On the line summaries: unit values
    // from $3.
    let (end, first_unit) = match source {
        Source::Live => (4, 5),
        Source::PledgeYear(_) => (3, 4),
        Source::LineYear(_) => (0, 3),
    };
    let (unit_sql, unit_values) = filter.clause("n", "unit_code", first_unit);
    // For part of the country, only the pledges that fund its lines: their
    // allocations elsewhere still come first in the order of receipt.
    // For the whole country, no `IN (SELECT id FROM lines)` either: every
    // line counts, and scanning the covering indexes in order beats 300,000
    // index probes (measured: the national line groups on SQLite).
    let (alloc_scope, got_scope, line_scope, received_scope) = if *filter == UnitFilter::All {
        (String::new(), String::new(), String::new(), String::new())
    } else {
        (
            " AND a.pledge_id IN (SELECT a2.pledge_id FROM live_allocations a2 \
             WHERE a2.need_line_id IN (SELECT id FROM lines))"
                .to_owned(),
            " AND pledge_id IN (SELECT pledge_id FROM alloc)".to_owned(),
            "d.need_line_id IN (SELECT id FROM lines) AND ".to_owned(),
            "r.need_line_id IN (SELECT id FROM lines) AND ".to_owned(),
        )
    };
    let by_line = match source {
        Source::LineYear(y) => format!(
            "by_line AS ( \
               SELECT r.need_line_id, SUM(r.committed) AS committed, SUM(r.received) AS received \
               FROM report_line_received r WHERE {received_scope}r.year <= {y} \
               GROUP BY r.need_line_id \
             )"
        ),
        Source::Live | Source::PledgeYear(_) => {
            let got_from = match source {
                Source::PledgeYear(y) => format!("report_pledge_received WHERE year <= {y}"),
                _ => "live_receipts WHERE received_on <= $3".to_owned(),
            };
            format!(
                "alloc AS ( \
                   SELECT a.need_line_id, a.pledge_id, a.amount, \
                   SUM(a.amount) OVER (PARTITION BY a.pledge_id ORDER BY a.created_at, a.id \
                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - a.amount AS a_start \
                   FROM live_allocations a WHERE a.created_at < ${end}{alloc_scope} \
                 ), got AS ( \
                   SELECT pledge_id, SUM(amount) AS got FROM {got_from}{got_scope} \
                   GROUP BY pledge_id \
                 ), by_line AS ( \
                   SELECT x.need_line_id, SUM(x.amount) AS committed, \
                   SUM(CASE WHEN COALESCE(g.got, 0) - x.a_start >= x.amount THEN x.amount \
                            WHEN COALESCE(g.got, 0) - x.a_start > 0 THEN COALESCE(g.got, 0) - x.a_start \
                            ELSE 0 END) AS received \
                   FROM alloc x LEFT JOIN got g ON g.pledge_id = x.pledge_id \
                   GROUP BY x.need_line_id \
                 )"
            )
        }
    };
    let (dl_select, dl_where) = match source {
        Source::PledgeYear(y) | Source::LineYear(y) => (
            "SELECT d.need_line_id, SUM(d.delivered) AS delivered, SUM(d.children) AS served \
             FROM report_line_delivered d WHERE",
            format!("d.year <= {y}"),
        ),
        Source::Live => (
            "SELECT d.need_line_id, SUM(d.value) AS delivered, SUM(d.children_served) AS served \
             FROM deliveries d WHERE",
            format!("d.status IN {DELIVERED} AND d.handed_over_on <= $3"),
        ),
    };
    let sql = format!(
        "WITH lines AS ( \
           SELECT n.id, n.province, n.unit_code, n.category, k.age_band, n.quantity, n.amount \
           FROM need_lines n JOIN periods p ON p.id = n.period_id \
           JOIN packages k ON k.id = n.package_id \
           WHERE n.status IN ('verified', 'published') \
           AND p.starts_on >= $1 AND p.starts_on <= $2{unit_sql} \
         ), {by_line}, dl AS ( \
           {dl_select} {line_scope}{dl_where} \
           GROUP BY d.need_line_id \
         ) \
         SELECT l.province, l.unit_code, l.category, l.age_band, \
         CAST(COUNT(*) AS BIGINT) AS lines, \
         CAST(SUM(l.quantity) AS BIGINT) AS children_need, \
         CAST(SUM(l.amount) AS BIGINT) AS need, \
         CAST(COALESCE(SUM(b.committed), 0) AS BIGINT) AS committed, \
         CAST(COALESCE(SUM(b.received), 0) AS BIGINT) AS received, \
         CAST(COALESCE(SUM(d.delivered), 0) AS BIGINT) AS delivered, \
         CAST(SUM(CASE WHEN l.amount > 0 AND COALESCE(b.received, 0) >= l.amount \
                  THEN l.quantity ELSE 0 END) AS BIGINT) AS children_covered, \
         CAST(SUM(CASE WHEN COALESCE(d.served, 0) > l.quantity THEN l.quantity \
                  ELSE COALESCE(d.served, 0) END) AS BIGINT) AS children_served \
         FROM lines l LEFT JOIN by_line b ON b.need_line_id = l.id \
         LEFT JOIN dl d ON d.need_line_id = l.id \
         GROUP BY l.province, l.unit_code, l.category, l.age_band \
         ORDER BY l.province, l.unit_code, l.category, l.age_band"
    );
    let mut params = vec![Param::Date(period.from), Param::Date(period.to)];
    match source {
        Source::Live => {
            params.push(Param::Date(period.last_counted()));
            params.push(Param::Instant(period.end_instant()));
        }
        Source::PledgeYear(_) => params.push(Param::Instant(period.end_instant())),
        Source::LineYear(_) => {}
    }
    params.extend(unit_values.into_iter().map(Param::Text));
    Query { sql, params }
}

/// Need, committed, received and delivered per unit code, category and
/// age band, for the need lines of the period (one SQL statement): on
/// SQLite, on the per-line summaries when the period ends a year and no
/// allocation was made after its cut-off; else on the yearly pledge
/// summaries when it ends a year; else live. PostgreSQL keeps the per-line
/// summary too (checked and rebuilt like the others) but plans the pledge
/// summaries' query faster at national scale (docs/benchmarks.md,
/// "Reporting": 4.58 s against 5.26 s), so it reads those.
pub async fn line_groups(
    db: &Db,
    filter: &UnitFilter,
    period: &Period,
) -> Result<Vec<LineGroup>, StorageError> {
    let per_line = match db.backend() {
        crate::db::Backend::Sqlite => line_groups_line_summary_query(filter, period),
        crate::db::Backend::Postgres => None,
    };
    let q = match per_line {
        Some(q) if !allocations_after_cut_off(db, period).await? => q,
        _ => line_groups_summary_query(filter, period)
            .unwrap_or_else(|| line_groups_query(filter, period)),
    };
    line_groups_of(db, &q).await
}

/// [`line_groups`] from the deliveries and receipts themselves (the oracle).
pub async fn line_groups_live(
    db: &Db,
    filter: &UnitFilter,
    period: &Period,
) -> Result<Vec<LineGroup>, StorageError> {
    line_groups_of(db, &line_groups_query(filter, period)).await
}

/// Runs a [`line_groups_query`].
pub async fn line_groups_of(db: &Db, q: &Query) -> Result<Vec<LineGroup>, StorageError> {
    let rows = db_run!(db, |pool| {
        bind_all!(
            sqlx::query_as::<_, LineGroup>(sqlx::AssertSqlSafe(q.sql.clone())),
            &q.params
        )
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

/// How to tell a state-budget receipt (R13): a SQL boolean expression over
/// `r`, with placeholders from `first`, and the values to bind. A receipt
/// names its account as `ReceivingAccount::label` writes it (bank, then the
/// account number), also when a bank-statement line made it, so the number
/// at the end of the label identifies the account.
pub async fn state_budget_accounts(db: &Db) -> Result<Vec<String>, StorageError> {
    let numbers: Vec<(String,)> = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT account_no FROM receiving_accounts WHERE purpose = 'state_budget' \
             ORDER BY account_no",
        )
        .fetch_all(pool)
        .await?
    });
    Ok(numbers.into_iter().map(|(n,)| n).collect())
}

fn state_budget_expr(numbers: &[String], first: usize) -> (String, Vec<String>) {
    if numbers.is_empty() {
        return ("1 = 0".to_owned(), Vec::new());
    }
    let parts: Vec<String> = (0..numbers.len())
        .map(|i| format!("r.account LIKE ${}", first + i))
        .collect();
    let values = numbers
        .iter()
        .map(|no| format!("%{}", no.replace(['%', '_'], "")))
        .collect();
    (format!("({})", parts.join(" OR ")), values)
}

/// Receipts of one kind of source; `budget` marks the R13 line.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SourceRow {
    pub budget: i64,
    pub origin: String,
    pub donor_type: String,
    pub receipts: i64,
    pub money: i64,
    pub goods: i64,
}

/// The query of [`sources`] (`budget_accounts`: [`state_budget_accounts`]).
pub fn sources_query(filter: &UnitFilter, period: &Period, budget_accounts: &[String]) -> Query {
    let (budget, budget_values) = state_budget_expr(budget_accounts, 3);
    let (unit_sql, unit_values) = filter.receipt_clause(3 + budget_values.len());
    // Receipts are summed per pledge first (one pass over an index), then
    // joined to their donors.
    let sql = format!(
        "SELECT x.budget, d.origin, d.donor_type, CAST(SUM(x.n) AS BIGINT) AS receipts, \
         CAST(SUM(x.money) AS BIGINT) AS money, CAST(SUM(x.goods) AS BIGINT) AS goods FROM ( \
           SELECT r.pledge_id, CAST(CASE WHEN {budget} THEN 1 ELSE 0 END AS BIGINT) AS budget, \
           COUNT(*) AS n, \
           SUM(CASE WHEN r.kind = 'money' THEN r.amount ELSE 0 END) AS money, \
           SUM(CASE WHEN r.kind = 'money' THEN 0 ELSE r.amount END) AS goods \
           FROM live_receipts r WHERE r.received_on >= $1 AND r.received_on <= $2{unit_sql} \
           GROUP BY r.pledge_id, 2 \
         ) x JOIN pledges g ON g.id = x.pledge_id JOIN donors d ON d.id = g.donor_id \
         GROUP BY x.budget, d.origin, d.donor_type ORDER BY 1, 2, 3"
    );
    let mut params = vec![Param::Date(period.from), Param::Date(period.last_counted())];
    params.extend(
        budget_values
            .into_iter()
            .chain(unit_values)
            .map(Param::Text),
    );
    Query { sql, params }
}

/// The months `(first, last)` (first days) a period covers when it runs
/// from the first day of a month to the last day of a month and the rows
/// are chosen by province (or all): then the monthly summaries answer.
fn summary_months(filter: &UnitFilter, period: &Period) -> Option<(NaiveDate, NaiveDate)> {
    let last = period.last_counted();
    let whole = period.from.day() == 1 && (last + Duration::days(1)).day() == 1;
    (whole && !matches!(filter, UnitFilter::Codes(_)))
        .then(|| (period.from, crate::summaries::month_of(last)))
}

/// The query of [`sources`] on `report_money_in` (migration 0014); `None`
/// when the period is not whole months or the unit is below a province.
pub fn sources_summary_query(
    filter: &UnitFilter,
    period: &Period,
    budget_accounts: &[String],
) -> Option<Query> {
    let (first, last) = summary_months(filter, period)?;
    let (budget, budget_values) = state_budget_expr(budget_accounts, 3);
    let (unit_sql, unit_values) = filter.receipt_clause(3 + budget_values.len());
    let sql = format!(
        "SELECT CAST(CASE WHEN {budget} THEN 1 ELSE 0 END AS BIGINT) AS budget, r.origin, r.donor_type, \
         CAST(SUM(r.receipts) AS BIGINT) AS receipts, CAST(SUM(r.money) AS BIGINT) AS money, \
         CAST(SUM(r.goods) AS BIGINT) AS goods FROM report_money_in r \
         WHERE r.month >= $1 AND r.month <= $2{unit_sql} \
         GROUP BY 1, r.origin, r.donor_type HAVING SUM(r.receipts) <> 0 ORDER BY 1, 2, 3"
    );
    let mut params = vec![Param::Date(first), Param::Date(last)];
    params.extend(
        budget_values
            .into_iter()
            .chain(unit_values)
            .map(Param::Text),
    );
    Some(Query { sql, params })
}

/// Receipts of the period by kind of source, the state budget apart (on
/// the summaries when the period is whole months of a province or more).
pub async fn sources(
    db: &Db,
    filter: &UnitFilter,
    period: &Period,
) -> Result<Vec<SourceRow>, StorageError> {
    let accounts = state_budget_accounts(db).await?;
    let q = sources_summary_query(filter, period, &accounts)
        .unwrap_or_else(|| sources_query(filter, period, &accounts));
    sources_of(db, &q).await
}

/// [`sources`] from the receipts themselves (the oracle).
pub async fn sources_live(
    db: &Db,
    filter: &UnitFilter,
    period: &Period,
) -> Result<Vec<SourceRow>, StorageError> {
    let accounts = state_budget_accounts(db).await?;
    sources_of(db, &sources_query(filter, period, &accounts)).await
}

/// Runs a [`sources_query`].
pub async fn sources_of(db: &Db, q: &Query) -> Result<Vec<SourceRow>, StorageError> {
    let rows = db_run!(db, |pool| {
        bind_all!(
            sqlx::query_as::<_, SourceRow>(sqlx::AssertSqlSafe(q.sql.clone())),
            &q.params
        )
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

/// The two queries of [`months`]: money in per day (state budget
/// excluded), money out (deliveries handed over) per day; both
/// `(day, amount)`, grouped by province too so that they stream along an
/// index.
pub fn months_queries(
    filter: &UnitFilter,
    period: &Period,
    budget_accounts: &[String],
) -> (Query, Query) {
    let (budget, budget_values) = state_budget_expr(budget_accounts, 3);
    let (unit_sql, unit_values) = filter.receipt_clause(3 + budget_values.len());
    let in_sql = format!(
        "SELECT r.received_on AS day, CAST(SUM(r.amount) AS BIGINT) AS amount FROM live_receipts r \
         WHERE r.received_on >= $1 AND r.received_on <= $2 AND NOT {budget}{unit_sql} \
         GROUP BY r.province, r.received_on ORDER BY 1, 2"
    );
    let (d_unit_sql, d_unit_values) = filter.clause("d", "unit_code", 3);
    let out_sql = format!(
        "SELECT d.handed_over_on AS day, CAST(SUM(d.value) AS BIGINT) AS amount FROM deliveries d \
         WHERE d.status IN {DELIVERED} AND d.handed_over_on >= $1 AND d.handed_over_on <= $2{d_unit_sql} \
         GROUP BY d.province, d.handed_over_on ORDER BY 1, 2"
    );
    let dates = [Param::Date(period.from), Param::Date(period.last_counted())];
    let mut in_params = dates.to_vec();
    in_params.extend(
        budget_values
            .into_iter()
            .chain(unit_values)
            .map(Param::Text),
    );
    let mut out_params = dates.to_vec();
    out_params.extend(d_unit_values.into_iter().map(Param::Text));
    (
        Query {
            sql: in_sql,
            params: in_params,
        },
        Query {
            sql: out_sql,
            params: out_params,
        },
    )
}

/// The queries of [`months`] on `report_money_in` and `report_money_out`
/// (migration 0014): `(month, amount)` rows, the month as its first day;
/// `None` as for [`sources_summary_query`].
pub fn months_summary_queries(
    filter: &UnitFilter,
    period: &Period,
    budget_accounts: &[String],
) -> Option<(Query, Query)> {
    let (first, last) = summary_months(filter, period)?;
    let (budget, budget_values) = state_budget_expr(budget_accounts, 3);
    let (unit_sql, unit_values) = filter.receipt_clause(3 + budget_values.len());
    let in_sql = format!(
        "SELECT r.month AS day, CAST(SUM(r.money + r.goods) AS BIGINT) AS amount \
         FROM report_money_in r WHERE r.month >= $1 AND r.month <= $2 AND NOT {budget}{unit_sql} \
         GROUP BY r.month ORDER BY 1"
    );
    let (o_unit_sql, o_unit_values) = filter.clause("r", "unit_code", 3);
    let out_sql = format!(
        "SELECT r.month AS day, CAST(SUM(r.delivered) AS BIGINT) AS amount \
         FROM report_money_out r WHERE r.month >= $1 AND r.month <= $2{o_unit_sql} \
         GROUP BY r.month ORDER BY 1"
    );
    let months = [Param::Date(first), Param::Date(last)];
    let mut in_params = months.to_vec();
    in_params.extend(
        budget_values
            .into_iter()
            .chain(unit_values)
            .map(Param::Text),
    );
    let mut out_params = months.to_vec();
    out_params.extend(o_unit_values.into_iter().map(Param::Text));
    Some((
        Query {
            sql: in_sql,
            params: in_params,
        },
        Query {
            sql: out_sql,
            params: out_params,
        },
    ))
}

/// Money in (receipts, state budget excluded) and out (deliveries handed
/// over) per month of the period (on the summaries when they answer).
pub async fn months(
    db: &Db,
    filter: &UnitFilter,
    period: &Period,
) -> Result<Vec<MonthFigure>, StorageError> {
    let accounts = state_budget_accounts(db).await?;
    let (qi, qo) = months_summary_queries(filter, period, &accounts)
        .unwrap_or_else(|| months_queries(filter, period, &accounts));
    let (ins, outs) = tokio::try_join!(day_amounts(db, &qi), day_amounts(db, &qo))?;
    Ok(fold_months(period, &ins, &outs))
}

/// [`months`] from the deliveries and receipts themselves (the oracle).
pub async fn months_live(
    db: &Db,
    filter: &UnitFilter,
    period: &Period,
) -> Result<Vec<MonthFigure>, StorageError> {
    let accounts = state_budget_accounts(db).await?;
    let (qi, qo) = months_queries(filter, period, &accounts);
    let (ins, outs) = tokio::try_join!(day_amounts(db, &qi), day_amounts(db, &qo))?;
    Ok(fold_months(period, &ins, &outs))
}

/// Runs one of the [`months_queries`]: `(day, amount)` rows.
pub async fn day_amounts(db: &Db, q: &Query) -> Result<Vec<(NaiveDate, i64)>, StorageError> {
    let rows = db_run!(db, |pool| {
        bind_all!(
            sqlx::query_as(sqlx::AssertSqlSafe(q.sql.clone())),
            &q.params
        )
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

/// Daily sums folded into the months of the period (every month listed).
pub fn fold_months(
    period: &Period,
    ins: &[(NaiveDate, i64)],
    outs: &[(NaiveDate, i64)],
) -> Vec<MonthFigure> {
    let last = period.last_counted();
    let mut by_month: BTreeMap<NaiveDate, (i64, i64)> = BTreeMap::new();
    let mut month = period.from.with_day(1).unwrap_or(period.from);
    while month <= last {
        by_month.insert(month, (0, 0));
        month = month
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(NaiveDate::MAX);
    }
    let first_of = |d: NaiveDate| d.with_day(1).unwrap_or(d);
    for (day, amount) in ins {
        let e = by_month.entry(first_of(*day)).or_default();
        e.0 = e.0.saturating_add(*amount);
    }
    for (day, amount) in outs {
        let e = by_month.entry(first_of(*day)).or_default();
        e.1 = e.1.saturating_add(*amount);
    }
    by_month
        .into_iter()
        .map(|(month, (money_in, money_out))| MonthFigure {
            month,
            money_in,
            money_out,
        })
        .collect()
}

/// Whether the database holds any need line or receipt.
pub async fn has_rows(db: &Db) -> Result<bool, StorageError> {
    let row: Option<(String,)> = db_run!(db, |pool| {
        sqlx::query_as("SELECT id FROM need_lines UNION ALL SELECT id FROM receipts LIMIT 1")
            .fetch_optional(pool)
            .await?
    });
    Ok(row.is_some())
}

/// Whether any delivery has been recorded at all.
pub async fn deliveries_recorded(db: &Db) -> Result<bool, StorageError> {
    let row: Option<(String,)> = db_run!(db, |pool| {
        sqlx::query_as("SELECT id FROM deliveries LIMIT 1")
            .fetch_optional(pool)
            .await?
    });
    Ok(row.is_some())
}

/// Whether a table exists (the reporting regime's tables come with another
/// migration).
pub async fn table_exists(db: &Db, table: &str) -> Result<bool, StorageError> {
    let sql = match db.backend() {
        Backend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' AND name = $1",
        Backend::Postgres => {
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name = $1"
        }
    };
    let row: Option<(String,)> = db_run!(db, |pool| {
        sqlx::query_as(sql).bind(table).fetch_optional(pool).await?
    });
    Ok(row.is_some())
}

/// The yearly plan's targets against actuals, for the targets section and
/// chart. **Hook for the reporting regime (issue 6 items 1–2, migration
/// 0005_reporting):** returns `None` (the report then says there is no
/// plan) until the plans tables exist and this reads them.
pub async fn plan_targets(
    _db: &Db,
    _unit: &ReportUnit,
    _period: &Period,
) -> Result<Option<Vec<TargetFigure>>, StorageError> {
    Ok(None)
}

/// Completeness of the units' own reports under this unit. **Hook for the
/// reporting regime (issue 6 items 2–3):** returns `None` (the section is
/// left out) until its obligations and reports tables exist and this
/// reads them.
pub async fn report_completeness(
    _db: &Db,
    _unit: &ReportUnit,
    _period: &Period,
) -> Result<Option<Vec<CompletenessFigure>>, StorageError> {
    Ok(None)
}

/// (id, code, name, valid from, valid to) of a unit version.
type UnitVersion = (String, String, String, Option<NaiveDate>, Option<NaiveDate>);

/// Today's unit (code, name) for each code: the code itself when it is in
/// force on `today`, else the nearest unit in force reached through the
/// lineage (ties by code), else the code with its latest name.
pub async fn units_of_today(
    db: &Db,
    codes: &BTreeSet<String>,
    today: NaiveDate,
) -> Result<HashMap<String, (String, String)>, StorageError> {
    let (units, edges) = db_run!(db, |pool| {
        let units: Vec<UnitVersion> =
            sqlx::query_as("SELECT id, code, name, valid_from, valid_to FROM admin_units")
                .fetch_all(pool)
                .await?;
        let edges: Vec<(String, String)> =
            sqlx::query_as("SELECT from_unit, to_unit FROM unit_lineage ORDER BY to_unit")
                .fetch_all(pool)
                .await?;
        (units, edges)
    });
    let in_force = |from: &Option<NaiveDate>, to: &Option<NaiveDate>| {
        from.is_none_or(|f| f <= today) && to.is_none_or(|t| today < t)
    };
    let by_id: HashMap<&str, (&str, &str, bool)> = units
        .iter()
        .map(|(id, code, name, from, to)| {
            (
                id.as_str(),
                (code.as_str(), name.as_str(), in_force(from, to)),
            )
        })
        .collect();
    let mut next: HashMap<&str, Vec<&str>> = HashMap::new();
    for (from, to) in &edges {
        next.entry(from.as_str()).or_default().push(to.as_str());
    }
    let mut out = HashMap::new();
    for code in codes {
        let starts: Vec<&str> = units
            .iter()
            .filter(|(_, c, ..)| c == code)
            .map(|(id, ..)| id.as_str())
            .collect();
        if let Some((c, n, _)) = starts
            .iter()
            .filter_map(|id| by_id.get(id))
            .find(|(_, _, now)| *now)
        {
            out.insert(code.clone(), ((*c).to_owned(), (*n).to_owned()));
            continue;
        }
        // Breadth-first along the lineage: the nearest unit of today.
        let mut seen: BTreeSet<&str> = starts.iter().copied().collect();
        let mut queue: VecDeque<&str> = starts.iter().copied().collect();
        let mut found: Option<(&str, &str)> = None;
        while let Some(id) = queue.pop_front() {
            if let Some((c, n, true)) = by_id.get(id) {
                found = Some((c, n));
                break;
            }
            for to in next.get(id).map_or(&[][..], Vec::as_slice) {
                if seen.insert(to) {
                    queue.push_back(to);
                }
            }
        }
        let (c, n) = match found {
            Some((c, n)) => (c.to_owned(), n.to_owned()),
            None => {
                let latest = units
                    .iter()
                    .filter(|(_, c, ..)| c == code)
                    .max_by_key(|(_, _, _, from, _)| *from)
                    .map_or_else(|| code.clone(), |(_, _, n, ..)| n.clone());
                (code.clone(), latest)
            }
        };
        out.insert(code.clone(), (c, n));
    }
    Ok(out)
}

/// Everything the yearly report prints, for one unit and period.
pub async fn annual_figures(
    db: &Db,
    unit: &ReportUnit,
    period: &Period,
    today: NaiveDate,
) -> Result<AnnualFigures, ReportDataError> {
    let (groups, source_rows, months, deliveries, targets, completeness, demo, synthetic) = tokio::try_join!(
        line_groups(db, &unit.filter, period),
        sources(db, &unit.filter, period),
        months(db, &unit.filter, period),
        deliveries_recorded(db),
        plan_targets(db, unit, period),
        report_completeness(db, unit, period),
        is_demo(db),
        is_synthetic(db),
    )?;

    let reached = reached_figure(db, &unit.filter, period).await?;
    let mut by_category: BTreeMap<String, CoverageFigure> = BTreeMap::new();
    let mut by_band: BTreeMap<String, CoverageFigure> = BTreeMap::new();
    for g in &groups {
        by_category
            .entry(g.category.clone())
            .or_insert_with(|| CoverageFigure {
                key: g.category.clone(),
                ..CoverageFigure::default()
            })
            .add(&g.figure(String::new()));
        by_band
            .entry(g.age_band.clone())
            .or_insert_with(|| CoverageFigure {
                key: g.age_band.clone(),
                ..CoverageFigure::default()
            })
            .add(&g.figure(String::new()));
    }
    let by_category = ordered(
        by_category,
        &[
            "healthcare",
            "nutrition",
            "recreation",
            "warm_clothing",
            "other",
        ],
    );
    let by_age_band = ordered(by_band, &["preschool", "primary", "other"]);
    // The names of the bands the coordinator added, for the ones printed.
    let age_band_names: BTreeMap<String, String> = crate::age_bands::list(db)
        .await?
        .into_iter()
        .filter(|b| !b.built_in && by_age_band.iter().any(|g| g.key == b.code))
        .map(|b| (b.code, b.name_vi))
        .collect();

    let mut areas: BTreeMap<(String, String), CoverageFigure> = BTreeMap::new();
    if unit.level == UnitLevel::National {
        let names: HashMap<&str, &str> = PROVINCES_2025.iter().copied().collect();
        for g in &groups {
            let name = names
                .get(g.province.as_str())
                .map_or_else(|| g.province.clone(), |n| (*n).to_owned());
            let key = (name.clone(), g.province.clone());
            areas
                .entry(key)
                .or_insert_with(|| CoverageFigure {
                    key: g.province.clone(),
                    label: name,
                    ..CoverageFigure::default()
                })
                .add(&g.figure(String::new()));
        }
    } else {
        let codes: BTreeSet<String> = groups.iter().map(|g| g.unit_code.clone()).collect();
        let today_of = units_of_today(db, &codes, today).await?;
        for g in &groups {
            let (code, name) = today_of
                .get(&g.unit_code)
                .cloned()
                .unwrap_or_else(|| (g.unit_code.clone(), g.unit_code.clone()));
            areas
                .entry((name.clone(), code.clone()))
                .or_insert_with(|| CoverageFigure {
                    key: code,
                    label: name,
                    ..CoverageFigure::default()
                })
                .add(&g.figure(String::new()));
        }
    }

    let mut sources = Vec::new();
    let (mut budget_receipts, mut budget_money) = (0i64, 0i64);
    for s in source_rows {
        if s.budget != 0 {
            budget_receipts = budget_receipts.saturating_add(s.receipts);
            budget_money = budget_money.saturating_add(s.money).saturating_add(s.goods);
        } else {
            sources.push(SourceFigure {
                origin: s.origin,
                donor_type: s.donor_type,
                receipts: s.receipts,
                money: s.money,
                goods: s.goods,
            });
        }
    }

    Ok(AnnualFigures {
        unit_code: unit.code.clone(),
        unit_name: unit.name.clone(),
        level: unit.level,
        year: period.year,
        period_from: period.from,
        period_to: period.to,
        cut_off: period.cut_off,
        issued_on: today,
        issuer: default_issuer(unit.level, &unit.name, period.year),
        sources,
        state_budget_receipts: budget_receipts,
        state_budget_money: budget_money,
        by_category,
        by_age_band,
        age_band_names,
        by_area: areas.into_values().collect(),
        months,
        deliveries_recorded: deliveries,
        targets,
        completeness,
        reached,
        demo,
        synthetic,
    })
}

/// Children reached by the rosters of deliveries handed over in the period
/// at sites of the unit; `None` while no delivery carries a roster.
async fn reached_figure(
    db: &Db,
    filter: &UnitFilter,
    period: &Period,
) -> Result<Option<ReachedFigure>, StorageError> {
    if !crate::rosters::any(db).await? {
        return Ok(None);
    }
    let r = crate::rosters::reached(
        db,
        period.from,
        period.last_counted(),
        period.end_instant(),
        |province, code| match filter {
            UnitFilter::All => true,
            UnitFilter::Province(p) => p == province,
            UnitFilter::Codes(codes) => codes.iter().any(|c| c == code),
        },
    )
    .await?;
    let unique =
        |m: &BTreeMap<String, crate::rosters::Tally>, k: &str| m.get(k).map_or(0, |t| t.unique);
    let minority = r
        .by_ethnicity
        .iter()
        .filter(|(k, _)| k.as_str() != "Kinh" && k.as_str() != "unknown")
        .fold(0i64, |a, (_, t)| a.saturating_add(t.unique));
    let rows = |m: &BTreeMap<String, crate::rosters::Tally>, order: &[&str]| {
        let mut keys: Vec<&String> = m.keys().collect();
        keys.sort_by_key(|k| {
            order
                .iter()
                .position(|o| *o == k.as_str())
                .unwrap_or(order.len())
        });
        keys.into_iter()
            .filter_map(|k| m.get(k).map(|t| (k.clone(), t.unique, t.turns)))
            .collect::<Vec<_>>()
    };
    Ok(Some(ReachedFigure {
        unique: r.total.unique,
        turns: r.total.turns,
        girls: unique(&r.by_sex, "female"),
        boys: unique(&r.by_sex, "male"),
        minority,
        by_category: rows(
            &r.by_category,
            &[
                "healthcare",
                "nutrition",
                "recreation",
                "warm_clothing",
                "other",
            ],
        ),
        by_age_band: rows(&r.by_age_band, &crate::registry::AGE_BANDS),
    }))
}

/// Groups in the given key order, unknown keys after them.
fn ordered(mut groups: BTreeMap<String, CoverageFigure>, order: &[&str]) -> Vec<CoverageFigure> {
    let mut out: Vec<CoverageFigure> = order.iter().filter_map(|k| groups.remove(*k)).collect();
    out.extend(groups.into_values());
    out
}

/// Whether the data are demonstration data (need lines or receipts marked
/// `is_demo`).
async fn is_demo(db: &Db) -> Result<bool, StorageError> {
    let row: Option<(String,)> = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT id FROM need_lines WHERE is_demo = $1 \
             UNION ALL SELECT id FROM receipts WHERE is_demo = $1 LIMIT 1",
        )
        .bind(true)
        .fetch_optional(pool)
        .await?
    });
    Ok(row.is_some())
}

/// Whether the data set is the synthetic national-scale one.
async fn is_synthetic(db: &Db) -> Result<bool, StorageError> {
    let row: Option<(String,)> = db_run!(db, |pool| {
        sqlx::query_as("SELECT id FROM organisations WHERE id = $1")
            .bind(SYNTHETIC_MARKER)
            .fetch_optional(pool)
            .await?
    });
    Ok(row.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    #[test]
    fn a_period_ends_at_midnight_in_vietnam() {
        let p = Period::new(day(2025, 1, 1), day(2025, 12, 31), day(2025, 11, 30))
            .expect("valid period");
        assert_eq!(p.last_counted(), day(2025, 11, 30));
        let late = Period::new(day(2025, 1, 1), day(2025, 12, 31), day(2026, 3, 1))
            .expect("a cut-off after the period");
        assert_eq!(late.last_counted(), day(2025, 12, 31));
        assert_eq!(
            p.end_instant(),
            Utc.with_ymd_and_hms(2025, 11, 30, 17, 0, 0)
                .single()
                .expect("valid instant")
        );
        assert!(Period::new(day(2025, 2, 1), day(2025, 1, 1), day(2025, 3, 1)).is_err());
        assert!(Period::new(day(2025, 2, 1), day(2025, 3, 1), day(2025, 1, 1)).is_err());
    }

    #[test]
    fn unit_filters_bind_one_value_per_placeholder() {
        let f = UnitFilter::Codes(vec!["a".into(), "b".into()]);
        let (sql, values) = f.clause("n", "unit_code", 5);
        assert_eq!(sql, " AND n.unit_code IN ($5, $6)");
        assert_eq!(values.len(), 2);
        assert_eq!(
            UnitFilter::Codes(Vec::new()).clause("n", "unit_code", 1).0,
            " AND 1 = 0"
        );
        assert_eq!(UnitFilter::All.clause("n", "unit_code", 1).0, "");
        assert_eq!(
            UnitFilter::Province("46".into()).receipt_clause(3).0,
            " AND r.province = $3"
        );
    }

    #[test]
    fn provinces_are_thirty_four_with_distinct_codes() {
        let codes: BTreeSet<&str> = PROVINCES_2025.iter().map(|(c, _)| *c).collect();
        assert_eq!(codes.len(), 34);
        assert!(codes.contains("46"));
    }
}
