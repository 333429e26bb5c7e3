//! Login sessions kept in the database. The cookie holds a random secret;
//! the table holds only its SHA-256, so a stolen database dump cannot be
//! replayed as cookies.

use chrono::{DateTime, Utc};

use crate::{Db, StorageError, db_run};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Session {
    pub id_hash: String,
    pub user_id: String,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

pub async fn create(db: &Db, s: &Session) -> Result<(), StorageError> {
    db_run!(db, |pool| {
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, last_seen_at, expires_at) \
             VALUES ($1,$2,$3,$4,$5,$6)",
        )
        .bind(&s.id_hash)
        .bind(&s.user_id)
        .bind(&s.csrf_token)
        .bind(s.created_at)
        .bind(s.last_seen_at)
        .bind(s.expires_at)
        .execute(pool)
        .await?;
    });
    Ok(())
}

pub async fn get(db: &Db, id_hash: &str) -> Result<Option<Session>, StorageError> {
    let row = db_run!(db, |pool| {
        sqlx::query_as::<_, Session>(
            "SELECT id_hash, user_id, csrf_token, created_at, last_seen_at, expires_at \
             FROM sessions WHERE id_hash = $1",
        )
        .bind(id_hash)
        .fetch_optional(pool)
        .await?
    });
    Ok(row)
}

pub async fn touch(db: &Db, id_hash: &str, now: DateTime<Utc>) -> Result<(), StorageError> {
    db_run!(db, |pool| {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
            .bind(now)
            .bind(id_hash)
            .execute(pool)
            .await?;
    });
    Ok(())
}

pub async fn delete(db: &Db, id_hash: &str) -> Result<(), StorageError> {
    db_run!(db, |pool| {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// Removes sessions past their absolute expiry or idle too long.
pub async fn purge_expired(
    db: &Db,
    now: DateTime<Utc>,
    idle_cutoff: DateTime<Utc>,
) -> Result<u64, StorageError> {
    let n = db_run!(db, |pool| {
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
            .bind(now)
            .bind(idle_cutoff)
            .execute(pool)
            .await?
            .rows_affected()
    });
    Ok(n)
}
