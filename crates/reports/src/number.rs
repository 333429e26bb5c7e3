//! Numbers the Vietnamese way. The integer and money forms are the project's
//! own (`crates/i18n`), re-exported so report code has one place to look.
//! Note `format_vnd` writes the đồng sign `₫` after a no-break space
//! (`1.234.567 ₫`), the project-wide convention.

pub use i18n::{format_date, format_int, format_vnd};

/// Basis points as a Vietnamese percentage with two decimals and a decimal
/// comma: `1234` → `12,34%`.
pub fn format_percent_bp(bp: i64) -> String {
    let sign = if bp < 0 { "-" } else { "" };
    let abs = bp.unsigned_abs();
    format!("{sign}{},{:02}%", format_int((abs / 100) as i64), abs % 100)
}

/// Short axis labels for charts: `1 500 000 000` → `1,5 tỷ`, `300 000` →
/// `300 nghìn`, `2 000 000` → `2 tr`.
pub fn format_compact(value: i64) -> String {
    let abs = u128::from(value.unsigned_abs());
    let (unit, scale) = match abs {
        1_000_000_000.. => (" tỷ", 1_000_000_000u128),
        1_000_000.. => (" tr", 1_000_000),
        1_000.. => (" nghìn", 1_000),
        _ => return format_int(value),
    };
    let sign = if value < 0 { "-" } else { "" };
    let tenths = (abs * 10 + scale / 2) / scale;
    let whole = format_int(i64::try_from(tenths / 10).unwrap_or(i64::MAX));
    match tenths % 10 {
        0 => format!("{sign}{whole}{unit}"),
        d => format!("{sign}{whole},{d}{unit}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_and_money_use_dots() {
        assert_eq!(format_int(1_234_567), "1.234.567");
        assert_eq!(format_vnd(1_234_567), "1.234.567\u{a0}₫");
    }

    #[test]
    fn percentages_use_a_decimal_comma() {
        assert_eq!(format_percent_bp(1234), "12,34%");
        assert_eq!(format_percent_bp(10_000), "100,00%");
        assert_eq!(format_percent_bp(5), "0,05%");
        assert_eq!(format_percent_bp(-525), "-5,25%");
        assert_eq!(format_percent_bp(123_456_789), "1.234.567,89%");
    }

    #[test]
    fn compact_labels_round_to_one_decimal() {
        assert_eq!(format_compact(950), "950");
        assert_eq!(format_compact(300_000), "300 nghìn");
        assert_eq!(format_compact(2_000_000), "2 tr");
        assert_eq!(format_compact(1_500_000_000), "1,5 tỷ");
        assert_eq!(format_compact(-1_250_000), "-1,3 tr");
        assert_eq!(format_compact(i64::MIN), "-9.223.372.036,9 tỷ");
    }
}
