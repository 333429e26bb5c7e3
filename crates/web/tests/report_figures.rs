//! The yearly report's figures page and downloads (issue 6, items 3 and 8):
//! who may see them (coordinator, finance inspector anywhere; a commune's
//! officer only in scope; a donor never), the three formats with their
//! content types, the page's server-rendered SVG charts and no script, an
//! empty year answered honestly, an unknown unit refused with a message.
//! SQLite by default, PostgreSQL with `TEST_DATABASE_URL`.

mod common;

use axum::http::{StatusCode, header};
use chrono::Utc;
use common::{Client, PASSWORD};
use storage::audit::AuditActor;

async fn client() -> Client {
    let db = storage::testing::fresh_db().await.expect("db");
    let sys = AuditActor::system("test");
    let hash = web::hash_password(PASSWORD).expect("hash");
    for (username, role, scope) in [
        ("coord", "coordinator", None),
        ("inspector", "finance_inspector", None),
        ("local", "local_officer", Some("20056")),
        ("site", "site_officer", Some("20056")),
        ("donor", "donor", None),
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
                scopes: scope.map(|s| vec![s.to_owned()]).unwrap_or_default(),
            },
            &sys,
            Utc::now(),
        )
        .await
        .expect("user");
    }
    let state = web::AppState::new(db, web::WebConfig::default());
    Client {
        router: web::router(state),
    }
}

#[tokio::test]
async fn figures_and_downloads_follow_the_scope() {
    let c = client().await;
    let (coord, _) = c.login("coord").await;
    let page = c.get("/reporting/figures?unit=46&year=2025", &coord).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body
            .contains("Kết quả huy động nguồn lực và hỗ trợ trẻ em năm 2025")
    );
    assert!(
        page.body.contains("Không có số liệu trong kỳ báo cáo."),
        "an honest empty year"
    );
    assert!(page.body.contains("Chưa có dữ liệu"));
    assert!(
        !page.body.contains("<script"),
        "no script on the figures page"
    );
    assert!(
        page.body
            .contains("/reporting/annual?unit=46&amp;year=2025&amp;format=pdf")
    );

    for (format, mime, magic) in [
        ("xlsx", "spreadsheetml", "PK"),
        ("docx", "wordprocessingml", "PK"),
        ("pdf", "application/pdf", "%PDF"),
    ] {
        let r = c
            .get(
                &format!("/reporting/annual?unit=46&year=2025&format={format}"),
                &coord,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{format}: {}", r.body);
        let ct = r.headers[header::CONTENT_TYPE].to_str().expect("ascii");
        assert!(ct.contains(mime), "{format}: {ct}");
        assert!(r.body.starts_with(magic), "{format} bytes");
        let cd = r.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .expect("ascii");
        assert!(cd.contains(&format!("bao-cao-46-2025.{format}")), "{cd}");
    }
    let bad = c
        .get("/reporting/annual?unit=46&year=2025&format=odt", &coord)
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let unknown = c
        .get("/reporting/figures?unit=99999&year=2025", &coord)
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(
        unknown.body.contains("Không có đơn vị hành chính mã này."),
        "{}",
        unknown.body
    );

    let (inspector, _) = c.login("inspector").await;
    let r = c
        .get("/reporting/figures?unit=VN&year=2025", &inspector)
        .await;
    assert_eq!(r.status, StatusCode::OK);

    let (local, _) = c.login("local").await;
    let own = c
        .get("/reporting/figures?unit=20056&year=2025", &local)
        .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    for other in ["46", "19744", "VN"] {
        let r = c
            .get(
                &format!("/reporting/annual?unit={other}&year=2025&format=pdf"),
                &local,
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "local officer, unit {other}"
        );
    }
    for who in ["site", "donor"] {
        let (cookie, _) = c.login(who).await;
        let r = c
            .get("/reporting/figures?unit=20056&year=2025", &cookie)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
    }
    let anonymous = c
        .get("/reporting/annual?unit=46&year=2025&format=xlsx", "")
        .await;
    assert_ne!(anonymous.status, StatusCode::OK);
}
