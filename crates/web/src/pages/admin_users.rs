//! Admin pages: users, roles, scopes and API tokens.

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::response::Response;
use chrono::Utc;
use domain::authz::{Action, Role, Target};
use serde::Deserialize;
use storage::tokens::ApiToken;
use storage::users::{NewUser, User, UserUpdate};

use crate::auth::{password, tokens};
use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::state::AppState;
use crate::view::Page;

use super::classifications::actor_of;
use super::{render, see_other};

#[derive(Template)]
#[template(path = "users.html")]
struct ListPage {
    p: Page,
    users: Vec<User>,
    roles: Vec<&'static str>,
    error: Option<String>,
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    error: Option<String>,
) -> Result<Response, AppError> {
    render(&ListPage {
        p: Page::new(ctx, "nav-users"),
        users: storage::users::list(&state.db).await?,
        roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
        error,
    })
}

pub async fn list(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ManageUsers, Target::Anywhere)?;
    list_page(&state, &ctx, None).await
}

#[derive(Deserialize)]
pub struct NewUserForm {
    username: String,
    display_name: String,
    password: String,
    role: String,
    #[serde(default)]
    scopes: String,
}

/// Splits "20056, 481 19744" into codes.
fn split_codes(raw: &str) -> Vec<String> {
    raw.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

async fn unknown_codes(state: &AppState, codes: &[String]) -> Result<Vec<String>, AppError> {
    let mut unknown = Vec::new();
    for c in codes {
        if storage::admin_units::versions_of(&state.db, c)
            .await?
            .is_empty()
        {
            unknown.push(c.clone());
        }
    }
    Ok(unknown)
}

pub async fn create(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<NewUserForm>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ManageUsers, Target::Anywhere)?;
    let lang = ctx.lang;
    let username = domain::text::clean(&form.username);
    if username.is_empty() || username.contains(' ') {
        return list_page(&state, &ctx, Some(i18n::t(lang, "user-error-username"))).await;
    }
    let Ok(role) = form.role.parse::<Role>() else {
        return list_page(&state, &ctx, Some(i18n::t(lang, "user-error-role"))).await;
    };
    let scopes = split_codes(&form.scopes);
    let unknown = unknown_codes(&state, &scopes).await?;
    if !unknown.is_empty() {
        let msg = i18n::tf(lang, "user-error-scope", &[("codes", &unknown.join(", "))]);
        return list_page(&state, &ctx, Some(msg)).await;
    }
    let pw = form.password.clone();
    let hash = match tokio::task::spawn_blocking(move || password::hash_password(&pw)).await? {
        Ok(h) => h,
        Err(password::PasswordError::TooShort) => {
            return list_page(&state, &ctx, Some(i18n::t(lang, "account-too-short"))).await;
        }
        Err(e) => return Err(e.into()),
    };
    let new = NewUser {
        username: username.clone(),
        display_name: domain::text::clean(&form.display_name),
        password_hash: hash,
        role: role.as_str().to_owned(),
        org_id: None,
        lang: "vi".into(),
        scopes,
    };
    match storage::users::create(&state.db, &new, &actor_of(&ctx), Utc::now()).await {
        Ok(id) => Ok(see_other(&format!("/admin/users/{id}"))),
        Err(storage::StorageError::Duplicate { .. }) => {
            list_page(
                &state,
                &ctx,
                Some(i18n::tf(
                    lang,
                    "user-error-duplicate",
                    &[("username", &username)],
                )),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "user.html")]
struct DetailPage {
    p: Page,
    user: User,
    scopes: String,
    roles: Vec<&'static str>,
    tokens: Vec<ApiToken>,
    new_token: Option<String>,
    error: Option<String>,
}

async fn detail_page(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    new_token: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let user = storage::users::get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    render(&DetailPage {
        p: Page::new(ctx, "nav-users"),
        scopes: storage::users::scopes(&state.db, id).await?.join(", "),
        tokens: storage::tokens::list_for_user(&state.db, id).await?,
        user,
        roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
        new_token,
        error,
    })
}

pub async fn detail(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ManageUsers, Target::Anywhere)?;
    detail_page(&state, &ctx, &id, None, None).await
}

#[derive(Deserialize)]
pub struct UpdateForm {
    role: String,
    #[serde(default)]
    scopes: String,
    #[serde(default)]
    active: Option<String>,
}

pub async fn update(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(form): Form<UpdateForm>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ManageUsers, Target::Anywhere)?;
    let lang = ctx.lang;
    let Ok(role) = form.role.parse::<Role>() else {
        return detail_page(
            &state,
            &ctx,
            &id,
            None,
            Some(i18n::t(lang, "user-error-role")),
        )
        .await;
    };
    let scopes = split_codes(&form.scopes);
    let unknown = unknown_codes(&state, &scopes).await?;
    if !unknown.is_empty() {
        let msg = i18n::tf(lang, "user-error-scope", &[("codes", &unknown.join(", "))]);
        return detail_page(&state, &ctx, &id, None, Some(msg)).await;
    }
    let change = UserUpdate {
        role: role.as_str().to_owned(),
        active: form.active.is_some(),
        scopes,
    };
    storage::users::update(&state.db, &id, &change, &actor_of(&ctx), Utc::now()).await?;
    Ok(see_other(&format!("/admin/users/{id}")))
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    label: String,
}

pub async fn create_token(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(form): Form<TokenForm>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ManageUsers, Target::Anywhere)?;
    storage::users::get(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let token = tokens::new_token()?;
    let label = Some(domain::text::clean(&form.label))
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| "api".into());
    storage::tokens::create(
        &state.db,
        &id,
        &tokens::hash_token(&token),
        &label,
        &actor_of(&ctx),
        Utc::now(),
    )
    .await?;
    // Shown once, on this response only.
    detail_page(&state, &ctx, &id, Some(token), None).await
}

pub async fn revoke_token(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ManageUsers, Target::Anywhere)?;
    storage::tokens::revoke(&state.db, &id, &actor_of(&ctx), Utc::now()).await?;
    Ok(see_other("/admin/users"))
}
