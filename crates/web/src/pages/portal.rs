//! The public portal (no login): open needs and their gaps, what came in,
//! where it went, deliveries, and children reached as suppressed counts —
//! with the open data listed at the foot. Everyone sees the same public
//! view, logged in or not.

use std::collections::BTreeMap;

use askama::Template;
use axum::Extension;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{Duration, NaiveDate, Utc};
use domain::authz::{Action, Target};
use domain::disclosure::{Cell, Protected, THRESHOLD};
use domain::needs::Category;
use serde::Deserialize;
use storage::catalogue::Period;
use storage::portal::{Area, Areas, DonorTotals, NeedFilter, OpenLine, PublicReceipt};

use crate::context::Ctx;
use crate::error::AppError;
use crate::guard::require;
use crate::state::AppState;
use crate::view::Page;

use super::render;

/// Rows in each of the page's short tables (the open data has them all).
const SHORT: usize = 10;

/// Today in Huế (UTC+7): whose map of communes counts as today's.
pub(crate) fn today() -> NaiveDate {
    (Utc::now() + Duration::hours(7)).date_naive()
}

/// The five categories, in the order of every table.
pub(crate) fn categories() -> Vec<&'static str> {
    Category::ALL.iter().map(|c| c.as_str()).collect()
}

/// Children of fully received lines by today's commune × category, with
/// small cells suppressed (`domain::disclosure`): the page and the open
/// data publish exactly this table.
pub(crate) async fn children(
    state: &AppState,
    areas: &Areas,
) -> Result<(Vec<Area>, Protected), AppError> {
    let groups = storage::portal::children_groups(&state.db).await?;
    let (rows, counts) = storage::portal::children_table(&groups, areas, &categories());
    let protected = domain::disclosure::protect(&counts, THRESHOLD)
        .map_err(|e| AppError::bad("error-generic", e.to_string()))?;
    Ok((rows, protected))
}

/// How a suppressed table member reads: a number, `<5`, or `*`.
pub(crate) fn cell_text(c: Cell) -> String {
    match c {
        Cell::Shown(n) => i18n::format_int(i64::try_from(n).unwrap_or(i64::MAX)),
        Cell::Small => format!("<{THRESHOLD}"),
        Cell::Hidden => "*".to_owned(),
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct PortalQuery {
    #[serde(default)]
    commune: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    period_id: String,
}

/// Need, committed and gap of a group of published lines.
#[derive(Debug, Clone, Default)]
struct NeedSum {
    label: String,
    lines: i64,
    need: i64,
    committed: i64,
    gap: i64,
}

impl NeedSum {
    fn add(&mut self, lines: i64, need: i64, committed: i64, gap: i64) {
        self.lines = self.lines.saturating_add(lines);
        self.need = self.need.saturating_add(need);
        self.committed = self.committed.saturating_add(committed);
        self.gap = self.gap.saturating_add(gap);
    }
}

/// Allocated and received of a group of allocations.
#[derive(Debug, Clone, Default)]
struct WentSum {
    label: String,
    /// The commune of a site (empty otherwise).
    place: String,
    allocations: i64,
    amount: i64,
    received: i64,
}

impl WentSum {
    fn add(&mut self, allocations: i64, amount: i64, received: i64) {
        self.allocations = self.allocations.saturating_add(allocations);
        self.amount = self.amount.saturating_add(amount);
        self.received = self.received.saturating_add(received);
    }
}

/// One row of the children table: commune, cells, row total.
struct ChildrenRow {
    name: String,
    cells: Vec<String>,
    total: String,
}

/// One row of the deliveries table.
struct DeliveryRow {
    commune: String,
    category: String,
    handovers: i64,
    accepted: i64,
    with_issues: i64,
    delivered_value: i64,
    accepted_value: i64,
}

#[derive(Template)]
#[template(path = "portal.html")]
struct PortalPage {
    p: Page,
    query: PortalQuery,
    communes: Vec<Area>,
    categories: Vec<&'static str>,
    periods: Vec<Period>,
    // 1. Open needs.
    needs_total: NeedSum,
    needs_by_commune: Vec<NeedSum>,
    needs_by_category: Vec<NeedSum>,
    needs_by_period: Vec<NeedSum>,
    open: Vec<(OpenLine, String)>,
    // 2. What came in.
    receipts: storage::portal::ReceiptTotals,
    by_source: Vec<storage::portal::SourceTotals>,
    top_donors: Vec<DonorTotals>,
    /// Public donors beyond the top rows, pooled: (donors, money, goods).
    other_donors: (i64, i64, i64),
    anonymous: Option<DonorTotals>,
    latest: Vec<PublicReceipt>,
    // 3. Where it went.
    went_total: WentSum,
    went_by_commune: Vec<WentSum>,
    went_by_category: Vec<WentSum>,
    went_by_site: Vec<WentSum>,
    // 4. Deliveries.
    deliveries: Vec<DeliveryRow>,
    // 5. Children reached.
    children_rows: Vec<ChildrenRow>,
    children_totals: Vec<String>,
    children_grand: String,
    // 6. Open data.
    datasets: &'static [super::open_data::Dataset],
}

fn some(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// Sorts by gap, largest first, then by label.
fn by_gap(map: BTreeMap<String, NeedSum>) -> Vec<NeedSum> {
    let mut v: Vec<NeedSum> = map.into_values().collect();
    v.sort_by(|a, b| b.gap.cmp(&a.gap).then(a.label.cmp(&b.label)));
    v
}

/// Sorts by amount, largest first, then by label.
fn by_amount(map: BTreeMap<String, WentSum>) -> Vec<WentSum> {
    let mut v: Vec<WentSum> = map.into_values().collect();
    v.sort_by(|a, b| b.amount.cmp(&a.amount).then(a.label.cmp(&b.label)));
    v
}

pub async fn page(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<PortalQuery>,
) -> Result<Response, AppError> {
    require(&ctx, Action::ViewPublic, Target::Anywhere)?;
    let db = &state.db;
    let lang = ctx.lang;
    let areas = storage::portal::areas(db, today()).await?;

    // 1. Open needs, filtered.
    let filter = NeedFilter {
        unit_codes: some(&q.commune).map(|c| areas.line_codes_of(&c)),
        category: some(&q.category),
        period_id: some(&q.period_id),
    };
    let groups = storage::portal::need_groups(db, &filter).await?;
    let mut needs_total = NeedSum::default();
    let mut communes: BTreeMap<String, NeedSum> = BTreeMap::new();
    let mut cats: BTreeMap<String, NeedSum> = BTreeMap::new();
    let mut periods: BTreeMap<String, NeedSum> = BTreeMap::new();
    for g in &groups {
        let area = areas.of(&g.unit_code);
        needs_total.add(g.lines, g.need, g.committed, g.gap);
        for (map, key, label) in [
            (&mut communes, area.code.clone(), area.name.clone()),
            (
                &mut cats,
                g.category.clone(),
                i18n::t(lang, &format!("category-{}", g.category)),
            ),
            (&mut periods, g.period_id.clone(), g.period_name.clone()),
        ] {
            let e = map.entry(key).or_insert_with(|| NeedSum {
                label,
                ..NeedSum::default()
            });
            e.add(g.lines, g.need, g.committed, g.gap);
        }
    }
    let open = storage::portal::open_lines(db, &filter, i64::try_from(SHORT).unwrap_or(10))
        .await?
        .into_iter()
        .map(|l| {
            let place = areas.of(&l.unit_code).name;
            (l, place)
        })
        .collect();

    // 2. What came in.
    let mut donors = storage::portal::receipts_by_donor(db).await?;
    let anonymous_at = donors.iter().position(|d| d.name.is_none());
    let anonymous = anonymous_at.map(|i| donors.remove(i));
    let rest: Vec<DonorTotals> = donors.split_off(donors.len().min(SHORT));
    let other_donors = rest.iter().fold((0i64, 0i64, 0i64), |acc, d| {
        (
            acc.0.saturating_add(1),
            acc.1.saturating_add(d.money),
            acc.2.saturating_add(d.goods),
        )
    });

    // 3. Where it went.
    let mut went_total = WentSum::default();
    let mut went_commune: BTreeMap<String, WentSum> = BTreeMap::new();
    let mut went_cat: BTreeMap<String, WentSum> = BTreeMap::new();
    let mut went_site: BTreeMap<String, WentSum> = BTreeMap::new();
    for g in storage::portal::allocation_groups(db).await? {
        let area = areas.of(&g.unit_code);
        went_total.add(g.allocations, g.amount, g.received);
        for (map, key, label, place) in [
            (
                &mut went_commune,
                area.code.clone(),
                area.name.clone(),
                String::new(),
            ),
            (
                &mut went_cat,
                g.category.clone(),
                i18n::t(lang, &format!("category-{}", g.category)),
                String::new(),
            ),
            (
                &mut went_site,
                g.site_id.clone(),
                g.site_name.clone(),
                area.name.clone(),
            ),
        ] {
            let e = map.entry(key).or_insert_with(|| WentSum {
                label,
                place,
                ..WentSum::default()
            });
            e.add(g.allocations, g.amount, g.received);
        }
    }
    let mut went_by_site = by_amount(went_site);
    went_by_site.truncate(SHORT);

    // 4. Deliveries.
    let deliveries = storage::portal::delivery_groups(db)
        .await?
        .into_iter()
        .map(|d| DeliveryRow {
            commune: areas.of(&d.unit_code).name,
            category: d.category,
            handovers: d.handovers,
            accepted: d.accepted,
            with_issues: d.with_issues,
            delivered_value: d.delivered_value,
            accepted_value: d.accepted_value,
        })
        .collect();

    // 5. Children reached.
    let (rows, table) = children(&state, &areas).await?;
    let children_rows = rows
        .iter()
        .zip(&table.cells)
        .zip(&table.row_totals)
        .map(|((a, cells), total)| ChildrenRow {
            name: a.name.clone(),
            cells: cells.iter().map(|c| cell_text(*c)).collect(),
            total: cell_text(*total),
        })
        .collect();

    render(&PortalPage {
        p: Page::new(&ctx, "portal-title"),
        communes: areas.communes_of(&storage::portal::published_unit_codes(db).await?),
        categories: categories(),
        periods: storage::catalogue::periods(db).await?,
        query: q,
        needs_total,
        needs_by_commune: by_gap(communes),
        needs_by_category: by_gap(cats),
        needs_by_period: by_gap(periods),
        open,
        receipts: storage::portal::receipt_totals(db).await?,
        by_source: storage::portal::receipts_by_source(db).await?,
        top_donors: donors,
        other_donors,
        anonymous,
        latest: storage::portal::public_receipts(db, Some(i64::try_from(SHORT).unwrap_or(10)))
            .await?,
        went_total,
        went_by_commune: by_amount(went_commune),
        went_by_category: by_amount(went_cat),
        went_by_site,
        deliveries,
        children_rows,
        children_totals: table.col_totals.iter().map(|c| cell_text(*c)).collect(),
        children_grand: cell_text(table.grand_total),
        datasets: super::open_data::DATASETS,
    })
}
