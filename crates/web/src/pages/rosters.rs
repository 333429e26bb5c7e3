//! The roster of a delivery (issue 4, item 5): which master children of the
//! registry a handover reached. `GET /deliveries/{id}/roster` shows it;
//! `POST …/roster` adds children picked from the registry (in the
//! officer's scope, at the delivery's commune) or listed in a pasted roster
//! file of ids; `POST …/roster/remove` takes one off.
//!
//! Who: names only for those who may see the children (`ViewChildren` over
//! the delivery's commune and every commune a child's records name); every
//! such view is an audit event, as a child's page is. Anyone else who may
//! see the delivery gets the count. Editing needs, on the delivery's
//! commune, `RecordDelivery` or `RecordAcceptance` and `ViewChildren`.
//!
//! The overlap guard: a child already on the roster of another delivery of
//! the same category in an overlapping period is named (to these
//! authorised officers only) with that delivery; the officer confirms with
//! a reason or goes back. Nothing about a child ever reaches a log line or
//! an error message.

use std::collections::BTreeSet;

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use domain::authz::{Action, Target, Visibility, authorize};
use serde::Deserialize;
use storage::deliveries::Delivery;
use storage::registry::{self, ChildSummary};
use storage::rosters::{self, Overlap, RosterRefusal};

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::state::AppState;
use crate::view::Page;

use super::classifications::actor_of;
use super::{render, see_other};

/// One child on the roster, as shown to an authorised viewer.
pub(crate) struct RosterRow {
    pub child_id: String,
    /// `None`: outside the viewer's scope (or erased), not named.
    pub name: Option<String>,
    pub birth_year: Option<i64>,
    pub sex: Option<String>,
    pub overlap_reason: Option<String>,
    /// Other deliveries of the same category and period with this child.
    pub overlaps: Vec<Overlap>,
}

/// An overlap named for the warning: the child's name (authorised viewers
/// only: the editor) and the other delivery.
pub(crate) struct Warning {
    pub text: String,
    pub delivery_id: String,
}

#[derive(Template)]
#[template(path = "roster.html")]
struct RosterPage {
    p: Page,
    d: Delivery,
    line_label: String,
    may_see: bool,
    may_edit: bool,
    count: usize,
    rows: Vec<RosterRow>,
    candidates: Vec<ChildSummary>,
    q: String,
    error: Option<String>,
    notice: Option<String>,
    warnings: Vec<Warning>,
    /// The children of a refused add, carried to the confirmation.
    pending: Vec<String>,
}

#[derive(Deserialize, Default)]
pub struct RosterQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    added: Option<usize>,
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// May the actor see the names of the children of this delivery's commune.
fn may_see(ctx: &Ctx, d: &Delivery) -> bool {
    authorize(&ctx.actor, Action::ViewChildren, Target::Unit(&d.unit_code)).is_ok()
}

/// May the actor change the roster.
fn may_edit(ctx: &Ctx, d: &Delivery) -> bool {
    let unit = Target::Unit(&d.unit_code);
    may_see(ctx, d)
        && (authorize(&ctx.actor, Action::RecordDelivery, unit).is_ok()
            || authorize(&ctx.actor, Action::RecordAcceptance, unit).is_ok())
        && d.status != "rejected"
}

/// Refuses (through the guard, which logs the denial) whoever may not
/// change the roster.
fn require_edit(ctx: &Ctx, d: &Delivery) -> Result<(), AppError> {
    let unit = Target::Unit(&d.unit_code);
    require(ctx, Action::ViewChildren, unit)?;
    if authorize(&ctx.actor, Action::RecordAcceptance, unit).is_err() {
        require(ctx, Action::RecordDelivery, unit)?;
    }
    Ok(())
}

/// Whether every commune the child's records name is in the actor's
/// `ViewChildren` scope.
async fn sees_child(state: &AppState, ctx: &Ctx, child_id: &str) -> Result<bool, AppError> {
    let communes = registry::communes_of(&state.db, child_id).await?;
    Ok(!communes.is_empty()
        && communes
            .iter()
            .all(|c| authorize(&ctx.actor, Action::ViewChildren, Target::Unit(c)).is_ok()))
}

/// The child's name, birth year and sex from her oldest record (`None`
/// once erased).
async fn label(
    state: &AppState,
    child_id: &str,
) -> Result<Option<(String, i64, Option<String>)>, AppError> {
    let Some(first) = registry::sources_of(&state.db, child_id)
        .await?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    Ok(registry::latest_version(&state.db, &first.record_key)
        .await?
        .and_then(|v| {
            v.full_name
                .clone()
                .map(|n| (n, v.birth_year, v.sex.clone()))
        }))
}

async fn delivery_or_404(state: &AppState, id: &str) -> Result<Delivery, AppError> {
    storage::deliveries::get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// What the page shows after an action.
#[derive(Default)]
struct Outcome {
    status: Option<StatusCode>,
    error: Option<String>,
    notice: Option<String>,
    warnings: Vec<Overlap>,
    pending: Vec<String>,
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    q: &str,
    out: Outcome,
) -> Result<Response, AppError> {
    let d = delivery_or_404(state, id).await?;
    require(ctx, Action::ViewUnitData, Target::Unit(&d.unit_code))?;
    let line = storage::needs::get(&state.db, &d.need_line_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let line_label = format!(
        "{} — {}, {}",
        line.site_name,
        i18n::t(ctx.lang, &format!("category-{}", line.category)),
        line.period_name
    );
    let roster = rosters::roster(&state.db, id).await?;
    let see = may_see(ctx, &d);
    let edit = may_edit(ctx, &d);
    let mut rows = Vec::new();
    let mut warnings = Vec::new();
    if see {
        let overlaps = rosters::overlaps_of(&state.db, id).await?;
        let mut shown = Vec::new();
        for r in &roster {
            let named = if sees_child(state, ctx, &r.child_id).await? {
                label(state, &r.child_id).await?
            } else {
                None
            };
            if named.is_some() {
                shown.push(r.child_id.clone());
            }
            rows.push(RosterRow {
                child_id: r.child_id.clone(),
                birth_year: named.as_ref().map(|n| n.1),
                sex: named.as_ref().and_then(|n| n.2.clone()),
                name: named.map(|n| n.0),
                overlap_reason: r.overlap_reason.clone(),
                overlaps: overlaps
                    .iter()
                    .filter(|o| o.child_id == r.child_id)
                    .cloned()
                    .collect(),
            });
        }
        for o in out.warnings {
            if sees_child(state, ctx, &o.child_id).await?
                && let Some((name, _, _)) = label(state, &o.child_id).await?
            {
                shown.push(o.child_id.clone());
                let other = o
                    .minutes_no
                    .clone()
                    .unwrap_or_else(|| i18n::format_date(o.planned_on));
                warnings.push(Warning {
                    text: i18n::tf(
                        ctx.lang,
                        "roster-overlap-line",
                        &[
                            ("child", &name),
                            ("delivery", &other),
                            ("giver", &o.giver_name),
                        ],
                    ),
                    delivery_id: o.delivery_id,
                });
            }
        }
        if !shown.is_empty() {
            shown.sort();
            shown.dedup();
            rosters::log_view(&state.db, id, &shown, &actor_of(ctx), Utc::now()).await?;
        }
    }
    let candidates = if edit {
        let on: BTreeSet<&str> = roster.iter().map(|r| r.child_id.as_str()).collect();
        let search = (!q.trim().is_empty()).then_some(q);
        let mut list = Vec::new();
        for c in registry::list(
            &state.db,
            &Visibility::Units([d.unit_code.clone()].into_iter().collect()),
            search,
            400,
        )
        .await?
        {
            if !on.contains(c.child.id.as_str()) && sees_child(state, ctx, &c.child.id).await? {
                list.push(c);
            }
            if list.len() >= 100 {
                break;
            }
        }
        list
    } else {
        Vec::new()
    };
    let mut resp = render(&RosterPage {
        p: Page::new(ctx, "roster-title"),
        line_label,
        may_see: see,
        may_edit: edit,
        count: roster.len(),
        rows,
        candidates,
        q: q.to_owned(),
        error: out.error,
        notice: out.notice,
        warnings,
        pending: out.pending,
        d,
    })?;
    if let Some(code) = out.status {
        *resp.status_mut() = code;
    }
    Ok(resp)
}

/// `GET /deliveries/{id}/roster`.
pub async fn show(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Query(q): Query<RosterQuery>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ViewUnitData, Target::Anywhere)?;
    let notice = q
        .added
        .map(|n| i18n::tf(ctx.lang, "roster-added", &[("n", &n.to_string())]));
    page(
        &state,
        &ctx,
        &id,
        &q.q,
        Outcome {
            notice,
            ..Outcome::default()
        },
    )
    .await
}

/// The children of the form: picked boxes (`child`), the pasted roster
/// file (`roster_csv`) and a refused add carried over (`pending`).
async fn requested(
    state: &AppState,
    fields: &[(String, String)],
) -> Result<Result<Vec<String>, String>, AppError> {
    let mut ids: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "child" || k == "pending")
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect();
    let csv = field(fields, "roster_csv");
    if !csv.trim().is_empty() {
        let listed = match rosters::parse_roster_csv(csv) {
            Ok(listed) => listed,
            Err(problems) => {
                return Ok(Err(problems
                    .iter()
                    .map(|(row, vi, en)| {
                        format!("dòng {row}, cột 1: {vi} / row {row}, column 1: {en}")
                    })
                    .collect::<Vec<_>>()
                    .join("; ")));
            }
        };
        let resolved = rosters::resolve_ids(&state.db, &listed).await?;
        let mut missing = Vec::new();
        for (i, r) in resolved.into_iter().enumerate() {
            match r {
                Some(child) => ids.push(child),
                None => missing.push(i),
            }
        }
        if !missing.is_empty() {
            // Row numbers count the non-empty id lines (after any header).
            return Ok(Err(missing
                .iter()
                .map(|i| {
                    format!(
                        "mã thứ {n}: không có trong sổ theo dõi trẻ em / id number {n}: not in the children registry",
                        n = i + 1
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")));
        }
    }
    let mut seen = BTreeSet::new();
    ids.retain(|c| seen.insert(c.clone()));
    Ok(Ok(ids))
}

/// `POST /deliveries/{id}/roster`: adds children; an overlap asks for a
/// reason.
pub async fn add(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ViewChildren, Target::Anywhere)?;
    let d = delivery_or_404(&state, &id).await?;
    require_edit(&ctx, &d)?;
    let refuse = |status: StatusCode, error: String| Outcome {
        status: Some(status),
        error: Some(error),
        ..Outcome::default()
    };
    let ids = match requested(&state, &fields).await? {
        Ok(ids) => ids,
        Err(msg) => {
            return page(
                &state,
                &ctx,
                &id,
                "",
                refuse(StatusCode::UNPROCESSABLE_ENTITY, msg),
            )
            .await;
        }
    };
    // Every child must be the officer's to see.
    for (i, c) in ids.iter().enumerate() {
        if registry::child(&state.db, c).await?.is_none() || !sees_child(&state, &ctx, c).await? {
            let msg = i18n::tf(
                ctx.lang,
                "roster-error-out-of-scope",
                &[("n", &(i + 1).to_string())],
            );
            return page(&state, &ctx, &id, "", refuse(StatusCode::FORBIDDEN, msg)).await;
        }
    }
    let reason = field(&fields, "reason");
    let reason = (!reason.trim().is_empty()).then_some(reason);
    match rosters::add(
        &state.db,
        &id,
        &ids,
        reason,
        false,
        &actor_of(&ctx),
        Utc::now(),
    )
    .await?
    {
        Ok(done) => Ok(see_other(&format!(
            "/deliveries/{id}/roster?added={}",
            done.added
        ))),
        Err(RosterRefusal::Overlaps(overlaps)) => {
            let out = Outcome {
                status: Some(StatusCode::CONFLICT),
                error: Some(i18n::t(ctx.lang, "roster-overlap-warning")),
                warnings: overlaps,
                pending: ids,
                notice: None,
            };
            page(&state, &ctx, &id, "", out).await
        }
        Err(r) => {
            let msg = match r {
                RosterRefusal::UnknownChild(n) | RosterRefusal::Erased(n) => {
                    i18n::tf(ctx.lang, r.message_key(), &[("n", &n.to_string())])
                }
                _ => i18n::t(ctx.lang, r.message_key()),
            };
            page(
                &state,
                &ctx,
                &id,
                "",
                refuse(StatusCode::UNPROCESSABLE_ENTITY, msg),
            )
            .await
        }
    }
}

/// `POST /deliveries/{id}/roster/remove`.
pub async fn remove(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ViewChildren, Target::Anywhere)?;
    let d = delivery_or_404(&state, &id).await?;
    require_edit(&ctx, &d)?;
    let child = field(&fields, "child");
    if !sees_child(&state, &ctx, child).await? {
        return Err(AppError::NotFound);
    }
    rosters::remove(&state.db, &id, child, &actor_of(&ctx), Utc::now()).await?;
    Ok(see_other(&format!("/deliveries/{id}/roster")))
}
