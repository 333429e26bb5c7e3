//! The allocation optimiser through the API, with the propose page's right
//! (`Allocate`: the coordinator). `POST /api/v1/allocations/proposals` runs
//! it (priority mode, or max–min fairness by commune) over committed money
//! not yet allocated and the open gaps, and answers the proposal with its
//! explanations and a token. `POST /api/v1/allocations/proposals/{token}/accept`
//! writes the items sent back (the coordinator may lower or drop some) in
//! one transaction through the overlap guard, audited under the token: all
//! or nothing, and a token accepted once adds nothing the second time.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::Utc;
use domain::authz::{Action, Target};
use serde::Deserialize;
use serde_json::{Value, json};
use storage::allocations::{AllocationRequest, ProposalRefusal};

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::pages::classifications_actor as actor_of;
use crate::pages::propose::{ModeFigures, compute};
use crate::state::AppState;

use super::flows::{body, refusal};

#[derive(Deserialize, Default)]
struct ProposeIn {
    /// `priority` (default) or `maxmin`.
    #[serde(default)]
    mode: Option<String>,
}

/// `Some(true)` for max–min, `Some(false)` for priority, `None` for
/// anything else.
fn mode_of(raw: Option<&str>) -> Option<bool> {
    match raw {
        None | Some("priority") => Some(false),
        Some("maxmin") => Some(true),
        Some(_) => None,
    }
}

fn bad_mode(ctx: &Ctx) -> Response {
    let key = "propose-error-mode";
    refusal(
        StatusCode::UNPROCESSABLE_ENTITY,
        key,
        i18n::t(ctx.lang, key),
        json!({"field": "mode"}),
    )
}

fn figures(f: &ModeFigures) -> Value {
    json!({"gini": f.gini, "min_coverage": f.min_coverage, "proposed": f.proposed,
        "objective": f.objective})
}

/// `POST /api/v1/allocations/proposals`.
pub async fn propose(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    bytes: Bytes,
) -> Result<Response, AppError> {
    require(&ctx, Action::Allocate, Target::Anywhere)?;
    let input: ProposeIn = if bytes.iter().all(u8::is_ascii_whitespace) {
        ProposeIn::default()
    } else {
        body(&bytes)?
    };
    let Some(maxmin) = mode_of(input.mode.as_deref()) else {
        return Ok(bad_mode(&ctx));
    };
    let c = compute(&state, ctx.lang, maxmin).await?;
    let items: Vec<Value> = c
        .items
        .iter()
        .map(|i| {
            json!({"pledge_id": i.pledge_id, "donor": i.donor, "need_line_id": i.need_id,
                "need_label": i.need_label, "amount": i.amount, "priority": i.priority, "why": i.why})
        })
        .collect();
    let short: Vec<Value> = c
        .short
        .iter()
        .map(|s| json!({"need_line_id": s.need_id, "need_label": s.need_label, "missing": s.missing, "reason": s.reason}))
        .collect();
    let communes: Vec<Value> = c
        .communes
        .iter()
        .map(|r| json!({"unit_code": r.code, "name": r.name, "gap": r.gap, "priority": r.priority, "maxmin": r.maxmin}))
        .collect();
    let v = json!({
        "token": storage::new_id(),
        "mode": if c.maxmin { "maxmin" } else { "priority" },
        "maxmin_unavailable": c.maxmin_failed,
        "total_gap": c.total_gap, "available": c.available, "proposed": c.proposed, "gini": c.gini,
        "items": items, "short": short, "communes": communes,
        "figures": {"priority": figures(&c.fig_priority), "maxmin": figures(&c.fig_maxmin)},
        "floor_note": c.floor_note,
    });
    Ok(Json(v).into_response())
}

#[derive(Deserialize)]
struct ItemIn {
    pledge_id: String,
    need_line_id: String,
    amount: i64,
}

#[derive(Deserialize)]
struct AcceptIn {
    #[serde(default)]
    mode: Option<String>,
    items: Vec<ItemIn>,
}

/// A proposal's token: what `propose` hands out (a UUID), or any short
/// id of letters, digits and hyphens.
fn token_ok(t: &str) -> bool {
    !t.is_empty() && t.len() <= 64 && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// `POST /api/v1/allocations/proposals/{token}/accept`.
pub async fn accept(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(token): Path<String>,
    bytes: Bytes,
) -> Result<Response, AppError> {
    require(&ctx, Action::Allocate, Target::Anywhere)?;
    if !token_ok(&token) {
        return Err(AppError::bad("api-bad-token", token));
    }
    let input: AcceptIn = body(&bytes)?;
    let Some(maxmin) = mode_of(input.mode.as_deref()) else {
        return Ok(bad_mode(&ctx));
    };
    if input.items.is_empty() {
        let key = "propose-error-empty";
        return Ok(refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            key,
            i18n::t(ctx.lang, key),
            json!({"field": "items"}),
        ));
    }
    let reqs: Vec<AllocationRequest> = input
        .items
        .into_iter()
        .map(|i| AllocationRequest {
            need_line_id: i.need_line_id,
            pledge_id: i.pledge_id,
            amount: i.amount,
            override_reason: None,
            may_override: false,
            is_demo: false,
        })
        .collect();
    let total = reqs.iter().fold(0i64, |a, r| a.saturating_add(r.amount));
    let mode = if maxmin { "maxmin" } else { "priority" };
    match storage::allocations::accept_proposal(
        &state.db,
        &token,
        mode,
        &reqs,
        &actor_of(&ctx),
        Utc::now(),
    )
    .await?
    {
        Ok(ids) => Ok((
            StatusCode::CREATED,
            Json(json!({"token": token, "mode": mode, "allocations": ids, "total": total})),
        )
            .into_response()),
        Err(ProposalRefusal::AlreadyAccepted) => {
            let key = "api-proposal-already-accepted";
            Ok(refusal(
                StatusCode::CONFLICT,
                key,
                i18n::t(ctx.lang, key),
                json!({"token": token}),
            ))
        }
        Err(ProposalRefusal::Item(index, r)) => {
            let (status, mut v) = super::needs::refusal_json(&ctx, &r);
            v["index"] = json!(index);
            v["message"] = json!(i18n::tf(
                ctx.lang,
                "api-proposal-refused",
                &[
                    ("n", &(index + 1).to_string()),
                    ("why", &crate::pages::needs::refusal_message(ctx.lang, &r)),
                ],
            ));
            Ok((status, Json(v)).into_response())
        }
    }
}
