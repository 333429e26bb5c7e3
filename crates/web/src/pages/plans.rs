//! Yearly mobilisation plans (R7): the list, a new plan at any level, and a
//! plan's targets against its live actuals (`storage::plans`) with a
//! target-against-actual chart per indicator.

use std::collections::HashMap;

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::response::Response;
use chrono::Utc;
use domain::authz::{Action, Target, authorize};
use i18n::{Lang, t, tf};
use serde::Deserialize;
use storage::plans::{NewPlan, Plan, PlanRefusal};

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::state::AppState;
use crate::view::Page;

use super::classifications::actor_of;
use super::reports::{error_text, today};
use super::{parse_date, render, see_other};

struct PlanRow {
    plan: Plan,
    area: String,
    targets: usize,
}

#[derive(Deserialize, Default, Clone)]
pub struct NewForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    unit_code: String,
    #[serde(default)]
    org_id: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
    #[serde(default)]
    note: String,
}

#[derive(Template)]
#[template(path = "plans.html")]
struct ListPage {
    p: Page,
    rows: Vec<PlanRow>,
    can_create: bool,
    levels: Vec<&'static str>,
    units: Vec<(String, String)>,
    orgs: Vec<(String, String)>,
    form: NewForm,
    error: Option<(String, String)>,
}

/// Units a plan can be made for, in the user's scope: the city, the former
/// districts and today's communes (code, name).
async fn plan_units(state: &AppState, ctx: &Ctx) -> Result<Vec<(String, String)>, AppError> {
    let names = storage::admin_units::latest_names(&state.db).await?;
    let map = domain::admin_units::embedded_map()
        .map_err(|e| AppError::bad("error-generic", e.to_string()))?;
    let mut out: Vec<(String, String)> = Vec::new();
    let mut push = |code: &str, name: String| {
        if authorize(&ctx.actor, Action::EditUnitData, Target::Unit(code)).is_ok()
            && !out.iter().any(|(c, _)| c == code)
        {
            out.push((code.to_owned(), name));
        }
    };
    push(
        storage::admin_units::PROVINCE,
        names
            .get(storage::admin_units::PROVINCE)
            .cloned()
            .unwrap_or_default(),
    );
    if let Some(last_day) = chrono::NaiveDate::from_ymd_opt(2025, 6, 30) {
        for u in map.units_of_level_on(domain::admin_units::Level::District, last_day) {
            push(&u.code, u.name.clone());
        }
    }
    for u in map.units_of_level_on(domain::admin_units::Level::Commune, today()) {
        push(&u.code, u.name.clone());
    }
    Ok(out)
}

async fn area_names(state: &AppState) -> Result<HashMap<String, String>, AppError> {
    Ok(storage::admin_units::latest_names(&state.db).await?)
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    form: NewForm,
    error: Option<(String, String)>,
) -> Result<Response, AppError> {
    let names = area_names(state).await?;
    let mut rows = Vec::new();
    for plan in storage::plans::list(&state.db, &ctx.actor.visibility()).await? {
        let targets = storage::plans::targets(&state.db, &plan.id).await?.len();
        rows.push(PlanRow {
            area: names
                .get(&plan.unit_code)
                .cloned()
                .unwrap_or_else(|| plan.unit_code.clone()),
            plan,
            targets,
        });
    }
    let orgs = storage::organisations::list(
        &state.db,
        &ctx.actor.visibility(),
        &storage::organisations::OrgFilter::default(),
    )
    .await?
    .into_iter()
    .filter(|o| {
        matches!(o.org_type.as_str(), "department" | "mass_organisation") && o.valid_to.is_none()
    })
    .map(|o| (o.id, o.name))
    .collect();
    render(&ListPage {
        p: Page::new(ctx, "nav-plans"),
        rows,
        can_create: authorize(&ctx.actor, Action::EditUnitData, Target::Anywhere).is_ok(),
        levels: storage::plans::LEVELS.to_vec(),
        units: plan_units(state, ctx).await?,
        orgs,
        form,
        error,
    })
}

pub async fn list(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ViewUnitData, Target::Anywhere)?;
    list_page(&state, &ctx, NewForm::default(), None).await
}

fn refusal_text(lang: Lang, r: &PlanRefusal) -> String {
    match r {
        PlanRefusal::Figure(e) => error_text(lang, e, &HashMap::new()),
        other => t(lang, other.message_key()),
    }
}

pub async fn create(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<NewForm>,
) -> Result<Response, AppError> {
    require(&ctx, Action::EditUnitData, Target::Anywhere)?;
    let unit = form.unit_code.trim().to_owned();
    require(&ctx, Action::EditUnitData, Target::Unit(&unit))?;
    let (Some(starts_on), Some(ends_on)) = (parse_date(&form.starts_on), parse_date(&form.ends_on))
    else {
        let e = Some(("starts_on".to_owned(), t(ctx.lang, "plan-error-dates")));
        return list_page(&state, &ctx, form, e).await;
    };
    let new = NewPlan {
        name: form.name.clone(),
        level: form.level.clone(),
        unit_code: unit,
        org_id: Some(form.org_id.clone()),
        starts_on,
        ends_on,
        note: form.note.clone(),
        is_demo: false,
    };
    match storage::plans::create(&state.db, &new, &actor_of(&ctx), Utc::now()).await? {
        Ok(id) => Ok(see_other(&format!("/plans/{id}"))),
        Err(r) => {
            let e = Some((r.field().to_owned(), refusal_text(ctx.lang, &r)));
            list_page(&state, &ctx, form, e).await
        }
    }
}

struct TargetRow {
    id: String,
    category: String,
    source: String,
    indicator: String,
    target: String,
    actual: String,
    rate: String,
}

#[derive(Template)]
#[template(path = "plan.html")]
struct DetailPage {
    p: Page,
    plan: Plan,
    area: String,
    org: Option<String>,
    rows: Vec<TargetRow>,
    charts: Vec<String>,
    can_edit: bool,
    categories: Vec<&'static str>,
    sources: Vec<&'static str>,
    indicators: Vec<&'static str>,
    error: Option<String>,
    typed: (String, String, String, String),
}

fn amount(indicator: &str, v: i64) -> String {
    if indicator == "money" {
        i18n::format_vnd(v)
    } else {
        i18n::format_int(v)
    }
}

async fn detail_page(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    error: Option<String>,
    typed: (String, String, String, String),
) -> Result<Response, AppError> {
    let plan = storage::plans::get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    require(ctx, Action::ViewUnitData, Target::Unit(&plan.unit_code))?;
    let lang = ctx.lang;
    let map = domain::admin_units::embedded_map()
        .map_err(|e| AppError::bad("error-generic", e.to_string()))?;
    let progress = storage::plans::progress(&state.db, map, &plan).await?;
    let label = |cat: &str, src: &str| {
        let c = if cat == "all" {
            t(lang, "plan-all-categories")
        } else {
            t(lang, &format!("category-{cat}"))
        };
        let s = t(lang, &format!("plan-source-{src}"));
        format!("{c} · {s}")
    };
    let rows = progress
        .iter()
        .map(|pr| {
            let x = &pr.target;
            TargetRow {
                id: x.id.clone(),
                category: if x.category == "all" {
                    t(lang, "plan-all-categories")
                } else {
                    t(lang, &format!("category-{}", x.category))
                },
                source: t(lang, &format!("plan-source-{}", x.source)),
                indicator: t(lang, &format!("plan-indicator-{}", x.indicator)),
                target: amount(&x.indicator, x.target),
                actual: pr.actual.map_or_else(
                    || t(lang, "report-system-none"),
                    |a| amount(&x.indicator, a),
                ),
                rate: match pr.actual {
                    Some(a) if x.target > 0 => {
                        let bp = i128::from(a) * 10_000 / i128::from(x.target);
                        format!("{},{:02} %", bp / 100, bp % 100)
                    }
                    _ => "—".to_owned(),
                },
            }
        })
        .collect();
    let mut charts = Vec::new();
    for indicator in storage::plans::INDICATORS {
        let items: Vec<(String, i64, i64)> = progress
            .iter()
            .filter(|pr| pr.target.indicator == indicator)
            .filter_map(|pr| {
                pr.actual.map(|a| {
                    (
                        label(&pr.target.category, &pr.target.source),
                        pr.target.target,
                        a,
                    )
                })
            })
            .collect();
        if !items.is_empty() {
            charts.push(reports::svg::target_vs_actual(
                &t(lang, &format!("plan-indicator-{indicator}")),
                &items,
            ));
        }
    }
    let names = area_names(state).await?;
    let org = match &plan.org_id {
        Some(o) => storage::organisations::get(&state.db, o)
            .await?
            .map(|o| o.name),
        None => None,
    };
    render(&DetailPage {
        p: Page::new(ctx, "plan-title"),
        area: names
            .get(&plan.unit_code)
            .cloned()
            .unwrap_or_else(|| plan.unit_code.clone()),
        can_edit: authorize(
            &ctx.actor,
            Action::EditUnitData,
            Target::Unit(&plan.unit_code),
        )
        .is_ok(),
        plan,
        org,
        rows,
        charts,
        categories: storage::plans::categories(),
        sources: storage::plans::SOURCES.to_vec(),
        indicators: storage::plans::INDICATORS.to_vec(),
        error,
        typed,
    })
}

pub async fn detail(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    detail_page(&state, &ctx, &id, None, Default::default()).await
}

#[derive(Deserialize)]
pub struct TargetForm {
    category: String,
    source: String,
    indicator: String,
    #[serde(default)]
    target: String,
}

pub async fn set_target(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(form): Form<TargetForm>,
) -> Result<Response, AppError> {
    let plan = storage::plans::get(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    require(&ctx, Action::EditUnitData, Target::Unit(&plan.unit_code))?;
    match storage::plans::set_target(
        &state.db,
        &id,
        &form.category,
        &form.source,
        &form.indicator,
        &form.target,
        &actor_of(&ctx),
        Utc::now(),
    )
    .await?
    {
        Ok(_) => Ok(see_other(&format!("/plans/{id}"))),
        Err(r) => {
            let mut text = refusal_text(ctx.lang, &r);
            if matches!(r, PlanRefusal::Figure(_)) {
                text = tf(ctx.lang, "plan-error-target", &[("detail", &text)]);
            }
            let typed = (form.category, form.source, form.indicator, form.target);
            let mut resp = detail_page(&state, &ctx, &id, Some(text), typed).await?;
            *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
    }
}

pub async fn delete_target(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path((id, target)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let plan = storage::plans::get(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    require(&ctx, Action::EditUnitData, Target::Unit(&plan.unit_code))?;
    storage::plans::delete_target(&state.db, &id, &target, &actor_of(&ctx), Utc::now()).await?;
    Ok(see_other(&format!("/plans/{id}")))
}
