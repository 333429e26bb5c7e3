//! Demo rosters (issue 4, item 5): after the demo children are loaded,
//! the demo deliveries handed over in a commune that has children in the
//! registry carry a roster of them (as many as the delivery served, at
//! most the commune's children), and the warning case of the overlap
//! guard: one child of the story's winter clothing receives warm clothing a
//! second time in the same winter (a top-up handover of one set in January,
//! at another site of the commune or on the story line's last set),
//! confirmed by the officer with a reason.
//!
//! Does nothing when a roster already exists. Never logs a child's data.

use chrono::{NaiveDate, Utc};
use domain::authz::Visibility;
use storage::Db;
use storage::audit::AuditActor;
use storage::needs::{NeedFilter, NeedRow};
use storage::rosters::RosterRefusal;

use crate::setup::AppError;

/// The winter of the demo's overlap story.
const WINTER: &str = "demo-mua-dong-2025-2026";
const STORY_SITE: &str = "th-20056";
/// Why the officer let the second coat through (no personal data).
pub const SECOND_COAT_REASON: &str =
    "Áo phao đợt 1 bị hỏng khi lũ tràn vào điểm trường; nhà trường xác nhận, cấp bổ sung (mẫu)";

#[derive(Debug, Default, PartialEq, Eq)]
pub struct DemoRostersSummary {
    pub rosters: usize,
    pub children: usize,
    /// The child who received warm clothing twice in the winter.
    pub second_coat: bool,
}

fn date(y: i32, m: u32, d: u32) -> Result<NaiveDate, AppError> {
    NaiveDate::from_ymd_opt(y, m, d)
        .ok_or_else(|| AppError::Storage(storage::StorageError::Corrupt("demo date".into())))
}

pub async fn load(db: &Db) -> Result<DemoRostersSummary, AppError> {
    let mut summary = DemoRostersSummary::default();
    if storage::rosters::any(db).await? {
        return Ok(summary);
    }
    let actor = AuditActor::system("demo");
    let now = Utc::now();
    let mut lines: Vec<NeedRow> =
        storage::needs::list(db, &Visibility::All, &NeedFilter::default()).await?;
    lines.sort_by(|a, b| (&a.site_id, &a.category, &a.id).cmp(&(&b.site_id, &b.category, &b.id)));
    let mut story: Option<(String, Vec<String>)> = None;
    for line in &lines {
        let children: Vec<String> = storage::registry::list(
            db,
            &Visibility::Units([line.unit_code.clone()].into_iter().collect()),
            None,
            1000,
        )
        .await?
        .into_iter()
        .map(|c| c.child.id)
        .collect();
        if children.is_empty() {
            continue;
        }
        for d in storage::deliveries::for_line(db, &line.id).await? {
            if !d.status().is_some_and(|s| s.is_delivered()) {
                continue;
            }
            let n = usize::try_from(d.children_served)
                .unwrap_or(0)
                .min(children.len());
            if n == 0 {
                continue;
            }
            let picked: Vec<String> = children.iter().take(n).cloned().collect();
            match storage::rosters::add(db, &d.id, &picked, None, true, &actor, now).await? {
                Ok(a) => {
                    summary.rosters += 1;
                    summary.children += a.added;
                }
                // Another line of the same category and winter already has
                // them: the demo keeps to the story's one overlap.
                Err(RosterRefusal::Overlaps(_)) => continue,
                Err(r) => {
                    return Err(AppError::Storage(storage::StorageError::Corrupt(format!(
                        "demo roster refused: {}",
                        r.message_key()
                    ))));
                }
            }
            if line.site_id == STORY_SITE
                && line.category == "warm_clothing"
                && line.period_id == WINTER
            {
                story = Some((line.unit_code.clone(), picked));
            }
        }
    }
    if let Some((unit, picked)) = story {
        summary.second_coat = second_coat(db, &lines, &unit, &picked, &actor).await?;
    }
    tracing::info!(?summary, "demo rosters loaded");
    Ok(summary)
}

/// A second warm-clothing handover in the story's winter and commune (one
/// set, at another site that has received money for it), whose roster
/// names one child of the story's roster: the guard warns, the officer
/// confirms with a reason.
async fn second_coat(
    db: &Db,
    lines: &[NeedRow],
    unit: &str,
    story_children: &[String],
    actor: &AuditActor,
) -> Result<bool, AppError> {
    let Some(child) = story_children.last() else {
        return Ok(false);
    };
    // Another site of the commune first; else the story line's last set.
    let mut candidates: Vec<&NeedRow> = lines
        .iter()
        .filter(|l| {
            l.unit_code == unit
                && l.category == "warm_clothing"
                && l.period_id == WINTER
                && (l.status == "verified" || l.status == "published")
                && l.unit_value > 0
                && l.received.saturating_sub(l.delivered) >= l.unit_value
        })
        .collect();
    candidates.sort_by_key(|l| l.site_id == STORY_SITE);
    for line in candidates {
        let new = crate::demo_deliveries::one_set(db, line, date(2026, 1, 15)?).await?;
        let Ok(d) = storage::deliveries::create(db, &new, actor, Utc::now()).await? else {
            continue;
        };
        let now = Utc::now();
        let first = storage::rosters::add(
            db,
            &d.id,
            std::slice::from_ref(child),
            None,
            true,
            actor,
            now,
        )
        .await?;
        if !matches!(first, Err(RosterRefusal::Overlaps(_))) {
            return Ok(false);
        }
        let confirmed = storage::rosters::add(
            db,
            &d.id,
            std::slice::from_ref(child),
            Some(SECOND_COAT_REASON),
            true,
            actor,
            now,
        )
        .await?;
        return Ok(confirmed.is_ok());
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn demo_deliveries_carry_rosters_and_one_child_has_two_coats_in_a_winter() {
        let db = storage::testing::fresh_db().await.expect("db");
        crate::demo::load_base(&db).await.expect("organisations");
        let actor = AuditActor::system("demo");
        crate::demo_needs::load(&db, &actor).await.expect("year");
        crate::demo_money::load(&db, &actor).await.expect("money");
        crate::demo_deliveries::load(&db, &actor)
            .await
            .expect("deliveries");
        let key = storage::registry::PidKey::new([3; 32]);
        crate::cmd_registry::load_demo(&db, &key)
            .await
            .expect("children");
        assert!(storage::rosters::any(&db).await.expect("q"));
        let winter = storage::rosters::reached(
            &db,
            date(2025, 11, 1).expect("d"),
            date(2026, 2, 28).expect("d"),
            Utc::now() + chrono::Duration::days(1),
            |_, _| true,
        )
        .await
        .expect("counts");
        let warm = winter
            .by_category
            .get("warm_clothing")
            .copied()
            .unwrap_or_default();
        assert!(warm.unique > 0, "{winter:?}");
        assert_eq!(
            warm.turns,
            warm.unique + 1,
            "one child twice in the winter: {winter:?}"
        );
        let again = load(&db).await.expect("idempotent");
        assert_eq!(again, DemoRostersSummary::default());
    }
}
