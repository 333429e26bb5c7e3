//! Bank statements: the sample files in `docs/samples/statements`, and the
//! ways real exports differ (amount and date writing, title rows, totals,
//! two-row headers, overlapping exports).

#[allow(dead_code)]
#[path = "../examples/make_statement_samples.rs"]
mod samples;

use std::collections::BTreeSet;
use std::path::PathBuf;

use chrono::NaiveDate;
use imports::statements::preset;
use imports::{
    AmountSign, ColumnMapping, Format, ImportProblems, SkipReason, Statement, StatementLine,
    detect, parse_statement, presets, read_table,
};
use rust_xlsxwriter::{Format as CellFormat, Workbook, Worksheet};

fn sample_path(name: &str) -> PathBuf {
    samples::default_dir().join(name)
}

fn read_sample(name: &str) -> Vec<u8> {
    std::fs::read(sample_path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn parse(bytes: &[u8], name: &str, mapping: Option<&ColumnMapping>) -> Statement {
    parse_statement(bytes, name, mapping).unwrap_or_else(|e| panic!("{name}:\n{e}"))
}

fn refused(bytes: &[u8], name: &str, mapping: Option<&ColumnMapping>) -> ImportProblems {
    match parse_statement(bytes, name, mapping) {
        Ok(s) => panic!("{name} was read: {s:?}"),
        Err(e) => e,
    }
}

fn nov(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, day).expect("a November 2026 date")
}

/// (row, date, amount, pledge numbers) of each line.
fn summary(s: &Statement) -> Vec<(usize, NaiveDate, i64, Vec<u32>)> {
    s.lines
        .iter()
        .map(|l| (l.row, l.booked_on, l.amount, l.pledge_numbers()))
        .collect()
}

fn skipped(s: &Statement) -> Vec<(usize, SkipReason)> {
    s.skipped.iter().map(|k| (k.row, k.reason)).collect()
}

// ------------------------------------------------------------ the samples

#[test]
fn the_committed_samples_are_what_the_generator_writes() {
    for sample in samples::samples() {
        let csv = format!("{}.csv", sample.stem);
        assert!(
            samples::csv_bytes(&sample) == read_sample(&csv),
            "{csv} differs from the generator; run `cargo run -p imports --example make_statement_samples`"
        );
        let xlsx = format!("{}.xlsx", sample.stem);
        let built = samples::xlsx_bytes(&sample).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            built == read_sample(&xlsx),
            "{xlsx} differs from the generator; run `cargo run -p imports --example make_statement_samples`"
        );
    }
}

fn vietcombank_expected() -> Vec<(usize, NaiveDate, i64, Vec<u32>)> {
    vec![
        (9, nov(2), 500_000, vec![427]),
        (10, nov(2), 1_000_000, vec![1]),
        (11, nov(3), 2_000_000, vec![1230]),
        (12, nov(4), 300_000, vec![]),
        // Row 13 is money out.
        (14, nov(6), 5_000_000, vec![2019]),
        // "CT0004273": wrong check digit.
        (15, nov(8), 200_000, vec![]),
        (16, nov(10), 1_500_000, vec![88, 427]),
        // "chuyen tien.CT tu 0451…": CT followed by a word, not digits.
        (17, nov(12), 750_000, vec![]),
        (18, nov(15), 10_000_000, vec![505]),
        (19, nov(18), 400_000, vec![31]),
        (20, nov(20), 600_000, vec![]),
        // "CT00123020": a digit glued after the code — refused.
        (21, nov(22), 1_200_000, vec![]),
        (22, nov(25), 250_000, vec![88]),
        (23, nov(28), 3_500_000, vec![427]),
    ]
}

#[test]
fn the_vietcombank_samples_are_read_line_by_line() {
    for name in ["vietcombank-2026-11.csv", "vietcombank-2026-11.xlsx"] {
        let s = parse(&read_sample(name), name, None);
        assert_eq!(s.preset, Some("vietcombank"), "{name}");
        assert_eq!(s.header_row, 8, "{name}");
        assert_eq!(summary(&s), vietcombank_expected(), "{name}");
        assert_eq!(s.total_in(), 27_200_000, "{name}");
        assert_eq!(s.debits_skipped(), 1, "{name}");
        assert_eq!(
            skipped(&s),
            vec![
                (13, SkipReason::Debit),
                (24, SkipReason::Total),
                (26, SkipReason::BelowTotals),
                (27, SkipReason::BelowTotals),
            ],
            "{name}"
        );
        let first = &s.lines[0];
        assert_eq!(first.bank_ref.as_deref(), Some("5078.11234"));
        assert_eq!(first.balance, Some(25_500_000));
        assert!(
            first
                .memo
                .starts_with("MBVCB.11873452011.204518.NGUYEN THI MAI")
        );
        assert_eq!(first.counterparty, None);
        assert_eq!(
            first.dedupe_key("1029384756"),
            "1029384756|2026-11-02|ref:5078.11234|#0"
        );
        assert_eq!(s.lines[8].memo, "Ủng hộ quỹ CT 0005058 Lê Thị Hồng Nhung");
    }
}

#[test]
fn the_vietinbank_samples_are_read_line_by_line() {
    let expected = vec![
        (9, nov(1), 500_000, vec![77]),
        (10, nov(2), 1_000_000, vec![640]),
        (11, nov(2), 200_000, vec![]),
        (12, nov(2), 200_000, vec![]),
        // Row 13 is money out (a bank fee).
        (14, nov(5), 2_000_000, vec![2019]),
        (15, nov(7), 300_000, vec![1]),
        (16, nov(9), 1_000_000, vec![427]),
        (17, nov(11), 450_000, vec![]),
        (18, nov(14), 800_000, vec![640, 77]),
        (19, nov(16), 5_000_000, vec![3141]),
        // "CT 0003141": wrong check digit.
        (20, nov(19), 100_000, vec![]),
        (21, nov(21), 2_500_000, vec![2019]),
        // Interest: money in without a code.
        (22, nov(24), 3_250, vec![]),
        (23, nov(27), 700_000, vec![88]),
    ];
    for name in ["vietinbank-2026-11.csv", "vietinbank-2026-11.xlsx"] {
        let s = parse(&read_sample(name), name, None);
        assert_eq!(s.preset, Some("vietinbank"), "{name}");
        assert_eq!(s.header_row, 7, "{name}");
        assert_eq!(s.headers[4], "Nợ / Debit", "{name}");
        assert_eq!(summary(&s), expected, "{name}");
        assert_eq!(s.total_in(), 14_753_250, "{name}");
        assert_eq!(
            skipped(&s),
            vec![
                (8, SkipReason::OpeningBalance),
                (13, SkipReason::Debit),
                (24, SkipReason::Total),
                (25, SkipReason::BelowTotals),
            ],
            "{name}"
        );
        let l = &s.lines[0];
        assert_eq!(l.bank_ref.as_deref(), Some("FT26305091245"));
        assert_eq!(l.counterparty.as_deref(), Some("NGUYEN VAN AN"));
        assert_eq!(l.counterparty_account.as_deref(), Some("0011002233445"));
        assert_eq!(l.balance, Some(9_000_000));
        assert_eq!(s.lines[5].counterparty.as_deref(), Some("TRẦN THỊ LAN"));
        // The two identical transfers of 2 November have their own
        // references, so their own keys.
        assert_ne!(
            s.lines[2].dedupe_key("108870123456"),
            s.lines[3].dedupe_key("108870123456")
        );
    }
}

#[test]
fn csv_and_xlsx_of_one_statement_give_the_same_lines() {
    for stem in ["vietcombank-2026-11", "vietinbank-2026-11"] {
        let csv = parse(&read_sample(&format!("{stem}.csv")), "a.csv", None);
        let xlsx = parse(&read_sample(&format!("{stem}.xlsx")), "a.xlsx", None);
        assert_eq!(csv.lines, xlsx.lines, "{stem}");
        assert_eq!(csv.skipped, xlsx.skipped, "{stem}");
    }
}

#[test]
fn presets_recognise_their_own_header_rows_only() {
    let vcb = read_table(&read_sample("vietcombank-2026-11.csv"), Format::Csv)
        .unwrap_or_else(|p| panic!("{p:?}"));
    // read_table takes the first row as the header: the bank's title.
    assert_eq!(detect(&vcb), None);
    let header = |cells: &[&str]| imports::Table {
        header_row: 1,
        headers: cells.iter().map(|c| (*c).to_owned()).collect(),
        ..imports::Table::default()
    };
    let vcb_header = header(&[
        "STT",
        "Ngày giao dịch",
        "Số tham chiếu",
        "Số tiền ghi nợ",
        "Số tiền ghi có",
        "Số dư",
        "Mô tả",
    ]);
    assert_eq!(detect(&vcb_header).map(|p| p.id), Some("vietcombank"));
    // Upper case, no diacritics, bilingual: still Vietcombank.
    let shouted = header(&[
        "STT",
        "NGAY GIAO DICH / TRANSACTION DATE",
        "SO THAM CHIEU / REFERENCE NO.",
        "SO TIEN GHI NO / DEBIT",
        "SO TIEN GHI CO / CREDIT",
        "SO DU / BALANCE",
        "MO TA / DESCRIPTION",
    ]);
    assert_eq!(detect(&shouted).map(|p| p.id), Some("vietcombank"));
    let vtb = header(&[
        "STT",
        "Ngày hạch toán",
        "Ngày giao dịch",
        "Mô tả giao dịch",
        "Nợ",
        "Có",
        "Số dư",
        "Mã giao dịch",
        "Tên TK đối ứng",
        "Số TK đối ứng",
    ]);
    assert_eq!(detect(&vtb).map(|p| p.id), Some("vietinbank"));
    let bidv = header(&["STT", "Ngày hiệu lực", "Ghi nợ", "Ghi có", "Số dư", "Mô tả"]);
    assert_eq!(detect(&bidv).map(|p| p.id), Some("bidv"));
    // Missing the reference column: not Vietcombank's layout.
    let partial = header(&[
        "Ngày giao dịch",
        "Số tiền ghi có",
        "Số tiền ghi nợ",
        "Mô tả",
    ]);
    assert_eq!(detect(&partial), None);
    let ids: Vec<&str> = presets().iter().map(|p| p.id).collect();
    assert_eq!(ids, vec!["vietcombank", "vietinbank", "bidv"]);
}

// ------------------------------------------------------------ helpers

const VCB_HEADER: &str =
    "STT,Ngày giao dịch,Số tham chiếu,Số tiền ghi nợ,Số tiền ghi có,Số dư,Mô tả";

/// A Vietcombank-layout CSV: two title rows, the header on row 3, then
/// the given lines (row 4 onwards).
fn vcb_csv(lines: &[&str]) -> Vec<u8> {
    let mut text = format!("SAO KÊ TÀI KHOẢN\nSố tài khoản:,1029384756\n{VCB_HEADER}\n");
    for l in lines {
        text.push_str(l);
        text.push('\n');
    }
    text.into_bytes()
}

// ------------------------------------------------------------ amounts, dates

#[test]
fn amounts_are_read_however_the_bank_writes_them() {
    let bytes = vcb_csv(&[
        "1,03/11/2026,R1,,1500000,,a",
        "2,03/11/2026,R2,,1.500.000,,b",
        "3,03/11/2026,R3,,\"1,500,000\",,c",
        "4,03/11/2026,R4,,1500000.00,,d",
        "5,03/11/2026,R5,,1 500 000,,e",
        "6,03/11/2026,R6,,\"1.500.000,00\",,f",
        "7,03/11/2026,R7,,1.500.000 VND,,g",
        "8,03/11/2026,R8,,+1.500.000,,h",
        "9,03/11/2026,R9,-,\"1,500,000.00\",,i",
    ]);
    let s = parse(&bytes, "s.csv", None);
    assert_eq!(s.lines.len(), 9);
    for l in &s.lines {
        assert_eq!(l.amount, 1_500_000, "row {}", l.row);
        assert_eq!(l.balance, None);
    }
}

#[test]
fn amounts_in_number_cells_of_a_workbook_are_read() {
    let bytes = workbook(|ws| {
        strings(ws, 0, &["SAO KÊ TÀI KHOẢN"]);
        strings(ws, 2, &VCB_HEADER.split(',').collect::<Vec<_>>());
        strings(ws, 3, &["1", "03/11/2026 10:15:00", "R1"]);
        ws.write_number(3, 4, 1_500_000.0).expect("write");
        ws.write_number(3, 5, 31_500_000.0).expect("write");
        strings(ws, 4, &["2", "04/11/2026", "R2"]);
        ws.write_number(4, 3, 200_000.0).expect("write");
        ws.write_number(4, 5, 31_300_000.0).expect("write");
    });
    let s = parse(&bytes, "s.xlsx", None);
    assert_eq!(summary(&s), vec![(4, nov(3), 1_500_000, vec![])]);
    assert_eq!(s.lines[0].balance, Some(31_500_000));
    assert_eq!(skipped(&s), vec![(5, SkipReason::Debit)]);
}

#[test]
fn dates_are_read_with_and_without_a_time() {
    let bytes = vcb_csv(&[
        "1,03/11/2026,R1,,100,,a",
        "2,3/11/2026 09:05:07,R2,,100,,b",
        "3,03-11-2026 21:30,R3,,100,,c",
        "4,2026-11-03,R4,,100,,d",
        "5,2026-11-03T08:00:00,R5,,100,,e",
        "6,03.11.2026,R6,,100,,f",
    ]);
    let s = parse(&bytes, "s.csv", None);
    assert_eq!(s.lines.len(), 6);
    assert!(s.lines.iter().all(|l| l.booked_on == nov(3)));
}

#[test]
fn date_cells_with_a_time_in_a_workbook_are_read() {
    let bytes = workbook(|ws| {
        strings(ws, 0, &VCB_HEADER.split(',').collect::<Vec<_>>());
        let at = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 11, 3)
            .and_then(|d| d.and_hms(23, 59, 59.0))
            .expect("a date");
        let f = CellFormat::new().set_num_format("dd/mm/yyyy hh:mm:ss");
        ws.write_datetime_with_format(1, 1, &at, &f).expect("write");
        strings(ws, 1, &["1", "", "R1", "", "250000", "", "CT0004275"]);
    });
    let s = parse(&bytes, "s.xlsx", None);
    assert_eq!(summary(&s), vec![(2, nov(3), 250_000, vec![427])]);
}

#[test]
fn a_bad_amount_in_row_7_is_named_by_row_and_column_and_nothing_is_returned() {
    let bytes = vcb_csv(&[
        "1,03/11/2026,R1,,500000,,ok",
        "2,03/11/2026,R2,,500000,,ok",
        "3,04/11/2026,R3,,500000,,ok",
        "4,04/11/2026,R4,,\"1.5OO.OOO\",,o for 0",
        "5,05/11/2026,R5,,\"2,5\",,fraction",
        "6,31/11/2026,R6,,500000,,no such day",
        "7,,R7,,500000,,no date",
    ]);
    let e = refused(&bytes, "s.csv", None);
    let ImportProblems::InvalidRows(problems) = &e else {
        panic!("expected InvalidRows, got {e:?}");
    };
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(problems.len(), 4, "{text:#?}");
    assert!(
        text[0].starts_with("dòng 7, cột E (Số tiền ghi có): \"1.5OO.OOO\" không phải là số tiền"),
        "{}",
        text[0]
    );
    assert!(
        text[0].contains("row 7, column E (Số tiền ghi có): \"1.5OO.OOO\" is not an amount"),
        "{}",
        text[0]
    );
    assert!(
        text[1].starts_with("dòng 8, cột E (Số tiền ghi có): \"2,5\" có phần lẻ"),
        "{}",
        text[1]
    );
    assert!(
        text[2].starts_with("dòng 9, cột B (Ngày giao dịch): \"31/11/2026\" không phải là ngày"),
        "{}",
        text[2]
    );
    assert!(
        text[3].starts_with("dòng 10, cột B (Ngày giao dịch): ô ngày trống"),
        "{}",
        text[3]
    );
    // The whole report, as the caller prints it.
    assert!(e.to_string().contains("dòng 7, cột E"));
}

#[test]
fn money_both_in_and_out_on_one_row_or_negative_money_in_is_refused() {
    let bytes = vcb_csv(&[
        "1,03/11/2026,R1,100,500000,,both",
        "2,03/11/2026,R2,,-500000,,negative credit",
        "3,03/11/2026,R3,-200000,,,negative debit is money out",
    ]);
    let e = refused(&bytes, "s.csv", None);
    let rows: Vec<usize> = e.problems().iter().map(|p| p.row).collect();
    assert_eq!(rows, vec![4, 5], "{e}");
    assert!(e.problems()[0].en.contains("both money in"), "{e}");
    assert!(e.problems()[1].en.contains("negative"), "{e}");
}

// ------------------------------------------------------------ layouts

#[test]
fn an_unknown_layout_is_refused_listing_the_headers_found() {
    let bytes =
        "Báo cáo giao dịch\n\nNgày,Số tiền,Nội dung,Số dư\n01/11/2026,500000,CT0004275,1000000\n";
    let e = refused(bytes.as_bytes(), "bank.csv", None);
    let ImportProblems::UnknownLayout {
        header_row,
        headers,
        problems,
    } = &e
    else {
        panic!("expected UnknownLayout, got {e:?}");
    };
    assert_eq!(*header_row, 3);
    assert_eq!(headers, &vec!["Ngày", "Số tiền", "Nội dung", "Số dư"]);
    let p = &problems[0];
    assert!(p.vi.starts_with("Không nhận ra định dạng sao kê"), "{p}");
    assert!(
        p.en.starts_with("Unknown statement layout; choose a column mapping"),
        "{p}"
    );
    for h in [
        "A \"Ngày\"",
        "B \"Số tiền\"",
        "C \"Nội dung\"",
        "D \"Số dư\"",
    ] {
        assert!(p.vi.contains(h) && p.en.contains(h), "{h} in {p}");
    }
    assert!(
        p.en.contains("Vietcombank") && p.en.contains("VietinBank"),
        "{p}"
    );
}

/// The JSON example of docs/samples/statements/README.md.
fn readme_mapping() -> String {
    let readme = String::from_utf8(read_sample("README.md")).expect("UTF-8");
    let start = readme.find("```json\n").expect("a JSON example") + "```json\n".len();
    let len = readme[start..].find("```").expect("the end of the example");
    readme[start..start + len].to_owned()
}

#[test]
fn a_stored_json_mapping_reads_a_layout_no_preset_knows() {
    let mapping: ColumnMapping =
        serde_json::from_str(&readme_mapping()).expect("the README's JSON");
    assert_eq!(mapping.amount_sign, AmountSign::Signed);
    let bytes = "Báo cáo giao dịch\n\nNgày,Số tiền,Nội dung,Số dư\n\
        01/11/2026 08:00:00,500000,UNG HO CT0004275,1000000\n\
        02/11/2026 09:00:00,-200000,phí,800000\n\
        03/11/2026 10:00:00,0,điều chỉnh,800000\n\
        04/11/2026 11:00:00,+300.000,ct 0000018,1100000\n";
    let s = parse(bytes.as_bytes(), "bank.csv", Some(&mapping));
    assert_eq!(s.preset, None);
    assert_eq!(s.header_row, 3);
    assert_eq!(
        summary(&s),
        vec![
            (4, nov(1), 500_000, vec![427]),
            (7, nov(4), 300_000, vec![1])
        ]
    );
    assert_eq!(
        skipped(&s),
        vec![(5, SkipReason::Debit), (6, SkipReason::ZeroAmount)]
    );
    // Every preset's mapping survives a JSON round trip.
    for p in presets() {
        let json = serde_json::to_string(&p.mapping).expect("serialise");
        let back: ColumnMapping = serde_json::from_str(&json).expect("deserialise");
        assert_eq!(back, p.mapping, "{json}");
    }
    // Unknown keys are refused rather than ignored.
    assert!(
        serde_json::from_str::<ColumnMapping>(
            r#"{"date":"a","credit":"b","memo":"c","memmo":"d"}"#
        )
        .is_err()
    );
}

#[test]
fn a_mapping_naming_a_column_the_file_lacks_is_refused_by_name() {
    let mut mapping = preset("vietcombank").expect("preset").mapping.clone();
    mapping.counterparty = Some("Tên người chuyển".into());
    let e = refused(
        &read_sample("vietcombank-2026-11.csv"),
        "vcb.csv",
        Some(&mapping),
    );
    let ImportProblems::MissingColumns { missing, problems } = &e else {
        panic!("expected MissingColumns, got {e:?}");
    };
    assert_eq!(missing, &vec!["Tên người chuyển".to_owned()]);
    assert_eq!(problems[0].row, 8);
    assert!(problems[0].vi.contains("\"Tên người chuyển\""), "{e}");
    assert!(problems[0].en.contains("no such column"), "{e}");
    assert!(problems[0].en.contains("G \"Mô tả\""), "{e}");

    // With the header row given, only that row is looked at.
    let mut hinted = preset("vietcombank").expect("preset").mapping.clone();
    hinted.header_row = Some(8);
    assert_eq!(
        parse(
            &read_sample("vietcombank-2026-11.csv"),
            "vcb.csv",
            Some(&hinted)
        )
        .lines
        .len(),
        14
    );
    hinted.header_row = Some(3);
    assert!(matches!(
        refused(
            &read_sample("vietcombank-2026-11.csv"),
            "vcb.csv",
            Some(&hinted)
        ),
        ImportProblems::MissingColumns { .. }
    ));
}

#[test]
fn a_bidv_export_is_recognised() {
    let bytes = "\u{feff}NGÂN HÀNG TMCP ĐẦU TƯ VÀ PHÁT TRIỂN VIỆT NAM\n\
        BÁO CÁO CHI TIẾT SỐ DƯ TÀI KHOẢN\n\
        STT;Ngày hiệu lực;Ghi nợ;Ghi có;Số dư;Mô tả\n\
        1;01/11/2026 08:01:02;;2.000.000;12.000.000;NGUYEN VAN AN UNG HO CT-0004275\n\
        2;01/11/2026 09:00:00;50.000;;11.950.000;PHI\n\
        ;Tổng cộng;50.000;2.000.000;;\n";
    let s = parse(bytes.as_bytes(), "bidv.csv", None);
    assert_eq!(s.preset, Some("bidv"));
    assert_eq!(summary(&s), vec![(4, nov(1), 2_000_000, vec![427])]);
    assert_eq!(s.lines[0].balance, Some(12_000_000));
    assert_eq!(s.lines[0].bank_ref, None);
}

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

#[test]
fn a_two_row_header_with_merged_cells_is_read() {
    let bytes = workbook(|ws| {
        let f = CellFormat::new().set_bold();
        ws.merge_range(0, 0, 0, 6, "SAO KÊ TÀI KHOẢN", &f)
            .expect("merge");
        // Row 3–4: each column merged over two rows, except the amounts,
        // which sit under a merged "Số tiền".
        for (col, text) in [
            (0, "STT"),
            (1, "Ngày giao dịch"),
            (2, "Số tham chiếu"),
            (5, "Số dư"),
            (6, "Mô tả"),
        ] {
            ws.merge_range(2, col, 3, col, text, &f).expect("merge");
        }
        ws.merge_range(2, 3, 2, 4, "Số tiền", &f).expect("merge");
        strings(ws, 3, &["", "", "", "Số tiền ghi nợ", "Số tiền ghi có"]);
        strings(
            ws,
            4,
            &[
                "1",
                "05/11/2026",
                "R1",
                "",
                "700.000",
                "1.700.000",
                "ct 0004275",
            ],
        );
        strings(
            ws,
            5,
            &["2", "06/11/2026", "R2", "100.000", "", "1.600.000", "phí"],
        );
        // A totals row merged across the first three columns.
        ws.merge_range(6, 0, 6, 2, "Tổng cộng", &f).expect("merge");
        strings(ws, 6, &["", "", "", "100.000", "700.000"]);
    });
    let s = parse(&bytes, "two-rows.xlsx", None);
    assert_eq!(s.preset, Some("vietcombank"));
    assert_eq!(s.header_row, 4);
    assert_eq!(s.headers[1], "Ngày giao dịch");
    assert_eq!(summary(&s), vec![(5, nov(5), 700_000, vec![427])]);
    assert_eq!(
        skipped(&s),
        vec![(6, SkipReason::Debit), (7, SkipReason::Total)]
    );
}

#[test]
fn a_date_merged_over_two_transaction_rows_is_refused() {
    let bytes = workbook(|ws| {
        strings(ws, 0, &VCB_HEADER.split(',').collect::<Vec<_>>());
        ws.merge_range(1, 1, 2, 1, "05/11/2026", &CellFormat::new())
            .expect("merge");
        strings(ws, 1, &["1", "", "R1", "", "700.000", "", "a"]);
        strings(ws, 2, &["2", "", "R2", "", "300.000", "", "b"]);
    });
    let e = refused(&bytes, "merged.xlsx", None);
    assert_eq!(e.problems().len(), 1, "{e}");
    assert_eq!(e.problems()[0].row, 3);
    assert!(e.problems()[0].en.contains("merged cells (B2:B3)"), "{e}");
}

#[test]
fn repeated_headers_are_skipped_and_a_transaction_below_the_totals_is_refused() {
    let bytes = vcb_csv(&[
        "1,03/11/2026,R1,,100000,,a",
        VCB_HEADER,
        "2,04/11/2026,R2,,200000,,b",
        ",Tổng cộng,,,300000,,",
        "",
        "Người lập biểu,,,,Kế toán trưởng",
    ]);
    let s = parse(&bytes, "s.csv", None);
    assert_eq!(s.lines.len(), 2);
    assert_eq!(
        skipped(&s),
        vec![
            (5, SkipReason::RepeatedHeader),
            (7, SkipReason::Total),
            (9, SkipReason::BelowTotals)
        ]
    );
    let pasted = vcb_csv(&[
        "1,03/11/2026,R1,,100000,,a",
        ",Tổng cộng,,,100000,,",
        "1,05/12/2026,R9,,100000,,next month pasted below",
    ]);
    let e = refused(&pasted, "s.csv", None);
    assert_eq!(e.problems()[0].row, 6, "{e}");
    assert!(e.problems()[0].en.contains("below the totals"), "{e}");
}

// ------------------------------------------------------------ dedupe keys

fn keys(s: &Statement, account: &str) -> Vec<String> {
    s.lines.iter().map(|l| l.dedupe_key(account)).collect()
}

#[test]
fn overlapping_exports_give_the_shared_lines_the_same_keys() {
    // The Vietcombank sample cut in two overlapping exports: transactions
    // 1–10 and 6–15 (each with the header and a totals row).
    let text = String::from_utf8(read_sample("vietcombank-2026-11.csv")).expect("UTF-8");
    let all: Vec<&str> = text.lines().collect();
    let head = &all[..8];
    let body = &all[8..23];
    let cut = |range: std::ops::Range<usize>| {
        let mut lines: Vec<&str> = head.to_vec();
        lines.extend_from_slice(&body[range]);
        lines.push(",Tổng cộng,,,,,");
        lines.join("\r\n").into_bytes()
    };
    let (first, second) = (cut(0..10), cut(5..15));
    let full = parse(&read_sample("vietcombank-2026-11.csv"), "all.csv", None);
    let a = parse(&first, "a.csv", None);
    let b = parse(&second, "b.csv", None);
    let (ka, kb) = (keys(&a, "1029384756"), keys(&b, "1029384756"));
    let shared: BTreeSet<&String> = ka.iter().filter(|k| kb.contains(k)).collect();
    // Transactions 6–10 (transaction 5, the money out, is in the first
    // export only).
    assert_eq!(shared.len(), 5);
    let union: BTreeSet<&String> = ka.iter().chain(&kb).collect();
    let whole: BTreeSet<String> = keys(&full, "1029384756").into_iter().collect();
    assert_eq!(union.into_iter().cloned().collect::<BTreeSet<_>>(), whole);

    // The same without references or balances: the keys come from the
    // content, and still agree.
    let mut bare = preset("vietcombank").expect("preset").mapping.clone();
    bare.reference = None;
    bare.balance = None;
    let a = parse(&first, "a.csv", Some(&bare));
    let b = parse(&second, "b.csv", Some(&bare));
    let (ka, kb) = (keys(&a, "1029384756"), keys(&b, "1029384756"));
    assert_eq!(ka.iter().filter(|k| kb.contains(k)).count(), 5);
    assert!(ka.iter().all(|k| !k.contains("ref:")));
}

#[test]
fn two_identical_transfers_on_one_day_are_both_kept_with_different_keys() {
    let mut mapping = preset("vietcombank").expect("preset").mapping.clone();
    mapping.reference = None;
    mapping.balance = None;
    let day = [
        "1,03/11/2026,,,200000,,LE MINH KHOA UNG HO",
        "2,03/11/2026,,,200000,,LE MINH KHOA UNG HO",
        "3,03/11/2026,,,200000,,le minh khoa ủng hộ",
    ];
    let s = parse(&vcb_csv(&day), "s.csv", Some(&mapping));
    assert_eq!(s.lines.len(), 3);
    let k = keys(&s, "1029384756");
    assert_eq!(
        k,
        vec![
            "1029384756|2026-11-03|200000|-|#0|le minh khoa ung ho",
            "1029384756|2026-11-03|200000|-|#1|le minh khoa ung ho",
            "1029384756|2026-11-03|200000|-|#2|le minh khoa ung ho",
        ]
    );
    // The same day exported again, after a fourth identical transfer: the
    // first three keep their keys, the fourth gets a new one.
    let mut later = day.to_vec();
    later.push("4,03/11/2026,,,200000,,LE MINH KHOA UNG HO");
    let again = keys(
        &parse(&vcb_csv(&later), "t.csv", Some(&mapping)),
        "1029384756",
    );
    assert_eq!(&again[..3], &k[..]);
    assert!(again[3].contains("|#3|"));
    let occ: Vec<u32> = s
        .lines
        .iter()
        .map(|l: &StatementLine| l.occurrence)
        .collect();
    assert_eq!(occ, vec![0, 1, 2]);
}
