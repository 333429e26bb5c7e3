//! Delivery and acceptance in storage: deliveries held within what was
//! allocated and received, status transitions, the checklist and its
//! non-conformities, the delivered and accepted axes, and the ledger
//! (distribution and amendment leaves in the same transaction, tampering
//! named) — on SQLite, and on PostgreSQL with `TEST_DATABASE_URL`.

use chrono::{NaiveDate, Utc};
use domain::needs::delivery::{CheckAnswer, CheckKind, Decision, DeliveryError, NcAction};
use domain::needs::{AgeBand, Category, NeedStatus, PackageItem, PackageVersion};
use storage::Db;
use storage::acceptance::{Acceptance, Cosignature};
use storage::allocations::{AllocationRequest, allocate};
use storage::audit::AuditActor;
use storage::deliveries::{DeliveryRefusal, Handover, NewDelivery, Representative};
use storage::ledger::VerifyProblem;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn actor(name: &str) -> AuditActor {
    AuditActor {
        id: None,
        name: name.into(),
    }
}

/// The coordinator hands over; the school's officer accepts.
fn giver() -> AuditActor {
    actor("dieuphoi")
}

fn school() -> AuditActor {
    actor("hieutruong")
}

/// The commune co-signs the school's acceptance.
fn commune() -> AuditActor {
    actor("canbo-xa")
}

fn cosign_on(on: NaiveDate) -> Cosignature {
    Cosignature {
        decided_on: on,
        decision: Decision::Accept,
    }
}

/// The school signs, then the commune co-signs.
async fn sign_both(db: &Db, id: &str, a: &Acceptance) -> storage::deliveries::Delivery {
    let site = storage::acceptance::record(db, id, a, &school(), Utc::now())
        .await
        .expect("q")
        .expect("signed by the school");
    assert_eq!(site.status, "site_signed");
    storage::acceptance::cosign(db, id, &cosign_on(a.decided_on), &commune(), Utc::now())
        .await
        .expect("q")
        .expect("co-signed by the commune")
}

struct World {
    db: Db,
    line: String,
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

/// A school in A Lưới 1, a winter, a warm-clothing package (blanket
/// 150.000 ₫ + jacket 170.000 ₫), one published line of 100 children
/// (32.000.000 ₫), a fund that hands over, and a committed pledge of
/// 30.000.000 ₫ of which 20.000.000 ₫ are allocated to the line and
/// 12.000.000 ₫ received.
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
    receive(&db, 12_000_000).await;
    World { db, line }
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

fn money(line: &str, amount: i64, hand_over: bool) -> NewDelivery {
    NewDelivery {
        form: "money".into(),
        quantities: Vec::new(),
        amount,
        children_served: 10,
        ..goods(line, 0, 0, hand_over)
    }
}

fn all_pass(kinds: &[CheckKind]) -> Vec<CheckAnswer> {
    kinds
        .iter()
        .map(|k| CheckAnswer {
            kind: *k,
            passed: true,
            note: String::new(),
            quantity: 0,
            value: 0,
            action: NcAction::Replace,
            resolved: false,
        })
        .collect()
}

const WARM_GOODS: [CheckKind; 4] = [
    CheckKind::Quantity,
    CheckKind::Quality,
    CheckKind::Packaging,
    CheckKind::Documents,
];

async fn count(db: &Db, table: &str) -> i64 {
    let sql = format!("SELECT CAST(COUNT(*) AS BIGINT) FROM {table}");
    let n: (i64,) = match db {
        Db::Sqlite(pool) => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_one(pool)
            .await
            .expect("count"),
        Db::Postgres(pool) => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_one(pool)
            .await
            .expect("count"),
    };
    n.0
}

#[tokio::test]
async fn a_delivery_beyond_what_was_allocated_or_received_is_refused_and_writes_nothing() {
    let w = world().await;
    let db = &w.db;
    let ledger_before = storage::ledger::size(db).await.expect("q");
    let try_ = |d: NewDelivery| async move {
        storage::deliveries::create(db, &d, &giver(), Utc::now())
            .await
            .expect("q")
    };
    // 12.000.000 ₫ received: 13 million cannot be handed over…
    assert_eq!(
        try_(money(&w.line, 13_000_000, true)).await,
        Err(DeliveryRefusal::BeyondReceived {
            remaining: 12_000_000
        })
    );
    // …nor 21 million planned against 20 million allocated.
    assert_eq!(
        try_(money(&w.line, 21_000_000, false)).await,
        Err(DeliveryRefusal::BeyondAllocated {
            remaining: 20_000_000
        })
    );
    // 40 sets are 12.800.000 ₫: more than received.
    assert_eq!(
        try_(goods(&w.line, 40, 40, true)).await,
        Err(DeliveryRefusal::BeyondReceived {
            remaining: 12_000_000
        })
    );
    // More blankets than 1 per child × 100 children.
    let mut d = goods(&w.line, 101, 0, false);
    d.children_served = 100;
    assert_eq!(
        try_(d).await,
        Err(DeliveryRefusal::BeyondNeed {
            item: "Chăn ấm".into(),
            remaining: 100
        })
    );
    let mut d = goods(&w.line, 10, 10, false);
    d.children_served = 101;
    assert_eq!(
        try_(d).await,
        Err(DeliveryRefusal::Invalid(DeliveryError::Children {
            max: 100
        }))
    );
    let mut d = goods(&w.line, 10, 10, false);
    d.quantities.push(("Mũ len".into(), 3));
    assert_eq!(
        try_(d).await,
        Err(DeliveryRefusal::Invalid(DeliveryError::UnknownItem(
            "Mũ len".into()
        )))
    );
    assert_eq!(
        try_(goods(&w.line, 0, 0, false)).await,
        Err(DeliveryRefusal::Invalid(DeliveryError::Empty))
    );
    assert_eq!(
        try_(money(&w.line, -5, false)).await,
        Err(DeliveryRefusal::Invalid(DeliveryError::Negative))
    );
    let mut d = goods(&w.line, 10, 10, true);
    d.receiver_rep.name = " ".into();
    assert_eq!(try_(d).await, Err(DeliveryRefusal::Representatives));
    let mut d = goods(&w.line, 10, 10, false);
    d.giver_id = "th-hong-kim".into();
    assert_eq!(
        try_(d).await,
        Err(DeliveryRefusal::Invalid(DeliveryError::Giver))
    );
    let mut d = goods(&w.line, 10, 10, false);
    d.need_line_id = "no-such-line".into();
    assert_eq!(try_(d).await, Err(DeliveryRefusal::UnknownLine));
    // Nothing was written by any refusal: no rows, no leaves.
    assert_eq!(count(db, "deliveries").await, 0);
    assert_eq!(count(db, "delivery_items").await, 0);
    assert_eq!(count(db, "delivery_allocations").await, 0);
    assert_eq!(storage::ledger::size(db).await.expect("q"), ledger_before);

    // Within what was received: 37 sets (11.840.000 ₫).
    let d = try_(goods(&w.line, 37, 37, true))
        .await
        .expect("within what was received");
    assert_eq!(d.value, 11_840_000);
    assert_eq!(d.minutes_no.as_deref(), Some("2026/00001"));
    // 160.000 ₫ received are left, 8.160.000 ₫ allocated.
    assert_eq!(
        try_(money(&w.line, 200_000, true)).await,
        Err(DeliveryRefusal::BeyondReceived { remaining: 160_000 })
    );
    let planned = try_(money(&w.line, 8_160_000, false))
        .await
        .expect("planned within what was allocated");
    assert_eq!(planned.status, "planned");
    assert_eq!(
        try_(money(&w.line, 1, false)).await,
        Err(DeliveryRefusal::BeyondAllocated { remaining: 0 }),
        "a planned delivery holds its part of the allocations"
    );
    let sources = storage::deliveries::sources(db, &d.id).await.expect("q");
    assert_eq!(sources.len(), 1);
    assert_eq!(
        (sources[0].amount, sources[0].donor_name.as_str()),
        (11_840_000, "Công ty Huế Xanh")
    );
    // A line that is not open takes no delivery.
    assert!(
        storage::needs::set_status(
            db,
            &w.line,
            NeedStatus::Published,
            NeedStatus::Cancelled,
            Some("trùng"),
            &giver(),
            Utc::now()
        )
        .await
        .expect("q")
    );
    assert_eq!(
        try_(goods(&w.line, 1, 1, false)).await,
        Err(DeliveryRefusal::LineNotOpen)
    );
}

#[tokio::test]
async fn a_delivery_moves_from_planned_to_handed_over_to_accepted_and_no_other_way() {
    let w = world().await;
    let db = &w.db;
    let planned =
        storage::deliveries::create(db, &goods(&w.line, 30, 30, false), &giver(), Utc::now())
            .await
            .expect("q")
            .expect("planned");
    assert_eq!(planned.status, "planned");
    assert!(planned.minutes_no.is_none() && planned.handed_over_on.is_none());
    // A planned delivery is not accepted.
    let accept = Acceptance {
        decided_on: date(2026, 12, 2),
        decision: Decision::Accept,
        answers: all_pass(&WARM_GOODS),
    };
    assert_eq!(
        storage::acceptance::record(db, &planned.id, &accept, &school(), Utc::now())
            .await
            .expect("q"),
        Err(DeliveryRefusal::Invalid(DeliveryError::NotFrom(
            domain::needs::delivery::DeliveryStatus::Planned
        )))
    );
    let (g, r) = reps();
    let handover = Handover {
        on: date(2026, 12, 3),
        place: String::new(),
        giver_rep: g,
        receiver_rep: r,
    };
    let handed = storage::deliveries::hand_over(db, &planned.id, &handover, &giver(), Utc::now())
        .await
        .expect("q")
        .expect("handed over");
    assert_eq!(handed.status, "handed_over");
    assert_eq!(handed.handed_over_on, Some(date(2026, 12, 3)));
    assert_eq!(handed.minutes_no.as_deref(), Some("2026/00001"));
    assert_eq!(handed.place, planned.place, "the planned place is kept");
    assert_eq!(
        storage::deliveries::hand_over(db, &planned.id, &handover, &giver(), Utc::now())
            .await
            .expect("q"),
        Err(DeliveryRefusal::Invalid(DeliveryError::NotFrom(
            domain::needs::delivery::DeliveryStatus::HandedOver
        )))
    );
    // Whoever handed over does not accept.
    assert_eq!(
        storage::acceptance::record(db, &planned.id, &accept, &giver(), Utc::now())
            .await
            .expect("q"),
        Err(DeliveryRefusal::SameHands)
    );
    // The commune cannot co-sign before the school has signed.
    assert_eq!(
        storage::acceptance::cosign(
            db,
            &planned.id,
            &cosign_on(date(2026, 12, 2)),
            &commune(),
            Utc::now()
        )
        .await
        .expect("q"),
        Err(DeliveryRefusal::Invalid(DeliveryError::NotFrom(
            domain::needs::delivery::DeliveryStatus::HandedOver
        )))
    );
    let signed = storage::acceptance::record(db, &planned.id, &accept, &school(), Utc::now())
        .await
        .expect("q")
        .expect("signed by the school");
    assert_eq!(signed.status, "site_signed");
    assert_eq!(signed.accepted_on, None, "not accepted on one signature");
    let line = storage::needs::get(db, &w.line)
        .await
        .expect("q")
        .expect("line");
    assert_eq!(
        (line.delivered, line.accepted),
        (9_600_000, 0),
        "delivered, not yet accepted: the commune has not signed"
    );
    assert_eq!(
        storage::acceptance::record(db, &planned.id, &accept, &school(), Utc::now())
            .await
            .expect("q"),
        Err(DeliveryRefusal::Invalid(DeliveryError::NotFrom(
            domain::needs::delivery::DeliveryStatus::SiteSigned
        )))
    );
    // The school's signer cannot co-sign for the commune, nor can whoever
    // handed over; nothing is written.
    let cosign = cosign_on(date(2026, 12, 3));
    assert_eq!(
        storage::acceptance::cosign(db, &planned.id, &cosign, &school(), Utc::now())
            .await
            .expect("q"),
        Err(DeliveryRefusal::SameSigner)
    );
    assert_eq!(
        storage::acceptance::cosign(db, &planned.id, &cosign, &giver(), Utc::now())
            .await
            .expect("q"),
        Err(DeliveryRefusal::SameHands)
    );
    let done = storage::acceptance::cosign(db, &planned.id, &cosign, &commune(), Utc::now())
        .await
        .expect("q")
        .expect("co-signed");
    assert_eq!(done.status, "accepted");
    assert_eq!(done.accepted_on, Some(date(2026, 12, 3)));
    assert_eq!(done.accepted_by.as_deref(), Some("canbo-xa"));
    let signs = storage::acceptance::signatures(db, &planned.id)
        .await
        .expect("q");
    assert_eq!(
        signs
            .iter()
            .map(|s| (
                s.side.as_str(),
                s.decision.as_str(),
                s.signer_name.as_str(),
                s.signed_on
            ))
            .collect::<Vec<_>>(),
        vec![
            ("site", "accept", "hieutruong", date(2026, 12, 2)),
            ("commune", "accept", "canbo-xa", date(2026, 12, 3))
        ]
    );
    assert_eq!(
        storage::acceptance::cosign(db, &planned.id, &cosign, &commune(), Utc::now())
            .await
            .expect("q"),
        Err(DeliveryRefusal::Invalid(DeliveryError::NotFrom(
            domain::needs::delivery::DeliveryStatus::Accepted
        )))
    );
    // A planned delivery beyond what was received waits: its handover is
    // refused until the money arrives.
    let waiting =
        storage::deliveries::create(db, &money(&w.line, 5_000_000, false), &giver(), Utc::now())
            .await
            .expect("q")
            .expect("planned");
    let (g, r) = reps();
    let h = Handover {
        on: date(2026, 12, 10),
        place: "UBND xã A Lưới 1".into(),
        giver_rep: g,
        receiver_rep: r,
    };
    assert_eq!(
        storage::deliveries::hand_over(db, &waiting.id, &h, &giver(), Utc::now())
            .await
            .expect("q"),
        Err(DeliveryRefusal::BeyondReceived {
            remaining: 2_400_000
        })
    );
    receive(db, 3_000_000).await;
    let handed = storage::deliveries::hand_over(db, &waiting.id, &h, &giver(), Utc::now())
        .await
        .expect("q")
        .expect("now received");
    assert_eq!(handed.minutes_no.as_deref(), Some("2026/00002"));
    assert_eq!(handed.place, "UBND xã A Lưới 1");
    // Rejected: it holds nothing any more, and counts as neither delivered
    // nor accepted.
    let reject = Acceptance {
        decided_on: date(2026, 12, 11),
        decision: Decision::Reject,
        answers: vec![
            CheckAnswer {
                kind: CheckKind::Quantity,
                passed: false,
                note: "Số tiền chuyển thiếu so với biên bản".into(),
                quantity: 0,
                value: 5_000_000,
                action: NcAction::Return,
                resolved: false,
            },
            CheckAnswer {
                kind: CheckKind::Documents,
                passed: true,
                note: String::new(),
                quantity: 0,
                value: 0,
                action: NcAction::Replace,
                resolved: false,
            },
        ],
    };
    let rejected = storage::acceptance::record(db, &waiting.id, &reject, &school(), Utc::now())
        .await
        .expect("q")
        .expect("rejected");
    assert_eq!(rejected.status, "rejected");
    let line = storage::needs::get(db, &w.line)
        .await
        .expect("q")
        .expect("line");
    assert_eq!((line.delivered, line.accepted), (9_600_000, 9_600_000));
    storage::deliveries::create(db, &money(&w.line, 5_000_000, true), &giver(), Utc::now())
        .await
        .expect("q")
        .expect("the rejected money can be handed over again");
}

#[tokio::test]
async fn a_failed_check_raises_a_non_conformity_and_the_outcome_is_accepted_with_issues() {
    let w = world().await;
    let db = &w.db;
    let d = storage::deliveries::create(db, &goods(&w.line, 30, 30, true), &giver(), Utc::now())
        .await
        .expect("q")
        .expect("handed over");
    assert_eq!(d.value, 9_600_000);
    let checklist = storage::acceptance::checklist_for(db, &d).await.expect("q");
    assert_eq!(checklist, WARM_GOODS.to_vec());
    // A point left out, or a failure without a note, is refused.
    let mut short = all_pass(&WARM_GOODS);
    short.pop();
    let ask = |answers: Vec<CheckAnswer>| Acceptance {
        decided_on: date(2026, 12, 2),
        decision: Decision::Accept,
        answers,
    };
    assert_eq!(
        storage::acceptance::record(db, &d.id, &ask(short), &school(), Utc::now())
            .await
            .expect("q"),
        Err(DeliveryRefusal::Invalid(DeliveryError::MissingCheck(
            CheckKind::Documents
        )))
    );
    let mut answers = all_pass(&WARM_GOODS);
    answers[1] = CheckAnswer {
        kind: CheckKind::Quality,
        passed: false,
        note: String::new(),
        quantity: 10,
        value: 1_700_000,
        action: NcAction::Replace,
        resolved: false,
    };
    assert_eq!(
        storage::acceptance::record(db, &d.id, &ask(answers.clone()), &school(), Utc::now())
            .await
            .expect("q"),
        Err(DeliveryRefusal::Invalid(DeliveryError::FailWithoutNote(
            CheckKind::Quality
        )))
    );
    assert_eq!(count(db, "acceptance_checks").await, 0);
    answers[1].note = "10 áo cỡ người lớn, không vừa học sinh tiểu học".into();
    let ledger_before = storage::ledger::size(db).await.expect("q");
    let accepted = sign_both(db, &d.id, &ask(answers)).await;
    assert_eq!(accepted.status, "accepted_with_issues");
    assert_eq!(accepted.accepted_by.as_deref(), Some("canbo-xa"));
    let checks = storage::acceptance::checks(db, &d.id).await.expect("q");
    assert_eq!(checks.len(), 4);
    assert_eq!(checks.iter().filter(|c| !c.passed).count(), 1);
    let ncs = storage::acceptance::nonconformities(db, &d.id)
        .await
        .expect("q");
    assert_eq!(ncs.len(), 1);
    assert_eq!(
        (
            ncs[0].check_kind.as_deref(),
            ncs[0].quantity,
            ncs[0].value,
            ncs[0].action.as_str(),
            ncs[0].resolved
        ),
        (Some("quality"), 10, 1_700_000, "replace", false)
    );
    let line = storage::needs::get(db, &w.line)
        .await
        .expect("q")
        .expect("line");
    assert_eq!((line.delivered, line.accepted), (9_600_000, 7_900_000));
    // The outcome is an amendment leaf, not an edit of the distribution.
    assert_eq!(
        storage::ledger::size(db).await.expect("q"),
        ledger_before + 1
    );
    let outcomes = storage::acceptance::outcomes(db, &d.id).await.expect("q");
    let leaf = storage::ledger::entry_for(db, "amendment", &outcomes[0].id)
        .await
        .expect("q")
        .expect("amendment leaf");
    let leaf: serde_json::Value = serde_json::from_slice(&leaf.leaf).expect("json");
    assert_eq!(leaf["outcome"], "accepted_with_issues");
    assert_eq!(leaf["accepted"], 7_900_000);
    assert_eq!(leaf["open_issues"], 1);
    assert_eq!(leaf["ref"], d.id.as_str());
    // Replaced: the delivery is accepted and counts in full.
    assert_eq!(
        storage::acceptance::resolve(
            db,
            &ncs[0].id,
            " ",
            date(2026, 12, 9),
            &school(),
            Utc::now()
        )
        .await
        .expect("q"),
        Err(DeliveryRefusal::NoteRequired)
    );
    let after = storage::acceptance::resolve(
        db,
        &ncs[0].id,
        "Đã đổi 10 áo cỡ S ngày 09/12",
        date(2026, 12, 9),
        &school(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("resolved");
    assert_eq!(after.status, "accepted");
    assert_eq!(
        storage::acceptance::resolve(
            db,
            &ncs[0].id,
            "lần nữa",
            date(2026, 12, 9),
            &school(),
            Utc::now()
        )
        .await
        .expect("q"),
        Err(DeliveryRefusal::AlreadyResolved)
    );
    let line = storage::needs::get(db, &w.line)
        .await
        .expect("q")
        .expect("line");
    assert_eq!((line.delivered, line.accepted), (9_600_000, 9_600_000));
    assert_eq!(
        storage::acceptance::outcomes(db, &d.id)
            .await
            .expect("q")
            .len(),
        2
    );
    assert_eq!(
        storage::ledger::size(db).await.expect("q"),
        ledger_before + 2
    );
    storage::ledger::verify(db)
        .await
        .expect("q")
        .expect("the ledger verifies");
}

#[tokio::test]
async fn delivered_and_accepted_axes_are_computed_per_line_and_children_counted_once() {
    let w = world().await;
    let db = &w.db;
    receive(db, 8_000_000).await; // 20.000.000 ₫ received and allocated
    let mk = |d: NewDelivery| async move {
        storage::deliveries::create(db, &d, &giver(), Utc::now())
            .await
            .expect("q")
            .expect("recorded")
    };
    let mut a = goods(&w.line, 20, 20, true); // 6.400.000, accepted
    a.children_served = 60;
    let a = mk(a).await;
    let mut b = money(&w.line, 3_000_000, true); // accepted with a discount
    b.children_served = 60;
    let b = mk(b).await;
    let c = mk(money(&w.line, 2_000_000, true)).await; // handed over, not yet accepted
    let _planned = mk(money(&w.line, 1_000_000, false)).await; // not delivered
    let pass = Acceptance {
        decided_on: date(2026, 12, 2),
        decision: Decision::Accept,
        answers: all_pass(&WARM_GOODS),
    };
    sign_both(db, &a.id, &pass).await;
    let discount = Acceptance {
        decided_on: date(2026, 12, 2),
        decision: Decision::Accept,
        answers: vec![
            CheckAnswer {
                kind: CheckKind::Quantity,
                passed: false,
                note: "Phí chuyển khoản trừ vào số tiền".into(),
                quantity: 0,
                value: 22_000,
                action: NcAction::Discount,
                resolved: true,
            },
            CheckAnswer {
                kind: CheckKind::Documents,
                passed: true,
                note: String::new(),
                quantity: 0,
                value: 0,
                action: NcAction::Replace,
                resolved: false,
            },
        ],
    };
    let b = sign_both(db, &b.id, &discount).await;
    assert_eq!(
        b.status, "accepted",
        "resolved on the spot: nothing left open"
    );
    let line = storage::needs::get(db, &w.line)
        .await
        .expect("q")
        .expect("line");
    assert_eq!(line.delivered, 6_400_000 + 3_000_000 + 2_000_000);
    assert_eq!(line.accepted, 6_400_000 + 3_000_000 - 22_000);
    assert_eq!(
        line.children_served, 100,
        "60 + 60 + 10 children served, at most the line's 100"
    );
    let cov = line.coverage();
    assert_eq!(
        (cov.delivered, cov.accepted),
        (line.delivered, line.accepted)
    );
    let listed = storage::needs::list(
        db,
        &domain::authz::Visibility::All,
        &storage::needs::NeedFilter::default(),
    )
    .await
    .expect("q");
    assert_eq!(listed[0].delivered, line.delivered);
    assert_eq!(listed[0].accepted, line.accepted);
    let deliveries = storage::deliveries::for_line(db, &w.line).await.expect("q");
    assert_eq!(deliveries.len(), 4);
    assert!(deliveries.iter().any(|d| d.id == c.id));
}

#[tokio::test]
async fn a_handover_appends_a_distribution_leaf_in_its_transaction_and_never_a_name() {
    let w = world().await;
    let db = &w.db;
    let before = storage::ledger::size(db).await.expect("q");
    let planned =
        storage::deliveries::create(db, &goods(&w.line, 10, 10, false), &giver(), Utc::now())
            .await
            .expect("q")
            .expect("planned");
    assert_eq!(
        storage::ledger::size(db).await.expect("q"),
        before,
        "a plan is not a distribution"
    );
    assert!(
        storage::ledger::entry_for(db, "distribution", &planned.id)
            .await
            .expect("q")
            .is_none()
    );
    let d = storage::deliveries::create(db, &goods(&w.line, 20, 20, true), &giver(), Utc::now())
        .await
        .expect("q")
        .expect("handed over");
    assert_eq!(storage::ledger::size(db).await.expect("q"), before + 1);
    let entry = storage::ledger::entry_for(db, "distribution", &d.id)
        .await
        .expect("q")
        .expect("the delivery has its leaf");
    let text = String::from_utf8(entry.leaf.clone()).expect("utf8");
    for name in ["Trần Văn Bình", "Hồ Thị Lan", "Hiệu trưởng", "Phó Giám đốc"] {
        assert!(!text.contains(name), "no person in the leaf: {text}");
    }
    let leaf: serde_json::Value = serde_json::from_slice(&entry.leaf).expect("json");
    assert_eq!(leaf["kind"], "distribution");
    assert_eq!(leaf["value"], 6_400_000);
    assert_eq!(leaf["children"], 20);
    assert_eq!(leaf["site"], "th-hong-kim");
    assert_eq!(leaf["unit"], "20056");
    assert_eq!(leaf["giver"], "quy-btte");
    assert_eq!(leaf["category"], "warm_clothing");
    assert_eq!(leaf["need"], w.line.as_str());
    assert_eq!(leaf["at"], "2026-12-01");
    assert_eq!(leaf["minutes"], "2026/00001");
    // A refused handover appends nothing.
    assert!(
        storage::deliveries::create(db, &money(&w.line, 50_000_000, true), &giver(), Utc::now())
            .await
            .expect("q")
            .is_err()
    );
    assert_eq!(storage::ledger::size(db).await.expect("q"), before + 1);
    let (g, r) = reps();
    storage::deliveries::hand_over(
        db,
        &planned.id,
        &Handover {
            on: date(2026, 12, 5),
            place: String::new(),
            giver_rep: g,
            receiver_rep: r,
        },
        &giver(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("handed over");
    let e = storage::ledger::entry_for(db, "distribution", &planned.id)
        .await
        .expect("q")
        .expect("the handover appended its leaf");
    assert_eq!(e.idx, before + 1);
    storage::ledger::verify(db)
        .await
        .expect("q")
        .expect("the ledger verifies");
}

#[tokio::test]
async fn verify_names_a_delivery_whose_value_was_changed_in_sql() {
    let w = world().await;
    let db = &w.db;
    let d = storage::deliveries::create(db, &goods(&w.line, 20, 20, true), &giver(), Utc::now())
        .await
        .expect("q")
        .expect("handed over");
    let pass = Acceptance {
        decided_on: date(2026, 12, 2),
        decision: Decision::Accept,
        answers: all_pass(&WARM_GOODS),
    };
    sign_both(db, &d.id, &pass).await;
    let entry = storage::ledger::entry_for(db, "distribution", &d.id)
        .await
        .expect("q")
        .expect("leaf");
    let report = storage::ledger::verify(db)
        .await
        .expect("q")
        .expect("the untouched ledger verifies");
    assert_eq!(
        report.entries, 4,
        "allocation, receipt, distribution, amendment"
    );

    // Someone inflates the delivery's value directly in SQL.
    storage::testing::execute(
        db,
        &format!(
            "UPDATE deliveries SET value = 64000000 WHERE id = '{}'",
            d.id
        ),
    )
    .await
    .expect("tamper");
    match storage::ledger::verify(db).await.expect("q") {
        Err(VerifyProblem::Mismatch {
            idx,
            kind,
            ref_id,
            field,
        }) => {
            assert_eq!(
                (idx, kind.as_str(), ref_id.as_str(), field.as_str()),
                (entry.idx, "distribution", d.id.as_str(), "value")
            );
        }
        other => panic!("expected the distribution to be named, got {other:?}"),
    }
    storage::testing::execute(
        db,
        &format!(
            "UPDATE deliveries SET value = 6400000 WHERE id = '{}'",
            d.id
        ),
    )
    .await
    .expect("undo");
    // The children served are in the leaf too.
    storage::testing::execute(
        db,
        &format!(
            "UPDATE deliveries SET children_served = 90 WHERE id = '{}'",
            d.id
        ),
    )
    .await
    .expect("tamper");
    match storage::ledger::verify(db).await.expect("q") {
        Err(VerifyProblem::Mismatch { kind, field, .. }) => {
            assert_eq!(
                (kind.as_str(), field.as_str()),
                ("distribution", "children")
            );
        }
        other => panic!("expected the children count to be named, got {other:?}"),
    }
    storage::testing::execute(
        db,
        &format!(
            "UPDATE deliveries SET children_served = 20 WHERE id = '{}'",
            d.id
        ),
    )
    .await
    .expect("undo");
    // …and an edited acceptance outcome is named as its amendment.
    storage::testing::execute(
        db,
        &format!(
            "UPDATE delivery_outcomes SET accepted_value = 1 WHERE delivery_id = '{}'",
            d.id
        ),
    )
    .await
    .expect("tamper");
    match storage::ledger::verify(db).await.expect("q") {
        Err(VerifyProblem::Mismatch { kind, field, .. }) => {
            assert_eq!((kind.as_str(), field.as_str()), ("amendment", "accepted"));
        }
        other => panic!("expected the amendment to be named, got {other:?}"),
    }
    storage::testing::execute(
        db,
        &format!(
            "UPDATE delivery_outcomes SET accepted_value = 6400000 WHERE delivery_id = '{}'",
            d.id
        ),
    )
    .await
    .expect("undo");
    storage::ledger::verify(db)
        .await
        .expect("q")
        .expect("restored");
    // A handed-over delivery turned back into a plan leaves its leaf
    // without the row it records.
    storage::testing::execute(
        db,
        &format!(
            "UPDATE deliveries SET status = 'planned', handed_over_on = NULL WHERE id = '{}'",
            d.id
        ),
    )
    .await
    .expect("tamper");
    match storage::ledger::verify(db).await.expect("q") {
        Err(VerifyProblem::Orphan { kind, ref_id, .. }) => {
            assert_eq!(
                (kind.as_str(), ref_id.as_str()),
                ("distribution", d.id.as_str())
            );
        }
        other => panic!("expected an orphaned distribution, got {other:?}"),
    }
}

#[tokio::test]
async fn two_officers_handing_over_at_the_same_moment_cannot_hand_over_the_same_money_twice() {
    let w = world().await;
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let db = w.db.clone();
        let d = money(&w.line, 5_000_000, true);
        tasks.push(tokio::spawn(async move {
            storage::deliveries::create(&db, &d, &giver(), Utc::now()).await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.expect("join").expect("no database error") {
            Ok(_) => ok += 1,
            Err(DeliveryRefusal::BeyondReceived { .. }) => {}
            Err(other) => panic!("unexpected refusal {other:?}"),
        }
    }
    assert_eq!(ok, 2, "12.000.000 ₫ received: two of 5.000.000 ₫, not more");
    let line = storage::needs::get(&w.db, &w.line)
        .await
        .expect("q")
        .expect("line");
    assert_eq!(line.delivered, 10_000_000);
    let minutes: Vec<Option<String>> = storage::deliveries::for_line(&w.db, &w.line)
        .await
        .expect("q")
        .into_iter()
        .map(|d| d.minutes_no)
        .collect();
    assert!(minutes.contains(&Some("2026/00001".into())));
    assert!(minutes.contains(&Some("2026/00002".into())));
}

// ---- Goods in store: receipts with item lines, stock moved by events ----

/// A committed goods pledge of the same donor, a store of the fund, and a
/// goods receipt of 40 blankets and 40 jackets into it (12.800.000 ₫).
async fn store_with_goods(db: &Db) -> (storage::stock::Store, storage::receipts::Receipt) {
    let now = Utc::now();
    storage::donors::create_pledge(
        db,
        &storage::donors::Pledge {
            id: "p-goods".into(),
            donor_id: "d1".into(),
            kind: "goods".into(),
            amount: 20_000_000,
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
    .expect("goods pledge");
    let store = storage::stock::create_store(
        db,
        &storage::stock::NewStore {
            org_id: "quy-btte".into(),
            name: "Kho Quỹ BTTE — 12 Lê Lợi".into(),
            address: "12 Lê Lợi, Huế".into(),
            is_demo: false,
        },
        &giver(),
        now,
    )
    .await
    .expect("q")
    .expect("store");
    assert_eq!(store.unit_code, "46", "a city-wide owner: the province");
    let receipt = storage::stock::receive_goods(
        db,
        &goods_receipt(),
        &storage::stock::GoodsIn {
            store_id: store.id.clone(),
            lines: vec![
                line_of("Chăn ấm", 40, 150_000),
                line_of("Áo ấm", 40, 170_000),
            ],
        },
        &giver(),
        now,
    )
    .await
    .expect("q")
    .expect("goods received");
    (store, receipt)
}

fn goods_receipt() -> storage::receipts::NewReceipt {
    storage::receipts::NewReceipt {
        pledge_id: "p-goods".into(),
        kind: "goods".into(),
        amount: 0,
        method: "goods".into(),
        account: String::new(),
        receiver_id: "quy-btte".into(),
        received_on: date(2026, 11, 25),
        is_demo: false,
    }
}

fn line_of(name: &str, quantity: i64, unit_value: i64) -> domain::needs::stock::GoodsLine {
    domain::needs::stock::GoodsLine {
        name: name.into(),
        unit: "cái".into(),
        quantity,
        unit_value,
    }
}

async fn stock_of(db: &Db, store: &str) -> Vec<(String, i64)> {
    storage::stock::levels(db, store)
        .await
        .expect("q")
        .into_iter()
        .map(|l| (l.item, l.quantity))
        .collect()
}

#[tokio::test]
async fn a_goods_receipt_carries_its_lines_into_a_store_and_is_valued_from_them() {
    let w = world().await;
    let db = &w.db;
    let ledger_before = storage::ledger::size(db).await.expect("q");
    let (store, receipt) = store_with_goods(db).await;
    assert_eq!(receipt.kind, "goods");
    assert_eq!(receipt.amount, 12_800_000, "Σ quantity × unit value");
    assert_eq!(receipt.account, store.name, "the store names where it is");
    let items = storage::stock::receipt_items(db, &receipt.id)
        .await
        .expect("q");
    assert_eq!(
        items
            .iter()
            .map(|i| (i.name.as_str(), i.quantity, i.value))
            .collect::<Vec<_>>(),
        vec![("Chăn ấm", 40, 6_000_000), ("Áo ấm", 40, 6_800_000)]
    );
    assert_eq!(
        storage::stock::receipt_store(db, &receipt.id)
            .await
            .expect("q")
            .map(|s| s.id),
        Some(store.id.clone())
    );
    assert_eq!(
        stock_of(db, &store.id).await,
        vec![("Chăn ấm".into(), 40), ("Áo ấm".into(), 40)]
    );
    let events = storage::stock::events(db, &store.id).await.expect("q");
    assert_eq!(events.len(), 2);
    assert!(
        events
            .iter()
            .all(|e| e.kind == "in" && e.receipt_id.as_deref() == Some(receipt.id.as_str()))
    );
    // The receipt leaf, in the same transaction.
    assert_eq!(
        storage::ledger::size(db).await.expect("q"),
        ledger_before + 1
    );
    // A bad line, or beyond the commitment: nothing at all is written.
    for (lines, what) in [
        (vec![line_of("Chăn ấm", 0, 150_000)], "zero quantity"),
        (vec![line_of("Chăn ấm", -2, 150_000)], "negative quantity"),
        (vec![line_of(" ", 2, 150_000)], "no item"),
        (
            vec![line_of("Chăn ấm", 100, 150_000)],
            "beyond the commitment",
        ),
    ] {
        let r = storage::stock::receive_goods(
            db,
            &goods_receipt(),
            &storage::stock::GoodsIn {
                store_id: store.id.clone(),
                lines,
            },
            &giver(),
            Utc::now(),
        )
        .await
        .expect("q");
        assert!(r.is_err(), "{what}: {r:?}");
    }
    assert_eq!(count(db, "receipt_items").await, 2);
    assert_eq!(count(db, "stock_events").await, 2);
    assert_eq!(
        storage::ledger::size(db).await.expect("q"),
        ledger_before + 1
    );
    storage::ledger::verify(db)
        .await
        .expect("q")
        .expect("the ledger verifies");
}

#[tokio::test]
async fn adjustments_need_a_reason_and_a_count_records_the_difference() {
    let w = world().await;
    let db = &w.db;
    let (store, _) = store_with_goods(db).await;
    let adj = |item: &str, change: i64, reason: &str| storage::stock::Adjustment {
        item: item.into(),
        unit: "cái".into(),
        change,
        reason: reason.into(),
        on: date(2026, 11, 30),
    };
    use domain::needs::stock::StockError;
    use storage::stock::StockRefusal;
    assert_eq!(
        storage::stock::adjust(db, &store.id, &adj("Áo ấm", -2, " "), &giver(), Utc::now())
            .await
            .expect("q"),
        Err(StockRefusal::Rules(StockError::Reason))
    );
    assert_eq!(
        storage::stock::adjust(
            db,
            &store.id,
            &adj("Áo ấm", -41, "mất"),
            &giver(),
            Utc::now()
        )
        .await
        .expect("q"),
        Err(StockRefusal::Rules(StockError::Beyond {
            item: "Áo ấm".into(),
            available: 40
        })),
        "stock never goes below zero"
    );
    let e = storage::stock::adjust(
        db,
        &store.id,
        &adj("Áo ấm", -2, "Hai áo bị ẩm mốc, hủy"),
        &giver(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("adjusted");
    assert_eq!((e.kind.as_str(), e.quantity, e.seq), ("adjustment", -2, 3));
    // A stocktake finds 35 blankets of 40 and 38 jackets as the events say;
    // an item never received is found too. Nothing else is zeroed.
    let counted = |item: &str, n: i64| storage::stock::Counted {
        item: item.into(),
        unit: "cái".into(),
        counted: n,
    };
    let events = storage::stock::count(
        db,
        &store.id,
        &[
            counted("Chăn ấm", 35),
            counted("Áo ấm", 38),
            counted("Mũ len", 3),
        ],
        date(2026, 12, 1),
        "Kiểm kê cuối tháng",
        &giver(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("counted");
    assert_eq!(
        events
            .iter()
            .map(|e| (e.item.as_str(), e.quantity, e.counted))
            .collect::<Vec<_>>(),
        vec![
            ("Chăn ấm", -5, Some(35)),
            ("Áo ấm", 0, Some(38)),
            ("Mũ len", 3, Some(3))
        ]
    );
    assert!(events.iter().all(|e| e.kind == "count"));
    assert_eq!(
        stock_of(db, &store.id).await,
        vec![
            ("Chăn ấm".into(), 35),
            ("Mũ len".into(), 3),
            ("Áo ấm".into(), 38)
        ]
    );
    // A count below zero is refused and writes nothing.
    assert_eq!(
        storage::stock::count(
            db,
            &store.id,
            &[counted("Chăn ấm", 30), counted("Áo ấm", -1)],
            date(2026, 12, 1),
            "",
            &giver(),
            Utc::now(),
        )
        .await
        .expect("q"),
        Err(StockRefusal::Rules(StockError::Quantity))
    );
    assert_eq!(count(db, "stock_events").await, 6);
}

#[tokio::test]
async fn goods_leave_a_store_only_by_a_handover_and_never_beyond_its_stock() {
    let w = world().await;
    let db = &w.db;
    let (store, _) = store_with_goods(db).await;
    use domain::needs::stock::StockError;
    // 50 jackets: the store holds 40 — refused, with the item and what is
    // left, and nothing is written (no delivery, no event, no leaf).
    let ledger = storage::ledger::size(db).await.expect("q");
    let deliveries = count(db, "deliveries").await;
    assert_eq!(
        storage::deliveries::create_from_store(
            db,
            &goods(&w.line, 0, 50, true),
            &store.id,
            &giver(),
            Utc::now()
        )
        .await
        .expect("q"),
        Err(DeliveryRefusal::Stock(StockError::Beyond {
            item: "Áo ấm".into(),
            available: 40
        }))
    );
    assert_eq!(count(db, "deliveries").await, deliveries);
    assert_eq!(count(db, "stock_events").await, 2);
    assert_eq!(storage::ledger::size(db).await.expect("q"), ledger);
    // 30 of each, handed over at once: the out events carry the delivery.
    let d = storage::deliveries::create_from_store(
        db,
        &goods(&w.line, 30, 30, true),
        &store.id,
        &giver(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("handed over from the store");
    assert_eq!(
        stock_of(db, &store.id).await,
        vec![("Chăn ấm".into(), 10), ("Áo ấm".into(), 10)]
    );
    let outs: Vec<_> = storage::stock::events(db, &store.id)
        .await
        .expect("q")
        .into_iter()
        .filter(|e| e.kind == "out")
        .collect();
    assert_eq!(outs.len(), 2);
    assert!(
        outs.iter()
            .all(|e| e.delivery_id.as_deref() == Some(d.id.as_str()) && e.quantity == -30)
    );
    assert_eq!(
        storage::stock::delivery_store(db, &d.id)
            .await
            .expect("q")
            .map(|s| s.id),
        Some(store.id.clone())
    );
    // Planned from the store: nothing moves until the handover, which is
    // refused while the store lacks the goods.
    receive(db, 8_000_000).await;
    let planned = storage::deliveries::create_from_store(
        db,
        &goods(&w.line, 20, 0, false),
        &store.id,
        &giver(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("planned");
    assert_eq!(count(db, "stock_events").await, 4);
    let (g, r) = reps();
    let h = Handover {
        on: date(2026, 12, 5),
        place: String::new(),
        giver_rep: g,
        receiver_rep: r,
    };
    assert_eq!(
        storage::deliveries::hand_over(db, &planned.id, &h, &giver(), Utc::now())
            .await
            .expect("q"),
        Err(DeliveryRefusal::Stock(StockError::Beyond {
            item: "Chăn ấm".into(),
            available: 10
        }))
    );
    let still: storage::deliveries::Delivery = storage::deliveries::get(db, &planned.id)
        .await
        .expect("q")
        .expect("delivery");
    assert_eq!(still.status, "planned", "the refused handover left nothing");
    storage::stock::adjust(
        db,
        &store.id,
        &storage::stock::Adjustment {
            item: "Chăn ấm".into(),
            unit: "cái".into(),
            change: 10,
            reason: "Tìm thấy 10 chăn trong kho phụ".into(),
            on: date(2026, 12, 4),
        },
        &giver(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("found");
    let handed = storage::deliveries::hand_over(db, &planned.id, &h, &giver(), Utc::now())
        .await
        .expect("q")
        .expect("handed over");
    assert_eq!(handed.status, "handed_over");
    assert_eq!(
        stock_of(db, &store.id).await,
        vec![("Chăn ấm".into(), 0), ("Áo ấm".into(), 10)]
    );
    // Money is never taken from a store.
    assert_eq!(
        storage::deliveries::create_from_store(
            db,
            &money(&w.line, 100_000, true),
            &store.id,
            &giver(),
            Utc::now()
        )
        .await
        .expect("q"),
        Err(DeliveryRefusal::Invalid(DeliveryError::WrongForm))
    );
    storage::ledger::verify(db)
        .await
        .expect("q")
        .expect("the ledger verifies");
}

#[tokio::test]
async fn two_handovers_from_one_store_at_the_same_moment_never_take_more_than_it_holds() {
    let w = world().await;
    let (store, _) = store_with_goods(&w.db).await;
    receive(&w.db, 8_000_000).await; // 20.000.000 ₫ received: money is not the limit
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let db = w.db.clone();
        let d = goods(&w.line, 15, 0, true); // 15 blankets of 40 each
        let store = store.id.clone();
        tasks.push(tokio::spawn(async move {
            storage::deliveries::create_from_store(&db, &d, &store, &giver(), Utc::now()).await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.expect("join").expect("no database error") {
            Ok(_) => ok += 1,
            Err(DeliveryRefusal::Stock(domain::needs::stock::StockError::Beyond { .. })) => {}
            Err(other) => panic!("unexpected refusal {other:?}"),
        }
    }
    assert_eq!(ok, 2, "40 blankets: two handovers of 15, not three");
    assert_eq!(
        stock_of(&w.db, &store.id).await,
        vec![("Chăn ấm".into(), 10), ("Áo ấm".into(), 40)]
    );
    let seqs: Vec<i64> = storage::stock::events(&w.db, &store.id)
        .await
        .expect("q")
        .into_iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(seqs, vec![4, 3, 2, 1], "one order per store, no gaps");
}

#[tokio::test]
async fn a_rejected_delivery_puts_its_goods_back_into_the_store() {
    let w = world().await;
    let db = &w.db;
    let (store, _) = store_with_goods(db).await;
    let reject = |on: NaiveDate| Acceptance {
        decided_on: on,
        decision: Decision::Reject,
        answers: all_pass(&WARM_GOODS),
    };
    // The school rejects at once.
    let d = storage::deliveries::create_from_store(
        db,
        &goods(&w.line, 10, 10, true),
        &store.id,
        &giver(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("handed over");
    assert_eq!(
        stock_of(db, &store.id).await,
        vec![("Chăn ấm".into(), 30), ("Áo ấm".into(), 30)]
    );
    let r =
        storage::acceptance::record(db, &d.id, &reject(date(2026, 12, 2)), &school(), Utc::now())
            .await
            .expect("q")
            .expect("rejected");
    assert_eq!(r.status, "rejected");
    assert_eq!(
        stock_of(db, &store.id).await,
        vec![("Chăn ấm".into(), 40), ("Áo ấm".into(), 40)]
    );
    let back: Vec<_> = storage::stock::events(db, &store.id)
        .await
        .expect("q")
        .into_iter()
        .filter(|e| e.kind == "in" && e.delivery_id.as_deref() == Some(d.id.as_str()))
        .collect();
    assert_eq!(
        back.len(),
        2,
        "one in event per item, carrying the delivery"
    );
    // The school signs, the commune rejects: back again.
    let d2 = storage::deliveries::create_from_store(
        db,
        &goods(&w.line, 5, 0, true),
        &store.id,
        &giver(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("handed over");
    let pass = Acceptance {
        decided_on: date(2026, 12, 3),
        decision: Decision::Accept,
        answers: all_pass(&WARM_GOODS),
    };
    storage::acceptance::record(db, &d2.id, &pass, &school(), Utc::now())
        .await
        .expect("q")
        .expect("signed by the school");
    assert_eq!(stock_of(db, &store.id).await[0], ("Chăn ấm".into(), 35));
    let rejected = storage::acceptance::cosign(
        db,
        &d2.id,
        &Cosignature {
            decided_on: date(2026, 12, 4),
            decision: Decision::Reject,
        },
        &commune(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("rejected by the commune");
    assert_eq!(rejected.status, "rejected");
    assert_eq!(
        stock_of(db, &store.id).await,
        vec![("Chăn ấm".into(), 40), ("Áo ấm".into(), 40)]
    );
    storage::ledger::verify(db)
        .await
        .expect("q")
        .expect("the ledger verifies");
}

/// The report's figures from the summaries of migration 0014 equal the live
/// computation over the deliveries and receipts, after deliveries recorded,
/// handed over, accepted and rejected and receipts on two days; and the
/// consistency check names a summary that a change in SQL left behind.
#[tokio::test]
async fn report_summaries_give_the_same_figures_as_the_rows() {
    use storage::report_data::{self, Period, UnitFilter};
    let w = world().await;
    let db = &w.db;
    receive(db, 3_000_000).await;
    storage::receipts::create(
        db,
        &storage::receipts::NewReceipt {
            pledge_id: "p1".into(),
            kind: "money".into(),
            amount: 1_500_000,
            method: "bank".into(),
            account: "0071000123456".into(),
            receiver_id: "quy-btte".into(),
            received_on: date(2027, 1, 5),
            is_demo: false,
        },
        &giver(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("received in January");
    // Handed over at once, then accepted by both sides.
    let accepted =
        storage::deliveries::create(db, &goods(&w.line, 10, 10, true), &giver(), Utc::now())
            .await
            .expect("q")
            .expect("handed over");
    let accept = Acceptance {
        decided_on: date(2026, 12, 2),
        decision: Decision::Accept,
        answers: all_pass(&WARM_GOODS),
    };
    sign_both(db, &accepted.id, &accept).await;
    // Planned, then handed over, then rejected.
    let planned =
        storage::deliveries::create(db, &goods(&w.line, 5, 5, false), &giver(), Utc::now())
            .await
            .expect("q")
            .expect("planned");
    let (g, r) = reps();
    storage::deliveries::hand_over(
        db,
        &planned.id,
        &Handover {
            on: date(2026, 12, 20),
            place: String::new(),
            giver_rep: g,
            receiver_rep: r,
        },
        &giver(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("handed over");
    let mut answers = all_pass(&WARM_GOODS);
    answers[0].passed = false;
    answers[0].note = "Thiếu 2 chăn".into();
    answers[0].action = NcAction::Return;
    let reject = Acceptance {
        decided_on: date(2026, 12, 21),
        decision: Decision::Reject,
        answers,
    };
    let rejected = storage::acceptance::record(db, &planned.id, &reject, &school(), Utc::now())
        .await
        .expect("q")
        .expect("rejected");
    assert_eq!(rejected.status, "rejected");
    // Handed over and left waiting for the school; one only planned.
    storage::deliveries::create(db, &goods(&w.line, 4, 4, true), &giver(), Utc::now())
        .await
        .expect("q")
        .expect("handed over");
    storage::deliveries::create(db, &goods(&w.line, 3, 3, false), &giver(), Utc::now())
        .await
        .expect("q")
        .expect("planned");

    let p2 = fund_two_lines_in_order(db, &w.line).await;

    assert_eq!(storage::summaries::check(db).await.expect("check"), vec![]);
    let year = Period::year(2026).expect("year");
    assert!(report_data::line_groups_summary_query(&UnitFilter::All, &year).is_some());
    assert!(report_data::line_groups_line_summary_query(&UnitFilter::All, &year).is_some());
    // An allocation made in 2027 is after the 2026 report's cut-off: that
    // report cannot read the per-line summaries (which count it).
    assert!(
        report_data::allocations_after_cut_off(db, &year)
            .await
            .expect("q")
    );
    // Receipts to the end of a year, every allocation (the cut-off of a
    // report drawn up later): the per-line summaries answer.
    let later =
        |y: i32| Period::new(date(y, 1, 1), date(y, 12, 31), date(2099, 12, 31)).expect("period");
    let mut on_line_summaries = 0;
    for p in [later(2026), later(2027)] {
        assert!(
            !report_data::allocations_after_cut_off(db, &p)
                .await
                .expect("q")
        );
        for f in [
            UnitFilter::All,
            UnitFilter::Codes(vec!["20056".into()]),
            UnitFilter::Province("01".into()),
        ] {
            let q = report_data::line_groups_line_summary_query(&f, &p).expect("a year");
            assert_eq!(
                report_data::line_groups_of(db, &q).await.expect("q"),
                report_data::line_groups_live(db, &f, &p).await.expect("q"),
                "{f:?} {p:?}"
            );
            on_line_summaries += 1;
        }
    }
    assert_eq!(on_line_summaries, 6);
    // What the lines received, by year: p1's 15,000,000 in 2026 and
    // 1,500,000 in 2027 on the first line; p2's 2026 receipt fills its
    // allocation on the first line only (the one before it was reversed),
    // 2027 fills both.
    let received = |groups: &[report_data::LineGroup]| {
        groups
            .iter()
            .map(|g| (g.category.clone(), g.committed, g.received))
            .collect::<Vec<_>>()
    };
    let g2026 = report_data::line_groups(db, &UnitFilter::All, &later(2026))
        .await
        .expect("q");
    assert_eq!(
        received(&g2026),
        vec![
            ("nutrition".to_owned(), 1_000_000, 0),
            ("warm_clothing".to_owned(), 23_000_000, 17_500_000),
        ]
    );
    let g2027 = report_data::line_groups(db, &UnitFilter::All, &later(2027))
        .await
        .expect("q");
    // No line of 2027: the lines' period starts in 2026.
    assert!(g2027.is_empty());
    let both =
        Period::new(date(2026, 1, 1), date(2027, 12, 31), date(2099, 12, 31)).expect("period");
    assert_eq!(
        received(
            &report_data::line_groups(db, &UnitFilter::All, &both)
                .await
                .expect("q")
        ),
        vec![
            ("nutrition".to_owned(), 1_000_000, 1_000_000),
            ("warm_clothing".to_owned(), 23_000_000, 19_500_000),
        ]
    );
    let sql = format!(
        "SELECT year, committed, received FROM report_line_received WHERE pledge_id = '{p2}' \
         ORDER BY CASE WHEN need_line_id = '{}' THEN 1 ELSE 0 END, year",
        w.line
    );
    let rows: Vec<(i64, i64, i64)> = match db {
        Db::Sqlite(p) => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(p)
            .await
            .expect("q"),
        Db::Postgres(p) => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(p)
            .await
            .expect("q"),
    };
    assert_eq!(
        rows,
        vec![
            (0, 1_000_000, 0),
            (2027, 0, 1_000_000),
            (0, 3_000_000, 0),
            (2026, 0, 2_500_000),
            (2027, 0, 500_000),
        ],
        "per line: committed in year 0, what each year's receipts added"
    );
    assert!(report_data::sources_summary_query(&UnitFilter::All, &year, &[]).is_some());
    let periods = [
        year,
        Period::year(2027).expect("year"),
        later(2026),
        both,
        // A cut-off inside the year (live) and a period of whole months.
        Period::new(date(2026, 1, 1), date(2026, 12, 31), date(2026, 12, 10)).expect("period"),
        Period::new(date(2026, 11, 1), date(2027, 1, 31), date(2027, 1, 31)).expect("period"),
    ];
    let filters = [
        UnitFilter::All,
        UnitFilter::Province(storage::admin_units::PROVINCE.into()),
        UnitFilter::Province("01".into()),
        UnitFilter::Codes(vec!["20056".into()]),
    ];
    let mut delivered = 0;
    for p in &periods {
        for f in &filters {
            let groups = report_data::line_groups(db, f, p).await.expect("q");
            assert_eq!(
                groups,
                report_data::line_groups_live(db, f, p).await.expect("q"),
                "{f:?} {p:?}"
            );
            delivered += groups.iter().map(|g| g.delivered).sum::<i64>();
            assert_eq!(
                report_data::sources(db, f, p).await.expect("q"),
                report_data::sources_live(db, f, p).await.expect("q"),
                "{f:?} {p:?}"
            );
            assert_eq!(
                report_data::months(db, f, p).await.expect("q"),
                report_data::months_live(db, f, p).await.expect("q"),
                "{f:?} {p:?}"
            );
        }
    }
    assert!(delivered > 0, "the deliveries are counted");
    let groups = report_data::line_groups(db, &UnitFilter::All, &year)
        .await
        .expect("q");
    assert_eq!(
        groups.iter().map(|g| g.delivered).sum::<i64>(),
        (10 + 4) * 320_000,
        "accepted and waiting count, rejected and planned do not"
    );
    // A change in SQL behind the writers' back is named; a rebuild mends it.
    storage::testing::execute(
        db,
        &format!(
            "UPDATE deliveries SET value = value + 1 WHERE id = '{}'",
            accepted.id
        ),
    )
    .await
    .expect("tamper");
    let drift = storage::summaries::check(db).await.expect("check");
    assert_eq!(
        drift.iter().map(|d| d.table).collect::<Vec<_>>(),
        vec!["report_line_delivered", "report_money_out"]
    );
    storage::summaries::rebuild(db).await.expect("rebuild");
    assert_eq!(storage::summaries::check(db).await.expect("check"), vec![]);
    // So is an allocation changed behind their back.
    storage::testing::execute(
        db,
        &format!("UPDATE allocations SET amount = amount - 1 WHERE pledge_id = '{p2}'"),
    )
    .await
    .expect("tamper");
    let drift = storage::summaries::check(db).await.expect("check");
    assert_eq!(
        drift.iter().map(|d| d.table).collect::<Vec<_>>(),
        vec!["report_line_received"]
    );
    storage::summaries::rebuild(db).await.expect("rebuild");
    assert_eq!(storage::summaries::check(db).await.expect("check"), vec![]);
}

/// A second pledge funding two lines in order, with receipts on two years
/// and reversals, for [`report_summaries_give_the_same_figures_as_the_rows`]:
/// a nutrition line of 5,000,000 at the same school; pledge `p2` allocates
/// 2,000,000 to it (1 June 2026), 3,000,000 to `line` (2 June 2026) and
/// 1,000,000 to it again (1 February 2027); receives 2,500,000 on
/// 15 December 2026, 2,000,000 and 4,000,000 in 2027; then the first
/// allocation and the last receipt are reversed. Returns the pledge.
async fn fund_two_lines_in_order(db: &Db, line: &str) -> String {
    let at = |y: i32, m: u32, d: u32| date(y, m, d).and_hms_opt(3, 0, 0).expect("t").and_utc();
    let pkg = PackageVersion {
        code: "DD-01".into(),
        version: 0,
        name: "Gói dinh dưỡng tiểu học".into(),
        category: Category::Nutrition,
        age_band: AgeBand::PRIMARY,
        items: vec![PackageItem {
            name: "Sữa".into(),
            unit: "thùng".into(),
            quantity: 1,
            unit_value: 500_000,
        }],
    };
    let pkg = storage::catalogue::add_package_version(db, &pkg, false, &giver(), Utc::now())
        .await
        .expect("package");
    let second = storage::needs::create(
        db,
        &storage::needs::NewNeedLine {
            site_id: "th-hong-kim".into(),
            period_id: "dong-2026".into(),
            package_id: pkg.id.clone(),
            quantity: 10,
            note: String::new(),
            is_demo: false,
        },
        &giver(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("line");
    for (from, to) in [
        (NeedStatus::Assessed, NeedStatus::Verified),
        (NeedStatus::Verified, NeedStatus::Published),
    ] {
        assert!(
            storage::needs::set_status(db, &second, from, to, None, &giver(), Utc::now())
                .await
                .expect("q")
        );
    }
    storage::donors::create_pledge(
        db,
        &storage::donors::Pledge {
            id: "p2".into(),
            donor_id: "d1".into(),
            kind: "money".into(),
            amount: 10_000_000,
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
        Utc::now(),
    )
    .await
    .expect("pledge");
    let mut allocations = Vec::new();
    for (to, amount, when) in [
        (second.as_str(), 2_000_000, at(2026, 6, 1)),
        (line, 3_000_000, at(2026, 6, 2)),
        (second.as_str(), 1_000_000, at(2027, 2, 1)),
    ] {
        let (id, _) = allocate(
            db,
            &AllocationRequest {
                need_line_id: to.into(),
                pledge_id: "p2".into(),
                amount,
                override_reason: None,
                may_override: false,
                is_demo: false,
            },
            &giver(),
            when,
        )
        .await
        .expect("q")
        .expect("allocated");
        allocations.push(id);
    }
    let mut receipts = Vec::new();
    for (amount, on) in [
        (2_500_000, date(2026, 12, 15)),
        (2_000_000, date(2027, 2, 10)),
        (4_000_000, date(2027, 3, 1)),
    ] {
        let r = storage::receipts::create(
            db,
            &storage::receipts::NewReceipt {
                pledge_id: "p2".into(),
                kind: "money".into(),
                amount,
                method: "bank".into(),
                account: "0071000123456".into(),
                receiver_id: "quy-btte".into(),
                received_on: on,
                is_demo: false,
            },
            &giver(),
            Utc::now(),
        )
        .await
        .expect("q")
        .expect("received");
        receipts.push(r.id);
    }
    assert_eq!(storage::summaries::check(db).await.expect("check"), vec![]);
    use storage::reversals::ReversalKind;
    for (kind, id) in [
        (ReversalKind::Allocation, &allocations[0]),
        (ReversalKind::Receipt, &receipts[2]),
    ] {
        storage::reversals::reverse(db, kind, id, "Nhập nhầm", &giver(), Utc::now())
            .await
            .expect("q")
            .expect("reversed");
        assert_eq!(storage::summaries::check(db).await.expect("check"), vec![]);
    }
    "p2".to_owned()
}

#[tokio::test]
async fn goods_sent_back_for_a_non_conformity_go_back_into_the_store() {
    let w = world().await;
    let db = &w.db;
    let (store, _) = store_with_goods(db).await;
    let d = storage::deliveries::create_from_store(
        db,
        &goods(&w.line, 10, 10, true),
        &store.id,
        &giver(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("handed over");
    let mut answers = all_pass(&WARM_GOODS);
    answers[1] = CheckAnswer {
        kind: CheckKind::Quality,
        passed: false,
        note: "4 áo ấm bị rách đường may, gửi trả".into(),
        quantity: 4,
        value: 680_000,
        action: NcAction::Return,
        resolved: false,
    };
    let ask = |answers: Vec<CheckAnswer>| Acceptance {
        decided_on: date(2026, 12, 2),
        decision: Decision::Accept,
        answers,
    };
    let signed = sign_both(db, &d.id, &ask(answers)).await;
    assert_eq!(signed.status, "accepted_with_issues");
    assert_eq!(
        stock_of(db, &store.id).await,
        vec![("Chăn ấm".into(), 30), ("Áo ấm".into(), 30)],
        "nothing moves until the goods are sent back"
    );
    let ncs = storage::acceptance::nonconformities(db, &d.id)
        .await
        .expect("q");
    let resolved = storage::acceptance::resolve(
        db,
        &ncs[0].id,
        "Đã nhận lại 4 áo vào kho ngày 05/12",
        date(2026, 12, 5),
        &giver(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("resolved");
    assert_eq!(resolved.status, "accepted");
    // The four jackets the description names are back; the blankets stay out.
    assert_eq!(
        stock_of(db, &store.id).await,
        vec![("Chăn ấm".into(), 30), ("Áo ấm".into(), 34)]
    );
    let back: Vec<_> = storage::stock::events(db, &store.id)
        .await
        .expect("q")
        .into_iter()
        .filter(|e| e.kind == "in" && e.delivery_id.as_deref() == Some(d.id.as_str()))
        .collect();
    assert_eq!(back.len(), 1);
    assert_eq!(
        (back[0].item.as_str(), back[0].quantity, back[0].occurred_on),
        ("Áo ấm", 4, date(2026, 12, 5))
    );
    assert!(back[0].reason.contains("non-conformity"));

    // Sent back on the spot: the goods are back at the site's signature;
    // a later rejection puts back only what the delivery still holds.
    let d2 = storage::deliveries::create_from_store(
        db,
        &goods(&w.line, 0, 5, true),
        &store.id,
        &giver(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("handed over");
    let mut answers = all_pass(&WARM_GOODS);
    answers[0] = CheckAnswer {
        kind: CheckKind::Quantity,
        passed: false,
        note: "2 áo thừa so với danh sách, trả ngay".into(),
        quantity: 2,
        value: 340_000,
        action: NcAction::Return,
        resolved: true,
    };
    storage::acceptance::record(db, &d2.id, &ask(answers), &school(), Utc::now())
        .await
        .expect("q")
        .expect("signed by the school");
    assert_eq!(stock_of(db, &store.id).await[1], ("Áo ấm".into(), 31));
    storage::acceptance::cosign(
        db,
        &d2.id,
        &Cosignature {
            decided_on: date(2026, 12, 6),
            decision: Decision::Reject,
        },
        &commune(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("rejected by the commune");
    assert_eq!(
        stock_of(db, &store.id).await,
        vec![("Chăn ấm".into(), 30), ("Áo ấm".into(), 34)],
        "3 more back, not 5: never more than went out"
    );
    storage::ledger::verify(db)
        .await
        .expect("q")
        .expect("the ledger verifies");
}

#[tokio::test]
async fn one_item_spelled_two_ways_is_one_line_of_stock() {
    let w = world().await;
    let db = &w.db;
    let (store, _) = store_with_goods(db).await;
    // A second receipt writes the jackets in lower case, with stray spaces,
    // decomposed accents and the unit capitalised.
    storage::stock::receive_goods(
        db,
        &goods_receipt(),
        &storage::stock::GoodsIn {
            store_id: store.id.clone(),
            lines: vec![domain::needs::stock::GoodsLine {
                name: "  a\u{301}o   ấm ".into(),
                unit: "Cái".into(),
                quantity: 5,
                unit_value: 170_000,
            }],
        },
        &giver(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("goods received");
    assert_eq!(
        stock_of(db, &store.id).await,
        vec![("Chăn ấm".into(), 40), ("Áo ấm".into(), 45)]
    );
    let adjusted = storage::stock::adjust(
        db,
        &store.id,
        &storage::stock::Adjustment {
            item: "ÁO ẤM".into(),
            unit: "CÁI".into(),
            change: -45,
            reason: "Ẩm mốc, tiêu huỷ".into(),
            on: date(2026, 11, 30),
        },
        &giver(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("adjusted: the whole 45, not a new item at zero");
    assert_eq!(
        (adjusted.item.as_str(), adjusted.unit.as_str()),
        ("Áo ấm", "cái")
    );
    let counted = storage::stock::count(
        db,
        &store.id,
        &[storage::stock::Counted {
            item: "chăn ấm".into(),
            unit: "cái".into(),
            counted: 38,
        }],
        date(2026, 12, 1),
        "Kiểm kê cuối tháng",
        &giver(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("counted");
    assert_eq!(
        (counted[0].item.as_str(), counted[0].quantity),
        ("Chăn ấm", -2)
    );
    assert_eq!(
        stock_of(db, &store.id).await,
        vec![("Chăn ấm".into(), 38), ("Áo ấm".into(), 0)]
    );
}
