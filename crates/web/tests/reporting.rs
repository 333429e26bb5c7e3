//! The reporting regime through the pages: who may see which page, a
//! commune officer drafting, filling and submitting a report (bad figures
//! and a second editor refused with reasons), the coordinator returning one
//! with a reason and approving another, a locked report explaining itself,
//! the completeness dashboard with the obligations moved along the map,
//! plans with targets against actuals, and a reminder that reaches a local
//! SMTP sink started by the test. SQLite by default, PostgreSQL with
//! `TEST_DATABASE_URL`.

mod common;

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine;
use chrono::{Datelike, Duration, NaiveDate, Utc};
use common::{Client, PASSWORD, hidden, location};
use storage::audit::AuditActor;
use storage::reporting::{ANNUAL, OpenYear, annual_template};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// (username, role, scope).
const USERS: [(&str, &str, &[&str]); 8] = [
    ("admin", "admin", &[]),
    ("coord", "coordinator", &[]),
    ("sector", "sector_officer", &["481"]),
    ("local", "local_officer", &["20056"]),
    ("other", "local_officer", &["20044"]),
    ("site", "site_officer", &["20056"]),
    ("inspector", "finance_inspector", &[]),
    ("donor", "donor", &[]),
];

/// One message the sink received: (recipient, the DATA part).
type Mail = (String, String);

struct App {
    client: Client,
    db: storage::Db,
    mail: Arc<Mutex<Vec<Mail>>>,
}

impl std::ops::Deref for App {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

fn today() -> NaiveDate {
    (Utc::now() + Duration::hours(7)).date_naive()
}

/// A tiny SMTP server that accepts everything and records each message.
async fn smtp_sink() -> (u16, Arc<Mutex<Vec<Mail>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the sink");
    let port = listener.local_addr().expect("addr").port();
    let got: Arc<Mutex<Vec<Mail>>> = Arc::default();
    let sink = got.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let sink = sink.clone();
            tokio::spawn(async move {
                let _ = smtp_session(stream, sink).await;
            });
        }
    });
    (port, got)
}

async fn smtp_session(
    stream: tokio::net::TcpStream,
    sink: Arc<Mutex<Vec<Mail>>>,
) -> std::io::Result<()> {
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    w.write_all(b"220 sink ESMTP\r\n").await?;
    let mut rcpt = String::new();
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_owned();
        let upper = cmd.to_ascii_uppercase();
        if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            w.write_all(b"250-sink\r\n250 8BITMIME\r\n").await?;
        } else if upper.starts_with("MAIL FROM:") {
            w.write_all(b"250 ok\r\n").await?;
        } else if let Some(to) = upper.strip_prefix("RCPT TO:") {
            rcpt = cmd[cmd.len() - to.len()..]
                .trim_matches(|c| c == '<' || c == '>')
                .to_owned();
            w.write_all(b"250 ok\r\n").await?;
        } else if upper == "DATA" {
            w.write_all(b"354 go ahead\r\n").await?;
            let mut data = String::new();
            loop {
                line.clear();
                if r.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" {
                    break;
                }
                data.push_str(&line);
            }
            sink.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((rcpt.clone(), data));
            w.write_all(b"250 queued\r\n").await?;
        } else if upper == "QUIT" {
            w.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            w.write_all(b"500 what?\r\n").await?;
        }
    }
}

/// A year whose deadline lies ahead of today, for the forty communes of
/// 2025–; returns the year.
async fn open_current_year(db: &storage::Db) -> i32 {
    let year = today().year();
    let due = today() + Duration::days(30);
    let spec = OpenYear {
        template: annual_template(),
        year,
        due,
        cutoff: due + Duration::days(15),
        units_on: NaiveDate::from_ymd_opt(2025, 8, 1).expect("date"),
        is_demo: false,
    };
    let map = domain::admin_units::embedded_map().expect("map");
    storage::reporting::open_year(db, map, &spec, &AuditActor::system("test"), Utc::now())
        .await
        .expect("q")
        .expect("year opened");
    year
}

async fn app() -> App {
    let db = storage::testing::fresh_db().await.expect("db");
    let hash = web::hash_password(PASSWORD).expect("hash");
    let sys = AuditActor::system("test");
    for (username, role, scope) in USERS {
        let u = storage::users::NewUser {
            username: username.into(),
            display_name: format!("Cán bộ {username}"),
            password_hash: hash.clone(),
            role: role.into(),
            org_id: None,
            lang: "vi".into(),
            scopes: scope.iter().map(|s| (*s).to_owned()).collect(),
        };
        let id = storage::users::create(&db, &u, &sys, Utc::now())
            .await
            .expect("user");
        if username == "local" {
            storage::notifications::set_email(
                &db,
                &id,
                Some("local@xa-aluoi1.vn"),
                &sys,
                Utc::now(),
            )
            .await
            .expect("email");
        }
    }
    let (port, mail) = smtp_sink().await;
    let smtp =
        web::mail::SmtpConfig::parse(&format!("smtp://127.0.0.1:{port}"), "chungtay@hue.gov.vn")
            .expect("smtp url");
    let config = web::WebConfig {
        smtp: Some(smtp),
        ..web::WebConfig::default()
    };
    let state = web::AppState::new(db.clone(), config);
    App {
        client: Client {
            router: web::router(state),
        },
        db,
        mail,
    }
}

async fn obligation_id(db: &storage::Db, year: i32, unit_id: &str) -> String {
    storage::reporting::list(db, &domain::authz::Visibility::All, ANNUAL, Some(year))
        .await
        .expect("q")
        .into_iter()
        .find(|l| l.obligation.unit_id == unit_id)
        .map(|l| l.obligation.id)
        .unwrap_or_else(|| panic!("no obligation of {unit_id}"))
}

fn figures<'a>(
    csrf: &'a str,
    opened_at: &'a str,
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut v = vec![("csrf", csrf), ("opened_at", opened_at)];
    v.extend_from_slice(extra);
    v
}

const PAGE_MATRIX: &str = "
    path          public admin coord sector local other site inspector donor
    /plans        401    200   200   200    200   200   200  200       403
    /reports      401    200   200   200    200   200   200  200       403
    /reporting    401    200   200   403    403   403   403  403       403
    REPORT        401    200   200   200    200   403   200  200       403
";

#[tokio::test]
async fn every_role_gets_exactly_the_reporting_pages_it_may_see() {
    let app = app().await;
    let year = open_current_year(&app.db).await;
    let report = format!(
        "/reports/{}",
        obligation_id(&app.db, year, "20056@2025-07-01").await
    );
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
        let path = if cells[0] == "REPORT" {
            report.as_str()
        } else {
            cells[0]
        };
        for (cookie, expected) in cookies.iter().zip(&cells[1..]) {
            let r = app.get(path, cookie).await;
            assert_eq!(r.status.as_str(), *expected, "{path} with {cookie:?}");
            checked += 1;
        }
    }
    assert_eq!(checked, 4 * 9);
    // the menu offers what the role may open
    let (local, _) = app.login("local").await;
    let home = app.get("/home", &local).await;
    assert!(home.body.contains("href=\"/reports\""));
    assert!(!home.body.contains("href=\"/reporting\""));
    let (coord, _) = app.login("coord").await;
    assert!(
        app.get("/home", &coord)
            .await
            .body
            .contains("href=\"/reporting\"")
    );
    // a state change by someone without the right is refused, not done
    let (other, csrf) = app.login("other").await;
    let r = app
        .post(
            &report,
            &other,
            &figures(&csrf, "0", &[("do", "save"), ("f_results", "x")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let (site, csrf) = app.login("site").await;
    let r = app
        .post(
            &report,
            &site,
            &figures(&csrf, "0", &[("do", "save"), ("f_results", "x")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "schools do not report");
    let r = app
        .post(
            &format!("{report}/review"),
            &local,
            &[
                ("csrf", &hidden(&home.body, "csrf").expect("csrf")),
                ("do", "approve"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_officer_drafts_fills_and_submits_and_the_coordinator_returns_and_approves() {
    let app = app().await;
    let year = open_current_year(&app.db).await;
    let mine = obligation_id(&app.db, year, "20056@2025-07-01").await;
    let theirs = obligation_id(&app.db, year, "20044@2025-07-01").await;
    let path = format!("/reports/{mine}");
    let (local, csrf) = app.login("local").await;

    // my obligations: only A Lưới 1's
    let list = app.get("/reports", &local).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains(&path), "{}", list.body);
    assert!(list.body.contains("Xã A Lưới 1"));
    assert!(!list.body.contains("Xã A Lưới 2"));

    let form = app.get(&path, &local).await;
    assert!(form.body.contains("data-testid=\"report-form\""));
    assert_eq!(hidden(&form.body, "opened_at").as_deref(), Some("0"));

    // bad figures are refused, naming the field; nothing is saved
    let r = app
        .post(
            &path,
            &local,
            &figures(
                &csrf,
                "0",
                &[
                    ("do", "save"),
                    ("f_money_foreign", "-5"),
                    ("f_children_supported", "nhiều"),
                ],
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("Nguồn lực nước ngoài (đồng)"), "{}", r.body);
    assert!(r.body.contains("không được âm"));
    assert!(r.body.contains("Số lượt trẻ em được hỗ trợ"));
    assert!(r.body.contains("value=\"nhiều\""), "what was typed is kept");

    // a draft
    let r = app
        .post(
            &path,
            &local,
            &figures(
                &csrf,
                "0",
                &[
                    ("do", "save"),
                    ("f_money_domestic", "12.500.000"),
                    ("f_children_supported", "120"),
                    ("f_results", "Đã hỗ trợ áo ấm cho 120 cháu ở 4 điểm trường."),
                ],
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(location(&r), format!("{path}?done=save"));
    let page = app.get(&location(&r), &local).await;
    assert!(page.body.contains("Đã lưu bản nháp"));
    assert!(page.body.contains("value=\"12.500.000\""));
    assert!(page.body.contains("Đã hỗ trợ áo ấm cho 120 cháu"));
    assert_eq!(hidden(&page.body, "opened_at").as_deref(), Some("1"));
    // the system records no money for A Lưới 1 this year: the difference is flagged
    assert!(
        page.body.contains("data-testid=\"diff-money_domestic\""),
        "{}",
        page.body
    );

    // a second editor who opened version 0 is told what changed
    let (local2, csrf2) = app.login("local").await;
    let r = app
        .post(
            &path,
            &local2,
            &figures(
                &csrf2,
                "0",
                &[("do", "save"), ("f_money_domestic", "9.000.000")],
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("data-testid=\"conflict\""));
    assert!(
        r.body
            .contains("Nguồn lực trong nước (đồng): nay là &#34;12500000&#34;"),
        "{}",
        r.body
    );
    assert!(r.body.contains("Cán bộ local"));
    assert_eq!(
        storage::reporting::get(&app.db, &mine)
            .await
            .expect("q")
            .expect("report")
            .draft
            .values
            .get("money_domestic")
            .map(String::as_str),
        Some("12500000"),
        "nothing overwritten"
    );

    // submitted
    let r = app
        .post(
            &path,
            &local,
            &figures(
                &csrf,
                "1",
                &[
                    ("do", "submit"),
                    ("f_money_domestic", "12.500.000"),
                    ("f_children_supported", "120"),
                ],
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(&path, &local).await;
    assert!(
        page.body
            .contains("data-status=\"reporting-status-submitted\"")
    );
    assert!(
        !page.body.contains("data-testid=\"report-form\""),
        "read-only once submitted"
    );
    assert!(page.body.contains("data-testid=\"lock-explanation\""));
    assert!(page.body.contains("đang chờ duyệt"), "{}", page.body);

    // A Lưới 2 files too
    let (other, csrf_o) = app.login("other").await;
    let r = app
        .post(
            &format!("/reports/{theirs}"),
            &other,
            &figures(&csrf_o, "0", &[("do", "submit"), ("nil", "1")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // the coordinator returns A Lưới 1's with a reason …
    let (coord, csrf_c) = app.login("coord").await;
    let dash = app.get(&format!("/reporting?year={year}"), &coord).await;
    assert!(dash.body.contains("data-testid=\"awaiting\""));
    let r = app
        .post(
            &format!("{path}/review"),
            &coord,
            &[("csrf", &csrf_c), ("do", "return"), ("reason", " ")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("Cần ghi lý do"));
    let r = app
        .post(
            &format!("{path}/review"),
            &coord,
            &[
                ("csrf", &csrf_c),
                ("do", "return"),
                ("reason", "Thiếu số liệu theo nguồn"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // … and approves A Lưới 2's
    let r = app
        .post(
            &format!("/reports/{theirs}/review"),
            &coord,
            &[("csrf", &csrf_c), ("do", "approve")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let theirs_page = app.get(&format!("/reports/{theirs}"), &other).await;
    assert!(
        theirs_page
            .body
            .contains("data-status=\"reporting-status-approved\"")
    );
    assert!(theirs_page.body.contains("Duyệt: Cán bộ coord"));
    assert!(theirs_page.body.contains("Báo cáo không phát sinh"));

    // the officer sees the reason on the report and on /home (and by e-mail)
    let page = app.get(&path, &local).await;
    assert!(page.body.contains("data-testid=\"return-reason\""));
    assert!(page.body.contains("Thiếu số liệu theo nguồn"));
    assert!(
        page.body.contains("data-testid=\"report-form\""),
        "editable again"
    );
    let home = app.get("/home", &local).await;
    assert!(home.body.contains("data-testid=\"notices\""));
    assert!(
        home.body.contains("Thiếu số liệu theo nguồn"),
        "{}",
        home.body
    );
    let mails = app.mail.lock().expect("mail").clone();
    assert_eq!(mails.len(), 1, "the return is e-mailed to the officer");
    assert_eq!(mails[0].0, "local@xa-aluoi1.vn");

    // the coordinator cannot approve a report they filed themselves
    let own = obligation_id(&app.db, year, "20050@2025-07-01").await;
    let r = app
        .post(
            &format!("/reports/{own}"),
            &coord,
            &figures(&csrf_c, "0", &[("do", "submit"), ("f_results", "Nộp thay")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = app
        .post(
            &format!("/reports/{own}/review"),
            &coord,
            &[("csrf", &csrf_c), ("do", "approve")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.body
            .contains("Không được tự duyệt báo cáo do chính mình nộp")
    );

    // every change is in the audit log
    let rows = storage::audit::list(
        &app.db,
        &storage::audit::AuditFilter {
            entity: Some("report".into()),
            limit: 50,
            ..Default::default()
        },
    )
    .await
    .expect("audit");
    let actions: Vec<&str> = rows.iter().rev().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "save_draft",
            "submit",
            "submit",
            "return",
            "approve",
            "submit"
        ]
    );
}

#[tokio::test]
async fn a_locked_report_says_why_and_who_can_reopen_it() {
    let app = app().await;
    let year = open_current_year(&app.db).await;
    let id = obligation_id(&app.db, year, "20044@2025-07-01").await;
    let path = format!("/reports/{id}");
    let (other, csrf_o) = app.login("other").await;
    let r = app
        .post(
            &path,
            &other,
            &figures(&csrf_o, "0", &[("do", "submit"), ("f_results", "Xong")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let (coord, csrf_c) = app.login("coord").await;
    for action in ["approve", "lock"] {
        let r = app
            .post(
                &format!("{path}/review"),
                &coord,
                &[("csrf", &csrf_c), ("do", action)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{action}: {}", r.body);
    }
    let page = app.get(&path, &other).await;
    assert!(
        page.body
            .contains("data-status=\"reporting-status-locked\"")
    );
    let lock = page
        .body
        .split("data-testid=\"lock-explanation\"")
        .nth(1)
        .and_then(|s| s.split("</div>").next())
        .expect("a lock explanation");
    assert!(
        lock.contains("Báo cáo đã bị Cán bộ coord khóa ngày"),
        "{lock}"
    );
    assert!(
        lock.contains("Người có thể mở lại: Quản trị hệ thống; Điều phối"),
        "{lock}"
    );
    assert!(lock.contains("đề nghị người có quyền mở khóa"), "{lock}");
    assert!(!page.body.contains("data-testid=\"report-form\""));
    // editing is refused with the reason, even by a crafted POST
    let r = app
        .post(
            &path,
            &other,
            &figures(&csrf_o, "0", &[("do", "save"), ("f_results", "Sửa")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.body
            .contains("Không sửa được báo cáo ở trạng thái Đã khóa"),
        "{}",
        r.body
    );
    // the coordinator unlocks it: back to approved
    let r = app
        .post(
            &format!("{path}/review"),
            &coord,
            &[("csrf", &csrf_c), ("do", "unlock")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        app.get(&path, &other)
            .await
            .body
            .contains("data-status=\"reporting-status-approved\"")
    );
}

#[tokio::test]
async fn the_smtp_sink_receives_the_reminder_and_home_shows_it() {
    let app = app().await;
    let year = open_current_year(&app.db).await;
    let (coord, csrf) = app.login("coord").await;
    let r = app
        .post(
            "/reporting/remind",
            &coord,
            &[("csrf", &csrf), ("year", &year.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let back = app.get(&location(&r), &coord).await;
    assert!(back.body.contains("đã gửi 1 thư"), "{}", back.body);
    let mails = app.mail.lock().expect("mail").clone();
    assert_eq!(mails.len(), 1, "{mails:?}");
    let (to, data) = &mails[0];
    assert_eq!(to, "local@xa-aluoi1.vn");
    assert!(data.contains("To: <local@xa-aluoi1.vn>"));
    let subject = data
        .lines()
        .find_map(|l| l.strip_prefix("Subject: =?UTF-8?B?"))
        .and_then(|s| s.strip_suffix("?=\r").or_else(|| s.strip_suffix("?=")))
        .expect("an encoded subject");
    let subject = base64::engine::general_purpose::STANDARD
        .decode(subject)
        .expect("base64");
    assert_eq!(
        String::from_utf8(subject).expect("utf8"),
        format!("Nhắc nộp báo cáo năm {year}: Xã A Lưới 1")
    );
    let body: String = data
        .split("\r\n\r\n")
        .nth(1)
        .expect("a body")
        .lines()
        .map(str::trim_end)
        .collect();
    let body = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .expect("base64 body"),
    )
    .expect("utf8");
    assert!(
        body.contains("Xã A Lưới 1 chưa nộp báo cáo kết quả năm"),
        "{body}"
    );
    assert!(body.contains("/reports/"), "with a link: {body}");
    // the same notice, in the app; read once, it is no longer bold
    let (local, lcsrf) = app.login("local").await;
    let home = app.get("/home", &local).await;
    assert!(home.body.contains("Xã A Lưới 1 chưa nộp báo cáo"));
    assert!(home.body.contains("đã gửi thư"));
    let notice = home
        .body
        .split("action=\"/notices/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .expect("a notice to mark read")
        .to_owned();
    let r = app
        .post(
            &format!("/notices/{notice}/read"),
            &local,
            &[("csrf", &lcsrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        !app.get("/home", &local)
            .await
            .body
            .contains("class=\"unread\"")
    );
    // reminding twice the same day sends nothing new
    let r = app
        .post(
            "/reporting/remind",
            &coord,
            &[("csrf", &csrf), ("year", &year.to_string())],
        )
        .await;
    assert!(location(&r).contains("reminded=0"));
    assert_eq!(app.mail.lock().expect("mail").len(), 1);
}

#[tokio::test]
async fn the_dashboard_shows_completeness_who_has_not_filed_and_the_moves() {
    let app = app().await;
    let (coord, csrf) = app.login("coord").await;
    // 2025 opened on 2 Dec 2024, before the reforms, from the page
    let r = app
        .post(
            "/reporting/open",
            &coord,
            &[
                ("csrf", &csrf),
                ("year", "2025"),
                ("due", "2025-11-30"),
                ("cutoff", "2025-11-30"),
                ("units_on", "2024-12-02"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = app
        .post(
            "/reporting/open",
            &coord,
            &[("csrf", &csrf), ("year", "2026"), ("cutoff", "2026-11-01")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("data-testid=\"reporting-errors\""));
    assert!(
        r.body
            .contains("Ngày chốt số liệu 01/11/2026 không được trước hạn nộp 30/11/2026"),
        "{}",
        r.body
    );
    let r = app
        .post(
            "/reporting/migrate",
            &coord,
            &[("csrf", &csrf), ("year", "2025")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let dash = app.get(&location(&r), &coord).await;
    assert_eq!(dash.status, StatusCode::OK);
    assert!(
        dash.body.contains("Đã chuyển 150 nghĩa vụ báo cáo"),
        "{}",
        dash.body
    );
    let moves = dash
        .body
        .split("data-testid=\"moves\"")
        .nth(1)
        .and_then(|s| s.split("</ul>").next())
        .expect("moves listed");
    let nam_dong = moves
        .split("<li>")
        .find(|li| li.contains("Huyện Nam Đông"))
        .expect("Nam Đông's chain");
    assert!(
        nam_dong.starts_with("Báo cáo năm 2025 của Huyện Nam Đông: chuyển cho Huyện Phú Lộc từ ngày 01/01/2025 (Sáp nhập, NQ 1314/NQ-UBTVQH15), rồi chuyển cho "),
        "{nam_dong}"
    );
    for commune in [
        "Xã Khe Tre",
        "Xã Nam Đông",
        "Xã Long Quảng",
        "Xã Chân Mây - Lăng Cô",
    ] {
        assert!(nam_dong.contains(commune), "{commune} in {nam_dong}");
    }
    assert!(
        nam_dong.contains("từ ngày 01/07/2025 (giải thể cấp huyện"),
        "{nam_dong}"
    );
    assert_eq!(
        moves.matches("<li>").count(),
        9,
        "the nine districts' chains"
    );
    assert!(dash.body.contains("nghĩa vụ của cấp xã đã chuyển"));
    // completeness: the forty communes carry the duties; nobody filed
    let total = dash
        .body
        .split("data-testid=\"completeness-total\"")
        .nth(1)
        .and_then(|s| s.split("</tr>").next())
        .expect("a total row");
    assert!(total.contains("<th>40</th><th>0</th>"), "{total}");
    assert!(dash.body.contains("<svg"), "the completeness chart");
    assert!(dash.body.contains("Đến ngày 15/11/2025 (40)"));
    assert!(dash.body.contains("Đến ngày 30/11/2025 (40)"));
    // the moved obligation's page tells where it went, and cannot be edited
    let nd = obligation_id(&app.db, 2025, "483@origin").await;
    let page = app.get(&format!("/reports/{nd}"), &coord).await;
    assert!(page.body.contains("data-testid=\"moved-out\""));
    assert!(page.body.contains("Đã chuyển cho đơn vị kế thừa"));
    assert!(!page.body.contains("data-testid=\"report-form\""));
    // and Khe Tre's says whose duty it carries
    let y = storage::reporting::year_state(&app.db, ANNUAL, 2025)
        .await
        .expect("q");
    let khe_tre = y
        .obligations
        .iter()
        .find(|o| o.unit_name == "Xã Khe Tre" && !o.is_moved())
        .expect("Khe Tre");
    let page = app.get(&format!("/reports/{}", khe_tre.id), &coord).await;
    assert!(page.body.contains("data-testid=\"moved-in\""));
    assert!(page.body.contains("Huyện Phú Lộc"));

    // all moves on request
    let all = app.get("/reporting?year=2025&moves=all", &coord).await;
    assert!(all.body.matches("<li>Báo cáo năm 2025 của").count() >= 150);
}

#[tokio::test]
async fn plans_take_targets_refuse_bad_ones_and_chart_them() {
    let app = app().await;
    let (coord, csrf) = app.login("coord").await;
    let r = app
        .post(
            "/plans",
            &coord,
            &[
                ("csrf", &csrf),
                ("name", "Kế hoạch vận động thành phố 2025–2026"),
                ("level", "city"),
                ("unit_code", "46"),
                ("starts_on", "2025-09-01"),
                ("ends_on", "2026-09-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let plan = location(&r);
    for (cat, src, ind, value) in [
        ("all", "all", "money", "2.000.000.000"),
        ("warm_clothing", "all", "packages", "1500"),
        ("all", "state_budget", "money", "150.000.000"),
    ] {
        let r = app
            .post(
                &format!("{plan}/targets"),
                &coord,
                &[
                    ("csrf", &csrf),
                    ("category", cat),
                    ("source", src),
                    ("indicator", ind),
                    ("target", value),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let r = app
        .post(
            &format!("{plan}/targets"),
            &coord,
            &[
                ("csrf", &csrf),
                ("category", "all"),
                ("source", "all"),
                ("indicator", "children"),
                ("target", "-30"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Chỉ tiêu không hợp lệ"));
    assert!(r.body.contains("không được âm"), "{}", r.body);
    let page = app.get(&plan, &coord).await;
    assert!(page.body.contains("2.000.000.000\u{a0}₫"));
    assert!(
        page.body.contains("— (hệ thống không theo dõi)"),
        "the state budget is not the system's"
    );
    assert!(page.body.contains("data-testid=\"plan-chart\""));
    let list = app.get("/plans", &coord).await;
    assert!(list.body.contains("Kế hoạch vận động thành phố 2025–2026"));
    // a commune officer may not make a city plan, nor read a plan outside their area
    let (local, lcsrf) = app.login("local").await;
    let r = app
        .post(
            "/plans",
            &local,
            &[
                ("csrf", &lcsrf),
                ("name", "x"),
                ("level", "city"),
                ("unit_code", "46"),
                ("starts_on", "2025-09-01"),
                ("ends_on", "2026-09-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get(&plan, &local).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_reporting_pages_fit_the_first_round_trip_compressed() {
    let app = app().await;
    let year = open_current_year(&app.db).await;
    let id = obligation_id(&app.db, year, "20056@2025-07-01").await;
    let (coord, _) = app.login("coord").await;
    let (local, _) = app.login("local").await;
    for (path, cookie) in [
        (format!("/reporting?year={year}"), coord.as_str()),
        ("/reports".to_owned(), coord.as_str()),
        (format!("/reports/{id}"), local.as_str()),
        ("/plans".to_owned(), coord.as_str()),
    ] {
        let req = Request::get(&path)
            .header(header::COOKIE, cookie)
            .header(header::ACCEPT_ENCODING, "gzip")
            .body(Body::empty())
            .expect("req");
        let r = app.send(req).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(
            r.raw_len <= 14 * 1024,
            "{path}: {} bytes compressed",
            r.raw_len
        );
    }
}

/// Every message key the reporting pages use exists in both languages.
#[test]
fn every_reporting_message_key_exists_in_both_languages() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut keys: Vec<String> = Vec::new();
    for file in [
        "templates/reports.html",
        "templates/report.html",
        "templates/reporting.html",
        "templates/plans.html",
        "templates/plan.html",
        "templates/home.html",
        "src/pages/reports.rs",
        "src/pages/reporting.rs",
        "src/pages/plans.rs",
    ] {
        let text = std::fs::read_to_string(format!("{root}/{file}")).expect("read");
        for part in text.split("p.t(\"").skip(1) {
            if let Some(end) = part.find('"') {
                keys.push(part[..end].to_owned());
            }
        }
        for (i, lit) in text.split('"').enumerate() {
            let key_shaped = i % 2 == 1
                && [
                    "report-",
                    "reporting-",
                    "plan-",
                    "plans-",
                    "move-",
                    "notice-",
                    "home-notice",
                ]
                .iter()
                .any(|p| lit.starts_with(p))
                && !lit.ends_with('-')
                && lit
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
            if key_shaped {
                keys.push(lit.to_owned());
            }
        }
    }
    for f in storage::reporting::FIGURES
        .iter()
        .chain(storage::reporting::NARRATIVE.iter())
    {
        keys.push(format!("report-field-{f}"));
    }
    for a in ["approve", "return", "lock", "unlock"] {
        keys.push(format!("report-action-{a}"));
    }
    for d in [
        "save",
        "submit",
        "approve",
        "return",
        "lock",
        "unlock",
        "exception",
        "decide",
    ] {
        keys.push(format!("report-done-{d}"));
    }
    for l in storage::plans::LEVELS {
        keys.push(format!("plan-level-{l}"));
    }
    for s in storage::plans::SOURCES {
        keys.push(format!("plan-source-{s}"));
    }
    for i in storage::plans::INDICATORS {
        keys.push(format!("plan-indicator-{i}"));
    }
    for k in ["reminder", "returned", "granted", "refused"] {
        keys.push(format!("notice-{k}"));
        keys.push(format!("notice-{k}-subject"));
    }
    for k in domain::reporting::ReportingError::KEYS {
        keys.push(k.to_owned());
    }
    keys.sort();
    keys.dedup();
    // testids and element ids share the shapes; only keys are checked
    let ids = [
        "report-form",
        "report-errors",
        "report-title",
        "report-status",
        "report-save",
        "report-submit",
        "reporting-errors",
        "plan-chart",
        "plan-create",
        "plan-title",
        "report-year",
    ];
    let missing: Vec<(String, &str)> = keys
        .iter()
        .filter(|k| !ids.contains(&k.as_str()) || i18n::lookup(i18n::Lang::Vi, k).is_some())
        .flat_map(|k| {
            [i18n::Lang::Vi, i18n::Lang::En]
                .into_iter()
                .filter(|l| i18n::lookup(*l, k).is_none())
                .map(move |l| (k.clone(), l.code()))
        })
        .collect();
    assert!(missing.is_empty(), "missing translations: {missing:?}");
    assert!(keys.len() > 150, "{} keys checked", keys.len());
}

#[tokio::test]
async fn a_chain_recorded_in_two_runs_reads_as_one() {
    let app = app().await;
    let spec = OpenYear {
        template: annual_template(),
        year: 2025,
        due: NaiveDate::from_ymd_opt(2025, 11, 30).expect("date"),
        cutoff: NaiveDate::from_ymd_opt(2025, 11, 30).expect("date"),
        units_on: NaiveDate::from_ymd_opt(2024, 12, 2).expect("date"),
        is_demo: false,
    };
    let map = domain::admin_units::embedded_map().expect("map");
    let sys = AuditActor::system("test");
    storage::reporting::open_year(&app.db, map, &spec, &sys, Utc::now())
        .await
        .expect("q")
        .expect("opened");
    // the server ran in March 2025 (Nam Đông → Phú Lộc), then today
    let march = NaiveDate::from_ymd_opt(2025, 3, 1).expect("date");
    let first = storage::reporting::migrate_obligations(&app.db, map, march, &sys, Utc::now())
        .await
        .expect("q")
        .expect("moved");
    assert!(first.moved > 0 && first.created > 0, "{first:?}");
    let (coord, csrf) = app.login("coord").await;
    let r = app
        .post(
            "/reporting/migrate",
            &coord,
            &[("csrf", &csrf), ("year", "2025")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let dash = app.get("/reporting?year=2025", &coord).await;
    let moves = dash
        .body
        .split("data-testid=\"moves\"")
        .nth(1)
        .and_then(|s| s.split("</ul>").next())
        .expect("moves listed");
    let items: Vec<&str> = moves.split("<li>").skip(1).collect();
    let nam_dong = items
        .iter()
        .find(|li| li.starts_with("Báo cáo năm 2025 của Huyện Nam Đông"))
        .expect("Nam Đông's chain");
    assert!(
        nam_dong.contains("chuyển cho Huyện Phú Lộc từ ngày 01/01/2025")
            && nam_dong.contains(", rồi chuyển cho ")
            && nam_dong.contains("Xã Khe Tre")
            && nam_dong.contains("từ ngày 01/07/2025"),
        "{nam_dong}"
    );
    assert!(
        !items
            .iter()
            .any(|li| li.starts_with("Báo cáo năm 2025 của Huyện Phú Lộc: chuyển cho Xã")),
        "the enlarged Phú Lộc's step is told inside the chains that reached it: {moves}"
    );
}

#[tokio::test]
async fn the_coordinator_consolidates_the_year_and_exports_it_and_the_final_review() {
    let app = app().await;
    let year = open_current_year(&app.db).await;
    let (coord, _) = app.login("coord").await;
    let (local, _) = app.login("local").await;
    // A Lưới 1 files a figure the system does not record: flagged
    let id = obligation_id(&app.db, year, "20056@2025-07-01").await;
    let officer = domain::authz::Actor {
        user_id: Some("x-local".into()),
        role: domain::authz::Role::LocalOfficer,
        scope: domain::authz::Scope::new(["20056".to_owned()]),
    };
    let a = AuditActor::system("local");
    storage::reporting::save(
        &app.db,
        &id,
        0,
        &domain::reporting::Changes::new().set("money_domestic", "750000"),
        Some(false),
        &storage::reporting::By {
            actor: &officer,
            audit: &a,
        },
        today(),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("filed");

    let page = app
        .get(&format!("/reporting/consolidated?year={year}"), &coord)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("data-testid=\"consolidation-totals\""));
    assert!(page.body.contains("data-testid=\"consolidation-flagged\""));
    assert!(page.body.contains("750.000"), "the typed figure, summed");
    assert!(page.body.contains("Xã A Lưới 1"));
    let gz = Request::get(format!("/reporting/consolidated?year={year}"))
        .header(header::COOKIE, coord.as_str())
        .header(header::ACCEPT_ENCODING, "gzip")
        .body(Body::empty())
        .expect("req");
    assert!(
        app.send(gz).await.raw_len <= 14 * 1024,
        "fits the first round trip"
    );
    for (format, mime, magic) in [
        ("xlsx", "spreadsheetml", "PK"),
        ("docx", "wordprocessingml", "PK"),
        ("pdf", "application/pdf", "%PDF"),
    ] {
        let r = app
            .get(
                &format!("/reporting/consolidated/export?year={year}&format={format}"),
                &coord,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{format}");
        let ct = r.headers[header::CONTENT_TYPE].to_str().expect("ascii");
        assert!(ct.contains(mime), "{format}: {ct}");
        assert!(r.body.starts_with(magic), "{format}");
    }
    let bad = app
        .get(
            &format!("/reporting/consolidated/export?year={year}&format=odt"),
            &coord,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    // the consolidation is the coordinator's
    assert_eq!(
        app.get("/reporting/consolidated", &local).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/reporting/consolidated", "").await.status,
        StatusCode::UNAUTHORIZED
    );

    // the final review, both groupings, and its export
    for regroup in ["today", "historic"] {
        let r = app
            .get(
                &format!("/reporting/review?from=2019&to={year}&regroup={regroup}"),
                &coord,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{regroup}");
        assert!(r.body.contains("data-testid=\"regroup-switch\""));
        assert!(r.body.contains("Biểu 1."));
    }
    let pdf = app
        .get(
            "/reporting/review/export?from=2019&to=2025&regroup=historic&format=pdf",
            &coord,
        )
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(pdf.body.starts_with("%PDF"));
    assert_eq!(
        app.get("/reporting/review?regroup=sideways", &coord)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get("/reporting/review?from=2025&to=2019", &coord)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    // a commune officer may not review the whole city
    assert_eq!(
        app.get("/reporting/review", &local).await.status,
        StatusCode::FORBIDDEN
    );
}
