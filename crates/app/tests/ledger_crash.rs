//! Issue 5, "nothing is lost": a crash between a business change and its
//! ledger entry cannot leave one without the other. A `chungtay ledger
//! stress` process records receipts (each receipt row, its leaf and its
//! audit row in one transaction, four writers at once, a signed head every
//! 50 ms) and is killed with SIGKILL part-way; then `chungtay ledger
//! verify` must accept the log, every receipt must have exactly one leaf
//! and every leaf its receipt, and the log must go on growing without a
//! gap. On SQLite, and on PostgreSQL when `TEST_DATABASE_URL` is set (a new
//! database by name on that server, as `storage::testing` does).

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use storage::{Backend, Db, DbUrl};

const BIN: &str = env!("CARGO_BIN_EXE_chungtay");
/// More than the process can record before it is killed.
const RECEIPTS: usize = 1_000_000;
/// Kill once at least this many receipts are committed.
const KILL_AFTER: i64 = 150;

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{prefix}_{}_{nanos}", std::process::id())
}

fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(unique("ct_crash"));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
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

fn chungtay(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("CHUNGTAY_LOG", "warn")
        .env("CHUNGTAY_REGISTRY_KEY", registry_key_path())
        .env_remove("CHUNGTAY_DB")
        .output()
        .expect("run chungtay")
}

/// (receipts, leaves by kind, heads), or `None` while the schema is not
/// there yet.
async fn counts(url: &str) -> Option<(i64, Vec<(String, i64)>, i64)> {
    let db = Db::connect(&DbUrl::new(url)).await.ok()?;
    let scratch = storage::ledger::scratch_counts(&db).await.ok();
    let kinds = storage::ledger::count_by_kind(&db).await.ok();
    db.close().await;
    Some((scratch?.receipts, kinds?, scratch?.heads))
}

async fn kill_mid_batch_then_verify(url: &str, dir: &std::path::Path) {
    let key = dir.join("ledger.key");
    let key = key.to_str().expect("utf-8 path");
    let receipts = RECEIPTS.to_string();
    let mut child = Command::new(BIN)
        .args([
            "ledger",
            "stress",
            "--db",
            url,
            "--ledger-key",
            key,
            "--receipts",
            &receipts,
            "--workers",
            "4",
            "--sign-every-ms",
            "50",
        ])
        .env("CHUNGTAY_LOG", "warn")
        .env("CHUNGTAY_REGISTRY_KEY", registry_key_path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chungtay ledger stress");

    // Wait until receipts are being committed, then kill it mid-batch.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        // Receipts committed and at least one head signed over them (the
        // signer runs every 50 ms: on an idle machine the first receipts
        // can come before the first head).
        if let Some((receipts, _, heads)) = counts(url).await
            && receipts >= KILL_AFTER
            && heads >= 1
        {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the stress process ended before it was killed: {status}");
        }
        assert!(
            Instant::now() < deadline,
            "no {KILL_AFTER} receipts within 2 minutes"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // std's kill() is SIGKILL on Unix: no destructor, no rollback by the
    // process itself — only the database's own atomicity.
    child.kill().expect("SIGKILL");
    let status = child.wait().expect("reap");
    assert!(!status.success(), "killed, not finished: {status}");

    let verify = chungtay(&["ledger", "verify", "--db", url]);
    let stdout = String::from_utf8_lossy(&verify.stdout);
    let stderr = String::from_utf8_lossy(&verify.stderr);
    assert!(
        verify.status.success(),
        "ledger verify after the crash: {stdout}\n{stderr}"
    );
    let (receipts, kinds, heads) = counts(url).await.expect("counts after the crash");
    let receipt_leaves = kinds
        .iter()
        .find(|(k, _)| k == "receipt")
        .map_or(0, |(_, n)| *n);
    assert_eq!(
        receipts, receipt_leaves,
        "every receipt has its leaf and every leaf its receipt: {kinds:?}"
    );
    assert_eq!(kinds.len(), 1, "only receipt leaves: {kinds:?}");
    assert!(
        receipts >= KILL_AFTER && (receipts as usize) < RECEIPTS,
        "killed part-way: {receipts} receipts"
    );
    assert!(
        stdout.contains(&format!("ok: {receipts} entries")),
        "verify checked them all: {stdout}"
    );
    assert!(heads >= 1, "heads were published before the kill");

    // The log goes on after the crash: no gap, no duplicate index.
    let more = chungtay(&[
        "ledger",
        "stress",
        "--db",
        url,
        "--ledger-key",
        key,
        "--receipts",
        "20",
        "--workers",
        "2",
        "--sign-every-ms",
        "0",
    ]);
    assert!(
        more.status.success(),
        "stress after the crash: {}",
        String::from_utf8_lossy(&more.stderr)
    );
    let verify = chungtay(&["ledger", "verify", "--db", url]);
    let stdout = String::from_utf8_lossy(&verify.stdout);
    assert!(
        verify.status.success() && stdout.contains(&format!("ok: {} entries", receipts + 20)),
        "verify after more receipts: {stdout}\n{}",
        String::from_utf8_lossy(&verify.stderr)
    );
}

#[tokio::test]
async fn sqlite_killed_mid_batch_keeps_every_receipt_with_its_leaf() {
    let dir = scratch_dir();
    let db = dir.join("chungtay.sqlite3");
    let url = db.to_str().expect("utf-8 path").to_owned();
    kill_mid_batch_then_verify(&url, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn postgres_killed_mid_batch_keeps_every_receipt_with_its_leaf() {
    let base = match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if DbUrl::new(url.clone()).backend() == Backend::Postgres => url,
        _ => {
            eprintln!("TEST_DATABASE_URL is not a PostgreSQL URL: skipped");
            return;
        }
    };
    let name = unique("ct_test_crash");
    let admin = Db::connect(&DbUrl::new(base.clone()))
        .await
        .expect("the PostgreSQL server");
    storage::testing::execute(&admin, &format!("CREATE DATABASE {name}"))
        .await
        .expect("create the test database");
    let dir = scratch_dir();
    kill_mid_batch_then_verify(&with_db_name(&base, &name), &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    let _ = storage::testing::execute(&admin, &format!("DROP DATABASE IF EXISTS {name}")).await;
    admin.close().await;
}

/// The registry's key file of the test processes: in the temporary
/// directory, never under the crate (a `serve` creates it on first start).
fn registry_key_path() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("ct-test-registry-{}.key", std::process::id()))
}
