//! Figures a unit types into its report, checked and compared with what the
//! system records (issue 6, §4: "where a unit's typed figure differs from
//! what the system records, the difference is flagged for the coordinator").
//!
//! Figures are whole, non-negative numbers: đồng, children, lượt. A typed
//! figure is read the Vietnamese way — dots (or spaces) between thousands,
//! `1.234.567` — or without separators; a negative figure, a fraction or
//! anything else is refused with a reason naming the field.

use super::error::ReportingError;

/// How far a typed figure may be from the system's before it is flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tolerance {
    /// Any difference is flagged.
    Exact,
    /// Up to this many units either way.
    Absolute(u64),
    /// Up to this share of the system's figure, in basis points (100 = 1 %).
    /// When the system records 0, any other figure is flagged.
    BasisPoints(u32),
}

/// A typed figure that differs from the system's beyond the tolerance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Difference {
    pub typed: i64,
    pub system: i64,
    /// `typed − system` (wide enough never to overflow).
    pub delta: i128,
    /// `|delta| / |system|` in basis points, rounded down; `None` when the
    /// system records 0.
    pub relative_bp: Option<u128>,
}

/// The difference between a typed and a system figure, if beyond `tolerance`.
pub fn compare(typed: i64, system: i64, tolerance: Tolerance) -> Option<Difference> {
    let delta = i128::from(typed) - i128::from(system);
    let gap = delta.unsigned_abs();
    let base = i128::from(system).unsigned_abs();
    let within = match tolerance {
        Tolerance::Exact => gap == 0,
        Tolerance::Absolute(max) => gap <= u128::from(max),
        Tolerance::BasisPoints(bp) => gap * 10_000 <= u128::from(bp) * base,
    };
    if within {
        return None;
    }
    Some(Difference {
        typed,
        system,
        delta,
        relative_bp: (base != 0).then(|| gap * 10_000 / base),
    })
}

/// A flagged difference and the field it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlaggedDifference {
    pub field: String,
    pub difference: Difference,
}

impl FlaggedDifference {
    pub const MESSAGE_KEY: &'static str = "reporting-difference";

    /// Placeholders of [`FlaggedDifference::MESSAGE_KEY`].
    pub fn message_args(&self) -> Vec<(&'static str, String)> {
        vec![
            ("field", self.field.clone()),
            ("typed", self.difference.typed.to_string()),
            ("system", self.difference.system.to_string()),
        ]
    }
}

/// Compare `(field, typed, system)` triples; the flagged ones, in order.
/// A field the unit left blank (`None`) is not compared.
pub fn compare_figures<'a>(
    figures: impl IntoIterator<Item = (&'a str, Option<i64>, i64)>,
    tolerance: Tolerance,
) -> Vec<FlaggedDifference> {
    figures
        .into_iter()
        .filter_map(|(field, typed, system)| {
            let difference = compare(typed?, system, tolerance)?;
            Some(FlaggedDifference {
                field: field.to_owned(),
                difference,
            })
        })
        .collect()
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{a0}' || c == '\u{202f}'
}

/// Read a typed figure. Blank is `Ok(None)` (not filled in); otherwise a
/// whole number ≥ 0, with or without thousands separators (`.` or spaces,
/// in groups of three). `field` names the field in the refusal.
pub fn parse_figure(field: &str, input: &str) -> Result<Option<i64>, ReportingError> {
    let text = input.trim_matches(is_space);
    if text.is_empty() {
        return Ok(None);
    }
    let not_a_number = || ReportingError::NotANumber {
        field: field.to_owned(),
        value: input.trim().to_owned(),
    };
    if let Some(rest) = text.strip_prefix(['-', '−', '–']) {
        // negative only if what follows is a number; "-abc" is not a number
        return match parse_figure(field, rest) {
            Ok(_) => Err(ReportingError::NegativeFigure {
                field: field.to_owned(),
                value: input.trim().to_owned(),
            }),
            Err(ReportingError::FigureTooLarge { .. }) => Err(ReportingError::NegativeFigure {
                field: field.to_owned(),
                value: input.trim().to_owned(),
            }),
            Err(_) => Err(not_a_number()),
        };
    }
    let text = text.strip_prefix('+').unwrap_or(text);
    let groups: Vec<&str> = text.split(|c: char| c == '.' || is_space(c)).collect();
    let well_formed = groups
        .iter()
        .all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()))
        && (groups.len() == 1
            || (groups[0].len() <= 3 && groups[1..].iter().all(|g| g.len() == 3)));
    if !well_formed {
        return Err(not_a_number());
    }
    let digits: String = groups.concat();
    digits
        .parse::<i64>()
        .map(Some)
        .map_err(|_| ReportingError::FigureTooLarge {
            field: field.to_owned(),
            value: input.trim().to_owned(),
        })
}

/// Check a figure that arrived as a number (JSON API): not negative.
pub fn check_figure(field: &str, value: i64) -> Result<i64, ReportingError> {
    if value < 0 {
        Err(ReportingError::NegativeFigure {
            field: field.to_owned(),
            value: value.to_string(),
        })
    } else {
        Ok(value)
    }
}

/// Check a figure that arrived as a floating-point number: a finite whole
/// number, not negative, within range.
pub fn check_figure_f64(field: &str, value: f64) -> Result<i64, ReportingError> {
    let shown = value.to_string();
    if !value.is_finite() || value.fract() != 0.0 {
        return Err(ReportingError::NotANumber {
            field: field.to_owned(),
            value: shown,
        });
    }
    if value < 0.0 {
        return Err(ReportingError::NegativeFigure {
            field: field.to_owned(),
            value: shown,
        });
    }
    // 2^63 is the first float beyond i64; every whole float below it fits
    if value >= 9_223_372_036_854_775_808.0 {
        return Err(ReportingError::FigureTooLarge {
            field: field.to_owned(),
            value: shown,
        });
    }
    Ok(value as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const FIELD: &str = "Số trẻ được hỗ trợ";

    #[test]
    fn equal_figures_are_not_flagged_and_different_ones_are() {
        assert_eq!(compare(148, 148, Tolerance::Exact), None);
        assert_eq!(
            compare(150, 148, Tolerance::Exact),
            Some(Difference {
                typed: 150,
                system: 148,
                delta: 2,
                relative_bp: Some(135)
            })
        );
        assert_eq!(
            compare(0, 10, Tolerance::Exact).map(|d| (d.delta, d.relative_bp)),
            Some((-10, Some(10_000)))
        );
        assert_eq!(
            compare(5, 0, Tolerance::BasisPoints(500)).map(|d| d.relative_bp),
            Some(None)
        );
    }

    #[test]
    fn tolerances_are_inclusive() {
        assert_eq!(compare(150, 148, Tolerance::Absolute(2)), None);
        assert!(compare(151, 148, Tolerance::Absolute(2)).is_some());
        assert!(compare(145, 148, Tolerance::Absolute(2)).is_some());
        // 1 % of 47.360.000 đồng is 473.600
        assert_eq!(
            compare(47_833_600, 47_360_000, Tolerance::BasisPoints(100)),
            None
        );
        assert!(compare(47_833_601, 47_360_000, Tolerance::BasisPoints(100)).is_some());
        assert_eq!(compare(0, 0, Tolerance::BasisPoints(100)), None);
        // extremes never overflow
        let d = compare(i64::MAX, i64::MIN, Tolerance::Exact).expect("differs");
        assert_eq!(d.delta, i128::from(i64::MAX) - i128::from(i64::MIN));
    }

    #[test]
    fn only_filled_fields_are_compared_and_flags_name_the_field() {
        let flagged = compare_figures(
            [
                ("money-domestic", Some(10_000_000), 10_000_000),
                ("children-unique", Some(160), 148),
                ("children-luot", None, 300),
            ],
            Tolerance::Exact,
        );
        assert_eq!(flagged.len(), 1);
        assert_eq!(flagged[0].field, "children-unique");
        assert_eq!(
            flagged[0].message_args(),
            vec![
                ("field", "children-unique".to_owned()),
                ("typed", "160".to_owned()),
                ("system", "148".to_owned())
            ]
        );
    }

    #[test]
    fn vietnamese_numbers_are_read() {
        for (text, n) in [
            ("0", 0),
            ("148", 148),
            ("1.234.567", 1_234_567),
            (" 47.360.000 ", 47_360_000),
            ("1 234 567", 1_234_567),
            ("1\u{a0}234", 1_234),
            ("+12", 12),
            ("007", 7),
        ] {
            assert_eq!(parse_figure(FIELD, text), Ok(Some(n)), "{text}");
        }
        assert_eq!(parse_figure(FIELD, "   "), Ok(None));
        assert_eq!(parse_figure(FIELD, ""), Ok(None));
    }

    #[test]
    fn negative_figures_are_refused_naming_the_field() {
        for text in ["-3", "−3", "-1.000", "-99999999999999999999"] {
            let e = parse_figure(FIELD, text).expect_err(text);
            assert_eq!(
                e,
                ReportingError::NegativeFigure {
                    field: FIELD.into(),
                    value: text.into()
                }
            );
            assert!(
                e.to_string()
                    .contains("ô \"Số trẻ được hỗ trợ\": số liệu không được âm")
            );
            assert!(
                e.to_string()
                    .contains("field \"Số trẻ được hỗ trợ\": the figure may not be negative")
            );
        }
        assert_eq!(
            check_figure(FIELD, -1),
            Err(ReportingError::NegativeFigure {
                field: FIELD.into(),
                value: "-1".into()
            })
        );
        assert_eq!(check_figure(FIELD, 0), Ok(0));
    }

    #[test]
    fn what_is_not_a_whole_number_is_refused_naming_the_field() {
        for text in [
            "abc", "12a", "1,5", "1,234", "1.5", "1.23.456", "1234.567", "12.", ".5", "NaN", "inf",
            "--3", "-abc", "1e6", "١٢٣",
        ] {
            assert_eq!(
                parse_figure(FIELD, text),
                Err(ReportingError::NotANumber {
                    field: FIELD.into(),
                    value: text.into()
                }),
                "{text}"
            );
        }
        let e = parse_figure("Tiền mặt", "abc").expect_err("abc");
        assert!(
            e.to_string()
                .contains("ô \"Tiền mặt\": \"abc\" không phải là số nguyên")
        );
        assert!(
            e.to_string()
                .contains("field \"Tiền mặt\": \"abc\" is not a whole number")
        );
        assert_eq!(
            parse_figure(FIELD, "99.999.999.999.999.999.999"),
            Err(ReportingError::FigureTooLarge {
                field: FIELD.into(),
                value: "99.999.999.999.999.999.999".into()
            })
        );
    }

    #[test]
    fn floats_must_be_finite_whole_and_not_negative() {
        assert_eq!(check_figure_f64(FIELD, 148.0), Ok(148));
        for v in [f64::NAN, f64::INFINITY, 1.5] {
            assert!(matches!(
                check_figure_f64(FIELD, v),
                Err(ReportingError::NotANumber { .. })
            ));
        }
        assert!(matches!(
            check_figure_f64(FIELD, -2.0),
            Err(ReportingError::NegativeFigure { .. })
        ));
        assert!(matches!(
            check_figure_f64(FIELD, 1e19),
            Err(ReportingError::FigureTooLarge { .. })
        ));
    }

    fn vietnamese(n: u64) -> String {
        let digits = n.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push('.');
            }
            out.push(c);
        }
        out
    }

    proptest! {
        #[test]
        fn any_non_negative_i64_written_the_vietnamese_way_reads_back(n in 0i64..=i64::MAX) {
            let n_u = u64::try_from(n).expect("non-negative");
            prop_assert_eq!(parse_figure(FIELD, &vietnamese(n_u)), Ok(Some(n)));
            prop_assert_eq!(parse_figure(FIELD, &n.to_string()), Ok(Some(n)));
            if n > 0 {
                let neg = format!("-{}", vietnamese(n_u));
                let refused = matches!(
                    parse_figure(FIELD, &neg),
                    Err(ReportingError::NegativeFigure { .. })
                );
                prop_assert!(refused);
            }
        }

        #[test]
        fn a_difference_is_flagged_exactly_when_beyond_the_absolute_tolerance(
            typed in 0i64..1_000_000, system in 0i64..1_000_000, tol in 0u64..1_000
        ) {
            let flagged = compare(typed, system, Tolerance::Absolute(tol)).is_some();
            prop_assert_eq!(flagged, typed.abs_diff(system) > tol);
        }
    }
}
