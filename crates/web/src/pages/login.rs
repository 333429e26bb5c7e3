//! Login, logout and the language switch.

use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use askama::Template;
use axum::Extension;
use axum::extract::{ConnectInfo, Form, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;

use crate::auth::{password, session};
use crate::context::Ctx;
use crate::error::AppError;
use crate::state::AppState;
use crate::view::Page;

use super::{render, safe_next, see_other};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    p: Page,
    error: Option<String>,
    username: String,
    next: String,
}

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: Option<String>,
}

pub async fn form(
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<NextQuery>,
) -> Result<Response, AppError> {
    if ctx.user.is_some() {
        return Ok(see_other("/home"));
    }
    render(&LoginPage {
        p: Page::new(&ctx, "login-title"),
        error: None,
        username: String::new(),
        next: safe_next(q.next.as_deref().unwrap_or("/home")).to_owned(),
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: String,
}

/// The client's address as the socket saw it (no proxy headers are trusted:
/// `X-Forwarded-For` is spoofable). Without connection info — in tests
/// driven through `oneshot` — the loopback address stands in.
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([127, 0, 0, 1]), |c| c.0.ip());
        Ok(ClientIp(ip))
    }
}

pub async fn submit(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    ClientIp(ip): ClientIp,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    if let Err(seconds) = state.limiter.check(ip, Instant::now()) {
        return Err(AppError::RateLimited {
            seconds,
            key: "login-retry-after",
        });
    }
    let username = domain::text::clean(&form.username);
    let found = storage::users::find_for_login(&state.db, &username).await?;
    let hash = found.as_ref().map(|(_, h)| h.clone());
    let pw = form.password.clone();
    let ok = tokio::task::spawn_blocking(move || password::verify(&pw, hash.as_deref())).await?;
    let user = match found {
        Some((user, _)) if ok && user.active => user,
        _ => {
            state.limiter.record_failure(ip, Instant::now());
            tracing::info!(%ip, "failed login");
            let page = LoginPage {
                p: Page::new(&ctx, "login-title"),
                error: Some(i18n::t(ctx.lang, "login-failed")),
                username,
                next: safe_next(&form.next).to_owned(),
            };
            let html = page.render()?;
            return Ok((
                axum::http::StatusCode::UNAUTHORIZED,
                axum::response::Html(html),
            )
                .into_response());
        }
    };
    state.limiter.clear(ip);
    // Rotate: whatever session the browser had ends here.
    if let Some(old) = &ctx.session_hash {
        storage::sessions::delete(&state.db, old).await?;
    }
    let (secret, _) = session::open(&state, &user.id, Utc::now()).await?;
    let mut resp = see_other(safe_next(&form.next));
    if let Ok(v) = session::cookie(&state, &secret).parse() {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}

pub async fn logout(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, AppError> {
    if let Some(hash) = &ctx.session_hash {
        storage::sessions::delete(&state.db, hash).await?;
    }
    let mut resp = see_other("/");
    if let Ok(v) = session::clear_cookie(&state).parse() {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}

pub async fn switch_lang(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(code): Path<String>,
    Query(q): Query<NextQuery>,
) -> Result<Response, AppError> {
    let lang = i18n::Lang::from_code(&code).ok_or(AppError::NotFound)?;
    if let Some(user) = &ctx.user {
        storage::users::set_lang(&state.db, &user.id, lang.code()).await?;
    }
    let mut resp = see_other(safe_next(q.next.as_deref().unwrap_or("/")));
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{}={}; Path=/; Max-Age=31536000; SameSite=Lax{secure}",
        session::LANG_COOKIE,
        lang.code()
    );
    if let Ok(v) = cookie.parse() {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}
