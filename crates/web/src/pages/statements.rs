//! Receiving accounts and bank statements reconciled: upload a statement
//! export (CSV or XLSX; a bank preset or a column mapping), see which lines
//! became receipts by their pledge code, confirm the proposed matches of
//! the rest or set them aside. Coordinators only.

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::response::Response;
use chrono::Utc;
use domain::authz::{Action, Target};
use serde::Deserialize;
use storage::accounts::ReceivingAccount;
use storage::organisations::{OrgFilter, Organisation};
use storage::statements::{NewLine, Proposal, StatementFile, StoredLine};

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::state::AppState;
use crate::view::Page;

use super::classifications::actor_of;
use super::{render, see_other};

/// How receipts name an account: "Vietcombank 0071000123456".
pub(crate) fn account_label(a: &ReceivingAccount) -> String {
    a.label(vietqr::bank_by_bin(&a.bank_bin).map(|b| b.short_name))
}

pub(crate) fn bank_name(bin: &str) -> String {
    vietqr::bank_by_bin(bin).map_or_else(|| bin.to_owned(), |b| b.short_name.to_owned())
}

struct WaitingLine {
    line: StoredLine,
    proposals: Vec<Proposal>,
}

#[derive(Template)]
#[template(path = "statements.html")]
struct StatementsPage {
    p: Page,
    accounts: Vec<ReceivingAccount>,
    holders: Vec<Organisation>,
    banks: &'static [vietqr::Bank],
    presets: Vec<(&'static str, &'static str)>,
    waiting: Vec<WaitingLine>,
    matched: Vec<StoredLine>,
    unmatched_count: i64,
    unmatched_total: i64,
    notice: Option<String>,
    error: Option<String>,
    problems: Vec<String>,
}

#[derive(Deserialize, Default)]
pub struct Flash {
    #[serde(default)]
    new: Option<usize>,
    #[serde(default)]
    matched: Option<usize>,
    #[serde(default)]
    seen: Option<usize>,
    #[serde(default)]
    error: Option<String>,
}

fn presets(p: &Page) -> Vec<(&'static str, &'static str)> {
    let vi = p.lang_code() == "vi";
    imports::statements::presets()
        .into_iter()
        .map(|s| {
            (
                s.id,
                if vi {
                    s.description_vi
                } else {
                    s.description_en
                },
            )
        })
        .collect()
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    notice: Option<String>,
    error: Option<String>,
    problems: Vec<String>,
) -> Result<Response, AppError> {
    let db = &state.db;
    let accounts = storage::accounts::list(db).await?;
    let holders = storage::organisations::list(db, &ctx.actor.visibility(), &OrgFilter::default())
        .await?
        .into_iter()
        .filter(|o| {
            o.valid_to.is_none()
                && matches!(
                    o.org_type.as_str(),
                    "fund" | "department" | "peoples_committee" | "mass_organisation"
                )
        })
        .collect();
    let mut waiting = Vec::new();
    for line in storage::statements::lines(db, "unmatched", 200).await? {
        let numbers = domain::needs::pledge_code::find_in_memo(&line.memo);
        let proposals = storage::statements::proposals(db, &line, &numbers).await?;
        waiting.push(WaitingLine { line, proposals });
    }
    let matched = storage::statements::lines(db, "matched", 30).await?;
    let (unmatched_count, unmatched_total) = storage::statements::unmatched_total(db).await?;
    let p = Page::new(ctx, "statements-title");
    render(&StatementsPage {
        presets: presets(&p),
        p,
        accounts,
        holders,
        banks: vietqr::BANKS,
        waiting,
        matched,
        unmatched_count,
        unmatched_total,
        notice,
        error,
        problems,
    })
}

pub async fn show(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(f): Query<Flash>,
) -> Result<Response, AppError> {
    require(&ctx, Action::Allocate, Target::Anywhere)?;
    let notice = match (f.new, f.matched, f.seen) {
        (Some(n), Some(m), Some(s)) => Some(i18n::tf(
            ctx.lang,
            "statements-imported",
            &[
                ("new", &n.to_string()),
                ("matched", &m.to_string()),
                ("seen", &s.to_string()),
            ],
        )),
        _ => None,
    };
    let error = f
        .error
        .as_deref()
        .filter(|k| k.starts_with("statement-error-") || k.starts_with("receipt-error-"))
        .map(|k| i18n::t(ctx.lang, k));
    page(&state, &ctx, notice, error, Vec::new()).await
}

/// `POST /statements`: the upload (multipart: csrf, account_id, layout,
/// mapping, file).
pub async fn upload(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    mut form: Multipart,
) -> Result<Response, AppError> {
    require(&ctx, Action::Allocate, Target::Anywhere)?;
    let mut account_id = String::new();
    let mut layout = String::new();
    let mut mapping_json = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| AppError::bad("statements-bad-upload", e.to_string()))?
    {
        let name = field.name().unwrap_or("").to_owned();
        match name.as_str() {
            "file" => {
                let file_name = field.file_name().unwrap_or("statement").to_owned();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| AppError::bad("statements-bad-upload", e.to_string()))?;
                file = Some((file_name, bytes.to_vec()));
            }
            "account_id" | "layout" | "mapping" => {
                let text = field
                    .text()
                    .await
                    .map_err(|e| AppError::bad("statements-bad-upload", e.to_string()))?;
                match name.as_str() {
                    "account_id" => account_id = text,
                    "layout" => layout = text,
                    _ => mapping_json = text,
                }
            }
            _ => {}
        }
    }
    let lang = ctx.lang;
    let fail = |key: &str| i18n::t(lang, key);
    let Some(account) = storage::accounts::get(&state.db, &account_id).await? else {
        return page(
            &state,
            &ctx,
            None,
            Some(fail("statements-error-account")),
            Vec::new(),
        )
        .await;
    };
    let Some((file_name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return page(
            &state,
            &ctx,
            None,
            Some(fail("statements-error-file")),
            Vec::new(),
        )
        .await;
    };
    // A preset chosen by name, a JSON mapping, or detection from the headers.
    let mapping = if !mapping_json.trim().is_empty() {
        match serde_json::from_str::<imports::statements::ColumnMapping>(&mapping_json) {
            Ok(m) => Some(m),
            Err(e) => {
                return page(
                    &state,
                    &ctx,
                    None,
                    Some(fail("statements-error-mapping")),
                    vec![e.to_string()],
                )
                .await;
            }
        }
    } else {
        imports::statements::preset(&layout).map(|p| p.mapping.clone())
    };
    let parsed = match imports::statements::parse_statement(&bytes, &file_name, mapping.as_ref()) {
        Ok(s) => s,
        Err(problems) => {
            let list = problems
                .problems()
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>();
            return page(
                &state,
                &ctx,
                None,
                Some(problems.to_string().lines().next().unwrap_or("").to_owned()),
                list,
            )
            .await;
        }
    };
    let label = account_label(&account);
    let lines: Vec<NewLine> = parsed
        .lines
        .iter()
        .map(|l| NewLine {
            dedupe_key: l.dedupe_key(&format!("{}:{}", account.bank_bin, account.account_no)),
            booked_on: l.booked_on,
            amount: l.amount,
            memo: l.memo.clone(),
            bank_ref: l.bank_ref.clone(),
            counterparty: l.counterparty.clone(),
            counterparty_account: l.counterparty_account.clone(),
            pledge_numbers: l.pledge_numbers(),
        })
        .collect();
    let layout_name = parsed.preset.unwrap_or("mapping");
    let out = storage::statements::import(
        &state.db,
        &StatementFile {
            account: &account,
            account_label: &label,
            file_name: &file_name,
            layout: layout_name,
            lines: &lines,
        },
        &actor_of(&ctx),
        Utc::now(),
    )
    .await?;
    Ok(see_other(&format!(
        "/statements?new={}&matched={}&seen={}",
        out.new_lines,
        out.matched.len(),
        out.already_imported
    )))
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    pledge_id: String,
}

pub async fn confirm(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(line_id): Path<String>,
    Form(f): Form<ConfirmForm>,
) -> Result<Response, AppError> {
    require(&ctx, Action::Allocate, Target::Anywhere)?;
    let line = storage::statements::line(&state.db, &line_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let account = storage::accounts::get(&state.db, &line.account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    match storage::statements::confirm(
        &state.db,
        &line_id,
        &f.pledge_id,
        &account_label(&account),
        &actor_of(&ctx),
        Utc::now(),
    )
    .await?
    {
        Ok(receipt) => Ok(see_other(&format!("/receipts/{}", receipt.id))),
        Err(refusal) => Ok(see_other(&format!(
            "/statements?error={}",
            refusal.message_key()
        ))),
    }
}

#[derive(Deserialize)]
pub struct IgnoreForm {
    #[serde(default)]
    reason: String,
}

pub async fn ignore(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(line_id): Path<String>,
    Form(f): Form<IgnoreForm>,
) -> Result<Response, AppError> {
    require(&ctx, Action::Allocate, Target::Anywhere)?;
    if f.reason.trim().is_empty() {
        return Ok(see_other("/statements?error=statement-error-reason"));
    }
    storage::statements::ignore(&state.db, &line_id, &f.reason, &actor_of(&ctx), Utc::now())
        .await?;
    Ok(see_other("/statements"))
}

#[derive(Deserialize)]
pub struct AccountForm {
    organisation_id: String,
    bank_bin: String,
    account_no: String,
    account_name: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    is_default: Option<String>,
}

pub async fn create_account(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(f): Form<AccountForm>,
) -> Result<Response, AppError> {
    require(&ctx, Action::Allocate, Target::Anywhere)?;
    let account = ReceivingAccount {
        id: storage::new_id(),
        organisation_id: f.organisation_id,
        bank_bin: f.bank_bin.trim().to_owned(),
        account_no: f.account_no.trim().replace(' ', ""),
        account_name: f.account_name,
        purpose: if f.purpose.is_empty() {
            "donations".into()
        } else {
            f.purpose
        },
        is_default: f.is_default.is_some(),
        is_demo: false,
    };
    match storage::accounts::create(&state.db, &account, &actor_of(&ctx), Utc::now()).await? {
        Ok(()) => Ok(see_other("/statements")),
        Err(refusal) => {
            page(
                &state,
                &ctx,
                None,
                Some(i18n::t(ctx.lang, refusal.message_key())),
                Vec::new(),
            )
            .await
        }
    }
}
