//! Demo need line: one plausible school year (2025–26) in the plan's five
//! areas — periods, a versioned package catalogue, need lines at about 60
//! schools, school sites and health stations, about 80 donors and 150
//! pledges, and allocations made through the real overlap guard (one
//! attempted overlap refused, then one coordinator override with a reason).
//!
//! Everything is marked `is_demo`. Names of businesses and people are
//! invented. The data are deterministic: a small seeded PRNG (splitmix64)
//! decides every number, so two loads into fresh databases give the same
//! lines, pledges and allocations (only the generated ids differ).
//!
//! Needs the organisations of [`crate::demo::load_if_empty`]; when the demo
//! periods already exist the loader does nothing and reports zeros.

// Wired from demo.rs by the lead; until then only the tests call it.

use std::collections::HashMap;

use chrono::{DateTime, Days, NaiveDate, Utc};
use domain::needs::{AgeBand, Category, NeedStatus, OverlapDecision, PackageItem, PackageVersion};
use storage::allocations::{AllocationRefusal, AllocationRequest};
use storage::audit::AuditActor;
use storage::catalogue::{Package, Period};
use storage::donors::{Donor, Pledge};
use storage::needs::NewNeedLine;
use storage::{Db, StorageError};

use crate::setup::AppError;

/// What the loader wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoNeedsSummary {
    pub periods: usize,
    /// Package versions stored (a package with two versions counts twice).
    pub packages: usize,
    pub need_lines: usize,
    pub donors: usize,
    pub pledges: usize,
    /// Allocations written (including the override).
    pub allocations: usize,
    /// Allocations the overlap guard refused.
    pub refused_overlaps: usize,
    /// Allocations beyond the need made by a coordinator with a reason.
    pub overrides: usize,
}

const SEED: u64 = 0x4348_554e_4754_4159; // "CHUNGTAY"

const P_YEAR: &str = "demo-nam-hoc-2025-2026";
const P_WINTER: &str = "demo-mua-dong-2025-2026";
const P_SUMMER: &str = "demo-he-2026";

/// splitmix64: tiny, seeded, the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let span = hi.abs_diff(lo).saturating_add(1);
        lo.saturating_add_unsigned(self.below(span))
    }

    /// True with probability `per_mille`/1000.
    fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    fn index(&mut self, len: usize) -> usize {
        usize::try_from(self.below(len as u64)).unwrap_or(0)
    }

    fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            let j = self.index(i + 1);
            xs.swap(i, j);
        }
    }

    /// A whole amount in `lo..=hi`, rounded down to `step`.
    fn money(&mut self, lo: i64, hi: i64, step: i64) -> i64 {
        let v = self.range(lo, hi);
        (v / step * step).max(step)
    }
}

fn date(y: i32, m: u32, d: u32) -> Result<NaiveDate, StorageError> {
    NaiveDate::from_ymd_opt(y, m, d)
        .ok_or_else(|| StorageError::Corrupt(format!("demo date {y}-{m}-{d}")))
}

fn corrupt(msg: impl Into<String>) -> AppError {
    AppError::Storage(StorageError::Corrupt(msg.into()))
}

// ---------------------------------------------------------------- catalogue

fn item(name: &str, unit: &str, quantity: i64, unit_value: i64) -> PackageItem {
    PackageItem {
        name: name.into(),
        unit: unit.into(),
        quantity,
        unit_value,
    }
}

fn package(
    code: &str,
    name: &str,
    category: Category,
    age_band: AgeBand,
    items: Vec<PackageItem>,
) -> PackageVersion {
    PackageVersion {
        code: code.into(),
        version: 1,
        name: name.into(),
        category,
        age_band,
        items,
    }
}

/// The demo catalogue, with plausible 2025 prices in đồng. The last entry
/// is the second version of the primary warm-clothing package (prices rose
/// before the winter).
fn catalogue() -> Vec<PackageVersion> {
    const PRESCHOOL: AgeBand = AgeBand::PRESCHOOL;
    const PRIMARY: AgeBand = AgeBand::PRIMARY;
    const OTHER: AgeBand = AgeBand::OTHER;
    use Category::{Healthcare, Nutrition, Recreation, WarmClothing};
    vec![
        package(
            "DEMO-AM-MN",
            "Gói đồ ấm mầm non (mẫu)",
            WarmClothing,
            PRESCHOOL,
            vec![
                item("Chăn ấm trẻ em", "cái", 1, 180_000),
                item("Áo khoác ấm", "cái", 1, 160_000),
                item("Mũ len", "cái", 1, 35_000),
                item("Tất len", "đôi", 2, 15_000),
                item("Găng tay len", "đôi", 1, 20_000),
            ],
        ),
        package(
            "DEMO-AM-TH",
            "Gói đồ ấm tiểu học (mẫu)",
            WarmClothing,
            PRIMARY,
            vec![
                item("Chăn ấm", "cái", 1, 220_000),
                item("Áo phao", "cái", 1, 190_000),
                item("Mũ len", "cái", 1, 35_000),
                item("Tất len", "đôi", 2, 15_000),
                item("Khăn quàng len", "cái", 1, 30_000),
            ],
        ),
        package(
            "DEMO-DD-MN",
            "Bữa phụ dinh dưỡng mầm non, cả năm học (mẫu)",
            Nutrition,
            PRESCHOOL,
            vec![
                item("Suất ăn phụ bổ sung", "suất", 150, 8_000),
                item("Sữa hộp 110 ml", "hộp", 35, 7_000),
            ],
        ),
        package(
            "DEMO-DD-TH",
            "Bữa ăn bán trú bổ sung tiểu học, cả năm học (mẫu)",
            Nutrition,
            PRIMARY,
            vec![
                item("Suất ăn trưa bổ sung", "suất", 150, 12_000),
                item("Sữa tươi hộp 180 ml", "hộp", 35, 8_000),
            ],
        ),
        package(
            "DEMO-DD-VC",
            "Vi chất và bột dinh dưỡng cho trẻ suy dinh dưỡng dưới 6 tuổi (mẫu)",
            Nutrition,
            PRESCHOOL,
            vec![
                item("Bột dinh dưỡng 400 g", "hộp", 6, 95_000),
                item("Siro đa vi chất", "lọ", 3, 85_000),
            ],
        ),
        package(
            "DEMO-YT-MN",
            "Khám sức khỏe, tẩy giun, vitamin A mầm non (mẫu)",
            Healthcare,
            PRESCHOOL,
            vec![
                item("Khám sức khỏe định kỳ", "lượt", 1, 60_000),
                item("Thuốc tẩy giun", "liều", 2, 5_000),
                item("Vitamin A", "liều", 2, 3_000),
                item("Siro sắt – kẽm", "lọ", 1, 45_000),
            ],
        ),
        package(
            "DEMO-YT-TH",
            "Khám sức khỏe, tẩy giun, chăm sóc răng miệng tiểu học (mẫu)",
            Healthcare,
            PRIMARY,
            vec![
                item("Khám sức khỏe định kỳ", "lượt", 1, 60_000),
                item("Thuốc tẩy giun", "liều", 2, 5_000),
                item("Bàn chải và kem đánh răng", "bộ", 1, 35_000),
            ],
        ),
        package(
            "DEMO-YT-TYT",
            "Khám sàng lọc và thuốc thiết yếu cho trẻ tại trạm y tế (mẫu)",
            Healthcare,
            OTHER,
            vec![
                item("Khám sàng lọc", "lượt", 1, 80_000),
                item("Cơ số thuốc thiết yếu", "suất", 1, 120_000),
            ],
        ),
        package(
            "DEMO-VC-TT-MN",
            "Vui Tết Trung thu mầm non (mẫu)",
            Recreation,
            PRESCHOOL,
            vec![
                item("Lồng đèn", "cái", 1, 25_000),
                item("Bánh Trung thu", "cái", 1, 30_000),
                item("Đồ chơi", "món", 1, 60_000),
            ],
        ),
        package(
            "DEMO-VC-TT-TH",
            "Vui Tết Trung thu tiểu học (mẫu)",
            Recreation,
            PRIMARY,
            vec![
                item("Lồng đèn", "cái", 1, 25_000),
                item("Bánh Trung thu", "cái", 2, 30_000),
                item("Sách truyện, đồ dùng học tập", "bộ", 1, 50_000),
            ],
        ),
        package(
            "DEMO-VC-SC",
            "Sân chơi cho điểm trường (mẫu)",
            Recreation,
            OTHER,
            vec![
                item("Bộ cầu trượt – xích đu ngoài trời", "bộ", 1, 18_000_000),
                item("Thảm cao su an toàn", "m²", 20, 350_000),
                item("Vận chuyển và lắp đặt", "lần", 1, 2_500_000),
            ],
        ),
        package(
            "DEMO-VC-HE",
            "Sinh hoạt hè tiểu học (mẫu)",
            Recreation,
            PRIMARY,
            vec![
                item("Bộ dụng cụ thể thao, trò chơi", "bộ", 1, 80_000),
                item("Sách truyện thiếu nhi", "cuốn", 2, 25_000),
            ],
        ),
        // Version 2: prices of blankets and jackets rose in October 2025.
        package(
            "DEMO-AM-TH",
            "Gói đồ ấm tiểu học (mẫu)",
            WarmClothing,
            PRIMARY,
            vec![
                item("Chăn ấm", "cái", 1, 235_000),
                item("Áo phao", "cái", 1, 210_000),
                item("Mũ len", "cái", 1, 35_000),
                item("Tất len", "đôi", 2, 15_000),
                item("Khăn quàng len", "cái", 1, 30_000),
            ],
        ),
    ]
}

// -------------------------------------------------------------------- sites

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SiteKind {
    Primary,
    Preschool,
    SchoolSite,
    Station,
}

struct Site {
    id: String,
    unit: &'static str,
    kind: SiteKind,
    mountain: bool,
}

/// A Lưới (481): communes with a primary school and a preschool each.
const A_LUOI: [&str; 10] = [
    "20056", "20047", "20053", "20068", "20083", "20086", "20095", "20098", "20101", "20104",
];
/// Nam Đông (483).
const NAM_DONG: [&str; 7] = [
    "20164", "20167", "20173", "20182", "20185", "20188", "20191",
];
/// The upland communes of Phong Điền (476), Hương Trà (480), Phú Lộc (482).
const LOWLAND: [&str; 15] = [
    "19855", "19861", "19864", "19858", "19852", // Phong Điền
    "20035", "20038", "20041", "20032", "20026", // Hương Trà
    "20128", "20158", "20155", "20131", "20143", // Phú Lộc
];
/// Remote communes that donors rarely reach: the demo's real gaps.
const NEGLECTED: [&str; 3] = ["20101", "20098", "20191"];

fn sites() -> Vec<Site> {
    let mut out = Vec::new();
    let mut add = |kind: SiteKind, prefix: &str, unit: &'static str, mountain: bool| {
        out.push(Site {
            id: format!("{prefix}-{unit}"),
            unit,
            kind,
            mountain,
        });
    };
    for unit in A_LUOI.into_iter().chain(NAM_DONG) {
        add(SiteKind::Primary, "th", unit, true);
        add(SiteKind::Preschool, "mn", unit, true);
    }
    for unit in ["20056", "20083", "20101", "20104", "20173", "20191"] {
        add(SiteKind::SchoolSite, "dt", unit, true);
    }
    for unit in ["20056", "20095", "20101", "20185", "20191"] {
        add(SiteKind::Station, "tyt", unit, true);
    }
    for unit in LOWLAND {
        add(SiteKind::Primary, "th", unit, false);
    }
    for unit in ["19861", "20038", "20128"] {
        add(SiteKind::Station, "tyt", unit, false);
    }
    out
}

// -------------------------------------------------------------- need lines

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    Published,
    Verified,
    Assessed,
    Cancelled(&'static str),
}

struct PlannedLine {
    site: usize,
    code: &'static str,
    /// Stay on version 1 of the package (entered before the price change).
    first_version: bool,
    period: &'static str,
    quantity: i64,
    note: String,
    plan: Plan,
}

/// The lines of one site.
fn plan_site(rng: &mut Rng, i: usize, s: &Site, lines: &mut Vec<PlannedLine>) {
    let mut push = |code: &'static str, period: &'static str, quantity: i64, note: String| {
        lines.push(PlannedLine {
            site: i,
            code,
            first_version: false,
            period,
            quantity: quantity.max(1),
            note,
            plan: Plan::Published,
        });
    };
    match (s.kind, s.mountain) {
        (SiteKind::Primary, true) => {
            let pupils = if rng.chance(150) {
                rng.range(40, 80)
            } else {
                rng.range(90, 250)
            };
            let cold = pupils * rng.range(75, 100) / 100;
            push(
                "DEMO-AM-TH",
                P_WINTER,
                cold,
                format!("{cold}/{pupils} học sinh chưa đủ chăn, áo ấm (khảo sát tháng 10/2025)"),
            );
            let boarding = pupils * rng.range(30, 60) / 100;
            push(
                "DEMO-DD-TH",
                P_YEAR,
                boarding,
                format!("{boarding} học sinh bán trú, danh sách ngày 15/9/2025"),
            );
            push(
                "DEMO-YT-TH",
                P_YEAR,
                pupils,
                format!("Toàn trường {pupils} học sinh"),
            );
            if rng.chance(850) {
                push(
                    "DEMO-VC-TT-TH",
                    P_YEAR,
                    pupils,
                    "Trung thu 6/10/2025 cho toàn trường".into(),
                );
            }
            if rng.chance(250) {
                push(
                    "DEMO-VC-HE",
                    P_SUMMER,
                    pupils / 2,
                    "Sinh hoạt hè tại trường, tháng 6–7/2026".into(),
                );
            }
        }
        (SiteKind::Primary, false) => {
            let poor = rng.range(30, 110);
            push(
                "DEMO-AM-TH",
                P_WINTER,
                poor,
                format!("{poor} học sinh thuộc hộ nghèo, cận nghèo"),
            );
            if rng.chance(650) {
                let n = poor * rng.range(50, 90) / 100;
                push(
                    "DEMO-DD-TH",
                    P_YEAR,
                    n,
                    format!("{n} học sinh hộ nghèo ở bán trú"),
                );
            }
            if rng.chance(650) {
                push(
                    "DEMO-YT-TH",
                    P_YEAR,
                    poor,
                    "Khám sức khỏe cho học sinh hộ nghèo, cận nghèo".into(),
                );
            }
            if rng.chance(400) {
                push(
                    "DEMO-VC-TT-TH",
                    P_YEAR,
                    poor,
                    "Quà Trung thu cho học sinh khó khăn".into(),
                );
            }
        }
        (SiteKind::Preschool, _) => {
            let children = rng.range(30, 160);
            push(
                "DEMO-AM-MN",
                P_WINTER,
                children,
                format!("{children} trẻ 3–5 tuổi"),
            );
            let n = children * rng.range(60, 100) / 100;
            push(
                "DEMO-DD-MN",
                P_YEAR,
                n,
                format!("{n} trẻ ăn bán trú tại trường"),
            );
            if rng.chance(800) {
                push(
                    "DEMO-YT-MN",
                    P_YEAR,
                    children,
                    "Khám, tẩy giun 2 đợt (tháng 11/2025 và tháng 5/2026)".into(),
                );
            }
            if rng.chance(600) {
                push(
                    "DEMO-VC-TT-MN",
                    P_YEAR,
                    children,
                    "Trung thu cho các lớp mẫu giáo".into(),
                );
            }
        }
        (SiteKind::SchoolSite, _) => {
            let pupils = rng.range(15, 45);
            push(
                "DEMO-AM-TH",
                P_WINTER,
                pupils,
                format!("Điểm trường thôn: {pupils} học sinh lớp 1–3"),
            );
            push(
                "DEMO-DD-TH",
                P_YEAR,
                pupils,
                format!("{pupils} học sinh ăn trưa tại điểm trường"),
            );
            if rng.chance(450) {
                push(
                    "DEMO-VC-SC",
                    P_YEAR,
                    1,
                    "Điểm trường chưa có sân chơi".into(),
                );
            }
        }
        (SiteKind::Station, _) => {
            let screened = rng.range(150, 400);
            push(
                "DEMO-YT-TYT",
                P_YEAR,
                screened,
                format!("Khám sàng lọc {screened} trẻ dưới 16 tuổi trong xã"),
            );
            let thin = rng.range(25, 80);
            push(
                "DEMO-DD-VC",
                P_YEAR,
                thin,
                format!("{thin} trẻ suy dinh dưỡng thể thấp còi theo sổ theo dõi của trạm"),
            );
        }
    }
}

// ------------------------------------------------------------------ donors

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavour {
    Garment,
    Food,
    Clinic,
    Travel,
    General,
}

struct DonorSpec {
    name: &'static str,
    donor_type: &'static str,
    foreign: bool,
    flavour: Flavour,
}

const fn org(name: &'static str, donor_type: &'static str, flavour: Flavour) -> DonorSpec {
    DonorSpec {
        name,
        donor_type,
        foreign: false,
        flavour,
    }
}

const fn foreign(name: &'static str, donor_type: &'static str) -> DonorSpec {
    DonorSpec {
        name,
        donor_type,
        foreign: true,
        flavour: Flavour::General,
    }
}

/// Invented names: businesses of Huế, funds, mass organisations,
/// individuals (some abroad), and other groups.
fn donor_specs() -> Vec<DonorSpec> {
    use Flavour::{Clinic, Food, Garment, General, Travel};
    vec![
        // Index 0 and 1 are the two donors of the overlap example.
        org("Công ty TNHH May mặc Thuận An Phúc", "business", Garment),
        org(
            "Hội Liên hiệp Phụ nữ thành phố Huế",
            "mass_organisation",
            General,
        ),
        org("Công ty CP Đầu tư Ngự Bình Xanh", "business", General),
        org("Công ty TNHH Lụa Kim Long Mới", "business", Garment),
        org("Công ty TNHH Du lịch Cầu Ngói Thanh", "business", Travel),
        org("Công ty CP Xây dựng Vỹ Dạ An", "business", General),
        org("Khách sạn Hoàng Thành Lam", "business", Travel),
        org("Công ty TNHH Cà phê Gác Tịnh Phong", "business", Food),
        org("Công ty TNHH Nón lá Tây Lộc", "business", General),
        org("Nhà hàng chay Sen Tịnh Tâm", "business", Food),
        org("Công ty CP Dược phẩm Bạch Mã Xanh", "business", Clinic),
        org("Phòng khám Nhi An Cựu Mới", "business", Clinic),
        org("Công ty TNHH Vận tải Đèo Lục Vân", "business", General),
        org("Công ty TNHH Điện máy Đông Ba Tín", "business", General),
        org("Công ty CP Thực phẩm Tam Giang Xanh", "business", Food),
        org("Công ty TNHH Gốm Phước Tích Mộc", "business", General),
        org("Công ty CP Bất động sản Phú Xuân Minh", "business", General),
        org("Công ty TNHH Bánh và Sữa Cồn Hến", "business", Food),
        org("Công ty TNHH Phần mềm Thành Nội Số", "business", General),
        org("Công ty TNHH Chăn ga Hương Giang Ấm", "business", Garment),
        org("Công ty CP Nước khoáng Mỹ An Nguồn", "business", Food),
        org(
            "Công ty TNHH Thiết bị trường học Kinh Thành",
            "business",
            General,
        ),
        org("Công ty CP Du thuyền Sông Bồ Xanh", "business", Travel),
        org("Công ty TNHH Dệt kim Phú Hậu Len", "business", Garment),
        org("Nhà sách Thượng Tứ Mới", "business", General),
        org("Công ty TNHH Nông sản sạch A Sáp", "business", Food),
        org("Công ty CP Kiến trúc Lăng Cô Mây", "business", General),
        org(
            "Công ty TNHH Thương mại Bao Vinh Thịnh",
            "business",
            General,
        ),
        org("Nha khoa Trường Tiền Sáng", "business", Clinic),
        org("Công ty TNHH Mè xửng Gia Hội Ngọt", "business", Food),
        org(
            "Công ty CP Vật liệu xây dựng Hương Hồ Vững",
            "business",
            General,
        ),
        org("Công ty TNHH In ấn Đập Đá Việt", "business", General),
        org("Homestay Làng cổ Phước Tích Xưa", "business", Travel),
        org("Công ty TNHH Xe điện Đại Nội Xanh", "business", Travel),
        org("Siêu thị mini Tây Thượng Thuận", "business", Food),
        org("Công ty TNHH Mây tre đan Bao La Mới", "business", General),
        // Funds.
        org("Quỹ Khuyến học Phú Xuân Sáng (mẫu)", "fund", General),
        org("Quỹ Từ thiện Ánh Dương Vùng Cao", "fund", General),
        org("Quỹ Học bổng Ươm Mầm Trường Sơn", "fund", General),
        org("Quỹ Hỗ trợ Trẻ em Bạch Mã", "fund", General),
        foreign("Fondation Enfants des Hautes Terres (Pháp)", "fund"),
        foreign("Kinderhilfe Zentralvietnam e.V. (Đức)", "fund"),
        foreign("Perfume River Children's Trust (Úc)", "fund"),
        foreign("Quỹ Hoa Anh Đào vì trẻ em (Nhật Bản)", "fund"),
        // Mass organisations.
        org(
            "Đoàn Thanh niên Cộng sản Hồ Chí Minh thành phố Huế",
            "mass_organisation",
            General,
        ),
        org(
            "Liên đoàn Lao động thành phố Huế",
            "mass_organisation",
            General,
        ),
        org("Hội Chữ thập đỏ thành phố Huế", "mass_organisation", Clinic),
        org(
            "Ủy ban MTTQ Việt Nam thành phố Huế (Quỹ Vì người nghèo)",
            "mass_organisation",
            General,
        ),
        org(
            "Hội Cựu chiến binh phường Vỹ Dạ",
            "mass_organisation",
            General,
        ),
        org(
            "Hội Khuyến học phường Thuận Hóa",
            "mass_organisation",
            General,
        ),
        org("Hội Doanh nhân trẻ Cố đô", "mass_organisation", General),
        org(
            "Đoàn Thanh niên khối doanh nghiệp Huế",
            "mass_organisation",
            General,
        ),
        // Individuals in Huế and elsewhere in Việt Nam.
        org("Nguyễn Văn Hải", "individual", General),
        org("Trần Thị Minh Thư", "individual", General),
        org("Lê Quang Vinh", "individual", General),
        org("Phan Thị Hồng Nhung", "individual", General),
        org("Hoàng Đức Tài", "individual", General),
        org("Võ Thị Kim Oanh", "individual", General),
        org("Đặng Minh Khoa", "individual", General),
        org("Huỳnh Thị Thanh Hương", "individual", General),
        org("Ngô Văn Bảo", "individual", General),
        org("Trương Thị Lệ Hằng", "individual", General),
        org("Bùi Quốc Anh", "individual", General),
        org("Tôn Nữ Diệu Linh", "individual", General),
        org("Hồ Văn Sơn (A Lưới)", "individual", General),
        org("Lê Thị Bích Ngọc (TP Hồ Chí Minh)", "individual", General),
        // Việt kiều and foreigners.
        foreign("Nguyễn Thị Mai Lan (Việt kiều Pháp, Lyon)", "individual"),
        foreign("Trần Quang Huy (Việt kiều Hoa Kỳ, San Jose)", "individual"),
        foreign("Lê Hoàng Anh Thư (Việt kiều Đức, Leipzig)", "individual"),
        foreign("Phạm Minh Đức (Việt kiều Úc, Melbourne)", "individual"),
        foreign(
            "Hồ Thị Ngọc Trâm (Việt kiều Canada, Montréal)",
            "individual",
        ),
        foreign("Võ Thanh Tâm (Việt kiều Nhật Bản, Osaka)", "individual"),
        foreign("Nguyễn Hữu Phước (Việt kiều Hàn Quốc, Busan)", "individual"),
        foreign("Đỗ Thị Thu Vân (Việt kiều Na Uy, Bergen)", "individual"),
        foreign("Anna Keller (Thụy Sĩ)", "individual"),
        foreign("Thomas Brennan (Ireland)", "individual"),
        // Others.
        org("Nhóm thiện nguyện Áo Ấm Vùng Cao Huế", "other", Garment),
        org("Câu lạc bộ Xe đạp Cố đô", "other", General),
        org("Ban từ thiện Niệm Phật đường Thủy Biều", "other", Food),
        org("Cựu học sinh Khóa 1995 (nhóm liên lạc)", "other", General),
    ]
}

fn donors(rng: &mut Rng) -> Vec<Donor> {
    donor_specs()
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let individual = s.donor_type == "individual";
            let business = s.donor_type == "business";
            // Some individuals give anonymously or do not want their name shown.
            let anonymous = individual && i % 6 == 1;
            let publish_name = !(anonymous || (individual && i % 4 == 0) || i % 23 == 7);
            let phone = if individual && !s.foreign {
                Some(format!("09{:08}", rng.below(100_000_000)))
            } else if !s.foreign {
                Some(format!("0234 3{:06}", rng.below(1_000_000)))
            } else {
                None
            };
            let email = (s.foreign || rng.chance(400)).then(|| format!("lienhe{i:02}@vi-du.vn"));
            Donor {
                id: format!("demo-donor-{i:03}"),
                kind: if individual {
                    "individual".into()
                } else {
                    "organisation".into()
                },
                name: s.name.into(),
                origin: if s.foreign {
                    "foreign".into()
                } else {
                    "domestic".into()
                },
                donor_type: s.donor_type.into(),
                tax_code: business.then(|| format!("33{:08}", rng.below(100_000_000))),
                phone,
                email,
                publish_name,
                anonymous,
                is_demo: true,
            }
        })
        .collect()
}

// ------------------------------------------------------------------ loader

/// A stored need line, as the allocator sees it.
struct Line {
    id: String,
    unit: &'static str,
    category: Category,
    band: AgeBand,
    period: &'static str,
    unit_value: i64,
    amount: i64,
    open: bool,
    published: bool,
    /// How much the demo lets donors cover (a gap is what is left).
    target: i64,
    allocated: i64,
}

/// Loads the demo year. See the module documentation.
pub async fn load(db: &Db, actor: &AuditActor) -> Result<DemoNeedsSummary, AppError> {
    let mut summary = DemoNeedsSummary::default();
    if storage::catalogue::period(db, P_YEAR).await?.is_some() {
        tracing::info!("demo need line already loaded");
        return Ok(summary);
    }
    let now: DateTime<Utc> = Utc::now();
    let mut rng = Rng(SEED);

    // Periods.
    let periods = [
        (
            P_YEAR,
            "Năm học 2025–2026",
            date(2025, 9, 5)?,
            date(2026, 6, 1)?,
        ),
        (
            P_WINTER,
            "Mùa đông 2025–2026",
            date(2025, 11, 1)?,
            date(2026, 3, 1)?,
        ),
        (P_SUMMER, "Hè 2026", date(2026, 6, 1)?, date(2026, 9, 1)?),
    ];
    for (id, name, starts_on, ends_on) in periods {
        let p = Period {
            id: id.into(),
            name: name.into(),
            starts_on,
            ends_on,
            is_demo: true,
        };
        storage::catalogue::create_period(db, &p, actor, now).await?;
        summary.periods += 1;
    }

    // Packages: latest version by code, and the first of a changed one.
    let mut latest: HashMap<String, Package> = HashMap::new();
    let mut first: HashMap<String, Package> = HashMap::new();
    for p in catalogue() {
        let p = p
            .validate()
            .map_err(|e| corrupt(format!("demo package: {e:?}")))?;
        let stored = storage::catalogue::add_package_version(db, &p, true, actor, now).await?;
        summary.packages += 1;
        first
            .entry(p.code.clone())
            .or_insert_with(|| stored.clone());
        latest.insert(p.code.clone(), stored);
    }

    // Sites: the demo organisations must exist.
    let sites = sites();
    for s in &sites {
        if storage::organisations::get(db, &s.id).await?.is_none() {
            return Err(corrupt(format!(
                "demo site {} missing: load the demo organisations first",
                s.id
            )));
        }
    }

    // Need lines.
    let mut planned = Vec::new();
    for (i, s) in sites.iter().enumerate() {
        plan_site(&mut rng, i, s, &mut planned);
    }
    // The first A Lưới primary schools entered their winter needs in
    // September, before the October price change: they stay on version 1.
    for l in planned
        .iter_mut()
        .filter(|l| l.code == "DEMO-AM-TH")
        .take(4)
    {
        if sites[l.site].id != "th-20056" {
            l.first_version = true;
        }
    }
    // A line entered twice, cancelled by the coordinator.
    if let Some(dup) = planned
        .iter()
        .position(|l| l.code == "DEMO-AM-TH" && !sites[l.site].mountain)
    {
        let d = &planned[dup];
        let copy = PlannedLine {
            site: d.site,
            code: d.code,
            first_version: false,
            period: d.period,
            quantity: d.quantity,
            note: d.note.clone(),
            plan: Plan::Cancelled("Trùng với dòng nhu cầu đã nhập cho cùng trường và mùa đông"),
        };
        planned.insert(dup + 1, copy);
    }
    // Statuses: most published, some verified, a few still assessed, and a
    // school site whose pupils moved to the main school.
    let mut site_cancelled = false;
    for l in &mut planned {
        if l.plan != Plan::Published {
            continue;
        }
        let s = &sites[l.site];
        if !site_cancelled && s.kind == SiteKind::SchoolSite && l.code == "DEMO-DD-TH" {
            l.plan = Plan::Cancelled(
                "Điểm trường sáp nhập về trường chính từ tháng 10/2025; học sinh được tính ở dòng của trường chính",
            );
            site_cancelled = true;
            continue;
        }
        if s.id == "th-20056" && l.code == "DEMO-AM-TH" {
            continue; // the line of the overlap example stays published
        }
        let roll = rng.below(1000);
        l.plan = if roll < 60 || (l.period == P_SUMMER && roll < 500) {
            Plan::Assessed
        } else if roll < 190 {
            Plan::Verified
        } else {
            Plan::Published
        };
    }
    let inputs: Vec<NewNeedLine> = planned
        .iter()
        .map(|l| {
            let pkg = if l.first_version {
                first.get(l.code)
            } else {
                latest.get(l.code)
            };
            pkg.map(|p| NewNeedLine {
                site_id: sites[l.site].id.clone(),
                period_id: l.period.into(),
                package_id: p.id.clone(),
                quantity: l.quantity,
                note: l.note.clone(),
                is_demo: true,
            })
            .ok_or_else(|| corrupt(format!("demo package {} missing", l.code)))
        })
        .collect::<Result<_, _>>()?;
    let ids = storage::needs::create_many(db, &inputs, actor, now)
        .await?
        .map_err(|errs| corrupt(format!("demo need lines refused: {errs:?}")))?;
    summary.need_lines = ids.len();

    let mut lines = Vec::with_capacity(ids.len());
    for ((id, l), input) in ids.into_iter().zip(&planned).zip(&inputs) {
        let pkg = if l.first_version {
            first.get(l.code)
        } else {
            latest.get(l.code)
        }
        .ok_or_else(|| corrupt(format!("demo package {} missing", l.code)))?;
        let moves: &[(NeedStatus, NeedStatus)] = match l.plan {
            Plan::Assessed => &[],
            Plan::Verified => &[(NeedStatus::Assessed, NeedStatus::Verified)],
            Plan::Published => &[
                (NeedStatus::Assessed, NeedStatus::Verified),
                (NeedStatus::Verified, NeedStatus::Published),
            ],
            Plan::Cancelled(_) => &[(NeedStatus::Assessed, NeedStatus::Cancelled)],
        };
        let reason = match l.plan {
            Plan::Cancelled(r) => Some(r),
            _ => None,
        };
        for (from, to) in moves {
            if !storage::needs::set_status(db, &id, *from, *to, reason, actor, now).await? {
                return Err(corrupt(format!("demo need line {id} changed under us")));
            }
        }
        let s = &sites[l.site];
        let neglected = NEGLECTED.contains(&s.unit);
        let amount = input.quantity.saturating_mul(pkg.unit_value);
        // Coverage the donors will reach: remote communes get little.
        let per_mille = if neglected {
            if rng.chance(700) {
                0
            } else {
                rng.range(80, 250)
            }
        } else {
            match rng.below(100) {
                0..=39 => 1000,
                40..=74 => rng.range(300, 850),
                _ => 0,
            }
        };
        let open = matches!(l.plan, Plan::Verified | Plan::Published);
        lines.push(Line {
            id,
            unit: s.unit,
            category: pkg.version.category,
            band: pkg.version.age_band,
            period: l.period,
            unit_value: pkg.unit_value,
            amount,
            open,
            published: l.plan == Plan::Published,
            target: match (open, per_mille) {
                (false, _) => 0,
                (true, 1000) => amount,
                // Partial coverage in round hundreds of thousands of đồng.
                (true, _) => {
                    i64::try_from(i128::from(amount) * i128::from(per_mille) / 1000).unwrap_or(0)
                        / 100_000
                        * 100_000
                }
            },
            allocated: 0,
        });
    }

    // Donors.
    let donors = donors(&mut rng);
    storage::donors::create_many(db, &donors, actor, now).await?;
    summary.donors = donors.len();
    let specs = donor_specs();

    // Pledges.
    let am_th = latest
        .get("DEMO-AM-TH")
        .map(|p| p.unit_value)
        .unwrap_or(500_000);
    let story_line = lines
        .iter()
        .position(|l| {
            l.unit == "20056" && l.category == Category::WarmClothing && l.band == AgeBand::PRIMARY
        })
        .ok_or_else(|| corrupt("demo: no warm-clothing line at th-20056"))?;
    let mut pledges: Vec<Pledge> = Vec::new();
    // The two pledges of the overlap example.
    let story_amount = lines[story_line].amount;
    let mut garment = new_pledge(
        0,
        "goods",
        story_amount,
        format!(
            "{} bộ đồ ấm tiểu học (chăn, áo phao, mũ, tất, khăn) giao tại trường",
            story_amount / am_th.max(1)
        ),
    );
    garment.categories = Some("warm_clothing".into());
    garment.period_id = Some(P_WINTER.into());
    garment.due_on = Some(date(2025, 11, 20)?);
    pledges.push(garment);
    let mut lhpn = new_pledge(
        1,
        "money",
        60_000_000,
        "Chương trình \"Áo ấm cho em\" mùa đông 2025".into(),
    );
    lhpn.categories = Some("warm_clothing".into());
    lhpn.age_bands = Some("primary".into());
    lhpn.period_id = Some(P_WINTER.into());
    lhpn.due_on = Some(date(2025, 12, 15)?);
    pledges.push(lhpn);

    let a_luoi = A_LUOI.join(",");
    let nam_dong = NAM_DONG.join(",");
    let lowland = LOWLAND.join(",");
    let few_a_luoi = ["20047,20053", "20068,20083,20086", "20056,20095"];
    for (i, s) in specs.iter().enumerate() {
        let count = match (s.donor_type, s.foreign) {
            ("fund", _) => rng.range(2, 4),
            ("mass_organisation", _) => rng.range(2, 3),
            ("business", _) => 1 + i64::from(rng.chance(450)),
            ("individual", true) => rng.range(1, 2),
            ("individual", false) => 1 + i64::from(rng.chance(300)),
            _ => 2,
        } - i64::from(i <= 1);
        for _ in 0..count {
            let (lo, hi, step) = match (s.donor_type, s.foreign) {
                ("fund", false) => (30_000_000, 150_000_000, 10_000_000),
                ("fund", true) => (50_000_000, 250_000_000, 10_000_000),
                ("mass_organisation", _) => (10_000_000, 80_000_000, 5_000_000),
                ("business", _) => (5_000_000, 60_000_000, 5_000_000),
                ("individual", true) => (5_000_000, 60_000_000, 1_000_000),
                ("individual", false) => (500_000, 20_000_000, 500_000),
                _ => (3_000_000, 40_000_000, 1_000_000),
            };
            let mut p = match s.flavour {
                Flavour::Garment if rng.chance(700) => {
                    let sets = rng.range(60, 250);
                    let mut p = new_pledge(
                        i,
                        "goods",
                        sets * am_th,
                        format!("{sets} bộ đồ ấm (chăn, áo phao, mũ len, tất)"),
                    );
                    p.categories = Some("warm_clothing".into());
                    p
                }
                Flavour::Food if rng.chance(500) => {
                    let boxes = rng.range(1_500, 8_000);
                    let mut p = new_pledge(
                        i,
                        "goods",
                        boxes * 8_000,
                        format!("{boxes} hộp sữa tươi 180 ml, giao theo học kỳ"),
                    );
                    p.categories = Some("nutrition".into());
                    p
                }
                Flavour::Clinic if rng.chance(600) => {
                    let kids = rng.range(150, 600);
                    let mut p = new_pledge(
                        i,
                        "service",
                        kids * 80_000,
                        format!("Khám sức khỏe miễn phí cho {kids} trẻ, đội y bác sĩ lên tận xã"),
                    );
                    p.categories = Some("healthcare".into());
                    p
                }
                Flavour::Travel if rng.chance(500) => {
                    let mut p = new_pledge(
                        i,
                        "service",
                        rng.money(10_000_000, 40_000_000, 1_000_000),
                        "Tổ chức đêm hội Trung thu và sân chơi cho học sinh".into(),
                    );
                    p.categories = Some("recreation".into());
                    p
                }
                _ => {
                    let amount = rng.money(lo, hi, step);
                    let note = if rng.chance(300) {
                        "Chuyển khoản 2 đợt: tháng 10/2025 và tháng 2/2026".to_owned()
                    } else {
                        "Chuyển khoản một lần".to_owned()
                    };
                    let mut p = new_pledge(i, "money", amount, note);
                    if rng.chance(350) {
                        let cats = [
                            "warm_clothing",
                            "nutrition",
                            "healthcare",
                            "recreation",
                            "nutrition,healthcare",
                            "warm_clothing,nutrition",
                        ];
                        p.categories = Some(cats[rng.index(cats.len())].into());
                    }
                    p
                }
            };
            // Where and for whom.
            match rng.below(100) {
                0..=11 => p.unit_codes = Some(a_luoi.clone()),
                12..=18 => p.unit_codes = Some(nam_dong.clone()),
                19..=22 => p.unit_codes = Some(lowland.clone()),
                23..=28 => {
                    p.unit_codes = Some(few_a_luoi[rng.index(few_a_luoi.len())].into());
                }
                _ => {}
            }
            if rng.chance(150) {
                p.age_bands = Some(
                    if rng.chance(500) {
                        "preschool"
                    } else {
                        "primary"
                    }
                    .into(),
                );
            }
            if p.categories.as_deref() == Some("warm_clothing") && rng.chance(600) {
                p.period_id = Some(P_WINTER.into());
            }
            let committed = rng.chance(860);
            if !committed {
                p.status = "pledged".into();
            }
            let start = if committed {
                date(2025, 9, 10)?
            } else {
                date(2026, 1, 5)?
            };
            let span = if committed { 230 } else { 150 };
            p.due_on = start.checked_add_days(Days::new(rng.below(span)));
            pledges.push(p);
        }
    }
    // A few pledges made on published needs from the public page, waiting
    // for the coordinator's confirmation.
    let public_donors: Vec<usize> = (0..specs.len())
        .filter(|&i| specs[i].donor_type == "individual")
        .step_by(5)
        .take(4)
        .collect();
    let published: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].published && i != story_line)
        .collect();
    for (k, d) in public_donors.into_iter().enumerate() {
        let Some(&li) = published.get((k * 37 + 11) % published.len().max(1)) else {
            continue;
        };
        let l = &lines[li];
        let mut p = new_pledge(
            d,
            "money",
            (l.amount / 10).clamp(1_000_000, 20_000_000) / 500_000 * 500_000,
            "Đăng ký ủng hộ từ trang công khai".into(),
        );
        p.status = "pledged".into();
        p.origin = "public".into();
        p.need_line_id = Some(l.id.clone());
        p.categories = Some(l.category.as_str().into());
        p.unit_codes = Some(l.unit.into());
        p.due_on = date(2026, 1, 31).ok();
        pledges.push(p);
    }
    for (n, p) in pledges.iter_mut().enumerate() {
        p.id = format!("demo-pledge-{:03}", n + 1);
        storage::donors::create_pledge(db, p, actor, now).await?;
    }
    summary.pledges = pledges.len();

    // Allocations. First the overlap example at Hồng Trung: the garment
    // company's goods cover the winter line in full; the women's union then
    // tries to cover it again and the guard refuses; the coordinator
    // accepts a small top-up for pupils who arrived later, with a reason.
    let coordinator = AuditActor {
        id: actor.id.clone(),
        name: format!("{} (điều phối viên)", actor.name),
    };
    let ask = |line: &Line, pledge: &Pledge, amount: i64, reason: Option<&str>| AllocationRequest {
        need_line_id: line.id.clone(),
        pledge_id: pledge.id.clone(),
        amount,
        override_reason: reason.map(str::to_owned),
        may_override: reason.is_some(),
        is_demo: true,
    };
    let mut used: Vec<i64> = vec![0; pledges.len()];
    {
        let line = &lines[story_line];
        let req = ask(line, &pledges[0], story_amount, None);
        match storage::allocations::allocate(db, &req, actor, now).await? {
            Ok(_) => summary.allocations += 1,
            Err(r) => return Err(corrupt(format!("demo story allocation refused: {r:?}"))),
        }
        used[0] = story_amount;
        let again = story_amount.min(pledges[1].amount);
        match storage::allocations::allocate(db, &ask(line, &pledges[1], again, None), actor, now)
            .await?
        {
            Err(AllocationRefusal::Overlap(OverlapDecision::Refused { .. })) => {
                summary.refused_overlaps += 1;
            }
            other => {
                return Err(corrupt(format!(
                    "demo: the overlap guard should have refused, got {other:?}"
                )));
            }
        }
        let top_up = 12 * line.unit_value;
        let reason = "Bổ sung 12 bộ đồ ấm cho học sinh chuyển đến sau khảo sát tháng 10/2025; \
                      danh sách đã được nhà trường và UBND xã xác nhận";
        match storage::allocations::allocate(
            db,
            &ask(line, &pledges[1], top_up, Some(reason)),
            &coordinator,
            now,
        )
        .await?
        {
            Ok((_, Some(_))) => {
                summary.allocations += 1;
                summary.overrides += 1;
            }
            other => {
                return Err(corrupt(format!(
                    "demo: the override should have been accepted, got {other:?}"
                )));
            }
        }
        used[1] = top_up;
    }
    let line = &mut lines[story_line];
    line.allocated = story_amount + 12 * line.unit_value;
    line.target = line.allocated;

    // Then the rest: each committed pledge covers a handful of eligible
    // lines up to what the demo lets donors reach; pickier pledges first.
    let mut order: Vec<usize> = (0..pledges.len())
        .filter(|&i| pledges[i].status == "committed")
        .collect();
    rng.shuffle(&mut order);
    order.sort_by_key(|&i| {
        let p = &pledges[i];
        std::cmp::Reverse(
            u8::from(p.unit_codes.is_some())
                + u8::from(p.categories.is_some())
                + u8::from(p.age_bands.is_some())
                + u8::from(p.period_id.is_some()),
        )
    });
    for pi in order {
        let p = &pledges[pi];
        let r = p.restrictions();
        let mut eligible: Vec<usize> = (0..lines.len())
            .filter(|&li| {
                let l = &lines[li];
                l.open && l.allocated < l.target && r.allow(l.category, l.unit, l.band, l.period)
            })
            .collect();
        rng.shuffle(&mut eligible);
        let max_lines = match specs.get(donor_index(&p.donor_id)).map(|s| s.donor_type) {
            Some("fund") => 10,
            Some("mass_organisation" | "business") => 5,
            _ => 2,
        };
        let mut remaining = p.amount - used[pi];
        for li in eligible.into_iter().take(max_lines) {
            if remaining <= 0 {
                break;
            }
            let l = &lines[li];
            let amount = (l.target - l.allocated).min(remaining);
            if amount <= 0 {
                continue;
            }
            match storage::allocations::allocate(db, &ask(l, p, amount, None), actor, now).await? {
                Ok(_) => {
                    summary.allocations += 1;
                    remaining -= amount;
                    used[pi] += amount;
                    lines[li].allocated += amount;
                }
                Err(r) => {
                    return Err(corrupt(format!(
                        "demo allocation {} → {} refused: {r:?}",
                        p.id, lines[li].id
                    )));
                }
            }
        }
    }
    tracing::info!(?summary, "demo need line loaded");
    Ok(summary)
}

fn donor_index(donor_id: &str) -> usize {
    donor_id
        .rsplit('-')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(usize::MAX)
}

/// A committed pledge without restrictions (the id is given once all
/// pledges are known).
fn new_pledge(donor: usize, kind: &str, amount: i64, note: String) -> Pledge {
    Pledge {
        id: String::new(),
        donor_id: format!("demo-donor-{donor:03}"),
        kind: kind.into(),
        amount,
        status: "committed".into(),
        categories: None,
        unit_codes: None,
        age_bands: None,
        period_id: None,
        due_on: None,
        origin: "officer".into(),
        need_line_id: None,
        note,
        is_demo: true,
        number: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::authz::Visibility;
    use storage::needs::NeedFilter;

    async fn fresh() -> Db {
        let db = storage::testing::fresh_db().await.expect("db");
        crate::demo::load_base(&db)
            .await
            .expect("demo organisations");
        db
    }

    /// (site, package code, version, quantity, status, committed) of every line.
    async fn fingerprint(db: &Db) -> Vec<(String, String, i64, i64, String, i64)> {
        let mut v: Vec<_> = storage::needs::list(db, &Visibility::All, &NeedFilter::default())
            .await
            .expect("lines")
            .into_iter()
            .map(|l| {
                (
                    l.site_id,
                    l.package_code,
                    l.package_version,
                    l.quantity,
                    l.status,
                    l.committed,
                )
            })
            .collect();
        v.sort();
        v
    }

    #[tokio::test]
    async fn a_plausible_year_loads_with_gaps_and_one_refused_overlap() {
        let db = fresh().await;
        let actor = AuditActor::system("demo");
        let started = std::time::Instant::now();
        let s = load(&db, &actor).await.expect("demo needs");
        eprintln!("{s:?} in {:?}", started.elapsed());
        assert_eq!(s.periods, 3);
        assert!((12..=16).contains(&s.packages), "{s:?}");
        assert!((180..=230).contains(&s.need_lines), "{s:?}");
        assert!((75..=85).contains(&s.donors), "{s:?}");
        assert!((130..=170).contains(&s.pledges), "{s:?}");
        assert!(s.allocations >= 100, "{s:?}");
        assert_eq!(s.refused_overlaps, 1);
        assert_eq!(s.overrides, 1);

        let lines = storage::needs::list(&db, &Visibility::All, &NeedFilter::default())
            .await
            .expect("lines");
        assert_eq!(lines.len(), s.need_lines);
        assert!(lines.iter().all(|l| l.is_demo));
        let count = |st: &str| lines.iter().filter(|l| l.status == st).count();
        assert!(count("published") > lines.len() / 2, "most are published");
        assert!(count("verified") >= 5 && count("assessed") >= 3);
        assert_eq!(count("cancelled"), 2);
        assert!(
            lines
                .iter()
                .filter(|l| l.status == "cancelled")
                .all(|l| l.status_reason.as_deref().is_some_and(|r| !r.is_empty()))
        );
        // Real gaps, whole lines covered, and a commune left far behind.
        assert!(
            lines
                .iter()
                .any(|l| l.status == "published" && l.committed < l.amount)
        );
        assert!(lines.iter().any(|l| l.committed == l.amount));
        let share = |unit: &str| {
            let (need, got) = lines
                .iter()
                .filter(|l| l.unit_code == unit && l.status != "cancelled")
                .fold((0i64, 0i64), |(n, c), l| (n + l.amount, c + l.committed));
            got * 100 / need.max(1)
        };
        assert!(share("20101") < 20, "A Đớt is badly covered");
        let total = lines
            .iter()
            .filter(|l| l.status != "cancelled")
            .fold((0i64, 0i64), |(n, c), l| (n + l.amount, c + l.committed));
        eprintln!(
            "need {} committed {} ({}%)",
            total.0,
            total.1,
            total.1 * 100 / total.0
        );
        let full = lines.iter().filter(|l| l.committed >= l.amount).count();
        let none = lines.iter().filter(|l| l.committed == 0).count();
        eprintln!(
            "lines fully covered {full}, partly {}, not at all {none}; A Đớt {}%, Hồng Trung {}%",
            lines.len() - full - none,
            share("20101"),
            share("20056")
        );
        // A line still on the first version of a package that has a second.
        assert!(
            lines
                .iter()
                .any(|l| l.package_code == "DEMO-AM-TH" && l.package_version == 1)
        );
        assert!(
            lines
                .iter()
                .any(|l| l.package_code == "DEMO-AM-TH" && l.package_version == 2)
        );
        // Only the override goes beyond a line's need.
        assert_eq!(lines.iter().filter(|l| l.committed > l.amount).count(), 1);

        // Every allocation respects its pledge; only committed pledges give.
        let pledges = storage::donors::pledges(&db, None).await.expect("pledges");
        assert_eq!(pledges.len(), s.pledges);
        for (p, used) in &pledges {
            assert!(*used <= p.amount, "{} gave {used} of {}", p.id, p.amount);
            assert!(p.is_demo);
            if p.status != "committed" {
                assert_eq!(*used, 0, "{}", p.id);
            }
        }
        assert!(pledges.iter().any(|(p, _)| p.status == "pledged"));
        assert!(pledges.iter().any(|(p, _)| p.kind == "goods"));
        assert!(pledges.iter().any(|(p, _)| p.unit_codes.is_some()));
        assert!(pledges.iter().any(|(p, _)| p.age_bands.is_some()));
        assert!(pledges.iter().any(|(p, _)| p.origin == "public"));
        let donors = storage::donors::list(&db, None).await.expect("donors");
        assert!(donors.iter().all(|d| d.is_demo));
        assert!(donors.iter().any(|d| d.origin == "foreign"));
        assert!(donors.iter().any(|d| d.anonymous));
        assert!(donors.iter().any(|d| !d.publish_name && !d.anonymous));
        assert!(
            storage::catalogue::periods(&db)
                .await
                .expect("periods")
                .iter()
                .all(|p| p.is_demo)
        );
        storage::audit::verify(&db).await.expect("audit chain");

        // A second load does nothing.
        let again = load(&db, &actor).await.expect("again");
        assert_eq!(again, DemoNeedsSummary::default());
    }

    #[tokio::test]
    async fn two_loads_give_the_same_year() {
        let actor = AuditActor::system("demo");
        let a = fresh().await;
        let b = fresh().await;
        let sa = load(&a, &actor).await.expect("a");
        let sb = load(&b, &actor).await.expect("b");
        assert_eq!(sa, sb);
        assert_eq!(fingerprint(&a).await, fingerprint(&b).await);
    }
}
