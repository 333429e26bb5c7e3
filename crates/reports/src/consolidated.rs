//! The coordinator's city report to the People's Committee (issue 6, item
//! 5): the city's yearly report from the system's own data
//! ([`crate::annual`]), followed by the consolidation of the units' own
//! reports — each filed report's typed figures beside what the system
//! records for the unit, the sum of the units beside the system's figure for
//! the whole city, every difference flagged — and the obligations that
//! moved with the 2025 reform. Pure: plain data in, a [`Document`] out.
//!
//! **What is summed.** A unit's report counts in "Σ units" when it was filed
//! (submitted, approved or locked) and no report of the unit above it (its
//! district at the time) was filed, so a commune is never counted inside
//! its district a second time. Departments and mass organisations are
//! listed, not summed: what they mobilise reaches the communes' need lines
//! and is counted there.

use serde::{Deserialize, Serialize};

use crate::annual::{self, AnnualFigures};
use crate::model::{Cell, Column, ColumnKind, Document, Section, Table};

/// One unit's report in the consolidation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitReport {
    /// The unit's name (of the time).
    pub unit: String,
    /// `district`, `commune`, `department`, `mass_organisation`.
    pub level: String,
    /// `none`, `draft`, `submitted`, `approved`, `returned`, `locked`.
    pub status: String,
    /// Counted in the sum of the units (see the module's documentation).
    pub in_sum: bool,
    /// Typed figures, one per [`Consolidation::fields`] (`None`: blank).
    pub typed: Vec<Option<i64>>,
    /// The system's figures for the unit (`None`: not the system's to know).
    pub system: Vec<Option<i64>>,
}

impl UnitReport {
    /// Whether the report was filed (it counts for the consolidation).
    pub fn is_filed(&self) -> bool {
        matches!(self.status.as_str(), "submitted" | "approved" | "locked")
    }
}

/// A step of an obligation along the map, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MovedObligation {
    /// The unit that owed the report (a district, a commune).
    pub from: String,
    pub from_level: String,
    /// The units that carry it now.
    pub to: Vec<String>,
    /// The day the change took effect.
    pub on: chrono::NaiveDate,
    /// `lineage` or `dissolved`.
    pub reason: String,
    /// The lineage change (`merge`, `split`, …) when `reason` is `lineage`.
    pub change_kind: Option<String>,
    /// The resolution or decision.
    pub instrument: String,
}

impl MovedObligation {
    /// Why, in words: the change and its instrument.
    pub fn why(&self) -> String {
        let how = match (self.reason.as_str(), self.change_kind.as_deref()) {
            ("dissolved", _) => "giải thể cấp huyện".to_owned(),
            (_, Some(kind)) => i18n::lookup(i18n::Lang::Vi, &format!("change-{kind}"))
                .map_or_else(|| kind.to_owned(), str::to_owned),
            _ => String::new(),
        };
        match (how.is_empty(), self.instrument.is_empty()) {
            (true, _) => self.instrument.clone(),
            (false, true) => how,
            (false, false) => format!("{how}, {}", self.instrument),
        }
    }
}

/// The Vietnamese label of a report field (`report-field-*`).
pub fn field_label(key: &str) -> String {
    i18n::lookup(i18n::Lang::Vi, &format!("report-field-{key}"))
        .map_or_else(|| key.to_owned(), str::to_owned)
}

/// Everything the consolidated city report prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Consolidation {
    /// The city's own report, from the system's data.
    pub annual: AnnualFigures,
    /// (key, label) of the figures units type, in order.
    pub fields: Vec<(String, String)>,
    /// Every report expected this year (open obligations), filed or not.
    pub units: Vec<UnitReport>,
    /// The system's figures for the whole city, one per field.
    pub city_system: Vec<Option<i64>>,
    pub moves: Vec<MovedObligation>,
}

/// One total of the consolidation (a field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Total {
    pub key: String,
    pub label: String,
    /// Σ typed of the units in the sum (blank figures count as nothing).
    pub typed: i64,
    /// Σ the system's figures of the same units (`None`: not known).
    pub units_system: Option<i64>,
    /// The system's figure for the city.
    pub city_system: Option<i64>,
    /// Σ typed differs from Σ system of the same units.
    pub typed_differs: bool,
    /// Σ typed differs from the city's system figure.
    pub city_differs: bool,
}

/// A unit's typed figure that differs from the system's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub unit: String,
    pub label: String,
    pub typed: i64,
    pub system: i64,
}

impl Consolidation {
    /// Filed reports (those the consolidation reads).
    pub fn filed(&self) -> impl Iterator<Item = &UnitReport> {
        self.units.iter().filter(|u| u.is_filed())
    }

    /// The totals, field by field.
    pub fn totals(&self) -> Vec<Total> {
        self.fields
            .iter()
            .enumerate()
            .map(|(i, (key, label))| {
                let summed: Vec<&UnitReport> = self.filed().filter(|u| u.in_sum).collect();
                let typed = summed
                    .iter()
                    .filter_map(|u| u.typed.get(i).copied().flatten())
                    .fold(0i64, i64::saturating_add);
                let units_system = summed
                    .iter()
                    .map(|u| u.system.get(i).copied().flatten())
                    .try_fold(0i64, |acc, v| v.map(|v| acc.saturating_add(v)));
                let city_system = self.city_system.get(i).copied().flatten();
                Total {
                    key: key.clone(),
                    label: label.clone(),
                    typed,
                    units_system,
                    city_system,
                    typed_differs: units_system.is_some_and(|s| s != typed),
                    city_differs: city_system.is_some_and(|s| s != typed),
                }
            })
            .collect()
    }

    /// Every typed figure of a filed report that differs from the system's
    /// (a blank figure, or one the system cannot know, is not compared).
    pub fn differences(&self) -> Vec<Difference> {
        let mut out = Vec::new();
        for u in self.filed() {
            for (i, (_, label)) in self.fields.iter().enumerate() {
                let typed = u.typed.get(i).copied().flatten();
                let system = u.system.get(i).copied().flatten();
                if let (Some(typed), Some(system)) = (typed, system)
                    && typed != system
                {
                    out.push(Difference {
                        unit: u.unit.clone(),
                        label: label.clone(),
                        typed,
                        system,
                    });
                }
            }
        }
        out
    }
}

fn col(header: &str, kind: ColumnKind) -> Column {
    Column {
        header: header.to_owned(),
        kind,
    }
}

fn opt(v: Option<i64>) -> Cell {
    v.map_or_else(|| Cell::Text("—".to_owned()), Cell::Int)
}

/// "Có" when `flag`, else empty.
fn flag(f: bool) -> Cell {
    if f {
        Cell::Text(DIFFERS.to_owned())
    } else {
        Cell::Empty
    }
}

/// Printed where two figures differ.
pub const DIFFERS: &str = "Chênh lệch";

/// The Vietnamese label of a report status.
pub fn status_label(status: &str) -> &'static str {
    match status {
        "draft" => "Bản nháp",
        "submitted" => "Đã nộp",
        "approved" => "Đã duyệt",
        "returned" => "Bị trả lại",
        "locked" => "Đã khóa",
        _ => "Chưa lập",
    }
}

/// The Vietnamese label of a reporting unit's level.
pub fn level_label(level: &str) -> &'static str {
    match level {
        "district" => "Cấp huyện",
        "commune" => "Cấp xã",
        "department" => "Sở, ngành",
        "mass_organisation" => "Đoàn thể",
        _ => "Khác",
    }
}

/// The title of the consolidated report.
pub fn title(c: &Consolidation) -> String {
    format!(
        "Tổng hợp kết quả huy động nguồn lực và hỗ trợ trẻ em năm {} — {}",
        c.annual.year, c.annual.unit_name
    )
}

/// Biểu 10: the totals of the units' reports against the system's.
pub fn totals_table(c: &Consolidation) -> Table {
    Table {
        title: "Biểu 10. Tổng hợp số liệu báo cáo của các đơn vị và số liệu hệ thống".to_owned(),
        columns: vec![
            col("Chỉ tiêu", ColumnKind::Text),
            col("Tổng các đơn vị báo cáo", ColumnKind::Integer),
            col("Hệ thống ghi nhận cho các đơn vị đó", ColumnKind::Integer),
            col("Hệ thống ghi nhận toàn thành phố", ColumnKind::Integer),
            col("Đơn vị so với hệ thống", ColumnKind::Text),
            col("Đơn vị so với toàn thành phố", ColumnKind::Text),
        ],
        rows: c
            .totals()
            .into_iter()
            .map(|t| {
                vec![
                    Cell::Text(t.label),
                    Cell::Int(t.typed),
                    opt(t.units_system),
                    opt(t.city_system),
                    flag(t.typed_differs),
                    flag(t.city_differs),
                ]
            })
            .collect(),
        total_row: None,
    }
}

/// Biểu 11: each unit's typed figure that differs from the system's.
pub fn differences_table(c: &Consolidation) -> Table {
    Table {
        title: "Biểu 11. Số liệu đơn vị báo cáo khác số liệu hệ thống".to_owned(),
        columns: vec![
            col("Đơn vị", ColumnKind::Text),
            col("Chỉ tiêu", ColumnKind::Text),
            col("Đơn vị báo cáo", ColumnKind::Integer),
            col("Hệ thống ghi nhận", ColumnKind::Integer),
            col("Chênh lệch", ColumnKind::Integer),
        ],
        rows: c
            .differences()
            .into_iter()
            .map(|d| {
                vec![
                    Cell::Text(d.unit),
                    Cell::Text(d.label),
                    Cell::Int(d.typed),
                    Cell::Int(d.system),
                    Cell::Int(d.typed.saturating_sub(d.system)),
                ]
            })
            .collect(),
        total_row: None,
    }
}

/// Biểu 12: the reports filed, with their money figures.
pub fn units_table(c: &Consolidation) -> Table {
    let idx = |k: &str| c.fields.iter().position(|(key, _)| key == k);
    let get = |u: &UnitReport, k: &str| idx(k).and_then(|i| u.typed.get(i).copied().flatten());
    Table {
        title: "Biểu 12. Báo cáo của các đơn vị".to_owned(),
        columns: vec![
            col("Đơn vị", ColumnKind::Text),
            col("Cấp", ColumnKind::Text),
            col("Tình trạng", ColumnKind::Text),
            col("Tính vào tổng", ColumnKind::Text),
            col("Nguồn lực trong nước (đồng)", ColumnKind::Money),
            col("Nguồn lực nước ngoài (đồng)", ColumnKind::Money),
            col("Số lượt trẻ em được hỗ trợ", ColumnKind::Integer),
        ],
        rows: c
            .filed()
            .map(|u| {
                let money = |k| get(u, k).map_or(Cell::Empty, Cell::Money);
                vec![
                    Cell::Text(u.unit.clone()),
                    Cell::Text(level_label(&u.level).to_owned()),
                    Cell::Text(status_label(&u.status).to_owned()),
                    Cell::Text(if u.in_sum { "Có" } else { "Không" }.to_owned()),
                    money("money_domestic"),
                    money("money_foreign"),
                    get(u, "children_supported").map_or(Cell::Empty, Cell::Int),
                ]
            })
            .collect(),
        total_row: None,
    }
}

/// Biểu 13: obligations that moved along the map (districts in full).
pub fn moves_table(c: &Consolidation) -> Table {
    Table {
        title: "Biểu 13. Nghĩa vụ báo cáo chuyển theo sắp xếp đơn vị hành chính".to_owned(),
        columns: vec![
            col("Đơn vị phải báo cáo", ColumnKind::Text),
            col("Chuyển cho", ColumnKind::Text),
            col("Từ ngày", ColumnKind::Text),
            col("Căn cứ", ColumnKind::Text),
        ],
        rows: c
            .moves
            .iter()
            .filter(|m| m.from_level == "district")
            .map(|m| {
                vec![
                    Cell::Text(m.from.clone()),
                    Cell::Text(m.to.join(", ")),
                    Cell::Text(i18n::format_date(m.on)),
                    Cell::Text(m.why()),
                ]
            })
            .collect(),
        total_row: None,
    }
}

/// The consolidation section of the document.
pub fn consolidation_section(c: &Consolidation) -> Section {
    let expected = c.units.len();
    let filed = c.filed().count();
    let summed = c.filed().filter(|u| u.in_sum).count();
    let differences = c.differences().len();
    let mut paragraphs = vec![
        format!(
            "Năm {} có {} đơn vị phải báo cáo; {} đơn vị đã gửi báo cáo (đã nộp, đã duyệt hoặc đã khóa), trong đó {} báo cáo được cộng vào tổng (báo cáo cấp xã không cộng lại khi huyện của xã đã báo cáo; báo cáo của sở, ngành, đoàn thể không cộng để tránh tính trùng nguồn lực đã về các xã).",
            c.annual.year, expected, filed, summed
        ),
        format!(
            "Số liệu đơn vị báo cáo được đối chiếu với số liệu hệ thống ghi nhận cho chính đơn vị đó và cho toàn thành phố; có {differences} số liệu của đơn vị khác số liệu hệ thống (Biểu 11). Ký hiệu \"—\": hệ thống không theo dõi chỉ tiêu này."
        ),
    ];
    let district_moves = c
        .moves
        .iter()
        .filter(|m| m.from_level == "district")
        .count();
    if !c.moves.is_empty() {
        paragraphs.push(format!(
            "Do sắp xếp đơn vị hành chính, nghĩa vụ báo cáo năm đã chuyển sang đơn vị kế thừa {} lượt, trong đó {} lượt từ đơn vị cấp huyện (Biểu 13; một nghĩa vụ có thể chuyển hai lượt, như huyện Nam Đông sang huyện Phú Lộc rồi sang các xã); báo cáo các năm 2019–2024 vẫn gắn với đơn vị đã lập.",
            c.moves.len(),
            district_moves
        ));
    }
    let mut tables = vec![totals_table(c), differences_table(c), units_table(c)];
    if district_moves > 0 {
        tables.push(moves_table(c));
    }
    Section {
        heading: "VIII. TỔNG HỢP BÁO CÁO CỦA CÁC ĐƠN VỊ".to_owned(),
        paragraphs,
        tables,
        charts: Vec::new(),
    }
}

/// The consolidated city report as a document: the city's report with the
/// consolidation inserted before the narrative.
pub fn document(c: &Consolidation) -> Document {
    let mut doc = annual::document(&c.annual);
    doc.title = title(c);
    let at = doc.sections.len().saturating_sub(1);
    doc.sections.insert(at, consolidation_section(c));
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::annual::{UnitLevel, default_issuer};
    use chrono::NaiveDate;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    fn city() -> AnnualFigures {
        AnnualFigures {
            unit_code: "46".into(),
            unit_name: "Thành phố Huế".into(),
            level: UnitLevel::Province,
            year: 2025,
            period_from: day(2025, 1, 1),
            period_to: day(2025, 12, 31),
            cut_off: day(2025, 12, 31),
            issued_on: day(2025, 12, 5),
            issuer: default_issuer(UnitLevel::Province, "Thành phố Huế", 2025),
            sources: Vec::new(),
            state_budget_receipts: 0,
            state_budget_money: 0,
            by_category: Vec::new(),
            by_age_band: Vec::new(),
            age_band_names: std::collections::BTreeMap::new(),
            by_area: Vec::new(),
            months: Vec::new(),
            deliveries_recorded: false,
            targets: None,
            completeness: None,
            reached: None,
            demo: false,
            synthetic: false,
        }
    }

    fn unit(
        name: &str,
        level: &str,
        status: &str,
        in_sum: bool,
        typed: i64,
        system: i64,
    ) -> UnitReport {
        UnitReport {
            unit: name.into(),
            level: level.into(),
            status: status.into(),
            in_sum,
            typed: vec![Some(typed), None],
            system: vec![Some(system), None],
        }
    }

    fn sample() -> Consolidation {
        Consolidation {
            annual: city(),
            fields: vec![
                (
                    "money_domestic".into(),
                    "Nguồn lực trong nước (đồng)".into(),
                ),
                ("money_state_budget".into(), "Ngân sách".into()),
            ],
            units: vec![
                unit("Xã A", "commune", "approved", true, 100, 100),
                unit("Xã B", "commune", "submitted", true, 250, 200),
                unit("Xã C", "commune", "draft", true, 999, 50),
                unit("Hội Phụ nữ", "mass_organisation", "approved", false, 70, 0),
            ],
            city_system: vec![Some(400), None],
            moves: vec![MovedObligation {
                from: "Huyện Nam Đông".into(),
                from_level: "district".into(),
                to: vec!["Xã Khe Tre".into(), "Xã Long Quảng".into()],
                on: day(2025, 7, 1),
                reason: "dissolved".into(),
                change_kind: None,
                instrument: "NQ 202/2025/QH15".into(),
            }],
        }
    }

    #[test]
    fn totals_sum_filed_reports_in_the_sum_and_flag_both_differences() {
        let c = sample();
        let t = &c.totals()[0];
        assert_eq!(
            t.typed, 350,
            "the draft and the organisation are not summed"
        );
        assert_eq!(t.units_system, Some(300));
        assert_eq!(t.city_system, Some(400));
        assert!(t.typed_differs && t.city_differs);
        let budget = &c.totals()[1];
        assert_eq!(budget.units_system, None);
        assert!(
            !budget.typed_differs && !budget.city_differs,
            "unknown is not a difference"
        );
    }

    #[test]
    fn every_differing_typed_figure_of_a_filed_report_is_listed() {
        let d = sample().differences();
        let units: Vec<&str> = d.iter().map(|x| x.unit.as_str()).collect();
        assert_eq!(
            units,
            ["Xã B", "Hội Phụ nữ"],
            "not the draft, not equal ones"
        );
        assert_eq!((d[0].typed, d[0].system), (250, 200));
    }

    #[test]
    fn the_document_puts_the_consolidation_before_the_narrative_in_every_format() {
        let c = sample();
        let doc = document(&c);
        doc.check().expect("tables are well formed");
        let n = doc.sections.len();
        assert!(doc.sections[n - 2].heading.starts_with("VIII."));
        assert!(doc.title.starts_with("Tổng hợp"));
        let moves = &doc.sections[n - 2].tables[3];
        assert_eq!(
            moves.rows[0][1],
            Cell::Text("Xã Khe Tre, Xã Long Quảng".into())
        );
        assert_eq!(moves.rows[0][2], Cell::Text("01/07/2025".into()));
        assert_eq!(
            moves.rows[0][3],
            Cell::Text("giải thể cấp huyện, NQ 202/2025/QH15".into())
        );
        assert_eq!(field_label("money_foreign"), "Nguồn lực nước ngoài (đồng)");
        assert!(crate::xlsx(&doc).is_ok());
        assert!(crate::docx(&doc).is_ok());
        assert!(crate::pdf(&doc).is_ok());
    }
}
