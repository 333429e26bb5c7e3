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

#[test]
fn the_shipped_files_load_and_validate() {
    map();
}

#[test]
fn code_20035_is_binh_dien_then_binh_tien_then_the_new_binh_dien() {
    let m = map();
    let names = [d(2019, 12, 1), d(2022, 1, 1), d(2025, 8, 1)].map(|on| {
        m.unit_on("20035", on)
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
}
