//! `chungtay ledger verify`: recompute every leaf from the business tables,
//! rebuild the tree from the stored leaves, and check every stored tree
//! head and its signature. The first problem is named.

use std::collections::HashMap;

use base64::Engine;

use super::leaves::{
    self, AllocationFacts, AmendmentFacts, DistributionFacts, ExpenditureFacts, ReceiptFacts,
    ReversalFacts, TransferFacts,
};
use super::{
    StoredHead, StoredKey, allocation_leaf, amendment_leaf, distribution_leaf, expenditure_leaf,
    first_difference, hex, receipt_leaf, reversal_leaf, transfer_leaf,
};
use crate::{Db, StorageError, db_run};

/// What a clean run checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub entries: u64,
    pub heads: usize,
    /// Leaves whose donor name differs from the donors table today (a
    /// corrected name or withdrawn consent — not tampering).
    pub renamed_donors: u64,
    pub root_hash: String,
}

/// The first thing that does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyProblem {
    /// Indexes must run 0, 1, 2 …
    Gap { expected: i64, found: i64 },
    /// The stored leaf hash is not SHA-256(0x00 ‖ leaf).
    LeafHash { idx: i64 },
    /// The leaf no longer matches its business row.
    Mismatch {
        idx: i64,
        kind: String,
        ref_id: String,
        field: String,
    },
    /// The business row the leaf records is gone.
    Orphan {
        idx: i64,
        kind: String,
        ref_id: String,
    },
    /// A business row that should be in the ledger is not.
    Missing { kind: String, ref_id: String },
    /// A stored head does not match the rebuilt tree or its signature.
    Head {
        timestamp_ms: i64,
        tree_size: i64,
        reason: String,
    },
}

impl std::fmt::Display for VerifyProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VerifyProblem::Gap { expected, found } => {
                write!(
                    f,
                    "entry {expected} is missing (next stored index is {found})"
                )
            }
            VerifyProblem::LeafHash { idx } => {
                write!(
                    f,
                    "entry {idx}: stored leaf hash is not SHA-256(0x00 || leaf)"
                )
            }
            VerifyProblem::Mismatch {
                idx,
                kind,
                ref_id,
                field,
            } => write!(
                f,
                "entry {idx} ({kind} {ref_id}): field \"{field}\" differs from the database"
            ),
            VerifyProblem::Orphan { idx, kind, ref_id } => {
                write!(f, "entry {idx}: the {kind} {ref_id} it records is gone")
            }
            VerifyProblem::Missing { kind, ref_id } => {
                write!(f, "{kind} {ref_id} has no ledger entry")
            }
            VerifyProblem::Head {
                timestamp_ms,
                tree_size,
                reason,
            } => write!(
                f,
                "tree head of {timestamp_ms} (size {tree_size}): {reason}"
            ),
        }
    }
}

const PAGE: i64 = 50_000;

/// idx, kind, ref_id, leaf, leaf_hash.
type StoredRow = (i64, String, String, Vec<u8>, Vec<u8>);

/// Verifies the whole ledger. `Ok(Err(problem))` names the first problem.
pub async fn verify(db: &Db) -> Result<Result<VerifyReport, VerifyProblem>, StorageError> {
    let receipts: Vec<ReceiptFacts> = db_run!(db, |pool| {
        sqlx::query_as::<_, ReceiptFacts>(sqlx::AssertSqlSafe(leaves::RECEIPT_FACTS))
            .fetch_all(pool)
            .await?
    });
    let allocations: Vec<AllocationFacts> = db_run!(db, |pool| {
        sqlx::query_as::<_, AllocationFacts>(sqlx::AssertSqlSafe(leaves::ALLOCATION_FACTS))
            .fetch_all(pool)
            .await?
    });
    let distributions: Vec<DistributionFacts> = db_run!(db, |pool| {
        sqlx::query_as::<_, DistributionFacts>(sqlx::AssertSqlSafe(leaves::DISTRIBUTION_FACTS))
            .fetch_all(pool)
            .await?
    });
    let amendments: Vec<AmendmentFacts> = db_run!(db, |pool| {
        sqlx::query_as::<_, AmendmentFacts>(sqlx::AssertSqlSafe(leaves::AMENDMENT_FACTS))
            .fetch_all(pool)
            .await?
    });
    let transfers: Vec<TransferFacts> = db_run!(db, |pool| {
        sqlx::query_as::<_, TransferFacts>(sqlx::AssertSqlSafe(leaves::TRANSFER_FACTS))
            .fetch_all(pool)
            .await?
    });
    let expenditures: Vec<ExpenditureFacts> = db_run!(db, |pool| {
        sqlx::query_as::<_, ExpenditureFacts>(sqlx::AssertSqlSafe(leaves::EXPENDITURE_FACTS))
            .fetch_all(pool)
            .await?
    });
    let reversals: Vec<ReversalFacts> = db_run!(db, |pool| {
        sqlx::query_as::<_, ReversalFacts>(sqlx::AssertSqlSafe(leaves::REVERSAL_FACTS))
            .fetch_all(pool)
            .await?
    });
    let mut reversals: HashMap<String, ReversalFacts> =
        reversals.into_iter().map(|v| (v.id.clone(), v)).collect();
    let mut transfers: HashMap<String, TransferFacts> =
        transfers.into_iter().map(|t| (t.id.clone(), t)).collect();
    let mut expenditures: HashMap<String, ExpenditureFacts> = expenditures
        .into_iter()
        .map(|e| (e.id.clone(), e))
        .collect();
    // A delivery only planned has no leaf (yet).
    let mut distributions: HashMap<String, DistributionFacts> = distributions
        .into_iter()
        .filter(|d| d.handed_over_on.is_some())
        .map(|d| (d.id.clone(), d))
        .collect();
    let mut amendments: HashMap<String, AmendmentFacts> =
        amendments.into_iter().map(|a| (a.id.clone(), a)).collect();
    let mut receipts: HashMap<String, ReceiptFacts> =
        receipts.into_iter().map(|r| (r.id.clone(), r)).collect();
    let mut allocations: HashMap<String, AllocationFacts> =
        allocations.into_iter().map(|a| (a.id.clone(), a)).collect();

    let mut hashes: Vec<ledger::Hash> = Vec::new();
    let mut renamed = 0u64;
    let mut start = 0i64;
    loop {
        let page: Vec<StoredRow> = db_run!(db, |pool| {
            sqlx::query_as(
                "SELECT idx, kind, ref_id, leaf, leaf_hash FROM ledger_entries \
                 WHERE idx >= $1 ORDER BY idx LIMIT $2",
            )
            .bind(start)
            .bind(PAGE)
            .fetch_all(pool)
            .await?
        });
        if page.is_empty() {
            break;
        }
        for (idx, kind, ref_id, leaf, stored_hash) in page {
            let expected = hashes.len() as i64;
            if idx != expected {
                return Ok(Err(VerifyProblem::Gap {
                    expected,
                    found: idx,
                }));
            }
            let h = ledger::leaf_hash(&leaf);
            if stored_hash.as_slice() != h.as_slice() {
                return Ok(Err(VerifyProblem::LeafHash { idx }));
            }
            let recomputed = match kind.as_str() {
                "receipt" => receipts.remove(&ref_id).map(|f| receipt_leaf(&f)),
                "allocation" => allocations.remove(&ref_id).map(|f| allocation_leaf(&f)),
                "distribution" => distributions.remove(&ref_id).map(|f| distribution_leaf(&f)),
                "amendment" => amendments.remove(&ref_id).map(|f| amendment_leaf(&f)),
                "transfer" => transfers.remove(&ref_id).map(|f| transfer_leaf(&f)),
                "expenditure" => expenditures.remove(&ref_id).map(|f| expenditure_leaf(&f)),
                "reversal" => reversals.remove(&ref_id).map(|f| reversal_leaf(&f)),
                _ => None,
            };
            match recomputed {
                Some(r) => {
                    let r = r?;
                    if r != leaf {
                        match first_difference(&leaf, &r) {
                            Some(field) => {
                                return Ok(Err(VerifyProblem::Mismatch {
                                    idx,
                                    kind,
                                    ref_id,
                                    field,
                                }));
                            }
                            None => renamed += 1,
                        }
                    }
                }
                None if matches!(
                    kind.as_str(),
                    "receipt"
                        | "allocation"
                        | "distribution"
                        | "amendment"
                        | "transfer"
                        | "expenditure"
                        | "reversal"
                ) =>
                {
                    return Ok(Err(VerifyProblem::Orphan { idx, kind, ref_id }));
                }
                None => {}
            }
            hashes.push(h);
        }
        start = hashes.len() as i64;
    }
    // Rows nobody recorded, named in a stable order.
    let mut missing: Vec<(&str, &String)> = receipts
        .keys()
        .map(|k| ("receipt", k))
        .chain(allocations.keys().map(|k| ("allocation", k)))
        .chain(distributions.keys().map(|k| ("distribution", k)))
        .chain(amendments.keys().map(|k| ("amendment", k)))
        .chain(transfers.keys().map(|k| ("transfer", k)))
        .chain(expenditures.keys().map(|k| ("expenditure", k)))
        .chain(reversals.keys().map(|k| ("reversal", k)))
        .collect();
    missing.sort();
    if let Some((kind, id)) = missing.first() {
        return Ok(Err(VerifyProblem::Missing {
            kind: (*kind).to_owned(),
            ref_id: (*id).clone(),
        }));
    }

    let tree = ledger::Tree::from_leaf_hashes(hashes);
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
    let size = tree.len();
    let root = tree
        .root(size)
        .map_err(|e| StorageError::Corrupt(format!("ledger root: {e}")))?;
    Ok(Ok(VerifyReport {
        entries: size,
        heads: heads.len(),
        renamed_donors: renamed,
        root_hash: hex(&root),
    }))
}

pub(super) fn check_head(
    tree: &ledger::Tree,
    head: &StoredHead,
    keys: &HashMap<String, StoredKey>,
) -> Result<(), String> {
    let size = u64::try_from(head.tree_size).map_err(|_| "negative size".to_owned())?;
    let root = tree
        .root(size)
        .map_err(|e| format!("the log is shorter than the head: {e}"))?;
    if hex(&root) != head.root_hash {
        return Err("root hash differs from the rebuilt tree".into());
    }
    let key = keys
        .get(&head.key_id)
        .ok_or_else(|| format!("unknown key {}", head.key_id))?;
    let b64 = base64::engine::general_purpose::STANDARD;
    let pk: [u8; 32] = b64
        .decode(&key.public_key)
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or("malformed public key")?;
    let vk = ledger::VerifyingKey::from_bytes(&pk).map_err(|e| format!("public key: {e}"))?;
    let sig: [u8; 64] = b64
        .decode(&head.signature)
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or("malformed signature")?;
    let th = ledger::TreeHead {
        tree_size: size,
        root_hash: root,
        timestamp_ms: u64::try_from(head.timestamp_ms).map_err(|_| "negative timestamp")?,
    };
    th.verify(&vk, &sig)
        .map_err(|e| format!("signature does not verify: {e}"))
}
