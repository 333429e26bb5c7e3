//! Fellegi–Sunter model: m and u probabilities per comparison level, estimated from the data.
//!
//! * **m** = P(level | the two records are the same child);
//! * **u** = P(level | they are different children);
//! * the match weight of a level is log2(m/u): positive when the level is more typical of
//!   duplicates, negative when more typical of different children. A pair's weight is the prior
//!   log-odds log2(λ/(1−λ)) plus the weights of its levels, and its match probability is
//!   1/(1+2^−weight). A missing field (either side empty) adds nothing.
//!
//! Estimation, as Splink does it but on agreement-pattern counts (like fastLink):
//! 1. **u** from comparisons of random record pairs (almost all different children), with a
//!    weak prior (10 000 pseudo-pairs) so that small inputs still get sensible values;
//! 2. **m** by expectation–maximisation over agreement-pattern counts (a two-class latent
//!    model, fields independent given the class; λ, m and a candidate-pair u re-estimated
//!    together), in two sessions as Splink does: pairs sharing a personal ID (or, when few
//!    records share one, a personal ID or a birth date and commune) train name, sex, village,
//!    guardian and source; pairs sharing all name tokens and the
//!    guardian train birth date, commune, sex, village and personal ID. A session never trains
//!    the fields its pairs were selected on;
//! 3. every m is floored at 0.2 % (no single disagreement is impossible for the same child:
//!    typos and moves happen), so no one field vetoes a match on its own;
//! 4. the prior λ is the share of matches among *all* pairs (EM's match count over n(n−1)/2),
//!    so a pair's probability is what it would be for two records drawn at random – the same
//!    convention as Splink;
//! 5. a sanity check: if EM converged to the wrong latent class (the "match" class does not
//!    favour exact names, equal birth dates and equal IDs), the prior m is kept.

use crate::compare::{
    ComparisonVector, FIELDS, Field, LEVELS, NULL_LEVEL, NUM_FIELDS, decode_pattern,
    guardian_level, name_level,
};
use crate::date::DateLevel;
use crate::pid::PidLevel;

/// m and u probabilities of every level of every field, and the prior λ.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Prior probability that two records drawn at random are the same child.
    pub lambda: f64,
    /// m probabilities, `m[field][level]`.
    pub m: Vec<Vec<f64>>,
    /// u probabilities, `u[field][level]`.
    pub u: Vec<Vec<f64>>,
    /// EM iterations run.
    pub iterations: usize,
    /// Whether the EM estimate was kept (false: it failed the sanity check, prior kept).
    pub em_accepted: bool,
    /// Why the EM estimate was rejected (empty when accepted).
    pub em_rejected: String,
    /// u among candidate pairs, as estimated by EM (reported, not used for scoring).
    pub u_candidates: Vec<Vec<f64>>,
    /// Share of matches among candidate pairs, as estimated by EM.
    pub lambda_candidates: f64,
}

/// Prior m: share of duplicates at each level (worst → best).
fn prior_m(field: Field) -> Vec<f64> {
    match field {
        Field::Name => vec![0.01, 0.02, 0.06, 0.06, 0.1, 0.15, 0.6],
        Field::BirthDate => vec![0.02, 0.02, 0.1, 0.05, 0.02, 0.03, 0.04, 0.72],
        Field::Sex | Field::Commune | Field::Village => vec![0.03, 0.97],
        Field::Guardian => vec![0.05, 0.1, 0.85],
        Field::PersonalId => vec![0.01, 0.01, 0.03, 0.95],
        Field::Source => vec![0.9, 0.1],
    }
}

/// Prior u (share of random pairs of different children at each level, worst → best), used as
/// pseudo-counts so that small inputs, whose random pairs are few, still get sensible u.
fn prior_u(field: Field) -> Vec<f64> {
    match field {
        Field::Name => vec![0.97, 0.02, 0.005, 0.002, 0.0015, 0.0008, 0.0007],
        Field::BirthDate => vec![0.95, 0.035, 0.0126, 0.001, 0.0003, 0.0006, 0.0001, 0.0004],
        Field::Sex => vec![0.5, 0.5],
        Field::Commune | Field::Village => vec![0.95, 0.05],
        Field::Guardian => vec![0.99, 0.006, 0.004],
        Field::PersonalId => vec![0.99997, 0.00001, 0.00001, 0.00001],
        Field::Source => vec![0.7, 0.3],
    }
}

/// Weight of the prior u, in random pairs.
const PRIOR_U_PAIRS: f64 = 10_000.0;

/// Smallest m probability of any level.
const M_FLOOR: f64 = 0.002;

fn normalise(v: &mut [f64]) {
    let s: f64 = v.iter().sum();
    if s > 0.0 {
        for x in v.iter_mut() {
            *x /= s;
        }
    }
}

impl Model {
    /// The prior model, with u from the given random-pair level counts.
    pub fn prior(random_counts: &[Vec<u64>]) -> Self {
        let mut m = Vec::with_capacity(NUM_FIELDS);
        let mut u = Vec::with_capacity(NUM_FIELDS);
        for (f, field) in FIELDS.iter().enumerate() {
            m.push(prior_m(*field));
            let pu = prior_u(*field);
            let mut uf: Vec<f64> = (0..usize::from(LEVELS[f]))
                .map(|l| {
                    random_counts
                        .get(f)
                        .and_then(|c| c.get(l))
                        .copied()
                        .unwrap_or(0) as f64
                        + PRIOR_U_PAIRS * pu.get(l).copied().unwrap_or(0.0)
                })
                .collect();
            normalise(&mut uf);
            u.push(uf);
        }
        Self {
            lambda: 0.05,
            m,
            u,
            iterations: 0,
            em_accepted: false,
            u_candidates: Vec::new(),
            lambda_candidates: 0.05,
            em_rejected: String::new(),
        }
    }

    /// Match weight (log2 m/u) of a level; 0 for a missing field.
    pub fn level_weight(&self, field: usize, level: u8) -> f64 {
        if level == NULL_LEVEL {
            return 0.0;
        }
        let l = usize::from(level);
        match (
            self.m.get(field).and_then(|v| v.get(l)),
            self.u.get(field).and_then(|v| v.get(l)),
        ) {
            (Some(&m), Some(&u)) if m > 0.0 && u > 0.0 => (m / u).log2(),
            _ => 0.0,
        }
    }

    /// Prior log-odds log2(λ/(1−λ)).
    pub fn prior_weight(&self) -> f64 {
        (self.lambda / (1.0 - self.lambda)).log2()
    }

    /// Weight of `field` in the comparison vector `v`: its level weight, except that agreement
    /// on the guardian counts for nothing between siblings ([`siblings`]): "same guardian, same
    /// family name, different names" is what two children of one family look like, so the
    /// guardian is no evidence of one child then (the fields are not independent given a
    /// non-match, as Fellegi–Sunter assumes).
    pub fn field_weight(&self, v: &ComparisonVector, field: usize) -> f64 {
        let w = self.level_weight(field, v.levels[field]);
        if field == Field::Guardian as usize && siblings(v) {
            w.min(0.0)
        } else {
            w
        }
    }

    /// Total match weight of a comparison vector's levels (plain Fellegi–Sunter; the scores of
    /// pairs also apply [`Model::field_weight`]'s sibling rule).
    pub fn weight(&self, levels: &[u8; NUM_FIELDS]) -> f64 {
        self.prior_weight()
            + (0..NUM_FIELDS)
                .map(|f| self.level_weight(f, levels[f]))
                .sum::<f64>()
    }

    /// Estimates the model. `self` must be [`Model::prior`] (u from random pairs). Each
    /// session is the agreement-pattern counts of the candidate pairs of some blocking rules,
    /// and the fields whose m it may estimate (not the fields those rules block on: among pairs
    /// that must agree on a field, agreement on it says nothing). `total_pairs` is n(n−1)/2.
    pub fn estimate(
        self,
        sessions: &[(Vec<u64>, [bool; NUM_FIELDS])],
        total_pairs: f64,
        max_iter: usize,
    ) -> Self {
        let prior = self;
        let mut out = prior.clone();
        let mut taken = [false; NUM_FIELDS];
        let mut matches: f64 = 0.0;
        let mut reasons = Vec::new();
        let mut all_ok = !sessions.is_empty();
        for (k, (counts, fields)) in sessions.iter().enumerate() {
            let fitted = prior.clone().em(counts, max_iter, 1e-7, fields);
            out.iterations += fitted.iterations;
            if k == 0 {
                out.u_candidates = fitted.u.clone();
                out.lambda_candidates = fitted.lambda;
            }
            if !fitted.em_accepted {
                all_ok = false;
                reasons.push(format!("session {}: {}", k + 1, fitted.em_rejected));
                continue;
            }
            let candidates: f64 = counts.iter().map(|&c| c as f64).sum();
            matches = matches.max(fitted.lambda * candidates);
            for f in 0..NUM_FIELDS {
                if fields[f] && !taken[f] {
                    out.m[f] = fitted.m[f].clone();
                    taken[f] = true;
                }
            }
        }
        out.em_accepted = all_ok;
        out.em_rejected = reasons.join("; ");
        for m in &mut out.m {
            for x in m.iter_mut() {
                *x = x.max(M_FLOOR);
            }
            normalise(m);
        }
        if matches <= 0.0 {
            let candidates: f64 = sessions
                .iter()
                .map(|(c, _)| c.iter().map(|&x| x as f64).sum::<f64>())
                .fold(0.0, f64::max);
            matches = prior.lambda * candidates;
        }
        out.lambda = (matches.max(1.0) / total_pairs.max(1.0)).clamp(1e-12, 0.5);
        out
    }

    fn em(
        mut self,
        pattern_counts: &[u64],
        max_iter: usize,
        tol: f64,
        fields: &[bool; NUM_FIELDS],
    ) -> Self {
        let start = self.clone();
        let patterns: Vec<(usize, [u8; NUM_FIELDS], f64)> = pattern_counts
            .iter()
            .enumerate()
            .filter(|&(_, &c)| c > 0)
            .map(|(p, &c)| (p, decode_pattern(p), c as f64))
            .collect();
        let total: f64 = patterns.iter().map(|p| p.2).sum();
        if total < 10.0 {
            return start;
        }
        const ALPHA: f64 = 0.5;
        let mut iterations = 0;
        for _ in 0..max_iter {
            iterations += 1;
            let mut mc: Vec<Vec<f64>> = LEVELS.iter().map(|&l| vec![0.0; usize::from(l)]).collect();
            let mut uc = mc.clone();
            let mut lam_acc = 0.0;
            let lw = self.lambda.ln();
            let lu = (1.0 - self.lambda).ln();
            for (_, levels, c) in &patterns {
                let mut a = lw;
                let mut b = lu;
                for f in 0..NUM_FIELDS {
                    let l = levels[f];
                    if l != NULL_LEVEL {
                        a += self.m[f][usize::from(l)].ln();
                        b += self.u[f][usize::from(l)].ln();
                    }
                }
                let post = 1.0 / (1.0 + (b - a).exp());
                lam_acc += c * post;
                for f in 0..NUM_FIELDS {
                    let l = levels[f];
                    if l != NULL_LEVEL {
                        mc[f][usize::from(l)] += c * post;
                        uc[f][usize::from(l)] += c * (1.0 - post);
                    }
                }
            }
            let new_lambda = (lam_acc / total).clamp(1e-6, 1.0 - 1e-6);
            let mut delta = (new_lambda - self.lambda).abs();
            self.lambda = new_lambda;
            for f in 0..NUM_FIELDS {
                for v in [&mut mc[f], &mut uc[f]] {
                    for x in v.iter_mut() {
                        *x += ALPHA;
                    }
                    normalise(v);
                }
                for l in 0..mc[f].len() {
                    delta = delta
                        .max((mc[f][l] - self.m[f][l]).abs())
                        .max((uc[f][l] - self.u[f][l]).abs());
                }
                self.m[f] = std::mem::take(&mut mc[f]);
                self.u[f] = std::mem::take(&mut uc[f]);
            }
            if delta < tol {
                break;
            }
        }
        self.iterations = iterations;
        // Sanity: the match class must favour the best level of the decisive fields, compared
        // with random pairs (u of the start model). A session where nearly every pair matches
        // (λ → 1, e.g. pairs sharing a personal ID) is fine: its m is still identified.
        let w = |f: Field, l: u8| -> f64 {
            let (f, l) = (f as usize, usize::from(l));
            (self.m[f][l] / start.u[f][l]).log2()
        };
        let checks = [
            (
                fields[Field::Name as usize],
                w(Field::Name, name_level::EXACT) > 0.0,
                "name exact weight<=0",
            ),
            (
                fields[Field::BirthDate as usize],
                w(Field::BirthDate, DateLevel::Exact as u8) > 0.0,
                "birth date exact weight<=0",
            ),
            (
                fields[Field::PersonalId as usize],
                w(Field::PersonalId, PidLevel::Exact as u8) > 0.0,
                "personal id exact weight<=0",
            ),
            (
                fields[Field::Guardian as usize],
                w(Field::Guardian, guardian_level::DIFFERENT) < 0.0,
                "guardian different weight>=0",
            ),
            (
                fields[Field::PersonalId as usize],
                w(Field::PersonalId, PidLevel::Different as u8) < 0.0,
                "personal id different weight>=0",
            ),
            (
                fields[Field::BirthDate as usize],
                w(Field::BirthDate, DateLevel::Different as u8) < 0.0,
                "birth date different weight>=0",
            ),
            (
                fields[Field::Name as usize],
                w(Field::Name, name_level::DIFFERENT) < 0.0,
                "name different weight>=0",
            ),
        ];
        let failed: Vec<&str> = checks.iter().filter(|c| c.0 && !c.1).map(|c| c.2).collect();
        if failed.is_empty() {
            self.em_accepted = true;
            self
        } else {
            Self {
                iterations,
                em_rejected: failed.join(", "),
                ..start
            }
        }
    }

    /// A table of the model: one line per field level with m, u and the weight.
    pub fn describe(&self) -> Vec<String> {
        let mut out = vec![format!(
            "lambda={:.3e} prior_weight={:+.2} lambda_candidates={:.5} em_iterations={} em_accepted={} {}",
            self.lambda,
            self.prior_weight(),
            self.lambda_candidates,
            self.iterations,
            self.em_accepted,
            self.em_rejected
        )];
        for (f, field) in FIELDS.iter().enumerate() {
            for l in 0..usize::from(LEVELS[f]) {
                let level = u8::try_from(l).unwrap_or(0);
                let uc = self
                    .u_candidates
                    .get(f)
                    .and_then(|v| v.get(l))
                    .copied()
                    .unwrap_or(f64::NAN);
                out.push(format!(
                    "{:<11} {:<40} m={:.4} u={:.6} weight={:+.2} (u among candidates {:.4})",
                    format!("{field:?}"),
                    crate::explain::level_label_en(*field, level),
                    self.m[f][l],
                    self.u[f][l],
                    self.level_weight(f, level),
                    uc
                ));
            }
        }
        out
    }
}

/// Whether a comparison vector looks like two siblings: the names differ (not even the given
/// name matches) but the family name is the same.
pub fn siblings(v: &ComparisonVector) -> bool {
    v.levels[Field::Name as usize] == name_level::DIFFERENT && v.notes.same_family
}
