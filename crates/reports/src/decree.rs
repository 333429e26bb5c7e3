//! The layout rules of Decree 30/2020/NĐ-CP (Phụ lục I) that the DOCX and the
//! PDF share: page, margins, type sizes, the national header and the date
//! line. Sizes are in points unless the name says otherwise.

use chrono::{Datelike, NaiveDate};

/// Quốc hiệu: upper case, bold, 12–13 pt.
pub const NATIONAL_NAME: &str = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";
/// Tiêu ngữ: bold, one size larger than the quốc hiệu, hyphens with spaces.
pub const MOTTO: &str = "Độc lập - Tự do - Hạnh phúc";
/// "Nơi nhận:" (bold italic 12 pt) above the recipient lines (11 pt).
pub const RECIPIENTS_LABEL: &str = "Nơi nhận:";

/// What an honest empty report says instead of showing nothing.
pub const NO_DATA_DOCUMENT: &str = "Không có số liệu trong kỳ báo cáo.";
pub const NO_DATA_SECTION: &str = "(Không có số liệu.)";

/// A4 portrait.
pub const PAGE_WIDTH_MM: f32 = 210.0;
pub const PAGE_HEIGHT_MM: f32 = 297.0;
/// Margins chosen inside the decree's ranges: top and bottom 20–25 mm,
/// left 30–35 mm, right 15–20 mm.
pub const MARGIN_TOP_MM: f32 = 20.0;
pub const MARGIN_BOTTOM_MM: f32 = 20.0;
pub const MARGIN_LEFT_MM: f32 = 30.0;
pub const MARGIN_RIGHT_MM: f32 = 15.0;

/// Body text 13 pt (the decree allows 13–14).
pub const BODY_PT: f32 = 13.0;
/// Header lines: agency names and quốc hiệu 12–13 pt; 12 keeps the quốc hiệu on one line.
pub const HEADER_PT: f32 = 12.0;
/// Tiêu ngữ 13 pt, one size above the quốc hiệu.
pub const MOTTO_PT: f32 = 13.0;
/// Document kind and title: bold 14 pt.
pub const TITLE_PT: f32 = 14.0;
/// Tables: 11 pt for headers and cells (the decree leaves tables free; 11 fits
/// six or seven numeric columns across the 165 mm text width).
pub const TABLE_PT: f32 = 11.0;
pub const RECIPIENTS_LABEL_PT: f32 = 12.0;
pub const RECIPIENTS_PT: f32 = 11.0;
/// Page numbers: 13 pt, centred in the top margin, not on page 1.
pub const PAGE_NUMBER_PT: f32 = 13.0;
/// Font family named in the DOCX; the PDF embeds the metric-compatible
/// Liberation Serif.
pub const FONT_FAMILY: &str = "Times New Roman";

/// Share of the text width given to the left column of the header and of
/// the signature block (issuing body, "Nơi nhận").
pub const LEFT_COLUMN_SHARE: f32 = 0.38;

pub fn mm_to_pt(mm: f32) -> f32 {
    mm * 72.0 / 25.4
}

/// Twentieths of a point, the unit of DOCX page geometry.
pub fn mm_to_twips(mm: f32) -> i32 {
    (mm * 1440.0 / 25.4).round() as i32
}

/// "Huế, ngày 05 tháng 3 năm 2026": the day with two digits, months 1 and 2
/// with a leading zero (so "01", "02" cannot be mistaken for 10, 11, 12),
/// other months without.
pub fn date_line(place: &str, date: NaiveDate) -> String {
    let month = date.month();
    let month = if month < 3 {
        format!("{month:02}")
    } else {
        month.to_string()
    };
    let place = place.trim();
    let prefix = if place.is_empty() {
        String::new()
    } else {
        format!("{place}, ")
    };
    format!(
        "{prefix}ngày {:02} tháng {month} năm {}",
        date.day(),
        date.year()
    )
}

/// "Nơi nhận" lines: "- Như trên;" … and a full stop after the last one,
/// unless the caller already put punctuation there.
pub fn recipient_lines(recipients: &[String]) -> Vec<String> {
    let count = recipients.len();
    recipients
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let r = r.trim().trim_start_matches(['-', '–']).trim();
            let end = if i + 1 == count { "." } else { ";" };
            if r.ends_with([';', '.', ',', ':']) {
                format!("- {r}")
            } else {
                format!("- {r}{end}")
            }
        })
        .collect()
}

/// The signer's title split into lines ("KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC"), upper case.
pub fn signer_title_lines(title: &str) -> Vec<String> {
    title
        .lines()
        .map(|l| l.trim().to_uppercase())
        .filter(|l| !l.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    #[test]
    fn the_date_line_pads_days_and_the_first_two_months() {
        assert_eq!(
            date_line("Huế", day(2026, 11, 28)),
            "Huế, ngày 28 tháng 11 năm 2026"
        );
        assert_eq!(
            date_line("Huế", day(2026, 3, 5)),
            "Huế, ngày 05 tháng 3 năm 2026"
        );
        assert_eq!(
            date_line("Huế", day(2026, 2, 1)),
            "Huế, ngày 01 tháng 02 năm 2026"
        );
        assert_eq!(date_line("", day(2026, 1, 9)), "ngày 09 tháng 01 năm 2026");
    }

    #[test]
    fn recipients_end_with_semicolons_and_a_full_stop() {
        let lines = recipient_lines(&[
            "Như trên".into(),
            "- UBND thành phố".into(),
            "Lưu: VT".into(),
        ]);
        assert_eq!(lines, ["- Như trên;", "- UBND thành phố;", "- Lưu: VT."]);
    }

    #[test]
    fn a4_in_twips_is_11906_by_16838() {
        assert_eq!(mm_to_twips(PAGE_WIDTH_MM), 11906);
        assert_eq!(mm_to_twips(PAGE_HEIGHT_MM), 16838);
    }
}
