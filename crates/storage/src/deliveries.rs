//! Deliveries (giao nhận): goods of a need line's package, or money, handed
//! over by a giver (fund, commune, department, organisation) to the line's
//! site, drawn on the line's allocations. Planned first or recorded at once
//! as handed over; the handover numbers the minutes (biên bản bàn giao) in
//! the giver's series for the year and appends a `distribution` leaf to the
//! public ledger in the same transaction.
//!
//! What a delivery may draw is decided inside one write transaction under
//! the deliveries lock (SQLite `BEGIN IMMEDIATE`; PostgreSQL an advisory
//! lock), so two officers cannot hand over the same money twice:
//!
//! * planned or handed over, a delivery holds part of the line's
//!   allocations — never beyond what was allocated to the line;
//! * handed over, it must also be within what those allocations have
//!   received (a pledge's receipts fill its allocations in order, as in
//!   [`crate::receipts::received_by_line`]);
//! * goods never beyond the package's quantities × the line's children.
//!
//! A rejected delivery holds nothing. The *delivered* and *accepted* axes
//! of a line are computed from deliveries and non-conformities
//! ([`axes_by_line`]), never stored. Acceptance lives in
//! [`crate::acceptance`].

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use domain::needs::delivery::{
    self as rules, DeliveryError, DeliveryForm, DeliveryStatus, HandedItem, NcAction, Nonconformity,
};
use serde_json::json;

use crate::audit::{AuditActor, AuditConn, AuditRecord};
use crate::ledger::LedgerConn;
use crate::{Backend, Db, StorageError, db_run, db_tx};

/// A person who hands over or receives: staff or a principal, never a
/// child.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Representative {
    pub name: String,
    pub position: String,
}

impl Representative {
    fn cleaned(&self) -> Representative {
        Representative {
            name: domain::text::clean(&self.name),
            position: domain::text::clean(&self.position),
        }
    }

    fn is_complete(&self) -> bool {
        !self.name.trim().is_empty() && !self.position.trim().is_empty()
    }
}

/// A delivery as entered.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub need_line_id: String,
    pub giver_id: String,
    /// `goods` or `money`.
    pub form: String,
    /// Goods: (item of the line's package, quantity).
    pub quantities: Vec<(String, i64)>,
    /// Money: the amount, in đồng.
    pub amount: i64,
    pub children_served: i64,
    /// The planned date, or the date of the handover.
    pub on: NaiveDate,
    /// Recorded as handed over at once (the minutes are signed).
    pub hand_over: bool,
    pub place: String,
    pub giver_rep: Representative,
    pub receiver_rep: Representative,
    pub note: String,
    pub is_demo: bool,
}

/// The handover of a planned delivery.
#[derive(Debug, Clone)]
pub struct Handover {
    pub on: NaiveDate,
    pub place: String,
    pub giver_rep: Representative,
    pub receiver_rep: Representative,
}

/// A stored delivery.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Delivery {
    pub id: String,
    pub need_line_id: String,
    pub site_id: String,
    pub unit_code: String,
    pub giver_id: String,
    pub form: String,
    pub value: i64,
    pub children_served: i64,
    pub status: String,
    pub planned_on: NaiveDate,
    pub handed_over_on: Option<NaiveDate>,
    pub minutes_no: Option<String>,
    pub place: String,
    pub giver_rep_name: String,
    pub giver_rep_position: String,
    pub receiver_rep_name: String,
    pub receiver_rep_position: String,
    pub note: String,
    pub created_by: String,
    pub handed_over_by: Option<String>,
    pub accepted_on: Option<NaiveDate>,
    pub accepted_by: Option<String>,
    pub is_demo: bool,
}

impl Delivery {
    pub fn status(&self) -> Option<DeliveryStatus> {
        DeliveryStatus::parse(&self.status)
    }
}

pub(crate) const DELIVERY_COLUMNS: &str = "SELECT id, need_line_id, site_id, unit_code, giver_id, form, value, \
    children_served, status, planned_on, handed_over_on, minutes_no, place, giver_rep_name, \
    giver_rep_position, receiver_rep_name, receiver_rep_position, note, created_by, handed_over_by, \
    accepted_on, accepted_by, is_demo FROM deliveries";

/// One line of the minutes.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeliveryItem {
    pub name: String,
    pub unit: String,
    pub quantity: i64,
    pub unit_value: i64,
    pub value: i64,
}

/// What a delivery draws on one allocation, with the allocation's donor.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeliverySource {
    pub allocation_id: String,
    pub amount: i64,
    pub donor_name: String,
}

/// Why a delivery (or its acceptance) was not recorded; nothing was
/// written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryRefusal {
    /// The domain's rules refused the input.
    Invalid(DeliveryError),
    UnknownLine,
    /// Only verified or published lines are delivered to.
    LineNotOpen,
    UnknownGiver,
    UnknownDelivery,
    /// Beyond what the line's allocations have left.
    BeyondAllocated {
        remaining: i64,
    },
    /// Beyond what the line's allocations have received and not yet
    /// handed over.
    BeyondReceived {
        remaining: i64,
    },
    /// More of an item than the package × children of the line.
    BeyondNeed {
        item: String,
        remaining: i64,
    },
    /// A handover needs both representatives' names and positions.
    Representatives,
    /// Someone else changed the delivery first.
    Changed,
    /// Whoever recorded the handover cannot also record its acceptance.
    SameHands,
    UnknownNonconformity,
    AlreadyResolved,
    /// A resolution needs a note saying how.
    NoteRequired,
    /// The commune's co-signature must come from someone other than the
    /// site's signer.
    SameSigner,
    UnknownStore,
    /// The store does not hold enough.
    Stock(domain::needs::stock::StockError),
}

impl DeliveryRefusal {
    pub fn message_key(&self) -> &'static str {
        match self {
            DeliveryRefusal::Invalid(e) => e.message_key(),
            DeliveryRefusal::UnknownLine => "allocation-error-line",
            DeliveryRefusal::LineNotOpen => "delivery-error-line-status",
            DeliveryRefusal::UnknownGiver => "delivery-error-giver",
            DeliveryRefusal::UnknownDelivery => "delivery-error-unknown",
            DeliveryRefusal::BeyondAllocated { .. } => "delivery-error-beyond-allocated",
            DeliveryRefusal::BeyondReceived { .. } => "delivery-error-beyond-received",
            DeliveryRefusal::BeyondNeed { .. } => "delivery-error-beyond-need",
            DeliveryRefusal::Representatives => "delivery-error-representatives",
            DeliveryRefusal::Changed => "delivery-error-changed",
            DeliveryRefusal::SameHands => "delivery-error-same-hands",
            DeliveryRefusal::UnknownNonconformity => "delivery-error-nc-unknown",
            DeliveryRefusal::AlreadyResolved => "delivery-error-nc-resolved",
            DeliveryRefusal::NoteRequired => "delivery-error-note",
            DeliveryRefusal::SameSigner => "delivery-error-same-signer",
            DeliveryRefusal::UnknownStore => "stock-error-store",
            DeliveryRefusal::Stock(e) => e.message_key(),
        }
    }
}

impl From<DeliveryError> for DeliveryRefusal {
    fn from(e: DeliveryError) -> Self {
        DeliveryRefusal::Invalid(e)
    }
}

pub type DeliveryOutcome = Result<Delivery, DeliveryRefusal>;

/// The deliveries lock (PostgreSQL); SQLite's `BEGIN IMMEDIATE` already
/// serialises writers.
pub(crate) fn delivery_lock(db: &Db) -> Option<&'static str> {
    match db.backend() {
        Backend::Postgres => Some("SELECT pg_advisory_xact_lock(4046590)"),
        Backend::Sqlite => None,
    }
}

/// One allocation of the line: its amount and what its pledge's receipts
/// have filled of it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AllocationBook {
    id: String,
    amount: i64,
    received: i64,
}

/// What deliveries of the line draw: (allocation, delivery, status, amount).
type Draw = (String, String, String, i64);

/// (allocation, need line, pledge, amount), oldest first.
type AllocRow = (String, String, String, i64);

/// Receipts fill each pledge's allocations in the order they were made;
/// the line's allocations with what they received.
fn line_book(
    line_id: &str,
    allocs: &[AllocRow],
    receipts: &[(String, i64)],
) -> Vec<AllocationBook> {
    let mut left: HashMap<&str, i64> = receipts.iter().map(|(p, s)| (p.as_str(), *s)).collect();
    let mut out = Vec::new();
    for (id, line, pledge, amount) in allocs {
        let take = left
            .get_mut(pledge.as_str())
            .map(|avail| {
                let take = (*amount).min(*avail).max(0);
                *avail -= take;
                take
            })
            .unwrap_or(0);
        if line == line_id {
            out.push(AllocationBook {
                id: id.clone(),
                amount: *amount,
                received: take,
            });
        }
    }
    out
}

/// What each allocation can still give a delivery (`exclude` is the
/// delivery being handed over, whose own draw is recomputed): within what
/// was allocated, and — for a handover — within what was received and not
/// yet handed over.
fn capacities(
    book: &[AllocationBook],
    draws: &[Draw],
    exclude: Option<&str>,
    handing_over: bool,
) -> Vec<(String, i64)> {
    book.iter()
        .map(|a| {
            let mut held = 0i64;
            let mut handed = 0i64;
            for (alloc, delivery, status, amount) in draws {
                if *alloc != a.id || Some(delivery.as_str()) == exclude {
                    continue;
                }
                let Some(s) = DeliveryStatus::parse(status) else {
                    continue;
                };
                if s.holds_allocation() {
                    held = held.saturating_add(*amount);
                }
                if s.is_delivered() {
                    handed = handed.saturating_add(*amount);
                }
            }
            let mut cap = a.amount.saturating_sub(held);
            if handing_over {
                cap = cap.min(a.received.saturating_sub(handed));
            }
            (a.id.clone(), cap.max(0))
        })
        .collect()
}

/// Draws `value` from the allocations in order; `Err(total)` when they
/// cannot give that much.
fn draw(caps: &[(String, i64)], value: i64) -> Result<Vec<(String, i64)>, i64> {
    let total = caps.iter().fold(0i64, |a, (_, c)| a.saturating_add(*c));
    if value > total {
        return Err(total);
    }
    let mut left = value;
    let mut out = Vec::new();
    for (id, cap) in caps {
        if left == 0 {
            break;
        }
        let take = left.min(*cap);
        if take > 0 {
            out.push((id.clone(), take));
            left -= take;
        }
    }
    Ok(out)
}

/// Decides what a delivery draws: within what was allocated, and for a
/// handover within what was received.
fn decide_draw(
    book: &[AllocationBook],
    draws: &[Draw],
    exclude: Option<&str>,
    handing_over: bool,
    value: i64,
) -> Result<Vec<(String, i64)>, DeliveryRefusal> {
    let plan = draw(&capacities(book, draws, exclude, false), value)
        .map_err(|remaining| DeliveryRefusal::BeyondAllocated { remaining })?;
    if !handing_over {
        return Ok(plan);
    }
    draw(&capacities(book, draws, exclude, true), value)
        .map_err(|remaining| DeliveryRefusal::BeyondReceived { remaining })
}

/// Reads, inside the open transaction, the line's allocations (with what
/// they received) and what its deliveries already draw.
macro_rules! load_book {
    ($tx:ident, $line:expr) => {
        async {
            let line: &str = $line;
            let allocs: Vec<AllocRow> = sqlx::query_as(
                "SELECT a.id, a.need_line_id, a.pledge_id, a.amount FROM live_allocations a \
                 WHERE a.pledge_id IN (SELECT b.pledge_id FROM live_allocations b WHERE b.need_line_id = $1) \
                 ORDER BY a.created_at, a.id",
            )
            .bind(line)
            .fetch_all(&mut *$tx)
            .await?;
            let receipts: Vec<(String, i64)> = sqlx::query_as(
                "SELECT r.pledge_id, CAST(SUM(r.amount) AS BIGINT) FROM live_receipts r \
                 WHERE r.pledge_id IN (SELECT b.pledge_id FROM live_allocations b WHERE b.need_line_id = $1) \
                 GROUP BY r.pledge_id",
            )
            .bind(line)
            .fetch_all(&mut *$tx)
            .await?;
            let draws: Vec<Draw> = sqlx::query_as(
                "SELECT s.allocation_id, s.delivery_id, d.status, s.amount FROM delivery_allocations s \
                 JOIN deliveries d ON d.id = s.delivery_id WHERE d.need_line_id = $1",
            )
            .bind(line)
            .fetch_all(&mut *$tx)
            .await?;
            Ok::<(Vec<AllocationBook>, Vec<Draw>), StorageError>((
                line_book(line, &allocs, &receipts),
                draws,
            ))
        }
        .await
    };
}

/// The next minutes number in the giver's series for the year.
macro_rules! next_minutes_no {
    ($tx:ident, $giver:expr, $on:expr) => {
        async {
            let prefix = format!("{}/", $on.year());
            let seq: (i64,) = sqlx::query_as(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM deliveries WHERE giver_id = $1 AND minutes_no LIKE $2",
            )
            .bind($giver)
            .bind(format!("{prefix}%"))
            .fetch_one(&mut *$tx)
            .await?;
            Ok::<String, StorageError>(format!("{prefix}{:05}", seq.0 + 1))
        }
        .await
    };
}

/// Line facts read before the transaction (immutable once entered).
struct LineFacts {
    quantity: i64,
    package: Vec<domain::needs::PackageItem>,
}

async fn line_facts(db: &Db, line_id: &str) -> Result<Option<LineFacts>, StorageError> {
    let row: Option<(String, i64)> = db_run!(db, |pool| {
        sqlx::query_as("SELECT package_id, quantity FROM need_lines WHERE id = $1")
            .bind(line_id)
            .fetch_optional(pool)
            .await?
    });
    let Some((package_id, quantity)) = row else {
        return Ok(None);
    };
    let package = crate::catalogue::package(db, &package_id)
        .await?
        .ok_or_else(|| StorageError::Corrupt(format!("need line {line_id}: package")))?;
    Ok(Some(LineFacts {
        quantity,
        package: package.version.items,
    }))
}

/// Plans a delivery, or records one handed over at once (with its minutes
/// number and its ledger leaf). The caller has checked that the line's
/// site lies in the actor's scope.
pub async fn create(
    db: &Db,
    d: &NewDelivery,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<DeliveryOutcome, StorageError> {
    create_in(db, d, None, actor, now).await
}

/// Plans a delivery of goods drawn from a store, or records one handed
/// over at once: the handover writes the store's `out` events in the same
/// transaction, and is refused beyond the store's stock.
pub async fn create_from_store(
    db: &Db,
    d: &NewDelivery,
    store_id: &str,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<DeliveryOutcome, StorageError> {
    create_in(db, d, Some(store_id), actor, now).await
}

/// (name, unit, quantity, unit value) of what goes out of a store.
fn outgoing(items: &[HandedItem]) -> Vec<(String, String, i64, i64)> {
    items
        .iter()
        .map(|i| (i.name.clone(), i.unit.clone(), i.quantity, i.unit_value))
        .collect()
}

async fn create_in(
    db: &Db,
    d: &NewDelivery,
    store: Option<&str>,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<DeliveryOutcome, StorageError> {
    let Some(form) = DeliveryForm::parse(&d.form) else {
        return Ok(Err(DeliveryError::WrongForm.into()));
    };
    if let Some(store) = store {
        if form != DeliveryForm::Goods {
            return Ok(Err(DeliveryError::WrongForm.into()));
        }
        if crate::stock::get_store(db, store).await?.is_none() {
            return Ok(Err(DeliveryRefusal::UnknownStore));
        }
    }
    let stock_lock = crate::stock::stock_lock(db);
    let Some(line) = line_facts(db, &d.need_line_id).await? else {
        return Ok(Err(DeliveryRefusal::UnknownLine));
    };
    let items: Vec<HandedItem> = match form {
        DeliveryForm::Goods => match rules::goods_items(&line.package, &d.quantities) {
            Ok(items) => items,
            Err(e) => return Ok(Err(e.into())),
        },
        DeliveryForm::Money if d.quantities.iter().any(|(_, q)| *q != 0) => {
            return Ok(Err(DeliveryError::WrongForm.into()));
        }
        DeliveryForm::Money => Vec::new(),
    };
    let amount = if form == DeliveryForm::Money {
        d.amount
    } else {
        0
    };
    let value = match rules::delivery_value(form, &items, amount) {
        Ok(v) => v,
        Err(e) => return Ok(Err(e.into())),
    };
    if let Err(e) = rules::check_children(d.children_served, line.quantity) {
        return Ok(Err(e.into()));
    }
    let Some(giver) = crate::organisations::get(db, &d.giver_id).await? else {
        return Ok(Err(DeliveryRefusal::UnknownGiver));
    };
    let Ok(giver_type) = giver.org_type.parse::<domain::organisation::OrgType>() else {
        return Ok(Err(DeliveryRefusal::UnknownGiver));
    };
    if let Err(e) = rules::may_give(giver_type) {
        return Ok(Err(e.into()));
    }
    let giver_rep = d.giver_rep.cleaned();
    let receiver_rep = d.receiver_rep.cleaned();
    if d.hand_over && !(giver_rep.is_complete() && receiver_rep.is_complete()) {
        return Ok(Err(DeliveryRefusal::Representatives));
    }
    let lock = delivery_lock(db);
    let place = domain::text::clean(&d.place);
    let note = domain::text::clean(&d.note);
    let out = db_tx!(db, |tx| {
        if let Some(sql) = lock {
            sqlx::query(sql).execute(&mut *tx).await?;
        }
        let row: Option<(String, String, String)> =
            sqlx::query_as("SELECT status, site_id, unit_code FROM need_lines WHERE id = $1")
                .bind(&d.need_line_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((line_status, site_id, unit_code)) = row else {
            return Ok(Err(DeliveryRefusal::UnknownLine));
        };
        if line_status != "verified" && line_status != "published" {
            return Ok(Err(DeliveryRefusal::LineNotOpen));
        }
        // Goods: never more of an item than the package × children.
        if !items.is_empty() {
            let given: Vec<(String, i64)> = sqlx::query_as(
                "SELECT i.name, CAST(SUM(i.quantity) AS BIGINT) FROM delivery_items i \
                 JOIN deliveries d ON d.id = i.delivery_id \
                 WHERE d.need_line_id = $1 AND d.status <> 'rejected' GROUP BY i.name",
            )
            .bind(&d.need_line_id)
            .fetch_all(&mut *tx)
            .await?;
            for it in &items {
                let per_child = line
                    .package
                    .iter()
                    .find(|p| p.name == it.name)
                    .map_or(0, |p| p.quantity);
                let cap = per_child.saturating_mul(line.quantity);
                let already = given
                    .iter()
                    .find(|(n, _)| *n == it.name)
                    .map_or(0, |(_, q)| *q);
                let remaining = cap.saturating_sub(already).max(0);
                if it.quantity > remaining {
                    return Ok(Err(DeliveryRefusal::BeyondNeed {
                        item: it.name.clone(),
                        remaining,
                    }));
                }
            }
        }
        let (book, draws) = load_book!(tx, &d.need_line_id)?;
        let sources = match decide_draw(&book, &draws, None, d.hand_over, value) {
            Ok(s) => s,
            Err(r) => return Ok(Err(r)),
        };
        let minutes_no = if d.hand_over {
            Some(next_minutes_no!(tx, &d.giver_id, d.on)?)
        } else {
            None
        };
        let status = if d.hand_over {
            DeliveryStatus::HandedOver
        } else {
            DeliveryStatus::Planned
        };
        let delivery = Delivery {
            id: crate::new_id(),
            need_line_id: d.need_line_id.clone(),
            site_id,
            unit_code,
            giver_id: d.giver_id.clone(),
            form: form.as_str().to_owned(),
            value,
            children_served: d.children_served,
            status: status.as_str().to_owned(),
            planned_on: d.on,
            handed_over_on: d.hand_over.then_some(d.on),
            minutes_no,
            place: place.clone(),
            giver_rep_name: giver_rep.name.clone(),
            giver_rep_position: giver_rep.position.clone(),
            receiver_rep_name: receiver_rep.name.clone(),
            receiver_rep_position: receiver_rep.position.clone(),
            note: note.clone(),
            created_by: actor.name.clone(),
            handed_over_by: d.hand_over.then(|| actor.name.clone()),
            accepted_on: None,
            accepted_by: None,
            is_demo: d.is_demo,
        };
        sqlx::query(
            "INSERT INTO deliveries (id, province, need_line_id, site_id, unit_code, giver_id, form, value, \
             children_served, status, planned_on, handed_over_on, minutes_no, place, giver_rep_name, \
             giver_rep_position, receiver_rep_name, receiver_rep_position, note, created_by, handed_over_by, \
             is_demo, created_at, updated_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$23)",
        )
        .bind(&delivery.id)
        .bind(crate::admin_units::PROVINCE)
        .bind(&delivery.need_line_id)
        .bind(&delivery.site_id)
        .bind(&delivery.unit_code)
        .bind(&delivery.giver_id)
        .bind(&delivery.form)
        .bind(delivery.value)
        .bind(delivery.children_served)
        .bind(&delivery.status)
        .bind(delivery.planned_on)
        .bind(delivery.handed_over_on)
        .bind(&delivery.minutes_no)
        .bind(&delivery.place)
        .bind(&delivery.giver_rep_name)
        .bind(&delivery.giver_rep_position)
        .bind(&delivery.receiver_rep_name)
        .bind(&delivery.receiver_rep_position)
        .bind(&delivery.note)
        .bind(&delivery.created_by)
        .bind(&delivery.handed_over_by)
        .bind(delivery.is_demo)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        crate::summaries::delivery_in_tx!(tx, &delivery.id, 1)?;
        for (i, it) in items.iter().enumerate() {
            sqlx::query(
                "INSERT INTO delivery_items (id, delivery_id, position, name, unit, quantity, unit_value, value) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
            )
            .bind(crate::new_id())
            .bind(&delivery.id)
            .bind(i as i64)
            .bind(&it.name)
            .bind(&it.unit)
            .bind(it.quantity)
            .bind(it.unit_value)
            .bind(it.value)
            .execute(&mut *tx)
            .await?;
        }
        for (alloc, amount) in &sources {
            sqlx::query(
                "INSERT INTO delivery_allocations (delivery_id, allocation_id, amount) VALUES ($1,$2,$3)",
            )
            .bind(&delivery.id)
            .bind(alloc)
            .bind(*amount)
            .execute(&mut *tx)
            .await?;
        }
        let rec = AuditRecord {
            actor: actor.clone(),
            at: now,
            action: if d.hand_over { "hand_over" } else { "plan" },
            entity: "delivery",
            entity_id: delivery.id.clone(),
            before: None,
            after: Some(json!({
                "need_line_id": delivery.need_line_id, "giver_id": delivery.giver_id,
                "form": delivery.form, "value": delivery.value,
                "children_served": delivery.children_served, "status": delivery.status,
                "on": d.on.to_string(), "minutes_no": delivery.minutes_no,
                "items": items.iter().map(|i| json!([i.name, i.quantity, i.unit_value])).collect::<Vec<_>>(),
                "allocations": sources.iter().map(|(a, v)| json!([a, v])).collect::<Vec<_>>(),
            })),
        };
        if let Some(store) = store {
            sqlx::query("UPDATE deliveries SET store_id = $1 WHERE id = $2")
                .bind(store)
                .bind(&delivery.id)
                .execute(&mut *tx)
                .await?;
            if d.hand_over {
                let out = outgoing(&items);
                if let Err(e) = crate::stock::take_out_in_tx!(
                    tx,
                    stock_lock,
                    store,
                    &out,
                    &delivery.id,
                    d.on,
                    &actor.name,
                    now
                )? {
                    // Dropping the transaction undoes the delivery.
                    return Ok(Err(DeliveryRefusal::Stock(e)));
                }
            }
        }
        if d.hand_over {
            (*tx).append_distribution(&delivery.id, now).await?;
        }
        (*tx).append(&rec).await?;
        Ok::<DeliveryOutcome, StorageError>(Ok(delivery))
    })?;
    Ok(out)
}

/// Records the handover of a planned delivery: what it draws is decided
/// again, now within what was received; the minutes are numbered and the
/// distribution leaf appended.
pub async fn hand_over(
    db: &Db,
    id: &str,
    h: &Handover,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<DeliveryOutcome, StorageError> {
    let giver_rep = h.giver_rep.cleaned();
    let receiver_rep = h.receiver_rep.cleaned();
    if !(giver_rep.is_complete() && receiver_rep.is_complete()) {
        return Ok(Err(DeliveryRefusal::Representatives));
    }
    let place = domain::text::clean(&h.place);
    let lock = delivery_lock(db);
    let stock_lock = crate::stock::stock_lock(db);
    let out = db_tx!(db, |tx| {
        if let Some(sql) = lock {
            sqlx::query(sql).execute(&mut *tx).await?;
        }
        let current: Option<Delivery> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{DELIVERY_COLUMNS} WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(current) = current else {
            return Ok(Err(DeliveryRefusal::UnknownDelivery));
        };
        let status = current
            .status()
            .ok_or_else(|| StorageError::Corrupt(format!("delivery {id}: status")))?;
        if status != DeliveryStatus::Planned {
            return Ok(Err(DeliveryError::NotFrom(status).into()));
        }
        let line_status: (String,) = sqlx::query_as("SELECT status FROM need_lines WHERE id = $1")
            .bind(&current.need_line_id)
            .fetch_one(&mut *tx)
            .await?;
        if line_status.0 != "verified" && line_status.0 != "published" {
            return Ok(Err(DeliveryRefusal::LineNotOpen));
        }
        let (book, draws) = load_book!(tx, &current.need_line_id)?;
        let sources = match decide_draw(&book, &draws, Some(id), true, current.value) {
            Ok(s) => s,
            Err(r) => return Ok(Err(r)),
        };
        let minutes_no = next_minutes_no!(tx, &current.giver_id, h.on)?;
        let place = if place.is_empty() {
            current.place.clone()
        } else {
            place.clone()
        };
        crate::summaries::delivery_in_tx!(tx, id, -1)?;
        let n = sqlx::query(
            "UPDATE deliveries SET status = 'handed_over', handed_over_on = $1, minutes_no = $2, place = $3, \
             giver_rep_name = $4, giver_rep_position = $5, receiver_rep_name = $6, receiver_rep_position = $7, \
             handed_over_by = $8, updated_at = $9 WHERE id = $10 AND status = 'planned'",
        )
        .bind(h.on)
        .bind(&minutes_no)
        .bind(&place)
        .bind(&giver_rep.name)
        .bind(&giver_rep.position)
        .bind(&receiver_rep.name)
        .bind(&receiver_rep.position)
        .bind(&actor.name)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Ok(Err(DeliveryRefusal::Changed));
        }
        crate::summaries::delivery_in_tx!(tx, id, 1)?;
        sqlx::query("DELETE FROM delivery_allocations WHERE delivery_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for (alloc, amount) in &sources {
            sqlx::query(
                "INSERT INTO delivery_allocations (delivery_id, allocation_id, amount) VALUES ($1,$2,$3)",
            )
            .bind(id)
            .bind(alloc)
            .bind(*amount)
            .execute(&mut *tx)
            .await?;
        }
        let rec = AuditRecord {
            actor: actor.clone(),
            at: now,
            action: "hand_over",
            entity: "delivery",
            entity_id: id.to_owned(),
            before: Some(json!({"status": "planned"})),
            after: Some(json!({"status": "handed_over", "on": h.on.to_string(),
                "minutes_no": minutes_no,
                "allocations": sources.iter().map(|(a, v)| json!([a, v])).collect::<Vec<_>>()})),
        };
        let store: (Option<String>,) =
            sqlx::query_as("SELECT store_id FROM deliveries WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        if let Some(store) = store.0 {
            let items: Vec<DeliveryItem> = sqlx::query_as(
                "SELECT name, unit, quantity, unit_value, value FROM delivery_items \
                 WHERE delivery_id = $1 ORDER BY position",
            )
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
            let out: Vec<(String, String, i64, i64)> = items
                .into_iter()
                .map(|i| (i.name, i.unit, i.quantity, i.unit_value))
                .collect();
            if let Err(e) = crate::stock::take_out_in_tx!(
                tx,
                stock_lock,
                &store,
                &out,
                id,
                h.on,
                &actor.name,
                now
            )? {
                return Ok(Err(DeliveryRefusal::Stock(e)));
            }
        }
        (*tx).append_distribution(id, now).await?;
        (*tx).append(&rec).await?;
        let after: Delivery = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{DELIVERY_COLUMNS} WHERE id = $1"
        )))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        Ok::<DeliveryOutcome, StorageError>(Ok(after))
    })?;
    Ok(out)
}

pub async fn get(db: &Db, id: &str) -> Result<Option<Delivery>, StorageError> {
    let row = db_run!(db, |pool| {
        sqlx::query_as::<_, Delivery>(sqlx::AssertSqlSafe(format!(
            "{DELIVERY_COLUMNS} WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(pool)
        .await?
    });
    Ok(row)
}

/// A line's deliveries, oldest first.
pub async fn for_line(db: &Db, line_id: &str) -> Result<Vec<Delivery>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, Delivery>(sqlx::AssertSqlSafe(format!(
            "{DELIVERY_COLUMNS} WHERE need_line_id = $1 ORDER BY planned_on, created_at, id"
        )))
        .bind(line_id)
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

pub async fn items(db: &Db, delivery_id: &str) -> Result<Vec<DeliveryItem>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, DeliveryItem>(
            "SELECT name, unit, quantity, unit_value, value FROM delivery_items \
             WHERE delivery_id = $1 ORDER BY position",
        )
        .bind(delivery_id)
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

/// The allocations a delivery draws on, with their donors.
pub async fn sources(db: &Db, delivery_id: &str) -> Result<Vec<DeliverySource>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, DeliverySource>(
            "SELECT s.allocation_id, s.amount, o.name AS donor_name FROM delivery_allocations s \
             JOIN allocations a ON a.id = s.allocation_id JOIN pledges g ON g.id = a.pledge_id \
             JOIN donors o ON o.id = g.donor_id WHERE s.delivery_id = $1 ORDER BY a.created_at, a.id",
        )
        .bind(delivery_id)
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

/// The delivered and accepted axes of one line, computed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LineAxes {
    /// Value handed over and not rejected.
    pub delivered: i64,
    /// Value the receiving site accepted (less what non-conformities keep
    /// out).
    pub accepted: i64,
    /// Σ children served by delivered deliveries (the caller caps it at
    /// the line's count: the same children are not counted twice); where
    /// the line's deliveries carry rosters, the unique children on them.
    pub children_served: i64,
    /// `children_served` comes from rosters (unique master children).
    pub from_roster: bool,
}

/// The value a delivery's site accepted, from its status and its
/// non-conformities.
pub fn accepted_of(d: &Delivery, ncs: &[Nonconformity]) -> i64 {
    d.status()
        .map_or(0, |s| rules::accepted_value(s, d.value, ncs))
}

/// (delivery, value, action, resolved) of every non-conformity.
type NcRow = (String, i64, String, bool);

fn nc_of(value: i64, action: &str, resolved: bool) -> Result<Nonconformity, StorageError> {
    let action = NcAction::parse(action)
        .ok_or_else(|| StorageError::Corrupt(format!("non-conformity action {action}")))?;
    Ok(Nonconformity {
        value,
        action,
        resolved,
    })
}

/// Every non-conformity, by delivery (one query instead of one per delivery).
pub async fn ncs_by_delivery(db: &Db) -> Result<HashMap<String, Vec<Nonconformity>>, StorageError> {
    let ncs: Vec<NcRow> = db_run!(db, |pool| {
        sqlx::query_as("SELECT delivery_id, value, action, resolved FROM nonconformities")
            .fetch_all(pool)
            .await?
    });
    let mut by_delivery: HashMap<String, Vec<Nonconformity>> = HashMap::new();
    for (delivery, value, action, resolved) in ncs {
        by_delivery
            .entry(delivery)
            .or_default()
            .push(nc_of(value, &action, resolved)?);
    }
    Ok(by_delivery)
}

/// The delivered and accepted axes of every line that has deliveries.
pub async fn axes_by_line(db: &Db) -> Result<HashMap<String, LineAxes>, StorageError> {
    let rows: Vec<Delivery> = db_run!(db, |pool| {
        sqlx::query_as::<_, Delivery>(sqlx::AssertSqlSafe(format!(
            "{DELIVERY_COLUMNS} WHERE status <> 'planned'"
        )))
        .fetch_all(pool)
        .await?
    });
    let by_delivery = ncs_by_delivery(db).await?;
    let mut out: HashMap<String, LineAxes> = HashMap::new();
    for d in rows {
        let Some(status) = d.status() else {
            return Err(StorageError::Corrupt(format!("delivery {}: status", d.id)));
        };
        if !status.is_delivered() {
            continue;
        }
        let ncs = by_delivery.get(&d.id).map_or(&[][..], Vec::as_slice);
        let axes = out.entry(d.need_line_id.clone()).or_default();
        axes.delivered = axes.delivered.saturating_add(d.value);
        axes.accepted = axes
            .accepted
            .saturating_add(rules::accepted_value(status, d.value, ncs));
        axes.children_served = axes.children_served.saturating_add(d.children_served);
    }
    // Where a roster exists, the children reached are counted, not typed.
    for (line, n) in crate::rosters::children_by_line(db).await? {
        let axes = out.entry(line).or_default();
        axes.children_served = n;
        axes.from_roster = true;
    }
    Ok(out)
}

/// The non-conformities of one delivery as the accepted value sees them.
pub async fn ncs_of(db: &Db, delivery_id: &str) -> Result<Vec<Nonconformity>, StorageError> {
    let rows: Vec<(i64, String, bool)> = db_run!(db, |pool| {
        sqlx::query_as("SELECT value, action, resolved FROM nonconformities WHERE delivery_id = $1")
            .bind(delivery_id)
            .fetch_all(pool)
            .await?
    });
    rows.iter().map(|(v, a, r)| nc_of(*v, a, *r)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, line: &str, pledge: &str, amount: i64) -> AllocRow {
        (id.into(), line.into(), pledge.into(), amount)
    }

    #[test]
    fn receipts_fill_a_pledges_allocations_in_order() {
        let allocs = [
            row("a1", "other", "p1", 50),
            row("a2", "L", "p1", 100),
            row("a3", "L", "p2", 40),
        ];
        let book = line_book("L", &allocs, &[("p1".into(), 120), ("p2".into(), 10)]);
        assert_eq!(
            book,
            vec![
                AllocationBook {
                    id: "a2".into(),
                    amount: 100,
                    received: 70
                },
                AllocationBook {
                    id: "a3".into(),
                    amount: 40,
                    received: 10
                },
            ]
        );
    }

    #[test]
    fn a_draw_stays_within_allocated_and_a_handover_within_received() {
        let book = [
            AllocationBook {
                id: "a".into(),
                amount: 100,
                received: 70,
            },
            AllocationBook {
                id: "b".into(),
                amount: 40,
                received: 0,
            },
        ];
        let draws: Vec<Draw> = vec![
            ("a".into(), "d1".into(), "handed_over".into(), 50),
            ("b".into(), "d2".into(), "planned".into(), 10),
            ("a".into(), "d3".into(), "rejected".into(), 30),
        ];
        // Allocated left: a 50, b 30.
        assert_eq!(
            decide_draw(&book, &draws, None, false, 80),
            Ok(vec![("a".into(), 50), ("b".into(), 30)])
        );
        assert_eq!(
            decide_draw(&book, &draws, None, false, 81),
            Err(DeliveryRefusal::BeyondAllocated { remaining: 80 })
        );
        // Received and not handed over: a 20, b 0.
        assert_eq!(
            decide_draw(&book, &draws, None, true, 21),
            Err(DeliveryRefusal::BeyondReceived { remaining: 20 })
        );
        // Handing over d2 itself: its own planned draw is recomputed.
        assert_eq!(
            decide_draw(&book, &draws, Some("d2"), true, 20),
            Ok(vec![("a".into(), 20)])
        );
    }
}
