//! Explanations: why each allocation, why each need is not fully covered,
//! coverage per commune and the Gini coefficient of coverage ratios.

// Graph code indexes several parallel arrays by node/arc number.
#![allow(clippy::needless_range_loop)]

use serde::{Deserialize, Serialize};

use crate::model::Answer;
use crate::solver::Solver;

/// Explanation report attached to an [`Answer`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub summary: Summary,
    pub communes: Vec<CommuneCoverage>,
    pub allocations: Vec<AllocationWhy>,
    pub uncovered: Vec<UncoveredWhy>,
    /// Present when the max–min fairness option was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fairness: Option<crate::fairness::FairnessReport>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub needs: usize,
    pub pledges: usize,
    pub need_classes: usize,
    pub allowed_pairs: u64,
    pub total_need: i64,
    pub total_pledged: i64,
    pub allocated: i64,
    pub unallocated_pledge_value: i64,
    pub needs_fully_covered: usize,
    pub needs_at_least_half_covered: usize,
    pub needs_not_fully_covered: usize,
    /// Gini coefficient of the coverage ratios of communes (0 = equal).
    pub gini_commune_coverage: f64,
    /// Gini coefficient of the coverage ratios of needs.
    pub gini_need_coverage: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommuneCoverage {
    pub commune: String,
    pub need_value: i64,
    pub allocated: i64,
    pub coverage: f64,
}

/// Why an allocation was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AllocationWhy {
    pub pledge: String,
    pub need: String,
    pub value: i64,
    pub priority: i64,
    /// Objective gained by the last đồng given to this need (2·priority in
    /// the first half of the need, priority in the second half).
    pub marginal_value: i64,
    pub restrictions_met: String,
    /// The best eligible use of this pledge's money that was left unfilled:
    /// what this allocation displaced (its marginal value is never higher).
    pub displaced: Option<Displaced>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Displaced {
    pub need: String,
    pub marginal_value: i64,
}

/// Why a need did not receive its full value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UncoveredWhy {
    pub need: String,
    pub value: i64,
    pub covered: i64,
    /// `no_eligible_pledge`, `outranked` or (max–min option only)
    /// `fairness_floor`.
    pub reason: String,
    /// Objective the next đồng would have gained here.
    pub marginal_value: i64,
    pub explanation: String,
    /// Needs that took the money of this need's eligible pledges with the
    /// lowest marginal value (each ≥ this need's marginal value).
    pub outranked_by: Vec<Outranker>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outranker {
    pub need: String,
    pub pledge: String,
    pub marginal_value: i64,
}

/// Gini coefficient of non-negative values (0 when empty or all zero).
pub fn gini(values: &[f64]) -> f64 {
    let n = values.len();
    if n == 0 {
        return 0.0;
    }
    let mut v: Vec<f64> = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let sum: f64 = v.iter().sum();
    if sum <= 0.0 {
        return 0.0;
    }
    let weighted: f64 = v
        .iter()
        .enumerate()
        .map(|(i, x)| (i as f64 + 1.0) * x)
        .sum();
    let nf = n as f64;
    (2.0 * weighted) / (nf * sum) - (nf + 1.0) / nf
}

fn next_unit(value: i64, priority: i64, f: i64) -> i64 {
    if f < value / 2 {
        2 * priority
    } else if f < value {
        priority
    } else {
        0
    }
}

fn last_unit(value: i64, priority: i64, f: i64) -> i64 {
    if f <= 0 {
        0
    } else if f <= value / 2 {
        2 * priority
    } else {
        priority
    }
}

impl Solver {
    /// The answer with its explanation report.
    pub fn answer_with_report(&self) -> Answer {
        let amounts = self.need_amounts();
        let triples = self.allocation_triples(&amounts);
        let inst = &self.inst;
        let np = inst.pledges.len();
        let nn = inst.needs.len();
        let nc = self.stats.classes;

        let next: Vec<i64> = (0..nn)
            .map(|i| next_unit(inst.needs[i].value, inst.needs[i].priority, amounts[i]))
            .collect();
        let last: Vec<i64> = (0..nn)
            .map(|i| last_unit(inst.needs[i].value, inst.needs[i].priority, amounts[i]))
            .collect();
        // Best unfilled need of each class.
        let mut class_best: Vec<Option<u32>> = vec![None; nc];
        for (c, best) in class_best.iter_mut().enumerate() {
            for &i in &self.cn_list[self.cn_start[c]..self.cn_start[c + 1]] {
                let i_us = i as usize;
                if next[i_us] > 0 && best.is_none_or(|b| next[i_us] > next[b as usize]) {
                    *best = Some(i);
                }
            }
        }
        // Best unfilled eligible need of each pledge.
        let mut pledge_alt: Vec<Option<u32>> = vec![None; np];
        for (p, alt) in pledge_alt.iter_mut().enumerate() {
            for k in self.p_start[p]..self.p_start[p + 1] {
                if let Some(i) = class_best[self.pair_class[k] as usize]
                    && alt.is_none_or(|b| next[i as usize] > next[b as usize])
                {
                    *alt = Some(i);
                }
            }
        }
        // Per pledge, its allocation with the lowest marginal value.
        let mut pledge_min: Vec<Option<(u32, i64)>> = vec![None; np];
        for &(p, n, _) in &triples {
            let m = last[n as usize];
            let slot = &mut pledge_min[p as usize];
            if slot.is_none_or(|(_, bm)| m < bm) {
                *slot = Some((n, m));
            }
        }

        let mut allocations = Vec::with_capacity(triples.len());
        for &(p, n, v) in &triples {
            let (p, n) = (p as usize, n as usize);
            let displaced = pledge_alt[p]
                .filter(|&a| a as usize != n)
                .map(|a| Displaced {
                    need: inst.needs[a as usize].id.clone(),
                    marginal_value: next[a as usize],
                });
            allocations.push(AllocationWhy {
                pledge: inst.pledges[p].id.clone(),
                need: inst.needs[n].id.clone(),
                value: v,
                priority: inst.needs[n].priority,
                marginal_value: last[n],
                restrictions_met: self.restrictions_met(p, n),
                displaced,
            });
        }

        // Uncovered needs.
        let mut class_outrankers: Vec<Option<Vec<Outranker>>> = vec![None; nc];
        let mut uncovered = Vec::new();
        for i in 0..nn {
            let nd = &inst.needs[i];
            if amounts[i] >= nd.value {
                continue;
            }
            let c = self.need_class[i] as usize;
            if self.c_start[c] == self.c_start[c + 1] {
                uncovered.push(UncoveredWhy {
                    need: nd.id.clone(),
                    value: nd.value,
                    covered: amounts[i],
                    reason: "no_eligible_pledge".into(),
                    marginal_value: next[i],
                    explanation: format!(
                        "Không cam kết nào được phép dùng cho xã {}, danh mục {}, nhóm tuổi {} / No pledge may serve commune {}, category {}, age band {}",
                        nd.commune, nd.category, nd.age_band, nd.commune, nd.category, nd.age_band
                    ),
                    outranked_by: Vec::new(),
                });
                continue;
            }
            let outr = class_outrankers[c].get_or_insert_with(|| {
                let mut cands: Vec<(i64, u32, u32)> = Vec::new();
                for j in self.c_start[c]..self.c_start[c + 1] {
                    let p = self.c_pledge[j];
                    if let Some((n, m)) = pledge_min[p as usize] {
                        cands.push((m, n, p));
                    }
                }
                cands.sort_unstable();
                cands.dedup_by_key(|x| x.1);
                cands
                    .into_iter()
                    .take(3)
                    .map(|(m, n, p)| Outranker {
                        need: inst.needs[n as usize].id.clone(),
                        pledge: inst.pledges[p as usize].id.clone(),
                        marginal_value: m,
                    })
                    .collect()
            });
            let own: Vec<&Outranker> = outr.iter().filter(|o| o.need != nd.id).collect();
            let tied = own.iter().any(|o| o.marginal_value == next[i]);
            let explanation = if own.is_empty() {
                format!(
                    "Các cam kết phù hợp đã dùng hết cho chính nhu cầu này / The eligible pledges are used up by this need itself (covered {} of {})",
                    amounts[i], nd.value
                )
            } else {
                let list = own
                    .iter()
                    .map(|o| format!("{} ({}/đ)", o.need, o.marginal_value))
                    .collect::<Vec<_>>()
                    .join(", ");
                let (tie_vi, tie_en) = if tied {
                    (
                        " (hoà giá trị biên: chia theo tỉ lệ)",
                        " (tie in marginal value: split proportionally)",
                    )
                } else {
                    ("", "")
                };
                format!(
                    "Các cam kết phù hợp đã dùng hết cho nhu cầu có giá trị biên ≥ {m}/đ: {list}{tie_vi} / Eligible pledges are used up by needs worth ≥ {m} per đồng: {list}{tie_en}",
                    m = next[i]
                )
            };
            uncovered.push(UncoveredWhy {
                need: nd.id.clone(),
                value: nd.value,
                covered: amounts[i],
                reason: "outranked".into(),
                marginal_value: next[i],
                explanation,
                outranked_by: outr.clone(),
            });
        }

        // Coverage per commune.
        let ncomm = self.prep.communes.len();
        let mut need_v = vec![0i64; ncomm];
        let mut got = vec![0i64; ncomm];
        for i in 0..nn {
            let cm = self.prep.need_commune[i] as usize;
            need_v[cm] += inst.needs[i].value;
            got[cm] += amounts[i];
        }
        let communes: Vec<CommuneCoverage> = (0..ncomm)
            .map(|cm| CommuneCoverage {
                commune: self.prep.communes[cm].clone(),
                need_value: need_v[cm],
                allocated: got[cm],
                coverage: ratio(got[cm], need_v[cm]),
            })
            .collect();
        let commune_ratios: Vec<f64> = communes.iter().map(|c| c.coverage).collect();
        let need_ratios: Vec<f64> = (0..nn)
            .map(|i| ratio(amounts[i], inst.needs[i].value))
            .collect();
        let allocated: i64 = amounts.iter().sum();
        let total_pledged: i64 = inst.pledges.iter().map(|p| p.value).sum();
        let summary = Summary {
            needs: nn,
            pledges: np,
            need_classes: nc,
            allowed_pairs: self.stats.allowed_pairs,
            total_need: inst.needs.iter().map(|n| n.value).sum(),
            total_pledged,
            allocated,
            unallocated_pledge_value: total_pledged - allocated,
            needs_fully_covered: (0..nn)
                .filter(|&i| amounts[i] >= inst.needs[i].value)
                .count(),
            needs_at_least_half_covered: (0..nn)
                .filter(|&i| 2 * amounts[i] >= inst.needs[i].value)
                .count(),
            needs_not_fully_covered: uncovered.len(),
            gini_commune_coverage: gini(&commune_ratios),
            gini_need_coverage: gini(&need_ratios),
        };
        Answer {
            objective: self.objective_of(&amounts),
            allocations: triples
                .iter()
                .map(|&(p, n, v)| crate::model::Allocation {
                    pledge: inst.pledges[p as usize].id.clone(),
                    need: inst.needs[n as usize].id.clone(),
                    value: v,
                })
                .collect(),
            report: Some(Report {
                summary,
                communes,
                allocations,
                uncovered,
                fairness: None,
            }),
        }
    }
}

fn ratio(a: i64, b: i64) -> f64 {
    if b <= 0 { 0.0 } else { a as f64 / b as f64 }
}
