//! One's own account: change password.

use askama::Template;
use axum::Extension;
use axum::extract::{Form, State};
use axum::response::Response;
use chrono::Utc;
use domain::authz::{Action, Target};
use serde::Deserialize;
use storage::audit::AuditActor;

use crate::auth::password;
use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::state::AppState;
use crate::view::Page;

use super::render;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    p: Page,
    username: String,
    message: Option<(bool, String)>,
}

pub async fn page(Extension(ctx): Extension<Ctx>) -> Result<Response, AppError> {
    require(&ctx, Action::ManageOwnAccount, Target::Anywhere)?;
    let username = ctx
        .user
        .as_ref()
        .map(|u| u.username.clone())
        .unwrap_or_default();
    render(&AccountPage {
        p: Page::new(&ctx, "nav-account"),
        username,
        message: None,
    })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ManageOwnAccount, Target::Anywhere)?;
    let Some(user) = &ctx.user else {
        return Err(AppError::NotFound);
    };
    let fail = |key: &str| {
        render(&AccountPage {
            p: Page::new(&ctx, "nav-account"),
            username: user.username.clone(),
            message: Some((false, i18n::t(ctx.lang, key))),
        })
    };
    let current_hash = storage::users::find_for_login(&state.db, &user.username)
        .await?
        .map(|(_, h)| h);
    let current = form.current.clone();
    let ok =
        tokio::task::spawn_blocking(move || password::verify(&current, current_hash.as_deref()))
            .await?;
    if !ok {
        return fail("account-wrong-current");
    }
    if form.new != form.confirm {
        return fail("account-mismatch");
    }
    let new = form.new.clone();
    let hash = match tokio::task::spawn_blocking(move || password::hash_password(&new)).await? {
        Ok(h) => h,
        Err(password::PasswordError::TooShort) => return fail("account-too-short"),
        Err(e) => return Err(e.into()),
    };
    let actor = AuditActor {
        id: Some(user.id.clone()),
        name: user.username.clone(),
    };
    storage::users::set_password(
        &state.db,
        &user.id,
        &hash,
        ctx.session_hash.as_deref(),
        &actor,
        Utc::now(),
    )
    .await?;
    render(&AccountPage {
        p: Page::new(&ctx, "nav-account"),
        username: user.username.clone(),
        message: Some((true, i18n::t(ctx.lang, "account-changed"))),
    })
}
