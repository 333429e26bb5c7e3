//! Administrative units with their history, as loaded from the shipped
//! reference data (`domain::admin_units`). Units are effective-dated: a code
//! alone is never an identity, the id is `{code}@{valid_from}`.

use std::collections::{BTreeSet, HashMap, VecDeque};

use chrono::NaiveDate;
use domain::admin_units::AdminMap;

use crate::{Db, StorageError, db_run, db_tx};

/// The province every row of this deployment belongs to (Huế: 46).
pub const PROVINCE: &str = "46";

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UnitRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub unit_type: String,
    pub level: String,
    pub parent_code: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

impl UnitRow {
    pub fn in_force_on(&self, on: NaiveDate) -> bool {
        self.valid_from.is_none_or(|f| f <= on) && self.valid_to.is_none_or(|t| on < t)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EdgeRow {
    pub effective_date: NaiveDate,
    pub instrument: String,
    pub kind: String,
    pub from_unit: String,
    pub to_unit: String,
    pub note: String,
    pub from_name: String,
    pub to_name: String,
}

/// Number of unit versions stored.
pub async fn count(db: &Db) -> Result<i64, StorageError> {
    let n: (i64,) = db_run!(db, |pool| {
        sqlx::query_as("SELECT COUNT(*) FROM admin_units")
            .fetch_one(pool)
            .await?
    });
    Ok(n.0)
}

/// Replaces the stored map with `map`, in one transaction. Reference data
/// is not user-edited, so this is not audited row by row.
pub async fn replace_all(db: &Db, map: &AdminMap) -> Result<(), StorageError> {
    db_tx!(db, |tx| {
        sqlx::query("DELETE FROM unit_lineage")
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM admin_units")
            .execute(&mut *tx)
            .await?;
        for u in &map.units {
            sqlx::query(
                "INSERT INTO admin_units (id, province, code, name, unit_type, level, parent_code, \
                 valid_from, valid_to, search_key) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
            )
            .bind(u.id.as_str())
            .bind(PROVINCE)
            .bind(&u.code)
            .bind(&u.name)
            .bind(&u.unit_type)
            .bind(u.level.as_str())
            .bind(&u.parent_code)
            .bind(u.valid_from)
            .bind(u.valid_to)
            .bind(domain::text::search_key(&u.name))
            .execute(&mut *tx)
            .await?;
        }
        for (i, e) in map.edges.iter().enumerate() {
            sqlx::query(
                "INSERT INTO unit_lineage (id, effective_date, instrument, kind, from_unit, to_unit, note) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7)",
            )
            .bind(format!("edge-{i:04}"))
            .bind(e.effective_date)
            .bind(&e.instrument)
            .bind(e.kind.as_str())
            .bind(e.from.as_str())
            .bind(e.to.as_str())
            .bind(&e.note)
            .execute(&mut *tx)
            .await?;
        }
        for d in &map.dissolutions {
            sqlx::query(
                "INSERT INTO unit_dissolutions (unit_id, effective_date, instrument, note) \
                 VALUES ($1,$2,$3,$4)",
            )
            .bind(d.unit.as_str())
            .bind(d.effective_date)
            .bind(&d.instrument)
            .bind(&d.note)
            .execute(&mut *tx)
            .await?;
        }
    });
    Ok(())
}

/// How a unit ended without successor, if it did.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DissolutionRow {
    pub effective_date: NaiveDate,
    pub instrument: String,
    pub note: String,
}

pub async fn dissolution(db: &Db, unit_id: &str) -> Result<Option<DissolutionRow>, StorageError> {
    let row = db_run!(db, |pool| {
        sqlx::query_as::<_, DissolutionRow>(
            "SELECT effective_date, instrument, note FROM unit_dissolutions WHERE unit_id = $1",
        )
        .bind(unit_id)
        .fetch_optional(pool)
        .await?
    });
    Ok(row)
}

/// The unit that bore `code` on `on`, if any did.
pub async fn unit_on(db: &Db, code: &str, on: NaiveDate) -> Result<Option<UnitRow>, StorageError> {
    let row = db_run!(db, |pool| {
        sqlx::query_as::<_, UnitRow>(
            "SELECT id, code, name, unit_type, level, parent_code, valid_from, valid_to FROM admin_units \
             WHERE code = $1 AND (valid_from IS NULL OR valid_from <= $2) \
             AND (valid_to IS NULL OR valid_to > $2)",
        )
        .bind(code)
        .bind(on)
        .fetch_optional(pool)
        .await?
    });
    Ok(row)
}

/// Every version a code has had, oldest first.
pub async fn versions_of(db: &Db, code: &str) -> Result<Vec<UnitRow>, StorageError> {
    let mut rows = db_run!(db, |pool| {
        sqlx::query_as::<_, UnitRow>(
            "SELECT id, code, name, unit_type, level, parent_code, valid_from, valid_to FROM admin_units \
             WHERE code = $1",
        )
        .bind(code)
        .fetch_all(pool)
        .await?
    });
    rows.sort_by_key(|r| r.valid_from);
    Ok(rows)
}

/// Every unit in force on a date, ordered by level then name.
pub async fn units_on(db: &Db, on: NaiveDate) -> Result<Vec<UnitRow>, StorageError> {
    let mut rows = db_run!(db, |pool| {
        sqlx::query_as::<_, UnitRow>(
            "SELECT id, code, name, unit_type, level, parent_code, valid_from, valid_to FROM admin_units \
             WHERE (valid_from IS NULL OR valid_from <= $1) AND (valid_to IS NULL OR valid_to > $1)",
        )
        .bind(on)
        .fetch_all(pool)
        .await?
    });
    rows.sort_by(|a, b| {
        level_rank(&a.level)
            .cmp(&level_rank(&b.level))
            .then(a.code.cmp(&b.code))
    });
    Ok(rows)
}

fn level_rank(level: &str) -> u8 {
    match level {
        "province" => 0,
        "district" => 1,
        _ => 2,
    }
}

/// Units whose name matches a folded search (diacritics ignored).
pub async fn search(db: &Db, query: &str, limit: i64) -> Result<Vec<UnitRow>, StorageError> {
    let pattern = format!(
        "%{}%",
        domain::text::search_key(query).replace(['%', '_'], "")
    );
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, UnitRow>(
            "SELECT id, code, name, unit_type, level, parent_code, valid_from, valid_to FROM admin_units \
             WHERE search_key LIKE $1 OR code = $2 ORDER BY code, valid_from LIMIT $3",
        )
        .bind(&pattern)
        .bind(query.trim())
        .bind(limit)
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

/// The lineage around one unit version: every predecessor (transitively,
/// back to 2019) and every successor (forward to today's units), each list
/// ordered by date and without duplicates. Also the edges that touch it.
#[derive(Debug, Clone, Default)]
pub struct Lineage {
    pub predecessors: Vec<UnitRow>,
    pub successors: Vec<UnitRow>,
    pub edges_in: Vec<EdgeRow>,
    pub edges_out: Vec<EdgeRow>,
}

pub async fn lineage(db: &Db, unit_id: &str) -> Result<Lineage, StorageError> {
    let (units, edges) = db_run!(db, |pool| {
        let units = sqlx::query_as::<_, UnitRow>(
            "SELECT id, code, name, unit_type, level, parent_code, valid_from, valid_to FROM admin_units",
        )
        .fetch_all(pool)
        .await?;
        let edges = sqlx::query_as::<_, EdgeRow>(
            "SELECT l.effective_date, l.instrument, l.kind, l.from_unit, l.to_unit, l.note, \
             f.name AS from_name, t.name AS to_name FROM unit_lineage l \
             JOIN admin_units f ON f.id = l.from_unit JOIN admin_units t ON t.id = l.to_unit \
             ORDER BY l.effective_date, l.id",
        )
        .fetch_all(pool)
        .await?;
        (units, edges)
    });
    let by_id: HashMap<&str, &UnitRow> = units.iter().map(|u| (u.id.as_str(), u)).collect();
    let walk = |forward: bool| -> Vec<UnitRow> {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut queue: VecDeque<&str> = VecDeque::from([unit_id]);
        let mut out = Vec::new();
        while let Some(current) = queue.pop_front() {
            for e in &edges {
                let (here, next) = if forward {
                    (&e.from_unit, &e.to_unit)
                } else {
                    (&e.to_unit, &e.from_unit)
                };
                if here == current && next != unit_id && seen.insert(next.as_str()) {
                    queue.push_back(next);
                    if let Some(u) = by_id.get(next.as_str()) {
                        out.push((*u).clone());
                    }
                }
            }
        }
        out.sort_by(|a, b| a.valid_from.cmp(&b.valid_from).then(a.code.cmp(&b.code)));
        out
    };
    Ok(Lineage {
        predecessors: walk(false),
        successors: walk(true),
        edges_in: edges
            .iter()
            .filter(|e| e.to_unit == unit_id)
            .cloned()
            .collect(),
        edges_out: edges
            .iter()
            .filter(|e| e.from_unit == unit_id)
            .cloned()
            .collect(),
    })
}

pub async fn get(db: &Db, unit_id: &str) -> Result<Option<UnitRow>, StorageError> {
    let row = db_run!(db, |pool| {
        sqlx::query_as::<_, UnitRow>(
            "SELECT id, code, name, unit_type, level, parent_code, valid_from, valid_to FROM admin_units \
             WHERE id = $1",
        )
        .bind(unit_id)
        .fetch_optional(pool)
        .await?
    });
    Ok(row)
}

/// Expands the unit codes of a user's scope: a unit covers its descendants
/// (by parent code, at any time) and its predecessors across the map's
/// history — an officer of today's Xã A Lưới 1 still reaches the records of
/// the 2019 communes that became it. Successors are not added: an officer
/// of an old commune does not inherit the whole merged unit.
pub async fn expand_scope(db: &Db, codes: &[String]) -> Result<BTreeSet<String>, StorageError> {
    let (units, edges) = db_run!(db, |pool| {
        let units: Vec<(String, String, Option<String>)> =
            sqlx::query_as("SELECT id, code, parent_code FROM admin_units")
                .fetch_all(pool)
                .await?;
        let edges: Vec<(String, String)> =
            sqlx::query_as("SELECT from_unit, to_unit FROM unit_lineage")
                .fetch_all(pool)
                .await?;
        (units, edges)
    });
    let mut out: BTreeSet<String> = codes.iter().cloned().collect();
    let mut queue: VecDeque<String> = codes.iter().cloned().collect();
    while let Some(code) = queue.pop_front() {
        // Children at any time.
        for (_, child, parent) in &units {
            if parent.as_deref() == Some(code.as_str()) && out.insert(child.clone()) {
                queue.push_back(child.clone());
            }
        }
        // Predecessors of every version of this code.
        for (id, c, _) in &units {
            if *c != code {
                continue;
            }
            let mut stack = vec![id.clone()];
            let mut seen = BTreeSet::new();
            while let Some(cur) = stack.pop() {
                for (from, to) in &edges {
                    if *to == cur && seen.insert(from.clone()) {
                        stack.push(from.clone());
                        let from_code = from.split('@').next().unwrap_or(from).to_owned();
                        if out.insert(from_code.clone()) {
                            queue.push_back(from_code);
                        }
                    }
                }
            }
        }
    }
    Ok(out)
}

/// The latest name each code has borne (for labelling codes in lists).
pub async fn latest_names(db: &Db) -> Result<HashMap<String, String>, StorageError> {
    let rows: Vec<(String, String, Option<NaiveDate>)> = db_run!(db, |pool| {
        sqlx::query_as("SELECT code, name, valid_from FROM admin_units")
            .fetch_all(pool)
            .await?
    });
    let mut best: HashMap<String, (Option<NaiveDate>, String)> = HashMap::new();
    for (code, name, from) in rows {
        let entry = best.entry(code).or_insert((from, name.clone()));
        if from > entry.0 {
            *entry = (from, name);
        }
    }
    Ok(best.into_iter().map(|(c, (_, n))| (c, n)).collect())
}

/// The unit a code named on a date, or the version closest before it.
pub async fn name_at(db: &Db, code: &str, on: NaiveDate) -> Result<Option<UnitRow>, StorageError> {
    let versions = versions_of(db, code).await?;
    Ok(versions
        .iter()
        .find(|u| u.in_force_on(on))
        .or_else(|| {
            versions
                .iter()
                .rev()
                .find(|u| u.valid_from.is_none_or(|f| f <= on))
        })
        .or(versions.first())
        .cloned())
}
