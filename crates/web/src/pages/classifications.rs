//! Commune and village classifications: public to read, edited by
//! coordinators with the instrument that set them.

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use chrono::Utc;
use domain::authz::{Action, Target, authorize};
use domain::classification::{ClassificationKind, NewClassification};
use serde::Deserialize;
use storage::audit::AuditActor;
use storage::classifications::Classification;

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::state::AppState;
use crate::view::Page;

use super::{parse_date, render, see_other};

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    unit: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct NewForm {
    #[serde(default)]
    unit_code: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    village: String,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    valid_to: String,
    #[serde(default)]
    instrument: String,
}

#[derive(Template)]
#[template(path = "classifications.html")]
struct ListPage {
    p: Page,
    rows: Vec<(Classification, String)>,
    can_edit: bool,
    kinds: Vec<&'static str>,
    form: NewForm,
    error: Option<(String, String)>,
}

pub(crate) fn actor_of(ctx: &Ctx) -> AuditActor {
    AuditActor {
        id: ctx.user.as_ref().map(|u| u.id.clone()),
        name: ctx
            .user
            .as_ref()
            .map_or_else(|| "public".to_owned(), |u| u.username.clone()),
    }
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    unit: Option<&str>,
    form: NewForm,
    error: Option<(String, String)>,
) -> Result<Response, AppError> {
    let today = Utc::now().date_naive();
    let mut rows = Vec::new();
    for c in storage::classifications::list(&state.db, unit).await? {
        let versions = storage::admin_units::versions_of(&state.db, &c.unit_code).await?;
        let name = versions
            .iter()
            .find(|u| u.in_force_on(c.valid_from))
            .or(versions.last())
            .map_or_else(|| c.unit_code.clone(), |u| u.name.clone());
        rows.push((c, name));
    }
    let _ = today;
    render(&ListPage {
        p: Page::new(ctx, "nav-classifications"),
        rows,
        can_edit: authorize(&ctx.actor, Action::EditClassifications, Target::Anywhere).is_ok(),
        kinds: ClassificationKind::ALL.iter().map(|k| k.as_str()).collect(),
        form,
        error,
    })
}

pub async fn list(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ViewPublic, Target::Anywhere)?;
    page(&state, &ctx, q.unit.as_deref(), NewForm::default(), None).await
}

pub async fn create(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<NewForm>,
) -> Result<Response, AppError> {
    require(&ctx, Action::EditClassifications, Target::Anywhere)?;
    let fail = |field: &str, key: &str| Some((field.to_owned(), i18n::t(ctx.lang, key)));
    let unit_code = form.unit_code.trim().to_owned();
    if storage::admin_units::versions_of(&state.db, &unit_code)
        .await?
        .is_empty()
    {
        return page(
            &state,
            &ctx,
            None,
            form.clone(),
            fail("unit_code", "classification-error-unit"),
        )
        .await;
    }
    let Ok(kind) = form.kind.parse::<ClassificationKind>() else {
        return page(
            &state,
            &ctx,
            None,
            form.clone(),
            fail("kind", "classification-error-kind"),
        )
        .await;
    };
    let Some(valid_from) = parse_date(&form.valid_from) else {
        return page(
            &state,
            &ctx,
            None,
            form.clone(),
            fail("valid_from", "classification-error-date"),
        )
        .await;
    };
    let valid_to = if form.valid_to.trim().is_empty() {
        None
    } else {
        match parse_date(&form.valid_to) {
            Some(d) => Some(d),
            None => {
                return page(
                    &state,
                    &ctx,
                    None,
                    form.clone(),
                    fail("valid_to", "classification-error-date"),
                )
                .await;
            }
        }
    };
    let input = NewClassification {
        unit_code,
        kind,
        village: Some(form.village.clone()),
        valid_from,
        valid_to,
        instrument: form.instrument.clone(),
    };
    match input.validate() {
        Ok(valid) => {
            storage::classifications::create(&state.db, &valid, false, &actor_of(&ctx), Utc::now())
                .await?;
            Ok(see_other(&format!(
                "/classifications?unit={}",
                valid.unit_code
            )))
        }
        Err(e) => {
            page(
                &state,
                &ctx,
                None,
                form.clone(),
                fail(e.field(), e.message_key()),
            )
            .await
        }
    }
}

pub async fn delete(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    require(&ctx, Action::EditClassifications, Target::Anywhere)?;
    storage::classifications::delete(&state.db, &id, &actor_of(&ctx), Utc::now()).await?;
    Ok(see_other("/classifications"))
}
