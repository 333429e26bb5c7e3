//! Signed tree heads: a tree size, its root and a timestamp, signed with Ed25519.
//!
//! The signed message is exactly 64 bytes ([`TreeHead::signed_bytes`]):
//!
//! | offset | length | content                                     |
//! |-------:|-------:|---------------------------------------------|
//! | 0      | 16     | ASCII `ChungTay-STH-v1` followed by one 0x00 |
//! | 16     | 8      | `tree_size`, u64 big-endian                 |
//! | 24     | 8      | `timestamp_ms`, u64 big-endian              |
//! | 32     | 32     | `root_hash`                                 |

use ed25519_dalek::{Signature, Signer};
use sha2::{Digest, Sha256};

pub use ed25519_dalek::{SigningKey, VerifyingKey};

use crate::hash::Hash;
use crate::hex::to_hex;
use crate::verify::VerifyError;

/// The 16-byte domain separator that starts every signed tree head message.
pub const STH_DOMAIN: &[u8; 16] = b"ChungTay-STH-v1\0";

/// The state of the log at one moment: how many entries, their root, and when (milliseconds
/// since the Unix epoch, UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TreeHead {
    pub tree_size: u64,
    pub root_hash: Hash,
    pub timestamp_ms: u64,
}

impl TreeHead {
    /// The exact bytes that are signed: domain (16) ‖ tree_size BE (8) ‖ timestamp_ms BE (8) ‖
    /// root_hash (32).
    pub fn signed_bytes(&self) -> [u8; 64] {
        let mut out = [0u8; 64];
        out[..16].copy_from_slice(STH_DOMAIN);
        out[16..24].copy_from_slice(&self.tree_size.to_be_bytes());
        out[24..32].copy_from_slice(&self.timestamp_ms.to_be_bytes());
        out[32..].copy_from_slice(&self.root_hash);
        out
    }

    /// The Ed25519 signature of [`TreeHead::signed_bytes`] (deterministic: the same head and key
    /// always give the same signature).
    pub fn sign(&self, key: &SigningKey) -> [u8; 64] {
        key.sign(&self.signed_bytes()).to_bytes()
    }

    /// Checks `signature` over this head under `key`. Uses Ed25519 strict verification
    /// (rejects small-order keys and non-canonical signatures).
    pub fn verify(&self, key: &VerifyingKey, signature: &[u8; 64]) -> Result<(), VerifyError> {
        key.verify_strict(&self.signed_bytes(), &Signature::from_bytes(signature))
            .map_err(|_| VerifyError::BadSignature {
                key_id: key_id(key),
            })
    }
}

/// The signing key for a 32-byte secret seed. The caller draws the seed from the operating
/// system (`getrandom`) and keeps it secret; this crate does no IO and holds no randomness.
pub fn signing_key_from_seed(seed: [u8; 32]) -> SigningKey {
    SigningKey::from_bytes(&seed)
}

/// A short public name for a verifying key: hex of the first 8 bytes of SHA-256 of the 32-byte
/// public key (16 hex digits). Heads carry it so that verifiers pick the right key after a
/// rotation.
pub fn key_id(key: &VerifyingKey) -> String {
    let digest = Sha256::digest(key.as_bytes());
    to_hex(&digest[..8])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hex::from_hex;

    fn head() -> TreeHead {
        TreeHead {
            tree_size: 1_000_000,
            root_hash: core::array::from_fn(|i| i as u8),
            timestamp_ms: 1_795_000_000_000,
        }
    }

    #[test]
    fn signed_bytes_layout() {
        let bytes = head().signed_bytes();
        assert_eq!(bytes.len(), 64);
        assert_eq!(&bytes[..15], b"ChungTay-STH-v1");
        assert_eq!(bytes[15], 0);
        assert_eq!(&bytes[16..24], &[0, 0, 0, 0, 0, 0x0f, 0x42, 0x40]);
        assert_eq!(&bytes[24..32], &1_795_000_000_000u64.to_be_bytes());
        assert_eq!(&bytes[24..32], &[0, 0, 0x01, 0xa1, 0xee, 0x56, 0x5e, 0x00]);
        assert_eq!(&bytes[32..], &head().root_hash);
    }

    #[test]
    fn sign_verify_round_trip() {
        let key = signing_key_from_seed([42; 32]);
        let public = key.verifying_key();
        let signature = head().sign(&key);
        assert_eq!(head().verify(&public, &signature), Ok(()));
        // Deterministic.
        assert_eq!(head().sign(&key), signature);
    }

    #[test]
    fn any_changed_byte_fails() {
        let key = signing_key_from_seed([42; 32]);
        let public = key.verifying_key();
        let signature = head().sign(&key);

        for i in 0..64 {
            let mut bad = signature;
            bad[i] ^= 0x01;
            assert!(
                head().verify(&public, &bad).is_err(),
                "signature byte {i} flipped"
            );
        }
        let mut other = head();
        other.tree_size += 1;
        assert!(other.verify(&public, &signature).is_err());
        let mut other = head();
        other.timestamp_ms += 1;
        assert!(other.verify(&public, &signature).is_err());
        for i in 0..32 {
            let mut other = head();
            other.root_hash[i] ^= 0x80;
            assert!(
                other.verify(&public, &signature).is_err(),
                "root byte {i} flipped"
            );
        }
        // Every bit of the signed message matters (a forged message with the same signature).
        let message = head().signed_bytes();
        for i in 0..64 {
            let mut m = message;
            m[i] ^= 0x01;
            let sig = Signature::from_bytes(&signature);
            assert!(public.verify_strict(&m, &sig).is_err(), "message byte {i}");
        }
        // Another key.
        let other_key = signing_key_from_seed([43; 32]).verifying_key();
        assert_eq!(
            head().verify(&other_key, &signature),
            Err(VerifyError::BadSignature {
                key_id: key_id(&other_key)
            })
        );
    }

    #[test]
    fn key_id_is_the_first_8_bytes_of_sha256_of_the_public_key() {
        let public = signing_key_from_seed([1; 32]).verifying_key();
        let id = key_id(&public);
        assert_eq!(id.len(), 16);
        let digest: [u8; 32] = Sha256::digest(public.as_bytes()).into();
        let prefix: [u8; 8] = from_hex(&id).expect("key id is hex");
        assert_eq!(prefix, digest[..8]);
        assert_ne!(id, key_id(&signing_key_from_seed([2; 32]).verifying_key()));
    }

    /// RFC 8032 §7.1 TEST 1: the seed gives the published public key and signature, so the
    /// dalek configuration here is plain Ed25519.
    #[test]
    fn rfc8032_test_vector() {
        let seed: [u8; 32] =
            from_hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
                .expect("hex");
        let key = signing_key_from_seed(seed);
        assert_eq!(
            to_hex(key.verifying_key().as_bytes()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
        assert_eq!(
            to_hex(&key.sign(b"").to_bytes()),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155\
             5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        );
    }
}
