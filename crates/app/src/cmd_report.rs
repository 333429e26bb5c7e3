//! `chungtay report annual`: the yearly report of a unit as an official
//! document, from the system's own figures (issue 6, items 4 and 6).
//!
//! ```text
//! chungtay report annual --year 2025 --unit 46 --format xlsx|docx|pdf --out FILE
//!                        [--from YYYY-MM-DD --to YYYY-MM-DD] [--cut-off YYYY-MM-DD] [--db URL]
//! ```
//!
//! ```text
//! chungtay report review --from 2019 --to 2025 --unit 46 --regroup today|historic
//!                        --format xlsx|docx|pdf --out FILE [--db URL]
//! chungtay report consolidated --year 2025 --format xlsx|docx|pdf --out FILE [--db URL]
//! ```
//!
//! `--unit` is an administrative-unit code (the city 46, a former district,
//! a commune of any time) or `VN` for the national roll-up. A unit or year
//! without data gives an honest empty report, not an error; an unknown code
//! is refused in both languages.

use std::path::PathBuf;
use std::time::Instant;

use chrono::{Duration, NaiveDate, Utc};
use storage::report_data::{Period, ReportDataError};
use storage::{Db, DbUrl, StorageError};

#[derive(clap::Args, Debug, Clone)]
pub struct AnnualArgs {
    /// Database URL: `postgres://…` or a SQLite file.
    #[arg(
        long,
        env = "CHUNGTAY_DB",
        default_value = "sqlite://data/chungtay.sqlite3"
    )]
    db: String,
    /// Reporting year (the period is the calendar year unless --from/--to).
    #[arg(long)]
    year: i32,
    /// Administrative-unit code (46 = the city), or VN for all provinces.
    #[arg(long)]
    unit: String,
    /// xlsx, docx or pdf.
    #[arg(long, value_parser = ["xlsx", "docx", "pdf"])]
    format: String,
    /// Where to write the document.
    #[arg(long)]
    out: PathBuf,
    /// First day of the reporting period (default 1 January of --year).
    #[arg(long)]
    from: Option<NaiveDate>,
    /// Last day of the reporting period (default 31 December of --year).
    #[arg(long)]
    to: Option<NaiveDate>,
    /// Data recorded after this day are not counted (default: the later of
    /// --to and the document's date).
    #[arg(long = "cut-off")]
    cut_off: Option<NaiveDate>,
    /// Date printed on the document (default: today in Vietnam).
    #[arg(long)]
    date: Option<NaiveDate>,
}

#[derive(clap::Args, Debug, Clone)]
pub struct ReviewArgs {
    /// Database URL: `postgres://…` or a SQLite file.
    #[arg(
        long,
        env = "CHUNGTAY_DB",
        default_value = "sqlite://data/chungtay.sqlite3"
    )]
    db: String,
    /// First year of the review.
    #[arg(long, default_value_t = 2019)]
    from: i32,
    /// Last year of the review.
    #[arg(long, default_value_t = 2025)]
    to: i32,
    /// Administrative-unit code (46 = the city).
    #[arg(long, default_value = "46")]
    unit: String,
    /// today: re-aggregated onto today's units; historic: the units of the time.
    #[arg(long, value_parser = ["today", "historic"], default_value = "today")]
    regroup: String,
    /// xlsx, docx or pdf.
    #[arg(long, value_parser = ["xlsx", "docx", "pdf"])]
    format: String,
    /// Where to write the document.
    #[arg(long)]
    out: PathBuf,
    /// Date printed on the document (default: today in Vietnam).
    #[arg(long)]
    date: Option<NaiveDate>,
}

#[derive(clap::Args, Debug, Clone)]
pub struct ConsolidatedArgs {
    /// Database URL: `postgres://…` or a SQLite file.
    #[arg(
        long,
        env = "CHUNGTAY_DB",
        default_value = "sqlite://data/chungtay.sqlite3"
    )]
    db: String,
    /// Reporting year.
    #[arg(long)]
    year: i32,
    /// xlsx, docx or pdf.
    #[arg(long, value_parser = ["xlsx", "docx", "pdf"])]
    format: String,
    /// Where to write the document.
    #[arg(long)]
    out: PathBuf,
    /// Date printed on the document (default: today in Vietnam).
    #[arg(long)]
    date: Option<NaiveDate>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportCmdError {
    #[error(transparent)]
    Review(#[from] storage::review::ReviewError),
    #[error("năm không hợp lệ: {0} / invalid year: {0}")]
    BadYear(i32),
    #[error(transparent)]
    Data(#[from] ReportDataError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("dữ liệu đơn vị hành chính không hợp lệ / invalid administrative-unit data: {0}")]
    Setup(String),
    #[error("không tạo được tài liệu / cannot write the document: {0}")]
    Document(#[from] reports::ReportError),
    #[error(
        "bảng tổng hợp báo cáo lệch với dữ liệu gốc ở {0} bảng (chạy lại với --rebuild) / the report summaries differ from the rows in {0} table(s) (run again with --rebuild)"
    )]
    SummariesDrift(usize),
    #[error("không ghi được tệp {path}: {source} / cannot write {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Today's date in Vietnam (UTC+7, no DST).
pub fn today_in_vietnam() -> NaiveDate {
    (Utc::now() + Duration::hours(7)).date_naive()
}

/// The reporting period from the flags.
fn period_of(args: &AnnualArgs, issued_on: NaiveDate) -> Result<Period, ReportCmdError> {
    let year = Period::year(args.year).ok_or(ReportCmdError::BadYear(args.year))?;
    if !(1900..=9999).contains(&args.year) {
        return Err(ReportCmdError::BadYear(args.year));
    }
    let from = args.from.unwrap_or(year.from);
    let to = args.to.unwrap_or(year.to);
    let cut_off = args.cut_off.unwrap_or(to.max(issued_on));
    let mut p = Period::new(from, to, cut_off)?;
    p.year = args.year;
    Ok(p)
}

/// `chungtay report check-summaries`: the report summaries (migration
/// 0014) against a recomputation from the deliveries and receipts.
#[derive(clap::Args, Debug)]
pub struct CheckSummariesArgs {
    #[arg(
        long,
        env = "CHUNGTAY_DB",
        default_value = "sqlite://data/chungtay.sqlite3"
    )]
    db: String,
    /// When they differ, recompute them from the rows (and say so).
    #[arg(long)]
    rebuild: bool,
}

/// Compares the report summaries with the rows; fails when they differ,
/// unless `--rebuild` recomputes them.
pub async fn check_summaries(args: &CheckSummariesArgs) -> Result<(), ReportCmdError> {
    let db = open_for_reading(&args.db).await?;
    let drift = storage::summaries::check(&db).await?;
    for d in &drift {
        println!(
            "{}: {} dòng thiếu hoặc sai, {} dòng thừa / {} row(s) missing or wrong, {} extra",
            d.table, d.missing, d.extra, d.missing, d.extra
        );
    }
    let result = if drift.is_empty() {
        println!(
            "ok: {} bảng tổng hợp khớp dữ liệu gốc / {} summary tables equal the rows",
            storage::summaries::TABLES.len(),
            storage::summaries::TABLES.len()
        );
        Ok(())
    } else if args.rebuild {
        storage::summaries::rebuild(&db).await?;
        println!("ok: đã tính lại / recomputed from the rows");
        Ok(())
    } else {
        Err(ReportCmdError::SummariesDrift(drift.len()))
    };
    db.close().await;
    result
}

/// Opens a database to read figures: migrations, and the shipped map when
/// none is stored. Unlike `setup::prepare` it does not back-fill the ledger
/// (reading needs none, and a bulk-loaded benchmark set has none).
pub async fn open_for_reading(url: &str) -> Result<Db, ReportCmdError> {
    let db = Db::connect(&DbUrl::new(url.to_owned())).await?;
    db.migrate().await?;
    if storage::admin_units::count(&db).await? == 0 {
        let map = domain::admin_units::embedded_map()
            .map_err(|e| ReportCmdError::Setup(e.to_string()))?;
        storage::admin_units::replace_all(&db, map).await?;
    }
    Ok(db)
}

/// Renders the document in one of the three formats.
pub fn render(doc: &reports::Document, format: &str) -> Result<Vec<u8>, reports::ReportError> {
    match format {
        "docx" => reports::docx(doc),
        "pdf" => reports::pdf(doc),
        _ => reports::xlsx(doc),
    }
}

/// Figures of one unit and period, as a document.
pub async fn annual_document(
    db: &Db,
    unit: &str,
    period: &Period,
    issued_on: NaiveDate,
) -> Result<reports::Document, ReportCmdError> {
    let unit = storage::report_data::resolve_unit(db, unit, issued_on).await?;
    let figures = storage::report_data::annual_figures(db, &unit, period, issued_on).await?;
    Ok(reports::annual::document(&figures))
}

pub async fn annual(args: &AnnualArgs) -> Result<(), ReportCmdError> {
    let issued_on = args.date.unwrap_or_else(today_in_vietnam);
    let period = period_of(args, issued_on)?;
    let db = open_for_reading(&args.db).await?;
    let started = Instant::now();
    let doc = annual_document(&db, &args.unit, &period, issued_on).await?;
    let figures_took = started.elapsed();
    let bytes = render(&doc, &args.format)?;
    std::fs::write(&args.out, &bytes).map_err(|source| ReportCmdError::Write {
        path: args.out.display().to_string(),
        source,
    })?;
    db.close().await;
    println!(
        "ok: {} ({} bytes; số liệu / figures {:.2} s, tổng / total {:.2} s)",
        args.out.display(),
        bytes.len(),
        figures_took.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn write_out(out: &std::path::Path, bytes: &[u8]) -> Result<(), ReportCmdError> {
    std::fs::write(out, bytes).map_err(|source| ReportCmdError::Write {
        path: out.display().to_string(),
        source,
    })?;
    println!("ok: {} ({} bytes)", out.display(), bytes.len());
    Ok(())
}

/// `chungtay report review`: the final review as a document.
pub async fn review(args: &ReviewArgs) -> Result<(), ReportCmdError> {
    let issued_on = args.date.unwrap_or_else(today_in_vietnam);
    let regroup =
        reports::review::Regroup::parse(&args.regroup).unwrap_or(reports::review::Regroup::Today);
    let db = open_for_reading(&args.db).await?;
    let map =
        domain::admin_units::embedded_map().map_err(|e| ReportCmdError::Setup(e.to_string()))?;
    let spec = storage::review::ReviewSpec {
        unit: args.unit.clone(),
        from: args.from,
        to: args.to,
        regroup,
    };
    let r = storage::review::review(&db, map, &spec, issued_on).await?;
    let bytes = render(&reports::review::document(&r), &args.format)?;
    db.close().await;
    write_out(&args.out, &bytes)
}

/// `chungtay report consolidated`: the city report with the units' reports.
pub async fn consolidated(args: &ConsolidatedArgs) -> Result<(), ReportCmdError> {
    let issued_on = args.date.unwrap_or_else(today_in_vietnam);
    if !(2000..=2100).contains(&args.year) {
        return Err(ReportCmdError::BadYear(args.year));
    }
    let db = open_for_reading(&args.db).await?;
    let map =
        domain::admin_units::embedded_map().map_err(|e| ReportCmdError::Setup(e.to_string()))?;
    let c = storage::consolidation::consolidate(&db, map, args.year, issued_on).await?;
    let bytes = render(&reports::consolidated::document(&c), &args.format)?;
    db.close().await;
    write_out(&args.out, &bytes)
}
