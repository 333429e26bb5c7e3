//! Need lines and donors imported from a file in the browser
//! (`/needs/import`, `/donors/import`) and through the API
//! (`POST /api/v1/imports/…`): every row or none, every problem named
//! "dòng N, cột C", dry runs that write nothing, sites outside the
//! officer's scope refused on their row, numbers written "1.200".
//! SQLite by default, PostgreSQL with `TEST_DATABASE_URL`.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::Utc;
use common::{Client, Resp};
use domain::authz::Visibility;
use storage::audit::AuditActor;
use storage::needs::NeedFilter;

const NEEDS_HEADER: &str = "Mã điểm hỗ trợ,Tên điểm hỗ trợ,Mã gói,Đợt,Số trẻ,Ghi chú\n";
const DONORS_HEADER: &str = "Tên,Loại,Trong nước/Nước ngoài,Nhóm,Mã số thuế,Điện thoại,Email,Đồng ý công khai tên,Ẩn danh\n";

struct App {
    client: Client,
    db: storage::Db,
}

impl std::ops::Deref for App {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

/// Users: a coordinator (everywhere), a commune officer of A Lưới's
/// Hồng Kim (20056), a donor. Sites: one primary school in 20056, one in
/// Huế (19747). A winter period and a primary warm-clothing package.
async fn app() -> App {
    let db = storage::testing::fresh_db().await.expect("db");
    let sys = AuditActor::system("test");
    let now = Utc::now();
    common::seed_users(
        &db,
        &[
            ("coord", "coordinator", &[]),
            ("local", "local_officer", &["20056"]),
            ("donor", "donor", &[]),
        ],
    )
    .await;
    common::seed_two_schools(&db).await;
    common::seed_winter_and_warm_clothing(&db).await;
    storage::donors::create(
        &db,
        &storage::donors::Donor {
            id: "d-hv".into(),
            kind: "organisation".into(),
            name: "Công ty TNHH Hương Việt".into(),
            origin: "domestic".into(),
            donor_type: "business".into(),
            tax_code: Some("3301234567".into()),
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
    let state = web::AppState::new(db.clone(), web::WebConfig::default());
    App {
        client: Client {
            router: web::router(state),
        },
        db,
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

    async fn lines(&self) -> Vec<storage::needs::NeedRow> {
        storage::needs::list(&self.db, &Visibility::All, &NeedFilter::default())
            .await
            .expect("lines")
    }

    async fn donors(&self) -> usize {
        storage::donors::list(&self.db, None)
            .await
            .expect("donors")
            .len()
    }

    /// Posts a file to an import page as the browser's form does.
    async fn upload(
        &self,
        path: &str,
        session: &str,
        fields: &[(&str, &str)],
        file_name: &str,
        file: &str,
    ) -> Resp {
        let boundary = "----chungtay-import-boundary";
        let mut body = String::new();
        for (k, v) in fields {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
            ));
        }
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n{file}\r\n--{boundary}--\r\n"
        ));
        self.client
            .send(
                Request::post(path)
                    .header(header::COOKIE, session)
                    .header(
                        header::CONTENT_TYPE,
                        format!("multipart/form-data; boundary={boundary}"),
                    )
                    .body(Body::from(body))
                    .expect("request"),
            )
            .await
    }

    /// Posts a file as the raw body of an API call.
    async fn api_file(
        &self,
        path: &str,
        token: &str,
        content_type: &str,
        file: Vec<u8>,
    ) -> (StatusCode, serde_json::Value) {
        let r = self
            .client
            .send(
                Request::post(path)
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .header(header::CONTENT_TYPE, content_type)
                    .body(Body::from(file))
                    .expect("request"),
            )
            .await;
        (
            r.status,
            serde_json::from_str(&r.body).unwrap_or(serde_json::Value::Null),
        )
    }
}

/// The texts of the page's items marked `testid`, unescaped.
fn items(html: &str, testid: &str) -> Vec<String> {
    html.split(&format!("data-testid=\"{testid}\">"))
        .skip(1)
        .filter_map(|s| s.split("</li>").next())
        .map(|s| {
            s.replace("&#34;", "\"")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&amp;", "&")
        })
        .collect()
}

/// The problems a page lists.
fn problems(html: &str) -> Vec<String> {
    items(html, "import-problem")
}

#[tokio::test]
async fn an_officer_imports_a_good_need_file_and_is_shown_the_new_lines() {
    let app = app().await;
    let (session, csrf) = app.login("local").await;
    let list = app.get("/needs", &session).await;
    assert!(
        list.body.contains("href=\"/needs/import\""),
        "the list links to the import"
    );
    let form = app.get("/needs/import", &session).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Kiểm tra (không ghi)"), "{}", form.body);
    assert!(form.body.contains("enctype=\"multipart/form-data\""));
    assert!(form.body.contains("/templates/needs.xlsx"));
    // By id, with the number written the Vietnamese way.
    let csv =
        format!("{NEEDS_HEADER}th-hk,,ĐA-01,Mùa đông 2026–2027,\"1.200\",Áo ấm cho cả trường\n");
    let r = app
        .upload(
            "/needs/import",
            &session,
            &[("csrf", &csrf), ("dry_run", "0")],
            "nhu-cau.csv",
            &csv,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Đã nhập 1 dòng nhu cầu"), "{}", r.body);
    let lines = app.lines().await;
    assert_eq!(lines.len(), 1);
    let line = &lines[0];
    assert_eq!(line.site_id, "th-hk");
    assert_eq!(line.quantity, 1200);
    assert_eq!(line.amount, 1200 * 320_000);
    assert_eq!(line.status, "assessed");
    assert!(
        r.body.contains(&format!("href=\"/needs/{}\"", line.id)),
        "the result links to the new line"
    );
    // The audit log names the officer, not the system.
    let audit = storage::audit::list(
        &app.db,
        &storage::audit::AuditFilter {
            entity: Some("need_line".into()),
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .expect("audit");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].actor_name, "local");
    assert_eq!(audit[0].entity_id, line.id);
    let shown = app.get("/needs", &session).await;
    assert!(shown.body.contains("Trường Tiểu học Hồng Kim"));
}

#[tokio::test]
async fn a_need_file_with_bad_rows_writes_nothing_and_names_row_and_column() {
    let app = app().await;
    let (session, csrf) = app.login("coord").await;
    let csv = format!(
        "{NEEDS_HEADER}th-hk,,ĐA-01,winter,12,\nth-hue,,ĐA-01,winter,-4,\n,Trường không có,ĐA-01,winter,3,\nth-hue,,XX-99,winter,3,\n"
    );
    let r = app
        .upload(
            "/needs/import",
            &session,
            &[("csrf", &csrf), ("dry_run", "0")],
            "nhu-cau.csv",
            &csv,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let p = problems(&r.body);
    assert_eq!(p.len(), 3, "{p:#?}");
    assert!(p[0].starts_with("dòng 3, cột E (Số trẻ): "), "{}", p[0]);
    assert!(
        p[1].starts_with("dòng 4, cột B (Tên điểm hỗ trợ): không tìm thấy điểm hỗ trợ"),
        "{}",
        p[1]
    );
    assert!(
        p[2].starts_with("dòng 5, cột C (Mã gói): không có gói mã \"XX-99\""),
        "{}",
        p[2]
    );
    assert!(app.lines().await.is_empty(), "nothing written");
    // Not a spreadsheet at all.
    let r = app
        .upload(
            "/needs/import",
            &session,
            &[("csrf", &csrf)],
            "nhu-cau.xls",
            &csv,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(".xlsx"), "{}", r.body);
    assert!(app.lines().await.is_empty());
}

#[tokio::test]
async fn a_dry_run_checks_every_row_and_writes_nothing() {
    let app = app().await;
    let (session, csrf) = app.login("coord").await;
    let csv = format!(
        "{NEEDS_HEADER}th-hk,,ĐA-01,winter,12,\n,trường tiểu học phú bình,ĐA-01,Mùa đông 2026–2027,\"1,200\",\n"
    );
    let r = app
        .upload(
            "/needs/import",
            &session,
            &[("csrf", &csrf), ("dry_run", "1")],
            "nhu-cau.csv",
            &csv,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body
            .contains("Kiểm tra xong: 2 dòng nhu cầu hợp lệ; chưa ghi gì."),
        "{}",
        r.body
    );
    assert!(
        r.body
            .contains("Trường Tiểu học Phú Bình · ĐA-01 · Mùa đông 2026–2027 · 1200")
    );
    assert!(app.lines().await.is_empty(), "a dry run writes nothing");
    // The same file imported, then again: the second time every line
    // already exists, so nothing more is written.
    let r = app
        .upload(
            "/needs/import",
            &session,
            &[("csrf", &csrf), ("dry_run", "0")],
            "nhu-cau.csv",
            &csv,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(app.lines().await.len(), 2);
    let again = app
        .upload(
            "/needs/import",
            &session,
            &[("csrf", &csrf), ("dry_run", "0")],
            "nhu-cau.csv",
            &csv,
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problems(&again.body).len(), 2);
    assert!(problems(&again.body)[0].starts_with("dòng 2: đã có nhu cầu"));
    assert_eq!(app.lines().await.len(), 2);
}

#[tokio::test]
async fn a_site_outside_the_officers_scope_is_refused_on_its_row_without_its_name() {
    let app = app().await;
    let (session, csrf) = app.login("local").await;
    let csv = format!(
        "{NEEDS_HEADER}th-hk,,ĐA-01,winter,12,\nth-hue,,ĐA-01,winter,8,\n,Trường Tiểu học Phú Bình,ĐA-01,winter,8,\n"
    );
    let r = app
        .upload(
            "/needs/import",
            &session,
            &[("csrf", &csrf), ("dry_run", "1")],
            "nhu-cau.csv",
            &csv,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let p = problems(&r.body);
    assert_eq!(p.len(), 2, "{p:#?}");
    assert!(
        p[0].starts_with("dòng 3, cột A (Mã điểm hỗ trợ): điểm hỗ trợ này ngoài phạm vi của bạn"),
        "{}",
        p[0]
    );
    assert!(
        p[1].starts_with("dòng 4, cột B (Tên điểm hỗ trợ): điểm hỗ trợ này ngoài phạm vi"),
        "{}",
        p[1]
    );
    assert!(
        !p[0].contains("Phú Bình"),
        "the name is not revealed: {}",
        p[0]
    );
    assert!(app.lines().await.is_empty());
    // The coordinator may enter both.
    let (coord, ccsrf) = app.login("coord").await;
    let r = app
        .upload(
            "/needs/import",
            &coord,
            &[("csrf", &ccsrf), ("dry_run", "0")],
            "nhu-cau.csv",
            &format!("{NEEDS_HEADER}th-hk,,ĐA-01,winter,12,\nth-hue,,ĐA-01,winter,8,\n"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(app.lines().await.len(), 2);
}

#[tokio::test]
async fn import_pages_keep_the_forms_rights_and_csrf() {
    let app = app().await;
    let (donor, dcsrf) = app.login("donor").await;
    assert_eq!(
        app.get("/needs/import", &donor).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/donors/import", &donor).await.status,
        StatusCode::FORBIDDEN
    );
    let csv = format!("{NEEDS_HEADER}th-hk,,ĐA-01,winter,12,\n");
    let r = app
        .upload(
            "/needs/import",
            &donor,
            &[("csrf", &dcsrf)],
            "nhu-cau.csv",
            &csv,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Without the form's token, nothing happens.
    let (local, _) = app.login("local").await;
    let r = app
        .upload("/needs/import", &local, &[], "nhu-cau.csv", &csv)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(app.lines().await.is_empty());
    assert_eq!(
        app.get("/needs/import", "").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn donors_are_imported_with_likely_duplicates_shown_and_bad_rows_refused() {
    let app = app().await;
    let (session, csrf) = app.login("local").await;
    assert!(
        app.get("/donors", &session)
            .await
            .body
            .contains("href=\"/donors/import\"")
    );
    let before = app.donors().await;
    let bad = format!(
        "{DONORS_HEADER}Quỹ Bảo trợ trẻ em,tổ chức,trong nước,quỹ,,,,có,không\nNguyễn Văn A,người,trong nước,cá nhân,,,,,\n"
    );
    let r = app
        .upload(
            "/donors/import",
            &session,
            &[("csrf", &csrf), ("dry_run", "0")],
            "nha-tai-tro.csv",
            &bad,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let p = problems(&r.body);
    assert_eq!(p.len(), 1, "{p:#?}");
    assert!(p[0].starts_with("dòng 3, cột B (Loại): "), "{}", p[0]);
    assert_eq!(app.donors().await, before);
    // A row like a stored donor (same tax code): a warning, not a refusal.
    let good = format!(
        "{DONORS_HEADER}Quỹ Bảo trợ trẻ em,tổ chức,trong nước,quỹ,,,,có,không\nCty Hương Việt,tổ chức,trong nước,doanh nghiệp,3301234567,,,,\n"
    );
    let r = app
        .upload(
            "/donors/import",
            &session,
            &[("csrf", &csrf), ("dry_run", "1")],
            "nha-tai-tro.csv",
            &good,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let warnings = items(&r.body, "import-warning");
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(
        warnings[0].starts_with(
            "dòng 3: có thể trùng với nhà tài trợ đã có \"Công ty TNHH Hương Việt\" (mã d-hv; cùng mã số thuế"
        ),
        "{}",
        warnings[0]
    );
    assert!(r.body.contains("Kiểm tra xong: 2 nhà tài trợ hợp lệ"));
    assert_eq!(app.donors().await, before, "a dry run writes nothing");
    let r = app
        .upload(
            "/donors/import",
            &session,
            &[("csrf", &csrf), ("dry_run", "0")],
            "nha-tai-tro.csv",
            &good,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Đã nhập 2 nhà tài trợ"), "{}", r.body);
    assert_eq!(app.donors().await, before + 2);
    let stored = storage::donors::list(&app.db, Some("Bảo trợ"))
        .await
        .expect("q");
    assert_eq!(stored.len(), 1);
    assert!(stored[0].publish_name && !stored[0].anonymous);
    assert!(
        r.body
            .contains(&format!("href=\"/donors/{}\"", stored[0].id))
    );
}

#[tokio::test]
async fn the_api_imports_needs_answering_422_with_every_problem_and_nothing_written() {
    let app = app().await;
    let local = app.token("local").await;
    let bad = format!(
        "{NEEDS_HEADER}th-hk,,ĐA-01,winter,\"1.200\",\nth-hue,,ĐA-01,winter,8,\nth-hk,,ĐA-01,không có,0,\n"
    );
    let (status, body) = app
        .api_file(
            "/api/v1/imports/needs",
            &local,
            "text/csv; charset=utf-8",
            bad.into_bytes(),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"], "import_refused");
    assert_eq!(body["written"], 0);
    let problems = body["problems"].as_array().expect("problems");
    assert_eq!(problems.len(), 2, "{body:#}");
    assert_eq!(problems[0]["row"], 3);
    assert_eq!(problems[0]["column"], "A (Mã điểm hỗ trợ)");
    assert!(
        problems[0]["message_vi"]
            .as_str()
            .is_some_and(|m| m.contains("ngoài phạm vi"))
    );
    assert!(
        problems[0]["message_en"]
            .as_str()
            .is_some_and(|m| m.contains("outside your scope"))
    );
    assert_eq!(problems[1]["row"], 4);
    assert_eq!(problems[1]["column"], "E (Số trẻ)");
    assert!(app.lines().await.is_empty(), "nothing written");

    let good = format!("{NEEDS_HEADER}th-hk,,ĐA-01,winter,\"1.200.000\",\n");
    let (status, body) = app
        .api_file(
            "/api/v1/imports/needs?dry_run=1",
            &local,
            "text/csv",
            good.clone().into_bytes(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["dry_run"], true);
    assert_eq!(body["valid"], 1);
    assert_eq!(body["written"], 0);
    assert!(app.lines().await.is_empty(), "a dry run writes nothing");
    let (status, body) = app
        .api_file(
            "/api/v1/imports/needs",
            &local,
            "text/csv",
            good.clone().into_bytes(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["written"], 1);
    let lines = app.lines().await;
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].quantity, 1_200_000);
    assert_eq!(body["rows"][0]["id"], lines[0].id.as_str());
    assert_eq!(body["rows"][0]["row"], 2);
    // Imported again: it would count twice.
    let (status, body) = app
        .api_file(
            "/api/v1/imports/needs",
            &local,
            "text/csv",
            good.into_bytes(),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(app.lines().await.len(), 1);
    // The XLSX template, empty: the file as a whole is refused.
    let xlsx = imports::template::try_needs_template_xlsx().expect("xlsx");
    let (status, body) = app
        .api_file(
            "/api/v1/imports/needs",
            &local,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            xlsx,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["problems"][0]["row"], 0, "{body:#}");
    // Neither CSV nor XLSX; and a donor may not import needs.
    let (status, _) = app
        .api_file(
            "/api/v1/imports/needs",
            &local,
            "application/json",
            b"{}".to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let donor = app.token("donor").await;
    let (status, _) = app
        .api_file(
            "/api/v1/imports/needs",
            &donor,
            "text/csv",
            format!("{NEEDS_HEADER}th-hk,,ĐA-01,winter,3,\n").into_bytes(),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(app.lines().await.len(), 1);
}

#[tokio::test]
async fn the_api_imports_donors_with_warnings_and_refuses_a_bad_file_whole() {
    let app = app().await;
    let coord = app.token("coord").await;
    let before = app.donors().await;
    let bad = format!(
        "{DONORS_HEADER}Quỹ Bảo trợ trẻ em,tổ chức,trong nước,quỹ,,,,có,không\n,tổ chức,trong nước,quỹ,,,,,\n"
    );
    let (status, body) = app
        .api_file(
            "/api/v1/imports/donors",
            &coord,
            "text/csv",
            bad.into_bytes(),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["problems"][0]["row"], 3);
    assert_eq!(body["problems"][0]["column"], "A (Tên)");
    assert_eq!(app.donors().await, before);
    let good = format!(
        "{DONORS_HEADER}Công ty Hương Việt,tổ chức,trong nước,doanh nghiệp,3301234567,,,,\n"
    );
    let (status, body) = app
        .api_file(
            "/api/v1/imports/donors",
            &coord,
            "text/csv",
            good.into_bytes(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["written"], 1);
    assert_eq!(body["warnings"][0]["row"], 2, "{body:#}");
    assert!(
        body["warnings"][0]["message_en"]
            .as_str()
            .is_some_and(|m| m.contains("d-hv"))
    );
    assert_eq!(app.donors().await, before + 1);
    let donor = app.token("donor").await;
    let (status, _) = app
        .api_file(
            "/api/v1/imports/donors",
            &donor,
            "text/csv",
            format!("{DONORS_HEADER}X,tổ chức,trong nước,quỹ,,,,,\n").into_bytes(),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
