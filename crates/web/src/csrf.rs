//! CSRF protection on every state-changing request.
//!
//! Two layers: (1) the browser's own signals — a cross-site `Origin` or
//! `Sec-Fetch-Site: cross-site` is refused; (2) a synchronizer token, from
//! the session (or, before login, a double-submit cookie), which every form
//! carries in a hidden `csrf` field (or the `X-Csrf-Token` header). Requests
//! authenticated by a bearer token carry no cookies and are exempt, and so
//! are JSON requests to the public API (`/api/v1/public/…`).

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::auth::tokens::same;
use crate::context::Ctx;
use crate::error::AppError;
use crate::state::AppState;

const MAX_FORM: usize = 4 * 1024 * 1024;

fn cross_site(req: &Request) -> bool {
    let h = req.headers();
    if h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return true;
    }
    match (
        h.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        h.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        (Some(origin), Some(host)) if origin != "null" => {
            let origin_host = origin.split("://").nth(1).unwrap_or(origin);
            origin_host != host
        }
        _ => false,
    }
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    url::form_urlencoded_parse(body)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// The value of a small text field of a `multipart/form-data` body (the
/// `csrf` field of an upload form), found without parsing the files.
fn multipart_field(body: &[u8], name: &str) -> Option<String> {
    let needle = format!("name=\"{name}\"");
    let at = body
        .windows(needle.len())
        .position(|w| w == needle.as_bytes())?;
    let rest = &body[at + needle.len()..];
    let start = rest.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let value = &rest[start..];
    let end = value.windows(2).position(|w| w == b"\r\n")?;
    String::from_utf8(value[..end].to_vec()).ok()
}

/// Minimal `application/x-www-form-urlencoded` parsing, enough to find the
/// token without consuming the body for the handler.
mod url {
    pub fn form_urlencoded_parse(body: &[u8]) -> Vec<(String, String)> {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).unwrap_or_default()
    }
}

pub async fn check(State(_state): State<AppState>, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe {
        return next.run(req).await;
    }
    let Some(ctx) = req.extensions().get::<Ctx>().cloned() else {
        return next.run(req).await;
    };
    if ctx.via_token {
        return next.run(req).await;
    }
    if cross_site(&req) {
        return AppError::Csrf.into_response_for(&ctx);
    }
    // The public API (`/api/v1/public/…`, no login) takes JSON only: a
    // cross-site form cannot send it, and a cross-site script would need a
    // CORS answer this server never gives. Its handlers refuse any other
    // content type.
    if req.uri().path().starts_with("/api/v1/public/") && crate::api::is_json(req.headers()) {
        return next.run(req).await;
    }
    let Some(expected) = ctx.csrf.clone() else {
        return AppError::Csrf.into_response_for(&ctx);
    };
    if let Some(h) = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        if same(h, &expected) {
            return next.run(req).await;
        }
        return AppError::Csrf.into_response_for(&ctx);
    }
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_FORM).await else {
        return AppError::Csrf.into_response_for(&ctx);
    };
    let token = if multipart {
        multipart_field(&bytes, "csrf")
    } else {
        form_field(&bytes, "csrf")
    };
    match token {
        Some(token) if same(&token, &expected) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        _ => AppError::Csrf.into_response_for(&ctx),
    }
}
