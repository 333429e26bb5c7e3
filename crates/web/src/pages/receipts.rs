//! Receipts of a commitment: money into a named account or goods into a
//! store, numbered per receiving unit and year, each with a printable
//! receipt (biên nhận).

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::response::Response;
use chrono::Utc;
use domain::authz::{Action, Target};
use serde::Deserialize;
use storage::donors::{Donor, Pledge};
use storage::organisations::{OrgFilter, Organisation};
use storage::receipts::{NewReceipt, Receipt};

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
    error: Option<String>,
    today: String,
}

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
        .fold(0i64, |a, r| a.saturating_add(r.amount));
    render(&ReceiptsPage {
        p: Page::new(ctx, "receipts-title"),
        pledge,
        donor,
        receipts,
        received,
        receivers: receivers(state, ctx).await?,
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

#[derive(Deserialize)]
pub struct ReceiptForm {
    kind: String,
    amount: String,
    method: String,
    account: String,
    receiver_id: String,
    received_on: String,
}

pub async fn create(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(f): Form<ReceiptForm>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ManageDonors, Target::Anywhere)?;
    let fail = |key: &str| Some(i18n::t(ctx.lang, key));
    let Ok(amount) = f.amount.trim().replace(['.', ','], "").parse::<i64>() else {
        return page(&state, &ctx, &id, fail("allocation-error-amount")).await;
    };
    let Some(received_on) = parse_date(&f.received_on) else {
        return page(&state, &ctx, &id, fail("classification-error-date")).await;
    };
    if f.account.trim().is_empty() {
        return page(&state, &ctx, &id, fail("receipt-error-account")).await;
    }
    let new = NewReceipt {
        pledge_id: id.clone(),
        kind: f.kind,
        amount,
        method: f.method,
        account: f.account,
        receiver_id: f.receiver_id,
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
    render(&ReceiptPage {
        p: Page::new(&ctx, "receipt-title"),
        r,
        donor,
        receiver,
        public_url,
        qr_svg,
    })
}
