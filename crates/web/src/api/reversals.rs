//! `POST /api/v1/reversals`: reverse a receipt, allocation, transfer or
//! expenditure with a reason — the rights of the form
//! (`pages::reversals::authorise`). 201 with the reversal; 409 naming what
//! still draws on it (or that it was reversed already); 422 without a
//! reason.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;
use storage::reversals::{ReversalKind, ReversalRefusal};

use crate::context::Ctx;
use crate::error::AppError;
use crate::pages::classifications_actor as actor_of;
use crate::pages::reversals::{authorise, refusal_message};
use crate::state::AppState;

use super::flows::{body, refusal};

#[derive(Deserialize)]
struct ReversalIn {
    kind: String,
    id: String,
    #[serde(default)]
    reason: String,
}

pub async fn create(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    bytes: Bytes,
) -> Result<Response, AppError> {
    let input: ReversalIn = body(&bytes)?;
    let kind = ReversalKind::parse(input.kind.trim())
        .ok_or_else(|| AppError::bad("reversal-error-kind", input.kind.clone()))?;
    let id = input.id.trim();
    let facts = authorise(&state, &ctx, kind, id).await?;
    match storage::reversals::reverse(
        &state.db,
        kind,
        id,
        &input.reason,
        &actor_of(&ctx),
        Utc::now(),
    )
    .await?
    {
        Ok(v) => Ok((
            StatusCode::CREATED,
            Json(json!({"id": v.id, "kind": v.kind, "target_id": v.target_id,
                "amount": facts.amount, "reason": v.reason, "created_by": v.created_by,
                "created_at": v.created_at.to_rfc3339()})),
        )
            .into_response()),
        Err(r) => {
            let (status, extra) = match &r {
                ReversalRefusal::Unknown => (StatusCode::NOT_FOUND, json!({})),
                ReversalRefusal::ReasonRequired => {
                    (StatusCode::UNPROCESSABLE_ENTITY, json!({"field": "reason"}))
                }
                ReversalRefusal::DrawnOn(deps) => (
                    StatusCode::CONFLICT,
                    json!({"drawn_on": deps.iter().map(|d| json!({"kind": d.kind, "id": d.id,
                        "amount": d.amount})).collect::<Vec<_>>()}),
                ),
                ReversalRefusal::AlreadyReversed | ReversalRefusal::GoodsInStore => {
                    (StatusCode::CONFLICT, json!({}))
                }
            };
            Ok(refusal(
                status,
                r.message_key(),
                refusal_message(&ctx, &r),
                extra,
            ))
        }
    }
}
