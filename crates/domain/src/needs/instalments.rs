//! A pledge's instalments (đợt đóng góp): amounts with due dates that add
//! up to the pledge, and which of them are overdue given what was received.

use chrono::NaiveDate;

/// One instalment of a pledge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instalment {
    pub amount: i64,
    pub due_on: NaiveDate,
}

/// Why a schedule of instalments is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleError {
    /// The instalment at this index (0-based) has an amount ≤ 0.
    BadAmount(usize),
    /// Two instalments fall due on the same date (the later index).
    SameDate(usize),
    /// The amounts add up to this, not to the pledge.
    WrongSum(i64),
    /// No instalment at all.
    Empty,
}

impl ScheduleError {
    pub fn message_key(self) -> &'static str {
        match self {
            ScheduleError::BadAmount(_) => "instalment-error-amount",
            ScheduleError::SameDate(_) => "instalment-error-date",
            ScheduleError::WrongSum(_) => "instalment-error-sum",
            ScheduleError::Empty => "instalment-error-empty",
        }
    }
}

/// Checks a schedule against the pledge's amount and returns it ordered by
/// due date.
pub fn check(pledge_amount: i64, items: &[Instalment]) -> Result<Vec<Instalment>, ScheduleError> {
    if items.is_empty() {
        return Err(ScheduleError::Empty);
    }
    let mut sum: i64 = 0;
    for (i, it) in items.iter().enumerate() {
        if it.amount <= 0 {
            return Err(ScheduleError::BadAmount(i));
        }
        if items[..i].iter().any(|o| o.due_on == it.due_on) {
            return Err(ScheduleError::SameDate(i));
        }
        sum = sum.saturating_add(it.amount);
    }
    if sum != pledge_amount {
        return Err(ScheduleError::WrongSum(sum));
    }
    let mut sorted = items.to_vec();
    sorted.sort_by_key(|i| i.due_on);
    Ok(sorted)
}

/// What is overdue on `today`: the due date of the first instalment not
/// covered by `received` (receipts fill instalments in due order) and the
/// amount due before today still missing. `None` when nothing is late.
pub fn overdue(
    schedule: &[Instalment],
    received: i64,
    today: NaiveDate,
) -> Option<(NaiveDate, i64)> {
    let mut sorted = schedule.to_vec();
    sorted.sort_by_key(|i| i.due_on);
    let mut cumulative: i64 = 0;
    let mut since = None;
    for it in sorted.iter().filter(|i| i.due_on < today) {
        cumulative = cumulative.saturating_add(it.amount);
        if since.is_none() && cumulative > received {
            since = Some(it.due_on);
        }
    }
    let missing = cumulative.saturating_sub(received);
    since.filter(|_| missing > 0).map(|d| (d, missing))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).expect("date")
    }

    fn i(amount: i64, due_on: NaiveDate) -> Instalment {
        Instalment { amount, due_on }
    }

    #[test]
    fn a_schedule_must_add_up_to_the_pledge_with_positive_amounts_and_distinct_dates() {
        let ok = check(30, &[i(20, d(3, 1)), i(10, d(1, 1))]).expect("valid");
        assert_eq!(ok, vec![i(10, d(1, 1)), i(20, d(3, 1))]);
        assert_eq!(
            check(31, &[i(20, d(3, 1)), i(10, d(1, 1))]),
            Err(ScheduleError::WrongSum(30))
        );
        assert_eq!(
            check(30, &[i(30, d(3, 1)), i(0, d(1, 1))]),
            Err(ScheduleError::BadAmount(1))
        );
        assert_eq!(
            check(30, &[i(15, d(3, 1)), i(15, d(3, 1))]),
            Err(ScheduleError::SameDate(1))
        );
        assert_eq!(check(0, &[]), Err(ScheduleError::Empty));
    }

    #[test]
    fn receipts_fill_instalments_in_due_order_and_only_passed_ones_are_late() {
        let s = [i(10, d(1, 1)), i(20, d(3, 1)), i(30, d(6, 1))];
        // Nothing due yet.
        assert_eq!(overdue(&s, 0, d(1, 1)), None);
        // The first is late.
        assert_eq!(overdue(&s, 0, d(2, 1)), Some((d(1, 1), 10)));
        // Paid the first: on time until the second passes.
        assert_eq!(overdue(&s, 10, d(2, 1)), None);
        assert_eq!(overdue(&s, 15, d(4, 1)), Some((d(3, 1), 15)));
        // Everything received early: never late.
        assert_eq!(overdue(&s, 60, d(12, 1)), None);
        assert_eq!(overdue(&s, 25, d(12, 1)), Some((d(3, 1), 35)));
    }
}
