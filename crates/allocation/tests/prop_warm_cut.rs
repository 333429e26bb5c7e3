#![allow(clippy::unwrap_used)]
//! The warm path of `cut.rs` (levels repaired from the cuts kept from the
//! previous solve) over long sequences of small changes: after every round
//! the re-solved flow is certified optimal, its objective equals a solve
//! from scratch of the changed instance, and the levels were repaired from
//! their kept cuts (not searched in full).

mod common;

use allocation::{Instance, Solver, generator};
use proptest::prelude::*;

/// One round: for each listed pledge (index modulo the count), a kind of
/// change: 0 = to 1 đồng, 1 = halved, 2 = up by half, 3 = doubled,
/// 4 = an arbitrary value (× 100,000 đồng).
type Round = Vec<(usize, u8, i64)>;

fn new_value(old: i64, kind: u8, arbitrary: i64) -> i64 {
    match kind {
        0 => 1,
        1 => (old / 2).max(1),
        2 => old + old / 2,
        3 => old * 2,
        _ => arbitrary * 100_000,
    }
}

fn run(inst: &Instance, rounds: &[Round]) {
    let mut s = Solver::new(inst.clone()).unwrap();
    s.solve();
    assert!(s.check_optimality());
    let levels = s.network_stats().levels as u64;
    let mut changed = inst.clone();
    for round in rounds {
        for &(j, kind, arbitrary) in round {
            let j = j % inst.pledges.len();
            let v = new_value(changed.pledges[j].value, kind, arbitrary);
            s.set_pledge_value_at(j, v).unwrap();
            changed.pledges[j].value = v;
        }
        s.solve();
        assert!(s.check_optimality(), "warm flow not certified optimal");
        assert_eq!(s.solve_stats().cut_levels, levels.min(32));
        let warm = s.answer();
        common::check_feasible(&changed, &warm);
        let fresh = allocation::solve(&changed).unwrap();
        assert_eq!(warm.objective, fresh.objective);
    }
}

/// Rounds changing about 1 % of the pledges (at least one), up to `n`.
fn one_percent_rounds(pledges: usize, n: usize) -> impl Strategy<Value = Vec<Round>> {
    let per_round = (pledges / 100).max(1);
    proptest::collection::vec(
        proptest::collection::vec((0..100_000usize, 0..5u8, 1..500i64), per_round..=per_round),
        1..=n,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 120, ..ProptestConfig::default() })]

    #[test]
    fn warm_cut_one_percent_sequences(
        (inst, rounds) in (0..1_000u64, 300..3_000usize, 40..400usize).prop_flat_map(
            |(seed, needs, pledges)| (Just(generator::generate(needs, pledges, seed)), one_percent_rounds(pledges, 8))
        )
    ) {
        run(&inst, &rounds);
    }

    #[test]
    fn warm_cut_several_changes(
        seed in 0..1_000u64,
        needs in 100..1_500usize,
        pledges in 10..150usize,
        rounds in proptest::collection::vec(
            proptest::collection::vec((0..10_000usize, 0..5u8, 1..500i64), 1..12),
            1..8,
        ),
    ) {
        let inst = generator::generate(needs, pledges, seed);
        run(&inst, &rounds);
    }
}

/// The benchmark's change (every 100th pledge, alternately halved and up
/// by half), then the other pledges in turn, one round at a time.
#[test]
fn warm_cut_bench_change_then_sweep() {
    let inst = generator::generate(6_000, 900, 3);
    let mut rounds: Vec<Round> = vec![
        (0..inst.pledges.len())
            .step_by(100)
            .enumerate()
            .map(|(n, j)| (j, if n % 2 == 0 { 1 } else { 2 }, 1))
            .collect(),
    ];
    for start in 0..12 {
        rounds.push(
            (start * 7..inst.pledges.len())
                .step_by(97)
                .map(|j| (j, (j % 5) as u8, (j % 300) as i64 + 1))
                .collect(),
        );
    }
    run(&inst, &rounds);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    /// More than 32 profit levels: the first 32 are repaired from their
    /// cuts, the others searched in full.
    #[test]
    fn warm_cut_many_levels(
        seed in 0..1_000u64,
        needs in 200..1_500usize,
        pledges in 20..200usize,
        rounds in proptest::collection::vec(
            proptest::collection::vec((0..10_000usize, 0..5u8, 1..500i64), 1..8),
            1..5,
        ),
    ) {
        let mut inst = generator::generate(needs, pledges, seed);
        for (i, n) in inst.needs.iter_mut().enumerate() {
            n.priority = 1 + ((i as u64 * 7919 + seed) % 40) as i64;
        }
        run(&inst, &rounds);
    }
}
