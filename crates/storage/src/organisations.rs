//! The organisations register: departments, people's committees, funds,
//! mass organisations, schools, school sites, health stations, donor
//! organisations. Effective-dated, with parent and successor links.

use chrono::{DateTime, NaiveDate, Utc};
use domain::authz::Visibility;
use serde_json::json;

use crate::audit::{AuditActor, AuditConn, AuditRecord};
use crate::{Db, StorageError, db_run, db_tx};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Organisation {
    pub id: String,
    pub name: String,
    pub short_name: Option<String>,
    pub org_type: String,
    pub parent_id: Option<String>,
    pub unit_code: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub successor_id: Option<String>,
    pub is_demo: bool,
}

impl Organisation {
    pub fn in_force_on(&self, on: NaiveDate) -> bool {
        self.valid_from.is_none_or(|f| f <= on) && self.valid_to.is_none_or(|t| on < t)
    }
}

/// Creates an organisation with the id given (natural ids keep demo data
/// and imports idempotent), audited.
pub async fn create(
    db: &Db,
    org: &Organisation,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    db_tx!(db, |tx| {
        sqlx::query(
            "INSERT INTO organisations (id, province, name, short_name, org_type, parent_id, unit_code, \
             valid_from, valid_to, successor_id, is_demo, search_key, created_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)",
        )
        .bind(&org.id)
        .bind(crate::admin_units::PROVINCE)
        .bind(&org.name)
        .bind(&org.short_name)
        .bind(&org.org_type)
        .bind(&org.parent_id)
        .bind(&org.unit_code)
        .bind(org.valid_from)
        .bind(org.valid_to)
        .bind(&org.successor_id)
        .bind(org.is_demo)
        .bind(domain::text::search_key(&org.name))
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| StorageError::on_unique(e, format!("organisation {}", org.id)))?;
        let rec = AuditRecord {
            actor: actor.clone(),
            at: now,
            action: "create",
            entity: "organisation",
            entity_id: org.id.clone(),
            before: None,
            after: Some(org_json(org)),
        };
        (*tx).append(&rec).await?;
    });
    Ok(())
}

fn org_json(o: &Organisation) -> serde_json::Value {
    json!({"name": o.name, "short_name": o.short_name, "org_type": o.org_type,
           "parent_id": o.parent_id, "unit_code": o.unit_code,
           "valid_from": o.valid_from.map(|d| d.to_string()),
           "valid_to": o.valid_to.map(|d| d.to_string()),
           "successor_id": o.successor_id, "is_demo": o.is_demo})
}

/// Ends an organisation on a date and names its successor, audited.
pub async fn close(
    db: &Db,
    id: &str,
    valid_to: NaiveDate,
    successor_id: Option<&str>,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    let before = get(db, id).await?.ok_or_else(|| StorageError::NotFound {
        what: format!("organisation {id}"),
    })?;
    db_tx!(db, |tx| {
        sqlx::query("UPDATE organisations SET valid_to = $1, successor_id = $2 WHERE id = $3")
            .bind(valid_to)
            .bind(successor_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let mut after = before.clone();
        after.valid_to = Some(valid_to);
        after.successor_id = successor_id.map(str::to_owned);
        let rec = AuditRecord {
            actor: actor.clone(),
            at: now,
            action: "close",
            entity: "organisation",
            entity_id: id.to_owned(),
            before: Some(org_json(&before)),
            after: Some(org_json(&after)),
        };
        (*tx).append(&rec).await?;
    });
    Ok(())
}

pub async fn get(db: &Db, id: &str) -> Result<Option<Organisation>, StorageError> {
    let row = db_run!(db, |pool| {
        sqlx::query_as::<_, Organisation>(
            "SELECT id, name, short_name, org_type, parent_id, unit_code, valid_from, valid_to, \
             successor_id, is_demo FROM organisations WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(pool)
        .await?
    });
    Ok(row)
}

/// Filters for the register.
#[derive(Debug, Clone, Default)]
pub struct OrgFilter {
    pub org_type: Option<String>,
    pub search: Option<String>,
    pub unit_code: Option<String>,
}

/// The organisations the viewer may see, filtered. City-level bodies
/// (departments, funds, mass organisations without a commune) are visible to
/// every staff role; unit-bound ones only within the viewer's scope.
pub async fn list(
    db: &Db,
    visibility: &Visibility,
    filter: &OrgFilter,
) -> Result<Vec<Organisation>, StorageError> {
    let pattern = filter
        .search
        .as_deref()
        .map(|s| format!("%{}%", domain::text::search_key(s).replace(['%', '_'], "")));
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, Organisation>(
            "SELECT id, name, short_name, org_type, parent_id, unit_code, valid_from, valid_to, \
             successor_id, is_demo FROM organisations \
             WHERE ($1 IS NULL OR org_type = $1) AND ($2 IS NULL OR search_key LIKE $2) \
             AND ($3 IS NULL OR unit_code = $3) ORDER BY org_type, name",
        )
        .bind(&filter.org_type)
        .bind(&pattern)
        .bind(&filter.unit_code)
        .fetch_all(pool)
        .await?
    });
    Ok(rows
        .into_iter()
        .filter(|o| match (visibility, o.unit_code.as_deref()) {
            (Visibility::All, _) => true,
            (Visibility::PublicOnly, _) => false,
            (Visibility::Units(_), None | Some(PROVINCE_CODE)) => true,
            (v @ Visibility::Units(_), Some(code)) => v.allows_unit(code),
        })
        .collect())
}

const PROVINCE_CODE: &str = crate::admin_units::PROVINCE;

pub async fn count(db: &Db) -> Result<i64, StorageError> {
    let n: (i64,) = db_run!(db, |pool| {
        sqlx::query_as("SELECT COUNT(*) FROM organisations")
            .fetch_one(pool)
            .await?
    });
    Ok(n.0)
}
