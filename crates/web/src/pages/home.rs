//! The public landing page and each role's home page.

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::response::Response;
use chrono::{NaiveDate, Utc};
use domain::authz::Role;

use crate::context::Ctx;
use crate::error::AppError;
use crate::state::AppState;
use crate::view::Page;

use super::{render, see_other};

#[derive(Template)]
#[template(path = "landing.html")]
struct Landing {
    p: Page,
}

pub async fn landing(Extension(ctx): Extension<Ctx>) -> Result<Response, AppError> {
    render(&Landing {
        p: Page::new(&ctx, "landing-title"),
    })
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    p: Page,
    home_title_key: String,
    home_intro_key: String,
    tiles: Vec<(&'static str, &'static str, &'static str)>,
    scope_names: Vec<String>,
    units_today: i64,
    units_2019: i64,
    org_count: i64,
    /// Money in on bank statements not yet matched: (lines, đồng), shown
    /// to those who reconcile.
    unmatched: Option<(i64, i64)>,
    notices: Vec<NoticeView>,
    /// The coordinator's dashboard: largest gaps and what is overdue.
    dashboard: Option<Dashboard>,
}

/// The largest gaps first and what is overdue, within the viewer's area.
struct Dashboard {
    gaps: Vec<storage::needs::NeedRow>,
    overdue: Vec<storage::rollup::Overdue>,
    /// How many overdue items there are in all (the list is cut short).
    overdue_count: usize,
}

/// The dashboard of those who allocate (coordinators).
async fn dashboard(
    state: &AppState,
    ctx: &Ctx,
    today: NaiveDate,
) -> Result<Option<Dashboard>, AppError> {
    if domain::authz::authorize(
        &ctx.actor,
        domain::authz::Action::Allocate,
        domain::authz::Target::Anywhere,
    )
    .is_err()
    {
        return Ok(None);
    }
    let vis = ctx.actor.visibility();
    let lines =
        storage::needs::list(&state.db, &vis, &storage::needs::NeedFilter::default()).await?;
    let mut overdue = storage::rollup::overdue_with_lines(&state.db, &vis, today, &lines).await?;
    let mut gaps = lines;
    gaps.retain(|n| n.status != "cancelled" && n.coverage().gap() > 0);
    gaps.truncate(8);
    let overdue_count = overdue.len();
    overdue.truncate(12);
    Ok(Some(Dashboard {
        gaps,
        overdue,
        overdue_count,
    }))
}

/// A notice of the outbox, in the reader's language.
struct NoticeView {
    id: String,
    text: String,
    link: String,
    unread: bool,
    mailed: bool,
}

/// The tiles a role sees first: (link, title key, text key).
fn tiles(role: Role) -> Vec<(&'static str, &'static str, &'static str)> {
    let units = ("/units", "nav-units", "tile-units");
    let classes = (
        "/classifications",
        "nav-classifications",
        "tile-classifications",
    );
    let orgs = ("/organisations", "nav-organisations", "tile-organisations");
    let audit = ("/audit", "nav-audit", "tile-audit");
    let users = ("/admin/users", "nav-users", "tile-users");
    let account = ("/account", "nav-account", "tile-account");
    let needs = ("/needs", "nav-needs", "tile-needs");
    let enter = ("/needs/new", "need-new", "tile-need-new");
    let donors = ("/donors", "nav-donors", "tile-donors");
    let catalogue = ("/catalogue", "nav-catalogue", "tile-catalogue");
    let reports = ("/reports", "nav-reports", "tile-reports");
    let reporting = ("/reporting", "nav-reporting", "tile-reporting");
    let plans = ("/plans", "nav-plans", "tile-plans");
    let stores = ("/stores", "nav-stores", "tile-stores");
    match role {
        Role::Admin => vec![users, audit, needs, orgs, units, account],
        Role::Coordinator => vec![
            needs, reporting, plans, donors, stores, catalogue, classes, orgs, units, account,
        ],
        Role::SectorOfficer => vec![needs, reports, donors, orgs, units, classes, account],
        Role::LocalOfficer => vec![needs, enter, reports, plans, stores, orgs, units, account],
        Role::SiteOfficer => vec![needs, enter, orgs, units, account],
        Role::FinanceInspector => vec![audit, needs, orgs, units, account],
        Role::Donor | Role::Public => vec![needs, units, classes, account],
    }
}

pub async fn home(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, AppError> {
    let Some(user) = &ctx.user else {
        return Ok(see_other("/login?next=/home"));
    };
    let role = ctx.actor.role;
    let today = Utc::now().date_naive();
    let first = NaiveDate::from_ymd_opt(2019, 9, 11).unwrap_or(today);
    let communes = |rows: Vec<storage::admin_units::UnitRow>| {
        i64::try_from(rows.iter().filter(|u| u.level == "commune").count()).unwrap_or(i64::MAX)
    };
    let units_today = communes(storage::admin_units::units_on(&state.db, today).await?);
    let units_2019 = communes(storage::admin_units::units_on(&state.db, first).await?);
    let mut scope_names = Vec::new();
    for code in storage::users::scopes(&state.db, &user.id).await? {
        let versions = storage::admin_units::versions_of(&state.db, &code).await?;
        let name = versions
            .last()
            .map_or_else(|| code.clone(), |u| u.name.clone());
        scope_names.push(name);
    }
    let reconciles = domain::authz::authorize(
        &ctx.actor,
        domain::authz::Action::Allocate,
        domain::authz::Target::Anywhere,
    )
    .is_ok();
    let unmatched = if reconciles {
        Some(storage::statements::unmatched_total(&state.db).await?)
    } else {
        None
    };
    let notices = storage::notifications::for_user(&state.db, &user.id, 8)
        .await?
        .into_iter()
        .map(|n| {
            let (_, text) = crate::mail::render(ctx.lang, &n.kind, &n.args(), &n.link);
            NoticeView {
                text: text.lines().next().unwrap_or_default().to_owned(),
                unread: n.read_at.is_none(),
                mailed: n.email_status == "sent",
                link: n.link,
                id: n.id,
            }
        })
        .collect();
    render(&Home {
        p: Page::new(&ctx, "nav-home"),
        unmatched,
        home_title_key: format!("home-title-{}", role.as_str()),
        home_intro_key: format!("home-intro-{}", role.as_str()),
        tiles: tiles(role),
        scope_names,
        units_today,
        units_2019,
        org_count: storage::organisations::count(&state.db).await?,
        notices,
        dashboard: dashboard(&state, &ctx, today).await?,
    })
}
