//! The test client shared by the web test binaries: requests through the
//! router (no socket), cookies, CSRF tokens, logins and bearer calls.
#![allow(dead_code)] // each test binary uses part of it

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Request, StatusCode, header};
use tower::ServiceExt;

/// The password of every seeded test user.
pub const PASSWORD: &str = "mat-khau-thu-nghiem";

pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    /// Bytes on the wire (compressed when the request accepted gzip).
    pub raw_len: usize,
}

/// Sends requests to the application's router.
pub struct Client {
    pub router: Router,
}

impl Client {
    pub async fn send(&self, req: Request<Body>) -> Resp {
        let resp = self.router.clone().oneshot(req).await.expect("infallible");
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = to_bytes(resp.into_body(), 8 * 1024 * 1024)
            .await
            .expect("body");
        Resp {
            status,
            headers,
            raw_len: bytes.len(),
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, path: &str, cookie: &str) -> Resp {
        let req = Request::get(path)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .expect("request");
        self.send(req).await
    }

    pub async fn post(&self, path: &str, cookie: &str, form: &[(&str, &str)]) -> Resp {
        let body = serde_urlencoded::to_string(form).expect("form");
        let req = Request::post(path)
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        self.send(req).await
    }

    /// GET /login: the pre-login cookie and the form's CSRF token.
    pub async fn login_form(&self) -> (String, String) {
        let r = self.get("/login", "").await;
        let pre = cookie(&r, "ct_pre").expect("pre-login cookie");
        let csrf = hidden(&r.body, "csrf").expect("csrf field");
        (format!("ct_pre={pre}"), csrf)
    }

    pub async fn try_login(&self, user: &str, password: &str) -> Resp {
        let (cookie, csrf) = self.login_form().await;
        self.post(
            "/login",
            &cookie,
            &[
                ("csrf", &csrf),
                ("username", user),
                ("password", password),
                ("next", "/home"),
            ],
        )
        .await
    }

    /// Logs in; returns the session cookie header and the session's CSRF token.
    pub async fn login(&self, user: &str) -> (String, String) {
        let r = self.try_login(user, PASSWORD).await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "login of {user}: {}",
            r.body
        );
        let sid = cookie(&r, "ct_sid").expect("session cookie");
        let session = format!("ct_sid={sid}");
        let home = self.get("/home", &session).await;
        let csrf = hidden(&home.body, "csrf").expect("csrf on home");
        (session, csrf)
    }

    /// A JSON call with a bearer token: (status, body as JSON or null).
    pub async fn api(
        &self,
        method: &str,
        path: &str,
        token: &str,
        json: serde_json::Value,
    ) -> (StatusCode, serde_json::Value) {
        let r = self
            .send(
                Request::builder()
                    .method(method)
                    .uri(path)
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
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
}

/// The value a response sets for cookie `name`.
pub fn cookie(r: &Resp, name: &str) -> Option<String> {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap_or("").to_owned())
}

/// The value of a hidden form field.
pub fn hidden(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_owned())
}

/// Where a redirect points.
pub fn location(r: &Resp) -> String {
    r.headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

pub fn json(r: &Resp) -> serde_json::Value {
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", r.body))
}

/// Seeds users `(username, role, scopes)` with [`PASSWORD`]; returns their ids in order.
pub async fn seed_users(db: &storage::Db, users: &[(&str, &str, &[&str])]) -> Vec<String> {
    let hash = web::hash_password(PASSWORD).expect("hash");
    let sys = storage::audit::AuditActor::system("test");
    let mut ids = Vec::new();
    for (username, role, scopes) in users {
        let id = storage::users::create(
            db,
            &storage::users::NewUser {
                username: (*username).into(),
                display_name: (*username).into(),
                password_hash: hash.clone(),
                role: (*role).into(),
                org_id: None,
                lang: "vi".into(),
                scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            },
            &sys,
            chrono::Utc::now(),
        )
        .await
        .expect("user");
        ids.push(id);
    }
    ids
}

/// Seeds two primary schools: "th-hk" in Hồng Kim (20056, A Lưới) and "th-hue" in Phú Bình
/// (19747, Huế).
pub async fn seed_two_schools(db: &storage::Db) {
    let sys = storage::audit::AuditActor::system("test");
    for (id, name, unit) in [
        ("th-hk", "Trường Tiểu học Hồng Kim", "20056"),
        ("th-hue", "Trường Tiểu học Phú Bình", "19747"),
    ] {
        let o = storage::organisations::Organisation {
            id: id.into(),
            name: name.into(),
            short_name: None,
            org_type: "school".into(),
            parent_id: None,
            unit_code: Some(unit.into()),
            valid_from: None,
            valid_to: None,
            successor_id: None,
            is_demo: false,
        };
        storage::organisations::create(db, &o, &sys, chrono::Utc::now())
            .await
            .expect("org");
    }
}

/// Seeds the period "winter" (Mùa đông 2026–2027, 1 Nov 2026 – 1 Mar 2027) and the primary
/// warm-clothing package "ĐA-01" (one coat, 320 000 đ); returns the package's id.
pub async fn seed_winter_and_warm_clothing(db: &storage::Db) -> String {
    use domain::needs::{AgeBand, Category, PackageItem, PackageVersion};
    let sys = storage::audit::AuditActor::system("test");
    let now = chrono::Utc::now();
    let period = storage::catalogue::Period {
        id: "winter".into(),
        name: "Mùa đông 2026–2027".into(),
        starts_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 1).expect("d"),
        ends_on: chrono::NaiveDate::from_ymd_opt(2027, 3, 1).expect("d"),
        is_demo: false,
    };
    storage::catalogue::create_period(db, &period, &sys, now)
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
    storage::catalogue::add_package_version(db, &pkg, false, &sys, now)
        .await
        .expect("pkg")
        .id
}
