//! Bulk loading of a scratch database (the national-scale benchmark set of
//! `chungtay demo --scale national`): rows written straight into tables,
//! **without audit rows or ledger leaves** — never on a database that
//! serves people. SQLite: multi-row `INSERT`s in one transaction on one
//! connection with the journal off and no fsync (a crash leaves a scratch
//! file to delete). PostgreSQL: `COPY … FROM STDIN` in text format.
//!
//! Also the reverse, for the DuckDB comparison: any query's rows written out
//! as CSV.

use std::fmt::Write as _;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::PgConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Connection, Row};

use crate::{Backend, Db, DbUrl, StorageError};

/// One value of a bulk-loaded row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    Text(String),
    Int(i64),
    Bool(bool),
    Date(NaiveDate),
    Instant(DateTime<Utc>),
    Null,
}

impl From<&str> for Val {
    fn from(s: &str) -> Val {
        Val::Text(s.to_owned())
    }
}

impl From<String> for Val {
    fn from(s: String) -> Val {
        Val::Text(s)
    }
}

impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::Int(v)
    }
}

impl From<bool> for Val {
    fn from(v: bool) -> Val {
        Val::Bool(v)
    }
}

impl From<NaiveDate> for Val {
    fn from(v: NaiveDate) -> Val {
        Val::Date(v)
    }
}

impl From<DateTime<Utc>> for Val {
    fn from(v: DateTime<Utc>) -> Val {
        Val::Instant(v)
    }
}

impl<T: Into<Val>> From<Option<T>> for Val {
    fn from(v: Option<T>) -> Val {
        v.map_or(Val::Null, Into::into)
    }
}

/// An open bulk load: one connection, one long transaction (SQLite).
pub enum BulkLoader {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

/// Rows per multi-row `INSERT` on SQLite.
const SQLITE_ROWS_PER_INSERT: usize = 400;

impl BulkLoader {
    /// Opens the scratch database for loading. On SQLite the journal is off
    /// and writes are not synced until [`BulkLoader::finish`].
    pub async fn open(url: &DbUrl) -> Result<BulkLoader, StorageError> {
        match url.backend() {
            Backend::Sqlite => {
                let raw = url.expose();
                let path = raw
                    .strip_prefix("sqlite://")
                    .or_else(|| raw.strip_prefix("sqlite:"))
                    .unwrap_or(raw);
                let opts = SqliteConnectOptions::new()
                    .filename(path.split('?').next().unwrap_or(path))
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Off)
                    .synchronous(SqliteSynchronous::Off)
                    .foreign_keys(false);
                let mut conn = SqliteConnection::connect_with(&opts).await?;
                sqlx::query("PRAGMA cache_size = -262144")
                    .execute(&mut conn)
                    .await?;
                sqlx::query("BEGIN").execute(&mut conn).await?;
                Ok(BulkLoader::Sqlite(conn))
            }
            Backend::Postgres => {
                let mut conn = PgConnection::connect(url.expose()).await?;
                sqlx::query("SET synchronous_commit = off")
                    .execute(&mut conn)
                    .await?;
                Ok(BulkLoader::Postgres(conn))
            }
        }
    }

    /// Appends rows to `table` (columns in the order given).
    pub async fn insert(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: &[Vec<Val>],
    ) -> Result<(), StorageError> {
        if rows.is_empty() {
            return Ok(());
        }
        for row in rows {
            if row.len() != columns.len() {
                return Err(StorageError::Corrupt(format!(
                    "bulk row for {table}: {} values for {} columns",
                    row.len(),
                    columns.len()
                )));
            }
        }
        match self {
            BulkLoader::Sqlite(conn) => {
                let head = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
                for chunk in rows.chunks(SQLITE_ROWS_PER_INSERT) {
                    let mut sql = String::with_capacity(head.len() + chunk.len() * 128);
                    sql.push_str(&head);
                    for (i, row) in chunk.iter().enumerate() {
                        sql.push_str(if i == 0 { "(" } else { ",(" });
                        for (j, v) in row.iter().enumerate() {
                            if j > 0 {
                                sql.push(',');
                            }
                            sqlite_literal(&mut sql, v);
                        }
                        sql.push(')');
                    }
                    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                        .execute(&mut *conn)
                        .await?;
                }
            }
            BulkLoader::Postgres(conn) => {
                let mut data = String::with_capacity(rows.len() * 128);
                for row in rows {
                    for (j, v) in row.iter().enumerate() {
                        if j > 0 {
                            data.push('\t');
                        }
                        copy_text(&mut data, v);
                    }
                    data.push('\n');
                }
                let statement = format!("COPY {table} ({}) FROM STDIN", columns.join(", "));
                let mut copy = conn.copy_in_raw(&statement).await?;
                copy.send(data.as_bytes()).await?;
                copy.finish().await?;
            }
        }
        Ok(())
    }

    /// Commits, and refreshes the planner's statistics.
    pub async fn finish(self) -> Result<(), StorageError> {
        match self {
            BulkLoader::Sqlite(mut conn) => {
                sqlx::query("COMMIT").execute(&mut conn).await?;
                sqlx::query("ANALYZE").execute(&mut conn).await?;
                conn.close().await?;
            }
            BulkLoader::Postgres(mut conn) => {
                sqlx::query("ANALYZE").execute(&mut conn).await?;
                conn.close().await?;
            }
        }
        Ok(())
    }
}

/// A value as a SQLite literal, written as sqlx would bind it (dates
/// `YYYY-MM-DD`, instants RFC 3339 in UTC, booleans 0/1).
fn sqlite_literal(out: &mut String, v: &Val) {
    match v {
        Val::Text(s) => {
            out.push('\'');
            out.push_str(&s.replace('\'', "''"));
            out.push('\'');
        }
        Val::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Val::Bool(b) => out.push(if *b { '1' } else { '0' }),
        Val::Date(d) => {
            let _ = write!(out, "'{}'", d.format("%F"));
        }
        Val::Instant(t) => {
            let _ = write!(
                out,
                "'{}'",
                t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
            );
        }
        Val::Null => out.push_str("NULL"),
    }
}

/// A value in PostgreSQL's COPY text format.
fn copy_text(out: &mut String, v: &Val) {
    match v {
        Val::Text(s) => {
            for ch in s.chars() {
                match ch {
                    '\\' => out.push_str("\\\\"),
                    '\t' => out.push_str("\\t"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    c => out.push(c),
                }
            }
        }
        Val::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Val::Bool(b) => out.push(if *b { 't' } else { 'f' }),
        Val::Date(d) => {
            let _ = write!(out, "{}", d.format("%F"));
        }
        Val::Instant(t) => {
            let _ = write!(out, "{}", t.format("%F %T%.f"));
        }
        Val::Null => out.push_str("\\N"),
    }
}

/// How a column is written to CSV (and typed for DuckDB).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvType {
    Text,
    Int,
    Bool,
    Date,
    /// A `TIMESTAMP` in UTC, written `YYYY-MM-DD HH:MM:SS[.ffffff]`.
    Instant,
}

impl FromStr for CsvType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "text" => Ok(CsvType::Text),
            "int" => Ok(CsvType::Int),
            "bool" => Ok(CsvType::Bool),
            "date" => Ok(CsvType::Date),
            "instant" => Ok(CsvType::Instant),
            other => Err(format!("unknown column type {other}")),
        }
    }
}

fn csv_field(out: &mut String, s: &str) {
    if s.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}

/// Writes `SELECT <columns> FROM <table>` as CSV (header line, empty field
/// for NULL) to `path`; returns the number of rows. Streams: memory stays
/// flat whatever the table's size.
pub async fn export_csv(
    db: &Db,
    table: &str,
    columns: &[(&str, CsvType)],
    path: &std::path::Path,
) -> Result<u64, StorageError> {
    use futures_util::TryStreamExt;
    use std::io::Write;
    let file = std::fs::File::create(path)
        .map_err(|e| StorageError::Corrupt(format!("{}: {e}", path.display())))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    let io = |e: std::io::Error| StorageError::Corrupt(format!("{}: {e}", path.display()));
    let names: Vec<&str> = columns.iter().map(|(n, _)| *n).collect();
    writeln!(w, "{}", names.join(",")).map_err(io)?;
    // Instants as text on both backends (PostgreSQL `TIMESTAMP` is not a
    // `DateTime<Utc>` to sqlx), normalised below.
    let select: Vec<String> = columns
        .iter()
        .map(|(n, ty)| match ty {
            CsvType::Instant => format!("CAST({n} AS TEXT)"),
            _ => (*n).to_owned(),
        })
        .collect();
    let sql = format!("SELECT {} FROM {table}", select.join(", "));
    let mut n = 0u64;
    let mut line = String::new();
    crate::db_run!(db, |pool| {
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).fetch(pool);
        while let Some(row) = rows.try_next().await? {
            line.clear();
            for (i, (_, ty)) in columns.iter().enumerate() {
                if i > 0 {
                    line.push(',');
                }
                match ty {
                    CsvType::Text => {
                        if let Some(s) = row.try_get::<Option<String>, _>(i)? {
                            csv_field(&mut line, &s);
                        }
                    }
                    CsvType::Int => {
                        if let Some(v) = row.try_get::<Option<i64>, _>(i)? {
                            let _ = write!(line, "{v}");
                        }
                    }
                    CsvType::Bool => {
                        if let Some(v) = row.try_get::<Option<bool>, _>(i)? {
                            line.push_str(if v { "true" } else { "false" });
                        }
                    }
                    CsvType::Date => {
                        if let Some(v) = row.try_get::<Option<NaiveDate>, _>(i)? {
                            let _ = write!(line, "{}", v.format("%F"));
                        }
                    }
                    CsvType::Instant => {
                        if let Some(v) = row.try_get::<Option<String>, _>(i)? {
                            line.push_str(&plain_instant(&v));
                        }
                    }
                }
            }
            line.push('\n');
            w.write_all(line.as_bytes()).map_err(io)?;
            n += 1;
        }
    });
    w.flush().map_err(io)?;
    Ok(n)
}

/// `2025-03-01T08:00:00.123456789+00:00` (SQLite) or
/// `2025-03-01 08:00:00.123456` (PostgreSQL) → `2025-03-01 08:00:00.123456`:
/// UTC, a space, at most microseconds.
fn plain_instant(raw: &str) -> String {
    let s = raw.trim().replacen('T', " ", 1);
    let s = s
        .strip_suffix("+00:00")
        .or_else(|| s.strip_suffix('Z'))
        .unwrap_or(&s)
        .to_owned();
    match s.split_once('.') {
        Some((whole, frac)) => {
            let digits: String = frac.chars().take(6).collect();
            format!("{whole}.{digits}")
        }
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_escaped_for_each_backend() {
        let mut s = String::new();
        sqlite_literal(&mut s, &Val::Text("O'Brien".into()));
        assert_eq!(s, "'O''Brien'");
        let mut c = String::new();
        copy_text(&mut c, &Val::Text("a\tb\\c\nd".into()));
        assert_eq!(c, "a\\tb\\\\c\\nd");
        let mut n = String::new();
        copy_text(&mut n, &Val::Null);
        assert_eq!(n, "\\N");
        let mut f = String::new();
        csv_field(&mut f, "Xã \"A\", 1");
        assert_eq!(f, "\"Xã \"\"A\"\", 1\"");
        assert_eq!(
            plain_instant("2025-03-01T08:00:00.123456789+00:00"),
            "2025-03-01 08:00:00.123456"
        );
        assert_eq!(plain_instant("2025-03-01 08:00:00"), "2025-03-01 08:00:00");
    }
}
