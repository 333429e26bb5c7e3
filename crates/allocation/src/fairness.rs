//! Max–min fairness by commune (issue #7, point 5): the *stronger fairness
//! option*, solved as two linear programs (good_lp with the pure-Rust
//! `microlp` simplex) on the class network of [`crate::solver`].
//!
//! # Model (lexicographic)
//! Coverage of a commune `g` = amount allocated to its needs ÷ `V_g`, the
//! total value of its needs. A commune *no pledge may serve* (none of its
//! classes has an eligible pledge) can only ever have coverage 0; it is
//! **excluded** from the floor (otherwise the floor would always be 0) and
//! named in the report.
//! 1. **LP 1:** maximise `t` subject to the flow constraints (pledge values,
//!    class capacities, flows ≥ 0 on allowed pairs) and, for every included
//!    commune, inflow ≥ `t·V_g`. Its optimum `t*` is the best possible
//!    minimum coverage.
//! 2. **LP 2:** maximise the priority objective of issue #7 (half-arcs at
//!    `2·priority` then `priority`) subject to the same flow constraints and
//!    inflow ≥ `⌊t*·V_g⌋` đồng for every included commune. Inside a class the LP
//!    fills higher-profit half-arcs first (the class profit is concave), so
//!    the class flows determine the need amounts exactly as in the priority
//!    solver (same disaggregation, same explanations).
//!
//! LP 1 and LP 2 run on the class network (needs of one commune × category ×
//! age band merged — exact, see `solver.rs`), scaled so that the largest
//! amount is about 1,000 (the simplex tolerance is absolute).
//!
//! # Integer amounts
//! LP 2's constraints form a network: source → pledge (value) → class
//! (pledge→class arcs) → commune (one arc per profit segment of the class)
//! → sink with lower bound `⌊t*·V_g⌋`. Its matrix is totally unimodular and
//! every bound is an integer, so its optimal vertex — what the simplex
//! returns — is integral: the integer answer is **the maximum of the
//! objective among integer allocations giving every included commune at
//! least `⌊t*·V_g⌋` đồng**, and rounding only removes floating-point noise
//! (the property tests check the objective equals the LP's). Whatever the
//! LP returns, the rounding below is safe:
//!
//! ## Rounding — feasible, within 1 đồng per arc
//! The LP flow `x` on each pledge→class arc is rounded **down**:
//! `x̂ = ⌊x⌋` (a value within 10⁻⁶ below an integer — simplex noise — is
//! taken as that integer). Then, in exact integers, any pledge or class whose
//! rounded total still exceeds its value (only possible through simplex
//! noise) is reduced arc by arc. *Claims:*
//! * feasible: every rounded flow is ≥ 0, only on allowed pairs, and every
//!   pledge and class total is ≤ its value — checked in integers after
//!   rounding, by construction;
//! * within 1 đồng per arc: `x − 1 < x̂ ≤ x` (+10⁻⁶), hence every commune
//!   gets at least `t*·V_g − a_g` đồng where `a_g` is the number of
//!   pledge→class arcs into it, and the objective is at least the LP 2
//!   optimum minus `Σ_arcs 2·max priority`.
//!
//! The answer reports `t*` (LP), the minimum coverage actually reached by the
//! integer amounts, the communes at the floor (binding) and the excluded
//! communes. Property tests (`tests/prop_maxmin.rs`) compare with an
//! independent need-level LP.

// Graph code indexes several parallel arrays by node/arc number.
#![allow(clippy::needless_range_loop)]

use std::collections::HashMap;

use good_lp::{
    Expression, ProblemVariables, Solution, SolverModel, Variable, WithTimeLimit, microlp, variable,
};
use serde::{Deserialize, Serialize};

use crate::model::{Answer, Instance, ValidationError};
use crate::solver::Solver;

/// Which optimisation the answer follows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fairness {
    /// The objective of issue #7 alone (min-cost flow, exact).
    #[default]
    Priority,
    /// Maximise the minimum coverage per commune, then the objective (LP).
    Maxmin,
}

/// Label of the max–min option, as shown to people.
pub const MAXMIN_LABEL: &str = "Công bằng tối đa–tối thiểu theo xã / max-min fairness by commune";
/// Label of the default option.
pub const PRIORITY_LABEL: &str = "Ưu tiên (mục tiêu mặc định) / priority objective (default)";

impl Fairness {
    /// `priority` or `maxmin` (as on the command line).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "priority" => Some(Self::Priority),
            "maxmin" => Some(Self::Maxmin),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Priority => PRIORITY_LABEL,
            Self::Maxmin => MAXMIN_LABEL,
        }
    }
}

/// What the max–min option did, attached to the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FairnessReport {
    /// `maxmin`.
    pub mode: Fairness,
    pub label: String,
    /// `t*`, the optimum of LP 1: the best possible minimum coverage over
    /// the included communes (`None` when no commune can be served).
    pub lp_min_coverage: Option<f64>,
    /// The minimum coverage over the included communes reached by the
    /// integer amounts (≥ `t*` minus at most 1 đồng per arc into the commune).
    pub min_coverage: Option<f64>,
    /// The optimum of LP 2 (the objective under the floor), before rounding.
    pub lp_objective: f64,
    /// Communes (fairness groups) at the floor in the LP solution.
    pub binding: Vec<String>,
    /// Communes no pledge may serve: left out of the floor.
    pub excluded: Vec<String>,
    pub explanation: String,
}

/// Why the max–min option could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FairnessError {
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error(
        "Bài toán quy hoạch tuyến tính (công bằng tối đa–tối thiểu, bước {step}) không giải được: {message} / The max-min fairness LP (step {step}) failed: {message}"
    )]
    Lp { step: u8, message: String },
}

/// Max–min fairness by commune (the need's `commune` attribute).
pub fn solve_maxmin(inst: &Instance) -> Result<Answer, FairnessError> {
    solve_maxmin_grouped(inst, &|c: &str| c.to_string(), None)
}

/// Max–min fairness over groups of communes: `group` maps a need's commune
/// attribute to its fairness group (e.g. the product's `unit|period` keys to
/// the unit). A group is a union of communes, so of classes. `time_limit`
/// (seconds, each LP) turns a simplex that runs too long into
/// [`FairnessError::Lp`] — for callers that must answer promptly.
pub fn solve_maxmin_grouped(
    inst: &Instance,
    group: &dyn Fn(&str) -> String,
    time_limit: Option<f64>,
) -> Result<Answer, FairnessError> {
    let mut s = Solver::new(inst.clone())?;
    let lp = maxmin_flow(&s, group, time_limit)?;
    s.set_flow(&lp.int_flow);
    let mut answer = s.answer_with_report();
    let amounts = s.need_amounts();
    // Minimum coverage reached by the integer amounts.
    let mut got = vec![0i64; lp.groups.len()];
    for (i, &a) in amounts.iter().enumerate() {
        got[lp.need_group[i]] += a;
    }
    let min_coverage = lp
        .included
        .iter()
        .enumerate()
        .filter(|(_, inc)| **inc)
        .map(|(g, _)| got[g] as f64 / lp.group_value[g] as f64)
        .reduce(f64::min);
    let pct = |t: f64| format!("{:.2}", 100.0 * t);
    let excluded = lp.excluded_names();
    let explanation = match lp.t {
        None => format!(
            "{MAXMIN_LABEL}: không xã nào có cam kết phù hợp; không có sàn / no commune can be served by any pledge; no floor"
        ),
        Some(t) => {
            let ex_vi = if excluded.is_empty() {
                String::new()
            } else {
                format!(
                    " Không tính các xã không cam kết nào được phép dùng (độ phủ luôn bằng 0): {}.",
                    excluded.join(", ")
                )
            };
            let ex_en = if excluded.is_empty() {
                String::new()
            } else {
                format!(
                    " Communes no pledge may serve are left out (their coverage is always 0): {}.",
                    excluded.join(", ")
                )
            };
            format!(
                "{MAXMIN_LABEL}. Bước 1 (quy hoạch tuyến tính): mỗi xã được phủ ít nhất {p}% nhu cầu — mức sàn cao nhất có thể; các xã ở đúng mức sàn: {b}. Bước 2: trong giới hạn đó, tối đa hoá mục tiêu ưu tiên; số tiền được làm tròn xuống đồng (mỗi cặp lệch < 1 đồng).{ex_vi} / Step 1 (linear programme): every commune gets at least {p}% of its need — the highest floor possible; communes exactly at the floor: {b}. Step 2: within that floor, the priority objective is maximised; amounts rounded down to the đồng (< 1 đồng per pair).{ex_en}",
                p = pct(t),
                b = lp.binding.join(", ")
            )
        }
    };
    if let Some(report) = answer.report.as_mut() {
        // Explanations that rank by marginal value do not hold where the
        // floor moved money: say so instead.
        for u in &mut report.uncovered {
            if u.outranked_by
                .iter()
                .any(|o| o.marginal_value < u.marginal_value)
            {
                let list = u
                    .outranked_by
                    .iter()
                    .map(|o| o.need.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                u.reason = "fairness_floor".into();
                u.explanation = format!(
                    "Các cam kết phù hợp được dùng để đưa các xã lên mức sàn công bằng ({p}%): {list} / Eligible pledges were used to lift communes to the fairness floor ({p}%): {list}",
                    p = lp.t.map_or_else(|| "0".into(), pct)
                );
            }
        }
        report.fairness = Some(FairnessReport {
            mode: Fairness::Maxmin,
            label: MAXMIN_LABEL.into(),
            lp_min_coverage: lp.t,
            min_coverage,
            lp_objective: lp.objective,
            binding: lp.binding.clone(),
            excluded,
            explanation,
        });
    }
    Ok(answer)
}

/// The two LPs and the rounded flow on the class network.
pub(crate) struct MaxminFlow {
    /// Rounded flow per arc.
    pub int_flow: Vec<i64>,
    pub t: Option<f64>,
    pub objective: f64,
    pub groups: Vec<String>,
    pub group_value: Vec<i64>,
    pub included: Vec<bool>,
    pub need_group: Vec<usize>,
    pub binding: Vec<String>,
}

impl MaxminFlow {
    fn excluded_names(&self) -> Vec<String> {
        self.groups
            .iter()
            .zip(&self.included)
            .filter(|(_, inc)| !**inc)
            .map(|(g, _)| g.clone())
            .collect()
    }
}

fn lp_err(step: u8) -> impl Fn(good_lp::ResolutionError) -> FairnessError {
    move |e| FairnessError::Lp {
        step,
        message: e.to_string(),
    }
}

/// Flow variables and the shared constraints of LP 1 and LP 2.
struct Base {
    x: Vec<Variable>,
    constraints: Vec<good_lp::Constraint>,
    group_in: Vec<Expression>,
}

fn base(
    s: &Solver,
    vars: &mut ProblemVariables,
    scale: f64,
    class_group: &[usize],
    ng: usize,
) -> Base {
    let np = s.stats.pledges;
    let nc = s.stats.classes;
    let x: Vec<Variable> = (0..s.pair_class.len())
        .map(|_| vars.add(variable().min(0.0)))
        .collect();
    let mut constraints = Vec::new();
    for p in 0..np {
        let (b, e) = (s.p_start[p], s.p_start[p + 1]);
        if b == e {
            continue;
        }
        let out: Expression = x[b..e].iter().sum();
        constraints.push(out.leq(s.inst.pledges[p].value as f64 / scale));
    }
    let mut class_in: Vec<Expression> = vec![Expression::from(0.0); nc];
    for (k, &c) in s.pair_class.iter().enumerate() {
        class_in[c as usize] += x[k];
    }
    let mut group_in: Vec<Expression> = vec![Expression::from(0.0); ng];
    for c in 0..nc {
        if s.c_start[c] == s.c_start[c + 1] {
            continue;
        }
        let cap: i64 = s.ca_cap[s.ca_start[c]..s.ca_start[c + 1]].iter().sum();
        constraints.push(class_in[c].clone().leq(cap as f64 / scale));
        group_in[class_group[c]] += class_in[c].clone();
    }
    Base {
        x,
        constraints,
        group_in,
    }
}

pub(crate) fn maxmin_flow(
    s: &Solver,
    group: &dyn Fn(&str) -> String,
    time_limit: Option<f64>,
) -> Result<MaxminFlow, FairnessError> {
    let nc = s.stats.classes;
    // Fairness groups.
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut groups: Vec<String> = Vec::new();
    let mut commune_group = Vec::with_capacity(s.prep.communes.len());
    for c in &s.prep.communes {
        let g = group(c);
        let next = groups.len();
        let gi = *index.entry(g.clone()).or_insert_with(|| {
            groups.push(g);
            next
        });
        commune_group.push(gi);
    }
    let ng = groups.len();
    let need_group: Vec<usize> = s
        .prep
        .need_commune
        .iter()
        .map(|&cm| commune_group[cm as usize])
        .collect();
    let mut group_value = vec![0i64; ng];
    for (i, n) in s.inst.needs.iter().enumerate() {
        group_value[need_group[i]] += n.value;
    }
    let class_group: Vec<usize> = (0..nc)
        .map(|c| need_group[s.cn_list[s.cn_start[c]] as usize])
        .collect();
    let mut included = vec![false; ng];
    for c in 0..nc {
        if s.c_start[c] < s.c_start[c + 1] {
            included[class_group[c]] = true;
        }
    }
    let max_amount = s
        .inst
        .pledges
        .iter()
        .map(|p| p.value)
        .chain(group_value.iter().copied())
        .max()
        .unwrap_or(1);
    let scale = (max_amount as f64 / 1000.0).max(1.0);

    // LP 1: the best floor t*.
    let t = if included.iter().any(|&i| i) {
        let mut vars = ProblemVariables::new();
        let tv = vars.add(variable().min(0.0).max(1.0));
        let b = base(s, &mut vars, scale, &class_group, ng);
        let mut model = vars.maximise(tv).using(microlp);
        if let Some(limit) = time_limit {
            model = model.with_time_limit(limit);
        }
        for c in b.constraints {
            model = model.with(c);
        }
        for g in 0..ng {
            if included[g] {
                let v = group_value[g] as f64 / scale;
                model = model.with((b.group_in[g].clone() - v * tv).geq(0.0));
            }
        }
        let sol = model.solve().map_err(lp_err(1))?;
        Some(sol.value(tv).clamp(0.0, 1.0))
    } else {
        None
    };

    // LP 2: the objective under the floor. Each commune's floor is first
    // the integer ⌊t*·V_g⌋ (a value within 10⁻⁶ below an integer counts as
    // that integer); if simplex noise makes that infeasible, t*·V_g relaxed
    // by 10⁻⁷ then 10⁻⁵ (relative).
    let mut last_err = None;
    for relax in [0.0, 1e-7, 1e-5] {
        let mut vars = ProblemVariables::new();
        let b = base(s, &mut vars, scale, &class_group, ng);
        let mut objective = Expression::from(0.0);
        let mut seg_sum: Vec<Expression> = vec![Expression::from(0.0); nc];
        for c in 0..nc {
            if s.c_start[c] == s.c_start[c + 1] {
                continue;
            }
            let (mut k, e) = (s.ca_start[c], s.ca_start[c + 1]);
            while k < e {
                let w = s.ca_weight[k];
                let mut cap = 0i64;
                while k < e && s.ca_weight[k] == w {
                    cap += s.ca_cap[k];
                    k += 1;
                }
                let y = vars.add(variable().min(0.0).max(cap as f64 / scale));
                objective += (w as f64) * y;
                seg_sum[c] += y;
            }
        }
        let mut class_in: Vec<Expression> = vec![Expression::from(0.0); nc];
        for (k, &c) in s.pair_class.iter().enumerate() {
            class_in[c as usize] += b.x[k];
        }
        let mut model = vars.maximise(objective.clone()).using(microlp);
        if let Some(limit) = time_limit {
            model = model.with_time_limit(limit);
        }
        for c in b.constraints {
            model = model.with(c);
        }
        for c in 0..nc {
            if s.c_start[c] < s.c_start[c + 1] {
                model = model.with((class_in[c].clone() - seg_sum[c].clone()).eq(0.0));
            }
        }
        if let Some(t) = t {
            for g in 0..ng {
                if included[g] {
                    let exact = t * group_value[g] as f64;
                    let floor = if relax == 0.0 {
                        (exact + 1e-6).floor()
                    } else {
                        exact * (1.0 - relax)
                    } / scale;
                    model = model.with(b.group_in[g].clone().geq(floor));
                }
            }
        }
        match model.solve() {
            Ok(sol) => {
                let lp_flow: Vec<f64> = b.x.iter().map(|&v| sol.value(v) * scale).collect();
                let int_flow = round_flow(s, &lp_flow);
                let mut lp_in = vec![0.0f64; ng];
                for (k, &c) in s.pair_class.iter().enumerate() {
                    lp_in[class_group[c as usize]] += lp_flow[k];
                }
                let binding = match t {
                    None => Vec::new(),
                    Some(t) => (0..ng)
                        .filter(|&g| {
                            included[g]
                                && lp_in[g] <= t * group_value[g] as f64 * (1.0 + 1e-6) + 1e-3
                        })
                        .map(|g| groups[g].clone())
                        .collect(),
                };
                return Ok(MaxminFlow {
                    objective: sol.eval(&objective) * scale,
                    int_flow,
                    t,
                    groups,
                    group_value,
                    included,
                    need_group,
                    binding,
                });
            }
            Err(e) => last_err = Some(e),
        }
    }
    Err(lp_err(2)(
        last_err.unwrap_or(good_lp::ResolutionError::Infeasible),
    ))
}

/// Rounds an LP flow down to integers and enforces pledge values and class
/// capacities exactly (see the module docs).
fn round_flow(s: &Solver, lp: &[f64]) -> Vec<i64> {
    let mut f: Vec<i64> = lp
        .iter()
        .map(|&x| {
            if x <= 0.0 {
                0
            } else {
                let r = x.round();
                if (x - r).abs() <= 1e-6 {
                    r as i64
                } else {
                    x.floor() as i64
                }
            }
        })
        .collect();
    for p in 0..s.stats.pledges {
        let (b, e) = (s.p_start[p], s.p_start[p + 1]);
        let mut excess: i64 = f[b..e].iter().sum::<i64>() - s.inst.pledges[p].value;
        for k in (b..e).rev() {
            if excess <= 0 {
                break;
            }
            let take = f[k].min(excess);
            f[k] -= take;
            excess -= take;
        }
    }
    for c in 0..s.stats.classes {
        let cap: i64 = s.ca_cap[s.ca_start[c]..s.ca_start[c + 1]].iter().sum();
        let mut excess: i64 = (s.c_start[c]..s.c_start[c + 1])
            .map(|i| f[s.c_pair[i] as usize])
            .sum::<i64>()
            - cap;
        for i in (s.c_start[c]..s.c_start[c + 1]).rev() {
            if excess <= 0 {
                break;
            }
            let k = s.c_pair[i] as usize;
            let take = f[k].min(excess);
            f[k] -= take;
            excess -= take;
        }
    }
    f
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::model::{Need, Pledge};

    fn inst() -> Instance {
        let need = |id: &str, commune: &str, value: i64| Need {
            id: id.into(),
            commune: commune.into(),
            category: "nutrition".into(),
            age_band: "primary".into(),
            value,
            priority: 1,
        };
        let pledge = |id: &str, value: i64| Pledge {
            id: id.into(),
            value,
            categories: None,
            communes: None,
            age_bands: None,
        };
        Instance {
            needs: vec![need("A", "a", 10), need("B", "b", 10)],
            pledges: vec![pledge("P", 7), pledge("Q", 12)],
        }
    }

    /// Rounding down, snapping simplex noise, and clamping an over-full
    /// pledge or class in integers: always feasible, always within 1 đồng
    /// of the LP value per arc (noise aside).
    #[test]
    fn rounding_is_feasible_and_within_one_per_arc() {
        let s = Solver::new(inst()).expect("the hand-made instance is valid");
        // Arcs: P→a, P→b, Q→a, Q→b (pledges by index, classes ascending).
        assert_eq!(s.pair_class, vec![0, 1, 0, 1]);
        let cases: [[f64; 4]; 4] = [
            [3.5, 3.5, 6.5, 5.5],
            [2.9999999999, 4.0000000001, 7.0, 5.0],
            // Noise snaps P's arcs up to 4 + 4 > 7: clamped in integers.
            [3.9999995, 3.9999995, 6.0, 6.0],
            [0.0, -1e-9, 9.99, 2.01],
        ];
        for lp in cases {
            let f = round_flow(&s, &lp);
            for (x, r) in lp.iter().zip(&f) {
                assert!(
                    *r >= 0 && (*r as f64) <= x + 1e-6 && (*r as f64) > x - 1.0 - 1e-6,
                    "{lp:?} {f:?}"
                );
            }
            assert!(f[0] + f[1] <= 7 && f[2] + f[3] <= 12, "{lp:?} {f:?}");
            assert!(f[0] + f[2] <= 10 && f[1] + f[3] <= 10, "{lp:?} {f:?}");
        }
        assert_eq!(round_flow(&s, &cases[1]), vec![3, 4, 7, 5]);
        assert_eq!(round_flow(&s, &cases[0]), vec![3, 3, 6, 5]);
        assert_eq!(round_flow(&s, &cases[2]), vec![4, 3, 6, 6]);
    }
}
