//! Server-rendered pages, one module per area. Every form is a plain POST
//! answered by a 303 redirect (or the same page with a message).

mod account;
mod admin_users;
mod audit;
pub(crate) mod catalogue;
mod children;
mod classifications;
mod consolidation;
pub(crate) mod deliveries;
mod donors;
mod exports;
pub(crate) mod flows;
pub(crate) mod gifts;
mod giving;
mod home;
pub(crate) mod imports;
mod ledger;
pub(crate) mod login;
mod minutes;
pub(crate) mod needs;
pub(crate) mod open_data;
mod organisations;
mod plans;
mod portal;
pub(crate) mod propose;
mod receipts;
mod report_figures;
pub(crate) mod reporting;
mod reports;
pub(crate) mod reversals;
pub(crate) mod rollup;
mod rosters;
mod statements;
pub(crate) mod stores;
pub(crate) mod tables;
mod units;

use axum::Router;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::error::AppError;
use crate::state::AppState;

pub(crate) use classifications::actor_of as classifications_actor;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home::landing))
        .route("/home", get(home::home))
        .route("/portal", get(portal::page))
        .route("/open-data/{file}", get(open_data::download))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/lang/{code}", get(login::switch_lang))
        .route(
            "/account",
            get(account::page).post(account::change_password),
        )
        .route("/units", get(units::browse))
        .route("/units/{id}", get(units::detail))
        .route(
            "/classifications",
            get(classifications::list).post(classifications::create),
        )
        .route(
            "/classifications/{id}/delete",
            post(classifications::delete),
        )
        .route(
            "/organisations",
            get(organisations::list).post(organisations::create),
        )
        .route("/audit", get(audit::browse))
        .route("/children", get(children::list).post(children::create))
        .route("/children/new", get(children::new_form))
        .route(
            "/children/import",
            get(children::import_form).post(children::import),
        )
        .route(
            "/children/import/template.xlsx",
            get(children::template_xlsx),
        )
        .route("/children/import/template.csv", get(children::template_csv))
        .route("/children/links", get(children::links))
        .route("/children/links/{id}/accept", post(children::accept))
        .route("/children/links/{id}/reject", post(children::reject))
        .route("/children/links/{id}/undo", post(children::undo))
        .route("/children/{id}", get(children::detail))
        .route("/children/{id}/consents", post(children::give_consent))
        .route("/children/{id}/withdraw", post(children::withdraw))
        .route("/needs", get(needs::list).post(needs::create))
        .route("/needs/new", get(needs::new_form))
        .route(
            "/needs/import",
            get(imports::needs_form).post(imports::needs),
        )
        .route("/needs.csv", get(exports::needs_csv))
        .route("/needs/rollup", get(rollup::page))
        .route("/exports/{file}", get(tables::download_table))
        .route("/templates/{name}", get(exports::template))
        .route("/needs/{id}", get(needs::detail))
        .route("/needs/{id}/status", post(needs::change_status))
        .route("/needs/{id}/allocate", post(needs::allocate))
        .route("/needs/{id}/pledge", post(needs::public_pledge))
        .route("/needs/{id}/deliveries", post(deliveries::create))
        .route("/deliveries/{id}", get(deliveries::show))
        .route("/deliveries/{id}/handover", post(deliveries::hand_over))
        .route("/deliveries/{id}/acceptance", post(deliveries::accept))
        .route(
            "/deliveries/{id}/roster",
            get(rosters::show).post(rosters::add),
        )
        .route("/deliveries/{id}/roster/remove", post(rosters::remove))
        .route("/deliveries/{id}/cosign", post(deliveries::cosign))
        .route("/stores", get(stores::list).post(stores::create))
        .route("/stores/{id}", get(stores::show))
        .route("/stores/{id}/adjust", post(stores::adjust))
        .route("/stores/{id}/count", post(stores::count))
        .route("/deliveries/{id}/minutes", get(minutes::html))
        .route("/deliveries/{id}/minutes.docx", get(minutes::docx))
        .route("/nonconformities/{id}/resolve", post(deliveries::resolve))
        .route(
            "/allocations/propose",
            get(propose::show).post(propose::accept),
        )
        .route("/donors", get(donors::list).post(donors::create))
        .route(
            "/donors/import",
            get(imports::donors_form).post(imports::donors),
        )
        .route("/donors/{id}", get(donors::detail))
        .route("/donors/{id}/gifts", get(gifts::donor))
        .route("/pledges/{id}/instalments", post(gifts::set_instalments))
        .route("/p/{id}/gifts", get(gifts::pledge))
        .route("/donors/{id}/pledges", post(donors::create_pledge))
        .route("/pledges/{id}/commit", post(donors::commit_pledge))
        .route(
            "/pledges/{id}/receipts",
            get(receipts::list).post(receipts::create),
        )
        .route("/receipts/{id}", get(receipts::show))
        .route("/flows", get(flows::overview))
        .route("/flows/{id}", get(flows::unit))
        .route("/flows/{id}/transfer", post(flows::record_transfer))
        .route("/flows/{id}/spend", post(flows::record_spend))
        .route("/reversals", post(reversals::reverse))
        .route(
            "/statements",
            get(statements::show).post(statements::upload),
        )
        .route("/statements/lines/{id}/confirm", post(statements::confirm))
        .route("/statements/lines/{id}/ignore", post(statements::ignore))
        .route("/accounts", post(statements::create_account))
        .route("/p/{id}", get(giving::show))
        .route("/ledger", get(ledger::overview))
        .route("/ledger/receipts/{id}", get(ledger::receipt))
        .route("/p/{id}/qr.svg", get(giving::qr_svg))
        .route("/p/{id}/qr.png", get(giving::qr_png))
        .route("/catalogue", get(catalogue::show))
        .route("/catalogue/periods", post(catalogue::create_period))
        .route("/catalogue/packages", post(catalogue::create_package))
        .route("/catalogue/age-bands", post(catalogue::create_age_band))
        .route(
            "/catalogue/age-bands/{code}",
            post(catalogue::update_age_band),
        )
        .route(
            "/catalogue/age-bands/{code}/delete",
            post(catalogue::delete_age_band),
        )
        .route(
            "/admin/users",
            get(admin_users::list).post(admin_users::create),
        )
        .route(
            "/admin/users/{id}",
            get(admin_users::detail).post(admin_users::update),
        )
        .route("/admin/users/{id}/tokens", post(admin_users::create_token))
        .route("/admin/tokens/{id}/revoke", post(admin_users::revoke_token))
        .route("/plans", get(plans::list).post(plans::create))
        .route("/plans/{id}", get(plans::detail))
        .route("/plans/{id}/targets", post(plans::set_target))
        .route(
            "/plans/{id}/targets/{target}/delete",
            post(plans::delete_target),
        )
        .route("/reports", get(reports::list))
        .route("/reports/{id}", get(reports::detail).post(reports::save))
        .route("/reports/{id}/review", post(reports::review))
        .route("/reports/{id}/exception", post(reports::request_exception))
        .route(
            "/reports/{id}/exception/decide",
            post(reports::decide_exception),
        )
        .route("/reporting/annual", get(report_figures::annual))
        .route("/reporting/figures", get(report_figures::figures))
        .route("/reporting", get(reporting::show))
        .route("/reporting/open", post(reporting::open))
        .route("/reporting/deadlines", post(reporting::deadlines))
        .route("/reporting/migrate", post(reporting::migrate))
        .route("/reporting/remind", post(reporting::remind))
        .route("/reporting/consolidated", get(consolidation::show))
        .route("/reporting/consolidated/export", get(consolidation::export))
        .route("/reporting/review", get(consolidation::review))
        .route(
            "/reporting/review/export",
            get(consolidation::review_export),
        )
        .route("/notices/{id}/read", post(reports::read_notice))
}

/// Render a template into a response.
pub(crate) fn render(t: &impl askama::Template) -> Result<Response, AppError> {
    Ok(Html(t.render()?).into_response())
}

/// A POST/redirect/GET answer.
pub(crate) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// Parse an optional `YYYY-MM-DD` (or `dd/mm/yyyy`) date from a form/query.
pub(crate) fn parse_date(raw: &str) -> Option<chrono::NaiveDate> {
    let raw = raw.trim();
    chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(raw, "%d/%m/%Y"))
        .ok()
}

/// Only local paths are followed after login and language switch.
pub(crate) fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next
    } else {
        "/home"
    }
}
