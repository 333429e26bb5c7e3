//! Issue 6, items 4 and 6: `chungtay report annual` on the demo data, in
//! the three formats. The XLSX is read back with calamine and its figures
//! compared with sums computed here by independent SQL (and, for what the
//! lines received, by `storage::receipts::received_by_line`, the other
//! implementation of the receipts-fill-allocations rule); the DOCX carries
//! the national header and the unit's name; `pdftotext` shows the title
//! exactly. A year without data gives an honest empty report; an unknown
//! unit is refused in both languages. On SQLite, and on PostgreSQL too when
//! `TEST_DATABASE_URL` is set (a new database by name on that server,
//! dropped afterwards).

use std::collections::HashMap;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use calamine::{Data, Reader, Xlsx};
use storage::{Backend, Db, DbUrl, db_run};

const BIN: &str = env!("CARGO_BIN_EXE_chungtay");
const TITLE: &str = "Kết quả huy động nguồn lực và hỗ trợ trẻ em năm 2025 — Thành phố Huế";

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{prefix}_{}_{nanos}", std::process::id())
}

fn chungtay(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("CHUNGTAY_LOG", "warn")
        .env_remove("CHUNGTAY_DB")
        .output()
        .expect("run chungtay")
}

fn ok(args: &[&str]) -> String {
    let out = chungtay(args);
    assert!(
        out.status.success(),
        "chungtay {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `postgres://u@h:5432/test?x` → `postgres://u@h:5432/NAME?x`.
fn with_db_name(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let prefix = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

/// The figures the report must show, summed here without the report's SQL.
#[derive(Debug, Default)]
struct Expected {
    receipts: i64,
    money: i64,
    goods: i64,
    budget: i64,
    lines: i64,
    need: i64,
    committed: i64,
    received: i64,
    delivered: i64,
    children: i64,
    /// Unique children on the rosters of 2025's handovers, and lượt.
    reached: i64,
    reached_turns: i64,
}

async fn expected(db: &Db) -> Expected {
    let budget_like: Vec<(String,)> = db_run!(db, |pool| {
        sqlx::query_as("SELECT account_no FROM receiving_accounts WHERE purpose = 'state_budget'")
            .fetch_all(pool)
            .await
            .expect("budget accounts")
    });
    type ReceiptRow = (String, i64, String);
    let receipts: Vec<ReceiptRow> = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT kind, amount, account FROM receipts \
             WHERE received_on >= $1 AND received_on <= $2",
        )
        .bind(day(2025, 1, 1))
        .bind(day(2025, 12, 31))
        .fetch_all(pool)
        .await
        .expect("receipts")
    });
    let mut e = Expected::default();
    for (kind, amount, account) in receipts {
        if budget_like
            .iter()
            .any(|(no,)| account.ends_with(no.as_str()))
        {
            e.budget += amount;
        } else if kind == "money" {
            e.receipts += 1;
            e.money += amount;
        } else {
            e.receipts += 1;
            e.goods += amount;
        }
    }
    type LineRow = (String, i64, i64);
    let lines: Vec<LineRow> = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT n.id, n.amount, n.quantity FROM need_lines n JOIN periods p ON p.id = n.period_id \
             WHERE n.status IN ('verified', 'published') AND p.starts_on >= $1 AND p.starts_on <= $2",
        )
        .bind(day(2025, 1, 1))
        .bind(day(2025, 12, 31))
        .fetch_all(pool)
        .await
        .expect("need lines")
    });
    let allocations: Vec<(String, i64)> = db_run!(db, |pool| {
        sqlx::query_as("SELECT need_line_id, amount FROM allocations")
            .fetch_all(pool)
            .await
            .expect("allocations")
    });
    let deliveries: Vec<(String, i64)> = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT need_line_id, value FROM deliveries \
             WHERE status IN ('handed_over', 'site_signed', 'accepted', 'accepted_with_issues') \
             AND handed_over_on <= $1",
        )
        .bind(day(2025, 12, 31))
        .fetch_all(pool)
        .await
        .expect("deliveries")
    });
    let received = storage::receipts::received_by_line(db)
        .await
        .expect("received by line");
    let mut committed: HashMap<&str, i64> = HashMap::new();
    for (line, amount) in &allocations {
        *committed.entry(line.as_str()).or_default() += amount;
    }
    let mut delivered: HashMap<&str, i64> = HashMap::new();
    for (line, value) in &deliveries {
        *delivered.entry(line.as_str()).or_default() += value;
    }
    let (reached, turns): (i64, i64) = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT CAST(COUNT(DISTINCT s.child_id) AS BIGINT), \
             CAST(COUNT(DISTINCT s.child_id || '|' || d.id) AS BIGINT) \
             FROM delivery_children dc JOIN child_sources s ON s.record_key = dc.record_key \
             JOIN deliveries d ON d.id = dc.delivery_id \
             WHERE d.status IN ('handed_over', 'accepted', 'accepted_with_issues') \
             AND d.handed_over_on >= $1 AND d.handed_over_on <= $2",
        )
        .bind(day(2025, 1, 1))
        .bind(day(2025, 12, 31))
        .fetch_one(pool)
        .await
        .expect("rosters")
    });
    e.reached = reached;
    e.reached_turns = turns;
    for (id, amount, quantity) in &lines {
        e.lines += 1;
        e.need += amount;
        e.children += quantity;
        e.committed += committed.get(id.as_str()).copied().unwrap_or(0);
        e.received += received.get(id).copied().unwrap_or(0);
        e.delivered += delivered.get(id.as_str()).copied().unwrap_or(0);
    }
    e
}

fn day(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// Every sheet's rows, by the table title in its first cell.
fn sheets(path: &Path) -> HashMap<String, Vec<Vec<Data>>> {
    let bytes = std::fs::read(path).expect("read the workbook");
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("an XLSX workbook");
    let mut out = HashMap::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).expect("a sheet");
        let rows: Vec<Vec<Data>> = range.rows().map(<[Data]>::to_vec).collect();
        let title = rows
            .first()
            .and_then(|r| r.first())
            .map(|c| c.to_string())
            .unwrap_or_default();
        out.insert(if name == "Thông tin" { name } else { title }, rows);
    }
    out
}

fn table<'a>(sheets: &'a HashMap<String, Vec<Vec<Data>>>, prefix: &str) -> &'a [Vec<Data>] {
    sheets
        .iter()
        .find(|(title, _)| title.starts_with(prefix))
        .map(|(_, rows)| rows.as_slice())
        .unwrap_or_else(|| panic!("no sheet for {prefix}: {:?}", sheets.keys()))
}

/// The number in `column` (by header) of the last row (the total row).
fn total(rows: &[Vec<Data>], column: &str) -> i64 {
    let header = rows.get(1).expect("a header row");
    let col = header
        .iter()
        .position(|h| *h == column)
        .unwrap_or_else(|| panic!("no column {column:?} in {header:?}"));
    let last = rows.last().expect("a total row");
    assert!(
        last.iter().take(2).any(|c| *c == "Tổng cộng"),
        "the last row is the total row: {last:?}"
    );
    match &last[col] {
        Data::Float(v) => *v as i64,
        Data::Int(v) => *v,
        other => panic!("{column}: not a number: {other:?}"),
    }
}

fn docx_xml(path: &Path) -> String {
    let bytes = std::fs::read(path).expect("read the document");
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a DOCX archive");
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .expect("word/document.xml")
        .read_to_string(&mut xml)
        .expect("UTF-8 XML");
    xml
}

fn pdf_text(path: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(path)
        .arg("-")
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "pdftotext is missing ({e}): install poppler-utils (apt-get install poppler-utils)"
            )
        });
    assert!(out.status.success(), "pdftotext failed");
    String::from_utf8(out.stdout).expect("UTF-8 text")
}

fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn check_backend(url: &str, dir: &Path) {
    let key = dir.join("registry.key");
    let key = key.to_str().expect("a UTF-8 path");
    ok(&["demo", "--no-serve", "--db", url, "--registry-key", key]);
    let base = [
        "report", "annual", "--year", "2025", "--unit", "46", "--db", url,
    ];
    let path = |ext: &str| dir.join(format!("hue-2025.{ext}"));
    for format in ["xlsx", "docx", "pdf"] {
        let out = path(format);
        let out = out.to_str().expect("a UTF-8 path");
        let mut args = base.to_vec();
        args.extend(["--format", format, "--out", out]);
        ok(&args);
    }

    let db = Db::connect(&DbUrl::new(url.to_owned()))
        .await
        .expect("open the database");
    let e = expected(&db).await;
    db.close().await;
    assert!(
        e.receipts > 0 && e.need > 0 && e.delivered > 0,
        "demo data: {e:?}"
    );

    let book = sheets(&path("xlsx"));
    let sources = table(&book, "Biểu 1.");
    assert_eq!(total(sources, "Số khoản"), e.receipts);
    assert_eq!(total(sources, "Tiền (đồng)"), e.money);
    assert_eq!(total(sources, "Hiện vật quy đổi (đồng)"), e.goods);
    assert_eq!(total(sources, "Cộng (đồng)"), e.money + e.goods);
    let budget = table(&book, "Biểu 2.");
    assert_eq!(budget[2][2], Data::Float(e.budget as f64), "R13 line apart");
    let coverage = table(&book, "Biểu 3.");
    assert_eq!(total(coverage, "Số dòng nhu cầu"), e.lines);
    assert_eq!(total(coverage, "Nhu cầu (đồng)"), e.need);
    assert_eq!(total(coverage, "Đã cam kết (đồng)"), e.committed);
    assert_eq!(total(coverage, "Đã nhận (đồng)"), e.received);
    assert_eq!(total(coverage, "Đã trao (đồng)"), e.delivered);
    let by_commune = table(&book, "Biểu 4.");
    assert_eq!(total(by_commune, "Nhu cầu (đồng)"), e.need);
    let children = table(&book, "Biểu 5.");
    assert_eq!(total(children, "Lượt trẻ em có nhu cầu"), e.children);
    assert_eq!(
        total(table(&book, "Biểu 6."), "Lượt trẻ em có nhu cầu"),
        e.children
    );
    assert_eq!(
        total(table(&book, "Biểu 7."), "Lượt trẻ em có nhu cầu"),
        e.children
    );
    // The demo's deliveries carry rosters: unique children and lượt come
    // from them, never invented.
    assert!(e.reached > 0 && e.reached_turns >= e.reached, "{e:?}");
    let registry = table(&book, "Biểu 8.");
    assert_eq!(
        registry[2][1],
        Data::Float(e.reached as f64),
        "unique children: {registry:?}"
    );
    assert_eq!(
        registry.last().map(|r| r[1].clone()),
        Some(Data::Float(e.reached_turns as f64)),
        "lượt: {registry:?}"
    );

    let xml = docx_xml(&path("docx"));
    for needle in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "THÀNH PHỐ HUẾ",
        "Thành phố Huế",
        "Huế, ngày ",
        "Nơi nhận:",
        TITLE,
    ] {
        assert!(xml.contains(needle), "document.xml lacks {needle:?}");
    }

    let text = pdf_text(&path("pdf"));
    assert!(
        text.contains(TITLE) || squash(&text).contains(TITLE),
        "the PDF shows the title exactly:\n{text}"
    );
    assert!(squash(&text).contains("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"));

    // A year without data: an honest empty report, not an error.
    let empty = dir.join("hue-2019.xlsx");
    let empty_s = empty.to_str().expect("a UTF-8 path");
    ok(&[
        "report", "annual", "--year", "2019", "--unit", "46", "--db", url, "--format", "xlsx",
        "--out", empty_s,
    ]);
    let book = sheets(&empty);
    let info: String = book["Thông tin"]
        .iter()
        .flatten()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        info.contains("Không có số liệu trong kỳ báo cáo."),
        "{info}"
    );
    // A commune of today, a 2019 commune merged since, a former district:
    // each answers.
    for unit in ["20056", "20062", "481"] {
        let out = dir.join(format!("{unit}.pdf"));
        ok(&[
            "report",
            "annual",
            "--year",
            "2025",
            "--unit",
            unit,
            "--db",
            url,
            "--format",
            "pdf",
            "--out",
            out.to_str().expect("a UTF-8 path"),
        ]);
    }

    // An unknown unit: refused, in both languages, nothing written.
    let bad = dir.join("bad.xlsx");
    let out = chungtay(&[
        "report",
        "annual",
        "--year",
        "2025",
        "--unit",
        "99999",
        "--db",
        url,
        "--format",
        "xlsx",
        "--out",
        bad.to_str().expect("a UTF-8 path"),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("không có đơn vị hành chính mã '99999'")
            && err.contains("no administrative unit has code '99999'"),
        "{err}"
    );
    assert!(!bad.exists());

    // the consolidated city report and the final review (issue 6, item 5)
    let consolidated = dir.join("consolidated-2025.xlsx");
    ok(&[
        "report",
        "consolidated",
        "--year",
        "2025",
        "--format",
        "xlsx",
        "--out",
        consolidated.to_str().expect("a UTF-8 path"),
        "--db",
        url,
    ]);
    let s = sheets(&consolidated);
    let totals = table(&s, "Biểu 10.");
    assert!(
        totals
            .iter()
            .any(|r| r.first() == Some(&Data::String("Nguồn lực trong nước (đồng)".into()))),
        "the units' totals"
    );
    table(&s, "Biểu 13.");
    for (regroup, expected) in [
        ("historic", "Huyện A Lưới (cũ)"),
        (
            "today",
            "Xã A Lưới 1, Xã A Lưới 2, Xã A Lưới 3, Xã A Lưới 4, Xã A Lưới 5",
        ),
    ] {
        let out = dir.join(format!("review-{regroup}.docx"));
        ok(&[
            "report",
            "review",
            "--from",
            "2019",
            "--to",
            "2025",
            "--unit",
            "46",
            "--regroup",
            regroup,
            "--format",
            "docx",
            "--out",
            out.to_str().expect("a UTF-8 path"),
            "--db",
            url,
        ]);
        let xml = docx_xml(&out);
        assert!(
            xml.contains("Tổng kết công tác huy động nguồn lực"),
            "{regroup}"
        );
        assert!(xml.contains(expected), "{regroup}: {expected}");
    }
}

fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(unique("ct_report"));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}

#[tokio::test(flavor = "multi_thread")]
async fn the_annual_report_equals_the_database_on_sqlite() {
    let dir = scratch_dir();
    let url = dir.join("demo.sqlite3");
    check_backend(url.to_str().expect("a UTF-8 path"), &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_annual_report_equals_the_database_on_postgres() {
    let base = match std::env::var("TEST_DATABASE_URL") {
        Ok(u) if DbUrl::new(u.clone()).backend() == Backend::Postgres => u,
        _ => return,
    };
    let name = unique("ct_report").to_lowercase();
    let admin = Db::connect(&DbUrl::new(base.clone()))
        .await
        .expect("the PostgreSQL server");
    if let Db::Postgres(pool) = &admin {
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(pool)
            .await
            .expect("create a scratch database");
    }
    let dir = scratch_dir();
    check_backend(&with_db_name(&base, &name), &dir).await;
    if let Db::Postgres(pool) = &admin {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(pool)
        .await
        .expect("drop the scratch database");
    }
    admin.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
