//! Who may do what, and where. This is the one place that decides; the web
//! layer asks it before every action and the storage layer filters every
//! query with the [`Visibility`] it derives from the actor.
//!
//! ⚠️ Security-sensitive: a change here changes who sees children's data. The
//! full role × action × in/out-of-scope matrix is pinned by a test below;
//! change that table on purpose, never to make a test pass.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// A role grants verbs. Every user has exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Admin,
    Coordinator,
    SectorOfficer,
    LocalOfficer,
    SiteOfficer,
    FinanceInspector,
    Donor,
    Public,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Admin,
        Role::Coordinator,
        Role::SectorOfficer,
        Role::LocalOfficer,
        Role::SiteOfficer,
        Role::FinanceInspector,
        Role::Donor,
        Role::Public,
    ];

    /// The stable name stored in the database and used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Coordinator => "coordinator",
            Role::SectorOfficer => "sector_officer",
            Role::LocalOfficer => "local_officer",
            Role::SiteOfficer => "site_officer",
            Role::FinanceInspector => "finance_inspector",
            Role::Donor => "donor",
            Role::Public => "public",
        }
    }

    /// Roles whose data reach is bounded by their scope. The others act for
    /// the whole city (admin, coordinator, inspector) or see only public data.
    pub fn is_scoped(self) -> bool {
        matches!(
            self,
            Role::SectorOfficer | Role::LocalOfficer | Role::SiteOfficer
        )
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown role name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRole(pub String);

impl fmt::Display for UnknownRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "vai trò không hợp lệ '{0}' / unknown role '{0}' (admin, coordinator, sector_officer, local_officer, site_officer, finance_inspector, donor, public)",
            self.0
        )
    }
}

impl std::error::Error for UnknownRole {}

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// The set of administrative units (by code) whose data a user may reach.
/// Codes are kept expanded: a district's scope includes its communes, and a
/// unit's scope includes its predecessors and successors across the map's
/// history (see `admin_units`), so that a commune officer still sees the
/// records of the old communes that became theirs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scope {
    codes: BTreeSet<String>,
}

impl Scope {
    pub fn new(codes: impl IntoIterator<Item = String>) -> Self {
        Scope {
            codes: codes.into_iter().collect(),
        }
    }

    pub fn covers(&self, unit_code: &str) -> bool {
        self.codes.contains(unit_code)
    }

    pub fn codes(&self) -> &BTreeSet<String> {
        &self.codes
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
}

/// The person (or integration) acting, as the authorisation layer sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<String>,
    pub role: Role,
    pub scope: Scope,
}

impl Actor {
    /// Someone who has not logged in.
    pub fn public() -> Self {
        Actor {
            user_id: None,
            role: Role::Public,
            scope: Scope::default(),
        }
    }

    pub fn is_logged_in(&self) -> bool {
        self.user_id.is_some()
    }

    /// What rows of unit-bound data this actor may read: the filter every
    /// storage query applies.
    pub fn visibility(&self) -> Visibility {
        if self.role.is_scoped() {
            Visibility::Units(self.scope.codes.clone())
        } else if matches!(
            self.role,
            Role::Admin | Role::Coordinator | Role::FinanceInspector
        ) {
            Visibility::All
        } else {
            Visibility::PublicOnly
        }
    }
}

/// The filter applied to unit-bound rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    All,
    Units(BTreeSet<String>),
    PublicOnly,
}

impl Visibility {
    pub fn allows_unit(&self, code: &str) -> bool {
        match self {
            Visibility::All => true,
            Visibility::Units(codes) => codes.contains(code),
            Visibility::PublicOnly => false,
        }
    }
}

/// What an actor wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// Public pages and API: the map, public figures.
    ViewPublic,
    /// Change one's own password, language, own API tokens.
    ManageOwnAccount,
    /// The organisations register (departments, schools, stations …).
    ViewOrganisations,
    EditOrganisations,
    /// Commune and village classifications (xã ĐBKK, khu vực III …).
    EditClassifications,
    /// Data bound to a unit (needs, sites, deliveries …).
    ViewUnitData,
    EditUnitData,
    /// The audit log of every change.
    ViewAudit,
    /// Users, roles, scopes and their tokens.
    ManageUsers,
    /// Donors, pledges and commitments.
    ManageDonors,
    /// Assign committed money or goods to need lines.
    Allocate,
    /// Cover a line beyond its need, with a logged reason.
    OverrideOverlap,
    /// Draft, edit and submit a unit's yearly report; ask for an exception
    /// to its deadline (`reporting`).
    SubmitReport,
    /// Approve or return a submitted report, lock an approved one, decide
    /// exceptions to a deadline.
    ApproveReport,
    /// Unlock a locked report (it goes back to approved).
    UnlockReport,
    /// Plan a delivery against a line's allocations and record its handover
    /// (biên bản bàn giao), in the receiving site's commune.
    RecordDelivery,
    /// Record and sign the receiving site's acceptance checklist and follow
    /// up its non-conformities, in the receiving site's commune: the site
    /// (school, health station) itself.
    RecordAcceptance,
    /// Co-sign what the receiving site signed, for its commune: a delivery
    /// counts as accepted only once both have signed (different people).
    CosignAcceptance,
    /// Stores and their stock: open a store, record adjustments (with a
    /// reason) and stocktakes, in the store's unit.
    ManageStock,
    /// See children's identities (names, birth dates, guardians, masked
    /// personal IDs) in the registry, in the child's commune. Only the
    /// officers who work with the children: the commune and its sites.
    ViewChildren,
    /// Enter, import and correct children's source records, record and
    /// withdraw consent, in the child's commune.
    EditChildren,
    /// Accept, reject or undo the links the deduplication engine proposes
    /// between source records, in the records' commune.
    ReviewLinks,
    /// Anonymous counts of unique children (by sex, ethnicity, age band,
    /// commune) — never an identity.
    ViewChildCounts,
    /// The yearly report's figures and documents (XLSX, DOCX, PDF) of a
    /// unit: the coordinator, the admin and the finance inspector anywhere,
    /// a commune's officer for the units in scope.
    ExportReports,
    /// Pass a receipt's money on to another organisation, or record it
    /// spent (money passed on is one flow), from an organisation in scope.
    /// The coordinator and the admin anywhere, a commune's officer from the
    /// commune's own bodies; the inspector only looks (`ViewUnitData`).
    RecordFlows,
}

impl Action {
    pub const ALL: [Action; 25] = [
        Action::ViewPublic,
        Action::ManageOwnAccount,
        Action::ViewOrganisations,
        Action::EditOrganisations,
        Action::EditClassifications,
        Action::ViewUnitData,
        Action::EditUnitData,
        Action::ViewAudit,
        Action::ManageUsers,
        Action::ManageDonors,
        Action::Allocate,
        Action::OverrideOverlap,
        Action::SubmitReport,
        Action::ApproveReport,
        Action::UnlockReport,
        Action::RecordDelivery,
        Action::RecordAcceptance,
        Action::CosignAcceptance,
        Action::ManageStock,
        Action::ViewChildren,
        Action::EditChildren,
        Action::ReviewLinks,
        Action::ViewChildCounts,
        Action::ExportReports,
        Action::RecordFlows,
    ];
}

/// What the action is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// Nothing in particular (a list that is filtered by [`Visibility`]).
    Anywhere,
    /// Data of one administrative unit, by code.
    Unit(&'a str),
}

/// Why a request was refused. Shown to the user as a translated message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    NotLoggedIn,
    RoleLacksPermission,
    OutOfScope,
}

impl Denial {
    /// The message id in the i18n catalogue.
    pub fn message_key(self) -> &'static str {
        match self {
            Denial::NotLoggedIn => "denied-not-logged-in",
            Denial::RoleLacksPermission => "denied-role",
            Denial::OutOfScope => "denied-scope",
        }
    }
}

/// The verbs each role holds, regardless of where.
fn role_grants(role: Role, action: Action) -> bool {
    use Action as A;
    use Role as R;
    match action {
        A::ViewPublic => true,
        A::ManageOwnAccount => role != R::Public,
        A::ViewOrganisations => !matches!(role, R::Donor | R::Public),
        A::EditOrganisations | A::EditClassifications => {
            matches!(role, R::Admin | R::Coordinator)
        }
        A::ViewUnitData => !matches!(role, R::Donor | R::Public),
        A::EditUnitData => matches!(
            role,
            R::Admin | R::Coordinator | R::SectorOfficer | R::LocalOfficer | R::SiteOfficer
        ),
        A::ViewAudit => matches!(role, R::Admin | R::FinanceInspector),
        A::ManageUsers => role == R::Admin,
        A::ManageDonors => matches!(
            role,
            R::Admin | R::Coordinator | R::SectorOfficer | R::LocalOfficer
        ),
        A::Allocate | A::OverrideOverlap => matches!(role, R::Admin | R::Coordinator),
        // Districts, communes, departments and organisations report (R24);
        // schools and health stations do not.
        A::SubmitReport => matches!(
            role,
            R::Admin | R::Coordinator | R::SectorOfficer | R::LocalOfficer
        ),
        A::ApproveReport | A::UnlockReport => matches!(role, R::Admin | R::Coordinator),
        // The giver's side: the coordinator, or the commune handing over.
        A::RecordDelivery => matches!(role, R::Admin | R::Coordinator | R::LocalOfficer),
        // The receiving side signs twice: the site, then its commune —
        // never the coordinator who handed over.
        A::RecordAcceptance => matches!(role, R::Admin | R::SiteOfficer),
        A::CosignAcceptance => matches!(role, R::Admin | R::LocalOfficer),
        // Whoever keeps goods: the coordinator (the city's funds) and the
        // commune.
        A::ManageStock => matches!(role, R::Admin | R::Coordinator | R::LocalOfficer),
        // Children's identities: only the commune and its sites, who know
        // the children. Not the admin (accounts, not children), not the
        // coordinator, sector or inspector (they get counts), never donors.
        A::ViewChildren | A::EditChildren | A::ReviewLinks => {
            matches!(role, R::LocalOfficer | R::SiteOfficer)
        }
        A::ViewChildCounts => !matches!(role, R::Donor | R::Public),
        A::ExportReports => matches!(
            role,
            R::Admin | R::Coordinator | R::FinanceInspector | R::LocalOfficer
        ),
        A::RecordFlows => matches!(role, R::Admin | R::Coordinator | R::LocalOfficer),
    }
}

/// The roles that hold `action` (somewhere in their scope), in [`Role::ALL`]
/// order — e.g. to tell a user who can unlock a report.
pub fn roles_granted(action: Action) -> Vec<Role> {
    Role::ALL
        .into_iter()
        .filter(|&r| role_grants(r, action))
        .collect()
}

/// The single decision function. Every handler calls it (through the web
/// layer's guard) before acting.
pub fn authorize(actor: &Actor, action: Action, target: Target<'_>) -> Result<(), Denial> {
    if action != Action::ViewPublic && !actor.is_logged_in() {
        return Err(Denial::NotLoggedIn);
    }
    if !role_grants(actor.role, action) {
        return Err(Denial::RoleLacksPermission);
    }
    if action == Action::ManageOwnAccount {
        return Ok(());
    }
    match target {
        Target::Anywhere => Ok(()),
        Target::Unit(code) => {
            if action == Action::ViewPublic || actor.visibility().allows_unit(code) {
                Ok(())
            } else {
                Err(Denial::OutOfScope)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role) -> Actor {
        Actor {
            user_id: (role != Role::Public).then(|| format!("u-{role}")),
            role,
            scope: Scope::new(["20056".to_owned(), "481".to_owned()]),
        }
    }

    /// The pinned matrix. Columns: admin, coordinator, sector, local, site,
    /// inspector, donor, public. `Y` allowed, `R` refused by role, `S`
    /// refused for being out of scope, `L` refused for not being logged in.
    /// Each action has two rows: a unit inside the user's scope (20056) and a
    /// unit outside it (19744).
    const MATRIX: &str = "
        ViewPublic          in  Y Y Y Y Y Y Y Y
        ViewPublic          out Y Y Y Y Y Y Y Y
        ManageOwnAccount    in  Y Y Y Y Y Y Y L
        ManageOwnAccount    out Y Y Y Y Y Y Y L
        ViewOrganisations   in  Y Y Y Y Y Y R L
        ViewOrganisations   out Y Y S S S Y R L
        EditOrganisations   in  Y Y R R R R R L
        EditOrganisations   out Y Y R R R R R L
        EditClassifications in  Y Y R R R R R L
        EditClassifications out Y Y R R R R R L
        ViewUnitData        in  Y Y Y Y Y Y R L
        ViewUnitData        out Y Y S S S Y R L
        EditUnitData        in  Y Y Y Y Y R R L
        EditUnitData        out Y Y S S S R R L
        ViewAudit           in  Y R R R R Y R L
        ViewAudit           out Y R R R R Y R L
        ManageUsers         in  Y R R R R R R L
        ManageUsers         out Y R R R R R R L
        ManageDonors        in  Y Y Y Y R R R L
        ManageDonors        out Y Y S S R R R L
        Allocate            in  Y Y R R R R R L
        Allocate            out Y Y R R R R R L
        OverrideOverlap     in  Y Y R R R R R L
        OverrideOverlap     out Y Y R R R R R L
        SubmitReport        in  Y Y Y Y R R R L
        SubmitReport        out Y Y S S R R R L
        ApproveReport       in  Y Y R R R R R L
        ApproveReport       out Y Y R R R R R L
        UnlockReport        in  Y Y R R R R R L
        UnlockReport        out Y Y R R R R R L
        RecordDelivery      in  Y Y R Y R R R L
        RecordDelivery      out Y Y R S R R R L
        RecordAcceptance    in  Y R R R Y R R L
        RecordAcceptance    out Y R R R S R R L
        CosignAcceptance    in  Y R R Y R R R L
        CosignAcceptance    out Y R R S R R R L
        ManageStock         in  Y Y R Y R R R L
        ManageStock         out Y Y R S R R R L
        ViewChildren        in  R R R Y Y R R L
        ViewChildren        out R R R S S R R L
        EditChildren        in  R R R Y Y R R L
        EditChildren        out R R R S S R R L
        ReviewLinks         in  R R R Y Y R R L
        ReviewLinks         out R R R S S R R L
        ViewChildCounts     in  Y Y Y Y Y Y R L
        ViewChildCounts     out Y Y S S S Y R L
        ExportReports       in  Y Y R Y R Y R L
        ExportReports       out Y Y R S R Y R L
        RecordFlows         in  Y Y R Y R R R L
        RecordFlows         out Y Y R S R R R L
    ";

    fn action_named(name: &str) -> Action {
        Action::ALL
            .into_iter()
            .find(|a| format!("{a:?}") == name)
            .unwrap_or_else(|| panic!("unknown action {name}"))
    }

    #[test]
    fn the_role_action_scope_matrix_is_exactly_as_pinned() {
        let mut rows = 0;
        for line in MATRIX.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let cells: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(cells.len(), 10, "bad matrix line: {line}");
            let action = action_named(cells[0]);
            let unit = if cells[1] == "in" { "20056" } else { "19744" };
            for (role, expected) in Role::ALL.into_iter().zip(&cells[2..]) {
                let got = authorize(&actor(role), action, Target::Unit(unit));
                let got = match got {
                    Ok(()) => "Y",
                    Err(Denial::RoleLacksPermission) => "R",
                    Err(Denial::OutOfScope) => "S",
                    Err(Denial::NotLoggedIn) => "L",
                };
                assert_eq!(got, *expected, "{action:?} on {} unit as {role}", cells[1]);
            }
            rows += 1;
        }
        assert_eq!(rows, Action::ALL.len() * 2, "every action must be pinned");
    }

    #[test]
    fn lists_are_filtered_by_scope_for_scoped_roles_only() {
        assert_eq!(actor(Role::Coordinator).visibility(), Visibility::All);
        assert_eq!(actor(Role::Donor).visibility(), Visibility::PublicOnly);
        let local = actor(Role::LocalOfficer).visibility();
        assert!(local.allows_unit("20056"));
        assert!(!local.allows_unit("19744"));
    }

    #[test]
    fn a_logged_in_user_with_an_empty_scope_sees_no_unit_data() {
        let mut a = actor(Role::SiteOfficer);
        a.scope = Scope::default();
        assert_eq!(
            authorize(&a, Action::ViewUnitData, Target::Unit("20056")),
            Err(Denial::OutOfScope)
        );
    }

    #[test]
    fn roles_granted_lists_the_roles_of_the_matrix() {
        assert_eq!(
            roles_granted(Action::UnlockReport),
            vec![Role::Admin, Role::Coordinator]
        );
        assert_eq!(
            roles_granted(Action::SubmitReport),
            vec![
                Role::Admin,
                Role::Coordinator,
                Role::SectorOfficer,
                Role::LocalOfficer
            ]
        );
        assert_eq!(roles_granted(Action::ViewPublic), Role::ALL.to_vec());
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("root".parse::<Role>().is_err());
    }
}
