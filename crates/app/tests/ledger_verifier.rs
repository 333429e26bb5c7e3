//! Issue 5, "done when": an independent verifier written only from RFC 9162
//! and the documented endpoints (scripts/verify-ledger.py) accepts the log
//! of a live server, and detects a tampered one.
//!
//! The demo data is loaded (`chungtay demo --no-serve`), heads are signed at
//! three sizes (so that consistency proofs are checked between them), and
//! `chungtay serve` runs on a free port. The verifier must accept the log.
//! Then one leaf is changed in the database together with its stored leaf
//! hash — so that only the signed tree head can catch it — and the server
//! restarted: the verifier must fail, name the signed head whose root no
//! longer matches, and, with the state it kept from the accepted run, the
//! exact entry. On SQLite, and on PostgreSQL when `TEST_DATABASE_URL` is set.
//!
//! Python: `LEDGER_VERIFIER_PYTHON`, else `.venv-ledger/bin/python` when
//! scripts/verify-ledger-venv.sh made it, else `python3`. Without an Ed25519
//! library the verifier skips signatures with a warning (checked here).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use storage::{Backend, Db, DbUrl};

const BIN: &str = env!("CARGO_BIN_EXE_chungtay");
/// The entry the test tampers with.
const TAMPERED: i64 = 5;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository root")
}

fn python() -> PathBuf {
    if let Ok(p) = std::env::var("LEDGER_VERIFIER_PYTHON")
        && !p.trim().is_empty()
    {
        return PathBuf::from(p);
    }
    let venv = repo_root().join(".venv-ledger/bin/python");
    if venv.exists() {
        venv
    } else {
        PathBuf::from("python3")
    }
}

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{prefix}_{}_{nanos}", std::process::id())
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
    let out = Command::new(BIN)
        .args(args)
        .env("CHUNGTAY_LOG", "warn")
        .env("CHUNGTAY_REGISTRY_KEY", registry_key_path())
        .env_remove("CHUNGTAY_DB")
        .output()
        .expect("run chungtay");
    assert!(
        out.status.success(),
        "chungtay {args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `chungtay serve` on a free port; killed on drop.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(db: &str, key: &str) -> Server {
        let mut child = Command::new(BIN)
            .args([
                "serve",
                "--db",
                db,
                "--addr",
                "127.0.0.1:0",
                "--ledger-key",
                key,
            ])
            .env("CHUNGTAY_LOG", "warn")
            .env("CHUNGTAY_REGISTRY_KEY", registry_key_path())
            .env_remove("CHUNGTAY_DB")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start chungtay serve");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let url = loop {
            let line = lines
                .next()
                .expect("the server printed its address before exiting")
                .expect("a line of output");
            if let Some(at) = line.find("http://") {
                break line[at..].trim_end_matches('/').to_owned();
            }
        };
        // Keep reading so that the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines.by_ref() {});
        Server { child, url }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn verifier(url: &str, state: Option<&Path>) -> Output {
    let script = repo_root().join("scripts/verify-ledger.py");
    let mut cmd = Command::new(python());
    cmd.arg(&script).args(["--seed", "1", "--sample", "40"]);
    if let Some(state) = state {
        cmd.arg("--state").arg(state);
    }
    cmd.arg(url).output().unwrap_or_else(|e| {
        panic!(
            "cannot run {} (python3 is needed for this test; LEDGER_VERIFIER_PYTHON picks another): {e}",
            python().display()
        )
    })
}

fn has_ed25519_library() -> bool {
    ["cryptography", "nacl"].iter().any(|m| {
        Command::new(python())
            .args(["-c", &format!("import {m}")])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// Changes entry `idx`'s amount (or, failing that, its last byte before the
/// closing brace) and rewrites its stored leaf hash to match.
async fn tamper(url: &str, idx: i64) -> String {
    let db = Db::connect(&DbUrl::new(url)).await.expect("db");
    let entry = storage::ledger::entries(&db, idx, idx + 1)
        .await
        .expect("q")
        .pop()
        .expect("the entry exists");
    let text = String::from_utf8(entry.leaf.clone()).expect("a JSON leaf");
    let forged = match text.find("\"amount\":") {
        Some(at) => {
            let digits = at + "\"amount\":".len();
            format!("{}9{}", &text[..digits], &text[digits..])
        }
        None => text.replacen('}', ",\"x\":1}", 1),
    };
    assert_ne!(forged, text);
    let hex = storage::ledger::hex;
    let (leaf, hash) = (
        hex(forged.as_bytes()),
        hex(&ledger::leaf_hash(forged.as_bytes())),
    );
    let sql = match db.backend() {
        Backend::Sqlite => format!(
            "UPDATE ledger_entries SET leaf = X'{leaf}', leaf_hash = X'{hash}' WHERE idx = {idx}"
        ),
        Backend::Postgres => format!(
            "UPDATE ledger_entries SET leaf = decode('{leaf}', 'hex'), \
             leaf_hash = decode('{hash}', 'hex') WHERE idx = {idx}"
        ),
    };
    assert_eq!(
        storage::testing::execute(&db, &sql).await.expect("tamper"),
        1
    );
    db.close().await;
    forged
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn accepts_then_detects(db: &str, dir: &Path) {
    let key = dir.join("ledger.key");
    let key = key.to_str().expect("utf-8 path");
    let state = dir.join("verifier-state.json");
    let registry_key = dir.join("registry.key");
    let registry_key = registry_key.to_str().expect("utf-8 path");
    chungtay(&[
        "demo",
        "--no-serve",
        "--db",
        db,
        "--ledger-key",
        key,
        "--registry-key",
        registry_key,
    ]);
    // Heads at three sizes: consistency proofs between every pair.
    chungtay(&["ledger", "sign", "--db", db, "--ledger-key", key]);
    for _ in 0..2 {
        chungtay(&[
            "ledger",
            "stress",
            "--db",
            db,
            "--ledger-key",
            key,
            "--receipts",
            "3",
            "--workers",
            "1",
            "--sign-every-ms",
            "0",
        ]);
    }

    let server = Server::start(db, key);
    let out = verifier(&server.url, Some(&state));
    let (stdout, stderr) = text(&out);
    assert!(
        out.status.success(),
        "the verifier accepts the untouched log:\n{stdout}\n{stderr}"
    );
    assert!(stdout.starts_with("OK:"), "{stdout}");
    let pairs: usize = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("heads:"))
        .and_then(|l| l.split_once("; "))
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("the summary counts consistency proofs");
    assert!(pairs >= 3, "three distinct heads, three pairs: {stdout}");
    if has_ed25519_library() {
        assert!(stdout.contains("Ed25519 signature(s) verified"), "{stdout}");
    } else {
        assert!(stdout.contains("signatures NOT checked"), "{stdout}");
        eprintln!(
            "note: {} has no Ed25519 library, signatures were not checked (scripts/verify-ledger-venv.sh)",
            python().display()
        );
    }
    drop(server);

    tamper(db, TAMPERED).await;
    let server = Server::start(db, key);
    let out = verifier(&server.url, None);
    let (stdout, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the verifier rejects the tampered log:\n{stdout}\n{stderr}"
    );
    assert!(
        stderr.starts_with("FAIL: ")
            && stderr.contains("is not the root of the signed tree head")
            && stderr.contains("the change is among entries"),
        "names the head that no longer matches: {stderr}"
    );
    let out = verifier(&server.url, Some(&state));
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stderr.contains(&format!(
            "entry {TAMPERED} changed since the last accepted run"
        )),
        "with its state, names the entry: {stderr}"
    );
    drop(server);
}

fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(unique("ct_verifier"));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}

#[tokio::test]
async fn sqlite_the_independent_verifier_accepts_the_log_and_detects_a_tampered_leaf() {
    let dir = scratch_dir();
    let db = dir.join("chungtay.sqlite3");
    accepts_then_detects(db.to_str().expect("utf-8 path"), &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn postgres_the_independent_verifier_accepts_the_log_and_detects_a_tampered_leaf() {
    let base = match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if DbUrl::new(url.clone()).backend() == Backend::Postgres => url,
        _ => {
            eprintln!("TEST_DATABASE_URL is not a PostgreSQL URL: skipped");
            return;
        }
    };
    let name = unique("ct_test_verifier");
    let admin = Db::connect(&DbUrl::new(base.clone()))
        .await
        .expect("the PostgreSQL server");
    storage::testing::execute(&admin, &format!("CREATE DATABASE {name}"))
        .await
        .expect("create the test database");
    let dir = scratch_dir();
    accepts_then_detects(&with_db_name(&base, &name), &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    let _ = storage::testing::execute(&admin, &format!("DROP DATABASE IF EXISTS {name}")).await;
    admin.close().await;
}

/// The registry's key file of the test processes: in the temporary
/// directory, never under the crate (a `serve` creates it on first start).
fn registry_key_path() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("ct-test-registry-{}.key", std::process::id()))
}
