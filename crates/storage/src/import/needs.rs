//! Need lines from a spreadsheet, resolved against the database: sites (by
//! id or name, in force, in the importer's scope), package codes (latest
//! version), periods (by id or name), age bands, and lines that already
//! exist. Every problem names its row and column; any problem writes
//! nothing; every row is written in one transaction.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::authz::Visibility;
use domain::organisation::OrgType;
use domain::text::search_key;
use imports::{NeedRecord, Parsed, Problem, SiteRef};

use super::{Outcome, Written, nothing_to_resolve, some_of};
use crate::audit::AuditActor;
use crate::catalogue::{Package, Period};
use crate::needs::{NeedFilter, NeedInputError, NewNeedLine};
use crate::organisations::{OrgFilter, Organisation};
use crate::{Db, StorageError};

/// The day in Vietnam (UTC+7, no DST) at `now`.
fn vietnam_day(now: DateTime<Utc>) -> NaiveDate {
    (now + Duration::hours(7)).date_naive()
}

fn dmy(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

fn is_site(org: &Organisation) -> bool {
    org.org_type.parse::<OrgType>().is_ok_and(OrgType::is_site)
}

/// Everything a need row is resolved against, loaded once.
struct Catalogue<'a> {
    /// The sites the importer may enter needs for.
    scope: &'a Visibility,
    /// The day the sites must be in force on.
    today: NaiveDate,
    orgs: HashMap<String, Organisation>,
    sites_by_name: HashMap<String, Vec<String>>,
    periods: Vec<Period>,
    packages: Vec<Package>,
    bands: Vec<crate::age_bands::Band>,
    /// (site id, package code, period id) → an existing need line id.
    existing: HashMap<(String, String, String), String>,
}

impl<'a> Catalogue<'a> {
    async fn load(
        db: &Db,
        scope: &'a Visibility,
        today: NaiveDate,
    ) -> Result<Catalogue<'a>, StorageError> {
        let orgs = crate::organisations::list(db, &Visibility::All, &OrgFilter::default()).await?;
        let mut sites_by_name: HashMap<String, Vec<String>> = HashMap::new();
        for o in orgs.iter().filter(|o| is_site(o)) {
            sites_by_name
                .entry(search_key(&o.name))
                .or_default()
                .push(o.id.clone());
        }
        let existing = crate::needs::list(db, &Visibility::All, &NeedFilter::default())
            .await?
            .into_iter()
            .map(|n| ((n.site_id, n.package_code, n.period_id), n.id))
            .collect();
        Ok(Catalogue {
            scope,
            today,
            orgs: orgs.into_iter().map(|o| (o.id.clone(), o)).collect(),
            sites_by_name,
            periods: crate::catalogue::periods(db).await?,
            packages: crate::catalogue::current_packages(db).await?,
            bands: crate::age_bands::list(db).await?,
            existing,
        })
    }

    /// Whether the importer may enter needs for this organisation: the
    /// system may for any; a person only for one in a commune of their scope
    /// (the check of the need-line form).
    fn in_scope(&self, org: &Organisation) -> bool {
        match self.scope {
            Visibility::All => true,
            scope => org
                .unit_code
                .as_deref()
                .is_some_and(|u| scope.allows_unit(u)),
        }
    }

    /// The site a row names, or the problem. A site outside the importer's
    /// scope is refused without its name or kind.
    fn site(&self, parsed: &Parsed<NeedRecord>, r: &NeedRecord) -> Result<&Organisation, Problem> {
        let today = self.today;
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
                if !self.in_scope(org) {
                    return Err(out_of_scope(r.row, col));
                }
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
                let named: Vec<&Organisation> = self
                    .sites_by_name
                    .get(&key)
                    .into_iter()
                    .flatten()
                    .filter_map(|id| self.orgs.get(id))
                    .collect();
                let all: Vec<&Organisation> =
                    named.iter().copied().filter(|o| self.in_scope(o)).collect();
                if all.is_empty() && !named.is_empty() {
                    return Err(out_of_scope(r.row, col));
                }
                let current: Vec<&Organisation> = all
                    .iter()
                    .copied()
                    .filter(|o| o.in_force_on(today))
                    .collect();
                match (current.as_slice(), all.first()) {
                    ([one], _) => Ok(one),
                    ([], Some(old)) => Err(closed(r.row, col, old, self)),
                    ([], None) => {
                        let other = self
                            .orgs
                            .values()
                            .find(|o| search_key(&o.name) == key && self.in_scope(o));
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
            // Any case, Vietnamese letters included ("đa-01" is "ĐA-01").
            let lower = code.to_lowercase();
            let mut m = self
                .packages
                .iter()
                .filter(|p| p.version.code.to_lowercase() == lower);
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

/// A site the importer may not enter needs for, named only by its place.
fn out_of_scope(row: usize, column: Option<String>) -> Problem {
    Problem::at(
        row,
        column,
        "điểm hỗ trợ này ngoài phạm vi của bạn; chỉ nhập nhu cầu cho điểm hỗ trợ ở xã bạn phụ trách",
        "this site is outside your scope; import needs only for the sites of your communes",
    )
}

fn closed(row: usize, column: Option<String>, org: &Organisation, cat: &Catalogue) -> Problem {
    let since = org.valid_to.map(dmy).unwrap_or_default();
    let successor = org
        .successor_id
        .as_deref()
        .and_then(|id| cat.orgs.get(id))
        .filter(|s| cat.in_scope(s))
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

/// Checks parsed need lines against the database and, unless `dry_run` or
/// any row has a problem, writes them all in one transaction (status
/// `assessed`, audited as `actor`). `scope` is the set of communes whose
/// sites the importer may enter needs for — `Visibility::All` for the
/// system (the CLI); a site outside it is a problem on its row and column.
pub async fn import(
    db: &Db,
    parsed: &Parsed<NeedRecord>,
    scope: &Visibility,
    dry_run: bool,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<Outcome, StorageError> {
    if nothing_to_resolve(parsed) {
        return Ok(Outcome::refused(parsed.problems.clone(), Vec::new()));
    }
    let cat = Catalogue::load(db, scope, vietnam_day(now)).await?;
    let mut problems = parsed.problems.clone();
    let mut lines: Vec<NewNeedLine> = Vec::new();
    let mut written: Vec<Written> = Vec::new();
    let mut seen: HashMap<(String, String, String), usize> = HashMap::new();
    for r in &parsed.rows {
        let site = cat.site(parsed, r);
        let package = cat.package(parsed, r);
        let period = cat.period(parsed, r);
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
        if let Err(p) = cat.age_band(parsed, r, package) {
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
        written.push(Written {
            row: r.row,
            id: String::new(),
            label: format!(
                "{} · {} · {} · {}",
                site.name, package.version.code, period.name, r.quantity
            ),
        });
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
        return Ok(Outcome::refused(problems, Vec::new()));
    }
    if dry_run {
        return Ok(Outcome::checked(written, Vec::new()));
    }
    match crate::needs::create_many(db, &lines, actor, now).await? {
        Ok(ids) => {
            for (w, id) in written.iter_mut().zip(ids) {
                w.id = id;
            }
            Ok(Outcome::written(written, Vec::new()))
        }
        Err(errors) => {
            let problems = errors
                .into_iter()
                .map(|(i, e)| need_error(written.get(i).map_or(0, |w| w.row), parsed, e))
                .collect();
            Ok(Outcome::refused(problems, Vec::new()))
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
