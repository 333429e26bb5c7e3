//! What a report says, as plain data: the caller (the app, a web handler)
//! fills a [`Document`] from the database, and every writer in this crate turns
//! the same value into bytes. Serde makes it easy to snapshot or to hand over
//! as JSON.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// An administrative document (Decree 30/2020/NĐ-CP): header, body, footer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// Governing body, upper case: "ỦY BAN NHÂN DÂN THÀNH PHỐ HUẾ". May be empty.
    pub issuer_parent: String,
    /// Issuing body, upper case: "SỞ Y TẾ".
    pub issuer: String,
    /// Number and symbol as printed: "Số: 12/BC-SYT".
    pub number_symbol: String,
    /// Place name of the date line: "Huế".
    pub place: String,
    pub date: NaiveDate,
    /// Kind of document, upper case: "BÁO CÁO".
    pub kind: String,
    /// Summary line under the kind ("Kết quả vận động … năm 2026").
    pub title: String,
    pub sections: Vec<Section>,
    /// "Nơi nhận" lines, without the leading dash.
    pub recipients: Vec<String>,
    /// "GIÁM ĐỐC", "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC" (a newline starts a new line).
    pub signer_title: String,
    pub signer_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// "1. Kết quả huy động" — numbering is the caller's, written as text.
    pub heading: String,
    pub paragraphs: Vec<String>,
    pub tables: Vec<Table>,
    pub charts: Vec<Chart>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub title: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    pub total_row: Option<Vec<Cell>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// Header as printed; put the unit in it: "Số tiền (đồng)".
    pub header: String,
    pub kind: ColumnKind,
}

/// How a column's values are aligned and formatted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ColumnKind {
    Text,
    Integer,
    Money,
    Percent,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// Whole đồng (VND has no minor unit).
    Money(i64),
    /// Basis points: 1234 = 12,34 %.
    Percent(i64),
    Empty,
}

impl Cell {
    /// The value as printed in a DOCX or PDF table: `1.234.567`, `12,34%`.
    /// Money is printed without a currency sign; the column header carries the
    /// unit ("Số tiền (đồng)"), as Vietnamese statistical tables do.
    pub fn display(&self) -> String {
        match self {
            Cell::Text(text) => text.clone(),
            Cell::Int(value) | Cell::Money(value) => crate::number::format_int(*value),
            Cell::Percent(bp) => crate::number::format_percent_bp(*bp),
            Cell::Empty => String::new(),
        }
    }

    /// Numbers are right-aligned; text is left-aligned.
    pub fn is_numeric(&self) -> bool {
        matches!(self, Cell::Int(_) | Cell::Money(_) | Cell::Percent(_))
    }
}

/// A chart: drawn as SVG for the web ([`crate::svg`]); in DOCX, XLSX and PDF
/// its data are printed as a table (and bar charts are also drawn in the PDF).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Chart {
    /// One bar per label; `unit` is printed after the values ("trẻ em").
    Bar {
        title: String,
        unit: String,
        items: Vec<(String, i64)>,
    },
    /// (label, target, actual) per item.
    TargetVsActual {
        title: String,
        items: Vec<(String, i64, i64)>,
    },
    /// Named series of dated amounts (money in and out over time).
    Line {
        title: String,
        series: Vec<(String, Vec<(NaiveDate, i64)>)>,
    },
    /// Coverage ratio (0..=1) per commune; `None` = no data.
    UnitGrid {
        title: String,
        items: Vec<(String, Option<f64>)>,
    },
    /// (unit, expected, on time, late, missing) reports per unit.
    Completeness {
        title: String,
        items: Vec<(String, i64, i64, i64, i64)>,
    },
}

impl Chart {
    pub fn title(&self) -> &str {
        match self {
            Chart::Bar { title, .. }
            | Chart::TargetVsActual { title, .. }
            | Chart::Line { title, .. }
            | Chart::UnitGrid { title, .. }
            | Chart::Completeness { title, .. } => title,
        }
    }

    /// The chart as an SVG string (see [`crate::svg`]).
    pub fn to_svg(&self) -> String {
        use crate::svg;
        match self {
            Chart::Bar { title, unit, items } => svg::bar_chart(title, items, unit),
            Chart::TargetVsActual { title, items } => svg::target_vs_actual(title, items),
            Chart::Line { title, series } => svg::line_chart(title, series),
            Chart::UnitGrid { title, items } => svg::unit_grid(title, items),
            Chart::Completeness { title, items } => svg::completeness(title, items),
        }
    }

    /// The chart's data as a table, for formats that print numbers rather than
    /// pictures (and for readers who cannot see the picture).
    pub fn data_table(&self) -> Table {
        fn col(header: &str, kind: ColumnKind) -> Column {
            Column {
                header: header.to_owned(),
                kind,
            }
        }
        let title = format!("Số liệu biểu đồ: {}", self.title());
        match self {
            Chart::Bar { unit, items, .. } => {
                let header = if unit.is_empty() {
                    "Giá trị".to_owned()
                } else {
                    format!("Giá trị ({unit})")
                };
                Table {
                    title,
                    columns: vec![
                        col("Nội dung", ColumnKind::Text),
                        col(&header, ColumnKind::Integer),
                    ],
                    rows: items
                        .iter()
                        .map(|(label, value)| vec![Cell::Text(label.clone()), Cell::Int(*value)])
                        .collect(),
                    total_row: None,
                }
            }
            Chart::TargetVsActual { items, .. } => Table {
                title,
                columns: vec![
                    col("Nội dung", ColumnKind::Text),
                    col("Chỉ tiêu", ColumnKind::Integer),
                    col("Thực hiện", ColumnKind::Integer),
                    col("Tỷ lệ", ColumnKind::Percent),
                ],
                rows: items
                    .iter()
                    .map(|(label, target, actual)| {
                        vec![
                            Cell::Text(label.clone()),
                            Cell::Int(*target),
                            Cell::Int(*actual),
                            ratio_bp(*actual, *target).map_or(Cell::Empty, Cell::Percent),
                        ]
                    })
                    .collect(),
                total_row: None,
            },
            Chart::Line { series, .. } => {
                let mut dates: Vec<NaiveDate> = series
                    .iter()
                    .flat_map(|(_, points)| points.iter().map(|(date, _)| *date))
                    .collect();
                dates.sort_unstable();
                dates.dedup();
                let mut columns = vec![col("Ngày", ColumnKind::Text)];
                columns.extend(series.iter().map(|(name, _)| col(name, ColumnKind::Money)));
                let rows = dates
                    .iter()
                    .map(|date| {
                        let mut row = vec![Cell::Text(i18n::format_date(*date))];
                        row.extend(series.iter().map(|(_, points)| {
                            points
                                .iter()
                                .filter(|(d, _)| d == date)
                                .map(|(_, v)| *v)
                                .reduce(|a, b| a.saturating_add(b))
                                .map_or(Cell::Empty, Cell::Money)
                        }));
                        row
                    })
                    .collect();
                Table {
                    title,
                    columns,
                    rows,
                    total_row: None,
                }
            }
            Chart::UnitGrid { items, .. } => Table {
                title,
                columns: vec![
                    col("Đơn vị", ColumnKind::Text),
                    col("Tỷ lệ bao phủ", ColumnKind::Percent),
                ],
                rows: items
                    .iter()
                    .map(|(name, ratio)| {
                        vec![
                            Cell::Text(name.clone()),
                            ratio.map_or(Cell::Text("Không có dữ liệu".to_owned()), |r| {
                                Cell::Percent((r.clamp(0.0, 1.0) * 10_000.0).round() as i64)
                            }),
                        ]
                    })
                    .collect(),
                total_row: None,
            },
            Chart::Completeness { items, .. } => Table {
                title,
                columns: vec![
                    col("Đơn vị", ColumnKind::Text),
                    col("Phải nộp", ColumnKind::Integer),
                    col("Đúng hạn", ColumnKind::Integer),
                    col("Trễ hạn", ColumnKind::Integer),
                    col("Chưa nộp", ColumnKind::Integer),
                ],
                rows: items
                    .iter()
                    .map(|(unit, expected, on_time, late, missing)| {
                        vec![
                            Cell::Text(unit.clone()),
                            Cell::Int(*expected),
                            Cell::Int(*on_time),
                            Cell::Int(*late),
                            Cell::Int(*missing),
                        ]
                    })
                    .collect(),
                total_row: None,
            },
        }
    }
}

/// `part / whole` in basis points, `None` when the whole is not positive.
pub(crate) fn ratio_bp(part: i64, whole: i64) -> Option<i64> {
    (whole > 0)
        .then(|| ((i128::from(part) * 10_000 + i128::from(whole) / 2) / i128::from(whole)) as i64)
}

/// NFC, without the control characters that XML (DOCX, XLSX, SVG) cannot
/// carry and a PDF cannot show; newlines and tabs stay.
fn nfc(text: &str) -> String {
    text.nfc()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect()
}

impl Table {
    /// Every row (and the total row) has as many cells as there are columns.
    pub fn check_shape(&self) -> Result<(), crate::ReportError> {
        let expected = self.columns.len();
        if expected == 0 {
            return Err(crate::ReportError::NoColumns {
                table: self.title.clone(),
            });
        }
        let rows = self.rows.iter().enumerate().map(|(i, row)| (i + 1, row));
        let total = self.total_row.iter().map(|row| (0, row));
        for (row_number, row) in rows.chain(total) {
            if row.len() != expected {
                return Err(crate::ReportError::RaggedRow {
                    table: self.title.clone(),
                    row: row_number,
                    cells: row.len(),
                    columns: expected,
                });
            }
        }
        Ok(())
    }

    fn normalized(&self) -> Table {
        let cells = |row: &Vec<Cell>| -> Vec<Cell> {
            row.iter()
                .map(|cell| match cell {
                    Cell::Text(text) => Cell::Text(nfc(text)),
                    other => other.clone(),
                })
                .collect()
        };
        Table {
            title: nfc(&self.title),
            columns: self
                .columns
                .iter()
                .map(|c| Column {
                    header: nfc(&c.header),
                    kind: c.kind,
                })
                .collect(),
            rows: self.rows.iter().map(cells).collect(),
            total_row: self.total_row.as_ref().map(cells),
        }
    }
}

impl Chart {
    fn normalized(&self) -> Chart {
        match self {
            Chart::Bar { title, unit, items } => Chart::Bar {
                title: nfc(title),
                unit: nfc(unit),
                items: items.iter().map(|(l, v)| (nfc(l), *v)).collect(),
            },
            Chart::TargetVsActual { title, items } => Chart::TargetVsActual {
                title: nfc(title),
                items: items.iter().map(|(l, t, a)| (nfc(l), *t, *a)).collect(),
            },
            Chart::Line { title, series } => Chart::Line {
                title: nfc(title),
                series: series.iter().map(|(n, p)| (nfc(n), p.clone())).collect(),
            },
            Chart::UnitGrid { title, items } => Chart::UnitGrid {
                title: nfc(title),
                items: items.iter().map(|(n, r)| (nfc(n), *r)).collect(),
            },
            Chart::Completeness { title, items } => Chart::Completeness {
                title: nfc(title),
                items: items
                    .iter()
                    .map(|(u, e, o, l, m)| (nfc(u), *e, *o, *l, *m))
                    .collect(),
            },
        }
    }
}

impl Document {
    /// A copy with every string in NFC (precomposed letters), which is what
    /// the PDF writer needs (one glyph per letter, no shaping) and what DOCX
    /// and spreadsheet consumers handle best. Every writer calls this first.
    pub fn normalized(&self) -> Document {
        Document {
            issuer_parent: nfc(&self.issuer_parent),
            issuer: nfc(&self.issuer),
            number_symbol: nfc(&self.number_symbol),
            place: nfc(&self.place),
            date: self.date,
            kind: nfc(&self.kind),
            title: nfc(&self.title),
            sections: self
                .sections
                .iter()
                .map(|s| Section {
                    heading: nfc(&s.heading),
                    paragraphs: s.paragraphs.iter().map(|p| nfc(p)).collect(),
                    tables: s.tables.iter().map(Table::normalized).collect(),
                    charts: s.charts.iter().map(Chart::normalized).collect(),
                })
                .collect(),
            recipients: self.recipients.iter().map(|r| nfc(r)).collect(),
            signer_title: nfc(&self.signer_title),
            signer_name: nfc(&self.signer_name),
        }
    }

    /// Checks every table's shape.
    pub fn check(&self) -> Result<(), crate::ReportError> {
        self.sections
            .iter()
            .flat_map(|s| s.tables.iter())
            .try_for_each(Table::check_shape)
    }
}
