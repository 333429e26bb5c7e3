//! The need line walked through pages and API: a need entered, verified,
//! published, pledged, committed, allocated, an overlap refused (409 naming
//! the first donor) and then overridden with a reason; the gap shrinks.
//! SQLite by default, PostgreSQL with `TEST_DATABASE_URL`.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{NaiveDate, Utc};
use common::{Client, cookie, hidden, location};
use domain::needs::{Category, PackageItem, PackageVersion};
use storage::audit::AuditActor;

struct App {
    client: Client,
    db: storage::Db,
    package: String,
}

async fn app() -> App {
    let db = storage::testing::fresh_db().await.expect("db");
    let sys = AuditActor::system("test");
    let now = Utc::now();
    let users: [(&str, &str, &[&str], Option<&str>); 5] = [
        ("coord", "coordinator", &[], None),
        ("edu", "sector_officer", &["481"], Some("education")),
        ("health", "sector_officer", &["481"], Some("health")),
        ("local", "local_officer", &["20056"], None),
        ("donor", "donor", &[], None),
    ];
    let ids = common::seed_users(
        &db,
        &users.map(|(username, role, scopes, _)| (username, role, scopes)),
    )
    .await;
    for (id, (_, _, _, sector)) in ids.iter().zip(users) {
        storage::users::set_sector(&db, id, sector, &sys, now)
            .await
            .expect("sector");
    }
    common::seed_two_schools(&db).await;
    let package = common::seed_winter_and_warm_clothing(&db).await;
    let state = web::AppState::new(db.clone(), web::WebConfig::default());
    App {
        client: Client {
            router: web::router(state),
        },
        db,
        package,
    }
}

impl std::ops::Deref for App {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
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

async fn donor_with_pledge(db: &storage::Db, id: &str, name: &str, amount: i64) {
    donor_with_restricted_pledge(db, id, name, amount, None).await;
}

/// A donor and a pledge `p-{id}`, restricted to the given age bands.
async fn donor_with_restricted_pledge(
    db: &storage::Db,
    id: &str,
    name: &str,
    amount: i64,
    age_bands: Option<&str>,
) {
    let sys = AuditActor::system("test");
    storage::donors::create(
        db,
        &storage::donors::Donor {
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
        },
        &sys,
        Utc::now(),
    )
    .await
    .expect("donor");
    storage::donors::create_pledge(
        db,
        &storage::donors::Pledge {
            id: format!("p-{id}"),
            donor_id: id.into(),
            kind: "money".into(),
            amount,
            status: "pledged".into(),
            categories: None,
            unit_codes: None,
            age_bands: age_bands.map(str::to_owned),
            period_id: None,
            due_on: None,
            origin: "officer".into(),
            need_line_id: None,
            note: String::new(),
            is_demo: false,
            number: None,
        },
        &sys,
        Utc::now(),
    )
    .await
    .expect("pledge");
}

#[tokio::test]
async fn the_need_line_walks_from_entry_to_coverage_in_the_browser_flow() {
    let app = app().await;
    // A commune officer enters a need for a school in their commune…
    let (local, lcsrf) = app.login("local").await;
    let form = app.get("/needs/new", &local).await;
    assert!(form.body.contains("Trường Tiểu học Hồng Kim"));
    assert!(
        !form.body.contains("Phú Bình"),
        "out-of-scope sites are not offered"
    );
    let r = app
        .post(
            "/needs",
            &local,
            &[
                ("csrf", &lcsrf),
                ("site_id", "th-hk"),
                ("period_id", "winter"),
                ("package_id", &app.package),
                ("quantity", "100"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let line = location(&r).trim_start_matches("/needs/").to_owned();
    // …but not for a school outside it.
    let r = app
        .post(
            "/needs",
            &local,
            &[
                ("csrf", &lcsrf),
                ("site_id", "th-hue"),
                ("period_id", "winter"),
                ("package_id", &app.package),
                ("quantity", "10"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let bad = app
        .post(
            "/needs",
            &local,
            &[
                ("csrf", &lcsrf),
                ("site_id", "th-hk"),
                ("period_id", "winter"),
                ("package_id", &app.package),
                ("quantity", "-3"),
            ],
        )
        .await;
    assert!(bad.body.contains("data-field=\"quantity\""));

    // The public does not see it yet.
    assert_eq!(
        app.get(&format!("/needs/{line}"), "").await.status,
        StatusCode::NOT_FOUND
    );

    // Health may not verify clothing; education may; the coordinator publishes.
    let (health, hcsrf) = app.login("health").await;
    let r = app
        .post(
            &format!("/needs/{line}/status"),
            &health,
            &[("csrf", &hcsrf), ("transition", "verify")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let (edu, ecsrf) = app.login("edu").await;
    let r = app
        .post(
            &format!("/needs/{line}/status"),
            &edu,
            &[("csrf", &ecsrf), ("transition", "verify")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let (coord, ccsrf) = app.login("coord").await;
    let r = app
        .post(
            &format!("/needs/{line}/status"),
            &coord,
            &[("csrf", &ccsrf), ("transition", "publish")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let public = app.get("/needs", "").await;
    assert!(public.body.contains("Trường Tiểu học Hồng Kim"));
    assert!(
        public.body.contains("32.000.000"),
        "the gap is the whole need"
    );

    // Two donors pledge; the first commits and covers the need fully.
    donor_with_pledge(&app.db, "hx", "Công ty Huế Xanh", 32_000_000).await;
    donor_with_pledge(&app.db, "lhpn", "Hội Liên hiệp Phụ nữ", 20_000_000).await;
    let r = app
        .post("/pledges/p-hx/commit", &coord, &[("csrf", &ccsrf)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = app.get(&format!("/needs/{line}"), &coord).await;
    assert!(
        page.body.contains("Công ty Huế Xanh"),
        "committed pledge offered"
    );
    assert!(
        !page.body.contains("Hội Liên hiệp Phụ nữ —"),
        "an uncommitted pledge is not offered"
    );
    let r = app
        .post(
            &format!("/needs/{line}/allocate"),
            &coord,
            &[
                ("csrf", &ccsrf),
                ("pledge_id", "p-hx"),
                ("amount", "32.000.000"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(&format!("/needs/{line}"), &coord).await;
    assert!(page.body.contains("data-testid=\"gap\">0"), "gap closed");

    // The second donor is refused: the page names the first.
    app.post("/pledges/p-lhpn/commit", &coord, &[("csrf", &ccsrf)])
        .await;
    let r = app
        .post(
            &format!("/needs/{line}/allocate"),
            &coord,
            &[
                ("csrf", &ccsrf),
                ("pledge_id", "p-lhpn"),
                ("amount", "5000000"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("data-testid=\"refusal\"") && r.body.contains("Công ty Huế Xanh"));
    // The coordinator overrides with a reason; it is logged.
    let r = app
        .post(
            &format!("/needs/{line}/allocate"),
            &coord,
            &[
                ("csrf", &ccsrf),
                ("pledge_id", "p-lhpn"),
                ("amount", "5000000"),
                ("override_reason", "12 trẻ mới nhập học"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let audit = storage::audit::list(
        &app.db,
        &storage::audit::AuditFilter {
            action: Some("allocate_override".into()),
            limit: 5,
            ..Default::default()
        },
    )
    .await
    .expect("audit");
    assert_eq!(audit.len(), 1);
    assert!(
        audit[0]
            .after_json
            .as_deref()
            .unwrap_or("")
            .contains("12 trẻ mới nhập học")
    );
    // A donor account sees no allocation form and the public sees donor names
    // only with consent.
    let (donor, _) = app.login("donor").await;
    let page = app.get(&format!("/needs/{line}"), &donor).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("allocate-submit"));
}

#[tokio::test]
async fn the_api_answers_an_overlap_with_409_naming_the_existing_coverage() {
    let app = app().await;
    let local = app.token("local").await;
    let (status, v) = app
        .api("POST", "/api/v1/needs", &local, serde_json::json!({"site_id": "th-hk", "period_id": "winter", "package_id": app.package, "quantity": 50}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let line = v["id"].as_str().expect("id").to_owned();
    let (status, v) = app
        .api("POST", "/api/v1/needs", &local, serde_json::json!({"site_id": "th-hue", "period_id": "winter", "package_id": app.package, "quantity": 5}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    let (status, v) = app
        .api(
            "POST",
            "/api/v1/needs",
            &local,
            serde_json::json!({"site_id": 5}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["error"], "bad_request");

    let coord = app.token("coord").await;
    for t in ["verify", "publish"] {
        let (status, v) = app
            .api(
                "POST",
                &format!("/api/v1/needs/{line}/status"),
                &coord,
                serde_json::json!({"transition": t}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{t}: {v}");
    }
    donor_with_pledge(&app.db, "hx", "Công ty Huế Xanh", 16_000_000).await;
    donor_with_pledge(&app.db, "dt", "Đoàn Thanh niên", 16_000_000).await;
    for p in ["p-hx", "p-dt"] {
        storage::donors::commit(&app.db, p, &AuditActor::system("t"), Utc::now())
            .await
            .expect("commit");
    }
    let alloc = |pledge: &str, amount: i64| serde_json::json!({"need_line_id": line, "pledge_id": pledge, "amount": amount});
    // Received money only: nothing has arrived yet, so nothing to assign.
    let mut received = alloc("p-hx", 1_000);
    received["basis"] = serde_json::json!("received");
    let (status, v) = app
        .api("POST", "/api/v1/allocations", &coord, received)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["error"], "allocation-error-beyond-received");
    assert_eq!(v["remaining"], 0);
    let mut unknown = alloc("p-hx", 1_000);
    unknown["basis"] = serde_json::json!("hope");
    let (status, v) = app
        .api("POST", "/api/v1/allocations", &coord, unknown)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["field"], "basis");
    let (status, _) = app
        .api(
            "POST",
            "/api/v1/allocations",
            &coord,
            alloc("p-hx", 16_000_000),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, v) = app
        .api("POST", "/api/v1/allocations", &coord, alloc("p-dt", 1_000))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["error"], "allocation-error-overlap");
    assert_eq!(v["excess"], 1_000);
    assert_eq!(v["existing"][0]["source"], "Công ty Huế Xanh");
    assert_eq!(v["existing"][0]["amount"], 16_000_000);
    // A local officer may not allocate at all.
    let (status, _) = app
        .api("POST", "/api/v1/allocations", &local, alloc("p-dt", 1_000))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The public API shows the published line with a zero gap and no names
    // of donors who did not consent (both consented here).
    let r = app.get(&format!("/api/v1/needs/{line}"), "").await;
    let v: serde_json::Value = serde_json::from_str(&r.body).expect("json");
    assert_eq!(v["gap"], 0);
    assert_eq!(v["committed"], 16_000_000);
    assert!(v.get("note").is_none(), "staff notes are not public");
}

#[tokio::test]
async fn a_citizen_pledges_on_a_published_need_and_it_counts_only_once_confirmed() {
    let app = app().await;
    let local = app.token("local").await;
    let (_, v) = app
        .api("POST", "/api/v1/needs", &local, serde_json::json!({"site_id": "th-hk", "period_id": "winter", "package_id": app.package, "quantity": 10}))
        .await;
    let line = v["id"].as_str().expect("id").to_owned();
    // Not yet published: no public page, no pledge.
    let r = app.get(&format!("/needs/{line}"), "").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let coord = app.token("coord").await;
    for t in ["verify", "publish"] {
        app.api(
            "POST",
            &format!("/api/v1/needs/{line}/status"),
            &coord,
            serde_json::json!({"transition": t}),
        )
        .await;
    }
    let page = app.get(&format!("/needs/{line}"), "").await;
    assert!(page.body.contains("public-pledge-submit"));
    let pre = cookie(&page, "ct_pre").expect("pre-login cookie");
    let csrf = hidden(&page.body, "csrf").expect("csrf");
    let bad = app
        .post(
            &format!("/needs/{line}/pledge"),
            &format!("ct_pre={pre}"),
            &[("csrf", &csrf), ("name", "Lê Văn Tâm"), ("amount", "-5")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ok = app
        .post(
            &format!("/needs/{line}/pledge"),
            &format!("ct_pre={pre}"),
            &[
                ("csrf", &csrf),
                ("name", "Lê Văn Tâm"),
                ("contact", "0905123456"),
                ("amount", "1.000.000"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let to = location(&ok);
    assert!(
        to.starts_with("/p/") && to.ends_with("?thanks=1"),
        "a reload cannot post it twice: {to}"
    );
    let thanks = app.get(&to, &format!("ct_pre={pre}")).await;
    assert_eq!(thanks.status, StatusCode::OK);
    assert!(thanks.body.contains("pledge-thanks"));
    // The pledge page shows its code, to write in the transfer memo.
    assert!(
        thanks.body.contains("data-testid=\"pledge-code\">CT"),
        "{}",
        thanks.body
    );
    assert!(
        !thanks.body.contains("Lê Văn Tâm"),
        "the citizen did not consent to publication: not named"
    );
    let too_much = app
        .post(
            &format!("/needs/{line}/pledge"),
            &format!("ct_pre={pre}"),
            &[
                ("csrf", &csrf),
                ("name", "Spam"),
                ("amount", "9000000000000"),
            ],
        )
        .await;
    assert_eq!(
        too_much.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "never more than the gap"
    );
    let n = storage::needs::get(&app.db, &line)
        .await
        .expect("q")
        .expect("line");
    assert_eq!(
        (n.pledged, n.committed),
        (0, 0),
        "an unconfirmed public offer is neither counted nor shown"
    );
    // The public page never shows the name of a donor who did not consent.
    let pledges = storage::donors::pledges(&app.db, None).await.expect("q");
    let (p, _) = pledges
        .iter()
        .find(|(p, _)| p.origin == "public")
        .expect("public pledge");
    assert_eq!(p.need_line_id.as_deref(), Some(line.as_str()));
    storage::donors::commit(&app.db, &p.id, &AuditActor::system("t"), Utc::now())
        .await
        .expect("commit");
    let (status, _) = app
        .api(
            "POST",
            "/api/v1/allocations",
            &coord,
            serde_json::json!({"need_line_id": line, "pledge_id": p.id, "amount": 1_000_000}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let public = app.get(&format!("/needs/{line}"), "").await;
    assert!(
        !public.body.contains("Lê Văn Tâm"),
        "anonymous unless consent"
    );
    let n = storage::needs::get(&app.db, &line)
        .await
        .expect("q")
        .expect("line");
    assert_eq!(n.committed, 1_000_000);
}

/// Hồng Kim's commune (A Lưới, 20056) classified khu vực III: its lines
/// get the optimiser's priority 3.
async fn classify_a_luoi_khu_vuc_iii(db: &storage::Db) {
    let c = domain::classification::NewClassification {
        unit_code: "20056".into(),
        kind: domain::classification::ClassificationKind::KhuVucIII,
        village: None,
        valid_from: NaiveDate::from_ymd_opt(2021, 6, 4).expect("d"),
        valid_to: None,
        instrument: "QĐ 861/QĐ-TTg".into(),
    };
    storage::classifications::create(db, &c, false, &AuditActor::system("t"), Utc::now())
        .await
        .expect("class");
}

/// A need line of the winter period entered, verified and published.
async fn published_line(db: &storage::Db, site: &str, package: &str, quantity: i64) -> String {
    let sys = AuditActor::system("t");
    let id = storage::needs::create(
        db,
        &storage::needs::NewNeedLine {
            site_id: site.into(),
            period_id: "winter".into(),
            package_id: package.to_owned(),
            quantity,
            note: String::new(),
            is_demo: false,
        },
        &sys,
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("line");
    for (from, to) in [
        (
            domain::needs::NeedStatus::Assessed,
            domain::needs::NeedStatus::Verified,
        ),
        (
            domain::needs::NeedStatus::Verified,
            domain::needs::NeedStatus::Published,
        ),
    ] {
        storage::needs::set_status(db, &id, from, to, None, &sys, Utc::now())
            .await
            .expect("status");
    }
    id
}

/// Two published lines of 16.000.000 ₫ each: Hồng Kim (A Lưới, 20056,
/// classified khu vực III) and Phú Bình (Huế, 19747); one committed pledge
/// of 20.000.000 ₫ that cannot cover both.
async fn two_lines_one_pledge(app: &App) -> Vec<String> {
    let sys = AuditActor::system("t");
    // Two published lines: Hồng Kim (A Lưới, classified khu vực III) and Phú
    // Bình (Huế); one pledge that cannot cover both.
    classify_a_luoi_khu_vuc_iii(&app.db).await;
    let mut lines = Vec::new();
    for site in ["th-hk", "th-hue"] {
        lines.push(published_line(&app.db, site, &app.package, 50).await);
    }
    donor_with_pledge(&app.db, "hx", "Công ty Huế Xanh", 20_000_000).await;
    storage::donors::commit(&app.db, "p-hx", &sys, Utc::now())
        .await
        .expect("commit");
    lines
}

/// The proposed rows of the propose page: (pledge|need items, amounts).
fn proposal_rows(body: &str) -> (Vec<String>, Vec<String>) {
    let items: Vec<String> = body
        .split("name=\"item\" value=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next().map(str::to_owned))
        .collect();
    let amounts: Vec<String> = body
        .split("name=\"amount\" inputmode=\"numeric\" size=\"11\" value=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next().map(str::to_owned))
        .collect();
    assert_eq!(items.len(), amounts.len());
    (items, amounts)
}

/// The proposal's token (one per proposal shown).
fn proposal_token(body: &str) -> String {
    body.split("name=\"proposal\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_else(|| panic!("no proposal token: {body}"))
        .to_owned()
}

/// The mode recorded in the audit row of an accepted proposal.
async fn audited_mode(db: &storage::Db, token: &str) -> Option<String> {
    let rows = storage::audit::list(
        db,
        &storage::audit::AuditFilter {
            entity: Some("allocation_proposal".into()),
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .expect("audit");
    let row = rows.into_iter().find(|r| r.entity_id == token)?;
    let after: serde_json::Value =
        serde_json::from_str(row.after_json.as_deref().unwrap_or("null")).expect("json");
    after["mode"].as_str().map(str::to_owned)
}

/// The comparison row of a commune: its cells' text.
fn compare_row<'a>(body: &'a str, unit: &str) -> &'a str {
    let start = body
        .find(&format!("data-commune=\"{unit}\""))
        .unwrap_or_else(|| panic!("no row for {unit}: {body}"));
    let rest = &body[start..];
    &rest[..rest.find("</tr>").unwrap_or(rest.len())]
}

#[tokio::test]
async fn the_coordinator_reviews_and_accepts_an_optimal_proposal() {
    let app = app().await;
    let lines = two_lines_one_pledge(&app).await;
    let (coord, csrf) = app.login("coord").await;
    let page = app.get("/allocations/propose", &coord).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("data-testid=\"proposal\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("value=\"priority\" checked"));
    // Each need is 16.000.000 ₫ (half: 8M). A Lưới has priority 3, so its
    // first half is worth 6 per đồng and its second half 3, both above Huế's
    // first half (2): the optimum gives A Lưới all 16M and Huế the last 4M.
    let (items, amounts) = proposal_rows(&page.body);
    let amount_for = |line: &str| -> i64 {
        items
            .iter()
            .zip(&amounts)
            .filter(|(i, _)| i.split('|').nth(1) == Some(line))
            .filter_map(|(_, a)| a.parse::<i64>().ok())
            .sum()
    };
    assert_eq!(amount_for(&lines[0]), 16_000_000, "{items:?} {amounts:?}");
    assert_eq!(amount_for(&lines[1]), 4_000_000, "{items:?} {amounts:?}");
    let token = proposal_token(&page.body);
    let mut form: Vec<(&str, &str)> = vec![("csrf", &csrf), ("proposal", &token)];
    for (i, a) in items.iter().zip(&amounts) {
        form.push(("item", i));
        form.push(("amount", a));
    }
    let r = app.post("/allocations/propose", &coord, &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let a = storage::needs::get(&app.db, &lines[0])
        .await
        .expect("q")
        .expect("l");
    let b = storage::needs::get(&app.db, &lines[1])
        .await
        .expect("q")
        .expect("l");
    assert_eq!((a.committed, b.committed), (16_000_000, 4_000_000));
    assert_eq!(
        audited_mode(&app.db, &token).await.as_deref(),
        Some("priority"),
        "the audit records the mode that produced the accepted proposal"
    );
    // Posting the same proposal again is refused as a whole: it was accepted.
    let again = app.post("/allocations/propose", &coord, &form).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("đã được chấp nhận"), "{}", again.body);
    let b = storage::needs::get(&app.db, &lines[1])
        .await
        .expect("q")
        .expect("l");
    assert_eq!(
        b.committed, 4_000_000,
        "nothing of the refused batch was kept"
    );
    // Only coordinators see the optimiser.
    let (local, _) = app.login("local").await;
    assert_eq!(
        app.get("/allocations/propose", &local).await.status,
        StatusCode::FORBIDDEN
    );
}

/// The max–min option: chosen by radio, clearly labelled, both modes'
/// coverage per commune and Gini shown side by side; accepting it allocates
/// the fair amounts (20M shared 10M / 10M: 62.5 % of each commune's gap).
#[tokio::test]
async fn the_coordinator_compares_and_accepts_a_max_min_fair_proposal() {
    let app = app().await;
    let lines = two_lines_one_pledge(&app).await;
    let (coord, csrf) = app.login("coord").await;
    let page = app
        .get("/allocations/propose?fairness=maxmin", &coord)
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let b = &page.body;
    assert!(b.contains("value=\"maxmin\" checked"), "{b}");
    assert!(b.contains("max-min fairness by commune"), "{b}");
    let label = b
        .split("data-testid=\"propose-mode-label\"")
        .nth(1)
        .and_then(|s| s.split("</p>").next())
        .unwrap_or_default();
    assert!(label.contains("max-min fairness by commune"), "{label}");
    assert!(label.contains("62.5 %"), "the floor is stated: {label}");
    let (items, amounts) = proposal_rows(b);
    let amount_for = |line: &str| -> i64 {
        items
            .iter()
            .zip(&amounts)
            .filter(|(i, _)| i.split('|').nth(1) == Some(line))
            .filter_map(|(_, a)| a.parse::<i64>().ok())
            .sum()
    };
    assert_eq!(amount_for(&lines[0]), 10_000_000, "{items:?} {amounts:?}");
    assert_eq!(amount_for(&lines[1]), 10_000_000, "{items:?} {amounts:?}");
    // Both modes per commune: priority gives A Lưới 100 % and Huế 25 %;
    // max–min gives both 62.5 %.
    let hk = compare_row(b, "20056");
    assert!(hk.contains(">100.0 %<") && hk.contains(">62.5 %<"), "{hk}");
    let hue = compare_row(b, "19747");
    assert!(
        hue.contains(">25.0 %<") && hue.contains(">62.5 %<"),
        "{hue}"
    );
    let cell = |id: &str| -> String {
        b.split(&format!("data-testid=\"{id}\">"))
            .nth(1)
            .and_then(|s| s.split('<').next())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(cell("min-priority"), "25.0 %");
    assert_eq!(cell("min-maxmin"), "62.5 %");
    // Gini of (1, 0.25) = 0.30; of (0.625, 0.625) = 0.
    assert_eq!(cell("gini-priority"), "0.30");
    assert_eq!(cell("gini-maxmin"), "0.00");
    // The priority page shows the same comparison.
    let other = app.get("/allocations/propose", &coord).await;
    assert!(compare_row(&other.body, "19747").contains(">62.5 %<"));
    // Accept the fair proposal.
    let token = proposal_token(b);
    let mut form: Vec<(&str, &str)> = vec![
        ("csrf", &csrf),
        ("fairness", "maxmin"),
        ("proposal", &token),
    ];
    for (i, a) in items.iter().zip(&amounts) {
        form.push(("item", i));
        form.push(("amount", a));
    }
    let r = app.post("/allocations/propose", &coord, &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut committed = Vec::new();
    for l in &lines {
        let n = storage::needs::get(&app.db, l)
            .await
            .expect("q")
            .expect("l");
        committed.push(n.committed);
    }
    assert_eq!(committed, vec![10_000_000, 10_000_000]);
    assert_eq!(
        audited_mode(&app.db, &token).await.as_deref(),
        Some("maxmin")
    );
}

/// A second accept of the same proposal adds nothing, even when the
/// coordinator had lowered an amount (so money and gap are still left).
#[tokio::test]
async fn a_lowered_proposal_accepted_twice_is_allocated_once() {
    let app = app().await;
    let lines = two_lines_one_pledge(&app).await;
    let (coord, csrf) = app.login("coord").await;
    let page = app.get("/allocations/propose", &coord).await;
    let (items, _) = proposal_rows(&page.body);
    let token = proposal_token(&page.body);
    let mut form: Vec<(&str, &str)> = vec![("csrf", &csrf), ("proposal", &token)];
    for i in &items {
        form.push(("item", i));
        form.push(("amount", "1000000"));
    }
    let r = app.post("/allocations/propose", &coord, &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let total = |db: storage::Db, lines: Vec<String>| async move {
        let mut t = 0;
        for l in &lines {
            t += storage::needs::get(&db, l)
                .await
                .expect("q")
                .expect("l")
                .committed;
        }
        t
    };
    let once = total(app.db.clone(), lines.clone()).await;
    assert_eq!(once, 1_000_000 * items.len() as i64);
    let again = app.post("/allocations/propose", &coord, &form).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert_eq!(total(app.db.clone(), lines.clone()).await, once);
    // A form without its token is refused.
    let bare: Vec<(&str, &str)> = form.into_iter().filter(|(k, _)| *k != "proposal").collect();
    let r = app.post("/allocations/propose", &coord, &bare).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(total(app.db.clone(), lines).await, once);
}

#[tokio::test]
async fn needs_download_as_csv_within_scope_and_templates_only_for_officers() {
    let app = app().await;
    let local = app.token("local").await;
    let (_, v) = app
        .api(
            "POST",
            "/api/v1/needs",
            &local,
            serde_json::json!({"site_id": "th-hk", "period_id": "winter", "package_id": app.package, "quantity": 7}),
        )
        .await;
    assert!(v["id"].is_string(), "{v}");
    // Not published: the public CSV has only the header.
    let public = app.get("/needs.csv", "").await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(public.body.starts_with('\u{feff}'), "BOM for Excel");
    assert_eq!(public.body.lines().count(), 1, "{}", public.body);
    let (coord, _) = app.login("coord").await;
    let staff = app.get("/needs.csv", &coord).await;
    assert_eq!(staff.body.lines().count(), 2);
    assert!(staff.body.contains("Trường Tiểu học Hồng Kim") && staff.body.contains("2240000"));
    // Templates: officers only; the XLSX is a real zip container.
    assert_eq!(
        app.get("/templates/needs.xlsx", "").await.status,
        StatusCode::UNAUTHORIZED
    );
    let (local_cookie, _) = app.login("local").await;
    let r = app
        .send(
            Request::get("/templates/needs.xlsx")
                .header(header::COOKIE, &local_cookie)
                .body(Body::empty())
                .expect("req"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.starts_with("PK"), "xlsx is a zip");
    assert_eq!(
        app.get("/templates/other.xlsx", &local_cookie).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn donors_and_pledges_through_the_api_with_duplicate_hints() {
    let app = app().await;
    let coord = app.token("coord").await;
    let donor = serde_json::json!({"name": "Công ty Cổ phần Sông Hương", "kind": "organisation",
        "origin": "domestic", "donor_type": "business", "tax_code": "3300123456", "publish_name": true});
    let (status, v) = app
        .api("POST", "/api/v1/donors", &coord, donor.clone())
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().expect("id").to_owned();
    // The same donor typed again without diacritics is a likely duplicate.
    let mut again = donor.clone();
    again["name"] = serde_json::json!("CONG TY CO PHAN SONG HUONG");
    again["tax_code"] = serde_json::Value::Null;
    let (status, v) = app
        .api("POST", "/api/v1/donors", &coord, again.clone())
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["likely_duplicates"][0]["id"], id.as_str());
    again["confirm"] = serde_json::json!(true);
    let (status, _) = app.api("POST", "/api/v1/donors", &coord, again).await;
    assert_eq!(status, StatusCode::CREATED);

    let pledge = |amount: i64, cats: serde_json::Value| {
        serde_json::json!({"donor_id": id, "kind": "money", "amount": amount, "categories": cats,
            "unit_codes": ["20056"], "due_on": "2026-12-15"})
    };
    let (status, v) = app
        .api(
            "POST",
            "/api/v1/pledges",
            &coord,
            pledge(5_000_000, serde_json::json!(["warm_clothing"])),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["status"], "pledged");
    let pid = v["id"].as_str().expect("id").to_owned();
    for (bad, why) in [
        (pledge(0, serde_json::Value::Null), "zero amount"),
        (pledge(5, serde_json::json!(["toys"])), "unknown category"),
        (
            pledge(5, serde_json::json!([])),
            "a restriction list that names nothing",
        ),
    ] {
        let (status, _) = app.api("POST", "/api/v1/pledges", &coord, bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
    }
    let (status, _) = app
        .api(
            "POST",
            &format!("/api/v1/pledges/{pid}/commit"),
            &coord,
            serde_json::json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .api(
            "POST",
            &format!("/api/v1/pledges/{pid}/commit"),
            &coord,
            serde_json::json!({}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "already committed"
    );
    // A donor account may not read the donor register.
    let donor_token = app.token("donor").await;
    let r = app
        .send(
            Request::get("/api/v1/donors")
                .header(header::AUTHORIZATION, format!("Bearer {donor_token}"))
                .body(Body::empty())
                .expect("req"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_receipt_is_numbered_printable_and_shows_as_received_on_the_line() {
    let app = app().await;
    let local = app.token("local").await;
    let (_, v) = app
        .api(
            "POST",
            "/api/v1/needs",
            &local,
            serde_json::json!({"site_id": "th-hk", "period_id": "winter", "package_id": app.package, "quantity": 10}),
        )
        .await;
    let line = v["id"].as_str().expect("id").to_owned();
    let coord_token = app.token("coord").await;
    for t in ["verify", "publish"] {
        app.api(
            "POST",
            &format!("/api/v1/needs/{line}/status"),
            &coord_token,
            serde_json::json!({"transition": t}),
        )
        .await;
    }
    donor_with_pledge(&app.db, "hx", "Công ty Huế Xanh", 3_200_000).await;
    let sys = AuditActor::system("t");
    storage::donors::commit(&app.db, "p-hx", &sys, Utc::now())
        .await
        .expect("commit");
    app.api(
        "POST",
        "/api/v1/allocations",
        &coord_token,
        serde_json::json!({"need_line_id": line, "pledge_id": "p-hx", "amount": 3_200_000}),
    )
    .await;
    let (coord, csrf) = app.login("coord").await;
    let form = |amount: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("kind", "money".to_owned()),
            ("method", "bank".to_owned()),
            ("amount", amount.to_owned()),
            ("account", "Quỹ BTTE — 0123456789".to_owned()),
            ("receiver_id", "th-hk".to_owned()),
            ("received_on", "2026-12-01".to_owned()),
        ]
    };
    let post = |f: Vec<(&'static str, String)>| {
        let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let body = serde_urlencoded::to_string(&pairs).expect("form");
        Request::post("/pledges/p-hx/receipts")
            .header(header::COOKIE, &coord)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("req")
    };
    let too_much = app.send(post(form("4000000"))).await;
    assert!(
        too_much.body.contains("form-error"),
        "beyond the commitment is refused"
    );
    let r = app.send(post(form("2.000.000"))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let receipt = app.get(&location(&r), &coord).await;
    assert!(
        receipt
            .body
            .contains("data-testid=\"receipt-no\">2026/00001"),
        "{}",
        receipt.body
    );
    assert!(receipt.body.contains("Công ty Huế Xanh") && receipt.body.contains("2.000.000"));
    let page = app.get(&format!("/needs/{line}"), &coord).await;
    assert!(
        page.body.contains("data-testid=\"received\">2.000.000"),
        "received on the line"
    );
    // Receipts are for officers only.
    let (donor, _) = app.login("donor").await;
    assert_eq!(
        app.get(&location(&r), &donor).await.status,
        StatusCode::FORBIDDEN
    );
}

/// A JSON call without any login (the public API).
async fn anonymous_json(
    app: &App,
    path: &str,
    json: serde_json::Value,
) -> (StatusCode, serde_json::Value) {
    let r = app
        .send(
            Request::post(path)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(json.to_string()))
                .expect("req"),
        )
        .await;
    (
        r.status,
        serde_json::from_str(&r.body).unwrap_or(serde_json::Value::Null),
    )
}

#[tokio::test]
async fn a_visitor_pledges_through_the_public_api_and_it_waits_for_the_coordinator() {
    let app = app().await;
    let local = app.token("local").await;
    let (_, v) = app
        .api("POST", "/api/v1/needs", &local, serde_json::json!({"site_id": "th-hk", "period_id": "winter", "package_id": app.package, "quantity": 10}))
        .await;
    let line = v["id"].as_str().expect("id").to_owned();
    let path = format!("/api/v1/public/needs/{line}/pledges");
    let offer = serde_json::json!({"name": "Trần Thị Mai", "contact": "mai@example.vn", "amount": 1_500_000});
    // Not published yet: there is nothing to pledge on.
    let (status, _) = anonymous_json(&app, &path, offer.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let coord = app.token("coord").await;
    for t in ["verify", "publish"] {
        let (s, _) = app
            .api(
                "POST",
                &format!("/api/v1/needs/{line}/status"),
                &coord,
                serde_json::json!({"transition": t}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
    }
    // The page's rules: a name, an amount from 1 to the gap (3.200.000 ₫).
    for bad in [
        serde_json::json!({"name": "", "amount": 1_000}),
        serde_json::json!({"name": "Mai", "amount": 0}),
        serde_json::json!({"name": "Mai", "amount": -5}),
        serde_json::json!({"name": "Mai", "amount": 3_200_001}),
    ] {
        let (status, v) = anonymous_json(&app, &path, bad.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad} {v}");
        assert_eq!(v["error"], "public-pledge-error");
    }
    let (status, v) = anonymous_json(&app, &path, serde_json::json!({"amount": "x"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    // A form post (what a cross-site page could send) needs the CSRF token.
    let form = app
        .post(&path, "", &[("name", "Mai"), ("amount", "1000")])
        .await;
    assert_eq!(form.status, StatusCode::FORBIDDEN, "{}", form.body);
    let (status, v) = anonymous_json(&app, &path, offer).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["status"], "pledged");
    assert!(
        v["code"].as_str().is_some_and(|c| c.starts_with("CT")),
        "{v}"
    );
    let pledge = v["id"].as_str().expect("id").to_owned();
    assert_eq!(v["payment_page"], format!("/p/{pledge}"));
    let n = storage::needs::get(&app.db, &line)
        .await
        .expect("q")
        .expect("line");
    assert_eq!(
        (n.pledged, n.committed),
        (0, 0),
        "it waits for the coordinator"
    );
    let p = storage::donors::pledge(&app.db, &pledge)
        .await
        .expect("q")
        .expect("p");
    assert_eq!(
        (p.origin.as_str(), p.need_line_id.as_deref()),
        ("public", Some(line.as_str()))
    );
    let d = storage::donors::get(&app.db, &p.donor_id)
        .await
        .expect("q")
        .expect("donor");
    assert_eq!(d.public_name(), None, "anonymous without consent");
    assert_eq!(d.email.as_deref(), Some("mai@example.vn"));
    // The coordinator finds it among the offers waiting to be committed.
    let (status, v) = app
        .api(
            "GET",
            "/api/v1/pledges?status=pledged",
            &coord,
            serde_json::json!(null),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let waiting = v["pledges"].as_array().expect("pledges");
    assert!(
        waiting.iter().any(|p| p["id"] == pledge.as_str()
            && p["origin"] == "public"
            && p["need_line_id"] == line.as_str()
            && p["allocated"] == 0),
        "{v}"
    );
    assert!(waiting.iter().all(|p| p["status"] == "pledged"), "{v}");
    let (status, _) = app
        .api(
            "GET",
            "/api/v1/pledges?status=lost",
            &coord,
            serde_json::json!(null),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let donor_role = app.token("donor").await;
    let (status, _) = app
        .api(
            "GET",
            "/api/v1/pledges",
            &donor_role,
            serde_json::json!(null),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a donor's login does not list pledges"
    );
    // The coordinator commits it; it goes to its line.
    let (status, v) = app
        .api(
            "POST",
            &format!("/api/v1/pledges/{pledge}/commit"),
            &coord,
            serde_json::json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["allocation"]["amount"], 1_500_000);
    let n = storage::needs::get(&app.db, &line)
        .await
        .expect("q")
        .expect("line");
    assert_eq!(n.coverage().gap(), 3_200_000 - 1_500_000);
    let (_, v) = app
        .api(
            "GET",
            &format!("/api/v1/pledges?donor_id={}", d.id),
            &coord,
            serde_json::json!(null),
        )
        .await;
    assert_eq!(v["pledges"][0]["status"], "committed", "{v}");
    assert_eq!(v["pledges"][0]["allocated"], 1_500_000, "{v}");
    // A cancelled line takes no more offers.
    let (s, _) = app
        .api(
            "POST",
            &format!("/api/v1/needs/{line}/status"),
            &coord,
            serde_json::json!({"transition": "cancel", "reason": "trùng"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (status, _) = anonymous_json(
        &app,
        &path,
        serde_json::json!({"name": "Mai", "amount": 1_000}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_optimiser_proposes_and_a_proposal_is_accepted_through_the_api_all_or_nothing_once() {
    let app = app().await;
    let lines = two_lines_one_pledge(&app).await;
    // Only coordinators run the optimiser or accept its proposals.
    for user in ["local", "edu", "donor"] {
        let t = app.token(user).await;
        let (status, _) = app
            .api(
                "POST",
                "/api/v1/allocations/proposals",
                &t,
                serde_json::json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{user}");
        let (status, _) = app
            .api(
                "POST",
                "/api/v1/allocations/proposals/abc/accept",
                &t,
                serde_json::json!({"items": []}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{user}");
    }
    let (status, _) =
        anonymous_json(&app, "/api/v1/allocations/proposals", serde_json::json!({})).await;
    assert!(
        matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN),
        "{status}"
    );
    let coord = app.token("coord").await;
    let (status, v) = app
        .api(
            "POST",
            "/api/v1/allocations/proposals",
            &coord,
            serde_json::json!({"mode": "fair"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    // Priority mode (as on the page): A Lưới's line gets 16M, Huế's 4M.
    let (status, p) = app
        .api(
            "POST",
            "/api/v1/allocations/proposals",
            &coord,
            serde_json::json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["mode"], "priority");
    assert_eq!(
        (p["total_gap"].as_i64(), p["available"].as_i64()),
        (Some(32_000_000), Some(20_000_000))
    );
    let items = p["items"].as_array().expect("items").clone();
    let amount_for = |line: &str| -> i64 {
        items
            .iter()
            .filter(|i| i["need_line_id"] == line)
            .filter_map(|i| i["amount"].as_i64())
            .sum()
    };
    assert_eq!(
        (amount_for(&lines[0]), amount_for(&lines[1])),
        (16_000_000, 4_000_000),
        "{p}"
    );
    assert!(
        items
            .iter()
            .all(|i| !i["why"].as_str().unwrap_or("").is_empty()),
        "each item explained: {p}"
    );
    assert_eq!(
        p["short"][0]["need_line_id"], lines[1],
        "Huế is left short: {p}"
    );
    let token = p["token"].as_str().expect("token").to_owned();
    let back: Vec<serde_json::Value> = items
        .iter()
        .map(|i| serde_json::json!({"pledge_id": i["pledge_id"], "need_line_id": i["need_line_id"], "amount": i["amount"]}))
        .collect();
    // One item beyond what the pledge holds: the whole proposal is refused.
    let mut too_much = back.clone();
    too_much.push(
        serde_json::json!({"pledge_id": "p-hx", "need_line_id": lines[1], "amount": 1_000_000}),
    );
    let accept = format!("/api/v1/allocations/proposals/{token}/accept");
    let (status, v) = app
        .api(
            "POST",
            &accept,
            &coord,
            serde_json::json!({"items": too_much}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["index"], back.len());
    let committed = |db: storage::Db, lines: Vec<String>| async move {
        let mut out = Vec::new();
        for l in &lines {
            out.push(
                storage::needs::get(&db, l)
                    .await
                    .expect("q")
                    .expect("l")
                    .committed,
            );
        }
        out
    };
    assert_eq!(
        committed(app.db.clone(), lines.clone()).await,
        vec![0, 0],
        "nothing kept"
    );
    let (status, v) = app
        .api("POST", &accept, &coord, serde_json::json!({"items": []}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (status, v) = app
        .api("POST", &accept, &coord, serde_json::json!({"items": back}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["total"], 20_000_000);
    assert_eq!(
        committed(app.db.clone(), lines.clone()).await,
        vec![16_000_000, 4_000_000]
    );
    assert_eq!(
        audited_mode(&app.db, &token).await.as_deref(),
        Some("priority")
    );
    // The same token again adds nothing.
    let (status, v) = app
        .api("POST", &accept, &coord, serde_json::json!({"items": back}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["error"], "api-proposal-already-accepted");
    assert_eq!(
        committed(app.db.clone(), lines).await,
        vec![16_000_000, 4_000_000]
    );
    storage::audit::verify(&app.db)
        .await
        .expect("audit chain intact");
}

#[tokio::test]
async fn the_api_suggests_eligible_pledges_for_a_line_to_those_who_allocate() {
    let app = app().await;
    let lines = two_lines_one_pledge(&app).await;
    let coord = app.token("coord").await;
    let (status, v) = app
        .api(
            "GET",
            &format!("/api/v1/needs/{}", lines[0]),
            &coord,
            serde_json::json!(null),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let eligible = v["eligible_pledges"].as_array().expect("eligible pledges");
    assert_eq!(eligible.len(), 1, "{v}");
    assert_eq!(eligible[0]["pledge_id"], "p-hx");
    assert_eq!(eligible[0]["remaining"], 20_000_000);
    let local = app.token("local").await;
    let (status, v) = app
        .api(
            "GET",
            &format!("/api/v1/needs/{}", lines[0]),
            &local,
            serde_json::json!(null),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert!(
        v.get("eligible_pledges").is_none(),
        "only for those who allocate: {v}"
    );
}

#[tokio::test]
async fn public_pledges_from_one_address_are_limited_per_minute() {
    let app = app().await;
    let local = app.token("local").await;
    let (_, v) = app
        .api("POST", "/api/v1/needs", &local, serde_json::json!({"site_id": "th-hk", "period_id": "winter", "package_id": app.package, "quantity": 10}))
        .await;
    let line = v["id"].as_str().expect("id").to_owned();
    let coord = app.token("coord").await;
    for t in ["verify", "publish"] {
        let (s, _) = app
            .api(
                "POST",
                &format!("/api/v1/needs/{line}/status"),
                &coord,
                serde_json::json!({"transition": t}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
    }
    let path = format!("/api/v1/public/needs/{line}/pledges");
    // Refused offers write nothing and do not count.
    for _ in 0..12 {
        let (status, _) = anonymous_json(
            &app,
            &path,
            serde_json::json!({"name": "", "amount": 1_000}),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let default_limit = web::WebConfig::default().public_pledges_per_minute;
    for i in 0..default_limit {
        let (status, v) = anonymous_json(
            &app,
            &path,
            serde_json::json!({"name": format!("Người góp {i}"), "amount": 1_000}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "pledge {i}: {v}");
    }
    let (status, v) = anonymous_json(
        &app,
        &path,
        serde_json::json!({"name": "Một người nữa", "amount": 1_000}),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{v}");
    assert_eq!(v["error"], "rate_limited", "{v}");
    let message = v["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("giây") || message.contains("seconds"),
        "{v}"
    );
    // Exactly the accepted offers were written.
    let (status, v) = app
        .api(
            "GET",
            "/api/v1/pledges?status=pledged",
            &coord,
            serde_json::json!(null),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let on_line = v["pledges"]
        .as_array()
        .expect("pledges")
        .iter()
        .filter(|p| p["need_line_id"] == line.as_str())
        .count();
    assert_eq!(on_line, default_limit);
}

/// A pledge restricted to an added band (THCS) is proposed only for lines of
/// that band — not for a line of another added band (THPT), although the
/// optimiser's own format knows neither and the THPT line ranks higher.
#[tokio::test]
async fn a_pledge_restricted_to_an_added_band_is_proposed_only_for_that_band() {
    let app = app().await;
    let sys = AuditActor::system("t");
    let now = Utc::now();
    let mut packages = Vec::new();
    for (code, min, max) in [("thcs", 11, 14), ("thpt", 15, 17)] {
        storage::age_bands::create(
            &app.db,
            &domain::needs::category::BandSpec {
                code: code.into(),
                name_vi: code.to_uppercase(),
                name_en: code.to_uppercase(),
                min_age: min,
                max_age: max,
            },
            &sys,
            now,
        )
        .await
        .expect("q")
        .expect("band");
        let pkg = PackageVersion {
            code: format!("ĐA-{code}"),
            version: 0,
            name: format!("Áo ấm {code}"),
            category: Category::WarmClothing,
            age_band: code.parse().expect("code"),
            items: vec![PackageItem {
                name: "Áo ấm".into(),
                unit: "cái".into(),
                quantity: 1,
                unit_value: 320_000,
            }],
        };
        packages.push(
            storage::catalogue::add_package_version(&app.db, &pkg, false, &sys, now)
                .await
                .expect("pkg")
                .id,
        );
    }
    // A Lưới (khu vực III, priority 3) asks THPT coats; Huế THCS coats.
    classify_a_luoi_khu_vuc_iii(&app.db).await;
    let lines = [
        published_line(&app.db, "th-hk", &packages[1], 50).await,
        published_line(&app.db, "th-hue", &packages[0], 50).await,
    ];
    donor_with_restricted_pledge(&app.db, "hx", "Công ty Huế Xanh", 10_000_000, Some("thcs")).await;
    storage::donors::commit(&app.db, "p-hx", &sys, now)
        .await
        .expect("commit");
    let (coord, _) = app.login("coord").await;
    let page = app.get("/allocations/propose", &coord).await;
    assert_eq!(page.status, StatusCode::OK);
    let (items, amounts) = proposal_rows(&page.body);
    let amount_for = |line: &str| -> i64 {
        items
            .iter()
            .zip(&amounts)
            .filter(|(i, _)| i.split('|').nth(1) == Some(line))
            .filter_map(|(_, a)| a.parse::<i64>().ok())
            .sum()
    };
    assert_eq!(amount_for(&lines[0]), 0, "THPT line: {items:?} {amounts:?}");
    assert_eq!(
        amount_for(&lines[1]),
        10_000_000,
        "THCS line: {items:?} {amounts:?}"
    );
}
