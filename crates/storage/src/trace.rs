//! The public trace of one receipt: where its money went. A pledge's
//! receipts, in the order received, fill its allocations in the order they
//! were made (the same rule as a line's *received* axis), so each receipt's
//! share of each line is exact and money is counted once. The money itself
//! is followed through transfers (fund → commune → school) to where it was
//! spent or is still held ([`crate::flows`]): one flow, not several gifts.
//! Officers' notes and descriptions stay internal.

use chrono::NaiveDate;

use crate::receipts::Receipt;
use crate::{Db, StorageError, db_run};

/// One need line a receipt's money went to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TracedLine {
    pub need_line_id: String,
    pub site_name: String,
    pub unit_code: String,
    pub category: String,
    pub period_name: String,
    /// Of this receipt.
    pub amount: i64,
}

/// A receipt as the public may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptTrace {
    pub receipt: Receipt,
    pub receiver_name: String,
    /// Only when the donor consented and is not anonymous.
    pub donor_public_name: Option<String>,
    pub donor_type: String,
    pub pledge_number: Option<i64>,
    pub lines: Vec<TracedLine>,
    /// Of this receipt, not (yet) allocated to any line.
    pub unallocated: i64,
    /// Where the money went, in the order it moved.
    pub transfers: Vec<TracedTransfer>,
    pub spent: Vec<TracedSpend>,
    /// Who holds what of it now (organisation name, amount), largest first.
    pub held_by: Vec<(String, i64)>,
}

/// One hop of the receipt's money.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TracedTransfer {
    pub on: NaiveDate,
    pub from_name: String,
    pub to_name: String,
    pub amount: i64,
}

/// Part of the receipt's money spent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TracedSpend {
    pub on: NaiveDate,
    pub org_name: String,
    pub need_line_id: Option<String>,
    pub amount: i64,
}

type AllocRow = (String, i64, String, String, String, String);
/// Receiver name, donor name, publish, anonymous, donor type, pledge number.
type Head = (String, String, bool, bool, String, Option<i64>);
type Sibling = (String, NaiveDate, i64);

pub async fn receipt(db: &Db, receipt_id: &str) -> Result<Option<ReceiptTrace>, StorageError> {
    let Some(receipt) = crate::receipts::get(db, receipt_id).await? else {
        return Ok(None);
    };
    let (head, siblings, allocs): (Head, Vec<Sibling>, Vec<AllocRow>) = db_run!(db, |pool| {
        let head = sqlx::query_as(
            "SELECT o.name, d.name, d.publish_name, d.anonymous, d.donor_type, g.number \
             FROM receipts r JOIN organisations o ON o.id = r.receiver_id \
             JOIN pledges g ON g.id = r.pledge_id JOIN donors d ON d.id = g.donor_id WHERE r.id = $1",
        )
        .bind(receipt_id)
        .fetch_one(pool)
        .await?;
        let siblings = sqlx::query_as(
            "SELECT id, received_on, amount FROM live_receipts WHERE pledge_id = $1 \
             ORDER BY received_on, created_at, id",
        )
        .bind(&receipt.pledge_id)
        .fetch_all(pool)
        .await?;
        let allocs = sqlx::query_as(
            "SELECT a.need_line_id, a.amount, s.name, n.unit_code, n.category, p.name \
             FROM live_allocations a JOIN need_lines n ON n.id = a.need_line_id \
             JOIN organisations s ON s.id = n.site_id JOIN periods p ON p.id = n.period_id \
             WHERE a.pledge_id = $1 ORDER BY a.created_at, a.id",
        )
        .bind(&receipt.pledge_id)
        .fetch_all(pool)
        .await?;
        (head, siblings, allocs)
    });
    let (receiver_name, donor_name, publish, anonymous, donor_type, pledge_number) = head;
    // This receipt's money is the interval [start, start + amount) of the
    // pledge's receipts laid end to end; each allocation is an interval of
    // the allocations laid end to end. Its share is the overlap.
    let mut start = 0i64;
    for (id, _, amount) in &siblings {
        if *id == receipt.id {
            break;
        }
        start = start.saturating_add(*amount);
    }
    let end = if receipt.reversed {
        start
    } else {
        start.saturating_add(receipt.amount)
    };
    let mut at = 0i64;
    let mut lines = Vec::new();
    let mut allocated = 0i64;
    for (line, amount, site, unit, category, period) in allocs {
        let (a0, a1) = (at, at.saturating_add(amount));
        at = a1;
        let share = a1.min(end) - a0.max(start);
        if share > 0 {
            allocated += share;
            lines.push(TracedLine {
                need_line_id: line,
                site_name: site,
                unit_code: unit,
                category,
                period_name: period,
                amount: share,
            });
        }
    }
    // Reversed flows (and, for a reversed receipt, the receipt itself) count
    // nowhere: a reversed receipt is nobody's money and fills no line.
    let (hops, spends) = crate::flows::of_receipt(db, receipt_id).await?;
    let hops: Vec<_> = hops.into_iter().filter(|t| !t.reversed).collect();
    let spends: Vec<_> = spends.into_iter().filter(|e| !e.reversed).collect();
    // What each organisation on the chain holds now (by id, named).
    let mut holders: Vec<(String, String, i64)> = vec![(
        receipt.receiver_id.clone(),
        receiver_name.clone(),
        if receipt.reversed { 0 } else { receipt.amount },
    )];
    let mut add =
        |id: &str, name: &str, delta: i64| match holders.iter_mut().find(|(i, _, _)| i == id) {
            Some((_, _, v)) => *v = v.saturating_add(delta),
            None => holders.push((id.to_owned(), name.to_owned(), delta)),
        };
    for t in &hops {
        add(&t.from_org_id, &t.from_name, -t.amount);
        add(&t.to_org_id, &t.to_name, t.amount);
    }
    for e in &spends {
        add(&e.org_id, &e.org_name, -e.amount);
    }
    let mut held_by: Vec<(String, i64)> = holders
        .into_iter()
        .filter(|(_, _, v)| *v > 0)
        .map(|(_, n, v)| (n, v))
        .collect();
    held_by.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let transfers = hops
        .into_iter()
        .map(|t| TracedTransfer {
            on: t.transferred_on,
            from_name: t.from_name,
            to_name: t.to_name,
            amount: t.amount,
        })
        .collect();
    let spent = spends
        .into_iter()
        .map(|e| TracedSpend {
            on: e.spent_on,
            org_name: e.org_name,
            need_line_id: e.need_line_id,
            amount: e.amount,
        })
        .collect();
    Ok(Some(ReceiptTrace {
        transfers,
        spent,
        held_by,
        unallocated: if receipt.reversed {
            0
        } else {
            receipt.amount - allocated
        },
        receipt,
        receiver_name,
        donor_public_name: (publish && !anonymous).then_some(donor_name),
        donor_type,
        pledge_number,
        lines,
    }))
}
