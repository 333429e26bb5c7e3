//! Fresh databases for tests, on the backend the environment selects:
//! PostgreSQL when `TEST_DATABASE_URL` is set (a new database per test on
//! that server), otherwise a new SQLite file per test.

use crate::{Backend, Db, DbUrl, StorageError};

/// Which backend the tests run on.
pub fn backend() -> Backend {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => DbUrl::new(url).backend(),
        _ => Backend::Sqlite,
    }
}

/// A new, empty, migrated database with the map of Huế loaded.
pub async fn fresh_db() -> Result<Db, StorageError> {
    let name = format!("ct_test_{}", uuid::Uuid::now_v7().simple());
    let url = match std::env::var("TEST_DATABASE_URL") {
        Ok(base) if DbUrl::new(base.clone()).backend() == Backend::Postgres => {
            let admin = Db::connect(&DbUrl::new(base.clone())).await?;
            if let Db::Postgres(pool) = &admin {
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(pool)
                    .await?;
            }
            admin.close().await;
            replace_db_name(&base, &name)
        }
        _ => std::env::temp_dir()
            .join(format!("{name}.sqlite3"))
            .to_string_lossy()
            .into_owned(),
    };
    let db = Db::connect(&DbUrl::new(url)).await?;
    db.migrate().await?;
    let map =
        domain::admin_units::embedded_map().map_err(|e| StorageError::Corrupt(e.to_string()))?;
    crate::admin_units::replace_all(&db, map).await?;
    Ok(db)
}

/// `postgres://u@h:5432/test?x=y` → `postgres://u@h:5432/NAME?x=y`.
fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let prefix = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

/// Runs one raw SQL statement — for tests that tamper with rows behind the
/// application's back (the ledger must notice).
pub async fn execute(db: &Db, sql: &str) -> Result<u64, StorageError> {
    let n = crate::db_run!(db, |pool| {
        sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(pool)
            .await?
            .rows_affected()
    });
    Ok(n)
}

/// Every value of every column of every table, cast to text, one per
/// line — for tests that grep the whole database (e.g. that nothing
/// identifying a child remains after erasure).
pub async fn dump_text(db: &Db) -> Result<String, StorageError> {
    let mut out = String::new();
    for (table, column) in db.schema_columns().await? {
        let sql = format!("SELECT CAST(\"{column}\" AS TEXT) FROM \"{table}\"");
        let values: Vec<(Option<String>,)> = crate::db_run!(db, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .fetch_all(pool)
                .await?
        });
        for (v,) in values.into_iter() {
            if let Some(v) = v {
                out.push_str(&table);
                out.push('.');
                out.push_str(&column);
                out.push('=');
                out.push_str(&v);
                out.push('\n');
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::replace_db_name;

    #[test]
    fn the_database_name_is_replaced_and_the_rest_kept() {
        assert_eq!(
            replace_db_name("postgres://u@127.0.0.1:5432/test?sslmode=disable", "x"),
            "postgres://u@127.0.0.1:5432/x?sslmode=disable"
        );
        assert_eq!(
            replace_db_name("postgres://u@h/test", "x"),
            "postgres://u@h/x"
        );
        assert_eq!(replace_db_name("postgres://u@h", "x"), "postgres://u@h/x");
    }
}
