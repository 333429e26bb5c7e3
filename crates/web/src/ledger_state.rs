//! The ledger as the server holds it: the in-memory Merkle tree (synced
//! from the database), the signing key, and when to publish a new head.

use std::time::Duration;

use chrono::{DateTime, Utc};
use storage::Db;
use storage::ledger::{StoredHead, TreeCache};

/// A new head is published on request when the tree has grown and the
/// latest head is at least this old…
const FRESH_AFTER: Duration = Duration::from_secs(60);
/// …and in any case when the latest head is a day old.
const DAILY: Duration = Duration::from_secs(24 * 3600);

pub struct LedgerState {
    pub cache: TreeCache,
    key: ledger::SigningKey,
    publishing: tokio::sync::Mutex<()>,
}

impl LedgerState {
    pub fn new(key: ledger::SigningKey) -> Self {
        LedgerState {
            cache: TreeCache::new(),
            key,
            publishing: tokio::sync::Mutex::new(()),
        }
    }

    /// A key that lives only as long as the process (tests).
    pub fn ephemeral() -> Self {
        let mut seed = [0u8; 32];
        // getrandom only fails when the OS has no randomness at all.
        if getrandom::fill(&mut seed).is_err() {
            seed = [7u8; 32];
        }
        Self::new(ledger::signing_key_from_seed(seed))
    }

    pub fn verifying_key(&self) -> ledger::VerifyingKey {
        self.key.verifying_key()
    }

    /// Brings the tree up to date; returns its size.
    pub async fn sync(&self, db: &Db) -> Result<u64, storage::StorageError> {
        self.cache.sync(db).await
    }

    /// The head to show now: the latest published one, or a new one when
    /// the tree has grown since (at most once a minute) or a day has passed.
    pub async fn current_head(
        &self,
        db: &Db,
        now: DateTime<Utc>,
    ) -> Result<StoredHead, storage::StorageError> {
        let _guard = self.publishing.lock().await;
        let size = self.sync(db).await?;
        let latest = storage::ledger::latest_head(db).await?;
        if let Some(h) = &latest {
            let age_ms = now.timestamp_millis().saturating_sub(h.timestamp_ms);
            let age = Duration::from_millis(u64::try_from(age_ms).unwrap_or(0));
            let grew = u64::try_from(h.tree_size).unwrap_or(0) < size;
            if age < DAILY && (!grew || age < FRESH_AFTER) {
                return Ok(h.clone());
            }
        }
        storage::ledger::publish_head(db, &self.cache, &self.key, now).await
    }

    /// Publishes a head now (the daily task, `chungtay ledger sign`).
    pub async fn publish(
        &self,
        db: &Db,
        now: DateTime<Utc>,
    ) -> Result<StoredHead, storage::StorageError> {
        let _guard = self.publishing.lock().await;
        storage::ledger::publish_head(db, &self.cache, &self.key, now).await
    }
}
