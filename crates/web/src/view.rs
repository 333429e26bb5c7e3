//! What every page template receives: the request's language, the user,
//! the CSRF token, the navigation — and helpers to translate and format.

use askama::Template;
use chrono::{DateTime, NaiveDate, Utc};
use domain::authz::{Action, Role, Target, authorize};
use i18n::{Lang, t};

use crate::context::Ctx;

/// Page chrome, shared by every template as `p`.
pub struct Page {
    pub lang: Lang,
    pub title: String,
    pub user_name: Option<String>,
    pub role: Role,
    pub csrf: String,
    pub path: String,
    pub nav: Vec<(String, &'static str, bool)>,
    pub css: &'static str,
}

impl Page {
    pub fn new(ctx: &Ctx, title_key: &str) -> Page {
        let lang = ctx.lang;
        let actor = &ctx.actor;
        let can = |a: Action| authorize(actor, a, Target::Anywhere).is_ok();
        let mut nav: Vec<(String, &'static str)> = Vec::new();
        if ctx.user.is_some() {
            nav.push(("/home".into(), "nav-home"));
        }
        nav.push(("/needs".into(), "nav-needs"));
        nav.push(("/portal".into(), "nav-portal"));
        if can(Action::ManageDonors) {
            nav.push(("/donors".into(), "nav-donors"));
        }
        if can(Action::ViewChildCounts) {
            nav.push(("/children".into(), "nav-children"));
        }
        if can(Action::Allocate) {
            nav.push(("/statements".into(), "nav-statements"));
        }
        if can(Action::ViewUnitData) {
            nav.push(("/flows".into(), "nav-flows"));
            nav.push(("/plans".into(), "nav-plans"));
            nav.push(("/reports".into(), "nav-reports"));
        }
        if can(Action::ApproveReport) {
            nav.push(("/reporting".into(), "nav-reporting"));
        }
        if can(Action::ExportReports) {
            nav.push(("/reporting/figures".into(), "nav-figures"));
        }
        nav.push(("/catalogue".into(), "nav-catalogue"));
        nav.push(("/units".into(), "nav-units"));
        if can(Action::ViewOrganisations) {
            nav.push(("/organisations".into(), "nav-organisations"));
        }
        nav.push(("/classifications".into(), "nav-classifications"));
        if can(Action::ViewAudit) {
            nav.push(("/audit".into(), "nav-audit"));
        }
        if can(Action::ManageUsers) {
            nav.push(("/admin/users".into(), "nav-users"));
        }
        let nav = nav
            .into_iter()
            .map(|(href, key)| {
                let active = ctx.path == href || (href != "/home" && ctx.path.starts_with(&href));
                (href, key, active)
            })
            .collect();
        Page {
            lang,
            title: t(lang, title_key),
            user_name: ctx.user.as_ref().map(|u| u.display_name.clone()),
            role: actor.role,
            csrf: ctx.csrf.clone().unwrap_or_default(),
            path: ctx.path_and_query.clone(),
            nav,
            css: crate::statics::css_path(),
        }
    }

    pub fn t(&self, key: &str) -> String {
        t(self.lang, key)
    }

    /// The message `prefix` + `value` (e.g. `category-` + `nutrition`).
    pub fn tp(&self, prefix: &str, value: &str) -> String {
        t(self.lang, &format!("{prefix}{value}"))
    }

    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }

    pub fn other_lang(&self) -> &'static str {
        self.lang.other().code()
    }

    pub fn role_key(&self) -> String {
        format!("role-{}", self.role.as_str())
    }

    pub fn date(&self, d: &NaiveDate) -> String {
        i18n::format_date(*d)
    }

    pub fn opt_date(&self, d: &Option<NaiveDate>) -> String {
        d.map(i18n::format_date).unwrap_or_else(|| "—".into())
    }

    /// A start date; none means the unit existed before the records begin.
    pub fn start_date(&self, d: &Option<NaiveDate>) -> String {
        d.map(i18n::format_date)
            .unwrap_or_else(|| t(self.lang, "before-records"))
    }

    /// An end date; none means still in force.
    pub fn until_date(&self, d: &Option<NaiveDate>) -> String {
        d.map(i18n::format_date)
            .unwrap_or_else(|| t(self.lang, "still-in-force"))
    }

    pub fn datetime(&self, at: &DateTime<Utc>) -> String {
        i18n::format_datetime(*at)
    }

    pub fn int(&self, n: impl Whole) -> String {
        i18n::format_int(n.whole())
    }

    /// Money: `1.234.567 ₫`.
    pub fn vnd(&self, n: impl Whole) -> String {
        i18n::format_vnd(n.whole())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub p: Page,
    pub status: u16,
    pub message: String,
    pub error_id: Option<String>,
}

impl ErrorPage {
    pub fn new(ctx: &Ctx, status: u16, message: String, error_id: Option<String>) -> Self {
        let key = match status {
            401 => "error-401-title",
            403 => "error-403-title",
            404 => "error-404-title",
            400 | 422 => "error-400-title",
            409 => "error-409-title",
            429 => "error-429-title",
            _ => "error-500-title",
        };
        ErrorPage {
            p: Page::new(ctx, key),
            status,
            message,
            error_id,
        }
    }

    pub fn render_html(&self) -> Result<String, askama::Error> {
        self.render()
    }
}

/// A whole number as templates hand it over: by value or through any
/// number of references.
pub trait Whole {
    fn whole(&self) -> i64;
}

impl Whole for i64 {
    fn whole(&self) -> i64 {
        *self
    }
}

impl<T: Whole + ?Sized> Whole for &T {
    fn whole(&self) -> i64 {
        (**self).whole()
    }
}
