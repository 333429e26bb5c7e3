//! Stores (kho) and the goods they hold, moved only by events
//! (`stock_events`): `in` from a goods receipt, `out` to a delivery handed
//! over from the store, `adjustment` with a reason, `count` — a stocktake
//! whose difference from the computed stock is the event. A store's stock
//! of an item is the sum of its events, computed on every read, never
//! typed; events are never updated or deleted.
//!
//! Every movement is decided inside one write transaction under the stock
//! lock (SQLite `BEGIN IMMEDIATE`; PostgreSQL an advisory lock taken after
//! the receipts or deliveries lock, never before), so two officers cannot
//! take the same goods out twice and stock never goes below zero. A goods
//! receipt, its item lines and its `in` events commit together, as do a
//! handover from a store and its `out` events.
//!
//! An item is its name and unit, compared by [`rules::item_key`] (NFC,
//! trimmed, spaces collapsed, case-insensitive): "Áo ấm " and "áo ấm" in
//! "Cái" and "cái" are one item whatever receipt brought it. The store
//! keeps the spelling its first event used ([`resolve_item_in_tx`]), so
//! every event of one item carries the same text and sums stay plain SQL.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use domain::authz::Visibility;
use domain::needs::stock::{self as rules, GoodsLine, StockError, StockEventKind};
use serde_json::json;

use crate::audit::{AuditActor, AuditConn, AuditRecord};
use crate::ledger::LedgerConn;
use crate::receipts::{NewReceipt, Receipt, ReceiptRefusal, receipts_lock, receive_in_tx};
use crate::{Backend, Db, StorageError, db_run, db_tx};

/// A store as entered.
#[derive(Debug, Clone)]
pub struct NewStore {
    /// The organisation the store belongs to.
    pub org_id: String,
    pub name: String,
    pub address: String,
    pub is_demo: bool,
}

/// A stored store.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Store {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub address: String,
    /// The owner's commune, or the province for a city-wide owner: who may
    /// see it follows from this code.
    pub unit_code: String,
    pub is_demo: bool,
}

const STORE_COLUMNS: &str = "SELECT id, org_id, name, address, unit_code, is_demo FROM stores";

/// An item's current stock in a store, computed from its events.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StockLevel {
    pub item: String,
    pub unit: String,
    pub quantity: i64,
}

/// One movement, as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StockEvent {
    pub id: String,
    pub store_id: String,
    pub seq: i64,
    pub kind: String,
    pub item: String,
    pub unit: String,
    pub quantity: i64,
    pub counted: Option<i64>,
    pub unit_value: i64,
    pub receipt_id: Option<String>,
    pub delivery_id: Option<String>,
    pub reason: String,
    pub occurred_on: NaiveDate,
    pub recorded_by: String,
}

const EVENT_COLUMNS: &str = "SELECT id, store_id, seq, kind, item, unit, quantity, counted, unit_value, \
    receipt_id, delivery_id, reason, occurred_on, recorded_by FROM stock_events";

/// One item line of a goods receipt, as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReceiptItem {
    pub name: String,
    pub unit: String,
    pub quantity: i64,
    pub unit_value: i64,
    pub value: i64,
}

/// Why a stock change was not recorded; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StockRefusal {
    Rules(StockError),
    Receipt(ReceiptRefusal),
    UnknownStore,
    UnknownOrganisation,
    /// A store needs a name.
    Name,
}

impl StockRefusal {
    pub fn message_key(&self) -> &'static str {
        match self {
            StockRefusal::Rules(e) => e.message_key(),
            StockRefusal::Receipt(r) => r.message_key(),
            StockRefusal::UnknownStore => "stock-error-store",
            StockRefusal::UnknownOrganisation => "stock-error-org",
            StockRefusal::Name => "stock-error-name",
        }
    }
}

impl From<StockError> for StockRefusal {
    fn from(e: StockError) -> Self {
        StockRefusal::Rules(e)
    }
}

/// The stock lock on PostgreSQL (SQLite's write transaction suffices).
pub(crate) fn stock_lock(db: &Db) -> Option<&'static str> {
    match db.backend() {
        Backend::Postgres => Some("SELECT pg_advisory_xact_lock(4046591)"),
        Backend::Sqlite => None,
    }
}

/// One movement to write.
pub(crate) struct Movement<'a> {
    pub kind: StockEventKind,
    pub item: &'a str,
    pub unit: &'a str,
    pub quantity: i64,
    pub counted: Option<i64>,
    pub unit_value: i64,
    pub receipt_id: Option<&'a str>,
    pub delivery_id: Option<&'a str>,
    pub reason: &'a str,
    pub on: NaiveDate,
}

/// The current stock of one item of a store, inside the open transaction.
macro_rules! available_in_tx {
    ($tx:ident, $store:expr, $item:expr, $unit:expr) => {
        async {
            let row: (i64,) = sqlx::query_as(
                "SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) FROM stock_events \
                 WHERE store_id = $1 AND item = $2 AND unit = $3",
            )
            .bind($store)
            .bind($item)
            .bind($unit)
            .fetch_one(&mut *$tx)
            .await?;
            Ok::<i64, StorageError>(row.0)
        }
        .await
    };
}
pub(crate) use available_in_tx;

/// The spelling a store already uses for an item and unit that compare
/// equal by [`rules::item_key`] (its earliest event's), or the given one for
/// a new item, inside the open transaction (the stock lock held).
/// Evaluates to `Result<(String, String), StorageError>`.
macro_rules! resolve_item_in_tx {
    ($tx:ident, $store:expr, $item:expr, $unit:expr) => {
        async {
            let (item, unit): (&str, &str) = ($item, $unit);
            let known: Vec<(String, String)> = sqlx::query_as(
                "SELECT item, unit FROM stock_events WHERE store_id = $1 \
                 GROUP BY item, unit ORDER BY MIN(seq)",
            )
            .bind($store)
            .fetch_all(&mut *$tx)
            .await?;
            let (ik, uk) = (
                domain::needs::stock::item_key(item),
                domain::needs::stock::item_key(unit),
            );
            Ok::<(String, String), StorageError>(
                known
                    .into_iter()
                    .find(|(i, u)| {
                        domain::needs::stock::item_key(i) == ik
                            && domain::needs::stock::item_key(u) == uk
                    })
                    .unwrap_or_else(|| (item.to_owned(), unit.to_owned())),
            )
        }
        .await
    };
}
pub(crate) use resolve_item_in_tx;

/// Appends one event in the store's order, inside the open transaction
/// (the stock lock held).
macro_rules! write_event {
    ($tx:ident, $store:expr, $m:expr, $by:expr, $now:expr) => {
        async {
            let m: &$crate::stock::Movement<'_> = $m;
            let seq: (i64,) = sqlx::query_as(
                "SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) FROM stock_events WHERE store_id = $1",
            )
            .bind($store)
            .fetch_one(&mut *$tx)
            .await?;
            let id = $crate::new_id();
            sqlx::query(
                "INSERT INTO stock_events (id, province, store_id, seq, kind, item, unit, quantity, counted, \
                 unit_value, receipt_id, delivery_id, reason, occurred_on, recorded_by, created_at) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16)",
            )
            .bind(&id)
            .bind($crate::admin_units::PROVINCE)
            .bind($store)
            .bind(seq.0 + 1)
            .bind(m.kind.as_str())
            .bind(m.item)
            .bind(m.unit)
            .bind(m.quantity)
            .bind(m.counted)
            .bind(m.unit_value)
            .bind(m.receipt_id)
            .bind(m.delivery_id)
            .bind(m.reason)
            .bind(m.on)
            .bind($by)
            .bind($now)
            .execute(&mut *$tx)
            .await?;
            Ok::<String, StorageError>(id)
        }
        .await
    };
}
pub(crate) use write_event;

/// Takes goods out of a store for a delivery, inside the open transaction
/// (the deliveries lock held; the stock lock is taken here). Evaluates to
/// `Result<Result<(), StockError>, StorageError>`: a refusal writes
/// nothing, and the caller must drop the transaction. `items` are
/// (name, unit, quantity, unit value).
macro_rules! take_out_in_tx {
    ($tx:ident, $lock:expr, $store:expr, $items:expr, $delivery:expr, $on:expr, $by:expr, $now:expr) => {
        async {
            if let Some(sql) = $lock {
                sqlx::query(sql).execute(&mut *$tx).await?;
            }
            let given: &[(String, String, i64, i64)] = $items;
            let mut items: Vec<(String, String, i64, i64)> = Vec::with_capacity(given.len());
            for (name, unit, quantity, unit_value) in given {
                let (name, unit) = $crate::stock::resolve_item_in_tx!($tx, $store, name, unit)?;
                items.push((name, unit, *quantity, *unit_value));
            }
            for (name, unit, quantity, _) in &items {
                let available = $crate::stock::available_in_tx!($tx, $store, name, unit)?;
                if let Err(e) = domain::needs::stock::check_out(name, available, *quantity) {
                    return Ok(Err(e));
                }
            }
            for (name, unit, quantity, unit_value) in &items {
                let m = $crate::stock::Movement {
                    kind: domain::needs::stock::StockEventKind::Out,
                    item: name,
                    unit,
                    quantity: -*quantity,
                    counted: None,
                    unit_value: *unit_value,
                    receipt_id: None,
                    delivery_id: Some(AsRef::<str>::as_ref($delivery)),
                    reason: "",
                    on: $on,
                };
                $crate::stock::write_event!($tx, $store, &m, $by, $now)?;
            }
            Ok::<Result<(), domain::needs::stock::StockError>, StorageError>(Ok(()))
        }
        .await
    };
}
pub(crate) use take_out_in_tx;

/// Puts goods a delivery took out of its store back into it (`in` events
/// carrying the delivery), inside the open transaction (the deliveries
/// lock held; the stock lock is taken here): at most `limit` units (all
/// when `None`), item by item in the order they went out, never more of an
/// item than the delivery still holds of it (what went out less what came
/// back before). Items `about` names (a non-conformity's description, by
/// [`domain::needs::stock::item_key`]) come first. Nothing happens for a
/// delivery not drawn from a store.
/// Evaluates to `Result<i64, StorageError>`: the units put back.
macro_rules! put_back_in_tx {
    ($tx:ident, $lock:expr, $delivery:expr, $limit:expr, $about:expr, $reason:expr, $on:expr, $by:expr, $now:expr) => {
        async {
            let delivery: &str = $delivery;
            let limit: Option<i64> = $limit;
            let about = domain::needs::stock::item_key($about);
            let store: (Option<String>,) =
                sqlx::query_as("SELECT store_id FROM deliveries WHERE id = $1")
                    .bind(delivery)
                    .fetch_one(&mut *$tx)
                    .await?;
            let Some(store) = store.0 else {
                return Ok::<i64, StorageError>(0);
            };
            if let Some(sql) = $lock {
                sqlx::query(sql).execute(&mut *$tx).await?;
            }
            let held: Vec<(String, String, i64, i64)> = sqlx::query_as(
                "SELECT item, unit, CAST(-SUM(quantity) AS BIGINT), CAST(MAX(unit_value) AS BIGINT) \
                 FROM stock_events WHERE delivery_id = $1 AND kind IN ('out', 'in') \
                 GROUP BY item, unit ORDER BY MIN(seq)",
            )
            .bind(delivery)
            .fetch_all(&mut *$tx)
            .await?;
            let mut held = held;
            held.sort_by_key(|(item, _, _, _)| {
                !about.contains(&domain::needs::stock::item_key(item))
            });
            let mut left = limit.unwrap_or(i64::MAX);
            let mut returned = 0i64;
            for (item, unit, quantity, unit_value) in &held {
                let back = (*quantity).min(left);
                if back <= 0 {
                    continue;
                }
                let m = $crate::stock::Movement {
                    kind: domain::needs::stock::StockEventKind::In,
                    item,
                    unit,
                    quantity: back,
                    counted: None,
                    unit_value: *unit_value,
                    receipt_id: None,
                    delivery_id: Some(delivery),
                    reason: $reason,
                    on: $on,
                };
                $crate::stock::write_event!($tx, &store, &m, $by, $now)?;
                left -= back;
                returned += back;
            }
            Ok::<i64, StorageError>(returned)
        }
        .await
    };
}
pub(crate) use put_back_in_tx;

/// Puts the goods of a rejected delivery drawn from a store back into it:
/// all it still holds (see [`put_back_in_tx`]).
macro_rules! return_in_tx {
    ($tx:ident, $lock:expr, $delivery:expr, $on:expr, $by:expr, $now:expr) => {
        $crate::stock::put_back_in_tx!(
            $tx,
            $lock,
            $delivery,
            None,
            "",
            "Trả lại kho: giao nhận bị từ chối / returned: delivery rejected",
            $on,
            $by,
            $now
        )
    };
}
pub(crate) use return_in_tx;

/// Opens a store for an organisation; it is scoped by the organisation's
/// commune (or the province).
pub async fn create_store(
    db: &Db,
    s: &NewStore,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<Result<Store, StockRefusal>, StorageError> {
    let name = domain::text::clean(&s.name);
    if name.is_empty() {
        return Ok(Err(StockRefusal::Name));
    }
    let Some(org) = crate::organisations::get(db, &s.org_id).await? else {
        return Ok(Err(StockRefusal::UnknownOrganisation));
    };
    let store = Store {
        id: crate::new_id(),
        org_id: org.id.clone(),
        name,
        address: domain::text::clean(&s.address),
        unit_code: org
            .unit_code
            .clone()
            .unwrap_or_else(|| crate::admin_units::PROVINCE.to_owned()),
        is_demo: s.is_demo,
    };
    db_tx!(db, |tx| {
        sqlx::query(
            "INSERT INTO stores (id, province, org_id, name, address, unit_code, is_demo, created_by, created_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
        )
        .bind(&store.id)
        .bind(crate::admin_units::PROVINCE)
        .bind(&store.org_id)
        .bind(&store.name)
        .bind(&store.address)
        .bind(&store.unit_code)
        .bind(store.is_demo)
        .bind(&actor.name)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let rec = AuditRecord {
            actor: actor.clone(),
            at: now,
            action: "create",
            entity: "store",
            entity_id: store.id.clone(),
            before: None,
            after: Some(json!({"org_id": store.org_id, "name": store.name,
                "address": store.address, "unit_code": store.unit_code})),
        };
        (*tx).append(&rec).await?;
    });
    Ok(Ok(store))
}

pub async fn get_store(db: &Db, id: &str) -> Result<Option<Store>, StorageError> {
    let row = db_run!(db, |pool| {
        sqlx::query_as::<_, Store>(sqlx::AssertSqlSafe(format!(
            "{STORE_COLUMNS} WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(pool)
        .await?
    });
    Ok(row)
}

/// The stores the viewer may see, by name.
pub async fn stores(db: &Db, vis: &Visibility) -> Result<Vec<Store>, StorageError> {
    let rows: Vec<Store> = db_run!(db, |pool| {
        sqlx::query_as::<_, Store>(sqlx::AssertSqlSafe(format!(
            "{STORE_COLUMNS} ORDER BY name, id"
        )))
        .fetch_all(pool)
        .await?
    });
    Ok(rows
        .into_iter()
        .filter(|s| vis.allows_unit(&s.unit_code))
        .collect())
}

/// A goods receipt: its lines, the store that holds them.
#[derive(Debug, Clone)]
pub struct GoodsIn {
    pub store_id: String,
    pub lines: Vec<GoodsLine>,
}

/// Records a goods receipt with its item lines into a store: the receipt
/// (numbered, with its ledger leaf and audit row), its lines and one `in`
/// event per line, in one transaction. The receipt's amount is the lines'
/// valuation, never typed.
pub async fn receive_goods(
    db: &Db,
    r: &NewReceipt,
    goods: &GoodsIn,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<Result<Receipt, StockRefusal>, StorageError> {
    let lines: Vec<GoodsLine> = goods
        .lines
        .iter()
        .map(|l| GoodsLine {
            name: domain::text::clean(&l.name),
            unit: domain::text::clean(&l.unit),
            ..l.clone()
        })
        .collect();
    let value = match rules::goods_value(&lines) {
        Ok(v) => v,
        Err(e) => return Ok(Err(e.into())),
    };
    if value <= 0 {
        return Ok(Err(StockRefusal::Receipt(ReceiptRefusal::BadAmount)));
    }
    let Some(store) = get_store(db, &goods.store_id).await? else {
        return Ok(Err(StockRefusal::UnknownStore));
    };
    let receipt = NewReceipt {
        kind: "goods".into(),
        method: "goods".into(),
        amount: value,
        account: if r.account.trim().is_empty() {
            store.name.clone()
        } else {
            r.account.clone()
        },
        ..r.clone()
    };
    let (receipts, stock) = (receipts_lock(db), stock_lock(db));
    let out = db_tx!(db, |tx| {
        if let Some(sql) = receipts {
            sqlx::query(sql).execute(&mut *tx).await?;
        }
        let rec = match receive_in_tx!(tx, &receipt, actor, now)? {
            Ok(rec) => rec,
            Err(refusal) => return Ok(Err(StockRefusal::Receipt(refusal))),
        };
        if let Some(sql) = stock {
            sqlx::query(sql).execute(&mut *tx).await?;
        }
        sqlx::query("UPDATE receipts SET store_id = $1 WHERE id = $2")
            .bind(&store.id)
            .bind(&rec.id)
            .execute(&mut *tx)
            .await?;
        for (i, l) in lines.iter().enumerate() {
            let (item, unit) = resolve_item_in_tx!(tx, &store.id, &l.name, &l.unit)?;
            sqlx::query(
                "INSERT INTO receipt_items (id, receipt_id, position, name, unit, quantity, unit_value, value) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
            )
            .bind(crate::new_id())
            .bind(&rec.id)
            .bind(i as i64)
            .bind(&l.name)
            .bind(&l.unit)
            .bind(l.quantity)
            .bind(l.unit_value)
            .bind(l.quantity.saturating_mul(l.unit_value))
            .execute(&mut *tx)
            .await?;
            let m = Movement {
                kind: StockEventKind::In,
                item: &item,
                unit: &unit,
                quantity: l.quantity,
                counted: None,
                unit_value: l.unit_value,
                receipt_id: Some(&rec.id),
                delivery_id: None,
                reason: "",
                on: rec.received_on,
            };
            write_event!(tx, &store.id, &m, &actor.name, now)?;
        }
        let audit = AuditRecord {
            actor: actor.clone(),
            at: now,
            action: "stock_in",
            entity: "store",
            entity_id: store.id.clone(),
            before: None,
            after: Some(json!({"receipt_id": rec.id,
                "items": lines.iter().map(|l| json!([l.name, l.unit, l.quantity, l.unit_value])).collect::<Vec<_>>()})),
        };
        (*tx).append(&audit).await?;
        Ok::<Result<Receipt, StockRefusal>, StorageError>(Ok(rec))
    })?;
    Ok(out)
}

/// An adjustment (damaged, lost, found …): a signed change with a reason,
/// never below zero.
#[derive(Debug, Clone)]
pub struct Adjustment {
    pub item: String,
    pub unit: String,
    pub change: i64,
    pub reason: String,
    pub on: NaiveDate,
}

pub async fn adjust(
    db: &Db,
    store_id: &str,
    a: &Adjustment,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<Result<StockEvent, StockRefusal>, StorageError> {
    let item = domain::text::clean(&a.item);
    let unit = domain::text::clean(&a.unit);
    let reason = domain::text::clean(&a.reason);
    if item.is_empty() || unit.is_empty() {
        return Ok(Err(StockError::Item.into()));
    }
    if get_store(db, store_id).await?.is_none() {
        return Ok(Err(StockRefusal::UnknownStore));
    }
    let lock = stock_lock(db);
    let out = db_tx!(db, |tx| {
        if let Some(sql) = lock {
            sqlx::query(sql).execute(&mut *tx).await?;
        }
        let (item, unit) = resolve_item_in_tx!(tx, store_id, &item, &unit)?;
        let available = available_in_tx!(tx, store_id, &item, &unit)?;
        if let Err(e) = rules::check_adjustment(&item, available, a.change, &reason) {
            return Ok(Err(e.into()));
        }
        let m = Movement {
            kind: StockEventKind::Adjustment,
            item: &item,
            unit: &unit,
            quantity: a.change,
            counted: None,
            unit_value: 0,
            receipt_id: None,
            delivery_id: None,
            reason: &reason,
            on: a.on,
        };
        let id = write_event!(tx, store_id, &m, &actor.name, now)?;
        let audit = AuditRecord {
            actor: actor.clone(),
            at: now,
            action: "adjust",
            entity: "store",
            entity_id: store_id.to_owned(),
            before: Some(json!({"item": item, "unit": unit, "stock": available})),
            after: Some(json!({"event_id": id, "change": a.change, "reason": reason,
                "stock": available + a.change})),
        };
        (*tx).append(&audit).await?;
        let ev: StockEvent = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{EVENT_COLUMNS} WHERE id = $1"
        )))
        .bind(&id)
        .fetch_one(&mut *tx)
        .await?;
        Ok::<Result<StockEvent, StockRefusal>, StorageError>(Ok(ev))
    })?;
    Ok(out)
}

/// One line of a stocktake: an item and the quantity found.
#[derive(Debug, Clone)]
pub struct Counted {
    pub item: String,
    pub unit: String,
    pub counted: i64,
}

/// A stocktake: for each item counted, a `count` event with the
/// difference between what was found and what the events say (zero when
/// they agree). Items not counted are left as they are — never zeroed.
pub async fn count(
    db: &Db,
    store_id: &str,
    lines: &[Counted],
    on: NaiveDate,
    note: &str,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<Result<Vec<StockEvent>, StockRefusal>, StorageError> {
    if lines.is_empty() {
        return Ok(Err(StockError::Item.into()));
    }
    let lines: Vec<Counted> = lines
        .iter()
        .map(|c| Counted {
            item: domain::text::clean(&c.item),
            unit: domain::text::clean(&c.unit),
            counted: c.counted,
        })
        .collect();
    if lines.iter().any(|c| c.item.is_empty() || c.unit.is_empty()) {
        return Ok(Err(StockError::Item.into()));
    }
    if get_store(db, store_id).await?.is_none() {
        return Ok(Err(StockRefusal::UnknownStore));
    }
    let note = domain::text::clean(note);
    let lock = stock_lock(db);
    let out = db_tx!(db, |tx| {
        if let Some(sql) = lock {
            sqlx::query(sql).execute(&mut *tx).await?;
        }
        let mut ids = Vec::new();
        let mut found = Vec::new();
        for c in &lines {
            let (item, unit) = resolve_item_in_tx!(tx, store_id, &c.item, &c.unit)?;
            let c = Counted {
                item,
                unit,
                counted: c.counted,
            };
            let available = available_in_tx!(tx, store_id, &c.item, &c.unit)?;
            let diff = match rules::count_difference(available, c.counted) {
                Ok(d) => d,
                Err(e) => return Ok(Err(e.into())),
            };
            let m = Movement {
                kind: StockEventKind::Count,
                item: &c.item,
                unit: &c.unit,
                quantity: diff,
                counted: Some(c.counted),
                unit_value: 0,
                receipt_id: None,
                delivery_id: None,
                reason: &note,
                on,
            };
            ids.push(write_event!(tx, store_id, &m, &actor.name, now)?);
            found.push(json!([c.item, c.unit, available, c.counted, diff]));
        }
        let audit = AuditRecord {
            actor: actor.clone(),
            at: now,
            action: "count",
            entity: "store",
            entity_id: store_id.to_owned(),
            before: None,
            after: Some(json!({"on": on.to_string(), "note": note,
                "lines": found, "events": ids})),
        };
        (*tx).append(&audit).await?;
        let mut events = Vec::new();
        for id in &ids {
            let ev: StockEvent = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{EVENT_COLUMNS} WHERE id = $1"
            )))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            events.push(ev);
        }
        Ok::<Result<Vec<StockEvent>, StockRefusal>, StorageError>(Ok(events))
    })?;
    Ok(out)
}

/// A store's current stock, item by item, computed from its events (items
/// at zero included, so they can be counted). Ordered in Rust, so both
/// databases give the same order whatever their collation.
pub async fn levels(db: &Db, store_id: &str) -> Result<Vec<StockLevel>, StorageError> {
    let mut rows: Vec<StockLevel> = db_run!(db, |pool| {
        sqlx::query_as::<_, StockLevel>(
            "SELECT item, unit, CAST(SUM(quantity) AS BIGINT) AS quantity FROM stock_events \
             WHERE store_id = $1 GROUP BY item, unit",
        )
        .bind(store_id)
        .fetch_all(pool)
        .await?
    });
    rows.sort_by(|a, b| (&a.item, &a.unit).cmp(&(&b.item, &b.unit)));
    // Events written before items were matched by key may spell one item
    // two ways: they still make one line.
    let mut merged: Vec<StockLevel> = Vec::with_capacity(rows.len());
    for r in rows {
        let key = (rules::item_key(&r.item), rules::item_key(&r.unit));
        match merged
            .iter_mut()
            .find(|m| (rules::item_key(&m.item), rules::item_key(&m.unit)) == key)
        {
            Some(m) => m.quantity = m.quantity.saturating_add(r.quantity),
            None => merged.push(r),
        }
    }
    Ok(merged)
}

/// A store's events, newest first.
pub async fn events(db: &Db, store_id: &str) -> Result<Vec<StockEvent>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, StockEvent>(sqlx::AssertSqlSafe(format!(
            "{EVENT_COLUMNS} WHERE store_id = $1 ORDER BY seq DESC"
        )))
        .bind(store_id)
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

/// The item lines of a goods receipt.
pub async fn receipt_items(db: &Db, receipt_id: &str) -> Result<Vec<ReceiptItem>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, ReceiptItem>(
            "SELECT name, unit, quantity, unit_value, value FROM receipt_items \
             WHERE receipt_id = $1 ORDER BY position",
        )
        .bind(receipt_id)
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

/// The store that holds a goods receipt, if any.
pub async fn receipt_store(db: &Db, receipt_id: &str) -> Result<Option<Store>, StorageError> {
    let row = db_run!(db, |pool| {
        sqlx::query_as::<_, Store>(
            "SELECT s.id, s.org_id, s.name, s.address, s.unit_code, s.is_demo FROM stores s \
             JOIN receipts r ON r.store_id = s.id WHERE r.id = $1",
        )
        .bind(receipt_id)
        .fetch_optional(pool)
        .await?
    });
    Ok(row)
}

/// The store a delivery is drawn from, if any.
pub async fn delivery_store(db: &Db, delivery_id: &str) -> Result<Option<Store>, StorageError> {
    let row = db_run!(db, |pool| {
        sqlx::query_as::<_, Store>(
            "SELECT s.id, s.org_id, s.name, s.address, s.unit_code, s.is_demo FROM stores s \
             JOIN deliveries d ON d.store_id = s.id WHERE d.id = $1",
        )
        .bind(delivery_id)
        .fetch_optional(pool)
        .await?
    });
    Ok(row)
}
