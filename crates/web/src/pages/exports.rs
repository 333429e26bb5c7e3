//! Downloads: the need lines as CSV (UTF-8 with a BOM, so that Excel shows
//! Vietnamese), and the import templates (XLSX and CSV) for officers.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use domain::authz::{Action, Target, authorize};
use storage::needs::NeedFilter;

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::state::AppState;

pub(super) fn download(bytes: Vec<u8>, mime: &'static str, name: &str) -> Response {
    let disposition = format!("attachment; filename=\"{name}\"");
    (
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// The need lines the viewer may see, one row each, with every axis.
pub async fn needs_csv(
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
    let lang = ctx.lang;
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let head: Vec<String> = [
            "code",
            "site",
            "unit",
            "category",
            "period",
            "valid-from",
            "valid-to",
            "package",
            "children",
            "unit-value",
            "axis-need",
            "axis-pledged",
            "axis-committed",
            "axis-delivered",
            "axis-accepted",
            "axis-children-served",
            "axis-gap",
            "need-status",
        ]
        .iter()
        .map(|k| i18n::t(lang, k))
        .collect();
        w.write_record(&head)
            .map_err(|e| AppError::bad("error-generic", e.to_string()))?;
        for n in &rows {
            let c = n.coverage();
            let record = [
                n.id.clone(),
                n.site_name.clone(),
                n.unit_code.clone(),
                i18n::t(lang, &format!("category-{}", n.category)),
                n.period_name.clone(),
                i18n::format_date(n.starts_on),
                i18n::format_date(n.ends_on),
                format!("{} v{}", n.package_code, n.package_version),
                n.quantity.to_string(),
                n.unit_value.to_string(),
                c.need.to_string(),
                c.pledged.to_string(),
                c.committed.to_string(),
                c.delivered.to_string(),
                c.accepted.to_string(),
                n.children_served.to_string(),
                c.gap().to_string(),
                i18n::t(lang, &format!("status-{}", n.status)),
            ];
            w.write_record(&record)
                .map_err(|e| AppError::bad("error-generic", e.to_string()))?;
        }
        w.flush()
            .map_err(|e| AppError::bad("error-generic", e.to_string()))?;
    }
    Ok(download(out, "text/csv; charset=utf-8", "nhu-cau.csv"))
}

/// Import templates: `needs.xlsx`, `needs.csv`, `donors.xlsx`, `donors.csv`.
pub async fn template(
    Extension(ctx): Extension<Ctx>,
    Path(name): Path<String>,
) -> Result<Response, AppError> {
    let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    let csv_mime = "text/csv; charset=utf-8";
    match name.as_str() {
        "needs.xlsx" | "needs.csv" => require(&ctx, Action::EditUnitData, Target::Anywhere)?,
        "donors.xlsx" | "donors.csv" => require(&ctx, Action::ManageDonors, Target::Anywhere)?,
        _ => return Err(AppError::NotFound),
    }
    let (bytes, mime, file) = match name.as_str() {
        "needs.xlsx" => (
            imports::template::try_needs_template_xlsx()
                .map_err(|e| AppError::bad("error-generic", e.to_string()))?,
            xlsx,
            "mau-nhu-cau.xlsx",
        ),
        "donors.xlsx" => (
            imports::template::try_donors_template_xlsx()
                .map_err(|e| AppError::bad("error-generic", e.to_string()))?,
            xlsx,
            "mau-nha-tai-tro.xlsx",
        ),
        "needs.csv" => (imports::needs_template_csv(), csv_mime, "mau-nhu-cau.csv"),
        _ => (
            imports::donors_template_csv(),
            csv_mime,
            "mau-nha-tai-tro.csv",
        ),
    };
    Ok(download(bytes, mime, file))
}
