//! Classifications of communes and villages per period, each with the
//! instrument that set it. Coordinators edit them; every change is audited.

use chrono::{DateTime, NaiveDate, Utc};
use domain::classification::NewClassification;
use serde_json::json;

use crate::audit::{AuditActor, AuditConn, AuditRecord};
use crate::{Db, StorageError, db_run, db_tx};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Classification {
    pub id: String,
    pub unit_code: String,
    pub kind: String,
    pub village: Option<String>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub instrument: String,
    pub is_demo: bool,
}

fn as_json(c: &NewClassification, is_demo: bool) -> serde_json::Value {
    json!({"unit_code": c.unit_code, "kind": c.kind.as_str(), "village": c.village,
           "valid_from": c.valid_from.to_string(), "valid_to": c.valid_to.map(|d| d.to_string()),
           "instrument": c.instrument, "is_demo": is_demo})
}

/// Stores a validated classification, audited. Returns its id.
pub async fn create(
    db: &Db,
    c: &NewClassification,
    is_demo: bool,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<String, StorageError> {
    let id = crate::new_id();
    db_tx!(db, |tx| {
        sqlx::query(
            "INSERT INTO classifications (id, province, unit_code, kind, village, valid_from, valid_to, \
             instrument, is_demo, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
        )
        .bind(&id)
        .bind(crate::admin_units::PROVINCE)
        .bind(&c.unit_code)
        .bind(c.kind.as_str())
        .bind(&c.village)
        .bind(c.valid_from)
        .bind(c.valid_to)
        .bind(&c.instrument)
        .bind(is_demo)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let rec = AuditRecord {
            actor: actor.clone(),
            at: now,
            action: "create",
            entity: "classification",
            entity_id: id.clone(),
            before: None,
            after: Some(as_json(c, is_demo)),
        };
        (*tx).append(&rec).await?;
    });
    Ok(id)
}

/// Removes a classification entered in error, audited with its content.
pub async fn delete(
    db: &Db,
    id: &str,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    let before = get(db, id).await?.ok_or_else(|| StorageError::NotFound {
        what: format!("classification {id}"),
    })?;
    db_tx!(db, |tx| {
        sqlx::query("DELETE FROM classifications WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let rec = AuditRecord {
            actor: actor.clone(),
            at: now,
            action: "delete",
            entity: "classification",
            entity_id: id.to_owned(),
            before: Some(json!({"unit_code": before.unit_code, "kind": before.kind,
                "village": before.village, "valid_from": before.valid_from.to_string(),
                "valid_to": before.valid_to.map(|d| d.to_string()), "instrument": before.instrument})),
            after: None,
        };
        (*tx).append(&rec).await?;
    });
    Ok(())
}

pub async fn get(db: &Db, id: &str) -> Result<Option<Classification>, StorageError> {
    let row = db_run!(db, |pool| {
        sqlx::query_as::<_, Classification>(
            "SELECT id, unit_code, kind, village, valid_from, valid_to, instrument, is_demo \
             FROM classifications WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(pool)
        .await?
    });
    Ok(row)
}

/// All classifications, or those of one unit code.
pub async fn list(db: &Db, unit_code: Option<&str>) -> Result<Vec<Classification>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, Classification>(
            "SELECT id, unit_code, kind, village, valid_from, valid_to, instrument, is_demo \
             FROM classifications WHERE ($1 IS NULL OR unit_code = $1) \
             ORDER BY unit_code, valid_from, kind",
        )
        .bind(unit_code)
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}
