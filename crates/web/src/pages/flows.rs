//! Money passed on (issue 3, item 8): the city's flow totals, counted once,
//! the state budget apart; one organisation's flows in and out, with the
//! forms to pass a receipt's money on and to record it spent.

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use chrono::Utc;
use domain::authz::{Action, Target, authorize};
use serde::Deserialize;
use storage::accounts::StateBudgetLine;
use storage::flows::{Boundary, FlowRefusal, FlowTotals, NewExpenditure, NewTransfer, UnitFlows};
use storage::organisations::{OrgFilter, Organisation};

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::state::AppState;
use crate::view::Page;

use super::classifications::actor_of;
use super::{parse_date, render, see_other};

/// The unit an organisation's money is bound to: its commune, or the
/// province for a city-level body (a fund, a department), which scoped
/// officers do not reach.
pub(crate) fn org_target(org: &Organisation) -> Target<'_> {
    Target::Unit(
        org.unit_code
            .as_deref()
            .unwrap_or(storage::admin_units::PROVINCE),
    )
}

#[derive(Deserialize, Default)]
pub struct OverviewQuery {
    #[serde(default)]
    unit: Option<String>,
}

#[derive(Template)]
#[template(path = "flows.html")]
struct Overview {
    p: Page,
    city: FlowTotals,
    unit: String,
    unit_totals: Option<FlowTotals>,
    orgs: Vec<(Organisation, FlowTotals)>,
    budget: Vec<StateBudgetLine>,
}

/// The city's totals, a commune's on request, every organisation that
/// holds or held money, and the state budget apart.
pub async fn overview(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<OverviewQuery>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ViewUnitData, Target::Anywhere)?;
    let unit = q.unit.unwrap_or_default().trim().to_owned();
    let unit_totals = if unit.is_empty() {
        None
    } else {
        require(&ctx, Action::ViewUnitData, Target::Unit(&unit))?;
        Some(storage::flows::totals(&state.db, &Boundary::Units(vec![unit.clone()])).await?)
    };
    let visibility = ctx.actor.visibility();
    let with_flows = storage::flows::organisations_with_flows(&state.db).await?;
    let mut orgs = Vec::new();
    for org in storage::organisations::list(&state.db, &visibility, &OrgFilter::default()).await? {
        if !with_flows.contains(&org.id)
            || authorize(&ctx.actor, Action::ViewUnitData, org_target(&org)).is_err()
        {
            continue;
        }
        let t = storage::flows::totals(&state.db, &Boundary::Organisation(org.id.clone())).await?;
        orgs.push((org, t));
    }
    // City-wide figures only for those who see the whole city.
    let whole_city = authorize(
        &ctx.actor,
        Action::ViewUnitData,
        Target::Unit(storage::admin_units::PROVINCE),
    )
    .is_ok();
    let (city, budget) = if whole_city {
        (
            storage::flows::totals(&state.db, &Boundary::All).await?,
            storage::accounts::state_budget_summary(&state.db).await?,
        )
    } else {
        (FlowTotals::default(), Vec::new())
    };
    render(&Overview {
        p: Page::new(&ctx, "flows-title"),
        city,
        unit,
        unit_totals,
        orgs,
        budget,
    })
}

#[derive(Template)]
#[template(path = "flows_unit.html")]
struct UnitPage {
    p: Page,
    org: Organisation,
    flows: UnitFlows,
    holdings: Vec<(String, String, i64)>,
    recipients: Vec<Organisation>,
    may_record: bool,
    error: Option<String>,
    today: String,
    /// Where a reversal form comes back to.
    back: String,
}

async fn unit_page(
    state: &AppState,
    ctx: &Ctx,
    org: Organisation,
    error: Option<String>,
) -> Result<Response, AppError> {
    let flows = storage::flows::of_organisation(&state.db, &org.id).await?;
    let holdings = storage::flows::holdings(&state.db, &org.id).await?;
    let recipients =
        storage::organisations::list(&state.db, &ctx.actor.visibility(), &OrgFilter::default())
            .await?
            .into_iter()
            .filter(|o| o.valid_to.is_none() && o.id != org.id)
            .collect();
    let may_record = authorize(&ctx.actor, Action::RecordFlows, org_target(&org)).is_ok();
    render(&UnitPage {
        p: Page::new(ctx, "flows-unit-title"),
        back: format!("/flows/{}", org.id),
        org,
        flows,
        holdings,
        recipients,
        may_record,
        error,
        today: Utc::now().date_naive().to_string(),
    })
}

async fn organisation(state: &AppState, id: &str) -> Result<Organisation, AppError> {
    storage::organisations::get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn unit(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let org = organisation(&state, &id).await?;
    require(&ctx, Action::ViewUnitData, org_target(&org))?;
    unit_page(&state, &ctx, org, None).await
}

pub(crate) fn refusal_message(ctx: &Ctx, refusal: FlowRefusal) -> String {
    match refusal {
        FlowRefusal::BeyondHeld { held } => i18n::tf(
            ctx.lang,
            refusal.message_key(),
            &[("held", &i18n::format_vnd(held))],
        ),
        other => i18n::t(ctx.lang, other.message_key()),
    }
}

fn parse_amount(raw: &str) -> Option<i64> {
    raw.trim().replace(['.', ',', ' '], "").parse::<i64>().ok()
}

#[derive(Deserialize)]
pub struct TransferForm {
    receipt_id: String,
    to_org_id: String,
    amount: String,
    transferred_on: String,
    #[serde(default)]
    note: String,
}

pub async fn record_transfer(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(f): Form<TransferForm>,
) -> Result<Response, AppError> {
    let org = organisation(&state, &id).await?;
    require(&ctx, Action::RecordFlows, org_target(&org))?;
    let Some(amount) = parse_amount(&f.amount) else {
        let msg = i18n::t(ctx.lang, "allocation-error-amount");
        return unit_page(&state, &ctx, org, Some(msg)).await;
    };
    let Some(on) = parse_date(&f.transferred_on) else {
        let msg = i18n::t(ctx.lang, "classification-error-date");
        return unit_page(&state, &ctx, org, Some(msg)).await;
    };
    let t = NewTransfer {
        receipt_id: f.receipt_id,
        from_org_id: org.id.clone(),
        to_org_id: f.to_org_id,
        amount,
        transferred_on: on,
        note: f.note,
        is_demo: false,
    };
    match storage::flows::transfer(&state.db, &t, &actor_of(&ctx), Utc::now()).await? {
        Ok(_) => Ok(see_other(&format!("/flows/{}", org.id))),
        Err(refusal) => {
            let msg = refusal_message(&ctx, refusal);
            unit_page(&state, &ctx, org, Some(msg)).await
        }
    }
}

#[derive(Deserialize)]
pub struct SpendForm {
    receipt_id: String,
    amount: String,
    spent_on: String,
    #[serde(default)]
    need_line_id: String,
    #[serde(default)]
    description: String,
}

pub async fn record_spend(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(f): Form<SpendForm>,
) -> Result<Response, AppError> {
    let org = organisation(&state, &id).await?;
    require(&ctx, Action::RecordFlows, org_target(&org))?;
    let Some(amount) = parse_amount(&f.amount) else {
        let msg = i18n::t(ctx.lang, "allocation-error-amount");
        return unit_page(&state, &ctx, org, Some(msg)).await;
    };
    let Some(on) = parse_date(&f.spent_on) else {
        let msg = i18n::t(ctx.lang, "classification-error-date");
        return unit_page(&state, &ctx, org, Some(msg)).await;
    };
    let line = f.need_line_id.trim();
    let e = NewExpenditure {
        receipt_id: f.receipt_id,
        org_id: org.id.clone(),
        need_line_id: (!line.is_empty()).then(|| line.to_owned()),
        amount,
        spent_on: on,
        description: f.description,
        is_demo: false,
    };
    match storage::flows::spend(&state.db, &e, &actor_of(&ctx), Utc::now()).await? {
        Ok(_) => Ok(see_other(&format!("/flows/{}", org.id))),
        Err(refusal) => {
            let msg = refusal_message(&ctx, refusal);
            unit_page(&state, &ctx, org, Some(msg)).await
        }
    }
}
