//! The children registry on SQLite (default) and PostgreSQL
//! (`TEST_DATABASE_URL`): records never overwritten, links proposed by the
//! engine, accepted, rejected and undone with their history, erasure on
//! withdrawal of consent (the whole database grepped), scoping, counts.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use domain::authz::Visibility;
use storage::Db;
use storage::audit::AuditActor;
use storage::registry::{self, Added, Decision, LinkError, NewRecord, Origin, PidKey, RecordData};
use storage::testing::{dump_text, fresh_db};

fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, 2, 0, 0)
        .single()
        .expect("valid time")
}

fn officer() -> AuditActor {
    AuditActor {
        id: None,
        name: "cán bộ xã".into(),
    }
}

fn key() -> PidKey {
    PidKey::new([42; 32])
}

#[allow(clippy::too_many_arguments)]
fn data(
    name: &str,
    dob: (i64, Option<i64>, Option<i64>),
    sex: &str,
    commune: &str,
    village: &str,
    guardian: &str,
    pid: Option<&str>,
) -> RecordData {
    RecordData {
        full_name: name.into(),
        birth_year: dob.0,
        birth_month: dob.1,
        birth_day: dob.2,
        sex: Some(sex.into()),
        ethnicity: Some("Tà Ôi".into()),
        commune_code: commune.into(),
        village: (!village.is_empty()).then(|| village.into()),
        school_name: Some("Trường Tiểu học Hồng Kim".into()),
        grade: Some("3A".into()),
        guardian_name: (!guardian.is_empty()).then(|| guardian.into()),
        pid_hash: pid.map(|p| key().hash(p)),
        pid_last3: pid.map(|p| p[9..].to_owned()),
    }
}

fn rec(source_ref: Option<&str>, d: RecordData) -> NewRecord {
    NewRecord {
        source_ref: source_ref.map(str::to_owned),
        data: d,
    }
}

fn school() -> Origin {
    Origin {
        source_type: "school".into(),
        org_id: None,
    }
}

fn station() -> Origin {
    Origin {
        source_type: "health_station".into(),
        org_id: None,
    }
}

async fn org(db: &Db, id: &str, unit: &str) {
    let o = storage::organisations::Organisation {
        id: id.into(),
        name: format!("Trường {id}"),
        short_name: None,
        org_type: "school".into(),
        parent_id: None,
        unit_code: Some(unit.into()),
        valid_from: None,
        valid_to: None,
        successor_id: None,
        is_demo: false,
    };
    storage::organisations::create(db, &o, &AuditActor::system("test"), at(1))
        .await
        .expect("organisation");
}

/// A background of distinct children in the commune, so the engine has a
/// population to learn from (as it has in a real commune).
fn background(commune: &str, n: usize) -> Vec<NewRecord> {
    let given = [
        "Lan", "Mai", "Vai", "Rất", "Pi", "Cư", "Thía", "Bốc", "Hương", "Ngân", "Blăng", "Pơi",
        "Xuân", "Tiên", "Rôn", "Hiên", "Dinh", "Prao", "Ghép", "Biếc",
    ];
    let family = [
        "Hồ", "Kăn", "Lê", "Nguyễn", "Pơloong", "A Lăng", "Zơ Râm", "Clâu",
    ];
    let adult = [
        "Pả", "Nhâm", "Thanh", "Bình", "Hùng", "Dũng", "Loan", "Kray", "Ra", "Thúy", "Sơn",
    ];
    (0..n)
        .map(|i| {
            let g = given[i % given.len()];
            let f = family[(i / given.len()) % family.len()];
            let a = adult[(i / 7) % adult.len()];
            rec(
                None,
                data(
                    &format!("{f} {g}"),
                    (
                        2010 + (i as i64 / 336) % 14,
                        Some(1 + (i as i64 / 28) % 12),
                        Some(1 + i as i64 % 28),
                    ),
                    if i % 2 == 0 { "female" } else { "male" },
                    commune,
                    &format!("Thôn {}", i % 9),
                    &format!("{f} {a} {}", i % 97),
                    None,
                ),
            )
        })
        .collect()
}

fn communes(codes: &[&str]) -> BTreeSet<String> {
    codes.iter().map(|c| (*c).to_owned()).collect()
}

#[tokio::test]
async fn a_correction_is_a_new_version_and_the_old_one_is_kept_as_it_was() {
    let db = fresh_db().await.expect("db");
    org(&db, "th-hk", "20056").await;
    let origin = Origin {
        source_type: "school".into(),
        org_id: Some("th-hk".into()),
    };
    let first = data(
        "Hồ Thị Hoa",
        (2017, Some(3), Some(5)),
        "female",
        "20056",
        "A Năm",
        "Hồ Văn Pả",
        None,
    );
    let added = registry::add_records(
        &db,
        &origin,
        &[rec(Some("HS-001"), first.clone())],
        false,
        &officer(),
        at(2),
    )
    .await
    .expect("add");
    assert_eq!(added[0].1, Added::New);
    let key_ = added[0].0.clone();
    let v1 = registry::latest_version(&db, &key_)
        .await
        .expect("q")
        .expect("v1");

    let mut fixed = first.clone();
    fixed.full_name = "Hồ Thị Hoà".into();
    fixed.birth_day = Some(3);
    fixed.birth_month = Some(5);
    assert!(
        registry::correct(&db, &key_, &fixed, &officer(), at(3))
            .await
            .expect("correct")
    );
    // The same data again writes nothing.
    assert!(
        !registry::correct(&db, &key_, &fixed, &officer(), at(3))
            .await
            .expect("again")
    );

    // Re-importing the school's file: same number → a version of the same
    // record, identical → nothing.
    let mut again = fixed.clone();
    again.grade = Some("4A".into());
    let r = registry::add_records(
        &db,
        &origin,
        &[
            rec(Some("HS-001"), again),
            rec(Some("HS-001-x"), fixed.clone()),
        ],
        false,
        &officer(),
        at(4),
    )
    .await
    .expect("re-import");
    assert_eq!(r[0], (key_.clone(), Added::NewVersion));
    assert_eq!(r[1].1, Added::New);
    let r = registry::add_records(
        &db,
        &origin,
        &[rec(Some("HS-001-x"), fixed.clone())],
        false,
        &officer(),
        at(5),
    )
    .await
    .expect("identical");
    assert_eq!(r[0].1, Added::Unchanged);

    let all = registry::versions(&db, &key_).await.expect("versions");
    assert_eq!(
        all.iter().map(|v| v.version).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert_eq!(all[0], v1, "version 1 is untouched");
    assert_eq!(all[0].full_name.as_deref(), Some("Hồ Thị Hoa"));
    assert_eq!(all[0].birth_display(), "05/03/2017");
    assert_eq!(all[1].full_name.as_deref(), Some("Hồ Thị Hoà"));
    assert_eq!(all[1].birth_display(), "03/05/2017");
    assert_eq!(all[2].grade.as_deref(), Some("4A"));

    // The audit names the record and the changed fields, never a value.
    let text = dump_text(&db).await.expect("dump");
    let audit: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("audit_events.after_json="))
        .filter(|l| l.contains("\"fields\""))
        .collect();
    assert_eq!(audit.len(), 4, "{audit:#?}");
    assert!(
        audit
            .iter()
            .any(|l| l.contains("[\"full_name\",\"birth_date\"]")),
        "{audit:#?}"
    );
    assert!(
        audit
            .iter()
            .all(|l| !l.contains("Hoa") && !l.contains("Pả") && !l.contains("A Năm"))
    );
    assert!(storage::audit::verify(&db).await.expect("chain") > 0);
}

#[tokio::test]
async fn a_partial_birth_date_keeps_its_precision() {
    let db = fresh_db().await.expect("db");
    let r = registry::add_records(
        &db,
        &school(),
        &[
            rec(
                None,
                data(
                    "Kăn Lịch",
                    (2016, None, None),
                    "male",
                    "20056",
                    "",
                    "",
                    None,
                ),
            ),
            rec(
                None,
                data(
                    "Hồ Văn Rôn",
                    (2015, Some(7), None),
                    "male",
                    "20056",
                    "",
                    "",
                    None,
                ),
            ),
        ],
        false,
        &officer(),
        at(2),
    )
    .await
    .expect("add");
    let a = registry::latest_version(&db, &r[0].0)
        .await
        .expect("q")
        .expect("a");
    let b = registry::latest_version(&db, &r[1].0)
        .await
        .expect("q")
        .expect("b");
    assert_eq!(
        (a.birth_precision.as_str(), a.birth_display().as_str()),
        ("year", "2016")
    );
    assert_eq!(
        (b.birth_precision.as_str(), b.birth_display().as_str()),
        ("month", "07/2015")
    );
}

#[tokio::test]
async fn an_import_with_an_unknown_source_type_writes_nothing() {
    let db = fresh_db().await.expect("db");
    let bad = Origin {
        source_type: "bank".into(),
        org_id: None,
    };
    let r = registry::add_records(
        &db,
        &bad,
        &[rec(
            None,
            data(
                "Hồ Thị Hoa",
                (2017, None, None),
                "female",
                "20056",
                "",
                "",
                None,
            ),
        )],
        false,
        &officer(),
        at(2),
    )
    .await;
    assert!(r.is_err());
    let list = registry::list(&db, &Visibility::All, None, 100)
        .await
        .expect("list");
    assert!(list.is_empty());
    assert_eq!(
        registry::unknown_communes(&db, &["20056", "99999", "99999"])
            .await
            .expect("q"),
        vec!["99999".to_owned()]
    );
}

struct Family {
    school_hoa: String,
    station_hoa: String,
    twin_a: String,
    twin_b: String,
}

/// Background + Hoà at school + "HO THI HOA" at the health station + twins.
async fn family(db: &Db) -> Family {
    registry::add_records(
        db,
        &school(),
        &background("20056", 300),
        true,
        &officer(),
        at(1),
    )
    .await
    .expect("background");
    let r = registry::add_records(
        db,
        &school(),
        &[
            rec(
                None,
                data(
                    "Hồ Thị Hoà",
                    (2017, Some(3), Some(5)),
                    "female",
                    "20056",
                    "A Năm",
                    "Hồ Văn Pả",
                    Some("046317001234"),
                ),
            ),
            rec(
                None,
                data(
                    "Hồ Văn Nam",
                    (2018, Some(6), Some(1)),
                    "male",
                    "20056",
                    "Pa Ring",
                    "Hồ Thị Lết",
                    None,
                ),
            ),
        ],
        false,
        &officer(),
        at(2),
    )
    .await
    .expect("school");
    let s = registry::add_records(
        db,
        &station(),
        &[
            rec(
                None,
                data(
                    "HO THI HOA",
                    (2017, Some(5), Some(3)),
                    "female",
                    "20056",
                    "A Nam",
                    "Ho Van Pa",
                    None,
                ),
            ),
            rec(
                None,
                data(
                    "Hồ Văn Bắc",
                    (2018, Some(6), Some(1)),
                    "male",
                    "20056",
                    "Pa Ring",
                    "Hồ Thị Lết",
                    None,
                ),
            ),
        ],
        false,
        &officer(),
        at(2),
    )
    .await
    .expect("station");
    Family {
        school_hoa: r[0].0.clone(),
        station_hoa: s[0].0.clone(),
        twin_a: r[1].0.clone(),
        twin_b: s[1].0.clone(),
    }
}

async fn child_of(db: &Db, record_key: &str) -> String {
    registry::source(db, record_key)
        .await
        .expect("q")
        .expect("source")
        .child_id
}

fn pair_of<'a>(
    links: &'a [registry::LinkView],
    a: &str,
    b: &str,
) -> Option<&'a registry::LinkView> {
    links.iter().find(|l| {
        (l.link.record_a == a && l.link.record_b == b)
            || (l.link.record_a == b && l.link.record_b == a)
    })
}

#[tokio::test]
async fn the_engine_proposes_the_same_girl_and_keeps_twins_apart_with_its_explanation() {
    let db = fresh_db().await.expect("db");
    let f = family(&db).await;
    let n = registry::propose_links(&db, &communes(&["20056"]), false, at(3))
        .await
        .expect("propose");
    assert!(n >= 1);
    let queue = registry::links_with_status(&db, &Visibility::All, "proposed", 500)
        .await
        .expect("queue");
    let hoa = pair_of(&queue, &f.school_hoa, &f.station_hoa).expect("Hoà's records proposed");
    assert!(
        hoa.link.probability_bp >= 5000,
        "{}",
        hoa.link.probability_bp
    );
    assert!(
        hoa.link.explanation_en.contains("without diacritics")
            && hoa.link.explanation_en.contains("day/month swap"),
        "{}",
        hoa.link.explanation_en
    );
    assert!(
        hoa.link.explanation_vi.contains("đảo ngày/tháng"),
        "{}",
        hoa.link.explanation_vi
    );
    assert!(
        pair_of(&queue, &f.twin_a, &f.twin_b).is_none(),
        "twins are not queued"
    );
    let apart = registry::links_with_status(&db, &Visibility::All, "kept_apart", 500)
        .await
        .expect("apart");
    if let Some(t) = pair_of(&apart, &f.twin_a, &f.twin_b) {
        assert_eq!(t.link.veto.as_deref(), Some("twins"));
        assert!(
            t.link.explanation_en.contains("twins"),
            "{}",
            t.link.explanation_en
        );
    }
    assert_ne!(
        child_of(&db, &f.twin_a).await,
        child_of(&db, &f.twin_b).await
    );
    // Proposing again adds nothing: decisions and proposals are remembered.
    assert_eq!(
        registry::propose_links(&db, &communes(&["20056"]), false, at(4))
            .await
            .expect("again"),
        0
    );
    // No explanation carries a value.
    for l in queue.iter().chain(&apart) {
        for s in [&l.link.explanation_vi, &l.link.explanation_en] {
            assert!(
                !s.contains("Hoa") && !s.contains("2017") && !s.contains("Pả"),
                "{s}"
            );
        }
    }
}

#[tokio::test]
async fn an_accepted_link_is_undone_to_exactly_the_previous_state_with_its_history() {
    let db = fresh_db().await.expect("db");
    let f = family(&db).await;
    registry::propose_links(&db, &communes(&["20056"]), false, at(3))
        .await
        .expect("propose");
    let queue = registry::links_with_status(&db, &Visibility::All, "proposed", 500)
        .await
        .expect("queue");
    let link = pair_of(&queue, &f.school_hoa, &f.station_hoa)
        .expect("proposed")
        .link
        .clone();
    let before_a = child_of(&db, &f.school_hoa).await;
    let before_b = child_of(&db, &f.station_hoa).await;
    assert_ne!(before_a, before_b);
    let consent_b = registry::give_consent(
        &db,
        &before_b,
        "parent",
        NaiveDate::from_ymd_opt(2026, 3, 1).expect("d"),
        &officer(),
        at(3),
    )
    .await
    .expect("consent");
    let list_before = registry::list(&db, &Visibility::All, None, 1000)
        .await
        .expect("list")
        .len();

    registry::decide(
        &db,
        &link.id,
        Decision::Accept,
        "cùng cha, cùng thôn",
        &officer(),
        at(4),
    )
    .await
    .expect("accept");
    let merged = child_of(&db, &f.school_hoa).await;
    assert_eq!(merged, child_of(&db, &f.station_hoa).await, "one child");
    assert_eq!(
        registry::consents(&db, &merged)
            .await
            .expect("c")
            .iter()
            .map(|c| c.id.clone())
            .collect::<Vec<_>>(),
        vec![consent_b.clone()],
        "the consent follows the child"
    );
    assert_eq!(
        registry::list(&db, &Visibility::All, None, 1000)
            .await
            .expect("list")
            .len(),
        list_before - 1
    );
    // A decided link cannot be decided again.
    assert!(matches!(
        registry::decide(&db, &link.id, Decision::Reject, "x", &officer(), at(4)).await,
        Err(LinkError::NotProposed(_))
    ));

    registry::undo(&db, &link.id, "nhầm, hai trẻ khác nhau", &officer(), at(5))
        .await
        .expect("undo");
    assert_eq!(child_of(&db, &f.school_hoa).await, before_a);
    assert_eq!(child_of(&db, &f.station_hoa).await, before_b);
    assert_eq!(
        registry::child(&db, &before_b)
            .await
            .expect("q")
            .expect("c")
            .status,
        "active"
    );
    assert_eq!(
        registry::consents(&db, &before_b).await.expect("c").len(),
        1,
        "the consent is back with its child"
    );
    assert_eq!(
        registry::list(&db, &Visibility::All, None, 1000)
            .await
            .expect("list")
            .len(),
        list_before
    );
    let again = registry::link(&db, &link.id)
        .await
        .expect("q")
        .expect("link");
    assert_eq!(again.status, "proposed");
    assert_eq!(
        (again.from_child, again.into_child, again.moved_records),
        (None, None, None)
    );
    let history = registry::link_history(&db, &link.id)
        .await
        .expect("history");
    assert_eq!(
        history
            .iter()
            .map(|e| (e.action.as_str(), e.status_after.as_str()))
            .collect::<Vec<_>>(),
        vec![
            ("proposed", "proposed"),
            ("accepted", "accepted"),
            ("undone", "proposed")
        ]
    );
    assert_eq!(history[1].reason.as_deref(), Some("cùng cha, cùng thôn"));

    // Rejected, then undone: proposed again; a re-run does not re-propose.
    registry::decide(
        &db,
        &link.id,
        Decision::Reject,
        "khác trẻ",
        &officer(),
        at(6),
    )
    .await
    .expect("reject");
    registry::propose_links(&db, &communes(&["20056"]), false, at(7))
        .await
        .expect("rerun");
    assert_eq!(
        registry::link(&db, &link.id)
            .await
            .expect("q")
            .expect("l")
            .status,
        "rejected"
    );
    registry::undo(&db, &link.id, "xem lại", &officer(), at(8))
        .await
        .expect("undo reject");
    assert_eq!(
        registry::link_history(&db, &link.id)
            .await
            .expect("h")
            .len(),
        5
    );
    assert!(matches!(
        registry::undo(&db, &link.id, "x", &officer(), at(9)).await,
        Err(LinkError::NothingToUndo)
    ));
}

#[tokio::test]
async fn an_undo_is_refused_while_a_later_merge_depends_on_it() {
    let db = fresh_db().await.expect("db");
    let f = family(&db).await;
    // A third record of Hoà from the Women's Union.
    let third = registry::add_records(
        &db,
        &Origin {
            source_type: "mass_organisation".into(),
            org_id: None,
        },
        &[rec(
            None,
            data(
                "Hồ Thị Hòa",
                (2017, Some(3), Some(5)),
                "female",
                "20056",
                "A Năm",
                "Hồ Văn Pả",
                None,
            ),
        )],
        false,
        &officer(),
        at(2),
    )
    .await
    .expect("third")[0]
        .0
        .clone();
    registry::propose_links(&db, &communes(&["20056"]), false, at(3))
        .await
        .expect("propose");
    let q = registry::links_with_status(&db, &Visibility::All, "proposed", 500)
        .await
        .expect("q");
    let first = pair_of(&q, &f.school_hoa, &f.station_hoa)
        .expect("1")
        .link
        .id
        .clone();
    let second = pair_of(&q, &f.station_hoa, &third)
        .or_else(|| pair_of(&q, &f.school_hoa, &third))
        .expect("2")
        .link
        .clone();
    registry::decide(&db, &first, Decision::Accept, "", &officer(), at(4))
        .await
        .expect("a1");
    registry::decide(&db, &second.id, Decision::Accept, "", &officer(), at(5))
        .await
        .expect("a2");
    let one = child_of(&db, &third).await;
    assert_eq!(one, child_of(&db, &f.school_hoa).await);
    assert_eq!(one, child_of(&db, &f.station_hoa).await);
    // Undo in reverse order works; if the second merge moved the first
    // merge's records, the first cannot be undone before it.
    let r = registry::undo(&db, &first, "", &officer(), at(6)).await;
    if r.is_err() {
        assert!(matches!(r, Err(LinkError::LaterMerge)), "{r:?}");
        registry::undo(&db, &second.id, "", &officer(), at(6))
            .await
            .expect("undo 2");
        registry::undo(&db, &first, "", &officer(), at(7))
            .await
            .expect("undo 1");
    } else {
        registry::undo(&db, &second.id, "", &officer(), at(7))
            .await
            .expect("undo 2");
    }
    let ids: BTreeSet<String> = [
        child_of(&db, &f.school_hoa).await,
        child_of(&db, &f.station_hoa).await,
        child_of(&db, &third).await,
    ]
    .into_iter()
    .collect();
    assert_eq!(ids.len(), 3, "three children again");
}

#[tokio::test]
async fn withdrawal_of_consent_leaves_nothing_identifying_in_any_table() {
    let db = fresh_db().await.expect("db");
    let f = family(&db).await;
    registry::propose_links(&db, &communes(&["20056"]), false, at(3))
        .await
        .expect("propose");
    let q = registry::links_with_status(&db, &Visibility::All, "proposed", 500)
        .await
        .expect("q");
    let link = pair_of(&q, &f.school_hoa, &f.station_hoa)
        .expect("proposed")
        .link
        .id
        .clone();
    registry::decide(
        &db,
        &link,
        Decision::Accept,
        "Hồ Thị Hoà, con ông Hồ Văn Pả",
        &officer(),
        at(4),
    )
    .await
    .expect("accept");
    let child = child_of(&db, &f.school_hoa).await;
    let mut corrected = data(
        "Hồ Thị Hoà",
        (2017, Some(3), Some(5)),
        "female",
        "20056",
        "A Năm",
        "Hồ Văn Pả",
        Some("046317001234"),
    );
    corrected.grade = Some("4A".into());
    registry::correct(&db, &f.school_hoa, &corrected, &officer(), at(4))
        .await
        .expect("v2");
    registry::give_consent(
        &db,
        &child,
        "parent",
        NaiveDate::from_ymd_opt(2026, 3, 1).expect("d"),
        &officer(),
        at(4),
    )
    .await
    .expect("consent");
    registry::log_view(&db, &child, "page", &officer(), at(4))
        .await
        .expect("view");

    let before = dump_text(&db).await.expect("dump");
    let secrets = [
        "Hồ Thị Hoà",
        "HO THI HOA",
        "ho thi hoa",
        "Hồ Văn Pả",
        "Ho Van Pa",
        &key().hash("046317001234"),
        "A Năm",
    ];
    for s in secrets {
        assert!(before.contains(s), "{s} should be there before");
    }
    assert!(
        !before.contains("046317001234") && !before.contains("0463170012"),
        "the personal ID's digits are never stored"
    );
    assert!(
        before.contains("registry.child_records.pid_last3=234")
            || before.contains("child_records.pid_last3=234")
    );
    let counts_before = registry::counts(&db, "20056", 2026).await.expect("counts");

    registry::withdraw_consent(
        &db,
        &child,
        "parent",
        NaiveDate::from_ymd_opt(2026, 3, 9).expect("d"),
        &officer(),
        at(9),
    )
    .await
    .expect("withdraw");

    let after = dump_text(&db).await.expect("dump");
    for s in secrets
        .iter()
        .copied()
        .chain(["046317001234", "pid_last3=234"])
    {
        let hits: Vec<&str> = after.lines().filter(|l| l.contains(s)).collect();
        assert!(hits.is_empty(), "{s} remains: {hits:#?}");
    }
    // The other children are untouched.
    assert!(after.contains("Hồ Văn Nam") && after.contains("Hồ Văn Bắc"));
    // What stays is anonymous and still counted.
    let v = registry::versions(&db, &f.school_hoa).await.expect("v");
    assert_eq!(v.len(), 2);
    for x in &v {
        assert!(x.erased());
        assert_eq!(
            (x.birth_year, x.sex.as_deref(), x.commune_code.as_str()),
            (2017, Some("female"), "20056")
        );
        assert_eq!(x.ethnicity.as_deref(), Some("Tà Ôi"));
        assert_eq!(x.birth_display(), "2017");
        assert_eq!(x.pid_masked(), "");
    }
    assert_eq!(
        registry::counts(&db, "20056", 2026).await.expect("counts"),
        counts_before
    );
    assert_eq!(
        registry::child(&db, &child)
            .await
            .expect("q")
            .expect("c")
            .status,
        "erased"
    );
    assert!(
        registry::list(&db, &Visibility::All, Some("hoa"), 100)
            .await
            .expect("list")
            .iter()
            .all(|c| c.child.id != child),
        "an erased child is not listed"
    );
    assert!(
        registry::consents(&db, &child)
            .await
            .expect("c")
            .iter()
            .all(|c| c.withdrawn_on.is_some())
    );
    assert!(matches!(
        registry::undo(&db, &link, "", &officer(), at(10)).await,
        Err(LinkError::Erased)
    ));
    assert!(storage::audit::verify(&db).await.expect("chain") > 0);
}

#[tokio::test]
async fn lists_and_queues_are_scoped_to_the_officers_communes() {
    let db = fresh_db().await.expect("db");
    family(&db).await;
    registry::add_records(
        &db,
        &school(),
        &[rec(
            None,
            data(
                "Arâl Thị San",
                (2016, None, None),
                "female",
                "20182",
                "",
                "",
                None,
            ),
        )],
        false,
        &officer(),
        at(2),
    )
    .await
    .expect("nam dong");
    registry::propose_links(&db, &communes(&["20056", "20182"]), false, at(3))
        .await
        .expect("p");
    let local = Visibility::Units(communes(&["20056"]));
    let other = Visibility::Units(communes(&["20182"]));
    let mine = registry::list(&db, &local, None, 1000).await.expect("l");
    assert!(mine.iter().all(|c| c.record.commune_code == "20056"));
    assert!(!mine.is_empty());
    assert!(
        registry::list(&db, &local, Some("Arâl"), 1000)
            .await
            .expect("l")
            .is_empty()
    );
    let theirs = registry::list(&db, &other, Some("aral thi san"), 1000)
        .await
        .expect("l");
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].record.full_name.as_deref(), Some("Arâl Thị San"));
    assert!(
        registry::list(&db, &Visibility::PublicOnly, None, 1000)
            .await
            .expect("l")
            .is_empty()
    );
    assert!(
        !registry::links_with_status(&db, &local, "proposed", 100)
            .await
            .expect("q")
            .is_empty()
    );
    assert!(
        registry::links_with_status(&db, &other, "proposed", 100)
            .await
            .expect("q")
            .is_empty()
    );
    assert!(
        registry::links_with_status(&db, &Visibility::PublicOnly, "proposed", 100)
            .await
            .expect("q")
            .is_empty()
    );
    // A search ignores diacritics and case.
    assert!(
        !registry::list(&db, &local, Some("HOA"), 1000)
            .await
            .expect("l")
            .is_empty()
    );
}

#[tokio::test]
async fn counts_are_of_unique_children_by_sex_ethnicity_age_band_and_commune() {
    let db = fresh_db().await.expect("db");
    let f = family(&db).await;
    let before = registry::counts(&db, "20056", 2026).await.expect("c");
    assert_eq!(before.total, 304);
    registry::propose_links(&db, &communes(&["20056"]), false, at(3))
        .await
        .expect("p");
    let q = registry::links_with_status(&db, &Visibility::All, "proposed", 500)
        .await
        .expect("q");
    let link = pair_of(&q, &f.school_hoa, &f.station_hoa)
        .expect("l")
        .link
        .id
        .clone();
    registry::decide(&db, &link, Decision::Accept, "", &officer(), at(4))
        .await
        .expect("a");
    let c = registry::counts(&db, "20056", 2026).await.expect("c");
    assert_eq!(c.total, 303, "Hoà counted once");
    assert_eq!(c.by_sex.values().sum::<i64>(), 303);
    assert_eq!(c.by_age_band.values().sum::<i64>(), 303);
    assert_eq!(c.by_ethnicity.get("Tà Ôi"), Some(&303));
    assert_eq!(c.by_commune.get("20056"), Some(&303));
    // Hoà (2017) is 9 in 2026.
    assert!(c.by_age_band.get("6-10").is_some_and(|n| *n >= 1));
    // The district (481, A Lưới) holds the commune; another commune has none.
    assert_eq!(
        registry::counts(&db, "481", 2026).await.expect("c").total,
        303
    );
    assert_eq!(
        registry::counts(&db, "46", 2026).await.expect("c").total,
        303
    );
    assert_eq!(
        registry::counts(&db, "20182", 2026).await.expect("c").total,
        0
    );
    // Records created after the year's end do not count for that year.
    assert_eq!(
        registry::counts(&db, "20056", 2025).await.expect("c").total,
        0
    );
    let _ = Duration::days(1);
}
