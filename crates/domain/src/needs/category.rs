//! The four kinds of support the plan names (R1–R3), plus "other", and the
//! age bands packages are fitted to (R6).

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    Healthcare,
    Nutrition,
    Recreation,
    WarmClothing,
    Other,
}

impl Category {
    pub const ALL: [Category; 5] = [
        Category::Healthcare,
        Category::Nutrition,
        Category::Recreation,
        Category::WarmClothing,
        Category::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Healthcare => "healthcare",
            Category::Nutrition => "nutrition",
            Category::Recreation => "recreation",
            Category::WarmClothing => "warm_clothing",
            Category::Other => "other",
        }
    }

    /// The sector that verifies needs of this category (R17, R18): health
    /// verifies medical and nutrition needs, education the others.
    pub fn verifying_sector(self) -> Sector {
        match self {
            Category::Healthcare | Category::Nutrition => Sector::Health,
            Category::Recreation | Category::WarmClothing | Category::Other => Sector::Education,
        }
    }
}

/// A sector department that verifies needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sector {
    Health,
    Education,
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown category or age band name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName {
    pub what: &'static str,
    pub value: String,
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} không hợp lệ '{}' / unknown {} '{}'",
            self.what, self.value, self.what, self.value
        )
    }
}

impl std::error::Error for UnknownName {}

impl FromStr for Category {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Category::ALL
            .into_iter()
            .find(|c| c.as_str() == s.trim())
            .ok_or_else(|| UnknownName {
                what: "category",
                value: s.to_owned(),
            })
    }
}

/// An age band's code. The plan names two bands — mầm non (`preschool`,
/// 3–5) and tiểu học (`primary`, 6–10) — and leaves the others
/// configurable: `other`, and whatever bands the coordinator adds (e.g.
/// `thcs` 11–14). The bands themselves (names, ages, built-in or not) are
/// data in storage (`age_bands`); this is only the validated code, small
/// and `Copy` so packages and restrictions can carry it freely.
///
/// A code is 2–16 characters: lower-case ASCII letters, digits and `_`,
/// beginning with a letter.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct AgeBand {
    len: u8,
    bytes: [u8; AgeBand::MAX_LEN],
}

impl AgeBand {
    /// The longest code.
    pub const MAX_LEN: usize = 16;
    /// Mầm non, 3–5.
    pub const PRESCHOOL: AgeBand = AgeBand::built_in("preschool");
    /// Tiểu học, 6–10.
    pub const PRIMARY: AgeBand = AgeBand::built_in("primary");
    /// Everything no other band covers.
    pub const OTHER: AgeBand = AgeBand::built_in("other");
    /// The bands every installation has (seeded by the migration, never
    /// deleted).
    pub const BUILT_IN: [AgeBand; 3] = [AgeBand::PRESCHOOL, AgeBand::PRIMARY, AgeBand::OTHER];

    const fn built_in(code: &str) -> AgeBand {
        let b = code.as_bytes();
        let mut bytes = [0u8; AgeBand::MAX_LEN];
        let mut i = 0;
        while i < b.len() {
            bytes[i] = b[i];
            i += 1;
        }
        AgeBand {
            len: b.len() as u8,
            bytes,
        }
    }

    /// Checks a code's form (not whether such a band exists: that is
    /// storage's `age_bands`).
    pub fn parse_code(code: &str) -> Result<AgeBand, UnknownName> {
        let code = code.trim();
        let b = code.as_bytes();
        let ok = (2..=AgeBand::MAX_LEN).contains(&b.len())
            && b[0].is_ascii_lowercase()
            && b.iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_');
        if !ok {
            return Err(UnknownName {
                what: "age band",
                value: code.to_owned(),
            });
        }
        let mut bytes = [0u8; AgeBand::MAX_LEN];
        bytes[..b.len()].copy_from_slice(b);
        Ok(AgeBand {
            len: b.len() as u8,
            bytes,
        })
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII is ever stored (see `parse_code`).
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("")
    }

    /// Whether this is one of the bands every installation has.
    pub fn is_built_in(self) -> bool {
        AgeBand::BUILT_IN.contains(&self)
    }

    /// The band of a child of `age` full years among the plan's bands.
    pub fn of_age(age: u32) -> AgeBand {
        match age {
            3..=5 => AgeBand::PRESCHOOL,
            6..=10 => AgeBand::PRIMARY,
            _ => AgeBand::OTHER,
        }
    }
}

impl fmt::Debug for AgeBand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AgeBand({:?})", self.as_str())
    }
}

impl fmt::Display for AgeBand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialOrd for AgeBand {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for AgeBand {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

/// A code of the right form; whether the band exists is storage's to say.
impl FromStr for AgeBand {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AgeBand::parse_code(s)
    }
}

/// A band as the coordinator enters it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BandSpec {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub min_age: i64,
    pub max_age: i64,
}

/// Why a band is refused (each a message in both languages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BandError {
    /// Not 2–16 lower-case letters, digits or `_` beginning with a letter.
    Code,
    /// A band with this code exists.
    Exists,
    /// A Vietnamese and an English name are both needed.
    Name,
    /// Ages outside 0–25, or the lowest above the highest.
    Ages,
    /// The ages overlap another band's (its code, its ages).
    Overlap { code: String, min: i64, max: i64 },
}

impl BandError {
    pub fn message_key(&self) -> &'static str {
        match self {
            BandError::Code => "band-error-code",
            BandError::Exists => "band-error-exists",
            BandError::Name => "band-error-name",
            BandError::Ages => "band-error-ages",
            BandError::Overlap { .. } => "band-error-overlap",
        }
    }
}

/// Checks a new band against the existing ones (`(code, min, max)`; the
/// catch-all `other` has no ages and overlaps nothing). Returns the cleaned
/// band.
pub fn check_band(
    spec: &BandSpec,
    existing: &[(String, Option<(i64, i64)>)],
) -> Result<BandSpec, BandError> {
    let code = AgeBand::parse_code(&spec.code).map_err(|_| BandError::Code)?;
    let name_vi = crate::text::clean(&spec.name_vi);
    let name_en = crate::text::clean(&spec.name_en);
    if name_vi.is_empty() || name_en.is_empty() {
        return Err(BandError::Name);
    }
    if existing.iter().any(|(c, _)| c == code.as_str()) {
        return Err(BandError::Exists);
    }
    if !(0..=25).contains(&spec.min_age)
        || !(0..=25).contains(&spec.max_age)
        || spec.min_age > spec.max_age
    {
        return Err(BandError::Ages);
    }
    if let Some((c, (min, max))) = existing.iter().find_map(|(c, ages)| {
        ages.filter(|(min, max)| spec.min_age <= *max && *min <= spec.max_age)
            .map(|a| (c, a))
    }) {
        return Err(BandError::Overlap {
            code: c.clone(),
            min,
            max,
        });
    }
    Ok(BandSpec {
        code: code.as_str().to_owned(),
        name_vi,
        name_en,
        min_age: spec.min_age,
        max_age: spec.max_age,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for c in Category::ALL {
            assert_eq!(c.as_str().parse::<Category>(), Ok(c));
        }
        for a in AgeBand::BUILT_IN {
            assert_eq!(a.as_str().parse::<AgeBand>(), Ok(a));
        }
        assert_eq!(
            "thcs".parse::<AgeBand>().map(|a| a.to_string()),
            Ok("thcs".into())
        );
        for bad in [
            "",
            "a",
            "THCS",
            "1abc",
            "thcs-2",
            "mầm_non",
            "abcdefghijklmnopq",
        ] {
            assert!(bad.parse::<AgeBand>().is_err(), "{bad}");
        }
        assert!("toys".parse::<Category>().is_err());
    }

    #[test]
    fn an_added_band_is_not_built_in_and_must_not_overlap() {
        let thcs: AgeBand = "thcs".parse().expect("a valid code");
        assert!(!thcs.is_built_in());
        let existing = vec![
            ("preschool".to_owned(), Some((3, 5))),
            ("primary".to_owned(), Some((6, 10))),
            ("other".to_owned(), None),
        ];
        let spec = |code: &str, min: i64, max: i64| BandSpec {
            code: code.into(),
            name_vi: " THCS ".into(),
            name_en: "Lower secondary".into(),
            min_age: min,
            max_age: max,
        };
        let ok = check_band(&spec("thcs", 11, 14), &existing).expect("fits");
        assert_eq!(ok.name_vi, "THCS");
        assert_eq!(
            check_band(&spec("THCS", 11, 14), &existing),
            Err(BandError::Code)
        );
        assert_eq!(
            check_band(&spec("primary", 11, 14), &existing),
            Err(BandError::Exists)
        );
        assert_eq!(
            check_band(&spec("thcs", 14, 11), &existing),
            Err(BandError::Ages)
        );
        assert_eq!(
            check_band(&spec("thcs", 10, 14), &existing),
            Err(BandError::Overlap {
                code: "primary".into(),
                min: 6,
                max: 10
            })
        );
        let mut no_name = spec("thcs", 11, 14);
        no_name.name_en = " ".into();
        assert_eq!(check_band(&no_name, &existing), Err(BandError::Name));
    }

    #[test]
    fn ages_fall_into_the_plans_bands() {
        assert_eq!(AgeBand::of_age(2), AgeBand::OTHER);
        assert_eq!(AgeBand::of_age(3), AgeBand::PRESCHOOL);
        assert_eq!(AgeBand::of_age(5), AgeBand::PRESCHOOL);
        assert_eq!(AgeBand::of_age(6), AgeBand::PRIMARY);
        assert_eq!(AgeBand::of_age(10), AgeBand::PRIMARY);
        assert_eq!(AgeBand::of_age(11), AgeBand::OTHER);
    }

    #[test]
    fn health_verifies_nutrition_and_education_verifies_clothing() {
        assert_eq!(Category::Nutrition.verifying_sector(), Sector::Health);
        assert_eq!(Category::Healthcare.verifying_sector(), Sector::Health);
        assert_eq!(Category::WarmClothing.verifying_sector(), Sector::Education);
    }
}

/// The age band a site serves, read from its name: a preschool (mầm non,
/// mẫu giáo, "MN") or a primary school (tiểu học, "TH"). `None` for a
/// health station, a multi-level school, or a name that says neither —
/// such sites take any package.
pub fn site_band(org_type: &str, name: &str) -> Option<AgeBand> {
    if !matches!(org_type, "school" | "school_site") {
        return None;
    }
    let key = crate::text::search_key(name);
    let words: Vec<&str> = key
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let text = format!(" {} ", words.join(" "));
    let preschool =
        text.contains(" mam non ") || text.contains(" mau giao ") || words.contains(&"mn");
    let primary = text.contains(" tieu hoc ") || words.contains(&"th");
    match (preschool, primary) {
        (true, false) => Some(AgeBand::PRESCHOOL),
        (false, true) => Some(AgeBand::PRIMARY),
        _ => None,
    }
}

/// Whether a package for `band` fits a site serving `site`: a preschool
/// site takes only preschool (and catch-all `other`) packages — neither a
/// primary one nor one of a band the coordinator added; a primary school
/// cannot take a preschool package (it may take an added band's: a school
/// read as primary may also teach older pupils, e.g. "TH&THCS"). Packages
/// of `other` and sites of no known band fit everywhere.
pub fn band_fits(site: Option<AgeBand>, band: AgeBand) -> bool {
    match site {
        Some(AgeBand::PRESCHOOL) => band == AgeBand::PRESCHOOL || band == AgeBand::OTHER,
        Some(AgeBand::PRIMARY) => band != AgeBand::PRESCHOOL,
        _ => true,
    }
}

#[cfg(test)]
mod site_band_tests {
    use super::*;

    #[test]
    fn a_site_name_tells_its_band_and_mismatched_packages_do_not_fit() {
        assert_eq!(
            site_band("school", "Trường Mầm non Hồng Kim"),
            Some(AgeBand::PRESCHOOL)
        );
        assert_eq!(
            site_band("school_site", "Điểm trường MN A Đớt"),
            Some(AgeBand::PRESCHOOL)
        );
        assert_eq!(
            site_band("school", "Trường Tiểu học Hồng Kim"),
            Some(AgeBand::PRIMARY)
        );
        assert_eq!(
            site_band("school", "Trường TH&THCS Hương Nguyên"),
            Some(AgeBand::PRIMARY)
        );
        assert_eq!(
            site_band("school", "Trường Mầm non và Tiểu học Liên cấp"),
            None
        );
        assert_eq!(site_band("health_station", "Trạm Y tế xã Hồng Kim"), None);
        assert!(!band_fits(Some(AgeBand::PRESCHOOL), AgeBand::PRIMARY));
        assert!(!band_fits(Some(AgeBand::PRIMARY), AgeBand::PRESCHOOL));
        assert!(band_fits(Some(AgeBand::PRIMARY), AgeBand::PRIMARY));
        assert!(band_fits(Some(AgeBand::PRIMARY), AgeBand::OTHER));
        assert!(band_fits(None, AgeBand::PRESCHOOL));
        let thcs: AgeBand = "thcs".parse().expect("a valid code");
        assert!(!band_fits(Some(AgeBand::PRESCHOOL), thcs));
        assert!(band_fits(Some(AgeBand::PRESCHOOL), AgeBand::OTHER));
        assert!(band_fits(Some(AgeBand::PRIMARY), thcs));
        assert!(band_fits(None, thcs));
    }
}
