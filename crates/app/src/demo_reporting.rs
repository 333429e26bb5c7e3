//! Demo reporting regime: the yearly reports of 2024 (districts and
//! communes of the plan's areas: some approved and locked at the cut-off,
//! one late, one returned and never filed again, one district missing) and
//! of 2025 — opened on 2 December 2024 for the units of the time, so that
//! Nam Đông district's obligation moved to Phú Lộc on 1 January 2025 and
//! then to the communes that replaced it on 1 July 2025, like every other
//! district's and commune's; A Lưới's new communes have a report awaiting
//! review, an approved one, a late one, a draft with an exception request
//! waiting, and Xã A Lưới 1's not started (for the officer `aluoi1`). The
//! 2025 cut-off is extended past today ("data for the final review of
//! 2019–2025"), so reports can still be filed, late. A city plan for
//! 2025–2026 with targets, a commune's and the women's union's.
//!
//! Every action goes through `storage::reporting` as the person who would
//! have taken it, on the day it would have been taken, so the audit log and
//! the stamps read as a real year. Officers of the districts and of A Lưới's
//! communes are demo users (password `chungtay-demo`, not printed).

use chrono::{Duration, NaiveDate, Utc};
use domain::authz::{Actor, Role, Scope};
use domain::reporting::{Changes, ReportAction};
use storage::audit::AuditActor;
use storage::reporting::{ANNUAL, By, OpenYear, annual_template};
use storage::{Db, StorageError};

use crate::setup::AppError;

#[derive(Debug, Default)]
pub struct DemoReportingSummary {
    pub obligations: usize,
    pub moved: usize,
    pub reports: usize,
    pub locked: usize,
    pub plans: usize,
}

fn d(y: i32, m: u32, day: u32) -> Result<NaiveDate, AppError> {
    NaiveDate::from_ymd_opt(y, m, day)
        .ok_or_else(|| AppError::Storage(StorageError::Corrupt(format!("demo date {y}-{m}-{day}"))))
}

fn corrupt(msg: String) -> AppError {
    AppError::Storage(StorageError::Corrupt(msg))
}

/// A demo officer: username, display name, role, scope.
const OFFICERS: [(&str, &str, &str, &str); 9] = [
    (
        "cb-aluoi",
        "Hồ Thị Mai (UBND huyện A Lưới)",
        "local_officer",
        "481",
    ),
    (
        "cb-namdong",
        "Lê Văn Hùng (UBND huyện Nam Đông)",
        "local_officer",
        "483",
    ),
    (
        "cb-phuloc",
        "Trần Quốc Bảo (UBND huyện Phú Lộc)",
        "local_officer",
        "482",
    ),
    (
        "cb-phongdien",
        "Nguyễn Văn An (UBND huyện Phong Điền)",
        "local_officer",
        "476",
    ),
    (
        "cb-huongtra",
        "Phạm Thị Thu (UBND thị xã Hương Trà)",
        "local_officer",
        "480",
    ),
    (
        "aluoi2",
        "Kê Văn Nam (UBND xã A Lưới 2)",
        "local_officer",
        "20044",
    ),
    (
        "aluoi3",
        "Hồ Thị Liên (UBND xã A Lưới 3)",
        "local_officer",
        "20071",
    ),
    (
        "aluoi4",
        "Căn Văn Sơn (UBND xã A Lưới 4)",
        "local_officer",
        "20101",
    ),
    (
        "aluoi5",
        "Nguyễn Thị Hằng (UBND xã A Lưới 5)",
        "local_officer",
        "20050",
    ),
];

/// A report filed in the demo: unit code, by whom, filed on, approved on,
/// figures and narrative.
type Filing<'a> = (
    &'static str,
    &'a Person,
    NaiveDate,
    NaiveDate,
    Vec<(&'static str, String)>,
);

/// A demo plan, who makes it, its targets (category, source, indicator,
/// target as typed).
type PlanSpec<'a> = (
    storage::plans::NewPlan,
    &'a AuditActor,
    Vec<(&'static str, &'static str, &'static str, &'static str)>,
);

/// Someone who acts in the demo: for the domain and for the audit log.
struct Person {
    actor: Actor,
    audit: AuditActor,
}

impl Person {
    fn by(&self) -> By<'_> {
        By {
            actor: &self.actor,
            audit: &self.audit,
        }
    }
}

async fn person(db: &Db, username: &str) -> Result<Person, AppError> {
    let (user, _) = storage::users::find_for_login(db, username)
        .await?
        .ok_or_else(|| corrupt(format!("demo user {username}")))?;
    let role: Role = user.role.parse()?;
    let codes = storage::users::scopes(db, &user.id).await?;
    let scope = if role.is_scoped() {
        storage::admin_units::expand_scope(db, &codes).await?
    } else {
        Default::default()
    };
    Ok(Person {
        actor: Actor {
            user_id: Some(user.id.clone()),
            role,
            scope: Scope::new(scope),
        },
        audit: AuditActor {
            id: Some(user.id),
            name: user.username,
        },
    })
}

/// The open obligation of a unit code in a year.
async fn obligation(db: &Db, year: i32, code: &str) -> Result<String, AppError> {
    storage::reporting::list(db, &domain::authz::Visibility::All, ANNUAL, Some(year))
        .await?
        .into_iter()
        .find(|l| {
            l.obligation.unit_kind == "admin"
                && l.obligation.unit_code == code
                && !l.obligation.is_moved()
        })
        .map(|l| l.obligation.id)
        .ok_or_else(|| corrupt(format!("no {year} obligation for {code}")))
}

fn changes(pairs: &[(&str, String)]) -> Changes {
    pairs.iter().fold(Changes::new(), |c, (f, v)| c.set(f, v))
}

/// Saves (and with `submit`, files) a report as `who` on `on`.
async fn file(
    db: &Db,
    id: &str,
    who: &Person,
    on: NaiveDate,
    pairs: &[(&str, String)],
    submit: Option<bool>,
) -> Result<(), AppError> {
    let opened = storage::reporting::get(db, id)
        .await?
        .map_or(0, |s| s.draft.version);
    storage::reporting::save(
        db,
        id,
        opened,
        &changes(pairs),
        submit,
        &who.by(),
        on,
        Utc::now(),
    )
    .await?
    .map_err(|r| corrupt(format!("demo report {id}: {r:?}")))?;
    Ok(())
}

async fn act(
    db: &Db,
    id: &str,
    who: &Person,
    on: NaiveDate,
    action: ReportAction,
) -> Result<(), AppError> {
    storage::reporting::act(db, id, action, &who.by(), on, Utc::now())
        .await?
        .map_err(|r| corrupt(format!("demo report {id}: {r:?}")))?;
    Ok(())
}

fn money(v: i64) -> String {
    v.to_string()
}

/// A unit's figures and narrative, from numbers of the demo.
fn figures(
    domestic: i64,
    foreign: i64,
    packages: i64,
    children: i64,
    text: &str,
) -> Vec<(&'static str, String)> {
    vec![
        ("money_domestic", money(domestic)),
        ("money_foreign", money(foreign)),
        ("money_business", money(domestic * 6 / 10)),
        ("money_individual", money(domestic - domestic * 6 / 10)),
        ("money_fund", money(foreign)),
        ("money_mass_organisation", money(0)),
        ("packages_funded", packages.to_string()),
        ("children_supported", children.to_string()),
        ("results", text.to_owned()),
        (
            "difficulties",
            "Đường lên các thôn vùng cao sạt lở vào mùa mưa, việc vận chuyển hàng hỗ trợ chậm."
                .to_owned(),
        ),
        (
            "proposals",
            "Đề nghị bổ sung nguồn lực cho bữa ăn bán trú và áo ấm trước tháng 12.".to_owned(),
        ),
    ]
}

pub async fn load(db: &Db, system: &AuditActor) -> Result<DemoReportingSummary, AppError> {
    let mut summary = DemoReportingSummary::default();
    if !storage::reporting::periods(db, ANNUAL).await?.is_empty() {
        return Ok(summary);
    }
    let now = Utc::now();
    let today = (now + Duration::hours(7)).date_naive();
    let map = domain::admin_units::embedded_map()?;

    // the officers who filed
    let hash = web::hash_password(crate::demo::PASSWORD)?;
    for (username, name, role, scope) in OFFICERS {
        let u = storage::users::NewUser {
            username: username.into(),
            display_name: name.into(),
            password_hash: hash.clone(),
            role: role.into(),
            org_id: None,
            lang: "vi".into(),
            scopes: vec![scope.into()],
        };
        storage::users::create(db, &u, system, now).await?;
    }
    let coord = person(db, "dieuphoi").await?;
    let p = |u: &'static str| person(db, u);

    summary.reports += history(db, &coord).await?;

    // 2024: opened at the start of the year; cut-off 15 December
    let open24 = OpenYear {
        template: annual_template(),
        year: 2024,
        due: d(2024, 11, 30)?,
        cutoff: d(2024, 12, 15)?,
        units_on: d(2024, 1, 2)?,
        is_demo: true,
    };
    let opened = storage::reporting::open_year(db, map, &open24, &coord.audit, now)
        .await?
        .map_err(|e| corrupt(e.to_string()))?;
    summary.obligations += opened.obligations;

    let cb_aluoi = p("cb-aluoi").await?;
    let cb_namdong = p("cb-namdong").await?;
    let cb_phuloc = p("cb-phuloc").await?;
    let cb_phongdien = p("cb-phongdien").await?;
    let aluoi1 = p("aluoi1").await?;
    let filed_2024: [Filing<'_>; 5] = [
        (
            "481",
            &cb_aluoi,
            d(2024, 11, 14)?,
            d(2024, 11, 25)?,
            figures(
                1_850_000_000,
                420_000_000,
                3_150,
                3_020,
                "Toàn huyện đã huy động và hỗ trợ bữa ăn, áo ấm, khám sức khỏe cho trẻ em 18 xã, thị trấn.",
            ),
        ),
        (
            "483",
            &cb_namdong,
            d(2024, 11, 25)?,
            d(2024, 12, 2)?,
            figures(
                960_000_000,
                150_000_000,
                1_420,
                1_380,
                "Hỗ trợ bữa ăn bán trú cho học sinh tiểu học và áo ấm cho trẻ mầm non ở 10 xã, thị trấn.",
            ),
        ),
        (
            "482",
            &cb_phuloc,
            d(2024, 11, 28)?,
            d(2024, 12, 3)?,
            figures(
                640_000_000,
                0,
                900,
                870,
                "Hỗ trợ trẻ em các xã miền núi Lộc Bình, Lộc Hòa, Xuân Lộc.",
            ),
        ),
        (
            "476",
            &cb_phongdien,
            d(2024, 12, 10)?,
            d(2024, 12, 12)?,
            figures(
                510_000_000,
                60_000_000,
                700,
                690,
                "Hỗ trợ trẻ em xã Phong Xuân, Phong Mỹ, Phong Sơn.",
            ),
        ),
        (
            "20056",
            &aluoi1,
            d(2024, 11, 12)?,
            d(2024, 11, 22)?,
            figures(
                210_000_000,
                45_000_000,
                380,
                365,
                "Xã Trung Sơn: bữa ăn bán trú, áo ấm cho trẻ ở 5 thôn.",
            ),
        ),
    ];
    for (code, who, filed, approved, pairs) in &filed_2024 {
        let id = obligation(db, 2024, code).await?;
        file(db, &id, who, *filed, pairs, Some(false)).await?;
        act(db, &id, &coord, *approved, ReportAction::Approve).await?;
        summary.reports += 1;
    }
    // Hồng Kim: nothing to report, approved; Hồng Thủy: filed late, returned, never filed again
    let hong_kim = obligation(db, 2024, "20053").await?;
    file(db, &hong_kim, &aluoi1, d(2024, 11, 22)?, &[], Some(true)).await?;
    act(
        db,
        &hong_kim,
        &coord,
        d(2024, 11, 26)?,
        ReportAction::Approve,
    )
    .await?;
    let hong_thuy = obligation(db, 2024, "20104").await?;
    file(
        db,
        &hong_thuy,
        &cb_aluoi,
        d(2024, 12, 5)?,
        &figures(150_000_000, 0, 200, 0, "Xã Hồng Thủy: hỗ trợ áo ấm."),
        Some(false),
    )
    .await?;
    act(
        db,
        &hong_thuy,
        &coord,
        d(2024, 12, 8)?,
        ReportAction::Return {
            reason: "Số trẻ được hỗ trợ để trống; bổ sung số liệu theo nguồn.".into(),
        },
    )
    .await?;
    summary.reports += 2;

    // 2025: opened on 2 December 2024, for the units of the time; the
    // cut-off extended for the final review of 2019–2025
    let due25 = d(2025, 11, 30)?;
    let open25 = OpenYear {
        template: annual_template(),
        year: 2025,
        due: due25,
        cutoff: due25.max(today + Duration::days(60)),
        units_on: d(2024, 12, 2)?,
        is_demo: true,
    };
    let opened = storage::reporting::open_year(db, map, &open25, &coord.audit, now)
        .await?
        .map_err(|e| corrupt(e.to_string()))?;
    summary.obligations += opened.obligations;
    // the map of 2025 moves them (Nam Đông → Phú Lộc → eight communes …)
    let moved = storage::reporting::migrate_obligations(db, map, today, system, now)
        .await?
        .map_err(|e| corrupt(e.to_string()))?;
    summary.moved = moved.moved;

    let aluoi2 = p("aluoi2").await?;
    let aluoi3 = p("aluoi3").await?;
    let aluoi4 = p("aluoi4").await?;
    let aluoi5 = p("aluoi5").await?;
    // typed figures near the system's (one differs, for the coordinator to see)
    let typed =
        |sys: &std::collections::BTreeMap<&'static str, Option<i64>>, bump: i64, text: &str| {
            let get = |f: &str| sys.get(f).copied().flatten().unwrap_or(0);
            let mut v: Vec<(&str, String)> = storage::reporting::FIGURES
                .iter()
                .filter(|f| **f != "money_state_budget")
                .map(|f| (*f, get(f).to_string()))
                .collect();
            v.push(("money_state_budget", "25000000".to_owned()));
            if let Some(x) = v.iter_mut().find(|(f, _)| *f == "money_domestic") {
                x.1 = (get("money_domestic") + bump).to_string();
            }
            v.push(("results", text.to_owned()));
            v.push((
                "difficulties",
                "Xã mới sáp nhập từ 1/7/2025, địa bàn rộng, cán bộ kiêm nhiệm.".to_owned(),
            ));
            v.push((
                "proposals",
                "Đề nghị thành phố hỗ trợ thêm áo ấm cho các điểm trường lẻ.".to_owned(),
            ));
            v
        };
    let y25 = |code: &'static str| obligation(db, 2025, code);
    let a2 = y25("20044").await?;
    let a3 = y25("20071").await?;
    let a4 = y25("20101").await?;
    let a5 = y25("20050").await?;
    let sys_of = |id: String| async move {
        let s = storage::reporting::get(db, &id)
            .await?
            .ok_or_else(|| corrupt(format!("report {id}")))?;
        storage::reporting::system_figures(db, map, &s.obligation)
            .await
            .map_err(AppError::from)
    };
    let s2 = sys_of(a2.clone()).await?;
    file(
        db,
        &a2,
        &aluoi2,
        d(2025, 11, 10)?,
        &typed(
            &s2,
            0,
            "Hỗ trợ bữa ăn bán trú và áo ấm cho trẻ em các thôn của xã A Lưới 2.",
        ),
        Some(false),
    )
    .await?;
    let s3 = sys_of(a3.clone()).await?;
    file(
        db,
        &a3,
        &aluoi3,
        d(2025, 11, 20)?,
        &typed(
            &s3,
            15_000_000,
            "Khám sức khỏe và hỗ trợ áo ấm cho trẻ em xã A Lưới 3.",
        ),
        Some(false),
    )
    .await?;
    act(db, &a3, &coord, d(2025, 11, 25)?, ReportAction::Approve).await?;
    let s5 = sys_of(a5.clone()).await?;
    file(
        db,
        &a5,
        &aluoi5,
        d(2025, 12, 3)?,
        &typed(&s5, 0, "Hỗ trợ áo ấm cho trẻ mầm non xã A Lưới 5."),
        Some(false),
    )
    .await?;
    // A Lưới 4: a draft, and an exception asked for (waiting for the coordinator)
    let s4 = sys_of(a4.clone()).await?;
    file(
        db,
        &a4,
        &aluoi4,
        d(2025, 11, 14)?,
        &typed(&s4, 0, "Đang tổng hợp số liệu từ các thôn."),
        None,
    )
    .await?;
    let asked = today - Duration::days(2);
    storage::reporting::request_exception(
        db,
        &a4,
        "Xã mới thành lập, số liệu của các xã cũ trước 1/7/2025 chưa bàn giao đủ.",
        today + Duration::days(90),
        &aluoi4.by(),
        asked,
        now,
    )
    .await?
    .map_err(|r| corrupt(format!("demo exception: {r:?}")))?;
    summary.reports += 4;

    // approved reports whose cut-off has passed lock now
    summary.locked = storage::reporting::lock_past_cutoff(db, today, now).await?;

    summary.plans = plans(db, &coord.audit, &aluoi1.audit).await?;
    tracing::info!(?summary, "demo reporting loaded");
    Ok(summary)
}

/// 2019–2023, before the system: the yearly report was owed by the
/// districts only (communes reported to their district), on paper; the
/// demo enters the reports of the five mountain districts as filed and
/// approved, so the final review of 2019–2025 has years to compare. Their
/// figures grow with the years, with a dip in 2021 (COVID-19).
async fn history(db: &Db, coord: &Person) -> Result<usize, AppError> {
    let map = domain::admin_units::embedded_map()?;
    let districts_only =
        storage::reporting::annual_template_for(&[domain::reporting::UnitKind::Admin(
            domain::admin_units::Level::District,
        )]);
    // (unit, officer, 2024-like domestic, foreign, packages, children, what was done)
    let base: [(&str, &str, i64, i64, i64, i64, &str); 5] = [
        (
            "481",
            "cb-aluoi",
            1_700_000_000,
            380_000_000,
            2_900,
            2_800,
            "Bữa ăn bán trú, áo ấm và khám sức khỏe cho trẻ em các xã vùng cao A Lưới.",
        ),
        (
            "483",
            "cb-namdong",
            900_000_000,
            140_000_000,
            1_300,
            1_260,
            "Bữa ăn bán trú cho học sinh tiểu học, áo ấm cho trẻ mầm non Nam Đông.",
        ),
        (
            "482",
            "cb-phuloc",
            600_000_000,
            0,
            850,
            820,
            "Hỗ trợ trẻ em các xã miền núi Lộc Bình, Lộc Hòa, Xuân Lộc.",
        ),
        (
            "476",
            "cb-phongdien",
            480_000_000,
            50_000_000,
            650,
            640,
            "Hỗ trợ trẻ em xã Phong Xuân, Phong Mỹ, Phong Sơn.",
        ),
        (
            "480",
            "cb-huongtra",
            350_000_000,
            20_000_000,
            480,
            470,
            "Hỗ trợ trẻ em xã Bình Điền, Bình Thành, Hồng Tiến.",
        ),
    ];
    // share of the 2024-like figures, in per cent
    let growth: [(i32, i64); 5] = [(2019, 55), (2020, 62), (2021, 48), (2022, 71), (2023, 86)];
    let mut filed = 0;
    for (year, pct) in growth {
        let spec = OpenYear {
            template: districts_only.clone(),
            year,
            due: d(year, 11, 30)?,
            cutoff: d(year, 12, 15)?,
            units_on: d(year, 1, 2)?,
            is_demo: true,
        };
        storage::reporting::open_year(db, map, &spec, &coord.audit, Utc::now())
            .await?
            .map_err(|e| corrupt(e.to_string()))?;
        for (code, officer, dom, foreign, packages, children, text) in base {
            let who = person(db, officer).await?;
            let id = obligation(db, year, code).await?;
            let pairs = figures(
                dom * pct / 100,
                foreign * pct / 100,
                packages * pct / 100,
                children * pct / 100,
                text,
            );
            file(db, &id, &who, d(year, 11, 20)?, &pairs, Some(false)).await?;
            act(db, &id, coord, d(year, 11, 27)?, ReportAction::Approve).await?;
            filed += 1;
        }
    }
    Ok(filed)
}

/// The city's plan for the school year 2025–2026, A Lưới 1's, and the
/// women's union's.
async fn plans(db: &Db, coord: &AuditActor, aluoi1: &AuditActor) -> Result<usize, AppError> {
    let now = Utc::now();
    let new = |name: &str,
               level: &str,
               unit: &str,
               org: Option<&str>|
     -> Result<storage::plans::NewPlan, AppError> {
        Ok(storage::plans::NewPlan {
            name: name.into(),
            level: level.into(),
            unit_code: unit.into(),
            org_id: org.map(Into::into),
            starts_on: d(2025, 9, 1)?,
            ends_on: d(2026, 9, 1)?,
            note: "Kế hoạch mẫu / demo plan".into(),
            is_demo: true,
        })
    };
    let specs: [PlanSpec<'_>; 3] = [
        (
            new(
                "Kế hoạch vận động nguồn lực hỗ trợ trẻ em năm học 2025–2026 (thành phố Huế)",
                "city",
                "46",
                None,
            )?,
            coord,
            vec![
                ("all", "all", "money", "9.000.000.000"),
                ("all", "domestic", "money", "6.500.000.000"),
                ("all", "foreign", "money", "2.500.000.000"),
                ("nutrition", "all", "money", "4.000.000.000"),
                ("warm_clothing", "all", "packages", "6.000"),
                ("all", "all", "children", "8.000"),
                ("all", "state_budget", "money", "300.000.000"),
            ],
        ),
        (
            new(
                "Kế hoạch vận động năm học 2025–2026 — xã A Lưới 1",
                "commune",
                "20056",
                None,
            )?,
            aluoi1,
            vec![
                ("all", "all", "money", "600.000.000"),
                ("warm_clothing", "all", "packages", "400"),
            ],
        ),
        (
            new(
                "Kế hoạch vận động năm học 2025–2026 — Hội Liên hiệp Phụ nữ",
                "mass_organisation",
                "46",
                Some("hoi-lhpn"),
            )?,
            coord,
            vec![("all", "all", "money", "500.000.000")],
        ),
    ];
    let mut n = 0;
    for (plan, who, targets) in specs {
        let id = storage::plans::create(db, &plan, who, now)
            .await?
            .map_err(|r| corrupt(format!("demo plan: {r:?}")))?;
        for (cat, src, ind, value) in targets {
            storage::plans::set_target(db, &id, cat, src, ind, value, who, now)
                .await?
                .map_err(|r| corrupt(format!("demo target: {r:?}")))?;
        }
        n += 1;
    }
    Ok(n)
}
