//! API tokens for integrations (`Authorization: Bearer …`). Only the
//! SHA-256 of a token is stored; the token itself is shown once.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::audit::{AuditActor, AuditConn, AuditRecord};
use crate::{Db, StorageError, db_run, db_tx};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ApiToken {
    pub id: String,
    pub user_id: String,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub async fn create(
    db: &Db,
    user_id: &str,
    token_hash: &str,
    label: &str,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<String, StorageError> {
    let id = crate::new_id();
    db_tx!(db, |tx| {
        sqlx::query(
            "INSERT INTO api_tokens (id, user_id, token_hash, label, created_at) VALUES ($1,$2,$3,$4,$5)",
        )
        .bind(&id)
        .bind(user_id)
        .bind(token_hash)
        .bind(label)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let rec = AuditRecord {
            actor: actor.clone(),
            at: now,
            action: "create",
            entity: "api_token",
            entity_id: id.clone(),
            before: None,
            after: Some(json!({"user_id": user_id, "label": label})),
        };
        (*tx).append(&rec).await?;
    });
    Ok(id)
}

/// The user a live (unrevoked) token belongs to; records its use.
pub async fn user_for(
    db: &Db,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, StorageError> {
    let row: Option<(String, String)> = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT t.id, t.user_id FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.active = $2",
        )
        .bind(token_hash)
        .bind(true)
        .fetch_optional(pool)
        .await?
    });
    if let Some((id, _)) = &row {
        db_run!(db, |pool| {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(now)
                .bind(id)
                .execute(pool)
                .await?;
        });
    }
    Ok(row.map(|r| r.1))
}

pub async fn list_for_user(db: &Db, user_id: &str) -> Result<Vec<ApiToken>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, ApiToken>(
            "SELECT id, user_id, label, created_at, last_used_at, revoked_at FROM api_tokens \
             WHERE user_id = $1 ORDER BY created_at DESC",
        )
        .bind(user_id)
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

pub async fn revoke(
    db: &Db,
    token_id: &str,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    db_tx!(db, |tx| {
        let n = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(token_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StorageError::NotFound {
                what: format!("api token {token_id}"),
            });
        }
        let rec = AuditRecord {
            actor: actor.clone(),
            at: now,
            action: "revoke",
            entity: "api_token",
            entity_id: token_id.to_owned(),
            before: None,
            after: None,
        };
        (*tx).append(&rec).await?;
    });
    Ok(())
}
