//! A pledge's instalments through the API, with the same right as the
//! donor's gifts page (`ManageDonors`): read them, with what was received
//! and what is overdue, or replace them as a whole — they must add up to
//! the pledge.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{NaiveDate, Utc};
use domain::authz::{Action, Target};
use domain::needs::instalments::{Instalment, ScheduleError};
use serde::Deserialize;
use serde_json::{Value, json};
use storage::instalments::ScheduleRefusal;

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::pages::classifications_actor as actor_of;
use crate::state::AppState;

use super::flows::{body, refusal};

async fn schedule_json(state: &AppState, pledge_id: &str) -> Result<Value, AppError> {
    let pledge = storage::donors::pledge(&state.db, pledge_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let received = storage::tables::receipts(&state.db, Some(&pledge.donor_id))
        .await?
        .iter()
        .filter(|r| r.pledge_id == pledge.id)
        .fold(0i64, |a, r| a.saturating_add(r.amount));
    let schedule = storage::instalments::of_pledge(&state.db, &pledge.id).await?;
    let live = pledge.status != "cancelled" && pledge.origin != "public";
    let overdue = live
        .then(|| domain::needs::instalments::overdue(&schedule, received, Utc::now().date_naive()))
        .flatten()
        .map_or(
            Value::Null,
            |(since, missing)| json!({"since": since.to_string(), "missing": missing}),
        );
    Ok(json!({
        "pledge_id": pledge.id, "amount": pledge.amount, "status": pledge.status,
        "received": received,
        "instalments": schedule.iter().map(|i| json!({"amount": i.amount, "due_on": i.due_on.to_string()}))
            .collect::<Vec<_>>(),
        "overdue": overdue,
    }))
}

/// `GET /api/v1/pledges/{id}/instalments`.
pub async fn get(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ManageDonors, Target::Anywhere)?;
    Ok(Json(schedule_json(&state, &id).await?).into_response())
}

#[derive(Deserialize)]
struct InstalmentIn {
    amount: i64,
    due_on: NaiveDate,
}

#[derive(Deserialize)]
struct ScheduleIn {
    instalments: Vec<InstalmentIn>,
}

fn schedule_refused(ctx: &Ctx, r: ScheduleRefusal) -> Response {
    let (status, sum, extra) = match r {
        ScheduleRefusal::UnknownPledge => (StatusCode::NOT_FOUND, String::new(), json!({})),
        ScheduleRefusal::Cancelled => (StatusCode::CONFLICT, String::new(), json!({})),
        ScheduleRefusal::Invalid(ScheduleError::WrongSum(s)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            i18n::format_vnd(s),
            json!({"sum": s}),
        ),
        ScheduleRefusal::Invalid(ScheduleError::BadAmount(i) | ScheduleError::SameDate(i)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            String::new(),
            json!({"index": i}),
        ),
        ScheduleRefusal::Invalid(ScheduleError::Empty) => {
            (StatusCode::UNPROCESSABLE_ENTITY, String::new(), json!({}))
        }
    };
    let key = r.message_key();
    refusal(
        status,
        key,
        i18n::tf(ctx.lang, key, &[("sum", sum.as_str())]),
        extra,
    )
}

/// `PUT /api/v1/pledges/{id}/instalments`: replaces the schedule (all or
/// nothing, audited).
pub async fn put(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, AppError> {
    require(&ctx, Action::ManageDonors, Target::Anywhere)?;
    let input: ScheduleIn = body(&bytes)?;
    let items: Vec<Instalment> = input
        .instalments
        .into_iter()
        .map(|i| Instalment {
            amount: i.amount,
            due_on: i.due_on,
        })
        .collect();
    match storage::instalments::set(&state.db, &id, &items, &actor_of(&ctx), Utc::now()).await? {
        Ok(()) => Ok(Json(schedule_json(&state, &id).await?).into_response()),
        Err(r) => Ok(schedule_refused(&ctx, r)),
    }
}
