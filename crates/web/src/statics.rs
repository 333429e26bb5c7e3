//! Static files, embedded in the binary and served with a content hash in
//! their name so that browsers cache them for a year.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use crate::state::AppState;

const CSS: &str = include_str!("../static/app.css");
/// The in-browser check of a ledger entry (the public receipt page).
const VERIFY_JS: &str = include_str!("../static/verify.js");

fn hashed(stem: &str, ext: &str, content: &str) -> String {
    let digest = Sha256::digest(content.as_bytes());
    let short: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("/static/{stem}.{short}.{ext}")
}

static CSS_PATH: LazyLock<String> = LazyLock::new(|| hashed("app", "css", CSS));
static VERIFY_JS_PATH: LazyLock<String> = LazyLock::new(|| hashed("verify", "js", VERIFY_JS));

pub fn css_path() -> &'static str {
    CSS_PATH.as_str()
}

pub fn verify_js_path() -> &'static str {
    VERIFY_JS_PATH.as_str()
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/static/{file}", get(serve))
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
}

async fn serve(Path(file): Path<String>) -> Response {
    let path = format!("/static/{file}");
    let (kind, body) = if path == css_path() {
        ("text/css; charset=utf-8", CSS)
    } else if path == verify_js_path() {
        ("text/javascript; charset=utf-8", VERIFY_JS)
    } else {
        return crate::error::AppError::NotFound.into_response();
    };
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        body,
    )
        .into_response()
}
