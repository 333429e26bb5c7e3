//! `chungtay import needs FILE [--dry-run] [--db URL]` and
//! `chungtay import donors FILE [--dry-run] [--db URL]`.
//!
//! Reads a CSV or XLSX file (by its extension) with the `imports` crate,
//! resolves sites, packages and periods against the database, and writes
//! every row in one transaction — or nothing. Every problem is printed as
//! `dòng N, cột C: … / row N, column C: …` (N is the spreadsheet row, the
//! header is row 1); any problem, or `--dry-run`, writes nothing, and a
//! problem makes the command exit non-zero. Donors that look like ones
//! already stored are reported as warnings.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

use chrono::{Duration, NaiveDate, Utc};
use domain::authz::Visibility;
use domain::organisation::OrgType;
use domain::text::search_key;
use imports::{DonorRecord, Format, NeedRecord, Parsed, Problem, SiteRef};
use storage::audit::AuditActor;
use storage::catalogue::{Package, Period};
use storage::donors::Donor;
use storage::needs::{NeedFilter, NeedInputError, NewNeedLine};
use storage::organisations::{OrgFilter, Organisation};
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
/// database (an unreadable file, bad headers).
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

/// Today in Vietnam (UTC+7, no DST).
fn today() -> NaiveDate {
    (Utc::now() + Duration::hours(7)).date_naive()
}

fn dmy(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

fn is_site(org: &Organisation) -> bool {
    org.org_type.parse::<OrgType>().is_ok_and(OrgType::is_site)
}

/// A short list for a message: the first few, then "…".
fn some_of(items: impl IntoIterator<Item = String>) -> String {
    let mut v: Vec<String> = items.into_iter().collect();
    v.sort();
    v.dedup();
    let more = v.len() > 8;
    v.truncate(8);
    let mut s = v.join(", ");
    if more {
        s.push_str(", …");
    }
    if s.is_empty() {
        "(không có / none)".into()
    } else {
        s
    }
}

/// Everything a need row is resolved against, loaded once.
struct Catalogue {
    orgs: HashMap<String, Organisation>,
    sites_by_name: HashMap<String, Vec<String>>,
    periods: Vec<Period>,
    packages: Vec<Package>,
    bands: Vec<storage::age_bands::Band>,
    /// (site id, package code, period id) → an existing need line id.
    existing: HashMap<(String, String, String), String>,
}

impl Catalogue {
    async fn load(db: &Db) -> Result<Catalogue, StorageError> {
        let orgs =
            storage::organisations::list(db, &Visibility::All, &OrgFilter::default()).await?;
        let mut sites_by_name: HashMap<String, Vec<String>> = HashMap::new();
        for o in orgs.iter().filter(|o| is_site(o)) {
            sites_by_name
                .entry(search_key(&o.name))
                .or_default()
                .push(o.id.clone());
        }
        let existing = storage::needs::list(db, &Visibility::All, &NeedFilter::default())
            .await?
            .into_iter()
            .map(|n| ((n.site_id, n.package_code, n.period_id), n.id))
            .collect();
        Ok(Catalogue {
            orgs: orgs.into_iter().map(|o| (o.id.clone(), o)).collect(),
            sites_by_name,
            periods: storage::catalogue::periods(db).await?,
            packages: storage::catalogue::current_packages(db).await?,
            bands: storage::age_bands::list(db).await?,
            existing,
        })
    }

    /// The site a row names, or the problem.
    fn site(&self, parsed: &Parsed<NeedRecord>, r: &NeedRecord) -> Result<&Organisation, Problem> {
        let today = today();
        match &r.site {
            SiteRef::Id { id, name } => {
                let col = parsed.column(imports::needs::SITE_ID);
                let Some(org) = self.orgs.get(id) else {
                    return Err(Problem::at(
                        r.row,
                        col,
                        format!(
                            "không có tổ chức mã \"{id}\" trong danh bạ; hãy kiểm tra mã hoặc ghi tên điểm hỗ trợ"
                        ),
                        format!(
                            "no organisation has id \"{id}\" in the register; check the id or give the site's name"
                        ),
                    ));
                };
                if !is_site(org) {
                    return Err(Problem::at(
                        r.row,
                        col,
                        format!(
                            "\"{}\" ({}) không phải điểm hỗ trợ; cần trường, điểm trường hoặc trạm y tế",
                            org.name, org.org_type
                        ),
                        format!(
                            "\"{}\" ({}) is not a site; expected a school, school site or health station",
                            org.name, org.org_type
                        ),
                    ));
                }
                if !org.in_force_on(today) {
                    return Err(closed(r.row, col, org, self));
                }
                if let Some(n) = name
                    && search_key(n) != search_key(&org.name)
                {
                    return Err(Problem::at(
                        r.row,
                        parsed.column(imports::needs::SITE_NAME),
                        format!(
                            "tên \"{n}\" không khớp với mã \"{id}\" (mã này là \"{}\"); hãy sửa một trong hai",
                            org.name
                        ),
                        format!(
                            "the name \"{n}\" does not match the id \"{id}\" (that id is \"{}\"); correct one of them",
                            org.name
                        ),
                    ));
                }
                Ok(org)
            }
            SiteRef::Name(name) => {
                let col = parsed.column(imports::needs::SITE_NAME);
                let key = search_key(name);
                let all: Vec<&Organisation> = self
                    .sites_by_name
                    .get(&key)
                    .into_iter()
                    .flatten()
                    .filter_map(|id| self.orgs.get(id))
                    .collect();
                let current: Vec<&Organisation> = all
                    .iter()
                    .copied()
                    .filter(|o| o.in_force_on(today))
                    .collect();
                match (current.as_slice(), all.first()) {
                    ([one], _) => Ok(one),
                    ([], Some(old)) => Err(closed(r.row, col, old, self)),
                    ([], None) => {
                        let other = self.orgs.values().find(|o| search_key(&o.name) == key);
                        Err(match other {
                            Some(o) => Problem::at(
                                r.row,
                                col,
                                format!(
                                    "\"{}\" ({}) không phải điểm hỗ trợ; cần trường, điểm trường hoặc trạm y tế",
                                    o.name, o.org_type
                                ),
                                format!(
                                    "\"{}\" ({}) is not a site; expected a school, school site or health station",
                                    o.name, o.org_type
                                ),
                            ),
                            None => Problem::at(
                                r.row,
                                col,
                                format!(
                                    "không tìm thấy điểm hỗ trợ tên \"{name}\" trong danh bạ; hãy ghi đúng tên hoặc dùng cột \"Mã điểm hỗ trợ\""
                                ),
                                format!(
                                    "no site named \"{name}\" in the register; write the name as registered or use the \"Mã điểm hỗ trợ\" (site id) column"
                                ),
                            ),
                        })
                    }
                    (many, _) => {
                        let ids = some_of(many.iter().map(|o| o.id.clone()));
                        Err(Problem::at(
                            r.row,
                            col,
                            format!(
                                "có {} điểm hỗ trợ cùng tên \"{name}\" (mã {ids}); hãy ghi \"Mã điểm hỗ trợ\" để chỉ rõ",
                                many.len()
                            ),
                            format!(
                                "{} sites are named \"{name}\" (ids {ids}); give the \"Mã điểm hỗ trợ\" (site id) to say which",
                                many.len()
                            ),
                        ))
                    }
                }
            }
        }
    }

    fn package(&self, parsed: &Parsed<NeedRecord>, r: &NeedRecord) -> Result<&Package, Problem> {
        let code = r.package_code.trim();
        let exact = self.packages.iter().find(|p| p.version.code == code);
        let folded = || {
            let mut m = self
                .packages
                .iter()
                .filter(|p| p.version.code.eq_ignore_ascii_case(code));
            match (m.next(), m.next()) {
                (Some(p), None) => Some(p),
                _ => None,
            }
        };
        exact.or_else(folded).ok_or_else(|| {
            let codes = some_of(self.packages.iter().map(|p| p.version.code.clone()));
            Problem::at(
                r.row,
                parsed.column(imports::needs::PACKAGE_CODE),
                format!("không có gói mã \"{code}\" trong danh mục; các mã hiện có: {codes}"),
                format!("no package has code \"{code}\" in the catalogue; the codes are: {codes}"),
            )
        })
    }

    /// The row's "Độ tuổi", when given: an existing band (by code or
    /// name, case and diacritics ignored) that is the package's own.
    fn age_band(
        &self,
        parsed: &Parsed<NeedRecord>,
        r: &NeedRecord,
        package: &Package,
    ) -> Result<(), Problem> {
        let given = r.age_band.trim();
        if given.is_empty() {
            return Ok(());
        }
        let col = parsed.column(imports::needs::AGE_BAND);
        let key = search_key(given);
        let Some(band) = self.bands.iter().find(|b| {
            b.code == given
                || search_key(&b.code) == key
                || search_key(&b.name_vi) == key
                || search_key(&b.name_en) == key
        }) else {
            let codes = some_of(self.bands.iter().map(|b| b.code.clone()));
            return Err(Problem::at(
                r.row,
                col,
                format!("không có độ tuổi \"{given}\" trong danh mục; các mã hiện có: {codes}"),
                format!("no age band \"{given}\" in the catalogue; the codes are: {codes}"),
            ));
        };
        if band.code != package.version.age_band.as_str() {
            return Err(Problem::at(
                r.row,
                col,
                format!(
                    "gói {} dành cho độ tuổi \"{}\", không phải \"{}\"; hãy sửa độ tuổi hoặc chọn gói khác",
                    package.version.code, package.version.age_band, band.code
                ),
                format!(
                    "package {} is for the \"{}\" age band, not \"{}\"; correct the band or choose another package",
                    package.version.code, package.version.age_band, band.code
                ),
            ));
        }
        Ok(())
    }

    fn period(&self, parsed: &Parsed<NeedRecord>, r: &NeedRecord) -> Result<&Period, Problem> {
        let col = parsed.column(imports::needs::PERIOD);
        if let Some(p) = self.periods.iter().find(|p| p.id == r.period) {
            return Ok(p);
        }
        let key = search_key(&r.period);
        let named: Vec<&Period> = self
            .periods
            .iter()
            .filter(|p| search_key(&p.name) == key)
            .collect();
        match named.as_slice() {
            [one] => Ok(one),
            [] => {
                let names = some_of(
                    self.periods
                        .iter()
                        .map(|p| format!("{} ({})", p.name, p.id)),
                );
                Err(Problem::at(
                    r.row,
                    col,
                    format!("không có đợt \"{}\"; các đợt hiện có: {names}", r.period),
                    format!("no period \"{}\"; the periods are: {names}", r.period),
                ))
            }
            many => {
                let ids = some_of(many.iter().map(|p| p.id.clone()));
                Err(Problem::at(
                    r.row,
                    col,
                    format!(
                        "có {} đợt cùng tên \"{}\" (mã {ids}); hãy ghi mã đợt",
                        many.len(),
                        r.period
                    ),
                    format!(
                        "{} periods are named \"{}\" (ids {ids}); give the period's id",
                        many.len(),
                        r.period
                    ),
                ))
            }
        }
    }
}

fn closed(row: usize, column: Option<String>, org: &Organisation, cat: &Catalogue) -> Problem {
    let since = org.valid_to.map(dmy).unwrap_or_default();
    let successor = org
        .successor_id
        .as_deref()
        .and_then(|id| cat.orgs.get(id))
        .map(|s| {
            (
                format!("; đơn vị kế tiếp: \"{}\" (mã {})", s.name, s.id),
                format!("; its successor is \"{}\" (id {})", s.name, s.id),
            )
        })
        .unwrap_or_default();
    Problem::at(
        row,
        column,
        format!(
            "điểm hỗ trợ \"{}\" đã thôi hoạt động từ {since}{}",
            org.name, successor.0
        ),
        format!("the site \"{}\" closed on {since}{}", org.name, successor.1),
    )
}

async fn import_needs(args: &ImportArgs, parsed: Parsed<NeedRecord>) -> Result<(), ImportCmdError> {
    if nothing_to_resolve(&parsed) {
        return finish(parsed.problems, &[]);
    }
    let db = open(args).await?;
    let cat = Catalogue::load(&db).await?;
    let mut problems = parsed.problems.clone();
    let mut lines: Vec<NewNeedLine> = Vec::new();
    let mut rows: Vec<usize> = Vec::new();
    let mut seen: HashMap<(String, String, String), usize> = HashMap::new();
    for r in &parsed.rows {
        let site = cat.site(&parsed, r);
        let package = cat.package(&parsed, r);
        let period = cat.period(&parsed, r);
        let (site, package, period) = match (site, package, period) {
            (Ok(s), Ok(p), Ok(d)) => (s, p, d),
            (s, p, d) => {
                problems.extend([s.err(), p.err(), d.err()].into_iter().flatten());
                continue;
            }
        };
        if r.quantity.checked_mul(package.unit_value).is_none() {
            problems.push(Problem::at(
                r.row,
                parsed.column(imports::needs::QUANTITY),
                format!("{} × đơn giá gói {} đồng vượt quá giới hạn số tiền; hãy kiểm tra số trẻ", r.quantity, package.unit_value),
                format!("{} × the package's unit value of {} đồng is beyond what an amount can hold; check the number", r.quantity, package.unit_value),
            ));
            continue;
        }
        if let Err(p) = cat.age_band(&parsed, r, package) {
            problems.push(p);
            continue;
        }
        let band = domain::needs::category::site_band(&site.org_type, &site.name);
        if !domain::needs::category::band_fits(band, package.version.age_band) {
            problems.push(Problem::at(
                r.row,
                parsed.column(imports::needs::PACKAGE_CODE),
                format!("gói {} dành cho lứa tuổi \"{}\", không hợp với \"{}\" (trường mầm non không nhận gói tiểu học và ngược lại)", package.version.code, package.version.age_band.as_str(), site.name),
                format!("package {} is for the \"{}\" age band and does not fit \"{}\" (a preschool cannot take a primary package, nor the reverse)", package.version.code, package.version.age_band.as_str(), site.name),
            ));
            continue;
        }
        let key = (
            site.id.clone(),
            package.version.code.clone(),
            period.id.clone(),
        );
        if let Some(earlier) = seen.get(&key) {
            problems.push(Problem::at(
                r.row,
                None,
                format!("trùng với dòng {earlier} (cùng điểm hỗ trợ \"{}\", gói {} và đợt \"{}\"); mỗi nhu cầu chỉ ghi một lần", site.name, package.version.code, period.name),
                format!("repeats row {earlier} (same site \"{}\", package {} and period \"{}\"); each need is entered once", site.name, package.version.code, period.name),
            ));
            continue;
        }
        if let Some(existing) = cat.existing.get(&key) {
            problems.push(Problem::at(
                r.row,
                None,
                format!("đã có nhu cầu cho điểm \"{}\", gói {} và đợt \"{}\" (mã {existing}); nhập lại sẽ tính hai lần — hãy sửa dòng đã có", site.name, package.version.code, period.name),
                format!("a need line for site \"{}\", package {} and period \"{}\" already exists (id {existing}); importing it again would count it twice — edit the existing line", site.name, package.version.code, period.name),
            ));
            continue;
        }
        seen.insert(key, r.row);
        rows.push(r.row);
        lines.push(NewNeedLine {
            site_id: site.id.clone(),
            period_id: period.id.clone(),
            package_id: package.id.clone(),
            quantity: r.quantity,
            note: r.note.clone(),
            is_demo: false,
        });
    }
    if !problems.is_empty() {
        return finish(problems, &[]);
    }
    if args.dry_run {
        println!(
            "kiểm tra xong: {} dòng nhu cầu hợp lệ; không ghi gì (--dry-run) / checked: {} valid need line(s); nothing written (--dry-run)",
            lines.len(),
            lines.len()
        );
        return Ok(());
    }
    match storage::needs::create_many(&db, &lines, &AuditActor::system("import"), Utc::now())
        .await?
    {
        Ok(ids) => {
            println!(
                "đã nhập {} dòng nhu cầu / imported {} need line(s)",
                ids.len(),
                ids.len()
            );
            Ok(())
        }
        Err(errors) => {
            let problems = errors
                .into_iter()
                .map(|(i, e)| need_error(rows.get(i).copied().unwrap_or(0), &parsed, e))
                .collect();
            finish(problems, &[])
        }
    }
}

/// A storage refusal (the data changed between checking and writing) as a
/// problem on its row.
fn need_error(row: usize, parsed: &Parsed<NeedRecord>, e: NeedInputError) -> Problem {
    let (column, vi, en) = match e {
        NeedInputError::UnknownSite | NeedInputError::NotASite => (
            imports::needs::SITE_ID,
            "điểm hỗ trợ không còn hợp lệ",
            "the site is no longer valid",
        ),
        NeedInputError::UnknownPeriod => (
            imports::needs::PERIOD,
            "đợt không còn tồn tại",
            "the period no longer exists",
        ),
        NeedInputError::UnknownPackage => (
            imports::needs::PACKAGE_CODE,
            "phiên bản gói không còn tồn tại",
            "the package version no longer exists",
        ),
        NeedInputError::BadQuantity => (
            imports::needs::QUANTITY,
            "số trẻ phải lớn hơn 0",
            "the number must be above zero",
        ),
        NeedInputError::Overflow => (
            imports::needs::QUANTITY,
            "số tiền vượt quá giới hạn",
            "the amount is beyond what can be held",
        ),
        NeedInputError::AgeBandMismatch => (
            imports::needs::PACKAGE_CODE,
            "gói không hợp với cấp học của điểm hỗ trợ (trường mầm non không nhận gói tiểu học và ngược lại)",
            "the package does not fit the site's level (a preschool cannot take a primary package, nor the reverse)",
        ),
    };
    Problem::at(row, parsed.column(column), vi, en)
}

fn donor_of(r: &DonorRecord) -> Donor {
    Donor {
        id: storage::new_id(),
        kind: r.kind.as_str().to_owned(),
        name: r.name.clone(),
        origin: r.origin.as_str().to_owned(),
        donor_type: r.donor_type.as_str().to_owned(),
        tax_code: r.tax_code.clone(),
        phone: r.phone.clone(),
        email: r.email.clone(),
        publish_name: r.publish_name,
        anonymous: r.anonymous,
        is_demo: false,
    }
}

async fn import_donors(
    args: &ImportArgs,
    parsed: Parsed<DonorRecord>,
) -> Result<(), ImportCmdError> {
    if nothing_to_resolve(&parsed) {
        return finish(parsed.problems, &parsed.warnings);
    }
    let db = open(args).await?;
    let donors: Vec<Donor> = parsed.rows.iter().map(donor_of).collect();
    let mut warnings = parsed.warnings.clone();
    for (r, d) in parsed.rows.iter().zip(&donors) {
        for other in storage::donors::likely_duplicates(&db, d).await? {
            let mut same_vi = Vec::new();
            let mut same_en = Vec::new();
            if d.tax_code.is_some() && d.tax_code == other.tax_code {
                same_vi.push("mã số thuế");
                same_en.push("tax code");
            }
            if d.phone.is_some() && d.phone == other.phone {
                same_vi.push("điện thoại");
                same_en.push("phone");
            }
            if d.email.is_some() && d.email == other.email {
                same_vi.push("email");
                same_en.push("e-mail");
            }
            if search_key(&d.name) == search_key(&other.name) {
                same_vi.push("tên");
                same_en.push("name");
            }
            warnings.push(Problem::at(
                r.row,
                None,
                format!(
                    "có thể trùng với nhà tài trợ đã có \"{}\" (mã {}; cùng {}) — kiểm tra trước khi nhập",
                    other.name,
                    other.id,
                    same_vi.join(", ")
                ),
                format!(
                    "may be the donor already stored as \"{}\" (id {}; same {}) — check before importing",
                    other.name,
                    other.id,
                    same_en.join(", ")
                ),
            ));
        }
    }
    if !parsed.problems.is_empty() {
        return finish(parsed.problems, &warnings);
    }
    report(&[], &warnings);
    if args.dry_run {
        println!(
            "kiểm tra xong: {} nhà tài trợ hợp lệ, {} cảnh báo có thể trùng; không ghi gì (--dry-run) / checked: {} valid donor(s), {} possible duplicate warning(s); nothing written (--dry-run)",
            donors.len(),
            warnings.len(),
            donors.len(),
            warnings.len()
        );
        return Ok(());
    }
    storage::donors::create_many(&db, &donors, &AuditActor::system("import"), Utc::now()).await?;
    println!(
        "đã nhập {} nhà tài trợ ({} cảnh báo có thể trùng) / imported {} donor(s) ({} possible duplicate warning(s))",
        donors.len(),
        warnings.len(),
        donors.len(),
        warnings.len()
    );
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
        let n = storage::needs::list(&db, &domain::authz::Visibility::All, &NeedFilter::default())
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

    #[tokio::test]
    async fn a_file_with_one_bad_row_writes_nothing_and_a_good_one_writes_every_row() {
        let db = database().await;
        let before = count(&db).await;
        let code = package_code(&db).await;
        let head = "Mã điểm hỗ trợ,Mã gói,Đợt,Số trẻ,Ghi chú\n";
        // A new period makes these lines new (the demo already covers the winter).
        let db_conn = Db::connect(&DbUrl::new(db.clone())).await.expect("db");
        storage::catalogue::create_period(
            &db_conn,
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
        db_conn.close().await;
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
        let conn = Db::connect(&DbUrl::new(db.clone())).await.expect("db");
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
