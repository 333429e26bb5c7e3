#![allow(dead_code, clippy::unwrap_used)]

use std::collections::HashMap;

use allocation::{Answer, Instance, Need, Pledge};
use good_lp::{Expression, Solution, SolverModel, microlp, variable, variables};

pub fn need(id: &str, commune: &str, category: &str, value: i64, priority: i64) -> Need {
    Need {
        id: id.into(),
        commune: commune.into(),
        category: category.into(),
        age_band: "primary".into(),
        value,
        priority,
    }
}

pub fn pledge(
    id: &str,
    value: i64,
    communes: Option<&[&str]>,
    categories: Option<&[&str]>,
) -> Pledge {
    Pledge {
        id: id.into(),
        value,
        categories: categories.map(|l| l.iter().map(|s| s.to_string()).collect()),
        communes: communes.map(|l| l.iter().map(|s| s.to_string()).collect()),
        age_bands: None,
    }
}

pub fn allowed(p: &Pledge, n: &Need) -> bool {
    let ok = |l: &Option<Vec<String>>, v: &str| l.as_ref().is_none_or(|l| l.iter().any(|x| x == v));
    ok(&p.categories, &n.category) && ok(&p.communes, &n.commune) && ok(&p.age_bands, &n.age_band)
}

/// Exact LP oracle. The constraint matrix of this LP is a network matrix
/// (flow conservation at pledges and needs, plus bounds), hence totally
/// unimodular: with integer data its optimum is attained at an integral
/// vertex, so the LP optimum equals the integer optimum.
pub fn lp_optimum(inst: &Instance) -> f64 {
    let mut vars = variables!();
    let mut obj = Expression::from(0.0);
    let mut need_in: Vec<Expression> = vec![Expression::from(0.0); inst.needs.len()];
    let mut pledge_out: Vec<Expression> = vec![Expression::from(0.0); inst.pledges.len()];
    let mut halves = Vec::new();
    for n in &inst.needs {
        let h = n.value / 2;
        let a = vars.add(variable().min(0.0).max(h as f64));
        let b = vars.add(variable().min(0.0).max((n.value - h) as f64));
        obj += (2 * n.priority) as f64 * a + n.priority as f64 * b;
        halves.push((a, b));
    }
    for (j, p) in inst.pledges.iter().enumerate() {
        for (i, n) in inst.needs.iter().enumerate() {
            if allowed(p, n) {
                let x = vars.add(variable().min(0.0));
                need_in[i] += x;
                pledge_out[j] += x;
            }
        }
    }
    let mut model = vars.maximise(obj.clone()).using(microlp);
    for (i, (a, b)) in halves.iter().enumerate() {
        model = model.with((*a + *b).eq(need_in[i].clone()));
    }
    for (j, p) in inst.pledges.iter().enumerate() {
        model = model.with(pledge_out[j].clone().leq(p.value as f64));
    }
    match model.solve() {
        Ok(sol) => sol.eval(&obj),
        Err(e) => panic!("LP failed: {e}"),
    }
}

/// Checks feasibility of an answer and that its objective is recomputed
/// correctly from the allocations.
pub fn check_feasible(inst: &Instance, ans: &Answer) {
    let needs: HashMap<&str, &Need> = inst.needs.iter().map(|n| (n.id.as_str(), n)).collect();
    let pledges: HashMap<&str, &Pledge> = inst.pledges.iter().map(|p| (p.id.as_str(), p)).collect();
    let mut got: HashMap<&str, i64> = HashMap::new();
    let mut used: HashMap<&str, i64> = HashMap::new();
    for a in &ans.allocations {
        assert!(a.value > 0, "non-positive allocation {a:?}");
        let n = needs[a.need.as_str()];
        let p = pledges[a.pledge.as_str()];
        assert!(allowed(p, n), "allocation on a forbidden pair {a:?}");
        *got.entry(n.id.as_str()).or_default() += a.value;
        *used.entry(p.id.as_str()).or_default() += a.value;
    }
    for p in &inst.pledges {
        assert!(
            used.get(p.id.as_str()).copied().unwrap_or(0) <= p.value,
            "pledge {} over-used",
            p.id
        );
    }
    let mut obj = 0i64;
    for n in &inst.needs {
        let f = got.get(n.id.as_str()).copied().unwrap_or(0);
        assert!(f <= n.value, "need {} over-filled", n.id);
        let h = n.value / 2;
        obj += n.priority * (2 * f.min(h) + (f - f.min(h)));
    }
    assert_eq!(obj, ans.objective, "objective does not match allocations");
}

/// Independent oracle for the max–min option, on the need-level network
/// (no classes): LP 1 maximises the minimum commune coverage `t` over the
/// communes some pledge may serve; LP 2 maximises the objective with every
/// such commune at ≥ `⌊t·V⌋` đồng (V its need). Returns `(t, objective)`.
pub fn lp_maxmin(inst: &Instance) -> (Option<f64>, f64) {
    let mut communes: Vec<&str> = inst.needs.iter().map(|n| n.commune.as_str()).collect();
    communes.sort_unstable();
    communes.dedup();
    let reachable = |c: &str| {
        inst.needs
            .iter()
            .any(|n| n.commune == c && inst.pledges.iter().any(|p| allowed(p, n)))
    };
    let included: Vec<&str> = communes.iter().copied().filter(|c| reachable(c)).collect();
    let value_of = |c: &str| -> f64 {
        inst.needs
            .iter()
            .filter(|n| n.commune == c)
            .map(|n| n.value as f64)
            .sum()
    };
    // Flow variables and constraints shared by both LPs.
    let build = |vars: &mut good_lp::ProblemVariables| {
        let mut need_in: Vec<Expression> = vec![Expression::from(0.0); inst.needs.len()];
        let mut pledge_out: Vec<Expression> = vec![Expression::from(0.0); inst.pledges.len()];
        for (j, p) in inst.pledges.iter().enumerate() {
            for (i, n) in inst.needs.iter().enumerate() {
                if allowed(p, n) {
                    let x = vars.add(variable().min(0.0));
                    need_in[i] += x;
                    pledge_out[j] += x;
                }
            }
        }
        (need_in, pledge_out)
    };
    let commune_in = |need_in: &[Expression], c: &str| -> Expression {
        let mut e = Expression::from(0.0);
        for (i, n) in inst.needs.iter().enumerate() {
            if n.commune == c {
                e += need_in[i].clone();
            }
        }
        e
    };
    let t = if included.is_empty() {
        None
    } else {
        let mut vars = variables!();
        let t = vars.add(variable().min(0.0).max(1.0));
        let (need_in, pledge_out) = build(&mut vars);
        let mut model = vars.maximise(t).using(microlp);
        for (i, n) in inst.needs.iter().enumerate() {
            model = model.with(need_in[i].clone().leq(n.value as f64));
        }
        for (j, p) in inst.pledges.iter().enumerate() {
            model = model.with(pledge_out[j].clone().leq(p.value as f64));
        }
        for c in &included {
            model = model.with((commune_in(&need_in, c) - value_of(c) * t).geq(0.0));
        }
        Some(model.solve().unwrap().value(t))
    };
    let mut vars = variables!();
    let (need_in, pledge_out) = build(&mut vars);
    let mut obj = Expression::from(0.0);
    let mut halves = Vec::new();
    for n in &inst.needs {
        let h = n.value / 2;
        let a = vars.add(variable().min(0.0).max(h as f64));
        let b = vars.add(variable().min(0.0).max((n.value - h) as f64));
        obj += (2 * n.priority) as f64 * a + n.priority as f64 * b;
        halves.push((a, b));
    }
    let mut model = vars.maximise(obj.clone()).using(microlp);
    for (i, (a, b)) in halves.iter().enumerate() {
        model = model.with((*a + *b).eq(need_in[i].clone()));
    }
    for (j, p) in inst.pledges.iter().enumerate() {
        model = model.with(pledge_out[j].clone().leq(p.value as f64));
    }
    if let Some(t) = t {
        for c in &included {
            model = model.with(commune_in(&need_in, c).geq((t * value_of(c) + 1e-6).floor()));
        }
    }
    let sol = model.solve().unwrap();
    (t, sol.eval(&obj))
}
