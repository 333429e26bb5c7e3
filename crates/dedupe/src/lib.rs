//! Deduplication of child records from several sources (schools, health stations, mass
//! organisations): which records are the same child.
//!
//! A pure, deterministic library (no file or network IO). The pipeline:
//!
//! 1. **normalise** ([`normalize`], [`date`], [`pid`]): NFC, tone placement, diacritics folded for
//!    comparison, spelling and spacing variants of ethnic-minority names, dates in any of the
//!    usual formats with their precision, 12-digit personal IDs validated;
//! 2. **block** ([`block`]): only records sharing a blocking key are compared; oversized blocks
//!    (the many "Hồ" of A Lưới) are reduced to sorted neighbourhoods;
//! 3. **compare** ([`compare`]): a comparison vector with graded levels per field;
//! 4. **score** ([`model`]): Fellegi–Sunter weights, m and u estimated by EM on the data;
//! 5. **cluster**: links above the threshold form components; every pair of a small component
//!    is scored (of a large one, the pairs blocking compared); inside a component, clusters are
//!    merged greedily from the strongest link down, and only when no pair between them is a
//!    veto (twins, different personal IDs) or strong evidence of different children, and the
//!    average weight between them is not below [`Config::merge_average_weight`] (−1 bit) – so
//!    chains of weak links do not glue different children together.
//!
//! Every scored pair can be explained in Vietnamese and English ([`explain`]).

// Loops over several parallel per-field arrays read better with an index.
#![allow(clippy::needless_range_loop)]

pub mod block;
pub mod compare;
pub mod date;
pub mod explain;
pub mod model;
pub mod normalize;
pub mod pid;

use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::block::Blocking;
use crate::compare::{
    ComparisonVector, Field, GUARDIAN_PENDING, LEVELS, NULL_LEVEL, NUM_FIELDS, PreparedSet,
    guardian_level, name_level, pattern_count,
};
use crate::date::DateLevel;
pub use crate::explain::Veto;
use crate::model::Model;
use crate::pid::PidLevel;

/// Sex of a child.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    /// Nam / M.
    Male,
    /// Nữ / F.
    Female,
}

/// The sex column holds something other than Nam, Nữ, M, F or empty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("giới tính phải là Nam, Nữ, M, F hoặc để trống / sex must be Nam, Nữ, M, F or empty")]
pub struct SexError;

/// Parses the sex column: `Nam`, `Nữ` (any case and Unicode form, also `Nu`), `M`, `F`, or
/// empty (`None`).
pub fn parse_sex(s: &str) -> Result<Option<Sex>, SexError> {
    let f = normalize::fold(s.trim());
    match f.as_str() {
        "" => Ok(None),
        "nam" | "m" => Ok(Some(Sex::Male)),
        "nu" | "f" => Ok(Some(Sex::Female)),
        _ => Err(SexError),
    }
}

/// One input record. Only `full_name` is needed; every other field may be empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    /// Source (school, health station, …): compared like the other fields, because one source
    /// seldom lists the same child twice (the weight of "same source" is learnt from the data).
    pub source: String,
    /// Full name as written.
    pub full_name: String,
    /// Birth date as written (dd/mm/yyyy, d/m/yyyy, yyyy-mm-dd, mm/yyyy, yyyy …).
    pub birth_date: String,
    /// Sex.
    pub sex: Option<Sex>,
    /// Commune code.
    pub commune_code: String,
    /// Village (thôn/bản).
    pub village: String,
    /// Guardian's full name.
    pub guardian_name: String,
    /// 12-digit personal ID, if known.
    pub personal_id: String,
}

/// Settings of a run. The defaults are the calibrated ones.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Match probability at or above which a pair is linked.
    pub link_probability: f64,
    /// Match probability at or above which a pair is reported for review in the explanations.
    pub review_probability: f64,
    /// A pair between two clusters with a weight below this forbids merging them
    /// (strong evidence of different children).
    pub conflict_weight: f64,
    /// Two clusters joined by a link are merged only if the average weight of the pairs between
    /// them is at least this (bits; slightly below 0 because the clustering sees every pair of
    /// a small component, including the weakly negative ones blocking would not have compared).
    pub merge_average_weight: f64,
    /// Largest block compared all-against-all.
    pub max_block_size: usize,
    /// Sorted-neighbourhood window inside oversized blocks.
    pub window: usize,
    /// Random pairs sampled to initialise u.
    pub random_pairs: usize,
    /// Build the explained pairs of [`Outcome::pairs`] (costs memory on large inputs).
    pub explain: bool,
    /// Seed of the random-pair sampler (the run is deterministic for a given seed).
    pub seed: u64,
    /// Maximum EM iterations.
    pub em_max_iterations: usize,
    /// The scoring pass first assumes the refined prior stays within this factor of the
    /// training estimate (pairs that could not come near the review threshold even then are
    /// settled early); if it reaches the bound, the pass runs again with the widest one. Only
    /// the time depends on it, and λ's estimate by the pairs left out (their match probability
    /// stays below 2⁻⁶ even at the bound).
    pub lambda_factor: f64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            link_probability: 0.5,
            review_probability: 0.5,
            conflict_weight: -12.0,
            merge_average_weight: -1.0,
            max_block_size: 100,
            window: 10,
            random_pairs: 300_000,
            explain: true,
            seed: 0x00C4_u64,
            em_max_iterations: 200,
            lambda_factor: LAMBDA_FACTOR,
        }
    }
}

/// Stage of a run, for progress reporting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Normalising records.
    Normalise,
    /// Building blocks.
    Block,
    /// Counting agreement patterns for training.
    Train,
    /// Scoring candidate pairs.
    Score,
    /// Clustering.
    Cluster,
}

/// What happened to a scored pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    /// The two records end in the same cluster.
    Linked,
    /// Kept apart: a veto, a conflict with another member, or below the link threshold.
    KeptApart,
}

/// A scored candidate pair (indices into the input slice, `a < b`).
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredPair {
    /// First record index.
    pub a: u32,
    /// Second record index.
    pub b: u32,
    /// Total match weight (log2 odds).
    pub weight: f64,
    /// Match probability.
    pub probability: f64,
    /// Comparison vector.
    pub vector: ComparisonVector,
    /// Veto, if any.
    pub veto: Option<Veto>,
    /// Final decision.
    pub decision: Decision,
    /// Explanation in Vietnamese.
    pub explanation_vi: String,
    /// Explanation in English.
    pub explanation_en: String,
    /// Weight contributed by each field (in [`compare::FIELDS`] order, 0 when missing),
    /// including the name and guardian frequency adjustments.
    pub field_weights: Vec<f64>,
}

/// Counters of a run (aggregates only; no personal data).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Input records.
    pub records: usize,
    /// Candidate pairs compared (per pass).
    pub candidate_pairs: u64,
    /// Candidate pairs of the training rules (their agreement patterns train the model).
    pub training_pairs: u64,
    /// Blocks per blocking rule.
    pub blocks_per_rule: Vec<(String, usize, usize)>,
    /// Pairs at or above the link threshold.
    pub links: usize,
    /// Links not followed because of a veto or a conflict.
    pub links_refused: usize,
    /// Records whose personal ID was structurally invalid (ignored for matching).
    pub invalid_personal_ids: usize,
    /// Clusters (including singletons).
    pub clusters: usize,
}

/// Result of [`deduplicate`].
#[derive(Debug, Clone)]
pub struct Outcome {
    /// For every input record, the index of its cluster's representative (the smallest input
    /// index in the cluster). Records with equal values are the same child.
    pub cluster_of: Vec<u32>,
    /// Pairs worth showing to a person: all pairs at or above the review probability, and all
    /// scored pairs inside a linked component.
    pub pairs: Vec<ScoredPair>,
    /// The estimated model.
    pub model: Model,
    /// Counters.
    pub stats: Stats,
}

/// A scored pair kept for clustering: (a, b, weight, vetoed).
type PairEntry = (u32, u32, f32, bool);

/// Components of up to this many records have all their pairs scored for the clustering.
const ALL_PAIRS_COMPONENT: usize = 64;

/// Slots of the per-field level-weight table (more than the levels of any field).
const LEVEL_SLOTS: usize = 16;

/// Largest plausible prior probability that two random records are the same child.
const LAMBDA_MAX: f64 = 1e-3;

/// Default of [`Config::lambda_factor`]: on the files measured the refined prior was within
/// 1.1× (FEBRL) to 4.3× (10⁶ records) of the training estimate.
const LAMBDA_FACTOR: f64 = 10.0;

/// A candidate pair whose best possible weight, at the largest prior, stays this many bits
/// under the review threshold is not compared further (its names, its guardian) nor counted
/// for λ: its match probability there is below 2⁻⁶ (10 bits before: at 10⁶ records F1 the
/// same, λ 0.3 % lower, 6 % less time; FEBRL identical).
const HOPELESS_MARGIN: f64 = 6.0;

/// EM for λ alone: m and u fixed, `weights[p]` the prior-free weight of pattern `p`.
fn refine_lambda(counts: &[u64], weights: &[f64], start: f64, total_pairs: f64, max: f64) -> f64 {
    let mut lambda = start.clamp(1e-12, max);
    if total_pairs < 1.0 {
        return lambda;
    }
    for _ in 0..100 {
        let odds = lambda / (1.0 - lambda);
        let expected: f64 = counts
            .iter()
            .zip(weights)
            .filter(|(c, _)| **c > 0)
            .map(|(&c, &w)| {
                let o = odds * w.exp2();
                c as f64 * o / (1.0 + o)
            })
            .sum();
        let next = (expected / total_pairs).clamp(1e-12, max);
        if (next - lambda).abs() <= 1e-6 * lambda {
            lambda = next;
            break;
        }
        lambda = next;
    }
    lambda
}

fn probability(weight: f64) -> f64 {
    1.0 / (1.0 + (-weight).exp2())
}

fn weight_of_probability(p: f64) -> f64 {
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    (p / (1.0 - p)).log2()
}

/// The veto of a comparison vector, if any.
///
/// `ids_reliable`: whether different personal IDs are strong evidence in this data (the
/// model's weight of "different IDs" is below −5). In registers where IDs are often wrong
/// (FEBRL's scrambled numbers), different IDs only lower the score.
pub fn veto_of(v: &ComparisonVector, ids_reliable: bool) -> Option<Veto> {
    let l = &v.levels;
    if ids_reliable && l[Field::PersonalId as usize] == PidLevel::Different as u8 {
        return Some(Veto::DifferentPersonalIds);
    }
    let name = l[Field::Name as usize];
    let same_guardian_and_date = l[Field::Guardian as usize] != NULL_LEVEL
        && l[Field::Guardian as usize] >= guardian_level::SIMILAR
        && l[Field::BirthDate as usize] == DateLevel::Exact as u8;
    let sex_differs = l[Field::Sex as usize] == 0;
    if same_guardian_and_date
        // Twins have different given names. "Only the given name is the same" is not twins:
        // it is what typos in the family and middle names of one child look like.
        && (name == name_level::DIFFERENT || (name == name_level::TYPO && sex_differs))
        // With both IDs present, the IDs decide (different reliable IDs are vetoed above;
        // equal or nearly equal IDs mean the same child despite the names).
        && l[Field::PersonalId as usize] == NULL_LEVEL
    {
        return Some(Veto::Twins);
    }
    None
}

struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        let p = parent[x as usize];
        parent[x as usize] = parent[p as usize];
        x = p;
    }
    x
}

/// Deduplicates `records` and explains the links. `progress(stage, done, total)` is called
/// from worker threads now and then.
pub fn deduplicate(
    records: &[Record],
    config: &Config,
    progress: &(dyn Fn(Stage, u64, u64) + Sync),
) -> Outcome {
    let n = records.len();
    progress(Stage::Normalise, 0, n as u64);
    let mut set = PreparedSet::new(records);
    progress(Stage::Normalise, n as u64, n as u64);

    progress(Stage::Block, 0, 1);
    let blocking = Blocking::new(&set, config.max_block_size, config.window);
    progress(Stage::Block, 1, 1);
    let units = blocking.work_units() as u64;
    // log2 of the name, family + given name and guardian frequencies, once per record (the
    // term-frequency adjustments below use them for every pair).
    let log2n = (n.max(1) as f64).log2();
    {
        let lf = |c: u32| (f64::from(c.max(1)).log2() - log2n) as f32;
        set.set_log_frequencies(|i| {
            [
                lf(blocking.name_freq[i]),
                lf(blocking.family_given_freq[i]),
                lf(blocking.guardian_freq[i]),
            ]
        });
    }
    let set = set;

    // u initialisation from random pairs.
    let mut random_counts: Vec<Vec<u64>> =
        LEVELS.iter().map(|&l| vec![0u64; usize::from(l)]).collect();
    if n >= 2 {
        let mut rng = SplitMix(config.seed);
        let total_pairs = (n as u128) * (n as u128 - 1) / 2;
        let samples = (config.random_pairs as u128).min(total_pairs) as usize;
        for _ in 0..samples {
            let i = (rng.next() % n as u64) as usize;
            let mut j = (rng.next() % (n as u64 - 1)) as usize;
            if j >= i {
                j += 1;
            }
            let v = set.compare(i.min(j), i.max(j));
            for f in 0..NUM_FIELDS {
                if v.levels[f] != NULL_LEVEL {
                    random_counts[f][usize::from(v.levels[f])] += 1;
                }
            }
        }
    }

    // Pass 1: agreement-pattern counts of all candidate pairs.
    let done = AtomicU64::new(0);
    let tick = |stage: Stage| {
        let d = done.fetch_add(1, Ordering::Relaxed) + 1;
        if d.is_multiple_of(4096) || d == units {
            progress(stage, d, units);
        }
    };
    let np = pattern_count();
    let sessions = blocking.fold_pairs(
        blocking.training_rules(),
        false,
        || [vec![0u64; np], vec![0u64; np]],
        |acc, rule, i, j| {
            let (i, j) = (i as usize, j as usize);
            let session = block::SESSION_OF_RULE[rule];
            let v = if session == 1 {
                // Session 2 (same name tokens) keeps only pairs that also share the guardian:
                // namesakes of other families would otherwise pass for duplicates with wrong
                // birth dates and IDs, and teach EM that those disagreements are normal. The
                // guardian is compared first: most pairs stop there.
                let g = set.guardian_level(i, j);
                if g == NULL_LEVEL || g < guardian_level::SIMILAR {
                    return;
                }
                let mut v = set.compare_but_guardian(i, j);
                v.levels[Field::Guardian as usize] = g;
                v
            } else {
                set.compare(i, j)
            };
            acc[session][v.pattern()] += 1;
        },
        |mut a, b| {
            for (sa, sb) in a.iter_mut().zip(b) {
                for (x, y) in sa.iter_mut().zip(sb) {
                    *x += y;
                }
            }
            a
        },
        || tick(Stage::Train),
    );
    let training_pairs: u64 = sessions.iter().map(|c| c.iter().sum::<u64>()).sum();
    let total_pairs = (n as f64) * (n as f64 - 1.0) / 2.0;
    let [session_a, session_b] = sessions;
    let mut fields_a = [true; NUM_FIELDS];
    fields_a[Field::PersonalId as usize] = false;
    fields_a[Field::BirthDate as usize] = false;
    fields_a[Field::Commune as usize] = false;
    let mut fields_b = [true; NUM_FIELDS];
    fields_b[Field::Name as usize] = false;
    fields_b[Field::Guardian as usize] = false;
    let mut model = Model::prior(&random_counts).estimate(
        &[(session_a, fields_a), (session_b, fields_b)],
        total_pairs,
        config.em_max_iterations,
    );
    // Weights of the agreement patterns, without the prior (λ is refined after scoring).
    let weights: Vec<f64> = (0..np)
        .map(|p| model.weight(&compare::decode_pattern(p)) - model.prior_weight())
        .collect();
    let ids_reliable =
        model.level_weight(Field::PersonalId as usize, PidLevel::Different as u8) < -5.0;
    let u_name = model.u[Field::Name as usize].clone();
    let u_guardian = model.u[Field::Guardian as usize].clone();

    // Term-frequency adjustment (as Splink's): agreeing on a common name ("Hồ Thị Hoa") is
    // weaker evidence than agreeing on a rare one. For the name levels "identical", "without
    // diacritics", "by sound" and "a middle name dropped" (Hồ Văn Quang / Hồ Quang: many boys
    // are written Hồ Quang without a dropped middle name), and for "same guardian", the level's
    // average u is replaced by the frequency of the (more common) name itself — for a dropped
    // middle name, of its family and given name with any middle name.
    // log2 of the frequencies, once per record (the adjustment is computed for every pair).
    let lf = |i: usize| set.records[i].log_freq;
    let log2_u_guardian: Vec<f64> = u_guardian.iter().map(|u| u.log2()).collect();
    let log2_u_name: Vec<f64> = u_name.iter().map(|u| u.log2()).collect();
    let name_tf = |i: usize, j: usize, v: &ComparisonVector| -> f64 {
        let nl = v.levels[Field::Name as usize];
        if nl != NULL_LEVEL && nl >= name_level::MIDDLE_DROPPED {
            let k = usize::from(nl == name_level::MIDDLE_DROPPED);
            let f = f64::from(lf(i)[k].max(lf(j)[k]));
            (log2_u_name[usize::from(nl)] - f).clamp(-8.0, 8.0)
        } else {
            0.0
        }
    };
    let tf_adjust = |i: usize, j: usize, v: &ComparisonVector| -> (f64, f64) {
        let name = name_tf(i, j, v);
        let gl = v.levels[Field::Guardian as usize];
        let guardian = if gl == guardian_level::SAME && !model::siblings(v) {
            let f = f64::from(lf(i)[2].max(lf(j)[2]));
            (log2_u_guardian[usize::from(gl)] - f).clamp(-8.0, 8.0)
        } else {
            0.0
        };
        (name, guardian)
    };
    // Siblings: the guardian's positive weight is taken back (Model::field_weight).
    let sibling_guardian = model
        .level_weight(Field::Guardian as usize, guardian_level::SAME)
        .max(0.0);
    let sibling_similar = model
        .level_weight(Field::Guardian as usize, guardian_level::SIMILAR)
        .max(0.0);
    // The model is additive: a pair's weight is the sum of its levels' weights (a table per
    // field, small enough to stay in the first-level cache), plus the name's frequency
    // adjustment, plus the guardian's part.
    let mut level_w = [[0.0f64; LEVEL_SLOTS]; NUM_FIELDS];
    for f in 0..NUM_FIELDS {
        for l in 0..usize::from(LEVELS[f]).min(LEVEL_SLOTS) {
            level_w[f][l] = model.level_weight(f, l as u8);
        }
    }
    // Weight of every field but the guardian, with the name's frequency adjustment.
    let but_guardian = |i: usize, j: usize, v: &ComparisonVector| -> f64 {
        let mut w = name_tf(i, j, v);
        for f in 0..NUM_FIELDS {
            let l = usize::from(v.levels[f]);
            if f != Field::Guardian as usize && l < LEVEL_SLOTS {
                w += level_w[f][l];
            }
        }
        w
    };
    // The guardian's part at level `g`: its level weight, the frequency adjustment of a same
    // guardian, and for siblings (Model::field_weight) no positive weight at all.
    let guardian_part = |i: usize, j: usize, v: &ComparisonVector, g: u8| -> f64 {
        let gw = level_w[Field::Guardian as usize][usize::from(g).min(LEVEL_SLOTS - 1)];
        if model::siblings(v) {
            match g {
                guardian_level::SAME => gw - sibling_guardian,
                guardian_level::SIMILAR => gw - sibling_similar,
                _ => gw,
            }
        } else if g == guardian_level::SAME {
            let f = f64::from(lf(i)[2].max(lf(j)[2]));
            gw + (log2_u_guardian[usize::from(g)] - f).clamp(-8.0, 8.0)
        } else {
            gw
        }
    };
    // Upper bounds of the name's and the guardian's parts of a pair's weight, from the records'
    // name frequencies alone (no string comparison).
    let name_levels_tf = [
        name_level::MIDDLE_DROPPED,
        name_level::PHONETIC,
        name_level::FOLDED,
        name_level::EXACT,
    ];
    let name_plain_best = [
        name_level::DIFFERENT,
        name_level::SAME_GIVEN,
        name_level::TYPO,
    ]
    .iter()
    .map(|&l| level_w[Field::Name as usize][usize::from(l)])
    .fold(f64::NEG_INFINITY, f64::max);
    let name_bound = |i: usize, j: usize| -> f64 {
        let (equal, dropped) = set.name_reach(i, j);
        let f_name = f64::from(lf(i)[0].max(lf(j)[0]));
        let f_fg = f64::from(lf(i)[1].max(lf(j)[1]));
        name_levels_tf
            .iter()
            .filter(|&&l| {
                if l == name_level::MIDDLE_DROPPED {
                    dropped
                } else {
                    equal
                }
            })
            .map(|&l| {
                let f = if l == name_level::MIDDLE_DROPPED {
                    f_fg
                } else {
                    f_name
                };
                level_w[Field::Name as usize][usize::from(l)]
                    + (log2_u_name[usize::from(l)] - f).clamp(-8.0, 8.0)
            })
            .fold(name_plain_best, f64::max)
    };
    let guardian_bound = |i: usize, j: usize| -> f64 {
        let gw = &level_w[Field::Guardian as usize];
        let f = f64::from(lf(i)[2].max(lf(j)[2]));
        let same = usize::from(guardian_level::SAME);
        let other = gw[usize::from(guardian_level::SIMILAR)]
            .max(gw[usize::from(guardian_level::DIFFERENT)]);
        if set.guardian_reach(i, j) {
            other.max(gw[same] + (log2_u_guardian[same] - f).clamp(-8.0, 8.0))
        } else {
            other
        }
    };
    let score = |i: usize, j: usize, v: &ComparisonVector| -> f64 {
        let g = v.levels[Field::Guardian as usize];
        but_guardian(i, j, v)
            + if usize::from(g) < LEVEL_SLOTS {
                guardian_part(i, j, v, g)
            } else {
                0.0
            }
    };

    // Pass 2: score every candidate pair. Keep the pairs that may reach the review
    // probability whatever λ turns out to be (λ ≤ `lambda_max`), and count agreement patterns.
    let link_w = weight_of_probability(config.link_probability);
    let review_w = weight_of_probability(config.review_probability).min(link_w);
    let score_rules = block::ALL_RULES;
    // `lambda_max`: the largest prior λ is assumed to take after its refinement; pairs that
    // cannot come near the review threshold even then are settled early.
    let pass2 = |lambda_max: f64| -> (Vec<PairEntry>, Vec<u64>, u64) {
        let max_prior = weight_of_probability(lambda_max);
        done.store(0, Ordering::Relaxed);
        blocking.fold_pairs(
            score_rules,
            true,
            || (Vec::new(), vec![0u64; np], 0u64),
            |acc, _, i, j| {
                acc.2 += 1;
                let (i_, j_) = (i as usize, j as usize);
                let mut v = set.compare_cheap(i_, j_);
                // Before comparing any name: could the best name and guardian levels, with
                // their frequency adjustments, lift the pair near the review threshold? Most
                // candidate pairs (two namesakes born years apart in other communes) cannot.
                let name_best = if set.both_named(i_, j_) {
                    name_bound(i_, j_)
                } else {
                    0.0
                };
                let guardian_best = if v.levels[Field::Guardian as usize] == GUARDIAN_PENDING {
                    guardian_bound(i_, j_)
                } else {
                    0.0
                };
                if but_guardian(i_, j_, &v) + name_best + guardian_best + max_prior
                    < review_w - HOPELESS_MARGIN
                {
                    return;
                }
                set.compare_names_into(i_, j_, &mut v);
                let base = but_guardian(i_, j_, &v);
                let g = v.levels[Field::Guardian as usize];
                let w = if g == GUARDIAN_PENDING {
                    // The guardian's name is compared only when the best guardian level could lift
                    // the pair near the review threshold. A pair left out is also left out of
                    // λ's pattern counts: its posterior there is below 2^-6 even at the largest λ.
                    let reach = set.guardian_reach(i_, j_);
                    let best = [
                        guardian_level::SAME,
                        guardian_level::SIMILAR,
                        guardian_level::DIFFERENT,
                    ]
                    .iter()
                    .filter(|&&g| reach || g != guardian_level::SAME)
                    .map(|&g| guardian_part(i_, j_, &v, g))
                    .fold(f64::NEG_INFINITY, f64::max);
                    if base + best + max_prior < review_w - HOPELESS_MARGIN {
                        return;
                    }
                    let g = set.guardian_level(i_, j_);
                    v.levels[Field::Guardian as usize] = g;
                    base + if g == NULL_LEVEL {
                        0.0
                    } else {
                        guardian_part(i_, j_, &v, g)
                    }
                } else if g == NULL_LEVEL {
                    base
                } else {
                    base + guardian_part(i_, j_, &v, g)
                };
                let p = v.pattern();
                acc.1[p] += 1;
                if w + max_prior >= review_w {
                    acc.0
                        .push((i, j, w as f32, veto_of(&v, ids_reliable).is_some()));
                }
            },
            |mut a, mut b| {
                a.0.append(&mut b.0);
                for (x, y) in a.1.iter_mut().zip(b.1) {
                    *x += y;
                }
                a.2 += b.2;
                a
            },
            || tick(Stage::Score),
        )
    };
    // λ: the share of matches among all pairs, by EM over the pattern counts of all candidate
    // pairs with m and u fixed (pairs outside the blocks are taken as non-matches). Should it
    // reach the bound the pass assumed, the pass is run again with the widest bound.
    let initial_lambda = model.lambda;
    let mut lambda_max = (initial_lambda * config.lambda_factor.max(1.0)).clamp(1e-12, LAMBDA_MAX);
    let (mut high, candidate_pairs) = loop {
        let (high, counts, pairs) = pass2(lambda_max);
        let lambda = refine_lambda(&counts, &weights, initial_lambda, total_pairs, lambda_max);
        if lambda >= 0.99 * lambda_max && lambda_max < LAMBDA_MAX {
            lambda_max = LAMBDA_MAX;
            continue;
        }
        model.lambda = lambda;
        break (high, pairs);
    };
    let prior_w = model.prior_weight();
    for e in &mut high {
        e.2 += prior_w as f32;
    }
    high.retain(|e| f64::from(e.2) >= review_w);
    high.par_sort_unstable_by(|x, y| (x.0, x.1).cmp(&(y.0, y.1)));
    high.dedup_by(|x, y| x.0 == y.0 && x.1 == y.1);
    let score = |i: usize, j: usize, v: &ComparisonVector| -> f64 { score(i, j, v) + prior_w };

    // Components over links.
    progress(Stage::Cluster, 0, 3);
    let mut parent: Vec<u32> = (0..n as u32).collect();
    let mut links = 0usize;
    for &(i, j, w, veto) in &high {
        if f64::from(w) >= link_w && !veto {
            links += 1;
            let (a, b) = (find(&mut parent, i), find(&mut parent, j));
            if a != b {
                parent[a.max(b) as usize] = a.min(b);
            }
        }
    }
    let comp: Vec<u32> = (0..n as u32).map(|i| find(&mut parent, i)).collect();
    let mut comp_size = vec![0u32; n];
    for &c in &comp {
        comp_size[c as usize] += 1;
    }

    // Pass 3: the pairs inside each component — every pair of a small component (so that the
    // clustering sees all the evidence against a merge, not only what blocking compared), the
    // candidate pairs of a large one.
    let group: Vec<u32> = comp
        .iter()
        .map(|&c| {
            let s = comp_size[c as usize];
            if s > 1 && s as usize > ALL_PAIRS_COMPONENT {
                c
            } else {
                block::NO_GROUP
            }
        })
        .collect();
    let scored = |i: u32, j: u32| -> PairEntry {
        let v = set.compare(i as usize, j as usize);
        let w = score(i as usize, j as usize, &v);
        (i, j, w as f32, veto_of(&v, ids_reliable).is_some())
    };
    let mut inner: Vec<PairEntry> = blocking.fold_pairs_where(
        score_rules,
        true,
        Some(&group),
        Vec::new,
        |acc, _, i, j| acc.push(scored(i, j)),
        |mut a, mut b| {
            a.append(&mut b);
            a
        },
        || {},
    );
    let mut small: Vec<(u32, u32)> = (0..n as u32)
        .filter(|&i| {
            let s = comp_size[comp[i as usize] as usize] as usize;
            s > 1 && s <= ALL_PAIRS_COMPONENT
        })
        .map(|i| (comp[i as usize], i))
        .collect();
    small.par_sort_unstable();
    let runs: Vec<&[(u32, u32)]> = small.chunk_by(|x, y| x.0 == y.0).collect();
    inner.par_extend(runs.par_iter().flat_map_iter(|run| {
        (0..run.len())
            .flat_map(move |a| (a + 1..run.len()).map(move |b| (run[a].1, run[b].1)))
            .map(|(i, j)| scored(i.min(j), i.max(j)))
            .collect::<Vec<_>>()
    }));
    inner.par_sort_unstable_by(|x, y| (x.0, x.1).cmp(&(y.0, y.1)));
    inner.dedup_by(|x, y| x.0 == y.0 && x.1 == y.1);
    progress(Stage::Cluster, 1, 3);

    // Constrained greedy merging, strongest link first.
    let mut adj_start = vec![0usize; n + 1];
    for &(i, j, _, _) in &inner {
        adj_start[i as usize + 1] += 1;
        adj_start[j as usize + 1] += 1;
    }
    for k in 0..n {
        adj_start[k + 1] += adj_start[k];
    }
    let mut fill = adj_start.clone();
    let mut adj = vec![(0u32, 0f32, false); adj_start[n]];
    for &(i, j, w, v) in &inner {
        adj[fill[i as usize]] = (j, w, v);
        fill[i as usize] += 1;
        adj[fill[j as usize]] = (i, w, v);
        fill[j as usize] += 1;
    }
    let mut edges: Vec<(u32, u32, f32)> = inner
        .iter()
        .filter(|e| f64::from(e.2) >= link_w && !e.3)
        .map(|e| (e.0, e.1, e.2))
        .collect();
    edges.sort_by(|x, y| y.2.total_cmp(&x.2).then((x.0, x.1).cmp(&(y.0, y.1))));
    let mut cluster: Vec<u32> = (0..n as u32).collect();
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut refused = 0usize;
    for &(i, j, _) in &edges {
        let (ci, cj) = (cluster[i as usize], cluster[j as usize]);
        if ci == cj {
            continue;
        }
        let size = |c: u32, m: &Vec<Vec<u32>>| m[c as usize].len().max(1);
        let (small, big) = if size(ci, &members) <= size(cj, &members) {
            (ci, cj)
        } else {
            (cj, ci)
        };
        let small_members: Vec<u32> = if members[small as usize].is_empty() {
            vec![small]
        } else {
            members[small as usize].clone()
        };
        let mut sum = 0.0f64;
        let mut count = 0usize;
        let mut ok = true;
        'outer: for &m in &small_members {
            for &(o, w, v) in &adj[adj_start[m as usize]..adj_start[m as usize + 1]] {
                if cluster[o as usize] == big {
                    if v || f64::from(w) < config.conflict_weight {
                        ok = false;
                        break 'outer;
                    }
                    sum += f64::from(w);
                    count += 1;
                }
            }
        }
        if !ok || count == 0 || sum / (count as f64) < config.merge_average_weight {
            refused += 1;
            continue;
        }
        if members[big as usize].is_empty() {
            members[big as usize].push(big);
        }
        for &m in &small_members {
            cluster[m as usize] = big;
        }
        members[big as usize].extend(small_members);
        members[small as usize] = Vec::new();
    }
    // Representative: smallest index of each cluster.
    let mut rep = vec![u32::MAX; n];
    for (i, &c) in cluster.iter().enumerate() {
        rep[c as usize] = rep[c as usize].min(i as u32);
    }
    let cluster_of: Vec<u32> = cluster.iter().map(|&c| rep[c as usize]).collect();
    progress(Stage::Cluster, 2, 3);

    // Pairs to explain: review pairs and every pair inside a component.
    let mut shown: Vec<(u32, u32)> = Vec::new();
    if config.explain {
        shown.extend(high.iter().map(|e| (e.0, e.1)));
        shown.extend(inner.iter().map(|e| (e.0, e.1)));
    }
    drop(high);
    drop(inner);
    shown.par_sort_unstable();
    shown.dedup();
    let pairs: Vec<ScoredPair> = shown
        .par_iter()
        .map(|&(a, b)| {
            let v = set.compare(a as usize, b as usize);
            let weight = score(a as usize, b as usize, &v);
            let veto = veto_of(&v, ids_reliable);
            let (tn, tg) = tf_adjust(a as usize, b as usize, &v);
            let fw: Vec<f64> = (0..NUM_FIELDS)
                .map(|f| {
                    model.field_weight(&v, f)
                        + if f == Field::Name as usize {
                            tn
                        } else if f == Field::Guardian as usize {
                            tg
                        } else {
                            0.0
                        }
                })
                .collect();
            let decision = if cluster_of[a as usize] == cluster_of[b as usize] {
                Decision::Linked
            } else {
                Decision::KeptApart
            };
            ScoredPair {
                a,
                b,
                weight,
                probability: probability(weight),
                vector: v,
                veto,
                decision,
                explanation_vi: explain::explain(&v, &fw, veto, true),
                explanation_en: explain::explain(&v, &fw, veto, false),
                field_weights: fw,
            }
        })
        .collect();
    progress(Stage::Cluster, 3, 3);

    let mut clusters = 0usize;
    for (i, &c) in cluster_of.iter().enumerate() {
        if c as usize == i {
            clusters += 1;
        }
    }
    let stats = Stats {
        records: n,
        candidate_pairs,
        training_pairs,
        blocks_per_rule: (0..block::NUM_RULES)
            .map(|r| {
                (
                    block::RULE_NAMES[r].to_string(),
                    blocking.blocks_per_rule[r],
                    blocking.oversized_per_rule[r],
                )
            })
            .collect(),
        links,
        links_refused: refused,
        invalid_personal_ids: set.records.iter().filter(|r| r.pid_invalid).count(),
        clusters,
    };
    Outcome {
        cluster_of,
        pairs,
        model,
        stats,
    }
}
