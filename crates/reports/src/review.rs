//! The final review (tổng kết) of 2019–2025 (issue 6, item 5): year-on-year
//! tables of the resources mobilised by kind of source and by category,
//! children supported, need against coverage, and the units' own figures —
//! under the units of the time or re-aggregated onto today's units. Pure:
//! plain data ([`Review`], which `storage::review` fills) in, a
//! [`Document`] out.
//!
//! Two sources, never mixed in one figure: what the **system** records
//! (receipts, need lines, allocations, deliveries — from the year the units
//! started using it), and what the **units reported** in their approved or
//! submitted yearly reports (the only figures there are for the years
//! before). A year without data prints "—" for the system and 0 reports,
//! not an estimate.

use serde::{Deserialize, Serialize};

use crate::annual::{
    CoverageFigure, Issuer, SourceFigure, category_label, donor_type_label, origin_label,
};
use crate::model::{Cell, Column, ColumnKind, Document, Section, Table, ratio_bp};

/// Which units the by-unit tables use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Regroup {
    /// The units that existed in each year (districts until 2025).
    Historic,
    /// Today's units: a unit of the time is counted in the units that
    /// replaced it; when it became several units, those are one row
    /// ("comparable area"), so no figure is split by guesswork.
    Today,
}

impl Regroup {
    pub fn as_str(self) -> &'static str {
        match self {
            Regroup::Historic => "historic",
            Regroup::Today => "today",
        }
    }

    pub fn parse(s: &str) -> Option<Regroup> {
        match s {
            "historic" => Some(Regroup::Historic),
            "today" => Some(Regroup::Today),
            _ => None,
        }
    }
}

/// One year of the review.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ReviewYear {
    pub year: i32,
    /// Receipts by kind of source (state budget apart), from the system.
    pub sources: Vec<SourceFigure>,
    pub state_budget_money: i64,
    /// Need and coverage by category, from the system.
    pub by_category: Vec<CoverageFigure>,
    /// Σ typed figures of the units' filed reports counted in the sum, one
    /// per [`Review::fields`].
    pub reported: Vec<i64>,
    /// Reports expected and filed (submitted, approved, locked).
    pub expected: i64,
    pub filed: i64,
}

impl ReviewYear {
    pub fn coverage(&self) -> CoverageFigure {
        let mut t = CoverageFigure::default();
        for c in &self.by_category {
            t.add(c);
        }
        t
    }

    /// Whether the system holds any figure for the year.
    pub fn has_system_data(&self) -> bool {
        !self.sources.is_empty() || !self.by_category.is_empty() || self.state_budget_money != 0
    }
}

/// One row of the by-unit tables: a unit (of the time, or a group of
/// today's units) and its figures per year, in the order of
/// [`Review::years`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewArea {
    pub label: String,
    /// Money mobilised as the units reported (domestic + foreign);
    /// `None`: no filed report that year.
    pub reported: Vec<Option<i64>>,
    /// Committed to the need lines of the area, from the system.
    pub committed: Vec<i64>,
    /// Need of the lines of the area, from the system.
    pub need: Vec<i64>,
}

/// Everything the final review prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Review {
    pub unit_code: String,
    pub unit_name: String,
    pub regroup: Regroup,
    pub issued_on: chrono::NaiveDate,
    pub issuer: Issuer,
    /// (key, label) of the figures units type.
    pub fields: Vec<(String, String)>,
    pub years: Vec<ReviewYear>,
    pub areas: Vec<ReviewArea>,
    pub demo: bool,
}

impl Review {
    pub fn first_year(&self) -> i32 {
        self.years.first().map_or(0, |y| y.year)
    }

    pub fn last_year(&self) -> i32 {
        self.years.last().map_or(0, |y| y.year)
    }

    fn field(&self, key: &str) -> Option<usize> {
        self.fields.iter().position(|(k, _)| k == key)
    }

    /// Σ reported of a field in a year.
    pub fn reported(&self, y: &ReviewYear, key: &str) -> i64 {
        self.field(key)
            .and_then(|i| y.reported.get(i).copied())
            .unwrap_or(0)
    }
}

fn col(header: &str, kind: ColumnKind) -> Column {
    Column {
        header: header.to_owned(),
        kind,
    }
}

fn year_columns(r: &Review, first: &[&str], kind: ColumnKind, total: bool) -> Vec<Column> {
    let mut cols: Vec<Column> = first.iter().map(|h| col(h, ColumnKind::Text)).collect();
    cols.extend(
        r.years
            .iter()
            .map(|y| col(&format!("Năm {}", y.year), kind)),
    );
    if total {
        cols.push(col("Cộng", kind));
    }
    cols
}

/// Money in millions of đồng, rounded half up: the year-on-year tables
/// have up to nine columns, and whole đồng do not fit an A4 page (the
/// yearly reports keep whole đồng).
pub fn millions(v: i64) -> Cell {
    Cell::Money(v.saturating_add(500_000).div_euclid(1_000_000))
}

/// A row of per-year money values with their sum.
fn money_row(first: Vec<Cell>, values: &[i64]) -> Vec<Cell> {
    let mut row = first;
    row.extend(values.iter().map(|v| millions(*v)));
    row.push(millions(
        values.iter().copied().fold(0, i64::saturating_add),
    ));
    row
}

fn column_sums(rows: &[Vec<i64>], n: usize) -> Vec<i64> {
    (0..n)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .copied()
                .fold(0, i64::saturating_add)
        })
        .collect()
}

/// Biểu 1: resources mobilised by kind of source, year on year (system).
pub fn sources_table(r: &Review) -> Table {
    let mut kinds: Vec<(String, String)> = Vec::new();
    for y in &r.years {
        for s in &y.sources {
            let k = (s.donor_type.clone(), s.origin.clone());
            if !kinds.contains(&k) {
                kinds.push(k);
            }
        }
    }
    kinds.sort();
    let values: Vec<Vec<i64>> = kinds
        .iter()
        .map(|(t, o)| {
            r.years
                .iter()
                .map(|y| {
                    y.sources
                        .iter()
                        .filter(|s| &s.donor_type == t && &s.origin == o)
                        .map(|s| s.money.saturating_add(s.goods))
                        .fold(0, i64::saturating_add)
                })
                .collect()
        })
        .collect();
    let rows = kinds
        .iter()
        .zip(&values)
        .map(|((t, o), v)| {
            money_row(
                vec![Cell::Text(donor_type_label(t)), Cell::Text(origin_label(o))],
                v,
            )
        })
        .collect();
    let sums = column_sums(&values, r.years.len());
    Table {
        title:
            "Biểu 1. Nguồn lực huy động theo loại nguồn qua các năm (hệ thống ghi nhận, triệu đồng)"
                .to_owned(),
        columns: year_columns(
            r,
            &["Loại nguồn", "Trong nước / nước ngoài"],
            ColumnKind::Money,
            true,
        ),
        rows,
        total_row: (!kinds.is_empty())
            .then(|| money_row(vec![Cell::Text("Tổng cộng".to_owned()), Cell::Empty], &sums)),
    }
}

/// Biểu 2: resources as the units reported them, year on year.
pub fn reported_table(r: &Review) -> Table {
    let keys = [
        "money_domestic",
        "money_foreign",
        "money_business",
        "money_fund",
        "money_mass_organisation",
        "money_individual",
        "money_state_budget",
    ];
    let rows = keys
        .iter()
        .filter_map(|k| {
            let label = r.fields.iter().find(|(f, _)| f == k)?.1.clone();
            let v: Vec<i64> = r.years.iter().map(|y| r.reported(y, k)).collect();
            Some(money_row(vec![Cell::Text(label)], &v))
        })
        .collect();
    Table {
        title: "Biểu 2. Nguồn lực huy động theo báo cáo của các đơn vị qua các năm (triệu đồng)"
            .to_owned(),
        columns: year_columns(r, &["Chỉ tiêu"], ColumnKind::Money, true),
        rows,
        total_row: None,
    }
}

/// Biểu 3: committed to need lines, by category, year on year (system).
pub fn categories_table(r: &Review) -> Table {
    let mut keys: Vec<String> = Vec::new();
    for y in &r.years {
        for c in &y.by_category {
            if !keys.contains(&c.key) {
                keys.push(c.key.clone());
            }
        }
    }
    let values: Vec<Vec<i64>> = keys
        .iter()
        .map(|k| {
            r.years
                .iter()
                .map(|y| {
                    y.by_category
                        .iter()
                        .filter(|c| &c.key == k)
                        .map(|c| c.committed)
                        .sum()
                })
                .collect()
        })
        .collect();
    let sums = column_sums(&values, r.years.len());
    Table {
        title: "Biểu 3. Nguồn lực đã cam kết cho nhu cầu theo lĩnh vực qua các năm (triệu đồng)"
            .to_owned(),
        columns: year_columns(r, &["Lĩnh vực"], ColumnKind::Money, true),
        rows: keys
            .iter()
            .zip(&values)
            .map(|(k, v)| money_row(vec![Cell::Text(category_label(k))], v))
            .collect(),
        total_row: (!keys.is_empty())
            .then(|| money_row(vec![Cell::Text("Tổng cộng".to_owned())], &sums)),
    }
}

/// Biểu 4: need against coverage, year on year (system).
pub fn coverage_table(r: &Review) -> Table {
    let cov: Vec<CoverageFigure> = r.years.iter().map(ReviewYear::coverage).collect();
    let row = |label: &str, f: &dyn Fn(&CoverageFigure) -> Cell| {
        let mut row = vec![Cell::Text(label.to_owned())];
        row.extend(cov.iter().map(f));
        row
    };
    Table {
        title: "Biểu 4. Nhu cầu và mức độ đáp ứng qua các năm (hệ thống ghi nhận)".to_owned(),
        columns: year_columns(r, &["Chỉ tiêu"], ColumnKind::Integer, false),
        rows: vec![
            row("Số dòng nhu cầu", &|c| Cell::Int(c.lines)),
            row("Nhu cầu (triệu đồng)", &|c| millions(c.need)),
            row("Đã cam kết (triệu đồng)", &|c| {
                millions(c.committed)
            }),
            row("Đã nhận (triệu đồng)", &|c| millions(c.received)),
            row("Đã trao (triệu đồng)", &|c| millions(c.delivered)),
            row("Tỷ lệ đáp ứng (đã cam kết / nhu cầu)", &|c| {
                ratio_bp(c.committed.min(c.need), c.need).map_or(Cell::Empty, Cell::Percent)
            }),
        ],
        total_row: None,
    }
}

/// Biểu 5: children supported, year on year (system and reported).
pub fn children_table(r: &Review) -> Table {
    let row = |label: &str, f: &dyn Fn(&ReviewYear) -> i64| {
        let mut row = vec![Cell::Text(label.to_owned())];
        row.extend(r.years.iter().map(|y| Cell::Int(f(y))));
        row
    };
    Table {
        title: "Biểu 5. Trẻ em được hỗ trợ qua các năm (lượt)".to_owned(),
        columns: year_columns(r, &["Chỉ tiêu"], ColumnKind::Integer, false),
        rows: vec![
            row("Lượt trẻ em có nhu cầu (hệ thống)", &|y| {
                y.coverage().children_need
            }),
            row(
                "Lượt trẻ em được đáp ứng đủ (hệ thống)",
                &|y| y.coverage().children_covered,
            ),
            row(
                "Lượt trẻ em đã nhận hỗ trợ (hệ thống)",
                &|y| y.coverage().children_served,
            ),
            row(
                "Số lượt trẻ em được hỗ trợ (đơn vị báo cáo)",
                &|y| r.reported(y, "children_supported"),
            ),
            row(
                "Số suất hỗ trợ được chi trả (đơn vị báo cáo)",
                &|y| r.reported(y, "packages_funded"),
            ),
            row("Số đơn vị phải báo cáo", &|y| y.expected),
            row("Số đơn vị đã gửi báo cáo", &|y| y.filed),
        ],
        total_row: None,
    }
}

fn area_header(r: &Review) -> &'static str {
    match r.regroup {
        Regroup::Historic => "Đơn vị (tại thời điểm báo cáo)",
        Regroup::Today => "Đơn vị hiện nay",
    }
}

/// Biểu 6: money mobilised as each unit reported it, year on year.
pub fn areas_reported_table(r: &Review) -> Table {
    let rows: Vec<&ReviewArea> = r
        .areas
        .iter()
        .filter(|a| a.reported.iter().any(Option::is_some))
        .collect();
    let n = r.years.len();
    let sums: Vec<i64> = (0..n)
        .map(|i| {
            rows.iter()
                .filter_map(|a| a.reported.get(i).copied().flatten())
                .fold(0, i64::saturating_add)
        })
        .collect();
    Table {
        title: format!(
            "Biểu 6. Nguồn lực huy động theo báo cáo, theo {} (trong nước và nước ngoài, triệu đồng)",
            area_header(r).to_lowercase()
        ),
        columns: year_columns(r, &[area_header(r)], ColumnKind::Money, true),
        rows: rows
            .iter()
            .map(|a| {
                let mut row = vec![Cell::Text(a.label.clone())];
                row.extend(
                    a.reported
                        .iter()
                        .map(|v| v.map_or_else(|| Cell::Text("—".to_owned()), millions)),
                );
                row.push(millions(
                    a.reported
                        .iter()
                        .flatten()
                        .copied()
                        .fold(0, i64::saturating_add),
                ));
                row
            })
            .collect(),
        total_row: (!rows.is_empty())
            .then(|| money_row(vec![Cell::Text("Tổng cộng".to_owned())], &sums)),
    }
}

/// Biểu 7: need and committed by unit, year on year (system).
pub fn areas_committed_table(r: &Review) -> Table {
    let rows: Vec<&ReviewArea> = r
        .areas
        .iter()
        .filter(|a| a.need.iter().any(|v| *v != 0) || a.committed.iter().any(|v| *v != 0))
        .collect();
    let committed: Vec<Vec<i64>> = rows.iter().map(|a| a.committed.clone()).collect();
    let sums = column_sums(&committed, r.years.len());
    Table {
        title: format!(
            "Biểu 7. Nguồn lực đã cam kết cho nhu cầu theo {} (hệ thống ghi nhận, triệu đồng)",
            area_header(r).to_lowercase()
        ),
        columns: year_columns(r, &[area_header(r)], ColumnKind::Money, true),
        rows: rows
            .iter()
            .map(|a| money_row(vec![Cell::Text(a.label.clone())], &a.committed))
            .collect(),
        total_row: (!rows.is_empty())
            .then(|| money_row(vec![Cell::Text("Tổng cộng".to_owned())], &sums)),
    }
}

/// The title of the review.
pub fn title(r: &Review) -> String {
    format!(
        "Tổng kết công tác huy động nguồn lực hỗ trợ trẻ em giai đoạn {}–{} — {}",
        r.first_year(),
        r.last_year(),
        r.unit_name
    )
}

/// The final review as a document.
pub fn document(r: &Review) -> Document {
    let system_years: Vec<String> = r
        .years
        .iter()
        .filter(|y| y.has_system_data())
        .map(|y| y.year.to_string())
        .collect();
    let reported_years: Vec<String> = r
        .years
        .iter()
        .filter(|y| y.filed > 0)
        .map(|y| y.year.to_string())
        .collect();
    let none = || "không có".to_owned();
    let mut general = vec![
        format!(
            "Số liệu tổng hợp từ hệ thống Chung Tay cho {} (mã {}), các năm {}–{}. Hai nguồn số liệu được trình bày riêng, không cộng lẫn: số liệu hệ thống ghi nhận (các năm có số liệu: {}) và số liệu các đơn vị báo cáo trong báo cáo năm đã gửi (các năm có báo cáo: {}).",
            r.unit_name,
            r.unit_code,
            r.first_year(),
            r.last_year(),
            if system_years.is_empty() { none() } else { system_years.join(", ") },
            if reported_years.is_empty() { none() } else { reported_years.join(", ") },
        ),
        match r.regroup {
            Regroup::Historic => "Các biểu theo đơn vị trình bày theo đơn vị hành chính tại thời điểm báo cáo (cấp huyện đến hết năm 2024, cấp xã mới từ ngày 01/7/2025).".to_owned(),
            Regroup::Today => "Các biểu theo đơn vị được cộng dồn về đơn vị hành chính hiện nay theo quan hệ kế thừa của bản đồ hành chính; đơn vị cũ tách thành nhiều đơn vị mới được trình bày chung một dòng với các đơn vị đó, không chia số liệu theo ước tính.".to_owned(),
        },
        "Đơn vị tính tiền: triệu đồng, làm tròn (số liệu chi tiết đến đồng trong báo cáo năm của từng năm).".to_owned(),
        "Số liệu các đơn vị báo cáo chỉ gồm báo cáo đã nộp, đã duyệt hoặc đã khóa; báo cáo cấp xã không cộng lại khi huyện của xã đã báo cáo.".to_owned(),
    ];
    if r.demo {
        general.push("Lưu ý: số liệu là dữ liệu mẫu (demo), không phải số liệu thật.".to_owned());
    }
    let section = |heading: &str, paragraphs: Vec<String>, tables: Vec<Table>| Section {
        heading: heading.to_owned(),
        paragraphs,
        tables,
        charts: Vec::new(),
    };
    let sections = vec![
        section("I. THÔNG TIN CHUNG", general, Vec::new()),
        section(
            "II. NGUỒN LỰC HUY ĐỘNG",
            Vec::new(),
            vec![sources_table(r), reported_table(r), categories_table(r)],
        ),
        section(
            "III. NHU CẦU, MỨC ĐỘ ĐÁP ỨNG VÀ TRẺ EM ĐƯỢC HỖ TRỢ",
            Vec::new(),
            vec![coverage_table(r), children_table(r)],
        ),
        section(
            "IV. KẾT QUẢ THEO ĐƠN VỊ",
            Vec::new(),
            vec![areas_reported_table(r), areas_committed_table(r)],
        ),
        section(
            "V. ĐÁNH GIÁ CHUNG, BÀI HỌC KINH NGHIỆM VÀ PHƯƠNG HƯỚNG",
            vec![
                "1. Đánh giá chung: (đơn vị viết)".to_owned(),
                "2. Bài học kinh nghiệm: (đơn vị viết)".to_owned(),
                "3. Phương hướng giai đoạn tiếp theo: (đơn vị viết)".to_owned(),
            ],
            Vec::new(),
        ),
    ];
    Document {
        issuer_parent: r.issuer.parent.clone(),
        issuer: r.issuer.body.clone(),
        number_symbol: r.issuer.number_symbol.clone(),
        place: r.issuer.place.clone(),
        date: r.issued_on,
        kind: "BÁO CÁO".to_owned(),
        title: title(r),
        sections,
        recipients: r.issuer.recipients.clone(),
        signer_title: r.issuer.signer_title.clone(),
        signer_name: r.issuer.signer_name.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::annual::{UnitLevel, default_issuer};
    use chrono::NaiveDate;

    fn review() -> Review {
        let fields = vec![
            ("money_domestic".to_owned(), "Trong nước".to_owned()),
            ("children_supported".to_owned(), "Trẻ em".to_owned()),
        ];
        let year = |y: i32, reported: Vec<i64>, filed: i64| ReviewYear {
            year: y,
            reported,
            expected: 10,
            filed,
            ..ReviewYear::default()
        };
        let mut y25 = year(2025, vec![300_000_000, 40], 4);
        y25.sources = vec![SourceFigure {
            origin: "domestic".into(),
            donor_type: "business".into(),
            receipts: 2,
            money: 1_000_000_000,
            goods: 499_999,
        }];
        y25.by_category = vec![CoverageFigure {
            key: "nutrition".into(),
            lines: 2,
            need: 2_000_000_000,
            committed: 1_500_000_000,
            children_need: 30,
            ..CoverageFigure::default()
        }];
        Review {
            unit_code: "46".into(),
            unit_name: "Thành phố Huế".into(),
            regroup: Regroup::Today,
            issued_on: NaiveDate::from_ymd_opt(2025, 12, 20).expect("date"),
            issuer: default_issuer(UnitLevel::Province, "Thành phố Huế", 2025),
            fields,
            years: vec![
                year(2023, vec![100_000_000, 10], 3),
                year(2024, vec![200_000_000, 20], 5),
                y25,
            ],
            areas: vec![
                ReviewArea {
                    label: "Xã A Lưới 1, Xã A Lưới 2".into(),
                    reported: vec![Some(100_000_000), None, Some(50_000_000)],
                    committed: vec![0, 0, 1_500_000_000],
                    need: vec![0, 0, 2_000_000_000],
                },
                ReviewArea {
                    label: "Phường Thuận Hóa".into(),
                    reported: vec![None, None, None],
                    committed: vec![0, 0, 0],
                    need: vec![0, 0, 0],
                },
            ],
            demo: true,
        }
    }

    #[test]
    fn year_on_year_tables_put_each_year_in_its_column() {
        let r = review();
        let reported = reported_table(&r);
        assert_eq!(reported.columns.len(), 1 + 3 + 1);
        assert_eq!(
            reported.rows[0][1..],
            [
                Cell::Money(100),
                Cell::Money(200),
                Cell::Money(300),
                Cell::Money(600)
            ]
        );
        let sources = sources_table(&r);
        assert_eq!(
            sources.rows[0][4],
            Cell::Money(1_000),
            "2025 is the third year"
        );
        assert_eq!(sources.rows[0][2], Cell::Money(0));
        assert_eq!(millions(1_499_999), Cell::Money(1));
        assert_eq!(millions(1_500_000), Cell::Money(2));
        let coverage = coverage_table(&r);
        assert_eq!(coverage.rows[5][3], Cell::Percent(7_500));
        assert_eq!(coverage.rows[5][1], Cell::Empty, "no need, no rate");
    }

    #[test]
    fn units_without_figures_are_left_out_and_missing_years_say_so() {
        let r = review();
        let areas = areas_reported_table(&r);
        assert_eq!(areas.rows.len(), 1);
        assert_eq!(areas.rows[0][2], Cell::Text("—".into()));
        assert_eq!(areas.rows[0][4], Cell::Money(150));
        assert_eq!(areas_committed_table(&r).rows.len(), 1);
    }

    #[test]
    fn the_review_renders_in_every_format() {
        let doc = document(&review());
        doc.check().expect("tables are well formed");
        assert!(doc.title.contains("2023–2025"));
        assert!(crate::xlsx(&doc).is_ok());
        assert!(crate::docx(&doc).is_ok());
        assert!(crate::pdf(&doc).is_ok());
        assert_eq!(Regroup::parse("today"), Some(Regroup::Today));
        assert_eq!(Regroup::parse("x"), None);
    }
}
