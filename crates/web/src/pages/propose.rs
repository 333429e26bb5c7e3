//! "Propose": the allocation optimiser (B1, crate `allocation`) run over
//! committed money not yet allocated and the open gaps of verified or
//! published need lines. The coordinator reviews the proposal with its
//! explanations and accepts it: one transaction through the same overlap
//! guard as a hand allocation.
//!
//! Periods are encoded exactly in the optimiser's commune attribute: a need
//! line's "commune" is `unit|period`, and a pledge restricted by unit and/or
//! period lists exactly the `unit|period` keys it may serve.

use std::collections::{BTreeSet, HashMap};

use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use chrono::Utc;
use domain::authz::{Action, Target};
use storage::allocations::AllocationRequest;
use storage::needs::{NeedFilter, NeedRow};

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::state::AppState;
use crate::view::Page;

use super::classifications::actor_of;
use super::{render, see_other};

/// One proposed allocation, as shown.
pub struct Proposed {
    pub pledge_id: String,
    pub donor: String,
    pub need_id: String,
    pub need_label: String,
    pub amount: i64,
    pub priority: i64,
    pub why: String,
}

/// A need the proposal leaves short.
pub struct Short {
    pub need_label: String,
    pub missing: i64,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "propose.html")]
struct ProposePage {
    p: Page,
    items: Vec<Proposed>,
    short: Vec<Short>,
    total_gap: i64,
    available: i64,
    proposed: i64,
    gini: String,
    error: Option<String>,
}

/// The priority of a line: 3 in a commune classified khu vực III or xã
/// ĐBKK on the period's first day, 2 in khu vực II, else 1 — data, not a
/// constant (classifications are kept by coordinators).
fn priority(n: &NeedRow, classes: &[storage::classifications::Classification]) -> i64 {
    classes
        .iter()
        .filter(|c| {
            c.unit_code == n.unit_code
                && c.valid_from <= n.starts_on
                && c.valid_to.is_none_or(|t| n.starts_on < t)
        })
        .map(|c| match c.kind.as_str() {
            "khu_vuc_3" | "xa_dbkk" => 3,
            "khu_vuc_2" => 2,
            _ => 1,
        })
        .max()
        .unwrap_or(1)
}

struct Built {
    instance: allocation::Instance,
    lines: HashMap<String, NeedRow>,
    donors: HashMap<String, String>,
    available: i64,
}

async fn build(state: &AppState) -> Result<Built, AppError> {
    let classes = storage::classifications::list(&state.db, None).await?;
    let mut lines = HashMap::new();
    let mut needs = Vec::new();
    for n in storage::needs::list(
        &state.db,
        &domain::authz::Visibility::All,
        &NeedFilter::default(),
    )
    .await?
    {
        let gap = n.coverage().gap();
        if gap <= 0 || !(n.status == "verified" || n.status == "published") {
            continue;
        }
        needs.push(allocation::Need {
            id: n.id.clone(),
            commune: format!("{}|{}", n.unit_code, n.period_id),
            category: n.category.clone(),
            age_band: n.age_band.clone(),
            value: gap,
            priority: priority(&n, &classes),
        });
        lines.insert(n.id.clone(), n);
    }
    let keys: BTreeSet<(String, String)> = lines
        .values()
        .map(|n| (n.unit_code.clone(), n.period_id.clone()))
        .collect();
    let mut pledges = Vec::new();
    let mut donors = HashMap::new();
    let mut available = 0i64;
    for (p, used) in storage::donors::pledges(&state.db, None).await? {
        let remaining = p.amount.saturating_sub(used);
        if p.status != "committed" || remaining <= 0 {
            continue;
        }
        let r = p.restrictions();
        let communes = if r.unit_codes.is_none() && r.period_id.is_none() {
            None
        } else {
            let list: Vec<String> = keys
                .iter()
                .filter(|(u, per)| {
                    r.unit_codes.as_ref().is_none_or(|us| us.contains(u))
                        && r.period_id.as_ref().is_none_or(|x| x == per)
                })
                .map(|(u, per)| format!("{u}|{per}"))
                .collect();
            if list.is_empty() {
                continue;
            }
            Some(list)
        };
        let as_names = |v: Option<Vec<String>>| v.filter(|l| !l.is_empty());
        let donor = storage::donors::get(&state.db, &p.donor_id)
            .await?
            .map(|d| d.name)
            .unwrap_or_default();
        donors.insert(p.id.clone(), donor);
        available = available.saturating_add(remaining);
        pledges.push(allocation::Pledge {
            id: p.id.clone(),
            value: remaining,
            categories: as_names(
                r.categories
                    .map(|c| c.iter().map(|x| x.as_str().to_owned()).collect()),
            ),
            communes,
            age_bands: as_names(
                r.age_bands
                    .map(|a| a.iter().map(|x| x.as_str().to_owned()).collect()),
            ),
        });
    }
    Ok(Built {
        instance: allocation::Instance { needs, pledges },
        lines,
        donors,
        available,
    })
}

fn label(n: &NeedRow, lang: i18n::Lang) -> String {
    format!(
        "{} — {} — {}",
        n.site_name,
        i18n::t(lang, &format!("category-{}", n.category)),
        n.period_name
    )
}

async fn page(state: &AppState, ctx: &Ctx, error: Option<String>) -> Result<Response, AppError> {
    let built = build(state).await?;
    let lang = ctx.lang;
    let total_gap = built
        .instance
        .needs
        .iter()
        .fold(0i64, |a, n| a.saturating_add(n.value));
    let (items, short, gini) = if built.instance.needs.is_empty()
        || built.instance.pledges.is_empty()
    {
        (Vec::new(), Vec::new(), String::from("—"))
    } else {
        let answer = allocation::solve_with_report(&built.instance)
            .map_err(|e| AppError::bad("error-generic", e.to_string()))?;
        let report = answer.report;
        let whys: HashMap<(String, String), &allocation::AllocationWhy> = report
            .as_ref()
            .map(|r| {
                r.allocations
                    .iter()
                    .map(|w| ((w.pledge.clone(), w.need.clone()), w))
                    .collect()
            })
            .unwrap_or_default();
        let items = answer
            .allocations
            .iter()
            .filter_map(|a| {
                let n = built.lines.get(&a.need)?;
                let w = whys.get(&(a.pledge.clone(), a.need.clone()));
                let why = w.map_or_else(String::new, |w| {
                    let mut s = i18n::tf(
                        lang,
                        "propose-why",
                        &[
                            ("priority", &w.priority.to_string()),
                            ("marginal", &w.marginal_value.to_string()),
                        ],
                    );
                    if let Some(d) = &w.displaced
                        && let Some(other) = built.lines.get(&d.need)
                    {
                        s.push_str(&i18n::tf(
                            lang,
                            "propose-displaced",
                            &[("need", &label(other, lang))],
                        ));
                    }
                    s
                });
                Some(Proposed {
                    pledge_id: a.pledge.clone(),
                    donor: built.donors.get(&a.pledge).cloned().unwrap_or_default(),
                    need_id: a.need.clone(),
                    need_label: label(n, lang),
                    amount: a.value,
                    priority: w.map_or(1, |w| w.priority),
                    why,
                })
            })
            .collect();
        let short = report
            .as_ref()
            .map(|r| {
                r.uncovered
                    .iter()
                    .filter_map(|u| {
                        let n = built.lines.get(&u.need)?;
                        let reason = if u.reason == "no_eligible_pledge" {
                            i18n::t(lang, "propose-no-eligible")
                        } else {
                            let by: Vec<String> = u
                                .outranked_by
                                .iter()
                                .filter_map(|o| built.lines.get(&o.need).map(|x| label(x, lang)))
                                .collect();
                            i18n::tf(lang, "propose-outranked", &[("by", &by.join("; "))])
                        };
                        Some(Short {
                            need_label: label(n, lang),
                            missing: u.value.saturating_sub(u.covered),
                            reason,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let gini = report.as_ref().map_or_else(
            || "—".into(),
            |r| format!("{:.2}", r.summary.gini_commune_coverage),
        );
        (items, short, gini)
    };
    let proposed = items
        .iter()
        .fold(0i64, |a: i64, i: &Proposed| a.saturating_add(i.amount));
    render(&ProposePage {
        p: Page::new(ctx, "propose-title"),
        items,
        short,
        total_gap,
        available: built.available,
        proposed,
        gini,
        error,
    })
}

pub async fn show(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, AppError> {
    require(&ctx, Action::Allocate, Target::Anywhere)?;
    page(&state, &ctx, None).await
}

/// Accepts the reviewed proposal: the triples posted back (pledge, need,
/// amount) are allocated in one transaction through the overlap guard.
pub async fn accept(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> Result<Response, AppError> {
    require(&ctx, Action::Allocate, Target::Anywhere)?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    // Items (pledge|need) and their amounts come in the same order; the
    // coordinator may have lowered an amount, or set it to 0 to drop a row.
    let items: Vec<&String> = pairs
        .iter()
        .filter(|(k, _)| k == "item")
        .map(|(_, v)| v)
        .collect();
    let amounts: Vec<&String> = pairs
        .iter()
        .filter(|(k, _)| k == "amount")
        .map(|(_, v)| v)
        .collect();
    if items.len() != amounts.len() {
        return Err(AppError::bad("error-generic", "item/amount"));
    }
    let mut reqs = Vec::new();
    for (item, amount) in items.iter().zip(&amounts) {
        let Some((pledge, need)) = item.split_once('|') else {
            return Err(AppError::bad("error-generic", "item"));
        };
        let Ok(amount) = amount.trim().replace(['.', ','], "").parse::<i64>() else {
            let msg = i18n::t(ctx.lang, "allocation-error-amount");
            return page(&state, &ctx, Some(msg)).await;
        };
        if amount == 0 {
            continue;
        }
        reqs.push(AllocationRequest {
            need_line_id: need.to_owned(),
            pledge_id: pledge.to_owned(),
            amount,
            override_reason: None,
            may_override: false,
            is_demo: false,
        });
    }
    if reqs.is_empty() {
        return Ok(see_other("/allocations/propose"));
    }
    match storage::allocations::allocate_many(&state.db, &reqs, &actor_of(&ctx), Utc::now()).await?
    {
        Ok(_) => Ok(see_other("/needs")),
        Err((i, refusal)) => {
            let msg = i18n::tf(
                ctx.lang,
                "propose-refused",
                &[
                    ("n", &(i + 1).to_string()),
                    ("why", &super::needs::refusal_message(ctx.lang, &refusal)),
                ],
            );
            let mut resp = page(&state, &ctx, Some(msg)).await?;
            *resp.status_mut() = axum::http::StatusCode::CONFLICT;
            Ok(resp)
        }
    }
}
