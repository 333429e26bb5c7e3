//! `storage::ledger::verify_log_only` and the page reader behind it and
//! `TreeCache`: exact bytes (NUL, invalid UTF-8, empty and large leaves)
//! across several pages, and every kind of damage named at the right index
//! — on SQLite, and on PostgreSQL with `TEST_DATABASE_URL`.

use chrono::Utc;
use storage::Db;
use storage::ledger::{TreeCache, VerifyProblem};

/// More than two SQLite pages (2,048 indexes each) and one hashing page.
const N: usize = 5_000;

fn leaf(i: usize) -> Vec<u8> {
    match i % 7 {
        // Bytes that text handling would mangle: NUL, 0xff, a lone
        // continuation byte, a truncated multi-byte sequence.
        0 => vec![0x00, 0xff, 0x80, b'a', 0x00, 0xe1, (i % 251) as u8],
        1 => Vec::new(),
        2 if i % 1000 == 2 => vec![b'x'; 100_000 + i],
        _ => format!(r#"{{"i":{i},"kind":"test","memo":"Ủng hộ đồng bào vùng lũ"}}"#).into_bytes(),
    }
}

async fn log_of(n: usize) -> (Db, Vec<Vec<u8>>) {
    let db = storage::testing::fresh_db().await.expect("db");
    let leaves: Vec<Vec<u8>> = (0..n).map(leaf).collect();
    let items: Vec<(&'static str, String, Vec<u8>)> = leaves
        .iter()
        .enumerate()
        .map(|(i, l)| ("test", format!("t{i}"), l.clone()))
        .collect();
    for chunk in items.chunks(1000) {
        storage::ledger::append_batch(&db, chunk, Utc::now())
            .await
            .expect("append");
    }
    (db, leaves)
}

fn tree_of(leaves: &[Vec<u8>]) -> ledger::Tree {
    ledger::Tree::from_leaf_hashes(leaves.iter().map(|l| ledger::leaf_hash(l)).collect())
}

fn blob(hex: &str) -> String {
    match storage::testing::backend() {
        storage::Backend::Sqlite => format!("X'{hex}'"),
        storage::Backend::Postgres => format!("decode('{hex}', 'hex')"),
    }
}

async fn sign(db: &Db) -> storage::ledger::StoredHead {
    let key = ledger::signing_key_from_seed([5u8; 32]);
    storage::ledger::publish_head(db, &TreeCache::new(), &key, Utc::now())
        .await
        .expect("head")
}

async fn problem(db: &Db) -> VerifyProblem {
    match storage::ledger::verify_log_only(db).await.expect("q") {
        Ok(report) => panic!("expected a problem, the log verified: {report:?}"),
        Err(p) => p,
    }
}

#[tokio::test]
async fn exact_bytes_over_several_pages_verify_and_load_the_tree_cache() {
    let (db, leaves) = log_of(N).await;
    let tree = tree_of(&leaves);
    let head = sign(&db).await;
    assert_eq!(head.tree_size, N as i64);
    assert_eq!(
        head.root_hash,
        storage::ledger::hex(&tree.root_current()),
        "the head is over the exact bytes"
    );
    let report = storage::ledger::verify_log_only(&db)
        .await
        .expect("q")
        .expect("the log verifies");
    assert_eq!(report.entries, N as u64);
    assert_eq!(report.heads, 1);
    assert_eq!(
        report.leaf_bytes,
        leaves.iter().map(|l| l.len() as u64).sum::<u64>()
    );
    assert_eq!(report.root_hash, head.root_hash);
    assert_eq!(report.pages_reread, 0, "every page came aggregated");

    let all = storage::ledger::leaf_hashes_from(&db, 0).await.expect("q");
    assert_eq!(all, tree.leaf_hashes());
    let tail = storage::ledger::leaf_hashes_from(&db, 2047)
        .await
        .expect("q");
    assert_eq!(tail, &tree.leaf_hashes()[2047..]);
    assert!(
        storage::ledger::leaf_hashes_from(&db, N as i64)
            .await
            .expect("q")
            .is_empty()
    );
    assert_eq!(storage::ledger::size(&db).await.expect("q"), N as i64);
    let cache = TreeCache::new();
    assert_eq!(cache.sync(&db).await.expect("sync"), N as u64);
    assert_eq!(cache.with(|t| t.root_current()), tree.root_current());
}

#[tokio::test]
async fn an_empty_log_verifies() {
    let db = storage::testing::fresh_db().await.expect("db");
    let report = storage::ledger::verify_log_only(&db)
        .await
        .expect("q")
        .expect("the empty log verifies");
    assert_eq!((report.entries, report.heads), (0, 0));
    assert_eq!(report.root_hash, storage::ledger::hex(&ledger::EMPTY_ROOT));
    assert_eq!(storage::ledger::size(&db).await.expect("q"), 0);
}

#[tokio::test]
async fn a_changed_leaf_a_forged_hash_a_gap_and_a_bad_hash_length_are_named() {
    let (db, leaves) = log_of(N).await;
    sign(&db).await;

    // A leaf changed without its stored hash.
    storage::testing::execute(
        &db,
        &format!(
            "UPDATE ledger_entries SET leaf = {} WHERE idx = 3001",
            blob("7b7d")
        ),
    )
    .await
    .expect("tamper");
    assert_eq!(problem(&db).await, VerifyProblem::LeafHash { idx: 3001 });

    // …and its hash too: only the signed head can tell.
    let forged = ledger::leaf_hash(b"{}");
    storage::testing::execute(
        &db,
        &format!(
            "UPDATE ledger_entries SET leaf_hash = {} WHERE idx = 3001",
            blob(&storage::ledger::hex(&forged))
        ),
    )
    .await
    .expect("forge");
    match problem(&db).await {
        VerifyProblem::Head { tree_size, .. } => assert_eq!(tree_size, N as i64),
        other => panic!("expected the head to fail, got {other:?}"),
    }
    // Put it back: the log verifies again.
    let original = storage::ledger::hex(&leaves[3001]);
    let original_hash = storage::ledger::hex(&ledger::leaf_hash(&leaves[3001]));
    storage::testing::execute(
        &db,
        &format!(
            "UPDATE ledger_entries SET leaf = {}, leaf_hash = {} WHERE idx = 3001",
            blob(&original),
            blob(&original_hash)
        ),
    )
    .await
    .expect("restore");
    storage::ledger::verify_log_only(&db)
        .await
        .expect("q")
        .expect("restored");

    // A stored hash of the wrong length, inside a page.
    storage::testing::execute(
        &db,
        &format!(
            "UPDATE ledger_entries SET leaf_hash = {} WHERE idx = 1500",
            blob("00")
        ),
    )
    .await
    .expect("truncate a hash");
    assert_eq!(problem(&db).await, VerifyProblem::LeafHash { idx: 1500 });
    assert!(storage::ledger::leaf_hashes_from(&db, 0).await.is_err());
    storage::testing::execute(
        &db,
        &format!(
            "UPDATE ledger_entries SET leaf_hash = {} WHERE idx = 1500",
            blob(&storage::ledger::hex(&ledger::leaf_hash(&leaves[1500])))
        ),
    )
    .await
    .expect("restore the hash");

    // A missing entry inside a page.
    storage::testing::execute(&db, "DELETE FROM ledger_entries WHERE idx = 2500")
        .await
        .expect("delete");
    assert_eq!(
        problem(&db).await,
        VerifyProblem::Gap {
            expected: 2500,
            found: 2501
        }
    );
    assert!(storage::ledger::leaf_hashes_from(&db, 0).await.is_err());
}

#[tokio::test]
async fn a_gap_as_long_as_a_page_and_a_missing_first_entry_are_named() {
    let (db, _) = log_of(N).await;
    storage::testing::execute(
        &db,
        "DELETE FROM ledger_entries WHERE idx >= 2048 AND idx < 4200",
    )
    .await
    .expect("delete a stretch");
    assert_eq!(
        problem(&db).await,
        VerifyProblem::Gap {
            expected: 2048,
            found: 4200
        }
    );
    storage::testing::execute(&db, "DELETE FROM ledger_entries WHERE idx = 0")
        .await
        .expect("delete the first");
    assert_eq!(
        problem(&db).await,
        VerifyProblem::Gap {
            expected: 0,
            found: 1
        }
    );
}

#[tokio::test]
async fn an_entry_moved_far_from_its_place_is_read_again_in_index_order() {
    // PostgreSQL stores an updated row anew at the end of the table: more
    // entries then come before it than wait in the reorder buffer (65,536).
    let db = storage::testing::fresh_db().await.expect("db");
    let n = 70_000usize;
    let items: Vec<(&'static str, String, Vec<u8>)> = (0..n)
        .map(|i| {
            (
                "test",
                format!("t{i}"),
                format!("{{\"i\":{i}}}").into_bytes(),
            )
        })
        .collect();
    for chunk in items.chunks(5_000) {
        storage::ledger::append_batch(&db, chunk, Utc::now())
            .await
            .expect("append");
    }
    sign(&db).await;
    storage::testing::execute(
        &db,
        "UPDATE ledger_entries SET kind = 'test' WHERE idx = 10",
    )
    .await
    .expect("rewrite a row in place");
    let report = storage::ledger::verify_log_only(&db)
        .await
        .expect("q")
        .expect("the log still verifies");
    assert_eq!(report.entries, n as u64);
    if storage::testing::backend() == storage::Backend::Postgres {
        assert_eq!(report.pages_reread, 1, "read again in index order");
    }
    let hashes = storage::ledger::leaf_hashes_from(&db, 0).await.expect("q");
    assert_eq!(hashes.len(), n);
    assert_eq!(
        hashes[10],
        ledger::leaf_hash(b"{\"i\":10}"),
        "in index order"
    );
}
