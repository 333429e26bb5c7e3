//! Every table of the need line as CSV and XLSX (`/exports/{table}.{csv|xlsx}`):
//! needs, roll-ups, donors, pledges, receipts, allocations and deliveries,
//! authorised and scoped exactly like their pages. One `reports::Table`
//! per download, written by the reports crate (CSV behind a BOM, XLSX with
//! real numbers).

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::Utc;
use domain::authz::{Action, Target, authorize};
use i18n::Lang;
use reports::{Cell, Column, ColumnKind, Table};
use storage::needs::NeedFilter;

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::state::AppState;

use super::exports::download;
use super::rollup::RollupQuery;

/// The tables one can download.
pub const TABLES: [&str; 7] = [
    "needs",
    "rollup",
    "donors",
    "pledges",
    "receipts",
    "allocations",
    "deliveries",
];

fn cols(lang: Lang, spec: &[(&str, ColumnKind)]) -> Vec<Column> {
    spec.iter()
        .map(|(k, kind)| Column {
            header: i18n::t(lang, k),
            kind: *kind,
        })
        .collect()
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn date(d: chrono::NaiveDate) -> Cell {
    Cell::Text(d.format("%Y-%m-%d").to_string())
}

use ColumnKind::{Integer as I, Money as M, Text as T};

async fn needs_table(state: &AppState, ctx: &Ctx) -> Result<Table, AppError> {
    require(ctx, Action::ViewPublic, Target::Anywhere)?;
    let public = authorize(&ctx.actor, Action::ViewUnitData, Target::Anywhere).is_err();
    let filter = NeedFilter {
        public_only: public,
        ..NeedFilter::default()
    };
    let rows = storage::needs::list(&state.db, &ctx.actor.visibility(), &filter).await?;
    let lang = ctx.lang;
    Ok(Table {
        title: i18n::t(lang, "nav-needs"),
        columns: cols(
            lang,
            &[
                ("code", T),
                ("site", T),
                ("unit", T),
                ("category", T),
                ("period", T),
                ("package", T),
                ("children", I),
                ("unit-value", M),
                ("axis-need", M),
                ("axis-pledged", M),
                ("axis-committed", M),
                ("axis-received", M),
                ("axis-allocated", M),
                ("axis-delivered", M),
                ("axis-accepted", M),
                ("axis-children-served", I),
                ("axis-gap", M),
                ("need-status", T),
            ],
        ),
        rows: rows
            .iter()
            .map(|n| {
                let c = n.coverage();
                vec![
                    text(&n.id),
                    text(&n.site_name),
                    text(&n.unit_code),
                    text(i18n::t(lang, &format!("category-{}", n.category))),
                    text(&n.period_name),
                    text(format!("{} v{}", n.package_code, n.package_version)),
                    Cell::Int(n.quantity),
                    Cell::Money(n.unit_value),
                    Cell::Money(c.need),
                    Cell::Money(c.pledged),
                    Cell::Money(c.committed),
                    Cell::Money(c.received),
                    Cell::Money(c.allocated),
                    Cell::Money(c.delivered),
                    Cell::Money(c.accepted),
                    Cell::Int(n.children_served),
                    Cell::Money(c.gap()),
                    text(i18n::t(lang, &format!("status-{}", n.status))),
                ]
            })
            .collect(),
        total_row: None,
    })
}

/// The roll-up of the query, with its total row.
pub async fn rollup_table(state: &AppState, ctx: &Ctx, q: &RollupQuery) -> Result<Table, AppError> {
    let (rows, total) = super::rollup::compute(state, ctx, q).await?;
    let lang = ctx.lang;
    let by = q.by();
    let row = |key: &str, label: String, r: &storage::rollup::RollupRow| {
        vec![
            text(key),
            text(label),
            Cell::Int(r.lines),
            Cell::Int(r.quantity),
            Cell::Money(r.coverage.need),
            Cell::Money(r.coverage.pledged),
            Cell::Money(r.coverage.committed),
            Cell::Money(r.coverage.received),
            Cell::Money(r.coverage.allocated),
            Cell::Money(r.coverage.delivered),
            Cell::Money(r.coverage.accepted),
            Cell::Int(r.children_served),
            Cell::Money(r.gap),
        ]
    };
    let by_key = format!("rollup-by-{}", by.as_str());
    Ok(Table {
        title: format!(
            "{} — {}",
            i18n::t(lang, "rollup-title"),
            i18n::t(lang, &by_key)
        ),
        columns: cols(
            lang,
            &[
                ("code", T),
                (by_key.as_str(), T),
                ("rollup-lines", I),
                ("children", I),
                ("axis-need", M),
                ("axis-pledged", M),
                ("axis-committed", M),
                ("axis-received", M),
                ("axis-allocated", M),
                ("axis-delivered", M),
                ("axis-accepted", M),
                ("axis-children-served", I),
                ("axis-gap", M),
            ],
        ),
        rows: rows
            .iter()
            .map(|r| {
                let label = if by == storage::rollup::RollupBy::Category {
                    i18n::t(lang, &format!("category-{}", r.label))
                } else {
                    r.label.clone()
                };
                row(&r.key, label, r)
            })
            .collect(),
        total_row: Some(row("", i18n::t(lang, "total"), &total)),
    })
}

async fn donors_table(state: &AppState, ctx: &Ctx) -> Result<Table, AppError> {
    require(ctx, Action::ManageDonors, Target::Anywhere)?;
    let lang = ctx.lang;
    let yes_no = |b: bool| text(i18n::t(lang, if b { "export-yes" } else { "export-no" }));
    let donors = storage::donors::list(&state.db, None).await?;
    Ok(Table {
        title: i18n::t(lang, "nav-donors"),
        columns: cols(
            lang,
            &[
                ("code", T),
                ("name", T),
                ("donor-kind", T),
                ("donor-origin", T),
                ("donor-type", T),
                ("donor-tax-code", T),
                ("donor-phone", T),
                ("donor-email", T),
                ("donor-publish", T),
                ("donor-anonymous", T),
            ],
        ),
        rows: donors
            .iter()
            .map(|d| {
                vec![
                    text(&d.id),
                    text(&d.name),
                    text(i18n::t(lang, &format!("donor-kind-{}", d.kind))),
                    text(i18n::t(lang, &format!("donor-origin-{}", d.origin))),
                    text(i18n::t(lang, &format!("donor-type-{}", d.donor_type))),
                    text(d.tax_code.clone().unwrap_or_default()),
                    text(d.phone.clone().unwrap_or_default()),
                    text(d.email.clone().unwrap_or_default()),
                    yes_no(d.publish_name),
                    yes_no(d.anonymous),
                ]
            })
            .collect(),
        total_row: None,
    })
}

async fn pledges_table(state: &AppState, ctx: &Ctx) -> Result<Table, AppError> {
    require(ctx, Action::ManageDonors, Target::Anywhere)?;
    let lang = ctx.lang;
    let donors: std::collections::HashMap<String, String> = storage::donors::list(&state.db, None)
        .await?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect();
    let received: std::collections::HashMap<String, i64> =
        storage::tables::receipts(&state.db, None)
            .await?
            .into_iter()
            .fold(Default::default(), |mut m, r| {
                let e: &mut i64 = m.entry(r.pledge_id).or_default();
                *e = e.saturating_add(r.amount);
                m
            });
    let pledges = storage::donors::pledges(&state.db, None).await?;
    Ok(Table {
        title: i18n::t(lang, "pledges"),
        columns: cols(
            lang,
            &[
                ("code", T),
                ("pledge-code", T),
                ("name", T),
                ("pledge-kind", T),
                ("amount", M),
                ("need-status", T),
                ("pledge-due", T),
                ("axis-received", M),
                ("allocated", M),
                ("note", T),
            ],
        ),
        rows: pledges
            .iter()
            .map(|(g, used)| {
                vec![
                    text(&g.id),
                    text(g.code().unwrap_or_default()),
                    text(donors.get(&g.donor_id).cloned().unwrap_or_default()),
                    text(i18n::t(lang, &format!("pledge-kind-{}", g.kind))),
                    Cell::Money(g.amount),
                    text(i18n::t(lang, &format!("pledge-status-{}", g.status))),
                    g.due_on.map_or(Cell::Empty, date),
                    Cell::Money(received.get(&g.id).copied().unwrap_or(0)),
                    Cell::Money(*used),
                    text(&g.note),
                ]
            })
            .collect(),
        total_row: None,
    })
}

async fn receipts_table(state: &AppState, ctx: &Ctx) -> Result<Table, AppError> {
    require(ctx, Action::ManageDonors, Target::Anywhere)?;
    let lang = ctx.lang;
    let rows = storage::tables::receipts(&state.db, None).await?;
    Ok(Table {
        title: i18n::t(lang, "receipts-title"),
        columns: cols(
            lang,
            &[
                ("code", T),
                ("receipt-no", T),
                ("receipt-date", T),
                ("name", T),
                ("receipt-receiver", T),
                ("receipt-method", T),
                ("receipt-account", T),
                ("amount", M),
                ("pledge-code", T),
            ],
        ),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    text(&r.id),
                    text(&r.receipt_no),
                    date(r.received_on),
                    text(&r.donor_name),
                    text(&r.receiver_name),
                    text(i18n::t(lang, &format!("receipt-method-{}", r.method))),
                    text(&r.account),
                    Cell::Money(r.amount),
                    text(&r.pledge_id),
                ]
            })
            .collect(),
        total_row: None,
    })
}

async fn allocations_table(state: &AppState, ctx: &Ctx) -> Result<Table, AppError> {
    require(ctx, Action::ViewUnitData, Target::Anywhere)?;
    let lang = ctx.lang;
    let rows = storage::tables::allocations(&state.db, &ctx.actor.visibility(), None).await?;
    Ok(Table {
        title: i18n::t(lang, "allocated"),
        columns: cols(
            lang,
            &[
                ("code", T),
                ("need-line", T),
                ("site", T),
                ("unit", T),
                ("category", T),
                ("period", T),
                ("name", T),
                ("amount", M),
                ("override-reason", T),
            ],
        ),
        rows: rows
            .iter()
            .map(|a| {
                vec![
                    text(&a.id),
                    text(&a.need_line_id),
                    text(&a.site_name),
                    text(&a.unit_code),
                    text(i18n::t(lang, &format!("category-{}", a.category))),
                    text(&a.period_name),
                    text(&a.donor_name),
                    Cell::Money(a.amount),
                    text(a.override_reason.clone().unwrap_or_default()),
                ]
            })
            .collect(),
        total_row: None,
    })
}

async fn deliveries_table(state: &AppState, ctx: &Ctx) -> Result<Table, AppError> {
    require(ctx, Action::ViewUnitData, Target::Anywhere)?;
    let lang = ctx.lang;
    let rows = storage::tables::deliveries(&state.db, &ctx.actor.visibility()).await?;
    Ok(Table {
        title: i18n::t(lang, "deliveries"),
        columns: cols(
            lang,
            &[
                ("code", T),
                ("need-line", T),
                ("site", T),
                ("unit", T),
                ("category", T),
                ("period", T),
                ("delivery-planned-on", T),
                ("delivery-handed-over-on", T),
                ("delivery-minutes-no", T),
                ("need-status", T),
                ("axis-delivered", M),
                ("axis-accepted", M),
                ("axis-children-served", I),
            ],
        ),
        rows: rows
            .iter()
            .map(|l| {
                let d = &l.delivery;
                vec![
                    text(&d.id),
                    text(&d.need_line_id),
                    text(&l.site_name),
                    text(&d.unit_code),
                    text(i18n::t(lang, &format!("category-{}", l.category))),
                    text(&l.period_name),
                    date(d.planned_on),
                    d.handed_over_on.map_or(Cell::Empty, date),
                    text(d.minutes_no.clone().unwrap_or_default()),
                    text(i18n::t(lang, &format!("delivery-status-{}", d.status))),
                    Cell::Money(d.value),
                    Cell::Money(l.accepted),
                    Cell::Int(d.children_served),
                ]
            })
            .collect(),
        total_row: None,
    })
}

/// `/exports/{table}.{csv|xlsx}`.
pub async fn download_table(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(file): Path<String>,
    Query(q): Query<RollupQuery>,
) -> Result<Response, AppError> {
    let Some((name, format)) = file.rsplit_once('.') else {
        return Err(AppError::NotFound);
    };
    if !TABLES.contains(&name) || !matches!(format, "csv" | "xlsx") {
        return Err(AppError::NotFound);
    }
    let table = match name {
        "needs" => needs_table(&state, &ctx).await?,
        "rollup" => rollup_table(&state, &ctx, &q).await?,
        "donors" => donors_table(&state, &ctx).await?,
        "pledges" => pledges_table(&state, &ctx).await?,
        "receipts" => receipts_table(&state, &ctx).await?,
        "allocations" => allocations_table(&state, &ctx).await?,
        _ => deliveries_table(&state, &ctx).await?,
    };
    let file_name = format!("chungtay-{name}.{format}");
    if format == "csv" {
        return Ok(download(
            reports::csv(&table),
            "text/csv; charset=utf-8",
            &file_name,
        ));
    }
    let doc = reports::Document {
        issuer_parent: String::new(),
        issuer: "CHUNG TAY".to_owned(),
        number_symbol: String::new(),
        place: "Huế".to_owned(),
        date: Utc::now().date_naive(),
        kind: String::new(),
        title: table.title.clone(),
        sections: vec![reports::Section {
            heading: table.title.clone(),
            paragraphs: Vec::new(),
            tables: vec![table],
            charts: Vec::new(),
        }],
        recipients: Vec::new(),
        signer_title: String::new(),
        signer_name: String::new(),
    };
    let bytes = reports::xlsx(&doc).map_err(|e| AppError::bad("error-generic", e.to_string()))?;
    Ok(download(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &file_name,
    ))
}
