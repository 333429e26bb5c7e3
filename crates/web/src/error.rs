//! Errors as people see them: a friendly page in their language (or JSON
//! under `/api/`), never a stack trace. A 500 shows an id the user can quote;
//! the cause is logged with the same id.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use domain::authz::Denial;
use i18n::{Lang, t, tf};
use serde_json::json;

use crate::context::Ctx;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("denied: {0:?}")]
    Denied(Denial),
    #[error("CSRF token missing or invalid")]
    Csrf,
    /// A malformed request: the message key names what is wrong.
    #[error("bad request: {key}")]
    BadRequest { key: &'static str, detail: String },
    /// Too many attempts from one address: `key` says which (failed
    /// logins, public pledges) and takes `$seconds`.
    #[error("rate limited ({key}); retry after {seconds}s")]
    RateLimited { seconds: u64, key: &'static str },
    #[error("storage: {0}")]
    Storage(#[from] storage::StorageError),
    #[error("template: {0}")]
    Template(#[from] askama::Error),
    #[error("randomness unavailable: {0}")]
    Rng(#[from] getrandom::Error),
    #[error("password hashing: {0}")]
    Password(#[from] crate::auth::password::PasswordError),
    #[error("task: {0}")]
    Join(#[from] tokio::task::JoinError),
}

/// Carried by an error response until the context layer renders it in the
/// request's language.
#[derive(Clone)]
pub struct Rendered(pub std::sync::Arc<AppError>);

impl AppError {
    pub fn bad(key: &'static str, detail: impl Into<String>) -> Self {
        AppError::BadRequest {
            key,
            detail: detail.into(),
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Denied(Denial::NotLoggedIn) => StatusCode::UNAUTHORIZED,
            AppError::Denied(_) | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Storage(storage::StorageError::NotFound { .. }) => StatusCode::NOT_FOUND,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            AppError::NotFound => "not_found",
            AppError::Denied(Denial::NotLoggedIn) => "not_logged_in",
            AppError::Denied(_) => "forbidden",
            AppError::Csrf => "csrf",
            AppError::BadRequest { .. } => "bad_request",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::Storage(storage::StorageError::NotFound { .. }) => "not_found",
            _ => "internal",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match self {
            AppError::NotFound | AppError::Storage(storage::StorageError::NotFound { .. }) => {
                t(lang, "error-404-text")
            }
            AppError::Denied(d) => t(lang, d.message_key()),
            AppError::Csrf => t(lang, "error-csrf"),
            AppError::BadRequest { key, detail } => tf(lang, key, &[("detail", detail.as_str())]),
            AppError::RateLimited { seconds, key } => {
                tf(lang, key, &[("seconds", &seconds.to_string())])
            }
            _ => t(lang, "error-500-text"),
        }
    }

    /// Render for a known context: JSON under `/api/`, else an HTML page.
    pub fn into_response_for(self, ctx: &Ctx) -> Response {
        let status = self.status();
        let error_id = if status == StatusCode::INTERNAL_SERVER_ERROR {
            let id = storage::new_id();
            tracing::error!(error_id = %id, path = %ctx.path, cause = %self, "request failed");
            Some(id)
        } else {
            None
        };
        let lang = ctx.lang;
        let message = self.message(lang);
        let mut resp = if ctx.is_api() {
            let mut body = json!({"error": self.code(), "message": message});
            if let Some(id) = &error_id {
                body["error_id"] = json!(id);
            }
            (status, Json(body)).into_response()
        } else {
            let page = crate::view::ErrorPage::new(ctx, status.as_u16(), message, error_id);
            let html = page.render_html().unwrap_or_else(|_| fallback_html(status));
            (status, Html(html)).into_response()
        };
        if let AppError::RateLimited { seconds, .. } = &self
            && let Ok(v) = HeaderValue::from_str(&seconds.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

fn fallback_html(status: StatusCode) -> String {
    format!(
        "<!doctype html><meta charset=utf-8><title>{0}</title><h1>{0}</h1><p>Đã xảy ra lỗi. / An error occurred.</p>",
        status.as_u16()
    )
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut resp = self.status().into_response();
        resp.extensions_mut()
            .insert(Rendered(std::sync::Arc::new(self)));
        resp
    }
}

/// Fallback for unknown paths.
pub async fn not_found() -> AppError {
    AppError::NotFound
}

/// A panic in a handler becomes a 500 page with an id; the panic is logged.
pub fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let id = storage::new_id();
    let cause = err
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default();
    tracing::error!(error_id = %id, cause = %cause, "handler panicked");
    let html = format!(
        "<!doctype html><html lang=vi><meta charset=utf-8><meta name=viewport content=\"width=device-width\">\
         <title>500</title><h1>Đã xảy ra lỗi</h1><p>Mã lỗi / error id: <code>{id}</code></p><p><a href=\"/\">Trang chủ</a></p>"
    );
    (StatusCode::INTERNAL_SERVER_ERROR, Html(html)).into_response()
}

/// Security headers on every response.
pub async fn security_headers(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k: &'static str, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(
        h,
        "content-security-policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
         frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
    );
    set(h, "x-content-type-options", "nosniff");
    set(h, "referrer-policy", "same-origin");
    set(h, "x-frame-options", "DENY");
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(path: &str) -> Ctx {
        Ctx {
            actor: domain::authz::Actor::public(),
            user: None,
            lang: Lang::Vi,
            csrf: None,
            session_hash: None,
            via_token: false,
            set_pre_csrf: None,
            path: path.into(),
            path_and_query: path.into(),
            origin: "http://localhost".into(),
        }
    }

    async fn body_of(resp: Response) -> String {
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[tokio::test]
    async fn an_internal_error_page_shows_an_id_and_no_cause() {
        let err = AppError::Storage(storage::StorageError::Corrupt("secret table detail".into()));
        let resp = err.into_response_for(&ctx("/needs"));
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let html = body_of(resp).await;
        assert!(html.contains("data-testid=\"error-id\""), "{html}");
        assert!(html.contains("Đã xảy ra lỗi"));
        assert!(
            !html.contains("secret table detail"),
            "the cause is logged, not shown"
        );
    }

    #[tokio::test]
    async fn an_internal_api_error_is_json_with_an_id() {
        let err = AppError::Storage(storage::StorageError::Corrupt("x".into()));
        let resp = err.into_response_for(&ctx("/api/v1/needs"));
        let v: serde_json::Value = serde_json::from_str(&body_of(resp).await).unwrap_or_default();
        assert_eq!(v["error"], "internal");
        assert!(v["error_id"].as_str().is_some_and(|id| id.len() > 20));
    }

    #[tokio::test]
    async fn a_panic_becomes_a_500_page_with_an_id() {
        let resp = panic_response(Box::new("boom"));
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let html = body_of(resp).await;
        assert!(html.contains("error id") && !html.contains("boom"));
    }
}
