//! Money passed on, through the pages: the coordinator passes a receipt's
//! money from the fund to a commune; the commune's officer passes it on to
//! a school in her commune (not from the fund, which is out of her scope)
//! and is refused beyond what the commune holds; the unit's page shows its
//! flows; the city's totals count the donor's money once; the public
//! receipt page follows the money. SQLite by default, PostgreSQL with
//! `TEST_DATABASE_URL`.

mod common;

use axum::http::StatusCode;
use chrono::{NaiveDate, Utc};
use common::{Client, PASSWORD, location};
use storage::audit::AuditActor;

struct App {
    client: Client,
    db: storage::Db,
    receipt: String,
}

async fn org(db: &storage::Db, id: &str, name: &str, org_type: &str, unit: Option<&str>) {
    storage::organisations::create(
        db,
        &storage::organisations::Organisation {
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
        },
        &AuditActor::system("test"),
        Utc::now(),
    )
    .await
    .expect("organisation");
}

async fn app() -> App {
    let db = storage::testing::fresh_db().await.expect("db");
    let sys = AuditActor::system("test");
    let now = Utc::now();
    let hash = web::hash_password(PASSWORD).expect("hash");
    for (username, role) in [
        ("coord", "coordinator"),
        ("local", "local_officer"),
        ("inspector", "finance_inspector"),
    ] {
        storage::users::create(
            &db,
            &storage::users::NewUser {
                username: username.into(),
                display_name: username.into(),
                password_hash: hash.clone(),
                role: role.into(),
                org_id: None,
                lang: "en".into(),
                scopes: if role == "local_officer" {
                    vec!["20056".into()]
                } else {
                    vec![]
                },
            },
            &sys,
            now,
        )
        .await
        .expect("user");
    }
    org(&db, "quy", "Quỹ Bảo trợ trẻ em", "fund", None).await;
    org(
        &db,
        "ubnd",
        "UBND xã A Lưới 1",
        "peoples_committee",
        Some("20056"),
    )
    .await;
    org(
        &db,
        "truong",
        "Trường Tiểu học Hồng Kim",
        "school",
        Some("20056"),
    )
    .await;
    storage::donors::create(
        &db,
        &storage::donors::Donor {
            id: "d1".into(),
            kind: "organisation".into(),
            name: "Công ty Sông Hương".into(),
            origin: "domestic".into(),
            donor_type: "business".into(),
            tax_code: Some("3300000001".into()),
            phone: None,
            email: None,
            publish_name: true,
            anonymous: false,
            is_demo: false,
        },
        &sys,
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
        &sys,
        now,
    )
    .await
    .expect("pledge");
    let receipt = storage::receipts::create(
        &db,
        &storage::receipts::NewReceipt {
            pledge_id: "p1".into(),
            kind: "money".into(),
            amount: 10_000_000,
            method: "bank".into(),
            account: "Vietcombank 0071000123456".into(),
            receiver_id: "quy".into(),
            received_on: NaiveDate::from_ymd_opt(2026, 11, 2).expect("date"),
            is_demo: false,
        },
        &sys,
        now,
    )
    .await
    .expect("q")
    .expect("receipt")
    .id;
    let state = web::AppState::new(db.clone(), web::WebConfig::default());
    App {
        client: Client {
            router: web::router(state),
        },
        db,
        receipt,
    }
}

#[tokio::test]
async fn money_passed_down_the_levels_is_one_flow_on_every_page() {
    let a = app().await;
    let (coord, csrf) = a.client.login("coord").await;
    let page = a.client.get("/flows/quy", &coord).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("data-testid=\"transfer-submit\""));
    let r = a
        .client
        .post(
            "/flows/quy/transfer",
            &coord,
            &[
                ("csrf", &csrf),
                ("receipt_id", &a.receipt),
                ("to_org_id", "ubnd"),
                ("amount", "6.000.000"),
                ("transferred_on", "15/11/2026"),
                ("note", "UNC 12"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(location(&r), "/flows/quy");

    // The commune's officer: not from the fund (city level, out of scope)…
    let (local, lcsrf) = a.client.login("local").await;
    let denied = a
        .client
        .post(
            "/flows/quy/transfer",
            &local,
            &[
                ("csrf", &lcsrf),
                ("receipt_id", &a.receipt),
                ("to_org_id", "truong"),
                ("amount", "1000"),
                ("transferred_on", "2026-11-16"),
            ],
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    // …but from her commune to its school, within what it holds.
    let transfer = |amount: &'static str| {
        let (local, lcsrf, receipt) = (local.clone(), lcsrf.clone(), a.receipt.clone());
        let client = &a.client;
        async move {
            client
                .post(
                    "/flows/ubnd/transfer",
                    &local,
                    &[
                        ("csrf", &lcsrf),
                        ("receipt_id", &receipt),
                        ("to_org_id", "truong"),
                        ("amount", amount),
                        ("transferred_on", "2026-11-16"),
                    ],
                )
                .await
        }
    };
    let beyond = transfer("6000001").await;
    assert_eq!(beyond.status, StatusCode::OK);
    assert!(
        beyond
            .body
            .contains("More than this unit holds of this receipt (6.000.000"),
        "{}",
        beyond.body
    );
    assert_eq!(transfer("4000000").await.status, StatusCode::SEE_OTHER);

    // The commune's page: in from the fund, out to the school, 2M held.
    let commune = a.client.get("/flows/ubnd", &local).await;
    assert_eq!(commune.status, StatusCode::OK);
    assert!(commune.body.contains("data-testid=\"flows-in\""));
    assert!(commune.body.contains("Trường Tiểu học Hồng Kim"));
    assert!(commune.body.contains("data-testid=\"held\">2.000.000"));

    // The inspector sees the city counted once, and cannot record.
    let (inspector, _) = a.client.login("inspector").await;
    let city = a.client.get("/flows?unit=20056", &inspector).await;
    assert_eq!(city.status, StatusCode::OK);
    let row = city
        .body
        .split("data-testid=\"city\"")
        .nth(1)
        .and_then(|s| s.split("</tr>").next())
        .expect("city row");
    assert!(row.contains("10.000.000"), "{row}");
    assert!(!row.contains("20.000.000"));
    let fund = a.client.get("/flows/quy", &inspector).await;
    assert!(!fund.body.contains("transfer-submit"));

    // The public receipt page follows the money, without the notes.
    let public = a
        .client
        .get(&format!("/ledger/receipts/{}", a.receipt), "")
        .await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(public.body.contains("data-testid=\"money-path\""));
    assert!(public.body.contains("UBND xã A Lưới 1"));
    assert!(!public.body.contains("UNC 12"));
    assert!(public.body.contains("data-testid=\"held-by\""));
}

#[tokio::test]
async fn a_transfer_is_reversed_by_the_form_with_a_reason_and_counts_no_more() {
    let a = app().await;
    let (coord, csrf) = a.client.login("coord").await;
    let r = a
        .client
        .post(
            "/flows/quy/transfer",
            &coord,
            &[
                ("csrf", &csrf),
                ("receipt_id", &a.receipt),
                ("to_org_id", "ubnd"),
                ("amount", "6000000"),
                ("transferred_on", "2026-11-15"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = a.client.get("/flows/quy", &coord).await;
    assert!(
        page.body.contains("data-testid=\"reverse-transfer\""),
        "{}",
        page.body
    );
    let t = storage::flows::of_organisation(&a.db, "quy")
        .await
        .expect("q")
        .transfers_out
        .remove(0);
    // Without the session's token: refused.
    let no_csrf = a
        .client
        .post(
            "/reversals",
            &coord,
            &[
                ("kind", "transfer"),
                ("id", &t.id),
                ("reason", "x"),
                ("back", "/flows/quy"),
            ],
        )
        .await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    // The receipt first: 409, naming the transfer still drawing on it.
    let refused = a
        .client
        .post(
            "/reversals",
            &coord,
            &[
                ("csrf", &csrf),
                ("kind", "receipt"),
                ("id", &a.receipt),
                ("reason", "trùng"),
                ("back", "/flows/quy"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.body.contains(&t.id), "{}", refused.body);
    let done = a
        .client
        .post(
            "/reversals",
            &coord,
            &[
                ("csrf", &csrf),
                ("kind", "transfer"),
                ("id", &t.id),
                ("reason", "sai đơn vị nhận"),
                ("back", "/flows/quy"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(location(&done), "/flows/quy");
    let page = a.client.get("/flows/quy", &coord).await;
    assert!(
        page.body.contains("data-testid=\"reversed\""),
        "{}",
        page.body
    );
    assert_eq!(
        storage::flows::held(&a.db, "quy", &a.receipt)
            .await
            .expect("q"),
        storage::receipts::get(&a.db, &a.receipt)
            .await
            .expect("q")
            .expect("receipt")
            .amount
    );
}
