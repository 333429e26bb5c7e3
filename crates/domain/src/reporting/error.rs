//! Why the reporting domain refused something. Each variant carries the
//! facts a person needs (dates, field, roles), prints in Vietnamese and
//! English, and names its message in the i18n catalogue
//! ([`ReportingError::message_key`], with [`ReportingError::message_args`]
//! for the `{ $name }` placeholders).

use chrono::NaiveDate;
use thiserror::Error;

use super::draft::Conflict;
use super::{dmy, role_ids, role_list};
use crate::admin_units::UnitId;
use crate::authz::{Denial, Role};

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReportingError {
    /// The actor's role or scope does not allow the action.
    #[error("không có quyền {action}: {denial:?} / not allowed to {action}: {denial:?}")]
    Denied {
        action: &'static str,
        denial: Denial,
    },

    /// Unlocking by someone without the right; says who has it.
    #[error(
        "không có quyền mở khóa báo cáo; người có quyền: {} / \
         not allowed to unlock the report; who can: {}",
        role_list(who_can).vi, role_list(who_can).en
    )]
    UnlockDenied { who_can: Vec<Role> },

    /// The action does not exist from the report's current status.
    #[error(
        "không thể {action} khi báo cáo đang ở trạng thái \"{status}\" / \
         cannot {action} a report that is {status}"
    )]
    NotFrom {
        action: &'static str,
        status: &'static str,
    },

    /// Editing a submitted, approved or locked report.
    #[error(
        "không sửa được báo cáo đang ở trạng thái \"{status}\" — cần người duyệt trả lại trước / \
         a report that is {status} cannot be edited — an approver must return it first"
    )]
    NotEditable { status: &'static str },

    /// Submitting after the lock (cut-off or exception date passed).
    #[error(
        "đã khóa nộp: hạn cuối là ngày {} — hãy xin gia hạn / \
         submission is closed: the last day was {} — ask for an exception",
        dmy(*closed_after), dmy(*closed_after)
    )]
    SubmitAfterLock { closed_after: NaiveDate },

    /// Editing a draft after the lock.
    #[error(
        "đã khóa sửa: hạn cuối là ngày {} — hãy xin gia hạn / \
         editing is closed: the last day was {} — ask for an exception",
        dmy(*closed_after), dmy(*closed_after)
    )]
    EditAfterLock { closed_after: NaiveDate },

    /// Approving one's own report (submitter == approver).
    #[error(
        "không được tự duyệt báo cáo do chính mình nộp / \
         you may not approve a report you submitted yourself"
    )]
    OwnReport,

    /// Returning a report, or refusing an exception, without a reason.
    #[error("cần ghi lý do / a reason is required")]
    ReasonRequired,

    /// The cut-off lock asked for before the cut-off (or exception) passed.
    #[error(
        "chưa qua ngày chốt số liệu ({}) / the cut-off ({}) has not passed",
        dmy(*cutoff), dmy(*cutoff)
    )]
    CutoffNotPassed { cutoff: NaiveDate },

    /// The cut-off lock asked for a report unlocked by hand after the cut-off.
    #[error(
        "báo cáo đã được mở khóa thủ công; chỉ người duyệt mới khóa lại / \
         the report was unlocked by hand; only an approver locks it again"
    )]
    UnlockedByHand,

    /// An exception asked for without a justification.
    #[error("cần nêu lý do xin gia hạn / a justification is required")]
    JustificationRequired,

    /// An exception whose date does not extend the current deadline.
    #[error(
        "ngày gia hạn phải sau hạn hiện tại ({}) / \
         the exception's date must be after the current deadline ({})",
        dmy(*current), dmy(*current)
    )]
    ExceptionNotLater {
        requested: NaiveDate,
        current: NaiveDate,
    },

    /// An exception date already in the past.
    #[error(
        "ngày gia hạn {} đã qua (hôm nay {}) / the exception's date {} has passed (today {})",
        dmy(*requested), dmy(*today), dmy(*requested), dmy(*today)
    )]
    ExceptionInPast {
        requested: NaiveDate,
        today: NaiveDate,
    },

    /// A request while another waits for a decision.
    #[error(
        "đã có một đề nghị gia hạn đang chờ quyết định / \
         an exception request is already waiting for a decision"
    )]
    ExceptionPending,

    /// An exception for a report already submitted, approved or locked.
    #[error(
        "báo cáo đang ở trạng thái \"{status}\", không cần gia hạn / \
         the report is {status}; no exception is needed"
    )]
    ExceptionNotNeeded { status: &'static str },

    /// A decision with no request waiting.
    #[error("không có đề nghị gia hạn nào đang chờ / no exception request is waiting")]
    NoPendingException,

    /// Deciding one's own exception request.
    #[error(
        "không được tự quyết định đề nghị gia hạn của chính mình / \
         you may not decide your own exception request"
    )]
    OwnException,

    /// A cut-off set before the due date.
    #[error(
        "ngày chốt số liệu {} trước hạn nộp {} / the cut-off {} is before the due date {}",
        dmy(*cutoff), dmy(*due), dmy(*cutoff), dmy(*due)
    )]
    CutoffBeforeDue { due: NaiveDate, cutoff: NaiveDate },

    /// A due date before the year it reports on (or a year out of range).
    #[error(
        "hạn nộp phải nằm trong hoặc sau năm báo cáo {year} / \
         the due date must fall in or after the reporting year {year}"
    )]
    DueBeforeYear { year: i32, due: Option<NaiveDate> },

    /// A typed figure below zero.
    #[error(
        "ô \"{field}\": số liệu không được âm (\"{value}\") / \
         field \"{field}\": the figure may not be negative (\"{value}\")"
    )]
    NegativeFigure { field: String, value: String },

    /// A typed figure that is not a whole number.
    #[error(
        "ô \"{field}\": \"{value}\" không phải là số nguyên (viết 1.234.567 hoặc 1234567) / \
         field \"{field}\": \"{value}\" is not a whole number (write 1.234.567 or 1234567)"
    )]
    NotANumber { field: String, value: String },

    /// A typed figure too large to be real.
    #[error("ô \"{field}\": số \"{value}\" quá lớn / field \"{field}\": \"{value}\" is too large")]
    FigureTooLarge { field: String, value: String },

    /// Two people saved one draft; the second is told what changed.
    #[error(
        "bản nháp đã được người khác sửa (phiên bản {} → {}): {} / \
         someone else saved this draft (version {} → {}): {}",
        .0.opened_at, .0.current, .0.field_list(), .0.opened_at, .0.current, .0.field_list()
    )]
    Conflict(Conflict),

    /// An obligation names a unit the map does not know.
    #[error("không có đơn vị {unit} trong bản đồ hành chính / no unit {unit} in the admin map")]
    UnknownUnit { unit: UnitId },

    /// A unit ended on `on` and the map gives it no successor.
    #[error(
        "đơn vị {unit} chấm dứt ngày {} mà không có đơn vị kế thừa / \
         unit {unit} ended on {} with no successor",
        dmy(*on), dmy(*on)
    )]
    NoSuccessor { unit: UnitId, on: NaiveDate },
}

impl From<Conflict> for ReportingError {
    fn from(c: Conflict) -> Self {
        ReportingError::Conflict(c)
    }
}

impl ReportingError {
    /// Every message key [`ReportingError::message_key`] can return that
    /// belongs to the reporting block of the catalogue (the `denied-*` keys
    /// are shared with the rest of the app).
    pub const KEYS: [&'static str; 24] = [
        "reporting-error-unlock-denied",
        "reporting-error-not-from",
        "reporting-error-not-editable",
        "reporting-error-submit-after-lock",
        "reporting-error-edit-after-lock",
        "reporting-error-own-report",
        "reporting-error-reason",
        "reporting-error-cutoff-not-passed",
        "reporting-error-unlocked-by-hand",
        "reporting-error-justification",
        "reporting-error-exception-not-later",
        "reporting-error-exception-past",
        "reporting-error-exception-pending",
        "reporting-error-exception-not-needed",
        "reporting-error-no-pending-exception",
        "reporting-error-own-exception",
        "reporting-error-cutoff-before-due",
        "reporting-error-due-before-year",
        "reporting-error-negative",
        "reporting-error-not-a-number",
        "reporting-error-too-large",
        "reporting-error-conflict",
        "reporting-error-unknown-unit",
        "reporting-error-no-successor",
    ];

    /// The message id in the i18n catalogue.
    pub fn message_key(&self) -> &'static str {
        use ReportingError as E;
        match self {
            E::Denied { denial, .. } => denial.message_key(),
            E::UnlockDenied { .. } => "reporting-error-unlock-denied",
            E::NotFrom { .. } => "reporting-error-not-from",
            E::NotEditable { .. } => "reporting-error-not-editable",
            E::SubmitAfterLock { .. } => "reporting-error-submit-after-lock",
            E::EditAfterLock { .. } => "reporting-error-edit-after-lock",
            E::OwnReport => "reporting-error-own-report",
            E::ReasonRequired => "reporting-error-reason",
            E::CutoffNotPassed { .. } => "reporting-error-cutoff-not-passed",
            E::UnlockedByHand => "reporting-error-unlocked-by-hand",
            E::JustificationRequired => "reporting-error-justification",
            E::ExceptionNotLater { .. } => "reporting-error-exception-not-later",
            E::ExceptionInPast { .. } => "reporting-error-exception-past",
            E::ExceptionPending => "reporting-error-exception-pending",
            E::ExceptionNotNeeded { .. } => "reporting-error-exception-not-needed",
            E::NoPendingException => "reporting-error-no-pending-exception",
            E::OwnException => "reporting-error-own-exception",
            E::CutoffBeforeDue { .. } => "reporting-error-cutoff-before-due",
            E::DueBeforeYear { .. } => "reporting-error-due-before-year",
            E::NegativeFigure { .. } => "reporting-error-negative",
            E::NotANumber { .. } => "reporting-error-not-a-number",
            E::FigureTooLarge { .. } => "reporting-error-too-large",
            E::Conflict(_) => "reporting-error-conflict",
            E::UnknownUnit { .. } => "reporting-error-unknown-unit",
            E::NoSuccessor { .. } => "reporting-error-no-successor",
        }
    }

    /// Values for the message's `{ $name }` placeholders (dates as
    /// dd/mm/yyyy, roles as ids for the page to translate).
    pub fn message_args(&self) -> Vec<(&'static str, String)> {
        use ReportingError as E;
        match self {
            E::UnlockDenied { who_can } => vec![("roles", role_ids(who_can))],
            E::NotFrom { status, .. } | E::NotEditable { status } => {
                vec![("status", (*status).to_owned())]
            }
            E::SubmitAfterLock { closed_after } | E::EditAfterLock { closed_after } => {
                vec![("date", dmy(*closed_after))]
            }
            E::CutoffNotPassed { cutoff } => vec![("date", dmy(*cutoff))],
            E::ExceptionNotLater { current, .. } => vec![("date", dmy(*current))],
            E::ExceptionInPast { requested, .. } => vec![("date", dmy(*requested))],
            E::ExceptionNotNeeded { status } => vec![("status", (*status).to_owned())],
            E::CutoffBeforeDue { due, cutoff } => {
                vec![("due", dmy(*due)), ("cutoff", dmy(*cutoff))]
            }
            E::DueBeforeYear { year, .. } => vec![("year", year.to_string())],
            E::NegativeFigure { field, value }
            | E::NotANumber { field, value }
            | E::FigureTooLarge { field, value } => {
                vec![("field", field.clone()), ("value", value.clone())]
            }
            E::Conflict(c) => vec![("fields", c.field_list())],
            E::UnknownUnit { unit } => vec![("unit", unit.to_string())],
            E::NoSuccessor { unit, on } => vec![("unit", unit.to_string()), ("date", dmy(*on))],
            E::Denied { .. }
            | E::OwnReport
            | E::ReasonRequired
            | E::UnlockedByHand
            | E::JustificationRequired
            | E::ExceptionPending
            | E::NoPendingException
            | E::OwnException => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reporting::test_support::{EN_FTL, VI_FTL, d, ftl_value};

    fn placeholders(text: &str) -> Vec<String> {
        let mut v: Vec<String> = text
            .split("{ $")
            .skip(1)
            .filter_map(|p| p.split_once(" }").map(|(n, _)| n.to_owned()))
            .collect();
        v.sort();
        v
    }

    fn samples() -> Vec<ReportingError> {
        use ReportingError as E;
        vec![
            E::Denied {
                action: "submit",
                denial: Denial::OutOfScope,
            },
            E::UnlockDenied {
                who_can: vec![Role::Admin, Role::Coordinator],
            },
            E::NotFrom {
                action: "approve",
                status: "draft",
            },
            E::NotEditable { status: "approved" },
            E::SubmitAfterLock {
                closed_after: d(2025, 11, 30),
            },
            E::EditAfterLock {
                closed_after: d(2025, 11, 30),
            },
            E::OwnReport,
            E::ReasonRequired,
            E::CutoffNotPassed {
                cutoff: d(2025, 11, 30),
            },
            E::UnlockedByHand,
            E::JustificationRequired,
            E::ExceptionNotLater {
                requested: d(2025, 11, 1),
                current: d(2025, 11, 30),
            },
            E::ExceptionInPast {
                requested: d(2025, 12, 1),
                today: d(2025, 12, 5),
            },
            E::ExceptionPending,
            E::ExceptionNotNeeded {
                status: "submitted",
            },
            E::NoPendingException,
            E::OwnException,
            E::CutoffBeforeDue {
                due: d(2025, 11, 30),
                cutoff: d(2025, 11, 1),
            },
            E::DueBeforeYear {
                year: 2025,
                due: None,
            },
            E::NegativeFigure {
                field: "children".into(),
                value: "-3".into(),
            },
            E::NotANumber {
                field: "children".into(),
                value: "abc".into(),
            },
            E::FigureTooLarge {
                field: "money".into(),
                value: "99999999999999999999".into(),
            },
            E::Conflict(Conflict {
                opened_at: 3,
                current: 4,
                changed_fields_since_opened: Vec::new(),
                overlapping: Vec::new(),
            }),
            E::UnknownUnit {
                unit: UnitId::new("99999", None),
            },
            E::NoSuccessor {
                unit: UnitId::new("483", None),
                on: d(2025, 1, 1),
            },
        ]
    }

    #[test]
    fn every_key_is_in_both_catalogues_with_the_arguments_it_is_given() {
        let errors = samples();
        let mut reporting_keys: Vec<&str> = errors
            .iter()
            .map(ReportingError::message_key)
            .filter(|k| k.starts_with("reporting-"))
            .collect();
        reporting_keys.sort_unstable();
        let mut listed = ReportingError::KEYS.to_vec();
        listed.sort_unstable();
        assert_eq!(
            reporting_keys, listed,
            "KEYS lists every reporting key once"
        );
        for e in &errors {
            let key = e.message_key();
            let mut args: Vec<String> = e
                .message_args()
                .into_iter()
                .map(|(n, _)| n.to_owned())
                .collect();
            args.sort();
            for (lang, src) in [("vi", VI_FTL), ("en", EN_FTL)] {
                let text =
                    ftl_value(src, key).unwrap_or_else(|| panic!("{key} missing in {lang}.ftl"));
                assert_eq!(placeholders(text), args, "{key} in {lang}.ftl");
            }
        }
    }

    #[test]
    fn messages_are_in_vietnamese_then_english_and_name_what_matters() {
        let e = ReportingError::SubmitAfterLock {
            closed_after: d(2025, 11, 30),
        };
        let text = e.to_string();
        assert!(text.starts_with("đã khóa nộp"), "{text}");
        assert!(text.contains("30/11/2025 — ask for an exception"), "{text}");
        let e = ReportingError::NegativeFigure {
            field: "Số trẻ".into(),
            value: "-3".into(),
        };
        assert!(e.to_string().contains("ô \"Số trẻ\""));
        assert!(e.to_string().contains("field \"Số trẻ\""));
        let e = ReportingError::UnlockDenied {
            who_can: vec![Role::Admin, Role::Coordinator],
        };
        assert!(e.to_string().contains("Quản trị hệ thống; Điều phối"));
        assert!(e.to_string().contains("System administrator; Coordinator"));
        assert_eq!(
            e.message_args(),
            vec![("roles", "admin, coordinator".to_owned())]
        );
    }
}
