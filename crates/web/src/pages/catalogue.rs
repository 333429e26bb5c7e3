//! The catalogue: periods and the versioned support packages.

use askama::Template;
use axum::Extension;
use axum::extract::{Form, State};
use axum::response::Response;
use chrono::Utc;
use domain::authz::{Action, Target, authorize};
use domain::needs::{AgeBand, Category, PackageItem, PackageVersion};
use serde::Deserialize;
use storage::catalogue::{Package, Period};

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::state::AppState;
use crate::view::Page;

use super::classifications::actor_of;
use super::{parse_date, render, see_other};

#[derive(Template)]
#[template(path = "catalogue.html")]
struct CataloguePage {
    p: Page,
    periods: Vec<Period>,
    packages: Vec<Package>,
    can_edit: bool,
    categories: Vec<&'static str>,
    age_bands: Vec<&'static str>,
    error: Option<String>,
}

async fn page(state: &AppState, ctx: &Ctx, error: Option<String>) -> Result<Response, AppError> {
    render(&CataloguePage {
        p: Page::new(ctx, "nav-catalogue"),
        periods: storage::catalogue::periods(&state.db).await?,
        packages: storage::catalogue::current_packages(&state.db).await?,
        can_edit: authorize(&ctx.actor, Action::Allocate, Target::Anywhere).is_ok(),
        categories: Category::ALL.iter().map(|c| c.as_str()).collect(),
        age_bands: AgeBand::ALL.iter().map(|c| c.as_str()).collect(),
        error,
    })
}

pub async fn show(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ViewPublic, Target::Anywhere)?;
    page(&state, &ctx, None).await
}

#[derive(Deserialize)]
pub struct PeriodForm {
    name: String,
    starts_on: String,
    ends_on: String,
}

pub async fn create_period(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<PeriodForm>,
) -> Result<Response, AppError> {
    // Coordinators keep the catalogue (the same right as allocating).
    require(&ctx, Action::Allocate, Target::Anywhere)?;
    let name = domain::text::clean(&f.name);
    match (parse_date(&f.starts_on), parse_date(&f.ends_on)) {
        (Some(s), Some(e)) if s < e && !name.is_empty() => {
            let period = Period {
                id: storage::new_id(),
                name,
                starts_on: s,
                ends_on: e,
                is_demo: false,
            };
            storage::catalogue::create_period(&state.db, &period, &actor_of(&ctx), Utc::now())
                .await?;
            Ok(see_other("/catalogue"))
        }
        _ => page(&state, &ctx, Some(i18n::t(ctx.lang, "period-error"))).await,
    }
}

struct PackageForm {
    code: String,
    name: String,
    category: String,
    age_band: String,
    item_name: Vec<String>,
}

pub async fn create_package(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    require(&ctx, Action::Allocate, Target::Anywhere)?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let all = |k: &str| {
        pairs
            .iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .collect::<Vec<_>>()
    };
    let form = PackageForm {
        code: get("code"),
        name: get("name"),
        category: get("category"),
        age_band: get("age_band"),
        item_name: all("item_name"),
    };
    let (units, qtys, values) = (all("item_unit"), all("item_quantity"), all("item_value"));
    let num =
        |s: Option<&String>| s.and_then(|v| v.trim().replace(['.', ','], "").parse::<i64>().ok());
    let mut items = Vec::new();
    for (i, name) in form.item_name.iter().enumerate() {
        if name.trim().is_empty() {
            continue;
        }
        items.push(PackageItem {
            name: name.clone(),
            unit: units.get(i).cloned().unwrap_or_default(),
            quantity: num(qtys.get(i)).unwrap_or(0),
            unit_value: num(values.get(i)).unwrap_or(0),
        });
    }
    let (Ok(category), Ok(age_band)) = (
        form.category.parse::<Category>(),
        form.age_band.parse::<AgeBand>(),
    ) else {
        return page(&state, &ctx, Some(i18n::t(ctx.lang, "package-error-name"))).await;
    };
    let version = PackageVersion {
        code: form.code,
        version: 0,
        name: form.name,
        category,
        age_band,
        items,
    };
    match version.validate() {
        Ok(v) => {
            storage::catalogue::add_package_version(
                &state.db,
                &v,
                false,
                &actor_of(&ctx),
                Utc::now(),
            )
            .await?;
            Ok(see_other("/catalogue"))
        }
        Err(e) => page(&state, &ctx, Some(i18n::t(ctx.lang, e.message_key()))).await,
    }
}
