//! The coordinator's consolidation and the final review, in storage: the
//! units' filed reports summed (a commune not again inside its district,
//! drafts not at all) beside the system's figures with the differences
//! found, the obligations moved by the 2025 reform listed, and the review
//! of 2019–2025 under the units of the time or re-aggregated onto today's
//! — on SQLite, and on PostgreSQL with `TEST_DATABASE_URL`.

use chrono::{NaiveDate, Utc};
use domain::admin_units::{AdminMap, Level, embedded_map};
use domain::authz::{Actor, Role, Scope};
use domain::reporting::{Changes, ReportAction, UnitKind};
use reports::review::Regroup;
use storage::Db;
use storage::audit::AuditActor;
use storage::reporting::{ANNUAL, By, OpenYear, annual_template, annual_template_for};
use storage::review::ReviewSpec;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
}

fn map() -> &'static AdminMap {
    embedded_map().expect("the shipped map")
}

fn audit(name: &str) -> AuditActor {
    AuditActor {
        id: None,
        name: name.into(),
    }
}

fn coordinator() -> Actor {
    Actor {
        user_id: Some("u-dieuphoi".into()),
        role: Role::Coordinator,
        scope: Scope::new(Vec::<String>::new()),
    }
}

async fn open(db: &Db, year: i32, units_on: NaiveDate, districts_only: bool) {
    let template = if districts_only {
        annual_template_for(&[UnitKind::Admin(Level::District)])
    } else {
        annual_template()
    };
    let spec = OpenYear {
        template,
        year,
        due: d(year, 11, 30),
        cutoff: d(year, 11, 30),
        units_on,
        is_demo: false,
    };
    storage::reporting::open_year(db, map(), &spec, &audit("dieuphoi"), Utc::now())
        .await
        .expect("q")
        .expect("valid year");
}

/// The open obligation of a unit code in a year.
async fn obligation(db: &Db, year: i32, code: &str) -> String {
    storage::reporting::list(db, &domain::authz::Visibility::All, ANNUAL, Some(year))
        .await
        .expect("q")
        .into_iter()
        .find(|l| l.obligation.unit_code == code && !l.obligation.is_moved())
        .map(|l| l.obligation.id)
        .unwrap_or_else(|| panic!("no {year} obligation for {code}"))
}

/// The unit's officer files `domestic` (and optionally the coordinator
/// approves); `submit: None` leaves a draft.
async fn file(db: &Db, year: i32, code: &str, domestic: i64, submit: bool, approve: bool) {
    let id = obligation(db, year, code).await;
    let officer = Actor {
        user_id: Some(format!("u-{code}")),
        role: Role::LocalOfficer,
        scope: Scope::new([code.to_owned()]),
    };
    let a = audit(&format!("u-{code}"));
    let changes = Changes::new()
        .set("money_domestic", &domestic.to_string())
        .set("children_supported", "12");
    storage::reporting::save(
        db,
        &id,
        0,
        &changes,
        submit.then_some(false),
        &By {
            actor: &officer,
            audit: &a,
        },
        d(year, 11, 20),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("saved");
    if approve {
        let coord = coordinator();
        let ca = audit("dieuphoi");
        storage::reporting::act(
            db,
            &id,
            ReportAction::Approve,
            &By {
                actor: &coord,
                audit: &ca,
            },
            d(year, 11, 25),
            Utc::now(),
        )
        .await
        .expect("q")
        .expect("approved");
    }
}

fn field(c: &reports::consolidated::Consolidation, key: &str) -> usize {
    c.fields
        .iter()
        .position(|(k, _)| k == key)
        .expect("a field")
}

#[tokio::test]
async fn the_2025_consolidation_sums_filed_reports_flags_differences_and_lists_the_moves() {
    let db = storage::testing::fresh_db().await.expect("db");
    open(&db, 2025, d(2024, 12, 2), false).await;
    storage::reporting::migrate_obligations(
        &db,
        map(),
        d(2026, 1, 10),
        &audit("system"),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("migrated");
    file(&db, 2025, "20056", 500, true, false).await; // A Lưới 1: submitted
    file(&db, 2025, "20044", 300, true, true).await; // A Lưới 2: approved
    file(&db, 2025, "20071", 999, false, false).await; // A Lưới 3: a draft

    let c = storage::consolidation::consolidate(&db, map(), 2025, d(2026, 1, 10))
        .await
        .expect("consolidated");
    assert_eq!(c.units.len(), 40, "the forty communes owe the 2025 report");
    assert_eq!(c.filed().count(), 2);
    let dom = field(&c, "money_domestic");
    let totals = c.totals();
    let t = &totals[dom];
    assert_eq!(t.typed, 800, "the draft is not counted");
    assert_eq!(
        t.units_system,
        Some(0),
        "no need lines: the system records nothing"
    );
    assert_eq!(t.city_system, Some(0));
    assert!(t.typed_differs && t.city_differs);
    let budget = &totals[field(&c, "money_state_budget")];
    assert_eq!(budget.city_system, None, "not the system's to know");
    let diffs = c.differences();
    let flagged: Vec<(&str, i64)> = diffs
        .iter()
        .filter(|x| x.label.starts_with("Nguồn lực trong nước"))
        .map(|x| (x.unit.as_str(), x.typed))
        .collect();
    assert_eq!(flagged, [("Xã A Lưới 1", 500), ("Xã A Lưới 2", 300)]);

    // Nam Đông → Phú Lộc (1 Jan 2025) → communes (1 Jul 2025), in the document too
    let nam_dong = c
        .moves
        .iter()
        .find(|m| m.from == "Huyện Nam Đông")
        .expect("Nam Đông's obligation moved");
    assert_eq!(nam_dong.to, ["Huyện Phú Lộc"]);
    assert_eq!(nam_dong.on, d(2025, 1, 1));
    assert!(c.moves.iter().any(|m| m.from == "Huyện A Lưới"
        && m.reason == "dissolved"
        && m.to.iter().any(|t| t == "Xã A Lưới 1")));
    let doc = reports::consolidated::document(&c);
    let section = doc
        .sections
        .iter()
        .find(|s| s.heading.starts_with("VIII."))
        .expect("the consolidation section");
    let moves = section.tables.last().expect("the moves table");
    assert!(moves.title.starts_with("Biểu 13."));
    assert!(
        moves
            .rows
            .iter()
            .any(|r| r[0] == reports::Cell::Text("Huyện Nam Đông".into()))
    );
    let completeness = c.annual.completeness.as_ref().expect("completeness");
    assert_eq!(completeness.iter().map(|x| x.expected).sum::<i64>(), 40);
    assert!(reports::xlsx(&doc).is_ok());
}

#[tokio::test]
async fn a_commune_is_not_summed_again_inside_its_district() {
    let db = storage::testing::fresh_db().await.expect("db");
    open(&db, 2024, d(2024, 6, 1), false).await;
    let phu_loc_commune = map()
        .children_on("482", d(2024, 6, 1))
        .first()
        .map(|u| u.code.clone())
        .expect("a commune of Phú Lộc");
    let a_luoi_commune = map()
        .children_on("481", d(2024, 6, 1))
        .first()
        .map(|u| u.code.clone())
        .expect("a commune of A Lưới");
    file(&db, 2024, "481", 1_000, true, true).await;
    file(&db, 2024, &a_luoi_commune, 200, true, false).await;
    file(&db, 2024, &phu_loc_commune, 50, true, false).await;
    let c = storage::consolidation::consolidate(&db, map(), 2024, d(2025, 1, 10))
        .await
        .expect("consolidated");
    assert_eq!(c.filed().count(), 3);
    assert_eq!(
        c.totals()[field(&c, "money_domestic")].typed,
        1_050,
        "A Lưới's commune is inside A Lưới's report; Phú Lộc's commune is not"
    );
    assert!(c.moves.is_empty(), "2024 obligations stay with their units");
}

#[tokio::test]
async fn the_review_compares_years_under_the_units_of_the_time_or_of_today() {
    let db = storage::testing::fresh_db().await.expect("db");
    open(&db, 2019, d(2019, 1, 2), true).await;
    open(&db, 2024, d(2024, 6, 1), false).await;
    file(&db, 2019, "481", 700, true, true).await;
    file(&db, 2024, "481", 1_000, true, true).await;
    file(&db, 2024, "483", 400, true, false).await;

    let spec = |regroup| ReviewSpec {
        unit: "46".into(),
        from: 2019,
        to: 2025,
        regroup,
    };
    let historic = storage::review::review(&db, map(), &spec(Regroup::Historic), d(2026, 1, 10))
        .await
        .expect("review");
    assert_eq!(historic.years.len(), 7);
    let dom = |r: &reports::review::Review, year: i32| {
        let y = r.years.iter().find(|y| y.year == year).expect("year");
        r.reported(y, "money_domestic")
    };
    assert_eq!(dom(&historic, 2019), 700);
    assert_eq!(dom(&historic, 2024), 1_400);
    assert_eq!(dom(&historic, 2021), 0, "no report that year");
    let y2019 = &historic.years[0];
    assert_eq!(
        (y2019.expected, y2019.filed),
        (9, 1),
        "the nine districts of 2019"
    );
    let a_luoi = historic
        .areas
        .iter()
        .find(|a| a.label == "Huyện A Lưới (cũ)")
        .expect("the district of the time");
    assert_eq!(a_luoi.reported[0], Some(700));
    assert_eq!(a_luoi.reported[2], None);
    assert_eq!(a_luoi.reported[5], Some(1_000));

    let today = storage::review::review(&db, map(), &spec(Regroup::Today), d(2026, 1, 10))
        .await
        .expect("review");
    assert!(today.areas.iter().all(|a| !a.label.contains("(cũ)")));
    let area = today
        .areas
        .iter()
        .find(|a| a.label.contains("Xã A Lưới 1"))
        .expect("A Lưới re-aggregated onto today's communes");
    assert!(area.label.contains("Xã A Lưới 5"));
    assert_eq!(area.reported[0], Some(700));
    assert_eq!(area.reported[5], Some(1_000));
    let nam_dong = today
        .areas
        .iter()
        .find(|a| a.reported[5] == Some(400))
        .expect("Nam Đông's report, onto today's units");
    assert!(nam_dong.label.contains("Xã Khe Tre"), "{}", nam_dong.label);
    // the totals do not depend on the grouping
    assert_eq!(dom(&today, 2024), 1_400);
    let doc = reports::review::document(&today);
    assert!(reports::docx(&doc).is_ok());

    let bad = storage::review::review(
        &db,
        map(),
        &ReviewSpec {
            unit: "46".into(),
            from: 2025,
            to: 2019,
            regroup: Regroup::Today,
        },
        d(2026, 1, 10),
    )
    .await;
    assert!(matches!(
        bad,
        Err(storage::review::ReviewError::BadYears { .. })
    ));
}
