#![allow(clippy::unwrap_used)]
//! Property tests: on small random instances the solver's objective equals
//! the exact LP optimum (LP is integral here, see `common::lp_optimum`), the
//! answer is feasible, the optimality certificate holds, and warm re-solves
//! after pledge changes equal solves from scratch.

mod common;

use allocation::{AGE_BANDS, CATEGORIES, Instance, Need, Pledge, Solver};
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

/// Instances whose needs all share one class (same commune, category and
/// age band): stresses the disaggregation inside a class.
fn one_class_instance() -> impl Strategy<Value = Instance> {
    (
        proptest::collection::vec((1..60i64, 1..6i64), 1..10),
        proptest::collection::vec(1..150i64, 1..4),
    )
        .prop_map(|(ns, ps)| Instance {
            needs: ns
                .into_iter()
                .enumerate()
                .map(|(i, (value, priority))| Need {
                    id: format!("N{i}"),
                    commune: "A".into(),
                    category: "nutrition".into(),
                    age_band: "primary".into(),
                    value,
                    priority,
                })
                .collect(),
            pledges: ps
                .into_iter()
                .enumerate()
                .map(|(j, value)| Pledge {
                    id: format!("P{j}"),
                    value,
                    categories: None,
                    communes: None,
                    age_bands: None,
                })
                .collect(),
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn objective_equals_lp_optimum(inst in instance()) {
        let mut s = Solver::new(inst.clone()).unwrap();
        s.solve();
        prop_assert!(s.check_optimality());
        let ans = s.answer_with_report();
        common::check_feasible(&inst, &ans);
        let lp = common::lp_optimum(&inst);
        prop_assert!((lp - ans.objective as f64).abs() < 1e-6, "lp {} ours {}", lp, ans.objective);
        // Explanations are consistent with optimality: what an allocation
        // displaced is never worth more per đồng than the allocation, and
        // outranking needs are worth at least the uncovered need.
        let rep = ans.report.unwrap();
        for a in &rep.allocations {
            if let Some(d) = &a.displaced {
                prop_assert!(d.marginal_value <= a.marginal_value, "{:?}", a);
            }
        }
        for u in &rep.uncovered {
            for o in &u.outranked_by {
                prop_assert!(o.marginal_value >= u.marginal_value, "{:?}", u);
            }
        }
    }

    #[test]
    fn one_class_equals_lp_optimum(inst in one_class_instance()) {
        let ans = allocation::solve_with_report(&inst).unwrap();
        common::check_feasible(&inst, &ans);
        let lp = common::lp_optimum(&inst);
        prop_assert!((lp - ans.objective as f64).abs() < 1e-6, "lp {} ours {}", lp, ans.objective);
    }

    #[test]
    fn changes_before_first_solve(inst in instance(), changes in proptest::collection::vec((0..6usize, 1..150i64), 1..4)) {
        let mut s = Solver::new(inst.clone()).unwrap();
        let mut changed = inst.clone();
        for &(j, v) in &changes {
            let j = j % inst.pledges.len();
            s.set_pledge_value_at(j, v).unwrap();
            changed.pledges[j].value = v;
        }
        s.solve();
        prop_assert!(s.check_optimality());
        prop_assert_eq!(s.answer().objective, allocation::solve(&changed).unwrap().objective);
    }

    #[test]
    fn warm_resolve_equals_fresh(inst in instance(), changes in proptest::collection::vec((0..6usize, 1..150i64), 1..4)) {
        let mut s = Solver::new(inst.clone()).unwrap();
        s.solve();
        let mut changed = inst.clone();
        for &(j, v) in &changes {
            let j = j % inst.pledges.len();
            s.set_pledge_value_at(j, v).unwrap();
            changed.pledges[j].value = v;
        }
        s.solve();
        prop_assert!(s.check_optimality());
        let warm = s.answer();
        common::check_feasible(&changed, &warm);
        let fresh = allocation::solve(&changed).unwrap();
        prop_assert_eq!(warm.objective, fresh.objective);
        let lp = common::lp_optimum(&changed);
        prop_assert!((lp - warm.objective as f64).abs() < 1e-6);
    }
}
