//! Verifying the Merkle log alone — every stored leaf re-hashed and compared
//! with its stored hash, the tree rebuilt, every signed head checked —
//! without recomputing leaves from the business tables (that is
//! [`super::verify`]). For logs whose leaves have no business rows (the
//! benchmark's synthetic entries), and as the fast first half of a full
//! verification.
//!
//! The rows are streamed in index order, copied into page buffers (one
//! allocation per page, buffers recycled) and hashed on a blocking thread
//! while the next page is read, so reading and hashing overlap: the
//! database (SQLite's worker thread, or the PostgreSQL server) produces rows
//! on one core while SHA-256 runs on the other. The tree is built as leaves
//! arrive ([`ledger::Tree::push`], one node hash per leaf amortised), so
//! when the last row has been read only the last page is left to hash.

use std::collections::HashMap;

use futures_util::TryStreamExt;
use sqlx::Row;
use tokio::sync::mpsc;

use super::verify::{VerifyProblem, check_head};
use super::{StoredKey, hex};
use crate::{Db, StorageError, db_run};

/// Rows per page handed to the hashing thread.
const PAGE_ROWS: usize = 4096;
/// Pages in flight between the reader and the hashing thread.
const PAGES_IN_FLIGHT: usize = 4;

/// What a clean run of [`verify_log_only`] checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogReport {
    pub entries: u64,
    pub heads: usize,
    /// Bytes of leaves read and hashed.
    pub leaf_bytes: u64,
    pub root_hash: String,
}

/// A page of consecutive leaves: their bytes end to end, where each ends,
/// and their stored hashes.
#[derive(Default)]
struct Page {
    first: i64,
    bytes: Vec<u8>,
    ends: Vec<usize>,
    stored: Vec<ledger::Hash>,
}

impl Page {
    fn clear(&mut self, first: i64) {
        self.first = first;
        self.bytes.clear();
        self.ends.clear();
        self.stored.clear();
    }

    fn len(&self) -> usize {
        self.ends.len()
    }
}

/// Hashes pages as they come, compares with the stored hashes, grows the
/// tree; hands each emptied page back for reuse.
fn hash_pages(
    mut pages: mpsc::Receiver<Page>,
    recycle: mpsc::Sender<Page>,
) -> Result<ledger::Tree, VerifyProblem> {
    let mut tree = ledger::Tree::new();
    while let Some(page) = pages.blocking_recv() {
        let mut start = 0;
        for (i, (&end, stored)) in page.ends.iter().zip(&page.stored).enumerate() {
            let h = ledger::leaf_hash(&page.bytes[start..end]);
            if &h != stored {
                return Err(VerifyProblem::LeafHash {
                    idx: page.first + i as i64,
                });
            }
            tree.push(h);
            start = end;
        }
        // The reader may have finished and dropped its end: nothing to do.
        let _ = recycle.try_send(page);
    }
    Ok(tree)
}

/// Verifies the log without the business tables: indexes 0, 1, 2 … without
/// gaps, every stored leaf hash equal to SHA-256(0x00 ‖ leaf), and every
/// stored tree head equal to the rebuilt tree's root at its size and
/// signed by a registered key. `Ok(Err(problem))` names the first problem.
pub async fn verify_log_only(db: &Db) -> Result<Result<LogReport, VerifyProblem>, StorageError> {
    let (to_hasher, from_reader) = mpsc::channel::<Page>(PAGES_IN_FLIGHT);
    let (recycle, mut recycled) = mpsc::channel::<Page>(PAGES_IN_FLIGHT + 2);
    let hasher = tokio::task::spawn_blocking(move || hash_pages(from_reader, recycle));

    let mut expected: i64 = 0;
    let mut leaf_bytes: u64 = 0;
    let mut gap: Option<VerifyProblem> = None;
    let mut page = Page::default();
    let mut hasher_stopped = false;
    db_run!(db, |pool| {
        let mut rows =
            sqlx::query("SELECT idx, leaf, leaf_hash FROM ledger_entries ORDER BY idx").fetch(pool);
        while let Some(row) = rows.try_next().await? {
            let idx: i64 = row.try_get(0)?;
            if idx != expected {
                gap = Some(VerifyProblem::Gap {
                    expected,
                    found: idx,
                });
                break;
            }
            let leaf: &[u8] = row.try_get(1)?;
            let stored: &[u8] = row.try_get(2)?;
            let stored = <ledger::Hash>::try_from(stored).map_err(|_| {
                StorageError::Corrupt(format!("ledger entry {idx}: leaf hash length"))
            })?;
            page.bytes.extend_from_slice(leaf);
            page.ends.push(page.bytes.len());
            page.stored.push(stored);
            leaf_bytes += leaf.len() as u64;
            expected += 1;
            if page.len() == PAGE_ROWS {
                let mut next = recycled.try_recv().unwrap_or_default();
                next.clear(expected);
                let full = std::mem::replace(&mut page, next);
                if to_hasher.send(full).await.is_err() {
                    // The hasher found a bad leaf and stopped: its verdict
                    // is the first problem.
                    hasher_stopped = true;
                    break;
                }
            }
        }
    });
    if !hasher_stopped && page.len() > 0 {
        // An error here means the hasher stopped; its verdict comes below.
        let _ = to_hasher.send(page).await;
    }
    drop(to_hasher);
    let tree = match hasher.await {
        Ok(Ok(tree)) => tree,
        Ok(Err(problem)) => return Ok(Err(problem)),
        Err(e) => {
            return Err(StorageError::Corrupt(format!(
                "ledger: the hashing thread failed: {e}"
            )));
        }
    };
    // A bad leaf before the gap is the first problem; otherwise the gap is.
    if let Some(problem) = gap {
        return Ok(Err(problem));
    }

    let heads = super::heads(db).await?;
    let keys: HashMap<String, StoredKey> = super::keys(db)
        .await?
        .into_iter()
        .map(|k| (k.key_id.clone(), k))
        .collect();
    for head in &heads {
        if let Err(reason) = check_head(&tree, head, &keys) {
            return Ok(Err(VerifyProblem::Head {
                timestamp_ms: head.timestamp_ms,
                tree_size: head.tree_size,
                reason,
            }));
        }
    }
    Ok(Ok(LogReport {
        entries: tree.len(),
        heads: heads.len(),
        leaf_bytes,
        root_hash: hex(&tree.root_current()),
    }))
}

/// Rows in the tables a benchmark needs empty before it writes a synthetic
/// log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScratchCounts {
    pub receipts: i64,
    pub allocations: i64,
    pub entries: i64,
    pub heads: i64,
}

impl ScratchCounts {
    /// No business row and no ledger: safe to fill with synthetic leaves.
    pub fn is_empty(&self) -> bool {
        *self
            == ScratchCounts {
                receipts: 0,
                allocations: 0,
                entries: 0,
                heads: 0,
            }
    }
}

pub async fn scratch_counts(db: &Db) -> Result<ScratchCounts, StorageError> {
    let (receipts, allocations, entries, heads): (i64, i64, i64, i64) = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT (SELECT CAST(COUNT(*) AS BIGINT) FROM receipts), \
             (SELECT CAST(COUNT(*) AS BIGINT) FROM allocations), \
             (SELECT CAST(COUNT(*) AS BIGINT) FROM ledger_entries), \
             (SELECT CAST(COUNT(*) AS BIGINT) FROM ledger_heads)",
        )
        .fetch_one(pool)
        .await?
    });
    Ok(ScratchCounts {
        receipts,
        allocations,
        entries,
        heads,
    })
}

/// Deletes every leaf, head and key of a log that records no business row
/// (a benchmark's synthetic log, between runs). Returns `Ok(false)`, and
/// deletes nothing, when any receipt or allocation exists: a real ledger is
/// never cleared.
pub async fn clear_unbacked_log(db: &Db) -> Result<bool, StorageError> {
    let cleared = crate::db_tx!(db, |tx| {
        let (business,): (i64,) = sqlx::query_as(
            "SELECT CAST((SELECT COUNT(*) FROM receipts) + (SELECT COUNT(*) FROM allocations) AS BIGINT)",
        )
        .fetch_one(&mut *tx)
        .await?;
        if business == 0 {
            for sql in [
                "DELETE FROM ledger_heads",
                "DELETE FROM ledger_entries",
                "DELETE FROM ledger_keys",
            ] {
                sqlx::query(sql).execute(&mut *tx).await?;
            }
        }
        business == 0
    });
    Ok(cleared)
}

/// How many leaves of each kind the log holds, by kind.
pub async fn count_by_kind(db: &Db) -> Result<Vec<(String, i64)>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT kind, CAST(COUNT(*) AS BIGINT) FROM ledger_entries GROUP BY kind ORDER BY kind",
        )
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}
