#![allow(clippy::unwrap_used)]
//! Hand-made instances: greedy traps, validation errors, report contents.

mod common;

use allocation::{Instance, Solver, ValidationError, generator, gini, solve, solve_with_report};
use common::{check_feasible, lp_optimum, need, pledge};

fn amount(ans: &allocation::Answer, p: &str, n: &str) -> i64 {
    ans.allocations
        .iter()
        .filter(|a| a.pledge == p && a.need == n)
        .map(|a| a.value)
        .sum()
}

/// "Highest priority first" gives P1 to A and leaves B with nothing while
/// P2 sits idle; the optimum routes A through P2 and B through P1.
#[test]
fn trap_priority_greedy_uses_wrong_pledge() {
    let inst = Instance {
        needs: vec![
            need("A", "X", "nutrition", 100, 3),
            need("B", "Y", "nutrition", 100, 2),
        ],
        pledges: vec![
            pledge("P1", 100, None, None),
            pledge("P2", 100, Some(&["X"]), None),
        ],
    };
    let ans = solve(&inst).unwrap();
    check_feasible(&inst, &ans);
    assert_eq!(ans.objective, 3 * 150 + 2 * 150);
    assert_eq!(amount(&ans, "P2", "A"), 100);
    assert_eq!(amount(&ans, "P1", "B"), 100);
}

/// The first half of a lower-priority need (2·2 = 4 per đồng) beats the
/// second half of a higher-priority one (3 per đồng).
#[test]
fn trap_first_half_of_lower_priority_wins() {
    let inst = Instance {
        needs: vec![
            need("A", "X", "nutrition", 100, 3),
            need("B", "X", "healthcare", 100, 2),
        ],
        pledges: vec![pledge("P1", 100, None, None)],
    };
    let ans = solve(&inst).unwrap();
    check_feasible(&inst, &ans);
    assert_eq!(ans.objective, 3 * 100 + 2 * 100);
    assert_eq!(amount(&ans, "P1", "A"), 50);
    assert_eq!(amount(&ans, "P1", "B"), 50);
}

/// A chain: serving C requires moving B from P2 to P3 and A from P1 to P2
/// (an augmenting path of length 5 through reverse arcs).
#[test]
fn trap_needs_chain_of_reroutes() {
    let inst = Instance {
        needs: vec![
            need("A", "X", "nutrition", 10, 5),
            need("B", "Y", "nutrition", 10, 4),
            need("C", "Z", "nutrition", 10, 3),
        ],
        pledges: vec![
            pledge("P1", 10, Some(&["X", "Z"]), None),
            pledge("P2", 10, Some(&["X", "Y"]), None),
            pledge("P3", 10, Some(&["Y"]), None),
        ],
    };
    let ans = solve(&inst).unwrap();
    check_feasible(&inst, &ans);
    assert_eq!(ans.objective, (5 + 4 + 3) * 15);
    assert_eq!(ans.objective as f64, lp_optimum(&inst));
}

/// Needs of one class with different priorities: disaggregation must fill
/// by marginal value, not by need order.
#[test]
fn class_disaggregation_by_marginal_value() {
    let inst = Instance {
        needs: vec![
            need("low", "X", "nutrition", 100, 1),
            need("high", "X", "nutrition", 100, 4),
            need("mid", "X", "nutrition", 100, 3),
        ],
        pledges: vec![pledge("P", 150, None, None)],
    };
    let ans = solve(&inst).unwrap();
    check_feasible(&inst, &ans);
    // profits: high 8 (50), mid 6 (50), high 4 (50) — total 150.
    assert_eq!(ans.objective, 8 * 50 + 6 * 50 + 4 * 50);
    assert_eq!(amount(&ans, "P", "high"), 100);
    assert_eq!(amount(&ans, "P", "mid"), 50);
    assert_eq!(amount(&ans, "P", "low"), 0);
}

#[test]
fn odd_values_and_value_one() {
    let inst = Instance {
        needs: vec![need("A", "X", "other", 1, 2), need("B", "X", "other", 7, 1)],
        pledges: vec![pledge("P", 5, None, None)],
    };
    let ans = solve(&inst).unwrap();
    check_feasible(&inst, &ans);
    assert_eq!(ans.objective as f64, lp_optimum(&inst));
}

#[test]
fn empty_instance() {
    let ans = solve(&Instance::default()).unwrap();
    assert!(ans.allocations.is_empty());
    assert_eq!(ans.objective, 0);
}

#[test]
fn json_round_trip_and_format() {
    let text = r#"{"needs":[{"id":"N1","commune":"20056","category":"warm_clothing","age_band":"primary","value":4800000,"priority":3}],
                  "pledges":[{"id":"P1","value":25000000,"categories":["warm_clothing"],"communes":null,"age_bands":null}]}"#;
    let inst = Instance::from_json(text).unwrap();
    let ans = solve(&inst).unwrap();
    let json = serde_json::to_value(&ans).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"allocations":[{"pledge":"P1","need":"N1","value":4800000}],"objective":3*(2*2400000+2400000)})
    );
}

fn err(inst: Instance) -> ValidationError {
    Solver::new(inst).unwrap_err()
}

#[test]
fn validation_errors_name_the_item() {
    let base = || Instance {
        needs: vec![need("N1", "X", "nutrition", 10, 1)],
        pledges: vec![pledge("P1", 10, None, None)],
    };
    let mut i = base();
    i.needs.push(need("N1", "X", "nutrition", 10, 1));
    assert_eq!(err(i), ValidationError::DuplicateNeedId { id: "N1".into() });
    let mut i = base();
    i.pledges.push(pledge("P1", 3, None, None));
    assert_eq!(
        err(i),
        ValidationError::DuplicatePledgeId { id: "P1".into() }
    );
    let mut i = base();
    i.needs[0].value = 0;
    let e = err(i);
    assert_eq!(
        e.to_string(),
        "Nhu cầu N1: giá trị phải > 0 (nhận 0) / Need N1: value must be > 0 (got 0)"
    );
    let mut i = base();
    i.pledges[0].value = -5;
    assert!(matches!(
        err(i),
        ValidationError::PledgeValue { value: -5, .. }
    ));
    let mut i = base();
    i.needs[0].priority = 0;
    assert!(matches!(
        err(i),
        ValidationError::Priority { priority: 0, .. }
    ));
    let mut i = base();
    i.needs[0].category = "toys".into();
    let e = err(i);
    assert!(e.to_string().contains("unknown category \"toys\""), "{e}");
    let mut i = base();
    i.needs[0].age_band = "adult".into();
    assert!(matches!(err(i), ValidationError::NeedAgeBand { .. }));
    let mut i = base();
    i.pledges[0].categories = Some(vec!["toys".into()]);
    assert!(matches!(err(i), ValidationError::PledgeCategory { .. }));
    let mut i = base();
    i.pledges[0].age_bands = Some(vec!["adult".into()]);
    assert!(matches!(err(i), ValidationError::PledgeAgeBand { .. }));
    let mut i = base();
    i.pledges[0].communes = Some(vec![]);
    assert_eq!(
        err(i),
        ValidationError::EmptyRestriction {
            id: "P1".into(),
            field: "communes"
        }
    );
    let mut i = base();
    i.needs[0].id = String::new();
    assert!(matches!(err(i), ValidationError::EmptyNeedId { index: 1 }));
}

#[test]
fn overflow_is_refused() {
    let mut i = Instance {
        needs: vec![
            need("N1", "X", "nutrition", i64::MAX / 2, 1),
            need("N2", "X", "nutrition", i64::MAX / 2 + 10, 1),
        ],
        pledges: vec![pledge("P1", 10, None, None)],
    };
    assert!(matches!(err(i.clone()), ValidationError::Overflow { .. }));
    i.needs.truncate(1);
    i.needs[0].priority = 2;
    // Σ priority·(value + value/2) overflows.
    assert!(matches!(err(i.clone()), ValidationError::Overflow { .. }));
    i.needs[0].value = 10;
    i.pledges.push(pledge("P2", i64::MAX, None, None));
    assert!(matches!(err(i), ValidationError::Overflow { .. }));
}

#[test]
fn malformed_json_is_an_error() {
    let e = Instance::from_json("{\"needs\": [").unwrap_err();
    assert!(matches!(e, ValidationError::Json(_)));
    let e = Instance::from_json("{\"needs\": [{\"id\": \"N1\"}], \"pledges\": []}").unwrap_err();
    assert!(e.to_string().contains("missing field"), "{e}");
}

#[test]
fn report_explains() {
    let inst = Instance {
        needs: vec![
            need("A", "X", "nutrition", 100, 3),
            need("B", "X", "healthcare", 100, 1),
            need("C", "Z", "nutrition", 100, 5),
        ],
        pledges: vec![pledge("P1", 100, Some(&["X"]), None)],
    };
    let ans = solve_with_report(&inst).unwrap();
    check_feasible(&inst, &ans);
    let rep = ans.report.unwrap();
    assert_eq!(rep.summary.allocated, 100);
    let c = rep.uncovered.iter().find(|u| u.need == "C").unwrap();
    assert_eq!(c.reason, "no_eligible_pledge");
    let b = rep.uncovered.iter().find(|u| u.need == "B").unwrap();
    assert_eq!(b.reason, "outranked");
    assert!(b.outranked_by.iter().any(|o| o.need == "A"));
    let a = rep.allocations.iter().find(|a| a.need == "A").unwrap();
    assert_eq!(a.marginal_value, 3);
    assert_eq!(a.displaced.as_ref().map(|d| d.need.as_str()), Some("B"));
    assert_eq!(rep.communes.len(), 2);
    assert!(rep.summary.gini_commune_coverage > 0.0);
}

#[test]
fn gini_values() {
    assert_eq!(gini(&[]), 0.0);
    assert_eq!(gini(&[0.5, 0.5, 0.5]), 0.0);
    assert!((gini(&[0.0, 1.0]) - 0.5).abs() < 1e-12);
}

#[test]
fn generated_instances_are_optimal_and_deterministic() {
    let a = generator::generate(2_000, 300, 1);
    let b = generator::generate(2_000, 300, 1);
    assert_eq!(a, b);
    let mut s = Solver::new(a.clone()).unwrap();
    s.solve();
    assert!(s.check_optimality());
    let ans = s.answer_with_report();
    check_feasible(&a, &ans);
    // Warm start after changing 1 % of pledges equals a fresh solve.
    let mut changed = a.clone();
    for j in (0..300).step_by(100) {
        let v = if j % 200 == 0 {
            a.pledges[j].value * 3
        } else {
            a.pledges[j].value / 4 + 1
        };
        s.set_pledge_value_at(j, v).unwrap();
        changed.pledges[j].value = v;
    }
    s.solve();
    assert!(s.check_optimality());
    assert_eq!(s.answer().objective, solve(&changed).unwrap().objective);
}

/// Generated instances of a few hundred needs (thousands of pairs) against
/// the exact LP.
#[test]
fn generated_small_instances_match_lp() {
    for seed in 1..=3 {
        let inst = generator::generate(300, 40, seed);
        let ans = solve(&inst).unwrap();
        check_feasible(&inst, &ans);
        let lp = lp_optimum(&inst);
        assert!(
            (lp - ans.objective as f64).abs() <= 1e-6 * lp.abs().max(1.0),
            "seed {seed}: lp {lp} ours {}",
            ans.objective
        );
    }
}

/// Max–min fairness by commune: the A Lưới / Huế case of the product test.
/// The priority objective gives all of A Lưới's need first (priority 3);
/// max–min gives both communes the same share, 20 of 32 M = 62.5 %.
#[test]
fn maxmin_shares_a_scarce_pledge_between_communes() {
    let inst = Instance {
        needs: vec![
            common::need("HK", "20056", "warm_clothing", 16_000_000, 3),
            common::need("HUE", "19753", "warm_clothing", 16_000_000, 1),
            // No pledge may serve this commune: excluded from the floor.
            common::need("NONE", "99999", "healthcare", 5_000_000, 3),
        ],
        pledges: vec![common::pledge(
            "P",
            20_000_000,
            Some(&["20056", "19753"]),
            Some(&["warm_clothing"]),
        )],
    };
    let plain = allocation::solve(&inst).unwrap();
    let got = |a: &allocation::Answer, need: &str| -> i64 {
        a.allocations
            .iter()
            .filter(|x| x.need == need)
            .map(|x| x.value)
            .sum()
    };
    assert_eq!(
        (got(&plain, "HK"), got(&plain, "HUE")),
        (16_000_000, 4_000_000)
    );
    let fair = allocation::solve_maxmin(&inst).unwrap();
    common::check_feasible(&inst, &fair);
    assert_eq!(
        (got(&fair, "HK"), got(&fair, "HUE")),
        (10_000_000, 10_000_000)
    );
    let fr = fair.report.as_ref().unwrap().fairness.clone().unwrap();
    assert!((fr.lp_min_coverage.unwrap() - 0.625).abs() < 1e-9, "{fr:?}");
    assert!((fr.min_coverage.unwrap() - 0.625).abs() < 1e-9, "{fr:?}");
    assert_eq!(fr.excluded, vec!["99999".to_string()]);
    let mut binding = fr.binding.clone();
    binding.sort();
    assert_eq!(binding, vec!["19753".to_string(), "20056".to_string()]);
    assert!(fr.explanation.contains("62.50%"), "{}", fr.explanation);
    assert!(fr.label.contains("max-min fairness by commune"));
    // The objective under the floor: HK 8M·6 + 2M·3, HUE 8M·2 + 2M·1.
    assert_eq!(
        fair.objective,
        8_000_000 * 6 + 2_000_000 * 3 + 8_000_000 * 2 + 2_000_000
    );
    assert!(fair.objective < plain.objective);
}

/// The floor is the best possible: A can only be reached by PA and the
/// free pledge PF, so both communes end at 40 % (A: 30 + 10, B: 40), even
/// though B's priority is 5 and the priority objective would give PF to B.
#[test]
fn maxmin_then_objective() {
    let inst = Instance {
        needs: vec![
            common::need("A1", "A", "nutrition", 100, 1),
            common::need("B1", "B", "nutrition", 100, 5),
        ],
        pledges: vec![
            common::pledge("PA", 30, Some(&["A"]), None),
            common::pledge("PF", 50, None, None),
        ],
    };
    let fair = allocation::solve_maxmin(&inst).unwrap();
    common::check_feasible(&inst, &fair);
    let got = |need: &str| -> i64 {
        fair.allocations
            .iter()
            .filter(|x| x.need == need)
            .map(|x| x.value)
            .sum()
    };
    // t* = 40 %: A gets 30 (own) + 10, B gets 40; no more is possible for
    // both; the floor binds both, so exactly that.
    assert_eq!((got("A1"), got("B1")), (40, 40));
    let fr = fair.report.unwrap().fairness.unwrap();
    assert!((fr.lp_min_coverage.unwrap() - 0.4).abs() < 1e-9);
}
