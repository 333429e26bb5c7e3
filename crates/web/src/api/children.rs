//! `GET /api/v1/children`: the children in the caller's scope, for
//! integrations holding a token of a role that may see identities
//! (commune and site officers). Personal IDs are masked; every call is
//! logged as an export.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::Utc;
use domain::authz::{Action, Target};
use serde::Deserialize;
use serde_json::json;

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::pages::classifications_actor;
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    limit: Option<usize>,
}

pub async fn list(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ViewChildren, Target::Anywhere)?;
    let limit = q.limit.unwrap_or(500).clamp(1, 5000);
    let rows = storage::registry::list(
        &state.db,
        &ctx.actor.visibility(),
        q.q.as_deref().filter(|s| !s.trim().is_empty()),
        limit,
    )
    .await?;
    storage::registry::log_view(
        &state.db,
        "*",
        "api-export",
        &classifications_actor(&ctx),
        Utc::now(),
    )
    .await?;
    let items: Vec<_> = rows
        .iter()
        .map(|c| {
            let r = &c.record;
            json!({
                "id": c.child.id,
                "full_name": r.full_name,
                "birth_date": r.birth_display(),
                "birth_precision": r.birth_precision,
                "sex": r.sex,
                "ethnicity": r.ethnicity,
                "commune_code": r.commune_code,
                "village": r.village,
                "guardian_name": r.guardian_name,
                "personal_id_masked": (!r.pid_masked().is_empty()).then(|| r.pid_masked()),
                "sources": c.sources,
                "source_types": c.source_types,
                "is_demo": c.child.is_demo,
            })
        })
        .collect();
    Ok(Json(json!({"children": items, "count": items.len()})).into_response())
}
