//! `chungtay demo --scale national`: a synthetic national-scale data set for
//! the reporting benchmark (issue 6, item 9) — 34 provinces with their
//! communes, about 3,000,000 children in need lines, 1,000,000 receipts and
//! 5,000,000 deliveries — bulk-loaded into a scratch database
//! (`storage::bulk`: no audit rows, no ledger leaves).
//!
//! **Synthetic, and marked so.** The shipped map covers Huế only: Huế's
//! rows sit in its 40 real communes of today; the 33 other provinces carry
//! their real 2025 codes and names (`report_data::PROVINCES_2025`) but
//! made-up communes (`S01001` "Xã tổng hợp 001"). Every row is `is_demo`,
//! every id starts with `s`, and the organisation
//! `report_data::SYNTHETIC_MARKER` marks the set, so documents drawn from it
//! say that they are synthetic. Deterministic for a seed.
//!
//! Refuses a database that already holds need lines or receipts.

use std::time::Instant;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use storage::bulk::{BulkLoader, Val};
use storage::report_data::{PROVINCES_2025, SYNTHETIC_MARKER};
use storage::{Db, DbUrl, StorageError};

#[derive(clap::Args, Debug, Clone)]
pub struct ScaleArgs {
    /// Children across all need lines (≈ 10 per line).
    #[arg(long, default_value_t = 3_000_000)]
    pub children: u64,
    /// Receipts.
    #[arg(long, default_value_t = 1_000_000)]
    pub receipts: u64,
    /// Delivery rows.
    #[arg(long, default_value_t = 5_000_000)]
    pub deliveries: u64,
    /// Seed of the generator.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ScaleError {
    #[error(
        "cơ sở dữ liệu {0} đã có dữ liệu (nhu cầu hoặc khoản thu): chỉ tạo dữ liệu quy mô trên cơ sở dữ liệu trống / the database {0} already holds need lines or receipts: the national-scale set is generated only into an empty scratch database"
    )]
    NotEmpty(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("dữ liệu đơn vị hành chính / administrative-unit data: {0}")]
    Map(String),
}

/// splitmix64: small, fast, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const CATEGORIES: [&str; 5] = [
    "healthcare",
    "nutrition",
    "recreation",
    "warm_clothing",
    "other",
];
const BANDS: [&str; 3] = ["preschool", "primary", "other"];
/// Synthetic communes per province outside Huế (≈ 3,300 in the country).
const COMMUNES_PER_PROVINCE: u64 = 99;
const PERIOD: &str = "s-period-2025";
const CHUNK: usize = 50_000;

fn i(v: u64) -> Val {
    Val::Int(i64::try_from(v).unwrap_or(i64::MAX))
}

fn day_of_2025(n: u64) -> NaiveDate {
    let start = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default();
    start + Duration::days(i64::try_from(n % 365).unwrap_or(0))
}

fn instant(d: NaiveDate, seconds: u64) -> DateTime<Utc> {
    let base = d.and_hms_opt(1, 0, 0).unwrap_or_default();
    Utc.from_utc_datetime(&base) + Duration::seconds(i64::try_from(seconds % 36_000).unwrap_or(0))
}

fn fund(p: &str) -> String {
    format!("s-fund-{p}")
}

/// A commune: (province, code, name, site id).
struct Commune {
    province: &'static str,
    code: String,
    site: String,
}

/// Generates and loads the set; prints what it did.
pub async fn run(url: &str, args: &ScaleArgs) -> Result<(), ScaleError> {
    let started = Instant::now();
    let db_url = DbUrl::new(url.to_owned());
    let db = Db::connect(&db_url).await?;
    db.migrate().await?;
    let map = domain::admin_units::embedded_map().map_err(|e| ScaleError::Map(e.to_string()))?;
    if storage::admin_units::count(&db).await? == 0 {
        storage::admin_units::replace_all(&db, map).await?;
    }
    if storage::report_data::has_rows(&db).await? {
        return Err(ScaleError::NotEmpty(db_url.to_string()));
    }
    let today = NaiveDate::from_ymd_opt(2025, 12, 1).unwrap_or_default();
    let hue: Vec<(String, String)> = storage::admin_units::units_on(&db, today)
        .await?
        .into_iter()
        .filter(|u| u.level == "commune")
        .map(|u| (u.code, u.name))
        .collect();
    db.close().await;

    let mut rng = Rng(args.seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0x5CA1E);
    let now = instant(day_of_2025(0), 0);
    let mut load = BulkLoader::open(&db_url).await?;

    // Organisations: the marker, a fund per province, a site per commune.
    let org_cols = [
        "id",
        "province",
        "name",
        "short_name",
        "org_type",
        "parent_id",
        "unit_code",
        "valid_from",
        "valid_to",
        "successor_id",
        "is_demo",
        "search_key",
        "created_at",
    ];
    let org = |id: String, province: &str, name: String, org_type: &str, unit: String| {
        vec![
            Val::from(id),
            Val::from(province),
            Val::from(name.clone()),
            Val::Null,
            Val::from(org_type),
            Val::Null,
            Val::from(unit),
            Val::Null,
            Val::Null,
            Val::Null,
            Val::Bool(true),
            Val::from(domain::text::search_key(&name)),
            Val::Instant(now),
        ]
    };
    let mut orgs = vec![org(
        SYNTHETIC_MARKER.to_owned(),
        "46",
        "Dữ liệu tổng hợp quy mô toàn quốc (synthetic)".to_owned(),
        "other",
        "46".to_owned(),
    )];
    let mut communes: Vec<Commune> = Vec::new();
    for (p, pname) in PROVINCES_2025 {
        orgs.push(org(
            fund(p),
            p,
            format!("Quỹ Bảo trợ trẻ em {pname} (tổng hợp)"),
            "fund",
            p.to_owned(),
        ));
        let list: Vec<(String, String)> = if p == "46" {
            hue.clone()
        } else {
            (1..=COMMUNES_PER_PROVINCE)
                .map(|n| (format!("S{p}{n:03}"), format!("Xã tổng hợp {n:03}")))
                .collect()
        };
        for (code, name) in list {
            let site = format!("s-site-{code}");
            orgs.push(org(
                site.clone(),
                p,
                format!("Trường tổng hợp, {name}"),
                "school",
                code.clone(),
            ));
            communes.push(Commune {
                province: p,
                code,
                site,
            });
        }
    }
    load.insert("organisations", &org_cols, &orgs).await?;

    // Accounts: donations and the state budget (R13) of each fund.
    let acc_cols = [
        "id",
        "province",
        "organisation_id",
        "bank_bin",
        "account_no",
        "account_name",
        "purpose",
        "is_default",
        "is_demo",
        "created_at",
    ];
    let mut accounts = Vec::new();
    for (p, _) in PROVINCES_2025 {
        for (purpose, prefix) in [("donations", "0161"), ("state_budget", "1130")] {
            accounts.push(vec![
                Val::from(format!("s-acc-{purpose}-{p}")),
                Val::from(p),
                Val::from(fund(p)),
                Val::from("970436"),
                Val::from(format!("{prefix}0058{p}")),
                Val::from(format!("QUY BTTE {p}")),
                Val::from(purpose),
                Val::Bool(p == "46"),
                Val::Bool(true),
                Val::Instant(now),
            ]);
        }
    }
    load.insert("receiving_accounts", &acc_cols, &accounts)
        .await?;

    // A period and 15 packages.
    load.insert(
        "periods",
        &[
            "id",
            "province",
            "name",
            "starts_on",
            "ends_on",
            "is_demo",
            "created_at",
        ],
        &[vec![
            Val::from(PERIOD),
            Val::from("46"),
            Val::from("Năm 2025 (tổng hợp)"),
            Val::Date(day_of_2025(0)),
            Val::Date(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default()),
            Val::Bool(true),
            Val::Instant(now),
        ]],
    )
    .await?;
    let mut packages = Vec::new();
    let mut unit_values = Vec::new();
    for (ci, c) in CATEGORIES.iter().enumerate() {
        for (bi, b) in BANDS.iter().enumerate() {
            let value = 150_000 + 50_000 * (ci as i64 * 3 + bi as i64);
            unit_values.push(value);
            packages.push(vec![
                Val::from(format!("s-pkg-{c}-{b}")),
                Val::from("46"),
                Val::from(format!("S-{c}-{b}")),
                Val::Int(1),
                Val::from(format!("Gói {c} {b} (tổng hợp)")),
                Val::from(*c),
                Val::from(*b),
                Val::Int(value),
                Val::from("[]"),
                Val::Bool(true),
                Val::Instant(now),
            ]);
        }
    }
    load.insert(
        "packages",
        &[
            "id",
            "province",
            "code",
            "version",
            "name",
            "category",
            "age_band",
            "unit_value",
            "items_json",
            "is_demo",
            "created_at",
        ],
        &packages,
    )
    .await?;

    // Need lines (≈ 10 children each) and one allocation per funded line,
    // from a pledge of the same province.
    let provinces = PROVINCES_2025.len() as u64;
    let n_lines = (args.children / 10).max(provinces);
    let n_pledges = (n_lines / 2).max(provinces);
    let n_donors = (n_pledges / 3).max(1);
    let by_province: Vec<Vec<usize>> = PROVINCES_2025
        .iter()
        .map(|(p, _)| {
            communes
                .iter()
                .enumerate()
                .filter(|(_, c)| c.province == *p)
                .map(|(k, _)| k)
                .collect()
        })
        .collect();
    // (province index, amount, quantity, commune index) of each line.
    let mut line_facts: Vec<(usize, i64, i64, usize)> = Vec::with_capacity(n_lines as usize);
    let mut pledge_allocated = vec![0i64; n_pledges as usize];
    let mut children = 0u64;
    let line_cols = [
        "id",
        "province",
        "site_id",
        "unit_code",
        "category",
        "period_id",
        "package_id",
        "quantity",
        "unit_value",
        "amount",
        "status",
        "note",
        "assessed_by",
        "is_demo",
        "created_at",
        "updated_at",
    ];
    let alloc_cols = [
        "id",
        "province",
        "need_line_id",
        "pledge_id",
        "amount",
        "created_by",
        "is_demo",
        "created_at",
    ];
    let mut lines = Vec::with_capacity(CHUNK);
    let mut allocs: Vec<Vec<Val>> = Vec::with_capacity(n_lines as usize);
    for l in 0..n_lines {
        let pi = (l % provinces) as usize;
        let (p, _) = PROVINCES_2025[pi];
        let list = &by_province[pi];
        let k = list[rng.below(list.len() as u64) as usize];
        let c = &communes[k];
        let ci = rng.below(5) as usize;
        let bi = rng.below(3) as usize;
        let quantity = 1 + rng.below(19) as i64;
        children += quantity as u64;
        let value = unit_values[ci * 3 + bi];
        let amount = quantity * value;
        let status = match rng.below(20) {
            0 => "assessed",
            1 => "verified",
            _ => "published",
        };
        line_facts.push((pi, amount, quantity, k));
        lines.push(vec![
            Val::from(format!("s-line-{l}")),
            Val::from(p),
            Val::from(c.site.clone()),
            Val::from(c.code.clone()),
            Val::from(CATEGORIES[ci]),
            Val::from(PERIOD),
            Val::from(format!("s-pkg-{}-{}", CATEGORIES[ci], BANDS[bi])),
            Val::Int(quantity),
            Val::Int(value),
            Val::Int(amount),
            Val::from(status),
            Val::from(""),
            Val::from("scale"),
            Val::Bool(true),
            Val::Instant(now),
            Val::Instant(now),
        ]);
        // 15 % unfunded, 25 % half, 60 % in full.
        let share = match rng.below(20) {
            0..=2 => 0,
            3..=7 => amount / 2,
            _ => amount,
        };
        if share > 0 && status != "assessed" {
            let slots = n_pledges / provinces;
            let pledge = pi as u64 + provinces * rng.below(slots.max(1));
            let pledge = pledge.min(n_pledges - 1);
            pledge_allocated[pledge as usize] += share;
            let when = instant(day_of_2025(rng.below(300)), rng.next());
            allocs.push(vec![
                Val::from(format!("s-alloc-{l}")),
                Val::from(p),
                Val::from(format!("s-line-{l}")),
                Val::from(format!("s-pledge-{pledge}")),
                Val::Int(share),
                Val::from("scale"),
                Val::Bool(true),
                Val::Instant(when),
            ]);
        }
        if lines.len() == CHUNK {
            load.insert("need_lines", &line_cols, &lines).await?;
            lines.clear();
        }
    }
    load.insert("need_lines", &line_cols, &lines).await?;
    drop(lines);
    println!(
        "need lines: {n_lines} ({children} children) — {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // Donors and pledges (each pledge's amount: what it funds, plus some).
    let donor_types = [
        "business",
        "business",
        "fund",
        "mass_organisation",
        "individual",
        "individual",
        "other",
    ];
    let mut donors = Vec::with_capacity(CHUNK);
    let donor_cols = [
        "id",
        "province",
        "kind",
        "name",
        "search_key",
        "origin",
        "donor_type",
        "publish_name",
        "anonymous",
        "is_demo",
        "created_at",
    ];
    for d in 0..n_donors {
        let t = donor_types[rng.below(donor_types.len() as u64) as usize];
        let name = format!("Nhà hảo tâm tổng hợp {d}");
        donors.push(vec![
            Val::from(format!("s-donor-{d}")),
            Val::from(PROVINCES_2025[(d % provinces) as usize].0),
            Val::from(if t == "individual" {
                "individual"
            } else {
                "organisation"
            }),
            Val::from(name.clone()),
            Val::from(domain::text::search_key(&name)),
            Val::from(if rng.below(5) == 0 {
                "foreign"
            } else {
                "domestic"
            }),
            Val::from(t),
            Val::Bool(true),
            Val::Bool(false),
            Val::Bool(true),
            Val::Instant(now),
        ]);
        if donors.len() == CHUNK {
            load.insert("donors", &donor_cols, &donors).await?;
            donors.clear();
        }
    }
    load.insert("donors", &donor_cols, &donors).await?;
    let pledge_cols = [
        "id",
        "province",
        "donor_id",
        "kind",
        "amount",
        "status",
        "origin",
        "note",
        "is_demo",
        "created_at",
        "committed_at",
        "number",
    ];
    let mut pledge_amount = vec![0i64; n_pledges as usize];
    let mut pledge_goods = vec![false; n_pledges as usize];
    let mut pledges = Vec::with_capacity(CHUNK);
    for g in 0..n_pledges {
        let gi = g as usize;
        let amount = pledge_allocated[gi] + 1_000_000 * (1 + rng.below(20) as i64);
        pledge_amount[gi] = amount;
        pledge_goods[gi] = rng.below(10) == 0;
        pledges.push(vec![
            Val::from(format!("s-pledge-{g}")),
            Val::from(PROVINCES_2025[(g % provinces) as usize].0),
            Val::from(format!("s-donor-{}", rng.below(n_donors))),
            Val::from(if pledge_goods[gi] { "goods" } else { "money" }),
            Val::Int(amount),
            Val::from("committed"),
            Val::from("officer"),
            Val::from(""),
            Val::Bool(true),
            Val::Instant(now),
            Val::Instant(now),
            i(g + 1),
        ]);
        if pledges.len() == CHUNK {
            load.insert("pledges", &pledge_cols, &pledges).await?;
            pledges.clear();
        }
    }
    load.insert("pledges", &pledge_cols, &pledges).await?;
    drop(pledges);
    for chunk in allocs.chunks(CHUNK) {
        load.insert("allocations", &alloc_cols, chunk).await?;
    }
    println!(
        "donors {n_donors}, pledges {n_pledges}, allocations {} — {:.1} s",
        allocs.len(),
        started.elapsed().as_secs_f64()
    );
    drop(allocs);

    // Receipts: pledge r % P gets its share of `receipts`, together 60–100 %
    // of its amount; 1 % into the state-budget account.
    let receipt_cols = [
        "id",
        "province",
        "pledge_id",
        "kind",
        "amount",
        "method",
        "account",
        "receiver_id",
        "receipt_no",
        "received_on",
        "is_demo",
        "created_at",
    ];
    let per_pledge = (args.receipts / n_pledges).max(1);
    let mut receipts = Vec::with_capacity(CHUNK);
    for r in 0..args.receipts {
        let g = (r % n_pledges) as usize;
        let (p, _) = PROVINCES_2025[g % provinces as usize];
        let fraction = 60 + rng.below(41) as i64;
        let amount = (pledge_amount[g] * fraction / 100 / per_pledge as i64).max(1);
        let budget = rng.below(100) == 0;
        let goods = pledge_goods[g] && !budget;
        let account = if budget {
            format!("Vietcombank 11300058{p}")
        } else if goods {
            "Kho tổng hợp".to_owned()
        } else {
            format!("Vietcombank 01610058{p}")
        };
        let on = day_of_2025(rng.below(365));
        receipts.push(vec![
            Val::from(format!("s-receipt-{r}")),
            Val::from(p),
            Val::from(format!("s-pledge-{g}")),
            Val::from(if goods { "goods" } else { "money" }),
            Val::Int(amount),
            Val::from(if goods { "goods" } else { "bank" }),
            Val::from(account),
            Val::from(fund(p)),
            Val::from(format!("2025/{r:07}")),
            Val::Date(on),
            Val::Bool(true),
            Val::Instant(instant(on, rng.next())),
        ]);
        if receipts.len() == CHUNK {
            load.insert("receipts", &receipt_cols, &receipts).await?;
            receipts.clear();
        }
    }
    load.insert("receipts", &receipt_cols, &receipts).await?;
    drop(receipts);
    println!(
        "receipts {} — {:.1} s",
        args.receipts,
        started.elapsed().as_secs_f64()
    );

    // Deliveries: row m for line m % L, the line's value and children
    // spread over its deliveries; 5 % still planned.
    let delivery_cols = [
        "id",
        "province",
        "need_line_id",
        "site_id",
        "unit_code",
        "giver_id",
        "form",
        "value",
        "children_served",
        "status",
        "planned_on",
        "handed_over_on",
        "minutes_no",
        "place",
        "giver_rep_name",
        "giver_rep_position",
        "receiver_rep_name",
        "receiver_rep_position",
        "note",
        "created_by",
        "is_demo",
        "created_at",
        "updated_at",
    ];
    let n_lines_usize = line_facts.len().max(1);
    let per_line = (args.deliveries / n_lines_usize as u64).max(1) as i64;
    let mut deliveries = Vec::with_capacity(CHUNK);
    for m in 0..args.deliveries {
        let l = (m % n_lines_usize as u64) as usize;
        let (pi, amount, quantity, k) = line_facts[l];
        let c = &communes[k];
        let (p, _) = PROVINCES_2025[pi];
        let status = match rng.below(20) {
            0 => "planned",
            1 => "handed_over",
            2 => "accepted_with_issues",
            3 => "rejected",
            _ => "accepted",
        };
        let planned = day_of_2025(rng.below(330));
        let handed = (status != "planned").then(|| planned + Duration::days(3));
        let served = (quantity / per_line).max(i64::from(rng.below(2) == 0));
        deliveries.push(vec![
            Val::from(format!("s-delivery-{m}")),
            Val::from(p),
            Val::from(format!("s-line-{l}")),
            Val::from(c.site.clone()),
            Val::from(c.code.clone()),
            Val::from(fund(p)),
            Val::from("goods"),
            Val::Int((amount / per_line).max(1)),
            Val::Int(served),
            Val::from(status),
            Val::Date(planned),
            Val::from(handed),
            Val::from(handed.map(|_| format!("2025/{m:08}"))),
            Val::from("tổng hợp"),
            Val::from("-"),
            Val::from("-"),
            Val::from("-"),
            Val::from("-"),
            Val::from(""),
            Val::from("scale"),
            Val::Bool(true),
            Val::Instant(now),
            Val::Instant(now),
        ]);
        if deliveries.len() == CHUNK {
            load.insert("deliveries", &delivery_cols, &deliveries)
                .await?;
            deliveries.clear();
        }
    }
    load.insert("deliveries", &delivery_cols, &deliveries)
        .await?;
    println!(
        "deliveries {} — {:.1} s; committing and analysing …",
        args.deliveries,
        started.elapsed().as_secs_f64()
    );
    load.finish().await?;
    // The report summaries (migration 0014), which the writers keep up to
    // date in their transactions: here from the rows just loaded.
    let db = Db::connect(&db_url).await?;
    storage::summaries::rebuild(&db).await?;
    db.close().await;
    println!(
        "report summaries rebuilt — {:.1} s",
        started.elapsed().as_secs_f64()
    );
    println!(
        "ok: bộ dữ liệu tổng hợp quy mô toàn quốc / synthetic national-scale set: {} provinces, {} communes, {n_lines} need lines, {children} children, {} receipts, {} deliveries in {:.1} s",
        PROVINCES_2025.len(),
        communes.len(),
        args.receipts,
        args.deliveries,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
