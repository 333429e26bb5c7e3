//! Money passed on is one flow (fund → commune people's committee →
//! school), the state budget kept apart, and allocations of received money
//! bounded by what was received — on SQLite, and on PostgreSQL with
//! `TEST_DATABASE_URL`.

use chrono::{NaiveDate, Utc};
use domain::needs::{AgeBand, Category, NeedStatus, PackageItem, PackageVersion};
use storage::Db;
use storage::accounts::ReceivingAccount;
use storage::allocations::{
    AllocationBasis, AllocationRefusal, AllocationRequest, allocate, allocate_from,
};
use storage::audit::AuditActor;
use storage::catalogue::Period;
use storage::donors::{Donor, Pledge};
use storage::flows::{Boundary, FlowRefusal, FlowTotals, NewExpenditure, NewTransfer};
use storage::needs::NewNeedLine;
use storage::organisations::Organisation;
use storage::receipts::{NewReceipt, ReceiptRefusal};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn actor() -> AuditActor {
    AuditActor {
        id: None,
        name: "ketoan".into(),
    }
}

const FUND: &str = "quy-btte";
const COMMUNE: &str = "ubnd-a-luoi-1";
const SCHOOL: &str = "th-hong-kim";
const OTHER: &str = "ubnd-phu-vinh";
const A_LUOI_1: &str = "20056";

async fn org(db: &Db, id: &str, name: &str, org_type: &str, unit: Option<&str>) {
    let o = Organisation {
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
    storage::organisations::create(db, &o, &actor(), Utc::now())
        .await
        .expect("organisation");
}

struct World {
    db: Db,
    line: String,
}

/// A fund (city level, no unit), A Lưới 1's people's committee and a school
/// in it, a people's committee elsewhere; a published line of 100 × 320.000
/// ₫ at the school; a donor who publishes her name; its accounts.
async fn world() -> World {
    let db = storage::testing::fresh_db().await.expect("db");
    let now = Utc::now();
    org(&db, FUND, "Quỹ Bảo trợ trẻ em thành phố Huế", "fund", None).await;
    org(
        &db,
        COMMUNE,
        "UBND xã A Lưới 1",
        "peoples_committee",
        Some(A_LUOI_1),
    )
    .await;
    org(
        &db,
        SCHOOL,
        "Trường Tiểu học Hồng Kim",
        "school",
        Some(A_LUOI_1),
    )
    .await;
    org(
        &db,
        OTHER,
        "UBND xã Phú Vinh",
        "peoples_committee",
        Some("19999"),
    )
    .await;
    for (id, no, purpose) in [
        ("acc-don", "0071000123456", "donations"),
        ("acc-sb", "1130005800046", "state_budget"),
    ] {
        storage::accounts::create(
            &db,
            &ReceivingAccount {
                id: id.into(),
                organisation_id: FUND.into(),
                bank_bin: "970436".into(),
                account_no: no.into(),
                account_name: "QUY BTTE".into(),
                purpose: purpose.into(),
                is_default: true,
                is_demo: false,
            },
            &actor(),
            now,
        )
        .await
        .expect("q")
        .expect("account");
    }
    storage::catalogue::create_period(
        &db,
        &Period {
            id: "dong-2026".into(),
            name: "Mùa đông 2026–2027".into(),
            starts_on: date(2026, 11, 1),
            ends_on: date(2027, 3, 1),
            is_demo: false,
        },
        &actor(),
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
        items: vec![PackageItem {
            name: "Áo ấm".into(),
            unit: "cái".into(),
            quantity: 1,
            unit_value: 320_000,
        }],
    };
    let pkg = storage::catalogue::add_package_version(&db, &pkg, false, &actor(), now)
        .await
        .expect("package");
    let line = storage::needs::create(
        &db,
        &NewNeedLine {
            site_id: SCHOOL.into(),
            period_id: "dong-2026".into(),
            package_id: pkg.id,
            quantity: 100,
            note: String::new(),
            is_demo: false,
        },
        &actor(),
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
            storage::needs::set_status(&db, &line, from, to, None, &actor(), now)
                .await
                .expect("q")
        );
    }
    let d = Donor {
        id: "d1".into(),
        kind: "organisation".into(),
        name: "Công ty Huế Xanh".into(),
        origin: "domestic".into(),
        donor_type: "business".into(),
        tax_code: Some("3301234567".into()),
        phone: None,
        email: None,
        publish_name: true,
        anonymous: false,
        is_demo: false,
    };
    storage::donors::create(&db, &d, &actor(), now)
        .await
        .expect("donor");
    World { db, line }
}

async fn pledge(db: &Db, id: &str, amount: i64, unit_codes: Option<&str>) {
    let p = Pledge {
        id: id.into(),
        donor_id: "d1".into(),
        kind: "money".into(),
        amount,
        status: "committed".into(),
        categories: None,
        unit_codes: unit_codes.map(Into::into),
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

async fn receive(
    db: &Db,
    pledge: &str,
    amount: i64,
    account: &str,
) -> Result<String, ReceiptRefusal> {
    storage::receipts::create(
        db,
        &NewReceipt {
            pledge_id: pledge.into(),
            kind: "money".into(),
            amount,
            method: "bank".into(),
            account: account.into(),
            receiver_id: FUND.into(),
            received_on: date(2026, 11, 10),
            is_demo: false,
        },
        &actor(),
        Utc::now(),
    )
    .await
    .expect("no database error")
    .map(|r| r.id)
}

fn transfer(receipt: &str, from: &str, to: &str, amount: i64) -> NewTransfer {
    NewTransfer {
        receipt_id: receipt.into(),
        from_org_id: from.into(),
        to_org_id: to.into(),
        amount,
        transferred_on: date(2026, 11, 15),
        note: "Ủy nhiệm chi số 12".into(),
        is_demo: false,
    }
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

fn totals(received: i64, came_in: i64, passed_on: i64, spent: i64) -> FlowTotals {
    FlowTotals {
        received,
        came_in,
        passed_on,
        spent,
        held: received + came_in - passed_on - spent,
    }
}

const DONATIONS: &str = "Vietcombank 0071000123456";
const BUDGET: &str = "Vietcombank 1130005800046";

#[tokio::test]
async fn a_three_level_chain_is_one_flow_and_every_total_counts_the_donors_money_once() {
    let w = world().await;
    let db = &w.db;
    pledge(db, "p1", 100_000_000, None).await;
    allocate(db, &req(&w.line, "p1", 30_000_000), &actor(), Utc::now())
        .await
        .expect("q")
        .expect("allocated");
    let r = receive(db, "p1", 100_000_000, DONATIONS)
        .await
        .expect("received");
    // Fund → commune 60M; commune → school 40M; school spends 25M on the line.
    for t in [
        transfer(&r, FUND, COMMUNE, 60_000_000),
        transfer(&r, COMMUNE, SCHOOL, 40_000_000),
    ] {
        storage::flows::transfer(db, &t, &actor(), Utc::now())
            .await
            .expect("q")
            .expect("transferred");
    }
    storage::flows::spend(
        db,
        &NewExpenditure {
            receipt_id: r.clone(),
            org_id: SCHOOL.into(),
            need_line_id: Some(w.line.clone()),
            amount: 25_000_000,
            spent_on: date(2026, 11, 20),
            description: "Mua 78 áo ấm".into(),
            is_demo: false,
        },
        &actor(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("spent");

    let of = |b: Boundary| {
        let db = db.clone();
        async move { storage::flows::totals(&db, &b).await.expect("totals") }
    };
    // Each organisation.
    assert_eq!(
        of(Boundary::Organisation(FUND.into())).await,
        totals(100_000_000, 0, 60_000_000, 0)
    );
    assert_eq!(
        of(Boundary::Organisation(COMMUNE.into())).await,
        totals(0, 60_000_000, 40_000_000, 0)
    );
    assert_eq!(
        of(Boundary::Organisation(SCHOOL.into())).await,
        totals(0, 40_000_000, 0, 25_000_000)
    );
    // The commune as a whole: the transfer to its school is internal.
    assert_eq!(
        of(Boundary::Units(vec![A_LUOI_1.into()])).await,
        totals(0, 60_000_000, 0, 25_000_000)
    );
    // The city: the donor's money once; nothing came in or went out.
    let city = of(Boundary::All).await;
    assert_eq!(city, totals(100_000_000, 0, 0, 25_000_000));
    assert_eq!(city.held, 75_000_000);
    // A commune the money never reached.
    assert_eq!(
        of(Boundary::Units(vec!["19999".into()])).await,
        FlowTotals::default()
    );
    // Held per organisation adds up to the city's held.
    let mut held_sum = 0;
    for o in [FUND, COMMUNE, SCHOOL, OTHER] {
        held_sum += storage::flows::held(db, o, &r).await.expect("held");
    }
    assert_eq!(held_sum, city.held);
    assert_eq!(
        storage::flows::held(db, COMMUNE, &r).await.expect("q"),
        20_000_000
    );

    // The unit's page data: flows in and out.
    let commune = storage::flows::of_organisation(db, COMMUNE)
        .await
        .expect("q");
    assert_eq!(commune.transfers_in.len(), 1);
    assert_eq!(
        commune.transfers_in[0].from_name,
        "Quỹ Bảo trợ trẻ em thành phố Huế"
    );
    assert_eq!(commune.transfers_out[0].to_org_id, SCHOOL);
    let school = storage::flows::of_organisation(db, SCHOOL)
        .await
        .expect("q");
    assert_eq!(school.expenditures[0].amount, 25_000_000);
    assert_eq!(
        storage::flows::holdings(db, SCHOOL).await.expect("q"),
        vec![(
            r.clone(),
            school.transfers_in[0].receipt_no.clone(),
            15_000_000
        )]
    );

    // The public trace follows the money through the chain.
    let trace = storage::trace::receipt(db, &r)
        .await
        .expect("q")
        .expect("trace");
    assert_eq!(trace.transfers.len(), 2);
    assert_eq!(trace.transfers[1].to_name, "Trường Tiểu học Hồng Kim");
    assert_eq!(trace.spent[0].amount, 25_000_000);
    assert_eq!(
        trace.held_by,
        vec![
            ("Quỹ Bảo trợ trẻ em thành phố Huế".to_owned(), 40_000_000),
            ("UBND xã A Lưới 1".to_owned(), 20_000_000),
            ("Trường Tiểu học Hồng Kim".to_owned(), 15_000_000),
        ]
    );

    // The ledger: a transfer and an expenditure leaf, recomputed by verify.
    let t_entry = storage::ledger::entries(db, 0, 100)
        .await
        .expect("q")
        .into_iter()
        .filter(|e| e.kind == "transfer" || e.kind == "expenditure")
        .collect::<Vec<_>>();
    assert_eq!(t_entry.len(), 3);
    let leaf: serde_json::Value = serde_json::from_slice(&t_entry[0].leaf).expect("json");
    assert_eq!(leaf["kind"], "transfer");
    assert_eq!(leaf["v"], 1);
    assert_eq!(leaf["from"], FUND);
    assert_eq!(leaf["to"], COMMUNE);
    assert_eq!(leaf["receipt"], serde_json::json!(r));
    assert_eq!(leaf["amount"], 60_000_000);
    assert!(leaf.get("note").is_none());
    let spent: serde_json::Value = serde_json::from_slice(&t_entry[2].leaf).expect("json");
    assert_eq!(spent["kind"], "expenditure");
    assert_eq!(spent["need"], serde_json::json!(w.line));
    assert_eq!(spent["unit"], A_LUOI_1);
    assert!(spent.get("description").is_none());
    let report = storage::ledger::verify(db)
        .await
        .expect("q")
        .expect("verifies");
    assert!(report.entries >= 5);
    // A changed transfer amount is named by verify.
    storage::db_run!(db, |pool| {
        sqlx::query("UPDATE transfers SET amount = 50000000 WHERE to_org_id = $1")
            .bind(COMMUNE)
            .execute(pool)
            .await
            .expect("tamper");
    });
    match storage::ledger::verify(db).await.expect("q") {
        Err(storage::ledger::VerifyProblem::Mismatch { kind, field, .. }) => {
            assert_eq!((kind.as_str(), field.as_str()), ("transfer", "amount"));
        }
        other => panic!("expected a mismatch, got {other:?}"),
    }
}

#[tokio::test]
async fn flows_beyond_what_is_held_or_outside_the_restrictions_are_refused() {
    let w = world().await;
    let db = &w.db;
    pledge(db, "p1", 50_000_000, Some(A_LUOI_1)).await;
    let r = receive(db, "p1", 50_000_000, DONATIONS)
        .await
        .expect("received");
    let t = |x: NewTransfer| {
        let db = db.clone();
        async move {
            storage::flows::transfer(&db, &x, &actor(), Utc::now())
                .await
                .expect("no database error")
        }
    };
    assert_eq!(
        t(transfer(&r, FUND, COMMUNE, 0)).await,
        Err(FlowRefusal::NotPositive)
    );
    assert_eq!(
        t(transfer(&r, FUND, FUND, 10)).await,
        Err(FlowRefusal::SameOrganisation)
    );
    assert_eq!(
        t(transfer("nope", FUND, COMMUNE, 10)).await,
        Err(FlowRefusal::UnknownReceipt)
    );
    assert_eq!(
        t(transfer(&r, FUND, "nobody", 10)).await,
        Err(FlowRefusal::UnknownOrganisation)
    );
    // Restricted to A Lưới 1: a city-level body (the province's code) may
    // pass it on; another commune is refused.
    org(
        db,
        "hoi-lhpn",
        "Hội Liên hiệp Phụ nữ",
        "mass_organisation",
        Some("46"),
    )
    .await;
    assert!(t(transfer(&r, FUND, "hoi-lhpn", 1_000)).await.is_ok());
    assert!(t(transfer(&r, "hoi-lhpn", FUND, 1_000)).await.is_ok());
    assert_eq!(
        t(transfer(&r, FUND, OTHER, 10)).await,
        Err(FlowRefusal::Restricted)
    );
    // The commune holds nothing yet.
    assert_eq!(
        t(transfer(&r, COMMUNE, SCHOOL, 10)).await,
        Err(FlowRefusal::BeyondHeld { held: 0 })
    );
    assert!(t(transfer(&r, FUND, COMMUNE, 30_000_000)).await.is_ok());
    assert_eq!(
        t(transfer(&r, FUND, COMMUNE, 20_000_001)).await,
        Err(FlowRefusal::BeyondHeld { held: 20_000_000 })
    );
    // Spending on a line the commitment was never allocated to.
    let spend = storage::flows::spend(
        db,
        &NewExpenditure {
            receipt_id: r.clone(),
            org_id: COMMUNE.into(),
            need_line_id: Some(w.line.clone()),
            amount: 1,
            spent_on: date(2026, 11, 20),
            description: String::new(),
            is_demo: false,
        },
        &actor(),
        Utc::now(),
    )
    .await
    .expect("q");
    assert_eq!(spend, Err(FlowRefusal::LineNotFunded));
    // Nothing refused was written: the ledger still verifies, one transfer.
    let flows = storage::flows::of_receipt(db, &r).await.expect("q");
    assert_eq!((flows.0.len(), flows.1.len()), (3, 0));
    storage::ledger::verify(db)
        .await
        .expect("q")
        .expect("verifies");
}

#[tokio::test]
async fn two_officers_passing_on_the_same_receipt_at_once_cannot_move_more_than_it_holds() {
    let w = world().await;
    pledge(&w.db, "p1", 20_000_000, None).await;
    let r = receive(&w.db, "p1", 20_000_000, DONATIONS)
        .await
        .expect("received");
    let mut tasks = Vec::new();
    for to in [COMMUNE, OTHER] {
        let db = w.db.clone();
        let t = transfer(&r, FUND, to, 15_000_000);
        tasks.push(tokio::spawn(async move {
            storage::flows::transfer(&db, &t, &actor(), Utc::now()).await
        }));
    }
    let mut made = 0;
    for task in tasks {
        match task.await.expect("join").expect("no database error") {
            Ok(_) => made += 1,
            Err(FlowRefusal::BeyondHeld { held }) => assert_eq!(held, 5_000_000),
            Err(other) => panic!("unexpected refusal {other:?}"),
        }
    }
    assert_eq!(made, 1);
    assert_eq!(
        storage::flows::held(&w.db, FUND, &r).await.expect("q"),
        5_000_000
    );
    storage::ledger::verify(&w.db)
        .await
        .expect("q")
        .expect("verifies");
}

#[tokio::test]
async fn two_coordinators_allocating_the_same_received_money_at_once_cannot_over_allocate_it() {
    let w = world().await;
    // Committed 30M, received 20M: received money left to allocate is 20M.
    pledge(&w.db, "p1", 30_000_000, None).await;
    receive(&w.db, "p1", 20_000_000, DONATIONS)
        .await
        .expect("received");
    let mut tasks = Vec::new();
    for _ in 0..2 {
        let db = w.db.clone();
        let r = req(&w.line, "p1", 15_000_000);
        tasks.push(tokio::spawn(async move {
            allocate_from(&db, &r, AllocationBasis::Received, &actor(), Utc::now()).await
        }));
    }
    let mut made = 0;
    for task in tasks {
        match task.await.expect("join").expect("no database error") {
            Ok(_) => made += 1,
            Err(AllocationRefusal::BeyondReceived { remaining }) => {
                assert_eq!(remaining, 5_000_000)
            }
            Err(other) => panic!("unexpected refusal {other:?}"),
        }
    }
    assert_eq!(made, 1);
    // Beyond what was received is refused even when the commitment has room…
    let more = allocate_from(
        &w.db,
        &req(&w.line, "p1", 6_000_000),
        AllocationBasis::Received,
        &actor(),
        Utc::now(),
    )
    .await
    .expect("q");
    assert_eq!(
        more,
        Err(AllocationRefusal::BeyondReceived {
            remaining: 5_000_000
        })
    );
    // …while earmarking the commitment (promised, not yet received) is not.
    allocate(&w.db, &req(&w.line, "p1", 10_000_000), &actor(), Utc::now())
        .await
        .expect("q")
        .expect("earmarked");
    // Now the earmark took the rest of the commitment: nothing received is
    // left either (receipts fill allocations in order).
    let none = allocate_from(
        &w.db,
        &req(&w.line, "p1", 1),
        AllocationBasis::Received,
        &actor(),
        Utc::now(),
    )
    .await
    .expect("q");
    assert_eq!(
        none,
        Err(AllocationRefusal::BeyondReceived { remaining: 0 })
    );
    let received = storage::receipts::received_by_line(&w.db).await.expect("q");
    assert_eq!(received.get(&w.line), Some(&20_000_000));
}

#[tokio::test]
async fn the_state_budget_is_a_separate_ledger_never_a_donation() {
    let w = world().await;
    let db = &w.db;
    // A commitment paid from the state budget for management (R13).
    pledge(db, "sb", 40_000_000, None).await;
    let sb = receive(db, "sb", 40_000_000, BUDGET)
        .await
        .expect("budget received");
    // It cannot cover a need line…
    let alloc = allocate(db, &req(&w.line, "sb", 1_000_000), &actor(), Utc::now())
        .await
        .expect("q");
    assert_eq!(alloc, Err(AllocationRefusal::StateBudget));
    // …nor be passed on or spent as a donation flow…
    let t = storage::flows::transfer(db, &transfer(&sb, FUND, COMMUNE, 1), &actor(), Utc::now())
        .await
        .expect("q");
    assert_eq!(t, Err(FlowRefusal::StateBudget));
    // …nor mixed with donations on the same commitment.
    pledge(db, "p1", 10_000_000, None).await;
    receive(db, "p1", 5_000_000, DONATIONS)
        .await
        .expect("donation");
    assert_eq!(
        receive(db, "p1", 1_000_000, BUDGET).await,
        Err(ReceiptRefusal::MixesStateBudget)
    );
    pledge(db, "sb2", 10_000_000, None).await;
    receive(db, "sb2", 1_000_000, BUDGET).await.expect("budget");
    assert_eq!(
        receive(db, "sb2", 1_000_000, DONATIONS).await,
        Err(ReceiptRefusal::MixesStateBudget)
    );
    // A commitment with allocations cannot then be paid from the budget.
    pledge(db, "p2", 10_000_000, None).await;
    allocate(db, &req(&w.line, "p2", 1_000_000), &actor(), Utc::now())
        .await
        .expect("q")
        .expect("allocated");
    assert_eq!(
        receive(db, "p2", 1_000_000, BUDGET).await,
        Err(ReceiptRefusal::MixesStateBudget)
    );
    // Reported apart: the city's donations count 5M, the budget 41M.
    let city = storage::flows::totals(db, &Boundary::All).await.expect("q");
    assert_eq!(city.received, 5_000_000);
    let budget = storage::accounts::state_budget_summary(db)
        .await
        .expect("q");
    assert_eq!(budget.len(), 1);
    assert_eq!((budget[0].receipts, budget[0].amount), (2, 41_000_000));
    assert_eq!(budget[0].account_id, "acc-sb");
    // The public portal counts donations only and shows the budget apart.
    let portal = storage::portal::receipt_totals(db).await.expect("q");
    assert_eq!((portal.receipts, portal.money), (1, 5_000_000));
    assert_eq!(
        (portal.state_budget_receipts, portal.state_budget),
        (2, 41_000_000)
    );
    let by_source: i64 = storage::portal::receipts_by_source(db)
        .await
        .expect("q")
        .iter()
        .map(|s| s.money)
        .sum();
    assert_eq!(by_source, 5_000_000);
    let by_donor: i64 = storage::portal::receipts_by_donor(db)
        .await
        .expect("q")
        .iter()
        .map(|d| d.money)
        .sum();
    assert_eq!(by_donor, 5_000_000);
    let listed = storage::portal::public_receipts(db, None).await.expect("q");
    assert_eq!(listed.len(), 1, "only the donation is listed");
    assert!(
        storage::flows::holdings(db, FUND)
            .await
            .expect("q")
            .iter()
            .all(|(id, _, _)| *id != sb)
    );
}

async fn public_pledge(db: &Db, id: &str, amount: i64, line: &str) {
    let p = Pledge {
        id: id.into(),
        donor_id: "d1".into(),
        kind: "money".into(),
        amount,
        status: "pledged".into(),
        categories: None,
        unit_codes: None,
        age_bands: None,
        period_id: None,
        due_on: None,
        origin: "public".into(),
        need_line_id: Some(line.into()),
        note: String::new(),
        is_demo: false,
        number: None,
    };
    storage::donors::create_pledge(db, &p, &actor(), Utc::now())
        .await
        .expect("pledge");
}

#[tokio::test]
async fn a_public_pledge_committed_goes_to_its_line_up_to_what_the_line_lacks() {
    use storage::allocations::{CommitOutcome, commit_pledge};
    let w = world().await;
    let db = &w.db;
    // The line needs 100 × 320,000 = 32,000,000.
    public_pledge(db, "pub1", 20_000_000, &w.line).await;
    public_pledge(db, "pub2", 20_000_000, &w.line).await;
    public_pledge(db, "pub3", 5_000_000, &w.line).await;
    let first = commit_pledge(db, "pub1", &actor(), Utc::now())
        .await
        .expect("q");
    assert!(
        matches!(
            first,
            CommitOutcome::Allocated {
                amount: 20_000_000,
                ..
            }
        ),
        "{first:?}"
    );
    // The second gets what the line still lacks, never beyond the need.
    let second = commit_pledge(db, "pub2", &actor(), Utc::now())
        .await
        .expect("q");
    assert!(
        matches!(
            second,
            CommitOutcome::Allocated {
                amount: 12_000_000,
                ..
            }
        ),
        "{second:?}"
    );
    // The third finds the line covered: committed all the same, not allocated,
    // and the guard's refusal says why.
    let third = commit_pledge(db, "pub3", &actor(), Utc::now())
        .await
        .expect("q");
    assert!(
        matches!(
            third,
            CommitOutcome::NotAllocated(AllocationRefusal::Overlap(_))
        ),
        "{third:?}"
    );
    for id in ["pub1", "pub2", "pub3"] {
        let p = storage::donors::pledge(db, id)
            .await
            .expect("q")
            .expect("pledge");
        assert_eq!(p.status, "committed", "{id}");
    }
    // Committing twice changes nothing.
    assert_eq!(
        commit_pledge(db, "pub1", &actor(), Utc::now())
            .await
            .expect("q"),
        CommitOutcome::NotPledged
    );
    let line = storage::needs::get(db, &w.line)
        .await
        .expect("q")
        .expect("line");
    assert_eq!(line.committed, 32_000_000);
    // Each allocation is in the ledger like any other.
    let report = storage::ledger::verify(db)
        .await
        .expect("q")
        .expect("verifies");
    assert_eq!(report.entries, 2, "two allocation leaves");
}

// ---------------------------------------------------------------------------
// Reversals: corrections are new entries, never edits (storage::reversals).

use storage::reversals::{ReversalKind, ReversalRefusal};

async fn reverse(
    db: &Db,
    kind: ReversalKind,
    id: &str,
) -> Result<storage::reversals::Reversal, ReversalRefusal> {
    storage::reversals::reverse(db, kind, id, "Nhập nhầm số tiền", &actor(), Utc::now())
        .await
        .expect("no database error")
}

async fn line_axes(db: &Db, line: &str) -> (i64, i64, i64) {
    let n = storage::needs::get(db, line)
        .await
        .expect("q")
        .expect("line");
    let c = n.coverage();
    (c.committed, c.received, c.gap())
}

async fn portal_line(db: &Db, line: &str) -> (i64, i64) {
    let n = storage::portal::published_needs(db)
        .await
        .expect("q")
        .into_iter()
        .find(|n| n.id == line)
        .expect("published");
    (n.committed, n.received)
}

async fn ledger_clean(db: &Db) -> u64 {
    match storage::ledger::verify(db).await.expect("q") {
        Ok(r) => r.entries,
        Err(p) => panic!("ledger verify: {p}"),
    }
}

#[tokio::test]
async fn reversing_an_allocation_gives_the_gap_back_and_is_a_new_leaf() {
    let w = world().await;
    let db = &w.db;
    pledge(db, "p1", 50_000_000, None).await;
    receive(db, "p1", 50_000_000, DONATIONS)
        .await
        .expect("received");
    let (a, _) = allocate(db, &req(&w.line, "p1", 20_000_000), &actor(), Utc::now())
        .await
        .expect("q")
        .expect("allocated");
    assert_eq!(
        line_axes(db, &w.line).await,
        (20_000_000, 20_000_000, 12_000_000)
    );
    assert_eq!(portal_line(db, &w.line).await, (20_000_000, 20_000_000));
    let before = storage::ledger::size(db).await.expect("q");

    let v = reverse(db, ReversalKind::Allocation, &a)
        .await
        .expect("reversed");
    assert_eq!(v.target_id, a);
    // The gap grows back; the portal counts nothing for the line.
    assert_eq!(line_axes(db, &w.line).await, (0, 0, 32_000_000));
    assert_eq!(portal_line(db, &w.line).await, (0, 0));
    assert!(
        storage::needs::flows(db, &w.line)
            .await
            .expect("q")
            .is_empty()
    );
    // One new leaf of kind reversal naming the allocation, without the reason.
    assert_eq!(storage::ledger::size(db).await.expect("q"), before + 1);
    let e = storage::ledger::entry_for(db, "reversal", &v.id)
        .await
        .expect("q")
        .expect("leaf");
    let leaf: serde_json::Value = serde_json::from_slice(&e.leaf).expect("json");
    assert_eq!(leaf["kind"], "reversal");
    assert_eq!(leaf["reverses"], "allocation");
    assert_eq!(leaf["ref"], a.as_str());
    assert_eq!(leaf["amount"], 20_000_000);
    assert!(!String::from_utf8_lossy(&e.leaf).contains("Nhập nhầm"));
    // The allocation's own leaf is untouched and the whole log verifies.
    assert!(
        storage::ledger::entry_for(db, "allocation", &a)
            .await
            .expect("q")
            .is_some()
    );
    assert_eq!(ledger_clean(db).await, (before + 1) as u64);
    // Never twice.
    assert_eq!(
        reverse(db, ReversalKind::Allocation, &a).await,
        Err(ReversalRefusal::AlreadyReversed)
    );
    // The money can be allocated again.
    allocate(db, &req(&w.line, "p1", 20_000_000), &actor(), Utc::now())
        .await
        .expect("q")
        .expect("allocated again");
    assert_eq!(line_axes(db, &w.line).await.0, 20_000_000);
    assert!(storage::audit::verify(db).await.is_ok());
}

#[tokio::test]
async fn a_receipt_with_a_live_allocation_is_reversed_only_after_it() {
    let w = world().await;
    let db = &w.db;
    pledge(db, "p1", 50_000_000, None).await;
    let r = receive(db, "p1", 10_000_000, DONATIONS)
        .await
        .expect("received");
    let (a, _) = allocate_from(
        db,
        &req(&w.line, "p1", 10_000_000),
        AllocationBasis::Received,
        &actor(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("allocated");
    // No reason, nothing done.
    assert_eq!(
        storage::reversals::reverse(db, ReversalKind::Receipt, &r, "  ", &actor(), Utc::now())
            .await
            .expect("q"),
        Err(ReversalRefusal::ReasonRequired)
    );
    match reverse(db, ReversalKind::Receipt, &r).await {
        Err(ReversalRefusal::DrawnOn(d)) => {
            assert_eq!(d.len(), 1);
            assert_eq!((d[0].kind, d[0].id.as_str()), ("allocation", a.as_str()));
        }
        other => panic!("{other:?}"),
    }
    reverse(db, ReversalKind::Allocation, &a)
        .await
        .expect("allocation reversed");
    let before = storage::portal::receipt_totals(db).await.expect("q");
    assert_eq!(before.money, 10_000_000);
    reverse(db, ReversalKind::Receipt, &r)
        .await
        .expect("receipt reversed");
    // Received totals drop; the receipt is still listed, marked reversed.
    let after = storage::portal::receipt_totals(db).await.expect("q");
    assert_eq!((after.receipts, after.money), (0, 0));
    let listed = storage::receipts::for_pledge(db, "p1").await.expect("q");
    assert_eq!(listed.len(), 1);
    assert!(listed[0].reversed);
    // The report summaries took the reversed receipt out in the same
    // transaction: they still equal a recount of the live rows.
    assert_eq!(
        storage::summaries::check(db).await.expect("check").len(),
        0,
        "summaries equal the live rows after a reversal"
    );
    let received: Vec<(i64,)> = match db {
        storage::Db::Sqlite(p) => sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM report_pledge_received WHERE pledge_id = 'p1'",
        )
        .fetch_all(p)
        .await
        .expect("q"),
        storage::Db::Postgres(p) => sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM report_pledge_received WHERE pledge_id = 'p1'",
        )
        .fetch_all(p)
        .await
        .expect("q"),
    };
    assert_eq!(
        received,
        vec![(0,)],
        "the pledge's received summary is back to 0"
    );
    assert_eq!(
        storage::flows::totals(db, &Boundary::All).await.expect("q"),
        totals(0, 0, 0, 0)
    );
    // Nothing received any more: an allocation of received money is refused,
    // and the commitment can be received again in full.
    assert_eq!(
        allocate_from(
            db,
            &req(&w.line, "p1", 1_000_000),
            AllocationBasis::Received,
            &actor(),
            Utc::now(),
        )
        .await
        .expect("q"),
        Err(AllocationRefusal::BeyondReceived { remaining: 0 })
    );
    receive(db, "p1", 50_000_000, DONATIONS)
        .await
        .expect("received in full again");
    ledger_clean(db).await;
    // A reversed receipt passes nothing on.
    assert_eq!(
        storage::flows::transfer(db, &transfer(&r, FUND, COMMUNE, 1), &actor(), Utc::now())
            .await
            .expect("q"),
        Err(FlowRefusal::UnknownReceipt)
    );
}

#[tokio::test]
async fn a_reversed_transfer_gives_the_money_back_to_the_sender_unless_passed_on() {
    let w = world().await;
    let db = &w.db;
    pledge(db, "p1", 100_000_000, None).await;
    let r = receive(db, "p1", 100_000_000, DONATIONS)
        .await
        .expect("received");
    let t1 = storage::flows::transfer(
        db,
        &transfer(&r, FUND, COMMUNE, 60_000_000),
        &actor(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("transferred");
    let t2 = storage::flows::transfer(
        db,
        &transfer(&r, COMMUNE, SCHOOL, 40_000_000),
        &actor(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("transferred");
    // The commune passed 40M of it on: the first hop cannot be undone yet,
    // and neither can the receipt.
    match reverse(db, ReversalKind::Transfer, &t1).await {
        Err(ReversalRefusal::DrawnOn(d)) => {
            assert_eq!((d[0].kind, d[0].id.as_str()), ("transfer", t2.as_str()))
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        reverse(db, ReversalKind::Receipt, &r).await,
        Err(ReversalRefusal::DrawnOn(_))
    ));
    reverse(db, ReversalKind::Transfer, &t2)
        .await
        .expect("second hop reversed");
    assert_eq!(storage::flows::held(db, SCHOOL, &r).await.expect("q"), 0);
    assert_eq!(
        storage::flows::held(db, COMMUNE, &r).await.expect("q"),
        60_000_000
    );
    reverse(db, ReversalKind::Transfer, &t1)
        .await
        .expect("first hop reversed");
    assert_eq!(
        storage::flows::held(db, FUND, &r).await.expect("q"),
        100_000_000
    );
    assert_eq!(
        storage::flows::totals(db, &Boundary::Organisation(FUND.into()))
            .await
            .expect("q"),
        totals(100_000_000, 0, 0, 0)
    );
    let holdings = storage::flows::holdings(db, COMMUNE).await.expect("q");
    assert!(holdings.is_empty(), "{holdings:?}");
    // Listed, marked.
    let f = storage::flows::of_organisation(db, FUND).await.expect("q");
    assert_eq!(f.transfers_out.len(), 1);
    assert!(f.transfers_out[0].reversed);
    // An expenditure is always reversible; then the receipt is free.
    let e = storage::flows::spend(
        db,
        &NewExpenditure {
            receipt_id: r.clone(),
            org_id: FUND.into(),
            need_line_id: None,
            amount: 5_000_000,
            spent_on: date(2026, 11, 20),
            description: "Chi nhầm".into(),
            is_demo: false,
        },
        &actor(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("spent");
    reverse(db, ReversalKind::Expenditure, &e)
        .await
        .expect("expenditure reversed");
    reverse(db, ReversalKind::Receipt, &r)
        .await
        .expect("receipt reversed");
    assert_eq!(
        storage::flows::totals(db, &Boundary::All).await.expect("q"),
        totals(0, 0, 0, 0)
    );
    assert_eq!(ledger_clean(db).await, 8);
    let trace = storage::trace::receipt(db, &r)
        .await
        .expect("q")
        .expect("trace");
    assert!(trace.receipt.reversed);
    assert!(trace.held_by.is_empty() && trace.transfers.is_empty());
}

#[tokio::test]
async fn verify_names_a_reversal_without_its_leaf() {
    let w = world().await;
    let db = &w.db;
    pledge(db, "p1", 10_000_000, None).await;
    let r = receive(db, "p1", 10_000_000, DONATIONS)
        .await
        .expect("received");
    let v = reverse(db, ReversalKind::Receipt, &r)
        .await
        .expect("reversed");
    ledger_clean(db).await;
    // A reversal that names another record no longer matches its leaf.
    storage::testing::execute(
        db,
        &format!(
            "UPDATE reversals SET target_id = 'khac' WHERE id = '{}'",
            v.id
        ),
    )
    .await
    .expect("tamper");
    match storage::ledger::verify(db).await.expect("q") {
        Err(storage::ledger::VerifyProblem::Mismatch { kind, ref_id, .. }) => {
            assert_eq!(
                (kind.as_str(), ref_id.as_str()),
                ("reversal", v.id.as_str())
            );
        }
        other => panic!("{other:?}"),
    }
    storage::testing::execute(
        db,
        &format!(
            "UPDATE reversals SET target_id = '{r}' WHERE id = '{}'",
            v.id
        ),
    )
    .await
    .expect("restore");
    ledger_clean(db).await;
    // A reversal without its entry is named.
    storage::testing::execute(db, "DELETE FROM ledger_entries WHERE kind = 'reversal'")
        .await
        .expect("tamper");
    assert_eq!(
        storage::ledger::verify(db).await.expect("q"),
        Err(storage::ledger::VerifyProblem::Missing {
            kind: "reversal".into(),
            ref_id: v.id.clone(),
        })
    );
}
