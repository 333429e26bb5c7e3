//! The need line through the API: needs, catalogue, donors, pledges and
//! allocations, with the same rights and scopes as the pages. A refusal by
//! the overlap guard is `409 Conflict` naming what already covers the line.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::Utc;
use domain::authz::{Action, Target, authorize};
use domain::needs::{NeedStatus, OverlapDecision};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use storage::allocations::{AllocationBasis, AllocationRefusal, AllocationRequest};
use storage::needs::{NeedFilter, NeedRow, NewNeedLine};

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::pages::classifications_actor as actor_of;
use crate::state::AppState;

/// Parses a JSON body; a malformed one is a 400 with the parser's words.
fn body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, AppError> {
    serde_json::from_slice(bytes).map_err(|e| AppError::bad("api-bad-json", e.to_string()))
}

fn need_json(n: &NeedRow, staff: bool) -> Value {
    let c = n.coverage();
    let mut v = json!({
        "id": n.id, "site_id": n.site_id, "site_name": n.site_name, "unit_code": n.unit_code,
        "category": n.category, "period_id": n.period_id, "period_name": n.period_name,
        "starts_on": n.starts_on.to_string(), "ends_on": n.ends_on.to_string(),
        "package": {"id": n.package_id, "code": n.package_code, "version": n.package_version},
        "age_band": n.age_band, "quantity": n.quantity, "unit_value": n.unit_value,
        "need": c.need, "pledged": c.pledged, "committed": c.committed, "received": c.received,
        "delivered": c.delivered, "accepted": c.accepted, "children_served": if staff { Some(n.children_served) } else { n.children_served_public() },
        "gap": c.gap(),
        "status": n.status,
    });
    if staff {
        v["note"] = json!(n.note);
        v["status_reason"] = json!(n.status_reason);
    }
    v
}

pub async fn list(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ViewPublic, Target::Anywhere)?;
    let public = authorize(&ctx.actor, Action::ViewUnitData, Target::Anywhere).is_err();
    let filter = NeedFilter {
        public_only: public,
        ..NeedFilter::default()
    };
    let rows = storage::needs::list(&state.db, &ctx.actor.visibility(), &filter).await?;
    let items: Vec<Value> = rows.iter().map(|n| need_json(n, !public)).collect();
    Ok(Json(json!({"needs": items})).into_response())
}

pub async fn one(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let n = storage::needs::get(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let staff = authorize(&ctx.actor, Action::ViewUnitData, Target::Unit(&n.unit_code)).is_ok();
    if !staff && n.status != NeedStatus::Published.as_str() {
        return Err(AppError::NotFound);
    }
    let flows: Vec<Value> = storage::needs::flows(&state.db, &id)
        .await?
        .into_iter()
        .map(|f| {
            let source = if staff {
                Some(f.donor_name)
            } else {
                f.public_name
            };
            let mut v = json!({"source": source, "amount": f.amount});
            if staff {
                // Officers may reverse it (`POST /api/v1/reversals`).
                v["allocation_id"] = json!(f.id);
            }
            v
        })
        .collect();
    let mut v = need_json(&n, staff);
    v["covered_by"] = json!(flows);
    // As on the line's page: the committed pledges with money left whose
    // restrictions allow this line, for those who allocate.
    if authorize(&ctx.actor, Action::Allocate, Target::Anywhere).is_ok() {
        let eligible: Vec<Value> = crate::pages::needs::eligible_pledges(&state, &n)
            .await?
            .into_iter()
            .map(|(p, donor, remaining)| json!({"pledge_id": p.id, "donor": donor, "remaining": remaining}))
            .collect();
        v["eligible_pledges"] = json!(eligible);
    }
    Ok(Json(v).into_response())
}

#[derive(Deserialize)]
struct NeedIn {
    site_id: String,
    period_id: String,
    package_id: String,
    quantity: i64,
    #[serde(default)]
    note: String,
}

pub async fn create(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    bytes: Bytes,
) -> Result<Response, AppError> {
    require(&ctx, Action::EditUnitData, Target::Anywhere)?;
    let input: NeedIn = body(&bytes)?;
    let site = storage::organisations::get(&state.db, &input.site_id).await?;
    let Some(unit) = site.and_then(|s| s.unit_code) else {
        return Err(AppError::bad("need-error-site", input.site_id));
    };
    require(&ctx, Action::EditUnitData, Target::Unit(&unit))?;
    let new = NewNeedLine {
        site_id: input.site_id,
        period_id: input.period_id,
        package_id: input.package_id,
        quantity: input.quantity,
        note: input.note,
        is_demo: false,
    };
    match storage::needs::create(&state.db, &new, &actor_of(&ctx), Utc::now()).await? {
        Ok(id) => Ok((StatusCode::CREATED, Json(json!({"id": id}))).into_response()),
        Err(e) => Ok(unprocessable(
            &ctx,
            e.message_key(),
            Some(e.field()),
            json!({}),
        )),
    }
}

fn unprocessable(ctx: &Ctx, key: &str, field: Option<&str>, extra: Value) -> Response {
    let mut v = json!({"error": key, "message": i18n::t(ctx.lang, key)});
    if let Some(f) = field {
        v["field"] = json!(f);
    }
    if let (Some(obj), Value::Object(more)) = (v.as_object_mut(), extra) {
        obj.extend(more);
    }
    (StatusCode::UNPROCESSABLE_ENTITY, Json(v)).into_response()
}

#[derive(Deserialize)]
struct StatusIn {
    transition: String,
    #[serde(default)]
    reason: Option<String>,
}

pub async fn change_status(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, AppError> {
    let input: StatusIn = body(&bytes)?;
    let n = storage::needs::get(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    require(&ctx, Action::EditUnitData, Target::Unit(&n.unit_code))?;
    let outcome = crate::pages::needs::apply_transition(
        &state,
        &ctx,
        &n,
        &input.transition,
        input.reason.as_deref(),
    )
    .await?;
    match outcome {
        Ok(status) => Ok(Json(json!({"id": id, "status": status})).into_response()),
        Err(key) => Ok(unprocessable(&ctx, key, Some("transition"), json!({}))),
    }
}

#[derive(Deserialize)]
struct AllocationIn {
    need_line_id: String,
    pledge_id: String,
    amount: i64,
    #[serde(default)]
    override_reason: Option<String>,
    /// `commitment` (default: earmark committed money) or `received`
    /// (only money already received and not yet allocated).
    #[serde(default)]
    basis: Option<String>,
}

pub async fn allocate(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    bytes: Bytes,
) -> Result<Response, AppError> {
    require(&ctx, Action::Allocate, Target::Anywhere)?;
    let input: AllocationIn = body(&bytes)?;
    let basis = match input.basis.as_deref() {
        None | Some("commitment") => AllocationBasis::Commitment,
        Some("received") => AllocationBasis::Received,
        Some(_) => {
            return Ok(unprocessable(
                &ctx,
                "allocation-error-basis",
                Some("basis"),
                json!({}),
            ));
        }
    };
    let req = AllocationRequest {
        need_line_id: input.need_line_id,
        pledge_id: input.pledge_id,
        amount: input.amount,
        override_reason: input.override_reason,
        may_override: authorize(&ctx.actor, Action::OverrideOverlap, Target::Anywhere).is_ok(),
        is_demo: false,
    };
    match storage::allocations::allocate_from(&state.db, &req, basis, &actor_of(&ctx), Utc::now())
        .await?
    {
        Ok((id, reason)) => Ok((
            StatusCode::CREATED,
            Json(json!({"id": id, "override_reason": reason})),
        )
            .into_response()),
        Err(refusal) => {
            let (status, v) = refusal_json(&ctx, &refusal);
            Ok((status, Json(v)).into_response())
        }
    }
}

/// A refusal of the allocation guard as the API answers it: 409 when the
/// line is already covered (naming what covers it) or the pledge has too
/// little left, 404 for an unknown line or pledge, else 422.
pub(crate) fn refusal_json(ctx: &Ctx, refusal: &AllocationRefusal) -> (StatusCode, Value) {
    let message = crate::pages::needs::refusal_message(ctx.lang, refusal);
    let (status, extra) = match refusal {
        AllocationRefusal::Overlap(OverlapDecision::Refused {
            excess,
            line_need,
            group_need,
            existing,
        }) => (
            StatusCode::CONFLICT,
            json!({"excess": excess, "line_need": line_need, "group_need": group_need,
                "existing": existing.iter().map(|f| json!({"need_line_id": f.need_line_id,
                    "source": f.source, "amount": f.amount})).collect::<Vec<_>>()}),
        ),
        AllocationRefusal::BeyondPledge { remaining }
        | AllocationRefusal::BeyondReceived { remaining } => {
            (StatusCode::CONFLICT, json!({"remaining": remaining}))
        }
        AllocationRefusal::UnknownLine | AllocationRefusal::UnknownPledge => {
            (StatusCode::NOT_FOUND, json!({}))
        }
        _ => (StatusCode::UNPROCESSABLE_ENTITY, json!({})),
    };
    let mut v = json!({"error": refusal.message_key(), "message": message});
    if let (Some(obj), Value::Object(more)) = (v.as_object_mut(), extra) {
        obj.extend(more);
    }
    (status, v)
}

pub async fn catalogue(State(state): State<AppState>) -> Result<Response, AppError> {
    let periods: Vec<Value> = storage::catalogue::periods(&state.db)
        .await?
        .into_iter()
        .map(|p| json!({"id": p.id, "name": p.name, "starts_on": p.starts_on.to_string(), "ends_on": p.ends_on.to_string()}))
        .collect();
    let packages: Vec<Value> = storage::catalogue::current_packages(&state.db)
        .await?
        .into_iter()
        .map(|k| {
            json!({"id": k.id, "code": k.version.code, "version": k.version.version, "name": k.version.name,
                "category": k.version.category.as_str(), "age_band": k.version.age_band.as_str(),
                "unit_value": k.unit_value,
                "items": k.version.items.iter().map(|i| json!({"name": i.name, "unit": i.unit,
                    "quantity": i.quantity, "unit_value": i.unit_value})).collect::<Vec<_>>()})
        })
        .collect();
    Ok(Json(json!({"periods": periods, "packages": packages})).into_response())
}

fn donor_json(d: &storage::donors::Donor) -> Value {
    json!({"id": d.id, "kind": d.kind, "name": d.name, "origin": d.origin, "donor_type": d.donor_type,
        "tax_code": d.tax_code, "phone": d.phone, "email": d.email,
        "publish_name": d.publish_name, "anonymous": d.anonymous})
}

pub async fn donors(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ManageDonors, Target::Anywhere)?;
    let list: Vec<Value> = storage::donors::list(&state.db, None)
        .await?
        .iter()
        .map(donor_json)
        .collect();
    Ok(Json(json!({"donors": list})).into_response())
}

#[derive(Deserialize)]
struct DonorIn {
    name: String,
    kind: String,
    origin: String,
    donor_type: String,
    #[serde(default)]
    tax_code: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    publish_name: bool,
    #[serde(default)]
    anonymous: bool,
    /// Save even when likely duplicates exist.
    #[serde(default)]
    confirm: bool,
}

pub async fn create_donor(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    bytes: Bytes,
) -> Result<Response, AppError> {
    require(&ctx, Action::ManageDonors, Target::Anywhere)?;
    let input: DonorIn = body(&bytes)?;
    let name = domain::text::clean(&input.name);
    let valid = |v: &str, allowed: &[&str]| allowed.contains(&v);
    if name.is_empty()
        || !valid(&input.kind, &["organisation", "individual"])
        || !valid(&input.origin, &["domestic", "foreign"])
        || !valid(
            &input.donor_type,
            &[
                "business",
                "fund",
                "mass_organisation",
                "individual",
                "other",
            ],
        )
    {
        return Ok(unprocessable(&ctx, "donor-error", None, json!({})));
    }
    let clean = |v: Option<String>| v.map(|s| domain::text::clean(&s)).filter(|s| !s.is_empty());
    let donor = storage::donors::Donor {
        id: storage::new_id(),
        kind: input.kind,
        name,
        origin: input.origin,
        donor_type: input.donor_type,
        tax_code: clean(input.tax_code),
        phone: clean(input.phone),
        email: clean(input.email),
        publish_name: input.publish_name,
        anonymous: input.anonymous,
        is_demo: false,
    };
    if !input.confirm {
        let dups = storage::donors::likely_duplicates(&state.db, &donor).await?;
        if !dups.is_empty() {
            let list: Vec<Value> = dups.iter().map(donor_json).collect();
            let v = json!({"error": "donor-duplicates", "message": i18n::t(ctx.lang, "donor-duplicates"),
                "likely_duplicates": list});
            return Ok((StatusCode::CONFLICT, Json(v)).into_response());
        }
    }
    storage::donors::create(&state.db, &donor, &actor_of(&ctx), Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(donor_json(&donor))).into_response())
}

#[derive(Deserialize)]
struct PledgeIn {
    donor_id: String,
    kind: String,
    amount: i64,
    #[serde(default)]
    categories: Option<Vec<String>>,
    #[serde(default)]
    unit_codes: Option<Vec<String>>,
    #[serde(default)]
    age_bands: Option<Vec<String>>,
    #[serde(default)]
    period_id: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    due_on: Option<String>,
    #[serde(default)]
    committed: bool,
    #[serde(default)]
    note: String,
}

pub async fn create_pledge(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    bytes: Bytes,
) -> Result<Response, AppError> {
    require(&ctx, Action::ManageDonors, Target::Anywhere)?;
    let input: PledgeIn = body(&bytes)?;
    if storage::donors::get(&state.db, &input.donor_id)
        .await?
        .is_none()
    {
        return Err(AppError::NotFound);
    }
    if input.amount <= 0 || !["money", "goods", "service"].contains(&input.kind.as_str()) {
        return Ok(unprocessable(
            &ctx,
            "pledge-error-amount",
            Some("amount"),
            json!({}),
        ));
    }
    let bad_list = |l: &Option<Vec<String>>| l.as_ref().is_some_and(|v| v.is_empty());
    let bad_names = input
        .categories
        .iter()
        .flatten()
        .any(|c| c.parse::<domain::needs::Category>().is_err());
    if bad_names
        || bad_list(&input.categories)
        || bad_list(&input.unit_codes)
        || bad_list(&input.age_bands)
    {
        return Ok(unprocessable(
            &ctx,
            "pledge-error-restriction",
            None,
            json!({}),
        ));
    }
    for a in input.age_bands.iter().flatten() {
        if storage::age_bands::existing(&state.db, a).await?.is_none() {
            let key = "band-error-unknown";
            return Ok(super::flows::refusal(
                StatusCode::UNPROCESSABLE_ENTITY,
                key,
                i18n::tf(ctx.lang, key, &[("code", a.trim())]),
                json!({"field": "age_bands"}),
            ));
        }
    }
    for u in input.unit_codes.iter().flatten() {
        if storage::admin_units::versions_of(&state.db, u)
            .await?
            .is_empty()
        {
            return Ok(unprocessable(
                &ctx,
                "classification-error-unit",
                Some("unit_codes"),
                json!({"unit_code": u}),
            ));
        }
    }
    if let Some(p) = &input.period_id
        && storage::catalogue::period(&state.db, p).await?.is_none()
    {
        return Ok(unprocessable(
            &ctx,
            "need-error-period",
            Some("period_id"),
            json!({}),
        ));
    }
    let due_on = match input
        .due_on
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(raw) => match chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => return Err(AppError::bad("api-bad-date", raw)),
        },
    };
    let join = |v: Option<Vec<String>>| v.map(|l| l.join(","));
    let pledge = storage::donors::Pledge {
        id: storage::new_id(),
        donor_id: input.donor_id,
        kind: input.kind,
        amount: input.amount,
        status: if input.committed {
            "committed"
        } else {
            "pledged"
        }
        .into(),
        categories: join(input.categories),
        unit_codes: join(input.unit_codes),
        age_bands: join(input.age_bands),
        period_id: input.period_id,
        due_on,
        origin: "officer".into(),
        need_line_id: None,
        note: domain::text::clean(&input.note),
        is_demo: false,
        number: None,
    };
    storage::donors::create_pledge(&state.db, &pledge, &actor_of(&ctx), Utc::now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": pledge.id, "status": pledge.status})),
    )
        .into_response())
}

pub async fn commit_pledge(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ManageDonors, Target::Anywhere)?;
    let pledge = storage::donors::pledge(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    // A pledge made on a need line goes to that line when committed, if
    // this caller may allocate; the guard decides, and says why not.
    if pledge.need_line_id.is_some()
        && domain::authz::authorize(&ctx.actor, Action::Allocate, Target::Anywhere).is_ok()
    {
        use storage::allocations::CommitOutcome;
        let outcome =
            storage::allocations::commit_pledge(&state.db, &id, &actor_of(&ctx), Utc::now())
                .await?;
        let body = match outcome {
            CommitOutcome::NotPledged => {
                return Ok(unprocessable(
                    &ctx,
                    "need-error-transition",
                    Some("status"),
                    json!({}),
                ));
            }
            CommitOutcome::Committed => json!({"id": id, "status": "committed"}),
            CommitOutcome::Allocated {
                allocation_id,
                amount,
            } => json!({"id": id, "status": "committed",
                "allocation": {"id": allocation_id, "need_line_id": pledge.need_line_id, "amount": amount}}),
            CommitOutcome::NotAllocated(refusal) => json!({"id": id, "status": "committed",
                "allocation": null, "not_allocated": refusal.message_key(),
                "message": format!("{} {}", i18n::t(ctx.lang, "pledge-committed-not-allocated"),
                    i18n::t(ctx.lang, refusal.message_key()))}),
        };
        return Ok(Json(body).into_response());
    }
    let changed = storage::donors::commit(&state.db, &id, &actor_of(&ctx), Utc::now()).await?;
    if changed {
        Ok(Json(json!({"id": id, "status": "committed"})).into_response())
    } else {
        Ok(unprocessable(
            &ctx,
            "need-error-transition",
            Some("status"),
            json!({}),
        ))
    }
}

#[derive(Deserialize, Default)]
pub struct PledgeQuery {
    #[serde(default)]
    donor_id: Option<String>,
    /// `pledged` (e.g. public offers waiting for the coordinator),
    /// `committed` or `cancelled`.
    #[serde(default)]
    status: Option<String>,
}

/// `GET /api/v1/pledges`: pledges, newest first, with what is allocated
/// from each — the donor pages' tables (`ManageDonors`), so an integration
/// can find the public offers waiting to be committed.
pub async fn pledges(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<PledgeQuery>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ManageDonors, Target::Anywhere)?;
    let donor = q
        .donor_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let status = q.status.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if let Some(s) = status
        && !["pledged", "committed", "cancelled"].contains(&s)
    {
        return Ok(unprocessable(
            &ctx,
            "pledge-error-status",
            Some("status"),
            json!({}),
        ));
    }
    let list: Vec<Value> = storage::donors::pledges(&state.db, donor)
        .await?
        .into_iter()
        .filter(|(p, _)| status.is_none_or(|s| p.status == s))
        .map(|(p, allocated)| {
            json!({"id": p.id, "code": p.code(), "donor_id": p.donor_id, "kind": p.kind,
                "amount": p.amount, "allocated": allocated, "status": p.status, "origin": p.origin,
                "need_line_id": p.need_line_id,
                "categories": p.categories.as_deref().map(|c| c.split(',').collect::<Vec<_>>()),
                "unit_codes": p.unit_codes.as_deref().map(|c| c.split(',').collect::<Vec<_>>()),
                "age_bands": p.age_bands.as_deref().map(|c| c.split(',').collect::<Vec<_>>()),
                "period_id": p.period_id, "due_on": p.due_on.map(|d| d.to_string()), "note": p.note})
        })
        .collect();
    Ok(Json(json!({"pledges": list})).into_response())
}
