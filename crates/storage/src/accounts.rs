//! Receiving accounts: the bank accounts (by NAPAS BIN and number) into
//! which donations arrive, each held by an organisation. The default
//! donations account is the one a pledge's VietQR code pays into. The
//! state budget for management (R13) has accounts of its own purpose and
//! is never mixed with donations.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::audit::{AuditActor, AuditConn, AuditRecord};
use crate::{Db, StorageError, db_run, db_tx};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReceivingAccount {
    pub id: String,
    pub organisation_id: String,
    /// NAPAS BIN, 6 digits.
    pub bank_bin: String,
    pub account_no: String,
    pub account_name: String,
    /// `donations` or `state_budget`.
    pub purpose: String,
    pub is_default: bool,
    pub is_demo: bool,
}

impl ReceivingAccount {
    /// "Vietcombank 0071000123456" — how receipts name the account.
    pub fn label(&self, bank_short_name: Option<&str>) -> String {
        format!(
            "{} {}",
            bank_short_name.unwrap_or(&self.bank_bin),
            self.account_no
        )
    }
}

const COLUMNS: &str = "SELECT id, organisation_id, bank_bin, account_no, account_name, purpose, is_default, \
    is_demo FROM receiving_accounts";

/// Refusals with nothing written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountRefusal {
    BadBin,
    BadNumber,
    BadPurpose,
    UnknownOrganisation,
    Duplicate,
}

impl AccountRefusal {
    pub fn message_key(self) -> &'static str {
        match self {
            AccountRefusal::BadBin => "account-error-bin",
            AccountRefusal::BadNumber => "account-error-number",
            AccountRefusal::BadPurpose => "account-error-purpose",
            AccountRefusal::UnknownOrganisation => "account-error-organisation",
            AccountRefusal::Duplicate => "account-error-duplicate",
        }
    }
}

pub async fn create(
    db: &Db,
    a: &ReceivingAccount,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<Result<(), AccountRefusal>, StorageError> {
    if a.bank_bin.len() != 6 || !a.bank_bin.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(Err(AccountRefusal::BadBin));
    }
    if a.account_no.is_empty()
        || a.account_no.len() > 19
        || !a.account_no.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Ok(Err(AccountRefusal::BadNumber));
    }
    if !matches!(a.purpose.as_str(), "donations" | "state_budget") {
        return Ok(Err(AccountRefusal::BadPurpose));
    }
    let out = db_tx!(db, |tx| {
        let org: Option<(String,)> = sqlx::query_as("SELECT id FROM organisations WHERE id = $1")
            .bind(&a.organisation_id)
            .fetch_optional(&mut *tx)
            .await?;
        if org.is_none() {
            return Ok(Err(AccountRefusal::UnknownOrganisation));
        }
        let dup: Option<(String,)> = sqlx::query_as(
            "SELECT id FROM receiving_accounts WHERE bank_bin = $1 AND account_no = $2",
        )
        .bind(&a.bank_bin)
        .bind(&a.account_no)
        .fetch_optional(&mut *tx)
        .await?;
        if dup.is_some() {
            return Ok(Err(AccountRefusal::Duplicate));
        }
        if a.is_default {
            sqlx::query("UPDATE receiving_accounts SET is_default = $1 WHERE purpose = $2")
                .bind(false)
                .bind(&a.purpose)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO receiving_accounts (id, province, organisation_id, bank_bin, account_no, account_name, \
             purpose, is_default, is_demo, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
        )
        .bind(&a.id)
        .bind(crate::admin_units::PROVINCE)
        .bind(&a.organisation_id)
        .bind(&a.bank_bin)
        .bind(&a.account_no)
        .bind(domain::text::clean(&a.account_name))
        .bind(&a.purpose)
        .bind(a.is_default)
        .bind(a.is_demo)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let rec = AuditRecord {
            actor: actor.clone(),
            at: now,
            action: "create",
            entity: "receiving_account",
            entity_id: a.id.clone(),
            before: None,
            after: Some(
                json!({"organisation_id": a.organisation_id, "bank_bin": a.bank_bin,
                "account_no": a.account_no, "purpose": a.purpose, "is_default": a.is_default}),
            ),
        };
        (*tx).append(&rec).await?;
        Ok::<Result<(), AccountRefusal>, StorageError>(Ok(()))
    })?;
    Ok(out)
}

pub async fn list(db: &Db) -> Result<Vec<ReceivingAccount>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, ReceivingAccount>(sqlx::AssertSqlSafe(format!(
            "{COLUMNS} ORDER BY purpose, is_default DESC, account_no"
        )))
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

pub async fn get(db: &Db, id: &str) -> Result<Option<ReceivingAccount>, StorageError> {
    let row = db_run!(db, |pool| {
        sqlx::query_as::<_, ReceivingAccount>(sqlx::AssertSqlSafe(format!(
            "{COLUMNS} WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(pool)
        .await?
    });
    Ok(row)
}

/// The account a pledge's VietQR code pays into.
pub async fn default_donations(db: &Db) -> Result<Option<ReceivingAccount>, StorageError> {
    let row = db_run!(db, |pool| {
        sqlx::query_as::<_, ReceivingAccount>(sqlx::AssertSqlSafe(format!(
            "{COLUMNS} WHERE purpose = 'donations' ORDER BY is_default DESC, created_at LIMIT 1"
        )))
        .fetch_optional(pool)
        .await?
    });
    Ok(row)
}

/// One state-budget account's money in (R13), reported apart from
/// donations: receipts into it never count as donations, cannot be
/// allocated to need lines, passed on or spent as donation flows.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StateBudgetLine {
    pub account_id: String,
    pub organisation_id: String,
    pub account_no: String,
    pub account_name: String,
    pub receipts: i64,
    pub amount: i64,
}

/// The state budget for management and coordination, per account: the
/// receipts whose account label ends with the account's number (the rule
/// of [`crate::report_data::state_budget_accounts`]).
pub async fn state_budget_summary(db: &Db) -> Result<Vec<StateBudgetLine>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, StateBudgetLine>(
            "SELECT a.id AS account_id, a.organisation_id, a.account_no, a.account_name, \
             CAST(COUNT(r.id) AS BIGINT) AS receipts, CAST(COALESCE(SUM(r.amount), 0) AS BIGINT) AS amount \
             FROM receiving_accounts a LEFT JOIN live_receipts r ON r.account LIKE '%' || a.account_no \
             WHERE a.purpose = 'state_budget' \
             GROUP BY a.id, a.organisation_id, a.account_no, a.account_name ORDER BY a.account_no",
        )
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}
