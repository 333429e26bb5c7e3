//! `chungtay allocate --input instance.json --output answer.json`
//!
//! Reads an allocation instance (issue #7 JSON), solves it exactly with the
//! `allocation` crate and writes the answer (`allocations`, `objective` and,
//! unless `--no-report`, the explanation `report`). `--fairness maxmin`
//! first maximises the minimum coverage per commune, then the objective
//! (an LP; the report's `fairness` block carries its label and figures). Shows progress on a
//! terminal for large instances. Bad input gives a one-line message in
//! Vietnamese then English, naming the offending item.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use allocation::{FairnessError, Instance, Solver, ValidationError};

/// Above this many needs + pledges a spinner is shown (stderr on a terminal).
const PROGRESS_THRESHOLD: usize = 20_000;

/// Arguments of `chungtay allocate`.
#[derive(Debug, Clone, clap::Args)]
pub struct AllocateArgs {
    /// Tệp bài toán JSON (needs, pledges) / Instance JSON file (needs, pledges)
    #[arg(long, short, value_name = "FILE")]
    pub input: PathBuf,
    /// Tệp kết quả JSON sẽ ghi / Answer JSON file to write
    #[arg(long, short, value_name = "FILE")]
    pub output: PathBuf,
    /// Bỏ phần giải thích / Leave out the explanation report
    #[arg(long)]
    pub no_report: bool,
    /// JSON dễ đọc (thụt lề) / Pretty-printed JSON
    #[arg(long)]
    pub pretty: bool,
    /// Tiêu chí: priority (mặc định, tối ưu chính xác) hoặc maxmin (công bằng
    /// tối đa–tối thiểu theo xã, rồi mục tiêu ưu tiên; quy hoạch tuyến tính) /
    /// Criterion: priority (default, exact optimum) or maxmin (max-min
    /// fairness by commune, then the priority objective; linear programme)
    #[arg(long, value_enum, default_value_t = FairnessArg::Priority)]
    pub fairness: FairnessArg,
}

/// `--fairness` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FairnessArg {
    Priority,
    Maxmin,
}

/// Why `chungtay allocate` failed. Display: one line, Vietnamese then English.
#[derive(Debug, thiserror::Error)]
pub enum AllocateCmdError {
    #[error("Không đọc được tệp {}: {source} / Cannot read file {}: {source}", path.display(), path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{source} [{}]", path.display())]
    Invalid {
        path: PathBuf,
        source: ValidationError,
    },
    #[error("{source} [{}]", path.display())]
    Fairness {
        path: PathBuf,
        source: FairnessError,
    },
    #[error("Không tạo được JSON kết quả: {0} / Cannot serialise the answer: {0}")]
    Serialize(serde_json::Error),
    #[error("Không ghi được tệp {}: {source} / Cannot write file {}: {source}", path.display(), path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    fn new(show: bool) -> Self {
        if !show || !std::io::stderr().is_terminal() {
            return Self(None);
        }
        let pb = indicatif::ProgressBar::new_spinner();
        pb.enable_steady_tick(Duration::from_millis(120));
        Self(Some(pb))
    }

    fn step(&self, msg: &str) {
        if let Some(pb) = &self.0 {
            pb.set_message(msg.to_string());
        }
    }

    fn finish(&self, msg: String) {
        if let Some(pb) = &self.0 {
            pb.finish_with_message(msg);
        }
    }
}

fn read_instance(path: &Path) -> Result<Instance, AllocateCmdError> {
    let text = std::fs::read_to_string(path).map_err(|source| AllocateCmdError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Instance::from_json(&text).map_err(|source| AllocateCmdError::Invalid {
        path: path.to_path_buf(),
        source,
    })
}

/// Runs `chungtay allocate`.
pub fn run(args: &AllocateArgs) -> Result<(), AllocateCmdError> {
    let progress = Progress::new(true);
    progress.step("Đọc dữ liệu / Reading the instance…");
    let inst = read_instance(&args.input)?;
    let big = inst.needs.len() + inst.pledges.len() >= PROGRESS_THRESHOLD;
    let progress = if big { progress } else { Progress(None) };
    progress.step("Kiểm tra và dựng mạng / Validating and building the network…");
    let mut solver = Solver::new(inst).map_err(|source| AllocateCmdError::Invalid {
        path: args.input.clone(),
        source,
    })?;
    let answer = match args.fairness {
        FairnessArg::Priority => {
            progress.step("Giải tối ưu / Solving to optimality…");
            solver.solve();
            progress.step("Lập kết quả và giải thích / Building the answer and explanations…");
            if args.no_report {
                solver.answer()
            } else {
                solver.answer_with_report()
            }
        }
        FairnessArg::Maxmin => {
            progress.step(allocation::MAXMIN_LABEL);
            let mut answer = allocation::solve_maxmin(solver.instance()).map_err(|source| {
                AllocateCmdError::Fairness {
                    path: args.input.clone(),
                    source,
                }
            })?;
            if let Some(f) = answer.report.as_ref().and_then(|r| r.fairness.as_ref()) {
                eprintln!("{}", f.explanation);
            }
            if args.no_report {
                answer.report = None;
            }
            answer
        }
    };
    progress.step("Ghi kết quả / Writing the answer…");
    let json = if args.pretty {
        serde_json::to_vec_pretty(&answer)
    } else {
        serde_json::to_vec(&answer)
    }
    .map_err(AllocateCmdError::Serialize)?;
    std::fs::write(&args.output, json).map_err(|source| AllocateCmdError::Write {
        path: args.output.clone(),
        source,
    })?;
    progress.finish(format!(
        "Xong: mục tiêu {}, {} phân bổ / Done: objective {}, {} allocations",
        answer.objective,
        answer.allocations.len(),
        answer.objective,
        answer.allocations.len()
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("chungtay-alloc-{}-{name}", std::process::id()))
    }

    #[test]
    fn solves_a_file() {
        let input = tmp("in.json");
        let output = tmp("out.json");
        std::fs::write(
            &input,
            r#"{"needs":[{"id":"N1","commune":"20056","category":"warm_clothing","age_band":"primary","value":4800000,"priority":3}],
                "pledges":[{"id":"P1","value":25000000,"categories":["warm_clothing"],"communes":null,"age_bands":null}]}"#,
        )
        .expect("test setup");
        let args = AllocateArgs {
            input: input.clone(),
            output: output.clone(),
            no_report: false,
            pretty: false,
            fairness: FairnessArg::Priority,
        };
        run(&args).expect("test setup");
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&output).expect("test setup"))
                .expect("test setup");
        assert_eq!(v["objective"], 3 * (2 * 2_400_000 + 2_400_000));
        assert_eq!(v["allocations"][0]["value"], 4_800_000);
        assert!(v["report"]["summary"].is_object());
        let _ = std::fs::remove_file(input);
        let _ = std::fs::remove_file(output);
    }

    #[test]
    fn bad_input_is_a_clear_error() {
        let input = tmp("bad.json");
        std::fs::write(
            &input,
            r#"{"needs":[{"id":"N3","commune":"1","category":"nutrition","age_band":"primary","value":0,"priority":1}],"pledges":[]}"#,
        )
        .expect("test setup");
        let args = AllocateArgs {
            input: input.clone(),
            output: tmp("never.json"),
            no_report: true,
            pretty: false,
            fairness: FairnessArg::Priority,
        };
        let e = run(&args).unwrap_err().to_string();
        assert!(e.starts_with("Nhu cầu N3: giá trị phải > 0"), "{e}");
        assert!(e.contains("Need N3: value must be > 0"), "{e}");
        let _ = std::fs::remove_file(input);
        let missing = AllocateArgs {
            input: tmp("missing.json"),
            output: tmp("x.json"),
            no_report: true,
            pretty: false,
            fairness: FairnessArg::Priority,
        };
        let e = run(&missing).unwrap_err().to_string();
        assert!(e.contains("Cannot read file"), "{e}");
    }

    #[test]
    fn maxmin_is_labelled_in_the_report() {
        let input = tmp("mm.json");
        let output = tmp("mm-out.json");
        std::fs::write(
            &input,
            r#"{"needs":[{"id":"HK","commune":"20056","category":"warm_clothing","age_band":"primary","value":16000000,"priority":3},
                         {"id":"HUE","commune":"19753","category":"warm_clothing","age_band":"primary","value":16000000,"priority":1}],
                "pledges":[{"id":"P1","value":20000000,"categories":null,"communes":null,"age_bands":null}]}"#,
        )
        .expect("test setup");
        let args = AllocateArgs {
            input: input.clone(),
            output: output.clone(),
            no_report: false,
            pretty: true,
            fairness: FairnessArg::Maxmin,
        };
        run(&args).expect("solve");
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&output).expect("test setup"))
                .expect("test setup");
        let f = &v["report"]["fairness"];
        assert_eq!(f["mode"], "maxmin");
        assert!(
            f["label"]
                .as_str()
                .is_some_and(|l| l.contains("max-min fairness by commune")),
            "{f}"
        );
        for a in v["allocations"].as_array().expect("allocations") {
            assert_eq!(a["value"], 10_000_000, "{v}");
        }
        let _ = std::fs::remove_file(input);
        let _ = std::fs::remove_file(output);
    }
}
