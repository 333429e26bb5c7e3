//! Need lines from a spreadsheet: site × package × period × number of
//! children. Sites, packages and periods are named here and resolved
//! against the database by the caller.

use crate::Format;
use crate::columns::{Field, Parsed, Sheet, duplicates};
use crate::problem::Problem;
use crate::table::read_table;
use crate::values::fold;

pub const SITE_ID: &str = "site_id";
pub const SITE_NAME: &str = "site_name";
pub const PACKAGE_CODE: &str = "package_code";
pub const PERIOD: &str = "period";
pub const QUANTITY: &str = "quantity";
pub const AGE_BAND: &str = "age_band";
pub const NOTE: &str = "note";

pub(crate) static FIELDS: &[Field] = &[
    Field {
        key: SITE_ID,
        vi: "Mã điểm hỗ trợ",
        aliases: &["site"],
        required: false,
        help_vi: "mã của trường, điểm trường hoặc trạm y tế trong danh bạ tổ chức; ghi mã này hoặc tên",
        help_en: "the id of the school, school site or health station in the organisations register; give this or the name",
    },
    Field {
        key: SITE_NAME,
        vi: "Tên điểm hỗ trợ",
        aliases: &[],
        required: false,
        help_vi: "tên đầy đủ của điểm hỗ trợ như trong danh bạ (không phân biệt hoa thường, dấu); phải chỉ đúng một điểm",
        help_en: "the site's full name as in the register (case and diacritics ignored); must name exactly one site",
    },
    Field {
        key: PACKAGE_CODE,
        vi: "Mã gói",
        aliases: &["package"],
        required: true,
        help_vi: "mã gói hỗ trợ trong danh mục; dùng phiên bản mới nhất của gói",
        help_en: "the package code in the catalogue; its latest version is used",
    },
    Field {
        key: PERIOD,
        vi: "Đợt",
        aliases: &["period_id", "period_name"],
        required: true,
        help_vi: "mã hoặc tên đợt (ví dụ Năm học 2025–2026)",
        help_en: "the period's id or name (e.g. school year 2025–2026)",
    },
    Field {
        key: QUANTITY,
        vi: "Số trẻ",
        aliases: &["children", "so luong"],
        required: true,
        help_vi: "số trẻ (hoặc số suất), số nguyên lớn hơn 0, ví dụ 25 hoặc 1.200",
        help_en: "the number of children (or units), a whole number above zero, e.g. 25 or 1,200",
    },
    Field {
        key: AGE_BAND,
        vi: "Độ tuổi",
        aliases: &["lua tuoi", "band"],
        required: false,
        help_vi: "không bắt buộc; mã hoặc tên độ tuổi trong danh mục (ví dụ primary hoặc Tiểu học (6–10 tuổi)); nếu ghi, phải đúng độ tuổi của gói",
        help_en: "optional; an age band's code or name in the catalogue (e.g. primary); when given, it must be the package's band",
    },
    Field {
        key: NOTE,
        vi: "Ghi chú",
        aliases: &["notes"],
        required: false,
        help_vi: "không bắt buộc",
        help_en: "optional",
    },
];

/// How a row names its site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SiteRef {
    /// By organisation id (`Mã điểm hỗ trợ`), and perhaps also by name,
    /// which must then agree.
    Id { id: String, name: Option<String> },
    /// By name only (`Tên điểm hỗ trợ`), to match after folding.
    Name(String),
}

/// A need line as read from a file, before resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedRecord {
    /// Spreadsheet row number.
    pub row: usize,
    pub site: SiteRef,
    pub package_code: String,
    /// A period id or name.
    pub period: String,
    pub quantity: i64,
    /// An age band's code or name, checked against the package's; empty
    /// when the column is absent or the cell blank.
    pub age_band: String,
    pub note: String,
}

/// Parses a need-lines file. Every row is checked; `Parsed::problems`
/// lists everything wrong (headers, cells, legacy encodings, rows repeating
/// an earlier row's site, package and period).
pub fn parse_needs(bytes: &[u8], format: Format) -> Parsed<NeedRecord> {
    let table = match read_table(bytes, format) {
        Ok(t) => t,
        Err(problems) => return Parsed::failed(FIELDS, problems),
    };
    let (sheet, mut problems) = Sheet::new(&table, FIELDS);
    problems.extend(table.problems.iter().cloned());
    if !sheet.has(SITE_ID) && !sheet.has(SITE_NAME) {
        problems.push(Problem::at(
            table.header_row,
            None,
            "thiếu cột \"Mã điểm hỗ trợ\" hoặc \"Tên điểm hỗ trợ\"; cần ít nhất một trong hai",
            "the column \"Mã điểm hỗ trợ\" (site id) or \"Tên điểm hỗ trợ\" (site name) is missing; one of them is needed",
        ));
    }
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
        let mut bad = Vec::new();
        let mut ok = |r: Result<String, Problem>| match r {
            Ok(v) => Some(v),
            Err(p) => {
                bad.push(p);
                None
            }
        };
        let id = ok(sheet.text(row, SITE_ID));
        let name = ok(sheet.text(row, SITE_NAME));
        let package = ok(sheet.required_text(row, PACKAGE_CODE, "mã gói hỗ trợ", "a package code"));
        let period = ok(sheet.required_text(row, PERIOD, "mã hoặc tên đợt", "a period id or name"));
        let note = ok(sheet.text(row, NOTE));
        let age_band = ok(sheet.text(row, AGE_BAND));
        let quantity =
            match sheet.positive_number(row, QUANTITY, "số trẻ", "the number of children") {
                Ok(q) => Some(q),
                Err(p) => {
                    bad.push(p);
                    None
                }
            };
        let site = match (id, name) {
            (Some(id), Some(name)) => {
                if !id.is_empty() {
                    Some(SiteRef::Id {
                        id,
                        name: (!name.is_empty()).then_some(name),
                    })
                } else if !name.is_empty() {
                    Some(SiteRef::Name(name))
                } else {
                    let column = sheet.label(SITE_ID).or_else(|| sheet.label(SITE_NAME));
                    bad.push(Problem::at(
                        row.number,
                        column,
                        "chưa có điểm hỗ trợ; cần \"Mã điểm hỗ trợ\" hoặc \"Tên điểm hỗ trợ\"",
                        "no site; expected \"Mã điểm hỗ trợ\" (site id) or \"Tên điểm hỗ trợ\" (site name)",
                    ));
                    None
                }
            }
            _ => None,
        };
        match (site, package, period, quantity, note, age_band) {
            (
                Some(site),
                Some(package_code),
                Some(period),
                Some(quantity),
                Some(note),
                Some(age_band),
            ) if bad.is_empty() => {
                rows.push(NeedRecord {
                    row: row.number,
                    site,
                    package_code,
                    period,
                    quantity,
                    age_band,
                    note,
                });
            }
            _ => problems.extend(bad),
        }
    }
    let keys = rows.iter().map(|r| {
        let site = match &r.site {
            SiteRef::Id { id, .. } => format!("id:{id}"),
            SiteRef::Name(n) => format!("name:{}", fold(n)),
        };
        (r.row, (site, fold(&r.package_code), fold(&r.period)))
    });
    for (row, earlier) in duplicates(keys) {
        problems.push(Problem::at(
            row,
            None,
            format!("trùng với dòng {earlier} (cùng điểm hỗ trợ, gói và đợt); mỗi nhu cầu chỉ ghi một lần — hãy gộp số trẻ vào một dòng"),
            format!("repeats row {earlier} (same site, package and period); each need is entered once — add the children up in one row"),
        ));
    }
    sheet.into_parsed(rows, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Parsed<NeedRecord> {
        parse_needs(text.as_bytes(), Format::Csv)
    }

    fn messages(p: &Parsed<NeedRecord>) -> Vec<String> {
        p.problems.iter().map(ToString::to_string).collect()
    }

    const HEADER: &str = "Mã điểm hỗ trợ,Tên điểm hỗ trợ,Mã gói,Đợt,Số trẻ,Ghi chú\n";

    #[test]
    fn a_good_file_gives_one_record_per_row_with_text_in_nfc() {
        let decomposed: String = {
            use unicode_normalization::UnicodeNormalization;
            "Trường Hồng Vân".nfd().collect()
        };
        let text = format!(
            "{HEADER}s1,,DD-MN,2025-26,\"1.200\",\n,{decomposed},DD-MN,Năm học 2025–2026,25,Bếp mới\n"
        );
        let p = parse(&text);
        assert!(p.problems.is_empty(), "{:?}", messages(&p));
        assert_eq!(p.rows.len(), 2);
        assert_eq!(
            p.rows[0].site,
            SiteRef::Id {
                id: "s1".into(),
                name: None
            }
        );
        assert_eq!(p.rows[0].quantity, 1200);
        assert_eq!(p.rows[0].row, 2);
        assert_eq!(p.rows[1].site, SiteRef::Name("Trường Hồng Vân".into()));
        assert_eq!(p.rows[1].note, "Bếp mới");
        assert_eq!(p.column(QUANTITY).as_deref(), Some("E (Số trẻ)"));
    }

    #[test]
    fn english_snake_case_headers_are_accepted() {
        let p = parse("site_name,package_code,period,quantity\nHồng Vân,DD-MN,2025-26,3\n");
        assert!(p.problems.is_empty(), "{:?}", messages(&p));
        assert_eq!(p.rows.len(), 1);
    }

    #[test]
    fn headers_match_without_diacritics_or_case_and_a_row_number_column_is_ignored() {
        let p = parse("STT,ten diem ho tro,MA GOI,dot,So tre\n1,Hồng Vân,DD-MN,2025-26,3\n");
        assert!(p.problems.is_empty(), "{:?}", messages(&p));
    }

    #[test]
    fn every_bad_cell_is_reported_with_its_row_column_and_what_is_expected() {
        let text = format!("{HEADER}s1,,DD-MN,2025-26,0,\n,,DD-MN,,mười,\ns2,,,2025-26,\"1,5\",\n");
        let p = parse(&text);
        let m = messages(&p);
        assert_eq!(p.rows.len(), 0);
        assert_eq!(m.len(), 6, "{m:#?}");
        assert!(m.iter().any(
            |s| s.starts_with("dòng 2, cột E (Số trẻ): \"0\" (0) không hợp lệ")
                && s.contains("row 2, column E (Số trẻ)")
        ));
        assert!(
            m.iter()
                .any(|s| s.starts_with("dòng 3, cột A (Mã điểm hỗ trợ): chưa có điểm hỗ trợ"))
        );
        assert!(
            m.iter()
                .any(|s| s.starts_with("dòng 3, cột D (Đợt): ô trống"))
        );
        assert!(
            m.iter()
                .any(|s| s.starts_with("dòng 3, cột E (Số trẻ): \"mười\" không phải là số"))
        );
        assert!(
            m.iter()
                .any(|s| s.starts_with("dòng 4, cột C (Mã gói): ô trống"))
        );
        assert!(
            m.iter()
                .any(|s| s.starts_with("dòng 4, cột E (Số trẻ): \"1,5\" có phần lẻ"))
        );
        let r = parse(&text).into_result();
        assert!(r.is_err());
    }

    #[test]
    fn a_negative_quantity_is_refused() {
        let p = parse(&format!("{HEADER}s1,,DD-MN,2025-26,-4,\n"));
        assert_eq!(p.problems.len(), 1);
        assert!(p.problems[0].en.contains("must be above zero"));
    }

    #[test]
    fn a_quantity_too_large_for_money_is_refused_as_overflow() {
        let p = parse(&format!(
            "{HEADER}s1,,DD-MN,2025-26,99999999999999999999,\n"
        ));
        assert_eq!(p.problems.len(), 1);
        assert!(p.problems[0].en.contains("too large"), "{}", p.problems[0]);
    }

    #[test]
    fn a_row_repeating_an_earlier_rows_site_package_and_period_is_flagged() {
        let text = format!(
            "{HEADER}s1,,DD-MN,2025-26,3,\n,Hồng Vân,DD-MN,2025-26,4,\ns1,,dd-mn,2025-26,5,\n,HỒNG VÂN,DD-MN,2025-26,1,\n"
        );
        let p = parse(&text);
        let m = messages(&p);
        assert_eq!(m.len(), 2, "{m:#?}");
        assert!(m[0].starts_with("dòng 4: trùng với dòng 2"), "{}", m[0]);
        assert!(m[1].starts_with("dòng 5: trùng với dòng 3"), "{}", m[1]);
    }

    #[test]
    fn a_file_without_site_columns_or_with_unknown_headers_is_refused_at_the_header() {
        let p = parse("Mã gói,Đợt,Số trẻ,Số tiền\nDD-MN,2025-26,3,100\n");
        let m = messages(&p);
        assert!(
            m.iter()
                .any(|s| s.contains("\"Mã điểm hỗ trợ\" hoặc \"Tên điểm hỗ trợ\"")),
            "{m:#?}"
        );
        assert!(
            m.iter()
                .any(|s| s.starts_with("dòng 1, cột D (Số tiền): tiêu đề không dùng được")),
            "{m:#?}"
        );
    }

    #[test]
    fn a_missing_required_column_is_named() {
        let p = parse("Tên điểm hỗ trợ,Mã gói,Đợt\nHồng Vân,DD-MN,2025-26\n");
        let m = messages(&p);
        assert!(
            m.iter()
                .any(|s| s.starts_with("dòng 1: thiếu cột \"Số trẻ\"")),
            "{m:#?}"
        );
    }

    #[test]
    fn a_blank_header_over_data_is_refused_as_a_merged_or_missing_header() {
        let p = parse("Tên điểm hỗ trợ,,Đợt,Số trẻ\nHồng Vân,DD-MN,2025-26,3\n");
        let m = messages(&p);
        assert!(
            m.iter()
                .any(|s| s.starts_with("dòng 1, cột B: ô tiêu đề trống") && s.contains("merged")),
            "{m:#?}"
        );
    }

    #[test]
    fn a_repeated_header_is_refused() {
        let p = parse("Tên điểm hỗ trợ,Mã gói,Đợt,Số trẻ,So tre\nHồng Vân,DD-MN,2025-26,3,4\n");
        let m = messages(&p);
        assert!(
            m.iter()
                .any(|s| s.starts_with("dòng 1, cột E (So tre): cột \"Số trẻ\" đã có ở cột D")),
            "{m:#?}"
        );
    }

    #[test]
    fn tcvn3_text_in_a_name_is_refused_with_its_row() {
        let p = parse(&format!(
            "{HEADER},Tr\u{ad}êng TiÓu häc A L\u{ad}íi,DD-MN,2025-26,3,\n"
        ));
        let m = messages(&p);
        assert_eq!(m.len(), 1, "{m:#?}");
        assert!(
            m[0].starts_with("dòng 2, cột B (Tên điểm hỗ trợ): chữ"),
            "{}",
            m[0]
        );
        assert!(m[0].contains("TCVN3"));
    }

    #[test]
    fn empty_lines_between_rows_are_skipped_and_rows_keep_their_file_numbers() {
        let p = parse(&format!(
            "{HEADER}\n,,,,,\ns1,,DD-MN,2025-26,3,\n\ns2,,DD-MN,2025-26,0,\n"
        ));
        assert_eq!(p.rows.iter().map(|r| r.row).collect::<Vec<_>>(), vec![4]);
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].row, 6);
    }

    #[test]
    fn a_header_only_file_is_refused_as_having_no_rows() {
        let p = parse(HEADER);
        assert_eq!(p.problems.len(), 1);
        assert!(p.problems[0].en.contains("no data rows"));
    }
}
