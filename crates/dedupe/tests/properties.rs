//! Property tests: normalisation is idempotent, comparison is symmetric, every record is in
//! exactly one cluster, and a run is deterministic.

use dedupe::compare::{PreparedSet, char_mask, edit_lower_bound, osa_distance};
use dedupe::date::{compare_dates, parse_date};
use dedupe::normalize::{canonical_name, fold, phonetic_name};
use dedupe::{Config, Record, Sex, deduplicate};
use proptest::prelude::*;

const VIET: &str = "[a-zA-ZàáảãạăằắẳẵặâầấẩẫậđĐèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵỲÝỶỸỴÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ'’ -]{0,30}";

fn name_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "Hồ Thị Hoà",
            "HO THI HOA",
            "Hồ Thị Hòa",
            "Hồ A Rất",
            "Hồ Arất",
            "Pơ Loong Thị San U",
            "Pơloong Thị San U",
            "Kăn Lịch",
            "Căn Lịch",
            "Zơ Râm Văn Bình",
            "Dơ Râm Bình",
            "Bh'riu Thị Hương",
            "Hương Bh’riu",
            "Quỳnh",
            "Lê Thị Thuỷ",
        ])
        .prop_map(str::to_string),
        VIET.prop_map(|s| s),
    ]
}

fn record_strategy() -> impl Strategy<Value = Record> {
    (
        name_strategy(),
        prop::sample::select(vec![
            "",
            "2017",
            "05/03/2017",
            "3/5/2017",
            "2017-03-05",
            "03/2017",
            "06/03/2017",
            "2016",
        ]),
        prop::sample::select(vec![None, Some(Sex::Male), Some(Sex::Female)]),
        prop::sample::select(vec!["", "20056", "20173"]),
        prop::sample::select(vec!["", "Hồ Văn Pả", "Ho Van Pa", "Kăn Thị Lan"]),
        prop::sample::select(vec!["", "046317001234", "046317001235", "046213555111"]),
    )
        .prop_map(|(name, dob, sex, commune, guardian, pid)| Record {
            source: String::new(),
            full_name: name,
            birth_date: dob.to_string(),
            sex,
            commune_code: commune.to_string(),
            village: String::new(),
            guardian_name: guardian.to_string(),
            personal_id: pid.to_string(),
        })
}

proptest! {
    /// The character-set bound that skips most edit distances never skips a pair within reach:
    /// it is at most the distance, whatever the strings (small alphabets make near pairs common).
    #[test]
    fn the_character_bound_never_exceeds_the_edit_distance(
        a in "[abcdhoăơđ]{0,9}",
        b in "[abcdhoăơđ]{0,9}",
        x in "\\PC{0,12}",
    ) {
        let d = osa_distance(&a, &b, 20);
        prop_assert!(edit_lower_bound(char_mask(&a), char_mask(&b)) <= d, "{a} / {b}: {d}");
        let d = osa_distance(&a, &x, 30);
        prop_assert!(edit_lower_bound(char_mask(&a), char_mask(&x)) <= d, "{a} / {x}: {d}");
    }

    #[test]
    fn canonical_name_is_idempotent(s in name_strategy()) {
        let once = canonical_name(&s);
        prop_assert_eq!(canonical_name(&once), once);
    }

    #[test]
    fn canonical_name_is_idempotent_on_any_unicode(s in "\\PC{0,24}") {
        let once = canonical_name(&s);
        prop_assert_eq!(canonical_name(&once), once);
    }

    #[test]
    fn phonetic_name_is_idempotent(s in name_strategy()) {
        let once = phonetic_name(&s);
        prop_assert_eq!(phonetic_name(&once), once);
    }

    #[test]
    fn folding_is_idempotent(s in "\\PC{0,24}") {
        let once = fold(&s);
        prop_assert_eq!(fold(&once), once);
    }

    #[test]
    fn date_comparison_is_symmetric(a in "[0-9/\\-]{0,10}", b in "[0-9/\\-]{0,10}") {
        if let (Some(x), Some(y)) = (parse_date(&a), parse_date(&b)) {
            prop_assert_eq!(compare_dates(&x, &y), compare_dates(&y, &x));
        }
    }

    #[test]
    fn record_comparison_is_symmetric(a in record_strategy(), b in record_strategy()) {
        let set = PreparedSet::new(&[a, b]);
        prop_assert_eq!(set.compare(0, 1).levels, set.compare(1, 0).levels);
    }

    #[test]
    fn every_record_appears_in_exactly_one_cluster(records in prop::collection::vec(record_strategy(), 0..40)) {
        let out = deduplicate(&records, &Config::default(), &|_, _, _| {});
        prop_assert_eq!(out.cluster_of.len(), records.len());
        for (i, &c) in out.cluster_of.iter().enumerate() {
            // The representative is the smallest member and represents itself.
            prop_assert!(c as usize <= i);
            prop_assert_eq!(out.cluster_of[c as usize], c);
        }
    }

    #[test]
    fn clustering_is_deterministic(records in prop::collection::vec(record_strategy(), 0..40)) {
        let a = deduplicate(&records, &Config::default(), &|_, _, _| {});
        let b = deduplicate(&records, &Config::default(), &|_, _, _| {});
        prop_assert_eq!(&a.cluster_of, &b.cluster_of);
        prop_assert_eq!(a.pairs.len(), b.pairs.len());
        for (x, y) in a.pairs.iter().zip(&b.pairs) {
            prop_assert_eq!((x.a, x.b, x.weight.to_bits()), (y.a, y.b, y.weight.to_bits()));
        }
    }

    #[test]
    fn linked_pairs_are_in_the_same_cluster(records in prop::collection::vec(record_strategy(), 0..40)) {
        let out = deduplicate(&records, &Config::default(), &|_, _, _| {});
        for p in &out.pairs {
            let same = out.cluster_of[p.a as usize] == out.cluster_of[p.b as usize];
            prop_assert_eq!(same, p.decision == dedupe::Decision::Linked);
        }
    }
}
