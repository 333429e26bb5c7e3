//! "Propose": the allocation optimiser (B1, crate `allocation`) run over
//! committed money not yet allocated and the open gaps of verified or
//! published need lines. The coordinator reviews the proposal with its
//! explanations and accepts it: one transaction through the same overlap
//! guard as a hand allocation.
//!
//! Periods and age bands are encoded exactly in the optimiser's commune
//! attribute: a need line's "commune" is `unit|period|band`, and a pledge
//! restricted by unit, period and/or age band lists exactly the keys it may
//! serve. (The optimiser's own format knows only the plan's three bands; a
//! band the coordinator added is thus respected as exactly as the others.)
//!
//! Two modes (radio `fairness`): the priority objective (default, exact) and
//! "max–min fairness by commune" (`fairness=maxmin`: an LP that first lifts
//! the least-covered commune — the unit, all periods together — as high as
//! possible, then maximises the objective). Both are computed on every view
//! so that coverage per commune and the Gini of the two can be compared.

use std::collections::{BTreeSet, HashMap};

use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::Utc;
use domain::authz::{Action, Target};
use storage::allocations::{AllocationRequest, ProposalRefusal};
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
    pub need_id: String,
    pub need_label: String,
    pub missing: i64,
    pub reason: String,
}

/// Coverage of one commune (unit) under both modes.
pub struct CommuneRow {
    pub code: String,
    pub name: String,
    pub gap: i64,
    pub priority: i64,
    pub priority_pct: String,
    pub maxmin: i64,
    pub maxmin_pct: String,
}

/// Figures of one mode over all communes.
pub struct ModeFigures {
    pub gini: String,
    pub min_coverage: String,
    pub proposed: i64,
    pub objective: i64,
}

#[derive(Template)]
#[template(path = "propose.html")]
struct ProposePage {
    p: Page,
    maxmin: bool,
    /// The max–min LP did not answer in time: only the priority proposal.
    maxmin_failed: bool,
    items: Vec<Proposed>,
    short: Vec<Short>,
    total_gap: i64,
    available: i64,
    proposed: i64,
    gini: String,
    communes: Vec<CommuneRow>,
    fig_priority: ModeFigures,
    fig_maxmin: ModeFigures,
    /// What the max–min floor is and which communes bind or are left out.
    floor_note: String,
    /// One token per proposal shown: accepting it twice adds nothing.
    token: String,
    error: Option<String>,
}

/// `?fairness=maxmin` selects the max–min mode.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ModeQuery {
    #[serde(default)]
    pub fairness: Option<String>,
}

/// Seconds each max–min LP may take on the propose page.
const MAXMIN_TIME_LIMIT_S: f64 = 20.0;

pub(crate) fn is_maxmin(v: Option<&str>) -> bool {
    v == Some("maxmin")
}

/// The unit (commune) of the optimiser's `unit|period|band` key.
fn unit_of(key: &str) -> String {
    key.split('|').next().unwrap_or(key).to_owned()
}

fn pct(a: i64, b: i64) -> String {
    if b <= 0 {
        "—".into()
    } else {
        format!("{:.1} %", 100.0 * a as f64 / b as f64)
    }
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
            commune: format!("{}|{}|{}", n.unit_code, n.period_id, n.age_band),
            category: n.category.clone(),
            // The band is in the key; the optimiser's own attribute (which
            // knows only the plan's three bands) is left unrestricted.
            age_band: "other".to_owned(),
            value: gap,
            priority: priority(&n, &classes),
        });
        lines.insert(n.id.clone(), n);
    }
    let keys: BTreeSet<(String, String, String)> = lines
        .values()
        .map(|n| (n.unit_code.clone(), n.period_id.clone(), n.age_band.clone()))
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
        let communes = if r.unit_codes.is_none() && r.period_id.is_none() && r.age_bands.is_none() {
            None
        } else {
            let list: Vec<String> = keys
                .iter()
                .filter(|(u, per, band)| {
                    r.unit_codes.as_ref().is_none_or(|us| us.contains(u))
                        && r.period_id.as_ref().is_none_or(|x| x == per)
                        && r.age_bands
                            .as_ref()
                            .is_none_or(|bs| bs.iter().any(|b| b.as_str() == band))
                })
                .map(|(u, per, band)| format!("{u}|{per}|{band}"))
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
            age_bands: None,
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

/// Allocated per unit (commune) by an answer.
fn per_unit(built: &Built, answer: Option<&allocation::Answer>) -> HashMap<String, i64> {
    let mut out: HashMap<String, i64> = HashMap::new();
    for a in answer.map(|a| a.allocations.as_slice()).unwrap_or_default() {
        if let Some(n) = built.lines.get(&a.need) {
            *out.entry(n.unit_code.clone()).or_default() += a.value;
        }
    }
    out
}

/// Gini and minimum of the coverage ratios of the communes (units) that
/// some pledge may serve.
fn figures(
    answer: Option<&allocation::Answer>,
    got: &HashMap<String, i64>,
    gaps: &[(String, i64)],
    served: &BTreeSet<String>,
) -> ModeFigures {
    let ratios: Vec<f64> = gaps
        .iter()
        .filter(|(u, _)| served.contains(u))
        .map(|(u, g)| got.get(u).copied().unwrap_or(0) as f64 / (*g).max(1) as f64)
        .collect();
    let min = ratios.iter().copied().reduce(f64::min);
    if answer.is_none() {
        return ModeFigures {
            gini: "—".into(),
            min_coverage: "—".into(),
            proposed: 0,
            objective: 0,
        };
    }
    ModeFigures {
        gini: if ratios.is_empty() {
            "—".into()
        } else {
            format!("{:.2}", allocation::gini(&ratios))
        },
        min_coverage: min.map_or_else(|| "—".into(), |m| format!("{:.1} %", 100.0 * m)),
        proposed: got.values().fold(0i64, |a, v| a.saturating_add(*v)),
        objective: answer.map_or(0, |a| a.objective),
    }
}

/// A proposal computed (both modes), ready to be shown or answered as JSON.
pub(crate) struct Computed {
    pub maxmin: bool,
    pub maxmin_failed: bool,
    pub items: Vec<Proposed>,
    pub short: Vec<Short>,
    pub total_gap: i64,
    pub available: i64,
    pub proposed: i64,
    pub gini: String,
    pub communes: Vec<CommuneRow>,
    pub fig_priority: ModeFigures,
    pub fig_maxmin: ModeFigures,
    pub floor_note: String,
}

/// Runs the optimiser over committed money not yet allocated and the open
/// gaps, in both modes; `maxmin` chooses which proposal is returned.
pub(crate) async fn compute(
    state: &AppState,
    lang: i18n::Lang,
    maxmin: bool,
) -> Result<Computed, AppError> {
    let built = build(state).await?;
    let total_gap = built
        .instance
        .needs
        .iter()
        .fold(0i64, |a, n| a.saturating_add(n.value));
    let empty = built.instance.needs.is_empty() || built.instance.pledges.is_empty();
    let mut maxmin_failed = false;
    // Both modes, so that the coordinator can compare them.
    let (by_priority, by_maxmin) = if empty {
        (None, None)
    } else {
        let p = allocation::solve_with_report(&built.instance)
            .map_err(|e| AppError::bad("error-generic", e.to_string()))?;
        // The max–min LP must not hold the page: past the time limit (or
        // on an LP failure) the priority proposal is still shown, and the
        // max–min column says it is unavailable.
        let m =
            allocation::solve_maxmin_grouped(&built.instance, &unit_of, Some(MAXMIN_TIME_LIMIT_S));
        match m {
            Ok(m) => (Some(p), Some(m)),
            Err(allocation::FairnessError::Invalid(e)) => {
                return Err(AppError::bad("error-generic", e.to_string()));
            }
            Err(e @ allocation::FairnessError::Lp { .. }) => {
                tracing::warn!(error = %e, "max-min fairness LP unavailable");
                maxmin_failed = true;
                (Some(p), None)
            }
        }
    };
    // Without the max–min answer, the page shows the priority proposal.
    let maxmin = maxmin && !maxmin_failed;
    let got_p = per_unit(&built, by_priority.as_ref());
    let got_m = per_unit(&built, by_maxmin.as_ref());
    let mut gap_by_unit: std::collections::BTreeMap<String, (i64, chrono::NaiveDate)> =
        std::collections::BTreeMap::new();
    for n in built.lines.values() {
        let e = gap_by_unit
            .entry(n.unit_code.clone())
            .or_insert((0, n.starts_on));
        e.0 = e.0.saturating_add(n.coverage().gap());
    }
    let gaps: Vec<(String, i64)> = gap_by_unit
        .iter()
        .map(|(u, (g, _))| (u.clone(), *g))
        .collect();
    let fair = by_maxmin
        .as_ref()
        .and_then(|a| a.report.as_ref())
        .and_then(|r| r.fairness.clone());
    let excluded: BTreeSet<String> = fair
        .as_ref()
        .map(|f| f.excluded.iter().cloned().collect())
        .unwrap_or_default();
    let served: BTreeSet<String> = gaps
        .iter()
        .map(|(u, _)| u.clone())
        .filter(|u| !excluded.contains(u) && !empty)
        .collect();
    let fig_priority = figures(by_priority.as_ref(), &got_p, &gaps, &served);
    let fig_maxmin = figures(by_maxmin.as_ref(), &got_m, &gaps, &served);
    let mut names: HashMap<String, String> = HashMap::new();
    for (u, (_, on)) in &gap_by_unit {
        // The name the code bore then, or its closest version (a commune
        // merged since still has a name, never a bare code).
        let name = storage::admin_units::name_at(&state.db, u, *on)
            .await?
            .map_or_else(|| u.clone(), |x| x.name);
        names.insert(u.clone(), name);
    }
    let name_of = |u: &String| names.get(u).cloned().unwrap_or_else(|| u.clone());
    let communes: Vec<CommuneRow> = gaps
        .iter()
        .map(|(u, g)| {
            let a = got_p.get(u).copied().unwrap_or(0);
            let b = got_m.get(u).copied().unwrap_or(0);
            CommuneRow {
                code: u.clone(),
                name: name_of(u),
                gap: *g,
                priority: a,
                priority_pct: pct(a, *g),
                maxmin: b,
                maxmin_pct: if by_maxmin.is_some() {
                    pct(b, *g)
                } else {
                    "—".into()
                },
            }
        })
        .collect();
    let floor_note = match fair
        .as_ref()
        .and_then(|f| f.lp_min_coverage.map(|t| (f, t)))
    {
        None => String::new(),
        Some((f, t)) => {
            let list = |v: &[String]| v.iter().map(&name_of).collect::<Vec<_>>().join(", ");
            let mut s = i18n::tf(
                lang,
                "propose-maxmin-floor",
                &[
                    ("pct", &format!("{:.1}", 100.0 * t)),
                    ("binding", &list(&f.binding)),
                ],
            );
            if !f.excluded.is_empty() {
                s.push(' ');
                s.push_str(&i18n::tf(
                    lang,
                    "propose-maxmin-excluded",
                    &[("communes", &list(&f.excluded))],
                ));
            }
            s
        }
    };
    let chosen = if maxmin { by_maxmin } else { by_priority };
    let (items, short, gini) = match chosen {
        None => (Vec::new(), Vec::new(), String::from("—")),
        Some(answer) => {
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
                            s.push(' ');
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
                            } else if u.reason == "fairness_floor" {
                                i18n::t(lang, "propose-floor-reason")
                            } else {
                                let by: Vec<String> = u
                                    .outranked_by
                                    .iter()
                                    .filter_map(|o| {
                                        built.lines.get(&o.need).map(|x| label(x, lang))
                                    })
                                    .collect();
                                i18n::tf(lang, "propose-outranked", &[("by", &by.join("; "))])
                            };
                            Some(Short {
                                need_id: n.id.clone(),
                                need_label: label(n, lang),
                                missing: u.value.saturating_sub(u.covered),
                                reason,
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            let gini = if maxmin {
                fig_maxmin.gini.clone()
            } else {
                fig_priority.gini.clone()
            };
            (items, short, gini)
        }
    };
    let proposed = items
        .iter()
        .fold(0i64, |a: i64, i: &Proposed| a.saturating_add(i.amount));
    let floor_note = if maxmin_failed {
        i18n::t(lang, "propose-maxmin-unavailable")
    } else {
        floor_note
    };
    Ok(Computed {
        maxmin,
        maxmin_failed,
        items,
        short,
        total_gap,
        available: built.available,
        proposed,
        gini,
        communes,
        fig_priority,
        fig_maxmin,
        floor_note,
    })
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    error: Option<String>,
    maxmin: bool,
) -> Result<Response, AppError> {
    let c = compute(state, ctx.lang, maxmin).await?;
    render(&ProposePage {
        p: Page::new(ctx, "propose-title"),
        maxmin: c.maxmin,
        maxmin_failed: c.maxmin_failed,
        items: c.items,
        short: c.short,
        total_gap: c.total_gap,
        available: c.available,
        proposed: c.proposed,
        gini: c.gini,
        communes: c.communes,
        fig_priority: c.fig_priority,
        fig_maxmin: c.fig_maxmin,
        floor_note: c.floor_note,
        token: storage::new_id(),
        error,
    })
}

pub async fn show(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<ModeQuery>,
) -> Result<Response, AppError> {
    require(&ctx, Action::Allocate, Target::Anywhere)?;
    page(&state, &ctx, None, is_maxmin(q.fairness.as_deref())).await
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
    let maxmin = is_maxmin(
        pairs
            .iter()
            .find(|(k, _)| k == "fairness")
            .map(|(_, v)| v.as_str()),
    );
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
            return page(&state, &ctx, Some(msg), maxmin).await;
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
    let token = pairs
        .iter()
        .find(|(k, _)| k == "proposal")
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| AppError::bad("error-generic", "proposal"))?;
    let mode = if maxmin { "maxmin" } else { "priority" };
    match storage::allocations::accept_proposal(
        &state.db,
        &token,
        mode,
        &reqs,
        &actor_of(&ctx),
        Utc::now(),
    )
    .await?
    {
        Ok(_) => Ok(see_other("/needs")),
        Err(refusal) => {
            let msg = match refusal {
                ProposalRefusal::AlreadyAccepted => i18n::t(ctx.lang, "propose-already-accepted"),
                ProposalRefusal::Item(i, refusal) => i18n::tf(
                    ctx.lang,
                    "propose-refused",
                    &[
                        ("n", &(i + 1).to_string()),
                        ("why", &super::needs::refusal_message(ctx.lang, &refusal)),
                    ],
                ),
            };
            let mut resp = page(&state, &ctx, Some(msg), maxmin).await?;
            *resp.status_mut() = axum::http::StatusCode::CONFLICT;
            Ok(resp)
        }
    }
}
