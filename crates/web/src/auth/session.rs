//! Session cookies: a random secret in an HttpOnly, SameSite=Lax cookie; the
//! database keeps its hash, the user, a CSRF token and the expiry times.

use chrono::{DateTime, Utc};
use storage::sessions::Session;

use crate::state::AppState;

pub const COOKIE: &str = "ct_sid";
pub const LANG_COOKIE: &str = "ct_lang";
/// CSRF token for forms shown before login (double-submit cookie).
pub const PRE_CSRF_COOKIE: &str = "ct_pre";

/// Opens a new session for a user; returns (cookie value, session row).
pub async fn open(
    state: &AppState,
    user_id: &str,
    now: DateTime<Utc>,
) -> Result<(String, Session), crate::error::AppError> {
    let secret = super::tokens::random_secret()?;
    let csrf = super::tokens::random_secret()?;
    let absolute = chrono::Duration::from_std(state.config.session_absolute)
        .unwrap_or_else(|_| chrono::Duration::hours(12));
    let session = Session {
        id_hash: super::tokens::hash_token(&secret),
        user_id: user_id.to_owned(),
        csrf_token: csrf,
        created_at: now,
        last_seen_at: now,
        expires_at: now + absolute,
    };
    storage::sessions::create(&state.db, &session).await?;
    Ok((secret, session))
}

/// The `Set-Cookie` value for a session secret.
pub fn cookie(state: &AppState, secret: &str) -> String {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!("{COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax{secure}")
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(state: &AppState) -> String {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
}

/// Reads one cookie from a `Cookie` header.
pub fn read_cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_by_exact_name() {
        let h = "a=1; ct_sid=xyz; ct_sidx=no";
        assert_eq!(read_cookie(h, "ct_sid"), Some("xyz"));
        assert_eq!(read_cookie(h, "b"), None);
    }
}
