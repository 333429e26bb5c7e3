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

/// Age bands: mầm non (3–5), tiểu học (6–10), and everything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AgeBand {
    Preschool,
    Primary,
    Other,
}

impl AgeBand {
    pub const ALL: [AgeBand; 3] = [AgeBand::Preschool, AgeBand::Primary, AgeBand::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            AgeBand::Preschool => "preschool",
            AgeBand::Primary => "primary",
            AgeBand::Other => "other",
        }
    }

    /// The band of a child of `age` full years.
    pub fn of_age(age: u32) -> AgeBand {
        match age {
            3..=5 => AgeBand::Preschool,
            6..=10 => AgeBand::Primary,
            _ => AgeBand::Other,
        }
    }
}

impl FromStr for AgeBand {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AgeBand::ALL
            .into_iter()
            .find(|c| c.as_str() == s.trim())
            .ok_or_else(|| UnknownName {
                what: "age band",
                value: s.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for c in Category::ALL {
            assert_eq!(c.as_str().parse::<Category>(), Ok(c));
        }
        for a in AgeBand::ALL {
            assert_eq!(a.as_str().parse::<AgeBand>(), Ok(a));
        }
        assert!("toys".parse::<Category>().is_err());
    }

    #[test]
    fn ages_fall_into_the_plans_bands() {
        assert_eq!(AgeBand::of_age(2), AgeBand::Other);
        assert_eq!(AgeBand::of_age(3), AgeBand::Preschool);
        assert_eq!(AgeBand::of_age(5), AgeBand::Preschool);
        assert_eq!(AgeBand::of_age(6), AgeBand::Primary);
        assert_eq!(AgeBand::of_age(10), AgeBand::Primary);
        assert_eq!(AgeBand::of_age(11), AgeBand::Other);
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
        (true, false) => Some(AgeBand::Preschool),
        (false, true) => Some(AgeBand::Primary),
        _ => None,
    }
}

/// Whether a package for `band` fits a site serving `site`: a preschool
/// site cannot take a primary package and a primary school cannot take a
/// preschool one; "other" packages and unspecified sites fit everywhere.
pub fn band_fits(site: Option<AgeBand>, band: AgeBand) -> bool {
    !matches!(
        (site, band),
        (Some(AgeBand::Preschool), AgeBand::Primary) | (Some(AgeBand::Primary), AgeBand::Preschool)
    )
}

#[cfg(test)]
mod site_band_tests {
    use super::*;

    #[test]
    fn a_site_name_tells_its_band_and_mismatched_packages_do_not_fit() {
        assert_eq!(
            site_band("school", "Trường Mầm non Hồng Kim"),
            Some(AgeBand::Preschool)
        );
        assert_eq!(
            site_band("school_site", "Điểm trường MN A Đớt"),
            Some(AgeBand::Preschool)
        );
        assert_eq!(
            site_band("school", "Trường Tiểu học Hồng Kim"),
            Some(AgeBand::Primary)
        );
        assert_eq!(
            site_band("school", "Trường TH&THCS Hương Nguyên"),
            Some(AgeBand::Primary)
        );
        assert_eq!(
            site_band("school", "Trường Mầm non và Tiểu học Liên cấp"),
            None
        );
        assert_eq!(site_band("health_station", "Trạm Y tế xã Hồng Kim"), None);
        assert!(!band_fits(Some(AgeBand::Preschool), AgeBand::Primary));
        assert!(!band_fits(Some(AgeBand::Primary), AgeBand::Preschool));
        assert!(band_fits(Some(AgeBand::Primary), AgeBand::Primary));
        assert!(band_fits(Some(AgeBand::Primary), AgeBand::Other));
        assert!(band_fits(None, AgeBand::Preschool));
    }
}
