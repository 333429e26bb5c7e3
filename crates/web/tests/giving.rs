//! Giving by VietQR and bank statements reconciled, through the pages: a
//! pledge's page shows its code and a VietQR code that decodes to the
//! default account, the amount and the code; a coordinator uploads a
//! statement (multipart, CSRF inside); the line with the code becomes a
//! receipt whose public page shows the ledger entry and where the money
//! went — never an anonymous donor's name. SQLite by default, PostgreSQL
//! with `TEST_DATABASE_URL`.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::Utc;
use common::{Client, PASSWORD, location};
use storage::audit::AuditActor;

struct App {
    client: Client,
    db: storage::Db,
}

async fn app() -> App {
    let db = storage::testing::fresh_db().await.expect("db");
    let sys = AuditActor::system("test");
    let now = Utc::now();
    let hash = web::hash_password(PASSWORD).expect("hash");
    for (username, role) in [("coord", "coordinator"), ("local", "local_officer")] {
        storage::users::create(
            &db,
            &storage::users::NewUser {
                username: username.into(),
                display_name: username.into(),
                password_hash: hash.clone(),
                role: role.into(),
                org_id: None,
                lang: "vi".into(),
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
    let fund = storage::organisations::Organisation {
        id: "quy".into(),
        name: "Quỹ Bảo trợ trẻ em".into(),
        short_name: None,
        org_type: "fund".into(),
        parent_id: None,
        unit_code: None,
        valid_from: None,
        valid_to: None,
        successor_id: None,
        is_demo: false,
    };
    storage::organisations::create(&db, &fund, &sys, now)
        .await
        .expect("fund");
    for (id, name, publish, anonymous) in [
        ("d-public", "Công ty Sông Hương", true, false),
        ("d-anon", "Bà Trần Thị Kín Đáo", true, true),
    ] {
        storage::donors::create(
            &db,
            &storage::donors::Donor {
                id: id.into(),
                kind: "organisation".into(),
                name: name.into(),
                origin: "domestic".into(),
                donor_type: "business".into(),
                tax_code: Some(format!("33{id}")),
                phone: Some("0905000111".into()),
                email: None,
                publish_name: publish,
                anonymous,
                is_demo: false,
            },
            &sys,
            now,
        )
        .await
        .expect("donor");
    }
    for (id, donor) in [("p-public", "d-public"), ("p-anon", "d-anon")] {
        storage::donors::create_pledge(
            &db,
            &storage::donors::Pledge {
                id: id.into(),
                donor_id: donor.into(),
                kind: "money".into(),
                amount: 3_000_000,
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
    }
    let state = web::AppState::new(db.clone(), web::WebConfig::default());
    App {
        client: Client {
            router: web::router(state),
        },
        db,
    }
}

async fn code(db: &storage::Db, id: &str) -> String {
    storage::donors::pledge(db, id)
        .await
        .expect("q")
        .and_then(|p| p.code())
        .expect("code")
}

fn multipart(fields: &[(&str, &str)], file_name: &str, file: &str) -> (String, String) {
    let boundary = "----chungtay-test-boundary";
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

#[tokio::test]
async fn a_pledge_paid_by_its_code_becomes_a_receipt_with_a_verifiable_public_page() {
    let a = app().await;
    let (session, csrf) = a.client.login("coord").await;
    // The coordinator adds the fund's account (default for donations).
    let r = a
        .client
        .post(
            "/accounts",
            &session,
            &[
                ("csrf", &csrf),
                ("organisation_id", "quy"),
                ("bank_bin", "970436"),
                ("account_no", "0071000123456"),
                ("account_name", "QUY BAO TRO TRE EM"),
                ("purpose", "donations"),
                ("is_default", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // The pledge page: code, and a VietQR payload with account, amount, code.
    let anon_code = code(&a.db, "p-anon").await;
    let page = a.client.get("/p/p-anon", "").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&anon_code));
    assert!(page.body.contains("data-testid=\"vietqr\""));
    assert!(
        !page.body.contains("Kín Đáo"),
        "an anonymous donor is not named to the public"
    );
    let png = a.client.get("/p/p-anon/qr.png", "").await;
    assert_eq!(png.status, StatusCode::OK);
    assert_eq!(
        png.headers.get(header::CONTENT_TYPE).map(|v| v.as_bytes()),
        Some(&b"image/png"[..])
    );
    let pledge = storage::donors::pledge(&a.db, "p-anon")
        .await
        .expect("q")
        .expect("pledge");
    let payment = vietqr::Payment::new("970436", "0071000123456")
        .with_amount(3_000_000)
        .with_memo(format!("{anon_code} ung ho tre em"));
    let expected = vietqr::payload(&payment).expect("payload");
    let parsed = vietqr::parse(&expected).expect("parse");
    assert_eq!(parsed.payment.amount, Some(pledge.amount as u64));
    assert!(parsed.payment.memo.starts_with(&anon_code));

    // A statement: the anonymous donor paid with the code (mangled by the
    // bank), another transfer has none.
    let csv = format!(
        "Ngày giao dịch,Số tham chiếu,Số tiền ghi nợ,Số tiền ghi có,Số dư,Mô tả\n\
         21/11/2026,FT001,,3.000.000,13.000.000,MBVCB.88.{} UNG HO TRE EM\n\
         22/11/2026,FT002,,450.000,13.450.000,UNG HO\n",
        anon_code.replacen("CT", "CT-", 1)
    );
    let (ctype, body) = multipart(
        &[("csrf", &csrf), ("account_id", ""), ("layout", "")],
        "sao-ke.csv",
        &csv,
    );
    // No account chosen: refused, nothing written.
    let refused = a
        .client
        .send(
            Request::builder()
                .method("POST")
                .uri("/statements")
                .header(header::COOKIE, &session)
                .header(header::CONTENT_TYPE, &ctype)
                .body(Body::from(body))
                .expect("req"),
        )
        .await;
    assert_eq!(refused.status, StatusCode::OK);
    assert!(refused.body.contains("form-error"));
    let account = storage::accounts::default_donations(&a.db)
        .await
        .expect("q")
        .expect("account");
    let upload = |csrf: String| {
        let (ctype, body) = multipart(
            &[("csrf", &csrf), ("account_id", &account.id), ("layout", "")],
            "sao-ke.csv",
            &csv,
        );
        Request::builder()
            .method("POST")
            .uri("/statements")
            .header(header::COOKIE, &session)
            .header(header::CONTENT_TYPE, ctype)
            .body(Body::from(body))
            .expect("req")
    };
    // Without the CSRF token the upload is refused.
    let forged = a.client.send(upload("wrong".into())).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let done = a.client.send(upload(csrf.clone())).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(location(&done), "/statements?new=2&matched=1&seen=0");
    // Uploading the same statement again adds nothing.
    let again = a.client.send(upload(csrf.clone())).await;
    assert_eq!(location(&again), "/statements?new=0&matched=0&seen=2");
    let receipts = storage::receipts::for_pledge(&a.db, "p-anon")
        .await
        .expect("q");
    assert_eq!(receipts.len(), 1);
    let list = a.client.get("/statements", &session).await;
    assert!(list.body.contains("450.000"), "the unknown transfer waits");
    let home = a.client.get("/home", &session).await;
    assert!(
        home.body.contains("unmatched-money") && home.body.contains("450.000"),
        "unmatched money stays visible on the coordinator's dashboard"
    );

    // The receipt's public page: amount, entry, no donor name, verify box.
    let public = a
        .client
        .get(&format!("/ledger/receipts/{}", receipts[0].id), "")
        .await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(public.body.contains("3.000.000"));
    assert!(public.body.contains("data-testid=\"verify\""));
    assert!(!public.body.contains("Kín Đáo"));
    assert!(!public.body.contains("0905000111"));
    assert!(!public.body.contains("33d-anon"));
    let entry = storage::ledger::entry_for(&a.db, "receipt", &receipts[0].id)
        .await
        .expect("q")
        .expect("leaf");
    assert!(!String::from_utf8_lossy(&entry.leaf).contains("Kín Đáo"));
    // A head covering it is published, so the browser can check it.
    let sth = common::json(&a.client.get("/api/v1/ledger/sth", "").await);
    assert!(sth["tree_size"].as_i64().expect("size") > entry.idx);
    // Staff see the printed receipt with the public address.
    let printed = a
        .client
        .get(&format!("/receipts/{}", receipts[0].id), &session)
        .await;
    assert!(
        printed
            .body
            .contains(&format!("/ledger/receipts/{}", receipts[0].id))
    );
    // A local officer may not reconcile statements.
    let (local, _) = a.client.login("local").await;
    assert_eq!(
        a.client.get("/statements", &local).await.status,
        StatusCode::FORBIDDEN
    );
}
