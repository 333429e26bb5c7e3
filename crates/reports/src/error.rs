//! Why a document could not be written.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum ReportError {
    #[error(
        "table {table:?}: row {row} has {cells} cells but the table has {columns} columns (row 0 = total row)"
    )]
    RaggedRow {
        table: String,
        row: usize,
        cells: usize,
        columns: usize,
    },
    #[error("table {table:?} has no columns")]
    NoColumns { table: String },
    #[error("XLSX: {context}: {source}")]
    Xlsx {
        context: String,
        #[source]
        source: rust_xlsxwriter::XlsxError,
    },
    #[error("DOCX: packing the archive: {0}")]
    Docx(String),
    #[error("font {font}: {message}")]
    Font { font: &'static str, message: String },
    #[error("PDF: subsetting font {font}: {message}")]
    Subset { font: &'static str, message: String },
}

impl ReportError {
    pub(crate) fn xlsx(
        context: impl Into<String>,
    ) -> impl FnOnce(rust_xlsxwriter::XlsxError) -> Self {
        let context = context.into();
        move |source| ReportError::Xlsx { context, source }
    }
}
