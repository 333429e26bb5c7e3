//! Acceptance (nghiệm thu) of a handed-over delivery at the receiving
//! site: the checklist of its category, one non-conformity per failed
//! point (what, how many, the value concerned, the action: replace,
//! return, discount), followed up until resolved.
//!
//! Acceptance is co-signed: the site answers the checklist and signs
//! ([`record`]: `site_signed`, or `rejected`), then its commune co-signs
//! ([`cosign`]) — a different person, and neither may be whoever recorded
//! the handover. Only the co-signature makes a delivery accepted. Each
//! signature is a row of `acceptance_signatures` (side, decision, who,
//! when) with its audit row.
//!
//! Each final decision — and each resolution afterwards — writes one row of
//! `delivery_outcomes` and appends an `amendment` leaf to the public ledger
//! in the same transaction: the outcome is added, the distribution leaf is
//! never edited.

use chrono::{DateTime, NaiveDate, Utc};
use domain::needs::delivery::{
    self as rules, CheckAnswer, Decision, DeliveryForm, DeliveryStatus, Nonconformity, SignSide,
};
use serde_json::json;

use crate::audit::{AuditActor, AuditConn, AuditRecord};
use crate::deliveries::{
    DELIVERY_COLUMNS, Delivery, DeliveryOutcome, DeliveryRefusal, delivery_lock,
};
use crate::ledger::LedgerConn;
use crate::{Db, StorageError, db_run, db_tx};

/// The receiving site's acceptance as entered.
#[derive(Debug, Clone)]
pub struct Acceptance {
    pub decided_on: NaiveDate,
    pub decision: Decision,
    pub answers: Vec<CheckAnswer>,
}

/// One answered point, as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CheckRow {
    pub id: String,
    pub check_kind: String,
    pub passed: bool,
    pub note: String,
    pub recorded_by: String,
}

/// A non-conformity, as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NonconformityRow {
    pub id: String,
    pub delivery_id: String,
    pub check_kind: Option<String>,
    pub description: String,
    pub quantity: i64,
    pub value: i64,
    pub action: String,
    pub resolved: bool,
    pub resolution_note: Option<String>,
    pub resolved_by: Option<String>,
}

/// One acceptance outcome (the row behind an amendment leaf).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutcomeRow {
    pub id: String,
    pub decided_on: NaiveDate,
    pub outcome: String,
    pub accepted_value: i64,
    pub open_issues: i64,
    pub recorded_by: String,
}

/// One signature of an acceptance, as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SignatureRow {
    pub side: String,
    pub decision: String,
    pub signed_on: NaiveDate,
    pub user_id: Option<String>,
    pub signer_name: String,
}

/// The commune's co-signature as entered.
#[derive(Debug, Clone)]
pub struct Cosignature {
    pub decided_on: NaiveDate,
    pub decision: Decision,
}

fn decision_str(d: Decision) -> &'static str {
    match d {
        Decision::Accept => "accept",
        Decision::Reject => "reject",
    }
}

/// Writes one signature inside the open transaction.
macro_rules! sign_in_tx {
    ($tx:ident, $delivery:expr, $side:expr, $decision:expr, $on:expr, $actor:expr, $now:expr) => {
        sqlx::query(
            "INSERT INTO acceptance_signatures (id, delivery_id, side, decision, signed_on, user_id, \
             signer_name, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
        )
        .bind(crate::new_id())
        .bind($delivery)
        .bind($side.as_str())
        .bind(decision_str($decision))
        .bind($on)
        .bind(&$actor.id)
        .bind(&$actor.name)
        .bind($now)
        .execute(&mut *$tx)
        .await
    };
}

/// Whether two actors are the same person: by user id when both have one,
/// else by name.
fn same_person(a_id: Option<&str>, a_name: &str, b: &AuditActor) -> bool {
    match (a_id, b.id.as_deref()) {
        (Some(x), Some(y)) => x == y,
        _ => a_name == b.name,
    }
}

/// The checklist a delivery's site answers: by the line's category and the
/// delivery's form.
pub async fn checklist_for(db: &Db, d: &Delivery) -> Result<Vec<rules::CheckKind>, StorageError> {
    let category: (String,) = db_run!(db, |pool| {
        sqlx::query_as("SELECT category FROM need_lines WHERE id = $1")
            .bind(&d.need_line_id)
            .fetch_one(pool)
            .await?
    });
    let category = category
        .0
        .parse::<domain::needs::Category>()
        .map_err(|e| StorageError::Corrupt(e.to_string()))?;
    let form = DeliveryForm::parse(&d.form)
        .ok_or_else(|| StorageError::Corrupt(format!("delivery {}: form", d.id)))?;
    Ok(rules::checklist(category, form))
}

fn open_issues(ncs: &[Nonconformity]) -> i64 {
    ncs.iter().filter(|n| !n.resolved).count() as i64
}

/// Records the checklist and the decision. A failed point raises a
/// non-conformity; accepting with any left open gives
/// `accepted_with_issues`. The caller has checked the actor's scope.
pub async fn record(
    db: &Db,
    delivery_id: &str,
    a: &Acceptance,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<DeliveryOutcome, StorageError> {
    let Some(before) = crate::deliveries::get(db, delivery_id).await? else {
        return Ok(Err(DeliveryRefusal::UnknownDelivery));
    };
    let expected = checklist_for(db, &before).await?;
    if let Err(e) = rules::check_answers(&expected, &a.answers, before.value) {
        return Ok(Err(e.into()));
    }
    let answers: Vec<CheckAnswer> = a
        .answers
        .iter()
        .map(|x| CheckAnswer {
            note: domain::text::clean(&x.note),
            ..x.clone()
        })
        .collect();
    let ncs: Vec<Nonconformity> = answers
        .iter()
        .filter(|x| !x.passed)
        .map(|x| Nonconformity {
            value: x.value,
            action: x.action,
            resolved: x.resolved,
        })
        .collect();
    let lock = delivery_lock(db);
    let stock = crate::stock::stock_lock(db);
    let out = db_tx!(db, |tx| {
        if let Some(sql) = lock {
            sqlx::query(sql).execute(&mut *tx).await?;
        }
        let row: Option<(String, Option<String>, i64)> =
            sqlx::query_as("SELECT status, handed_over_by, value FROM deliveries WHERE id = $1")
                .bind(delivery_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((status, handed_over_by, value)) = row else {
            return Ok(Err(DeliveryRefusal::UnknownDelivery));
        };
        let status = DeliveryStatus::parse(&status)
            .ok_or_else(|| StorageError::Corrupt(format!("delivery {delivery_id}: status")))?;
        let to = match rules::accept(status, a.decision) {
            Ok(to) => to,
            Err(e) => return Ok(Err(e.into())),
        };
        if handed_over_by.as_deref() == Some(actor.name.as_str()) {
            return Ok(Err(DeliveryRefusal::SameHands));
        }
        for x in &answers {
            let check_id = crate::new_id();
            sqlx::query(
                "INSERT INTO acceptance_checks (id, delivery_id, check_kind, passed, note, recorded_by, created_at) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7)",
            )
            .bind(&check_id)
            .bind(delivery_id)
            .bind(x.kind.as_str())
            .bind(x.passed)
            .bind(&x.note)
            .bind(&actor.name)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if !x.passed {
                sqlx::query(
                    "INSERT INTO nonconformities (id, province, delivery_id, check_id, description, quantity, \
                     value, action, resolved, resolution_note, resolved_by, resolved_at, created_by, created_at) \
                     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)",
                )
                .bind(crate::new_id())
                .bind(crate::admin_units::PROVINCE)
                .bind(delivery_id)
                .bind(&check_id)
                .bind(&x.note)
                .bind(x.quantity)
                .bind(x.value)
                .bind(x.action.as_str())
                .bind(x.resolved)
                .bind(x.resolved.then(|| x.note.clone()))
                .bind(x.resolved.then(|| actor.name.clone()))
                .bind(x.resolved.then_some(now))
                .bind(&actor.name)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
        }
        // A rejection is final at once; an acceptance waits for the commune.
        let final_decision = to == DeliveryStatus::Rejected;
        crate::summaries::delivery_in_tx!(tx, &delivery_id, -1)?;
        let n = sqlx::query(
            "UPDATE deliveries SET status = $1, accepted_on = $2, accepted_by = $3, updated_at = $4 \
             WHERE id = $5 AND status = 'handed_over'",
        )
        .bind(to.as_str())
        .bind(final_decision.then_some(a.decided_on))
        .bind(final_decision.then(|| actor.name.clone()))
        .bind(now)
        .bind(delivery_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Ok(Err(DeliveryRefusal::Changed));
        }
        crate::summaries::delivery_in_tx!(tx, &delivery_id, 1)?;
        sign_in_tx!(
            tx,
            delivery_id,
            SignSide::Site,
            a.decision,
            a.decided_on,
            actor,
            now
        )?;
        let accepted = rules::accepted_value(to, value, &ncs);
        if !final_decision {
            // Goods sent back on the spot go back into the store they
            // came from.
            for x in answers
                .iter()
                .filter(|x| !x.passed && x.resolved && x.action == rules::NcAction::Return)
            {
                crate::stock::put_back_in_tx!(
                    tx,
                    stock,
                    delivery_id,
                    Some(x.quantity),
                    &x.note,
                    RETURN_REASON,
                    a.decided_on,
                    &actor.name,
                    now
                )?;
            }
        }
        if final_decision {
            crate::stock::return_in_tx!(tx, stock, delivery_id, a.decided_on, &actor.name, now)?;
            let outcome_id = crate::new_id();
            sqlx::query(
                "INSERT INTO delivery_outcomes (id, delivery_id, decided_on, outcome, accepted_value, open_issues, \
                 recorded_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
            )
            .bind(&outcome_id)
            .bind(delivery_id)
            .bind(a.decided_on)
            .bind(to.as_str())
            .bind(accepted)
            .bind(open_issues(&ncs))
            .bind(&actor.name)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            (*tx).append_amendment(&outcome_id, now).await?;
        }
        let rec = AuditRecord {
            actor: actor.clone(),
            at: now,
            action: "sign_site",
            entity: "delivery",
            entity_id: delivery_id.to_owned(),
            before: Some(json!({"status": status.as_str()})),
            after: Some(json!({
                "status": to.as_str(), "decided_on": a.decided_on.to_string(),
                "decision": decision_str(a.decision), "signer": actor.name,
                "accepted_value": accepted,
                "checks": answers.iter().map(|x| json!([x.kind.as_str(), x.passed, x.note])).collect::<Vec<_>>(),
            })),
        };
        (*tx).append(&rec).await?;
        let after: Delivery = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{} WHERE id = $1",
            DELIVERY_COLUMNS
        )))
        .bind(delivery_id)
        .fetch_one(&mut *tx)
        .await?;
        Ok::<DeliveryOutcome, StorageError>(Ok(after))
    })?;
    Ok(out)
}

/// The commune co-signs what the site signed: the delivery becomes
/// accepted (with issues while a non-conformity is open) or rejected, with
/// its outcome row and amendment leaf. The co-signer must be someone other
/// than the site's signer and whoever recorded the handover. The caller
/// has checked the actor's role and scope.
pub async fn cosign(
    db: &Db,
    delivery_id: &str,
    c: &Cosignature,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<DeliveryOutcome, StorageError> {
    let lock = delivery_lock(db);
    let stock = crate::stock::stock_lock(db);
    let out = db_tx!(db, |tx| {
        if let Some(sql) = lock {
            sqlx::query(sql).execute(&mut *tx).await?;
        }
        let row: Option<(String, Option<String>, i64)> =
            sqlx::query_as("SELECT status, handed_over_by, value FROM deliveries WHERE id = $1")
                .bind(delivery_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((status, handed_over_by, value)) = row else {
            return Ok(Err(DeliveryRefusal::UnknownDelivery));
        };
        let status = DeliveryStatus::parse(&status)
            .ok_or_else(|| StorageError::Corrupt(format!("delivery {delivery_id}: status")))?;
        let rows: Vec<(i64, String, bool)> = sqlx::query_as(
            "SELECT value, action, resolved FROM nonconformities WHERE delivery_id = $1",
        )
        .bind(delivery_id)
        .fetch_all(&mut *tx)
        .await?;
        let ncs = rows
            .iter()
            .map(|(v, a, r)| {
                rules::NcAction::parse(a)
                    .map(|action| Nonconformity {
                        value: *v,
                        action,
                        resolved: *r,
                    })
                    .ok_or_else(|| StorageError::Corrupt(format!("non-conformity action {a}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let to = match rules::cosign(status, c.decision, &ncs) {
            Ok(to) => to,
            Err(e) => return Ok(Err(e.into())),
        };
        if handed_over_by.as_deref() == Some(actor.name.as_str()) {
            return Ok(Err(DeliveryRefusal::SameHands));
        }
        let site: Option<(Option<String>, String)> = sqlx::query_as(
            "SELECT user_id, signer_name FROM acceptance_signatures WHERE delivery_id = $1 AND side = $2",
        )
        .bind(delivery_id)
        .bind(SignSide::Site.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some((site_id, site_name)) = site else {
            return Err(StorageError::Corrupt(format!(
                "delivery {delivery_id}: site_signed without the site's signature"
            )));
        };
        if same_person(site_id.as_deref(), &site_name, actor) {
            return Ok(Err(DeliveryRefusal::SameSigner));
        }
        crate::summaries::delivery_in_tx!(tx, &delivery_id, -1)?;
        let n = sqlx::query(
            "UPDATE deliveries SET status = $1, accepted_on = $2, accepted_by = $3, updated_at = $4 \
             WHERE id = $5 AND status = 'site_signed'",
        )
        .bind(to.as_str())
        .bind(c.decided_on)
        .bind(&actor.name)
        .bind(now)
        .bind(delivery_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Ok(Err(DeliveryRefusal::Changed));
        }
        crate::summaries::delivery_in_tx!(tx, &delivery_id, 1)?;
        sign_in_tx!(
            tx,
            delivery_id,
            SignSide::Commune,
            c.decision,
            c.decided_on,
            actor,
            now
        )?;
        if to == DeliveryStatus::Rejected {
            crate::stock::return_in_tx!(tx, stock, delivery_id, c.decided_on, &actor.name, now)?;
        }
        let accepted = rules::accepted_value(to, value, &ncs);
        let outcome_id = crate::new_id();
        sqlx::query(
            "INSERT INTO delivery_outcomes (id, delivery_id, decided_on, outcome, accepted_value, open_issues, \
             recorded_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
        )
        .bind(&outcome_id)
        .bind(delivery_id)
        .bind(c.decided_on)
        .bind(to.as_str())
        .bind(accepted)
        .bind(open_issues(&ncs))
        .bind(&actor.name)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let rec = AuditRecord {
            actor: actor.clone(),
            at: now,
            action: "sign_commune",
            entity: "delivery",
            entity_id: delivery_id.to_owned(),
            before: Some(json!({"status": status.as_str(), "site_signer": site_name})),
            after: Some(json!({
                "status": to.as_str(), "decided_on": c.decided_on.to_string(),
                "decision": decision_str(c.decision), "signer": actor.name,
                "accepted_value": accepted,
            })),
        };
        (*tx).append_amendment(&outcome_id, now).await?;
        (*tx).append(&rec).await?;
        let after: Delivery = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{} WHERE id = $1",
            DELIVERY_COLUMNS
        )))
        .bind(delivery_id)
        .fetch_one(&mut *tx)
        .await?;
        Ok::<DeliveryOutcome, StorageError>(Ok(after))
    })?;
    Ok(out)
}

/// Both signatures of a delivery's acceptance, site first.
pub async fn signatures(db: &Db, delivery_id: &str) -> Result<Vec<SignatureRow>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, SignatureRow>(
            "SELECT side, decision, signed_on, user_id, signer_name FROM acceptance_signatures \
             WHERE delivery_id = $1 ORDER BY CASE side WHEN 'site' THEN 0 ELSE 1 END",
        )
        .bind(delivery_id)
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

/// The reason of the `in` event that puts goods sent back into the store.
const RETURN_REASON: &str =
    "Trả lại kho: hàng không đạt bị gửi trả / returned: non-conformity sent back";

/// Marks a non-conformity resolved (replaced, returned, discount agreed);
/// once none is left open the delivery is `accepted`. A new outcome row and
/// amendment leaf record what is accepted now. A `return` resolved for a
/// delivery drawn from a store puts the goods sent back (its quantity,
/// within what the delivery took out) into that store with an `in` event,
/// in the same transaction.
pub async fn resolve(
    db: &Db,
    nc_id: &str,
    note: &str,
    on: NaiveDate,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<DeliveryOutcome, StorageError> {
    let note = domain::text::clean(note);
    if note.is_empty() {
        return Ok(Err(DeliveryRefusal::NoteRequired));
    }
    let lock = delivery_lock(db);
    let stock = crate::stock::stock_lock(db);
    let out = db_tx!(db, |tx| {
        if let Some(sql) = lock {
            sqlx::query(sql).execute(&mut *tx).await?;
        }
        let row: Option<(String, bool, String, i64, String)> = sqlx::query_as(
            "SELECT delivery_id, resolved, action, quantity, description FROM nonconformities \
             WHERE id = $1",
        )
        .bind(nc_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((delivery_id, resolved, nc_action, nc_quantity, nc_about)) = row else {
            return Ok(Err(DeliveryRefusal::UnknownNonconformity));
        };
        if resolved {
            return Ok(Err(DeliveryRefusal::AlreadyResolved));
        }
        let (status, value): (String, i64) =
            sqlx::query_as("SELECT status, value FROM deliveries WHERE id = $1")
                .bind(&delivery_id)
                .fetch_one(&mut *tx)
                .await?;
        let status = DeliveryStatus::parse(&status)
            .ok_or_else(|| StorageError::Corrupt(format!("delivery {delivery_id}: status")))?;
        sqlx::query(
            "UPDATE nonconformities SET resolved = $1, resolution_note = $2, resolved_by = $3, resolved_at = $4 \
             WHERE id = $5",
        )
        .bind(true)
        .bind(&note)
        .bind(&actor.name)
        .bind(now)
        .bind(nc_id)
        .execute(&mut *tx)
        .await?;
        let rows: Vec<(i64, String, bool)> = sqlx::query_as(
            "SELECT value, action, resolved FROM nonconformities WHERE delivery_id = $1",
        )
        .bind(&delivery_id)
        .fetch_all(&mut *tx)
        .await?;
        let ncs = rows
            .iter()
            .map(|(v, a, r)| {
                rules::NcAction::parse(a)
                    .map(|action| Nonconformity {
                        value: *v,
                        action,
                        resolved: *r,
                    })
                    .ok_or_else(|| StorageError::Corrupt(format!("non-conformity action {a}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        // Returning drops the transaction: the resolution is undone.
        let to = match rules::after_resolution(status, &ncs) {
            Ok(to) => to,
            Err(e) => return Ok(Err(e.into())),
        };
        crate::summaries::delivery_in_tx!(tx, &delivery_id, -1)?;
        sqlx::query("UPDATE deliveries SET status = $1, updated_at = $2 WHERE id = $3")
            .bind(to.as_str())
            .bind(now)
            .bind(&delivery_id)
            .execute(&mut *tx)
            .await?;
        crate::summaries::delivery_in_tx!(tx, &delivery_id, 1)?;
        let put_back = if rules::NcAction::parse(&nc_action) == Some(rules::NcAction::Return) {
            crate::stock::put_back_in_tx!(
                tx,
                stock,
                &delivery_id,
                Some(nc_quantity),
                &nc_about,
                RETURN_REASON,
                on,
                &actor.name,
                now
            )?
        } else {
            0
        };
        let accepted = rules::accepted_value(to, value, &ncs);
        let outcome_id = crate::new_id();
        sqlx::query(
            "INSERT INTO delivery_outcomes (id, delivery_id, decided_on, outcome, accepted_value, open_issues, \
             recorded_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
        )
        .bind(&outcome_id)
        .bind(&delivery_id)
        .bind(on)
        .bind(to.as_str())
        .bind(accepted)
        .bind(open_issues(&ncs))
        .bind(&actor.name)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let rec = AuditRecord {
            actor: actor.clone(),
            at: now,
            action: "resolve",
            entity: "nonconformity",
            entity_id: nc_id.to_owned(),
            before: Some(json!({"resolved": false, "delivery_status": status.as_str()})),
            after: Some(
                json!({"resolved": true, "note": note, "delivery_status": to.as_str(),
                "accepted_value": accepted, "returned_to_store": put_back}),
            ),
        };
        (*tx).append_amendment(&outcome_id, now).await?;
        (*tx).append(&rec).await?;
        let after: Delivery = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{} WHERE id = $1",
            DELIVERY_COLUMNS
        )))
        .bind(&delivery_id)
        .fetch_one(&mut *tx)
        .await?;
        Ok::<DeliveryOutcome, StorageError>(Ok(after))
    })?;
    Ok(out)
}

pub async fn checks(db: &Db, delivery_id: &str) -> Result<Vec<CheckRow>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, CheckRow>(
            "SELECT id, check_kind, passed, note, recorded_by FROM acceptance_checks \
             WHERE delivery_id = $1 ORDER BY created_at, id",
        )
        .bind(delivery_id)
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

const NC_SELECT: &str = "SELECT n.id, n.delivery_id, c.check_kind, n.description, n.quantity, n.value, \
    n.action, n.resolved, n.resolution_note, n.resolved_by FROM nonconformities n \
    LEFT JOIN acceptance_checks c ON c.id = n.check_id";

pub async fn nonconformities(
    db: &Db,
    delivery_id: &str,
) -> Result<Vec<NonconformityRow>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, NonconformityRow>(sqlx::AssertSqlSafe(format!(
            "{NC_SELECT} WHERE n.delivery_id = $1 ORDER BY n.created_at, n.id"
        )))
        .bind(delivery_id)
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

pub async fn nonconformity(db: &Db, id: &str) -> Result<Option<NonconformityRow>, StorageError> {
    let row = db_run!(db, |pool| {
        sqlx::query_as::<_, NonconformityRow>(sqlx::AssertSqlSafe(format!(
            "{NC_SELECT} WHERE n.id = $1"
        )))
        .bind(id)
        .fetch_optional(pool)
        .await?
    });
    Ok(row)
}

pub async fn outcomes(db: &Db, delivery_id: &str) -> Result<Vec<OutcomeRow>, StorageError> {
    let rows = db_run!(db, |pool| {
        sqlx::query_as::<_, OutcomeRow>(
            "SELECT id, decided_on, outcome, accepted_value, open_issues, recorded_by \
             FROM delivery_outcomes WHERE delivery_id = $1 ORDER BY created_at, id",
        )
        .bind(delivery_id)
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}
