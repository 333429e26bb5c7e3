//! The reporting regime (issue 6; R7, R15, R16, R22, R24, R25): who must
//! report what by when, the life of a report, why it is locked and who can
//! unlock it, completeness and timeliness DHIS2-style, obligations that
//! follow the administrative map, typed figures against the system's, and
//! two people editing one draft.
//!
//! Pure: no IO, no clock. Every function that depends on "today" takes the
//! date as an argument. **All dates are calendar dates in Vietnam (UTC+7)**;
//! the web layer converts a UTC timestamp to the local date before calling.
//! Deadlines are inclusive: a report submitted on the due date is on time,
//! one submitted on the cut-off date is accepted, the day after is locked.
//!
//! - [`obligation`]: template × reporting unit × year, with its due date
//!   (default 30 November) and data cut-off date (default the due date);
//!   [`expected_obligations`].
//! - [`status`]: draft → submitted → approved | returned → locked;
//!   [`transition`] and [`lock_explanation`].
//! - [`exception`]: a unit asks for a later deadline, an approver decides.
//! - [`completeness`]: expected, submitted, on time, late, missing per unit,
//!   rolled up by level under the units of the time.
//! - [`migration`]: open obligations move along the lineage when their unit
//!   stops existing before the due date.
//! - [`figures`]: typed figures validated and compared with the system's.
//! - [`draft`]: optimistic concurrency on a draft's fields.
//! - [`regroup`]: units of the time re-aggregated onto today's units
//!   (comparable areas along the lineage).
//! - [`error`]: [`ReportingError`], with a message key for i18n.

pub mod completeness;
pub mod draft;
pub mod error;
pub mod exception;
pub mod figures;
pub mod migration;
pub mod obligation;
pub mod regroup;
pub mod status;

use chrono::NaiveDate;

use crate::authz::Role;

pub use completeness::{
    Completeness, Counts, RollUpLevel, Standing, UnitCompleteness, completeness, rate_bp, standing,
};
pub use draft::{ChangedField, Changes, Conflict, Draft, SavePolicy, Saved};
pub use error::ReportingError;
pub use exception::{DeadlineException, ExceptionDecision, ExceptionVerdict};
pub use figures::{
    Difference, FlaggedDifference, Tolerance, check_figure, check_figure_f64, compare,
    compare_figures, parse_figure,
};
pub use migration::{
    Migration, MoveReason, MoveRecord, MoveStep, ObligationMove, filed_keys, migrate,
};
pub use obligation::{
    Obligation, ObligationKey, ReportingPeriod, ReportingUnit, ReportingUnitInfo, Template,
    TemplateId, UnitKind, admin_reporting_units, expected_obligations,
};
pub use status::{
    LockCause, LockReason, LockStamp, Remedy, Report, ReportAction, Stamp, Status,
    TransitionContext, lock_explanation, transition,
};

/// A text in both languages of the system, Vietnamese first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub vi: String,
    pub en: String,
}

/// A date as written on screen in Vietnam: dd/mm/yyyy.
pub fn dmy(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

/// The role's name as the catalogue writes it (`role-*` in
/// `crates/i18n/locales`; a test keeps the two equal).
pub fn role_label(role: Role) -> Text {
    let (vi, en) = match role {
        Role::Admin => ("Quản trị hệ thống", "System administrator"),
        Role::Coordinator => (
            "Điều phối (Sở, Quỹ Bảo trợ trẻ em)",
            "Coordinator (department, child protection fund)",
        ),
        Role::SectorOfficer => ("Cán bộ sở, ngành", "Sector department officer"),
        Role::LocalOfficer => ("Cán bộ xã, phường", "Commune or ward officer"),
        Role::SiteOfficer => (
            "Cán bộ trường học, trạm y tế",
            "School or health station officer",
        ),
        Role::FinanceInspector => ("Thanh tra tài chính", "Finance inspector"),
        Role::Donor => ("Nhà tài trợ", "Donor"),
        Role::Public => ("Người dân", "Citizen"),
    };
    Text {
        vi: vi.to_owned(),
        en: en.to_owned(),
    }
}

/// Role names joined for a sentence, in both languages.
pub fn role_list(roles: &[Role]) -> Text {
    let labels: Vec<Text> = roles.iter().map(|&r| role_label(r)).collect();
    Text {
        vi: labels
            .iter()
            .map(|t| t.vi.as_str())
            .collect::<Vec<_>>()
            .join("; "),
        en: labels
            .iter()
            .map(|t| t.en.as_str())
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// Role ids (`admin, coordinator`) for message arguments; the page
/// translates each with the `role-*` keys.
pub fn role_ids(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Shared by the tests of the reporting module.

    use chrono::NaiveDate;

    use crate::authz::{Actor, Role, Scope};

    pub const VI_FTL: &str = include_str!("../../../i18n/locales/vi.ftl");
    pub const EN_FTL: &str = include_str!("../../../i18n/locales/en.ftl");

    pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    /// A logged-in user with a role, whose scope is the given codes.
    pub fn person(id: &str, role: Role, scope: &[&str]) -> Actor {
        Actor {
            user_id: Some(id.to_owned()),
            role,
            scope: Scope::new(scope.iter().map(|s| (*s).to_owned())),
        }
    }

    /// The value of `key` in an `.ftl` source, if defined.
    pub fn ftl_value<'a>(source: &'a str, key: &str) -> Option<&'a str> {
        source
            .lines()
            .map(str::trim)
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once('='))
            .find(|(k, _)| k.trim() == key)
            .map(|(_, v)| v.trim())
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{EN_FTL, VI_FTL, ftl_value};
    use super::*;

    #[test]
    fn role_labels_are_the_catalogue_texts() {
        for role in Role::ALL {
            let key = format!("role-{}", role.as_str());
            let label = role_label(role);
            assert_eq!(ftl_value(VI_FTL, &key), Some(label.vi.as_str()), "{key} vi");
            assert_eq!(ftl_value(EN_FTL, &key), Some(label.en.as_str()), "{key} en");
        }
    }

    #[test]
    fn dates_are_written_day_month_year() {
        assert_eq!(dmy(test_support::d(2025, 11, 30)), "30/11/2025");
        assert_eq!(
            role_ids(&[Role::Admin, Role::Coordinator]),
            "admin, coordinator"
        );
    }
}
