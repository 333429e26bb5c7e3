//! The message catalogue: parsing the embedded `.ftl` files and lookups.

use std::collections::HashMap;
use std::sync::LazyLock;

/// A language the pages are offered in. Vietnamese is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    /// The BCP 47 code, as used in `<html lang>` and the `lang` cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// Parses a language code; anything unknown is `None`.
    pub fn from_code(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "vi" | "vi-vn" => Some(Lang::Vi),
            "en" | "en-us" | "en-gb" => Some(Lang::En),
            _ => None,
        }
    }

    /// The other language, for the switch in the page header.
    pub fn other(self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }
}

const VI_SOURCE: &str = include_str!("../locales/vi.ftl");
const EN_SOURCE: &str = include_str!("../locales/en.ftl");

type Catalog = HashMap<&'static str, &'static str>;

static VI: LazyLock<Catalog> = LazyLock::new(|| parse(VI_SOURCE));
static EN: LazyLock<Catalog> = LazyLock::new(|| parse(EN_SOURCE));

fn parse(source: &'static str) -> Catalog {
    source
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

fn catalog(lang: Lang) -> &'static Catalog {
    match lang {
        Lang::Vi => &VI,
        Lang::En => &EN,
    }
}

/// The message for `key`, or `None` when the key is unknown.
pub fn lookup(lang: Lang, key: &str) -> Option<&'static str> {
    catalog(lang).get(key).copied()
}

/// The message for `key`; an unknown key is returned as itself so that a
/// missing translation is visible rather than fatal (tests forbid it).
pub fn t(lang: Lang, key: &str) -> String {
    lookup(lang, key).map_or_else(|| key.to_owned(), str::to_owned)
}

/// The message for `key` with `{ $name }` placeholders filled from `args`.
pub fn tf(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let mut text = t(lang, key);
    for (name, value) in args {
        text = text.replace(&format!("{{ ${name} }}"), value);
    }
    text
}

/// Every key of a language, sorted (for completeness tests and tooling).
pub fn keys(lang: Lang) -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = catalog(lang).keys().copied().collect();
    keys.sort_unstable();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_exactly_the_same_keys() {
        let vi = keys(Lang::Vi);
        let en = keys(Lang::En);
        let missing_in_en: Vec<_> = vi.iter().filter(|k| !en.contains(k)).collect();
        let missing_in_vi: Vec<_> = en.iter().filter(|k| !vi.contains(k)).collect();
        assert!(
            missing_in_en.is_empty(),
            "missing in en.ftl: {missing_in_en:?}"
        );
        assert!(
            missing_in_vi.is_empty(),
            "missing in vi.ftl: {missing_in_vi:?}"
        );
        assert!(vi.len() > 50, "catalogue suspiciously small: {}", vi.len());
    }

    #[test]
    fn no_message_is_empty() {
        for lang in [Lang::Vi, Lang::En] {
            for key in keys(lang) {
                let value = lookup(lang, key).unwrap_or_default();
                assert!(!value.is_empty(), "{key} is empty in {}", lang.code());
            }
        }
    }

    #[test]
    fn every_line_is_a_key_value_pair_or_a_comment() {
        for (name, src) in [("vi", VI_SOURCE), ("en", EN_SOURCE)] {
            for (n, line) in src.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                assert!(line.contains('='), "{name}.ftl line {}: no '='", n + 1);
            }
        }
    }

    #[test]
    fn keys_are_not_defined_twice() {
        for (name, src) in [("vi", VI_SOURCE), ("en", EN_SOURCE)] {
            let mut seen = std::collections::HashSet::new();
            for line in src.lines().map(str::trim) {
                if let Some((k, _)) = line.split_once('=')
                    && !line.starts_with('#')
                {
                    assert!(
                        seen.insert(k.trim()),
                        "{name}.ftl defines {} twice",
                        k.trim()
                    );
                }
            }
        }
    }

    #[test]
    fn placeholders_are_filled() {
        let msg = tf(Lang::En, "login-retry-after", &[("seconds", "42")]);
        assert!(msg.contains("42"), "{msg}");
        assert!(!msg.contains('$'), "{msg}");
    }

    #[test]
    fn placeholders_match_between_languages() {
        for key in keys(Lang::Vi) {
            let names = |s: &str| {
                let mut v: Vec<String> = s
                    .split("{ $")
                    .skip(1)
                    .filter_map(|p| p.split_once(" }").map(|(n, _)| n.to_owned()))
                    .collect();
                v.sort();
                v
            };
            let vi = names(lookup(Lang::Vi, key).unwrap_or_default());
            let en = names(lookup(Lang::En, key).unwrap_or_default());
            assert_eq!(vi, en, "placeholders of {key} differ");
        }
    }

    #[test]
    fn vietnamese_is_the_default_language() {
        assert_eq!(Lang::default(), Lang::Vi);
        assert_eq!(Lang::from_code("EN"), Some(Lang::En));
        assert_eq!(Lang::from_code("fr"), None);
    }
}
