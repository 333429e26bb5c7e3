//! Stores (kho) in the browser: the list of stores the reader may see with
//! a form to open one, and a page per store with its current stock —
//! computed from its movements, never typed — the history of movements,
//! and the adjustment and stocktake forms.
//!
//! Who: anyone who reads unit data sees the stores of their scope (a
//! city-wide store, scoped to the province, only the city-wide roles);
//! `ManageStock` (the coordinator, the commune's officers) opens stores and
//! records adjustments and counts.

use askama::Template;
use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use domain::authz::{Action, Target, authorize};
use domain::needs::stock::StockError;
use storage::organisations::{OrgFilter, Organisation};
use storage::stock::{Adjustment, Counted, NewStore, StockEvent, StockLevel, StockRefusal, Store};

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::state::AppState;
use crate::view::Page;

use super::classifications::actor_of;
use super::deliveries::today;
use super::{parse_date, render, see_other};

/// A stock refusal in words, with its numbers.
pub(crate) fn stock_message(lang: i18n::Lang, e: &StockError) -> String {
    match e {
        StockError::Beyond { item, available } => i18n::tf(
            lang,
            e.message_key(),
            &[("item", item), ("available", &i18n::format_int(*available))],
        ),
        _ => i18n::t(lang, e.message_key()),
    }
}

pub(crate) fn refusal_message(lang: i18n::Lang, r: &StockRefusal) -> String {
    match r {
        StockRefusal::Rules(e) => stock_message(lang, e),
        StockRefusal::Receipt(storage::receipts::ReceiptRefusal::BeyondCommitment {
            remaining,
        }) => i18n::tf(
            lang,
            r.message_key(),
            &[("remaining", &i18n::format_vnd(*remaining))],
        ),
        _ => i18n::t(lang, r.message_key()),
    }
}

pub(crate) fn refusal_status(r: &StockRefusal) -> StatusCode {
    match r {
        StockRefusal::Rules(StockError::Beyond { .. }) => StatusCode::CONFLICT,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// A whole number as typed, with its sign ("-3", "1.200"); `None` when
/// empty or not a number.
fn signed(raw: &str) -> Option<i64> {
    let cleaned = raw.trim().replace(['.', ',', ' '], "").replace('−', "-");
    if cleaned.is_empty() {
        return None;
    }
    cleaned.trim_start_matches('+').parse().ok()
}

#[derive(Template)]
#[template(path = "stores.html")]
struct StoresPage {
    p: Page,
    stores: Vec<Store>,
    owners: Vec<Organisation>,
    can_manage: bool,
    error: Option<String>,
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    error: Option<(StatusCode, String)>,
) -> Result<Response, AppError> {
    let can_manage = authorize(&ctx.actor, Action::ManageStock, Target::Anywhere).is_ok();
    let owners = if can_manage {
        storage::organisations::list(&state.db, &ctx.actor.visibility(), &OrgFilter::default())
            .await?
            .into_iter()
            .filter(|o| o.valid_to.is_none())
            .collect()
    } else {
        Vec::new()
    };
    let (code, error) = match error {
        Some((c, m)) => (c, Some(m)),
        None => (StatusCode::OK, None),
    };
    let mut resp = render(&StoresPage {
        p: Page::new(ctx, "stores-title"),
        stores: storage::stock::stores(&state.db, &ctx.actor.visibility()).await?,
        owners,
        can_manage,
        error,
    })?;
    *resp.status_mut() = code;
    Ok(resp)
}

pub async fn list(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ViewUnitData, Target::Anywhere)?;
    list_page(&state, &ctx, None).await
}

/// Opens a store for an organisation in the actor's scope.
pub async fn create(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ManageStock, Target::Anywhere)?;
    let org = storage::organisations::get(&state.db, field(&fields, "org_id")).await?;
    let Some(org) = org else {
        let msg = i18n::t(ctx.lang, "stock-error-org");
        return list_page(&state, &ctx, Some((StatusCode::UNPROCESSABLE_ENTITY, msg))).await;
    };
    let unit = org
        .unit_code
        .clone()
        .unwrap_or_else(|| storage::admin_units::PROVINCE.to_owned());
    require(&ctx, Action::ManageStock, Target::Unit(&unit))?;
    let new = NewStore {
        org_id: org.id,
        name: field(&fields, "name").to_owned(),
        address: field(&fields, "address").to_owned(),
        is_demo: false,
    };
    match storage::stock::create_store(&state.db, &new, &actor_of(&ctx), Utc::now()).await? {
        Ok(s) => Ok(see_other(&format!("/stores/{}", s.id))),
        Err(r) => {
            let msg = refusal_message(ctx.lang, &r);
            list_page(&state, &ctx, Some((refusal_status(&r), msg))).await
        }
    }
}

#[derive(Template)]
#[template(path = "store.html")]
struct StorePage {
    p: Page,
    store: Store,
    owner: String,
    levels: Vec<StockLevel>,
    events: Vec<StockEvent>,
    can_manage: bool,
    error: Option<String>,
    today: String,
}

async fn store_or_404(state: &AppState, id: &str) -> Result<Store, AppError> {
    storage::stock::get_store(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn store_page(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    error: Option<(StatusCode, String)>,
) -> Result<Response, AppError> {
    let store = store_or_404(state, id).await?;
    require(ctx, Action::ViewUnitData, Target::Unit(&store.unit_code))?;
    let owner = storage::organisations::get(&state.db, &store.org_id)
        .await?
        .map_or_else(|| store.org_id.clone(), |o| o.name);
    let (code, error) = match error {
        Some((c, m)) => (c, Some(m)),
        None => (StatusCode::OK, None),
    };
    let mut resp = render(&StorePage {
        p: Page::new(ctx, "store-title"),
        owner,
        levels: storage::stock::levels(&state.db, id).await?,
        events: storage::stock::events(&state.db, id).await?,
        can_manage: authorize(
            &ctx.actor,
            Action::ManageStock,
            Target::Unit(&store.unit_code),
        )
        .is_ok(),
        error,
        today: today().to_string(),
        store,
    })?;
    *resp.status_mut() = code;
    Ok(resp)
}

pub async fn show(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ViewUnitData, Target::Anywhere)?;
    store_page(&state, &ctx, &id, None).await
}

/// Answers a refusal on the store's page.
async fn refused(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    r: &StockRefusal,
) -> Result<Response, AppError> {
    let msg = refusal_message(ctx.lang, r);
    store_page(state, ctx, id, Some((refusal_status(r), msg))).await
}

/// Records an adjustment with its reason.
pub async fn adjust(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ManageStock, Target::Anywhere)?;
    let store = store_or_404(&state, &id).await?;
    require(&ctx, Action::ManageStock, Target::Unit(&store.unit_code))?;
    let Some(change) = signed(field(&fields, "change")) else {
        return refused(&state, &ctx, &id, &StockError::NoChange.into()).await;
    };
    let on = parse_date(field(&fields, "on")).unwrap_or_else(today);
    let a = Adjustment {
        item: field(&fields, "item").to_owned(),
        unit: field(&fields, "unit").to_owned(),
        change,
        reason: field(&fields, "reason").to_owned(),
        on,
    };
    match storage::stock::adjust(&state.db, &id, &a, &actor_of(&ctx), Utc::now()).await? {
        Ok(_) => Ok(see_other(&format!("/stores/{id}"))),
        Err(r) => refused(&state, &ctx, &id, &r).await,
    }
}

/// Records a stocktake: `n{i}`/`u{i}`/`c{i}` are item, unit and the
/// quantity counted of line `i`; an empty count leaves the item uncounted.
pub async fn count(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ManageStock, Target::Anywhere)?;
    let store = store_or_404(&state, &id).await?;
    require(&ctx, Action::ManageStock, Target::Unit(&store.unit_code))?;
    let mut lines = Vec::new();
    for i in 0..1000 {
        let item = field(&fields, &format!("n{i}"));
        if item.is_empty() && !fields.iter().any(|(k, _)| *k == format!("n{i}")) {
            break;
        }
        let raw = field(&fields, &format!("c{i}"));
        if raw.trim().is_empty() {
            continue;
        }
        let Some(counted) = signed(raw) else {
            return refused(&state, &ctx, &id, &StockError::Quantity.into()).await;
        };
        lines.push(Counted {
            item: item.to_owned(),
            unit: field(&fields, &format!("u{i}")).to_owned(),
            counted,
        });
    }
    let on = parse_date(field(&fields, "on")).unwrap_or_else(today);
    match storage::stock::count(
        &state.db,
        &id,
        &lines,
        on,
        field(&fields, "note"),
        &actor_of(&ctx),
        Utc::now(),
    )
    .await?
    {
        Ok(_) => Ok(see_other(&format!("/stores/{id}"))),
        Err(r) => refused(&state, &ctx, &id, &r).await,
    }
}

#[cfg(test)]
mod tests {
    use super::signed;

    #[test]
    fn signed_numbers_are_read_as_typed() {
        assert_eq!(signed("-3"), Some(-3));
        assert_eq!(signed("−3"), Some(-3));
        assert_eq!(signed("+1.200"), Some(1200));
        assert_eq!(signed(" "), None);
        assert_eq!(signed("ba"), None);
    }
}
