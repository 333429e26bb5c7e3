//! The notification outbox (R25: the coordinator urges units that lag).
//! A notice is always shown in the app to its user; it is also e-mailed
//! when the user has an address (`email_status` `pending` until the web
//! layer's sender delivers it through SMTP, `sent`, or `failed` after
//! [`MAX_ATTEMPTS`]). Notices carry a kind and arguments, not text: each
//! reader renders them in their own language.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};

use crate::audit::{AuditActor, AuditConn, AuditRecord};
use crate::{Db, StorageError, db_run, db_tx};

/// Sending gives up after this many failed attempts.
pub const MAX_ATTEMPTS: i64 = 5;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Notice {
    pub id: String,
    pub user_id: String,
    /// `reminder`, `returned`, `exception`.
    pub kind: String,
    pub args_json: String,
    pub link: String,
    pub email_to: Option<String>,
    /// `none`, `pending`, `sent`, `failed`.
    pub email_status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub read_at: Option<DateTime<Utc>>,
}

impl Notice {
    /// The arguments as (name, value) pairs of strings.
    pub fn args(&self) -> Vec<(String, String)> {
        match serde_json::from_str::<Value>(&self.args_json) {
            Ok(Value::Object(m)) => m
                .into_iter()
                .map(|(k, v)| {
                    let v = match v {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    (k, v)
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// A pending e-mail with its reader's language.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Outgoing {
    #[sqlx(flatten)]
    pub notice: Notice,
    pub lang: String,
}

/// A notice to send.
#[derive(Debug, Clone)]
pub struct NewNotice {
    pub user_id: String,
    pub kind: &'static str,
    /// The same key twice is one notice (a reminder clicked twice a day).
    pub dedupe_key: String,
    pub args: Value,
    pub link: String,
}

const COLUMNS: &str = "id, user_id, kind, args_json, link, email_to, email_status, attempts, last_error, \
    created_at, sent_at, read_at";

/// Queues notices (each once per dedupe key), with the user's e-mail
/// address if they have one. One audit row for the batch. Returns how many
/// were new.
pub async fn enqueue(
    db: &Db,
    notices: &[NewNotice],
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<usize, StorageError> {
    if notices.is_empty() {
        return Ok(0);
    }
    let n = db_tx!(db, |tx| {
        let mut n = 0usize;
        for x in notices {
            let email: Option<(Option<String>,)> =
                sqlx::query_as("SELECT email FROM users WHERE id = $1")
                    .bind(&x.user_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let email = email.and_then(|(e,)| e).filter(|e| !e.trim().is_empty());
            let status = if email.is_some() { "pending" } else { "none" };
            let done = sqlx::query(
                "INSERT INTO notifications (id, province, user_id, kind, dedupe_key, args_json, link, email_to, \
                 email_status, attempts, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,0,$10) \
                 ON CONFLICT (dedupe_key) DO NOTHING",
            )
            .bind(crate::new_id())
            .bind(crate::admin_units::PROVINCE)
            .bind(&x.user_id)
            .bind(x.kind)
            .bind(&x.dedupe_key)
            .bind(x.args.to_string())
            .bind(&x.link)
            .bind(&email)
            .bind(status)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            n += usize::try_from(done).unwrap_or(0);
        }
        if n > 0 {
            let kinds: BTreeSet<&str> = notices.iter().map(|x| x.kind).collect();
            let rec = AuditRecord {
                actor: actor.clone(),
                at: now,
                action: "enqueue",
                entity: "notification",
                entity_id: format!("{}", notices.len()),
                before: None,
                after: Some(json!({"new": n, "kinds": kinds})),
            };
            (*tx).append(&rec).await?;
        }
        n
    });
    Ok(n)
}

/// A user's notices, unread first, newest first.
pub async fn for_user(db: &Db, user_id: &str, limit: i64) -> Result<Vec<Notice>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, Notice>(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM notifications WHERE user_id = $1 \
             ORDER BY CASE WHEN read_at IS NULL THEN 0 ELSE 1 END, created_at DESC, id DESC LIMIT $2"
        )))
        .bind(user_id)
        .bind(limit.clamp(1, 200))
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

/// Marks a user's notice read; `false` if it is not theirs or unknown.
pub async fn mark_read(
    db: &Db,
    user_id: &str,
    id: &str,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    let n = db_run!(db, |pool| {
        sqlx::query(
            "UPDATE notifications SET read_at = $1 WHERE id = $2 AND user_id = $3 AND read_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .bind(user_id)
        .execute(pool)
        .await?
        .rows_affected()
    });
    Ok(n > 0)
}

/// E-mails waiting to be sent, oldest first, with their reader's language.
pub async fn pending_email(db: &Db, limit: i64) -> Result<Vec<Outgoing>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, Outgoing>(
            "SELECT n.id, n.user_id, n.kind, n.args_json, n.link, n.email_to, n.email_status, n.attempts, \
             n.last_error, n.created_at, n.sent_at, n.read_at, u.lang FROM notifications n \
             JOIN users u ON u.id = n.user_id WHERE n.email_status = 'pending' \
             ORDER BY n.created_at, n.id LIMIT $1",
        )
        .bind(limit.clamp(1, 500))
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

pub async fn mark_sent(db: &Db, id: &str, now: DateTime<Utc>) -> Result<(), StorageError> {
    db_run!(db, |pool| {
        sqlx::query(
            "UPDATE notifications SET email_status = 'sent', sent_at = $1, attempts = attempts + 1, \
             last_error = NULL WHERE id = $2",
        )
        .bind(now)
        .bind(id)
        .execute(pool)
        .await?;
    });
    Ok(())
}

/// Records a failed attempt; after [`MAX_ATTEMPTS`] the notice is `failed`.
pub async fn mark_failed(db: &Db, id: &str, error: &str) -> Result<(), StorageError> {
    let error: String = error.chars().take(500).collect();
    db_run!(db, |pool| {
        sqlx::query(
            "UPDATE notifications SET attempts = attempts + 1, last_error = $1, \
             email_status = CASE WHEN attempts + 1 >= $2 THEN 'failed' ELSE 'pending' END WHERE id = $3",
        )
        .bind(&error)
        .bind(MAX_ATTEMPTS)
        .bind(id)
        .execute(pool)
        .await?;
    });
    Ok(())
}

/// Sets (or clears) where a user's notices are e-mailed. Audited.
pub async fn set_email(
    db: &Db,
    user_id: &str,
    email: Option<&str>,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    let email = email.map(str::trim).filter(|e| !e.is_empty());
    db_tx!(db, |tx| {
        let before: Option<(Option<String>,)> =
            sqlx::query_as("SELECT email FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((before,)) = before else {
            return Err(StorageError::NotFound {
                what: format!("user {user_id}"),
            });
        };
        sqlx::query("UPDATE users SET email = $1 WHERE id = $2")
            .bind(email)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let rec = AuditRecord {
            actor: actor.clone(),
            at: now,
            action: "set_email",
            entity: "user",
            entity_id: user_id.to_owned(),
            before: Some(json!({ "email": before })),
            after: Some(json!({ "email": email })),
        };
        (*tx).append(&rec).await?;
    });
    Ok(())
}

/// Reminds the officers of every unit that has not filed its report of
/// `year`: a local officer whose (expanded) scope covers an administrative
/// unit, or any user of an organisation that reports. One notice per
/// obligation, user and `as_of` day. Returns how many were new.
pub async fn remind_missing(
    db: &Db,
    template: &str,
    year: i32,
    as_of: NaiveDate,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<usize, StorageError> {
    let listed =
        crate::reporting::list(db, &domain::authz::Visibility::All, template, Some(year)).await?;
    let missing: Vec<&crate::reporting::Listed> = listed
        .iter()
        .filter(|l| {
            !l.obligation.is_moved() && !matches!(l.status(), "submitted" | "approved" | "locked")
        })
        .collect();
    let mut officers = Vec::new();
    for u in crate::users::list(db).await? {
        if !u.active {
            continue;
        }
        let codes = crate::users::scopes(db, &u.id).await?;
        let expanded = if u.role == "local_officer" && !codes.is_empty() {
            crate::admin_units::expand_scope(db, &codes).await?
        } else {
            BTreeSet::new()
        };
        officers.push((u, expanded));
    }
    let mut notices = Vec::new();
    for l in missing {
        let o = &l.obligation;
        for (u, scope) in &officers {
            let concerned = match o.unit_kind.as_str() {
                "organisation" => u.org_id.as_deref() == Some(o.unit_id.as_str()),
                _ => scope.contains(&o.unit_code),
            };
            if !concerned {
                continue;
            }
            notices.push(NewNotice {
                user_id: u.id.clone(),
                kind: "reminder",
                dedupe_key: format!("reminder:{}:{}:{as_of}", o.id, u.id),
                args: json!({
                    "unit": o.unit_name,
                    "year": o.year,
                    "due": o.due_on.format("%d/%m/%Y").to_string(),
                    "cutoff": o.cutoff_on.format("%d/%m/%Y").to_string(),
                }),
                link: format!("/reports/{}", o.id),
            });
        }
    }
    enqueue(db, &notices, actor, now).await
}
