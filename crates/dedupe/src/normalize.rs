//! Name normalisation for comparison.
//!
//! Every name is turned into a list of tokens, each with three keys of decreasing strictness:
//!
//! * `toned`  – NFC, lower case, the tone mark moved to the end of the syllable as a digit, so
//!   both placements (`hoà` / `hòa`, `thuỷ` / `thủy`) give the same key (`hoa2`, `thuy3`);
//! * `folded` – every diacritic removed, `đ` → `d` (for comparison only; display keeps the original);
//! * `phonetic` – the folded key with general spelling rules of Vietnamese and of the Latin
//!   transcriptions of Cơ Tu, Pa Cô, Tà Ôi and Bru–Vân Kiều names:
//!   `c`/`k`/`q` → `k` (Kăn / Căn / Kan), `d`/`z`/`gi` → `d` (Zơ Râm / Dơ Râm), `ph` → `f`,
//!   `gh` → `g`, `ngh` → `ng`, `y` → `i` (Mỹ / Mĩ), a silent `h` after `b d l m r v` (Bh'riu / Bríu),
//!   doubled letters collapsed (Pơloong / Pơlong, Bhalêê / Bhalê), and the unstressed minor
//!   syllable `Cơ` before a consonant dropped (Cơlâu / Clâu, Pơloong / Ploong).
//!
//! Before the keys are computed, apostrophes are removed (Ch'ơm = Chơm), hyphens become spaces,
//! and minor syllables written apart (`A Rất`, `Pơ Loong`, `Zơ Râm`) are joined to the next token,
//! so that `A Rất` = `Arất` and `Pơ Loong` = `Pơloong`.

use unicode_normalization::UnicodeNormalization;

/// Combining tone marks of Vietnamese and the digit used for them in the toned key
/// (sắc 1, huyền 2, hỏi 3, ngã 4, nặng 5).
fn tone_digit(c: char) -> Option<char> {
    match c {
        '\u{301}' | '\u{341}' => Some('1'),
        '\u{300}' | '\u{340}' => Some('2'),
        '\u{309}' => Some('3'),
        '\u{303}' => Some('4'),
        '\u{323}' => Some('5'),
        _ => None,
    }
}

fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}' | '`' | '\u{00B4}' | '\u{2032}'
    )
}

/// NFC normal form (the form every input is brought to at the boundary).
pub fn nfc(s: &str) -> String {
    s.nfc().collect()
}

/// Splits a name into cleaned NFC lower-case tokens: apostrophes removed, any other
/// non-alphanumeric character is a separator.
pub fn raw_tokens(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in s.nfd() {
        if is_apostrophe(c) {
            continue;
        }
        if unicode_normalization::char::is_combining_mark(c) {
            // A mark with no letter before it (after a separator) is dropped.
            if !cur.is_empty() {
                cur.push(c);
            }
        } else if c.is_alphanumeric() {
            cur.extend(c.to_lowercase());
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out.into_iter().map(|t| t.nfc().collect()).collect()
}

fn is_latin_consonant(c: char) -> bool {
    matches!(
        c,
        'b' | 'c'
            | 'd'
            | 'đ'
            | 'f'
            | 'g'
            | 'h'
            | 'j'
            | 'k'
            | 'l'
            | 'm'
            | 'n'
            | 'p'
            | 'q'
            | 'r'
            | 's'
            | 't'
            | 'v'
            | 'w'
            | 'x'
            | 'z'
    )
}

/// A minor (pre-)syllable of a Mon-Khmer name that is often written apart from the main
/// syllable: `a` (with any diacritic), or consonants followed by an untoned `ơ` (`pơ`, `zơ`, `dơ`, `cơ`, `bhơ`).
fn is_minor_syllable(tok: &str) -> bool {
    if fold(tok) == "a" {
        return true;
    }
    let chars: Vec<char> = tok.chars().collect();
    chars.len() >= 2
        && chars.len() <= 3
        && chars[chars.len() - 1] == 'ơ'
        && chars[..chars.len() - 1]
            .iter()
            .all(|&c| is_latin_consonant(c))
}

/// Joins minor syllables to the token that follows them (`a rất` → `arất`).
pub fn join_minor_syllables(tokens: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(tokens.len());
    let mut pending = String::new();
    let n = tokens.len();
    for (i, t) in tokens.into_iter().enumerate() {
        if i + 1 < n && is_minor_syllable(&t) {
            pending.push_str(&t);
            continue;
        }
        if pending.is_empty() {
            out.push(t);
        } else {
            pending.push_str(&t);
            out.push(std::mem::take(&mut pending));
        }
    }
    out
}

/// Toned key of one token: tone marks removed from wherever they were placed and appended as a
/// digit at the end of the syllable, so `hoà` and `hòa` both give `hoa2`.
pub fn toned_key(tok: &str) -> String {
    let mut base = String::with_capacity(tok.len());
    let mut tones = String::new();
    for c in tok.nfd() {
        match tone_digit(c) {
            Some(d) => tones.push(d),
            None => base.push(c),
        }
    }
    let mut out: String = base.nfc().collect();
    out.push_str(&tones);
    out
}

/// Every diacritic removed and `đ` → `d`; lower case.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        match c {
            'đ' | 'Đ' => out.push('d'),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// Drops the unstressed `ơ` of a leading minor syllable when it is followed by a consonant and
/// then a vowel (`pơloong` → `ploong`, `cơlâu` → `clâu`). A single Vietnamese syllable never has
/// a vowel after its final consonant, so ordinary syllables (`thơm`, `sơn`) are unaffected.
fn drop_minor_schwa(tok: &str) -> String {
    let chars: Vec<char> = tok.chars().collect();
    let mut i = 0;
    while i < chars.len() && is_latin_consonant(chars[i]) {
        i += 1;
    }
    if i == 0 || i >= chars.len() || chars[i] != 'ơ' {
        return tok.to_string();
    }
    let mut j = i + 1;
    let mut cons = 0;
    while j < chars.len() && is_latin_consonant(chars[j]) {
        j += 1;
        cons += 1;
    }
    if cons == 0 || j >= chars.len() {
        return tok.to_string();
    }
    chars[..i].iter().chain(chars[i + 1..].iter()).collect()
}

fn phonetic_step(f: &str) -> String {
    let c: Vec<char> = f.chars().collect();
    let mut out: Vec<char> = Vec::with_capacity(c.len());
    let mut i = 0;
    let vowel = |x: char| matches!(x, 'a' | 'e' | 'i' | 'o' | 'u' | 'y');
    while i < c.len() {
        let x = c[i];
        let next = c.get(i + 1).copied();
        let next2 = c.get(i + 2).copied();
        match x {
            'n' if next == Some('g') && next2 == Some('h') => {
                out.extend(['n', 'g']);
                i += 3;
                continue;
            }
            'g' if next == Some('h') => {
                out.push('g');
                i += 2;
                continue;
            }
            'g' if next == Some('i') && next2.is_some_and(vowel) => {
                out.push('d');
                i += 2;
                continue;
            }
            'p' if next == Some('h') => {
                out.push('f');
                i += 2;
                continue;
            }
            'c' if next == Some('h') => {
                out.extend(['c', 'h']);
                i += 2;
                continue;
            }
            'c' | 'q' => out.push('k'),
            'z' => out.push('d'),
            'y' => out.push('i'),
            'h' if out
                .last()
                .is_some_and(|p| matches!(p, 'b' | 'd' | 'l' | 'm' | 'r' | 'v')) => {}
            _ => {
                if out.last() != Some(&x) {
                    out.push(x);
                }
            }
        }
        i += 1;
    }
    out.dedup();
    out.into_iter().collect()
}

/// Phonetic key of one (NFC, lower-case) token. Idempotent.
pub fn phonetic_key(tok: &str) -> String {
    let mut cur = fold(&drop_minor_schwa(tok));
    for _ in 0..8 {
        let next = phonetic_step(&cur);
        if next == cur {
            break;
        }
        cur = next;
    }
    cur
}

/// The three keys of every token of a name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NameKeys {
    /// Tokens with canonical tone placement (`hoa2`).
    pub toned: Vec<String>,
    /// Tokens without diacritics.
    pub folded: Vec<String>,
    /// Phonetic tokens.
    pub phonetic: Vec<String>,
    /// Number of tokens as written (before joining minor syllables); differs from
    /// `toned.len()` when a minor syllable was written apart.
    pub written_tokens: usize,
}

/// Computes the comparison keys of a name.
pub fn name_keys(name: &str) -> NameKeys {
    let raw = raw_tokens(name);
    let written_tokens = raw.len();
    let toks = join_minor_syllables(raw);
    NameKeys {
        toned: toks.iter().map(|t| toned_key(t)).collect(),
        folded: toks.iter().map(|t| fold(t)).collect(),
        phonetic: toks.iter().map(|t| phonetic_key(t)).collect(),
        written_tokens,
    }
}

/// A canonical match key of a whole name: toned tokens joined by one space. Two spellings that
/// differ only in Unicode form, tone-mark placement, case, spacing or apostrophes get the same
/// key. Idempotent: `canonical_name(canonical_name(s)) == canonical_name(s)`.
pub fn canonical_name(name: &str) -> String {
    name_keys(name).toned.join(" ")
}

/// Folded, phonetic match key of a whole name (tokens joined by one space). Idempotent.
pub fn phonetic_name(name: &str) -> String {
    // A phonetic key can itself look like a minor syllable ("àạ" → "a"), so iterate to the
    // fixed point (reached in one or two steps).
    let mut cur = name_keys(name).phonetic.join(" ");
    for _ in 0..8 {
        let next = name_keys(&cur).phonetic.join(" ");
        if next == cur {
            break;
        }
        cur = next;
    }
    cur
}

/// Normalises a free-text code or place (commune, village): folded, single-spaced.
pub fn place_key(s: &str) -> String {
    raw_tokens(s)
        .iter()
        .map(|t| phonetic_key(t))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_tone_mark_placements_give_the_same_key() {
        assert_eq!(canonical_name("Hồ Thị Hoà"), canonical_name("Hồ Thị Hòa"));
        assert_eq!(canonical_name("Lê Thuỷ"), canonical_name("Lê Thủy"));
        assert_ne!(canonical_name("Hòa"), canonical_name("Hóa"));
    }

    #[test]
    fn decomposed_and_composed_input_are_equal() {
        let nfd: String = "Nguyễn Thị Hoà".nfd().collect();
        assert_eq!(canonical_name(&nfd), canonical_name("Nguyễn Thị Hoà"));
    }

    #[test]
    fn case_spaces_and_apostrophes_do_not_matter() {
        assert_eq!(
            canonical_name("  HỒ   thị  HOÀ "),
            canonical_name("Hồ Thị Hoà")
        );
        assert_eq!(phonetic_name("Bh’riu"), phonetic_name("Bh'riu"));
        assert_eq!(phonetic_name("Ch'ơm"), phonetic_name("Chơm"));
    }

    #[test]
    fn folding_removes_every_diacritic_and_d_stroke() {
        assert_eq!(fold("Đặng Thị Thuỷ"), "dang thi thuy");
    }

    #[test]
    fn minor_syllables_written_apart_or_joined_are_equal() {
        assert_eq!(phonetic_name("Hồ A Rất"), phonetic_name("Hồ Arất"));
        assert_eq!(
            phonetic_name("Pơ Loong Thị San"),
            phonetic_name("Pơloong Thị San")
        );
        assert_eq!(
            phonetic_name("A Lăng Thị Hương"),
            phonetic_name("Alăng Thị Hương")
        );
    }

    #[test]
    fn ethnic_minority_consonant_variants_are_equal() {
        assert_eq!(phonetic_name("Kăn"), phonetic_name("Căn"));
        assert_eq!(phonetic_name("Kăn"), phonetic_name("Kan"));
        assert_eq!(phonetic_name("Zơ Râm"), phonetic_name("Dơ Râm"));
        assert_eq!(phonetic_name("Bh'riu"), phonetic_name("Bríu"));
        assert_eq!(phonetic_name("Cơlâu"), phonetic_name("Clâu"));
        assert_eq!(phonetic_name("Bhalêê"), phonetic_name("Bhalê"));
        assert_eq!(phonetic_name("Mỹ"), phonetic_name("Mĩ"));
    }

    #[test]
    fn ordinary_vietnamese_syllables_keep_their_vowels() {
        assert_eq!(phonetic_key("thơm"), "thom");
        assert_eq!(phonetic_key("sơn"), "son");
        assert_ne!(phonetic_name("Hồ Văn Minh"), phonetic_name("Hồ Văn Mạnh"));
    }
}
