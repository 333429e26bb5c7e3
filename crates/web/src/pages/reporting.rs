//! The coordinator's reporting dashboard (R24, R25): open a reporting year
//! with its deadlines, completeness and timeliness per level and unit
//! (DHIS2-style, rolled up under the units of the time), the units that had
//! not filed by 15 November and by the due date, the obligations that moved
//! along the map, exceptions to decide and reports to review, reminders
//! sent by the notification outbox.

use std::collections::BTreeMap;

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::response::Response;
use chrono::{Datelike, NaiveDate, Utc};
use domain::admin_units::Level;
use domain::authz::{Action, Target};
use domain::reporting::{Counts, RollUpLevel, Standing, completeness, rate_bp, standing};
use i18n::{t, tf};
use serde::Deserialize;
use storage::reporting::{ANNUAL, MoveRow, ObligationRow, OpenYear, annual_template};

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::state::AppState;
use crate::view::Page;

use super::classifications::actor_of;
use super::reports::{chain_text, error_text, today, user_names};
use super::{parse_date, render, see_other};

#[derive(Deserialize, Default)]
pub struct DashQuery {
    #[serde(default)]
    year: Option<i32>,
    #[serde(default)]
    moves: Option<String>,
    #[serde(default)]
    reminded: Option<usize>,
    #[serde(default)]
    sent: Option<usize>,
    #[serde(default)]
    moved: Option<usize>,
}

/// One row of counts, ready to print.
pub(crate) struct CountRow {
    pub label: String,
    pub link: Option<String>,
    pub c: Counts,
    pub rate: String,
    pub on_time_rate: String,
}

fn percent(bp: Option<u32>) -> String {
    bp.map_or_else(
        || "—".to_owned(),
        |b| format!("{},{:02} %", b / 100, b % 100),
    )
}

fn count_row(label: String, link: Option<String>, c: Counts) -> CountRow {
    CountRow {
        label,
        link,
        rate: percent(rate_bp(c.submitted, c.expected)),
        on_time_rate: percent(rate_bp(c.on_time, c.expected)),
        c,
    }
}

#[derive(Template)]
#[template(path = "reporting.html")]
struct DashPage {
    p: Page,
    years: Vec<(i64, bool)>,
    year: i32,
    opened: bool,
    due: String,
    cutoff: String,
    due_iso: String,
    cutoff_iso: String,
    units_on: String,
    levels: Vec<CountRow>,
    total: Option<CountRow>,
    units: Vec<CountRow>,
    chart: String,
    mid_label: String,
    due_label: String,
    missing_mid: Vec<(String, String)>,
    missing_due: Vec<(String, String)>,
    chains: Vec<String>,
    other_moves: usize,
    all_moves: bool,
    exceptions: Vec<(String, String, String)>,
    awaiting: Vec<(String, String, String)>,
    flash: Vec<String>,
    new_year: i32,
    today_iso: String,
    errors: Vec<String>,
}

pub async fn show(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<DashQuery>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ApproveReport, Target::Anywhere)?;
    let mut flash = Vec::new();
    if let Some(n) = q.reminded {
        flash.push(tf(
            ctx.lang,
            "reporting-reminded",
            &[
                ("count", &n.to_string()),
                ("sent", &q.sent.unwrap_or(0).to_string()),
            ],
        ));
    }
    if let Some(n) = q.moved {
        flash.push(tf(
            ctx.lang,
            "reporting-moved-now",
            &[("count", &n.to_string())],
        ));
    }
    dashboard(&state, &ctx, q.year, q.moves.is_some(), flash, Vec::new()).await
}

async fn dashboard(
    state: &AppState,
    ctx: &Ctx,
    year: Option<i32>,
    all_moves: bool,
    flash: Vec<String>,
    errors: Vec<String>,
) -> Result<Response, AppError> {
    let lang = ctx.lang;
    let periods = storage::reporting::periods(&state.db, ANNUAL).await?;
    let today = today();
    let year = year
        .or_else(|| periods.first().and_then(|p| i32::try_from(p.year).ok()))
        .unwrap_or_else(|| today.year());
    let map = domain::admin_units::embedded_map()
        .map_err(|e| AppError::bad("error-generic", e.to_string()))?;
    let y = storage::reporting::year_state(&state.db, ANNUAL, year).await?;
    let date = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d).unwrap_or(today);
    let (due, cutoff, units_on) = match &y.period {
        Some(p) => (p.due_on, p.cutoff_on, Some(p.units_on)),
        None => (date(year, 11, 30), date(year, 11, 30), None),
    };
    let expected = y.expected()?;
    let reports = y.expected_reports();
    let as_of = today;
    let c = completeness(map, &expected, &reports, as_of, due)
        .map_err(|e| AppError::bad("error-generic", e.to_string()))?;

    let level_label = |l: &RollUpLevel| match l {
        RollUpLevel::Admin(Level::Province) => t(lang, "report-level-province"),
        RollUpLevel::Admin(Level::District) => t(lang, "report-level-district"),
        RollUpLevel::Admin(Level::Commune) => t(lang, "report-level-commune"),
        RollUpLevel::Organisation => t(lang, "report-level-organisation"),
    };
    let levels = c
        .by_level
        .iter()
        .map(|(l, counts)| count_row(level_label(l), None, *counts))
        .collect();
    let total = (c.total.expected > 0).then(|| count_row(t(lang, "total"), None, c.total));

    // the rows under the city: districts (2019–2024) or communes (2025–),
    // and the city's own organisations
    let own_id: BTreeMap<String, String> = y
        .obligations
        .iter()
        .filter(|o| !o.is_moved())
        .map(|o| (o.unit_id.clone(), o.id.clone()))
        .collect();
    let link_of = |unit: &domain::reporting::ReportingUnit| {
        let id = match unit {
            domain::reporting::ReportingUnit::Admin(u) => u.as_str().to_owned(),
            domain::reporting::ReportingUnit::Organisation { id, .. } => id.clone(),
        };
        own_id.get(&id).map(|o| format!("/reports/{o}"))
    };
    // organisations are named by id in the roll-up: their names instead
    let org_names: BTreeMap<&str, &str> = y
        .obligations
        .iter()
        .filter(|o| o.unit_kind == "organisation")
        .map(|o| (o.unit_id.as_str(), o.unit_name.as_str()))
        .collect();
    let label_of = |u: &domain::reporting::UnitCompleteness| match &u.unit {
        domain::reporting::ReportingUnit::Organisation { id, .. } => org_names
            .get(id.as_str())
            .map_or_else(|| u.name.clone(), |n| (*n).to_owned()),
        domain::reporting::ReportingUnit::Admin(_) => u.name.clone(),
    };
    let bar = |label: String, c: &Counts| {
        (
            label,
            to_i64(c.expected),
            to_i64(c.on_time),
            to_i64(c.late),
            to_i64(c.missing),
        )
    };
    let mut units = Vec::new();
    let mut chart_items = Vec::new();
    for root in &c.roots {
        // the chart: one bar per unit under the city while they are few
        // (the districts until 2025), else one per level; organisations
        // together
        let admin: Vec<&domain::reporting::UnitCompleteness> = root
            .children
            .iter()
            .filter(|u| matches!(u.level, RollUpLevel::Admin(_)))
            .collect();
        if admin.len() <= 15 {
            chart_items.extend(admin.iter().map(|u| bar(label_of(u), &u.total)));
        } else {
            chart_items.extend(
                c.by_level
                    .iter()
                    .filter(|(l, _)| matches!(l, RollUpLevel::Admin(_)))
                    .map(|(l, counts)| bar(level_label(l), counts)),
            );
        }
        let mut orgs = root.own;
        for u in root
            .children
            .iter()
            .filter(|u| u.level == RollUpLevel::Organisation)
        {
            orgs.add(&u.total);
        }
        if orgs.expected > 0 {
            chart_items.push(bar(level_label(&RollUpLevel::Organisation), &orgs));
        }
        for child in &root.children {
            units.push(count_row(
                label_of(child),
                link_of(&child.unit),
                child.total,
            ));
        }
        if root.own.expected > 0 {
            units.push(count_row(
                tf(lang, "reporting-organisations-of", &[("unit", &root.name)]),
                None,
                root.own,
            ));
        }
    }
    let chart = reports::svg::completeness(
        &tf(
            lang,
            "reporting-chart-title",
            &[("year", &year.to_string())],
        ),
        &chart_items,
    );

    // who had not filed by 15 November, and by the due date
    let mid = date(year, 11, 15).min(due);
    let missing_at = |on: NaiveDate| -> Vec<(String, String)> {
        y.obligations
            .iter()
            .filter(|o| !o.is_moved())
            .filter_map(|o| {
                let ob = o.obligation().ok()?;
                let missing = matches!(
                    standing(&ob, y.reports.get(&o.id), on),
                    Standing::Missing { .. }
                );
                missing.then(|| (o.unit_name.clone(), format!("/reports/{}", o.id)))
            })
            .collect()
    };
    let missing_mid = missing_at(mid);
    let missing_due = missing_at(due);

    // moves: districts' chains in full; the communes' counted. A chain
    // recorded in two runs (Nam Đông → Phú Lộc in January, Phú Lộc → the
    // communes in July) is told as one: an inherited obligation that moved
    // on continues the chain of the obligation whose single step ended at it
    let by_id: BTreeMap<&str, &ObligationRow> =
        y.obligations.iter().map(|o| (o.id.as_str(), o)).collect();
    let mut steps: BTreeMap<&str, Vec<&MoveRow>> = BTreeMap::new();
    for m in &y.moves {
        steps.entry(m.obligation_id.as_str()).or_default().push(m);
    }
    for s in steps.values_mut() {
        s.sort_by_key(|m| m.step);
    }
    let moved_at: BTreeMap<&str, &str> = y
        .obligations
        .iter()
        .filter(|o| o.is_moved() && o.inherited)
        .map(|o| (o.unit_id.as_str(), o.id.as_str()))
        .collect();
    let next_of = |s: &[&MoveRow]| -> Option<&str> {
        match s.last().map(|m| m.targets()).as_deref() {
            Some([one]) => moved_at.get(one).copied(),
            _ => None,
        }
    };
    let continued: std::collections::BTreeSet<&str> =
        steps.values().filter_map(|s| next_of(s)).collect();
    let mut chains = Vec::new();
    let mut other_moves = 0;
    let mut ordered: Vec<(&ObligationRow, Vec<&MoveRow>)> = steps
        .iter()
        .filter(|(id, _)| !continued.contains(**id))
        .filter_map(|(id, s)| {
            let mut all = s.clone();
            let mut next = next_of(s);
            let mut guard = 0;
            while let (Some(n), true) = (next, guard < 8) {
                let more = steps.get(n).cloned().unwrap_or_default();
                next = next_of(&more);
                all.extend(more);
                guard += 1;
            }
            by_id.get(id).map(|o| (*o, all))
        })
        .collect();
    ordered.sort_by(|a, b| {
        (a.0.unit_level != "district", &a.0.unit_name)
            .cmp(&(b.0.unit_level != "district", &b.0.unit_name))
    });
    for (o, s) in ordered {
        if all_moves || o.unit_level == "district" {
            chains.push(chain_text(lang, o, &s));
        } else {
            other_moves += 1;
        }
    }

    let names = user_names(state).await?;
    let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_owned());
    let mut exceptions = Vec::new();
    let mut awaiting = Vec::new();
    for o in y.obligations.iter().filter(|o| !o.is_moved()) {
        let Some(r) = y.reports.get(&o.id) else {
            continue;
        };
        if let Some(e) = r.pending_exception() {
            exceptions.push((
                o.unit_name.clone(),
                format!("/reports/{}", o.id),
                tf(
                    lang,
                    "reporting-exception-line",
                    &[
                        ("until", &i18n::format_date(e.until)),
                        ("why", &e.justification),
                        ("by", &name(&e.requested.by)),
                    ],
                ),
            ));
        }
        if r.status == domain::reporting::Status::Submitted {
            awaiting.push((
                o.unit_name.clone(),
                format!("/reports/{}", o.id),
                r.submitted
                    .as_ref()
                    .map(|s| i18n::format_date(s.on))
                    .unwrap_or_default(),
            ));
        }
    }
    let mut years: Vec<(i64, bool)> = periods
        .iter()
        .map(|p| (p.year, p.year == i64::from(year)))
        .collect();
    years.sort_unstable_by_key(|y| std::cmp::Reverse(y.0));
    let new_year = periods
        .first()
        .and_then(|p| i32::try_from(p.year).ok())
        .map_or(today.year(), |y| (y + 1).max(today.year()));
    render(&DashPage {
        p: Page::new(ctx, "nav-reporting"),
        opened: y.period.is_some(),
        years,
        year,
        due: i18n::format_date(due),
        cutoff: i18n::format_date(cutoff),
        due_iso: due.to_string(),
        cutoff_iso: cutoff.to_string(),
        units_on: units_on.map(i18n::format_date).unwrap_or_default(),
        levels,
        total,
        units,
        chart,
        mid_label: i18n::format_date(mid),
        due_label: i18n::format_date(due),
        missing_mid,
        missing_due,
        chains,
        other_moves,
        all_moves,
        exceptions,
        awaiting,
        flash,
        new_year,
        today_iso: today.to_string(),
        errors,
    })
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[derive(Deserialize)]
pub struct OpenForm {
    year: i32,
    #[serde(default)]
    due: String,
    #[serde(default)]
    cutoff: String,
    #[serde(default)]
    units_on: String,
}

/// Opens a year (or adds the obligations it is missing).
pub async fn open(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<OpenForm>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ApproveReport, Target::Anywhere)?;
    let default_due = NaiveDate::from_ymd_opt(form.year, 11, 30);
    let due = parse_date(&form.due).or(default_due);
    let cutoff = parse_date(&form.cutoff).or(due);
    let units_on = parse_date(&form.units_on).unwrap_or_else(today);
    let (Some(due), Some(cutoff)) = (due, cutoff) else {
        return dashboard(
            &state,
            &ctx,
            Some(form.year),
            false,
            Vec::new(),
            vec![t(ctx.lang, "report-error-date")],
        )
        .await;
    };
    let map = domain::admin_units::embedded_map()
        .map_err(|e| AppError::bad("error-generic", e.to_string()))?;
    let spec = OpenYear {
        template: annual_template(),
        year: form.year,
        due,
        cutoff,
        units_on: units_on.min(due),
        is_demo: false,
    };
    match storage::reporting::open_year(&state.db, map, &spec, &actor_of(&ctx), Utc::now()).await? {
        Ok(_) => Ok(see_other(&format!("/reporting?year={}", form.year))),
        Err(e) => {
            let names = user_names(&state).await?;
            dashboard(
                &state,
                &ctx,
                Some(form.year),
                false,
                Vec::new(),
                vec![error_text(ctx.lang, &e, &names)],
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct DeadlineForm {
    year: i32,
    due: String,
    cutoff: String,
}

/// Changes a year's due date and cut-off.
pub async fn deadlines(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<DeadlineForm>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ApproveReport, Target::Anywhere)?;
    let (Some(due), Some(cutoff)) = (parse_date(&form.due), parse_date(&form.cutoff)) else {
        return dashboard(
            &state,
            &ctx,
            Some(form.year),
            false,
            Vec::new(),
            vec![t(ctx.lang, "report-error-date")],
        )
        .await;
    };
    match storage::reporting::set_deadlines(
        &state.db,
        ANNUAL,
        form.year,
        due,
        cutoff,
        &actor_of(&ctx),
        Utc::now(),
    )
    .await?
    {
        Ok(()) => Ok(see_other(&format!("/reporting?year={}", form.year))),
        Err(e) => {
            let names = user_names(&state).await?;
            dashboard(
                &state,
                &ctx,
                Some(form.year),
                false,
                Vec::new(),
                vec![error_text(ctx.lang, &e, &names)],
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct YearForm {
    year: i32,
}

/// Moves open obligations of units that stopped existing (as of today).
pub async fn migrate(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<YearForm>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ApproveReport, Target::Anywhere)?;
    let map = domain::admin_units::embedded_map()
        .map_err(|e| AppError::bad("error-generic", e.to_string()))?;
    match storage::reporting::migrate_obligations(
        &state.db,
        map,
        today(),
        &actor_of(&ctx),
        Utc::now(),
    )
    .await?
    {
        Ok(m) => Ok(see_other(&format!(
            "/reporting?year={}&moved={}",
            form.year, m.moved
        ))),
        Err(e) => {
            let names = user_names(&state).await?;
            dashboard(
                &state,
                &ctx,
                Some(form.year),
                false,
                Vec::new(),
                vec![error_text(ctx.lang, &e, &names)],
            )
            .await
        }
    }
}

/// Reminds the officers of every unit that has not filed (R25), then sends
/// the outbox's pending e-mail when an SMTP server is configured.
pub async fn remind(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<YearForm>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ApproveReport, Target::Anywhere)?;
    let n = storage::notifications::remind_missing(
        &state.db,
        ANNUAL,
        form.year,
        today(),
        &actor_of(&ctx),
        Utc::now(),
    )
    .await?;
    let sent =
        crate::mail::deliver_pending(&state.db, state.config.smtp.as_ref(), ctx.origin()).await?;
    Ok(see_other(&format!(
        "/reporting?year={}&reminded={n}&sent={}",
        form.year, sent.sent
    )))
}

/// What one round of [`housekeeping`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Chores {
    pub moved: usize,
    pub locked: usize,
    pub sent: usize,
    pub failed: usize,
}

/// The reporting regime's chores, run by the server every hour: open
/// obligations follow the map (units that stopped existing hand them on),
/// approved reports lock once their cut-off has passed, and the outbox's
/// pending e-mail goes out when an SMTP server is configured. `origin`
/// prefixes links in e-mails.
pub async fn housekeeping(state: &AppState, origin: &str) -> Result<Chores, AppError> {
    let today = today();
    let now = Utc::now();
    let system = storage::audit::AuditActor::system("reporting");
    let map = domain::admin_units::embedded_map()
        .map_err(|e| AppError::bad("error-generic", e.to_string()))?;
    let moved =
        match storage::reporting::migrate_obligations(&state.db, map, today, &system, now).await? {
            Ok(m) => m.moved,
            Err(e) => {
                tracing::warn!(cause = %e, "obligations could not follow the map");
                0
            }
        };
    let locked = storage::reporting::lock_past_cutoff(&state.db, today, now).await?;
    let mail = crate::mail::deliver_pending(&state.db, state.config.smtp.as_ref(), origin).await?;
    Ok(Chores {
        moved,
        locked,
        sent: mail.sent,
        failed: mail.failed,
    })
}
