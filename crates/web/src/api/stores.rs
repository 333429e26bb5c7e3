//! Stores and their stock through the API, with the same rights and scopes
//! as the stores pages: reading is `ViewUnitData` on the store's unit (its
//! owner's commune, or the province for a city-wide owner); opening a
//! store, adjusting and counting is `ManageStock` there. Stock is computed
//! from the events, never typed; taking out more than is there is
//! `409 Conflict` naming the item and what is available.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{NaiveDate, Utc};
use domain::authz::{Action, Target, authorize};
use domain::needs::stock::StockError;
use serde::Deserialize;
use serde_json::{Value, json};
use storage::stock::{Adjustment, Counted, NewStore, StockEvent, StockRefusal, Store};

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::pages::classifications_actor as actor_of;
use crate::pages::stores::{refusal_message, refusal_status};
use crate::state::AppState;

use super::flows::{body, refusal};

fn store_json(s: &Store) -> Value {
    json!({"id": s.id, "org_id": s.org_id, "name": s.name, "address": s.address,
        "unit_code": s.unit_code})
}

fn event_json(e: &StockEvent) -> Value {
    json!({"id": e.id, "seq": e.seq, "kind": e.kind, "item": e.item, "unit": e.unit,
        "quantity": e.quantity, "counted": e.counted, "unit_value": e.unit_value,
        "receipt_id": e.receipt_id, "delivery_id": e.delivery_id, "reason": e.reason,
        "occurred_on": e.occurred_on.to_string(), "recorded_by": e.recorded_by})
}

fn stock_refused(ctx: &Ctx, r: &StockRefusal) -> Response {
    let extra = match r {
        StockRefusal::Rules(StockError::Beyond { item, available }) => {
            json!({"item": item, "available": available})
        }
        StockRefusal::UnknownOrganisation => json!({"field": "org_id"}),
        _ => json!({}),
    };
    let status = match r {
        StockRefusal::UnknownStore => StatusCode::NOT_FOUND,
        other => refusal_status(other),
    };
    refusal(status, r.message_key(), refusal_message(ctx.lang, r), extra)
}

/// `GET /api/v1/stores`: the stores in the caller's scope.
pub async fn list(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ViewUnitData, Target::Anywhere)?;
    let stores = storage::stock::stores(&state.db, &ctx.actor.visibility()).await?;
    Ok(Json(json!({"stores": stores.iter().map(store_json).collect::<Vec<_>>()})).into_response())
}

#[derive(Deserialize)]
struct StoreIn {
    org_id: String,
    name: String,
    #[serde(default)]
    address: String,
}

/// `POST /api/v1/stores`: opens a store for an organisation in scope.
pub async fn create(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    bytes: Bytes,
) -> Result<Response, AppError> {
    require(&ctx, Action::ManageStock, Target::Anywhere)?;
    let input: StoreIn = body(&bytes)?;
    let Some(org) = storage::organisations::get(&state.db, &input.org_id).await? else {
        return Ok(stock_refused(&ctx, &StockRefusal::UnknownOrganisation));
    };
    let unit = org
        .unit_code
        .clone()
        .unwrap_or_else(|| storage::admin_units::PROVINCE.to_owned());
    require(&ctx, Action::ManageStock, Target::Unit(&unit))?;
    let new = NewStore {
        org_id: org.id,
        name: input.name,
        address: input.address,
        is_demo: false,
    };
    match storage::stock::create_store(&state.db, &new, &actor_of(&ctx), Utc::now()).await? {
        Ok(s) => Ok((StatusCode::CREATED, Json(store_json(&s))).into_response()),
        Err(r) => Ok(stock_refused(&ctx, &r)),
    }
}

async fn store_in_scope(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    action: Action,
) -> Result<Store, AppError> {
    require(ctx, action, Target::Anywhere)?;
    let store = storage::stock::get_store(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    require(ctx, action, Target::Unit(&store.unit_code))?;
    Ok(store)
}

async fn store_state(state: &AppState, ctx: &Ctx, store: &Store) -> Result<Value, AppError> {
    let levels = storage::stock::levels(&state.db, &store.id).await?;
    let events = storage::stock::events(&state.db, &store.id).await?;
    Ok(json!({
        "store": store_json(store),
        "stock": levels.iter().map(|l| json!({"item": l.item, "unit": l.unit, "quantity": l.quantity}))
            .collect::<Vec<_>>(),
        "events": events.iter().map(event_json).collect::<Vec<_>>(),
        "may_manage": authorize(&ctx.actor, Action::ManageStock, Target::Unit(&store.unit_code)).is_ok(),
    }))
}

/// `GET /api/v1/stores/{id}`: a store's computed stock and its movements,
/// newest first.
pub async fn one(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let store = store_in_scope(&state, &ctx, &id, Action::ViewUnitData).await?;
    Ok(Json(store_state(&state, &ctx, &store).await?).into_response())
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

#[derive(Deserialize)]
struct AdjustmentIn {
    item: String,
    unit: String,
    change: i64,
    reason: String,
    #[serde(default)]
    on: Option<NaiveDate>,
}

/// `POST /api/v1/stores/{id}/adjustments`: a signed change with its reason.
pub async fn adjust(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, AppError> {
    let store = store_in_scope(&state, &ctx, &id, Action::ManageStock).await?;
    let input: AdjustmentIn = body(&bytes)?;
    let a = Adjustment {
        item: input.item,
        unit: input.unit,
        change: input.change,
        reason: input.reason,
        on: input.on.unwrap_or_else(today),
    };
    match storage::stock::adjust(&state.db, &store.id, &a, &actor_of(&ctx), Utc::now()).await? {
        Ok(ev) => Ok((StatusCode::CREATED, Json(event_json(&ev))).into_response()),
        Err(r) => Ok(stock_refused(&ctx, &r)),
    }
}

#[derive(Deserialize)]
struct CountLineIn {
    item: String,
    unit: String,
    counted: i64,
}

#[derive(Deserialize)]
struct CountIn {
    lines: Vec<CountLineIn>,
    #[serde(default)]
    on: Option<NaiveDate>,
    #[serde(default)]
    note: String,
}

/// `POST /api/v1/stores/{id}/counts`: a stocktake; each line counted
/// becomes a `count` event of the difference (items not listed are left
/// as they are).
pub async fn count(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, AppError> {
    let store = store_in_scope(&state, &ctx, &id, Action::ManageStock).await?;
    let input: CountIn = body(&bytes)?;
    let lines: Vec<Counted> = input
        .lines
        .into_iter()
        .map(|l| Counted {
            item: l.item,
            unit: l.unit,
            counted: l.counted,
        })
        .collect();
    match storage::stock::count(
        &state.db,
        &store.id,
        &lines,
        input.on.unwrap_or_else(today),
        &input.note,
        &actor_of(&ctx),
        Utc::now(),
    )
    .await?
    {
        Ok(events) => Ok((
            StatusCode::CREATED,
            Json(json!({"events": events.iter().map(event_json).collect::<Vec<_>>()})),
        )
            .into_response()),
        Err(r) => Ok(stock_refused(&ctx, &r)),
    }
}
