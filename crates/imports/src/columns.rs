//! Matching a file's headers to the fields of an import, and reading
//! cells with the problems they raise.

use std::collections::HashMap;

use crate::problem::{self, Problem, column_letters};
use crate::table::{Row, Table};
use crate::values::{self, compact_key, legacy_encoding};

/// A column an import understands.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field {
    /// English snake_case name, also accepted as a header.
    pub key: &'static str,
    /// The Vietnamese header of the template.
    pub vi: &'static str,
    /// Other accepted headers.
    pub aliases: &'static [&'static str],
    pub required: bool,
    /// Shown in the template's instructions: what to write.
    pub help_vi: &'static str,
    pub help_en: &'static str,
}

/// Headers that number rows and are ignored (`STT`, `No.`, `#`).
const IGNORED: &[&str] = &["stt", "tt", "sott", "no", "number", ""];

/// The outcome of parsing a file: the rows that are valid, every problem
/// found, points to check that do not stop the import, and the column
/// labels (so a caller that checks rows against the database can name the
/// column too). Import only when `problems` is empty.
#[derive(Debug, Clone)]
pub struct Parsed<T> {
    pub rows: Vec<T>,
    pub problems: Vec<Problem>,
    /// Not errors: shown, and the import goes ahead.
    pub warnings: Vec<Problem>,
    labels: HashMap<&'static str, String>,
    fields: &'static [Field],
}

impl<T> Parsed<T> {
    /// The label of a field's column: `C (Mã gói)`, or the template's header
    /// when the file has no such column.
    pub fn column(&self, key: &str) -> Option<String> {
        self.labels.get(key).cloned().or_else(|| {
            self.fields
                .iter()
                .find(|f| f.key == key)
                .map(|f| f.vi.to_owned())
        })
    }

    /// The rows if there is no problem, else every problem, sorted by row
    /// and column.
    pub fn into_result(self) -> Result<Vec<T>, Vec<Problem>> {
        if self.problems.is_empty() {
            Ok(self.rows)
        } else {
            let mut p = self.problems;
            problem::sort(&mut p);
            Err(p)
        }
    }

    pub(crate) fn failed(fields: &'static [Field], problems: Vec<Problem>) -> Parsed<T> {
        Parsed {
            rows: Vec::new(),
            problems,
            warnings: Vec::new(),
            labels: HashMap::new(),
            fields,
        }
    }
}

/// A table whose headers have been matched to fields.
pub(crate) struct Sheet {
    index: HashMap<&'static str, usize>,
    labels: HashMap<&'static str, String>,
    fields: &'static [Field],
}

/// `Số trẻ (người) *` → `Số trẻ`: trailing notes and required marks go.
fn strip_decorations(header: &str) -> &str {
    let mut h = header.trim().trim_end_matches('*').trim_end();
    if h.ends_with(')')
        && let Some(open) = h.rfind('(')
        && open > 0
    {
        h = h[..open].trim_end();
    }
    h.trim_end_matches('*').trim_end()
}

fn field_for(fields: &'static [Field], header: &str) -> Option<&'static Field> {
    let key = compact_key(strip_decorations(header));
    fields.iter().find(|f| {
        compact_key(f.vi) == key
            || compact_key(f.key) == key
            || f.aliases.iter().any(|a| compact_key(a) == key)
    })
}

impl Sheet {
    /// Matches headers to fields. Refused: a blank header over a column that
    /// holds data (merged or missing header cells), an unknown header, the
    /// same field twice, a required field missing.
    pub fn new(table: &Table, fields: &'static [Field]) -> (Sheet, Vec<Problem>) {
        let mut problems = Vec::new();
        let mut index = HashMap::new();
        let mut labels = HashMap::new();
        let header_row = table.header_row;
        let width = table
            .rows
            .iter()
            .map(|r| r.cells.len())
            .chain(std::iter::once(table.headers.len()))
            .max()
            .unwrap_or(0);
        let expected = fields
            .iter()
            .map(|f| format!("\"{}\"", f.vi))
            .collect::<Vec<_>>()
            .join(", ");
        for col in 0..width {
            let header = table.headers.get(col).map_or("", String::as_str);
            let letter = column_letters(col);
            if header.is_empty() {
                if let Some(row) = table.rows.iter().find(|r| !r.cell(col).trim().is_empty()) {
                    problems.push(Problem::at(
                        header_row,
                        Some(letter),
                        format!(
                            "ô tiêu đề trống nhưng cột có dữ liệu (từ dòng {}); thường do ô tiêu đề bị gộp — mỗi cột cần một tiêu đề riêng, ví dụ {expected}",
                            row.number
                        ),
                        format!(
                            "the header cell is blank but the column holds data (from row {}); usually merged header cells — every column needs its own header, e.g. {expected}",
                            row.number
                        ),
                    ));
                }
                continue;
            }
            let label = format!("{letter} ({header})");
            if let Some(kind) = legacy_encoding(header) {
                problems.push(legacy_problem(header_row, Some(label), header, kind));
                continue;
            }
            if IGNORED.contains(&compact_key(strip_decorations(header)).as_str()) {
                continue;
            }
            match field_for(fields, header) {
                Some(f) => {
                    if let Some(&first) = index.get(f.key) {
                        problems.push(Problem::at(
                            header_row,
                            Some(label),
                            format!(
                                "cột \"{}\" đã có ở cột {}; mỗi cột chỉ được một lần",
                                f.vi,
                                column_letters(first)
                            ),
                            format!(
                                "column \"{}\" already appears as column {}; each column may appear once",
                                f.vi,
                                column_letters(first)
                            ),
                        ));
                    } else {
                        index.insert(f.key, col);
                        labels.insert(f.key, label);
                    }
                }
                None => problems.push(Problem::at(
                    header_row,
                    Some(label),
                    format!("tiêu đề không dùng được \"{header}\"; các cột của mẫu là {expected}"),
                    format!("unknown header \"{header}\"; the template's columns are {expected}"),
                )),
            }
        }
        for f in fields.iter().filter(|f| f.required) {
            if !index.contains_key(f.key) {
                problems.push(Problem::at(
                    header_row,
                    None,
                    format!("thiếu cột \"{}\" ({})", f.vi, f.help_vi),
                    format!("the column \"{}\" is missing ({})", f.vi, f.help_en),
                ));
            }
        }
        (
            Sheet {
                index,
                labels,
                fields,
            },
            problems,
        )
    }

    pub fn has(&self, key: &str) -> bool {
        self.index.contains_key(key)
    }

    /// The raw cell of a field in a row (`""` when the column is absent).
    pub fn raw<'r>(&self, row: &'r Row, key: &str) -> &'r str {
        self.index.get(key).map_or("", |&i| row.cell(i))
    }

    pub fn label(&self, key: &str) -> Option<String> {
        self.labels.get(key).cloned()
    }

    /// The cell as clean NFC text, or a problem when it looks like legacy
    /// font encoding. Blank is `Ok("")`.
    pub fn text(&self, row: &Row, key: &str) -> Result<String, Problem> {
        let raw = self.raw(row, key);
        if let Some(kind) = legacy_encoding(raw) {
            return Err(legacy_problem(row.number, self.label(key), raw, kind));
        }
        Ok(domain::text::clean(raw))
    }

    /// Like [`Sheet::text`], and a problem when blank.
    pub fn required_text(
        &self,
        row: &Row,
        key: &str,
        what_vi: &str,
        what_en: &str,
    ) -> Result<String, Problem> {
        let t = self.text(row, key)?;
        if t.is_empty() {
            return Err(Problem::at(
                row.number,
                self.label(key),
                format!("ô trống; cần {what_vi}"),
                format!("the cell is blank; expected {what_en}"),
            ));
        }
        Ok(t)
    }

    /// A whole number above zero.
    pub fn positive_number(
        &self,
        row: &Row,
        key: &str,
        what_vi: &str,
        what_en: &str,
    ) -> Result<i64, Problem> {
        let raw = self.raw(row, key).trim();
        let label = self.label(key);
        let p = |vi: String, en: String| Problem::at(row.number, label.clone(), vi, en);
        if raw.is_empty() {
            return Err(p(
                format!("ô trống; cần {what_vi} (số nguyên lớn hơn 0, ví dụ 25 hoặc 1.200)"),
                format!(
                    "the cell is blank; expected {what_en} (a whole number above zero, e.g. 25 or 1,200)"
                ),
            ));
        }
        match values::parse_whole_number(raw) {
            Ok(n) if n > 0 => Ok(n),
            Ok(n) => Err(p(
                format!("\"{raw}\" ({n}) không hợp lệ; {what_vi} phải lớn hơn 0"),
                format!("\"{raw}\" ({n}) is not valid; {what_en} must be above zero"),
            )),
            Err(values::NumberError::NotWhole) => Err(p(
                format!("\"{raw}\" có phần lẻ; {what_vi} phải là số nguyên (ví dụ 25 hoặc 1.200)"),
                format!(
                    "\"{raw}\" has a fractional part; {what_en} must be a whole number (e.g. 25 or 1,200)"
                ),
            )),
            Err(values::NumberError::Overflow) => Err(p(
                format!("\"{raw}\" quá lớn (vượt quá {})", i64::MAX),
                format!("\"{raw}\" is too large (over {})", i64::MAX),
            )),
            Err(values::NumberError::NotANumber) => Err(p(
                format!(
                    "\"{raw}\" không phải là số; cần {what_vi} viết bằng chữ số, ví dụ 25, 1200, 1.200 hoặc 1,200"
                ),
                format!(
                    "\"{raw}\" is not a number; expected {what_en} in digits, e.g. 25, 1200, 1.200 or 1,200"
                ),
            )),
        }
    }

    pub fn into_parsed<T>(self, rows: Vec<T>, problems: Vec<Problem>) -> Parsed<T> {
        Parsed {
            rows,
            problems,
            warnings: Vec::new(),
            labels: self.labels,
            fields: self.fields,
        }
    }
}

pub(crate) fn legacy_problem(
    row: usize,
    column: Option<String>,
    raw: &str,
    kind: values::Legacy,
) -> Problem {
    let excerpt: String = raw.chars().take(40).collect();
    Problem::at(
        row,
        column,
        format!(
            "chữ \"{excerpt}\" có vẻ bị sai mã ({}), không phải Unicode; hãy chuyển mã sang Unicode (ví dụ Unikey: Công cụ chuyển mã) rồi lưu lại",
            kind.name()
        ),
        format!(
            "the text \"{excerpt}\" looks like a legacy encoding ({}), not Unicode; convert it to Unicode (e.g. with Unikey's converter) and save again",
            kind.name()
        ),
    )
}

/// Flags every row whose key equals an earlier row's: the later row is
/// named, with the row it repeats.
pub(crate) fn duplicates<K: std::hash::Hash + Eq>(
    keys: impl IntoIterator<Item = (usize, K)>,
) -> Vec<(usize, usize)> {
    let mut first: HashMap<K, usize> = HashMap::new();
    let mut out = Vec::new();
    for (row, key) in keys {
        match first.get(&key) {
            Some(&earlier) => out.push((row, earlier)),
            None => {
                first.insert(key, row);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_notes_and_required_marks_are_ignored_when_matching() {
        assert_eq!(strip_decorations("Số trẻ (người) *"), "Số trẻ");
        assert_eq!(strip_decorations("Mã gói*"), "Mã gói");
        assert_eq!(strip_decorations("(x)"), "(x)");
    }

    #[test]
    fn later_repeats_name_the_first_row_they_repeat() {
        let d = duplicates([(2, "a"), (3, "b"), (4, "a"), (5, "a")]);
        assert_eq!(d, vec![(4, 2), (5, 2)]);
    }
}
