//! Periods (explicit date ranges: a school year, a winter) and the
//! versioned package catalogue.

use chrono::{DateTime, NaiveDate, Utc};
use domain::needs::{PackageItem, PackageVersion};
use serde_json::json;

use crate::audit::{AuditActor, AuditConn, AuditRecord};
use crate::{Db, StorageError, db_run, db_tx};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Period {
    pub id: String,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub is_demo: bool,
}

pub async fn create_period(
    db: &Db,
    p: &Period,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    db_tx!(db, |tx| {
        sqlx::query(
            "INSERT INTO periods (id, province, name, starts_on, ends_on, is_demo, created_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7)",
        )
        .bind(&p.id)
        .bind(crate::admin_units::PROVINCE)
        .bind(&p.name)
        .bind(p.starts_on)
        .bind(p.ends_on)
        .bind(p.is_demo)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| StorageError::on_unique(e, format!("period {}", p.id)))?;
        let rec = AuditRecord {
            actor: actor.clone(),
            at: now,
            action: "create",
            entity: "period",
            entity_id: p.id.clone(),
            before: None,
            after: Some(
                json!({"name": p.name, "starts_on": p.starts_on.to_string(), "ends_on": p.ends_on.to_string()}),
            ),
        };
        (*tx).append(&rec).await?;
    });
    Ok(())
}

pub async fn periods(db: &Db) -> Result<Vec<Period>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, Period>(
            "SELECT id, name, starts_on, ends_on, is_demo FROM periods ORDER BY starts_on DESC, name",
        )
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

pub async fn period(db: &Db, id: &str) -> Result<Option<Period>, StorageError> {
    let row = db_run!(db, |pool| {
        sqlx::query_as::<_, Period>(
            "SELECT id, name, starts_on, ends_on, is_demo FROM periods WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(pool)
        .await?
    });
    Ok(row)
}

/// A stored package version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub id: String,
    pub version: PackageVersion,
    pub unit_value: i64,
    pub is_demo: bool,
}

#[derive(sqlx::FromRow)]
struct PackageRow {
    id: String,
    code: String,
    version: i64,
    name: String,
    category: String,
    age_band: String,
    unit_value: i64,
    items_json: String,
    is_demo: bool,
}

impl TryFrom<PackageRow> for Package {
    type Error = StorageError;
    fn try_from(r: PackageRow) -> Result<Self, Self::Error> {
        let items: Vec<(String, String, i64, i64)> = serde_json::from_str(&r.items_json)
            .map_err(|e| StorageError::Corrupt(format!("package {} items: {e}", r.id)))?;
        let corrupt =
            |e: domain::needs::category::UnknownName| StorageError::Corrupt(e.to_string());
        Ok(Package {
            version: PackageVersion {
                code: r.code,
                version: r.version,
                name: r.name,
                category: r.category.parse().map_err(corrupt)?,
                age_band: r.age_band.parse().map_err(corrupt)?,
                items: items
                    .into_iter()
                    .map(|(name, unit, quantity, unit_value)| PackageItem {
                        name,
                        unit,
                        quantity,
                        unit_value,
                    })
                    .collect(),
            },
            id: r.id,
            unit_value: r.unit_value,
            is_demo: r.is_demo,
        })
    }
}

/// Stores a new version of a package (the next number for its code);
/// older versions stay, so need lines keep theirs. Returns the stored row.
/// A band with no row in `age_bands` is refused
/// ([`StorageError::NotFound`]; callers check it first to say why).
pub async fn add_package_version(
    db: &Db,
    p: &PackageVersion,
    is_demo: bool,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<Package, StorageError> {
    let unit_value = p
        .unit_value()
        .map_err(|_| StorageError::Corrupt("package value overflows".into()))?;
    let items: Vec<(&str, &str, i64, i64)> = p
        .items
        .iter()
        .map(|i| (i.name.as_str(), i.unit.as_str(), i.quantity, i.unit_value))
        .collect();
    let items_json =
        serde_json::to_string(&items).map_err(|e| StorageError::Corrupt(e.to_string()))?;
    let id = crate::new_id();
    let version = db_tx!(db, |tx| {
        let band: Option<(String,)> = sqlx::query_as("SELECT code FROM age_bands WHERE code = $1")
            .bind(p.age_band.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        if band.is_none() {
            return Err(StorageError::NotFound {
                what: format!("age band {}", p.age_band),
            });
        }
        let last: Option<(i64,)> = sqlx::query_as(
            "SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM packages WHERE code = $1",
        )
        .bind(&p.code)
        .fetch_optional(&mut *tx)
        .await?;
        let version = last.map_or(0, |v| v.0) + 1;
        sqlx::query(
            "INSERT INTO packages (id, province, code, version, name, category, age_band, unit_value, \
             items_json, is_demo, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
        )
        .bind(&id)
        .bind(crate::admin_units::PROVINCE)
        .bind(&p.code)
        .bind(version)
        .bind(&p.name)
        .bind(p.category.as_str())
        .bind(p.age_band.as_str())
        .bind(unit_value)
        .bind(&items_json)
        .bind(is_demo)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let rec = AuditRecord {
            actor: actor.clone(),
            at: now,
            action: "create",
            entity: "package",
            entity_id: id.clone(),
            before: None,
            after: Some(json!({"code": p.code, "version": version, "name": p.name,
                "category": p.category.as_str(), "age_band": p.age_band.as_str(),
                "unit_value": unit_value, "items": items})),
        };
        (*tx).append(&rec).await?;
        version
    });
    let mut stored = p.clone();
    stored.version = version;
    Ok(Package {
        id,
        version: stored,
        unit_value,
        is_demo,
    })
}

pub async fn package(db: &Db, id: &str) -> Result<Option<Package>, StorageError> {
    let row = db_run!(db, |pool| {
        sqlx::query_as::<_, PackageRow>(
            "SELECT id, code, version, name, category, age_band, unit_value, items_json, is_demo \
             FROM packages WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(pool)
        .await?
    });
    row.map(Package::try_from).transpose()
}

/// The latest version of every package, by code.
pub async fn current_packages(db: &Db) -> Result<Vec<Package>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, PackageRow>(
            "SELECT p.id, p.code, p.version, p.name, p.category, p.age_band, p.unit_value, p.items_json, p.is_demo \
             FROM packages p WHERE p.version = (SELECT MAX(q.version) FROM packages q WHERE q.code = p.code) \
             ORDER BY p.category, p.code",
        )
        .fetch_all(pool)
        .await?
    });
    rows.into_iter().map(Package::try_from).collect()
}
