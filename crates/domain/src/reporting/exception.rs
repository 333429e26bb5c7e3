//! Exceptions to a deadline (DHIS2's lock exceptions): a unit that cannot
//! file in time asks, with a justification, for a later date; an approver
//! grants or refuses it (refusing needs a reason). A granted exception
//! reopens submission and editing until its date, and a report filed by
//! then counts as on time.
//!
//! Rules: the unit asks (`SubmitReport` within its scope) only for a report
//! it has not filed (draft or returned), one request at a time, for a date
//! later than its current last day and not in the past; an approver
//! (`ApproveReport`) decides, never on their own request, and never grants
//! a date already past.

use chrono::NaiveDate;

use super::error::ReportingError;
use super::status::{Report, Stamp, Status};
use crate::authz::{Action, Actor, Target, authorize};

/// One request for a later deadline and its decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineException {
    pub requested: Stamp,
    pub justification: String,
    /// The new last day asked for (inclusive).
    pub until: NaiveDate,
    pub decision: ExceptionDecision,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExceptionDecision {
    Pending,
    Granted(Stamp),
    Refused { stamp: Stamp, reason: String },
}

impl ExceptionDecision {
    pub fn as_str(&self) -> &'static str {
        match self {
            ExceptionDecision::Pending => "pending",
            ExceptionDecision::Granted(_) => "granted",
            ExceptionDecision::Refused { .. } => "refused",
        }
    }
}

/// What the approver decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExceptionVerdict {
    Grant,
    Refuse { reason: String },
}

fn user(actor: &Actor) -> String {
    actor.user_id.clone().unwrap_or_default()
}

impl Report {
    /// The request waiting for a decision, if any.
    pub fn pending_exception(&self) -> Option<&DeadlineException> {
        self.exceptions
            .iter()
            .find(|e| e.decision == ExceptionDecision::Pending)
    }

    /// The report with a new exception request, or why not.
    pub fn request_exception(
        &self,
        actor: &Actor,
        justification: &str,
        until: NaiveDate,
        today: NaiveDate,
    ) -> Result<Report, ReportingError> {
        let code = self.obligation.key.unit.scope_code();
        authorize(actor, Action::SubmitReport, Target::Unit(code)).map_err(|denial| {
            ReportingError::Denied {
                action: "request an exception",
                denial,
            }
        })?;
        if !matches!(self.status, Status::Draft | Status::Returned { .. }) {
            return Err(ReportingError::ExceptionNotNeeded {
                status: self.status.as_str(),
            });
        }
        let justification = justification.trim();
        if justification.is_empty() {
            return Err(ReportingError::JustificationRequired);
        }
        if self.pending_exception().is_some() {
            return Err(ReportingError::ExceptionPending);
        }
        let current = self.closes_after();
        if until <= current {
            return Err(ReportingError::ExceptionNotLater {
                requested: until,
                current,
            });
        }
        if until < today {
            return Err(ReportingError::ExceptionInPast {
                requested: until,
                today,
            });
        }
        let mut next = self.clone();
        next.exceptions.push(DeadlineException {
            requested: Stamp {
                by: user(actor),
                on: today,
            },
            justification: justification.to_owned(),
            until,
            decision: ExceptionDecision::Pending,
        });
        Ok(next)
    }

    /// The report with the waiting request decided, or why not.
    pub fn decide_exception(
        &self,
        actor: &Actor,
        verdict: ExceptionVerdict,
        today: NaiveDate,
    ) -> Result<Report, ReportingError> {
        let code = self.obligation.key.unit.scope_code();
        authorize(actor, Action::ApproveReport, Target::Unit(code)).map_err(|denial| {
            ReportingError::Denied {
                action: "decide an exception",
                denial,
            }
        })?;
        let index = self
            .exceptions
            .iter()
            .position(|e| e.decision == ExceptionDecision::Pending)
            .ok_or(ReportingError::NoPendingException)?;
        let request = &self.exceptions[index];
        if actor.user_id.as_deref() == Some(request.requested.by.as_str()) {
            return Err(ReportingError::OwnException);
        }
        let stamp = Stamp {
            by: user(actor),
            on: today,
        };
        let decision = match verdict {
            ExceptionVerdict::Grant => {
                if request.until < today {
                    return Err(ReportingError::ExceptionInPast {
                        requested: request.until,
                        today,
                    });
                }
                ExceptionDecision::Granted(stamp)
            }
            ExceptionVerdict::Refuse { reason } => {
                let reason = reason.trim();
                if reason.is_empty() {
                    return Err(ReportingError::ReasonRequired);
                }
                ExceptionDecision::Refused {
                    stamp,
                    reason: reason.to_owned(),
                }
            }
        };
        let mut next = self.clone();
        next.exceptions[index].decision = decision;
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin_units::UnitId;
    use crate::authz::{Denial, Role};
    use crate::reporting::obligation::{Obligation, ReportingPeriod, ReportingUnit, TemplateId};
    use crate::reporting::status::{LockCause, Remedy, ReportAction, lock_explanation};
    use crate::reporting::test_support::{d, person};

    /// Huyện Nam Đông, 2024: due = cut-off = 30 Nov.
    fn report() -> Report {
        Report::new(Obligation::new(
            TemplateId::new("annual-results"),
            ReportingUnit::Admin(UnitId::new("483", None)),
            &ReportingPeriod::yearly(2024).expect("2024"),
        ))
    }

    fn officer() -> Actor {
        person("u-namdong", Role::LocalOfficer, &["483"])
    }

    fn coordinator() -> Actor {
        person("u-coord", Role::Coordinator, &[])
    }

    fn asked() -> Report {
        report()
            .request_exception(
                &officer(),
                "  lũ lụt tháng 11, mất điện  ",
                d(2024, 12, 15),
                d(2024, 11, 28),
            )
            .expect("request")
    }

    fn granted() -> Report {
        asked()
            .decide_exception(&coordinator(), ExceptionVerdict::Grant, d(2024, 11, 29))
            .expect("grant")
    }

    #[test]
    fn a_request_is_recorded_pending_with_its_justification() {
        let r = asked();
        let e = r.pending_exception().expect("pending");
        assert_eq!(e.justification, "lũ lụt tháng 11, mất điện");
        assert_eq!(e.until, d(2024, 12, 15));
        assert_eq!(
            e.requested,
            Stamp {
                by: "u-namdong".into(),
                on: d(2024, 11, 28)
            }
        );
        // pending changes nothing yet
        assert_eq!(r.closes_after(), d(2024, 11, 30));
    }

    #[test]
    fn a_granted_exception_reopens_submission_until_its_date() {
        let closed = report();
        assert_eq!(
            closed
                .apply(
                    ReportAction::Submit { nil: false },
                    &officer(),
                    d(2024, 12, 5)
                )
                .map(|r| r.status),
            Err(ReportingError::SubmitAfterLock {
                closed_after: d(2024, 11, 30)
            })
        );
        let g = granted();
        assert_eq!(g.closes_after(), d(2024, 12, 15));
        assert_eq!(g.on_time_until(), d(2024, 12, 15));
        assert_eq!(lock_explanation(&g, d(2024, 12, 5)), None);
        let s = g
            .apply(
                ReportAction::Submit { nil: false },
                &officer(),
                d(2024, 12, 5),
            )
            .expect("reopened");
        assert_eq!(s.status, Status::Submitted);
        // and closes again after its date
        assert_eq!(
            g.apply(
                ReportAction::Submit { nil: false },
                &officer(),
                d(2024, 12, 16)
            )
            .map(|r| r.status),
            Err(ReportingError::SubmitAfterLock {
                closed_after: d(2024, 12, 15)
            })
        );
    }

    #[test]
    fn a_refused_exception_needs_a_reason_and_shows_in_the_lock_explanation() {
        assert_eq!(
            asked().decide_exception(
                &coordinator(),
                ExceptionVerdict::Refuse { reason: " ".into() },
                d(2024, 11, 29)
            ),
            Err(ReportingError::ReasonRequired)
        );
        let r = asked()
            .decide_exception(
                &coordinator(),
                ExceptionVerdict::Refuse {
                    reason: "đã nhắc nhiều lần".into(),
                },
                d(2024, 11, 29),
            )
            .expect("refuse");
        assert_eq!(r.closes_after(), d(2024, 11, 30));
        let why = lock_explanation(&r, d(2024, 12, 1)).expect("locked");
        assert_eq!(
            why.remedy,
            Remedy::ExceptionRefused {
                reason: "đã nhắc nhiều lần".into()
            }
        );
        assert!(why.text().vi.contains("bị từ chối: đã nhắc nhiều lần"));
        // and the unit may ask again
        let again = r
            .request_exception(
                &officer(),
                "có xác nhận của UBND",
                d(2024, 12, 20),
                d(2024, 12, 2),
            )
            .expect("ask again");
        let why = lock_explanation(&again, d(2024, 12, 3)).expect("locked");
        assert_eq!(
            why.remedy,
            Remedy::ExceptionPending {
                until: d(2024, 12, 20)
            }
        );
        assert_eq!(
            why.cause,
            LockCause::DeadlinePassed {
                closed_after: d(2024, 11, 30)
            }
        );
    }

    #[test]
    fn bad_requests_are_refused_with_a_reason() {
        let r = report();
        assert_eq!(
            r.request_exception(&officer(), "   ", d(2024, 12, 15), d(2024, 11, 28)),
            Err(ReportingError::JustificationRequired)
        );
        assert_eq!(
            r.request_exception(&officer(), "lũ", d(2024, 11, 30), d(2024, 11, 28)),
            Err(ReportingError::ExceptionNotLater {
                requested: d(2024, 11, 30),
                current: d(2024, 11, 30)
            })
        );
        assert_eq!(
            r.request_exception(&officer(), "lũ", d(2024, 12, 3), d(2024, 12, 5)),
            Err(ReportingError::ExceptionInPast {
                requested: d(2024, 12, 3),
                today: d(2024, 12, 5)
            })
        );
        assert_eq!(
            asked().request_exception(&officer(), "lần hai", d(2024, 12, 20), d(2024, 11, 29)),
            Err(ReportingError::ExceptionPending)
        );
        let submitted = r
            .apply(
                ReportAction::Submit { nil: false },
                &officer(),
                d(2024, 11, 20),
            )
            .expect("submit");
        assert_eq!(
            submitted.request_exception(&officer(), "lũ", d(2024, 12, 15), d(2024, 11, 21)),
            Err(ReportingError::ExceptionNotNeeded {
                status: "submitted"
            })
        );
        let stranger = person("u-aluoi", Role::LocalOfficer, &["481"]);
        assert_eq!(
            r.request_exception(&stranger, "lũ", d(2024, 12, 15), d(2024, 11, 28)),
            Err(ReportingError::Denied {
                action: "request an exception",
                denial: Denial::OutOfScope
            })
        );
    }

    #[test]
    fn bad_decisions_are_refused_with_a_reason() {
        assert_eq!(
            report().decide_exception(&coordinator(), ExceptionVerdict::Grant, d(2024, 11, 29)),
            Err(ReportingError::NoPendingException)
        );
        assert_eq!(
            granted().decide_exception(&coordinator(), ExceptionVerdict::Grant, d(2024, 11, 29)),
            Err(ReportingError::NoPendingException)
        );
        assert_eq!(
            asked().decide_exception(&officer(), ExceptionVerdict::Grant, d(2024, 11, 29)),
            Err(ReportingError::Denied {
                action: "decide an exception",
                denial: Denial::RoleLacksPermission
            })
        );
        // the coordinator asked for the city's report: someone else decides
        let mut city = report();
        city.obligation.key.unit = ReportingUnit::Admin(UnitId::new("46", None));
        let asked_by_coord = city
            .request_exception(
                &coordinator(),
                "chờ số liệu các xã",
                d(2024, 12, 15),
                d(2024, 11, 28),
            )
            .expect("request");
        assert_eq!(
            asked_by_coord.decide_exception(
                &coordinator(),
                ExceptionVerdict::Grant,
                d(2024, 11, 29)
            ),
            Err(ReportingError::OwnException)
        );
        let admin = person("u-admin", Role::Admin, &[]);
        assert!(
            asked_by_coord
                .decide_exception(&admin, ExceptionVerdict::Grant, d(2024, 11, 29))
                .is_ok()
        );
        // granting a date already past reopens nothing: refused
        assert_eq!(
            asked().decide_exception(&coordinator(), ExceptionVerdict::Grant, d(2024, 12, 16)),
            Err(ReportingError::ExceptionInPast {
                requested: d(2024, 12, 15),
                today: d(2024, 12, 16)
            })
        );
    }
}
