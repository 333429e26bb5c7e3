//! Spreadsheet imports: need lines and donors from CSV or XLSX, the
//! templates officers download to fill in, and bank statements (money in,
//! with the pledge codes in the memos).
//!
//! Pure: bytes in, typed rows or a list of problems out. No database, no
//! files, no clock. Names and codes (sites, packages, periods) are resolved
//! against the database by the caller (`chungtay import`, later the web
//! layer), which adds its own problems with [`Problem::at`].
//!
//! Every problem names the spreadsheet row (the header is row 1) and the
//! column, says what is wrong and what is expected, in Vietnamese then
//! English: `dòng 3, cột D (Số trẻ): … / row 3, column D (Số trẻ): …`.
//! An import with any problem must write nothing.

pub mod children;
mod columns;
pub mod donors;
pub mod needs;
mod problem;
pub mod statements;
mod table;
pub mod template;
pub mod values;

pub use columns::Parsed;
pub use donors::{DonorKind, DonorRecord, DonorType, Origin, parse_donors};
pub use needs::{NeedRecord, SiteRef, parse_needs};
pub use problem::{Problem, sort as sort_problems};
pub use statements::{
    AmountSign, ColumnMapping, ImportProblems, Preset, SkipReason, SkippedRow, Statement,
    StatementLine, detect, parse_statement, presets,
};
pub use table::{Row, Table, read_table};
pub use template::{
    TemplateError, children_template_csv, children_template_xlsx, donors_template_csv,
    donors_template_xlsx, needs_template_csv, needs_template_xlsx,
};

/// The file formats an import accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-, semicolon- or tab-separated text, UTF-8 (with or without a
    /// byte-order mark) or UTF-16 with a byte-order mark.
    Csv,
    /// Office Open XML workbook (Excel 2007 and later, LibreOffice); the
    /// first sheet is read.
    Xlsx,
}

impl Format {
    /// The format a file name's extension names (case-insensitive), if any.
    pub fn from_file_name(name: &str) -> Option<Format> {
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "csv" | "txt" | "tsv" => Some(Format::Csv),
            "xlsx" | "xlsm" => Some(Format::Xlsx),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_follows_the_extension_whatever_its_case() {
        assert_eq!(Format::from_file_name("nhu-cau.CSV"), Some(Format::Csv));
        assert_eq!(
            Format::from_file_name("/tmp/a.b/Nhà tài trợ.xlsx"),
            Some(Format::Xlsx)
        );
        assert_eq!(Format::from_file_name("old.xls"), None);
        assert_eq!(Format::from_file_name("noextension"), None);
    }
}
