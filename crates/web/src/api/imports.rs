//! Imports through the API: `POST /api/v1/imports/needs` and
//! `POST /api/v1/imports/donors`. The file is the raw request body, with
//! `Content-Type: text/csv` or
//! `application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`;
//! `?dry_run=1` checks without writing. The same checks, rights and scopes
//! as the pages (`pages::imports`): all rows or none, and every problem as
//! `{row, column, message_vi, message_en}` in a 422.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Value, json};
use storage::import::{Outcome, Problem};

use crate::context::Ctx;
use crate::error::AppError;
use crate::pages::imports::{Kind, run};
use crate::state::AppState;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[derive(Deserialize, Default)]
pub struct ImportQuery {
    #[serde(default)]
    dry_run: Option<String>,
}

impl ImportQuery {
    fn dry_run(&self) -> bool {
        matches!(
            self.dry_run.as_deref().map(str::trim),
            Some("1" | "true" | "yes" | "on" | "")
        )
    }
}

/// The file's format from the request's content type.
fn format_of(headers: &HeaderMap) -> Result<imports::Format, AppError> {
    let raw = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = raw
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match mime.as_str() {
        "text/csv" | "application/csv" | "text/plain" | "text/tab-separated-values" => {
            Ok(imports::Format::Csv)
        }
        XLSX => Ok(imports::Format::Xlsx),
        _ => Err(AppError::bad(
            "api-import-content-type",
            if raw.is_empty() { "(none)" } else { raw },
        )),
    }
}

fn problem_json(p: &Problem) -> Value {
    json!({"row": p.row, "column": p.column, "message_vi": p.vi, "message_en": p.en})
}

fn answer(ctx: &Ctx, out: &Outcome, dry_run: bool) -> Response {
    let warnings: Vec<Value> = out.warnings.iter().map(problem_json).collect();
    if out.is_refused() {
        let problems: Vec<Value> = out.problems.iter().map(problem_json).collect();
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({
                "error": "import_refused",
                "message": i18n::t(ctx.lang, "api-import-refused"),
                "dry_run": dry_run,
                "written": 0,
                "problems": problems,
                "warnings": warnings,
            })),
        )
            .into_response();
    }
    let rows: Vec<Value> = out
        .rows
        .iter()
        .map(|w| {
            if out.written {
                json!({"row": w.row, "id": w.id})
            } else {
                json!({"row": w.row})
            }
        })
        .collect();
    let written = if out.written { out.rows.len() } else { 0 };
    let status = if out.written {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    (
        status,
        Json(json!({
            "dry_run": dry_run,
            "valid": out.rows.len(),
            "written": written,
            "rows": rows,
            "warnings": warnings,
        })),
    )
        .into_response()
}

async fn import(
    state: &AppState,
    ctx: &Ctx,
    kind: Kind,
    q: &ImportQuery,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Response, AppError> {
    kind.may(ctx)?;
    let format = format_of(headers)?;
    let dry_run = q.dry_run();
    let out = run(state, ctx, kind, body, format, dry_run).await?;
    Ok(answer(ctx, &out, dry_run))
}

/// `POST /api/v1/imports/needs[?dry_run=1]`: need lines for sites in the
/// caller's scope (EditUnitData).
pub async fn needs(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<ImportQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    import(&state, &ctx, Kind::Needs, &q, &headers, &body).await
}

/// `POST /api/v1/imports/donors[?dry_run=1]`: donors (ManageDonors).
pub async fn donors(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<ImportQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    import(&state, &ctx, Kind::Donors, &q, &headers, &body).await
}
