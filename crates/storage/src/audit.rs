//! The audit log: who did what, when, before and after. Every change is
//! appended in the same transaction as the change itself. Rows form a hash
//! chain (each row's hash covers the previous hash and the row), so an
//! edited or deleted row is detected by [`verify`].

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, SqliteConnection};

use crate::{Db, StorageError, db_run};

/// Who acted: a user, or the system (CLI, demo loader).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditActor {
    pub id: Option<String>,
    pub name: String,
}

impl AuditActor {
    pub fn system(what: &str) -> Self {
        AuditActor {
            id: None,
            name: format!("system:{what}"),
        }
    }
}

/// One change, as recorded.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    pub actor: AuditActor,
    pub at: DateTime<Utc>,
    pub action: &'static str,
    pub entity: &'static str,
    pub entity_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// A stored audit row.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AuditRow {
    pub seq: i64,
    pub id: String,
    pub at: DateTime<Utc>,
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[allow(clippy::too_many_arguments)] // one argument per hashed column, in order
fn row_hash(
    prev: &str,
    id: &str,
    at: &DateTime<Utc>,
    actor_id: Option<&str>,
    actor_name: &str,
    action: &str,
    entity: &str,
    entity_id: &str,
    before: Option<&str>,
    after: Option<&str>,
) -> String {
    let canonical = json!([
        id,
        at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        actor_id,
        actor_name,
        action,
        entity,
        entity_id,
        before,
        after
    ]);
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(canonical.to_string().as_bytes());
    hex(&h.finalize())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Appending inside an open transaction of either backend.
pub trait AuditConn {
    fn append(
        &mut self,
        rec: &AuditRecord,
    ) -> impl std::future::Future<Output = Result<(), StorageError>> + Send;
}

macro_rules! impl_audit_conn {
    ($conn:ty, $lock:expr) => {
        impl AuditConn for $conn {
            async fn append(&mut self, rec: &AuditRecord) -> Result<(), StorageError> {
                if let Some(lock) = $lock {
                    sqlx::query(lock).execute(&mut *self).await?;
                }
                let prev: Option<(String,)> =
                    sqlx::query_as("SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1")
                        .fetch_optional(&mut *self)
                        .await?;
                let prev = prev.map_or_else(|| GENESIS.to_owned(), |p| p.0);
                let id = crate::new_id();
                let before = rec.before.as_ref().map(Value::to_string);
                let after = rec.after.as_ref().map(Value::to_string);
                // Round to microseconds: what both databases keep.
                let at = DateTime::<Utc>::from_timestamp_micros(rec.at.timestamp_micros())
                    .unwrap_or(rec.at);
                let hash = row_hash(
                    &prev,
                    &id,
                    &at,
                    rec.actor.id.as_deref(),
                    &rec.actor.name,
                    rec.action,
                    rec.entity,
                    &rec.entity_id,
                    before.as_deref(),
                    after.as_deref(),
                );
                sqlx::query(
                    "INSERT INTO audit_events (id, at, actor_id, actor_name, action, entity, entity_id, \
                     before_json, after_json, prev_hash, hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
                )
                .bind(&id)
                .bind(at)
                .bind(&rec.actor.id)
                .bind(&rec.actor.name)
                .bind(rec.action)
                .bind(rec.entity)
                .bind(&rec.entity_id)
                .bind(&before)
                .bind(&after)
                .bind(&prev)
                .bind(&hash)
                .execute(&mut *self)
                .await?;
                Ok(())
            }
        }
    };
}

// SQLite transactions are already exclusive (BEGIN IMMEDIATE); PostgreSQL
// needs a lock so that two writers never chain onto the same previous row.
impl_audit_conn!(SqliteConnection, None::<&'static str>);
impl_audit_conn!(
    PgConnection,
    Some("LOCK TABLE audit_events IN SHARE ROW EXCLUSIVE MODE")
);

/// Filters for browsing the log.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub actor_name: Option<String>,
    pub action: Option<String>,
    /// Only rows older than this sequence number (paging backwards).
    pub before_seq: Option<i64>,
    pub limit: i64,
}

/// The newest rows matching the filter, newest first.
pub async fn list(db: &Db, filter: &AuditFilter) -> Result<Vec<AuditRow>, StorageError> {
    let limit = filter.limit.clamp(1, 500);
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, AuditRow>(
            "SELECT seq, id, at, actor_id, actor_name, action, entity, entity_id, before_json, \
             after_json, prev_hash, hash FROM audit_events \
             WHERE ($1 IS NULL OR entity = $1) AND ($2 IS NULL OR actor_name = $2) \
             AND ($3 IS NULL OR action = $3) AND ($4 IS NULL OR seq < $4) \
             ORDER BY seq DESC LIMIT $5",
        )
        .bind(&filter.entity)
        .bind(&filter.actor_name)
        .bind(&filter.action)
        .bind(filter.before_seq)
        .bind(limit)
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

/// Recomputes the whole chain. `Ok(n)` is the number of rows checked;
/// `Err(Corrupt)` names the first row that does not match.
pub async fn verify(db: &Db) -> Result<usize, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, AuditRow>(
            "SELECT seq, id, at, actor_id, actor_name, action, entity, entity_id, before_json, \
             after_json, prev_hash, hash FROM audit_events ORDER BY seq",
        )
        .fetch_all(pool)
        .await?
    });
    let mut prev = GENESIS.to_owned();
    for row in &rows {
        let expected = row_hash(
            &prev,
            &row.id,
            &row.at,
            row.actor_id.as_deref(),
            &row.actor_name,
            &row.action,
            &row.entity,
            &row.entity_id,
            row.before_json.as_deref(),
            row.after_json.as_deref(),
        );
        if row.prev_hash != prev || row.hash != expected {
            return Err(StorageError::Corrupt(format!(
                "audit chain broken at seq {}",
                row.seq
            )));
        }
        prev = row.hash.clone();
    }
    Ok(rows.len())
}
