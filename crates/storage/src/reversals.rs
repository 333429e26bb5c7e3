//! Corrections are new entries, never edits (issue 5, item 2). A receipt,
//! allocation, transfer or expenditure recorded by mistake is *reversed*:
//! a `reversals` row naming it, with a reason, written in one transaction
//! with its `reversal` ledger leaf and its audit row. The reversed row is
//! never touched — its own leaf still rebuilds byte for byte — and from
//! then on counts nowhere: every total reads the `live_*` views of
//! migration `0012_reversals`, which leave reversed rows out.
//!
//! A reversal that would leave something drawing on money that no longer
//! counts is refused, naming what still draws on it (reverse those first):
//!
//! * a **receipt** — while live transfers or expenditures name it, or while
//!   live allocations of its commitment are filled by its money (receipts
//!   fill a commitment's allocations in the order they were made); a goods
//!   receipt whose goods went into a store is corrected by a stock
//!   adjustment instead;
//! * an **allocation** — while deliveries (not rejected) draw on it, or
//!   expenditures on its need line of its commitment's receipts have no
//!   other live allocation of that commitment to the line;
//! * a **transfer** — while the receiving organisation no longer holds the
//!   amount of that receipt (it passed it on or spent it);
//! * an **expenditure** — always (the money is held again).
//!
//! Decided under the allocation, receipts, deliveries and flows locks, in
//! that order (the order every writer takes them), so no allocation,
//! delivery, transfer or expenditure can slip in between the check and the
//! write.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::audit::{AuditActor, AuditConn, AuditRecord};
use crate::ledger::LedgerConn;
use crate::{Db, StorageError, db_run, db_tx};

/// What can be reversed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReversalKind {
    Receipt,
    Allocation,
    Transfer,
    Expenditure,
}

impl ReversalKind {
    pub const ALL: [ReversalKind; 4] = [
        ReversalKind::Receipt,
        ReversalKind::Allocation,
        ReversalKind::Transfer,
        ReversalKind::Expenditure,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReversalKind::Receipt => "receipt",
            ReversalKind::Allocation => "allocation",
            ReversalKind::Transfer => "transfer",
            ReversalKind::Expenditure => "expenditure",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    fn table(self) -> &'static str {
        match self {
            ReversalKind::Receipt => "receipts",
            ReversalKind::Allocation => "allocations",
            ReversalKind::Transfer => "transfers",
            ReversalKind::Expenditure => "expenditures",
        }
    }
}

/// A recorded reversal.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Reversal {
    pub id: String,
    pub kind: String,
    pub target_id: String,
    pub reason: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// Something live that still draws on the row to reverse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependent {
    /// `allocation`, `transfer`, `expenditure` or `delivery`.
    pub kind: &'static str,
    pub id: String,
    pub amount: i64,
}

/// Why a reversal was not recorded (nothing written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReversalRefusal {
    /// No such row.
    Unknown,
    /// A reason is required.
    ReasonRequired,
    /// Already reversed: a reversal is never reversed twice.
    AlreadyReversed,
    /// Live entries still draw on it: reverse those first.
    DrawnOn(Vec<Dependent>),
    /// A goods receipt whose goods went into a store: corrected by a stock
    /// adjustment, not a reversal.
    GoodsInStore,
}

impl ReversalRefusal {
    pub fn message_key(&self) -> &'static str {
        match self {
            ReversalRefusal::Unknown => "reversal-error-unknown",
            ReversalRefusal::ReasonRequired => "reversal-error-reason",
            ReversalRefusal::AlreadyReversed => "reversal-error-twice",
            ReversalRefusal::DrawnOn(_) => "reversal-error-drawn-on",
            ReversalRefusal::GoodsInStore => "reversal-error-stock",
        }
    }
}

/// What the caller needs to authorise a reversal: the row's amount, the
/// organisation whose flows it is (transfer: the sender; expenditure: the
/// spender; a receipt: its receiver), and whether it is reversed already.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetFacts {
    pub amount: i64,
    pub org_id: Option<String>,
    pub reversed: bool,
}

/// Longest reason kept (characters).
pub const REASON_MAX: usize = 500;

/// The row to reverse, if it exists.
pub async fn target(
    db: &Db,
    kind: ReversalKind,
    id: &str,
) -> Result<Option<TargetFacts>, StorageError> {
    let org = match kind {
        ReversalKind::Receipt => "x.receiver_id",
        ReversalKind::Allocation => "CAST(NULL AS TEXT)",
        ReversalKind::Transfer => "x.from_org_id",
        ReversalKind::Expenditure => "x.org_id",
    };
    let sql = format!(
        "SELECT x.amount, {org}, EXISTS (SELECT 1 FROM reversals v WHERE v.kind = $1 \
         AND v.target_id = x.id) FROM {} x WHERE x.id = $2",
        kind.table()
    );
    let row: Option<(i64, Option<String>, bool)> = db_run!(db, |pool| {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(kind.as_str())
            .bind(id)
            .fetch_optional(pool)
            .await?
    });
    Ok(row.map(|(amount, org_id, reversed)| TargetFacts {
        amount,
        org_id,
        reversed,
    }))
}

/// The reversal of a row, if it was reversed.
pub async fn of(db: &Db, kind: ReversalKind, id: &str) -> Result<Option<Reversal>, StorageError> {
    let row = db_run!(db, |pool| {
        sqlx::query_as::<_, Reversal>(
            "SELECT id, kind, target_id, reason, created_by, created_at FROM reversals \
             WHERE kind = $1 AND target_id = $2",
        )
        .bind(kind.as_str())
        .bind(id)
        .fetch_optional(pool)
        .await?
    });
    Ok(row)
}

/// Ids of the reversed rows of one kind among `ids` (for marking lists).
pub async fn reversed_ids(
    db: &Db,
    kind: ReversalKind,
) -> Result<std::collections::HashSet<String>, StorageError> {
    let rows: Vec<(String,)> = db_run!(db, |pool| {
        sqlx::query_as("SELECT target_id FROM reversals WHERE kind = $1")
            .bind(kind.as_str())
            .fetch_all(pool)
            .await?
    });
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Allocation intervals of a commitment whose fill by receipts would drop
/// if `[lost_from, lost_to)` of the receipts laid end to end stopped
/// counting: those allocations draw on that receipt.
fn drawn_allocations(allocs: &[(String, i64)], lost_from: i64, lost_to: i64) -> Vec<Dependent> {
    let mut at = 0i64;
    let mut out = Vec::new();
    for (id, amount) in allocs {
        let (a0, a1) = (at, at.saturating_add(*amount));
        at = a1;
        if a1.min(lost_to) > a0.max(lost_from) {
            out.push(Dependent {
                kind: "allocation",
                id: id.clone(),
                amount: *amount,
            });
        }
    }
    out
}

/// Reverses one row: checks, then writes the reversal, its ledger leaf and
/// its audit row in one transaction. A refusal writes nothing.
pub async fn reverse(
    db: &Db,
    kind: ReversalKind,
    target_id: &str,
    reason: &str,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<Result<Reversal, ReversalRefusal>, StorageError> {
    let reason: String = domain::text::clean(reason)
        .trim()
        .chars()
        .take(REASON_MAX)
        .collect();
    if reason.is_empty() {
        return Ok(Err(ReversalRefusal::ReasonRequired));
    }
    // Every money writer's lock, in the order they are always taken.
    let locks: Vec<&'static str> = [
        crate::allocations::allocation_lock(db),
        crate::receipts::receipts_lock(db),
        crate::deliveries::delivery_lock(db),
        crate::flows::flows_lock(db),
    ]
    .into_iter()
    .flatten()
    .collect();
    let head_sql = format!(
        "SELECT x.is_demo, EXISTS (SELECT 1 FROM reversals v WHERE v.kind = $1 \
         AND v.target_id = x.id) FROM {} x WHERE x.id = $2",
        kind.table()
    );
    let out = db_tx!(db, |tx| {
        async {
            for sql in &locks {
                sqlx::query(*sql).execute(&mut *tx).await?;
            }
            let head: Option<(bool, bool)> = sqlx::query_as(sqlx::AssertSqlSafe(head_sql.clone()))
                .bind(kind.as_str())
                .bind(target_id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some((is_demo, reversed)) = head else {
                return Ok(Err(ReversalRefusal::Unknown));
            };
            if reversed {
                return Ok(Err(ReversalRefusal::AlreadyReversed));
            }
            let mut drawn: Vec<Dependent> = Vec::new();
            match kind {
                ReversalKind::Receipt => {
                    let in_store: (i64,) = sqlx::query_as(
                        "SELECT CAST(COUNT(*) AS BIGINT) FROM stock_events WHERE receipt_id = $1",
                    )
                    .bind(target_id)
                    .fetch_one(&mut *tx)
                    .await?;
                    if in_store.0 > 0 {
                        return Ok(Err(ReversalRefusal::GoodsInStore));
                    }
                    let flows: Vec<(String, String, i64)> = sqlx::query_as(
                        "SELECT 'transfer', t.id, t.amount FROM live_transfers t WHERE t.receipt_id = $1 \
                         UNION ALL SELECT 'expenditure', e.id, e.amount FROM live_expenditures e \
                         WHERE e.receipt_id = $1",
                    )
                    .bind(target_id)
                    .fetch_all(&mut *tx)
                    .await?;
                    for (k, id, amount) in flows {
                        let kind = if k == "transfer" { "transfer" } else { "expenditure" };
                        drawn.push(Dependent { kind, id, amount });
                    }
                    // The commitment's receipts laid end to end in the order
                    // received; this one's stretch stops counting.
                    let siblings: Vec<(String, i64)> = sqlx::query_as(
                        "SELECT r.id, r.amount FROM live_receipts r WHERE r.pledge_id = \
                         (SELECT x.pledge_id FROM receipts x WHERE x.id = $1) \
                         ORDER BY r.received_on, r.created_at, r.id",
                    )
                    .bind(target_id)
                    .fetch_all(&mut *tx)
                    .await?;
                    let total = siblings.iter().fold(0i64, |a, (_, v)| a.saturating_add(*v));
                    let own = siblings
                        .iter()
                        .find(|(id, _)| id == target_id)
                        .map_or(0, |(_, v)| *v);
                    let allocs: Vec<(String, i64)> = sqlx::query_as(
                        "SELECT a.id, a.amount FROM live_allocations a WHERE a.pledge_id = \
                         (SELECT x.pledge_id FROM receipts x WHERE x.id = $1) ORDER BY a.created_at, a.id",
                    )
                    .bind(target_id)
                    .fetch_all(&mut *tx)
                    .await?;
                    // Which allocations lose money does not depend on where
                    // in the order the receipt stood: the total received
                    // shrinks by its amount, so the last stretch is lost.
                    drawn.extend(drawn_allocations(
                        &allocs,
                        total.saturating_sub(own),
                        total,
                    ));
                }
                ReversalKind::Allocation => {
                    let deliveries: Vec<(String, i64)> = sqlx::query_as(
                        "SELECT s.delivery_id, s.amount FROM delivery_allocations s \
                         JOIN deliveries d ON d.id = s.delivery_id \
                         WHERE s.allocation_id = $1 AND d.status <> 'rejected' ORDER BY s.delivery_id",
                    )
                    .bind(target_id)
                    .fetch_all(&mut *tx)
                    .await?;
                    drawn.extend(deliveries.into_iter().map(|(id, amount)| Dependent {
                        kind: "delivery",
                        id,
                        amount,
                    }));
                    let spent: Vec<(String, i64)> = sqlx::query_as(
                        "SELECT e.id, e.amount FROM live_expenditures e \
                         JOIN allocations a ON a.id = $1 \
                         WHERE e.need_line_id = a.need_line_id \
                         AND e.receipt_id IN (SELECT r.id FROM live_receipts r WHERE r.pledge_id = a.pledge_id) \
                         AND NOT EXISTS (SELECT 1 FROM live_allocations b WHERE b.id <> a.id \
                           AND b.pledge_id = a.pledge_id AND b.need_line_id = a.need_line_id) \
                         ORDER BY e.id",
                    )
                    .bind(target_id)
                    .fetch_all(&mut *tx)
                    .await?;
                    drawn.extend(spent.into_iter().map(|(id, amount)| Dependent {
                        kind: "expenditure",
                        id,
                        amount,
                    }));
                }
                ReversalKind::Transfer => {
                    let (receipt_id, to_org, amount): (String, String, i64) = sqlx::query_as(
                        "SELECT receipt_id, to_org_id, amount FROM transfers WHERE id = $1",
                    )
                    .bind(target_id)
                    .fetch_one(&mut *tx)
                    .await?;
                    let held: (i64,) = sqlx::query_as(
                        "SELECT CAST( \
                           COALESCE((SELECT SUM(r.amount) FROM live_receipts r WHERE r.id = $2 AND r.receiver_id = $1), 0) \
                         + COALESCE((SELECT SUM(t.amount) FROM live_transfers t WHERE t.receipt_id = $2 AND t.to_org_id = $1), 0) \
                         - COALESCE((SELECT SUM(t.amount) FROM live_transfers t WHERE t.receipt_id = $2 AND t.from_org_id = $1), 0) \
                         - COALESCE((SELECT SUM(e.amount) FROM live_expenditures e WHERE e.receipt_id = $2 AND e.org_id = $1), 0) \
                         AS BIGINT)",
                    )
                    .bind(&to_org)
                    .bind(&receipt_id)
                    .fetch_one(&mut *tx)
                    .await?;
                    if held.0 < amount {
                        let onward: Vec<(String, String, i64)> = sqlx::query_as(
                            "SELECT 'transfer', t.id, t.amount FROM live_transfers t \
                             WHERE t.receipt_id = $1 AND t.from_org_id = $2 \
                             UNION ALL SELECT 'expenditure', e.id, e.amount FROM live_expenditures e \
                             WHERE e.receipt_id = $1 AND e.org_id = $2",
                        )
                        .bind(&receipt_id)
                        .bind(&to_org)
                        .fetch_all(&mut *tx)
                        .await?;
                        for (k, id, amount) in onward {
                            let kind = if k == "transfer" { "transfer" } else { "expenditure" };
                            drawn.push(Dependent { kind, id, amount });
                        }
                    }
                }
                ReversalKind::Expenditure => {}
            }
            if !drawn.is_empty() {
                return Ok(Err(ReversalRefusal::DrawnOn(drawn)));
            }
            let reversal = Reversal {
                id: crate::new_id(),
                kind: kind.as_str().to_owned(),
                target_id: target_id.to_owned(),
                reason: reason.clone(),
                created_by: actor.name.clone(),
                created_at: now,
            };
            sqlx::query(
                "INSERT INTO reversals (id, province, kind, target_id, reason, created_by, is_demo, created_at) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
            )
            .bind(&reversal.id)
            .bind(crate::admin_units::PROVINCE)
            .bind(&reversal.kind)
            .bind(&reversal.target_id)
            .bind(&reversal.reason)
            .bind(&reversal.created_by)
            .bind(is_demo)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            // A bank statement line matched to a reversed receipt is money
            // that did arrive: it goes back to the officers' unmatched list,
            // to be matched again (to the right commitment).
            let mut freed: Vec<String> = Vec::new();
            if kind == ReversalKind::Receipt {
                freed = sqlx::query_scalar(
                    "SELECT id FROM statement_lines WHERE receipt_id = $1 ORDER BY id",
                )
                .bind(target_id)
                .fetch_all(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE statement_lines SET status = 'unmatched', pledge_id = NULL, \
                     receipt_id = NULL, decided_by = NULL, decided_at = NULL WHERE receipt_id = $1",
                )
                .bind(target_id)
                .execute(&mut *tx)
                .await?;
            }
            let rec = AuditRecord {
                actor: actor.clone(),
                at: now,
                action: "reverse",
                entity: "reversal",
                entity_id: reversal.id.clone(),
                before: None,
                after: Some(json!({"kind": reversal.kind, "target_id": reversal.target_id,
                    "reason": reversal.reason, "statement_lines_unmatched": freed})),
            };
            match kind {
                // The report summaries add up live receipts only (and
                // recompute what the pledge's receipts fill per line).
                ReversalKind::Receipt => crate::summaries::receipt_in_tx!(tx, target_id, -1)?,
                // What the pledge's receipts fill, per line, without it.
                ReversalKind::Allocation => {
                    let (pledge,): (String,) =
                        sqlx::query_as("SELECT pledge_id FROM allocations WHERE id = $1")
                            .bind(target_id)
                            .fetch_one(&mut *tx)
                            .await?;
                    crate::summaries::SummaryConn::recompute_line_received(&mut *tx, &pledge)
                        .await?;
                }
                ReversalKind::Transfer | ReversalKind::Expenditure => {}
            }
            (*tx).append_reversal(&reversal.id, now).await?;
            (*tx).append(&rec).await?;
            Ok::<Result<Reversal, ReversalRefusal>, StorageError>(Ok(reversal))
        }
        .await?
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for k in ReversalKind::ALL {
            assert_eq!(ReversalKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(ReversalKind::parse("delivery"), None);
    }

    #[test]
    fn the_allocations_a_receipt_fills_are_the_ones_it_draws_on() {
        let allocs = vec![("a".to_owned(), 30), ("b".to_owned(), 50)];
        // Received 120, 40 of it reversed: 80 left still fills a and b.
        let d = drawn_allocations(&allocs, 80, 120);
        assert!(d.is_empty(), "{d:?}");
        // Received 70, 40 reversed: 30 left — b loses.
        let d = drawn_allocations(&allocs, 30, 70);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].id, "b");
        // Received 50, all reversed: both lose.
        assert_eq!(drawn_allocations(&allocs, 0, 50).len(), 2);
    }
}
