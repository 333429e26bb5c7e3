//! The gap everywhere: roll-ups summing each line's own gap, what is
//! overdue (pledges and their instalments, lines whose period started
//! uncovered), what a donor's gifts became, likely duplicate donors by a
//! very similar name, and the site ↔ age-band rule — on SQLite, and on
//! PostgreSQL with `TEST_DATABASE_URL`.

use chrono::{NaiveDate, Utc};
use domain::authz::Visibility;
use domain::needs::instalments::{Instalment, ScheduleError};
use domain::needs::{AgeBand, Category, NeedStatus, PackageItem, PackageVersion};
use storage::Db;
use storage::allocations::{AllocationRequest, allocate};
use storage::audit::AuditActor;
use storage::catalogue::Period;
use storage::donors::{Donor, Pledge};
use storage::needs::{NeedFilter, NeedInputError, NewNeedLine};
use storage::rollup::{Overdue, RollupBy};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn actor() -> AuditActor {
    AuditActor {
        id: None,
        name: "dieuphoi".into(),
    }
}

struct World {
    db: Db,
    /// 100 children × 320.000 ₫ at Hồng Kim (20056).
    a: String,
    /// 50 children at A Đớt (20056).
    b: String,
    /// 10 children at Phú Bình (19747).
    c: String,
    primary: String,
    preschool: String,
}

async fn site(db: &Db, id: &str, name: &str, unit: &str) {
    let o = storage::organisations::Organisation {
        id: id.into(),
        name: name.into(),
        short_name: None,
        org_type: "school".into(),
        parent_id: None,
        unit_code: Some(unit.into()),
        valid_from: None,
        valid_to: None,
        successor_id: None,
        is_demo: false,
    };
    storage::organisations::create(db, &o, &actor(), Utc::now())
        .await
        .expect("site");
}

async fn package(db: &Db, code: &str, band: AgeBand) -> String {
    let pkg = PackageVersion {
        code: code.into(),
        version: 0,
        name: format!("Gói đồ ấm {code}"),
        category: Category::WarmClothing,
        age_band: band,
        items: vec![PackageItem {
            name: "Chăn ấm".into(),
            unit: "cái".into(),
            quantity: 1,
            unit_value: 320_000,
        }],
    };
    storage::catalogue::add_package_version(db, &pkg, false, &actor(), Utc::now())
        .await
        .expect("package")
        .id
}

async fn line(db: &Db, site: &str, package: &str, quantity: i64) -> Result<String, NeedInputError> {
    let id = storage::needs::create(
        db,
        &NewNeedLine {
            site_id: site.into(),
            period_id: "nam-dai".into(),
            package_id: package.into(),
            quantity,
            note: String::new(),
            is_demo: false,
        },
        &actor(),
        Utc::now(),
    )
    .await
    .expect("q")?;
    for (from, to) in [
        (NeedStatus::Assessed, NeedStatus::Verified),
        (NeedStatus::Verified, NeedStatus::Published),
    ] {
        assert!(
            storage::needs::set_status(db, &id, from, to, None, &actor(), Utc::now())
                .await
                .expect("q")
        );
    }
    Ok(id)
}

async fn world() -> World {
    let db = storage::testing::fresh_db().await.expect("db");
    site(&db, "th-hk", "Trường Tiểu học Hồng Kim", "20056").await;
    site(&db, "th-ad", "Trường Tiểu học A Đớt", "20056").await;
    site(&db, "th-pb", "Trường Tiểu học Phú Bình", "19747").await;
    site(&db, "mn-hk", "Trường Mầm non Hồng Kim", "20056").await;
    let period = Period {
        id: "nam-dai".into(),
        name: "2020–2099".into(),
        starts_on: date(2020, 1, 1),
        ends_on: date(2099, 1, 1),
        is_demo: false,
    };
    storage::catalogue::create_period(&db, &period, &actor(), Utc::now())
        .await
        .expect("period");
    let primary = package(&db, "ĐA-TH", AgeBand::PRIMARY).await;
    let preschool = package(&db, "ĐA-MN", AgeBand::PRESCHOOL).await;
    let a = line(&db, "th-hk", &primary, 100).await.expect("a");
    let b = line(&db, "th-ad", &primary, 50).await.expect("b");
    let c = line(&db, "th-pb", &primary, 10).await.expect("c");
    World {
        db,
        a,
        b,
        c,
        primary,
        preschool,
    }
}

async fn donor(db: &Db, id: &str, name: &str) {
    let d = Donor {
        id: id.into(),
        kind: "organisation".into(),
        name: name.into(),
        origin: "domestic".into(),
        donor_type: "business".into(),
        tax_code: None,
        phone: None,
        email: None,
        publish_name: true,
        anonymous: false,
        is_demo: false,
    };
    storage::donors::create(db, &d, &actor(), Utc::now())
        .await
        .expect("donor");
}

/// Donor d1 commits 60.000.000 ₫ due 01/01/2021, and 40.000.000 ₫ of it
/// covers line A (need 32.000.000 ₫) with a coordinator's override.
async fn over_cover_a(w: &World) {
    donor(&w.db, "d1", "Công ty TNHH ABC").await;
    let p = Pledge {
        id: "p1".into(),
        donor_id: "d1".into(),
        kind: "money".into(),
        amount: 60_000_000,
        status: "committed".into(),
        categories: None,
        unit_codes: None,
        age_bands: None,
        period_id: None,
        due_on: Some(date(2021, 1, 1)),
        origin: "officer".into(),
        need_line_id: None,
        note: String::new(),
        is_demo: false,
        number: None,
    };
    storage::donors::create_pledge(&w.db, &p, &actor(), Utc::now())
        .await
        .expect("pledge");
    let req = AllocationRequest {
        need_line_id: w.a.clone(),
        pledge_id: "p1".into(),
        amount: 40_000_000,
        override_reason: Some("Giá chăn tăng, trường xin thêm".into()),
        may_override: true,
        is_demo: false,
    };
    allocate(&w.db, &req, &actor(), Utc::now())
        .await
        .expect("q")
        .expect("allocated with override");
}

#[tokio::test]
async fn a_surplus_at_one_line_never_hides_a_gap_at_another() {
    let w = world().await;
    over_cover_a(&w).await;
    let map = domain::admin_units::embedded_map().expect("map");
    let by_commune = storage::rollup::rollup(
        &w.db,
        &Visibility::All,
        &NeedFilter::default(),
        RollupBy::Commune,
        map,
    )
    .await
    .expect("q");
    assert_eq!(by_commune.len(), 2);
    let hk = &by_commune[0];
    assert_eq!(hk.key, "20056");
    assert_eq!(hk.lines, 2);
    assert_eq!(hk.coverage.need, 48_000_000);
    assert_eq!(hk.coverage.committed, 40_000_000);
    // need − committed would say 8.000.000; line B still lacks 16.000.000.
    assert_eq!(hk.gap, 16_000_000);
    assert_eq!(by_commune[1].key, "19747");
    assert_eq!(by_commune[1].gap, 3_200_000);

    let lines = storage::needs::list(&w.db, &Visibility::All, &NeedFilter::default())
        .await
        .expect("q");
    assert_eq!(storage::rollup::total(&lines).gap, 19_200_000);
    let by_site = storage::rollup::group(&lines, RollupBy::Site, map, &[]);
    assert_eq!(
        by_site
            .iter()
            .map(|r| (r.key.as_str(), r.gap))
            .collect::<Vec<_>>(),
        vec![("th-ad", 16_000_000), ("th-pb", 3_200_000), ("th-hk", 0)]
    );
    let by_category = storage::rollup::group(&lines, RollupBy::Category, map, &[]);
    assert_eq!(by_category.len(), 1);
    assert_eq!(by_category[0].gap, 19_200_000);
    assert_eq!(by_category[0].coverage.need, 51_200_000);
    // A city-wide plan holds every line; a plan of another time holds none.
    let plan = |id: &str, from: NaiveDate, to: NaiveDate| storage::plans::Plan {
        id: id.into(),
        name: id.into(),
        level: "city".into(),
        unit_code: storage::admin_units::PROVINCE.into(),
        org_id: None,
        starts_on: from,
        ends_on: to,
        note: String::new(),
        created_by: "test".into(),
        is_demo: false,
    };
    let plans = [
        plan("city", date(2019, 9, 1), date(2030, 1, 1)),
        plan("later", date(2040, 1, 1), date(2041, 1, 1)),
    ];
    let by_plan = storage::rollup::group(&lines, RollupBy::Programme, map, &plans);
    assert_eq!(by_plan.len(), 1);
    assert_eq!(by_plan[0].key, "city");
    assert_eq!(by_plan[0].lines, 3);
    assert_eq!(by_plan[0].gap, 19_200_000);

    // Scoped: an officer of 19747 sees only that commune.
    let scoped = storage::rollup::rollup(
        &w.db,
        &Visibility::Units(["19747".to_owned()].into()),
        &NeedFilter::default(),
        RollupBy::Commune,
        map,
    )
    .await
    .expect("q");
    assert_eq!(scoped.len(), 1);
    assert_eq!(scoped[0].key, "19747");
}

#[tokio::test]
async fn overdue_names_unpaid_pledges_by_instalment_and_lines_started_uncovered() {
    let w = world().await;
    over_cover_a(&w).await;
    let today = date(2026, 11, 29);
    let all = storage::rollup::overdue(&w.db, &Visibility::All, today)
        .await
        .expect("q");
    let pledge = all
        .iter()
        .find_map(|o| match o {
            Overdue::Pledge {
                pledge_id,
                due_on,
                missing,
                ..
            } => Some((pledge_id.clone(), *due_on, *missing)),
            _ => None,
        })
        .expect("pledge overdue");
    assert_eq!(pledge, ("p1".to_owned(), date(2021, 1, 1), 60_000_000));
    let mut uncovered: Vec<String> = all
        .iter()
        .filter_map(|o| match o {
            Overdue::Uncovered { need_line_id, .. } => Some(need_line_id.clone()),
            _ => None,
        })
        .collect();
    uncovered.sort();
    let mut expected = vec![w.b.clone(), w.c.clone()];
    expected.sort();
    assert_eq!(uncovered, expected, "A is covered, B and C are not");

    // Instalments that do not add up to the pledge are refused.
    let bad = [Instalment {
        amount: 50_000_000,
        due_on: date(2021, 1, 1),
    }];
    assert_eq!(
        storage::instalments::set(&w.db, "p1", &bad, &actor(), Utc::now())
            .await
            .expect("q"),
        Err(storage::instalments::ScheduleRefusal::Invalid(
            ScheduleError::WrongSum(50_000_000)
        ))
    );
    // Two instalments: only the first is due.
    let schedule = [
        Instalment {
            amount: 40_000_000,
            due_on: date(2099, 6, 1),
        },
        Instalment {
            amount: 20_000_000,
            due_on: date(2021, 1, 1),
        },
    ];
    storage::instalments::set(&w.db, "p1", &schedule, &actor(), Utc::now())
        .await
        .expect("q")
        .expect("valid schedule");
    let stored = storage::instalments::of_pledge(&w.db, "p1")
        .await
        .expect("q");
    assert_eq!(stored[0].due_on, date(2021, 1, 1), "kept in due order");
    let late = storage::rollup::overdue_pledges(&w.db, Some("d1"), today)
        .await
        .expect("q");
    assert_eq!(
        late,
        vec![Overdue::Pledge {
            pledge_id: "p1".into(),
            donor_id: "d1".into(),
            donor_name: "Công ty TNHH ABC".into(),
            due_on: date(2021, 1, 1),
            missing: 20_000_000,
        }]
    );
    // An officer of 19747 sees no pledges and only line C.
    let scoped = storage::rollup::overdue(
        &w.db,
        &Visibility::Units(["19747".to_owned()].into()),
        today,
    )
    .await
    .expect("q");
    assert_eq!(scoped.len(), 1);
    assert!(matches!(&scoped[0], Overdue::Uncovered { need_line_id, .. } if *need_line_id == w.c));
}

#[tokio::test]
async fn a_donors_gifts_are_followed_to_their_lines_and_tables_are_scoped() {
    let w = world().await;
    over_cover_a(&w).await;
    let gifts = storage::gifts::of_donor(&w.db, "d1", None)
        .await
        .expect("q");
    assert_eq!(gifts.len(), 1);
    assert_eq!(gifts[0].need_line_id, w.a);
    assert_eq!(gifts[0].site_name, "Trường Tiểu học Hồng Kim");
    assert_eq!(gifts[0].allocated, 40_000_000);
    assert_eq!(
        (
            gifts[0].delivered,
            gifts[0].accepted,
            gifts[0].children_served
        ),
        (0, 0, 0)
    );
    assert!(
        storage::gifts::of_donor(&w.db, "d1", Some("other"))
            .await
            .expect("q")
            .is_empty()
    );
    let all = storage::tables::allocations(&w.db, &Visibility::All, None)
        .await
        .expect("q");
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].donor_name, "Công ty TNHH ABC");
    let other =
        storage::tables::allocations(&w.db, &Visibility::Units(["19747".to_owned()].into()), None)
            .await
            .expect("q");
    assert!(other.is_empty());
}

#[tokio::test]
async fn a_very_similar_company_name_is_a_likely_duplicate() {
    let w = world().await;
    donor(&w.db, "d1", "Công ty TNHH ABC").await;
    donor(&w.db, "d2", "Công ty Cổ phần Sữa Việt Nam").await;
    let mut candidate = Donor {
        id: "new".into(),
        kind: "organisation".into(),
        name: "Cty TNHH A.B.C".into(),
        origin: "domestic".into(),
        donor_type: "business".into(),
        tax_code: None,
        phone: None,
        email: None,
        publish_name: false,
        anonymous: false,
        is_demo: false,
    };
    let found = storage::donors::likely_duplicates(&w.db, &candidate)
        .await
        .expect("q");
    assert_eq!(
        found.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        vec!["d1"]
    );
    candidate.name = "CTY CP SUA VIET NAM".into();
    let found = storage::donors::likely_duplicates(&w.db, &candidate)
        .await
        .expect("q");
    assert_eq!(
        found.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        vec!["d2"]
    );
    candidate.name = "Công ty TNHH XYZ".into();
    assert!(
        storage::donors::likely_duplicates(&w.db, &candidate)
            .await
            .expect("q")
            .is_empty()
    );
}

#[tokio::test]
async fn a_preschool_cannot_take_a_primary_package_nor_the_reverse() {
    let w = world().await;
    assert_eq!(
        line(&w.db, "mn-hk", &w.primary, 20).await,
        Err(NeedInputError::AgeBandMismatch)
    );
    assert_eq!(
        line(&w.db, "th-hk", &w.preschool, 20).await,
        Err(NeedInputError::AgeBandMismatch)
    );
    assert!(line(&w.db, "mn-hk", &w.preschool, 20).await.is_ok());
    assert_eq!(NeedInputError::AgeBandMismatch.field(), "package_id");
}

#[tokio::test]
async fn age_bands_are_data_added_without_overlap_and_packages_need_an_existing_one() {
    use domain::needs::category::{BandError, BandSpec};
    let w = world().await;
    let bands = storage::age_bands::list(&w.db).await.expect("q");
    assert_eq!(
        bands
            .iter()
            .map(|b| (b.code.as_str(), b.min_age, b.max_age, b.built_in))
            .collect::<Vec<_>>(),
        vec![
            ("preschool", Some(3), Some(5), true),
            ("primary", Some(6), Some(10), true),
            ("other", None, None, true),
        ]
    );
    let spec = |code: &str, min: i64, max: i64| BandSpec {
        code: code.into(),
        name_vi: "Trung học cơ sở (11–14 tuổi)".into(),
        name_en: "Lower secondary (11–14)".into(),
        min_age: min,
        max_age: max,
    };
    assert_eq!(
        storage::age_bands::create(&w.db, &spec("thcs", 9, 12), &actor(), Utc::now())
            .await
            .expect("q"),
        Err(BandError::Overlap {
            code: "primary".into(),
            min: 6,
            max: 10
        })
    );
    let thcs = storage::age_bands::create(&w.db, &spec("thcs", 11, 14), &actor(), Utc::now())
        .await
        .expect("q")
        .expect("added");
    assert!(!thcs.built_in);
    assert_eq!(
        storage::age_bands::create(&w.db, &spec("thcs", 15, 17), &actor(), Utc::now())
            .await
            .expect("q"),
        Err(BandError::Exists)
    );
    storage::audit::verify(&w.db)
        .await
        .expect("the audit chain holds");
    assert_eq!(
        storage::age_bands::existing(&w.db, "thcs")
            .await
            .expect("q"),
        Some("thcs".parse().expect("code"))
    );
    assert_eq!(
        storage::age_bands::existing(&w.db, "thpt")
            .await
            .expect("q"),
        None
    );
    // A package of a band that does not exist is refused; of the added one,
    // taken — by a primary school, not by a preschool.
    let unknown = PackageVersion {
        code: "ĐA-THPT".into(),
        version: 0,
        name: "Áo ấm THPT".into(),
        category: Category::WarmClothing,
        age_band: "thpt".parse().expect("code"),
        items: vec![PackageItem {
            name: "Áo ấm".into(),
            unit: "cái".into(),
            quantity: 1,
            unit_value: 300_000,
        }],
    };
    assert!(matches!(
        storage::catalogue::add_package_version(&w.db, &unknown, false, &actor(), Utc::now()).await,
        Err(storage::StorageError::NotFound { .. })
    ));
    let thcs_pkg = package(&w.db, "ĐA-THCS", "thcs".parse().expect("code")).await;
    assert_eq!(
        line(&w.db, "mn-hk", &thcs_pkg, 20).await,
        Err(NeedInputError::AgeBandMismatch)
    );
    assert!(line(&w.db, "th-hk", &thcs_pkg, 20).await.is_ok());
}

#[tokio::test]
async fn an_added_band_is_renamed_or_removed_while_the_plans_bands_stay_fixed() {
    use domain::needs::category::{BandError, BandSpec};
    use storage::age_bands::BandChangeRefusal;
    let w = world().await;
    let spec = |code: &str, name: &str, min: i64, max: i64| BandSpec {
        code: code.into(),
        name_vi: name.into(),
        name_en: format!("{name} (en)"),
        min_age: min,
        max_age: max,
    };
    for (code, min, max) in [("thcs", 11, 14), ("thpt", 15, 17)] {
        storage::age_bands::create(&w.db, &spec(code, code, min, max), &actor(), Utc::now())
            .await
            .expect("q")
            .expect("added");
    }
    // Renamed, ages widened as far as the next band allows.
    let renamed = storage::age_bands::update(
        &w.db,
        "thcs",
        &spec("ignored", "Trung học cơ sở", 11, 14),
        &actor(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("renamed");
    assert_eq!(
        (renamed.code.as_str(), renamed.name_vi.as_str()),
        ("thcs", "Trung học cơ sở")
    );
    assert_eq!(
        storage::age_bands::update(
            &w.db,
            "thcs",
            &spec("thcs", "x", 11, 15),
            &actor(),
            Utc::now()
        )
        .await
        .expect("q"),
        Err(BandChangeRefusal::Invalid(BandError::Overlap {
            code: "thpt".into(),
            min: 15,
            max: 17
        }))
    );
    assert_eq!(
        storage::age_bands::update(
            &w.db,
            "primary",
            &spec("primary", "x", 6, 11),
            &actor(),
            Utc::now()
        )
        .await
        .expect("q"),
        Err(BandChangeRefusal::BuiltIn)
    );
    assert_eq!(
        storage::age_bands::update(
            &w.db,
            "nope",
            &spec("nope", "x", 20, 21),
            &actor(),
            Utc::now()
        )
        .await
        .expect("q"),
        Err(BandChangeRefusal::Unknown)
    );
    let stored = storage::age_bands::get(&w.db, "thcs")
        .await
        .expect("q")
        .expect("kept");
    assert_eq!(
        (stored.name_vi.as_str(), stored.max_age),
        ("Trung học cơ sở", Some(14))
    );

    // A band a package names is kept; one nothing names is removed.
    package(&w.db, "ĐA-THCS", "thcs".parse().expect("code")).await;
    assert_eq!(
        storage::age_bands::delete(&w.db, "thcs", &actor(), Utc::now())
            .await
            .expect("q"),
        Err(BandChangeRefusal::InUse {
            packages: 1,
            pledges: 0
        })
    );
    assert_eq!(
        storage::age_bands::delete(&w.db, "other", &actor(), Utc::now())
            .await
            .expect("q"),
        Err(BandChangeRefusal::BuiltIn)
    );
    storage::age_bands::delete(&w.db, "thpt", &actor(), Utc::now())
        .await
        .expect("q")
        .expect("removed");
    assert!(
        storage::age_bands::get(&w.db, "thpt")
            .await
            .expect("q")
            .is_none()
    );
    assert!(
        storage::age_bands::get(&w.db, "thcs")
            .await
            .expect("q")
            .is_some()
    );
    storage::audit::verify(&w.db)
        .await
        .expect("the audit chain holds");
}
