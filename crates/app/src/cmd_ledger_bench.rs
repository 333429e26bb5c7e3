//! `chungtay ledger bench`: the ledger against its database, measured in one
//! run against the raw SHA-256 speed of the same bytes on the same machine
//! (issue 5, item 6).
//!
//! ```text
//! chungtay ledger bench [--db URL] [--n 1000000] [--batch 1000] [--single 20000]
//!                       [--proofs 100000] [--http-proofs 10000] [--seed 1] [--keep]
//! ```
//!
//! On a scratch database only: the default is a new temporary SQLite file
//! (deleted afterwards); a `--db` must hold no receipt, allocation, ledger
//! entry or tree head, and is left empty again unless `--keep`.
//!
//! 1. N leaves of realistic canonical JSON (receipt and allocation leaves
//!    built by `storage::ledger::{receipt_leaf, allocation_leaf}` from
//!    synthetic facts, ~250 bytes).
//! 2. Raw SHA-256, one thread, of exactly the messages the tree hashes:
//!    every `0x00 ‖ leaf` and the n − 1 interior `0x01 ‖ left ‖ right` —
//!    the reference.
//! 3. Appending through `storage::ledger::append_batch`: `--single` leaves
//!    one per transaction, then all N in batches of 100, then all N in
//!    batches of `--batch` (the log is cleared between runs; the last one
//!    stays for the next steps).
//! 4. A signed tree head published over the log (`publish_head`, after a
//!    `TreeCache` sync from the database).
//! 5. `storage::ledger::verify_log_only`: every leaf read back, re-hashed
//!    and compared with its stored hash, the tree rebuilt, the head checked
//!    — as a ratio to (2).
//! 6. Inclusion proofs for random indexes against the full tree from the
//!    synced `TreeCache`, then through the HTTP handler
//!    (`GET /api/v1/ledger/proof/inclusion`, in-process router, no socket).
//!
//! Prints a markdown table.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use chrono::{DateTime, NaiveDate, Utc};
use sha2::{Digest, Sha256};
use storage::ledger::{AllocationFacts, ReceiptFacts, ScratchCounts, TreeCache};
use storage::{Db, DbUrl};
use tower::ServiceExt;

/// Targets of issue 5, item 6.
const TARGET_APPEND_PER_S: f64 = 20_000.0;
const TARGET_VERIFY_RATIO: f64 = 3.0;
const TARGET_PROOF_P99: Duration = Duration::from_millis(5);

#[derive(clap::Args, Debug, Clone)]
pub struct BenchArgs {
    /// Scratch database URL (`postgres://…` or a SQLite path). Default: a
    /// new temporary SQLite file, deleted afterwards. Refused if it holds
    /// receipts, allocations or a ledger.
    #[arg(long)]
    db: Option<String>,
    /// Entries in the log.
    #[arg(long, default_value_t = 1_000_000)]
    n: usize,
    /// Entries per transaction of the main append run (the log it leaves is
    /// the one verified and proved).
    #[arg(long, default_value_t = 1000)]
    batch: usize,
    /// Entries appended one per transaction (batch 1) before the batched
    /// runs; 0 skips.
    #[arg(long, default_value_t = 20_000)]
    single: usize,
    /// Inclusion proofs from the tree cache.
    #[arg(long, default_value_t = 100_000)]
    proofs: usize,
    /// Inclusion proofs through the HTTP handler; 0 skips.
    #[arg(long, default_value_t = 10_000)]
    http_proofs: usize,
    /// Seed of the synthetic leaves and the random indexes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Leave the synthetic log in `--db` (default: cleared at the end).
    #[arg(long)]
    keep: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("{0}")]
    Storage(#[from] storage::StorageError),
    #[error(
        "cơ sở dữ liệu {url} không trống ({counts:?}); benchmark chỉ chạy trên cơ sở dữ liệu mới / \
         the database {url} is not a scratch database ({counts:?}): the benchmark writes a synthetic \
         ledger and runs only where there are no receipts, allocations, ledger entries or heads"
    )]
    NotScratch { url: String, counts: ScratchCounts },
    #[error("--n must be at least 2 and --batch at least 1 (got --n {n}, --batch {batch})")]
    BadSize { n: usize, batch: usize },
    #[error("could not build leaf {index}: {source}")]
    Leaf {
        index: usize,
        source: storage::StorageError,
    },
    #[error("the log could not be cleared between runs: it records business rows")]
    NotCleared,
    #[error("no randomness for the signing key: {0}")]
    Rng(String),
    #[error("the {what} root {got} differs from the reference root {want}")]
    Root {
        what: &'static str,
        got: String,
        want: String,
    },
    #[error("the log does not verify: {0}")]
    Invalid(storage::ledger::VerifyProblem),
    #[error("inclusion proof of entry {index}: {reason}")]
    Proof { index: u64, reason: String },
    #[error("HTTP {status} for {path}: {body}")]
    Http {
        status: StatusCode,
        path: String,
        body: String,
    },
}

/// SplitMix64: small, deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }

    /// A UUIDv7-shaped id (time-ordered prefix, random rest), as storage makes them.
    fn uuid(&mut self, i: usize) -> String {
        let ms = 0x0193_0000_0000u64 + i as u64;
        let r = self.next();
        let s = self.next();
        format!(
            "{:08x}-{:04x}-7{:03x}-{:04x}-{:012x}",
            ms >> 16,
            ms & 0xffff,
            r & 0xfff,
            0x8000 | ((r >> 12) & 0x3fff),
            s & 0xffff_ffff_ffff
        )
    }
}

const DONORS: &[&str] = &[
    "Nguyễn Thị Hà",
    "Trần Văn Minh",
    "Công ty TNHH Thép Việt",
    "Quỹ Từ thiện Bông Sen",
    "Hoàng Thị Thu Trang",
    "Hội Doanh nhân trẻ Thừa Thiên Huế",
];
const DONOR_TYPES: &[&str] = &["individual", "business", "fund", "mass_organisation"];
const RECEIVERS: &[&str] = &[
    "mttq-tinh-hue",
    "th-hong-kim",
    "thcs-a-luoi",
    "ubnd-xa-a-roang",
    "hoi-chu-thap-do-hue",
];
const UNITS: &[&str] = &["20056", "20059", "20062", "20065", "20068", "19951"];
const CATEGORIES: &[&str] = &[
    "healthcare",
    "nutrition",
    "recreation",
    "warm_clothing",
    "other",
];
const PERIODS: &[&str] = &["dong-2026", "he-2027", "nam-hoc-2026-2027"];

/// One leaf: 60 % receipts, 40 % allocations, as storage builds them.
fn leaf(rng: &mut Rng, i: usize) -> Result<(&'static str, String, Vec<u8>), BenchError> {
    let err = |source| BenchError::Leaf { index: i, source };
    let day = NaiveDate::from_ymd_opt(2026, 1 + rng.below(12) as u32, 1 + rng.below(28) as u32)
        .unwrap_or_default();
    let amount = (1 + rng.below(2_000) as i64) * 50_000;
    let pledge_number = Some(1 + rng.below(999_999) as i64);
    if rng.below(10) < 6 {
        let named = rng.below(3) == 0;
        let id = rng.uuid(i);
        let facts = ReceiptFacts {
            id: id.clone(),
            receipt_no: format!("2026/{:05}", 1 + rng.below(99_999)),
            received_on: day,
            receiver_id: rng.pick(RECEIVERS).into(),
            kind: "money".into(),
            method: if rng.below(4) == 0 { "cash" } else { "bank" }.into(),
            amount,
            pledge_number,
            donor_type: rng.pick(DONOR_TYPES).into(),
            donor_origin: if rng.below(5) == 0 {
                "overseas"
            } else {
                "domestic"
            }
            .into(),
            donor_name: rng.pick(DONORS).into(),
            publish_name: named,
            anonymous: false,
        };
        Ok((
            "receipt",
            id,
            storage::ledger::receipt_leaf(&facts).map_err(err)?,
        ))
    } else {
        let id = rng.uuid(i);
        let created_at: DateTime<Utc> = day
            .and_hms_opt(9, 30, 0)
            .map(|t| t.and_utc())
            .unwrap_or_default();
        let facts = AllocationFacts {
            id: id.clone(),
            created_at,
            amount,
            pledge_number,
            need_line_id: rng.uuid(i),
            unit_code: rng.pick(UNITS).into(),
            site_id: rng.pick(RECEIVERS).into(),
            category: rng.pick(CATEGORIES).into(),
            period_id: rng.pick(PERIODS).into(),
            overridden: rng.below(20) == 0,
        };
        Ok((
            "allocation",
            id,
            storage::ledger::allocation_leaf(&facts).map_err(err)?,
        ))
    }
}

/// Interior messages `0x01 ‖ left ‖ right` of MTH(leaves) by the RFC 9162
/// split rule (independently of `ledger::Tree`), post-order; returns the root.
fn interior_messages(leaves: &[ledger::Hash], out: &mut Vec<[u8; 65]>) -> ledger::Hash {
    if leaves.len() == 1 {
        return leaves[0];
    }
    let k = ledger::hash::split(leaves.len() as u64) as usize;
    let left = interior_messages(&leaves[..k], out);
    let right = interior_messages(&leaves[k..], out);
    let mut message = [0u8; 65];
    message[0] = ledger::hash::NODE_PREFIX;
    message[1..33].copy_from_slice(&left);
    message[33..].copy_from_slice(&right);
    out.push(message);
    ledger::node_hash(&left, &right)
}

/// Raw SHA-256 on one thread over the exact messages: returns the time and
/// the bytes hashed; checks that the last digest is the root.
fn raw_sha256(entries: &[(&'static str, String, Vec<u8>)]) -> (Duration, usize, ledger::Hash) {
    let total: usize = entries.iter().map(|e| e.2.len() + 1).sum();
    let mut leaf_messages = Vec::with_capacity(total);
    let mut ends = Vec::with_capacity(entries.len());
    for (_, _, e) in entries {
        leaf_messages.push(ledger::hash::LEAF_PREFIX);
        leaf_messages.extend_from_slice(e);
        ends.push(leaf_messages.len());
    }
    let hashes: Vec<ledger::Hash> = entries.iter().map(|e| ledger::leaf_hash(&e.2)).collect();
    let mut interior = Vec::with_capacity(entries.len().saturating_sub(1));
    let root = interior_messages(&hashes, &mut interior);
    drop(hashes);
    debug_assert_eq!(
        interior.last().map(|m| Sha256::digest(m).into()),
        Some(root)
    );

    let started = Instant::now();
    let mut start = 0;
    for &end in &ends {
        std::hint::black_box(Sha256::digest(&leaf_messages[start..end]));
        start = end;
    }
    let mut last = [0u8; 32];
    for message in &interior {
        last = Sha256::digest(message).into();
        std::hint::black_box(&last);
    }
    let elapsed = started.elapsed();
    // The last interior message hashes to the root: the reference hashed
    // the whole tree.
    (elapsed, leaf_messages.len() + 65 * interior.len(), last)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 * p / 100.0).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms < 1.0 {
        format!("{:.1} µs", ms * 1e3)
    } else {
        format!("{ms:.2} ms")
    }
}

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

fn per_second(count: usize, d: Duration) -> f64 {
    count as f64 / d.as_secs_f64().max(1e-9)
}

fn thousands(x: f64) -> String {
    let n = x.round() as u64;
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn verdict(ok: bool) -> &'static str {
    if ok { "✔" } else { "✘" }
}

/// The printed table: step, workload, result, against the reference or target.
#[derive(Default)]
struct Table {
    rows: Vec<[String; 4]>,
}

impl Table {
    fn row(&mut self, step: impl Into<String>, workload: String, result: String, note: String) {
        let step = step.into();
        eprintln!("  {step}: {result} {note}");
        self.rows.push([step, workload, result, note]);
    }

    fn print(&self) {
        println!("| step | workload | result | vs raw SHA-256 / target |");
        println!("|---|---|---|---|");
        for [a, b, c, d] in &self.rows {
            println!("| {a} | {b} | {c} | {d} |");
        }
    }
}

/// The scratch database: its URL and, for the default temporary SQLite
/// file, the path to delete.
struct Scratch {
    url: String,
    temp: Option<PathBuf>,
}

fn scratch(args: &BenchArgs) -> Scratch {
    match &args.db {
        Some(url) => Scratch {
            url: url.clone(),
            temp: None,
        },
        None => {
            let stamp = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            let path = std::env::temp_dir().join(format!(
                "chungtay-ledger-bench-{}-{stamp}.sqlite3",
                std::process::id()
            ));
            Scratch {
                url: path.to_string_lossy().into_owned(),
                temp: Some(path),
            }
        }
    }
}

fn remove_sqlite_files(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

pub async fn run(args: &BenchArgs) -> Result<(), BenchError> {
    if args.n < 2 || args.batch == 0 {
        return Err(BenchError::BadSize {
            n: args.n,
            batch: args.batch,
        });
    }
    let scratch = scratch(args);
    let url = DbUrl::new(scratch.url.clone());
    let db = Db::connect(&url).await?;
    let outcome = async {
        db.migrate().await?;
        let counts = storage::ledger::scratch_counts(&db).await?;
        if !counts.is_empty() {
            return Err(BenchError::NotScratch {
                url: url.to_string(),
                counts,
            });
        }
        let result = measure(&db, args, &url).await;
        if scratch.temp.is_none() && !args.keep {
            storage::ledger::clear_unbacked_log(&db).await?;
        }
        result
    }
    .await;
    db.close().await;
    if let Some(path) = &scratch.temp {
        remove_sqlite_files(path);
    }
    outcome
}

/// Appends `items` through `append_batch` in transactions of `batch`:
/// total time and the sorted per-transaction times.
async fn append_run(
    db: &Db,
    items: &[(&'static str, String, Vec<u8>)],
    batch: usize,
) -> Result<(Duration, Vec<Duration>), BenchError> {
    let mut times = Vec::with_capacity(items.len() / batch + 1);
    let started = Instant::now();
    for chunk in items.chunks(batch) {
        let t = Instant::now();
        storage::ledger::append_batch(db, chunk, Utc::now()).await?;
        times.push(t.elapsed());
    }
    let total = started.elapsed();
    times.sort_unstable();
    Ok((total, times))
}

async fn clear(db: &Db) -> Result<(), BenchError> {
    if storage::ledger::clear_unbacked_log(db).await? {
        Ok(())
    } else {
        Err(BenchError::NotCleared)
    }
}

fn append_row(
    t: &mut Table,
    batch: usize,
    count: usize,
    (total, times): (Duration, Vec<Duration>),
) {
    let rate = per_second(count, total);
    let note = if batch >= 100 {
        format!(
            "target ≥ {} /s in batches {}",
            thousands(TARGET_APPEND_PER_S),
            verdict(rate >= TARGET_APPEND_PER_S)
        )
    } else {
        "one transaction per entry (not a target)".into()
    };
    t.row(
        format!("append, batch {batch}"),
        format!(
            "{count} entries, {} transactions through `append_batch`",
            times.len()
        ),
        format!(
            "**{} entries/s** ({}); transaction p50 {} · p99 {}",
            thousands(rate),
            secs(total),
            ms(percentile(&times, 50.0)),
            ms(percentile(&times, 99.0))
        ),
        note,
    );
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into());
    format!("{cores} cores ({cpu}), load average {load} at the end")
}

fn hex_list(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|h| h.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

async fn measure(db: &Db, args: &BenchArgs, url: &DbUrl) -> Result<(), BenchError> {
    let n = args.n;
    let mut rng = Rng(args.seed);
    let mut t = Table::default();
    eprintln!("ledger bench on {url}: n = {n}");

    // 1. Leaves.
    let started = Instant::now();
    let items: Vec<(&'static str, String, Vec<u8>)> = (0..n)
        .map(|i| leaf(&mut rng, i))
        .collect::<Result<_, _>>()?;
    let generated = started.elapsed();
    let bytes: usize = items.iter().map(|e| e.2.len()).sum();
    t.row(
        "leaves",
        format!(
            "{n} canonical JSON leaves (60 % receipts, 40 % allocations), mean {:.0} B, {:.1} MB",
            bytes as f64 / n as f64,
            bytes as f64 / 1e6
        ),
        format!("generated in {}", secs(generated)),
        String::new(),
    );

    // 2. The reference.
    let (raw, hashed, root) = raw_sha256(&items);
    let root_hex = storage::ledger::hex(&root);
    t.row(
        "raw SHA-256, 1 thread",
        format!(
            "exactly the tree's messages: {n} × `00‖leaf` + {} × `01‖left‖right`, {:.1} MB",
            n - 1,
            hashed as f64 / 1e6
        ),
        format!(
            "**{}** ({:.0} MB/s)",
            secs(raw),
            hashed as f64 / 1e6 / raw.as_secs_f64().max(1e-9)
        ),
        "reference (1.00×)".into(),
    );

    // 3. Appends; the last run's log stays.
    if args.single > 0 {
        let count = args.single.min(n);
        let run = append_run(db, &items[..count], 1).await?;
        append_row(&mut t, 1, count, run);
        clear(db).await?;
    }
    if args.batch != 100 {
        let run = append_run(db, &items, 100).await?;
        append_row(&mut t, 100, n, run);
        clear(db).await?;
    }
    let run = append_run(db, &items, args.batch).await?;
    append_row(&mut t, args.batch, n, run);
    drop(items);

    // 4. A signed head over the log.
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| BenchError::Rng(e.to_string()))?;
    let key = ledger::signing_key_from_seed(seed);
    let cache = TreeCache::new();
    let started = Instant::now();
    let size = cache.sync(db).await?;
    let synced = started.elapsed();
    let started = Instant::now();
    let head = storage::ledger::publish_head(db, &cache, &key, Utc::now()).await?;
    let published = started.elapsed();
    if head.root_hash != root_hex {
        return Err(BenchError::Root {
            what: "published head's",
            got: head.root_hash,
            want: root_hex,
        });
    }
    t.row(
        "`TreeCache::sync` from the database",
        format!("{size} stored leaf hashes read, tree built"),
        secs(synced),
        format!("{:.2}×", synced.as_secs_f64() / raw.as_secs_f64()),
    );
    t.row(
        "publish a signed tree head",
        "root of the synced tree, Ed25519, stored".into(),
        ms(published),
        String::new(),
    );

    // 5. Verify the whole log from the database.
    let started = Instant::now();
    let report = storage::ledger::verify_log_only(db)
        .await?
        .map_err(BenchError::Invalid)?;
    let verified = started.elapsed();
    if report.root_hash != root_hex || report.entries != n as u64 {
        return Err(BenchError::Root {
            what: "verified",
            got: format!("{} ({} entries)", report.root_hash, report.entries),
            want: root_hex,
        });
    }
    let ratio = verified.as_secs_f64() / raw.as_secs_f64().max(1e-9);
    t.row(
        "verify the log from the database (`verify_log_only`)",
        format!(
            "read {} leaves ({:.1} MB) + stored hashes, re-hash and compare, rebuild, check {} signed head",
            report.entries,
            report.leaf_bytes as f64 / 1e6,
            report.heads
        ),
        format!(
            "**{}** ({} entries/s)",
            secs(verified),
            thousands(per_second(n, verified))
        ),
        format!(
            "**{ratio:.2}×** raw SHA-256 (target ≤ {TARGET_VERIFY_RATIO}× {})",
            verdict(ratio <= TARGET_VERIFY_RATIO)
        ),
    );

    // 6. Inclusion proofs from the synced cache…
    let indexes: Vec<u64> = (0..args.proofs).map(|_| rng.below(size)).collect();
    let mut times = Vec::with_capacity(indexes.len());
    let mut proofs = Vec::with_capacity(indexes.len());
    for &index in &indexes {
        let started = Instant::now();
        let proof = cache.with(|tree| tree.inclusion_proof(index, size));
        times.push(started.elapsed());
        proofs.push(proof.map_err(|e| BenchError::Proof {
            index,
            reason: e.to_string(),
        })?);
    }
    for (&index, proof) in indexes.iter().zip(&proofs) {
        let leaf = cache
            .with(|tree| tree.leaf_hash(index))
            .ok_or(BenchError::Proof {
                index,
                reason: "no such leaf".into(),
            })?;
        ledger::verify_inclusion(&leaf, index, size, proof, &root).map_err(|e| {
            BenchError::Proof {
                index,
                reason: e.to_string(),
            }
        })?;
    }
    let longest = proofs.iter().map(Vec::len).max().unwrap_or(0);
    drop(proofs);
    times.sort_unstable();
    let p99 = percentile(&times, 99.0);
    t.row(
        "inclusion proof from the `TreeCache`",
        format!(
            "{} random indexes, tree size {size}, ≤ {longest} hashes each, all verified",
            indexes.len()
        ),
        format!(
            "p50 {} · **p99 {}** · max {}",
            ms(percentile(&times, 50.0)),
            ms(p99),
            ms(times.last().copied().unwrap_or_default())
        ),
        format!("target p99 < 5 ms {}", verdict(p99 < TARGET_PROOF_P99)),
    );

    // …and through the HTTP handler (in-process router, no socket).
    if args.http_proofs > 0 {
        let state =
            web::AppState::new(db.clone(), web::WebConfig::default()).with_signing_key(key.clone());
        let router = web::router(state);
        let get = |path: String| {
            let router = router.clone();
            async move {
                let req =
                    Request::get(&path)
                        .body(Body::empty())
                        .map_err(|e| BenchError::Http {
                            status: StatusCode::BAD_REQUEST,
                            path: path.clone(),
                            body: e.to_string(),
                        })?;
                let resp = router.oneshot(req).await.map_err(|e| BenchError::Http {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    path: path.clone(),
                    body: e.to_string(),
                })?;
                let status = resp.status();
                let body =
                    to_bytes(resp.into_body(), 1 << 20)
                        .await
                        .map_err(|e| BenchError::Http {
                            status,
                            path: path.clone(),
                            body: e.to_string(),
                        })?;
                if status != StatusCode::OK {
                    return Err(BenchError::Http {
                        status,
                        path,
                        body: String::from_utf8_lossy(&body).into_owned(),
                    });
                }
                Ok::<_, BenchError>(body)
            }
        };
        let path =
            |index: u64| format!("/api/v1/ledger/proof/inclusion?index={index}&tree_size={size}");
        let started = Instant::now();
        get(path(0)).await?;
        let first = started.elapsed();
        let mut times = Vec::with_capacity(args.http_proofs);
        let mut bodies = Vec::with_capacity(args.http_proofs);
        for &index in indexes.iter().cycle().take(args.http_proofs) {
            let started = Instant::now();
            let body = get(path(index)).await?;
            times.push(started.elapsed());
            bodies.push((index, body));
        }
        for (index, body) in bodies {
            let v: serde_json::Value =
                serde_json::from_slice(&body).map_err(|e| BenchError::Proof {
                    index,
                    reason: format!("HTTP answer is not JSON: {e}"),
                })?;
            let want: Vec<String> = cache
                .with(|tree| tree.inclusion_proof(index, size))
                .map_err(|e| BenchError::Proof {
                    index,
                    reason: e.to_string(),
                })?
                .iter()
                .map(|h| storage::ledger::hex(h))
                .collect();
            if hex_list(&v["audit_path"]) != want {
                return Err(BenchError::Proof {
                    index,
                    reason: "the HTTP audit path differs from the tree's".into(),
                });
            }
        }
        times.sort_unstable();
        let p99 = percentile(&times, 99.0);
        t.row(
            "inclusion proof through `GET /api/v1/ledger/proof/inclusion`",
            format!(
                "{} requests to the in-process router (middleware, handler, JSON), same indexes; \
                 the server's own tree cache loaded by the first request in {}",
                times.len(),
                secs(first)
            ),
            format!(
                "p50 {} · **p99 {}** · max {}",
                ms(percentile(&times, 50.0)),
                ms(p99),
                ms(times.last().copied().unwrap_or_default())
            ),
            format!("target p99 < 5 ms {}", verdict(p99 < TARGET_PROOF_P99)),
        );
    }

    println!(
        "\nledger bench: {} ({}), n = {n}, seed = {}, root {root_hex}\nmachine: {}\n",
        match db.backend() {
            storage::Backend::Sqlite => "SQLite",
            storage::Backend::Postgres => "PostgreSQL",
        },
        url,
        args.seed,
        machine()
    );
    t.print();
    Ok(())
}

/// `chungtay ledger stress` (hidden): business transactions that each write
/// a row and its leaf, for the crash test — kill the process part-way, then
/// `chungtay ledger verify` must find every receipt with its leaf and no
/// leaf without its receipt.
#[derive(clap::Args, Debug, Clone)]
pub struct StressArgs {
    #[command(flatten)]
    pub db: crate::cli::DbArgs,
    #[command(flatten)]
    pub key: crate::cmd_ledger::KeyArgs,
    /// Receipts to record, one transaction each (`storage::receipts::create`).
    #[arg(long, default_value_t = 10_000)]
    pub receipts: usize,
    /// Concurrent writers (so that a kill finds transactions in flight).
    #[arg(long, default_value_t = 4)]
    pub workers: usize,
    /// Publish a signed tree head this often while writing (milliseconds;
    /// 0: never).
    #[arg(long, default_value_t = 100)]
    pub sign_every_ms: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum StressError {
    #[error("{0}")]
    Storage(#[from] storage::StorageError),
    #[error("receipt {index} was refused: {refusal:?}")]
    Refused {
        index: usize,
        refusal: storage::receipts::ReceiptRefusal,
    },
    #[error("a writer task failed: {0}")]
    Task(String),
}

/// A receiving school, a donor who consented to be named, a committed
/// pledge large enough for every receipt, then the receipts.
pub async fn stress(
    db: &Db,
    args: &StressArgs,
    key: ledger::SigningKey,
) -> Result<(), StressError> {
    use storage::audit::AuditActor;
    let actor = AuditActor::system("ledger-stress");
    let now = Utc::now();
    let receiver = storage::new_id();
    storage::organisations::create(
        db,
        &storage::organisations::Organisation {
            id: receiver.clone(),
            name: "Trường Tiểu học Hồng Kim (stress)".into(),
            short_name: None,
            org_type: "school".into(),
            parent_id: None,
            unit_code: None,
            valid_from: None,
            valid_to: None,
            successor_id: None,
            is_demo: false,
        },
        &actor,
        now,
    )
    .await?;
    let donor = storage::new_id();
    storage::donors::create(
        db,
        &storage::donors::Donor {
            id: donor.clone(),
            kind: "organisation".into(),
            name: "Công ty Huế Xanh".into(),
            origin: "domestic".into(),
            donor_type: "business".into(),
            tax_code: None,
            phone: None,
            email: None,
            publish_name: true,
            anonymous: false,
            is_demo: false,
        },
        &actor,
        now,
    )
    .await?;
    let pledge = storage::new_id();
    let amount_each = 100_000i64;
    storage::donors::create_pledge(
        db,
        &storage::donors::Pledge {
            id: pledge.clone(),
            donor_id: donor,
            kind: "money".into(),
            amount: amount_each.saturating_mul(args.receipts as i64 + 1),
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
        &actor,
        now,
    )
    .await?;

    let last_key = key.clone();
    let heads = (args.sign_every_ms > 0).then(|| {
        let db = db.clone();
        let every = Duration::from_millis(args.sign_every_ms);
        tokio::spawn(async move {
            let cache = TreeCache::new();
            loop {
                tokio::time::sleep(every).await;
                if let Err(e) = storage::ledger::publish_head(&db, &cache, &key, Utc::now()).await {
                    tracing::warn!(cause = %e, "stress: could not publish a head");
                }
            }
        })
    });

    let workers = args.workers.max(1);
    let mut tasks = Vec::with_capacity(workers);
    for w in 0..workers {
        let db = db.clone();
        let actor = actor.clone();
        let receipt = storage::receipts::NewReceipt {
            pledge_id: pledge.clone(),
            kind: "money".into(),
            amount: amount_each,
            method: "bank".into(),
            account: "0071000123456".into(),
            receiver_id: receiver.clone(),
            received_on: Utc::now().date_naive(),
            is_demo: false,
        };
        let count = args.receipts / workers + usize::from(w < args.receipts % workers);
        tasks.push(tokio::spawn(async move {
            for i in 0..count {
                match storage::receipts::create(&db, &receipt, &actor, Utc::now()).await? {
                    Ok(r) => {
                        if i % 100 == 0 {
                            println!("worker {w}: receipt {i} {}", r.receipt_no);
                        }
                    }
                    Err(refusal) => {
                        return Err(StressError::Refused { index: i, refusal });
                    }
                }
            }
            Ok::<(), StressError>(())
        }));
    }
    for task in tasks {
        match task.await {
            Ok(done) => done?,
            Err(e) => return Err(StressError::Task(e.to_string())),
        }
    }
    if let Some(heads) = heads {
        heads.abort();
    }
    let head = storage::ledger::publish_head(db, &TreeCache::new(), &last_key, Utc::now()).await?;
    println!(
        "done: {} receipts, tree size {}",
        args.receipts, head.tree_size
    );
    Ok(())
}
