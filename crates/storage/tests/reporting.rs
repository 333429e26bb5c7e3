//! The reporting regime in storage: years opened for the units in force,
//! transitions persisted and audited, approving one's own report refused,
//! two editors of one draft, figures validated, exceptions, the cut-off
//! lock, obligations moved along the real lineage (and 2024 reports
//! staying), completeness counts, plans and their live actuals, and the
//! notification outbox — on SQLite, and on PostgreSQL with
//! `TEST_DATABASE_URL`.

use std::collections::BTreeSet;

use chrono::{NaiveDate, Utc};
use domain::admin_units::{AdminMap, embedded_map};
use domain::authz::{Actor, Role, Scope};
use domain::needs::{AgeBand, Category, NeedStatus, PackageItem, PackageVersion};
use domain::reporting::{
    Changes, ExceptionVerdict, ReportAction, ReportingError, Status, completeness,
};
use storage::Db;
use storage::audit::{AuditActor, AuditFilter};
use storage::reporting::{ANNUAL, By, ObligationRow, OpenYear, Refusal, annual_template};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
}

fn map() -> &'static AdminMap {
    embedded_map().expect("the shipped map")
}

fn person(id: &str, role: Role, scope: &[&str]) -> Actor {
    Actor {
        user_id: Some(id.to_owned()),
        role,
        scope: Scope::new(scope.iter().map(|s| (*s).to_owned())),
    }
}

fn audit(name: &str) -> AuditActor {
    AuditActor {
        id: None,
        name: name.into(),
    }
}

/// Xã A Lưới 1's officer (scope as the web layer expands it: the commune
/// and the communes that became it).
fn officer() -> Actor {
    person(
        "u-aluoi1",
        Role::LocalOfficer,
        &["20056", "20047", "20053", "20104", "20062"],
    )
}

fn coordinator() -> Actor {
    person("u-dieuphoi", Role::Coordinator, &[])
}

async fn open(db: &Db, year: i32, units_on: NaiveDate, cutoff: NaiveDate) {
    let spec = OpenYear {
        template: annual_template(),
        year,
        due: d(year, 11, 30),
        cutoff,
        units_on,
        is_demo: false,
    };
    storage::reporting::open_year(db, map(), &spec, &audit("dieuphoi"), Utc::now())
        .await
        .expect("q")
        .expect("valid year");
}

async fn obligation(db: &Db, year: i32, unit_id: &str) -> ObligationRow {
    storage::reporting::list(db, &domain::authz::Visibility::All, ANNUAL, Some(year))
        .await
        .expect("q")
        .into_iter()
        .map(|l| l.obligation)
        .find(|o| o.unit_id == unit_id)
        .unwrap_or_else(|| panic!("no {year} obligation for {unit_id}"))
}

fn changes(pairs: &[(&str, &str)]) -> Changes {
    pairs.iter().fold(Changes::new(), |c, (f, v)| c.set(f, v))
}

async fn save(
    db: &Db,
    id: &str,
    opened_at: u64,
    pairs: &[(&str, &str)],
    submit: Option<bool>,
    who: &Actor,
    today: NaiveDate,
) -> Result<domain::reporting::Report, Refusal> {
    let a = audit(who.user_id.as_deref().unwrap_or("?"));
    storage::reporting::save(
        db,
        id,
        opened_at,
        &changes(pairs),
        submit,
        &By {
            actor: who,
            audit: &a,
        },
        today,
        Utc::now(),
    )
    .await
    .expect("q")
}

async fn act(
    db: &Db,
    id: &str,
    action: ReportAction,
    who: &Actor,
    today: NaiveDate,
) -> Result<domain::reporting::Report, Refusal> {
    let a = audit(who.user_id.as_deref().unwrap_or("?"));
    storage::reporting::act(
        db,
        id,
        action,
        &By {
            actor: who,
            audit: &a,
        },
        today,
        Utc::now(),
    )
    .await
    .expect("q")
}

async fn state(db: &Db, id: &str) -> storage::reporting::ReportState {
    storage::reporting::get(db, id)
        .await
        .expect("q")
        .expect("obligation")
}

#[tokio::test]
async fn a_year_is_opened_for_the_units_in_force_and_opening_again_adds_nothing() {
    let db = storage::testing::fresh_db().await.expect("db");
    open(&db, 2025, d(2025, 8, 1), d(2025, 11, 30)).await;
    let listed = storage::reporting::list(&db, &domain::authz::Visibility::All, ANNUAL, Some(2025))
        .await
        .expect("q");
    assert_eq!(
        listed.len(),
        40,
        "the forty communes of Huế after 1 Jul 2025"
    );
    assert!(listed.iter().all(|l| l.obligation.due_on == d(2025, 11, 30)
        && l.obligation.state == "open"
        && l.status() == "none"));
    let again = storage::reporting::open_year(
        &db,
        map(),
        &OpenYear {
            template: annual_template(),
            year: 2025,
            due: d(2025, 11, 30),
            cutoff: d(2025, 11, 30),
            units_on: d(2025, 8, 1),
            is_demo: false,
        },
        &audit("dieuphoi"),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("valid");
    assert_eq!((again.obligations, again.existing), (0, 40));
    // a cut-off before the due date is refused by the domain
    let bad = storage::reporting::open_year(
        &db,
        map(),
        &OpenYear {
            template: annual_template(),
            year: 2026,
            due: d(2026, 11, 30),
            cutoff: d(2026, 11, 1),
            units_on: d(2026, 1, 1),
            is_demo: false,
        },
        &audit("dieuphoi"),
        Utc::now(),
    )
    .await
    .expect("q");
    assert!(matches!(bad, Err(ReportingError::CutoffBeforeDue { .. })));
    // a scoped viewer sees only their unit's obligation
    let mine = storage::reporting::list(&db, &officer().visibility(), ANNUAL, Some(2025))
        .await
        .expect("q");
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].obligation.unit_name, "Xã A Lưới 1");
}

#[tokio::test]
async fn every_transition_is_persisted_and_audited() {
    let db = storage::testing::fresh_db().await.expect("db");
    open(&db, 2025, d(2025, 8, 1), d(2025, 12, 15)).await;
    let id = obligation(&db, 2025, "20056@2025-07-01").await.id;
    let off = officer();
    let coord = coordinator();

    let r = save(
        &db,
        &id,
        0,
        &[
            ("money_domestic", "12.500.000"),
            ("results", "  Đã hỗ trợ 120 cháu  "),
        ],
        None,
        &off,
        d(2025, 11, 10),
    )
    .await
    .expect("draft saved");
    assert_eq!(r.status, Status::Draft);
    let s = state(&db, &id).await;
    assert_eq!(s.draft.version, 1);
    assert_eq!(
        s.draft.values.get("money_domestic").map(String::as_str),
        Some("12500000"),
        "stored as plain digits"
    );
    assert_eq!(
        s.draft.values.get("results").map(String::as_str),
        Some("Đã hỗ trợ 120 cháu")
    );

    save(&db, &id, 1, &[], Some(false), &off, d(2025, 11, 20))
        .await
        .expect("submitted");
    let s = state(&db, &id).await;
    assert_eq!(s.report.status, Status::Submitted);
    assert_eq!(
        s.report.submitted.as_ref().map(|x| (x.by.as_str(), x.on)),
        Some(("u-aluoi1", d(2025, 11, 20)))
    );
    // submitted: the officer can no longer edit
    let refused = save(
        &db,
        &id,
        1,
        &[("results", "x")],
        None,
        &off,
        d(2025, 11, 21),
    )
    .await;
    assert!(
        matches!(
            refused,
            Err(Refusal::Reporting(ReportingError::NotEditable { .. }))
        ),
        "{refused:?}"
    );

    // returned with a reason, edited back to a draft, submitted again
    let returned = act(
        &db,
        &id,
        ReportAction::Return {
            reason: "Thiếu số liệu áo ấm".into(),
        },
        &coord,
        d(2025, 11, 22),
    )
    .await
    .expect("returned");
    assert_eq!(
        returned.status,
        Status::Returned {
            reason: "Thiếu số liệu áo ấm".into()
        }
    );
    let empty_reason = act(
        &db,
        &id,
        ReportAction::Return { reason: " ".into() },
        &coord,
        d(2025, 11, 22),
    )
    .await;
    assert!(matches!(
        empty_reason,
        Err(Refusal::Reporting(ReportingError::NotFrom { .. }))
            | Err(Refusal::Reporting(ReportingError::ReasonRequired))
    ));
    assert_eq!(
        state(&db, &id).await.row.and_then(|r| r.return_reason),
        Some("Thiếu số liệu áo ấm".into())
    );
    save(
        &db,
        &id,
        1,
        &[("packages_funded", "120")],
        Some(false),
        &off,
        d(2025, 11, 23),
    )
    .await
    .expect("fixed and submitted again");
    act(&db, &id, ReportAction::Approve, &coord, d(2025, 11, 25))
        .await
        .expect("approved");
    act(&db, &id, ReportAction::Lock, &coord, d(2025, 11, 26))
        .await
        .expect("locked");
    let s = state(&db, &id).await;
    assert_eq!(s.report.status, Status::Locked);
    let why = domain::reporting::lock_explanation(&s.report, d(2025, 11, 27)).expect("locked");
    assert!(why.text().vi.contains("u-dieuphoi"), "{}", why.text().vi);
    assert!(why.who_can_unlock.contains(&Role::Coordinator));
    // the officer may not unlock; the coordinator may
    let denied = act(&db, &id, ReportAction::Unlock, &off, d(2025, 11, 28)).await;
    assert!(matches!(
        denied,
        Err(Refusal::Reporting(ReportingError::UnlockDenied { .. }))
    ));
    act(&db, &id, ReportAction::Unlock, &coord, d(2025, 11, 28))
        .await
        .expect("unlocked");
    assert_eq!(state(&db, &id).await.report.status, Status::Approved);

    let rows = storage::audit::list(
        &db,
        &AuditFilter {
            entity: Some("report".into()),
            limit: 100,
            ..AuditFilter::default()
        },
    )
    .await
    .expect("audit");
    let actions: Vec<&str> = rows.iter().rev().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "save_draft",
            "submit",
            "return",
            "submit",
            "approve",
            "lock",
            "unlock"
        ]
    );
    assert!(rows.iter().all(|r| r.entity_id == id));
    assert!(rows.iter().any(|r| {
        r.after_json
            .as_deref()
            .is_some_and(|a| a.contains("Thiếu số liệu áo ấm"))
    }));
    storage::audit::verify(&db).await.expect("the chain holds");
}

#[tokio::test]
async fn approving_ones_own_report_is_refused() {
    let db = storage::testing::fresh_db().await.expect("db");
    open(&db, 2025, d(2025, 8, 1), d(2025, 11, 30)).await;
    let id = obligation(&db, 2025, "20056@2025-07-01").await.id;
    let coord = coordinator();
    // a coordinator may file for any unit, but not approve what they filed
    save(
        &db,
        &id,
        0,
        &[("results", "…")],
        Some(false),
        &coord,
        d(2025, 11, 1),
    )
    .await
    .expect("submitted by the coordinator");
    let own = act(&db, &id, ReportAction::Approve, &coord, d(2025, 11, 2)).await;
    assert_eq!(own, Err(Refusal::Reporting(ReportingError::OwnReport)));
    assert_eq!(state(&db, &id).await.report.status, Status::Submitted);
    let other = person("u-admin", Role::Admin, &[]);
    act(&db, &id, ReportAction::Approve, &other, d(2025, 11, 2))
        .await
        .expect("someone else approves");
    // an officer out of scope cannot touch another commune's report
    let stranger = person("u-x", Role::LocalOfficer, &["20044"]);
    let refused = save(
        &db,
        &id,
        1,
        &[("results", "x")],
        None,
        &stranger,
        d(2025, 11, 3),
    )
    .await;
    assert!(matches!(
        refused,
        Err(Refusal::Reporting(ReportingError::Denied { .. }))
    ));
}

#[tokio::test]
async fn two_people_saving_one_draft_the_second_is_told_what_changed() {
    let db = storage::testing::fresh_db().await.expect("db");
    open(&db, 2025, d(2025, 8, 1), d(2025, 11, 30)).await;
    let id = obligation(&db, 2025, "20056@2025-07-01").await.id;
    let a = officer();
    let b = person("u-aluoi1-b", Role::LocalOfficer, &["20056"]);
    let today = d(2025, 11, 5);
    // both open version 0; A saves first
    save(
        &db,
        &id,
        0,
        &[
            ("money_domestic", "5000000"),
            ("difficulties", "Đường sạt lở"),
        ],
        None,
        &a,
        today,
    )
    .await
    .expect("first save");
    let second = save(
        &db,
        &id,
        0,
        &[("money_domestic", "7000000")],
        None,
        &b,
        today,
    )
    .await;
    let Err(Refusal::Reporting(ReportingError::Conflict(c))) = second else {
        panic!("the second save must be refused: {second:?}");
    };
    assert_eq!((c.opened_at, c.current), (0, 1));
    let fields: Vec<&str> = c
        .changed_fields_since_opened
        .iter()
        .map(|f| f.field.as_str())
        .collect();
    assert_eq!(fields, ["difficulties", "money_domestic"]);
    assert!(
        c.changed_fields_since_opened
            .iter()
            .all(|f| f.by == "u-aluoi1")
    );
    assert_eq!(c.overlapping, ["money_domestic"]);
    // nothing was overwritten
    let s = state(&db, &id).await;
    assert_eq!(
        s.draft.values.get("money_domestic").map(String::as_str),
        Some("5000000")
    );

    // truly at once: one of two saves from the same version wins, the other is told
    let (x, y) = tokio::join!(
        save(&db, &id, 1, &[("proposals", "Thêm áo ấm")], None, &a, today),
        save(&db, &id, 1, &[("proposals", "Thêm sữa")], None, &b, today),
    );
    let wins = [&x, &y].iter().filter(|r| r.is_ok()).count();
    assert_eq!(wins, 1, "{x:?} / {y:?}");
    let loser = if x.is_ok() { y } else { x };
    let Err(Refusal::Reporting(ReportingError::Conflict(c))) = loser else {
        panic!("the loser is told of a conflict: {loser:?}");
    };
    assert_eq!(c.field_list(), "proposals");
    assert_eq!(state(&db, &id).await.draft.version, 2);
}

#[tokio::test]
async fn typed_figures_are_validated_naming_the_field_and_nothing_is_saved() {
    let db = storage::testing::fresh_db().await.expect("db");
    open(&db, 2025, d(2025, 8, 1), d(2025, 11, 30)).await;
    let id = obligation(&db, 2025, "20056@2025-07-01").await.id;
    let r = save(
        &db,
        &id,
        0,
        &[
            ("money_foreign", "-5"),
            ("children_supported", "mười hai"),
            ("money_domestic", "1.000"),
        ],
        None,
        &officer(),
        d(2025, 11, 5),
    )
    .await;
    let Err(Refusal::Figures(errors)) = r else {
        panic!("refused: {r:?}");
    };
    assert_eq!(errors.len(), 2);
    assert!(errors.contains(&ReportingError::NotANumber {
        field: "children_supported".into(),
        value: "mười hai".into()
    }));
    assert!(errors.contains(&ReportingError::NegativeFigure {
        field: "money_foreign".into(),
        value: "-5".into()
    }));
    let s = state(&db, &id).await;
    assert!(
        s.draft.values.is_empty() && s.row.is_none(),
        "nothing saved"
    );
    let unknown = save(
        &db,
        &id,
        0,
        &[("salary", "1")],
        None,
        &officer(),
        d(2025, 11, 5),
    )
    .await;
    assert_eq!(unknown, Err(Refusal::UnknownField("salary".into())));
}

#[tokio::test]
async fn nil_reports_exceptions_and_the_cut_off_lock() {
    let db = storage::testing::fresh_db().await.expect("db");
    open(&db, 2025, d(2025, 8, 1), d(2025, 11, 30)).await;
    let coord = coordinator();
    let off = officer();
    let mine = obligation(&db, 2025, "20056@2025-07-01").await.id;
    // after the cut-off, submitting is refused …
    let late = save(&db, &mine, 0, &[], Some(true), &off, d(2025, 12, 3)).await;
    assert!(matches!(
        late,
        Err(Refusal::Reporting(ReportingError::SubmitAfterLock { .. }))
    ));
    // … the unit asks for an exception, the coordinator grants it
    let a = audit("aluoi1");
    let by_off = By {
        actor: &off,
        audit: &a,
    };
    storage::reporting::request_exception(
        &db,
        &mine,
        "Xã mới thành lập, cán bộ mới",
        d(2025, 12, 20),
        &by_off,
        d(2025, 12, 3),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("asked");
    let c = audit("dieuphoi");
    let by_coord = By {
        actor: &coord,
        audit: &c,
    };
    storage::reporting::decide_exception(
        &db,
        &mine,
        ExceptionVerdict::Grant,
        &by_coord,
        d(2025, 12, 4),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("granted");
    let nil = save(&db, &mine, 0, &[], Some(true), &off, d(2025, 12, 10))
        .await
        .expect("a nil report within the exception");
    assert!(nil.nil);
    let s = state(&db, &mine).await;
    assert_eq!(s.exceptions.len(), 1);
    assert_eq!(s.exceptions[0].decision, "granted");
    assert_eq!(s.report.exception_until(), Some(d(2025, 12, 20)));

    act(&db, &mine, ReportAction::Approve, &coord, d(2025, 12, 11))
        .await
        .expect("approved");
    // the cut-off lock waits for the exception's end, then locks
    assert_eq!(
        storage::reporting::lock_past_cutoff(&db, d(2025, 12, 15), Utc::now())
            .await
            .expect("q"),
        0
    );
    assert_eq!(
        storage::reporting::lock_past_cutoff(&db, d(2025, 12, 21), Utc::now())
            .await
            .expect("q"),
        1
    );
    let s = state(&db, &mine).await;
    assert_eq!(s.report.status, Status::Locked);
    assert_eq!(s.row.as_ref().and_then(|r| r.locked_by.clone()), None);
    let why = domain::reporting::lock_explanation(&s.report, d(2025, 12, 22)).expect("why");
    assert_eq!(why.message_key(), "reporting-lock-cutoff");
}

#[tokio::test]
async fn obligations_follow_the_real_lineage_and_2024_reports_stay() {
    let db = storage::testing::fresh_db().await.expect("db");
    // 2024 opened in June 2024; 2025 opened on 2 Dec 2024, before the reforms
    open(&db, 2024, d(2024, 6, 1), d(2024, 11, 30)).await;
    open(&db, 2025, d(2024, 12, 2), d(2025, 11, 30)).await;
    let nd24 = obligation(&db, 2024, "483@origin").await;
    let nd25 = obligation(&db, 2025, "483@origin").await;
    let nd_officer = person("u-namdong", Role::LocalOfficer, &["483"]);
    save(
        &db,
        &nd24.id,
        0,
        &[("results", "Năm 2024")],
        Some(false),
        &nd_officer,
        d(2024, 11, 25),
    )
    .await
    .expect("Nam Đông files 2024");

    let moved = storage::reporting::migrate_obligations(
        &db,
        map(),
        d(2026, 1, 10),
        &audit("system"),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("migrated");
    assert!(moved.moved > 100, "{moved:?}");
    assert_eq!(
        moved.created, 40,
        "the forty communes carry the 2025 duties"
    );

    // 2024: due before the reforms; Nam Đông's stays Nam Đông's
    let nd24 = state(&db, &nd24.id).await;
    assert_eq!(nd24.obligation.state, "open");
    assert!(nd24.moves_out.is_empty());
    assert_eq!(nd24.report.status, Status::Submitted);
    let all24 = storage::reporting::list(&db, &domain::authz::Visibility::All, ANNUAL, Some(2024))
        .await
        .expect("q");
    assert!(all24.iter().all(|l| l.obligation.state == "open"));

    // 2025: Nam Đông → Phú Lộc (1 Jan 2025) → the eight communes (1 Jul 2025)
    let nd25 = state(&db, &nd25.id).await;
    assert_eq!(nd25.obligation.state, "moved");
    assert_eq!(nd25.obligation.moved_on, Some(d(2025, 1, 1)));
    let steps: Vec<(&str, NaiveDate, &str, usize)> = nd25
        .moves_out
        .iter()
        .map(|m| {
            (
                m.from_unit.as_str(),
                m.effective_on,
                m.reason.as_str(),
                m.targets().len(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("483@origin", d(2025, 1, 1), "lineage", 1),
            ("482@2025-01-01", d(2025, 7, 1), "dissolved", 8)
        ]
    );
    assert_eq!(nd25.moves_out[0].to_units, "482@2025-01-01");
    assert_eq!(nd25.moves_out[0].instrument, "NQ 1314/NQ-UBTVQH15");
    // the moved obligation can no longer be written
    let refused = save(
        &db,
        &nd25.obligation.id,
        0,
        &[("results", "x")],
        None,
        &nd_officer,
        d(2025, 2, 1),
    )
    .await;
    assert_eq!(refused, Err(Refusal::Moved));

    let y25 = storage::reporting::year_state(&db, ANNUAL, 2025)
        .await
        .expect("q");
    let open25: Vec<&ObligationRow> = y25.obligations.iter().filter(|o| !o.is_moved()).collect();
    assert_eq!(open25.len(), 40);
    assert!(
        open25
            .iter()
            .all(|o| o.inherited && o.unit_level == "commune")
    );
    let khe_tre = open25
        .iter()
        .find(|o| o.unit_name == "Xã Khe Tre")
        .expect("Khe Tre carries a 2025 duty");
    let carried = state(&db, &khe_tre.id).await;
    let origins: BTreeSet<&str> = carried
        .moves_in
        .iter()
        .map(|m| m.from_unit.as_str())
        .collect();
    assert!(origins.contains("482@2025-01-01"), "{origins:?}");

    // running again changes nothing
    let again = storage::reporting::migrate_obligations(
        &db,
        map(),
        d(2026, 2, 1),
        &audit("system"),
        Utc::now(),
    )
    .await
    .expect("q")
    .expect("migrated");
    assert_eq!(again, storage::reporting::Moved::default());
    let moves = storage::audit::list(
        &db,
        &AuditFilter {
            entity: Some("report_obligation".into()),
            limit: 500,
            ..AuditFilter::default()
        },
    )
    .await
    .expect("q");
    assert_eq!(moves.len(), moved.moved);
}

#[tokio::test]
async fn completeness_counts_on_time_late_nil_missing_and_returned() {
    let db = storage::testing::fresh_db().await.expect("db");
    // due 30 Nov 2025, cut-off 15 Dec: a report filed in between is late
    open(&db, 2025, d(2025, 8, 1), d(2025, 12, 15)).await;
    let coord = coordinator();
    let units = [
        ("20056@2025-07-01", Some((d(2025, 11, 10), false))),
        ("20044@2025-07-01", Some((d(2025, 11, 20), true))),
        ("20050@2025-07-01", Some((d(2025, 12, 5), false))),
        ("20071@2025-07-01", Some((d(2025, 11, 28), false))),
    ];
    for (unit, filed) in units {
        let id = obligation(&db, 2025, unit).await.id;
        if let Some((on, nil)) = filed {
            save(&db, &id, 0, &[], Some(nil), &coord, on)
                .await
                .expect("filed");
        }
    }
    let returned = obligation(&db, 2025, "20071@2025-07-01").await.id;
    let admin = person("u-admin", Role::Admin, &[]);
    act(
        &db,
        &returned,
        ReportAction::Return {
            reason: "Sai số liệu".into(),
        },
        &admin,
        d(2025, 11, 29),
    )
    .await
    .expect("returned");
    let approved = obligation(&db, 2025, "20056@2025-07-01").await.id;
    act(
        &db,
        &approved,
        ReportAction::Approve,
        &admin,
        d(2025, 11, 29),
    )
    .await
    .expect("approved");

    let y = storage::reporting::year_state(&db, ANNUAL, 2025)
        .await
        .expect("q");
    let c = completeness(
        map(),
        &y.expected().expect("obligations"),
        &y.expected_reports(),
        d(2025, 12, 31),
        d(2025, 11, 30),
    )
    .expect("completeness");
    let t = c.total;
    assert_eq!(t.expected, 40);
    assert_eq!((t.submitted, t.on_time, t.late), (3, 2, 1));
    assert_eq!((t.missing, t.overdue, t.returned), (37, 37, 1));
    assert_eq!((t.nil, t.approved), (1, 1));
    // as of 15 November only the first had reported
    let mid = completeness(
        map(),
        &y.expected().expect("obligations"),
        &y.expected_reports(),
        d(2025, 11, 15),
        d(2025, 11, 30),
    )
    .expect("completeness");
    assert_eq!(mid.total.submitted, 1);
    assert_eq!(c.roots.len(), 1, "one city");
    assert_eq!(c.roots[0].children.len(), 40);
}

// ------------------------------------------------------------------ plans

async fn need_line_world(db: &Db) -> String {
    let sys = audit("test");
    let now = Utc::now();
    for (id, unit) in [("th-hong-kim", "20053"), ("th-thuan-an", "19900")] {
        let o = storage::organisations::Organisation {
            id: id.into(),
            name: format!("Trường {id}"),
            short_name: None,
            org_type: "school".into(),
            parent_id: None,
            unit_code: Some(unit.into()),
            valid_from: None,
            valid_to: None,
            successor_id: None,
            is_demo: false,
        };
        storage::organisations::create(db, &o, &sys, now)
            .await
            .expect("school");
    }
    storage::catalogue::create_period(
        db,
        &storage::catalogue::Period {
            id: "dong-2025".into(),
            name: "Mùa đông 2025–2026".into(),
            starts_on: d(2025, 11, 1),
            ends_on: d(2026, 3, 1),
            is_demo: false,
        },
        &sys,
        now,
    )
    .await
    .expect("period");
    let pkg = storage::catalogue::add_package_version(
        db,
        &PackageVersion {
            code: "ĐA-01".into(),
            version: 0,
            name: "Gói đồ ấm".into(),
            category: Category::WarmClothing,
            age_band: AgeBand::PRIMARY,
            items: vec![PackageItem {
                name: "Áo ấm".into(),
                unit: "cái".into(),
                quantity: 1,
                unit_value: 300_000,
            }],
        },
        false,
        &sys,
        now,
    )
    .await
    .expect("package");
    let mut lines = Vec::new();
    for site in ["th-hong-kim", "th-thuan-an"] {
        let line = storage::needs::create(
            db,
            &storage::needs::NewNeedLine {
                site_id: site.into(),
                period_id: "dong-2025".into(),
                package_id: pkg.id.clone(),
                quantity: 100,
                note: String::new(),
                is_demo: false,
            },
            &sys,
            now,
        )
        .await
        .expect("q")
        .expect("line");
        storage::needs::set_status(
            db,
            &line,
            NeedStatus::Assessed,
            NeedStatus::Verified,
            None,
            &sys,
            now,
        )
        .await
        .expect("verified");
        lines.push(line);
    }
    for (id, origin, kind) in [("dn", "domestic", "business"), ("ngo", "foreign", "fund")] {
        storage::donors::create(
            db,
            &storage::donors::Donor {
                id: id.into(),
                kind: "organisation".into(),
                name: format!("Nhà tài trợ {id}"),
                origin: origin.into(),
                donor_type: kind.into(),
                tax_code: None,
                phone: None,
                email: None,
                publish_name: true,
                anonymous: false,
                is_demo: false,
            },
            &sys,
            now,
        )
        .await
        .expect("donor");
        storage::donors::create_pledge(
            db,
            &storage::donors::Pledge {
                id: format!("p-{id}"),
                donor_id: id.into(),
                kind: "money".into(),
                amount: 100_000_000,
                status: "committed".into(),
                categories: None,
                unit_codes: None,
                age_bands: None,
                period_id: None,
                due_on: None,
                origin: "officer".into(),
                need_line_id: None,
                note: String::new(),
                is_demo: false,
                number: None,
            },
            &sys,
            now,
        )
        .await
        .expect("pledge");
    }
    // Hồng Kim: 9.000.000 from the business (30 packages) + 1.500.000 from
    // the foreign fund (5 more); Thuận An (Huế city): 3.000.000 from the fund
    for (line, pledge, amount) in [
        (&lines[0], "p-dn", 9_000_000),
        (&lines[0], "p-ngo", 1_500_000),
        (&lines[1], "p-ngo", 3_000_000),
    ] {
        storage::allocations::allocate(
            db,
            &storage::allocations::AllocationRequest {
                need_line_id: line.clone(),
                pledge_id: pledge.into(),
                amount,
                override_reason: None,
                may_override: false,
                is_demo: false,
            },
            &sys,
            now,
        )
        .await
        .expect("q")
        .expect("allocated");
    }
    pkg.id
}

#[tokio::test]
async fn plans_have_targets_as_data_and_live_actuals() {
    let db = storage::testing::fresh_db().await.expect("db");
    need_line_world(&db).await;
    let sys = audit("dieuphoi");
    let now = Utc::now();
    let new = |name: &str, level: &str, unit: &str| storage::plans::NewPlan {
        name: name.into(),
        level: level.into(),
        unit_code: unit.into(),
        org_id: None,
        starts_on: d(2025, 9, 1),
        ends_on: d(2026, 9, 1),
        note: String::new(),
        is_demo: false,
    };
    let city = storage::plans::create(
        &db,
        &new("Kế hoạch thành phố 2025–2026", "city", "46"),
        &sys,
        now,
    )
    .await
    .expect("q")
    .expect("city plan");
    let commune = storage::plans::create(
        &db,
        &new("Kế hoạch xã A Lưới 1 2025–2026", "commune", "20056"),
        &sys,
        now,
    )
    .await
    .expect("q")
    .expect("commune plan");
    let refused = storage::plans::create(&db, &new(" ", "city", "46"), &sys, now)
        .await
        .expect("q");
    assert_eq!(refused, Err(storage::plans::PlanRefusal::EmptyName));
    let org_without =
        storage::plans::create(&db, &new("Hội LHPN", "mass_organisation", "46"), &sys, now)
            .await
            .expect("q");
    assert_eq!(
        org_without,
        Err(storage::plans::PlanRefusal::UnknownOrganisation)
    );

    for (plan, cat, src, ind, value) in [
        (&city, "all", "all", "money", "20.000.000"),
        (&city, "all", "foreign", "money", "5000000"),
        (&city, "warm_clothing", "all", "packages", "100"),
        (&city, "all", "state_budget", "money", "1.000.000"),
        (&city, "all", "all", "children", "150"),
        (&commune, "all", "all", "money", "12.000.000"),
        (&commune, "all", "domestic", "packages", "50"),
    ] {
        storage::plans::set_target(&db, plan, cat, src, ind, value, &sys, now)
            .await
            .expect("q")
            .expect("target");
    }
    // a changed target replaces the old one (audited with both values)
    storage::plans::set_target(&db, &city, "all", "all", "money", "25.000.000", &sys, now)
        .await
        .expect("q")
        .expect("changed");
    let bad = storage::plans::set_target(&db, &city, "all", "all", "money", "-3", &sys, now)
        .await
        .expect("q");
    assert!(matches!(
        bad,
        Err(storage::plans::PlanRefusal::Figure(ReportingError::NegativeFigure { ref field, .. })) if field == "target"
    ));
    let bad = storage::plans::set_target(&db, &city, "all", "all", "money", "nhiều", &sys, now)
        .await
        .expect("q");
    assert!(matches!(
        bad,
        Err(storage::plans::PlanRefusal::Figure(
            ReportingError::NotANumber { .. }
        ))
    ));

    let plan = storage::plans::get(&db, &city)
        .await
        .expect("q")
        .expect("plan");
    let progress = storage::plans::progress(&db, map(), &plan)
        .await
        .expect("q");
    let actual = |cat: &str, src: &str, ind: &str| {
        progress
            .iter()
            .find(|p| {
                p.target.category == cat && p.target.source == src && p.target.indicator == ind
            })
            .map(|p| (p.target.target, p.actual))
            .expect("target")
    };
    assert_eq!(
        actual("all", "all", "money"),
        (25_000_000, Some(13_500_000))
    );
    assert_eq!(
        actual("all", "foreign", "money"),
        (5_000_000, Some(4_500_000))
    );
    assert_eq!(actual("warm_clothing", "all", "packages"), (100, Some(45)));
    assert_eq!(actual("all", "state_budget", "money"), (1_000_000, None));
    assert_eq!(
        actual("all", "all", "children"),
        (150, Some(0)),
        "no deliveries yet"
    );
    assert_eq!(progress.len(), 5);

    // the commune's plan covers A Lưới 1 and the communes that became it
    // (Hồng Kim), not Thuận An
    let plan = storage::plans::get(&db, &commune)
        .await
        .expect("q")
        .expect("plan");
    let progress = storage::plans::progress(&db, map(), &plan)
        .await
        .expect("q");
    let money = progress
        .iter()
        .find(|p| p.target.indicator == "money")
        .and_then(|p| p.actual);
    assert_eq!(money, Some(10_500_000));
    let packages = progress
        .iter()
        .find(|p| p.target.indicator == "packages")
        .and_then(|p| p.actual);
    assert_eq!(
        packages,
        Some(30),
        "the business's 9.000.000 pays 30 packages"
    );

    // the system's figures beside a 2025 report of A Lưới 1
    open(&db, 2025, d(2025, 8, 1), d(2025, 11, 30)).await;
    let o = obligation(&db, 2025, "20056@2025-07-01").await;
    let figures = storage::reporting::system_figures(&db, map(), &o)
        .await
        .expect("q");
    assert_eq!(figures.get("money_domestic"), Some(&Some(9_000_000)));
    assert_eq!(figures.get("money_foreign"), Some(&Some(1_500_000)));
    assert_eq!(figures.get("money_fund"), Some(&Some(1_500_000)));
    assert_eq!(figures.get("money_state_budget"), Some(&None));
    assert_eq!(figures.get("packages_funded"), Some(&Some(35)));

    let audit_rows = storage::audit::list(
        &db,
        &AuditFilter {
            entity: Some("plan_target".into()),
            limit: 50,
            ..AuditFilter::default()
        },
    )
    .await
    .expect("q");
    assert_eq!(audit_rows.len(), 8);
    assert!(
        audit_rows[0]
            .before_json
            .as_deref()
            .is_some_and(|b| b.contains("20000000"))
    );
}

#[tokio::test]
async fn reminders_go_to_the_officers_of_units_that_have_not_filed() {
    let db = storage::testing::fresh_db().await.expect("db");
    open(&db, 2025, d(2025, 8, 1), d(2025, 11, 30)).await;
    let sys = audit("test");
    let now = Utc::now();
    let mut ids = Vec::new();
    for (name, scope) in [("aluoi1", "20056"), ("aluoi2", "20044")] {
        let id = storage::users::create(
            &db,
            &storage::users::NewUser {
                username: name.into(),
                display_name: name.into(),
                password_hash: "x".into(),
                role: "local_officer".into(),
                org_id: None,
                lang: "vi".into(),
                scopes: vec![scope.into()],
            },
            &sys,
            now,
        )
        .await
        .expect("user");
        ids.push(id);
    }
    storage::notifications::set_email(&db, &ids[0], Some("aluoi1@example.org"), &sys, now)
        .await
        .expect("email");
    // A Lưới 2 has filed
    let filed = obligation(&db, 2025, "20044@2025-07-01").await.id;
    save(
        &db,
        &filed,
        0,
        &[],
        Some(true),
        &coordinator(),
        d(2025, 11, 10),
    )
    .await
    .expect("filed");
    let n = storage::notifications::remind_missing(&db, ANNUAL, 2025, d(2025, 11, 15), &sys, now)
        .await
        .expect("q");
    assert_eq!(n, 1, "only A Lưới 1's officer is reminded");
    let again =
        storage::notifications::remind_missing(&db, ANNUAL, 2025, d(2025, 11, 15), &sys, now)
            .await
            .expect("q");
    assert_eq!(again, 0, "once a day");
    let mine = storage::notifications::for_user(&db, &ids[0], 10)
        .await
        .expect("q");
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].kind, "reminder");
    assert_eq!(mine[0].email_status, "pending");
    assert!(
        mine[0]
            .args()
            .iter()
            .any(|(k, v)| k == "unit" && v == "Xã A Lưới 1")
    );
    assert!(
        storage::notifications::for_user(&db, &ids[1], 10)
            .await
            .expect("q")
            .is_empty()
    );
    let pending = storage::notifications::pending_email(&db, 10)
        .await
        .expect("q");
    assert_eq!(pending.len(), 1);
    assert_eq!(
        pending[0].notice.email_to.as_deref(),
        Some("aluoi1@example.org")
    );
    storage::notifications::mark_failed(&db, &pending[0].notice.id, "connection refused")
        .await
        .expect("q");
    assert_eq!(
        storage::notifications::pending_email(&db, 10)
            .await
            .expect("q")[0]
            .notice
            .attempts,
        1
    );
    storage::notifications::mark_sent(&db, &pending[0].notice.id, now)
        .await
        .expect("q");
    assert!(
        storage::notifications::pending_email(&db, 10)
            .await
            .expect("q")
            .is_empty()
    );
    assert!(
        storage::notifications::mark_read(&db, &ids[0], &mine[0].id, now)
            .await
            .expect("q")
    );
    assert!(
        !storage::notifications::mark_read(&db, &ids[1], &mine[0].id, now)
            .await
            .expect("q"),
        "not someone else's notice"
    );
}
