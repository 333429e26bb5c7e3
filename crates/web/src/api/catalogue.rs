//! The catalogue kept through the API, with the same right as the
//! catalogue page (`Allocate`: the coordinator): explicit periods, and
//! package versions (a change makes a new version; old need lines keep
//! theirs), and age bands (the plan's built in; others added, never
//! overlapping). Reading stays `GET /api/v1/catalogue`, and
//! `GET /api/v1/catalogue/age-bands` for the bands.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{NaiveDate, Utc};
use domain::authz::{Action, Target};
use domain::needs::category::BandSpec;
use domain::needs::{Category, PackageError, PackageItem, PackageVersion};
use serde::Deserialize;
use serde_json::json;
use storage::catalogue::Period;

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::pages::classifications_actor as actor_of;
use crate::state::AppState;

use super::flows::{body, refusal};

#[derive(Deserialize)]
struct PeriodIn {
    name: String,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
}

/// `POST /api/v1/catalogue/periods`: an explicit date range (a school
/// year, a winter season).
pub async fn create_period(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    bytes: Bytes,
) -> Result<Response, AppError> {
    require(&ctx, Action::Allocate, Target::Anywhere)?;
    let input: PeriodIn = body(&bytes)?;
    let name = domain::text::clean(&input.name);
    if name.is_empty() || input.starts_on >= input.ends_on {
        let key = "period-error";
        return Ok(refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            key,
            i18n::t(ctx.lang, key),
            json!({}),
        ));
    }
    let period = Period {
        id: storage::new_id(),
        name,
        starts_on: input.starts_on,
        ends_on: input.ends_on,
        is_demo: false,
    };
    storage::catalogue::create_period(&state.db, &period, &actor_of(&ctx), Utc::now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": period.id, "name": period.name,
            "starts_on": period.starts_on.to_string(), "ends_on": period.ends_on.to_string()})),
    )
        .into_response())
}

#[derive(Deserialize)]
struct ItemIn {
    name: String,
    unit: String,
    quantity: i64,
    unit_value: i64,
}

#[derive(Deserialize)]
struct PackageIn {
    code: String,
    name: String,
    category: String,
    age_band: String,
    items: Vec<ItemIn>,
}

/// `POST /api/v1/catalogue/packages`: a new version of the package with
/// this code (version 1 when the code is new).
pub async fn create_package(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    bytes: Bytes,
) -> Result<Response, AppError> {
    require(&ctx, Action::Allocate, Target::Anywhere)?;
    let input: PackageIn = body(&bytes)?;
    let Ok(category) = input.category.parse::<Category>() else {
        let key = "package-error-name";
        return Ok(refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            key,
            i18n::t(ctx.lang, key),
            json!({"field": "category/age_band"}),
        ));
    };
    let Some(age_band) = storage::age_bands::existing(&state.db, &input.age_band).await? else {
        let key = "band-error-unknown";
        return Ok(refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            key,
            i18n::tf(ctx.lang, key, &[("code", input.age_band.trim())]),
            json!({"field": "age_band"}),
        ));
    };
    let version = PackageVersion {
        code: input.code,
        version: 0,
        name: input.name,
        category,
        age_band,
        items: input
            .items
            .into_iter()
            .map(|i| PackageItem {
                name: i.name,
                unit: i.unit,
                quantity: i.quantity,
                unit_value: i.unit_value,
            })
            .collect(),
    };
    match version.validate() {
        Ok(v) => {
            let p = storage::catalogue::add_package_version(
                &state.db,
                &v,
                false,
                &actor_of(&ctx),
                Utc::now(),
            )
            .await?;
            Ok((
                StatusCode::CREATED,
                Json(
                    json!({"id": p.id, "code": p.version.code, "version": p.version.version,
                    "unit_value": p.unit_value}),
                ),
            )
                .into_response())
        }
        Err(e) => {
            let index = match e {
                PackageError::BadQuantity { index } | PackageError::BadValue { index } => {
                    Some(index)
                }
                PackageError::EmptyName { index } => index,
                _ => None,
            };
            Ok(refusal(
                StatusCode::UNPROCESSABLE_ENTITY,
                e.message_key(),
                i18n::t(ctx.lang, e.message_key()),
                json!({"index": index}),
            ))
        }
    }
}

fn band_json(b: &storage::age_bands::Band) -> serde_json::Value {
    json!({"code": b.code, "name_vi": b.name_vi, "name_en": b.name_en,
        "min_age": b.min_age, "max_age": b.max_age, "built_in": b.built_in})
}

/// `GET /api/v1/catalogue/age-bands`: every band, in display order
/// (public, like the catalogue).
pub async fn age_bands(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ViewPublic, Target::Anywhere)?;
    let bands = storage::age_bands::list(&state.db).await?;
    Ok(Json(json!({"age_bands": bands.iter().map(band_json).collect::<Vec<_>>()})).into_response())
}

#[derive(Deserialize)]
struct BandIn {
    code: String,
    #[serde(flatten)]
    band: BandEditIn,
}

/// `POST /api/v1/catalogue/age-bands`: a band the plan did not name (e.g.
/// THCS 11–14); its ages may not overlap another band's.
pub async fn create_age_band(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    bytes: Bytes,
) -> Result<Response, AppError> {
    require(&ctx, Action::Allocate, Target::Anywhere)?;
    let input: BandIn = body(&bytes)?;
    let spec = input.band.spec(input.code);
    match storage::age_bands::create(&state.db, &spec, &actor_of(&ctx), Utc::now()).await? {
        Ok(b) => Ok((StatusCode::CREATED, Json(band_json(&b))).into_response()),
        Err(e) => {
            let status = if matches!(e, domain::needs::category::BandError::Exists) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            Ok(refusal(
                status,
                e.message_key(),
                crate::pages::catalogue::band_message(ctx.lang, &e),
                json!({}),
            ))
        }
    }
}

#[derive(Deserialize)]
struct BandEditIn {
    name_vi: String,
    name_en: String,
    min_age: i64,
    max_age: i64,
}

impl BandEditIn {
    fn spec(self, code: String) -> BandSpec {
        BandSpec {
            code,
            name_vi: self.name_vi,
            name_en: self.name_en,
            min_age: self.min_age,
            max_age: self.max_age,
        }
    }
}

/// The API's answer to a refused change of a band: 404 unknown, 409 built
/// in or in use (with the counts), 422 invalid names or ages.
fn band_change_refusal(
    lang: i18n::Lang,
    code: &str,
    e: &storage::age_bands::BandChangeRefusal,
) -> Response {
    use storage::age_bands::BandChangeRefusal as R;
    let message = crate::pages::catalogue::band_change_message(lang, code, e);
    match e {
        R::Unknown => refusal(
            StatusCode::NOT_FOUND,
            "band-error-unknown",
            message,
            json!({}),
        ),
        R::BuiltIn => refusal(
            StatusCode::CONFLICT,
            "band-error-built-in",
            message,
            json!({}),
        ),
        R::InUse { packages, pledges } => refusal(
            StatusCode::CONFLICT,
            "band-error-in-use",
            message,
            json!({"packages": packages, "pledges": pledges}),
        ),
        R::Invalid(b) => refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            b.message_key(),
            message,
            json!({}),
        ),
    }
}

/// `PUT /api/v1/catalogue/age-bands/{code}`: renames an added band or
/// changes its ages (still overlapping no other band's).
pub async fn update_age_band(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(code): Path<String>,
    bytes: Bytes,
) -> Result<Response, AppError> {
    require(&ctx, Action::Allocate, Target::Anywhere)?;
    let input: BandEditIn = body(&bytes)?;
    let spec = input.spec(code.clone());
    match storage::age_bands::update(&state.db, &code, &spec, &actor_of(&ctx), Utc::now()).await? {
        Ok(b) => Ok(Json(band_json(&b)).into_response()),
        Err(e) => Ok(band_change_refusal(ctx.lang, &code, &e)),
    }
}

/// `DELETE /api/v1/catalogue/age-bands/{code}`: removes an added band that
/// no package version or pledge names (204).
pub async fn delete_age_band(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    require(&ctx, Action::Allocate, Target::Anywhere)?;
    match storage::age_bands::delete(&state.db, &code, &actor_of(&ctx), Utc::now()).await? {
        Ok(()) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(e) => Ok(band_change_refusal(ctx.lang, &code, &e)),
    }
}
