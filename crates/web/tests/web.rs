//! The web layer end to end through the router (no socket), on SQLite by
//! default and on PostgreSQL when `TEST_DATABASE_URL` is set.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::Utc;
use common::{Client, PASSWORD, cookie, json};
use storage::audit::AuditActor;

/// (username, role, scope) of the seeded users.
const USERS: [(&str, &str, &[&str]); 7] = [
    ("admin", "admin", &[]),
    ("coord", "coordinator", &[]),
    ("sector", "sector_officer", &["481"]),
    ("local", "local_officer", &["20056"]),
    ("site", "site_officer", &["20056"]),
    ("inspector", "finance_inspector", &[]),
    ("donor", "donor", &[]),
];

struct App {
    client: Client,
    db: storage::Db,
}

async fn app() -> App {
    let db = storage::testing::fresh_db().await.expect("db");
    let hash = web::hash_password(PASSWORD).expect("hash");
    let actor = AuditActor::system("test");
    for (username, role, scope) in USERS {
        let u = storage::users::NewUser {
            username: username.into(),
            display_name: format!("Người dùng {username}"),
            password_hash: hash.clone(),
            role: role.into(),
            org_id: None,
            lang: "vi".into(),
            scopes: scope.iter().map(|s| (*s).to_owned()).collect(),
        };
        storage::users::create(&db, &u, &actor, Utc::now())
            .await
            .expect("user");
    }
    let mk = |id: &str, unit: &str| storage::organisations::Organisation {
        id: id.into(),
        name: format!("Trường Tiểu học {id}"),
        short_name: None,
        org_type: "school".into(),
        parent_id: None,
        unit_code: Some(unit.into()),
        valid_from: None,
        valid_to: None,
        successor_id: None,
        is_demo: true,
    };
    for (id, unit) in [("aluoi", "20062"), ("hue", "19744")] {
        storage::organisations::create(&db, &mk(id, unit), &actor, Utc::now())
            .await
            .expect("org");
    }
    let state = web::AppState::new(db.clone(), web::WebConfig::default());
    App {
        client: Client {
            router: web::router(state),
        },
        db,
    }
}

impl std::ops::Deref for App {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

#[tokio::test]
async fn the_admin_unit_api_answers_the_issue_examples() {
    let app = app().await;
    for (on, name, from) in [
        ("2019-12-01", "Xã Bình Điền", serde_json::Value::Null),
        ("2022-01-01", "Xã Bình Tiến", "2020-01-01".into()),
        ("2025-08-01", "Xã Bình Điền", "2025-07-01".into()),
    ] {
        let r = app
            .get(&format!("/api/v1/admin-units/20035?on={on}"), "")
            .await;
        assert_eq!(r.status, StatusCode::OK, "{on}");
        let v = json(&r);
        assert_eq!(v["code"], "20035");
        assert_eq!(v["name"], name, "{on}");
        assert_eq!(v["type"], "Xã");
        assert_eq!(v["valid_from"], from);
        assert!(v.get("parent_code").is_some() && v.get("valid_to").is_some());
    }
}

#[tokio::test]
async fn lineage_follows_the_chain_forward_and_back() {
    let app = app().await;
    let r = app
        .get("/api/v1/admin-units/20056/lineage?on=2019-12-01", "")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let v = json(&r);
    let succ: Vec<&str> = v["successors"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|u| u["name"].as_str())
        .collect();
    assert!(succ.contains(&"Xã Trung Sơn"), "{succ:?}");
    assert!(succ.contains(&"Xã A Lưới 1"), "{succ:?}");
    let r = app
        .get("/api/v1/admin-units/20056/lineage?on=2025-08-01", "")
        .await;
    let v = json(&r);
    let pred: Vec<&str> = v["predecessors"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|u| u["name"].as_str())
        .collect();
    for old in ["Xã Hồng Trung", "Xã Bắc Sơn", "Xã Trung Sơn"] {
        assert!(pred.contains(&old), "{old} missing from {pred:?}");
    }
}

#[tokio::test]
async fn bad_api_input_gets_json_errors_never_500() {
    let app = app().await;
    for (path, status, code) in [
        (
            "/api/v1/admin-units/20035?on=2019-13-01",
            400,
            "bad_request",
        ),
        ("/api/v1/admin-units/20035?on=hôm-nay", 400, "bad_request"),
        ("/api/v1/admin-units/abc", 400, "bad_request"),
        ("/api/v1/admin-units/99999?on=2019-12-01", 404, "not_found"),
        ("/api/v1/admin-units/20035?on=2010-01-01", 200, ""),
        ("/api/v1/admin-units/20176?on=2025-03-01", 404, "not_found"),
        ("/api/v1/admin-units?level=hamlet", 400, "bad_request"),
        ("/api/v1/no-such-thing", 404, "not_found"),
        ("/api/v1/me", 401, "not_logged_in"),
    ] {
        let r = app.get(path, "").await;
        assert_eq!(r.status.as_u16(), status, "{path}: {}", r.body);
        if !code.is_empty() {
            let v = json(&r);
            assert_eq!(v["error"], code, "{path}");
            assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()));
        }
    }
}

#[tokio::test]
async fn the_openapi_document_and_health_endpoints_answer() {
    let app = app().await;
    let r = app.get("/api/v1/openapi.json", "").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(json(&r)["openapi"], "3.1.0");
    assert_eq!(app.get("/healthz", "").await.status, StatusCode::OK);
    let ready = app.get("/readyz", "").await;
    assert_eq!(json(&ready)["status"], "ready");
    app.db.close().await;
    let down = app.get("/readyz", "").await;
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn unknown_user_and_wrong_password_get_the_same_answer() {
    let app = app().await;
    let wrong = app.try_login("coord", "not-the-password").await;
    let unknown = app.try_login("nobody", "not-the-password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    let msg = "Tên đăng nhập hoặc mật khẩu không đúng.";
    assert!(wrong.body.contains(msg) && unknown.body.contains(msg));
    assert!(cookie(&wrong, "ct_sid").is_none());
}

#[tokio::test]
async fn login_sets_a_safe_cookie_rotates_it_and_logout_ends_it() {
    let app = app().await;
    let r = app.try_login("coord", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers[header::LOCATION], "/home");
    let raw = r
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("ct_sid="))
        .expect("cookie")
        .to_owned();
    assert!(
        raw.contains("HttpOnly") && raw.contains("SameSite=Lax"),
        "{raw}"
    );
    let (first, _) = app.login("coord").await;
    let (second, csrf) = app.login("coord").await;
    assert_ne!(first, second, "each login makes a new session id");
    let home = app.get("/home", &second).await;
    assert!(home.body.contains("data-role=\"coordinator\""));
    let out = app.post("/logout", &second, &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let after = app.get("/home", &second).await;
    assert_eq!(
        after.status,
        StatusCode::SEE_OTHER,
        "logged out → sent to login"
    );
}

#[tokio::test]
async fn state_changing_requests_need_a_valid_csrf_token() {
    let app = app().await;
    let (cookie, csrf) = app.login("coord").await;
    let missing = app.post("/logout", &cookie, &[]).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    assert!(missing.body.contains("Biểu mẫu đã hết hạn"));
    let wrong = app.post("/logout", &cookie, &[("csrf", "forged")]).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let cross = Request::post("/logout")
        .header(header::COOKIE, &cookie)
        .header(header::HOST, "chungtay.example")
        .header(header::ORIGIN, "https://evil.example")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("csrf={csrf}")))
        .expect("req");
    assert_eq!(app.send(cross).await.status, StatusCode::FORBIDDEN);
    // A login form posted without the pre-login cookie is refused too.
    let (_, pre_csrf) = app.login_form().await;
    let r = app
        .post(
            "/login",
            "",
            &[
                ("csrf", &pre_csrf),
                ("username", "coord"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The session still works: the refused requests changed nothing.
    assert_eq!(app.get("/home", &cookie).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_sixth_failed_login_in_a_minute_gets_429() {
    let app = app().await;
    for _ in 0..5 {
        let r = app.try_login("coord", "wrong-password").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = app.try_login("coord", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers.contains_key(header::RETRY_AFTER));
    assert!(r.body.contains("Vui lòng thử lại sau"), "{}", r.body);
}

/// Page × role → expected status. `-` is the anonymous visitor.
const PAGE_MATRIX: &str = "
    path            -   admin coord sector local site inspector donor
    /home           303 200   200   200    200   200  200       200
    /organisations  401 200   200   200    200   200  200       403
    /audit          401 200   403   403    403   403  200       403
    /admin/users    401 200   403   403    403   403  403       403
    /account        401 200   200   200    200   200  200       200
    /units          200 200   200   200    200   200  200       200
    /classifications 200 200  200   200    200   200  200       200
";

#[tokio::test]
async fn every_role_gets_exactly_the_pages_it_may_see() {
    let app = app().await;
    let mut cookies = vec![String::new()];
    for (u, _, _) in USERS {
        cookies.push(app.login(u).await.0);
    }
    let mut checked = 0;
    for line in PAGE_MATRIX
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .skip(1)
    {
        let cells: Vec<&str> = line.split_whitespace().collect();
        for (cookie, expected) in cookies.iter().zip(&cells[1..]) {
            let r = app.get(cells[0], cookie).await;
            assert_eq!(r.status.as_str(), *expected, "{} with {cookie:?}", cells[0]);
            if r.status == StatusCode::FORBIDDEN {
                assert!(r.body.contains("data-status=\"403\""), "friendly 403 page");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 7 * 8);
}

#[tokio::test]
async fn scoped_users_see_only_their_area_through_pages_and_api() {
    let app = app().await;
    let (local, _) = app.login("local").await;
    let page = app.get("/organisations", &local).await;
    assert!(
        page.body.contains("Trường Tiểu học aluoi"),
        "A Lưới school in scope"
    );
    assert!(
        !page.body.contains("Trường Tiểu học hue"),
        "Huế school out of scope"
    );
    let (coord, _) = app.login("coord").await;
    let page = app.get("/organisations", &coord).await;
    assert!(page.body.contains("Trường Tiểu học hue"));

    let (admin_cookie, admin_csrf) = app.login("admin").await;
    let users = storage::users::list(&app.db).await.expect("users");
    let local_id = &users
        .iter()
        .find(|u| u.username == "local")
        .expect("local")
        .id;
    let r = app
        .post(
            &format!("/admin/users/{local_id}/tokens"),
            &admin_cookie,
            &[("csrf", &admin_csrf), ("label", "test")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let token = r
        .body
        .split("data-testid=\"new-token\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("token shown once")
        .to_owned();
    let bearer = |path: &str, token: &str| {
        Request::get(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .expect("req")
    };
    let me = app.send(bearer("/api/v1/me", &token)).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(json(&me)["role"], "local_officer");
    let orgs = json(&app.send(bearer("/api/v1/organisations", &token)).await);
    let ids: Vec<&str> = orgs["organisations"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|o| o["id"].as_str())
        .collect();
    assert_eq!(ids, vec!["aluoi"]);
    let bad = app.send(bearer("/api/v1/me", "ct_not-a-token")).await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_admin_creates_a_user_and_the_audit_log_shows_it() {
    let app = app().await;
    let (cookie, csrf) = app.login("admin").await;
    let r = app
        .post(
            "/admin/users",
            &cookie,
            &[
                ("csrf", &csrf),
                ("username", "hieutruong"),
                ("display_name", "Hiệu trưởng TH Hồng Kim"),
                ("password", "mot-mat-khau-dai"),
                ("role", "site_officer"),
                ("scopes", "20053"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let bad = app
        .post(
            "/admin/users",
            &cookie,
            &[
                ("csrf", &csrf),
                ("username", "nguoibituchoi"),
                ("display_name", "X"),
                ("password", "mot-mat-khau-dai"),
                ("role", "site_officer"),
                ("scopes", "99999"),
            ],
        )
        .await;
    assert!(bad.body.contains("99999") && bad.body.contains("form-error"));
    let audit = app.get("/audit?entity=user&action=create", &cookie).await;
    assert!(audit.body.contains("hieutruong"));
    assert!(
        !audit.body.contains("nguoibituchoi"),
        "the refused user was not created"
    );
    assert!(app.try_login("hieutruong", "mot-mat-khau-dai").await.status == StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_coordinator_adds_a_classification_and_bad_input_names_the_field() {
    let app = app().await;
    let (cookie, csrf) = app.login("coord").await;
    let ok = app
        .post(
            "/classifications",
            &cookie,
            &[
                ("csrf", &csrf),
                ("unit_code", "20056"),
                ("kind", "khu_vuc_3"),
                ("valid_from", "2021-06-04"),
                ("valid_to", "2026-01-01"),
                ("instrument", "QĐ 861/QĐ-TTg"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let list = app.get("/classifications?unit=20056", &cookie).await;
    assert!(list.body.contains("QĐ 861/QĐ-TTg") && list.body.contains("Khu vực III"));
    let bad = app
        .post(
            "/classifications",
            &cookie,
            &[
                ("csrf", &csrf),
                ("unit_code", "20056"),
                ("kind", "thon_dbkk"),
                ("valid_from", "2021-06-04"),
                ("instrument", "QĐ 1"),
            ],
        )
        .await;
    assert!(bad.body.contains("data-field=\"village\""), "{}", bad.body);
    let (local, local_csrf) = app.login("local").await;
    let denied = app
        .post(
            "/classifications",
            &local,
            &[
                ("csrf", &local_csrf),
                ("unit_code", "20056"),
                ("kind", "khu_vuc_3"),
            ],
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn pages_switch_language_and_keep_it() {
    let app = app().await;
    let r = app.get("/lang/en?next=/units", "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers[header::LOCATION], "/units");
    assert_eq!(cookie(&r, "ct_lang").as_deref(), Some("en"));
    let en = app.get("/units", "ct_lang=en").await;
    assert!(en.body.contains("<html lang=\"en\">"));
    assert!(en.body.contains("Map of administrative units"));
    let vi = app.get("/units", "").await;
    assert!(vi.body.contains("<html lang=\"vi\">"));
    assert!(vi.body.contains("Bản đồ đơn vị hành chính"));
    let evil = app.get("/lang/en?next=//evil.example", "").await;
    assert_eq!(evil.headers[header::LOCATION], "/home", "no open redirect");
    assert_eq!(app.get("/lang/fr", "").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn friendly_error_pages_in_vietnamese() {
    let app = app().await;
    let r = app.get("/no-such-page", "").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("Không tìm thấy trang"));
    let (donor, _) = app.login("donor").await;
    let r = app.get("/audit", &donor).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("Vai trò của bạn không được phép"));
    let r = app.get("/units/does-not-exist", "").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn every_page_fits_the_first_round_trip_compressed() {
    let app = app().await;
    let (admin, _) = app.login("admin").await;
    for (path, cookie) in [
        ("/", ""),
        ("/login", ""),
        ("/units", ""),
        ("/units?on=2019-09-11", ""),
        ("/classifications", ""),
        ("/home", admin.as_str()),
        ("/organisations", admin.as_str()),
        ("/audit", admin.as_str()),
        ("/admin/users", admin.as_str()),
    ] {
        let req = Request::get(path)
            .header(header::COOKIE, cookie)
            .header(header::ACCEPT_ENCODING, "gzip")
            .body(Body::empty())
            .expect("req");
        let r = app.send(req).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert_eq!(
            r.headers
                .get(header::CONTENT_ENCODING)
                .map(|v| v.as_bytes()),
            Some(&b"gzip"[..]),
            "{path}"
        );
        assert!(
            r.raw_len <= 14 * 1024,
            "{path}: {} bytes compressed",
            r.raw_len
        );
    }
}

#[tokio::test]
async fn security_headers_are_set_on_every_page() {
    let app = app().await;
    let r = app.get("/", "").await;
    let csp = r.headers["content-security-policy"].to_str().expect("csp");
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(r.headers["x-content-type-options"], "nosniff");
}

/// Every message key a template or handler uses exists in both languages.
#[test]
fn every_message_key_used_exists_in_both_languages() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut keys = Vec::new();
    const PREFIXES: [&str; 14] = [
        "nav-",
        "tile-",
        "error-",
        "classification-",
        "org-",
        "user-",
        "account-",
        "login-",
        "api-",
        "denied-",
        "home-",
        "units-",
        "unit-",
        "token-",
    ];
    for dir in ["templates", "src", "src/pages", "src/api", "src/auth"] {
        for e in std::fs::read_dir(format!("{root}/{dir}"))
            .expect("dir")
            .filter_map(Result::ok)
        {
            if !e.path().is_file() {
                continue;
            }
            let text = std::fs::read_to_string(e.path()).expect("read");
            // Keys called from templates.
            for part in text.split("p.t(\"").skip(1) {
                if let Some(end) = part.find('"') {
                    keys.push(part[..end].to_owned());
                }
            }
            // Key-shaped string literals in Rust code.
            if e.path().extension().is_some_and(|x| x == "rs") {
                for (i, lit) in text.split('"').enumerate() {
                    let key_shaped = i % 2 == 1
                        && lit.contains('-')
                        && lit.chars().all(|c| {
                            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'
                        });
                    if key_shaped && PREFIXES.iter().any(|p| lit.starts_with(p)) {
                        keys.push(lit.to_owned());
                    }
                }
            }
        }
    }
    for k in domain::authz::Role::ALL {
        keys.push(format!("role-{k}"));
        keys.push(format!("home-title-{k}"));
        keys.push(format!("home-intro-{k}"));
    }
    for k in domain::admin_units::ChangeKind::ALL {
        keys.push(format!("change-{}", k.as_str()));
    }
    for c in domain::needs::Category::ALL {
        keys.push(format!("category-{}", c.as_str()));
    }
    for a in domain::needs::AgeBand::BUILT_IN {
        keys.push(format!("age-{}", a.as_str()));
    }
    for s in domain::needs::NeedStatus::ALL {
        keys.push(format!("status-{}", s.as_str()));
    }
    for (prefix, values) in [
        (
            "donor-type-",
            &[
                "business",
                "fund",
                "mass_organisation",
                "individual",
                "other",
            ][..],
        ),
        ("donor-origin-", &["domestic", "foreign"][..]),
        ("donor-kind-", &["organisation", "individual"][..]),
        ("pledge-kind-", &["money", "goods", "service"][..]),
        ("pledge-status-", &["pledged", "committed", "cancelled"][..]),
        (
            "transition-",
            &["verify", "publish", "return", "cancel"][..],
        ),
    ] {
        for v in values {
            keys.push(format!("{prefix}{v}"));
        }
    }
    for k in domain::classification::ClassificationKind::ALL {
        keys.push(k.as_str().to_owned());
    }
    for k in domain::organisation::OrgType::ALL {
        keys.push(k.as_str().to_owned());
    }
    for d in [
        domain::authz::Denial::NotLoggedIn,
        domain::authz::Denial::RoleLacksPermission,
        domain::authz::Denial::OutOfScope,
    ] {
        keys.push(d.message_key().to_owned());
    }
    keys.retain(|k| !k.contains(' ') && !k.is_empty() && !k.contains('{'));
    keys.sort();
    keys.dedup();
    assert!(keys.len() > 100, "scan found too few keys: {}", keys.len());
    let missing: Vec<_> = keys
        .iter()
        .filter(|k| {
            i18n::lookup(i18n::Lang::Vi, k).is_none() || i18n::lookup(i18n::Lang::En, k).is_none()
        })
        .collect();
    assert!(missing.is_empty(), "missing translations: {missing:?}");
}
