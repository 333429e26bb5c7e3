//! The children registry through the router, on SQLite by default and on
//! PostgreSQL with `TEST_DATABASE_URL`: entry, import (all rows or none,
//! problems without the child's data), the review queue, scoping (403 out
//! of scope), and no identity for the coordinator, donors or the public —
//! nor on any public page.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::Utc;
use common::{Client, PASSWORD, location};
use storage::audit::AuditActor;

/// (username, role, scope).
const USERS: [(&str, &str, &[&str]); 6] = [
    ("coord", "coordinator", &[]),
    ("local", "local_officer", &["20056"]),
    ("site", "site_officer", &["20056"]),
    ("namdong", "site_officer", &["20182"]),
    ("donor", "donor", &[]),
    ("admin", "admin", &[]),
];

struct App {
    client: Client,
    db: storage::Db,
    tokens: Vec<(String, String)>,
}

impl App {
    fn token(&self, user: &str) -> &str {
        self.tokens
            .iter()
            .find(|(u, _)| u == user)
            .map_or("", |(_, t)| t.as_str())
    }
}

async fn app() -> App {
    let db = storage::testing::fresh_db().await.expect("db");
    let sys = AuditActor::system("test");
    let now = Utc::now();
    let hash = web::hash_password(PASSWORD).expect("hash");
    let mut tokens = Vec::new();
    for (username, role, scope) in USERS {
        let id = storage::users::create(
            &db,
            &storage::users::NewUser {
                username: username.into(),
                display_name: format!("Người dùng {username}"),
                password_hash: hash.clone(),
                role: role.into(),
                org_id: None,
                lang: "vi".into(),
                scopes: scope.iter().map(|s| (*s).to_owned()).collect(),
            },
            &sys,
            now,
        )
        .await
        .expect("user");
        let secret = web::new_token().expect("token");
        storage::tokens::create(&db, &id, &web::hash_token(&secret), "test", &sys, now)
            .await
            .expect("token");
        tokens.push((username.to_owned(), secret));
    }
    for (id, name, ty, unit) in [
        ("th-hk", "Trường Tiểu học Hồng Kim", "school", "20056"),
        ("tyt-hk", "Trạm Y tế xã Hồng Kim", "health_station", "20056"),
        ("th-ll", "Trường Tiểu học Thượng Long", "school", "20182"),
    ] {
        storage::organisations::create(
            &db,
            &storage::organisations::Organisation {
                id: id.into(),
                name: name.into(),
                short_name: None,
                org_type: ty.into(),
                parent_id: None,
                unit_code: Some(unit.into()),
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
    let state = web::AppState::new(db.clone(), web::WebConfig::default());
    App {
        client: Client {
            router: web::router(state),
        },
        db,
        tokens,
    }
}

const HEADER: &str = "Mã hồ sơ,Họ và tên,Ngày sinh,Giới tính,Dân tộc,Mã xã,Thôn/bản,Trường,Lớp,Họ tên cha mẹ hoặc người giám hộ,Số định danh cá nhân";

fn multipart(fields: &[(&str, &str)], file_name: &str, file: &str) -> (String, String) {
    let boundary = "----chungtay-children-boundary";
    let mut body = String::new();
    for (k, v) in fields {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        ));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n{file}\r\n--{boundary}--\r\n"
    ));
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(a: &App, session: &str, csrf: &str, org: &str, csv: &str) -> common::Resp {
    let (ct, body) = multipart(&[("csrf", csrf), ("source_org_id", org)], "tre-em.csv", csv);
    a.client
        .send(
            Request::post("/children/import")
                .header(header::COOKIE, session)
                .header(header::CONTENT_TYPE, ct)
                .body(Body::from(body))
                .expect("request"),
        )
        .await
}

async fn enter(a: &App, session: &str, csrf: &str, fields: &[(&str, &str)]) -> common::Resp {
    let mut form = vec![("csrf", csrf)];
    form.extend_from_slice(fields);
    a.client.post("/children", session, &form).await
}

fn hoa() -> Vec<(&'static str, &'static str)> {
    vec![
        ("source_org_id", "th-hk"),
        ("full_name", "Hồ Thị Hoà"),
        ("birth_date", "05/03/2017"),
        ("sex", "Nữ"),
        ("ethnicity", "Pa Cô"),
        ("commune_code", "20056"),
        ("village", "A Năm"),
        ("guardian_name", "Hồ Văn Pả"),
        ("personal_id", "046317001234"),
    ]
}

/// A class list of distinct children, and the health station's record of
/// Hoà spelled without diacritics, day and month swapped.
fn class_list(with_duplicate: bool) -> String {
    let given = [
        "Lan", "Mai", "Vai", "Rất", "Pi", "Cư", "Thía", "Bốc", "Hương", "Ngân", "Blăng", "Pơi",
    ];
    let family = ["Kăn", "Lê", "Nguyễn", "A Lăng", "Zơ Râm", "Clâu"];
    let adult = [
        "Pả", "Nhâm", "Thanh", "Bình", "Hùng", "Dũng", "Loan", "Kray", "Ra", "Thúy", "Sơn",
    ];
    let mut out = format!("{HEADER}\n");
    for i in 0..60 {
        out.push_str(&format!(
            "TYT-{i},{} {},{:02}/{:02}/{},{},Tà Ôi,20056,Thôn {},,,{} Văn {},\n",
            family[i / given.len() % family.len()],
            given[i % given.len()],
            1 + i % 28,
            1 + i % 12,
            2012 + i % 9,
            if i % 2 == 0 { "Nữ" } else { "Nam" },
            i % 5,
            family[i % family.len()],
            adult[i % adult.len()],
        ));
    }
    if with_duplicate {
        out.push_str("TYT-HOA,HO THI HOA,03/05/2017,F,Pa Co,20056,A Nam,,,Ho Van Pa,\n");
    }
    out
}

#[tokio::test]
async fn a_site_officer_enters_a_child_imports_a_duplicate_and_reviews_the_link() {
    let a = app().await;
    let (session, csrf) = a.client.login("site").await;
    let r = enter(&a, &session, &csrf, &hoa()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let child_url = location(&r);
    assert!(child_url.starts_with("/children/"), "{child_url}");
    let page = a.client.get(&child_url, &session).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Hồ Thị Hoà") && page.body.contains("•••••••••234"));
    assert!(!page.body.contains("046317001234"), "the ID is never shown");
    assert!(
        page.body.contains("data-testid=\"own-consent-needed\""),
        "9 years old"
    );

    let r = upload(&a, &session, &csrf, "tyt-hk", &class_list(true)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains("data-testid=\"import-result\""),
        "{}",
        r.body
    );

    let queue = a.client.get("/children/links", &session).await;
    assert_eq!(queue.status, StatusCode::OK);
    let start = queue
        .body
        .find("data-testid=\"proposed-link\"")
        .expect("a proposal");
    let card = &queue.body[start..];
    assert!(
        card.contains("HO THI HOA") && card.contains("Hồ Thị Hoà"),
        "side by side"
    );
    assert!(card.contains("tên trùng khi bỏ dấu"), "explained: {card}");
    let id_start = queue.body[..start].rfind("id=\"link-").expect("id") + 9;
    let id: String = queue.body[id_start..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    let r = a
        .client
        .post(
            &format!("/children/links/{id}/accept"),
            &session,
            &[("csrf", &csrf), ("reason", "cùng cha, cùng thôn")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let link = storage::registry::link(&a.db, &id)
        .await
        .expect("q")
        .expect("link");
    assert_eq!(link.status, "accepted");
    let child = a.client.get(&child_url, &session).await;
    assert_eq!(
        child.body.matches("data-testid=\"child-record\"").count(),
        2
    );
    let r = a
        .client
        .post(
            &format!("/children/links/{id}/undo"),
            &session,
            &[("csrf", &csrf), ("reason", "nhầm")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let child = a.client.get(&child_url, &session).await;
    assert_eq!(
        child.body.matches("data-testid=\"child-record\"").count(),
        1
    );
    let history = storage::registry::link_history(&a.db, &id)
        .await
        .expect("h");
    assert_eq!(history.len(), 3);
    // Every view was logged.
    let views = storage::audit::list(
        &a.db,
        &storage::audit::AuditFilter {
            entity: Some("child".into()),
            actor_name: None,
            action: Some("view".into()),
            before_seq: None,
            limit: 100,
        },
    )
    .await
    .expect("audit");
    assert!(views.len() >= 3, "{}", views.len());
    assert!(
        views
            .iter()
            .all(|v| v.after_json.as_deref().is_some_and(|j| !j.contains("Ho")))
    );
}

#[tokio::test]
async fn an_import_with_a_bad_row_writes_nothing_and_names_row_and_column_only() {
    let a = app().await;
    let (session, csrf) = a.client.login("local").await;
    let mut csv = class_list(false);
    csv.push_str("X1,Hồ Thị Bích,31/02/2017,Nữ,,20056,A Năm,,,Hồ Văn Lết,04631700987\n");
    csv.push_str("X2,Kăn Pơi Lịch,2016,Nam,,20182,,,,,\n");
    csv.push_str("X3,Lª ThÞ Hoa,2016,,,20056,,,,,\n");
    let r = upload(&a, &session, &csrf, "th-hk", &csv).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    for needle in [
        "dòng 62, cột C (Ngày sinh)",
        "dòng 62, cột K (Số định danh cá nhân)",
        "dòng 63, cột F (Mã xã): xã này ngoài phạm vi",
        "dòng 64, cột B (Họ và tên): chữ có vẻ bị sai mã",
    ] {
        assert!(r.body.contains(needle), "{needle} in {}", r.body);
    }
    for secret in [
        "Bích",
        "Lết",
        "04631700987",
        "31/02/2017",
        "Pơi Lịch",
        "ThÞ",
    ] {
        assert!(!r.body.contains(secret), "{secret} leaked");
    }
    assert!(
        storage::registry::list(&a.db, &domain::authz::Visibility::All, None, 1000)
            .await
            .expect("list")
            .is_empty(),
        "nothing written"
    );
    // The template downloads with its Vietnamese headers.
    let t = a
        .client
        .get("/children/import/template.csv", &session)
        .await;
    assert_eq!(t.status, StatusCode::OK);
    assert!(t.body.contains("Họ và tên,Ngày sinh"));
    // A form with a bad field answers without echoing it in the problems.
    let mut bad = hoa();
    bad.retain(|(k, _)| *k != "personal_id");
    bad.push(("personal_id", "12345"));
    let r = enter(&a, &session, &csrf, &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let alert = r
        .body
        .split("data-testid=\"form-error\"")
        .nth(1)
        .and_then(|s| s.split("</div>").next())
        .expect("alert");
    assert!(alert.contains("Số định danh cá nhân"));
    assert!(
        !alert.contains("12345") && !alert.contains("Hoà"),
        "{alert}"
    );
}

#[tokio::test]
async fn officers_out_of_scope_get_403_and_other_roles_see_no_identity() {
    let a = app().await;
    let (site, csrf) = a.client.login("site").await;
    let r = enter(&a, &site, &csrf, &hoa()).await;
    let child_url = location(&r);
    let (nd, nd_csrf) = a.client.login("namdong").await;
    assert_eq!(
        a.client.get(&child_url, &nd).await.status,
        StatusCode::FORBIDDEN
    );
    let list = a.client.get("/children", &nd).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(!list.body.contains("Hồ Thị Hoà"));
    // Entering a child of another commune is refused.
    let r = enter(
        &a,
        &nd,
        &nd_csrf,
        &[
            ("source_org_id", "th-ll"),
            ("full_name", "Hồ Văn Nam"),
            ("birth_date", "2016"),
            ("commune_code", "20056"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("ngoài phạm vi"));
    let child_id = child_url
        .trim_start_matches("/children/")
        .split('?')
        .next()
        .unwrap_or("");
    let r = a
        .client
        .post(
            &format!("/children/{child_id}/withdraw"),
            &nd,
            &[("csrf", &nd_csrf), ("kind", "parent"), ("confirm", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The coordinator sees counts, never a name; the admin likewise.
    for user in ["coord", "admin"] {
        let (s, _) = a.client.login(user).await;
        let list = a.client.get("/children", &s).await;
        assert_eq!(list.status, StatusCode::OK, "{user}");
        assert!(!list.body.contains("Hồ Thị Hoà"), "{user}");
        assert!(
            list.body.contains("data-testid=\"child-count-total\">1<"),
            "{user}: {}",
            list.body
        );
        assert_eq!(
            a.client.get(&child_url, &s).await.status,
            StatusCode::FORBIDDEN,
            "{user}"
        );
        assert_eq!(
            a.client.get("/children/links", &s).await.status,
            StatusCode::FORBIDDEN
        );
    }
    // Donors and the public see nothing.
    let (donor, _) = a.client.login("donor").await;
    assert_eq!(
        a.client.get("/children", &donor).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        a.client.get(&child_url, &donor).await.status,
        StatusCode::FORBIDDEN
    );
    let public = a.client.get(&child_url, "").await;
    assert!(public.status == StatusCode::UNAUTHORIZED || public.status.is_redirection());
    assert!(!public.body.contains("Hồ Thị Hoà"));

    // The API: scoped officers' tokens only.
    let (s, v) = a
        .client
        .api(
            "GET",
            "/api/v1/children",
            a.token("site"),
            serde_json::json!(null),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["count"], 1);
    assert_eq!(v["children"][0]["full_name"], "Hồ Thị Hoà");
    assert_eq!(v["children"][0]["personal_id_masked"], "•••••••••234");
    assert!(!v.to_string().contains("046317001234"));
    let (s, v) = a
        .client
        .api(
            "GET",
            "/api/v1/children",
            a.token("namdong"),
            serde_json::json!(null),
        )
        .await;
    assert_eq!(
        (s, v["count"].clone()),
        (StatusCode::OK, serde_json::json!(0))
    );
    for user in ["coord", "donor", "admin"] {
        let (s, v) = a
            .client
            .api(
                "GET",
                "/api/v1/children",
                a.token(user),
                serde_json::json!(null),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{user}");
        assert!(!v.to_string().contains("Hoà"));
    }
    let anon = a
        .client
        .send(
            Request::get("/api/v1/children")
                .body(Body::empty())
                .expect("req"),
        )
        .await;
    assert_eq!(anon.status, StatusCode::UNAUTHORIZED);
    assert!(!anon.body.contains("Hoà"));

    // No public page carries a child's data.
    for path in [
        "/",
        "/needs",
        "/ledger",
        "/units",
        "/catalogue",
        "/api/v1/needs",
        "/api/v1/openapi.json",
    ] {
        let r = a.client.get(path, "").await;
        for secret in [
            "Hồ Thị Hoà",
            "Hồ Văn Pả",
            "046317001234",
            "05/03/2017",
            "A Năm",
        ] {
            assert!(!r.body.contains(secret), "{secret} on {path}");
        }
    }
}

#[tokio::test]
async fn withdrawal_from_the_page_erases_the_child_and_keeps_the_count() {
    let a = app().await;
    let (session, csrf) = a.client.login("local").await;
    let r = enter(&a, &session, &csrf, &hoa()).await;
    let child_url = location(&r);
    let id = child_url
        .trim_start_matches("/children/")
        .split('?')
        .next()
        .unwrap_or("")
        .to_owned();
    let r = a
        .client
        .post(
            &format!("/children/{id}/consents"),
            &session,
            &[
                ("csrf", &csrf),
                ("kind", "parent"),
                ("given_on", "2026-01-05"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = a
        .client
        .post(
            &format!("/children/{id}/withdraw"),
            &session,
            &[("csrf", &csrf), ("kind", "parent"), ("confirm", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let dump = storage::testing::dump_text(&a.db).await.expect("dump");
    for secret in ["Hồ Thị Hoà", "Hồ Văn Pả", "046317001234", "A Năm"] {
        assert!(!dump.contains(secret), "{secret} remains");
    }
    let list = a.client.get("/children", &session).await;
    assert!(list.body.contains("data-testid=\"children-notice\"") || list.status == StatusCode::OK);
    assert!(
        list.body.contains("data-testid=\"child-count-total\">1<"),
        "still counted"
    );
}
