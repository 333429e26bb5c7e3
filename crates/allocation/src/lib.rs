//! allocation — the exact pledge → need optimiser of issue #7.
//!
//! Pure (no IO, no threads), deterministic. See [`solver`] for the model,
//! the reductions that make it fast and the proofs that they are exact.
//!
//! ```text
//! let inst = Instance::from_json(&text)?;          // or serde directly
//! let mut s = Solver::new(inst)?;                   // validate + build network
//! s.solve();                                        // exact optimum
//! let answer = s.answer_with_report();              // allocations, objective, report
//! s.set_pledge_value("P7", 1_000_000)?; s.solve();  // warm re-solve
//! let fair = solve_maxmin(&inst)?;                  // max–min fairness by commune (LP)
//! ```

mod cut;
pub mod fairness;
pub mod generator;
pub mod model;
pub mod report;
pub mod solver;
mod tree_flow;

pub use fairness::{
    Fairness, FairnessError, FairnessReport, MAXMIN_LABEL, PRIORITY_LABEL, solve_maxmin,
    solve_maxmin_grouped,
};
pub use model::{
    AGE_BANDS, Allocation, Answer, CATEGORIES, Instance, Need, Pledge, ValidationError,
};
pub use report::{
    AllocationWhy, CommuneCoverage, Displaced, Outranker, Report, Summary, UncoveredWhy, gini,
};
pub use solver::{NetworkStats, SolveStats, Solver, objective, solve};

/// Validates, solves exactly and returns the answer with its report.
pub fn solve_with_report(inst: &Instance) -> Result<Answer, ValidationError> {
    let mut s = Solver::new(inst.clone())?;
    s.solve();
    Ok(s.answer_with_report())
}
