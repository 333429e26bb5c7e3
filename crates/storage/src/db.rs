//! Choosing and opening the database from a URL, migrations, health.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::StorageError;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database URL, with a `Debug`/`Display` that hides any password.
#[derive(Clone, PartialEq, Eq)]
pub struct DbUrl(String);

impl DbUrl {
    pub fn new(url: impl Into<String>) -> Self {
        DbUrl(url.into())
    }

    /// `postgres://` or `postgresql://` selects PostgreSQL; anything else is
    /// a SQLite file path or `sqlite:` URL.
    pub fn backend(&self) -> Backend {
        if self.0.starts_with("postgres://") || self.0.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    fn redacted(&self) -> String {
        match (self.0.find("://"), self.0.rfind('@')) {
            (Some(scheme), Some(at)) if at > scheme => {
                let creds = &self.0[scheme + 3..at];
                match creds.split_once(':') {
                    Some((user, _)) => {
                        format!("{}{user}:***{}", &self.0[..scheme + 3], &self.0[at..])
                    }
                    None => self.0.clone(),
                }
            }
            _ => self.0.clone(),
        }
    }
}

impl fmt::Display for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DbUrl({})", self.redacted())
    }
}

/// An open database: a pool of one of the two backends.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Db {
    /// Open (and for SQLite create) the database. Fails fast with a clear
    /// error when the URL is malformed or the server unreachable.
    pub async fn connect(url: &DbUrl) -> Result<Db, StorageError> {
        match url.backend() {
            Backend::Postgres => {
                let opts =
                    PgConnectOptions::from_str(url.expose()).map_err(|e| StorageError::BadUrl {
                        url: url.to_string(),
                        reason: e.to_string(),
                    })?;
                // One direct connection first: its error names the cause
                // (refused, unknown host, bad password) where the pool's
                // would only say it timed out.
                let probe = tokio_timeout(sqlx::ConnectOptions::connect(&opts)).await;
                match probe {
                    Ok(Ok(conn)) => {
                        let _ = sqlx::Connection::close(conn).await;
                    }
                    Ok(Err(source)) => {
                        return Err(StorageError::Connect {
                            url: url.to_string(),
                            source,
                        });
                    }
                    Err(()) => {
                        return Err(StorageError::Connect {
                            url: url.to_string(),
                            source: sqlx::Error::PoolTimedOut,
                        });
                    }
                }
                let pool = PgPoolOptions::new()
                    .max_connections(10)
                    .acquire_timeout(Duration::from_secs(5))
                    .connect_with(opts)
                    .await
                    .map_err(|source| StorageError::Connect {
                        url: url.to_string(),
                        source,
                    })?;
                Ok(Db::Postgres(pool))
            }
            Backend::Sqlite => {
                let raw = url.expose();
                let path = raw
                    .strip_prefix("sqlite://")
                    .or_else(|| raw.strip_prefix("sqlite:"))
                    .unwrap_or(raw);
                let path = path.split('?').next().unwrap_or(path);
                if path.is_empty() || path.contains("://") {
                    return Err(StorageError::BadUrl {
                        url: url.to_string(),
                        reason: "expected a file path, sqlite:PATH or postgres://…".into(),
                    });
                }
                if let Some(parent) = std::path::Path::new(path).parent()
                    && !parent.as_os_str().is_empty()
                {
                    std::fs::create_dir_all(parent).map_err(|e| StorageError::BadUrl {
                        url: url.to_string(),
                        reason: e.to_string(),
                    })?;
                }
                let opts = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10));
                let pool = SqlitePoolOptions::new()
                    .max_connections(8)
                    .connect_with(opts)
                    .await
                    .map_err(|source| StorageError::Connect {
                        url: url.to_string(),
                        source,
                    })?;
                Ok(Db::Sqlite(pool))
            }
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Apply the migrations of this backend's folder.
    pub async fn migrate(&self) -> Result<(), StorageError> {
        match self {
            Db::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
            Db::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StorageError> {
        crate::db_run!(self, |pool| {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    /// Names and versions of the migrations of both folders, for the parity
    /// test and `chungtay migrate`.
    pub fn migration_versions(backend: Backend) -> Vec<(i64, String)> {
        let m = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        m.iter()
            .map(|m| (m.version, m.description.to_string()))
            .collect()
    }

    /// Tables and their columns after migration, sorted, for the parity test.
    pub async fn schema_columns(&self) -> Result<Vec<(String, String)>, StorageError> {
        let mut cols: Vec<(String, String)> = match self {
            Db::Sqlite(pool) => {
                sqlx::query_as(
                    "SELECT m.name, p.name FROM sqlite_schema m, pragma_table_info(m.name) p \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'",
                )
                .fetch_all(pool)
                .await?
            }
            Db::Postgres(pool) => {
                sqlx::query_as(
                    "SELECT c.table_name::TEXT, c.column_name::TEXT FROM information_schema.columns c \
                     JOIN information_schema.tables t ON t.table_schema = c.table_schema \
                     AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE' \
                     WHERE c.table_schema = current_schema() AND c.table_name NOT LIKE '_sqlx%'",
                )
                .fetch_all(pool)
                .await?
            }
        };
        cols.sort();
        Ok(cols)
    }

    pub async fn close(&self) {
        crate::db_run!(self, |pool| pool.close().await)
    }
}

/// Waits at most 10 s for a future (connection attempts).
async fn tokio_timeout<T>(fut: impl std::future::Future<Output = T>) -> Result<T, ()> {
    let timeout = std::time::Duration::from_secs(10);
    tokio::time::timeout(timeout, fut).await.map_err(|_| ())
}

/// A new id: a UUIDv7 (time-ordered, random), as text. Ids made on two
/// servers or two databases never collide.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_urls_select_postgres_and_everything_else_sqlite() {
        assert_eq!(DbUrl::new("postgres://a@b/c").backend(), Backend::Postgres);
        assert_eq!(
            DbUrl::new("postgresql://a@b/c").backend(),
            Backend::Postgres
        );
        assert_eq!(
            DbUrl::new("data/chungtay.sqlite3").backend(),
            Backend::Sqlite
        );
        assert_eq!(DbUrl::new("sqlite://x.db").backend(), Backend::Sqlite);
    }

    #[test]
    fn passwords_never_appear_when_a_url_is_printed() {
        let url = DbUrl::new("postgres://chungtay:s3cret@db.example/ct");
        assert!(!url.to_string().contains("s3cret"));
        assert!(!format!("{url:?}").contains("s3cret"));
        assert!(url.to_string().contains("chungtay:***@db.example"));
    }

    #[test]
    fn both_migration_folders_have_the_same_versions() {
        let names = |b| -> Vec<(i64, String)> { Db::migration_versions(b) };
        assert_eq!(names(Backend::Sqlite), names(Backend::Postgres));
        assert!(!names(Backend::Sqlite).is_empty());
    }
}
