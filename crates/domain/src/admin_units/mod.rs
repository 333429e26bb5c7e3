//! Administrative units of Huế (province code 46) with their history,
//! 11 Sep 2019 → today.
//!
//! A unit is a **code and a validity period**: codes are reused (20035 was
//! Xã Bình Điền, then Xã Bình Tiến, then a new Xã Bình Điền), so a code
//! alone never identifies a unit. [`UnitId`] names one version:
//! `"{code}@{valid_from}"`, or `"{code}@origin"` for a unit already in force
//! when the records begin (the GSO list of 2019-09-11).
//!
//! The data is embedded from `reference-data/admin-units/` and parsed from
//! text ([`load_embedded`]); [`load`] takes the same files as strings so
//! tests can feed broken variants. The loader builds the model from the 2019
//! GSO list and the lineage file, then cross-checks it against every other
//! file and refuses inconsistent data with an [`AdminDataError`] naming
//! file, row and field.
//!
//! Model rules:
//! - every lineage row ends the old version (`valid_to` = effective date,
//!   exclusive) and points to the new one, which starts on that date —
//!   renames, retypes, recodes, transfers and the 2025-07-01 reform included;
//! - a `same` row continues the unit only when nothing (name, type, parent)
//!   changes; otherwise it too starts a new version (Dương Nỗ on
//!   2025-07-01: parent 474 → 46);
//! - a split that names a surviving unit as target (2021-07-01: Phú Thuận
//!   divided between Tây Lộc and Thuận Hòa, which "keep code/name/type" and
//!   are not ended by any row) points to that unit's current version, which
//!   continues unchanged;
//! - `dissolve` rows (the districts on 2025-07-01) end a unit without a
//!   successor; they are kept in [`AdminMap::dissolutions`], not in
//!   [`AdminMap::edges`] (every edge has a target);
//! - a commune row without district (the 40 units of 2025-07-01) has the
//!   province as parent; districts have the province as parent; the
//!   province has none.

mod build;
mod error;
mod fold;
mod validate;

#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use chrono::NaiveDate;

pub use error::AdminDataError;
pub use fold::{fold_name, same_name};

/// File names of the reference data, as used in error messages.
pub mod files {
    pub const LINEAGE: &str = "hue_lineage_2019_2025.csv";
    pub const GSO_20190911: &str = "hue_units_gso_20190911.csv";
    pub const GSO_20200101: &str = "hue_units_gso_20200101.csv";
    pub const GSO_20211101: &str = "hue_units_gso_20211101.csv";
    pub const GSO_20250301: &str = "hue_units_gso_20250301.csv";
    pub const LEVEL3_HISTORY: &str = "hue_level3_history_2019_2025-03.csv";
    pub const CONVERSION_20250701: &str = "hue_official_conversion_2025-07-01.csv";
    pub const CURRENT_WARDS: &str = "hue_current_wards_2025-07-01_official.csv";
    pub const UNITS_20250701_1027: &str = "hue_units_20250701.csv";
    pub const MAPPING_LLM: &str = "hue_mapping_old_to_new_20250701_dvhcvn-llm.csv";
}

/// The text of every reference file. [`Sources::embedded`] gives the shipped ones.
#[derive(Debug, Clone, Copy)]
pub struct Sources<'a> {
    pub lineage: &'a str,
    pub gso_20190911: &'a str,
    pub gso_20200101: &'a str,
    pub gso_20211101: &'a str,
    pub gso_20250301: &'a str,
    pub level3_history: &'a str,
    pub conversion_20250701: &'a str,
    pub current_wards: &'a str,
    pub units_20250701_1027: &'a str,
    pub mapping_llm: &'a str,
}

impl Sources<'static> {
    /// The files shipped in `reference-data/admin-units/`, embedded at build time.
    pub fn embedded() -> Self {
        Sources {
            lineage: include_str!(
                "../../../../reference-data/admin-units/hue_lineage_2019_2025.csv"
            ),
            gso_20190911: include_str!(
                "../../../../reference-data/admin-units/hue_units_gso_20190911.csv"
            ),
            gso_20200101: include_str!(
                "../../../../reference-data/admin-units/hue_units_gso_20200101.csv"
            ),
            gso_20211101: include_str!(
                "../../../../reference-data/admin-units/hue_units_gso_20211101.csv"
            ),
            gso_20250301: include_str!(
                "../../../../reference-data/admin-units/hue_units_gso_20250301.csv"
            ),
            level3_history: include_str!(
                "../../../../reference-data/admin-units/hue_level3_history_2019_2025-03.csv"
            ),
            conversion_20250701: include_str!(
                "../../../../reference-data/admin-units/hue_official_conversion_2025-07-01.csv"
            ),
            current_wards: include_str!(
                "../../../../reference-data/admin-units/hue_current_wards_2025-07-01_official.csv"
            ),
            units_20250701_1027: include_str!(
                "../../../../reference-data/admin-units/hue_units_20250701.csv"
            ),
            mapping_llm: include_str!(
                "../../../../reference-data/admin-units/hue_mapping_old_to_new_20250701_dvhcvn-llm.csv"
            ),
        }
    }
}

/// Load and validate the shipped reference files.
pub fn load_embedded() -> Result<AdminMap, AdminDataError> {
    load(&Sources::embedded())
}

/// The shipped map, loaded and validated once per process (the error, if
/// any, is kept and returned again on every call).
pub fn embedded_map() -> Result<&'static AdminMap, AdminDataError> {
    static MAP: OnceLock<Result<AdminMap, AdminDataError>> = OnceLock::new();
    MAP.get_or_init(load_embedded)
        .as_ref()
        .map_err(Clone::clone)
}

/// Load and validate the given file texts.
pub fn load(sources: &Sources<'_>) -> Result<AdminMap, AdminDataError> {
    let built = build::build(sources)?;
    validate::validate(&built, sources)?;
    Ok(built.map)
}

/// Level of a unit: tỉnh/thành phố trung ương, huyện/quận/thị xã/thành phố, xã/phường/thị trấn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    Province,
    District,
    Commune,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::District => "district",
            Level::Commune => "commune",
        }
    }

    /// The level of a Vietnamese unit type as written in the data.
    pub fn of_type(unit_type: &str) -> Option<Level> {
        match unit_type {
            "Tỉnh" | "Thành phố Trung ương" => Some(Level::Province),
            "Huyện" | "Quận" | "Thị xã" | "Thành phố" => Some(Level::District),
            "Xã" | "Phường" | "Thị trấn" => Some(Level::Commune),
            _ => None,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "province" => Ok(Level::Province),
            "district" => Ok(Level::District),
            "commune" => Ok(Level::Commune),
            _ => Err(UnknownName(s.to_owned())),
        }
    }
}

/// A name that is not one of the known values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("giá trị không xác định / unknown value: \"{0}\"")]
pub struct UnknownName(pub String);

/// The kind of a lineage edge, as in the `kind` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    Merge,
    Split,
    Rename,
    Retype,
    Recode,
    Transfer,
    Same,
    Dissolve,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 8] = [
        ChangeKind::Merge,
        ChangeKind::Split,
        ChangeKind::Rename,
        ChangeKind::Retype,
        ChangeKind::Recode,
        ChangeKind::Transfer,
        ChangeKind::Same,
        ChangeKind::Dissolve,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Merge => "merge",
            ChangeKind::Split => "split",
            ChangeKind::Rename => "rename",
            ChangeKind::Retype => "retype",
            ChangeKind::Recode => "recode",
            ChangeKind::Transfer => "transfer",
            ChangeKind::Same => "same",
            ChangeKind::Dissolve => "dissolve",
        }
    }
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ChangeKind {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ChangeKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownName(s.to_owned()))
    }
}

/// Stable text id of one unit version: `"{code}@{yyyy-mm-dd}"` (its
/// `valid_from`) or `"{code}@origin"` when in force before the records begin.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnitId(String);

impl UnitId {
    pub fn new(code: &str, valid_from: Option<NaiveDate>) -> Self {
        match valid_from {
            Some(d) => UnitId(format!("{code}@{}", d.format("%Y-%m-%d"))),
            None => UnitId(format!("{code}@origin")),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code part (before `@`).
    pub fn code(&self) -> &str {
        self.0.split('@').next().unwrap_or("")
    }
}

impl fmt::Display for UnitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A text that is not a [`UnitId`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "mã phiên bản đơn vị không hợp lệ \"{0}\" (cần MÃ@yyyy-mm-dd hoặc MÃ@origin) / \
     invalid unit id \"{0}\" (expected CODE@yyyy-mm-dd or CODE@origin)"
)]
pub struct ParseUnitIdError(pub String);

impl FromStr for UnitId {
    type Err = ParseUnitIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseUnitIdError(s.to_owned());
        let (code, when) = s.split_once('@').ok_or_else(err)?;
        if code.is_empty() || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        if when == "origin" {
            return Ok(UnitId::new(code, None));
        }
        let d = NaiveDate::parse_from_str(when, "%Y-%m-%d").map_err(|_| err())?;
        let id = UnitId::new(code, Some(d));
        if id.0 != s {
            return Err(err()); // not canonical, e.g. 2025-7-1
        }
        Ok(id)
    }
}

/// One version of an administrative unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminUnit {
    pub id: UnitId,
    pub code: String,
    /// NFC, full name with type as spelled in the official list of the time,
    /// e.g. "Xã Bình Điền" (and "Phường Phường Đúc" as GSO writes it).
    pub name: String,
    /// "Xã", "Phường", "Thị trấn", "Huyện", "Quận", "Thị xã", "Thành phố",
    /// "Tỉnh", "Thành phố Trung ương".
    pub unit_type: String,
    pub level: Level,
    /// The parent's code at that time; `None` for the province.
    pub parent_code: Option<String>,
    /// `None` = in force before the records begin (first snapshot 2019-09-11).
    pub valid_from: Option<NaiveDate>,
    /// Exclusive end; `None` = still in force.
    pub valid_to: Option<NaiveDate>,
}

impl AdminUnit {
    /// Whether this version was in force on `on` (`valid_from <= on < valid_to`).
    pub fn in_force_on(&self, on: NaiveDate) -> bool {
        self.valid_from.is_none_or(|f| f <= on) && self.valid_to.is_none_or(|t| on < t)
    }

    /// Whether this version is still in force (no end date).
    pub fn is_current(&self) -> bool {
        self.valid_to.is_none()
    }

    /// The name without its type word: "Xã Bình Điền" → "Bình Điền",
    /// "Phường Phường Đúc" → "Phường Đúc", "Thành phố Huế" (level 1) → "Huế".
    pub fn short_name(&self) -> &str {
        let prefix = if self.unit_type == "Thành phố Trung ương" {
            "Thành phố"
        } else {
            self.unit_type.as_str()
        };
        self.name
            .strip_prefix(prefix)
            .and_then(|r| r.strip_prefix(' '))
            .unwrap_or(&self.name)
    }
}

/// An edge old unit → new unit at a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineageEdge {
    pub effective_date: NaiveDate,
    /// Resolution or decision; for GSO-only corrections the text says so.
    pub instrument: String,
    pub kind: ChangeKind,
    pub from: UnitId,
    pub to: UnitId,
    pub note: String,
}

/// A unit ended without successor (`dissolve` rows: the districts on 2025-07-01).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dissolution {
    pub effective_date: NaiveDate,
    pub instrument: String,
    pub unit: UnitId,
    pub note: String,
}

/// Every unit version and every lineage edge. Treat as read-only: the
/// look-up indexes are built once by the loader.
#[derive(Debug, Clone)]
pub struct AdminMap {
    /// Sorted by level (province, district, commune), then code, then `valid_from`.
    pub units: Vec<AdminUnit>,
    /// In lineage-file order (effective date ascending).
    pub edges: Vec<LineageEdge>,
    pub dissolutions: Vec<Dissolution>,
    by_id: HashMap<UnitId, usize>,
    by_code: HashMap<String, Vec<usize>>,
    edges_from: HashMap<UnitId, Vec<usize>>,
    edges_to: HashMap<UnitId, Vec<usize>>,
}

impl AdminMap {
    fn new(
        mut units: Vec<AdminUnit>,
        edges: Vec<LineageEdge>,
        dissolutions: Vec<Dissolution>,
    ) -> Self {
        units.sort_by(|a, b| {
            (a.level, &a.code, a.valid_from).cmp(&(b.level, &b.code, b.valid_from))
        });
        let mut by_id = HashMap::new();
        let mut by_code: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, u) in units.iter().enumerate() {
            by_id.insert(u.id.clone(), i);
            by_code.entry(u.code.clone()).or_default().push(i);
        }
        let mut edges_from: HashMap<UnitId, Vec<usize>> = HashMap::new();
        let mut edges_to: HashMap<UnitId, Vec<usize>> = HashMap::new();
        for (i, e) in edges.iter().enumerate() {
            edges_from.entry(e.from.clone()).or_default().push(i);
            edges_to.entry(e.to.clone()).or_default().push(i);
        }
        AdminMap {
            units,
            edges,
            dissolutions,
            by_id,
            by_code,
            edges_from,
            edges_to,
        }
    }

    /// The unit that bore `code` on `on`, if any.
    pub fn unit_on(&self, code: &str, on: NaiveDate) -> Option<&AdminUnit> {
        self.by_code
            .get(code)?
            .iter()
            .map(|&i| &self.units[i])
            .find(|u| u.in_force_on(on))
    }

    pub fn get(&self, id: &UnitId) -> Option<&AdminUnit> {
        self.by_id.get(id).map(|&i| &self.units[i])
    }

    /// Every version that ever bore `code`, oldest first.
    pub fn versions_of(&self, code: &str) -> Vec<&AdminUnit> {
        self.by_code
            .get(code)
            .map(|v| v.iter().map(|&i| &self.units[i]).collect())
            .unwrap_or_default()
    }

    /// Edges whose `from` is this unit (its direct successors), lineage order.
    pub fn edges_from(&self, id: &UnitId) -> Vec<&LineageEdge> {
        self.edges_from
            .get(id)
            .map(|v| v.iter().map(|&i| &self.edges[i]).collect())
            .unwrap_or_default()
    }

    /// Edges whose `to` is this unit (its direct predecessors), lineage order.
    pub fn edges_to(&self, id: &UnitId) -> Vec<&LineageEdge> {
        self.edges_to
            .get(id)
            .map(|v| v.iter().map(|&i| &self.edges[i]).collect())
            .unwrap_or_default()
    }

    /// The dissolution that ended this unit, if it ended without successor.
    pub fn dissolution_of(&self, id: &UnitId) -> Option<&Dissolution> {
        self.dissolutions.iter().find(|d| &d.unit == id)
    }

    /// Transitive predecessors across every change back to 2019: nearest
    /// first (breadth-first; ties in lineage-file order), no duplicates,
    /// without the unit itself. Empty for an unknown id.
    pub fn predecessors(&self, id: &UnitId) -> Vec<&AdminUnit> {
        self.walk(id, |e| &e.from, &self.edges_to)
    }

    /// Transitive successors forward to today's units; same order rules as
    /// [`AdminMap::predecessors`].
    pub fn successors(&self, id: &UnitId) -> Vec<&AdminUnit> {
        self.walk(id, |e| &e.to, &self.edges_from)
    }

    fn walk<'s>(
        &'s self,
        start: &UnitId,
        next: impl Fn(&'s LineageEdge) -> &'s UnitId,
        index: &'s HashMap<UnitId, Vec<usize>>,
    ) -> Vec<&'s AdminUnit> {
        let mut seen: HashSet<&UnitId> = HashSet::new();
        seen.insert(start);
        let mut queue: VecDeque<&UnitId> = VecDeque::from([start]);
        let mut out = Vec::new();
        while let Some(id) = queue.pop_front() {
            for &ei in index.get(id).map(Vec::as_slice).unwrap_or(&[]) {
                let n = next(&self.edges[ei]);
                if seen.insert(n) {
                    if let Some(u) = self.get(n) {
                        out.push(u);
                    }
                    queue.push_back(n);
                }
            }
        }
        out
    }

    /// Units whose parent bore `parent_code` on `on` and that were in force then.
    pub fn children_on(&self, parent_code: &str, on: NaiveDate) -> Vec<&AdminUnit> {
        self.units
            .iter()
            .filter(|u| u.parent_code.as_deref() == Some(parent_code) && u.in_force_on(on))
            .collect()
    }

    /// Every unit (all levels) in force on `on`, by level then code.
    pub fn units_on(&self, on: NaiveDate) -> Vec<&AdminUnit> {
        self.units.iter().filter(|u| u.in_force_on(on)).collect()
    }

    /// The units of one level in force on `on`, by code.
    pub fn units_of_level_on(&self, level: Level, on: NaiveDate) -> Vec<&AdminUnit> {
        self.units
            .iter()
            .filter(|u| u.level == level && u.in_force_on(on))
            .collect()
    }

    /// Units still in force (no end date), by level then code.
    pub fn current_units(&self) -> Vec<&AdminUnit> {
        self.units.iter().filter(|u| u.is_current()).collect()
    }

    /// Units in force on `on` whose name matches `name` once folded
    /// (tone-mark style and case ignored); `name` may be with or without type word.
    pub fn find_by_name_on(&self, name: &str, on: NaiveDate) -> Vec<&AdminUnit> {
        let key = fold_name(name);
        self.units
            .iter()
            .filter(|u| {
                u.in_force_on(on) && (fold_name(&u.name) == key || fold_name(u.short_name()) == key)
            })
            .collect()
    }
}
