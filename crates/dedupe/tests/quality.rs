//! Quality on a synthetic labelled dataset generated here (deterministic), with realistic
//! A Lưới / Nam Đông names: the surname Hồ for most Pa Cô / Tà Ôi families, Cơ Tu clan names
//! (Pơ Loong, A Lăng, Zơ Râm, Bh'riu), given-name prefixes A and Kăn, and Kinh names; families
//! with several children, twins (same guardian and birth date, different names) and namesakes
//! (the same name in another family of the same commune). Each child has 1–4 records from
//! different sources, corrupted as real registers are: Unicode form, tone-mark placement,
//! diacritics dropped, upper case, spelling and spacing variants of minority names, a dropped
//! middle name, given-name-first order, a typo, partial or swapped birth dates, missing sex,
//! guardian, commune or ID, an ID typo.
//!
//! Thresholds: pairwise precision ≥ 0.97 and recall ≥ 0.95. When written, this set measured
//! P 0.994 / R 0.979 (12 980 records, 13 062 true pairs). The target is F1 ≥ 0.97; the
//! 100 000-record files of scripts/gen_dedupe_data.py (longer-tailed names, more corruption
//! types, denser namesakes) measure P 0.984 / R 0.957 (docs/benchmarks.md). The thresholds sit
//! two to three points under the measured values, so a real regression (twin or namesake
//! handling lost, which costs precision; a blocking rule or a comparison level lost, which costs
//! recall) fails the test while harmless retuning does not. The data are deterministic (fixed
//! seed), so the test is not flaky.

use std::collections::HashMap;

use dedupe::{Config, Record, Sex, deduplicate};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() % 1_000_000) as f64 / 1_000_000.0 < p
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

const AL_FAMILY: [&str; 8] = ["Hồ", "Hồ", "Hồ", "Hồ", "Kăn", "Pả", "Quỳnh", "Lê"];
const ND_FAMILY: [&str; 7] = [
    "Pơ Loong",
    "A Lăng",
    "Zơ Râm",
    "Bh'riu",
    "Clâu",
    "Hồ",
    "Riêh",
];
const KINH_FAMILY: [&str; 5] = ["Nguyễn", "Trần", "Lê", "Phan", "Võ"];
const SYLL: [&str; 40] = [
    "Rất", "Vai", "Sáu", "Lịch", "Pi", "Cư", "Thía", "Bốc", "Lơi", "Ghếch", "Prăng", "Hiên",
    "Dinh", "Xon", "Đạp", "Kray", "Ríu", "Nhi", "Pơi", "Blăng", "Ăm", "Mây", "Tía", "Ráo", "Đin",
    "Rinh", "Vin", "Bươi", "Quế", "Prinh", "Crông", "Hoan", "Bhơ", "Zuối", "Ngol", "Pêu", "Ghép",
    "Pia", "Rôn", "Prao",
];
const KINH_GIVEN: [&str; 24] = [
    "Hòa", "Thủy", "Quỳnh", "Lan", "Mai", "Hương", "Linh", "Trang", "Nam", "Hùng", "Dũng", "Khoa",
    "Tuấn", "Bình", "An", "Huy", "Phúc", "Long", "Ngân", "Nhi", "Thảo", "Hạnh", "Thúy", "Loan",
];
const PREFIX: [&str; 6] = ["", "", "", "A ", "Kăn ", "Zơ "];
const ADULT: [&str; 16] = [
    "Pả", "Căn", "Nhâm", "Thanh", "Hương", "Bình", "Xuân", "Hùng", "Loan", "Kray", "Pi", "Ngân",
    "Cư", "Thúy", "Tiên", "Rôn",
];
const COMMUNES: [&str; 12] = [
    "20044", "20047", "20050", "20053", "20056", "20062", "20080", "20101", "20164", "20173",
    "20185", "20188",
];
const SOURCES: [&str; 4] = ["school", "health_station", "womens_union", "commune"];

fn strip(s: &str) -> String {
    dedupe::normalize::fold(s)
}

fn variant(rng: &mut Rng, s: &str) -> String {
    let mut s = s.to_string();
    let swaps: [(&str, &str); 8] = [
        ("A Rất", "Arất"),
        ("Pơ Loong", "Pơloong"),
        ("A Lăng", "Alăng"),
        ("Zơ Râm", "Dơ Râm"),
        ("Kăn", "Căn"),
        ("Bh'riu", "Bh’riu"),
        ("Hòa", "Hoà"),
        ("Thủy", "Thuỷ"),
    ];
    for (a, b) in swaps {
        if rng.chance(0.4) {
            s = s.replace(a, b);
        }
    }
    s
}

fn write_name(rng: &mut Rng, fam: &str, mid: &str, given: &str) -> String {
    let mut parts: Vec<&str> = vec![fam];
    if !mid.is_empty() && !rng.chance(0.1) {
        parts.push(mid);
    }
    parts.push(given);
    if rng.chance(0.05) {
        parts.rotate_right(1);
    }
    let mut s = variant(rng, &parts.join(" "));
    if rng.chance(0.08) {
        s = strip(&s);
    }
    if rng.chance(0.06) {
        let chars: Vec<char> = s.chars().collect();
        let i = rng.below(chars.len());
        if chars[i] != ' ' {
            s = chars
                .iter()
                .enumerate()
                .map(|(k, &c)| if k == i { 'x' } else { c })
                .collect();
        }
    }
    if rng.chance(0.15) {
        s = s.to_uppercase();
    }
    s
}

fn write_date(rng: &mut Rng, y: u32, m: u32, d: u32) -> String {
    let r = rng.below(100);
    match r {
        0..=4 => String::new(),
        5..=14 => format!("{y}"),
        15..=19 => format!("{m:02}/{y}"),
        20..=24 if d <= 12 => format!("{m:02}/{d:02}/{y}"),
        25..=39 => format!("{y}-{m:02}-{d:02}"),
        40..=49 => format!("{d}/{m}/{y}"),
        _ => format!("{d:02}/{m:02}/{y}"),
    }
}

/// Records and the entity of each.
fn dataset(families: usize, seed: u64) -> (Vec<Record>, Vec<usize>) {
    let mut rng = Rng(seed);
    let mut records = Vec::new();
    let mut truth = Vec::new();
    let mut entity = 0usize;
    for _ in 0..families {
        let region = rng.below(10);
        let fam = if region < 5 {
            rng.pick(&AL_FAMILY)
        } else if region < 8 {
            rng.pick(&ND_FAMILY)
        } else {
            rng.pick(&KINH_FAMILY)
        };
        let commune = rng.pick(&COMMUNES);
        let guardian = format!(
            "{fam} {} {}",
            rng.pick(&["Văn", "Thị", ""]),
            rng.pick(&ADULT)
        )
        .replace("  ", " ");
        let children = 1 + rng.below(3);
        let twins = rng.chance(0.05);
        let mut used: Vec<String> = Vec::new();
        let mut prev = (0u32, 0u32, 0u32);
        let year0 = 2008 + rng.below(14) as u32;
        for c in 0..children + usize::from(twins) {
            let male = rng.chance(0.5);
            let mut given;
            loop {
                given = if region >= 8 {
                    rng.pick(&KINH_GIVEN).to_string()
                } else {
                    format!("{}{}", rng.pick(&PREFIX), rng.pick(&SYLL))
                };
                if !used.contains(&given) {
                    break;
                }
            }
            used.push(given.clone());
            let mid = if male { "Văn" } else { "Thị" };
            let mid = if rng.chance(0.3) { "" } else { mid };
            let dob = if twins && c == 1 {
                prev
            } else {
                (
                    year0 + 2 * c as u32,
                    1 + rng.below(12) as u32,
                    1 + rng.below(28) as u32,
                )
            };
            prev = dob;
            let pid = format!(
                "046{}{:02}{:06}",
                if male { 2 } else { 3 },
                dob.0 % 100,
                rng.below(1_000_000)
            );
            entity += 1;
            let k = 1 + rng.below(4);
            for r in 0..k {
                let _source = SOURCES[r % SOURCES.len()];
                let pid_written = if rng.chance(0.5) {
                    if rng.chance(0.03) {
                        let mut p: Vec<char> = pid.chars().collect();
                        p[11] = if p[11] == '9' { '0' } else { '9' };
                        p.into_iter().collect()
                    } else {
                        pid.clone()
                    }
                } else {
                    String::new()
                };
                records.push(Record {
                    source: _source.to_string(),
                    full_name: write_name(&mut rng, fam, mid, &given),
                    birth_date: write_date(&mut rng, dob.0, dob.1, dob.2),
                    sex: if rng.chance(0.1) {
                        None
                    } else if male {
                        Some(Sex::Male)
                    } else {
                        Some(Sex::Female)
                    },
                    commune_code: if rng.chance(0.05) {
                        String::new()
                    } else {
                        commune.to_string()
                    },
                    village: String::new(),
                    guardian_name: if rng.chance(0.15) {
                        String::new()
                    } else {
                        write_name(&mut rng, &guardian, "", "").trim().to_string()
                    },
                    personal_id: pid_written,
                });
                truth.push(entity);
            }
        }
    }
    (records, truth)
}

fn pairs(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

#[test]
fn precision_and_recall_on_synthetic_a_luoi_and_nam_dong_records_are_above_thresholds() {
    let (records, truth) = dataset(2500, 2026);
    let out = deduplicate(&records, &Config::default(), &|_, _, _| {});
    let mut cell: HashMap<(u32, usize), u64> = HashMap::new();
    let mut pred: HashMap<u32, u64> = HashMap::new();
    let mut real: HashMap<usize, u64> = HashMap::new();
    for (i, &e) in truth.iter().enumerate() {
        let c = out.cluster_of[i];
        *cell.entry((c, e)).or_default() += 1;
        *pred.entry(c).or_default() += 1;
        *real.entry(e).or_default() += 1;
    }
    let tp: u64 = cell.values().map(|&n| pairs(n)).sum();
    let pp: u64 = pred.values().map(|&n| pairs(n)).sum();
    let tt: u64 = real.values().map(|&n| pairs(n)).sum();
    let precision = tp as f64 / pp.max(1) as f64;
    let recall = tp as f64 / tt.max(1) as f64;
    eprintln!(
        "records={} true_pairs={tt} predicted_pairs={pp} precision={precision:.4} recall={recall:.4}",
        records.len()
    );
    assert!(precision >= 0.97, "precision {precision:.4}");
    assert!(recall >= 0.95, "recall {recall:.4}");
}
