//! Tuning aid: where the true pairs of a labelled file go (blocking coverage, candidate pairs
//! per rule, missed pairs by cause). Reads the input and the truth written by
//! `scripts/gen_dedupe_data.py`.
//!
//!     dedupe_diag records.csv records.truth.csv

#[path = "../../app/src/cmd_dedupe.rs"]
#[allow(dead_code)]
mod cmd_dedupe;

use std::collections::{HashMap, HashSet};

use dedupe::block::{self, Blocking, NUM_RULES};
use dedupe::compare::PreparedSet;
use dedupe::{Config, Decision};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (input, truth) = (&args[1], &args[2]);
    let (ids, records) = cmd_dedupe::read_records(std::path::Path::new(input))?;
    let mut ent: HashMap<String, String> = HashMap::new();
    let mut rdr = csv::Reader::from_path(truth)?;
    for r in rdr.records() {
        let r = r?;
        ent.insert(r[0].to_string(), r[1].to_string());
    }
    let mut ent_id: HashMap<&str, u32> = HashMap::new();
    let entity: Vec<u32> = ids
        .iter()
        .map(|id| {
            let e = ent.get(id).map_or("?", String::as_str);
            let k = ent_id.len() as u32;
            *ent_id.entry(e).or_insert(k)
        })
        .collect();
    let mut by_ent: HashMap<u32, Vec<u32>> = HashMap::new();
    for (i, &e) in entity.iter().enumerate() {
        by_ent.entry(e).or_default().push(i as u32);
    }
    let mut true_pairs: HashSet<(u32, u32)> = HashSet::new();
    for m in by_ent.values() {
        for a in 0..m.len() {
            for b in a + 1..m.len() {
                true_pairs.insert((m[a].min(m[b]), m[a].max(m[b])));
            }
        }
    }
    let env = |k: &str, d: usize| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let config = Config {
        explain: false,
        max_block_size: env("MAXB", Config::default().max_block_size),
        window: env("WIN", Config::default().window),
        link_probability: std::env::var("LINK")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.5),
        review_probability: std::env::var("LINK")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.5),
        ..Config::default()
    };
    let t = std::time::Instant::now();
    let set = PreparedSet::new(&records);
    let blocking = Blocking::new(&set, config.max_block_size, config.window);
    eprintln!("prepare+block {:.1}s", t.elapsed().as_secs_f64());
    let (per_rule, covered): ([u64; NUM_RULES], Vec<(u32, u32)>) = blocking.fold_pairs(
        block::ALL_RULES,
        true,
        || ([0u64; NUM_RULES], Vec::new()),
        |acc, rule, i, j| {
            acc.0[rule] += 1;
            if entity[i as usize] == entity[j as usize] {
                acc.1.push((i, j));
            }
        },
        |mut a, mut b| {
            for r in 0..NUM_RULES {
                a.0[r] += b.0[r];
            }
            a.1.append(&mut b.1);
            a
        },
        || {},
    );
    let covered: HashSet<(u32, u32)> = covered.into_iter().collect();
    let total: u64 = per_rule.iter().sum();
    println!(
        "candidates {total} per rule {:?}",
        block::RULE_NAMES.iter().zip(per_rule).collect::<Vec<_>>()
    );
    println!(
        "true pairs {} covered {} ({:.4})",
        true_pairs.len(),
        covered.len(),
        covered.len() as f64 / true_pairs.len() as f64
    );
    // True pairs found by one rule only (all pairs of every rule, nothing skipped).
    let by_rule: Vec<(u32, u32, usize)> = blocking.fold_pairs(
        block::ALL_RULES,
        false,
        Vec::new,
        |acc, rule, i, j| {
            if entity[i as usize] == entity[j as usize] {
                acc.push((i, j, rule));
            }
        },
        |mut a, mut b| {
            a.append(&mut b);
            a
        },
        || {},
    );
    let mut rules_of: HashMap<(u32, u32), u32> = HashMap::new();
    for (i, j, r) in by_rule {
        *rules_of.entry((i, j)).or_default() |= 1 << r;
    }
    let mut unique = [0usize; NUM_RULES];
    for m in rules_of.values() {
        if m.count_ones() == 1 {
            unique[m.trailing_zeros() as usize] += 1;
        }
    }
    println!("true pairs found by one rule only: {unique:?}");
    let keys = block::record_keys(&set);
    let mut no_key = 0usize;
    for &(i, j) in &true_pairs {
        if covered.contains(&(i, j)) {
            continue;
        }
        let (ki, kj) = (&keys[i as usize], &keys[j as usize]);
        if !(0..NUM_RULES).any(|r| ki[r] != 0 && ki[r] == kj[r]) {
            no_key += 1;
        }
    }
    println!(
        "not covered: {} sharing no key, {} only in oversized blocks",
        no_key,
        true_pairs.len() - covered.len() - no_key
    );
    if args.len() > 3 {
        let t = std::time::Instant::now();
        let out = dedupe::deduplicate(
            &records,
            &Config {
                explain: true,
                ..config.clone()
            },
            &|_, _, _| {},
        );
        eprintln!("dedupe {:.1}s", t.elapsed().as_secs_f64());
        let mut linked = 0usize;
        let mut fp = 0usize;
        let shown: HashMap<(u32, u32), (f64, bool, Decision)> = out
            .pairs
            .iter()
            .map(|p| ((p.a, p.b), (p.probability, p.veto.is_some(), p.decision)))
            .collect();
        let (mut below, mut vetoed, mut refused) = (0usize, 0usize, 0usize);
        for &(i, j) in &true_pairs {
            if out.cluster_of[i as usize] == out.cluster_of[j as usize] {
                linked += 1;
                continue;
            }
            if !covered.contains(&(i, j)) {
                continue;
            }
            match shown.get(&(i, j)) {
                Some(&(p, v, _)) if p >= 0.5 => {
                    if v {
                        vetoed += 1
                    } else {
                        refused += 1
                    }
                }
                _ => below += 1,
            }
        }
        let mut by_cluster: HashMap<u32, Vec<u32>> = HashMap::new();
        for (i, &c) in out.cluster_of.iter().enumerate() {
            by_cluster.entry(c).or_default().push(i as u32);
        }
        let mut direct_fp = 0usize;
        for m in by_cluster.values() {
            for a in 0..m.len() {
                for b in a + 1..m.len() {
                    let (i, j) = (m[a].min(m[b]), m[a].max(m[b]));
                    if entity[i as usize] != entity[j as usize] {
                        fp += 1;
                        if shown.get(&(i, j)).is_some_and(|s| s.0 >= 0.5) {
                            direct_fp += 1;
                            if std::env::var("FP").is_ok() && direct_fp < 100000 {
                                let (ri, rj) = (&records[i as usize], &records[j as usize]);
                                let e = out
                                    .pairs
                                    .iter()
                                    .find(|p| p.a == i && p.b == j)
                                    .map(|p| format!("{:.3} {}", p.probability, p.explanation_en))
                                    .unwrap_or_default();
                                println!(
                                    "FP {e}\n  {} | {} | {:?} | {} | {} | {} | {}\n  {} | {} | {:?} | {} | {} | {} | {}",
                                    ri.full_name,
                                    ri.birth_date,
                                    ri.sex,
                                    ri.commune_code,
                                    ri.village,
                                    ri.guardian_name,
                                    ri.personal_id,
                                    rj.full_name,
                                    rj.birth_date,
                                    rj.sex,
                                    rj.commune_code,
                                    rj.village,
                                    rj.guardian_name,
                                    rj.personal_id,
                                );
                            }
                        }
                    }
                }
            }
        }
        println!(
            "covered & linked {linked}; missed covered: below threshold {below}, vetoed {vetoed}, refused {refused}; false pairs {fp} (direct links {direct_fp})"
        );
        let tp = linked as f64;
        let p = tp / (tp + fp as f64);
        let r = tp / true_pairs.len() as f64;
        println!("P {p:.4} R {r:.4} F1 {:.4}", 2.0 * p * r / (p + r));
        if args.len() > 4 {
            // Dump some misses.
            let n: usize = args[4].parse().unwrap_or(20);
            let want = args.get(5).map_or("any", String::as_str);
            let mut k = 0;
            for &(i, j) in &true_pairs {
                if out.cluster_of[i as usize] == out.cluster_of[j as usize] {
                    continue;
                }
                let s = shown.get(&(i, j));
                let cov = covered.contains(&(i, j));
                let class = if !cov {
                    "uncovered"
                } else if s.is_some_and(|s| s.0 >= 0.5) {
                    "refused"
                } else {
                    "below"
                };
                if want != "any" && want != class {
                    continue;
                }
                let (ri, rj) = (&records[i as usize], &records[j as usize]);
                println!(
                    "MISS {class} p={:?}\n  {} | {} | {:?} | {} | {} | {} | {}\n  {} | {} | {:?} | {} | {} | {} | {}",
                    s.map(|s| s.0),
                    ri.full_name,
                    ri.birth_date,
                    ri.sex,
                    ri.commune_code,
                    ri.village,
                    ri.guardian_name,
                    ri.personal_id,
                    rj.full_name,
                    rj.birth_date,
                    rj.sex,
                    rj.commune_code,
                    rj.village,
                    rj.guardian_name,
                    rj.personal_id,
                );
                k += 1;
                if k >= n {
                    break;
                }
            }
        }
    }
    Ok(())
}
