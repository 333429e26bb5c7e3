//! "A very similar name" for likely duplicate donors: names are folded
//! (diacritics, case, punctuation; initials run together, so "A.B.C" is
//! "abc"), the legal-form words of Vietnamese company names are brought to
//! one spelling ("Cty" = "Công ty", "TNHH" = "Trách nhiệm hữu hạn", "CP" =
//! "Cổ phần" …) and set aside, and what remains — the distinctive name —
//! is compared with Jaro–Winkler. Two names are similar when their
//! distinctive parts score at least [`THRESHOLD`] and their legal forms do
//! not contradict each other.

use crate::text::search_key;

/// Jaro–Winkler score from which two distinctive names are "very similar".
/// 0.93 keeps "Minh Phát" and "Minh Phúc" apart (0.90) while catching a
/// missing or doubled letter in a longer name.
pub const THRESHOLD: f64 = 0.93;

/// Legal-form phrases (folded), longest first, with their one spelling.
const FORMS: &[(&str, &str)] = &[
    ("trach nhiem huu han mot thanh vien", "tnhh mtv"),
    ("trach nhiem huu han", "tnhh"),
    ("doanh nghiep tu nhan", "dntn"),
    ("mot thanh vien", "mtv"),
    ("thuong mai va dich vu", "tmdv"),
    ("thuong mai dich vu", "tmdv"),
    ("thuong mai co phan", "tmcp"),
    ("cong ty", "cty"),
    ("co phan", "cp"),
    ("tap doan", "td"),
    ("chi nhanh", "cn"),
];

/// Words that name a legal form once spelled one way.
const FORM_WORDS: &[&str] = &[
    "cty", "tnhh", "mtv", "cp", "dntn", "tmdv", "tmcp", "td", "cn", "company", "co", "ltd", "jsc",
    "llc", "inc",
];

/// A name split into its legal form (sorted words) and its distinctive part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoldedName {
    pub form: Vec<String>,
    pub distinctive: String,
}

/// Folds a donor's name for comparison.
pub fn fold(name: &str) -> FoldedName {
    let key = search_key(name);
    // Punctuation: dots between initials join them ("a.b.c" → "abc"),
    // everything else not a letter or digit is a space.
    let mut cleaned = String::with_capacity(key.len());
    for c in key.chars() {
        if c.is_alphanumeric() {
            cleaned.push(c);
        } else if c == '.' || c == '-' || c == '&' || c == '\'' {
            // joins initials; a word boundary is kept by the spaces around
        } else {
            cleaned.push(' ');
        }
    }
    let mut text = format!(
        " {} ",
        cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
    );
    for (long, short) in FORMS {
        text = text.replace(&format!(" {long} "), &format!(" {short} "));
    }
    let mut form = Vec::new();
    let mut rest = Vec::new();
    for w in text.split_whitespace() {
        if FORM_WORDS.contains(&w) {
            form.push(w.to_owned());
        } else {
            rest.push(w);
        }
    }
    form.sort_unstable();
    form.dedup();
    FoldedName {
        form,
        distinctive: rest.join(" "),
    }
}

/// Jaro–Winkler similarity of two strings (by characters), 0.0–1.0.
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let mut a_match = vec![false; a.len()];
    let mut b_match = vec![false; b.len()];
    let mut matches = 0usize;
    for (i, ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        for j in lo..hi {
            if !b_match[j] && b[j] == *ca {
                a_match[i] = true;
                b_match[j] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let a_seq = a.iter().zip(&a_match).filter(|(_, m)| **m).map(|(c, _)| c);
    let b_seq = b.iter().zip(&b_match).filter(|(_, m)| **m).map(|(c, _)| c);
    let half_transpositions = a_seq.zip(b_seq).filter(|(x, y)| x != y).count();
    let m = matches as f64;
    let t = (half_transpositions / 2) as f64;
    let jaro = (m / a.len() as f64 + m / b.len() as f64 + (m - t) / m) / 3.0;
    let prefix = a.iter().zip(&b).take(4).take_while(|(x, y)| x == y).count() as f64;
    jaro + prefix * 0.1 * (1.0 - jaro)
}

/// How similar two donors' names are (0.0–1.0): the distinctive parts
/// compared with spaces removed and, when they are the same words in
/// another order, as equal.
pub fn similarity(a: &str, b: &str) -> f64 {
    let (fa, fb) = (fold(a), fold(b));
    // Two legal forms that both say something and differ (a "TNHH" and a
    // "CP") are two companies, however alike the rest.
    let kind = |f: &FoldedName| -> Vec<String> {
        f.form
            .iter()
            .filter(|w| ["tnhh", "cp", "dntn"].contains(&w.as_str()))
            .cloned()
            .collect()
    };
    let (ka, kb) = (kind(&fa), kind(&fb));
    let forms_clash = !ka.is_empty() && !kb.is_empty() && ka != kb;
    if forms_clash {
        return 0.0;
    }
    let mut wa: Vec<&str> = fa.distinctive.split_whitespace().collect();
    let mut wb: Vec<&str> = fb.distinctive.split_whitespace().collect();
    wa.sort_unstable();
    wb.sort_unstable();
    if !wa.is_empty() && wa == wb {
        return 1.0;
    }
    let ja: String = fa.distinctive.split_whitespace().collect();
    let jb: String = fb.distinctive.split_whitespace().collect();
    jaro_winkler(&ja, &jb)
}

/// Whether two donors' names are very similar.
pub fn very_similar(a: &str, b: &str) -> bool {
    similarity(a, b) >= THRESHOLD
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn company_name_variants_are_very_similar() {
        for (a, b) in [
            ("Công ty TNHH ABC", "Cty TNHH A.B.C"),
            ("Công ty TNHH ABC", "CÔNG TY TRÁCH NHIỆM HỮU HẠN ABC"),
            ("Công ty Cổ phần Sữa Việt Nam", "Cty CP Sua Viet Nam"),
            (
                "Công ty TNHH Một thành viên Xây dựng Phú Lộc",
                "Cty TNHH MTV Xay dung Phu Loc",
            ),
            (
                "Ngân hàng TMCP Ngoại thương",
                "Ngân hàng Thương mại Cổ phần Ngoại Thương",
            ),
            (
                "Công ty TNHH Thương mại Hương Giang",
                "Cty TNHH Thuong mai Huong Giangg",
            ),
            ("Nguyễn Văn An", "NGUYEN VAN  AN"),
        ] {
            assert!(very_similar(a, b), "{a} ~ {b}: {}", similarity(a, b));
        }
    }

    #[test]
    fn different_companies_are_not() {
        for (a, b) in [
            ("Công ty TNHH ABC", "Công ty TNHH XYZ"),
            ("Công ty TNHH Minh Phát", "Công ty TNHH Minh Phúc"),
            ("Công ty TNHH ABC", "Công ty Cổ phần ABC"),
            ("Quỹ Bảo trợ trẻ em", "Quỹ Khuyến học"),
            ("Trần Thị Bình", "Lê Thị Bình"),
        ] {
            assert!(!very_similar(a, b), "{a} ≁ {b}: {}", similarity(a, b));
        }
    }

    #[test]
    fn folding_sets_the_legal_form_apart() {
        let f = fold("Cty TNHH A.B.C");
        assert_eq!(f.distinctive, "abc");
        assert_eq!(f.form, vec!["cty".to_owned(), "tnhh".to_owned()]);
        assert!((jaro_winkler("martha", "marhta") - 0.9611).abs() < 0.001);
        assert!((jaro_winkler("abc", "abc") - 1.0).abs() < f64::EPSILON);
        assert!(jaro_winkler("", "x").abs() < f64::EPSILON);
    }
}
