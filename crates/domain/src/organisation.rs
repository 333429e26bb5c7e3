//! Organisations: departments, people's committees, funds, mass
//! organisations, schools, school sites, health stations and donor
//! organisations. Effective-dated, with a parent, an administrative unit and
//! a successor (agencies were merged in 2025).

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OrgType {
    Department,
    PeoplesCommittee,
    Fund,
    MassOrganisation,
    School,
    SchoolSite,
    HealthStation,
    DonorOrganisation,
}

impl OrgType {
    pub const ALL: [OrgType; 8] = [
        OrgType::Department,
        OrgType::PeoplesCommittee,
        OrgType::Fund,
        OrgType::MassOrganisation,
        OrgType::School,
        OrgType::SchoolSite,
        OrgType::HealthStation,
        OrgType::DonorOrganisation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgType::Department => "department",
            OrgType::PeoplesCommittee => "peoples_committee",
            OrgType::Fund => "fund",
            OrgType::MassOrganisation => "mass_organisation",
            OrgType::School => "school",
            OrgType::SchoolSite => "school_site",
            OrgType::HealthStation => "health_station",
            OrgType::DonorOrganisation => "donor_organisation",
        }
    }

    /// Sites are where support lands (schools, school sites, stations).
    pub fn is_site(self) -> bool {
        matches!(
            self,
            OrgType::School | OrgType::SchoolSite | OrgType::HealthStation
        )
    }
}

impl fmt::Display for OrgType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown organisation type name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownOrgType(pub String);

impl fmt::Display for UnknownOrgType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "loại tổ chức không hợp lệ '{0}' / unknown organisation type '{0}'",
            self.0
        )
    }
}

impl std::error::Error for UnknownOrgType {}

impl FromStr for OrgType {
    type Err = UnknownOrgType;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OrgType::ALL
            .into_iter()
            .find(|t| t.as_str() == s.trim())
            .ok_or_else(|| UnknownOrgType(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_round_trip_through_their_names() {
        for t in OrgType::ALL {
            assert_eq!(t.as_str().parse::<OrgType>(), Ok(t));
        }
        assert!("club".parse::<OrgType>().is_err());
        assert!(OrgType::SchoolSite.is_site());
        assert!(!OrgType::Fund.is_site());
    }
}
