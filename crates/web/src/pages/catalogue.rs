//! The catalogue: periods and the versioned support packages.

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::response::Response;
use chrono::Utc;
use domain::authz::{Action, Target, authorize};
use domain::needs::category::{BandError, BandSpec};
use domain::needs::{Category, PackageItem, PackageVersion};
use serde::Deserialize;
use storage::catalogue::{Package, Period};

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::state::AppState;
use crate::view::Page;

use super::classifications::actor_of;
use super::{parse_date, render, see_other};

/// A band as the catalogue page lists it.
struct BandRow {
    code: String,
    name: String,
    /// "3–5", or empty for the catch-all.
    ages: String,
    built_in: bool,
    /// For the edit form of an added band.
    name_vi: String,
    name_en: String,
    min_age: String,
    max_age: String,
}

#[derive(Template)]
#[template(path = "catalogue.html")]
struct CataloguePage {
    p: Page,
    periods: Vec<Period>,
    /// Each package with its band's name.
    packages: Vec<(Package, String)>,
    can_edit: bool,
    categories: Vec<&'static str>,
    bands: Vec<BandRow>,
    error: Option<String>,
}

/// The bands with their names in the reader's language.
pub(crate) async fn band_names(
    state: &AppState,
    lang: i18n::Lang,
) -> Result<Vec<(String, String)>, AppError> {
    Ok(storage::age_bands::list(&state.db)
        .await?
        .iter()
        .map(|b| (b.code.clone(), b.name(lang == i18n::Lang::En).to_owned()))
        .collect())
}

/// A band's refusal in the reader's language.
pub(crate) fn band_message(lang: i18n::Lang, e: &BandError) -> String {
    match e {
        BandError::Overlap { code, min, max } => i18n::tf(
            lang,
            e.message_key(),
            &[
                ("code", code),
                ("min", &min.to_string()),
                ("max", &max.to_string()),
            ],
        ),
        other => i18n::t(lang, other.message_key()),
    }
}

async fn page(state: &AppState, ctx: &Ctx, error: Option<String>) -> Result<Response, AppError> {
    let english = ctx.lang == i18n::Lang::En;
    let stored = storage::age_bands::list(&state.db).await?;
    let name_of = |code: &str| {
        stored
            .iter()
            .find(|b| b.code == code)
            .map_or_else(|| code.to_owned(), |b| b.name(english).to_owned())
    };
    let packages = storage::catalogue::current_packages(&state.db)
        .await?
        .into_iter()
        .map(|k| {
            let band = name_of(k.version.age_band.as_str());
            (k, band)
        })
        .collect();
    let bands = stored
        .iter()
        .map(|b| BandRow {
            code: b.code.clone(),
            name: b.name(english).to_owned(),
            ages: match (b.min_age, b.max_age) {
                (Some(min), Some(max)) => format!("{min}–{max}"),
                _ => String::new(),
            },
            built_in: b.built_in,
            name_vi: b.name_vi.clone(),
            name_en: b.name_en.clone(),
            min_age: b.min_age.map(|a| a.to_string()).unwrap_or_default(),
            max_age: b.max_age.map(|a| a.to_string()).unwrap_or_default(),
        })
        .collect();
    render(&CataloguePage {
        p: Page::new(ctx, "nav-catalogue"),
        periods: storage::catalogue::periods(&state.db).await?,
        packages,
        can_edit: authorize(&ctx.actor, Action::Allocate, Target::Anywhere).is_ok(),
        categories: Category::ALL.iter().map(|c| c.as_str()).collect(),
        bands,
        error,
    })
}

pub async fn show(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ViewPublic, Target::Anywhere)?;
    page(&state, &ctx, None).await
}

#[derive(Deserialize)]
pub struct PeriodForm {
    name: String,
    starts_on: String,
    ends_on: String,
}

pub async fn create_period(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<PeriodForm>,
) -> Result<Response, AppError> {
    // Coordinators keep the catalogue (the same right as allocating).
    require(&ctx, Action::Allocate, Target::Anywhere)?;
    let name = domain::text::clean(&f.name);
    match (parse_date(&f.starts_on), parse_date(&f.ends_on)) {
        (Some(s), Some(e)) if s < e && !name.is_empty() => {
            let period = Period {
                id: storage::new_id(),
                name,
                starts_on: s,
                ends_on: e,
                is_demo: false,
            };
            storage::catalogue::create_period(&state.db, &period, &actor_of(&ctx), Utc::now())
                .await?;
            Ok(see_other("/catalogue"))
        }
        _ => page(&state, &ctx, Some(i18n::t(ctx.lang, "period-error"))).await,
    }
}

struct PackageForm {
    code: String,
    name: String,
    category: String,
    age_band: String,
    item_name: Vec<String>,
}

pub async fn create_package(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    require(&ctx, Action::Allocate, Target::Anywhere)?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let all = |k: &str| {
        pairs
            .iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .collect::<Vec<_>>()
    };
    let form = PackageForm {
        code: get("code"),
        name: get("name"),
        category: get("category"),
        age_band: get("age_band"),
        item_name: all("item_name"),
    };
    let (units, qtys, values) = (all("item_unit"), all("item_quantity"), all("item_value"));
    let num =
        |s: Option<&String>| s.and_then(|v| v.trim().replace(['.', ','], "").parse::<i64>().ok());
    let mut items = Vec::new();
    for (i, name) in form.item_name.iter().enumerate() {
        if name.trim().is_empty() {
            continue;
        }
        items.push(PackageItem {
            name: name.clone(),
            unit: units.get(i).cloned().unwrap_or_default(),
            quantity: num(qtys.get(i)).unwrap_or(0),
            unit_value: num(values.get(i)).unwrap_or(0),
        });
    }
    let Ok(category) = form.category.parse::<Category>() else {
        return page(&state, &ctx, Some(i18n::t(ctx.lang, "package-error-name"))).await;
    };
    let Some(age_band) = storage::age_bands::existing(&state.db, &form.age_band).await? else {
        let msg = i18n::tf(
            ctx.lang,
            "band-error-unknown",
            &[("code", form.age_band.trim())],
        );
        return page(&state, &ctx, Some(msg)).await;
    };
    let version = PackageVersion {
        code: form.code,
        version: 0,
        name: form.name,
        category,
        age_band,
        items,
    };
    match version.validate() {
        Ok(v) => {
            storage::catalogue::add_package_version(
                &state.db,
                &v,
                false,
                &actor_of(&ctx),
                Utc::now(),
            )
            .await?;
            Ok(see_other("/catalogue"))
        }
        Err(e) => page(&state, &ctx, Some(i18n::t(ctx.lang, e.message_key()))).await,
    }
}

#[derive(Deserialize)]
pub struct BandForm {
    code: String,
    name_vi: String,
    name_en: String,
    min_age: String,
    max_age: String,
}

/// The ages typed in a band's form, if both are whole numbers.
fn ages(min: &str, max: &str) -> Option<(i64, i64)> {
    Some((min.trim().parse().ok()?, max.trim().parse().ok()?))
}

/// Adds an age band (the coordinator, as for the rest of the catalogue).
pub async fn create_age_band(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<BandForm>,
) -> Result<Response, AppError> {
    require(&ctx, Action::Allocate, Target::Anywhere)?;
    let Some((min_age, max_age)) = ages(&f.min_age, &f.max_age) else {
        return page(&state, &ctx, Some(i18n::t(ctx.lang, "band-error-ages"))).await;
    };
    let spec = BandSpec {
        code: f.code,
        name_vi: f.name_vi,
        name_en: f.name_en,
        min_age,
        max_age,
    };
    match storage::age_bands::create(&state.db, &spec, &actor_of(&ctx), Utc::now()).await? {
        Ok(_) => Ok(see_other("/catalogue#age-bands")),
        Err(e) => page(&state, &ctx, Some(band_message(ctx.lang, &e))).await,
    }
}

/// A refused change of an added band, in the reader's language.
pub(crate) fn band_change_message(
    lang: i18n::Lang,
    code: &str,
    e: &storage::age_bands::BandChangeRefusal,
) -> String {
    use storage::age_bands::BandChangeRefusal as R;
    match e {
        R::Unknown => i18n::tf(lang, "band-error-unknown", &[("code", code)]),
        R::BuiltIn => i18n::t(lang, "band-error-built-in"),
        R::Invalid(b) => band_message(lang, b),
        R::InUse { packages, pledges } => i18n::tf(
            lang,
            "band-error-in-use",
            &[
                ("code", code),
                ("packages", &packages.to_string()),
                ("pledges", &pledges.to_string()),
            ],
        ),
    }
}

#[derive(Deserialize)]
pub struct BandEditForm {
    name_vi: String,
    name_en: String,
    min_age: String,
    max_age: String,
}

/// `POST /catalogue/age-bands/{code}`: renames an added band or changes its
/// ages (the coordinator; the plan's bands are fixed).
pub async fn update_age_band(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(code): Path<String>,
    Form(f): Form<BandEditForm>,
) -> Result<Response, AppError> {
    require(&ctx, Action::Allocate, Target::Anywhere)?;
    let Some((min_age, max_age)) = ages(&f.min_age, &f.max_age) else {
        return page(&state, &ctx, Some(i18n::t(ctx.lang, "band-error-ages"))).await;
    };
    let spec = BandSpec {
        code: code.clone(),
        name_vi: f.name_vi,
        name_en: f.name_en,
        min_age,
        max_age,
    };
    match storage::age_bands::update(&state.db, &code, &spec, &actor_of(&ctx), Utc::now()).await? {
        Ok(_) => Ok(see_other("/catalogue#age-bands")),
        Err(e) => page(&state, &ctx, Some(band_change_message(ctx.lang, &code, &e))).await,
    }
}

/// `POST /catalogue/age-bands/{code}/delete`: removes an added band that
/// nothing names.
pub async fn delete_age_band(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    require(&ctx, Action::Allocate, Target::Anywhere)?;
    match storage::age_bands::delete(&state.db, &code, &actor_of(&ctx), Utc::now()).await? {
        Ok(()) => Ok(see_other("/catalogue#age-bands")),
        Err(e) => page(&state, &ctx, Some(band_change_message(ctx.lang, &code, &e))).await,
    }
}
