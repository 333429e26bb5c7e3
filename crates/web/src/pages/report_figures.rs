//! The yearly report's figures for the coordinator (issue 6, items 3 and 8):
//! `/reporting/figures?year=&unit=` shows the system's figures of a unit
//! with server-rendered SVG charts (coverage by commune as a grid of units,
//! money in and out over time, children by category, targets against
//! actuals when plans exist, completeness when the regime's tables do), no
//! script; `/reporting/annual?year=&unit=&format=xlsx|docx|pdf` downloads
//! the same report as an official document. The coordinator, the admin and
//! the finance inspector see every unit; a commune's officer only the units
//! in scope (`Action::ExportReports`).

use askama::Template;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Duration, NaiveDate, Utc};
use domain::authz::{Action, Target};
use reports::{Cell, Document};
use serde::Deserialize;
use storage::report_data::{self, Period, ReportDataError};

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::state::AppState;
use crate::view::Page;

use super::render;

#[derive(Debug, Deserialize, Default)]
pub struct FiguresQuery {
    #[serde(default)]
    year: Option<String>,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    format: Option<String>,
}

fn today() -> NaiveDate {
    (Utc::now() + Duration::hours(7)).date_naive()
}

/// The year asked for (default: this year in Vietnam).
fn year_of(q: &FiguresQuery) -> Result<i32, AppError> {
    match q.year.as_deref().map(str::trim).filter(|y| !y.is_empty()) {
        None => Ok(today().year()),
        Some(y) => y
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(|| AppError::bad("figures-bad-year", y.to_owned())),
    }
}

fn unit_of(q: &FiguresQuery) -> String {
    q.unit
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .unwrap_or(storage::admin_units::PROVINCE)
        .to_owned()
}

/// The report of a unit and year, after the access check.
async fn document(
    state: &AppState,
    ctx: &Ctx,
    unit: &str,
    year: i32,
) -> Result<Document, AppError> {
    require(ctx, Action::ExportReports, Target::Unit(unit))?;
    let today = today();
    let y =
        Period::year(year).ok_or_else(|| AppError::bad("figures-bad-year", year.to_string()))?;
    let period = Period::new(y.from, y.to, y.to.max(today))
        .map_err(|e| AppError::bad("figures-bad-year", e.to_string()))?;
    let unit = match report_data::resolve_unit(&state.db, unit, today).await {
        Ok(u) => u,
        Err(ReportDataError::UnknownUnit(code)) => {
            return Err(AppError::bad("figures-unknown-unit", code));
        }
        Err(ReportDataError::Storage(e)) => return Err(e.into()),
        Err(e) => return Err(AppError::bad("figures-bad-year", e.to_string())),
    };
    let figures = match report_data::annual_figures(&state.db, &unit, &period, today).await {
        Ok(f) => f,
        Err(ReportDataError::Storage(e)) => return Err(e.into()),
        Err(e) => return Err(AppError::bad("figures-unknown-unit", e.to_string())),
    };
    Ok(reports::annual::document(&figures))
}

/// `/reporting/annual?year=&unit=&format=`: the document as a download.
pub async fn annual(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<FiguresQuery>,
) -> Result<Response, AppError> {
    let year = year_of(&q)?;
    let unit = unit_of(&q);
    let format = q.format.as_deref().unwrap_or("xlsx");
    let mime = match format {
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "pdf" => "application/pdf",
        other => return Err(AppError::bad("figures-bad-format", other.to_owned())),
    };
    let doc = document(&state, &ctx, &unit, year).await?;
    let bytes = match format {
        "docx" => reports::docx(&doc),
        "pdf" => reports::pdf(&doc),
        _ => reports::xlsx(&doc),
    }
    .map_err(|e| AppError::bad("error-generic", e.to_string()))?;
    let safe: String = unit.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let name = format!("bao-cao-{safe}-{year}.{format}");
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

struct TableView {
    title: String,
    headers: Vec<String>,
    /// (text, numeric) per cell; the total row last.
    rows: Vec<Vec<(String, bool)>>,
    has_total: bool,
}

struct SectionView {
    heading: String,
    paragraphs: Vec<String>,
    tables: Vec<TableView>,
    /// SVG markup (escaped by `reports::svg`).
    charts: Vec<String>,
}

#[derive(Template)]
#[template(path = "report_figures.html")]
struct FiguresPage {
    p: Page,
    unit: String,
    year: i32,
    title: String,
    sections: Vec<SectionView>,
}

fn cells(row: &[Cell]) -> Vec<(String, bool)> {
    row.iter().map(|c| (c.display(), c.is_numeric())).collect()
}

/// `/reporting/figures?year=&unit=`: the figures with their charts.
pub async fn figures(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<FiguresQuery>,
) -> Result<Response, AppError> {
    let year = year_of(&q)?;
    let unit = unit_of(&q);
    let doc = document(&state, &ctx, &unit, year).await?.normalized();
    let sections = doc
        .sections
        .iter()
        .map(|s| SectionView {
            heading: s.heading.clone(),
            paragraphs: s.paragraphs.clone(),
            tables: s
                .tables
                .iter()
                .map(|t| {
                    let mut rows: Vec<Vec<(String, bool)>> =
                        t.rows.iter().map(|r| cells(r)).collect();
                    if let Some(total) = &t.total_row {
                        rows.push(cells(total));
                    }
                    TableView {
                        title: t.title.clone(),
                        headers: t.columns.iter().map(|c| c.header.clone()).collect(),
                        rows,
                        has_total: t.total_row.is_some(),
                    }
                })
                .collect(),
            charts: s.charts.iter().map(reports::Chart::to_svg).collect(),
        })
        .collect();
    render(&FiguresPage {
        p: Page::new(&ctx, "figures-title"),
        unit,
        year,
        title: doc.title.clone(),
        sections,
    })
}
