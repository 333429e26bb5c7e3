//! RFC 9162 conformance: published test vectors, hand-computed trees of 0 to 8 leaves, every
//! proof of every tree up to 64 leaves through the verifiers, and tampering.

use ledger::{
    EMPTY_ROOT, Hash, Tree, VerifyError, from_hex, leaf_hash, node_hash, verify_consistency,
    verify_inclusion,
};

fn h(text: &str) -> Hash {
    from_hex(text).expect("test vector is 64 hex digits")
}

/// The leaf inputs of the Certificate Transparency reference test suite
/// (certificate-transparency-go `testonly`, also used by Trillian and transparency-dev/merkle).
fn ct_leaves() -> Vec<Vec<u8>> {
    [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
    .iter()
    .map(|text| {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex byte"))
            .collect()
    })
    .collect()
}

fn ct_tree() -> Tree {
    Tree::from_leaf_hashes(ct_leaves().iter().map(|l| leaf_hash(l)).collect())
}

#[test]
fn ct_reference_roots() {
    let roots = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];
    let tree = ct_tree();
    for (size, root) in roots.iter().enumerate() {
        assert_eq!(tree.root(size as u64), Ok(h(root)), "size {size}");
        // The same root from a tree of exactly that many leaves.
        let small = Tree::from_leaf_hashes(tree.leaf_hashes()[..size].to_vec());
        assert_eq!(small.root_current(), h(root), "size {size}");
    }
}

#[test]
fn ct_reference_proofs() {
    let tree = ct_tree();
    let inclusion = [
        (
            0,
            8,
            vec![
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            5,
            8,
            vec![
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
    ];
    for (index, size, path) in inclusion {
        let expected: Vec<Hash> = path.iter().map(|p| h(p)).collect();
        assert_eq!(tree.inclusion_proof(index, size), Ok(expected));
    }
    let consistency = [
        (1, 1, vec![]),
        (
            1,
            8,
            vec![
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            6,
            8,
            vec![
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
        (
            2,
            5,
            vec![
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ],
        ),
    ];
    for (first, second, proof) in consistency {
        let expected: Vec<Hash> = proof.iter().map(|p| h(p)).collect();
        assert_eq!(
            tree.consistency_proof(first, second),
            Ok(expected),
            "{first} -> {second}"
        );
    }
}

/// Roots of 0..=8 leaves written out by hand from the split rule.
#[test]
fn hand_computed_roots_up_to_eight_leaves() {
    let l: Vec<Hash> = (0u8..8).map(|i| leaf_hash(&[b'a' + i])).collect();
    let n = node_hash;
    let n01 = n(&l[0], &l[1]);
    let n23 = n(&l[2], &l[3]);
    let n45 = n(&l[4], &l[5]);
    let n67 = n(&l[6], &l[7]);
    let n03 = n(&n01, &n23);
    let expected = [
        EMPTY_ROOT,
        l[0],
        n01,
        n(&n01, &l[2]),
        n03,
        n(&n03, &l[4]),
        n(&n03, &n45),
        n(&n03, &n(&n45, &l[6])),
        n(&n03, &n(&n45, &n67)),
    ];
    let tree = Tree::from_leaf_hashes(l.clone());
    let mut grown = Tree::new();
    for (size, root) in expected.iter().enumerate() {
        assert_eq!(tree.root(size as u64), Ok(*root), "size {size}");
        assert_eq!(grown.root_current(), *root, "size {size}");
        if size < l.len() {
            grown.push(l[size]);
        }
    }
    // The leaf hash is SHA-256(0x00 || "a").
    assert_eq!(
        l[0],
        h("022a6979e6dab7aa5ae4c3e5e45f7e977112a7e63593820dbec1ec738a24f93c")
    );
}

fn sample_tree(n: u64) -> Tree {
    Tree::from_leaf_hashes((0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect())
}

/// Flips one bit of one byte of a hash.
fn flipped(hash: &Hash, byte: usize) -> Hash {
    let mut out = *hash;
    out[byte] ^= 1 << (byte % 8);
    out
}

#[test]
fn every_inclusion_proof_up_to_64_leaves_verifies() {
    let tree = sample_tree(64);
    for size in 1..=64 {
        let root = tree.root(size).expect("size within tree");
        let expected_max = 64 - (size - 1).leading_zeros() as usize; // ceil(log2 size)
        for index in 0..size {
            let leaf = tree.leaf_hash(index).expect("index within tree");
            let path = tree.inclusion_proof(index, size).expect("valid request");
            assert!(path.len() <= expected_max, "({index}, {size})");
            assert_eq!(
                verify_inclusion(&leaf, index, size, &path, &root),
                Ok(()),
                "({index}, {size})"
            );
        }
        // The leftmost leaf's path has exactly ceil(log2 size) hashes.
        let path = tree.inclusion_proof(0, size).expect("valid request");
        assert_eq!(path.len(), expected_max, "size {size}");
    }
}

#[test]
fn every_consistency_proof_up_to_64_leaves_verifies() {
    let tree = sample_tree(64);
    for second in 0..=64 {
        let second_root = tree.root(second).expect("size within tree");
        for first in 0..=second {
            let first_root = tree.root(first).expect("size within tree");
            let proof = tree
                .consistency_proof(first, second)
                .expect("valid request");
            assert_eq!(
                verify_consistency(first, second, &first_root, &second_root, &proof),
                Ok(()),
                "({first}, {second})"
            );
            if first == 0 || first == second {
                assert!(proof.is_empty());
            } else {
                assert!(!proof.is_empty());
                // At most ceil(log2 second) + 1 hashes.
                assert!(proof.len() <= 65 - (second - 1).leading_zeros() as usize);
            }
        }
    }
}

#[test]
fn tampered_inclusion_proofs_are_rejected() {
    let tree = sample_tree(40);
    for size in 1..=40 {
        let root = tree.root(size).expect("size within tree");
        for index in 0..size {
            let leaf = tree.leaf_hash(index).expect("index within tree");
            let path = tree.inclusion_proof(index, size).expect("valid request");
            for byte in [0, 13, 31] {
                // Flipped leaf.
                assert!(
                    verify_inclusion(&flipped(&leaf, byte), index, size, &path, &root).is_err()
                );
                // Flipped root.
                assert_eq!(
                    verify_inclusion(&leaf, index, size, &path, &flipped(&root, byte)),
                    Err(VerifyError::RootMismatch)
                );
                // Each path element flipped.
                for i in 0..path.len() {
                    let mut bad = path.clone();
                    bad[i] = flipped(&bad[i], byte);
                    assert!(
                        verify_inclusion(&leaf, index, size, &bad, &root).is_err(),
                        "({index}, {size}) element {i}"
                    );
                }
            }
            // Another index of the same tree.
            for other in (0..size).filter(|&o| o != index) {
                assert!(
                    verify_inclusion(&leaf, other, size, &path, &root).is_err(),
                    "leaf {index} claimed at {other} of {size}"
                );
            }
            // A path with a hash missing, or one too many.
            if let Some((_, shorter)) = path.split_last() {
                assert!(verify_inclusion(&leaf, index, size, shorter, &root).is_err());
            }
            let mut longer = path.clone();
            longer.push(root);
            assert!(verify_inclusion(&leaf, index, size, &longer, &root).is_err());
            // Out of range.
            assert_eq!(
                verify_inclusion(&leaf, size, size, &path, &root),
                Err(VerifyError::IndexOutOfRange {
                    index: size,
                    tree_size: size
                })
            );
        }
    }
}

#[test]
fn tampered_consistency_proofs_are_rejected() {
    let tree = sample_tree(40);
    for second in 1..=40 {
        let second_root = tree.root(second).expect("size within tree");
        for first in 1..second {
            let first_root = tree.root(first).expect("size within tree");
            let proof = tree
                .consistency_proof(first, second)
                .expect("valid request");
            for byte in [0, 17, 31] {
                assert!(
                    verify_consistency(
                        first,
                        second,
                        &flipped(&first_root, byte),
                        &second_root,
                        &proof
                    )
                    .is_err()
                );
                assert!(
                    verify_consistency(
                        first,
                        second,
                        &first_root,
                        &flipped(&second_root, byte),
                        &proof
                    )
                    .is_err()
                );
                for i in 0..proof.len() {
                    let mut bad = proof.clone();
                    bad[i] = flipped(&bad[i], byte);
                    assert!(
                        verify_consistency(first, second, &first_root, &second_root, &bad).is_err(),
                        "({first}, {second}) element {i}"
                    );
                }
            }
            let (_, shorter) = proof.split_last().expect("proof is not empty");
            assert!(verify_consistency(first, second, &first_root, &second_root, shorter).is_err());
            let mut longer = proof.clone();
            longer.push(second_root);
            assert!(verify_consistency(first, second, &first_root, &second_root, &longer).is_err());
            // A root of another size in place of the first root.
            let wrong = tree.root(first - 1).expect("size within tree");
            assert!(verify_consistency(first, second, &wrong, &second_root, &proof).is_err());
            // Swapped sizes.
            assert_eq!(
                verify_consistency(second, first, &second_root, &first_root, &proof),
                Err(VerifyError::FirstGreaterThanSecond {
                    first: second,
                    second: first
                })
            );
        }
    }
}

/// A log that rewrote an old entry cannot prove consistency with its earlier head.
#[test]
fn a_rewritten_history_is_not_consistent() {
    let honest = sample_tree(20);
    let mut leaves = honest.leaf_hashes().to_vec();
    leaves[3] = leaf_hash(b"a different receipt");
    let forked = Tree::from_leaf_hashes(leaves);
    let old_root = honest.root(10).expect("size within tree");
    for second in 10..=20 {
        let proof = forked.consistency_proof(10, second).expect("valid request");
        let new_root = forked.root(second).expect("size within tree");
        assert!(verify_consistency(10, second, &old_root, &new_root, &proof).is_err());
    }
}

#[test]
fn trivial_consistency_cases() {
    let tree = sample_tree(5);
    let root5 = tree.root(5).expect("size within tree");
    let root4 = tree.root(4).expect("size within tree");
    // Equal sizes: empty proof and equal roots.
    assert_eq!(verify_consistency(5, 5, &root5, &root5, &[]), Ok(()));
    assert_eq!(
        verify_consistency(5, 5, &root5, &root4, &[]),
        Err(VerifyError::SameSizeDifferentRoots { size: 5 })
    );
    assert_eq!(
        verify_consistency(5, 5, &root5, &root5, &[root5]),
        Err(VerifyError::ProofNotEmpty {
            first: 5,
            second: 5,
            len: 1
        })
    );
    // From the empty tree: empty proof, empty-tree root.
    assert_eq!(verify_consistency(0, 5, &EMPTY_ROOT, &root5, &[]), Ok(()));
    assert_eq!(
        verify_consistency(0, 0, &EMPTY_ROOT, &EMPTY_ROOT, &[]),
        Ok(())
    );
    assert_eq!(
        verify_consistency(0, 5, &root4, &root5, &[]),
        Err(VerifyError::NotTheEmptyRoot)
    );
    // RFC step 1: 0 < first < second needs a non-empty proof, even with plausible roots.
    assert_eq!(
        verify_consistency(4, 5, &root4, &root5, &[]),
        Err(VerifyError::EmptyProof {
            first: 4,
            second: 5
        })
    );
}
