//! The workbook: a "Thông tin" sheet with the document's header fields and
//! narrative, then one sheet per table and per chart (its data).
//!
//! Numbers are stored as numbers, formatted `#,##0` (money, counts) and
//! `0.00%` (percentages). In a number format code `,` and `.` are not
//! literal characters but the grouping and decimal *roles*: Excel and
//! LibreOffice print them with the reader's locale, so a Vietnamese
//! (vi-VN) installation shows `1.234.567` and `12,34%`, while an English one
//! shows `1,234,567` (checked with LibreOffice 7.4 under `vi_VN.UTF-8` and
//! `en_US.UTF-8`). The alternative `#.##0` does not give dots: `.` would
//! be the decimal point. Forcing dots with escaped literals
//! (`#\.###\.##0`) breaks on negatives and past 999.999.999 (a format has
//! at most two conditions), and sums and filters still want real numbers, so
//! the locale-aware code is the right one.

use crate::ReportError;
use crate::decree;
use crate::model::{Cell, ColumnKind, Document, Table};
use chrono::Datelike;
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet,
};
use std::collections::HashSet;

const INFO_SHEET: &str = "Thông tin";
/// Excel's limit on a sheet name, in characters.
const SHEET_NAME_MAX: usize = 31;

struct Formats {
    title: Format,
    header: Format,
    text: Format,
    integer: Format,
    percent: Format,
    total_text: Format,
    total_integer: Format,
    total_percent: Format,
    label: Format,
    wrap: Format,
}

impl Formats {
    fn new() -> Formats {
        let cell = Format::new().set_border(FormatBorder::Thin);
        let integer = cell.clone().set_num_format("#,##0");
        let percent = cell.clone().set_num_format("0.00%");
        Formats {
            title: Format::new().set_bold().set_font_size(13),
            header: cell
                .clone()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_background_color("#E7E6E6"),
            text: cell.clone().set_text_wrap(),
            total_text: cell.clone().set_bold(),
            total_integer: integer.clone().set_bold(),
            total_percent: percent.clone().set_bold(),
            integer,
            percent,
            label: Format::new().set_bold().set_align(FormatAlign::Top),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
        }
    }
}

pub(crate) fn write(doc: &Document) -> Result<Vec<u8>, ReportError> {
    doc.check()?;
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    let created = ExcelDateTime::from_ymd(
        u16::try_from(doc.date.year()).unwrap_or(1900),
        doc.date.month() as u8,
        doc.date.day() as u8,
    )
    .map_err(ReportError::xlsx("the document date"))?;
    workbook.set_properties(
        &DocProperties::new()
            .set_title(format!("{} {}", doc.kind, doc.title).trim())
            .set_author(&doc.issuer)
            .set_creation_datetime(&created),
    );

    let mut names = SheetNames::default();
    let info = workbook.add_worksheet();
    info.set_name(names.claim(INFO_SHEET))
        .map_err(ReportError::xlsx("naming the information sheet"))?;
    write_info(info, doc, &formats).map_err(ReportError::xlsx("the information sheet"))?;

    let tables = doc.sections.iter().flat_map(|s| {
        s.tables
            .iter()
            .cloned()
            .chain(s.charts.iter().map(|c| c.data_table()))
    });
    for (index, table) in tables.enumerate() {
        let name = names.claim(&sheet_base_name(&table.title, index + 1));
        let sheet = workbook.add_worksheet();
        sheet
            .set_name(&name)
            .map_err(ReportError::xlsx(format!("naming sheet {name:?}")))?;
        write_table(sheet, &table, &formats)
            .map_err(ReportError::xlsx(format!("sheet {name:?}")))?;
    }
    workbook
        .save_to_buffer()
        .map_err(ReportError::xlsx("saving the workbook"))
}

fn write_info(
    sheet: &mut Worksheet,
    doc: &Document,
    f: &Formats,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    sheet.set_column_width(0, 24)?;
    sheet.set_column_width(1, 100)?;
    let mut row = 0u32;
    let pair = |sheet: &mut Worksheet,
                row: &mut u32,
                label: &str,
                value: &str|
     -> Result<(), rust_xlsxwriter::XlsxError> {
        sheet.write_string_with_format(*row, 0, label, &f.label)?;
        sheet.write_string_with_format(*row, 1, value, &f.wrap)?;
        *row += 1;
        Ok(())
    };
    pair(sheet, &mut row, "Cơ quan chủ quản", &doc.issuer_parent)?;
    pair(sheet, &mut row, "Cơ quan ban hành", &doc.issuer)?;
    pair(sheet, &mut row, "Số, ký hiệu", &doc.number_symbol)?;
    pair(
        sheet,
        &mut row,
        "Địa danh, ngày",
        &decree::date_line(&doc.place, doc.date),
    )?;
    pair(sheet, &mut row, "Loại văn bản", &doc.kind)?;
    pair(sheet, &mut row, "Trích yếu", &doc.title)?;
    row += 1;
    if doc.sections.is_empty() {
        pair(sheet, &mut row, "Nội dung", decree::NO_DATA_DOCUMENT)?;
    }
    for section in &doc.sections {
        sheet.write_string_with_format(row, 0, &section.heading, &f.title)?;
        row += 1;
        for paragraph in &section.paragraphs {
            sheet.write_string_with_format(row, 1, paragraph, &f.wrap)?;
            row += 1;
        }
        let sheets = section.tables.len() + section.charts.len();
        if sheets > 0 {
            let titles: Vec<&str> = section
                .tables
                .iter()
                .map(|t| t.title.as_str())
                .chain(section.charts.iter().map(|c| c.title()))
                .collect();
            pair(sheet, &mut row, "Bảng số liệu", &titles.join("; "))?;
        }
        row += 1;
    }
    pair(
        sheet,
        &mut row,
        "Nơi nhận",
        &decree::recipient_lines(&doc.recipients).join("\n"),
    )?;
    pair(
        sheet,
        &mut row,
        "Người ký",
        &format!("{}\n{}", doc.signer_title, doc.signer_name),
    )?;
    Ok(())
}

fn write_table(
    sheet: &mut Worksheet,
    table: &Table,
    f: &Formats,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    const HEADER_ROW: u32 = 1;
    sheet.write_string_with_format(0, 0, &table.title, &f.title)?;
    let mut widths: Vec<usize> = table
        .columns
        .iter()
        .map(|c| longest_word(&c.header).max(8))
        .collect();
    for (col, column) in table.columns.iter().enumerate() {
        sheet.write_string_with_format(HEADER_ROW, col as u16, &column.header, &f.header)?;
    }
    sheet.set_freeze_panes(HEADER_ROW + 1, 0)?;
    sheet.set_repeat_rows(HEADER_ROW, HEADER_ROW)?;
    let body = table.rows.iter().map(|r| (r, false));
    let total = table.total_row.iter().map(|r| (r, true));
    for (i, (row, is_total)) in body.chain(total).enumerate() {
        let r = HEADER_ROW + 1 + i as u32;
        for (col, (cell, column)) in row.iter().zip(&table.columns).enumerate() {
            let c = col as u16;
            let shown = cell.display().chars().count();
            if let Some(w) = widths.get_mut(col) {
                *w = (*w).max(shown.min(60));
            }
            let (text_fmt, int_fmt, pct_fmt) = if is_total {
                (&f.total_text, &f.total_integer, &f.total_percent)
            } else {
                (&f.text, &f.integer, &f.percent)
            };
            match cell {
                Cell::Text(text) => sheet.write_string_with_format(r, c, text, text_fmt)?,
                Cell::Int(v) | Cell::Money(v) => {
                    sheet.write_number_with_format(r, c, *v as f64, int_fmt)?
                }
                Cell::Percent(bp) => {
                    sheet.write_number_with_format(r, c, *bp as f64 / 10_000.0, pct_fmt)?
                }
                Cell::Empty => {
                    let fmt = if column.kind == ColumnKind::Text {
                        text_fmt
                    } else {
                        int_fmt
                    };
                    sheet.write_blank(r, c, fmt)?
                }
            };
        }
    }
    for (col, width) in widths.iter().enumerate() {
        // Characters plus room for the bold header and the filter arrow.
        sheet.set_column_width(col as u16, (*width as f64 * 1.1 + 2.0).min(62.0))?;
    }
    Ok(())
}

fn longest_word(text: &str) -> usize {
    text.split_whitespace()
        .map(|w| w.chars().count())
        .max()
        .unwrap_or(0)
}

/// A sheet name from a table title: Excel's forbidden characters replaced,
/// at most 31 characters, never empty.
fn sheet_base_name(title: &str, index: usize) -> String {
    let cleaned: String = title
        .chars()
        .map(|ch| match ch {
            '[' | ']' | ':' | '*' | '?' | '/' | '\\' => '-',
            ch if ch.is_control() => ' ',
            ch => ch,
        })
        .collect();
    let cleaned = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    let cleaned = cleaned.trim_matches('\'').trim();
    let base = if cleaned.is_empty() || cleaned.eq_ignore_ascii_case("history") {
        format!("Bảng {index}")
    } else {
        cleaned.to_owned()
    };
    truncate_chars(&base, SHEET_NAME_MAX)
}

fn truncate_chars(text: &str, max: usize) -> String {
    text.chars()
        .take(max)
        .collect::<String>()
        .trim_end()
        .trim_end_matches('\'')
        .to_owned()
}

/// Names already used; Excel compares them without regard to case.
#[derive(Default)]
struct SheetNames {
    taken: HashSet<String>,
}

impl SheetNames {
    fn claim(&mut self, base: &str) -> String {
        let mut name = base.to_owned();
        let mut n = 2;
        while self.taken.contains(&name.to_lowercase()) {
            let suffix = format!(" ({n})");
            name = format!(
                "{}{suffix}",
                truncate_chars(base, SHEET_NAME_MAX - suffix.chars().count())
            );
            n += 1;
        }
        self.taken.insert(name.to_lowercase());
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_valid_short_and_unique() {
        let mut names = SheetNames::default();
        let long = "Kết quả vận động nguồn lực xã hội hỗ trợ trẻ em theo xã: năm 2026 [chính thức]";
        let a = names.claim(&sheet_base_name(long, 1));
        let b = names.claim(&sheet_base_name(long, 2));
        assert_ne!(a, b);
        for name in [&a, &b] {
            assert!(name.chars().count() <= 31, "{name}");
            assert!(
                !name.contains(['[', ']', ':', '*', '?', '/', '\\']),
                "{name}"
            );
        }
        assert!(b.ends_with(" (2)"));
        assert_eq!(sheet_base_name("  ", 3), "Bảng 3");
        assert_eq!(names.claim("THÔNG TIN"), "THÔNG TIN");
        assert_eq!(names.claim("thông tin"), "thông tin (2)");
    }
}
