//! The need line in storage: catalogue, need lines, donors, pledges and the
//! overlap guard — on SQLite, and on PostgreSQL with `TEST_DATABASE_URL`.

use chrono::{NaiveDate, Utc};
use domain::needs::{AgeBand, Category, NeedStatus, OverlapDecision, PackageItem, PackageVersion};
use storage::Db;
use storage::allocations::{AllocationRefusal, AllocationRequest, allocate};
use storage::audit::AuditActor;
use storage::catalogue::Period;
use storage::donors::{Donor, Pledge};
use storage::needs::{NeedFilter, NewNeedLine};

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
    line: String,
    period: String,
    package: String,
}

/// A school in A Lưới 1, a winter, a warm-clothing package, and one
/// published line of 100 children × 320.000 ₫ = 32.000.000 ₫.
async fn world() -> World {
    let db = storage::testing::fresh_db().await.expect("db");
    let now = Utc::now();
    let school = storage::organisations::Organisation {
        id: "th-hong-kim".into(),
        name: "Trường Tiểu học Hồng Kim".into(),
        short_name: None,
        org_type: "school".into(),
        parent_id: None,
        unit_code: Some("20056".into()),
        valid_from: None,
        valid_to: None,
        successor_id: None,
        is_demo: false,
    };
    storage::organisations::create(&db, &school, &actor(), now)
        .await
        .expect("school");
    let period = Period {
        id: "dong-2026".into(),
        name: "Mùa đông 2026–2027".into(),
        starts_on: date(2026, 11, 1),
        ends_on: date(2027, 3, 1),
        is_demo: false,
    };
    storage::catalogue::create_period(&db, &period, &actor(), now)
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
    let pkg = storage::catalogue::add_package_version(&db, &pkg, false, &actor(), now)
        .await
        .expect("package");
    assert_eq!(pkg.version.version, 1);
    assert_eq!(pkg.unit_value, 320_000);
    let line = storage::needs::create(
        &db,
        &NewNeedLine {
            site_id: "th-hong-kim".into(),
            period_id: "dong-2026".into(),
            package_id: pkg.id.clone(),
            quantity: 100,
            note: "".into(),
            is_demo: false,
        },
        &actor(),
        now,
    )
    .await
    .expect("q")
    .expect("valid line");
    for (from, to) in [
        (NeedStatus::Assessed, NeedStatus::Verified),
        (NeedStatus::Verified, NeedStatus::Published),
    ] {
        assert!(
            storage::needs::set_status(&db, &line, from, to, None, &actor(), now)
                .await
                .expect("q")
        );
    }
    World {
        db,
        line,
        period: "dong-2026".into(),
        package: pkg.id,
    }
}

async fn donor(db: &Db, id: &str, name: &str) {
    let d = Donor {
        id: id.into(),
        kind: "organisation".into(),
        name: name.into(),
        origin: "domestic".into(),
        donor_type: "business".into(),
        tax_code: Some(format!("330{id}")),
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

async fn pledge(
    db: &Db,
    id: &str,
    donor: &str,
    amount: i64,
    status: &str,
    categories: Option<&str>,
) {
    let p = Pledge {
        id: id.into(),
        donor_id: donor.into(),
        kind: "money".into(),
        amount,
        status: status.into(),
        categories: categories.map(Into::into),
        unit_codes: None,
        age_bands: None,
        period_id: None,
        due_on: None,
        origin: "officer".into(),
        need_line_id: None,
        note: String::new(),
        is_demo: false,
        number: None,
    };
    storage::donors::create_pledge(db, &p, &actor(), Utc::now())
        .await
        .expect("pledge");
}

fn req(line: &str, pledge: &str, amount: i64) -> AllocationRequest {
    AllocationRequest {
        need_line_id: line.into(),
        pledge_id: pledge.into(),
        amount,
        override_reason: None,
        may_override: false,
        is_demo: false,
    }
}

#[tokio::test]
async fn a_package_change_makes_a_new_version_and_old_lines_keep_theirs() {
    let w = world().await;
    let old = storage::catalogue::package(&w.db, &w.package)
        .await
        .expect("q")
        .expect("p");
    let mut changed = old.version.clone();
    changed.items[0].unit_value = 200_000;
    let new = storage::catalogue::add_package_version(&w.db, &changed, false, &actor(), Utc::now())
        .await
        .expect("v2");
    assert_eq!(new.version.version, 2);
    assert_eq!(new.unit_value, 370_000);
    let line = storage::needs::get(&w.db, &w.line)
        .await
        .expect("q")
        .expect("line");
    assert_eq!(line.package_version, 1);
    assert_eq!(line.amount, 32_000_000);
    let current = storage::catalogue::current_packages(&w.db)
        .await
        .expect("q");
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].version.version, 2);
}

#[tokio::test]
async fn the_gap_is_need_minus_committed_and_an_uncommitted_pledge_does_not_count() {
    let w = world().await;
    donor(&w.db, "d1", "Công ty Huế Xanh").await;
    pledge(&w.db, "p1", "d1", 50_000_000, "pledged", None).await;
    assert_eq!(
        allocate(&w.db, &req(&w.line, "p1", 10_000_000), &actor(), Utc::now())
            .await
            .expect("q"),
        Err(AllocationRefusal::PledgeNotCommitted)
    );
    assert!(
        storage::donors::commit(&w.db, "p1", &actor(), Utc::now())
            .await
            .expect("q")
    );
    let (id, overridden) = allocate(&w.db, &req(&w.line, "p1", 12_000_000), &actor(), Utc::now())
        .await
        .expect("q")
        .expect("allowed");
    assert!(!id.is_empty() && overridden.is_none());
    let line = storage::needs::get(&w.db, &w.line)
        .await
        .expect("q")
        .expect("line");
    assert_eq!(line.committed, 12_000_000);
    assert_eq!(line.coverage().gap(), 20_000_000);
    let open = storage::needs::list(
        &w.db,
        &domain::authz::Visibility::All,
        &NeedFilter::default(),
    )
    .await
    .expect("q");
    assert_eq!(open.len(), 1);
}

#[tokio::test]
async fn a_second_full_coverage_is_refused_naming_the_first_then_overridden_with_a_reason() {
    let w = world().await;
    donor(&w.db, "d1", "Công ty Huế Xanh").await;
    donor(&w.db, "d2", "Hội Liên hiệp Phụ nữ").await;
    pledge(
        &w.db,
        "p1",
        "d1",
        32_000_000,
        "committed",
        Some("warm_clothing"),
    )
    .await;
    pledge(&w.db, "p2", "d2", 32_000_000, "committed", None).await;
    allocate(&w.db, &req(&w.line, "p1", 32_000_000), &actor(), Utc::now())
        .await
        .expect("q")
        .expect("first coverage");
    let refused = allocate(&w.db, &req(&w.line, "p2", 32_000_000), &actor(), Utc::now())
        .await
        .expect("q");
    match refused {
        Err(AllocationRefusal::Overlap(OverlapDecision::Refused {
            excess, existing, ..
        })) => {
            assert_eq!(excess, 32_000_000);
            assert_eq!(existing.len(), 1);
            assert_eq!(existing[0].source, "Công ty Huế Xanh");
        }
        other => panic!("expected an overlap refusal, got {other:?}"),
    }
    // A local officer's "override" is ignored; a coordinator's is honoured.
    let mut r = req(&w.line, "p2", 5_000_000);
    r.override_reason = Some("thêm 15 trẻ mới chuyển đến".into());
    assert!(matches!(
        allocate(&w.db, &r, &actor(), Utc::now()).await.expect("q"),
        Err(AllocationRefusal::Overlap(_))
    ));
    r.may_override = true;
    let (_, reason) = allocate(&w.db, &r, &actor(), Utc::now())
        .await
        .expect("q")
        .expect("overridden");
    assert_eq!(reason.as_deref(), Some("thêm 15 trẻ mới chuyển đến"));
    let line = storage::needs::get(&w.db, &w.line)
        .await
        .expect("q")
        .expect("line");
    assert_eq!(line.committed, 37_000_000);
    assert_eq!(line.coverage().over(), 5_000_000);
}

#[tokio::test]
async fn restrictions_pledge_balance_and_line_status_are_enforced() {
    let w = world().await;
    donor(&w.db, "d1", "Quỹ Vì người nghèo").await;
    pledge(
        &w.db,
        "meals",
        "d1",
        10_000_000,
        "committed",
        Some("nutrition"),
    )
    .await;
    pledge(&w.db, "small", "d1", 1_000_000, "committed", None).await;
    assert_eq!(
        allocate(&w.db, &req(&w.line, "meals", 1_000), &actor(), Utc::now())
            .await
            .expect("q"),
        Err(AllocationRefusal::Restricted)
    );
    assert_eq!(
        allocate(
            &w.db,
            &req(&w.line, "small", 1_000_001),
            &actor(),
            Utc::now()
        )
        .await
        .expect("q"),
        Err(AllocationRefusal::BeyondPledge {
            remaining: 1_000_000
        })
    );
    assert_eq!(
        allocate(&w.db, &req(&w.line, "small", 0), &actor(), Utc::now())
            .await
            .expect("q"),
        Err(AllocationRefusal::NotPositive)
    );
    assert_eq!(
        allocate(
            &w.db,
            &req("no-such-line", "small", 5),
            &actor(),
            Utc::now()
        )
        .await
        .expect("q"),
        Err(AllocationRefusal::UnknownLine)
    );
    // A line that is only assessed takes nothing.
    let fresh = storage::needs::create(
        &w.db,
        &NewNeedLine {
            site_id: "th-hong-kim".into(),
            period_id: w.period.clone(),
            package_id: w.package.clone(),
            quantity: 3,
            note: String::new(),
            is_demo: false,
        },
        &actor(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("line");
    assert_eq!(
        allocate(&w.db, &req(&fresh, "small", 5), &actor(), Utc::now())
            .await
            .expect("q"),
        Err(AllocationRefusal::LineNotOpen)
    );
    // Nothing was written by any refusal.
    let line = storage::needs::get(&w.db, &w.line)
        .await
        .expect("q")
        .expect("line");
    assert_eq!(line.committed, 0);
}

#[tokio::test]
async fn bad_need_input_is_refused_with_the_field() {
    let w = world().await;
    let mut input = NewNeedLine {
        site_id: "th-hong-kim".into(),
        period_id: w.period.clone(),
        package_id: w.package.clone(),
        quantity: 0,
        note: String::new(),
        is_demo: false,
    };
    let err = storage::needs::create(&w.db, &input, &actor(), Utc::now())
        .await
        .expect("q");
    assert_eq!(err.map_err(|e| e.field()), Err("quantity"));
    input.quantity = 5;
    input.package_id = "v999".into();
    let err = storage::needs::create(&w.db, &input, &actor(), Utc::now())
        .await
        .expect("q");
    assert_eq!(err.map_err(|e| e.field()), Err("package_id"));
    input.package_id = w.package.clone();
    input.site_id = "nowhere".into();
    let err = storage::needs::create(&w.db, &input, &actor(), Utc::now())
        .await
        .expect("q");
    assert_eq!(err.map_err(|e| e.field()), Err("site_id"));
}

#[tokio::test]
async fn two_allocators_at_the_same_moment_cannot_over_allocate_a_pledge() {
    let w = world().await;
    donor(&w.db, "d1", "Công ty Huế Xanh").await;
    pledge(&w.db, "p1", "d1", 20_000_000, "committed", None).await;
    // Each request alone fits (15M ≤ 20M left, ≤ 32M need); together they
    // would over-allocate the pledge.
    let mut tasks = Vec::new();
    for _ in 0..2 {
        let db = w.db.clone();
        let r = req(&w.line, "p1", 15_000_000);
        tasks.push(tokio::spawn(async move {
            allocate(&db, &r, &actor(), Utc::now()).await
        }));
    }
    let mut made = 0;
    let mut refused = 0;
    for t in tasks {
        match t.await.expect("join").expect("no database error") {
            Ok(_) => made += 1,
            Err(AllocationRefusal::BeyondPledge { remaining }) => {
                assert_eq!(remaining, 5_000_000);
                refused += 1;
            }
            Err(other) => panic!("unexpected refusal {other:?}"),
        }
    }
    assert_eq!((made, refused), (1, 1));
    let used: i64 = storage::donors::pledges(&w.db, Some("d1"))
        .await
        .expect("q")
        .iter()
        .map(|(_, used)| used)
        .sum();
    assert_eq!(used, 15_000_000);
}

#[tokio::test]
async fn likely_duplicate_donors_are_found_by_tax_code_or_folded_name() {
    let w = world().await;
    donor(&w.db, "d1", "Công ty Cổ phần Huế Xanh").await;
    let mut candidate = Donor {
        id: "new".into(),
        kind: "organisation".into(),
        name: "CONG TY CO PHAN HUE XANH".into(),
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
    assert_eq!(found.len(), 1);
    candidate.name = "Tên khác hẳn".into();
    candidate.tax_code = Some("330d1".into());
    assert_eq!(
        storage::donors::likely_duplicates(&w.db, &candidate)
            .await
            .expect("q")
            .len(),
        1
    );
    candidate.tax_code = None;
    assert!(
        storage::donors::likely_duplicates(&w.db, &candidate)
            .await
            .expect("q")
            .is_empty()
    );
}

#[tokio::test]
async fn a_batch_with_one_bad_line_writes_nothing_and_names_every_problem() {
    let w = world().await;
    let good = NewNeedLine {
        site_id: "th-hong-kim".into(),
        period_id: w.period.clone(),
        package_id: w.package.clone(),
        quantity: 20,
        note: String::new(),
        is_demo: false,
    };
    let mut bad_qty = good.clone();
    bad_qty.quantity = -1;
    let mut bad_site = good.clone();
    bad_site.site_id = "nowhere".into();
    let out = storage::needs::create_many(
        &w.db,
        &[good.clone(), bad_qty, good.clone(), bad_site],
        &actor(),
        Utc::now(),
    )
    .await
    .expect("q");
    let problems = out.expect_err("refused");
    let at: Vec<(usize, &str)> = problems.iter().map(|(i, e)| (*i, e.field())).collect();
    assert_eq!(at, vec![(1, "quantity"), (3, "site_id")]);
    let all = storage::needs::list(
        &w.db,
        &domain::authz::Visibility::All,
        &NeedFilter::default(),
    )
    .await
    .expect("q");
    assert_eq!(all.len(), 1, "only the line made by the fixture exists");
    let ids = storage::needs::create_many(&w.db, &[good.clone(), good], &actor(), Utc::now())
        .await
        .expect("q")
        .expect("valid batch");
    assert_eq!(ids.len(), 2);
}

#[tokio::test]
async fn an_accepted_proposal_is_all_or_nothing() {
    let w = world().await;
    donor(&w.db, "d1", "Công ty Huế Xanh").await;
    pledge(&w.db, "p1", "d1", 40_000_000, "committed", None).await;
    let ok = storage::allocations::allocate_many(
        &w.db,
        &[
            req(&w.line, "p1", 10_000_000),
            req(&w.line, "p1", 12_000_000),
        ],
        &actor(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("both fit");
    assert_eq!(ok.len(), 2);
    // The second of these would cover the line beyond its need: neither is kept.
    let refused = storage::allocations::allocate_many(
        &w.db,
        &[req(&w.line, "p1", 5_000_000), req(&w.line, "p1", 6_000_000)],
        &actor(),
        Utc::now(),
    )
    .await
    .expect("q");
    assert!(
        matches!(refused, Err((1, AllocationRefusal::Overlap(_)))),
        "{refused:?}"
    );
    let line = storage::needs::get(&w.db, &w.line)
        .await
        .expect("q")
        .expect("line");
    assert_eq!(
        line.committed, 22_000_000,
        "the first of the refused batch was undone"
    );
}

#[tokio::test]
async fn receipts_are_numbered_per_receiver_and_year_and_fill_allocations_in_order() {
    use storage::receipts::{NewReceipt, ReceiptRefusal};
    let w = world().await;
    donor(&w.db, "d1", "Công ty Huế Xanh").await;
    pledge(&w.db, "p1", "d1", 30_000_000, "committed", None).await;
    pledge(&w.db, "p2", "d1", 5_000_000, "pledged", None).await;
    allocate(&w.db, &req(&w.line, "p1", 20_000_000), &actor(), Utc::now())
        .await
        .expect("q")
        .expect("allocated");
    let receipt = |pledge: &str, amount: i64, on: NaiveDate| NewReceipt {
        pledge_id: pledge.into(),
        kind: "money".into(),
        amount,
        method: "bank".into(),
        account: "Quỹ BTTE — 0123456789 Vietcombank Huế".into(),
        receiver_id: "th-hong-kim".into(),
        received_on: on,
        is_demo: false,
    };
    let r1 = storage::receipts::create(
        &w.db,
        &receipt("p1", 12_000_000, date(2026, 11, 20)),
        &actor(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("received");
    assert_eq!(r1.receipt_no, "2026/00001");
    let line = storage::needs::get(&w.db, &w.line)
        .await
        .expect("q")
        .expect("line");
    assert_eq!((line.committed, line.received), (20_000_000, 12_000_000));
    let r2 = storage::receipts::create(
        &w.db,
        &receipt("p1", 15_000_000, date(2026, 12, 1)),
        &actor(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("received");
    assert_eq!(r2.receipt_no, "2026/00002");
    let r3 = storage::receipts::create(
        &w.db,
        &receipt("p1", 1_000_000, date(2027, 1, 5)),
        &actor(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("received");
    assert_eq!(r3.receipt_no, "2027/00001", "a new series each year");
    // 28M received, but only 20M were allocated to the line: it has received 20M.
    let line = storage::needs::get(&w.db, &w.line)
        .await
        .expect("q")
        .expect("line");
    assert_eq!(line.received, 20_000_000);
    assert_eq!(
        storage::receipts::create(
            &w.db,
            &receipt("p1", 3_000_000, date(2027, 1, 6)),
            &actor(),
            Utc::now()
        )
        .await
        .expect("q"),
        Err(ReceiptRefusal::BeyondCommitment {
            remaining: 2_000_000
        })
    );
    assert_eq!(
        storage::receipts::create(
            &w.db,
            &receipt("p2", 1_000, date(2027, 1, 6)),
            &actor(),
            Utc::now()
        )
        .await
        .expect("q"),
        Err(ReceiptRefusal::NotCommitted)
    );
    let mut goods_by_bank = receipt("p1", 1_000, date(2027, 1, 6));
    goods_by_bank.kind = "goods".into();
    assert_eq!(
        storage::receipts::create(&w.db, &goods_by_bank, &actor(), Utc::now())
            .await
            .expect("q"),
        Err(ReceiptRefusal::BadMethod)
    );
    assert_eq!(
        storage::receipts::for_pledge(&w.db, "p1")
            .await
            .expect("q")
            .len(),
        3
    );
}

#[tokio::test]
async fn receipts_and_allocations_enter_the_ledger_and_verify_names_a_tampered_amount() {
    use storage::ledger::{TreeCache, VerifyProblem};
    use storage::receipts::NewReceipt;
    let w = world().await;
    donor(&w.db, "d1", "Công ty Huế Xanh").await;
    pledge(&w.db, "p1", "d1", 30_000_000, "committed", None).await;
    let p1 = storage::donors::pledge(&w.db, "p1")
        .await
        .expect("q")
        .expect("pledge");
    let code = p1.code().expect("a recorded pledge has a code");
    assert_eq!(
        domain::needs::pledge_code::parse(&code).map(i64::from),
        p1.number
    );
    let (alloc, _) = allocate(&w.db, &req(&w.line, "p1", 20_000_000), &actor(), Utc::now())
        .await
        .expect("q")
        .expect("allocated");
    let r = storage::receipts::create(
        &w.db,
        &NewReceipt {
            pledge_id: "p1".into(),
            kind: "money".into(),
            amount: 12_000_000,
            method: "bank".into(),
            account: "0071000123456".into(),
            receiver_id: "th-hong-kim".into(),
            received_on: date(2026, 11, 20),
            is_demo: false,
        },
        &actor(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("received");
    assert_eq!(storage::ledger::size(&w.db).await.expect("q"), 2);
    let entry = storage::ledger::entry_for(&w.db, "receipt", &r.id)
        .await
        .expect("q")
        .expect("the receipt has its leaf");
    assert_eq!(entry.idx, 1, "appended after the allocation");
    let leaf: serde_json::Value = serde_json::from_slice(&entry.leaf).expect("json");
    assert_eq!(leaf["amount"], 12_000_000);
    assert_eq!(leaf["pledge"], code.as_str());
    assert_eq!(
        leaf["donor_name"], "Công ty Huế Xanh",
        "the donor consented"
    );
    let a = storage::ledger::entry_for(&w.db, "allocation", &alloc)
        .await
        .expect("q")
        .expect("allocation leaf");
    let leaf: serde_json::Value = serde_json::from_slice(&a.leaf).expect("json");
    assert_eq!(leaf["need"], w.line.as_str());
    assert_eq!(leaf["unit"], "20056");

    // A signed head, then a clean verification.
    let key = ledger::signing_key_from_seed([9u8; 32]);
    let cache = TreeCache::new();
    let head = storage::ledger::publish_head(&w.db, &cache, &key, Utc::now())
        .await
        .expect("head");
    assert_eq!(head.tree_size, 2);
    let report = storage::ledger::verify(&w.db)
        .await
        .expect("q")
        .expect("the untouched ledger verifies");
    assert_eq!((report.entries, report.heads), (2, 1));
    assert_eq!(report.root_hash, head.root_hash);

    // Someone changes the receipt's amount directly in SQL.
    storage::testing::execute(
        &w.db,
        &format!("UPDATE receipts SET amount = 1200000 WHERE id = '{}'", r.id),
    )
    .await
    .expect("tamper");
    match storage::ledger::verify(&w.db).await.expect("q") {
        Err(VerifyProblem::Mismatch {
            idx, kind, field, ..
        }) => {
            assert_eq!(
                (idx, kind.as_str(), field.as_str()),
                (1, "receipt", "amount")
            );
        }
        other => panic!("expected a mismatch naming entry 1, got {other:?}"),
    }
    storage::testing::execute(
        &w.db,
        &format!(
            "UPDATE receipts SET amount = 12000000 WHERE id = '{}'",
            r.id
        ),
    )
    .await
    .expect("undo");
    // Rewriting the leaf itself (and its hash) breaks the signed head.
    let forged = String::from_utf8(entry.leaf.clone())
        .expect("utf8")
        .replace("12000000", "1200000");
    let forged_hash = ledger::leaf_hash(forged.as_bytes());
    let hex = storage::ledger::hex(&forged_hash);
    let sql = match storage::testing::backend() {
        storage::Backend::Sqlite => format!(
            "UPDATE ledger_entries SET leaf = CAST('{forged}' AS BLOB), leaf_hash = X'{hex}' WHERE idx = 1"
        ),
        storage::Backend::Postgres => format!(
            "UPDATE ledger_entries SET leaf = convert_to('{forged}', 'UTF8'), leaf_hash = decode('{hex}', 'hex') WHERE idx = 1"
        ),
    };
    storage::testing::execute(&w.db, &sql).await.expect("forge");
    match storage::ledger::verify(&w.db).await.expect("q") {
        Err(VerifyProblem::Mismatch { idx: 1, .. }) => {}
        other => panic!("expected entry 1 to be named, got {other:?}"),
    }
    // …and forging the business row to match too is caught by the head.
    storage::testing::execute(
        &w.db,
        &format!("UPDATE receipts SET amount = 1200000 WHERE id = '{}'", r.id),
    )
    .await
    .expect("tamper both");
    match storage::ledger::verify(&w.db).await.expect("q") {
        Err(VerifyProblem::Head { tree_size: 2, .. }) => {}
        other => panic!("expected the signed head to fail, got {other:?}"),
    }
}

fn stmt_line(key: &str, amount: i64, memo: &str) -> storage::statements::NewLine {
    storage::statements::NewLine {
        dedupe_key: key.into(),
        booked_on: date(2026, 11, 21),
        amount,
        memo: memo.into(),
        bank_ref: Some(key.into()),
        counterparty: Some("CONG TY HUE XANH".into()),
        counterparty_account: None,
        pledge_numbers: domain::needs::pledge_code::find_in_memo(memo),
    }
}

#[tokio::test]
async fn statement_lines_match_by_code_become_receipts_once_and_the_rest_wait_for_a_coordinator() {
    use storage::statements::{ConfirmRefusal, StatementFile};
    let w = world().await;
    donor(&w.db, "d1", "Công ty Huế Xanh").await;
    pledge(&w.db, "p1", "d1", 30_000_000, "committed", None).await;
    pledge(&w.db, "p2", "d1", 5_000_000, "pledged", None).await;
    let code1 = storage::donors::pledge(&w.db, "p1")
        .await
        .expect("q")
        .and_then(|p| p.code())
        .expect("code");
    let code2 = storage::donors::pledge(&w.db, "p2")
        .await
        .expect("q")
        .and_then(|p| p.code())
        .expect("code");
    let account = storage::accounts::ReceivingAccount {
        id: "acc1".into(),
        organisation_id: "th-hong-kim".into(),
        bank_bin: "970436".into(),
        account_no: "0071000123456".into(),
        account_name: "QUY BAO TRO TRE EM".into(),
        purpose: "donations".into(),
        is_default: true,
        is_demo: false,
    };
    storage::accounts::create(&w.db, &account, &actor(), Utc::now())
        .await
        .expect("q")
        .expect("account");
    let lines = vec![
        stmt_line("FT1", 10_000_000, &format!("{code1} ung ho tre em")),
        // The public pledge p2 is not confirmed yet: it waits.
        stmt_line("FT2", 5_000_000, &format!("UNGHO{code2}")),
        stmt_line("FT3", 777_000, "chuyen tien"),
    ];
    let file = StatementFile {
        account: &account,
        account_label: "Vietcombank 0071000123456",
        file_name: "sao-ke.csv",
        layout: "vietcombank",
        lines: &lines,
    };
    let first = storage::statements::import(&w.db, &file, &actor(), Utc::now())
        .await
        .expect("import");
    assert_eq!((first.new_lines, first.matched.len()), (3, 1));
    assert_eq!(first.matched[0].1, "2026/00001");
    assert_eq!(
        storage::statements::unmatched_total(&w.db)
            .await
            .expect("q"),
        (2, 5_777_000)
    );
    // The same statement again (overlapping export): nothing new.
    let again = storage::statements::import(&w.db, &file, &actor(), Utc::now())
        .await
        .expect("import");
    assert_eq!((again.new_lines, again.already_imported), (0, 3));
    assert_eq!(
        storage::receipts::for_pledge(&w.db, "p1")
            .await
            .expect("q")
            .len(),
        1
    );
    // The coordinator sees p2 proposed for line FT2 by its code and amount.
    let waiting = storage::statements::lines(&w.db, "unmatched", 10)
        .await
        .expect("q");
    let ft2 = waiting
        .iter()
        .find(|l| l.amount == 5_000_000)
        .expect("FT2 waits");
    let props = storage::statements::proposals(
        &w.db,
        ft2,
        &domain::needs::pledge_code::find_in_memo(&ft2.memo),
    )
    .await
    .expect("q");
    assert_eq!(props[0].pledge_id, "p2");
    assert!(props[0].reasons.contains(&"statement-reason-code"));
    // Confirming it against p1 for more than p1 has left is refused whole.
    let ft3 = waiting.iter().find(|l| l.amount == 777_000).expect("FT3");
    let receipt = storage::statements::confirm(
        &w.db,
        &ft2.id,
        "p2",
        "Vietcombank 0071000123456",
        &actor(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("confirmed");
    assert_eq!(receipt.amount, 5_000_000);
    let p2 = storage::donors::pledge(&w.db, "p2")
        .await
        .expect("q")
        .expect("p2");
    assert_eq!(p2.status, "committed", "the transfer commits the pledge");
    assert_eq!(
        storage::statements::confirm(&w.db, &ft2.id, "p1", "x", &actor(), Utc::now())
            .await
            .expect("q"),
        Err(ConfirmRefusal::AlreadyDecided)
    );
    pledge(&w.db, "p3", "d1", 500_000, "pledged", None).await;
    assert!(matches!(
        storage::statements::confirm(&w.db, &ft3.id, "p3", "x", &actor(), Utc::now())
            .await
            .expect("q"),
        Err(ConfirmRefusal::Receipt(_))
    ));
    let p3 = storage::donors::pledge(&w.db, "p3")
        .await
        .expect("q")
        .expect("p3");
    assert_eq!(
        p3.status, "pledged",
        "a refused confirmation commits nothing"
    );
    assert!(
        storage::statements::ignore(&w.db, &ft3.id, "lãi tiền gửi", &actor(), Utc::now())
            .await
            .expect("q")
    );
    assert_eq!(
        storage::statements::unmatched_total(&w.db)
            .await
            .expect("q"),
        (0, 0)
    );
    // Every receipt is in the ledger.
    let report = storage::ledger::verify(&w.db)
        .await
        .expect("q")
        .expect("verifies");
    assert_eq!(report.entries, 2);
    // The receipt matched to the wrong commitment is reversed: the money did
    // arrive, so its statement line is waiting to be matched again.
    storage::reversals::reverse(
        &w.db,
        storage::reversals::ReversalKind::Receipt,
        &receipt.id,
        "nhầm cam kết",
        &actor(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("reversed");
    let line = storage::statements::line(&w.db, &ft2.id)
        .await
        .expect("q")
        .expect("line");
    assert_eq!(
        (line.status.as_str(), line.receipt_id.as_deref()),
        ("unmatched", None)
    );
    assert_eq!(
        storage::statements::unmatched_total(&w.db)
            .await
            .expect("q"),
        (1, 5_000_000)
    );
    let again = storage::statements::confirm(
        &w.db,
        &ft2.id,
        "p2",
        "Vietcombank 0071000123456",
        &actor(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("matched again");
    assert_ne!(again.id, receipt.id);
}

fn public_offer(line: &str, donor_id: &str, pledge_id: &str) -> (Donor, Pledge) {
    let d = Donor {
        id: donor_id.into(),
        kind: "individual".into(),
        name: "Nguyễn Thị Lan".into(),
        origin: "domestic".into(),
        donor_type: "individual".into(),
        tax_code: None,
        phone: Some("0905123456".into()),
        email: None,
        publish_name: false,
        anonymous: true,
        is_demo: false,
    };
    let p = Pledge {
        id: pledge_id.into(),
        donor_id: donor_id.into(),
        kind: "money".into(),
        amount: 2_000_000,
        status: "pledged".into(),
        categories: Some("warm_clothing".into()),
        unit_codes: Some("20056".into()),
        age_bands: None,
        period_id: Some("dong-2026".into()),
        due_on: None,
        origin: "public".into(),
        need_line_id: Some(line.into()),
        note: String::new(),
        is_demo: false,
        number: None,
    };
    (d, p)
}

async fn count(db: &Db, sql: &str) -> i64 {
    let n: (i64,) = match db {
        Db::Sqlite(pool) => sqlx::query_as(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_one(pool)
            .await
            .expect("count"),
        Db::Postgres(pool) => sqlx::query_as(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_one(pool)
            .await
            .expect("count"),
    };
    n.0
}

#[tokio::test]
async fn a_public_pledge_writes_donor_pledge_and_audit_together_or_nothing() {
    let w = world().await;
    let db = &w.db;
    let donors = "SELECT CAST(COUNT(*) AS BIGINT) FROM donors";
    let pledges = "SELECT CAST(COUNT(*) AS BIGINT) FROM pledges";
    let audits = "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_events";
    // It works: both rows and both audit rows, the pledge numbered.
    let (d, p) = public_offer(&w.line, "pub-d1", "pub-p1");
    let before = count(db, audits).await;
    let number = storage::donors::create_public_pledge(db, &d, &p, &actor(), Utc::now())
        .await
        .expect("q")
        .expect("published line");
    assert!(number > 0);
    assert_eq!(count(db, donors).await, 1);
    assert_eq!(count(db, pledges).await, 1);
    assert_eq!(count(db, audits).await, before + 2);
    let stored = storage::donors::pledge(db, "pub-p1")
        .await
        .expect("q")
        .expect("stored");
    assert_eq!(stored.status, "pledged", "it waits for the coordinator");
    assert_eq!(stored.number, Some(number));
    // The pledge fails (its id is taken): the donor written before it in
    // the same transaction is gone too — no orphan donor, no audit row.
    let (d2, p2) = public_offer(&w.line, "pub-d2", "pub-p1");
    let before = count(db, audits).await;
    let err = storage::donors::create_public_pledge(db, &d2, &p2, &actor(), Utc::now())
        .await
        .expect_err("duplicate pledge id");
    assert!(
        matches!(err, storage::StorageError::Duplicate { .. }),
        "{err:?}"
    );
    assert!(
        storage::donors::get(db, "pub-d2")
            .await
            .expect("q")
            .is_none()
    );
    assert_eq!(count(db, donors).await, 1);
    assert_eq!(count(db, pledges).await, 1);
    assert_eq!(count(db, audits).await, before);
    // A line no longer published takes nothing either.
    assert!(
        storage::needs::set_status(
            db,
            &w.line,
            NeedStatus::Published,
            NeedStatus::Cancelled,
            Some("trùng"),
            &actor(),
            Utc::now()
        )
        .await
        .expect("q")
    );
    let (d3, p3) = public_offer(&w.line, "pub-d3", "pub-p3");
    let refused = storage::donors::create_public_pledge(db, &d3, &p3, &actor(), Utc::now())
        .await
        .expect("q");
    assert_eq!(
        refused,
        Err(storage::donors::PublicPledgeRefusal::NotPublished)
    );
    assert!(
        storage::donors::get(db, "pub-d3")
            .await
            .expect("q")
            .is_none()
    );
    assert_eq!(count(db, pledges).await, 1);
    storage::audit::verify(db)
        .await
        .expect("audit chain intact");
}
