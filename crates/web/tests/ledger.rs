//! The public ledger API against its own definition: RFC 9162 §2.1 proofs
//! checked with the ledger crate's verifiers, Ed25519 heads checked with
//! the published key, bad parameters answered 400 in JSON — on SQLite, and
//! on PostgreSQL with `TEST_DATABASE_URL`.

mod common;

use base64::Engine;
use chrono::Utc;
use common::{Client, json};

fn b64(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .expect("base64")
}

fn hash(s: &serde_json::Value) -> ledger::Hash {
    ledger::from_hex::<32>(s.as_str().expect("hex string")).expect("32-byte hex")
}

async fn client_with_leaves(n: usize) -> (Client, Vec<Vec<u8>>) {
    let db = storage::testing::fresh_db().await.expect("db");
    let leaves: Vec<Vec<u8>> = (0..n)
        .map(|i| {
            ledger::canonical_json(
                &serde_json::json!({"v": 1, "kind": "test", "id": format!("t{i}"), "amount": i}),
            )
            .expect("canonical")
        })
        .collect();
    let items: Vec<(&'static str, String, Vec<u8>)> = leaves
        .iter()
        .enumerate()
        .map(|(i, l)| ("test", format!("t{i}"), l.clone()))
        .collect();
    if !items.is_empty() {
        storage::ledger::append_batch(&db, &items, Utc::now())
            .await
            .expect("append");
    }
    let state = web::AppState::new(db, web::WebConfig::default());
    (
        Client {
            router: web::router(state),
        },
        leaves,
    )
}

#[tokio::test]
async fn heads_are_signed_and_every_inclusion_and_consistency_proof_verifies() {
    let (c, leaves) = client_with_leaves(13).await;
    let key = json(&c.get("/api/v1/ledger/key", "").await);
    assert_eq!(key["algorithm"], "ed25519");
    let pk: [u8; 32] = b64(key["public_key"].as_str().expect("key"))
        .try_into()
        .expect("32 bytes");
    let vk = ledger::VerifyingKey::from_bytes(&pk).expect("a valid key");

    let sth = json(&c.get("/api/v1/ledger/sth", "").await);
    assert_eq!(sth["tree_size"], 13);
    let root = hash(&sth["root_hash"]);
    let head = ledger::TreeHead {
        tree_size: 13,
        root_hash: root,
        timestamp_ms: sth["timestamp"].as_u64().expect("ms"),
    };
    let sig: [u8; 64] = b64(sth["signature"].as_str().expect("sig"))
        .try_into()
        .expect("64 bytes");
    head.verify(&vk, &sig)
        .expect("the head's signature verifies");
    let mut forged = head;
    forged.tree_size = 12;
    assert!(forged.verify(&vk, &sig).is_err(), "a changed size fails");

    // The entries are the exact leaf bytes; each one's proof leads to the root.
    let page = json(&c.get("/api/v1/ledger/entries?start=0&end=12", "").await);
    let entries = page["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 13);
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e["index"], i);
        let leaf = b64(e["leaf"].as_str().expect("leaf"));
        assert_eq!(leaf, leaves[i]);
        let p = json(
            &c.get(
                &format!("/api/v1/ledger/proof/inclusion?index={i}&tree_size=13"),
                "",
            )
            .await,
        );
        let path: Vec<ledger::Hash> = p["audit_path"]
            .as_array()
            .expect("path")
            .iter()
            .map(hash)
            .collect();
        ledger::verify_inclusion(&ledger::leaf_hash(&leaf), i as u64, 13, &path, &root)
            .expect("inclusion verifies");
        let wrong = ledger::leaf_hash(b"not this leaf");
        assert!(ledger::verify_inclusion(&wrong, i as u64, 13, &path, &root).is_err());
    }
    // Consistency of every earlier size with the head.
    let tree =
        ledger::Tree::from_leaf_hashes(leaves.iter().map(|l| ledger::leaf_hash(l)).collect());
    for m in 1..=13u64 {
        let p = json(
            &c.get(
                &format!("/api/v1/ledger/proof/consistency?first={m}&second=13"),
                "",
            )
            .await,
        );
        let proof: Vec<ledger::Hash> = p["proof"]
            .as_array()
            .expect("proof")
            .iter()
            .map(hash)
            .collect();
        let old_root = tree.root(m).expect("root");
        ledger::verify_consistency(m, 13, &old_root, &root, &proof).expect("consistency verifies");
    }
    // The head is kept and listed.
    let heads = json(&c.get("/api/v1/ledger/sths", "").await);
    assert_eq!(heads["heads"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn bad_proof_requests_are_400_with_a_json_error() {
    let (c, _) = client_with_leaves(5).await;
    for path in [
        "/api/v1/ledger/proof/inclusion?index=5&tree_size=5",
        "/api/v1/ledger/proof/inclusion?index=0&tree_size=6",
        "/api/v1/ledger/proof/inclusion?index=-1&tree_size=5",
        "/api/v1/ledger/proof/inclusion?index=abc&tree_size=5",
        "/api/v1/ledger/proof/inclusion?tree_size=5",
        "/api/v1/ledger/proof/consistency?first=4&second=3",
        "/api/v1/ledger/proof/consistency?first=1&second=9",
        "/api/v1/ledger/proof/consistency?first=x&second=3",
        "/api/v1/ledger/entries?start=3&end=1",
        "/api/v1/ledger/entries?start=7&end=9",
        "/api/v1/ledger/entries?start=-2&end=1",
    ] {
        let r = c.get(path, "").await;
        assert_eq!(r.status, 400, "{path}: {}", r.body);
        let body = json(&r);
        assert_eq!(body["error"], "bad_request", "{path}");
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{path}"
        );
    }
}

#[tokio::test]
async fn entries_are_paged_and_bounded() {
    let (c, _) = client_with_leaves(1205).await;
    let page = json(&c.get("/api/v1/ledger/entries?start=100&end=5000", "").await);
    let entries = page["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 1000, "at most 1000 per request");
    assert_eq!(entries[0]["index"], 100);
    assert_eq!(entries[999]["index"], 1099);
    let tail = json(
        &c.get("/api/v1/ledger/entries?start=1100&end=5000", "")
            .await,
    );
    assert_eq!(tail["entries"].as_array().map(Vec::len), Some(105));
}
