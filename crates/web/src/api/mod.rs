//! The JSON API under `/api/v1`, plus `/healthz` and `/readyz`.
//! Integrations authenticate with `Authorization: Bearer <token>`.

mod admin_units;
mod catalogue;
mod children;
mod flows;
mod gifts;
mod imports;
mod instalments;
mod ledger;
mod me;
mod money;
mod needs;
mod openapi;
mod proposals;
mod public;
mod reversals;
mod stores;

pub(crate) use public::is_json;

use axum::Router;
use axum::routing::{get, post, put};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(health))
        .route("/readyz", get(ready))
        .route("/api/v1/openapi.json", get(openapi::document))
        .route("/api/v1/admin-units", get(admin_units::list))
        .route("/api/v1/admin-units/{code}", get(admin_units::one))
        .route(
            "/api/v1/admin-units/{code}/lineage",
            get(admin_units::lineage),
        )
        .route("/api/v1/me", get(me::me))
        .route("/api/v1/children", get(children::list))
        .route("/api/v1/organisations", get(me::organisations))
        .route("/api/v1/needs", get(needs::list).post(needs::create))
        .route("/api/v1/needs/{id}", get(needs::one))
        .route("/api/v1/needs/{id}/status", post(needs::change_status))
        .route("/api/v1/allocations", post(needs::allocate))
        .route("/api/v1/allocations/proposals", post(proposals::propose))
        .route(
            "/api/v1/allocations/proposals/{token}/accept",
            post(proposals::accept),
        )
        .route("/api/v1/public/needs/{id}/pledges", post(public::pledge))
        .route("/api/v1/catalogue", get(needs::catalogue))
        .route("/api/v1/catalogue/periods", post(catalogue::create_period))
        .route(
            "/api/v1/catalogue/age-bands",
            get(catalogue::age_bands).post(catalogue::create_age_band),
        )
        .route(
            "/api/v1/catalogue/age-bands/{code}",
            put(catalogue::update_age_band).delete(catalogue::delete_age_band),
        )
        .route(
            "/api/v1/catalogue/packages",
            post(catalogue::create_package),
        )
        .route(
            "/api/v1/donors",
            get(needs::donors).post(needs::create_donor),
        )
        .route("/api/v1/donors/{id}/gifts", get(gifts::donor))
        .route("/api/v1/imports/needs", post(imports::needs))
        .route("/api/v1/imports/donors", post(imports::donors))
        .route(
            "/api/v1/pledges",
            get(needs::pledges).post(needs::create_pledge),
        )
        .route("/api/v1/pledges/{id}/commit", post(needs::commit_pledge))
        .route(
            "/api/v1/pledges/{id}/instalments",
            get(instalments::get).put(instalments::put),
        )
        .route(
            "/api/v1/receipts",
            get(flows::receipts).post(flows::create_receipt),
        )
        .route(
            "/api/v1/deliveries",
            get(flows::deliveries).post(flows::create_delivery),
        )
        .route("/api/v1/deliveries/{id}", get(flows::delivery))
        .route("/api/v1/deliveries/{id}/handover", post(flows::hand_over))
        .route("/api/v1/deliveries/{id}/acceptance", post(flows::accept))
        .route("/api/v1/deliveries/{id}/cosign", post(flows::cosign))
        .route("/api/v1/nonconformities/{id}/resolve", post(flows::resolve))
        .route("/api/v1/rollups", get(flows::rollups))
        .route("/api/v1/flows", get(money::list))
        .route("/api/v1/transfers", post(money::transfer))
        .route("/api/v1/expenditures", post(money::spend))
        .route("/api/v1/reversals", post(reversals::create))
        .route("/api/v1/stores", get(stores::list).post(stores::create))
        .route("/api/v1/stores/{id}", get(stores::one))
        .route("/api/v1/stores/{id}/adjustments", post(stores::adjust))
        .route("/api/v1/stores/{id}/counts", post(stores::count))
        .route("/api/v1/ledger/key", get(ledger::key))
        .route("/api/v1/ledger/keys", get(ledger::keys))
        .route("/api/v1/ledger/sth", get(ledger::sth))
        .route("/api/v1/ledger/sths", get(ledger::sths))
        .route("/api/v1/ledger/entries", get(ledger::entries))
        .route("/api/v1/ledger/proof/inclusion", get(ledger::inclusion))
        .route("/api/v1/ledger/proof/consistency", get(ledger::consistency))
}

async fn health() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({"status": "alive"}))
}

async fn ready(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match state.db.ping().await {
        Ok(()) => axum::Json(serde_json::json!({"status": "ready"})).into_response(),
        Err(e) => {
            tracing::warn!(cause = %e, "database not reachable");
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(
                    serde_json::json!({"status": "unavailable", "error": "database_unreachable"}),
                ),
            )
                .into_response()
        }
    }
}

/// Reads and validates the `on` query parameter (`YYYY-MM-DD`, default today).
pub(crate) fn on_date(raw: Option<&str>) -> Result<chrono::NaiveDate, crate::error::AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(chrono::Utc::now().date_naive()),
        Some(s) => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| crate::error::AppError::bad("api-bad-date", s)),
    }
}
