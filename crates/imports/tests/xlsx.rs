//! XLSX files as Excel and LibreOffice write them: number cells, date
//! cells, merged cells, a header below blank rows.

use imports::{Format, parse_donors, parse_needs, read_table};
use rust_xlsxwriter::{ExcelDateTime, Format as CellFormat, Workbook, Worksheet};

fn workbook(fill: impl FnOnce(&mut Worksheet)) -> Vec<u8> {
    let mut book = Workbook::new();
    fill(book.add_worksheet());
    book.save_to_buffer().unwrap_or_else(|e| panic!("{e}"))
}

fn strings(ws: &mut Worksheet, row: u32, cells: &[&str]) {
    for (col, c) in (0u16..).zip(cells) {
        if !c.is_empty() {
            ws.write_string(row, col, *c)
                .unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

const NEEDS: &[&str] = &[
    "Mã điểm hỗ trợ",
    "Tên điểm hỗ trợ",
    "Mã gói",
    "Đợt",
    "Số trẻ",
    "Ghi chú",
];

#[test]
fn number_cells_are_read_as_whole_numbers_and_fractions_are_refused() {
    let bytes = workbook(|ws| {
        strings(ws, 0, NEEDS);
        strings(ws, 1, &["s1", "", "DD-MN", "2025-26"]);
        ws.write_number(1, 4, 1200.0)
            .unwrap_or_else(|e| panic!("{e}"));
        strings(ws, 2, &["s2", "", "DD-MN", "2025-26"]);
        ws.write_number(2, 4, 2.5).unwrap_or_else(|e| panic!("{e}"));
        strings(ws, 3, &["s3", "", "DD-MN", "2025-26", "1.200.000"]);
    });
    let p = parse_needs(&bytes, Format::Xlsx);
    assert_eq!(p.rows.len(), 2);
    assert_eq!(p.rows[0].quantity, 1200);
    assert_eq!(p.rows[1].quantity, 1_200_000);
    assert_eq!(p.rows[1].row, 4);
    assert_eq!(p.problems.len(), 1, "{:?}", p.problems);
    assert!(
        p.problems[0]
            .to_string()
            .starts_with("dòng 3, cột E (Số trẻ): \"2.5\" có phần lẻ"),
        "{}",
        p.problems[0]
    );
}

#[test]
fn date_cells_read_as_dd_mm_yyyy() {
    let bytes = workbook(|ws| {
        strings(ws, 0, &["Ngày"]);
        let date = ExcelDateTime::from_ymd(2025, 9, 5).unwrap_or_else(|e| panic!("{e}"));
        let f = CellFormat::new().set_num_format("dd/mm/yyyy");
        ws.write_datetime_with_format(1, 0, date, &f)
            .unwrap_or_else(|e| panic!("{e}"));
    });
    let t = read_table(&bytes, Format::Xlsx).unwrap_or_else(|p| panic!("{p:?}"));
    assert_eq!(t.rows[0].cells, vec!["05/09/2025"]);
    assert_eq!(
        imports::values::parse_date(&t.rows[0].cells[0]),
        chrono::NaiveDate::from_ymd_opt(2025, 9, 5)
    );
}

#[test]
fn merged_header_cells_are_refused_with_their_area() {
    let bytes = workbook(|ws| {
        let f = CellFormat::new();
        ws.merge_range(0, 0, 0, 1, "Điểm hỗ trợ", &f)
            .unwrap_or_else(|e| panic!("{e}"));
        strings(ws, 0, &["", "", "Mã gói", "Đợt", "Số trẻ"]);
        strings(ws, 1, &["s1", "Hồng Vân", "DD-MN", "2025-26", "3"]);
    });
    let p = parse_needs(&bytes, Format::Xlsx);
    let m: Vec<String> = p.problems.iter().map(ToString::to_string).collect();
    assert!(
        m.iter()
            .any(|s| s.starts_with("dòng 1, cột A: ô tiêu đề bị gộp (A1:B1)")
                && s.contains("merged header cells")),
        "{m:#?}"
    );
    assert!(
        m.iter()
            .any(|s| s.starts_with("dòng 1, cột B: ô tiêu đề trống")),
        "{m:#?}"
    );
    assert!(p.into_result().is_err());
}

#[test]
fn merged_data_cells_are_refused_rather_than_read_as_blanks() {
    let bytes = workbook(|ws| {
        strings(ws, 0, NEEDS);
        let f = CellFormat::new();
        ws.merge_range(1, 1, 2, 1, "Hồng Vân", &f)
            .unwrap_or_else(|e| panic!("{e}"));
        strings(ws, 1, &["", "", "DD-MN", "2025-26", "3"]);
        strings(ws, 2, &["", "", "YT-TH", "2025-26", "4"]);
    });
    let p = parse_needs(&bytes, Format::Xlsx);
    let m: Vec<String> = p.problems.iter().map(ToString::to_string).collect();
    assert!(
        m.iter()
            .any(|s| s.starts_with("dòng 2, cột B: ô bị gộp (B2:B3)")),
        "{m:#?}"
    );
    assert!(p.into_result().is_err());
}

#[test]
fn a_header_below_blank_rows_keeps_the_sheets_row_numbers() {
    let bytes = workbook(|ws| {
        strings(ws, 2, &["Tên", "Loại", "Trong nước/Nước ngoài", "Nhóm"]);
        strings(
            ws,
            3,
            &["Quỹ Bảo trợ trẻ em", "tổ chức", "trong nước", "quỹ"],
        );
        strings(ws, 5, &["Bình", "cá nhân", "trong nước", "công ty"]);
    });
    let p = parse_donors(&bytes, Format::Xlsx);
    assert_eq!(p.rows.len(), 1);
    assert_eq!(p.rows[0].row, 4);
    assert_eq!(p.problems.len(), 1, "{:?}", p.problems);
    assert!(
        p.problems[0]
            .to_string()
            .starts_with("dòng 6, cột D (Nhóm): \"công ty\" không hợp lệ")
    );
}

#[test]
fn a_sheet_starting_in_column_b_keeps_the_sheets_column_letters() {
    let bytes = workbook(|ws| {
        for (col, h) in (1u16..).zip(["Tên", "Loại", "Trong nước/Nước ngoài", "Nhóm"]) {
            ws.write_string(0, col, h).unwrap_or_else(|e| panic!("{e}"));
        }
        for (col, h) in (1u16..).zip(["An", "ai", "trong nước", "cá nhân"]) {
            ws.write_string(1, col, h).unwrap_or_else(|e| panic!("{e}"));
        }
    });
    let p = parse_donors(&bytes, Format::Xlsx);
    assert_eq!(p.problems.len(), 1, "{:?}", p.problems);
    assert!(
        p.problems[0]
            .to_string()
            .starts_with("dòng 2, cột C (Loại)"),
        "{}",
        p.problems[0]
    );
}

#[test]
fn a_csv_file_given_as_xlsx_is_refused_as_unreadable() {
    let p = parse_needs(b"Ma goi,Dot\n", Format::Xlsx);
    assert_eq!(p.problems.len(), 1);
    assert_eq!(p.problems[0].row, 0);
    assert!(p.problems[0].en.contains("cannot read the XLSX"));
}
