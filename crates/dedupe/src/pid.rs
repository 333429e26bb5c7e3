//! The 12-digit personal identification number (số định danh cá nhân / số căn cước).
//!
//! Structure (Decree 137/2015/NĐ-CP art. 13, TT 07/2016/TT-BCA): 3 digits province code of
//! birth registration (Thừa Thiên Huế = 046), 1 digit century and sex (1900s: 0 male, 1 female;
//! 2000s: 2 male, 3 female; 2100s: 4/5 …), 2 digits year of birth, 6 random digits.

use crate::Sex;

/// Province codes in use in the first three digits (TT 07/2016/TT-BCA, appendix 1).
const PROVINCE_CODES: [u16; 63] = [
    1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36, 37,
    38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70, 72, 74, 75, 77,
    79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96,
];

/// Why a personal ID was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PidError {
    /// Not exactly 12 digits.
    #[error("mã định danh phải có đúng 12 chữ số / personal ID must have exactly 12 digits")]
    Length,
    /// The first three digits are not a province code.
    #[error("3 chữ số đầu không phải mã tỉnh / the first 3 digits are not a province code")]
    Province,
}

/// A structurally valid personal ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PersonalId(pub [u8; 12]);

impl PersonalId {
    /// Province code of birth registration.
    pub fn province(&self) -> u16 {
        u16::from(self.0[0]) * 100 + u16::from(self.0[1]) * 10 + u16::from(self.0[2])
    }

    /// Sex encoded in the 4th digit.
    pub fn sex(&self) -> Sex {
        if self.0[3].is_multiple_of(2) {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// Year of birth from the 4th–6th digits.
    pub fn birth_year(&self) -> u16 {
        1900 + u16::from(self.0[3] / 2) * 100 + u16::from(self.0[4]) * 10 + u16::from(self.0[5])
    }

    /// A 64-bit value of the digits (for blocking keys).
    pub fn as_u64(&self) -> u64 {
        self.0.iter().fold(0u64, |acc, &d| acc * 10 + u64::from(d))
    }
}

/// Parses a personal ID, ignoring spaces, dots and dashes. Checks length and province code.
pub fn parse_personal_id(s: &str) -> Result<PersonalId, PidError> {
    let mut digits = [0u8; 12];
    let mut n = 0usize;
    for c in s.chars() {
        if c.is_ascii_digit() {
            if n == 12 {
                return Err(PidError::Length);
            }
            digits[n] = c as u8 - b'0';
            n += 1;
        } else if !matches!(c, ' ' | '.' | '-') {
            return Err(PidError::Length);
        }
    }
    if n != 12 {
        return Err(PidError::Length);
    }
    let id = PersonalId(digits);
    if PROVINCE_CODES.binary_search(&id.province()).is_err() {
        return Err(PidError::Province);
    }
    Ok(id)
}

/// How two personal IDs agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PidLevel {
    /// Two or more digits differ (other than an adjacent transposition).
    Different = 0,
    /// Two adjacent digits are transposed.
    TwoDigits = 1,
    /// One digit differs (a typo).
    OneDigit = 2,
    /// Identical.
    Exact = 3,
}

impl PidLevel {
    /// Number of levels.
    pub const COUNT: u8 = 4;
}

/// Compares two personal IDs. Symmetric.
pub fn compare_pids(a: &PersonalId, b: &PersonalId) -> PidLevel {
    // The positions of the first three differing digits (no allocation: this runs for every
    // candidate pair where both have an ID).
    let mut diff = [0usize; 3];
    let mut count = 0usize;
    for i in 0..12 {
        if a.0[i] != b.0[i] {
            if count == 3 {
                return PidLevel::Different;
            }
            diff[count] = i;
            count += 1;
        }
    }
    match &diff[..count] {
        [] => PidLevel::Exact,
        [_] => PidLevel::OneDigit,
        // Two adjacent digits transposed; two independent substitutions are rarer than two
        // different IDs that share digits (siblings born a year apart share most of them).
        [i, j] if *j == i + 1 && a.0[*i] == b.0[*j] && a.0[*j] == b.0[*i] => PidLevel::TwoDigits,
        _ => PidLevel::Different,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<PersonalId, PidError> {
        parse_personal_id(s)
    }

    #[test]
    fn a_hue_girl_born_in_2017_is_decoded() -> Result<(), PidError> {
        let id = p("046317001234")?;
        assert_eq!(id.province(), 46);
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(id.birth_year(), 2017);
        Ok(())
    }

    #[test]
    fn wrong_length_and_unknown_province_are_rejected() {
        assert_eq!(p("04631700123"), Err(PidError::Length));
        assert_eq!(p("0463170012345"), Err(PidError::Length));
        assert_eq!(p("003317001234"), Err(PidError::Province));
        assert_eq!(p("04631700123x"), Err(PidError::Length));
    }

    #[test]
    fn one_digit_typo_and_transposition_are_graded() -> Result<(), PidError> {
        let a = p("046317001234")?;
        assert_eq!(compare_pids(&a, &p("046317001235")?), PidLevel::OneDigit);
        assert_eq!(compare_pids(&a, &p("046317002134")?), PidLevel::TwoDigits);
        assert_eq!(compare_pids(&a, &p("046317002235")?), PidLevel::Different);
        assert_eq!(compare_pids(&a, &p("046317987654")?), PidLevel::Different);
        Ok(())
    }
}
