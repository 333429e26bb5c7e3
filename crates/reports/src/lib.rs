//! Official documents from report data: XLSX, DOCX (Decree 30/2020), PDF, SVG charts (pure, no IO).
//!
//! Every writer takes the same [`Document`] (plain data, see [`model`]),
//! normalises its text to NFC, checks table shapes, and returns bytes. No
//! database, no network, no system fonts: the PDF embeds Liberation Serif
//! (metric-compatible with Times New Roman) from `assets/fonts/`.

pub mod annual;
pub mod consolidated;
pub mod decree;
mod delimited;
mod docx;
mod error;
mod fonts;
pub mod model;
pub mod number;
mod pdf;
pub mod review;
pub mod svg;
mod xlsx;

pub use error::ReportError;
pub use model::{Cell, Chart, Column, ColumnKind, Document, Section, Table};
pub use number::{format_int, format_percent_bp, format_vnd};

/// An Excel workbook: a "Thông tin" sheet (header fields and narrative), then
/// one sheet per table and per chart's data, numbers stored as numbers.
pub fn xlsx(doc: &Document) -> Result<Vec<u8>, ReportError> {
    xlsx::write(&doc.normalized())
}

/// A Word document laid out per Decree 30/2020/NĐ-CP.
pub fn docx(doc: &Document) -> Result<Vec<u8>, ReportError> {
    docx::write(&doc.normalized())
}

/// A PDF for public disclosure, same layout as the DOCX, fonts embedded.
pub fn pdf(doc: &Document) -> Result<Vec<u8>, ReportError> {
    pdf::write(&doc.normalized())
}

/// One table as CSV (UTF-8 with a byte-order mark so Excel reads Vietnamese).
pub fn csv(table: &Table) -> Vec<u8> {
    delimited::write(table)
}
