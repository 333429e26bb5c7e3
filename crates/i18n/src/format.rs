//! Numbers, money and dates written the Vietnamese way: `1.234.567 ₫`,
//! `29/11/2026`. Timestamps are stored in UTC and shown in UTC+7 (Vietnam has
//! no daylight saving time, so a fixed offset is exact).

use chrono::{DateTime, FixedOffset, NaiveDate, Offset, Utc};

/// `1234567` → `1.234.567` (dot as the thousands separator).
pub fn format_int(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if value < 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(ch);
    }
    out
}

/// Money in đồng: `1.234.567 ₫` (the sign is a non-breaking space away).
pub fn format_vnd(dong: i64) -> String {
    format!("{}\u{a0}₫", format_int(dong))
}

/// `dd/mm/yyyy`.
pub fn format_date(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

/// `dd/mm/yyyy HH:MM` in Vietnam's time (UTC+7).
pub fn format_datetime(at: DateTime<Utc>) -> String {
    let offset = FixedOffset::east_opt(7 * 3600).unwrap_or_else(|| Utc.fix());
    at.with_timezone(&offset)
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn integers_use_dots_between_thousands() {
        assert_eq!(format_int(0), "0");
        assert_eq!(format_int(999), "999");
        assert_eq!(format_int(1000), "1.000");
        assert_eq!(format_int(1_234_567), "1.234.567");
        assert_eq!(format_int(-1_234_567), "-1.234.567");
        assert_eq!(format_int(i64::MIN), "-9.223.372.036.854.775.808");
    }

    #[test]
    fn money_is_written_in_dong() {
        assert_eq!(format_vnd(320_000), "320.000\u{a0}₫");
    }

    #[test]
    fn dates_are_day_month_year() {
        let d = NaiveDate::from_ymd_opt(2025, 7, 1).expect("valid date");
        assert_eq!(format_date(d), "01/07/2025");
    }

    #[test]
    fn timestamps_are_shown_in_vietnam_time() {
        let at = Utc
            .with_ymd_and_hms(2026, 11, 29, 20, 30, 0)
            .single()
            .expect("valid");
        assert_eq!(format_datetime(at), "30/11/2026 03:30");
    }
}
