//! RFC 9162 Merkle tree, proofs and signed tree heads for the public ledger (pure, no IO).
//!
//! Every money movement Chung Tay records (a receipt, an allocation, a distribution, a transfer,
//! an expenditure, and their reversals and amendments) becomes one **leaf**: the canonical JSON
//! of the entry ([`canonical_json`]). The leaves form an append-only Merkle log exactly as
//! RFC 9162 (Certificate Transparency 2.0) §2.1 defines it, so anyone holding a published tree
//! head can check that an entry is in the log ([`verify_inclusion`]) and that a later log
//! extends an earlier one without rewriting it ([`verify_consistency`]).
//!
//! * [`hash`]: `leaf_hash = SHA-256(0x00 ‖ entry)`, `node_hash = SHA-256(0x01 ‖ left ‖ right)`,
//!   the empty tree's root `SHA-256("")`, and the split at the largest power of two below `n`.
//! * [`tree`]: [`Tree`] keeps the leaf hashes and the hash of every complete subtree, so a root
//!   of any earlier size and every proof cost O(log n) hashes.
//! * [`proof`]: inclusion paths (§2.1.3.1) and consistency proofs (§2.1.4.1).
//! * [`verify`]: the verifiers of §2.1.3.2 and §2.1.4.2, step by step.
//! * [`sth`]: signed tree heads — 64 signed bytes, Ed25519, key ids for key rotation.
//! * [`canonical`]: RFC 8785 (JCS) canonical JSON, integers only, strings in NFC.
//! * [`hex`]: lower-case hex for hashes, key ids and signatures.
//!
//! The ledger format (signed bytes, leaf envelope, key rotation) is documented for outside
//! verifiers in `docs/ledger.md`.

pub mod canonical;
pub mod hash;
pub mod hex;
pub mod proof;
pub mod sth;
pub mod tree;
pub mod verify;

pub use canonical::{CanonicalError, canonical_json};
pub use hash::{EMPTY_ROOT, Hash, leaf_hash, node_hash};
pub use hex::{HexError, from_hex, to_hex};
pub use proof::ProofError;
pub use sth::{SigningKey, TreeHead, VerifyingKey, key_id, signing_key_from_seed};
pub use tree::Tree;
pub use verify::{VerifyError, verify_consistency, verify_inclusion};
