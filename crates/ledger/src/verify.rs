//! Proof verification, step by step as RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2
//! (consistency) write it. A verifier needs only hashes and sizes, never the tree.

use thiserror::Error;

use crate::hash::{EMPTY_ROOT, Hash, node_hash};

/// Why a proof or a signed tree head did not verify.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum VerifyError {
    /// Inclusion: the leaf index is not inside the tree size.
    #[error("leaf index {index} is not in a tree of size {tree_size}")]
    IndexOutOfRange { index: u64, tree_size: u64 },
    /// The proof has more hashes than a tree of this size can need.
    #[error("the proof has too many hashes for the tree sizes given ({len} hashes)")]
    ProofTooLong { len: usize },
    /// The proof ended before reaching the root of the tree size.
    #[error("the proof has too few hashes for the tree sizes given ({len} hashes)")]
    ProofTooShort { len: usize },
    /// Inclusion: the path leads to another root.
    #[error(
        "the inclusion proof leads to a different root: the leaf is not at this index of this tree"
    )]
    RootMismatch,
    /// Consistency: sizes in the wrong order.
    #[error("the first tree size {first} is larger than the second tree size {second}")]
    FirstGreaterThanSecond { first: u64, second: u64 },
    /// Consistency: `0 < first < second` needs at least one hash (RFC 9162 §2.1.4.2 step 1).
    #[error("empty consistency proof from size {first} to size {second}")]
    EmptyProof { first: u64, second: u64 },
    /// Consistency: there is nothing to prove for equal sizes or from the empty tree, so the
    /// proof must be empty.
    #[error(
        "a consistency proof from size {first} to size {second} must be empty, got {len} hashes"
    )]
    ProofNotEmpty { first: u64, second: u64, len: usize },
    /// Consistency between two heads of the same size with different roots: a fork.
    #[error("two tree heads of size {size} have different roots")]
    SameSizeDifferentRoots { size: u64 },
    /// Consistency from size 0: the first root is not the empty tree's.
    #[error("a tree of size 0 must have the empty-tree root (SHA-256 of the empty string)")]
    NotTheEmptyRoot,
    /// Consistency: the proof does not rebuild the first (older) root.
    #[error("the consistency proof does not rebuild the first root (size {first})")]
    FirstRootMismatch { first: u64 },
    /// Consistency: the proof does not rebuild the second (newer) root.
    #[error("the consistency proof does not rebuild the second root (size {second})")]
    SecondRootMismatch { second: u64 },
    /// A signed tree head's signature is not valid under the key.
    #[error("the tree head signature does not verify under key {key_id}")]
    BadSignature { key_id: String },
}

/// RFC 9162 §2.1.3.2: checks that `leaf_hash` is the leaf at `index` of the tree of size
/// `tree_size` whose root is `root`, given the inclusion path `path`.
pub fn verify_inclusion(
    leaf_hash: &Hash,
    index: u64,
    tree_size: u64,
    path: &[Hash],
    root: &Hash,
) -> Result<(), VerifyError> {
    // 1. If leaf_index >= tree_size, fail.
    if index >= tree_size {
        return Err(VerifyError::IndexOutOfRange { index, tree_size });
    }
    // 2. fn = leaf_index, sn = tree_size - 1.
    let (mut f, mut s) = (index, tree_size - 1);
    // 3. r = hash.
    let mut r = *leaf_hash;
    // 4. For each p in the path:
    for p in path {
        // a. If sn is 0, fail.
        if s == 0 {
            return Err(VerifyError::ProofTooLong { len: path.len() });
        }
        // b. If LSB(fn) is set or fn == sn:
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            // If LSB(fn) is not set, shift both until LSB(fn) is set or fn is 0.
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        // c. Shift both once.
        f >>= 1;
        s >>= 1;
    }
    // 5. sn must be 0 and r must equal the root.
    if s != 0 {
        return Err(VerifyError::ProofTooShort { len: path.len() });
    }
    if r != *root {
        return Err(VerifyError::RootMismatch);
    }
    Ok(())
}

/// RFC 9162 §2.1.4.2: checks that the tree of size `first` with root `first_root` is a prefix
/// of the tree of size `second` with root `second_root`, given the consistency proof `proof`.
///
/// The RFC algorithm covers `0 < first < second`. Outside it (see
/// [`crate::Tree::consistency_proof`]) the proof must be empty, and: for `first == second` the
/// roots must be equal; for `first == 0 < second`, `first_root` must be the empty-tree root
/// (every tree extends the empty tree, so nothing is learnt about `second_root`).
pub fn verify_consistency(
    first: u64,
    second: u64,
    first_root: &Hash,
    second_root: &Hash,
    proof: &[Hash],
) -> Result<(), VerifyError> {
    if first > second {
        return Err(VerifyError::FirstGreaterThanSecond { first, second });
    }
    if first == second || first == 0 {
        if !proof.is_empty() {
            return Err(VerifyError::ProofNotEmpty {
                first,
                second,
                len: proof.len(),
            });
        }
        if first == 0 && *first_root != EMPTY_ROOT {
            return Err(VerifyError::NotTheEmptyRoot);
        }
        if first == second && first_root != second_root {
            return Err(VerifyError::SameSizeDifferentRoots { size: first });
        }
        return Ok(());
    }
    // 1. An empty consistency_path fails.
    let Some((head, tail)) = proof.split_first() else {
        return Err(VerifyError::EmptyProof { first, second });
    };
    // 2. If first is an exact power of 2, prepend first_hash to the path.
    let (start, rest) = if first.is_power_of_two() {
        (first_root, proof)
    } else {
        (head, tail)
    };
    // 3. fn = first - 1, sn = second - 1.
    let (mut f, mut s) = (first - 1, second - 1);
    // 4. If LSB(fn) is set, shift both until it is not.
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    // 5. fr = sr = the first value of the path.
    let (mut fr, mut sr) = (*start, *start);
    // 6. For each subsequent value c:
    for c in rest {
        // a. If sn is 0, fail.
        if s == 0 {
            return Err(VerifyError::ProofTooLong { len: proof.len() });
        }
        // b. If LSB(fn) is set or fn == sn:
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            // If LSB(fn) is not set, shift both until LSB(fn) is set or fn is 0.
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        // c. Shift both once.
        f >>= 1;
        s >>= 1;
    }
    // 7. fr == first_hash, sr == second_hash, sn == 0.
    if s != 0 {
        return Err(VerifyError::ProofTooShort { len: proof.len() });
    }
    if fr != *first_root {
        return Err(VerifyError::FirstRootMismatch { first });
    }
    if sr != *second_root {
        return Err(VerifyError::SecondRootMismatch { second });
    }
    Ok(())
}
