//! Proof generation: RFC 9162 §2.1.3.1 inclusion paths and §2.1.4.1 consistency proofs.
//!
//! Both follow the RFC's recursive definitions top-down, iteratively. At each step the current
//! range `[lo, hi)` is either a complete subtree (looked up in the tree's levels) or a suffix of
//! the requested tree on its right edge (the perfect subtrees `parts[j..]` of the tree size).
//! A proof descends into a right-edge suffix's left child at most once; only then is a right-edge
//! hash folded, so every proof costs O(log n) hash operations.

use thiserror::Error;

use crate::hash::{Hash, split};
use crate::tree::{Parts, Tree};

/// A proof or root was requested that the tree cannot give.
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq)]
pub enum ProofError {
    /// The requested tree size is larger than the tree.
    #[error("tree size {size} is larger than the tree, which has {len} leaves")]
    SizeBeyondTree { size: u64, len: u64 },
    /// The leaf index is not in the tree of the requested size.
    #[error("leaf index {index} is not in a tree of size {size} (indexes start at 0)")]
    IndexOutOfRange { index: u64, size: u64 },
    /// A consistency proof was asked from a larger tree to a smaller one.
    #[error(
        "consistency proof from size {first} to the smaller size {second}: the first size must not exceed the second"
    )]
    FirstGreaterThanSecond { first: u64, second: u64 },
}

/// Where the current range sits: on the right edge of the requested tree, as the suffix
/// `parts[j..]` of at least two perfect subtrees, or a complete subtree.
#[derive(Clone, Copy)]
enum Range {
    Edge(usize),
    Complete,
}

impl Range {
    fn start(parts: &Parts) -> Range {
        if parts.len() > 1 {
            Range::Edge(0)
        } else {
            Range::Complete
        }
    }

    /// The range after moving to the right child `[lo + k, hi)`.
    fn right(self, parts: &Parts) -> Range {
        match self {
            Range::Edge(j) if j + 2 < parts.len() => Range::Edge(j + 1),
            _ => Range::Complete,
        }
    }
}

impl Tree {
    /// The hash of the right child `[lo + k, hi)` of the current range.
    fn right_child(&self, range: Range, parts: &Parts, lo: u64, k: u64, hi: u64) -> Hash {
        match range {
            // On the right edge, the left child is parts[j] (of size k) and the right child is
            // the rest of the suffix.
            Range::Edge(j) => self.suffix_hash(parts, j + 1),
            Range::Complete => self.complete(lo + k, hi),
        }
    }

    /// RFC 9162 §2.1.3.1 `PATH(index, D[0:size])`: the sibling hashes from the leaf up to the
    /// root of the tree of the first `size` leaves.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, ProofError> {
        self.check_size(size)?;
        if index >= size {
            return Err(ProofError::IndexOutOfRange { index, size });
        }
        let parts = Parts::of(size);
        let mut range = Range::start(&parts);
        let (mut lo, mut hi) = (0, size);
        let mut path = Vec::with_capacity(64 - (size - 1).leading_zeros() as usize);
        while hi - lo > 1 {
            let k = split(hi - lo);
            if index < lo + k {
                // PATH(m, D[lo:hi]) = PATH(m, D[lo:lo+k]) : MTH(D[lo+k:hi])
                path.push(self.right_child(range, &parts, lo, k, hi));
                hi = lo + k;
                range = Range::Complete;
            } else {
                // PATH(m, D[lo:hi]) = PATH(m - k, D[lo+k:hi]) : MTH(D[lo:lo+k])
                path.push(self.complete(lo, lo + k));
                lo += k;
                range = range.right(&parts);
            }
        }
        path.reverse();
        Ok(path)
    }

    /// RFC 9162 §2.1.4.1 `PROOF(first, D[0:second])`: the hashes that prove the tree of the first
    /// `first` leaves is a prefix of the tree of the first `second` leaves.
    ///
    /// The RFC defines the proof for `0 < first < second`. For `first == second` its
    /// `SUBPROOF(m, D_m, true) = {}` gives the empty proof, returned here. For `first == 0` the
    /// RFC gives nothing; every tree extends the empty tree and there is nothing to prove, so the
    /// proof is empty too (as in Sigsum). [`crate::verify_consistency`] accepts these empty
    /// proofs only when the roots make them true: equal roots for equal sizes, the empty-tree
    /// root for size 0.
    pub fn consistency_proof(&self, first: u64, second: u64) -> Result<Vec<Hash>, ProofError> {
        self.check_size(second)?;
        if first > second {
            return Err(ProofError::FirstGreaterThanSecond { first, second });
        }
        if first == 0 || first == second {
            return Ok(Vec::new());
        }
        let parts = Parts::of(second);
        let mut range = Range::start(&parts);
        let (mut lo, mut hi) = (0, second);
        // `b` of SUBPROOF: whether the current subtree's old part is the whole old tree so far.
        let mut whole_old_tree = true;
        let mut proof = Vec::with_capacity(2 * (64 - (second - 1).leading_zeros() as usize));
        loop {
            if hi == first {
                // SUBPROOF(m, D_m, true) = {};  SUBPROOF(m, D_m, false) = {MTH(D_m)}.
                // hi == first < second means the range was a left child: it is complete.
                if !whole_old_tree {
                    proof.push(self.complete(lo, hi));
                }
                break;
            }
            let k = split(hi - lo);
            if first <= lo + k {
                // SUBPROOF(m, D_n, b) = SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
                proof.push(self.right_child(range, &parts, lo, k, hi));
                hi = lo + k;
                range = Range::Complete;
            } else {
                // SUBPROOF(m, D_n, b) = SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
                proof.push(self.complete(lo, lo + k));
                lo += k;
                whole_old_tree = false;
                range = range.right(&parts);
            }
        }
        proof.reverse();
        Ok(proof)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::{leaf_hash, node_hash};

    fn tree(n: usize) -> (Tree, Vec<Hash>) {
        let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(&[i as u8])).collect();
        (Tree::from_leaf_hashes(leaves.clone()), leaves)
    }

    #[test]
    fn inclusion_paths_of_a_seven_leaf_tree_by_hand() {
        //            root
        //        /          \
        //      a              b
        //    /   \          /   \
        //  ab01  ab23     ab45   l6
        //  / \   / \      / \
        // l0 l1 l2 l3    l4 l5
        let (t, l) = tree(7);
        let n01 = node_hash(&l[0], &l[1]);
        let n23 = node_hash(&l[2], &l[3]);
        let n45 = node_hash(&l[4], &l[5]);
        let a = node_hash(&n01, &n23);
        let b = node_hash(&n45, &l[6]);
        assert_eq!(t.inclusion_proof(0, 7), Ok(vec![l[1], n23, b]));
        assert_eq!(t.inclusion_proof(3, 7), Ok(vec![l[2], n01, b]));
        assert_eq!(t.inclusion_proof(4, 7), Ok(vec![l[5], l[6], a]));
        assert_eq!(t.inclusion_proof(6, 7), Ok(vec![n45, a]));
        // Against a smaller size of the same tree.
        assert_eq!(t.inclusion_proof(4, 5), Ok(vec![a]));
        assert_eq!(t.inclusion_proof(0, 1), Ok(vec![]));
    }

    #[test]
    fn consistency_proofs_of_a_seven_leaf_tree_by_hand() {
        let (t, l) = tree(7);
        let n01 = node_hash(&l[0], &l[1]);
        let n23 = node_hash(&l[2], &l[3]);
        let n45 = node_hash(&l[4], &l[5]);
        let a = node_hash(&n01, &n23);
        let b = node_hash(&n45, &l[6]);
        // m = 4 is a complete subtree of the new tree: its root is not repeated.
        assert_eq!(t.consistency_proof(4, 7), Ok(vec![b]));
        // m = 3: SUBPROOF(3, D[0:4], true) : b = [l2, l3, n01] : b
        assert_eq!(t.consistency_proof(3, 7), Ok(vec![l[2], l[3], n01, b]));
        // m = 6: SUBPROOF(2, D[4:7], false) : a = SUBPROOF(2, D[4:6], false) : l6 : a
        assert_eq!(t.consistency_proof(6, 7), Ok(vec![n45, l[6], a]));
        // m = 1 into size 2.
        assert_eq!(t.consistency_proof(1, 2), Ok(vec![l[1]]));
        assert_eq!(t.consistency_proof(7, 7), Ok(vec![]));
        assert_eq!(t.consistency_proof(0, 7), Ok(vec![]));
        assert_eq!(t.consistency_proof(0, 0), Ok(vec![]));
    }

    #[test]
    fn bad_requests_are_errors() {
        let (t, _) = tree(5);
        assert_eq!(
            t.inclusion_proof(5, 5),
            Err(ProofError::IndexOutOfRange { index: 5, size: 5 })
        );
        assert_eq!(
            t.inclusion_proof(0, 0),
            Err(ProofError::IndexOutOfRange { index: 0, size: 0 })
        );
        assert_eq!(
            t.inclusion_proof(0, 6),
            Err(ProofError::SizeBeyondTree { size: 6, len: 5 })
        );
        assert_eq!(
            t.consistency_proof(4, 3),
            Err(ProofError::FirstGreaterThanSecond {
                first: 4,
                second: 3
            })
        );
        assert_eq!(
            t.consistency_proof(2, 6),
            Err(ProofError::SizeBeyondTree { size: 6, len: 5 })
        );
        assert!(
            ProofError::IndexOutOfRange { index: 5, size: 5 }
                .to_string()
                .contains("leaf index 5 is not in a tree of size 5")
        );
    }
}
