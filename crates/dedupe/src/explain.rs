//! Human-readable explanations of comparison levels, in Vietnamese and English.

use crate::compare::{ComparisonVector, FIELDS, Field, NULL_LEVEL, NameNotes, name_level};

/// Vietnamese label of a field level.
pub fn level_label_vi(field: Field, level: u8) -> &'static str {
    match (field, level) {
        (Field::Name, name_level::EXACT) => "tên trùng khớp",
        (Field::Name, name_level::FOLDED) => "tên trùng khi bỏ dấu",
        (Field::Name, name_level::PHONETIC) => "tên trùng theo cách đọc",
        (Field::Name, name_level::MIDDLE_DROPPED) => "tên trùng khi bỏ tên đệm",
        (Field::Name, name_level::TYPO) => "tên khác một lỗi gõ",
        (Field::Name, name_level::SAME_GIVEN) => "chỉ trùng tên gọi",
        (Field::Name, _) => "tên khác nhau",
        (Field::BirthDate, 7) => "ngày sinh trùng",
        (Field::BirthDate, 6) => "ngày sinh trùng khi đảo ngày/tháng",
        (Field::BirthDate, 5) => "ngày sinh lệch 1–2 ngày",
        (Field::BirthDate, 4) => "năm sinh lệch 1, cùng ngày/tháng",
        (Field::BirthDate, 3) => "cùng tháng và năm sinh (ngày sinh không đầy đủ)",
        (Field::BirthDate, 2) => "cùng năm sinh (chỉ có năm)",
        (Field::BirthDate, 1) => "năm sinh lệch 1 (ngày sinh không đầy đủ)",
        (Field::BirthDate, _) => "ngày sinh khác nhau",
        (Field::Sex, 1) => "cùng giới tính",
        (Field::Sex, _) => "khác giới tính",
        (Field::Commune, 1) => "cùng xã",
        (Field::Commune, _) => "khác xã",
        (Field::Village, 1) => "cùng thôn",
        (Field::Village, _) => "khác thôn",
        (Field::Guardian, 2) => "cùng người giám hộ",
        (Field::Guardian, 1) => "tên người giám hộ gần giống",
        (Field::Guardian, _) => "khác người giám hộ",
        (Field::PersonalId, 3) => "trùng mã định danh",
        (Field::PersonalId, 2) => "mã định danh khác 1 chữ số",
        (Field::PersonalId, 1) => "mã định danh đảo 2 chữ số liền nhau",
        (Field::PersonalId, _) => "mã định danh khác nhau",
        (Field::Source, 1) => "cùng nguồn",
        (Field::Source, _) => "khác nguồn",
    }
}

/// English label of a field level.
pub fn level_label_en(field: Field, level: u8) -> &'static str {
    match (field, level) {
        (Field::Name, name_level::EXACT) => "name identical",
        (Field::Name, name_level::FOLDED) => "name equal without diacritics",
        (Field::Name, name_level::PHONETIC) => "name equal by sound",
        (Field::Name, name_level::MIDDLE_DROPPED) => "name equal with a middle name dropped",
        (Field::Name, name_level::TYPO) => "name differs by a typo",
        (Field::Name, name_level::SAME_GIVEN) => "only the given name matches",
        (Field::Name, _) => "names differ",
        (Field::BirthDate, 7) => "same birth date",
        (Field::BirthDate, 6) => "birth date equal up to a day/month swap",
        (Field::BirthDate, 5) => "birth dates 1–2 days apart",
        (Field::BirthDate, 4) => "birth year off by one, same day/month",
        (Field::BirthDate, 3) => "same birth month and year (partial date)",
        (Field::BirthDate, 2) => "same birth year (year only)",
        (Field::BirthDate, 1) => "birth year off by one (partial date)",
        (Field::BirthDate, _) => "birth dates differ",
        (Field::Sex, 1) => "same sex",
        (Field::Sex, _) => "different sex",
        (Field::Commune, 1) => "same commune",
        (Field::Commune, _) => "different commune",
        (Field::Village, 1) => "same village",
        (Field::Village, _) => "different village",
        (Field::Guardian, 2) => "same guardian",
        (Field::Guardian, 1) => "similar guardian name",
        (Field::Guardian, _) => "different guardian",
        (Field::PersonalId, 3) => "same personal ID",
        (Field::PersonalId, 2) => "personal ID differs in one digit",
        (Field::PersonalId, 1) => "personal ID with two adjacent digits swapped",
        (Field::PersonalId, _) => "different personal IDs",
        (Field::Source, 1) => "same source",
        (Field::Source, _) => "different sources",
    }
}

fn name_notes(notes: NameNotes, vi: bool) -> Option<&'static str> {
    match (notes.reordered, notes.spacing, vi) {
        (true, _, true) => Some("đảo thứ tự họ tên"),
        (true, _, false) => Some("name order swapped"),
        (false, true, true) => Some("khác cách viết liền/tách"),
        (false, true, false) => Some("written joined vs apart"),
        _ => None,
    }
}

/// Why a pair is kept apart regardless of its score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Veto {
    /// Same guardian and same full birth date but clearly different names: twins.
    Twins,
    /// Both have valid personal IDs that differ in three or more digits.
    DifferentPersonalIds,
}

impl Veto {
    /// Vietnamese explanation.
    pub fn vi(self) -> &'static str {
        match self {
            Veto::Twins => "nghi sinh đôi: cùng người giám hộ và ngày sinh nhưng tên khác",
            Veto::DifferentPersonalIds => "hai mã định danh hợp lệ khác nhau",
        }
    }

    /// English explanation.
    pub fn en(self) -> &'static str {
        match self {
            Veto::Twins => "likely twins: same guardian and birth date but different names",
            Veto::DifferentPersonalIds => "two different valid personal IDs",
        }
    }
}

/// Builds the explanation of a comparison vector: the fields ordered by the absolute size of
/// their weight (most decisive first), missing fields left out.
pub fn explain(v: &ComparisonVector, weights: &[f64], veto: Option<Veto>, vi: bool) -> String {
    let mut parts: Vec<(f64, String)> = Vec::new();
    for (f, field) in FIELDS.iter().enumerate() {
        let l = v.levels[f];
        if l == NULL_LEVEL {
            continue;
        }
        let mut label = if vi {
            level_label_vi(*field, l).to_string()
        } else {
            level_label_en(*field, l).to_string()
        };
        if *field == Field::Name
            && let Some(n) = name_notes(v.notes, vi)
        {
            label.push_str(" (");
            label.push_str(n);
            label.push(')');
        }
        parts.push((weights.get(f).copied().unwrap_or(0.0).abs(), label));
    }
    parts.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut s: Vec<String> = Vec::new();
    if let Some(v) = veto {
        s.push(if vi { v.vi() } else { v.en() }.to_string());
    }
    s.extend(parts.into_iter().map(|p| p.1));
    s.join("; ")
}
