//! Name folding for comparisons. Official lists mix two tone-mark styles
//! ("Thuỷ" / "Thủy", "Hoà" / "Hòa"): the old style puts the mark on the
//! last vowel, the new one on the main vowel. Folding moves the tone mark
//! of each syllable to the end of that syllable and lower-cases, so both
//! styles compare equal while different tones ("Hòa" / "Hóa") and different
//! letters ("Vĩ" / "Vỹ") stay different. Only for comparing: the official
//! spelling is kept for display.

use unicode_normalization::UnicodeNormalization;

/// The combining tone marks of Vietnamese (grave, acute, tilde, hook, dot below).
fn is_tone_mark(c: char) -> bool {
    matches!(c, '\u{300}' | '\u{301}' | '\u{303}' | '\u{309}' | '\u{323}')
}

/// Other combining marks (circumflex, breve, horn…) are part of the letter.
fn is_combining(c: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&c)
}

/// Fold a name for comparison (see the module doc).
pub fn fold_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 8);
    let mut syllable = String::new();
    let mut tone: Option<char> = None;
    let flush = |out: &mut String, syllable: &mut String, tone: &mut Option<char>| {
        if !syllable.is_empty() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(syllable);
            if let Some(t) = tone.take() {
                out.push(t);
            }
            syllable.clear();
        }
        *tone = None;
    };
    for c in name.nfd() {
        if is_tone_mark(c) {
            tone = Some(c);
        } else if c.is_alphanumeric() || is_combining(c) {
            syllable.extend(c.to_lowercase());
        } else {
            flush(&mut out, &mut syllable, &mut tone);
            if !c.is_whitespace() {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push(c);
            }
        }
    }
    flush(&mut out, &mut syllable, &mut tone);
    out
}

/// Whether two names are the same once folded.
pub fn same_name(a: &str, b: &str) -> bool {
    fold_name(a) == fold_name(b)
}

/// "Phường Phường Đúc" → "Phường Đúc": the GSO full name of a ward whose own
/// name begins with its type repeats the type; other lists write it once.
pub(crate) fn undouble_type(name: &str) -> &str {
    for t in ["Phường ", "Xã ", "Thị trấn "] {
        if let Some(rest) = name.strip_prefix(t)
            && rest.starts_with(t)
        {
            return rest;
        }
    }
    name
}

/// Same name, also accepting a doubled type word on either side.
pub(crate) fn same_full_name(a: &str, b: &str) -> bool {
    same_name(a, b) || same_name(undouble_type(a), undouble_type(b))
}
