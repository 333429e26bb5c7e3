//! Demo data: every actor the plan names (with the 2025 reorganisation of
//! the departments), schools and health stations in the communes of the
//! plan's five areas, a plausible — and labelled — set of classifications,
//! and one login per role. Everything here is marked `is_demo`.

use chrono::{NaiveDate, Utc};
use domain::admin_units::{AdminMap, Level};
use domain::classification::{ClassificationKind, NewClassification};
use storage::Db;
use storage::audit::AuditActor;
use storage::organisations::Organisation;

use crate::setup::AppError;

/// The demo password of every demo login (printed by `chungtay demo`).
pub const PASSWORD: &str = "chungtay-demo";

/// (username, role) of the demo logins, one per role.
pub const LOGINS: [(&str, &str); 7] = [
    ("admin", "admin"),
    ("dieuphoi", "coordinator"),
    ("sogddt", "sector_officer"),
    ("aluoi1", "local_officer"),
    ("thaluoi", "site_officer"),
    ("thanhtra", "finance_inspector"),
    ("nhataitro", "donor"),
];

/// The plan's five areas (2019 district codes).
const AREAS: [&str; 5] = ["476", "480", "481", "482", "483"];

fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, day)
}

#[allow(clippy::too_many_arguments)] // a row of the demo table
fn org(
    id: &str,
    name: &str,
    short: Option<&str>,
    org_type: &str,
    parent: Option<&str>,
    unit: Option<&str>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    successor: Option<&str>,
) -> Organisation {
    Organisation {
        id: id.into(),
        name: name.into(),
        short_name: short.map(Into::into),
        org_type: org_type.into(),
        parent_id: parent.map(Into::into),
        unit_code: unit.map(Into::into),
        valid_from: from,
        valid_to: to,
        successor_id: successor.map(Into::into),
        is_demo: true,
    }
}

/// City-level actors, before and after the 2025 reorganisation.
fn city_actors() -> Vec<Organisation> {
    let mar25 = d(2025, 3, 1);
    let jan25 = d(2025, 1, 1);
    vec![
        org(
            "ubnd-tinh",
            "Ủy ban nhân dân tỉnh Thừa Thiên Huế",
            Some("UBND tỉnh"),
            "peoples_committee",
            None,
            Some("46"),
            None,
            jan25,
            Some("ubnd-tp"),
        ),
        org(
            "ubnd-tp",
            "Ủy ban nhân dân thành phố Huế",
            Some("UBND thành phố"),
            "peoples_committee",
            None,
            Some("46"),
            jan25,
            None,
            None,
        ),
        org(
            "so-noi-vu",
            "Sở Nội vụ thành phố Huế",
            Some("Sở Nội vụ"),
            "department",
            Some("ubnd-tp"),
            Some("46"),
            None,
            None,
            None,
        ),
        org(
            "so-y-te",
            "Sở Y tế thành phố Huế",
            Some("Sở Y tế"),
            "department",
            Some("ubnd-tp"),
            Some("46"),
            None,
            None,
            None,
        ),
        org(
            "so-ldtbxh",
            "Sở Lao động – Thương binh và Xã hội tỉnh Thừa Thiên Huế",
            Some("Sở LĐTBXH"),
            "department",
            Some("ubnd-tinh"),
            Some("46"),
            None,
            mar25,
            Some("so-noi-vu"),
        ),
        org(
            "quy-btte",
            "Quỹ Bảo trợ trẻ em tỉnh Thừa Thiên Huế",
            Some("Quỹ BTTE"),
            "fund",
            Some("so-ldtbxh"),
            Some("46"),
            None,
            mar25,
            Some("ttctxh-qbtte"),
        ),
        org(
            "ttctxh-qbtte",
            "Trung tâm Công tác xã hội và Quỹ Bảo trợ trẻ em (Sở Y tế)",
            Some("TT CTXH & QBTTE"),
            "fund",
            Some("so-y-te"),
            Some("46"),
            mar25,
            None,
            None,
        ),
        org(
            "so-gddt",
            "Sở Giáo dục và Đào tạo",
            Some("Sở GD&ĐT"),
            "department",
            Some("ubnd-tp"),
            Some("46"),
            None,
            None,
            None,
        ),
        org(
            "so-vhtt",
            "Sở Văn hóa và Thể thao",
            Some("Sở VH&TT"),
            "department",
            Some("ubnd-tinh"),
            Some("46"),
            None,
            mar25,
            Some("so-vhttdl"),
        ),
        org(
            "so-vhttdl",
            "Sở Văn hóa, Thể thao và Du lịch",
            Some("Sở VHTT&DL"),
            "department",
            Some("ubnd-tp"),
            Some("46"),
            mar25,
            None,
            None,
        ),
        org(
            "so-khdt",
            "Sở Kế hoạch và Đầu tư",
            Some("Sở KH&ĐT"),
            "department",
            Some("ubnd-tinh"),
            Some("46"),
            None,
            mar25,
            Some("so-tai-chinh"),
        ),
        org(
            "so-tai-chinh",
            "Sở Tài chính",
            Some("Sở Tài chính"),
            "department",
            Some("ubnd-tp"),
            Some("46"),
            None,
            None,
            None,
        ),
        org(
            "so-tttt",
            "Sở Thông tin và Truyền thông",
            Some("Sở TT&TT"),
            "department",
            Some("ubnd-tinh"),
            Some("46"),
            None,
            mar25,
            Some("so-khcn"),
        ),
        org(
            "so-khcn",
            "Sở Khoa học và Công nghệ",
            Some("Sở KH&CN"),
            "department",
            Some("ubnd-tp"),
            Some("46"),
            None,
            None,
            None,
        ),
        org(
            "ban-dan-toc",
            "Ban Dân tộc",
            Some("Ban Dân tộc"),
            "department",
            Some("ubnd-tinh"),
            Some("46"),
            None,
            None,
            None,
        ),
        org(
            "mttq",
            "Ủy ban Mặt trận Tổ quốc Việt Nam (Quỹ Vì người nghèo)",
            Some("UBMTTQ"),
            "mass_organisation",
            None,
            Some("46"),
            None,
            None,
            None,
        ),
        org(
            "hoi-lhpn",
            "Hội Liên hiệp Phụ nữ",
            Some("Hội LHPN"),
            "mass_organisation",
            Some("mttq"),
            Some("46"),
            None,
            None,
            None,
        ),
        org(
            "ldld",
            "Liên đoàn Lao động",
            Some("LĐLĐ"),
            "mass_organisation",
            Some("mttq"),
            Some("46"),
            None,
            None,
            None,
        ),
        org(
            "doan-tn",
            "Đoàn Thanh niên Cộng sản Hồ Chí Minh",
            Some("Đoàn TN"),
            "mass_organisation",
            Some("mttq"),
            Some("46"),
            None,
            None,
            None,
        ),
        org(
            "dn-hue-xanh",
            "Công ty Cổ phần Huế Xanh (nhà tài trợ mẫu)",
            None,
            "donor_organisation",
            None,
            Some("46"),
            None,
            None,
            None,
        ),
    ]
}

/// Mixed letters and digits, for ids of generated organisations.
fn slug(code: &str, kind: &str) -> String {
    format!("{kind}-{code}")
}

async fn load_sites(db: &Db, map: &AdminMap, actor: &AuditActor) -> Result<usize, AppError> {
    let now = Utc::now();
    let last_day = d(2025, 6, 30).unwrap_or_default();
    let mut n = 0;
    // The people's committees of the five districts, ended by the reform.
    for unit in map.units_on(last_day) {
        if unit.level == Level::District && AREAS.contains(&unit.code.as_str()) {
            let name = format!("Ủy ban nhân dân {}", unit.name);
            let to = unit.valid_to;
            let o = org(
                &slug(&unit.code, "ubnd"),
                &name,
                None,
                "peoples_committee",
                Some("ubnd-tp"),
                Some(&unit.code),
                None,
                to,
                None,
            );
            storage::organisations::create(db, &o, actor, now).await?;
            n += 1;
        }
    }
    // Nam Đông district (ended 1 Jan 2025) as well.
    if let Some(nd) = map.versions_of("483").first() {
        let o = org(
            "ubnd-483",
            &format!("Ủy ban nhân dân {}", nd.name),
            None,
            "peoples_committee",
            Some("ubnd-tinh"),
            Some("483"),
            None,
            nd.valid_to,
            Some("ubnd-482"),
        );
        storage::organisations::create(db, &o, actor, now).await?;
        n += 1;
    }
    // Schools and health stations of the communes of the five areas, as of
    // 30 Jun 2025 (Nam Đông's communes by then belonged to Phú Lộc).
    let first = d(2019, 9, 11).unwrap_or_default();
    let mut communes: Vec<_> = map
        .units_on(first)
        .into_iter()
        .filter(|u| {
            u.level == Level::Commune
                && u.parent_code.as_deref().is_some_and(|p| AREAS.contains(&p))
        })
        .collect();
    communes.sort_by(|a, b| a.code.cmp(&b.code));
    for c in communes {
        let short = c.short_name();
        let unit = c.code.as_str();
        let primary = org(
            &slug(unit, "th"),
            &format!("Trường Tiểu học {short}"),
            None,
            "school",
            None,
            Some(unit),
            None,
            None,
            None,
        );
        let station = org(
            &slug(unit, "tyt"),
            &format!("Trạm Y tế {}", c.name),
            None,
            "health_station",
            None,
            Some(unit),
            None,
            None,
            None,
        );
        storage::organisations::create(db, &primary, actor, now).await?;
        storage::organisations::create(db, &station, actor, now).await?;
        n += 2;
        if c.parent_code.as_deref() == Some("481") || c.parent_code.as_deref() == Some("483") {
            let pre = org(
                &slug(unit, "mn"),
                &format!("Trường Mầm non {short}"),
                None,
                "school",
                None,
                Some(unit),
                None,
                None,
                None,
            );
            let site = org(
                &slug(unit, "dt"),
                &format!("Điểm trường thôn 1, Trường Tiểu học {short}"),
                None,
                "school_site",
                Some(&slug(unit, "th")),
                Some(unit),
                None,
                None,
                None,
            );
            storage::organisations::create(db, &pre, actor, now).await?;
            storage::organisations::create(db, &site, actor, now).await?;
            n += 2;
        }
    }
    Ok(n)
}

async fn load_classifications(
    db: &Db,
    map: &AdminMap,
    actor: &AuditActor,
) -> Result<usize, AppError> {
    let now = Utc::now();
    let first = d(2019, 9, 11).unwrap_or_default();
    let mut n = 0;
    // Demo: every 2019 commune of A Lưới and Nam Đông in khu vực III for
    // 2021–2025 (QĐ 861/QĐ-TTg), and xã ĐBKK for 2017–2020 (QĐ 900/QĐ-TTg).
    // The real lists are not in the shipped data: these rows are marked demo.
    for c in map.units_on(first) {
        let mountain = matches!(c.parent_code.as_deref(), Some("481" | "483"));
        if c.level != Level::Commune || !mountain || c.unit_type != "Xã" {
            continue;
        }
        let rows = [
            (
                ClassificationKind::XaDbkk,
                d(2017, 1, 1),
                d(2021, 6, 4),
                "QĐ 900/QĐ-TTg (mẫu / demo)",
            ),
            (
                ClassificationKind::KhuVucIII,
                d(2021, 6, 4),
                d(2026, 1, 1),
                "QĐ 861/QĐ-TTg (mẫu / demo)",
            ),
        ];
        for (kind, from, to, instrument) in rows {
            let Some(valid_from) = from else { continue };
            let c = NewClassification {
                unit_code: c.code.clone(),
                kind,
                village: None,
                valid_from,
                valid_to: to,
                instrument: instrument.into(),
            };
            if let Ok(valid) = c.validate() {
                storage::classifications::create(db, &valid, true, actor, now).await?;
                n += 1;
            }
        }
    }
    Ok(n)
}

/// Loads the demo data into an empty database (no users yet). Returns the
/// logins created; empty when the database already had users.
pub async fn load_if_empty(db: &Db) -> Result<Vec<&'static str>, AppError> {
    if storage::users::count(db).await? > 0 {
        return Ok(Vec::new());
    }
    let created = load_base(db).await?;
    let year = crate::demo_needs::load(db, &AuditActor::system("demo")).await?;
    tracing::info!(?year, "demo year of the need line loaded");
    let money = crate::demo_money::load(db, &AuditActor::system("demo")).await?;
    tracing::info!(?money, "demo receipts and statement loaded");
    let reporting = crate::demo_reporting::load(db, &AuditActor::system("demo")).await?;
    tracing::info!(?reporting, "demo reporting loaded");
    let deliveries = crate::demo_deliveries::load(db, &AuditActor::system("demo")).await?;
    tracing::info!(?deliveries, "demo deliveries loaded");
    let stock = crate::demo_stock::load(db, &AuditActor::system("demo")).await?;
    tracing::info!(?stock, "demo stores and stock loaded");
    Ok(created)
}

/// Organisations, classifications and the demo logins (no need line).
pub(crate) async fn load_base(db: &Db) -> Result<Vec<&'static str>, AppError> {
    let actor = AuditActor::system("demo");
    let now = Utc::now();
    let map = domain::admin_units::embedded_map()?;
    // Parents and successors first (the links are foreign keys).
    let mut pending = city_actors();
    let mut done: Vec<String> = Vec::new();
    while !pending.is_empty() {
        let ready = |o: &Organisation| {
            [&o.parent_id, &o.successor_id]
                .into_iter()
                .flatten()
                .all(|id| done.contains(id))
        };
        let Some(i) = pending.iter().position(ready) else {
            break;
        };
        let o = pending.swap_remove(i);
        storage::organisations::create(db, &o, &actor, now).await?;
        done.push(o.id);
    }
    let sites = load_sites(db, map, &actor).await?;
    let classes = load_classifications(db, map, &actor).await?;
    let hash = web::hash_password(PASSWORD)?;
    let scopes = |u: &str| -> Vec<String> {
        match u {
            "aluoi1" => vec!["20056".into()],
            "thaluoi" => vec!["20056".into()],
            "sogddt" => AREAS
                .iter()
                .map(|s| (*s).to_owned())
                .chain(["46".to_owned()])
                .collect(),
            _ => Vec::new(),
        }
    };
    let display = |u: &str| match u {
        "admin" => "Phan Thị Thu (quản trị)",
        "dieuphoi" => "Nguyễn Thị Hoa (Sở Y tế)",
        "sogddt" => "Trần Văn Minh (Sở GD&ĐT)",
        "aluoi1" => "Hồ Văn Thắng (UBND xã A Lưới 1)",
        "thaluoi" => "Kăn Thị Lan (TH A Lưới 1)",
        "thanhtra" => "Lê Quang Bình (Sở Tài chính)",
        _ => "Công ty Huế Xanh",
    };
    let org_of = |u: &str| -> Option<String> {
        match u {
            "dieuphoi" => Some("ttctxh-qbtte".into()),
            "sogddt" => Some("so-gddt".into()),
            "thanhtra" => Some("so-tai-chinh".into()),
            "nhataitro" => Some("dn-hue-xanh".into()),
            _ => None,
        }
    };
    let mut created = Vec::new();
    for (username, role) in LOGINS {
        let user = storage::users::NewUser {
            username: username.into(),
            display_name: display(username).into(),
            password_hash: hash.clone(),
            role: role.into(),
            org_id: org_of(username),
            lang: "vi".into(),
            scopes: scopes(username),
        };
        let id = storage::users::create(db, &user, &actor, now).await?;
        if username == "sogddt" {
            storage::users::set_sector(db, &id, Some("education"), &actor, now).await?;
        }
        created.push(username);
    }
    tracing::info!(sites, classes, users = created.len(), "demo data loaded");
    Ok(created)
}
