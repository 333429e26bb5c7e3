//! Receipts of a commitment: money into a named account or goods into a
//! store, numbered per receiving unit and year, each with a printable
//! receipt (biên nhận). Goods are entered as item lines (item, unit,
//! quantity, unit valuation) into a store: the receipt's value is their
//! total and the goods enter the store's stock (`storage::stock`).

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::response::Response;
use chrono::Utc;
use domain::authz::{Action, Target};
use domain::needs::stock::GoodsLine;
use storage::donors::{Donor, Pledge};
use storage::organisations::{OrgFilter, Organisation};
use storage::receipts::{NewReceipt, Receipt};
use storage::stock::GoodsIn;

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::state::AppState;
use crate::view::Page;

use super::classifications::actor_of;
use super::{parse_date, render, see_other};

#[derive(Template)]
#[template(path = "receipts.html")]
struct ReceiptsPage {
    p: Page,
    pledge: Pledge,
    donor: Donor,
    receipts: Vec<Receipt>,
    received: i64,
    receivers: Vec<Organisation>,
    stores: Vec<storage::stock::Store>,
    /// Blank goods lines offered by the form.
    goods_lines: Vec<usize>,
    error: Option<String>,
    today: String,
}

/// How many goods lines the form offers.
const GOODS_LINES: usize = 5;

async fn receivers(state: &AppState, ctx: &Ctx) -> Result<Vec<Organisation>, AppError> {
    Ok(
        storage::organisations::list(&state.db, &ctx.actor.visibility(), &OrgFilter::default())
            .await?
            .into_iter()
            .filter(|o| {
                o.valid_to.is_none()
                    && matches!(
                        o.org_type.as_str(),
                        "fund" | "department" | "peoples_committee" | "mass_organisation"
                    )
            })
            .collect(),
    )
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    pledge_id: &str,
    error: Option<String>,
) -> Result<Response, AppError> {
    let pledge = storage::donors::pledge(&state.db, pledge_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let donor = storage::donors::get(&state.db, &pledge.donor_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let receipts = storage::receipts::for_pledge(&state.db, pledge_id).await?;
    let received = receipts
        .iter()
        .filter(|r| !r.reversed)
        .fold(0i64, |a, r| a.saturating_add(r.amount));
    render(&ReceiptsPage {
        p: Page::new(ctx, "receipts-title"),
        pledge,
        donor,
        receipts,
        received,
        receivers: receivers(state, ctx).await?,
        stores: storage::stock::stores(&state.db, &ctx.actor.visibility()).await?,
        goods_lines: (0..GOODS_LINES).collect(),
        error,
        today: Utc::now().date_naive().to_string(),
    })
}

pub async fn list(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ManageDonors, Target::Anywhere)?;
    page(&state, &ctx, &id, None).await
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// A whole number as typed ("1.200.000", "1,200,000").
fn whole(raw: &str) -> Option<i64> {
    raw.trim().replace(['.', ',', ' '], "").parse::<i64>().ok()
}

/// The goods lines typed: `gn{i}` item, `gu{i}` unit, `gq{i}` quantity,
/// `gv{i}` unit value; a line without an item name is left out. `Err` names
/// the line (1-based) whose number could not be read.
fn goods_lines(fields: &[(String, String)]) -> Result<Vec<GoodsLine>, usize> {
    let mut out = Vec::new();
    for i in 0..GOODS_LINES {
        let name = field(fields, &format!("gn{i}"));
        if name.trim().is_empty() {
            continue;
        }
        let (Some(quantity), Some(unit_value)) = (
            whole(field(fields, &format!("gq{i}"))),
            whole(field(fields, &format!("gv{i}"))),
        ) else {
            return Err(i + 1);
        };
        out.push(GoodsLine {
            name: name.to_owned(),
            unit: field(fields, &format!("gu{i}")).to_owned(),
            quantity,
            unit_value,
        });
    }
    Ok(out)
}

pub async fn create(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ManageDonors, Target::Anywhere)?;
    let fail = |key: &str| Some(i18n::t(ctx.lang, key));
    let kind = field(&fields, "kind");
    let Some(received_on) = parse_date(field(&fields, "received_on")) else {
        return page(&state, &ctx, &id, fail("classification-error-date")).await;
    };
    let account = field(&fields, "account");
    let store_id = field(&fields, "store_id").trim();
    if kind == "goods" && !store_id.is_empty() {
        let lines = match goods_lines(&fields) {
            Ok(l) => l,
            Err(n) => {
                let msg = format!(
                    "{}: {}",
                    i18n::tf(ctx.lang, "receipt-item-name", &[("n", &n.to_string())]),
                    i18n::t(ctx.lang, "stock-error-quantity")
                );
                return page(&state, &ctx, &id, Some(msg)).await;
            }
        };
        let store = storage::stock::get_store(&state.db, store_id)
            .await?
            .ok_or(AppError::NotFound)?;
        // Goods into a store are a stock movement: whoever keeps the store.
        require(&ctx, Action::ManageStock, Target::Unit(&store.unit_code))?;
        let new = NewReceipt {
            pledge_id: id.clone(),
            kind: "goods".into(),
            amount: 0,
            method: "goods".into(),
            account: account.to_owned(),
            receiver_id: field(&fields, "receiver_id").to_owned(),
            received_on,
            is_demo: false,
        };
        let goods = GoodsIn {
            store_id: store.id,
            lines,
        };
        return match storage::stock::receive_goods(
            &state.db,
            &new,
            &goods,
            &actor_of(&ctx),
            Utc::now(),
        )
        .await?
        {
            Ok(r) => Ok(see_other(&format!("/receipts/{}", r.id))),
            Err(refusal) => {
                let msg = super::stores::refusal_message(ctx.lang, &refusal);
                page(&state, &ctx, &id, Some(msg)).await
            }
        };
    }
    let Some(amount) = whole(field(&fields, "amount")) else {
        return page(&state, &ctx, &id, fail("allocation-error-amount")).await;
    };
    if account.trim().is_empty() {
        return page(&state, &ctx, &id, fail("receipt-error-account")).await;
    }
    let new = NewReceipt {
        pledge_id: id.clone(),
        kind: kind.to_owned(),
        amount,
        method: field(&fields, "method").to_owned(),
        account: account.to_owned(),
        receiver_id: field(&fields, "receiver_id").to_owned(),
        received_on,
        is_demo: false,
    };
    match storage::receipts::create(&state.db, &new, &actor_of(&ctx), Utc::now()).await? {
        Ok(r) => Ok(see_other(&format!("/receipts/{}", r.id))),
        Err(refusal) => {
            let msg = match refusal {
                storage::receipts::ReceiptRefusal::BeyondCommitment { remaining } => i18n::tf(
                    ctx.lang,
                    refusal.message_key(),
                    &[("remaining", &i18n::format_vnd(remaining))],
                ),
                other => i18n::t(ctx.lang, other.message_key()),
            };
            page(&state, &ctx, &id, Some(msg)).await
        }
    }
}

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptPage {
    p: Page,
    r: Receipt,
    donor: Donor,
    receiver: String,
    public_url: String,
    qr_svg: Option<String>,
    items: Vec<storage::stock::ReceiptItem>,
    store: Option<storage::stock::Store>,
    /// Its reversal, if it was reversed (the reason is internal: officers only).
    reversal: Option<storage::reversals::Reversal>,
    /// The coordinator may reverse it (`pages::reversals`).
    can_reverse: bool,
    back: String,
}

/// The printable receipt.
pub async fn show(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ManageDonors, Target::Anywhere)?;
    let r = storage::receipts::get(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let pledge = storage::donors::pledge(&state.db, &r.pledge_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let donor = storage::donors::get(&state.db, &pledge.donor_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let receiver = storage::organisations::get(&state.db, &r.receiver_id)
        .await?
        .map_or_else(|| r.receiver_id.clone(), |o| o.name);
    // The printed receipt carries the address (and a QR code) of its public
    // page, where anyone can check it against the signed ledger.
    let public_url = format!("{}/ledger/receipts/{}", ctx.origin(), r.id);
    let qr_svg = vietqr::svg(&public_url, 3).ok();
    let items = storage::stock::receipt_items(&state.db, &r.id).await?;
    let store = storage::stock::receipt_store(&state.db, &r.id).await?;
    let reversal =
        storage::reversals::of(&state.db, storage::reversals::ReversalKind::Receipt, &r.id).await?;
    let can_reverse = domain::authz::authorize(&ctx.actor, Action::Allocate, Target::Anywhere)
        .is_ok()
        && reversal.is_none();
    render(&ReceiptPage {
        p: Page::new(&ctx, "receipt-title"),
        back: format!("/receipts/{}", r.id),
        reversal,
        can_reverse,
        items,
        store,
        r,
        donor,
        receiver,
        public_url,
        qr_svg,
    })
}
