//! Children's source records from a spreadsheet (a school's class list, a
//! health station's register, a mass organisation's list) or from the
//! entry form: one validation for both.
//!
//! ⚠️ Children's data. A problem names the row, the column and what is
//! expected — never the value typed (a child's name, birth date, guardian
//! or personal ID must not reach an error message, a log line or a page
//! other than the child's own). `Debug` of the types here is redacted.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use dedupe::pid::{PersonalId, PidError, parse_personal_id};

use crate::Format;
use crate::columns::{Field, Parsed, Sheet, duplicates};
use crate::problem::Problem;
use crate::table::{Row, read_table};
use crate::values::{fold, legacy_encoding};

pub const SOURCE_REF: &str = "source_ref";
pub const FULL_NAME: &str = "full_name";
pub const BIRTH_DATE: &str = "birth_date";
pub const SEX: &str = "sex";
pub const ETHNICITY: &str = "ethnicity";
pub const COMMUNE: &str = "commune_code";
pub const VILLAGE: &str = "village";
pub const SCHOOL: &str = "school_name";
pub const GRADE: &str = "grade";
pub const GUARDIAN: &str = "guardian_name";
pub const PERSONAL_ID: &str = "personal_id";

/// Oldest age accepted: the plan supports children under 16 (Luật Trẻ em
/// 2016 art. 1); a register may still list a pupil who turned 16 or 17.
pub const MAX_AGE: i32 = 18;

pub(crate) static FIELDS: &[Field] = &[
    Field {
        key: SOURCE_REF,
        vi: "Mã hồ sơ",
        aliases: &["ma hoc sinh", "ma so"],
        required: false,
        help_vi: "mã của trẻ trong sổ của đơn vị (mã học sinh, số sổ khám…); không bắt buộc — nếu có, nhập lại tệp sẽ tạo phiên bản mới của cùng hồ sơ thay vì hồ sơ mới",
        help_en: "the child's number in the source's own register (pupil number, clinic number…); optional — when given, importing again adds a version of the same record instead of a new record",
    },
    Field {
        key: FULL_NAME,
        vi: "Họ và tên",
        aliases: &["ho ten", "name"],
        required: true,
        help_vi: "họ, tên đệm và tên như trên giấy khai sinh, ví dụ Hồ Thị Hoa",
        help_en: "family, middle and given name as on the birth certificate, e.g. Hồ Thị Hoa",
    },
    Field {
        key: BIRTH_DATE,
        vi: "Ngày sinh",
        aliases: &["dob", "nam sinh"],
        required: true,
        help_vi: "dd/mm/yyyy (05/03/2017), mm/yyyy (03/2017) hoặc chỉ năm (2017) nếu không biết ngày",
        help_en: "dd/mm/yyyy (05/03/2017), mm/yyyy (03/2017) or the year alone (2017) when the day is unknown",
    },
    Field {
        key: SEX,
        vi: "Giới tính",
        aliases: &["gioi"],
        required: false,
        help_vi: "Nam hoặc Nữ (hoặc M, F); để trống nếu không rõ",
        help_en: "Nam or Nữ (or M, F); blank when unknown",
    },
    Field {
        key: ETHNICITY,
        vi: "Dân tộc",
        aliases: &[],
        required: false,
        help_vi: "tên dân tộc, ví dụ Kinh, Tà Ôi (Pa Cô), Cơ Tu, Bru - Vân Kiều",
        help_en: "ethnic group, e.g. Kinh, Tà Ôi (Pa Cô), Cơ Tu, Bru - Vân Kiều",
    },
    Field {
        key: COMMUNE,
        vi: "Mã xã",
        aliases: &["commune", "ma don vi"],
        required: true,
        help_vi: "mã 5 chữ số của xã nơi trẻ sống (xem trang Đơn vị hành chính), ví dụ 20056",
        help_en: "the 5-digit code of the commune the child lives in (see the Administrative units page), e.g. 20056",
    },
    Field {
        key: VILLAGE,
        vi: "Thôn/bản",
        aliases: &["thon", "ban", "village"],
        required: false,
        help_vi: "tên thôn hoặc bản",
        help_en: "the village",
    },
    Field {
        key: SCHOOL,
        vi: "Trường",
        aliases: &["school"],
        required: false,
        help_vi: "tên trường hoặc điểm trường, nếu trẻ đi học",
        help_en: "the school or school site, if the child attends one",
    },
    Field {
        key: GRADE,
        vi: "Lớp",
        aliases: &["grade", "class"],
        required: false,
        help_vi: "lớp, ví dụ 3A hoặc Mẫu giáo lớn",
        help_en: "the class, e.g. 3A or Mẫu giáo lớn",
    },
    Field {
        key: GUARDIAN,
        vi: "Họ tên cha mẹ hoặc người giám hộ",
        aliases: &["nguoi giam ho", "cha me", "guardian"],
        required: false,
        help_vi: "họ tên cha, mẹ hoặc người giám hộ",
        help_en: "the name of the father, mother or guardian",
    },
    Field {
        key: PERSONAL_ID,
        vi: "Số định danh cá nhân",
        aliases: &["so dinh danh", "can cuoc", "cccd", "personal id"],
        required: false,
        help_vi: "12 chữ số, không bắt buộc; chỉ lưu dạng mã hoá một chiều và 3 số cuối",
        help_en: "12 digits, optional; only a keyed hash and the last 3 digits are kept",
    },
];

/// The Vietnamese header of a field (for form labels and messages).
pub fn header_of(key: &str) -> &'static str {
    FIELDS.iter().find(|f| f.key == key).map_or("", |f| f.vi)
}

/// Sex as recorded.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }

    pub fn parse_stored(s: &str) -> Option<Sex> {
        match s {
            "male" => Some(Sex::Male),
            "female" => Some(Sex::Female),
            _ => None,
        }
    }
}

/// A birth date with the precision it was recorded with.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct BirthDate {
    pub year: i32,
    pub month: Option<u32>,
    pub day: Option<u32>,
}

impl BirthDate {
    /// `day`, `month` or `year`.
    pub fn precision(&self) -> &'static str {
        match (self.month, self.day) {
            (Some(_), Some(_)) => "day",
            (Some(_), None) => "month",
            _ => "year",
        }
    }

    /// As the engine and people read it: `05/03/2017`, `03/2017`, `2017`.
    pub fn display(&self) -> String {
        match (self.month, self.day) {
            (Some(m), Some(d)) => format!("{d:02}/{m:02}/{}", self.year),
            (Some(m), None) => format!("{m:02}/{}", self.year),
            _ => self.year.to_string(),
        }
    }

    /// Age reached during `year`.
    pub fn age_in(&self, year: i32) -> i32 {
        year - self.year
    }

    /// Completed years on `on` (the earliest possible birthday when the day
    /// or month is unknown, so a child is never taken as younger than she
    /// may be).
    pub fn age_on(&self, on: NaiveDate) -> i32 {
        let (m, d) = (self.month.unwrap_or(1), self.day.unwrap_or(1));
        let mut age = on.year() - self.year;
        if (on.month(), on.day()) < (m, d) {
            age -= 1;
        }
        age
    }
}

impl fmt::Debug for BirthDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BirthDate({}, redacted)", self.precision())
    }
}

/// A valid personal ID held in memory only long enough to hash it. Its
/// `Debug` shows the last three digits.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PidDigits(PersonalId);

impl PidDigits {
    /// The 12 digits as text (to hash; never to store or print).
    pub fn digits(&self) -> String {
        self.0.0.iter().map(|d| char::from(b'0' + d)).collect()
    }

    pub fn last3(&self) -> String {
        self.0.0[9..].iter().map(|d| char::from(b'0' + d)).collect()
    }
}

impl fmt::Debug for PidDigits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PidDigits(•••••••••{})", self.last3())
    }
}

/// A child's source record as typed, before checking. Field keys are the
/// constants of this module.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RawChild {
    pub source_ref: String,
    pub full_name: String,
    pub birth_date: String,
    pub sex: String,
    pub ethnicity: String,
    pub commune_code: String,
    pub village: String,
    pub school_name: String,
    pub grade: String,
    pub guardian_name: String,
    pub personal_id: String,
}

impl fmt::Debug for RawChild {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RawChild(redacted)")
    }
}

/// A checked source record: text in NFC, the birth date with its precision,
/// the personal ID validated.
#[derive(Clone, PartialEq, Eq)]
pub struct ChildInput {
    pub source_ref: Option<String>,
    pub full_name: String,
    pub birth: BirthDate,
    pub sex: Option<Sex>,
    pub ethnicity: Option<String>,
    pub commune_code: String,
    pub village: Option<String>,
    pub school_name: Option<String>,
    pub grade: Option<String>,
    pub guardian_name: Option<String>,
    pub personal_id: Option<PidDigits>,
}

impl fmt::Debug for ChildInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ChildInput(commune {}, birth {}, redacted)",
            self.commune_code,
            self.birth.precision()
        )
    }
}

/// One field that is wrong: its key and what is expected, in Vietnamese and
/// English. Never the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: &'static str,
    pub vi: String,
    pub en: String,
}

fn fp(field: &'static str, vi: impl Into<String>, en: impl Into<String>) -> FieldProblem {
    FieldProblem {
        field,
        vi: vi.into(),
        en: en.into(),
    }
}

/// Ethnic groups under their official names, with the spellings met in
/// A Lưới and Nam Đông (folded) — so that counts by ethnicity add up.
const ETHNIC_ALIASES: &[(&str, &[&str])] = &[
    ("Kinh", &["kinh", "viet"]),
    (
        "Tà Ôi",
        &[
            "ta oi", "taoi", "ta-oi", "pa co", "paco", "pa ko", "pako", "pa-co",
        ],
    ),
    ("Cơ Tu", &["co tu", "cotu", "ka tu", "katu", "co-tu"]),
    (
        "Bru - Vân Kiều",
        &[
            "bru - van kieu",
            "bru-van kieu",
            "bru van kieu",
            "van kieu",
            "bru",
        ],
    ),
];

/// The official name of an ethnic group written another way, or the text
/// as given (cleaned).
pub fn canonical_ethnicity(s: &str) -> String {
    let clean = domain::text::clean(s);
    let key = fold(&clean);
    for (name, aliases) in ETHNIC_ALIASES {
        if aliases.contains(&key.as_str()) {
            return (*name).to_owned();
        }
    }
    clean
}

fn legacy(field: &'static str, raw: &str) -> Option<FieldProblem> {
    legacy_encoding(raw).map(|kind| {
        fp(
            field,
            format!(
                "chữ có vẻ bị sai mã ({}), không phải Unicode; hãy chuyển mã sang Unicode (ví dụ Unikey: Công cụ chuyển mã) rồi lưu lại",
                kind.name()
            ),
            format!(
                "the text looks like a legacy encoding ({}), not Unicode; convert it to Unicode (e.g. with Unikey's converter) and save again",
                kind.name()
            ),
        )
    })
}

fn opt_text(
    field: &'static str,
    raw: &str,
    max: usize,
    problems: &mut Vec<FieldProblem>,
) -> Option<String> {
    if let Some(p) = legacy(field, raw) {
        problems.push(p);
        return None;
    }
    let t = domain::text::clean(raw);
    if t.chars().count() > max {
        problems.push(fp(
            field,
            format!("quá dài; tối đa {max} ký tự"),
            format!("too long; at most {max} characters"),
        ));
        return None;
    }
    (!t.is_empty()).then_some(t)
}

/// Checks one record. `today` bounds the birth date (not in the future, not
/// more than [`MAX_AGE`] years ago). The commune code is checked for form
/// only; whether it names a commune is for the caller to say.
pub fn check(raw: &RawChild, today: NaiveDate) -> Result<ChildInput, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let source_ref = opt_text(SOURCE_REF, &raw.source_ref, 64, &mut problems);

    let full_name = match legacy(FULL_NAME, &raw.full_name) {
        Some(p) => {
            problems.push(p);
            None
        }
        None => {
            let t = domain::text::clean(&raw.full_name);
            if t.is_empty() {
                problems.push(fp(
                    FULL_NAME,
                    "ô trống; cần họ và tên của trẻ",
                    "the cell is blank; expected the child's full name",
                ));
                None
            } else if !t.chars().any(char::is_alphabetic)
                || t.chars().any(|c| c.is_ascii_digit() || c.is_control())
            {
                problems.push(fp(
                    FULL_NAME,
                    "không phải họ tên (có chữ số hoặc không có chữ cái)",
                    "not a name (holds digits or no letters)",
                ));
                None
            } else if t.chars().count() > 100 {
                problems.push(fp(
                    FULL_NAME,
                    "quá dài; tối đa 100 ký tự",
                    "too long; at most 100 characters",
                ));
                None
            } else {
                Some(t)
            }
        }
    };

    let birth = if raw.birth_date.trim().is_empty() {
        problems.push(fp(
            BIRTH_DATE,
            "ô trống; cần ngày sinh dd/mm/yyyy, tháng/năm mm/yyyy hoặc năm sinh yyyy",
            "the cell is blank; expected the birth date as dd/mm/yyyy, mm/yyyy or yyyy",
        ));
        None
    } else {
        match dedupe::date::parse_date(&raw.birth_date) {
            None => {
                problems.push(fp(
                    BIRTH_DATE,
                    "ngày sinh không hợp lệ (ngày không có thật hoặc sai dạng); cần dd/mm/yyyy, mm/yyyy hoặc yyyy, ví dụ 05/03/2017",
                    "not a valid birth date (no such day, or another form); expected dd/mm/yyyy, mm/yyyy or yyyy, e.g. 05/03/2017",
                ));
                None
            }
            Some(d) => {
                let b = BirthDate {
                    year: i32::from(d.year),
                    month: d.month.map(u32::from),
                    day: d.day.map(u32::from),
                };
                let future = match (b.month, b.day) {
                    (Some(m), Some(dd)) => {
                        NaiveDate::from_ymd_opt(b.year, m, dd).is_none_or(|x| x > today)
                    }
                    (Some(m), None) => (b.year, m) > (today.year(), today.month()),
                    _ => b.year > today.year(),
                };
                if future {
                    problems.push(fp(
                        BIRTH_DATE,
                        "ngày sinh ở tương lai",
                        "the birth date is in the future",
                    ));
                    None
                } else if b.age_in(today.year()) > MAX_AGE {
                    problems.push(fp(
                        BIRTH_DATE,
                        format!("trẻ đã quá {MAX_AGE} tuổi; sổ chỉ ghi trẻ em"),
                        format!("older than {MAX_AGE}; the registry holds children only"),
                    ));
                    None
                } else {
                    Some(b)
                }
            }
        }
    };

    let sex = match dedupe::parse_sex(&raw.sex) {
        Ok(s) => s.map(|s| match s {
            dedupe::Sex::Male => Sex::Male,
            dedupe::Sex::Female => Sex::Female,
        }),
        Err(_) => {
            problems.push(fp(
                SEX,
                "phải là Nam, Nữ, M, F hoặc để trống",
                "must be Nam, Nữ, M, F or blank",
            ));
            None
        }
    };

    let ethnicity =
        opt_text(ETHNICITY, &raw.ethnicity, 60, &mut problems).map(|e| canonical_ethnicity(&e));

    let commune = raw.commune_code.trim();
    let commune_code = if commune.is_empty() {
        problems.push(fp(
            COMMUNE,
            "ô trống; cần mã xã 5 chữ số, ví dụ 20056",
            "the cell is blank; expected the 5-digit commune code, e.g. 20056",
        ));
        None
    } else if commune.len() != 5 || !commune.bytes().all(|b| b.is_ascii_digit()) {
        problems.push(fp(
            COMMUNE,
            "mã xã phải có đúng 5 chữ số, ví dụ 20056",
            "the commune code must be exactly 5 digits, e.g. 20056",
        ));
        None
    } else {
        Some(commune.to_owned())
    };

    let village = opt_text(VILLAGE, &raw.village, 100, &mut problems);
    let school_name = opt_text(SCHOOL, &raw.school_name, 150, &mut problems);
    let grade = opt_text(GRADE, &raw.grade, 30, &mut problems);
    let guardian_name = opt_text(GUARDIAN, &raw.guardian_name, 100, &mut problems);
    if guardian_name
        .as_deref()
        .is_some_and(|g| g.chars().any(|c| c.is_ascii_digit()))
    {
        problems.push(fp(
            GUARDIAN,
            "không phải họ tên (có chữ số)",
            "not a name (holds digits)",
        ));
    }

    let personal_id = if raw.personal_id.trim().is_empty() {
        None
    } else {
        match parse_personal_id(&raw.personal_id) {
            Err(PidError::Length) => {
                problems.push(fp(
                    PERSONAL_ID,
                    "số định danh phải có đúng 12 chữ số",
                    "the personal ID must have exactly 12 digits",
                ));
                None
            }
            Err(PidError::Province) => {
                problems.push(fp(
                    PERSONAL_ID,
                    "3 chữ số đầu của số định danh không phải mã tỉnh nào (Huế là 046)",
                    "the first 3 digits of the personal ID are no province code (Huế is 046)",
                ));
                None
            }
            Ok(id) => {
                let mut ok = true;
                if let Some(b) = birth
                    && i32::from(id.birth_year()) != b.year
                {
                    problems.push(fp(
                        PERSONAL_ID,
                        "năm sinh ghi trong số định danh (chữ số 4–6) không khớp với ngày sinh; kiểm tra lại số hoặc ngày sinh",
                        "the birth year in the personal ID (digits 4–6) does not match the birth date; check the number or the date",
                    ));
                    ok = false;
                }
                let id_sex = match id.sex() {
                    dedupe::Sex::Male => Sex::Male,
                    dedupe::Sex::Female => Sex::Female,
                };
                if sex.is_some_and(|s| s != id_sex) {
                    problems.push(fp(
                        PERSONAL_ID,
                        "giới tính ghi trong số định danh (chữ số 4) không khớp với cột Giới tính",
                        "the sex in the personal ID (digit 4) does not match the Sex column",
                    ));
                    ok = false;
                }
                ok.then_some(PidDigits(id))
            }
        }
    };

    match (full_name, birth, commune_code) {
        (Some(full_name), Some(birth), Some(commune_code)) if problems.is_empty() => {
            Ok(ChildInput {
                source_ref,
                full_name,
                birth,
                sex,
                ethnicity,
                commune_code,
                village,
                school_name,
                grade,
                guardian_name,
                personal_id,
            })
        }
        _ => Err(problems),
    }
}

/// A checked row of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildRow {
    /// Spreadsheet row number.
    pub row: usize,
    pub child: ChildInput,
}

fn raw_of(sheet: &Sheet, row: &Row) -> RawChild {
    let get = |k| sheet.raw(row, k).to_owned();
    RawChild {
        source_ref: get(SOURCE_REF),
        full_name: get(FULL_NAME),
        birth_date: get(BIRTH_DATE),
        sex: get(SEX),
        ethnicity: get(ETHNICITY),
        commune_code: get(COMMUNE),
        village: get(VILLAGE),
        school_name: get(SCHOOL),
        grade: get(GRADE),
        guardian_name: get(GUARDIAN),
        personal_id: get(PERSONAL_ID),
    }
}

/// Parses a file of children's records. Every row is checked; problems
/// name row and column, never a value. Rows repeating an earlier row's
/// "Mã hồ sơ" are refused.
pub fn parse_children(bytes: &[u8], format: Format, today: NaiveDate) -> Parsed<ChildRow> {
    let table = match read_table(bytes, format) {
        Ok(t) => t,
        Err(problems) => return Parsed::failed(FIELDS, problems),
    };
    let (sheet, mut problems) = Sheet::new(&table, FIELDS);
    problems.extend(table.problems.iter().cloned());
    if !problems.is_empty() && table.rows.is_empty() {
        return sheet.into_parsed(Vec::new(), problems);
    }
    if table.rows.is_empty() {
        problems.push(Problem::file(
            "tệp không có dòng dữ liệu nào dưới dòng tiêu đề",
            "the file has no data rows below the header",
        ));
    }
    let mut rows = Vec::new();
    for row in &table.rows {
        match check(&raw_of(&sheet, row), today) {
            Ok(child) => rows.push(ChildRow {
                row: row.number,
                child,
            }),
            Err(bad) => problems.extend(bad.into_iter().map(|p| {
                let column = sheet
                    .label(p.field)
                    .or_else(|| Some(header_of(p.field).to_owned()));
                Problem::at(row.number, column, p.vi, p.en)
            })),
        }
    }
    let keys = rows
        .iter()
        .filter_map(|r| r.child.source_ref.as_ref().map(|s| (r.row, fold(s))));
    for (row, earlier) in duplicates(keys) {
        problems.push(Problem::at(
            row,
            sheet.label(SOURCE_REF),
            format!("trùng \"Mã hồ sơ\" với dòng {earlier}; mỗi trẻ chỉ ghi một dòng"),
            format!("repeats the \"Mã hồ sơ\" of row {earlier}; one row per child"),
        ));
    }
    sheet.into_parsed(rows, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 1).expect("date")
    }

    const HEADER: &str = "Mã hồ sơ,Họ và tên,Ngày sinh,Giới tính,Dân tộc,Mã xã,Thôn/bản,Trường,Lớp,Họ tên cha mẹ hoặc người giám hộ,Số định danh cá nhân\n";

    fn parse(text: &str) -> Parsed<ChildRow> {
        parse_children(text.as_bytes(), Format::Csv, today())
    }

    #[test]
    fn a_good_file_keeps_the_birth_dates_precision_and_canonical_ethnicity() {
        let p = parse(&format!(
            "{HEADER}HS1,Hồ Thị Hoà,05/03/2017,Nữ,Pa Cô,20056,A Năm,TH Hồng Kim,3A,Hồ Văn Pả,046317001234\n\
             HS2,Kăn Lịch,2016,M,ta oi,20056,,,,,\n\
             ,A Lăng Thị Hương,03/2018,,Katu,20182,,,,,\n"
        ));
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.rows.len(), 3);
        let a = &p.rows[0].child;
        assert_eq!(a.birth.precision(), "day");
        assert_eq!(a.birth.display(), "05/03/2017");
        assert_eq!(a.ethnicity.as_deref(), Some("Tà Ôi"));
        assert_eq!(a.sex, Some(Sex::Female));
        assert_eq!(a.personal_id.map(|p| p.last3()).as_deref(), Some("234"));
        assert_eq!(p.rows[1].child.birth.precision(), "year");
        assert_eq!(p.rows[2].child.birth.precision(), "month");
        assert_eq!(p.rows[2].child.ethnicity.as_deref(), Some("Cơ Tu"));
        assert_eq!(p.rows[2].row, 4);
    }

    #[test]
    fn bad_rows_name_row_and_column_and_never_the_childs_data() {
        let text = format!(
            "{HEADER}HS1,Hồ Thị Hoà,31/02/2017,Nữ,,20056,,,,Hồ Văn Pả,04631700123\n\
             HS2,Kăn Lịch,2016,Nam,,99,,,,,003216001234\n\
             HS3,Lª Thu Hoa,2016,,,20056,,,,,\n\
             HS4,Pơloong Thị San,2016,Nam,,20056,,,,,046317009876\n\
             HS1,Hồ Văn Rôn,2031,,,20056,,,,,\n"
        );
        let p = parse(&text);
        let m: Vec<String> = p.problems.iter().map(ToString::to_string).collect();
        assert!(p.rows.len() < 5);
        for needle in [
            "dòng 2, cột C (Ngày sinh): ngày sinh không hợp lệ",
            "dòng 2, cột K (Số định danh cá nhân): số định danh phải có đúng 12 chữ số",
            "dòng 3, cột F (Mã xã): mã xã phải có đúng 5 chữ số",
            "dòng 3, cột K (Số định danh cá nhân): 3 chữ số đầu",
            "dòng 4, cột B (Họ và tên): chữ có vẻ bị sai mã (TCVN3",
            "dòng 5, cột K (Số định danh cá nhân): giới tính ghi trong số định danh",
            "dòng 6, cột C (Ngày sinh): ngày sinh ở tương lai",
        ] {
            assert!(
                m.iter().any(|s| s.starts_with(needle)),
                "{needle} in {m:#?}"
            );
        }
        let all = m.join("\n");
        for secret in [
            "Hồ Thị Hoà",
            "Hoà",
            "Kăn",
            "Lịch",
            "Lª",
            "Pơloong",
            "Rôn",
            "Pả",
            "04631700123",
            "003216001234",
            "046317009876",
            "31/02/2017",
        ] {
            assert!(!all.contains(secret), "{secret} leaked: {all}");
        }
    }

    #[test]
    fn any_unicode_normalisation_form_is_accepted_and_stored_in_nfc() {
        use unicode_normalization::UnicodeNormalization;
        let nfd: String = "Hồ Thị Hoà".nfd().collect();
        let p = parse(&format!("{HEADER},{nfd},2017,,,20056,,,,,\n"));
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.rows[0].child.full_name, "Hồ Thị Hoà");
    }

    #[test]
    fn a_personal_id_whose_birth_year_disagrees_is_refused() {
        let raw = RawChild {
            full_name: "Hồ Thị Hoa".into(),
            birth_date: "2017".into(),
            commune_code: "20056".into(),
            personal_id: "046 318 001 234".into(),
            ..RawChild::default()
        };
        let e = check(&raw, today()).expect_err("year mismatch");
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].field, PERSONAL_ID);
    }

    #[test]
    fn debug_output_never_shows_names_or_ids() {
        let raw = RawChild {
            full_name: "Hồ Thị Hoa".into(),
            birth_date: "05/03/2017".into(),
            commune_code: "20056".into(),
            personal_id: "046317001234".into(),
            guardian_name: "Hồ Văn Pả".into(),
            ..RawChild::default()
        };
        let c = check(&raw, today()).expect("valid");
        let d = format!("{raw:?} {c:?} {:?} {:?}", c.personal_id, c.birth);
        assert!(
            !d.contains("Hoa") && !d.contains("046317001") && !d.contains("Pả"),
            "{d}"
        );
    }

    #[test]
    fn a_repeated_source_number_is_refused() {
        let p = parse(&format!(
            "{HEADER}HS1,Hồ Thị Hoa,2017,,,20056,,,,,\nhs1,Hồ Văn Lâm,2016,,,20056,,,,,\n"
        ));
        assert_eq!(p.problems.len(), 1, "{:?}", p.problems);
        assert!(
            p.problems[0]
                .to_string()
                .starts_with("dòng 3, cột A (Mã hồ sơ): trùng")
        );
    }
}

#[cfg(test)]
mod template_tests {
    use super::*;

    #[test]
    fn the_downloaded_templates_read_back_with_every_column_known() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 1).expect("date");
        for (bytes, format) in [
            (crate::children_template_xlsx().expect("xlsx"), Format::Xlsx),
            (crate::children_template_csv(), Format::Csv),
        ] {
            let p = parse_children(&bytes, format, today);
            let m: Vec<String> = p.problems.iter().map(ToString::to_string).collect();
            assert_eq!(m.len(), 1, "{m:#?}");
            assert!(m[0].contains("không có dòng dữ liệu"), "{m:#?}");
            assert_eq!(
                p.column(PERSONAL_ID).as_deref(),
                Some("K (Số định danh cá nhân)")
            );
        }
    }
}
