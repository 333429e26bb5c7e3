//! Receipts: money into a named receiving account, or goods into a store,
//! each linked to its commitment, numbered in a series per receiving unit
//! and year ("2026/00017"). What a line has *received* is computed from
//! them: a pledge's receipts fill its allocations in the order they were
//! made — so money is counted once, never per level.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde_json::json;

use crate::audit::{AuditActor, AuditConn, AuditRecord};
use crate::ledger::LedgerConn;
use crate::{Backend, Db, StorageError, db_run, db_tx};

#[derive(Debug, Clone)]
pub struct NewReceipt {
    pub pledge_id: String,
    /// `money` or `goods`.
    pub kind: String,
    pub amount: i64,
    /// `bank`, `cash` or `goods`.
    pub method: String,
    /// The receiving bank account, cash book or store.
    pub account: String,
    /// The organisation that receives (its series numbers the receipt).
    pub receiver_id: String,
    pub received_on: NaiveDate,
    pub is_demo: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Receipt {
    pub id: String,
    pub pledge_id: String,
    pub kind: String,
    pub amount: i64,
    pub method: String,
    pub account: String,
    pub receiver_id: String,
    pub receipt_no: String,
    pub received_on: NaiveDate,
    pub is_demo: bool,
    /// Reversed (`storage::reversals`): kept and shown "đã hủy bỏ", counted
    /// nowhere.
    pub reversed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiptRefusal {
    UnknownPledge,
    NotCommitted,
    UnknownReceiver,
    BadAmount,
    BadMethod,
    /// More than the commitment has left to receive.
    BeyondCommitment {
        remaining: i64,
    },
    /// The state budget for management (R13) and donations never mix: a
    /// receipt into a state-budget account for a commitment that already
    /// has donations or allocations, or a donation for a commitment paid
    /// from the state budget.
    MixesStateBudget,
}

impl ReceiptRefusal {
    pub fn message_key(self) -> &'static str {
        match self {
            ReceiptRefusal::UnknownPledge => "allocation-error-pledge",
            ReceiptRefusal::NotCommitted => "allocation-error-not-committed",
            ReceiptRefusal::UnknownReceiver => "receipt-error-receiver",
            ReceiptRefusal::BadAmount => "allocation-error-amount",
            ReceiptRefusal::BadMethod => "receipt-error-method",
            ReceiptRefusal::BeyondCommitment { .. } => "receipt-error-beyond",
            ReceiptRefusal::MixesStateBudget => "receipt-error-state-budget",
        }
    }
}

const RECEIPT_COLUMNS: &str = "SELECT id, pledge_id, kind, amount, method, account, receiver_id, receipt_no, \
    received_on, is_demo, EXISTS (SELECT 1 FROM reversals v WHERE v.kind = 'receipt' \
    AND v.target_id = receipts.id) AS reversed FROM receipts";

/// Checks and writes one receipt inside an open write transaction (the
/// receipts lock already held). Evaluates to
/// `Result<Result<Receipt, ReceiptRefusal>, StorageError>`; a refusal
/// writes nothing. Shared by [`create`] and statement matching, so a
/// confirmed bank line and its receipt (and ledger leaf) commit together.
macro_rules! receive_in_tx {
    ($tx:ident, $r:expr, $actor:expr, $now:expr) => {
        async {
            let r: &NewReceipt = $r;
            let actor: &AuditActor = $actor;
            let now: DateTime<Utc> = $now;
            if r.amount <= 0 {
                return Ok(Err(ReceiptRefusal::BadAmount));
            }
            let method_ok = matches!(
                (r.kind.as_str(), r.method.as_str()),
                ("money", "bank" | "cash") | ("goods", "goods")
            );
            if !method_ok {
                return Ok(Err(ReceiptRefusal::BadMethod));
            }
            let prefix = format!("{}/", r.received_on.year());
            let pledge: Option<(String, i64)> =
                sqlx::query_as("SELECT status, amount FROM pledges WHERE id = $1")
                    .bind(&r.pledge_id)
                    .fetch_optional(&mut *$tx)
                    .await?;
            let Some((status, committed)) = pledge else {
                return Ok(Err(ReceiptRefusal::UnknownPledge));
            };
            if status != "committed" {
                return Ok(Err(ReceiptRefusal::NotCommitted));
            }
            let receiver: Option<(String,)> =
                sqlx::query_as("SELECT id FROM organisations WHERE id = $1")
                    .bind(&r.receiver_id)
                    .fetch_optional(&mut *$tx)
                    .await?;
            if receiver.is_none() {
                return Ok(Err(ReceiptRefusal::UnknownReceiver));
            }
            let got: (i64,) = sqlx::query_as(
                "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM live_receipts WHERE pledge_id = $1",
            )
            .bind(&r.pledge_id)
            .fetch_one(&mut *$tx)
            .await?;
            let remaining = committed.saturating_sub(got.0);
            if r.amount > remaining {
                return Ok(Err(ReceiptRefusal::BeyondCommitment { remaining }));
            }
            // Is this receipt state budget, and what has the pledge already?
            let mix: (bool, i64, i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT EXISTS (SELECT 1 FROM receiving_accounts sb WHERE sb.purpose = 'state_budget' \
                 AND $1 LIKE '%' || sb.account_no), \
                 (SELECT CAST(COUNT(*) AS BIGINT) FROM live_receipts r WHERE r.pledge_id = $2 AND {budget}), \
                 (SELECT CAST(COUNT(*) AS BIGINT) FROM live_receipts r WHERE r.pledge_id = $2 AND NOT {budget}), \
                 (SELECT CAST(COUNT(*) AS BIGINT) FROM live_allocations a WHERE a.pledge_id = $2)",
                budget = crate::flows::IS_STATE_BUDGET
            )))
            .bind(domain::text::clean(&r.account))
            .bind(&r.pledge_id)
            .fetch_one(&mut *$tx)
            .await?;
            let (is_budget, budget_receipts, donation_receipts, allocations) = mix;
            if (is_budget && (donation_receipts > 0 || allocations > 0))
                || (!is_budget && budget_receipts > 0)
            {
                return Ok(Err(ReceiptRefusal::MixesStateBudget));
            }
            let seq: (i64,) = sqlx::query_as(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM receipts WHERE receiver_id = $1 AND receipt_no LIKE $2",
            )
            .bind(&r.receiver_id)
            .bind(format!("{prefix}%"))
            .fetch_one(&mut *$tx)
            .await?;
            let receipt = Receipt {
                id: crate::new_id(),
                pledge_id: r.pledge_id.clone(),
                kind: r.kind.clone(),
                amount: r.amount,
                method: r.method.clone(),
                account: domain::text::clean(&r.account),
                receiver_id: r.receiver_id.clone(),
                receipt_no: format!("{prefix}{:05}", seq.0 + 1),
                received_on: r.received_on,
                is_demo: r.is_demo,
                reversed: false,
            };
            sqlx::query(
                "INSERT INTO receipts (id, province, pledge_id, kind, amount, method, account, receiver_id, receipt_no, \
                 received_on, is_demo, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)",
            )
            .bind(&receipt.id)
            .bind(crate::admin_units::PROVINCE)
            .bind(&receipt.pledge_id)
            .bind(&receipt.kind)
            .bind(receipt.amount)
            .bind(&receipt.method)
            .bind(&receipt.account)
            .bind(&receipt.receiver_id)
            .bind(&receipt.receipt_no)
            .bind(receipt.received_on)
            .bind(receipt.is_demo)
            .bind(now)
            .execute(&mut *$tx)
            .await?;
            $crate::summaries::receipt_in_tx!($tx, &receipt.id, 1)?;
            let rec = AuditRecord {
                actor: actor.clone(),
                at: now,
                action: "receive",
                entity: "receipt",
                entity_id: receipt.id.clone(),
                before: None,
                after: Some(
                    json!({"pledge_id": receipt.pledge_id, "kind": receipt.kind, "amount": receipt.amount,
                    "method": receipt.method, "account": receipt.account, "receiver_id": receipt.receiver_id,
                    "receipt_no": receipt.receipt_no, "received_on": receipt.received_on.to_string()}),
                ),
            };
            (*$tx).append_receipt(&receipt.id, now).await?;
            (*$tx).append(&rec).await?;
            Ok::<Result<Receipt, ReceiptRefusal>, StorageError>(Ok(receipt))
        }
        .await
    };
}
pub(crate) use receive_in_tx;

/// The receipts lock on PostgreSQL (SQLite's write transaction suffices).
pub(crate) fn receipts_lock(db: &Db) -> Option<&'static str> {
    match db.backend() {
        Backend::Postgres => Some("SELECT pg_advisory_xact_lock(4046589)"),
        Backend::Sqlite => None,
    }
}

/// Records a receipt, numbered in its receiver's series for the year.
pub async fn create(
    db: &Db,
    r: &NewReceipt,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<Result<Receipt, ReceiptRefusal>, StorageError> {
    let lock = receipts_lock(db);
    let out = db_tx!(db, |tx| {
        if let Some(sql) = lock {
            sqlx::query(sql).execute(&mut *tx).await?;
        }
        receive_in_tx!(tx, r, actor, now)?
    });
    Ok(out)
}

pub async fn get(db: &Db, id: &str) -> Result<Option<Receipt>, StorageError> {
    let row = db_run!(db, |pool| {
        sqlx::query_as::<_, Receipt>(sqlx::AssertSqlSafe(format!(
            "{RECEIPT_COLUMNS} WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(pool)
        .await?
    });
    Ok(row)
}

pub async fn for_pledge(db: &Db, pledge_id: &str) -> Result<Vec<Receipt>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, Receipt>(sqlx::AssertSqlSafe(format!(
            "{RECEIPT_COLUMNS} WHERE pledge_id = $1 ORDER BY received_on, receipt_no"
        )))
        .bind(pledge_id)
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

/// (need line, pledge, amount) of one allocation.
type AllocRow = (String, String, i64);

/// What each need line has received: every pledge's receipts fill its
/// allocations in the order they were made.
pub async fn received_by_line(db: &Db) -> Result<HashMap<String, i64>, StorageError> {
    let (allocs, sums): (Vec<AllocRow>, Vec<(String, i64)>) = db_run!(db, |pool| {
        let allocs = sqlx::query_as(
            "SELECT need_line_id, pledge_id, amount FROM live_allocations ORDER BY created_at, id",
        )
        .fetch_all(pool)
        .await?;
        let sums = sqlx::query_as(
            "SELECT pledge_id, CAST(SUM(amount) AS BIGINT) FROM live_receipts GROUP BY pledge_id",
        )
        .fetch_all(pool)
        .await?;
        (allocs, sums)
    });
    let mut left: HashMap<String, i64> = sums.into_iter().collect();
    let mut out: HashMap<String, i64> = HashMap::new();
    for (line, pledge, amount) in allocs {
        let Some(available) = left.get_mut(&pledge) else {
            continue;
        };
        let take = amount.min(*available).max(0);
        *available -= take;
        *out.entry(line).or_insert(0) += take;
    }
    Ok(out)
}
