//! `ledger-bench`: the in-memory cost of the ledger's Merkle log on realistic entries.
//!
//! ```text
//! cargo run --release -p ledger --bin ledger-bench -- [--n 1000000] [--seed 1]
//! ```
//!
//! Generates N canonical-JSON entries of about 250 bytes, then measures, in one run:
//! 1. raw SHA-256 (one thread) over exactly the messages the tree hashes: every `0x00 ‖ entry`
//!    and every interior `0x01 ‖ left ‖ right` (n − 1 of them), prepared in advance;
//! 2. building the tree from entry bytes (leaf hashes, then `Tree::from_leaf_hashes`, then the
//!    root), on one thread and on all rayon threads, as a ratio to (1);
//! 3. inclusion proofs for 100,000 random indexes against the full size (each timed);
//! 4. consistency proofs between 1,000 random pairs of sizes;
//! 5. appending in batches of 1,000 with a root after each batch.
//!
//! Prints a markdown table. No database: durability is measured elsewhere.

use std::error::Error;
use std::hint::black_box;
use std::time::{Duration, Instant};

use ledger::{
    Hash, Tree, canonical_json, leaf_hash, node_hash, to_hex, verify_consistency, verify_inclusion,
};
use rayon::prelude::*;
use serde_json::json;
use sha2::{Digest, Sha256};

const INCLUSION_PROOFS: usize = 100_000;
const CONSISTENCY_PROOFS: usize = 1_000;
const BATCH: usize = 1_000;

/// SplitMix64: a small deterministic generator (the crate takes no `rand` dependency).
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
}

struct Args {
    n: usize,
    seed: u64,
}

fn parse_args() -> Result<Args, Box<dyn Error>> {
    let mut args = Args {
        n: 1_000_000,
        seed: 1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--n" => {
                args.n = it
                    .next()
                    .ok_or("--n needs a number")?
                    .replace('_', "")
                    .parse()?
            }
            "--seed" => args.seed = it.next().ok_or("--seed needs a number")?.parse()?,
            "-h" | "--help" => {
                println!("usage: ledger-bench [--n ENTRIES (default 1000000)] [--seed S]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?} (try --help)").into()),
        }
    }
    if args.n < 2 {
        return Err("--n must be at least 2".into());
    }
    Ok(args)
}

/// One ledger entry in the leaf envelope, as the lead engineer's storage writes them (the
/// kind-specific fields are representative, not normative). No data about children; a donor's
/// name only when they consented to be named.
fn entry(rng: &mut Rng, i: usize) -> Result<Vec<u8>, Box<dyn Error>> {
    const NAMES: &[&str] = &[
        "Nguyễn Thị Hà",
        "Trần Văn Minh",
        "Lê Hoàng Yến",
        "Phạm Quốc Bảo",
        "Công ty TNHH Thép Việt",
        "Hoàng Thị Thu Trang",
    ];
    const CAMPAIGNS: &[&str] = &[
        "lu-lut-mien-trung-2026",
        "bao-so-3-yagi",
        "han-man-dbscl",
        "ao-am-vung-cao",
    ];
    const UNITS: &[&str] = &[
        "xa-quang-dien-hue",
        "phuong-an-cuu-hue",
        "xa-ea-sup-dak-lak",
        "xa-muong-lat-thanh-hoa",
        "xa-tam-duong-lai-chau",
    ];
    const CHANNELS: &[&str] = &["vietqr", "cash", "bank_transfer", "momo"];
    let day = format!("2026-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28));
    let amount = (1 + rng.below(2_000)) * 10_000;
    let roll = rng.below(100);
    let value = if roll < 50 {
        let named = rng.below(3) == 0;
        json!({
            "v": 1, "kind": "receipt", "id": format!("RC-2026-{i:08}"), "at": day,
            "amount": amount, "currency": "VND", "campaign": rng.pick(CAMPAIGNS), "channel": rng.pick(CHANNELS),
            "bank_ref": format!("FT26{:010X}", rng.next() & 0xff_ffff_ffff),
            "donor": if named { json!(rng.pick(NAMES)) } else { json!(null) },
            "donor_ref": format!("D-{:06}", rng.below(400_000)),
            "memo": "Ủng hộ đồng bào vùng lũ",
        })
    } else if roll < 65 {
        json!({
            "v": 1, "kind": "allocation", "id": format!("AL-2026-{i:08}"), "at": day,
            "amount": amount, "currency": "VND", "campaign": rng.pick(CAMPAIGNS), "unit": rng.pick(UNITS),
            "need": format!("N-{:06}", rng.below(50_000)), "receipts": [format!("RC-2026-{:08}", rng.below(i as u64 + 1))],
            "rule": "max-min-fair-v1",
        })
    } else if roll < 80 {
        json!({
            "v": 1, "kind": "distribution", "id": format!("DS-2026-{i:08}"), "at": day,
            "unit": rng.pick(UNITS), "allocation": format!("AL-2026-{:08}", rng.below(i as u64 + 1)),
            "items": [{"what": "gạo 10 kg", "qty": 1 + rng.below(300)}, {"what": "nước sạch 20 l", "qty": 1 + rng.below(300)}],
            "households": 1 + rng.below(500), "witness": "UBND xã",
        })
    } else if roll < 88 {
        json!({
            "v": 1, "kind": "transfer", "id": format!("TF-2026-{i:08}"), "at": day,
            "amount": amount, "currency": "VND", "from": "quy-chung", "to": rng.pick(UNITS),
            "bank_ref": format!("FT26{:010X}", rng.next() & 0xff_ffff_ffff), "fee": 3_300,
            "purpose": "Chuyển kinh phí hỗ trợ khẩn cấp",
        })
    } else if roll < 96 {
        json!({
            "v": 1, "kind": "expenditure", "id": format!("EX-2026-{i:08}"), "at": day,
            "amount": amount, "currency": "VND", "unit": rng.pick(UNITS), "category": "luong-thuc",
            "invoice": format!("HD-{:07}", rng.below(10_000_000)), "supplier": "HTX Nông nghiệp Quảng Điền",
            "transfer": format!("TF-2026-{:08}", rng.below(i as u64 + 1)),
        })
    } else {
        let kind = if roll < 98 { "reversal" } else { "amendment" };
        json!({
            "v": 1, "kind": kind, "id": format!("RV-2026-{i:08}"), "at": day,
            "target": format!("RC-2026-{:08}", rng.below(i as u64 + 1)),
            "reason": "Ngân hàng hoàn trả giao dịch trùng lặp", "amount": amount, "currency": "VND",
            "approved_by": "ban-dieu-hanh",
        })
    };
    Ok(canonical_json(&value)?)
}

/// Interior-node messages `0x01 ‖ left ‖ right` of MTH(leaves), in post-order (root last),
/// computed by the split rule independently of `Tree`. Returns the root.
fn interior_messages(leaves: &[Hash], out: &mut Vec<[u8; 65]>) -> Hash {
    if leaves.len() == 1 {
        return leaves[0];
    }
    let mut k = 1;
    while k * 2 < leaves.len() {
        k *= 2;
    }
    let left = interior_messages(&leaves[..k], out);
    let right = interior_messages(&leaves[k..], out);
    let mut message = [0u8; 65];
    message[0] = 0x01;
    message[1..33].copy_from_slice(&left);
    message[33..].copy_from_slice(&right);
    out.push(message);
    node_hash(&left, &right)
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

fn micros(d: Duration) -> String {
    format!("{:.2} µs", d.as_secs_f64() * 1e6)
}

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

fn rate(count: usize, d: Duration) -> String {
    let per_second = count as f64 / d.as_secs_f64();
    if per_second >= 1e6 {
        format!("{:.2} M/s", per_second / 1e6)
    } else {
        format!("{:.0} k/s", per_second / 1e3)
    }
}

/// Builds the tree from entry bytes: leaf hashes (in parallel when the pool has threads), the
/// tree, its root. Returns the time of each half.
fn build(entries: &[Vec<u8>]) -> (Tree, Hash, Duration, Duration) {
    let started = Instant::now();
    let leaves: Vec<Hash> = entries.par_iter().map(|e| leaf_hash(e)).collect();
    let hashed = started.elapsed();
    let started = Instant::now();
    let tree = Tree::from_leaf_hashes(leaves);
    let root = tree.root_current();
    (tree, root, hashed, started.elapsed())
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = parse_args()?;
    let n = args.n;
    let mut rng = Rng(args.seed);
    let mut rows: Vec<(String, String, String)> = Vec::new();

    // 0. Entries.
    let started = Instant::now();
    let entries: Vec<Vec<u8>> = (0..n)
        .map(|i| entry(&mut rng, i))
        .collect::<Result<_, _>>()?;
    let generated = started.elapsed();
    let bytes: usize = entries.iter().map(Vec::len).sum();
    rows.push((
        "0. generate + canonicalise entries".into(),
        format!("{n} entries, mean {:.0} B", bytes as f64 / n as f64),
        format!("{} ({})", secs(generated), rate(n, generated)),
    ));

    // 1. Raw SHA-256 over the exact messages, one thread.
    let mut leaf_messages = Vec::with_capacity(bytes + n);
    let mut ends = Vec::with_capacity(n);
    for e in &entries {
        leaf_messages.push(0x00);
        leaf_messages.extend_from_slice(e);
        ends.push(leaf_messages.len());
    }
    let leaf_hashes: Vec<Hash> = entries.iter().map(|e| leaf_hash(e)).collect();
    let mut interior = Vec::with_capacity(n - 1);
    let reference_root = interior_messages(&leaf_hashes, &mut interior);
    drop(leaf_hashes);
    let started = Instant::now();
    let mut start = 0;
    for &end in &ends {
        black_box(Sha256::digest(&leaf_messages[start..end]));
        start = end;
    }
    let mut last = [0u8; 32];
    for message in &interior {
        last = Sha256::digest(message).into();
        black_box(&last);
    }
    let raw = started.elapsed();
    if last != reference_root {
        return Err("raw SHA-256 of the last interior message is not the root".into());
    }
    let hashed_bytes = leaf_messages.len() + 65 * interior.len();
    rows.push((
        "1. raw SHA-256, 1 thread".into(),
        format!(
            "{n} leaf + {} interior messages, {:.1} MB",
            interior.len(),
            hashed_bytes as f64 / 1e6
        ),
        format!(
            "{} ({:.0} MB/s)",
            secs(raw),
            hashed_bytes as f64 / 1e6 / raw.as_secs_f64()
        ),
    ));
    drop(leaf_messages);
    drop(interior);

    // 2. Build from entry bytes: one thread, then all threads.
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    let (tree, root, leaves_time, tree_time) = one.install(|| build(&entries));
    let single = leaves_time + tree_time;
    if root != reference_root {
        return Err("Tree root differs from the reference root".into());
    }
    drop(tree);
    rows.push((
        "2a. build tree from entry bytes, 1 thread".into(),
        "leaf hashes + from_leaf_hashes + root".into(),
        format!(
            "{} ({:.2}× raw SHA-256; {}) = leaves {} + tree {}",
            secs(single),
            single.as_secs_f64() / raw.as_secs_f64(),
            rate(n, single),
            secs(leaves_time),
            secs(tree_time)
        ),
    ));
    let threads = rayon::current_num_threads();
    let (tree, root, leaves_time, tree_time) = build(&entries);
    let parallel = leaves_time + tree_time;
    if root != reference_root {
        return Err("parallel Tree root differs from the reference root".into());
    }
    rows.push((
        format!("2b. build tree from entry bytes, {threads} threads"),
        "same, rayon".into(),
        format!(
            "{} ({:.2}× raw SHA-256; {}) = leaves {} + tree {}",
            secs(parallel),
            parallel.as_secs_f64() / raw.as_secs_f64(),
            rate(n, parallel),
            secs(leaves_time),
            secs(tree_time)
        ),
    ));

    // 3. Inclusion proofs against the full size.
    let size = tree.len();
    let indexes: Vec<u64> = (0..INCLUSION_PROOFS).map(|_| rng.below(size)).collect();
    let mut proofs = Vec::with_capacity(INCLUSION_PROOFS);
    let mut times = Vec::with_capacity(INCLUSION_PROOFS);
    for &index in &indexes {
        let started = Instant::now();
        let path = tree.inclusion_proof(index, size)?;
        times.push(started.elapsed());
        proofs.push(path);
    }
    times.sort_unstable();
    let longest = proofs.iter().map(Vec::len).max().unwrap_or(0);
    rows.push((
        format!("3a. inclusion proof, {INCLUSION_PROOFS} random indexes"),
        format!("size {size}, up to {longest} hashes"),
        format!(
            "p50 {} · p99 {}",
            micros(percentile(&times, 50)),
            micros(percentile(&times, 99))
        ),
    ));
    let mut times = Vec::with_capacity(INCLUSION_PROOFS);
    for (&index, path) in indexes.iter().zip(&proofs) {
        let leaf = tree.leaf_hash(index).ok_or("index within tree")?;
        let started = Instant::now();
        let verdict = verify_inclusion(&leaf, index, size, path, &root);
        times.push(started.elapsed());
        verdict?;
    }
    times.sort_unstable();
    rows.push((
        "3b. verify those inclusion proofs".into(),
        "all verified".into(),
        format!(
            "p50 {} · p99 {}",
            micros(percentile(&times, 50)),
            micros(percentile(&times, 99))
        ),
    ));
    drop(proofs);

    // 4. Consistency proofs between random pairs of sizes.
    let mut prove_times = Vec::with_capacity(CONSISTENCY_PROOFS);
    let mut verify_times = Vec::with_capacity(CONSISTENCY_PROOFS);
    let mut longest = 0;
    for _ in 0..CONSISTENCY_PROOFS {
        let a = 1 + rng.below(size);
        let b = 1 + rng.below(size);
        let (first, second) = (a.min(b), a.max(b));
        let started = Instant::now();
        let proof = tree.consistency_proof(first, second)?;
        prove_times.push(started.elapsed());
        longest = longest.max(proof.len());
        let first_root = tree.root(first)?;
        let second_root = tree.root(second)?;
        let started = Instant::now();
        let verdict = verify_consistency(first, second, &first_root, &second_root, &proof);
        verify_times.push(started.elapsed());
        verdict?;
    }
    prove_times.sort_unstable();
    verify_times.sort_unstable();
    rows.push((
        format!("4. consistency proof, {CONSISTENCY_PROOFS} random pairs"),
        format!("up to {longest} hashes, all verified"),
        format!(
            "prove p50 {} · p99 {}; verify p50 {} · p99 {}",
            micros(percentile(&prove_times, 50)),
            micros(percentile(&prove_times, 99)),
            micros(percentile(&verify_times, 50)),
            micros(percentile(&verify_times, 99))
        ),
    ));
    drop(tree);

    // 5. Append in batches, a root (checkpoint) after each batch.
    let mut appended = Tree::new();
    let mut batch_times = Vec::with_capacity(n / BATCH + 1);
    let started = Instant::now();
    for chunk in entries.chunks(BATCH) {
        let batch_started = Instant::now();
        appended.extend(chunk.iter().map(|e| leaf_hash(e)));
        black_box(appended.root_current());
        batch_times.push(batch_started.elapsed());
    }
    let total = started.elapsed();
    if appended.root_current() != reference_root {
        return Err("appended tree root differs from the reference root".into());
    }
    batch_times.sort_unstable();
    rows.push((
        format!("5. append in batches of {BATCH}, root after each, 1 thread"),
        "leaf hash + push + root".into(),
        format!(
            "{} · batch p50 {} · p99 {}",
            rate(n, total),
            micros(percentile(&batch_times, 50)),
            micros(percentile(&batch_times, 99))
        ),
    ));

    println!(
        "ledger-bench: n = {n}, seed = {}, rayon threads = {threads}, root = {}\n",
        args.seed,
        to_hex(&reference_root)
    );
    println!("| step | workload | result |");
    println!("|---|---|---|");
    for (step, workload, result) in rows {
        println!("| {step} | {workload} | {result} |");
    }
    Ok(())
}
