//! Writes the sample bank statements in `docs/samples/statements/`: a
//! Vietcombank "Sao kê tài khoản" and a VietinBank "Lịch sử giao dịch" for
//! November 2026, each as CSV and XLSX. Everything in them is fictitious:
//! the accounts, the people, the companies and the transfers.
//!
//! ```text
//! cargo run -p imports --example make_statement_samples            # into docs/samples/statements
//! cargo run -p imports --example make_statement_samples -- /tmp/x  # elsewhere
//! ```
//!
//! The output is byte-for-byte reproducible (the workbook's creation date
//! is fixed); `tests/statements.rs` checks the committed files against it.

use std::error::Error;
use std::path::{Path, PathBuf};

use domain::needs::pledge_code;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format as CellFormat, Workbook, XlsxError};

/// A cell of a sample statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Empty,
    Text(String),
    /// Đồng.
    Money(i64),
    /// Day, month, year, hour, minute, second.
    When(u8, u8, u16, u8, u8, u8),
}

fn t(s: &str) -> Cell {
    Cell::Text(s.to_owned())
}

/// How a bank writes amounts and dates in its CSV, and how its workbook
/// stores dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `1,500,000`; dates `dd/mm/yyyy` (text, also in the workbook).
    Vietcombank,
    /// `1500000.00`; dates `dd/mm/yyyy HH:MM:SS` (date cells in the
    /// workbook).
    Vietinbank,
}

/// A sample: title rows, the header, transaction rows, and what follows
/// (totals, closing balance, signatures). Blank rows are rows of
/// `Cell::Empty`.
#[derive(Debug, Clone)]
pub struct Sample {
    pub stem: &'static str,
    pub style: Style,
    pub sheet: &'static str,
    pub rows: Vec<Vec<Cell>>,
    /// Zero-based index of the header row in `rows`.
    pub header: usize,
    /// CSV separator.
    pub separator: u8,
    /// Whether the CSV starts with a UTF-8 byte-order mark.
    pub bom: bool,
}

/// The code of a pledge, as the donor was given it.
pub fn code(number: u32) -> String {
    pledge_code::format(number)
}

/// The digits of a pledge code, without `CT`.
fn digits(number: u32) -> String {
    code(number).chars().skip(2).collect()
}

/// Vietcombank, account 1029384756, 1–30 November 2026: 15 transactions
/// (one money out), below 7 title rows, then totals and the closing
/// balance.
pub fn vietcombank() -> Sample {
    let opening = 25_000_000;
    // (day, reference, money out, money in, memo)
    let lines: Vec<(u8, &str, i64, i64, String)> = vec![
        (2, "5078.11234", 0, 500_000, format!(
            "MBVCB.11873452011.204518.NGUYEN THI MAI chuyen tien ung ho {}.CT tu 0011004455667 NGUYEN THI MAI toi 1029384756 QUY HO TRO CHUNG TAY",
            code(427)
        )),
        (2, "5078.11902", 0, 1_000_000, format!("IBFT UNG HO CT {} TRE EM VUNG CAO", digits(1))),
        (3, "5101.20017", 0, 2_000_000, format!("UNGHO{}TREEM HA GIANG", code(1230))),
        (4, "5122.00981", 0, 300_000, "Ung ho cac chau nhan dip 20 thang 11".to_owned()),
        (5, "5130.44120", 3_000_000, 0, "Chuyen tien mua sach vo cho diem truong Lung Cu".to_owned()),
        (6, "5141.10233", 0, 5_000_000, format!(
            "CONG TY TNHH AN PHU THANH ung ho chuong trinh ct-{} ao am cho em",
            digits(2019)
        )),
        (8, "5160.31877", 0, 200_000, "UNG HO CT0004273".to_owned()),
        (10, "5188.00412", 0, 1_500_000, format!(
            "ung ho 2 suat ct.{} va ct {}",
            digits(88),
            digits(427)
        )),
        (12, "5203.77150", 0, 750_000,
            "MBVCB.11902234511.338120.TRAN VAN BINH chuyen tien.CT tu 0451000112233 TRAN VAN BINH toi 1029384756 QUY HO TRO CHUNG TAY".to_owned()),
        (15, "5230.11009", 0, 10_000_000, format!("Ủng hộ quỹ CT {} Lê Thị Hồng Nhung", digits(505))),
        (18, "5262.90031", 0, 400_000, format!("UNG HO CT - {}", digits(31))),
        (20, "5281.00217", 0, 600_000, "UNG HO NGAY NHA GIAO VIET NAM".to_owned()),
        (22, "5300.45510", 0, 1_200_000, format!("{}0 UNG HO", code(1230))),
        (25, "5332.10876", 0, 250_000, format!("Ung ho {}", code(88))),
        (28, "5360.70023", 0, 3_500_000, format!(
            "QUY TU THIEN HOA SEN UNG HO {} DOT 2",
            code(427)
        )),
    ];
    let mut rows = vec![
        vec![t("NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM - VIETCOMBANK")],
        vec![t("SAO KÊ TÀI KHOẢN / STATEMENT OF ACCOUNT")],
        vec![t("Số tài khoản / Account number:"), t("1029384756")],
        vec![
            t("Tên tài khoản / Account name:"),
            t("QUỸ HỖ TRỢ CHUNG TAY (MẪU THỬ)"),
        ],
        vec![
            t("Từ ngày / From: 01/11/2026"),
            t("Đến ngày / To: 30/11/2026"),
        ],
        vec![t("Số dư đầu kỳ / Opening balance:"), Cell::Money(opening)],
        vec![],
        vec![
            t("STT"),
            t("Ngày giao dịch"),
            t("Số tham chiếu"),
            t("Số tiền ghi nợ"),
            t("Số tiền ghi có"),
            t("Số dư"),
            t("Mô tả"),
        ],
    ];
    let header = rows.len() - 1;
    let mut balance = opening;
    let (mut out, mut into) = (0, 0);
    for (i, (day, reference, debit, credit, memo)) in lines.into_iter().enumerate() {
        balance += credit - debit;
        out += debit;
        into += credit;
        let money = |m: i64| if m == 0 { Cell::Empty } else { Cell::Money(m) };
        rows.push(vec![
            t(&(i + 1).to_string()),
            Cell::When(day, 11, 2026, 0, 0, 0),
            t(reference),
            money(debit),
            money(credit),
            Cell::Money(balance),
            Cell::Text(memo),
        ]);
    }
    rows.push(vec![
        Cell::Empty,
        t("Tổng cộng"),
        Cell::Empty,
        Cell::Money(out),
        Cell::Money(into),
        Cell::Empty,
        Cell::Empty,
    ]);
    rows.push(vec![]);
    rows.push(vec![
        t("Số dư cuối kỳ / Closing balance:"),
        Cell::Money(balance),
    ]);
    rows.push(vec![
        t("Người lập biểu / Prepared by"),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        t("Kiểm soát / Checked by"),
    ]);
    Sample {
        stem: "vietcombank-2026-11",
        style: Style::Vietcombank,
        sheet: "Sao ke",
        rows,
        header,
        separator: b',',
        bom: true,
    }
}

/// VietinBank, account 108870123456, 1–30 November 2026: an opening
/// balance row under the header, 15 transactions (one money out, two
/// identical transfers on one day), totals and the closing balance.
pub fn vietinbank() -> Sample {
    let opening = 8_500_000;
    // (day, hour, minute, second, memo, money out, money in, reference,
    // sender, sender's account)
    type Line = (
        u8,
        u8,
        u8,
        u8,
        String,
        i64,
        i64,
        &'static str,
        &'static str,
        &'static str,
    );
    let lines: Vec<Line> = vec![
        (
            1,
            9,
            12,
            45,
            format!("NGUYEN VAN AN chuyen khoan UNG HO {}", code(77)),
            0,
            500_000,
            "FT26305091245",
            "NGUYEN VAN AN",
            "0011002233445",
        ),
        (
            2,
            14,
            3,
            10,
            format!("PHAM THI THU HA ung ho quy ct {} TRE EM", digits(640)),
            0,
            1_000_000,
            "FT26306140310",
            "PHAM THI THU HA",
            "19033445566011",
        ),
        (
            2,
            16,
            40,
            2,
            "LE MINH KHOA UNG HO".to_owned(),
            0,
            200_000,
            "FT26306164002",
            "LE MINH KHOA",
            "0071000998877",
        ),
        (
            2,
            16,
            41,
            30,
            "LE MINH KHOA UNG HO".to_owned(),
            0,
            200_000,
            "FT26306164130",
            "LE MINH KHOA",
            "0071000998877",
        ),
        (
            3,
            8,
            0,
            0,
            "PHI DICH VU SMS BANKING THANG 10/2026".to_owned(),
            11_000,
            0,
            "FE26307080000",
            "",
            "",
        ),
        (
            5,
            10,
            22,
            5,
            format!("IBFT UNGHO{}", code(2019)),
            0,
            2_000_000,
            "FT26309102205",
            "CONG TY CP SAO VIET",
            "2101234567",
        ),
        (
            7,
            11,
            5,
            59,
            format!("Ủng hộ chương trình áo ấm - Mã {}", code(1)),
            0,
            300_000,
            "FT26311110559",
            "TRẦN THỊ LAN",
            "0123456789",
        ),
        (
            9,
            20,
            15,
            0,
            format!("DONG GOP CT:{} QUA TANG 20/11", digits(427)),
            0,
            1_000_000,
            "FT26313201500",
            "HOANG DUC MINH",
            "04401015566",
        ),
        (
            11,
            7,
            45,
            12,
            "CHUYEN TIEN UNG HO TRUNG THU (KHONG MA)".to_owned(),
            0,
            450_000,
            "FT26315074512",
            "VU THI NGOC",
            "1903998877001",
        ),
        (
            14,
            15,
            30,
            0,
            format!("{} {}", code(640), code(77)),
            0,
            800_000,
            "FT26318153000",
            "NHOM TU THIEN BAN MAI",
            "0281000445566",
        ),
        (
            16,
            9,
            9,
            9,
            format!("ung ho ct#{} ho tro hoc bong", digits(3141)),
            0,
            5_000_000,
            "FT26320090909",
            "CONG TY TNHH MINH PHAT",
            "113000665544",
        ),
        (
            19,
            13,
            0,
            45,
            "UNG HO CT 0003141 SAI SO".to_owned(),
            0,
            100_000,
            "FT26323130045",
            "DO VAN TUAN",
            "0491000223344",
        ),
        (
            21,
            18,
            20,
            20,
            format!("TRAN QUOC BAO UNG HO CT_{}", digits(2019)),
            0,
            2_500_000,
            "FT26325182020",
            "TRAN QUOC BAO",
            "0011009988776",
        ),
        (
            24,
            10,
            0,
            1,
            "LAI TIEN GUI KHONG KY HAN THANG 11".to_owned(),
            0,
            3_250,
            "IN26328100001",
            "",
            "",
        ),
        (
            27,
            12,
            12,
            12,
            format!("BUI THI HUONG CHUYEN TIEN UNG HO CT. {}", digits(88)),
            0,
            700_000,
            "FT26331121212",
            "BUI THI HUONG",
            "0601000334455",
        ),
    ];
    let mut rows = vec![
        vec![t("NGÂN HÀNG TMCP CÔNG THƯƠNG VIỆT NAM - VIETINBANK")],
        vec![t(
            "LỊCH SỬ GIAO DỊCH TÀI KHOẢN / ACCOUNT TRANSACTION HISTORY",
        )],
        vec![t("Số tài khoản / Account No: 108870123456")],
        vec![t(
            "Chủ tài khoản / Account holder: QUỸ HỖ TRỢ CHUNG TAY (MẪU THỬ)",
        )],
        vec![t("Từ ngày 01/11/2026 đến ngày 30/11/2026")],
        vec![],
        vec![
            t("STT\nNo."),
            t("Ngày hạch toán\nAccounting date"),
            t("Ngày giao dịch\nTransaction date"),
            t("Mô tả giao dịch\nTransaction description"),
            t("Nợ\nDebit"),
            t("Có\nCredit"),
            t("Số dư\nBalance"),
            t("Mã giao dịch\nTransaction number"),
            t("Tên TK đối ứng\nCorresponsive name"),
            t("Số TK đối ứng\nCorresponsive account"),
        ],
    ];
    let header = rows.len() - 1;
    rows.push(vec![
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        t("Số dư đầu kỳ"),
        Cell::Empty,
        Cell::Empty,
        Cell::Money(opening),
    ]);
    let mut balance = opening;
    let (mut out, mut into) = (0, 0);
    for (i, (day, h, m, s, memo, debit, credit, reference, name, account)) in
        lines.into_iter().enumerate()
    {
        balance += credit - debit;
        out += debit;
        into += credit;
        let money = |v: i64| if v == 0 { Cell::Empty } else { Cell::Money(v) };
        rows.push(vec![
            t(&(i + 1).to_string()),
            Cell::When(day, 11, 2026, h, m, s),
            Cell::When(day, 11, 2026, h, m, s),
            Cell::Text(memo),
            money(debit),
            money(credit),
            Cell::Money(balance),
            t(reference),
            t(name),
            t(account),
        ]);
    }
    rows.push(vec![
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        t("Tổng cộng"),
        Cell::Money(out),
        Cell::Money(into),
    ]);
    rows.push(vec![
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        t("Số dư cuối kỳ"),
        Cell::Empty,
        Cell::Empty,
        Cell::Money(balance),
    ]);
    Sample {
        stem: "vietinbank-2026-11",
        style: Style::Vietinbank,
        sheet: "Lich su giao dich",
        rows,
        header,
        separator: b';',
        bom: false,
    }
}

pub fn samples() -> Vec<Sample> {
    vec![vietcombank(), vietinbank()]
}

fn csv_text(cell: &Cell, style: Style) -> String {
    match (cell, style) {
        (Cell::Empty, _) => String::new(),
        (Cell::Text(s), _) => s.clone(),
        (Cell::Money(m), Style::Vietcombank) => grouped(*m),
        (Cell::Money(m), Style::Vietinbank) => format!("{m}.00"),
        (Cell::When(d, mo, y, ..), Style::Vietcombank) => format!("{d:02}/{mo:02}/{y}"),
        (Cell::When(d, mo, y, h, mi, s), Style::Vietinbank) => {
            format!("{d:02}/{mo:02}/{y} {h:02}:{mi:02}:{s:02}")
        }
    }
}

/// `1500000` → `1,500,000`.
fn grouped(m: i64) -> String {
    let digits = m.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if m < 0 { format!("-{out}") } else { out }
}

/// A CSV field: quoted when it holds the separator, a quote or a line
/// break.
fn field(text: &str, separator: u8) -> String {
    let special = text
        .bytes()
        .any(|b| b == separator || b == b'"' || b == b'\n' || b == b'\r');
    if special {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The sample as CSV, lines ending in CRLF: title lines carry only their
/// own cells and blank rows are empty lines, as banks write them.
pub fn csv_bytes(sample: &Sample) -> Vec<u8> {
    let mut out = String::new();
    if sample.bom {
        out.push('\u{feff}');
    }
    let separator = char::from(sample.separator);
    for row in &sample.rows {
        let fields: Vec<String> = row
            .iter()
            .map(|c| field(&csv_text(c, sample.style), sample.separator))
            .collect();
        out.push_str(&fields.join(&separator.to_string()));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// The sample as a workbook: merged title cells, a bold wrapped header,
/// amounts as numbers with thousands separators.
pub fn xlsx_bytes(sample: &Sample) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let fixed = ExcelDateTime::from_ymd(2026, 12, 1)?.and_hms(8, 0, 0.0)?;
    book.set_properties(
        &DocProperties::new()
            .set_creation_datetime(&fixed)
            .set_author("Chung Tay (mẫu)"),
    );
    let width = sample.rows.get(sample.header).map_or(1, Vec::len);
    let last_col = u16::try_from(width.saturating_sub(1)).unwrap_or(0);
    let header = CellFormat::new().set_bold().set_text_wrap();
    let title = CellFormat::new().set_bold();
    let money = CellFormat::new().set_num_format("#,##0");
    let when = CellFormat::new().set_num_format("dd/mm/yyyy hh:mm:ss");
    let sheet = book.add_worksheet();
    sheet.set_name(sample.sheet)?;
    for (r, row) in (0u32..).zip(&sample.rows) {
        let r_usize = usize::try_from(r).unwrap_or(usize::MAX);
        if r_usize < 2 {
            // Bank name and statement title span the table's width.
            let text = match row.first() {
                Some(Cell::Text(s)) => s.as_str(),
                _ => "",
            };
            sheet.merge_range(r, 0, r, last_col, text, &title)?;
            continue;
        }
        for (c, cell) in (0u16..).zip(row) {
            match cell {
                Cell::Empty => {}
                Cell::Text(s) if r_usize == sample.header => {
                    sheet.write_string_with_format(r, c, s, &header)?;
                }
                Cell::Text(s) => {
                    sheet.write_string(r, c, s)?;
                }
                Cell::Money(m) => {
                    sheet.write_number_with_format(r, c, *m as f64, &money)?;
                }
                Cell::When(d, mo, y, h, mi, s) => match sample.style {
                    Style::Vietcombank => {
                        sheet.write_string(r, c, format!("{d:02}/{mo:02}/{y}"))?;
                    }
                    Style::Vietinbank => {
                        let at = ExcelDateTime::from_ymd(*y, *mo, *d)?.and_hms(
                            u16::from(*h),
                            *mi,
                            f64::from(*s),
                        )?;
                        sheet.write_datetime_with_format(r, c, &at, &when)?;
                    }
                },
            }
        }
    }
    for c in 0..=last_col {
        sheet.set_column_width(c, if c == 0 { 6.0 } else { 18.0 })?;
    }
    book.save_to_buffer()
}

/// Where the samples live: `docs/samples/statements` of the repository.
pub fn default_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/samples/statements")
}

fn main() -> Result<(), Box<dyn Error>> {
    let dir = std::env::args_os()
        .nth(1)
        .map_or_else(default_dir, PathBuf::from);
    std::fs::create_dir_all(&dir)?;
    for sample in samples() {
        let csv = dir.join(format!("{}.csv", sample.stem));
        std::fs::write(&csv, csv_bytes(&sample))?;
        let xlsx = dir.join(format!("{}.xlsx", sample.stem));
        std::fs::write(&xlsx, xlsx_bytes(&sample)?)?;
        println!("{}\n{}", csv.display(), xlsx.display());
    }
    Ok(())
}
