//! Need lines and donors imported from a CSV or XLSX file in the browser:
//! `/needs/import` and `/donors/import`. A check ("Kiểm tra (không ghi)")
//! or an import ("Nhập"); every problem is listed as `dòng N, cột C: …`
//! and a file with any bad row writes nothing (`storage::import`). The
//! same rights as the forms: need lines only for sites in the user's scope,
//! donors for those who manage donors.

use askama::Template;
use axum::Extension;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use domain::authz::{Action, Target};
use storage::import::{Outcome, Problem, Written};

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::state::AppState;
use crate::view::Page;

use super::classifications::actor_of;
use super::render;

/// What is imported: need lines or donors.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Needs,
    Donors,
}

impl Kind {
    fn title_key(self) -> &'static str {
        match self {
            Kind::Needs => "needs-import-title",
            Kind::Donors => "donors-import-title",
        }
    }

    /// The page's address, where the form posts.
    fn action(self) -> &'static str {
        match self {
            Kind::Needs => "/needs/import",
            Kind::Donors => "/donors/import",
        }
    }

    /// Where the imported rows are listed; a row's page is `{list}/{id}`.
    fn list(self) -> &'static str {
        match self {
            Kind::Needs => "/needs",
            Kind::Donors => "/donors",
        }
    }

    /// The template's name under `/templates/`, without its extension.
    fn template(self) -> &'static str {
        match self {
            Kind::Needs => "needs",
            Kind::Donors => "donors",
        }
    }

    fn help_key(self) -> &'static str {
        match self {
            Kind::Needs => "needs-import-help",
            Kind::Donors => "donors-import-help",
        }
    }

    pub(crate) fn may(self, ctx: &Ctx) -> Result<(), AppError> {
        match self {
            Kind::Needs => require(ctx, Action::EditUnitData, Target::Anywhere),
            Kind::Donors => require(ctx, Action::ManageDonors, Target::Anywhere),
        }
    }
}

/// The result shown after a check or an import that passed.
struct Done {
    /// "Đã nhập N dòng" or "Kiểm tra xong: N dòng hợp lệ; không ghi gì".
    message: String,
    written: bool,
    rows: Vec<Written>,
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    p: Page,
    action: &'static str,
    list: &'static str,
    template: &'static str,
    help: String,
    /// "dòng N, cột C: …" (or "row N, column C: …" in English).
    problems: Vec<String>,
    warnings: Vec<String>,
    done: Option<Done>,
}

fn page(ctx: &Ctx, kind: Kind) -> ImportPage {
    ImportPage {
        p: Page::new(ctx, kind.title_key()),
        action: kind.action(),
        list: kind.list(),
        template: kind.template(),
        help: i18n::t(ctx.lang, kind.help_key()),
        problems: Vec::new(),
        warnings: Vec::new(),
        done: None,
    }
}

/// A problem where it is and what is wrong, in the page's language.
pub(crate) fn shown(lang: i18n::Lang, p: &Problem) -> String {
    if lang == i18n::Lang::Vi {
        format!("{}: {}", p.place_vi(), p.vi)
    } else {
        format!("{}: {}", p.place_en(), p.en)
    }
}

pub async fn needs_form(Extension(ctx): Extension<Ctx>) -> Result<Response, AppError> {
    form(&ctx, Kind::Needs)
}

pub async fn donors_form(Extension(ctx): Extension<Ctx>) -> Result<Response, AppError> {
    form(&ctx, Kind::Donors)
}

fn form(ctx: &Ctx, kind: Kind) -> Result<Response, AppError> {
    kind.may(ctx)?;
    render(&page(ctx, kind))
}

/// `POST /needs/import` (multipart: csrf, file, dry_run).
pub async fn needs(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    form: Multipart,
) -> Result<Response, AppError> {
    upload(&state, &ctx, Kind::Needs, form).await
}

/// `POST /donors/import` (multipart: csrf, file, dry_run).
pub async fn donors(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    form: Multipart,
) -> Result<Response, AppError> {
    upload(&state, &ctx, Kind::Donors, form).await
}

/// The uploaded file (its name and bytes) and whether only to check it.
async fn read_form(mut form: Multipart) -> Result<(Option<(String, Vec<u8>)>, bool), AppError> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        AppError::bad("import-bad-upload", e.to_string())
    };
    let mut file = None;
    let mut dry_run = false;
    while let Some(field) = form.next_field().await.map_err(bad)? {
        match field.name().unwrap_or("") {
            "file" => {
                let name = field.file_name().unwrap_or("").to_owned();
                let bytes = field.bytes().await.map_err(bad)?;
                file = Some((name, bytes.to_vec()));
            }
            "dry_run" => {
                let v = field.text().await.map_err(bad)?;
                dry_run = matches!(v.trim(), "1" | "true" | "on");
            }
            _ => {}
        }
    }
    Ok((file, dry_run))
}

/// Runs an import for the signed-in user (their scope for need lines).
pub(crate) async fn run(
    state: &AppState,
    ctx: &Ctx,
    kind: Kind,
    bytes: &[u8],
    format: imports::Format,
    dry_run: bool,
) -> Result<Outcome, AppError> {
    let actor = actor_of(ctx);
    let now = Utc::now();
    let out = match kind {
        Kind::Needs => {
            let parsed = imports::parse_needs(bytes, format);
            let scope = ctx.actor.visibility();
            storage::import::needs::import(&state.db, &parsed, &scope, dry_run, &actor, now).await?
        }
        Kind::Donors => {
            let parsed = imports::parse_donors(bytes, format);
            storage::import::donors::import(&state.db, &parsed, dry_run, &actor, now).await?
        }
    };
    // Counts only: never a row's content in the logs.
    tracing::info!(
        what = kind.template(),
        rows = out.rows.len(),
        problems = out.problems.len(),
        warnings = out.warnings.len(),
        written = out.written,
        "import"
    );
    Ok(out)
}

async fn upload(
    state: &AppState,
    ctx: &Ctx,
    kind: Kind,
    form: Multipart,
) -> Result<Response, AppError> {
    kind.may(ctx)?;
    let lang = ctx.lang;
    let (file, dry_run) = read_form(form).await?;
    let refuse = |problems: Vec<String>, warnings: Vec<String>| {
        let mut resp = render(&ImportPage {
            problems,
            warnings,
            ..page(ctx, kind)
        })?;
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        Ok::<Response, AppError>(resp)
    };
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return refuse(vec![i18n::t(lang, "import-no-file")], Vec::new());
    };
    let Some(format) = imports::Format::from_file_name(&name) else {
        return refuse(vec![i18n::t(lang, "import-format")], Vec::new());
    };
    let out = run(state, ctx, kind, &bytes, format, dry_run).await?;
    let warnings = out.warnings.iter().map(|w| shown(lang, w)).collect();
    if out.is_refused() {
        let problems = out.problems.iter().map(|p| shown(lang, p)).collect();
        return refuse(problems, warnings);
    }
    let n = out.rows.len().to_string();
    let key = match (kind, out.written) {
        (Kind::Needs, true) => "needs-import-done",
        (Kind::Needs, false) => "needs-import-checked",
        (Kind::Donors, true) => "donors-import-done",
        (Kind::Donors, false) => "donors-import-checked",
    };
    render(&ImportPage {
        warnings,
        done: Some(Done {
            message: i18n::tf(lang, key, &[("count", n.as_str())]),
            written: out.written,
            rows: out.rows,
        }),
        ..page(ctx, kind)
    })
}
