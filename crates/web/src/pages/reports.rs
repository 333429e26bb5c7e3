//! A unit's yearly reports (R24): "my obligations", the report form —
//! typed figures beside the system's with differences flagged, narrative,
//! nil report, submit — and, for an approver, return with a reason,
//! approve, lock and unlock, and deadline exceptions. Every change goes
//! through `storage::reporting` (and so through `domain::reporting`); a
//! report that cannot be edited says why and who can reopen it.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use chrono::{Duration, NaiveDate, Utc};
use domain::authz::{Action, Target, authorize};
use domain::reporting::{
    Changes, ExceptionVerdict, ReportAction, ReportingError, Status, Tolerance, compare_figures,
    lock_explanation,
};
use i18n::{Lang, t, tf};
use serde::Deserialize;
use storage::reporting::{ANNUAL, By, FIGURES, MoveRow, NARRATIVE, ObligationRow, Refusal};

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::state::AppState;
use crate::view::Page;

use super::classifications::actor_of;
use super::{parse_date, render, see_other};

/// Today in Vietnam (UTC+7): the date every deadline is judged on.
pub(crate) fn today() -> NaiveDate {
    (Utc::now() + Duration::hours(7)).date_naive()
}

/// Display names of users by id (stamps keep ids).
pub(crate) async fn user_names(state: &AppState) -> Result<HashMap<String, String>, AppError> {
    Ok(storage::users::list(&state.db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect())
}

fn name_of(names: &HashMap<String, String>, id: &str) -> String {
    names.get(id).cloned().unwrap_or_else(|| id.to_owned())
}

/// The label of a template field.
pub(crate) fn field_label(lang: Lang, field: &str) -> String {
    let key = format!("report-field-{field}");
    i18n::lookup(lang, &key).map_or_else(|| field.to_owned(), str::to_owned)
}

fn translate_arg(lang: Lang, name: &str, value: &str, names: &HashMap<String, String>) -> String {
    match name {
        "roles" => value
            .split(", ")
            .map(|r| t(lang, &format!("role-{r}")))
            .collect::<Vec<_>>()
            .join("; "),
        "status" => t(lang, &format!("reporting-status-{value}")),
        "field" => field_label(lang, value),
        "fields" => value
            .split(", ")
            .map(|f| field_label(lang, f))
            .collect::<Vec<_>>()
            .join(", "),
        "by" => name_of(names, value),
        _ => value.to_owned(),
    }
}

fn message(
    lang: Lang,
    key: &str,
    args: Vec<(&'static str, String)>,
    names: &HashMap<String, String>,
) -> String {
    let args: Vec<(&str, String)> = args
        .into_iter()
        .map(|(k, v)| (k, translate_arg(lang, k, &v, names)))
        .collect();
    let refs: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    tf(lang, key, &refs)
}

/// A domain refusal in the reader's language, with dates, fields and roles.
pub(crate) fn error_text(
    lang: Lang,
    e: &ReportingError,
    names: &HashMap<String, String>,
) -> String {
    message(lang, e.message_key(), e.message_args(), names)
}

/// Every message of a refusal.
pub(crate) fn refusal_texts(
    lang: Lang,
    r: &Refusal,
    names: &HashMap<String, String>,
) -> Vec<String> {
    match r {
        Refusal::Reporting(e) => vec![error_text(lang, e, names)],
        Refusal::Moved => vec![t(lang, "report-error-moved")],
        Refusal::Figures(errors) => errors.iter().map(|e| error_text(lang, e, names)).collect(),
        Refusal::UnknownField(f) => vec![tf(lang, "report-error-field", &[("field", f)])],
    }
}

/// A move step in words, with `key` one of `move-first` ("moved to A, B on
/// 01/07/2025 (why)"), `move-then` (", then to …") or `move-in` ("from X
/// on 01/07/2025 (why)").
pub(crate) fn step_text(lang: Lang, m: &MoveRow, key: &str) -> String {
    let map = domain::admin_units::embedded_map().ok();
    let name = |id: &str| {
        map.and_then(|m| {
            id.parse()
                .ok()
                .and_then(|u| m.get(&u).map(|x| x.name.clone()))
        })
        .unwrap_or_else(|| id.to_owned())
    };
    let to = m
        .targets()
        .iter()
        .map(|id| name(id))
        .collect::<Vec<_>>()
        .join(", ");
    let how = match (m.reason.as_str(), m.change_kind.as_deref()) {
        ("dissolved", _) => t(lang, "move-dissolved"),
        (_, Some(kind)) => t(lang, &format!("change-{kind}")),
        _ => String::new(),
    };
    let why = format!("{how}, {}", m.instrument);
    let date = i18n::format_date(m.effective_on);
    tf(
        lang,
        key,
        &[
            ("from", &name(&m.from_unit)),
            ("to", &to),
            ("date", &date),
            ("why", &why),
        ],
    )
}

/// A whole chain: "The 2025 report of Huyện Nam Đông: moved to … on …, then to … on …".
pub(crate) fn chain_text(lang: Lang, o: &ObligationRow, steps: &[&MoveRow]) -> String {
    let mut out = tf(
        lang,
        "move-chain",
        &[("unit", &o.unit_name), ("year", &o.year.to_string())],
    );
    for (i, m) in steps.iter().enumerate() {
        if i == 0 {
            out.push(' ');
            out.push_str(&step_text(lang, m, "move-first"));
        } else {
            out.push_str(&step_text(lang, m, "move-then"));
        }
    }
    out.push('.');
    out
}

// ------------------------------------------------------------------ list

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    year: Option<i32>,
    #[serde(default)]
    moved: Option<String>,
}

struct Row {
    id: String,
    unit_name: String,
    status_key: String,
    due: String,
    note: String,
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ListPage {
    p: Page,
    years: Vec<(i64, Vec<Row>)>,
    moved_hidden: usize,
    show_moved: bool,
    can_review: bool,
}

fn status_key(l: &storage::reporting::Listed) -> String {
    if l.obligation.is_moved() {
        "report-status-moved".to_owned()
    } else if l.report.is_none() {
        "report-status-none".to_owned()
    } else {
        format!("reporting-status-{}", l.status())
    }
}

pub async fn list(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ViewUnitData, Target::Anywhere)?;
    let show_moved = q.moved.is_some();
    let rows = storage::reporting::list(&state.db, &ctx.actor.visibility(), ANNUAL, q.year).await?;
    let lang = ctx.lang;
    let mut years: BTreeMap<i64, Vec<Row>> = BTreeMap::new();
    let mut moved_hidden = 0;
    for l in &rows {
        if l.obligation.is_moved() && !show_moved {
            moved_hidden += 1;
            continue;
        }
        let note = match (&l.report, l.obligation.moved_on) {
            (_, Some(on)) if l.obligation.is_moved() => {
                tf(lang, "report-moved-on", &[("date", &i18n::format_date(on))])
            }
            (Some(r), _) if r.status == "returned" => r.return_reason.clone().unwrap_or_default(),
            (Some(r), _) if r.nil && r.status != "draft" => t(lang, "report-nil"),
            _ if l.obligation.inherited => t(lang, "report-carries"),
            _ => String::new(),
        };
        years.entry(l.obligation.year).or_default().push(Row {
            id: l.obligation.id.clone(),
            unit_name: l.obligation.unit_name.clone(),
            status_key: status_key(l),
            due: i18n::format_date(l.obligation.due_on),
            note,
        });
    }
    render(&ListPage {
        p: Page::new(&ctx, "nav-reports"),
        years: years.into_iter().rev().collect(),
        moved_hidden,
        show_moved,
        can_review: authorize(&ctx.actor, Action::ApproveReport, Target::Anywhere).is_ok(),
    })
}

// ---------------------------------------------------------------- detail

struct FigureRow {
    field: &'static str,
    label: String,
    typed: String,
    system: String,
    flag: Option<String>,
}

struct LockView {
    cause: String,
    who: String,
    remedy: String,
}

struct ExceptionView {
    text: String,
    pending: bool,
}

#[derive(Template)]
#[template(path = "report.html")]
struct DetailPage {
    p: Page,
    o: ObligationRow,
    status_key: String,
    cutoff: String,
    due: String,
    exception_until: Option<String>,
    return_reason: Option<String>,
    lock: Option<LockView>,
    moved_out: Option<String>,
    moved_in: Vec<String>,
    figures: Vec<FigureRow>,
    narrative: Vec<(&'static str, String, String)>,
    nil: bool,
    editable: bool,
    version: u64,
    errors: Vec<String>,
    conflict: Vec<String>,
    flash: Option<String>,
    history: Vec<String>,
    review: Vec<&'static str>,
    exceptions: Vec<ExceptionView>,
    can_request_exception: bool,
    can_decide_exception: bool,
    flagged: usize,
}

/// What the user typed, kept after a refusal.
#[derive(Default)]
struct Typed {
    values: HashMap<String, String>,
    nil: bool,
    errors: Vec<String>,
    conflict: Vec<String>,
    /// The version to save over after a conflict was shown.
    version: Option<u64>,
}

#[derive(Deserialize, Default)]
pub struct DetailQuery {
    #[serde(default)]
    done: Option<String>,
}

pub async fn detail(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Result<Response, AppError> {
    let flash = q
        .done
        .as_deref()
        .filter(|d| {
            [
                "save",
                "submit",
                "approve",
                "return",
                "lock",
                "unlock",
                "exception",
                "decide",
            ]
            .contains(d)
        })
        .map(|d| t(ctx.lang, &format!("report-done-{d}")));
    detail_page(&state, &ctx, &id, Typed::default(), flash).await
}

async fn detail_page(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    typed: Typed,
    flash: Option<String>,
) -> Result<Response, AppError> {
    let s = storage::reporting::get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let o = &s.obligation;
    require(ctx, Action::ViewUnitData, Target::Unit(&o.unit_code))?;
    let lang = ctx.lang;
    let names = user_names(state).await?;
    let today = today();
    let map = domain::admin_units::embedded_map()
        .map_err(|e| AppError::bad("error-generic", e.to_string()))?;
    let system = storage::reporting::system_figures(&state.db, map, o).await?;
    let can_submit =
        authorize(&ctx.actor, Action::SubmitReport, Target::Unit(&o.unit_code)).is_ok();
    let can_approve = authorize(
        &ctx.actor,
        Action::ApproveReport,
        Target::Unit(&o.unit_code),
    )
    .is_ok();
    let can_unlock =
        authorize(&ctx.actor, Action::UnlockReport, Target::Unit(&o.unit_code)).is_ok();
    let report = &s.report;
    let closed = report.context(today).is_closed();
    let editable = can_submit
        && !o.is_moved()
        && matches!(report.status, Status::Draft | Status::Returned { .. })
        && !closed;

    // typed figures beside the system's
    let stored = |f: &str| s.draft.values.get(f).cloned();
    let parsed: Vec<(&str, Option<i64>, i64)> = FIGURES
        .iter()
        .filter_map(|f| {
            let sys = system.get(f).copied().flatten()?;
            let typed = stored(f).and_then(|v| v.parse::<i64>().ok());
            Some((*f, typed, sys))
        })
        .collect();
    let flags = compare_figures(parsed, Tolerance::Exact);
    let figures = FIGURES
        .iter()
        .map(|f| {
            let value = typed.values.get(*f).cloned().unwrap_or_else(|| {
                stored(f)
                    .and_then(|v| v.parse::<i64>().ok())
                    .map(i18n::format_int)
                    .unwrap_or_default()
            });
            let flag = flags.iter().find(|d| d.field == *f).map(|d| {
                message(
                    lang,
                    domain::reporting::FlaggedDifference::MESSAGE_KEY,
                    vec![
                        ("field", d.field.clone()),
                        ("typed", i18n::format_int(d.difference.typed)),
                        ("system", i18n::format_int(d.difference.system)),
                    ],
                    &names,
                )
            });
            FigureRow {
                field: f,
                label: field_label(lang, f),
                typed: value,
                system: system
                    .get(f)
                    .copied()
                    .flatten()
                    .map_or_else(|| t(lang, "report-system-none"), i18n::format_int),
                flag,
            }
        })
        .collect();
    let narrative = NARRATIVE
        .iter()
        .map(|f| {
            let v = typed
                .values
                .get(*f)
                .cloned()
                .or_else(|| stored(f))
                .unwrap_or_default();
            (*f, field_label(lang, f), v)
        })
        .collect();

    let lock = lock_explanation(report, today).map(|why| LockView {
        cause: message(lang, why.message_key(), why.message_args(), &names),
        who: message(lang, "reporting-lock-who", why.who_args(), &names),
        remedy: message(lang, why.remedy_key(), why.remedy_args(), &names),
    });
    let moved_out = if s.moves_out.is_empty() {
        None
    } else {
        let steps: Vec<&MoveRow> = s.moves_out.iter().collect();
        Some(chain_text(lang, o, &steps))
    };
    let moved_in = s
        .moves_in
        .iter()
        .map(|m| step_text(lang, m, "move-in"))
        .collect();
    let stamp = |key: &str, st: &Option<domain::reporting::Stamp>| {
        st.as_ref().map(|x| {
            tf(
                lang,
                key,
                &[
                    ("by", &name_of(&names, &x.by)),
                    ("date", &i18n::format_date(x.on)),
                ],
            )
        })
    };
    let mut history: Vec<String> = [
        stamp("report-history-submitted", &report.submitted),
        stamp("report-history-returned", &report.returned),
        stamp("report-history-approved", &report.approved),
        stamp("report-history-unlocked", &report.unlocked),
    ]
    .into_iter()
    .flatten()
    .collect();
    if report.nil && report.status.is_filed() {
        history.push(t(lang, "report-nil"));
    }
    let mut review = Vec::new();
    if can_approve && !o.is_moved() {
        match report.status {
            Status::Submitted => review.extend(["approve", "return"]),
            Status::Approved => review.extend(["return", "lock"]),
            _ => {}
        }
    }
    if can_unlock && report.status == Status::Locked && !o.is_moved() {
        review.push("unlock");
    }
    let exceptions: Vec<ExceptionView> = s
        .report
        .exceptions
        .iter()
        .map(|e| {
            let base = tf(
                lang,
                "report-exception-asked",
                &[
                    ("by", &name_of(&names, &e.requested.by)),
                    ("date", &i18n::format_date(e.requested.on)),
                    ("until", &i18n::format_date(e.until)),
                    ("why", &e.justification),
                ],
            );
            let decision = match &e.decision {
                domain::reporting::ExceptionDecision::Pending => {
                    t(lang, "report-exception-pending")
                }
                domain::reporting::ExceptionDecision::Granted(st) => tf(
                    lang,
                    "report-exception-granted",
                    &[
                        ("by", &name_of(&names, &st.by)),
                        ("date", &i18n::format_date(st.on)),
                    ],
                ),
                domain::reporting::ExceptionDecision::Refused { stamp, reason } => tf(
                    lang,
                    "report-exception-refused",
                    &[
                        ("by", &name_of(&names, &stamp.by)),
                        ("date", &i18n::format_date(stamp.on)),
                        ("reason", reason),
                    ],
                ),
            };
            ExceptionView {
                text: format!("{base} {decision}"),
                pending: e.decision == domain::reporting::ExceptionDecision::Pending,
            }
        })
        .collect();
    let unfiled = matches!(report.status, Status::Draft | Status::Returned { .. });
    let pending = report.pending_exception().is_some();
    render(&DetailPage {
        p: Page::new(ctx, "report-title"),
        status_key: if o.is_moved() {
            "report-status-moved".to_owned()
        } else if s.row.is_none() {
            "report-status-none".to_owned()
        } else {
            report.status.message_key().to_owned()
        },
        due: i18n::format_date(o.due_on),
        cutoff: i18n::format_date(o.cutoff_on),
        exception_until: report.exception_until().map(i18n::format_date),
        return_reason: match &report.status {
            Status::Returned { reason } => Some(reason.clone()),
            _ => None,
        },
        lock,
        moved_out,
        moved_in,
        figures,
        narrative,
        nil: typed.nil || report.nil,
        editable,
        version: typed.version.unwrap_or(s.draft.version),
        errors: typed.errors,
        conflict: typed.conflict,
        flash,
        history,
        review,
        can_request_exception: can_submit && !o.is_moved() && unfiled && !pending,
        can_decide_exception: can_approve && pending,
        exceptions,
        flagged: flags.len(),
        o: s.obligation.clone(),
    })
}

fn by_of(ctx: &Ctx) -> storage::audit::AuditActor {
    actor_of(ctx)
}

/// The form as posted: `do` (save or submit), `opened_at`, `nil`, `f_*`.
pub async fn save(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let o = storage::reporting::get(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?
        .obligation;
    require(&ctx, Action::SubmitReport, Target::Unit(&o.unit_code))?;
    let opened_at = form
        .get("opened_at")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .ok_or_else(|| AppError::bad("error-generic", "opened_at"))?;
    let nil = form.contains_key("nil");
    let submit = form.get("do").is_some_and(|d| d == "submit").then_some(nil);
    let mut changes = Changes::new();
    let mut typed = Typed {
        nil,
        ..Typed::default()
    };
    for f in FIGURES.iter().chain(NARRATIVE.iter()) {
        if let Some(v) = form.get(&format!("f_{f}")) {
            typed.values.insert((*f).to_owned(), v.clone());
            changes = if v.trim().is_empty() {
                changes.clear(f)
            } else {
                changes.set(f, v)
            };
        }
    }
    let audit = by_of(&ctx);
    let by = By {
        actor: &ctx.actor,
        audit: &audit,
    };
    let out = storage::reporting::save(
        &state.db,
        &id,
        opened_at,
        &changes,
        submit,
        &by,
        today(),
        Utc::now(),
    )
    .await?;
    match out {
        Ok(_) => Ok(see_other(&format!(
            "/reports/{id}?done={}",
            if submit.is_some() { "submit" } else { "save" }
        ))),
        Err(refusal) => {
            let names = user_names(&state).await?;
            if let Refusal::Reporting(ReportingError::Conflict(c)) = &refusal {
                typed.conflict = c
                    .changed_fields_since_opened
                    .iter()
                    .map(|f| {
                        tf(
                            ctx.lang,
                            "report-conflict-field",
                            &[
                                ("field", &field_label(ctx.lang, &f.field)),
                                ("value", f.value.as_deref().unwrap_or("—")),
                                ("by", &name_of(&names, &f.by)),
                            ],
                        )
                    })
                    .collect();
                typed.version = Some(c.current);
            }
            typed.errors = refusal_texts(ctx.lang, &refusal, &names);
            let mut resp = detail_page(&state, &ctx, &id, typed, None).await?;
            *resp.status_mut() = axum::http::StatusCode::CONFLICT;
            Ok(resp)
        }
    }
}

#[derive(Deserialize)]
pub struct ReviewForm {
    #[serde(rename = "do")]
    action: String,
    #[serde(default)]
    reason: String,
}

/// Approve, return (with a reason), lock, unlock.
pub async fn review(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(form): Form<ReviewForm>,
) -> Result<Response, AppError> {
    let s = storage::reporting::get(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let o = &s.obligation;
    let action = match form.action.as_str() {
        "approve" => ReportAction::Approve,
        "return" => ReportAction::Return {
            reason: form.reason.clone(),
        },
        "lock" => ReportAction::Lock,
        "unlock" => ReportAction::Unlock,
        _ => return Err(AppError::bad("error-generic", "action")),
    };
    let permission = if form.action == "unlock" {
        Action::UnlockReport
    } else {
        Action::ApproveReport
    };
    require(&ctx, permission, Target::Unit(&o.unit_code))?;
    let audit = by_of(&ctx);
    let by = By {
        actor: &ctx.actor,
        audit: &audit,
    };
    let out = storage::reporting::act(&state.db, &id, action, &by, today(), Utc::now()).await?;
    match out {
        Ok(_) => {
            if form.action == "return"
                && let Some(submitter) = s.report.submitted.as_ref().map(|x| x.by.clone())
            {
                notify(
                    &state,
                    &ctx,
                    storage::notifications::NewNotice {
                        user_id: submitter,
                        kind: "returned",
                        dedupe_key: format!("returned:{id}:{}", storage::new_id()),
                        args: serde_json::json!({"unit": o.unit_name, "year": o.year,
                            "reason": form.reason.trim()}),
                        link: format!("/reports/{id}"),
                    },
                )
                .await?;
            }
            Ok(see_other(&format!("/reports/{id}?done={}", form.action)))
        }
        Err(refusal) => refused(&state, &ctx, &id, &refusal).await,
    }
}

async fn refused(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    refusal: &Refusal,
) -> Result<Response, AppError> {
    let names = user_names(state).await?;
    let typed = Typed {
        errors: refusal_texts(ctx.lang, refusal, &names),
        ..Typed::default()
    };
    let mut resp = detail_page(state, ctx, id, typed, None).await?;
    *resp.status_mut() = axum::http::StatusCode::CONFLICT;
    Ok(resp)
}

/// Queues a notice for a user who exists, and sends pending e-mail.
async fn notify(
    state: &AppState,
    ctx: &Ctx,
    notice: storage::notifications::NewNotice,
) -> Result<(), AppError> {
    if storage::users::get(&state.db, &notice.user_id)
        .await?
        .is_none()
    {
        return Ok(());
    }
    storage::notifications::enqueue(&state.db, &[notice], &actor_of(ctx), Utc::now()).await?;
    crate::mail::deliver_pending(&state.db, state.config.smtp.as_ref(), ctx.origin()).await?;
    Ok(())
}

#[derive(Deserialize)]
pub struct ExceptionForm {
    #[serde(default)]
    justification: String,
    #[serde(default)]
    until: String,
}

/// The unit asks for a later deadline.
pub async fn request_exception(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(form): Form<ExceptionForm>,
) -> Result<Response, AppError> {
    let o = storage::reporting::get(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?
        .obligation;
    require(&ctx, Action::SubmitReport, Target::Unit(&o.unit_code))?;
    let Some(until) = parse_date(&form.until) else {
        let typed = Typed {
            errors: vec![t(ctx.lang, "report-error-date")],
            ..Typed::default()
        };
        let mut resp = detail_page(&state, &ctx, &id, typed, None).await?;
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(resp);
    };
    let audit = by_of(&ctx);
    let by = By {
        actor: &ctx.actor,
        audit: &audit,
    };
    match storage::reporting::request_exception(
        &state.db,
        &id,
        &form.justification,
        until,
        &by,
        today(),
        Utc::now(),
    )
    .await?
    {
        Ok(_) => Ok(see_other(&format!("/reports/{id}?done=exception"))),
        Err(r) => refused(&state, &ctx, &id, &r).await,
    }
}

#[derive(Deserialize)]
pub struct DecideForm {
    verdict: String,
    #[serde(default)]
    reason: String,
}

/// An approver grants or refuses the waiting request.
pub async fn decide_exception(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(form): Form<DecideForm>,
) -> Result<Response, AppError> {
    let s = storage::reporting::get(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    require(
        &ctx,
        Action::ApproveReport,
        Target::Unit(&s.obligation.unit_code),
    )?;
    let verdict = match form.verdict.as_str() {
        "grant" => ExceptionVerdict::Grant,
        "refuse" => ExceptionVerdict::Refuse {
            reason: form.reason.clone(),
        },
        _ => return Err(AppError::bad("error-generic", "verdict")),
    };
    let requester = s.report.pending_exception().map(|e| e.requested.by.clone());
    let audit = by_of(&ctx);
    let by = By {
        actor: &ctx.actor,
        audit: &audit,
    };
    match storage::reporting::decide_exception(&state.db, &id, verdict, &by, today(), Utc::now())
        .await?
    {
        Ok(_) => {
            if let Some(user) = requester {
                notify(
                    &state,
                    &ctx,
                    storage::notifications::NewNotice {
                        user_id: user,
                        kind: if form.verdict == "grant" {
                            "granted"
                        } else {
                            "refused"
                        },
                        dedupe_key: format!("exception:{id}:{}", storage::new_id()),
                        args: serde_json::json!({"unit": s.obligation.unit_name,
                            "year": s.obligation.year, "reason": form.reason.trim()}),
                        link: format!("/reports/{id}"),
                    },
                )
                .await?;
            }
            Ok(see_other(&format!("/reports/{id}?done=decide")))
        }
        Err(r) => refused(&state, &ctx, &id, &r).await,
    }
}

/// Marks one of the user's notices read (from /home).
pub async fn read_notice(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ManageOwnAccount, Target::Anywhere)?;
    let Some(user) = &ctx.user else {
        return Err(AppError::Denied(domain::authz::Denial::NotLoggedIn));
    };
    storage::notifications::mark_read(&state.db, &user.id, &id, Utc::now()).await?;
    Ok(see_other("/home"))
}
