//! Demo stock: three stores with goods moved only by events, so `/stores`
//! shows realistic stock — the Red Cross's store in Huế, the fund's store
//! on Lê Lợi and the A Lưới 1 commune's store. Each gets a goods receipt
//! (against a committed goods pledge made for it), the Red Cross hands
//! winter clothing over to a school's need line and counts its store (two
//! blankets short), and the fund writes off damp coats with a reason. Everything goes through the storage functions and is marked
//! demo; no child is named.

use chrono::{DateTime, NaiveDate, Utc};
use domain::authz::Visibility;
use domain::needs::stock::GoodsLine;
use storage::audit::AuditActor;
use storage::deliveries::{NewDelivery, Representative};
use storage::donors::Pledge;
use storage::needs::NeedFilter;
use storage::organisations::Organisation;
use storage::receipts::NewReceipt;
use storage::stock::{Adjustment, Counted, GoodsIn, NewStore};
use storage::{Db, StorageError};

use crate::setup::AppError;

const RED_CROSS: &str = "hoi-ctd";
const COMMUNE: &str = "ubnd-xa-20056";
const FUND: &str = "ttctxh-qbtte";

#[derive(Debug, Default)]
pub struct DemoStockSummary {
    pub stores: usize,
    pub receipts: usize,
    pub handovers: usize,
    pub counts: usize,
    pub adjustments: usize,
}

fn date(y: i32, m: u32, d: u32) -> Result<NaiveDate, AppError> {
    NaiveDate::from_ymd_opt(y, m, d)
        .ok_or_else(|| AppError::Storage(StorageError::Corrupt("demo date".into())))
}

fn refused(what: &str, r: impl std::fmt::Debug) -> AppError {
    AppError::Storage(StorageError::Corrupt(format!("demo {what} refused: {r:?}")))
}

fn line(name: &str, unit: &str, quantity: i64, unit_value: i64) -> GoodsLine {
    GoodsLine {
        name: name.into(),
        unit: unit.into(),
        quantity,
        unit_value,
    }
}

fn owner(id: &str, name: &str, org_type: &str, unit: &str) -> Organisation {
    Organisation {
        id: id.into(),
        name: name.into(),
        short_name: None,
        org_type: org_type.into(),
        parent_id: Some("ubnd-tp".into()),
        unit_code: Some(unit.into()),
        valid_from: None,
        valid_to: None,
        successor_id: None,
        is_demo: true,
    }
}

/// The winter clothing of the primary package (DEMO-AM-TH), in sets.
fn winter_sets(sets: i64) -> Vec<GoodsLine> {
    vec![
        line("Chăn ấm", "cái", sets, 220_000),
        line("Áo phao", "cái", sets, 190_000),
        line("Mũ len", "cái", sets, 35_000),
        line("Tất len", "đôi", 2 * sets, 15_000),
        line("Khăn quàng len", "cái", sets, 30_000),
    ]
}

/// A committed goods pledge of `donor` worth exactly `lines`, received into
/// `store` on `on`.
#[allow(clippy::too_many_arguments)] // a row of the demo story
async fn receive(
    db: &Db,
    donor: &str,
    store: &str,
    receiver: &str,
    lines: Vec<GoodsLine>,
    on: NaiveDate,
    note: &str,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let value = domain::needs::stock::goods_value(&lines).map_err(|e| refused("goods", e))?;
    let pledge = Pledge {
        id: storage::new_id(),
        donor_id: donor.into(),
        kind: "goods".into(),
        amount: value,
        status: "committed".into(),
        categories: Some("warm_clothing".into()),
        unit_codes: None,
        age_bands: None,
        period_id: None,
        due_on: Some(on),
        origin: "officer".into(),
        need_line_id: None,
        note: note.into(),
        is_demo: true,
        number: None,
    };
    storage::donors::create_pledge(db, &pledge, actor, now).await?;
    let r = NewReceipt {
        pledge_id: pledge.id,
        kind: "goods".into(),
        amount: 0,
        method: "goods".into(),
        account: String::new(),
        receiver_id: receiver.into(),
        received_on: on,
        is_demo: true,
    };
    let goods = GoodsIn {
        store_id: store.into(),
        lines,
    };
    storage::stock::receive_goods(db, &r, &goods, actor, now)
        .await?
        .map_err(|e| refused("goods receipt", e))?;
    Ok(())
}

pub async fn load(db: &Db, actor: &AuditActor) -> Result<DemoStockSummary, AppError> {
    let mut summary = DemoStockSummary::default();
    let now = Utc::now();
    if !storage::stock::stores(db, &Visibility::All)
        .await?
        .is_empty()
    {
        return Ok(summary);
    }
    let donors = storage::donors::list(db, None).await?;
    if donors.len() < 3 {
        tracing::info!("demo stock: too few donors");
        return Ok(summary);
    }
    for o in [
        owner(
            RED_CROSS,
            "Hội Chữ thập đỏ thành phố Huế (mẫu)",
            "mass_organisation",
            "46",
        ),
        owner(
            COMMUNE,
            "Ủy ban nhân dân xã A Lưới 1 (mẫu)",
            "peoples_committee",
            "20056",
        ),
    ] {
        if storage::organisations::get(db, &o.id).await?.is_none() {
            storage::organisations::create(db, &o, actor, now).await?;
        }
    }
    let mut stores = Vec::new();
    for (org, name, address) in [
        (
            RED_CROSS,
            "Kho Hội Chữ thập đỏ thành phố Huế (mẫu)",
            "18 Lê Lợi, phường Thuận Hóa, Huế",
        ),
        (
            FUND,
            "Kho Quỹ Bảo trợ trẻ em (mẫu)",
            "9 Lê Lợi, phường Thuận Hóa, Huế",
        ),
        (
            COMMUNE,
            "Kho UBND xã A Lưới 1 (mẫu)",
            "Trụ sở UBND xã A Lưới 1, thôn A Hư",
        ),
    ] {
        let s = storage::stock::create_store(
            db,
            &NewStore {
                org_id: org.into(),
                name: name.into(),
                address: address.into(),
                is_demo: true,
            },
            actor,
            now,
        )
        .await?
        .map_err(|e| refused("store", e))?;
        stores.push(s);
        summary.stores += 1;
    }
    let (red_cross, fund, commune) = (&stores[0], &stores[1], &stores[2]);

    // Goods in: winter clothing at the Red Cross and in A Lưới, the
    // preschool package's coats and blankets at the fund.
    receive(
        db,
        &donors[0].id,
        &red_cross.id,
        RED_CROSS,
        winter_sets(60),
        date(2025, 10, 20)?,
        "Đồ ấm vận động mùa đông 2025 (mẫu)",
        actor,
        now,
    )
    .await?;
    receive(
        db,
        &donors[1].id,
        &fund.id,
        FUND,
        vec![
            line("Chăn ấm trẻ em", "cái", 40, 180_000),
            line("Áo khoác ấm", "cái", 40, 160_000),
            line("Mũ len", "cái", 40, 35_000),
            line("Găng tay len", "đôi", 40, 20_000),
        ],
        date(2025, 10, 28)?,
        "Đồ ấm cho trẻ mầm non (mẫu)",
        actor,
        now,
    )
    .await?;
    receive(
        db,
        &donors[2].id,
        &commune.id,
        COMMUNE,
        winter_sets(30),
        date(2025, 11, 5)?,
        "Đồ ấm chuyển về xã A Lưới 1 (mẫu)",
        actor,
        now,
    )
    .await?;
    summary.receipts += 3;

    // Out of the Red Cross's store: winter clothing to a primary school's
    // line that has received money not yet delivered (never the overlap
    // story's school, whose last set is kept for the rosters' top-up).
    let lines = storage::needs::list(db, &Visibility::All, &NeedFilter::default()).await?;
    let target = lines
        .iter()
        .filter(|l| {
            l.package_code == "DEMO-AM-TH"
                && (l.status == "verified" || l.status == "published")
                && l.unit_value > 0
                && l.site_id != "th-20056"
                && l.received.saturating_sub(l.delivered) >= l.unit_value
        })
        .min_by_key(|l| (l.site_id.clone(), l.period_id.clone()));
    if let Some(l) = target {
        let sets = (l.received.saturating_sub(l.delivered) / l.unit_value)
            .min(l.quantity)
            .min(12);
        let package = storage::catalogue::package(db, &l.package_id)
            .await?
            .ok_or_else(|| AppError::Storage(StorageError::Corrupt("demo package".into())))?;
        let d = NewDelivery {
            need_line_id: l.id.clone(),
            giver_id: RED_CROSS.into(),
            form: "goods".into(),
            quantities: package
                .version
                .items
                .iter()
                .map(|i| (i.name.clone(), i.quantity.saturating_mul(sets)))
                .collect(),
            amount: 0,
            children_served: sets,
            on: date(2025, 12, 9)?,
            hand_over: true,
            place: l.site_name.clone(),
            giver_rep: Representative {
                name: "Trần Thị Mai".into(),
                position: "Phó Chủ tịch Hội Chữ thập đỏ thành phố Huế (mẫu)".into(),
            },
            receiver_rep: Representative {
                name: "Kăn Thị Lan".into(),
                position: format!("Hiệu trưởng {} (mẫu)", l.site_name),
            },
            note: "Xuất kho Hội Chữ thập đỏ (dữ liệu mẫu)".into(),
            is_demo: true,
        };
        match storage::deliveries::create_from_store(db, &d, &red_cross.id, actor, now).await? {
            Ok(_) => summary.handovers += 1,
            Err(r) => tracing::info!(?r, "demo stock: the handover out of store was refused"),
        }
    }

    // A stocktake at the Red Cross: two blankets short, the coats as booked.
    let levels = storage::stock::levels(db, &red_cross.id).await?;
    let booked = |item: &str| {
        levels
            .iter()
            .find(|l| l.item == item)
            .map_or(0, |l| l.quantity)
    };
    storage::stock::count(
        db,
        &red_cross.id,
        &[
            Counted {
                item: "Chăn ấm".into(),
                unit: "cái".into(),
                counted: (booked("Chăn ấm") - 2).max(0),
            },
            Counted {
                item: "Áo phao".into(),
                unit: "cái".into(),
                counted: booked("Áo phao"),
            },
        ],
        date(2025, 12, 31)?,
        "Kiểm kê cuối năm 2025 (mẫu)",
        actor,
        now,
    )
    .await?
    .map_err(|e| refused("stocktake", e))?;
    summary.counts += 1;

    // The fund writes off coats spoilt by the November floods.
    storage::stock::adjust(
        db,
        &fund.id,
        &Adjustment {
            item: "Áo khoác ấm".into(),
            unit: "cái".into(),
            change: -3,
            reason: "Ẩm mốc do nước lũ tràn kho tháng 11/2025, tiêu hủy có biên bản (mẫu)".into(),
            on: date(2025, 11, 20)?,
        },
        actor,
        now,
    )
    .await?
    .map_err(|e| refused("adjustment", e))?;
    summary.adjustments += 1;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use storage::audit::AuditActor;

    #[tokio::test]
    async fn the_demo_has_stores_with_stock_moved_by_every_kind_of_event() {
        let db = storage::testing::fresh_db().await.expect("db");
        crate::demo::load_base(&db).await.expect("organisations");
        let actor = AuditActor::system("demo");
        crate::demo_needs::load(&db, &actor).await.expect("year");
        crate::demo_money::load(&db, &actor).await.expect("money");
        crate::demo_deliveries::load(&db, &actor)
            .await
            .expect("deliveries");
        let loaded = super::load(&db, &actor).await.expect("stock");
        assert_eq!(loaded.handovers, 1, "{loaded:?}");
        let stores = storage::stock::stores(&db, &domain::authz::Visibility::All)
            .await
            .expect("q");
        assert_eq!(stores.len(), 3);
        let mut kinds = std::collections::BTreeSet::new();
        for s in &stores {
            assert!(s.is_demo);
            let levels = storage::stock::levels(&db, &s.id).await.expect("q");
            assert!(
                levels.iter().any(|l| l.quantity > 0),
                "{} holds goods",
                s.name
            );
            assert!(levels.iter().all(|l| l.quantity >= 0));
            for e in storage::stock::events(&db, &s.id).await.expect("q") {
                kinds.insert(e.kind);
            }
        }
        let want: std::collections::BTreeSet<String> = ["in", "out", "count", "adjustment"]
            .into_iter()
            .map(String::from)
            .collect();
        assert_eq!(kinds, want);
        // Loading again adds nothing.
        let again = super::load(&db, &actor).await.expect("q");
        assert_eq!(again.stores, 0);
    }
}
