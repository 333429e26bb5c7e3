//! Browsing the audit log (admins and finance inspectors).

use askama::Template;
use axum::Extension;
use axum::extract::{Query, State};
use axum::response::Response;
use domain::authz::{Action, Target};
use serde::Deserialize;
use storage::audit::{AuditFilter, AuditRow};

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::state::AppState;
use crate::view::Page;

use super::render;

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    entity: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    before: Option<i64>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    p: Page,
    /// (row, before as key/value pairs, after as key/value pairs)
    rows: Vec<(AuditRow, Pairs, Pairs)>,
    q: AuditQuery,
    next_before: Option<i64>,
}

const PAGE: i64 = 50;

pub async fn browse(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ViewAudit, Target::Anywhere)?;
    let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let filter = AuditFilter {
        entity: some(&q.entity),
        actor_name: some(&q.actor),
        action: some(&q.action),
        before_seq: q.before,
        limit: PAGE,
    };
    let rows = storage::audit::list(&state.db, &filter).await?;
    let next_before = (rows.len() as i64 == PAGE)
        .then(|| rows.last().map(|r| r.seq))
        .flatten();
    let rows = rows
        .into_iter()
        .map(|r| {
            let before = pairs(r.before_json.as_deref());
            let after = pairs(r.after_json.as_deref());
            (r, before, after)
        })
        .collect();
    render(&AuditPage {
        p: Page::new(&ctx, "nav-audit"),
        rows,
        q,
        next_before,
    })
}

type Pairs = Vec<(String, String)>;

/// A JSON object as `key: value` pairs for reading (values unquoted).
fn pairs(raw: Option<&str>) -> Pairs {
    let Some(value) = raw.and_then(|r| serde_json::from_str::<serde_json::Value>(r).ok()) else {
        return Vec::new();
    };
    match value {
        serde_json::Value::Object(map) => map
            .into_iter()
            .map(|(k, v)| {
                let text = match v {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Null => "—".to_owned(),
                    other => other.to_string(),
                };
                (k, text)
            })
            .collect(),
        other => vec![(String::new(), other.to_string())],
    }
}
