//! Donors from a spreadsheet: organisations and individuals, domestic or
//! foreign, with contacts and their choices about publishing their name.

use crate::Format;
use crate::columns::{Field, Parsed, Sheet, duplicates};
use crate::problem::Problem;
use crate::table::{Row, read_table};
use crate::values::{compact_key, fold, parse_yes_no};

pub const NAME: &str = "name";
pub const KIND: &str = "kind";
pub const ORIGIN: &str = "origin";
pub const DONOR_TYPE: &str = "donor_type";
pub const TAX_CODE: &str = "tax_code";
pub const PHONE: &str = "phone";
pub const EMAIL: &str = "email";
pub const PUBLISH_NAME: &str = "publish_name";
pub const ANONYMOUS: &str = "anonymous";

pub(crate) static FIELDS: &[Field] = &[
    Field {
        key: NAME,
        vi: "Tên",
        aliases: &["ten nha tai tro", "ho ten", "ho va ten", "donor_name"],
        required: true,
        help_vi: "tên tổ chức hoặc họ tên cá nhân",
        help_en: "the organisation's or the person's name",
    },
    Field {
        key: KIND,
        vi: "Loại",
        aliases: &[],
        required: true,
        help_vi: "tổ chức hoặc cá nhân",
        help_en: "tổ chức (organisation) or cá nhân (individual)",
    },
    Field {
        key: ORIGIN,
        vi: "Trong nước/Nước ngoài",
        aliases: &[],
        required: true,
        help_vi: "trong nước hoặc nước ngoài",
        help_en: "trong nước (domestic) or nước ngoài (foreign)",
    },
    Field {
        key: DONOR_TYPE,
        vi: "Nhóm",
        aliases: &["type"],
        required: true,
        help_vi: "doanh nghiệp, quỹ, tổ chức chính trị - xã hội, cá nhân hoặc khác",
        help_en: "doanh nghiệp (business), quỹ (fund), tổ chức chính trị - xã hội (mass organisation), cá nhân (individual) or khác (other)",
    },
    Field {
        key: TAX_CODE,
        vi: "Mã số thuế",
        aliases: &["mst"],
        required: false,
        help_vi: "không bắt buộc; 10 chữ số, 10 chữ số-3 chữ số (chi nhánh) hoặc 12 chữ số (cá nhân); định dạng ô là Văn bản để giữ số 0 đầu",
        help_en: "optional; 10 digits, 10-3 digits (branch) or 12 digits (individual); format the cell as Text to keep leading zeros",
    },
    Field {
        key: PHONE,
        vi: "Điện thoại",
        aliases: &["so dien thoai", "sdt"],
        required: false,
        help_vi: "không bắt buộc; ví dụ 0234 3822 123, 0912 345 678 hoặc +84 912 345 678",
        help_en: "optional; e.g. 0234 3822 123, 0912 345 678 or +84 912 345 678",
    },
    Field {
        key: EMAIL,
        vi: "Email",
        aliases: &["thu dien tu", "e-mail"],
        required: false,
        help_vi: "không bắt buộc; ví dụ lienhe@congty.vn",
        help_en: "optional; e.g. contact@company.vn",
    },
    Field {
        key: PUBLISH_NAME,
        vi: "Đồng ý công khai tên",
        aliases: &["consent"],
        required: false,
        help_vi: "có hoặc không (để trống là không)",
        help_en: "có (yes) or không (no); blank means no",
    },
    Field {
        key: ANONYMOUS,
        vi: "Ẩn danh",
        aliases: &[],
        required: false,
        help_vi: "có hoặc không (để trống là không)",
        help_en: "có (yes) or không (no); blank means no",
    },
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DonorKind {
    Organisation,
    Individual,
}

impl DonorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DonorKind::Organisation => "organisation",
            DonorKind::Individual => "individual",
        }
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            DonorKind::Organisation => "tổ chức",
            DonorKind::Individual => "cá nhân",
        }
    }
    fn parse(s: &str) -> Option<DonorKind> {
        match compact_key(s).as_str() {
            "tochuc" | "organisation" | "organization" | "org" => Some(DonorKind::Organisation),
            "canhan" | "individual" | "person" => Some(DonorKind::Individual),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    Domestic,
    Foreign,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Domestic => "domestic",
            Origin::Foreign => "foreign",
        }
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            Origin::Domestic => "trong nước",
            Origin::Foreign => "nước ngoài",
        }
    }
    fn parse(s: &str) -> Option<Origin> {
        match compact_key(s).as_str() {
            "trongnuoc" | "domestic" | "vietnam" => Some(Origin::Domestic),
            "nuocngoai" | "foreign" | "international" => Some(Origin::Foreign),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DonorType {
    Business,
    Fund,
    MassOrganisation,
    Individual,
    Other,
}

impl DonorType {
    pub fn as_str(self) -> &'static str {
        match self {
            DonorType::Business => "business",
            DonorType::Fund => "fund",
            DonorType::MassOrganisation => "mass_organisation",
            DonorType::Individual => "individual",
            DonorType::Other => "other",
        }
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            DonorType::Business => "doanh nghiệp",
            DonorType::Fund => "quỹ",
            DonorType::MassOrganisation => "tổ chức chính trị - xã hội",
            DonorType::Individual => "cá nhân",
            DonorType::Other => "khác",
        }
    }
    fn parse(s: &str) -> Option<DonorType> {
        match compact_key(s).as_str() {
            "doanhnghiep" | "business" | "company" => Some(DonorType::Business),
            "quy" | "fund" | "foundation" => Some(DonorType::Fund),
            "tochucchinhtrixahoi" | "doanthe" | "massorganisation" | "massorganization" => {
                Some(DonorType::MassOrganisation)
            }
            "canhan" | "individual" => Some(DonorType::Individual),
            "khac" | "other" => Some(DonorType::Other),
            _ => None,
        }
    }
}

/// A donor as read from a file. Text is NFC; contacts are normalised
/// (tax code digits with the branch dash, phone digits with a leading 0 or
/// `+`, e-mail in lower case) so that duplicate checks compare like with
/// like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DonorRecord {
    pub row: usize,
    pub name: String,
    pub kind: DonorKind,
    pub origin: Origin,
    pub donor_type: DonorType,
    pub tax_code: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub publish_name: bool,
    pub anonymous: bool,
}

/// Parses a donors file; `Parsed::problems` lists everything wrong,
/// including rows that repeat an earlier row's name, tax code, phone or
/// e-mail.
pub fn parse_donors(bytes: &[u8], format: Format) -> Parsed<DonorRecord> {
    let table = match read_table(bytes, format) {
        Ok(t) => t,
        Err(problems) => return Parsed::failed(FIELDS, problems),
    };
    let (sheet, mut problems) = Sheet::new(&table, FIELDS);
    problems.extend(table.problems.iter().cloned());
    if table.rows.is_empty() && problems.is_empty() {
        problems.push(Problem::file(
            "tệp không có dòng dữ liệu nào dưới dòng tiêu đề",
            "the file has no data rows below the header",
        ));
    }
    let mut rows = Vec::new();
    for row in &table.rows {
        match donor_row(&sheet, row) {
            Ok(d) => rows.push(d),
            Err(bad) => problems.extend(bad),
        }
    }
    // The same donor twice: a shared tax code, phone or e-mail, or the same
    // name with the same contacts. The same name with other contacts may be
    // two people (Nguyễn Văn An is a common name): a warning.
    let checks: [DuplicateCheck; 4] = [
        (TAX_CODE, "cùng mã số thuế", "same tax code", |d| {
            d.tax_code.clone()
        }),
        (
            PHONE,
            "cùng số điện thoại",
            "same phone number",
            |d| d.phone.clone(),
        ),
        (EMAIL, "cùng email", "same e-mail", |d| d.email.clone()),
        (
            NAME,
            "cùng tên và liên hệ",
            "same name and contacts",
            |d| {
                Some(format!(
                    "{}\u{1f}{}\u{1f}{}\u{1f}{}",
                    fold(&d.name),
                    d.tax_code.as_deref().unwrap_or(""),
                    d.phone.as_deref().unwrap_or(""),
                    d.email.as_deref().unwrap_or("")
                ))
            },
        ),
    ];
    let mut flagged = std::collections::HashSet::new();
    for (key, vi, en, get) in checks {
        let keys = rows.iter().filter_map(|d| get(d).map(|k| (d.row, k)));
        for (row, earlier) in duplicates(keys) {
            if flagged.insert((row, earlier)) {
                problems.push(Problem::at(
                    row,
                    sheet.label(key),
                    format!("trùng với dòng {earlier} ({vi}); mỗi nhà tài trợ chỉ ghi một lần"),
                    format!("repeats row {earlier} ({en}); each donor is entered once"),
                ));
            }
        }
    }
    let mut warnings = Vec::new();
    let names = rows.iter().map(|d| (d.row, fold(&d.name)));
    for (row, earlier) in duplicates(names) {
        if !flagged.contains(&(row, earlier)) {
            warnings.push(Problem::at(
                row,
                sheet.label(NAME),
                format!("cùng tên với dòng {earlier} nhưng khác liên hệ; kiểm tra đây có phải hai nhà tài trợ khác nhau"),
                format!("same name as row {earlier} but other contacts; check that these are two different donors"),
            ));
        }
    }
    let mut parsed = sheet.into_parsed(rows, problems);
    parsed.warnings = warnings;
    parsed
}

fn donor_row(sheet: &Sheet, row: &Row) -> Result<DonorRecord, Vec<Problem>> {
    let mut bad = Vec::new();
    let mut keep = |r: Result<String, Problem>| match r {
        Ok(v) => Some(v),
        Err(p) => {
            bad.push(p);
            None
        }
    };
    let name = keep(sheet.required_text(row, NAME, "tên nhà tài trợ", "the donor's name"));
    let kind_text = keep(sheet.text(row, KIND));
    let origin_text = keep(sheet.text(row, ORIGIN));
    let type_text = keep(sheet.text(row, DONOR_TYPE));
    let tax_text = keep(sheet.text(row, TAX_CODE));
    let phone_text = keep(sheet.text(row, PHONE));
    let email_text = keep(sheet.text(row, EMAIL));
    let publish_text = keep(sheet.text(row, PUBLISH_NAME));
    let anonymous_text = keep(sheet.text(row, ANONYMOUS));
    let at = |key: &str, vi: String, en: String| Problem::at(row.number, sheet.label(key), vi, en);
    // A listed choice that is blank or not on the list (a cell already
    // refused for its encoding is not reported twice).
    let choice = |key: &str, text: Option<String>, options_vi: &str, options_en: &str| {
        text.map(|t| {
            if t.is_empty() {
                at(
                    key,
                    format!("ô trống; cần {options_vi}"),
                    format!("the cell is blank; expected {options_en}"),
                )
            } else {
                at(
                    key,
                    format!("\"{t}\" không hợp lệ; cần {options_vi}"),
                    format!("\"{t}\" is not valid; expected {options_en}"),
                )
            }
        })
    };
    let kind = kind_text.as_deref().and_then(DonorKind::parse);
    if kind.is_none() {
        bad.extend(choice(
            KIND,
            kind_text,
            "\"tổ chức\" hoặc \"cá nhân\"",
            "\"tổ chức\" (organisation) or \"cá nhân\" (individual)",
        ));
    }
    let origin = origin_text.as_deref().and_then(Origin::parse);
    if origin.is_none() {
        bad.extend(choice(
            ORIGIN,
            origin_text,
            "\"trong nước\" hoặc \"nước ngoài\"",
            "\"trong nước\" (domestic) or \"nước ngoài\" (foreign)",
        ));
    }
    let donor_type = type_text.as_deref().and_then(DonorType::parse);
    if donor_type.is_none() {
        bad.extend(choice(
            DONOR_TYPE,
            type_text,
            "\"doanh nghiệp\", \"quỹ\", \"tổ chức chính trị - xã hội\", \"cá nhân\" hoặc \"khác\"",
            "\"doanh nghiệp\" (business), \"quỹ\" (fund), \"tổ chức chính trị - xã hội\" (mass organisation), \"cá nhân\" (individual) or \"khác\" (other)",
        ));
    }
    if let (Some(k), Some(t)) = (kind, donor_type) {
        let consistent = match k {
            DonorKind::Individual => t == DonorType::Individual,
            DonorKind::Organisation => t != DonorType::Individual,
        };
        if !consistent {
            bad.push(at(
                DONOR_TYPE,
                format!(
                    "nhóm \"{}\" không khớp với loại \"{}\"; cá nhân thuộc nhóm \"cá nhân\", tổ chức thuộc nhóm khác",
                    t.label_vi(),
                    k.label_vi()
                ),
                format!(
                    "group \"{}\" does not fit kind \"{}\"; an individual is in group \"cá nhân\", an organisation in another group",
                    t.label_vi(),
                    k.label_vi()
                ),
            ));
        }
    }
    let tax_code = tax_text.and_then(|t| match tax_code(&t) {
        Ok(v) => v,
        Err((vi, en)) => {
            bad.push(at(TAX_CODE, vi, en));
            None
        }
    });
    let phone = phone_text.and_then(|t| match phone(&t) {
        Ok(v) => v,
        Err((vi, en)) => {
            bad.push(at(PHONE, vi, en));
            None
        }
    });
    let email = email_text.and_then(|t| match email(&t) {
        Ok(v) => v,
        Err((vi, en)) => {
            bad.push(at(EMAIL, vi, en));
            None
        }
    });
    let mut yes_no = |key: &str, text: Option<String>| {
        let t = text?;
        let v = parse_yes_no(&t);
        if v.is_none() {
            bad.push(at(
                key,
                format!("\"{t}\" không hợp lệ; cần \"có\" hoặc \"không\" (để trống là không)"),
                format!(
                    "\"{t}\" is not valid; expected \"có\" (yes) or \"không\" (no); blank means no"
                ),
            ));
        }
        v
    };
    let publish_name = yes_no(PUBLISH_NAME, publish_text);
    let anonymous = yes_no(ANONYMOUS, anonymous_text);
    if publish_name == Some(true) && anonymous == Some(true) {
        bad.push(at(
            ANONYMOUS,
            "vừa \"Ẩn danh\" vừa \"Đồng ý công khai tên\"; hãy chọn một trong hai".into(),
            "both anonymous and consenting to publish the name; choose one".into(),
        ));
    }
    match (name, kind, origin, donor_type, publish_name, anonymous) {
        (
            Some(name),
            Some(kind),
            Some(origin),
            Some(donor_type),
            Some(publish_name),
            Some(anonymous),
        ) if bad.is_empty() => Ok(DonorRecord {
            row: row.number,
            name,
            kind,
            origin,
            donor_type,
            tax_code,
            phone,
            email,
            publish_name,
            anonymous,
        }),
        _ => Err(bad),
    }
}

type Refusal = (String, String);

/// A column compared across rows: its field, the reason in both languages,
/// and the key it compares.
type DuplicateCheck = (
    &'static str,
    &'static str,
    &'static str,
    fn(&DonorRecord) -> Option<String>,
);

/// A Vietnamese tax code: 10 digits, 10-3 digits for a branch, or 12
/// digits (a person's citizen-ID number, the personal tax code since
/// 2025). Spaces and dots are ignored. Blank is `None`.
pub fn tax_code(input: &str) -> Result<Option<String>, Refusal> {
    let s: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '.')
        .collect();
    if s.is_empty() {
        return Ok(None);
    }
    let digits = |p: &str| p.chars().all(|c| c.is_ascii_digit());
    let ok = match s.split_once('-') {
        Some((a, b)) => a.len() == 10 && b.len() == 3 && digits(a) && digits(b),
        None => (s.len() == 10 || s.len() == 12) && digits(&s),
    };
    if ok {
        return Ok(Some(s));
    }
    if s.len() == 9 && digits(&s) {
        return Err((
            format!(
                "mã số thuế \"{input}\" chỉ có 9 chữ số, có lẽ mất số 0 đầu; hãy định dạng ô là Văn bản và ghi đủ 10 chữ số"
            ),
            format!(
                "tax code \"{input}\" has 9 digits, probably a lost leading 0; format the cell as Text and write all 10 digits"
            ),
        ));
    }
    Err((
        format!(
            "mã số thuế \"{input}\" không hợp lệ; cần 10 chữ số, 10 chữ số-3 chữ số (chi nhánh) hoặc 12 chữ số"
        ),
        format!(
            "tax code \"{input}\" is not valid; expected 10 digits, 10-3 digits (branch) or 12 digits"
        ),
    ))
}

/// A phone number, kept as digits: `+84…` becomes `0…`; other
/// international numbers keep their `+`. Spaces, dots, dashes and
/// brackets are ignored. Blank is `None`.
pub fn phone(input: &str) -> Result<Option<String>, Refusal> {
    let s: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '.' | '-' | '(' | ')'))
        .collect();
    if s.is_empty() {
        return Ok(None);
    }
    let (plus, digits) = match s.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, s.as_str()),
    };
    let refuse = || {
        (
            format!(
                "số điện thoại \"{input}\" không hợp lệ; cần 10–11 chữ số bắt đầu bằng 0 (ví dụ 0234 3822 123) hoặc số quốc tế bắt đầu bằng + (ví dụ +84 912 345 678)"
            ),
            format!(
                "phone number \"{input}\" is not valid; expected 10–11 digits starting with 0 (e.g. 0234 3822 123) or an international number starting with + (e.g. +84 912 345 678)"
            ),
        )
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(refuse());
    }
    if plus {
        if let Some(national) = digits.strip_prefix("84") {
            let local = format!("0{national}");
            return if (10..=11).contains(&local.len()) {
                Ok(Some(local))
            } else {
                Err(refuse())
            };
        }
        return if (8..=15).contains(&digits.len()) {
            Ok(Some(format!("+{digits}")))
        } else {
            Err(refuse())
        };
    }
    if digits.starts_with('0') && (10..=11).contains(&digits.len()) {
        return Ok(Some(digits.to_owned()));
    }
    if !digits.starts_with('0') && (9..=10).contains(&digits.len()) {
        return Err((
            format!(
                "số điện thoại \"{input}\" thiếu số 0 đầu (ô dạng số làm mất số 0); hãy định dạng ô là Văn bản và ghi đủ, ví dụ 0912 345 678"
            ),
            format!(
                "phone number \"{input}\" lacks its leading 0 (a number cell drops it); format the cell as Text and write it in full, e.g. 0912 345 678"
            ),
        ));
    }
    Err(refuse())
}

/// An e-mail address, in lower case: one `@`, no spaces, a dot in the
/// domain. Blank is `None`.
pub fn email(input: &str) -> Result<Option<String>, Refusal> {
    let s = input.trim().to_lowercase();
    if s.is_empty() {
        return Ok(None);
    }
    let valid = match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && !s.chars().any(char::is_whitespace)
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains("..")
        }
        None => false,
    };
    if valid {
        Ok(Some(s))
    } else {
        Err((
            format!("email \"{input}\" không hợp lệ; cần dạng ten@mien.vn"),
            format!("e-mail \"{input}\" is not valid; expected name@domain.vn"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "Tên,Loại,Trong nước/Nước ngoài,Nhóm,Mã số thuế,Điện thoại,Email,Đồng ý công khai tên,Ẩn danh\n";

    fn parse(text: &str) -> Parsed<DonorRecord> {
        parse_donors(text.as_bytes(), Format::Csv)
    }

    fn messages(p: &Parsed<DonorRecord>) -> Vec<String> {
        p.problems.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_good_donor_row_is_read_with_its_choices_and_normalised_contacts() {
        let p = parse(&format!(
            "{HEADER}Công ty TNHH  Đông Á,tổ chức,trong nước,doanh nghiệp,3301234567,0234 3822 123,LienHe@DongA.vn,có,không\n\
             Nguyễn Văn An,Cá nhân,Nước ngoài,cá nhân,,+84 912 345 678,,,có\n"
        ));
        assert!(p.problems.is_empty(), "{:?}", messages(&p));
        let a = &p.rows[0];
        assert_eq!(a.name, "Công ty TNHH Đông Á");
        assert_eq!(a.kind, DonorKind::Organisation);
        assert_eq!(a.origin, Origin::Domestic);
        assert_eq!(a.donor_type, DonorType::Business);
        assert_eq!(a.tax_code.as_deref(), Some("3301234567"));
        assert_eq!(a.phone.as_deref(), Some("02343822123"));
        assert_eq!(a.email.as_deref(), Some("lienhe@donga.vn"));
        assert!(a.publish_name && !a.anonymous);
        let b = &p.rows[1];
        assert_eq!(b.kind, DonorKind::Individual);
        assert_eq!(b.origin, Origin::Foreign);
        assert_eq!(b.phone.as_deref(), Some("0912345678"));
        assert!(!b.publish_name && b.anonymous);
        assert_eq!(b.row, 3);
    }

    #[test]
    fn every_group_maps_to_its_stored_name() {
        for (vi, stored) in [
            ("doanh nghiệp", "business"),
            ("Quỹ", "fund"),
            ("tổ chức chính trị - xã hội", "mass_organisation"),
            ("Tổ chức chính trị – xã hội", "mass_organisation"),
            ("cá nhân", "individual"),
            ("khác", "other"),
            ("mass_organisation", "mass_organisation"),
        ] {
            assert_eq!(
                DonorType::parse(vi).map(DonorType::as_str),
                Some(stored),
                "{vi}"
            );
        }
    }

    #[test]
    fn english_snake_case_headers_are_accepted() {
        let p = parse(
            "name,kind,origin,donor_type,publish_name\nQuỹ Bảo trợ trẻ em,organisation,domestic,fund,yes\n",
        );
        assert!(p.problems.is_empty(), "{:?}", messages(&p));
        assert_eq!(p.rows[0].donor_type, DonorType::Fund);
    }

    #[test]
    fn bad_choices_contacts_and_contradictions_are_each_reported_with_row_and_column() {
        let p = parse(&format!(
            "{HEADER}A,công ty,trong nước,doanh nghiệp,,,,,\n\
             B,cá nhân,,doanh nghiệp,12345,abc,a@b,có,có\n\
             ,tổ chức,trong nước,quỹ,,,,có lẽ,\n"
        ));
        let m = messages(&p);
        assert!(p.rows.is_empty());
        let expect = [
            "dòng 2, cột B (Loại): \"công ty\" không hợp lệ",
            "dòng 3, cột C (Trong nước/Nước ngoài): ô trống",
            "dòng 3, cột D (Nhóm): nhóm \"doanh nghiệp\" không khớp",
            "dòng 3, cột E (Mã số thuế): mã số thuế \"12345\" không hợp lệ",
            "dòng 3, cột F (Điện thoại): số điện thoại \"abc\" không hợp lệ",
            "dòng 3, cột G (Email): email \"a@b\" không hợp lệ",
            "dòng 3, cột I (Ẩn danh): vừa \"Ẩn danh\" vừa",
            "dòng 4, cột A (Tên): ô trống",
            "dòng 4, cột H (Đồng ý công khai tên): \"có lẽ\" không hợp lệ",
        ];
        for e in expect {
            assert!(m.iter().any(|s| s.starts_with(e)), "missing {e} in {m:#?}");
        }
        assert_eq!(m.len(), expect.len(), "{m:#?}");
    }

    #[test]
    fn leading_zeros_lost_by_number_cells_are_explained() {
        let t = tax_code("101234567").err().unwrap_or_default();
        assert!(t.1.contains("leading 0"));
        let p = phone("912345678").err().unwrap_or_default();
        assert!(p.1.contains("leading 0"));
        assert_eq!(
            tax_code("0101234567-001"),
            Ok(Some("0101234567-001".into()))
        );
        assert_eq!(tax_code("046 201 001 234"), Ok(Some("046201001234".into())));
        assert_eq!(phone("(+84) 234.3822.123"), Ok(Some("02343822123".into())));
        assert_eq!(phone("+49 30 1234567"), Ok(Some("+49301234567".into())));
    }

    #[test]
    fn rows_repeating_a_tax_code_phone_email_or_name_and_contacts_in_the_file_are_flagged() {
        let p = parse(&format!(
            "{HEADER}Công ty Đông Á,tổ chức,trong nước,doanh nghiệp,3301234567,,,,\n\
             CONG TY DONG A,tổ chức,trong nước,doanh nghiệp,,,,,\n\
             Công ty Tây Á,tổ chức,trong nước,doanh nghiệp,3301234567,,,,\n\
             An,cá nhân,trong nước,cá nhân,,0912345678,an@x.vn,,\n\
             Bình,cá nhân,trong nước,cá nhân,,+84912345678,AN@x.vn,,\n\
             Chi,cá nhân,trong nước,cá nhân,,,,,\n\
             chi,cá nhân,trong nước,cá nhân,,,,,\n"
        ));
        let m = messages(&p);
        assert!(
            m.iter()
                .any(|s| s
                    .starts_with("dòng 4, cột E (Mã số thuế): trùng với dòng 2 (cùng mã số thuế)")),
            "{m:#?}"
        );
        // The same pair is reported once, under its first matching column.
        assert!(
            m.iter()
                .any(|s| s.starts_with("dòng 6, cột F (Điện thoại): trùng với dòng 5")),
            "{m:#?}"
        );
        assert!(
            m.iter()
                .any(|s| s
                    .starts_with("dòng 8, cột A (Tên): trùng với dòng 7 (cùng tên và liên hệ)")),
            "{m:#?}"
        );
        assert_eq!(m.len(), 3, "{m:#?}");
        // Same name, other contacts: perhaps two donors, so only a warning.
        assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
        assert!(
            p.warnings[0]
                .to_string()
                .starts_with("dòng 3, cột A (Tên): cùng tên với dòng 2")
        );
    }

    #[test]
    fn vni_text_in_a_name_is_refused_with_its_row() {
        let p = parse(&format!(
            "{HEADER}Coâng ty Vieät Nhaät,tổ chức,trong nước,doanh nghiệp,,,,,\n"
        ));
        let m = messages(&p);
        assert_eq!(m.len(), 1, "{m:#?}");
        assert!(
            m[0].starts_with("dòng 2, cột A (Tên): chữ") && m[0].contains("VNI"),
            "{}",
            m[0]
        );
    }

    #[test]
    fn utf8_misread_as_windows_1252_is_refused_with_its_row() {
        let misread: String = "Quỹ Bảo trợ".bytes().map(char::from).collect();
        let p = parse(&format!("{HEADER}{misread},tổ chức,trong nước,quỹ,,,,,\n"));
        let m = messages(&p);
        assert_eq!(m.len(), 1, "{m:#?}");
        assert!(m[0].contains("Windows-1252"), "{}", m[0]);
    }
}
