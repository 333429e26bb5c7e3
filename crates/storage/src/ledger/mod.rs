//! The public ledger: an append-only RFC 9162 Merkle log of every receipt,
//! allocation, distribution, amendment, transfer, expenditure and reversal,
//! appended in the same transaction as the business change it
//! records, with signed tree heads kept for ever.
//!
//! Order: `idx` 0, 1, 2 … without gaps, assigned under the same lock that
//! orders the audit chain (PostgreSQL: `LOCK TABLE audit_events`; SQLite:
//! the `BEGIN IMMEDIATE` write transaction), so a leaf and its business row
//! commit together or not at all, and two writers never take one index.

mod leaves;
mod log;
mod verify;

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, SqliteConnection};

use crate::{Db, StorageError, db_run, db_tx};

pub use leaves::{
    AllocationFacts, AmendmentFacts, DistributionFacts, ExpenditureFacts, ReceiptFacts,
    ReversalFacts, SCHEMA_VERSION, TransferFacts, allocation_leaf, amendment_leaf,
    distribution_leaf, expenditure_leaf, first_difference, receipt_leaf, reversal_leaf,
    transfer_leaf,
};
pub use log::{
    LogReport, ScratchCounts, clear_unbacked_log, count_by_kind, scratch_counts, verify_log_only,
};
pub use verify::{VerifyProblem, VerifyReport, verify};

/// One stored leaf.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Entry {
    pub idx: i64,
    pub kind: String,
    pub ref_id: String,
    pub leaf: Vec<u8>,
}

/// A signed tree head as stored and published.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredHead {
    pub timestamp_ms: i64,
    pub tree_size: i64,
    /// Hex.
    pub root_hash: String,
    /// Base64.
    pub signature: String,
    pub key_id: String,
}

/// A public key that signs (or signed) tree heads.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredKey {
    pub key_id: String,
    /// Base64 of the 32 bytes.
    pub public_key: String,
    pub created_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
}

/// Appending inside an open write transaction.
pub trait LedgerConn {
    /// Appends leaves in order; returns the index of the first.
    fn append_leaves(
        &mut self,
        items: &[(&'static str, String, Vec<u8>)],
        now: DateTime<Utc>,
    ) -> impl std::future::Future<Output = Result<i64, StorageError>> + Send;
    /// Appends the leaf of a receipt just written in this transaction.
    fn append_receipt(
        &mut self,
        receipt_id: &str,
        now: DateTime<Utc>,
    ) -> impl std::future::Future<Output = Result<i64, StorageError>> + Send;
    /// Appends the leaf of an allocation just written in this transaction.
    fn append_allocation(
        &mut self,
        allocation_id: &str,
        now: DateTime<Utc>,
    ) -> impl std::future::Future<Output = Result<i64, StorageError>> + Send;
    /// Appends the distribution leaf of a delivery handed over in this
    /// transaction.
    fn append_distribution(
        &mut self,
        delivery_id: &str,
        now: DateTime<Utc>,
    ) -> impl std::future::Future<Output = Result<i64, StorageError>> + Send;
    /// Appends the amendment leaf of an acceptance outcome written in this
    /// transaction.
    fn append_amendment(
        &mut self,
        outcome_id: &str,
        now: DateTime<Utc>,
    ) -> impl std::future::Future<Output = Result<i64, StorageError>> + Send;
    /// Appends the leaf of a transfer written in this transaction.
    fn append_transfer(
        &mut self,
        transfer_id: &str,
        now: DateTime<Utc>,
    ) -> impl std::future::Future<Output = Result<i64, StorageError>> + Send;
    /// Appends the leaf of an expenditure written in this transaction.
    fn append_expenditure(
        &mut self,
        expenditure_id: &str,
        now: DateTime<Utc>,
    ) -> impl std::future::Future<Output = Result<i64, StorageError>> + Send;
    /// Appends the leaf of a reversal written in this transaction.
    fn append_reversal(
        &mut self,
        reversal_id: &str,
        now: DateTime<Utc>,
    ) -> impl std::future::Future<Output = Result<i64, StorageError>> + Send;
}

/// Rows per multi-row INSERT (6 binds each). SQLite: few — the driver looks
/// each parameter up by position (`sqlite3_bind_parameter_name`, a linear
/// scan), so a statement of p parameters costs O(p²): 500 rows made a batch
/// of 1,000 twice as slow as ten batches of 100. PostgreSQL: many — each
/// statement is a round trip. Measured by `chungtay ledger bench`.
const INSERT_CHUNK_SQLITE: usize = 32;
const INSERT_CHUNK_POSTGRES: usize = 500;

macro_rules! impl_ledger_conn {
    ($conn:ty, $lock:expr, $chunk:expr) => {
        impl LedgerConn for $conn {
            async fn append_leaves(
                &mut self,
                items: &[(&'static str, String, Vec<u8>)],
                now: DateTime<Utc>,
            ) -> Result<i64, StorageError> {
                if let Some(lock) = $lock {
                    sqlx::query(lock).execute(&mut *self).await?;
                }
                let next: (i64,) = sqlx::query_as(
                    "SELECT CAST(COALESCE(MAX(idx) + 1, 0) AS BIGINT) FROM ledger_entries",
                )
                .fetch_one(&mut *self)
                .await?;
                let first = next.0;
                let mut idx = first;
                for chunk in items.chunks($chunk) {
                    let mut sql = String::from(
                        "INSERT INTO ledger_entries (idx, kind, ref_id, leaf, leaf_hash, created_at) VALUES ",
                    );
                    for i in 0..chunk.len() {
                        let b = i * 6;
                        if i > 0 {
                            sql.push(',');
                        }
                        sql.push_str(&format!(
                            "(${},${},${},${},${},${})",
                            b + 1,
                            b + 2,
                            b + 3,
                            b + 4,
                            b + 5,
                            b + 6
                        ));
                    }
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for (kind, ref_id, leaf) in chunk {
                        q = q
                            .bind(idx)
                            .bind(*kind)
                            .bind(ref_id)
                            .bind(leaf.as_slice())
                            .bind(ledger::leaf_hash(leaf).to_vec())
                            .bind(now);
                        idx += 1;
                    }
                    q.execute(&mut *self).await?;
                }
                Ok(first)
            }

            async fn append_receipt(
                &mut self,
                receipt_id: &str,
                now: DateTime<Utc>,
            ) -> Result<i64, StorageError> {
                let facts: ReceiptFacts = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "{} WHERE r.id = $1",
                    leaves::RECEIPT_FACTS
                )))
                .bind(receipt_id)
                .fetch_one(&mut *self)
                .await?;
                let leaf = receipt_leaf(&facts)?;
                self.append_leaves(&[("receipt", receipt_id.to_owned(), leaf)], now)
                    .await
            }

            async fn append_allocation(
                &mut self,
                allocation_id: &str,
                now: DateTime<Utc>,
            ) -> Result<i64, StorageError> {
                let facts: AllocationFacts = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "{} WHERE a.id = $1",
                    leaves::ALLOCATION_FACTS
                )))
                .bind(allocation_id)
                .fetch_one(&mut *self)
                .await?;
                let leaf = allocation_leaf(&facts)?;
                self.append_leaves(&[("allocation", allocation_id.to_owned(), leaf)], now)
                    .await
            }

            async fn append_distribution(
                &mut self,
                delivery_id: &str,
                now: DateTime<Utc>,
            ) -> Result<i64, StorageError> {
                let facts: DistributionFacts = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "{} WHERE d.id = $1",
                    leaves::DISTRIBUTION_FACTS
                )))
                .bind(delivery_id)
                .fetch_one(&mut *self)
                .await?;
                let leaf = distribution_leaf(&facts)?;
                self.append_leaves(&[("distribution", delivery_id.to_owned(), leaf)], now)
                    .await
            }

            async fn append_amendment(
                &mut self,
                outcome_id: &str,
                now: DateTime<Utc>,
            ) -> Result<i64, StorageError> {
                let facts: AmendmentFacts = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "{} WHERE o.id = $1",
                    leaves::AMENDMENT_FACTS
                )))
                .bind(outcome_id)
                .fetch_one(&mut *self)
                .await?;
                let leaf = amendment_leaf(&facts)?;
                self.append_leaves(&[("amendment", outcome_id.to_owned(), leaf)], now)
                    .await
            }

            async fn append_transfer(
                &mut self,
                transfer_id: &str,
                now: DateTime<Utc>,
            ) -> Result<i64, StorageError> {
                let facts: TransferFacts = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "{} WHERE t.id = $1",
                    leaves::TRANSFER_FACTS
                )))
                .bind(transfer_id)
                .fetch_one(&mut *self)
                .await?;
                let leaf = transfer_leaf(&facts)?;
                self.append_leaves(&[("transfer", transfer_id.to_owned(), leaf)], now)
                    .await
            }

            async fn append_expenditure(
                &mut self,
                expenditure_id: &str,
                now: DateTime<Utc>,
            ) -> Result<i64, StorageError> {
                let facts: ExpenditureFacts = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "{} WHERE e.id = $1",
                    leaves::EXPENDITURE_FACTS
                )))
                .bind(expenditure_id)
                .fetch_one(&mut *self)
                .await?;
                let leaf = expenditure_leaf(&facts)?;
                self.append_leaves(&[("expenditure", expenditure_id.to_owned(), leaf)], now)
                    .await
            }

            async fn append_reversal(
                &mut self,
                reversal_id: &str,
                now: DateTime<Utc>,
            ) -> Result<i64, StorageError> {
                let facts: ReversalFacts = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "{} WHERE v.id = $1",
                    leaves::REVERSAL_FACTS
                )))
                .bind(reversal_id)
                .fetch_one(&mut *self)
                .await?;
                let leaf = reversal_leaf(&facts)?;
                self.append_leaves(&[("reversal", reversal_id.to_owned(), leaf)], now)
                    .await
            }
        }
    };
}

// The audit chain's lock: one order for both logs, so no deadlock between
// a transaction that appends to the ledger and one that only audits.
impl_ledger_conn!(SqliteConnection, None::<&'static str>, INSERT_CHUNK_SQLITE);
impl_ledger_conn!(
    PgConnection,
    Some("LOCK TABLE audit_events IN SHARE ROW EXCLUSIVE MODE"),
    INSERT_CHUNK_POSTGRES
);

/// Appends leaves in a transaction of their own (benchmarks, back-fills).
pub async fn append_batch(
    db: &Db,
    items: &[(&'static str, String, Vec<u8>)],
    now: DateTime<Utc>,
) -> Result<i64, StorageError> {
    let first = db_tx!(db, |tx| { (*tx).append_leaves(items, now).await? });
    Ok(first)
}

/// How many leaves the log holds: the last index + 1 (indexes run 0, 1, 2 …
/// without gaps — `verify` checks it, and [`leaf_hashes_from`] refuses a
/// gap). One primary-key lookup, where `COUNT(*)` would scan the whole
/// table on every proof request (half a second at a million entries on
/// PostgreSQL).
pub async fn size(db: &Db) -> Result<i64, StorageError> {
    let n: (i64,) = db_run!(db, |pool| {
        sqlx::query_as("SELECT CAST(COALESCE(MAX(idx) + 1, 0) AS BIGINT) FROM ledger_entries")
            .fetch_one(pool)
            .await?
    });
    Ok(n.0)
}

/// Leaves `start..end` (end exclusive), in order.
pub async fn entries(db: &Db, start: i64, end: i64) -> Result<Vec<Entry>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, Entry>(
            "SELECT idx, kind, ref_id, leaf FROM ledger_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx",
        )
        .bind(start)
        .bind(end)
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

/// The entry recording a business row, if any.
pub async fn entry_for(db: &Db, kind: &str, ref_id: &str) -> Result<Option<Entry>, StorageError> {
    let row = db_run!(db, |pool| {
        sqlx::query_as::<_, Entry>(
            "SELECT idx, kind, ref_id, leaf FROM ledger_entries WHERE kind = $1 AND ref_id = $2",
        )
        .bind(kind)
        .bind(ref_id)
        .fetch_optional(pool)
        .await?
    });
    Ok(row)
}

/// Stored leaf hashes from `start` on, in order (read a page at a time,
/// see `log.rs`); a gap in the indexes is an error.
pub async fn leaf_hashes_from(db: &Db, start: i64) -> Result<Vec<ledger::Hash>, StorageError> {
    log::stored_hashes_from(db, start).await
}

/// The Merkle tree of the stored leaf hashes, kept in memory and brought up
/// to date from the database on demand (leaves are only ever appended).
pub struct TreeCache {
    tree: Mutex<ledger::Tree>,
}

impl Default for TreeCache {
    fn default() -> Self {
        Self::new()
    }
}

impl TreeCache {
    pub fn new() -> Self {
        TreeCache {
            tree: Mutex::new(ledger::Tree::new()),
        }
    }

    /// Loads leaves appended since the last call; returns the tree size.
    pub async fn sync(&self, db: &Db) -> Result<u64, StorageError> {
        let have = self.lock().len() as i64;
        let stored = size(db).await?;
        if stored > have {
            let new = leaf_hashes_from(db, have).await?;
            let mut tree = self.lock();
            // Another request may have synced meanwhile.
            let now_have = tree.len() as i64;
            let skip = usize::try_from(now_have - have).unwrap_or(0);
            tree.extend(new.into_iter().skip(skip));
        }
        Ok(self.lock().len())
    }

    /// Runs `f` on the tree (already synced by the caller).
    pub fn with<T>(&self, f: impl FnOnce(&ledger::Tree) -> T) -> T {
        f(&self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ledger::Tree> {
        // A panic while holding the lock cannot leave the tree half-pushed
        // in a way later reads would misinterpret: recover the guard.
        self.tree.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Registers a public key (idempotent).
pub async fn register_key(
    db: &Db,
    key_id: &str,
    public_key_b64: &str,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    db_run!(db, |pool| {
        sqlx::query(
            "INSERT INTO ledger_keys (key_id, public_key, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (key_id) DO NOTHING",
        )
        .bind(key_id)
        .bind(public_key_b64)
        .bind(now)
        .execute(pool)
        .await?;
    });
    Ok(())
}

/// Marks every key but `current` retired (after a rotation).
pub async fn retire_other_keys(
    db: &Db,
    current: &str,
    now: DateTime<Utc>,
) -> Result<u64, StorageError> {
    let done = db_run!(db, |pool| {
        sqlx::query(
            "UPDATE ledger_keys SET retired_at = $2 WHERE key_id <> $1 AND retired_at IS NULL",
        )
        .bind(current)
        .bind(now)
        .execute(pool)
        .await?
        .rows_affected()
    });
    Ok(done)
}

pub async fn keys(db: &Db) -> Result<Vec<StoredKey>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, StoredKey>(
            "SELECT key_id, public_key, created_at, retired_at FROM ledger_keys ORDER BY created_at",
        )
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

/// Stores a signed head (a head with the same timestamp is kept as it was).
pub async fn insert_head(db: &Db, head: &StoredHead) -> Result<(), StorageError> {
    db_run!(db, |pool| {
        sqlx::query(
            "INSERT INTO ledger_heads (timestamp_ms, tree_size, root_hash, signature, key_id) \
             VALUES ($1,$2,$3,$4,$5) ON CONFLICT (timestamp_ms) DO NOTHING",
        )
        .bind(head.timestamp_ms)
        .bind(head.tree_size)
        .bind(&head.root_hash)
        .bind(&head.signature)
        .bind(&head.key_id)
        .execute(pool)
        .await?;
    });
    Ok(())
}

const HEAD_COLUMNS: &str =
    "SELECT timestamp_ms, tree_size, root_hash, signature, key_id FROM ledger_heads";

pub async fn latest_head(db: &Db) -> Result<Option<StoredHead>, StorageError> {
    let row = db_run!(db, |pool| {
        sqlx::query_as::<_, StoredHead>(sqlx::AssertSqlSafe(format!(
            "{HEAD_COLUMNS} ORDER BY timestamp_ms DESC LIMIT 1"
        )))
        .fetch_optional(pool)
        .await?
    });
    Ok(row)
}

/// Every published head, oldest first.
pub async fn heads(db: &Db) -> Result<Vec<StoredHead>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, StoredHead>(sqlx::AssertSqlSafe(format!(
            "{HEAD_COLUMNS} ORDER BY timestamp_ms"
        )))
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

/// Hex of bytes (lower case).
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Signs and stores a head over the tree as it is now. `timestamp_ms`
/// must grow; a head for an unchanged tree is still published (daily).
pub async fn publish_head(
    db: &Db,
    cache: &TreeCache,
    key: &ledger::SigningKey,
    now: DateTime<Utc>,
) -> Result<StoredHead, StorageError> {
    let size = cache.sync(db).await?;
    let root = cache
        .with(|t| t.root(size))
        .map_err(|e| StorageError::Corrupt(format!("ledger root: {e}")))?;
    let timestamp_ms = u64::try_from(now.timestamp_millis()).unwrap_or(0);
    let th = ledger::TreeHead {
        tree_size: size,
        root_hash: root,
        timestamp_ms,
    };
    let sig = th.sign(key);
    let vk = key.verifying_key();
    let key_id = ledger::key_id(&vk);
    register_key(db, &key_id, &base64_encode(vk.as_bytes()), now).await?;
    let head = StoredHead {
        timestamp_ms: timestamp_ms as i64,
        tree_size: size as i64,
        root_hash: hex(&root),
        signature: base64_encode(&sig),
        key_id,
    };
    insert_head(db, &head).await?;
    Ok(head)
}

/// Standard base64 with padding (RFC 4648 §4).
pub fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Appends the leaves of receipts and allocations that have none (rows
/// written before the ledger existed), oldest first, in one transaction.
/// Returns how many were appended.
pub async fn backfill(db: &Db, now: DateTime<Utc>) -> Result<usize, StorageError> {
    let n = db_tx!(db, |tx| {
        let receipts: Vec<ReceiptFacts> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{} WHERE NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.kind = 'receipt' \
             AND e.ref_id = r.id) ORDER BY r.created_at, r.id",
            leaves::RECEIPT_FACTS
        )))
        .fetch_all(&mut *tx)
        .await?;
        let allocations: Vec<AllocationFacts> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{} WHERE NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.kind = 'allocation' \
             AND e.ref_id = a.id) ORDER BY a.created_at, a.id",
            leaves::ALLOCATION_FACTS
        )))
        .fetch_all(&mut *tx)
        .await?;
        let mut items: Vec<(&'static str, String, Vec<u8>)> = Vec::new();
        for r in &receipts {
            items.push(("receipt", r.id.clone(), receipt_leaf(r)?));
        }
        for a in &allocations {
            items.push(("allocation", a.id.clone(), allocation_leaf(a)?));
        }
        if !items.is_empty() {
            (*tx).append_leaves(&items, now).await?;
        }
        items.len()
    });
    Ok(n)
}
