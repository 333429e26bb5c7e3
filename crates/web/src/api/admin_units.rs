//! `GET /api/v1/admin-units…`: the map of Huế at any date. Public.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use storage::admin_units::UnitRow;

use crate::error::AppError;
use crate::state::AppState;

use super::on_date;

#[derive(Serialize)]
pub struct UnitJson {
    code: String,
    name: String,
    #[serde(rename = "type")]
    unit_type: String,
    level: String,
    parent_code: Option<String>,
    valid_from: Option<String>,
    valid_to: Option<String>,
}

impl From<UnitRow> for UnitJson {
    fn from(u: UnitRow) -> Self {
        UnitJson {
            code: u.code,
            name: u.name,
            unit_type: u.unit_type,
            level: u.level,
            parent_code: u.parent_code,
            valid_from: u.valid_from.map(|d| d.to_string()),
            valid_to: u.valid_to.map(|d| d.to_string()),
        }
    }
}

/// The query string, read leniently so that a malformed one gives a JSON 400
/// rather than axum's plain-text rejection.
type Params = Query<HashMap<String, String>>;

fn check_code(code: &str) -> Result<(), AppError> {
    if code.is_empty() || code.len() > 10 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Err(AppError::bad("api-bad-code", code));
    }
    Ok(())
}

pub async fn one(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Params,
) -> Result<Response, AppError> {
    check_code(&code)?;
    let on = on_date(q.get("on").map(String::as_str))?;
    let unit = storage::admin_units::unit_on(&state.db, &code, on)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(UnitJson::from(unit)).into_response())
}

#[derive(Serialize)]
struct LineageJson {
    unit: UnitJson,
    predecessors: Vec<UnitJson>,
    successors: Vec<UnitJson>,
}

pub async fn lineage(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Params,
) -> Result<Response, AppError> {
    check_code(&code)?;
    let on = on_date(q.get("on").map(String::as_str))?;
    let unit = storage::admin_units::unit_on(&state.db, &code, on)
        .await?
        .ok_or(AppError::NotFound)?;
    let l = storage::admin_units::lineage(&state.db, &unit.id).await?;
    Ok(Json(LineageJson {
        unit: unit.into(),
        predecessors: l.predecessors.into_iter().map(Into::into).collect(),
        successors: l.successors.into_iter().map(Into::into).collect(),
    })
    .into_response())
}

#[derive(Deserialize)]
struct ListParams {
    level: Option<String>,
}

pub async fn list(State(state): State<AppState>, Query(q): Params) -> Result<Response, AppError> {
    let on = on_date(q.get("on").map(String::as_str))?;
    let params = ListParams {
        level: q.get("level").cloned(),
    };
    if let Some(level) = &params.level
        && !matches!(level.as_str(), "province" | "district" | "commune")
    {
        return Err(AppError::bad("api-bad-level", level.clone()));
    }
    let units: Vec<UnitJson> = storage::admin_units::units_on(&state.db, on)
        .await?
        .into_iter()
        .filter(|u| params.level.as_deref().is_none_or(|l| l == u.level))
        .map(Into::into)
        .collect();
    Ok(Json(serde_json::json!({"on": on.to_string(), "units": units})).into_response())
}
