//! Cell values as people type them: whole numbers with thousands
//! separators, dates dd/mm/yyyy, yes/no in Vietnamese or English, and text
//! typed in a legacy Vietnamese font encoding.

use chrono::NaiveDate;

/// Why a cell is not a whole number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberError {
    /// Not written with digits (and separators) at all.
    NotANumber,
    /// Has a fractional part (`1,5`, `2.25`).
    NotWhole,
    /// Outside what an `i64` holds.
    Overflow,
}

/// A whole number written as people write it: `1200000`, `1.200.000`,
/// `1,200,000`, `1 200 000`, `1.200.000 đ`, `1.200.000,00`. A single
/// separator followed by exactly three digits groups thousands (`1.200` is
/// one thousand two hundred, as in Vietnamese); any other fractional part
/// that is not all zeros is refused rather than guessed.
pub fn parse_whole_number(input: &str) -> Result<i64, NumberError> {
    let mut s: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\u{202f}')
        .collect();
    let lower = s.to_lowercase();
    for suffix in ["vnđ", "vnd", "đồng", "đ", "₫"] {
        if let Some(stripped) = lower.strip_suffix(suffix) {
            s = stripped.to_owned();
            break;
        }
    }
    let (negative, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(&s)),
    };
    if body.is_empty()
        || !body
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
        || !body.starts_with(|c: char| c.is_ascii_digit())
    {
        return Err(NumberError::NotANumber);
    }
    let dots = body.matches('.').count();
    let commas = body.matches(',').count();
    let (integer, fraction): (String, &str) = if dots > 0 && commas > 0 {
        // Both: the last one is the decimal mark, the other groups thousands.
        let last_dot = body.rfind('.').unwrap_or(0);
        let last_comma = body.rfind(',').unwrap_or(0);
        let (decimal, group) = if last_dot > last_comma {
            ('.', ',')
        } else {
            (',', '.')
        };
        if body.matches(decimal).count() > 1 {
            return Err(NumberError::NotANumber);
        }
        let (int_part, frac) = body.split_once(decimal).unwrap_or((body, ""));
        (grouped(int_part, group)?, frac)
    } else if dots + commas == 0 {
        (body.to_owned(), "")
    } else {
        let sep = if dots > 0 { '.' } else { ',' };
        let count = dots + commas;
        let (head, tail) = body.rsplit_once(sep).unwrap_or((body, ""));
        if count > 1 || (tail.len() == 3 && !head.is_empty() && head.len() <= 3) {
            (grouped(body, sep)?, "")
        } else {
            (head.to_owned(), tail)
        }
    };
    if !fraction.chars().all(|c| c.is_ascii_digit()) {
        return Err(NumberError::NotANumber);
    }
    if fraction.chars().any(|c| c != '0') {
        return Err(NumberError::NotWhole);
    }
    let magnitude: i64 = integer
        .parse()
        .map_err(|e: std::num::ParseIntError| match e.kind() {
            std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => {
                NumberError::Overflow
            }
            _ => NumberError::NotANumber,
        })?;
    Ok(if negative { -magnitude } else { magnitude })
}

/// Digits grouped by threes with `sep`: the first group has 1–3 digits,
/// every later group exactly 3.
fn grouped(s: &str, sep: char) -> Result<String, NumberError> {
    let mut groups = s.split(sep);
    let first = groups.next().unwrap_or("");
    if first.is_empty() || (first.len() > 3 && s.contains(sep)) {
        return Err(NumberError::NotANumber);
    }
    let mut out = first.to_owned();
    for g in groups {
        if g.len() != 3 {
            return Err(NumberError::NotANumber);
        }
        out.push_str(g);
    }
    if !out.chars().all(|c| c.is_ascii_digit()) {
        return Err(NumberError::NotANumber);
    }
    Ok(out)
}

/// A date written day first: `dd/mm/yyyy` (also `d/m/yyyy`, with `-` or
/// `.`), or ISO `yyyy-mm-dd`. Two-digit years and impossible dates are
/// refused (`None`).
pub fn parse_date(input: &str) -> Option<NaiveDate> {
    let s = input.trim();
    let parts: Vec<&str> = s.split(['/', '-', '.']).collect();
    if parts.len() != 3 || parts.iter().any(|p| !p.chars().all(|c| c.is_ascii_digit())) {
        return None;
    }
    let num = |p: &str| p.parse::<u32>().ok();
    let (y, m, d) = if parts[0].len() == 4 && s.contains('-') {
        (parts[0], parts[1], parts[2])
    } else {
        (parts[2], parts[1], parts[0])
    };
    if y.len() != 4 || m.is_empty() || m.len() > 2 || d.is_empty() || d.len() > 2 {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::try_from(num(y)?).ok()?, num(m)?, num(d)?)
}

/// Yes or no: `có`/`không`, `yes`/`no`, `x`, `1`/`0`, `true`/`false`
/// (case and diacritics ignored). A blank cell is `Some(false)`; anything
/// else is `None`.
pub fn parse_yes_no(input: &str) -> Option<bool> {
    match fold(input).as_str() {
        "" | "khong" | "k" | "ko" | "no" | "n" | "false" | "0" | "sai" => Some(false),
        "co" | "c" | "yes" | "y" | "x" | "true" | "1" | "dung" | "dong y" => Some(true),
        _ => None,
    }
}

/// The comparison key of a cell: diacritics, case and extra spaces folded.
pub fn fold(input: &str) -> String {
    domain::text::search_key(input)
}

/// The comparison key of a header or a listed value: [`fold`], then only
/// letters and digits kept (`Trong nước / Nước ngoài` = `trong_nuoc/nuoc_ngoai`).
pub fn compact_key(input: &str) -> String {
    fold(input)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// A legacy encoding that Vietnamese text sometimes arrives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Legacy {
    /// UTF-8 bytes that were read as Windows-1252 and saved again
    /// (`TrÆ°á»ng` for `Trường`).
    Utf8AsWindows1252,
    /// Typed with a TCVN3 (ABC) font such as `.VnTime` (`Tr­êng`).
    Tcvn3,
    /// Typed with a VNI font such as `VNI-Times` (`Tröôøng`).
    Vni,
}

impl Legacy {
    pub fn name(self) -> &'static str {
        match self {
            Legacy::Utf8AsWindows1252 => {
                "UTF-8 đọc nhầm thành Windows-1252 / UTF-8 read as Windows-1252"
            }
            Legacy::Tcvn3 => "TCVN3 (ABC, .VnTime)",
            Legacy::Vni => "VNI (VNI-Times)",
        }
    }
}

/// The Windows-1252 byte of a character, if it has one.
fn windows_1252_byte(c: char) -> Option<u8> {
    let cp = u32::from(c);
    if cp < 0x80 || (0xA0..=0xFF).contains(&cp) || (0x80..=0x9F).contains(&cp) {
        return u8::try_from(cp).ok();
    }
    let b = match c {
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8A,
        '‹' => 0x8B,
        'Œ' => 0x8C,
        'Ž' => 0x8E,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9A,
        '›' => 0x9B,
        'œ' => 0x9C,
        'ž' => 0x9E,
        'Ÿ' => 0x9F,
        _ => return None,
    };
    Some(b)
}

/// Whether text looks like it was typed or saved in a legacy encoding
/// rather than Unicode. A heuristic tuned to refuse, not to repair:
///
/// - UTF-8 misread as Windows-1252: mapping every character back to its
///   Windows-1252 byte gives valid UTF-8 with non-ASCII letters;
/// - TCVN3: a character from `¡`…`¿` (`¸` á, `µ` à, `¨` ă, `©` â, `®` đ,
///   `ª` ê, `«` ô, `¬` ơ, the soft hyphen ư) in text made only of
///   Windows-1252 characters (a Unicode Vietnamese letter such as ậ or đ
///   means the `·` or `°` beside it is meant);
/// - VNI: a vowel followed by `ø û ï ä ë` (VNI's tone marks), `ö` next to a
///   vowel, or `ñ` starting a word (VNI's đ). Foreign names such as
///   `Jørgensen`, `Müller` or `Peña` are not flagged.
pub fn legacy_encoding(text: &str) -> Option<Legacy> {
    if text.is_ascii() {
        return None;
    }
    let bytes: Option<Vec<u8>> = text.chars().map(windows_1252_byte).collect();
    if let Some(bytes) = &bytes
        && let Ok(decoded) = std::str::from_utf8(bytes)
        && !decoded.is_ascii()
        && decoded != text
    {
        return Some(Legacy::Utf8AsWindows1252);
    }
    // TCVN3 read as Unicode is all Windows-1252 characters: text with a
    // Unicode Vietnamese letter (ă, ơ, đ, ậ …) is Unicode, whatever `·` or
    // `°` it also holds.
    if bytes.is_some() && text.chars().any(|c| ('\u{a1}'..='\u{bf}').contains(&c)) {
        return Some(Legacy::Tcvn3);
    }
    let chars: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
    let is_vowel = |c: char| "aeiouyâêôö".contains(c);
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|j| chars.get(j)).copied();
        let next = chars.get(i + 1).copied();
        let vni_tone = "øûïäë".contains(c) && prev.is_some_and(is_vowel);
        let vni_u = c == 'ö' && (prev.is_some_and(is_vowel) || next.is_some_and(is_vowel));
        let vni_d =
            c == 'ñ' && prev.is_none_or(|p| !p.is_alphanumeric()) && next.is_some_and(is_vowel);
        if vni_tone || vni_u || vni_d {
            return Some(Legacy::Vni);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_with_dots_commas_or_spaces_as_thousands_separators_are_read() {
        for s in [
            "1200000",
            "1.200.000",
            "1,200,000",
            "1 200 000",
            " 1.200.000 đ",
            "1.200.000₫",
            "1,200,000 VND",
            "1.200.000,00",
            "1,200,000.00",
        ] {
            assert_eq!(parse_whole_number(s), Ok(1_200_000), "{s}");
        }
        assert_eq!(parse_whole_number("1.200"), Ok(1200));
        assert_eq!(parse_whole_number("25"), Ok(25));
        assert_eq!(parse_whole_number("-3"), Ok(-3));
        assert_eq!(parse_whole_number("5,0"), Ok(5));
    }

    #[test]
    fn fractions_and_malformed_groups_are_refused_not_guessed() {
        assert_eq!(parse_whole_number("1,5"), Err(NumberError::NotWhole));
        assert_eq!(parse_whole_number("2.25"), Err(NumberError::NotWhole));
        assert_eq!(parse_whole_number("1.200,5"), Err(NumberError::NotWhole));
        assert_eq!(parse_whole_number("1.20.000"), Err(NumberError::NotANumber));
        assert_eq!(
            parse_whole_number("12.00.000"),
            Err(NumberError::NotANumber)
        );
        assert_eq!(
            parse_whole_number("1.200,000.5"),
            Err(NumberError::NotANumber)
        );
        assert_eq!(parse_whole_number("mười"), Err(NumberError::NotANumber));
        assert_eq!(parse_whole_number(""), Err(NumberError::NotANumber));
        assert_eq!(parse_whole_number(".5"), Err(NumberError::NotANumber));
        assert_eq!(parse_whole_number("1e6"), Err(NumberError::NotANumber));
    }

    #[test]
    fn numbers_beyond_what_money_can_hold_are_refused_as_overflow() {
        assert_eq!(
            parse_whole_number("9.223.372.036.854.775.807"),
            Ok(i64::MAX)
        );
        assert_eq!(
            parse_whole_number("9.223.372.036.854.775.808"),
            Err(NumberError::Overflow)
        );
        assert_eq!(
            parse_whole_number("100000000000000000000"),
            Err(NumberError::Overflow)
        );
    }

    #[test]
    fn dates_are_read_day_first_and_impossible_dates_refused() {
        let d = NaiveDate::from_ymd_opt(2025, 9, 5);
        assert_eq!(parse_date("05/09/2025"), d);
        assert_eq!(parse_date("5/9/2025"), d);
        assert_eq!(parse_date("05-09-2025"), d);
        assert_eq!(parse_date("05.09.2025"), d);
        assert_eq!(parse_date("2025-09-05"), d);
        assert_eq!(parse_date("31/02/2025"), None);
        assert_eq!(parse_date("05/09/25"), None);
        assert_eq!(parse_date("09/2025"), None);
        assert_eq!(parse_date("hôm nay"), None);
    }

    #[test]
    fn yes_and_no_are_read_in_vietnamese_and_english_and_blank_is_no() {
        for s in ["có", "Có", "CO", "x", "yes", "1", "TRUE"] {
            assert_eq!(parse_yes_no(s), Some(true), "{s}");
        }
        for s in ["không", "Không", "khong", "no", "0", "", "FALSE"] {
            assert_eq!(parse_yes_no(s), Some(false), "{s}");
        }
        assert_eq!(parse_yes_no("có lẽ"), None);
    }

    #[test]
    fn unicode_vietnamese_and_foreign_names_are_not_taken_for_legacy_text() {
        for s in [
            "Trường Tiểu học Hồng Vân",
            "Phường Thuỷ Xuân",
            "Công ty TNHH Đông Á",
            "Hoà Bình",
            "Jørgensen & Søn",
            "Müller GmbH",
            "Fundación Peña",
            "Société Générale",
            "Björk",
            "Quỹ Bảo trợ trẻ em",
            "Hè 2031 · E2E nhập",
            "Mùa đông 2026–2027 · đợt 2",
            "Nhiệt độ dưới 10°C",
        ] {
            assert_eq!(legacy_encoding(s), None, "{s}");
        }
    }

    #[test]
    fn tcvn3_text_is_recognised_by_its_typical_characters() {
        for s in [
            "Tr\u{ad}êng TiÓu häc",
            "Th¸i",
            "Hµ Néi",
            "§¹i häc HuÕ",
            "©m",
        ] {
            assert_eq!(legacy_encoding(s), Some(Legacy::Tcvn3), "{s}");
        }
    }

    #[test]
    fn vni_text_is_recognised_by_its_tone_marks_after_vowels() {
        for s in ["Tröôøng Tieåu hoïc", "Vieät Nam", "ñoaøn thanh nieân"] {
            assert_eq!(legacy_encoding(s), Some(Legacy::Vni), "{s}");
        }
    }

    #[test]
    fn utf8_misread_as_windows_1252_is_recognised() {
        let original = "Trường Hồng Vân";
        let misread: String = original.bytes().map(char::from).collect();
        assert_eq!(legacy_encoding(&misread), Some(Legacy::Utf8AsWindows1252));
        // Re-saved with the undefined byte dropped: still refused.
        assert!(legacy_encoding("TrÆ°á»ng").is_some());
    }
}
