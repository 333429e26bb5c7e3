//! The pledge code a donor writes in a bank transfer's memo, so the money
//! can be matched to the pledge: `CT` + the pledge number on six digits,
//! zero-padded, + one check digit (Luhn mod 10 over the six digits).
//! Pledge 427 is `CT0004275`.
//!
//! The check digit catches every single mistyped digit and most swaps of
//! two neighbouring digits, so a code read from a memo is either the one
//! the donor was given or is refused — it does not silently point at
//! another pledge.
//!
//! Banks mangle memos: they fold case, strip diacritics, cut the text into
//! fixed-width pieces and glue words together (`UNGHOCT0004275TREEM`).
//! [`find_in_memo`] is written for that; [`parse`] is the strict form for
//! a code typed into a field on its own.

use crate::text::search_key;

/// The highest pledge number a code can carry (six digits).
pub const MAX_NUMBER: u32 = 999_999;

/// Digits after `CT`: six for the number, one check digit.
const DIGITS: usize = 7;

/// The most separator characters (space, `-`, `.`, `_`, `:`, `#`, `/`)
/// accepted between `CT` and the digits in a memo.
const MAX_GAP: usize = 3;

/// The Luhn check digit of a run of digits (each `0..=9`): counting from
/// the right, every other digit starting with the rightmost is doubled.
fn luhn_digit(digits: &[u32]) -> u32 {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 0 {
                let twice = d * 2;
                if twice > 9 { twice - 9 } else { twice }
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

fn digits_of(number: u32) -> [u32; DIGITS - 1] {
    let mut out = [0; DIGITS - 1];
    let mut n = number;
    for d in out.iter_mut().rev() {
        *d = n % 10;
        n /= 10;
    }
    out
}

/// The check digit of a pledge number.
pub fn check_digit(number: u32) -> u32 {
    luhn_digit(&digits_of(number))
}

/// The code of a pledge number: `CT` + six digits + check digit.
///
/// # Panics
///
/// When `number` is outside `1..=999_999`: pledge numbers are allocated by
/// the system, and a code for a number that does not fit would point at
/// another pledge.
pub fn format(number: u32) -> String {
    assert!(
        (1..=MAX_NUMBER).contains(&number),
        "pledge number {number} is outside 1..=999999"
    );
    format!("CT{number:06}{}", check_digit(number))
}

/// The pledge number of seven digit characters, if the check digit is
/// right and the number is not zero.
fn number_of(digits: &[u8]) -> Option<u32> {
    if digits.len() != DIGITS || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let values: Vec<u32> = digits.iter().map(|b| u32::from(b - b'0')).collect();
    let (body, check) = values.split_at(DIGITS - 1);
    if luhn_digit(body) != check[0] {
        return None;
    }
    let number = body.iter().fold(0, |n, d| n * 10 + d);
    (number >= 1).then_some(number)
}

/// A code on its own: `CT0004275`, `ct0004275`, `CT 0004275` or
/// `CT-0004275` (surrounding spaces ignored). Refused: a wrong check
/// digit, another number of digits, anything else around the code.
pub fn parse(s: &str) -> Option<u32> {
    let s = s.trim();
    let rest = s
        .strip_prefix("CT")
        .or_else(|| s.strip_prefix("ct"))
        .or_else(|| s.strip_prefix("Ct"))
        .or_else(|| s.strip_prefix("cT"))?;
    let digits = rest
        .strip_prefix(' ')
        .or_else(|| rest.strip_prefix('-'))
        .unwrap_or(rest);
    number_of(digits.as_bytes())
}

fn is_gap(b: u8) -> bool {
    matches!(b, b' ' | b'-' | b'.' | b'_' | b':' | b'#' | b'/')
}

/// Every valid pledge code in a memo, in the order they first appear,
/// each number once.
///
/// The memo is folded first (case, diacritics, `đ`, runs of white space),
/// then every `ct` is tried, wherever it stands — also glued to the end
/// of another word (`UNGHOCT0004275`), since banks drop the spaces. After
/// `ct` come up to three separators (space, `-`, `.`, `_`, `:`, `#`, `/`)
/// and exactly seven digits, not followed by another digit; the check
/// digit must be right.
///
/// Trade-off: because a code may be glued to the word before it, a word
/// ending in "ct" followed by seven digits (`CONTACT 1234567`) is read as
/// a code when its last digit happens to check (one time in ten). The
/// caller confirms a number against an existing pledge before using it.
pub fn find_in_memo(memo: &str) -> Vec<u32> {
    let folded = search_key(memo);
    let bytes = folded.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'c' && bytes[i + 1] == b't' {
            let mut start = i + 2;
            let mut gap = 0;
            while gap < MAX_GAP && bytes.get(start).copied().is_some_and(is_gap) {
                start += 1;
                gap += 1;
            }
            let end = start
                + bytes[start..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
            if let Some(n) = number_of(&bytes[start..end])
                && !found.contains(&n)
            {
                found.push(n);
            }
        }
        i += 1;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn pledge_427_has_the_luhn_check_digit_5() {
        // 0 0 0 4 2 7: doubled from the right 7→14→5, 2, 4→8: 5+2+8 = 15.
        assert_eq!(check_digit(427), 5);
        assert_eq!(format(427), "CT0004275");
        assert_eq!(format(1), "CT0000018");
        assert_eq!(format(999_999), "CT9999996");
    }

    #[test]
    #[should_panic(expected = "outside 1..=999999")]
    fn pledge_number_zero_has_no_code() {
        let _ = format(0);
    }

    #[test]
    #[should_panic(expected = "outside 1..=999999")]
    fn a_pledge_number_of_seven_digits_has_no_code() {
        let _ = format(1_000_427);
    }

    #[test]
    fn a_code_on_its_own_is_read_in_upper_or_lower_case_with_one_space_or_hyphen() {
        for s in [
            "CT0004275",
            "ct0004275",
            "Ct0004275",
            "CT 0004275",
            "CT-0004275",
            " ct-0004275 ",
        ] {
            assert_eq!(parse(s), Some(427), "{s}");
        }
    }

    #[test]
    fn malformed_codes_are_refused() {
        for s in [
            "CT0004273",   // wrong check digit
            "CT000427",    // six digits
            "CT00004275",  // eight digits
            "CT  0004275", // two spaces
            "CT.0004275",  // a dot is for memos only
            "XCT0004275",
            "CT0004275X",
            "0004275",
            "CT0000000", // number 0 (its check digit is 0)
            "",
            "CT",
        ] {
            assert_eq!(parse(s), None, "{s}");
        }
    }

    #[test]
    fn codes_are_found_in_memos_however_the_bank_mangled_them() {
        let cases: &[(&str, &[u32])] = &[
            ("UNGHOCT0004275TREEM", &[427]),
            ("ung ho ct 0004275 tre em", &[427]),
            ("Ủng hộ CT-0004275 trẻ em vùng cao", &[427]),
            ("MBVCB.1234567890.054321.ct.0004275.NGUYEN VAN AN", &[427]),
            ("IBFT CT . 0004275", &[427]),
            ("CT    0004275", &[427]), // runs of spaces count as one
            ("ct_0004275", &[427]),
            ("UNG HO CT0004275 CT0004275", &[427]),
            ("CT0000018 va CT0004275", &[1, 427]),
            ("CT0004275 va CT0000018", &[427, 1]),
            ("CTCT0004275", &[427]),
        ];
        for (memo, expected) in cases {
            assert_eq!(find_in_memo(memo), expected.to_vec(), "{memo}");
        }
    }

    #[test]
    fn memos_without_a_valid_code_give_nothing() {
        for memo in [
            "UNG HO TRE EM",
            "CT0004273 sai so kiem tra",
            "CT000427 thieu so",
            "CT00042751 du so",
            "CT-.-.0004275", // four separators
            "C T0004275",
            "MBVCB.4525077405.029552",
            "",
        ] {
            assert_eq!(find_in_memo(memo), Vec::<u32>::new(), "{memo}");
        }
    }

    proptest! {
        #[test]
        fn format_then_parse_gives_the_number_back(n in 1u32..=MAX_NUMBER) {
            let code = format(n);
            prop_assert_eq!(code.len(), 9);
            prop_assert_eq!(parse(&code), Some(n));
            prop_assert_eq!(parse(&code.to_lowercase()), Some(n));
            prop_assert_eq!(find_in_memo(&code), vec![n]);
        }

        #[test]
        fn changing_any_single_digit_is_rejected(
            n in 1u32..=MAX_NUMBER,
            position in 0usize..DIGITS,
            shift in 1u8..=9,
        ) {
            let mut bytes = format(n).into_bytes();
            let at = 2 + position;
            bytes[at] = b'0' + (bytes[at] - b'0' + shift) % 10;
            let changed = String::from_utf8(bytes).expect("ASCII digits stay ASCII");
            prop_assert_eq!(parse(&changed), None, "{}", changed);
            prop_assert!(find_in_memo(&changed).is_empty(), "{}", changed);
        }

        #[test]
        fn a_code_glued_between_letters_is_found(
            n in 1u32..=MAX_NUMBER,
            before in "[A-Za-z ]{0,12}",
            after in "[A-Za-z ]{0,12}",
            gap in prop::sample::select(vec!["", " ", "-", ".", " . "]),
        ) {
            let code = format(n);
            let memo = format!("{before}CT{gap}{}{after}", &code[2..]);
            prop_assert_eq!(find_in_memo(&memo), vec![n], "{}", memo);
        }
    }
}
