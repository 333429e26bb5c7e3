//! Keeps `docs/ledger.md` true: its worked example is recomputed here and must appear in the
//! document verbatim.

use ledger::{
    Tree, TreeHead, canonical_json, from_hex, key_id, leaf_hash, node_hash, signing_key_from_seed,
    to_hex, verify_inclusion,
};
use serde_json::json;

const DOC: &str = include_str!("../../../docs/ledger.md");

/// The worked example block of docs/ledger.md, computed.
fn worked_example() -> String {
    let entries = [
        json!({"v": 1, "kind": "receipt", "id": "rc-0001", "at": "2026-11-14",
               "amount": 500_000, "currency": "VND", "method": "bank"}),
        json!({"v": 1, "kind": "allocation", "id": "al-0001", "at": "2026-11-14",
               "amount": 500_000, "currency": "VND", "unit": "46"}),
    ];
    let bytes: Vec<Vec<u8>> = entries
        .iter()
        .map(|e| canonical_json(e).expect("example entries are canonicalisable"))
        .collect();
    let leaves: Vec<_> = bytes.iter().map(|b| leaf_hash(b)).collect();
    let tree = Tree::from_leaf_hashes(leaves.clone());
    let root = tree.root_current();
    assert_eq!(root, node_hash(&leaves[0], &leaves[1]));
    let path = tree.inclusion_proof(1, 2).expect("leaf 1 of 2");
    assert_eq!(verify_inclusion(&leaves[1], 1, 2, &path, &root), Ok(()));

    let head = TreeHead {
        tree_size: 2,
        root_hash: root,
        timestamp_ms: 1_794_704_400_000,
    };
    let seed: [u8; 32] = core::array::from_fn(|i| i as u8);
    let key = signing_key_from_seed(seed);
    let public = key.verifying_key();
    let signature = head.sign(&key);
    assert_eq!(head.verify(&public, &signature), Ok(()));
    let signed = head.signed_bytes();

    let mut out = String::new();
    let text = |b: &[u8]| String::from_utf8(b.to_vec()).expect("canonical JSON is UTF-8");
    out.push_str("```text\n");
    out.push_str(&format!(
        "entry 0 ({} bytes): {}\n",
        bytes[0].len(),
        text(&bytes[0])
    ));
    out.push_str(&format!(
        "leaf hash 0 = SHA-256(00 ‖ entry 0) = {}\n",
        to_hex(&leaves[0])
    ));
    out.push_str(&format!(
        "entry 1 ({} bytes): {}\n",
        bytes[1].len(),
        text(&bytes[1])
    ));
    out.push_str(&format!(
        "leaf hash 1 = SHA-256(00 ‖ entry 1) = {}\n",
        to_hex(&leaves[1])
    ));
    out.push_str(&format!(
        "root (tree_size 2) = SHA-256(01 ‖ leaf hash 0 ‖ leaf hash 1) = {}\n",
        to_hex(&root)
    ));
    out.push_str("inclusion proof of leaf 1 in size 2 = [leaf hash 0]\n");
    out.push_str("timestamp_ms = 1794704400000 (2026-11-15T01:00:00Z)\n\n");
    out.push_str("signed bytes (64):\n");
    out.push_str(&format!(
        "  {}  \"ChungTay-STH-v1\" 00\n",
        to_hex(&signed[..16])
    ));
    out.push_str(&format!(
        "  {}                  tree_size = 2, u64 big-endian\n",
        to_hex(&signed[16..24])
    ));
    out.push_str(&format!(
        "  {}                  timestamp_ms, u64 big-endian\n",
        to_hex(&signed[24..32])
    ));
    out.push_str(&format!("  {}  root hash\n\n", to_hex(&signed[32..])));
    out.push_str(&format!(
        "secret seed (example only, never use it) = {}\n",
        to_hex(&seed)
    ));
    out.push_str(&format!("public key = {}\n", to_hex(public.as_bytes())));
    out.push_str(&format!(
        "key_id = hex(SHA-256(public key)[0..8]) = {}\n",
        key_id(&public)
    ));
    let sig = to_hex(&signature);
    out.push_str(&format!(
        "signature = {}\n            {}\n",
        &sig[..64],
        &sig[64..]
    ));
    out.push_str("```\n");

    // The pieces round-trip through hex as a verifier would read them.
    let parsed: [u8; 64] = from_hex(&sig).expect("signature hex");
    assert_eq!(head.verify(&public, &parsed), Ok(()));
    out
}

#[test]
fn docs_contain_the_computed_worked_example() {
    let block = worked_example();
    assert!(
        DOC.contains(&block),
        "docs/ledger.md must contain this block verbatim:\n{block}"
    );
}

#[test]
fn docs_state_the_signed_layout_and_domain() {
    assert!(DOC.contains("ChungTay-STH-v1"));
    assert!(DOC.contains("4368756e675461792d5354482d763100"));
    assert!(DOC.contains("crates/storage/src/ledger"));
}
