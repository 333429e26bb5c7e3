//! What covers a need line, along separate axes, and the overlap guard:
//! before anything is committed or allocated to a line, everything that
//! already covers the same site, category and period is shown, and a
//! second coverage beyond the need is refused unless a coordinator
//! overrides it with a reason (R8).

/// One flow that already covers a line of the same site, category and
/// period: who gives it and how much, on which line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoveringFlow {
    pub need_line_id: String,
    /// The donor, department or level the money or goods come from.
    pub source: String,
    pub amount: i64,
}

/// The axes of one line (or a roll-up of lines), in đồng.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Coverage {
    pub need: i64,
    pub pledged: i64,
    pub committed: i64,
    pub received: i64,
    pub allocated: i64,
    pub delivered: i64,
    pub accepted: i64,
}

impl Coverage {
    /// need − committed, never below zero (over-coverage is reported by
    /// [`Coverage::over`]).
    pub fn gap(&self) -> i64 {
        self.need.saturating_sub(self.committed).max(0)
    }

    /// How much the committed coverage exceeds the need.
    pub fn over(&self) -> i64 {
        self.committed.saturating_sub(self.need).max(0)
    }

    /// Adds another line's axes (for roll-ups by site, commune, category,
    /// period, programme). Saturates rather than wraps.
    pub fn plus(self, o: Coverage) -> Coverage {
        Coverage {
            need: self.need.saturating_add(o.need),
            pledged: self.pledged.saturating_add(o.pledged),
            committed: self.committed.saturating_add(o.committed),
            received: self.received.saturating_add(o.received),
            allocated: self.allocated.saturating_add(o.allocated),
            delivered: self.delivered.saturating_add(o.delivered),
            accepted: self.accepted.saturating_add(o.accepted),
        }
    }

    /// Share of the need committed, in per mille (0–1000+).
    pub fn committed_per_mille(&self) -> i64 {
        if self.need <= 0 {
            return 0;
        }
        i64::try_from(i128::from(self.committed) * 1000 / i128::from(self.need)).unwrap_or(i64::MAX)
    }
}

/// The guard's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OverlapDecision {
    /// Within the need: go ahead.
    Allowed,
    /// Beyond the need, but a coordinator overrode it with this reason
    /// (to be logged with the allocation).
    Overridden { reason: String, excess: i64 },
    /// Beyond the need: refused; `existing` is what already covers it.
    Refused {
        excess: i64,
        line_need: i64,
        group_need: i64,
        existing: Vec<CoveringFlow>,
    },
    /// Zero or negative amounts are never allocated.
    NotPositive,
}

/// Decides whether `amount` more may cover line `line_id`, given the need of
/// the line, the need of all lines of the same site, category and
/// overlapping period (the group, which includes the line), and the flows
/// that already cover the group. Both the line and the group must stay
/// within their need, unless `override_reason` is given (coordinators
/// only: the caller checks the role).
pub fn check_overlap(
    line_id: &str,
    line_need: i64,
    group_need: i64,
    existing: &[CoveringFlow],
    amount: i64,
    override_reason: Option<&str>,
) -> OverlapDecision {
    if amount <= 0 {
        return OverlapDecision::NotPositive;
    }
    let on_line: i64 = existing
        .iter()
        .filter(|f| f.need_line_id == line_id)
        .fold(0i64, |a, f| a.saturating_add(f.amount));
    let on_group: i64 = existing
        .iter()
        .fold(0i64, |a, f| a.saturating_add(f.amount));
    let line_excess = on_line.saturating_add(amount).saturating_sub(line_need);
    let group_excess = on_group.saturating_add(amount).saturating_sub(group_need);
    let excess = line_excess.max(group_excess);
    if excess <= 0 {
        return OverlapDecision::Allowed;
    }
    match override_reason.map(str::trim).filter(|r| !r.is_empty()) {
        Some(reason) => OverlapDecision::Overridden {
            reason: reason.to_owned(),
            excess,
        },
        None => OverlapDecision::Refused {
            excess,
            line_need,
            group_need,
            existing: existing.to_vec(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(line: &str, source: &str, amount: i64) -> CoveringFlow {
        CoveringFlow {
            need_line_id: line.into(),
            source: source.into(),
            amount,
        }
    }

    #[test]
    fn the_gap_is_need_minus_committed() {
        let c = Coverage {
            need: 47_360_000,
            pledged: 47_360_000,
            committed: 28_000_000,
            ..Coverage::default()
        };
        assert_eq!(c.gap(), 19_360_000);
        assert_eq!(c.over(), 0);
        assert_eq!(c.committed_per_mille(), 591);
        let both = c.plus(c);
        assert_eq!(both.gap(), 2 * 19_360_000);
    }

    #[test]
    fn covering_within_the_need_is_allowed() {
        let existing = [flow("L1", "Quỹ BTTE", 20_000_000)];
        assert_eq!(
            check_overlap("L1", 47_360_000, 47_360_000, &existing, 27_360_000, None),
            OverlapDecision::Allowed
        );
    }

    #[test]
    fn a_second_full_coverage_is_refused_and_names_the_first() {
        let existing = [flow("L1", "Công ty Huế Xanh", 47_360_000)];
        match check_overlap("L1", 47_360_000, 47_360_000, &existing, 47_360_000, None) {
            OverlapDecision::Refused {
                excess, existing, ..
            } => {
                assert_eq!(excess, 47_360_000);
                assert_eq!(existing[0].source, "Công ty Huế Xanh");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn another_line_of_the_same_site_category_and_period_counts() {
        // A second warm-clothing line at the same school for the same winter:
        // the first is fully covered by another donor, so the group is full.
        let existing = [flow("L1", "Hội LHPN", 30_000_000)];
        let d = check_overlap("L2", 30_000_000, 30_000_000, &existing, 10_000_000, None);
        assert!(
            matches!(
                d,
                OverlapDecision::Refused {
                    excess: 10_000_000,
                    ..
                }
            ),
            "{d:?}"
        );
    }

    #[test]
    fn a_coordinator_may_override_with_a_reason_but_not_a_blank_one() {
        let existing = [flow("L1", "A", 10)];
        assert!(matches!(
            check_overlap("L1", 10, 10, &existing, 5, Some("   ")),
            OverlapDecision::Refused { .. }
        ));
        assert_eq!(
            check_overlap(
                "L1",
                10,
                10,
                &existing,
                5,
                Some("bổ sung áo cho trẻ mới nhập học")
            ),
            OverlapDecision::Overridden {
                reason: "bổ sung áo cho trẻ mới nhập học".into(),
                excess: 5
            }
        );
        assert_eq!(
            check_overlap("L1", 10, 10, &[], 0, None),
            OverlapDecision::NotPositive
        );
    }
}

/// A pledge's restrictions: each list, when present, must contain the
/// line's attribute (none = no restriction).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Restrictions {
    pub categories: Option<Vec<super::Category>>,
    pub unit_codes: Option<Vec<String>>,
    pub age_bands: Option<Vec<super::AgeBand>>,
    /// The pledge is for this period only.
    pub period_id: Option<String>,
}

impl Restrictions {
    pub fn allow(
        &self,
        category: super::Category,
        unit_code: &str,
        age_band: super::AgeBand,
        period_id: &str,
    ) -> bool {
        self.categories
            .as_ref()
            .is_none_or(|c| c.contains(&category))
            && self
                .unit_codes
                .as_ref()
                .is_none_or(|u| u.iter().any(|x| x == unit_code))
            && self
                .age_bands
                .as_ref()
                .is_none_or(|a| a.contains(&age_band))
            && self.period_id.as_deref().is_none_or(|p| p == period_id)
    }
}

#[cfg(test)]
mod restriction_tests {
    use super::super::{AgeBand, Category};
    use super::*;

    #[test]
    fn each_present_list_must_contain_the_lines_attribute() {
        let r = Restrictions {
            categories: Some(vec![Category::WarmClothing]),
            unit_codes: None,
            age_bands: Some(vec![AgeBand::PRESCHOOL, AgeBand::PRIMARY]),
            period_id: None,
        };
        assert!(r.allow(Category::WarmClothing, "20056", AgeBand::PRIMARY, "p1"));
        assert!(!r.allow(Category::Nutrition, "20056", AgeBand::PRIMARY, "p1"));
        assert!(!r.allow(Category::WarmClothing, "20056", AgeBand::OTHER, "p1"));
        assert!(Restrictions::default().allow(Category::Other, "x", AgeBand::OTHER, "p"));
        let p = Restrictions {
            period_id: Some("winter".into()),
            ..Restrictions::default()
        };
        assert!(!p.allow(Category::Other, "x", AgeBand::OTHER, "summer"));
    }
}
