//! Age bands as data (migration `0013_age_bands`): the plan's mầm non
//! (`preschool`, 3–5) and tiểu học (`primary`, 6–10) and the catch-all
//! `other` are seeded and built in; the coordinator adds others (e.g.
//! `thcs` 11–14) whose ages overlap no other band's. Packages and pledge
//! restrictions carry a band's code ([`domain::needs::AgeBand`]); a code
//! with no row here is refused. Bands are never edited nor deleted.

use chrono::{DateTime, Utc};
use domain::needs::AgeBand;
use domain::needs::category::{BandError, BandSpec, check_band};
use serde_json::json;

use crate::audit::{AuditActor, AuditConn, AuditRecord};
use crate::{Db, StorageError, db_run, db_tx};

/// A stored band.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Band {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    /// `None` only for the catch-all `other`.
    pub min_age: Option<i64>,
    pub max_age: Option<i64>,
    pub built_in: bool,
}

impl Band {
    /// The band's name in Vietnamese, or in English when `english`.
    pub fn name(&self, english: bool) -> &str {
        if english {
            &self.name_en
        } else {
            &self.name_vi
        }
    }
}

const COLUMNS: &str = "SELECT code, name_vi, name_en, min_age, max_age, built_in FROM age_bands";

/// Every band, in display order (the plan's first, `other` last).
pub async fn list(db: &Db) -> Result<Vec<Band>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, Band>(sqlx::AssertSqlSafe(format!(
            "{COLUMNS} ORDER BY position, code"
        )))
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

pub async fn get(db: &Db, code: &str) -> Result<Option<Band>, StorageError> {
    let row = db_run!(db, |pool| {
        sqlx::query_as::<_, Band>(sqlx::AssertSqlSafe(format!("{COLUMNS} WHERE code = $1")))
            .bind(code)
            .fetch_optional(pool)
            .await?
    });
    Ok(row)
}

/// The band of a code, if both the code's form and the band are known.
pub async fn existing(db: &Db, code: &str) -> Result<Option<AgeBand>, StorageError> {
    let Ok(band) = code.parse::<AgeBand>() else {
        return Ok(None);
    };
    Ok(get(db, band.as_str()).await?.map(|_| band))
}

/// Adds a band (the caller holds the catalogue right). Refused, writing
/// nothing, when its code is malformed or taken, a name is missing, or its
/// ages are inverted or overlap another band's.
pub async fn create(
    db: &Db,
    spec: &BandSpec,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<Result<Band, BandError>, StorageError> {
    let out = db_tx!(db, |tx| {
        let rows: Vec<(String, Option<i64>, Option<i64>)> =
            sqlx::query_as("SELECT code, min_age, max_age FROM age_bands")
                .fetch_all(&mut *tx)
                .await?;
        let existing: Vec<(String, Option<(i64, i64)>)> = rows
            .into_iter()
            .map(|(c, min, max)| (c, min.zip(max)))
            .collect();
        let band = match check_band(spec, &existing) {
            Ok(b) => b,
            Err(e) => return Ok(Err(e)),
        };
        let position: (i64,) = sqlx::query_as(
            "SELECT CAST(COALESCE(MAX(position), 0) AS BIGINT) FROM age_bands WHERE code <> 'other'",
        )
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO age_bands (code, name_vi, name_en, min_age, max_age, built_in, position, \
             created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
        )
        .bind(&band.code)
        .bind(&band.name_vi)
        .bind(&band.name_en)
        .bind(band.min_age)
        .bind(band.max_age)
        .bind(false)
        .bind(position.0 + 10)
        .bind(&actor.name)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| StorageError::on_unique(e, format!("age band {}", band.code)))?;
        let rec = AuditRecord {
            actor: actor.clone(),
            at: now,
            action: "create",
            entity: "age_band",
            entity_id: band.code.clone(),
            before: None,
            after: Some(json!({"name_vi": band.name_vi, "name_en": band.name_en,
                "min_age": band.min_age, "max_age": band.max_age})),
        };
        (*tx).append(&rec).await?;
        Ok::<Result<Band, BandError>, StorageError>(Ok(Band {
            code: band.code,
            name_vi: band.name_vi,
            name_en: band.name_en,
            min_age: Some(band.min_age),
            max_age: Some(band.max_age),
            built_in: false,
        }))
    })?;
    Ok(out)
}
