//! Allocation of committed pledges to need lines, behind the overlap guard.
//!
//! Everything is decided inside one write transaction: the line, the
//! pledge, what the pledge has already given and what already covers the
//! same site, category and period are read and the new row written while
//! other allocators wait (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: a
//! transaction-scoped advisory lock), so two coordinators allocating at the
//! same moment cannot over-allocate a pledge or a line.

use chrono::{DateTime, Utc};
use domain::needs::{AgeBand, Category, CoveringFlow, OverlapDecision, check_overlap};
use serde_json::json;

use crate::audit::{AuditActor, AuditConn, AuditRecord};
use crate::ledger::LedgerConn;
use crate::{Backend, Db, StorageError, db_tx};

/// A request to allocate part of a committed pledge to a need line.
#[derive(Debug, Clone)]
pub struct AllocationRequest {
    pub need_line_id: String,
    pub pledge_id: String,
    pub amount: i64,
    /// Only honoured when `may_override` is true (coordinators).
    pub override_reason: Option<String>,
    pub may_override: bool,
    pub is_demo: bool,
}

/// Why an allocation was not made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllocationRefusal {
    UnknownLine,
    UnknownPledge,
    /// Only verified or published lines take allocations.
    LineNotOpen,
    /// Only committed pledges count and can be allocated.
    PledgeNotCommitted,
    /// The pledge's restrictions exclude this line.
    Restricted,
    /// More than the pledge has left.
    BeyondPledge {
        remaining: i64,
    },
    /// An allocation of received money beyond what the pledge has received
    /// and not yet allocated.
    BeyondReceived {
        remaining: i64,
    },
    /// The commitment was paid from the state budget for management (R13),
    /// a separate ledger that never covers need lines.
    StateBudget,
    /// The overlap guard refused (see the decision for what already covers).
    Overlap(OverlapDecision),
    NotPositive,
}

impl AllocationRefusal {
    pub fn message_key(&self) -> &'static str {
        match self {
            AllocationRefusal::UnknownLine => "allocation-error-line",
            AllocationRefusal::UnknownPledge => "allocation-error-pledge",
            AllocationRefusal::LineNotOpen => "allocation-error-line-status",
            AllocationRefusal::PledgeNotCommitted => "allocation-error-not-committed",
            AllocationRefusal::Restricted => "allocation-error-restricted",
            AllocationRefusal::BeyondPledge { .. } => "allocation-error-beyond-pledge",
            AllocationRefusal::BeyondReceived { .. } => "allocation-error-beyond-received",
            AllocationRefusal::StateBudget => "allocation-error-state-budget",
            AllocationRefusal::Overlap(_) => "allocation-error-overlap",
            AllocationRefusal::NotPositive => "allocation-error-amount",
        }
    }
}

/// What an allocation draws on.
///
/// * `Commitment` — earmarks committed money for a line: bounded by what
///   the commitment has not yet allocated (committed − allocated). The
///   design counts coverage from commitments (gap = need − committed), so
///   a coordinator may assign money that is promised but not yet in the
///   bank; the line's *received* axis fills as receipts arrive.
/// * `Received` — assigns money already received: bounded by what the
///   commitment has received and not yet allocated (received − allocated).
///   Receipts fill a commitment's allocations in the order they were made,
///   so an allocation within that bound is received in full at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllocationBasis {
    Commitment,
    Received,
}

/// The outcome: the new allocation's id (and whether it overrode the
/// guard), or a refusal with nothing written.
pub type AllocationOutcome = Result<(String, Option<String>), AllocationRefusal>;

type LineFacts = (String, String, String, String, String, i64, String);

/// Decides and writes one allocation inside an open write transaction
/// (the allocation lock already held). Evaluates to
/// `Result<AllocationOutcome, StorageError>`; a refusal writes nothing.
macro_rules! decide_and_write {
    ($tx:ident, $req:expr, $basis:expr, $actor:expr, $now:expr) => {
        async {
            let basis: AllocationBasis = $basis;
            let req: &AllocationRequest = $req;
            let actor: &AuditActor = $actor;
            let now: DateTime<Utc> = $now;
        let line: Option<LineFacts> = sqlx::query_as(
                "SELECT n.status, n.site_id, n.category, n.period_id, n.unit_code, n.amount, k.age_band \
                 FROM need_lines n JOIN packages k ON k.id = n.package_id WHERE n.id = $1",
            )
            .bind(&req.need_line_id)
            .fetch_optional(&mut *$tx)
            .await?;
            let Some((status, site_id, category, period_id, unit_code, line_need, age_band)) = line
            else {
                return Ok(Err(AllocationRefusal::UnknownLine));
            };
            if status != "verified" && status != "published" {
                return Ok(Err(AllocationRefusal::LineNotOpen));
            }
            let pledge: Option<crate::donors::Pledge> = sqlx::query_as(
                "SELECT id, donor_id, kind, amount, status, categories, unit_codes, age_bands, period_id, \
                 due_on, origin, need_line_id, note, is_demo, number FROM pledges WHERE id = $1",
            )
            .bind(&req.pledge_id)
            .fetch_optional(&mut *$tx)
            .await?;
            let Some(pledge) = pledge else {
                return Ok(Err(AllocationRefusal::UnknownPledge));
            };
            if pledge.status != "committed" {
                return Ok(Err(AllocationRefusal::PledgeNotCommitted));
            }
            let (Ok(cat), Ok(band)) = (category.parse::<Category>(), age_band.parse::<AgeBand>())
            else {
                return Err(StorageError::Corrupt(format!(
                    "need line {}",
                    req.need_line_id
                )));
            };
            if !pledge
                .restrictions()
                .allow(cat, &unit_code, band, &period_id)
            {
                return Ok(Err(AllocationRefusal::Restricted));
            }
            let used: (i64,) = sqlx::query_as(
                "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM live_allocations WHERE pledge_id = $1",
            )
            .bind(&req.pledge_id)
            .fetch_one(&mut *$tx)
            .await?;
            let remaining = pledge.amount.saturating_sub(used.0);
            if req.amount > remaining {
                return Ok(Err(AllocationRefusal::BeyondPledge { remaining }));
            }
            let got: (i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT CAST(COALESCE(SUM(r.amount), 0) AS BIGINT), \
                 CAST(COALESCE(SUM(CASE WHEN {} THEN 1 ELSE 0 END), 0) AS BIGINT) \
                 FROM live_receipts r WHERE r.pledge_id = $1",
                crate::flows::IS_STATE_BUDGET
            )))
            .bind(&req.pledge_id)
            .fetch_one(&mut *$tx)
            .await?;
            if got.1 > 0 {
                return Ok(Err(AllocationRefusal::StateBudget));
            }
            if basis == AllocationBasis::Received {
                let remaining = got.0.saturating_sub(used.0).max(0);
                if req.amount > remaining {
                    return Ok(Err(AllocationRefusal::BeyondReceived { remaining }));
                }
            }
            // The group: open lines of the same site and category whose periods
            // overlap this line's, and every flow that covers them.
            let group: Vec<(String, i64)> = sqlx::query_as(
                "SELECT n.id, n.amount FROM need_lines n JOIN periods p ON p.id = n.period_id \
                 JOIN periods q ON q.id = $3 \
                 WHERE n.site_id = $1 AND n.category = $2 AND n.status <> 'cancelled' \
                 AND p.starts_on < q.ends_on AND q.starts_on < p.ends_on",
            )
            .bind(&site_id)
            .bind(&category)
            .bind(&period_id)
            .fetch_all(&mut *$tx)
            .await?;
            let group_need = group.iter().fold(0i64, |a, (_, n)| a.saturating_add(*n));
            let flows: Vec<(String, String, i64, bool, bool)> = sqlx::query_as(
                "SELECT a.need_line_id, d.name, a.amount, d.publish_name, d.anonymous FROM live_allocations a \
                 JOIN pledges g ON g.id = a.pledge_id JOIN donors d ON d.id = g.donor_id \
                 JOIN need_lines n ON n.id = a.need_line_id JOIN periods p ON p.id = n.period_id \
                 JOIN periods q ON q.id = $3 \
                 WHERE n.site_id = $1 AND n.category = $2 AND n.status <> 'cancelled' \
                 AND p.starts_on < q.ends_on AND q.starts_on < p.ends_on ORDER BY a.created_at",
            )
            .bind(&site_id)
            .bind(&category)
            .bind(&period_id)
            .fetch_all(&mut *$tx)
            .await?;
            let existing: Vec<CoveringFlow> = flows
                .into_iter()
                .map(|(line, name, amount, _, _)| CoveringFlow {
                    need_line_id: line,
                    source: name,
                    amount,
                })
                .collect();
            let reason = req.override_reason.as_deref().filter(|_| req.may_override);
            let decision = check_overlap(
                &req.need_line_id,
                line_need,
                group_need,
                &existing,
                req.amount,
                reason,
            );
            let override_reason = match decision {
                OverlapDecision::Allowed => None,
                OverlapDecision::Overridden { reason, .. } => Some(reason),
                OverlapDecision::NotPositive => return Ok(Err(AllocationRefusal::NotPositive)),
                refused @ OverlapDecision::Refused { .. } => {
                    return Ok(Err(AllocationRefusal::Overlap(refused)));
                }
            };
            let id = crate::new_id();
            sqlx::query(
                "INSERT INTO allocations (id, province, need_line_id, pledge_id, amount, override_reason, created_by, \
                 is_demo, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
            )
            .bind(&id)
            .bind(crate::admin_units::PROVINCE)
            .bind(&req.need_line_id)
            .bind(&req.pledge_id)
            .bind(req.amount)
            .bind(&override_reason)
            .bind(&actor.name)
            .bind(req.is_demo)
            .bind(now)
            .execute(&mut *$tx)
            .await?;
            // What the pledge's receipts fill, per line (report summaries).
            crate::summaries::SummaryConn::recompute_line_received(&mut *$tx, &req.pledge_id)
                .await?;
            let rec = AuditRecord {
                actor: actor.clone(),
                at: now,
                action: if override_reason.is_some() {
                    "allocate_override"
                } else {
                    "allocate"
                },
                entity: "allocation",
                entity_id: id.clone(),
                before: None,
                after: Some(
                    json!({"need_line_id": req.need_line_id, "pledge_id": req.pledge_id,
                    "amount": req.amount, "override_reason": override_reason}),
                ),
            };
            (*$tx).append_allocation(&id, now).await?;
            (*$tx).append(&rec).await?;
            Ok::<AllocationOutcome, StorageError>(Ok((id, override_reason)))
        }
        .await
    };
}

/// Earmarks committed money for a line ([`AllocationBasis::Commitment`]).
pub async fn allocate(
    db: &Db,
    req: &AllocationRequest,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<AllocationOutcome, StorageError> {
    allocate_from(db, req, AllocationBasis::Commitment, actor, now).await
}

/// What committing a pledge did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommitOutcome {
    /// It was not waiting to be committed: nothing changed.
    NotPledged,
    /// Committed; it names no need line.
    Committed,
    /// Committed and allocated (`amount`) to the need line it was made on.
    Allocated { allocation_id: String, amount: i64 },
    /// Committed, but the line it was made on could not take it: the
    /// refusal says why (nothing allocated; the money stays to allocate).
    NotAllocated(AllocationRefusal),
}

/// Commits a pledge (it counts from then on) and, when it was made on a
/// need line (a public pledge), allocates to that line, in the same
/// transaction, what the line still lacks up to the pledge — through the
/// same guard and lock as any allocation. A refusal keeps the commitment.
pub async fn commit_pledge(
    db: &Db,
    pledge_id: &str,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<CommitOutcome, StorageError> {
    let lock = allocation_lock(db);
    // Every exit below goes through the end of the block, so what was
    // written (the commitment) is committed even when the line refuses.
    let outcome = db_tx!(db, |tx| 'done: {
        if let Some(sql) = lock {
            sqlx::query(sql).execute(&mut *tx).await?;
        }
        let changed = sqlx::query(
            "UPDATE pledges SET status = 'committed', committed_at = $1 \
             WHERE id = $2 AND status = 'pledged'",
        )
        .bind(now)
        .bind(pledge_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed != 1 {
            break 'done CommitOutcome::NotPledged;
        }
        let rec = AuditRecord {
            actor: actor.clone(),
            at: now,
            action: "commit",
            entity: "pledge",
            entity_id: pledge_id.to_owned(),
            before: Some(json!({"status": "pledged"})),
            after: Some(json!({"status": "committed"})),
        };
        (*tx).append(&rec).await?;
        let facts: Option<(Option<String>, i64, bool)> =
            sqlx::query_as("SELECT need_line_id, amount, is_demo FROM pledges WHERE id = $1")
                .bind(pledge_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((Some(line_id), amount, is_demo)) = facts else {
            break 'done CommitOutcome::Committed;
        };
        let covered: (i64, i64) = sqlx::query_as(
            "SELECT n.amount, CAST(COALESCE((SELECT SUM(a.amount) FROM live_allocations a \
             WHERE a.need_line_id = n.id), 0) AS BIGINT) FROM need_lines n WHERE n.id = $1",
        )
        .bind(&line_id)
        .fetch_optional(&mut *tx)
        .await?
        .unwrap_or((0, 0));
        let lacking = covered.0.saturating_sub(covered.1);
        // What the line still lacks, up to the pledge; when nothing is
        // lacking the whole pledge is put to the guard, whose refusal names
        // what already covers the line.
        let req = AllocationRequest {
            need_line_id: line_id,
            pledge_id: pledge_id.to_owned(),
            amount: if lacking > 0 {
                amount.min(lacking)
            } else {
                amount
            },
            override_reason: None,
            may_override: false,
            is_demo,
        };
        match decide_and_write!(tx, &req, AllocationBasis::Commitment, actor, now)? {
            Ok((allocation_id, _)) => CommitOutcome::Allocated {
                allocation_id,
                amount: req.amount,
            },
            Err(refusal) => CommitOutcome::NotAllocated(refusal),
        }
    });
    Ok(outcome)
}

/// Allocates on the given basis: committed money, or only money received.
pub async fn allocate_from(
    db: &Db,
    req: &AllocationRequest,
    basis: AllocationBasis,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<AllocationOutcome, StorageError> {
    if req.amount <= 0 {
        return Ok(Err(AllocationRefusal::NotPositive));
    }
    let lock = allocation_lock(db);
    let outcome = db_tx!(db, |tx| {
        if let Some(sql) = lock {
            sqlx::query(sql).execute(&mut *tx).await?;
        }
        decide_and_write!(tx, req, basis, actor, now)?
    });
    Ok(outcome)
}

/// Several allocations (an accepted proposal) in one transaction: all or
/// none. The first refusal, with the index of its request, undoes the rest.
pub async fn allocate_many(
    db: &Db,
    reqs: &[AllocationRequest],
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<Result<Vec<String>, (usize, AllocationRefusal)>, StorageError> {
    if let Some(i) = reqs.iter().position(|r| r.amount <= 0) {
        return Ok(Err((i, AllocationRefusal::NotPositive)));
    }
    let lock = allocation_lock(db);
    let outcome = db_tx!(db, |tx| {
        if let Some(sql) = lock {
            sqlx::query(sql).execute(&mut *tx).await?;
        }
        let mut ids = Vec::with_capacity(reqs.len());
        for (i, req) in reqs.iter().enumerate() {
            match decide_and_write!(tx, req, AllocationBasis::Commitment, actor, now)? {
                Ok((id, _)) => ids.push(id),
                // Returning drops the transaction: nothing is kept.
                Err(refusal) => return Ok(Err((i, refusal))),
            }
        }
        Ok(ids)
    });
    Ok(outcome)
}

/// Why an accepted proposal wrote nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProposalRefusal {
    /// This proposal (its token) was accepted before: a second accept adds
    /// nothing.
    AlreadyAccepted,
    /// The item at this index was refused (and with it the whole proposal).
    Item(usize, AllocationRefusal),
}

/// An optimiser's proposal, as the coordinator accepted it: its token (one
/// per proposal shown), the mode that produced it (`priority` or
/// `maxmin`) and the allocations. All or none, in one transaction under
/// the allocation lock; one audit row (entity `allocation_proposal`, the
/// token as its id) records the mode and the allocations, and a token
/// already accepted is refused, so a resubmitted form adds nothing.
pub async fn accept_proposal(
    db: &Db,
    token: &str,
    mode: &str,
    reqs: &[AllocationRequest],
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<Result<Vec<String>, ProposalRefusal>, StorageError> {
    if let Some(i) = reqs.iter().position(|r| r.amount <= 0) {
        return Ok(Err(ProposalRefusal::Item(
            i,
            AllocationRefusal::NotPositive,
        )));
    }
    let lock = allocation_lock(db);
    let outcome = db_tx!(db, |tx| {
        if let Some(sql) = lock {
            sqlx::query(sql).execute(&mut *tx).await?;
        }
        let seen: (i64,) = sqlx::query_as(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_events \
             WHERE entity = 'allocation_proposal' AND entity_id = $1",
        )
        .bind(token)
        .fetch_one(&mut *tx)
        .await?;
        if seen.0 > 0 {
            return Ok(Err(ProposalRefusal::AlreadyAccepted));
        }
        let mut ids = Vec::with_capacity(reqs.len());
        for (i, req) in reqs.iter().enumerate() {
            match decide_and_write!(tx, req, AllocationBasis::Commitment, actor, now)? {
                Ok((id, _)) => ids.push(id),
                // Returning drops the transaction: nothing is kept.
                Err(refusal) => return Ok(Err(ProposalRefusal::Item(i, refusal))),
            }
        }
        let total = reqs.iter().fold(0i64, |a, r| a.saturating_add(r.amount));
        let rec = AuditRecord {
            actor: actor.clone(),
            at: now,
            action: "accept_proposal",
            entity: "allocation_proposal",
            entity_id: token.to_owned(),
            before: None,
            after: Some(json!({"mode": mode, "allocations": ids, "total": total})),
        };
        (*tx).append(&rec).await?;
        Ok(ids)
    });
    Ok(outcome)
}

pub(crate) fn allocation_lock(db: &Db) -> Option<&'static str> {
    match db.backend() {
        Backend::Postgres => Some("SELECT pg_advisory_xact_lock(4046588)"),
        Backend::Sqlite => None,
    }
}
