//! One thing wrong with an import, named by row and column.

use std::fmt;

/// A problem (or, when returned as a warning, a point to check) in an
/// imported file. `row` is the spreadsheet row number (the header is row 1);
/// `0` means the file as a whole. `column` is a label such as
/// `D (Số trẻ)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub row: usize,
    pub column: Option<String>,
    /// What is wrong and what is expected, in Vietnamese.
    pub vi: String,
    /// The same, in English.
    pub en: String,
}

impl Problem {
    /// A problem at a row and, if given, a column.
    pub fn at(
        row: usize,
        column: Option<String>,
        vi: impl Into<String>,
        en: impl Into<String>,
    ) -> Problem {
        Problem {
            row,
            column,
            vi: vi.into(),
            en: en.into(),
        }
    }

    /// A problem with the whole file.
    pub fn file(vi: impl Into<String>, en: impl Into<String>) -> Problem {
        Problem::at(0, None, vi, en)
    }

    /// Where, in Vietnamese: `dòng 3, cột D (Số trẻ)`.
    pub fn place_vi(&self) -> String {
        match (self.row, &self.column) {
            (0, None) => "tệp".to_owned(),
            (0, Some(c)) => format!("cột {c}"),
            (r, None) => format!("dòng {r}"),
            (r, Some(c)) => format!("dòng {r}, cột {c}"),
        }
    }

    /// Where, in English: `row 3, column D (Số trẻ)`.
    pub fn place_en(&self) -> String {
        match (self.row, &self.column) {
            (0, None) => "file".to_owned(),
            (0, Some(c)) => format!("column {c}"),
            (r, None) => format!("row {r}"),
            (r, Some(c)) => format!("row {r}, column {c}"),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} / {}: {}",
            self.place_vi(),
            self.vi,
            self.place_en(),
            self.en
        )
    }
}

/// Sorts problems by row, then column, so a report reads top to bottom.
pub fn sort(problems: &mut [Problem]) {
    problems.sort_by(|a, b| {
        a.row
            .cmp(&b.row)
            .then_with(|| column_order(&a.column).cmp(&column_order(&b.column)))
    });
}

/// Column labels start with their letters; shorter letters come first.
fn column_order(c: &Option<String>) -> (usize, String) {
    let letters: String = c
        .as_deref()
        .unwrap_or("")
        .chars()
        .take_while(char::is_ascii_uppercase)
        .collect();
    (letters.len(), letters)
}

/// The spreadsheet letters of a zero-based column index: 0 → A, 26 → AA.
pub(crate) fn column_letters(index: usize) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(b'A' + u8::try_from(rem).unwrap_or(0));
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_reads_row_column_what_and_expected_in_both_languages() {
        let p = Problem::at(
            3,
            Some("D (Số trẻ)".into()),
            "phải là số",
            "must be a number",
        );
        assert_eq!(
            p.to_string(),
            "dòng 3, cột D (Số trẻ): phải là số / row 3, column D (Số trẻ): must be a number"
        );
        assert_eq!(
            Problem::file("rỗng", "empty").to_string(),
            "tệp: rỗng / file: empty"
        );
    }

    #[test]
    fn columns_are_lettered_like_a_spreadsheet() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn problems_sort_by_row_then_column_letters() {
        let mut v = vec![
            Problem::at(3, Some("AA (x)".into()), "", ""),
            Problem::at(2, Some("B (x)".into()), "", ""),
            Problem::at(3, Some("C (x)".into()), "", ""),
            Problem::file("", ""),
        ];
        sort(&mut v);
        let order: Vec<_> = v.iter().map(|p| (p.row, p.column.clone())).collect();
        assert_eq!(
            order,
            vec![
                (0, None),
                (2, Some("B (x)".into())),
                (3, Some("C (x)".into())),
                (3, Some("AA (x)".into()))
            ]
        );
    }
}
