#![allow(clippy::unwrap_used)]
//! Property tests of the max–min fairness option against an independent
//! need-level LP (`common::lp_maxmin`): the floor `t*` equals the LP optimum,
//! every commune reaches it up to the rounding (< 1 đồng per pledge→class
//! pair), the objective is the LP optimum under that floor (up to the same
//! rounding), and every constraint holds in integers.

mod common;

use std::collections::{HashMap, HashSet};

use allocation::{AGE_BANDS, CATEGORIES, Instance, Need, Pledge};
use proptest::prelude::*;

const COMMUNES: [&str; 3] = ["A", "B", "C"];

fn subset(all: &'static [&'static str]) -> impl Strategy<Value = Option<Vec<String>>> {
    prop_oneof![
        1 => Just(None),
        2 => proptest::sample::subsequence(all.to_vec(), 1..=all.len())
            .prop_map(|v| Some(v.into_iter().map(str::to_string).collect())),
    ]
}

fn instance() -> impl Strategy<Value = Instance> {
    let need = (0..3usize, 0..3usize, 0..2usize, 1..60i64, 1..5i64);
    let pledge = (
        1..120i64,
        subset(&COMMUNES),
        subset(&CATEGORIES[..3]),
        subset(&AGE_BANDS[..2]),
    );
    (
        proptest::collection::vec(need, 1..9),
        proptest::collection::vec(pledge, 1..6),
    )
        .prop_map(|(ns, ps)| Instance {
            needs: ns
                .into_iter()
                .enumerate()
                .map(|(i, (c, cat, age, value, priority))| Need {
                    id: format!("N{i}"),
                    commune: COMMUNES[c].into(),
                    category: CATEGORIES[cat].into(),
                    age_band: AGE_BANDS[age].into(),
                    value,
                    priority,
                })
                .collect(),
            pledges: ps
                .into_iter()
                .enumerate()
                .map(|(j, (value, communes, categories, age_bands))| Pledge {
                    id: format!("P{j}"),
                    value,
                    categories,
                    communes,
                    age_bands,
                })
                .collect(),
        })
}

/// Per commune: number of distinct (pledge, category, age band) pairs that
/// may serve it (the pledge→class arcs into the commune).
fn arcs_into(inst: &Instance) -> HashMap<&str, usize> {
    let mut set: HashSet<(&str, &str, &str, &str)> = HashSet::new();
    for p in &inst.pledges {
        for n in &inst.needs {
            if common::allowed(p, n) {
                set.insert((
                    n.commune.as_str(),
                    p.id.as_str(),
                    n.category.as_str(),
                    n.age_band.as_str(),
                ));
            }
        }
    }
    let mut out: HashMap<&str, usize> = HashMap::new();
    for (c, ..) in set {
        *out.entry(c).or_default() += 1;
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn maxmin_matches_the_lp(inst in instance()) {
        let ans = allocation::solve_maxmin(&inst).unwrap();
        // Every constraint, in integers; the objective recomputed.
        common::check_feasible(&inst, &ans);
        let rep = ans.report.clone().unwrap();
        let fr = rep.fairness.clone().unwrap();
        let (t, lp_obj) = common::lp_maxmin(&inst);
        let arcs = arcs_into(&inst);
        // The floor is the LP optimum.
        match (t, fr.lp_min_coverage) {
            (None, None) => {}
            (Some(a), Some(b)) => prop_assert!((a - b).abs() < 1e-7, "oracle t {} ours {}", a, b),
            other => prop_assert!(false, "{:?}", other),
        }
        // Excluded communes are exactly those no pledge may serve.
        for c in &fr.excluded {
            prop_assert!(!arcs.contains_key(c.as_str()), "{} excluded but reachable", c);
        }
        // Every included commune reaches the floor up to < 1 đồng per arc
        // into it; the minimum never exceeds the LP optimum.
        if let Some(t) = t {
            let mut min_cov = f64::INFINITY;
            for cc in &rep.communes {
                let Some(&a) = arcs.get(cc.commune.as_str()) else { continue };
                let floor = t * cc.need_value as f64;
                prop_assert!(
                    cc.allocated as f64 >= floor.floor() - a as f64 + 1.0 - 1e-6,
                    "commune {} got {} floor {} arcs {}", cc.commune, cc.allocated, floor, a
                );
                min_cov = min_cov.min(cc.coverage);
            }
            prop_assert!(min_cov <= t + 1e-9);
            prop_assert!((fr.min_coverage.unwrap() - min_cov).abs() < 1e-12);
        }
        // The objective is the LP optimum under the floor, minus at most
        // 2·max priority per rounded arc.
        prop_assert!((fr.lp_objective - lp_obj).abs() <= 1e-6 * lp_obj.abs().max(1.0),
            "lp2 oracle {} ours {}", lp_obj, fr.lp_objective);
        let max_w = inst.needs.iter().map(|n| 2 * n.priority).max().unwrap_or(0);
        let n_arcs: usize = arcs.values().sum();
        let obj = ans.objective as f64;
        prop_assert!(obj <= lp_obj + 1e-6 * lp_obj.abs().max(1.0), "ours {} lp {}", obj, lp_obj);
        prop_assert!(obj >= lp_obj - (n_arcs as f64) * max_w as f64 - 1e-6, "ours {} lp {}", obj, lp_obj);
        // LP 2 with integer floors is a network LP (pledge → class →
        // commune → sink): its optimal vertex is integral, so the rounding
        // loses nothing here.
        prop_assert!((obj - lp_obj).abs() <= 1e-6 * lp_obj.abs().max(1.0), "ours {} lp {}", obj, lp_obj);
        // Never better than the priority optimum (which has no floor).
        let plain = allocation::solve(&inst).unwrap();
        prop_assert!(ans.objective <= plain.objective);
    }
}
