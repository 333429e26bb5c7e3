//! Cross-checks against two independent implementations:
//!
//! * `reference`: MTH, PATH and PROOF/SUBPROOF written as literally as possible from the
//!   RFC 9162 §2.1 pseudocode — recursive, over slices, O(n) per call;
//! * `ct-merkle` 0.3 (a separate RFC 6962 implementation; RFC 9162 keeps the same hashing and
//!   proofs). Its proofs are the concatenated hashes in RFC order, so they compare byte for
//!   byte. It only proves against its full tree and only from a non-empty old tree, so each case
//!   builds a ct-merkle tree of the second size and skips first == 0.
//!
//! Roots and proofs must be identical, and each side's verifier must accept the other's proofs.

use ct_merkle::mem_backed_tree::MemoryBackedTree;
use ct_merkle::{ConsistencyProof, InclusionProof, RootHash};
use ledger::{Hash, Tree, leaf_hash, verify_consistency, verify_inclusion};
use proptest::prelude::*;
use sha2_011::Sha256;

mod reference {
    use ledger::{EMPTY_ROOT, Hash, leaf_hash, node_hash};

    /// The largest power of two smaller than n (n > 1).
    fn k(n: usize) -> usize {
        let mut k = 1;
        while k * 2 < n {
            k *= 2;
        }
        k
    }

    /// MTH(D_n) over entries (not hashes).
    pub fn mth(d: &[Vec<u8>]) -> Hash {
        match d.len() {
            0 => EMPTY_ROOT,
            1 => leaf_hash(&d[0]),
            n => node_hash(&mth(&d[..k(n)]), &mth(&d[k(n)..])),
        }
    }

    /// PATH(m, D_n).
    pub fn path(m: usize, d: &[Vec<u8>]) -> Vec<Hash> {
        let n = d.len();
        if n == 1 {
            return Vec::new();
        }
        let k = k(n);
        if m < k {
            let mut p = path(m, &d[..k]);
            p.push(mth(&d[k..]));
            p
        } else {
            let mut p = path(m - k, &d[k..]);
            p.push(mth(&d[..k]));
            p
        }
    }

    /// PROOF(m, D_n) = SUBPROOF(m, D_n, true), for 0 < m <= n.
    pub fn proof(m: usize, d: &[Vec<u8>]) -> Vec<Hash> {
        subproof(m, d, true)
    }

    fn subproof(m: usize, d: &[Vec<u8>], b: bool) -> Vec<Hash> {
        let n = d.len();
        if m == n {
            return if b { Vec::new() } else { vec![mth(d)] };
        }
        let k = k(n);
        if m <= k {
            let mut p = subproof(m, &d[..k], b);
            p.push(mth(&d[k..]));
            p
        } else {
            let mut p = subproof(m - k, &d[k..], false);
            p.push(mth(&d[..k]));
            p
        }
    }
}

fn entries(n: usize, seed: u64) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            let len = (i * 7 + seed as usize) % 40;
            (0..len)
                .map(|j| (seed as usize + i * 31 + j * 17) as u8)
                .collect()
        })
        .collect()
}

fn ours(d: &[Vec<u8>]) -> Tree {
    Tree::from_leaf_hashes(d.iter().map(|e| leaf_hash(e)).collect())
}

fn theirs(d: &[Vec<u8>]) -> MemoryBackedTree<Sha256, Vec<u8>> {
    let mut tree = MemoryBackedTree::new();
    for e in d {
        tree.push(e.clone());
    }
    tree
}

fn concat(hashes: &[Hash]) -> Vec<u8> {
    hashes.iter().flatten().copied().collect()
}

fn their_root(root: &Hash, size: usize) -> RootHash<Sha256> {
    let digest = ct_merkle::array::Array::try_from(&root[..]).expect("32 bytes");
    RootHash::new(digest, size as u64)
}

/// Compares everything for a tree of `n` entries at one index and one old size.
fn compare(d: &[Vec<u8>], index: usize, first: usize) {
    let n = d.len();
    let tree = ours(d);
    let ct = theirs(d);
    let root = tree.root_current();
    assert_eq!(root, reference::mth(d), "root, n = {n}");
    assert_eq!(
        &root[..],
        ct.root().as_bytes().as_slice(),
        "root vs ct-merkle, n = {n}"
    );
    if n == 0 {
        return;
    }

    let path = tree
        .inclusion_proof(index as u64, n as u64)
        .expect("valid request");
    assert_eq!(path, reference::path(index, d), "PATH({index}, D_{n})");
    let ct_path = ct.prove_inclusion(index);
    assert_eq!(
        concat(&path),
        ct_path.as_bytes(),
        "PATH({index}, D_{n}) vs ct-merkle"
    );
    // Each verifier accepts the other side's proof.
    let leaf = leaf_hash(&d[index]);
    let their_path: Vec<Hash> = ct_path
        .as_bytes()
        .chunks_exact(32)
        .map(|c| Hash::try_from(c).expect("32 bytes"))
        .collect();
    assert_eq!(
        verify_inclusion(&leaf, index as u64, n as u64, &their_path, &root),
        Ok(())
    );
    their_root(&root, n)
        .verify_inclusion(
            &d[index],
            index as u64,
            &InclusionProof::from_bytes(concat(&path)),
        )
        .expect("ct-merkle accepts our inclusion proof");

    let old_root = tree.root(first as u64).expect("size within tree");
    assert_eq!(old_root, reference::mth(&d[..first]), "MTH(D[0:{first}])");
    let proof = tree
        .consistency_proof(first as u64, n as u64)
        .expect("valid request");
    assert_eq!(
        verify_consistency(first as u64, n as u64, &old_root, &root, &proof),
        Ok(())
    );
    if first == 0 {
        assert!(proof.is_empty());
        return;
    }
    assert_eq!(proof, reference::proof(first, d), "PROOF({first}, D_{n})");
    let ct_proof = ct.prove_consistency(n - first);
    assert_eq!(
        concat(&proof),
        ct_proof.as_bytes(),
        "PROOF({first}, D_{n}) vs ct-merkle"
    );
    let ours_for_them =
        ConsistencyProof::try_from_bytes(concat(&proof)).expect("whole number of hashes");
    their_root(&root, n)
        .verify_consistency(&their_root(&old_root, first), &ours_for_them)
        .expect("ct-merkle accepts our consistency proof");
}

#[test]
fn every_index_and_old_size_up_to_64_leaves() {
    for n in 0..=64 {
        let d = entries(n, 5);
        for index in 0..n.max(1) {
            compare(&d, index, index.min(n));
        }
        for first in 0..=n {
            compare(&d, 0, first);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_sizes_up_to_2000(n in 1usize..=2000, seed in any::<u64>(), a in any::<u64>(), b in any::<u64>()) {
        let d = entries(n, seed);
        compare(&d, (a % n as u64) as usize, (b % (n as u64 + 1)) as usize);
    }

    /// A log grown by random batches: every old head stays provably consistent with the new
    /// one, and old entries stay provably included in it.
    #[test]
    fn growing_log_stays_consistent(batches in prop::collection::vec(0usize..300, 1..12), seed in any::<u64>(), pick in any::<u64>()) {
        let total: usize = batches.iter().sum();
        let d = entries(total, seed);
        let mut tree = Tree::new();
        let mut heads: Vec<(u64, Hash)> = vec![(0, tree.root_current())];
        let mut next = 0;
        for batch in batches {
            tree.extend(d[next..next + batch].iter().map(|e| leaf_hash(e)));
            next += batch;
            heads.push((tree.len(), tree.root_current()));
        }
        let (size, root) = (tree.len(), tree.root_current());
        for &(old_size, old_root) in &heads {
            prop_assert_eq!(tree.root(old_size), Ok(old_root));
            let proof = tree.consistency_proof(old_size, size).expect("valid request");
            prop_assert_eq!(verify_consistency(old_size, size, &old_root, &root, &proof), Ok(()));
            if old_size > 0 {
                let index = pick % old_size;
                let path = tree.inclusion_proof(index, size).expect("valid request");
                let leaf = leaf_hash(&d[index as usize]);
                prop_assert_eq!(verify_inclusion(&leaf, index, size, &path, &root), Ok(()));
                // Inclusion against the old head too.
                let old_path = tree.inclusion_proof(index, old_size).expect("valid request");
                prop_assert_eq!(verify_inclusion(&leaf, index, old_size, &old_path, &old_root), Ok(()));
            }
        }
    }
}
