#![recursion_limit = "256"]
//! The web layer: the only crate that knows HTTP, HTML, cookies and JSON.
//!
//! Pages are server-rendered (askama) and work without JavaScript; every
//! form is a plain POST answered by a 303 redirect. The JSON API lives under
//! `/api/v1` and is described by `/api/v1/openapi.json`.
//!
//! Request flow: [`context::resolve`] turns the session cookie or bearer
//! token into a [`context::Ctx`] (actor, language, CSRF token) → the CSRF
//! check refuses state-changing requests without a valid token → handlers
//! ask [`guard::require`] (the one authorisation gate, backed by
//! `domain::authz`) before they touch data → storage queries are filtered by
//! the actor's `Visibility`.

mod api;
mod auth;
mod context;
mod csrf;
mod error;
mod guard;
mod ledger_state;
pub mod mail;
mod pages;
mod state;
mod statics;
mod view;

pub use auth::password::{PasswordError, hash_password};
pub use auth::tokens::{hash_token, new_token};
pub use ledger_state::LedgerState;
pub use pages::open_data::{
    ANONYMOUS as ANONYMOUS_DONOR, DATASETS as OPEN_DATASETS, Dataset as OpenDataset,
    REPORTING_ORG_REF as IATI_REPORTING_ORG, dac_sector,
};
pub use pages::reporting::{Chores, housekeeping};
pub use state::{AppState, WebConfig};

use axum::Router;
use axum::middleware;
use tower_http::compression::CompressionLayer;

/// The whole application router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(pages::router())
        .merge(api::router())
        .merge(statics::router())
        .fallback(error::not_found)
        .layer(middleware::from_fn_with_state(state.clone(), csrf::check))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            context::resolve,
        ))
        .layer(middleware::from_fn(error::security_headers))
        .layer(CompressionLayer::new())
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            error::panic_response,
        ))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            4 * 1024 * 1024,
        ))
        .with_state(state)
}

/// Serve until Ctrl-C / SIGTERM.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let app = router(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
