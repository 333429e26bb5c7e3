//! The gate every handler passes before touching data: asks
//! `domain::authz::authorize` and logs each refusal (without personal data).

use domain::authz::{Action, Target, authorize};

use crate::context::Ctx;
use crate::error::AppError;

pub fn require(ctx: &Ctx, action: Action, target: Target<'_>) -> Result<(), AppError> {
    authorize(&ctx.actor, action, target).map_err(|denial| {
        tracing::info!(
            user = ctx.actor.user_id.as_deref().unwrap_or("-"),
            role = %ctx.actor.role,
            ?action,
            ?denial,
            path = %ctx.path,
            "access denied"
        );
        AppError::Denied(denial)
    })
}
