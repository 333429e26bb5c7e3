//! Rosters of deliveries (issue 4, item 5): the master children of the
//! registry a handover reached, and the counts built on them.
//!
//! A roster row (`delivery_children`) names a *source record* of the
//! registry, never a name or a birth date: the master child is read through
//! `child_sources`, so an accepted merge (or its undo) is followed without
//! rewriting rosters. "Children reached" counts distinct master children;
//! "lượt" counts distinct (master child, delivery) pairs.
//!
//! **Overlap guard.** A child who is already on the roster of another
//! delivery (not rejected, whatever its giver) of the same category, in a
//! period that overlaps this delivery's period, is an overlap: adding her is
//! refused with the list of overlaps until the officer confirms with a
//! reason. The decision and the write happen inside one write transaction
//! under the deliveries lock, so two officers cannot both slip past it. The
//! reason is kept on the roster row (blanked if consent is withdrawn); the
//! audit row says that the guard was passed and over which deliveries,
//! never a name.
//!
//! Who may see the names is the caller's business (`ViewChildren` over the
//! child's communes); these functions return ids only.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde_json::json;

use crate::audit::{AuditActor, AuditConn, AuditRecord};
use crate::deliveries::delivery_lock;
use crate::{Db, StorageError, db_run, db_tx};

/// One child on a roster.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RosterChild {
    pub record_key: String,
    pub child_id: String,
    /// Why the officer proceeded past the overlap guard (authorised viewers
    /// only).
    pub overlap_reason: Option<String>,
    pub added_by: String,
    pub created_at: DateTime<Utc>,
}

/// The same child on the roster of another delivery of the same category
/// in an overlapping period.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Overlap {
    pub child_id: String,
    pub delivery_id: String,
    pub minutes_no: Option<String>,
    pub giver_name: String,
    pub status: String,
    pub planned_on: NaiveDate,
}

/// Why children were not added; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RosterRefusal {
    UnknownDelivery,
    /// A rejected delivery reached nobody.
    Rejected,
    /// Nothing to add.
    Empty,
    /// The n-th child (from 1) is not in the registry.
    UnknownChild(usize),
    /// The n-th child (from 1) was erased (consent withdrawn).
    Erased(usize),
    /// Overlaps found and no reason given: confirm with a reason.
    Overlaps(Vec<Overlap>),
}

impl RosterRefusal {
    pub fn message_key(&self) -> &'static str {
        match self {
            RosterRefusal::UnknownDelivery => "delivery-error-unknown",
            RosterRefusal::Rejected => "roster-error-rejected",
            RosterRefusal::Empty => "roster-error-empty",
            RosterRefusal::UnknownChild(_) => "roster-error-unknown-child",
            RosterRefusal::Erased(_) => "roster-error-erased",
            RosterRefusal::Overlaps(_) => "roster-overlap-warning",
        }
    }
}

/// What [`add`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RosterAdded {
    pub added: usize,
    /// Already on the roster (under any of their records): left as they were.
    pub already: usize,
    /// The overlaps the officer confirmed.
    pub overlaps: Vec<Overlap>,
}

pub type RosterOutcome = Result<RosterAdded, RosterRefusal>;

const ROSTER_SQL: &str = "SELECT dc.record_key, s.child_id, dc.overlap_reason, dc.added_by, dc.created_at \
     FROM delivery_children dc JOIN child_sources s ON s.record_key = dc.record_key \
     WHERE dc.delivery_id = $1 ORDER BY dc.created_at, dc.record_key";

/// Overlapping roster rows: same category, periods overlapping, another
/// delivery that is not rejected. $1 delivery, $2 category, $3 starts_on,
/// $4 ends_on (exclusive).
const OVERLAP_SQL: &str = "SELECT s.child_id, d.id AS delivery_id, d.minutes_no, o.name AS giver_name, \
     d.status, d.planned_on \
     FROM delivery_children dc JOIN child_sources s ON s.record_key = dc.record_key \
     JOIN deliveries d ON d.id = dc.delivery_id JOIN need_lines n ON n.id = d.need_line_id \
     JOIN periods p ON p.id = n.period_id JOIN organisations o ON o.id = d.giver_id \
     WHERE d.id <> $1 AND d.status <> 'rejected' AND n.category = $2 \
     AND p.starts_on < $4 AND p.ends_on > $3 \
     ORDER BY d.planned_on, d.id, s.child_id";

/// A delivery's category and period, read for the guard.
#[derive(sqlx::FromRow)]
struct DeliveryFrame {
    status: String,
    category: String,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
}

const FRAME_SQL: &str = "SELECT d.status, n.category, p.starts_on, p.ends_on FROM deliveries d \
     JOIN need_lines n ON n.id = d.need_line_id JOIN periods p ON p.id = n.period_id WHERE d.id = $1";

/// The roster of a delivery, one row per master child (the first row when
/// a merge brought two of her records onto it), oldest first.
pub async fn roster(db: &Db, delivery_id: &str) -> Result<Vec<RosterChild>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, RosterChild>(ROSTER_SQL)
            .bind(delivery_id)
            .fetch_all(pool)
            .await?
    });
    let mut seen = BTreeSet::new();
    Ok(rows
        .into_iter()
        .filter(|r| seen.insert(r.child_id.clone()))
        .collect())
}

/// The overlaps of the children on a delivery's roster with other
/// deliveries (for the roster's page).
pub async fn overlaps_of(db: &Db, delivery_id: &str) -> Result<Vec<Overlap>, StorageError> {
    let frame: Option<DeliveryFrame> = db_run!(db, |pool| {
        sqlx::query_as(FRAME_SQL)
            .bind(delivery_id)
            .fetch_optional(pool)
            .await?
    });
    let Some(frame) = frame else {
        return Ok(Vec::new());
    };
    let on_roster: BTreeSet<String> = roster(db, delivery_id)
        .await?
        .into_iter()
        .map(|r| r.child_id)
        .collect();
    let rows: Vec<Overlap> = db_run!(db, |pool| {
        sqlx::query_as(OVERLAP_SQL)
            .bind(delivery_id)
            .bind(&frame.category)
            .bind(frame.starts_on)
            .bind(frame.ends_on)
            .fetch_all(pool)
            .await?
    });
    Ok(dedup_overlaps(rows, &on_roster))
}

/// Overlaps of the given children, one per (child, other delivery).
fn dedup_overlaps(rows: Vec<Overlap>, children: &BTreeSet<String>) -> Vec<Overlap> {
    let mut seen = BTreeSet::new();
    rows.into_iter()
        .filter(|o| children.contains(&o.child_id))
        .filter(|o| seen.insert((o.child_id.clone(), o.delivery_id.clone())))
        .collect()
}

/// Resolves what an officer typed or imported — a master child id or a
/// source record key — to the master child; `None` when the registry has
/// neither.
pub async fn resolve_ids(db: &Db, ids: &[String]) -> Result<Vec<Option<String>>, StorageError> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let id = id.trim();
        if id.is_empty() {
            out.push(None);
            continue;
        }
        if crate::registry::child(db, id).await?.is_some() {
            out.push(Some(id.to_owned()));
            continue;
        }
        out.push(crate::registry::source(db, id).await?.map(|s| s.child_id));
    }
    Ok(out)
}

/// Adds master children to a delivery's roster. The caller has checked
/// that the actor may record the delivery and see every one of these
/// children. Children already on it are left as they are. When a child is
/// on another delivery's roster of the same category in an overlapping
/// period, nothing is written unless `overlap_reason` is given.
pub async fn add(
    db: &Db,
    delivery_id: &str,
    child_ids: &[String],
    overlap_reason: Option<&str>,
    is_demo: bool,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<RosterOutcome, StorageError> {
    if child_ids.is_empty() {
        return Ok(Err(RosterRefusal::Empty));
    }
    let reason = overlap_reason
        .map(domain::text::clean)
        .filter(|r| !r.is_empty());
    let lock = delivery_lock(db);
    let out = db_tx!(db, |tx| {
        if let Some(sql) = lock {
            sqlx::query(sql).execute(&mut *tx).await?;
        }
        let frame: Option<DeliveryFrame> = sqlx::query_as(FRAME_SQL)
            .bind(delivery_id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(frame) = frame else {
            return Ok(Err(RosterRefusal::UnknownDelivery));
        };
        if frame.status == "rejected" {
            return Ok(Err(RosterRefusal::Rejected));
        }
        // Each child: exists, not erased, and the record the roster names
        // (her oldest).
        let mut wanted: Vec<(String, String)> = Vec::new();
        let mut seen = BTreeSet::new();
        for (i, id) in child_ids.iter().enumerate() {
            let status: Option<(String,)> =
                sqlx::query_as("SELECT status FROM children WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            match status {
                None => return Ok(Err(RosterRefusal::UnknownChild(i + 1))),
                Some((s,)) if s == "erased" => return Ok(Err(RosterRefusal::Erased(i + 1))),
                Some(_) => {}
            }
            let key: Option<(String,)> = sqlx::query_as(
                "SELECT record_key FROM child_sources WHERE child_id = $1 \
                 ORDER BY created_at, record_key LIMIT 1",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((key,)) = key else {
                return Ok(Err(RosterRefusal::UnknownChild(i + 1)));
            };
            if seen.insert(id.clone()) {
                wanted.push((id.clone(), key));
            }
        }
        let present: Vec<RosterChild> = sqlx::query_as(ROSTER_SQL)
            .bind(delivery_id)
            .fetch_all(&mut *tx)
            .await?;
        let present: BTreeSet<String> = present.into_iter().map(|r| r.child_id).collect();
        let already = wanted.iter().filter(|(c, _)| present.contains(c)).count();
        wanted.retain(|(c, _)| !present.contains(c));
        let new_children: BTreeSet<String> = wanted.iter().map(|(c, _)| c.clone()).collect();
        let rows: Vec<Overlap> = sqlx::query_as(OVERLAP_SQL)
            .bind(delivery_id)
            .bind(&frame.category)
            .bind(frame.starts_on)
            .bind(frame.ends_on)
            .fetch_all(&mut *tx)
            .await?;
        let overlaps = dedup_overlaps(rows, &new_children);
        if !overlaps.is_empty() && reason.is_none() {
            return Ok(Err(RosterRefusal::Overlaps(overlaps)));
        }
        let overlapping: BTreeSet<&str> = overlaps.iter().map(|o| o.child_id.as_str()).collect();
        for (child, key) in &wanted {
            let r = overlapping
                .contains(child.as_str())
                .then(|| reason.clone())
                .flatten();
            sqlx::query(
                "INSERT INTO delivery_children (delivery_id, record_key, province, overlap_reason, \
                 added_by, is_demo, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7)",
            )
            .bind(delivery_id)
            .bind(key)
            .bind(crate::admin_units::PROVINCE)
            .bind(r)
            .bind(&actor.name)
            .bind(is_demo)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        if !wanted.is_empty() {
            let rec = AuditRecord {
                actor: actor.clone(),
                at: now,
                action: "roster_add",
                entity: "delivery",
                entity_id: delivery_id.to_owned(),
                before: None,
                after: Some(json!({
                    "records": wanted.iter().map(|(_, k)| k).collect::<Vec<_>>(),
                    "overlap_confirmed": !overlaps.is_empty(),
                    "overlaps": overlaps.iter()
                        .map(|o| json!([o.child_id, o.delivery_id]))
                        .collect::<Vec<_>>(),
                })),
            };
            (*tx).append(&rec).await?;
        }
        Ok::<RosterOutcome, StorageError>(Ok(RosterAdded {
            added: wanted.len(),
            already,
            overlaps,
        }))
    })?;
    Ok(out)
}

/// Takes a child off a roster (every record of hers on it). Audited.
pub async fn remove(
    db: &Db,
    delivery_id: &str,
    child_id: &str,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    let lock = delivery_lock(db);
    let n = db_tx!(db, |tx| {
        if let Some(sql) = lock {
            sqlx::query(sql).execute(&mut *tx).await?;
        }
        let n = sqlx::query(
            "DELETE FROM delivery_children WHERE delivery_id = $1 AND record_key IN \
             (SELECT record_key FROM child_sources WHERE child_id = $2)",
        )
        .bind(delivery_id)
        .bind(child_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n > 0 {
            let rec = AuditRecord {
                actor: actor.clone(),
                at: now,
                action: "roster_remove",
                entity: "delivery",
                entity_id: delivery_id.to_owned(),
                before: Some(json!({"child": child_id})),
                after: None,
            };
            (*tx).append(&rec).await?;
        }
        n
    });
    Ok(n > 0)
}

/// Logs that someone saw the names on a roster (every view is logged, as
/// for a child's page): the delivery and the children's ids.
pub async fn log_view(
    db: &Db,
    delivery_id: &str,
    child_ids: &[String],
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    db_tx!(db, |tx| {
        let rec = AuditRecord {
            actor: actor.clone(),
            at: now,
            action: "view",
            entity: "delivery_roster",
            entity_id: delivery_id.to_owned(),
            before: None,
            after: Some(json!({"children": child_ids})),
        };
        (*tx).append(&rec).await?;
    });
    Ok(())
}

/// Unique children on the rosters of each line's delivered deliveries
/// (lines without a roster are absent).
pub async fn children_by_line(db: &Db) -> Result<HashMap<String, i64>, StorageError> {
    let rows: Vec<(String, i64)> = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT d.need_line_id, CAST(COUNT(DISTINCT s.child_id) AS BIGINT) \
             FROM delivery_children dc JOIN child_sources s ON s.record_key = dc.record_key \
             JOIN deliveries d ON d.id = dc.delivery_id \
             WHERE d.status IN ('handed_over', 'accepted', 'accepted_with_issues') \
             GROUP BY d.need_line_id",
        )
        .fetch_all(pool)
        .await?
    });
    Ok(rows.into_iter().collect())
}

// ---------------------------------------------------------------------------
// Counts: children reached and lượt
// ---------------------------------------------------------------------------

/// Unique children and lượt (child × delivery) of one group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Tally {
    pub unique: i64,
    pub turns: i64,
}

/// Children reached by delivered deliveries with a roster.
///
/// `total` and the partitions by sex, ethnicity and age band count each
/// child once (her attributes from her oldest record that has them; her
/// age band at her first delivery in the period), so they add up to the
/// total. By category and by commune a child is counted once *in each*
/// group she was reached in: those may add up to more than the total.
/// `unknown` stands for a missing sex or ethnicity.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Reached {
    pub total: Tally,
    pub by_category: BTreeMap<String, Tally>,
    pub by_age_band: BTreeMap<String, Tally>,
    pub by_sex: BTreeMap<String, Tally>,
    pub by_ethnicity: BTreeMap<String, Tally>,
    /// By the commune (code) of the delivery's site.
    pub by_commune: BTreeMap<String, Tally>,
}

#[derive(sqlx::FromRow)]
struct TurnRow {
    delivery_id: String,
    child_id: String,
    province: String,
    unit_code: String,
    category: String,
    handed_over_on: NaiveDate,
}

#[derive(sqlx::FromRow)]
struct TraitRow {
    child_id: String,
    birth_year: i64,
    birth_month: Option<i64>,
    birth_day: Option<i64>,
    sex: Option<String>,
    ethnicity: Option<String>,
}

/// What counts of a child: birth (year, month, day), sex, ethnicity.
#[derive(Debug, Clone, Default)]
struct Traits {
    birth: Option<(i64, Option<i64>, Option<i64>)>,
    sex: Option<String>,
    ethnicity: Option<String>,
}

/// Completed years on `on` (earliest possible birthday for partial dates,
/// as [`crate::registry::RecordVersion::age_on`]).
fn age_on(birth: (i64, Option<i64>, Option<i64>), on: NaiveDate) -> i64 {
    let (y, m, d) = (birth.0, birth.1.unwrap_or(1), birth.2.unwrap_or(1));
    let mut age = i64::from(on.year()) - y;
    if (i64::from(on.month()), i64::from(on.day())) < (m, d) {
        age -= 1;
    }
    age
}

fn bump(map: &mut BTreeMap<String, Tally>, key: &str, unique: bool) {
    let t = map.entry(key.to_owned()).or_default();
    t.turns += 1;
    if unique {
        t.unique += 1;
    }
}

/// Children reached by deliveries handed over from `from` to `to`
/// (inclusive) whose roster rows were written before `before`, at the
/// deliveries whose (province, commune) `in_area` accepts.
pub async fn reached(
    db: &Db,
    from: NaiveDate,
    to: NaiveDate,
    before: DateTime<Utc>,
    in_area: impl Fn(&str, &str) -> bool,
) -> Result<Reached, StorageError> {
    let (turns, traits): (Vec<TurnRow>, Vec<TraitRow>) = db_run!(db, |pool| {
        let turns = sqlx::query_as::<_, TurnRow>(
            "SELECT dc.delivery_id, s.child_id, d.province, d.unit_code, n.category, d.handed_over_on \
             FROM delivery_children dc JOIN child_sources s ON s.record_key = dc.record_key \
             JOIN deliveries d ON d.id = dc.delivery_id JOIN need_lines n ON n.id = d.need_line_id \
             WHERE d.status IN ('handed_over', 'accepted', 'accepted_with_issues') \
             AND d.handed_over_on >= $1 AND d.handed_over_on <= $2 AND dc.created_at < $3 \
             ORDER BY d.handed_over_on, d.id, s.child_id",
        )
        .bind(from)
        .bind(to)
        .bind(before)
        .fetch_all(pool)
        .await?;
        let traits = sqlx::query_as::<_, TraitRow>(
            "SELECT s.child_id, r.birth_year, r.birth_month, r.birth_day, r.sex, r.ethnicity \
             FROM child_sources s JOIN child_records r ON r.record_key = s.record_key \
             WHERE r.version = (SELECT MAX(v.version) FROM child_records v WHERE v.record_key = r.record_key) \
             AND s.child_id IN (SELECT s2.child_id FROM delivery_children dc2 \
                 JOIN child_sources s2 ON s2.record_key = dc2.record_key) \
             ORDER BY s.created_at, s.record_key",
        )
        .fetch_all(pool)
        .await?;
        (turns, traits)
    });
    let mut by_child: HashMap<String, Traits> = HashMap::new();
    for t in traits {
        let e = by_child.entry(t.child_id).or_default();
        if e.birth.is_none() {
            e.birth = Some((t.birth_year, t.birth_month, t.birth_day));
        }
        if e.sex.is_none() {
            e.sex = t.sex;
        }
        if e.ethnicity.is_none() {
            e.ethnicity = t.ethnicity;
        }
    }
    let mut out = Reached::default();
    let mut pairs = BTreeSet::new();
    let mut children = BTreeSet::new();
    let mut in_category = BTreeSet::new();
    let mut in_commune = BTreeSet::new();
    let none = Traits::default();
    for t in turns {
        if !in_area(&t.province, &t.unit_code) {
            continue;
        }
        // A merge may bring two records of one child onto one delivery.
        if !pairs.insert((t.delivery_id.clone(), t.child_id.clone())) {
            continue;
        }
        let first = children.insert(t.child_id.clone());
        let tr = by_child.get(&t.child_id).unwrap_or(&none);
        let band = tr.birth.map_or("unknown", |b| {
            crate::registry::age_band(age_on(b, t.handed_over_on))
        });
        out.total.turns += 1;
        if first {
            out.total.unique += 1;
        }
        // Partitions: the child's first turn decides her band.
        if first {
            out.by_age_band.entry(band.to_owned()).or_default().unique += 1;
        }
        out.by_age_band.entry(band.to_owned()).or_default().turns += 1;
        bump(
            &mut out.by_sex,
            tr.sex.as_deref().unwrap_or("unknown"),
            first,
        );
        bump(
            &mut out.by_ethnicity,
            tr.ethnicity.as_deref().unwrap_or("unknown"),
            first,
        );
        let cat_first = in_category.insert((t.category.clone(), t.child_id.clone()));
        bump(&mut out.by_category, &t.category, cat_first);
        let com_first = in_commune.insert((t.unit_code.clone(), t.child_id.clone()));
        bump(&mut out.by_commune, &t.unit_code, com_first);
    }
    Ok(out)
}

/// Whether any delivery carries a roster.
pub async fn any(db: &Db) -> Result<bool, StorageError> {
    let row: Option<(String,)> = db_run!(db, |pool| {
        sqlx::query_as("SELECT delivery_id FROM delivery_children LIMIT 1")
            .fetch_optional(pool)
            .await?
    });
    Ok(row.is_some())
}

/// A problem of a roster file: (line, Vietnamese, English).
pub type RosterProblem = (usize, &'static str, &'static str);

/// The record ids of a roster file: one per line, in the first column,
/// with an optional header (`child_id`, `record_id`, `mã trẻ`…). Problems
/// are "dòng N, cột 1: …" and never echo the cell.
pub fn parse_roster_csv(text: &str) -> Result<Vec<String>, Vec<RosterProblem>> {
    let mut ids = Vec::new();
    let mut problems = Vec::new();
    for (i, line) in text.trim_start_matches('\u{feff}').lines().enumerate() {
        let cell = line
            .split([',', ';', '\t'])
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches('"')
            .trim();
        if cell.is_empty() {
            continue;
        }
        let folded = domain::text::search_key(cell);
        if i == 0
            && (folded.contains("id")
                || folded.contains("ma")
                || folded.contains("record")
                || folded.contains("child"))
            && !cell.chars().any(|c| c.is_ascii_digit())
        {
            continue;
        }
        if cell.len() > 100 || cell.chars().any(char::is_whitespace) {
            problems.push((
                i + 1,
                "không phải một mã trẻ em hay mã hồ sơ",
                "not a child id or a record id",
            ));
            continue;
        }
        ids.push(cell.to_owned());
    }
    if problems.is_empty() {
        Ok(ids)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn age_at_the_delivery_uses_the_earliest_possible_birthday() {
        assert_eq!(age_on((2017, Some(3), Some(5)), day(2025, 3, 4)), 7);
        assert_eq!(age_on((2017, Some(3), Some(5)), day(2025, 3, 5)), 8);
        assert_eq!(age_on((2017, None, None), day(2025, 1, 1)), 8);
    }

    #[test]
    fn a_roster_file_has_one_id_a_line_and_an_optional_header() {
        assert_eq!(
            parse_roster_csv("\u{feff}mã trẻ,ghi chú\r\nabc-1,x\n\n\"abc-2\"\n"),
            Ok(vec!["abc-1".to_owned(), "abc-2".to_owned()])
        );
        assert_eq!(
            parse_roster_csv("child_id\nHồ Thị Hoà\nk1\n"),
            Err(vec![(
                2,
                "không phải một mã trẻ em hay mã hồ sơ",
                "not a child id or a record id"
            )])
        );
    }
}
