//! Donors and their pledges. A pledge counts toward coverage only once it
//! is committed (the rule of OCHA's Financial Tracking Service).

use chrono::{DateTime, NaiveDate, Utc};
use domain::needs::{AgeBand, Category, Restrictions};
use serde_json::json;

use crate::audit::{AuditActor, AuditConn, AuditRecord};
use crate::{Db, StorageError, db_run, db_tx};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Donor {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub origin: String,
    pub donor_type: String,
    pub tax_code: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub publish_name: bool,
    pub anonymous: bool,
    pub is_demo: bool,
}

impl Donor {
    /// The name the public may see.
    pub fn public_name(&self) -> Option<&str> {
        (self.publish_name && !self.anonymous).then_some(self.name.as_str())
    }
}

const DONOR_COLUMNS: &str = "SELECT id, kind, name, origin, donor_type, tax_code, phone, email, publish_name, anonymous, is_demo FROM donors";

/// Inserts one donor and its audit row inside an open write transaction.
/// Evaluates to `Result<(), StorageError>`.
macro_rules! insert_donor {
    ($tx:ident, $d:expr, $actor:expr, $now:expr) => {
        async {
            let d: &Donor = $d;
            let actor: &AuditActor = $actor;
            let now: DateTime<Utc> = $now;
            sqlx::query(
                "INSERT INTO donors (id, province, kind, name, search_key, origin, donor_type, tax_code, phone, email, \
                 publish_name, anonymous, is_demo, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)",
            )
            .bind(&d.id)
            .bind(crate::admin_units::PROVINCE)
            .bind(&d.kind)
            .bind(&d.name)
            .bind(domain::text::search_key(&d.name))
            .bind(&d.origin)
            .bind(&d.donor_type)
            .bind(&d.tax_code)
            .bind(&d.phone)
            .bind(&d.email)
            .bind(d.publish_name)
            .bind(d.anonymous)
            .bind(d.is_demo)
            .bind(now)
            .execute(&mut *$tx)
            .await
            .map_err(|e| StorageError::on_unique(e, format!("donor {}", d.id)))?;
            let rec = AuditRecord {
                actor: actor.clone(),
                at: now,
                action: "create",
                entity: "donor",
                entity_id: d.id.clone(),
                before: None,
                after: Some(
                    json!({"kind": d.kind, "name": d.name, "origin": d.origin, "donor_type": d.donor_type,
                    "publish_name": d.publish_name, "anonymous": d.anonymous}),
                ),
            };
            (*$tx).append(&rec).await?;
            Ok::<(), StorageError>(())
        }
        .await
    };
}

/// Inserts one pledge, numbered next in order (the caller holds the audit
/// chain's lock on PostgreSQL), and its audit row, inside an open write
/// transaction. Evaluates to `Result<i64, StorageError>`: the number.
macro_rules! insert_pledge {
    ($tx:ident, $p:expr, $actor:expr, $now:expr) => {
        async {
            let p: &Pledge = $p;
            let actor: &AuditActor = $actor;
            let now: DateTime<Utc> = $now;
            let committed_at = (p.status == "committed").then_some(now);
            let next: (i64,) =
                sqlx::query_as("SELECT CAST(COALESCE(MAX(number), 0) + 1 AS BIGINT) FROM pledges")
                    .fetch_one(&mut *$tx)
                    .await?;
            sqlx::query(
                "INSERT INTO pledges (id, province, donor_id, kind, amount, status, categories, unit_codes, age_bands, \
                 period_id, due_on, origin, need_line_id, note, is_demo, created_at, committed_at, number) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18)",
            )
            .bind(&p.id)
            .bind(crate::admin_units::PROVINCE)
            .bind(&p.donor_id)
            .bind(&p.kind)
            .bind(p.amount)
            .bind(&p.status)
            .bind(&p.categories)
            .bind(&p.unit_codes)
            .bind(&p.age_bands)
            .bind(&p.period_id)
            .bind(p.due_on)
            .bind(&p.origin)
            .bind(&p.need_line_id)
            .bind(&p.note)
            .bind(p.is_demo)
            .bind(now)
            .bind(committed_at)
            .bind(next.0)
            .execute(&mut *$tx)
            .await
            .map_err(|e| StorageError::on_unique(e, format!("pledge {}", p.id)))?;
            let rec = AuditRecord {
                actor: actor.clone(),
                at: now,
                action: "create",
                entity: "pledge",
                entity_id: p.id.clone(),
                before: None,
                after: Some(
                    json!({"donor_id": p.donor_id, "kind": p.kind, "amount": p.amount, "status": p.status,
                    "categories": p.categories, "unit_codes": p.unit_codes, "age_bands": p.age_bands,
                    "period_id": p.period_id, "origin": p.origin, "need_line_id": p.need_line_id,
                    "number": next.0}),
                ),
            };
            (*$tx).append(&rec).await?;
            Ok::<i64, StorageError>(next.0)
        }
        .await
    };
}

pub async fn create(
    db: &Db,
    d: &Donor,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    create_many(db, std::slice::from_ref(d), actor, now).await
}

/// Creates donors in one transaction: all or none (a duplicate id fails
/// the whole batch).
pub async fn create_many(
    db: &Db,
    donors: &[Donor],
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    db_tx!(db, |tx| {
        for d in donors {
            insert_donor!(tx, d, actor, now)?;
        }
    });
    Ok(())
}

pub async fn get(db: &Db, id: &str) -> Result<Option<Donor>, StorageError> {
    let row = db_run!(db, |pool| {
        sqlx::query_as::<_, Donor>(sqlx::AssertSqlSafe(format!(
            "{DONOR_COLUMNS} WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(pool)
        .await?
    });
    Ok(row)
}

pub async fn list(db: &Db, search: Option<&str>) -> Result<Vec<Donor>, StorageError> {
    let pattern =
        search.map(|s| format!("%{}%", domain::text::search_key(s).replace(['%', '_'], "")));
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, Donor>(sqlx::AssertSqlSafe(format!(
            "{DONOR_COLUMNS} WHERE ($1 IS NULL OR search_key LIKE $1) ORDER BY name"
        )))
        .bind(&pattern)
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

/// Donors that are probably the same as `d`: same tax code, phone or
/// e-mail, the same name once diacritics, case and spacing are folded, or
/// a very similar name (`domain::donor_names`: legal forms such as "Cty" /
/// "Công ty TNHH" brought to one spelling, then Jaro–Winkler).
pub async fn likely_duplicates(db: &Db, d: &Donor) -> Result<Vec<Donor>, StorageError> {
    let all = list(db, None).await?;
    Ok(likely_duplicates_among(d, &all)
        .into_iter()
        .cloned()
        .collect())
}

/// [`likely_duplicates`] among donors already loaded (an import checks
/// every row against one list): the exact matches first, then the very
/// similar names, each in the list's order.
pub fn likely_duplicates_among<'a>(d: &Donor, all: &'a [Donor]) -> Vec<&'a Donor> {
    let key = domain::text::search_key(&d.name);
    let same = |a: &Option<String>, b: &Option<String>| a.is_some() && a == b;
    let others = || all.iter().filter(|o| o.id != d.id);
    let mut found: Vec<&Donor> = others()
        .filter(|o| {
            domain::text::search_key(&o.name) == key
                || same(&d.tax_code, &o.tax_code)
                || same(&d.phone, &o.phone)
                || same(&d.email, &o.email)
        })
        .collect();
    let similar: Vec<&Donor> = others()
        .filter(|o| {
            !found.iter().any(|f| f.id == o.id)
                && domain::donor_names::very_similar(&d.name, &o.name)
        })
        .collect();
    found.extend(similar);
    found
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Pledge {
    pub id: String,
    pub donor_id: String,
    pub kind: String,
    pub amount: i64,
    pub status: String,
    pub categories: Option<String>,
    pub unit_codes: Option<String>,
    pub age_bands: Option<String>,
    pub period_id: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub origin: String,
    pub need_line_id: Option<String>,
    pub note: String,
    pub is_demo: bool,
    /// The number behind the pledge's code (`CT` + 6 digits + check digit),
    /// assigned when it is recorded; `None` only before that.
    pub number: Option<i64>,
}

impl Pledge {
    /// The code a donor writes in a transfer memo, e.g. `CT0004273`.
    pub fn code(&self) -> Option<String> {
        self.number
            .and_then(|n| u32::try_from(n).ok())
            .map(domain::needs::pledge_code::format)
    }
}

fn split(list: &Option<String>) -> Option<Vec<String>> {
    list.as_ref().map(|s| {
        s.split(',')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(str::to_owned)
            .collect()
    })
}

impl Pledge {
    /// The pledge's restrictions, parsed (unknown names are dropped, which
    /// can only narrow nothing: they were validated on the way in).
    pub fn restrictions(&self) -> Restrictions {
        Restrictions {
            categories: split(&self.categories).map(|v| {
                v.iter()
                    .filter_map(|c| c.parse::<Category>().ok())
                    .collect()
            }),
            unit_codes: split(&self.unit_codes),
            age_bands: split(&self.age_bands)
                .map(|v| v.iter().filter_map(|c| c.parse::<AgeBand>().ok()).collect()),
            period_id: self.period_id.clone(),
        }
    }
}

const PLEDGE_COLUMNS: &str = "SELECT id, donor_id, kind, amount, status, categories, unit_codes, age_bands, period_id, \
    due_on, origin, need_line_id, note, is_demo, number FROM pledges";

pub async fn create_pledge(
    db: &Db,
    p: &Pledge,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<i64, StorageError> {
    let lock = audit_lock(db);
    let number = db_tx!(db, |tx| {
        // Numbers are handed out under the audit chain's lock, in order.
        if let Some(sql) = lock {
            sqlx::query(sql).execute(&mut *tx).await?;
        }
        insert_pledge!(tx, p, actor, now)?
    });
    Ok(number)
}

fn audit_lock(db: &Db) -> Option<&'static str> {
    match db.backend() {
        crate::Backend::Postgres => Some("LOCK TABLE audit_events IN SHARE ROW EXCLUSIVE MODE"),
        crate::Backend::Sqlite => None,
    }
}

/// Why a public pledge wrote nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicPledgeRefusal {
    /// The pledge names no need line, or its line is not (or no longer)
    /// published.
    NotPublished,
}

/// A pledge offered from the public page (or `POST
/// /api/v1/public/needs/{id}/pledges`) on a published need line: the new
/// donor and its pledge (status `pledged`, waiting for the coordinator's
/// confirmation), each with its audit row, in ONE transaction — a failure
/// anywhere leaves neither a donor without its pledge nor a pledge half
/// written. The line's status is read again inside the transaction, so a
/// line withdrawn meanwhile takes nothing. `Ok(Ok(number))`: the pledge's
/// number (its code).
pub async fn create_public_pledge(
    db: &Db,
    d: &Donor,
    p: &Pledge,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<Result<i64, PublicPledgeRefusal>, StorageError> {
    let Some(line_id) = p.need_line_id.as_deref() else {
        return Ok(Err(PublicPledgeRefusal::NotPublished));
    };
    let lock = audit_lock(db);
    let outcome = db_tx!(db, |tx| {
        if let Some(sql) = lock {
            sqlx::query(sql).execute(&mut *tx).await?;
        }
        let status: Option<(String,)> =
            sqlx::query_as("SELECT status FROM need_lines WHERE id = $1")
                .bind(line_id)
                .fetch_optional(&mut *tx)
                .await?;
        if status.is_none_or(|(s,)| s != "published") {
            // Returning drops the transaction: nothing is kept.
            return Ok(Err(PublicPledgeRefusal::NotPublished));
        }
        insert_donor!(tx, d, actor, now)?;
        Ok(insert_pledge!(tx, p, actor, now)?)
    });
    Ok(outcome)
}

/// The pledge whose code a donor wrote, by its number.
pub async fn pledge_by_number(db: &Db, number: i64) -> Result<Option<Pledge>, StorageError> {
    let row = db_run!(db, |pool| {
        sqlx::query_as::<_, Pledge>(sqlx::AssertSqlSafe(format!(
            "{PLEDGE_COLUMNS} WHERE number = $1"
        )))
        .bind(number)
        .fetch_optional(pool)
        .await?
    });
    Ok(row)
}

/// Marks a pledge committed (signed); from then on it counts. `Ok(false)`
/// when it was not in the `pledged` state.
pub async fn commit(
    db: &Db,
    id: &str,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    let changed = db_tx!(db, |tx| {
        let n = sqlx::query("UPDATE pledges SET status = 'committed', committed_at = $1 WHERE id = $2 AND status = 'pledged'")
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 1 {
            let rec = AuditRecord {
                actor: actor.clone(),
                at: now,
                action: "commit",
                entity: "pledge",
                entity_id: id.to_owned(),
                before: Some(json!({"status": "pledged"})),
                after: Some(json!({"status": "committed"})),
            };
            (*tx).append(&rec).await?;
        }
        n == 1
    });
    Ok(changed)
}

pub async fn pledge(db: &Db, id: &str) -> Result<Option<Pledge>, StorageError> {
    let row = db_run!(db, |pool| {
        sqlx::query_as::<_, Pledge>(sqlx::AssertSqlSafe(format!(
            "{PLEDGE_COLUMNS} WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(pool)
        .await?
    });
    Ok(row)
}

/// Pledges with what is already allocated from each: (pledge, allocated).
pub async fn pledges(db: &Db, donor_id: Option<&str>) -> Result<Vec<(Pledge, i64)>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, Pledge>(sqlx::AssertSqlSafe(format!(
            "{PLEDGE_COLUMNS} WHERE ($1 IS NULL OR donor_id = $1) ORDER BY created_at DESC"
        )))
        .bind(donor_id)
        .fetch_all(pool)
        .await?
    });
    let sums: Vec<(String, i64)> = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT pledge_id, CAST(SUM(amount) AS BIGINT) FROM live_allocations GROUP BY pledge_id",
        )
        .fetch_all(pool)
        .await?
    });
    let sums: std::collections::HashMap<String, i64> = sums.into_iter().collect();
    Ok(rows
        .into_iter()
        .map(|p| {
            let used = sums.get(&p.id).copied().unwrap_or(0);
            (p, used)
        })
        .collect())
}
