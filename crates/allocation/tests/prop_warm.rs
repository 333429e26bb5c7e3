#![allow(clippy::unwrap_used)]
//! Warm re-solves over sequences of changes: after every round of pledge
//! value changes (increase, decrease, down to the minimum of 1 đồng), the
//! re-solved flow is certified optimal and its objective equals a solve
//! from scratch of the changed instance. Small random instances (also
//! checked against the LP) and generated ones of a few hundred needs; each
//! with the repair from kept cuts (`cut.rs`, the default) and with full
//! searches by the kept search tree (`tree_flow.rs`), large enough for the
//! tree to grow deep, lose subtrees and re-adopt them.

mod common;

use allocation::{AGE_BANDS, CATEGORIES, Instance, Need, Pledge, Solver, generator};
use proptest::prelude::*;

const COMMUNES: [&str; 3] = ["A", "B", "C"];

fn subset(all: &'static [&'static str]) -> impl Strategy<Value = Option<Vec<String>>> {
    prop_oneof![
        1 => Just(None),
        2 => proptest::sample::subsequence(all.to_vec(), 1..=all.len())
            .prop_map(|v| Some(v.into_iter().map(str::to_string).collect())),
    ]
}

fn small_instance() -> impl Strategy<Value = Instance> {
    let need = (0..3usize, 0..3usize, 0..2usize, 1..60i64, 1..5i64);
    let pledge = (
        1..120i64,
        subset(&COMMUNES),
        subset(&CATEGORIES[..3]),
        subset(&AGE_BANDS[..2]),
    );
    (
        proptest::collection::vec(need, 1..12),
        proptest::collection::vec(pledge, 1..8),
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

/// One change: pledge (index modulo the count) and kind: 0 = to 1 đồng,
/// 1 = halved, 2 = up by half, 3 = doubled, 4 = an arbitrary value.
type Change = (usize, u8, i64);

fn changes() -> impl Strategy<Value = Vec<Vec<Change>>> {
    proptest::collection::vec(
        proptest::collection::vec((0..10_000usize, 0..5u8, 1..200i64), 1..6),
        1..5,
    )
}

fn new_value(old: i64, kind: u8, arbitrary: i64, scale: i64) -> i64 {
    match kind {
        0 => 1,
        1 => (old / 2).max(1),
        2 => old + old / 2,
        3 => old * 2,
        _ => arbitrary * scale,
    }
}

/// Applies the rounds to a warm solver and compares each re-solve with a
/// fresh solve; with `lp`, also with the LP optimum. `defer`: the degree
/// above which the warm tree search defers pledges (see `tree_flow.rs`);
/// `Some` also turns off the repair from kept cuts (`cut.rs`), so that the
/// levels are searched in full by that tree.
fn check_rounds(
    inst: &Instance,
    rounds: &[Vec<Change>],
    scale: i64,
    lp: bool,
    defer: Option<usize>,
) {
    let mut s = Solver::new(inst.clone()).unwrap();
    if let Some(d) = defer {
        s.set_defer_degree(d);
        s.set_warm_cuts(false);
    }
    s.solve();
    assert!(s.check_optimality());
    let mut changed = inst.clone();
    for round in rounds {
        for &(j, kind, arbitrary) in round {
            let j = j % inst.pledges.len();
            let v = new_value(changed.pledges[j].value, kind, arbitrary, scale);
            s.set_pledge_value_at(j, v).unwrap();
            changed.pledges[j].value = v;
        }
        s.solve();
        assert!(s.check_optimality(), "warm flow not certified optimal");
        let warm = s.answer();
        common::check_feasible(&changed, &warm);
        let fresh = allocation::solve(&changed).unwrap();
        assert_eq!(warm.objective, fresh.objective);
        if lp {
            let opt = common::lp_optimum(&changed);
            assert!((opt - warm.objective as f64).abs() < 1e-6);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn warm_rounds_small(inst in small_instance(), rounds in changes()) {
        check_rounds(&inst, &rounds, 1, true, None);
        check_rounds(&inst, &rounds, 1, false, Some(256));
        check_rounds(&inst, &rounds, 1, false, Some(0));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 150, ..ProptestConfig::default() })]

    #[test]
    fn warm_rounds_generated(
        seed in 0..1_000u64,
        needs in 200..2_000usize,
        pledges in 30..300usize,
        rounds in changes(),
    ) {
        let inst = generator::generate(needs, pledges, seed);
        check_rounds(&inst, &rounds, 1_000_000, false, None);
        check_rounds(&inst, &rounds, 1_000_000, false, Some(256));
        check_rounds(&inst, &rounds, 1_000_000, false, Some(seed as usize % 64));
    }
}

/// The benchmark's change (every 100th pledge, alternately halved and up
/// by half) and back, repeatedly, on a generated instance of 4,000 needs.
#[test]
fn warm_bench_change_back_and_forth() {
    let inst = generator::generate(4_000, 600, 7);
    let mut s = Solver::new(inst.clone()).unwrap();
    s.solve();
    let base = s.answer().objective;
    let mut changed = inst.clone();
    for (n, j) in (0..inst.pledges.len()).step_by(100).enumerate() {
        let old = inst.pledges[j].value;
        changed.pledges[j].value = if n % 2 == 0 {
            (old / 2).max(1)
        } else {
            old + old / 2
        };
    }
    let target = allocation::solve(&changed).unwrap().objective;
    for round in 0..4 {
        let to = if round % 2 == 0 { &changed } else { &inst };
        for (j, p) in to.pledges.iter().enumerate() {
            s.set_pledge_value_at(j, p.value).unwrap();
        }
        s.solve();
        assert!(s.check_optimality());
        let want = if round % 2 == 0 { target } else { base };
        assert_eq!(s.answer().objective, want);
    }
}
