//! What each kind of ledger entry says: the leaf schema, version 1.
//!
//! A leaf is the canonical JSON (RFC 8785 style: sorted keys, no spaces,
//! integers only) of one object. Every leaf has `v` (schema version),
//! `kind`, `id` (the business row) and `at` (the business date). Never in a
//! leaf: anything about a child; a donor's name unless the donor consented
//! to publication and is not anonymous. Amounts are integer đồng.
//!
//! * `receipt` — money or goods received against a commitment:
//!   `{"v":1,"kind":"receipt","id","at","no","receiver","form":"money|goods",
//!   "method":"bank|cash|goods","amount","currency":"VND","pledge":"CT…",
//!   "donor_type","donor_origin","donor_name"?}`
//! * `allocation` — (part of) a commitment assigned to a need line:
//!   `{"v":1,"kind":"allocation","id","at","amount","currency":"VND",
//!   "pledge":"CT…","need","unit","site","category","period","override":bool}`
//! * `distribution` — goods or money handed over to a receiving site
//!   against a need line's allocations (biên bản bàn giao):
//!   `{"v":1,"kind":"distribution","id","at","minutes","need","unit","site",
//!   "giver","category","period","form":"goods|money","value","currency":"VND",
//!   "children"}` — `children` is a count of children served, never who.
//! * `amendment` — a later fact about an earlier entry, never an edit of it;
//!   for a distribution, the receiving site's acceptance outcome (again at
//!   each resolution of a non-conformity that changes it):
//!   `{"v":1,"kind":"amendment","id","at","amends":"distribution","ref",
//!   "need","unit","site","outcome":"accepted|accepted_with_issues|rejected",
//!   "accepted","currency":"VND","open_issues"}`
//! * `transfer` — (part of) a money receipt passed on from the organisation
//!   holding it to another (fund → commune → school); one flow with the
//!   receipt, never a new gift:
//!   `{"v":1,"kind":"transfer","id","at","receipt","no","pledge":"CT…",
//!   "from","to","amount","currency":"VND"}` — `receipt` and `no` name the
//!   source receipt (whose own leaf carries the donor), `from`/`to` are
//!   organisation ids. The officer's note is not in the leaf.
//! * `expenditure` — (part of) a money receipt spent by the organisation
//!   holding it, on a need line when it was:
//!   `{"v":1,"kind":"expenditure","id","at","receipt","no","pledge":"CT…",
//!   "org","amount","currency":"VND","need"?,"unit"?,"site"?,"category"?,
//!   "period"?}` — the line's fields only when spent on a line. The
//!   description is internal (it could name a person) and never in the leaf.
//! * `reversal` — a correction: an earlier receipt, allocation, transfer or
//!   expenditure reversed by a new entry, never by an edit (the reversed
//!   entry stays in the log as it was, and counts nowhere from then on):
//!   `{"v":1,"kind":"reversal","id","at","reverses":"receipt|allocation|
//!   transfer|expenditure","ref","amount","currency":"VND"}` — `ref` is the
//!   reversed row's id (its own leaf carries the rest), `amount` the amount
//!   it no longer counts. The officer's reason is internal (free text) and
//!   never in the leaf.
//!
//! The same functions build a leaf when it is appended and again when
//! `chungtay ledger verify` recomputes it from the business tables, so a
//! changed amount in SQL shows up as a leaf that no longer matches.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value, json};

use crate::StorageError;

/// Leaf schema version written into every new leaf.
pub const SCHEMA_VERSION: i64 = 1;

/// The facts of a receipt as the ledger records them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReceiptFacts {
    pub id: String,
    pub receipt_no: String,
    pub received_on: NaiveDate,
    pub receiver_id: String,
    pub kind: String,
    pub method: String,
    pub amount: i64,
    pub pledge_number: Option<i64>,
    pub donor_type: String,
    pub donor_origin: String,
    pub donor_name: String,
    pub publish_name: bool,
    pub anonymous: bool,
}

pub(crate) const RECEIPT_FACTS: &str = "SELECT r.id, r.receipt_no, r.received_on, r.receiver_id, r.kind, r.method, \
    r.amount, g.number AS pledge_number, d.donor_type, d.origin AS donor_origin, d.name AS donor_name, \
    d.publish_name, d.anonymous FROM receipts r JOIN pledges g ON g.id = r.pledge_id \
    JOIN donors d ON d.id = g.donor_id";

/// The facts of an allocation as the ledger records them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AllocationFacts {
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub amount: i64,
    pub pledge_number: Option<i64>,
    pub need_line_id: String,
    pub unit_code: String,
    pub site_id: String,
    pub category: String,
    pub period_id: String,
    pub overridden: bool,
}

pub(crate) const ALLOCATION_FACTS: &str = "SELECT a.id, a.created_at, a.amount, g.number AS pledge_number, \
    a.need_line_id, n.unit_code, n.site_id, n.category, n.period_id, \
    (a.override_reason IS NOT NULL) AS overridden FROM allocations a \
    JOIN pledges g ON g.id = a.pledge_id JOIN need_lines n ON n.id = a.need_line_id";

/// The facts of a delivery as the distribution leaf records them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DistributionFacts {
    pub id: String,
    /// `None` while only planned: a planned delivery has no leaf.
    pub handed_over_on: Option<NaiveDate>,
    pub minutes_no: Option<String>,
    pub need_line_id: String,
    pub unit_code: String,
    pub site_id: String,
    pub giver_id: String,
    pub category: String,
    pub period_id: String,
    pub form: String,
    pub value: i64,
    pub children_served: i64,
}

pub(crate) const DISTRIBUTION_FACTS: &str = "SELECT d.id, d.handed_over_on, d.minutes_no, d.need_line_id, \
    d.unit_code, d.site_id, d.giver_id, n.category, n.period_id, d.form, d.value, d.children_served \
    FROM deliveries d JOIN need_lines n ON n.id = d.need_line_id";

/// The facts of an acceptance outcome as the amendment leaf records them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AmendmentFacts {
    pub id: String,
    pub delivery_id: String,
    pub decided_on: NaiveDate,
    pub outcome: String,
    pub accepted_value: i64,
    pub open_issues: i64,
    pub need_line_id: String,
    pub unit_code: String,
    pub site_id: String,
}

pub(crate) const AMENDMENT_FACTS: &str = "SELECT o.id, o.delivery_id, o.decided_on, o.outcome, \
    o.accepted_value, o.open_issues, d.need_line_id, d.unit_code, d.site_id \
    FROM delivery_outcomes o JOIN deliveries d ON d.id = o.delivery_id";

/// The facts of a transfer as the ledger records them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TransferFacts {
    pub id: String,
    pub transferred_on: NaiveDate,
    pub receipt_id: String,
    pub receipt_no: String,
    pub pledge_number: Option<i64>,
    pub from_org_id: String,
    pub to_org_id: String,
    pub amount: i64,
}

pub(crate) const TRANSFER_FACTS: &str = "SELECT t.id, t.transferred_on, t.receipt_id, r.receipt_no, \
    g.number AS pledge_number, t.from_org_id, t.to_org_id, t.amount FROM transfers t \
    JOIN receipts r ON r.id = t.receipt_id JOIN pledges g ON g.id = r.pledge_id";

/// The facts of an expenditure as the ledger records them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExpenditureFacts {
    pub id: String,
    pub spent_on: NaiveDate,
    pub receipt_id: String,
    pub receipt_no: String,
    pub pledge_number: Option<i64>,
    pub org_id: String,
    pub amount: i64,
    pub need_line_id: Option<String>,
    pub unit_code: Option<String>,
    pub site_id: Option<String>,
    pub category: Option<String>,
    pub period_id: Option<String>,
}

pub(crate) const EXPENDITURE_FACTS: &str = "SELECT e.id, e.spent_on, e.receipt_id, r.receipt_no, \
    g.number AS pledge_number, e.org_id, e.amount, e.need_line_id, n.unit_code, n.site_id, n.category, \
    n.period_id FROM expenditures e JOIN receipts r ON r.id = e.receipt_id \
    JOIN pledges g ON g.id = r.pledge_id LEFT JOIN need_lines n ON n.id = e.need_line_id";

/// The facts of a reversal as the ledger records them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReversalFacts {
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub reverses: String,
    pub target_id: String,
    /// The reversed row's amount (`None` if that row is gone).
    pub amount: Option<i64>,
}

pub(crate) const REVERSAL_FACTS: &str = "SELECT v.id, v.created_at, v.kind AS reverses, v.target_id, \
    CAST(CASE v.kind \
      WHEN 'receipt' THEN (SELECT r.amount FROM receipts r WHERE r.id = v.target_id) \
      WHEN 'allocation' THEN (SELECT a.amount FROM allocations a WHERE a.id = v.target_id) \
      WHEN 'transfer' THEN (SELECT t.amount FROM transfers t WHERE t.id = v.target_id) \
      WHEN 'expenditure' THEN (SELECT e.amount FROM expenditures e WHERE e.id = v.target_id) \
    END AS BIGINT) AS amount FROM reversals v";

fn pledge_code(number: Option<i64>) -> Value {
    number
        .and_then(|n| u32::try_from(n).ok())
        .map_or(Value::Null, |n| {
            Value::String(domain::needs::pledge_code::format(n))
        })
}

fn canonical(v: &Value) -> Result<Vec<u8>, StorageError> {
    ledger::canonical_json(v).map_err(|e| StorageError::Corrupt(format!("ledger leaf: {e}")))
}

pub fn receipt_leaf(f: &ReceiptFacts) -> Result<Vec<u8>, StorageError> {
    let mut m = Map::new();
    m.insert("v".into(), json!(SCHEMA_VERSION));
    m.insert("kind".into(), json!("receipt"));
    m.insert("id".into(), json!(f.id));
    m.insert("at".into(), json!(f.received_on.to_string()));
    m.insert("no".into(), json!(f.receipt_no));
    m.insert("receiver".into(), json!(f.receiver_id));
    m.insert("form".into(), json!(f.kind));
    m.insert("method".into(), json!(f.method));
    m.insert("amount".into(), json!(f.amount));
    m.insert("currency".into(), json!("VND"));
    m.insert("pledge".into(), pledge_code(f.pledge_number));
    m.insert("donor_type".into(), json!(f.donor_type));
    m.insert("donor_origin".into(), json!(f.donor_origin));
    if f.publish_name && !f.anonymous {
        m.insert(
            "donor_name".into(),
            json!(domain::text::clean(&f.donor_name)),
        );
    }
    canonical(&Value::Object(m))
}

pub fn allocation_leaf(f: &AllocationFacts) -> Result<Vec<u8>, StorageError> {
    let v = json!({
        "v": SCHEMA_VERSION,
        "kind": "allocation",
        "id": f.id,
        "at": f.created_at.date_naive().to_string(),
        "amount": f.amount,
        "currency": "VND",
        "pledge": pledge_code(f.pledge_number),
        "need": f.need_line_id,
        "unit": f.unit_code,
        "site": f.site_id,
        "category": f.category,
        "period": f.period_id,
        "override": f.overridden,
    });
    canonical(&v)
}

/// The leaf of a handed-over delivery. Ids, dates, the site and its
/// commune, the value and how many children were served — never who.
pub fn distribution_leaf(f: &DistributionFacts) -> Result<Vec<u8>, StorageError> {
    let Some(at) = f.handed_over_on else {
        return Err(StorageError::Corrupt(format!(
            "ledger leaf: delivery {} has not been handed over",
            f.id
        )));
    };
    let v = json!({
        "v": SCHEMA_VERSION,
        "kind": "distribution",
        "id": f.id,
        "at": at.to_string(),
        "minutes": f.minutes_no,
        "need": f.need_line_id,
        "unit": f.unit_code,
        "site": f.site_id,
        "giver": f.giver_id,
        "category": f.category,
        "period": f.period_id,
        "form": f.form,
        "value": f.value,
        "currency": "VND",
        "children": f.children_served,
    });
    canonical(&v)
}

/// The leaf of an acceptance outcome: an amendment to the distribution.
pub fn amendment_leaf(f: &AmendmentFacts) -> Result<Vec<u8>, StorageError> {
    let v = json!({
        "v": SCHEMA_VERSION,
        "kind": "amendment",
        "id": f.id,
        "at": f.decided_on.to_string(),
        "amends": "distribution",
        "ref": f.delivery_id,
        "need": f.need_line_id,
        "unit": f.unit_code,
        "site": f.site_id,
        "outcome": f.outcome,
        "accepted": f.accepted_value,
        "currency": "VND",
        "open_issues": f.open_issues,
    });
    canonical(&v)
}

/// The leaf of a transfer: the source receipt and who passed it to whom.
pub fn transfer_leaf(f: &TransferFacts) -> Result<Vec<u8>, StorageError> {
    let v = json!({
        "v": SCHEMA_VERSION,
        "kind": "transfer",
        "id": f.id,
        "at": f.transferred_on.to_string(),
        "receipt": f.receipt_id,
        "no": f.receipt_no,
        "pledge": pledge_code(f.pledge_number),
        "from": f.from_org_id,
        "to": f.to_org_id,
        "amount": f.amount,
        "currency": "VND",
    });
    canonical(&v)
}

/// The leaf of an expenditure: the source receipt, who spent it, and on
/// which need line when it was.
pub fn expenditure_leaf(f: &ExpenditureFacts) -> Result<Vec<u8>, StorageError> {
    let mut m = Map::new();
    m.insert("v".into(), json!(SCHEMA_VERSION));
    m.insert("kind".into(), json!("expenditure"));
    m.insert("id".into(), json!(f.id));
    m.insert("at".into(), json!(f.spent_on.to_string()));
    m.insert("receipt".into(), json!(f.receipt_id));
    m.insert("no".into(), json!(f.receipt_no));
    m.insert("pledge".into(), pledge_code(f.pledge_number));
    m.insert("org".into(), json!(f.org_id));
    m.insert("amount".into(), json!(f.amount));
    m.insert("currency".into(), json!("VND"));
    if let Some(line) = &f.need_line_id {
        m.insert("need".into(), json!(line));
        m.insert("unit".into(), json!(f.unit_code));
        m.insert("site".into(), json!(f.site_id));
        m.insert("category".into(), json!(f.category));
        m.insert("period".into(), json!(f.period_id));
    }
    canonical(&Value::Object(m))
}

/// The leaf of a reversal: which entry it reverses and the amount that no
/// longer counts. Never the reason (free text).
pub fn reversal_leaf(f: &ReversalFacts) -> Result<Vec<u8>, StorageError> {
    let v = json!({
        "v": SCHEMA_VERSION,
        "kind": "reversal",
        "id": f.id,
        "at": f.created_at.date_naive().to_string(),
        "reverses": f.reverses,
        "ref": f.target_id,
        "amount": f.amount,
        "currency": "VND",
    });
    canonical(&v)
}

/// Whether a stored leaf and the one recomputed from the business tables
/// differ in anything but the donor's name (which a donor may correct, or
/// withdraw consent for, after the fact). `None` when equal; otherwise the
/// first differing field.
pub fn first_difference(stored: &[u8], recomputed: &[u8]) -> Option<String> {
    if stored == recomputed {
        return None;
    }
    let (Ok(Value::Object(mut a)), Ok(Value::Object(mut b))) = (
        serde_json::from_slice::<Value>(stored),
        serde_json::from_slice::<Value>(recomputed),
    ) else {
        return Some("(not JSON)".into());
    };
    a.remove("donor_name");
    b.remove("donor_name");
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .find(|k| a.get(*k) != b.get(*k))
        .map(|k| k.to_string())
}
