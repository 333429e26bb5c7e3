//! The JSON API of money passed on, stores and stock, and instalments
//! (issue 3, item 11): each group's success, a refusal, a 403 out of role
//! or out of scope, and a 400/422 on bad JSON, with the same rights as the
//! pages. SQLite by default, PostgreSQL with `TEST_DATABASE_URL`.

mod common;

use axum::http::StatusCode;
use chrono::{NaiveDate, Utc};
use common::{Client, PASSWORD};
use serde_json::json;
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

fn pledge(id: &str, kind: &str, amount: i64) -> storage::donors::Pledge {
    storage::donors::Pledge {
        id: id.into(),
        donor_id: "d1".into(),
        kind: kind.into(),
        amount,
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
    }
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
    storage::donors::create_pledge(&db, &pledge("p1", "money", 10_000_000), &sys, now)
        .await
        .expect("pledge");
    storage::donors::create_pledge(&db, &pledge("p2", "goods", 5_000_000), &sys, now)
        .await
        .expect("goods pledge");
    let receipt = storage::receipts::create(
        &db,
        &storage::receipts::NewReceipt {
            pledge_id: "p1".into(),
            kind: "money".into(),
            amount: 4_000_000,
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

impl App {
    async fn token(&self, user: &str) -> String {
        let (u, _) = storage::users::find_for_login(&self.db, user)
            .await
            .expect("q")
            .expect("user");
        let token = web::new_token().expect("rng");
        storage::tokens::create(
            &self.db,
            &u.id,
            &web::hash_token(&token),
            "t",
            &AuditActor::system("t"),
            Utc::now(),
        )
        .await
        .expect("token");
        token
    }

    async fn raw(&self, method: &str, path: &str, token: &str, body: &str) -> StatusCode {
        use axum::body::Body;
        use axum::http::{Request, header};
        self.client
            .send(
                Request::builder()
                    .method(method)
                    .uri(path)
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(body.to_owned()))
                    .expect("req"),
            )
            .await
            .status
    }
}

#[tokio::test]
async fn money_passed_on_through_the_api_keeps_the_pages_rights_and_limits() {
    let a = app().await;
    let coord = a.token("coord").await;
    let local = a.token("local").await;
    let inspector = a.token("inspector").await;

    // The coordinator passes 3M of the fund's receipt to the commune.
    let (s, v) = a
        .client
        .api(
            "POST",
            "/api/v1/transfers",
            &coord,
            json!({"from_org_id": "quy", "receipt_id": a.receipt, "to_org_id": "ubnd",
                "amount": 3_000_000, "transferred_on": "2026-11-15", "note": "UNC 12"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["held_by_sender"], 1_000_000);

    // Beyond what the fund holds: 409 naming what it holds.
    let (s, v) = a
        .client
        .api(
            "POST",
            "/api/v1/transfers",
            &coord,
            json!({"from_org_id": "quy", "receipt_id": a.receipt, "to_org_id": "ubnd",
                "amount": 1_000_001, "transferred_on": "2026-11-15"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["error"], "flow-error-beyond-held");
    assert_eq!(v["held"], 1_000_000);
    assert!(v["message"].as_str().unwrap_or("").contains("1.000.000"));

    // The commune's officer: not from the fund (city level, out of scope)…
    let (s, _) = a
        .client
        .api(
            "POST",
            "/api/v1/transfers",
            &local,
            json!({"from_org_id": "quy", "receipt_id": a.receipt, "to_org_id": "truong",
                "amount": 1000, "transferred_on": "2026-11-16"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // …nor the fund's flows to read; the inspector may not record.
    let (s, _) = a
        .client
        .api("GET", "/api/v1/flows?org=quy", &local, json!(null))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = a
        .client
        .api(
            "POST",
            "/api/v1/expenditures",
            &inspector,
            json!({"org_id": "ubnd", "receipt_id": a.receipt, "amount": 1, "spent_on": "2026-11-17"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The commune spends 1M of it; an unfunded line is refused (422).
    let (s, v) = a
        .client
        .api(
            "POST",
            "/api/v1/expenditures",
            &local,
            json!({"org_id": "ubnd", "receipt_id": a.receipt, "amount": 1_000_000,
                "spent_on": "2026-11-17", "description": "sách vở"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["held"], 2_000_000);
    let (s, v) = a
        .client
        .api(
            "POST",
            "/api/v1/expenditures",
            &local,
            json!({"org_id": "ubnd", "receipt_id": a.receipt, "amount": 0, "spent_on": "2026-11-17"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"], "allocation-error-amount");

    // Bad JSON: 400 with the key.
    let bad = a
        .raw("POST", "/api/v1/transfers", &coord, "{\"amount\": \"lots\"")
        .await;
    assert_eq!(bad, StatusCode::BAD_REQUEST);
    let (s, v) = a
        .client
        .api(
            "POST",
            "/api/v1/expenditures",
            &local,
            json!({"org_id": "ubnd", "receipt_id": a.receipt, "amount": 5, "spent_on": "17/11/2026"}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["error"], "bad_request", "{v}");

    // The commune's flows: in 3M from the fund, spent 1M, 2M held.
    let (s, v) = a
        .client
        .api("GET", "/api/v1/flows?org=ubnd", &local, json!(null))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["totals"]["came_in"], 3_000_000);
    assert_eq!(v["totals"]["spent"], 1_000_000);
    assert_eq!(v["totals"]["held"], 2_000_000);
    assert_eq!(v["transfers_in"][0]["from_org_id"], "quy");
    assert_eq!(v["expenditures"][0]["amount"], 1_000_000);
    assert_eq!(v["holdings"][0]["held"], 2_000_000);
    assert_eq!(v["may_record"], true);

    // City totals count the donor's money once, for city-wide roles only.
    let (s, v) = a
        .client
        .api("GET", "/api/v1/flows?unit=20056", &inspector, json!(null))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["city"]["received"], 4_000_000);
    assert_eq!(v["city"]["spent"], 1_000_000);
    assert_eq!(v["city"]["held"], 3_000_000);
    assert_eq!(v["unit"]["totals"]["held"], 2_000_000);
    let (s, v) = a
        .client
        .api("GET", "/api/v1/flows", &local, json!(null))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["city"].is_null(), "{v}");
    let names: Vec<&str> = v["organisations"]
        .as_array()
        .map(|a| a.iter().filter_map(|o| o["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, vec!["ubnd"], "{v}");
}

#[tokio::test]
async fn stores_and_stock_through_the_api_are_scoped_and_never_below_zero() {
    let a = app().await;
    let coord = a.token("coord").await;
    let local = a.token("local").await;
    let inspector = a.token("inspector").await;

    let (s, commune_store) = a
        .client
        .api(
            "POST",
            "/api/v1/stores",
            &local,
            json!({"org_id": "ubnd", "name": "Kho xã A Lưới 1", "address": "Thôn 2"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{commune_store}");
    let store = commune_store["id"].as_str().expect("id").to_owned();
    // The commune may not open a store for the city's fund.
    let (s, _) = a
        .client
        .api(
            "POST",
            "/api/v1/stores",
            &local,
            json!({"org_id": "quy", "name": "Kho quỹ"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, fund_store) = a
        .client
        .api(
            "POST",
            "/api/v1/stores",
            &coord,
            json!({"org_id": "quy", "name": "Kho quỹ"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{fund_store}");
    let fund_store = fund_store["id"].as_str().expect("id").to_owned();

    // Goods received into the commune's store: the receipt's amount is
    // the items' valuation; beyond the commitment is 409.
    let (s, v) = a
        .client
        .api(
            "POST",
            "/api/v1/receipts",
            &coord,
            json!({"pledge_id": "p2", "kind": "goods", "receiver_id": "ubnd",
                "received_on": "2026-11-18", "store_id": store,
                "items": [{"name": "Áo ấm", "unit": "cái", "quantity": 20, "unit_value": 150_000}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["amount"], 3_000_000);
    let (s, v) = a
        .client
        .api(
            "POST",
            "/api/v1/receipts",
            &coord,
            json!({"pledge_id": "p2", "kind": "goods", "receiver_id": "ubnd",
                "received_on": "2026-11-18", "store_id": store,
                "items": [{"name": "Áo ấm", "unit": "cái", "quantity": 20, "unit_value": 150_000}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["remaining"], 2_000_000);

    // Found goods, then a loss beyond what is there (409 naming it).
    let (s, v) = a
        .client
        .api(
            "POST",
            &format!("/api/v1/stores/{store}/adjustments"),
            &local,
            json!({"item": "Chăn ấm", "unit": "cái", "change": 10, "reason": "tìm thấy", "on": "2026-11-20"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["kind"], "adjustment");
    let (s, v) = a
        .client
        .api(
            "POST",
            &format!("/api/v1/stores/{store}/adjustments"),
            &local,
            json!({"item": "Chăn ấm", "unit": "cái", "change": -11, "reason": "hỏng"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["available"], 10);
    assert_eq!(v["item"], "Chăn ấm");
    let (s, v) = a
        .client
        .api(
            "POST",
            &format!("/api/v1/stores/{store}/adjustments"),
            &local,
            json!({"item": "Chăn ấm", "unit": "cái", "change": -1, "reason": " "}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");

    // A stocktake finds 8: a count event of −2.
    let (s, v) = a
        .client
        .api(
            "POST",
            &format!("/api/v1/stores/{store}/counts"),
            &local,
            json!({"lines": [{"item": "Chăn ấm", "unit": "cái", "counted": 8}], "note": "kiểm kê"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["events"][0]["quantity"], -2);
    assert_eq!(v["events"][0]["counted"], 8);
    let (s, v) = a
        .client
        .api(
            "POST",
            &format!("/api/v1/stores/{store}/counts"),
            &local,
            json!({"lines": []}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let bad = a
        .raw(
            "POST",
            &format!("/api/v1/stores/{store}/counts"),
            &local,
            "{\"lines\": [{\"item\": 1}]}",
        )
        .await;
    assert_eq!(bad, StatusCode::BAD_REQUEST);

    // The stock is computed: 10 − 2.
    let (s, v) = a
        .client
        .api(
            "GET",
            &format!("/api/v1/stores/{store}"),
            &local,
            json!(null),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["stock"][0]["item"], "Chăn ấm");
    assert_eq!(v["stock"][0]["quantity"], 8);
    assert_eq!(v["stock"][1]["item"], "Áo ấm");
    assert_eq!(v["stock"][1]["quantity"], 20);
    assert_eq!(v["events"].as_array().map(Vec::len), Some(3));
    assert_eq!(v["may_manage"], true);

    // Scopes: the commune sees its store, not the fund's; the inspector
    // reads but may not adjust.
    let (s, v) = a
        .client
        .api("GET", "/api/v1/stores", &local, json!(null))
        .await;
    assert_eq!(s, StatusCode::OK);
    let ids: Vec<&str> = v["stores"]
        .as_array()
        .map(|a| a.iter().filter_map(|o| o["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(ids, vec![store.as_str()], "{v}");
    let (s, _) = a
        .client
        .api(
            "GET",
            &format!("/api/v1/stores/{fund_store}"),
            &local,
            json!(null),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = a
        .client
        .api(
            "GET",
            &format!("/api/v1/stores/{store}"),
            &inspector,
            json!(null),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["may_manage"], false);
    let (s, _) = a
        .client
        .api(
            "POST",
            &format!("/api/v1/stores/{store}/adjustments"),
            &inspector,
            json!({"item": "Chăn ấm", "unit": "cái", "change": 1, "reason": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = a
        .client
        .api("GET", "/api/v1/stores/nope", &coord, json!(null))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_pledges_instalments_are_replaced_through_the_api_and_must_add_up() {
    let a = app().await;
    let coord = a.token("coord").await;
    let inspector = a.token("inspector").await;

    let (s, v) = a
        .client
        .api(
            "PUT",
            "/api/v1/pledges/p1/instalments",
            &coord,
            json!({"instalments": [{"amount": 6_000_000, "due_on": "2027-01-15"},
                {"amount": 4_000_000, "due_on": "2026-10-01"}]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["instalments"][0]["due_on"], "2026-10-01");
    assert_eq!(v["instalments"][1]["amount"], 6_000_000);
    assert_eq!(v["received"], 4_000_000);
    assert!(v["overdue"].is_null(), "{v}");

    // Not adding up: 422 with the sum, and the schedule is unchanged.
    let (s, v) = a
        .client
        .api(
            "PUT",
            "/api/v1/pledges/p1/instalments",
            &coord,
            json!({"instalments": [{"amount": 9_000_000, "due_on": "2027-01-15"}]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"], "instalment-error-sum");
    assert_eq!(v["sum"], 9_000_000);
    assert!(
        v["message"].as_str().unwrap_or("").contains("9.000.000"),
        "{v}"
    );
    let (s, v) = a
        .client
        .api("GET", "/api/v1/pledges/p1/instalments", &coord, json!(null))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["instalments"].as_array().map(Vec::len), Some(2));

    // Two on one date names the line (0-based index).
    let (s, v) = a
        .client
        .api(
            "PUT",
            "/api/v1/pledges/p1/instalments",
            &coord,
            json!({"instalments": [{"amount": 5_000_000, "due_on": "2027-01-15"},
                {"amount": 5_000_000, "due_on": "2027-01-15"}]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["index"], 1);

    // Out of role, unknown pledge, bad JSON.
    let (s, _) = a
        .client
        .api(
            "GET",
            "/api/v1/pledges/p1/instalments",
            &inspector,
            json!(null),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = a
        .client
        .api(
            "PUT",
            "/api/v1/pledges/p1/instalments",
            &inspector,
            json!({"instalments": [{"amount": 10_000_000, "due_on": "2027-01-15"}]}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = a
        .client
        .api(
            "PUT",
            "/api/v1/pledges/nope/instalments",
            &coord,
            json!({"instalments": [{"amount": 1, "due_on": "2027-01-15"}]}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let bad = a
        .raw(
            "PUT",
            "/api/v1/pledges/p1/instalments",
            &coord,
            "{\"instalments\": [{\"amount\": 1, \"due_on\": \"15/01/2027\"}]}",
        )
        .await;
    assert_eq!(bad, StatusCode::BAD_REQUEST);
    let (s, _) = a
        .client
        .api("GET", "/api/v1/pledges/p1/instalments", "nope", json!(null))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_catalogue_is_kept_through_the_api_by_the_coordinator_only() {
    let a = app().await;
    let coord = a.token("coord").await;
    let local = a.token("local").await;

    let (s, v) = a
        .client
        .api(
            "POST",
            "/api/v1/catalogue/periods",
            &coord,
            json!({"name": "Mùa đông 2026–27", "starts_on": "2026-11-01", "ends_on": "2027-03-01"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = a
        .client
        .api(
            "POST",
            "/api/v1/catalogue/periods",
            &coord,
            json!({"name": "Ngược", "starts_on": "2027-03-01", "ends_on": "2026-11-01"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"], "period-error");

    let package = |value: i64| {
        json!({"code": "AO-TH", "name": "Áo ấm tiểu học", "category": "warm_clothing",
            "age_band": "primary", "items": [
                {"name": "Áo ấm", "unit": "cái", "quantity": 1, "unit_value": 250_000},
                {"name": "Mũ len", "unit": "cái", "quantity": 1, "unit_value": value}]})
    };
    let (s, v) = a
        .client
        .api(
            "POST",
            "/api/v1/catalogue/packages",
            &coord,
            package(70_000),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["version"], 1);
    assert_eq!(v["unit_value"], 320_000);
    let (s, v) = a
        .client
        .api(
            "POST",
            "/api/v1/catalogue/packages",
            &coord,
            package(80_000),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["version"], 2, "a change makes a new version");
    let (s, v) = a
        .client
        .api("POST", "/api/v1/catalogue/packages", &coord, package(0))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["index"], 1);

    let (s, v) = a
        .client
        .api("GET", "/api/v1/catalogue", &coord, json!(null))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        v["periods"]
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p["name"] == "Mùa đông 2026–27")),
        "{v}"
    );

    // Out of role, and bad JSON.
    let (s, _) = a
        .client
        .api(
            "POST",
            "/api/v1/catalogue/packages",
            &local,
            package(70_000),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = a
        .client
        .api(
            "POST",
            "/api/v1/catalogue/periods",
            &local,
            json!({"name": "x", "starts_on": "2026-11-01", "ends_on": "2027-03-01"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let bad = a
        .raw(
            "POST",
            "/api/v1/catalogue/periods",
            &coord,
            "{\"name\": \"x\", \"starts_on\": \"01/11/2026\", \"ends_on\": \"2027-03-01\"}",
        )
        .await;
    assert_eq!(bad, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn reversals_through_the_api_refuse_while_drawn_on_and_keep_the_rights() {
    let a = app().await;
    let coord = a.token("coord").await;
    let local = a.token("local").await;
    let inspector = a.token("inspector").await;
    let (s, t) = a
        .client
        .api(
            "POST",
            "/api/v1/transfers",
            &coord,
            json!({"from_org_id": "quy", "receipt_id": a.receipt, "to_org_id": "ubnd",
                "amount": 3_000_000, "transferred_on": "2026-11-15"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    let (s, e) = a
        .client
        .api(
            "POST",
            "/api/v1/expenditures",
            &local,
            json!({"org_id": "ubnd", "receipt_id": a.receipt, "amount": 1_000_000,
                "spent_on": "2026-11-17", "description": "sách vở"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
    let rev = |kind: &str, id: &serde_json::Value, reason: &str| json!({"kind": kind, "id": id, "reason": reason});
    let receipt = json!(a.receipt);

    // The receipt: 409 naming the transfer and the expenditure drawing on it.
    let (s, v) = a
        .client
        .api(
            "POST",
            "/api/v1/reversals",
            &coord,
            rev("receipt", &receipt, "trùng sao kê"),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["error"], "reversal-error-drawn-on");
    let drawn: Vec<(String, String)> = v["drawn_on"]
        .as_array()
        .expect("drawn_on")
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap_or("").to_owned(),
                d["id"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert!(
        drawn.contains(&("transfer".into(), t["id"].as_str().expect("id").into())),
        "{v}"
    );
    assert!(
        drawn.contains(&("expenditure".into(), e["id"].as_str().expect("id").into())),
        "{v}"
    );

    // Rights: the inspector never; the commune's officer not a receipt
    // (the coordinator's), but its own expenditure.
    let (s, _) = a
        .client
        .api(
            "POST",
            "/api/v1/reversals",
            &inspector,
            rev("expenditure", &e["id"], "x"),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = a
        .client
        .api(
            "POST",
            "/api/v1/reversals",
            &local,
            rev("receipt", &receipt, "x"),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // No reason: 422; an unknown kind: 400; an unknown id: 404.
    let (s, v) = a
        .client
        .api(
            "POST",
            "/api/v1/reversals",
            &local,
            rev("expenditure", &e["id"], " "),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"], "reversal-error-reason");
    let (s, _) = a
        .client
        .api(
            "POST",
            "/api/v1/reversals",
            &coord,
            rev("delivery", &e["id"], "x"),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = a
        .client
        .api(
            "POST",
            "/api/v1/reversals",
            &coord,
            rev("transfer", &json!("khong-co"), "x"),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let (s, v) = a
        .client
        .api(
            "POST",
            "/api/v1/reversals",
            &local,
            rev("expenditure", &e["id"], "chi nhầm"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["kind"], "expenditure");
    assert_eq!(v["amount"], 1_000_000);
    // Never twice.
    let (s, v) = a
        .client
        .api(
            "POST",
            "/api/v1/reversals",
            &local,
            rev("expenditure", &e["id"], "lại"),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["error"], "reversal-error-twice");
    let (s, v) = a
        .client
        .api(
            "POST",
            "/api/v1/reversals",
            &coord,
            rev("transfer", &t["id"], "sai đơn vị"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = a
        .client
        .api(
            "POST",
            "/api/v1/reversals",
            &coord,
            rev("receipt", &receipt, "trùng sao kê"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    // Counted nowhere; the ledger still verifies.
    let (s, v) = a
        .client
        .api("GET", "/api/v1/flows?org=quy", &coord, json!(null))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["totals"]["received"], 0);
    assert_eq!(v["totals"]["held"], 0);
    assert!(storage::ledger::verify(&a.db).await.expect("q").is_ok());
}

#[tokio::test]
async fn age_bands_are_data_the_coordinator_adds_without_overlap() {
    let a = app().await;
    let coord = a.token("coord").await;
    let local = a.token("local").await;
    let (s, v) = a
        .client
        .api("GET", "/api/v1/catalogue/age-bands", &coord, json!(null))
        .await;
    assert_eq!(s, StatusCode::OK);
    let codes = |v: &serde_json::Value| -> Vec<String> {
        v["age_bands"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|b| b["code"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(codes(&v), ["preschool", "primary", "other"]);
    assert_eq!(v["age_bands"][0]["min_age"], 3);
    assert_eq!(v["age_bands"][1]["max_age"], 10);
    assert_eq!(v["age_bands"][0]["built_in"], true);

    let band = |code: &str, min: i64, max: i64| {
        json!({"code": code, "name_vi": "Trung học cơ sở (11–14 tuổi)",
            "name_en": "Lower secondary (11–14)", "min_age": min, "max_age": max})
    };
    let post = |token: String, body: serde_json::Value| {
        let client = &a.client;
        async move {
            client
                .api("POST", "/api/v1/catalogue/age-bands", &token, body)
                .await
        }
    };
    let (s, _) = post(local.clone(), band("thcs", 11, 14)).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "the catalogue is the coordinator's"
    );
    let (s, v) = post(coord.clone(), band("thcs", 10, 14)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"], "band-error-overlap");
    assert!(
        v["message"]
            .as_str()
            .is_some_and(|m| m.contains("primary") && m.contains("6–10")),
        "{v}"
    );
    let (s, v) = post(coord.clone(), band("THCS 1", 11, 14)).await;
    assert_eq!(
        (s, v["error"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("band-error-code"))
    );
    let (s, v) = post(coord.clone(), band("thcs", 14, 11)).await;
    assert_eq!(
        (s, v["error"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("band-error-ages"))
    );
    let (s, v) = post(coord.clone(), band("thcs", 11, 14)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(
        (v["code"].as_str(), v["built_in"].as_bool()),
        (Some("thcs"), Some(false))
    );
    let (s, v) = post(coord.clone(), band("thcs", 15, 17)).await;
    assert_eq!(
        (s, v["error"].as_str()),
        (StatusCode::CONFLICT, Some("band-error-exists"))
    );
    let (_, v) = a
        .client
        .api("GET", "/api/v1/catalogue/age-bands", &coord, json!(null))
        .await;
    assert_eq!(codes(&v), ["preschool", "primary", "thcs", "other"]);

    // A package for the new band is taken; one for a band that does not
    // exist is refused, naming it.
    let package = |band: &str| {
        json!({"code": "AO-THCS", "name": "Áo ấm THCS", "category": "warm_clothing",
            "age_band": band, "items": [{"name": "Áo ấm", "unit": "cái", "quantity": 1, "unit_value": 280_000}]})
    };
    let (s, v) = a
        .client
        .api(
            "POST",
            "/api/v1/catalogue/packages",
            &coord,
            package("thcs"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = a
        .client
        .api(
            "POST",
            "/api/v1/catalogue/packages",
            &coord,
            package("thpt"),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"], "band-error-unknown");
    assert!(
        v["message"].as_str().is_some_and(|m| m.contains("thpt")),
        "{v}"
    );
    let stored = storage::catalogue::current_packages(&a.db)
        .await
        .expect("q");
    assert!(stored.iter().any(|k| k.version.age_band.as_str() == "thcs"));
    assert!(
        !stored
            .iter()
            .any(|k| k.version.code == "AO-THCS" && k.version.version > 1)
    );

    // The catalogue page lists the bands and adds one by its form.
    let (cookie, csrf) = a.client.login("coord").await;
    let page = a.client.get("/catalogue", &cookie).await;
    assert!(page.body.contains("data-testid=\"age-bands\""));
    assert!(page.body.contains("Trung học cơ sở (11–14 tuổi)"));
    let form = |min: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("code", "thpt".to_owned()),
            ("name_vi", "Trung học phổ thông (15–17 tuổi)".to_owned()),
            ("name_en", "Upper secondary (15–17)".to_owned()),
            ("min_age", min.to_owned()),
            ("max_age", "17".to_owned()),
        ]
    };
    let bad = form("14");
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = a.client.post("/catalogue/age-bands", &cookie, &bad).await;
    assert!(
        r.body.contains("thcs (11–14)"),
        "the overlapped band named: {}",
        r.body
    );
    let ok = form("15");
    let ok: Vec<(&str, &str)> = ok.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = a.client.post("/catalogue/age-bands", &cookie, &ok).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(
        storage::age_bands::get(&a.db, "thpt")
            .await
            .expect("q")
            .is_some()
    );

    // An added band is renamed by its form; the page then shows the name.
    let edit = [
        ("csrf", csrf.as_str()),
        ("name_vi", "Trung học phổ thông"),
        ("name_en", "Upper secondary"),
        ("min_age", "15"),
        ("max_age", "18"),
    ];
    let r = a
        .client
        .post("/catalogue/age-bands/thpt", &cookie, &edit)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = a.client.get("/catalogue", &cookie).await;
    assert!(
        page.body.contains("Upper secondary</td><td>15–18"),
        "{}",
        page.body
    );

    // Through the API: the plan's bands are fixed (409), a band a package
    // names is kept (409 with the counts), an unused one is deleted (204).
    let put = |code: &str, body: serde_json::Value| {
        let client = &a.client;
        let token = coord.clone();
        let path = format!("/api/v1/catalogue/age-bands/{code}");
        async move { client.api("PUT", &path, &token, body).await }
    };
    let edit = |min: i64, max: i64| json!({"name_vi": "THCS", "name_en": "Lower secondary", "min_age": min, "max_age": max});
    let (s, v) = put("primary", edit(6, 11)).await;
    assert_eq!(
        (s, v["error"].as_str()),
        (StatusCode::CONFLICT, Some("band-error-built-in"))
    );
    let (s, v) = put("thcs", edit(11, 15)).await;
    assert_eq!(
        (s, v["error"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("band-error-overlap")),
        "{v}"
    );
    let (s, v) = put("thcs", edit(11, 14)).await;
    assert_eq!(
        (s, v["name_vi"].as_str()),
        (StatusCode::OK, Some("THCS")),
        "{v}"
    );
    let (s, v) = put("nope", edit(20, 21)).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, _) = a
        .client
        .api(
            "DELETE",
            "/api/v1/catalogue/age-bands/thcs",
            &local,
            json!(null),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = a
        .client
        .api(
            "DELETE",
            "/api/v1/catalogue/age-bands/thcs",
            &coord,
            json!(null),
        )
        .await;
    assert_eq!(
        (s, v["error"].as_str(), v["packages"].as_i64()),
        (StatusCode::CONFLICT, Some("band-error-in-use"), Some(1)),
        "{v}"
    );
    let (s, _) = a
        .client
        .api(
            "DELETE",
            "/api/v1/catalogue/age-bands/thpt",
            &coord,
            json!(null),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert!(
        storage::age_bands::get(&a.db, "thpt")
            .await
            .expect("q")
            .is_none()
    );
}
