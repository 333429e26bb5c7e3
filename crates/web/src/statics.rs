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

static CSS_PATH: LazyLock<String> = LazyLock::new(|| {
    let digest = Sha256::digest(CSS.as_bytes());
    let short: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("/static/app.{short}.css")
});

pub fn css_path() -> &'static str {
    CSS_PATH.as_str()
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/static/{file}", get(serve))
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
}

async fn serve(Path(file): Path<String>) -> Response {
    if format!("/static/{file}") == css_path() {
        (
            [
                (header::CONTENT_TYPE, "text/css; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            CSS,
        )
            .into_response()
    } else {
        crate::error::AppError::NotFound.into_response()
    }
}
