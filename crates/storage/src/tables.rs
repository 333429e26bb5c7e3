//! Flat listings of the need line's tables for downloads and the API:
//! receipts, allocations and deliveries with the names a reader needs.
//! Allocations and deliveries carry their line's unit code so the caller
//! can keep only what the viewer's area allows.

use chrono::NaiveDate;
use domain::authz::Visibility;

use crate::{Db, StorageError, db_run};

/// A receipt with its donor and receiver.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReceiptLine {
    pub id: String,
    pub receipt_no: String,
    pub received_on: NaiveDate,
    pub kind: String,
    pub method: String,
    pub amount: i64,
    pub account: String,
    pub receiver_id: String,
    pub receiver_name: String,
    pub pledge_id: String,
    pub donor_id: String,
    pub donor_name: String,
    pub is_demo: bool,
}

/// Receipts (of one donor, or all), newest first.
pub async fn receipts(db: &Db, donor_id: Option<&str>) -> Result<Vec<ReceiptLine>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, ReceiptLine>(
            "SELECT r.id, r.receipt_no, r.received_on, r.kind, r.method, r.amount, r.account, \
             r.receiver_id, o.name AS receiver_name, r.pledge_id, g.donor_id, d.name AS donor_name, r.is_demo \
             FROM live_receipts r JOIN pledges g ON g.id = r.pledge_id JOIN donors d ON d.id = g.donor_id \
             JOIN organisations o ON o.id = r.receiver_id \
             WHERE ($1 IS NULL OR g.donor_id = $1) ORDER BY r.received_on DESC, r.id",
        )
        .bind(donor_id)
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

/// An allocation with its line and donor.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AllocationLine {
    pub id: String,
    pub need_line_id: String,
    pub site_name: String,
    pub unit_code: String,
    pub category: String,
    pub period_name: String,
    pub pledge_id: String,
    pub donor_id: String,
    pub donor_name: String,
    pub amount: i64,
    pub override_reason: Option<String>,
    pub created_by: String,
    pub is_demo: bool,
}

/// Allocations on lines the viewer may see (of one donor, or all), oldest
/// first.
pub async fn allocations(
    db: &Db,
    visibility: &Visibility,
    donor_id: Option<&str>,
) -> Result<Vec<AllocationLine>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, AllocationLine>(
            "SELECT a.id, a.need_line_id, s.name AS site_name, n.unit_code, n.category, p.name AS period_name, \
             a.pledge_id, g.donor_id, d.name AS donor_name, a.amount, a.override_reason, a.created_by, a.is_demo \
             FROM live_allocations a JOIN need_lines n ON n.id = a.need_line_id \
             JOIN organisations s ON s.id = n.site_id JOIN periods p ON p.id = n.period_id \
             JOIN pledges g ON g.id = a.pledge_id JOIN donors d ON d.id = g.donor_id \
             WHERE ($1 IS NULL OR g.donor_id = $1) ORDER BY a.created_at, a.id",
        )
        .bind(donor_id)
        .fetch_all(pool)
        .await?
    });
    Ok(rows
        .into_iter()
        .filter(|a| donor_id.is_some() || visibility.allows_unit(&a.unit_code))
        .collect())
}

/// A delivery with its line's names and its accepted value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryLine {
    pub delivery: crate::deliveries::Delivery,
    pub site_name: String,
    pub category: String,
    pub period_name: String,
    pub accepted: i64,
}

/// Deliveries on lines the viewer may see, by planned date.
pub async fn deliveries(
    db: &Db,
    visibility: &Visibility,
) -> Result<Vec<DeliveryLine>, StorageError> {
    let rows: Vec<crate::deliveries::Delivery> = db_run!(db, |pool| {
        sqlx::query_as::<_, crate::deliveries::Delivery>(sqlx::AssertSqlSafe(format!(
            "{} ORDER BY planned_on, id",
            crate::deliveries::DELIVERY_COLUMNS
        )))
        .fetch_all(pool)
        .await?
    });
    let names: Vec<(String, String, String, String)> = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT n.id, s.name, n.category, p.name FROM need_lines n \
             JOIN organisations s ON s.id = n.site_id JOIN periods p ON p.id = n.period_id",
        )
        .fetch_all(pool)
        .await?
    });
    let names: std::collections::HashMap<String, (String, String, String)> = names
        .into_iter()
        .map(|(id, s, c, p)| (id, (s, c, p)))
        .collect();
    let ncs = crate::deliveries::ncs_by_delivery(db).await?;
    let mut out = Vec::new();
    for d in rows {
        if !visibility.allows_unit(&d.unit_code) {
            continue;
        }
        let accepted =
            crate::deliveries::accepted_of(&d, ncs.get(&d.id).map_or(&[][..], Vec::as_slice));
        let (site_name, category, period_name) =
            names.get(&d.need_line_id).cloned().unwrap_or_default();
        out.push(DeliveryLine {
            delivery: d,
            site_name,
            category,
            period_name,
            accepted,
        });
    }
    Ok(out)
}
