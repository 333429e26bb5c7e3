//! Receipts, deliveries (plan, hand over, accept) and the roll-ups through
//! the API, with the same rights and scopes as their pages: receipts are
//! the donor officers' (`ManageDonors`), deliveries are bound to their
//! line's unit (`RecordDelivery` on the giving side, `RecordAcceptance` on
//! the receiving side, `ViewUnitData` to read), roll-ups are scoped by the
//! caller's area. Refusals are JSON with the message key and words; going
//! beyond what was allocated or received is `409 Conflict`.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{NaiveDate, Utc};
use domain::authz::{Action, Target};
use domain::needs::delivery::{CheckAnswer, CheckKind, Decision, NcAction};
use serde::Deserialize;
use serde_json::{Value, json};
use storage::deliveries::{DeliveryRefusal, Handover, NewDelivery, Representative};
use storage::receipts::{NewReceipt, ReceiptRefusal};

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::pages::classifications_actor as actor_of;
use crate::pages::rollup::RollupQuery;
use crate::state::AppState;

pub(crate) fn body<T: serde::de::DeserializeOwned>(bytes: &Bytes) -> Result<T, AppError> {
    serde_json::from_slice(bytes).map_err(|e| AppError::bad("api-bad-json", e.to_string()))
}

pub(crate) fn refusal(status: StatusCode, key: &str, message: String, extra: Value) -> Response {
    let mut v = json!({"error": key, "message": message});
    if let (Some(obj), Value::Object(more)) = (v.as_object_mut(), extra) {
        obj.extend(more);
    }
    (status, Json(v)).into_response()
}

fn receipt_json(r: &storage::tables::ReceiptLine) -> Value {
    json!({"id": r.id, "receipt_no": r.receipt_no, "received_on": r.received_on.to_string(),
        "kind": r.kind, "method": r.method, "amount": r.amount, "account": r.account,
        "receiver_id": r.receiver_id, "receiver_name": r.receiver_name, "pledge_id": r.pledge_id,
        "donor_id": r.donor_id, "donor_name": r.donor_name})
}

/// `GET /api/v1/receipts`.
pub async fn receipts(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ManageDonors, Target::Anywhere)?;
    let rows = storage::tables::receipts(&state.db, None).await?;
    Ok(
        Json(json!({"receipts": rows.iter().map(receipt_json).collect::<Vec<_>>()}))
            .into_response(),
    )
}

#[derive(Deserialize)]
struct GoodsItemIn {
    name: String,
    unit: String,
    quantity: i64,
    unit_value: i64,
}

#[derive(Deserialize)]
struct ReceiptIn {
    pledge_id: String,
    kind: String,
    #[serde(default)]
    amount: i64,
    #[serde(default)]
    method: String,
    #[serde(default)]
    account: String,
    receiver_id: String,
    received_on: NaiveDate,
    /// Goods into a store: the store and the item lines (the amount is
    /// their valuation, never typed).
    #[serde(default)]
    store_id: Option<String>,
    #[serde(default)]
    items: Vec<GoodsItemIn>,
}

/// A goods receipt into a store, as the receipt page records it
/// (`ManageStock` on the store's unit: goods in are a stock movement).
async fn create_goods_receipt(
    state: &AppState,
    ctx: &Ctx,
    input: ReceiptIn,
    store_id: &str,
) -> Result<Response, AppError> {
    let store = storage::stock::get_store(&state.db, store_id)
        .await?
        .ok_or(AppError::NotFound)?;
    require(ctx, Action::ManageStock, Target::Unit(&store.unit_code))?;
    let new = NewReceipt {
        pledge_id: input.pledge_id,
        kind: "goods".into(),
        amount: 0,
        method: "goods".into(),
        account: input.account,
        receiver_id: input.receiver_id,
        received_on: input.received_on,
        is_demo: false,
    };
    let goods = storage::stock::GoodsIn {
        store_id: store.id,
        lines: input
            .items
            .into_iter()
            .map(|i| domain::needs::stock::GoodsLine {
                name: i.name,
                unit: i.unit,
                quantity: i.quantity,
                unit_value: i.unit_value,
            })
            .collect(),
    };
    match storage::stock::receive_goods(&state.db, &new, &goods, &actor_of(ctx), Utc::now()).await?
    {
        Ok(r) => Ok((
            StatusCode::CREATED,
            Json(json!({"id": r.id, "receipt_no": r.receipt_no, "amount": r.amount})),
        )
            .into_response()),
        Err(e) => {
            let extra = match &e {
                storage::stock::StockRefusal::Receipt(ReceiptRefusal::BeyondCommitment {
                    remaining,
                }) => json!({"remaining": remaining}),
                _ => json!({}),
            };
            let status = match &e {
                storage::stock::StockRefusal::Receipt(ReceiptRefusal::BeyondCommitment {
                    ..
                }) => StatusCode::CONFLICT,
                storage::stock::StockRefusal::Receipt(ReceiptRefusal::UnknownPledge) => {
                    StatusCode::NOT_FOUND
                }
                other => crate::pages::stores::refusal_status(other),
            };
            Ok(refusal(
                status,
                e.message_key(),
                crate::pages::stores::refusal_message(ctx.lang, &e),
                extra,
            ))
        }
    }
}

/// `POST /api/v1/receipts`: records a receipt against a commitment.
pub async fn create_receipt(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    bytes: Bytes,
) -> Result<Response, AppError> {
    require(&ctx, Action::ManageDonors, Target::Anywhere)?;
    let input: ReceiptIn = body(&bytes)?;
    if input.kind == "goods"
        && let Some(store_id) = input.store_id.clone().filter(|s| !s.trim().is_empty())
    {
        return create_goods_receipt(&state, &ctx, input, store_id.trim()).await;
    }
    if input.account.trim().is_empty() {
        let key = "receipt-error-account";
        return Ok(refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            key,
            i18n::t(ctx.lang, key),
            json!({"field": "account"}),
        ));
    }
    let new = NewReceipt {
        pledge_id: input.pledge_id,
        kind: input.kind,
        amount: input.amount,
        method: input.method,
        account: input.account,
        receiver_id: input.receiver_id,
        received_on: input.received_on,
        is_demo: false,
    };
    match storage::receipts::create(&state.db, &new, &actor_of(&ctx), Utc::now()).await? {
        Ok(r) => Ok((
            StatusCode::CREATED,
            Json(json!({"id": r.id, "receipt_no": r.receipt_no})),
        )
            .into_response()),
        Err(e) => {
            let key = e.message_key();
            Ok(match e {
                ReceiptRefusal::BeyondCommitment { remaining } => refusal(
                    StatusCode::CONFLICT,
                    key,
                    i18n::tf(
                        ctx.lang,
                        key,
                        &[("remaining", &i18n::format_vnd(remaining))],
                    ),
                    json!({"remaining": remaining}),
                ),
                ReceiptRefusal::UnknownPledge => refusal(
                    StatusCode::NOT_FOUND,
                    key,
                    i18n::t(ctx.lang, key),
                    json!({"field": "pledge_id"}),
                ),
                _ => refusal(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    key,
                    i18n::t(ctx.lang, key),
                    json!({}),
                ),
            })
        }
    }
}

fn delivery_json(l: &storage::tables::DeliveryLine) -> Value {
    let d = &l.delivery;
    json!({"id": d.id, "need_line_id": d.need_line_id, "site_id": d.site_id, "site_name": l.site_name,
        "unit_code": d.unit_code, "category": l.category, "period_name": l.period_name,
        "giver_id": d.giver_id, "form": d.form, "value": d.value, "accepted": l.accepted,
        "children_served": d.children_served, "status": d.status, "planned_on": d.planned_on.to_string(),
        "handed_over_on": d.handed_over_on.map(|x| x.to_string()), "minutes_no": d.minutes_no,
        "accepted_on": d.accepted_on.map(|x| x.to_string())})
}

/// `GET /api/v1/deliveries`: the deliveries of lines in the caller's area.
pub async fn deliveries(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ViewUnitData, Target::Anywhere)?;
    let rows = storage::tables::deliveries(&state.db, &ctx.actor.visibility()).await?;
    Ok(
        Json(json!({"deliveries": rows.iter().map(delivery_json).collect::<Vec<_>>()}))
            .into_response(),
    )
}

#[derive(Deserialize, Default)]
struct RepIn {
    #[serde(default)]
    name: String,
    #[serde(default)]
    position: String,
}

impl RepIn {
    fn rep(self) -> Representative {
        Representative {
            name: self.name,
            position: self.position,
        }
    }
}

#[derive(Deserialize)]
struct ItemIn {
    item: String,
    quantity: i64,
}

#[derive(Deserialize)]
struct DeliveryIn {
    need_line_id: String,
    giver_id: String,
    form: String,
    #[serde(default)]
    quantities: Vec<ItemIn>,
    #[serde(default)]
    amount: i64,
    #[serde(default)]
    children_served: i64,
    on: NaiveDate,
    #[serde(default)]
    hand_over: bool,
    #[serde(default)]
    place: String,
    #[serde(default)]
    giver_rep: RepIn,
    #[serde(default)]
    receiver_rep: RepIn,
    #[serde(default)]
    note: String,
}

fn delivery_refused(ctx: &Ctx, r: &DeliveryRefusal) -> Response {
    let status = match r {
        DeliveryRefusal::BeyondAllocated { .. }
        | DeliveryRefusal::BeyondReceived { .. }
        | DeliveryRefusal::BeyondNeed { .. }
        | DeliveryRefusal::Changed
        | DeliveryRefusal::AlreadyResolved => StatusCode::CONFLICT,
        DeliveryRefusal::UnknownLine | DeliveryRefusal::UnknownDelivery => StatusCode::NOT_FOUND,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let extra = match r {
        DeliveryRefusal::BeyondAllocated { remaining }
        | DeliveryRefusal::BeyondReceived { remaining } => json!({"remaining": remaining}),
        _ => json!({}),
    };
    refusal(
        status,
        r.message_key(),
        crate::pages::deliveries::refusal_message(ctx.lang, r),
        extra,
    )
}

/// `POST /api/v1/deliveries`: plans a delivery, or records one handed over
/// (`hand_over: true`).
pub async fn create_delivery(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    bytes: Bytes,
) -> Result<Response, AppError> {
    require(&ctx, Action::RecordDelivery, Target::Anywhere)?;
    let input: DeliveryIn = body(&bytes)?;
    let n = storage::needs::get(&state.db, &input.need_line_id)
        .await?
        .ok_or(AppError::NotFound)?;
    require(&ctx, Action::RecordDelivery, Target::Unit(&n.unit_code))?;
    let new = NewDelivery {
        need_line_id: input.need_line_id,
        giver_id: input.giver_id,
        form: input.form,
        quantities: input
            .quantities
            .into_iter()
            .map(|i| (i.item, i.quantity))
            .collect(),
        amount: input.amount,
        children_served: input.children_served,
        on: input.on,
        hand_over: input.hand_over,
        place: input.place,
        giver_rep: input.giver_rep.rep(),
        receiver_rep: input.receiver_rep.rep(),
        note: input.note,
        is_demo: false,
    };
    match storage::deliveries::create(&state.db, &new, &actor_of(&ctx), Utc::now()).await? {
        Ok(d) => Ok((
            StatusCode::CREATED,
            Json(json!({"id": d.id, "status": d.status, "value": d.value, "minutes_no": d.minutes_no})),
        )
            .into_response()),
        Err(r) => Ok(delivery_refused(&ctx, &r)),
    }
}

#[derive(Deserialize)]
struct HandoverIn {
    on: NaiveDate,
    #[serde(default)]
    place: String,
    #[serde(default)]
    giver_rep: RepIn,
    #[serde(default)]
    receiver_rep: RepIn,
}

async fn delivery_or_404(
    state: &AppState,
    id: &str,
) -> Result<storage::deliveries::Delivery, AppError> {
    storage::deliveries::get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// `POST /api/v1/deliveries/{id}/handover`.
pub async fn hand_over(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, AppError> {
    require(&ctx, Action::RecordDelivery, Target::Anywhere)?;
    let d = delivery_or_404(&state, &id).await?;
    require(&ctx, Action::RecordDelivery, Target::Unit(&d.unit_code))?;
    let input: HandoverIn = body(&bytes)?;
    let h = Handover {
        on: input.on,
        place: input.place,
        giver_rep: input.giver_rep.rep(),
        receiver_rep: input.receiver_rep.rep(),
    };
    match storage::deliveries::hand_over(&state.db, &id, &h, &actor_of(&ctx), Utc::now()).await? {
        Ok(_) => {
            let d = delivery_or_404(&state, &id).await?;
            Ok(
                Json(json!({"id": d.id, "status": d.status, "minutes_no": d.minutes_no}))
                    .into_response(),
            )
        }
        Err(r) => Ok(delivery_refused(&ctx, &r)),
    }
}

#[derive(Deserialize)]
struct AnswerIn {
    kind: String,
    passed: bool,
    #[serde(default)]
    note: String,
    #[serde(default)]
    quantity: i64,
    #[serde(default)]
    value: i64,
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    resolved: bool,
}

#[derive(Deserialize)]
struct AcceptanceIn {
    decided_on: NaiveDate,
    /// `accept` or `reject`.
    decision: String,
    #[serde(default)]
    answers: Vec<AnswerIn>,
}

/// `POST /api/v1/deliveries/{id}/acceptance`: the receiving site's
/// checklist and decision.
pub async fn accept(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, AppError> {
    require(&ctx, Action::RecordAcceptance, Target::Anywhere)?;
    let d = delivery_or_404(&state, &id).await?;
    require(&ctx, Action::RecordAcceptance, Target::Unit(&d.unit_code))?;
    let input: AcceptanceIn = body(&bytes)?;
    let decision = match input.decision.as_str() {
        "accept" => Decision::Accept,
        "reject" => Decision::Reject,
        other => return Err(AppError::bad("api-bad-decision", other.to_owned())),
    };
    let mut answers = Vec::new();
    for a in input.answers {
        let Some(kind) = CheckKind::parse(&a.kind) else {
            return Err(AppError::bad("api-bad-check", a.kind));
        };
        let action = match a.action.as_deref() {
            None => NcAction::Replace,
            Some(s) => {
                NcAction::parse(s).ok_or_else(|| AppError::bad("api-bad-check", s.to_owned()))?
            }
        };
        answers.push(CheckAnswer {
            kind,
            passed: a.passed,
            note: a.note,
            quantity: if a.passed { 0 } else { a.quantity },
            value: if a.passed { 0 } else { a.value },
            action,
            resolved: !a.passed && a.resolved,
        });
    }
    let acc = storage::acceptance::Acceptance {
        decided_on: input.decided_on,
        decision,
        answers,
    };
    match storage::acceptance::record(&state.db, &id, &acc, &actor_of(&ctx), Utc::now()).await? {
        Ok(_) => {
            let d = delivery_or_404(&state, &id).await?;
            let ncs = storage::deliveries::ncs_of(&state.db, &id).await?;
            Ok(Json(json!({"id": d.id, "status": d.status,
                "accepted": storage::deliveries::accepted_of(&d, &ncs)}))
            .into_response())
        }
        Err(r) => Ok(delivery_refused(&ctx, &r)),
    }
}

#[derive(Deserialize)]
pub struct CosignIn {
    decided_on: NaiveDate,
    decision: String,
}

/// `POST /api/v1/deliveries/{id}/cosign`: the commune's co-signature of
/// what the receiving site signed; only this accepts the delivery.
pub async fn cosign(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, AppError> {
    require(&ctx, Action::CosignAcceptance, Target::Anywhere)?;
    let d = delivery_or_404(&state, &id).await?;
    require(&ctx, Action::CosignAcceptance, Target::Unit(&d.unit_code))?;
    let input: CosignIn = body(&bytes)?;
    let decision = match input.decision.as_str() {
        "accept" => Decision::Accept,
        "reject" => Decision::Reject,
        other => return Err(AppError::bad("api-bad-decision", other.to_owned())),
    };
    let c = storage::acceptance::Cosignature {
        decided_on: input.decided_on,
        decision,
    };
    match storage::acceptance::cosign(&state.db, &id, &c, &actor_of(&ctx), Utc::now()).await? {
        Ok(_) => {
            let d = delivery_or_404(&state, &id).await?;
            let ncs = storage::deliveries::ncs_of(&state.db, &id).await?;
            Ok(Json(json!({"id": d.id, "status": d.status,
                "accepted": storage::deliveries::accepted_of(&d, &ncs)}))
            .into_response())
        }
        Err(r) => Ok(delivery_refused(&ctx, &r)),
    }
}

fn nc_json(n: &storage::acceptance::NonconformityRow) -> Value {
    json!({"id": n.id, "delivery_id": n.delivery_id, "check_kind": n.check_kind,
        "description": n.description, "quantity": n.quantity, "value": n.value,
        "action": n.action, "resolved": n.resolved, "resolution_note": n.resolution_note,
        "resolved_by": n.resolved_by})
}

/// `GET /api/v1/deliveries/{id}`: one delivery of a line in the caller's
/// area, with its non-conformities.
pub async fn delivery(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ViewUnitData, Target::Anywhere)?;
    let d = delivery_or_404(&state, &id).await?;
    require(&ctx, Action::ViewUnitData, Target::Unit(&d.unit_code))?;
    let ncs = storage::deliveries::ncs_of(&state.db, &id).await?;
    let rows = storage::acceptance::nonconformities(&state.db, &id).await?;
    Ok(Json(json!({"id": d.id, "need_line_id": d.need_line_id, "unit_code": d.unit_code,
        "form": d.form, "value": d.value, "status": d.status,
        "accepted": storage::deliveries::accepted_of(&d, &ncs),
        "planned_on": d.planned_on.to_string(), "handed_over_on": d.handed_over_on.map(|x| x.to_string()),
        "minutes_no": d.minutes_no, "accepted_on": d.accepted_on.map(|x| x.to_string()),
        "nonconformities": rows.iter().map(nc_json).collect::<Vec<_>>()}))
    .into_response())
}

#[derive(Deserialize)]
struct ResolveIn {
    note: String,
    #[serde(default)]
    on: Option<NaiveDate>,
}

/// `POST /api/v1/nonconformities/{id}/resolve`: the receiving side (the
/// site or its commune) marks a non-conformity followed up, with a note.
pub async fn resolve(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(nc_id): Path<String>,
    bytes: Bytes,
) -> Result<Response, AppError> {
    use crate::pages::deliveries::require_receiving_side;
    require_receiving_side(&ctx, Target::Anywhere)?;
    let nc = storage::acceptance::nonconformity(&state.db, &nc_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let d = delivery_or_404(&state, &nc.delivery_id).await?;
    require_receiving_side(&ctx, Target::Unit(&d.unit_code))?;
    let input: ResolveIn = body(&bytes)?;
    let on = input.on.unwrap_or_else(|| Utc::now().date_naive());
    match storage::acceptance::resolve(
        &state.db,
        &nc_id,
        &input.note,
        on,
        &actor_of(&ctx),
        Utc::now(),
    )
    .await?
    {
        Ok(_) => {
            let d = delivery_or_404(&state, &d.id).await?;
            let ncs = storage::deliveries::ncs_of(&state.db, &d.id).await?;
            let nc = storage::acceptance::nonconformity(&state.db, &nc_id)
                .await?
                .ok_or(AppError::NotFound)?;
            Ok(Json(
                json!({"nonconformity": nc_json(&nc), "delivery_id": d.id, "status": d.status,
                "accepted": storage::deliveries::accepted_of(&d, &ncs)}),
            )
            .into_response())
        }
        Err(r) => Ok(delivery_refused(&ctx, &r)),
    }
}

/// `GET /api/v1/rollups?by=site|commune|category|period|programme`.
pub async fn rollups(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<RollupQuery>,
) -> Result<Response, AppError> {
    if !q.by.is_empty() && storage::rollup::RollupBy::parse(&q.by).is_none() {
        return Err(AppError::bad("api-bad-rollup", q.by));
    }
    let (rows, total) = crate::pages::rollup::compute(&state, &ctx, &q).await?;
    let row = |r: &storage::rollup::RollupRow| {
        let c = &r.coverage;
        json!({"key": r.key, "label": r.label, "lines": r.lines, "quantity": r.quantity,
            "need": c.need, "pledged": c.pledged, "committed": c.committed, "received": c.received,
            "allocated": c.allocated, "delivered": c.delivered, "accepted": c.accepted,
            "children_served": r.children_served, "gap": r.gap})
    };
    Ok(Json(
        json!({"by": q.by().as_str(), "groups": rows.iter().map(row).collect::<Vec<_>>(),
        "total": row(&total)}),
    )
    .into_response())
}
