//! Text as people type it: normalised to NFC on the way in, and folded into
//! a search key (no diacritics, đ → d, lower case, single spaces) so that
//! "Thuỷ", "Thủy" and "THUY" find each other on SQLite and PostgreSQL alike.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// NFC, trimmed, inner runs of white space collapsed to one space.
pub fn clean(input: &str) -> String {
    let nfc: String = input.nfc().collect();
    nfc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The comparison key of a name: diacritics removed (both tone-mark
/// placements fold to the same key), đ/Đ → d, lower case, spaces collapsed.
pub fn search_key(input: &str) -> String {
    let folded: String = input
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            other => other,
        })
        .flat_map(char::to_lowercase)
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_tone_mark_placements_share_one_key() {
        assert_eq!(
            search_key("Phường Thuỷ Xuân"),
            search_key("Phường Thủy Xuân")
        );
        assert_eq!(search_key("Hương Hoà"), search_key("Hương Hòa"));
    }

    #[test]
    fn d_with_stroke_folds_to_d() {
        assert_eq!(search_key("Đông Sơn"), "dong son");
    }

    #[test]
    fn decomposed_input_is_stored_composed() {
        let decomposed: String = "Hòa".nfd().collect();
        assert_ne!(decomposed, "Hòa");
        assert_eq!(clean(&decomposed), "Hòa");
        assert_eq!(clean("  A   Lưới "), "A Lưới");
    }
}
