//! Money passed on through the API, with the same rights and scopes as the
//! flows pages: reading is `ViewUnitData` on the organisation's unit (its
//! commune, or the province for a city-level body), passing money on and
//! recording it spent is `RecordFlows` on the organisation that holds it.
//! City-wide totals only for those who see the whole city. Going beyond
//! what an organisation holds is `409 Conflict` naming what it holds.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{NaiveDate, Utc};
use domain::authz::{Action, Target, authorize};
use serde::Deserialize;
use serde_json::{Value, json};
use storage::flows::{Boundary, FlowRefusal, FlowTotals, NewExpenditure, NewTransfer};
use storage::organisations::{OrgFilter, Organisation};

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::pages::classifications_actor as actor_of;
use crate::pages::flows::{org_target, refusal_message};
use crate::state::AppState;

use super::flows::{body, refusal};

fn totals_json(t: &FlowTotals) -> Value {
    json!({"received": t.received, "came_in": t.came_in, "passed_on": t.passed_on,
        "spent": t.spent, "held": t.held})
}

fn org_json(o: &Organisation) -> Value {
    json!({"id": o.id, "name": o.name, "org_type": o.org_type, "unit_code": o.unit_code})
}

fn transfer_json(t: &storage::flows::TransferRow) -> Value {
    json!({"id": t.id, "receipt_id": t.receipt_id, "receipt_no": t.receipt_no,
        "from_org_id": t.from_org_id, "from_name": t.from_name, "to_org_id": t.to_org_id,
        "to_name": t.to_name, "amount": t.amount, "transferred_on": t.transferred_on.to_string(),
        "note": t.note})
}

fn expenditure_json(e: &storage::flows::ExpenditureRow) -> Value {
    json!({"id": e.id, "receipt_id": e.receipt_id, "receipt_no": e.receipt_no,
        "org_id": e.org_id, "org_name": e.org_name, "need_line_id": e.need_line_id,
        "amount": e.amount, "spent_on": e.spent_on.to_string(), "description": e.description})
}

#[derive(Deserialize, Default)]
pub struct FlowsQuery {
    #[serde(default)]
    org: Option<String>,
    #[serde(default)]
    unit: Option<String>,
}

async fn organisation(state: &AppState, id: &str) -> Result<Organisation, AppError> {
    storage::organisations::get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// `GET /api/v1/flows?org=…` (one organisation's flows in and out and what
/// it holds) or `GET /api/v1/flows[?unit=…]` (the city's totals, a
/// commune's on request, and the organisations with flows in scope).
pub async fn list(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<FlowsQuery>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ViewUnitData, Target::Anywhere)?;
    if let Some(id) = q.org.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let org = organisation(&state, id).await?;
        require(&ctx, Action::ViewUnitData, org_target(&org))?;
        let flows = storage::flows::of_organisation(&state.db, &org.id).await?;
        let holdings = storage::flows::holdings(&state.db, &org.id).await?;
        let may_record = authorize(&ctx.actor, Action::RecordFlows, org_target(&org)).is_ok();
        return Ok(Json(json!({
            "organisation": org_json(&org),
            "totals": totals_json(&flows.totals),
            "transfers_in": flows.transfers_in.iter().map(transfer_json).collect::<Vec<_>>(),
            "transfers_out": flows.transfers_out.iter().map(transfer_json).collect::<Vec<_>>(),
            "expenditures": flows.expenditures.iter().map(expenditure_json).collect::<Vec<_>>(),
            "holdings": holdings.iter().map(|(id, no, held)|
                json!({"receipt_id": id, "receipt_no": no, "held": held})).collect::<Vec<_>>(),
            "may_record": may_record,
        }))
        .into_response());
    }
    let unit = q.unit.unwrap_or_default().trim().to_owned();
    let unit_totals = if unit.is_empty() {
        Value::Null
    } else {
        require(&ctx, Action::ViewUnitData, Target::Unit(&unit))?;
        let t = storage::flows::totals(&state.db, &Boundary::Units(vec![unit.clone()])).await?;
        json!({"unit_code": unit, "totals": totals_json(&t)})
    };
    let with_flows = storage::flows::organisations_with_flows(&state.db).await?;
    let mut orgs = Vec::new();
    for org in
        storage::organisations::list(&state.db, &ctx.actor.visibility(), &OrgFilter::default())
            .await?
    {
        if !with_flows.contains(&org.id)
            || authorize(&ctx.actor, Action::ViewUnitData, org_target(&org)).is_err()
        {
            continue;
        }
        let t = storage::flows::totals(&state.db, &Boundary::Organisation(org.id.clone())).await?;
        let mut v = org_json(&org);
        if let Some(obj) = v.as_object_mut() {
            obj.insert("totals".into(), totals_json(&t));
        }
        orgs.push(v);
    }
    let whole_city = authorize(
        &ctx.actor,
        Action::ViewUnitData,
        Target::Unit(storage::admin_units::PROVINCE),
    )
    .is_ok();
    let city = if whole_city {
        totals_json(&storage::flows::totals(&state.db, &Boundary::All).await?)
    } else {
        Value::Null
    };
    Ok(Json(json!({"city": city, "unit": unit_totals, "organisations": orgs})).into_response())
}

fn flow_refused(ctx: &Ctx, r: FlowRefusal) -> Response {
    let (status, extra) = match r {
        FlowRefusal::BeyondHeld { held } => (StatusCode::CONFLICT, json!({"held": held})),
        FlowRefusal::UnknownReceipt => (StatusCode::NOT_FOUND, json!({"field": "receipt_id"})),
        FlowRefusal::UnknownOrganisation => (StatusCode::NOT_FOUND, json!({})),
        FlowRefusal::LineNotFunded => (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"field": "need_line_id"}),
        ),
        _ => (StatusCode::UNPROCESSABLE_ENTITY, json!({})),
    };
    refusal(status, r.message_key(), refusal_message(ctx, r), extra)
}

#[derive(Deserialize)]
struct TransferIn {
    from_org_id: String,
    receipt_id: String,
    to_org_id: String,
    amount: i64,
    transferred_on: NaiveDate,
    #[serde(default)]
    note: String,
}

/// `POST /api/v1/transfers`: passes (part of) a receipt's money from the
/// organisation holding it to another.
pub async fn transfer(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    bytes: Bytes,
) -> Result<Response, AppError> {
    require(&ctx, Action::RecordFlows, Target::Anywhere)?;
    let input: TransferIn = body(&bytes)?;
    let org = organisation(&state, &input.from_org_id).await?;
    require(&ctx, Action::RecordFlows, org_target(&org))?;
    let t = NewTransfer {
        receipt_id: input.receipt_id,
        from_org_id: org.id.clone(),
        to_org_id: input.to_org_id,
        amount: input.amount,
        transferred_on: input.transferred_on,
        note: input.note,
        is_demo: false,
    };
    match storage::flows::transfer(&state.db, &t, &actor_of(&ctx), Utc::now()).await? {
        Ok(id) => {
            let held = storage::flows::held(&state.db, &org.id, &t.receipt_id).await?;
            Ok((
                StatusCode::CREATED,
                Json(json!({"id": id, "held_by_sender": held})),
            )
                .into_response())
        }
        Err(r) => Ok(flow_refused(&ctx, r)),
    }
}

#[derive(Deserialize)]
struct ExpenditureIn {
    org_id: String,
    receipt_id: String,
    #[serde(default)]
    need_line_id: Option<String>,
    amount: i64,
    spent_on: NaiveDate,
    #[serde(default)]
    description: String,
}

/// `POST /api/v1/expenditures`: records (part of) a receipt's money as
/// spent by the organisation holding it.
pub async fn spend(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    bytes: Bytes,
) -> Result<Response, AppError> {
    require(&ctx, Action::RecordFlows, Target::Anywhere)?;
    let input: ExpenditureIn = body(&bytes)?;
    let org = organisation(&state, &input.org_id).await?;
    require(&ctx, Action::RecordFlows, org_target(&org))?;
    let e = NewExpenditure {
        receipt_id: input.receipt_id,
        org_id: org.id.clone(),
        need_line_id: input
            .need_line_id
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
        amount: input.amount,
        spent_on: input.spent_on,
        description: input.description,
        is_demo: false,
    };
    match storage::flows::spend(&state.db, &e, &actor_of(&ctx), Utc::now()).await? {
        Ok(id) => {
            let held = storage::flows::held(&state.db, &org.id, &e.receipt_id).await?;
            Ok((StatusCode::CREATED, Json(json!({"id": id, "held": held}))).into_response())
        }
        Err(r) => Ok(flow_refused(&ctx, r)),
    }
}
