//! Input/output types (JSON format of issue #7) and validation.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::report::Report;

/// The need categories accepted in an instance, in index order.
pub const CATEGORIES: [&str; 5] = [
    "healthcare",
    "nutrition",
    "recreation",
    "warm_clothing",
    "other",
];

/// The age bands accepted in an instance, in index order.
pub const AGE_BANDS: [&str; 3] = ["preschool", "primary", "other"];

/// One need line: `value` đồng wanted in a commune for a category and age band.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Need {
    pub id: String,
    pub commune: String,
    pub category: String,
    pub age_band: String,
    pub value: i64,
    pub priority: i64,
}

/// One pledge: `value` đồng, optionally restricted (`None` = no restriction).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pledge {
    pub id: String,
    pub value: i64,
    #[serde(default)]
    pub categories: Option<Vec<String>>,
    #[serde(default)]
    pub communes: Option<Vec<String>>,
    #[serde(default)]
    pub age_bands: Option<Vec<String>>,
}

/// A problem instance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    pub needs: Vec<Need>,
    pub pledges: Vec<Pledge>,
}

/// One positive amount moved from a pledge to a need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    pub pledge: String,
    pub need: String,
    pub value: i64,
}

/// The answer: `allocations` and `objective` exactly as in issue #7, plus an
/// optional explanation report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub allocations: Vec<Allocation>,
    pub objective: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<Report>,
}

/// Why an instance was refused. Every message names the offending item, in
/// Vietnamese then English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    #[error("Dữ liệu JSON không hợp lệ: {0} / Malformed JSON: {0}")]
    Json(String),
    #[error("Nhu cầu thứ {index}: mã (id) rỗng / Need #{index}: empty id")]
    EmptyNeedId { index: usize },
    #[error("Cam kết thứ {index}: mã (id) rỗng / Pledge #{index}: empty id")]
    EmptyPledgeId { index: usize },
    #[error("Nhu cầu {id}: mã bị trùng / Need {id}: duplicate id")]
    DuplicateNeedId { id: String },
    #[error("Cam kết {id}: mã bị trùng / Pledge {id}: duplicate id")]
    DuplicatePledgeId { id: String },
    #[error(
        "Nhu cầu {id}: giá trị phải > 0 (nhận {value}) / Need {id}: value must be > 0 (got {value})"
    )]
    NeedValue { id: String, value: i64 },
    #[error(
        "Cam kết {id}: giá trị phải > 0 (nhận {value}) / Pledge {id}: value must be > 0 (got {value})"
    )]
    PledgeValue { id: String, value: i64 },
    #[error(
        "Nhu cầu {id}: mức ưu tiên phải ≥ 1 (nhận {priority}) / Need {id}: priority must be ≥ 1 (got {priority})"
    )]
    Priority { id: String, priority: i64 },
    #[error("Nhu cầu {id}: danh mục không hợp lệ \"{category}\" (hợp lệ: {allowed}) / Need {id}: unknown category \"{category}\" (expected one of: {allowed})", allowed = CATEGORIES.join(", "))]
    NeedCategory { id: String, category: String },
    #[error("Nhu cầu {id}: nhóm tuổi không hợp lệ \"{age_band}\" (hợp lệ: {allowed}) / Need {id}: unknown age band \"{age_band}\" (expected one of: {allowed})", allowed = AGE_BANDS.join(", "))]
    NeedAgeBand { id: String, age_band: String },
    #[error("Nhu cầu {id}: mã xã rỗng / Need {id}: empty commune")]
    NeedCommune { id: String },
    #[error("Cam kết {id}: danh mục không hợp lệ \"{category}\" (hợp lệ: {allowed}) / Pledge {id}: unknown category \"{category}\" (expected one of: {allowed})", allowed = CATEGORIES.join(", "))]
    PledgeCategory { id: String, category: String },
    #[error("Cam kết {id}: nhóm tuổi không hợp lệ \"{age_band}\" (hợp lệ: {allowed}) / Pledge {id}: unknown age band \"{age_band}\" (expected one of: {allowed})", allowed = AGE_BANDS.join(", "))]
    PledgeAgeBand { id: String, age_band: String },
    #[error(
        "Cam kết {id}: danh sách giới hạn \"{field}\" rỗng, không nhu cầu nào phù hợp — dùng null nếu không giới hạn / Pledge {id}: restriction list \"{field}\" names nothing — use null for no restriction"
    )]
    EmptyRestriction { id: String, field: &'static str },
    #[error(
        "Tổng {what} vượt quá giới hạn số nguyên 64-bit / Sum of {what} overflows 64-bit integers"
    )]
    Overflow { what: &'static str },
    #[error("Không có cam kết {id} / No pledge with id {id}")]
    UnknownPledge { id: String },
}

impl Instance {
    /// Parses an instance from JSON text (no IO). Malformed JSON gives
    /// [`ValidationError::Json`] with line and column.
    pub fn from_json(text: &str) -> Result<Self, ValidationError> {
        serde_json::from_str(text).map_err(|e| ValidationError::Json(e.to_string()))
    }
}

/// Validated, index-based form of an instance.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    /// Commune index of each need (communes interned in first-seen order).
    pub need_commune: Vec<u32>,
    pub need_cat: Vec<u8>,
    pub need_age: Vec<u8>,
    pub communes: Vec<String>,
    /// Commune indices a pledge is restricted to (only communes that some
    /// need lives in; sorted, deduplicated); `None` = unrestricted.
    pub pledge_communes: Vec<Option<Vec<u32>>>,
    /// Bit masks of allowed categories / age bands (all bits = unrestricted).
    pub pledge_cats: Vec<u8>,
    pub pledge_ages: Vec<u8>,
}

fn index_of(list: &[&str], s: &str) -> Option<u8> {
    list.iter()
        .position(|x| *x == s)
        .and_then(|i| u8::try_from(i).ok())
}

/// Checks that sums cannot overflow: Σ need values, Σ pledge values and the
/// largest possible objective Σ priority·(value + value/2) all fit in `i64`.
pub(crate) fn check_sums(inst: &Instance) -> Result<(), ValidationError> {
    let mut need_sum: i128 = 0;
    let mut obj_bound: i128 = 0;
    for n in &inst.needs {
        need_sum += i128::from(n.value);
        obj_bound += i128::from(n.priority) * (i128::from(n.value) + i128::from(n.value / 2));
    }
    if need_sum > i128::from(i64::MAX) {
        return Err(ValidationError::Overflow {
            what: "giá trị nhu cầu / need values",
        });
    }
    if obj_bound > i128::from(i64::MAX) {
        return Err(ValidationError::Overflow {
            what: "mục tiêu tối đa (ưu tiên × 1,5 × giá trị) / maximum objective (priority × 1.5 × value)",
        });
    }
    let pledge_sum: i128 = inst.pledges.iter().map(|p| i128::from(p.value)).sum();
    if pledge_sum > i128::from(i64::MAX) {
        return Err(ValidationError::Overflow {
            what: "giá trị cam kết / pledge values",
        });
    }
    Ok(())
}

pub(crate) fn validate(inst: &Instance) -> Result<Prepared, ValidationError> {
    let mut seen: HashMap<&str, ()> = HashMap::with_capacity(inst.needs.len());
    let mut commune_idx: HashMap<&str, u32> = HashMap::new();
    let mut communes: Vec<String> = Vec::new();
    let mut need_commune = Vec::with_capacity(inst.needs.len());
    let mut need_cat = Vec::with_capacity(inst.needs.len());
    let mut need_age = Vec::with_capacity(inst.needs.len());
    for (index, n) in inst.needs.iter().enumerate() {
        if n.id.is_empty() {
            return Err(ValidationError::EmptyNeedId { index: index + 1 });
        }
        if seen.insert(n.id.as_str(), ()).is_some() {
            return Err(ValidationError::DuplicateNeedId { id: n.id.clone() });
        }
        if n.value <= 0 {
            return Err(ValidationError::NeedValue {
                id: n.id.clone(),
                value: n.value,
            });
        }
        if n.priority < 1 {
            return Err(ValidationError::Priority {
                id: n.id.clone(),
                priority: n.priority,
            });
        }
        let cat =
            index_of(&CATEGORIES, &n.category).ok_or_else(|| ValidationError::NeedCategory {
                id: n.id.clone(),
                category: n.category.clone(),
            })?;
        let age =
            index_of(&AGE_BANDS, &n.age_band).ok_or_else(|| ValidationError::NeedAgeBand {
                id: n.id.clone(),
                age_band: n.age_band.clone(),
            })?;
        if n.commune.is_empty() {
            return Err(ValidationError::NeedCommune { id: n.id.clone() });
        }
        let next = u32::try_from(communes.len()).map_err(|_| ValidationError::Overflow {
            what: "số xã / number of communes",
        })?;
        let ci = *commune_idx.entry(n.commune.as_str()).or_insert_with(|| {
            communes.push(n.commune.clone());
            next
        });
        need_commune.push(ci);
        need_cat.push(cat);
        need_age.push(age);
    }
    let mut seen_p: HashMap<&str, ()> = HashMap::with_capacity(inst.pledges.len());
    let mut pledge_communes = Vec::with_capacity(inst.pledges.len());
    let mut pledge_cats = Vec::with_capacity(inst.pledges.len());
    let mut pledge_ages = Vec::with_capacity(inst.pledges.len());
    for (index, p) in inst.pledges.iter().enumerate() {
        if p.id.is_empty() {
            return Err(ValidationError::EmptyPledgeId { index: index + 1 });
        }
        if seen_p.insert(p.id.as_str(), ()).is_some() {
            return Err(ValidationError::DuplicatePledgeId { id: p.id.clone() });
        }
        if p.value <= 0 {
            return Err(ValidationError::PledgeValue {
                id: p.id.clone(),
                value: p.value,
            });
        }
        let cats = match &p.categories {
            None => 0b1_1111,
            Some(list) => {
                if list.is_empty() {
                    return Err(ValidationError::EmptyRestriction {
                        id: p.id.clone(),
                        field: "categories",
                    });
                }
                let mut m = 0u8;
                for c in list {
                    let i = index_of(&CATEGORIES, c).ok_or_else(|| {
                        ValidationError::PledgeCategory {
                            id: p.id.clone(),
                            category: c.clone(),
                        }
                    })?;
                    m |= 1 << i;
                }
                m
            }
        };
        let ages = match &p.age_bands {
            None => 0b111,
            Some(list) => {
                if list.is_empty() {
                    return Err(ValidationError::EmptyRestriction {
                        id: p.id.clone(),
                        field: "age_bands",
                    });
                }
                let mut m = 0u8;
                for a in list {
                    let i =
                        index_of(&AGE_BANDS, a).ok_or_else(|| ValidationError::PledgeAgeBand {
                            id: p.id.clone(),
                            age_band: a.clone(),
                        })?;
                    m |= 1 << i;
                }
                m
            }
        };
        let comm = match &p.communes {
            None => None,
            Some(list) => {
                if list.is_empty() {
                    return Err(ValidationError::EmptyRestriction {
                        id: p.id.clone(),
                        field: "communes",
                    });
                }
                let mut v: Vec<u32> = list
                    .iter()
                    .filter_map(|c| commune_idx.get(c.as_str()).copied())
                    .collect();
                v.sort_unstable();
                v.dedup();
                Some(v)
            }
        };
        pledge_communes.push(comm);
        pledge_cats.push(cats);
        pledge_ages.push(ages);
    }
    check_sums(inst)?;
    Ok(Prepared {
        need_commune,
        need_cat,
        need_age,
        communes,
        pledge_communes,
        pledge_cats,
        pledge_ages,
    })
}
