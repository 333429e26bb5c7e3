//! People who log in: accounts, roles, scopes, passwords.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::audit::{AuditActor, AuditConn, AuditRecord};
use crate::{Db, StorageError, db_run, db_tx};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct User {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub org_id: Option<String>,
    pub lang: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    /// `health` or `education` for sector officers.
    pub sector: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: String,
    pub org_id: Option<String>,
    pub lang: String,
    pub scopes: Vec<String>,
}

fn user_json(u: &NewUser) -> serde_json::Value {
    json!({"username": u.username, "display_name": u.display_name, "role": u.role,
           "org_id": u.org_id, "lang": u.lang, "scopes": u.scopes})
}

/// Creates a user and its scope in one transaction, audited.
pub async fn create(
    db: &Db,
    user: &NewUser,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<String, StorageError> {
    let id = crate::new_id();
    db_tx!(db, |tx| {
        sqlx::query(
            "INSERT INTO users (id, username, display_name, password_hash, role, org_id, lang, active, created_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
        )
        .bind(&id)
        .bind(&user.username)
        .bind(&user.display_name)
        .bind(&user.password_hash)
        .bind(&user.role)
        .bind(&user.org_id)
        .bind(&user.lang)
        .bind(true)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| StorageError::on_unique(e, format!("username {}", user.username)))?;
        for code in &user.scopes {
            sqlx::query("INSERT INTO user_scopes (user_id, unit_code) VALUES ($1, $2)")
                .bind(&id)
                .bind(code)
                .execute(&mut *tx)
                .await?;
        }
        let rec = AuditRecord {
            actor: actor.clone(),
            at: now,
            action: "create",
            entity: "user",
            entity_id: id.clone(),
            before: None,
            after: Some(user_json(user)),
        };
        (*tx).append(&rec).await?;
    });
    Ok(id)
}

/// The user and their password hash, for login.
pub async fn find_for_login(
    db: &Db,
    username: &str,
) -> Result<Option<(User, String)>, StorageError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        user: User,
        password_hash: String,
    }
    let row = db_run!(db, |pool| {
        sqlx::query_as::<_, Row>(
            "SELECT id, username, display_name, role, org_id, lang, active, created_at, sector, password_hash \
             FROM users WHERE username = $1",
        )
        .bind(username)
        .fetch_optional(pool)
        .await?
    });
    Ok(row.map(|r| (r.user, r.password_hash)))
}

pub async fn get(db: &Db, id: &str) -> Result<Option<User>, StorageError> {
    let row = db_run!(db, |pool| {
        sqlx::query_as::<_, User>(
            "SELECT id, username, display_name, role, org_id, lang, active, created_at, sector FROM users WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(pool)
        .await?
    });
    Ok(row)
}

pub async fn list(db: &Db) -> Result<Vec<User>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, User>(
            "SELECT id, username, display_name, role, org_id, lang, active, created_at, sector FROM users ORDER BY username",
        )
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

pub async fn count(db: &Db) -> Result<i64, StorageError> {
    let n: (i64,) = db_run!(db, |pool| {
        sqlx::query_as("SELECT COUNT(*) FROM users")
            .fetch_one(pool)
            .await?
    });
    Ok(n.0)
}

/// The unit codes a user's scope names (unexpanded).
pub async fn scopes(db: &Db, user_id: &str) -> Result<Vec<String>, StorageError> {
    let rows: Vec<(String,)> = db_run!(db, |pool| {
        sqlx::query_as("SELECT unit_code FROM user_scopes WHERE user_id = $1 ORDER BY unit_code")
            .bind(user_id)
            .fetch_all(pool)
            .await?
    });
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// What an admin may change of a user.
#[derive(Debug, Clone)]
pub struct UserUpdate {
    pub role: String,
    pub active: bool,
    pub scopes: Vec<String>,
}

/// Changes role, activity and scope in one audited transaction. A user
/// deactivated or whose role changed loses their sessions.
pub async fn update(
    db: &Db,
    user_id: &str,
    change: &UserUpdate,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    let before = get(db, user_id)
        .await?
        .ok_or_else(|| StorageError::NotFound {
            what: format!("user {user_id}"),
        })?;
    let before_scopes = scopes(db, user_id).await?;
    db_tx!(db, |tx| {
        sqlx::query("UPDATE users SET role = $1, active = $2 WHERE id = $3")
            .bind(&change.role)
            .bind(change.active)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM user_scopes WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        for code in &change.scopes {
            sqlx::query("INSERT INTO user_scopes (user_id, unit_code) VALUES ($1, $2)")
                .bind(user_id)
                .bind(code)
                .execute(&mut *tx)
                .await?;
        }
        if before.role != change.role || !change.active {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
        let rec = AuditRecord {
            actor: actor.clone(),
            at: now,
            action: "update",
            entity: "user",
            entity_id: user_id.to_owned(),
            before: Some(
                json!({"role": before.role, "active": before.active, "scopes": before_scopes}),
            ),
            after: Some(
                json!({"role": change.role, "active": change.active, "scopes": change.scopes}),
            ),
        };
        (*tx).append(&rec).await?;
    });
    Ok(())
}

/// Sets a new password hash and ends every session of the user except
/// `keep_session` (the one that made the change, already rotated).
pub async fn set_password(
    db: &Db,
    user_id: &str,
    password_hash: &str,
    keep_session: Option<&str>,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    db_tx!(db, |tx| {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
            .bind(user_id)
            .bind(keep_session.unwrap_or(""))
            .execute(&mut *tx)
            .await?;
        let rec = AuditRecord {
            actor: actor.clone(),
            at: now,
            action: "change_password",
            entity: "user",
            entity_id: user_id.to_owned(),
            before: None,
            after: None,
        };
        (*tx).append(&rec).await?;
    });
    Ok(())
}

pub async fn set_lang(db: &Db, user_id: &str, lang: &str) -> Result<(), StorageError> {
    db_run!(db, |pool| {
        sqlx::query("UPDATE users SET lang = $1 WHERE id = $2")
            .bind(lang)
            .bind(user_id)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// Sets the sector a sector officer verifies for (`health`, `education`, or
/// none), audited.
pub async fn set_sector(
    db: &Db,
    user_id: &str,
    sector: Option<&str>,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    db_tx!(db, |tx| {
        sqlx::query("UPDATE users SET sector = $1 WHERE id = $2")
            .bind(sector)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let rec = AuditRecord {
            actor: actor.clone(),
            at: now,
            action: "set_sector",
            entity: "user",
            entity_id: user_id.to_owned(),
            before: None,
            after: Some(json!({"sector": sector})),
        };
        (*tx).append(&rec).await?;
    });
    Ok(())
}
