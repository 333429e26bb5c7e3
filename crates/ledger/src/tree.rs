//! The in-memory Merkle tree: leaf hashes plus the hash of every complete subtree, by level.
//!
//! Level `h` holds, for each `i`, the hash of the perfect subtree over leaves
//! `[i·2^h, (i+1)·2^h)`, for as many `i` as there are complete such subtrees. Level 0 is the
//! leaf hashes. Every RFC 9162 subtree that proofs and roots need is either one of these
//! complete subtrees or lies on the right edge of the requested tree size; a right-edge subtree
//! is the fold of at most 64 complete ones. So a root, an inclusion proof or a consistency proof
//! for any size up to [`Tree::len`] costs O(log n) hash operations.

use rayon::prelude::*;

use crate::hash::{EMPTY_ROOT, Hash, node_hash};
use crate::proof::ProofError;

/// Below this many nodes a level is built on one thread: rayon's split and join cost more than
/// they save on small levels.
const PARALLEL_MIN_NODES: usize = 1 << 14;

/// An append-only RFC 9162 Merkle tree over leaf hashes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tree {
    /// `levels[h][i]` = MTH of leaves `[i·2^h, (i+1)·2^h)`; `levels[h].len() == len >> h`.
    /// Always holds at least level 0.
    levels: Vec<Vec<Hash>>,
}

/// The decomposition of a tree size into perfect subtrees, largest (leftmost) first: the sizes
/// are the set bits of the tree size, from the highest.
#[derive(Clone, Copy)]
pub(crate) struct Parts {
    /// `(level, first leaf)` of each perfect subtree.
    parts: [(u32, u64); 64],
    count: usize,
}

impl Parts {
    pub(crate) fn of(size: u64) -> Self {
        let mut parts = [(0, 0); 64];
        let mut count = 0;
        let mut start = 0;
        for level in (0..64).rev() {
            if size & (1 << level) != 0 {
                parts[count] = (level, start);
                count += 1;
                start += 1 << level;
            }
        }
        Parts { parts, count }
    }

    pub(crate) fn len(&self) -> usize {
        self.count
    }
}

impl Tree {
    /// An empty tree.
    pub fn new() -> Self {
        Tree {
            levels: vec![Vec::new()],
        }
    }

    /// Builds the tree over `leaves` (leaf hashes, in log order). Large levels are hashed on all
    /// rayon threads.
    pub fn from_leaf_hashes(leaves: Vec<Hash>) -> Self {
        let mut levels = vec![leaves];
        loop {
            let below = &levels[levels.len() - 1];
            if below.len() < 2 {
                break;
            }
            let level: Vec<Hash> = if below.len() / 2 >= PARALLEL_MIN_NODES {
                below
                    .par_chunks_exact(2)
                    .map(|pair| node_hash(&pair[0], &pair[1]))
                    .collect()
            } else {
                below
                    .chunks_exact(2)
                    .map(|pair| node_hash(&pair[0], &pair[1]))
                    .collect()
            };
            levels.push(level);
        }
        Tree { levels }
    }

    /// Appends one leaf hash. Amortised one node hash per leaf.
    pub fn push(&mut self, leaf: Hash) {
        let mut hash = leaf;
        let mut level = 0;
        loop {
            if level == self.levels.len() {
                self.levels.push(Vec::new());
            }
            let nodes = &mut self.levels[level];
            nodes.push(hash);
            if nodes.len() % 2 == 1 {
                return;
            }
            hash = node_hash(&nodes[nodes.len() - 2], &nodes[nodes.len() - 1]);
            level += 1;
        }
    }

    /// Appends leaf hashes in order.
    pub fn extend<I: IntoIterator<Item = Hash>>(&mut self, leaves: I) {
        let leaves = leaves.into_iter();
        self.levels[0].reserve(leaves.size_hint().0);
        for leaf in leaves {
            self.push(leaf);
        }
    }

    /// Number of leaves.
    pub fn len(&self) -> u64 {
        self.levels[0].len() as u64
    }

    /// Whether the tree has no leaves.
    pub fn is_empty(&self) -> bool {
        self.levels[0].is_empty()
    }

    /// The hash of leaf `index`, if it exists.
    pub fn leaf_hash(&self, index: u64) -> Option<Hash> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.levels[0].get(i))
            .copied()
    }

    /// The leaf hashes, in log order.
    pub fn leaf_hashes(&self) -> &[Hash] {
        &self.levels[0]
    }

    /// `MTH(D[0:size])`: the root of the tree of the first `size` leaves.
    pub fn root(&self, size: u64) -> Result<Hash, ProofError> {
        self.check_size(size)?;
        if size == 0 {
            return Ok(EMPTY_ROOT);
        }
        Ok(self.suffix_hash(&Parts::of(size), 0))
    }

    /// The root of the whole tree.
    pub fn root_current(&self) -> Hash {
        if self.is_empty() {
            return EMPTY_ROOT;
        }
        self.suffix_hash(&Parts::of(self.len()), 0)
    }

    pub(crate) fn check_size(&self, size: u64) -> Result<(), ProofError> {
        if size > self.len() {
            return Err(ProofError::SizeBeyondTree {
                size,
                len: self.len(),
            });
        }
        Ok(())
    }

    /// The hash of the complete subtree over leaves `[lo, hi)`. `hi - lo` must be a power of two
    /// that divides `lo`, and `hi <= len`.
    pub(crate) fn complete(&self, lo: u64, hi: u64) -> Hash {
        debug_assert!((hi - lo).is_power_of_two() && lo.is_multiple_of(hi - lo));
        let level = (hi - lo).trailing_zeros();
        self.levels[level as usize][(lo >> level) as usize]
    }

    /// The MTH of the perfect subtrees `parts[first..]` of a tree size: folded from the right,
    /// as the split rule nests them (`node(P1, node(P2, … node(P(t-1), Pt)))`).
    /// Costs `parts.len() - first - 1` node hashes.
    pub(crate) fn suffix_hash(&self, parts: &Parts, first: usize) -> Hash {
        let mut acc: Option<Hash> = None;
        for &(level, start) in parts.parts[first..parts.count].iter().rev() {
            let subtree = self.complete(start, start + (1 << level));
            acc = Some(match acc {
                None => subtree,
                Some(right) => node_hash(&subtree, &right),
            });
        }
        acc.unwrap_or(EMPTY_ROOT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(format!("leaf {i}").as_bytes()))
            .collect()
    }

    #[test]
    fn push_extend_and_from_leaf_hashes_build_the_same_tree() {
        for n in [0, 1, 2, 3, 5, 8, 13, 64, 100, 1023, 1024, 1025] {
            let hashes = leaves(n);
            let built = Tree::from_leaf_hashes(hashes.clone());
            let mut pushed = Tree::new();
            for &h in &hashes {
                pushed.push(h);
            }
            let mut extended = Tree::new();
            extended.extend(hashes.iter().copied());
            assert_eq!(built, pushed, "n = {n}");
            assert_eq!(built, extended, "n = {n}");
            assert_eq!(built.len(), n as u64);
        }
    }

    #[test]
    fn parallel_build_matches_sequential_push() {
        // Large enough for the lower levels to go through rayon.
        let n = 3 * PARALLEL_MIN_NODES + 7;
        let hashes = leaves(n);
        let built = Tree::from_leaf_hashes(hashes.clone());
        let mut pushed = Tree::new();
        pushed.extend(hashes);
        assert_eq!(built, pushed);
    }

    #[test]
    fn levels_hold_exactly_the_complete_subtrees() {
        let tree = Tree::from_leaf_hashes(leaves(13));
        let lengths: Vec<usize> = tree.levels.iter().map(Vec::len).collect();
        assert_eq!(lengths, vec![13, 6, 3, 1]);
    }

    #[test]
    fn parts_are_the_set_bits_from_the_highest() {
        let parts = Parts::of(13);
        assert_eq!(&parts.parts[..parts.len()], &[(3, 0), (2, 8), (0, 12)]);
        assert_eq!(Parts::of(0).len(), 0);
        assert_eq!(Parts::of(u64::MAX).len(), 64);
    }

    #[test]
    fn leaf_hash_by_index() {
        let hashes = leaves(3);
        let tree = Tree::from_leaf_hashes(hashes.clone());
        assert_eq!(tree.leaf_hash(2), Some(hashes[2]));
        assert_eq!(tree.leaf_hash(3), None);
        assert_eq!(tree.leaf_hash(u64::MAX), None);
    }

    #[test]
    fn root_beyond_the_tree_is_an_error() {
        let tree = Tree::from_leaf_hashes(leaves(3));
        assert_eq!(
            tree.root(4),
            Err(ProofError::SizeBeyondTree { size: 4, len: 3 })
        );
        assert_eq!(Tree::new().root(0), Ok(EMPTY_ROOT));
        assert_eq!(Tree::new().root_current(), EMPTY_ROOT);
    }
}
