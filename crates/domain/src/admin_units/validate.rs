//! Cross-checks of the model built from the 2019 list and the lineage
//! against every other reference file.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use super::build::{Built, Row, SNAPSHOT_COLUMNS, Table, province_type};
use super::error::AdminDataError;
use super::files;
use super::fold::{same_full_name, same_name};
use super::{AdminMap, AdminUnit, ChangeKind, Level, LineageEdge, Sources, UnitId};

type Result<T> = std::result::Result<T, AdminDataError>;

/// THE GHOST (README, "Traps in the data"): the GSO lists from 1 Jan 2025
/// (snapshots of 01/01/2025 and 01/03/2025) still carry 20176 "Xã Hương
/// Hòa" under Huyện Phú Lộc, although Hương Hòa was merged into Hương Xuân
/// on 1 Jan 2020 (NQ 834) and 20176 was retired on 1 Mar 2020 when GSO moved
/// Hương Xuân to 20179. It is not a unit: the loader skips it in those lists
/// (after checking that no unit bears 20176 then), the official conversion
/// table does not have it, and the two lists that count it (the 1027 list's
/// "4 old units" of Xã Nam Đông, the machine-made mapping's row 20176 →
/// 20179) are accepted with exactly that one extra.
pub(crate) const GHOST_CODE: &str = "20176";
pub(crate) const GHOST_NAME: &str = "Xã Hương Hòa";
/// Where the lists that count the ghost send it: Xã Nam Đông of 1 Jul 2025.
pub(crate) const GHOST_SUCCESSOR: &str = "20179";

fn ghost_listed_from() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or(NaiveDate::MAX)
}

/// Whether a list row dated `on` is the documented ghost.
pub(crate) fn is_ghost(code: &str, name: &str, on: NaiveDate) -> bool {
    code == GHOST_CODE && same_name(name, GHOST_NAME) && on >= ghost_listed_from()
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// The day the district level ended and the 40 units began.
pub(crate) fn reform_date() -> NaiveDate {
    ymd(2025, 7, 1)
}

pub(crate) fn validate(built: &Built, sources: &Sources<'_>) -> Result<()> {
    let map = &built.map;
    check_no_overlap(built)?;
    for (file, text, date) in [
        (files::GSO_20190911, sources.gso_20190911, ymd(2019, 9, 11)),
        (files::GSO_20200101, sources.gso_20200101, ymd(2020, 1, 1)),
        (files::GSO_20211101, sources.gso_20211101, ymd(2021, 11, 1)),
        (files::GSO_20250301, sources.gso_20250301, ymd(2025, 3, 1)),
    ] {
        check_snapshot(built, file, text, date)?;
    }
    check_history(map, sources.level3_history)?;
    check_current_wards(built, sources.current_wards)?;
    check_conversion(built, sources.conversion_20250701)?;
    check_1027_list(built, sources.units_20250701_1027)?;
    check_llm_mapping(map, sources.mapping_llm)?;
    check_reachability(built)?;
    Ok(())
}

fn created(built: &Built, id: &UnitId) -> (&'static str, usize) {
    built
        .created_by
        .get(id)
        .copied()
        .unwrap_or((files::LINEAGE, 0))
}

fn created_field(file: &'static str) -> &'static str {
    if file == files::LINEAGE {
        "new_code"
    } else {
        "level3_code"
    }
}

/// No two versions of one code in force on the same day.
fn check_no_overlap(built: &Built) -> Result<()> {
    let mut by_code: HashMap<&str, Vec<&AdminUnit>> = HashMap::new();
    for u in &built.map.units {
        by_code.entry(u.code.as_str()).or_default().push(u);
    }
    for versions in by_code.values() {
        // units are sorted by level, code, valid_from; a code may also be
        // shared between levels (never in this data, but allowed)
        for w in versions.windows(2) {
            let (a, b) = (w[0], w[1]);
            if a.level != b.level {
                continue;
            }
            let ends_before = matches!((a.valid_to, b.valid_from), (Some(t), Some(f)) if t <= f);
            if !ends_before {
                let (file, row) = created(built, &b.id);
                return Err(AdminDataError::Overlap {
                    file,
                    row,
                    field: created_field(file),
                    code: b.code.clone(),
                    existing: format!("{} \"{}\"", a.id, a.name),
                    date: b.valid_from.unwrap_or(NaiveDate::MIN),
                });
            }
        }
    }
    Ok(())
}

/// One row of a GSO list (snapshot or history): the commune and its
/// district must be the versions in force on `on`. Returns Ok(false) for
/// the ghost (checked not to be a live unit).
fn check_listed_row(map: &AdminMap, r: &Row<'_>, on: NaiveDate) -> Result<bool> {
    let ctx = |u: &AdminUnit| {
        (
            format!(
                "đơn vị đang hiệu lực ngày {on} theo lịch sử là {} \"{}\"",
                u.id, u.name
            ),
            format!(
                "the unit in force on {on} per the lineage is {} \"{}\"",
                u.id, u.name
            ),
        )
    };
    let code = r.code("level3_code")?;
    let name = r.non_empty("level3_name")?;
    if is_ghost(code, name, on) {
        if let Some(u) = map.unit_on(code, on) {
            let (vi, en) = ctx(u);
            return Err(r.inconsistent(
                "level3_code",
                format!(
                    "bản ghi ma 20176 \"Xã Hương Hòa\" không được là đơn vị còn hiệu lực; {vi}"
                ),
                format!("the ghost record 20176 \"Xã Hương Hòa\" must not be a live unit; {en}"),
            ));
        }
        return Ok(false);
    }
    let u = map
        .unit_on(code, on)
        .filter(|u| u.level == Level::Commune)
        .ok_or_else(|| r.unknown_unit("level3_code", on))?;
    if !same_name(&u.name, name) {
        let (vi, en) = ctx(u);
        return Err(r.mismatch("level3_name", &u.name, vi, en));
    }
    if u.unit_type != r.get("level3_type") {
        let (vi, en) = ctx(u);
        return Err(r.mismatch("level3_type", &u.unit_type, vi, en));
    }
    let d_code = r.code("level2_code")?;
    if u.parent_code.as_deref() != Some(d_code) {
        let (vi, en) = ctx(u);
        return Err(r.mismatch(
            "level2_code",
            u.parent_code.as_deref().unwrap_or(""),
            vi,
            en,
        ));
    }
    let d = map
        .unit_on(d_code, on)
        .filter(|d| d.level == Level::District)
        .ok_or_else(|| r.unknown_unit("level2_code", on))?;
    if !same_name(&d.name, r.get("level2_name")) {
        let (vi, en) = ctx(d);
        return Err(r.mismatch("level2_name", &d.name, vi, en));
    }
    if d.unit_type != r.get("level2_type") {
        let (vi, en) = ctx(d);
        return Err(r.mismatch("level2_type", &d.unit_type, vi, en));
    }
    let p_name = r.non_empty("level1_name")?;
    let p = d
        .parent_code
        .as_deref()
        .and_then(|pc| map.unit_on(pc, on))
        .filter(|p| p.level == Level::Province);
    match p {
        Some(p)
            if same_name(&p.name, p_name)
                && province_type(p_name) == Some(p.unit_type.as_str()) => {}
        Some(p) => {
            let (vi, en) = ctx(p);
            return Err(r.mismatch("level1_name", &p.name, vi, en));
        }
        None => {
            return Err(r.inconsistent(
                "level1_name",
                format!("không có tỉnh nào hiệu lực ngày {on} phía trên huyện {d_code}"),
                format!("no province in force on {on} above district {d_code}"),
            ));
        }
    }
    Ok(true)
}

/// A full GSO list dated `on`: exactly the communes and districts in force
/// then (the ghost aside).
fn check_snapshot(built: &Built, file: &'static str, text: &str, on: NaiveDate) -> Result<()> {
    let map = &built.map;
    let table = Table::parse(file, text, &SNAPSHOT_COLUMNS)?;
    let mut seen: HashSet<String> = HashSet::new();
    for r in table.rows() {
        let province = r.code("level1_code")?;
        if province != built.province_code {
            return Err(r.mismatch(
                "level1_code",
                &built.province_code,
                "mã tỉnh của dữ liệu".into(),
                "the province code of the data".into(),
            ));
        }
        if !check_listed_row(map, &r, on)? {
            continue;
        }
        let code = r.get("level3_code");
        if !seen.insert(code.to_owned()) {
            return Err(r.inconsistent(
                "level3_code",
                format!("mã {code} xuất hiện hai lần"),
                format!("code {code} appears twice"),
            ));
        }
        seen.insert(r.get("level2_code").to_owned());
    }
    for u in map.units_on(on) {
        if u.level != Level::Province && !seen.contains(&u.code) {
            let (cfile, row) = created(built, &u.id);
            return Err(AdminDataError::Inconsistent {
                file: cfile,
                row,
                field: created_field(cfile),
                vi: format!(
                    "đơn vị {} \"{}\" hiệu lực ngày {on} theo lịch sử nhưng không có trong {file}",
                    u.id, u.name
                ),
                en: format!(
                    "unit {} \"{}\" is in force on {on} per the lineage but missing from {file}",
                    u.id, u.name
                ),
            });
        }
    }
    Ok(())
}

/// Each (code, name, type, district) row of the 19-snapshot history must be
/// the version in force on its first and on its last snapshot date. A list
/// dated on a change day may show the state of that day or of the day
/// before (the 01/07/2021 list still shows the wards changed on 1 Jul 2021;
/// two lists are dated 01/01/2025), so either is accepted.
fn check_history(map: &AdminMap, text: &str) -> Result<()> {
    let table = Table::parse(
        files::LEVEL3_HISTORY,
        text,
        &[
            "level3_code",
            "level3_name",
            "level3_type",
            "level2_code",
            "level2_name",
            "level2_type",
            "level1_name",
            "first_seen_snapshot",
            "last_seen_snapshot",
        ],
    )?;
    for r in table.rows() {
        let first = r.vn_date("first_seen_snapshot")?;
        let last = r.vn_date("last_seen_snapshot")?;
        if last < first {
            return Err(r.invalid(
                "last_seen_snapshot",
                "một ngày không trước first_seen_snapshot",
                "a date not before first_seen_snapshot",
            ));
        }
        for on in [first, last] {
            let day_before = on.pred_opt().unwrap_or(on);
            let here = check_listed_row(map, &r, on);
            if here.is_ok() {
                continue;
            }
            if check_listed_row(map, &r, day_before).is_ok() {
                continue;
            }
            here?;
        }
    }
    Ok(())
}

fn ward_type(t: &str) -> Option<&'static str> {
    match t {
        "ward" => Some("Phường"),
        "commune" => Some("Xã"),
        "town" => Some("Thị trấn"),
        _ => None,
    }
}

/// The commune edges of the 2025-07-01 reform, by the old unit.
fn reform_edges(map: &AdminMap) -> HashMap<&UnitId, Vec<(usize, &LineageEdge)>> {
    let mut out: HashMap<&UnitId, Vec<(usize, &LineageEdge)>> = HashMap::new();
    for (i, e) in map.edges.iter().enumerate() {
        let commune = map.get(&e.from).is_some_and(|u| u.level == Level::Commune);
        if e.effective_date == reform_date() && commune {
            out.entry(&e.from).or_default().push((i, e));
        }
    }
    out
}

/// The official 30/6 → 1/7/2025 conversion table must say exactly what the
/// lineage's 2025-07-01 commune edges say.
fn check_conversion(built: &Built, text: &str) -> Result<()> {
    let map = &built.map;
    let table = Table::parse(
        files::CONVERSION_20250701,
        text,
        &[
            "old_province_code",
            "old_district_code",
            "old_district_name",
            "old_ward_code",
            "old_ward_name",
            "old_ward_type",
            "former_names",
            "new_province_code",
            "new_ward_code",
            "new_ward_name",
            "new_ward_type",
            "mapping_type",
        ],
    )?;
    let reform = reform_date();
    let before = reform.pred_opt().unwrap_or(reform);
    let jan_2025 = ymd(2025, 1, 1);
    let edges = reform_edges(map);
    let mut matched: HashSet<usize> = HashSet::new();
    let ctx = |u: &AdminUnit, on: NaiveDate| {
        (
            format!(
                "đơn vị hiệu lực ngày {on} theo lịch sử là {} \"{}\"",
                u.id, u.name
            ),
            format!(
                "the unit in force on {on} per the lineage is {} \"{}\"",
                u.id, u.name
            ),
        )
    };
    for r in table.rows() {
        for f in ["old_province_code", "new_province_code"] {
            if r.code(f)? != built.province_code {
                return Err(r.mismatch(
                    f,
                    &built.province_code,
                    "mã tỉnh của dữ liệu".into(),
                    "the province code of the data".into(),
                ));
            }
        }
        let old_code = r.code("old_ward_code")?;
        let old = map
            .unit_on(old_code, before)
            .filter(|u| u.level == Level::Commune)
            .ok_or_else(|| r.unknown_unit("old_ward_code", before))?;
        if !same_full_name(&old.name, r.get("old_ward_name")) {
            let (vi, en) = ctx(old, before);
            return Err(r.mismatch("old_ward_name", &old.name, vi, en));
        }
        if ward_type(r.get("old_ward_type")) != Some(old.unit_type.as_str()) {
            let (vi, en) = ctx(old, before);
            return Err(r.mismatch("old_ward_type", &old.unit_type, vi, en));
        }
        if old.parent_code.as_deref() != Some(r.get("old_district_code")) {
            let (vi, en) = ctx(old, before);
            return Err(r.mismatch(
                "old_district_code",
                old.parent_code.as_deref().unwrap_or(""),
                vi,
                en,
            ));
        }
        if let Some(d) = old
            .parent_code
            .as_deref()
            .and_then(|pc| map.unit_on(pc, before))
            && !same_name(&d.name, r.get("old_district_name"))
        {
            let (vi, en) = ctx(d, before);
            return Err(r.mismatch("old_district_name", &d.name, vi, en));
        }
        let new_code = r.code("new_ward_code")?;
        let new = map
            .unit_on(new_code, reform)
            .filter(|u| u.level == Level::Commune)
            .ok_or_else(|| r.unknown_unit("new_ward_code", reform))?;
        if !same_full_name(&new.name, r.get("new_ward_name")) {
            let (vi, en) = ctx(new, reform);
            return Err(r.mismatch("new_ward_name", &new.name, vi, en));
        }
        if ward_type(r.get("new_ward_type")) != Some(new.unit_type.as_str()) {
            let (vi, en) = ctx(new, reform);
            return Err(r.mismatch("new_ward_type", &new.unit_type, vi, en));
        }
        let out = edges.get(&old.id).map(Vec::as_slice).unwrap_or(&[]);
        let Some(&(ei, edge)) = out.iter().find(|(_, e)| e.to == new.id) else {
            let lineage_says: Vec<&str> = out.iter().map(|(_, e)| e.to.as_str()).collect();
            return Err(r.inconsistent(
                "new_ward_code",
                format!(
                    "bảng chuyển đổi ghi {} → {}, còn lịch sử ngày {reform} ghi {} → [{}]",
                    old.id,
                    new.id,
                    old.id,
                    lineage_says.join(", ")
                ),
                format!(
                    "the conversion table says {} → {}, the lineage of {reform} says {} → [{}]",
                    old.id,
                    new.id,
                    old.id,
                    lineage_says.join(", ")
                ),
            ));
        };
        if out.len() != 1 {
            return Err(r.inconsistent(
                "old_ward_code",
                format!(
                    "lịch sử chia {} cho {} đơn vị, bảng chuyển đổi chỉ ghi một",
                    old.id,
                    out.len()
                ),
                format!(
                    "the lineage splits {} among {} units, the table lists one",
                    old.id,
                    out.len()
                ),
            ));
        }
        let kind_ok = match r.get("mapping_type") {
            "merged" => edge.kind == ChangeKind::Merge,
            "unchanged" => edge.kind == ChangeKind::Same,
            _ => false,
        };
        if !kind_ok {
            return Err(r.mismatch(
                "mapping_type",
                if edge.kind == ChangeKind::Same {
                    "unchanged"
                } else {
                    "merged"
                },
                format!("loại cạnh trong lịch sử là \"{}\"", edge.kind),
                format!("the lineage edge kind is \"{}\"", edge.kind),
            ));
        }
        if !matched.insert(ei) {
            return Err(r.inconsistent(
                "old_ward_code",
                format!("mã {old_code} xuất hiện hai lần"),
                format!("code {old_code} appears twice"),
            ));
        }
        // former_names: "Name(code); Name(code)" — the units merged into the
        // old unit on 1 Jan 2025 (its own code included)
        for part in r
            .get("former_names")
            .split(';')
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let parsed = part
                .strip_suffix(')')
                .and_then(|p| p.rsplit_once('('))
                .filter(|(_, c)| !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()));
            let Some((fname, fcode)) = parsed else {
                return Err(r.invalid(
                    "former_names",
                    "danh sách \"Tên(mã); Tên(mã)\"",
                    "a list \"Name(code); Name(code)\"",
                ));
            };
            let prior = map.unit_on(fcode, jan_2025.pred_opt().unwrap_or(jan_2025));
            let ok = prior.is_some_and(|p| {
                let folded_p = super::fold::fold_name(&p.name);
                let folded_f = super::fold::fold_name(fname.trim());
                folded_p.ends_with(&folded_f)
                    && map
                        .edges_from(&p.id)
                        .iter()
                        .any(|e| e.effective_date == jan_2025 && e.to == old.id)
            });
            if !ok {
                return Err(r.inconsistent(
                    "former_names",
                    format!(
                        "lịch sử không có cạnh ngày {jan_2025} từ \"{part}\" vào {}",
                        old.id
                    ),
                    format!(
                        "the lineage has no {jan_2025} edge from \"{part}\" into {}",
                        old.id
                    ),
                ));
            }
        }
    }
    for (ei, row) in built.edge_rows.iter().enumerate() {
        let e = &map.edges[ei];
        let commune = map.get(&e.from).is_some_and(|u| u.level == Level::Commune);
        if e.effective_date == reform && commune && !matched.contains(&ei) {
            return Err(AdminDataError::Inconsistent {
                file: files::LINEAGE,
                row: *row,
                field: "old_code",
                vi: format!(
                    "cạnh {} → {} không có trong {}",
                    e.from,
                    e.to,
                    files::CONVERSION_20250701
                ),
                en: format!(
                    "edge {} → {} is missing from {}",
                    e.from,
                    e.to,
                    files::CONVERSION_20250701
                ),
            });
        }
    }
    Ok(())
}

/// Every current commune must be in `listed`, and nothing else.
fn check_all_current_listed(
    built: &Built,
    listed: &HashSet<String>,
    list_file: &'static str,
) -> Result<()> {
    for u in built.map.current_units() {
        if u.level == Level::Commune && !listed.contains(&u.code) {
            let (file, row) = created(built, &u.id);
            return Err(AdminDataError::Inconsistent {
                file,
                row,
                field: created_field(file),
                vi: format!(
                    "đơn vị hiện hành {} \"{}\" không có trong {list_file}",
                    u.id, u.name
                ),
                en: format!(
                    "current unit {} \"{}\" is missing from {list_file}",
                    u.id, u.name
                ),
            });
        }
    }
    Ok(())
}

fn current_commune<'m>(
    map: &'m AdminMap,
    r: &Row<'_>,
    field: &'static str,
) -> Result<&'m AdminUnit> {
    let reform = reform_date();
    let code = r.code(field)?;
    map.unit_on(code, reform)
        .filter(|u| u.level == Level::Commune && u.is_current())
        .ok_or_else(|| r.unknown_unit(field, reform))
}

fn current_ctx(u: &AdminUnit) -> (String, String) {
    (
        format!("đơn vị hiện hành theo lịch sử là {} \"{}\"", u.id, u.name),
        format!(
            "the current unit per the lineage is {} \"{}\"",
            u.id, u.name
        ),
    )
}

/// The official list of the 40 units must be exactly the current communes.
fn check_current_wards(built: &Built, text: &str) -> Result<()> {
    let table = Table::parse(
        files::CURRENT_WARDS,
        text,
        &[
            "province_code",
            "ward_code",
            "name",
            "name_with_type",
            "type",
        ],
    )?;
    let mut listed = HashSet::new();
    for r in table.rows() {
        if r.code("province_code")? != built.province_code {
            return Err(r.mismatch(
                "province_code",
                &built.province_code,
                "mã tỉnh của dữ liệu".into(),
                "the province code of the data".into(),
            ));
        }
        let u = current_commune(&built.map, &r, "ward_code")?;
        let (vi, en) = current_ctx(u);
        if !same_name(&u.name, r.get("name_with_type")) {
            return Err(r.mismatch("name_with_type", &u.name, vi, en));
        }
        if !same_name(u.short_name(), r.get("name")) {
            return Err(r.mismatch("name", u.short_name(), vi, en));
        }
        if ward_type(r.get("type")) != Some(u.unit_type.as_str()) {
            return Err(r.mismatch("type", &u.unit_type, vi, en));
        }
        if !listed.insert(u.code.clone()) {
            return Err(r.inconsistent(
                "ward_code",
                format!("mã {} xuất hiện hai lần", u.code),
                format!("code {} appears twice", u.code),
            ));
        }
    }
    check_all_current_listed(built, &listed, files::CURRENT_WARDS)
}

/// The list of Công văn 1027/CTK-CSCL: the 40 units and how many old units
/// each gathers — which counts the ghost once, for Xã Nam Đông.
fn check_1027_list(built: &Built, text: &str) -> Result<()> {
    let map = &built.map;
    let table = Table::parse(
        files::UNITS_20250701_1027,
        text,
        &[
            "level1_code",
            "ward_code",
            "ward_name",
            "ward_type",
            "old_unit_count",
        ],
    )?;
    let mut listed = HashSet::new();
    for r in table.rows() {
        if r.code("level1_code")? != built.province_code {
            return Err(r.mismatch(
                "level1_code",
                &built.province_code,
                "mã tỉnh của dữ liệu".into(),
                "the province code of the data".into(),
            ));
        }
        let u = current_commune(map, &r, "ward_code")?;
        let (vi, en) = current_ctx(u);
        if !same_name(&u.name, r.get("ward_name")) {
            return Err(r.mismatch("ward_name", &u.name, vi, en));
        }
        if u.unit_type != r.get("ward_type") {
            return Err(r.mismatch("ward_type", &u.unit_type, vi, en));
        }
        let from_lineage = map
            .edges_to(&u.id)
            .iter()
            .filter(|e| e.effective_date == reform_date())
            .count();
        let expected = from_lineage + usize::from(u.code == GHOST_SUCCESSOR);
        let count: usize = r.get("old_unit_count").parse().map_err(|_| {
            r.invalid(
                "old_unit_count",
                "một số nguyên không âm",
                "a non-negative integer",
            )
        })?;
        if count != expected {
            return Err(r.mismatch(
                "old_unit_count",
                &expected.to_string(),
                format!(
                    "lịch sử có {from_lineage} đơn vị cũ vào {} (danh sách 1027 tính thêm bản ghi ma 20176 cho Xã Nam Đông)",
                    u.id
                ),
                format!(
                    "the lineage has {from_lineage} old units into {} (the 1027 list also counts the ghost 20176 for Xã Nam Đông)",
                    u.id
                ),
            ));
        }
        if !listed.insert(u.code.clone()) {
            return Err(r.inconsistent(
                "ward_code",
                format!("mã {} xuất hiện hai lần", u.code),
                format!("code {} appears twice", u.code),
            ));
        }
    }
    check_all_current_listed(built, &listed, files::UNITS_20250701_1027)
}

/// The machine-made old → new mapping must agree with the lineage; its one
/// extra row is the ghost.
fn check_llm_mapping(map: &AdminMap, text: &str) -> Result<()> {
    let table = Table::parse(
        files::MAPPING_LLM,
        text,
        &[
            "old_level3_code",
            "old_level3_name",
            "new_ward_code",
            "new_ward_name",
        ],
    )?;
    let reform = reform_date();
    let before = reform.pred_opt().unwrap_or(reform);
    let edges = reform_edges(map);
    for r in table.rows() {
        let old_code = r.code("old_level3_code")?;
        let new_code = r.code("new_ward_code")?;
        if is_ghost(old_code, r.get("old_level3_name"), before) {
            if map.unit_on(old_code, before).is_some() || new_code != GHOST_SUCCESSOR {
                return Err(r.inconsistent(
                    "old_level3_code",
                    "bản ghi ma 20176 phải không phải đơn vị thật và trỏ tới 20179".into(),
                    "the ghost 20176 must not be a real unit and must point to 20179".into(),
                ));
            }
            continue;
        }
        let old = map
            .unit_on(old_code, before)
            .filter(|u| u.level == Level::Commune)
            .ok_or_else(|| r.unknown_unit("old_level3_code", before))?;
        if !same_full_name(&old.name, r.get("old_level3_name")) {
            return Err(r.mismatch(
                "old_level3_name",
                &old.name,
                format!("đơn vị hiệu lực ngày {before} là {}", old.id),
                format!("the unit in force on {before} is {}", old.id),
            ));
        }
        let out = edges.get(&old.id).map(Vec::as_slice).unwrap_or(&[]);
        if !out.iter().any(|(_, e)| e.to.code() == new_code) {
            let says: Vec<&str> = out.iter().map(|(_, e)| e.to.as_str()).collect();
            return Err(r.mismatch(
                "new_ward_code",
                &says.join(", "),
                format!("lịch sử ngày {reform} cho {}", old.id),
                format!("the lineage of {reform} for {}", old.id),
            ));
        }
    }
    Ok(())
}

/// Every 2019 commune reaches a current unit; every current commune
/// reaches back to 2019 communes.
fn check_reachability(built: &Built) -> Result<()> {
    let map = &built.map;
    for u in &map.units {
        if u.level != Level::Commune {
            continue;
        }
        let (file, row) = created(built, &u.id);
        if u.valid_from.is_none()
            && !u.is_current()
            && !map
                .successors(&u.id)
                .iter()
                .any(|s| s.is_current() && s.level == Level::Commune)
        {
            return Err(AdminDataError::Inconsistent {
                file,
                row,
                field: created_field(file),
                vi: format!(
                    "đơn vị năm 2019 {} \"{}\" không dẫn tới đơn vị hiện hành nào",
                    u.id, u.name
                ),
                en: format!("2019 unit {} \"{}\" reaches no current unit", u.id, u.name),
            });
        }
        if u.is_current()
            && u.valid_from.is_some()
            && !map
                .predecessors(&u.id)
                .iter()
                .any(|p| p.valid_from.is_none() && p.level == Level::Commune)
        {
            return Err(AdminDataError::Inconsistent {
                file,
                row,
                field: created_field(file),
                vi: format!(
                    "đơn vị hiện hành {} \"{}\" không truy ngược được về đơn vị năm 2019",
                    u.id, u.name
                ),
                en: format!(
                    "current unit {} \"{}\" reaches back to no 2019 unit",
                    u.id, u.name
                ),
            });
        }
    }
    Ok(())
}
