//! The document laid out on pages, as in the DOCX: the national header,
//! kind and title, sections (headings, justified paragraphs, tables whose
//! header row repeats on every page, bar charts drawn as vector shapes, other
//! charts as their data tables), then "Nơi nhận" and the signature; page
//! numbers centred in the top margin from page 2 (Decree 30/2020).

use super::layout::{Align, Flow, Op, Page, line_height};
use crate::decree::{self, mm_to_pt};
use crate::fonts::{self, Fonts, Style};
use crate::model::{Chart, Document, Section, Table};
use crate::number::{format_int, format_percent_bp};

/// Cell padding in tables: horizontal, vertical.
const PAD_X: f32 = 3.0;
const PAD_Y: f32 = 2.0;
const HEADER_FILL: [f32; 3] = [0.906, 0.902, 0.902];
const BAR_FILL: [f32; 3] = [0.0, 0.447, 0.698];
const TARGET_FILL: [f32; 3] = [0.85, 0.85, 0.85];

pub(crate) fn compose(doc: &Document, fonts: &Fonts) -> Vec<Page> {
    let mut flow = Flow::new(fonts);
    national_header(&mut flow, doc);
    flow.gap(line_height(decree::BODY_PT));
    flow.centred(&doc.kind.to_uppercase(), Style::Bold, decree::TITLE_PT);
    flow.centred(&doc.title, Style::Bold, decree::TITLE_PT);
    let kind_width = fonts.width(Style::Bold, &doc.kind, decree::TITLE_PT);
    let (left, width, y) = (flow.left, flow.width, flow.y - 3.0);
    flow.rule(left, width, kind_width * 0.5, y);
    flow.gap(line_height(decree::BODY_PT));

    if doc.sections.is_empty() {
        body(&mut flow, decree::NO_DATA_DOCUMENT);
    }
    for s in &doc.sections {
        section(&mut flow, s);
    }
    signature(&mut flow, doc);
    number_pages(&mut flow);
    flow.pages
}

fn body(flow: &mut Flow, text: &str) {
    flow.paragraph(
        text,
        Style::Regular,
        decree::BODY_PT,
        Align::Justify,
        mm_to_pt(10.0),
        6.0,
    );
}

/// Height taken by a rule under a line of a header.
const RULE_SPACE: f32 = 8.0;

/// A column of centred lines: text (wrapped to the column) and rules.
enum Piece {
    Text(String, Style, f32),
    Rule(f32),
}

fn stack_height(flow: &Flow, pieces: &[Piece], width: f32) -> f32 {
    pieces
        .iter()
        .map(|piece| match piece {
            Piece::Text(text, style, size) => {
                flow.fonts.wrap_balanced(*style, *size, text, width).len() as f32
                    * line_height(*size)
            }
            Piece::Rule(_) => RULE_SPACE,
        })
        .sum()
}

fn draw_stack(flow: &mut Flow, pieces: &[Piece], x: f32, width: f32, top: f32) {
    let mut y = top;
    for piece in pieces {
        match piece {
            Piece::Text(text, style, size) => {
                for line in flow.fonts.wrap_balanced(*style, *size, text, width) {
                    flow.text_at(&line, *style, *size, x, width, y, Align::Center);
                    y -= line_height(*size);
                }
            }
            Piece::Rule(length) => {
                flow.rule(x, width, *length, y - 2.5);
                y -= RULE_SPACE;
            }
        }
    }
}

fn columns(flow: &Flow) -> (f32, f32, f32) {
    let left_width = flow.width * decree::LEFT_COLUMN_SHARE;
    (left_width, flow.left + left_width, flow.width - left_width)
}

fn national_header(flow: &mut Flow, doc: &Document) {
    let (left_w, right_x, right_w) = columns(flow);
    let left_x = flow.left;
    let size = decree::HEADER_PT;
    let issuer = doc.issuer.to_uppercase();
    let issuer_width = flow
        .fonts
        .wrap_balanced(Style::Bold, size, &issuer, left_w)
        .iter()
        .map(|l| flow.fonts.width(Style::Bold, l, size))
        .fold(0.0, f32::max);
    let mut left = Vec::new();
    if !doc.issuer_parent.trim().is_empty() {
        left.push(Piece::Text(
            doc.issuer_parent.to_uppercase(),
            Style::Regular,
            size,
        ));
    }
    left.push(Piece::Text(issuer, Style::Bold, size));
    left.push(Piece::Rule(issuer_width * 0.4));
    let motto_width = flow
        .fonts
        .width(Style::Bold, decree::MOTTO, decree::MOTTO_PT);
    let right = [
        Piece::Text(decree::NATIONAL_NAME.to_owned(), Style::Bold, size),
        Piece::Text(decree::MOTTO.to_owned(), Style::Bold, decree::MOTTO_PT),
        Piece::Rule(motto_width),
    ];
    let top = flow.y;
    draw_stack(flow, &left, left_x, left_w, top);
    draw_stack(flow, &right, right_x, right_w, top);
    let upper = stack_height(flow, &left, left_w).max(stack_height(flow, &right, right_w)) + 2.0;
    // "Số: …" and the date line share a baseline, under the taller column.
    let second = [Piece::Text(
        doc.number_symbol.clone(),
        Style::Regular,
        decree::BODY_PT,
    )];
    let date = [Piece::Text(
        decree::date_line(&doc.place, doc.date),
        Style::Italic,
        decree::BODY_PT,
    )];
    draw_stack(flow, &second, left_x, left_w, top - upper);
    draw_stack(flow, &date, right_x, right_w, top - upper);
    let lower = stack_height(flow, &second, left_w).max(stack_height(flow, &date, right_w));
    flow.y = top - upper - lower;
}

fn section(flow: &mut Flow, section: &Section) {
    let lh = line_height(decree::BODY_PT);
    flow.gap(4.0);
    // Keep the heading with two lines of what follows.
    let heading_lines = flow
        .fonts
        .wrap(Style::Bold, decree::BODY_PT, &section.heading, flow.width)
        .len();
    flow.ensure(lh * (heading_lines as f32 + 2.0));
    flow.paragraph(
        &section.heading,
        Style::Bold,
        decree::BODY_PT,
        Align::Left,
        0.0,
        4.0,
    );
    if section.paragraphs.is_empty() && section.tables.is_empty() && section.charts.is_empty() {
        body(flow, decree::NO_DATA_SECTION);
    }
    for text in &section.paragraphs {
        body(flow, text);
    }
    for t in &section.tables {
        table(flow, t);
    }
    for chart in &section.charts {
        match chart {
            Chart::Bar { title, unit, items } => {
                let rows: Vec<BarRow> = items
                    .iter()
                    .map(|(label, value)| BarRow {
                        label: label.clone(),
                        value: *value,
                        target: None,
                        note: if unit.is_empty() {
                            format_int(*value)
                        } else {
                            format!("{} {unit}", format_int(*value))
                        },
                    })
                    .collect();
                bars(flow, title, &rows);
            }
            Chart::TargetVsActual { title, items } => {
                let rows: Vec<BarRow> = items
                    .iter()
                    .map(|(label, target, actual)| BarRow {
                        label: label.clone(),
                        value: *actual,
                        target: Some(*target),
                        note: match crate::model::ratio_bp(*actual, *target) {
                            Some(bp) => format!(
                                "{}/{} ({})",
                                format_int(*actual),
                                format_int(*target),
                                format_percent_bp(bp)
                            ),
                            None => format!("{}/{}", format_int(*actual), format_int(*target)),
                        },
                    })
                    .collect();
                bars(flow, title, &rows);
            }
            other => table(flow, &other.data_table()),
        }
    }
}

/// The lines of each cell of a row, wrapped to its column.
fn row_lines(flow: &Flow, texts: &[String], widths: &[f32], style: Style) -> Vec<Vec<String>> {
    texts
        .iter()
        .zip(widths)
        .map(|(text, w)| {
            flow.fonts
                .wrap(style, decree::TABLE_PT, text, w - 2.0 * PAD_X)
        })
        .collect()
}

fn row_height(lines: &[Vec<String>]) -> f32 {
    let most = lines.iter().map(Vec::len).max().unwrap_or(1).max(1);
    most as f32 * line_height(decree::TABLE_PT) + 2.0 * PAD_Y
}

fn draw_row(
    flow: &mut Flow,
    lines: &[Vec<String>],
    widths: &[f32],
    aligns: &[Align],
    style: Style,
    fill: Option<[f32; 3]>,
) {
    let h = row_height(lines);
    let top = flow.y;
    let mut x = flow.left;
    for ((cell, w), align) in lines.iter().zip(widths).zip(aligns) {
        flow.push(Op::Rect {
            x,
            y: top - h,
            w: *w,
            h,
            fill,
            stroke: Some(0.5),
        });
        let mut y = top - PAD_Y;
        for line in cell {
            flow.text_at(
                line,
                style,
                decree::TABLE_PT,
                x + PAD_X,
                w - 2.0 * PAD_X,
                y,
                *align,
            );
            y -= line_height(decree::TABLE_PT);
        }
        x += w;
    }
    flow.y = top - h;
}

fn table(flow: &mut Flow, table: &Table) {
    let widths = flow
        .fonts
        .column_widths(table, decree::TABLE_PT, flow.width, PAD_X);
    let headers: Vec<String> = table.columns.iter().map(|c| c.header.clone()).collect();
    let header_lines = row_lines(flow, &headers, &widths, Style::Bold);
    let header_h = row_height(&header_lines);
    let centre = vec![Align::Center; widths.len()];
    let title_h = flow
        .fonts
        .wrap(Style::Bold, decree::BODY_PT, &table.title, flow.width)
        .len() as f32
        * line_height(decree::BODY_PT);
    // Lines a row may have so that it fits on a page under the header.
    let page_room = flow.top - flow.bottom - header_h - 2.0 * PAD_Y;
    let max_lines = ((page_room / line_height(decree::TABLE_PT)).floor() as usize).max(1);

    let body = table.rows.iter().map(|r| (r, Style::Regular));
    let totals = table.total_row.iter().map(|r| (r, Style::Bold));
    let rows: Vec<(Vec<Vec<String>>, Vec<Align>, Style)> = body
        .chain(totals)
        .map(|(row, style)| {
            let texts: Vec<String> = row.iter().map(|c| c.display()).collect();
            let mut lines = row_lines(flow, &texts, &widths, style);
            for cell in &mut lines {
                if cell.len() > max_lines {
                    cell.truncate(max_lines);
                    if let Some(last) = cell.last_mut() {
                        last.push('…');
                    }
                }
            }
            let aligns = row
                .iter()
                .zip(&table.columns)
                .map(|(cell, column)| {
                    if fonts::align_right(cell, column.kind) {
                        Align::Right
                    } else {
                        Align::Left
                    }
                })
                .collect();
            (lines, aligns, style)
        })
        .collect();

    flow.gap(4.0);
    let first_row_h = rows.first().map_or(0.0, |(lines, _, _)| row_height(lines));
    flow.ensure(title_h + header_h + first_row_h + 4.0);
    flow.paragraph(
        &table.title,
        Style::Bold,
        decree::BODY_PT,
        Align::Center,
        0.0,
        4.0,
    );
    draw_row(
        flow,
        &header_lines,
        &widths,
        &centre,
        Style::Bold,
        Some(HEADER_FILL),
    );
    for (lines, aligns, style) in &rows {
        if row_height(lines) > flow.room() {
            flow.new_page();
            draw_row(
                flow,
                &header_lines,
                &widths,
                &centre,
                Style::Bold,
                Some(HEADER_FILL),
            );
        }
        draw_row(flow, lines, &widths, aligns, *style, None);
    }
    flow.gap(8.0);
}

struct BarRow {
    label: String,
    value: i64,
    target: Option<i64>,
    note: String,
}

/// Horizontal bars: label on the left, the bar, the value after it; a
/// target is drawn as a grey bar behind the blue one.
fn bars(flow: &mut Flow, title: &str, rows: &[BarRow]) {
    let size = decree::TABLE_PT;
    let lh = line_height(size);
    let label_w = flow.width * 0.32;
    let note_w = rows
        .iter()
        .map(|r| flow.fonts.width(Style::Regular, &r.note, size))
        .fold(0.0, f32::max)
        + 6.0;
    let bar_x = flow.left + label_w + 6.0;
    let bar_w = (flow.width - label_w - 6.0 - note_w).max(flow.width * 0.25);
    let max = rows
        .iter()
        .map(|r| r.value.max(r.target.unwrap_or(0)))
        .max()
        .unwrap_or(0)
        .max(1) as f32;

    flow.gap(4.0);
    flow.ensure(line_height(decree::BODY_PT) * 2.0 + lh * 2.0);
    flow.paragraph(title, Style::Bold, decree::BODY_PT, Align::Center, 0.0, 4.0);
    if rows.is_empty() {
        body(flow, decree::NO_DATA_SECTION);
    }
    for row in rows {
        let labels = flow.fonts.wrap(Style::Regular, size, &row.label, label_w);
        let h = (labels.len() as f32 * lh).max(lh) + 4.0;
        flow.ensure(h);
        let top = flow.y;
        let mut y = top;
        for line in &labels {
            let left = flow.left;
            flow.text_at(line, Style::Regular, size, left, label_w, y, Align::Right);
            y -= lh;
        }
        let bar_top = top - 2.0;
        let bar_h = lh - 4.0;
        if let Some(target) = row.target {
            flow.push(Op::Rect {
                x: bar_x,
                y: bar_top - bar_h,
                w: bar_w * (target.max(0) as f32 / max),
                h: bar_h,
                fill: Some(TARGET_FILL),
                stroke: Some(0.4),
            });
        }
        let length = bar_w * (row.value.max(0) as f32 / max);
        flow.push(Op::Rect {
            x: bar_x,
            y: bar_top - bar_h + 2.0,
            w: length,
            h: bar_h - 4.0,
            fill: Some(BAR_FILL),
            stroke: None,
        });
        let end = bar_x + length.max(bar_w * (row.target.unwrap_or(0).max(0) as f32 / max));
        flow.text_at(
            &row.note,
            Style::Regular,
            size,
            end + 4.0,
            note_w,
            top,
            Align::Left,
        );
        flow.y = top - h;
    }
    flow.gap(8.0);
}

fn signature(flow: &mut Flow, doc: &Document) {
    let (left_w, right_x, right_w) = columns(flow);
    let left_x = flow.left;
    let body = decree::BODY_PT;
    let recipients = decree::recipient_lines(&doc.recipients);
    let titles = decree::signer_title_lines(&doc.signer_title);
    let mut left_h = line_height(decree::RECIPIENTS_LABEL_PT);
    let mut recipient_lines = Vec::new();
    for r in &recipients {
        let lines = flow
            .fonts
            .wrap(Style::Regular, decree::RECIPIENTS_PT, r, left_w - 4.0);
        left_h += lines.len() as f32 * line_height(decree::RECIPIENTS_PT);
        recipient_lines.extend(lines);
    }
    let title_lines: Vec<String> = titles
        .iter()
        .flat_map(|t| flow.fonts.wrap(Style::Bold, body, t, right_w))
        .collect();
    let signing_space = 4.0 * line_height(body);
    let right_h = (title_lines.len() as f32 + 1.0) * line_height(body) + signing_space;
    flow.gap(line_height(body));
    flow.ensure(left_h.max(right_h));
    let top = flow.y;

    let mut y = top;
    flow.text_at(
        decree::RECIPIENTS_LABEL,
        Style::BoldItalic,
        decree::RECIPIENTS_LABEL_PT,
        left_x,
        left_w,
        y,
        Align::Left,
    );
    y -= line_height(decree::RECIPIENTS_LABEL_PT);
    for line in &recipient_lines {
        flow.text_at(
            line,
            Style::Regular,
            decree::RECIPIENTS_PT,
            left_x,
            left_w,
            y,
            Align::Left,
        );
        y -= line_height(decree::RECIPIENTS_PT);
    }

    let mut y = top;
    for line in &title_lines {
        flow.text_at(line, Style::Bold, body, right_x, right_w, y, Align::Center);
        y -= line_height(body);
    }
    y -= signing_space;
    flow.text_at(
        &doc.signer_name,
        Style::Bold,
        body,
        right_x,
        right_w,
        y,
        Align::Center,
    );
    flow.y = top - left_h.max(right_h);
}

/// Arabic page numbers centred in the top margin, not on the first page.
fn number_pages(flow: &mut Flow) {
    let count = flow.pages.len();
    let size = decree::PAGE_NUMBER_PT;
    let top = flow.page_height - mm_to_pt(decree::MARGIN_TOP_MM) / 2.0 + size / 2.0;
    let (left, width) = (flow.left, flow.width);
    for index in 1..count {
        let font = flow.fonts.get(Style::Regular);
        let text = (index + 1).to_string();
        let x = left + (width - font.width(&text, size)) / 2.0;
        if let Some(page) = flow.pages.get_mut(index) {
            page.ops.push(Op::Text {
                style: Style::Regular,
                size,
                x,
                y: top - size * 0.95,
                text,
                word_gap: 0.0,
            });
        }
    }
}
