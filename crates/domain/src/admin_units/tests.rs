use chrono::NaiveDate;

use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
}

fn map() -> AdminMap {
    match load_embedded() {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    }
}

fn on<'m>(m: &'m AdminMap, code: &str, date: NaiveDate) -> &'m AdminUnit {
    m.unit_on(code, date)
        .unwrap_or_else(|| panic!("no unit {code} on {date}"))
}

fn ids(units: &[&AdminUnit]) -> Vec<String> {
    units.iter().map(|u| u.id.to_string()).collect()
}

fn communes_on(m: &AdminMap, date: NaiveDate) -> usize {
    m.units_of_level_on(Level::Commune, date).len()
}

/// Data rows (header excluded) of an embedded file.
fn data_rows(text: &str) -> usize {
    text.lines().filter(|l| !l.trim().is_empty()).count() - 1
}

/// The 1-based data row of the first line containing `needle`.
fn data_row_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line contains {needle}"))
}

/// `text` with the first occurrence of `from` replaced by `to`.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "fixture text not found: {from}");
    text.replacen(from, to, 1)
}

fn load_err(sources: &Sources<'_>) -> AdminDataError {
    match load(sources) {
        Ok(_) => panic!("broken sources were accepted"),
        Err(e) => e,
    }
}

// --- the shipped data ---------------------------------------------------

#[test]
fn the_shipped_files_load_and_validate() {
    let m = map();
    assert!(m.units.len() > 200);
    assert_eq!(
        m.dissolutions.len(),
        9,
        "the nine districts end on 2025-07-01"
    );
}

#[test]
fn code_20035_is_binh_dien_then_binh_tien_then_the_new_binh_dien() {
    let m = map();
    let names = [d(2019, 12, 1), d(2022, 1, 1), d(2025, 8, 1)].map(|date| {
        m.unit_on("20035", date)
            .map(|u| (u.name.clone(), u.id.to_string()))
    });
    assert_eq!(
        names,
        [
            Some(("Xã Bình Điền".to_owned(), "20035@origin".to_owned())),
            Some(("Xã Bình Tiến".to_owned(), "20035@2020-01-01".to_owned())),
            Some(("Xã Bình Điền".to_owned(), "20035@2025-07-01".to_owned())),
        ]
    );
    let now = on(&m, "20035", d(2025, 8, 1));
    assert_eq!(now.parent_code.as_deref(), Some("46"));
    assert_eq!(now.valid_to, None);
    assert_eq!(
        on(&m, "20035", d(2019, 12, 1)).valid_to,
        Some(d(2020, 1, 1))
    );
}

#[test]
fn every_old_a_luoi_commune_of_2019_resolves_to_an_a_luoi_unit_of_today_and_back() {
    let m = map();
    let a_luoi_2019: Vec<&AdminUnit> = m.children_on("481", d(2019, 9, 11));
    assert_eq!(a_luoi_2019.len(), 21);
    for old in a_luoi_2019 {
        let today: Vec<&AdminUnit> = m
            .successors(&old.id)
            .into_iter()
            .filter(|u| u.is_current())
            .collect();
        assert_eq!(today.len(), 1, "{} reaches {:?}", old.name, ids(&today));
        let new = today[0];
        assert!(
            [
                "Xã A Lưới 1",
                "Xã A Lưới 2",
                "Xã A Lưới 3",
                "Xã A Lưới 4",
                "Xã A Lưới 5"
            ]
            .contains(&new.name.as_str()),
            "{} → {}",
            old.name,
            new.name
        );
        assert!(
            m.predecessors(&new.id).contains(&old),
            "{} does not lead back to {}",
            new.name,
            old.name
        );
    }
    // Xã Hồng Quảng (merged into Quảng Nhâm 2020) → Xã A Lưới 2, via Quảng Nhâm
    let hong_quang = on(&m, "20077", d(2019, 9, 11));
    assert_eq!(
        ids(&m.successors(&hong_quang.id)),
        ["20083@2020-01-01", "20044@2025-07-01"]
    );
}

#[test]
fn predecessors_and_successors_are_ordered_nearest_first_without_duplicates_or_self() {
    let m = map();
    let a_luoi_4 = on(&m, "20101", d(2025, 8, 1));
    let preds = m.predecessors(&a_luoi_4.id);
    let got = ids(&preds);
    // direct: Hương Phong, A Roàng, Đông Sơn, Lâm Đớt (20101); then further back
    assert_eq!(
        &got[..4],
        [
            "20080@origin",
            "20095@2021-02-01",
            "20098@origin",
            "20101@2020-03-01"
        ]
    );
    assert!(got.contains(&"20092@2020-01-01".to_owned()));
    assert!(
        got.contains(&"20092@origin".to_owned()),
        "Xã Hương Lâm of 2019"
    );
    assert!(got.contains(&"20101@origin".to_owned()), "Xã A Đớt of 2019");
    assert!(
        got.contains(&"20095@origin".to_owned()),
        "Xã A Roằng of 2019"
    );
    let mut dedup = got.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), got.len());
    assert!(!got.contains(&a_luoi_4.id.to_string()));
    assert!(
        m.predecessors(&"99999@origin".parse().expect("id"))
            .is_empty()
    );
}

#[test]
fn commune_counts_are_152_145_141_133_40_and_the_2025_snapshot_lists_one_more_the_ghost() {
    let m = map();
    assert_eq!(communes_on(&m, d(2019, 9, 11)), 152);
    assert_eq!(communes_on(&m, d(2020, 1, 1)), 145);
    assert_eq!(communes_on(&m, d(2021, 11, 1)), 141);
    assert_eq!(communes_on(&m, d(2025, 3, 1)), 133);
    assert_eq!(communes_on(&m, d(2025, 7, 1)), 40);
    assert_eq!(communes_on(&m, d(2026, 11, 29)), 40);
    let s = Sources::embedded();
    assert_eq!(data_rows(s.gso_20190911), 152);
    assert_eq!(data_rows(s.gso_20200101), 145);
    assert_eq!(data_rows(s.gso_20211101), 141);
    assert_eq!(
        data_rows(s.gso_20250301),
        134,
        "133 units + the ghost 20176"
    );
    assert_eq!(data_rows(s.current_wards), 40);
    assert_eq!(data_rows(s.conversion_20250701), 133);
    assert_eq!(
        m.units_of_level_on(Level::District, d(2019, 9, 11)).len(),
        9
    );
    assert_eq!(m.units_of_level_on(Level::District, d(2025, 3, 1)).len(), 9);
    assert!(
        m.units_of_level_on(Level::District, d(2025, 7, 1))
            .is_empty()
    );
}

#[test]
fn children_on_lists_districts_under_the_province_before_the_reform_and_the_40_after() {
    let m = map();
    assert_eq!(m.children_on("46", d(2019, 9, 11)).len(), 9);
    assert_eq!(m.children_on("46", d(2025, 7, 1)).len(), 40);
    assert_eq!(m.children_on("483", d(2019, 9, 11)).len(), 11);
    assert!(m.children_on("483", d(2025, 3, 1)).is_empty());
    // 27 as NQ 1314 says; the GSO list shows 28, counting the ghost 20176
    assert_eq!(m.children_on("482", d(2025, 3, 1)).len(), 27);
    assert_eq!(
        m.children_on("474", d(2025, 3, 1)).len(),
        19,
        "Quận Thuận Hóa"
    );
    assert_eq!(
        m.children_on("475", d(2025, 3, 1)).len(),
        13,
        "Quận Phú Xuân"
    );
    assert_eq!(
        m.units_on(d(2025, 8, 1)).len(),
        41,
        "the city and its 40 units"
    );
}

#[test]
fn every_2019_commune_reaches_a_current_unit_and_every_current_unit_reaches_2019() {
    let m = map();
    for u in m.units_of_level_on(Level::Commune, d(2019, 9, 11)) {
        assert!(
            m.successors(&u.id).iter().any(|s| s.is_current()),
            "{}",
            u.id
        );
    }
    for u in m
        .current_units()
        .into_iter()
        .filter(|u| u.level == Level::Commune)
    {
        assert!(
            m.predecessors(&u.id).iter().any(|p| p.valid_from.is_none()),
            "{}",
            u.id
        );
    }
}

// --- one test per trap of README "Traps in the data" ---------------------

#[test]
fn trap_reused_codes_name_different_units_in_different_periods() {
    let m = map();
    // 20035: see code_20035_is_binh_dien_then_binh_tien_then_the_new_binh_dien
    let phu_mau = on(&m, "19909", d(2019, 9, 11));
    let duong_no = on(&m, "19909", d(2025, 3, 1));
    let duong_no_now = on(&m, "19909", d(2025, 8, 1));
    assert_eq!(phu_mau.name, "Xã Phú Mậu");
    assert_eq!(duong_no.name, "Phường Dương Nỗ");
    assert_ne!(phu_mau.id, duong_no.id);
    assert_eq!(
        m.versions_of("19909").len(),
        4,
        "origin, 2021 transfer, 2025-01, 2025-07"
    );
    // the `same` edge of 2025-07-01 still yields a new version: parent 474 → 46
    assert_ne!(duong_no.id, duong_no_now.id);
    assert_eq!(duong_no.parent_code.as_deref(), Some("474"));
    assert_eq!(duong_no_now.parent_code.as_deref(), Some("46"));
    let same: Vec<&LineageEdge> = m.edges_to(&duong_no_now.id);
    assert_eq!(same.len(), 1);
    assert_eq!(same[0].kind, ChangeKind::Same);
    // 20101: Xã A Đớt, then (from 2020-03-01) Xã Lâm Đớt, then Xã A Lưới 4
    assert_eq!(on(&m, "20101", d(2019, 9, 11)).name, "Xã A Đớt");
    assert!(m.unit_on("20101", d(2020, 2, 1)).is_none());
    assert_eq!(on(&m, "20101", d(2021, 1, 1)).name, "Xã Lâm Đớt");
    assert_eq!(on(&m, "20101", d(2025, 8, 1)).name, "Xã A Lưới 4");
    // one code, never two versions at once
    for u in &m.units {
        let overlapping = m
            .versions_of(&u.code)
            .into_iter()
            .filter(|v| v.level == u.level && v.id != u.id)
            .filter(|v| {
                let a_before_b = |a: &AdminUnit, b: &AdminUnit| {
                    matches!((a.valid_to, b.valid_from), (Some(t), Some(f)) if t <= f)
                };
                !(a_before_b(u, v) || a_before_b(v, u))
            })
            .count();
        assert_eq!(overlapping, 0, "{}", u.id);
    }
}

#[test]
fn trap_code_changed_between_snapshots_lam_dot_and_huong_xuan_are_recoded_on_2020_03_01() {
    let m = map();
    // 1 Jan 2020 list: Hương Xuân bears 20176 and Lâm Đớt 20092
    assert_eq!(on(&m, "20176", d(2020, 1, 1)).name, "Xã Hương Xuân");
    assert_eq!(on(&m, "20092", d(2020, 1, 1)).name, "Xã Lâm Đớt");
    assert!(m.unit_on("20179", d(2020, 2, 29)).is_none());
    // from 1 Mar 2020: 20179 and 20101; the old codes are free
    let huong_xuan = on(&m, "20179", d(2020, 3, 1));
    assert_eq!(huong_xuan.name, "Xã Hương Xuân");
    assert!(m.unit_on("20176", d(2020, 3, 1)).is_none());
    assert!(m.unit_on("20092", d(2020, 3, 1)).is_none());
    let recode = m.edges_to(&huong_xuan.id);
    assert_eq!(recode.len(), 1);
    assert_eq!(recode[0].kind, ChangeKind::Recode);
    assert_eq!(recode[0].from.as_str(), "20176@2020-01-01");
    assert!(recode[0].instrument.contains("no resolution"));
    // lineage goes through the recode back to the two 2019 communes
    let back = ids(&m.predecessors(&huong_xuan.id));
    assert_eq!(back, ["20176@2020-01-01", "20176@origin", "20179@origin"]);
    assert_eq!(on(&m, "20176", d(2019, 9, 11)).name, "Xã Hương Hòa");
    assert_eq!(on(&m, "20179", d(2019, 9, 11)).name, "Xã Hương Giang");
}

#[test]
fn trap_ghost_20176_huong_hoa_of_the_2025_lists_is_never_a_live_unit() {
    let m = map();
    assert!(m.unit_on("20176", d(2025, 1, 1)).is_none());
    assert!(m.unit_on("20176", d(2025, 3, 1)).is_none());
    assert!(
        m.versions_of("20176")
            .iter()
            .all(|u| u.valid_to.is_some_and(|t| t <= d(2020, 3, 1)))
    );
    // the 2025-03-01 list carries it; the model has one commune fewer
    let s = Sources::embedded();
    assert!(s.gso_20250301.contains(",20176,Xã Hương Hòa,"));
    assert!(!s.conversion_20250701.contains(",20176,"));
    // the exception is narrow: the same ghost under another code is refused
    let text = edit(
        s.gso_20250301,
        ",20176,Xã Hương Hòa,",
        ",20177,Xã Hương Hòa,",
    );
    let e = load_err(&Sources {
        gso_20250301: &text,
        ..s
    });
    assert_eq!(e.file(), files::GSO_20250301);
    assert_eq!(e.field(), "level3_code");
    assert_eq!(e.row(), data_row_of(&text, ",20177,"));
    // and the 2019 Xã Hương Hòa of the 2019 list is a real unit, merged in 2020
    assert_eq!(
        on(&m, "20176", d(2019, 9, 11)).valid_to,
        Some(d(2020, 1, 1))
    );
}

#[test]
fn trap_type_changes_keep_the_code_but_start_a_new_version() {
    let m = map();
    // xã → phường (and moved to TP Huế) on 2021-07-01
    let xa = on(&m, "19930", d(2021, 6, 30));
    let phuong = on(&m, "19930", d(2021, 7, 1));
    assert_eq!(
        (xa.unit_type.as_str(), xa.parent_code.as_deref()),
        ("Xã", Some("478"))
    );
    assert_eq!(
        (phuong.unit_type.as_str(), phuong.parent_code.as_deref()),
        ("Phường", Some("474"))
    );
    assert_eq!(
        m.successors(&xa.id).first().map(|u| &u.id),
        Some(&phuong.id)
    );
    // xã → thị trấn (Lộc Sơn, 2025-01-01) → part of Xã Hưng Lộc (2025-07-01)
    assert_eq!(on(&m, "20131", d(2024, 12, 31)).unit_type, "Xã");
    assert_eq!(on(&m, "20131", d(2025, 1, 1)).unit_type, "Thị trấn");
    assert_eq!(on(&m, "20131", d(2025, 7, 1)).name, "Xã Hưng Lộc");
    // district: huyện → thị xã; province: tỉnh → thành phố trung ương
    assert_eq!(on(&m, "476", d(2024, 12, 31)).unit_type, "Huyện");
    assert_eq!(on(&m, "476", d(2025, 1, 1)).unit_type, "Thị xã");
    let tinh = on(&m, "46", d(2024, 12, 31));
    let tp = on(&m, "46", d(2025, 1, 1));
    assert_eq!(
        (tinh.name.as_str(), tinh.unit_type.as_str()),
        ("Tỉnh Thừa Thiên Huế", "Tỉnh")
    );
    assert_eq!(
        (tp.name.as_str(), tp.unit_type.as_str()),
        ("Thành phố Huế", "Thành phố Trung ương")
    );
    assert_eq!((tinh.level, tp.level), (Level::Province, Level::Province));
    assert_eq!(tp.short_name(), "Huế");
}

#[test]
fn trap_renames_with_unchanged_codes_vi_da_and_a_roang_in_2021() {
    let m = map();
    let vi = on(&m, "19777", d(2021, 1, 31));
    let vy = on(&m, "19777", d(2021, 2, 1));
    assert_eq!(vi.name, "Phường Vĩ Dạ");
    assert_eq!(vy.name, "Phường Vỹ Dạ");
    assert_eq!(vi.valid_to, Some(d(2021, 2, 1)));
    let e = m.edges_from(&vi.id);
    assert_eq!(e.len(), 1);
    assert_eq!((e[0].kind, &e[0].to), (ChangeKind::Rename, &vy.id));
    assert_eq!(on(&m, "20095", d(2021, 1, 31)).name, "Xã A Roằng");
    assert_eq!(on(&m, "20095", d(2021, 2, 1)).name, "Xã A Roàng");
    // a spelling change is a real difference for the folding
    assert!(!same_name("Phường Vĩ Dạ", "Phường Vỹ Dạ"));
    assert!(!same_name("Xã A Roằng", "Xã A Roàng"));
}

#[test]
fn trap_both_tone_mark_styles_compare_equal_and_keep_their_official_spelling() {
    assert!(same_name("Phường Thuỷ Xuân", "Phường Thủy Xuân"));
    assert!(same_name("Xã Hương Hoà", "Xã Hương Hòa"));
    assert!(same_name("PHƯỜNG THUỶ BIỀU", "phường thủy biều"));
    assert!(
        !same_name("Phường Hòa", "Phường Hóa"),
        "different tones stay different"
    );
    assert_eq!(fold_name("Thuỷ"), fold_name("Thủy"));
    let m = map();
    // the 2025-03 GSO list writes Thuỷ Xuân, the 1 Jul 2025 list Thủy Xuân
    assert_eq!(on(&m, "19813", d(2025, 3, 1)).name, "Phường Thuỷ Xuân");
    assert_eq!(on(&m, "19963", d(2025, 3, 1)).name, "Phường Thủy Vân");
    assert_eq!(on(&m, "19813", d(2025, 7, 1)).name, "Phường Thủy Xuân");
    // the conversion table writes "Phường Thủy Biều": it matched Thuỷ Biều
    let found = m.find_by_name_on("Thủy Biều", d(2025, 3, 1));
    assert_eq!(ids(&found), ["19807@2025-01-01"]);
    assert_eq!(found[0].name, "Phường Thuỷ Biều");
}

#[test]
fn trap_phuong_phuong_duc_keeps_the_gso_spelling_and_matches_phuong_duc() {
    let m = map();
    let duc = on(&m, "19780", d(2025, 3, 1));
    assert_eq!(duc.name, "Phường Phường Đúc");
    assert_eq!(duc.short_name(), "Phường Đúc");
    assert!(fold::same_full_name(&duc.name, "Phường Đúc"));
    assert!(!same_name(&duc.name, "Phường Đúc"));
    assert_eq!(
        ids(&m.find_by_name_on("Phường Đúc", d(2025, 3, 1))),
        ["19780@2025-01-01"]
    );
    // the conversion table's "Phường Đúc" row is accepted, but a wrong name is not
    let s = Sources::embedded();
    let text = edit(
        s.conversion_20250701,
        ",19780,Phường Đúc,",
        ",19780,Phường Đục,",
    );
    let e = load_err(&Sources {
        conversion_20250701: &text,
        ..s
    });
    assert_eq!(
        (e.file(), e.field()),
        (files::CONVERSION_20250701, "old_ward_name")
    );
    assert_eq!(e.row(), data_row_of(&text, ",19780,"));
}

#[test]
fn trap_xa_nam_dong_has_three_old_units_not_the_four_of_the_1027_list() {
    let m = map();
    let nam_dong = on(&m, "20179", d(2025, 8, 1));
    assert_eq!(nam_dong.name, "Xã Nam Đông");
    let direct: Vec<&str> = m
        .edges_to(&nam_dong.id)
        .iter()
        .map(|e| e.from.as_str())
        .collect();
    assert_eq!(
        direct,
        ["20167@2025-01-01", "20179@2025-01-01", "20191@2025-01-01"]
    );
    let s = Sources::embedded();
    assert!(s.units_20250701_1027.contains(",20179,Xã Nam Đông,Xã,4"));
    // any other count is refused, naming the row and field
    let text = edit(
        s.units_20250701_1027,
        ",20179,Xã Nam Đông,Xã,4",
        ",20179,Xã Nam Đông,Xã,5",
    );
    let e = load_err(&Sources {
        units_20250701_1027: &text,
        ..s
    });
    assert_eq!(
        (e.file(), e.field()),
        (files::UNITS_20250701_1027, "old_unit_count")
    );
    assert_eq!(e.row(), data_row_of(&text, ",20179,"));
}

#[test]
fn trap_gso_only_edges_inferred_merges_and_the_15_transfers_that_keep_district_code_474() {
    let m = map();
    let jan = d(2025, 1, 1);
    // Xã Phong Thu → Phường Phong Thu, Xã Phong Hải → Phường Phong Hải: inferred
    for (old, new) in [("19849", "19819"), ("19840", "19843")] {
        let from = on(&m, old, d(2024, 12, 31));
        let e = m.edges_from(&from.id);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].to.as_str(), format!("{new}@2025-01-01"));
        assert!(e[0].note.contains("inferred"), "{}", e[0].note);
    }
    // GSO-only corrections say so in their instrument
    assert!(
        m.edges
            .iter()
            .filter(|e| matches!(e.kind, ChangeKind::Recode | ChangeKind::Rename))
            .all(|e| e.instrument.contains("GSO") && e.instrument.contains("no resolution"))
    );
    // 15 transfers keep code 474, but the parent is another unit
    let same_474: Vec<&LineageEdge> = m
        .edges
        .iter()
        .filter(|e| e.effective_date == jan && e.kind == ChangeKind::Transfer)
        .filter(|e| {
            let (a, b) = (m.get(&e.from), m.get(&e.to));
            a.and_then(|u| u.parent_code.as_deref()) == Some("474")
                && b.and_then(|u| u.parent_code.as_deref()) == Some("474")
        })
        .collect();
    assert_eq!(same_474.len(), 15);
    assert_eq!(on(&m, "474", d(2024, 12, 31)).name, "Thành phố Huế");
    assert_eq!(on(&m, "474", jan).name, "Quận Thuận Hóa");
    assert_ne!(on(&m, "474", d(2024, 12, 31)).id, on(&m, "474", jan).id);
    assert_ne!(on(&m, "19777", d(2024, 12, 31)).id, on(&m, "19777", jan).id);
    // Nam Đông 483 → Phú Lộc 482
    assert_eq!(
        on(&m, "20161", d(2024, 12, 31)).parent_code.as_deref(),
        Some("483")
    );
    assert_eq!(on(&m, "20161", jan).parent_code.as_deref(), Some("482"));
    assert!(m.unit_on("483", jan).is_none());
    let nam_dong_district = on(&m, "483", d(2024, 12, 31));
    assert_eq!(
        ids(&m.successors(&nam_dong_district.id)),
        ["482@2025-01-01"]
    );
}

#[test]
fn trap_province_and_district_rows_are_told_apart_by_their_type() {
    let m = map();
    // "Thành phố Huế" is a district (474) before 2025 and the province after
    let before = m.find_by_name_on("Thành phố Huế", d(2024, 6, 1));
    assert_eq!(ids(&before), ["474@origin"]);
    assert_eq!(before[0].level, Level::District);
    let after = m.find_by_name_on("Thành phố Huế", d(2025, 6, 1));
    assert_eq!(ids(&after), ["46@2025-01-01"]);
    assert_eq!(after[0].level, Level::Province);
    assert_eq!(after[0].parent_code, None);
    assert_eq!(
        on(&m, "475", d(2025, 1, 1)).parent_code.as_deref(),
        Some("46")
    );
    let districts_end: Vec<&str> = m.dissolutions.iter().map(|x| x.unit.code()).collect();
    assert_eq!(
        districts_end,
        [
            "474", "475", "476", "477", "478", "479", "480", "481", "482"
        ]
    );
    assert_eq!(Level::of_type("Thành phố"), Some(Level::District));
    assert_eq!(
        Level::of_type("Thành phố Trung ương"),
        Some(Level::Province)
    );
    assert_eq!(Level::of_type("Thị trấn"), Some(Level::Commune));
}

#[test]
fn a_split_target_that_keeps_code_name_and_type_continues_unchanged() {
    let m = map();
    // 2021-07-01: Phú Thuận divided between Tây Lộc and Thuận Hòa
    let phu_thuan = on(&m, "19744", d(2021, 6, 30));
    assert_eq!(phu_thuan.valid_to, Some(d(2021, 7, 1)));
    let next = ids(&m.successors(&phu_thuan.id));
    assert_eq!(&next[..2], ["19750@origin", "19762@origin"]);
    assert_eq!(on(&m, "19750", d(2021, 7, 1)).id.as_str(), "19750@origin");
}

// --- ids and kinds -----------------------------------------------------------

#[test]
fn unit_ids_print_and_parse_back() {
    let id = UnitId::new("20035", Some(d(2025, 7, 1)));
    assert_eq!(id.to_string(), "20035@2025-07-01");
    assert_eq!(id.code(), "20035");
    assert_eq!("20035@2025-07-01".parse::<UnitId>(), Ok(id));
    assert_eq!(
        "46@origin".parse::<UnitId>().map(|i| i.to_string()),
        Ok("46@origin".into())
    );
    for bad in [
        "20035",
        "@origin",
        "20035@2025-7-1",
        "20035@2025-13-01",
        "2a@origin",
        "1@soon",
    ] {
        assert!(bad.parse::<UnitId>().is_err(), "{bad}");
    }
    let m = map();
    for u in &m.units {
        assert_eq!(m.get(&u.id.as_str().parse().expect("own id")), Some(u));
        assert_eq!(u.id, UnitId::new(&u.code, u.valid_from));
    }
}

#[test]
fn change_kinds_and_levels_round_trip_through_their_text() {
    for k in ChangeKind::ALL {
        assert_eq!(k.as_str().parse::<ChangeKind>(), Ok(k));
    }
    assert!("merged".parse::<ChangeKind>().is_err());
    for l in [Level::Province, Level::District, Level::Commune] {
        assert_eq!(l.as_str().parse::<Level>(), Ok(l));
    }
}

// --- broken sources ------------------------------------------------------------

#[test]
fn an_edge_from_an_unknown_code_is_refused_naming_row_and_field() {
    let s = Sources::embedded();
    let text = edit(
        s.lineage,
        "merge,19951,Xã Vinh Phú",
        "merge,99951,Xã Vinh Phú",
    );
    let e = load_err(&Sources {
        lineage: &text,
        ..s
    });
    assert!(matches!(e, AdminDataError::UnknownUnit { .. }), "{e}");
    assert_eq!(
        (e.file(), e.row(), e.field()),
        (files::LINEAGE, 1, "old_code")
    );
    let msg = e.to_string();
    assert!(
        msg.contains("dòng dữ liệu 1") && msg.contains("data row 1"),
        "{msg}"
    );
    assert!(msg.contains("99951"), "{msg}");
}

#[test]
fn an_edge_to_an_unknown_code_is_refused_naming_row_and_field() {
    let s = Sources::embedded();
    let needle = "merge,19750,Phường Tây Lộc,Phường,475,19753,Phường Phú Xuân";
    let text = edit(
        s.lineage,
        needle,
        "merge,19750,Phường Tây Lộc,Phường,475,99999,Phường Phú Xuân",
    );
    let e = load_err(&Sources {
        lineage: &text,
        ..s
    });
    assert_eq!(e.file(), files::LINEAGE, "{e}");
    assert_eq!(e.field(), "new_code", "{e}");
    assert_eq!(e.row(), data_row_of(&text, ",99999,"), "{e}");
}

#[test]
fn a_bad_date_is_refused_naming_row_and_field() {
    let s = Sources::embedded();
    let text = edit(s.lineage, "2021-02-01,GSO", "2021-02-30,GSO");
    let e = load_err(&Sources {
        lineage: &text,
        ..s
    });
    assert!(matches!(e, AdminDataError::InvalidValue { .. }), "{e}");
    assert_eq!(e.field(), "effective_date");
    assert_eq!(e.row(), data_row_of(&text, "2021-02-30"));
    assert!(e.to_string().contains("yyyy-mm-dd"));

    let text = edit(s.level3_history, "11/09/2019", "31/09/2019");
    let e = load_err(&Sources {
        level3_history: &text,
        ..s
    });
    assert_eq!(
        (e.file(), e.row(), e.field()),
        (files::LEVEL3_HISTORY, 1, "first_seen_snapshot")
    );
}

#[test]
fn an_unknown_kind_is_refused_naming_row_and_field() {
    let s = Sources::embedded();
    let text = edit(s.lineage, ",rename,19777,", ",respell,19777,");
    let e = load_err(&Sources {
        lineage: &text,
        ..s
    });
    assert_eq!(
        (e.field(), e.row()),
        ("kind", data_row_of(&text, ",respell,"))
    );
}

#[test]
fn overlapping_validity_for_one_code_is_refused_naming_row_and_field() {
    let s = Sources::embedded();
    // make Vinh Phú merge into 19957, which is Xã Vinh Hà, still in force
    let text = edit(
        s.lineage,
        "merge,19951,Xã Vinh Phú,Xã,478,19954,Xã Phú Gia",
        "merge,19951,Xã Vinh Phú,Xã,478,19957,Xã Phú Gia",
    );
    let e = load_err(&Sources {
        lineage: &text,
        ..s
    });
    assert!(matches!(e, AdminDataError::Overlap { .. }), "{e}");
    assert_eq!(
        (e.file(), e.row(), e.field()),
        (files::LINEAGE, 1, "new_code")
    );
    assert!(e.to_string().contains("19957@origin"), "{e}");
}

#[test]
fn a_conversion_row_that_disagrees_with_the_lineage_is_refused_naming_row_and_field() {
    let s = Sources::embedded();
    let text = edit(
        s.conversion_20250701,
        ",19792,Phường Xuân Phú,ward,,46,19777,Phường Vỹ Dạ,",
        ",19792,Phường Xuân Phú,ward,,46,19789,Phường Thuận Hóa,",
    );
    let e = load_err(&Sources {
        conversion_20250701: &text,
        ..s
    });
    assert_eq!(
        (e.file(), e.row(), e.field()),
        (files::CONVERSION_20250701, 6, "new_ward_code")
    );
    assert!(e.to_string().contains("19792@2025-01-01"), "{e}");

    // a lineage reform edge missing from the table is refused too
    let text = s
        .conversion_20250701
        .lines()
        .filter(|l| !l.contains(",19792,"))
        .collect::<Vec<_>>()
        .join("\n");
    let e = load_err(&Sources {
        conversion_20250701: &text,
        ..s
    });
    assert_eq!(e.file(), files::LINEAGE);
    assert_eq!(e.row(), data_row_of(s.lineage, "merge,19792,"));
}

#[test]
fn a_snapshot_that_disagrees_with_the_lineage_is_refused_naming_row_and_field() {
    let s = Sources::embedded();
    let text = edit(s.gso_20211101, ",Phường Gia Hội,", ",Phường Gia Hộ,");
    let e = load_err(&Sources {
        gso_20211101: &text,
        ..s
    });
    assert!(matches!(e, AdminDataError::Mismatch { .. }), "{e}");
    assert_eq!((e.file(), e.field()), (files::GSO_20211101, "level3_name"));
    assert_eq!(e.row(), data_row_of(&text, "Gia Hộ,"));

    // a unit the lineage keeps in force but the list lacks
    let text = s
        .gso_20211101
        .lines()
        .filter(|l| !l.contains(",Phường Gia Hội,"))
        .collect::<Vec<_>>()
        .join("\n");
    let e = load_err(&Sources {
        gso_20211101: &text,
        ..s
    });
    assert_eq!(e.file(), files::LINEAGE, "{e}");
    assert!(e.to_string().contains(files::GSO_20211101), "{e}");
}

#[test]
fn a_district_dissolved_while_a_commune_remains_under_it_is_refused() {
    let s = Sources::embedded();
    let text = s
        .lineage
        .lines()
        .filter(|l| !l.contains("merge,19750,Phường Tây Lộc,Phường,475"))
        .collect::<Vec<_>>()
        .join("\n");
    let e = load_err(&Sources {
        lineage: &text,
        ..s
    });
    assert_eq!(e.file(), files::LINEAGE);
    assert_eq!(e.field(), "old_code");
    assert_eq!(e.row(), data_row_of(&text, "dissolve,475,"));
    assert!(e.to_string().contains("19750"), "{e}");
}

#[test]
fn a_current_unit_missing_from_the_official_list_is_refused() {
    let s = Sources::embedded();
    let text = s
        .current_wards
        .lines()
        .filter(|l| !l.contains(",20101,"))
        .collect::<Vec<_>>()
        .join("\n");
    let e = load_err(&Sources {
        current_wards: &text,
        ..s
    });
    assert_eq!(e.file(), files::LINEAGE);
    assert!(e.to_string().contains("20101@2025-07-01"), "{e}");
    assert!(e.to_string().contains(files::CURRENT_WARDS), "{e}");
}

#[test]
fn a_missing_column_and_malformed_csv_are_refused() {
    let s = Sources::embedded();
    let text = edit(s.lineage, "old_district_code", "old_district");
    let e = load_err(&Sources {
        lineage: &text,
        ..s
    });
    assert!(matches!(e, AdminDataError::MissingColumn { .. }), "{e}");
    assert_eq!((e.row(), e.field()), (0, "old_district_code"));

    let text = format!("{}\n46,19753,only three\n", s.current_wards.trim_end());
    let e = load_err(&Sources {
        current_wards: &text,
        ..s
    });
    assert!(matches!(e, AdminDataError::Csv { .. }), "{e}");
    assert_eq!((e.file(), e.row()), (files::CURRENT_WARDS, 41));
}

#[test]
fn text_that_is_not_nfc_is_refused() {
    let s = Sources::embedded();
    // "Xã Phú Gia" with a decomposed "ú"
    let text = edit(s.lineage, "19954,Xã Phú Gia", "19954,Xã Phu\u{301} Gia");
    let e = load_err(&Sources {
        lineage: &text,
        ..s
    });
    assert_eq!((e.row(), e.field()), (1, "new_name"), "{e}");
}

#[test]
fn a_history_row_or_a_machine_mapping_row_that_disagrees_is_refused() {
    let s = Sources::embedded();
    // Vỹ Dạ first seen 01/02/2021: claiming 01/11/2020 contradicts the rename date
    let row =
        "19777,Phường Vỹ Dạ,Phường,474,Thành phố Huế,Thành phố,Tỉnh Thừa Thiên Huế,01/02/2021";
    let text = edit(
        s.level3_history,
        row,
        "19777,Phường Vỹ Dạ,Phường,474,Thành phố Huế,Thành phố,Tỉnh Thừa Thiên Huế,01/11/2020",
    );
    let e = load_err(&Sources {
        level3_history: &text,
        ..s
    });
    assert_eq!(e.file(), files::LEVEL3_HISTORY, "{e}");
    assert_eq!(
        (e.row(), e.field()),
        (
            data_row_of(&text, "19777,Phường Vỹ Dạ,Phường,474,Thành phố Huế"),
            "level3_name"
        )
    );

    let text = edit(
        s.mapping_llm,
        "19792,Phường Xuân Phú,Phường,474,Quận Thuận Hóa,19777",
        "19792,Phường Xuân Phú,Phường,474,Quận Thuận Hóa,19789",
    );
    let e = load_err(&Sources {
        mapping_llm: &text,
        ..s
    });
    assert_eq!(
        (e.file(), e.field()),
        (files::MAPPING_LLM, "new_ward_code"),
        "{e}"
    );
    assert_eq!(e.row(), data_row_of(&text, "19792,"));
}

#[test]
fn a_same_row_that_changes_nothing_continues_the_unit_instead_of_starting_a_version() {
    let s = Sources::embedded();
    let text = edit(
        s.lineage,
        "transfer,19777,Phường Vỹ Dạ,Phường,474,19777,Phường Vỹ Dạ,Phường,474",
        "same,19777,Phường Vỹ Dạ,Phường,474,19777,Phường Vỹ Dạ,Phường,474",
    );
    let m = match load(&Sources {
        lineage: &text,
        ..s
    }) {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    };
    let vy_da = on(&m, "19777", d(2025, 3, 1));
    assert_eq!(vy_da.id.as_str(), "19777@2021-02-01");
    assert_eq!(vy_da.valid_to, Some(d(2025, 7, 1)));
    assert!(m.get(&"19777@2025-01-01".parse().expect("id")).is_none());
    // the shipped data: Dương Nỗ's `same` row changes the parent, so a new version
    let shipped = map();
    assert_eq!(
        on(&shipped, "19909", d(2025, 7, 1)).id.as_str(),
        "19909@2025-07-01"
    );
}

#[test]
fn the_shared_embedded_map_is_loaded_once() {
    let a = embedded_map().expect("loads");
    let b = embedded_map().expect("loads");
    assert!(std::ptr::eq(a, b));
    assert_eq!(a.units_of_level_on(Level::Commune, d(2025, 7, 1)).len(), 40);
}
