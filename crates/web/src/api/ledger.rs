//! `GET /api/v1/ledger/…`: the public, verifiable ledger (RFC 9162 §2.1
//! Merkle tree, Ed25519-signed tree heads). No login; nothing here can
//! identify a child, and donors' names appear only with their consent.
//!
//! Conventions (also in docs/ledger.md): hashes are lower-case hex, keys
//! and signatures standard base64, leaves base64 of their exact bytes;
//! `entries` takes `start` and `end` inclusive (as RFC 9162 get-entries)
//! and returns at most [`MAX_ENTRIES`] — a client pages on.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use chrono::Utc;
use serde_json::{Value, json};

use crate::error::AppError;
use crate::state::AppState;

/// The most entries one request returns.
pub const MAX_ENTRIES: u64 = 1000;

type Params = Query<HashMap<String, String>>;

fn number(q: &HashMap<String, String>, name: &'static str) -> Result<u64, AppError> {
    let raw = q
        .get(name)
        .ok_or_else(|| AppError::bad("api-bad-number", format!("{name} (missing)")))?;
    raw.trim()
        .parse::<u64>()
        .map_err(|_| AppError::bad("api-bad-number", format!("{name}={raw}")))
}

fn hexes(hs: &[ledger::Hash]) -> Vec<String> {
    hs.iter().map(|h| storage::ledger::hex(h)).collect()
}

pub async fn key(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    let vk = state.ledger.verifying_key();
    Ok(Json(json!({
        "algorithm": "ed25519",
        "public_key": storage::ledger::base64_encode(vk.as_bytes()),
        "key_id": ledger::key_id(&vk),
    })))
}

/// Every key that has signed heads, retired ones included (rotation).
pub async fn keys(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    let keys = storage::ledger::keys(&state.db).await?;
    let list: Vec<Value> = keys
        .into_iter()
        .map(|k| {
            json!({"algorithm": "ed25519", "key_id": k.key_id, "public_key": k.public_key,
                   "created_at": k.created_at.to_rfc3339(),
                   "retired_at": k.retired_at.map(|t| t.to_rfc3339())})
        })
        .collect();
    Ok(Json(json!({ "keys": list })))
}

fn head_json(h: &storage::ledger::StoredHead) -> Value {
    json!({"tree_size": h.tree_size, "root_hash": h.root_hash, "timestamp": h.timestamp_ms,
           "signature": h.signature, "key_id": h.key_id})
}

pub async fn sth(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    let head = state.ledger.current_head(&state.db, Utc::now()).await?;
    Ok(Json(head_json(&head)))
}

/// Every published head, oldest first.
pub async fn sths(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    let heads = storage::ledger::heads(&state.db).await?;
    Ok(Json(
        json!({ "heads": heads.iter().map(head_json).collect::<Vec<_>>() }),
    ))
}

pub async fn entries(
    State(state): State<AppState>,
    Query(q): Params,
) -> Result<Json<Value>, AppError> {
    let start = number(&q, "start")?;
    let end = number(&q, "end")?;
    if start > end {
        return Err(AppError::bad(
            "api-ledger-range",
            format!("start={start} > end={end}"),
        ));
    }
    let size = state.ledger.sync(&state.db).await?;
    if start >= size {
        return Err(AppError::bad(
            "api-ledger-range",
            format!("start={start} ≥ tree size {size}"),
        ));
    }
    let last = end.min(size - 1).min(start + MAX_ENTRIES - 1);
    let rows = storage::ledger::entries(&state.db, start as i64, last as i64 + 1).await?;
    let list: Vec<Value> = rows
        .into_iter()
        .map(|e| json!({"index": e.idx, "leaf": storage::ledger::base64_encode(&e.leaf)}))
        .collect();
    Ok(Json(json!({ "entries": list })))
}

pub async fn inclusion(
    State(state): State<AppState>,
    Query(q): Params,
) -> Result<Json<Value>, AppError> {
    let index = number(&q, "index")?;
    let tree_size = number(&q, "tree_size")?;
    let size = state.ledger.sync(&state.db).await?;
    if tree_size > size || index >= tree_size {
        return Err(AppError::bad(
            "api-ledger-range",
            format!("index={index}, tree_size={tree_size}, log size {size}"),
        ));
    }
    let path = state
        .ledger
        .cache
        .with(|t| t.inclusion_proof(index, tree_size))
        .map_err(|e| AppError::bad("api-ledger-range", e.to_string()))?;
    Ok(Json(
        json!({"leaf_index": index, "tree_size": tree_size, "audit_path": hexes(&path)}),
    ))
}

pub async fn consistency(
    State(state): State<AppState>,
    Query(q): Params,
) -> Result<Json<Value>, AppError> {
    let first = number(&q, "first")?;
    let second = number(&q, "second")?;
    let size = state.ledger.sync(&state.db).await?;
    if first > second || second > size {
        return Err(AppError::bad(
            "api-ledger-range",
            format!("first={first}, second={second}, log size {size}"),
        ));
    }
    let proof = state
        .ledger
        .cache
        .with(|t| t.consistency_proof(first, second))
        .map_err(|e| AppError::bad("api-ledger-range", e.to_string()))?;
    Ok(Json(
        json!({"first": first, "second": second, "proof": hexes(&proof)}),
    ))
}
