//! Bank statements reconciled: imported lines of money in, never twice
//! (one row per account and dedupe key), matched to pledges by the code in
//! the memo and the amount. A matched line becomes a receipt — and its
//! ledger leaf — in the same transaction. The rest wait, with proposed
//! matches, for a coordinator to confirm or set aside; unmatched money
//! stays visible.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde_json::json;

use crate::accounts::ReceivingAccount;
use crate::audit::{AuditActor, AuditConn, AuditRecord};
use crate::ledger::LedgerConn;
use crate::receipts::{NewReceipt, Receipt, ReceiptRefusal, receipts_lock, receive_in_tx};
use crate::{Db, StorageError, db_run, db_tx};

/// Marks a line matched inside the open transaction.
macro_rules! mark_matched {
    ($tx:ident, $line:expr, $pledge:expr, $receipt:expr, $by:expr, $now:expr) => {
        sqlx::query(
            "UPDATE statement_lines SET status = 'matched', pledge_id = $1, receipt_id = $2, decided_by = $3, \
             decided_at = $4 WHERE id = $5",
        )
        .bind($pledge)
        .bind($receipt)
        .bind($by)
        .bind($now)
        .bind($line)
        .execute(&mut *$tx)
        .await?
    };
}

/// One parsed line of money in, ready to store.
#[derive(Debug, Clone)]
pub struct NewLine {
    pub dedupe_key: String,
    pub booked_on: NaiveDate,
    pub amount: i64,
    pub memo: String,
    pub bank_ref: Option<String>,
    pub counterparty: Option<String>,
    pub counterparty_account: Option<String>,
    /// Valid pledge numbers found in the memo, in order.
    pub pledge_numbers: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredLine {
    pub id: String,
    pub account_id: String,
    pub import_id: String,
    pub booked_on: NaiveDate,
    pub amount: i64,
    pub memo: String,
    pub bank_ref: Option<String>,
    pub counterparty: Option<String>,
    /// `unmatched`, `matched` or `ignored`.
    pub status: String,
    pub pledge_id: Option<String>,
    pub receipt_id: Option<String>,
    pub decided_by: Option<String>,
}

const LINE_COLUMNS: &str = "SELECT id, account_id, import_id, booked_on, amount, memo, bank_ref, counterparty, \
    status, pledge_id, receipt_id, decided_by FROM statement_lines";

/// A parsed statement file for one receiving account.
#[derive(Debug, Clone, Copy)]
pub struct StatementFile<'a> {
    pub account: &'a ReceivingAccount,
    /// How receipts name the account ("Vietcombank 0071000123456").
    pub account_label: &'a str,
    pub file_name: &'a str,
    /// The preset that read it, or `mapping`.
    pub layout: &'a str,
    pub lines: &'a [NewLine],
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOutcome {
    pub import_id: String,
    pub lines: usize,
    pub new_lines: usize,
    /// Lines already imported from an earlier (overlapping) statement.
    pub already_imported: usize,
    /// Lines that matched a committed pledge by code and amount and became
    /// receipts: (line id, receipt number).
    pub matched: Vec<(String, String)>,
}

/// Stores a statement's lines (skipping those already imported) and turns
/// the ones that match a committed pledge by memo code, within what the
/// pledge has left to receive, into receipts — all in one transaction.
pub async fn import(
    db: &Db,
    file: &StatementFile<'_>,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<ImportOutcome, StorageError> {
    let StatementFile {
        account,
        account_label,
        file_name,
        layout,
        lines,
    } = *file;
    let lock = receipts_lock(db);
    let import_id = crate::new_id();
    let out = db_tx!(db, |tx| {
        if let Some(sql) = lock {
            sqlx::query(sql).execute(&mut *tx).await?;
        }
        sqlx::query(
            "INSERT INTO statement_imports (id, province, account_id, file_name, layout, lines_total, lines_new, \
             created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
        )
        .bind(&import_id)
        .bind(crate::admin_units::PROVINCE)
        .bind(&account.id)
        .bind(file_name)
        .bind(layout)
        .bind(lines.len() as i64)
        .bind(0i64)
        .bind(&actor.name)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let mut new_lines = 0usize;
        let mut matched = Vec::new();
        for l in lines {
            let id = crate::new_id();
            let inserted = sqlx::query(
                "INSERT INTO statement_lines (id, province, account_id, import_id, dedupe_key, booked_on, amount, \
                 memo, bank_ref, counterparty, counterparty_account, status) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,'unmatched') \
                 ON CONFLICT (account_id, dedupe_key) DO NOTHING",
            )
            .bind(&id)
            .bind(crate::admin_units::PROVINCE)
            .bind(&account.id)
            .bind(&import_id)
            .bind(&l.dedupe_key)
            .bind(l.booked_on)
            .bind(l.amount)
            .bind(&l.memo)
            .bind(&l.bank_ref)
            .bind(&l.counterparty)
            .bind(&l.counterparty_account)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted == 0 {
                continue;
            }
            new_lines += 1;
            // One code, a committed pledge, within what it has left: a receipt.
            let [number] = l.pledge_numbers.as_slice() else {
                continue;
            };
            let pledge: Option<(String, String, String)> =
                sqlx::query_as("SELECT id, status, kind FROM pledges WHERE number = $1")
                    .bind(i64::from(*number))
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((pledge_id, status, kind)) = pledge else {
                continue;
            };
            if status != "committed" || kind != "money" {
                continue;
            }
            let r = NewReceipt {
                pledge_id: pledge_id.clone(),
                kind: "money".into(),
                amount: l.amount,
                method: "bank".into(),
                account: account_label.to_owned(),
                receiver_id: account.organisation_id.clone(),
                received_on: l.booked_on,
                is_demo: account.is_demo,
            };
            if let Ok(receipt) = receive_in_tx!(tx, &r, actor, now)? {
                mark_matched!(tx, &id, &pledge_id, &receipt.id, "auto", now);
                matched.push((id, receipt.receipt_no));
            }
        }
        sqlx::query("UPDATE statement_imports SET lines_new = $1 WHERE id = $2")
            .bind(new_lines as i64)
            .bind(&import_id)
            .execute(&mut *tx)
            .await?;
        let rec = AuditRecord {
            actor: actor.clone(),
            at: now,
            action: "import",
            entity: "statement",
            entity_id: import_id.clone(),
            before: None,
            after: Some(
                json!({"account_id": account.id, "file_name": file_name, "layout": layout,
                "lines": lines.len(), "new_lines": new_lines, "matched": matched.len()}),
            ),
        };
        (*tx).append(&rec).await?;
        ImportOutcome {
            import_id: import_id.clone(),
            lines: lines.len(),
            new_lines,
            already_imported: lines.len() - new_lines,
            matched,
        }
    });
    Ok(out)
}

/// Why a confirmation was refused (nothing written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmRefusal {
    UnknownLine,
    AlreadyDecided,
    NotMoney,
    Receipt(ReceiptRefusal),
}

impl ConfirmRefusal {
    pub fn message_key(self) -> &'static str {
        match self {
            ConfirmRefusal::UnknownLine => "statement-error-line",
            ConfirmRefusal::AlreadyDecided => "statement-error-decided",
            ConfirmRefusal::NotMoney => "statement-error-not-money",
            ConfirmRefusal::Receipt(r) => r.message_key(),
        }
    }
}

/// A coordinator confirms that a line pays a pledge: a pledge still
/// waiting for confirmation is committed, the receipt and its ledger leaf
/// are written, and the line is matched — together or not at all.
pub async fn confirm(
    db: &Db,
    line_id: &str,
    pledge_id: &str,
    account_label: &str,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<Result<Receipt, ConfirmRefusal>, StorageError> {
    let lock = receipts_lock(db);
    let out = db_tx!(db, |tx| {
        if let Some(sql) = lock {
            sqlx::query(sql).execute(&mut *tx).await?;
        }
        let line: Option<StoredLine> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{LINE_COLUMNS} WHERE id = $1")))
                .bind(line_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(line) = line else {
            return Ok(Err(ConfirmRefusal::UnknownLine));
        };
        if line.status != "unmatched" {
            return Ok(Err(ConfirmRefusal::AlreadyDecided));
        }
        let account: Option<(String, bool)> =
            sqlx::query_as("SELECT organisation_id, is_demo FROM receiving_accounts WHERE id = $1")
                .bind(&line.account_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((receiver_id, is_demo)) = account else {
            return Ok(Err(ConfirmRefusal::UnknownLine));
        };
        let pledge: Option<(String, String)> =
            sqlx::query_as("SELECT status, kind FROM pledges WHERE id = $1")
                .bind(pledge_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((status, kind)) = pledge else {
            return Ok(Err(ConfirmRefusal::Receipt(ReceiptRefusal::UnknownPledge)));
        };
        if kind != "money" {
            return Ok(Err(ConfirmRefusal::NotMoney));
        }
        if status == "pledged" {
            // The transfer is the donor's signature: the pledge is committed.
            sqlx::query("UPDATE pledges SET status = 'committed', committed_at = $1 WHERE id = $2")
                .bind(now)
                .bind(pledge_id)
                .execute(&mut *tx)
                .await?;
            let rec = AuditRecord {
                actor: actor.clone(),
                at: now,
                action: "commit",
                entity: "pledge",
                entity_id: pledge_id.to_owned(),
                before: Some(json!({"status": "pledged"})),
                after: Some(
                    json!({"status": "committed", "by": "bank statement line", "line": line_id}),
                ),
            };
            (*tx).append(&rec).await?;
        }
        let r = NewReceipt {
            pledge_id: pledge_id.to_owned(),
            kind: "money".into(),
            amount: line.amount,
            method: "bank".into(),
            account: account_label.to_owned(),
            receiver_id,
            received_on: line.booked_on,
            is_demo,
        };
        match receive_in_tx!(tx, &r, actor, now)? {
            Ok(receipt) => {
                mark_matched!(tx, line_id, pledge_id, &receipt.id, &actor.name, now);
                Ok(receipt)
            }
            // Returning drops the transaction: the commitment is undone too.
            Err(refusal) => return Ok(Err(ConfirmRefusal::Receipt(refusal))),
        }
    });
    Ok(out)
}

/// Sets a line aside (not a donation: interest, a refund …), with a reason.
pub async fn ignore(
    db: &Db,
    line_id: &str,
    reason: &str,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    let reason = domain::text::clean(reason);
    let changed = db_tx!(db, |tx| {
        let n = sqlx::query(
            "UPDATE statement_lines SET status = 'ignored', decided_by = $1, decided_at = $2 \
             WHERE id = $3 AND status = 'unmatched'",
        )
        .bind(&actor.name)
        .bind(now)
        .bind(line_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 1 {
            let rec = AuditRecord {
                actor: actor.clone(),
                at: now,
                action: "ignore",
                entity: "statement_line",
                entity_id: line_id.to_owned(),
                before: Some(json!({"status": "unmatched"})),
                after: Some(json!({"status": "ignored", "reason": reason})),
            };
            (*tx).append(&rec).await?;
        }
        n == 1
    });
    Ok(changed)
}

/// Lines with a status (`unmatched`, `matched`, `ignored`), newest first.
pub async fn lines(db: &Db, status: &str, limit: i64) -> Result<Vec<StoredLine>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, StoredLine>(sqlx::AssertSqlSafe(format!(
            "{LINE_COLUMNS} WHERE status = $1 ORDER BY booked_on DESC, id LIMIT $2"
        )))
        .bind(status)
        .bind(limit)
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

pub async fn line(db: &Db, id: &str) -> Result<Option<StoredLine>, StorageError> {
    let row = db_run!(db, |pool| {
        sqlx::query_as::<_, StoredLine>(sqlx::AssertSqlSafe(format!(
            "{LINE_COLUMNS} WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(pool)
        .await?
    });
    Ok(row)
}

/// Money that came in and is not yet matched: (lines, total đồng).
pub async fn unmatched_total(db: &Db) -> Result<(i64, i64), StorageError> {
    let row: (i64, i64) = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(amount), 0) AS BIGINT) \
             FROM statement_lines WHERE status = 'unmatched'",
        )
        .fetch_one(pool)
        .await?
    });
    Ok(row)
}

/// A proposed pledge for an unmatched line, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub pledge_id: String,
    pub pledge_number: Option<i64>,
    pub donor_name: String,
    pub status: String,
    pub remaining: i64,
    /// Message keys of the reasons (code in memo, amount equal, name).
    pub reasons: Vec<&'static str>,
    pub score: u32,
}

type Candidate = (String, Option<i64>, String, String, i64, i64);

/// Up to three pledges the line probably pays, best first: the code in its
/// memo, an amount equal to what a pledge has left, the donor's name in the
/// memo or the sender's name.
pub async fn proposals(
    db: &Db,
    line: &StoredLine,
    memo_numbers: &[u32],
) -> Result<Vec<Proposal>, StorageError> {
    // Money pledges still open, with what each has left to receive.
    let rows: Vec<Candidate> = db_run!(db, |pool| {
        sqlx::query_as(
            "SELECT g.id, g.number, d.name, g.status, g.amount, \
             CAST(COALESCE((SELECT SUM(r.amount) FROM live_receipts r WHERE r.pledge_id = g.id), 0) AS BIGINT) \
             FROM pledges g JOIN donors d ON d.id = g.donor_id \
             WHERE g.kind = 'money' AND g.status IN ('pledged', 'committed')",
        )
        .fetch_all(pool)
        .await?
    });
    let text = domain::text::search_key(&format!(
        "{} {}",
        line.memo,
        line.counterparty.as_deref().unwrap_or("")
    ));
    let mut out: Vec<Proposal> = rows
        .into_iter()
        .filter_map(|(id, number, name, status, amount, received)| {
            let remaining = amount.saturating_sub(received);
            if remaining <= 0 {
                return None;
            }
            let mut reasons = Vec::new();
            let mut score = 0;
            if number.is_some_and(|n| memo_numbers.iter().any(|m| i64::from(*m) == n)) {
                reasons.push("statement-reason-code");
                score += 10;
            }
            if remaining == line.amount {
                reasons.push("statement-reason-amount");
                score += 3;
            } else if line.amount > remaining {
                // Cannot be received in full against this pledge.
                return None;
            }
            let folded = domain::text::search_key(&name);
            if folded.len() >= 4 && text.contains(&folded) {
                reasons.push("statement-reason-name");
                score += 4;
            }
            (score >= 3).then_some(Proposal {
                pledge_id: id,
                pledge_number: number,
                donor_name: name,
                status,
                remaining,
                reasons,
                score,
            })
        })
        .collect();
    out.sort_by(|a, b| b.score.cmp(&a.score).then(a.remaining.cmp(&b.remaining)));
    out.truncate(3);
    Ok(out)
}
