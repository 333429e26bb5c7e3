//! A pledge's instalments: replaced as a whole (checked to add up to the
//! pledge), audited, read back in due order.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use domain::needs::instalments::{Instalment, ScheduleError, check};
use serde_json::json;

use crate::audit::{AuditActor, AuditConn, AuditRecord};
use crate::{Db, StorageError, db_run, db_tx};

/// Why a schedule is not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleRefusal {
    UnknownPledge,
    /// Cancelled pledges take no schedule.
    Cancelled,
    Invalid(ScheduleError),
}

impl ScheduleRefusal {
    pub fn message_key(self) -> &'static str {
        match self {
            ScheduleRefusal::UnknownPledge => "error-404-text",
            ScheduleRefusal::Cancelled => "instalment-error-cancelled",
            ScheduleRefusal::Invalid(e) => e.message_key(),
        }
    }
}

/// Replaces a pledge's instalments by `items` (all or nothing, audited).
pub async fn set(
    db: &Db,
    pledge_id: &str,
    items: &[Instalment],
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<Result<(), ScheduleRefusal>, StorageError> {
    let Some(pledge) = crate::donors::pledge(db, pledge_id).await? else {
        return Ok(Err(ScheduleRefusal::UnknownPledge));
    };
    if pledge.status == "cancelled" {
        return Ok(Err(ScheduleRefusal::Cancelled));
    }
    let sorted = match check(pledge.amount, items) {
        Ok(s) => s,
        Err(e) => return Ok(Err(ScheduleRefusal::Invalid(e))),
    };
    let before = of_pledge(db, pledge_id).await?;
    db_tx!(db, |tx| {
        sqlx::query("DELETE FROM pledge_instalments WHERE pledge_id = $1")
            .bind(pledge_id)
            .execute(&mut *tx)
            .await?;
        for (seq, it) in sorted.iter().enumerate() {
            sqlx::query(
                "INSERT INTO pledge_instalments (id, pledge_id, seq, amount, due_on, created_by, created_at) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7)",
            )
            .bind(crate::new_id())
            .bind(pledge_id)
            .bind(i64::try_from(seq + 1).unwrap_or(i64::MAX))
            .bind(it.amount)
            .bind(it.due_on)
            .bind(&actor.name)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        let show = |s: &[Instalment]| {
            s.iter()
                .map(|i| json!({"amount": i.amount, "due_on": i.due_on}))
                .collect::<Vec<_>>()
        };
        let rec = AuditRecord {
            actor: actor.clone(),
            at: now,
            action: "instalments",
            entity: "pledge",
            entity_id: pledge_id.to_owned(),
            before: Some(json!({"instalments": show(&before)})),
            after: Some(json!({"instalments": show(&sorted)})),
        };
        (*tx).append(&rec).await?;
    });
    Ok(Ok(()))
}

/// A pledge's instalments in due order (empty: none).
pub async fn of_pledge(db: &Db, pledge_id: &str) -> Result<Vec<Instalment>, StorageError> {
    let rows: Vec<(i64, NaiveDate)> = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT amount, due_on FROM pledge_instalments WHERE pledge_id = $1 ORDER BY seq",
        )
        .bind(pledge_id)
        .fetch_all(pool)
        .await?
    });
    Ok(rows
        .into_iter()
        .map(|(amount, due_on)| Instalment { amount, due_on })
        .collect())
}

/// Every pledge's instalments (of one donor, or all), by pledge.
pub async fn all(
    db: &Db,
    donor_id: Option<&str>,
) -> Result<HashMap<String, Vec<Instalment>>, StorageError> {
    let rows: Vec<(String, i64, NaiveDate)> = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT i.pledge_id, i.amount, i.due_on FROM pledge_instalments i \
             JOIN pledges g ON g.id = i.pledge_id WHERE ($1 IS NULL OR g.donor_id = $1) \
             ORDER BY i.pledge_id, i.seq",
        )
        .bind(donor_id)
        .fetch_all(pool)
        .await?
    });
    let mut out: HashMap<String, Vec<Instalment>> = HashMap::new();
    for (pledge, amount, due_on) in rows {
        out.entry(pledge)
            .or_default()
            .push(Instalment { amount, due_on });
    }
    Ok(out)
}
