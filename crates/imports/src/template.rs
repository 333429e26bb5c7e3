//! The templates officers download: the headers of an import (Vietnamese),
//! as XLSX (with an instructions sheet, text-formatted cells so leading
//! zeros survive, and drop-down lists for the listed choices) or as CSV
//! (UTF-8 with a byte-order mark, so Excel shows the diacritics).

use rust_xlsxwriter::{DataValidation, Format as CellFormat, Workbook, XlsxError};

use crate::columns::Field;
use crate::{children, donors, needs};

/// The XLSX writer failed (it writes to memory, so this is not expected).
#[derive(Debug, thiserror::Error)]
#[error("không tạo được tệp mẫu / cannot build the template: {0}")]
pub struct TemplateError(#[from] XlsxError);

/// Rows of the data sheet that carry drop-down lists and text formats.
const DATA_ROWS: u32 = 5000;

/// Drop-down choices of a field, if it has a fixed list.
fn choices(key: &str) -> Option<&'static [&'static str]> {
    match key {
        donors::KIND => Some(&["tổ chức", "cá nhân"]),
        donors::ORIGIN => Some(&["trong nước", "nước ngoài"]),
        donors::DONOR_TYPE => Some(&[
            "doanh nghiệp",
            "quỹ",
            "tổ chức chính trị - xã hội",
            "cá nhân",
            "khác",
        ]),
        donors::PUBLISH_NAME | donors::ANONYMOUS => Some(&["có", "không"]),
        children::SEX => Some(&["Nam", "Nữ"]),
        _ => None,
    }
}

fn build_xlsx(fields: &[Field], sheet_name: &str) -> Result<Vec<u8>, TemplateError> {
    let mut book = Workbook::new();
    let header = CellFormat::new().set_bold().set_text_wrap();
    let text = CellFormat::new().set_num_format("@");
    let data = book.add_worksheet();
    data.set_name(sheet_name)?;
    for (col, f) in (0u16..).zip(fields) {
        data.write_string_with_format(0, col, f.vi, &header)?;
        data.set_column_width(col, (f.vi.chars().count() + 4).max(16) as f64)?;
        // Text cells keep the leading zeros of tax codes, phones and ids.
        if f.key != needs::QUANTITY {
            data.set_column_format(col, &text)?;
        }
        if let Some(list) = choices(f.key) {
            let v = DataValidation::new()
                .allow_list_strings(list)?
                .ignore_blank(true);
            data.add_data_validation(1, col, DATA_ROWS, col, &v)?;
        }
    }
    data.set_freeze_panes(1, 0)?;
    let help = book.add_worksheet();
    help.set_name("Hướng dẫn")?;
    let titles = [
        "Cột / Column",
        "Bắt buộc / Required",
        "Cách ghi",
        "How to fill in",
    ];
    for (col, t) in (0u16..).zip(titles) {
        help.write_string_with_format(0, col, t, &header)?;
    }
    for (row, f) in (1u32..).zip(fields) {
        help.write_string(row, 0, f.vi)?;
        help.write_string(
            row,
            1,
            if f.required {
                "có / yes"
            } else {
                "không / no"
            },
        )?;
        help.write_string(row, 2, f.help_vi)?;
        help.write_string(row, 3, f.help_en)?;
    }
    let note_row = u32::try_from(fields.len()).unwrap_or(0) + 2;
    help.write_string(
        note_row,
        0,
        "Mỗi dòng một mục; dòng 1 là tiêu đề, giữ nguyên. Có một dòng lỗi thì cả tệp không được nhập và mọi lỗi được liệt kê theo dòng và cột.",
    )?;
    help.write_string(
        note_row + 1,
        0,
        "One item per row; row 1 is the header, keep it. If any row is wrong nothing is imported and every problem is listed by row and column.",
    )?;
    help.set_column_width(0, 24)?;
    help.set_column_width(1, 14)?;
    help.set_column_width(2, 60)?;
    help.set_column_width(3, 60)?;
    Ok(book.save_to_buffer()?)
}

fn build_csv(fields: &[Field]) -> Vec<u8> {
    let mut out = vec![0xEF, 0xBB, 0xBF];
    let line = fields.iter().map(|f| f.vi).collect::<Vec<_>>().join(",");
    out.extend_from_slice(line.as_bytes());
    out.extend_from_slice(b"\r\n");
    out
}

/// The need-lines template as XLSX, or the writer's error.
pub fn try_needs_template_xlsx() -> Result<Vec<u8>, TemplateError> {
    build_xlsx(needs::FIELDS, "Nhu cầu")
}

/// The donors template as XLSX, or the writer's error.
pub fn try_donors_template_xlsx() -> Result<Vec<u8>, TemplateError> {
    build_xlsx(donors::FIELDS, "Nhà tài trợ")
}

/// The children's records template as XLSX (`tre-em.xlsx`), or the
/// writer's error.
pub fn children_template_xlsx() -> Result<Vec<u8>, TemplateError> {
    build_xlsx(children::FIELDS, "Trẻ em")
}

/// The children's records template as CSV: UTF-8 with a byte-order mark,
/// one header line.
pub fn children_template_csv() -> Vec<u8> {
    build_csv(children::FIELDS)
}

/// The need-lines template as XLSX (`nhu-cau.xlsx`). Empty only if the
/// in-memory writer fails, which it does not for these fixed contents (a
/// test proves it); use [`try_needs_template_xlsx`] to see the error.
pub fn needs_template_xlsx() -> Vec<u8> {
    try_needs_template_xlsx().unwrap_or_default()
}

/// The donors template as XLSX (`nha-tai-tro.xlsx`); see
/// [`needs_template_xlsx`].
pub fn donors_template_xlsx() -> Vec<u8> {
    try_donors_template_xlsx().unwrap_or_default()
}

/// The need-lines template as CSV: UTF-8 with a byte-order mark, one
/// header line.
pub fn needs_template_csv() -> Vec<u8> {
    build_csv(needs::FIELDS)
}

/// The donors template as CSV: UTF-8 with a byte-order mark, one header
/// line.
pub fn donors_template_csv() -> Vec<u8> {
    build_csv(donors::FIELDS)
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use calamine::{Data, Reader, Xlsx};

    use super::*;
    use crate::{Format, parse_donors, parse_needs, read_table};

    fn first_row(bytes: &[u8]) -> (Vec<String>, Vec<String>) {
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap_or_else(|e| panic!("{e}"));
        let names = book.sheet_names();
        let range = book
            .worksheet_range(&names[0])
            .unwrap_or_else(|e| panic!("{e}"));
        let headers = range
            .rows()
            .next()
            .unwrap_or_default()
            .iter()
            .map(|c| match c {
                Data::String(s) => s.clone(),
                other => panic!("header cell {other:?}"),
            })
            .collect();
        (names, headers)
    }

    #[test]
    fn the_needs_xlsx_template_read_back_with_calamine_yields_the_vietnamese_headers() {
        let bytes = needs_template_xlsx();
        assert!(!bytes.is_empty());
        let (sheets, headers) = first_row(&bytes);
        assert_eq!(sheets, vec!["Nhu cầu", "Hướng dẫn"]);
        assert_eq!(
            headers,
            vec![
                "Mã điểm hỗ trợ",
                "Tên điểm hỗ trợ",
                "Mã gói",
                "Đợt",
                "Số trẻ",
                "Độ tuổi",
                "Ghi chú"
            ]
        );
    }

    #[test]
    fn the_donors_xlsx_template_read_back_with_calamine_yields_the_vietnamese_headers() {
        let bytes = donors_template_xlsx();
        let (sheets, headers) = first_row(&bytes);
        assert_eq!(sheets[0], "Nhà tài trợ");
        assert_eq!(
            headers,
            vec![
                "Tên",
                "Loại",
                "Trong nước/Nước ngoài",
                "Nhóm",
                "Mã số thuế",
                "Điện thoại",
                "Email",
                "Đồng ý công khai tên",
                "Ẩn danh"
            ]
        );
    }

    #[test]
    fn an_unfilled_template_is_understood_and_refused_only_for_having_no_rows() {
        for (bytes, format) in [
            (needs_template_xlsx(), Format::Xlsx),
            (needs_template_csv(), Format::Csv),
        ] {
            let p = parse_needs(&bytes, format);
            assert_eq!(p.problems.len(), 1, "{:?}", p.problems);
            assert!(p.problems[0].en.contains("no data rows"));
        }
        for (bytes, format) in [
            (donors_template_xlsx(), Format::Xlsx),
            (donors_template_csv(), Format::Csv),
        ] {
            let p = parse_donors(&bytes, format);
            assert_eq!(p.problems.len(), 1, "{:?}", p.problems);
            assert!(p.problems[0].en.contains("no data rows"));
        }
    }

    #[test]
    fn the_csv_templates_are_utf8_with_a_byte_order_mark() {
        let bytes = needs_template_csv();
        assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
        let text = std::str::from_utf8(&bytes[3..]).unwrap_or_default();
        assert_eq!(
            text,
            "Mã điểm hỗ trợ,Tên điểm hỗ trợ,Mã gói,Đợt,Số trẻ,Độ tuổi,Ghi chú\r\n"
        );
        let t = read_table(&donors_template_csv(), Format::Csv).unwrap_or_default();
        assert_eq!(t.headers[0], "Tên");
    }
}
