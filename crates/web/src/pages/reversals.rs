//! Reversing a receipt, allocation, transfer or expenditure (bút toán đảo):
//! a correction is a new entry, never an edit (`storage::reversals`). One
//! form, posted from the receipt page, the need line's allocations and an
//! organisation's flows, with a required reason; `POST /api/v1/reversals`
//! does the same for integrations.
//!
//! Who may: receipts and allocations — whoever allocates (`Allocate`: the
//! coordinator); transfers and expenditures — whoever records the
//! organisation's flows (`RecordFlows` on the sender or the spender, in
//! scope).

use axum::Extension;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use domain::authz::{Action, Target};
use serde::Deserialize;
use storage::reversals::{ReversalKind, ReversalRefusal, TargetFacts};

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::state::AppState;

use super::classifications::actor_of;
use super::see_other;

/// Checks the caller may reverse this row; its facts, or 404 / 403.
pub(crate) async fn authorise(
    state: &AppState,
    ctx: &Ctx,
    kind: ReversalKind,
    id: &str,
) -> Result<TargetFacts, AppError> {
    match kind {
        ReversalKind::Receipt | ReversalKind::Allocation => {
            require(ctx, Action::Allocate, Target::Anywhere)?;
        }
        ReversalKind::Transfer | ReversalKind::Expenditure => {
            require(ctx, Action::RecordFlows, Target::Anywhere)?;
        }
    }
    let facts = storage::reversals::target(&state.db, kind, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if matches!(kind, ReversalKind::Transfer | ReversalKind::Expenditure) {
        let org_id = facts.org_id.as_deref().ok_or(AppError::NotFound)?;
        let org = storage::organisations::get(&state.db, org_id)
            .await?
            .ok_or(AppError::NotFound)?;
        require(ctx, Action::RecordFlows, super::flows::org_target(&org))?;
    }
    Ok(facts)
}

/// The refusal in the reader's language, naming what still draws on it.
pub(crate) fn refusal_message(ctx: &Ctx, r: &ReversalRefusal) -> String {
    let detail = match r {
        ReversalRefusal::DrawnOn(deps) => deps
            .iter()
            .map(|d| {
                format!(
                    "{} {} ({})",
                    i18n::t(ctx.lang, &format!("reversal-kind-{}", d.kind)),
                    d.id,
                    i18n::format_vnd(d.amount)
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        _ => String::new(),
    };
    i18n::tf(ctx.lang, r.message_key(), &[("detail", detail.as_str())])
}

#[derive(Deserialize)]
pub struct ReverseForm {
    kind: String,
    id: String,
    #[serde(default)]
    reason: String,
    /// The page to go back to (a local path).
    #[serde(default)]
    back: String,
}

/// A local path to return to, or the home page.
fn back_to(raw: &str) -> &str {
    let ok = raw.starts_with('/')
        && !raw.starts_with("//")
        && !raw.contains('\\')
        && !raw.chars().any(char::is_control);
    if ok { raw } else { "/" }
}

/// `POST /reversals`: the form. Done → back to the page it came from;
/// refused → a page saying why (409), nothing written.
pub async fn reverse(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<ReverseForm>,
) -> Result<Response, AppError> {
    let kind = ReversalKind::parse(f.kind.trim())
        .ok_or_else(|| AppError::bad("reversal-error-kind", f.kind.clone()))?;
    let id = f.id.trim();
    authorise(&state, &ctx, kind, id).await?;
    match storage::reversals::reverse(&state.db, kind, id, &f.reason, &actor_of(&ctx), Utc::now())
        .await?
    {
        Ok(_) => Ok(see_other(back_to(&f.back))),
        Err(r) => {
            let status = match r {
                ReversalRefusal::Unknown => StatusCode::NOT_FOUND,
                ReversalRefusal::ReasonRequired => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::CONFLICT,
            };
            let page =
                crate::view::ErrorPage::new(&ctx, status.as_u16(), refusal_message(&ctx, &r), None);
            let html = page.render_html()?;
            Ok((status, Html(html)).into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::back_to;

    #[test]
    fn only_local_paths_are_gone_back_to() {
        assert_eq!(back_to("/needs/abc"), "/needs/abc");
        assert_eq!(back_to("//evil.example"), "/");
        assert_eq!(back_to("https://evil.example"), "/");
        assert_eq!(back_to("/\\evil"), "/");
        assert_eq!(back_to(""), "/");
    }
}
