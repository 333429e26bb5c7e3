//! Folding free text (memo, names) to what every bank carries: ASCII letters,
//! digits and single spaces.

use unicode_normalization::UnicodeNormalization;

/// The longest memo (EMV QRCPS "Purpose of Transaction", ID 62/08: ans, up to 25).
pub const MEMO_MAX: usize = 25;
/// The longest merchant name (ID 59: ans, up to 25).
pub const NAME_MAX: usize = 25;
/// The longest merchant city (ID 60: ans, up to 15).
pub const CITY_MAX: usize = 15;

/// Folds `text` to ASCII letters, digits and single spaces, then shortens it
/// to at most `max` characters.
///
/// - Vietnamese diacritics are removed (NFD, combining marks dropped;
///   `đ`/`Đ` become `d`/`D`, since they do not decompose). Case is kept: the
///   NAPAS examples use lower case.
/// - Whitespace and ASCII punctuation become a word break, so that
///   `"CT0004273-ủng hộ"` stays `"CT0004273 ung ho"` and a pledge code never
///   merges with the next word; any other character is dropped.
/// - Shortening keeps whole words when it can: the first word is always kept
///   (cut at `max` only if it alone is longer), so a pledge code written first
///   is never cut.
pub fn fold(text: &str, max: usize) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in text.nfd() {
        let c = match c {
            'đ' => 'd',
            'Đ' | 'Ð' => 'D',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            word.push(c);
        } else if (c.is_whitespace() || c.is_ascii_punctuation()) && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        // Combining marks (the diacritics, after NFD) and any other character
        // (emoji, CJK, ...) are dropped without breaking the word.
    }
    if !word.is_empty() {
        words.push(word);
    }

    let mut out = String::new();
    for w in words {
        let needed = if out.is_empty() {
            w.len()
        } else {
            out.len() + 1 + w.len()
        };
        if needed <= max {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&w);
        } else {
            if out.is_empty() {
                out.extend(w.chars().take(max));
            }
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese() {
        assert_eq!(fold("Ủng hộ trẻ em A Lưới", 99), "Ung ho tre em A Luoi");
        assert_eq!(fold("ĐẶNG đình Đức", 99), "DANG dinh Duc");
        assert_eq!(
            fold(
                "àáảãạ ằắẳẵặ ầấẩẫậ èéẻẽẹ ềếểễệ ìíỉĩị òóỏõọ ồốổỗộ ờớởỡợ ùúủũụ ừứửữự ỳýỷỹỵ",
                99
            ),
            "aaaaa aaaaa aaaaa eeeee eeeee iiiii ooooo ooooo ooooo uuuuu uuuuu yyyyy"
        );
    }

    #[test]
    fn already_composed_or_decomposed_input_folds_the_same() {
        let composed = "Nguyễn Thị Hương";
        let decomposed: String = composed.nfd().collect();
        assert_ne!(composed, decomposed);
        assert_eq!(fold(composed, 99), fold(&decomposed, 99));
        assert_eq!(fold(composed, 99), "Nguyen Thi Huong");
    }

    #[test]
    fn punctuation_separates_and_other_characters_vanish() {
        assert_eq!(fold("CT0004273-ủng hộ!!", 99), "CT0004273 ung ho");
        assert_eq!(fold("  a\t\nb  ", 99), "a b");
        assert_eq!(fold("quà 🎁 tặng 中文", 99), "qua tang");
        assert_eq!(fold("🎁", 99), "");
    }

    #[test]
    fn shortens_at_word_boundaries_keeping_the_first_word() {
        let memo = fold("CT0004273 ủng hộ trẻ em A Lưới", MEMO_MAX);
        assert_eq!(memo, "CT0004273 ung ho tre em A");
        assert_eq!(
            fold("CT0004273 abcdefghijklmnopqrstuvwxyz", MEMO_MAX),
            "CT0004273"
        );
        assert_eq!(fold(&"x".repeat(30), MEMO_MAX), "x".repeat(25));
    }

    #[test]
    fn folding_is_idempotent() {
        for s in ["CT0004273 ủng hộ trẻ em vùng lũ miền Trung", "a  b", "Đ-Đ"] {
            let once = fold(s, MEMO_MAX);
            assert_eq!(fold(&once, MEMO_MAX), once);
        }
    }
}
