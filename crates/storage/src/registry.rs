//! The children registry: source records (never overwritten — a correction
//! is a new version), master children linking the records that are the
//! same person (links proposed by the `dedupe` engine, decided by an
//! officer, undoable), consent, erasure on withdrawal, and anonymous counts.
//!
//! ⚠️ Children's data. Nothing here logs a value; audit rows carry record
//! ids, versions and the names of the fields that changed — never the
//! values. Personal IDs arrive as a keyed hash ([`PidKey`]) and their last
//! three digits; the 12 digits are never stored.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use domain::authz::Visibility;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::audit::{AuditActor, AuditConn, AuditRecord};
use crate::{Db, StorageError, db_run, db_tx};

// ---------------------------------------------------------------------------
// Keyed hashing of personal IDs
// ---------------------------------------------------------------------------

/// The secret key of the personal-ID hash. Kept in a file outside the
/// database (`--registry-key`), so a copy of the database alone cannot
/// test guesses against the hashes (a 12-digit ID with a known province
/// and birth year has only 10⁶ candidates: an unkeyed hash would be no
/// protection). Two organisations that share the key can match children on
/// the hashes without exchanging the numbers.
#[derive(Clone)]
pub struct PidKey([u8; 32]);

impl std::fmt::Debug for PidKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PidKey(…)")
    }
}

impl PidKey {
    pub fn new(bytes: [u8; 32]) -> Self {
        PidKey(bytes)
    }

    /// A key for one process (tests, a server started without a key file):
    /// hashes made with it cannot be matched after a restart.
    pub fn ephemeral() -> Self {
        let mut h = Sha256::new();
        for _ in 0..4 {
            h.update(uuid::Uuid::now_v7().as_bytes());
        }
        PidKey(h.finalize().into())
    }

    /// HMAC-SHA256 (RFC 2104) of the 12 digits, as lower-case hex.
    pub fn hash(&self, digits: &str) -> String {
        crate::audit::hex(&hmac_sha256(&self.0, digits.as_bytes()))
    }
}

/// HMAC-SHA256 per RFC 2104 over the workspace's `sha2` (no new
/// dependency; checked against the RFC 4231 test vectors).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(message);
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner);
    outer.finalize().into()
}

/// A 12-digit stand-in for the engine, equal for equal hashes and (all but
/// surely) different in many digits otherwise. The engine's "one digit
/// off" level cannot fire on stand-ins: the price of never keeping the
/// digits.
fn pid_stand_in(hash: &str) -> String {
    let n = u64::from_str_radix(hash.get(..15).unwrap_or("0"), 16).unwrap_or(0);
    format!("046{:09}", n % 1_000_000_000)
}

// ---------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------

/// Where a source record comes from.
pub const SOURCE_TYPES: [&str; 5] = [
    "school",
    "school_site",
    "health_station",
    "mass_organisation",
    "commune",
];

/// The source type of an organisation type, if it can list children.
pub fn source_type_of_org(org_type: &str) -> Option<&'static str> {
    match org_type {
        "school" => Some("school"),
        "school_site" => Some("school_site"),
        "health_station" => Some("health_station"),
        "mass_organisation" => Some("mass_organisation"),
        "peoples_committee" => Some("commune"),
        _ => None,
    }
}

/// One version of a source record, as entered. `pid_hash` and `pid_last3`
/// come from [`PidKey::hash`] and the digits; never the digits themselves.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct RecordData {
    pub full_name: String,
    pub birth_year: i64,
    pub birth_month: Option<i64>,
    pub birth_day: Option<i64>,
    /// `male` | `female`.
    pub sex: Option<String>,
    pub ethnicity: Option<String>,
    pub commune_code: String,
    pub village: Option<String>,
    pub school_name: Option<String>,
    pub grade: Option<String>,
    pub guardian_name: Option<String>,
    pub pid_hash: Option<String>,
    pub pid_last3: Option<String>,
}

impl std::fmt::Debug for RecordData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RecordData(commune {}, redacted)", self.commune_code)
    }
}

impl RecordData {
    fn precision(&self) -> &'static str {
        match (self.birth_month, self.birth_day) {
            (Some(_), Some(_)) => "day",
            (Some(_), None) => "month",
            _ => "year",
        }
    }

    /// Names of the fields that hold a value (for the audit row).
    fn present_fields(&self) -> Vec<&'static str> {
        let mut f = vec!["full_name", "birth_date", "commune_code"];
        for (name, present) in [
            ("sex", self.sex.is_some()),
            ("ethnicity", self.ethnicity.is_some()),
            ("village", self.village.is_some()),
            ("school_name", self.school_name.is_some()),
            ("grade", self.grade.is_some()),
            ("guardian_name", self.guardian_name.is_some()),
            ("personal_id", self.pid_hash.is_some()),
        ] {
            if present {
                f.push(name);
            }
        }
        f
    }

    /// Names of the fields that differ from `old` (for the audit row).
    fn changed_fields(&self, old: &RecordVersion) -> Vec<&'static str> {
        let mut f = Vec::new();
        let birth_same = old.birth_year == self.birth_year
            && old.birth_month == self.birth_month
            && old.birth_day == self.birth_day;
        for (name, same) in [
            (
                "full_name",
                old.full_name.as_deref() == Some(&self.full_name),
            ),
            ("birth_date", birth_same),
            ("sex", old.sex == self.sex),
            ("ethnicity", old.ethnicity == self.ethnicity),
            ("commune_code", old.commune_code == self.commune_code),
            ("village", old.village == self.village),
            ("school_name", old.school_name == self.school_name),
            ("grade", old.grade == self.grade),
            ("guardian_name", old.guardian_name == self.guardian_name),
            ("personal_id", old.pid_hash == self.pid_hash),
        ] {
            if !same {
                f.push(name);
            }
        }
        f
    }
}

/// One stored version of a source record. Personal fields are `None` after
/// erasure.
#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RecordVersion {
    pub id: String,
    pub record_key: String,
    pub version: i64,
    pub full_name: Option<String>,
    pub birth_year: i64,
    pub birth_month: Option<i64>,
    pub birth_day: Option<i64>,
    pub birth_precision: String,
    pub sex: Option<String>,
    pub ethnicity: Option<String>,
    pub commune_code: String,
    pub village: Option<String>,
    pub school_name: Option<String>,
    pub grade: Option<String>,
    pub guardian_name: Option<String>,
    pub pid_hash: Option<String>,
    pub pid_last3: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl std::fmt::Debug for RecordVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "RecordVersion({} v{}, redacted)",
            self.record_key, self.version
        )
    }
}

impl RecordVersion {
    /// The birth date as recorded: `05/03/2017`, `03/2017`, `2017`; after
    /// erasure only the year.
    pub fn birth_display(&self) -> String {
        match (self.birth_month, self.birth_day) {
            (Some(m), Some(d)) => format!("{d:02}/{m:02}/{}", self.birth_year),
            (Some(m), None) => format!("{m:02}/{}", self.birth_year),
            _ => self.birth_year.to_string(),
        }
    }

    /// `•••••••••234`, or empty.
    pub fn pid_masked(&self) -> String {
        self.pid_last3
            .as_deref()
            .map(|l| format!("•••••••••{l}"))
            .unwrap_or_default()
    }

    pub fn erased(&self) -> bool {
        self.full_name.is_none()
    }

    /// Completed years on `on` (earliest possible birthday for partial
    /// dates).
    pub fn age_on(&self, on: NaiveDate) -> i64 {
        use chrono::Datelike;
        let (m, d) = (self.birth_month.unwrap_or(1), self.birth_day.unwrap_or(1));
        let mut age = i64::from(on.year()) - self.birth_year;
        if (i64::from(on.month()), i64::from(on.day())) < (m, d) {
            age -= 1;
        }
        age
    }
}

const VERSION_COLUMNS: &str = "r.id, r.record_key, r.version, r.full_name, r.birth_year, \
     r.birth_month, r.birth_day, r.birth_precision, r.sex, r.ethnicity, r.commune_code, r.village, \
     r.school_name, r.grade, r.guardian_name, r.pid_hash, r.pid_last3, r.created_by, r.created_at";

/// A source record: where it comes from and which master child it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Source {
    pub record_key: String,
    pub child_id: String,
    pub commune_code: String,
    pub source_type: String,
    pub source_org_id: Option<String>,
    pub source_ref: Option<String>,
    pub is_demo: bool,
    pub created_at: DateTime<Utc>,
}

/// A master child.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Child {
    pub id: String,
    pub commune_code: String,
    /// `active` | `merged` | `erased`.
    pub status: String,
    pub is_demo: bool,
    pub created_at: DateTime<Utc>,
    pub erased_at: Option<DateTime<Utc>>,
}

/// Where new records come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// One of [`SOURCE_TYPES`].
    pub source_type: String,
    pub org_id: Option<String>,
}

/// One record to add: the source's own number (to recognise a re-import)
/// and the data.
#[derive(Debug, Clone)]
pub struct NewRecord {
    pub source_ref: Option<String>,
    pub data: RecordData,
}

/// What happened to one record of [`add_records`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    /// A new source record (and a new master child).
    New,
    /// A new version of the record the source already had under that number.
    NewVersion,
    /// The same as the record's latest version: nothing written.
    Unchanged,
}

fn child_audit(
    actor: &AuditActor,
    now: DateTime<Utc>,
    action: &'static str,
    entity: &'static str,
    id: &str,
    after: serde_json::Value,
) -> AuditRecord {
    AuditRecord {
        actor: actor.clone(),
        at: now,
        action,
        entity,
        entity_id: id.to_owned(),
        before: None,
        after: Some(after),
    }
}

fn actor_key(actor: &AuditActor) -> String {
    actor.id.clone().unwrap_or_else(|| actor.name.clone())
}

// ---------------------------------------------------------------------------
// Writing records
// ---------------------------------------------------------------------------

/// Communes (by code) that the map does not know: a record must name one.
pub async fn unknown_communes(db: &Db, codes: &[&str]) -> Result<Vec<String>, StorageError> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for code in codes {
        if !seen.insert(*code) {
            continue;
        }
        let n: (i64,) = db_run!(db, |pool| {
            sqlx::query_as("SELECT COUNT(*) FROM admin_units WHERE code = $1 AND level = 'commune'")
                .bind(*code)
                .fetch_one(pool)
                .await?
        });
        if n.0 == 0 {
            out.push((*code).to_owned());
        }
    }
    Ok(out)
}

/// Adds source records in one transaction — all or none. A record whose
/// `source_ref` the source already used becomes a new version of that
/// record (so links decided on it stay decided); otherwise a new source
/// record with its own master child. Audited with ids and field names only.
pub async fn add_records(
    db: &Db,
    origin: &Origin,
    records: &[NewRecord],
    is_demo: bool,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<Vec<(String, Added)>, StorageError> {
    if !SOURCE_TYPES.contains(&origin.source_type.as_str()) {
        return Err(StorageError::Corrupt(format!(
            "unknown source type {}",
            origin.source_type
        )));
    }
    // Existing records of this source under the numbers given.
    let mut existing: HashMap<String, RecordVersion> = HashMap::new();
    if let Some(org) = &origin.org_id {
        for r in records {
            if let Some(reference) = &r.source_ref
                && let Some(key) = record_key_by_ref(db, org, reference).await?
                && let Some(v) = latest_version(db, &key).await?
            {
                existing.insert(reference.clone(), v);
            }
        }
    }
    let creator = actor_key(actor);
    let out = db_tx!(db, |tx| {
        let mut out = Vec::with_capacity(records.len());
        for r in records {
            let d = &r.data;
            let prior = r.source_ref.as_ref().and_then(|s| existing.get(s));
            let (key, version, added, fields) = match prior {
                Some(old) => {
                    let changed = d.changed_fields(old);
                    if changed.is_empty() {
                        out.push((old.record_key.clone(), Added::Unchanged));
                        continue;
                    }
                    (
                        old.record_key.clone(),
                        old.version + 1,
                        Added::NewVersion,
                        changed,
                    )
                }
                None => {
                    let key = crate::new_id();
                    let child = crate::new_id();
                    sqlx::query(
                        "INSERT INTO children (id, province, commune_code, status, is_demo, created_at) \
                         VALUES ($1,$2,$3,'active',$4,$5)",
                    )
                    .bind(&child)
                    .bind(crate::admin_units::PROVINCE)
                    .bind(&d.commune_code)
                    .bind(is_demo)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query(
                        "INSERT INTO child_sources (record_key, child_id, province, commune_code, source_type, \
                         source_org_id, source_ref, is_demo, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
                    )
                    .bind(&key)
                    .bind(&child)
                    .bind(crate::admin_units::PROVINCE)
                    .bind(&d.commune_code)
                    .bind(&origin.source_type)
                    .bind(&origin.org_id)
                    .bind(&r.source_ref)
                    .bind(is_demo)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| StorageError::on_unique(e, "child record number"))?;
                    (key, 1, Added::New, d.present_fields())
                }
            };
            let id = crate::new_id();
            sqlx::query(
                "INSERT INTO child_records (id, record_key, version, province, full_name, name_key, \
                 birth_year, birth_month, birth_day, birth_precision, sex, ethnicity, commune_code, \
                 village, school_name, grade, guardian_name, pid_hash, pid_last3, created_by, created_at) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21)",
            )
            .bind(&id)
            .bind(&key)
            .bind(version)
            .bind(crate::admin_units::PROVINCE)
            .bind(&d.full_name)
            .bind(domain::text::search_key(&d.full_name))
            .bind(d.birth_year)
            .bind(d.birth_month)
            .bind(d.birth_day)
            .bind(d.precision())
            .bind(&d.sex)
            .bind(&d.ethnicity)
            .bind(&d.commune_code)
            .bind(&d.village)
            .bind(&d.school_name)
            .bind(&d.grade)
            .bind(&d.guardian_name)
            .bind(&d.pid_hash)
            .bind(&d.pid_last3)
            .bind(&creator)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let action = if added == Added::New {
                "create"
            } else {
                "correct"
            };
            let rec = child_audit(
                actor,
                now,
                action,
                "child_record",
                &key,
                json!({"version": version, "fields": fields}),
            );
            (*tx).append(&rec).await?;
            out.push((key, added));
        }
        out
    });
    Ok(out)
}

/// A correction: a new version of the record; the earlier ones stay as
/// they were. Nothing is written when nothing changed.
pub async fn correct(
    db: &Db,
    record_key: &str,
    data: &RecordData,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    let old = latest_version(db, record_key)
        .await?
        .ok_or_else(|| StorageError::NotFound {
            what: format!("child record {record_key}"),
        })?;
    if old.erased() {
        return Err(StorageError::NotFound {
            what: format!("child record {record_key} (erased)"),
        });
    }
    let changed = data.changed_fields(&old);
    if changed.is_empty() {
        return Ok(false);
    }
    let creator = actor_key(actor);
    db_tx!(db, |tx| {
        sqlx::query(
            "INSERT INTO child_records (id, record_key, version, province, full_name, name_key, \
             birth_year, birth_month, birth_day, birth_precision, sex, ethnicity, commune_code, \
             village, school_name, grade, guardian_name, pid_hash, pid_last3, created_by, created_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21)",
        )
        .bind(crate::new_id())
        .bind(record_key)
        .bind(old.version + 1)
        .bind(crate::admin_units::PROVINCE)
        .bind(&data.full_name)
        .bind(domain::text::search_key(&data.full_name))
        .bind(data.birth_year)
        .bind(data.birth_month)
        .bind(data.birth_day)
        .bind(data.precision())
        .bind(&data.sex)
        .bind(&data.ethnicity)
        .bind(&data.commune_code)
        .bind(&data.village)
        .bind(&data.school_name)
        .bind(&data.grade)
        .bind(&data.guardian_name)
        .bind(&data.pid_hash)
        .bind(&data.pid_last3)
        .bind(&creator)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| StorageError::on_unique(e, format!("version of {record_key}")))?;
        let rec = child_audit(
            actor,
            now,
            "correct",
            "child_record",
            record_key,
            json!({"version": old.version + 1, "fields": changed}),
        );
        (*tx).append(&rec).await?;
    });
    Ok(true)
}

async fn record_key_by_ref(
    db: &Db,
    org_id: &str,
    reference: &str,
) -> Result<Option<String>, StorageError> {
    let row: Option<(String,)> = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT record_key FROM child_sources WHERE source_org_id = $1 AND source_ref = $2",
        )
        .bind(org_id)
        .bind(reference)
        .fetch_optional(pool)
        .await?
    });
    Ok(row.map(|r| r.0))
}

/// The latest version of a source record.
pub async fn latest_version(
    db: &Db,
    record_key: &str,
) -> Result<Option<RecordVersion>, StorageError> {
    let sql = format!(
        "SELECT {VERSION_COLUMNS} FROM child_records r WHERE r.record_key = $1 \
         ORDER BY r.version DESC LIMIT 1"
    );
    let row = db_run!(db, |pool| {
        sqlx::query_as::<_, RecordVersion>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(record_key)
            .fetch_optional(pool)
            .await?
    });
    Ok(row)
}

/// Every version of a source record, oldest first.
pub async fn versions(db: &Db, record_key: &str) -> Result<Vec<RecordVersion>, StorageError> {
    let sql = format!(
        "SELECT {VERSION_COLUMNS} FROM child_records r WHERE r.record_key = $1 ORDER BY r.version"
    );
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, RecordVersion>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(record_key)
            .fetch_all(pool)
            .await?
    });
    Ok(rows)
}

pub async fn source(db: &Db, record_key: &str) -> Result<Option<Source>, StorageError> {
    let row = db_run!(db, |pool| {
        sqlx::query_as::<_, Source>(
            "SELECT record_key, child_id, commune_code, source_type, source_org_id, source_ref, \
             is_demo, created_at FROM child_sources WHERE record_key = $1",
        )
        .bind(record_key)
        .fetch_optional(pool)
        .await?
    });
    Ok(row)
}

pub async fn child(db: &Db, id: &str) -> Result<Option<Child>, StorageError> {
    let row = db_run!(db, |pool| {
        sqlx::query_as::<_, Child>(
            "SELECT id, commune_code, status, is_demo, created_at, erased_at FROM children WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(pool)
        .await?
    });
    Ok(row)
}

/// The source records of a master child, oldest first.
pub async fn sources_of(db: &Db, child_id: &str) -> Result<Vec<Source>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, Source>(
            "SELECT record_key, child_id, commune_code, source_type, source_org_id, source_ref, \
             is_demo, created_at FROM child_sources WHERE child_id = $1 ORDER BY created_at, record_key",
        )
        .bind(child_id)
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

/// The communes a master child's records name (for authorisation: an
/// officer must have every one of them in scope).
pub async fn communes_of(db: &Db, child_id: &str) -> Result<BTreeSet<String>, StorageError> {
    Ok(sources_of(db, child_id)
        .await?
        .into_iter()
        .map(|s| s.commune_code)
        .collect())
}

/// Logs that someone looked at a child's record (every view is logged).
pub async fn log_view(
    db: &Db,
    child_id: &str,
    via: &'static str,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    db_tx!(db, |tx| {
        let rec = child_audit(actor, now, "view", "child", child_id, json!({"via": via}));
        (*tx).append(&rec).await?;
    });
    Ok(())
}

// ---------------------------------------------------------------------------
// Reading: the scoped list
// ---------------------------------------------------------------------------

/// A master child as listed: its first record's latest version and how
/// many sources name it.
#[derive(Debug, Clone)]
pub struct ChildSummary {
    pub child: Child,
    pub record: RecordVersion,
    pub sources: usize,
    pub source_types: Vec<String>,
}

#[derive(sqlx::FromRow)]
struct ListedRow {
    #[sqlx(flatten)]
    record: RecordVersion,
    child_id: String,
    source_type: String,
    source_created_at: DateTime<Utc>,
}

/// Latest versions of the records in one commune (or all), with their child.
async fn latest_in(db: &Db, commune: Option<&str>) -> Result<Vec<ListedRow>, StorageError> {
    let sql = format!(
        "SELECT {VERSION_COLUMNS}, s.child_id, s.source_type, s.created_at AS source_created_at \
         FROM child_records r JOIN child_sources s ON s.record_key = r.record_key \
         WHERE ($1 IS NULL OR s.commune_code = $1) AND r.version = \
         (SELECT MAX(v.version) FROM child_records v WHERE v.record_key = r.record_key) \
         ORDER BY s.created_at, r.record_key"
    );
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, ListedRow>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(commune)
            .fetch_all(pool)
            .await?
    });
    Ok(rows)
}

async fn latest_visible(db: &Db, visibility: &Visibility) -> Result<Vec<ListedRow>, StorageError> {
    Ok(match visibility {
        Visibility::PublicOnly => Vec::new(),
        Visibility::All => latest_in(db, None).await?,
        Visibility::Units(codes) => {
            let mut out = Vec::new();
            for code in codes {
                out.extend(latest_in(db, Some(code)).await?);
            }
            out
        }
    })
}

/// The children the viewer may see, searched by name (diacritics and case
/// ignored). A child shows when one of its records is in scope and none is
/// out of it (a child who moved needs both communes). Erased children are
/// not listed.
pub async fn list(
    db: &Db,
    visibility: &Visibility,
    search: Option<&str>,
    limit: usize,
) -> Result<Vec<ChildSummary>, StorageError> {
    let rows = latest_visible(db, visibility).await?;
    let needle = search
        .map(domain::text::search_key)
        .filter(|s| !s.is_empty());
    let mut by_child: BTreeMap<String, Vec<ListedRow>> = BTreeMap::new();
    for r in rows {
        by_child.entry(r.child_id.clone()).or_default().push(r);
    }
    let mut out = Vec::new();
    for (child_id, mut rows) in by_child {
        let Some(c) = child(db, &child_id).await? else {
            continue;
        };
        if c.status != "active" {
            continue;
        }
        let all = communes_of(db, &child_id).await?;
        if !all.iter().all(|code| visibility.allows_unit(code)) {
            continue;
        }
        if let Some(n) = &needle
            && !rows.iter().any(|r| {
                r.record
                    .full_name
                    .as_deref()
                    .is_some_and(|f| domain::text::search_key(f).contains(n.as_str()))
            })
        {
            continue;
        }
        rows.sort_by_key(|r| r.source_created_at);
        let source_types = rows.iter().map(|r| r.source_type.clone()).collect();
        let sources = rows.len();
        let first = rows.swap_remove(0);
        out.push(ChildSummary {
            child: c,
            record: first.record,
            sources,
            source_types,
        });
    }
    out.sort_by(|a, b| {
        let key = |s: &ChildSummary| {
            s.record
                .full_name
                .as_deref()
                .map(given_first_key)
                .unwrap_or_default()
        };
        key(a).cmp(&key(b))
    });
    out.truncate(limit);
    Ok(out)
}

/// Vietnamese order: by given name (the last word), then the rest.
fn given_first_key(name: &str) -> String {
    let k = domain::text::search_key(name);
    match k.rsplit_once(' ') {
        Some((rest, given)) => format!("{given} {rest}"),
        None => k,
    }
}

// ---------------------------------------------------------------------------
// Links: proposals from the engine, decisions, undo
// ---------------------------------------------------------------------------

/// A link between two source records.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Link {
    pub id: String,
    pub commune_code: String,
    pub record_a: String,
    pub record_b: String,
    pub probability_bp: i64,
    pub weight_milli: i64,
    pub veto: Option<String>,
    pub explanation_vi: String,
    pub explanation_en: String,
    /// `proposed` | `accepted` | `rejected` | `kept_apart`.
    pub status: String,
    pub from_child: Option<String>,
    pub into_child: Option<String>,
    pub moved_records: Option<String>,
    pub is_demo: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One decision on a link.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LinkEvent {
    pub seq: i64,
    pub action: String,
    pub status_after: String,
    pub reason: Option<String>,
    pub actor_name: String,
    pub at: DateTime<Utc>,
}

const LINK_COLUMNS: &str = "id, commune_code, record_a, record_b, probability_bp, weight_milli, veto, \
     explanation_vi, explanation_en, status, from_child, into_child, moved_records, is_demo, created_at, updated_at";

#[derive(sqlx::FromRow)]
struct EngineRow {
    record_key: String,
    child_id: String,
    source_type: String,
    full_name: Option<String>,
    birth_year: i64,
    birth_month: Option<i64>,
    birth_day: Option<i64>,
    sex: Option<String>,
    commune_code: String,
    village: Option<String>,
    guardian_name: Option<String>,
    pid_hash: Option<String>,
}

/// Runs the deduplication engine over the active records of the given
/// communes and stores the new candidate pairs: `proposed` when the engine
/// would link them, `kept_apart` when it vetoes them (likely twins,
/// different personal IDs) — with its explanation. A pair already decided
/// (or already proposed) is left as it is, so decisions survive
/// re-imports. Returns the number of new proposals.
pub async fn propose_links(
    db: &Db,
    communes: &BTreeSet<String>,
    is_demo: bool,
    now: DateTime<Utc>,
) -> Result<usize, StorageError> {
    let mut rows: Vec<EngineRow> = Vec::new();
    for code in communes {
        let r = db_run!(db, |pool| {
            sqlx::query_as::<_, EngineRow>(
                "SELECT r.record_key, s.child_id, s.source_type, r.full_name, r.birth_year, r.birth_month, \
                 r.birth_day, r.sex, r.commune_code, r.village, r.guardian_name, r.pid_hash \
                 FROM child_records r JOIN child_sources s ON s.record_key = r.record_key \
                 JOIN children c ON c.id = s.child_id \
                 WHERE s.commune_code = $1 AND c.status = 'active' AND r.version = \
                 (SELECT MAX(v.version) FROM child_records v WHERE v.record_key = r.record_key) \
                 ORDER BY s.created_at, r.record_key",
            )
            .bind(code)
            .fetch_all(pool)
            .await?
        });
        rows.extend(r);
    }
    rows.retain(|r| r.full_name.is_some());
    if rows.len() < 2 {
        return Ok(0);
    }
    let records: Vec<dedupe::Record> = rows
        .iter()
        .map(|r| dedupe::Record {
            source: r.source_type.clone(),
            full_name: r.full_name.clone().unwrap_or_default(),
            birth_date: match (r.birth_month, r.birth_day) {
                (Some(m), Some(d)) => format!("{d:02}/{m:02}/{}", r.birth_year),
                (Some(m), None) => format!("{m:02}/{}", r.birth_year),
                _ => r.birth_year.to_string(),
            },
            sex: match r.sex.as_deref() {
                Some("male") => Some(dedupe::Sex::Male),
                Some("female") => Some(dedupe::Sex::Female),
                _ => None,
            },
            commune_code: r.commune_code.clone(),
            village: r.village.clone().unwrap_or_default(),
            guardian_name: r.guardian_name.clone().unwrap_or_default(),
            personal_id: r.pid_hash.as_deref().map(pid_stand_in).unwrap_or_default(),
        })
        .collect();
    let config = dedupe::Config::default();
    let review = config.review_probability;
    let outcome =
        tokio::task::spawn_blocking(move || dedupe::deduplicate(&records, &config, &|_, _, _| {}))
            .await
            .map_err(|e| StorageError::Corrupt(format!("deduplication task: {e}")))?;

    let mut existing: HashSet<(String, String)> = HashSet::new();
    let pairs: Vec<(String, String)> = db_run!(db, |pool| {
        sqlx::query_as("SELECT record_a, record_b FROM child_links")
            .fetch_all(pool)
            .await?
    });
    existing.extend(pairs);
    let actor = AuditActor::system("dedupe");
    let mut new = 0usize;
    db_tx!(db, |tx| {
        for p in &outcome.pairs {
            let (ra, rb) = (&rows[p.a as usize], &rows[p.b as usize]);
            if ra.child_id == rb.child_id {
                continue;
            }
            let status = if p.veto.is_some() {
                "kept_apart"
            } else if p.probability >= review {
                "proposed"
            } else {
                continue;
            };
            let (a, b) = if ra.record_key <= rb.record_key {
                (ra, rb)
            } else {
                (rb, ra)
            };
            if !existing.insert((a.record_key.clone(), b.record_key.clone())) {
                continue;
            }
            let id = crate::new_id();
            let veto = p.veto.map(|v| match v {
                dedupe::Veto::Twins => "twins",
                dedupe::Veto::DifferentPersonalIds => "different_personal_ids",
            });
            let bp = (p.probability * 10_000.0).round().clamp(0.0, 10_000.0) as i64;
            let milli = (p.weight * 1000.0).round().clamp(-1e12, 1e12) as i64;
            sqlx::query(
                "INSERT INTO child_links (id, province, commune_code, record_a, record_b, probability_bp, \
                 weight_milli, veto, explanation_vi, explanation_en, status, is_demo, created_at, updated_at) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$13)",
            )
            .bind(&id)
            .bind(crate::admin_units::PROVINCE)
            .bind(&a.commune_code)
            .bind(&a.record_key)
            .bind(&b.record_key)
            .bind(bp)
            .bind(milli)
            .bind(veto)
            .bind(&p.explanation_vi)
            .bind(&p.explanation_en)
            .bind(status)
            .bind(is_demo)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO child_link_events (id, link_id, seq, action, status_after, reason, actor_id, actor_name, at) \
                 VALUES ($1,$2,1,'proposed',$3,NULL,NULL,$4,$5)",
            )
            .bind(crate::new_id())
            .bind(&id)
            .bind(status)
            .bind(&actor.name)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let rec = child_audit(
                &actor,
                now,
                "propose",
                "child_link",
                &id,
                json!({"status": status, "probability_bp": bp}),
            );
            (*tx).append(&rec).await?;
            if status == "proposed" {
                new += 1;
            }
        }
    });
    Ok(new)
}

pub async fn link(db: &Db, id: &str) -> Result<Option<Link>, StorageError> {
    let sql = format!("SELECT {LINK_COLUMNS} FROM child_links WHERE id = $1");
    let row = db_run!(db, |pool| {
        sqlx::query_as::<_, Link>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(id)
            .fetch_optional(pool)
            .await?
    });
    Ok(row)
}

/// The links that touch a master child's records.
pub async fn links_of_child(db: &Db, child_id: &str) -> Result<Vec<Link>, StorageError> {
    let sql = format!(
        "SELECT {LINK_COLUMNS} FROM child_links WHERE record_a IN \
         (SELECT record_key FROM child_sources WHERE child_id = $1) OR record_b IN \
         (SELECT record_key FROM child_sources WHERE child_id = $1) ORDER BY created_at, id"
    );
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, Link>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(child_id)
            .fetch_all(pool)
            .await?
    });
    Ok(rows)
}

/// Decisions on a link, in order.
pub async fn link_history(db: &Db, link_id: &str) -> Result<Vec<LinkEvent>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, LinkEvent>(
            "SELECT seq, action, status_after, reason, actor_name, at FROM child_link_events \
             WHERE link_id = $1 ORDER BY seq",
        )
        .bind(link_id)
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

/// A link with both records, for review side by side.
#[derive(Debug, Clone)]
pub struct LinkView {
    pub link: Link,
    pub a: RecordVersion,
    pub b: RecordVersion,
    pub source_a: Source,
    pub source_b: Source,
}

impl LinkView {
    /// The communes an officer must have in scope to decide it.
    pub fn communes(&self) -> [&str; 2] {
        [&self.source_a.commune_code, &self.source_b.commune_code]
    }
}

/// A link with both records.
pub async fn link_view(db: &Db, id: &str) -> Result<Option<LinkView>, StorageError> {
    let Some(link) = link(db, id).await? else {
        return Ok(None);
    };
    let (Some(a), Some(b), Some(source_a), Some(source_b)) = (
        latest_version(db, &link.record_a).await?,
        latest_version(db, &link.record_b).await?,
        source(db, &link.record_a).await?,
        source(db, &link.record_b).await?,
    ) else {
        return Err(StorageError::Corrupt(format!(
            "link {id} names a missing record"
        )));
    };
    Ok(Some(LinkView {
        link,
        a,
        b,
        source_a,
        source_b,
    }))
}

/// The review queue: links of a status whose records are all in scope,
/// most probable first.
pub async fn links_with_status(
    db: &Db,
    visibility: &Visibility,
    status: &str,
    limit: usize,
) -> Result<Vec<LinkView>, StorageError> {
    if matches!(visibility, Visibility::PublicOnly) {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {LINK_COLUMNS} FROM child_links WHERE status = $1 \
         ORDER BY probability_bp DESC, created_at, id"
    );
    let links = db_run!(db, |pool| {
        sqlx::query_as::<_, Link>(sqlx::AssertSqlSafe(sql.clone()))
            .bind(status)
            .fetch_all(pool)
            .await?
    });
    let mut out = Vec::new();
    for l in links {
        if !visibility.allows_unit(&l.commune_code) {
            continue;
        }
        if let Some(v) = link_view(db, &l.id).await?
            && v.communes().iter().all(|c| visibility.allows_unit(c))
        {
            out.push(v);
            if out.len() >= limit {
                break;
            }
        }
    }
    Ok(out)
}

/// What an officer decides on a proposed link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The same child: the two master children become one.
    Accept,
    /// Different children: kept apart, and not proposed again.
    Reject,
}

/// Why a link decision was refused.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("không tìm thấy liên kết / link not found")]
    NotFound,
    #[error(
        "liên kết đang ở trạng thái {0}, không quyết định được / the link is {0} and cannot be decided"
    )]
    NotProposed(String),
    #[error(
        "liên kết chưa được chấp nhận hay từ chối / the link was neither accepted nor rejected"
    )]
    NothingToUndo,
    #[error(
        "hồ sơ đã được gộp tiếp sau quyết định này; hãy hoàn tác quyết định sau trước / the records were merged again after this decision; undo the later decision first"
    )]
    LaterMerge,
    #[error(
        "hồ sơ đã bị xoá theo yêu cầu rút lại đồng ý / a record was erased on withdrawal of consent"
    )]
    Erased,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<sqlx::Error> for LinkError {
    fn from(e: sqlx::Error) -> Self {
        LinkError::Storage(StorageError::Sql(e))
    }
}

async fn next_seq(db: &Db, link_id: &str) -> Result<i64, StorageError> {
    let n: (Option<i64>,) = db_run!(db, |pool| {
        sqlx::query_as("SELECT MAX(seq) FROM child_link_events WHERE link_id = $1")
            .bind(link_id)
            .fetch_one(pool)
            .await?
    });
    Ok(n.0.unwrap_or(0) + 1)
}

/// Accepts or rejects a proposed link, with a reason. Accepting moves every
/// record of the second record's master child into the first's (consents
/// follow), remembering what moved so that [`undo`] can put it back.
pub async fn decide(
    db: &Db,
    link_id: &str,
    decision: Decision,
    reason: &str,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<(), LinkError> {
    let view = link_view(db, link_id).await?.ok_or(LinkError::NotFound)?;
    if view.link.status != "proposed" {
        return Err(LinkError::NotProposed(view.link.status));
    }
    if view.a.erased() || view.b.erased() {
        return Err(LinkError::Erased);
    }
    let seq = next_seq(db, link_id).await?;
    let (into, from) = (
        view.source_a.child_id.clone(),
        view.source_b.child_id.clone(),
    );
    let moved_records: Vec<String> = if decision == Decision::Accept && into != from {
        sources_of(db, &from)
            .await?
            .into_iter()
            .map(|s| s.record_key)
            .collect()
    } else {
        Vec::new()
    };
    let moved_consents: Vec<String> = if decision == Decision::Accept && into != from {
        consents(db, &from)
            .await?
            .into_iter()
            .map(|c| c.id)
            .collect()
    } else {
        Vec::new()
    };
    let (status, action) = match decision {
        Decision::Accept => ("accepted", "accepted"),
        Decision::Reject => ("rejected", "rejected"),
    };
    let moved_json = json!({"records": moved_records, "consents": moved_consents}).to_string();
    db_tx!(db, |tx| {
        // Guard against a concurrent decision: only a proposed link changes.
        let n = sqlx::query(
            "UPDATE child_links SET status = $1, from_child = $2, into_child = $3, moved_records = $4, \
             updated_at = $5 WHERE id = $6 AND status = 'proposed'",
        )
        .bind(status)
        .bind((decision == Decision::Accept).then_some(&from))
        .bind((decision == Decision::Accept).then_some(&into))
        .bind((decision == Decision::Accept).then_some(&moved_json))
        .bind(now)
        .bind(link_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Err(LinkError::NotProposed("changed".into()));
        }
        for key in &moved_records {
            sqlx::query("UPDATE child_sources SET child_id = $1 WHERE record_key = $2")
                .bind(&into)
                .bind(key)
                .execute(&mut *tx)
                .await?;
        }
        for c in &moved_consents {
            sqlx::query("UPDATE child_consents SET child_id = $1 WHERE id = $2")
                .bind(&into)
                .bind(c)
                .execute(&mut *tx)
                .await?;
        }
        if !moved_records.is_empty() {
            sqlx::query("UPDATE children SET status = 'merged' WHERE id = $1")
                .bind(&from)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO child_link_events (id, link_id, seq, action, status_after, reason, actor_id, actor_name, at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
        )
        .bind(crate::new_id())
        .bind(link_id)
        .bind(seq)
        .bind(action)
        .bind(status)
        .bind(reason)
        .bind(&actor.id)
        .bind(&actor.name)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| StorageError::on_unique(e, format!("decision on link {link_id}")))?;
        let rec = child_audit(
            actor,
            now,
            if decision == Decision::Accept {
                "accept"
            } else {
                "reject"
            },
            "child_link",
            link_id,
            json!({"status": status, "into_child": (decision == Decision::Accept).then_some(&into),
                   "moved_records": moved_records.len()}),
        );
        (*tx).append(&rec).await?;
    });
    Ok(())
}

#[derive(serde::Deserialize, Default)]
struct Moved {
    #[serde(default)]
    records: Vec<String>,
    #[serde(default)]
    consents: Vec<String>,
}

/// Undoes a decision: a new event; the link is proposed again and, for an
/// accepted link, exactly the records (and consents) it moved go back to
/// the master child they came from. Refused when they were merged again
/// since (undo that later decision first).
pub async fn undo(
    db: &Db,
    link_id: &str,
    reason: &str,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<(), LinkError> {
    let view = link_view(db, link_id).await?.ok_or(LinkError::NotFound)?;
    let l = &view.link;
    if l.status != "accepted" && l.status != "rejected" {
        return Err(LinkError::NothingToUndo);
    }
    let moved: Moved = l
        .moved_records
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| StorageError::Corrupt(format!("link {link_id} moved records: {e}")))?
        .unwrap_or_default();
    if l.status == "accepted" {
        let into = l.into_child.clone().unwrap_or_default();
        for key in &moved.records {
            let s = source(db, key)
                .await?
                .ok_or_else(|| StorageError::NotFound {
                    what: format!("child record {key}"),
                })?;
            if s.child_id != into {
                return Err(LinkError::LaterMerge);
            }
        }
        if let Some(into_child) = child(db, &into).await?
            && into_child.status != "active"
        {
            return Err(if into_child.status == "erased" {
                LinkError::Erased
            } else {
                LinkError::LaterMerge
            });
        }
    }
    let seq = next_seq(db, link_id).await?;
    let from = l.from_child.clone();
    db_tx!(db, |tx| {
        let n = sqlx::query(
            "UPDATE child_links SET status = 'proposed', from_child = NULL, into_child = NULL, \
             moved_records = NULL, updated_at = $1 WHERE id = $2 AND status = $3",
        )
        .bind(now)
        .bind(link_id)
        .bind(&l.status)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Err(LinkError::NothingToUndo);
        }
        if let Some(from) = &from {
            for key in &moved.records {
                sqlx::query("UPDATE child_sources SET child_id = $1 WHERE record_key = $2")
                    .bind(from)
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
            }
            for c in &moved.consents {
                sqlx::query("UPDATE child_consents SET child_id = $1 WHERE id = $2")
                    .bind(from)
                    .bind(c)
                    .execute(&mut *tx)
                    .await?;
            }
            if !moved.records.is_empty() {
                sqlx::query("UPDATE children SET status = 'active' WHERE id = $1")
                    .bind(from)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        sqlx::query(
            "INSERT INTO child_link_events (id, link_id, seq, action, status_after, reason, actor_id, actor_name, at) \
             VALUES ($1,$2,$3,'undone','proposed',$4,$5,$6,$7)",
        )
        .bind(crate::new_id())
        .bind(link_id)
        .bind(seq)
        .bind(reason)
        .bind(&actor.id)
        .bind(&actor.name)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| StorageError::on_unique(e, format!("undo of link {link_id}")))?;
        let rec = child_audit(
            actor,
            now,
            "undo",
            "child_link",
            link_id,
            json!({"status": "proposed", "undone": l.status, "moved_back": moved.records.len()}),
        );
        (*tx).append(&rec).await?;
    });
    Ok(())
}

// ---------------------------------------------------------------------------
// Consent and erasure
// ---------------------------------------------------------------------------

/// A consent record.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Consent {
    pub id: String,
    pub child_id: String,
    /// `parent` (parent or guardian) | `child` (the child's own, from 7).
    pub kind: String,
    pub given_on: NaiveDate,
    pub withdrawn_on: Option<NaiveDate>,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
}

/// Age from which the child's own consent is needed too (Decree 13/2023
/// art. 20; Law 91/2025/QH15 art. 24).
pub const OWN_CONSENT_AGE: i64 = 7;

pub async fn consents(db: &Db, child_id: &str) -> Result<Vec<Consent>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, Consent>(
            "SELECT id, child_id, kind, given_on, withdrawn_on, recorded_by, created_at \
             FROM child_consents WHERE child_id = $1 ORDER BY created_at, id",
        )
        .bind(child_id)
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

/// Records a consent (`parent` or `child`) given on a date.
pub async fn give_consent(
    db: &Db,
    child_id: &str,
    kind: &str,
    given_on: NaiveDate,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<String, StorageError> {
    if kind != "parent" && kind != "child" {
        return Err(StorageError::Corrupt(format!(
            "unknown consent kind {kind}"
        )));
    }
    let c = child(db, child_id)
        .await?
        .ok_or_else(|| StorageError::NotFound {
            what: format!("child {child_id}"),
        })?;
    if c.status != "active" {
        return Err(StorageError::NotFound {
            what: format!("child {child_id} ({})", c.status),
        });
    }
    let id = crate::new_id();
    let by = actor_key(actor);
    db_tx!(db, |tx| {
        sqlx::query(
            "INSERT INTO child_consents (id, child_id, kind, given_on, withdrawn_on, recorded_by, created_at) \
             VALUES ($1,$2,$3,$4,NULL,$5,$6)",
        )
        .bind(&id)
        .bind(child_id)
        .bind(kind)
        .bind(given_on)
        .bind(&by)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let rec = child_audit(
            actor,
            now,
            "consent",
            "child",
            child_id,
            json!({"consent": id, "kind": kind}),
        );
        (*tx).append(&rec).await?;
    });
    Ok(id)
}

/// The columns blanked by erasure.
pub const ERASED_FIELDS: [&str; 11] = [
    "full_name",
    "name_key",
    "birth_month",
    "birth_day",
    "village",
    "school_name",
    "grade",
    "guardian_name",
    "pid_hash",
    "pid_last3",
    "source_ref",
];

/// Withdrawal of consent (by the parent or by the child): the child's
/// personal data is removed from every version of every record — names,
/// birth day and month, village, school and grade, guardian, personal-ID
/// hash and digits, the source's own number — and from what officers typed
/// about its links. What stays is anonymous: commune, birth year, sex,
/// ethnicity, so the counts of children supported still add up.
pub async fn withdraw_consent(
    db: &Db,
    child_id: &str,
    kind: &str,
    on: NaiveDate,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    let c = child(db, child_id)
        .await?
        .ok_or_else(|| StorageError::NotFound {
            what: format!("child {child_id}"),
        })?;
    if c.status == "erased" {
        return Ok(());
    }
    let keys: Vec<String> = sources_of(db, child_id)
        .await?
        .into_iter()
        .map(|s| s.record_key)
        .collect();
    db_tx!(db, |tx| {
        for key in &keys {
            sqlx::query(
                "UPDATE child_records SET full_name = NULL, name_key = NULL, birth_month = NULL, \
                 birth_day = NULL, village = NULL, school_name = NULL, grade = NULL, \
                 guardian_name = NULL, pid_hash = NULL, pid_last3 = NULL WHERE record_key = $1",
            )
            .bind(key)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE child_sources SET source_ref = NULL WHERE record_key = $1")
                .bind(key)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE child_link_events SET reason = NULL WHERE link_id IN \
                 (SELECT id FROM child_links WHERE record_a = $1 OR record_b = $1)",
            )
            .bind(key)
            .execute(&mut *tx)
            .await?;
            // An officer's reason for a roster past the overlap guard is free text.
            sqlx::query("UPDATE delivery_children SET overlap_reason = NULL WHERE record_key = $1")
                .bind(key)
                .execute(&mut *tx)
                .await?;
            // Open proposals about an erased record cannot be decided any more.
            sqlx::query(
                "UPDATE child_links SET status = 'kept_apart', updated_at = $2 \
                 WHERE (record_a = $1 OR record_b = $1) AND status = 'proposed'",
            )
            .bind(key)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "UPDATE child_consents SET withdrawn_on = $1 WHERE child_id = $2 AND withdrawn_on IS NULL",
        )
        .bind(on)
        .bind(child_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE children SET status = 'erased', erased_at = $1 WHERE id = $2")
            .bind(now)
            .bind(child_id)
            .execute(&mut *tx)
            .await?;
        let rec = child_audit(
            actor,
            now,
            "erase",
            "child",
            child_id,
            json!({"withdrawn_by": kind, "records": keys.len(), "fields": ERASED_FIELDS}),
        );
        (*tx).append(&rec).await?;
    });
    Ok(())
}

// ---------------------------------------------------------------------------
// Anonymous counts
// ---------------------------------------------------------------------------

/// Age bands of the counts (age reached during the year).
pub const AGE_BANDS: [&str; 5] = ["0-2", "3-5", "6-10", "11-15", "16+"];

/// The band of an age reached during the year.
pub fn age_band(age: i64) -> &'static str {
    match age {
        i64::MIN..=2 => "0-2",
        3..=5 => "3-5",
        6..=10 => "6-10",
        11..=15 => "11-15",
        _ => "16+",
    }
}

/// Unique children (master children, not records) by sex, ethnicity, age
/// band and commune. `unknown` stands for a missing sex or ethnicity.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ChildCounts {
    pub unit: String,
    pub year: i32,
    pub total: i64,
    pub by_sex: BTreeMap<String, i64>,
    pub by_ethnicity: BTreeMap<String, i64>,
    pub by_age_band: BTreeMap<String, i64>,
    pub by_commune: BTreeMap<String, i64>,
}

#[derive(sqlx::FromRow)]
struct CountRow {
    child_id: String,
    commune_code: String,
    birth_year: i64,
    sex: Option<String>,
    ethnicity: Option<String>,
}

/// Unique children registered by the end of `year` (UTC+7) whose records
/// name a commune of `unit` — a commune, a district or the province, with
/// the communes before and after the map's changes (as a scope expands).
/// Children whose consent was withdrawn are still counted, anonymously.
/// Attributes come from the child's records, oldest source first (the
/// first one that has the attribute); the commune is the oldest source's.
pub async fn counts(db: &Db, unit: &str, year: i32) -> Result<ChildCounts, StorageError> {
    let communes = if unit == crate::admin_units::PROVINCE {
        None
    } else {
        Some(crate::admin_units::expand_scope(db, &[unit.to_owned()]).await?)
    };
    let end = chrono::FixedOffset::east_opt(7 * 3600)
        .and_then(|tz| tz.with_ymd_and_hms(year + 1, 1, 1, 0, 0, 0).single())
        .map(|d| d.with_timezone(&Utc))
        .ok_or_else(|| StorageError::Corrupt(format!("year {year}")))?;
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, CountRow>(
            "SELECT s.child_id, s.commune_code, r.birth_year, r.sex, r.ethnicity \
             FROM child_sources s JOIN children c ON c.id = s.child_id \
             JOIN child_records r ON r.record_key = s.record_key \
             WHERE c.status <> 'merged' AND s.created_at < $1 AND r.version = \
             (SELECT MAX(v.version) FROM child_records v WHERE v.record_key = r.record_key AND v.created_at < $1) \
             ORDER BY s.created_at, s.record_key",
        )
        .bind(end)
        .fetch_all(pool)
        .await?
    });
    // child → (commune, birth year, sex, ethnicity), first value wins.
    let mut per_child: BTreeMap<String, (String, i64, Option<String>, Option<String>)> =
        BTreeMap::new();
    let mut in_unit: BTreeSet<String> = BTreeSet::new();
    for r in rows {
        if communes
            .as_ref()
            .is_none_or(|c| c.contains(&r.commune_code))
        {
            in_unit.insert(r.child_id.clone());
        }
        let e = per_child
            .entry(r.child_id)
            .or_insert((r.commune_code, r.birth_year, None, None));
        if e.2.is_none() {
            e.2 = r.sex;
        }
        if e.3.is_none() {
            e.3 = r.ethnicity;
        }
    }
    let mut out = ChildCounts {
        unit: unit.to_owned(),
        year,
        ..ChildCounts::default()
    };
    for (id, (commune, birth_year, sex, ethnicity)) in per_child {
        if !in_unit.contains(&id) || birth_year > i64::from(year) {
            continue;
        }
        out.total += 1;
        *out.by_sex
            .entry(sex.unwrap_or_else(|| "unknown".into()))
            .or_default() += 1;
        *out.by_ethnicity
            .entry(ethnicity.unwrap_or_else(|| "unknown".into()))
            .or_default() += 1;
        *out.by_age_band
            .entry(age_band(i64::from(year) - birth_year).to_owned())
            .or_default() += 1;
        *out.by_commune.entry(commune).or_default() += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
            .collect()
    }

    #[test]
    fn hmac_sha256_matches_rfc_4231() {
        // Test case 1.
        assert_eq!(
            crate::audit::hex(&hmac_sha256(&[0x0b; 20], b"Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        // Test case 2.
        assert_eq!(
            crate::audit::hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block.
        assert_eq!(
            crate::audit::hex(&hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
        assert_eq!(hex("0b0c").len(), 2);
    }

    #[test]
    fn stand_ins_are_equal_for_equal_hashes_and_valid_ids() {
        let k = PidKey::new([7; 32]);
        let a = pid_stand_in(&k.hash("046317001234"));
        assert_eq!(a, pid_stand_in(&k.hash("046317001234")));
        assert_ne!(a, pid_stand_in(&k.hash("046317001235")));
        assert!(dedupe::pid::parse_personal_id(&a).is_ok(), "{a}");
        assert_ne!(
            PidKey::new([1; 32]).hash("046317001234"),
            k.hash("046317001234"),
            "the hash depends on the key"
        );
    }

    #[test]
    fn age_bands_cover_every_age() {
        assert_eq!(age_band(0), "0-2");
        assert_eq!(age_band(3), "3-5");
        assert_eq!(age_band(10), "6-10");
        assert_eq!(age_band(15), "11-15");
        assert_eq!(age_band(16), "16+");
    }
}
