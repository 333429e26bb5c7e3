//! Deliveries (giao nhận) in the browser: the section of the need page that
//! lists a line's deliveries and plans or records a handover, and the
//! delivery page with the handover form, the receiving site's acceptance
//! checklist and its non-conformities. Every form is a plain POST answered
//! by a 303; a refusal shows the same page with the message (409 when the
//! line has not enough allocated or received, 422 for bad input).
//!
//! Who: the coordinator and local officers of the site's commune record
//! deliveries; site and local officers of that commune record acceptance;
//! finance inspectors read everything; the public sees only the axes (and
//! the ledger's leaves), never this.

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Duration, NaiveDate, Utc};
use domain::authz::{Action, Target, authorize};
use domain::needs::PackageItem;
use domain::needs::delivery::{CheckAnswer, CheckKind, Decision, DeliveryError, NcAction};
use storage::acceptance::{
    Acceptance, CheckRow, Cosignature, NonconformityRow, OutcomeRow, SignatureRow,
};
use storage::deliveries::{
    Delivery, DeliveryItem, DeliveryRefusal, DeliverySource, Handover, NewDelivery, Representative,
};
use storage::needs::NeedRow;
use storage::organisations::{OrgFilter, Organisation};

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::state::AppState;
use crate::view::Page;

use super::classifications::actor_of;
use super::{parse_date, render, see_other};

/// Today in Huế (UTC+7, no daylight saving).
pub(crate) fn today() -> NaiveDate {
    (Utc::now() + Duration::hours(7)).date_naive()
}

/// A whole number as typed ("1.200", "1,200", "1200"); empty is zero.
fn whole(raw: &str) -> Option<i64> {
    let cleaned = raw.trim().replace(['.', ',', ' '], "");
    if cleaned.is_empty() {
        return Some(0);
    }
    cleaned.parse().ok()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// A refusal in words, with its numbers.
pub(crate) fn refusal_message(lang: i18n::Lang, r: &DeliveryRefusal) -> String {
    let key = r.message_key();
    match r {
        DeliveryRefusal::BeyondAllocated { remaining }
        | DeliveryRefusal::BeyondReceived { remaining } => {
            i18n::tf(lang, key, &[("remaining", &i18n::format_vnd(*remaining))])
        }
        DeliveryRefusal::BeyondNeed { item, remaining } => i18n::tf(
            lang,
            key,
            &[("item", item), ("remaining", &i18n::format_int(*remaining))],
        ),
        DeliveryRefusal::Invalid(DeliveryError::Children { max }) => {
            i18n::tf(lang, key, &[("max", &i18n::format_int(*max))])
        }
        DeliveryRefusal::Stock(e) => super::stores::stock_message(lang, e),
        _ => i18n::t(lang, key),
    }
}

fn refusal_status(r: &DeliveryRefusal) -> StatusCode {
    match r {
        DeliveryRefusal::BeyondAllocated { .. }
        | DeliveryRefusal::BeyondReceived { .. }
        | DeliveryRefusal::BeyondNeed { .. }
        | DeliveryRefusal::Changed
        | DeliveryRefusal::Stock(domain::needs::stock::StockError::Beyond { .. })
        | DeliveryRefusal::AlreadyResolved => StatusCode::CONFLICT,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// What was typed in the delivery form, kept after a refusal.
#[derive(Debug, Clone, Default)]
pub(crate) struct DeliveryInput {
    pub giver_id: String,
    pub form: String,
    /// Quantities by the package item's position.
    pub quantities: Vec<String>,
    pub amount: String,
    pub children: String,
    pub on: String,
    pub record: String,
    pub place: String,
    pub giver_name: String,
    pub giver_position: String,
    pub receiver_name: String,
    pub receiver_position: String,
    pub note: String,
    /// The store the goods are taken from; empty: not from a store.
    pub store_id: String,
}

impl DeliveryInput {
    fn from_fields(fields: &[(String, String)], items: usize) -> DeliveryInput {
        let f = |n: &str| field(fields, n).to_owned();
        DeliveryInput {
            giver_id: f("giver_id"),
            form: f("form"),
            quantities: (0..items).map(|i| f(&format!("q{i}"))).collect(),
            amount: f("amount"),
            children: f("children"),
            on: f("on"),
            record: f("record"),
            place: f("place"),
            giver_name: f("giver_name"),
            giver_position: f("giver_position"),
            receiver_name: f("receiver_name"),
            receiver_position: f("receiver_position"),
            note: f("note"),
            store_id: f("store_id"),
        }
    }

    /// The quantity typed for item `i`.
    pub fn q(&self, i: &usize) -> &str {
        self.quantities.get(*i).map_or("", String::as_str)
    }
}

/// One delivery in the need page's list: (delivery, giver, accepted value).
pub(crate) type Row = (Delivery, String, i64);

/// The need page's "Deliveries" section.
pub(crate) struct NeedSection {
    /// Staff of the line's commune (and city-wide roles) see it.
    pub visible: bool,
    pub rows: Vec<Row>,
    pub can_record: bool,
    pub givers: Vec<Organisation>,
    /// Stores the recorder may take goods from.
    pub stores: Vec<storage::stock::Store>,
    pub items: Vec<PackageItem>,
    pub form: DeliveryInput,
    pub error: Option<String>,
}

async fn givers(state: &AppState) -> Result<Vec<Organisation>, AppError> {
    Ok(storage::organisations::list(
        &state.db,
        &domain::authz::Visibility::All,
        &OrgFilter::default(),
    )
    .await?
    .into_iter()
    .filter(|o| {
        o.valid_to.is_none()
            && o.org_type
                .parse::<domain::organisation::OrgType>()
                .is_ok_and(|t| domain::needs::delivery::may_give(t).is_ok())
    })
    .collect())
}

async fn package_items(state: &AppState, n: &NeedRow) -> Result<Vec<PackageItem>, AppError> {
    Ok(storage::catalogue::package(&state.db, &n.package_id)
        .await?
        .map(|p| p.version.items)
        .unwrap_or_default())
}

/// Builds the section for a line; `retry` is what was typed and why it was
/// refused.
pub(crate) async fn need_section(
    state: &AppState,
    ctx: &Ctx,
    n: &NeedRow,
    retry: Option<(DeliveryInput, String)>,
) -> Result<NeedSection, AppError> {
    let visible = authorize(&ctx.actor, Action::ViewUnitData, Target::Unit(&n.unit_code)).is_ok();
    if !visible {
        return Ok(NeedSection {
            visible,
            rows: Vec::new(),
            can_record: false,
            givers: Vec::new(),
            stores: Vec::new(),
            items: Vec::new(),
            form: DeliveryInput::default(),
            error: None,
        });
    }
    let mut rows = Vec::new();
    for d in storage::deliveries::for_line(&state.db, &n.id).await? {
        let giver = storage::organisations::get(&state.db, &d.giver_id)
            .await?
            .map_or_else(|| d.giver_id.clone(), |o| o.name);
        let ncs = storage::deliveries::ncs_of(&state.db, &d.id).await?;
        let accepted = storage::deliveries::accepted_of(&d, &ncs);
        rows.push((d, giver, accepted));
    }
    let open = n.status == "verified" || n.status == "published";
    let can_record = open
        && authorize(
            &ctx.actor,
            Action::RecordDelivery,
            Target::Unit(&n.unit_code),
        )
        .is_ok();
    let (form, error) = match retry {
        Some((form, error)) => (form, Some(error)),
        None => (
            DeliveryInput {
                form: "goods".into(),
                on: today().to_string(),
                record: "handed_over".into(),
                place: n.site_name.clone(),
                ..DeliveryInput::default()
            },
            None,
        ),
    };
    Ok(NeedSection {
        visible,
        rows,
        can_record,
        givers: if can_record {
            givers(state).await?
        } else {
            Vec::new()
        },
        stores: if can_record {
            storage::stock::stores(&state.db, &ctx.actor.visibility()).await?
        } else {
            Vec::new()
        },
        items: package_items(state, n).await?,
        form,
        error,
    })
}

/// Plans a delivery, or records one handed over, from the need page.
pub async fn create(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(line_id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    require(&ctx, Action::RecordDelivery, Target::Anywhere)?;
    let n = storage::needs::get(&state.db, &line_id)
        .await?
        .ok_or(AppError::NotFound)?;
    require(&ctx, Action::RecordDelivery, Target::Unit(&n.unit_code))?;
    let items = package_items(&state, &n).await?;
    let input = DeliveryInput::from_fields(&fields, items.len());
    let again = |key: &str, status: StatusCode, input: DeliveryInput| {
        let message = i18n::t(ctx.lang, key);
        let (state, ctx, line_id) = (&state, &ctx, &line_id);
        async move {
            let mut resp =
                super::needs::detail_with_delivery(state, ctx, line_id, (input, message)).await?;
            *resp.status_mut() = status;
            Ok::<Response, AppError>(resp)
        }
    };
    let quantities: Option<Vec<(String, i64)>> = items
        .iter()
        .enumerate()
        .map(|(i, item)| whole(input.q(&i)).map(|q| (item.name.clone(), q)))
        .collect();
    let (Some(quantities), Some(amount), Some(children)) =
        (quantities, whole(&input.amount), whole(&input.children))
    else {
        return again(
            "delivery-error-negative",
            StatusCode::UNPROCESSABLE_ENTITY,
            input,
        )
        .await;
    };
    let Some(on) = parse_date(&input.on) else {
        return again(
            "delivery-error-date",
            StatusCode::UNPROCESSABLE_ENTITY,
            input,
        )
        .await;
    };
    let goods = input.form == "goods";
    let new = NewDelivery {
        need_line_id: line_id.clone(),
        giver_id: input.giver_id.clone(),
        form: input.form.clone(),
        quantities: if goods { quantities } else { Vec::new() },
        amount: if goods { 0 } else { amount },
        children_served: children,
        on,
        hand_over: input.record == "handed_over",
        place: input.place.clone(),
        giver_rep: Representative {
            name: input.giver_name.clone(),
            position: input.giver_position.clone(),
        },
        receiver_rep: Representative {
            name: input.receiver_name.clone(),
            position: input.receiver_position.clone(),
        },
        note: input.note.clone(),
        is_demo: false,
    };
    let store = input.store_id.trim();
    let made = if goods && !store.is_empty() {
        let s = storage::stock::get_store(&state.db, store)
            .await?
            .ok_or(AppError::NotFound)?;
        require(&ctx, Action::ViewUnitData, Target::Unit(&s.unit_code))?;
        storage::deliveries::create_from_store(&state.db, &new, store, &actor_of(&ctx), Utc::now())
            .await?
    } else {
        storage::deliveries::create(&state.db, &new, &actor_of(&ctx), Utc::now()).await?
    };
    match made {
        Ok(d) => Ok(see_other(&format!("/deliveries/{}", d.id))),
        Err(r) => {
            let message = refusal_message(ctx.lang, &r);
            let mut resp =
                super::needs::detail_with_delivery(&state, &ctx, &line_id, (input, message))
                    .await?;
            *resp.status_mut() = refusal_status(&r);
            Ok(resp)
        }
    }
}

/// One point of the acceptance form.
pub(crate) struct CheckField {
    pub kind: &'static str,
    pub label: String,
}

#[derive(Template)]
#[template(path = "delivery.html")]
struct DeliveryPage {
    p: Page,
    d: Delivery,
    line: NeedRow,
    giver: String,
    site: String,
    items: Vec<DeliveryItem>,
    sources: Vec<DeliverySource>,
    checks: Vec<CheckRow>,
    ncs: Vec<NonconformityRow>,
    outcomes: Vec<OutcomeRow>,
    signatures: Vec<SignatureRow>,
    store: Option<storage::stock::Store>,
    can_cosign: bool,
    accepted: i64,
    ledger_idx: Option<i64>,
    can_hand_over: bool,
    can_accept: bool,
    can_resolve: bool,
    checklist: Vec<CheckField>,
    actions: Vec<&'static str>,
    error: Option<String>,
    today: String,
    /// Children on the roster (a count: the names are on the roster page).
    roster_count: i64,
}

impl DeliveryPage {
    fn signature(&self, side: &str) -> Option<&SignatureRow> {
        self.signatures.iter().find(|s| s.side == side)
    }
}

async fn delivery_or_404(state: &AppState, id: &str) -> Result<Delivery, AppError> {
    storage::deliveries::get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    error: Option<(StatusCode, String)>,
) -> Result<Response, AppError> {
    let d = delivery_or_404(state, id).await?;
    require(ctx, Action::ViewUnitData, Target::Unit(&d.unit_code))?;
    let line = storage::needs::get(&state.db, &d.need_line_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let name_of = |o: Option<Organisation>, id: &str| o.map_or_else(|| id.to_owned(), |o| o.name);
    let giver = name_of(
        storage::organisations::get(&state.db, &d.giver_id).await?,
        &d.giver_id,
    );
    let site = name_of(
        storage::organisations::get(&state.db, &d.site_id).await?,
        &d.site_id,
    );
    let status = d.status();
    let unit = Target::Unit(&d.unit_code);
    let may_deliver = authorize(&ctx.actor, Action::RecordDelivery, unit).is_ok();
    let may_accept = authorize(&ctx.actor, Action::RecordAcceptance, unit).is_ok();
    let may_cosign = authorize(&ctx.actor, Action::CosignAcceptance, unit).is_ok();
    let checklist =
        if may_accept && status == Some(domain::needs::delivery::DeliveryStatus::HandedOver) {
            storage::acceptance::checklist_for(&state.db, &d)
                .await?
                .into_iter()
                .map(|k| CheckField {
                    kind: k.as_str(),
                    label: i18n::t(ctx.lang, &format!("check-{}", k.as_str())),
                })
                .collect()
        } else {
            Vec::new()
        };
    let ncs_model = storage::deliveries::ncs_of(&state.db, id).await?;
    let ledger_idx = storage::ledger::entry_for(&state.db, "distribution", id)
        .await?
        .map(|e| e.idx);
    let (code, error) = match error {
        Some((code, msg)) => (code, Some(msg)),
        None => (StatusCode::OK, None),
    };
    let mut resp = render(&DeliveryPage {
        p: Page::new(ctx, "delivery-title"),
        accepted: storage::deliveries::accepted_of(&d, &ncs_model),
        items: storage::deliveries::items(&state.db, id).await?,
        sources: storage::deliveries::sources(&state.db, id).await?,
        checks: storage::acceptance::checks(&state.db, id).await?,
        ncs: storage::acceptance::nonconformities(&state.db, id).await?,
        outcomes: storage::acceptance::outcomes(&state.db, id).await?,
        signatures: storage::acceptance::signatures(&state.db, id).await?,
        store: storage::stock::delivery_store(&state.db, id).await?,
        can_cosign: may_cosign
            && status == Some(domain::needs::delivery::DeliveryStatus::SiteSigned),
        ledger_idx,
        can_hand_over: may_deliver
            && status == Some(domain::needs::delivery::DeliveryStatus::Planned),
        can_accept: !checklist.is_empty(),
        can_resolve: (may_accept || may_cosign) && status.is_some_and(|s| s.is_accepted()),
        checklist,
        actions: NcAction::ALL.iter().map(|a| a.as_str()).collect(),
        error,
        today: today().to_string(),
        roster_count: i64::try_from(storage::rosters::roster(&state.db, id).await?.len())
            .unwrap_or(i64::MAX),
        giver,
        site,
        line,
        d,
    })?;
    *resp.status_mut() = code;
    Ok(resp)
}

pub async fn show(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ViewUnitData, Target::Anywhere)?;
    page(&state, &ctx, &id, None).await
}

/// Answers a refusal on the delivery page.
async fn refused(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    r: &DeliveryRefusal,
) -> Result<Response, AppError> {
    page(
        state,
        ctx,
        id,
        Some((refusal_status(r), refusal_message(ctx.lang, r))),
    )
    .await
}

/// Records the handover of a planned delivery.
pub async fn hand_over(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    require(&ctx, Action::RecordDelivery, Target::Anywhere)?;
    let d = delivery_or_404(&state, &id).await?;
    require(&ctx, Action::RecordDelivery, Target::Unit(&d.unit_code))?;
    let Some(on) = parse_date(field(&fields, "on")) else {
        let msg = i18n::t(ctx.lang, "delivery-error-date");
        return page(
            &state,
            &ctx,
            &id,
            Some((StatusCode::UNPROCESSABLE_ENTITY, msg)),
        )
        .await;
    };
    let h = Handover {
        on,
        place: field(&fields, "place").to_owned(),
        giver_rep: Representative {
            name: field(&fields, "giver_name").to_owned(),
            position: field(&fields, "giver_position").to_owned(),
        },
        receiver_rep: Representative {
            name: field(&fields, "receiver_name").to_owned(),
            position: field(&fields, "receiver_position").to_owned(),
        },
    };
    match storage::deliveries::hand_over(&state.db, &id, &h, &actor_of(&ctx), Utc::now()).await? {
        Ok(_) => Ok(see_other(&format!("/deliveries/{id}"))),
        Err(r) => refused(&state, &ctx, &id, &r).await,
    }
}

/// The answers of the acceptance form: `c_KIND` pass|fail, and for a
/// failure `n_KIND` (note), `q_KIND` (units), `v_KIND` (value), `a_KIND`
/// (action), `r_KIND` (resolved on the spot). A point left unanswered is
/// left out, and the domain names it.
fn answers(fields: &[(String, String)]) -> Result<Vec<CheckAnswer>, DeliveryError> {
    let mut out = Vec::new();
    for kind in CheckKind::ALL {
        let k = kind.as_str();
        let passed = match field(fields, &format!("c_{k}")) {
            "pass" => true,
            "fail" => false,
            _ => continue,
        };
        let number = |name: &str| whole(field(fields, &format!("{name}_{k}")));
        let (Some(quantity), Some(value)) = (number("q"), number("v")) else {
            return Err(DeliveryError::Negative);
        };
        out.push(CheckAnswer {
            kind,
            passed,
            note: field(fields, &format!("n_{k}")).to_owned(),
            quantity: if passed { 0 } else { quantity },
            value: if passed { 0 } else { value },
            action: NcAction::parse(field(fields, &format!("a_{k}"))).unwrap_or(NcAction::Replace),
            resolved: !passed && !field(fields, &format!("r_{k}")).is_empty(),
        });
    }
    Ok(out)
}

/// Records the receiving site's checklist and decision.
pub async fn accept(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    require(&ctx, Action::RecordAcceptance, Target::Anywhere)?;
    let d = delivery_or_404(&state, &id).await?;
    require(&ctx, Action::RecordAcceptance, Target::Unit(&d.unit_code))?;
    let Some(decided_on) = parse_date(field(&fields, "decided_on")) else {
        let msg = i18n::t(ctx.lang, "delivery-error-date");
        return page(
            &state,
            &ctx,
            &id,
            Some((StatusCode::UNPROCESSABLE_ENTITY, msg)),
        )
        .await;
    };
    let answers = match answers(&fields) {
        Ok(a) => a,
        Err(e) => return refused(&state, &ctx, &id, &e.into()).await,
    };
    let decision = if field(&fields, "decision") == "reject" {
        Decision::Reject
    } else {
        Decision::Accept
    };
    let a = Acceptance {
        decided_on,
        decision,
        answers,
    };
    match storage::acceptance::record(&state.db, &id, &a, &actor_of(&ctx), Utc::now()).await? {
        Ok(_) => Ok(see_other(&format!("/deliveries/{id}"))),
        Err(r) => refused(&state, &ctx, &id, &r).await,
    }
}

/// The commune co-signs what the site signed.
pub async fn cosign(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    require(&ctx, Action::CosignAcceptance, Target::Anywhere)?;
    let d = delivery_or_404(&state, &id).await?;
    require(&ctx, Action::CosignAcceptance, Target::Unit(&d.unit_code))?;
    let Some(decided_on) = parse_date(field(&fields, "decided_on")) else {
        let msg = i18n::t(ctx.lang, "delivery-error-date");
        return page(
            &state,
            &ctx,
            &id,
            Some((StatusCode::UNPROCESSABLE_ENTITY, msg)),
        )
        .await;
    };
    let c = Cosignature {
        decided_on,
        decision: if field(&fields, "decision") == "reject" {
            Decision::Reject
        } else {
            Decision::Accept
        },
    };
    match storage::acceptance::cosign(&state.db, &id, &c, &actor_of(&ctx), Utc::now()).await? {
        Ok(_) => Ok(see_other(&format!("/deliveries/{id}"))),
        Err(r) => refused(&state, &ctx, &id, &r).await,
    }
}

/// Whoever signs for the receiving side follows up its non-conformities.
pub(crate) fn require_receiving_side(ctx: &Ctx, target: Target<'_>) -> Result<(), AppError> {
    if authorize(&ctx.actor, Action::CosignAcceptance, target).is_ok() {
        return Ok(());
    }
    require(ctx, Action::RecordAcceptance, target)
}

/// Marks a non-conformity resolved.
pub async fn resolve(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(nc_id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    require_receiving_side(&ctx, Target::Anywhere)?;
    let nc = storage::acceptance::nonconformity(&state.db, &nc_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let d = delivery_or_404(&state, &nc.delivery_id).await?;
    require_receiving_side(&ctx, Target::Unit(&d.unit_code))?;
    let on = parse_date(field(&fields, "on")).unwrap_or_else(today);
    match storage::acceptance::resolve(
        &state.db,
        &nc_id,
        field(&fields, "note"),
        on,
        &actor_of(&ctx),
        Utc::now(),
    )
    .await?
    {
        Ok(_) => Ok(see_other(&format!("/deliveries/{}", d.id))),
        Err(r) => refused(&state, &ctx, &d.id, &r).await,
    }
}
