//! Errors of the admin-unit loader. Every variant names the file, the data
//! row (1-based, the header row not counted: data row 1 is line 2 of the
//! file) and the field, with a Vietnamese and an English message.

use chrono::NaiveDate;
use thiserror::Error;

/// Why the administrative-unit reference data was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AdminDataError {
    /// The file is not well-formed CSV (or not valid NFC text).
    #[error(
        "{file}, dòng dữ liệu {row}, cột \"{field}\": tệp CSV hỏng ({detail}) / \
         {file}, data row {row}, field \"{field}\": malformed CSV ({detail})"
    )]
    Csv {
        file: &'static str,
        row: usize,
        field: &'static str,
        detail: String,
    },

    /// A column the loader needs is not in the header row (row 0).
    #[error(
        "{file}, dòng tiêu đề (dòng {row}): thiếu cột \"{field}\" / \
         {file}, header row (row {row}): missing column \"{field}\""
    )]
    MissingColumn {
        file: &'static str,
        row: usize,
        field: &'static str,
    },

    /// A value that cannot be read (bad date, unknown kind or type, empty code…).
    #[error(
        "{file}, dòng dữ liệu {row}, cột \"{field}\": giá trị \"{value}\" không hợp lệ — cần {expected_vi} / \
         {file}, data row {row}, field \"{field}\": invalid value \"{value}\" — expected {expected_en}"
    )]
    InvalidValue {
        file: &'static str,
        row: usize,
        field: &'static str,
        value: String,
        expected_vi: &'static str,
        expected_en: &'static str,
    },

    /// A row refers to a code that no unit bore on that date.
    #[error(
        "{file}, dòng dữ liệu {row}, cột \"{field}\": không có đơn vị nào mang mã \"{code}\" vào ngày {date} / \
         {file}, data row {row}, field \"{field}\": no unit bore code \"{code}\" on {date}"
    )]
    UnknownUnit {
        file: &'static str,
        row: usize,
        field: &'static str,
        code: String,
        date: NaiveDate,
    },

    /// A value disagrees with the unit the lineage puts in force on that date.
    #[error(
        "{file}, dòng dữ liệu {row}, cột \"{field}\": \"{found}\" không khớp với \"{expected}\" ({context_vi}) / \
         {file}, data row {row}, field \"{field}\": \"{found}\" disagrees with \"{expected}\" ({context_en})"
    )]
    Mismatch {
        file: &'static str,
        row: usize,
        field: &'static str,
        found: Box<str>,
        expected: Box<str>,
        context_vi: Box<str>,
        context_en: Box<str>,
    },

    /// Two versions of one code would be in force at the same time.
    #[error(
        "{file}, dòng dữ liệu {row}, cột \"{field}\": mã \"{code}\" đã có đơn vị {existing} còn hiệu lực vào ngày {date}, \
         không dòng nào chấm dứt nó — hiệu lực chồng chéo / \
         {file}, data row {row}, field \"{field}\": code \"{code}\" is still borne by {existing} on {date} and no row ends it — overlapping validity"
    )]
    Overlap {
        file: &'static str,
        row: usize,
        field: &'static str,
        code: String,
        existing: String,
        date: NaiveDate,
    },

    /// Two files disagree, a unit is missing from a list, or the lineage
    /// leaves a unit without successor / predecessor.
    #[error(
        "{file}, dòng dữ liệu {row}, cột \"{field}\": {vi} / {file}, data row {row}, field \"{field}\": {en}"
    )]
    Inconsistent {
        file: &'static str,
        row: usize,
        field: &'static str,
        vi: String,
        en: String,
    },
}

impl AdminDataError {
    /// The file the error is about.
    pub fn file(&self) -> &'static str {
        match self {
            Self::Csv { file, .. }
            | Self::MissingColumn { file, .. }
            | Self::InvalidValue { file, .. }
            | Self::UnknownUnit { file, .. }
            | Self::Mismatch { file, .. }
            | Self::Overlap { file, .. }
            | Self::Inconsistent { file, .. } => file,
        }
    }

    /// The 1-based data row (0 = the header row).
    pub fn row(&self) -> usize {
        match self {
            Self::Csv { row, .. }
            | Self::MissingColumn { row, .. }
            | Self::InvalidValue { row, .. }
            | Self::UnknownUnit { row, .. }
            | Self::Mismatch { row, .. }
            | Self::Overlap { row, .. }
            | Self::Inconsistent { row, .. } => *row,
        }
    }

    /// The column the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Csv { field, .. }
            | Self::MissingColumn { field, .. }
            | Self::InvalidValue { field, .. }
            | Self::UnknownUnit { field, .. }
            | Self::Mismatch { field, .. }
            | Self::Overlap { field, .. }
            | Self::Inconsistent { field, .. } => field,
        }
    }
}
