//! The life of a report and why it is locked.
//!
//! ```text
//! Draft ──submit──► Submitted ──approve──► Approved ──lock / cut-off──► Locked
//!   ▲                   │                     │                           │
//!   └──edit── Returned ◄┴──return (reason)────┘         Approved ◄─unlock─┘
//! ```
//!
//! - A unit edits and submits its own report (`SubmitReport` in
//!   [`crate::authz`], within its scope) while the period is open: until
//!   the cut-off date, or a granted exception's date if later.
//! - An approver (`ApproveReport`) approves or returns a submitted report —
//!   never one they submitted themselves — and may return an approved one
//!   (un-approve, with a reason) or lock it. Returning needs a reason.
//! - Once the cut-off (or exception) date has passed, the clock locks
//!   approved reports ([`ReportAction::CutOffLock`]); a report unlocked by
//!   hand afterwards is not locked again by the clock.
//! - Unlocking (`UnlockReport`) takes a locked report back to approved; an
//!   approver can then return it for changes.
//! - A returned report is edited (it becomes a draft again) before it is
//!   submitted again. Submitted, approved and locked reports are not edited.
//!
//! [`lock_explanation`] says, for any report a unit cannot change, *why*
//! (waiting for review, approved by X on D, locked by Y on D, locked at the
//! cut-off, deadline passed on D) and *who* can reopen it — the complaint
//! DHIS2 users make (dhis2-core PR #9724).

use std::cmp::max;

use chrono::NaiveDate;

use super::error::ReportingError;
use super::exception::{DeadlineException, ExceptionDecision};
use super::obligation::Obligation;
use super::{Text, dmy, role_ids, role_list};
use crate::authz::{Action, Actor, Role, Target, authorize, roles_granted};

/// Where a report stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Draft,
    Submitted,
    Approved,
    Returned { reason: String },
    Locked,
}

impl Status {
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Approved => "approved",
            Status::Returned { .. } => "returned",
            Status::Locked => "locked",
        }
    }

    /// The catalogue key of the status name.
    pub fn message_key(&self) -> &'static str {
        match self {
            Status::Draft => "reporting-status-draft",
            Status::Submitted => "reporting-status-submitted",
            Status::Approved => "reporting-status-approved",
            Status::Returned { .. } => "reporting-status-returned",
            Status::Locked => "reporting-status-locked",
        }
    }

    /// Submitted, approved or locked: the unit has filed its report (what
    /// completeness counts as submitted).
    pub fn is_filed(&self) -> bool {
        matches!(self, Status::Submitted | Status::Approved | Status::Locked)
    }
}

/// A change asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportAction {
    /// Save changes to a draft; a returned report becomes a draft again.
    Edit,
    /// File the report; `nil` = "nothing to report" (still counted as filed).
    Submit {
        nil: bool,
    },
    Approve,
    /// Send back to the unit, with a reason (from submitted or approved).
    Return {
        reason: String,
    },
    /// An approver locks an approved report.
    Lock,
    /// The clock locks an approved report once the cut-off has passed.
    CutOffLock,
    /// Back from locked to approved.
    Unlock,
}

impl ReportAction {
    pub fn as_str(&self) -> &'static str {
        match self {
            ReportAction::Edit => "edit",
            ReportAction::Submit { .. } => "submit",
            ReportAction::Approve => "approve",
            ReportAction::Return { .. } => "return",
            ReportAction::Lock => "lock",
            ReportAction::CutOffLock => "cut-off lock",
            ReportAction::Unlock => "unlock",
        }
    }

    /// The permission it needs; `None` for the clock's lock.
    pub fn permission(&self) -> Option<Action> {
        match self {
            ReportAction::Edit | ReportAction::Submit { .. } => Some(Action::SubmitReport),
            ReportAction::Approve | ReportAction::Return { .. } | ReportAction::Lock => {
                Some(Action::ApproveReport)
            }
            ReportAction::Unlock => Some(Action::UnlockReport),
            ReportAction::CutOffLock => None,
        }
    }
}

/// Who did something, and on which (local) date. `by` is the user id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub by: String,
    pub on: NaiveDate,
}

/// A lock: by a person, or (`by: None`) by the clock at the cut-off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockStamp {
    pub by: Option<String>,
    pub on: NaiveDate,
}

/// What [`transition`] needs to know besides the status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionContext<'a> {
    pub today: NaiveDate,
    /// The administrative unit code the scope check uses.
    pub unit_code: &'a str,
    pub due: NaiveDate,
    pub cutoff: NaiveDate,
    /// The latest granted exception's date, if any.
    pub exception_until: Option<NaiveDate>,
    /// The user who last submitted the report.
    pub submitted_by: Option<&'a str>,
    /// Whether someone unlocked the report by hand (the clock leaves it).
    pub unlocked_by_hand: bool,
}

impl TransitionContext<'_> {
    /// The last day the unit may submit or edit.
    pub fn closes_after(&self) -> NaiveDate {
        self.exception_until
            .map_or(self.cutoff, |e| max(e, self.cutoff))
    }

    /// Whether the period is closed to the unit today.
    pub fn is_closed(&self) -> bool {
        self.today > self.closes_after()
    }
}

/// The status after `action`, or why not. Checks, in order: the actor's
/// right (role and scope), that the action exists from `current`, then the
/// rules (lock date, own report, reason).
pub fn transition(
    current: &Status,
    action: &ReportAction,
    actor: &Actor,
    ctx: &TransitionContext<'_>,
) -> Result<Status, ReportingError> {
    use ReportAction as A;
    use Status as S;

    match action.permission() {
        None => {}
        Some(Action::UnlockReport) => {
            authorize(actor, Action::UnlockReport, Target::Unit(ctx.unit_code)).map_err(|_| {
                ReportingError::UnlockDenied {
                    who_can: roles_granted(Action::UnlockReport),
                }
            })?
        }
        Some(permission) => {
            authorize(actor, permission, Target::Unit(ctx.unit_code)).map_err(|denial| {
                ReportingError::Denied {
                    action: action.as_str(),
                    denial,
                }
            })?
        }
    }

    let closed = || ctx.closes_after();
    match (action, current) {
        (A::Edit, S::Draft | S::Returned { .. }) => {
            if ctx.is_closed() {
                Err(ReportingError::EditAfterLock {
                    closed_after: closed(),
                })
            } else {
                Ok(S::Draft)
            }
        }
        (A::Edit, s) => Err(ReportingError::NotEditable { status: s.as_str() }),
        (A::Submit { .. }, S::Draft | S::Returned { .. }) if ctx.is_closed() => {
            Err(ReportingError::SubmitAfterLock {
                closed_after: closed(),
            })
        }
        (A::Submit { .. }, S::Draft) => Ok(S::Submitted),
        (A::Approve, S::Submitted) => {
            let own = ctx.submitted_by.is_some() && ctx.submitted_by == actor.user_id.as_deref();
            if own {
                Err(ReportingError::OwnReport)
            } else {
                Ok(S::Approved)
            }
        }
        (A::Return { reason }, S::Submitted | S::Approved) => {
            let reason = reason.trim();
            if reason.is_empty() {
                Err(ReportingError::ReasonRequired)
            } else {
                Ok(S::Returned {
                    reason: reason.to_owned(),
                })
            }
        }
        (A::Lock, S::Approved) => Ok(S::Locked),
        (A::CutOffLock, S::Approved) => {
            if !ctx.is_closed() {
                Err(ReportingError::CutoffNotPassed { cutoff: closed() })
            } else if ctx.unlocked_by_hand {
                Err(ReportingError::UnlockedByHand)
            } else {
                Ok(S::Locked)
            }
        }
        (A::Unlock, S::Locked) => Ok(S::Approved),
        (a, s) => Err(ReportingError::NotFrom {
            action: a.as_str(),
            status: s.as_str(),
        }),
    }
}

/// One report of one obligation, with who did what when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub obligation: Obligation,
    pub status: Status,
    /// Filed as "nothing to report".
    pub nil: bool,
    /// The latest submission.
    pub submitted: Option<Stamp>,
    pub approved: Option<Stamp>,
    pub returned: Option<Stamp>,
    pub locked: Option<LockStamp>,
    pub unlocked: Option<Stamp>,
    /// Every exception asked for, oldest first.
    pub exceptions: Vec<DeadlineException>,
}

impl Report {
    /// A new, empty draft for an obligation.
    pub fn new(obligation: Obligation) -> Self {
        Report {
            obligation,
            status: Status::Draft,
            nil: false,
            submitted: None,
            approved: None,
            returned: None,
            locked: None,
            unlocked: None,
            exceptions: Vec::new(),
        }
    }

    /// The date of the latest granted exception, if any.
    pub fn exception_until(&self) -> Option<NaiveDate> {
        self.exceptions
            .iter()
            .filter(|e| matches!(e.decision, ExceptionDecision::Granted(_)))
            .map(|e| e.until)
            .max()
    }

    /// The last day a submission counts as on time: the due date, or a
    /// granted exception's date when later.
    pub fn on_time_until(&self) -> NaiveDate {
        self.exception_until()
            .map_or(self.obligation.due, |e| max(e, self.obligation.due))
    }

    /// The last day the unit may submit or edit.
    pub fn closes_after(&self) -> NaiveDate {
        self.context(self.obligation.cutoff).closes_after()
    }

    /// The context [`transition`] needs, from the report itself.
    pub fn context(&self, today: NaiveDate) -> TransitionContext<'_> {
        TransitionContext {
            today,
            unit_code: self.obligation.key.unit.scope_code(),
            due: self.obligation.due,
            cutoff: self.obligation.cutoff,
            exception_until: self.exception_until(),
            submitted_by: self.submitted.as_ref().map(|s| s.by.as_str()),
            unlocked_by_hand: self.unlocked.is_some(),
        }
    }

    /// The report after `action` by `actor` on `today`, stamped; or why not.
    pub fn apply(
        &self,
        action: ReportAction,
        actor: &Actor,
        today: NaiveDate,
    ) -> Result<Report, ReportingError> {
        let status = transition(&self.status, &action, actor, &self.context(today))?;
        let mut next = self.clone();
        let stamp = Stamp {
            by: actor.user_id.clone().unwrap_or_default(),
            on: today,
        };
        match action {
            ReportAction::Edit => {}
            ReportAction::Submit { nil } => {
                next.nil = nil;
                next.submitted = Some(stamp);
            }
            ReportAction::Approve => next.approved = Some(stamp),
            ReportAction::Return { .. } => {
                next.returned = Some(stamp);
                next.approved = None;
            }
            ReportAction::Lock => {
                next.locked = Some(LockStamp {
                    by: Some(stamp.by),
                    on: today,
                })
            }
            ReportAction::CutOffLock => {
                next.locked = Some(LockStamp {
                    by: None,
                    on: today,
                })
            }
            ReportAction::Unlock => {
                next.locked = None;
                next.unlocked = Some(stamp);
            }
        }
        next.status = status;
        Ok(next)
    }
}

/// Why a unit cannot change its report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockCause {
    /// Submitted and waiting for an approver.
    AwaitingReview { submitted: Option<Stamp> },
    /// Approved by someone on a date.
    Approved { approved: Option<Stamp> },
    /// Locked by a person.
    LockedBy { by: String, on: NaiveDate },
    /// Locked by the clock once the cut-off had passed.
    LockedAtCutoff { on: NaiveDate, cutoff: NaiveDate },
    /// A draft or returned report whose last day to submit has passed.
    DeadlinePassed { closed_after: NaiveDate },
}

/// What can be done about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Remedy {
    /// An approver will approve it or return it with a reason.
    WaitForReview,
    /// Ask an approver to return it.
    AskApproverToReturn,
    /// Ask someone with the right to unlock it (then an approver returns it).
    AskToUnlock,
    /// The unit may ask for an exception; an approver decides.
    AskForException,
    /// An exception request is waiting for a decision.
    ExceptionPending { until: NaiveDate },
    /// The last exception request was refused; the unit may ask again.
    ExceptionRefused { reason: String },
}

/// Why a report is locked, who can reopen it, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockReason {
    pub cause: LockCause,
    /// The roles that can reopen it (return it, unlock it or grant an exception).
    pub who_can_unlock: Vec<Role>,
    pub remedy: Remedy,
}

fn stamp_parts(s: Option<&Stamp>) -> (String, String) {
    match s {
        Some(s) => (s.by.clone(), dmy(s.on)),
        None => ("?".to_owned(), "?".to_owned()),
    }
}

impl LockReason {
    /// The catalogue key of the cause.
    pub fn message_key(&self) -> &'static str {
        match self.cause {
            LockCause::AwaitingReview { .. } => "reporting-lock-submitted",
            LockCause::Approved { .. } => "reporting-lock-approved",
            LockCause::LockedBy { .. } => "reporting-lock-locked-by",
            LockCause::LockedAtCutoff { .. } => "reporting-lock-cutoff",
            LockCause::DeadlinePassed { .. } => "reporting-lock-deadline",
        }
    }

    /// Placeholders of [`LockReason::message_key`].
    pub fn message_args(&self) -> Vec<(&'static str, String)> {
        match &self.cause {
            LockCause::AwaitingReview { submitted: s } | LockCause::Approved { approved: s } => {
                let (by, date) = stamp_parts(s.as_ref());
                vec![("by", by), ("date", date)]
            }
            LockCause::LockedBy { by, on } => vec![("by", by.clone()), ("date", dmy(*on))],
            LockCause::LockedAtCutoff { cutoff, .. } => vec![("date", dmy(*cutoff))],
            LockCause::DeadlinePassed { closed_after } => vec![("date", dmy(*closed_after))],
        }
    }

    /// The catalogue key of the remedy.
    pub fn remedy_key(&self) -> &'static str {
        match self.remedy {
            Remedy::WaitForReview => "reporting-remedy-review",
            Remedy::AskApproverToReturn => "reporting-remedy-return",
            Remedy::AskToUnlock => "reporting-remedy-unlock",
            Remedy::AskForException => "reporting-remedy-exception",
            Remedy::ExceptionPending { .. } => "reporting-remedy-pending",
            Remedy::ExceptionRefused { .. } => "reporting-remedy-refused",
        }
    }

    /// Placeholders of [`LockReason::remedy_key`].
    pub fn remedy_args(&self) -> Vec<(&'static str, String)> {
        match &self.remedy {
            Remedy::ExceptionPending { until } => vec![("date", dmy(*until))],
            Remedy::ExceptionRefused { reason } => vec![("reason", reason.clone())],
            _ => Vec::new(),
        }
    }

    /// Placeholders of `reporting-lock-who` (role ids).
    pub fn who_args(&self) -> Vec<(&'static str, String)> {
        vec![("roles", role_ids(&self.who_can_unlock))]
    }

    /// The whole explanation as one text in both languages: why, who can
    /// reopen it, what to do.
    pub fn text(&self) -> Text {
        let (vi_cause, en_cause) = match &self.cause {
            LockCause::AwaitingReview { submitted } => {
                let (by, date) = stamp_parts(submitted.as_ref());
                (
                    format!(
                        "Báo cáo đã được {by} nộp ngày {date} và đang chờ duyệt nên không sửa được."
                    ),
                    format!(
                        "The report was submitted by {by} on {date} and is waiting for review, so it cannot be edited."
                    ),
                )
            }
            LockCause::Approved { approved } => {
                let (by, date) = stamp_parts(approved.as_ref());
                (
                    format!("Báo cáo đã được {by} duyệt ngày {date}."),
                    format!("The report was approved by {by} on {date}."),
                )
            }
            LockCause::LockedBy { by, on } => (
                format!("Báo cáo đã bị {by} khóa ngày {}.", dmy(*on)),
                format!("The report was locked by {by} on {}.", dmy(*on)),
            ),
            LockCause::LockedAtCutoff { cutoff, .. } => (
                format!(
                    "Báo cáo tự động khóa vì đã qua ngày chốt số liệu {}.",
                    dmy(*cutoff)
                ),
                format!(
                    "The report was locked automatically: the cut-off {} has passed.",
                    dmy(*cutoff)
                ),
            ),
            LockCause::DeadlinePassed { closed_after } => (
                format!(
                    "Đã quá hạn: ngày cuối được nộp và sửa là {}.",
                    dmy(*closed_after)
                ),
                format!(
                    "The deadline has passed: the last day to submit or edit was {}.",
                    dmy(*closed_after)
                ),
            ),
        };
        let roles = role_list(&self.who_can_unlock);
        let (vi_remedy, en_remedy) = match &self.remedy {
            Remedy::WaitForReview => (
                "Người duyệt sẽ duyệt hoặc trả lại kèm lý do.".to_owned(),
                "An approver will approve it or return it with a reason.".to_owned(),
            ),
            Remedy::AskApproverToReturn => (
                "Muốn sửa, hãy đề nghị người duyệt trả lại báo cáo.".to_owned(),
                "To change it, ask an approver to return it.".to_owned(),
            ),
            Remedy::AskToUnlock => (
                "Muốn sửa, hãy đề nghị người có quyền mở khóa; sau đó người duyệt trả lại báo cáo."
                    .to_owned(),
                "To change it, ask someone with the right to unlock it; an approver then returns it."
                    .to_owned(),
            ),
            Remedy::AskForException => (
                "Đơn vị có thể xin gia hạn, nêu lý do và ngày mới; người duyệt sẽ quyết định."
                    .to_owned(),
                "The unit can ask for an exception with a justification and a new date; an approver decides."
                    .to_owned(),
            ),
            Remedy::ExceptionPending { until } => (
                format!(
                    "Đề nghị gia hạn đến ngày {} đang chờ quyết định.",
                    dmy(*until)
                ),
                format!(
                    "An exception until {} is waiting for a decision.",
                    dmy(*until)
                ),
            ),
            Remedy::ExceptionRefused { reason } => (
                format!("Đề nghị gia hạn trước đã bị từ chối: {reason}. Đơn vị có thể đề nghị lại."),
                format!("The last exception request was refused: {reason}. The unit can ask again."),
            ),
        };
        Text {
            vi: format!("{vi_cause} Người có thể mở lại: {}. {vi_remedy}", roles.vi),
            en: format!("{en_cause} Who can reopen it: {}. {en_remedy}", roles.en),
        }
    }
}

/// Why the unit cannot change `report` on `today`, and who can reopen it;
/// `None` when the unit can still edit and submit it.
pub fn lock_explanation(report: &Report, today: NaiveDate) -> Option<LockReason> {
    let approvers = || roles_granted(Action::ApproveReport);
    let (cause, who_can_unlock, remedy) = match &report.status {
        Status::Submitted => (
            LockCause::AwaitingReview {
                submitted: report.submitted.clone(),
            },
            approvers(),
            Remedy::WaitForReview,
        ),
        Status::Approved => (
            LockCause::Approved {
                approved: report.approved.clone(),
            },
            approvers(),
            Remedy::AskApproverToReturn,
        ),
        Status::Locked => {
            let cause = match &report.locked {
                Some(LockStamp { by: Some(by), on }) => LockCause::LockedBy {
                    by: by.clone(),
                    on: *on,
                },
                Some(LockStamp { by: None, on }) => LockCause::LockedAtCutoff {
                    on: *on,
                    cutoff: report.closes_after(),
                },
                // a locked status with no stamp: the clock is the only
                // lock that leaves no name
                None => LockCause::LockedAtCutoff {
                    on: report.closes_after(),
                    cutoff: report.closes_after(),
                },
            };
            (
                cause,
                roles_granted(Action::UnlockReport),
                Remedy::AskToUnlock,
            )
        }
        Status::Draft | Status::Returned { .. } => {
            let ctx = report.context(today);
            if !ctx.is_closed() {
                return None;
            }
            let remedy = match report.exceptions.last() {
                Some(DeadlineException {
                    decision: ExceptionDecision::Pending,
                    until,
                    ..
                }) => Remedy::ExceptionPending { until: *until },
                Some(DeadlineException {
                    decision: ExceptionDecision::Refused { reason, .. },
                    ..
                }) => Remedy::ExceptionRefused {
                    reason: reason.clone(),
                },
                _ => Remedy::AskForException,
            };
            (
                LockCause::DeadlinePassed {
                    closed_after: ctx.closes_after(),
                },
                approvers(),
                remedy,
            )
        }
    };
    Some(LockReason {
        cause,
        who_can_unlock,
        remedy,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin_units::UnitId;
    use crate::authz::Denial;
    use crate::reporting::obligation::{ReportingPeriod, ReportingUnit, TemplateId};
    use crate::reporting::test_support::{EN_FTL, VI_FTL, d, ftl_value, person};

    /// Xã Trung Sơn (A Lưới), 2024; cut-off 10 Dec, due 30 Nov.
    fn report() -> Report {
        let period = ReportingPeriod::yearly(2024)
            .and_then(|p| p.with_cutoff(d(2024, 12, 10)))
            .expect("period");
        Report::new(Obligation::new(
            TemplateId::new("annual-results"),
            ReportingUnit::Admin(UnitId::new("20056", Some(d(2020, 1, 1)))),
            &period,
        ))
    }

    fn officer() -> Actor {
        person("u-officer", Role::LocalOfficer, &["20056"])
    }

    fn coordinator() -> Actor {
        person("u-coord", Role::Coordinator, &[])
    }

    fn admin() -> Actor {
        person("u-admin", Role::Admin, &[])
    }

    fn apply(r: &Report, a: ReportAction, who: &Actor, on: NaiveDate) -> Report {
        r.apply(a.clone(), who, on)
            .unwrap_or_else(|e| panic!("{} refused: {e}", a.as_str()))
    }

    fn refused(r: &Report, a: ReportAction, who: &Actor, on: NaiveDate) -> ReportingError {
        match r.apply(a.clone(), who, on) {
            Ok(next) => panic!("{} accepted → {:?}", a.as_str(), next.status),
            Err(e) => e,
        }
    }

    fn submitted() -> Report {
        apply(
            &report(),
            ReportAction::Submit { nil: false },
            &officer(),
            d(2024, 11, 20),
        )
    }

    fn approved() -> Report {
        apply(
            &submitted(),
            ReportAction::Approve,
            &coordinator(),
            d(2024, 11, 25),
        )
    }

    fn locked() -> Report {
        apply(
            &approved(),
            ReportAction::Lock,
            &coordinator(),
            d(2024, 11, 26),
        )
    }

    fn returned() -> Report {
        apply(
            &submitted(),
            ReportAction::Return {
                reason: "thiếu số liệu áo ấm".into(),
            },
            &coordinator(),
            d(2024, 11, 22),
        )
    }

    // --- every transition ---------------------------------------------

    #[test]
    fn a_draft_is_edited_and_submitted() {
        let r = report();
        let edited = apply(&r, ReportAction::Edit, &officer(), d(2024, 11, 1));
        assert_eq!(edited.status, Status::Draft);
        let s = apply(
            &edited,
            ReportAction::Submit { nil: false },
            &officer(),
            d(2024, 11, 20),
        );
        assert_eq!(s.status, Status::Submitted);
        assert_eq!(
            s.submitted,
            Some(Stamp {
                by: "u-officer".into(),
                on: d(2024, 11, 20)
            })
        );
        assert!(!s.nil);
    }

    #[test]
    fn a_nil_report_is_submitted_as_such() {
        let s = apply(
            &report(),
            ReportAction::Submit { nil: true },
            &officer(),
            d(2024, 11, 20),
        );
        assert_eq!(s.status, Status::Submitted);
        assert!(s.nil);
        assert!(s.status.is_filed());
    }

    #[test]
    fn a_submitted_report_is_approved_by_someone_else() {
        let a = approved();
        assert_eq!(a.status, Status::Approved);
        assert_eq!(
            a.approved,
            Some(Stamp {
                by: "u-coord".into(),
                on: d(2024, 11, 25)
            })
        );
    }

    #[test]
    fn a_returned_report_is_edited_back_to_draft_and_submitted_again() {
        let r = returned();
        assert_eq!(
            r.status,
            Status::Returned {
                reason: "thiếu số liệu áo ấm".into()
            }
        );
        let edited = apply(&r, ReportAction::Edit, &officer(), d(2024, 11, 23));
        assert_eq!(edited.status, Status::Draft);
        let again = apply(
            &edited,
            ReportAction::Submit { nil: false },
            &officer(),
            d(2024, 11, 24),
        );
        assert_eq!(again.status, Status::Submitted);
        assert_eq!(again.submitted.map(|s| s.on), Some(d(2024, 11, 24)));
    }

    #[test]
    fn an_approved_report_is_locked_by_an_approver_and_unlocked_back_to_approved() {
        let l = locked();
        assert_eq!(l.status, Status::Locked);
        assert_eq!(
            l.locked,
            Some(LockStamp {
                by: Some("u-coord".into()),
                on: d(2024, 11, 26)
            })
        );
        let u = apply(&l, ReportAction::Unlock, &admin(), d(2024, 12, 20));
        assert_eq!(u.status, Status::Approved);
        assert_eq!(u.locked, None);
        assert_eq!(u.unlocked.map(|s| s.by), Some("u-admin".into()));
    }

    #[test]
    fn the_clock_locks_an_approved_report_the_day_after_the_cut_off() {
        let a = approved();
        assert_eq!(
            refused(
                &a,
                ReportAction::CutOffLock,
                &Actor::public(),
                d(2024, 12, 10)
            ),
            ReportingError::CutoffNotPassed {
                cutoff: d(2024, 12, 10)
            }
        );
        let l = apply(
            &a,
            ReportAction::CutOffLock,
            &Actor::public(),
            d(2024, 12, 11),
        );
        assert_eq!(l.status, Status::Locked);
        assert_eq!(
            l.locked,
            Some(LockStamp {
                by: None,
                on: d(2024, 12, 11)
            })
        );
        // unlocked by hand: the clock leaves it alone
        let u = apply(&l, ReportAction::Unlock, &coordinator(), d(2024, 12, 12));
        assert_eq!(
            refused(
                &u,
                ReportAction::CutOffLock,
                &Actor::public(),
                d(2024, 12, 13)
            ),
            ReportingError::UnlockedByHand
        );
        // but an approver may lock it again
        let again = apply(&u, ReportAction::Lock, &coordinator(), d(2024, 12, 14));
        assert_eq!(again.status, Status::Locked);
    }

    #[test]
    fn an_approved_report_may_be_returned_with_a_reason() {
        let r = apply(
            &approved(),
            ReportAction::Return {
                reason: "  sai số trẻ  ".into(),
            },
            &coordinator(),
            d(2024, 11, 28),
        );
        assert_eq!(
            r.status,
            Status::Returned {
                reason: "sai số trẻ".into()
            }
        );
        assert_eq!(r.approved, None);
    }

    /// The state machine, pinned: for each status, the actions a permitted
    /// actor (a coordinator who did not submit) may take while the period
    /// is open — and the clock's lock once it is closed.
    #[test]
    fn the_state_machine_is_exactly_as_pinned() {
        let actions = [
            ReportAction::Edit,
            ReportAction::Submit { nil: false },
            ReportAction::Approve,
            ReportAction::Return {
                reason: "lý do".into(),
            },
            ReportAction::Lock,
            ReportAction::CutOffLock,
            ReportAction::Unlock,
        ];
        let statuses = [
            (Status::Draft, "edit submit"),
            (Status::Submitted, "approve return"),
            (Status::Approved, "return lock cut-off-lock"),
            (Status::Returned { reason: "x".into() }, "edit"),
            (Status::Locked, "unlock"),
        ];
        for (status, pinned) in statuses {
            let mut r = report();
            r.status = status.clone();
            r.submitted = Some(Stamp {
                by: "u-officer".into(),
                on: d(2024, 11, 20),
            });
            let allowed: Vec<String> = actions
                .iter()
                .filter(|a| {
                    let on = if **a == ReportAction::CutOffLock {
                        d(2024, 12, 11)
                    } else {
                        d(2024, 11, 21)
                    };
                    transition(&status, a, &coordinator(), &r.context(on)).is_ok()
                })
                .map(|a| a.as_str().replace(' ', "-"))
                .collect();
            assert_eq!(allowed.join(" "), pinned, "from {}", status.as_str());
        }
    }

    // --- every refusal --------------------------------------------------

    #[test]
    fn submitting_after_the_lock_is_refused_with_the_last_day() {
        // on the cut-off day itself it is still accepted (late)
        let late = apply(
            &report(),
            ReportAction::Submit { nil: false },
            &officer(),
            d(2024, 12, 10),
        );
        assert_eq!(late.status, Status::Submitted);
        assert_eq!(
            refused(
                &report(),
                ReportAction::Submit { nil: false },
                &officer(),
                d(2024, 12, 11)
            ),
            ReportingError::SubmitAfterLock {
                closed_after: d(2024, 12, 10)
            }
        );
        // a returned report past the lock: the lock is what the unit needs to hear
        assert_eq!(
            refused(
                &returned(),
                ReportAction::Submit { nil: false },
                &officer(),
                d(2024, 12, 11)
            ),
            ReportingError::SubmitAfterLock {
                closed_after: d(2024, 12, 10)
            }
        );
    }

    #[test]
    fn editing_a_draft_after_the_lock_is_refused() {
        assert_eq!(
            refused(&report(), ReportAction::Edit, &officer(), d(2024, 12, 11)),
            ReportingError::EditAfterLock {
                closed_after: d(2024, 12, 10)
            }
        );
    }

    #[test]
    fn editing_a_submitted_approved_or_locked_report_is_refused() {
        for (r, status) in [
            (submitted(), "submitted"),
            (approved(), "approved"),
            (locked(), "locked"),
        ] {
            assert_eq!(
                refused(&r, ReportAction::Edit, &officer(), d(2024, 11, 27)),
                ReportingError::NotEditable { status }
            );
        }
    }

    #[test]
    fn approving_ones_own_report_is_refused() {
        // the coordinator files the city's report and may not approve it
        let mut r = report();
        r.obligation.key.unit = ReportingUnit::Admin(UnitId::new("46", Some(d(2025, 1, 1))));
        let s = apply(
            &r,
            ReportAction::Submit { nil: false },
            &coordinator(),
            d(2024, 11, 20),
        );
        assert_eq!(
            refused(&s, ReportAction::Approve, &coordinator(), d(2024, 11, 21)),
            ReportingError::OwnReport
        );
        // another approver may
        let a = apply(&s, ReportAction::Approve, &admin(), d(2024, 11, 21));
        assert_eq!(a.status, Status::Approved);
    }

    #[test]
    fn returning_without_a_reason_is_refused() {
        for reason in ["", "   ", "\n"] {
            assert_eq!(
                refused(
                    &submitted(),
                    ReportAction::Return {
                        reason: reason.into()
                    },
                    &coordinator(),
                    d(2024, 11, 21)
                ),
                ReportingError::ReasonRequired
            );
        }
    }

    #[test]
    fn unlocking_without_the_right_is_refused_and_says_who_can() {
        let who_can = vec![Role::Admin, Role::Coordinator];
        for actor in [
            officer(),
            person("u-sector", Role::SectorOfficer, &["20056"]),
            person("u-insp", Role::FinanceInspector, &[]),
            Actor::public(),
        ] {
            assert_eq!(
                refused(&locked(), ReportAction::Unlock, &actor, d(2024, 12, 1)),
                ReportingError::UnlockDenied {
                    who_can: who_can.clone()
                },
                "{:?}",
                actor.role
            );
        }
    }

    #[test]
    fn units_act_only_on_their_own_reports_and_only_approvers_approve() {
        let stranger = person("u-other", Role::LocalOfficer, &["19744"]);
        assert_eq!(
            refused(
                &report(),
                ReportAction::Submit { nil: false },
                &stranger,
                d(2024, 11, 20)
            ),
            ReportingError::Denied {
                action: "submit",
                denial: Denial::OutOfScope
            }
        );
        assert_eq!(
            refused(
                &submitted(),
                ReportAction::Approve,
                &officer(),
                d(2024, 11, 21)
            ),
            ReportingError::Denied {
                action: "approve",
                denial: Denial::RoleLacksPermission
            }
        );
        let school = person("u-school", Role::SiteOfficer, &["20056"]);
        assert_eq!(
            refused(&report(), ReportAction::Edit, &school, d(2024, 11, 20)),
            ReportingError::Denied {
                action: "edit",
                denial: Denial::RoleLacksPermission
            }
        );
        assert_eq!(
            refused(
                &report(),
                ReportAction::Edit,
                &Actor::public(),
                d(2024, 11, 20)
            ),
            ReportingError::Denied {
                action: "edit",
                denial: Denial::NotLoggedIn
            }
        );
    }

    #[test]
    fn actions_that_do_not_exist_from_a_status_are_refused_by_name() {
        let cases = [
            (report(), ReportAction::Approve, "approve", "draft"),
            (
                returned(),
                ReportAction::Submit { nil: false },
                "submit",
                "returned",
            ),
            (submitted(), ReportAction::Lock, "lock", "submitted"),
            (approved(), ReportAction::Unlock, "unlock", "approved"),
            (locked(), ReportAction::Approve, "approve", "locked"),
            (
                locked(),
                ReportAction::Return { reason: "x".into() },
                "return",
                "locked",
            ),
        ];
        for (r, a, action, status) in cases {
            assert_eq!(
                refused(&r, a, &coordinator(), d(2024, 11, 29)),
                ReportingError::NotFrom { action, status }
            );
        }
    }

    // --- lock explanations -----------------------------------------------

    fn explain(r: &Report, on: NaiveDate) -> LockReason {
        lock_explanation(r, on).expect("locked")
    }

    #[test]
    fn an_open_draft_is_not_locked() {
        assert_eq!(lock_explanation(&report(), d(2024, 12, 10)), None);
        assert_eq!(lock_explanation(&returned(), d(2024, 12, 1)), None);
    }

    #[test]
    fn a_draft_past_the_cut_off_says_the_deadline_passed_and_how_to_ask_for_an_exception() {
        let why = explain(&report(), d(2024, 12, 11));
        assert_eq!(
            why.cause,
            LockCause::DeadlinePassed {
                closed_after: d(2024, 12, 10)
            }
        );
        assert_eq!(why.who_can_unlock, vec![Role::Admin, Role::Coordinator]);
        assert_eq!(why.remedy, Remedy::AskForException);
        let t = why.text();
        assert!(
            t.vi.contains("Đã quá hạn: ngày cuối được nộp và sửa là 10/12/2024."),
            "{}",
            t.vi
        );
        assert!(
            t.vi.contains("Người có thể mở lại: Quản trị hệ thống; Điều phối"),
            "{}",
            t.vi
        );
        assert!(t.vi.contains("xin gia hạn"), "{}", t.vi);
        assert!(
            t.en.contains("the last day to submit or edit was 10/12/2024"),
            "{}",
            t.en
        );
        assert!(
            t.en.contains("Who can reopen it: System administrator; Coordinator"),
            "{}",
            t.en
        );
        assert_eq!(why.message_key(), "reporting-lock-deadline");
        assert_eq!(why.message_args(), vec![("date", "10/12/2024".to_owned())]);
    }

    #[test]
    fn a_submitted_report_is_waiting_for_review() {
        let why = explain(&submitted(), d(2024, 11, 21));
        assert_eq!(
            why.cause,
            LockCause::AwaitingReview {
                submitted: Some(Stamp {
                    by: "u-officer".into(),
                    on: d(2024, 11, 20)
                })
            }
        );
        assert_eq!(why.remedy, Remedy::WaitForReview);
        assert!(why.text().vi.contains("u-officer nộp ngày 20/11/2024"));
        assert!(
            why.text()
                .en
                .contains("submitted by u-officer on 20/11/2024")
        );
    }

    #[test]
    fn an_approved_report_says_who_approved_it_and_when() {
        let why = explain(&approved(), d(2024, 11, 26));
        assert_eq!(
            why.cause,
            LockCause::Approved {
                approved: Some(Stamp {
                    by: "u-coord".into(),
                    on: d(2024, 11, 25)
                })
            }
        );
        assert_eq!(why.who_can_unlock, vec![Role::Admin, Role::Coordinator]);
        assert_eq!(why.remedy, Remedy::AskApproverToReturn);
        assert!(
            why.text()
                .vi
                .contains("đã được u-coord duyệt ngày 25/11/2024")
        );
        assert!(why.text().en.contains("approved by u-coord on 25/11/2024"));
        assert_eq!(
            why.message_args(),
            vec![
                ("by", "u-coord".to_owned()),
                ("date", "25/11/2024".to_owned())
            ]
        );
    }

    #[test]
    fn a_report_locked_by_a_person_names_them() {
        let why = explain(&locked(), d(2024, 12, 1));
        assert_eq!(
            why.cause,
            LockCause::LockedBy {
                by: "u-coord".into(),
                on: d(2024, 11, 26)
            }
        );
        assert_eq!(why.who_can_unlock, vec![Role::Admin, Role::Coordinator]);
        assert_eq!(why.remedy, Remedy::AskToUnlock);
        assert!(why.text().en.contains("locked by u-coord on 26/11/2024"));
        assert!(why.text().vi.contains("đã bị u-coord khóa ngày 26/11/2024"));
    }

    #[test]
    fn a_report_locked_by_the_clock_names_the_cut_off() {
        let l = apply(
            &approved(),
            ReportAction::CutOffLock,
            &Actor::public(),
            d(2024, 12, 11),
        );
        let why = explain(&l, d(2024, 12, 20));
        assert_eq!(
            why.cause,
            LockCause::LockedAtCutoff {
                on: d(2024, 12, 11),
                cutoff: d(2024, 12, 10)
            }
        );
        assert!(why.text().vi.contains("ngày chốt số liệu 10/12/2024"));
        assert!(why.text().en.contains("the cut-off 10/12/2024 has passed"));
    }

    #[test]
    fn every_lock_key_is_in_both_catalogues_with_its_arguments() {
        let mut reasons = vec![
            explain(&report(), d(2024, 12, 11)),
            explain(&submitted(), d(2024, 11, 21)),
            explain(&approved(), d(2024, 11, 26)),
            explain(&locked(), d(2024, 12, 1)),
            explain(
                &apply(
                    &approved(),
                    ReportAction::CutOffLock,
                    &Actor::public(),
                    d(2024, 12, 11),
                ),
                d(2024, 12, 20),
            ),
        ];
        let mut extra = reasons[0].clone();
        extra.remedy = Remedy::ExceptionPending {
            until: d(2024, 12, 20),
        };
        reasons.push(extra.clone());
        extra.remedy = Remedy::ExceptionRefused {
            reason: "không có lý do chính đáng".into(),
        };
        reasons.push(extra);
        let names = |args: Vec<(&str, String)>| {
            let mut v: Vec<String> = args.into_iter().map(|(n, _)| n.to_owned()).collect();
            v.sort();
            v
        };
        let placeholders = |text: &str| {
            let mut v: Vec<String> = text
                .split("{ $")
                .skip(1)
                .filter_map(|p| p.split_once(" }").map(|(n, _)| n.to_owned()))
                .collect();
            v.sort();
            v
        };
        for why in reasons {
            for (key, args) in [
                (why.message_key(), why.message_args()),
                (why.remedy_key(), why.remedy_args()),
                ("reporting-lock-who", why.who_args()),
            ] {
                let args = names(args);
                for (lang, src) in [("vi", VI_FTL), ("en", EN_FTL)] {
                    let text = ftl_value(src, key)
                        .unwrap_or_else(|| panic!("{key} missing in {lang}.ftl"));
                    assert_eq!(placeholders(text), args, "{key} in {lang}.ftl");
                }
            }
        }
        for s in [
            Status::Draft,
            Status::Submitted,
            Status::Approved,
            Status::Returned { reason: "x".into() },
            Status::Locked,
        ] {
            assert!(
                ftl_value(VI_FTL, s.message_key()).is_some(),
                "{}",
                s.as_str()
            );
            assert!(
                ftl_value(EN_FTL, s.message_key()).is_some(),
                "{}",
                s.as_str()
            );
        }
    }
}
