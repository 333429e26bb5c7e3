//! Browsing the map of Huế at any date, each unit with its history.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{NaiveDate, Utc};
use domain::authz::{Action, Target};
use serde::Deserialize;
use storage::admin_units::{EdgeRow, UnitRow};
use storage::classifications::Classification;

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::state::AppState;
use crate::view::Page;

use super::{parse_date, render};

#[derive(Deserialize, Default)]
pub struct BrowseQuery {
    #[serde(default)]
    on: Option<String>,
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    parent: Option<String>,
}

#[derive(Template)]
#[template(path = "units.html")]
struct Browse {
    p: Page,
    on: NaiveDate,
    on_iso: String,
    q: String,
    parent: String,
    province: Vec<UnitRow>,
    districts: Vec<(UnitRow, usize)>,
    communes: Vec<UnitRow>,
    matches: Vec<UnitRow>,
    date_error: bool,
}

pub async fn browse(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<BrowseQuery>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ViewPublic, Target::Anywhere)?;
    let raw_on = q.on.as_deref().unwrap_or("").trim();
    let parsed = if raw_on.is_empty() {
        Some(Utc::now().date_naive())
    } else {
        parse_date(raw_on)
    };
    let date_error = parsed.is_none();
    let on = parsed.unwrap_or_else(|| Utc::now().date_naive());
    let all = storage::admin_units::units_on(&state.db, on).await?;
    let parent = q.parent.clone().unwrap_or_default();
    let province: Vec<UnitRow> = all
        .iter()
        .filter(|u| u.level == "province")
        .cloned()
        .collect();
    let communes_all: Vec<&UnitRow> = all.iter().filter(|u| u.level == "commune").collect();
    let districts = all
        .iter()
        .filter(|u| u.level == "district")
        .map(|d| {
            let n = communes_all
                .iter()
                .filter(|c| c.parent_code.as_deref() == Some(d.code.as_str()))
                .count();
            (d.clone(), n)
        })
        .collect();
    let communes = communes_all
        .into_iter()
        .filter(|c| parent.is_empty() || c.parent_code.as_deref() == Some(parent.as_str()))
        .cloned()
        .collect();
    let search = q.q.clone().unwrap_or_default();
    let matches = if search.trim().is_empty() {
        Vec::new()
    } else {
        storage::admin_units::search(&state.db, &search, 50).await?
    };
    render(&Browse {
        p: Page::new(&ctx, "units-title"),
        on,
        on_iso: on.to_string(),
        q: search,
        parent,
        province,
        districts,
        communes,
        matches,
        date_error,
    })
}

#[derive(Template)]
#[template(path = "unit.html")]
struct Detail {
    p: Page,
    unit: UnitRow,
    versions: Vec<UnitRow>,
    predecessors: Vec<UnitRow>,
    successors: Vec<UnitRow>,
    edges_in: Vec<EdgeRow>,
    edges_out: Vec<EdgeRow>,
    classifications: Vec<Classification>,
    dissolution: Option<storage::admin_units::DissolutionRow>,
    parent: Option<UnitRow>,
}

pub async fn detail(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ViewPublic, Target::Anywhere)?;
    let unit = storage::admin_units::get(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let versions = storage::admin_units::versions_of(&state.db, &unit.code).await?;
    let lineage = storage::admin_units::lineage(&state.db, &unit.id).await?;
    let classifications = storage::classifications::list(&state.db, Some(&unit.code)).await?;
    let dissolution = storage::admin_units::dissolution(&state.db, &unit.id).await?;
    // The parent as it was while this version was in force.
    let during = unit
        .valid_from
        .or_else(|| unit.valid_to.and_then(|t| t.pred_opt()))
        .unwrap_or_else(|| Utc::now().date_naive());
    let parent = match &unit.parent_code {
        Some(code) => storage::admin_units::name_at(&state.db, code, during).await?,
        None => None,
    };
    render(&Detail {
        p: Page::new(&ctx, "unit-title"),
        unit,
        versions,
        predecessors: lineage.predecessors,
        successors: lineage.successors,
        edges_in: lineage.edges_in,
        edges_out: lineage.edges_out,
        classifications,
        dissolution,
        parent,
    })
}
