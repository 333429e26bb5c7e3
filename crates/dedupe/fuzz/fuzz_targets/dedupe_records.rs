//! The whole pipeline on arbitrary records: never panics, every record gets a cluster.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    // One record per line, fields separated by '|':
    // full_name|birth_date|sex|commune|village|guardian|personal_id
    let records: Vec<dedupe::Record> = s
        .lines()
        .take(64)
        .map(|line| {
            let f: Vec<&str> = line.split('|').collect();
            let get = |i: usize| f.get(i).copied().unwrap_or("").to_string();
            dedupe::Record {
                source: String::new(),
                full_name: get(0),
                birth_date: get(1),
                sex: dedupe::parse_sex(&get(2)).ok().flatten(),
                commune_code: get(3),
                village: get(4),
                guardian_name: get(5),
                personal_id: get(6),
            }
        })
        .collect();
    let out = dedupe::deduplicate(&records, &dedupe::Config::default(), &|_, _, _| {});
    assert_eq!(out.cluster_of.len(), records.len());
    for (i, &c) in out.cluster_of.iter().enumerate() {
        assert!(c as usize <= i);
        assert_eq!(out.cluster_of[c as usize], c);
    }
});
