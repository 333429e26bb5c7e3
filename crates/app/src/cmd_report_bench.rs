//! `chungtay report bench`: the yearly report's aggregation timed on the
//! database, and the very same SQL timed in DuckDB on the same data, with
//! the results checked equal (issue 6, item 9; docs/benchmarks.md,
//! "Reporting").
//!
//! ```text
//! chungtay report bench --db URL [--python .venv-duckdb/bin/python] [--runs 3] [--year 2025]
//! ```
//!
//! 1. The city report (unit 46) and the national roll-up (VN): the figures
//!    (`report_data::annual_figures`, its queries run concurrently) and the
//!    whole XLSX, median of `--runs`.
//! 2. The report's four queries (line groups, sources, money in, money out)
//!    run one after the other on the database, median of `--runs`: live
//!    (every delivery and receipt read) and on the summaries of migrations
//!    0014 and 0015 (what `annual_figures` uses for a year; the line groups
//!    also on 0014's pledge summaries alone, for comparison).
//! 3. The tables they read exported as CSV (not timed in the ratio), loaded
//!    into DuckDB by `scripts/bench_report_duckdb.py`, and the same four
//!    queries run there; every row must be equal, else the bench fails.
//!
//! Prints a markdown table with the ratio database / DuckDB.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use storage::Db;
use storage::bulk::CsvType;
use storage::report_data::{self, Param, Period, Query, ReportUnit};

#[derive(clap::Args, Debug, Clone)]
pub struct BenchArgs {
    /// Database URL (`postgres://…` or a SQLite file) holding the data,
    /// e.g. made by `chungtay demo --scale national`.
    #[arg(long, env = "CHUNGTAY_DB")]
    db: String,
    /// Python of a virtual environment with duckdb (scripts/duckdb-venv.sh).
    #[arg(long, default_value = ".venv-duckdb/bin/python")]
    python: PathBuf,
    /// The DuckDB side's script.
    #[arg(long, default_value = "scripts/bench_report_duckdb.py")]
    script: PathBuf,
    /// Runs of each measurement (the median is reported).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    #[arg(long, default_value_t = 2025)]
    year: i32,
    /// Where the CSV exports go (default: a new temporary directory,
    /// deleted afterwards).
    #[arg(long)]
    work_dir: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error(transparent)]
    Report(#[from] crate::cmd_report::ReportCmdError),
    #[error(transparent)]
    Data(#[from] report_data::ReportDataError),
    #[error(transparent)]
    Storage(#[from] storage::StorageError),
    #[error("tệp / file {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "không chạy được DuckDB ({python}): {message} — cài bằng scripts/duckdb-venv.sh / cannot run DuckDB ({python}): {message} — install it with scripts/duckdb-venv.sh"
    )]
    DuckDb { python: String, message: String },
    #[error("kết quả DuckDB khác / DuckDB's result differs: {0}")]
    Differs(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BenchError + '_ {
    move |source| BenchError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

/// The tables the report reads, with the columns its queries use.
const TABLES: &[(&str, &[(&str, CsvType)])] = &[
    (
        "need_lines",
        &[
            ("id", CsvType::Text),
            ("province", CsvType::Text),
            ("unit_code", CsvType::Text),
            ("category", CsvType::Text),
            ("period_id", CsvType::Text),
            ("package_id", CsvType::Text),
            ("quantity", CsvType::Int),
            ("amount", CsvType::Int),
            ("status", CsvType::Text),
        ],
    ),
    (
        "periods",
        &[("id", CsvType::Text), ("starts_on", CsvType::Date)],
    ),
    (
        "packages",
        &[("id", CsvType::Text), ("age_band", CsvType::Text)],
    ),
    (
        "allocations",
        &[
            ("id", CsvType::Text),
            ("need_line_id", CsvType::Text),
            ("pledge_id", CsvType::Text),
            ("amount", CsvType::Int),
            ("created_at", CsvType::Instant),
        ],
    ),
    (
        "receipts",
        &[
            ("id", CsvType::Text),
            ("province", CsvType::Text),
            ("pledge_id", CsvType::Text),
            ("kind", CsvType::Text),
            ("amount", CsvType::Int),
            ("account", CsvType::Text),
            ("receiver_id", CsvType::Text),
            ("received_on", CsvType::Date),
        ],
    ),
    (
        "pledges",
        &[("id", CsvType::Text), ("donor_id", CsvType::Text)],
    ),
    (
        "donors",
        &[
            ("id", CsvType::Text),
            ("origin", CsvType::Text),
            ("donor_type", CsvType::Text),
        ],
    ),
    (
        "deliveries",
        &[
            ("id", CsvType::Text),
            ("province", CsvType::Text),
            ("need_line_id", CsvType::Text),
            ("unit_code", CsvType::Text),
            ("status", CsvType::Text),
            ("value", CsvType::Int),
            ("children_served", CsvType::Int),
            ("handed_over_on", CsvType::Date),
        ],
    ),
    (
        "reversals",
        &[("kind", CsvType::Text), ("target_id", CsvType::Text)],
    ),
    (
        "organisations",
        &[("id", CsvType::Text), ("unit_code", CsvType::Text)],
    ),
    (
        "report_line_delivered",
        &[
            ("need_line_id", CsvType::Text),
            ("year", CsvType::Int),
            ("delivered", CsvType::Int),
            ("children", CsvType::Int),
            ("deliveries", CsvType::Int),
        ],
    ),
    (
        "report_money_out",
        &[
            ("month", CsvType::Date),
            ("province", CsvType::Text),
            ("delivered", CsvType::Int),
            ("deliveries", CsvType::Int),
        ],
    ),
    (
        "report_pledge_received",
        &[
            ("pledge_id", CsvType::Text),
            ("year", CsvType::Int),
            ("amount", CsvType::Int),
            ("receipts", CsvType::Int),
        ],
    ),
    (
        "report_money_in",
        &[
            ("month", CsvType::Date),
            ("province", CsvType::Text),
            ("account", CsvType::Text),
            ("origin", CsvType::Text),
            ("donor_type", CsvType::Text),
            ("receipts", CsvType::Int),
            ("money", CsvType::Int),
            ("goods", CsvType::Int),
        ],
    ),
    (
        "report_line_received",
        &[
            ("pledge_id", CsvType::Text),
            ("need_line_id", CsvType::Text),
            ("year", CsvType::Int),
            ("committed", CsvType::Int),
            ("received", CsvType::Int),
        ],
    ),
];

fn type_name(t: CsvType) -> &'static str {
    match t {
        CsvType::Text => "text",
        CsvType::Int => "int",
        CsvType::Bool => "bool",
        CsvType::Date => "date",
        CsvType::Instant => "instant",
    }
}

fn param_json(p: &Param) -> serde_json::Value {
    match p {
        Param::Date(d) => serde_json::json!({"type": "date", "value": d.format("%F").to_string()}),
        Param::Instant(t) => {
            serde_json::json!({"type": "instant", "value": t.format("%FT%T%.f").to_string()})
        }
        Param::Text(s) => serde_json::json!({"type": "text", "value": s}),
    }
}

/// The four queries of one unit, named: live (every delivery and receipt
/// read), then on the summaries of migrations 0014 and 0015 where they
/// answer (`line_summaries`: no allocation made after the cut-off).
fn queries(
    unit: &ReportUnit,
    period: &Period,
    budget: &[String],
    line_summaries: bool,
) -> Vec<(String, Query)> {
    let (qi, qo) = report_data::months_queries(&unit.filter, period, budget);
    let mut out = vec![
        (
            format!("{}:live:line_groups", unit.code),
            report_data::line_groups_query(&unit.filter, period),
        ),
        (
            format!("{}:live:sources", unit.code),
            report_data::sources_query(&unit.filter, period, budget),
        ),
        (format!("{}:live:money_in", unit.code), qi),
        (format!("{}:live:money_out", unit.code), qo),
    ];
    let summary = format!("{}:summaries", unit.code);
    // The line groups on the pledge summaries of 0014 (allocations still
    // filled in order), for comparison; then on the per-line ones of 0015.
    if let Some(q) = report_data::line_groups_summary_query(&unit.filter, period) {
        out.push((format!("{}:summaries-0014:line_groups", unit.code), q));
    }
    if line_summaries
        && let Some(q) = report_data::line_groups_line_summary_query(&unit.filter, period)
    {
        out.push((format!("{summary}:line_groups"), q));
    }
    if let Some(q) = report_data::sources_summary_query(&unit.filter, period, budget) {
        out.push((format!("{summary}:sources"), q));
    }
    if let Some((qi, qo)) = report_data::months_summary_queries(&unit.filter, period, budget) {
        out.push((format!("{summary}:money_in"), qi));
        out.push((format!("{summary}:money_out"), qo));
    }
    out
}

/// A query's rows on the database, as text, sorted.
async fn rows_of(db: &Db, name: &str, q: &Query) -> Result<Vec<Vec<String>>, BenchError> {
    let mut rows: Vec<Vec<String>> = if name.ends_with(":line_groups") {
        report_data::line_groups_of(db, q)
            .await?
            .into_iter()
            .map(|g| {
                vec![
                    g.province,
                    g.unit_code,
                    g.category,
                    g.age_band,
                    g.lines.to_string(),
                    g.children_need.to_string(),
                    g.need.to_string(),
                    g.committed.to_string(),
                    g.received.to_string(),
                    g.delivered.to_string(),
                    g.children_covered.to_string(),
                    g.children_served.to_string(),
                ]
            })
            .collect()
    } else if name.ends_with(":sources") {
        report_data::sources_of(db, q)
            .await?
            .into_iter()
            .map(|s| {
                vec![
                    s.budget.to_string(),
                    s.origin,
                    s.donor_type,
                    s.receipts.to_string(),
                    s.money.to_string(),
                    s.goods.to_string(),
                ]
            })
            .collect()
    } else {
        report_data::day_amounts(db, q)
            .await?
            .into_iter()
            .map(|(d, a)| vec![d.format("%F").to_string(), a.to_string()])
            .collect()
    };
    rows.sort();
    Ok(rows)
}

struct Timing {
    name: String,
    db: Duration,
    duckdb: Duration,
    rows: usize,
}

pub async fn run(args: &BenchArgs) -> Result<(), BenchError> {
    let db = crate::cmd_report::open_for_reading(&args.db).await?;
    let backend = format!("{:?}", db.backend());
    let today = crate::cmd_report::today_in_vietnam();
    let year =
        Period::year(args.year).ok_or(crate::cmd_report::ReportCmdError::BadYear(args.year))?;
    let period = Period::new(year.from, year.to, year.to.max(today))?;
    let runs = args.runs.max(1);
    let budget = report_data::state_budget_accounts(&db).await?;

    // 1. The figures and the document, as `report annual` makes them.
    let mut whole = Vec::new();
    let mut units = Vec::new();
    for code in ["46", report_data::NATIONAL] {
        let unit = report_data::resolve_unit(&db, code, today).await?;
        let mut figures_t = Vec::new();
        let mut doc_t = Vec::new();
        let mut groups = 0;
        for _ in 0..runs {
            let started = Instant::now();
            let f = report_data::annual_figures(&db, &unit, &period, today).await?;
            figures_t.push(started.elapsed());
            groups = f.by_area.len();
            let doc = reports::annual::document(&f);
            reports::xlsx(&doc).map_err(crate::cmd_report::ReportCmdError::from)?;
            doc_t.push(started.elapsed());
        }
        eprintln!(
            "{}: figures {:.3} s, with the XLSX {:.3} s ({groups} areas)",
            unit.name,
            median(figures_t.clone()).as_secs_f64(),
            median(doc_t.clone()).as_secs_f64()
        );
        whole.push((unit.name.clone(), median(figures_t), median(doc_t)));
        units.push(unit);
    }

    // 2. The same queries one after the other, on the database.
    let line_summaries = !report_data::allocations_after_cut_off(&db, &period).await?;
    let mut all: Vec<(String, Query)> = Vec::new();
    for unit in &units {
        all.extend(queries(unit, &period, &budget, line_summaries));
    }
    let mut ours = Vec::new();
    for (name, q) in &all {
        let mut t = Vec::new();
        let mut rows = Vec::new();
        for _ in 0..runs {
            let started = Instant::now();
            rows = rows_of(&db, name, q).await?;
            t.push(started.elapsed());
        }
        ours.push((median(t), rows));
    }

    // 3. DuckDB on the same data.
    let (dir, temporary) = match &args.work_dir {
        Some(d) => (d.clone(), false),
        None => (
            std::env::temp_dir().join(format!("ct_report_bench_{}", std::process::id())),
            true,
        ),
    };
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let export_started = Instant::now();
    let mut tables = Vec::new();
    for (table, columns) in TABLES {
        let path = dir.join(format!("{table}.csv"));
        let n = storage::bulk::export_csv(&db, table, columns, &path).await?;
        eprintln!("exported {table}: {n} rows");
        tables.push(serde_json::json!({
            "name": table,
            "csv": path.display().to_string(),
            "columns": columns.iter().map(|(c, t)| [*c, type_name(*t)]).collect::<Vec<_>>(),
        }));
    }
    let export_took = export_started.elapsed();
    let spec = serde_json::json!({
        "runs": runs,
        "tables": tables,
        "queries": all.iter().map(|(name, q)| serde_json::json!({
            "name": name,
            "sql": q.sql,
            "params": q.params.iter().map(param_json).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    });
    let spec_path = dir.join("spec.json");
    let out_path = dir.join("duckdb.json");
    std::fs::write(&spec_path, spec.to_string()).map_err(io(&spec_path))?;
    let duck_err = |message: String| BenchError::DuckDb {
        python: args.python.display().to_string(),
        message,
    };
    let output = Command::new(&args.python)
        .arg(&args.script)
        .arg(&spec_path)
        .arg(&out_path)
        .output()
        .map_err(|e| duck_err(e.to_string()))?;
    if !output.status.success() {
        return Err(duck_err(
            String::from_utf8_lossy(&output.stderr).into_owned(),
        ));
    }
    let text = std::fs::read_to_string(&out_path).map_err(io(&out_path))?;
    let duck: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| duck_err(e.to_string()))?;
    let version = duck["duckdb"].as_str().unwrap_or("?").to_owned();
    let threads = duck["threads"].to_string();
    let empty = Vec::new();
    let results = duck["queries"].as_array().unwrap_or(&empty);
    let mut timings = Vec::new();
    for ((name, _), (ours_t, ours_rows)) in all.iter().zip(&ours) {
        let r = results
            .iter()
            .find(|r| r["name"].as_str() == Some(name.as_str()))
            .ok_or_else(|| BenchError::Differs(format!("{name}: no result")))?;
        let mut theirs: Vec<Vec<String>> = r["rows"]
            .as_array()
            .unwrap_or(&empty)
            .iter()
            .map(|row| {
                row.as_array()
                    .unwrap_or(&empty)
                    .iter()
                    .map(|v| v.as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .collect();
        theirs.sort();
        if &theirs != ours_rows {
            let first = ours_rows
                .iter()
                .zip(&theirs)
                .find(|(a, b)| a != b)
                .map(|(a, b)| format!("{a:?} ≠ {b:?}"))
                .unwrap_or_else(|| format!("{} rows ≠ {} rows", ours_rows.len(), theirs.len()));
            return Err(BenchError::Differs(format!("{name}: {first}")));
        }
        timings.push(Timing {
            name: name.clone(),
            db: *ours_t,
            duckdb: Duration::from_secs_f64(r["median_s"].as_f64().unwrap_or(0.0)),
            rows: ours_rows.len(),
        });
    }
    if temporary {
        let _ = std::fs::remove_dir_all(&dir);
    }

    println!(
        "\n{backend}, year {}, median of {runs}; DuckDB {version} ({threads} threads, in memory, CSV loaded first); export to CSV took {:.1} s (not in the ratio). Every query's rows equal on both sides.\n",
        args.year,
        export_took.as_secs_f64()
    );
    println!("| report | figures | figures + XLSX |\n| --- | ---: | ---: |");
    for (name, f, d) in &whole {
        println!(
            "| {name} | {:.3} s | {:.3} s |",
            f.as_secs_f64(),
            d.as_secs_f64()
        );
    }
    println!(
        "\n| query | rows | {backend} | DuckDB | ratio |\n| --- | ---: | ---: | ---: | ---: |"
    );
    let mut totals: Vec<(String, Duration, Duration)> = Vec::new();
    for t in &timings {
        println!(
            "| {} | {} | {:.3} s | {:.3} s | {:.1}× |",
            t.name,
            t.rows,
            t.db.as_secs_f64(),
            t.duckdb.as_secs_f64(),
            t.db.as_secs_f64() / t.duckdb.as_secs_f64().max(1e-6)
        );
        let unit = t
            .name
            .rsplit_once(':')
            .map_or(t.name.as_str(), |(u, _)| u)
            .to_owned();
        match totals.iter_mut().find(|(u, ..)| *u == unit) {
            Some(e) => {
                e.1 += t.db;
                e.2 += t.duckdb;
            }
            None => totals.push((unit, t.db, t.duckdb)),
        }
    }
    for (unit, ours, theirs) in totals {
        println!(
            "| **{unit}, all** | | **{:.3} s** | **{:.3} s** | **{:.1}×** |",
            ours.as_secs_f64(),
            theirs.as_secs_f64(),
            ours.as_secs_f64() / theirs.as_secs_f64().max(1e-6)
        );
    }
    db.close().await;
    Ok(())
}
