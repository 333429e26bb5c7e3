//! Storage behaviour, run on SQLite by default and on PostgreSQL when
//! `TEST_DATABASE_URL` is set — the same test bodies on both backends.

use chrono::{NaiveDate, TimeZone, Utc};
use storage::audit::{AuditActor, AuditFilter};
use storage::testing::fresh_db;
use storage::{Db, StorageError};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

async fn db() -> Db {
    fresh_db().await.expect("fresh database")
}

#[tokio::test]
async fn code_20035_names_three_different_units_over_time() {
    let db = db().await;
    let name = |on| {
        let db = db.clone();
        async move {
            storage::admin_units::unit_on(&db, "20035", on)
                .await
                .expect("query")
                .map(|u| u.name)
        }
    };
    assert_eq!(
        name(date(2019, 12, 1)).await.as_deref(),
        Some("Xã Bình Điền")
    );
    assert_eq!(
        name(date(2022, 1, 1)).await.as_deref(),
        Some("Xã Bình Tiến")
    );
    assert_eq!(
        name(date(2025, 8, 1)).await.as_deref(),
        Some("Xã Bình Điền")
    );
    assert_eq!(
        storage::admin_units::versions_of(&db, "20035")
            .await
            .expect("q")
            .len(),
        3
    );
}

#[tokio::test]
async fn an_old_a_luoi_commune_reaches_a_luoi_1_and_back() {
    let db = db().await;
    let hong_trung = storage::admin_units::unit_on(&db, "20056", date(2019, 12, 1))
        .await
        .expect("q")
        .expect("Xã Hồng Trung existed in 2019");
    assert_eq!(hong_trung.name, "Xã Hồng Trung");
    let forward = storage::admin_units::lineage(&db, &hong_trung.id)
        .await
        .expect("q");
    let today = forward
        .successors
        .iter()
        .find(|u| u.valid_to.is_none())
        .expect("a current successor");
    assert_eq!(today.name, "Xã A Lưới 1");
    let back = storage::admin_units::lineage(&db, &today.id)
        .await
        .expect("q");
    assert!(back.predecessors.iter().any(|u| u.id == hong_trung.id));
    assert!(back.predecessors.iter().any(|u| u.name == "Xã Bắc Sơn"));
}

#[tokio::test]
async fn commune_counts_follow_the_reforms() {
    let db = db().await;
    let communes = |on| {
        let db = db.clone();
        async move {
            storage::admin_units::units_on(&db, on)
                .await
                .expect("q")
                .into_iter()
                .filter(|u| u.level == "commune")
                .count()
        }
    };
    assert_eq!(communes(date(2019, 9, 11)).await, 152);
    assert_eq!(communes(date(2020, 1, 1)).await, 145);
    assert_eq!(communes(date(2025, 7, 1)).await, 40);
}

#[tokio::test]
async fn a_district_scope_expands_to_its_communes_and_their_history() {
    let db = db().await;
    let scope = storage::admin_units::expand_scope(&db, &["20056".to_owned()])
        .await
        .expect("q");
    // Today's A Lưới 1 covers the 2019 communes merged into it.
    assert!(scope.contains("20056"));
    assert!(
        scope.contains("20062"),
        "Bắc Sơn merged into Trung Sơn → A Lưới 1: {scope:?}"
    );
    assert!(!scope.contains("19744"), "a Huế ward is not in scope");
    let district = storage::admin_units::expand_scope(&db, &["481".to_owned()])
        .await
        .expect("q");
    assert!(
        district.contains("20047"),
        "Hồng Vân belonged to A Lưới district"
    );
}

fn actor() -> AuditActor {
    AuditActor {
        id: None,
        name: "tester".into(),
    }
}

fn new_user(name: &str) -> storage::users::NewUser {
    storage::users::NewUser {
        username: name.into(),
        display_name: "Người thử".into(),
        password_hash: "$argon2id$dummy".into(),
        role: "local_officer".into(),
        org_id: None,
        lang: "vi".into(),
        scopes: vec!["20056".into()],
    }
}

#[tokio::test]
async fn creating_a_user_writes_its_audit_row_and_a_duplicate_is_refused() {
    let db = db().await;
    let now = Utc::now();
    let id = storage::users::create(&db, &new_user("hoa"), &actor(), now)
        .await
        .expect("create");
    let rows = storage::audit::list(
        &db,
        &AuditFilter {
            entity: Some("user".into()),
            limit: 10,
            ..AuditFilter::default()
        },
    )
    .await
    .expect("audit");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].entity_id, id);
    assert!(
        rows[0]
            .after_json
            .as_deref()
            .unwrap_or("")
            .contains("\"hoa\"")
    );
    assert!(
        !rows[0]
            .after_json
            .as_deref()
            .unwrap_or("")
            .contains("argon2"),
        "password hashes never reach the audit log"
    );
    let dup = storage::users::create(&db, &new_user("hoa"), &actor(), now).await;
    assert!(
        matches!(dup, Err(StorageError::Duplicate { .. })),
        "{dup:?}"
    );
    // The failed attempt left nothing behind: still one user, one audit row.
    assert_eq!(storage::users::count(&db).await.expect("count"), 1);
    assert_eq!(storage::audit::verify(&db).await.expect("chain"), 1);
    assert_eq!(
        storage::users::scopes(&db, &id).await.expect("s"),
        vec!["20056"]
    );
}

#[tokio::test]
async fn the_audit_chain_detects_an_edited_row() {
    let db = db().await;
    let now = Utc::now();
    for name in ["a1", "a2", "a3"] {
        storage::users::create(&db, &new_user(name), &actor(), now)
            .await
            .expect("create");
    }
    assert_eq!(storage::audit::verify(&db).await.expect("intact"), 3);
    storage::db_run!(&db, |pool| {
        sqlx::query("UPDATE audit_events SET actor_name = 'someone else' WHERE seq = (SELECT MIN(seq) FROM audit_events)")
            .execute(pool)
            .await
            .expect("tamper");
    });
    assert!(matches!(
        storage::audit::verify(&db).await,
        Err(StorageError::Corrupt(_))
    ));
}

#[tokio::test]
async fn sessions_expire_and_end_with_a_password_change() {
    let db = db().await;
    let now = Utc
        .with_ymd_and_hms(2026, 11, 29, 8, 0, 0)
        .single()
        .expect("t");
    let uid = storage::users::create(&db, &new_user("lan"), &actor(), now)
        .await
        .expect("create");
    for (hash, hours) in [("s1", 12), ("s2", 12)] {
        storage::sessions::create(
            &db,
            &storage::sessions::Session {
                id_hash: hash.into(),
                user_id: uid.clone(),
                csrf_token: "c".into(),
                created_at: now,
                last_seen_at: now,
                expires_at: now + chrono::Duration::hours(hours),
            },
        )
        .await
        .expect("session");
    }
    let s = storage::sessions::get(&db, "s1")
        .await
        .expect("q")
        .expect("exists");
    assert_eq!(s.expires_at, now + chrono::Duration::hours(12));
    storage::users::set_password(&db, &uid, "$argon2id$new", Some("s1"), &actor(), now)
        .await
        .expect("pw");
    assert!(
        storage::sessions::get(&db, "s1")
            .await
            .expect("q")
            .is_some()
    );
    assert!(
        storage::sessions::get(&db, "s2")
            .await
            .expect("q")
            .is_none()
    );
    let purged = storage::sessions::purge_expired(&db, now + chrono::Duration::hours(13), now)
        .await
        .expect("purge");
    assert_eq!(purged, 1);
}

#[tokio::test]
async fn tokens_resolve_to_their_user_until_revoked() {
    let db = db().await;
    let now = Utc::now();
    let uid = storage::users::create(&db, &new_user("api"), &actor(), now)
        .await
        .expect("create");
    let tid = storage::tokens::create(&db, &uid, "hash-1", "bank", &actor(), now)
        .await
        .expect("token");
    assert_eq!(
        storage::tokens::user_for(&db, "hash-1", now)
            .await
            .expect("q"),
        Some(uid.clone())
    );
    assert_eq!(
        storage::tokens::user_for(&db, "hash-2", now)
            .await
            .expect("q"),
        None
    );
    storage::tokens::revoke(&db, &tid, &actor(), now)
        .await
        .expect("revoke");
    assert_eq!(
        storage::tokens::user_for(&db, "hash-1", now)
            .await
            .expect("q"),
        None
    );
    let again = storage::tokens::revoke(&db, &tid, &actor(), now).await;
    assert!(matches!(again, Err(StorageError::NotFound { .. })));
}

#[tokio::test]
async fn organisations_are_filtered_by_scope() {
    use domain::authz::Visibility;
    use storage::organisations::{OrgFilter, Organisation};
    let db = db().await;
    let now = Utc::now();
    let mk = |id: &str, unit: Option<&str>| Organisation {
        id: id.into(),
        name: format!("Trường {id}"),
        short_name: None,
        org_type: "school".into(),
        parent_id: None,
        unit_code: unit.map(Into::into),
        valid_from: None,
        valid_to: None,
        successor_id: None,
        is_demo: false,
    };
    for (id, unit) in [("a", Some("20056")), ("b", Some("19744")), ("c", None)] {
        storage::organisations::create(&db, &mk(id, unit), &actor(), now)
            .await
            .expect("org");
    }
    let scoped = Visibility::Units(["20056".to_owned()].into_iter().collect());
    let ids = |v: Vec<Organisation>| v.into_iter().map(|o| o.id).collect::<Vec<_>>();
    let seen = ids(
        storage::organisations::list(&db, &scoped, &OrgFilter::default())
            .await
            .expect("q"),
    );
    assert_eq!(seen, vec!["a", "c"]);
    let all = ids(
        storage::organisations::list(&db, &Visibility::All, &OrgFilter::default())
            .await
            .expect("q"),
    );
    assert_eq!(all.len(), 3);
    let none = storage::organisations::list(&db, &Visibility::PublicOnly, &OrgFilter::default())
        .await
        .expect("q");
    assert!(none.is_empty());
    let search = OrgFilter {
        search: Some("TRUONG A".into()),
        ..OrgFilter::default()
    };
    assert_eq!(
        ids(storage::organisations::list(&db, &Visibility::All, &search)
            .await
            .expect("q")),
        vec!["a"]
    );
}

#[tokio::test]
async fn classifications_are_stored_and_deleted_with_audit() {
    use domain::classification::{ClassificationKind, NewClassification};
    let db = db().await;
    let now = Utc::now();
    let c = NewClassification {
        unit_code: "20056".into(),
        kind: ClassificationKind::ThonDbkk,
        village: Some("Thôn Pa Ay".into()),
        valid_from: date(2021, 6, 4),
        valid_to: None,
        instrument: "QĐ 612/QĐ-UBDT".into(),
    }
    .validate()
    .expect("valid");
    let id = storage::classifications::create(&db, &c, false, &actor(), now)
        .await
        .expect("c");
    let rows = storage::classifications::list(&db, Some("20056"))
        .await
        .expect("q");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].village.as_deref(), Some("Thôn Pa Ay"));
    assert_eq!(rows[0].valid_from, date(2021, 6, 4));
    storage::classifications::delete(&db, &id, &actor(), now)
        .await
        .expect("d");
    assert!(
        storage::classifications::list(&db, None)
            .await
            .expect("q")
            .is_empty()
    );
    assert_eq!(storage::audit::verify(&db).await.expect("chain"), 2);
}

/// Tables and columns of the two migration folders, read from the SQL.
fn columns_of(sql: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut table: Option<String> = None;
    for line in sql.lines() {
        let line = line.split("--").next().unwrap_or("").trim();
        if let Some(rest) = line.strip_prefix("ALTER TABLE ") {
            let mut words = rest.split_whitespace();
            if let (Some(t), Some("ADD"), Some("COLUMN"), Some(c)) =
                (words.next(), words.next(), words.next(), words.next())
            {
                out.push((t.to_owned(), c.to_owned()));
            }
        } else if let Some(rest) = line.strip_prefix("CREATE TABLE ") {
            table = rest.split_whitespace().next().map(str::to_owned);
        } else if line.starts_with(')') {
            table = None;
        } else if let Some(t) = &table {
            let first = line.split_whitespace().next().unwrap_or("");
            if !first.is_empty() && first != "PRIMARY" && first != "UNIQUE" && first != "FOREIGN" {
                out.push((t.clone(), first.to_owned()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn both_migration_folders_declare_the_same_tables_and_columns() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations");
    let mut files: Vec<_> = std::fs::read_dir(format!("{dir}/sqlite"))
        .expect("sqlite dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut pg_files: Vec<_> = std::fs::read_dir(format!("{dir}/postgres"))
        .expect("pg dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    pg_files.sort();
    assert_eq!(files, pg_files, "same migration files on both backends");
    for f in files {
        let lite = std::fs::read_to_string(format!("{dir}/sqlite/{f}")).expect("read");
        let pg = std::fs::read_to_string(format!("{dir}/postgres/{f}")).expect("read");
        assert_eq!(columns_of(&lite), columns_of(&pg), "{f}");
        // A migration declares columns, or (an index-only migration) indexes.
        assert!(
            !columns_of(&lite).is_empty() || lite.contains("CREATE INDEX"),
            "{f} declares nothing"
        );
    }
}

#[tokio::test]
async fn the_live_schema_has_the_declared_columns() {
    let db = db().await;
    let live = db.schema_columns().await.expect("schema");
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite");
    let mut declared = Vec::new();
    for e in std::fs::read_dir(dir).expect("dir").filter_map(Result::ok) {
        declared.extend(columns_of(
            &std::fs::read_to_string(e.path()).expect("read"),
        ));
    }
    declared.sort();
    assert_eq!(live, declared);
}

#[tokio::test]
async fn districts_abolished_in_2025_record_how_they_ended() {
    let db = db().await;
    let a_luoi = storage::admin_units::unit_on(&db, "481", date(2025, 6, 30))
        .await
        .expect("q")
        .expect("A Lưới district existed");
    assert_eq!(a_luoi.valid_to, Some(date(2025, 7, 1)));
    let d = storage::admin_units::dissolution(&db, &a_luoi.id)
        .await
        .expect("q")
        .expect("dissolved");
    assert_eq!(d.effective_date, date(2025, 7, 1));
    assert!(d.instrument.contains("72/2025/QH15"), "{}", d.instrument);
    assert!(
        storage::admin_units::unit_on(&db, "481", date(2025, 7, 1))
            .await
            .expect("q")
            .is_none()
    );
}
