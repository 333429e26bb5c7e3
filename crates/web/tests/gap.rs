//! The gap everywhere through pages, downloads and the API: roll-ups whose
//! gap sums each line's own gap, the coordinator's dashboard (largest gaps,
//! overdue pledges, deliveries and lines), a donor's gifts, every table as
//! CSV and XLSX, and receipts, deliveries and roll-ups in `/api/v1` —
//! each scoped and authorised like its page. SQLite by default, PostgreSQL
//! with `TEST_DATABASE_URL`.

mod common;

use axum::http::StatusCode;
use chrono::{NaiveDate, Utc};
use common::{Client, PASSWORD};
use domain::needs::{AgeBand, Category, NeedStatus, PackageItem, PackageVersion};
use serde_json::json;
use storage::audit::AuditActor;

struct App {
    client: Client,
    db: storage::Db,
    /// Line A: 100 × 320.000 ₫ at Hồng Kim (20056), covered 40.000.000 ₫
    /// by an override (8.000.000 ₫ over its need).
    a: String,
    /// Line B: 10 × 320.000 ₫ at Phú Bình (19747), nothing committed.
    b: String,
}

impl std::ops::Deref for App {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("date")
}

async fn app() -> App {
    let db = storage::testing::fresh_db().await.expect("db");
    let hash = web::hash_password(PASSWORD).expect("hash");
    let sys = AuditActor::system("test");
    let now = Utc::now();
    for (username, role, scope) in [
        ("coord", "coordinator", vec![]),
        ("local", "local_officer", vec!["20056".to_owned()]),
        ("school", "site_officer", vec!["20056".to_owned()]),
        ("donor", "donor", vec![]),
    ] {
        storage::users::create(
            &db,
            &storage::users::NewUser {
                username: username.into(),
                display_name: username.into(),
                password_hash: hash.clone(),
                role: role.into(),
                org_id: None,
                lang: "vi".into(),
                scopes: scope,
            },
            &sys,
            now,
        )
        .await
        .expect("user");
    }
    for (id, name, unit, org_type) in [
        ("th-hk", "Trường Tiểu học Hồng Kim", Some("20056"), "school"),
        ("th-pb", "Trường Tiểu học Phú Bình", Some("19747"), "school"),
        ("quy", "Quỹ Bảo trợ trẻ em thành phố", None, "fund"),
    ] {
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
        storage::organisations::create(&db, &o, &sys, now)
            .await
            .expect("org");
    }
    let period = storage::catalogue::Period {
        id: "dai".into(),
        name: "2020–2099".into(),
        starts_on: d(2020, 1, 1),
        ends_on: d(2099, 1, 1),
        is_demo: false,
    };
    storage::catalogue::create_period(&db, &period, &sys, now)
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
    let package = storage::catalogue::add_package_version(&db, &pkg, false, &sys, now)
        .await
        .expect("pkg")
        .id;
    let mut lines = Vec::new();
    for (site, quantity) in [("th-hk", 100), ("th-pb", 10)] {
        let id = storage::needs::create(
            &db,
            &storage::needs::NewNeedLine {
                site_id: site.into(),
                period_id: "dai".into(),
                package_id: package.clone(),
                quantity,
                note: String::new(),
                is_demo: false,
            },
            &sys,
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
                storage::needs::set_status(&db, &id, from, to, None, &sys, now)
                    .await
                    .expect("q")
            );
        }
        lines.push(id);
    }
    storage::donors::create(
        &db,
        &storage::donors::Donor {
            id: "d1".into(),
            kind: "organisation".into(),
            name: "Công ty TNHH ABC".into(),
            origin: "domestic".into(),
            donor_type: "business".into(),
            tax_code: None,
            phone: None,
            email: None,
            publish_name: false,
            anonymous: true,
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
            amount: 60_000_000,
            status: "committed".into(),
            categories: None,
            unit_codes: None,
            age_bands: None,
            period_id: None,
            due_on: Some(d(2021, 1, 1)),
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
    storage::allocations::allocate(
        &db,
        &storage::allocations::AllocationRequest {
            need_line_id: lines[0].clone(),
            pledge_id: "p1".into(),
            amount: 40_000_000,
            override_reason: Some("Trường xin thêm".into()),
            may_override: true,
            is_demo: false,
        },
        &sys,
        now,
    )
    .await
    .expect("q")
    .expect("allocated");
    let state = web::AppState::new(db.clone(), web::WebConfig::default());
    App {
        client: Client {
            router: web::router(state),
        },
        db,
        b: lines.pop().expect("b"),
        a: lines.pop().expect("a"),
    }
}

impl App {
    async fn token(&self, user: &str) -> String {
        let (uid, _) = storage::users::find_for_login(&self.db, user)
            .await
            .expect("q")
            .expect("user");
        let token = web::new_token().expect("rng");
        storage::tokens::create(
            &self.db,
            &uid.id,
            &web::hash_token(&token),
            "t",
            &AuditActor::system("t"),
            Utc::now(),
        )
        .await
        .expect("token");
        token
    }
}

#[tokio::test]
async fn the_rollup_page_sums_each_lines_gap_within_the_viewers_area() {
    let app = app().await;
    let (coord, _) = app.login("coord").await;
    let r = app.get("/needs/rollup?by=commune", &coord).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("data-key=\"20056\"") && r.body.contains("data-key=\"19747\""));
    // Σ need 35.200.000 < committed 40.000.000, yet line B lacks 3.200.000.
    let total = r
        .body
        .split("data-testid=\"rollup-total\"")
        .nth(1)
        .expect("total row");
    assert!(total.contains("3.200.000"), "{total}");
    for by in ["site", "category", "period", "programme"] {
        assert_eq!(
            app.get(&format!("/needs/rollup?by={by}"), &coord)
                .await
                .status,
            StatusCode::OK
        );
    }
    let (local, _) = app.login("local").await;
    let r = app.get("/needs/rollup?by=site", &local).await;
    assert!(r.body.contains("data-key=\"th-hk\""));
    assert!(!r.body.contains("th-pb"), "out of scope");
    let (donor, _) = app.login("donor").await;
    assert_eq!(
        app.get("/needs/rollup", &donor).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/needs/rollup", "").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_coordinators_home_lists_largest_gaps_and_what_is_overdue() {
    let app = app().await;
    let (coord, _) = app.login("coord").await;
    let home = app.get("/home", &coord).await;
    assert_eq!(home.status, StatusCode::OK);
    let gaps = home
        .body
        .split("data-testid=\"largest-gaps\"")
        .nth(1)
        .expect("gaps card");
    assert!(gaps.contains(&format!("/needs/{}", app.b)));
    let overdue = home
        .body
        .split("data-testid=\"overdue\"")
        .nth(1)
        .expect("overdue card");
    assert!(
        overdue.contains("data-kind=\"pledge\" data-id=\"p1\""),
        "{overdue}"
    );
    assert!(overdue.contains("60.000.000"));
    assert!(overdue.contains("data-kind=\"uncovered\""));
    assert!(
        !overdue.contains(&format!("/needs/{}\"", app.a)),
        "line A is covered"
    );
    // A local officer's home has no coordinator dashboard.
    let (local, _) = app.login("local").await;
    assert!(
        !app.get("/home", &local)
            .await
            .body
            .contains("data-testid=\"overdue\"")
    );
}

#[tokio::test]
async fn instalments_are_set_checked_and_shown_overdue_on_the_donors_views() {
    let app = app().await;
    let (coord, csrf) = app.login("coord").await;
    let r = app
        .post(
            "/pledges/p1/instalments",
            &coord,
            &[("csrf", &csrf), ("schedule", "50.000.000; 01/01/2021")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("data-testid=\"instalment-error\""),
        "{}",
        r.body
    );
    assert!(r.body.contains("50.000.000"), "the sum is named");
    let r = app
        .post(
            "/pledges/p1/instalments",
            &coord,
            &[
                ("csrf", &csrf),
                ("schedule", "20.000.000; 01/01/2021\n40.000.000; 01/06/2098"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get("/donors/d1/gifts", &coord).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.body
            .matches("data-testid=\"instalment-overdue\"")
            .count(),
        1
    );
    assert!(page.body.contains("Trường Tiểu học Hồng Kim"));
    let home = app.get("/home", &coord).await;
    assert!(
        home.body.contains("20.000.000"),
        "only the passed instalment is missing"
    );
    // The pledge's public page: no donor name (anonymous), no child.
    let public = app.get("/p/p1/gifts", "").await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(!public.body.contains("Công ty TNHH ABC"));
    assert!(public.body.contains("data-testid=\"pledge-overdue\""));
    assert!(
        !public.body.contains("/pledges/p1/instalments"),
        "no forms in public"
    );
    let (local, _) = app.login("donor").await;
    assert_eq!(
        app.get("/donors/d1/gifts", &local).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn every_table_downloads_as_csv_and_xlsx_scoped_like_its_page() {
    let app = app().await;
    let (coord, _) = app.login("coord").await;
    for table in [
        "needs",
        "rollup",
        "donors",
        "pledges",
        "receipts",
        "allocations",
        "deliveries",
    ] {
        let csv = app.get(&format!("/exports/{table}.csv"), &coord).await;
        assert_eq!(csv.status, StatusCode::OK, "{table}");
        assert!(csv.body.starts_with('\u{feff}'), "{table}: BOM");
        let xlsx = app.get(&format!("/exports/{table}.xlsx"), &coord).await;
        assert_eq!(xlsx.status, StatusCode::OK, "{table}");
        assert!(xlsx.body.starts_with("PK"), "{table}: a zip");
    }
    let rollup = app.get("/exports/rollup.csv?by=site", &coord).await;
    assert_eq!(
        rollup.body.lines().count(),
        4,
        "header, two sites, total: {}",
        rollup.body
    );
    assert!(
        rollup
            .body
            .lines()
            .last()
            .is_some_and(|l| l.ends_with(",3200000"))
    );
    let (local, _) = app.login("local").await;
    let allocations = app.get("/exports/allocations.csv", &local).await;
    assert_eq!(allocations.body.lines().count(), 2);
    let needs = app.get("/exports/needs.csv", &local).await;
    assert!(!needs.body.contains("Phú Bình"));
    let (donor, _) = app.login("donor").await;
    assert_eq!(
        app.get("/exports/donors.csv", &donor).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/exports/receipts.xlsx", "").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/exports/other.csv", &coord).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/exports/needs.pdf", &coord).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn receipts_deliveries_and_rollups_through_the_api() {
    let app = app().await;
    let coord = app.token("coord").await;
    let local = app.token("local").await;
    let donor = app.token("donor").await;
    // Roll-ups, scoped.
    let (status, v) = app
        .api("GET", "/api/v1/rollups?by=category", &coord, json!(null))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["total"]["gap"], 3_200_000);
    assert_eq!(v["total"]["need"], 35_200_000);
    assert_eq!(v["total"]["committed"], 40_000_000);
    let (_, v) = app
        .api("GET", "/api/v1/rollups?by=commune", &local, json!(null))
        .await;
    assert_eq!(v["groups"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["groups"][0]["key"], "20056");
    let (status, _) = app
        .api("GET", "/api/v1/rollups?by=planet", &coord, json!(null))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app.api("GET", "/api/v1/rollups", &donor, json!(null)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Receipts: beyond the commitment is a conflict naming what is left.
    let receipt = |amount: i64| {
        json!({"pledge_id": "p1", "kind": "money", "amount": amount, "method": "bank",
        "account": "0123456789", "receiver_id": "quy", "received_on": "2026-11-20"})
    };
    let (status, v) = app
        .api("POST", "/api/v1/receipts", &coord, receipt(70_000_000))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["remaining"], 60_000_000);
    let (status, v) = app
        .api("POST", "/api/v1/receipts", &coord, receipt(10_000_000))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert!(v["receipt_no"].is_string());
    let (_, v) = app
        .api("GET", "/api/v1/receipts", &coord, json!(null))
        .await;
    assert_eq!(v["receipts"].as_array().map(Vec::len), Some(1));
    let (status, _) = app
        .api("GET", "/api/v1/receipts", &donor, json!(null))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Deliveries: planned, handed over, accepted by the receiving side.
    let rep = |name: &str| json!({"name": name, "position": "Cán bộ"});
    let (status, v) = app
        .api("POST", "/api/v1/deliveries", &coord, json!({"need_line_id": app.a, "giver_id": "quy", "form": "goods",
            "quantities": [{"item": "Áo ấm", "quantity": 10}], "children_served": 10, "on": "2021-02-01",
            "place": "Trường", "giver_rep": rep("Lê Văn Giao"), "receiver_rep": rep("Trần Thị Nhận")}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["value"], 3_200_000);
    let delivery = v["id"].as_str().expect("id").to_owned();
    // Planned in the past: overdue on the dashboard.
    let (cookie, _) = app.login("coord").await;
    assert!(
        app.get("/home", &cookie)
            .await
            .body
            .contains("data-kind=\"delivery\"")
    );
    let (status, _) = app
        .api(
            "POST",
            &format!("/api/v1/deliveries/{delivery}/handover"),
            &local,
            json!({"on": "2026-11-21"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "representatives are required"
    );
    let (status, v) = app
        .api("POST", &format!("/api/v1/deliveries/{delivery}/handover"), &coord,
            json!({"on": "2026-11-21", "place": "Trường", "giver_rep": rep("Lê Văn Giao"), "receiver_rep": rep("Trần Thị Nhận")}))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "handed_over");
    let answers: Vec<serde_json::Value> = ["quantity", "quality", "packaging", "documents"]
        .iter()
        .map(|k| json!({"kind": k, "passed": true}))
        .collect();
    let (status, _) = app
        .api(
            "POST",
            &format!("/api/v1/deliveries/{delivery}/acceptance"),
            &coord,
            json!({"decided_on": "2026-11-22", "decision": "accept", "answers": answers}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the coordinator does not accept"
    );
    // The commune officer no longer signs for the school: she co-signs.
    let (status, _) = app
        .api(
            "POST",
            &format!("/api/v1/deliveries/{delivery}/acceptance"),
            &local,
            json!({"decided_on": "2026-11-22", "decision": "accept", "answers": answers}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let school = app.token("school").await;
    let (status, v) = app
        .api(
            "POST",
            &format!("/api/v1/deliveries/{delivery}/acceptance"),
            &school,
            json!({"decided_on": "2026-11-22", "decision": "accept", "answers": answers}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(
        v["status"], "site_signed",
        "the school's signature alone does not accept"
    );
    let cosign = |decision: &str| json!({"decided_on": "2026-11-23", "decision": decision});
    let (status, _) = app
        .api(
            "POST",
            &format!("/api/v1/deliveries/{delivery}/cosign"),
            &school,
            cosign("accept"),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the school does not co-sign");
    let (status, _) = app
        .api(
            "POST",
            &format!("/api/v1/deliveries/{delivery}/cosign"),
            &local,
            cosign("maybe"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, v) = app
        .api(
            "POST",
            &format!("/api/v1/deliveries/{delivery}/cosign"),
            &local,
            cosign("accept"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "accepted");
    assert_eq!(v["accepted"], 3_200_000);
    let (_, v) = app
        .api("GET", "/api/v1/deliveries", &local, json!(null))
        .await;
    assert_eq!(v["deliveries"][0]["status"], "accepted");
    let (_, v) = app
        .api("GET", "/api/v1/rollups?by=site", &coord, json!(null))
        .await;
    assert_eq!(v["total"]["delivered"], 3_200_000);
    assert_eq!(v["total"]["accepted"], 3_200_000);
    assert_eq!(v["total"]["received"], 10_000_000);
    // The donor's gifts: delivered and accepted, children as a suppressed count.
    let page = app.get("/donors/d1/gifts", &cookie).await;
    assert!(
        page.body.contains("data-testid=\"gift-children\">10<"),
        "{}",
        page.body
    );
    let (status, v) = app
        .api(
            "POST",
            &format!("/api/v1/deliveries/{delivery}/acceptance"),
            &school,
            json!({"decided_on": "2026-11-22", "decision": "maybe"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
}

#[tokio::test]
async fn the_needs_list_is_paginated_within_its_page_budget() {
    let app = app().await;
    let package = storage::needs::get(&app.db, &app.a)
        .await
        .expect("q")
        .expect("a")
        .package_id;
    let many: Vec<storage::needs::NewNeedLine> = (0..400)
        .map(|i| storage::needs::NewNeedLine {
            site_id: if i % 2 == 0 { "th-hk" } else { "th-pb" }.into(),
            period_id: "dai".into(),
            package_id: package.clone(),
            quantity: 1 + i,
            note: format!("Khảo sát số {i}, danh sách học sinh thiếu áo ấm"),
            is_demo: false,
        })
        .collect();
    storage::needs::create_many(&app.db, &many, &AuditActor::system("t"), Utc::now())
        .await
        .expect("q")
        .expect("valid");
    let (coord, _) = app.login("coord").await;
    let first = app
        .send(
            axum::http::Request::get("/needs")
                .header(axum::http::header::COOKIE, &coord)
                .header(axum::http::header::ACCEPT_ENCODING, "gzip")
                .body(axum::body::Body::empty())
                .expect("req"),
        )
        .await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(
        first.raw_len <= 14 * 1024,
        "{} bytes compressed",
        first.raw_len
    );
    let page1 = app.get("/needs", &coord).await.body;
    assert!(page1.contains("data-testid=\"pager\""));
    assert!(page1.contains("402 "), "every line is counted");
    let rows = |html: &str| html.matches("<tr><td><a href=\"/needs/").count();
    assert_eq!(rows(&page1), 150);
    let page3 = app
        .get("/needs?status=&category=&period_id=&page=3", &coord)
        .await
        .body;
    assert_eq!(rows(&page3), 102);
    assert!(!page3.contains("data-testid=\"next-page\""));
    // Beyond the last page: the last page.
    assert_eq!(rows(&app.get("/needs?page=99", &coord).await.body), 102);
}

#[tokio::test]
async fn a_nonconformity_is_followed_up_and_the_donors_gifts_read_through_the_api() {
    let app = app().await;
    let coord = app.token("coord").await;
    let local = app.token("local").await;
    let school = app.token("school").await;
    let donor = app.token("donor").await;
    let (status, v) = app
        .api(
            "POST",
            "/api/v1/receipts",
            &coord,
            json!({"pledge_id": "p1", "kind": "money", "amount": 10_000_000, "method": "bank",
                "account": "0123456789", "receiver_id": "quy", "received_on": "2026-11-20"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let rep = |name: &str| json!({"name": name, "position": "Cán bộ"});
    let (status, v) = app
        .api("POST", "/api/v1/deliveries", &coord, json!({"need_line_id": app.a, "giver_id": "quy", "form": "goods",
            "quantities": [{"item": "Áo ấm", "quantity": 10}], "children_served": 10, "on": "2026-11-21",
            "hand_over": true, "place": "Trường", "giver_rep": rep("Lê Văn Giao"), "receiver_rep": rep("Trần Thị Nhận")}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let delivery = v["id"].as_str().expect("id").to_owned();
    let answers: Vec<serde_json::Value> = ["quality", "packaging", "documents"]
        .iter()
        .map(|k| json!({"kind": k, "passed": true}))
        .chain(std::iter::once(json!({"kind": "quantity", "passed": false,
            "note": "thiếu 2 áo", "quantity": 2, "value": 640_000, "action": "replace"})))
        .collect();
    let (status, v) = app
        .api(
            "POST",
            &format!("/api/v1/deliveries/{delivery}/acceptance"),
            &school,
            json!({"decided_on": "2026-11-22", "decision": "accept", "answers": answers}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, v) = app
        .api(
            "POST",
            &format!("/api/v1/deliveries/{delivery}/cosign"),
            &local,
            json!({"decided_on": "2026-11-23", "decision": "accept"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let before = v["accepted"].as_i64().expect("accepted");
    assert!(before < 3_200_000, "{v}");

    // Read: the delivery and its open non-conformity; not for a donor.
    let (status, v) = app
        .api(
            "GET",
            &format!("/api/v1/deliveries/{delivery}"),
            &local,
            json!(null),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["nonconformities"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["nonconformities"][0]["resolved"], false);
    assert_eq!(v["nonconformities"][0]["action"], "replace");
    let nc = v["nonconformities"][0]["id"]
        .as_str()
        .expect("nc")
        .to_owned();
    let (status, _) = app
        .api(
            "GET",
            &format!("/api/v1/deliveries/{delivery}"),
            &donor,
            json!(null),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Follow-up: the receiving side only, with a note, in valid JSON.
    let path = format!("/api/v1/nonconformities/{nc}/resolve");
    let (status, _) = app
        .api("POST", &path, &coord, json!({"note": "đã đổi"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the giver does not resolve");
    let (status, v) = app.api("POST", &path, &school, json!({"note": " "})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"], "delivery-error-note");
    let (status, v) = app.api("POST", &path, &school, json!({"note": 5})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    let (status, v) = app
        .api(
            "POST",
            &path,
            &school,
            json!({"note": "Đã đổi 2 áo", "on": "2026-12-01"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["nonconformity"]["resolved"], true);
    assert_eq!(v["accepted"], 3_200_000, "replaced: accepted in full");
    let (status, _) = app
        .api(
            "POST",
            "/api/v1/nonconformities/nope/resolve",
            &school,
            json!({"note": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // What the donor's gifts became: children only as a count.
    let (status, v) = app
        .api("GET", "/api/v1/donors/d1/gifts", &coord, json!(null))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let p1 = v["pledges"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["pledge_id"] == "p1"))
        .expect("p1");
    assert_eq!(p1["received"], 10_000_000);
    let gift = p1["gifts"]
        .as_array()
        .and_then(|g| g.iter().find(|g| g["delivered"] == 3_200_000))
        .expect("the delivered gift");
    assert_eq!(gift["accepted"], 3_200_000);
    assert_eq!(gift["children"], "10");
    assert!(gift.get("children_served").is_none());
    for token in [&donor, &school] {
        let (status, _) = app
            .api("GET", "/api/v1/donors/d1/gifts", token, json!(null))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let (status, _) = app
        .api("GET", "/api/v1/donors/nope/gifts", &coord, json!(null))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
