//! Official documents from report data: XLSX, DOCX (Decree 30/2020), PDF, SVG charts (pure, no IO).
