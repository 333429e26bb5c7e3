//! Delivery (giao nhận) and acceptance (nghiệm thu) of what was allocated to
//! a need line: statuses, the value of what is handed over, the acceptance
//! checklist per category, non-conformities and what they leave accepted.
//!
//! ```text
//! planned ─► handed_over ─► site_signed ─► accepted | accepted_with_issues
//!                  │               │          (accepted_with_issues ─► accepted
//!                  └─► rejected ◄──┘           when the last open
//!                                              non-conformity is resolved)
//! ```
//!
//! Acceptance is co-signed: the receiving site answers the checklist and
//! signs (`site_signed`, or `rejected`), then its commune co-signs — a
//! different person — and only then is the delivery accepted.
//!
//! A delivery counts as *delivered* once handed over (and not rejected); its
//! *accepted* value is its value less what its non-conformities keep out
//! (an open one keeps out its value; a resolved replacement nothing; a
//! return or a discount their value for good). Nothing here is about a
//! child: only counts.

use std::fmt;

use super::{Category, PackageItem};
use crate::organisation::OrgType;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DeliveryStatus {
    Planned,
    HandedOver,
    /// Signed by the receiving site; waiting for the commune's
    /// co-signature.
    SiteSigned,
    Accepted,
    AcceptedWithIssues,
    Rejected,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 6] = [
        DeliveryStatus::Planned,
        DeliveryStatus::HandedOver,
        DeliveryStatus::SiteSigned,
        DeliveryStatus::Accepted,
        DeliveryStatus::AcceptedWithIssues,
        DeliveryStatus::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Planned => "planned",
            DeliveryStatus::HandedOver => "handed_over",
            DeliveryStatus::SiteSigned => "site_signed",
            DeliveryStatus::Accepted => "accepted",
            DeliveryStatus::AcceptedWithIssues => "accepted_with_issues",
            DeliveryStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryStatus> {
        DeliveryStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Handed over and not rejected: counts on the *delivered* axis.
    pub fn is_delivered(self) -> bool {
        matches!(
            self,
            DeliveryStatus::HandedOver
                | DeliveryStatus::SiteSigned
                | DeliveryStatus::Accepted
                | DeliveryStatus::AcceptedWithIssues
        )
    }

    /// Signed for by the receiving site and its commune (possibly with
    /// issues).
    pub fn is_accepted(self) -> bool {
        matches!(
            self,
            DeliveryStatus::Accepted | DeliveryStatus::AcceptedWithIssues
        )
    }

    /// Still holds (part of) its allocations: everything but a rejection.
    pub fn holds_allocation(self) -> bool {
        self != DeliveryStatus::Rejected
    }
}

impl fmt::Display for DeliveryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Goods (items of the line's package) or money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryForm {
    Goods,
    Money,
}

impl DeliveryForm {
    pub const ALL: [DeliveryForm; 2] = [DeliveryForm::Goods, DeliveryForm::Money];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryForm::Goods => "goods",
            DeliveryForm::Money => "money",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryForm> {
        DeliveryForm::ALL
            .into_iter()
            .find(|x| x.as_str() == s.trim())
    }
}

/// One point of the acceptance checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CheckKind {
    /// Quantities (or the amount of money) match the minutes.
    Quantity,
    /// Quality, and sizes suitable for the age band.
    Quality,
    /// Expiry dates of food and medicine.
    Expiry,
    /// Packaging intact.
    Packaging,
    /// Documents present (minutes, invoices, certificates, receipts).
    Documents,
    /// Food-safety record of the supplier (nutrition).
    FoodSafety,
    /// Licensed provider and referrals (healthcare).
    LicensedProvider,
    /// The activity was held for the children counted (recreation).
    ActivityHeld,
}

impl CheckKind {
    pub const ALL: [CheckKind; 8] = [
        CheckKind::Quantity,
        CheckKind::Quality,
        CheckKind::Expiry,
        CheckKind::Packaging,
        CheckKind::Documents,
        CheckKind::FoodSafety,
        CheckKind::LicensedProvider,
        CheckKind::ActivityHeld,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::Quantity => "quantity",
            CheckKind::Quality => "quality",
            CheckKind::Expiry => "expiry",
            CheckKind::Packaging => "packaging",
            CheckKind::Documents => "documents",
            CheckKind::FoodSafety => "food_safety",
            CheckKind::LicensedProvider => "licensed_provider",
            CheckKind::ActivityHeld => "activity_held",
        }
    }

    pub fn parse(s: &str) -> Option<CheckKind> {
        CheckKind::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }
}

/// The checklist the receiving site answers, in order. Money is checked
/// for its amount and its papers; goods for quantity, quality and sizes,
/// packaging and papers, plus expiry for food and medicine and what the
/// category asks for.
pub fn checklist(category: Category, form: DeliveryForm) -> Vec<CheckKind> {
    use CheckKind as K;
    if form == DeliveryForm::Money {
        return vec![K::Quantity, K::Documents];
    }
    let mut out = vec![K::Quantity, K::Quality];
    if matches!(category, Category::Nutrition | Category::Healthcare) {
        out.push(K::Expiry);
    }
    out.push(K::Packaging);
    out.push(K::Documents);
    match category {
        Category::Nutrition => out.push(K::FoodSafety),
        Category::Healthcare => out.push(K::LicensedProvider),
        Category::Recreation => out.push(K::ActivityHeld),
        Category::WarmClothing | Category::Other => {}
    }
    out
}

/// What to do about a non-conformity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NcAction {
    /// The giver replaces the goods; once resolved, they count in full.
    Replace,
    /// The goods go back; their value is never accepted.
    Return,
    /// Accepted at a discount; the non-conformity's value is the discount.
    Discount,
}

impl NcAction {
    pub const ALL: [NcAction; 3] = [NcAction::Replace, NcAction::Return, NcAction::Discount];

    pub fn as_str(self) -> &'static str {
        match self {
            NcAction::Replace => "replace",
            NcAction::Return => "return",
            NcAction::Discount => "discount",
        }
    }

    pub fn parse(s: &str) -> Option<NcAction> {
        NcAction::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }
}

/// A non-conformity as the accepted value sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Nonconformity {
    /// The value concerned (for a discount: the discount), in đồng.
    pub value: i64,
    pub action: NcAction,
    pub resolved: bool,
}

impl Nonconformity {
    /// What it keeps off the accepted axis.
    pub fn not_accepted(&self) -> i64 {
        if self.action == NcAction::Replace && self.resolved {
            0
        } else {
            self.value.max(0)
        }
    }
}

/// The value a delivery's receiving site has accepted.
pub fn accepted_value(status: DeliveryStatus, value: i64, ncs: &[Nonconformity]) -> i64 {
    if !status.is_accepted() {
        return 0;
    }
    let kept_out = ncs
        .iter()
        .fold(0i64, |a, nc| a.saturating_add(nc.not_accepted()));
    value.saturating_sub(kept_out).clamp(0, value.max(0))
}

/// The receiving site's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Accept,
    Reject,
}

/// The status an acceptance leads to: a rejection is a rejection; an
/// acceptance with any open non-conformity is `accepted_with_issues`.
pub fn outcome(decision: Decision, ncs: &[Nonconformity]) -> DeliveryStatus {
    match decision {
        Decision::Reject => DeliveryStatus::Rejected,
        Decision::Accept if ncs.iter().any(|n| !n.resolved) => DeliveryStatus::AcceptedWithIssues,
        Decision::Accept => DeliveryStatus::Accepted,
    }
}

/// One answered point of the checklist, with the non-conformity a failure
/// raises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckAnswer {
    pub kind: CheckKind,
    pub passed: bool,
    /// For a failure: what is wrong (becomes the non-conformity's text).
    pub note: String,
    /// For a failure: how many units are concerned.
    pub quantity: i64,
    /// For a failure: the value concerned (or the discount), in đồng.
    pub value: i64,
    pub action: NcAction,
    /// Resolved on the spot (e.g. replaced before the minutes were signed).
    pub resolved: bool,
}

/// Why a delivery or an acceptance is refused. Shown as a translated
/// message; never carries anything about a child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryError {
    /// Goods need at least one item with a positive quantity; money a
    /// positive amount.
    Empty,
    /// A quantity or amount below zero.
    Negative,
    /// An item that is not in the line's package.
    UnknownItem(String),
    /// Money with items, or goods with an amount.
    WrongForm,
    /// More children than the line is for, or fewer than none.
    Children { max: i64 },
    /// A number too large for 64 bits.
    Overflow,
    /// A point of the checklist left unanswered.
    MissingCheck(CheckKind),
    /// A point answered that is not on this delivery's checklist.
    UnexpectedCheck(CheckKind),
    /// A failed point needs a note saying what is wrong.
    FailWithoutNote(CheckKind),
    /// A failed point's value is beyond the delivery's value.
    FailValue(CheckKind),
    /// Not possible from the delivery's current status.
    NotFrom(DeliveryStatus),
    /// The giver must be a fund, department, committee or organisation —
    /// not a site.
    Giver,
}

impl DeliveryError {
    pub fn message_key(&self) -> &'static str {
        match self {
            DeliveryError::Empty => "delivery-error-empty",
            DeliveryError::Negative => "delivery-error-negative",
            DeliveryError::UnknownItem(_) => "delivery-error-item",
            DeliveryError::WrongForm => "delivery-error-form",
            DeliveryError::Children { .. } => "delivery-error-children",
            DeliveryError::Overflow => "error-overflow",
            DeliveryError::MissingCheck(_) => "delivery-error-check-missing",
            DeliveryError::UnexpectedCheck(_) => "delivery-error-check-unexpected",
            DeliveryError::FailWithoutNote(_) => "delivery-error-check-note",
            DeliveryError::FailValue(_) => "delivery-error-check-value",
            DeliveryError::NotFrom(_) => "delivery-error-status",
            DeliveryError::Giver => "delivery-error-giver",
        }
    }
}

/// One line of the minutes: an item of the package, how many, at the
/// package's unit value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandedItem {
    pub name: String,
    pub unit: String,
    pub quantity: i64,
    pub unit_value: i64,
    pub value: i64,
}

/// The items handed over, valued at the package's unit values (never
/// typed), in the package's order; items with quantity zero are left out.
pub fn goods_items(
    package: &[PackageItem],
    quantities: &[(String, i64)],
) -> Result<Vec<HandedItem>, DeliveryError> {
    for (name, q) in quantities {
        if *q < 0 {
            return Err(DeliveryError::Negative);
        }
        if !package.iter().any(|i| i.name == *name) {
            return Err(DeliveryError::UnknownItem(name.clone()));
        }
    }
    let mut out = Vec::new();
    for item in package {
        let quantity = quantities
            .iter()
            .filter(|(n, _)| *n == item.name)
            .try_fold(0i64, |a, (_, q)| a.checked_add(*q))
            .ok_or(DeliveryError::Overflow)?;
        if quantity == 0 {
            continue;
        }
        let value = quantity
            .checked_mul(item.unit_value)
            .ok_or(DeliveryError::Overflow)?;
        out.push(HandedItem {
            name: item.name.clone(),
            unit: item.unit.clone(),
            quantity,
            unit_value: item.unit_value,
            value,
        });
    }
    if out.is_empty() {
        return Err(DeliveryError::Empty);
    }
    Ok(out)
}

/// The value of a delivery: Σ item values for goods, the amount for money.
pub fn delivery_value(
    form: DeliveryForm,
    items: &[HandedItem],
    amount: i64,
) -> Result<i64, DeliveryError> {
    match form {
        DeliveryForm::Goods => {
            if amount != 0 {
                return Err(DeliveryError::WrongForm);
            }
            let v = items
                .iter()
                .try_fold(0i64, |a, i| a.checked_add(i.value))
                .ok_or(DeliveryError::Overflow)?;
            if v <= 0 {
                return Err(DeliveryError::Empty);
            }
            Ok(v)
        }
        DeliveryForm::Money => {
            if !items.is_empty() {
                return Err(DeliveryError::WrongForm);
            }
            if amount < 0 {
                return Err(DeliveryError::Negative);
            }
            if amount == 0 {
                return Err(DeliveryError::Empty);
            }
            Ok(amount)
        }
    }
}

/// Children served by one delivery: between zero and the line's count.
pub fn check_children(served: i64, line_children: i64) -> Result<(), DeliveryError> {
    if served < 0 || served > line_children {
        return Err(DeliveryError::Children {
            max: line_children.max(0),
        });
    }
    Ok(())
}

/// Who may hand over: anyone but a receiving site.
pub fn may_give(org_type: OrgType) -> Result<(), DeliveryError> {
    if org_type.is_site() {
        Err(DeliveryError::Giver)
    } else {
        Ok(())
    }
}

/// The answers must cover exactly the checklist, once each; a failure
/// needs a note and a value within the delivery's.
pub fn check_answers(
    expected: &[CheckKind],
    answers: &[CheckAnswer],
    delivery_value: i64,
) -> Result<(), DeliveryError> {
    for a in answers {
        if !expected.contains(&a.kind) {
            return Err(DeliveryError::UnexpectedCheck(a.kind));
        }
        if answers.iter().filter(|b| b.kind == a.kind).count() > 1 {
            return Err(DeliveryError::UnexpectedCheck(a.kind));
        }
        if !a.passed {
            if a.note.trim().is_empty() {
                return Err(DeliveryError::FailWithoutNote(a.kind));
            }
            if a.quantity < 0 || a.value < 0 {
                return Err(DeliveryError::Negative);
            }
            if a.value > delivery_value {
                return Err(DeliveryError::FailValue(a.kind));
            }
        }
    }
    if let Some(missing) = expected
        .iter()
        .find(|k| !answers.iter().any(|a| a.kind == **k))
    {
        return Err(DeliveryError::MissingCheck(*missing));
    }
    Ok(())
}

/// The status after the receiving site signs its checklist (only a
/// handed-over delivery): a rejection is final; an acceptance waits for the
/// commune's co-signature.
pub fn accept(
    current: DeliveryStatus,
    decision: Decision,
) -> Result<DeliveryStatus, DeliveryError> {
    if current != DeliveryStatus::HandedOver {
        return Err(DeliveryError::NotFrom(current));
    }
    Ok(match decision {
        Decision::Reject => DeliveryStatus::Rejected,
        Decision::Accept => DeliveryStatus::SiteSigned,
    })
}

/// The status after the commune co-signs what the site signed: accepted
/// (with issues while a non-conformity is open), or rejected.
pub fn cosign(
    current: DeliveryStatus,
    decision: Decision,
    ncs: &[Nonconformity],
) -> Result<DeliveryStatus, DeliveryError> {
    if current != DeliveryStatus::SiteSigned {
        return Err(DeliveryError::NotFrom(current));
    }
    Ok(outcome(decision, ncs))
}

/// Who signs an acceptance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignSide {
    /// The receiving site (school, health station): the checklist.
    Site,
    /// The site's commune: the co-signature.
    Commune,
}

impl SignSide {
    pub fn as_str(self) -> &'static str {
        match self {
            SignSide::Site => "site",
            SignSide::Commune => "commune",
        }
    }

    pub fn parse(s: &str) -> Option<SignSide> {
        [SignSide::Site, SignSide::Commune]
            .into_iter()
            .find(|x| x.as_str() == s.trim())
    }
}

/// The status after a non-conformity is resolved: `accepted` once none is
/// left open. Only an accepted delivery's non-conformities are followed up.
pub fn after_resolution(
    current: DeliveryStatus,
    ncs_after: &[Nonconformity],
) -> Result<DeliveryStatus, DeliveryError> {
    if !current.is_accepted() {
        return Err(DeliveryError::NotFrom(current));
    }
    Ok(outcome(Decision::Accept, ncs_after))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(name: &str, unit_value: i64) -> PackageItem {
        PackageItem {
            name: name.into(),
            unit: "cái".into(),
            quantity: 1,
            unit_value,
        }
    }

    fn nc(value: i64, action: NcAction, resolved: bool) -> Nonconformity {
        Nonconformity {
            value,
            action,
            resolved,
        }
    }

    fn answer(kind: CheckKind, passed: bool) -> CheckAnswer {
        CheckAnswer {
            kind,
            passed,
            note: if passed {
                String::new()
            } else {
                "Thiếu".into()
            },
            quantity: 0,
            value: 0,
            action: NcAction::Replace,
            resolved: false,
        }
    }

    #[test]
    fn statuses_round_trip_and_only_handed_over_ones_count_as_delivered() {
        for s in DeliveryStatus::ALL {
            assert_eq!(DeliveryStatus::parse(s.as_str()), Some(s));
        }
        let delivered: Vec<_> = DeliveryStatus::ALL
            .into_iter()
            .filter(|s| s.is_delivered())
            .collect();
        assert_eq!(
            delivered,
            vec![
                DeliveryStatus::HandedOver,
                DeliveryStatus::SiteSigned,
                DeliveryStatus::Accepted,
                DeliveryStatus::AcceptedWithIssues
            ]
        );
        assert!(!DeliveryStatus::Rejected.holds_allocation());
        assert!(DeliveryStatus::Planned.holds_allocation());
        for k in CheckKind::ALL {
            assert_eq!(CheckKind::parse(k.as_str()), Some(k));
        }
        for a in NcAction::ALL {
            assert_eq!(NcAction::parse(a.as_str()), Some(a));
        }
    }

    #[test]
    fn goods_are_valued_at_the_package_prices_and_unknown_items_refused() {
        let pkg = [item("Chăn ấm", 150_000), item("Áo ấm", 170_000)];
        let items =
            goods_items(&pkg, &[("Áo ấm".into(), 10), ("Chăn ấm".into(), 0)]).expect("valid");
        assert_eq!(items.len(), 1, "zero quantities are left out");
        assert_eq!(items[0].value, 1_700_000);
        assert_eq!(
            delivery_value(DeliveryForm::Goods, &items, 0),
            Ok(1_700_000)
        );
        assert_eq!(
            goods_items(&pkg, &[("Mũ len".into(), 1)]),
            Err(DeliveryError::UnknownItem("Mũ len".into()))
        );
        assert_eq!(
            goods_items(&pkg, &[("Áo ấm".into(), -1)]),
            Err(DeliveryError::Negative)
        );
        assert_eq!(
            goods_items(&pkg, &[("Áo ấm".into(), 0)]),
            Err(DeliveryError::Empty)
        );
        assert_eq!(
            goods_items(&pkg, &[("Áo ấm".into(), i64::MAX)]),
            Err(DeliveryError::Overflow)
        );
        assert_eq!(
            delivery_value(DeliveryForm::Money, &items, 5),
            Err(DeliveryError::WrongForm)
        );
        assert_eq!(
            delivery_value(DeliveryForm::Money, &[], 0),
            Err(DeliveryError::Empty)
        );
        assert_eq!(
            delivery_value(DeliveryForm::Money, &[], -3),
            Err(DeliveryError::Negative)
        );
        assert_eq!(delivery_value(DeliveryForm::Money, &[], 9), Ok(9));
    }

    #[test]
    fn children_served_stay_within_the_line_and_sites_do_not_give() {
        assert_eq!(check_children(0, 100), Ok(()));
        assert_eq!(check_children(100, 100), Ok(()));
        assert_eq!(
            check_children(101, 100),
            Err(DeliveryError::Children { max: 100 })
        );
        assert!(check_children(-1, 100).is_err());
        assert_eq!(may_give(OrgType::School), Err(DeliveryError::Giver));
        assert_eq!(may_give(OrgType::Fund), Ok(()));
        assert_eq!(may_give(OrgType::PeoplesCommittee), Ok(()));
    }

    #[test]
    fn the_checklist_follows_the_category_and_the_form() {
        use CheckKind as K;
        assert_eq!(
            checklist(Category::Nutrition, DeliveryForm::Goods),
            vec![
                K::Quantity,
                K::Quality,
                K::Expiry,
                K::Packaging,
                K::Documents,
                K::FoodSafety
            ]
        );
        assert!(!checklist(Category::WarmClothing, DeliveryForm::Goods).contains(&K::Expiry));
        assert!(
            checklist(Category::Healthcare, DeliveryForm::Goods).contains(&K::LicensedProvider)
        );
        assert!(checklist(Category::Recreation, DeliveryForm::Goods).contains(&K::ActivityHeld));
        assert_eq!(
            checklist(Category::WarmClothing, DeliveryForm::Money),
            vec![K::Quantity, K::Documents]
        );
    }

    #[test]
    fn answers_cover_the_checklist_once_and_failures_say_what_is_wrong() {
        use CheckKind as K;
        let list = [K::Quantity, K::Documents];
        let ok = [answer(K::Quantity, true), answer(K::Documents, false)];
        assert_eq!(check_answers(&list, &ok, 1000), Ok(()));
        assert_eq!(
            check_answers(&list, &ok[..1], 1000),
            Err(DeliveryError::MissingCheck(K::Documents))
        );
        let mut silent = ok.clone();
        silent[1].note = "  ".into();
        assert_eq!(
            check_answers(&list, &silent, 1000),
            Err(DeliveryError::FailWithoutNote(K::Documents))
        );
        let mut twice = ok.to_vec();
        twice.push(answer(K::Quantity, true));
        assert_eq!(
            check_answers(&list, &twice, 1000),
            Err(DeliveryError::UnexpectedCheck(K::Quantity))
        );
        let extra = [
            answer(K::Quantity, true),
            answer(K::Documents, true),
            answer(K::Expiry, true),
        ];
        assert_eq!(
            check_answers(&list, &extra, 1000),
            Err(DeliveryError::UnexpectedCheck(K::Expiry))
        );
        let mut dear = ok.clone();
        dear[1].value = 1001;
        assert_eq!(
            check_answers(&list, &dear, 1000),
            Err(DeliveryError::FailValue(K::Documents))
        );
    }

    #[test]
    fn open_non_conformities_give_accepted_with_issues_and_keep_value_out() {
        use DeliveryStatus as S;
        let open = [nc(300, NcAction::Replace, false)];
        // The site signs first; only the commune's co-signature accepts.
        assert_eq!(accept(S::HandedOver, Decision::Accept), Ok(S::SiteSigned));
        assert_eq!(accepted_value(S::SiteSigned, 1000, &[]), 0);
        assert!(S::SiteSigned.is_delivered() && !S::SiteSigned.is_accepted());
        assert_eq!(
            cosign(S::SiteSigned, Decision::Accept, &open),
            Ok(S::AcceptedWithIssues)
        );
        assert_eq!(accepted_value(S::AcceptedWithIssues, 1000, &open), 700);
        assert_eq!(
            cosign(S::SiteSigned, Decision::Accept, &[]),
            Ok(S::Accepted)
        );
        assert_eq!(
            cosign(S::SiteSigned, Decision::Reject, &[]),
            Ok(S::Rejected)
        );
        assert_eq!(
            cosign(S::HandedOver, Decision::Accept, &[]),
            Err(DeliveryError::NotFrom(S::HandedOver))
        );
        assert_eq!(accept(S::HandedOver, Decision::Reject), Ok(S::Rejected));
        assert_eq!(accepted_value(S::Rejected, 1000, &[]), 0);
        assert_eq!(accepted_value(S::HandedOver, 1000, &[]), 0);
        assert_eq!(
            accept(S::Planned, Decision::Accept),
            Err(DeliveryError::NotFrom(S::Planned))
        );
        assert_eq!(
            accept(S::SiteSigned, Decision::Accept),
            Err(DeliveryError::NotFrom(S::SiteSigned))
        );
        // Replaced: counts in full; returned or discounted: never.
        let replaced = [nc(300, NcAction::Replace, true)];
        assert_eq!(
            after_resolution(S::AcceptedWithIssues, &replaced),
            Ok(S::Accepted)
        );
        assert_eq!(accepted_value(S::Accepted, 1000, &replaced), 1000);
        let returned = [
            nc(300, NcAction::Return, true),
            nc(200, NcAction::Discount, true),
        ];
        assert_eq!(accepted_value(S::Accepted, 1000, &returned), 500);
        let too_much = [
            nc(900, NcAction::Return, false),
            nc(900, NcAction::Return, false),
        ];
        assert_eq!(accepted_value(S::AcceptedWithIssues, 1000, &too_much), 0);
        assert_eq!(
            after_resolution(S::HandedOver, &replaced),
            Err(DeliveryError::NotFrom(S::HandedOver))
        );
    }
}
