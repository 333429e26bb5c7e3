//! What a donor's gifts became: for each allocation of their pledges, the
//! need line it went to and the share of each delivery drawn on it —
//! delivered, accepted, children served (a count, never a child).

use std::collections::HashMap;

use crate::{Db, StorageError, db_run};

/// One allocation of a donor's pledge, followed to its deliveries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GiftLine {
    pub allocation_id: String,
    pub pledge_id: String,
    pub need_line_id: String,
    pub site_name: String,
    pub unit_code: String,
    pub category: String,
    pub period_name: String,
    pub allocated: i64,
    /// Drawn on this allocation by deliveries handed over and not rejected.
    pub delivered: i64,
    /// The accepted part of what was delivered from this allocation
    /// (deliveries' accepted value, pro rata of what each drew on it).
    pub accepted: i64,
    /// Children served by those deliveries, at most the line's count.
    pub children_served: i64,
}

/// (allocation, pledge, line, site, unit, category, period, amount, line quantity).
type AllocRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
);

/// The allocations of one donor's pledges (or of one pledge), oldest first.
pub async fn of_donor(
    db: &Db,
    donor_id: &str,
    pledge_id: Option<&str>,
) -> Result<Vec<GiftLine>, StorageError> {
    type Loaded = (
        Vec<AllocRow>,
        Vec<(String, String, i64)>,
        Vec<crate::deliveries::Delivery>,
    );
    let (allocs, draws, drawn): Loaded = db_run!(db, |pool| {
        let allocs = sqlx::query_as(
            "SELECT a.id, a.pledge_id, n.id, s.name, n.unit_code, n.category, p.name, a.amount, n.quantity \
             FROM live_allocations a JOIN pledges g ON g.id = a.pledge_id JOIN need_lines n ON n.id = a.need_line_id \
             JOIN organisations s ON s.id = n.site_id JOIN periods p ON p.id = n.period_id \
             WHERE g.donor_id = $1 AND ($2 IS NULL OR g.id = $2) ORDER BY a.created_at, a.id",
        )
        .bind(donor_id)
        .bind(pledge_id)
        .fetch_all(pool)
        .await?;
        let draws = sqlx::query_as(
            "SELECT da.allocation_id, da.delivery_id, da.amount FROM delivery_allocations da \
             JOIN live_allocations a ON a.id = da.allocation_id JOIN pledges g ON g.id = a.pledge_id \
             WHERE g.donor_id = $1 AND ($2 IS NULL OR g.id = $2)",
        )
        .bind(donor_id)
        .bind(pledge_id)
        .fetch_all(pool)
        .await?;
        // The deliveries drawn on, in one query rather than one per delivery.
        let drawn = sqlx::query_as::<_, crate::deliveries::Delivery>(sqlx::AssertSqlSafe(format!(
            "{} WHERE id IN (SELECT da.delivery_id FROM delivery_allocations da \
             JOIN live_allocations a ON a.id = da.allocation_id JOIN pledges g ON g.id = a.pledge_id \
             WHERE g.donor_id = $1 AND ($2 IS NULL OR g.id = $2))",
            crate::deliveries::DELIVERY_COLUMNS
        )))
        .bind(donor_id)
        .bind(pledge_id)
        .fetch_all(pool)
        .await?;
        (allocs, draws, drawn)
    });
    // The deliveries drawn on, with their accepted value.
    let ncs = crate::deliveries::ncs_by_delivery(db).await?;
    let deliveries: HashMap<String, (crate::deliveries::Delivery, i64)> = drawn
        .into_iter()
        .map(|d| {
            let accepted =
                crate::deliveries::accepted_of(&d, ncs.get(&d.id).map_or(&[][..], Vec::as_slice));
            (d.id.clone(), (d, accepted))
        })
        .collect();
    let mut by_alloc: HashMap<String, (i64, i64, i64)> = HashMap::new();
    for (alloc, delivery_id, amount) in &draws {
        let Some((d, accepted)) = deliveries.get(delivery_id) else {
            continue;
        };
        if !d.status().is_some_and(|s| s.is_delivered()) {
            continue;
        }
        let share = if d.value > 0 {
            i64::try_from(i128::from(*accepted) * i128::from(*amount) / i128::from(d.value))
                .unwrap_or(0)
        } else {
            0
        };
        let e = by_alloc.entry(alloc.clone()).or_default();
        e.0 = e.0.saturating_add(*amount);
        e.1 = e.1.saturating_add(share);
        e.2 = e.2.saturating_add(d.children_served);
    }
    Ok(allocs
        .into_iter()
        .map(
            |(
                allocation_id,
                pledge_id,
                need_line_id,
                site_name,
                unit_code,
                category,
                period_name,
                allocated,
                quantity,
            )| {
                let (delivered, accepted, children) =
                    by_alloc.get(&allocation_id).copied().unwrap_or_default();
                GiftLine {
                    allocation_id,
                    pledge_id,
                    need_line_id,
                    site_name,
                    unit_code,
                    category,
                    period_name,
                    allocated,
                    delivered,
                    accepted,
                    children_served: children.min(quantity),
                }
            },
        )
        .collect())
}
