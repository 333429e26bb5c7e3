//! `chungtay import needs FILE [--dry-run] [--db URL]` and
//! `chungtay import donors FILE [--dry-run] [--db URL]`.
//!
//! Reads a CSV or XLSX file (by its extension) with the `imports` crate;
//! `storage::import` resolves sites, packages and periods against the
//! database and writes every row in one transaction — or nothing. The CLI
//! acts as the system: every site is in its scope. Every problem is printed as
//! `dòng N, cột C: … / row N, column C: …` (N is the spreadsheet row, the
//! header is row 1); any problem, or `--dry-run`, writes nothing, and a
//! problem makes the command exit non-zero. Donors that look like ones
//! already stored are reported as warnings.

use std::io;
use std::path::{Path, PathBuf};

use chrono::Utc;
use domain::authz::Visibility;
use imports::{DonorRecord, Format, NeedRecord, Parsed, Problem};
use storage::audit::AuditActor;
use storage::{Db, DbUrl, StorageError};

const DEFAULT_DB: &str = "sqlite://data/chungtay.sqlite3";

/// Arguments of `chungtay import`.
#[derive(clap::Args, Debug, Clone)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub what: ImportKind,
    /// Check the file and report every problem without writing anything.
    #[arg(long, global = true)]
    pub dry_run: bool,
    /// Database URL: `postgres://…` for PostgreSQL, anything else is a
    /// SQLite file.
    #[arg(long, env = "CHUNGTAY_DB", default_value = DEFAULT_DB, global = true)]
    pub db: String,
}

/// What to import.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum ImportKind {
    /// Need lines from CSV or XLSX (columns: Mã điểm hỗ trợ or Tên điểm hỗ
    /// trợ, Mã gói, Đợt, Số trẻ, Ghi chú). All rows or none.
    Needs {
        /// The .csv or .xlsx file.
        file: PathBuf,
    },
    /// Donors from CSV or XLSX (columns: Tên, Loại, Trong nước/Nước
    /// ngoài, Nhóm, Mã số thuế, Điện thoại, Email, Đồng ý công khai tên, Ẩn
    /// danh). All rows or none; likely duplicates are reported as warnings.
    Donors {
        /// The .csv or .xlsx file.
        file: PathBuf,
    },
}

/// Why `chungtay import` failed. Every message is one line, Vietnamese then
/// English; the problems themselves are printed before.
#[derive(Debug, thiserror::Error)]
pub enum ImportCmdError {
    /// The file could not be read.
    #[error("không đọc được tệp {path}: {source} / cannot read file {path}: {source}")]
    Read { path: String, source: io::Error },
    /// The extension is neither .csv nor .xlsx.
    #[error(
        "không nhận dạng được tệp {path}: cần đuôi .csv hoặc .xlsx (tệp .xls cũ: hãy lưu lại dạng .xlsx) / unknown file type {path}: expected .csv or .xlsx (an old .xls file: save it as .xlsx)"
    )]
    UnknownFormat { path: String },
    /// The file has problems (printed); nothing was written.
    #[error(
        "tệp có {count} lỗi; không ghi gì vào cơ sở dữ liệu / the file has {count} problem(s); nothing was written"
    )]
    Rejected { count: usize },
    #[error("{0}")]
    Storage(#[from] StorageError),
}

/// Runs `chungtay import`.
pub async fn run(args: &ImportArgs) -> Result<(), ImportCmdError> {
    match &args.what {
        ImportKind::Needs { file } => {
            let (format, bytes) = read(file)?;
            let parsed = imports::parse_needs(&bytes, format);
            import_needs(args, parsed).await
        }
        ImportKind::Donors { file } => {
            let (format, bytes) = read(file)?;
            let parsed = imports::parse_donors(&bytes, format);
            import_donors(args, parsed).await
        }
    }
}

fn read(path: &Path) -> Result<(Format, Vec<u8>), ImportCmdError> {
    let shown = path.display().to_string();
    let format = path
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(Format::from_file_name)
        .ok_or_else(|| ImportCmdError::UnknownFormat {
            path: shown.clone(),
        })?;
    let bytes = std::fs::read(path).map_err(|source| ImportCmdError::Read {
        path: shown,
        source,
    })?;
    Ok((format, bytes))
}

async fn open(args: &ImportArgs) -> Result<Db, ImportCmdError> {
    let db = Db::connect(&DbUrl::new(args.db.clone())).await?;
    db.migrate().await?;
    Ok(db)
}

/// Whether parsing found problems that leave nothing to check against the
/// database (an unreadable file, bad headers): then the database is not
/// even opened.
fn nothing_to_resolve<T>(parsed: &Parsed<T>) -> bool {
    parsed.rows.is_empty() && !parsed.problems.is_empty()
}

/// Prints warnings, then problems, each sorted by row and column, to
/// standard error (the problems last, next to the final error line).
fn report(problems: &[Problem], warnings: &[Problem]) {
    let mut problems = problems.to_vec();
    imports::sort_problems(&mut problems);
    let mut warnings = warnings.to_vec();
    imports::sort_problems(&mut warnings);
    for w in &warnings {
        eprintln!("cảnh báo / warning: {w}");
    }
    for p in &problems {
        eprintln!("{p}");
    }
}

fn finish(problems: Vec<Problem>, warnings: &[Problem]) -> Result<(), ImportCmdError> {
    report(&problems, warnings);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ImportCmdError::Rejected {
            count: problems.len(),
        })
    }
}

/// The CLI acts as the system: every site is in its scope.
fn system() -> AuditActor {
    AuditActor::system("import")
}

async fn import_needs(args: &ImportArgs, parsed: Parsed<NeedRecord>) -> Result<(), ImportCmdError> {
    if nothing_to_resolve(&parsed) {
        return finish(parsed.problems, &[]);
    }
    let db = open(args).await?;
    let out = storage::import::needs::import(
        &db,
        &parsed,
        &Visibility::All,
        args.dry_run,
        &system(),
        Utc::now(),
    )
    .await?;
    if out.is_refused() {
        return finish(out.problems, &out.warnings);
    }
    let n = out.rows.len();
    if out.written {
        println!("đã nhập {n} dòng nhu cầu / imported {n} need line(s)");
    } else {
        println!(
            "kiểm tra xong: {n} dòng nhu cầu hợp lệ; không ghi gì (--dry-run) / checked: {n} valid need line(s); nothing written (--dry-run)"
        );
    }
    Ok(())
}

async fn import_donors(
    args: &ImportArgs,
    parsed: Parsed<DonorRecord>,
) -> Result<(), ImportCmdError> {
    if nothing_to_resolve(&parsed) {
        return finish(parsed.problems, &parsed.warnings);
    }
    let db = open(args).await?;
    let out =
        storage::import::donors::import(&db, &parsed, args.dry_run, &system(), Utc::now()).await?;
    if out.is_refused() {
        return finish(out.problems, &out.warnings);
    }
    report(&[], &out.warnings);
    let (n, w) = (out.rows.len(), out.warnings.len());
    if out.written {
        println!(
            "đã nhập {n} nhà tài trợ ({w} cảnh báo có thể trùng) / imported {n} donor(s) ({w} possible duplicate warning(s))"
        );
    } else {
        println!(
            "kiểm tra xong: {n} nhà tài trợ hợp lệ, {w} cảnh báo có thể trùng; không ghi gì (--dry-run) / checked: {n} valid donor(s), {w} possible duplicate warning(s); nothing written (--dry-run)"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A migrated SQLite file with the map, the demo organisations and the
    /// demo catalogue; returns its path.
    async fn database() -> String {
        let path = std::env::temp_dir()
            .join(format!("ct-import-{}.sqlite3", storage::new_id()))
            .to_string_lossy()
            .into_owned();
        let db = Db::connect(&DbUrl::new(path.clone())).await.expect("db");
        crate::setup::prepare(&db).await.expect("prepare");
        crate::demo::load_base(&db).await.expect("base demo");
        crate::demo_needs::load(&db, &storage::audit::AuditActor::system("t"))
            .await
            .expect("demo year");
        db.close().await;
        path
    }

    async fn count(path: &str) -> usize {
        let db = Db::connect(&DbUrl::new(path.to_owned())).await.expect("db");
        let n = storage::needs::list(
            &db,
            &domain::authz::Visibility::All,
            &storage::needs::NeedFilter::default(),
        )
        .await
        .expect("q")
        .len();
        db.close().await;
        n
    }

    fn file(content: &str) -> PathBuf {
        let p = std::env::temp_dir().join(format!("ct-import-{}.csv", storage::new_id()));
        std::fs::write(&p, content).expect("write");
        p
    }

    async fn package_code(path: &str) -> String {
        let db = Db::connect(&DbUrl::new(path.to_owned())).await.expect("db");
        let k = storage::catalogue::current_packages(&db).await.expect("q");
        db.close().await;
        k.iter()
            .find(|k| {
                k.version.category == domain::needs::Category::WarmClothing
                    && k.version.age_band == domain::needs::AgeBand::PRIMARY
            })
            .map(|k| k.version.code.clone())
            .expect("a primary warm-clothing package")
    }

    /// The period "Mùa đông 2026–2027" (1 Nov 2026 – 1 Mar 2027), which the
    /// demo does not cover.
    async fn add_winter_2026(db: &str) {
        let conn = Db::connect(&DbUrl::new(db.to_owned())).await.expect("db");
        storage::catalogue::create_period(
            &conn,
            &storage::catalogue::Period {
                id: "dong-2026".into(),
                name: "Mùa đông 2026–2027".into(),
                starts_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 1).expect("d"),
                ends_on: chrono::NaiveDate::from_ymd_opt(2027, 3, 1).expect("d"),
                is_demo: false,
            },
            &storage::audit::AuditActor::system("t"),
            chrono::Utc::now(),
        )
        .await
        .expect("period");
        conn.close().await;
    }

    #[tokio::test]
    async fn a_file_with_one_bad_row_writes_nothing_and_a_good_one_writes_every_row() {
        let db = database().await;
        let before = count(&db).await;
        let code = package_code(&db).await;
        let head = "Mã điểm hỗ trợ,Mã gói,Đợt,Số trẻ,Ghi chú\n";
        // A new period makes these lines new (the demo already covers the winter).
        add_winter_2026(&db).await;
        let bad = file(&format!(
            "{head}th-20056,{code},Mùa đông 2026–2027,12,\nth-20056,{code},Mùa đông 2026–2027,-4,\n"
        ));
        let args = |f: PathBuf, dry_run: bool| ImportArgs {
            what: ImportKind::Needs { file: f },
            dry_run,
            db: db.clone(),
        };
        let err = run(&args(bad, false)).await.expect_err("refused");
        assert!(
            matches!(err, ImportCmdError::Rejected { count: 1 }),
            "{err}"
        );
        assert_eq!(count(&db).await, before, "nothing written");
        let good = file(&format!(
            "{head}th-20056,{code},Mùa đông 2026–2027,12,\nth-20047,{code},dong-2026,\"1.200\",\n"
        ));
        run(&args(good.clone(), true))
            .await
            .expect("dry run passes");
        assert_eq!(count(&db).await, before, "a dry run writes nothing");
        run(&args(good.clone(), false)).await.expect("imported");
        assert_eq!(count(&db).await, before + 2);
        // The same file again would count the needs twice: refused whole.
        assert!(run(&args(good, false)).await.is_err());
        assert_eq!(count(&db).await, before + 2);
    }

    /// A package code is found in any case, Vietnamese capitals included ("đa-01" names
    /// "ĐA-01").
    #[tokio::test]
    async fn a_package_code_is_matched_in_any_case_vietnamese_letters_included() {
        let db = database().await;
        add_winter_2026(&db).await;
        let conn = Db::connect(&DbUrl::new(db.clone())).await.expect("db");
        let pkg = domain::needs::PackageVersion {
            code: "ĐA-ẤM-01".into(),
            version: 0,
            name: "Gói đồ ấm tiểu học".into(),
            category: domain::needs::Category::WarmClothing,
            age_band: domain::needs::AgeBand::PRIMARY,
            items: vec![domain::needs::PackageItem {
                name: "Áo ấm".into(),
                unit: "cái".into(),
                quantity: 1,
                unit_value: 320_000,
            }],
        };
        storage::catalogue::add_package_version(
            &conn,
            &pkg,
            false,
            &storage::audit::AuditActor::system("t"),
            Utc::now(),
        )
        .await
        .expect("package");
        conn.close().await;
        let before = count(&db).await;
        let f = file("Mã điểm hỗ trợ,Mã gói,Đợt,Số trẻ,Ghi chú\nth-20056,đa-ấm-01,dong-2026,12,\n");
        let args = ImportArgs {
            what: ImportKind::Needs { file: f },
            dry_run: false,
            db: db.clone(),
        };
        run(&args).await.expect("imported by the lower-case code");
        assert_eq!(count(&db).await, before + 1);
    }

    #[tokio::test]
    async fn a_preschool_package_for_a_primary_school_is_named_in_the_dry_run() {
        let db = database().await;
        let before = count(&db).await;
        let conn = Db::connect(&DbUrl::new(db.clone())).await.expect("db");
        let preschool = storage::catalogue::current_packages(&conn)
            .await
            .expect("q")
            .into_iter()
            .find(|k| k.version.age_band == domain::needs::AgeBand::PRESCHOOL)
            .map(|k| k.version.code)
            .expect("a preschool package");
        conn.close().await;
        let head = "Mã điểm hỗ trợ,Mã gói,Đợt,Số trẻ,Ghi chú\n";
        let f = file(&format!(
            "{head}th-20056,{preschool},Mùa đông 2025–2026,12,\n"
        ));
        for dry_run in [true, false] {
            let err = run(&ImportArgs {
                what: ImportKind::Needs { file: f.clone() },
                dry_run,
                db: db.clone(),
            })
            .await
            .expect_err("refused");
            assert!(
                matches!(err, ImportCmdError::Rejected { count: 1 }),
                "{err}"
            );
        }
        assert_eq!(count(&db).await, before);
    }

    #[tokio::test]
    async fn an_age_band_column_must_name_an_existing_band_and_the_packages_own() {
        let db = database().await;
        let before = count(&db).await;
        let code = package_code(&db).await;
        add_winter_2026(&db).await;
        let head = "Mã điểm hỗ trợ,Mã gói,Đợt,Số trẻ,Độ tuổi,Ghi chú\n";
        let args = |f: PathBuf| ImportArgs {
            what: ImportKind::Needs { file: f },
            dry_run: true,
            db: db.clone(),
        };
        // A band that does not exist, and one that is not the package's.
        let bad = file(&format!(
            "{head}th-20056,{code},dong-2026,12,thpt,\nth-20047,{code},dong-2026,8,Mầm non (3–5 tuổi),\n"
        ));
        let err = run(&args(bad)).await.expect_err("refused");
        assert!(
            matches!(err, ImportCmdError::Rejected { count: 2 }),
            "{err}"
        );
        // By code or by name (case and diacritics ignored), or left blank.
        let good = file(&format!(
            "{head}th-20056,{code},dong-2026,12,tieu hoc (6–10 TUOI),\nth-20047,{code},dong-2026,8,,\n"
        ));
        run(&args(good)).await.expect("the dry run passes");
        assert_eq!(count(&db).await, before);
    }
}
