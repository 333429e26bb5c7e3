//! Need lines: the list with every coverage axis and the gap, entry by form,
//! verification and publication, and allocation behind the overlap guard.

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use chrono::Utc;
use domain::authz::{Action, Target, authorize};
use domain::needs::category::Sector;
use domain::needs::{Category, CoveringFlow, NeedLine, NeedStatus, OverlapDecision, Transition};
use serde::Deserialize;
use storage::allocations::{AllocationRefusal, AllocationRequest};
use storage::catalogue::{Package, Period};
use storage::donors::Pledge;
use storage::needs::{NeedFilter, NeedRow, NewNeedLine};
use storage::organisations::{OrgFilter, Organisation};

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::state::AppState;
use crate::view::Page;

use super::classifications::actor_of;
use super::{render, see_other};

#[derive(Deserialize, Default, Clone)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    period_id: String,
    /// 1-based page of the list ([`PAGE_SIZE`] lines a page).
    #[serde(default)]
    page: String,
}

/// Need lines per page: keeps the page within its 14 KB budget (the whole
/// list passed it at about 330 lines). Totals are over every line.
pub const PAGE_SIZE: usize = 150;

impl ListQuery {
    /// The query string without the page, for the pager's links.
    fn without_page(&self) -> String {
        let enc = |s: &str| -> String {
            s.chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect()
        };
        format!(
            "status={}&category={}&period_id={}",
            enc(&self.status),
            enc(&self.category),
            enc(&self.period_id)
        )
    }
}

#[derive(Template)]
#[template(path = "needs.html")]
struct ListPage {
    p: Page,
    rows: Vec<NeedRow>,
    total: domain::needs::Coverage,
    /// Σ of each line's own gap (an over-covered line does not hide another's).
    total_gap: i64,
    query: ListQuery,
    periods: Vec<Period>,
    categories: Vec<&'static str>,
    statuses: Vec<&'static str>,
    can_enter: bool,
    can_propose: bool,
    public: bool,
    /// (this page, number of pages, every line's count, query without page).
    pager: (usize, usize, usize, String),
}

fn some(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

pub async fn list(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ViewPublic, Target::Anywhere)?;
    let public = authorize(&ctx.actor, Action::ViewUnitData, Target::Anywhere).is_err();
    let filter = NeedFilter {
        status: some(&q.status),
        category: some(&q.category),
        period_id: some(&q.period_id),
        unit_code: None,
        public_only: public,
    };
    let rows = storage::needs::list(&state.db, &ctx.actor.visibility(), &filter).await?;
    let total = rows
        .iter()
        .fold(domain::needs::Coverage::default(), |acc, r| {
            acc.plus(r.coverage())
        });
    let total_gap = rows
        .iter()
        .fold(0i64, |acc, r| acc.saturating_add(r.coverage().gap()));
    let count = rows.len();
    let pages = count.div_ceil(PAGE_SIZE).max(1);
    let page = q.page.trim().parse::<usize>().unwrap_or(1).clamp(1, pages);
    let rows: Vec<NeedRow> = rows
        .into_iter()
        .skip((page - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .collect();
    render(&ListPage {
        p: Page::new(&ctx, "nav-needs"),
        pager: (page, pages, count, q.without_page()),
        rows,
        total,
        total_gap,
        query: q,
        periods: storage::catalogue::periods(&state.db).await?,
        categories: Category::ALL.iter().map(|c| c.as_str()).collect(),
        statuses: NeedStatus::ALL.iter().map(|s| s.as_str()).collect(),
        can_enter: authorize(&ctx.actor, Action::EditUnitData, Target::Anywhere).is_ok(),
        can_propose: authorize(&ctx.actor, Action::Allocate, Target::Anywhere).is_ok(),
        public,
    })
}

#[derive(Deserialize, Default, Clone)]
pub struct NewForm {
    #[serde(default)]
    site_id: String,
    #[serde(default)]
    period_id: String,
    #[serde(default)]
    package_id: String,
    #[serde(default)]
    quantity: String,
    #[serde(default)]
    note: String,
}

#[derive(Template)]
#[template(path = "need_new.html")]
struct NewPage {
    p: Page,
    sites: Vec<Organisation>,
    periods: Vec<Period>,
    packages: Vec<Package>,
    form: NewForm,
    error: Option<(String, String)>,
}

async fn sites_in_scope(state: &AppState, ctx: &Ctx) -> Result<Vec<Organisation>, AppError> {
    let all =
        storage::organisations::list(&state.db, &ctx.actor.visibility(), &OrgFilter::default())
            .await?;
    Ok(all
        .into_iter()
        .filter(|o| {
            o.org_type
                .parse::<domain::organisation::OrgType>()
                .is_ok_and(|t| t.is_site())
                && o.valid_to.is_none()
                && o.unit_code
                    .as_deref()
                    .is_some_and(|u| ctx.actor.visibility().allows_unit(u))
        })
        .collect())
}

async fn new_page(
    state: &AppState,
    ctx: &Ctx,
    form: NewForm,
    error: Option<(String, String)>,
) -> Result<Response, AppError> {
    render(&NewPage {
        p: Page::new(ctx, "need-new"),
        sites: sites_in_scope(state, ctx).await?,
        periods: storage::catalogue::periods(&state.db).await?,
        packages: storage::catalogue::current_packages(&state.db).await?,
        form,
        error,
    })
}

pub async fn new_form(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, AppError> {
    require(&ctx, Action::EditUnitData, Target::Anywhere)?;
    new_page(&state, &ctx, NewForm::default(), None).await
}

pub async fn create(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<NewForm>,
) -> Result<Response, AppError> {
    require(&ctx, Action::EditUnitData, Target::Anywhere)?;
    let fail = |field: &str, key: &str| Some((field.to_owned(), i18n::t(ctx.lang, key)));
    let Ok(quantity) = form.quantity.trim().replace(['.', ','], "").parse::<i64>() else {
        return new_page(
            &state,
            &ctx,
            form.clone(),
            fail("quantity", "need-error-quantity"),
        )
        .await;
    };
    // The site must lie in the user's scope: checked by the central gate.
    let site = storage::organisations::get(&state.db, &form.site_id).await?;
    let Some(unit) = site.as_ref().and_then(|s| s.unit_code.clone()) else {
        return new_page(
            &state,
            &ctx,
            form.clone(),
            fail("site_id", "need-error-site"),
        )
        .await;
    };
    require(&ctx, Action::EditUnitData, Target::Unit(&unit))?;
    let input = NewNeedLine {
        site_id: form.site_id.clone(),
        period_id: form.period_id.clone(),
        package_id: form.package_id.clone(),
        quantity,
        note: form.note.clone(),
        is_demo: false,
    };
    match storage::needs::create(&state.db, &input, &actor_of(&ctx), Utc::now()).await? {
        Ok(id) => Ok(see_other(&format!("/needs/{id}"))),
        Err(e) => new_page(&state, &ctx, form.clone(), fail(e.field(), e.message_key())).await,
    }
}

/// One flow on the detail page: (allocation id, source shown, amount,
/// override reason).
type Flow = (String, String, i64, Option<String>);

#[derive(Template)]
#[template(path = "need.html")]
struct DetailPage {
    p: Page,
    n: NeedRow,
    cov: domain::needs::Coverage,
    flows: Vec<Flow>,
    transitions: Vec<&'static str>,
    pledges: Vec<(Pledge, String, i64)>,
    can_allocate: bool,
    can_override: bool,
    refusal: Option<String>,
    existing: Vec<CoveringFlow>,
    /// Where a reversal form comes back to.
    back: String,
    /// What the coordinator typed, kept after a refusal: (pledge, amount, reason).
    prefill: (String, String, String),
    /// The public may offer a pledge on a published line.
    can_pledge: bool,
    thanks: bool,
    /// Deliveries of the line (staff only) and the form to record one.
    dl: super::deliveries::NeedSection,
}

fn transition_of(name: &str) -> Option<Transition> {
    match name {
        "verify" => Some(Transition::Verify),
        "publish" => Some(Transition::Publish),
        "return" => Some(Transition::Return),
        "cancel" => Some(Transition::Cancel),
        _ => None,
    }
}

fn sector_of(ctx: &Ctx) -> Option<Sector> {
    match ctx.user.as_ref().and_then(|u| u.sector.as_deref()) {
        Some("health") => Some(Sector::Health),
        Some("education") => Some(Sector::Education),
        _ => None,
    }
}

fn domain_line(n: &NeedRow) -> Option<NeedLine> {
    Some(NeedLine {
        site_unit_code: n.unit_code.clone(),
        category: n.category.parse().ok()?,
        period_start: n.starts_on,
        period_end: n.ends_on,
        quantity: n.quantity,
        unit_value: n.unit_value,
        status: NeedStatus::parse(&n.status)?,
    })
}

async fn detail_page(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    refusal: Option<String>,
    existing: Vec<CoveringFlow>,
) -> Result<Response, AppError> {
    detail_page_with(state, ctx, id, refusal, existing, false).await
}

async fn detail_page_with(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    refusal: Option<String>,
    existing: Vec<CoveringFlow>,
    thanks: bool,
) -> Result<Response, AppError> {
    detail_page_full(state, ctx, id, refusal, existing, thanks, None, None).await
}

/// The need page again after a refused delivery, with what was typed.
pub(crate) async fn detail_with_delivery(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    retry: (super::deliveries::DeliveryInput, String),
) -> Result<Response, AppError> {
    detail_page_full(state, ctx, id, None, Vec::new(), false, None, Some(retry)).await
}

#[allow(clippy::too_many_arguments)] // each caller sets a different part of the page
async fn detail_page_full(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    refusal: Option<String>,
    existing: Vec<CoveringFlow>,
    thanks: bool,
    prefill: Option<(String, String, String)>,
    delivery_retry: Option<(super::deliveries::DeliveryInput, String)>,
) -> Result<Response, AppError> {
    let n = storage::needs::get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let staff = authorize(&ctx.actor, Action::ViewUnitData, Target::Unit(&n.unit_code)).is_ok();
    if !staff && n.status != NeedStatus::Published.as_str() {
        return Err(AppError::NotFound);
    }
    let line = domain_line(&n).ok_or_else(|| AppError::bad("error-generic", "need line"))?;
    let transitions = if staff {
        ["verify", "publish", "return", "cancel"]
            .into_iter()
            .filter(|t| {
                transition_of(t).is_some_and(|tr| {
                    line.after(tr, ctx.actor.role, sector_of(ctx), Some("x"))
                        .is_ok()
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    let flows = storage::needs::flows(&state.db, id)
        .await?
        .into_iter()
        .map(|f| {
            let shown = if staff {
                f.donor_name
            } else {
                f.public_name
                    .unwrap_or_else(|| i18n::t(ctx.lang, "donor-anonymous"))
            };
            (f.id, shown, f.amount, f.override_reason.filter(|_| staff))
        })
        .collect();
    let can_allocate = authorize(&ctx.actor, Action::Allocate, Target::Anywhere).is_ok();
    let pledges = if can_allocate {
        eligible_pledges(state, &n).await?
    } else {
        Vec::new()
    };
    let can_pledge = !staff && n.status == NeedStatus::Published.as_str();
    let dl = super::deliveries::need_section(state, ctx, &n, delivery_retry).await?;
    render(&DetailPage {
        p: Page::new(ctx, "need-title"),
        back: format!("/needs/{}", n.id),
        cov: n.coverage(),
        n,
        flows,
        transitions,
        pledges,
        can_allocate,
        can_override: authorize(&ctx.actor, Action::OverrideOverlap, Target::Anywhere).is_ok(),
        refusal,
        existing,
        prefill: prefill.unwrap_or_default(),
        can_pledge,
        thanks,
        dl,
    })
}

/// Committed pledges with money left whose restrictions allow this line:
/// (pledge, donor name, remaining).
pub(crate) async fn eligible_pledges(
    state: &AppState,
    n: &NeedRow,
) -> Result<Vec<(Pledge, String, i64)>, AppError> {
    let (Ok(cat), Ok(band)) = (n.category.parse::<Category>(), n.age_band.parse()) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (p, used) in storage::donors::pledges(&state.db, None).await? {
        let remaining = p.amount.saturating_sub(used);
        if p.status == "committed"
            && remaining > 0
            && p.restrictions()
                .allow(cat, &n.unit_code, band, &n.period_id)
        {
            let donor = storage::donors::get(&state.db, &p.donor_id)
                .await?
                .map(|d| d.name)
                .unwrap_or_default();
            out.push((p, donor, remaining));
        }
    }
    Ok(out)
}

#[derive(Deserialize, Default)]
pub struct DetailQuery {
    #[serde(default)]
    thanks: Option<String>,
}

pub async fn detail(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ViewPublic, Target::Anywhere)?;
    detail_page_with(&state, &ctx, &id, None, Vec::new(), q.thanks.is_some()).await
}

#[derive(Deserialize)]
pub struct StatusForm {
    transition: String,
    #[serde(default)]
    reason: String,
}

/// Applies a named transition for the actor: `Ok(Ok(new status))`, or
/// `Ok(Err(message key))` when the domain refuses; a wrong role is a 403.
pub(crate) async fn apply_transition(
    state: &AppState,
    ctx: &Ctx,
    n: &NeedRow,
    name: &str,
    reason: Option<&str>,
) -> Result<Result<&'static str, &'static str>, AppError> {
    let Some(t) = transition_of(name) else {
        return Ok(Err("need-error-transition"));
    };
    let line = domain_line(n).ok_or_else(|| AppError::bad("error-generic", "need line"))?;
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    match line.after(t, ctx.actor.role, sector_of(ctx), reason) {
        Ok(to) => {
            let done = storage::needs::set_status(
                &state.db,
                &n.id,
                line.status,
                to,
                reason,
                &actor_of(ctx),
                Utc::now(),
            )
            .await?;
            Ok(if done {
                Ok(to.as_str())
            } else {
                Err("need-error-changed")
            })
        }
        Err(domain::needs::TransitionError::WrongRole) => {
            Err(AppError::Denied(domain::authz::Denial::RoleLacksPermission))
        }
        Err(e) => Ok(Err(e.message_key())),
    }
}

pub async fn change_status(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> Result<Response, AppError> {
    let n = storage::needs::get(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    require(&ctx, Action::EditUnitData, Target::Unit(&n.unit_code))?;
    match apply_transition(&state, &ctx, &n, &form.transition, Some(&form.reason)).await? {
        Ok(_) => Ok(see_other(&format!("/needs/{id}"))),
        Err(key) => detail_page(&state, &ctx, &id, Some(i18n::t(ctx.lang, key)), Vec::new()).await,
    }
}

#[derive(Deserialize)]
pub struct AllocateForm {
    pledge_id: String,
    amount: String,
    #[serde(default)]
    override_reason: String,
    /// `received`: only money already received (default: earmark the
    /// commitment).
    #[serde(default)]
    basis: String,
}

pub async fn allocate(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(form): Form<AllocateForm>,
) -> Result<Response, AppError> {
    require(&ctx, Action::Allocate, Target::Anywhere)?;
    let Ok(amount) = form.amount.trim().replace(['.', ','], "").parse::<i64>() else {
        return detail_page(
            &state,
            &ctx,
            &id,
            Some(i18n::t(ctx.lang, "allocation-error-amount")),
            Vec::new(),
        )
        .await;
    };
    let req = AllocationRequest {
        need_line_id: id.clone(),
        pledge_id: form.pledge_id.clone(),
        amount,
        override_reason: Some(form.override_reason.clone()).filter(|r| !r.trim().is_empty()),
        may_override: authorize(&ctx.actor, Action::OverrideOverlap, Target::Anywhere).is_ok(),
        is_demo: false,
    };
    let basis = if form.basis == "received" {
        storage::allocations::AllocationBasis::Received
    } else {
        storage::allocations::AllocationBasis::Commitment
    };
    match storage::allocations::allocate_from(&state.db, &req, basis, &actor_of(&ctx), Utc::now())
        .await?
    {
        Ok(_) => Ok(see_other(&format!("/needs/{id}"))),
        Err(refusal) => {
            let message = refusal_message(ctx.lang, &refusal);
            let existing = match refusal {
                AllocationRefusal::Overlap(OverlapDecision::Refused { existing, .. }) => existing,
                _ => Vec::new(),
            };
            let prefill = (
                form.pledge_id.clone(),
                form.amount.clone(),
                form.override_reason.clone(),
            );
            let mut resp = detail_page_full(
                &state,
                &ctx,
                &id,
                Some(message),
                existing,
                false,
                Some(prefill),
                None,
            )
            .await?;
            *resp.status_mut() = axum::http::StatusCode::CONFLICT;
            Ok(resp)
        }
    }
}

/// A refusal in words, with its numbers.
pub fn refusal_message(lang: i18n::Lang, r: &AllocationRefusal) -> String {
    match r {
        AllocationRefusal::BeyondPledge { remaining }
        | AllocationRefusal::BeyondReceived { remaining } => i18n::tf(
            lang,
            r.message_key(),
            &[("remaining", &i18n::format_vnd(*remaining))],
        ),
        AllocationRefusal::Overlap(OverlapDecision::Refused { excess, .. }) => i18n::tf(
            lang,
            r.message_key(),
            &[("excess", &i18n::format_vnd(*excess))],
        ),
        other => i18n::t(lang, other.message_key()),
    }
}

#[derive(Deserialize)]
pub struct PublicPledgeForm {
    name: String,
    #[serde(default)]
    contact: String,
    amount: String,
    #[serde(default)]
    publish_name: Option<String>,
}

/// A public offer, as typed on the page or sent to the public API.
pub(crate) struct PublicOffer<'a> {
    pub name: &'a str,
    pub contact: &'a str,
    /// Digits, dots or commas as a person writes them ("1.200.000").
    pub amount: &'a str,
    pub publish_name: bool,
}

/// Why a public offer was not recorded.
pub(crate) enum OfferRefused {
    /// No such line, or it is not (or no longer) published.
    NotFound,
    /// No name, or an amount not in 1..=gap (`public-pledge-error`).
    Invalid,
}

/// Refuses a public pledge from an address whose pledges within the last
/// minute reached the limit (429 with the seconds to wait). Only recorded
/// pledges count ([`count_public_pledge`]): a refused offer writes nothing.
pub(crate) fn limit_public_pledges(state: &AppState, ip: std::net::IpAddr) -> Result<(), AppError> {
    if let Err(seconds) = state.pledge_limiter.check(ip, std::time::Instant::now()) {
        tracing::info!(%ip, "public pledges rate-limited");
        return Err(AppError::RateLimited {
            seconds,
            key: "public-pledge-retry-after",
        });
    }
    Ok(())
}

/// Counts a recorded public pledge against its address's limit.
pub(crate) fn count_public_pledge(state: &AppState, ip: std::net::IpAddr) {
    state
        .pledge_limiter
        .record_failure(ip, std::time::Instant::now());
}

/// Records a public offer on a published need line — the page's form and
/// `POST /api/v1/public/needs/{id}/pledges` share it, so both validate
/// alike: a name, an amount above zero and never above what the line still
/// lacks. The donor and its pledge (`pledged`, not counted: it waits for
/// the coordinator's confirmation) are written in one transaction.
pub(crate) async fn offer_public_pledge(
    state: &AppState,
    ctx: &Ctx,
    line_id: &str,
    offer: &PublicOffer<'_>,
) -> Result<Result<Pledge, OfferRefused>, AppError> {
    require(ctx, Action::ViewPublic, Target::Anywhere)?;
    let Some(n) = storage::needs::get(&state.db, line_id).await? else {
        return Ok(Err(OfferRefused::NotFound));
    };
    if n.status != NeedStatus::Published.as_str() {
        return Ok(Err(OfferRefused::NotFound));
    }
    let name = domain::text::clean(offer.name);
    // A public offer never exceeds what is still missing.
    let gap = n.coverage().gap();
    let amount = offer
        .amount
        .trim()
        .replace(['.', ','], "")
        .parse::<i64>()
        .ok()
        .filter(|a| *a > 0 && *a <= gap);
    let (Some(amount), false) = (amount, name.is_empty()) else {
        return Ok(Err(OfferRefused::Invalid));
    };
    let contact = domain::text::clean(offer.contact);
    let (phone, email) = if contact.contains('@') {
        (None, Some(contact))
    } else {
        (Some(contact).filter(|c| !c.is_empty()), None)
    };
    let donor = storage::donors::Donor {
        id: storage::new_id(),
        kind: "individual".into(),
        name,
        origin: "domestic".into(),
        donor_type: "individual".into(),
        tax_code: None,
        phone,
        email,
        publish_name: offer.publish_name,
        anonymous: !offer.publish_name,
        is_demo: false,
    };
    let mut pledge = Pledge {
        id: storage::new_id(),
        donor_id: donor.id.clone(),
        kind: "money".into(),
        amount,
        status: "pledged".into(),
        categories: Some(n.category.clone()),
        unit_codes: Some(n.unit_code.clone()),
        age_bands: None,
        period_id: Some(n.period_id.clone()),
        due_on: None,
        origin: "public".into(),
        need_line_id: Some(n.id.clone()),
        note: String::new(),
        is_demo: false,
        number: None,
    };
    match storage::donors::create_public_pledge(
        &state.db,
        &donor,
        &pledge,
        &actor_of(ctx),
        Utc::now(),
    )
    .await?
    {
        Ok(number) => {
            pledge.number = Some(number);
            Ok(Ok(pledge))
        }
        Err(storage::donors::PublicPledgeRefusal::NotPublished) => Ok(Err(OfferRefused::NotFound)),
    }
}

/// A citizen or business offers a pledge on a published need from the
/// public page. It is recorded as `pledged` (not counted) and waits for the
/// coordinator to confirm the commitment.
pub async fn public_pledge(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    crate::pages::login::ClientIp(ip): crate::pages::login::ClientIp,
    Path(id): Path<String>,
    Form(form): Form<PublicPledgeForm>,
) -> Result<Response, AppError> {
    limit_public_pledges(&state, ip)?;
    let offer = PublicOffer {
        name: &form.name,
        contact: &form.contact,
        amount: &form.amount,
        publish_name: form.publish_name.is_some(),
    };
    let pledge = match offer_public_pledge(&state, &ctx, &id, &offer).await? {
        Ok(p) => p,
        Err(OfferRefused::NotFound) => return Err(AppError::NotFound),
        Err(OfferRefused::Invalid) => {
            let mut resp = detail_page(
                &state,
                &ctx,
                &id,
                Some(i18n::t(ctx.lang, "public-pledge-error")),
                Vec::new(),
            )
            .await?;
            *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(resp);
        }
    };
    count_public_pledge(&state, ip);
    // POST → redirect → GET, so a reload does not send the pledge again.
    Ok(see_other(&format!("/p/{}?thanks=1", pledge.id)))
}
