//! Donors and their pledges: recording, likely duplicates shown before
//! saving, commitment.

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use chrono::Utc;
use domain::authz::{Action, Target};
use domain::needs::Category;
use serde::Deserialize;
use storage::catalogue::Period;
use storage::donors::{Donor, Pledge};

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::state::AppState;
use crate::view::Page;

use super::classifications::actor_of;
use super::{parse_date, render, see_other};

#[derive(Deserialize, Default, Clone)]
pub struct DonorForm {
    #[serde(default)]
    q: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    origin: String,
    #[serde(default)]
    donor_type: String,
    #[serde(default)]
    tax_code: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    publish_name: Option<String>,
    #[serde(default)]
    anonymous: Option<String>,
    /// Set when the user saw the likely duplicates and saves anyway.
    #[serde(default)]
    confirm: Option<String>,
}

#[derive(Template)]
#[template(path = "donors.html")]
struct ListPage {
    p: Page,
    donors: Vec<Donor>,
    form: DonorForm,
    duplicates: Vec<Donor>,
    error: Option<String>,
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    form: DonorForm,
    duplicates: Vec<Donor>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let q = Some(form.q.clone()).filter(|s| !s.trim().is_empty());
    render(&ListPage {
        p: Page::new(ctx, "nav-donors"),
        donors: storage::donors::list(&state.db, q.as_deref()).await?,
        form,
        duplicates,
        error,
    })
}

pub async fn list(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(form): Query<DonorForm>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ManageDonors, Target::Anywhere)?;
    list_page(&state, &ctx, form, Vec::new(), None).await
}

fn opt(s: &str) -> Option<String> {
    Some(domain::text::clean(s)).filter(|s| !s.is_empty())
}

pub async fn create(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<DonorForm>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ManageDonors, Target::Anywhere)?;
    let name = domain::text::clean(&form.name);
    let valid = |v: &str, allowed: &[&str]| allowed.contains(&v);
    if name.is_empty()
        || !valid(&form.kind, &["organisation", "individual"])
        || !valid(&form.origin, &["domestic", "foreign"])
        || !valid(
            &form.donor_type,
            &[
                "business",
                "fund",
                "mass_organisation",
                "individual",
                "other",
            ],
        )
    {
        return list_page(
            &state,
            &ctx,
            form.clone(),
            Vec::new(),
            Some(i18n::t(ctx.lang, "donor-error")),
        )
        .await;
    }
    let donor = Donor {
        id: storage::new_id(),
        kind: form.kind.clone(),
        name,
        origin: form.origin.clone(),
        donor_type: form.donor_type.clone(),
        tax_code: opt(&form.tax_code),
        phone: opt(&form.phone),
        email: opt(&form.email),
        publish_name: form.publish_name.is_some(),
        anonymous: form.anonymous.is_some(),
        is_demo: false,
    };
    if form.confirm.is_none() {
        let dups = storage::donors::likely_duplicates(&state.db, &donor).await?;
        if !dups.is_empty() {
            return list_page(&state, &ctx, form.clone(), dups, None).await;
        }
    }
    storage::donors::create(&state.db, &donor, &actor_of(&ctx), Utc::now()).await?;
    Ok(see_other(&format!("/donors/{}", donor.id)))
}

#[derive(Deserialize, Default, Clone)]
pub struct PledgeForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    age_bands: Vec<String>,
    #[serde(default)]
    unit_codes: String,
    #[serde(default)]
    period_id: String,
    #[serde(default)]
    due_on: String,
    #[serde(default)]
    committed: Option<String>,
    #[serde(default)]
    note: String,
}

#[derive(Template)]
#[template(path = "donor.html")]
struct DetailPage {
    p: Page,
    donor: Donor,
    /// Each pledge, what of it is used, and its age bands' names.
    pledges: Vec<(Pledge, i64, String)>,
    periods: Vec<Period>,
    categories: Vec<&'static str>,
    /// (code, name) of every age band.
    age_bands: Vec<(String, String)>,
    error: Option<String>,
}

async fn detail_page(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    error: Option<String>,
) -> Result<Response, AppError> {
    let donor = storage::donors::get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let age_bands = super::catalogue::band_names(state, ctx.lang).await?;
    let pledges = storage::donors::pledges(&state.db, Some(id))
        .await?
        .into_iter()
        .map(|(pl, used)| {
            let bands = pl
                .age_bands
                .as_deref()
                .unwrap_or("")
                .split(',')
                .filter(|a| !a.is_empty())
                .map(|a| {
                    age_bands
                        .iter()
                        .find(|(c, _)| c == a)
                        .map_or(a, |(_, n)| n.as_str())
                })
                .collect::<Vec<_>>()
                .join(", ");
            (pl, used, bands)
        })
        .collect();
    render(&DetailPage {
        p: Page::new(ctx, "nav-donors"),
        pledges,
        donor,
        periods: storage::catalogue::periods(&state.db).await?,
        categories: Category::ALL.iter().map(|c| c.as_str()).collect(),
        age_bands,
        error,
    })
}

pub async fn detail(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ManageDonors, Target::Anywhere)?;
    detail_page(&state, &ctx, &id, None).await
}

pub async fn create_pledge(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    require(&ctx, Action::ManageDonors, Target::Anywhere)?;
    // Repeated checkboxes (categories=…&categories=…) need a list-aware parse.
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let mut form = PledgeForm::default();
    for (k, v) in pairs {
        match k.as_str() {
            "kind" => form.kind = v,
            "amount" => form.amount = v,
            "categories" => form.categories.push(v),
            "age_bands" => form.age_bands.push(v),
            "unit_codes" => form.unit_codes = v,
            "period_id" => form.period_id = v,
            "due_on" => form.due_on = v,
            "committed" => form.committed = Some(v),
            "note" => form.note = v,
            _ => {}
        }
    }
    storage::donors::get(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let fail = |key: &str| Some(i18n::t(ctx.lang, key));
    let Ok(amount) = form.amount.trim().replace(['.', ','], "").parse::<i64>() else {
        return detail_page(&state, &ctx, &id, fail("pledge-error-amount")).await;
    };
    if amount <= 0 || !["money", "goods", "service"].contains(&form.kind.as_str()) {
        return detail_page(&state, &ctx, &id, fail("pledge-error-amount")).await;
    }
    if form
        .categories
        .iter()
        .any(|c| c.parse::<Category>().is_err())
    {
        return detail_page(&state, &ctx, &id, fail("pledge-error-restriction")).await;
    }
    for a in &form.age_bands {
        if storage::age_bands::existing(&state.db, a).await?.is_none() {
            let msg = i18n::tf(ctx.lang, "band-error-unknown", &[("code", a.trim())]);
            return detail_page(&state, &ctx, &id, Some(msg)).await;
        }
    }
    let units: Vec<String> = form
        .unit_codes
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    for u in &units {
        if storage::admin_units::versions_of(&state.db, u)
            .await?
            .is_empty()
        {
            return detail_page(&state, &ctx, &id, fail("classification-error-unit")).await;
        }
    }
    let due_on = if form.due_on.trim().is_empty() {
        None
    } else {
        match parse_date(&form.due_on) {
            Some(d) => Some(d),
            None => return detail_page(&state, &ctx, &id, fail("classification-error-date")).await,
        }
    };
    let join = |v: &[String]| Some(v.join(",")).filter(|s| !s.is_empty());
    let pledge = Pledge {
        id: storage::new_id(),
        donor_id: id.clone(),
        kind: form.kind.clone(),
        amount,
        status: if form.committed.is_some() {
            "committed"
        } else {
            "pledged"
        }
        .into(),
        categories: join(&form.categories),
        unit_codes: join(&units),
        age_bands: join(&form.age_bands),
        period_id: Some(form.period_id.clone()).filter(|s| !s.is_empty()),
        due_on,
        origin: "officer".into(),
        need_line_id: None,
        note: domain::text::clean(&form.note),
        is_demo: false,
        number: None,
    };
    storage::donors::create_pledge(&state.db, &pledge, &actor_of(&ctx), Utc::now()).await?;
    Ok(see_other(&format!("/donors/{id}")))
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
    // this user may allocate (coordinators, admins); the guard decides.
    if pledge.need_line_id.is_some()
        && domain::authz::authorize(&ctx.actor, Action::Allocate, Target::Anywhere).is_ok()
    {
        let outcome =
            storage::allocations::commit_pledge(&state.db, &id, &actor_of(&ctx), Utc::now())
                .await?;
        if let storage::allocations::CommitOutcome::NotAllocated(refusal) = outcome {
            let msg = format!(
                "{} {}",
                i18n::t(ctx.lang, "pledge-committed-not-allocated"),
                i18n::t(ctx.lang, refusal.message_key())
            );
            return detail_page(&state, &ctx, &pledge.donor_id, Some(msg)).await;
        }
    } else {
        storage::donors::commit(&state.db, &id, &actor_of(&ctx), Utc::now()).await?;
    }
    Ok(see_other(&format!("/donors/{}", pledge.donor_id)))
}
