//! Rosters of deliveries on SQLite and PostgreSQL (`TEST_DATABASE_URL`):
//! master children on a handover without copying personal data, the
//! overlap guard (same child, same category, overlapping period, another
//! delivery whatever its giver) refusing until confirmed with a reason,
//! children reached (unique) and lượt by category, age band, sex,
//! ethnicity and commune, and erasure blanking the officer's reason.

use chrono::{NaiveDate, TimeZone, Utc};
use domain::needs::{AgeBand, Category, NeedStatus, PackageItem, PackageVersion};
use storage::Db;
use storage::allocations::{AllocationRequest, allocate};
use storage::audit::AuditActor;
use storage::deliveries::{NewDelivery, Representative};
use storage::registry::{self, NewRecord, Origin, RecordData};
use storage::rosters::{self, RosterRefusal, Tally};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn actor(name: &str) -> AuditActor {
    AuditActor {
        id: None,
        name: name.into(),
    }
}

fn giver() -> AuditActor {
    actor("dieuphoi")
}

struct World {
    db: Db,
    line: String,
    next: String,
}

async fn org(db: &Db, id: &str, name: &str, org_type: &str, unit: Option<&str>) {
    let o = storage::organisations::Organisation {
        id: id.into(),
        name: name.into(),
        short_name: None,
        org_type: org_type.into(),
        parent_id: None,
        unit_code: unit.map(Into::into),
        valid_from: None,
        valid_to: None,
        successor_id: None,
        is_demo: false,
    };
    storage::organisations::create(db, &o, &giver(), Utc::now())
        .await
        .expect("organisation");
}

/// As in the delivery tests: a school in A Lưới 1, a winter, a
/// warm-clothing package, one published line of 100 children allocated
/// 20.000.000 ₫ (all received); plus the next winter's line at the same
/// school allocated the rest of the pledge.
async fn world() -> World {
    let db = storage::testing::fresh_db().await.expect("db");
    let now = Utc::now();
    org(
        &db,
        "th-hong-kim",
        "Trường Tiểu học Hồng Kim",
        "school",
        Some("20056"),
    )
    .await;
    org(
        &db,
        "quy-btte",
        "Quỹ Bảo trợ trẻ em thành phố Huế",
        "fund",
        None,
    )
    .await;
    storage::catalogue::create_period(
        &db,
        &storage::catalogue::Period {
            id: "dong-2026".into(),
            name: "Mùa đông 2026–2027".into(),
            starts_on: date(2026, 11, 1),
            ends_on: date(2027, 3, 1),
            is_demo: false,
        },
        &giver(),
        now,
    )
    .await
    .expect("period");
    let pkg = PackageVersion {
        code: "ĐA-01".into(),
        version: 0,
        name: "Gói đồ ấm tiểu học".into(),
        category: Category::WarmClothing,
        age_band: AgeBand::PRIMARY,
        items: vec![
            PackageItem {
                name: "Chăn ấm".into(),
                unit: "cái".into(),
                quantity: 1,
                unit_value: 150_000,
            },
            PackageItem {
                name: "Áo ấm".into(),
                unit: "cái".into(),
                quantity: 1,
                unit_value: 170_000,
            },
        ],
    };
    let pkg = storage::catalogue::add_package_version(&db, &pkg, false, &giver(), now)
        .await
        .expect("package");
    let line = storage::needs::create(
        &db,
        &storage::needs::NewNeedLine {
            site_id: "th-hong-kim".into(),
            period_id: "dong-2026".into(),
            package_id: pkg.id.clone(),
            quantity: 100,
            note: String::new(),
            is_demo: false,
        },
        &giver(),
        now,
    )
    .await
    .expect("q")
    .expect("line");
    for (from, to) in [
        (NeedStatus::Assessed, NeedStatus::Verified),
        (NeedStatus::Verified, NeedStatus::Published),
    ] {
        assert!(
            storage::needs::set_status(&db, &line, from, to, None, &giver(), now)
                .await
                .expect("q")
        );
    }
    storage::donors::create(
        &db,
        &storage::donors::Donor {
            id: "d1".into(),
            kind: "organisation".into(),
            name: "Công ty Huế Xanh".into(),
            origin: "domestic".into(),
            donor_type: "business".into(),
            tax_code: Some("3300000001".into()),
            phone: None,
            email: None,
            publish_name: true,
            anonymous: false,
            is_demo: false,
        },
        &giver(),
        now,
    )
    .await
    .expect("donor");
    storage::donors::create_pledge(
        &db,
        &storage::donors::Pledge {
            id: "p1".into(),
            donor_id: "d1".into(),
            kind: "money".into(),
            amount: 30_000_000,
            status: "committed".into(),
            categories: None,
            unit_codes: None,
            age_bands: None,
            period_id: None,
            due_on: None,
            origin: "officer".into(),
            need_line_id: None,
            note: String::new(),
            is_demo: false,
            number: None,
        },
        &giver(),
        now,
    )
    .await
    .expect("pledge");
    allocate(
        &db,
        &AllocationRequest {
            need_line_id: line.clone(),
            pledge_id: "p1".into(),
            amount: 20_000_000,
            override_reason: None,
            may_override: false,
            is_demo: false,
        },
        &giver(),
        now,
    )
    .await
    .expect("q")
    .expect("allocated");
    let next = second_line(&db, &pkg.id).await;
    receive(&db, 30_000_000).await;
    World { db, line, next }
}

/// The next winter's line at the same school, allocated 10.000.000 ₫.
async fn second_line(db: &Db, package_id: &str) -> String {
    let now = Utc::now();
    storage::catalogue::create_period(
        db,
        &storage::catalogue::Period {
            id: "dong-2027".into(),
            name: "Mùa đông 2027–2028".into(),
            starts_on: date(2027, 11, 1),
            ends_on: date(2028, 3, 1),
            is_demo: false,
        },
        &giver(),
        now,
    )
    .await
    .expect("period");
    let line = storage::needs::create(
        db,
        &storage::needs::NewNeedLine {
            site_id: "th-hong-kim".into(),
            period_id: "dong-2027".into(),
            package_id: package_id.into(),
            quantity: 100,
            note: String::new(),
            is_demo: false,
        },
        &giver(),
        now,
    )
    .await
    .expect("q")
    .expect("line");
    for (from, to) in [
        (NeedStatus::Assessed, NeedStatus::Verified),
        (NeedStatus::Verified, NeedStatus::Published),
    ] {
        assert!(
            storage::needs::set_status(db, &line, from, to, None, &giver(), now)
                .await
                .expect("q")
        );
    }
    allocate(
        db,
        &AllocationRequest {
            need_line_id: line.clone(),
            pledge_id: "p1".into(),
            amount: 10_000_000,
            override_reason: None,
            may_override: false,
            is_demo: false,
        },
        &giver(),
        now,
    )
    .await
    .expect("q")
    .expect("allocated");
    line
}

async fn receive(db: &Db, amount: i64) {
    storage::receipts::create(
        db,
        &storage::receipts::NewReceipt {
            pledge_id: "p1".into(),
            kind: "money".into(),
            amount,
            method: "bank".into(),
            account: "0071000123456".into(),
            receiver_id: "quy-btte".into(),
            received_on: date(2026, 11, 20),
            is_demo: false,
        },
        &giver(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("received");
}

fn reps() -> (Representative, Representative) {
    (
        Representative {
            name: "Trần Văn Bình".into(),
            position: "Phó Giám đốc Quỹ".into(),
        },
        Representative {
            name: "Hồ Thị Lan".into(),
            position: "Hiệu trưởng".into(),
        },
    )
}

fn goods(line: &str, blankets: i64, jackets: i64, hand_over: bool) -> NewDelivery {
    let (g, r) = reps();
    NewDelivery {
        need_line_id: line.into(),
        giver_id: "quy-btte".into(),
        form: "goods".into(),
        quantities: vec![("Chăn ấm".into(), blankets), ("Áo ấm".into(), jackets)],
        amount: 0,
        children_served: blankets.max(jackets),
        on: date(2026, 12, 1),
        hand_over,
        place: "Trường Tiểu học Hồng Kim, xã A Lưới 1".into(),
        giver_rep: g,
        receiver_rep: r,
        note: String::new(),
        is_demo: false,
    }
}

fn child(
    name: &str,
    dob: (i64, Option<i64>, Option<i64>),
    sex: &str,
    ethnicity: Option<&str>,
) -> NewRecord {
    NewRecord {
        source_ref: None,
        data: RecordData {
            full_name: name.into(),
            birth_year: dob.0,
            birth_month: dob.1,
            birth_day: dob.2,
            sex: Some(sex.into()),
            ethnicity: ethnicity.map(Into::into),
            commune_code: "20056".into(),
            village: Some("A Năm".into()),
            school_name: Some("Trường Tiểu học Hồng Kim".into()),
            grade: Some("3A".into()),
            guardian_name: Some("Hồ Văn Pả".into()),
            pid_hash: None,
            pid_last3: None,
        },
    }
}

/// Three children of the school: Hoà (girl, Tà Ôi, 05/03/2017), Vai (boy,
/// Kinh, 2019) and Lan (girl, ethnicity not recorded, 2012). Returns their
/// master ids and the record key of the first.
async fn children(db: &Db) -> (Vec<String>, String) {
    let added = registry::add_records(
        db,
        &Origin {
            source_type: "school".into(),
            org_id: None,
        },
        &[
            child(
                "Hồ Thị Hoà",
                (2017, Some(3), Some(5)),
                "female",
                Some("Tà Ôi"),
            ),
            child("Lê Văn Vai", (2019, Some(8), Some(1)), "male", Some("Kinh")),
            child("Kăn Thị Lan", (2012, None, None), "female", None),
        ],
        false,
        &actor("canbo"),
        Utc::now(),
    )
    .await
    .expect("records");
    let mut ids = Vec::new();
    for (key, _) in &added {
        ids.push(
            registry::source(db, key)
                .await
                .expect("q")
                .expect("source")
                .child_id,
        );
    }
    (ids, added[0].0.clone())
}

async fn audit_rows(db: &Db) -> i64 {
    let sql = "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_events";
    let n: (i64,) = match db {
        Db::Sqlite(pool) => sqlx::query_as(sql).fetch_one(pool).await.expect("count"),
        Db::Postgres(pool) => sqlx::query_as(sql).fetch_one(pool).await.expect("count"),
    };
    n.0
}

/// Every text of the roster table and of the audit log, concatenated.
async fn roster_texts(db: &Db) -> String {
    let sql = "SELECT COALESCE(delivery_id || record_key || COALESCE(overlap_reason, '') || added_by, '') \
               FROM delivery_children UNION ALL \
               SELECT COALESCE(CAST(after_json AS TEXT), '') || COALESCE(CAST(before_json AS TEXT), '') FROM audit_events";
    let rows: Vec<(String,)> = match db {
        Db::Sqlite(pool) => sqlx::query_as(sql).fetch_all(pool).await.expect("texts"),
        Db::Postgres(pool) => sqlx::query_as(sql).fetch_all(pool).await.expect("texts"),
    };
    rows.into_iter().map(|r| r.0).collect::<Vec<_>>().join("\n")
}

fn handed(line: &str, giver: &str, on: NaiveDate) -> NewDelivery {
    NewDelivery {
        giver_id: giver.into(),
        on,
        ..goods(line, 10, 10, true)
    }
}

#[tokio::test]
async fn a_child_on_two_rosters_of_one_winter_needs_a_reason_and_counts_once() {
    let w = world().await;
    let db = &w.db;
    org(db, "hoi-ctd", "Hội Chữ thập đỏ thành phố Huế", "fund", None).await;
    let (kids, first_record) = children(db).await;
    let (hoa, vai, lan) = (kids[0].clone(), kids[1].clone(), kids[2].clone());
    let now = Utc::now();
    let create = |d: NewDelivery| async move {
        storage::deliveries::create(db, &d, &giver(), now)
            .await
            .expect("q")
            .expect("delivery")
            .id
    };
    let d1 = create(handed(&w.line, "quy-btte", date(2026, 12, 1))).await;
    // Another giver, the same winter and category.
    let d2 = create(handed(&w.line, "hoi-ctd", date(2026, 12, 10))).await;
    // The next winter: no overlap.
    let d3 = create(handed(&w.next, "quy-btte", date(2027, 11, 20))).await;
    let officer = actor("canbo");

    let added = rosters::add(
        db,
        &d1,
        &[hoa.clone(), vai.clone()],
        None,
        false,
        &officer,
        now,
    )
    .await
    .expect("q")
    .expect("added");
    assert_eq!((added.added, added.already), (2, 0));
    assert!(added.overlaps.is_empty());

    // Hoà already had warm clothing this winter (from d1): refused, nothing written.
    let audits = audit_rows(db).await;
    let refused = rosters::add(
        db,
        &d2,
        &[hoa.clone(), lan.clone()],
        Some("  "),
        false,
        &officer,
        now,
    )
    .await
    .expect("q");
    let Err(RosterRefusal::Overlaps(overlaps)) = refused else {
        panic!("expected the overlap guard: {refused:?}");
    };
    assert_eq!(overlaps.len(), 1);
    assert_eq!(overlaps[0].child_id, hoa);
    assert_eq!(overlaps[0].delivery_id, d1);
    assert_eq!(overlaps[0].giver_name, "Quỹ Bảo trợ trẻ em thành phố Huế");
    assert!(rosters::roster(db, &d2).await.expect("q").is_empty());
    assert_eq!(
        audit_rows(db).await,
        audits,
        "a refusal writes no audit row"
    );

    // Confirmed with a reason: written, the reason kept on Hoà's row only.
    let reason = "Áo cũ của em bị cháy khi sưởi, nhà trường xác nhận";
    let added = rosters::add(
        db,
        &d2,
        &[hoa.clone(), lan.clone()],
        Some(reason),
        false,
        &officer,
        now,
    )
    .await
    .expect("q")
    .expect("added");
    assert_eq!(added.added, 2);
    assert_eq!(added.overlaps.len(), 1);
    let r2 = rosters::roster(db, &d2).await.expect("q");
    assert_eq!(r2.len(), 2);
    for r in &r2 {
        let expected = (r.child_id == hoa).then(|| reason.to_owned());
        assert_eq!(r.overlap_reason, expected);
    }
    assert_eq!(
        audit_rows(db).await,
        audits + 1,
        "the confirmation is audited"
    );
    let overlaps = rosters::overlaps_of(db, &d1).await.expect("q");
    assert_eq!(
        overlaps
            .iter()
            .map(|o| (o.child_id.as_str(), o.delivery_id.as_str()))
            .collect::<Vec<_>>(),
        vec![(hoa.as_str(), d2.as_str())]
    );

    // The next winter does not overlap; a child already on a roster is left as she is.
    let added = rosters::add(
        db,
        &d3,
        std::slice::from_ref(&hoa),
        None,
        false,
        &officer,
        now,
    )
    .await
    .expect("q")
    .expect("no overlap");
    assert!(added.overlaps.is_empty());
    let again = rosters::add(
        db,
        &d1,
        std::slice::from_ref(&hoa),
        None,
        false,
        &officer,
        now,
    )
    .await
    .expect("q")
    .expect("nothing to do");
    assert_eq!((again.added, again.already), (0, 1));
    assert_eq!(
        rosters::add(
            db,
            &d1,
            &[vai.clone(), "no-such-child".into()],
            None,
            false,
            &officer,
            now
        )
        .await
        .expect("q"),
        Err(RosterRefusal::UnknownChild(2))
    );
    assert_eq!(
        rosters::resolve_ids(db, &[first_record.clone(), hoa.clone(), "nope".into()])
            .await
            .expect("q"),
        vec![Some(hoa.clone()), Some(hoa.clone()), None]
    );

    // Counts of 2026: Hoà (d1, d2), Vai (d1), Lan (d2): 3 children, 4 lượt.
    let end = Utc
        .with_ymd_and_hms(2030, 1, 1, 0, 0, 0)
        .single()
        .expect("t");
    let y2026 = rosters::reached(db, date(2026, 1, 1), date(2026, 12, 31), end, |_, _| true)
        .await
        .expect("counts");
    let t = |unique, turns| Tally { unique, turns };
    assert_eq!(y2026.total, t(3, 4));
    assert_eq!(y2026.by_category.get("warm_clothing"), Some(&t(3, 4)));
    assert_eq!(y2026.by_sex.get("female"), Some(&t(2, 3)));
    assert_eq!(y2026.by_sex.get("male"), Some(&t(1, 1)));
    assert_eq!(y2026.by_ethnicity.get("Tà Ôi"), Some(&t(1, 2)));
    assert_eq!(y2026.by_ethnicity.get("Kinh"), Some(&t(1, 1)));
    assert_eq!(y2026.by_ethnicity.get("unknown"), Some(&t(1, 1)));
    // Ages at the handover: Hoà 9, Vai 7, Lan 14.
    assert_eq!(y2026.by_age_band.get("6-10"), Some(&t(2, 3)));
    assert_eq!(y2026.by_age_band.get("11-15"), Some(&t(1, 1)));
    assert_eq!(y2026.by_commune.get("20056"), Some(&t(3, 4)));
    let y2027 = rosters::reached(db, date(2027, 1, 1), date(2027, 12, 31), end, |_, _| true)
        .await
        .expect("counts");
    assert_eq!(y2027.total, t(1, 1));
    let elsewhere = rosters::reached(db, date(2026, 1, 1), date(2026, 12, 31), end, |_, u| {
        u == "20053"
    })
    .await
    .expect("counts");
    assert_eq!(elsewhere.total, t(0, 0));
    let before = rosters::reached(
        db,
        date(2026, 1, 1),
        date(2026, 12, 31),
        now - chrono::Duration::days(1),
        |_, _| true,
    )
    .await
    .expect("counts");
    assert_eq!(
        before.total,
        t(0, 0),
        "rows written after the cut-off are not counted"
    );
    let by_line = rosters::children_by_line(db).await.expect("q");
    assert_eq!(by_line.get(&w.line), Some(&3));
    assert_eq!(by_line.get(&w.next), Some(&1));

    // Taking Lan off d2 is audited; the counts follow.
    assert!(
        rosters::remove(db, &d2, &lan, &officer, now)
            .await
            .expect("q")
    );
    let y2026 = rosters::reached(db, date(2026, 1, 1), date(2026, 12, 31), end, |_, _| true)
        .await
        .expect("counts");
    assert_eq!(y2026.total, t(2, 3));

    // The roster and its audit rows copy nothing personal; withdrawal of
    // consent blanks the reason.
    let texts = roster_texts(db).await;
    assert!(texts.contains(reason));
    registry::withdraw_consent(db, &hoa, "parent", date(2027, 1, 5), &officer, now)
        .await
        .expect("erase");
    let texts = roster_texts(db).await;
    for secret in ["Hồ Thị Hoà", "Kăn Thị Lan", reason, "2017-03-05", "A Năm"] {
        assert!(
            !texts.contains(secret),
            "{secret} left in a roster or an audit row"
        );
    }
    assert!(
        rosters::roster(db, &d2)
            .await
            .expect("q")
            .iter()
            .all(|r| r.overlap_reason.is_none())
    );
    // She is still counted, anonymously.
    let y2026 = rosters::reached(db, date(2026, 1, 1), date(2026, 12, 31), end, |_, _| true)
        .await
        .expect("counts");
    assert_eq!(y2026.total, t(2, 3));
    assert_eq!(
        rosters::add(
            db,
            &d3,
            std::slice::from_ref(&hoa),
            None,
            false,
            &officer,
            now
        )
        .await
        .expect("q"),
        Err(RosterRefusal::Erased(1)),
        "an erased child is not added to another roster"
    );
}
