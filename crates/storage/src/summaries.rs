//! Summaries for the yearly report (migrations `0014_report_summaries` and
//! `0015_report_line_received`, issue 6 item 9): what the report's figures
//! add up over millions of deliveries and receipts, kept per need line ×
//! year, per pledge × year and per month × province (× account × kind of
//! source for money in), and what each need line received from each pledge
//! per year, so that the national roll-up reads a few hundred thousand rows.
//!
//! **Kept in the same transaction as the write.** Every writer that changes
//! what a summary adds up calls the row's function here inside its own
//! transaction: [`delivery_in_tx!`] with `-1` before a delivery's status or
//! handover changes and `+1` after (and `+1` after recording one);
//! [`receipt_in_tx!`] with `+1` after recording a receipt and `-1` when one
//! is reversed (`storage::reversals`; the recounts read `live_receipts`). Those read the row and
//! call the one function per table ([`line_delivered_in_tx!`],
//! [`money_out_in_tx!`], [`pledge_received_in_tx!`], [`money_in_in_tx!`]),
//! which add a signed delta. Rows whose count falls to zero stay (with
//! zeros) and are ignored by the report and by [`check`].
//!
//! `report_line_received` is not added to but recomputed: a pledge's
//! receipts fill its allocations in order, so one receipt or allocation can
//! move what several lines received. [`SummaryConn::recompute_line_received`]
//! deletes the pledge's rows and recomputes them from its live allocations
//! and receipts; it runs after a receipt is recorded or reversed (inside
//! [`receipt_in_tx!`]), after an allocation is made (`storage::allocations`)
//! and after one is reversed (`storage::reversals`).
//!
//! **What they assume.** A receipt's pledge, that pledge's donor and the
//! donor's origin and type do not change after the receipt is recorded, and
//! neither do a delivery's need line, province, value and children served,
//! nor an allocation's pledge, line, amount and time (no storage function
//! changes them). A bulk loader (`chungtay demo --scale`) writes rows
//! directly and then calls [`rebuild`].
//!
//! **Checked.** [`check`] recomputes every summary from the rows (the same
//! SQL as the migrations' backfill) and reports the keys that differ;
//! `chungtay report check-summaries` runs it.

use chrono::{Datelike, NaiveDate};

use crate::{Backend, Db, StorageError, db_run, db_tx};

/// The statuses of a delivery handed over (as `report_data` counts them).
pub const DELIVERED: &str = "('handed_over', 'site_signed', 'accepted', 'accepted_with_issues')";

/// The summary tables, in the order [`check`] reports them.
pub const TABLES: [&str; 5] = [
    "report_line_delivered",
    "report_money_out",
    "report_pledge_received",
    "report_money_in",
    "report_line_received",
];

/// The year of a day, as the summaries key it.
pub fn year_of(d: NaiveDate) -> i64 {
    i64::from(d.year())
}

/// The first day of a day's month, as the summaries key it.
pub fn month_of(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// Adds a signed delta to `report_line_delivered` (need line, year):
/// `(line, year, delivered, children, deliveries)`. Evaluates to
/// `Result<(), sqlx::Error>`.
macro_rules! line_delivered_in_tx {
    ($tx:ident, $line:expr, $year:expr, $delivered:expr, $children:expr, $rows:expr) => {
        sqlx::query(
            "INSERT INTO report_line_delivered (need_line_id, year, delivered, children, deliveries) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (need_line_id, year) DO UPDATE SET \
             delivered = report_line_delivered.delivered + excluded.delivered, \
             children = report_line_delivered.children + excluded.children, \
             deliveries = report_line_delivered.deliveries + excluded.deliveries",
        )
        .bind($line)
        .bind($year)
        .bind($delivered)
        .bind($children)
        .bind($rows)
        .execute(&mut *$tx)
        .await
        .map(|_| ())
    };
}
pub(crate) use line_delivered_in_tx;

/// Adds a signed delta to `report_money_out` (month, province):
/// `(month, province, delivered, deliveries)`.
macro_rules! money_out_in_tx {
    ($tx:ident, $month:expr, $province:expr, $delivered:expr, $rows:expr) => {
        sqlx::query(
            "INSERT INTO report_money_out (month, province, delivered, deliveries) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (month, province) DO UPDATE SET \
             delivered = report_money_out.delivered + excluded.delivered, \
             deliveries = report_money_out.deliveries + excluded.deliveries",
        )
        .bind($month)
        .bind($province)
        .bind($delivered)
        .bind($rows)
        .execute(&mut *$tx)
        .await
        .map(|_| ())
    };
}
pub(crate) use money_out_in_tx;

/// Adds a signed delta to `report_pledge_received` (pledge, year):
/// `(pledge, year, amount, receipts)`.
macro_rules! pledge_received_in_tx {
    ($tx:ident, $pledge:expr, $year:expr, $amount:expr, $rows:expr) => {
        sqlx::query(
            "INSERT INTO report_pledge_received (pledge_id, year, amount, receipts) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (pledge_id, year) DO UPDATE SET \
             amount = report_pledge_received.amount + excluded.amount, \
             receipts = report_pledge_received.receipts + excluded.receipts",
        )
        .bind($pledge)
        .bind($year)
        .bind($amount)
        .bind($rows)
        .execute(&mut *$tx)
        .await
        .map(|_| ())
    };
}
pub(crate) use pledge_received_in_tx;

/// Adds a signed delta to `report_money_in` (month, province, account,
/// origin, donor type): `(…key, receipts, money, goods)`.
macro_rules! money_in_in_tx {
    ($tx:ident, $month:expr, $province:expr, $account:expr, $origin:expr, $donor_type:expr,
     $rows:expr, $money:expr, $goods:expr) => {
        sqlx::query(
            "INSERT INTO report_money_in (month, province, account, origin, donor_type, receipts, money, goods) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (month, province, account, origin, donor_type) DO UPDATE SET \
             receipts = report_money_in.receipts + excluded.receipts, \
             money = report_money_in.money + excluded.money, \
             goods = report_money_in.goods + excluded.goods",
        )
        .bind($month)
        .bind($province)
        .bind($account)
        .bind($origin)
        .bind($donor_type)
        .bind($rows)
        .bind($money)
        .bind($goods)
        .execute(&mut *$tx)
        .await
        .map(|_| ())
    };
}
pub(crate) use money_in_in_tx;

/// Adds (`sign` = 1) or takes away (`-1`) one delivery's share of the
/// summaries, as the row stands now in the transaction: nothing unless it is
/// handed over. Call with `-1` before changing a delivery and `+1` after.
/// Evaluates to `Result<(), StorageError>`.
macro_rules! delivery_in_tx {
    ($tx:ident, $id:expr, $sign:expr) => {
        async {
            let id: &str = $id;
            let sign: i64 = $sign;
            let row: Option<(String, String, Option<chrono::NaiveDate>, i64, i64)> = sqlx::query_as(
                "SELECT need_line_id, province, handed_over_on, value, children_served FROM deliveries \
                 WHERE id = $1 AND status IN ('handed_over', 'site_signed', 'accepted', 'accepted_with_issues')",
            )
            .bind(id)
            .fetch_optional(&mut *$tx)
            .await?;
            if let Some((line, province, Some(on), value, children)) = row {
                $crate::summaries::line_delivered_in_tx!(
                    $tx,
                    &line,
                    $crate::summaries::year_of(on),
                    sign.saturating_mul(value),
                    sign.saturating_mul(children),
                    sign
                )?;
                $crate::summaries::money_out_in_tx!(
                    $tx,
                    $crate::summaries::month_of(on),
                    &province,
                    sign.saturating_mul(value),
                    sign
                )?;
            }
            Ok::<(), $crate::StorageError>(())
        }
        .await
    };
}
pub(crate) use delivery_in_tx;

/// Adds (`sign` = 1) or takes away (`-1`) one receipt's share of the
/// summaries. Evaluates to `Result<(), StorageError>`.
macro_rules! receipt_in_tx {
    ($tx:ident, $id:expr, $sign:expr) => {
        async {
            let id: &str = $id;
            let sign: i64 = $sign;
            #[allow(clippy::type_complexity)]
            let row: Option<(String, String, String, String, String, String, chrono::NaiveDate, i64)> =
                sqlx::query_as(
                    "SELECT r.pledge_id, r.province, r.account, d.origin, d.donor_type, r.kind, \
                     r.received_on, r.amount FROM receipts r JOIN pledges g ON g.id = r.pledge_id \
                     JOIN donors d ON d.id = g.donor_id WHERE r.id = $1",
                )
                .bind(id)
                .fetch_optional(&mut *$tx)
                .await?;
            if let Some((pledge, province, account, origin, donor_type, kind, on, amount)) = row {
                let amount = sign.saturating_mul(amount);
                let (money, goods) = if kind == "money" { (amount, 0) } else { (0, amount) };
                $crate::summaries::pledge_received_in_tx!(
                    $tx,
                    &pledge,
                    $crate::summaries::year_of(on),
                    amount,
                    sign
                )?;
                $crate::summaries::money_in_in_tx!(
                    $tx,
                    $crate::summaries::month_of(on),
                    &province,
                    &account,
                    &origin,
                    &donor_type,
                    sign,
                    money,
                    goods
                )?;
                $crate::summaries::SummaryConn::recompute_line_received(&mut *$tx, &pledge).await?;
            }
            Ok::<(), $crate::StorageError>(())
        }
        .await
    };
}
pub(crate) use receipt_in_tx;

/// The year of a receipt (`received_on`), per backend.
fn receipt_year(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "CAST(strftime('%Y', received_on) AS BIGINT)",
        Backend::Postgres => "CAST(EXTRACT(YEAR FROM received_on) AS BIGINT)",
    }
}

/// The rows of `report_line_received` recomputed from the live allocations
/// and receipts (the query of migration `0015_report_line_received`), for
/// every pledge or, with `one_pledge`, for the pledge bound to `$1`.
fn line_received_sql(backend: Backend, one_pledge: bool) -> String {
    let year = receipt_year(backend);
    let (alloc_scope, receipt_scope) = if one_pledge {
        (" WHERE a.pledge_id = $1", " WHERE pledge_id = $1")
    } else {
        ("", "")
    };
    format!(
        "WITH al AS ( \
           SELECT a.pledge_id, a.need_line_id, a.amount, \
           SUM(a.amount) OVER (PARTITION BY a.pledge_id ORDER BY a.created_at, a.id \
             ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - a.amount AS a_start \
           FROM live_allocations a{alloc_scope} \
         ), rc AS ( \
           SELECT pledge_id, {year} AS year, SUM(amount) AS amount \
           FROM live_receipts{receipt_scope} GROUP BY pledge_id, {year} \
         ), got AS ( \
           SELECT y.pledge_id, y.year, SUM(r.amount) AS got \
           FROM rc y JOIN rc r ON r.pledge_id = y.pledge_id AND r.year <= y.year \
           GROUP BY y.pledge_id, y.year \
         ), filled AS ( \
           SELECT x.pledge_id, x.need_line_id, g.year, \
           SUM(CASE WHEN g.got - x.a_start >= x.amount THEN x.amount \
                    WHEN g.got - x.a_start > 0 THEN g.got - x.a_start ELSE 0 END) AS received \
           FROM al x JOIN got g ON g.pledge_id = x.pledge_id \
           GROUP BY x.pledge_id, x.need_line_id, g.year \
         ), delta AS ( \
           SELECT pledge_id, need_line_id, year, received - COALESCE(LAG(received) OVER \
             (PARTITION BY pledge_id, need_line_id ORDER BY year), 0) AS received \
           FROM filled \
         ) \
         SELECT pledge_id, need_line_id, CAST(0 AS BIGINT), CAST(SUM(amount) AS BIGINT), \
         CAST(0 AS BIGINT) FROM al GROUP BY pledge_id, need_line_id \
         UNION ALL \
         SELECT pledge_id, need_line_id, CAST(year AS BIGINT), CAST(0 AS BIGINT), \
         CAST(received AS BIGINT) FROM delta WHERE received <> 0"
    )
}

/// The statements that recompute one pledge's rows of
/// `report_line_received` (delete, then insert; `$1` the pledge).
fn line_received_of_pledge(backend: Backend) -> [String; 2] {
    [
        "DELETE FROM report_line_received WHERE pledge_id = $1".to_owned(),
        format!(
            "INSERT INTO report_line_received (pledge_id, need_line_id, year, committed, received) {}",
            line_received_sql(backend, true)
        ),
    ]
}

/// Recomputing a pledge's rows of `report_line_received` inside an open
/// transaction of either backend.
pub trait SummaryConn {
    /// Deletes and recomputes the pledge's rows: call after anything about
    /// its live receipts or allocations changed (a receipt recorded or
    /// reversed, an allocation made or reversed), in the same transaction.
    fn recompute_line_received(
        &mut self,
        pledge_id: &str,
    ) -> impl std::future::Future<Output = Result<(), StorageError>> + Send;
}

macro_rules! impl_summary_conn {
    ($conn:ty, $backend:expr) => {
        impl SummaryConn for $conn {
            async fn recompute_line_received(
                &mut self,
                pledge_id: &str,
            ) -> Result<(), StorageError> {
                for sql in line_received_of_pledge($backend) {
                    sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(pledge_id)
                        .execute(&mut *self)
                        .await?;
                }
                Ok(())
            }
        }
    };
}

impl_summary_conn!(sqlx::sqlite::SqliteConnection, Backend::Sqlite);
impl_summary_conn!(sqlx::postgres::PgConnection, Backend::Postgres);

/// One summary: its table, key and value columns, the condition a row of
/// the table must meet to count (rows added to until zero stay), and the
/// recomputation from the rows (per backend).
struct Summary {
    table: &'static str,
    columns: &'static str,
    kept: &'static str,
    live: String,
}

fn summaries(backend: Backend) -> [Summary; 5] {
    let (year_d, month_d, year_r, month_r) = match backend {
        Backend::Sqlite => (
            "CAST(strftime('%Y', handed_over_on) AS BIGINT)",
            "date(handed_over_on, 'start of month')",
            "CAST(strftime('%Y', received_on) AS BIGINT)",
            "date(r.received_on, 'start of month')",
        ),
        Backend::Postgres => (
            "CAST(EXTRACT(YEAR FROM handed_over_on) AS BIGINT)",
            "CAST(date_trunc('month', handed_over_on) AS DATE)",
            "CAST(EXTRACT(YEAR FROM received_on) AS BIGINT)",
            "CAST(date_trunc('month', r.received_on) AS DATE)",
        ),
    };
    [
        Summary {
            table: "report_line_delivered",
            columns: "need_line_id, year, delivered, children, deliveries",
            kept: "deliveries <> 0",
            live: format!(
                "SELECT need_line_id, {year_d}, CAST(SUM(value) AS BIGINT), \
                 CAST(SUM(children_served) AS BIGINT), CAST(COUNT(*) AS BIGINT) FROM deliveries \
                 WHERE status IN {DELIVERED} AND handed_over_on IS NOT NULL \
                 GROUP BY need_line_id, {year_d}"
            ),
        },
        Summary {
            table: "report_money_out",
            columns: "month, province, delivered, deliveries",
            kept: "deliveries <> 0",
            live: format!(
                "SELECT {month_d}, province, CAST(SUM(value) AS BIGINT), CAST(COUNT(*) AS BIGINT) \
                 FROM deliveries WHERE status IN {DELIVERED} AND handed_over_on IS NOT NULL \
                 GROUP BY {month_d}, province"
            ),
        },
        Summary {
            table: "report_pledge_received",
            columns: "pledge_id, year, amount, receipts",
            kept: "receipts <> 0",
            live: format!(
                "SELECT pledge_id, {year_r}, CAST(SUM(amount) AS BIGINT), CAST(COUNT(*) AS BIGINT) \
                 FROM live_receipts GROUP BY pledge_id, {year_r}"
            ),
        },
        Summary {
            table: "report_money_in",
            columns: "month, province, account, origin, donor_type, receipts, money, goods",
            kept: "receipts <> 0",
            live: format!(
                "SELECT {month_r}, r.province, r.account, d.origin, d.donor_type, \
                 CAST(COUNT(*) AS BIGINT), \
                 CAST(SUM(CASE WHEN r.kind = 'money' THEN r.amount ELSE 0 END) AS BIGINT), \
                 CAST(SUM(CASE WHEN r.kind = 'money' THEN 0 ELSE r.amount END) AS BIGINT) \
                 FROM live_receipts r JOIN pledges g ON g.id = r.pledge_id JOIN donors d ON d.id = g.donor_id \
                 GROUP BY {month_r}, r.province, r.account, d.origin, d.donor_type"
            ),
        },
        Summary {
            table: "report_line_received",
            columns: "pledge_id, need_line_id, year, committed, received",
            // Recomputed per pledge, never added to: every row counts.
            kept: "1 = 1",
            live: line_received_sql(backend, false),
        },
    ]
}

/// Recomputes every summary from the rows (for a bulk loader, after it has
/// written deliveries and receipts directly), in one transaction, then
/// refreshes the planner's statistics of the summaries.
pub async fn rebuild(db: &Db) -> Result<(), StorageError> {
    let list = summaries(db.backend());
    db_tx!(db, |tx| {
        for s in &list {
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {}", s.table)))
                .execute(&mut *tx)
                .await?;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO {} ({}) {}",
                s.table, s.columns, s.live
            )))
            .execute(&mut *tx)
            .await?;
        }
    });
    // Fresh statistics: without them PostgreSQL plans the national roll-up
    // for 200-row summaries (measured: 13 s instead of 8.7 s on a loaded
    // machine).
    for s in &list {
        let sql = format!("ANALYZE {}", s.table);
        db_run!(db, |pool| {
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .execute(pool)
                .await
                .map(|_| ())?
        });
    }
    Ok(())
}

/// How one summary table differs from its recomputation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    pub table: &'static str,
    /// Rows of the recomputation missing or different in the table.
    pub missing: i64,
    /// Rows of the table (count not zero) not in the recomputation.
    pub extra: i64,
}

/// Compares every summary with a recomputation from the rows; the tables
/// that differ (empty: all consistent).
pub async fn check(db: &Db) -> Result<Vec<Drift>, StorageError> {
    let mut out = Vec::new();
    for s in summaries(db.backend()) {
        let kept = format!("SELECT {} FROM {} WHERE {}", s.columns, s.table, s.kept);
        // The recomputation may begin with WITH: a subquery of its own.
        let live = format!("SELECT * FROM ({}) y", s.live);
        let missing_sql = format!("SELECT CAST(COUNT(*) AS BIGINT) FROM ({live} EXCEPT {kept}) x");
        let extra_sql = format!("SELECT CAST(COUNT(*) AS BIGINT) FROM ({kept} EXCEPT {live}) x");
        let (missing, extra) = db_run!(db, |pool| {
            let (m,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(missing_sql.clone()))
                .fetch_one(pool)
                .await?;
            let (e,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(extra_sql.clone()))
                .fetch_one(pool)
                .await?;
            (m, e)
        });
        if missing != 0 || extra != 0 {
            out.push(Drift {
                table: s.table,
                missing,
                extra,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_the_year_and_the_first_of_the_month() {
        let d = NaiveDate::from_ymd_opt(2025, 7, 19).expect("valid date");
        assert_eq!(year_of(d), 2025);
        assert_eq!(
            month_of(d),
            NaiveDate::from_ymd_opt(2025, 7, 1).expect("valid date")
        );
    }

    #[test]
    fn every_summary_table_is_listed() {
        let names: Vec<&str> = summaries(Backend::Sqlite).iter().map(|s| s.table).collect();
        assert_eq!(names, TABLES);
    }
}
