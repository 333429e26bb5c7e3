//! What a donor's gifts became (issue 3, item 9): each pledge with its
//! instalments (overdue ones marked), its receipts, and every allocation
//! followed to its need line — delivered, accepted, and children served
//! as counts with small cells suppressed (`domain::disclosure`). Staff see
//! a donor's every pledge at `/donors/{id}/gifts` and set instalments
//! there; anyone holding a pledge's link sees that pledge at
//! `/p/{id}/gifts`, without the donor's name unless they consented, and
//! never another donor or a child.

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::response::Response;
use chrono::{NaiveDate, Utc};
use domain::authz::{Action, Target, authorize};
use domain::disclosure::THRESHOLD;
use domain::needs::instalments::Instalment;
use serde::Deserialize;
use storage::donors::Pledge;
use storage::gifts::GiftLine;
use storage::tables::ReceiptLine;

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::state::AppState;
use crate::view::Page;

use super::classifications::actor_of;
use super::portal::cell_text;
use super::{parse_date, render, see_other};

/// An instalment as shown: amount, due date, overdue today.
pub struct InstalmentView {
    pub amount: i64,
    pub due_on: NaiveDate,
    pub overdue: bool,
}

/// One allocation as shown, with its children count already suppressed.
pub struct GiftView {
    pub line: GiftLine,
    pub children: String,
}

/// One pledge and what it became.
pub struct PledgeGifts {
    pub pledge: Pledge,
    pub received: i64,
    pub instalments: Vec<InstalmentView>,
    /// What is missing of the instalments (or due date) passed.
    pub overdue: Option<(NaiveDate, i64)>,
    pub receipts: Vec<ReceiptLine>,
    pub gifts: Vec<GiftView>,
    pub children_total: String,
    /// The schedule as typed in the form (`amount; dd/mm/yyyy` a line).
    pub schedule_text: String,
}

/// Marks each instalment overdue if it is due before today and not covered
/// by what was received (receipts fill instalments in due order).
fn instalment_views(
    schedule: &[Instalment],
    received: i64,
    today: NaiveDate,
) -> Vec<InstalmentView> {
    let mut cumulative: i64 = 0;
    schedule
        .iter()
        .map(|i| {
            cumulative = cumulative.saturating_add(i.amount);
            InstalmentView {
                amount: i.amount,
                due_on: i.due_on,
                overdue: i.due_on < today && cumulative > received,
            }
        })
        .collect()
}

/// Children served per allocation, suppressed as on public pages: a
/// one-column table whose column total is the pledge's total.
fn suppressed(gifts: Vec<GiftLine>) -> Result<(Vec<GiftView>, String), AppError> {
    let counts: Vec<Vec<u64>> = gifts
        .iter()
        .map(|g| vec![u64::try_from(g.children_served).unwrap_or(0)])
        .collect();
    if counts.is_empty() {
        return Ok((Vec::new(), cell_text(domain::disclosure::Cell::Shown(0))));
    }
    let protected = domain::disclosure::protect(&counts, THRESHOLD)
        .map_err(|e| AppError::bad("error-generic", e.to_string()))?;
    let views = gifts
        .into_iter()
        .zip(&protected.cells)
        .map(|(line, cells)| GiftView {
            line,
            children: cells.first().map(|c| cell_text(*c)).unwrap_or_default(),
        })
        .collect();
    Ok((views, cell_text(protected.grand_total)))
}

pub(crate) async fn pledge_gifts(
    state: &AppState,
    pledge: Pledge,
    today: NaiveDate,
    with_receipts: bool,
) -> Result<PledgeGifts, AppError> {
    let receipts: Vec<ReceiptLine> = storage::tables::receipts(&state.db, Some(&pledge.donor_id))
        .await?
        .into_iter()
        .filter(|r| r.pledge_id == pledge.id)
        .collect();
    let received = receipts
        .iter()
        .fold(0i64, |a, r| a.saturating_add(r.amount));
    let schedule = storage::instalments::of_pledge(&state.db, &pledge.id).await?;
    let effective: Vec<Instalment> = if schedule.is_empty() {
        pledge
            .due_on
            .map(|due_on| Instalment {
                amount: pledge.amount,
                due_on,
            })
            .into_iter()
            .collect()
    } else {
        schedule.clone()
    };
    let live = pledge.status != "cancelled" && pledge.origin != "public";
    let overdue = live
        .then(|| domain::needs::instalments::overdue(&effective, received, today))
        .flatten();
    let gifts = storage::gifts::of_donor(&state.db, &pledge.donor_id, Some(&pledge.id)).await?;
    let (gifts, children_total) = suppressed(gifts)?;
    let schedule_text = schedule
        .iter()
        .map(|i| format!("{}; {}", i.amount, i.due_on.format("%d/%m/%Y")))
        .collect::<Vec<_>>()
        .join("\n");
    Ok(PledgeGifts {
        instalments: instalment_views(&schedule, received, today),
        received,
        overdue,
        receipts: if with_receipts { receipts } else { Vec::new() },
        gifts,
        children_total,
        schedule_text,
        pledge,
    })
}

#[derive(Template)]
#[template(path = "gifts.html")]
struct GiftsPage {
    p: Page,
    donor_id: String,
    donor_name: Option<String>,
    pledges: Vec<PledgeGifts>,
    /// The public view: no receipts' accounts, no forms.
    public: bool,
    /// A refused schedule: (pledge, message, what was typed).
    error: Option<(String, String, String)>,
}

async fn donor_page(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    error: Option<(String, String, String)>,
) -> Result<Response, AppError> {
    require(ctx, Action::ManageDonors, Target::Anywhere)?;
    let donor = storage::donors::get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let today = Utc::now().date_naive();
    let mut pledges = Vec::new();
    for (pledge, _) in storage::donors::pledges(&state.db, Some(id)).await? {
        pledges.push(pledge_gifts(state, pledge, today, true).await?);
    }
    render(&GiftsPage {
        p: Page::new(ctx, "gifts-title"),
        donor_id: donor.id.clone(),
        donor_name: Some(donor.name),
        pledges,
        public: false,
        error,
    })
}

/// `/donors/{id}/gifts`: every pledge of a donor and what it became.
pub async fn donor(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    donor_page(&state, &ctx, &id, None).await
}

/// `/p/{id}/gifts`: one pledge and what it became, for anyone with its link.
pub async fn pledge(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ViewPublic, Target::Anywhere)?;
    let pledge = storage::donors::pledge(&state.db, &id)
        .await?
        .filter(|p| p.status != "cancelled")
        .ok_or(AppError::NotFound)?;
    let staff = authorize(&ctx.actor, Action::ManageDonors, Target::Anywhere).is_ok();
    let donor = storage::donors::get(&state.db, &pledge.donor_id).await?;
    let donor_name = donor.and_then(|d| {
        if staff {
            Some(d.name)
        } else {
            d.public_name().map(str::to_owned)
        }
    });
    let donor_id = pledge.donor_id.clone();
    let today = Utc::now().date_naive();
    let gifts = pledge_gifts(&state, pledge, today, false).await?;
    render(&GiftsPage {
        p: Page::new(&ctx, "gifts-title"),
        donor_id: if staff { donor_id } else { String::new() },
        donor_name,
        pledges: vec![gifts],
        public: true,
        error: None,
    })
}

#[derive(Deserialize, Default)]
pub struct ScheduleForm {
    #[serde(default)]
    schedule: String,
}

/// Parses `amount; dd/mm/yyyy` lines (amounts may be written 1.200.000 or
/// 1,200,000). `Err(line number)` names the first bad line.
pub(crate) fn parse_schedule(text: &str) -> Result<Vec<Instalment>, usize> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        let mut parts = raw.splitn(2, [';', '\t']);
        let amount = parts
            .next()
            .map(|a| a.trim().replace(['.', ',', ' '], ""))
            .and_then(|a| a.parse::<i64>().ok());
        let due_on = parts.next().and_then(parse_date);
        match (amount, due_on) {
            (Some(amount), Some(due_on)) => out.push(Instalment { amount, due_on }),
            _ => return Err(i + 1),
        }
    }
    Ok(out)
}

/// `POST /pledges/{id}/instalments`: replaces a pledge's instalments.
pub async fn set_instalments(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(form): Form<ScheduleForm>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ManageDonors, Target::Anywhere)?;
    let pledge = storage::donors::pledge(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let refuse = |msg: String| Some((id.clone(), msg, form.schedule.clone()));
    let items = match parse_schedule(&form.schedule) {
        Ok(items) => items,
        Err(line) => {
            let line = line.to_string();
            let msg = i18n::tf(
                ctx.lang,
                "instalment-error-line",
                &[("line", line.as_str())],
            );
            return donor_page(&state, &ctx, &pledge.donor_id, refuse(msg)).await;
        }
    };
    match storage::instalments::set(&state.db, &id, &items, &actor_of(&ctx), Utc::now()).await? {
        Ok(()) => Ok(see_other(&format!("/donors/{}/gifts", pledge.donor_id))),
        Err(e) => {
            let sum = match e {
                storage::instalments::ScheduleRefusal::Invalid(
                    domain::needs::instalments::ScheduleError::WrongSum(s),
                ) => i18n::format_vnd(s),
                _ => String::new(),
            };
            let msg = i18n::tf(ctx.lang, e.message_key(), &[("sum", sum.as_str())]);
            donor_page(&state, &ctx, &pledge.donor_id, refuse(msg)).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_are_read_with_vietnamese_numbers_and_dates_and_name_the_bad_line() {
        let s = parse_schedule("1.200.000; 01/12/2026\n\n800,000;2027-01-15\n").expect("valid");
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].amount, 1_200_000);
        assert_eq!(s[1].amount, 800_000);
        assert_eq!(
            s[1].due_on,
            NaiveDate::from_ymd_opt(2027, 1, 15).expect("date")
        );
        assert_eq!(parse_schedule("100; 01/12/2026\nabc; 02/12/2026"), Err(2));
        assert_eq!(parse_schedule("100; 31/02/2026"), Err(1));
    }
}
