//! The organisations register, filtered by the viewer's scope.

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::response::Response;
use chrono::Utc;
use domain::authz::{Action, Target, authorize};
use domain::organisation::OrgType;
use serde::Deserialize;
use storage::organisations::{OrgFilter, Organisation};

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::state::AppState;
use crate::view::Page;

use super::classifications::actor_of;
use super::{parse_date, render, see_other};

#[derive(Deserialize, Default, Clone)]
pub struct ListQuery {
    #[serde(default)]
    org_type: String,
    #[serde(default)]
    q: String,
}

#[derive(Template)]
#[template(path = "organisations.html")]
struct ListPage {
    p: Page,
    /// (organisation, unit name, successor name)
    rows: Vec<(Organisation, String, Option<String>)>,
    types: Vec<&'static str>,
    query: ListQuery,
    can_edit: bool,
    error: Option<String>,
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    query: ListQuery,
    error: Option<String>,
) -> Result<Response, AppError> {
    let filter = OrgFilter {
        org_type: Some(query.org_type.clone()).filter(|s| !s.is_empty()),
        search: Some(query.q.clone()).filter(|s| !s.trim().is_empty()),
        unit_code: None,
    };
    let orgs = storage::organisations::list(&state.db, &ctx.actor.visibility(), &filter).await?;
    let unit_names = storage::admin_units::latest_names(&state.db).await?;
    let mut rows = Vec::with_capacity(orgs.len());
    for o in orgs {
        let unit = o
            .unit_code
            .as_ref()
            .map(|c| unit_names.get(c).cloned().unwrap_or_else(|| c.clone()))
            .unwrap_or_default();
        let successor = match &o.successor_id {
            Some(id) => storage::organisations::get(&state.db, id)
                .await?
                .map(|s| s.name),
            None => None,
        };
        rows.push((o, unit, successor));
    }
    render(&ListPage {
        p: Page::new(ctx, "nav-organisations"),
        rows,
        types: OrgType::ALL.iter().map(|t| t.as_str()).collect(),
        query,
        can_edit: authorize(&ctx.actor, Action::EditOrganisations, Target::Anywhere).is_ok(),
        error,
    })
}

pub async fn list(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ViewOrganisations, Target::Anywhere)?;
    page(&state, &ctx, query, None).await
}

#[derive(Deserialize)]
pub struct NewOrg {
    name: String,
    org_type: String,
    #[serde(default)]
    unit_code: String,
    #[serde(default)]
    valid_from: String,
}

pub async fn create(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<NewOrg>,
) -> Result<Response, AppError> {
    require(&ctx, Action::EditOrganisations, Target::Anywhere)?;
    let name = domain::text::clean(&form.name);
    let fail = |key: &str| Some(i18n::t(ctx.lang, key));
    if name.is_empty() {
        return page(&state, &ctx, ListQuery::default(), fail("org-error-name")).await;
    }
    let Ok(org_type) = form.org_type.parse::<OrgType>() else {
        return page(&state, &ctx, ListQuery::default(), fail("org-error-type")).await;
    };
    let unit_code = Some(form.unit_code.trim().to_owned()).filter(|s| !s.is_empty());
    if let Some(code) = &unit_code
        && storage::admin_units::versions_of(&state.db, code)
            .await?
            .is_empty()
    {
        return page(
            &state,
            &ctx,
            ListQuery::default(),
            fail("classification-error-unit"),
        )
        .await;
    }
    let valid_from = if form.valid_from.trim().is_empty() {
        None
    } else {
        match parse_date(&form.valid_from) {
            Some(d) => Some(d),
            None => {
                return page(
                    &state,
                    &ctx,
                    ListQuery::default(),
                    fail("classification-error-date"),
                )
                .await;
            }
        }
    };
    let org = Organisation {
        id: storage::new_id(),
        name,
        short_name: None,
        org_type: org_type.as_str().to_owned(),
        parent_id: None,
        unit_code,
        valid_from,
        valid_to: None,
        successor_id: None,
        is_demo: false,
    };
    storage::organisations::create(&state.db, &org, &actor_of(&ctx), Utc::now()).await?;
    Ok(see_other("/organisations"))
}
