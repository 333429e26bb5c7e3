//! Bank statements: the money that came into an account, read from the
//! bank's own CSV or XLSX export, so transfers can be matched to pledges
//! by the pledge code in their memo.
//!
//! Banks put title rows above the table (bank name, account, period), so
//! the header row is looked for among the first 30 non-blank rows. Its
//! columns are read through a [`ColumnMapping`]: one of the [`presets`]
//! (recognised from the header row) or one the officer chose and stored as
//! JSON. Only money in becomes a [`StatementLine`]; money out, opening and
//! closing balances, totals rows and the signatures below are skipped and
//! listed in [`Statement::skipped`].
//!
//! As with the other imports, a file with any malformed amount or date is
//! refused as a whole, with every problem named by row and column
//! (`dòng 7, cột E (Số tiền ghi có): … / row 7, column E (Số tiền ghi có): …`).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::LazyLock;

use chrono::format::{Item, StrftimeItems};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::Format;
use crate::problem::{self, Problem, column_letters};
use crate::table::{Grid, Row, Table, read_grid};
use crate::values::{self, NumberError, fold};

/// How many non-blank rows from the top may hold the header row.
pub const HEADER_SCAN_ROWS: usize = 30;

/// One transfer into the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementLine {
    /// The row in the file as a person sees it in Excel (1-based; title
    /// rows and the header count).
    pub row: usize,
    pub booked_on: NaiveDate,
    /// Đồng, above zero (money in).
    pub amount: i64,
    /// The transfer's description as the bank wrote it (NFC, runs of white
    /// space collapsed).
    pub memo: String,
    /// The bank's transaction reference, if the layout has one.
    pub bank_ref: Option<String>,
    pub counterparty: Option<String>,
    pub counterparty_account: Option<String>,
    /// The balance after the transfer, if the layout has one.
    pub balance: Option<i64>,
    /// How many earlier lines of the same file are identical to this one
    /// (same date and reference, or — without a reference — same date,
    /// amount, balance and memo): 0 for the first. Part of
    /// [`StatementLine::dedupe_key`], so identical transfers are all kept.
    pub occurrence: u32,
}

impl StatementLine {
    /// A key that is the same for this transfer in every export that
    /// contains it, so re-importing overlapping statements adds each
    /// transfer once. Plain text, no hash, so it can be read:
    ///
    /// - with a bank reference: `account|date|ref:REFERENCE|#occurrence`
    ///   (the date is kept because some banks number references per day);
    /// - without: `account|date|amount|balance|#occurrence|memo`, the memo
    ///   folded (case, diacritics, punctuation) and last, so a `|` in it
    ///   cannot shift the other fields; `-` for no balance.
    ///
    /// Trade-off: two identical transfers on one day without a reference
    /// and without a balance differ only by their order, so the occurrence
    /// index (0, 1, …) tells them apart. Two exports agree on it as long as
    /// each covers the whole day; an export cut in the middle of a day
    /// could number a later identical transfer as an earlier one. Bank
    /// statements cover whole days, and a balance column (which differs
    /// after each transfer) removes the question.
    pub fn dedupe_key(&self, account: &str) -> String {
        let account: String = account.chars().filter(|c| !c.is_whitespace()).collect();
        let date = self.booked_on.format("%Y-%m-%d");
        match &self.bank_ref {
            Some(reference) => format!(
                "{account}|{date}|ref:{}|#{}",
                reference_key(reference),
                self.occurrence
            ),
            None => {
                let balance = self
                    .balance
                    .map_or_else(|| "-".to_owned(), |b| b.to_string());
                format!(
                    "{account}|{date}|{}|{balance}|#{}|{}",
                    self.amount,
                    self.occurrence,
                    memo_key(&self.memo)
                )
            }
        }
    }

    /// The pledge numbers whose codes (with a valid check digit) appear in
    /// the memo, in order.
    pub fn pledge_numbers(&self) -> Vec<u32> {
        domain::needs::pledge_code::find_in_memo(&self.memo)
    }
}

/// A reference as a key: no white space, upper case.
fn reference_key(reference: &str) -> String {
    reference
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

/// A memo as a key: folded, letters and digits only, single spaces.
fn memo_key(memo: &str) -> String {
    let spaced: String = fold(memo)
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// How money in is told from money out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AmountSign {
    /// Two columns: `credit` holds money in, `debit` money out, each
    /// written as a positive number (a minus sign in the debit column is
    /// accepted). Most Vietnamese banks export this way.
    #[default]
    Separate,
    /// One column, named by `credit`: above zero is money in, below zero
    /// money out. `debit` must not be given.
    Signed,
}

/// Which statement columns hold what, by header text. Headers are matched
/// ignoring case, spaces and punctuation; diacritics count, but a header
/// written without them (`So tien ghi co`) is still found when nothing
/// matches with them. A bilingual header (`Số tiền ghi có / Credit`)
/// matches either of its halves.
///
/// Stored as JSON, e.g.
/// `{"date": "Ngày GD", "credit": "Ghi có", "debit": "Ghi nợ", "memo": "Nội dung"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnMapping {
    /// The booking date.
    pub date: String,
    /// Money in (or, with [`AmountSign::Signed`], the signed amount).
    pub credit: String,
    /// Money out, with [`AmountSign::Separate`]. Without it, every
    /// non-blank amount in `credit` is money in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub debit: Option<String>,
    #[serde(default)]
    pub amount_sign: AmountSign,
    /// The transfer's description, where donors write the pledge code.
    pub memo: String,
    /// The bank's transaction reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The sender's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterparty: Option<String>,
    /// The sender's account number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterparty_account: Option<String>,
    /// The balance after each transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance: Option<String>,
    /// Extra date formats (chrono `strftime` syntax, e.g. `%Y%m%d` or
    /// `%m/%d/%Y %H:%M`), tried in order before the default reading:
    /// day first, `dd/mm/yyyy` with `/`, `-` or `.`, or ISO `yyyy-mm-dd`,
    /// each optionally followed by a time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub date_format: Vec<String>,
    /// The spreadsheet row of the header, when it should not be looked
    /// for (1-based, as Excel shows it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_row: Option<usize>,
}

/// A field of a statement line, for naming it in problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Field {
    Date,
    Credit,
    Debit,
    Memo,
    Reference,
    Counterparty,
    CounterpartyAccount,
    Balance,
}

impl Field {
    fn vi(self) -> &'static str {
        match self {
            Field::Date => "ngày",
            Field::Credit => "tiền vào (ghi có)",
            Field::Debit => "tiền ra (ghi nợ)",
            Field::Memo => "nội dung",
            Field::Reference => "số tham chiếu",
            Field::Counterparty => "tên người chuyển",
            Field::CounterpartyAccount => "tài khoản người chuyển",
            Field::Balance => "số dư",
        }
    }

    fn en(self) -> &'static str {
        match self {
            Field::Date => "date",
            Field::Credit => "money in (credit)",
            Field::Debit => "money out (debit)",
            Field::Memo => "memo",
            Field::Reference => "reference",
            Field::Counterparty => "sender's name",
            Field::CounterpartyAccount => "sender's account",
            Field::Balance => "balance",
        }
    }
}

impl ColumnMapping {
    /// The columns the mapping names, with their fields.
    fn named(&self) -> Vec<(Field, &str)> {
        let mut out = vec![
            (Field::Date, self.date.as_str()),
            (Field::Credit, self.credit.as_str()),
        ];
        if let Some(debit) = &self.debit {
            out.push((Field::Debit, debit.as_str()));
        }
        out.push((Field::Memo, self.memo.as_str()));
        let optional = [
            (Field::Reference, &self.reference),
            (Field::Counterparty, &self.counterparty),
            (Field::CounterpartyAccount, &self.counterparty_account),
            (Field::Balance, &self.balance),
        ];
        for (field, name) in optional {
            if let Some(name) = name {
                out.push((field, name.as_str()));
            }
        }
        out
    }

    /// Checks the mapping on its own: names not blank, no column named for
    /// two amounts, signed amounts without a debit column, date formats
    /// that chrono understands, a header row from 1.
    pub fn validate(&self) -> Result<(), Vec<Problem>> {
        let mut problems = Vec::new();
        for (field, name) in self.named() {
            if values::compact_key(name).is_empty() {
                problems.push(Problem::file(
                    format!("cách đọc cột: tên cột cho {} đang trống", field.vi()),
                    format!("column mapping: the column for the {} is blank", field.en()),
                ));
            }
        }
        if let Some(debit) = &self.debit {
            if self.amount_sign == AmountSign::Signed {
                problems.push(Problem::file(
                    "cách đọc cột: \"amount_sign\": \"signed\" dùng một cột số tiền có dấu (cột \"credit\"); bỏ \"debit\" đi",
                    "column mapping: \"amount_sign\": \"signed\" reads one signed amount column (\"credit\"); remove \"debit\"",
                ));
            } else if values::compact_key(debit) == values::compact_key(&self.credit) {
                problems.push(Problem::file(
                    format!("cách đọc cột: cột \"{debit}\" được chỉ cho cả tiền vào và tiền ra"),
                    format!("column mapping: \"{debit}\" is named for both money in and money out"),
                ));
            }
        }
        for f in &self.date_format {
            let broken = f.trim().is_empty()
                || StrftimeItems::new(f).any(|item| matches!(item, Item::Error));
            if broken {
                problems.push(Problem::file(
                    format!("cách đọc cột: định dạng ngày \"{f}\" không hợp lệ (ví dụ đúng: %d/%m/%Y %H:%M:%S)"),
                    format!("column mapping: the date format \"{f}\" is not valid (e.g. %d/%m/%Y %H:%M:%S)"),
                ));
            }
        }
        if self.header_row == Some(0) {
            problems.push(Problem::file(
                "cách đọc cột: dòng tiêu đề đánh số từ 1 như trong Excel",
                "column mapping: the header row is numbered from 1, as in Excel",
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

/// A known bank export layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preset {
    /// Stable identifier, e.g. `vietcombank`.
    pub id: &'static str,
    pub bank: &'static str,
    /// What the export is called and where it comes from.
    pub description_vi: &'static str,
    pub description_en: &'static str,
    /// Its columns. Every column named here must be in a header row for
    /// the preset to be recognised.
    pub mapping: ColumnMapping,
}

impl Preset {
    /// Whether a header row has every column of this layout, each once.
    pub fn matches(&self, headers: &[String]) -> bool {
        resolve(&self.mapping, headers).is_ok()
    }
}

fn column(s: &str) -> Option<String> {
    Some(s.to_owned())
}

static PRESETS: LazyLock<Vec<Preset>> = LazyLock::new(|| {
    vec![
        Preset {
            id: "vietcombank",
            bank: "Vietcombank",
            description_vi: "Sao kê tài khoản của Vietcombank (VCB Digibiz / VCB Digibank, tải về dạng Excel hoặc CSV): STT, Ngày giao dịch, Số tham chiếu, Số tiền ghi nợ, Số tiền ghi có, Số dư, Mô tả",
            description_en: "Vietcombank account statement (VCB Digibiz / VCB Digibank, downloaded as Excel or CSV): STT, Ngày giao dịch, Số tham chiếu, Số tiền ghi nợ, Số tiền ghi có, Số dư, Mô tả",
            mapping: ColumnMapping {
                date: "Ngày giao dịch".to_owned(),
                credit: "Số tiền ghi có".to_owned(),
                debit: column("Số tiền ghi nợ"),
                amount_sign: AmountSign::Separate,
                memo: "Mô tả".to_owned(),
                reference: column("Số tham chiếu"),
                counterparty: None,
                counterparty_account: None,
                balance: column("Số dư"),
                date_format: Vec::new(),
                header_row: None,
            },
        },
        Preset {
            id: "vietinbank",
            bank: "VietinBank",
            description_vi: "Lịch sử giao dịch của VietinBank (VietinBank eFAST / iPay, tải về dạng Excel hoặc CSV): STT, Ngày hạch toán, Ngày giao dịch, Mô tả giao dịch, Nợ, Có, Số dư, Mã giao dịch, Tên TK đối ứng, Số TK đối ứng",
            description_en: "VietinBank transaction history (VietinBank eFAST / iPay, downloaded as Excel or CSV): STT, Ngày hạch toán, Ngày giao dịch, Mô tả giao dịch, Nợ, Có, Số dư, Mã giao dịch, Tên TK đối ứng, Số TK đối ứng",
            mapping: ColumnMapping {
                date: "Ngày hạch toán".to_owned(),
                credit: "Có".to_owned(),
                debit: column("Nợ"),
                amount_sign: AmountSign::Separate,
                memo: "Mô tả giao dịch".to_owned(),
                reference: column("Mã giao dịch"),
                counterparty: column("Tên TK đối ứng"),
                counterparty_account: column("Số TK đối ứng"),
                balance: column("Số dư"),
                date_format: Vec::new(),
                header_row: None,
            },
        },
        Preset {
            id: "bidv",
            bank: "BIDV",
            description_vi: "Sao kê tài khoản của BIDV (BIDV iBank / SmartBanking, tải về dạng Excel hoặc CSV): STT, Ngày hiệu lực, Ghi nợ, Ghi có, Số dư, Mô tả",
            description_en: "BIDV account statement (BIDV iBank / SmartBanking, downloaded as Excel or CSV): STT, Ngày hiệu lực, Ghi nợ, Ghi có, Số dư, Mô tả",
            mapping: ColumnMapping {
                date: "Ngày hiệu lực".to_owned(),
                credit: "Ghi có".to_owned(),
                debit: column("Ghi nợ"),
                amount_sign: AmountSign::Separate,
                memo: "Mô tả".to_owned(),
                reference: None,
                counterparty: None,
                counterparty_account: None,
                balance: column("Số dư"),
                date_format: Vec::new(),
                header_row: None,
            },
        },
    ]
});

/// The known bank layouts.
pub fn presets() -> Vec<Preset> {
    PRESETS.clone()
}

/// A known layout by its id.
pub fn preset(id: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.id == id)
}

/// The preset whose columns are all in the table's header row; when more
/// than one fits, the one naming the most columns.
pub fn detect(table: &Table) -> Option<&'static Preset> {
    preset_for(&table.headers)
}

fn preset_for(headers: &[String]) -> Option<&'static Preset> {
    PRESETS
        .iter()
        .filter(|p| p.matches(headers))
        .max_by_key(|p| (p.mapping.named().len(), std::cmp::Reverse(p.id)))
}

/// A statement as read: where its header is, how it was read, the
/// transfers in, and what was left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The id of the preset that recognised the layout; `None` when a
    /// mapping was given.
    pub preset: Option<&'static str>,
    /// The mapping the file was read with.
    pub mapping: ColumnMapping,
    /// Spreadsheet row of the header.
    pub header_row: usize,
    pub headers: Vec<String>,
    /// Money in, top to bottom.
    pub lines: Vec<StatementLine>,
    /// Rows below the header that are not money in, and why.
    pub skipped: Vec<SkippedRow>,
}

impl Statement {
    /// How many rows were money out.
    pub fn debits_skipped(&self) -> usize {
        self.skipped
            .iter()
            .filter(|s| s.reason == SkipReason::Debit)
            .count()
    }

    /// Money in, in đồng.
    pub fn total_in(&self) -> i64 {
        self.lines.iter().map(|l| l.amount).sum()
    }
}

/// A row below the header that is not a transfer in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SkippedRow {
    pub row: usize,
    pub reason: SkipReason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// Money out.
    Debit,
    /// A dated row with no amount in either column (or zero).
    ZeroAmount,
    /// A totals row (`Tổng cộng`, `Tổng số`, `Cộng phát sinh`, `Total`).
    /// Rows below it are [`SkipReason::BelowTotals`].
    Total,
    /// `Số dư đầu kỳ` / opening balance.
    OpeningBalance,
    /// `Số dư cuối kỳ` / closing balance; rows below it are
    /// [`SkipReason::BelowTotals`].
    ClosingBalance,
    /// The header repeated (exports that repeat it on every page).
    RepeatedHeader,
    /// Every column the mapping reads is blank (e.g. only `STT` is filled).
    NoData,
    /// Below the totals or closing balance: signatures, notes.
    BelowTotals,
}

/// Why a statement was refused. Every variant carries problems to show,
/// row and column first, in Vietnamese and English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportProblems {
    /// Not a CSV or XLSX file, not UTF-8, not a workbook, or empty.
    Unreadable(Vec<Problem>),
    /// The column mapping is inconsistent on its own.
    BadMapping(Vec<Problem>),
    /// No mapping was given and no preset recognises a header row; the
    /// problem lists the headers found.
    UnknownLayout {
        header_row: usize,
        headers: Vec<String>,
        problems: Vec<Problem>,
    },
    /// The mapping names columns the file does not have (or has twice).
    MissingColumns {
        missing: Vec<String>,
        problems: Vec<Problem>,
    },
    /// Rows that cannot be read: malformed amounts and dates, money both in
    /// and out on one row, merged cells. Every one is listed; nothing is
    /// imported.
    InvalidRows(Vec<Problem>),
}

impl ImportProblems {
    pub fn problems(&self) -> &[Problem] {
        match self {
            ImportProblems::Unreadable(p)
            | ImportProblems::BadMapping(p)
            | ImportProblems::InvalidRows(p)
            | ImportProblems::UnknownLayout { problems: p, .. }
            | ImportProblems::MissingColumns { problems: p, .. } => p,
        }
    }
}

impl fmt::Display for ImportProblems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems().iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ImportProblems {}

// ---------------------------------------------------------------- headers

/// Lower case, letters and digits only, diacritics kept.
fn exact_key(s: &str) -> String {
    domain::text::clean(s)
        .chars()
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// The ways a header can be named: whole, each half of a bilingual header
/// (`/`, line break or `|`), each without a trailing note in brackets.
fn header_parts(header: &str) -> Vec<&str> {
    let mut parts = vec![header];
    for part in header.split(['/', '\n', '|']) {
        parts.push(part);
        if let Some((before, _)) = part.split_once('(') {
            parts.push(before);
        }
    }
    parts
}

/// How well a header fits a name: 2 with diacritics, 1 without.
fn match_level(header: &str, name: &str) -> Option<u8> {
    let exact = exact_key(name);
    if exact.is_empty() {
        return None;
    }
    let parts = header_parts(header);
    if parts.iter().any(|p| exact_key(p) == exact) {
        return Some(2);
    }
    let folded = values::compact_key(name);
    parts
        .iter()
        .any(|p| values::compact_key(p) == folded)
        .then_some(1)
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Lookup {
    Missing,
    Ambiguous(Vec<usize>),
}

/// A mapped column that was not found: its field, its name, why.
type Failure = (Field, String, Lookup);

/// The column a name points at: the best-matching header, if only one
/// column matches that well.
fn find_column(headers: &[String], name: &str) -> Result<usize, Lookup> {
    let levels: Vec<(usize, u8)> = headers
        .iter()
        .enumerate()
        .filter_map(|(i, h)| match_level(h, name).map(|l| (i, l)))
        .collect();
    let Some(best) = levels.iter().map(|&(_, l)| l).max() else {
        return Err(Lookup::Missing);
    };
    let at: Vec<usize> = levels
        .iter()
        .filter(|&&(_, l)| l == best)
        .map(|&(i, _)| i)
        .collect();
    match at.as_slice() {
        [one] => Ok(*one),
        _ => Err(Lookup::Ambiguous(at)),
    }
}

/// Column indexes of the mapped fields.
#[derive(Debug, Clone, Default)]
struct Columns {
    index: HashMap<Field, usize>,
}

impl Columns {
    fn get(&self, field: Field) -> Option<usize> {
        self.index.get(&field).copied()
    }
}

/// Resolves every column a mapping names, or says which ones fail.
fn resolve(mapping: &ColumnMapping, headers: &[String]) -> Result<Columns, Vec<Failure>> {
    let mut index = HashMap::new();
    let mut failures = Vec::new();
    for (field, name) in mapping.named() {
        match find_column(headers, name) {
            Ok(i) => {
                index.insert(field, i);
            }
            Err(e) => failures.push((field, name.to_owned(), e)),
        }
    }
    if failures.is_empty() {
        Ok(Columns { index })
    } else {
        Err(failures)
    }
}

/// A row that may be the header: its number and its cells as headers.
struct Candidate {
    row: usize,
    headers: Vec<String>,
}

/// A header cell as text: a line break (a bilingual header on two lines,
/// `Nợ` above `Debit`) becomes ` / `; NFC, spaces collapsed.
fn header_text(cell: &str) -> String {
    let lines: Vec<String> = cell
        .lines()
        .map(domain::text::clean)
        .filter(|l| !l.is_empty())
        .collect();
    lines.join(" / ")
}

/// Header cells of a row: NFC, trimmed; a blank cell under a merge that
/// starts on a row above (a two-row header: `Ngày giao dịch` merged over
/// two rows, `Ghi nợ` / `Ghi có` under a merged `Số tiền`) takes the merged
/// text.
fn header_cells(grid: &Grid, rows: &HashMap<usize, &Vec<String>>, number: usize) -> Vec<String> {
    let cells = rows.get(&number).map(|c| c.as_slice()).unwrap_or_default();
    cells
        .iter()
        .enumerate()
        .map(|(col, cell)| {
            let text = header_text(cell);
            if !text.is_empty() {
                return text;
            }
            grid.merges
                .iter()
                .find_map(|&((r0, c0), (r1, _))| {
                    let first = usize::try_from(r0).ok()? + 1;
                    let last = usize::try_from(r1).ok()? + 1;
                    let c0 = usize::try_from(c0).ok()?;
                    (first < number && number <= last && c0 == col).then(|| {
                        rows.get(&first)
                            .and_then(|r| r.get(c0))
                            .map(|t| header_text(t))
                    })?
                })
                .unwrap_or_default()
        })
        .collect()
}

fn quoted_list(headers: &[String]) -> String {
    headers
        .iter()
        .enumerate()
        .filter(|(_, h)| !h.is_empty())
        .map(|(i, h)| format!("{} \"{h}\"", column_letters(i)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn unknown_layout(candidates: &[Candidate]) -> ImportProblems {
    let widest = candidates
        .iter()
        .max_by_key(|c| {
            (
                c.headers.iter().filter(|h| !h.is_empty()).count(),
                std::cmp::Reverse(c.row),
            )
        })
        .map(|c| (c.row, c.headers.clone()))
        .unwrap_or_default();
    let (row, headers) = widest;
    let known = PRESETS
        .iter()
        .map(|p| {
            format!(
                "{} ({})",
                p.bank,
                p.mapping
                    .named()
                    .iter()
                    .map(|(_, n)| format!("\"{n}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let found = quoted_list(&headers);
    let problem = Problem::at(
        row,
        None,
        format!(
            "Không nhận ra định dạng sao kê; hãy chọn cách đọc cột (cột nào là ngày, tiền vào, nội dung…). Dòng có vẻ là tiêu đề có các cột: {found}. Các định dạng đã biết: {known}"
        ),
        format!(
            "Unknown statement layout; choose a column mapping (which column is the date, the money in, the memo…). The row that looks like the header has the columns: {found}. Known layouts: {known}"
        ),
    );
    ImportProblems::UnknownLayout {
        header_row: row,
        headers,
        problems: vec![problem],
    }
}

fn missing_columns(candidate: &Candidate, failures: &[Failure], hinted: bool) -> ImportProblems {
    let found = quoted_list(&candidate.headers);
    let row = candidate.row;
    let problems = failures
        .iter()
        .map(|(field, name, lookup)| match lookup {
            Lookup::Missing => Problem::at(
                row,
                None,
                format!(
                    "cách đọc cột chỉ cột \"{name}\" ({}) nhưng dòng tiêu đề{} không có cột đó; các cột của tệp: {found}",
                    field.vi(),
                    if hinted { " đã chỉ" } else { "" }
                ),
                format!(
                    "the column mapping names the column \"{name}\" ({}) but the{} header row has no such column; the file's columns: {found}",
                    field.en(),
                    if hinted { " given" } else { "" }
                ),
            ),
            Lookup::Ambiguous(at) => {
                let cols = at
                    .iter()
                    .map(|&i| column_letters(i))
                    .collect::<Vec<_>>()
                    .join(", ");
                Problem::at(
                    row,
                    None,
                    format!(
                        "cách đọc cột chỉ cột \"{name}\" ({}) nhưng có nhiều cột khớp ({cols}); hãy ghi tên cột đầy đủ hơn",
                        field.vi()
                    ),
                    format!(
                        "the column mapping names the column \"{name}\" ({}) but several columns match ({cols}); give a fuller header",
                        field.en()
                    ),
                )
            }
        })
        .collect();
    ImportProblems::MissingColumns {
        missing: failures.iter().map(|(_, n, _)| n.clone()).collect(),
        problems,
    }
}

/// Finds the header row for a given mapping: the hinted row, else the first
/// candidate where every named column is found. When none fits, the
/// candidate that fits best names what is missing.
fn locate(
    mapping: &ColumnMapping,
    grid: &Grid,
    rows: &HashMap<usize, &Vec<String>>,
    candidates: &[Candidate],
) -> Result<(usize, Vec<String>, Columns), ImportProblems> {
    if let Some(row) = mapping.header_row {
        let candidate = Candidate {
            row,
            headers: header_cells(grid, rows, row),
        };
        return match resolve(mapping, &candidate.headers) {
            Ok(columns) => Ok((row, candidate.headers, columns)),
            Err(failures) => Err(missing_columns(&candidate, &failures, true)),
        };
    }
    let mut best: Option<(&Candidate, Vec<Failure>)> = None;
    for candidate in candidates {
        match resolve(mapping, &candidate.headers) {
            Ok(columns) => return Ok((candidate.row, candidate.headers.clone(), columns)),
            Err(failures) => {
                let better = best.as_ref().is_none_or(|(_, f)| failures.len() < f.len());
                if better {
                    best = Some((candidate, failures));
                }
            }
        }
    }
    match best {
        Some((candidate, failures)) if failures.len() < mapping.named().len() => {
            Err(missing_columns(candidate, &failures, false))
        }
        _ => {
            // Nothing matched anywhere: name the row that looks most like a
            // header.
            let widest = candidates
                .iter()
                .max_by_key(|c| {
                    (
                        c.headers.iter().filter(|h| !h.is_empty()).count(),
                        std::cmp::Reverse(c.row),
                    )
                })
                .ok_or_else(|| ImportProblems::Unreadable(vec![empty_statement()]))?;
            let failures = resolve(mapping, &widest.headers).err().unwrap_or_default();
            Err(missing_columns(widest, &failures, false))
        }
    }
}

fn empty_statement() -> Problem {
    Problem::file(
        "tệp rỗng: không có dòng nào; hãy tải lại sao kê từ ngân hàng",
        "the file is empty: no rows; download the statement from the bank again",
    )
}

fn unsupported(file_name: &str) -> Problem {
    Problem::file(
        format!(
            "không đọc được tệp \"{file_name}\": sao kê cần ở dạng .xlsx hoặc .csv (mã UTF-8); tệp .xls hãy mở bằng Excel và lưu lại dạng .xlsx"
        ),
        format!(
            "cannot read \"{file_name}\": the statement must be .xlsx or .csv (UTF-8); open an .xls file in Excel and save it as .xlsx"
        ),
    )
}

// ---------------------------------------------------------------- cells

/// A cell standing for "nothing": blank, or a dash.
fn is_blank(raw: &str) -> bool {
    matches!(raw.trim(), "" | "-" | "–" | "—")
}

/// Whether the text after a date is a time: `10:15`, `10:15:32`,
/// `10:15:32.123`, optionally `AM`/`PM` (`SA`/`CH` in Vietnamese).
fn is_time(s: &str) -> bool {
    let s = s.trim().trim_start_matches('-').trim();
    let upper = s.to_uppercase();
    let clock = ["AM", "PM", "SA", "CH"]
        .iter()
        .find_map(|m| upper.strip_suffix(m))
        .map_or(upper.as_str(), str::trim_end);
    let (hms, fraction) = clock.split_once('.').unwrap_or((clock, "0"));
    let parts: Vec<&str> = hms.split(':').collect();
    (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| (1..=2).contains(&p.len()) && p.chars().all(|c| c.is_ascii_digit()))
        && !fraction.is_empty()
        && fraction.chars().all(|c| c.is_ascii_digit())
}

/// A date as banks write it, with the mapping's formats tried first.
fn parse_statement_date(raw: &str, formats: &[String]) -> Option<NaiveDate> {
    let s = raw.trim();
    for f in formats {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, f) {
            return Some(dt.date());
        }
        if let Ok(d) = NaiveDate::parse_from_str(s, f) {
            return Some(d);
        }
    }
    if let Some(d) = values::parse_date(s) {
        return Some(d);
    }
    // A date followed by a time: `03/11/2026 10:15:32`, `2026-11-03T10:15`.
    let split = s
        .find(char::is_whitespace)
        .or_else(|| s.find('T').filter(|&i| i == 10));
    let (date, time) = s.split_at(split?);
    let time = time.strip_prefix('T').unwrap_or(time);
    if is_time(time) {
        values::parse_date(date)
    } else {
        None
    }
}

/// What a cell says if it labels a summary row: `Tổng cộng`, `Tổng số`,
/// `Cộng phát sinh`, `Total` (a totals row), `Số dư đầu kỳ` / opening
/// balance, `Số dư cuối kỳ` / closing balance. The label must start the
/// cell and end at a word boundary; `Tổng`, `Cộng` alone must be the whole
/// cell. Diacritics count when the cell has them (`Tổng công ty …` is not
/// `Tổng cộng`); a cell without any is compared folded.
fn summary_label(cell: &str) -> Option<SkipReason> {
    const LABELS: &[(&str, SkipReason, bool)] = &[
        ("số dư đầu", SkipReason::OpeningBalance, false),
        ("dư đầu kỳ", SkipReason::OpeningBalance, false),
        ("đầu kỳ", SkipReason::OpeningBalance, true),
        ("opening balance", SkipReason::OpeningBalance, false),
        ("beginning balance", SkipReason::OpeningBalance, false),
        ("số dư cuối", SkipReason::ClosingBalance, false),
        ("dư cuối kỳ", SkipReason::ClosingBalance, false),
        ("cuối kỳ", SkipReason::ClosingBalance, true),
        ("closing balance", SkipReason::ClosingBalance, false),
        ("ending balance", SkipReason::ClosingBalance, false),
        ("tổng cộng", SkipReason::Total, false),
        ("tổng số", SkipReason::Total, false),
        ("tổng phát sinh", SkipReason::Total, false),
        ("cộng phát sinh", SkipReason::Total, false),
        ("total", SkipReason::Total, false),
        ("tổng", SkipReason::Total, true),
        ("cộng", SkipReason::Total, true),
    ];
    let lower = domain::text::clean(cell).to_lowercase();
    let lower = lower.trim_end_matches(':').trim_end();
    if lower.is_empty() {
        return None;
    }
    let folded = fold(lower);
    let ascii = lower.is_ascii();
    LABELS.iter().find_map(|&(label, kind, whole)| {
        let (text, key) = if ascii {
            (folded.as_str(), fold(label))
        } else {
            (lower, label.to_owned())
        };
        let hit = text == key
            || (!whole
                && text
                    .strip_prefix(key.as_str())
                    .is_some_and(|rest| rest.starts_with(|c: char| !c.is_alphanumeric())));
        hit.then_some(kind)
    })
}

/// Whether a row summarises rather than records a transfer: a summary
/// label in the date column, or in any column when the date is blank. A
/// row with a malformed date and a name like `Tống …` stays a row to
/// report, not a total to skip.
fn summary_kind(row: &Row, date_col: usize) -> Option<SkipReason> {
    let date_blank = row.cell(date_col).trim().is_empty();
    row.cells
        .iter()
        .enumerate()
        .filter(|&(i, _)| date_blank || i == date_col)
        .find_map(|(_, cell)| summary_label(cell))
}

/// Reads the cells of one row, collecting problems.
struct RowReader<'a> {
    row: &'a Row,
    columns: &'a Columns,
    headers: &'a [String],
    problems: Vec<Problem>,
}

impl RowReader<'_> {
    fn label(&self, field: Field) -> Option<String> {
        self.columns.get(field).map(|i| {
            let header = self.headers.get(i).map_or("", String::as_str);
            format!("{} ({header})", column_letters(i))
        })
    }

    fn raw(&self, field: Field) -> &str {
        self.columns
            .get(field)
            .map_or("", |i| self.row.cell(i))
            .trim()
    }

    fn text(&self, field: Field) -> Option<String> {
        let t = domain::text::clean(self.raw(field));
        (!t.is_empty()).then_some(t)
    }

    fn problem(&mut self, field: Field, vi: String, en: String) {
        let label = self.label(field);
        self.problems
            .push(Problem::at(self.row.number, label, vi, en));
    }

    /// An amount in đồng; a blank cell is `Some(0)`.
    fn amount(&mut self, field: Field) -> Option<i64> {
        let raw = self.raw(field).to_owned();
        if is_blank(&raw) {
            return Some(0);
        }
        match values::parse_whole_number(&raw) {
            Ok(n) => Some(n),
            Err(e) => {
                let (vi, en) = amount_problem(&raw, e, field);
                self.problem(field, vi, en);
                None
            }
        }
    }

    fn date(&mut self, formats: &[String]) -> Option<NaiveDate> {
        let raw = self.raw(Field::Date).to_owned();
        if let Some(d) = parse_statement_date(&raw, formats) {
            return Some(d);
        }
        let extra = if formats.is_empty() {
            String::new()
        } else {
            format!(" / {}", formats.join(", "))
        };
        let (vi, en) = if raw.is_empty() {
            (
                format!("ô ngày trống; cần ngày dạng dd/mm/yyyy{extra}, ví dụ 03/11/2026"),
                format!("the date is blank; expected a date as dd/mm/yyyy{extra}, e.g. 03/11/2026"),
            )
        } else {
            (
                format!(
                    "\"{raw}\" không phải là ngày; cần ngày dạng dd/mm/yyyy{extra} (có thể kèm giờ), ví dụ 03/11/2026 hoặc 03/11/2026 10:15:32"
                ),
                format!(
                    "\"{raw}\" is not a date; expected dd/mm/yyyy{extra} (a time may follow), e.g. 03/11/2026 or 03/11/2026 10:15:32"
                ),
            )
        };
        self.problem(Field::Date, vi, en);
        None
    }
}

fn amount_problem(raw: &str, e: NumberError, field: Field) -> (String, String) {
    let (what_vi, what_en) = (field.vi(), field.en());
    match e {
        NumberError::NotANumber => (
            format!(
                "\"{raw}\" không phải là số tiền ({what_vi}); cần số đồng viết bằng chữ số, ví dụ 1500000, 1.500.000, 1,500,000 hoặc 1500000.00"
            ),
            format!(
                "\"{raw}\" is not an amount ({what_en}); expected đồng in digits, e.g. 1500000, 1.500.000, 1,500,000 or 1500000.00"
            ),
        ),
        NumberError::NotWhole => (
            format!(
                "\"{raw}\" có phần lẻ của đồng ({what_vi}); số tiền VND phải là số đồng nguyên"
            ),
            format!("\"{raw}\" has a fraction of a đồng ({what_en}); VND amounts are whole đồng"),
        ),
        NumberError::Overflow => (
            format!("\"{raw}\" quá lớn ({what_vi})"),
            format!("\"{raw}\" is too large ({what_en})"),
        ),
    }
}

/// A merged region below the header: rows and columns (1-based rows,
/// zero-based columns) and its name (`B12:B13`).
struct Merged {
    rows: std::ops::RangeInclusive<usize>,
    columns: std::ops::RangeInclusive<usize>,
    area: String,
}

impl Merged {
    /// Whether a cell is hidden under the merge (inside it, not its
    /// top-left cell, which holds the value).
    fn hides(&self, row: usize, col: usize) -> bool {
        self.rows.contains(&row)
            && self.columns.contains(&col)
            && (row, col) != (*self.rows.start(), *self.columns.start())
    }
}

/// The merged regions that reach below the header row.
fn merges_below(grid: &Grid, header_row: usize) -> Vec<Merged> {
    grid.merges
        .iter()
        .filter_map(|&((r0, c0), (r1, c1))| {
            let first = usize::try_from(r0).ok()? + 1;
            let last = usize::try_from(r1).ok()? + 1;
            let c0 = usize::try_from(c0).ok()?;
            let c1 = usize::try_from(c1).ok()?;
            (last > header_row).then(|| Merged {
                rows: first..=last,
                columns: c0..=c1,
                area: format!("{}{first}:{}{last}", column_letters(c0), column_letters(c1)),
            })
        })
        .collect()
}

// ---------------------------------------------------------------- parsing

/// Reads a bank statement (CSV in UTF-8, or XLSX) and keeps the money in.
///
/// With `mapping`, its columns are looked for (in `header_row` if given);
/// without, the [`presets`] are tried on each of the first
/// [`HEADER_SCAN_ROWS`] non-blank rows and the first row a preset
/// recognises is the header. Refused: an unknown layout (the headers found
/// are listed), a mapping naming a column the file lacks, and any row with
/// a malformed date or amount — then every such problem is listed and
/// nothing is returned.
pub fn parse_statement(
    bytes: &[u8],
    file_name: &str,
    mapping: Option<&ColumnMapping>,
) -> Result<Statement, ImportProblems> {
    let format = Format::from_file_name(file_name)
        .ok_or_else(|| ImportProblems::Unreadable(vec![unsupported(file_name)]))?;
    if let Some(m) = mapping {
        m.validate().map_err(ImportProblems::BadMapping)?;
    }
    let grid = read_grid(bytes, format).map_err(ImportProblems::Unreadable)?;
    let rows: HashMap<usize, &Vec<String>> = grid.rows.iter().map(|(n, c)| (*n, c)).collect();
    let candidates: Vec<Candidate> = grid
        .rows
        .iter()
        .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()))
        .take(HEADER_SCAN_ROWS)
        .map(|(n, _)| Candidate {
            row: *n,
            headers: header_cells(&grid, &rows, *n),
        })
        .collect();
    if candidates.is_empty() {
        return Err(ImportProblems::Unreadable(vec![empty_statement()]));
    }
    let (preset, mapping, header_row, headers, columns) = match mapping {
        Some(m) => {
            let (row, headers, columns) = locate(m, &grid, &rows, &candidates)?;
            (None, m.clone(), row, headers, columns)
        }
        None => {
            let found = candidates
                .iter()
                .find_map(|c| preset_for(&c.headers).map(|p| (p, c)));
            let Some((p, c)) = found else {
                return Err(unknown_layout(&candidates));
            };
            let columns =
                resolve(&p.mapping, &c.headers).map_err(|f| missing_columns(c, &f, false))?;
            (
                Some(p.id),
                p.mapping.clone(),
                c.row,
                c.headers.clone(),
                columns,
            )
        }
    };
    read_lines(&grid, preset, mapping, header_row, headers, &columns)
}

fn read_lines(
    grid: &Grid,
    preset: Option<&'static str>,
    mapping: ColumnMapping,
    header_row: usize,
    headers: Vec<String>,
    columns: &Columns,
) -> Result<Statement, ImportProblems> {
    let merges = merges_below(grid, header_row);
    let header_key: Vec<String> = headers.iter().map(|h| exact_key(h)).collect();
    let mut lines = Vec::new();
    let mut skipped = Vec::new();
    let mut problems = Vec::new();
    let mut ended = false;
    let data = grid
        .rows
        .iter()
        .filter(|(n, cells)| *n > header_row && cells.iter().any(|c| !c.trim().is_empty()));
    for (number, cells) in data {
        let row = Row {
            number: *number,
            cells: cells.clone(),
        };
        let mut reader = RowReader {
            row: &row,
            columns,
            headers: &headers,
            problems: Vec::new(),
        };
        let skip = |reason| SkippedRow {
            row: row.number,
            reason,
        };
        let dated = parse_statement_date(reader.raw(Field::Date), &mapping.date_format).is_some();
        if ended {
            let has_amount =
                !is_blank(reader.raw(Field::Credit)) || !is_blank(reader.raw(Field::Debit));
            if dated && has_amount {
                problems.push(Problem::at(
                    row.number,
                    None,
                    "dòng có ngày và số tiền nằm dưới dòng tổng cộng / số dư cuối kỳ; hãy kiểm tra tệp (có thể ghép nhiều sao kê vào một tệp — hãy nhập từng sao kê riêng)",
                    "a row with a date and an amount below the totals / closing balance row; check the file (several statements pasted into one? import them one by one)",
                ));
            } else {
                skipped.push(skip(SkipReason::BelowTotals));
            }
            continue;
        }
        let row_key: Vec<String> = row.cells.iter().map(|c| exact_key(c)).collect();
        if row_key.iter().any(|k| !k.is_empty())
            && header_key
                .iter()
                .enumerate()
                .all(|(i, h)| h.is_empty() || row_key.get(i).is_some_and(|k| k == h))
        {
            skipped.push(skip(SkipReason::RepeatedHeader));
            continue;
        }
        let date_col = columns.get(Field::Date).unwrap_or(0);
        if !dated && let Some(kind) = summary_kind(&row, date_col) {
            skipped.push(skip(kind));
            if matches!(kind, SkipReason::Total | SkipReason::ClosingBalance) {
                ended = true;
            }
            continue;
        }
        if columns
            .index
            .values()
            .all(|&i| row.cell(i).trim().is_empty())
        {
            skipped.push(skip(SkipReason::NoData));
            continue;
        }
        for (&field, &col) in &columns.index {
            if let Some(Merged { area, .. }) = merges.iter().find(|m| m.hides(row.number, col)) {
                reader.problem(
                    field,
                    format!("ô bị gộp ({area}); mỗi dòng giao dịch cần giá trị riêng — hãy bỏ gộp ô (Unmerge) hoặc tải lại sao kê từ ngân hàng"),
                    format!("merged cells ({area}); every transaction row needs its own value — unmerge them or download the statement again"),
                );
            }
        }
        if !reader.problems.is_empty() {
            // A merged cell: its other problems (a blank date) follow from
            // the merge.
            problems.append(&mut reader.problems);
            continue;
        }
        let date = reader.date(&mapping.date_format);
        let credit = reader.amount(Field::Credit);
        let debit = if columns.get(Field::Debit).is_some() {
            reader.amount(Field::Debit)
        } else {
            Some(0)
        };
        let balance =
            if columns.get(Field::Balance).is_some() && !is_blank(reader.raw(Field::Balance)) {
                reader.amount(Field::Balance).map(Some)
            } else {
                Some(None)
            };
        let money_in = match (credit, debit) {
            (Some(c), Some(d)) => match mapping.amount_sign {
                AmountSign::Signed => Some(c),
                AmountSign::Separate if c < 0 => {
                    reader.problem(
                        Field::Credit,
                        format!("số tiền ghi có \"{}\" là số âm; tiền vào phải lớn hơn 0 (nếu cột này là số tiền có dấu, hãy chọn \"amount_sign\": \"signed\")", reader.raw(Field::Credit)),
                        format!("the credit amount \"{}\" is negative; money in must be above zero (if the column holds signed amounts, choose \"amount_sign\": \"signed\")", reader.raw(Field::Credit)),
                    );
                    None
                }
                AmountSign::Separate if c > 0 && d != 0 => {
                    reader.problem(
                        Field::Credit,
                        format!("dòng có cả tiền vào ({c}) và tiền ra ({}); mỗi giao dịch chỉ có một chiều", d.abs()),
                        format!("the row has both money in ({c}) and money out ({}); a transaction goes one way", d.abs()),
                    );
                    None
                }
                AmountSign::Separate if c == 0 => Some(-d.abs()),
                AmountSign::Separate => Some(c),
            },
            _ => None,
        };
        let (Some(date), Some(money_in), Some(balance)) = (date, money_in, balance) else {
            problems.append(&mut reader.problems);
            continue;
        };
        if !reader.problems.is_empty() {
            problems.append(&mut reader.problems);
            continue;
        }
        if money_in < 0 {
            skipped.push(skip(SkipReason::Debit));
            continue;
        }
        if money_in == 0 {
            skipped.push(skip(SkipReason::ZeroAmount));
            continue;
        }
        lines.push(StatementLine {
            row: row.number,
            booked_on: date,
            amount: money_in,
            memo: reader.text(Field::Memo).unwrap_or_default(),
            bank_ref: reader.text(Field::Reference),
            counterparty: reader.text(Field::Counterparty),
            counterparty_account: reader.text(Field::CounterpartyAccount),
            balance,
            occurrence: 0,
        });
    }
    // Problems met while reading (a formula error, a CSV line that cannot
    // be read) matter below the header, except on rows left out.
    let left_out: HashSet<usize> = skipped
        .iter()
        .filter(|s| s.reason != SkipReason::Debit && s.reason != SkipReason::ZeroAmount)
        .map(|s| s.row)
        .collect();
    problems.extend(
        grid.problems
            .iter()
            .filter(|p| p.column.is_none() || (p.row > header_row && !left_out.contains(&p.row)))
            .cloned(),
    );
    if !problems.is_empty() {
        problem::sort(&mut problems);
        return Err(ImportProblems::InvalidRows(problems));
    }
    number_occurrences(&mut lines);
    Ok(Statement {
        preset,
        mapping,
        header_row,
        headers,
        lines,
        skipped,
    })
}

/// Numbers identical lines 0, 1, … in file order.
fn number_occurrences(lines: &mut [StatementLine]) {
    let mut seen: HashMap<String, u32> = HashMap::new();
    for line in lines {
        let identity = match &line.bank_ref {
            Some(r) => format!("{}|ref:{}", line.booked_on, reference_key(r)),
            None => format!(
                "{}|{}|{:?}|{}",
                line.booked_on,
                line.amount,
                line.balance,
                memo_key(&line.memo)
            ),
        };
        let n = seen.entry(identity).or_insert(0);
        line.occurrence = *n;
        *n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a real date")
    }

    #[test]
    fn dates_are_read_with_or_without_a_time() {
        let d = Some(date(2026, 11, 3));
        for s in [
            "03/11/2026",
            "3/11/2026",
            "03-11-2026",
            "2026-11-03",
            "03/11/2026 10:15",
            "03/11/2026 10:15:32",
            "03/11/2026  10:15:32",
            "03/11/2026 - 10:15:32",
            "03/11/2026 10:15:32.123",
            "03/11/2026 10:15:32 SA",
            "03/11/2026 10:15 PM",
            "2026-11-03T10:15:00",
            "2026-11-03 10:15:00",
        ] {
            assert_eq!(parse_statement_date(s, &[]), d, "{s}");
        }
        for s in [
            "03/11/2026 ref 123",
            "03/11/2026\n5243.65937",
            "31/11/2026",
            "03/11/26",
            "hôm qua",
            "",
            "03/11/2026 25",
        ] {
            assert_eq!(parse_statement_date(s, &[]), None, "{s}");
        }
    }

    #[test]
    fn mapping_date_formats_are_tried_first() {
        let formats = vec!["%Y%m%d".to_owned(), "%m/%d/%Y %I:%M %p".to_owned()];
        assert_eq!(
            parse_statement_date("20261103", &formats),
            Some(date(2026, 11, 3))
        );
        assert_eq!(
            parse_statement_date("11/03/2026 10:15 AM", &formats),
            Some(date(2026, 11, 3))
        );
        // The default reading still applies afterwards (XLSX date cells
        // arrive as dd/mm/yyyy).
        assert_eq!(
            parse_statement_date("25/11/2026", &formats),
            Some(date(2026, 11, 25))
        );
    }

    #[test]
    fn headers_match_ignoring_case_and_punctuation_preferring_diacritics() {
        assert_eq!(match_level("SỐ TIỀN GHI CÓ", "Số tiền ghi có"), Some(2));
        assert_eq!(match_level("So tien ghi co", "Số tiền ghi có"), Some(1));
        assert_eq!(
            match_level("Số tiền ghi có / Credit amount", "Số tiền ghi có"),
            Some(2)
        );
        assert_eq!(
            match_level("Số tiền ghi có / Credit amount", "credit amount"),
            Some(2)
        );
        assert_eq!(match_level("Số dư (VND)", "Số dư"), Some(2));
        assert_eq!(match_level("Số tiền ghi có", "Có"), None);
        // "Nợ" and the English "No." share a folded key; the diacritics
        // decide.
        let headers: Vec<String> = ["STT / No.", "Nợ / Debit", "Có / Credit"]
            .map(String::from)
            .to_vec();
        assert_eq!(find_column(&headers, "Nợ"), Ok(1));
        assert_eq!(find_column(&headers, "Có"), Ok(2));
        assert_eq!(
            find_column(&["Mô tả".into(), "mo ta".into()], "Mô tả"),
            Ok(0)
        );
        assert_eq!(
            find_column(&["Mô tả".into(), "MÔ TẢ".into()], "Mô tả"),
            Err(Lookup::Ambiguous(vec![0, 1]))
        );
    }

    #[test]
    fn mappings_that_contradict_themselves_are_refused() {
        let good = preset("vietcombank").expect("preset").mapping.clone();
        assert_eq!(good.validate(), Ok(()));
        let signed = ColumnMapping {
            amount_sign: AmountSign::Signed,
            ..good.clone()
        };
        assert!(signed.validate().is_err());
        let same = ColumnMapping {
            debit: Some("so tien ghi co".into()),
            ..good.clone()
        };
        assert!(same.validate().is_err());
        let bad_format = ColumnMapping {
            date_format: vec!["%d/%m/%Q".into()],
            ..good.clone()
        };
        let p = bad_format.validate().err().unwrap_or_default();
        assert!(p[0].en.contains("%d/%m/%Q"), "{p:?}");
        let blank = ColumnMapping {
            memo: " ".into(),
            ..good
        };
        assert!(blank.validate().is_err());
    }

    fn line(
        memo: &str,
        amount: i64,
        balance: Option<i64>,
        reference: Option<&str>,
    ) -> StatementLine {
        StatementLine {
            row: 9,
            booked_on: date(2026, 11, 3),
            amount,
            memo: memo.into(),
            bank_ref: reference.map(String::from),
            counterparty: None,
            counterparty_account: None,
            balance,
            occurrence: 0,
        }
    }

    #[test]
    fn dedupe_keys_use_the_reference_when_there_is_one() {
        let a = line("UNG HO CT0004275", 500_000, Some(1), Some(" FT26307 "));
        let b = line("ung ho ct0004275 (sửa)", 900_000, None, Some("ft26307"));
        assert_eq!(
            a.dedupe_key("0071 000 123"),
            "0071000123|2026-11-03|ref:FT26307|#0"
        );
        assert_eq!(a.dedupe_key("0071000123"), b.dedupe_key("0071000123"));
        assert_ne!(a.dedupe_key("0071000123"), a.dedupe_key("0071000124"));
    }

    #[test]
    fn dedupe_keys_without_a_reference_fold_the_memo_and_keep_the_balance() {
        let a = line("Ủng hộ  CT-0004275", 500_000, Some(12_500_000), None);
        let b = line("UNG HO CT 0004275", 500_000, Some(12_500_000), None);
        assert_eq!(
            a.dedupe_key("0071000123"),
            "0071000123|2026-11-03|500000|12500000|#0|ung ho ct 0004275"
        );
        assert_eq!(a.dedupe_key("0071000123"), b.dedupe_key("0071000123"));
        let no_balance = line("UNG HO", 500_000, None, None);
        assert_eq!(
            no_balance.dedupe_key("1"),
            "1|2026-11-03|500000|-|#0|ung ho"
        );
        let mut second = no_balance.clone();
        second.occurrence = 1;
        assert_ne!(no_balance.dedupe_key("1"), second.dedupe_key("1"));
    }

    #[test]
    fn identical_lines_are_numbered_in_file_order() {
        let mut lines = vec![
            line("UNG HO", 100_000, None, None),
            line("UNG HO", 200_000, None, None),
            line("ung  hộ", 100_000, None, None),
            line("UNG HO", 100_000, None, Some("R1")),
            line("x", 1, None, Some("R1")),
        ];
        number_occurrences(&mut lines);
        let occ: Vec<u32> = lines.iter().map(|l| l.occurrence).collect();
        assert_eq!(occ, vec![0, 0, 1, 0, 1]);
    }

    #[test]
    fn summary_rows_are_recognised_by_their_labels() {
        let row = |cells: &[&str]| Row {
            number: 20,
            cells: cells.iter().map(|c| (*c).to_owned()).collect(),
        };
        let total = Some(SkipReason::Total);
        assert_eq!(
            summary_kind(&row(&["", "", "Tổng cộng", "1.000"]), 1),
            total
        );
        assert_eq!(summary_kind(&row(&["", "TỔNG SỐ / TOTAL"]), 1), total);
        assert_eq!(summary_kind(&row(&["", "Cộng:"]), 1), total);
        assert_eq!(summary_kind(&row(&["", "TONG CONG", "5"]), 1), total);
        assert_eq!(
            summary_kind(
                &row(&["", "Số dư đầu kỳ / Opening balance", "12.000.000"]),
                0
            ),
            Some(SkipReason::OpeningBalance)
        );
        assert_eq!(
            summary_kind(&row(&["Số dư cuối kỳ:", "", "14.000.000"]), 1),
            Some(SkipReason::ClosingBalance)
        );
        // Names and memos that start like a label are not labels.
        assert_eq!(summary_kind(&row(&["", "", "Tống Văn Cộng"]), 1), None);
        assert_eq!(
            summary_kind(&row(&["", "", "Tổng công ty Điện lực"]), 1),
            None
        );
        assert_eq!(summary_kind(&row(&["", "", "Totally"]), 1), None);
        // A label outside the date column counts only when the date is
        // blank: a row with a malformed date is reported, not skipped.
        assert_eq!(summary_kind(&row(&["", "3/13/2026", "Tổng cộng"]), 1), None);
        assert_eq!(summary_kind(&row(&["", "Tổng cộng", "x"]), 1), total);
    }

    #[test]
    fn unknown_files_and_extensions_are_refused_clearly() {
        let e = parse_statement(b"x", "saoke.xls", None).err();
        let Some(ImportProblems::Unreadable(p)) = e else {
            panic!("expected Unreadable, got {e:?}");
        };
        assert!(p[0].en.contains(".xlsx"), "{}", p[0]);
        let e = parse_statement(b"\n\n", "saoke.csv", None).err();
        assert!(matches!(e, Some(ImportProblems::Unreadable(_))), "{e:?}");
        let e = parse_statement(b"Ng\xe0y,C\xf3\n", "saoke.csv", None).err();
        let Some(ImportProblems::Unreadable(p)) = e else {
            panic!("expected Unreadable, got {e:?}");
        };
        assert!(p[0].en.contains("not UTF-8"), "{}", p[0]);
    }
}
