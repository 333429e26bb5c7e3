//! Public ledger pages: what the log is and how to check it, and one
//! receipt's public page — its ledger entry, where its money went, and a
//! check of its inclusion proof against the signed tree head, run in the
//! visitor's browser. Nothing here identifies a child; a donor is named
//! only with consent.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::Utc;

use crate::context::Ctx;
use crate::error::AppError;
use crate::state::AppState;
use crate::view::Page;

use super::render;

#[derive(Template)]
#[template(path = "ledger.html")]
struct LedgerPage {
    p: Page,
    head: storage::ledger::StoredHead,
    key_id: String,
}

pub async fn overview(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, AppError> {
    let head = state.ledger.current_head(&state.db, Utc::now()).await?;
    render(&LedgerPage {
        p: Page::new(&ctx, "ledger-title"),
        key_id: ledger::key_id(&state.ledger.verifying_key()),
        head,
    })
}

#[derive(Template)]
#[template(path = "ledger_receipt.html")]
struct ReceiptPage {
    p: Page,
    t: storage::trace::ReceiptTrace,
    code: String,
    unit_names: Vec<String>,
    index: i64,
    leaf_b64: String,
    leaf_text: String,
    leaf_hash: String,
    verify_js: &'static str,
}

pub async fn receipt(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let t = storage::trace::receipt(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let entry = storage::ledger::entry_for(&state.db, "receipt", &id)
        .await?
        .ok_or(AppError::NotFound)?;
    // Make sure a signed head covers the entry before the browser asks.
    let head = state.ledger.current_head(&state.db, Utc::now()).await?;
    if head.tree_size <= entry.idx {
        state.ledger.publish(&state.db, Utc::now()).await?;
    }
    let mut unit_names = Vec::new();
    for l in &t.lines {
        let name = storage::admin_units::unit_on(&state.db, &l.unit_code, t.receipt.received_on)
            .await?
            .map_or_else(|| l.unit_code.clone(), |u| u.name);
        unit_names.push(name);
    }
    let code = t
        .pledge_number
        .and_then(|n| u32::try_from(n).ok())
        .map(domain::needs::pledge_code::format)
        .unwrap_or_default();
    render(&ReceiptPage {
        p: Page::new(&ctx, "ledger-receipt-title"),
        code,
        unit_names,
        index: entry.idx,
        leaf_b64: storage::ledger::base64_encode(&entry.leaf),
        leaf_text: String::from_utf8_lossy(&entry.leaf).into_owned(),
        leaf_hash: storage::ledger::hex(&ledger::leaf_hash(&entry.leaf)),
        verify_js: crate::statics::verify_js_path(),
        t,
    })
}
