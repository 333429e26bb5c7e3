//! Normalisation, date and personal-ID parsing never panic, and normalisation is idempotent.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let c = dedupe::normalize::canonical_name(s);
    assert_eq!(dedupe::normalize::canonical_name(&c), c);
    let f = dedupe::normalize::fold(s);
    assert_eq!(dedupe::normalize::fold(&f), f);
    let _ = dedupe::normalize::phonetic_name(s);
    let _ = dedupe::date::parse_date(s);
    let _ = dedupe::pid::parse_personal_id(s);
    let _ = dedupe::parse_sex(s);
});
