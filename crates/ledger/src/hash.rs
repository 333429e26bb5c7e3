//! The RFC 9162 §2.1.1 hashing: domain-separated SHA-256 for leaves and interior nodes, the
//! hash of the empty tree, and the split rule.

use sha2::{Digest, Sha256};

/// A SHA-256 output: a leaf hash, an interior node hash or a tree root.
pub type Hash = [u8; 32];

/// Prefix of a leaf hash input (RFC 9162 §2.1.1: `MTH({d(0)}) = HASH(0x00 || d(0))`).
pub const LEAF_PREFIX: u8 = 0x00;

/// Prefix of an interior node hash input (`HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n]))`).
pub const NODE_PREFIX: u8 = 0x01;

/// `MTH({})`: the root of the empty tree, SHA-256 of the empty string.
pub const EMPTY_ROOT: Hash = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// The hash of one log entry: `SHA-256(0x00 || bytes)`.
pub fn leaf_hash(bytes: &[u8]) -> Hash {
    Sha256::new()
        .chain_update([LEAF_PREFIX])
        .chain_update(bytes)
        .finalize()
        .into()
}

/// The hash of an interior node: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut input = [0u8; 65];
    input[0] = NODE_PREFIX;
    input[1..33].copy_from_slice(left);
    input[33..].copy_from_slice(right);
    Sha256::digest(input).into()
}

/// The RFC 9162 split point: the largest power of two strictly smaller than `n`.
///
/// Defined for `n >= 2` (a tree of 0 or 1 leaves is not split); returns 0 for smaller `n`.
pub fn split(n: u64) -> u64 {
    if n < 2 {
        return 0;
    }
    1 << (63 - (n - 1).leading_zeros())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_root_is_sha256_of_the_empty_string() {
        let direct: Hash = Sha256::digest(b"").into();
        assert_eq!(EMPTY_ROOT, direct);
    }

    #[test]
    fn leaf_and_node_hashes_are_domain_separated() {
        let mut leaf_input = vec![0x00];
        leaf_input.extend_from_slice(b"abc");
        let expected_leaf: Hash = Sha256::digest(&leaf_input).into();
        assert_eq!(leaf_hash(b"abc"), expected_leaf);

        let l = [7u8; 32];
        let r = [9u8; 32];
        let mut node_input = vec![0x01];
        node_input.extend_from_slice(&l);
        node_input.extend_from_slice(&r);
        let expected_node: Hash = Sha256::digest(&node_input).into();
        assert_eq!(node_hash(&l, &r), expected_node);
        assert_ne!(node_hash(&l, &r), node_hash(&r, &l));

        // A 64-byte leaf that looks like two child hashes must not collide with their parent.
        let mut fake = Vec::new();
        fake.extend_from_slice(&l);
        fake.extend_from_slice(&r);
        assert_ne!(leaf_hash(&fake), node_hash(&l, &r));
    }

    #[test]
    fn split_is_the_largest_power_of_two_below_n() {
        let expected = [
            (2, 1),
            (3, 2),
            (4, 2),
            (5, 4),
            (6, 4),
            (7, 4),
            (8, 4),
            (9, 8),
            (16, 8),
            (17, 16),
            (1_000_000, 524_288),
            (1 << 40, 1 << 39),
            ((1 << 40) + 1, 1 << 40),
            (u64::MAX, 1 << 63),
        ];
        for (n, k) in expected {
            assert_eq!(split(n), k, "split({n})");
        }
        for n in 2..5000u64 {
            let k = split(n);
            assert!(
                k.is_power_of_two() && k < n && n <= 2 * k,
                "split({n}) = {k}"
            );
        }
        assert_eq!(split(0), 0);
        assert_eq!(split(1), 0);
    }
}
