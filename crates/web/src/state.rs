//! Shared state handed to every handler.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use storage::Db;

use crate::auth::rate_limit::LoginLimiter;
use crate::ledger_state::LedgerState;

/// Settings of the web layer (read by `app` from flags and environment).
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (behind HTTPS in production).
    pub secure_cookies: bool,
    /// A session ends after this long without a request…
    pub session_idle: Duration,
    /// …and at the latest after this long.
    pub session_absolute: Duration,
    /// Failed logins allowed per address per minute before 429.
    pub login_failures_per_minute: usize,
    /// Public pledges (no login) accepted per address per minute before 429:
    /// a script cannot flood the coordinator's queue of offers.
    pub public_pledges_per_minute: usize,
    /// Where notices are e-mailed (`CHUNGTAY_SMTP_URL`); none: shown in
    /// the app only.
    pub smtp: Option<crate::mail::SmtpConfig>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: false,
            session_idle: Duration::from_secs(2 * 3600),
            session_absolute: Duration::from_secs(12 * 3600),
            login_failures_per_minute: 5,
            public_pledges_per_minute: 10,
            smtp: None,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<WebConfig>,
    pub(crate) limiter: Arc<LoginLimiter>,
    /// Public pledges per address (the same sliding minute).
    pub(crate) pledge_limiter: Arc<LoginLimiter>,
    /// Expanded scopes by the unit codes a user was given. The map of units
    /// is reference data loaded before the server starts, so an expansion
    /// never goes stale while the process runs.
    pub(crate) scopes: Arc<ScopeCache>,
    /// The public ledger's tree and signing key.
    pub ledger: Arc<LedgerState>,
    /// The key of the children's personal-ID hash (a file outside the
    /// database; one per process when none is given).
    pub registry_key: Arc<storage::registry::PidKey>,
}

/// Unit codes as stored → their expansion (descendants and predecessors).
#[derive(Default)]
pub(crate) struct ScopeCache {
    map: Mutex<HashMap<Vec<String>, BTreeSet<String>>>,
}

impl ScopeCache {
    pub(crate) fn get(&self, codes: &[String]) -> Option<BTreeSet<String>> {
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        map.get(codes).cloned()
    }

    pub(crate) fn put(&self, codes: Vec<String>, expanded: BTreeSet<String>) {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        // Distinct scopes are few (one per area); bound it all the same.
        if map.len() >= 10_000 {
            map.clear();
        }
        map.insert(codes, expanded);
    }
}

impl AppState {
    pub fn new(db: Db, config: WebConfig) -> Self {
        let limiter = Arc::new(LoginLimiter::new(config.login_failures_per_minute));
        let pledge_limiter = Arc::new(LoginLimiter::new(config.public_pledges_per_minute));
        AppState {
            pledge_limiter,
            db,
            config: Arc::new(config),
            limiter,
            scopes: Arc::new(ScopeCache::default()),
            ledger: Arc::new(LedgerState::ephemeral()),
            registry_key: Arc::new(storage::registry::PidKey::ephemeral()),
        }
    }

    /// Hashes children's personal IDs with this key (the server's, kept in
    /// a file outside the database).
    pub fn with_registry_key(mut self, key: storage::registry::PidKey) -> Self {
        self.registry_key = Arc::new(key);
        self
    }

    /// Signs tree heads with this key (the server's, kept in a file).
    pub fn with_signing_key(mut self, key: ledger::SigningKey) -> Self {
        self.ledger = Arc::new(LedgerState::new(key));
        self
    }
}
