//! The children registry in the browser: the scoped list and search, entry
//! by form and by CSV/XLSX import, a child's record (every version, consent,
//! links), and the review queue of the links the deduplication engine
//! proposes.
//!
//! ⚠️ Children's data. Only the commune's and its sites' officers see
//! identities (`ViewChildren`), and only in their scope; every view of a
//! child is logged; nothing here logs a value, and problems name the row,
//! the column or the field — never what was typed.

use std::collections::BTreeSet;

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate, Utc};
use domain::authz::{Action, Target, authorize};
use imports::children::{self as ic, ChildInput, RawChild};
use serde::Deserialize;
use storage::organisations::{OrgFilter, Organisation};
use storage::registry::{
    self, ChildSummary, Consent, Decision, Link, LinkError, LinkView, NewRecord, Origin,
    RecordData, RecordVersion, Source,
};

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::state::AppState;
use crate::view::Page;

use super::classifications::actor_of;
use super::{render, see_other};

fn today() -> NaiveDate {
    (Utc::now() + Duration::hours(7)).date_naive()
}

/// The stored form of a checked record: the personal ID hashed with the
/// server's key, its last three digits kept, the digits dropped.
pub(crate) fn record_data(c: &ChildInput, key: &registry::PidKey) -> RecordData {
    RecordData {
        full_name: c.full_name.clone(),
        birth_year: i64::from(c.birth.year),
        birth_month: c.birth.month.map(i64::from),
        birth_day: c.birth.day.map(i64::from),
        sex: c.sex.map(|s| s.as_str().to_owned()),
        ethnicity: c.ethnicity.clone(),
        commune_code: c.commune_code.clone(),
        village: c.village.clone(),
        school_name: c.school_name.clone(),
        grade: c.grade.clone(),
        guardian_name: c.guardian_name.clone(),
        pid_hash: c.personal_id.map(|p| key.hash(&p.digits())),
        pid_last3: c.personal_id.map(|p| p.last3()),
    }
}

/// The organisations that can be a source of children's records, within
/// the viewer's scope.
async fn sources(state: &AppState, ctx: &Ctx) -> Result<Vec<Organisation>, AppError> {
    let vis = ctx.actor.visibility();
    Ok(
        storage::organisations::list(&state.db, &vis, &OrgFilter::default())
            .await?
            .into_iter()
            .filter(|o| {
                o.valid_to.is_none()
                    && registry::source_type_of_org(&o.org_type).is_some()
                    && o.unit_code.as_deref().is_some_and(|u| vis.allows_unit(u))
            })
            .collect(),
    )
}

async fn origin_of(
    state: &AppState,
    ctx: &Ctx,
    org_id: &str,
) -> Result<Option<(Origin, Organisation)>, AppError> {
    Ok(sources(state, ctx)
        .await?
        .into_iter()
        .find(|o| o.id == org_id)
        .and_then(|o| {
            registry::source_type_of_org(&o.org_type).map(|t| {
                (
                    Origin {
                        source_type: t.to_owned(),
                        org_id: Some(o.id.clone()),
                    },
                    o,
                )
            })
        }))
}

// ---------------------------------------------------------------------------
// The list (and counts)
// ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "children.html")]
struct ListPage {
    p: Page,
    may_view: bool,
    may_edit: bool,
    may_review: bool,
    q: String,
    children: Vec<ChildSummary>,
    counts: Vec<registry::ChildCounts>,
    year: i32,
    notice: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    erased: Option<u8>,
}

/// `GET /children`: the children in scope (identities for the commune and
/// site officers), or anonymous counts for everyone else on staff.
pub async fn list(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ViewChildCounts, Target::Anywhere)?;
    let can = |a| authorize(&ctx.actor, a, Target::Anywhere).is_ok();
    let may_view = can(Action::ViewChildren);
    let children = if may_view {
        let search = (!q.q.trim().is_empty()).then_some(q.q.as_str());
        registry::list(&state.db, &ctx.actor.visibility(), search, 500).await?
    } else {
        Vec::new()
    };
    let year = today().format("%Y").to_string().parse().unwrap_or(2026);
    let units: Vec<String> = match ctx.actor.visibility() {
        domain::authz::Visibility::All => vec![storage::admin_units::PROVINCE.to_owned()],
        domain::authz::Visibility::Units(_) => {
            storage::users::scopes(&state.db, ctx.user.as_ref().map_or("", |u| u.id.as_str()))
                .await?
        }
        domain::authz::Visibility::PublicOnly => Vec::new(),
    };
    let mut counts = Vec::new();
    for u in &units {
        counts.push(registry::counts(&state.db, u, year).await?);
    }
    let notice = q.erased.map(|_| i18n::t(ctx.lang, "child-erased-notice"));
    render(&ListPage {
        p: Page::new(&ctx, "children-title"),
        may_view,
        may_edit: can(Action::EditChildren),
        may_review: can(Action::ReviewLinks),
        q: q.q,
        children,
        counts,
        year,
        notice,
    })
}

// ---------------------------------------------------------------------------
// Entry by form
// ---------------------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
pub struct ChildForm {
    #[serde(default)]
    source_org_id: String,
    #[serde(default)]
    source_ref: String,
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    sex: String,
    #[serde(default)]
    ethnicity: String,
    #[serde(default)]
    commune_code: String,
    #[serde(default)]
    village: String,
    #[serde(default)]
    school_name: String,
    #[serde(default)]
    grade: String,
    #[serde(default)]
    guardian_name: String,
    #[serde(default)]
    personal_id: String,
}

impl ChildForm {
    fn raw(&self) -> RawChild {
        RawChild {
            source_ref: self.source_ref.clone(),
            full_name: self.full_name.clone(),
            birth_date: self.birth_date.clone(),
            sex: self.sex.clone(),
            ethnicity: self.ethnicity.clone(),
            commune_code: self.commune_code.clone(),
            village: self.village.clone(),
            school_name: self.school_name.clone(),
            grade: self.grade.clone(),
            guardian_name: self.guardian_name.clone(),
            personal_id: self.personal_id.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "child_new.html")]
struct NewPage {
    p: Page,
    sources: Vec<Organisation>,
    form: ChildForm,
    /// (field header, what is wrong) — never the value.
    problems: Vec<(String, String)>,
}

pub async fn new_form(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, AppError> {
    require(&ctx, Action::EditChildren, Target::Anywhere)?;
    let sources = sources(&state, &ctx).await?;
    let form = ChildForm {
        commune_code: sources
            .first()
            .and_then(|o| o.unit_code.clone())
            .unwrap_or_default(),
        ..ChildForm::default()
    };
    render(&NewPage {
        p: Page::new(&ctx, "child-new-title"),
        sources,
        form,
        problems: Vec::new(),
    })
}

/// `POST /children`: one source record from the form. The engine then
/// looks for the same child among the commune's records.
pub async fn create(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<ChildForm>,
) -> Result<Response, AppError> {
    require(&ctx, Action::EditChildren, Target::Anywhere)?;
    let lang = ctx.lang;
    let mut problems: Vec<(String, String)> = Vec::new();
    let origin = origin_of(&state, &ctx, &form.source_org_id).await?;
    if origin.is_none() {
        problems.push((
            i18n::t(lang, "child-source"),
            i18n::t(lang, "child-error-source"),
        ));
    }
    let checked = ic::check(&form.raw(), today());
    if let Err(bad) = &checked {
        for p in bad {
            let what = if lang == i18n::Lang::Vi { &p.vi } else { &p.en };
            problems.push((ic::header_of(p.field).to_owned(), what.clone()));
        }
    }
    if let Ok(c) = &checked {
        if !registry::unknown_communes(&state.db, &[c.commune_code.as_str()])
            .await?
            .is_empty()
        {
            problems.push((
                ic::header_of(ic::COMMUNE).to_owned(),
                i18n::t(lang, "child-error-commune"),
            ));
        } else if !ctx.actor.visibility().allows_unit(&c.commune_code) {
            problems.push((
                ic::header_of(ic::COMMUNE).to_owned(),
                i18n::t(lang, "child-error-scope"),
            ));
        }
    }
    let (Ok(child), Some((origin, _)), true) = (checked, origin, problems.is_empty()) else {
        let sources = sources(&state, &ctx).await?;
        let page = NewPage {
            p: Page::new(&ctx, "child-new-title"),
            sources,
            form,
            problems,
        };
        let mut resp = render(&page)?;
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(resp);
    };
    require(
        &ctx,
        Action::EditChildren,
        Target::Unit(&child.commune_code),
    )?;
    let now = Utc::now();
    let actor = actor_of(&ctx);
    let rec = NewRecord {
        source_ref: child.source_ref.clone(),
        data: record_data(&child, &state.registry_key),
    };
    let added = registry::add_records(&state.db, &origin, &[rec], false, &actor, now).await?;
    let communes: BTreeSet<String> = [child.commune_code.clone()].into_iter().collect();
    registry::propose_links(&state.db, &communes, false, now).await?;
    let Some((key, _)) = added.first() else {
        return Err(AppError::NotFound);
    };
    let source = registry::source(&state.db, key)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(see_other(&format!("/children/{}?saved=1", source.child_id)))
}

// ---------------------------------------------------------------------------
// Import
// ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "children_import.html")]
struct ImportPage {
    p: Page,
    sources: Vec<Organisation>,
    problems: Vec<String>,
    result: Option<ImportResult>,
}

struct ImportResult {
    new: usize,
    versions: usize,
    unchanged: usize,
    proposals: usize,
}

pub async fn import_form(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, AppError> {
    require(&ctx, Action::EditChildren, Target::Anywhere)?;
    render(&ImportPage {
        p: Page::new(&ctx, "children-import-title"),
        sources: sources(&state, &ctx).await?,
        problems: Vec::new(),
        result: None,
    })
}

pub async fn template_xlsx(Extension(ctx): Extension<Ctx>) -> Result<Response, AppError> {
    require(&ctx, Action::EditChildren, Target::Anywhere)?;
    let bytes = imports::children_template_xlsx()
        .map_err(|e| AppError::bad("children-import-bad-file", e.to_string()))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"tre-em.xlsx\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

pub async fn template_csv(Extension(ctx): Extension<Ctx>) -> Result<Response, AppError> {
    require(&ctx, Action::EditChildren, Target::Anywhere)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"tre-em.csv\"",
            ),
        ],
        imports::children_template_csv(),
    )
        .into_response())
}

/// `POST /children/import` (multipart: csrf, source_org_id, file): every
/// row or none. Problems name row and column, never a child's data.
pub async fn import(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    mut form: Multipart,
) -> Result<Response, AppError> {
    require(&ctx, Action::EditChildren, Target::Anywhere)?;
    let mut org_id = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| AppError::bad("children-import-bad-file", e.to_string()))?
    {
        match field.name().unwrap_or("") {
            "file" => {
                let name = field.file_name().unwrap_or("tre-em.csv").to_owned();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| AppError::bad("children-import-bad-file", e.to_string()))?;
                file = Some((name, bytes.to_vec()));
            }
            "source_org_id" => {
                org_id = field
                    .text()
                    .await
                    .map_err(|e| AppError::bad("children-import-bad-file", e.to_string()))?;
            }
            _ => {}
        }
    }
    let lang = ctx.lang;
    let show = |p: &imports::Problem| {
        if lang == i18n::Lang::Vi {
            format!("{}: {}", p.place_vi(), p.vi)
        } else {
            format!("{}: {}", p.place_en(), p.en)
        }
    };
    let fail = |problems: Vec<String>| async {
        let page = ImportPage {
            p: Page::new(&ctx, "children-import-title"),
            sources: sources(&state, &ctx).await?,
            problems,
            result: None,
        };
        let mut resp = render(&page)?;
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        Ok::<Response, AppError>(resp)
    };
    let Some((origin, _)) = origin_of(&state, &ctx, &org_id).await? else {
        return fail(vec![i18n::t(lang, "child-error-source")]).await;
    };
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return fail(vec![i18n::t(lang, "children-import-no-file")]).await;
    };
    let Some(format) = imports::Format::from_file_name(&name) else {
        return fail(vec![i18n::t(lang, "children-import-format")]).await;
    };
    let parsed = ic::parse_children(&bytes, format, today());
    let commune_col = parsed.column(ic::COMMUNE);
    let mut problems = parsed.problems.clone();
    let codes: Vec<&str> = parsed
        .rows
        .iter()
        .map(|r| r.child.commune_code.as_str())
        .collect();
    let unknown = registry::unknown_communes(&state.db, &codes).await?;
    let vis = ctx.actor.visibility();
    for r in &parsed.rows {
        if unknown.contains(&r.child.commune_code) {
            problems.push(imports::Problem::at(
                r.row,
                commune_col.clone(),
                "không có xã nào mang mã này; xem mã ở trang Đơn vị hành chính",
                "no commune has this code; see the codes on the Administrative units page",
            ));
        } else if !vis.allows_unit(&r.child.commune_code) {
            problems.push(imports::Problem::at(
                r.row,
                commune_col.clone(),
                "xã này ngoài phạm vi của bạn; chỉ nhập trẻ của xã bạn phụ trách",
                "this commune is outside your scope; import only the children of your communes",
            ));
        }
    }
    if !problems.is_empty() {
        imports::sort_problems(&mut problems);
        tracing::info!(
            rows = parsed.rows.len(),
            problems = problems.len(),
            "children import refused"
        );
        return fail(problems.iter().map(show).collect()).await;
    }
    let key = state.registry_key.clone();
    let records: Vec<NewRecord> = parsed
        .rows
        .iter()
        .map(|r| NewRecord {
            source_ref: r.child.source_ref.clone(),
            data: record_data(&r.child, &key),
        })
        .collect();
    let now = Utc::now();
    let added =
        registry::add_records(&state.db, &origin, &records, false, &actor_of(&ctx), now).await?;
    let communes: BTreeSet<String> = parsed
        .rows
        .iter()
        .map(|r| r.child.commune_code.clone())
        .collect();
    let proposals = registry::propose_links(&state.db, &communes, false, now).await?;
    let count = |a: registry::Added| added.iter().filter(|(_, x)| *x == a).count();
    render(&ImportPage {
        p: Page::new(&ctx, "children-import-title"),
        sources: sources(&state, &ctx).await?,
        problems: Vec::new(),
        result: Some(ImportResult {
            new: count(registry::Added::New),
            versions: count(registry::Added::NewVersion),
            unchanged: count(registry::Added::Unchanged),
            proposals,
        }),
    })
}

// ---------------------------------------------------------------------------
// One child
// ---------------------------------------------------------------------------

struct SourceView {
    source: Source,
    org_name: Option<String>,
    versions: Vec<RecordVersion>,
}

impl SourceView {
    fn latest(&self) -> Option<&RecordVersion> {
        self.versions.last()
    }
}

#[derive(Template)]
#[template(path = "child.html")]
struct ChildPage {
    p: Page,
    child: registry::Child,
    sources: Vec<SourceView>,
    consents: Vec<Consent>,
    links: Vec<Link>,
    age: Option<i64>,
    needs_own_consent: bool,
    may_edit: bool,
    saved: bool,
    today: String,
}

#[derive(Deserialize, Default)]
pub struct ChildQuery {
    #[serde(default)]
    saved: Option<u8>,
}

/// May the actor act on this child: every commune its records name in
/// scope.
async fn require_child(
    state: &AppState,
    ctx: &Ctx,
    action: Action,
    id: &str,
) -> Result<registry::Child, AppError> {
    require(ctx, action, Target::Anywhere)?;
    let child = registry::child(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    for code in registry::communes_of(&state.db, id).await? {
        require(ctx, action, Target::Unit(&code))?;
    }
    if child.status == "merged" {
        return Err(AppError::NotFound);
    }
    Ok(child)
}

pub async fn detail(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Query(q): Query<ChildQuery>,
) -> Result<Response, AppError> {
    let child = require_child(&state, &ctx, Action::ViewChildren, &id).await?;
    registry::log_view(&state.db, &id, "page", &actor_of(&ctx), Utc::now()).await?;
    let mut sources = Vec::new();
    for s in registry::sources_of(&state.db, &id).await? {
        let versions = registry::versions(&state.db, &s.record_key).await?;
        let org_name = match &s.source_org_id {
            Some(o) => storage::organisations::get(&state.db, o)
                .await?
                .map(|o| o.name),
            None => None,
        };
        sources.push(SourceView {
            source: s,
            org_name,
            versions,
        });
    }
    let consents = registry::consents(&state.db, &id).await?;
    let age = sources
        .first()
        .and_then(SourceView::latest)
        .filter(|v| !v.erased())
        .map(|v| v.age_on(today()));
    let has = |kind: &str| {
        consents
            .iter()
            .any(|c| c.kind == kind && c.withdrawn_on.is_none())
    };
    let needs_own_consent = child.status == "active"
        && age.is_some_and(|a| a >= registry::OWN_CONSENT_AGE)
        && !has("child");
    let links = registry::links_of_child(&state.db, &id).await?;
    let may_edit = authorize(
        &ctx.actor,
        Action::EditChildren,
        Target::Unit(&child.commune_code),
    )
    .is_ok()
        && child.status == "active";
    render(&ChildPage {
        p: Page::new(&ctx, "child-title"),
        child,
        sources,
        consents,
        links,
        age,
        needs_own_consent,
        may_edit,
        saved: q.saved.is_some(),
        today: today().format("%Y-%m-%d").to_string(),
    })
}

#[derive(Deserialize)]
pub struct ConsentForm {
    kind: String,
    #[serde(default)]
    given_on: String,
}

pub async fn give_consent(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(f): Form<ConsentForm>,
) -> Result<Response, AppError> {
    require_child(&state, &ctx, Action::EditChildren, &id).await?;
    if f.kind != "parent" && f.kind != "child" {
        return Err(AppError::bad("child-error-consent", ""));
    }
    let on = super::parse_date(&f.given_on).unwrap_or_else(today);
    if on > today() {
        return Err(AppError::bad("child-error-consent", ""));
    }
    registry::give_consent(&state.db, &id, &f.kind, on, &actor_of(&ctx), Utc::now()).await?;
    Ok(see_other(&format!("/children/{id}")))
}

#[derive(Deserialize)]
pub struct WithdrawForm {
    kind: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /children/{id}/withdraw`: withdrawal of consent — the child's
/// personal data is erased at once; anonymous counts remain.
pub async fn withdraw(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(f): Form<WithdrawForm>,
) -> Result<Response, AppError> {
    require_child(&state, &ctx, Action::EditChildren, &id).await?;
    if (f.kind != "parent" && f.kind != "child") || f.confirm != "1" {
        return Err(AppError::bad("child-error-withdraw", ""));
    }
    registry::withdraw_consent(
        &state.db,
        &id,
        &f.kind,
        today(),
        &actor_of(&ctx),
        Utc::now(),
    )
    .await?;
    Ok(see_other("/children?erased=1"))
}

// ---------------------------------------------------------------------------
// The review queue
// ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "child_links.html")]
struct LinksPage {
    p: Page,
    proposed: Vec<LinkView>,
    decided: Vec<LinkView>,
    kept_apart: Vec<LinkView>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct LinksQuery {
    #[serde(default)]
    error: Option<String>,
}

pub async fn links(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<LinksQuery>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ReviewLinks, Target::Anywhere)?;
    let vis = ctx.actor.visibility();
    let db = &state.db;
    let proposed = registry::links_with_status(db, &vis, "proposed", 100).await?;
    let mut decided = registry::links_with_status(db, &vis, "accepted", 50).await?;
    decided.extend(registry::links_with_status(db, &vis, "rejected", 50).await?);
    decided.sort_by_key(|d| std::cmp::Reverse(d.link.updated_at));
    let kept_apart = registry::links_with_status(db, &vis, "kept_apart", 50).await?;
    let error = q
        .error
        .as_deref()
        .filter(|k| k.starts_with("link-error-"))
        .map(|k| i18n::t(ctx.lang, k));
    render(&LinksPage {
        p: Page::new(&ctx, "child-links-title"),
        proposed,
        decided,
        kept_apart,
        error,
    })
}

#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    reason: String,
}

async fn require_link(state: &AppState, ctx: &Ctx, id: &str) -> Result<LinkView, AppError> {
    require(ctx, Action::ReviewLinks, Target::Anywhere)?;
    let view = registry::link_view(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    for c in view.communes() {
        require(ctx, Action::ReviewLinks, Target::Unit(c))?;
    }
    Ok(view)
}

fn link_error(e: LinkError) -> Result<Response, AppError> {
    let key = match e {
        LinkError::Storage(s) => return Err(s.into()),
        LinkError::NotFound => return Err(AppError::NotFound),
        LinkError::NotProposed(_) => "link-error-decided",
        LinkError::NothingToUndo => "link-error-nothing",
        LinkError::LaterMerge => "link-error-later",
        LinkError::Erased => "link-error-erased",
    };
    Ok(see_other(&format!("/children/links?error={key}")))
}

fn clean_reason(r: &str) -> String {
    domain::text::clean(r).chars().take(500).collect()
}

async fn decide(
    state: AppState,
    ctx: Ctx,
    id: String,
    decision: Decision,
    reason: String,
) -> Result<Response, AppError> {
    require_link(&state, &ctx, &id).await?;
    match registry::decide(
        &state.db,
        &id,
        decision,
        &clean_reason(&reason),
        &actor_of(&ctx),
        Utc::now(),
    )
    .await
    {
        Ok(()) => Ok(see_other(&format!("/children/links#link-{id}"))),
        Err(e) => link_error(e),
    }
}

pub async fn accept(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(f): Form<DecideForm>,
) -> Result<Response, AppError> {
    decide(state, ctx, id, Decision::Accept, f.reason).await
}

pub async fn reject(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(f): Form<DecideForm>,
) -> Result<Response, AppError> {
    decide(state, ctx, id, Decision::Reject, f.reason).await
}

pub async fn undo(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(f): Form<DecideForm>,
) -> Result<Response, AppError> {
    require_link(&state, &ctx, &id).await?;
    match registry::undo(
        &state.db,
        &id,
        &clean_reason(&f.reason),
        &actor_of(&ctx),
        Utc::now(),
    )
    .await
    {
        Ok(()) => Ok(see_other(&format!("/children/links#link-{id}"))),
        Err(e) => link_error(e),
    }
}
