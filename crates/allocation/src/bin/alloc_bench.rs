//! alloc-bench — side-by-side benchmark of the allocation solver and the
//! OR-Tools SimpleMinCostFlow peer, in one run, on the same instance files.
//!
//! ```text
//! scripts/ortools-venv.sh
//! cargo run --release -p allocation --bin alloc-bench -- \
//!     [--sizes xs,s,m,l] [--dir data/alloc-bench] [--python .venv-ortools/bin/python] \
//!     [--reps 3] [--no-ortools]
//! cargo run --release -p allocation --bin alloc-bench -- --maxmin 300x40,1000x100
//! ```
//! `--maxmin NEEDSxPLEDGES,…` times the max–min fairness option (two LPs)
//! against the priority solver on generated product-size instances and
//! prints minimum commune coverage, Gini and objective of both.
//! For every size it generates the instance (seed 1) if the file is missing,
//! runs our solver in a child process (`--one FILE`, so that VmHWM is per
//! instance) and the OR-Tools script, checks that both objectives are equal,
//! and prints a Markdown table. Times are medians over the repetitions
//! (the largest size runs once).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use allocation::{Instance, Solver, generator};
use serde_json::{Value, json};

const SIZES: [(&str, usize, usize); 4] = [
    ("xs", 2_000, 300),
    ("s", 20_000, 2_000),
    ("m", 50_000, 5_000),
    ("l", 200_000, 20_000),
];

fn vmhwm_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

/// Runs our solver on one file and prints one JSON line.
fn run_one(path: &Path) -> Result<(), String> {
    let t = Instant::now();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let inst = Instance::from_json(&text).map_err(|e| e.to_string())?;
    drop(text);
    let parse_s = secs(t);
    let t = Instant::now();
    let mut solver = Solver::new(inst.clone()).map_err(|e| e.to_string())?;
    let build_s = secs(t);
    let t = Instant::now();
    solver.solve();
    let solve_s = secs(t);
    let stats = solver.solve_stats();
    let t = Instant::now();
    let answer = solver.answer();
    let answer_s = secs(t);
    let t = Instant::now();
    let optimal = solver.check_optimality();
    let check_s = secs(t);
    let t = Instant::now();
    let with_report = solver.answer_with_report();
    let report_s = secs(t);
    let gini = with_report
        .report
        .as_ref()
        .map(|r| r.summary.gini_commune_coverage);
    drop(with_report);

    // Warm start: change 1 % of the pledges (every 100th; alternately
    // halved and increased by half), re-solve from the previous flow.
    let mut changed = inst.clone();
    let t = Instant::now();
    for (n, j) in (0..inst.pledges.len()).step_by(100).enumerate() {
        let old = inst.pledges[j].value;
        let v = if n % 2 == 0 {
            (old / 2).max(1)
        } else {
            old + old / 2
        };
        solver
            .set_pledge_value_at(j, v)
            .map_err(|e| e.to_string())?;
        changed.pledges[j].value = v;
    }
    solver.solve();
    let warm_s = secs(t);
    let warm_stats = solver.solve_stats();
    let warm_obj = solver.answer().objective;
    let warm_optimal = solver.check_optimality();
    let t = Instant::now();
    let mut fresh = Solver::new(changed).map_err(|e| e.to_string())?;
    let fresh_build_s = secs(t);
    let t = Instant::now();
    fresh.solve();
    let fresh_solve_s = secs(t);
    let fresh_obj = fresh.answer().objective;
    drop(fresh);

    let ns = solver.network_stats();
    let out = json!({
        "parse_s": parse_s, "build_s": build_s, "solve_s": solve_s, "answer_s": answer_s,
        "check_s": check_s, "report_s": report_s, "objective": answer.objective, "optimal": optimal,
        "allocations": answer.allocations.len(), "gini_commune_coverage": gini,
        "classes": ns.classes, "class_arcs": ns.class_arcs, "allowed_pairs": ns.allowed_pairs,
        "levels": ns.levels, "phases": stats.phases, "augmentations": stats.augmentations,
        "warm_s": warm_s, "warm_phases": warm_stats.phases, "warm_bfs_nodes": warm_stats.bfs_nodes, "bfs_nodes": stats.bfs_nodes, "warm_objective": warm_obj, "warm_optimal": warm_optimal,
        "fresh_build_s": fresh_build_s, "fresh_solve_s": fresh_solve_s, "fresh_objective": fresh_obj,
        "vmhwm_kib": vmhwm_kib(),
    });
    println!("{out}");
    Ok(())
}

fn run_json(cmd: &mut Command) -> Result<Value, String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().unwrap_or("");
    serde_json::from_str(line).map_err(|e| format!("bad output {line:?}: {e}"))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        f64::NAN
    } else {
        v[v.len() / 2]
    }
}

fn f(v: &Value, k: &str) -> f64 {
    v.get(k).and_then(Value::as_f64).unwrap_or(f64::NAN)
}

fn i(v: &Value, k: &str) -> i64 {
    v.get(k).and_then(Value::as_i64).unwrap_or(-1)
}

struct Opts {
    sizes: Vec<String>,
    dir: PathBuf,
    python: PathBuf,
    reps: usize,
    ortools: bool,
}

fn parse_args() -> Result<Result<Opts, PathBuf>, String> {
    let mut o = Opts {
        sizes: SIZES.iter().map(|s| s.0.to_string()).collect(),
        dir: PathBuf::from("data/alloc-bench"),
        python: PathBuf::from(".venv-ortools/bin/python"),
        reps: 3,
        ortools: true,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--one" => return Ok(Err(PathBuf::from(val()?))),
            "--maxmin" => return Ok(Err(PathBuf::from(format!("maxmin:{}", val()?)))),
            "--sizes" => o.sizes = val()?.split(',').map(str::to_string).collect(),
            "--dir" => o.dir = PathBuf::from(val()?),
            "--python" => o.python = PathBuf::from(val()?),
            "--reps" => o.reps = val()?.parse().map_err(|e| format!("--reps: {e}"))?,
            "--no-ortools" => o.ortools = false,
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    Ok(Ok(o))
}

fn run() -> Result<(), String> {
    let opts = match parse_args()? {
        Err(arg) if arg.to_string_lossy().starts_with("maxmin:") => {
            return run_maxmin(&arg.to_string_lossy()["maxmin:".len()..]);
        }
        Err(file) => return run_one(&file),
        Ok(o) => o,
    };
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/bench_allocation_ortools.py");
    std::fs::create_dir_all(&opts.dir).map_err(|e| format!("{}: {e}", opts.dir.display()))?;
    let mut rows = Vec::new();
    let mut all_equal = true;
    for name in &opts.sizes {
        let Some(&(_, nn, np)) = SIZES.iter().find(|s| s.0 == name) else {
            return Err(format!("unknown size {name}"));
        };
        let path = opts.dir.join(format!("alloc-{name}-{nn}x{np}-seed1.json"));
        if !path.exists() {
            let inst = generator::generate(nn, np, 1);
            let text = serde_json::to_string(&inst).map_err(|e| e.to_string())?;
            std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        let reps = if *name == "l" { 1 } else { opts.reps.max(1) };
        let mut ours = Vec::new();
        for _ in 0..reps {
            ours.push(run_json(Command::new(&exe).arg("--one").arg(&path))?);
        }
        let mut peer = Vec::new();
        let mut peer_agg = Vec::new();
        if opts.ortools {
            for _ in 0..reps {
                peer.push(run_json(
                    Command::new(&opts.python).arg(&script).arg(&path),
                )?);
                peer_agg.push(run_json(
                    Command::new(&opts.python)
                        .arg(&script)
                        .arg(&path)
                        .arg("--aggregate"),
                )?);
            }
        }
        let last = ours.last().cloned().unwrap_or(Value::Null);
        let med = |k: &str| median(ours.iter().map(|v| f(v, k)).collect());
        let build = med("build_s");
        let solve = med("solve_s");
        let warm = med("warm_s");
        let fresh = median(
            ours.iter()
                .map(|v| f(v, "fresh_build_s") + f(v, "fresh_solve_s"))
                .collect(),
        );
        let fresh_solve = med("fresh_solve_s");
        let obj = i(&last, "objective");
        let consistent = ours.iter().all(|v| {
            i(v, "objective") == obj
                && v.get("optimal") == Some(&Value::Bool(true))
                && v.get("warm_optimal") == Some(&Value::Bool(true))
                && i(v, "warm_objective") == i(v, "fresh_objective")
        });
        let (peer_solve, peer_obj, peer_mem, peer_arcs) = if peer.is_empty() {
            (f64::NAN, None, None, None)
        } else {
            (
                median(peer.iter().map(|v| f(v, "solve_s")).collect()),
                Some(i(&peer[0], "objective")),
                peer[0].get("vmhwm_kib").and_then(Value::as_u64),
                peer[0].get("arcs").and_then(Value::as_u64),
            )
        };
        let peer_agg_solve = median(peer_agg.iter().map(|v| f(v, "solve_s")).collect());
        let equal = consistent
            && peer_obj.is_none_or(|p| {
                p == obj && peer.iter().chain(&peer_agg).all(|v| i(v, "objective") == p)
            });
        all_equal &= equal;
        eprintln!(
            "{name}: ours {ours:?}\n{name}: or-tools {peer:?}\n{name}: or-tools on classes {peer_agg:?}"
        );
        rows.push(format!(
            "| {name} | {nn} × {np} | {} | {} / {} | {:.3} | {:.3} | {:.3} | {:.1}× | {:.3} | {} | {} | {} | {} | {:.4} | {:.3} ({:.3}) | {:.1}× ({:.1}×) |",
            last.get("allowed_pairs").and_then(Value::as_u64).unwrap_or(0),
            i(&last, "classes"),
            i(&last, "class_arcs"),
            build,
            solve,
            peer_solve,
            peer_solve / (build + solve),
            peer_agg_solve,
            obj,
            if equal { "yes" } else { "NO" },
            last.get("vmhwm_kib").and_then(Value::as_u64).map_or("-".into(), |k| format!("{} MiB", k / 1024)),
            peer_mem.map_or("-".into(), |k| format!("{} MiB ({} arcs)", k / 1024, peer_arcs.unwrap_or(0))),
            warm,
            fresh,
            fresh_solve,
            fresh / warm,
            fresh_solve / warm,
        ));
    }
    println!(
        "| size | needs × pledges | allowed pairs | classes / class arcs | ours build (s) | ours solve (s) | OR-Tools solve (s) | speed-up (OR-Tools solve ÷ ours build+solve) | OR-Tools on our class network, solve (s) | objective | equal & certified | ours VmHWM | OR-Tools VmHWM | warm re-solve 1 % pledges (s) | from scratch build+solve (solve only) (s) | warm speed-up vs build+solve (vs solve) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        println!("{r}");
    }
    if all_equal {
        Ok(())
    } else {
        Err("objectives differ or a certificate failed".into())
    }
}

/// Min commune coverage (over communes some pledge may serve) and Gini of
/// commune coverage of an answer.
fn coverage_figures(a: &allocation::Answer, served: &[bool]) -> (f64, f64) {
    let Some(r) = a.report.as_ref() else {
        return (f64::NAN, f64::NAN);
    };
    let min = r
        .communes
        .iter()
        .zip(served)
        .filter(|(_, s)| **s)
        .map(|(c, _)| c.coverage)
        .fold(f64::INFINITY, f64::min);
    (min, r.summary.gini_commune_coverage)
}

fn run_maxmin(sizes: &str) -> Result<(), String> {
    println!(
        "| needs × pledges | communes (excluded) | priority: solve (s), min coverage, Gini, objective | max–min: solve (s), floor t* (LP), min coverage, Gini, objective |"
    );
    println!("|---|---|---|---|");
    for size in sizes.split(',') {
        let (nn, np) = size
            .split_once('x')
            .and_then(|(a, b)| Some((a.parse::<usize>().ok()?, b.parse::<usize>().ok()?)))
            .ok_or_else(|| format!("--maxmin: bad size {size} (NEEDSxPLEDGES)"))?;
        let inst = generator::generate(nn, np, 1);
        let t0 = Instant::now();
        let plain = allocation::solve_with_report(&inst).map_err(|e| e.to_string())?;
        let t_plain = t0.elapsed().as_secs_f64();
        let t1 = Instant::now();
        let fair = allocation::solve_maxmin(&inst).map_err(|e| e.to_string())?;
        let t_fair = t1.elapsed().as_secs_f64();
        let Some(fr) = fair.report.as_ref().and_then(|r| r.fairness.clone()) else {
            return Err("no fairness report".into());
        };
        let communes: Vec<String> = plain
            .report
            .as_ref()
            .map(|r| r.communes.iter().map(|c| c.commune.clone()).collect())
            .unwrap_or_default();
        let served: Vec<bool> = communes.iter().map(|c| !fr.excluded.contains(c)).collect();
        let (pmin, pgini) = coverage_figures(&plain, &served);
        let (fmin, fgini) = coverage_figures(&fair, &served);
        println!(
            "| {nn} × {np} | {} ({}) | {t_plain:.3}, {:.1} %, {pgini:.3}, {} | {t_fair:.3}, {:.1} %, {:.1} %, {fgini:.3}, {} |",
            communes.len(),
            fr.excluded.len(),
            100.0 * pmin,
            plain.objective,
            100.0 * fr.lp_min_coverage.unwrap_or(f64::NAN),
            100.0 * fmin,
            fair.objective
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("alloc-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
