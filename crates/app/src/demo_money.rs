//! Demo money: the fund's receiving accounts, receipts against most of the
//! demo year's commitments (so the ledger, the public receipts and the
//! portal have something real to show), and one imported bank statement
//! whose lines wait for the coordinator — a public pledge paid by its code,
//! and a transfer nobody can place yet. Everything is marked demo.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use storage::accounts::ReceivingAccount;
use storage::audit::AuditActor;
use storage::receipts::NewReceipt;
use storage::statements::{NewLine, StatementFile};
use storage::{Db, StorageError};

use crate::setup::AppError;

/// The mass organisation in the middle of the demo chain.
const MIDDLE: &str = "hoi-lhpn";

async fn chain(
    db: &Db,
    actor: &AuditActor,
    now: DateTime<Utc>,
    summary: &mut DemoMoneySummary,
) -> Result<(), AppError> {
    if storage::organisations::get(db, MIDDLE).await?.is_none() {
        return Ok(());
    }
    let start = storage::flows::first_allocated_receipt(db, FUND, 4_000_000).await?;
    let Some((receipt, amount, line, site, received_on)) = start else {
        return Ok(());
    };
    let half = amount / 2;
    for (from, to, value, days) in [
        (FUND, MIDDLE, half, 5),
        (MIDDLE, site.as_str(), half / 2, 9),
    ] {
        let t = storage::flows::NewTransfer {
            receipt_id: receipt.clone(),
            from_org_id: from.into(),
            to_org_id: to.into(),
            amount: value,
            transferred_on: received_on + Duration::days(days),
            note: "Dữ liệu minh họa — ủy nhiệm chi".into(),
            is_demo: true,
        };
        if storage::flows::transfer(db, &t, actor, now).await?.is_err() {
            return Ok(());
        }
        summary.transfers += 1;
    }
    let e = storage::flows::NewExpenditure {
        receipt_id: receipt,
        org_id: site,
        need_line_id: Some(line),
        amount: half / 4,
        spent_on: received_on + Duration::days(14),
        description: "Dữ liệu minh họa — mua áo ấm".into(),
        is_demo: true,
    };
    if storage::flows::spend(db, &e, actor, now).await?.is_ok() {
        summary.expenditures += 1;
    }
    Ok(())
}

/// The organisation that receives donations in the demo (Quỹ Bảo trợ trẻ em).
const FUND: &str = "ttctxh-qbtte";
/// Demo accounts: fictitious numbers at real banks' BINs.
const DONATIONS_BIN: &str = "970436";
const DONATIONS_NO: &str = "0161000588588";
const BUDGET_BIN: &str = "970415";
const BUDGET_NO: &str = "113000588001";

#[derive(Debug, Default)]
pub struct DemoMoneySummary {
    pub accounts: usize,
    pub receipts: usize,
    pub statement_lines: usize,
    pub transfers: usize,
    pub expenditures: usize,
}

fn day(start: NaiveDate, offset: u64) -> NaiveDate {
    start + Duration::days(i64::try_from(offset).unwrap_or(0))
}

pub async fn load(db: &Db, actor: &AuditActor) -> Result<DemoMoneySummary, AppError> {
    let mut summary = DemoMoneySummary::default();
    if storage::accounts::default_donations(db).await?.is_some() {
        return Ok(summary);
    }
    let now: DateTime<Utc> = Utc::now();
    let donations = ReceivingAccount {
        id: "demo-account-donations".into(),
        organisation_id: FUND.into(),
        bank_bin: DONATIONS_BIN.into(),
        account_no: DONATIONS_NO.into(),
        account_name: "QUY BAO TRO TRE EM THANH PHO HUE".into(),
        purpose: "donations".into(),
        is_default: true,
        is_demo: true,
    };
    let budget = ReceivingAccount {
        id: "demo-account-budget".into(),
        organisation_id: FUND.into(),
        bank_bin: BUDGET_BIN.into(),
        account_no: BUDGET_NO.into(),
        account_name: "KINH PHI QUAN LY DIEU PHOI DE AN 588".into(),
        purpose: "state_budget".into(),
        is_default: true,
        is_demo: true,
    };
    for a in [&donations, &budget] {
        storage::accounts::create(db, a, actor, now)
            .await?
            .map_err(|r| {
                AppError::Storage(StorageError::Corrupt(format!(
                    "demo account refused: {r:?}"
                )))
            })?;
        summary.accounts += 1;
    }
    let label = format!("Vietcombank {DONATIONS_NO}");

    // Receipts: most commitments arrive in full, some in part, a few not
    // yet — deterministic by the pledge's number.
    let start = NaiveDate::from_ymd_opt(2025, 10, 1)
        .ok_or_else(|| StorageError::Corrupt("demo date".into()))?;
    let pledges = storage::donors::pledges(db, None).await?;
    for (p, _) in pledges.iter().rev() {
        let Some(n) = p.number.and_then(|n| u64::try_from(n).ok()) else {
            continue;
        };
        if p.status != "committed" || p.kind == "service" || n % 10 == 0 {
            continue;
        }
        let amount = if n % 7 == 0 { p.amount / 2 } else { p.amount };
        let goods = p.kind == "goods";
        let r = NewReceipt {
            pledge_id: p.id.clone(),
            kind: if goods { "goods" } else { "money" }.into(),
            amount,
            method: if goods {
                "goods"
            } else if n % 9 == 0 {
                "cash"
            } else {
                "bank"
            }
            .into(),
            account: if goods {
                "Kho Quỹ Bảo trợ trẻ em, 9 Lê Lợi, Huế".into()
            } else if n % 9 == 0 {
                "Sổ quỹ tiền mặt".into()
            } else {
                label.clone()
            },
            receiver_id: FUND.into(),
            received_on: day(start, (n * 13) % 75),
            is_demo: true,
        };
        if storage::receipts::create(db, &r, actor, now).await?.is_ok() {
            summary.receipts += 1;
        }
    }

    // Money passed on is one flow: the fund passes part of one receipt to
    // the Women's Union, which passes it to a school whose line the
    // commitment was allocated to; the school spends part on that line.
    chain(db, actor, now, &mut summary).await?;

    // A statement of late November: a public pledge paid by its code (it
    // waits: the pledge is not yet confirmed), and an unknown transfer.
    let waiting: Vec<_> = pledges
        .iter()
        .filter(|(p, _)| p.status == "pledged" && p.kind == "money")
        .take(2)
        .collect();
    let mut lines = Vec::new();
    for (i, (p, _)) in waiting.iter().enumerate() {
        let Some(code) = p.code() else { continue };
        lines.push(NewLine {
            dedupe_key: format!("demo-ft-{i}"),
            booked_on: day(start, 55 + i as u64),
            amount: p.amount,
            memo: format!(
                "MBVCB.{}.{code} UNG HO TRE EM A LUOI.CT tu 0987654321",
                8_812_000 + i
            ),
            bank_ref: Some(format!("FT2533{:06}", 412 + i)),
            counterparty: None,
            counterparty_account: None,
            pledge_numbers: p
                .number
                .and_then(|n| u32::try_from(n).ok())
                .into_iter()
                .collect(),
        });
    }
    lines.push(NewLine {
        dedupe_key: "demo-ft-unknown".into(),
        booked_on: day(start, 58),
        amount: 2_000_000,
        memo: "IBFT UNG HO CAC CHAU VUNG CAO".into(),
        bank_ref: Some("FT2533000999".into()),
        counterparty: Some("NGUYEN VAN A".into()),
        counterparty_account: None,
        pledge_numbers: Vec::new(),
    });
    let out = storage::statements::import(
        db,
        &StatementFile {
            account: &donations,
            account_label: &label,
            file_name: "demo-sao-ke-vietcombank-2025-11.xlsx",
            layout: "vietcombank",
            lines: &lines,
        },
        actor,
        now,
    )
    .await?;
    summary.statement_lines = out.new_lines;
    tracing::info!(?summary, "demo money loaded");
    Ok(summary)
}
