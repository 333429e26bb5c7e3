//! Age bands as data (migration `0013_age_bands`): the plan's mầm non
//! (`preschool`, 3–5) and tiểu học (`primary`, 6–10) and the catch-all
//! `other` are seeded and built in; the coordinator adds others (e.g.
//! `thcs` 11–14) whose ages overlap no other band's. Packages and pledge
//! restrictions carry a band's code ([`domain::needs::AgeBand`]); a code
//! with no row here is refused. An added band can be renamed or given other
//! ages ([`update`]) and removed while nothing names it ([`delete`]); the
//! plan's bands are fixed.

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

/// A band the coordinator added, as stored.
fn added(band: BandSpec) -> Band {
    Band {
        code: band.code,
        name_vi: band.name_vi,
        name_en: band.name_en,
        min_age: Some(band.min_age),
        max_age: Some(band.max_age),
        built_in: false,
    }
}

/// A band's names and ages as the audit records them.
fn spec_json(b: &BandSpec) -> serde_json::Value {
    json!({"name_vi": b.name_vi, "name_en": b.name_en, "min_age": b.min_age, "max_age": b.max_age})
}

fn stored_json(b: &Band) -> serde_json::Value {
    json!({"name_vi": b.name_vi, "name_en": b.name_en, "min_age": b.min_age, "max_age": b.max_age})
}

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
            after: Some(spec_json(&band)),
        };
        (*tx).append(&rec).await?;
        Ok::<Result<Band, BandError>, StorageError>(Ok(added(band)))
    })?;
    Ok(out)
}

/// Why an added band could not be changed or removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BandChangeRefusal {
    /// No band has this code.
    Unknown,
    /// The plan's bands (and `other`) are fixed.
    BuiltIn,
    /// The new names or ages are not acceptable.
    Invalid(BandError),
    /// Package versions or pledge restrictions name the band (it can be
    /// renamed, not removed).
    InUse { packages: i64, pledges: i64 },
}

/// Other bands as [`check_band`] reads them: `(code, ages)`.
type Others = Vec<(String, Option<(i64, i64)>)>;

/// The stored bands split into the one of `code` and the others.
fn split_off(rows: Vec<Band>, code: &str) -> (Option<Band>, Others) {
    let mut this = None;
    let mut others = Vec::new();
    for b in rows {
        if b.code == code {
            this = Some(b);
        } else {
            others.push((b.code, b.min_age.zip(b.max_age)));
        }
    }
    (this, others)
}

/// Renames an added band or changes its ages (still overlapping no other
/// band's), audited with the values before and after. The plan's bands are
/// fixed.
pub async fn update(
    db: &Db,
    code: &str,
    spec: &BandSpec,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<Result<Band, BandChangeRefusal>, StorageError> {
    let out = db_tx!(db, |tx| {
        let rows = sqlx::query_as::<_, Band>(sqlx::AssertSqlSafe(COLUMNS.to_owned()))
            .fetch_all(&mut *tx)
            .await?;
        let (this, others) = split_off(rows, code);
        let Some(before) = this else {
            return Ok(Err(BandChangeRefusal::Unknown));
        };
        if before.built_in {
            return Ok(Err(BandChangeRefusal::BuiltIn));
        }
        let wanted = BandSpec {
            code: before.code.clone(),
            ..spec.clone()
        };
        let band = match check_band(&wanted, &others) {
            Ok(b) => b,
            Err(e) => return Ok(Err(BandChangeRefusal::Invalid(e))),
        };
        sqlx::query(
            "UPDATE age_bands SET name_vi = $1, name_en = $2, min_age = $3, max_age = $4 \
             WHERE code = $5",
        )
        .bind(&band.name_vi)
        .bind(&band.name_en)
        .bind(band.min_age)
        .bind(band.max_age)
        .bind(&band.code)
        .execute(&mut *tx)
        .await?;
        let rec = AuditRecord {
            actor: actor.clone(),
            at: now,
            action: "update",
            entity: "age_band",
            entity_id: band.code.clone(),
            before: Some(stored_json(&before)),
            after: Some(spec_json(&band)),
        };
        (*tx).append(&rec).await?;
        Ok::<Result<Band, BandChangeRefusal>, StorageError>(Ok(added(band)))
    })?;
    Ok(out)
}

/// Removes an added band that no package version and no pledge restriction
/// names (audited). A band in use is refused with the counts, so that the
/// coordinator knows what holds it.
pub async fn delete(
    db: &Db,
    code: &str,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<Result<(), BandChangeRefusal>, StorageError> {
    let out = db_tx!(db, |tx| {
        let rows = sqlx::query_as::<_, Band>(sqlx::AssertSqlSafe(COLUMNS.to_owned()))
            .fetch_all(&mut *tx)
            .await?;
        let (this, _) = split_off(rows, code);
        let Some(before) = this else {
            return Ok(Err(BandChangeRefusal::Unknown));
        };
        if before.built_in {
            return Ok(Err(BandChangeRefusal::BuiltIn));
        }
        let packages: (i64,) =
            sqlx::query_as("SELECT CAST(COUNT(*) AS BIGINT) FROM packages WHERE age_band = $1")
                .bind(code)
                .fetch_one(&mut *tx)
                .await?;
        // pledges.age_bands is a comma-separated list of codes.
        let pledges: (i64,) = sqlx::query_as(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM pledges WHERE age_bands IS NOT NULL \
             AND (',' || REPLACE(age_bands, ' ', '') || ',') LIKE $1",
        )
        .bind(format!("%,{code},%"))
        .fetch_one(&mut *tx)
        .await?;
        if packages.0 > 0 || pledges.0 > 0 {
            return Ok(Err(BandChangeRefusal::InUse {
                packages: packages.0,
                pledges: pledges.0,
            }));
        }
        sqlx::query("DELETE FROM age_bands WHERE code = $1")
            .bind(code)
            .execute(&mut *tx)
            .await?;
        let rec = AuditRecord {
            actor: actor.clone(),
            at: now,
            action: "delete",
            entity: "age_band",
            entity_id: before.code.clone(),
            before: Some(stored_json(&before)),
            after: None,
        };
        (*tx).append(&rec).await?;
        Ok::<Result<(), BandChangeRefusal>, StorageError>(Ok(()))
    })?;
    Ok(out)
}
