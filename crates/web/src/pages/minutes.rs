//! The handover minutes (biên bản bàn giao) of a delivery: a printable page
//! in the administrative format of Decree 30/2020 (national header, place
//! and date, the two parties, the table of items, quantities and values,
//! children served, both parties' signatures) and the same document as
//! DOCX through `reports::docx`.
//!
//! Below the handover, the acceptance is signed twice — by the receiving
//! site and by its commune — and both blocks are printed, with who signed
//! and when once they have.
//!
//! The minutes are the document the parties sign, so their body is always
//! in Vietnamese (keys `minutes-*` read in `Lang::Vi`); the page around
//! them follows the reader's language. They name staff and principals,
//! never a child: children are a count.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use domain::authz::{Action, Target};
use i18n::Lang;
use reports::decree;
use reports::{Cell, Column, ColumnKind, Document, Section, Table};
use storage::deliveries::Delivery;

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::state::AppState;
use crate::view::Page;

use super::render;

/// One row of the minutes' table.
pub(crate) struct MinutesRow {
    pub no: usize,
    pub name: String,
    pub unit: String,
    pub quantity: Option<i64>,
    pub unit_value: Option<i64>,
    pub value: i64,
}

/// Everything the minutes say, in Vietnamese.
pub(crate) struct Minutes {
    pub d: Delivery,
    pub draft: bool,
    pub issuer_parent: String,
    pub issuer: String,
    pub number: String,
    pub date: NaiveDate,
    /// The commune, as the date line writes it.
    pub place: String,
    pub date_line: String,
    pub title: String,
    pub intro: String,
    pub giver: String,
    pub site: String,
    pub content: String,
    pub rows: Vec<MinutesRow>,
    pub total: i64,
    /// (point, passed, note) once the site has checked.
    pub checks: Vec<(String, bool, String)>,
    /// The commune's name, for its acceptance block.
    pub commune: String,
    /// The acceptance blocks: site, then commune.
    pub site_sign: SignBlock,
    pub commune_sign: SignBlock,
}

/// One acceptance signature block, in Vietnamese.
pub(crate) struct SignBlock {
    /// "Đồng ý nghiệm thu — Đã ký ngày 02/12/2026", or "(chưa ký)".
    pub status: String,
    /// Who signed; empty until then.
    pub name: String,
}

fn sign_block(rows: &[storage::acceptance::SignatureRow], side: &str) -> SignBlock {
    match rows.iter().find(|r| r.side == side) {
        Some(r) => SignBlock {
            status: format!(
                "{} — {}",
                vi(&format!("delivery-sign-{}", r.decision)),
                i18n::tf(
                    Lang::Vi,
                    "minutes-signed",
                    &[("date", &i18n::format_date(r.signed_on))]
                )
            ),
            name: r.signer_name.clone(),
        },
        None => SignBlock {
            status: vi("minutes-not-signed"),
            name: String::new(),
        },
    }
}

fn vi(key: &str) -> String {
    i18n::t(Lang::Vi, key)
}

/// "Xã A Lưới 1" → "A Lưới 1", as the date line writes a place.
fn place_name(unit_name: &str) -> String {
    let name = unit_name.trim();
    ["Xã ", "Phường ", "Thị trấn ", "Đặc khu "]
        .iter()
        .find_map(|p| name.strip_prefix(p))
        .unwrap_or(name)
        .to_owned()
}

async fn load(state: &AppState, ctx: &Ctx, id: &str) -> Result<Minutes, AppError> {
    let d = storage::deliveries::get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    require(ctx, Action::ViewUnitData, Target::Unit(&d.unit_code))?;
    let line = storage::needs::get(&state.db, &d.need_line_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let giver = storage::organisations::get(&state.db, &d.giver_id).await?;
    let issuer_parent = match giver.as_ref().and_then(|g| g.parent_id.clone()) {
        Some(parent) => storage::organisations::get(&state.db, &parent)
            .await?
            .map(|o| o.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let giver = giver.map_or_else(|| d.giver_id.clone(), |g| g.name);
    let site = storage::organisations::get(&state.db, &d.site_id)
        .await?
        .map_or_else(|| d.site_id.clone(), |o| o.name);
    let date = d.handed_over_on.unwrap_or(d.planned_on);
    let unit_name = storage::admin_units::name_at(&state.db, &d.unit_code, date)
        .await?
        .map(|u| u.name);
    let place = unit_name
        .as_deref()
        .map(place_name)
        .unwrap_or_else(|| "Huế".to_owned());
    let commune = format!("UBND {}", unit_name.unwrap_or_else(|| d.unit_code.clone()));
    let mut signatures = storage::acceptance::signatures(&state.db, id).await?;
    // The minutes name people as they sign: their display name.
    for sg in &mut signatures {
        if let Some(uid) = sg.user_id.as_deref()
            && let Some(u) = storage::users::get(&state.db, uid).await?
        {
            sg.signer_name = u.display_name;
        }
    }
    let items = storage::deliveries::items(&state.db, id).await?;
    let rows: Vec<MinutesRow> = if items.is_empty() {
        vec![MinutesRow {
            no: 1,
            name: vi("minutes-money-line"),
            unit: "đồng".into(),
            quantity: None,
            unit_value: None,
            value: d.value,
        }]
    } else {
        items
            .into_iter()
            .enumerate()
            .map(|(i, it)| MinutesRow {
                no: i + 1,
                name: it.name,
                unit: it.unit,
                quantity: Some(it.quantity),
                unit_value: Some(it.unit_value),
                value: it.value,
            })
            .collect()
    };
    let checks = storage::acceptance::checks(&state.db, id)
        .await?
        .into_iter()
        .map(|c| (vi(&format!("check-{}", c.check_kind)), c.passed, c.note))
        .collect();
    let place_of_handover = if d.place.trim().is_empty() {
        site.clone()
    } else {
        d.place.clone()
    };
    let number = format!(
        "Số: {}/BB-BG",
        d.minutes_no.clone().unwrap_or_else(|| "…".to_owned())
    );
    Ok(Minutes {
        draft: d.handed_over_on.is_none(),
        issuer_parent,
        issuer: giver.clone(),
        number,
        date,
        date_line: decree::date_line(&place, date),
        place,
        title: vi(if d.form == "money" {
            "minutes-title-money"
        } else {
            "minutes-title-goods"
        }),
        intro: i18n::tf(
            Lang::Vi,
            "minutes-intro",
            &[
                ("date", &decree::date_line("", date)),
                ("place", &place_of_handover),
            ],
        ),
        content: i18n::tf(
            Lang::Vi,
            "minutes-content",
            &[
                ("children", &i18n::format_int(d.children_served)),
                (
                    "category",
                    &i18n::t(Lang::Vi, &format!("category-{}", line.category)).to_lowercase(),
                ),
                ("period", &line.period_name),
            ],
        ),
        total: d.value,
        giver,
        site,
        rows,
        checks,
        commune,
        site_sign: sign_block(&signatures, "site"),
        commune_sign: sign_block(&signatures, "commune"),
        d,
    })
}

#[derive(Template)]
#[template(path = "minutes.html")]
struct MinutesPage {
    p: Page,
    m: Minutes,
    national: &'static str,
    motto: &'static str,
}

impl MinutesPage {
    fn vi(&self, key: &str) -> String {
        vi(key)
    }
}

/// The printable minutes.
pub async fn html(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ViewUnitData, Target::Anywhere)?;
    let m = load(&state, &ctx, &id).await?;
    render(&MinutesPage {
        p: Page::new(&ctx, "delivery-minutes"),
        m,
        national: decree::NATIONAL_NAME,
        motto: decree::MOTTO,
    })
}

fn column(header: &str, kind: ColumnKind) -> Column {
    Column {
        header: header.to_owned(),
        kind,
    }
}

/// The minutes as a `reports::Document`. The two parties sign in a table
/// of the last section (the report model has one signature block, used
/// here for whoever drew the minutes up).
pub(crate) fn document(m: &Minutes) -> Document {
    let rep = |name: &str, position: &str| {
        format!(
            "{}: {}{}",
            vi("minutes-represented-by"),
            name,
            if position.is_empty() {
                String::new()
            } else {
                format!(", {position}")
            }
        )
    };
    let items = Table {
        title: String::new(),
        columns: vec![
            column(&vi("minutes-no"), ColumnKind::Integer),
            column(&vi("minutes-item"), ColumnKind::Text),
            column(&vi("minutes-unit"), ColumnKind::Text),
            column(&vi("minutes-quantity"), ColumnKind::Integer),
            column(&vi("minutes-unit-value"), ColumnKind::Money),
            column(&vi("minutes-amount"), ColumnKind::Money),
        ],
        rows: m
            .rows
            .iter()
            .map(|r| {
                vec![
                    Cell::Int(r.no as i64),
                    Cell::Text(r.name.clone()),
                    Cell::Text(r.unit.clone()),
                    r.quantity.map_or(Cell::Empty, Cell::Int),
                    r.unit_value.map_or(Cell::Empty, Cell::Money),
                    Cell::Money(r.value),
                ]
            })
            .collect(),
        total_row: Some(vec![
            Cell::Empty,
            Cell::Text(vi("minutes-total")),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Money(m.total),
        ]),
    };
    let mut sections = vec![
        Section {
            heading: m.intro.clone(),
            paragraphs: Vec::new(),
            tables: Vec::new(),
            charts: Vec::new(),
        },
        Section {
            heading: format!("I. {}: {}", vi("minutes-party-giver"), m.giver),
            paragraphs: vec![rep(&m.d.giver_rep_name, &m.d.giver_rep_position)],
            tables: Vec::new(),
            charts: Vec::new(),
        },
        Section {
            heading: format!("II. {}: {}", vi("minutes-party-receiver"), m.site),
            paragraphs: vec![rep(&m.d.receiver_rep_name, &m.d.receiver_rep_position)],
            tables: Vec::new(),
            charts: Vec::new(),
        },
        Section {
            heading: format!("III. {}", m.title),
            paragraphs: vec![m.content.clone()],
            tables: vec![items],
            charts: Vec::new(),
        },
    ];
    if !m.checks.is_empty() {
        sections.push(Section {
            heading: format!("IV. {}", vi("minutes-checks")),
            paragraphs: Vec::new(),
            tables: vec![Table {
                title: String::new(),
                columns: vec![
                    column(&vi("delivery-check"), ColumnKind::Text),
                    column(&vi("delivery-status"), ColumnKind::Text),
                    column(&vi("note"), ColumnKind::Text),
                ],
                rows: m
                    .checks
                    .iter()
                    .map(|(point, passed, note)| {
                        vec![
                            Cell::Text(point.clone()),
                            Cell::Text(vi(if *passed {
                                "delivery-pass"
                            } else {
                                "delivery-fail"
                            })),
                            Cell::Text(note.clone()),
                        ]
                    })
                    .collect(),
                total_row: None,
            }],
            charts: Vec::new(),
        });
    }
    sections.push(Section {
        heading: String::new(),
        paragraphs: vec![vi("minutes-closing")],
        tables: vec![Table {
            title: String::new(),
            columns: vec![
                column(&vi("minutes-sign-giver"), ColumnKind::Text),
                column(&vi("minutes-sign-receiver"), ColumnKind::Text),
            ],
            rows: vec![
                vec![
                    Cell::Text(m.d.giver_rep_position.clone()),
                    Cell::Text(m.d.receiver_rep_position.clone()),
                ],
                vec![
                    Cell::Text(vi("minutes-sign-hint")),
                    Cell::Text(vi("minutes-sign-hint")),
                ],
                vec![Cell::Text("\n\n\n".into()), Cell::Text("\n\n\n".into())],
                vec![
                    Cell::Text(m.d.giver_rep_name.clone()),
                    Cell::Text(m.d.receiver_rep_name.clone()),
                ],
            ],
            total_row: None,
        }],
        charts: Vec::new(),
    });
    sections.push(Section {
        heading: vi("minutes-acceptance").to_uppercase(),
        paragraphs: Vec::new(),
        tables: vec![Table {
            title: String::new(),
            columns: vec![
                column(&vi("minutes-sign-site"), ColumnKind::Text),
                column(&vi("minutes-sign-commune"), ColumnKind::Text),
            ],
            rows: vec![
                vec![Cell::Text(m.site.clone()), Cell::Text(m.commune.clone())],
                vec![
                    Cell::Text(m.site_sign.status.clone()),
                    Cell::Text(m.commune_sign.status.clone()),
                ],
                vec![
                    Cell::Text(vi("minutes-sign-hint")),
                    Cell::Text(vi("minutes-sign-hint")),
                ],
                vec![Cell::Text("\n\n\n".into()), Cell::Text("\n\n\n".into())],
                vec![
                    Cell::Text(m.site_sign.name.clone()),
                    Cell::Text(m.commune_sign.name.clone()),
                ],
            ],
            total_row: None,
        }],
        charts: Vec::new(),
    });
    Document {
        issuer_parent: m.issuer_parent.clone(),
        issuer: m.issuer.clone(),
        number_symbol: m.number.clone(),
        place: m.place.clone(),
        date: m.date,
        kind: vi("minutes-kind"),
        title: m.title.clone(),
        sections,
        recipients: vi("minutes-copies")
            .split(';')
            .map(|s| s.trim().to_owned())
            .collect(),
        signer_title: vi("minutes-drawn-up-by"),
        signer_name: String::new(),
    }
}

/// The minutes as a Word document.
pub async fn docx(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ViewUnitData, Target::Anywhere)?;
    let m = load(&state, &ctx, &id).await?;
    let bytes =
        reports::docx(&document(&m)).map_err(|e| AppError::bad("error-generic", e.to_string()))?;
    let name = format!(
        "bien-ban-ban-giao-{}.docx",
        m.d.minutes_no
            .as_deref()
            .unwrap_or("du-thao")
            .replace('/', "-")
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                    .to_owned(),
            ),
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

#[cfg(test)]
mod tests {
    use super::place_name;

    #[test]
    fn the_date_line_writes_a_commune_without_its_kind() {
        assert_eq!(place_name("Xã A Lưới 1"), "A Lưới 1");
        assert_eq!(place_name("Phường Thuận Hóa"), "Thuận Hóa");
        assert_eq!(place_name("Huế"), "Huế");
    }
}
