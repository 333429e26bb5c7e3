//! Reading the CSV texts and building the model: the units of the
//! 2019-09-11 GSO list are the origin versions; the lineage rows, date by
//! date, end versions and start new ones.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use unicode_normalization::is_nfc;

use super::error::AdminDataError;
use super::files;
use super::fold::same_name;
use super::{AdminMap, AdminUnit, ChangeKind, Dissolution, Level, LineageEdge, Sources, UnitId};

type Result<T> = std::result::Result<T, AdminDataError>;

/// A parsed CSV file: its name, the column positions and the records.
pub(crate) struct Table {
    pub file: &'static str,
    cols: HashMap<&'static str, usize>,
    records: Vec<csv::StringRecord>,
}

/// One data row of a [`Table`].
#[derive(Clone, Copy)]
pub(crate) struct Row<'t> {
    pub file: &'static str,
    /// 1-based data row (header not counted).
    pub row: usize,
    table: &'t Table,
    rec: &'t csv::StringRecord,
}

impl Table {
    /// Parse `text`, requiring every column of `columns` in the header and NFC text.
    pub fn parse(file: &'static str, text: &str, columns: &[&'static str]) -> Result<Table> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(text.as_bytes());
        let headers = rdr.headers().map_err(|e| csv_error(file, &e))?.clone();
        let mut cols = HashMap::new();
        for &c in columns {
            let i = headers
                .iter()
                .position(|h| h.trim_start_matches('\u{feff}').trim() == c)
                .ok_or(AdminDataError::MissingColumn {
                    file,
                    row: 0,
                    field: c,
                })?;
            cols.insert(c, i);
        }
        let mut records = Vec::new();
        for (i, rec) in rdr.records().enumerate() {
            let rec = rec.map_err(|e| csv_error(file, &e))?;
            for &c in columns {
                let v = rec.get(cols[c]).unwrap_or("");
                if !is_nfc(v) {
                    return Err(AdminDataError::InvalidValue {
                        file,
                        row: i + 1,
                        field: c,
                        value: v.to_owned(),
                        expected_vi: "văn bản Unicode dạng NFC",
                        expected_en: "Unicode NFC text",
                    });
                }
            }
            records.push(rec);
        }
        Ok(Table {
            file,
            cols,
            records,
        })
    }

    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.records.iter().enumerate().map(|(i, rec)| Row {
            file: self.file,
            row: i + 1,
            table: self,
            rec,
        })
    }
}

fn csv_error(file: &'static str, e: &csv::Error) -> AdminDataError {
    AdminDataError::Csv {
        file,
        row: e.position().map(|p| p.record() as usize).unwrap_or(0),
        field: "(record)",
        detail: e.to_string(),
    }
}

impl<'t> Row<'t> {
    /// The trimmed value of a column declared to [`Table::parse`].
    pub fn get(&self, field: &'static str) -> &'t str {
        self.table
            .cols
            .get(field)
            .and_then(|&i| self.rec.get(i))
            .unwrap_or("")
            .trim()
    }

    pub fn invalid(
        &self,
        field: &'static str,
        vi: &'static str,
        en: &'static str,
    ) -> AdminDataError {
        AdminDataError::InvalidValue {
            file: self.file,
            row: self.row,
            field,
            value: self.get(field).to_owned(),
            expected_vi: vi,
            expected_en: en,
        }
    }

    pub fn mismatch(
        &self,
        field: &'static str,
        expected: &str,
        context_vi: String,
        context_en: String,
    ) -> AdminDataError {
        AdminDataError::Mismatch {
            file: self.file,
            row: self.row,
            field,
            found: self.get(field).into(),
            expected: expected.into(),
            context_vi: context_vi.into(),
            context_en: context_en.into(),
        }
    }

    pub fn inconsistent(&self, field: &'static str, vi: String, en: String) -> AdminDataError {
        AdminDataError::Inconsistent {
            file: self.file,
            row: self.row,
            field,
            vi,
            en,
        }
    }

    pub fn unknown_unit(&self, field: &'static str, date: NaiveDate) -> AdminDataError {
        AdminDataError::UnknownUnit {
            file: self.file,
            row: self.row,
            field,
            code: self.get(field).to_owned(),
            date,
        }
    }

    /// A non-empty all-digit code.
    pub fn code(&self, field: &'static str) -> Result<&'t str> {
        let v = self.get(field);
        if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.invalid(
                field,
                "một mã số (chỉ gồm chữ số)",
                "a numeric code (digits only)",
            ));
        }
        Ok(v)
    }

    pub fn non_empty(&self, field: &'static str) -> Result<&'t str> {
        let v = self.get(field);
        if v.is_empty() {
            return Err(self.invalid(field, "một giá trị không rỗng", "a non-empty value"));
        }
        Ok(v)
    }

    /// A unit type known to [`Level::of_type`], with its level.
    pub fn unit_type(&self, field: &'static str) -> Result<(&'t str, Level)> {
        let v = self.get(field);
        let level = Level::of_type(v).ok_or_else(|| {
            self.invalid(
                field,
                "một loại đơn vị đã biết (Tỉnh, Thành phố Trung ương, Huyện, Quận, Thị xã, Thành phố, Xã, Phường, Thị trấn)",
                "a known unit type (Tỉnh, Thành phố Trung ương, Huyện, Quận, Thị xã, Thành phố, Xã, Phường, Thị trấn)",
            )
        })?;
        Ok((v, level))
    }

    /// A date written yyyy-mm-dd.
    pub fn iso_date(&self, field: &'static str) -> Result<NaiveDate> {
        let v = self.get(field);
        NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .ok()
            .filter(|d| d.format("%Y-%m-%d").to_string() == v)
            .ok_or_else(|| {
                self.invalid(
                    field,
                    "một ngày dạng yyyy-mm-dd",
                    "a date written yyyy-mm-dd",
                )
            })
    }

    /// A date written dd/mm/yyyy.
    pub fn vn_date(&self, field: &'static str) -> Result<NaiveDate> {
        let v = self.get(field);
        NaiveDate::parse_from_str(v, "%d/%m/%Y")
            .ok()
            .filter(|d| d.format("%d/%m/%Y").to_string() == v)
            .ok_or_else(|| {
                self.invalid(
                    field,
                    "một ngày dạng dd/mm/yyyy",
                    "a date written dd/mm/yyyy",
                )
            })
    }
}

/// One side (old or new) of a lineage row.
#[derive(Debug, Clone)]
pub(crate) struct Side {
    pub code: String,
    pub name: String,
    pub unit_type: String,
    pub level: Level,
    /// District code; `None` when the column is empty.
    pub district: Option<String>,
}

/// A parsed lineage row.
#[derive(Debug, Clone)]
pub(crate) struct LineageRow {
    pub row: usize,
    pub date: NaiveDate,
    pub instrument: String,
    pub kind: ChangeKind,
    pub old: Side,
    pub new: Option<Side>,
    pub note: String,
}

pub(crate) const LINEAGE_COLUMNS: [&str; 12] = [
    "effective_date",
    "instrument",
    "kind",
    "old_code",
    "old_name",
    "old_type",
    "old_district_code",
    "new_code",
    "new_name",
    "new_type",
    "new_district_code",
    "note",
];

pub(crate) const SNAPSHOT_COLUMNS: [&str; 8] = [
    "level1_code",
    "level1_name",
    "level2_code",
    "level2_name",
    "level2_type",
    "level3_code",
    "level3_name",
    "level3_type",
];

fn side(
    r: &Row<'_>,
    code: &'static str,
    name: &'static str,
    ty: &'static str,
    district: &'static str,
) -> Result<Side> {
    let c = r.code(code)?;
    let n = r.non_empty(name)?;
    let (t, level) = r.unit_type(ty)?;
    let d = r.get(district);
    let district_code = if d.is_empty() {
        None
    } else {
        Some(r.code(district)?.to_owned())
    };
    if level != Level::Commune && district_code.is_some() {
        return Err(r.invalid(
            district,
            "ô trống (đơn vị cấp tỉnh/huyện không có mã huyện)",
            "an empty cell (a province or district row has no district code)",
        ));
    }
    Ok(Side {
        code: c.to_owned(),
        name: n.to_owned(),
        unit_type: t.to_owned(),
        level,
        district: district_code,
    })
}

pub(crate) fn parse_lineage(table: &Table) -> Result<Vec<LineageRow>> {
    let mut out = Vec::new();
    for r in table.rows() {
        let date = r.iso_date("effective_date")?;
        let kind: ChangeKind = r.get("kind").parse().map_err(|_| {
            r.invalid(
                "kind",
                "một loại thay đổi: merge, split, rename, retype, recode, transfer, same, dissolve",
                "a change kind: merge, split, rename, retype, recode, transfer, same, dissolve",
            )
        })?;
        let old = side(&r, "old_code", "old_name", "old_type", "old_district_code")?;
        if old.level == Level::Commune && old.district.is_none() {
            return Err(r.invalid(
                "old_district_code",
                "mã huyện của đơn vị cấp xã cũ",
                "the district code of the old commune",
            ));
        }
        let new = if kind == ChangeKind::Dissolve {
            for f in ["new_code", "new_name", "new_type", "new_district_code"] {
                if !r.get(f).is_empty() {
                    return Err(r.invalid(
                        f,
                        "ô trống (giải thể không có đơn vị mới)",
                        "an empty cell (a dissolve row has no new unit)",
                    ));
                }
            }
            None
        } else {
            let new = side(&r, "new_code", "new_name", "new_type", "new_district_code")?;
            if new.level != old.level {
                return Err(r.invalid(
                    "new_type",
                    "loại đơn vị cùng cấp với đơn vị cũ",
                    "a unit type of the same level as the old unit",
                ));
            }
            check_kind(&r, kind, &old, &new)?;
            Some(new)
        };
        out.push(LineageRow {
            row: r.row,
            date,
            instrument: r.get("instrument").to_owned(),
            kind,
            old,
            new,
            note: r.get("note").to_owned(),
        });
    }
    Ok(out)
}

/// What each kind promises about the two sides.
fn check_kind(r: &Row<'_>, kind: ChangeKind, old: &Side, new: &Side) -> Result<()> {
    let bad = |field: &'static str, vi: &str, en: &str| {
        Err(r.inconsistent(
            field,
            format!("dòng loại \"{kind}\" nhưng {vi}"),
            format!("row of kind \"{kind}\" but {en}"),
        ))
    };
    match kind {
        ChangeKind::Rename if old.code != new.code => {
            bad("new_code", "mã thay đổi", "the code changes")
        }
        ChangeKind::Rename if same_name(&old.name, &new.name) => {
            bad("new_name", "tên không đổi", "the name does not change")
        }
        ChangeKind::Recode if old.code == new.code => {
            bad("new_code", "mã không đổi", "the code does not change")
        }
        ChangeKind::Retype if old.unit_type == new.unit_type => {
            bad("new_type", "loại không đổi", "the type does not change")
        }
        ChangeKind::Transfer | ChangeKind::Same if old.code != new.code => {
            bad("new_code", "mã thay đổi", "the code changes")
        }
        ChangeKind::Transfer | ChangeKind::Same if !same_name(&old.name, &new.name) => {
            bad("new_name", "tên thay đổi", "the name changes")
        }
        ChangeKind::Transfer | ChangeKind::Same if old.unit_type != new.unit_type => {
            bad("new_type", "loại thay đổi", "the type changes")
        }
        _ => Ok(()),
    }
}

/// The model under construction, with where each version came from.
pub(crate) struct Built {
    pub map: AdminMap,
    /// The (file, row) that created each version, for error messages.
    pub created_by: HashMap<UnitId, (&'static str, usize)>,
    /// For each edge of `map.edges`, the lineage row it comes from.
    pub edge_rows: Vec<usize>,
    pub province_code: String,
}

/// The level-1 type from a level-1 name of the GSO lists.
pub(crate) fn province_type(name: &str) -> Option<&'static str> {
    if name.starts_with("Tỉnh ") {
        Some("Tỉnh")
    } else if name.starts_with("Thành phố ") {
        Some("Thành phố Trung ương")
    } else {
        None
    }
}

pub(crate) fn build(sources: &Sources<'_>) -> Result<Built> {
    let origin = Table::parse(files::GSO_20190911, sources.gso_20190911, &SNAPSHOT_COLUMNS)?;
    let lineage_table = Table::parse(files::LINEAGE, sources.lineage, &LINEAGE_COLUMNS)?;
    let lineage = parse_lineage(&lineage_table)?;

    let mut units: Vec<AdminUnit> = Vec::new();
    let mut created_by: HashMap<UnitId, (&'static str, usize)> = HashMap::new();
    // code → index in `units` of the version in force
    let mut current: HashMap<String, usize> = HashMap::new();

    // --- origin: the 2019-09-11 GSO list -------------------------------
    let mut province_code: Option<String> = None;
    for r in origin.rows() {
        let p_code = r.code("level1_code")?;
        let p_name = r.non_empty("level1_name")?;
        match &province_code {
            None => {
                let ty = province_type(p_name).ok_or_else(|| {
                    r.invalid(
                        "level1_name",
                        "tên bắt đầu bằng \"Tỉnh \" hoặc \"Thành phố \"",
                        "a name beginning with \"Tỉnh \" or \"Thành phố \"",
                    )
                })?;
                let u = origin_unit(p_code, p_name, ty, Level::Province, None);
                created_by.insert(u.id.clone(), (r.file, r.row));
                current.insert(p_code.to_owned(), units.len());
                units.push(u);
                province_code = Some(p_code.to_owned());
            }
            Some(pc) => {
                if pc != p_code {
                    return Err(r.mismatch(
                        "level1_code",
                        pc,
                        "danh sách chỉ được có một tỉnh".into(),
                        "the list must hold one province only".into(),
                    ));
                }
            }
        }
        let pc = p_code;
        // district
        let d_code = r.code("level2_code")?;
        let d_name = r.non_empty("level2_name")?;
        let (d_type, d_level) = r.unit_type("level2_type")?;
        if d_level != Level::District {
            return Err(r.invalid(
                "level2_type",
                "loại đơn vị cấp huyện",
                "a district-level type",
            ));
        }
        match current.get(d_code) {
            Some(&i) => {
                let u: &AdminUnit = &units[i];
                if u.level != Level::District
                    || !same_name(&u.name, d_name)
                    || u.unit_type != d_type
                {
                    return Err(r.mismatch(
                        "level2_name",
                        &u.name,
                        format!("mã {d_code} đã có ở dòng trước"),
                        format!("code {d_code} is on an earlier row"),
                    ));
                }
            }
            None => {
                let u = origin_unit(d_code, d_name, d_type, Level::District, Some(pc));
                created_by.insert(u.id.clone(), (r.file, r.row));
                current.insert(d_code.to_owned(), units.len());
                units.push(u);
            }
        }
        // commune
        let c_code = r.code("level3_code")?;
        let c_name = r.non_empty("level3_name")?;
        let (c_type, c_level) = r.unit_type("level3_type")?;
        if c_level != Level::Commune {
            return Err(r.invalid("level3_type", "loại đơn vị cấp xã", "a commune-level type"));
        }
        if current.contains_key(c_code) {
            return Err(r.inconsistent(
                "level3_code",
                format!("mã {c_code} xuất hiện hai lần"),
                format!("code {c_code} appears twice"),
            ));
        }
        let u = origin_unit(c_code, c_name, c_type, Level::Commune, Some(d_code));
        created_by.insert(u.id.clone(), (r.file, r.row));
        current.insert(c_code.to_owned(), units.len());
        units.push(u);
    }
    let province_code = province_code.ok_or(AdminDataError::Inconsistent {
        file: files::GSO_20190911,
        row: 1,
        field: "level1_code",
        vi: "danh sách trống".into(),
        en: "the list is empty".into(),
    })?;

    // --- lineage, date by date ------------------------------------------
    let mut by_date: BTreeMap<NaiveDate, Vec<&LineageRow>> = BTreeMap::new();
    for lr in &lineage {
        by_date.entry(lr.date).or_default().push(lr);
    }
    let mut edges: Vec<LineageEdge> = Vec::new();
    let mut edge_rows: Vec<usize> = Vec::new();
    let mut dissolutions: Vec<Dissolution> = Vec::new();
    let lin = |row: usize| Row {
        file: files::LINEAGE,
        row,
        table: &lineage_table,
        rec: &lineage_table.records[row - 1],
    };

    for (&date, rows) in &by_date {
        // 1. the old side of every row must be the version in force
        let mut from_ids: Vec<UnitId> = Vec::with_capacity(rows.len());
        for lr in rows {
            let r = lin(lr.row);
            let &i = current
                .get(&lr.old.code)
                .ok_or_else(|| r.unknown_unit("old_code", date))?;
            let u = &units[i];
            let ctx = |(what_vi, what_en): (&str, &str)| {
                (
                    format!(
                        "{what_vi} của đơn vị {} \"{}\" đang hiệu lực trước ngày {date}",
                        u.id, u.name
                    ),
                    format!(
                        "the {what_en} of {} \"{}\" in force before {date}",
                        u.id, u.name
                    ),
                )
            };
            if !same_name(&u.name, &lr.old.name) {
                let (vi, en) = ctx(("tên", "name"));
                return Err(r.mismatch("old_name", &u.name, vi, en));
            }
            if u.unit_type != lr.old.unit_type {
                let (vi, en) = ctx(("loại", "type"));
                return Err(r.mismatch("old_type", &u.unit_type, vi, en));
            }
            if u.level == Level::Commune && u.parent_code != lr.old.district {
                let (vi, en) = ctx(("mã huyện", "district code"));
                return Err(r.mismatch(
                    "old_district_code",
                    u.parent_code.as_deref().unwrap_or(""),
                    vi,
                    en,
                ));
            }
            from_ids.push(u.id.clone());
        }
        // a `same` row that changes nothing (name, type, parent) continues
        // the unit; any change (Dương Nỗ 2025: parent 474 → 46) makes a new version
        let unchanged: Vec<bool> = rows
            .iter()
            .map(|lr| {
                lr.kind == ChangeKind::Same
                    && lr.new.as_ref().is_some_and(|n| {
                        current.get(&lr.old.code).is_some_and(|&i| {
                            let u = &units[i];
                            u.name == n.name
                                && u.unit_type == n.unit_type
                                && u.parent_code == new_parent(n, &province_code)
                        })
                    })
            })
            .collect();
        let ended: HashMap<&str, usize> = rows
            .iter()
            .zip(&unchanged)
            .filter(|(_, same)| !**same)
            .map(|(lr, _)| (lr.old.code.as_str(), lr.row))
            .collect();

        // 2. the new side: one version per new code, rows agreeing
        let mut new_units: BTreeMap<&str, (AdminUnit, usize)> = BTreeMap::new();
        let mut to_ids: Vec<Option<UnitId>> = Vec::with_capacity(rows.len());
        for ((lr, &same), from) in rows.iter().zip(&unchanged).zip(&from_ids) {
            let Some(n) = &lr.new else {
                to_ids.push(None);
                continue;
            };
            if same {
                to_ids.push(Some(from.clone()));
                continue;
            }
            let r = lin(lr.row);
            let parent = new_parent(n, &province_code);
            if let Some((u, first_row)) = new_units.get(n.code.as_str()) {
                let ctx = (
                    format!("dòng {first_row} cùng ngày tạo đơn vị mã {} khác", n.code),
                    format!(
                        "row {first_row} of the same date makes unit {} differently",
                        n.code
                    ),
                );
                if !same_name(&u.name, &n.name) {
                    return Err(r.mismatch("new_name", &u.name, ctx.0, ctx.1));
                }
                if u.unit_type != n.unit_type {
                    return Err(r.mismatch("new_type", &u.unit_type, ctx.0, ctx.1));
                }
                if u.parent_code != parent {
                    return Err(r.mismatch(
                        "new_district_code",
                        u.parent_code.as_deref().unwrap_or(""),
                        ctx.0,
                        ctx.1,
                    ));
                }
                to_ids.push(Some(u.id.clone()));
                continue;
            }
            match current.get(&n.code) {
                Some(&i) if !ended.contains_key(n.code.as_str()) => {
                    // a surviving unit named as target (the 2021 split of Phú
                    // Thuận): it continues unchanged, so it must be unchanged
                    let u = &units[i];
                    if !same_name(&u.name, &n.name)
                        || u.unit_type != n.unit_type
                        || u.parent_code != parent
                    {
                        return Err(AdminDataError::Overlap {
                            file: files::LINEAGE,
                            row: lr.row,
                            field: "new_code",
                            code: n.code.clone(),
                            existing: format!("{} \"{}\"", u.id, u.name),
                            date,
                        });
                    }
                    to_ids.push(Some(u.id.clone()));
                }
                _ => {
                    let u = AdminUnit {
                        id: UnitId::new(&n.code, Some(date)),
                        code: n.code.clone(),
                        name: n.name.clone(),
                        unit_type: n.unit_type.clone(),
                        level: n.level,
                        parent_code: parent,
                        valid_from: Some(date),
                        valid_to: None,
                    };
                    to_ids.push(Some(u.id.clone()));
                    new_units.insert(n.code.as_str(), (u, lr.row));
                }
            }
        }

        // 3. end the old versions, start the new ones
        for (lr, _) in rows.iter().zip(&unchanged).filter(|(_, same)| !**same) {
            if let Some(i) = current.remove(&lr.old.code) {
                units[i].valid_to = Some(date);
            }
        }
        for (code, (u, row)) in new_units {
            created_by.insert(u.id.clone(), (files::LINEAGE, row));
            current.insert(code.to_owned(), units.len());
            units.push(u);
        }
        for ((lr, from), to) in rows.iter().zip(from_ids).zip(to_ids) {
            match to {
                Some(to) => {
                    edges.push(LineageEdge {
                        effective_date: date,
                        instrument: lr.instrument.clone(),
                        kind: lr.kind,
                        from,
                        to,
                        note: lr.note.clone(),
                    });
                    edge_rows.push(lr.row);
                }
                None => dissolutions.push(Dissolution {
                    effective_date: date,
                    instrument: lr.instrument.clone(),
                    unit: from,
                    note: lr.note.clone(),
                }),
            }
        }

        // 4. every unit in force has a parent in force, one level up
        for &i in current.values() {
            let u = &units[i];
            let Some(pc) = &u.parent_code else { continue };
            let parent_ok = current.get(pc).is_some_and(|&p| {
                let pl = units[p].level;
                match u.level {
                    Level::Commune => pl == Level::District || pl == Level::Province,
                    Level::District => pl == Level::Province,
                    Level::Province => false,
                }
            });
            if !parent_ok {
                let (file, row) = match ended.get(pc.as_str()) {
                    Some(&row) => (files::LINEAGE, row),
                    None => created_by
                        .get(&u.id)
                        .copied()
                        .unwrap_or((files::LINEAGE, 0)),
                };
                return Err(AdminDataError::Inconsistent {
                    file,
                    row,
                    field: if file == files::LINEAGE {
                        "old_code"
                    } else {
                        "level2_code"
                    },
                    vi: format!(
                        "từ ngày {date}, đơn vị {} \"{}\" còn hiệu lực nhưng đơn vị cấp trên mã {pc} không còn",
                        u.id, u.name
                    ),
                    en: format!(
                        "from {date}, unit {} \"{}\" is in force but its parent code {pc} is not",
                        u.id, u.name
                    ),
                });
            }
        }
    }

    Ok(Built {
        map: AdminMap::new(units, edges, dissolutions),
        created_by,
        edge_rows,
        province_code,
    })
}

/// The parent code of a new unit: its district, or the province for a
/// district and for a commune without district (from 2025-07-01).
fn new_parent(n: &Side, province_code: &str) -> Option<String> {
    match n.level {
        Level::Province => None,
        Level::District => Some(province_code.to_owned()),
        Level::Commune => Some(
            n.district
                .clone()
                .unwrap_or_else(|| province_code.to_owned()),
        ),
    }
}

fn origin_unit(
    code: &str,
    name: &str,
    unit_type: &str,
    level: Level,
    parent: Option<&str>,
) -> AdminUnit {
    AdminUnit {
        id: UnitId::new(code, None),
        code: code.to_owned(),
        name: name.to_owned(),
        unit_type: unit_type.to_owned(),
        level,
        parent_code: parent.map(str::to_owned),
        valid_from: None,
        valid_to: None,
    }
}
