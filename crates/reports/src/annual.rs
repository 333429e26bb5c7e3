//! The yearly report "Kết quả huy động nguồn lực và hỗ trợ trẻ em" (issue 6,
//! item 4) as a [`Document`], from the system's figures in plain data
//! ([`AnnualFigures`], which `storage::report_data` fills). Pure: the same
//! figures give the same document, whatever the output format.
//!
//! Honesty rules: a table with no rows says so; a figure the system cannot
//! know yet (unique children, sex, ethnicity — they need the children
//! registry) is printed as "Chưa có dữ liệu", never estimated; the state
//! budget for management (R13) is a line of its own, never added to the
//! resources mobilised. Nothing about a child appears here but counts.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use i18n::Lang;
use serde::{Deserialize, Serialize};

use crate::decree;
use crate::model::{Cell, Chart, Column, ColumnKind, Document, Section, Table, ratio_bp};

/// Printed where the system has no data for a figure (yet).
pub const NOT_AVAILABLE: &str = "Chưa có dữ liệu";

/// Which kind of unit the report is about (decides headings and labels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UnitLevel {
    /// All provinces: the national roll-up.
    National,
    Province,
    District,
    Commune,
}

/// The header of the document: who issues it, who signs, who receives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issuer {
    /// Governing body, upper case ("ỦY BAN NHÂN DÂN THÀNH PHỐ HUẾ"); may be empty.
    pub parent: String,
    /// Issuing body, upper case.
    pub body: String,
    /// "Số: …/BC-UBND" as printed.
    pub number_symbol: String,
    /// Place of the date line ("Huế").
    pub place: String,
    pub signer_title: String,
    pub signer_name: String,
    pub recipients: Vec<String>,
}

/// Receipts of one kind of source (donor type × origin) in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFigure {
    /// `domestic` | `foreign`.
    pub origin: String,
    /// `business` | `fund` | `mass_organisation` | `individual` | `other`.
    pub donor_type: String,
    pub receipts: i64,
    /// Money (cash and transfers), đồng.
    pub money: i64,
    /// Goods at their receipt value, đồng.
    pub goods: i64,
}

/// Need against coverage for one group (a category, a unit).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CoverageFigure {
    /// Category key, or unit code.
    pub key: String,
    /// Printed label (a unit's name; categories are labelled here).
    pub label: String,
    pub lines: i64,
    pub need: i64,
    pub committed: i64,
    pub received: i64,
    pub delivered: i64,
    /// Σ children of the need lines (lượt).
    pub children_need: i64,
    /// Σ children of the lines whose need is fully received (lượt).
    pub children_covered: i64,
    /// Σ children served by deliveries handed over (lượt, capped per line).
    pub children_served: i64,
}

impl CoverageFigure {
    pub fn add(&mut self, o: &CoverageFigure) {
        self.lines = self.lines.saturating_add(o.lines);
        self.need = self.need.saturating_add(o.need);
        self.committed = self.committed.saturating_add(o.committed);
        self.received = self.received.saturating_add(o.received);
        self.delivered = self.delivered.saturating_add(o.delivered);
        self.children_need = self.children_need.saturating_add(o.children_need);
        self.children_covered = self.children_covered.saturating_add(o.children_covered);
        self.children_served = self.children_served.saturating_add(o.children_served);
    }
}

/// Money in (receipts) and out (deliveries handed over) in one month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthFigure {
    /// First day of the month.
    pub month: NaiveDate,
    pub money_in: i64,
    pub money_out: i64,
}

/// A plan's target against what the system records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetFigure {
    pub label: String,
    pub target: i64,
    pub actual: i64,
}

/// Completeness of the units' own reports (expected, on time, late, missing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompletenessFigure {
    pub unit: String,
    pub expected: i64,
    pub on_time: i64,
    pub late: i64,
    pub missing: i64,
}

/// Children reached according to the rosters of deliveries (master
/// children of the children registry): unique children and lượt (child ×
/// delivery).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ReachedFigure {
    pub unique: i64,
    pub turns: i64,
    /// Unique children by sex.
    pub girls: i64,
    pub boys: i64,
    /// Unique children of an ethnic minority (recorded, and not Kinh).
    pub minority: i64,
    /// (category key, unique, lượt).
    pub by_category: Vec<(String, i64, i64)>,
    /// (age band at the delivery, unique, lượt).
    pub by_age_band: Vec<(String, i64, i64)>,
}

/// Everything the yearly report prints, as the database holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnualFigures {
    pub unit_code: String,
    pub unit_name: String,
    pub level: UnitLevel,
    pub year: i32,
    /// First and last day of the reporting period (inclusive).
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    /// Data recorded after this day is not counted.
    pub cut_off: NaiveDate,
    /// The date printed on the document.
    pub issued_on: NaiveDate,
    pub issuer: Issuer,
    /// Resources mobilised, by kind of source (state budget excluded).
    pub sources: Vec<SourceFigure>,
    /// State budget for management and coordination (R13): receipts into
    /// accounts of purpose `state_budget`.
    pub state_budget_receipts: i64,
    pub state_budget_money: i64,
    /// Need and coverage by category (keys are category names).
    pub by_category: Vec<CoverageFigure>,
    /// Children (lượt) by age band (keys are age-band codes).
    pub by_age_band: Vec<CoverageFigure>,
    /// The Vietnamese names of the bands the coordinator added (the plan's
    /// bands are named by the catalogue of messages).
    #[serde(default)]
    pub age_band_names: BTreeMap<String, String>,
    /// Need and coverage by unit below the report's unit (today's communes,
    /// or provinces in the national roll-up).
    pub by_area: Vec<CoverageFigure>,
    pub months: Vec<MonthFigure>,
    /// Whether delivery records exist at all (else "delivered" is shown as
    /// not available rather than zero).
    pub deliveries_recorded: bool,
    /// `None`: there are no yearly plans in the system yet.
    pub targets: Option<Vec<TargetFigure>>,
    /// `None`: the reporting regime's tables are not there yet.
    pub completeness: Option<Vec<CompletenessFigure>>,
    /// Children reached by the rosters of deliveries; `None` when no
    /// delivery carries a roster (then unique children, sex and ethnicity
    /// are "not available").
    #[serde(default)]
    pub reached: Option<ReachedFigure>,
    /// Set when every figure comes from demonstration data.
    pub demo: bool,
    /// Set when the data set is synthetic (the national-scale benchmark).
    pub synthetic: bool,
}

impl AnnualFigures {
    /// Σ money + goods of the mobilised resources.
    pub fn mobilised_total(&self) -> i64 {
        self.sources.iter().fold(0i64, |a, s| {
            a.saturating_add(s.money).saturating_add(s.goods)
        })
    }

    pub fn mobilised_money(&self) -> i64 {
        self.sources
            .iter()
            .fold(0i64, |a, s| a.saturating_add(s.money))
    }

    pub fn mobilised_goods(&self) -> i64 {
        self.sources
            .iter()
            .fold(0i64, |a, s| a.saturating_add(s.goods))
    }

    /// The totals over categories.
    pub fn coverage_total(&self) -> CoverageFigure {
        let mut t = CoverageFigure::default();
        for c in &self.by_category {
            t.add(c);
        }
        t
    }

    /// The Vietnamese name of an age band's code: an added band's own name,
    /// else the plan's band's label, else the code.
    pub fn band_label(&self, key: &str) -> String {
        self.age_band_names
            .get(key)
            .cloned()
            .unwrap_or_else(|| age_band_label(key))
    }

    /// Whether the period holds any figure at all.
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
            && self.state_budget_receipts == 0
            && self.by_category.is_empty()
            && self
                .months
                .iter()
                .all(|m| m.money_in == 0 && m.money_out == 0)
    }
}

fn col(header: &str, kind: ColumnKind) -> Column {
    Column {
        header: header.to_owned(),
        kind,
    }
}

/// The Vietnamese label of a category key.
pub fn category_label(key: &str) -> String {
    label_or_key(&format!("category-{key}"), key)
}

/// The Vietnamese label of an age-band key.
pub fn age_band_label(key: &str) -> String {
    label_or_key(&format!("age-{key}"), key)
}

fn label_or_key(catalogue_key: &str, key: &str) -> String {
    i18n::lookup(Lang::Vi, catalogue_key).map_or_else(|| key.to_owned(), str::to_owned)
}

/// "Trong nước" / "Nước ngoài".
pub fn origin_label(key: &str) -> String {
    label_or_key(&format!("donor-origin-{key}"), key)
}

/// "Doanh nghiệp", "Quỹ", …
pub fn donor_type_label(key: &str) -> String {
    label_or_key(&format!("donor-type-{key}"), key)
}

/// The name of the sub-units column.
fn area_header(level: UnitLevel) -> &'static str {
    match level {
        UnitLevel::National => "Tỉnh, thành phố",
        _ => "Xã, phường (đơn vị hiện nay)",
    }
}

/// The document's title line.
pub fn title(f: &AnnualFigures) -> String {
    format!(
        "Kết quả huy động nguồn lực và hỗ trợ trẻ em năm {} — {}",
        f.year, f.unit_name
    )
}

/// The yearly report as a document.
pub fn document(f: &AnnualFigures) -> Document {
    let mut sections = vec![
        general_section(f),
        resources_section(f),
        coverage_section(f),
        children_section(f),
        targets_section(f),
        flows_section(f),
    ];
    if let Some(c) = completeness_section(f) {
        sections.push(c);
    }
    sections.push(narrative_section());
    Document {
        issuer_parent: f.issuer.parent.clone(),
        issuer: f.issuer.body.clone(),
        number_symbol: f.issuer.number_symbol.clone(),
        place: f.issuer.place.clone(),
        date: f.issued_on,
        kind: "BÁO CÁO".to_owned(),
        title: title(f),
        sections,
        recipients: f.issuer.recipients.clone(),
        signer_title: f.issuer.signer_title.clone(),
        signer_name: f.issuer.signer_name.clone(),
    }
}

fn dmy(d: NaiveDate) -> String {
    i18n::format_date(d)
}

fn money(v: i64) -> String {
    format!("{} đồng", crate::number::format_int(v))
}

fn general_section(f: &AnnualFigures) -> Section {
    let mut paragraphs = vec![
        format!(
            "Báo cáo tổng hợp từ dữ liệu của hệ thống Chung Tay cho {} (mã {}), kỳ báo cáo từ ngày {} đến ngày {}, số liệu ghi nhận đến hết ngày {}.",
            f.unit_name,
            f.unit_code,
            dmy(f.period_from),
            dmy(f.period_to),
            dmy(f.cut_off)
        ),
        "Số liệu các năm trước ngày 01/7/2025 được tính theo đơn vị hành chính tại thời điểm phát sinh và cộng dồn về đơn vị hiện nay theo quan hệ kế thừa (sáp nhập, chia tách) của bản đồ hành chính.".to_owned(),
        "Nguồn lực huy động là các khoản tiền và hiện vật đã nhận vào tài khoản, quỹ, kho của các cơ quan, đơn vị trên địa bàn; kinh phí ngân sách nhà nước cấp cho công tác quản lý, điều phối được báo cáo riêng và không cộng vào nguồn lực huy động.".to_owned(),
    ];
    if f.is_empty() {
        paragraphs.push(format!(
            "{} Hệ thống không ghi nhận khoản thu, nhu cầu hay hoạt động hỗ trợ nào của đơn vị trong kỳ.",
            decree::NO_DATA_DOCUMENT
        ));
    }
    if f.demo {
        paragraphs
            .push("Lưu ý: số liệu là dữ liệu mẫu (demo), không phải số liệu thật.".to_owned());
    }
    if f.synthetic {
        paragraphs.push(
            "Lưu ý: bộ dữ liệu quy mô toàn quốc là dữ liệu tổng hợp (synthetic) phục vụ đo hiệu năng; tên, mã đơn vị cấp xã ngoài thành phố Huế là giả định."
                .to_owned(),
        );
    }
    Section {
        heading: "I. THÔNG TIN CHUNG".to_owned(),
        paragraphs,
        tables: Vec::new(),
        charts: Vec::new(),
    }
}

fn resources_section(f: &AnnualFigures) -> Section {
    let total = f.mobilised_total();
    let mut paragraphs = vec![format!(
        "Tổng nguồn lực huy động trong kỳ: {} ({} khoản), trong đó tiền mặt và chuyển khoản {}, hiện vật quy đổi {}.",
        money(total),
        crate::number::format_int(f.sources.iter().map(|s| s.receipts).sum()),
        money(f.mobilised_money()),
        money(f.mobilised_goods())
    )];
    let domestic: i64 = f
        .sources
        .iter()
        .filter(|s| s.origin == "domestic")
        .map(|s| s.money.saturating_add(s.goods))
        .sum();
    let foreign: i64 = f
        .sources
        .iter()
        .filter(|s| s.origin == "foreign")
        .map(|s| s.money.saturating_add(s.goods))
        .sum();
    paragraphs.push(format!(
        "Nguồn trong nước: {}; nguồn nước ngoài: {}.",
        money(domestic),
        money(foreign)
    ));
    let rows: Vec<Vec<Cell>> = f
        .sources
        .iter()
        .enumerate()
        .map(|(i, s)| {
            vec![
                Cell::Int(i as i64 + 1),
                Cell::Text(donor_type_label(&s.donor_type)),
                Cell::Text(origin_label(&s.origin)),
                Cell::Int(s.receipts),
                Cell::Money(s.money),
                Cell::Money(s.goods),
                Cell::Money(s.money.saturating_add(s.goods)),
            ]
        })
        .collect();
    let total_row = (!rows.is_empty()).then(|| {
        vec![
            Cell::Empty,
            Cell::Text("Tổng cộng".to_owned()),
            Cell::Empty,
            Cell::Int(f.sources.iter().map(|s| s.receipts).sum()),
            Cell::Money(f.mobilised_money()),
            Cell::Money(f.mobilised_goods()),
            Cell::Money(total),
        ]
    });
    if rows.is_empty() {
        paragraphs.push(format!(
            "Biểu 1: {} Không có khoản thu nào trong kỳ.",
            decree::NO_DATA_SECTION
        ));
    }
    let sources = Table {
        title: "Biểu 1. Nguồn lực huy động theo loại nguồn".to_owned(),
        columns: vec![
            col("STT", ColumnKind::Integer),
            col("Loại nguồn", ColumnKind::Text),
            col("Trong nước / nước ngoài", ColumnKind::Text),
            col("Số khoản", ColumnKind::Integer),
            col("Tiền (đồng)", ColumnKind::Money),
            col("Hiện vật quy đổi (đồng)", ColumnKind::Money),
            col("Cộng (đồng)", ColumnKind::Money),
        ],
        rows,
        total_row,
    };
    let budget = Table {
        title: "Biểu 2. Kinh phí ngân sách nhà nước cho quản lý, điều phối".to_owned(),
        columns: vec![
            col("Nội dung", ColumnKind::Text),
            col("Số khoản", ColumnKind::Integer),
            col("Số tiền (đồng)", ColumnKind::Money),
        ],
        rows: vec![vec![
            Cell::Text(
                "Ngân sách nhà nước cấp cho quản lý, điều phối (không tính vào nguồn lực huy động)"
                    .to_owned(),
            ),
            Cell::Int(f.state_budget_receipts),
            Cell::Money(f.state_budget_money),
        ]],
        total_row: None,
    };
    Section {
        heading: "II. KẾT QUẢ HUY ĐỘNG NGUỒN LỰC".to_owned(),
        paragraphs,
        tables: vec![sources, budget],
        charts: Vec::new(),
    }
}

fn coverage_bp(c: &CoverageFigure) -> Cell {
    ratio_bp(c.committed.min(c.need), c.need).map_or(Cell::Empty, Cell::Percent)
}

fn delivered_cell(f: &AnnualFigures, v: i64) -> Cell {
    if f.deliveries_recorded {
        Cell::Money(v)
    } else {
        Cell::Text(NOT_AVAILABLE.to_owned())
    }
}

fn coverage_columns(first: &str) -> Vec<Column> {
    vec![
        col(first, ColumnKind::Text),
        col("Số dòng nhu cầu", ColumnKind::Integer),
        col("Nhu cầu (đồng)", ColumnKind::Money),
        col("Đã cam kết (đồng)", ColumnKind::Money),
        col("Đã nhận (đồng)", ColumnKind::Money),
        col("Đã trao (đồng)", ColumnKind::Money),
        col("Tỷ lệ đáp ứng", ColumnKind::Percent),
    ]
}

fn coverage_row(f: &AnnualFigures, label: String, c: &CoverageFigure) -> Vec<Cell> {
    vec![
        Cell::Text(label),
        Cell::Int(c.lines),
        Cell::Money(c.need),
        Cell::Money(c.committed),
        Cell::Money(c.received),
        delivered_cell(f, c.delivered),
        coverage_bp(c),
    ]
}

fn coverage_section(f: &AnnualFigures) -> Section {
    let total = f.coverage_total();
    let mut paragraphs = vec![format!(
        "Tổng nhu cầu đã xác minh trong kỳ: {} ({} dòng nhu cầu); đã cam kết {}, đã nhận {}{}.",
        money(total.need),
        crate::number::format_int(total.lines),
        money(total.committed),
        money(total.received),
        if f.deliveries_recorded {
            format!(", đã trao {}", money(total.delivered))
        } else {
            String::new()
        }
    )];
    paragraphs.push(
        "Tỷ lệ đáp ứng = đã cam kết / nhu cầu (phần cam kết vượt nhu cầu của từng dòng không bù cho dòng khác ở mức tổng hợp)."
            .to_owned(),
    );
    if f.by_category.is_empty() {
        paragraphs.push(format!("Biểu 3, Biểu 4: {}", decree::NO_DATA_SECTION));
    }
    let by_category = Table {
        title: "Biểu 3. Nhu cầu và mức đáp ứng theo lĩnh vực".to_owned(),
        columns: coverage_columns("Lĩnh vực"),
        rows: f
            .by_category
            .iter()
            .map(|c| coverage_row(f, category_label(&c.key), c))
            .collect(),
        total_row: (!f.by_category.is_empty())
            .then(|| coverage_row(f, "Tổng cộng".to_owned(), &total)),
    };
    let by_area = Table {
        title: format!(
            "Biểu 4. Nhu cầu và mức đáp ứng theo {}",
            area_header(f.level).to_lowercase()
        ),
        columns: coverage_columns(area_header(f.level)),
        rows: f
            .by_area
            .iter()
            .map(|c| coverage_row(f, c.label.clone(), c))
            .collect(),
        total_row: (!f.by_area.is_empty()).then(|| {
            let mut t = CoverageFigure::default();
            for c in &f.by_area {
                t.add(c);
            }
            coverage_row(f, "Tổng cộng".to_owned(), &t)
        }),
    };
    let grid = Chart::UnitGrid {
        title: format!("Tỷ lệ đáp ứng theo {}", area_header(f.level).to_lowercase()),
        items: f
            .by_area
            .iter()
            .map(|c| {
                let ratio = (c.need > 0).then(|| c.committed.min(c.need) as f64 / c.need as f64);
                (c.label.clone(), ratio)
            })
            .collect(),
    };
    Section {
        heading: "III. NHU CẦU VÀ MỨC ĐỘ ĐÁP ỨNG".to_owned(),
        paragraphs,
        tables: vec![by_category, by_area],
        charts: if f.by_area.is_empty() {
            Vec::new()
        } else {
            vec![grid]
        },
    }
}

fn served_cell(f: &AnnualFigures, v: i64) -> Cell {
    if f.deliveries_recorded {
        Cell::Int(v)
    } else {
        Cell::Text(NOT_AVAILABLE.to_owned())
    }
}

fn children_columns(first: &str) -> Vec<Column> {
    vec![
        col(first, ColumnKind::Text),
        col("Lượt trẻ em có nhu cầu", ColumnKind::Integer),
        col("Lượt trẻ em được đáp ứng đủ", ColumnKind::Integer),
        col("Lượt trẻ em đã nhận hỗ trợ", ColumnKind::Integer),
    ]
}

fn children_row(f: &AnnualFigures, label: String, c: &CoverageFigure) -> Vec<Cell> {
    vec![
        Cell::Text(label),
        Cell::Int(c.children_need),
        Cell::Int(c.children_covered),
        served_cell(f, c.children_served),
    ]
}

fn children_table(
    f: &AnnualFigures,
    title: String,
    first: &str,
    items: &[CoverageFigure],
    label: impl Fn(&CoverageFigure) -> String,
) -> Table {
    let mut total = CoverageFigure::default();
    for c in items {
        total.add(c);
    }
    Table {
        title,
        columns: children_columns(first),
        rows: items.iter().map(|c| children_row(f, label(c), c)).collect(),
        total_row: (!items.is_empty()).then(|| children_row(f, "Tổng cộng".to_owned(), &total)),
    }
}

const REGISTRY_TITLE: &str = "Biểu 8. Trẻ em không trùng lặp, theo giới tính và dân tộc";

/// Biểu 8 and 9 from the rosters of deliveries.
fn reached_tables(r: &ReachedFigure) -> Vec<Table> {
    let int = |label: &str, v: i64| vec![Cell::Text(label.to_owned()), Cell::Int(v)];
    let registry = Table {
        title: REGISTRY_TITLE.to_owned(),
        columns: vec![
            col("Chỉ tiêu", ColumnKind::Text),
            col("Số trẻ em", ColumnKind::Integer),
        ],
        rows: vec![
            int("Số trẻ em được hỗ trợ (không trùng lặp)", r.unique),
            int("Trong đó: trẻ em nữ", r.girls),
            int("Trong đó: trẻ em nam", r.boys),
            int("Trong đó: trẻ em người dân tộc thiểu số", r.minority),
            int("Số lượt trẻ em được hỗ trợ (theo danh sách)", r.turns),
        ],
        total_row: None,
    };
    let row = |label: String, unique: i64, turns: i64| {
        vec![Cell::Text(label), Cell::Int(unique), Cell::Int(turns)]
    };
    let mut rows: Vec<Vec<Cell>> = r
        .by_category
        .iter()
        .map(|(k, u, t)| row(format!("Lĩnh vực: {}", category_label(k)), *u, *t))
        .collect();
    rows.extend(
        r.by_age_band
            .iter()
            .map(|(k, u, t)| row(format!("Độ tuổi: {k}"), *u, *t)),
    );
    let detail = Table {
        title: "Biểu 9. Trẻ em theo danh sách nhận hỗ trợ: số trẻ em và số lượt, theo lĩnh vực và độ tuổi khi nhận"
            .to_owned(),
        columns: vec![
            col("Nhóm", ColumnKind::Text),
            col("Số trẻ em (không trùng lặp trong nhóm)", ColumnKind::Integer),
            col("Số lượt", ColumnKind::Integer),
        ],
        rows,
        total_row: None,
    };
    vec![registry, detail]
}

fn children_section(f: &AnnualFigures) -> Section {
    let total = f.coverage_total();
    let mut paragraphs = vec![
        format!(
            "Số lượt trẻ em thuộc các nhu cầu trong kỳ: {}; số lượt trẻ em thuộc các nhu cầu đã nhận đủ nguồn lực: {}{}.",
            crate::number::format_int(total.children_need),
            crate::number::format_int(total.children_covered),
            if f.deliveries_recorded {
                format!(
                    "; số lượt trẻ em đã nhận hỗ trợ theo biên bản giao nhận: {}",
                    crate::number::format_int(total.children_served)
                )
            } else {
                String::new()
            }
        ),
        "Số liệu tính theo lượt: một trẻ em được hỗ trợ nhiều lần (nhiều lĩnh vực, nhiều đợt) được tính nhiều lượt.".to_owned(),
        match &f.reached {
            Some(r) => format!(
                "Theo danh sách trẻ em nhận hỗ trợ kèm biên bản giao nhận (sổ theo dõi trẻ em): {} trẻ em (không trùng lặp), {} lượt. Chỉ các lần giao nhận có danh sách được tính.",
                crate::number::format_int(r.unique),
                crate::number::format_int(r.turns)
            ),
            None => format!(
                "Số trẻ em (không trùng lặp), số trẻ em theo giới tính và theo dân tộc cần danh sách trẻ em nhận hỗ trợ (sổ theo dõi trẻ em), hệ thống chưa có: các chỉ tiêu này ghi \"{NOT_AVAILABLE}\", không ước tính."
            ),
        },
    ];
    if f.by_category.is_empty() {
        paragraphs.push(format!("Biểu 5 – Biểu 7: {}", decree::NO_DATA_SECTION));
    }
    let by_category = children_table(
        f,
        "Biểu 5. Lượt trẻ em được hỗ trợ theo lĩnh vực".to_owned(),
        "Lĩnh vực",
        &f.by_category,
        |c| category_label(&c.key),
    );
    let by_band = children_table(
        f,
        "Biểu 6. Lượt trẻ em được hỗ trợ theo độ tuổi".to_owned(),
        "Độ tuổi",
        &f.by_age_band,
        |c| f.band_label(&c.key),
    );
    let by_area = children_table(
        f,
        format!(
            "Biểu 7. Lượt trẻ em được hỗ trợ theo {}",
            area_header(f.level).to_lowercase()
        ),
        area_header(f.level),
        &f.by_area,
        |c| c.label.clone(),
    );
    let na = || Cell::Text(NOT_AVAILABLE.to_owned());
    let registry = match &f.reached {
        Some(r) => reached_tables(r),
        None => vec![Table {
            title: REGISTRY_TITLE.to_owned(),
            columns: vec![
                col("Chỉ tiêu", ColumnKind::Text),
                col("Số trẻ em", ColumnKind::Text),
            ],
            rows: [
                "Số trẻ em được hỗ trợ (không trùng lặp)",
                "Trong đó: trẻ em nữ",
                "Trong đó: trẻ em nam",
                "Trong đó: trẻ em người dân tộc thiểu số",
            ]
            .into_iter()
            .map(|label| vec![Cell::Text(label.to_owned()), na()])
            .collect(),
            total_row: None,
        }],
    };
    let bars = Chart::Bar {
        title: "Lượt trẻ em có nhu cầu theo lĩnh vực".to_owned(),
        unit: "lượt".to_owned(),
        items: f
            .by_category
            .iter()
            .map(|c| (category_label(&c.key), c.children_need))
            .collect(),
    };
    Section {
        heading: "IV. TRẺ EM ĐƯỢC HỖ TRỢ".to_owned(),
        paragraphs,
        tables: [vec![by_category, by_band, by_area], registry].concat(),
        charts: if f.by_category.is_empty() {
            Vec::new()
        } else {
            vec![bars]
        },
    }
}

fn targets_section(f: &AnnualFigures) -> Section {
    let (paragraphs, charts) = match &f.targets {
        None => (
            vec![format!(
                "Hệ thống chưa có kế hoạch vận động năm {} của đơn vị: chỉ tiêu kế hoạch \"{NOT_AVAILABLE}\".",
                f.year
            )],
            Vec::new(),
        ),
        Some(items) if items.is_empty() => (
            vec![format!(
                "Kế hoạch vận động năm {} của đơn vị chưa có chỉ tiêu.",
                f.year
            )],
            Vec::new(),
        ),
        Some(items) => (
            vec!["Chỉ tiêu theo kế hoạch vận động của đơn vị và kết quả thực hiện theo dữ liệu hệ thống.".to_owned()],
            vec![Chart::TargetVsActual {
                title: "Chỉ tiêu kế hoạch và kết quả thực hiện".to_owned(),
                items: items
                    .iter()
                    .map(|t| (t.label.clone(), t.target, t.actual))
                    .collect(),
            }],
        ),
    };
    Section {
        heading: "V. CHỈ TIÊU KẾ HOẠCH VÀ KẾT QUẢ THỰC HIỆN".to_owned(),
        paragraphs,
        tables: Vec::new(),
        charts,
    }
}

fn flows_section(f: &AnnualFigures) -> Section {
    let months: Vec<&MonthFigure> = f
        .months
        .iter()
        .filter(|m| m.money_in != 0 || m.money_out != 0)
        .collect();
    let mut paragraphs = Vec::new();
    if months.is_empty() {
        paragraphs.push(decree::NO_DATA_SECTION.to_owned());
    }
    let table = Table {
        title: "Biểu 9. Tiền, hiện vật nhận và đã trao theo tháng".to_owned(),
        columns: vec![
            col("Tháng", ColumnKind::Text),
            col("Đã nhận (đồng)", ColumnKind::Money),
            col("Đã trao (đồng)", ColumnKind::Money),
        ],
        rows: months
            .iter()
            .map(|m| {
                vec![
                    Cell::Text(format!("{:02}/{}", m.month.month(), m.month.year())),
                    Cell::Money(m.money_in),
                    delivered_cell(f, m.money_out),
                ]
            })
            .collect(),
        total_row: (!months.is_empty()).then(|| {
            vec![
                Cell::Text("Tổng cộng".to_owned()),
                Cell::Money(months.iter().map(|m| m.money_in).sum()),
                delivered_cell(f, months.iter().map(|m| m.money_out).sum()),
            ]
        }),
    };
    let mut series = vec![(
        "Đã nhận".to_owned(),
        months.iter().map(|m| (m.month, m.money_in)).collect(),
    )];
    if f.deliveries_recorded {
        series.push((
            "Đã trao".to_owned(),
            months.iter().map(|m| (m.month, m.money_out)).collect(),
        ));
    }
    let mut charts = Vec::new();
    if months.len() > 1 {
        charts.push(Chart::Line {
            title: "Tiền vào và tiền ra theo tháng".to_owned(),
            series,
        });
    }
    Section {
        heading: "VI. DÒNG TIỀN VÀ HIỆN VẬT THEO THỜI GIAN".to_owned(),
        paragraphs,
        tables: vec![table],
        charts,
    }
}

fn completeness_section(f: &AnnualFigures) -> Option<Section> {
    let items = f.completeness.as_ref()?;
    Some(Section {
        heading: "VII. TÌNH HÌNH GỬI BÁO CÁO CỦA CÁC ĐƠN VỊ".to_owned(),
        paragraphs: if items.is_empty() {
            vec![decree::NO_DATA_SECTION.to_owned()]
        } else {
            Vec::new()
        },
        tables: Vec::new(),
        charts: if items.is_empty() {
            Vec::new()
        } else {
            vec![Chart::Completeness {
                title: "Báo cáo của các đơn vị: đúng hạn, trễ hạn, chưa nộp".to_owned(),
                items: items
                    .iter()
                    .map(|c| (c.unit.clone(), c.expected, c.on_time, c.late, c.missing))
                    .collect(),
            }]
        },
    })
}

fn narrative_section() -> Section {
    Section {
        heading: "ĐÁNH GIÁ, KHÓ KHĂN VÀ ĐỀ XUẤT".to_owned(),
        paragraphs: vec![
            "1. Đánh giá kết quả: (đơn vị viết)".to_owned(),
            "2. Khó khăn, vướng mắc: (đơn vị viết)".to_owned(),
            "3. Đề xuất, kiến nghị: (đơn vị viết)".to_owned(),
        ],
        tables: Vec::new(),
        charts: Vec::new(),
    }
}

/// The unit that issues a unit's report, and its signer, by level — a
/// sensible default the caller may override.
pub fn default_issuer(level: UnitLevel, unit_name: &str, year: i32) -> Issuer {
    let upper = unit_name.to_uppercase();
    let (parent, body, symbol, signer, recipients) = match level {
        UnitLevel::National => (
            String::new(),
            "HỆ THỐNG CHUNG TAY".to_owned(),
            format!("Số:      /BC-CT ({year})"),
            "NGƯỜI LẬP BÁO CÁO".to_owned(),
            vec!["Lưu: VT".to_owned()],
        ),
        UnitLevel::Province => (
            format!("ỦY BAN NHÂN DÂN {upper}"),
            "SỞ Y TẾ".to_owned(),
            "Số:      /BC-SYT".to_owned(),
            "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC".to_owned(),
            vec![
                format!("Ủy ban nhân dân {unit_name} (để báo cáo)"),
                "Ủy ban Mặt trận Tổ quốc Việt Nam thành phố".to_owned(),
                "Các sở, ban, ngành liên quan".to_owned(),
                "Lưu: VT, PCTE".to_owned(),
            ],
        ),
        UnitLevel::District | UnitLevel::Commune => (
            String::new(),
            format!("ỦY BAN NHÂN DÂN {upper}"),
            "Số:      /BC-UBND".to_owned(),
            "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH".to_owned(),
            vec![
                "Sở Y tế thành phố Huế (để tổng hợp)".to_owned(),
                "Lưu: VT".to_owned(),
            ],
        ),
    };
    Issuer {
        parent,
        body,
        number_symbol: symbol,
        place: "Huế".to_owned(),
        signer_title: signer,
        signer_name: String::new(),
        recipients,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    fn empty() -> AnnualFigures {
        AnnualFigures {
            unit_code: "20056".into(),
            unit_name: "Xã A Lưới 1".into(),
            level: UnitLevel::Commune,
            year: 2025,
            period_from: day(2025, 1, 1),
            period_to: day(2025, 12, 31),
            cut_off: day(2025, 11, 30),
            issued_on: day(2025, 11, 30),
            issuer: default_issuer(UnitLevel::Commune, "Xã A Lưới 1", 2025),
            sources: Vec::new(),
            state_budget_receipts: 0,
            state_budget_money: 0,
            by_category: Vec::new(),
            by_age_band: Vec::new(),
            age_band_names: BTreeMap::new(),
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

    #[test]
    fn children_reached_by_rosters_replace_not_available_with_counts() {
        let mut f = empty();
        f.reached = Some(ReachedFigure {
            unique: 3,
            turns: 4,
            girls: 2,
            boys: 1,
            minority: 1,
            by_category: vec![("warm_clothing".into(), 3, 4)],
            by_age_band: vec![("6-10".into(), 2, 3), ("11-15".into(), 1, 1)],
        });
        let doc = document(&f);
        doc.check().expect("tables are well formed");
        let section = doc
            .sections
            .iter()
            .find(|s| s.tables.iter().any(|t| t.title == REGISTRY_TITLE))
            .expect("children section");
        let registry = section
            .tables
            .iter()
            .find(|t| t.title == REGISTRY_TITLE)
            .expect("Biểu 8");
        let values: Vec<&Cell> = registry.rows.iter().map(|r| &r[1]).collect();
        assert_eq!(
            values,
            [
                &Cell::Int(3),
                &Cell::Int(2),
                &Cell::Int(1),
                &Cell::Int(1),
                &Cell::Int(4)
            ]
        );
        let detail = section.tables.last().expect("Biểu 9");
        assert!(detail.title.starts_with("Biểu 9."));
        assert_eq!(detail.rows[0][2], Cell::Int(4));
        assert_eq!(detail.rows.len(), 3);
        assert!(crate::xlsx(&doc).is_ok());
    }

    #[test]
    fn an_empty_year_is_an_honest_empty_report_in_every_format() {
        let f = empty();
        assert!(f.is_empty());
        let doc = document(&f);
        doc.check().expect("tables are well formed");
        let text = format!("{doc:?}");
        assert!(text.contains(decree::NO_DATA_DOCUMENT));
        assert!(text.contains(NOT_AVAILABLE));
        assert!(crate::xlsx(&doc).is_ok());
        assert!(crate::docx(&doc).is_ok());
        assert!(crate::pdf(&doc).is_ok());
    }

    #[test]
    fn the_state_budget_is_never_added_to_the_resources_mobilised() {
        let mut f = empty();
        f.sources = vec![SourceFigure {
            origin: "domestic".into(),
            donor_type: "business".into(),
            receipts: 2,
            money: 1_000,
            goods: 500,
        }];
        f.state_budget_receipts = 1;
        f.state_budget_money = 7_000;
        let doc = document(&f);
        let sources = &doc.sections[1].tables[0];
        assert_eq!(
            sources.total_row.as_ref().and_then(|r| r.last()).cloned(),
            Some(Cell::Money(1_500))
        );
        let budget = &doc.sections[1].tables[1];
        assert_eq!(budget.rows[0][2], Cell::Money(7_000));
    }

    #[test]
    fn an_added_band_is_printed_by_its_name_not_its_code() {
        let mut f = empty();
        f.by_age_band = vec![
            CoverageFigure {
                key: "primary".into(),
                need: 100,
                children_need: 10,
                ..CoverageFigure::default()
            },
            CoverageFigure {
                key: "thcs".into(),
                need: 200,
                children_need: 20,
                ..CoverageFigure::default()
            },
        ];
        f.by_category = vec![CoverageFigure {
            key: "warm_clothing".into(),
            need: 300,
            children_need: 30,
            ..CoverageFigure::default()
        }];
        f.age_band_names
            .insert("thcs".into(), "Trung học cơ sở (11–14 tuổi)".into());
        assert_eq!(f.band_label("thcs"), "Trung học cơ sở (11–14 tuổi)");
        assert_eq!(f.band_label("primary"), "Tiểu học (6–10 tuổi)");
        let text = format!("{:?}", document(&f));
        assert!(text.contains("Trung học cơ sở (11–14 tuổi)"), "{text}");
        assert!(!text.contains("Text(\"thcs\")"), "{text}");
    }

    #[test]
    fn categories_and_bands_are_labelled_from_the_catalogue() {
        assert_eq!(category_label("nutrition"), "Dinh dưỡng");
        assert_eq!(age_band_label("primary"), "Tiểu học (6–10 tuổi)");
        assert_eq!(donor_type_label("business"), "Doanh nghiệp");
        assert_eq!(origin_label("foreign"), "Nước ngoài");
        assert_eq!(category_label("unknown"), "unknown");
    }

    #[test]
    fn without_deliveries_delivered_figures_are_not_available_rather_than_zero() {
        let mut f = empty();
        f.by_category = vec![CoverageFigure {
            key: "nutrition".into(),
            label: String::new(),
            lines: 1,
            need: 100,
            committed: 50,
            received: 25,
            delivered: 0,
            children_need: 10,
            children_covered: 0,
            children_served: 0,
        }];
        let doc = document(&f);
        let table = &doc.sections[2].tables[0];
        assert_eq!(table.rows[0][5], Cell::Text(NOT_AVAILABLE.into()));
        assert_eq!(table.rows[0][6], Cell::Percent(5_000));
    }
}
