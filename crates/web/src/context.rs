//! Who is asking, in which language: resolved once per request from the
//! session cookie or the bearer token, and handed to handlers as [`Ctx`].

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use chrono::Utc;
use domain::authz::{Actor, Role, Scope};
use i18n::Lang;
use storage::users::User;

use crate::auth::session::{COOKIE, LANG_COOKIE, PRE_CSRF_COOKIE, read_cookie};
use crate::auth::tokens::hash_token;
use crate::state::AppState;

/// The request's context.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub actor: Actor,
    pub user: Option<User>,
    pub lang: Lang,
    /// The session's CSRF token (logged in), or the pre-login token.
    pub csrf: Option<String>,
    /// Hash of the current session id, when logged in by cookie.
    pub session_hash: Option<String>,
    /// Logged in by `Authorization: Bearer`.
    pub via_token: bool,
    /// A pre-login CSRF cookie must be set on the response.
    pub set_pre_csrf: Option<String>,
    pub path: String,
    /// Path and query string, to come back to after a language switch.
    pub path_and_query: String,
    /// `scheme://host[:port]` as the client reached us (for links printed
    /// on paper, e.g. a receipt's public address).
    pub origin: String,
}

impl Ctx {
    pub fn is_api(&self) -> bool {
        self.path.starts_with("/api/")
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }
}

async fn actor_for(state: &AppState, user: &User) -> Result<Actor, storage::StorageError> {
    let role: Role = user.role.parse().unwrap_or(Role::Public);
    let scope = if role.is_scoped() {
        let codes = storage::users::scopes(&state.db, &user.id).await?;
        let expanded = match state.scopes.get(&codes) {
            Some(e) => e,
            None => {
                let e = storage::admin_units::expand_scope(&state.db, &codes).await?;
                state.scopes.put(codes, e.clone());
                e
            }
        };
        Scope::new(expanded)
    } else {
        Scope::default()
    };
    Ok(Actor {
        user_id: Some(user.id.clone()),
        role,
        scope,
    })
}

/// Middleware: resolve the context and store it in the request.
pub async fn resolve(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let cookies = req
        .headers()
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned());
    let path = req.uri().path().to_owned();
    let path_and_query = req
        .uri()
        .path_and_query()
        .map_or_else(|| path.clone(), |pq| pq.as_str().to_owned());
    let now = Utc::now();
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("localhost")
        .to_owned();
    let scheme = if state.config.secure_cookies {
        "https"
    } else {
        "http"
    };

    let mut ctx = Ctx {
        actor: Actor::public(),
        user: None,
        lang: read_cookie(&cookies, LANG_COOKIE)
            .and_then(Lang::from_code)
            .unwrap_or_default(),
        csrf: None,
        session_hash: None,
        via_token: false,
        set_pre_csrf: None,
        path,
        path_and_query,
        origin: format!("{scheme}://{host}"),
    };

    let resolved = async {
        if let Some(token) = bearer {
            if let Some(user_id) =
                storage::tokens::user_for(&state.db, &hash_token(&token), now).await?
                && let Some(user) = storage::users::get(&state.db, &user_id)
                    .await?
                    .filter(|u| u.active)
            {
                ctx.actor = actor_for(&state, &user).await?;
                ctx.user = Some(user);
                ctx.via_token = true;
            }
        } else if let Some(secret) = read_cookie(&cookies, COOKIE).filter(|s| !s.is_empty()) {
            let hash = hash_token(secret);
            if let Some(session) = storage::sessions::get(&state.db, &hash).await? {
                let idle = chrono::Duration::from_std(state.config.session_idle)
                    .unwrap_or_else(|_| chrono::Duration::hours(2));
                if session.expires_at <= now || session.last_seen_at + idle <= now {
                    storage::sessions::delete(&state.db, &hash).await?;
                } else if let Some(user) = storage::users::get(&state.db, &session.user_id)
                    .await?
                    .filter(|u| u.active)
                {
                    // Write the last-seen time at most once a minute.
                    if now - session.last_seen_at > chrono::Duration::seconds(60) {
                        storage::sessions::touch(&state.db, &hash, now).await?;
                    }
                    if read_cookie(&cookies, LANG_COOKIE).is_none() {
                        ctx.lang = Lang::from_code(&user.lang).unwrap_or_default();
                    }
                    ctx.actor = actor_for(&state, &user).await?;
                    ctx.user = Some(user);
                    ctx.csrf = Some(session.csrf_token);
                    ctx.session_hash = Some(hash);
                }
            }
        }
        Ok::<(), storage::StorageError>(())
    }
    .await;
    if let Err(err) = resolved {
        return crate::error::AppError::from(err).into_response_for(&ctx);
    }

    if ctx.user.is_none() && !ctx.is_api() {
        match read_cookie(&cookies, PRE_CSRF_COOKIE).filter(|v| v.len() >= 32) {
            Some(pre) => ctx.csrf = Some(pre.to_owned()),
            None => {
                if let Ok(pre) = crate::auth::tokens::random_secret() {
                    ctx.csrf = Some(pre.clone());
                    ctx.set_pre_csrf = Some(pre);
                }
            }
        }
    }

    let set_pre = ctx.set_pre_csrf.clone();
    let secure = state.config.secure_cookies;
    req.extensions_mut().insert(ctx);
    let ctx_for_errors = req.extensions().get::<Ctx>().cloned();
    let mut resp = next.run(req).await;
    if let Some(rendered) = resp.extensions_mut().remove::<crate::error::Rendered>()
        && let Some(ctx) = &ctx_for_errors
    {
        let err = std::sync::Arc::try_unwrap(rendered.0)
            .unwrap_or_else(|arc| crate::error::AppError::bad("error-generic", arc.to_string()));
        resp = err.into_response_for(ctx);
    }
    if let Some(pre) = set_pre {
        let secure = if secure { "; Secure" } else { "" };
        if let Ok(v) =
            format!("{PRE_CSRF_COOKIE}={pre}; Path=/; HttpOnly; SameSite=Strict{secure}").parse()
        {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}
