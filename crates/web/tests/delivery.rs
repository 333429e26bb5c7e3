//! Deliveries in the browser: who may plan, hand over, accept and read
//! (an officer outside the commune gets 403, the public 401), the
//! acceptance checklist with a non-conformity followed up, the handover
//! minutes as a page with the national header and as a DOCX, and the
//! delivered and accepted axes on the need page, the list, the CSV and the
//! API. SQLite by default, PostgreSQL with `TEST_DATABASE_URL`.

mod common;

use std::io::Read;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use chrono::{NaiveDate, Utc};
use common::{Client, PASSWORD, location};
use domain::needs::{AgeBand, Category, NeedStatus, PackageItem, PackageVersion};
use storage::audit::AuditActor;
use tower::ServiceExt;

struct App {
    client: Client,
    db: storage::Db,
    line: String,
}

impl std::ops::Deref for App {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

/// A published warm-clothing line of 100 children at a school in A Lưới 1
/// (20056), 20.000.000 ₫ allocated and 12.000.000 ₫ received; users of
/// every role, with a local officer of Huế (19747) outside its commune.
async fn app() -> App {
    let db = storage::testing::fresh_db().await.expect("db");
    let hash = web::hash_password(PASSWORD).expect("hash");
    let sys = AuditActor::system("test");
    let now = Utc::now();
    for (username, role, scope) in [
        ("coord", "coordinator", vec![]),
        ("local", "local_officer", vec!["20056".to_owned()]),
        ("local-hue", "local_officer", vec!["19747".to_owned()]),
        ("school", "site_officer", vec!["20056".to_owned()]),
        ("inspector", "finance_inspector", vec![]),
        ("donor", "donor", vec![]),
        ("sector", "sector_officer", vec!["20056".to_owned()]),
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
    for (id, name, org_type, unit) in [
        ("th-hk", "Trường Tiểu học Hồng Kim", "school", Some("20056")),
        ("quy", "Quỹ Bảo trợ trẻ em thành phố Huế", "fund", None),
    ] {
        storage::organisations::create(
            &db,
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
            &sys,
            now,
        )
        .await
        .expect("org");
    }
    storage::catalogue::create_period(
        &db,
        &storage::catalogue::Period {
            id: "winter".into(),
            name: "Mùa đông 2026–2027".into(),
            starts_on: date(2026, 11, 1),
            ends_on: date(2027, 3, 1),
            is_demo: false,
        },
        &sys,
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
    let package = storage::catalogue::add_package_version(&db, &pkg, false, &sys, now)
        .await
        .expect("pkg")
        .id;
    let line = storage::needs::create(
        &db,
        &storage::needs::NewNeedLine {
            site_id: "th-hk".into(),
            period_id: "winter".into(),
            package_id: package,
            quantity: 100,
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
            storage::needs::set_status(&db, &line, from, to, None, &sys, now)
                .await
                .expect("q")
        );
    }
    storage::donors::create(
        &db,
        &storage::donors::Donor {
            id: "hx".into(),
            kind: "organisation".into(),
            name: "Công ty Huế Xanh".into(),
            origin: "domestic".into(),
            donor_type: "business".into(),
            tax_code: None,
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
            id: "p-hx".into(),
            donor_id: "hx".into(),
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
        &sys,
        now,
    )
    .await
    .expect("pledge");
    storage::allocations::allocate(
        &db,
        &storage::allocations::AllocationRequest {
            need_line_id: line.clone(),
            pledge_id: "p-hx".into(),
            amount: 20_000_000,
            override_reason: None,
            may_override: false,
            is_demo: false,
        },
        &sys,
        now,
    )
    .await
    .expect("q")
    .expect("allocated");
    storage::receipts::create(
        &db,
        &storage::receipts::NewReceipt {
            pledge_id: "p-hx".into(),
            kind: "money".into(),
            amount: 12_000_000,
            method: "bank".into(),
            account: "0071000123456".into(),
            receiver_id: "quy".into(),
            received_on: date(2026, 11, 20),
            is_demo: false,
        },
        &sys,
        now,
    )
    .await
    .expect("q")
    .expect("received");
    let state = web::AppState::new(db.clone(), web::WebConfig::default());
    App {
        client: Client {
            router: web::router(state),
        },
        db,
        line,
    }
}

/// The delivery form of the need page, filled for `sets` blanket-and-jacket
/// sets handed over today.
fn handover_form<'a>(csrf: &'a str, sets: &'a str, record: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("giver_id", "quy"),
        ("form", "goods"),
        ("q0", sets),
        ("q1", sets),
        ("amount", ""),
        ("children", sets),
        ("on", "2026-12-01"),
        ("record", record),
        ("place", "Trường Tiểu học Hồng Kim"),
        ("giver_name", "Trần Văn Bình"),
        ("giver_position", "Phó Giám đốc Quỹ"),
        ("receiver_name", "Hồ Thị Lan"),
        ("receiver_position", "Hiệu trưởng"),
        ("note", ""),
    ]
}

/// Status and raw bytes of a GET (the shared client reads bodies as text).
async fn get_bytes(app: &App, path: &str, cookie: &str) -> (StatusCode, Vec<u8>, String) {
    let resp = app
        .client
        .router
        .clone()
        .oneshot(
            Request::get(path)
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .expect("req"),
        )
        .await
        .expect("infallible");
    let status = resp.status();
    let mime = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let bytes = to_bytes(resp.into_body(), 16 * 1024 * 1024)
        .await
        .expect("body")
        .to_vec();
    (status, bytes, mime)
}

/// Records a handover of 30 sets (9.600.000 ₫) as the coordinator; returns
/// the delivery's path.
async fn handed_over(app: &App) -> String {
    let (coord, csrf) = app.login("coord").await;
    let r = app
        .post(
            &format!("/needs/{}/deliveries", app.line),
            &coord,
            &handover_form(&csrf, "30", "handed_over"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let to = location(&r);
    assert!(to.starts_with("/deliveries/"), "{to}");
    to
}

/// Registry children of the school's commune (and one of Nam Đông);
/// returns (Hoà's child id, Hoà's record key, Vai's child id).
async fn registry_children(app: &App) -> (String, String, String) {
    let record = |name: &str, sex: &str, year: i64, commune: &str| storage::registry::NewRecord {
        source_ref: None,
        data: storage::registry::RecordData {
            full_name: name.into(),
            birth_year: year,
            birth_month: Some(3),
            birth_day: Some(5),
            sex: Some(sex.into()),
            ethnicity: Some("Tà Ôi".into()),
            commune_code: commune.into(),
            village: Some("A Năm".into()),
            school_name: None,
            grade: None,
            guardian_name: Some("Hồ Văn Pả".into()),
            pid_hash: None,
            pid_last3: None,
        },
    };
    let added = storage::registry::add_records(
        &app.db,
        &storage::registry::Origin {
            source_type: "school".into(),
            org_id: None,
        },
        &[
            record("Hồ Thị Hoà", "female", 2017, "20056"),
            record("Lê Văn Vai", "male", 2018, "20056"),
            record("Zơ Râm Thị Pơi", "female", 2016, "20182"),
        ],
        false,
        &AuditActor::system("test"),
        Utc::now(),
    )
    .await
    .expect("records");
    let child = |key: &str| {
        let db = app.db.clone();
        let key = key.to_owned();
        async move {
            storage::registry::source(&db, &key)
                .await
                .expect("q")
                .expect("source")
                .child_id
        }
    };
    (
        child(&added[0].0).await,
        added[0].0.clone(),
        child(&added[1].0).await,
    )
}

async fn roster_views(app: &App) -> usize {
    storage::audit::list(
        &app.db,
        &storage::audit::AuditFilter {
            entity: Some("delivery_roster".into()),
            action: Some("view".into()),
            limit: 500,
            ..Default::default()
        },
    )
    .await
    .expect("audit")
    .len()
}

#[tokio::test]
async fn a_roster_names_children_only_to_their_officers_and_guards_against_a_second_coat() {
    let app = app().await;
    let (hoa, hoa_record, vai) = registry_children(&app).await;
    let d1 = handed_over(&app).await;
    let (coord, coord_csrf) = app.login("coord").await;
    let r = app
        .post(
            &format!("/needs/{}/deliveries", app.line),
            &coord,
            &handover_form(&coord_csrf, "5", "handed_over"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let d2 = location(&r);
    let (local, csrf) = app.login("local").await;

    // The officer picks from the children of the commune, never Nam Đông's.
    let page = app.get(&format!("{d1}/roster"), &local).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Hồ Thị Hoà") && page.body.contains("Lê Văn Vai"));
    assert!(!page.body.contains("Zơ Râm Thị Pơi"));
    let r = app
        .post(
            &format!("{d1}/roster"),
            &local,
            &[("csrf", &csrf), ("child", &hoa), ("child", &vai)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // The second delivery of the same winter: Hoà by her record id, from a
    // roster file. Warned, named with the other minutes, nothing written.
    let file = format!("mã hồ sơ\n{hoa_record}\n");
    let r = app
        .post(
            &format!("{d2}/roster"),
            &local,
            &[("csrf", &csrf), ("roster_csv", &file)],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("data-testid=\"roster-overlaps\""));
    assert!(
        r.body.contains("Hồ Thị Hoà") && r.body.contains("2026/00001"),
        "{}",
        r.body
    );
    let d2_id = d2.trim_start_matches("/deliveries/");
    assert!(
        storage::rosters::roster(&app.db, d2_id)
            .await
            .expect("q")
            .is_empty()
    );
    let r = app
        .post(
            &format!("{d2}/roster"),
            &local,
            &[
                ("csrf", &csrf),
                ("pending", &hoa),
                ("reason", "Áo bị cháy, nhà trường xác nhận"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        storage::rosters::roster(&app.db, d2_id)
            .await
            .expect("q")
            .len(),
        1
    );

    // A bad line of a roster file: row and column, never the cell.
    let r = app
        .post(
            &format!("{d2}/roster"),
            &local,
            &[
                ("csrf", &csrf),
                ("roster_csv", "child_id\nNguyễn Văn Khánh\n"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("dòng 2, cột 1"));
    assert!(!r.body.contains("Nguyễn Văn Khánh"));

    // Every view of the names is audited; the count is for everyone on staff.
    let before = roster_views(&app).await;
    let page = app.get(&format!("{d1}/roster"), &local).await;
    assert!(page.body.contains("data-testid=\"roster-overlap\""));
    assert_eq!(roster_views(&app).await, before + 1);
    let (school, _) = app.login("school").await;
    let page = app.get(&format!("{d1}/roster"), &school).await;
    assert!(page.body.contains("Hồ Thị Hoà"));
    assert_eq!(roster_views(&app).await, before + 2);
    for user in ["coord", "inspector"] {
        let (s, _) = app.login(user).await;
        let page = app.get(&format!("{d1}/roster"), &s).await;
        assert_eq!(page.status, StatusCode::OK, "{user}");
        assert!(
            page.body.contains("data-testid=\"roster-count\">2<"),
            "{user}"
        );
        assert!(!page.body.contains("Hồ Thị Hoà") && !page.body.contains("Lê Văn Vai"));
    }
    assert_eq!(roster_views(&app).await, before + 2);
    let r = app
        .post(
            &format!("{d1}/roster"),
            &coord,
            &[("csrf", &coord_csrf), ("child", &hoa)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let (hue, _) = app.login("local-hue").await;
    assert_eq!(
        app.get(&format!("{d1}/roster"), &hue).await.status,
        StatusCode::FORBIDDEN
    );
    let (donor, _) = app.login("donor").await;
    let r = app.get(&format!("{d1}/roster"), &donor).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(!r.body.contains("Hoà"));
    let public = app.get(&format!("{d1}/roster"), "").await;
    assert!(public.status == StatusCode::UNAUTHORIZED || public.status.is_redirection());

    // The delivery page carries the count; the line's children-served axis
    // counts unique children (Hoà twice, Vai once: 2).
    let page = app.get(&d1, &coord).await;
    assert!(page.body.contains("data-testid=\"roster-link\">2 "));
    let need = app.get(&format!("/needs/{}", app.line), &coord).await;
    assert!(
        need.body.contains("data-testid=\"children-served\">2<"),
        "{}",
        need.body
    );
    // The public gets no small count of children reached.
    let public = app.get(&format!("/needs/{}", app.line), "").await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(
        public
            .body
            .contains("data-testid=\"children-served\">&lt;5<"),
        "{}",
        public.body
    );
    let api = app.get("/api/v1/needs", "").await;
    assert!(
        api.body.contains("\"children_served\":null"),
        "{}",
        api.body
    );
    for path in ["/", "/needs", "/portal", "/api/v1/needs", "/ledger"] {
        let r = app.get(path, "").await;
        for secret in ["Hồ Thị Hoà", "Lê Văn Vai", "Áo bị cháy"] {
            assert!(!r.body.contains(secret), "{secret} on {path}");
        }
    }
}

#[tokio::test]
async fn who_may_record_accept_and_read_deliveries() {
    let app = app().await;
    let path = handed_over(&app).await;
    let minutes = format!("{path}/minutes");
    let docx = format!("{path}/minutes.docx");
    // Readers: the coordinator, the commune, the school, the inspector.
    for user in ["coord", "local", "school", "inspector"] {
        let (cookie, _) = app.login(user).await;
        for p in [&path, &minutes, &docx] {
            assert_eq!(
                app.get(p, &cookie).await.status,
                StatusCode::OK,
                "{user} {p}"
            );
        }
    }
    // Not an officer of another commune, not a donor, not the public.
    let (hue, hue_csrf) = app.login("local-hue").await;
    let (donor, _) = app.login("donor").await;
    for p in [&path, &minutes, &docx] {
        assert_eq!(app.get(p, &hue).await.status, StatusCode::FORBIDDEN, "{p}");
        assert_eq!(
            app.get(p, &donor).await.status,
            StatusCode::FORBIDDEN,
            "{p}"
        );
        assert_eq!(app.get(p, "").await.status, StatusCode::UNAUTHORIZED, "{p}");
    }
    // Recording a delivery: not the school, not the inspector, not another
    // commune.
    let new = format!("/needs/{}/deliveries", app.line);
    for user in ["school", "inspector", "local-hue", "donor"] {
        let (cookie, csrf) = app.login(user).await;
        let r = app
            .post(&new, &cookie, &handover_form(&csrf, "1", "planned"))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{user}");
    }
    // The commune's officer may.
    let (local, local_csrf) = app.login("local").await;
    let r = app
        .post(&new, &local, &handover_form(&local_csrf, "1", "planned"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Acceptance: not the coordinator (the giver's side), not another
    // commune, not the commune (it co-signs); the school signs.
    let accept = format!("{path}/acceptance");
    let pass = |csrf: &str| -> Vec<(String, String)> {
        let mut f = vec![
            ("csrf".to_owned(), csrf.to_owned()),
            ("decided_on".to_owned(), "2026-12-02".to_owned()),
            ("decision".to_owned(), "accept".to_owned()),
        ];
        for k in ["quantity", "quality", "packaging", "documents"] {
            f.push((format!("c_{k}"), "pass".to_owned()));
        }
        f
    };
    let (coord, coord_csrf) = app.login("coord").await;
    let as_refs = |v: &[(String, String)]| -> Vec<(String, String)> { v.to_vec() };
    for (cookie, csrf) in [
        (&coord, &coord_csrf),
        (&hue, &hue_csrf),
        (&local, &local_csrf),
    ] {
        let f = as_refs(&pass(csrf));
        let f: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert_eq!(
            app.post(&accept, cookie, &f).await.status,
            StatusCode::FORBIDDEN
        );
    }
    let (school, school_csrf) = app.login("school").await;
    let f = pass(&school_csrf);
    let f: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let r = app.post(&accept, &school, &f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(&path, &school).await;
    assert!(
        page.body
            .contains("data-testid=\"delivery-status\">Nhà trường đã ký, chờ xã ký"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("data-testid=\"cosign-submit\""));
    // The co-signature: the commune's officer of this commune only.
    let cosign = format!("{path}/cosign");
    let cs = |csrf: &str| {
        vec![
            ("csrf".to_owned(), csrf.to_owned()),
            ("decided_on".to_owned(), "2026-12-03".to_owned()),
            ("decision".to_owned(), "accept".to_owned()),
        ]
    };
    for (cookie, csrf) in [
        (&coord, &coord_csrf),
        (&hue, &hue_csrf),
        (&school, &school_csrf),
    ] {
        let f = cs(csrf);
        let f: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert_eq!(
            app.post(&cosign, cookie, &f).await.status,
            StatusCode::FORBIDDEN
        );
    }
    let n = app.get(&format!("/needs/{}", app.line), &local).await;
    assert!(
        n.body.contains("data-testid=\"accepted\">0\u{a0}₫"),
        "not accepted on the school's signature alone"
    );
    let page = app.get(&path, &local).await;
    assert!(page.body.contains("data-testid=\"cosign-submit\""));
    let f = cs(&local_csrf);
    let f: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let r = app.post(&cosign, &local, &f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(&path, &school).await;
    assert!(
        page.body
            .contains("data-testid=\"delivery-status\">Đã nghiệm thu")
    );
    assert!(page.body.contains("data-testid=\"signature-site\">"));
    let signs = storage::acceptance::signatures(&app.db, path.trim_start_matches("/deliveries/"))
        .await
        .expect("q");
    assert_eq!(
        signs
            .iter()
            .map(|s| (s.side.as_str(), s.signer_name.as_str()))
            .collect::<Vec<_>>(),
        vec![("site", "school"), ("commune", "local")]
    );
    // Both blocks on the minutes, with who signed.
    let m = app.get(&format!("{path}/minutes"), &local).await;
    for text in [
        "XÁC NHẬN CỦA ĐIỂM NHẬN",
        "XÁC NHẬN CỦA UBND XÃ",
        "Đã ký ngày 02/12/2026",
        "Đã ký ngày 03/12/2026",
    ] {
        assert!(m.body.contains(text), "{text} missing:\n{}", m.body);
    }
    // The need page: staff see the deliveries, the public only the axes.
    let need = format!("/needs/{}", app.line);
    let staff = app.get(&need, &local).await;
    assert!(staff.body.contains("data-testid=\"deliveries\""));
    assert!(staff.body.contains("data-testid=\"delivery-submit\""));
    let inspector = app.login("inspector").await.0;
    let read_only = app.get(&need, &inspector).await;
    assert!(read_only.body.contains("data-testid=\"deliveries\""));
    assert!(!read_only.body.contains("data-testid=\"delivery-submit\""));
    let public = app.get(&need, "").await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(!public.body.contains("data-testid=\"deliveries\""));
    assert!(!public.body.contains("Hồ Thị Lan"));
    assert!(public.body.contains("data-testid=\"delivered\">9.600.000"));
}

#[tokio::test]
async fn a_failed_check_is_followed_up_and_the_axes_move_on_every_view() {
    let app = app().await;
    // Beyond what was received: refused with the numbers, the form kept.
    let (coord, csrf) = app.login("coord").await;
    let r = app
        .post(
            &format!("/needs/{}/deliveries", app.line),
            &coord,
            &handover_form(&csrf, "40", "handed_over"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.body.contains("data-testid=\"delivery-error\""),
        "{}",
        r.body
    );
    assert!(r.body.contains("12.000.000"), "names what is left");
    assert!(
        r.body.contains("value=\"Hồ Thị Lan\""),
        "keeps what was typed"
    );
    let path = handed_over(&app).await;
    // The school fails the quality check: 10 jackets of the wrong size.
    let (school, school_csrf) = app.login("school").await;
    let r = app
        .post(
            &format!("{path}/acceptance"),
            &school,
            &[
                ("csrf", school_csrf.as_str()),
                ("decided_on", "2026-12-02"),
                ("decision", "accept"),
                ("c_quantity", "pass"),
                ("c_quality", "fail"),
                ("n_quality", "10 áo cỡ người lớn"),
                ("q_quality", "10"),
                ("v_quality", "1.700.000"),
                ("a_quality", "replace"),
                ("c_packaging", "pass"),
            ],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a point left out"
    );
    let r = app
        .post(
            &format!("{path}/acceptance"),
            &school,
            &[
                ("csrf", school_csrf.as_str()),
                ("decided_on", "2026-12-02"),
                ("decision", "accept"),
                ("c_quantity", "pass"),
                ("c_quality", "fail"),
                ("n_quality", "10 áo cỡ người lớn"),
                ("q_quality", "10"),
                ("v_quality", "1.700.000"),
                ("a_quality", "replace"),
                ("c_packaging", "pass"),
                ("c_documents", "pass"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (local, local_csrf) = app.login("local").await;
    let r = app
        .post(
            &format!("{path}/cosign"),
            &local,
            &[
                ("csrf", local_csrf.as_str()),
                ("decided_on", "2026-12-02"),
                ("decision", "accept"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(&path, &school).await;
    assert!(
        page.body
            .contains("data-testid=\"delivery-status\">Nghiệm thu, còn tồn tại")
    );
    assert!(page.body.contains("10 áo cỡ người lớn"));
    assert!(
        page.body
            .contains("data-testid=\"accepted-value\">7.900.000")
    );
    let need = format!("/needs/{}", app.line);
    let n = app.get(&need, &school).await;
    assert!(n.body.contains("data-testid=\"delivered\">9.600.000"));
    assert!(n.body.contains("data-testid=\"accepted\">7.900.000"));
    // The list, the CSV and the API carry the same axes.
    let list = app.get("/needs", &coord).await;
    assert!(list.body.contains("7.900.000"));
    let csv = app.get("/needs.csv", &coord).await;
    assert!(csv.body.contains("Đã giao") && csv.body.contains("Đã nghiệm thu"));
    assert!(csv.body.contains(",9600000,7900000,30,"), "{}", csv.body);
    let token = {
        let (user, _) = storage::users::find_for_login(&app.db, "coord")
            .await
            .expect("q")
            .expect("user");
        let token = web::new_token().expect("rng");
        storage::tokens::create(
            &app.db,
            &user.id,
            &web::hash_token(&token),
            "t",
            &AuditActor::system("t"),
            Utc::now(),
        )
        .await
        .expect("token");
        token
    };
    let (status, v) = app
        .api(
            "GET",
            &format!("/api/v1/needs/{}", app.line),
            &token,
            serde_json::Value::Null,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (&v["delivered"], &v["accepted"], &v["children_served"]),
        (
            &serde_json::json!(9_600_000),
            &serde_json::json!(7_900_000),
            &serde_json::json!(30)
        )
    );
    // Replaced: resolved, the delivery is accepted in full.
    let nc = storage::acceptance::nonconformities(&app.db, path.trim_start_matches("/deliveries/"))
        .await
        .expect("q");
    assert_eq!(nc.len(), 1);
    let r = app
        .post(
            &format!("/nonconformities/{}/resolve", nc[0].id),
            &school,
            &[
                ("csrf", school_csrf.as_str()),
                ("on", "2026-12-09"),
                ("note", "Đã đổi 10 áo cỡ S"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(location(&r), path);
    let n = app.get(&need, &school).await;
    assert!(n.body.contains("data-testid=\"accepted\">9.600.000"));
}

#[tokio::test]
async fn the_minutes_carry_the_national_header_the_parties_and_the_items() {
    let app = app().await;
    let path = handed_over(&app).await;
    let (local, _) = app.login("local").await;
    let page = app.get(&format!("{path}/minutes"), &local).await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "BIÊN BẢN",
        "Bàn giao hàng hóa hỗ trợ trẻ em",
        "Số: 2026/00001/BB-BG",
        "ngày 01 tháng 12 năm 2026",
        "Quỹ Bảo trợ trẻ em thành phố Huế",
        "Trường Tiểu học Hồng Kim",
        "Trần Văn Bình",
        "Hồ Thị Lan",
        "Chăn ấm",
        "Áo ấm",
        "4.500.000",
        "5.100.000",
        "data-testid=\"minutes-total\">9.600.000",
        "cho 30 trẻ em",
        "ĐẠI DIỆN BÊN GIAO",
        "ĐẠI DIỆN BÊN NHẬN",
        "XÁC NHẬN CỦA ĐIỂM NHẬN",
        "XÁC NHẬN CỦA UBND XÃ",
        "(chưa ký)",
    ] {
        assert!(page.body.contains(text), "{text} missing:\n{}", page.body);
    }
    assert!(!page.body.contains("ngày ngày"), "the date is written once");
    // The signed document stays in Vietnamese; the page around it follows
    // the reader.
    let (en, _) = app.login("local").await;
    let en = format!("{en}; ct_lang=en");
    let page = app.get(&format!("{path}/minutes"), &en).await;
    assert!(page.body.contains("BIÊN BẢN"));

    // The DOCX: a zip whose document names the minutes and the motto.
    let (status, bytes, mime) = get_bytes(&app, &format!("{path}/minutes.docx"), &local).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        mime,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    assert!(bytes.starts_with(b"PK"), "a zip archive");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .expect("word/document.xml")
        .read_to_string(&mut xml)
        .expect("utf-8");
    for text in [
        "BIÊN BẢN",
        "Độc lập - Tự do - Hạnh phúc",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Áo ấm",
        "Hồ Thị Lan",
        "ĐẠI DIỆN BÊN NHẬN",
        "XÁC NHẬN CỦA ĐIỂM NHẬN",
        "XÁC NHẬN CỦA UBND XÃ",
    ] {
        assert!(xml.contains(text), "{text} missing from word/document.xml");
    }
}

#[test]
fn every_delivery_message_exists_in_both_languages() {
    use domain::needs::delivery::{CheckKind, DeliveryForm, DeliveryStatus, NcAction};
    let mut keys: Vec<String> = Vec::new();
    keys.extend(
        DeliveryStatus::ALL
            .iter()
            .map(|s| format!("delivery-status-{}", s.as_str())),
    );
    keys.extend(
        CheckKind::ALL
            .iter()
            .map(|k| format!("check-{}", k.as_str())),
    );
    keys.extend(
        NcAction::ALL
            .iter()
            .map(|a| format!("nc-action-{}", a.as_str())),
    );
    keys.extend(
        DeliveryForm::ALL
            .iter()
            .map(|f| format!("delivery-form-{}", f.as_str())),
    );
    let refusals = [
        storage::deliveries::DeliveryRefusal::UnknownLine,
        storage::deliveries::DeliveryRefusal::LineNotOpen,
        storage::deliveries::DeliveryRefusal::UnknownGiver,
        storage::deliveries::DeliveryRefusal::UnknownDelivery,
        storage::deliveries::DeliveryRefusal::BeyondAllocated { remaining: 0 },
        storage::deliveries::DeliveryRefusal::BeyondReceived { remaining: 0 },
        storage::deliveries::DeliveryRefusal::BeyondNeed {
            item: String::new(),
            remaining: 0,
        },
        storage::deliveries::DeliveryRefusal::Representatives,
        storage::deliveries::DeliveryRefusal::Changed,
        storage::deliveries::DeliveryRefusal::SameHands,
        storage::deliveries::DeliveryRefusal::UnknownNonconformity,
        storage::deliveries::DeliveryRefusal::AlreadyResolved,
        storage::deliveries::DeliveryRefusal::NoteRequired,
        storage::deliveries::DeliveryRefusal::SameSigner,
        storage::deliveries::DeliveryRefusal::UnknownStore,
        storage::deliveries::DeliveryRefusal::Stock(domain::needs::stock::StockError::Beyond {
            item: String::new(),
            available: 0,
        }),
    ];
    use domain::needs::stock::{StockError as SE, StockEventKind};
    for e in [
        SE::Quantity,
        SE::Item,
        SE::Value,
        SE::Reason,
        SE::NoChange,
        SE::Overflow,
    ] {
        keys.push(e.message_key().to_owned());
    }
    keys.extend(
        StockEventKind::ALL
            .iter()
            .map(|k| format!("stock-kind-{}", k.as_str())),
    );
    keys.extend(
        ["stock-error-store", "stock-error-org", "stock-error-name"]
            .iter()
            .map(|k| (*k).to_owned()),
    );
    keys.extend(refusals.iter().map(|r| r.message_key().to_owned()));
    use domain::needs::delivery::DeliveryError as E;
    for e in [
        E::Empty,
        E::Negative,
        E::UnknownItem(String::new()),
        E::WrongForm,
        E::Children { max: 0 },
        E::Overflow,
        E::MissingCheck(CheckKind::Quantity),
        E::UnexpectedCheck(CheckKind::Quantity),
        E::FailWithoutNote(CheckKind::Quantity),
        E::FailValue(CheckKind::Quantity),
        E::NotFrom(DeliveryStatus::Planned),
        E::Giver,
    ] {
        keys.push(e.message_key().to_owned());
    }
    for lang in [i18n::Lang::Vi, i18n::Lang::En] {
        for k in &keys {
            assert!(i18n::lookup(lang, k).is_some(), "{k} missing in {lang:?}");
        }
    }
}

#[tokio::test]
async fn stores_receive_goods_by_lines_count_them_and_refuse_a_handover_beyond_their_stock() {
    let app = app().await;
    let (coord, csrf) = app.login("coord").await;
    // Only stock keepers open stores: not the school.
    let (school, school_csrf) = app.login("school").await;
    let r = app
        .post(
            "/stores",
            &school,
            &[
                ("csrf", school_csrf.as_str()),
                ("org_id", "quy"),
                ("name", "Kho"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .post(
            "/stores",
            &coord,
            &[
                ("csrf", csrf.as_str()),
                ("org_id", "quy"),
                ("name", "Kho Quỹ BTTE"),
                ("address", "12 Lê Lợi"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let store_path = location(&r);
    let store_id = store_path.trim_start_matches("/stores/").to_owned();
    // A committed goods pledge, received on the receipt form as item lines.
    storage::donors::create_pledge(
        &app.db,
        &storage::donors::Pledge {
            id: "p-goods".into(),
            donor_id: "hx".into(),
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
        &AuditActor::system("t"),
        Utc::now(),
    )
    .await
    .expect("pledge");
    let receipt = |q: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("kind", "goods".to_owned()),
            ("method", "goods".to_owned()),
            ("amount", String::new()),
            ("account", String::new()),
            ("receiver_id", "quy".to_owned()),
            ("received_on", "2026-11-25".to_owned()),
            ("store_id", store_id.clone()),
            ("gn0", "Chăn ấm".to_owned()),
            ("gu0", "cái".to_owned()),
            ("gq0", q.to_owned()),
            ("gv0", "150.000".to_owned()),
            ("gn1", "Áo ấm".to_owned()),
            ("gu1", "cái".to_owned()),
            ("gq1", "12".to_owned()),
            ("gv1", "170.000".to_owned()),
        ]
    };
    let bad = receipt("0");
    let bad: Vec<(&str, &str)> = bad.iter().map(|(a, b)| (*a, b.as_str())).collect();
    let r = app.post("/pledges/p-goods/receipts", &coord, &bad).await;
    assert!(
        r.body.contains("Số lượng phải lớn hơn 0"),
        "a zero quantity is refused in words: {}",
        r.body
    );
    // Goods into a store are a stock movement: a sector officer, who may
    // record pledges and receipts of money, may not put goods into a store.
    let (sector, sector_csrf) = app.login("sector").await;
    let mut as_sector = receipt("10");
    as_sector[0].1 = sector_csrf.clone();
    let as_sector: Vec<(&str, &str)> = as_sector.iter().map(|(a, b)| (*a, b.as_str())).collect();
    let r = app
        .post("/pledges/p-goods/receipts", &sector, &as_sector)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(
        storage::stock::levels(&app.db, &store_id)
            .await
            .expect("q")
            .is_empty(),
        "nothing entered the store"
    );
    let ok = receipt("10");
    let ok: Vec<(&str, &str)> = ok.iter().map(|(a, b)| (*a, b.as_str())).collect();
    let r = app.post("/pledges/p-goods/receipts", &coord, &ok).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(&location(&r), &coord).await;
    assert!(page.body.contains("data-testid=\"receipt-items\""));
    assert!(
        page.body.contains("3.540.000"),
        "10 × 150.000 + 12 × 170.000"
    );
    // The store's stock, computed; city-wide, so a commune's officer does
    // not see it.
    let page = app.get(&store_path, &coord).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("data-testid=\"stock\""));
    let (local, _) = app.login("local").await;
    assert_eq!(
        app.get(&store_path, &local).await.status,
        StatusCode::FORBIDDEN
    );
    // A stocktake: 8 blankets found of 10.
    let r = app
        .post(
            &format!("{store_path}/count"),
            &coord,
            &[
                ("csrf", csrf.as_str()),
                ("on", "2026-11-30"),
                ("n0", "Chăn ấm"),
                ("u0", "cái"),
                ("c0", "8"),
                ("n1", "Áo ấm"),
                ("u1", "cái"),
                ("c1", ""),
                ("note", "Kiểm kê"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let levels = storage::stock::levels(&app.db, &store_id).await.expect("q");
    assert_eq!(
        levels
            .iter()
            .map(|l| (l.item.as_str(), l.quantity))
            .collect::<Vec<_>>(),
        vec![("Chăn ấm", 8), ("Áo ấm", 12)]
    );
    // An adjustment without a reason, or below zero: refused in words.
    let r = app
        .post(
            &format!("{store_path}/adjust"),
            &coord,
            &[
                ("csrf", csrf.as_str()),
                ("item", "Áo ấm"),
                ("unit", "cái"),
                ("change", "-13"),
                ("reason", "mất"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.body.contains("Kho không đủ: Áo ấm chỉ còn 12."),
        "{}",
        r.body
    );
    // A handover of 10 sets from the store: refused beyond its 8 blankets,
    // in Vietnamese and in English.
    let mut form = handover_form(&csrf, "10", "handed_over");
    form.push(("store_id", store_id.as_str()));
    let new = format!("/needs/{}/deliveries", app.line);
    let r = app.post(&new, &coord, &form).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(
        r.body.contains("Kho không đủ: Chăn ấm chỉ còn 8."),
        "{}",
        r.body
    );
    let en = format!("{coord}; ct_lang=en");
    let r = app.post(&new, &en, &form).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.body
            .contains("Not enough in store: Chăn ấm has only 8 left."),
        "{}",
        r.body
    );
    assert!(
        storage::deliveries::for_line(&app.db, &app.line)
            .await
            .expect("q")
            .is_empty(),
        "nothing was recorded"
    );
    let mut form = handover_form(&csrf, "8", "handed_over");
    form.push(("store_id", store_id.as_str()));
    let r = app.post(&new, &coord, &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(&location(&r), &coord).await;
    assert!(page.body.contains("data-testid=\"delivery-store\""));
    let levels = storage::stock::levels(&app.db, &store_id).await.expect("q");
    assert_eq!(
        levels.iter().map(|l| l.quantity).collect::<Vec<_>>(),
        vec![0, 4]
    );
}
