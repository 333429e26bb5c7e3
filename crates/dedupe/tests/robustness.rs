//! Robustness on arbitrary input, on the stable toolchain: the cargo-fuzz targets under
//! `crates/dedupe/fuzz/` need a nightly toolchain, so the same inputs (any bytes, any Unicode,
//! malformed rows) are thrown at the normaliser, the date parser, the personal-ID parser and
//! the whole pipeline here with proptest. Nothing may panic and every output must be sane.

use dedupe::date::parse_date;
use dedupe::normalize::{canonical_name, fold, name_keys, phonetic_name, place_key};
use dedupe::pid::parse_personal_id;
use dedupe::{Config, Record, deduplicate, parse_sex};
use proptest::prelude::*;

/// Any bytes, read the way a caller reading a file lossily would.
fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Strings that look like dates, near-dates and garbage around them.
fn date_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9/.\\- ]{0,14}",
        "[0-9]{1,2}/[0-9]{1,2}/[0-9]{2,4}",
        "[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}",
        "[0-9]{1,2}/[0-9]{4}",
        "\\PC{0,12}",
        any::<String>(),
    ]
}

fn check_text(s: &str) -> Result<(), TestCaseError> {
    let c = canonical_name(s);
    prop_assert_eq!(canonical_name(&c), c.clone());
    prop_assert!(!c.starts_with(' ') && !c.ends_with(' ') && !c.contains("  "));
    let f = fold(s);
    prop_assert_eq!(fold(&f), f.clone());
    let p = phonetic_name(s);
    prop_assert_eq!(phonetic_name(&p), p.clone());
    let k = name_keys(s);
    prop_assert_eq!(k.toned.len(), k.folded.len());
    prop_assert_eq!(k.toned.len(), k.phonetic.len());
    prop_assert!(k.written_tokens >= k.toned.len());
    prop_assert!(k.toned.iter().all(|t| !t.is_empty() && !t.contains(' ')));
    let _ = place_key(s);
    if let Some(d) = parse_date(s) {
        prop_assert!((1900..=2100).contains(&d.year), "{d:?} from {s:?}");
        match (d.month, d.day) {
            (None, None) | (Some(1..=12), None) => {}
            (Some(m @ 1..=12), Some(day)) => {
                let max = match m {
                    2 => 29,
                    4 | 6 | 9 | 11 => 30,
                    _ => 31,
                };
                prop_assert!((1..=max).contains(&day), "{d:?} from {s:?}");
            }
            _ => prop_assert!(false, "impossible date {d:?} from {s:?}"),
        }
    }
    if let Ok(id) = parse_personal_id(s) {
        prop_assert!(id.0.iter().all(|&b| b <= 9), "{id:?} from {s:?}");
        prop_assert!(id.as_u64() < 1_000_000_000_000);
    }
    if let Ok(Some(_)) = parse_sex(s) {
        let f = fold(s.trim());
        prop_assert!(
            ["nam", "m", "nu", "f"].contains(&f.as_str()),
            "{s:?} read as a sex"
        );
    }
    Ok(())
}

/// A record from one line of `|`-separated fields (the format of the fuzz target).
fn record_of(line: &str) -> Record {
    let f: Vec<&str> = line.split('|').collect();
    let get = |i: usize| f.get(i).copied().unwrap_or("").to_string();
    Record {
        source: String::new(),
        full_name: get(0),
        birth_date: get(1),
        sex: parse_sex(&get(2)).ok().flatten(),
        commune_code: get(3),
        village: get(4),
        guardian_name: get(5),
        personal_id: get(6),
    }
}

/// Malformed rows: fields drawn from real-looking values and garbage, in any number.
fn row() -> impl Strategy<Value = String> {
    let field = prop_oneof![
        Just(String::new()),
        Just("Hồ Thị Hoà".to_string()),
        Just("HO THI HOA".to_string()),
        Just("Pơ Loong A Rất".to_string()),
        Just("05/03/2017".to_string()),
        Just("2017".to_string()),
        Just("31/02/2017".to_string()),
        Just("046317001234".to_string()),
        Just("Nữ".to_string()),
        Just("20062".to_string()),
        "\\PC{0,10}",
        any::<String>(),
        prop::collection::vec(any::<u8>(), 0..16).prop_map(|b| lossy(&b)),
    ];
    prop::collection::vec(field, 0..9).prop_map(|f| f.join("|"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_bytes_are_normalised_and_parsed_without_panic(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        check_text(&lossy(&bytes))?;
    }

    #[test]
    fn any_unicode_is_normalised_and_parsed_without_panic(s in any::<String>()) {
        check_text(&s)?;
    }

    #[test]
    fn combining_marks_and_separators_alone_are_handled(s in "[\\u{300}-\\u{36f}'’ \\-.,/]{0,12}") {
        check_text(&s)?;
    }

    #[test]
    fn date_like_strings_parse_to_real_dates_or_nothing(s in date_like()) {
        check_text(&s)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn malformed_rows_give_one_cluster_per_record_and_sane_pairs(rows in prop::collection::vec(row(), 0..48)) {
        let records: Vec<Record> = rows.iter().map(|l| record_of(l)).collect();
        let out = deduplicate(&records, &Config::default(), &|_, _, _| {});
        prop_assert_eq!(out.cluster_of.len(), records.len());
        for (i, &c) in out.cluster_of.iter().enumerate() {
            prop_assert!(c as usize <= i);
            prop_assert_eq!(out.cluster_of[c as usize], c);
        }
        for p in &out.pairs {
            prop_assert!(p.a < p.b && (p.b as usize) < records.len());
            prop_assert!(p.weight.is_finite());
            prop_assert!((0.0..=1.0).contains(&p.probability));
            // Every field present on both sides is explained (a pair with no field in common
            // has an empty explanation).
            let present = p.vector.levels.iter().filter(|&&l| l != dedupe::compare::NULL_LEVEL).count();
            prop_assert!(p.explanation_vi.split("; ").count() >= present.min(1));
            prop_assert_eq!(present > 0 || p.veto.is_some(), !p.explanation_en.is_empty());
            prop_assert!(p.field_weights.iter().all(|w| w.is_finite()));
        }
        prop_assert_eq!(out.stats.records, records.len());
    }
}
