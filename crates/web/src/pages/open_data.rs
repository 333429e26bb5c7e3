//! Open data: everything the portal shows, whole, as CSV (UTF-8 with a BOM,
//! so that spreadsheet programs show Vietnamese) and JSON (an array of
//! objects), plus the need lines that received money as activities in the
//! IATI activity standard (version 2.03).
//!
//! The same rules as the portal: published need lines only; a donor's name
//! only with consent and not anonymous, otherwise [`ANONYMOUS`] (with
//! `donor_named` false); no tax code, phone or e-mail; no staff user name;
//! nothing about a child — children only as counts, small ones suppressed.
//!
//! **IATI.** One `iati-activity` per need line that has at least one
//! allocation (a line is what a donor can give to, so it is the activity;
//! a commune × category × period roll-up would hide which school it went
//! to). Transactions: `1` *incoming funds* for the part of each receipt
//! that reached the line (receipts fill a pledge's allocations in the
//! order they were made), with `provider-org` only when the donor is
//! public; `2` *outgoing commitment* for each allocation, received by the
//! site. Sectors are DAC 5-digit purpose codes, see [`dac_sector`].

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate, SecondsFormat, Utc};
use domain::authz::{Action, Target};
use domain::disclosure::Cell;
use i18n::Lang;
use serde_json::{Map, Value, json};
use storage::portal::{ActivityLine, Areas, IncomingPortion, PublicAllocation};

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::state::AppState;

use super::portal::{categories, cell_text, children, today};

/// How a donor who is anonymous, or did not consent to publication,
/// appears in every output.
pub const ANONYMOUS: &str = "Nhà hảo tâm ẩn danh / Anonymous donor";

/// The reporting organisation's IATI identifier. **A placeholder** until
/// the city's fund registers one (org-id.guide); the `XX` prefix says so.
pub const REPORTING_ORG_REF: &str = "XX-CHUNGTAY-HUE";

/// A downloadable dataset, as the portal lists it.
pub struct Dataset {
    /// File name without extension (`needs` → `needs.csv`, `needs.json`).
    pub name: &'static str,
    /// Message key of its one-line description.
    pub desc_key: &'static str,
    /// Column names (CSV header, JSON keys); each is described by the
    /// message `od-col-{name}`.
    pub columns: &'static [&'static str],
    pub formats: &'static [&'static str],
}

const NEEDS: &[&str] = &[
    "id",
    "site_id",
    "site",
    "commune_code",
    "commune",
    "unit_code",
    "category",
    "period_id",
    "period",
    "period_start",
    "period_end",
    "package",
    "children",
    "unit_value",
    "need",
    "committed",
    "received",
    "gap",
    "page",
];
const RECEIPTS: &[&str] = &[
    "id",
    "receipt_no",
    "received_on",
    "receiver",
    "form",
    "method",
    "amount",
    "currency",
    "donor",
    "donor_named",
    "donor_type",
    "donor_origin",
    "page",
];
const ALLOCATIONS: &[&str] = &[
    "id",
    "date",
    "need_id",
    "commune_code",
    "commune",
    "site_id",
    "site",
    "category",
    "period_id",
    "period",
    "amount",
    "received",
    "currency",
    "donor",
    "donor_named",
    "donor_type",
    "donor_origin",
    "overlap_override",
];
const CHILDREN: &[&str] = &["commune_code", "commune", "category", "children", "shown"];

pub static DATASETS: &[Dataset] = &[
    Dataset {
        name: "needs",
        desc_key: "od-needs",
        columns: NEEDS,
        formats: &["csv", "json"],
    },
    Dataset {
        name: "receipts",
        desc_key: "od-receipts",
        columns: RECEIPTS,
        formats: &["csv", "json"],
    },
    Dataset {
        name: "allocations",
        desc_key: "od-allocations",
        columns: ALLOCATIONS,
        formats: &["csv", "json"],
    },
    Dataset {
        name: "children",
        desc_key: "od-children",
        columns: CHILDREN,
        formats: &["csv", "json"],
    },
    Dataset {
        name: "iati-activities",
        desc_key: "od-iati",
        columns: &[],
        formats: &["xml"],
    },
];

/// `GET /open-data/{file}`.
pub async fn download(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ViewPublic, Target::Anywhere)?;
    let Some((name, ext)) = file.rsplit_once('.') else {
        return Err(AppError::NotFound);
    };
    let Some(set) = DATASETS
        .iter()
        .find(|d| d.name == name && d.formats.contains(&ext))
    else {
        return Err(AppError::NotFound);
    };
    if ext == "xml" {
        let xml = iati(&state).await?;
        return Ok(respond(
            xml.into_bytes(),
            "application/xml; charset=utf-8",
            &file,
        ));
    }
    let areas = storage::portal::areas(&state.db, today()).await?;
    let rows = match name {
        "needs" => needs(&state, &areas).await?,
        "receipts" => receipts(&state).await?,
        "allocations" => allocations(&state, &areas).await?,
        _ => children_rows(&state, &areas).await?,
    };
    if ext == "csv" {
        Ok(respond(
            csv_bytes(set.columns, &rows)?,
            "text/csv; charset=utf-8",
            &file,
        ))
    } else {
        let array: Vec<Value> = rows
            .into_iter()
            .map(|r| {
                Value::Object(
                    set.columns
                        .iter()
                        .map(|c| (*c).to_owned())
                        .zip(r)
                        .collect::<Map<String, Value>>(),
                )
            })
            .collect();
        let body = serde_json::to_vec(&Value::Array(array))
            .map_err(|e| AppError::bad("error-generic", e.to_string()))?;
        Ok(respond(body, "application/json", &file))
    }
}

fn respond(bytes: Vec<u8>, mime: &'static str, file: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{file}\""),
            ),
            (header::CACHE_CONTROL, "public, max-age=300".to_owned()),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// CSV, UTF-8 with a BOM, a header row of the column names.
fn csv_bytes(columns: &[&str], rows: &[Vec<Value>]) -> Result<Vec<u8>, AppError> {
    let fail = |e: csv::Error| AppError::bad("error-generic", e.to_string());
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(columns).map_err(fail)?;
        for r in rows {
            let record: Vec<String> = r
                .iter()
                .map(|v| match v {
                    Value::Null => String::new(),
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            w.write_record(&record).map_err(fail)?;
        }
        w.flush()
            .map_err(|e| AppError::bad("error-generic", e.to_string()))?;
    }
    Ok(out)
}

/// A donor as every output shows them: (name, named).
fn donor(name: &Option<String>) -> (Value, Value) {
    match name {
        Some(n) => (json!(n), json!(true)),
        None => (json!(ANONYMOUS), json!(false)),
    }
}

/// The last day of a period whose stored end is exclusive.
fn last_day(ends_on: NaiveDate) -> NaiveDate {
    ends_on - Duration::days(1)
}

async fn needs(state: &AppState, areas: &Areas) -> Result<Vec<Vec<Value>>, AppError> {
    Ok(storage::portal::published_needs(&state.db)
        .await?
        .into_iter()
        .map(|n| {
            let a = areas.of(&n.unit_code);
            vec![
                json!(n.id),
                json!(n.site_id),
                json!(n.site_name),
                json!(a.code),
                json!(a.name),
                json!(n.unit_code),
                json!(n.category),
                json!(n.period_id),
                json!(n.period_name),
                json!(n.starts_on.to_string()),
                json!(last_day(n.ends_on).to_string()),
                json!(format!("{} v{}", n.package_code, n.package_version)),
                json!(n.children),
                json!(n.unit_value),
                json!(n.need),
                json!(n.committed),
                json!(n.received),
                json!(n.gap),
                json!(format!("/needs/{}", n.id)),
            ]
        })
        .collect())
}

async fn receipts(state: &AppState) -> Result<Vec<Vec<Value>>, AppError> {
    Ok(storage::portal::public_receipts(&state.db, None)
        .await?
        .into_iter()
        .map(|r| {
            let (name, named) = donor(&r.donor_name);
            vec![
                json!(r.id),
                json!(r.receipt_no),
                json!(r.received_on.to_string()),
                json!(r.receiver_name),
                json!(r.kind),
                json!(r.method),
                json!(r.amount),
                json!("VND"),
                name,
                named,
                json!(r.donor_type),
                json!(r.donor_origin),
                json!(format!("/ledger/receipts/{}", r.id)),
            ]
        })
        .collect())
}

async fn allocations(state: &AppState, areas: &Areas) -> Result<Vec<Vec<Value>>, AppError> {
    Ok(storage::portal::public_allocations(&state.db)
        .await?
        .into_iter()
        .map(|a| {
            let area = areas.of(&a.unit_code);
            let (name, named) = donor(&a.donor_name);
            vec![
                json!(a.id),
                json!(a.created_at.date_naive().to_string()),
                json!(a.need_line_id),
                json!(area.code),
                json!(area.name),
                json!(a.site_id),
                json!(a.site_name),
                json!(a.category),
                json!(a.period_id),
                json!(a.period_name),
                json!(a.amount),
                json!(a.received),
                json!("VND"),
                name,
                named,
                json!(a.donor_type),
                json!(a.donor_origin),
                json!(a.overridden != 0),
            ]
        })
        .collect())
}

/// The suppressed table, one row per commune × category, then the totals
/// (`category` = `total` for a commune's total, `commune_code` = `total`
/// for a category's total and the grand total).
async fn children_rows(state: &AppState, areas: &Areas) -> Result<Vec<Vec<Value>>, AppError> {
    let (communes, table) = children(state, areas).await?;
    let cats = categories();
    let row = |code: &str, name: &str, category: &str, c: Cell| {
        vec![
            json!(code),
            json!(name),
            json!(category),
            c.shown().map_or(Value::Null, |n| json!(n)),
            json!(cell_text(c)),
        ]
    };
    let mut out = Vec::new();
    for ((a, cells), total) in communes.iter().zip(&table.cells).zip(&table.row_totals) {
        for (cat, c) in cats.iter().zip(cells) {
            out.push(row(&a.code, &a.name, cat, *c));
        }
        out.push(row(&a.code, &a.name, "total", *total));
    }
    for (cat, c) in cats.iter().zip(&table.col_totals) {
        out.push(row("total", "Tổng / Total", cat, *c));
    }
    out.push(row("total", "Tổng / Total", "total", table.grand_total));
    Ok(out)
}

// -------------------------------------------------------------------- IATI

/// The DAC 5-digit purpose code of each category:
///
/// | category | code | DAC name |
/// |---|---|---|
/// | healthcare | 12220 | Basic health care |
/// | nutrition | 12240 | Basic nutrition |
/// | recreation | 16061 | Culture and recreation |
/// | warm_clothing | 16010 | Social protection (in-kind social assistance) |
/// | other | 99810 | Sectors not specified |
pub fn dac_sector(category: &str) -> &'static str {
    match category {
        "healthcare" => "12220",
        "nutrition" => "12240",
        "recreation" => "16061",
        "warm_clothing" => "16010",
        _ => "99810",
    }
}

/// IATI organisation type of a donor type (IATI OrganisationType codelist):
/// business 70 private sector, fund 60 foundation, mass organisation 22
/// national NGO, individuals and others 90 other.
fn org_type(donor_type: &str) -> &'static str {
    match donor_type {
        "business" => "70",
        "fund" => "60",
        "mass_organisation" => "22",
        _ => "90",
    }
}

/// IATI activity status: 1 pipeline (before the period), 2 implementation,
/// 3 finalisation (the period is over), 5 cancelled.
fn activity_status(line: &ActivityLine, today: NaiveDate) -> &'static str {
    if line.status == "cancelled" {
        "5"
    } else if today < line.starts_on {
        "1"
    } else if line.ends_on <= today {
        "3"
    } else {
        "2"
    }
}

/// Text made safe for XML 1.0: escaped, and characters XML forbids dropped.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if u32::from(c) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// `<narrative>` in the activity's language (vi) and in English.
fn narratives(vi: &str, en: &str) -> String {
    format!(
        "<narrative>{}</narrative><narrative xml:lang=\"en\">{}</narrative>",
        esc(vi),
        esc(en)
    )
}

async fn iati(state: &AppState) -> Result<String, AppError> {
    let db = &state.db;
    let today = today();
    let areas = storage::portal::areas(db, today).await?;
    let lines = storage::portal::activity_lines(db).await?;
    let mut allocations: BTreeMap<String, Vec<PublicAllocation>> = BTreeMap::new();
    for a in storage::portal::public_allocations(db).await? {
        allocations
            .entry(a.need_line_id.clone())
            .or_default()
            .push(a);
    }
    let mut incoming: BTreeMap<String, Vec<IncomingPortion>> = BTreeMap::new();
    for i in storage::portal::incoming_portions(db).await? {
        incoming.entry(i.need_line_id.clone()).or_default().push(i);
    }
    let now = Utc::now();
    let mut x = String::with_capacity(1024 + lines.len() * 2048);
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<iati-activities version=\"2.03\" generated-datetime=\"{}\">",
        now.to_rfc3339_opts(SecondsFormat::Secs, true)
    );
    for line in &lines {
        let allocs = allocations.get(&line.id).map(Vec::as_slice).unwrap_or(&[]);
        let ins = incoming.get(&line.id).map(Vec::as_slice).unwrap_or(&[]);
        let area = areas.of(&line.unit_code);
        let cat_vi = i18n::t(Lang::Vi, &format!("category-{}", line.category));
        let cat_en = i18n::t(Lang::En, &format!("category-{}", line.category));
        let updated = allocs
            .iter()
            .map(|a| a.created_at)
            .chain(std::iter::once(line.updated_at))
            .max()
            .unwrap_or(line.updated_at);
        let _ = writeln!(
            x,
            "<iati-activity last-updated-datetime=\"{}\" xml:lang=\"vi\" default-currency=\"VND\">",
            updated.to_rfc3339_opts(SecondsFormat::Secs, true)
        );
        let _ = writeln!(
            x,
            "<iati-identifier>{}-{}</iati-identifier>",
            esc(REPORTING_ORG_REF),
            esc(&line.id)
        );
        let _ = writeln!(
            x,
            "<reporting-org ref=\"{}\" type=\"10\">{}</reporting-org>",
            esc(REPORTING_ORG_REF),
            narratives(
                "Thành phố Huế — hệ thống Chung Tay",
                "Huế City — Chung Tay system"
            )
        );
        let title_vi = format!("{} — {} — {}", line.site_name, cat_vi, line.period_name);
        let title_en = format!("{} — {} — {}", line.site_name, cat_en, line.period_name);
        let _ = writeln!(x, "<title>{}</title>", narratives(&title_vi, &title_en));
        let desc_vi = format!(
            "Nhu cầu hỗ trợ trẻ em ({}) tại {}, {}, đợt {}; giá trị nhu cầu {} đồng.",
            cat_vi, line.site_name, area.name, line.period_name, line.need
        );
        let desc_en = format!(
            "Support for children ({}) at {}, {}, period {}; value of the need {} VND.",
            cat_en, line.site_name, area.name, line.period_name, line.need
        );
        let _ = writeln!(
            x,
            "<description>{}</description>",
            narratives(&desc_vi, &desc_en)
        );
        let funders: BTreeSet<(String, &'static str)> = allocs
            .iter()
            .filter_map(|a| a.donor_name.clone().map(|n| (n, org_type(&a.donor_type))))
            .collect();
        for (name, kind) in &funders {
            let _ = writeln!(
                x,
                "<participating-org role=\"1\" type=\"{kind}\"><narrative>{}</narrative></participating-org>",
                esc(name)
            );
        }
        let _ = writeln!(
            x,
            "<participating-org role=\"4\" type=\"10\"><narrative>{}</narrative></participating-org>",
            esc(&line.site_name)
        );
        let _ = writeln!(
            x,
            "<activity-status code=\"{}\"/>",
            activity_status(line, today)
        );
        let _ = writeln!(
            x,
            "<activity-date iso-date=\"{}\" type=\"1\"/>\n<activity-date iso-date=\"{}\" type=\"3\"/>",
            line.starts_on,
            last_day(line.ends_on)
        );
        x.push_str("<recipient-country code=\"VN\" percentage=\"100\"/>\n");
        let _ = writeln!(
            x,
            "<location><name>{}</name></location>",
            narratives(
                &format!("{}, thành phố Huế", area.name),
                &format!("{}, Huế City", area.name)
            )
        );
        let _ = writeln!(
            x,
            "<sector vocabulary=\"1\" code=\"{}\" percentage=\"100\"/>",
            dac_sector(&line.category)
        );
        for i in ins {
            let date = i.received_on;
            let _ = write!(
                x,
                "<transaction ref=\"{}\"><transaction-type code=\"1\"/><transaction-date iso-date=\"{date}\"/>\
                 <value currency=\"VND\" value-date=\"{date}\">{}</value>",
                esc(&i.receipt_id),
                i.amount
            );
            if i.kind == "goods" {
                x.push_str(&format!(
                    "<description>{}</description>",
                    narratives("Hiện vật, quy ra tiền", "In kind, valued in VND")
                ));
            }
            if let Some(name) = &i.donor_name {
                let _ = write!(
                    x,
                    "<provider-org type=\"{}\"><narrative>{}</narrative></provider-org>",
                    org_type(&i.donor_type),
                    esc(name)
                );
            }
            x.push_str("</transaction>\n");
        }
        for a in allocs {
            let date = a.created_at.date_naive();
            let _ = writeln!(
                x,
                "<transaction ref=\"{}\"><transaction-type code=\"2\"/><transaction-date iso-date=\"{date}\"/>\
                 <value currency=\"VND\" value-date=\"{date}\">{}</value>\
                 <receiver-org type=\"10\"><narrative>{}</narrative></receiver-org></transaction>",
                esc(&a.id),
                a.amount,
                esc(&a.site_name)
            );
        }
        x.push_str("</iati-activity>\n");
    }
    x.push_str("</iati-activities>\n");
    Ok(x)
}
