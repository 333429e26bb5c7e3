//! Shared state handed to every handler.

use std::sync::Arc;
use std::time::Duration;

use storage::Db;

use crate::auth::rate_limit::LoginLimiter;

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
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: false,
            session_idle: Duration::from_secs(2 * 3600),
            session_absolute: Duration::from_secs(12 * 3600),
            login_failures_per_minute: 5,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<WebConfig>,
    pub(crate) limiter: Arc<LoginLimiter>,
}

impl AppState {
    pub fn new(db: Db, config: WebConfig) -> Self {
        let limiter = Arc::new(LoginLimiter::new(config.login_failures_per_minute));
        AppState {
            db,
            config: Arc::new(config),
            limiter,
        }
    }
}
