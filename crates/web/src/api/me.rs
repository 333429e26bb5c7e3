//! Authenticated API: who am I, and the organisations I may see.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use domain::authz::{Action, Target};
use serde_json::json;
use storage::organisations::OrgFilter;

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::state::AppState;

pub async fn me(Extension(ctx): Extension<Ctx>) -> Result<Response, AppError> {
    require(&ctx, Action::ManageOwnAccount, Target::Anywhere)?;
    let user = ctx.user.as_ref().ok_or(AppError::NotFound)?;
    Ok(Json(json!({
        "username": user.username,
        "display_name": user.display_name,
        "role": ctx.actor.role.as_str(),
        "scope": ctx.actor.scope.codes(),
    }))
    .into_response())
}

pub async fn organisations(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ViewOrganisations, Target::Anywhere)?;
    let rows =
        storage::organisations::list(&state.db, &ctx.actor.visibility(), &OrgFilter::default())
            .await?;
    let items: Vec<_> = rows
        .into_iter()
        .map(|o| {
            json!({"id": o.id, "name": o.name, "type": o.org_type, "unit_code": o.unit_code,
                   "parent_id": o.parent_id, "valid_from": o.valid_from.map(|d| d.to_string()),
                   "valid_to": o.valid_to.map(|d| d.to_string()), "successor_id": o.successor_id})
        })
        .collect();
    Ok(Json(json!({"organisations": items})).into_response())
}
