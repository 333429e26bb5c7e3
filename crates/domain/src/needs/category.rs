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
