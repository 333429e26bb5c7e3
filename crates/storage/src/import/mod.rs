//! Imports from spreadsheets, resolved against the database and written
//! all or nothing: need lines ([`needs`]) and donors ([`donors`]). The
//! `imports` crate parses the file (bytes in, typed rows or problems out);
//! this module checks the rows against what is stored and the importer's
//! rights, and writes every row in one transaction — or nothing when any
//! row has a problem or on a dry run. Used by `chungtay import`, the
//! `/needs/import` and `/donors/import` pages and `POST /api/v1/imports/…`.
//!
//! Every problem names its spreadsheet row and column, in Vietnamese and
//! English ([`Problem`]: `dòng 3, cột A (Mã điểm hỗ trợ): …`).

pub mod donors;
pub mod needs;

pub use imports::Problem;

use imports::Parsed;

/// One row that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The spreadsheet row (the header is row 1).
    pub row: usize,
    /// The stored id; empty until written (a dry run writes nothing).
    pub id: String,
    /// What the row is, for a person: the site, package, period and number
    /// of a need line; a donor's name.
    pub label: String,
}

/// What an import found, and whether it wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The rows that passed: written (with their ids) when `written`, else
    /// only checked. Empty when refused.
    pub rows: Vec<Written>,
    /// Whether the rows were stored (never on a dry run or a refusal).
    pub written: bool,
    /// Every problem, sorted by row and column. Any problem means nothing
    /// was written.
    pub problems: Vec<Problem>,
    /// Points to check that do not stop the import (a donor that looks like
    /// one already stored), sorted by row and column.
    pub warnings: Vec<Problem>,
}

impl Outcome {
    /// Whether the file was refused for its problems.
    pub fn is_refused(&self) -> bool {
        !self.problems.is_empty()
    }

    fn refused(mut problems: Vec<Problem>, mut warnings: Vec<Problem>) -> Outcome {
        imports::sort_problems(&mut problems);
        imports::sort_problems(&mut warnings);
        Outcome {
            rows: Vec::new(),
            written: false,
            problems,
            warnings,
        }
    }

    fn checked(rows: Vec<Written>, mut warnings: Vec<Problem>) -> Outcome {
        imports::sort_problems(&mut warnings);
        Outcome {
            rows,
            written: false,
            problems: Vec::new(),
            warnings,
        }
    }

    fn written(rows: Vec<Written>, warnings: Vec<Problem>) -> Outcome {
        Outcome {
            written: true,
            ..Outcome::checked(rows, warnings)
        }
    }
}

/// Whether parsing found problems that leave nothing to check against the
/// database (an unreadable file, bad headers).
fn nothing_to_resolve<T>(parsed: &Parsed<T>) -> bool {
    parsed.rows.is_empty() && !parsed.problems.is_empty()
}

/// A short list for a message: the first few, then "…".
fn some_of(items: impl IntoIterator<Item = String>) -> String {
    let mut v: Vec<String> = items.into_iter().collect();
    v.sort();
    v.dedup();
    let more = v.len() > 8;
    v.truncate(8);
    let mut s = v.join(", ");
    if more {
        s.push_str(", …");
    }
    if s.is_empty() {
        "(không có / none)".into()
    } else {
        s
    }
}
