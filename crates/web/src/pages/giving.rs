//! Paying a pledge: its code, the receiving account and a VietQR code any
//! Vietnamese banking app can scan (NAPAS 247), on a page that is also the
//! printable pledge letter. Public by the pledge's unguessable id — the
//! donor's name shows only to staff or when the donor consented.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use domain::authz::{Action, Target, authorize};
use serde::Deserialize;
use storage::accounts::ReceivingAccount;
use storage::donors::Pledge;

use crate::context::Ctx;
use crate::error::AppError;
use crate::state::AppState;
use crate::view::Page;

use super::render;
use super::statements::bank_name;

/// The memo a donor writes: the code first (banks cut memos short).
fn memo(code: &str) -> String {
    format!("{code} ung ho tre em")
}

struct Giving {
    pledge: Pledge,
    code: String,
    received: i64,
    remaining: i64,
    account: Option<ReceivingAccount>,
    payload: Option<String>,
}

async fn load(state: &AppState, id: &str) -> Result<Giving, AppError> {
    let pledge = storage::donors::pledge(&state.db, id)
        .await?
        .filter(|p| p.status != "cancelled")
        .ok_or(AppError::NotFound)?;
    let code = pledge.code().ok_or(AppError::NotFound)?;
    let received = storage::receipts::for_pledge(&state.db, id)
        .await?
        .iter()
        .filter(|r| !r.reversed)
        .fold(0i64, |a, r| a.saturating_add(r.amount));
    let remaining = pledge.amount.saturating_sub(received).max(0);
    let account = storage::accounts::default_donations(&state.db).await?;
    let payload = match (&account, pledge.kind.as_str()) {
        (Some(a), "money") if remaining > 0 => {
            let payment = vietqr::Payment::new(a.bank_bin.clone(), a.account_no.clone())
                .with_amount(u64::try_from(remaining).unwrap_or(0))
                .with_memo(memo(&code));
            vietqr::payload(&payment).ok()
        }
        _ => None,
    };
    Ok(Giving {
        pledge,
        code,
        received,
        remaining,
        account,
        payload,
    })
}

#[derive(Template)]
#[template(path = "giving.html")]
struct GivingPage {
    p: Page,
    g: Giving,
    donor_name: Option<String>,
    bank: String,
    memo: String,
    qr_svg: Option<String>,
    thanks: bool,
}

#[derive(Deserialize, Default)]
pub struct GivingQuery {
    #[serde(default)]
    thanks: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Query(q): Query<GivingQuery>,
) -> Result<Response, AppError> {
    let g = load(&state, &id).await?;
    let donor = storage::donors::get(&state.db, &g.pledge.donor_id).await?;
    let staff = authorize(&ctx.actor, Action::ManageDonors, Target::Anywhere).is_ok();
    let donor_name = donor.and_then(|d| {
        if staff {
            Some(d.name)
        } else {
            d.public_name().map(str::to_owned)
        }
    });
    let qr_svg = g.payload.as_deref().and_then(|p| vietqr::svg(p, 5).ok());
    let bank = g
        .account
        .as_ref()
        .map(|a| bank_name(&a.bank_bin))
        .unwrap_or_default();
    render(&GivingPage {
        p: Page::new(&ctx, "giving-title"),
        memo: memo(&g.code),
        g,
        donor_name,
        bank,
        qr_svg,
        thanks: q.thanks.is_some(),
    })
}

pub async fn qr_svg(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let g = load(&state, &id).await?;
    let payload = g.payload.ok_or(AppError::NotFound)?;
    let svg = vietqr::svg(&payload, 8).map_err(|_| AppError::NotFound)?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}

pub async fn qr_png(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let g = load(&state, &id).await?;
    let payload = g.payload.ok_or(AppError::NotFound)?;
    let png = vietqr::png(&payload, 8).map_err(|_| AppError::NotFound)?;
    Ok(([(header::CONTENT_TYPE, "image/png")], png).into_response())
}
