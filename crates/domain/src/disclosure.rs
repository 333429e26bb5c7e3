//! Small-cell suppression for published counts (children reached by
//! commune and category): no count from 1 to `threshold − 1` is shown, and
//! no suppressed count can be worked out again from what is shown.
//!
//! A table is its cells plus its row totals, column totals and grand total.
//! Every row (the totals row included) and every column (the totals column
//! included) is one equation: *total = Σ cells*. Reading the table, anyone
//! can solve an equation with exactly one unknown member by subtraction. So
//! the rule kept here is:
//!
//! 1. **Primary suppression.** Every member (cell or total) whose count is
//!    `1 ..= threshold − 1` is [`Cell::Small`] (shown as `<5`). Zero is shown.
//! 2. **Secondary suppression.** While some equation has exactly one
//!    suppressed member, one more of its members is [`Cell::Hidden`]: the
//!    smallest non-zero shown cell of that row or column (ties: the first);
//!    if it has none, its total; failing that, a shown zero. Each step hides
//!    one more member, so it ends, and at the end every equation has zero or
//!    at least two suppressed members: no single subtraction reveals a
//!    count, nor does any chain of them (a chain must start with an
//!    equation that has one unknown).
//!
//! Pure and deterministic: the same table gives the same answer.

use thiserror::Error;

/// The threshold used on every public page: counts of 1 to 4 are `<5`.
pub const THRESHOLD: u64 = 5;

/// One published member of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    /// Shown as it is: zero, or at least the threshold.
    Shown(u64),
    /// A count from 1 to threshold − 1: shown as `<5`.
    Small,
    /// Hidden so that a small count elsewhere cannot be worked out.
    Hidden,
}

impl Cell {
    /// The count shown, if it is.
    pub fn shown(self) -> Option<u64> {
        match self {
            Cell::Shown(n) => Some(n),
            Cell::Small | Cell::Hidden => None,
        }
    }

    pub fn is_suppressed(self) -> bool {
        !matches!(self, Cell::Shown(_))
    }
}

/// A table ready to publish: the same shape as its input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Protected {
    pub cells: Vec<Vec<Cell>>,
    pub row_totals: Vec<Cell>,
    pub col_totals: Vec<Cell>,
    pub grand_total: Cell,
}

/// Why a table cannot be protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum TableError {
    #[error("row {row} has {found} cells, the first row has {expected}")]
    Ragged {
        row: usize,
        expected: usize,
        found: usize,
    },
    #[error("a total is too large to add up")]
    Overflow,
    #[error("the threshold must be at least 1")]
    BadThreshold,
}

/// What is known of one member while the table is worked on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Shown,
    Small,
    Hidden,
}

/// The table with its margins: `(rows + 1) × (cols + 1)`, totals in the
/// last row and column, the grand total in the corner.
struct Grid {
    rows: usize,
    cols: usize,
    value: Vec<Vec<u64>>,
    mark: Vec<Vec<Mark>>,
}

/// One equation: its cells (positions) and its total.
struct Line {
    cells: Vec<(usize, usize)>,
    total: (usize, usize),
}

impl Grid {
    fn lines(&self) -> Vec<Line> {
        let mut out = Vec::with_capacity(self.rows + self.cols + 2);
        for r in 0..=self.rows {
            out.push(Line {
                cells: (0..self.cols).map(|c| (r, c)).collect(),
                total: (r, self.cols),
            });
        }
        for c in 0..=self.cols {
            out.push(Line {
                cells: (0..self.rows).map(|r| (r, c)).collect(),
                total: (self.rows, c),
            });
        }
        out
    }

    fn suppressed(&self, (r, c): (usize, usize)) -> bool {
        self.mark[r][c] != Mark::Shown
    }

    /// The member to hide next in a line with one suppressed member.
    fn complement(&self, line: &Line) -> Option<(usize, usize)> {
        let smallest_nonzero = line
            .cells
            .iter()
            .copied()
            .filter(|&p| !self.suppressed(p) && self.value[p.0][p.1] > 0)
            .min_by_key(|&(r, c)| (self.value[r][c], r, c));
        if smallest_nonzero.is_some() {
            return smallest_nonzero;
        }
        if !self.suppressed(line.total) {
            return Some(line.total);
        }
        line.cells.iter().copied().find(|&p| !self.suppressed(p))
    }
}

/// Protects a table of counts: `rows[r][c]` is the count of row `r`,
/// column `c`. Totals are computed here, so they always add up.
pub fn protect(rows: &[Vec<u64>], threshold: u64) -> Result<Protected, TableError> {
    if threshold == 0 {
        return Err(TableError::BadThreshold);
    }
    let n_rows = rows.len();
    let n_cols = rows.first().map_or(0, Vec::len);
    if let Some((row, r)) = rows.iter().enumerate().find(|(_, r)| r.len() != n_cols) {
        return Err(TableError::Ragged {
            row,
            expected: n_cols,
            found: r.len(),
        });
    }
    let mut value = vec![vec![0u64; n_cols + 1]; n_rows + 1];
    for (r, row) in rows.iter().enumerate() {
        for (c, &v) in row.iter().enumerate() {
            value[r][c] = v;
            value[r][n_cols] = value[r][n_cols]
                .checked_add(v)
                .ok_or(TableError::Overflow)?;
            value[n_rows][c] = value[n_rows][c]
                .checked_add(v)
                .ok_or(TableError::Overflow)?;
            value[n_rows][n_cols] = value[n_rows][n_cols]
                .checked_add(v)
                .ok_or(TableError::Overflow)?;
        }
    }
    let mark = value
        .iter()
        .map(|row| {
            row.iter()
                .map(|&v| {
                    if v > 0 && v < threshold {
                        Mark::Small
                    } else {
                        Mark::Shown
                    }
                })
                .collect()
        })
        .collect();
    let mut grid = Grid {
        rows: n_rows,
        cols: n_cols,
        value,
        mark,
    };
    let lines = grid.lines();
    loop {
        let mut changed = false;
        for line in &lines {
            let suppressed = line
                .cells
                .iter()
                .chain(std::iter::once(&line.total))
                .filter(|&&p| grid.suppressed(p))
                .count();
            if suppressed == 1
                && let Some((r, c)) = grid.complement(line)
            {
                grid.mark[r][c] = Mark::Hidden;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let cell = |r: usize, c: usize| match grid.mark[r][c] {
        Mark::Shown => Cell::Shown(grid.value[r][c]),
        Mark::Small => Cell::Small,
        Mark::Hidden => Cell::Hidden,
    };
    Ok(Protected {
        cells: (0..n_rows)
            .map(|r| (0..n_cols).map(|c| cell(r, c)).collect())
            .collect(),
        row_totals: (0..n_rows).map(|r| cell(r, n_cols)).collect(),
        col_totals: (0..n_cols).map(|c| cell(n_rows, c)).collect(),
        grand_total: cell(n_rows, n_cols),
    })
}

#[cfg(test)]
#[allow(clippy::needless_range_loop)] // positions (r, c) name the table's members
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A reader who knows every shown member and solves, again and again,
    /// any row or column equation with exactly one unknown member. Returns
    /// the positions `(r, c)` (margins at index `rows`/`cols`) they learn.
    fn reader_derives(p: &Protected) -> Vec<(usize, usize)> {
        let rows = p.cells.len();
        let cols = p.col_totals.len();
        let mut known = vec![vec![false; cols + 1]; rows + 1];
        for r in 0..rows {
            for c in 0..cols {
                known[r][c] = !p.cells[r][c].is_suppressed();
            }
            known[r][cols] = !p.row_totals[r].is_suppressed();
        }
        for c in 0..cols {
            known[rows][c] = !p.col_totals[c].is_suppressed();
        }
        known[rows][cols] = !p.grand_total.is_suppressed();
        let mut lines: Vec<Vec<(usize, usize)>> = Vec::new();
        for r in 0..=rows {
            lines.push((0..=cols).map(|c| (r, c)).collect());
        }
        for c in 0..=cols {
            lines.push((0..=rows).map(|r| (r, c)).collect());
        }
        let mut learned = Vec::new();
        loop {
            let mut progress = false;
            for line in &lines {
                let unknown: Vec<_> = line.iter().filter(|&&(r, c)| !known[r][c]).collect();
                if let &[&(r, c)] = unknown.as_slice() {
                    known[r][c] = true;
                    learned.push((r, c));
                    progress = true;
                }
            }
            if !progress {
                return learned;
            }
        }
    }

    fn table(rows: &[&[u64]]) -> Vec<Vec<u64>> {
        rows.iter().map(|r| r.to_vec()).collect()
    }

    #[test]
    fn nothing_small_means_nothing_hidden() {
        let p = protect(&table(&[&[10, 0, 7], &[5, 12, 0]]), THRESHOLD).expect("table");
        assert_eq!(
            p.cells[0],
            vec![Cell::Shown(10), Cell::Shown(0), Cell::Shown(7)]
        );
        assert_eq!(p.row_totals, vec![Cell::Shown(17), Cell::Shown(17)]);
        assert_eq!(p.grand_total, Cell::Shown(34));
    }

    #[test]
    fn one_small_cell_in_a_row_takes_the_next_smallest_with_it() {
        // Row 0: 3 is small; its row total 3+20+9 = 32 is shown, so the
        // smallest other non-zero cell of the row (9) is hidden too; the
        // columns of 3 and 9 then each have one suppressed member and hide
        // their own next smallest (row 1's 6 and 8), and so on.
        let p = protect(&table(&[&[3, 20, 9], &[6, 30, 8]]), THRESHOLD).expect("table");
        assert_eq!(p.cells[0][0], Cell::Small);
        assert_eq!(p.cells[0][2], Cell::Hidden);
        assert_eq!(p.cells[1][0], Cell::Hidden);
        assert_eq!(p.cells[1][2], Cell::Hidden);
        assert_eq!(p.cells[0][1], Cell::Shown(20));
        assert!(reader_derives(&p).is_empty());
    }

    #[test]
    fn a_small_total_is_small_too() {
        let p = protect(&table(&[&[2, 1], &[10, 10]]), THRESHOLD).expect("table");
        assert_eq!(p.row_totals[0], Cell::Small);
        assert_eq!(p.cells[0], vec![Cell::Small, Cell::Small]);
        assert!(reader_derives(&p).is_empty());
    }

    #[test]
    fn a_row_of_zeros_but_one_small_cell_hides_through_the_columns() {
        // Row 0 has 2 and zeros: the total (2) is small as well, so the row
        // has two suppressed members. The column of the 2 hides its next
        // smallest (7), and the column of row totals hides the next
        // smallest total (27): row 1 then has two hidden members as well.
        let p = protect(&table(&[&[2, 0, 0], &[7, 9, 11]]), THRESHOLD).expect("table");
        assert_eq!(p.cells[0][0], Cell::Small);
        assert_eq!(p.row_totals[0], Cell::Small);
        assert_eq!(p.cells[0][1], Cell::Shown(0));
        assert_eq!(p.cells[1][0], Cell::Hidden);
        assert_eq!(p.row_totals[1], Cell::Hidden);
        assert_eq!(p.cells[1][1], Cell::Shown(9));
        assert_eq!(p.grand_total, Cell::Shown(29));
        assert!(reader_derives(&p).is_empty());
    }

    #[test]
    fn a_single_column_hides_the_totals_it_needs() {
        let p = protect(&table(&[&[3], &[40], &[12]]), THRESHOLD).expect("table");
        assert_eq!(p.cells[0][0], Cell::Small);
        assert_eq!(p.row_totals[0], Cell::Small);
        assert!(reader_derives(&p).is_empty());
        // Nothing shown is ever a small count.
        assert!(
            p.cells
                .iter()
                .flatten()
                .filter_map(|c| c.shown())
                .all(|v| v == 0 || v >= THRESHOLD)
        );
    }

    #[test]
    fn empty_and_ragged_tables() {
        let p = protect(&[], THRESHOLD).expect("empty");
        assert_eq!(p.grand_total, Cell::Shown(0));
        assert!(p.cells.is_empty() && p.col_totals.is_empty());
        assert_eq!(
            protect(&table(&[&[1, 2], &[3]]), THRESHOLD),
            Err(TableError::Ragged {
                row: 1,
                expected: 2,
                found: 1
            })
        );
        assert_eq!(
            protect(&table(&[&[u64::MAX, 1]]), THRESHOLD),
            Err(TableError::Overflow)
        );
        assert_eq!(protect(&[], 0), Err(TableError::BadThreshold));
    }

    #[test]
    fn the_same_table_gives_the_same_answer() {
        let t = table(&[&[1, 6, 0, 9], &[7, 2, 8, 40], &[0, 0, 3, 5]]);
        assert_eq!(
            protect(&t, THRESHOLD).expect("a"),
            protect(&t, THRESHOLD).expect("b")
        );
    }

    /// Random tables, small counts frequent.
    fn tables() -> impl Strategy<Value = Vec<Vec<u64>>> {
        (1usize..7, 1usize..7).prop_flat_map(|(r, c)| {
            proptest::collection::vec(
                proptest::collection::vec(
                    prop_oneof![3 => Just(0u64), 4 => 1u64..5, 3 => 5u64..60],
                    c,
                ),
                r,
            )
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// No suppressed member can be derived exactly from the shown
        /// members by subtracting along a row or a column (or any chain of
        /// such subtractions).
        #[test]
        fn no_suppressed_count_can_be_recovered_by_subtraction(t in tables()) {
            let p = protect(&t, THRESHOLD).expect("table");
            prop_assert_eq!(reader_derives(&p), Vec::<(usize, usize)>::new());
        }

        /// What is shown is true, and no count from 1 to 4 is ever shown.
        #[test]
        fn shown_counts_are_true_and_never_small(t in tables()) {
            let p = protect(&t, THRESHOLD).expect("table");
            let rows = t.len();
            let cols = t[0].len();
            let row_total = |r: usize| t[r].iter().sum::<u64>();
            let col_total = |c: usize| t.iter().map(|row| row[c]).sum::<u64>();
            let mut members: Vec<(Cell, u64)> = Vec::new();
            for r in 0..rows {
                for c in 0..cols {
                    members.push((p.cells[r][c], t[r][c]));
                }
                members.push((p.row_totals[r], row_total(r)));
            }
            for c in 0..cols {
                members.push((p.col_totals[c], col_total(c)));
            }
            members.push((p.grand_total, t.iter().flatten().sum()));
            for (cell, truth) in members {
                match cell {
                    Cell::Shown(v) => {
                        prop_assert_eq!(v, truth);
                        prop_assert!(v == 0 || v >= THRESHOLD);
                    }
                    Cell::Small => prop_assert!(truth > 0 && truth < THRESHOLD),
                    Cell::Hidden => prop_assert!(truth == 0 || truth >= THRESHOLD),
                }
            }
        }

        /// Tables without small counts are published whole.
        #[test]
        fn tables_without_small_counts_are_untouched(
            t in (1usize..6, 1usize..6).prop_flat_map(|(r, c)| {
                proptest::collection::vec(
                    proptest::collection::vec(prop_oneof![Just(0u64), 5u64..100], c),
                    r,
                )
            })
        ) {
            let p = protect(&t, THRESHOLD).expect("table");
            prop_assert!(p.cells.iter().flatten().all(|c| !c.is_suppressed()));
            prop_assert!(!p.grand_total.is_suppressed());
        }
    }
}
