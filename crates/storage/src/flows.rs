//! Money passed on is one flow (issue 3, item 8; OCHA FTS's "counted
//! once"). A money receipt is received by one organisation (a fund, a
//! department, a people's committee); a **transfer** passes (part of) that
//! receipt's money to another organisation (fund → commune people's
//! committee → school), and an **expenditure** records it spent, at
//! whatever level holds it. Every row names its source receipt, so the
//! donor, the pledge's restrictions and the origin of the money follow it
//! down the chain, and what an organisation *holds* of a receipt is always
//! computed:
//!
//! `held(org, receipt) = received by org + transfers in − transfers out − spent`
//!
//! A transfer or expenditure beyond what the organisation holds of that
//! receipt is refused, decided inside one write transaction under the
//! flows lock (SQLite `BEGIN IMMEDIATE`; PostgreSQL an advisory lock), so
//! two officers passing on the same receipt at the same moment cannot move
//! more than it holds.
//!
//! **Totals of a boundary** (one organisation, the organisations of a
//! commune, or the whole city): *received* counts donors' money received
//! inside; *came in* and *passed on* count only transfers that cross the
//! boundary; transfers inside it cancel out. The city total therefore
//! counts each donor's money once, however many levels it passed through.
//!
//! The state budget for management (R13; receipts into an account of
//! purpose `state_budget`) is never a donation flow: it cannot be passed
//! on or spent here, and it is not counted in any of these totals
//! ([`crate::accounts::state_budget_summary`] reports it apart).

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;

use crate::audit::{AuditActor, AuditConn, AuditRecord};
use crate::ledger::LedgerConn;
use crate::{Backend, Db, StorageError, db_run, db_tx};

/// A request to pass (part of) a receipt's money to another organisation.
#[derive(Debug, Clone)]
pub struct NewTransfer {
    pub receipt_id: String,
    pub from_org_id: String,
    pub to_org_id: String,
    pub amount: i64,
    pub transferred_on: NaiveDate,
    pub note: String,
    pub is_demo: bool,
}

/// A request to record (part of) a receipt's money as spent.
#[derive(Debug, Clone)]
pub struct NewExpenditure {
    pub receipt_id: String,
    pub org_id: String,
    /// The need line it was spent on, when it was (the line must have an
    /// allocation of the receipt's commitment).
    pub need_line_id: Option<String>,
    pub amount: i64,
    pub spent_on: NaiveDate,
    /// Internal only: never in the public ledger.
    pub description: String,
    pub is_demo: bool,
}

/// Why a transfer or expenditure was not recorded (nothing written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowRefusal {
    NotPositive,
    UnknownReceipt,
    UnknownOrganisation,
    /// A transfer to the organisation that already holds the money.
    SameOrganisation,
    /// Goods move through stores and deliveries, not transfers.
    NotMoney,
    /// State-budget money (R13) is a separate ledger, never a donation flow.
    StateBudget,
    /// The pledge's restrictions name communes, and the recipient is in
    /// another one.
    Restricted,
    /// The need line has no allocation of this receipt's commitment.
    LineNotFunded,
    /// More than the organisation holds of this receipt.
    BeyondHeld {
        held: i64,
    },
}

impl FlowRefusal {
    pub fn message_key(self) -> &'static str {
        match self {
            FlowRefusal::NotPositive => "allocation-error-amount",
            FlowRefusal::UnknownReceipt => "flow-error-receipt",
            FlowRefusal::UnknownOrganisation => "flow-error-organisation",
            FlowRefusal::SameOrganisation => "flow-error-same",
            FlowRefusal::NotMoney => "flow-error-not-money",
            FlowRefusal::StateBudget => "flow-error-state-budget",
            FlowRefusal::Restricted => "flow-error-restricted",
            FlowRefusal::LineNotFunded => "flow-error-line",
            FlowRefusal::BeyondHeld { .. } => "flow-error-beyond-held",
        }
    }
}

/// A recorded transfer, with the names a page shows.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TransferRow {
    pub id: String,
    pub receipt_id: String,
    pub receipt_no: String,
    pub from_org_id: String,
    pub from_name: String,
    pub to_org_id: String,
    pub to_name: String,
    pub amount: i64,
    pub transferred_on: NaiveDate,
    pub note: String,
    /// Reversed (`storage::reversals`): listed, counted nowhere.
    pub reversed: bool,
}

/// A recorded expenditure, with the names a page shows.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ExpenditureRow {
    pub id: String,
    pub receipt_id: String,
    pub receipt_no: String,
    pub org_id: String,
    pub org_name: String,
    pub need_line_id: Option<String>,
    pub amount: i64,
    pub spent_on: NaiveDate,
    pub description: String,
    /// Reversed (`storage::reversals`): listed, counted nowhere.
    pub reversed: bool,
}

const TRANSFER_ROWS: &str = "SELECT t.id, t.receipt_id, r.receipt_no, t.from_org_id, f.name AS from_name, \
    t.to_org_id, o.name AS to_name, t.amount, t.transferred_on, t.note, \
    EXISTS (SELECT 1 FROM reversals v WHERE v.kind = 'transfer' AND v.target_id = t.id) AS reversed \
    FROM transfers t \
    JOIN receipts r ON r.id = t.receipt_id JOIN organisations f ON f.id = t.from_org_id \
    JOIN organisations o ON o.id = t.to_org_id";

const EXPENDITURE_ROWS: &str = "SELECT e.id, e.receipt_id, r.receipt_no, e.org_id, o.name AS org_name, \
    e.need_line_id, e.amount, e.spent_on, e.description, \
    EXISTS (SELECT 1 FROM reversals v WHERE v.kind = 'expenditure' AND v.target_id = e.id) AS reversed \
    FROM expenditures e \
    JOIN receipts r ON r.id = e.receipt_id JOIN organisations o ON o.id = e.org_id";

/// A receipt is state budget when its account label ends with the number
/// of an account of purpose `state_budget` (the rule of
/// [`crate::report_data::state_budget_accounts`]). `r` is the receipt.
pub(crate) const IS_STATE_BUDGET: &str = "EXISTS (SELECT 1 FROM receiving_accounts sb \
    WHERE sb.purpose = 'state_budget' AND r.account LIKE '%' || sb.account_no)";

/// Totals of a boundary, all computed from flows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlowTotals {
    /// Donors' money received by organisations inside.
    pub received: i64,
    /// Transfers from outside to inside.
    pub came_in: i64,
    /// Transfers from inside to outside.
    pub passed_on: i64,
    /// Spent by organisations inside.
    pub spent: i64,
    /// received + came in − passed on − spent.
    pub held: i64,
}

/// Which organisations a total is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Boundary {
    /// Every organisation: the city (province) as a whole.
    All,
    /// The organisations located in these units (e.g. a commune).
    Units(Vec<String>),
    /// One organisation.
    Organisation(String),
}

impl Boundary {
    /// SQL true when the organisation id in `col` is inside, with its
    /// parameters from `$first`.
    fn predicate(&self, col: &str, first: usize) -> (String, Vec<String>) {
        match self {
            Boundary::All => ("1 = 1".into(), Vec::new()),
            Boundary::Organisation(id) => (format!("{col} = ${first}"), vec![id.clone()]),
            Boundary::Units(codes) if codes.is_empty() => ("1 = 0".into(), Vec::new()),
            Boundary::Units(codes) => {
                let ps: Vec<String> = (0..codes.len())
                    .map(|i| format!("${}", first + i))
                    .collect();
                (
                    format!(
                        "{col} IN (SELECT bo.id FROM organisations bo WHERE bo.unit_code IN ({}))",
                        ps.join(", ")
                    ),
                    codes.clone(),
                )
            }
        }
    }
}

pub(crate) fn flows_lock(db: &Db) -> Option<&'static str> {
    match db.backend() {
        Backend::Postgres => Some("SELECT pg_advisory_xact_lock(4046591)"),
        Backend::Sqlite => None,
    }
}

/// (kind, amount, receiver, pledge unit-code restriction, state budget).
type ReceiptHead = (String, i64, String, Option<String>, bool);

/// What `org` holds of `receipt` inside an open transaction. Evaluates to
/// `Result<i64, StorageError>`.
macro_rules! held_in_tx {
    ($tx:ident, $org:expr, $receipt:expr) => {
        async {
            let org: &str = $org;
            let receipt: &str = $receipt;
            let row: (i64,) = sqlx::query_as(
                "SELECT CAST( \
                   COALESCE((SELECT SUM(r.amount) FROM live_receipts r WHERE r.id = $2 AND r.receiver_id = $1), 0) \
                 + COALESCE((SELECT SUM(t.amount) FROM live_transfers t WHERE t.receipt_id = $2 AND t.to_org_id = $1), 0) \
                 - COALESCE((SELECT SUM(t.amount) FROM live_transfers t WHERE t.receipt_id = $2 AND t.from_org_id = $1), 0) \
                 - COALESCE((SELECT SUM(e.amount) FROM live_expenditures e WHERE e.receipt_id = $2 AND e.org_id = $1), 0) \
                 AS BIGINT)",
            )
            .bind(org)
            .bind(receipt)
            .fetch_one(&mut *$tx)
            .await?;
            Ok::<i64, StorageError>(row.0)
        }
        .await
    };
}

/// The receipt's facts a flow needs, or the refusal. Evaluates to
/// `Result<Result<ReceiptHead, FlowRefusal>, StorageError>`.
macro_rules! receipt_head_in_tx {
    ($tx:ident, $receipt:expr) => {
        async {
            let head: Option<ReceiptHead> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT r.kind, r.amount, r.receiver_id, g.unit_codes, {IS_STATE_BUDGET} \
                 FROM live_receipts r JOIN pledges g ON g.id = r.pledge_id WHERE r.id = $1"
            )))
            .bind($receipt)
            .fetch_optional(&mut *$tx)
            .await?;
            let Some(head) = head else {
                return Ok(Err(FlowRefusal::UnknownReceipt));
            };
            if head.0 != "money" {
                return Ok(Err(FlowRefusal::NotMoney));
            }
            if head.4 {
                return Ok(Err(FlowRefusal::StateBudget));
            }
            Ok::<Result<ReceiptHead, FlowRefusal>, StorageError>(Ok(head))
        }
        .await
    };
}

/// Passes (part of) a receipt's money from the organisation holding it to
/// another, with its `transfer` ledger leaf and audit row.
pub async fn transfer(
    db: &Db,
    t: &NewTransfer,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<Result<String, FlowRefusal>, StorageError> {
    if t.amount <= 0 {
        return Ok(Err(FlowRefusal::NotPositive));
    }
    if t.from_org_id == t.to_org_id {
        return Ok(Err(FlowRefusal::SameOrganisation));
    }
    let lock = flows_lock(db);
    let out = db_tx!(db, |tx| {
        async {
            if let Some(sql) = lock {
                sqlx::query(sql).execute(&mut *tx).await?;
            }
            let head = match receipt_head_in_tx!(tx, &t.receipt_id)? {
                Ok(h) => h,
                Err(refusal) => return Ok(Err(refusal)),
            };
            let orgs: Vec<(String, Option<String>)> =
                sqlx::query_as("SELECT id, unit_code FROM organisations WHERE id = $1 OR id = $2")
                    .bind(&t.from_org_id)
                    .bind(&t.to_org_id)
                    .fetch_all(&mut *tx)
                    .await?;
            if orgs.len() != 2 {
                return Ok(Err(FlowRefusal::UnknownOrganisation));
            }
            // A pledge restricted to communes may pass through city-level
            // bodies (no unit, or the province's code) but never into
            // another commune.
            let to_unit = orgs
                .iter()
                .find(|(id, _)| *id == t.to_org_id)
                .and_then(|(_, u)| u.clone())
                .filter(|u| u != crate::admin_units::PROVINCE);
            if let (Some(list), Some(unit)) = (&head.3, &to_unit) {
                let allowed: Vec<&str> = list
                    .split(',')
                    .map(str::trim)
                    .filter(|x| !x.is_empty())
                    .collect();
                if !allowed.is_empty() && !allowed.contains(&unit.as_str()) {
                    return Ok(Err(FlowRefusal::Restricted));
                }
            }
            let held = held_in_tx!(tx, &t.from_org_id, &t.receipt_id)?;
            if t.amount > held {
                return Ok(Err(FlowRefusal::BeyondHeld { held: held.max(0) }));
            }
            let id = crate::new_id();
            let note = domain::text::clean(&t.note);
            sqlx::query(
                "INSERT INTO transfers (id, province, receipt_id, from_org_id, to_org_id, amount, transferred_on, \
                 note, created_by, is_demo, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
            )
            .bind(&id)
            .bind(crate::admin_units::PROVINCE)
            .bind(&t.receipt_id)
            .bind(&t.from_org_id)
            .bind(&t.to_org_id)
            .bind(t.amount)
            .bind(t.transferred_on)
            .bind(&note)
            .bind(&actor.name)
            .bind(t.is_demo)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let rec = AuditRecord {
                actor: actor.clone(),
                at: now,
                action: "transfer",
                entity: "transfer",
                entity_id: id.clone(),
                before: None,
                after: Some(json!({"receipt_id": t.receipt_id, "from_org_id": t.from_org_id,
                    "to_org_id": t.to_org_id, "amount": t.amount,
                    "transferred_on": t.transferred_on.to_string(), "note": note})),
            };
            (*tx).append_transfer(&id, now).await?;
            (*tx).append(&rec).await?;
            Ok::<Result<String, FlowRefusal>, StorageError>(Ok(id))
        }
        .await?
    });
    Ok(out)
}

/// Records (part of) a receipt's money as spent by the organisation
/// holding it, with its `expenditure` ledger leaf and audit row.
pub async fn spend(
    db: &Db,
    e: &NewExpenditure,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<Result<String, FlowRefusal>, StorageError> {
    if e.amount <= 0 {
        return Ok(Err(FlowRefusal::NotPositive));
    }
    let lock = flows_lock(db);
    let out = db_tx!(db, |tx| {
        async {
            if let Some(sql) = lock {
                sqlx::query(sql).execute(&mut *tx).await?;
            }
            if let Err(refusal) = receipt_head_in_tx!(tx, &e.receipt_id)? {
                return Ok(Err(refusal));
            }
            let org: Option<(String,)> = sqlx::query_as("SELECT id FROM organisations WHERE id = $1")
                .bind(&e.org_id)
                .fetch_optional(&mut *tx)
                .await?;
            if org.is_none() {
                return Ok(Err(FlowRefusal::UnknownOrganisation));
            }
            if let Some(line) = &e.need_line_id {
                let funded: Option<(String,)> = sqlx::query_as(
                    "SELECT a.id FROM live_allocations a JOIN live_receipts r ON r.pledge_id = a.pledge_id \
                     WHERE r.id = $1 AND a.need_line_id = $2 LIMIT 1",
                )
                .bind(&e.receipt_id)
                .bind(line)
                .fetch_optional(&mut *tx)
                .await?;
                if funded.is_none() {
                    return Ok(Err(FlowRefusal::LineNotFunded));
                }
            }
            let held = held_in_tx!(tx, &e.org_id, &e.receipt_id)?;
            if e.amount > held {
                return Ok(Err(FlowRefusal::BeyondHeld { held: held.max(0) }));
            }
            let id = crate::new_id();
            let description = domain::text::clean(&e.description);
            sqlx::query(
                "INSERT INTO expenditures (id, province, receipt_id, org_id, need_line_id, amount, spent_on, \
                 description, created_by, is_demo, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
            )
            .bind(&id)
            .bind(crate::admin_units::PROVINCE)
            .bind(&e.receipt_id)
            .bind(&e.org_id)
            .bind(&e.need_line_id)
            .bind(e.amount)
            .bind(e.spent_on)
            .bind(&description)
            .bind(&actor.name)
            .bind(e.is_demo)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let rec = AuditRecord {
                actor: actor.clone(),
                at: now,
                action: "spend",
                entity: "expenditure",
                entity_id: id.clone(),
                before: None,
                after: Some(json!({"receipt_id": e.receipt_id, "org_id": e.org_id,
                    "need_line_id": e.need_line_id, "amount": e.amount,
                    "spent_on": e.spent_on.to_string(), "description": description})),
            };
            (*tx).append_expenditure(&id, now).await?;
            (*tx).append(&rec).await?;
            Ok::<Result<String, FlowRefusal>, StorageError>(Ok(id))
        }
        .await?
    });
    Ok(out)
}

/// What `org` holds of `receipt` now.
pub async fn held(db: &Db, org: &str, receipt: &str) -> Result<i64, StorageError> {
    let out = db_run!(db, |pool| {
        let mut conn = pool.acquire().await?;
        held_in_tx!(conn, org, receipt)?
    });
    Ok(out)
}

/// Totals of a boundary, from flows.
pub async fn totals(db: &Db, boundary: &Boundary) -> Result<FlowTotals, StorageError> {
    let (rin, rv) = boundary.predicate("r.receiver_id", 1);
    let (tin_to, tv1) = boundary.predicate("t.to_org_id", 1 + rv.len());
    let (tin_from, tv2) = boundary.predicate("t.from_org_id", 1 + rv.len() + tv1.len());
    let (tout_from, tv3) =
        boundary.predicate("t.from_org_id", 1 + rv.len() + tv1.len() + tv2.len());
    let (tout_to, tv4) = boundary.predicate(
        "t.to_org_id",
        1 + rv.len() + tv1.len() + tv2.len() + tv3.len(),
    );
    let (ein, ev) = boundary.predicate(
        "e.org_id",
        1 + rv.len() + tv1.len() + tv2.len() + tv3.len() + tv4.len(),
    );
    let sql = format!(
        "SELECT \
         CAST(COALESCE((SELECT SUM(r.amount) FROM live_receipts r WHERE r.kind = 'money' AND {rin} \
            AND NOT {IS_STATE_BUDGET}), 0) AS BIGINT), \
         CAST(COALESCE((SELECT SUM(t.amount) FROM live_transfers t WHERE {tin_to} AND NOT ({tin_from})), 0) AS BIGINT), \
         CAST(COALESCE((SELECT SUM(t.amount) FROM live_transfers t WHERE {tout_from} AND NOT ({tout_to})), 0) AS BIGINT), \
         CAST(COALESCE((SELECT SUM(e.amount) FROM live_expenditures e WHERE {ein}), 0) AS BIGINT)"
    );
    let params: Vec<String> = rv
        .into_iter()
        .chain(tv1)
        .chain(tv2)
        .chain(tv3)
        .chain(tv4)
        .chain(ev)
        .collect();
    let (received, came_in, passed_on, spent): (i64, i64, i64, i64) = db_run!(db, |pool| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
        for p in &params {
            q = q.bind(p);
        }
        q.fetch_one(pool).await?
    });
    Ok(FlowTotals {
        received,
        came_in,
        passed_on,
        spent,
        held: received
            .saturating_add(came_in)
            .saturating_sub(passed_on)
            .saturating_sub(spent),
    })
}

/// One organisation's flows: what came in, what it passed on, what it
/// spent, and its totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitFlows {
    pub totals: FlowTotals,
    pub transfers_in: Vec<TransferRow>,
    pub transfers_out: Vec<TransferRow>,
    pub expenditures: Vec<ExpenditureRow>,
}

pub async fn of_organisation(db: &Db, org_id: &str) -> Result<UnitFlows, StorageError> {
    let totals = totals(db, &Boundary::Organisation(org_id.to_owned())).await?;
    let (transfers_in, transfers_out, expenditures) = db_run!(db, |pool| {
        let tin: Vec<TransferRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{TRANSFER_ROWS} WHERE t.to_org_id = $1 ORDER BY t.transferred_on, t.created_at, t.id"
        )))
        .bind(org_id)
        .fetch_all(pool)
        .await?;
        let tout: Vec<TransferRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{TRANSFER_ROWS} WHERE t.from_org_id = $1 ORDER BY t.transferred_on, t.created_at, t.id"
        )))
        .bind(org_id)
        .fetch_all(pool)
        .await?;
        let ex: Vec<ExpenditureRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{EXPENDITURE_ROWS} WHERE e.org_id = $1 ORDER BY e.spent_on, e.created_at, e.id"
        )))
        .bind(org_id)
        .fetch_all(pool)
        .await?;
        (tin, tout, ex)
    });
    Ok(UnitFlows {
        totals,
        transfers_in,
        transfers_out,
        expenditures,
    })
}

/// Every transfer and expenditure of one receipt, in the order they were
/// made: the chain its money followed.
pub async fn of_receipt(
    db: &Db,
    receipt_id: &str,
) -> Result<(Vec<TransferRow>, Vec<ExpenditureRow>), StorageError> {
    let out = db_run!(db, |pool| {
        let t: Vec<TransferRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{TRANSFER_ROWS} WHERE t.receipt_id = $1 ORDER BY t.transferred_on, t.created_at, t.id"
        )))
        .bind(receipt_id)
        .fetch_all(pool)
        .await?;
        let e: Vec<ExpenditureRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{EXPENDITURE_ROWS} WHERE e.receipt_id = $1 ORDER BY e.spent_on, e.created_at, e.id"
        )))
        .bind(receipt_id)
        .fetch_all(pool)
        .await?;
        (t, e)
    });
    Ok(out)
}

/// The organisations that received donors' money or were passed some.
pub async fn organisations_with_flows(
    db: &Db,
) -> Result<std::collections::HashSet<String>, StorageError> {
    let rows: Vec<(String,)> = db_run!(db, |pool| {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT r.receiver_id FROM live_receipts r WHERE r.kind = 'money' AND NOT {IS_STATE_BUDGET} \
             UNION SELECT to_org_id FROM live_transfers"
        )))
        .fetch_all(pool)
        .await?
    });
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// (receipt, amount, need line, the line's site, received on).
pub type AllocatedReceipt = (String, i64, String, String, NaiveDate);

/// The first bank receipt of at least `min_amount` received by
/// `receiver_id` whose commitment is allocated to a need line — where a
/// chain of transfers can start (the demo's).
pub async fn first_allocated_receipt(
    db: &Db,
    receiver_id: &str,
    min_amount: i64,
) -> Result<Option<AllocatedReceipt>, StorageError> {
    let row = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT r.id, r.amount, a.need_line_id, n.site_id, r.received_on FROM live_receipts r \
             JOIN live_allocations a ON a.pledge_id = r.pledge_id JOIN need_lines n ON n.id = a.need_line_id \
             WHERE r.receiver_id = $1 AND r.kind = 'money' AND r.method = 'bank' AND r.amount >= $2 \
             ORDER BY r.receipt_no, a.created_at, a.id LIMIT 1",
        )
        .bind(receiver_id)
        .bind(min_amount)
        .fetch_optional(pool)
        .await?
    });
    Ok(row)
}

/// Money receipts an organisation holds something of: (receipt id,
/// receipt number, held) — what a transfer or expenditure can draw on.
pub async fn holdings(db: &Db, org_id: &str) -> Result<Vec<(String, String, i64)>, StorageError> {
    let rows: Vec<(String, String, i64)> = db_run!(db, |pool| {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT x.id, x.receipt_no, CAST(x.held AS BIGINT) FROM ( \
               SELECT r.id, r.receipt_no, r.received_on, \
               (CASE WHEN r.receiver_id = $1 THEN r.amount ELSE 0 END) \
               + COALESCE((SELECT SUM(t.amount) FROM live_transfers t WHERE t.receipt_id = r.id AND t.to_org_id = $1), 0) \
               - COALESCE((SELECT SUM(t.amount) FROM live_transfers t WHERE t.receipt_id = r.id AND t.from_org_id = $1), 0) \
               - COALESCE((SELECT SUM(e.amount) FROM live_expenditures e WHERE e.receipt_id = r.id AND e.org_id = $1), 0) \
               AS held FROM live_receipts r WHERE r.kind = 'money' AND NOT {IS_STATE_BUDGET} AND \
               (r.receiver_id = $1 OR r.id IN (SELECT t2.receipt_id FROM live_transfers t2 WHERE t2.to_org_id = $1)) \
             ) x WHERE x.held > 0 ORDER BY x.received_on, x.receipt_no"
        )))
        .bind(org_id)
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}
