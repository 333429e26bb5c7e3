//! Birth dates that may be full, month/year or year only, in the formats met in Vietnamese
//! records, and their comparison.

/// A birth date with the precision it was recorded with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PartialDate {
    /// Year (1900–2100).
    pub year: u16,
    /// Month 1–12, if known.
    pub month: Option<u8>,
    /// Day 1–31, if known (only when the month is known).
    pub day: Option<u8>,
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

fn full(year: u16, month: u8, day: u8) -> Option<PartialDate> {
    if !(1900..=2100).contains(&year) || !(1..=12).contains(&month) {
        return None;
    }
    if day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(PartialDate {
        year,
        month: Some(month),
        day: Some(day),
    })
}

fn year4(s: &str) -> Option<u16> {
    if s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok().filter(|y| (1900..=2100).contains(y))
    } else {
        None
    }
}

fn small(s: &str) -> Option<u8> {
    if !s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

/// Parses `dd/mm/yyyy`, `d/m/yyyy`, `yyyy-mm-dd`, `yyyy`, `mm/yyyy`, `yyyy-mm`, and `dd/mm/yy`
/// (two-digit years are read as 20yy when ≤ 50, else 19yy). `.` and `-` are accepted in place of
/// `/`. A day/month order that is impossible as written but valid when swapped
/// (`12/25/2017`) is read swapped. Returns `None` for anything else.
pub fn parse_date(s: &str) -> Option<PartialDate> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Some(y) = year4(s) {
        return Some(PartialDate {
            year: y,
            month: None,
            day: None,
        });
    }
    let parts: Vec<&str> = s.split(['/', '-', '.']).map(str::trim).collect();
    match parts.as_slice() {
        [a, b, c] => {
            if let Some(y) = year4(a) {
                let (m, d) = (small(b)?, small(c)?);
                return full(y, m, d);
            }
            let y = match year4(c) {
                Some(y) => y,
                None => {
                    let yy = small(c).filter(|_| c.len() == 2)?;
                    if yy <= 50 {
                        2000 + u16::from(yy)
                    } else {
                        1900 + u16::from(yy)
                    }
                }
            };
            let (d, m) = (small(a)?, small(b)?);
            full(y, m, d).or_else(|| full(y, d, m))
        }
        [a, b] => {
            let (y, m) = if let Some(y) = year4(b) {
                (y, small(a)?)
            } else {
                (year4(a)?, small(b)?)
            };
            if (1..=12).contains(&m) {
                Some(PartialDate {
                    year: y,
                    month: Some(m),
                    day: None,
                })
            } else {
                None
            }
        }
        _ => None,
    }
}

/// How two birth dates agree, from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DateLevel {
    /// Different.
    Different = 0,
    /// At least one is partial and the years differ by one.
    PartialYearOffByOne = 1,
    /// At least one is year-only, and the years are equal.
    PartialConsistent = 2,
    /// At least one is month/year, both have a month, and year and month agree (or the month
    /// agrees with the other's day, a day/month swap): one chance in about 180 for two
    /// children of the same age band, against one in 15 for a year alone.
    PartialMonthConsistent = 3,
    /// Both full, same day and month, years differ by one.
    YearOffByOne = 4,
    /// Both full, same year and month, days at most 2 apart.
    FewDaysApart = 5,
    /// Both full and equal once day and month are swapped.
    DayMonthSwapped = 6,
    /// Both full and equal.
    Exact = 7,
}

impl DateLevel {
    /// Number of levels.
    pub const COUNT: u8 = 8;

    /// Level from its index.
    pub fn from_index(i: u8) -> Option<Self> {
        Some(match i {
            0 => Self::Different,
            1 => Self::PartialYearOffByOne,
            2 => Self::PartialConsistent,
            3 => Self::PartialMonthConsistent,
            4 => Self::YearOffByOne,
            5 => Self::FewDaysApart,
            6 => Self::DayMonthSwapped,
            7 => Self::Exact,
            _ => return None,
        })
    }
}

/// Compares two birth dates. Symmetric.
pub fn compare_dates(a: &PartialDate, b: &PartialDate) -> DateLevel {
    let dy = a.year.abs_diff(b.year);
    match (a.month, a.day, b.month, b.day) {
        (Some(ma), Some(da), Some(mb), Some(db)) => {
            if dy == 0 && ma == mb && da == db {
                DateLevel::Exact
            } else if dy == 0 && ma == db && da == mb {
                DateLevel::DayMonthSwapped
            } else if dy == 0 && ma == mb && da.abs_diff(db) <= 2 {
                DateLevel::FewDaysApart
            } else if dy == 1 && ma == mb && da == db {
                DateLevel::YearOffByOne
            } else {
                DateLevel::Different
            }
        }
        _ => {
            let months = match (a.month, b.month) {
                (Some(x), Some(y)) => {
                    Some(x == y || (a.day.is_some_and(|d| d == y) || b.day.is_some_and(|d| d == x)))
                }
                _ => None,
            };
            if dy == 0 && months == Some(true) {
                DateLevel::PartialMonthConsistent
            } else if dy == 0 && months.is_none() {
                DateLevel::PartialConsistent
            } else if dy == 1 {
                DateLevel::PartialYearOffByOne
            } else {
                DateLevel::Different
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> PartialDate {
        parse_date(s).unwrap_or(PartialDate {
            year: 0,
            month: None,
            day: None,
        })
    }

    #[test]
    fn all_documented_formats_parse_to_the_same_date() {
        let want = full(2017, 3, 5);
        assert_eq!(parse_date("05/03/2017"), want);
        assert_eq!(parse_date("5/3/2017"), want);
        assert_eq!(parse_date("2017-03-05"), want);
        assert_eq!(parse_date("05-03-2017"), want);
        assert_eq!(parse_date("05.03.17"), want);
    }

    #[test]
    fn year_only_and_month_year_keep_their_precision() {
        assert_eq!(
            parse_date("2017"),
            Some(PartialDate {
                year: 2017,
                month: None,
                day: None
            })
        );
        assert_eq!(
            parse_date("03/2017"),
            Some(PartialDate {
                year: 2017,
                month: Some(3),
                day: None
            })
        );
    }

    #[test]
    fn impossible_dates_are_rejected() {
        assert_eq!(parse_date("31/02/2017"), None);
        assert_eq!(parse_date("hôm qua"), None);
        assert_eq!(parse_date("00/00/0000"), None);
        assert_eq!(parse_date("13/2017"), None);
    }

    #[test]
    fn a_day_month_swap_is_recognised() {
        assert_eq!(
            compare_dates(&d("05/03/2017"), &d("03/05/2017")),
            DateLevel::DayMonthSwapped
        );
    }

    #[test]
    fn a_year_off_by_one_is_recognised() {
        assert_eq!(
            compare_dates(&d("05/03/2017"), &d("05/03/2016")),
            DateLevel::YearOffByOne
        );
        assert_eq!(
            compare_dates(&d("2017"), &d("05/03/2016")),
            DateLevel::PartialYearOffByOne
        );
    }

    #[test]
    fn a_year_only_date_is_consistent_with_a_full_date_of_that_year() {
        assert_eq!(
            compare_dates(&d("2017"), &d("05/03/2017")),
            DateLevel::PartialConsistent
        );
        assert_eq!(
            compare_dates(&d("04/2017"), &d("05/03/2017")),
            DateLevel::Different
        );
        assert_eq!(
            compare_dates(&d("03/2017"), &d("05/03/2017")),
            DateLevel::PartialMonthConsistent
        );
        assert_eq!(
            compare_dates(&d("05/2017"), &d("05/03/2017")),
            DateLevel::PartialMonthConsistent
        );
    }
}
