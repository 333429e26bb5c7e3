//! Roll-ups of the coverage axes for coordinators and officers: by site,
//! commune, category, period or programme, within the viewer's area, the
//! largest gap first (each group's gap is the sum of its lines' own gaps).

use askama::Template;
use axum::Extension;
use axum::extract::{Query, State};
use axum::response::Response;
use domain::authz::{Action, Target};
use serde::Deserialize;
use storage::needs::NeedFilter;
use storage::rollup::{RollupBy, RollupRow};

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::state::AppState;
use crate::view::Page;

use super::render;

#[derive(Deserialize, Default, Clone)]
pub struct RollupQuery {
    #[serde(default)]
    pub by: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub period_id: String,
}

impl RollupQuery {
    pub fn by(&self) -> RollupBy {
        RollupBy::parse(&self.by).unwrap_or(RollupBy::Commune)
    }

    pub fn filter(&self) -> NeedFilter {
        let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        NeedFilter {
            category: some(&self.category),
            period_id: some(&self.period_id),
            ..NeedFilter::default()
        }
    }

    /// The query string of this roll-up, for its download links.
    pub fn qs(&self) -> String {
        let enc = |s: &str| {
            s.replace(
                |c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_',
                "",
            )
        };
        format!(
            "by={}&category={}&period_id={}",
            self.by().as_str(),
            enc(&self.category),
            enc(&self.period_id)
        )
    }
}

/// The roll-up the viewer may see (scoped by their area), with its total.
pub async fn compute(
    state: &AppState,
    ctx: &Ctx,
    q: &RollupQuery,
) -> Result<(Vec<RollupRow>, RollupRow), AppError> {
    require(ctx, Action::ViewUnitData, Target::Anywhere)?;
    let map = domain::admin_units::embedded_map()
        .map_err(|e| AppError::bad("error-generic", e.to_string()))?;
    let vis = ctx.actor.visibility();
    let lines = storage::needs::list(&state.db, &vis, &q.filter()).await?;
    let plans = if q.by() == RollupBy::Programme {
        storage::plans::list(&state.db, &vis).await?
    } else {
        Vec::new()
    };
    let rows = storage::rollup::group(&lines, q.by(), map, &plans);
    Ok((rows, storage::rollup::total(&lines)))
}

#[derive(Template)]
#[template(path = "rollup.html")]
struct RollupPage {
    p: Page,
    rows: Vec<RollupRow>,
    total: RollupRow,
    by: &'static str,
    bys: Vec<&'static str>,
    query: RollupQuery,
    qs: String,
    periods: Vec<storage::catalogue::Period>,
    categories: Vec<&'static str>,
}

pub async fn page(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<RollupQuery>,
) -> Result<Response, AppError> {
    let (rows, total) = compute(&state, &ctx, &q).await?;
    render(&RollupPage {
        p: Page::new(&ctx, "rollup-title"),
        rows,
        total,
        by: q.by().as_str(),
        bys: RollupBy::ALL.iter().map(|b| b.as_str()).collect(),
        qs: q.qs(),
        query: q,
        periods: storage::catalogue::periods(&state.db).await?,
        categories: domain::needs::Category::ALL
            .iter()
            .map(|c| c.as_str())
            .collect(),
    })
}
