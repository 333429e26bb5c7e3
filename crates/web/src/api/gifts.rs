//! What a donor's gifts became, through the API, with the same right as
//! the donor's gifts page (`ManageDonors`): each pledge with its
//! instalments, what was received and what is overdue, and every
//! allocation followed to its need line — delivered, accepted, and the
//! children served only as suppressed counts (never a name, never a small
//! cell).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::Utc;
use domain::authz::{Action, Target};
use serde_json::{Value, json};

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::pages::gifts::{PledgeGifts, pledge_gifts};
use crate::state::AppState;

fn pledge_json(g: &PledgeGifts) -> Value {
    let p = &g.pledge;
    json!({
        "pledge_id": p.id, "kind": p.kind, "amount": p.amount, "status": p.status,
        "received": g.received,
        "instalments": g.instalments.iter().map(|i| json!({"amount": i.amount,
            "due_on": i.due_on.to_string(), "overdue": i.overdue})).collect::<Vec<_>>(),
        "overdue": g.overdue.map_or(Value::Null, |(since, missing)|
            json!({"since": since.to_string(), "missing": missing})),
        "receipts": g.receipts.iter().map(|r| json!({"id": r.id, "receipt_no": r.receipt_no,
            "received_on": r.received_on.to_string(), "kind": r.kind, "amount": r.amount}))
            .collect::<Vec<_>>(),
        "gifts": g.gifts.iter().map(|v| {
            let l = &v.line;
            json!({"allocation_id": l.allocation_id, "need_line_id": l.need_line_id,
                "site_name": l.site_name, "unit_code": l.unit_code, "category": l.category,
                "period_name": l.period_name, "allocated": l.allocated, "delivered": l.delivered,
                "accepted": l.accepted, "children": v.children})
        }).collect::<Vec<_>>(),
        "children_total": g.children_total,
    })
}

/// `GET /api/v1/donors/{id}/gifts`: every pledge of a donor and what it
/// became.
pub async fn donor(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ManageDonors, Target::Anywhere)?;
    let donor = storage::donors::get(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let today = Utc::now().date_naive();
    let mut pledges = Vec::new();
    for (pledge, _) in storage::donors::pledges(&state.db, Some(&id)).await? {
        pledges.push(pledge_json(
            &pledge_gifts(&state, pledge, today, true).await?,
        ));
    }
    Ok(
        Json(json!({"donor_id": donor.id, "donor_name": donor.name, "pledges": pledges}))
            .into_response(),
    )
}
