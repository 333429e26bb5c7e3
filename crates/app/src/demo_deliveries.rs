//! Demo deliveries: a handful of handovers on lines of the demo year that
//! have received their money or goods, so the need pages, the delivery
//! pages, the minutes and the ledger show something real — the winter
//! clothing of the overlap story accepted with an open non-conformity (8
//! jackets of the wrong size, to be replaced), a nutrition delivery
//! accepted in full — both signed by the school and co-signed by the
//! commune —, money handed over and waiting for the school's acceptance
//! (the demo site officer can sign it, then the demo commune officer
//! co-sign it), and one planned.
//!
//! Runs after the demo receipts ([`crate::demo_money`]); does nothing when
//! the story line already has deliveries. Representatives are invented
//! staff; no child is named anywhere.

use chrono::{DateTime, NaiveDate, Utc};
use domain::authz::Visibility;
use domain::needs::delivery::{self as rules, CheckAnswer, CheckKind, Decision, NcAction};
use storage::acceptance::{Acceptance, Cosignature};
use storage::audit::AuditActor;
use storage::deliveries::{NewDelivery, Representative};
use storage::needs::{NeedFilter, NeedRow};
use storage::{Db, StorageError};

use crate::setup::AppError;

/// The fund that receives the demo donations hands the goods over.
const GIVER: &str = "ttctxh-qbtte";
const STORY_SITE: &str = "th-20056";
const WINTER: &str = "demo-mua-dong-2025-2026";

#[derive(Debug, Default)]
pub struct DemoDeliveriesSummary {
    pub deliveries: usize,
    pub accepted: usize,
    pub with_issues: usize,
    pub waiting: usize,
    pub planned: usize,
}

fn date(y: i32, m: u32, d: u32) -> Result<NaiveDate, AppError> {
    NaiveDate::from_ymd_opt(y, m, d)
        .ok_or_else(|| AppError::Storage(StorageError::Corrupt("demo date".into())))
}

fn refused(what: &str, r: impl std::fmt::Debug) -> AppError {
    AppError::Storage(StorageError::Corrupt(format!("demo {what} refused: {r:?}")))
}

fn giver_rep() -> Representative {
    Representative {
        name: "Nguyễn Thị Hoa".into(),
        position: "Phó Giám đốc Trung tâm CTXH và Quỹ BTTE (mẫu)".into(),
    }
}

fn receiver_rep(line: &NeedRow) -> Representative {
    Representative {
        name: "Kăn Thị Lan".into(),
        position: format!("Hiệu trưởng {} (mẫu)", line.site_name),
    }
}

/// Whole sets of the line's package that its receipts pay for.
fn sets(line: &NeedRow) -> i64 {
    if line.unit_value <= 0 {
        return 0;
    }
    (line.received / line.unit_value).min(line.quantity)
}

async fn goods(
    db: &Db,
    line: &NeedRow,
    sets: i64,
    on: NaiveDate,
    hand_over: bool,
) -> Result<NewDelivery, AppError> {
    let package = storage::catalogue::package(db, &line.package_id)
        .await?
        .ok_or_else(|| AppError::Storage(StorageError::Corrupt("demo package".into())))?;
    Ok(NewDelivery {
        need_line_id: line.id.clone(),
        giver_id: GIVER.into(),
        form: "goods".into(),
        quantities: package
            .version
            .items
            .iter()
            .map(|i| (i.name.clone(), i.quantity.saturating_mul(sets)))
            .collect(),
        amount: 0,
        children_served: sets,
        on,
        hand_over,
        place: line.site_name.clone(),
        giver_rep: giver_rep(),
        receiver_rep: receiver_rep(line),
        note: "Dữ liệu mẫu".into(),
        is_demo: true,
    })
}

/// One set of the line's package handed over on `on` (a top-up round).
pub(crate) async fn one_set(
    db: &Db,
    line: &NeedRow,
    on: NaiveDate,
) -> Result<NewDelivery, AppError> {
    Ok(NewDelivery {
        note: "Cấp bổ sung (dữ liệu mẫu)".into(),
        ..goods(db, line, 1, on, true).await?
    })
}

/// Every point of the delivery's checklist passed, but `failed`.
fn answers(
    line: &NeedRow,
    form: rules::DeliveryForm,
    failed: Option<CheckAnswer>,
) -> Vec<CheckAnswer> {
    let category = line
        .category
        .parse()
        .unwrap_or(domain::needs::Category::Other);
    rules::checklist(category, form)
        .into_iter()
        .map(|kind| match &failed {
            Some(f) if f.kind == kind => f.clone(),
            _ => CheckAnswer {
                kind,
                passed: true,
                note: String::new(),
                quantity: 0,
                value: 0,
                action: NcAction::Replace,
                resolved: false,
            },
        })
        .collect()
}

pub async fn load(db: &Db, actor: &AuditActor) -> Result<DemoDeliveriesSummary, AppError> {
    let mut summary = DemoDeliveriesSummary::default();
    let now: DateTime<Utc> = Utc::now();
    let mut lines: Vec<NeedRow> =
        storage::needs::list(db, &Visibility::All, &NeedFilter::default())
            .await?
            .into_iter()
            .filter(|l| (l.status == "verified" || l.status == "published") && sets(l) > 0)
            .collect();
    // A stable order (ids are generated anew on every load).
    lines.sort_by(|a, b| {
        (&a.site_id, &a.category, &a.period_id, a.quantity).cmp(&(
            &b.site_id,
            &b.category,
            &b.period_id,
            b.quantity,
        ))
    });
    let Some(story) = lines.iter().position(|l| {
        l.site_id == STORY_SITE && l.category == "warm_clothing" && l.period_id == WINTER
    }) else {
        tracing::info!("demo deliveries: the story line has received nothing");
        return Ok(summary);
    };
    if !storage::deliveries::for_line(db, &lines[story].id)
        .await?
        .is_empty()
    {
        return Ok(summary);
    }
    // The school signs, the commune co-signs; whoever handed over may do
    // neither.
    let school = AuditActor {
        id: None,
        name: format!("{} (nhà trường)", actor.name),
    };
    let commune = AuditActor {
        id: None,
        name: format!("{} (UBND xã)", actor.name),
    };

    // 1. The winter clothing of the overlap story: accepted with issues.
    let line = &lines[story];
    // One set is kept for the top-up round of the demo rosters (a child who
    // gets a second coat in the same winter, past the overlap guard).
    let n = if sets(line) > 9 {
        sets(line) - 1
    } else {
        sets(line)
    };
    let d = storage::deliveries::create(
        db,
        &goods(db, line, n, date(2025, 11, 25)?, true).await?,
        actor,
        now,
    )
    .await?
    .map_err(|r| refused("story delivery", r))?;
    let jackets = storage::deliveries::items(db, &d.id)
        .await?
        .into_iter()
        .find(|i| i.name == "Áo phao")
        .map_or(0, |i| i.unit_value);
    let failed = CheckAnswer {
        kind: CheckKind::Quality,
        passed: false,
        note: "8 áo phao cỡ người lớn, không vừa học sinh tiểu học; nhà cung cấp hẹn đổi".into(),
        quantity: 8,
        value: 8 * jackets,
        action: NcAction::Replace,
        resolved: false,
    };
    storage::acceptance::record(
        db,
        &d.id,
        &Acceptance {
            decided_on: date(2025, 11, 26)?,
            decision: Decision::Accept,
            answers: answers(line, rules::DeliveryForm::Goods, Some(failed)),
        },
        &school,
        now,
    )
    .await?
    .map_err(|r| refused("story acceptance", r))?;
    storage::acceptance::cosign(
        db,
        &d.id,
        &Cosignature {
            decided_on: date(2025, 11, 27)?,
            decision: Decision::Accept,
        },
        &commune,
        now,
    )
    .await?
    .map_err(|r| refused("story co-signature", r))?;
    summary.deliveries += 1;
    summary.with_issues += 1;

    // 2–4. Other lines, in a stable order: one accepted in full, money
    // waiting for the school (in the story's commune when there is one), and
    // one planned.
    let mut others: Vec<&NeedRow> = lines
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != story)
        .map(|(_, l)| l)
        .collect();
    let full = others
        .iter()
        .position(|l| l.category == "nutrition")
        .or((!others.is_empty()).then_some(0))
        .map(|i| others.remove(i));
    if let Some(line) = full {
        let n = sets(line).min(line.quantity);
        let d = storage::deliveries::create(
            db,
            &goods(db, line, n, date(2025, 12, 2)?, true).await?,
            actor,
            now,
        )
        .await?
        .map_err(|r| refused("delivery", r))?;
        storage::acceptance::record(
            db,
            &d.id,
            &Acceptance {
                decided_on: date(2025, 12, 3)?,
                decision: Decision::Accept,
                answers: answers(line, rules::DeliveryForm::Goods, None),
            },
            &school,
            now,
        )
        .await?
        .map_err(|r| refused("acceptance", r))?;
        storage::acceptance::cosign(
            db,
            &d.id,
            &Cosignature {
                decided_on: date(2025, 12, 4)?,
                decision: Decision::Accept,
            },
            &commune,
            now,
        )
        .await?
        .map_err(|r| refused("co-signature", r))?;
        summary.deliveries += 1;
        summary.accepted += 1;
    }
    let story_unit = lines[story].unit_code.clone();
    let waiting = others
        .iter()
        .filter(|l| l.unit_code == story_unit && l.category != "nutrition")
        .chain(others.iter().filter(|l| l.unit_code != story_unit))
        .find(|l| l.received >= 1_000_000)
        .map(|l| l.id.clone());
    if let Some(line) = waiting.and_then(|id| {
        let i = others.iter().position(|l| l.id == id)?;
        Some(others.remove(i))
    }) {
        let amount = (line.received / 2 / 100_000 * 100_000).max(100_000);
        let d = NewDelivery {
            form: "money".into(),
            quantities: Vec::new(),
            amount,
            children_served: line.quantity / 2,
            note: "Kinh phí tổ chức bữa ăn/hoạt động do nhà trường thực hiện (mẫu)".into(),
            ..goods(db, line, 0, date(2026, 1, 8)?, true).await?
        };
        storage::deliveries::create(db, &d, actor, now)
            .await?
            .map_err(|r| refused("money delivery", r))?;
        summary.deliveries += 1;
        summary.waiting += 1;
    }
    if let Some(line) = others.iter().rev().find(|l| sets(l) >= 2) {
        let d = goods(db, line, sets(line) / 2, date(2026, 2, 10)?, false).await?;
        storage::deliveries::create(db, &d, actor, now)
            .await?
            .map_err(|r| refused("planned delivery", r))?;
        summary.deliveries += 1;
        summary.planned += 1;
    }
    tracing::info!(?summary, "demo deliveries loaded");
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_demo_year_has_deliveries_in_every_state_and_the_ledger_verifies() {
        let db = storage::testing::fresh_db().await.expect("db");
        crate::demo::load_base(&db).await.expect("organisations");
        let actor = AuditActor::system("demo");
        crate::demo_needs::load(&db, &actor).await.expect("year");
        let money = crate::demo_money::load(&db, &actor).await.expect("money");
        // One chain: fund → Women's Union → school, spent there.
        assert_eq!((money.transfers, money.expenditures), (2, 1), "{money:?}");
        let city = storage::flows::totals(&db, &storage::flows::Boundary::All)
            .await
            .expect("totals");
        assert_eq!((city.came_in, city.passed_on), (0, 0));
        assert!(city.spent > 0 && city.held == city.received - city.spent);
        let s = load(&db, &actor).await.expect("deliveries");
        assert_eq!(
            (s.with_issues, s.accepted, s.waiting, s.planned),
            (1, 1, 1, 1),
            "{s:?}"
        );
        let story = storage::needs::list(&db, &Visibility::All, &NeedFilter::default())
            .await
            .expect("q")
            .into_iter()
            .find(|l| {
                l.site_id == STORY_SITE && l.category == "warm_clothing" && l.period_id == WINTER
            })
            .expect("story line");
        assert!(
            story.delivered > 0 && story.accepted > 0 && story.accepted < story.delivered,
            "{story:?}"
        );
        // Accepted deliveries carry both signatures, by different people.
        let story_delivery = storage::deliveries::for_line(&db, &story.id)
            .await
            .expect("q")
            .remove(0);
        let signs = storage::acceptance::signatures(&db, &story_delivery.id)
            .await
            .expect("q");
        assert_eq!(
            signs.iter().map(|s| s.side.as_str()).collect::<Vec<_>>(),
            vec!["site", "commune"]
        );
        assert_ne!(signs[0].signer_name, signs[1].signer_name);
        let again = load(&db, &actor).await.expect("idempotent");
        assert_eq!(again.deliveries, 0, "a second load adds nothing");
        storage::ledger::verify(&db)
            .await
            .expect("q")
            .expect("the demo ledger verifies");
    }
}
