//! The coordinator's consolidation (issue 6, item 5):
//! `/reporting/consolidated?year=` shows the units' reports summed beside
//! the system's figures with every difference flagged, completeness, and
//! the obligations that moved with the 2025 reform;
//! `/reporting/consolidated/export?year=&format=xlsx|docx|pdf` downloads
//! the city report to the People's Committee (`reports::consolidated`).
//! `/reporting/review?from=&to=&unit=&regroup=today|historic` is the final
//! review of 2019–2025, year on year, under the units of the time or
//! re-aggregated onto today's units; `/reporting/review/export` its
//! document. The consolidation is the coordinator's (`ApproveReport`
//! anywhere); the review, like every report, needs `ExportReports` on the
//! unit.

use askama::Template;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use domain::authz::{Action, Target};
use reports::consolidated::{Consolidation, DIFFERS};
use reports::review::Regroup;
use reports::{Cell, Document, Table};
use serde::Deserialize;
use storage::report_data::ReportDataError;
use storage::review::{ReviewError, ReviewSpec};

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::state::AppState;
use crate::view::Page;

use super::render;
use super::reports::today;

#[derive(Debug, Deserialize, Default)]
pub struct ConsolidatedQuery {
    #[serde(default)]
    year: Option<String>,
    #[serde(default)]
    format: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub struct ReviewQuery {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    regroup: Option<String>,
    #[serde(default)]
    format: Option<String>,
}

fn year_param(v: Option<&str>, default: i32) -> Result<i32, AppError> {
    match v.map(str::trim).filter(|y| !y.is_empty()) {
        None => Ok(default),
        Some(y) => y
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(|| AppError::bad("figures-bad-year", y.to_owned())),
    }
}

fn data_error(e: ReportDataError) -> AppError {
    match e {
        ReportDataError::Storage(e) => e.into(),
        ReportDataError::UnknownUnit(code) => AppError::bad("figures-unknown-unit", code),
        other => AppError::bad("figures-bad-year", other.to_string()),
    }
}

/// The format asked for, with its MIME type.
fn format_of(f: Option<&str>) -> Result<(&str, &'static str), AppError> {
    match f.unwrap_or("xlsx") {
        "xlsx" => Ok((
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )),
        "docx" => Ok((
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )),
        "pdf" => Ok(("pdf", "application/pdf")),
        other => Err(AppError::bad("figures-bad-format", other.to_owned())),
    }
}

fn download(doc: &Document, format: &str, mime: &str, name: &str) -> Result<Response, AppError> {
    let bytes = match format {
        "docx" => reports::docx(doc),
        "pdf" => reports::pdf(doc),
        _ => reports::xlsx(doc),
    }
    .map_err(|e| AppError::bad("error-generic", e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.{format}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

async fn consolidation(
    state: &AppState,
    ctx: &Ctx,
    q: &ConsolidatedQuery,
) -> Result<Consolidation, AppError> {
    require(ctx, Action::ApproveReport, Target::Anywhere)?;
    let today = today();
    let year = year_param(q.year.as_deref(), today.year())?;
    let map = domain::admin_units::embedded_map()
        .map_err(|e| AppError::bad("error-generic", e.to_string()))?;
    storage::consolidation::consolidate(&state.db, map, year, today)
        .await
        .map_err(data_error)
}

/// A table ready to print: (text, numeric, flagged) per cell.
struct TableView {
    title: String,
    headers: Vec<String>,
    rows: Vec<Vec<(String, bool, bool)>>,
}

fn table_view(t: &Table) -> TableView {
    let cells = |row: &[Cell]| {
        row.iter()
            .map(|c| {
                let text = c.display();
                let flagged = text == DIFFERS;
                (text, c.is_numeric(), flagged)
            })
            .collect()
    };
    let mut rows: Vec<Vec<(String, bool, bool)>> = t.rows.iter().map(|r| cells(r)).collect();
    if let Some(total) = &t.total_row {
        rows.push(cells(total));
    }
    TableView {
        title: t.title.clone(),
        headers: t.columns.iter().map(|c| c.header.clone()).collect(),
        rows,
    }
}

#[derive(Template)]
#[template(path = "consolidation.html")]
struct ConsolidationPage {
    p: Page,
    year: i32,
    title: String,
    paragraphs: Vec<String>,
    /// (test id, table)
    tables: Vec<(&'static str, TableView)>,
    flagged: usize,
    district_moves: Vec<String>,
    other_moves: usize,
}

/// `/reporting/consolidated?year=`.
pub async fn show(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<ConsolidatedQuery>,
) -> Result<Response, AppError> {
    let c = consolidation(&state, &ctx, &q).await?;
    let section = reports::consolidated::consolidation_section(&c);
    let ids = [
        "consolidation-totals",
        "consolidation-differences",
        "consolidation-units",
        "consolidation-moves",
    ];
    let tables = section
        .tables
        .iter()
        .zip(ids)
        .map(|(t, id)| (id, table_view(t)))
        .collect();
    let district_moves = c
        .moves
        .iter()
        .filter(|m| m.from_level == "district")
        .map(|m| {
            format!(
                "{} → {} ({}, {})",
                m.from,
                m.to.join(", "),
                i18n::format_date(m.on),
                m.why()
            )
        })
        .collect();
    render(&ConsolidationPage {
        p: Page::new(&ctx, "consolidation-title"),
        year: c.annual.year,
        title: reports::consolidated::title(&c),
        paragraphs: section.paragraphs.clone(),
        tables,
        flagged: c.differences().len(),
        district_moves,
        other_moves: c
            .moves
            .iter()
            .filter(|m| m.from_level != "district")
            .count(),
    })
}

/// `/reporting/consolidated/export?year=&format=`.
pub async fn export(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<ConsolidatedQuery>,
) -> Result<Response, AppError> {
    let (format, mime) = format_of(q.format.as_deref())?;
    let c = consolidation(&state, &ctx, &q).await?;
    let doc = reports::consolidated::document(&c);
    download(
        &doc,
        format,
        mime,
        &format!("tong-hop-{}-{}", c.annual.unit_code, c.annual.year),
    )
}

async fn review_doc(
    state: &AppState,
    ctx: &Ctx,
    q: &ReviewQuery,
) -> Result<(ReviewSpec, reports::review::Review), AppError> {
    let today = today();
    let unit = q
        .unit
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .unwrap_or(storage::admin_units::PROVINCE)
        .to_owned();
    require(ctx, Action::ExportReports, Target::Unit(&unit))?;
    let spec = ReviewSpec {
        unit,
        from: year_param(q.from.as_deref(), 2019)?,
        to: year_param(q.to.as_deref(), 2025)?,
        regroup: q
            .regroup
            .as_deref()
            .map_or(Some(Regroup::Today), Regroup::parse)
            .ok_or_else(|| {
                AppError::bad("review-bad-regroup", q.regroup.clone().unwrap_or_default())
            })?,
    };
    let map = domain::admin_units::embedded_map()
        .map_err(|e| AppError::bad("error-generic", e.to_string()))?;
    let review = storage::review::review(&state.db, map, &spec, today)
        .await
        .map_err(|e| match e {
            ReviewError::Data(e) => data_error(e),
            e @ ReviewError::BadYears { .. } => AppError::bad("figures-bad-year", e.to_string()),
        })?;
    Ok((spec, review))
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    p: Page,
    unit: String,
    from: i32,
    to: i32,
    regroup: &'static str,
    other: &'static str,
    title: String,
    sections: Vec<(String, Vec<String>, Vec<TableView>)>,
}

/// `/reporting/review?from=&to=&unit=&regroup=`.
pub async fn review(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<ReviewQuery>,
) -> Result<Response, AppError> {
    let (spec, r) = review_doc(&state, &ctx, &q).await?;
    let doc = reports::review::document(&r).normalized();
    let sections = doc
        .sections
        .iter()
        .filter(|s| !s.tables.is_empty() || s.heading.starts_with("I."))
        .map(|s| {
            (
                s.heading.clone(),
                s.paragraphs.clone(),
                s.tables.iter().map(table_view).collect(),
            )
        })
        .collect();
    render(&ReviewPage {
        p: Page::new(&ctx, "review-title"),
        unit: spec.unit,
        from: spec.from,
        to: spec.to,
        regroup: spec.regroup.as_str(),
        other: match spec.regroup {
            Regroup::Today => Regroup::Historic.as_str(),
            Regroup::Historic => Regroup::Today.as_str(),
        },
        title: doc.title.clone(),
        sections,
    })
}

/// `/reporting/review/export?from=&to=&unit=&regroup=&format=`.
pub async fn review_export(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<ReviewQuery>,
) -> Result<Response, AppError> {
    let (format, mime) = format_of(q.format.as_deref())?;
    let (spec, r) = review_doc(&state, &ctx, &q).await?;
    let safe: String = spec
        .unit
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    download(
        &reports::review::document(&r),
        format,
        mime,
        &format!(
            "tong-ket-{safe}-{}-{}-{}",
            spec.from,
            spec.to,
            spec.regroup.as_str()
        ),
    )
}
